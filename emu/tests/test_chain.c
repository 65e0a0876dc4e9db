/* Whole chains (spec §2.4 steps 5-6, §5.5): the real Naples and Rome chains with
 * their AMD roots, a chain built here, tampering at every link, and the
 * SEND_START ASK||ARK blob. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/cert/chain.h"
#include "emu/crypto/pkey.h"
#include "emu/fw/status.h"
#include "emu/util/bytes.h"
#include "emu/util/hex.h"
#include "harness/testlib/testlib.h"

EVP_PKEY *test_rsa_key(unsigned bits, int which); /* test_pkey_keys.c */

struct chain {
	struct amd_cert ark, ask;
	struct sev_cert cek, oca, pek, pdh;
	uint8_t fused[48];
};

static const struct {
	const char *gen, *fused;
} gens[] = {
	{ "naples", "bf66a6df42f452d936a91a48943512517147b7d487e9c5b9ad8e53768c93d507e24a5724871ba783b4b5d714d192537f" },
	{ "rome", "3d2c1157c29ef7bd4207fc0c8b08db080e579ceba267f8c93bec8dce73f5a5e2e60d959ac37ea82176c1a0c61ae203ed" },
};

static const char *const all_gens[] = { "naples", "rome", "milan", "genoa", "turin" };

static uint8_t *read_vec(const char *path, size_t *len)
{
	uint8_t *b = test_read_file(path, len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	return b;
}

static void load_amd(const char *gen, const char *name, struct amd_cert *c)
{
	char path[128];
	size_t len = 0;
	uint8_t *b;

	snprintf(path, sizeof(path), "vectors/certs/amd-root/%s/%s.cert", gen, name);
	b = read_vec(path, &len);
	CU_ASSERT_EQUAL_FATAL(amd_cert_parse(b, len, c, NULL), len);
	free(b);
}

static void load_sev(const char *gen, const char *name, struct sev_cert *c)
{
	char path[128];
	size_t len = 0;
	uint8_t *b;

	snprintf(path, sizeof(path), "vectors/certs/platform/%s/%s.cert", gen, name);
	b = read_vec(path, &len);
	CU_ASSERT_EQUAL_FATAL(len, SEV_CERT_LEN);
	memcpy(c->raw, b, SEV_CERT_LEN);
	free(b);
}

static void load_chain(int g, struct chain *c)
{
	load_amd(gens[g].gen, "ark", &c->ark);
	load_amd(gens[g].gen, "ask", &c->ask);
	load_sev(gens[g].gen, "cek", &c->cek);
	load_sev(gens[g].gen, "oca", &c->oca);
	load_sev(gens[g].gen, "pek", &c->pek);
	load_sev(gens[g].gen, "pdh", &c->pdh);
	CU_ASSERT_EQUAL_FATAL(hex_decode(gens[g].fused, c->fused, 48), 0);
}

static uint32_t amd(const struct chain *c, const char **why)
{
	return chain_validate_amd(&c->ark, &c->ask, &c->cek, &c->pek, &c->pdh, c->fused, why);
}

static uint32_t owner(const struct chain *c, const char **why)
{
	return chain_validate_owner(&c->oca, &c->pek, &c->pdh, why);
}

/* why is passed by address: the call that sets it is an argument of the same call,
 * and argument evaluation order is unspecified. */
static void expect(uint32_t st, uint32_t want, const char *const *whyp, const char *prefix)
{
	const char *why = *whyp;

	CU_ASSERT_STATUS(st, want);
	CU_ASSERT_PTR_NOT_NULL_FATAL(why);
	if (strncmp(why, prefix, strlen(prefix)) != 0) {
		fprintf(stderr, "\nwhy \"%s\" does not start with \"%s\"\n", why, prefix);
		CU_FAIL("why names the wrong certificate");
	}
}

static void test_real_chains(void)
{
	for (int g = 0; g < 2; g++) {
		struct chain c;
		struct sev_pubkey ask;
		const char *why = NULL;

		load_chain(g, &c);
		CU_ASSERT_STATUS(amd(&c, &why), SEV_STATUS_SUCCESS);
		CU_ASSERT_STATUS(chain_validate_amd(&c.ark, &c.ask, &c.cek, &c.pek, &c.pdh, NULL, &why),
				 SEV_STATUS_SUCCESS);
		CU_ASSERT_STATUS(owner(&c, &why), SEV_STATUS_SUCCESS);
		/* CEK <- ASK on its own. */
		CU_ASSERT_STATUS(amd_cert_sev_pubkey(&c.ask, &ask, NULL), SEV_STATUS_SUCCESS);
		CU_ASSERT_STATUS(sev_cert_validate(&c.cek, &ask, &why), SEV_STATUS_SUCCESS);
		sev_pubkey_clear(&ask);
	}
}

/* One flipped byte per link; the status and the certificate named. */
static void test_real_tamper(void)
{
	for (int g = 0; g < 2; g++) {
		struct chain c, t;
		const char *why = NULL;

		load_chain(g, &c);
		t = c;
		t.ark.raw[0x50] ^= 1;
		expect(amd(&t, &why), SEV_STATUS_BAD_SIGNATURE, &why, "ARK");
		t = c;
		t.ark.raw[t.ark.len - 5] ^= 1;
		expect(amd(&t, &why), SEV_STATUS_BAD_SIGNATURE, &why, "ARK");
		t = c;
		t.ask.raw[0x50] ^= 1;
		expect(amd(&t, &why), SEV_STATUS_BAD_SIGNATURE, &why, "ASK");
		t = c;
		t.ask.raw[t.ask.len - 5] ^= 1;
		expect(amd(&t, &why), SEV_STATUS_BAD_SIGNATURE, &why, "ASK");
		t = c;
		t.cek.raw[0x100] ^= 1;
		expect(amd(&t, &why), SEV_STATUS_BAD_SIGNATURE, &why, "CEK");
		t = c;
		t.cek.raw[SEV_CERT_OFF_SIG(0) + 8 + 100] ^= 1;
		expect(amd(&t, &why), SEV_STATUS_BAD_SIGNATURE, &why, "CEK");
		t = c;
		t.pek.raw[SEV_CERT_OFF_SIG(1) + 8 + 1] ^= 1; /* the CEK's signature */
		expect(amd(&t, &why), SEV_STATUS_BAD_SIGNATURE, &why, "PEK");
		CU_ASSERT_STATUS(owner(&t, &why), SEV_STATUS_SUCCESS);
		t = c;
		t.pek.raw[SEV_CERT_OFF_SIG(0) + 8 + 1] ^= 1; /* the OCA's signature */
		CU_ASSERT_STATUS(amd(&t, &why), SEV_STATUS_SUCCESS);
		expect(owner(&t, &why), SEV_STATUS_BAD_SIGNATURE, &why, "PEK");
		t = c;
		t.pek.raw[0x300] ^= 1; /* body: both signatures */
		expect(amd(&t, &why), SEV_STATUS_BAD_SIGNATURE, &why, "PEK");
		expect(owner(&t, &why), SEV_STATUS_BAD_SIGNATURE, &why, "PEK");
		t = c;
		t.pdh.raw[0x20] ^= 1;
		expect(amd(&t, &why), SEV_STATUS_BAD_SIGNATURE, &why, "PDH");
		expect(owner(&t, &why), SEV_STATUS_BAD_SIGNATURE, &why, "PDH");
		t = c;
		t.oca.raw[SEV_CERT_OFF_SIG(0) + 8 + 80] ^= 1;
		expect(owner(&t, &why), SEV_STATUS_BAD_SIGNATURE, &why, "OCA");
		CU_ASSERT_STATUS(amd(&t, &why), SEV_STATUS_SUCCESS); /* the OCA is not in it */
		/* A PEK point off the curve: the PDH's signer is invalid. */
		t = c;
		t.pek.raw[SEV_CERT_OFF_EC_QX] ^= 1;
		expect(amd(&t, &why), SEV_STATUS_BAD_SIGNATURE, &why, "PEK"); /* signature first */
		CU_ASSERT_STATUS(sev_cert_validate_by(&t.pdh, &t.pek, &why), SEV_STATUS_INVALID_CERTIFICATE);
	}
}

/* Wrong roots, wrong order, unsigned CEK. */
static void test_wrong_links(void)
{
	struct chain n, r, t;
	struct amd_cert mark, mask;
	const char *why = NULL;

	load_chain(0, &n);
	load_chain(1, &r);
	load_amd("milan", "ark", &mark);
	load_amd("milan", "ask", &mask);
	/* Rome platform, Naples root: the 2048-bit ASK signs as RSA_SHA256, the Rome CEK
	 * carries 0x13/RSA_SHA384 -- no slot matches. */
	t = r;
	t.ark = n.ark;
	t.ask = n.ask;
	memcpy(t.fused, n.fused, 48);
	expect(amd(&t, &why), SEV_STATUS_INVALID_CERTIFICATE, &why, "CEK");
	/* Rome platform, Milan root: same algorithm, other key. */
	t = r;
	t.ark = mark;
	t.ask = mask;
	expect(chain_validate_amd(&t.ark, &t.ask, &t.cek, &t.pek, &t.pdh, NULL, &why), SEV_STATUS_BAD_SIGNATURE,
	       &why, "CEK");
	/* The right root but another product's fused hash. */
	t = r;
	memcpy(t.fused, n.fused, 48);
	expect(amd(&t, &why), SEV_STATUS_INVALID_CERTIFICATE, &why, "ARK");
	/* ARK and ASK swapped. */
	t = r;
	t.ark = r.ask;
	t.ask = r.ark;
	expect(chain_validate_amd(&t.ark, &t.ask, &t.cek, &t.pek, &t.pdh, NULL, &why), SEV_STATUS_BAD_SIGNATURE,
	       &why, "ARK");
	/* The CEK as PDH_CERT_EXPORT returns it: unsigned. */
	t = r;
	sev_cert_clear_sig(&t.cek, 0);
	expect(amd(&t, &why), SEV_STATUS_INVALID_CERTIFICATE, &why, "CEK");
	/* Naples PEK/PDH under the Rome CEK. */
	t = r;
	t.pek = n.pek;
	t.pdh = n.pdh;
	expect(amd(&t, &why), SEV_STATUS_BAD_SIGNATURE, &why, "PEK");
	/* A Rome PDH under the Naples PEK. */
	t = n;
	t.pdh = r.pdh;
	expect(owner(&t, &why), SEV_STATUS_BAD_SIGNATURE, &why, "PDH");
	/* The OCA in the PEK's place. */
	t = r;
	t.pek = r.oca;
	expect(amd(&t, &why), SEV_STATUS_INVALID_CERTIFICATE, &why, "PEK");
	CU_ASSERT_STATUS(chain_validate_amd(NULL, &r.ask, &r.cek, &r.pek, &r.pdh, NULL, &why),
			 SEV_STATUS_INVALID_CERTIFICATE);
}

static size_t cat_ask_ark(const char *gen, uint8_t *blob, size_t cap)
{
	char path[128];
	size_t l1 = 0, l2 = 0;
	uint8_t *ask, *ark;

	snprintf(path, sizeof(path), "vectors/certs/amd-root/%s/ask.cert", gen);
	ask = read_vec(path, &l1);
	snprintf(path, sizeof(path), "vectors/certs/amd-root/%s/ark.cert", gen);
	ark = read_vec(path, &l2);
	CU_ASSERT_FATAL(l1 + l2 <= cap);
	memcpy(blob, ask, l1);
	memcpy(blob + l1, ark, l2);
	free(ask);
	free(ark);
	return l1 + l2;
}

static void test_amd_len(void)
{
	static const size_t ok[] = { 0x680, 0xA80, 0x880, 0xC80 };
	static const size_t bad[] = { 0, 0x340, 0x640, 0x67F, 0x681, 0x980, 0xC7F, 0xC81, 0x1000 };

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		CU_ASSERT_TRUE(chain_amd_len_ok(ok[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_FALSE(chain_amd_len_ok(bad[i]));
}

static void test_parse_ask_ark(void)
{
	uint8_t blob[0xC80 + 0x400];
	struct amd_cert ask, ark, fark, fask;
	const char *why = NULL;
	size_t n;

	for (size_t g = 0; g < sizeof(all_gens) / sizeof(all_gens[0]); g++) {
		n = cat_ask_ark(all_gens[g], blob, sizeof(blob));
		CU_ASSERT_EQUAL(n, g == 0 ? 0x680u : 0xC80u);
		CU_ASSERT_STATUS(chain_parse_ask_ark(blob, n, &ask, &ark, &why), SEV_STATUS_SUCCESS);
		load_amd(all_gens[g], "ark", &fark);
		load_amd(all_gens[g], "ask", &fask);
		CU_ASSERT_EQUAL(ask.len, fask.len);
		CU_ASSERT_BYTES_EQUAL(ask.raw, fask.raw, fask.len);
		CU_ASSERT_BYTES_EQUAL(ark.raw, fark.raw, fark.len);
		CU_ASSERT_STATUS(amd_cert_validate_ark(&ark, NULL, &why), SEV_STATUS_SUCCESS);
		CU_ASSERT_STATUS(amd_cert_validate_ask(&ask, &ark, &why), SEV_STATUS_SUCCESS);
		/* Truncated by one byte: not a length the firmware accepts. */
		CU_ASSERT_STATUS(chain_parse_ask_ark(blob, n - 1, &ask, &ark, &why), SEV_STATUS_INVALID_LENGTH);
	}
	/* The firmware's mixed sizes.  2K ASK + 4K ARK + 256 trailing bytes (0xA80). */
	n = cat_ask_ark("naples", blob, sizeof(blob)); /* ASK(832) ARK(832) */
	{
		uint8_t mixed[0xC80];
		size_t l = 0;
		uint8_t *rark = read_vec("vectors/certs/amd-root/rome/ark.cert", &l);

		memcpy(mixed, blob, 832);
		memcpy(mixed + 832, rark, l);
		memset(mixed + 832 + l, 0, 0xA80 - 832 - l);
		CU_ASSERT_STATUS(chain_parse_ask_ark(mixed, 0xA80, &ask, &ark, &why), SEV_STATUS_SUCCESS);
		CU_ASSERT_EQUAL(ark.len, 1600);
		/* 4K ASK + 2K ARK is 0x980 bytes, but the firmware's length is 0x880: too
		 * short for the ARK. */
		n = cat_ask_ark("rome", blob, sizeof(blob));
		memcpy(mixed, blob, 1600);
		memcpy(mixed + 1600, blob + 1600, 0x880 - 1600); /* any bytes */
		CU_ASSERT_STATUS(chain_parse_ask_ark(mixed, 0x880, &ask, &ark, &why), SEV_STATUS_INVALID_CERTIFICATE);
		CU_ASSERT_STATUS(chain_parse_ask_ark(mixed, 0x980, &ask, &ark, &why), SEV_STATUS_INVALID_LENGTH);
		free(rark);
	}
	/* A broken header in either certificate. */
	n = cat_ask_ark("milan", blob, sizeof(blob));
	le32_put(blob, 7);
	expect(chain_parse_ask_ark(blob, n, &ask, &ark, &why), SEV_STATUS_INVALID_CERTIFICATE, &why, "ASK");
	le32_put(blob, 1);
	le32_put(blob + 1600, 0);
	expect(chain_parse_ask_ark(blob, n, &ask, &ark, &why), SEV_STATUS_INVALID_CERTIFICATE, &why, "ARK");
}

/* A whole emulated platform: RSA-4096 root, CEK, self-owned OCA, PEK, PDH. */
static void test_generated_chain(void)
{
	static const uint8_t ark_id[16] = "emu-root-ark-id", ask_id[16] = "emu-root-ask-id";
	struct rng *r = rng_new_seeded((const uint8_t *)"chain", 5, "test-chain");
	EVP_PKEY *root = test_rsa_key(4096, 0), *cek, *oca, *pek, *pdh, *oca2;
	struct chain c, t;
	const char *why = NULL;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(root);
	cek = ec_p384_generate(r);
	oca = ec_p384_generate(r);
	pek = ec_p384_generate(r);
	pdh = ec_p384_generate(r);
	oca2 = ec_p384_generate(r);
	CU_ASSERT_EQUAL_FATAL(amd_cert_build(&c.ark, ark_id, ark_id, AMD_USAGE_ARK, root), 0);
	CU_ASSERT_EQUAL_FATAL(amd_cert_sign(&c.ark, root, r), 0);
	CU_ASSERT_EQUAL_FATAL(amd_cert_build(&c.ask, ask_id, ark_id, AMD_USAGE_ASK, root), 0);
	CU_ASSERT_EQUAL_FATAL(amd_cert_sign(&c.ask, root, r), 0);
	CU_ASSERT_EQUAL(amd_cert_fused_hash(&c.ark, c.fused), 0);
	CU_ASSERT_EQUAL(sev_cert_build(&c.cek, 0, 24, SEV_USAGE_CEK, SEV_ALGO_ECDSA_SHA256, cek), 0);
	CU_ASSERT_EQUAL(sev_cert_sign(&c.cek, 0, SEV_USAGE_ASK, SEV_ALGO_RSA_SHA384, root, r), 0);
	CU_ASSERT_EQUAL(sev_cert_build(&c.oca, 0, 24, SEV_USAGE_OCA, SEV_ALGO_ECDSA_SHA256, oca), 0);
	CU_ASSERT_EQUAL(sev_cert_sign(&c.oca, 0, SEV_USAGE_OCA, SEV_ALGO_ECDSA_SHA256, oca, r), 0);
	/* PEK_CSR body, signed by the owner, then the firmware adds the CEK signature in
	 * the first empty slot (spec §2.1 PEK_CERT_IMPORT step 6). */
	CU_ASSERT_EQUAL(sev_cert_build(&c.pek, 0, 24, SEV_USAGE_PEK, SEV_ALGO_ECDSA_SHA256, pek), 0);
	CU_ASSERT_EQUAL(sev_cert_sign(&c.pek, 0, SEV_USAGE_OCA, SEV_ALGO_ECDSA_SHA256, oca, r), 0);
	CU_ASSERT_EQUAL(sev_cert_empty_slot(&c.pek), 1);
	CU_ASSERT_EQUAL(sev_cert_sign(&c.pek, 1, SEV_USAGE_CEK, SEV_ALGO_ECDSA_SHA256, cek, r), 0);
	CU_ASSERT_EQUAL(sev_cert_build(&c.pdh, 0, 24, SEV_USAGE_PDH, SEV_ALGO_ECDH_SHA256, pdh), 0);
	CU_ASSERT_EQUAL(sev_cert_sign(&c.pdh, 0, SEV_USAGE_PEK, SEV_ALGO_ECDSA_SHA256, pek, r), 0);

	CU_ASSERT_STATUS(amd(&c, &why), SEV_STATUS_SUCCESS);
	CU_ASSERT_STATUS(owner(&c, &why), SEV_STATUS_SUCCESS);
	/* The PEK signed by another owner. */
	t = c;
	CU_ASSERT_EQUAL(sev_cert_sign(&t.pek, 0, SEV_USAGE_OCA, SEV_ALGO_ECDSA_SHA256, oca2, r), 0);
	expect(owner(&t, &why), SEV_STATUS_BAD_SIGNATURE, &why, "PEK");
	CU_ASSERT_STATUS(amd(&t, &why), SEV_STATUS_SUCCESS);
	/* A CEK signed with the wrong hash name. */
	t = c;
	CU_ASSERT_EQUAL(sev_cert_sign(&t.cek, 0, SEV_USAGE_ASK, SEV_ALGO_RSA_SHA256, root, r), 0);
	expect(amd(&t, &why), SEV_STATUS_INVALID_CERTIFICATE, &why, "CEK");

	EVP_PKEY_free(cek);
	EVP_PKEY_free(oca);
	EVP_PKEY_free(pek);
	EVP_PKEY_free(pdh);
	EVP_PKEY_free(oca2);
	rng_free(r);
}

TEST_SUITE(chain, NULL, NULL,
	   TEST(test_real_chains),
	   TEST(test_real_tamper),
	   TEST(test_wrong_links),
	   TEST(test_amd_len),
	   TEST(test_parse_ask_ark),
	   TEST(test_generated_chain))
