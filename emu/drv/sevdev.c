/* SEV_ISSUE_CMD on /dev/sev, as drivers/crypto/ccp/sev-dev.c implements it: the
 * struct sev_issue_cmd in, one of the sev_user_data_* structs behind it, bounce buffers
 * of at most 16 KiB, length queries answered with -EIO and error INVALID_LENGTH, and the
 * issue struct copied back (with the firmware status in `error`) whatever happened. */
#include <linux/psp-sev.h>
#include <string.h>

#include "emu/cert/sev_cert.h"
#include "emu/drv/drv_priv.h"
#include "emu/fw/buffers.h"

/* SEV_RET_* of the uapi; named here so this file needs nothing else from the header. */
#define RET_INVALID_PLATFORM_STATE SEV_STATUS_INVALID_PLATFORM_STATE

/* A write command on a descriptor that may not write.  Old kernels asked for
 * CAP_SYS_ADMIN instead of FMODE_WRITE. */
static bool may_write(const struct drv_req *r)
{
	return r->d->o.cap_sys_admin ? r->f->privileged : r->f->writable;
}

/* Implicit INIT before a command that needs it.  With the transient profile the
 * ioctl undoes it (SHUTDOWN) before returning, and a failure reads as
 * INVALID_PLATFORM_STATE. */
static int implicit_init(struct drv_req *r, int *error, bool *did)
{
	int rc;

	*did = false;
	if (r->d->plat_init)
		return 0;
	rc = drv_platform_init(r, error);
	if (rc) {
		if (r->d->o.transient_init)
			*error = RET_INVALID_PLATFORM_STATE;
		return rc;
	}
	*did = true;
	return 0;
}

static void implicit_done(struct drv_req *r, bool did)
{
	if (did && r->d->o.transient_init)
		drv_platform_shutdown(r, NULL);
}

static bool api_at_least(struct drv_req *r, unsigned maj, unsigned min)
{
	const struct fw_config *c = fw_get_config(r->d->fw);
	return c->api_major > maj || (c->api_major == maj && c->api_minor >= min);
}

static long do_reset(struct drv_req *r, struct sev_issue_cmd *in)
{
	struct fwb_platform_status st;
	int rc, error;

	if (!may_write(r))
		return drv_fail(r, -EPERM, "FACTORY_RESET needs a descriptor opened for writing");
	if (ua_commit(r->ua))
		return -UA_EFETCH;
	/* The spec wants UNINIT: refuse while guests run, shut an INIT platform down. */
	if ((rc = drv_fw(r, FW_CMD_PLATFORM_STATUS, &st, &error))) {
		in->error = (uint32_t)error;
		return rc;
	}
	if (st.state == FW_PLAT_WORKING)
		return drv_fail(r, -EBUSY, "FACTORY_RESET refused: guests are running (platform WORKING)");
	if (st.state == FW_PLAT_INIT) {
		/* __sev_platform_shutdown_locked trusts the driver's belief, not the state just read. */
		if (!r->d->plat_init)
			r->d->plat_init = true;
		if ((rc = drv_platform_shutdown(r, &error))) {
			in->error = (uint32_t)error;
			return rc;
		}
	}
	rc = drv_fw(r, FW_CMD_PLATFORM_RESET, NULL, &error);
	in->error = (uint32_t)error;
	return rc;
}

static long do_platform_status(struct drv_req *r, struct sev_issue_cmd *in)
{
	struct fwb_platform_status st;
	int rc, error;

	if ((rc = ua_want_write(r->ua, in->data, sizeof(st))) && rc != -EFAULT)
		return rc;
	if (ua_commit(r->ua))
		return -UA_EFETCH;
	memset(&st, 0, sizeof(st));
	rc = drv_fw(r, FW_CMD_PLATFORM_STATUS, &st, &error);
	in->error = (uint32_t)error;
	if (rc)
		return rc;
	/* The firmware's 12 bytes are struct sev_user_data_status byte for byte. */
	if (ua_write(r->ua, in->data, &st, sizeof(st)))
		return drv_fail(r, -EFAULT, "status buffer at 0x%llx not writable", (unsigned long long)in->data);
	return 0;
}

static long do_pek_pdh_gen(struct drv_req *r, struct sev_issue_cmd *in, uint32_t cmd)
{
	bool did;
	int rc, error = (int)in->error;

	if (!may_write(r))
		return drv_fail(r, -EPERM, "%s needs a descriptor opened for writing", fw_cmd_name(cmd));
	if (ua_commit(r->ua))
		return -UA_EFETCH;
	if ((rc = implicit_init(r, &error, &did)) == 0) {
		rc = drv_fw(r, cmd, NULL, &error);
		implicit_done(r, did);
	}
	in->error = (uint32_t)error;
	return rc;
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static long do_pek_csr(struct drv_req *r, struct sev_issue_cmd *in)
{
	struct sev_user_data_pek_csr u;
	struct fwb_addr_len data = { 0 };
	uint8_t *blob = NULL;
	uint32_t ulen;
	uint64_t pa;
	bool did;
	int rc, error = (int)in->error;

	if (!may_write(r))
		return drv_fail(r, -EPERM, "PEK_CSR needs a descriptor opened for writing");
	if ((rc = ua_read(r->ua, in->data, &u, sizeof(u))))
		return rc == -EFAULT ? drv_fail(r, -EFAULT, "PEK_CSR struct not readable") : rc;
	ulen = u.length;
	/* address or length 0: userspace queries the CSR length */
	if (u.address && u.length) {
		if (u.length > SEV_FW_BLOB_MAX_SIZE)
			return drv_fail(r, -EFAULT, "PEK_CSR length %u exceeds 16 KiB", u.length);
		if (!(blob = kmem_alloc(r, u.length, &pa)))
			return -ENOMEM;
		data.paddr = pa;
		data.len = u.length;
		if ((rc = ua_want_write(r->ua, u.address, u.length)))
			return rc;
	}
	if ((rc = ua_want_write(r->ua, in->data, sizeof(u))))
		return rc;
	if (ua_commit(r->ua))
		return -UA_EFETCH;
	if ((rc = implicit_init(r, &error, &did))) {
		in->error = (uint32_t)error;
		return rc;
	}
	rc = drv_fw(r, FW_CMD_PEK_CSR, &data, &error);
	implicit_done(r, did);
	in->error = (uint32_t)error;
	u.length = data.len;
	if (ua_write(r->ua, in->data, &u, sizeof(u)))
		return drv_fail(r, -EFAULT, "PEK_CSR struct not writable");
	/* The kernel copies the firmware's length out of a buffer of the user's length (an
	 * over-read when the user's was short); the emulator never writes past the buffer
	 * the user described. */
	if (blob && ua_write(r->ua, u.address, blob, min_u32(data.len, ulen)))
		return drv_fail(r, -EFAULT, "CSR buffer not writable");
	return rc;
}

static long do_pek_import(struct drv_req *r, struct sev_issue_cmd *in)
{
	struct sev_user_data_pek_cert_import u;
	struct fwb_pek_cert_import data = { 0 };
	bool did;
	long err = 0;
	int rc, error = (int)in->error;

	if (!may_write(r))
		return drv_fail(r, -EPERM, "PEK_CERT_IMPORT needs a descriptor opened for writing");
	if ((rc = ua_read(r->ua, in->data, &u, sizeof(u))))
		return rc == -EFAULT ? drv_fail(r, -EFAULT, "PEK_CERT_IMPORT struct not readable") : rc;
	if (!(data.pek_cert_paddr = drv_copy_user_blob(r, u.pek_cert_address, u.pek_cert_len, &err)))
		return err;
	data.pek_cert_len = u.pek_cert_len;
	if (!(data.oca_cert_paddr = drv_copy_user_blob(r, u.oca_cert_address, u.oca_cert_len, &err)))
		return err;
	data.oca_cert_len = u.oca_cert_len;
	if (ua_commit(r->ua))
		return -UA_EFETCH;
	/* Not INIT: make it so (the driver's belief, as in the kernel). */
	if ((rc = implicit_init(r, &error, &did)) == 0) {
		rc = drv_fw(r, FW_CMD_PEK_CERT_IMPORT, &data, &error);
		implicit_done(r, did);
	}
	in->error = (uint32_t)error;
	return rc;
}

static long do_pdh_export(struct drv_req *r, struct sev_issue_cmd *in)
{
	struct sev_user_data_pdh_cert_export u;
	struct fwb_pdh_cert_export data = { 0 };
	uint8_t *pdh = NULL, *chain = NULL;
	uint32_t pdh_ulen = 0, chain_ulen = 0;
	uint64_t pa;
	bool did = false;
	int rc, rd, error = (int)in->error;

	/* The kernel INITs before it reads the struct, so a bad pointer fails after the
	 * INIT: the read's outcome is kept and acted on in that order. */
	if (!r->d->plat_init && !may_write(r))
		return drv_fail(r, -EPERM, "PDH_CERT_EXPORT needs INIT, and INIT needs a descriptor opened for writing");
	rd = ua_read(r->ua, in->data, &u, sizeof(u));
	if (rd == -UA_EFETCH)
		return rd;
	if (rd == 0 && u.pdh_cert_address && u.pdh_cert_len && u.cert_chain_address) {
		pdh_ulen = u.pdh_cert_len;
		chain_ulen = u.cert_chain_len;
		if (pdh_ulen <= SEV_FW_BLOB_MAX_SIZE && chain_ulen <= SEV_FW_BLOB_MAX_SIZE) {
			if (!(pdh = kmem_alloc(r, pdh_ulen, &pa)))
				return -ENOMEM;
			data.pdh_cert_paddr = pa;
			data.pdh_cert_len = pdh_ulen;
			if (!(chain = kmem_alloc(r, chain_ulen, &pa)))
				return -ENOMEM;
			data.cert_chain_paddr = pa;
			data.cert_chain_len = chain_ulen;
			if ((rc = ua_want_write(r->ua, u.pdh_cert_address, pdh_ulen)) ||
			    (rc = ua_want_write(r->ua, u.cert_chain_address, chain_ulen)))
				return rc;
		}
	}
	if (rd == 0 && (rc = ua_want_write(r->ua, in->data, sizeof(u))))
		return rc;
	if (ua_commit(r->ua))
		return -UA_EFETCH;

	if ((rc = implicit_init(r, &error, &did))) {
		in->error = (uint32_t)error;
		return rc;
	}
	if (rd) {
		implicit_done(r, did);
		return drv_fail(r, -EFAULT, "PDH_CERT_EXPORT struct not readable");
	}
	if (pdh_ulen > SEV_FW_BLOB_MAX_SIZE || chain_ulen > SEV_FW_BLOB_MAX_SIZE) {
		implicit_done(r, did);
		return drv_fail(r, -EFAULT, "PDH_CERT_EXPORT lengths %u/%u: more than 16 KiB", pdh_ulen, chain_ulen);
	}
	rc = drv_fw(r, FW_CMD_PDH_CERT_EXPORT, &data, &error);
	implicit_done(r, did);
	in->error = (uint32_t)error;
	/* A query gets the firmware's lengths back. */
	u.cert_chain_len = data.cert_chain_len;
	u.pdh_cert_len = data.pdh_cert_len;
	if (ua_write(r->ua, in->data, &u, sizeof(u)))
		return drv_fail(r, -EFAULT, "PDH_CERT_EXPORT struct not writable");
	if (pdh && ua_write(r->ua, u.pdh_cert_address, pdh, min_u32(data.pdh_cert_len, pdh_ulen)))
		return drv_fail(r, -EFAULT, "PDH buffer not writable");
	if (chain && ua_write(r->ua, u.cert_chain_address, chain, min_u32(data.cert_chain_len, chain_ulen)))
		return drv_fail(r, -EFAULT, "certificate chain buffer not writable");
	return rc;
}

static long do_get_id(struct drv_req *r, struct sev_issue_cmd *in)
{
	uint8_t *id;
	uint64_t pa;
	struct fwb_addr_len data;
	int rc, error;

	if (!api_at_least(r, 0, 16))
		return drv_fail(r, -ENOTSUPP, "GET_ID needs SEV API 0.16");
	if ((rc = ua_want_write(r->ua, in->data, sizeof(struct sev_user_data_get_id))))
		return rc;
	if (ua_commit(r->ua))
		return -UA_EFETCH;
	if (!(id = kmem_alloc(r, sizeof(struct sev_user_data_get_id), &pa)))
		return -ENOMEM;
	/* Always 128 bytes: the deprecated ioctl's struct holds two sockets' IDs. */
	data.paddr = pa;
	data.len = sizeof(struct sev_user_data_get_id);
	rc = drv_fw(r, FW_CMD_GET_ID, &data, &error);
	in->error = (uint32_t)error;
	if (!rc && ua_write(r->ua, in->data, id, data.len))
		rc = drv_fail(r, -EFAULT, "GET_ID buffer not writable");
	return rc;
}

static long do_get_id2(struct drv_req *r, struct sev_issue_cmd *in)
{
	struct sev_user_data_get_id2 u;
	struct fwb_addr_len data = { 0 };
	uint32_t ulen = 0;
	uint8_t *id = NULL;
	uint64_t pa;
	int rc, error;

	if (!api_at_least(r, 0, 16))
		return drv_fail(r, -ENOTSUPP, "GET_ID2 needs SEV API 0.16");
	if ((rc = ua_read(r->ua, in->data, &u, sizeof(u))))
		return rc == -EFAULT ? drv_fail(r, -EFAULT, "GET_ID2 struct not readable") : rc;
	if (u.address && u.length) {
		/* The page allocator's limit (4 MiB) is where kzalloc gives up. */
		if (u.length > (4u << 20) || !(id = kmem_alloc(r, u.length, &pa)))
			return drv_fail(r, -ENOMEM, "GET_ID2 length %u cannot be allocated", u.length);
		data.paddr = pa;
		data.len = ulen = u.length;
		if ((rc = ua_want_write(r->ua, u.address, u.length)))
			return rc;
	}
	if ((rc = ua_want_write(r->ua, in->data, sizeof(u))))
		return rc;
	if (ua_commit(r->ua))
		return -UA_EFETCH;
	rc = drv_fw(r, FW_CMD_GET_ID, &data, &error);
	in->error = (uint32_t)error;
	/* Either the required length or the length written. */
	u.length = data.len;
	if (ua_write(r->ua, in->data, &u, sizeof(u)))
		return drv_fail(r, -EFAULT, "GET_ID2 struct not writable");
	/* The kernel copies data.len bytes out of a buffer of the user's length (an over-read
	 * when the firmware asked for more); the emulator never writes past the user's buffer. */
	if (id && ua_write(r->ua, u.address, id, min_u32(data.len, ulen)))
		return drv_fail(r, -EFAULT, "GET_ID2 buffer not writable");
	return rc;
}

long drv_sev_issue_cmd(struct drv_req *r, uint64_t arg)
{
	struct sev_issue_cmd in;
	long ret;
	int rc;

	if ((rc = ua_read(r->ua, arg, &in, sizeof(in))))
		return rc == -EFAULT ? drv_fail(r, -EFAULT, "struct sev_issue_cmd not readable") : rc;
	/* SNP commands (9..12) need an SNP-initialised platform this emulator never has;
	 * they and anything past SEV_MAX are -EINVAL. */
	if (in.cmd > SEV_GET_ID2)
		return drv_fail(r, -EINVAL, "SEV_ISSUE_CMD: command %u is not supported (SEV_GET_ID2 is the last)", in.cmd);
	if ((rc = ua_want_write(r->ua, arg, sizeof(in))))
		return rc;

	switch (in.cmd) {
	case SEV_FACTORY_RESET:
		ret = do_reset(r, &in);
		break;
	case SEV_PLATFORM_STATUS:
		ret = do_platform_status(r, &in);
		break;
	case SEV_PEK_GEN:
		ret = do_pek_pdh_gen(r, &in, FW_CMD_PEK_GEN);
		break;
	case SEV_PDH_GEN:
		ret = do_pek_pdh_gen(r, &in, FW_CMD_PDH_GEN);
		break;
	case SEV_PEK_CSR:
		ret = do_pek_csr(r, &in);
		break;
	case SEV_PEK_CERT_IMPORT:
		ret = do_pek_import(r, &in);
		break;
	case SEV_PDH_CERT_EXPORT:
		ret = do_pdh_export(r, &in);
		break;
	case SEV_GET_ID:
		ret = do_get_id(r, &in);
		break;
	default: /* SEV_GET_ID2 */
		ret = do_get_id2(r, &in);
		break;
	}
	if (ret == -UA_EFETCH)
		return ret;
	/* The struct goes back in every handled case, `error` carrying the firmware status. */
	if (ua_write(r->ua, arg, &in, sizeof(in)))
		ret = drv_fail(r, -EFAULT, "struct sev_issue_cmd not writable");
	return ret;
}
