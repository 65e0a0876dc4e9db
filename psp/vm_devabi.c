/* VMs on an emulated device: one descriptor per VM, guest commands through
 * SWSEV_IOC_VM_OP (the device's KVM_MEMORY_ENCRYPT_OP). */
#include <errno.h>
#include <stdlib.h>

#include "emu/drv/swsev_uapi.h"
#include "psp/psp_priv.h"

static int d_create(struct psp_vm *vm, struct psp_err *err)
{
	return vm->p->t->open(vm->p, true, &vm->file, err);
}

static void d_destroy(struct psp_vm *vm)
{
	if (vm->file)
		vm->p->t->close(vm->p, vm->file);
}

static int d_op(struct psp_vm *vm, struct kvm_sev_cmd *cmd)
{
	return vm->p->t->ioctl(vm->p, vm->file, SWSEV_IOC_VM_OP, cmd);
}

static int d_region(struct psp_vm *vm, struct kvm_enc_region *r, bool reg)
{
	return vm->p->t->ioctl(vm->p, vm->file, reg ? SWSEV_IOC_VM_REG_REGION : SWSEV_IOC_VM_UNREG_REGION, r);
}

static int d_vcpus(struct psp_vm *vm, void *const *vmsa, unsigned n)
{
	uint64_t *addrs = n ? calloc(n, sizeof(*addrs)) : NULL;
	struct swsev_vcpus v = { .count = n };
	int rc;

	if (n && !addrs)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++)
		addrs[i] = (uintptr_t)(vmsa ? vmsa[i] : NULL);
	v.vmsa_addrs = (uintptr_t)addrs;
	rc = vm->p->t->ioctl(vm->p, vm->file, SWSEV_IOC_VM_SET_VCPUS, &v);
	free(addrs);
	return rc;
}

const struct psp_vm_impl psp_vm_devabi = { d_create, d_destroy, d_op, d_region, d_vcpus };
