/* KVM_SEV_SEND_START, SEND_UPDATE_DATA and RECEIVE_UPDATE_DATA: one page at most per
 * call, guest addresses with the C-bit set, length queries answered through the
 * firmware. */
#include <string.h>

#include "emu/drv/kvm_util.h"
#include "emu/fw/buffers.h"

/* kzalloc of a user-chosen size: fine up to what the page allocator would give. */
#define KZALLOC_MAX (4u << 20)

long kvm_send_start(struct drv_req *r, struct kvm_sev_cmd *cmd)
{
	struct kvm_sev_send_start p;
	struct fwb_send_start data = { 0 };
	uint8_t *session;
	uint64_t pa;
	long rc;
	int error = (int)cmd->error;

	if ((rc = kvm_params(r, cmd, &p, sizeof(p))))
		return rc;
	if ((rc = ua_want_write(r->ua, cmd->data, sizeof(p))))
		return rc;
	if (!p.session_len) {
		/* session_len 0: the user queries the session length */
		if (ua_commit(r->ua))
			return -UA_EFETCH;
		data.handle = r->f->vm.handle;
		rc = drv_fw(r, FW_CMD_SEND_START, &data, &error);
		cmd->error = (uint32_t)error;
		p.session_len = data.session_len;
		if (ua_write(r->ua, cmd->data, &p, sizeof(p)))
			rc = drv_fail(r, -EFAULT, "kvm_sev_send_start not writable");
		return rc;
	}
	if (!p.pdh_cert_uaddr || !p.pdh_cert_len || !p.session_uaddr || p.session_len > SEV_FW_BLOB_MAX_SIZE)
		return drv_fail(r, -EINVAL, "SEND_START needs the target PDH and a session buffer of at most 16 KiB");
	if (!(session = kmem_alloc(r, p.session_len, &pa)))
		return -ENOMEM;
	data.session_paddr = pa;
	/* KVM copies all three certificate blobs, whatever the policy asks for. */
	if (!(data.pdh_cert_paddr = drv_copy_user_blob(r, p.pdh_cert_uaddr, p.pdh_cert_len, &rc)) ||
	    !(data.plat_certs_paddr = drv_copy_user_blob(r, p.plat_certs_uaddr, p.plat_certs_len, &rc)) ||
	    !(data.amd_certs_paddr = drv_copy_user_blob(r, p.amd_certs_uaddr, p.amd_certs_len, &rc)))
		return rc;
	if ((rc = ua_want_write(r->ua, p.session_uaddr, p.session_len)))
		return rc;
	if (ua_commit(r->ua))
		return -UA_EFETCH;
	data.pdh_cert_len = p.pdh_cert_len;
	data.plat_certs_len = p.plat_certs_len;
	data.amd_certs_len = p.amd_certs_len;
	data.session_len = p.session_len;
	data.handle = r->f->vm.handle;
	rc = drv_fw(r, FW_CMD_SEND_START, &data, &error);
	cmd->error = (uint32_t)error;
	if (!rc && ua_write(r->ua, p.session_uaddr, session, p.session_len))
		return drv_fail(r, -EFAULT, "session buffer not writable");
	p.policy = data.policy;
	p.session_len = data.session_len;
	if (ua_write(r->ua, cmd->data, &p, sizeof(p)))
		rc = drv_fail(r, -EFAULT, "kvm_sev_send_start not writable");
	return rc;
}

static long one_page(struct drv_req *r, uint64_t uaddr, uint32_t len)
{
	uint64_t off = uaddr & (DRV_PAGE - 1);

	if (len > DRV_PAGE || len + off > DRV_PAGE)
		return drv_fail(r, -EINVAL, "guest range 0x%llx+%u crosses a page boundary", (unsigned long long)uaddr, len);
	return 0;
}

long kvm_send_update_data(struct drv_req *r, struct kvm_sev_cmd *cmd)
{
	struct kvm_sev_send_update_data p;
	struct fwb_transport data = { 0 };
	uint8_t *hdr, *trans;
	uint64_t pa;
	long rc;
	int error = (int)cmd->error;

	if ((rc = kvm_params(r, cmd, &p, sizeof(p))))
		return rc;
	if (!p.trans_len || !p.hdr_len) {
		/* the user queries the header / transport lengths */
		if ((rc = ua_want_write(r->ua, cmd->data, sizeof(p))))
			return rc;
		if (ua_commit(r->ua))
			return -UA_EFETCH;
		data.handle = r->f->vm.handle;
		rc = drv_fw(r, FW_CMD_SEND_UPDATE_DATA, &data, &error);
		cmd->error = (uint32_t)error;
		p.hdr_len = data.hdr_len;
		p.trans_len = data.trans_len;
		if (ua_write(r->ua, cmd->data, &p, sizeof(p)))
			rc = drv_fail(r, -EFAULT, "kvm_sev_send_update_data not writable");
		return rc;
	}
	if (!p.trans_uaddr || !p.guest_uaddr || !p.guest_len || !p.hdr_uaddr)
		return drv_fail(r, -EINVAL, "SEND_UPDATE_DATA needs header, guest and transport buffers");
	if ((rc = one_page(r, p.guest_uaddr, p.guest_len)) ||
	    (rc = kvm_pin(r, p.guest_uaddr & ~(uint64_t)(DRV_PAGE - 1), DRV_PAGE, false)))
		return rc;
	if (p.hdr_len > KZALLOC_MAX || p.trans_len > KZALLOC_MAX || !(hdr = kmem_alloc(r, p.hdr_len, &pa)))
		return -ENOMEM;
	data.hdr_paddr = pa;
	if (!(trans = kmem_alloc(r, p.trans_len, &pa)))
		return -ENOMEM;
	data.trans_paddr = pa;
	if ((rc = ua_want_write(r->ua, p.trans_uaddr, p.trans_len)) || (rc = ua_want_write(r->ua, p.hdr_uaddr, p.hdr_len)))
		return rc;
	if (ua_commit(r->ua))
		return -UA_EFETCH;
	data.hdr_len = p.hdr_len;
	data.trans_len = p.trans_len;
	data.guest_paddr = p.guest_uaddr | kvm_cbit(r);
	data.guest_len = p.guest_len;
	data.handle = r->f->vm.handle;
	rc = drv_fw(r, FW_CMD_SEND_UPDATE_DATA, &data, &error);
	cmd->error = (uint32_t)error;
	if (rc)
		return rc;
	if (ua_write(r->ua, p.trans_uaddr, trans, p.trans_len))
		return drv_fail(r, -EFAULT, "transport buffer not writable");
	if (ua_write(r->ua, p.hdr_uaddr, hdr, p.hdr_len))
		return drv_fail(r, -EFAULT, "header buffer not writable");
	return 0;
}

long kvm_receive_update_data(struct drv_req *r, struct kvm_sev_cmd *cmd)
{
	struct kvm_sev_receive_update_data p;
	struct fwb_transport data = { 0 };
	long rc;
	int error = (int)cmd->error;

	if ((rc = kvm_params(r, cmd, &p, sizeof(p))))
		return rc;
	if (!p.hdr_uaddr || !p.hdr_len || !p.guest_uaddr || !p.guest_len || !p.trans_uaddr || !p.trans_len)
		return drv_fail(r, -EINVAL, "RECEIVE_UPDATE_DATA needs header, guest and transport buffers");
	if ((rc = one_page(r, p.guest_uaddr, p.guest_len)))
		return rc;
	if (!(data.hdr_paddr = drv_copy_user_blob(r, p.hdr_uaddr, p.hdr_len, &rc)) ||
	    !(data.trans_paddr = drv_copy_user_blob(r, p.trans_uaddr, p.trans_len, &rc)))
		return rc;
	if ((rc = kvm_pin(r, p.guest_uaddr & ~(uint64_t)(DRV_PAGE - 1), DRV_PAGE, true)))
		return rc;
	if (ua_commit(r->ua))
		return -UA_EFETCH;
	data.hdr_len = p.hdr_len;
	data.trans_len = p.trans_len;
	data.guest_paddr = p.guest_uaddr | kvm_cbit(r);
	data.guest_len = p.guest_len;
	data.handle = r->f->vm.handle;
	rc = drv_fw(r, FW_CMD_RECEIVE_UPDATE_DATA, &data, &error);
	cmd->error = (uint32_t)error;
	return rc;
}
