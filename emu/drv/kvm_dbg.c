/* KVM_SEV_DBG_DECRYPT / DBG_ENCRYPT (sev_dbg_crypt): a page at a time, with kernel
 * bounce pages when the user's addresses or length are not 16-byte aligned, since the
 * firmware only takes aligned ones. */
#include <string.h>

#include "emu/drv/kvm_util.h"
#include "emu/fw/buffers.h"

#define ALIGN16(x) (((x) & 15) == 0)

struct bounce {
	uint8_t *p;
	uint64_t pa;
};

static int dbg_cmd(struct drv_req *r, uint32_t cmd, uint64_t src, uint64_t dst, uint32_t len, int *error)
{
	struct fwb_dbg d = { r->f->vm.handle, 0, src, dst, len };
	return drv_fw(r, cmd, &d, error);
}

/* __sev_dbg_decrypt: it is safe to decrypt more than asked (the caller's buffer is
 * big enough), so round the source down and the size up to 16 bytes. */
static int dbg_decrypt(struct drv_req *r, uint64_t src, uint64_t dst, uint32_t len, int *error)
{
	uint32_t off = src & 15;

	return dbg_cmd(r, FW_CMD_DBG_DECRYPT, src & ~15ull, dst, (len + off + 15) & ~15u, error);
}

static int decrypt_user(struct drv_req *r, uint64_t src, uint64_t dst, uint32_t len, struct bounce *t, int *error)
{
	bool bounce = !ALIGN16(dst) || !ALIGN16(src) || !ALIGN16(len);
	int rc = dbg_decrypt(r, src, bounce ? t->pa : dst, len, error);

	if (rc == 0 && bounce && ua_write(r->ua, dst, t->p + (src & 15), len))
		rc = drv_fail(r, -EFAULT, "DBG_DECRYPT destination not writable");
	return rc;
}

static int encrypt_user(struct drv_req *r, uint64_t src, uint64_t dst, uint32_t len, struct bounce *ts,
			struct bounce *td, int *error)
{
	uint64_t from = src;
	uint32_t n = len;
	int rc;

	if (!ALIGN16(src)) {
		if (ua_read(r->ua, src, ts->p, len))
			return drv_fail(r, -EFAULT, "DBG_ENCRYPT source not readable");
		from = ts->pa;
	}
	/* Unaligned destination or length: read-modify-write through a decrypt. */
	if (!ALIGN16(dst) || !ALIGN16(len)) {
		uint32_t off = dst & 15;
		if ((rc = dbg_decrypt(r, dst, td->pa, len, error)))
			return rc;
		if (!ALIGN16(src))
			memcpy(td->p + off, ts->p, len);
		else if (ua_read(r->ua, src, td->p + off, len))
			return drv_fail(r, -EFAULT, "DBG_ENCRYPT source not readable");
		from = td->pa;
		dst &= ~15ull;
		/* As sev.c rounds it: the length, not the span off + len. */
		n = (len + 15) & ~15u;
	}
	return dbg_cmd(r, FW_CMD_DBG_ENCRYPT, from, dst, n, error);
}

long kvm_dbg(struct drv_req *r, struct kvm_sev_cmd *cmd, bool decrypt)
{
	struct kvm_sev_dbg p;
	struct bounce ts, td;
	uint64_t src, dst, end;
	uint32_t size;
	long rc;
	int error = (int)cmd->error;

	if ((rc = kvm_params(r, cmd, &p, sizeof(p))))
		return rc;
	if (!p.len || p.src_uaddr + p.len < p.src_uaddr)
		return drv_fail(r, -EINVAL, "debug length is 0 or the source range wraps");
	if (!p.dst_uaddr)
		return drv_fail(r, -EINVAL, "debug destination is NULL");
	/* What the loop below touches: the source rounded out to 16 bytes, and the
	 * destination likewise (read too, for the read-modify-write of unaligned ends). */
	if ((rc = kvm_pin(r, p.src_uaddr & ~15ull, ((p.src_uaddr + p.len + 15) & ~15ull) - (p.src_uaddr & ~15ull), false)) ||
	    (rc = kvm_pin(r, p.dst_uaddr & ~15ull, ((p.dst_uaddr + p.len + 15) & ~15ull) - (p.dst_uaddr & ~15ull), true)))
		return rc;
	if (!(ts.p = kmem_alloc(r, DRV_PAGE + 16, &ts.pa)) || !(td.p = kmem_alloc(r, DRV_PAGE + 32, &td.pa)))
		return -ENOMEM;
	if (ua_commit(r->ua))
		return -UA_EFETCH;

	src = p.src_uaddr;
	dst = p.dst_uaddr;
	size = p.len;
	end = src + size;
	while (src < end) {
		uint32_t len = DRV_PAGE - (src & (DRV_PAGE - 1));
		if (len > size)
			len = size;
		rc = decrypt ? decrypt_user(r, src, dst, len, &td, &error) : encrypt_user(r, src, dst, len, &ts, &td, &error);
		cmd->error = (uint32_t)error;
		if (rc)
			return rc;
		src += len;
		dst += len;
		size -= len;
	}
	return 0;
}
