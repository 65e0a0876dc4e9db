/* The KVM side of an SEV VM (arch/x86/kvm/svm/sev.c): KVM_MEMORY_ENCRYPT_OP dispatch,
 * KVM_SEV_INIT/ES_INIT with ASID allocation and recycling, memory regions, the vCPUs'
 * VMSAs, and teardown when the VM dies. */
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>

#include "emu/drv/drv_priv.h"
#include "emu/drv/kvm_priv.h"
#include "emu/drv/kvm_util.h"
#include "emu/drv/swsev_uapi.h"

#ifndef KVM_SEV_INIT2
#define KVM_SEV_INIT2 22
#endif

/* sev_flush_asids + __sev_recycle_asids: only when something is waiting to be
 * reclaimed; WBINVD on all CPUs, DF_FLUSH, then the reclaimed ASIDs are free. */
static bool recycle_asids(struct drv_req *r, uint32_t min, uint32_t max)
{
	struct drv *d = r->d;
	bool any = false;
	int error;

	for (uint32_t a = min; a <= max && !any; a++)
		any = d->asid_reclaim[a];
	if (!any)
		return false;
	fw_wbinvd(d->fw);
	if (drv_fw(r, FW_CMD_DF_FLUSH, NULL, &error))
		return false;
	for (uint32_t a = 1; a <= fw_get_config(d->fw)->max_asid; a++) {
		if (d->asid_reclaim[a]) {
			d->asid_used[a] = 0;
			d->asid_reclaim[a] = 0;
		}
	}
	return true;
}

/* sev_asid_new: SEV guests take min_sev_asid..max, SEV-ES guests 1..min_sev_asid-1;
 * freed ASIDs are reused only after a recycle. */
static int asid_new(struct drv_req *r, bool es, uint32_t *out)
{
	const struct fw_config *c = fw_get_config(r->d->fw);
	uint32_t min = es ? 1 : c->min_sev_asid, max = es ? c->min_sev_asid - 1 : c->max_asid;
	bool retry = true;

	if (min > max)
		return -ENOTTY;
again:
	for (uint32_t a = min; a <= max; a++) {
		if (!r->d->asid_used[a]) {
			r->d->asid_used[a] = 1;
			*out = a;
			return 0;
		}
	}
	if (retry && recycle_asids(r, min, max)) {
		retry = false;
		goto again;
	}
	return -EBUSY;
}

static void asid_free(struct drv *d, uint32_t asid)
{
	if (asid)
		d->asid_reclaim[asid] = 1;
}

/* sev_unbind_asid + sev_asid_free: DEACTIVATE and DECOMMISSION the guest (errors are
 * ignored, as KVM does), the ASID waits for the next recycle. */
void drv_vm_teardown(struct drv_req *r, struct drv_vm *vm)
{
	if (!vm->active)
		return;
	fw_wbinvd(r->d->fw);
	free(vm->regions);
	vm->regions = NULL;
	vm->nregions = 0;
	if (vm->handle) {
		uint32_t h = vm->handle;
		drv_fw(r, FW_CMD_DEACTIVATE, &h, NULL);
		drv_fw(r, FW_CMD_DECOMMISSION, &h, NULL);
	}
	asid_free(r->d, vm->asid);
	vm->active = vm->es = false;
	vm->asid = vm->handle = 0;
}

static long guest_init(struct drv_req *r, struct kvm_sev_cmd *cmd, bool es)
{
	struct drv_vm *vm = &r->f->vm;
	int error = 0, rc;

	if (ua_commit(r->ua))
		return -UA_EFETCH;
	if (vm->active)
		return drv_fail(r, -EINVAL, "this VM is already an SEV guest (INIT done)");
	if ((rc = asid_new(r, es, &vm->asid)))
		return drv_fail(r, rc, "no free %s ASID (all in use, nothing to reclaim)", es ? "SEV-ES" : "SEV");
	if ((rc = drv_platform_init(r, &error))) {
		cmd->error = (uint32_t)error;
		asid_free(r->d, vm->asid);
		vm->asid = 0;
		return rc;
	}
	vm->active = true;
	vm->es = es;
	vm->handle = 0;
	return 0;
}

/* sev_guest(kvm), which each KVM handler after the INITs checks first: ENOTTY before
 * KVM_SEV_INIT, except RECEIVE_UPDATE_DATA, which answers EINVAL (sev.c).  Commands KVM
 * does not implement are not listed: they get EINVAL whatever the VM is. */
static long need_sev_guest(struct drv_req *r, uint32_t id)
{
	switch (id) {
	case KVM_SEV_LAUNCH_START:
	case KVM_SEV_LAUNCH_UPDATE_DATA:
	case KVM_SEV_LAUNCH_UPDATE_VMSA:
	case KVM_SEV_LAUNCH_MEASURE:
	case KVM_SEV_LAUNCH_SECRET:
	case KVM_SEV_LAUNCH_FINISH:
	case KVM_SEV_GUEST_STATUS:
	case KVM_SEV_DBG_DECRYPT:
	case KVM_SEV_DBG_ENCRYPT:
	case KVM_SEV_GET_ATTESTATION_REPORT:
	case KVM_SEV_SEND_START:
	case KVM_SEV_SEND_UPDATE_DATA:
	case KVM_SEV_SEND_FINISH:
	case KVM_SEV_SEND_CANCEL:
	case KVM_SEV_RECEIVE_START:
	case KVM_SEV_RECEIVE_UPDATE_DATA:
	case KVM_SEV_RECEIVE_FINISH:
		break;
	default:
		return 0;
	}
	if (kvm_sev_guest(r))
		return 0;
	return drv_fail(r, id == KVM_SEV_RECEIVE_UPDATE_DATA ? -EINVAL : -ENOTTY, "not an SEV VM (KVM_SEV_INIT first)");
}

long drv_vm_op(struct drv_req *r, uint64_t arg)
{
	struct kvm_sev_cmd cmd;
	long ret;
	int rc;

	/* KVM_MEMORY_ENCRYPT_OP with a NULL argument: "is SEV enabled" */
	if (!arg)
		return 0;
	if ((rc = ua_read(r->ua, arg, &cmd, sizeof(cmd))))
		return rc == -EFAULT ? drv_fail(r, -EFAULT, "struct kvm_sev_cmd not readable") : rc;
	if ((rc = ua_want_write(r->ua, arg, sizeof(cmd))))
		return rc;

	if ((ret = need_sev_guest(r, cmd.id)))
		goto copy_back;
	switch (cmd.id) {
	case KVM_SEV_ES_INIT:
		if (!fw_get_config(r->d->fw)->es) {
			if (ua_commit(r->ua))
				return -UA_EFETCH;
			return drv_fail(r, -ENOTTY, "SEV-ES is not supported by this part");
		}
		ret = guest_init(r, &cmd, true);
		break;
	case KVM_SEV_INIT:
		ret = guest_init(r, &cmd, false);
		break;
	case KVM_SEV_LAUNCH_START:
		ret = kvm_launch_start(r, &cmd);
		break;
	case KVM_SEV_LAUNCH_UPDATE_DATA:
		ret = kvm_launch_update_data(r, &cmd);
		break;
	case KVM_SEV_LAUNCH_UPDATE_VMSA:
		ret = kvm_launch_update_vmsa(r, &cmd);
		break;
	case KVM_SEV_LAUNCH_MEASURE:
		ret = kvm_launch_measure(r, &cmd);
		break;
	case KVM_SEV_LAUNCH_FINISH:
		ret = kvm_handle_only(r, &cmd, FW_CMD_LAUNCH_FINISH);
		break;
	case KVM_SEV_GUEST_STATUS:
		ret = kvm_guest_status(r, &cmd);
		break;
	case KVM_SEV_DBG_DECRYPT:
		ret = kvm_dbg(r, &cmd, true);
		break;
	case KVM_SEV_DBG_ENCRYPT:
		ret = kvm_dbg(r, &cmd, false);
		break;
	case KVM_SEV_LAUNCH_SECRET:
		ret = kvm_launch_secret(r, &cmd);
		break;
	case KVM_SEV_GET_ATTESTATION_REPORT:
		ret = kvm_attestation(r, &cmd);
		break;
	case KVM_SEV_SEND_START:
		ret = kvm_send_start(r, &cmd);
		break;
	case KVM_SEV_SEND_UPDATE_DATA:
		ret = kvm_send_update_data(r, &cmd);
		break;
	case KVM_SEV_SEND_FINISH:
		ret = kvm_handle_only(r, &cmd, FW_CMD_SEND_FINISH);
		break;
	case KVM_SEV_SEND_CANCEL:
		ret = kvm_handle_only(r, &cmd, FW_CMD_SEND_CANCEL);
		break;
	case KVM_SEV_RECEIVE_START:
		ret = kvm_receive_start(r, &cmd);
		break;
	case KVM_SEV_RECEIVE_UPDATE_DATA:
		ret = kvm_receive_update_data(r, &cmd);
		break;
	case KVM_SEV_RECEIVE_FINISH:
		ret = kvm_handle_only(r, &cmd, FW_CMD_RECEIVE_FINISH);
		break;
	case KVM_SEV_INIT2:
		/* INIT2 needs a VM created with an SEV VM type, which a device file is not. */
		if (ua_commit(r->ua))
			return -UA_EFETCH;
		ret = drv_fail(r, -EINVAL, "KVM_SEV_INIT2 needs an SEV VM type; use KVM_SEV_INIT or KVM_SEV_ES_INIT");
		break;
	default:
		/* Not implemented by KVM either (SEND/RECEIVE_UPDATE_VMSA, CERT_EXPORT): the
		 * struct is not copied back. */
		if (ua_commit(r->ua))
			return -UA_EFETCH;
		return drv_fail(r, -EINVAL, "KVM_MEMORY_ENCRYPT_OP: command %u is not implemented", cmd.id);
	}
copy_back:
	if (ret == -UA_EFETCH)
		return ret;
	if (ua_write(r->ua, arg, &cmd, sizeof(cmd)))
		ret = drv_fail(r, -EFAULT, "struct kvm_sev_cmd not writable");
	return ret;
}

long drv_vm_region(struct drv_req *r, uint64_t arg, bool reg)
{
	struct drv_vm *vm = &r->f->vm;
	struct kvm_enc_region range;
	int rc;

	if ((rc = ua_read(r->ua, arg, &range, sizeof(range))))
		return rc == -EFAULT ? drv_fail(r, -EFAULT, "struct kvm_enc_region not readable") : rc;
	if (ua_commit(r->ua))
		return -UA_EFETCH;
	if (!vm->active)
		return drv_fail(r, -ENOTTY, "not an SEV VM (KVM_SEV_INIT first)");
	if (reg) {
		void *n;
		if (range.size == 0 || range.addr + range.size < range.addr)
			return drv_fail(r, -EINVAL, "region 0x%llx+0x%llx is empty or wraps", (unsigned long long)range.addr,
					(unsigned long long)range.size);
		n = realloc(vm->regions, (vm->nregions + 1) * sizeof(*vm->regions));
		if (!n)
			return -ENOMEM;
		vm->regions = n;
		vm->regions[vm->nregions].addr = range.addr;
		vm->regions[vm->nregions].size = range.size;
		vm->nregions++;
		return 0;
	}
	for (size_t i = 0; i < vm->nregions; i++) {
		if (vm->regions[i].addr == range.addr && vm->regions[i].size == range.size) {
			vm->regions[i] = vm->regions[--vm->nregions];
			fw_wbinvd(r->d->fw);
			return 0;
		}
	}
	return drv_fail(r, -EINVAL, "no registered region 0x%llx+0x%llx", (unsigned long long)range.addr,
			(unsigned long long)range.size);
}

long drv_vm_set_vcpus(struct drv_req *r, uint64_t arg)
{
	struct drv_vm *vm = &r->f->vm;
	struct swsev_vcpus v;
	uint64_t *pages = NULL;
	int rc;

	if ((rc = ua_read(r->ua, arg, &v, sizeof(v))))
		return rc == -EFAULT ? drv_fail(r, -EFAULT, "struct swsev_vcpus not readable") : rc;
	if (v.count > SWSEV_MAX_VCPUS)
		return drv_fail(r, -EINVAL, "%u vCPUs: at most %u", v.count, SWSEV_MAX_VCPUS);
	if (v.count) {
		if (!(pages = calloc(v.count, sizeof(*pages))))
			return -ENOMEM;
		if ((rc = ua_read(r->ua, v.vmsa_addrs, pages, v.count * sizeof(*pages)))) {
			free(pages);
			return rc == -EFAULT ? drv_fail(r, -EFAULT, "VMSA address list not readable") : rc;
		}
		for (uint32_t i = 0; i < v.count; i++) {
			if (!pages[i] || pages[i] % DRV_PAGE) {
				unsigned long long bad = pages[i];
				free(pages);
				return drv_fail(r, -EINVAL, "VMSA %u at 0x%llx is not a page", i, bad);
			}
		}
	}
	if (ua_commit(r->ua)) {
		free(pages);
		return -UA_EFETCH;
	}
	free(vm->vmsa);
	vm->vmsa = pages;
	vm->nvcpus = v.count;
	return 0;
}
