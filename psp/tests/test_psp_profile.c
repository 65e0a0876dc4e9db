/* Latency profiles: the format, the URI option, applying a profile to an emulated
 * platform, refusing it on real hardware, and `swsev bench latency` producing a
 * profile that an emulated platform then loads. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "harness/bench/latency.h"
#include "harness/testlib/testlib.h"
#include "psp/psp.h"
#include "psp/psp_priv.h"
#include "psp/tests/rr_kernel.h"

static const char *write_tmp(const char *name, const char *text)
{
	static char path[4][512];
	static int slot;
	char *p = path[slot++ % 4];
	FILE *f;

	snprintf(p, 512, "%s/%s", test_tmpdir("profile"), name);
	f = fopen(p, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
	return p;
}

static void parse(void)
{
	struct psp_latency e[8];
	struct psp_err err;
	size_t n;
	const char *path = write_tmp("ok.profile", "# swsev latency profile 1\n"
						   "# host: lab\n"
						   "# firmware: 1.55 build 21\n"
						   "\n"
						   "PLATFORM_STATUS   180.5  20  170.1  210.3  SEV_ISSUE_CMD\n"
						   "  launch_start\t2100\n"
						   "0x61 12.25\n");

	CU_ASSERT_EQUAL_FATAL(psp_latency_profile_read(path, e, 8, &n, &err), 0);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	CU_ASSERT_EQUAL(e[0].fw_cmd, 0x004);
	CU_ASSERT_DOUBLE_EQUAL(e[0].mean_us, 180.5, 1e-9);
	CU_ASSERT_EQUAL(e[1].fw_cmd, 0x030);
	CU_ASSERT_DOUBLE_EQUAL(e[1].mean_us, 2100, 1e-9);
	CU_ASSERT_EQUAL(e[2].fw_cmd, 0x061);
}

static void expect_bad(const char *text, int err_want, const char *why)
{
	struct psp_latency e[8];
	struct psp_err err;
	size_t n;

	CU_ASSERT_EQUAL(psp_latency_profile_read(write_tmp("bad.profile", text), e, 8, &n, &err), -1);
	CU_ASSERT_EQUAL(err.err, err_want);
	if (!strstr(err.msg, why)) {
		fprintf(stderr, "\nexpected '%s' in '%s'\n", why, err.msg);
		CU_FAIL("message");
	}
}

static void rejects(void)
{
	struct psp_latency e[1];
	const char *path;
	struct psp_err err;
	size_t n;

	expect_bad("PLATFORM_STATUS 1\n", EINVAL, "first line");
	expect_bad("# swsev latency profile 2\n", EINVAL, "first line");
	expect_bad("", EINVAL, "empty");
	expect_bad("# swsev latency profile 1\nFROBNICATE 3\n", EINVAL, "not a firmware command");
	expect_bad("# swsev latency profile 1\nPEK_CSR\n", EINVAL, "MEAN_US");
	expect_bad("# swsev latency profile 1\nPEK_CSR -1\n", EINVAL, "microseconds");
	expect_bad("# swsev latency profile 1\nPEK_CSR 12x\n", EINVAL, "microseconds");
	expect_bad("# swsev latency profile 1\nPEK_CSR 1e9\n", EINVAL, "microseconds");
	expect_bad("# swsev latency profile 1\nPEK_CSR 1\npek_csr 2\n", EINVAL, "twice");
	path = write_tmp("two.profile", "# swsev latency profile 1\nPEK_CSR 1\nPDH_GEN 2\n");
	CU_ASSERT_EQUAL(psp_latency_profile_read(path, e, 1, &n, &err), -1);
	CU_ASSERT_EQUAL(err.err, ENOSPC);
	CU_ASSERT_EQUAL(psp_latency_profile_read("/nonexistent/x.profile", e, 1, &n, &err), -1);
	CU_ASSERT_EQUAL(err.err, ENOENT);
}

static char rest[128], prof[64];

static int take(const char *uri)
{
	return psp_uri_take_profile(uri, rest, sizeof(rest), prof, sizeof(prof));
}

static void uri_option(void)
{
	CU_ASSERT_EQUAL(take("emu:/d?latency-profile=/x.p&seed=01"), 0);
	CU_ASSERT_STRING_EQUAL(rest, "emu:/d?seed=01");
	CU_ASSERT_STRING_EQUAL(prof, "/x.p");
	CU_ASSERT_EQUAL(take("emu:/d?seed=01&latency-profile=/x.p&ro"), 0);
	CU_ASSERT_STRING_EQUAL(rest, "emu:/d?seed=01&ro");
	CU_ASSERT_STRING_EQUAL(prof, "/x.p");
	CU_ASSERT_EQUAL(take("unix:/run/s?latency-profile=p"), 0);
	CU_ASSERT_STRING_EQUAL(rest, "unix:/run/s");
	CU_ASSERT_STRING_EQUAL(prof, "p");
	CU_ASSERT_EQUAL(take("dev:/dev/sev?ro"), 0);
	CU_ASSERT_STRING_EQUAL(rest, "dev:/dev/sev?ro");
	CU_ASSERT_STRING_EQUAL(prof, "");
	CU_ASSERT_EQUAL(take("emu:"), 0);
	CU_ASSERT_STRING_EQUAL(rest, "emu:");
	CU_ASSERT_EQUAL(take("emu:?latency-profile="), -1);
}

static char emu_uri[1024];

/* One AMD root for the suite: making one costs an RSA-4096 key pair or two. */
static const char *emu(const char *tag, const char *extra)
{
	static const char *root;

	if (!root)
		root = test_tmpdir("profile-root");
	snprintf(emu_uri, sizeof(emu_uri), "emu:%s/state?root=%s&seed=0102030405060708%s", test_tmpdir(tag), root,
		 extra);
	return emu_uri;
}

static double time_status_ms(struct psp *p)
{
	struct sev_user_data_status st;
	struct timespec a, b;
	struct psp_err e;

	clock_gettime(CLOCK_MONOTONIC, &a);
	CU_ASSERT_EQUAL(psp_platform_status(p, &st, &e), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
}

static void applies_to_emulator(void)
{
	char extra[600];
	struct psp *p = NULL;
	struct psp_err e;
	const char *path = write_tmp("slow.profile", "# swsev latency profile 1\nPLATFORM_STATUS 40000 1 0 0 x\n");

	snprintf(extra, sizeof(extra), "&latency-profile=%s", path);
	CU_ASSERT_EQUAL_FATAL(psp_open(emu("lat", extra), &p, &e), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(psp_uri(p), "latency-profile="));
	CU_ASSERT_TRUE(time_status_ms(p) >= 40.0);
	/* psp_load_latency_profile on an open platform: a zero latency takes it away. */
	path = write_tmp("fast.profile", "# swsev latency profile 1\nPLATFORM_STATUS 0\n");
	CU_ASSERT_EQUAL(psp_load_latency_profile(p, path, &e), 0);
	CU_ASSERT_TRUE(time_status_ms(p) < 40.0);
	psp_close(p);

	/* A broken profile makes psp_open fail, naming the line. */
	path = write_tmp("broken.profile", "# swsev latency profile 1\nNOPE 1\n");
	snprintf(extra, sizeof(extra), "&latency-profile=%s", path);
	CU_ASSERT_EQUAL(psp_open(emu("lat2", extra), &p, &e), -1);
	CU_ASSERT_EQUAL(e.err, EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, ":2:"));
}

static void refused_on_real_hardware(void)
{
	char uri[600];
	struct psp *p = NULL;
	struct psp_err e;

	snprintf(uri, sizeof(uri), "dev:/dev/sev?latency-profile=%s",
		 write_tmp("hw.profile", "# swsev latency profile 1\nPEK_CSR 1\n"));
	rr_start();
	rr_script_sev_open("/dev/sev", O_RDWR);
	rr_close(RR_SEV);
	CU_ASSERT_EQUAL(psp_open(uri, &p, &e), -1);
	CU_ASSERT_EQUAL(e.err, ENOTSUP);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "real hardware"));
	CU_ASSERT_EQUAL(rr_finish(), 0);
}

/* The producer, on the emulator: every command measured, the result loadable. */
static void bench_produces_loadable_profile(void)
{
	char out[512], iters[] = "1", *argv[8], extra[600], line[512];
	struct psp_latency e[64];
	struct psp_err err;
	struct psp *p = NULL;
	size_t n;
	FILE *f;
	const char *uri = emu("bench", "");
	char uri_copy[1024];

	snprintf(uri_copy, sizeof(uri_copy), "%s", uri);
	snprintf(out, sizeof(out), "%s/latency.profile", test_tmpdir("bench-out"));
	argv[0] = (char *)"latency";
	argv[1] = (char *)"--backend";
	argv[2] = uri_copy;
	argv[3] = (char *)"--out";
	argv[4] = out;
	argv[5] = (char *)"--iterations";
	argv[6] = iters;
	argv[7] = (char *)"--quiet";
	CU_ASSERT_EQUAL_FATAL(bench_latency(8, argv), 0);
	CU_ASSERT_EQUAL_FATAL(psp_latency_profile_read(out, e, 64, &n, &err), 0);
	/* 20 commands: 4 platform, 9 launch/debug/attestation, 4 send, 3 receive */
	CU_ASSERT_EQUAL(n, 20);
	if (n != 20 && (f = fopen(out, "r"))) {
		while (fgets(line, sizeof(line), f))
			fprintf(stderr, "%s", line);
		fclose(f);
	}
	snprintf(extra, sizeof(extra), "&latency-profile=%s", out);
	CU_ASSERT_EQUAL(psp_open(emu("bench2", extra), &p, &err), 0);
	psp_close(p);

	/* usage errors */
	argv[1] = (char *)"--bogus";
	CU_ASSERT_EQUAL(bench_latency(2, argv), 2);
	argv[1] = (char *)"--backend";
	CU_ASSERT_EQUAL(bench_latency(3, argv), 2); /* no --out */
}

TEST_SUITE(psp_profile, NULL, rr_suite_clean, TEST(parse), TEST(rejects), TEST(uri_option), TEST(applies_to_emulator),
	   TEST(refused_on_real_hardware), TEST(bench_produces_loadable_profile))
