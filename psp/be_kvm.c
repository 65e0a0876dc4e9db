/* kvm:[SEVPATH][?ro&vm-type=default|sev|sev-es] — the real thing on an EPYC host.
 *
 * Platform commands go to the kernel's /dev/sev exactly as with dev: (the same
 * descriptor code).  Guest commands cannot: KVM only accepts a sev_fd that is the
 * kernel's own misc device, and only on a VM fd.  So each psp VM is a KVM VM
 * (KVM_CREATE_VM on /dev/kvm), guest commands are KVM_MEMORY_ENCRYPT_OP on it with
 * kvm_sev_cmd.sev_fd = the platform descriptor, and dropping the VM fd (plus its vCPU
 * fds) is what makes KVM DEACTIVATE and DECOMMISSION the guest.
 *
 * vm-type=sev|sev-es creates KVM_X86_SEV_VM / KVM_X86_SEV_ES_VM VMs (Linux 6.10+),
 * which refuse the legacy KVM_SEV_INIT/ES_INIT; on those the legacy init ids are
 * issued as KVM_SEV_INIT2 with default features, so psp_vm_init works on both.
 *
 * Every system call goes through psp_sys(), so the unit tests can replay a kernel. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "psp/psp_priv.h"
#include "psp/sys.h"

/* Linux 6.10 additions, absent from older <linux/kvm.h> (sev-km.md §1.4). */
#ifndef KVM_SEV_INIT2
#define KVM_SEV_INIT2 22
struct kvm_sev_init {
	__u64 vmsa_features;
	__u32 flags;
	__u16 ghcb_version;
	__u16 pad1;
	__u32 pad2[8];
};
#endif
#ifndef KVM_X86_DEFAULT_VM
#define KVM_X86_DEFAULT_VM 0
#endif
#ifndef KVM_X86_SEV_VM
#define KVM_X86_SEV_VM 2
#endif
#ifndef KVM_X86_SEV_ES_VM
#define KVM_X86_SEV_ES_VM 3
#endif

#define KVM_DEV_PATH "/dev/kvm"

/* One KVM VM; psp_vm.file points here (the fd numbers live in psp_vm). */
struct kvm_vm {
	unsigned long type;
	/* what the last failed call was, for the error message */
	uint32_t last_id;
	const char *last_what;
	int last_err;
};

static int sev_fd(const struct psp *p)
{
	return psp_dev_fd(p->file);
}

/* ---- the transport: dev's, plus /dev/kvm's lifetime and KVM-specific reasons ----- */

static int k_open(struct psp *p, bool writable, void **file, struct psp_err *err)
{
	return psp_transport_dev.open(p, writable, file, err);
}

static void k_close(struct psp *p, void *file)
{
	psp_transport_dev.close(p, file);
}

static int k_ioctl(struct psp *p, void *file, unsigned long req, void *arg)
{
	return psp_transport_dev.ioctl(p, file, req, arg);
}

static const char *op_name(uint32_t id)
{
	static const char *const n[] = {
		"KVM_SEV_INIT", "KVM_SEV_ES_INIT", "KVM_SEV_LAUNCH_START", "KVM_SEV_LAUNCH_UPDATE_DATA",
		"KVM_SEV_LAUNCH_UPDATE_VMSA", "KVM_SEV_LAUNCH_SECRET", "KVM_SEV_LAUNCH_MEASURE",
		"KVM_SEV_LAUNCH_FINISH", "KVM_SEV_SEND_START", "KVM_SEV_SEND_UPDATE_DATA",
		"KVM_SEV_SEND_UPDATE_VMSA", "KVM_SEV_SEND_FINISH", "KVM_SEV_RECEIVE_START",
		"KVM_SEV_RECEIVE_UPDATE_DATA", "KVM_SEV_RECEIVE_UPDATE_VMSA", "KVM_SEV_RECEIVE_FINISH",
		"KVM_SEV_GUEST_STATUS", "KVM_SEV_DBG_DECRYPT", "KVM_SEV_DBG_ENCRYPT", "KVM_SEV_CERT_EXPORT",
		"KVM_SEV_GET_ATTESTATION_REPORT", "KVM_SEV_SEND_CANCEL", "KVM_SEV_INIT2",
	};
	return id < sizeof(n) / sizeof(n[0]) ? n[id] : "KVM_MEMORY_ENCRYPT_OP";
}

/* KVM's errnos say little by themselves; name the likely precondition (sev.c). */
static void vm_reason(const struct psp *p, const struct psp_vm *vm, const struct kvm_vm *k, char *buf, size_t len)
{
	const char *what = k->last_what ? k->last_what : op_name(k->last_id), *why;
	uint32_t id = k->last_what ? UINT32_MAX : k->last_id;
	bool init = id == KVM_SEV_INIT || id == KVM_SEV_ES_INIT || id == KVM_SEV_INIT2;

	switch (k->last_err) {
	case ENOTTY:
		if (id == KVM_SEV_ES_INIT)
			why = "SEV-ES is off in KVM (kvm_amd sev_es=0) or not offered by this part";
		else if (id == KVM_SEV_LAUNCH_UPDATE_VMSA)
			why = "the VM is not an SEV-ES guest (KVM_SEV_ES_INIT first)";
		else if (init)
			why = "no ASIDs for this kind of guest (min_sev_asid/max_sev_asid)";
		else
			why = "KVM says the VM is not an SEV guest (KVM_SEV_INIT first)";
		break;
	case EBADF:
		snprintf(buf, len, "%s: KVM refused sev_fd %d: it is not the kernel's own /dev/sev (%s)", what,
			 sev_fd(p), p->uri);
		return;
	case EINVAL:
		if (init && vm->nvcpus)
			why = "KVM refuses SEV init once vCPUs exist (set them after psp_vm_init)";
		else if (id == KVM_SEV_INIT2 && k->type == KVM_X86_DEFAULT_VM)
			why = "KVM_SEV_INIT2 needs a VM of an SEV type (kvm:?vm-type=sev|sev-es)";
		else if (init && k->type != KVM_X86_DEFAULT_VM)
			why = k->type == KVM_X86_SEV_VM ? "the VM type (sev) does not match the init kind"
							: "the VM type (sev-es) does not match the init kind";
		else if (init)
			why = "the VM is already an SEV guest, or its type needs KVM_SEV_INIT2";
		else if (id == KVM_SEV_SEND_UPDATE_DATA || id == KVM_SEV_RECEIVE_UPDATE_DATA)
			why = "KVM refused the arguments (blobs of 1 byte to 16 KiB, guest range within one page)";
		else
			why = "KVM refused the arguments (blobs of 1 byte to 16 KiB)";
		break;
	case ENOMEM:
		why = "out of memory, or KVM could not pin the pages (RLIMIT_MEMLOCK too low without CAP_IPC_LOCK?)";
		break;
	case EBUSY:
		why = "every SEV ASID is in use";
		break;
	case EFAULT:
		why = "KVM could not read or write a user buffer";
		break;
	case EPERM:
		why = "KVM refused the command for this VM (an SEV-SNP guest takes only SNP commands)";
		break;
	case EIO:
		/* A firmware status: psp/ names it itself. */
		buf[0] = '\0';
		return;
	default:
		why = strerror(k->last_err);
	}
	snprintf(buf, len, "%s: %s", what, why);
}

static void k_reason(struct psp *p, void *file, char *buf, size_t len)
{
	buf[0] = '\0';
	for (struct psp_vm *vm = p->vms; vm; vm = vm->next)
		if (vm->file == file && file)
			vm_reason(p, vm, file, buf, len);
}

static void k_fini(struct psp *p)
{
	if (p->kvm_fd >= 0)
		psp_sys()->close(p->kvm_fd);
	p->kvm_fd = -1;
	psp_transport_dev.fini(p);
}

static const struct psp_transport kvm_transport = { "kvm", k_open, k_close, k_ioctl, k_reason, k_fini };

/* ---- VMs ------------------------------------------------------------------------- */

static int k_create(struct psp_vm *vm, struct psp_err *err)
{
	struct psp *p = vm->p;
	unsigned long type = p->kvm_vm_type;
	struct kvm_vm *k;
	int fd;

	fd = psp_sys()->ioctl(p->kvm_fd, KVM_CREATE_VM, (void *)(uintptr_t)type);
	if (fd < 0) {
		int e = errno;
		if (e == EINVAL && type != KVM_X86_DEFAULT_VM)
			return psp_fail(err, e, "KVM_CREATE_VM: no %s VM type before Linux 6.10; drop vm-type=",
					type == KVM_X86_SEV_VM ? "KVM_X86_SEV_VM" : "KVM_X86_SEV_ES_VM");
		return psp_fail(err, e, "KVM_CREATE_VM on %s: %s", KVM_DEV_PATH, strerror(e));
	}
	/* KVM_MEMORY_ENCRYPT_OP with no argument: 0 when KVM can run SEV guests at all. */
	if (psp_sys()->ioctl(fd, KVM_MEMORY_ENCRYPT_OP, NULL) < 0) {
		int e = errno;
		psp_sys()->close(fd);
		if (e == ENOTTY)
			return psp_fail(err, ENOTSUP,
					"KVM has no SEV here: kvm_amd without sev=1, or no SEV-capable AMD CPU "
					"(scripts/lab-check.sh says which)");
		return psp_fail(err, e, "KVM_MEMORY_ENCRYPT_OP probe: %s", strerror(e));
	}
	k = calloc(1, sizeof(*k));
	if (!k) {
		psp_sys()->close(fd);
		return psp_fail(err, ENOMEM, "out of memory");
	}
	k->type = type;
	vm->vm_fd = fd;
	vm->file = k;
	return 0;
}

static void k_destroy(struct psp_vm *vm)
{
	/* The vCPUs hold references to the VM: KVM tears the guest down (DEACTIVATE,
	 * DECOMMISSION, ASID to the reclaim list) when the last fd goes. */
	for (unsigned i = 0; i < vm->nvcpus; i++)
		psp_sys()->close(vm->vcpu_fds[i]);
	vm->nvcpus = 0;
	if (vm->vm_fd >= 0)
		psp_sys()->close(vm->vm_fd);
	vm->vm_fd = -1;
	free(vm->file);
	vm->file = NULL;
}

static int failed(struct kvm_vm *k, uint32_t id, const char *what, int e)
{
	k->last_id = id;
	k->last_what = what;
	k->last_err = e;
	return -e;
}

static int k_op(struct psp_vm *vm, struct kvm_sev_cmd *cmd)
{
	struct kvm_vm *k = vm->file;
	uint32_t id = cmd->id;
	struct kvm_sev_init init2;
	int rc;

	/* flags and pads are must-be-zero: no stack garbage */
	memset(&init2, 0, sizeof(init2));

	if ((id == KVM_SEV_INIT || id == KVM_SEV_ES_INIT) && k->type != KVM_X86_DEFAULT_VM) {
		if (cmd->data || (id == KVM_SEV_ES_INIT) != (k->type == KVM_X86_SEV_ES_VM))
			return failed(k, id, NULL, EINVAL);
		cmd->id = KVM_SEV_INIT2;
		cmd->data = (uintptr_t)&init2;
	}
	cmd->sev_fd = (uint32_t)sev_fd(vm->p);
	rc = psp_sys()->ioctl(vm->vm_fd, KVM_MEMORY_ENCRYPT_OP, cmd);
	if (cmd->id != id) {
		cmd->id = id;
		cmd->data = 0;
	}
	if (rc < 0)
		return failed(k, id, NULL, errno);
	return 0;
}

static int k_region(struct psp_vm *vm, struct kvm_enc_region *r, bool reg)
{
	struct kvm_vm *k = vm->file;
	const char *what = reg ? "KVM_MEMORY_ENCRYPT_REG_REGION" : "KVM_MEMORY_ENCRYPT_UNREG_REGION";

	if (psp_sys()->ioctl(vm->vm_fd, reg ? KVM_MEMORY_ENCRYPT_REG_REGION : KVM_MEMORY_ENCRYPT_UNREG_REGION, r) < 0)
		return failed(k, 0, what, errno);
	return 0;
}

/* KVM keeps the VMSAs itself: the vCPUs are created and KVM builds and encrypts
 * their save areas at KVM_SEV_LAUNCH_UPDATE_VMSA.  vCPUs cannot be removed. */
static int k_vcpus(struct psp_vm *vm, void *const *vmsa, unsigned n)
{
	struct kvm_vm *k = vm->file;
	int *fds;

	if (vmsa)
		return failed(k, 0, "KVM_CREATE_VCPU (KVM builds the VMSAs; caller pages are not possible)", ENOTSUP);
	if (n < vm->nvcpus)
		return failed(k, 0, "KVM_CREATE_VCPU (KVM cannot remove vCPUs)", EINVAL);
	if (n == vm->nvcpus)
		return 0;
	fds = realloc(vm->vcpu_fds, n * sizeof(*fds));
	if (!fds)
		return failed(k, 0, "KVM_CREATE_VCPU", ENOMEM);
	vm->vcpu_fds = fds;
	while (vm->nvcpus < n) {
		int fd = psp_sys()->ioctl(vm->vm_fd, KVM_CREATE_VCPU, (void *)(uintptr_t)vm->nvcpus);
		if (fd < 0)
			return failed(k, 0, "KVM_CREATE_VCPU", errno);
		fds[vm->nvcpus++] = fd;
	}
	return 0;
}

const struct psp_vm_impl psp_vm_kvm = { k_create, k_destroy, k_op, k_region, k_vcpus };

/* ---- opening --------------------------------------------------------------------- */

struct kvm_opts {
	bool ro;
	unsigned long vm_type;
	char bad[128];
};

static int kvm_opt(void *ctx, const char *k, const char *v)
{
	struct kvm_opts *o = ctx;

	if (strcmp(k, "ro") == 0) {
		if (*v && strcmp(v, "1") != 0 && strcmp(v, "0") != 0)
			goto bad;
		o->ro = strcmp(v, "0") != 0;
	} else if (strcmp(k, "vm-type") == 0) {
		if (strcmp(v, "default") == 0)
			o->vm_type = KVM_X86_DEFAULT_VM;
		else if (strcmp(v, "sev") == 0)
			o->vm_type = KVM_X86_SEV_VM;
		else if (strcmp(v, "sev-es") == 0)
			o->vm_type = KVM_X86_SEV_ES_VM;
		else
			goto bad;
	} else {
		snprintf(o->bad, sizeof(o->bad), "unknown kvm: option '%s' (ro, vm-type=default|sev|sev-es)", k);
		return -1;
	}
	return 0;
bad:
	snprintf(o->bad, sizeof(o->bad), "bad value '%s' for kvm: option '%s'", v, k);
	return -1;
}

static int open_kvm(struct psp *p, struct psp_err *err)
{
	int fd = psp_sys()->open(KVM_DEV_PATH, O_RDWR), version;

	if (fd < 0) {
		int e = errno;
		if (e == ENOENT)
			return psp_fail(err, e, "no %s: KVM is not loaded (modprobe kvm_amd) or this is not a VM host",
					KVM_DEV_PATH);
		if (e == EACCES || e == EPERM)
			return psp_fail(err, e, "cannot open %s: permission denied (join the kvm group)", KVM_DEV_PATH);
		return psp_fail(err, e, "cannot open %s: %s", KVM_DEV_PATH, strerror(e));
	}
	version = psp_sys()->ioctl(fd, KVM_GET_API_VERSION, NULL);
	if (version != KVM_API_VERSION) {
		int e = version < 0 ? errno : EPROTO;
		psp_sys()->close(fd);
		return psp_fail(err, e, "%s: KVM API version %d, expected %d", KVM_DEV_PATH, version, KVM_API_VERSION);
	}
	p->kvm_fd = fd;
	return 0;
}

int psp_kvm_init(struct psp *p, const char *spec, struct psp_err *err)
{
	struct kvm_opts o = { .vm_type = KVM_X86_DEFAULT_VM };
	const char *q = strchr(spec, '?');
	char path[256], dev_spec[272];

	snprintf(path, sizeof(path), "%.*s", (int)(q ? (size_t)(q - spec) : strlen(spec)), spec);
	if (!path[0])
		snprintf(path, sizeof(path), "/dev/sev");
	if (q && psp_parse_opts(q + 1, kvm_opt, &o) != 0)
		return psp_fail(err, EINVAL, "%s", o.bad);
	snprintf(dev_spec, sizeof(dev_spec), "%s%s", path, o.ro ? "?ro" : "");
	p->backend = "kvm";
	if (psp_dev_attach(p, dev_spec, err) != 0)
		return -1;
	p->t = &kvm_transport;
	if (p->caps & PSP_CAP_CONTROL) {
		/* KVM checks f_op == &sev_fops: an emulated device can never be its sev_fd. */
		psp_fail(err, EINVAL,
			 "%s is the swsev emulator, which KVM refuses as sev_fd; use dev:%s (guest commands then go "
			 "through the device's own ioctl)",
			 path, path);
		p->t->close(p, p->file);
		p->t->fini(p);
		return -1;
	}
	if (open_kvm(p, err) != 0) {
		p->t->close(p, p->file);
		p->t->fini(p);
		return -1;
	}
	p->caps = PSP_CAP_PLATFORM | PSP_CAP_GUEST | PSP_CAP_UPTR_CHECK;
	p->kvm_vm_type = o.vm_type;
	p->vmi = &psp_vm_kvm;
	/* KVM pins and walks any length itself. */
	p->max_xfer = 0;
	return 0;
}
