/* KVM_SEV_LAUNCH_* , GUEST_STATUS, GET_ATTESTATION_REPORT and the handle-only commands,
 * as sev.c implements them. */
#include <string.h>

#include "emu/drv/kvm_util.h"
#include "emu/fw/buffers.h"

/* sev_bind_asid: ACTIVATE the VM's ASID on the new guest; on failure the guest goes. */
static int bind_asid(struct drv_req *r, uint32_t handle, int *error)
{
	struct fwb_activate act = { handle, r->f->vm.asid };
	int rc = drv_fw(r, FW_CMD_ACTIVATE, &act, error);

	if (rc) {
		uint32_t h = handle;
		drv_fw(r, FW_CMD_DECOMMISSION, &h, NULL);
	}
	return rc;
}

static void unbind(struct drv_req *r, uint32_t handle)
{
	uint32_t h = handle;

	drv_fw(r, FW_CMD_DEACTIVATE, &h, NULL);
	drv_fw(r, FW_CMD_DECOMMISSION, &h, NULL);
}

long kvm_launch_start(struct drv_req *r, struct kvm_sev_cmd *cmd)
{
	struct kvm_sev_launch_start p;
	struct fwb_start start = { 0 };
	uint64_t cbit = kvm_cbit(r);
	long rc;
	int error = (int)cmd->error;

	if ((rc = kvm_params(r, cmd, &p, sizeof(p))))
		return rc;
	if (p.dh_uaddr) {
		if (!(start.dh_cert_paddr = drv_copy_user_blob(r, p.dh_uaddr, p.dh_len, &rc)))
			return rc;
		start.dh_cert_paddr |= cbit;
		start.dh_cert_len = p.dh_len;
	}
	if (p.session_uaddr) {
		if (!(start.session_paddr = drv_copy_user_blob(r, p.session_uaddr, p.session_len, &rc)))
			return rc;
		start.session_paddr |= cbit;
		start.session_len = p.session_len;
	}
	if ((rc = ua_want_write(r->ua, cmd->data, sizeof(p))))
		return rc;
	if (ua_commit(r->ua))
		return -UA_EFETCH;
	start.handle = p.handle;
	start.policy = p.policy;
	rc = drv_fw(r, FW_CMD_LAUNCH_START, &start, &error);
	if (rc == 0)
		rc = bind_asid(r, start.handle, &error);
	cmd->error = (uint32_t)error;
	if (rc)
		return rc;
	p.handle = start.handle;
	if (ua_write(r->ua, cmd->data, &p, sizeof(p))) {
		unbind(r, start.handle);
		return drv_fail(r, -EFAULT, "kvm_sev_launch_start not writable");
	}
	r->f->vm.handle = start.handle;
	return 0;
}

long kvm_launch_update_data(struct drv_req *r, struct kvm_sev_cmd *cmd)
{
	struct kvm_sev_launch_update_data p;
	struct fwb_handle_addr_len data = { 0 };
	long rc;
	int error = (int)cmd->error;

	if ((rc = kvm_params(r, cmd, &p, sizeof(p))) || (rc = kvm_pin(r, p.uaddr, p.len, true)))
		return rc;
	if (ua_commit(r->ua))
		return -UA_EFETCH;
	/* Pinned user pages are one physically contiguous run here, so one command. */
	data.handle = r->f->vm.handle;
	data.paddr = p.uaddr;
	data.len = p.len;
	rc = drv_fw(r, FW_CMD_LAUNCH_UPDATE_DATA, &data, &error);
	cmd->error = (uint32_t)error;
	return rc;
}

long kvm_launch_update_vmsa(struct drv_req *r, struct kvm_sev_cmd *cmd)
{
	struct drv_vm *vm = &r->f->vm;
	long rc;
	int error = (int)cmd->error;

	if (!vm->active || !vm->es)
		return drv_fail(r, -ENOTTY, "not an SEV-ES VM (KVM_SEV_ES_INIT first)");
	for (uint32_t i = 0; i < vm->nvcpus; i++)
		if ((rc = kvm_pin(r, vm->vmsa[i], DRV_PAGE, true)))
			return rc;
	if (ua_commit(r->ua))
		return -UA_EFETCH;
	for (uint32_t i = 0; i < vm->nvcpus; i++) {
		struct fwb_handle_addr_len v = { vm->handle, 0, vm->vmsa[i], DRV_PAGE };
		rc = drv_fw(r, FW_CMD_LAUNCH_UPDATE_VMSA, &v, &error);
		cmd->error = (uint32_t)error;
		if (rc)
			return rc;
	}
	return 0;
}

long kvm_launch_measure(struct drv_req *r, struct kvm_sev_cmd *cmd)
{
	struct kvm_sev_launch_measure p;
	struct fwb_handle_addr_len data = { 0 };
	uint8_t *blob = NULL;
	uint64_t pa;
	long rc;
	int error = (int)cmd->error;

	if ((rc = kvm_params(r, cmd, &p, sizeof(p))))
		return rc;
	/* len 0: the user queries the blob length */
	if (p.len && p.uaddr) {
		if ((rc = kvm_blob_out(r, p.uaddr, p.len, "measurement", &blob, &pa)))
			return rc;
		data.paddr = pa;
		data.len = p.len;
	}
	if ((rc = ua_want_write(r->ua, cmd->data, sizeof(p))))
		return rc;
	if (ua_commit(r->ua))
		return -UA_EFETCH;
	data.handle = r->f->vm.handle;
	rc = drv_fw(r, FW_CMD_LAUNCH_MEASURE, &data, &error);
	cmd->error = (uint32_t)error;
	if (p.len) {
		if (rc)
			return rc;
		if (blob && ua_write(r->ua, p.uaddr, blob, p.len))
			rc = drv_fail(r, -EFAULT, "measurement buffer not writable");
	}
	p.len = data.len;
	if (ua_write(r->ua, cmd->data, &p, sizeof(p)))
		rc = drv_fail(r, -EFAULT, "kvm_sev_launch_measure not writable");
	return rc;
}

long kvm_launch_secret(struct drv_req *r, struct kvm_sev_cmd *cmd)
{
	struct kvm_sev_launch_secret p;
	struct fwb_transport data = { 0 };
	long rc;
	int error = (int)cmd->error;

	if ((rc = kvm_params(r, cmd, &p, sizeof(p))) || (rc = kvm_pin(r, p.guest_uaddr, p.guest_len, true)))
		return rc;
	/* The pinned guest pages are contiguous in emulation (KVM: -EINVAL otherwise). */
	if (!(data.trans_paddr = drv_copy_user_blob(r, p.trans_uaddr, p.trans_len, &rc)) ||
	    !(data.hdr_paddr = drv_copy_user_blob(r, p.hdr_uaddr, p.hdr_len, &rc)))
		return rc;
	if (ua_commit(r->ua))
		return -UA_EFETCH;
	data.handle = r->f->vm.handle;
	data.guest_paddr = p.guest_uaddr;
	data.guest_len = p.guest_len;
	data.trans_len = p.trans_len;
	data.hdr_len = p.hdr_len;
	rc = drv_fw(r, FW_CMD_LAUNCH_SECRET, &data, &error);
	cmd->error = (uint32_t)error;
	return rc;
}

long kvm_guest_status(struct drv_req *r, struct kvm_sev_cmd *cmd)
{
	struct kvm_sev_guest_status p;
	struct fwb_guest_status data = { 0 };
	long rc;
	int error = (int)cmd->error;

	if ((rc = ua_want_write(r->ua, cmd->data, sizeof(p))))
		return rc;
	if (ua_commit(r->ua))
		return -UA_EFETCH;
	data.handle = r->f->vm.handle;
	rc = drv_fw(r, FW_CMD_GUEST_STATUS, &data, &error);
	cmd->error = (uint32_t)error;
	if (rc)
		return rc;
	p.handle = data.handle;
	p.policy = data.policy;
	p.state = data.state;
	if (ua_write(r->ua, cmd->data, &p, sizeof(p)))
		return drv_fail(r, -EFAULT, "kvm_sev_guest_status not writable");
	return 0;
}

long kvm_attestation(struct drv_req *r, struct kvm_sev_cmd *cmd)
{
	struct kvm_sev_attestation_report p;
	struct fwb_attestation data = { 0 };
	uint8_t *blob = NULL;
	uint64_t pa;
	long rc;
	int error = (int)cmd->error;

	if ((rc = kvm_params(r, cmd, &p, sizeof(p))))
		return rc;
	if (p.len && p.uaddr) {
		if ((rc = kvm_blob_out(r, p.uaddr, p.len, "report", &blob, &pa)))
			return rc;
		data.paddr = pa;
		data.len = p.len;
		memcpy(data.mnonce, p.mnonce, sizeof(data.mnonce));
	}
	if ((rc = ua_want_write(r->ua, cmd->data, sizeof(p))))
		return rc;
	if (ua_commit(r->ua))
		return -UA_EFETCH;
	data.handle = r->f->vm.handle;
	rc = drv_fw(r, FW_CMD_ATTESTATION, &data, &error);
	cmd->error = (uint32_t)error;
	if (p.len) {
		if (rc)
			return rc;
		if (blob && ua_write(r->ua, p.uaddr, blob, p.len))
			rc = drv_fail(r, -EFAULT, "report buffer not writable");
	}
	p.len = data.len;
	if (ua_write(r->ua, cmd->data, &p, sizeof(p)))
		rc = drv_fail(r, -EFAULT, "kvm_sev_attestation_report not writable");
	return rc;
}

long kvm_handle_only(struct drv_req *r, struct kvm_sev_cmd *cmd, uint32_t fw_cmd)
{
	uint32_t handle;
	long rc;
	int error = (int)cmd->error;

	if (ua_commit(r->ua))
		return -UA_EFETCH;
	handle = r->f->vm.handle;
	rc = drv_fw(r, fw_cmd, &handle, &error);
	cmd->error = (uint32_t)error;
	return rc;
}

long kvm_receive_start(struct drv_req *r, struct kvm_sev_cmd *cmd)
{
	struct kvm_sev_receive_start p;
	struct fwb_start start = { 0 };
	long rc;
	int error = (int)cmd->error;

	if ((rc = kvm_params(r, cmd, &p, sizeof(p))))
		return rc;
	if (!p.pdh_uaddr || !p.pdh_len || !p.session_uaddr || !p.session_len)
		return drv_fail(r, -EINVAL, "RECEIVE_START needs the source PDH and the session");
	if (!(start.dh_cert_paddr = drv_copy_user_blob(r, p.pdh_uaddr, p.pdh_len, &rc)) ||
	    !(start.session_paddr = drv_copy_user_blob(r, p.session_uaddr, p.session_len, &rc)))
		return rc;
	if ((rc = ua_want_write(r->ua, cmd->data, sizeof(p))))
		return rc;
	if (ua_commit(r->ua))
		return -UA_EFETCH;
	start.handle = p.handle;
	start.policy = p.policy;
	start.dh_cert_len = p.pdh_len;
	start.session_len = p.session_len;
	rc = drv_fw(r, FW_CMD_RECEIVE_START, &start, &error);
	if (rc == 0)
		rc = bind_asid(r, start.handle, &error);
	cmd->error = (uint32_t)error;
	if (rc)
		return rc;
	p.handle = start.handle;
	if (ua_write(r->ua, cmd->data, &p, sizeof(p))) {
		unbind(r, start.handle);
		return drv_fail(r, -EFAULT, "kvm_sev_receive_start not writable");
	}
	r->f->vm.handle = start.handle;
	return 0;
}
