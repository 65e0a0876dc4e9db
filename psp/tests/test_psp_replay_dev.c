/* dev: against a replayed kernel /dev/sev: what psp/ hands the kernel for every
 * platform command, and how the kernel's answers (including the -EIO + INVALID_LENGTH
 * length queries and -EPERM on a read-only descriptor) come back as (errno, firmware
 * status) pairs.  The same code is kvm:'s platform half. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "emu/drv/swsev_uapi.h"
#include "harness/testlib/testlib.h"
#include "psp/psp.h"
#include "psp/tests/rr_kernel.h"

static struct psp *open_dev(const char *uri)
{
	struct psp *p = NULL;
	struct psp_err e;

	CU_ASSERT_EQUAL_FATAL(psp_open(uri, &p, &e), 0);
	return p;
}

static void finish(void)
{
	CU_ASSERT_EQUAL(rr_finish(), 0);
}

static void fill(uint8_t *b, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(seed + i * 7);
}

static void real_kernel_probe(void)
{
	struct psp *p;
	struct psp_vm *vm;
	struct psp_err e;

	rr_start();
	rr_script_sev_open("/dev/sev", O_RDWR);
	rr_close(RR_SEV);

	p = open_dev("dev:/dev/sev");
	CU_ASSERT_STRING_EQUAL(psp_backend(p), "dev");
	CU_ASSERT_EQUAL(psp_caps(p), PSP_CAP_PLATFORM | PSP_CAP_UPTR_CHECK);
	/* Guest commands need KVM on a real host: a clear refusal, no system call. */
	CU_ASSERT_EQUAL(psp_vm_create(p, &vm, &e), -1);
	CU_ASSERT_EQUAL(e.err, ENOTSUP);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "guest commands"));
	CU_ASSERT_EQUAL(psp_require(p, PSP_CAP_CONTROL, &e), -1);
	CU_ASSERT_EQUAL(e.err, ENOTSUP);
	psp_close(p);
	finish();
}

static void missing_device(void)
{
	struct psp *p = NULL;
	struct psp_err e;

	rr_start();
	rr_open_fail("/dev/sev", O_RDWR, ENOENT);
	CU_ASSERT_EQUAL(psp_open("dev:", &p, &e), -1);
	CU_ASSERT_PTR_NULL(p);
	CU_ASSERT_EQUAL(e.err, ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "/dev/sev"));
	finish();
}

static void platform_status(void)
{
	struct sev_user_data_status st;
	uint8_t give[12] = { 0 };
	struct psp *p;
	struct psp_err e;
	struct rr_step *s;

	give[0] = 0;          /* api_major */
	give[1] = 24;         /* api_minor */
	give[2] = 2;          /* WORKING */
	rr_put32(give, 3, 0x101); /* OWNER | CONFIG.ES */
	give[7] = 15;         /* build */
	rr_put32(give, 8, 3); /* guests */
	memset(&st, 0xee, sizeof(st));

	rr_start();
	rr_script_sev_open("/dev/sev", O_RDWR);
	/* Output only: the kernel reads nothing behind data. */
	s = rr_sev_cmd(RR_SEV, 1, &st, "PLATFORM_STATUS");
	rr_out(s, RR_IN1(SIC_DATA, 0), give, sizeof(give));
	rr_close(RR_SEV);

	p = open_dev("dev:/dev/sev");
	CU_ASSERT_EQUAL(psp_platform_status(p, &st, &e), 0);
	CU_ASSERT_EQUAL(st.api_minor, 24);
	CU_ASSERT_EQUAL(st.state, 2);
	CU_ASSERT_EQUAL(st.flags, 0x101);
	CU_ASSERT_EQUAL(st.build, 15);
	CU_ASSERT_EQUAL(st.guest_count, 3);
	psp_close(p);
	finish();
}

static void no_buffer_commands(void)
{
	struct psp *p;
	struct psp_err e;

	rr_start();
	rr_script_sev_open("/dev/sev", O_RDWR);
	rr_sev_cmd(RR_SEV, 0, NULL, "FACTORY_RESET");
	rr_sev_cmd(RR_SEV, 2, NULL, "PEK_GEN");
	rr_sev_cmd(RR_SEV, 4, NULL, "PDH_GEN");
	/* FACTORY_RESET in WORKING: the driver's own -EBUSY, no firmware status. */
	rr_errno(rr_sev_cmd(RR_SEV, 0, NULL, "FACTORY_RESET busy"), EBUSY);
	/* PDH_GEN refused by the firmware. */
	rr_fw_fail(rr_sev_cmd(RR_SEV, 4, NULL, "PDH_GEN refused"), SIC_ERROR, SEV_RET_INVALID_PLATFORM_STATE);
	rr_close(RR_SEV);

	p = open_dev("dev:/dev/sev");
	CU_ASSERT_EQUAL(psp_factory_reset(p, &e), 0);
	CU_ASSERT_EQUAL(psp_pek_gen(p, &e), 0);
	CU_ASSERT_EQUAL(psp_pdh_gen(p, &e), 0);
	CU_ASSERT_EQUAL(psp_factory_reset(p, &e), -1);
	CU_ASSERT_EQUAL(e.err, EBUSY);
	CU_ASSERT_FALSE(e.fw_set);
	CU_ASSERT_EQUAL(psp_pdh_gen(p, &e), -1);
	CU_ASSERT_EQUAL(e.err, EIO);
	CU_ASSERT_TRUE(e.fw_set);
	CU_ASSERT_STATUS(e.fw, SEV_RET_INVALID_PLATFORM_STATE);
	psp_close(p);
	finish();
}

static void pek_csr_query_then_read(void)
{
	static uint8_t csr[PSP_CERT_LEN], want_csr[PSP_CERT_LEN];
	struct sev_user_data_pek_csr q = { 0, 0 };
	uint8_t in[12] = { 0 };
	struct psp *p;
	struct psp_err e;
	struct rr_step *s;

	fill(want_csr, sizeof(want_csr), 3);
	rr_start();
	rr_script_sev_open("/dev/sev", O_RDWR);
	/* The length query: address 0 / length 0 -> -EIO, INVALID_LENGTH, length 0x824. */
	s = rr_sev_cmd(RR_SEV, 3, &q, "PEK_CSR query");
	rr_in(s, RR_IN1(SIC_DATA, 0), in, sizeof(in));
	rr_out32(s, RR_IN1(SIC_DATA, 8), PSP_CERT_LEN);
	rr_fw_fail(s, SIC_ERROR, SEV_RET_INVALID_LEN);
	/* The read, with a struct psp/ builds on its stack. */
	s = rr_sev_cmd(RR_SEV, 3, RR_UNKNOWN, "PEK_CSR");
	rr_putp(in, 0, csr);
	rr_put32(in, 8, PSP_CERT_LEN);
	rr_in(s, RR_IN1(SIC_DATA, 0), in, sizeof(in));
	rr_out(s, RR_IN2(SIC_DATA, 0, 0), want_csr, sizeof(want_csr));
	rr_close(RR_SEV);

	p = open_dev("dev:/dev/sev");
	CU_ASSERT_EQUAL(psp_sev_cmd(p, SEV_PEK_CSR, &q, &e), -1);
	CU_ASSERT_EQUAL(e.err, EIO);
	CU_ASSERT_TRUE(e.fw_set);
	CU_ASSERT_STATUS(e.fw, SEV_RET_INVALID_LEN);
	CU_ASSERT_EQUAL(q.length, PSP_CERT_LEN);
	CU_ASSERT_EQUAL(psp_pek_csr(p, csr, &e), 0);
	CU_ASSERT_BYTES_EQUAL(csr, want_csr, sizeof(csr));
	psp_close(p);
	finish();
}

static void pdh_cert_export_query_then_read(void)
{
	static uint8_t pdh[PSP_CERT_LEN], chain[PSP_CERT_CHAIN_LEN], want_pdh[PSP_CERT_LEN],
		want_chain[PSP_CERT_CHAIN_LEN];
	struct sev_user_data_pdh_cert_export q;
	uint8_t in[24] = { 0 };
	struct psp *p;
	struct psp_err e;
	struct rr_step *s;

	memset(&q, 0, sizeof(q));
	fill(want_pdh, sizeof(want_pdh), 1);
	fill(want_chain, sizeof(want_chain), 2);
	rr_start();
	rr_script_sev_open("/dev/sev", O_RDWR);
	s = rr_sev_cmd(RR_SEV, 5, &q, "PDH_CERT_EXPORT query");
	rr_in(s, RR_IN1(SIC_DATA, 0), in, sizeof(in));
	/* Both lengths come back. */
	rr_out32(s, RR_IN1(SIC_DATA, 8), PSP_CERT_LEN);
	rr_out32(s, RR_IN1(SIC_DATA, 20), PSP_CERT_CHAIN_LEN);
	rr_fw_fail(s, SIC_ERROR, SEV_RET_INVALID_LEN);
	s = rr_sev_cmd(RR_SEV, 5, RR_UNKNOWN, "PDH_CERT_EXPORT");
	rr_putp(in, 0, pdh);
	rr_put32(in, 8, PSP_CERT_LEN);
	rr_putp(in, 12, chain);
	rr_put32(in, 20, PSP_CERT_CHAIN_LEN);
	rr_in(s, RR_IN1(SIC_DATA, 0), in, sizeof(in));
	rr_out(s, RR_IN2(SIC_DATA, 0, 0), want_pdh, sizeof(want_pdh));
	rr_out(s, RR_IN2(SIC_DATA, 12, 0), want_chain, sizeof(want_chain));
	rr_close(RR_SEV);

	p = open_dev("dev:/dev/sev");
	CU_ASSERT_EQUAL(psp_sev_cmd(p, SEV_PDH_CERT_EXPORT, &q, &e), -1);
	CU_ASSERT_EQUAL(e.err, EIO);
	CU_ASSERT_STATUS(e.fw, SEV_RET_INVALID_LEN);
	CU_ASSERT_EQUAL(q.pdh_cert_len, PSP_CERT_LEN);
	CU_ASSERT_EQUAL(q.cert_chain_len, PSP_CERT_CHAIN_LEN);
	CU_ASSERT_EQUAL(psp_pdh_cert_export(p, pdh, chain, &e), 0);
	CU_ASSERT_BYTES_EQUAL(pdh, want_pdh, sizeof(pdh));
	CU_ASSERT_BYTES_EQUAL(chain, want_chain, sizeof(chain));
	psp_close(p);
	finish();
}

static void pek_cert_import(void)
{
	static uint8_t pek[PSP_CERT_LEN], oca[PSP_CERT_LEN];
	uint8_t in[24] = { 0 };
	struct psp *p;
	struct psp_err e;
	struct rr_step *s;

	fill(pek, sizeof(pek), 5);
	fill(oca, sizeof(oca), 9);
	rr_putp(in, 0, pek);
	rr_put32(in, 8, PSP_CERT_LEN);
	rr_putp(in, 12, oca);
	rr_put32(in, 20, PSP_CERT_LEN);
	rr_start();
	rr_script_sev_open("/dev/sev", O_RDWR);
	for (int i = 0; i < 2; i++) {
		s = rr_sev_cmd(RR_SEV, 6, RR_UNKNOWN, "PEK_CERT_IMPORT");
		rr_in(s, RR_IN1(SIC_DATA, 0), in, sizeof(in));
		/* psp_copy_user_blob of both certificates */
		rr_in(s, RR_IN2(SIC_DATA, 0, 0), pek, sizeof(pek));
		rr_in(s, RR_IN2(SIC_DATA, 12, 0), oca, sizeof(oca));
		if (i == 1)
			rr_fw_fail(s, SIC_ERROR, SEV_RET_ALREADY_OWNED);
	}
	rr_close(RR_SEV);

	p = open_dev("dev:/dev/sev");
	CU_ASSERT_EQUAL(psp_pek_cert_import(p, pek, oca, &e), 0);
	CU_ASSERT_EQUAL(psp_pek_cert_import(p, pek, oca, &e), -1);
	CU_ASSERT_EQUAL(e.err, EIO);
	CU_ASSERT_STATUS(e.fw, SEV_RET_ALREADY_OWNED);
	psp_close(p);
	finish();
}

static void get_id2_query_then_read(void)
{
	uint8_t id[128], want[64], in[12] = { 0 };
	uint32_t len = sizeof(id);
	struct psp *p;
	struct psp_err e;
	struct rr_step *s;

	fill(want, sizeof(want), 11);
	rr_start();
	rr_script_sev_open("/dev/sev", O_RDWR);
	s = rr_sev_cmd(RR_SEV, 8, RR_UNKNOWN, "GET_ID2 query");
	rr_in(s, RR_IN1(SIC_DATA, 0), in, sizeof(in));
	rr_out32(s, RR_IN1(SIC_DATA, 8), 64);
	rr_fw_fail(s, SIC_ERROR, SEV_RET_INVALID_LEN);
	s = rr_sev_cmd(RR_SEV, 8, RR_UNKNOWN, "GET_ID2");
	rr_putp(in, 0, id);
	rr_put32(in, 8, 64);
	rr_in(s, RR_IN1(SIC_DATA, 0), in, sizeof(in));
	rr_out(s, RR_IN2(SIC_DATA, 0, 0), want, sizeof(want));
	rr_close(RR_SEV);

	p = open_dev("dev:/dev/sev");
	CU_ASSERT_EQUAL(psp_get_id(p, id, &len, &e), 0);
	CU_ASSERT_EQUAL(len, 64);
	CU_ASSERT_BYTES_EQUAL(id, want, sizeof(want));
	psp_close(p);
	finish();
}

static void get_id_legacy(void)
{
	struct sev_user_data_get_id id;
	uint8_t want[128];
	struct psp *p;
	struct psp_err e;
	struct rr_step *s;

	fill(want, sizeof(want), 13);
	rr_start();
	rr_script_sev_open("/dev/sev", O_RDWR);
	s = rr_sev_cmd(RR_SEV, 7, &id, "GET_ID");
	rr_out(s, RR_IN1(SIC_DATA, 0), want, sizeof(want));
	/* Firmware older than API 0.16: the driver's -ENOTSUPP (524), no firmware call. */
	rr_errno(rr_sev_cmd(RR_SEV, 7, &id, "GET_ID on old firmware"), 524);
	rr_close(RR_SEV);

	p = open_dev("dev:/dev/sev");
	CU_ASSERT_EQUAL(psp_sev_cmd(p, SEV_GET_ID, &id, &e), 0);
	CU_ASSERT_BYTES_EQUAL(&id, want, sizeof(want));
	CU_ASSERT_EQUAL(psp_sev_cmd(p, SEV_GET_ID, &id, &e), -1);
	CU_ASSERT_EQUAL(e.err, 524);
	CU_ASSERT_FALSE(e.fw_set);
	psp_close(p);
	finish();
}

static void read_only_descriptor(void)
{
	struct psp *p;
	struct psp_err e;
	char msg[400];

	rr_start();
	rr_script_sev_open("/dev/sev", O_RDONLY);
	/* Write-type commands on a descriptor without FMODE_WRITE: -EPERM, error untouched. */
	rr_errno(rr_sev_cmd(RR_SEV, 2, NULL, "PEK_GEN on a read-only fd"), EPERM);
	rr_close(RR_SEV);

	p = open_dev("dev:/dev/sev?ro");
	CU_ASSERT_EQUAL(psp_pek_gen(p, &e), -1);
	CU_ASSERT_EQUAL(e.err, EPERM);
	CU_ASSERT_FALSE(e.fw_set);
	psp_err_format(&e, msg, sizeof(msg));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "EPERM"));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "PEK_GEN"));
	psp_close(p);
	finish();
}

static void bad_command(void)
{
	struct psp *p;
	struct psp_err e;

	rr_start();
	rr_script_sev_open("/dev/sev", O_RDWR);
	rr_errno(rr_sev_cmd(RR_SEV, 13, NULL, "SEV_MAX"), EINVAL);
	rr_close(RR_SEV);

	p = open_dev("dev:/dev/sev");
	CU_ASSERT_EQUAL(psp_sev_cmd(p, 13, NULL, &e), -1);
	CU_ASSERT_EQUAL(e.err, EINVAL);
	CU_ASSERT_FALSE(e.fw_set);
	psp_close(p);
	finish();
}

/* The emulated device (the CUSE daemon) answers the probe: guest commands go through
 * its own ioctl on one descriptor per VM. */
static void emulated_device(void)
{
	struct swsev_info info;
	struct psp *p;
	struct psp_vm *vm;
	struct psp_err e;
	struct rr_step *s;
	uint8_t cmd[KSC_LEN] = { 0 };

	memset(&info, 0, sizeof(info));
	info.uapi_version = SWSEV_UAPI_VERSION;
	info.seeded = 1;
	rr_start();
	rr_open("/dev/sev-emu", O_RDWR, RR_SEV);
	s = rr_ioctl(RR_SEV, SWSEV_IOC_CTL, "emulator probe");
	rr_out(s, RR_IN1(24, 0), &info, sizeof(info));
	rr_open("/dev/sev-emu", O_RDWR, RR_VM);
	s = rr_ioctl(RR_VM, SWSEV_IOC_VM_OP, "KVM_SEV_INIT on the device");
	rr_in(s, RR_ARG(0), cmd, sizeof(cmd));
	rr_pad(s, 4, 4);
	rr_close(RR_VM);
	rr_close(RR_SEV);

	p = open_dev("dev:/dev/sev-emu");
	CU_ASSERT_TRUE(psp_caps(p) & PSP_CAP_GUEST);
	CU_ASSERT_TRUE(psp_caps(p) & PSP_CAP_CONTROL);
	CU_ASSERT_TRUE(psp_caps(p) & PSP_CAP_DETERMINISTIC);
	CU_ASSERT_EQUAL_FATAL(psp_vm_create(p, &vm, &e), 0);
	CU_ASSERT_EQUAL(psp_vm_init(vm, false, &e), 0);
	psp_vm_destroy(vm);
	psp_close(p);
	finish();
}

/* The double itself: a wrong number, a wrong byte or a missing call must not pass. */
static void double_catches_differences(void)
{
	struct sev_user_data_status st;
	struct psp *p;
	struct psp_err e;

	fprintf(stderr, "\n(three deliberate replay mismatches follow)");
	rr_start();
	rr_script_sev_open("/dev/sev", O_RDWR);
	rr_sev_cmd(RR_SEV, 1, &st, "PLATFORM_STATUS");
	rr_close(RR_SEV);
	p = open_dev("dev:/dev/sev");
	CU_ASSERT_EQUAL(psp_pek_gen(p, &e), -1); /* cmd 2, not 1 */
	psp_close(p);
	CU_ASSERT_EQUAL(rr_finish(), -1);

	rr_start();
	rr_open("/dev/sev", O_RDWR, RR_SEV);
	rr_errno(rr_ioctl(RR_SEV, IOC_SEV_ISSUE_CMD, "not the probe"), EINVAL);
	CU_ASSERT_EQUAL(psp_open("dev:/dev/sev", &p, &e), 0);
	psp_close(p);
	CU_ASSERT_EQUAL(rr_finish(), -1);

	rr_start();
	rr_script_sev_open("/dev/sev", O_RDWR);
	rr_sev_cmd(RR_SEV, 1, &st, "PLATFORM_STATUS never issued");
	rr_close(RR_SEV);
	p = open_dev("dev:/dev/sev");
	psp_close(p);
	CU_ASSERT_EQUAL(rr_finish(), -1);
	fprintf(stderr, "(end of deliberate mismatches)\n");
}

TEST_SUITE(psp_replay_dev, NULL, rr_suite_clean, TEST(double_catches_differences), TEST(real_kernel_probe),
	   TEST(missing_device), TEST(platform_status), TEST(no_buffer_commands), TEST(pek_csr_query_then_read),
	   TEST(pdh_cert_export_query_then_read), TEST(pek_cert_import), TEST(get_id2_query_then_read),
	   TEST(get_id_legacy), TEST(read_only_descriptor), TEST(bad_command), TEST(emulated_device))
