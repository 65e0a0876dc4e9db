/* The SEV certificate codec and the firmware's validation rules (spec §5.2, §5.3),
 * on the real Naples and Rome platform certificates (vectors.md §4) and on
 * certificates built and signed here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/cert/amd_cert.h"
#include "emu/cert/sev_cert.h"
#include "emu/crypto/pkey.h"
#include "emu/crypto/symm.h"
#include "emu/fw/status.h"
#include "emu/util/bytes.h"
#include "emu/util/hex.h"
#include "harness/testlib/testlib.h"

EVP_PKEY *test_rsa_key(unsigned bits, int which); /* test_pkey_keys.c */

struct plat_row {
	const char *gen, *name;
	uint8_t api_major, api_minor;
	uint32_t usage, algo, s1_usage, s1_algo, s2_usage, s2_algo;
	const char *sha256;
};

/* vectors.md §4. */
static const struct plat_row plat[] = {
	{ "naples", "cek", 0, 14, 0x1004, 2, 0x13, 0x001, 0x1000, 0,
	  "cbecc40f5b7d7e988fe7e4af20195cc540404eb685a2b49df0160781d04cf8f4" },
	{ "naples", "oca", 0, 16, 0x1001, 2, 0x1001, 2, 0x1000, 0,
	  "dfa8331592774030cc38716ee0d436aba269d7c17c78e2a261f19e967377c34c" },
	{ "naples", "pek", 0, 16, 0x1002, 2, 0x1001, 2, 0x1004, 2,
	  "31243368c2046fbf48e51a73075c33e69600cee1876919869f0383a94e8df558" },
	{ "naples", "pdh", 0, 16, 0x1003, 3, 0x1002, 2, 0x1000, 0,
	  "34b11563c32bd17b4e2b4b8205301af64e7bd06a85e2a6ada789bc9d5dfd9932" },
	{ "rome", "cek", 0, 14, 0x1004, 2, 0x13, 0x101, 0x1000, 0,
	  "bfac4879e3855bf74b5e7841c46fbe02ee07808400ceb3eeccc9454d07e6eed5" },
	{ "rome", "oca", 0, 22, 0x1001, 2, 0x1001, 2, 0x1000, 0,
	  "fb72952d5c8640f0c144d3e250f5791c8b21d384071b75823430aaba69d9ad46" },
	{ "rome", "pek", 0, 22, 0x1002, 2, 0x1001, 2, 0x1004, 2,
	  "fd5eb12d0175c91bcb83142811124ceba4f3f530307a2471fcbd633e5aead794" },
	{ "rome", "pdh", 0, 22, 0x1003, 3, 0x1002, 2, 0x1000, 0,
	  "62147c9375cb6cee32dbbf957d1b427e660c6dab2e6637c5f6c0e2c8f3345eed" },
};

static const char *const gens[] = { "naples", "rome" };

static void load(const char *gen, const char *name, struct sev_cert *c)
{
	char path[128];
	size_t len = 0;
	uint8_t *b;

	snprintf(path, sizeof(path), "vectors/certs/platform/%s/%s.cert", gen, name);
	b = test_read_file(path, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_EQUAL_FATAL(len, SEV_CERT_LEN);
	memcpy(c->raw, b, SEV_CERT_LEN);
	free(b);
}

static int all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

static struct rng *seeded(const char *s)
{
	struct rng *r = rng_new_seeded((const uint8_t *)s, strlen(s), "test-sev-cert");

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	return r;
}

static void test_real_files(void)
{
	for (size_t i = 0; i < sizeof(plat) / sizeof(plat[0]); i++) {
		const struct plat_row *p = &plat[i];
		uint8_t d[32], w[32];
		struct sev_cert c;

		load(p->gen, p->name, &c);
		CU_ASSERT_EQUAL(sha256(c.raw, sizeof(c.raw), d), 0);
		CU_ASSERT_EQUAL_FATAL(hex_decode(p->sha256, w, 32), 0);
		CU_ASSERT_BYTES_EQUAL(d, w, 32);
		CU_ASSERT_EQUAL(sev_cert_version(&c), 1);
		CU_ASSERT_EQUAL(sev_cert_api_major(&c), p->api_major);
		CU_ASSERT_EQUAL(sev_cert_api_minor(&c), p->api_minor);
		CU_ASSERT_EQUAL(sev_cert_usage(&c), p->usage);
		CU_ASSERT_EQUAL(sev_cert_algo(&c), p->algo);
		CU_ASSERT_EQUAL(sev_cert_sig_usage(&c, 0), p->s1_usage);
		CU_ASSERT_EQUAL(sev_cert_sig_algo(&c, 0), p->s1_algo);
		CU_ASSERT_EQUAL(sev_cert_sig_usage(&c, 1), p->s2_usage);
		CU_ASSERT_EQUAL(sev_cert_sig_algo(&c, 1), p->s2_algo);
		CU_ASSERT_EQUAL(le32_get(c.raw + SEV_CERT_OFF_EC_CURVE), SEV_EC_CURVE_P384);
		/* §4: reserved bytes, unused key bytes and empty-slot bytes are zero. */
		CU_ASSERT_TRUE(all_zero(c.raw + 6, 2));
		CU_ASSERT_TRUE(all_zero(c.raw + 0xA4, 0x414 - 0xA4));
		CU_ASSERT_TRUE(all_zero(c.raw + SEV_CERT_OFF_EC_QX + P384_LEN, SEV_COORD_LEN - P384_LEN));
		CU_ASSERT_TRUE(all_zero(c.raw + SEV_CERT_OFF_EC_QY + P384_LEN, SEV_COORD_LEN - P384_LEN));
		for (int s = 0; s < 2; s++) {
			const uint8_t *sig = c.raw + SEV_CERT_OFF_SIG(s) + 8;
			uint32_t a = sev_cert_sig_algo(&c, s);
			size_t used = a == 0 ? 0 : a == 2 ? 2 * SEV_COORD_LEN : (a == 1 ? 256 : 512);

			CU_ASSERT_TRUE(all_zero(sig + used, SEV_CERT_SIG_LEN - used));
		}
		CU_ASSERT_EQUAL(sev_cert_validate_body(&c, NULL), SEV_STATUS_SUCCESS);
		CU_ASSERT_EQUAL(sev_cert_empty_slot(&c), p->s2_usage == 0x1000 ? 1 : -1);
	}
}

static void test_real_signatures(void)
{
	for (size_t g = 0; g < 2; g++) {
		struct sev_cert oca, pek, pdh, cek;
		const char *why = NULL;

		load(gens[g], "oca", &oca);
		load(gens[g], "pek", &pek);
		load(gens[g], "pdh", &pdh);
		load(gens[g], "cek", &cek);
		CU_ASSERT_STATUS(sev_cert_validate_by(&oca, &oca, &why), SEV_STATUS_SUCCESS);
		CU_ASSERT_STATUS(sev_cert_validate_by(&pek, &oca, &why), SEV_STATUS_SUCCESS);
		CU_ASSERT_STATUS(sev_cert_validate_by(&pek, &cek, &why), SEV_STATUS_SUCCESS);
		CU_ASSERT_STATUS(sev_cert_validate_by(&pdh, &pek, &why), SEV_STATUS_SUCCESS);
		CU_ASSERT_STATUS(sev_cert_sanity_dh(&pdh, &why), SEV_STATUS_SUCCESS);
		/* Wrong signer: no slot carries its (usage, algo). */
		CU_ASSERT_STATUS(sev_cert_validate_by(&pdh, &oca, &why), SEV_STATUS_INVALID_CERTIFICATE);
		CU_ASSERT_PTR_NOT_NULL(why);
		CU_ASSERT_STATUS(sev_cert_validate_by(&pek, &pdh, &why), SEV_STATUS_INVALID_CERTIFICATE);
		CU_ASSERT_STATUS(sev_cert_validate_by(&oca, &pek, &why), SEV_STATUS_INVALID_CERTIFICATE);
		CU_ASSERT_STATUS(sev_cert_validate_by(&cek, &cek, &why), SEV_STATUS_INVALID_CERTIFICATE);
		/* Not a DH certificate. */
		CU_ASSERT_STATUS(sev_cert_sanity_dh(&pek, &why), SEV_STATUS_INVALID_CERTIFICATE);
	}
}

/* A changed signed byte or signature byte breaks the signature; the signature is
 * checked before anything else, so even a byte of the key gives BAD_SIGNATURE. */
static void test_real_tamper(void)
{
	static const size_t body_pos[] = { 0x006, 0x014, 0x05C, 0x200, 0x413 };

	for (size_t g = 0; g < 2; g++) {
		struct sev_cert oca, pek, pdh, cek, t;
		const struct {
			struct sev_cert *c, *signer;
			int slot;
		} pairs[] = { { &oca, &oca, 0 }, { &pek, &oca, 0 }, { &pek, &cek, 1 }, { &pdh, &pek, 0 } };

		load(gens[g], "oca", &oca);
		load(gens[g], "pek", &pek);
		load(gens[g], "pdh", &pdh);
		load(gens[g], "cek", &cek);
		for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
			const char *why = NULL;

			for (size_t b = 0; b < sizeof(body_pos) / sizeof(body_pos[0]); b++) {
				t = *pairs[i].c;
				t.raw[body_pos[b]] ^= 0x01;
				/* Self-signed: the signer changes with the body (OCA, key bytes). */
				CU_ASSERT_STATUS(sev_cert_validate_by(&t, pairs[i].c == pairs[i].signer ? &t : pairs[i].signer,
								      &why),
						 (pairs[i].c == pairs[i].signer && (body_pos[b] == 0x014 || body_pos[b] == 0x05C))
							 ? SEV_STATUS_INVALID_CERTIFICATE
							 : SEV_STATUS_BAD_SIGNATURE);
			}
			/* r, then s, of the matching slot. */
			t = *pairs[i].c;
			t.raw[SEV_CERT_OFF_SIG(pairs[i].slot) + 8 + 3] ^= 0x40;
			CU_ASSERT_STATUS(sev_cert_validate_by(&t, pairs[i].signer == pairs[i].c ? &t : pairs[i].signer,
							      &why),
					 SEV_STATUS_BAD_SIGNATURE);
			t = *pairs[i].c;
			t.raw[SEV_CERT_OFF_SIG(pairs[i].slot) + 8 + SEV_COORD_LEN + 20] ^= 0x40;
			CU_ASSERT_STATUS(sev_cert_validate_by(&t, pairs[i].signer == pairs[i].c ? &t : pairs[i].signer,
							      &why),
					 SEV_STATUS_BAD_SIGNATURE);
			CU_ASSERT_PTR_NOT_NULL(why);
		}
		/* The PEK's other slot is not consulted for a given signer. */
		t = pek;
		t.raw[SEV_CERT_OFF_SIG(1) + 8 + 3] ^= 0x40; /* break the CEK signature */
		CU_ASSERT_STATUS(sev_cert_validate_by(&t, &oca, NULL), SEV_STATUS_SUCCESS);
		CU_ASSERT_STATUS(sev_cert_validate_by(&t, &cek, NULL), SEV_STATUS_BAD_SIGNATURE);
	}
}

/* A slot with exactly one of (usage 0x1000, algo 0) is malformed: BAD_SIGNATURE,
 * and a malformed first slot stops the walk before any signature check. */
static void test_inconsistent_slot(void)
{
	struct sev_cert oca, pek, pdh, t;
	const char *why = NULL;

	load("rome", "oca", &oca);
	load("rome", "pek", &pek);
	load("rome", "pdh", &pdh);
	t = pdh;
	le32_put(t.raw + SEV_CERT_OFF_SIG(1) + 4, 2); /* usage 0x1000, algo 2 */
	CU_ASSERT_STATUS(sev_cert_validate_by(&t, &pek, &why), SEV_STATUS_BAD_SIGNATURE);
	CU_ASSERT_PTR_NOT_NULL(why);
	t = pdh;
	le32_put(t.raw + SEV_CERT_OFF_SIG(1), SEV_USAGE_PEK); /* usage PEK, algo 0 */
	CU_ASSERT_STATUS(sev_cert_validate_by(&t, &pek, &why), SEV_STATUS_BAD_SIGNATURE);
	t = oca;
	le32_put(t.raw + SEV_CERT_OFF_SIG(0) + 4, 0); /* usage OCA, algo 0 */
	CU_ASSERT_STATUS(sev_cert_validate_by(&t, &oca, &why), SEV_STATUS_BAD_SIGNATURE);
	/* Malformed even when the signer matches nothing. */
	CU_ASSERT_STATUS(sev_cert_validate_by(&t, &pdh, &why), SEV_STATUS_BAD_SIGNATURE);
}

static void off_curve(struct sev_cert *c)
{
	c->raw[SEV_CERT_OFF_EC_QX + 5] ^= 0x10;
}

static void test_point_off_curve(void)
{
	struct sev_cert pek, pdh, t;
	const char *why = NULL;

	load("naples", "pek", &pek);
	load("naples", "pdh", &pdh);
	/* A signer whose key is not a P-384 point. */
	t = pek;
	off_curve(&t);
	CU_ASSERT_STATUS(sev_cert_validate_by(&pdh, &t, &why), SEV_STATUS_INVALID_CERTIFICATE);
	CU_ASSERT_STATUS(sev_cert_validate_body(&t, &why), SEV_STATUS_INVALID_CERTIFICATE);
	/* A peer DH certificate with a bad point. */
	t = pdh;
	off_curve(&t);
	CU_ASSERT_STATUS(sev_cert_sanity_dh(&t, &why), SEV_STATUS_INVALID_CERTIFICATE);
	/* Non-zero coordinate padding, and a curve other than P-384. */
	t = pdh;
	t.raw[SEV_CERT_OFF_EC_QY + P384_LEN + 2] = 1;
	CU_ASSERT_STATUS(sev_cert_sanity_dh(&t, &why), SEV_STATUS_INVALID_CERTIFICATE);
	t = pdh;
	le32_put(t.raw + SEV_CERT_OFF_EC_CURVE, 1);
	CU_ASSERT_STATUS(sev_cert_sanity_dh(&t, &why), SEV_STATUS_INVALID_CERTIFICATE);
	t = pdh;
	le32_put(t.raw, 2);
	CU_ASSERT_STATUS(sev_cert_sanity_dh(&t, &why), SEV_STATUS_INVALID_CERTIFICATE);
}

/* ---- certificates built here ----------------------------------------------------- */

struct plat_keys {
	EVP_PKEY *oca, *pek, *pdh, *cek;
	struct sev_cert c_oca, c_pek, c_pdh, c_cek;
};

/* A self-owned platform's set as the firmware makes it: OCA self-signed, PEK by
 * OCA then CEK, PDH by PEK, CEK by the (RSA) ASK. */
static void make_platform(struct rng *r, EVP_PKEY *ask, uint32_t ask_algo, struct plat_keys *k)
{
	k->oca = ec_p384_generate(r);
	k->pek = ec_p384_generate(r);
	k->pdh = ec_p384_generate(r);
	k->cek = ec_p384_generate(r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(k->oca);
	CU_ASSERT_PTR_NOT_NULL_FATAL(k->pek);
	CU_ASSERT_PTR_NOT_NULL_FATAL(k->pdh);
	CU_ASSERT_PTR_NOT_NULL_FATAL(k->cek);
	CU_ASSERT_EQUAL(sev_cert_build(&k->c_oca, 0, 24, SEV_USAGE_OCA, SEV_ALGO_ECDSA_SHA256, k->oca), 0);
	CU_ASSERT_EQUAL(sev_cert_sign(&k->c_oca, 0, SEV_USAGE_OCA, SEV_ALGO_ECDSA_SHA256, k->oca, r), 0);
	CU_ASSERT_EQUAL(sev_cert_build(&k->c_cek, 0, 24, SEV_USAGE_CEK, SEV_ALGO_ECDSA_SHA256, k->cek), 0);
	CU_ASSERT_EQUAL(sev_cert_sign(&k->c_cek, 0, SEV_USAGE_ASK, ask_algo, ask, r), 0);
	CU_ASSERT_EQUAL(sev_cert_build(&k->c_pek, 0, 24, SEV_USAGE_PEK, SEV_ALGO_ECDSA_SHA256, k->pek), 0);
	CU_ASSERT_EQUAL(sev_cert_sign(&k->c_pek, 0, SEV_USAGE_OCA, SEV_ALGO_ECDSA_SHA256, k->oca, r), 0);
	CU_ASSERT_EQUAL(sev_cert_sign(&k->c_pek, 1, SEV_USAGE_CEK, SEV_ALGO_ECDSA_SHA256, k->cek, r), 0);
	CU_ASSERT_EQUAL(sev_cert_build(&k->c_pdh, 0, 24, SEV_USAGE_PDH, SEV_ALGO_ECDH_SHA256, k->pdh), 0);
	CU_ASSERT_EQUAL(sev_cert_sign(&k->c_pdh, 0, SEV_USAGE_PEK, SEV_ALGO_ECDSA_SHA256, k->pek, r), 0);
}

static void free_platform(struct plat_keys *k)
{
	EVP_PKEY_free(k->oca);
	EVP_PKEY_free(k->pek);
	EVP_PKEY_free(k->pdh);
	EVP_PKEY_free(k->cek);
}

static void ask_pubkey(EVP_PKEY *ask, uint32_t algo, struct sev_pubkey *pk)
{
	uint8_t mod[512], exp[512];
	unsigned n = rsa_bits(ask) / 8;

	CU_ASSERT_EQUAL_FATAL(rsa_to_le(ask, mod, n, exp, n), 0);
	pk->usage = SEV_USAGE_ASK;
	pk->algo = algo;
	pk->key = rsa_from_le(mod, n, exp, n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pk->key);
}

static void check_platform(struct plat_keys *k, EVP_PKEY *ask, uint32_t ask_algo)
{
	struct sev_pubkey apk;
	const char *why = NULL;

	CU_ASSERT_STATUS(sev_cert_validate_by(&k->c_oca, &k->c_oca, &why), SEV_STATUS_SUCCESS);
	CU_ASSERT_STATUS(sev_cert_validate_by(&k->c_pek, &k->c_oca, &why), SEV_STATUS_SUCCESS);
	CU_ASSERT_STATUS(sev_cert_validate_by(&k->c_pek, &k->c_cek, &why), SEV_STATUS_SUCCESS);
	CU_ASSERT_STATUS(sev_cert_validate_by(&k->c_pdh, &k->c_pek, &why), SEV_STATUS_SUCCESS);
	CU_ASSERT_STATUS(sev_cert_sanity_dh(&k->c_pdh, &why), SEV_STATUS_SUCCESS);
	ask_pubkey(ask, ask_algo, &apk);
	CU_ASSERT_STATUS(sev_cert_validate(&k->c_cek, &apk, &why), SEV_STATUS_SUCCESS);
	/* Other hash named by the signer: no matching slot. */
	apk.algo = ask_algo == SEV_ALGO_RSA_SHA384 ? SEV_ALGO_RSA_SHA256 : SEV_ALGO_RSA_SHA384;
	CU_ASSERT_STATUS(sev_cert_validate(&k->c_cek, &apk, &why), SEV_STATUS_INVALID_CERTIFICATE);
	sev_pubkey_clear(&apk);
	CU_ASSERT_PTR_NULL(apk.key);
}

static void test_round_trip(void)
{
	struct rng *r = seeded("platform");
	struct plat_keys k;

	make_platform(r, test_rsa_key(4096, 0), SEV_ALGO_RSA_SHA384, &k);
	check_platform(&k, test_rsa_key(4096, 0), SEV_ALGO_RSA_SHA384);
	free_platform(&k);
	/* A Naples-shaped CEK: 2048-bit ASK, RSA_SHA256. */
	make_platform(r, test_rsa_key(2048, 0), SEV_ALGO_RSA_SHA256, &k);
	check_platform(&k, test_rsa_key(2048, 0), SEV_ALGO_RSA_SHA256);
	free_platform(&k);
	rng_free(r);
}

static void test_deterministic(void)
{
	struct rng *a = seeded("same"), *b = seeded("same"), *c = seeded("other");
	struct plat_keys ka, kb, kc;
	EVP_PKEY *ask = test_rsa_key(2048, 1);

	make_platform(a, ask, SEV_ALGO_RSA_SHA256, &ka);
	make_platform(b, ask, SEV_ALGO_RSA_SHA256, &kb);
	make_platform(c, ask, SEV_ALGO_RSA_SHA256, &kc);
	CU_ASSERT_BYTES_EQUAL(ka.c_oca.raw, kb.c_oca.raw, SEV_CERT_LEN);
	CU_ASSERT_BYTES_EQUAL(ka.c_pek.raw, kb.c_pek.raw, SEV_CERT_LEN);
	CU_ASSERT_BYTES_EQUAL(ka.c_pdh.raw, kb.c_pdh.raw, SEV_CERT_LEN);
	CU_ASSERT_BYTES_EQUAL(ka.c_cek.raw, kb.c_cek.raw, SEV_CERT_LEN);
	CU_ASSERT_NOT_EQUAL(memcmp(ka.c_oca.raw, kc.c_oca.raw, SEV_CERT_LEN), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(ka.c_cek.raw + SEV_CERT_OFF_SIG(0), kc.c_cek.raw + SEV_CERT_OFF_SIG(0),
				   0x208), 0);
	/* Same key, other nonce stream: only the signature differs. */
	CU_ASSERT_BYTES_EQUAL(ka.c_pdh.raw, kb.c_pdh.raw, SEV_CERT_BODY_LEN);
	free_platform(&ka);
	free_platform(&kb);
	free_platform(&kc);
	rng_free(a);
	rng_free(b);
	rng_free(c);
}

/* Validly signed, wrong family: the parent rule gives INVALID_CERTIFICATE. */
static void test_parent_rule(void)
{
	struct rng *r = seeded("parents");
	EVP_PKEY *k = ec_p384_generate(r), *s = ec_p384_generate(r);
	struct sev_cert c, sc;
	const char *why = NULL;
	static const struct {
		uint32_t usage, algo, signer_usage;
		uint32_t want;
	} cases[] = {
		{ SEV_USAGE_PDH, SEV_ALGO_ECDH_SHA256, SEV_USAGE_OCA, SEV_STATUS_INVALID_CERTIFICATE },
		{ SEV_USAGE_PDH, SEV_ALGO_ECDH_SHA256, SEV_USAGE_PEK, SEV_STATUS_SUCCESS },
		{ SEV_USAGE_PEK, SEV_ALGO_ECDSA_SHA256, SEV_USAGE_PEK, SEV_STATUS_INVALID_CERTIFICATE },
		{ SEV_USAGE_PEK, SEV_ALGO_ECDSA_SHA256, SEV_USAGE_CEK, SEV_STATUS_SUCCESS },
		{ SEV_USAGE_OCA, SEV_ALGO_ECDSA_SHA256, SEV_USAGE_CEK, SEV_STATUS_INVALID_CERTIFICATE },
		{ SEV_USAGE_CEK, SEV_ALGO_ECDSA_SHA256, SEV_USAGE_OCA, SEV_STATUS_INVALID_CERTIFICATE },
		{ SEV_USAGE_CEK, SEV_ALGO_ECDSA_SHA256, SEV_USAGE_ASK, SEV_STATUS_SUCCESS },
		{ SEV_USAGE_ASK, SEV_ALGO_ECDSA_SHA256, SEV_USAGE_OCA, SEV_STATUS_INVALID_CERTIFICATE },
		{ SEV_USAGE_ARK, SEV_ALGO_ECDSA_SHA256, SEV_USAGE_OCA, SEV_STATUS_INVALID_CERTIFICATE },
	};

	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sev_pubkey pk = { cases[i].signer_usage, SEV_ALGO_ECDSA_SHA256, s };

		CU_ASSERT_EQUAL(sev_cert_build(&c, 0, 24, cases[i].usage, cases[i].algo, k), 0);
		CU_ASSERT_EQUAL(sev_cert_sign(&c, 0, cases[i].signer_usage, SEV_ALGO_ECDSA_SHA256, s, r), 0);
		CU_ASSERT_STATUS(sev_cert_validate(&c, &pk, &why), cases[i].want);
	}
	/* A usage the firmware does not know is an invalid body. */
	CU_ASSERT_EQUAL(sev_cert_build(&c, 0, 24, 0x1005, SEV_ALGO_ECDSA_SHA256, k), 0);
	CU_ASSERT_EQUAL(sev_cert_sign(&c, 0, SEV_USAGE_OCA, SEV_ALGO_ECDSA_SHA256, s, r), 0);
	CU_ASSERT_EQUAL(sev_cert_build(&sc, 0, 24, SEV_USAGE_OCA, SEV_ALGO_ECDSA_SHA256, s), 0);
	CU_ASSERT_STATUS(sev_cert_validate_by(&c, &sc, &why), SEV_STATUS_INVALID_CERTIFICATE);
	/* A validly signed certificate whose own point is off the curve: the body check
	 * after the signature catches it. */
	CU_ASSERT_EQUAL(sev_cert_build(&c, 0, 24, SEV_USAGE_PDH, SEV_ALGO_ECDH_SHA256, k), 0);
	off_curve(&c);
	CU_ASSERT_EQUAL(sev_cert_sign(&c, 0, SEV_USAGE_PEK, SEV_ALGO_ECDSA_SHA256, s, r), 0);
	{
		struct sev_pubkey pk = { SEV_USAGE_PEK, SEV_ALGO_ECDSA_SHA256, s };
		CU_ASSERT_STATUS(sev_cert_validate(&c, &pk, &why), SEV_STATUS_INVALID_CERTIFICATE);
		/* An empty-slot usage is not a signer. */
		pk.usage = SEV_USAGE_INVALID;
		CU_ASSERT_STATUS(sev_cert_validate(&c, &pk, &why), SEV_STATUS_INVALID_CERTIFICATE);
	}
	EVP_PKEY_free(k);
	EVP_PKEY_free(s);
	rng_free(r);
}

/* Two slots with the signer's (usage, algo): the last one decides ([FW] "could
 * have same algo/usage but different parent"). */
static void test_two_matching_slots(void)
{
	struct rng *r = seeded("two");
	EVP_PKEY *k = ec_p384_generate(r), *a = ec_p384_generate(r), *b = ec_p384_generate(r);
	struct sev_pubkey pa = { SEV_USAGE_OCA, SEV_ALGO_ECDSA_SHA256, a }, pb = { SEV_USAGE_OCA, SEV_ALGO_ECDSA_SHA256, b };
	struct sev_cert c;

	CU_ASSERT_EQUAL(sev_cert_build(&c, 0, 24, SEV_USAGE_PEK, SEV_ALGO_ECDSA_SHA256, k), 0);
	CU_ASSERT_EQUAL(sev_cert_sign(&c, 0, SEV_USAGE_OCA, SEV_ALGO_ECDSA_SHA256, a, r), 0);
	CU_ASSERT_EQUAL(sev_cert_sign(&c, 1, SEV_USAGE_OCA, SEV_ALGO_ECDSA_SHA256, b, r), 0);
	CU_ASSERT_STATUS(sev_cert_validate(&c, &pb, NULL), SEV_STATUS_SUCCESS);
	CU_ASSERT_STATUS(sev_cert_validate(&c, &pa, NULL), SEV_STATUS_BAD_SIGNATURE);
	EVP_PKEY_free(k);
	EVP_PKEY_free(a);
	EVP_PKEY_free(b);
	rng_free(r);
}

/* An ECDH key named as the signer: the firmware's "unsupported" default. */
static void test_ecdh_signer(void)
{
	struct sev_cert pdh, t;
	struct sev_pubkey pk;

	load("rome", "pdh", &pdh);
	t = pdh;
	le32_put(t.raw + SEV_CERT_OFF_SIG(1), SEV_USAGE_PDH);
	le32_put(t.raw + SEV_CERT_OFF_SIG(1) + 4, SEV_ALGO_ECDH_SHA256);
	CU_ASSERT_STATUS(sev_cert_pubkey(&pdh, &pk, NULL), SEV_STATUS_SUCCESS);
	CU_ASSERT_STATUS(sev_cert_validate(&t, &pk, NULL), SEV_STATUS_UNSUPPORTED);
	sev_pubkey_clear(&pk);
}

static void test_sha384_signer(void)
{
	struct rng *r = seeded("384");
	EVP_PKEY *k = ec_p384_generate(r), *s = ec_p384_generate(r);
	struct sev_pubkey pk = { SEV_USAGE_PEK, SEV_ALGO_ECDSA_SHA384, s };
	struct sev_cert c;

	CU_ASSERT_EQUAL(sev_cert_build(&c, 0, 24, SEV_USAGE_PDH, SEV_ALGO_ECDH_SHA384, k), 0);
	CU_ASSERT_EQUAL(sev_cert_sign(&c, 0, SEV_USAGE_PEK, SEV_ALGO_ECDSA_SHA384, s, r), 0);
	CU_ASSERT_STATUS(sev_cert_validate(&c, &pk, NULL), SEV_STATUS_SUCCESS);
	/* A mislabelled slot (SHA-256 claimed, SHA-384 used) fails. */
	le32_put(c.raw + SEV_CERT_OFF_SIG(0) + 4, SEV_ALGO_ECDSA_SHA256);
	pk.algo = SEV_ALGO_ECDSA_SHA256;
	CU_ASSERT_STATUS(sev_cert_validate(&c, &pk, NULL), SEV_STATUS_BAD_SIGNATURE);
	/* Only ECDH_SHA256 is a valid peer DH certificate. */
	CU_ASSERT_STATUS(sev_cert_sanity_dh(&c, NULL), SEV_STATUS_INVALID_CERTIFICATE);
	EVP_PKEY_free(k);
	EVP_PKEY_free(s);
	rng_free(r);
}

/* The guest owner's DH certificate: api 0.0, no signatures, accepted by the
 * firmware's sanity check. */
static void test_godh(void)
{
	struct rng *r = seeded("godh");
	EVP_PKEY *k = ec_p384_generate(r);
	struct sev_pubkey pk;
	struct sev_cert c;
	uint8_t z1[48];
	EVP_PKEY *pdh = ec_p384_generate(r);

	CU_ASSERT_EQUAL(sev_cert_build(&c, 0, 0, SEV_USAGE_PDH, SEV_ALGO_ECDH_SHA256, k), 0);
	CU_ASSERT_EQUAL(sev_cert_empty_slot(&c), 0);
	CU_ASSERT_EQUAL(sev_cert_sig_usage(&c, 1), SEV_USAGE_INVALID);
	CU_ASSERT_EQUAL(sev_cert_sig_algo(&c, 1), SEV_ALGO_INVALID);
	CU_ASSERT_STATUS(sev_cert_sanity_dh(&c, NULL), SEV_STATUS_SUCCESS);
	/* The key read back from the certificate agrees on Z. */
	CU_ASSERT_STATUS(sev_cert_pubkey(&c, &pk, NULL), SEV_STATUS_SUCCESS);
	CU_ASSERT_EQUAL(ec_p384_ecdh(pdh, pk.key, z1), 0);
	CU_ASSERT_EQUAL(EVP_PKEY_eq(pk.key, k), 1);
	sev_pubkey_clear(&pk);
	CU_ASSERT_STATUS(sev_cert_pubkey(&c, &pk, NULL), SEV_STATUS_SUCCESS);
	sev_pubkey_clear(&pk);
	EVP_PKEY_free(k);
	EVP_PKEY_free(pdh);
	rng_free(r);
}

/* vectors.md §2: the composite PDH's certificate fields at 0x14 and 0x5C. */
static void test_composite_pdh_fields(void)
{
	uint8_t h[48], w[SEV_COORD_LEN];
	struct sev_cert c;
	EVP_PKEY *k;

	CU_ASSERT_EQUAL_FATAL(sha384("emu-pdh", 7, h), 0);
	k = ec_p384_from_bytes(h, sizeof(h), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	CU_ASSERT_EQUAL_FATAL(sev_cert_build(&c, 0, 24, SEV_USAGE_PDH, SEV_ALGO_ECDH_SHA256, k), 0);
	CU_ASSERT_EQUAL_FATAL(hex_decode("0a615800c894cfb16353071d310f5cdfa68d52e8a933863bb8ce01cfda32b333"
					 "0cf2931f20002437ca3bf496875f8157000000000000000000000000000000000000000000000000",
					 w, sizeof(w)), 0);
	CU_ASSERT_BYTES_EQUAL(c.raw + 0x14, w, sizeof(w));
	CU_ASSERT_EQUAL_FATAL(hex_decode("61d89e0db0013114d2d55d34ec7e5d57301010033cbd8d4c371dd09fe8ba8092"
					 "5ebc8e0d2be238f7b498efedb128c3cf000000000000000000000000000000000000000000000000",
					 w, sizeof(w)), 0);
	CU_ASSERT_BYTES_EQUAL(c.raw + 0x5C, w, sizeof(w));
	CU_ASSERT_EQUAL(le32_get(c.raw + 0x10), SEV_EC_CURVE_P384);
	CU_ASSERT_EQUAL(sev_cert_sig_usage(&c, 0), SEV_USAGE_INVALID);
	CU_ASSERT_STATUS(sev_cert_sanity_dh(&c, NULL), SEV_STATUS_SUCCESS);
	EVP_PKEY_free(k);
}

static void test_codec_misc(void)
{
	struct rng *r = seeded("misc");
	EVP_PKEY *ec = ec_p384_generate(r), *rsa = test_rsa_key(2048, 0);
	struct sev_pubkey pk;
	struct sev_cert c;
	const char *why = NULL;

	CU_ASSERT_STRING_EQUAL(sev_usage_name(SEV_USAGE_PEK), "PEK");
	CU_ASSERT_STRING_EQUAL(sev_usage_name(SEV_USAGE_ASK), "ASK");
	CU_ASSERT_STRING_EQUAL(sev_usage_name(0x77), "UNKNOWN");
	CU_ASSERT_STRING_EQUAL(sev_algo_name(SEV_ALGO_ECDH_SHA256), "ECDH_SHA256");
	CU_ASSERT_STRING_EQUAL(sev_algo_name(SEV_ALGO_RSA_SHA384), "RSA_SHA384");
	CU_ASSERT_STRING_EQUAL(sev_algo_name(0x55), "UNKNOWN");
	/* Key type and algorithm must agree. */
	CU_ASSERT_EQUAL(sev_cert_build(&c, 0, 24, SEV_USAGE_PEK, SEV_ALGO_ECDSA_SHA256, rsa), -1);
	CU_ASSERT_EQUAL(sev_cert_build(&c, 0, 24, SEV_USAGE_PEK, SEV_ALGO_RSA_SHA256, ec), -1);
	CU_ASSERT_EQUAL(sev_cert_build(&c, 0, 24, SEV_USAGE_PEK, 0x77, ec), -1);
	/* An RSA public key in an SEV certificate round-trips. */
	CU_ASSERT_EQUAL(sev_cert_build(&c, 0, 24, SEV_USAGE_CEK, SEV_ALGO_RSA_SHA256, rsa), 0);
	CU_ASSERT_EQUAL(le32_get(c.raw + SEV_CERT_OFF_RSA_BITS), 2048);
	CU_ASSERT_STATUS(sev_cert_pubkey(&c, &pk, &why), SEV_STATUS_SUCCESS);
	CU_ASSERT_EQUAL(EVP_PKEY_eq(pk.key, rsa), 1);
	sev_pubkey_clear(&pk);
	le32_put(c.raw + SEV_CERT_OFF_RSA_BITS, 4104);
	CU_ASSERT_STATUS(sev_cert_pubkey(&c, &pk, &why), SEV_STATUS_INVALID_CERTIFICATE);
	sev_pubkey_clear(&pk);
	/* ECDH keys cannot sign; slots are 0 or 1. */
	CU_ASSERT_EQUAL(sev_cert_build(&c, 0, 24, SEV_USAGE_PDH, SEV_ALGO_ECDH_SHA256, ec), 0);
	CU_ASSERT_EQUAL(sev_cert_sign(&c, 0, SEV_USAGE_PDH, SEV_ALGO_ECDH_SHA256, ec, r), -1);
	CU_ASSERT_EQUAL(sev_cert_sign(&c, 2, SEV_USAGE_PEK, SEV_ALGO_ECDSA_SHA256, ec, r), -1);
	CU_ASSERT_EQUAL(sev_cert_sign(&c, 1, SEV_USAGE_PEK, SEV_ALGO_ECDSA_SHA256, ec, r), 0);
	CU_ASSERT_EQUAL(sev_cert_empty_slot(&c), 0);
	CU_ASSERT_EQUAL(sev_cert_sign(&c, 0, SEV_USAGE_PEK, SEV_ALGO_ECDSA_SHA256, ec, r), 0);
	CU_ASSERT_EQUAL(sev_cert_empty_slot(&c), -1);
	sev_cert_clear_sig(&c, 1);
	CU_ASSERT_EQUAL(sev_cert_empty_slot(&c), 1);
	CU_ASSERT_TRUE(all_zero(c.raw + SEV_CERT_OFF_SIG(1) + 8, SEV_CERT_SIG_LEN));
	CU_ASSERT_EQUAL(sev_cert_sig_usage(&c, 5), SEV_USAGE_INVALID);
	EVP_PKEY_free(ec);
	rng_free(r);
}

TEST_SUITE(sev_cert, NULL, NULL,
	   TEST(test_real_files),
	   TEST(test_real_signatures),
	   TEST(test_real_tamper),
	   TEST(test_inconsistent_slot),
	   TEST(test_point_off_curve),
	   TEST(test_round_trip),
	   TEST(test_deterministic),
	   TEST(test_parent_rule),
	   TEST(test_two_matching_slots),
	   TEST(test_ecdh_signer),
	   TEST(test_sha384_signer),
	   TEST(test_godh),
	   TEST(test_composite_pdh_fields),
	   TEST(test_codec_misc))
