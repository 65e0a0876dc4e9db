/* The /dev/sev commands (SEV_ISSUE_CMD), raw and typed. */
#include <errno.h>
#include <string.h>

#include "psp/psp_priv.h"

int psp_sev_cmd(struct psp *p, uint32_t cmd, void *data, struct psp_err *err)
{
	struct sev_issue_cmd ic = { .cmd = cmd, .data = (uint64_t)(uintptr_t)data, .error = 0 };
	static const char *const names[] = { "FACTORY_RESET", "PLATFORM_STATUS", "PEK_GEN", "PEK_CSR", "PDH_GEN",
					     "PDH_CERT_EXPORT", "PEK_CERT_IMPORT", "GET_ID", "GET_ID2" };
	int rc;

	psp_err_clear(err);
	if (!(p->caps & PSP_CAP_PLATFORM))
		return psp_require(p, PSP_CAP_PLATFORM, err);
	rc = p->t->ioctl(p, p->file, SEV_ISSUE_CMD, &ic);
	if (rc)
		return psp_fail_ioctl(p, p->file, rc, ic.error, true, cmd < 9 ? names[cmd] : "SEV_ISSUE_CMD", err);
	return 0;
}

int psp_platform_status(struct psp *p, struct sev_user_data_status *st, struct psp_err *err)
{
	return psp_sev_cmd(p, SEV_PLATFORM_STATUS, st, err);
}

int psp_factory_reset(struct psp *p, struct psp_err *err)
{
	return psp_sev_cmd(p, SEV_FACTORY_RESET, NULL, err);
}

int psp_pek_gen(struct psp *p, struct psp_err *err)
{
	return psp_sev_cmd(p, SEV_PEK_GEN, NULL, err);
}

int psp_pdh_gen(struct psp *p, struct psp_err *err)
{
	return psp_sev_cmd(p, SEV_PDH_GEN, NULL, err);
}

int psp_pek_csr(struct psp *p, uint8_t csr[PSP_CERT_LEN], struct psp_err *err)
{
	struct sev_user_data_pek_csr u = { .address = (uintptr_t)csr, .length = PSP_CERT_LEN };
	return psp_sev_cmd(p, SEV_PEK_CSR, &u, err);
}

int psp_pek_cert_import(struct psp *p, const uint8_t pek[PSP_CERT_LEN], const uint8_t oca[PSP_CERT_LEN],
			struct psp_err *err)
{
	struct sev_user_data_pek_cert_import u = {
		.pek_cert_address = (uintptr_t)pek,
		.pek_cert_len = PSP_CERT_LEN,
		.oca_cert_address = (uintptr_t)oca,
		.oca_cert_len = PSP_CERT_LEN,
	};
	return psp_sev_cmd(p, SEV_PEK_CERT_IMPORT, &u, err);
}

int psp_pdh_cert_export(struct psp *p, uint8_t pdh[PSP_CERT_LEN], uint8_t chain[PSP_CERT_CHAIN_LEN],
			struct psp_err *err)
{
	struct sev_user_data_pdh_cert_export u = {
		.pdh_cert_address = (uintptr_t)pdh,
		.pdh_cert_len = PSP_CERT_LEN,
		.cert_chain_address = (uintptr_t)chain,
		.cert_chain_len = PSP_CERT_CHAIN_LEN,
	};
	return psp_sev_cmd(p, SEV_PDH_CERT_EXPORT, &u, err);
}

int psp_get_id(struct psp *p, uint8_t *id, uint32_t *len, struct psp_err *err)
{
	struct sev_user_data_get_id2 u = { .address = 0, .length = 0 };

	/* The length query first: -EIO with INVALID_LENGTH and the length to use. */
	if (psp_sev_cmd(p, SEV_GET_ID2, &u, err) == 0 || err->err != EIO)
		return err->err ? -1 : psp_fail(err, EPROTO, "GET_ID2 length query unexpectedly succeeded");
	if (u.length > *len)
		return psp_fail(err, ENOSPC, "GET_ID2 needs %u bytes, buffer holds %u", u.length, *len);
	u.address = (uintptr_t)id;
	if (psp_sev_cmd(p, SEV_GET_ID2, &u, err) != 0)
		return -1;
	*len = u.length;
	return 0;
}
