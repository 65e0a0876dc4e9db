/* Platform conformance through the /dev/sev ABI: what any SEV_ISSUE_CMD user sees, on
 * every backend.  Every negative case checks the exact errno / firmware status and
 * that the platform (status, certificates, NV) did not change. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/cert/sev_cert.h"
#include "emu/crypto/pkey.h"
#include "emu/fw/fw.h"
#include "harness/conformance/conf.h"

#define OPEN(c, tag)                                                                                      \
	struct conf *c = conf_open(tag, NULL, 1);                                                         \
	if (!c || !c->fresh_ok) {                                                                         \
		if (c && !c->fresh_ok)                                                                    \
			test_skip("%s cannot be reset to a known state (set SWSEV_DESTRUCTIVE=1)", c->uri); \
		conf_close(c);                                                                            \
		return;                                                                                   \
	}

static struct sev_cert *cert_at(uint8_t *chain, int i)
{
	return (struct sev_cert *)(chain + i * PSP_CERT_LEN);
}

/* The platform must be INIT for most driver-level checks; with a lazy or transient
 * driver profile an export brings it there (or leaves it UNINIT, transient). */
static void export(struct conf *c, uint8_t *pdh, uint8_t *chain)
{
	struct psp_err e;
	CONF_OK(psp_pdh_cert_export(c->p, pdh, chain, &e), &e);
}

static void test_status_fields(void)
{
	struct sev_user_data_status st;
	struct psp_err e;
	OPEN(c, "status");

	CONF_OK(psp_platform_status(c->p, &st, &e), &e);
	/* An emulated part reports API 0.24; a real one at least 0.16 (GET_ID2). */
	CU_ASSERT_TRUE(st.api_major > 0 || st.api_minor >= 16);
	CU_ASSERT_TRUE(st.state <= FW_PLAT_WORKING);
	CU_ASSERT_EQUAL(st.flags & ~(uint32_t)(SEV_STATUS_FLAGS_CONFIG_ES | 1), 0);
	if (st.state == FW_PLAT_UNINIT)
		CU_ASSERT_EQUAL(st.flags, 0);
	CU_ASSERT_EQUAL(st.flags & 1, 0); /* a fresh platform is self-owned */
	if (psp_caps(c->p) & PSP_CAP_CONTROL) {
		struct psp_info info;
		CONF_OK(psp_info(c->p, &info, &e), &e);
		CU_ASSERT_EQUAL(st.api_major, info.api_major);
		CU_ASSERT_EQUAL(st.api_minor, info.api_minor);
		CU_ASSERT_EQUAL(st.build, info.build);
		if (st.state != FW_PLAT_UNINIT)
			CU_ASSERT_EQUAL(!!(st.flags & SEV_STATUS_FLAGS_CONFIG_ES), info.es);
	}
	conf_close(c);
}

static void test_status_uninit_reads_zero(void)
{
	struct sev_user_data_status st;
	struct psp_err e;
	uint32_t guest;
	OPEN(c, "status-uninit");

	if (!conf_to_state(c, FW_PLAT_WORKING, &guest))
		goto out;
	CONF_OK(psp_platform_status(c->p, &st, &e), &e);
	CU_ASSERT_EQUAL(st.state, FW_PLAT_WORKING);
	CU_ASSERT_EQUAL(st.guest_count, 1);
	/* SHUTDOWN decommissions every guest; owner/config/guest count read 0 in UNINIT. */
	CU_ASSERT_STATUS(conf_fw(c, FW_CMD_SHUTDOWN, NULL, 0), SEV_STATUS_SUCCESS);
	CONF_OK(psp_platform_status(c->p, &st, &e), &e);
	CU_ASSERT_EQUAL(st.state, FW_PLAT_UNINIT);
	CU_ASSERT_EQUAL(st.flags, 0);
	CU_ASSERT_EQUAL(st.guest_count, 0);
out:
	conf_close(c);
}

static void test_pek_csr_length_query(void)
{
	static uint8_t buf[PSP_CERT_LEN];
	struct sev_user_data_pek_csr u;
	struct conf_snap before;
	struct psp_err e;
	int rc;
	OPEN(c, "csr-query");

	export(c, buf, (uint8_t[PSP_CERT_CHAIN_LEN]){ 0 });
	conf_snap(c, &before);
	/* address 0 or length 0: a length query, answered -EIO / INVALID_LENGTH / 0x824 */
	u = (struct sev_user_data_pek_csr){ 0, 0 };
	rc = psp_sev_cmd(c->p, SEV_PEK_CSR, &u, &e);
	CONF_ERR(rc, &e, EIO, SEV_RET_INVALID_LEN);
	CU_ASSERT_EQUAL(u.length, PSP_CERT_LEN);
	u = (struct sev_user_data_pek_csr){ (uintptr_t)buf, 0 };
	rc = psp_sev_cmd(c->p, SEV_PEK_CSR, &u, &e);
	CONF_ERR(rc, &e, EIO, SEV_RET_INVALID_LEN);
	CU_ASSERT_EQUAL(u.length, PSP_CERT_LEN);
	u = (struct sev_user_data_pek_csr){ 0, PSP_CERT_LEN };
	rc = psp_sev_cmd(c->p, SEV_PEK_CSR, &u, &e);
	CONF_ERR(rc, &e, EIO, SEV_RET_INVALID_LEN);
	CU_ASSERT_EQUAL(u.length, PSP_CERT_LEN);
	/* a real but short buffer: the firmware says so and names the length */
	u = (struct sev_user_data_pek_csr){ (uintptr_t)buf, 0x100 };
	rc = psp_sev_cmd(c->p, SEV_PEK_CSR, &u, &e);
	CONF_ERR(rc, &e, EIO, SEV_RET_INVALID_LEN);
	CU_ASSERT_EQUAL(u.length, PSP_CERT_LEN);
	/* more than the kernel's 16 KiB blob cap: -EFAULT, no firmware call */
	u = (struct sev_user_data_pek_csr){ (uintptr_t)buf, 0x4001 };
	rc = psp_sev_cmd(c->p, SEV_PEK_CSR, &u, &e);
	CONF_ERR(rc, &e, EFAULT, -1);
	CONF_ASSERT_UNCHANGED(c, &before);
	conf_close(c);
}

static void test_pek_csr_is_pek_body(void)
{
	static uint8_t pdh[PSP_CERT_LEN], chain[PSP_CERT_CHAIN_LEN], csr[PSP_CERT_LEN];
	struct sev_user_data_pek_csr u = { (uintptr_t)csr, PSP_CERT_LEN };
	struct psp_err e;
	OPEN(c, "csr");

	export(c, pdh, chain);
	CONF_OK(psp_sev_cmd(c->p, SEV_PEK_CSR, &u, &e), &e);
	CU_ASSERT_EQUAL(u.length, PSP_CERT_LEN);
	CU_ASSERT_BYTES_EQUAL(csr, chain, SEV_CERT_BODY_LEN);
	for (int s = 0; s < 2; s++) {
		CU_ASSERT_EQUAL(sev_cert_sig_usage((struct sev_cert *)csr, s), SEV_USAGE_INVALID);
		CU_ASSERT_EQUAL(sev_cert_sig_algo((struct sev_cert *)csr, s), SEV_ALGO_INVALID);
	}
	conf_close(c);
}

static void test_pdh_export_length_queries(void)
{
	static uint8_t pdh[PSP_CERT_LEN], chain[PSP_CERT_CHAIN_LEN];
	struct sev_user_data_pdh_cert_export cases[] = {
		{ 0, PSP_CERT_LEN, (uintptr_t)chain, PSP_CERT_CHAIN_LEN },
		{ (uintptr_t)pdh, 0, (uintptr_t)chain, PSP_CERT_CHAIN_LEN },
		{ (uintptr_t)pdh, PSP_CERT_LEN, 0, PSP_CERT_CHAIN_LEN },
		{ (uintptr_t)pdh, 0x800, (uintptr_t)chain, PSP_CERT_CHAIN_LEN },  /* short PDH buffer */
		{ (uintptr_t)pdh, PSP_CERT_LEN, (uintptr_t)chain, 0x1000 },       /* short chain buffer */
	};
	struct conf_snap before;
	struct psp_err e;
	OPEN(c, "pdh-query");

	export(c, pdh, chain);
	conf_snap(c, &before);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = psp_sev_cmd(c->p, SEV_PDH_CERT_EXPORT, &cases[i], &e);
		CONF_ERR(rc, &e, EIO, SEV_RET_INVALID_LEN);
		CU_ASSERT_EQUAL(cases[i].pdh_cert_len, PSP_CERT_LEN);
		CU_ASSERT_EQUAL(cases[i].cert_chain_len, PSP_CERT_CHAIN_LEN);
	}
	{
		struct sev_user_data_pdh_cert_export big[] = {
			{ (uintptr_t)pdh, 0x4001, (uintptr_t)chain, PSP_CERT_CHAIN_LEN },
			{ (uintptr_t)pdh, PSP_CERT_LEN, (uintptr_t)chain, 0x4001 },
		};
		for (size_t i = 0; i < 2; i++) {
			int rc = psp_sev_cmd(c->p, SEV_PDH_CERT_EXPORT, &big[i], &e);
			CONF_ERR(rc, &e, EFAULT, -1);
		}
	}
	CONF_ASSERT_UNCHANGED(c, &before);
	conf_close(c);
}

static void test_pdh_chain_verifies(void)
{
	static uint8_t pdh[PSP_CERT_LEN], chain[PSP_CERT_CHAIN_LEN];
	const char *why = NULL;
	OPEN(c, "chain");

	export(c, pdh, chain);
	/* PEK || OCA || CEK: PDH <- PEK, PEK <- OCA and <- CEK, OCA self-signed, the CEK
	 * unsigned (AMD's KDS signs it). */
	CU_ASSERT_EQUAL(sev_cert_usage((struct sev_cert *)pdh), SEV_USAGE_PDH);
	CU_ASSERT_EQUAL(sev_cert_usage(cert_at(chain, 0)), SEV_USAGE_PEK);
	CU_ASSERT_EQUAL(sev_cert_usage(cert_at(chain, 1)), SEV_USAGE_OCA);
	CU_ASSERT_EQUAL(sev_cert_usage(cert_at(chain, 2)), SEV_USAGE_CEK);
	CU_ASSERT_STATUS(sev_cert_validate_by((struct sev_cert *)pdh, cert_at(chain, 0), &why), SEV_STATUS_SUCCESS);
	CU_ASSERT_STATUS(sev_cert_validate_by(cert_at(chain, 0), cert_at(chain, 1), &why), SEV_STATUS_SUCCESS);
	CU_ASSERT_STATUS(sev_cert_validate_by(cert_at(chain, 0), cert_at(chain, 2), &why), SEV_STATUS_SUCCESS);
	CU_ASSERT_STATUS(sev_cert_validate_by(cert_at(chain, 1), cert_at(chain, 1), &why), SEV_STATUS_SUCCESS);
	CU_ASSERT_EQUAL(sev_cert_sig_usage(cert_at(chain, 2), 0), SEV_USAGE_INVALID);
	CU_ASSERT_EQUAL(sev_cert_sig_usage(cert_at(chain, 2), 1), SEV_USAGE_INVALID);
	/* sig1 = OCA, sig2 = CEK, as on real PEKs */
	CU_ASSERT_EQUAL(sev_cert_sig_usage(cert_at(chain, 0), 0), SEV_USAGE_OCA);
	CU_ASSERT_EQUAL(sev_cert_sig_usage(cert_at(chain, 0), 1), SEV_USAGE_CEK);
	conf_close(c);
}

static void test_get_id(void)
{
	struct sev_user_data_get_id id1;
	struct sev_user_data_get_id2 q = { 0, 0 };
	uint8_t id2[128], zero[64] = { 0 };
	struct conf_snap before;
	struct psp_err e;
	int rc;
	OPEN(c, "get-id");

	conf_snap(c, &before);
	memset(&id1, 0xa5, sizeof(id1));
	CONF_OK(psp_sev_cmd(c->p, SEV_GET_ID, &id1, &e), &e);
	CU_ASSERT_FALSE(memcmp(id1.socket1, zero, 64) == 0);
	rc = psp_sev_cmd(c->p, SEV_GET_ID2, &q, &e);
	CONF_ERR(rc, &e, EIO, SEV_RET_INVALID_LEN);
	CU_ASSERT_EQUAL(q.length, 64);
	q.address = (uintptr_t)id2;
	q.length = sizeof(id2);
	CONF_OK(psp_sev_cmd(c->p, SEV_GET_ID2, &q, &e), &e);
	CU_ASSERT_TRUE(q.length == 64 || q.length == 128);
	CU_ASSERT_BYTES_EQUAL(id2, id1.socket1, 64);
	/* One socket: the kernel copies only the 64 bytes the firmware wrote. */
	if (q.length == 64) {
		uint8_t untouched[64];
		memset(untouched, 0xa5, sizeof(untouched));
		CU_ASSERT_BYTES_EQUAL(id1.socket2, untouched, 64);
	}
	CONF_ASSERT_UNCHANGED(c, &before);
	conf_close(c);
}

static void test_unknown_commands(void)
{
	uint32_t cmds[] = { SEV_GET_ID2 + 1, 10, 11, 12, 13, 100, 0xffffffffu };
	struct sev_user_data_status st;
	struct conf_snap before;
	struct psp_err e;
	OPEN(c, "unknown");

	conf_snap(c, &before);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		int rc = psp_sev_cmd(c->p, cmds[i], &st, &e);
		CONF_ERR(rc, &e, EINVAL, -1);
	}
	CONF_ASSERT_UNCHANGED(c, &before);
	conf_close(c);
}

static void test_readonly_descriptor(void)
{
	static uint8_t pdh[PSP_CERT_LEN], chain[PSP_CERT_CHAIN_LEN], csr[PSP_CERT_LEN];
	struct sev_user_data_pek_csr u = { (uintptr_t)csr, PSP_CERT_LEN };
	struct sev_user_data_pek_cert_import imp = { (uintptr_t)pdh, PSP_CERT_LEN, (uintptr_t)chain, PSP_CERT_LEN };
	struct sev_user_data_status st;
	struct conf_snap before;
	struct psp *ro;
	struct psp_err e;
	char uri[800];
	int rc;
	OPEN(c, "ro");

	export(c, pdh, chain);
	conf_snap(c, &before);
	/* A second descriptor on the same platform, opened without write access. */
	snprintf(uri, sizeof(uri), "%s%sro", c->uri, strchr(c->uri, '?') ? "&" : "?");
	if (c->emu) {
		/* The state directory is locked by c; in-process, open the same platform's
		 * read-only view by closing c first. */
		psp_close(c->p);
		c->p = NULL;
	}
	if (psp_open(uri, &ro, &e) != 0) {
		char msg[400];
		psp_err_format(&e, msg, sizeof(msg));
		test_skip("cannot open %s: %s", uri, msg);
		goto out;
	}
	rc = psp_pek_gen(ro, &e);
	CONF_ERR(rc, &e, EPERM, -1);
	rc = psp_pdh_gen(ro, &e);
	CONF_ERR(rc, &e, EPERM, -1);
	rc = psp_sev_cmd(ro, SEV_PEK_CSR, &u, &e);
	CONF_ERR(rc, &e, EPERM, -1);
	rc = psp_sev_cmd(ro, SEV_PEK_CERT_IMPORT, &imp, &e);
	CONF_ERR(rc, &e, EPERM, -1);
	rc = psp_factory_reset(ro, &e);
	CONF_ERR(rc, &e, EPERM, -1);
	/* Reading is fine. */
	CONF_OK(psp_platform_status(ro, &st, &e), &e);
	if (st.state != FW_PLAT_UNINIT)
		CONF_OK(psp_pdh_cert_export(ro, pdh, chain, &e), &e);
	psp_close(ro);
	if (c->emu && !conf_power_cycle(c))
		goto out;
	CONF_ASSERT_UNCHANGED(c, &before);
out:
	conf_close(c);
}

static void test_pek_gen_regenerates(void)
{
	static uint8_t pdh0[PSP_CERT_LEN], chain0[PSP_CERT_CHAIN_LEN], pdh1[PSP_CERT_LEN], chain1[PSP_CERT_CHAIN_LEN];
	struct sev_user_data_status st;
	const char *why;
	struct psp_err e;
	OPEN(c, "pek-gen");

	export(c, pdh0, chain0);
	CONF_OK(psp_pek_gen(c->p, &e), &e);
	export(c, pdh1, chain1);
	/* New OCA, PEK and PDH; the CEK is the chip's and stays. */
	CU_ASSERT_NOT_EQUAL(memcmp(pdh0, pdh1, PSP_CERT_LEN), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(cert_at(chain0, 0), cert_at(chain1, 0), PSP_CERT_LEN), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(cert_at(chain0, 1), cert_at(chain1, 1), PSP_CERT_LEN), 0);
	CU_ASSERT_BYTES_EQUAL(cert_at(chain0, 2), cert_at(chain1, 2), PSP_CERT_LEN);
	CU_ASSERT_STATUS(sev_cert_validate_by((struct sev_cert *)pdh1, cert_at(chain1, 0), &why), SEV_STATUS_SUCCESS);
	CU_ASSERT_STATUS(sev_cert_validate_by(cert_at(chain1, 0), cert_at(chain1, 1), &why), SEV_STATUS_SUCCESS);
	CU_ASSERT_STATUS(sev_cert_validate_by(cert_at(chain1, 0), cert_at(chain1, 2), &why), SEV_STATUS_SUCCESS);
	CONF_OK(psp_platform_status(c->p, &st, &e), &e);
	CU_ASSERT_EQUAL(st.flags & 1, 0);
	conf_close(c);
}

static void test_pdh_gen(void)
{
	static uint8_t pdh0[PSP_CERT_LEN], chain0[PSP_CERT_CHAIN_LEN], pdh1[PSP_CERT_LEN], chain1[PSP_CERT_CHAIN_LEN];
	const char *why;
	struct psp_err e;
	OPEN(c, "pdh-gen");

	export(c, pdh0, chain0);
	CONF_OK(psp_pdh_gen(c->p, &e), &e);
	export(c, pdh1, chain1);
	CU_ASSERT_NOT_EQUAL(memcmp(pdh0, pdh1, PSP_CERT_LEN), 0);
	CU_ASSERT_BYTES_EQUAL(chain0, chain1, PSP_CERT_CHAIN_LEN);
	CU_ASSERT_STATUS(sev_cert_validate_by((struct sev_cert *)pdh1, cert_at(chain1, 0), &why), SEV_STATUS_SUCCESS);
	conf_close(c);
}

/* The platform owner's side: a self-signed OCA and the CSR signed with it. */
static EVP_PKEY *make_oca(struct rng *rng, struct sev_cert *oca)
{
	EVP_PKEY *k = ec_p384_generate(rng);

	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	CU_ASSERT_EQUAL(sev_cert_build(oca, 0, 0, SEV_USAGE_OCA, SEV_ALGO_ECDSA_SHA256, k), 0);
	CU_ASSERT_EQUAL(sev_cert_sign(oca, 0, SEV_USAGE_OCA, SEV_ALGO_ECDSA_SHA256, k, rng), 0);
	return k;
}

static void sign_csr(struct sev_cert *csr, EVP_PKEY *oca_key, struct rng *rng)
{
	CU_ASSERT_EQUAL(sev_cert_sign(csr, 0, SEV_USAGE_OCA, SEV_ALGO_ECDSA_SHA256, oca_key, rng), 0);
}

static void test_ownership_workflow(void)
{
	static uint8_t pdh0[PSP_CERT_LEN], chain0[PSP_CERT_CHAIN_LEN], pdh1[PSP_CERT_LEN], chain1[PSP_CERT_CHAIN_LEN];
	struct sev_cert csr, oca, oca2;
	struct sev_user_data_status st;
	struct conf_snap before;
	struct rng *rng = rng_new_os();
	EVP_PKEY *k, *k2;
	const char *why;
	struct psp_err e;
	int rc;
	OPEN(c, "owner");

	export(c, pdh0, chain0);
	CONF_OK(psp_pek_csr(c->p, csr.raw, &e), &e);
	k = make_oca(rng, &oca);
	sign_csr(&csr, k, rng);
	CONF_OK(psp_pek_cert_import(c->p, csr.raw, oca.raw, &e), &e);
	CONF_OK(psp_platform_status(c->p, &st, &e), &e);
	CU_ASSERT_EQUAL(st.flags & 1, 1); /* externally owned */
	export(c, pdh1, chain1);
	/* Our OCA, our signature in slot 1, the firmware's CEK signature carried into slot 2,
	 * the PEK key unchanged, a new PDH signed by it. */
	CU_ASSERT_BYTES_EQUAL(cert_at(chain1, 1), oca.raw, PSP_CERT_LEN);
	CU_ASSERT_BYTES_EQUAL(cert_at(chain1, 0), cert_at(chain0, 0), SEV_CERT_BODY_LEN);
	CU_ASSERT_EQUAL(sev_cert_sig_usage(cert_at(chain1, 0), 0), SEV_USAGE_OCA);
	CU_ASSERT_EQUAL(sev_cert_sig_usage(cert_at(chain1, 0), 1), SEV_USAGE_CEK);
	CU_ASSERT_STATUS(sev_cert_validate_by(cert_at(chain1, 0), &oca, &why), SEV_STATUS_SUCCESS);
	CU_ASSERT_STATUS(sev_cert_validate_by(cert_at(chain1, 0), cert_at(chain1, 2), &why), SEV_STATUS_SUCCESS);
	CU_ASSERT_NOT_EQUAL(memcmp(pdh0, pdh1, PSP_CERT_LEN), 0);
	CU_ASSERT_STATUS(sev_cert_validate_by((struct sev_cert *)pdh1, cert_at(chain1, 0), &why), SEV_STATUS_SUCCESS);

	/* A second import needs PEK_GEN or a factory reset first. */
	conf_snap(c, &before);
	k2 = make_oca(rng, &oca2);
	CONF_OK(psp_pek_csr(c->p, csr.raw, &e), &e);
	sign_csr(&csr, k2, rng);
	rc = psp_pek_cert_import(c->p, csr.raw, oca2.raw, &e);
	CONF_ERR(rc, &e, EIO, SEV_RET_ALREADY_OWNED);
	CONF_ASSERT_UNCHANGED(c, &before);

	/* The ownership survives a power cycle. */
	if (conf_power_cycle(c)) {
		static uint8_t pdh2[PSP_CERT_LEN], chain2[PSP_CERT_CHAIN_LEN];
		export(c, pdh2, chain2);
		CU_ASSERT_BYTES_EQUAL(pdh2, pdh1, PSP_CERT_LEN);
		CU_ASSERT_BYTES_EQUAL(chain2, chain1, PSP_CERT_CHAIN_LEN);
		CONF_OK(psp_platform_status(c->p, &st, &e), &e);
		CU_ASSERT_EQUAL(st.flags & 1, 1);
	}
	/* PEK_GEN makes it self-owned again with a fresh OCA. */
	CONF_OK(psp_pek_gen(c->p, &e), &e);
	CONF_OK(psp_platform_status(c->p, &st, &e), &e);
	CU_ASSERT_EQUAL(st.flags & 1, 0);
	export(c, pdh1, chain1);
	CU_ASSERT_NOT_EQUAL(memcmp(cert_at(chain1, 1), oca.raw, PSP_CERT_LEN), 0);
	EVP_PKEY_free(k);
	EVP_PKEY_free(k2);
	rng_free(rng);
	conf_close(c);
}

static void test_pek_cert_import_rejects(void)
{
	static uint8_t pdh[PSP_CERT_LEN], chain[PSP_CERT_CHAIN_LEN];
	struct sev_cert csr, oca, bad, other;
	struct conf_snap before;
	struct rng *rng = rng_new_os();
	EVP_PKEY *k, *k2;
	struct psp_err e;
	int rc;
	OPEN(c, "import-bad");

	export(c, pdh, chain);
	CONF_OK(psp_pek_csr(c->p, csr.raw, &e), &e);
	k = make_oca(rng, &oca);
	k2 = make_oca(rng, &other);
	conf_snap(c, &before);

	/* the kernel's blob checks: address 0, length 0, more than 16 KiB: -EINVAL */
	{
		struct sev_user_data_pek_cert_import u[] = {
			{ 0, PSP_CERT_LEN, (uintptr_t)oca.raw, PSP_CERT_LEN },
			{ (uintptr_t)csr.raw, 0, (uintptr_t)oca.raw, PSP_CERT_LEN },
			{ (uintptr_t)csr.raw, PSP_CERT_LEN, (uintptr_t)oca.raw, 0 },
			{ (uintptr_t)csr.raw, 0x4001, (uintptr_t)oca.raw, PSP_CERT_LEN },
		};
		for (size_t i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
			rc = psp_sev_cmd(c->p, SEV_PEK_CERT_IMPORT, &u[i], &e);
			CONF_ERR(rc, &e, EINVAL, -1);
		}
		/* the firmware's: both exactly 0x824 */
		struct sev_user_data_pek_cert_import s = { (uintptr_t)csr.raw, PSP_CERT_LEN - 4, (uintptr_t)oca.raw,
							   PSP_CERT_LEN };
		rc = psp_sev_cmd(c->p, SEV_PEK_CERT_IMPORT, &s, &e);
		CONF_ERR(rc, &e, EIO, SEV_RET_INVALID_LEN);
	}
	/* PEK signed by another key than the OCA given: BAD_SIGNATURE */
	bad = csr;
	sign_csr(&bad, k2, rng);
	rc = psp_pek_cert_import(c->p, bad.raw, oca.raw, &e);
	CONF_ERR(rc, &e, EIO, SEV_RET_BAD_SIGNATURE);
	/* PEK not signed at all: no slot matches the OCA: INVALID_CERTIFICATE */
	rc = psp_pek_cert_import(c->p, csr.raw, oca.raw, &e);
	CONF_ERR(rc, &e, EIO, SEV_RET_INVALID_CERTIFICATE);
	/* OCA whose self-signature is broken: BAD_SIGNATURE */
	bad = oca;
	bad.raw[SEV_CERT_OFF_SIG(0) + 8 + 5] ^= 1;
	{
		struct sev_cert signed_csr = csr;
		sign_csr(&signed_csr, k, rng);
		rc = psp_pek_cert_import(c->p, signed_csr.raw, bad.raw, &e);
		CONF_ERR(rc, &e, EIO, SEV_RET_BAD_SIGNATURE);
		/* a PEK body that is not this platform's (tampered, then properly signed) */
		bad = csr;
		bad.raw[0x30] ^= 0x80;
		sign_csr(&bad, k, rng);
		rc = psp_pek_cert_import(c->p, bad.raw, oca.raw, &e);
		CONF_ERR(rc, &e, EIO, SEV_RET_INVALID_CERTIFICATE);
		/* an "OCA" that is really a PDH-usage certificate */
		bad = oca;
		bad.raw[SEV_CERT_OFF_USAGE] = (uint8_t)SEV_USAGE_PEK;
		rc = psp_pek_cert_import(c->p, signed_csr.raw, bad.raw, &e);
		CU_ASSERT_TRUE(rc != 0 && e.fw_set &&
			       (e.fw == SEV_RET_INVALID_CERTIFICATE || e.fw == SEV_RET_BAD_SIGNATURE));
	}
	CONF_ASSERT_UNCHANGED(c, &before);
	EVP_PKEY_free(k);
	EVP_PKEY_free(k2);
	rng_free(rng);
	conf_close(c);
}

static void test_factory_reset(void)
{
	static uint8_t pdh0[PSP_CERT_LEN], chain0[PSP_CERT_CHAIN_LEN], pdh1[PSP_CERT_LEN], chain1[PSP_CERT_CHAIN_LEN];
	struct sev_user_data_get_id id0, id1;
	struct sev_user_data_status st;
	struct psp_err e;
	OPEN(c, "reset");

	export(c, pdh0, chain0);
	CONF_OK(psp_sev_cmd(c->p, SEV_GET_ID, &id0, &e), &e);
	CONF_OK(psp_factory_reset(c->p, &e), &e);
	CONF_OK(psp_platform_status(c->p, &st, &e), &e);
	CU_ASSERT_EQUAL(st.state, FW_PLAT_UNINIT);
	/* the next INIT makes a new identity for the owner; the chip's (CEK, ID) stays */
	export(c, pdh1, chain1);
	CONF_OK(psp_sev_cmd(c->p, SEV_GET_ID, &id1, &e), &e);
	CU_ASSERT_NOT_EQUAL(memcmp(cert_at(chain0, 1), cert_at(chain1, 1), PSP_CERT_LEN), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(cert_at(chain0, 0), cert_at(chain1, 0), PSP_CERT_LEN), 0);
	CU_ASSERT_BYTES_EQUAL(cert_at(chain0, 2), cert_at(chain1, 2), PSP_CERT_LEN);
	CU_ASSERT_BYTES_EQUAL(&id0, &id1, sizeof(id0));
	conf_close(c);
}

static void test_factory_reset_busy_with_guests(void)
{
	static uint8_t mem[4096] __attribute__((aligned(4096)));
	struct conf_snap before;
	struct psp_vm *vm;
	struct psp_err e;
	uint32_t handle = 0;
	int rc;
	OPEN(c, "reset-busy");

	if (!conf_need(c, PSP_CAP_GUEST))
		goto out;
	CONF_OK(psp_vm_create(c->p, &vm, &e), &e);
	CONF_OK(psp_vm_init(vm, false, &e), &e);
	CONF_OK(psp_launch_start(vm, SEV_POLICY_NODBG, NULL, NULL, &handle, &e), &e);
	CONF_OK(psp_launch_update_data(vm, mem, sizeof(mem), &e), &e);
	conf_snap(c, &before);
	CU_ASSERT_EQUAL(before.st.state, FW_PLAT_WORKING);
	rc = psp_factory_reset(c->p, &e);
	CONF_ERR(rc, &e, EBUSY, -1);
	CONF_ASSERT_UNCHANGED(c, &before);
	psp_vm_destroy(vm);
out:
	conf_close(c);
}

static void test_persistence_across_power_cycle(void)
{
	static uint8_t pdh0[PSP_CERT_LEN], chain0[PSP_CERT_CHAIN_LEN], pdh1[PSP_CERT_LEN], chain1[PSP_CERT_CHAIN_LEN];
	struct psp_err e;
	OPEN(c, "persist");

	CONF_OK(psp_pdh_gen(c->p, &e), &e);
	export(c, pdh0, chain0);
	if (!conf_power_cycle(c))
		goto out;
	export(c, pdh1, chain1);
	CU_ASSERT_BYTES_EQUAL(pdh0, pdh1, PSP_CERT_LEN);
	CU_ASSERT_BYTES_EQUAL(chain0, chain1, PSP_CERT_CHAIN_LEN);
out:
	conf_close(c);
}

/* ---- driver profiles (emu: chooses the profile per platform) ------------------------ */

static void test_profile_lazy_implicit_init(void)
{
	static uint8_t pdh[PSP_CERT_LEN], chain[PSP_CERT_CHAIN_LEN];
	struct sev_user_data_status st;
	struct psp_err e;
	struct conf *c;

	c = conf_open("lazy", "profile=lazy", 1);
	if (!c)
		return;
	CONF_OK(psp_platform_status(c->p, &st, &e), &e);
	CU_ASSERT_EQUAL(st.state, FW_PLAT_UNINIT);
	/* the export needs INIT: the driver does it and it stays */
	export(c, pdh, chain);
	CONF_OK(psp_platform_status(c->p, &st, &e), &e);
	CU_ASSERT_EQUAL(st.state, FW_PLAT_INIT);
	conf_close(c);
}

static void test_profile_transient_implicit_init(void)
{
	static uint8_t pdh[PSP_CERT_LEN], chain[PSP_CERT_CHAIN_LEN], pdh2[PSP_CERT_LEN];
	struct sev_user_data_status st;
	struct psp_err e;
	struct conf *c;

	c = conf_open("transient", "profile=transient", 1);
	if (!c)
		return;
	CONF_OK(psp_platform_status(c->p, &st, &e), &e);
	CU_ASSERT_EQUAL(st.state, FW_PLAT_UNINIT);
	/* 2025 kernels: an ioctl that had to INIT shuts the platform down before returning */
	export(c, pdh, chain);
	CONF_OK(psp_platform_status(c->p, &st, &e), &e);
	CU_ASSERT_EQUAL(st.state, FW_PLAT_UNINIT);
	CONF_OK(psp_pdh_gen(c->p, &e), &e);
	CONF_OK(psp_platform_status(c->p, &st, &e), &e);
	CU_ASSERT_EQUAL(st.state, FW_PLAT_UNINIT);
	/* and what it did persisted */
	export(c, pdh2, chain);
	CU_ASSERT_NOT_EQUAL(memcmp(pdh, pdh2, PSP_CERT_LEN), 0);
	conf_close(c);
}

static void test_profile_lazy_readonly_export(void)
{
	static uint8_t pdh[PSP_CERT_LEN], chain[PSP_CERT_CHAIN_LEN];
	struct sev_user_data_status st;
	struct psp *ro;
	struct psp_err e;
	char uri[800];
	struct conf *c;
	int rc;

	c = conf_open("lazy-ro", "profile=lazy", 1);
	if (!c)
		return;
	snprintf(uri, sizeof(uri), "%s&ro", c->uri);
	psp_close(c->p);
	c->p = NULL;
	CONF_OK(psp_open(uri, &ro, &e), &e);
	/* PDH_CERT_EXPORT on an UNINIT platform needs an INIT, which needs write access */
	rc = psp_pdh_cert_export(ro, pdh, chain, &e);
	CONF_ERR(rc, &e, EPERM, -1);
	CONF_OK(psp_platform_status(ro, &st, &e), &e);
	CU_ASSERT_EQUAL(st.state, FW_PLAT_UNINIT);
	psp_close(ro);
	conf_close(c);
}

TEST_SUITE(platform, NULL, NULL,
	   TEST(test_status_fields),
	   TEST(test_status_uninit_reads_zero),
	   TEST(test_pek_csr_length_query),
	   TEST(test_pek_csr_is_pek_body),
	   TEST(test_pdh_export_length_queries),
	   TEST(test_pdh_chain_verifies),
	   TEST(test_get_id),
	   TEST(test_unknown_commands),
	   TEST(test_readonly_descriptor),
	   TEST(test_pek_gen_regenerates),
	   TEST(test_pdh_gen),
	   TEST(test_ownership_workflow),
	   TEST(test_pek_cert_import_rejects),
	   TEST(test_factory_reset),
	   TEST(test_factory_reset_busy_with_guests),
	   TEST(test_persistence_across_power_cycle),
	   TEST(test_profile_lazy_implicit_init),
	   TEST(test_profile_transient_implicit_init),
	   TEST(test_profile_lazy_readonly_export))
