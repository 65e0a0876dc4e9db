/* The AMD certificate codec (spec §5.4) on the real ARK/ASK of five generations
 * (vectors.md §3) and on roots built here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/cert/amd_cert.h"
#include "emu/crypto/pkey.h"
#include "emu/crypto/symm.h"
#include "emu/fw/status.h"
#include "emu/util/bytes.h"
#include "emu/util/hex.h"
#include "harness/testlib/testlib.h"

EVP_PKEY *test_rsa_key(unsigned bits, int which); /* test_pkey_keys.c */

struct root_row {
	const char *gen;
	size_t len;
	unsigned bits;
	const char *ark_id, *ask_id, *ark_sha, *ask_sha, *fused;
};

/* vectors.md §3. */
static const struct root_row roots[] = {
	{ "naples", 832, 2048, "1bb987c359494606b174945601c9ea5b", "e139970cfc464377ae61b289e2f9e96e",
	  "dedabca561e1dece8cc00b7bda864cf5f20b95017864408cfe18eaee0dce24b9",
	  "c6f30cf923f526c3bcd5c8c221db51e0db65911782f046de17a6603131cdfd7f",
	  "bf66a6df42f452d936a91a48943512517147b7d487e9c5b9ad8e53768c93d507e24a5724871ba783b4b5d714d192537f" },
	{ "rome", 1600, 4096, "e6002122fb58419399d15fee7b131351", "c6cbcf145b3146f498e40ecb4ad4fded",
	  "865977b268c16d5b27772b00aaefb4e737ba9499e818ed8e9f65b0cecefbc529",
	  "7754a69407d25540fe3a695be6b02c58a53bffd12594f5c30793d6cb62875706",
	  "3d2c1157c29ef7bd4207fc0c8b08db080e579ceba267f8c93bec8dce73f5a5e2e60d959ac37ea82176c1a0c61ae203ed" },
	{ "milan", 1600, 4096, "94c38e4177d0479292a7ae671d083fb6", "73478c05cc174bfeb06e718fa75dc3c8",
	  "1246469862b78a7a8625579b0378d1f8e975eb8b82a1623b579d7968a5969888",
	  "c7c73765561c58003a3d09adb2c76993027dd3a1ec4e9be876024c035e015cec",
	  "569da618dfe64015c343db6d975e77b72fdeacd16edd02d9d09b889b8f0f1d91ffa5dfbd86f7ac574a1a7883b7a1e737" },
	{ "genoa", 1600, 4096, "9f9d4a8fe761456599f6946c4c010f3a", "acbb4ad21acc436fb3e932f812cd01b0",
	  "8f4e3fd36589c23f1fe0c8338465bac7e2e066d97fc92f228bbee4fd356fb674",
	  "c30307e4f594fb6c51fd753ab758eb78ad4bb70d9e4d96690e51c0621901031d",
	  "b66e16ff0ebeed57f0c4dffa154872c4156f2e5b1c2f4e66e58fc37f1d2a60d31a342ecb6430a9b2510a970c75c37926" },
	{ "turin", 1600, 4096, "d05c3a8bde484904b49552422ceb3942", "15051693f7304d65a527b4a7f3f7cb77",
	  "f6405e5096a6eee1eb7d5df75c49f9b9f7c8357a31c7fff150149d68588a7bf7",
	  "2ee285477f0d5eb94a69029197f4cf58ca82d8e1b9a276da1ac45b0db3f4be56",
	  "712a28007da1097e8c4fd3a2e8655012b27e04042323a0a30e111fc0cf698961040c6fc3ff2053abe70432cfef411a0e" },
};
#define NROOTS (sizeof(roots) / sizeof(roots[0]))

static uint8_t *read_root(const char *gen, const char *name, size_t *len)
{
	char path[128];
	uint8_t *b;

	snprintf(path, sizeof(path), "vectors/certs/amd-root/%s/%s.cert", gen, name);
	b = test_read_file(path, len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	return b;
}

static void load(const struct root_row *r, const char *name, struct amd_cert *c)
{
	size_t len = 0;
	uint8_t *b = read_root(r->gen, name, &len);
	const char *why = NULL;

	CU_ASSERT_EQUAL_FATAL(len, r->len);
	CU_ASSERT_EQUAL_FATAL(amd_cert_parse(b, len, c, &why), r->len);
	free(b);
}

static void hx(const char *s, uint8_t *out, size_t n)
{
	CU_ASSERT_EQUAL_FATAL(strlen(s), 2 * n);
	CU_ASSERT_EQUAL_FATAL(hex_decode(s, out, n), 0);
}

static struct rng *seeded(const char *s)
{
	struct rng *r = rng_new_seeded((const uint8_t *)s, strlen(s), "test-amd-cert");

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	return r;
}

static void test_real_files(void)
{
	for (size_t i = 0; i < NROOTS; i++) {
		const struct root_row *r = &roots[i];
		const char *names[2] = { "ark", "ask" }, *shas[2] = { r->ark_sha, r->ask_sha };

		for (int j = 0; j < 2; j++) {
			size_t len = 0;
			uint8_t *b = read_root(r->gen, names[j], &len), d[32], w[32];

			CU_ASSERT_EQUAL(sha256(b, len, d), 0);
			hx(shas[j], w, 32);
			CU_ASSERT_BYTES_EQUAL(d, w, 32);
			free(b);
		}
	}
}

static void test_real_fields(void)
{
	for (size_t i = 0; i < NROOTS; i++) {
		const struct root_row *r = &roots[i];
		struct amd_cert ark, ask;
		uint8_t id[16];
		EVP_PKEY *pk = NULL;

		load(r, "ark", &ark);
		load(r, "ask", &ask);
		CU_ASSERT_EQUAL(ark.len, r->len);
		CU_ASSERT_EQUAL(amd_cert_version(&ark), 1);
		CU_ASSERT_EQUAL(amd_cert_usage(&ark), AMD_USAGE_ARK);
		CU_ASSERT_EQUAL(amd_cert_usage(&ask), AMD_USAGE_ASK);
		CU_ASSERT_EQUAL(amd_cert_mod_bits(&ark), r->bits);
		CU_ASSERT_EQUAL(amd_cert_exp_bits(&ark), r->bits);
		CU_ASSERT_EQUAL(amd_cert_mod_bits(&ask), r->bits);
		CU_ASSERT_EQUAL(amd_cert_len_for(amd_cert_exp_bits(&ask), amd_cert_mod_bits(&ask)), r->len);
		CU_ASSERT_EQUAL(amd_cert_signed_len(&ark), 0x40 + 2 * r->bits / 8);
		hx(r->ark_id, id, 16);
		CU_ASSERT_BYTES_EQUAL(amd_cert_key_id(&ark), id, 16);
		CU_ASSERT_BYTES_EQUAL(amd_cert_certifying_id(&ark), id, 16);
		CU_ASSERT_BYTES_EQUAL(amd_cert_certifying_id(&ask), id, 16);
		hx(r->ask_id, id, 16);
		CU_ASSERT_BYTES_EQUAL(amd_cert_key_id(&ask), id, 16);
		CU_ASSERT_EQUAL(EVP_MD_get_size(amd_cert_md(&ark)), r->bits == 2048 ? 32 : 48);
		CU_ASSERT_EQUAL(amd_cert_pubkey(&ark, &pk), 0);
		CU_ASSERT_EQUAL(rsa_bits(pk), r->bits);
		EVP_PKEY_free(pk);
	}
}

static void test_real_validate(void)
{
	for (size_t i = 0; i < NROOTS; i++) {
		const struct root_row *r = &roots[i], *other = &roots[(i + 1) % NROOTS];
		struct amd_cert ark, ask;
		uint8_t fused[48], h[48];
		const char *why = NULL;

		load(r, "ark", &ark);
		load(r, "ask", &ask);
		hx(r->fused, fused, 48);
		CU_ASSERT_EQUAL(amd_cert_fused_hash(&ark, h), 0);
		CU_ASSERT_BYTES_EQUAL(h, fused, 48);
		CU_ASSERT_STATUS(amd_cert_validate_ark(&ark, fused, &why), SEV_STATUS_SUCCESS);
		CU_ASSERT_STATUS(amd_cert_validate_ark(&ark, NULL, &why), SEV_STATUS_SUCCESS);
		CU_ASSERT_STATUS(amd_cert_validate_ask(&ask, &ark, &why), SEV_STATUS_SUCCESS);
		/* Another product's root. */
		hx(other->fused, fused, 48);
		CU_ASSERT_STATUS(amd_cert_validate_ark(&ark, fused, &why), SEV_STATUS_INVALID_CERTIFICATE);
		CU_ASSERT_PTR_NOT_NULL(why);
	}
}

/* Any byte of the signed region or of the signature: BAD_SIGNATURE, before any
 * field check. */
static void test_real_tamper(void)
{
	for (size_t i = 0; i < NROOTS; i++) {
		const struct root_row *r = &roots[i], *other = &roots[(i + 1) % NROOTS];
		size_t sig = 0x40 + 2 * r->bits / 8;
		const size_t pos[] = { 0x04, 0x24, 0x28, 0x40, 0x40 + r->bits / 8 + 7, sig - 1, sig, r->len - 1 };
		struct amd_cert ark, ask, oark, t;
		const char *why = NULL;

		load(r, "ark", &ark);
		load(r, "ask", &ask);
		load(other, "ark", &oark);
		for (size_t p = 0; p < sizeof(pos) / sizeof(pos[0]); p++) {
			t = ark;
			t.raw[pos[p]] ^= 0x02;
			/* A self-signed ARK with a changed modulus is still rejected by its
			 * (now wrong) self-signature. */
			CU_ASSERT_STATUS(amd_cert_validate_ark(&t, NULL, &why), SEV_STATUS_BAD_SIGNATURE);
			t = ask;
			t.raw[pos[p]] ^= 0x02;
			CU_ASSERT_STATUS(amd_cert_validate_ask(&t, &ark, &why), SEV_STATUS_BAD_SIGNATURE);
		}
		/* The ASK under another generation's ARK. */
		CU_ASSERT_STATUS(amd_cert_validate_ask(&ask, &oark, &why), SEV_STATUS_BAD_SIGNATURE);
		/* Roles swapped: the ARK signed by itself is no ASK (usage 0); the ASK is
		 * not self-signed. */
		CU_ASSERT_STATUS(amd_cert_validate_ask(&ark, &ark, &why), SEV_STATUS_INVALID_CERTIFICATE);
		CU_ASSERT_STATUS(amd_cert_validate_ark(&ask, NULL, &why), SEV_STATUS_BAD_SIGNATURE);
	}
}

static void test_parse_errors(void)
{
	size_t len = 0;
	uint8_t *b = read_root("naples", "ark", &len), buf[AMD_CERT_MAX_LEN + 64];
	struct amd_cert c;
	const char *why = NULL;

	CU_ASSERT_EQUAL_FATAL(len, 832);
	/* vectors.md §3 note: AMD's original Naples ARK was 576 bytes (header, exponent,
	 * modulus) with no signature.  That form does not parse. */
	CU_ASSERT_EQUAL(amd_cert_parse(b, 576, &c, &why), 0);
	CU_ASSERT_PTR_NOT_NULL(why);
	CU_ASSERT_EQUAL(amd_cert_parse(b, 831, &c, &why), 0);
	CU_ASSERT_EQUAL(amd_cert_parse(b, 63, &c, &why), 0);
	/* Trailing bytes are left for the next certificate. */
	memcpy(buf, b, len);
	memset(buf + len, 0xEE, 64);
	CU_ASSERT_EQUAL(amd_cert_parse(buf, len + 64, &c, &why), 832);
	le32_put(buf, 2);
	CU_ASSERT_EQUAL(amd_cert_parse(buf, len, &c, &why), 0);
	le32_put(buf, 1);
	le32_put(buf + AMD_CERT_OFF_MOD_BITS, 3072);
	CU_ASSERT_EQUAL(amd_cert_parse(buf, sizeof(buf), &c, &why), 0);
	CU_ASSERT_EQUAL(amd_cert_len_for(2048, 2048), 832);
	CU_ASSERT_EQUAL(amd_cert_len_for(4096, 4096), 1600);
	CU_ASSERT_EQUAL(amd_cert_len_for(2048, 4096), 0x40 + 256 + 1024);
	CU_ASSERT_EQUAL(amd_cert_len_for(4096, 1024), 0);
	CU_ASSERT_EQUAL(amd_cert_len_for(0, 4096), 0);
	free(b);
}

static void test_sev_pubkey(void)
{
	for (size_t i = 0; i < NROOTS; i++) {
		struct amd_cert ask;
		struct sev_pubkey pk;

		load(&roots[i], "ask", &ask);
		CU_ASSERT_STATUS(amd_cert_sev_pubkey(&ask, &pk, NULL), SEV_STATUS_SUCCESS);
		CU_ASSERT_EQUAL(pk.usage, SEV_USAGE_ASK);
		CU_ASSERT_EQUAL(pk.algo, roots[i].bits == 2048 ? SEV_ALGO_RSA_SHA256 : SEV_ALGO_RSA_SHA384);
		CU_ASSERT_EQUAL(rsa_bits(pk.key), roots[i].bits);
		sev_pubkey_clear(&pk);
	}
}

/* The emulator's own root: RSA-4096 (or a Naples-like 2048) ARK and ASK built and
 * signed here.  The 4096 ARK and ASK share one key to keep key generation cheap;
 * they differ in key ids, so the chain logic is unchanged. */
static void make_root(struct rng *r, EVP_PKEY *ark_key, EVP_PKEY *ask_key, struct amd_cert *ark,
		      struct amd_cert *ask)
{
	static const uint8_t ark_id[16] = "swsev-test-ark!", ask_id[16] = "swsev-test-ask!";

	CU_ASSERT_EQUAL_FATAL(amd_cert_build(ark, ark_id, ark_id, AMD_USAGE_ARK, ark_key), 0);
	CU_ASSERT_EQUAL_FATAL(amd_cert_sign(ark, ark_key, r), 0);
	CU_ASSERT_EQUAL_FATAL(amd_cert_build(ask, ask_id, ark_id, AMD_USAGE_ASK, ask_key), 0);
	CU_ASSERT_EQUAL_FATAL(amd_cert_sign(ask, ark_key, r), 0);
}

static void test_round_trip(void)
{
	struct rng *r = seeded("root");
	struct amd_cert ark, ask, parsed;
	uint8_t fused[48], blob[2 * AMD_CERT_MAX_LEN];
	EVP_PKEY *pk = NULL;

	/* RSA-4096, as the emulated root is (DESIGN.md). */
	make_root(r, test_rsa_key(4096, 0), test_rsa_key(4096, 0), &ark, &ask);
	CU_ASSERT_EQUAL(ark.len, 1600);
	CU_ASSERT_EQUAL(amd_cert_fused_hash(&ark, fused), 0);
	CU_ASSERT_STATUS(amd_cert_validate_ark(&ark, fused, NULL), SEV_STATUS_SUCCESS);
	CU_ASSERT_STATUS(amd_cert_validate_ask(&ask, &ark, NULL), SEV_STATUS_SUCCESS);
	CU_ASSERT_EQUAL(amd_cert_pubkey(&ask, &pk), 0);
	CU_ASSERT_EQUAL(EVP_PKEY_eq(pk, test_rsa_key(4096, 0)), 1);
	EVP_PKEY_free(pk);
	/* Serialised as ASK || ARK and parsed back. */
	memcpy(blob, ask.raw, ask.len);
	memcpy(blob + ask.len, ark.raw, ark.len);
	CU_ASSERT_EQUAL(amd_cert_parse(blob, sizeof(blob), &parsed, NULL), 1600);
	CU_ASSERT_BYTES_EQUAL(parsed.raw, ask.raw, 1600);
	CU_ASSERT_EQUAL(amd_cert_parse(blob + 1600, 1600, &parsed, NULL), 1600);
	CU_ASSERT_BYTES_EQUAL(parsed.raw, ark.raw, 1600);

	/* Naples-like: 2048-bit, SHA-256. */
	make_root(r, test_rsa_key(2048, 0), test_rsa_key(2048, 1), &ark, &ask);
	CU_ASSERT_EQUAL(ark.len, 832);
	CU_ASSERT_STATUS(amd_cert_validate_ark(&ark, NULL, NULL), SEV_STATUS_SUCCESS);
	CU_ASSERT_STATUS(amd_cert_validate_ask(&ask, &ark, NULL), SEV_STATUS_SUCCESS);
	/* A signer of another size cannot fill the signature field. */
	CU_ASSERT_EQUAL(amd_cert_sign(&ask, test_rsa_key(4096, 0), r), -1);
	rng_free(r);
}

static void test_deterministic(void)
{
	struct rng *a = seeded("det"), *b = seeded("det"), *c = seeded("det2");
	struct amd_cert arka, aska, arkb, askb, arkc, askc;

	make_root(a, test_rsa_key(2048, 0), test_rsa_key(2048, 1), &arka, &aska);
	make_root(b, test_rsa_key(2048, 0), test_rsa_key(2048, 1), &arkb, &askb);
	make_root(c, test_rsa_key(2048, 0), test_rsa_key(2048, 1), &arkc, &askc);
	CU_ASSERT_BYTES_EQUAL(arka.raw, arkb.raw, arka.len);
	CU_ASSERT_BYTES_EQUAL(aska.raw, askb.raw, aska.len);
	/* Same key, other salt: same signed region, other signature. */
	CU_ASSERT_BYTES_EQUAL(arka.raw, arkc.raw, amd_cert_signed_len(&arka));
	CU_ASSERT_NOT_EQUAL(memcmp(arka.raw, arkc.raw, arka.len), 0);
	CU_ASSERT_STATUS(amd_cert_validate_ark(&arkc, NULL, NULL), SEV_STATUS_SUCCESS);
	rng_free(a);
	rng_free(b);
	rng_free(c);
}

/* Properly signed but wrong fields: INVALID_CERTIFICATE from the checks after the
 * signature. */
static void test_field_rules(void)
{
	static const uint8_t id1[16] = "id-one", id2[16] = "id-two";
	struct rng *r = seeded("fields");
	EVP_PKEY *k = test_rsa_key(2048, 0), *k2 = test_rsa_key(2048, 1);
	struct amd_cert ark, ask, t;
	const char *why = NULL;

	make_root(r, k, k2, &ark, &ask);
	/* ARK whose certifying id is not its key id. */
	CU_ASSERT_EQUAL(amd_cert_build(&t, id1, id2, AMD_USAGE_ARK, k), 0);
	CU_ASSERT_EQUAL(amd_cert_sign(&t, k, r), 0);
	CU_ASSERT_STATUS(amd_cert_validate_ark(&t, NULL, &why), SEV_STATUS_INVALID_CERTIFICATE);
	/* ARK with the ASK usage. */
	CU_ASSERT_EQUAL(amd_cert_build(&t, id1, id1, AMD_USAGE_ASK, k), 0);
	CU_ASSERT_EQUAL(amd_cert_sign(&t, k, r), 0);
	CU_ASSERT_STATUS(amd_cert_validate_ark(&t, NULL, &why), SEV_STATUS_INVALID_CERTIFICATE);
	/* ASK with the ARK usage, and one certified by someone else. */
	CU_ASSERT_EQUAL(amd_cert_build(&t, id2, amd_cert_key_id(&ark), AMD_USAGE_ARK, k2), 0);
	CU_ASSERT_EQUAL(amd_cert_sign(&t, k, r), 0);
	CU_ASSERT_STATUS(amd_cert_validate_ask(&t, &ark, &why), SEV_STATUS_INVALID_CERTIFICATE);
	CU_ASSERT_EQUAL(amd_cert_build(&t, id2, id1, AMD_USAGE_ASK, k2), 0);
	CU_ASSERT_EQUAL(amd_cert_sign(&t, k, r), 0);
	CU_ASSERT_STATUS(amd_cert_validate_ask(&t, &ark, &why), SEV_STATUS_INVALID_CERTIFICATE);
	/* Version 2, properly signed. */
	t = ark;
	le32_put(t.raw, 2);
	CU_ASSERT_EQUAL(amd_cert_sign(&t, k, r), 0);
	CU_ASSERT_STATUS(amd_cert_validate_ark(&t, NULL, &why), SEV_STATUS_INVALID_CERTIFICATE);
	/* Only RSA keys of 2048/4096 bits. */
	{
		EVP_PKEY *ec = ec_p384_generate(r);
		CU_ASSERT_EQUAL(amd_cert_build(&t, id1, id1, AMD_USAGE_ARK, ec), -1);
		EVP_PKEY_free(ec);
	}
	rng_free(r);
}

TEST_SUITE(amd_cert, NULL, NULL,
	   TEST(test_real_files),
	   TEST(test_real_fields),
	   TEST(test_real_validate),
	   TEST(test_real_tamper),
	   TEST(test_parse_errors),
	   TEST(test_sev_pubkey),
	   TEST(test_round_trip),
	   TEST(test_deterministic),
	   TEST(test_field_rules))
