/* Keys: the composite ECDH vector (vectors.md §2), SEV coordinate fields,
 * deterministic generation, ECDSA and RSA-PSS interoperating with plain OpenSSL in
 * both directions, secp256k1 for GET_ID, and DER/PEM serialization. */
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "emu/crypto/pkey.h"
#include "emu/crypto/symm.h"
#include "emu/util/bytes.h"
#include "emu/util/hex.h"
#include "harness/testlib/testlib.h"

EVP_PKEY *test_rsa_key(unsigned bits, int which); /* test_pkey_keys.c */
void test_rsa_seed(unsigned bits, int which, uint8_t seed[8]);

static void hx(const char *s, uint8_t *out, size_t n)
{
	CU_ASSERT_EQUAL_FATAL(strlen(s), 2 * n);
	CU_ASSERT_EQUAL_FATAL(hex_decode(s, out, n), 0);
}

static struct rng *seeded(const char *s)
{
	struct rng *r = rng_new_seeded((const uint8_t *)s, strlen(s), "test-pkey");

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	return r;
}

static EVP_PKEY *label_key(const char *label)
{
	uint8_t h[48];
	EVP_PKEY *k;

	CU_ASSERT_EQUAL_FATAL(sha384(label, strlen(label), h), 0);
	k = ec_p384_from_bytes(h, sizeof(h), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	return k;
}

static void check_point(EVP_PKEY *k, const char *x_be, const char *y_be, const char *qx_le, const char *qy_le)
{
	uint8_t qx[SEV_COORD_LEN], qy[SEV_COORD_LEN], w[SEV_COORD_LEN], be[P384_LEN];

	CU_ASSERT_EQUAL_FATAL(ec_p384_to_sev_point(k, qx, qy), 0);
	hx(qx_le, w, SEV_COORD_LEN);
	CU_ASSERT_BYTES_EQUAL(qx, w, SEV_COORD_LEN);
	hx(qy_le, w, SEV_COORD_LEN);
	CU_ASSERT_BYTES_EQUAL(qy, w, SEV_COORD_LEN);
	hx(x_be, be, P384_LEN);
	bytes_reverse(qx, P384_LEN);
	CU_ASSERT_BYTES_EQUAL(qx, be, P384_LEN);
	hx(y_be, be, P384_LEN);
	bytes_reverse(qy, P384_LEN);
	CU_ASSERT_BYTES_EQUAL(qy, be, P384_LEN);
}

/* vectors.md §2: PDH and GODH from their labels, Z both ways. */
static void test_composite_ecdh(void)
{
	EVP_PKEY *pdh = label_key("emu-pdh"), *godh = label_key("emu-godh"), *pdh_pub, *godh_pub;
	uint8_t d[P384_LEN], w[P384_LEN], z1[P384_LEN], z2[P384_LEN], qx[SEV_COORD_LEN], qy[SEV_COORD_LEN];

	CU_ASSERT_EQUAL(ec_p384_private_bytes(pdh, d), 0);
	hx("65de4b4c9720fd3b75b08f8dc1a086eefac0b9d06d929bea079366a335c8da1f2f120889da00c11b925c22bf1b899422", w, 48);
	CU_ASSERT_BYTES_EQUAL(d, w, 48);
	CU_ASSERT_EQUAL(ec_p384_private_bytes(godh, d), 0);
	hx("b9016555717872ed1df9bd1f752d78604600b7c862fc73896d0739e16796becea5e69f7d707d7f4063dbc92bc168bf4d", w, 48);
	CU_ASSERT_BYTES_EQUAL(d, w, 48);

	check_point(pdh,
		    "57815f8796f43bca372400201f93f20c33b332dacf01ceb83b8633a9e8528da6df5c0f311d075363b1cf94c80058610a",
		    "cfc328b1edef98b4f738e22b0d8ebc5e9280bae89fd01d374c8dbd3c03101030575d7eec345dd5d2143101b00d9ed861",
		    "0a615800c894cfb16353071d310f5cdfa68d52e8a933863bb8ce01cfda32b3330cf2931f20002437ca3bf496875f8157"
		    "000000000000000000000000000000000000000000000000",
		    "61d89e0db0013114d2d55d34ec7e5d57301010033cbd8d4c371dd09fe8ba80925ebc8e0d2be238f7b498efedb128c3cf"
		    "000000000000000000000000000000000000000000000000");
	check_point(godh,
		    "5a824d1b5c34827529bc46392297ccc673d0a37f273483f1218efede70b7ed16210169361d5a690c58641c479257c9e7",
		    "653bececfa97241dcc9535cc38d92746c4dcba1abab8f18641398d701bb0eb33fc6e038c38f18e0215334dfa4d38c4c5",
		    "e7c95792471c64580c695a1d3669012116edb770defe8e21f18334277fa3d073c6cc97223946bc297582345c1b4d825a"
		    "000000000000000000000000000000000000000000000000",
		    "c5c4384dfa4d3315028ef1388c036efc33ebb01b708d394186f1b8ba1abadcc44627d938cc3595cc1d2497faecec3b65"
		    "000000000000000000000000000000000000000000000000");

	/* Each side sees only the other's certificate fields. */
	CU_ASSERT_EQUAL_FATAL(ec_p384_to_sev_point(pdh, qx, qy), 0);
	pdh_pub = ec_p384_from_sev_point(qx, qy);
	CU_ASSERT_EQUAL_FATAL(ec_p384_to_sev_point(godh, qx, qy), 0);
	godh_pub = ec_p384_from_sev_point(qx, qy);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pdh_pub);
	CU_ASSERT_PTR_NOT_NULL_FATAL(godh_pub);
	CU_ASSERT_EQUAL(ec_p384_ecdh(godh, pdh_pub, z1), 0);
	CU_ASSERT_EQUAL(ec_p384_ecdh(pdh, godh_pub, z2), 0);
	hx("1ab1bfcc20497203e712e665de71d2f932eb348232c09a0470b0592a735bd766d1b4c4531a934c5480470cefcf47a25a", w, 48);
	CU_ASSERT_BYTES_EQUAL(z1, w, 48);
	CU_ASSERT_BYTES_EQUAL(z2, w, 48);
	/* A public-only key cannot derive. */
	CU_ASSERT_EQUAL(ec_p384_ecdh(pdh_pub, godh_pub, z1), -1);
	EVP_PKEY_free(pdh);
	EVP_PKEY_free(godh);
	EVP_PKEY_free(pdh_pub);
	EVP_PKEY_free(godh_pub);
}

/* §5.7: the CEK path reads its KDF bytes little-endian. */
static void test_from_bytes_endianness(void)
{
	uint8_t b[56], r[56], d1[48], d2[48];
	EVP_PKEY *k1, *k2;

	for (int i = 0; i < 56; i++)
		b[i] = (uint8_t)(i * 7 + 1);
	memcpy(r, b, sizeof(r));
	bytes_reverse(r, sizeof(r));
	k1 = ec_p384_from_bytes(b, sizeof(b), 1);
	k2 = ec_p384_from_bytes(r, sizeof(r), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(k1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(k2);
	CU_ASSERT_EQUAL(ec_p384_private_bytes(k1, d1), 0);
	CU_ASSERT_EQUAL(ec_p384_private_bytes(k2, d2), 0);
	CU_ASSERT_BYTES_EQUAL(d1, d2, 48);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
}

static void test_from_private(void)
{
	uint8_t d[48], back[48], zero[48] = { 0 }, big[48];
	EVP_PKEY *k;

	memset(d, 0x11, sizeof(d));
	k = ec_p384_from_private(d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	CU_ASSERT_EQUAL(ec_p384_private_bytes(k, back), 0);
	CU_ASSERT_BYTES_EQUAL(back, d, 48);
	EVP_PKEY_free(k);
	memset(big, 0xFF, sizeof(big)); /* > n */
	CU_ASSERT_PTR_NULL(ec_p384_from_private(zero));
	CU_ASSERT_PTR_NULL(ec_p384_from_private(big));
}

static void test_sev_point_rejects(void)
{
	EVP_PKEY *k = label_key("emu-pdh"), *p;
	uint8_t qx[SEV_COORD_LEN], qy[SEV_COORD_LEN], bx[SEV_COORD_LEN];

	CU_ASSERT_EQUAL_FATAL(ec_p384_to_sev_point(k, qx, qy), 0);
	p = ec_p384_from_sev_point(qx, qy);
	CU_ASSERT_PTR_NOT_NULL(p);
	EVP_PKEY_free(p);

	memcpy(bx, qx, sizeof(bx));
	bx[0] ^= 1; /* off the curve */
	CU_ASSERT_PTR_NULL(ec_p384_from_sev_point(bx, qy));
	memcpy(bx, qx, sizeof(bx));
	bx[P384_LEN] = 1; /* padding */
	CU_ASSERT_PTR_NULL(ec_p384_from_sev_point(bx, qy));
	memcpy(bx, qx, sizeof(bx));
	bx[SEV_COORD_LEN - 1] = 0x80;
	CU_ASSERT_PTR_NULL(ec_p384_from_sev_point(bx, qy));
	memset(bx, 0xFF, P384_LEN); /* >= p */
	CU_ASSERT_PTR_NULL(ec_p384_from_sev_point(bx, qy));
	memset(bx, 0, sizeof(bx));
	CU_ASSERT_PTR_NULL(ec_p384_from_sev_point(bx, bx)); /* (0,0) */
	EVP_PKEY_free(k);
}

static void test_generate_deterministic(void)
{
	struct rng *a = seeded("k1"), *b = seeded("k1"), *c = seeded("k2");
	EVP_PKEY *ka = ec_p384_generate(a), *kb = ec_p384_generate(b), *kc = ec_p384_generate(c);
	uint8_t da[48], db[48], dc[48];

	CU_ASSERT_PTR_NOT_NULL_FATAL(ka);
	CU_ASSERT_PTR_NOT_NULL_FATAL(kb);
	CU_ASSERT_PTR_NOT_NULL_FATAL(kc);
	CU_ASSERT_EQUAL(ec_p384_private_bytes(ka, da), 0);
	CU_ASSERT_EQUAL(ec_p384_private_bytes(kb, db), 0);
	CU_ASSERT_EQUAL(ec_p384_private_bytes(kc, dc), 0);
	CU_ASSERT_BYTES_EQUAL(da, db, 48);
	CU_ASSERT_NOT_EQUAL(memcmp(da, dc, 48), 0);
	/* OpenSSL agrees the pair is consistent. */
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_pkey(NULL, ka, NULL);
	CU_ASSERT_EQUAL(EVP_PKEY_check(pc), 1);
	EVP_PKEY_CTX_free(pc);
	EVP_PKEY_free(ka);
	EVP_PKEY_free(kb);
	EVP_PKEY_free(kc);
	rng_free(a);
	rng_free(b);
	rng_free(c);
}

/* DER ECDSA-Sig from SEV's little-endian fields, for OpenSSL's own verifier. */
static int openssl_verify_ecdsa(EVP_PKEY *k, const uint8_t *dg, size_t dlen, const uint8_t *r_le,
				const uint8_t *s_le)
{
	ECDSA_SIG *sig = ECDSA_SIG_new();
	unsigned char *der = NULL;
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
	int n, ok;

	ECDSA_SIG_set0(sig, BN_lebin2bn(r_le, SEV_COORD_LEN, NULL), BN_lebin2bn(s_le, SEV_COORD_LEN, NULL));
	n = i2d_ECDSA_SIG(sig, &der);
	ok = n > 0 && EVP_PKEY_verify_init(c) == 1 && EVP_PKEY_verify(c, der, (size_t)n, dg, dlen) == 1;
	OPENSSL_free(der);
	ECDSA_SIG_free(sig);
	EVP_PKEY_CTX_free(c);
	return ok;
}

static void test_ecdsa(void)
{
	EVP_PKEY *k = label_key("ecdsa-test"), *other = label_key("other");
	struct rng *r1 = seeded("nonce"), *r2 = seeded("nonce"), *r3 = seeded("nonce2");
	uint8_t dg[48], r[SEV_COORD_LEN], s[SEV_COORD_LEN], r2b[SEV_COORD_LEN], s2b[SEV_COORD_LEN], t[SEV_COORD_LEN];

	CU_ASSERT_EQUAL_FATAL(sha256("msg", 3, dg), 0);
	CU_ASSERT_EQUAL_FATAL(ec_p384_sign_digest(k, r1, dg, 32, r, s), 0);
	CU_ASSERT_EQUAL(ec_p384_verify_digest(k, dg, 32, r, s), 1);
	CU_ASSERT_TRUE(openssl_verify_ecdsa(k, dg, 32, r, s));
	/* Zero padding in the SEV fields. */
	for (int i = P384_LEN; i < SEV_COORD_LEN; i++)
		CU_ASSERT_EQUAL(r[i] | s[i], 0);
	/* Same rng stream, same signature; another stream, another one. */
	CU_ASSERT_EQUAL(ec_p384_sign_digest(k, r2, dg, 32, r2b, s2b), 0);
	CU_ASSERT_BYTES_EQUAL(r, r2b, SEV_COORD_LEN);
	CU_ASSERT_BYTES_EQUAL(s, s2b, SEV_COORD_LEN);
	CU_ASSERT_EQUAL(ec_p384_sign_digest(k, r3, dg, 32, r2b, s2b), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(r, r2b, SEV_COORD_LEN), 0);
	CU_ASSERT_EQUAL(ec_p384_verify_digest(k, dg, 32, r2b, s2b), 1);

	/* Failures. */
	CU_ASSERT_EQUAL(ec_p384_verify_digest(other, dg, 32, r, s), 0);
	dg[0] ^= 1;
	CU_ASSERT_EQUAL(ec_p384_verify_digest(k, dg, 32, r, s), 0);
	dg[0] ^= 1;
	memcpy(t, s, sizeof(t));
	t[10] ^= 1;
	CU_ASSERT_EQUAL(ec_p384_verify_digest(k, dg, 32, r, t), 0);
	memset(t, 0, sizeof(t));
	CU_ASSERT_EQUAL(ec_p384_verify_digest(k, dg, 32, t, s), 0);
	memcpy(t, r, sizeof(t));
	t[P384_LEN] = 1; /* r + 2^384: out of range, not reduced */
	CU_ASSERT_EQUAL(ec_p384_verify_digest(k, dg, 32, t, s), 0);

	/* SHA-384 digests (the ECDSA_SHA384 algorithm) too. */
	CU_ASSERT_EQUAL_FATAL(sha384("msg", 3, dg), 0);
	CU_ASSERT_EQUAL(ec_p384_sign_digest(k, r1, dg, 48, r, s), 0);
	CU_ASSERT_EQUAL(ec_p384_verify_digest(k, dg, 48, r, s), 1);
	CU_ASSERT_TRUE(openssl_verify_ecdsa(k, dg, 48, r, s));
	EVP_PKEY_free(k);
	EVP_PKEY_free(other);
	rng_free(r1);
	rng_free(r2);
	rng_free(r3);
}

/* Signatures from OpenSSL's own signer verify with ours. */
static void test_ecdsa_from_openssl(void)
{
	EVP_PKEY *k = label_key("openssl-signs");
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
	uint8_t dg[32], der[200], r[SEV_COORD_LEN], s[SEV_COORD_LEN];
	const unsigned char *p = der;
	const BIGNUM *br, *bs;
	size_t n = sizeof(der);
	ECDSA_SIG *sig;

	CU_ASSERT_EQUAL_FATAL(sha256("hello", 5, dg), 0);
	CU_ASSERT_EQUAL_FATAL(EVP_PKEY_sign_init(c), 1);
	CU_ASSERT_EQUAL_FATAL(EVP_PKEY_sign(c, der, &n, dg, sizeof(dg)), 1);
	sig = d2i_ECDSA_SIG(NULL, &p, (long)n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sig);
	ECDSA_SIG_get0(sig, &br, &bs);
	CU_ASSERT_EQUAL(BN_bn2lebinpad(br, r, SEV_COORD_LEN), SEV_COORD_LEN);
	CU_ASSERT_EQUAL(BN_bn2lebinpad(bs, s, SEV_COORD_LEN), SEV_COORD_LEN);
	CU_ASSERT_EQUAL(ec_p384_verify_digest(k, dg, sizeof(dg), r, s), 1);
	ECDSA_SIG_free(sig);
	EVP_PKEY_CTX_free(c);
	EVP_PKEY_free(k);
}

static void test_secp256k1(void)
{
	uint8_t s[32] = { 0 }, xy[64], w[64];

	s[31] = 1;
	CU_ASSERT_EQUAL(ec_secp256k1_public_xy(s, xy), 0);
	hx("79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
	   "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8", w, 64);
	CU_ASSERT_BYTES_EQUAL(xy, w, 64);
	s[31] = 2;
	CU_ASSERT_EQUAL(ec_secp256k1_public_xy(s, xy), 0);
	hx("c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5"
	   "1ae168fea63dc339a3c58419466ceaeef7f632653266d0e1236431a950cfe52a", w, 64);
	CU_ASSERT_BYTES_EQUAL(xy, w, 64);
	s[31] = 0;
	CU_ASSERT_EQUAL(ec_secp256k1_public_xy(s, xy), -1);
	/* n itself is out of range. */
	hx("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", s, 32);
	CU_ASSERT_EQUAL(ec_secp256k1_public_xy(s, xy), -1);
}

static void test_rsa_generate(void)
{
	EVP_PKEY *k = test_rsa_key(2048, 0), *again;
	uint8_t seed[8], m1[256], m2[256], e[4];
	EVP_PKEY_CTX *c;
	struct rng *r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	CU_ASSERT_EQUAL(rsa_bits(k), 2048);
	c = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
	CU_ASSERT_EQUAL(EVP_PKEY_check(c), 1); /* primes, CRT values, d */
	EVP_PKEY_CTX_free(c);
	CU_ASSERT_EQUAL(rsa_to_le(k, m1, sizeof(m1), e, sizeof(e)), 0);
	CU_ASSERT_EQUAL(le32_get(e), 65537);
	CU_ASSERT_TRUE(m1[0] & 1);
	CU_ASSERT_TRUE(m1[255] & 0x80);

	/* The same seed gives the same key, another seed another key. */
	test_rsa_seed(2048, 0, seed);
	r = rng_new_seeded(seed, sizeof(seed), "test-rsa");
	again = rsa_generate(r, 2048);
	rng_free(r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(again);
	CU_ASSERT_EQUAL(EVP_PKEY_eq(k, again), 1);
	EVP_PKEY_free(again);
	CU_ASSERT_EQUAL(rsa_to_le(test_rsa_key(2048, 1), m2, sizeof(m2), e, sizeof(e)), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(m1, m2, sizeof(m1)), 0);

	r = seeded("bad");
	CU_ASSERT_PTR_NULL(rsa_generate(r, 3072));
	rng_free(r);
}

static void test_rsa4096(void)
{
	EVP_PKEY *k = test_rsa_key(4096, 0);
	EVP_PKEY_CTX *c;

	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	CU_ASSERT_EQUAL(rsa_bits(k), 4096);
	c = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
	CU_ASSERT_EQUAL(EVP_PKEY_pairwise_check(c), 1);
	EVP_PKEY_CTX_free(c);
}

static void test_rsa_le_fields(void)
{
	EVP_PKEY *k = test_rsa_key(2048, 0), *pub;
	uint8_t mod[512], exp[512], small[255];

	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	CU_ASSERT_EQUAL(rsa_to_le(k, mod, sizeof(mod), exp, sizeof(exp)), 0);
	for (size_t i = 256; i < sizeof(mod); i++)
		CU_ASSERT_EQUAL(mod[i], 0);
	pub = rsa_from_le(mod, sizeof(mod), exp, sizeof(exp));
	CU_ASSERT_PTR_NOT_NULL_FATAL(pub);
	CU_ASSERT_EQUAL(EVP_PKEY_eq(k, pub), 1);
	CU_ASSERT_EQUAL(rsa_bits(pub), 2048);
	EVP_PKEY_free(pub);
	CU_ASSERT_EQUAL(rsa_to_le(k, small, sizeof(small), exp, sizeof(exp)), -1);
	memset(mod, 0, sizeof(mod));
	CU_ASSERT_PTR_NULL(rsa_from_le(mod, sizeof(mod), exp, sizeof(exp)));
}

static int openssl_pss_verify(EVP_PKEY *k, const EVP_MD *md, const void *msg, size_t len, const uint8_t *sig,
			      size_t siglen)
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = NULL;
	int ok = EVP_DigestVerifyInit_ex(m, &pc, EVP_MD_get0_name(md), NULL, NULL, k, NULL) == 1 &&
		 EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) == 1 &&
		 EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, RSA_PSS_SALTLEN_DIGEST) == 1 &&
		 EVP_DigestVerify(m, sig, siglen, msg, len) == 1;

	EVP_MD_CTX_free(m);
	return ok;
}

static void pss_case(EVP_PKEY *k, const EVP_MD *md)
{
	static const char msg[] = "the signed region of a certificate";
	size_t n = rsa_bits(k) / 8;
	uint8_t *s1 = malloc(n), *s2 = malloc(n), *s3 = malloc(n);
	struct rng *r1 = seeded("salt"), *r2 = seeded("salt"), *r3 = seeded("salt2");
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = NULL;
	size_t sl = n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s3);
	CU_ASSERT_EQUAL_FATAL(rsa_pss_sign(k, r1, md, msg, sizeof(msg), s1, n), 0);
	CU_ASSERT_EQUAL(rsa_pss_verify(k, md, msg, sizeof(msg), s1, n), 1);
	CU_ASSERT_TRUE(openssl_pss_verify(k, md, msg, sizeof(msg), s1, n));
	CU_ASSERT_EQUAL(rsa_pss_sign(k, r2, md, msg, sizeof(msg), s2, n), 0);
	CU_ASSERT_BYTES_EQUAL(s1, s2, n);
	CU_ASSERT_EQUAL(rsa_pss_sign(k, r3, md, msg, sizeof(msg), s2, n), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(s1, s2, n), 0);
	CU_ASSERT_EQUAL(rsa_pss_verify(k, md, msg, sizeof(msg), s2, n), 1);
	/* Wrong message, signature, hash, length. */
	CU_ASSERT_EQUAL(rsa_pss_verify(k, md, msg, sizeof(msg) - 1, s1, n), 0);
	s2[n / 2] ^= 1;
	CU_ASSERT_EQUAL(rsa_pss_verify(k, md, msg, sizeof(msg), s2, n), 0);
	CU_ASSERT_EQUAL(rsa_pss_verify(k, EVP_MD_get_size(md) == 32 ? EVP_sha384() : EVP_sha256(), msg,
				       sizeof(msg), s1, n), 0);
	CU_ASSERT_EQUAL(rsa_pss_verify(k, md, msg, sizeof(msg), s1, n - 1), 0);
	CU_ASSERT_EQUAL(rsa_pss_sign(k, r1, md, msg, sizeof(msg), s3, n - 1), -1);

	/* OpenSSL's own PSS signer (its salt), verified by ours. */
	CU_ASSERT_EQUAL_FATAL(EVP_DigestSignInit_ex(m, &pc, EVP_MD_get0_name(md), NULL, NULL, k, NULL), 1);
	CU_ASSERT_EQUAL(EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING), 1);
	CU_ASSERT_EQUAL(EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, RSA_PSS_SALTLEN_DIGEST), 1);
	CU_ASSERT_EQUAL_FATAL(EVP_DigestSign(m, s3, &sl, (const uint8_t *)msg, sizeof(msg)), 1);
	CU_ASSERT_EQUAL(sl, n);
	CU_ASSERT_EQUAL(rsa_pss_verify(k, md, msg, sizeof(msg), s3, n), 1);
	EVP_MD_CTX_free(m);
	rng_free(r1);
	rng_free(r2);
	rng_free(r3);
	free(s1);
	free(s2);
	free(s3);
}

static void test_rsa_pss(void)
{
	EVP_PKEY *k2 = test_rsa_key(2048, 0), *k4 = test_rsa_key(4096, 0);

	CU_ASSERT_PTR_NOT_NULL_FATAL(k2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(k4);
	pss_case(k2, EVP_sha256());
	pss_case(k4, EVP_sha384());
	pss_case(k4, EVP_sha256());
}

static void der_case(EVP_PKEY *k)
{
	uint8_t *der = NULL;
	size_t len = 0;
	EVP_PKEY *back, *pkcs8 = NULL;
	OSSL_DECODER_CTX *d;
	const unsigned char *p;
	size_t left;

	CU_ASSERT_EQUAL_FATAL(pkey_to_der(k, &der, &len), 0);
	CU_ASSERT_TRUE(len > 0 && der[0] == 0x30);
	back = pkey_from_der(der, len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(back);
	CU_ASSERT_EQUAL(EVP_PKEY_eq(k, back), 1);
	/* It is PKCS#8: a decoder told to accept only PrivateKeyInfo takes it. */
	d = OSSL_DECODER_CTX_new_for_pkey(&pkcs8, "DER", "PrivateKeyInfo", NULL, EVP_PKEY_KEYPAIR, NULL, NULL);
	p = der;
	left = len;
	CU_ASSERT_TRUE(d && OSSL_DECODER_from_data(d, &p, &left));
	CU_ASSERT_PTR_NOT_NULL(pkcs8);
	OSSL_DECODER_CTX_free(d);
	EVP_PKEY_free(pkcs8);
	EVP_PKEY_free(back);
	secure_free(der, len);
}

static void test_der(void)
{
	EVP_PKEY *ec = label_key("der");
	uint8_t d1[48], d2[48], *der = NULL, junk[64] = { 0x30, 0x10 };
	size_t len = 0;
	EVP_PKEY *back;

	der_case(ec);
	der_case(test_rsa_key(2048, 0));
	/* The private scalar survives. */
	CU_ASSERT_EQUAL_FATAL(pkey_to_der(ec, &der, &len), 0);
	back = pkey_from_der(der, len);
	CU_ASSERT_EQUAL(ec_p384_private_bytes(ec, d1), 0);
	CU_ASSERT_EQUAL(ec_p384_private_bytes(back, d2), 0);
	CU_ASSERT_BYTES_EQUAL(d1, d2, 48);
	EVP_PKEY_free(back);
	secure_free(der, len);
	CU_ASSERT_PTR_NULL(pkey_from_der(junk, sizeof(junk)));
	CU_ASSERT_PTR_NULL(pkey_from_der(junk, 0));
	EVP_PKEY_free(ec);
}

static void test_pem(void)
{
	const char *dir = test_tmpdir("pkey");
	char priv[512], pub[512];
	EVP_PKEY *k = label_key("pem"), *back;
	struct stat st;
	FILE *f;

	snprintf(priv, sizeof(priv), "%s/key.pem", dir);
	snprintf(pub, sizeof(pub), "%s/pub.pem", dir);
	/* A pre-existing world-readable file is tightened. */
	f = fopen(priv, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fclose(f);
	CU_ASSERT_EQUAL(chmod(priv, 0644), 0);
	CU_ASSERT_EQUAL(pkey_write_pem(k, priv, 1), 0);
	CU_ASSERT_EQUAL(stat(priv, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
	back = pkey_read_pem(priv);
	CU_ASSERT_PTR_NOT_NULL_FATAL(back);
	CU_ASSERT_EQUAL(EVP_PKEY_eq(k, back), 1);
	EVP_PKEY_free(back);

	CU_ASSERT_EQUAL(pkey_write_pem(k, pub, 0), 0);
	back = pkey_read_pem(pub);
	CU_ASSERT_PTR_NOT_NULL_FATAL(back);
	CU_ASSERT_EQUAL(EVP_PKEY_eq(k, back), 1);
	{
		uint8_t d[48];
		CU_ASSERT_EQUAL(ec_p384_private_bytes(back, d), -1); /* public only */
	}
	EVP_PKEY_free(back);
	f = fopen(pub, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	{
		char line[64] = "";
		CU_ASSERT_PTR_NOT_NULL(fgets(line, sizeof(line), f));
		CU_ASSERT_EQUAL(strncmp(line, "-----BEGIN PUBLIC KEY-----", 26), 0);
	}
	fclose(f);
	CU_ASSERT_PTR_NULL(pkey_read_pem("/nonexistent/key.pem"));
	EVP_PKEY_free(k);
}

TEST_SUITE(pkey, NULL, NULL,
	   TEST(test_composite_ecdh),
	   TEST(test_from_bytes_endianness),
	   TEST(test_from_private),
	   TEST(test_sev_point_rejects),
	   TEST(test_generate_deterministic),
	   TEST(test_ecdsa),
	   TEST(test_ecdsa_from_openssl),
	   TEST(test_secp256k1),
	   TEST(test_rsa_generate),
	   TEST(test_rsa4096),
	   TEST(test_rsa_le_fields),
	   TEST(test_rsa_pss),
	   TEST(test_der),
	   TEST(test_pem))
