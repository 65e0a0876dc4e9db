/* Guest commands: the raw KVM_MEMORY_ENCRYPT_OP and the typed wrappers, which do the
 * length queries and split big transfers into calls the backend can carry. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "psp/psp_priv.h"

static const char *const op_names[] = {
	"KVM_SEV_INIT", "KVM_SEV_ES_INIT", "KVM_SEV_LAUNCH_START", "KVM_SEV_LAUNCH_UPDATE_DATA",
	"KVM_SEV_LAUNCH_UPDATE_VMSA", "KVM_SEV_LAUNCH_SECRET", "KVM_SEV_LAUNCH_MEASURE", "KVM_SEV_LAUNCH_FINISH",
	"KVM_SEV_SEND_START", "KVM_SEV_SEND_UPDATE_DATA", "KVM_SEV_SEND_UPDATE_VMSA", "KVM_SEV_SEND_FINISH",
	"KVM_SEV_RECEIVE_START", "KVM_SEV_RECEIVE_UPDATE_DATA", "KVM_SEV_RECEIVE_UPDATE_VMSA", "KVM_SEV_RECEIVE_FINISH",
	"KVM_SEV_GUEST_STATUS", "KVM_SEV_DBG_DECRYPT", "KVM_SEV_DBG_ENCRYPT", "KVM_SEV_CERT_EXPORT",
	"KVM_SEV_GET_ATTESTATION_REPORT", "KVM_SEV_SEND_CANCEL",
};

int psp_vm_create(struct psp *p, struct psp_vm **out, struct psp_err *err)
{
	struct psp_vm *vm;

	psp_err_clear(err);
	*out = NULL;
	if (psp_require(p, PSP_CAP_GUEST, err) || !p->vmi)
		return err && err->err ? -1 : psp_fail(err, ENOTSUP, "backend %s has no guest commands", p->backend);
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return psp_fail(err, ENOMEM, "out of memory");
	vm->p = p;
	vm->vm_fd = -1;
	if (p->vmi->create(vm, err) != 0) {
		free(vm);
		return -1;
	}
	vm->next = p->vms;
	p->vms = vm;
	*out = vm;
	return 0;
}

void psp_vm_destroy(struct psp_vm *vm)
{
	struct psp *p;

	if (!vm)
		return;
	p = vm->p;
	p->vmi->destroy(vm);
	for (struct psp_vm **l = &p->vms; *l; l = &(*l)->next) {
		if (*l == vm) {
			*l = vm->next;
			break;
		}
	}
	free(vm->vcpu_fds);
	free(vm);
}

struct psp *psp_vm_psp(struct psp_vm *vm)
{
	return vm->p;
}

int psp_vm_op(struct psp_vm *vm, uint32_t id, void *data, struct psp_err *err)
{
	struct kvm_sev_cmd cmd;
	int rc;

	memset(&cmd, 0, sizeof(cmd));
	cmd.id = id;
	cmd.data = (uint64_t)(uintptr_t)data;

	psp_err_clear(err);
	rc = vm->p->vmi->op(vm, &cmd);
	if (rc)
		return psp_fail_ioctl(vm->p, vm->file, rc, cmd.error, true,
				      id < sizeof(op_names) / sizeof(op_names[0]) ? op_names[id] : "KVM_MEMORY_ENCRYPT_OP",
				      err);
	return 0;
}

int psp_vm_reg_region(struct psp_vm *vm, void *addr, size_t size, struct psp_err *err)
{
	struct kvm_enc_region r = { (uintptr_t)addr, size };
	int rc = vm->p->vmi->region(vm, &r, true);

	psp_err_clear(err);
	return rc ? psp_fail_ioctl(vm->p, vm->file, rc, 0, false, "KVM_MEMORY_ENCRYPT_REG_REGION", err) : 0;
}

int psp_vm_unreg_region(struct psp_vm *vm, void *addr, size_t size, struct psp_err *err)
{
	struct kvm_enc_region r = { (uintptr_t)addr, size };
	int rc = vm->p->vmi->region(vm, &r, false);

	psp_err_clear(err);
	return rc ? psp_fail_ioctl(vm->p, vm->file, rc, 0, false, "KVM_MEMORY_ENCRYPT_UNREG_REGION", err) : 0;
}

int psp_vm_set_vcpus(struct psp_vm *vm, void *const *vmsa, unsigned n, struct psp_err *err)
{
	int rc;

	psp_err_clear(err);
	if (vmsa && !(vm->p->caps & PSP_CAP_VMSA_PAGES))
		return psp_require(vm->p, PSP_CAP_VMSA_PAGES, err);
	rc = vm->p->vmi->vcpus(vm, vmsa, n);
	return rc ? psp_fail_ioctl(vm->p, vm->file, rc, 0, false, "setting the vCPUs", err) : 0;
}

/* ---- typed wrappers --------------------------------------------------------------- */

/* Every struct handed to the kernel is memset whole before its fields are set: an
 * initializer need not zero padding, which would carry stack bytes into the kernel. */

static size_t chunk(const struct psp_vm *vm, size_t left)
{
	size_t max = vm->p->max_xfer;
	return max && left > max ? max : left;
}

int psp_vm_init(struct psp_vm *vm, bool es, struct psp_err *err)
{
	return psp_vm_op(vm, es ? KVM_SEV_ES_INIT : KVM_SEV_INIT, NULL, err);
}

int psp_launch_start(struct psp_vm *vm, uint32_t policy, const uint8_t *godh, const uint8_t *session,
		     uint32_t *handle, struct psp_err *err)
{
	struct kvm_sev_launch_start s;

	memset(&s, 0, sizeof(s));
	s.handle = handle ? *handle : 0;
	s.policy = policy;
	s.dh_uaddr = (uintptr_t)godh;
	s.dh_len = godh ? PSP_CERT_LEN : 0;
	s.session_uaddr = (uintptr_t)session;
	s.session_len = session ? PSP_SESSION_LEN : 0;

	if (psp_vm_op(vm, KVM_SEV_LAUNCH_START, &s, err))
		return -1;
	if (handle)
		*handle = s.handle;
	return 0;
}

int psp_launch_update_data(struct psp_vm *vm, void *addr, size_t len, struct psp_err *err)
{
	uint8_t *p = addr;

	/* The launch digest is over the concatenation and the encryption per address, so
	 * splitting changes nothing the firmware computes. */
	do {
		size_t n = chunk(vm, len);
		struct kvm_sev_launch_update_data u;

		memset(&u, 0, sizeof(u));
		u.uaddr = (uintptr_t)p;
		u.len = (uint32_t)n;
		if (len > UINT32_MAX && !vm->p->max_xfer)
			u.len = (uint32_t)(n = 1u << 30);
		if (psp_vm_op(vm, KVM_SEV_LAUNCH_UPDATE_DATA, &u, err))
			return -1;
		p += n;
		len -= n;
	} while (len);
	return 0;
}

int psp_launch_update_vmsa(struct psp_vm *vm, struct psp_err *err)
{
	return psp_vm_op(vm, KVM_SEV_LAUNCH_UPDATE_VMSA, NULL, err);
}

int psp_launch_measure(struct psp_vm *vm, uint8_t out[PSP_MEASURE_LEN], struct psp_err *err)
{
	struct kvm_sev_launch_measure m = { 0 };

	/* As QEMU does: ask for the length, then read. */
	if (psp_vm_op(vm, KVM_SEV_LAUNCH_MEASURE, &m, err) == 0)
		return psp_fail(err, EPROTO, "LAUNCH_MEASURE length query unexpectedly succeeded");
	if (err->err != EIO || !err->fw_set || err->fw != SEV_RET_INVALID_LEN)
		return -1;
	if (m.len != PSP_MEASURE_LEN)
		return psp_fail(err, EPROTO, "LAUNCH_MEASURE wants %u bytes, expected %u", m.len, PSP_MEASURE_LEN);
	m.uaddr = (uintptr_t)out;
	return psp_vm_op(vm, KVM_SEV_LAUNCH_MEASURE, &m, err);
}

/* LAUNCH_SECRET, SEND_UPDATE_DATA and RECEIVE_UPDATE_DATA take the same three
 * (address, length) pairs in the same layout, so one filler serves all three. */
#define SAME_FIELD(t, f) (offsetof(struct t, f) == offsetof(struct kvm_sev_launch_secret, f))
_Static_assert(sizeof(struct kvm_sev_send_update_data) == sizeof(struct kvm_sev_launch_secret) &&
		       sizeof(struct kvm_sev_receive_update_data) == sizeof(struct kvm_sev_launch_secret) &&
		       SAME_FIELD(kvm_sev_send_update_data, guest_uaddr) &&
		       SAME_FIELD(kvm_sev_send_update_data, trans_len) &&
		       SAME_FIELD(kvm_sev_receive_update_data, guest_uaddr) &&
		       SAME_FIELD(kvm_sev_receive_update_data, trans_len),
	       "packet command structs share one layout");

static int packet_op(struct psp_vm *vm, uint32_t id, const void *hdr, const void *guest, const void *trans,
		     uint32_t len, struct psp_err *err)
{
	struct kvm_sev_launch_secret p;

	memset(&p, 0, sizeof(p));
	p.hdr_uaddr = (uintptr_t)hdr;
	p.hdr_len = PSP_HDR_LEN;
	p.guest_uaddr = (uintptr_t)guest;
	p.guest_len = len;
	p.trans_uaddr = (uintptr_t)trans;
	p.trans_len = len;
	return psp_vm_op(vm, id, &p, err);
}

int psp_launch_secret(struct psp_vm *vm, const uint8_t hdr[PSP_HDR_LEN], const void *secret, uint32_t len,
		      void *guest_addr, struct psp_err *err)
{
	return packet_op(vm, KVM_SEV_LAUNCH_SECRET, hdr, guest_addr, secret, len, err);
}

int psp_launch_finish(struct psp_vm *vm, struct psp_err *err)
{
	return psp_vm_op(vm, KVM_SEV_LAUNCH_FINISH, NULL, err);
}

int psp_guest_status(struct psp_vm *vm, struct kvm_sev_guest_status *st, struct psp_err *err)
{
	return psp_vm_op(vm, KVM_SEV_GUEST_STATUS, st, err);
}

uint32_t psp_vm_handle(struct psp_vm *vm)
{
	struct kvm_sev_guest_status st = { 0 };
	struct psp_err err;

	return psp_guest_status(vm, &st, &err) == 0 ? st.handle : 0;
}

static int dbg(struct psp_vm *vm, uint32_t id, const void *src, void *dst, size_t len, struct psp_err *err)
{
	const uint8_t *s = src;
	uint8_t *d = dst;

	do {
		/* Source and destination both cross the transport: half the limit each. */
		size_t half = vm->p->max_xfer / 2, n = half && len > half ? half : len;
		struct kvm_sev_dbg q;

			memset(&q, 0, sizeof(q));
		q.src_uaddr = (uintptr_t)s;
		q.dst_uaddr = (uintptr_t)d;
		q.len = (uint32_t)n;
		if (psp_vm_op(vm, id, &q, err))
			return -1;
		s += n;
		d += n;
		len -= n;
	} while (len);
	return 0;
}

int psp_dbg_decrypt(struct psp_vm *vm, const void *src, void *dst, size_t len, struct psp_err *err)
{
	return dbg(vm, KVM_SEV_DBG_DECRYPT, src, dst, len, err);
}

int psp_dbg_encrypt(struct psp_vm *vm, const void *src, void *dst, size_t len, struct psp_err *err)
{
	return dbg(vm, KVM_SEV_DBG_ENCRYPT, src, dst, len, err);
}

int psp_attestation(struct psp_vm *vm, const uint8_t mnonce[16], uint8_t report[PSP_REPORT_LEN], struct psp_err *err)
{
	struct kvm_sev_attestation_report a;

	memset(&a, 0, sizeof(a));
	a.uaddr = (uintptr_t)report;
	a.len = PSP_REPORT_LEN;

	memcpy(a.mnonce, mnonce, sizeof(a.mnonce));
	return psp_vm_op(vm, KVM_SEV_GET_ATTESTATION_REPORT, &a, err);
}

int psp_send_start(struct psp_vm *vm, const uint8_t *pdh, uint32_t pdh_len, const uint8_t *plat_chain,
		   uint32_t plat_len, const uint8_t *amd_chain, uint32_t amd_len, uint8_t session[PSP_SESSION_LEN],
		   uint32_t *policy, struct psp_err *err)
{
	struct kvm_sev_send_start s;

	memset(&s, 0, sizeof(s));
	s.pdh_cert_uaddr = (uintptr_t)pdh;
	s.pdh_cert_len = pdh_len;
	s.plat_certs_uaddr = (uintptr_t)plat_chain;
	s.plat_certs_len = plat_len;
	s.amd_certs_uaddr = (uintptr_t)amd_chain;
	s.amd_certs_len = amd_len;
	s.session_uaddr = (uintptr_t)session;
	s.session_len = PSP_SESSION_LEN;

	if (psp_vm_op(vm, KVM_SEV_SEND_START, &s, err))
		return -1;
	if (policy)
		*policy = s.policy;
	return 0;
}

int psp_send_update_data(struct psp_vm *vm, const void *guest, uint32_t len, uint8_t hdr[PSP_HDR_LEN], void *trans,
			 struct psp_err *err)
{
	return packet_op(vm, KVM_SEV_SEND_UPDATE_DATA, hdr, guest, trans, len, err);
}

int psp_send_finish(struct psp_vm *vm, struct psp_err *err)
{
	return psp_vm_op(vm, KVM_SEV_SEND_FINISH, NULL, err);
}

int psp_send_cancel(struct psp_vm *vm, struct psp_err *err)
{
	return psp_vm_op(vm, KVM_SEV_SEND_CANCEL, NULL, err);
}

int psp_receive_start(struct psp_vm *vm, uint32_t policy, const uint8_t pdh[PSP_CERT_LEN],
		      const uint8_t session[PSP_SESSION_LEN], uint32_t *handle, struct psp_err *err)
{
	struct kvm_sev_receive_start s;

	memset(&s, 0, sizeof(s));
	s.handle = handle ? *handle : 0;
	s.policy = policy;
	s.pdh_uaddr = (uintptr_t)pdh;
	s.pdh_len = PSP_CERT_LEN;
	s.session_uaddr = (uintptr_t)session;
	s.session_len = PSP_SESSION_LEN;

	if (psp_vm_op(vm, KVM_SEV_RECEIVE_START, &s, err))
		return -1;
	if (handle)
		*handle = s.handle;
	return 0;
}

int psp_receive_update_data(struct psp_vm *vm, const uint8_t hdr[PSP_HDR_LEN], const void *trans, void *guest,
			    uint32_t len, struct psp_err *err)
{
	return packet_op(vm, KVM_SEV_RECEIVE_UPDATE_DATA, hdr, guest, trans, len, err);
}

int psp_receive_finish(struct psp_vm *vm, struct psp_err *err)
{
	return psp_vm_op(vm, KVM_SEV_RECEIVE_FINISH, NULL, err);
}
