/* AMD sev-tool's file formats as the owner library reads and writes them, the owner's
 * file helpers, and taking ownership (OCA key, PEK_CSR signed, PEK_CERT_IMPORT into
 * the emulator, the exported chain then rooted in the owner's OCA). */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emu/crypto/pkey.h"
#include "emu/fw/status.h"
#include "harness/owner/export.h"
#include "harness/owner/files.h"
#include "harness/owner/ownership.h"
#include "harness/owner/session.h"
#include "harness/owner/verify.h"
#include "harness/testlib/testlib.h"
#include "psp/psp.h"

static EVP_PKEY *pdh_key(void)
{
	uint8_t b[48];

	memset(b, 0x5A, sizeof(b));
	return ec_p384_from_bytes(b, sizeof(b), 0);
}

/* godh.cert, launch_blob.bin, tmp_tk.bin: sizes, layout, the key file's mode. */
static void test_session_files(void)
{
	const char *dir = test_tmpdir("owner-files");
	struct rng *rng = rng_new_seeded((const uint8_t *)"f", 1, "t");
	EVP_PKEY *k = pdh_key();
	struct owner_session s;
	struct sev_cert pdh, godh;
	struct owner_err e;
	struct sev_tk tk;
	struct stat st;
	uint8_t blob[128], raw[32];
	char p[PATH_MAX];

	CU_ASSERT_EQUAL_FATAL(sev_cert_build(&pdh, 0, 24, SEV_USAGE_PDH, SEV_ALGO_ECDH_SHA256, k), 0);
	CU_ASSERT_EQUAL_FATAL(owner_session_create(&pdh, 0x5, rng, &s, &e), 0);
	CU_ASSERT_EQUAL_FATAL(owner_write_session_dir(dir, &s, &e), 0);

	snprintf(p, sizeof(p), "%s/%s", dir, SEVTOOL_TK);
	CU_ASSERT_EQUAL(stat(p, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
	CU_ASSERT_EQUAL(st.st_size, 32);
	CU_ASSERT_EQUAL(owner_read_exact(p, raw, 32, &e), 0);
	CU_ASSERT_BYTES_EQUAL(raw, s.tk.tek, 16); /* TEK first, then TIK */
	CU_ASSERT_BYTES_EQUAL(raw + 16, s.tk.tik, 16);
	CU_ASSERT_EQUAL(owner_read_tk(p, &tk, &e), 0);
	CU_ASSERT_BYTES_EQUAL(&tk, &s.tk, sizeof(tk));

	snprintf(p, sizeof(p), "%s/%s", dir, SEVTOOL_LAUNCH_BLOB);
	CU_ASSERT_EQUAL(owner_read_exact(p, blob, sizeof(blob), &e), 0);
	CU_ASSERT_BYTES_EQUAL(blob, &s.session, 128);
	CU_ASSERT_EQUAL(owner_read_exact(p, blob, 127, &e), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "expected 127"));

	snprintf(p, sizeof(p), "%s/%s", dir, SEVTOOL_GODH);
	CU_ASSERT_EQUAL(owner_read_sev_cert(p, &godh, &e), 0);
	CU_ASSERT_BYTES_EQUAL(&godh, &s.godh, sizeof(godh));
	CU_ASSERT_EQUAL(stat(p, &st), 0);
	CU_ASSERT_EQUAL(st.st_size, SEV_CERT_LEN);

	/* The measurement files: raw and hex, both readable. */
	{
		uint8_t m[32], got[32];
		char txt[80];
		for (int i = 0; i < 32; i++)
			m[i] = (uint8_t)(0xF0 - i);
		CU_ASSERT_EQUAL(owner_write_measurement_dir(dir, m, &e), 0);
		snprintf(p, sizeof(p), "%s/%s", dir, SEVTOOL_MEASUREMENT);
		CU_ASSERT_EQUAL(owner_read_measurement(p, got, &e), 0);
		CU_ASSERT_BYTES_EQUAL(got, m, 32);
		snprintf(p, sizeof(p), "%s/%s", dir, SEVTOOL_MEASUREMENT_TXT);
		memset(got, 0, sizeof(got));
		CU_ASSERT_EQUAL(owner_read_measurement(p, got, &e), 0);
		CU_ASSERT_BYTES_EQUAL(got, m, 32);
		memset(txt, 0, sizeof(txt));
		CU_ASSERT_EQUAL(owner_read_exact(p, txt, 64, &e), 0);
		CU_ASSERT_STRING_EQUAL(txt, "f0efeeedecebeae9e8e7e6e5e4e3e2e1e0dfdedddcdbdad9d8d7d6d5d4d3d2d1");
		/* A 48-byte LAUNCH_MEASURE output is not a verified measurement. */
		snprintf(p, sizeof(p), "%s/raw48", dir);
		CU_ASSERT_EQUAL(owner_write_file(p, txt, 48, 0644, &e), 0);
		CU_ASSERT_EQUAL(owner_read_measurement(p, got, &e), -1);
		CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "verify"));
	}
	owner_session_clear(&s);
	EVP_PKEY_free(k);
	rng_free(rng);
}

/* Writing to an existing FIFO (or device) goes in place, never renames over it. */
static void test_write_special(void)
{
	const char *dir = test_tmpdir("owner-fifo");
	struct owner_err e;
	struct stat st;
	char p[PATH_MAX], buf[16] = { 0 };
	int rfd;

	snprintf(p, sizeof(p), "%s/fifo", dir);
	CU_ASSERT_EQUAL_FATAL(mkfifo(p, 0600), 0);
	rfd = open(p, O_RDONLY | O_NONBLOCK);
	CU_ASSERT_FATAL(rfd >= 0);
	CU_ASSERT_EQUAL(owner_write_file(p, "hello", 5, 0644, &e), 0);
	CU_ASSERT_EQUAL(read(rfd, buf, sizeof(buf)), 5);
	CU_ASSERT_STRING_EQUAL(buf, "hello");
	CU_ASSERT_EQUAL(stat(p, &st), 0);
	CU_ASSERT_TRUE(S_ISFIFO(st.st_mode));
	close(rfd);
	/* A regular file is replaced atomically with the requested mode. */
	snprintf(p, sizeof(p), "%s/plain", dir);
	CU_ASSERT_EQUAL(owner_write_file(p, "x", 1, 0644, &e), 0);
	CU_ASSERT_EQUAL(owner_write_file(p, "yy", 2, 0600, &e), 0);
	CU_ASSERT_EQUAL(stat(p, &st), 0);
	CU_ASSERT_EQUAL(st.st_size, 2);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
}

/* The OCA and the signed PEK in sev-tool's form, and the CSR checks. */
static void test_sign_pek_csr(void)
{
	struct rng *rng = rng_new_seeded((const uint8_t *)"oca", 3, "t");
	EVP_PKEY *oca_key = owner_oca_generate(rng), *pek_key = owner_oca_generate(rng);
	struct sev_cert csr, pek, oca, bad;
	struct owner_err e;
	const char *why;

	CU_ASSERT_FATAL(oca_key && pek_key);
	CU_ASSERT_EQUAL_FATAL(sev_cert_build(&csr, 0, 24, SEV_USAGE_PEK, SEV_ALGO_ECDSA_SHA256, pek_key), 0);
	CU_ASSERT_EQUAL(owner_sign_pek_csr(&csr, oca_key, rng, &pek, &oca, &e), 0);
	CU_ASSERT_STATUS(sev_cert_validate_by(&oca, &oca, &why), SEV_STATUS_SUCCESS);
	CU_ASSERT_STATUS(sev_cert_validate_by(&pek, &oca, &why), SEV_STATUS_SUCCESS);
	CU_ASSERT_EQUAL(sev_cert_api_major(&oca), 0);
	CU_ASSERT_EQUAL(sev_cert_api_minor(&oca), 0);
	CU_ASSERT_EQUAL(sev_cert_sig_usage(&pek, 0), SEV_USAGE_OCA);
	CU_ASSERT_EQUAL(sev_cert_sig_usage(&pek, 1), SEV_USAGE_INVALID); /* for the CEK */
	CU_ASSERT_BYTES_EQUAL(pek.raw, csr.raw, SEV_CERT_BODY_LEN);

	/* Already signed, or not a PEK: refused. */
	CU_ASSERT_EQUAL(owner_sign_pek_csr(&pek, oca_key, rng, &bad, &oca, &e), -1);
	CU_ASSERT_STATUS(e.status, SEV_STATUS_INVALID_CERTIFICATE);
	CU_ASSERT_EQUAL(sev_cert_build(&bad, 0, 24, SEV_USAGE_PDH, SEV_ALGO_ECDH_SHA256, pek_key), 0);
	CU_ASSERT_EQUAL(owner_sign_pek_csr(&bad, oca_key, rng, &pek, &oca, &e), -1);
	CU_ASSERT_STATUS(e.status, SEV_STATUS_INVALID_CERTIFICATE);
	EVP_PKEY_free(oca_key);
	EVP_PKEY_free(pek_key);
	rng_free(rng);
}

/* PEK_CSR -> sign -> PEK_CERT_IMPORT on the emulator: the exported chain then has the
 * owner's OCA and still verifies end to end. */
static void test_take_ownership(void)
{
	const char *tmp = test_tmpdir("owner-own");
	struct rng *rng = rng_new_seeded((const uint8_t *)"own", 3, "t");
	EVP_PKEY *oca_key = owner_oca_generate(rng);
	struct owner_export_info info;
	struct owner_chain_result res;
	struct owner_chain ch;
	struct owner_trust t;
	struct sev_cert csr, pek, oca;
	struct sev_user_data_status st;
	struct owner_err e;
	struct psp_err err;
	struct psp *p = NULL;
	char uri[PATH_MAX + 64], m[400];
	uint8_t pdh[PSP_CERT_LEN], chain[PSP_CERT_CHAIN_LEN];

	snprintf(uri, sizeof(uri), "emu:%s/state?seed=0c", tmp);
	CU_ASSERT_EQUAL_FATAL(psp_open(uri, &p, &err), 0);
	/* INIT the platform (PDH_CERT_EXPORT does it implicitly, as Linux does). */
	CU_ASSERT_EQUAL(psp_pdh_cert_export(p, pdh, chain, &err), 0);
	if (psp_pek_csr(p, csr.raw, &err) != 0) {
		psp_err_format(&err, m, sizeof(m));
		fprintf(stderr, "PEK_CSR: %s\n", m);
		CU_FAIL("PEK_CSR");
		goto out;
	}
	CU_ASSERT_EQUAL_FATAL(owner_sign_pek_csr(&csr, oca_key, rng, &pek, &oca, &e), 0);
	if (psp_pek_cert_import(p, pek.raw, oca.raw, &err) != 0) {
		psp_err_format(&err, m, sizeof(m));
		fprintf(stderr, "PEK_CERT_IMPORT: %s\n", m);
		CU_FAIL("PEK_CERT_IMPORT");
		goto out;
	}
	CU_ASSERT_EQUAL(psp_platform_status(p, &st, &err), 0);
	CU_ASSERT_EQUAL(st.flags & 1, 1); /* OWNER: externally owned */
	CU_ASSERT_EQUAL_FATAL(owner_export_platform(p, tmp, &info, &e), 0);
	CU_ASSERT_TRUE(info.complete);
	CU_ASSERT_EQUAL_FATAL(owner_chain_read_dir(tmp, &ch, &e), 0);
	CU_ASSERT_BYTES_EQUAL(ch.oca.raw, oca.raw, SEV_CERT_LEN);
	owner_trust_init(&t, false);
	CU_ASSERT_EQUAL(owner_trust_add_ark(&t, &ch.ark, "emulated", &e), 0);
	CU_ASSERT_EQUAL(owner_chain_verify(&ch, &t, &res, &e), 0);
	/* The owner's PEK body came back, now signed by both. */
	CU_ASSERT_BYTES_EQUAL(ch.pek.raw + SEV_CERT_OFF_EC_QX, csr.raw + SEV_CERT_OFF_EC_QX, 72);

	/* A second import on an owned platform: ALREADY_OWNED. */
	CU_ASSERT_EQUAL(psp_pek_cert_import(p, pek.raw, oca.raw, &err), -1);
	CU_ASSERT_TRUE(err.fw_set);
	CU_ASSERT_STATUS(err.fw, SEV_STATUS_ALREADY_OWNED);
out:
	psp_close(p);
	EVP_PKEY_free(oca_key);
	rng_free(rng);
}

/* An OCA key in PEM goes through files as the CLI uses it. */
static void test_oca_pem(void)
{
	const char *dir = test_tmpdir("owner-pem");
	struct rng *rng = rng_new_seeded((const uint8_t *)"pem", 3, "t");
	EVP_PKEY *k = owner_oca_generate(rng), *r;
	struct sev_cert a, b;
	struct owner_err e;
	struct stat st;
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/oca.pem", dir);
	CU_ASSERT_EQUAL_FATAL(pkey_write_pem(k, p, 1), 0);
	CU_ASSERT_EQUAL(stat(p, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
	r = pkey_read_pem(p);
	CU_ASSERT_FATAL(r != NULL);
	/* The key read back makes the same OCA body. */
	CU_ASSERT_EQUAL(owner_oca_cert(k, rng, &a, &e), 0);
	CU_ASSERT_EQUAL(owner_oca_cert(r, rng, &b, &e), 0);
	CU_ASSERT_BYTES_EQUAL(a.raw, b.raw, SEV_CERT_BODY_LEN);
	CU_ASSERT_STATUS(sev_cert_validate_by(&b, &a, NULL), SEV_STATUS_SUCCESS);
	EVP_PKEY_free(k);
	EVP_PKEY_free(r);
	rng_free(rng);
}

TEST_SUITE(owner_files, NULL, NULL,
	   TEST(test_session_files),
	   TEST(test_write_special),
	   TEST(test_sign_pek_csr),
	   TEST(test_take_ownership),
	   TEST(test_oca_pem))
