/* dev: for real, against a live device: the CUSE daemon inside the test VM (or, on a
 * lab host, the kernel's /dev/sev: then only the platform half runs, read-only).
 * SWSEV_TEST_DEV names the device; without it every test skips, saying so.
 *
 *   scripts/vm-test.sh -- sh -c 'build/bin/swsev cuse --name sev-t --state /tmp/st \
 *       --seed 01 && SWSEV_TEST_DEV=/dev/sev-t build/tests/unit -s psp_dev_live'
 *
 * What the replay suites cannot show: that real system calls carry the structs, that
 * a real kernel (CUSE) moves the user buffers behind them, that bad pointers come
 * back as EFAULT, and that the probe tells the emulated device from the real one. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/bench/latency.h"
#include "harness/testlib/testlib.h"
#include "psp/psp.h"

#define PAGE 4096

static const char *dev(void)
{
	const char *d = getenv("SWSEV_TEST_DEV");

	if (!d || !*d) {
		test_skip("no live device: set SWSEV_TEST_DEV=/dev/NAME (swsev cuse inside scripts/vm-test.sh)");
		return NULL;
	}
	return d;
}

static struct psp *open_dev(const char *opts, struct psp_err *e)
{
	char uri[512];
	struct psp *p = NULL;
	char msg[400];

	snprintf(uri, sizeof(uri), "dev:%s%s", dev(), opts);
	if (psp_open(uri, &p, e) != 0) {
		psp_err_format(e, msg, sizeof(msg));
		fprintf(stderr, "\n%s: %s\n", uri, msg);
		CU_FAIL("psp_open");
	}
	return p;
}

static bool emulated(struct psp *p)
{
	return psp_caps(p) & PSP_CAP_CONTROL;
}

/* Read-only on a real /dev/sev (nothing there may change), writable on the emulator. */
static struct psp *open_safe(struct psp_err *e)
{
	struct psp *p = open_dev("?ro", e);

	if (p && emulated(p)) {
		psp_close(p);
		p = open_dev("", e);
	}
	return p;
}

static void probe(void)
{
	struct psp *p;
	struct psp_err e;

	if (!dev() || !(p = open_safe(&e)))
		return;
	CU_ASSERT_STRING_EQUAL(psp_backend(p), "dev");
	CU_ASSERT_TRUE(psp_caps(p) & PSP_CAP_PLATFORM);
	CU_ASSERT_TRUE(psp_caps(p) & PSP_CAP_UPTR_CHECK);
	if (emulated(p)) {
		CU_ASSERT_TRUE(psp_caps(p) & PSP_CAP_GUEST);
		CU_ASSERT_TRUE(psp_caps(p) & PSP_CAP_REASONS);
	} else {
		CU_ASSERT_EQUAL(psp_caps(p), PSP_CAP_PLATFORM | PSP_CAP_UPTR_CHECK);
	}
	psp_close(p);
}

/* The length queries through a real kernel: -EIO, INVALID_LENGTH, lengths written back. */
static void length_queries(void)
{
	struct sev_user_data_pek_csr csr = { 0, 0 };
	struct sev_user_data_pdh_cert_export pdh;
	struct sev_user_data_status st;
	uint8_t id[128];
	uint32_t len = sizeof(id);
	struct psp *p;
	struct psp_err e;

	if (!dev() || !(p = open_safe(&e)))
		return;
	memset(&pdh, 0, sizeof(pdh));
	CU_ASSERT_EQUAL(psp_platform_status(p, &st, &e), 0);
	if (psp_caps(p) & PSP_CAP_CONTROL) {
		/* PEK_CSR needs a writable descriptor; only on the emulator. */
		CU_ASSERT_EQUAL(psp_sev_cmd(p, SEV_PEK_CSR, &csr, &e), -1);
		CU_ASSERT_EQUAL(e.err, EIO);
		CU_ASSERT_TRUE(e.fw_set);
		CU_ASSERT_STATUS(e.fw, SEV_RET_INVALID_LEN);
		CU_ASSERT_EQUAL(csr.length, PSP_CERT_LEN);
	}
	if (st.state != 0 || (psp_caps(p) & PSP_CAP_CONTROL)) {
		CU_ASSERT_EQUAL(psp_sev_cmd(p, SEV_PDH_CERT_EXPORT, &pdh, &e), -1);
		CU_ASSERT_EQUAL(e.err, EIO);
		CU_ASSERT_STATUS(e.fw, SEV_RET_INVALID_LEN);
		CU_ASSERT_EQUAL(pdh.pdh_cert_len, PSP_CERT_LEN);
		CU_ASSERT_EQUAL(pdh.cert_chain_len, PSP_CERT_CHAIN_LEN);
	}
	CU_ASSERT_EQUAL(psp_get_id(p, id, &len, &e), 0);
	CU_ASSERT_TRUE(len == 64 || len == 128);
	psp_close(p);
}

static void read_only_and_bad_pointers(void)
{
	struct psp *p;
	struct psp_err e;

	if (!dev() || !(p = open_dev("?ro", &e)))
		return;
	/* Write-type commands on a read-only descriptor: -EPERM before the firmware. */
	CU_ASSERT_EQUAL(psp_pek_gen(p, &e), -1);
	CU_ASSERT_EQUAL(e.err, EPERM);
	CU_ASSERT_FALSE(e.fw_set);
	/* A pointer into nowhere: the kernel's (or the daemon's) EFAULT, not a crash. */
	CU_ASSERT_EQUAL(psp_sev_cmd(p, SEV_PLATFORM_STATUS, (void *)(uintptr_t)16, &e), -1);
	CU_ASSERT_EQUAL(e.err, EFAULT);
	psp_close(p);
}

static void guest_through_the_device(void)
{
	uint8_t *mem = NULL, plain[PAGE], measure[PSP_MEASURE_LEN], report[PSP_REPORT_LEN], mnonce[16] = { 7 };
	struct kvm_sev_guest_status gs;
	uint32_t handle = 0;
	struct psp *p;
	struct psp_vm *vm;
	struct psp_err e;

	if (!dev() || !(p = open_safe(&e)))
		return;
	if (!emulated(p)) {
		test_skip("%s is a real /dev/sev: guest commands need kvm:", dev());
		psp_close(p);
		return;
	}
	CU_ASSERT_EQUAL_FATAL(posix_memalign((void **)&mem, PAGE, PAGE), 0);
	memset(mem, 0x3c, PAGE);
	CU_ASSERT_EQUAL_FATAL(psp_vm_create(p, &vm, &e), 0);
	CU_ASSERT_EQUAL(psp_vm_init(vm, false, &e), 0);
	CU_ASSERT_EQUAL(psp_vm_reg_region(vm, mem, PAGE, &e), 0);
	CU_ASSERT_EQUAL(psp_launch_start(vm, 0, NULL, NULL, &handle, &e), 0);
	CU_ASSERT_NOT_EQUAL(handle, 0);
	CU_ASSERT_EQUAL(psp_launch_update_data(vm, mem, PAGE, &e), 0);
	/* The VMM holds ciphertext now. */
	CU_ASSERT_NOT_EQUAL(mem[0], 0x3c);
	CU_ASSERT_EQUAL(psp_launch_measure(vm, measure, &e), 0);
	CU_ASSERT_EQUAL(psp_launch_finish(vm, &e), 0);
	CU_ASSERT_EQUAL(psp_guest_status(vm, &gs, &e), 0);
	CU_ASSERT_EQUAL(gs.handle, handle);
	CU_ASSERT_EQUAL(gs.state, 3); /* RUNNING */
	CU_ASSERT_EQUAL(psp_dbg_decrypt(vm, mem, plain, PAGE, &e), 0);
	CU_ASSERT_EQUAL(plain[0], 0x3c);
	CU_ASSERT_EQUAL(plain[PAGE - 1], 0x3c);
	CU_ASSERT_EQUAL(psp_attestation(vm, mnonce, report, &e), 0);
	CU_ASSERT_BYTES_EQUAL(report, mnonce, 16);
	CU_ASSERT_EQUAL(psp_vm_unreg_region(vm, mem, PAGE, &e), 0);
	psp_vm_destroy(vm);
	psp_close(p);
	free(mem);
}

/* The emulated device is no sev_fd for KVM: kvm: on it says so. */
static void kvm_refuses_the_emulator(void)
{
	char uri[512];
	struct psp *p = NULL, *q;
	struct psp_err e;

	if (!dev() || !(q = open_safe(&e)))
		return;
	if (!emulated(q)) {
		test_skip("%s is the real /dev/sev", dev());
		psp_close(q);
		return;
	}
	psp_close(q);
	snprintf(uri, sizeof(uri), "kvm:%s", dev());
	CU_ASSERT_EQUAL(psp_open(uri, &p, &e), -1);
	CU_ASSERT_EQUAL(e.err, EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "KVM refuses"));
}

/* The producer through the device, and the profile fed back into it. */
static void latency_bench_and_profile(void)
{
	char uri[1100], out[512], iters[] = "1", *argv[8];
	struct psp_latency l[64];
	struct psp *p = NULL, *q;
	struct psp_err e;
	size_t n;

	if (!dev() || !(q = open_safe(&e)))
		return;
	if (!emulated(q)) {
		test_skip("%s is the real /dev/sev: lab-run.sh measures it", dev());
		psp_close(q);
		return;
	}
	psp_close(q);
	snprintf(uri, sizeof(uri), "dev:%s", dev());
	snprintf(out, sizeof(out), "%s/dev.profile", test_tmpdir("live"));
	argv[0] = (char *)"latency";
	argv[1] = (char *)"--backend";
	argv[2] = uri;
	argv[3] = (char *)"--out";
	argv[4] = out;
	argv[5] = (char *)"--iterations";
	argv[6] = iters;
	argv[7] = (char *)"--quiet";
	CU_ASSERT_EQUAL_FATAL(bench_latency(8, argv), 0);
	CU_ASSERT_EQUAL_FATAL(psp_latency_profile_read(out, l, 64, &n, &e), 0);
	CU_ASSERT_EQUAL(n, 20);
	snprintf(uri, sizeof(uri), "dev:%s?latency-profile=%s", dev(), out);
	CU_ASSERT_EQUAL(psp_open(uri, &p, &e), 0);
	/* the daemon's platform is shared: take the latencies away again */
	CU_ASSERT_EQUAL(psp_clear_injections(p, &e), 0);
	psp_close(p);
}

TEST_SUITE(psp_dev_live, NULL, NULL, TEST(probe), TEST(length_queries), TEST(read_only_and_bad_pointers),
	   TEST(guest_through_the_device), TEST(kvm_refuses_the_emulator), TEST(latency_bench_and_profile))
