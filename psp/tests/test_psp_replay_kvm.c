/* kvm: against a replayed kernel: /dev/sev for the platform, /dev/kvm for VMs, every
 * guest command as KVM_MEMORY_ENCRYPT_OP on the VM fd with sev_fd = the /dev/sev
 * descriptor, the kvm_sev_* structs and the blobs behind them byte for byte, and the
 * kernel's answers — length queries, firmware refusals, KVM's own errnos. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "emu/drv/swsev_uapi.h"
#include "harness/testlib/testlib.h"
#include "psp/psp.h"
#include "psp/tests/rr_kernel.h"

#define PAGE 4096

static uint8_t guest[2 * PAGE] __attribute__((aligned(PAGE)));

static void fill(uint8_t *b, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(seed + i * 5);
}

static struct psp *open_kvm(const char *uri)
{
	struct psp *p = NULL;
	struct psp_err e;
	char msg[400];

	if (psp_open(uri, &p, &e) != 0) {
		psp_err_format(&e, msg, sizeof(msg));
		fprintf(stderr, "\n%s: %s\n", uri, msg);
	}
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	return p;
}

static struct psp_vm *new_vm(struct psp *p)
{
	struct psp_vm *vm = NULL;
	struct psp_err e;

	CU_ASSERT_EQUAL(psp_vm_create(p, &vm, &e), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(vm);
	return vm;
}

static void finish(void)
{
	CU_ASSERT_EQUAL(rr_finish(), 0);
}

/* The teardown of psp_close: VMs first (their fds), then /dev/sev, then /dev/kvm. */
static void script_close(void)
{
	rr_close(RR_SEV);
	rr_close(RR_KVM);
}

static void open_close(void)
{
	struct psp *p;

	rr_start();
	rr_script_kvm_open();
	script_close();

	p = open_kvm("kvm:");
	CU_ASSERT_STRING_EQUAL(psp_backend(p), "kvm");
	CU_ASSERT_EQUAL(psp_caps(p), PSP_CAP_PLATFORM | PSP_CAP_GUEST | PSP_CAP_UPTR_CHECK);
	psp_close(p);
	finish();
}

static void platform_half_is_dev(void)
{
	struct sev_user_data_status st;
	uint8_t give[12] = { 0, 24, 1 };
	struct psp *p;
	struct psp_err e;

	rr_start();
	rr_open("/dev/sev-real", O_RDONLY, RR_SEV);
	rr_errno(rr_ioctl(RR_SEV, SWSEV_IOC_CTL, "emulator probe"), EINVAL);
	rr_open("/dev/kvm", O_RDWR, RR_KVM);
	rr_ret(rr_ioctl(RR_KVM, IOC_KVM_GET_API_VERSION, "KVM_GET_API_VERSION"), 12);
	rr_out(rr_sev_cmd(RR_SEV, 1, &st, "PLATFORM_STATUS"), RR_IN1(SIC_DATA, 0), give, sizeof(give));
	rr_errno(rr_sev_cmd(RR_SEV, 4, NULL, "PDH_GEN read-only"), EPERM);
	script_close();

	p = open_kvm("kvm:/dev/sev-real?ro");
	CU_ASSERT_EQUAL(psp_platform_status(p, &st, &e), 0);
	CU_ASSERT_EQUAL(st.api_minor, 24);
	CU_ASSERT_EQUAL(st.state, 1);
	CU_ASSERT_EQUAL(psp_pdh_gen(p, &e), -1);
	CU_ASSERT_EQUAL(e.err, EPERM);
	CU_ASSERT_FALSE(e.fw_set);
	psp_close(p);
	finish();
}

static void no_dev_kvm(void)
{
	struct psp *p = NULL;
	struct psp_err e;

	rr_start();
	rr_script_sev_open("/dev/sev", O_RDWR);
	rr_open_fail("/dev/kvm", O_RDWR, ENOENT);
	rr_close(RR_SEV);
	CU_ASSERT_EQUAL(psp_open("kvm:", &p, &e), -1);
	CU_ASSERT_EQUAL(e.err, ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "modprobe kvm_amd"));
	finish();

	rr_start();
	rr_script_sev_open("/dev/sev", O_RDWR);
	rr_open_fail("/dev/kvm", O_RDWR, EACCES);
	rr_close(RR_SEV);
	CU_ASSERT_EQUAL(psp_open("kvm:", &p, &e), -1);
	CU_ASSERT_EQUAL(e.err, EACCES);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "kvm group"));
	finish();
}

static void no_dev_sev(void)
{
	struct psp *p = NULL;
	struct psp_err e;

	rr_start();
	rr_open_fail("/dev/sev", O_RDWR, ENOENT);
	CU_ASSERT_EQUAL(psp_open("kvm:", &p, &e), -1);
	CU_ASSERT_EQUAL(e.err, ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "/dev/sev"));
	finish();
}

static void refuses_emulated_sev(void)
{
	struct swsev_info info;
	struct psp *p = NULL;
	struct psp_err e;

	memset(&info, 0, sizeof(info));
	info.uapi_version = SWSEV_UAPI_VERSION;
	rr_start();
	rr_open("/dev/sev-emu", O_RDWR, RR_SEV);
	rr_out(rr_ioctl(RR_SEV, SWSEV_IOC_CTL, "emulator probe"), RR_IN1(24, 0), &info, sizeof(info));
	rr_close(RR_SEV);
	CU_ASSERT_EQUAL(psp_open("kvm:/dev/sev-emu", &p, &e), -1);
	CU_ASSERT_EQUAL(e.err, EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "dev:/dev/sev-emu"));
	finish();
}

static void bad_options(void)
{
	struct psp *p = NULL;
	struct psp_err e;

	rr_start();
	CU_ASSERT_EQUAL(psp_open("kvm:?vm-type=snp", &p, &e), -1);
	CU_ASSERT_EQUAL(e.err, EINVAL);
	CU_ASSERT_EQUAL(psp_open("kvm:/dev/sev?foo=1", &p, &e), -1);
	CU_ASSERT_EQUAL(e.err, EINVAL);
	finish();
}

static void sev_disabled(void)
{
	struct psp *p;
	struct psp_vm *vm = NULL;
	struct psp_err e;
	struct rr_step *s;

	rr_start();
	rr_script_kvm_open();
	s = rr_ioctl(RR_KVM, IOC_KVM_CREATE_VM, "KVM_CREATE_VM");
	rr_num(s, 0);
	rr_new_fd(s, RR_VM);
	s = rr_ioctl(RR_VM, IOC_KVM_MEM_ENC_OP, "SEV probe: off");
	rr_null(s);
	rr_errno(s, ENOTTY);
	rr_close(RR_VM);
	script_close();

	p = open_kvm("kvm:");
	CU_ASSERT_EQUAL(psp_vm_create(p, &vm, &e), -1);
	CU_ASSERT_PTR_NULL(vm);
	CU_ASSERT_EQUAL(e.err, ENOTSUP);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "sev=1"));
	psp_close(p);
	finish();
}

/* The whole launch as QEMU does it, plus debug and attestation. */
static void launch_flow(void)
{
	static uint8_t godh[PSP_CERT_LEN], session[PSP_SESSION_LEN], hdr[PSP_HDR_LEN], secret[64], cipher[PAGE],
		measure[PSP_MEASURE_LEN], want_measure[PSP_MEASURE_LEN], report[PSP_REPORT_LEN],
		want_report[PSP_REPORT_LEN], plain[PAGE];
	struct kvm_sev_launch_measure mq = { 0, 0 };
	struct kvm_sev_attestation_report aq;
	struct kvm_sev_guest_status gs;
	uint8_t mnonce[16], b[48], region[16];
	uint32_t handle = 0;
	struct psp *p;
	struct psp_vm *vm;
	struct psp_err e;
	struct rr_step *s;

	fill(godh, sizeof(godh), 1);
	fill(session, sizeof(session), 2);
	fill(hdr, sizeof(hdr), 3);
	fill(secret, sizeof(secret), 4);
	fill(cipher, sizeof(cipher), 5);
	fill(want_measure, sizeof(want_measure), 6);
	fill(want_report, sizeof(want_report), 7);
	fill(mnonce, sizeof(mnonce), 8);
	fill(guest, sizeof(guest), 9);
	memset(&aq, 0, sizeof(aq));

	rr_start();
	rr_script_kvm_open();
	rr_script_vm_create(RR_VM, 0);
	rr_kvm_op(RR_VM, 0, NULL, "KVM_SEV_INIT");

	s = rr_ioctl(RR_VM, IOC_KVM_REG_REGION, "KVM_MEMORY_ENCRYPT_REG_REGION");
	rr_putp(region, 0, guest);
	rr_put64(region, 8, sizeof(guest));
	rr_in(s, RR_ARG(0), region, sizeof(region));

	/* LAUNCH_START with a guest owner session: both blobs are copied by KVM. */
	s = rr_kvm_op(RR_VM, 2, RR_UNKNOWN, "KVM_SEV_LAUNCH_START");
	memset(b, 0, sizeof(b));
	rr_put32(b, 0, 0);
	rr_put32(b, 4, 0x5);
	rr_putp(b, 8, godh);
	rr_put32(b, 16, PSP_CERT_LEN);
	rr_putp(b, 24, session);
	rr_put32(b, 32, PSP_SESSION_LEN);
	rr_kvm_in(s, 2, b);
	rr_in(s, RR_IN2(KSC_DATA, 8, 0), godh, sizeof(godh));
	rr_in(s, RR_IN2(KSC_DATA, 24, 0), session, sizeof(session));
	rr_out32(s, RR_IN1(KSC_DATA, 0), 7);

	/* LAUNCH_UPDATE_DATA: the pages are encrypted in place. */
	s = rr_kvm_op(RR_VM, 3, RR_UNKNOWN, "KVM_SEV_LAUNCH_UPDATE_DATA");
	memset(b, 0, sizeof(b));
	rr_putp(b, 0, guest);
	rr_put32(b, 8, PAGE);
	rr_kvm_in(s, 3, b);
	rr_out(s, RR_IN2(KSC_DATA, 0, 0), cipher, PAGE);

	/* LAUNCH_MEASURE: the length query, then the read. */
	s = rr_kvm_op(RR_VM, 6, &mq, "KVM_SEV_LAUNCH_MEASURE query");
	memset(b, 0, sizeof(b));
	rr_kvm_in(s, 6, b);
	rr_out32(s, RR_IN1(KSC_DATA, 8), PSP_MEASURE_LEN);
	rr_fw_fail(s, KSC_ERROR, SEV_RET_INVALID_LEN);
	s = rr_kvm_op(RR_VM, 6, RR_UNKNOWN, "KVM_SEV_LAUNCH_MEASURE query (psp_launch_measure)");
	rr_kvm_in(s, 6, b);
	rr_out32(s, RR_IN1(KSC_DATA, 8), PSP_MEASURE_LEN);
	rr_fw_fail(s, KSC_ERROR, SEV_RET_INVALID_LEN);
	s = rr_kvm_op(RR_VM, 6, RR_UNKNOWN, "KVM_SEV_LAUNCH_MEASURE");
	rr_putp(b, 0, measure);
	rr_put32(b, 8, PSP_MEASURE_LEN);
	rr_kvm_in(s, 6, b);
	rr_out(s, RR_IN2(KSC_DATA, 0, 0), want_measure, sizeof(want_measure));

	/* LAUNCH_SECRET: header and packet copied, the guest page written by the PSP. */
	s = rr_kvm_op(RR_VM, 5, RR_UNKNOWN, "KVM_SEV_LAUNCH_SECRET");
	memset(b, 0, sizeof(b));
	rr_putp(b, 0, hdr);
	rr_put32(b, 8, PSP_HDR_LEN);
	rr_putp(b, 16, guest + PAGE);
	rr_put32(b, 24, sizeof(secret));
	rr_putp(b, 32, secret);
	rr_put32(b, 40, sizeof(secret));
	rr_kvm_in(s, 5, b);
	rr_in(s, RR_IN2(KSC_DATA, 0, 0), hdr, sizeof(hdr));
	rr_in(s, RR_IN2(KSC_DATA, 32, 0), secret, sizeof(secret));

	/* GUEST_STATUS: output only. */
	s = rr_kvm_op(RR_VM, 16, &gs, "KVM_SEV_GUEST_STATUS");
	memset(b, 0, sizeof(b));
	rr_put32(b, 0, 7);
	rr_put32(b, 4, 0x5);
	rr_put32(b, 8, 2);
	rr_out(s, RR_IN1(KSC_DATA, 0), b, 12);

	rr_kvm_op(RR_VM, 7, NULL, "KVM_SEV_LAUNCH_FINISH");

	/* DBG_DECRYPT / DBG_ENCRYPT of one page. */
	s = rr_kvm_op(RR_VM, 17, RR_UNKNOWN, "KVM_SEV_DBG_DECRYPT");
	memset(b, 0, sizeof(b));
	rr_putp(b, 0, guest);
	rr_putp(b, 8, plain);
	rr_put32(b, 16, PAGE);
	rr_kvm_in(s, 17, b);
	rr_out(s, RR_IN2(KSC_DATA, 8, 0), secret, sizeof(secret));
	s = rr_kvm_op(RR_VM, 18, RR_UNKNOWN, "KVM_SEV_DBG_ENCRYPT");
	rr_putp(b, 0, plain);
	rr_putp(b, 8, guest);
	rr_kvm_in(s, 18, b);
	rr_in(s, RR_IN2(KSC_DATA, 0, 0), secret, sizeof(secret));

	/* GET_ATTESTATION_REPORT: the query, then the read. */
	s = rr_kvm_op(RR_VM, 20, &aq, "KVM_SEV_GET_ATTESTATION_REPORT query");
	memset(b, 0, sizeof(b));
	rr_kvm_in(s, 20, b);
	rr_out32(s, RR_IN1(KSC_DATA, 24), PSP_REPORT_LEN);
	rr_fw_fail(s, KSC_ERROR, SEV_RET_INVALID_LEN);
	s = rr_kvm_op(RR_VM, 20, RR_UNKNOWN, "KVM_SEV_GET_ATTESTATION_REPORT");
	memcpy(b, mnonce, 16);
	rr_putp(b, 16, report);
	rr_put32(b, 24, PSP_REPORT_LEN);
	rr_kvm_in(s, 20, b);
	rr_out(s, RR_IN2(KSC_DATA, 16, 0), want_report, sizeof(want_report));

	s = rr_ioctl(RR_VM, IOC_KVM_UNREG_REGION, "KVM_MEMORY_ENCRYPT_UNREG_REGION");
	rr_in(s, RR_ARG(0), region, sizeof(region));
	rr_close(RR_VM);
	script_close();

	p = open_kvm("kvm:");
	vm = new_vm(p);
	CU_ASSERT_EQUAL(psp_vm_init(vm, false, &e), 0);
	CU_ASSERT_EQUAL(psp_vm_reg_region(vm, guest, sizeof(guest), &e), 0);
	CU_ASSERT_EQUAL(psp_launch_start(vm, 0x5, godh, session, &handle, &e), 0);
	CU_ASSERT_EQUAL(handle, 7);
	CU_ASSERT_EQUAL(psp_launch_update_data(vm, guest, PAGE, &e), 0);
	CU_ASSERT_BYTES_EQUAL(guest, cipher, PAGE);
	/* The raw query, as QEMU issues it: (EIO, INVALID_LENGTH) and the length. */
	CU_ASSERT_EQUAL(psp_vm_op(vm, KVM_SEV_LAUNCH_MEASURE, &mq, &e), -1);
	CU_ASSERT_EQUAL(e.err, EIO);
	CU_ASSERT_TRUE(e.fw_set);
	CU_ASSERT_STATUS(e.fw, SEV_RET_INVALID_LEN);
	CU_ASSERT_EQUAL(mq.len, PSP_MEASURE_LEN);
	CU_ASSERT_EQUAL(psp_launch_measure(vm, measure, &e), 0);
	CU_ASSERT_BYTES_EQUAL(measure, want_measure, sizeof(measure));
	CU_ASSERT_EQUAL(psp_launch_secret(vm, hdr, secret, sizeof(secret), guest + PAGE, &e), 0);
	CU_ASSERT_EQUAL(psp_guest_status(vm, &gs, &e), 0);
	CU_ASSERT_EQUAL(gs.handle, 7);
	CU_ASSERT_EQUAL(gs.policy, 0x5);
	CU_ASSERT_EQUAL(gs.state, 2);
	CU_ASSERT_EQUAL(psp_launch_finish(vm, &e), 0);
	CU_ASSERT_EQUAL(psp_dbg_decrypt(vm, guest, plain, PAGE, &e), 0);
	CU_ASSERT_BYTES_EQUAL(plain, secret, sizeof(secret));
	CU_ASSERT_EQUAL(psp_dbg_encrypt(vm, plain, guest, PAGE, &e), 0);
	CU_ASSERT_EQUAL(psp_vm_op(vm, KVM_SEV_GET_ATTESTATION_REPORT, &aq, &e), -1);
	CU_ASSERT_EQUAL(e.err, EIO);
	CU_ASSERT_STATUS(e.fw, SEV_RET_INVALID_LEN);
	CU_ASSERT_EQUAL(aq.len, PSP_REPORT_LEN);
	CU_ASSERT_EQUAL(psp_attestation(vm, mnonce, report, &e), 0);
	CU_ASSERT_BYTES_EQUAL(report, want_report, sizeof(report));
	CU_ASSERT_EQUAL(psp_vm_unreg_region(vm, guest, sizeof(guest), &e), 0);
	psp_vm_destroy(vm);
	psp_close(p);
	finish();
}

static void launch_start_without_session(void)
{
	uint8_t b[40] = { 0 };
	uint32_t handle = 0;
	struct psp *p;
	struct psp_vm *vm;
	struct psp_err e;
	struct rr_step *s;

	rr_start();
	rr_script_kvm_open();
	rr_script_vm_create(RR_VM, 0);
	rr_kvm_op(RR_VM, 0, NULL, "KVM_SEV_INIT");
	s = rr_kvm_op(RR_VM, 2, RR_UNKNOWN, "KVM_SEV_LAUNCH_START, no session");
	rr_put32(b, 4, 0x1);
	rr_kvm_in(s, 2, b);
	rr_out32(s, RR_IN1(KSC_DATA, 0), 1);
	/* Sharing a key with guest 1, whose policy differs: the firmware says no. */
	s = rr_kvm_op(RR_VM, 2, RR_UNKNOWN, "KVM_SEV_LAUNCH_START, key sharing");
	rr_put32(b, 0, 1);
	rr_put32(b, 4, 0x3);
	rr_kvm_in(s, 2, b);
	rr_fw_fail(s, KSC_ERROR, SEV_RET_POLICY_FAILURE);
	rr_close(RR_VM);
	script_close();

	p = open_kvm("kvm:");
	vm = new_vm(p);
	CU_ASSERT_EQUAL(psp_vm_init(vm, false, &e), 0);
	CU_ASSERT_EQUAL(psp_launch_start(vm, 0x1, NULL, NULL, &handle, &e), 0);
	CU_ASSERT_EQUAL(handle, 1);
	CU_ASSERT_EQUAL(psp_launch_start(vm, 0x3, NULL, NULL, &handle, &e), -1);
	CU_ASSERT_EQUAL(e.err, EIO);
	CU_ASSERT_TRUE(e.fw_set);
	CU_ASSERT_STATUS(e.fw, SEV_RET_POLICY_FAILURE);
	CU_ASSERT_EQUAL(handle, 1);
	psp_close(p);
	finish();
}

static void es_vcpus(void)
{
	static uint8_t page[PAGE] __attribute__((aligned(PAGE)));
	void *pages[1] = { page };
	struct psp *p;
	struct psp_vm *vm;
	struct psp_err e;
	struct rr_step *s;

	rr_start();
	rr_script_kvm_open();
	rr_script_vm_create(RR_VM, 0);
	rr_kvm_op(RR_VM, 1, NULL, "KVM_SEV_ES_INIT");
	for (unsigned i = 0; i < 2; i++) {
		s = rr_ioctl(RR_VM, IOC_KVM_CREATE_VCPU, "KVM_CREATE_VCPU");
		rr_num(s, i);
		rr_new_fd(s, i ? RR_VCPU1 : RR_VCPU0);
	}
	s = rr_ioctl(RR_VM, IOC_KVM_CREATE_VCPU, "KVM_CREATE_VCPU 2");
	rr_num(s, 2);
	rr_new_fd(s, RR_VCPU2);
	rr_kvm_op(RR_VM, 4, NULL, "KVM_SEV_LAUNCH_UPDATE_VMSA");
	/* A second init once vCPUs exist: KVM says EINVAL. */
	rr_errno(rr_kvm_op(RR_VM, 1, NULL, "KVM_SEV_ES_INIT again"), EINVAL);
	rr_close(RR_VCPU0);
	rr_close(RR_VCPU1);
	rr_close(RR_VCPU2);
	rr_close(RR_VM);
	script_close();

	p = open_kvm("kvm:");
	vm = new_vm(p);
	CU_ASSERT_EQUAL(psp_vm_init(vm, true, &e), 0);
	CU_ASSERT_EQUAL(psp_vm_set_vcpus(vm, NULL, 2, &e), 0);
	/* Caller-filled VMSA pages are the emulator's: a clear ENOTSUP, no system call. */
	CU_ASSERT_EQUAL(psp_vm_set_vcpus(vm, pages, 1, &e), -1);
	CU_ASSERT_EQUAL(e.err, ENOTSUP);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "VMSA"));
	/* KVM cannot remove vCPUs. */
	CU_ASSERT_EQUAL(psp_vm_set_vcpus(vm, NULL, 1, &e), -1);
	CU_ASSERT_EQUAL(e.err, EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "remove"));
	CU_ASSERT_EQUAL(psp_vm_set_vcpus(vm, NULL, 2, &e), 0);
	CU_ASSERT_EQUAL(psp_vm_set_vcpus(vm, NULL, 3, &e), 0);
	CU_ASSERT_EQUAL(psp_launch_update_vmsa(vm, &e), 0);
	CU_ASSERT_EQUAL(psp_vm_init(vm, true, &e), -1);
	CU_ASSERT_EQUAL(e.err, EINVAL);
	CU_ASSERT_FALSE(e.fw_set);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "vCPUs exist"));
	psp_close(p);
	finish();
}

static void send_flow(void)
{
	static uint8_t pdh[PSP_CERT_LEN], plat[PSP_CERT_CHAIN_LEN], amd[0x680], session[PSP_SESSION_LEN],
		want_session[PSP_SESSION_LEN], hdr[PSP_HDR_LEN], want_hdr[PSP_HDR_LEN], trans[PAGE], want_trans[PAGE];
	struct kvm_sev_send_start sq;
	struct kvm_sev_send_update_data uq;
	uint8_t b[72];
	uint32_t policy = 0;
	struct psp *p;
	struct psp_vm *vm;
	struct psp_err e;
	struct rr_step *s;

	memset(&sq, 0, sizeof(sq));
	memset(&uq, 0, sizeof(uq));
	fill(pdh, sizeof(pdh), 1);
	fill(plat, sizeof(plat), 2);
	fill(amd, sizeof(amd), 3);
	fill(want_session, sizeof(want_session), 4);
	fill(want_hdr, sizeof(want_hdr), 5);
	fill(want_trans, sizeof(want_trans), 6);

	rr_start();
	rr_script_kvm_open();
	rr_script_vm_create(RR_VM, 0);
	/* SEND_START length query: an all-zero struct -> session_len 128, (EIO, 4). */
	s = rr_kvm_op(RR_VM, 8, &sq, "KVM_SEV_SEND_START query");
	memset(b, 0, sizeof(b));
	rr_kvm_in(s, 8, b);
	rr_out32(s, RR_IN1(KSC_DATA, 64), PSP_SESSION_LEN);
	rr_fw_fail(s, KSC_ERROR, SEV_RET_INVALID_LEN);
	/* The real SEND_START: the target's certificates in, the session and policy out. */
	s = rr_kvm_op(RR_VM, 8, RR_UNKNOWN, "KVM_SEV_SEND_START");
	rr_putp(b, 8, pdh);
	rr_put32(b, 16, PSP_CERT_LEN);
	rr_putp(b, 24, plat);
	rr_put32(b, 32, PSP_CERT_CHAIN_LEN);
	rr_putp(b, 40, amd);
	rr_put32(b, 48, sizeof(amd));
	rr_putp(b, 56, session);
	rr_put32(b, 64, PSP_SESSION_LEN);
	rr_kvm_in(s, 8, b);
	rr_in(s, RR_IN2(KSC_DATA, 8, 0), pdh, sizeof(pdh));
	rr_in(s, RR_IN2(KSC_DATA, 24, 0), plat, sizeof(plat));
	rr_in(s, RR_IN2(KSC_DATA, 40, 0), amd, sizeof(amd));
	rr_out(s, RR_IN2(KSC_DATA, 56, 0), want_session, sizeof(want_session));
	rr_out32(s, RR_IN1(KSC_DATA, 0), 0x1);
	/* SEND_UPDATE_DATA length query: hdr_len 52 comes back, trans_len stays 0. */
	s = rr_kvm_op(RR_VM, 9, &uq, "KVM_SEV_SEND_UPDATE_DATA query");
	memset(b, 0, sizeof(b));
	rr_kvm_in(s, 9, b);
	rr_out32(s, RR_IN1(KSC_DATA, 8), PSP_HDR_LEN);
	rr_fw_fail(s, KSC_ERROR, SEV_RET_INVALID_LEN);
	/* One page. */
	s = rr_kvm_op(RR_VM, 9, RR_UNKNOWN, "KVM_SEV_SEND_UPDATE_DATA");
	rr_putp(b, 0, hdr);
	rr_put32(b, 8, PSP_HDR_LEN);
	rr_putp(b, 16, guest);
	rr_put32(b, 24, PAGE);
	rr_putp(b, 32, trans);
	rr_put32(b, 40, PAGE);
	rr_kvm_in(s, 9, b);
	rr_out(s, RR_IN2(KSC_DATA, 0, 0), want_hdr, sizeof(want_hdr));
	rr_out(s, RR_IN2(KSC_DATA, 32, 0), want_trans, sizeof(want_trans));
	/* A page crossing a page boundary: KVM's -EINVAL, before the firmware. */
	s = rr_kvm_op(RR_VM, 9, RR_UNKNOWN, "KVM_SEV_SEND_UPDATE_DATA crossing");
	rr_putp(b, 16, guest + 16);
	rr_kvm_in(s, 9, b);
	rr_errno(s, EINVAL);
	rr_kvm_op(RR_VM, 21, NULL, "KVM_SEV_SEND_CANCEL");
	rr_kvm_op(RR_VM, 11, NULL, "KVM_SEV_SEND_FINISH");
	rr_close(RR_VM);
	script_close();

	p = open_kvm("kvm:");
	vm = new_vm(p);
	CU_ASSERT_EQUAL(psp_vm_op(vm, KVM_SEV_SEND_START, &sq, &e), -1);
	CU_ASSERT_EQUAL(e.err, EIO);
	CU_ASSERT_STATUS(e.fw, SEV_RET_INVALID_LEN);
	CU_ASSERT_EQUAL(sq.session_len, PSP_SESSION_LEN);
	CU_ASSERT_EQUAL(psp_send_start(vm, pdh, sizeof(pdh), plat, sizeof(plat), amd, sizeof(amd), session, &policy,
				       &e), 0);
	CU_ASSERT_BYTES_EQUAL(session, want_session, sizeof(session));
	CU_ASSERT_EQUAL(policy, 0x1);
	CU_ASSERT_EQUAL(psp_vm_op(vm, KVM_SEV_SEND_UPDATE_DATA, &uq, &e), -1);
	CU_ASSERT_EQUAL(e.err, EIO);
	CU_ASSERT_STATUS(e.fw, SEV_RET_INVALID_LEN);
	CU_ASSERT_EQUAL(uq.hdr_len, PSP_HDR_LEN);
	CU_ASSERT_EQUAL(uq.trans_len, 0);
	CU_ASSERT_EQUAL(psp_send_update_data(vm, guest, PAGE, hdr, trans, &e), 0);
	CU_ASSERT_BYTES_EQUAL(hdr, want_hdr, sizeof(hdr));
	CU_ASSERT_BYTES_EQUAL(trans, want_trans, sizeof(trans));
	CU_ASSERT_EQUAL(psp_send_update_data(vm, guest + 16, PAGE, hdr, trans, &e), -1);
	CU_ASSERT_EQUAL(e.err, EINVAL);
	CU_ASSERT_FALSE(e.fw_set);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "one page"));
	CU_ASSERT_EQUAL(psp_send_cancel(vm, &e), 0);
	CU_ASSERT_EQUAL(psp_send_finish(vm, &e), 0);
	psp_close(p);
	finish();
}

static void receive_flow(void)
{
	static uint8_t pdh[PSP_CERT_LEN], session[PSP_SESSION_LEN], hdr[PSP_HDR_LEN], trans[PAGE], cipher[PAGE];
	uint8_t b[48];
	uint32_t handle = 0;
	struct psp *p;
	struct psp_vm *vm;
	struct psp_err e;
	struct rr_step *s;

	fill(pdh, sizeof(pdh), 1);
	fill(session, sizeof(session), 2);
	fill(hdr, sizeof(hdr), 3);
	fill(trans, sizeof(trans), 4);
	fill(cipher, sizeof(cipher), 5);

	rr_start();
	rr_script_kvm_open();
	rr_script_vm_create(RR_VM, 0);
	rr_kvm_op(RR_VM, 0, NULL, "KVM_SEV_INIT");
	s = rr_kvm_op(RR_VM, 12, RR_UNKNOWN, "KVM_SEV_RECEIVE_START");
	memset(b, 0, sizeof(b));
	rr_put32(b, 4, 0x1);
	rr_putp(b, 8, pdh);
	rr_put32(b, 16, PSP_CERT_LEN);
	rr_putp(b, 24, session);
	rr_put32(b, 32, PSP_SESSION_LEN);
	rr_kvm_in(s, 12, b);
	rr_in(s, RR_IN2(KSC_DATA, 8, 0), pdh, sizeof(pdh));
	rr_in(s, RR_IN2(KSC_DATA, 24, 0), session, sizeof(session));
	rr_out32(s, RR_IN1(KSC_DATA, 0), 3);
	s = rr_kvm_op(RR_VM, 13, RR_UNKNOWN, "KVM_SEV_RECEIVE_UPDATE_DATA");
	memset(b, 0, sizeof(b));
	rr_putp(b, 0, hdr);
	rr_put32(b, 8, PSP_HDR_LEN);
	rr_putp(b, 16, guest);
	rr_put32(b, 24, PAGE);
	rr_putp(b, 32, trans);
	rr_put32(b, 40, PAGE);
	rr_kvm_in(s, 13, b);
	rr_in(s, RR_IN2(KSC_DATA, 0, 0), hdr, sizeof(hdr));
	rr_in(s, RR_IN2(KSC_DATA, 32, 0), trans, sizeof(trans));
	rr_out(s, RR_IN2(KSC_DATA, 16, 0), cipher, sizeof(cipher));
	/* A tampered packet: BAD_MEASUREMENT. */
	s = rr_kvm_op(RR_VM, 13, RR_UNKNOWN, "KVM_SEV_RECEIVE_UPDATE_DATA tampered");
	rr_kvm_in(s, 13, b);
	rr_fw_fail(s, KSC_ERROR, SEV_RET_BAD_MEASUREMENT);
	rr_kvm_op(RR_VM, 15, NULL, "KVM_SEV_RECEIVE_FINISH");
	rr_close(RR_VM);
	script_close();

	p = open_kvm("kvm:");
	vm = new_vm(p);
	CU_ASSERT_EQUAL(psp_vm_init(vm, false, &e), 0);
	CU_ASSERT_EQUAL(psp_receive_start(vm, 0x1, pdh, session, &handle, &e), 0);
	CU_ASSERT_EQUAL(handle, 3);
	CU_ASSERT_EQUAL(psp_receive_update_data(vm, hdr, trans, guest, PAGE, &e), 0);
	CU_ASSERT_BYTES_EQUAL(guest, cipher, PAGE);
	CU_ASSERT_EQUAL(psp_receive_update_data(vm, hdr, trans, guest, PAGE, &e), -1);
	CU_ASSERT_EQUAL(e.err, EIO);
	CU_ASSERT_TRUE(e.fw_set);
	CU_ASSERT_STATUS(e.fw, SEV_RET_BAD_MEASUREMENT);
	CU_ASSERT_EQUAL(psp_receive_finish(vm, &e), 0);
	psp_close(p);
	finish();
}

static void kvm_errnos(void)
{
	uint8_t b[40] = { 0 };
	uint32_t handle = 0;
	struct psp *p;
	struct psp_vm *vm;
	struct psp_err e;
	struct rr_step *s;
	char msg[512];

	rr_start();
	rr_script_kvm_open();
	rr_script_vm_create(RR_VM, 0);
	/* Before INIT: not an SEV guest. */
	rr_errno(rr_kvm_op(RR_VM, 7, NULL, "KVM_SEV_LAUNCH_FINISH before INIT"), ENOTTY);
	rr_kvm_op(RR_VM, 0, NULL, "KVM_SEV_INIT");
	/* The sev_fd is not the kernel's /dev/sev. */
	s = rr_kvm_op(RR_VM, 2, RR_UNKNOWN, "KVM_SEV_LAUNCH_START, EBADF");
	rr_kvm_in(s, 2, b);
	rr_errno(s, EBADF);
	/* Not implemented by KVM. */
	rr_errno(rr_kvm_op(RR_VM, 19, NULL, "KVM_SEV_CERT_EXPORT"), EINVAL);
	/* The firmware refuses, in the wrong guest state. */
	rr_fw_fail(rr_kvm_op(RR_VM, 7, NULL, "KVM_SEV_LAUNCH_FINISH refused"), KSC_ERROR, SEV_RET_INVALID_GUEST_STATE);
	rr_close(RR_VM);
	script_close();

	p = open_kvm("kvm:");
	vm = new_vm(p);
	CU_ASSERT_EQUAL(psp_launch_finish(vm, &e), -1);
	CU_ASSERT_EQUAL(e.err, ENOTTY);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "KVM_SEV_INIT first"));
	CU_ASSERT_EQUAL(psp_vm_init(vm, false, &e), 0);
	CU_ASSERT_EQUAL(psp_launch_start(vm, 0, NULL, NULL, &handle, &e), -1);
	CU_ASSERT_EQUAL(e.err, EBADF);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "sev_fd"));
	CU_ASSERT_EQUAL(psp_vm_op(vm, KVM_SEV_CERT_EXPORT, NULL, &e), -1);
	CU_ASSERT_EQUAL(e.err, EINVAL);
	CU_ASSERT_EQUAL(psp_launch_finish(vm, &e), -1);
	CU_ASSERT_EQUAL(e.err, EIO);
	CU_ASSERT_TRUE(e.fw_set);
	CU_ASSERT_STATUS(e.fw, SEV_RET_INVALID_GUEST_STATE);
	psp_err_format(&e, msg, sizeof(msg));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "INVALID_GUEST_STATE"));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "KVM_SEV_LAUNCH_FINISH"));
	psp_close(p);
	finish();
}

static void two_vms(void)
{
	struct psp *p;
	struct psp_vm *a, *b;
	struct psp_err e;

	rr_start();
	rr_script_kvm_open();
	rr_script_vm_create(RR_VM, 0);
	rr_script_vm_create(RR_VM2, 0);
	rr_kvm_op(RR_VM2, 0, NULL, "KVM_SEV_INIT on the second");
	rr_kvm_op(RR_VM, 1, NULL, "KVM_SEV_ES_INIT on the first");
	rr_close(RR_VM);
	rr_close(RR_VM2);
	script_close();

	p = open_kvm("kvm:");
	a = new_vm(p);
	b = new_vm(p);
	CU_ASSERT_PTR_EQUAL(psp_vm_psp(b), p);
	CU_ASSERT_EQUAL(psp_vm_init(b, false, &e), 0);
	CU_ASSERT_EQUAL(psp_vm_init(a, true, &e), 0);
	psp_vm_destroy(a);
	psp_close(p); /* destroys b */
	finish();
}

/* Linux 6.10+ VM types: the legacy init ids become KVM_SEV_INIT2. */
static void vm_type_init2(void)
{
	uint8_t zero[48] = { 0 };
	struct psp *p;
	struct psp_vm *vm, *es;
	struct psp_err e;
	struct rr_step *s;

	rr_start();
	rr_script_kvm_open();
	rr_script_vm_create(RR_VM, 2);
	s = rr_kvm_op(RR_VM, 22, RR_UNKNOWN, "KVM_SEV_INIT2");
	rr_kvm_in(s, 22, zero);
	rr_script_vm_create(RR_VM2, 2);
	rr_close(RR_VM);
	rr_close(RR_VM2);
	script_close();

	p = open_kvm("kvm:?vm-type=sev");
	vm = new_vm(p);
	CU_ASSERT_EQUAL(psp_vm_init(vm, false, &e), 0);
	es = new_vm(p);
	/* An SEV-ES init on an SEV VM type cannot work: refused without a system call. */
	CU_ASSERT_EQUAL(psp_vm_init(es, true, &e), -1);
	CU_ASSERT_EQUAL(e.err, EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "VM type"));
	psp_vm_destroy(vm);
	psp_vm_destroy(es);
	psp_close(p);
	finish();
}

static void old_kernel_vm_type(void)
{
	struct psp *p;
	struct psp_vm *vm = NULL;
	struct psp_err e;
	struct rr_step *s;

	rr_start();
	rr_script_kvm_open();
	s = rr_ioctl(RR_KVM, IOC_KVM_CREATE_VM, "KVM_CREATE_VM type 3 on 6.1");
	rr_num(s, 3);
	rr_errno(s, EINVAL);
	script_close();

	p = open_kvm("kvm:?vm-type=sev-es");
	CU_ASSERT_EQUAL(psp_vm_create(p, &vm, &e), -1);
	CU_ASSERT_EQUAL(e.err, EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "6.10"));
	psp_close(p);
	finish();
}

TEST_SUITE(psp_replay_kvm, NULL, rr_suite_clean, TEST(open_close), TEST(platform_half_is_dev), TEST(no_dev_kvm),
	   TEST(no_dev_sev), TEST(refuses_emulated_sev), TEST(bad_options), TEST(sev_disabled), TEST(launch_flow),
	   TEST(launch_start_without_session), TEST(es_vcpus), TEST(send_flow), TEST(receive_flow),
	   TEST(kvm_errnos), TEST(two_vms), TEST(vm_type_init2), TEST(old_kernel_vm_type))
