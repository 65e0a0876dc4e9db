/* Hashes, HMAC, AES-128-CTR and the helpers, against standard vectors (FIPS 180,
 * RFC 4231, SP 800-38A) and vectors.md §1.1. */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "emu/crypto/symm.h"
#include "emu/crypto/symm_internal.h"
#include "emu/util/hex.h"
#include "harness/testlib/testlib.h"

static void hx(const char *s, uint8_t *out, size_t n)
{
	CU_ASSERT_EQUAL_FATAL(strlen(s), 2 * n);
	CU_ASSERT_EQUAL_FATAL(hex_decode(s, out, n), 0);
}

static void test_sha(void)
{
	uint8_t d[48], w[48];
	struct iov v[] = { { "a", 1 }, { "", 0 }, { "bc", 2 } };

	CU_ASSERT_EQUAL(sha256("abc", 3, d), 0);
	hx("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", w, 32);
	CU_ASSERT_BYTES_EQUAL(d, w, 32);
	memset(d, 0, sizeof(d));
	CU_ASSERT_EQUAL(sha256_iov(v, 3, d), 0);
	CU_ASSERT_BYTES_EQUAL(d, w, 32);
	CU_ASSERT_EQUAL(sha256("", 0, d), 0);
	hx("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", w, 32);
	CU_ASSERT_BYTES_EQUAL(d, w, 32);
	CU_ASSERT_EQUAL(sha384("abc", 3, d), 0);
	hx("cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
	   "8086072ba1e7cc2358baeca134c825a7", w, 48);
	CU_ASSERT_BYTES_EQUAL(d, w, 48);
}

static void test_sha256_incremental(void)
{
	uint8_t page[4096], d1[32], d2[32], d3[32];
	struct sha256_ctx *c = sha256_ctx_new(), *dup;

	for (size_t i = 0; i < sizeof(page); i++)
		page[i] = (uint8_t)i;
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	/* Chunking is irrelevant to the launch digest. */
	CU_ASSERT_EQUAL(sha256_ctx_update(c, page, 16), 0);
	CU_ASSERT_EQUAL(sha256_ctx_update(c, page + 16, 1000), 0);
	dup = sha256_ctx_dup(c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dup);
	CU_ASSERT_EQUAL(sha256_ctx_update(c, page + 1016, sizeof(page) - 1016), 0);
	CU_ASSERT_EQUAL(sha256_ctx_final(c, d1), 0);
	CU_ASSERT_EQUAL(sha256(page, sizeof(page), d2), 0);
	CU_ASSERT_BYTES_EQUAL(d1, d2, 32);
	/* vectors.md §2: LD of the composite page. */
	hx("c8f5d0341d54d951a71b136e6e2afcb14d11ed8489a7ae126a8fee0df6ecf193", d3, 32);
	CU_ASSERT_BYTES_EQUAL(d1, d3, 32);
	/* The duplicate continues independently. */
	CU_ASSERT_EQUAL(sha256_ctx_final(dup, d3), 0);
	CU_ASSERT_EQUAL(sha256(page, 1016, d2), 0);
	CU_ASSERT_BYTES_EQUAL(d3, d2, 32);
	/* A finalized context refuses more work. */
	CU_ASSERT_EQUAL(sha256_ctx_update(c, page, 16), -1);
	CU_ASSERT_PTR_NULL(sha256_ctx_dup(c));
	sha256_ctx_free(c);
	sha256_ctx_free(dup);
	sha256_ctx_free(NULL);
}

static void test_hmac(void)
{
	uint8_t key[16] = { 0 }, msg[4] = { 0 }, mac[32], w[32];
	struct iov v[] = { { "what do ya want ", 16 }, { "for nothing?", 12 } };

	/* vectors.md §1.1 (= policy_mac for policy 0, TIK 0). */
	CU_ASSERT_EQUAL(hmac_sha256(key, sizeof(key), msg, sizeof(msg), mac), 0);
	hx("aa7855e13839dd767cd5da7c1ff5036540c9264b7a803029315e55375287b4af", w, 32);
	CU_ASSERT_BYTES_EQUAL(mac, w, 32);
	/* RFC 4231 test case 2. */
	hx("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", w, 32);
	CU_ASSERT_EQUAL(hmac_sha256((const uint8_t *)"Jefe", 4, "what do ya want for nothing?", 28, mac), 0);
	CU_ASSERT_BYTES_EQUAL(mac, w, 32);
	memset(mac, 0, sizeof(mac));
	CU_ASSERT_EQUAL(hmac_sha256_iov((const uint8_t *)"Jefe", 4, v, 2, mac), 0);
	CU_ASSERT_BYTES_EQUAL(mac, w, 32);
}

/* SP 800-38A F.5.1, CTR-AES128.Encrypt, all four blocks. */
static void test_aes_ctr_sp800_38a(void)
{
	uint8_t key[16], iv[16], pt[64], ct[64], w[64];

	hx("2b7e151628aed2a6abf7158809cf4f3c", key, 16);
	hx("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", iv, 16);
	hx("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
	   "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710", pt, 64);
	hx("874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff"
	   "5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee", w, 64);
	CU_ASSERT_EQUAL(aes128_ctr(key, iv, pt, ct, sizeof(pt)), 0);
	CU_ASSERT_BYTES_EQUAL(ct, w, 64);
	/* In place, and an odd length is a prefix. */
	CU_ASSERT_EQUAL(aes128_ctr(key, iv, pt, pt, 37), 0);
	CU_ASSERT_BYTES_EQUAL(pt, w, 37);
}

/* The counter is the whole 128-bit block: it carries out of the low 64 bits. */
static void test_aes_ctr_128bit_increment(void)
{
	uint8_t key[16] = { 7 }, iv[16], zero[32] = { 0 }, ks[32], blk[16], e[16];
	const EVP_CIPHER *ecb = symm_aes128_ecb();
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int outl = 0;

	hx("00000000000000ffffffffffffffffff", iv, 16);
	CU_ASSERT_EQUAL(aes128_ctr(key, iv, zero, ks, sizeof(ks)), 0);
	hx("00000000000001000000000000000000", blk, 16);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_TRUE(EVP_EncryptInit_ex2(c, ecb, key, NULL, NULL));
	EVP_CIPHER_CTX_set_padding(c, 0);
	CU_ASSERT_TRUE(EVP_EncryptUpdate(c, e, &outl, blk, 16));
	CU_ASSERT_BYTES_EQUAL(ks + 16, e, 16);
	EVP_CIPHER_CTX_free(c);
}

static void test_helpers(void)
{
	uint8_t a[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, b[8];
	uint8_t *p = malloc(32);

	memcpy(b, a, 8);
	CU_ASSERT_TRUE(ct_equal(a, b, 8));
	b[7] ^= 1;
	CU_ASSERT_FALSE(ct_equal(a, b, 8));
	CU_ASSERT_TRUE(ct_equal(a, b, 0));
	secure_zero(a, sizeof(a));
	for (size_t i = 0; i < sizeof(a); i++)
		CU_ASSERT_EQUAL(a[i], 0);
	secure_zero(NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	memset(p, 0x5A, 32);
	secure_free(p, 32);
	secure_free(NULL, 10);
}

TEST_SUITE(symm, NULL, NULL,
	   TEST(test_sha),
	   TEST(test_sha256_incremental),
	   TEST(test_hmac),
	   TEST(test_aes_ctr_sp800_38a),
	   TEST(test_aes_ctr_128bit_increment),
	   TEST(test_helpers))
