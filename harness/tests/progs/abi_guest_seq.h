/* The guest-command sequence a VMM runs on the emulated device (SWSEV_IOC_VM_OP with
 * struct kvm_sev_cmd, emu/drv/swsev_uapi.h), dumped like abi_seq.h for byte-for-byte
 * comparison: a plain VMM on /dev/NAME (sevabi_guest) against the in-process driver and
 * the CUSE model (sevabi_ref --guest).  Guest memory is this process's, reached by the
 * device through the caller's pointers.  Only kernel UAPI headers and libc. */
#ifndef SWSEV_TESTS_ABI_GUEST_SEQ_H
#define SWSEV_TESTS_ABI_GUEST_SEQ_H

#include <linux/kvm.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "emu/drv/swsev_uapi.h"
#include "harness/tests/progs/abi_seq.h"

#define GSEQ_MEM (64u << 10)
/* Guest memory is encrypted with a tweak of its address: both sides of a comparison
 * place it at the same address. */
#define GSEQ_ADDR 0x5e0000000000ull

/* The VM's descriptor: any ioctl, 0 or -errno. */
struct gseq_io {
	int (*ioctl)(void *ctx, unsigned long req, void *arg);
	void *ctx;
};

static inline uint64_t gseq_fnv(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static inline int gseq_op(const struct gseq_io *io, FILE *out, const char *step, uint32_t id, void *data)
{
	struct kvm_sev_cmd c = { .id = id, .data = (uintptr_t)data, .error = 0xdeadbeef };
	int rc = io->ioctl(io->ctx, SWSEV_IOC_VM_OP, &c);

	fprintf(out, "%s: ret=%d errno=%s id=%u error=0x%x\n", step, rc ? -1 : 0, seq_errno(-rc), c.id, c.error);
	return rc;
}

static inline void seq_guest(const struct gseq_io *io, FILE *out)
{
	uint8_t *mem = mmap((void *)(uintptr_t)GSEQ_ADDR, GSEQ_MEM + 8192, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	uint8_t *buf = mem + GSEQ_MEM;
	struct kvm_sev_launch_start ls;
	struct kvm_sev_launch_update_data lu;
	struct kvm_sev_launch_measure lm;
	struct kvm_sev_guest_status gs;
	struct kvm_sev_dbg dbg;
	struct kvm_sev_attestation_report ar;
	struct kvm_sev_send_start ss;
	struct kvm_enc_region reg;
	struct swsev_guest_view gv;
	uint8_t meas[64], report[256];
	int rc;

	if (mem == MAP_FAILED || mem != (uint8_t *)(uintptr_t)GSEQ_ADDR) {
		fprintf(out, "cannot map guest memory at 0x%llx\n", (unsigned long long)GSEQ_ADDR);
		return;
	}
	for (size_t i = 0; i < GSEQ_MEM; i++)
		mem[i] = (uint8_t)(i * 7 + (i >> 12));

	memset(&ls, 0, sizeof(ls));
	gseq_op(io, out, "launch_start-before-init", KVM_SEV_LAUNCH_START, &ls);
	gseq_op(io, out, "init", KVM_SEV_INIT, NULL);
	gseq_op(io, out, "init-again", KVM_SEV_INIT, NULL);
	memset(&ls, 0, sizeof(ls));
	gseq_op(io, out, "launch_start", KVM_SEV_LAUNCH_START, &ls);
	fprintf(out, "  handle=%u policy=0x%x\n", ls.handle, ls.policy);

	reg.addr = (uintptr_t)mem;
	reg.size = GSEQ_MEM;
	rc = io->ioctl(io->ctx, SWSEV_IOC_VM_REG_REGION, &reg);
	fprintf(out, "reg_region: ret=%d errno=%s\n", rc ? -1 : 0, seq_errno(-rc));

	lu.uaddr = (uintptr_t)mem;
	lu.len = GSEQ_MEM;
	gseq_op(io, out, "launch_update_data", KVM_SEV_LAUNCH_UPDATE_DATA, &lu);
	fprintf(out, "  memory fnv=%016llx\n", (unsigned long long)gseq_fnv(mem, GSEQ_MEM));
	seq_hex(out, "page0", mem, 64);
	lu.uaddr = (uintptr_t)mem + 5;
	lu.len = 100;
	gseq_op(io, out, "launch_update_data-unaligned", KVM_SEV_LAUNCH_UPDATE_DATA, &lu);

	memset(&lm, 0, sizeof(lm));
	gseq_op(io, out, "measure-query", KVM_SEV_LAUNCH_MEASURE, &lm);
	fprintf(out, "  len=%u\n", lm.len);
	memset(meas, SEQ_PAT, sizeof(meas));
	lm.uaddr = (uintptr_t)meas;
	gseq_op(io, out, "measure", KVM_SEV_LAUNCH_MEASURE, &lm);
	fprintf(out, "  len=%u\n", lm.len);
	seq_hex(out, "measurement", meas, sizeof(meas));

	memset(&gs, SEQ_PAT, sizeof(gs));
	gseq_op(io, out, "guest_status", KVM_SEV_GUEST_STATUS, &gs);
	fprintf(out, "  handle=%u policy=0x%x state=%u\n", gs.handle, gs.policy, gs.state);

	memset(buf, SEQ_PAT, 8192);
	dbg.src_uaddr = (uintptr_t)mem + 4096;
	dbg.dst_uaddr = (uintptr_t)buf;
	dbg.len = 4096;
	gseq_op(io, out, "dbg_decrypt", KVM_SEV_DBG_DECRYPT, &dbg);
	fprintf(out, "  plaintext fnv=%016llx\n", (unsigned long long)gseq_fnv(buf, 8192));
	seq_hex(out, "plaintext", buf, 48);
	memset(buf, 0x3c, 100);
	dbg.src_uaddr = (uintptr_t)buf + 1;
	dbg.dst_uaddr = (uintptr_t)mem + 7;
	dbg.len = 100;
	gseq_op(io, out, "dbg_encrypt-unaligned", KVM_SEV_DBG_ENCRYPT, &dbg);
	fprintf(out, "  memory fnv=%016llx\n", (unsigned long long)gseq_fnv(mem, GSEQ_MEM));

	memset(buf, SEQ_PAT, 512);
	memset(&gv, 0, sizeof(gv));
	gv.addr = (uintptr_t)mem;
	gv.buf = (uintptr_t)buf;
	gv.len = 256;
	rc = io->ioctl(io->ctx, SWSEV_IOC_GUEST_VIEW, &gv);
	fprintf(out, "guest_view: ret=%d errno=%s status=0x%x\n", rc ? -1 : 0, seq_errno(-rc), gv.status);
	seq_hex(out, "view", buf, 288);

	gseq_op(io, out, "launch_finish", KVM_SEV_LAUNCH_FINISH, NULL);
	lu.uaddr = (uintptr_t)mem;
	lu.len = 4096;
	gseq_op(io, out, "launch_update_data-after-finish", KVM_SEV_LAUNCH_UPDATE_DATA, &lu);

	memset(&ar, 0, sizeof(ar));
	for (int i = 0; i < 16; i++)
		ar.mnonce[i] = (uint8_t)(0x40 + i);
	gseq_op(io, out, "attestation-query", KVM_SEV_GET_ATTESTATION_REPORT, &ar);
	fprintf(out, "  len=%u\n", ar.len);
	memset(report, SEQ_PAT, sizeof(report));
	ar.uaddr = (uintptr_t)report;
	gseq_op(io, out, "attestation", KVM_SEV_GET_ATTESTATION_REPORT, &ar);
	fprintf(out, "  len=%u\n", ar.len);
	seq_hex(out, "report", report, sizeof(report));

	memset(&ss, 0, sizeof(ss));
	gseq_op(io, out, "send_start-query", KVM_SEV_SEND_START, &ss);
	fprintf(out, "  session_len=%u\n", ss.session_len);
	gseq_op(io, out, "op-99", 99, &ss);
	gseq_op(io, out, "guest_status-null", KVM_SEV_GUEST_STATUS, NULL);

	rc = io->ioctl(io->ctx, SWSEV_IOC_VM_UNREG_REGION, &reg);
	fprintf(out, "unreg_region: ret=%d errno=%s\n", rc ? -1 : 0, seq_errno(-rc));
	fprintf(out, "memory fnv=%016llx\n", (unsigned long long)gseq_fnv(mem, GSEQ_MEM));
	munmap(mem, GSEQ_MEM + 8192);
}

#endif
