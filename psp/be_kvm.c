/* kvm: — placeholder until the KVM backend lands. */
#include <errno.h>

#include "psp/psp_priv.h"

const struct psp_vm_impl psp_vm_kvm = { NULL, NULL, NULL, NULL, NULL };

int psp_kvm_init(struct psp *p, const char *sev_path, struct psp_err *err)
{
	(void)p;
	(void)sev_path;
	return psp_fail(err, ENOTSUP, "kvm: backend is not built yet");
}
