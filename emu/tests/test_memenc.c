/* The memory-encryption model (memenc.h): the documented XEX construction, address
 * dependence, chunking independence, 16-byte error propagation, alignment. */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "emu/crypto/kdf.h"
#include "emu/crypto/memenc.h"
#include "emu/crypto/symm.h"
#include "emu/crypto/symm_internal.h"
#include "emu/util/bytes.h"
#include "harness/testlib/testlib.h"

static const uint8_t vek[SEV_VEK_LEN] = { 0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe,
					  0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
}

static void aes_ecb_block(const uint8_t key[16], int enc, const uint8_t in[16], uint8_t out[16])
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int outl = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_TRUE(EVP_CipherInit_ex2(c, symm_aes128_ecb(), key, NULL, enc, NULL));
	EVP_CIPHER_CTX_set_padding(c, 0);
	CU_ASSERT_TRUE(EVP_CipherUpdate(c, out, &outl, in, 16));
	CU_ASSERT_EQUAL(outl, 16);
	EVP_CIPHER_CTX_free(c);
}

/* One block by the header's formula, from the primitives:
 *   T = AES(K2, be128(a >> 4)), C = AES(VEK, P ^ T) ^ T. */
static void test_formula(void)
{
	static const uint64_t addrs[] = { 0, 16, 0x1000, 0x7fffffff0ULL, 0xfffffffffffffff0ULL };
	uint8_t k2[16], ctr[16], t[16], p[16], x[16], c[16], got[16];
	struct memenc *m = memenc_new(vek);

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_EQUAL(sev_kdf(vek, 16, MEMENC_TWEAK_LABEL, NULL, 0, k2, 16), 0);
	fill(p, 16, 5);
	for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		memset(ctr, 0, 8);
		be64_put(ctr + 8, addrs[i] >> 4);
		aes_ecb_block(k2, 1, ctr, t);
		for (int j = 0; j < 16; j++)
			x[j] = p[j] ^ t[j];
		aes_ecb_block(vek, 1, x, c);
		for (int j = 0; j < 16; j++)
			c[j] ^= t[j];
		CU_ASSERT_EQUAL(memenc_encrypt(m, addrs[i], p, got, 16), 0);
		CU_ASSERT_BYTES_EQUAL(got, c, 16);
		CU_ASSERT_EQUAL(memenc_decrypt(m, addrs[i], got, got, 16), 0);
		CU_ASSERT_BYTES_EQUAL(got, p, 16);
	}
	memenc_free(m);
}

static void test_round_trip(void)
{
	size_t n = 200 * 1024 + 48; /* crosses the internal chunk size */
	uint8_t *p = malloc(n), *c = malloc(n), *d = malloc(n);
	struct memenc *m = memenc_new(vek);

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	fill(p, n, 1);
	CU_ASSERT_EQUAL(memenc_encrypt(m, 0x12340, p, c, n), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(p, c, n), 0);
	CU_ASSERT_EQUAL(memenc_decrypt(m, 0x12340, c, d, n), 0);
	CU_ASSERT_BYTES_EQUAL(d, p, n);
	/* The wrong address or key gives garbage. */
	CU_ASSERT_EQUAL(memenc_decrypt(m, 0x12350, c, d, n), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(d, p, 16), 0);
	memenc_free(m);
	free(p);
	free(c);
	free(d);
}

static void test_address_dependence(void)
{
	uint8_t p[64], c1[64], c2[64];
	struct memenc *m = memenc_new(vek);

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	memset(p, 0, sizeof(p)); /* equal blocks everywhere */
	CU_ASSERT_EQUAL(memenc_encrypt(m, 0x1000, p, c1, sizeof(p)), 0);
	CU_ASSERT_EQUAL(memenc_encrypt(m, 0x2000, p, c2, sizeof(p)), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(c1, c2, sizeof(c1)), 0);
	/* Within one range equal plaintext blocks differ too. */
	for (int i = 1; i < 4; i++)
		CU_ASSERT_NOT_EQUAL(memcmp(c1, c1 + 16 * i, 16), 0);
	memenc_free(m);
}

static void test_bulk_equals_blocks(void)
{
	enum { N = 8192 };
	uint8_t p[N], bulk[N], blocks[N];
	struct memenc *m = memenc_new(vek);
	uint64_t base = 0xabcd0000;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	fill(p, N, 3);
	CU_ASSERT_EQUAL(memenc_encrypt(m, base, p, bulk, N), 0);
	for (size_t off = 0; off < N; off += 16)
		CU_ASSERT_EQUAL(memenc_encrypt(m, base + off, p + off, blocks + off, 16), 0);
	CU_ASSERT_BYTES_EQUAL(bulk, blocks, N);
	/* Uneven pieces too. */
	for (size_t off = 0, step = 16; off < N; off += step, step = step * 3 % 4096 + 16) {
		size_t n = N - off < step ? N - off : step;
		CU_ASSERT_EQUAL(memenc_encrypt(m, base + off, p + off, blocks + off, n), 0);
	}
	CU_ASSERT_BYTES_EQUAL(bulk, blocks, N);
	memenc_free(m);
}

static void test_bit_flip_garbles_one_block(void)
{
	uint8_t p[256], c[256], d[256];
	struct memenc *m = memenc_new(vek);

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	fill(p, sizeof(p), 9);
	CU_ASSERT_EQUAL(memenc_encrypt(m, 0x40000, p, c, sizeof(p)), 0);
	c[5 * 16 + 7] ^= 0x04;
	CU_ASSERT_EQUAL(memenc_decrypt(m, 0x40000, c, d, sizeof(d)), 0);
	CU_ASSERT_BYTES_EQUAL(d, p, 5 * 16);
	CU_ASSERT_BYTES_EQUAL(d + 6 * 16, p + 6 * 16, sizeof(p) - 6 * 16);
	/* The whole block is garbage, not just one bit. */
	int differing = 0;
	for (int i = 0; i < 16; i++)
		differing += d[5 * 16 + i] != p[5 * 16 + i];
	CU_ASSERT_TRUE(differing > 8);
	memenc_free(m);
}

static void test_alignment(void)
{
	uint8_t p[64] = { 0 }, c[64], before[64];
	struct memenc *m = memenc_new(vek);

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	memset(c, 0x5A, sizeof(c));
	memcpy(before, c, sizeof(c));
	CU_ASSERT_EQUAL(memenc_encrypt(m, 8, p, c, 32), -1);
	CU_ASSERT_EQUAL(memenc_encrypt(m, 16, p, c, 33), -1);
	CU_ASSERT_EQUAL(memenc_decrypt(m, 1, p, c, 16), -1);
	CU_ASSERT_EQUAL(memenc_decrypt(m, 0, p, c, 15), -1);
	CU_ASSERT_EQUAL(memenc_encrypt(m, 0xfffffffffffffff0ULL, p, c, 32), -1); /* wraps */
	CU_ASSERT_EQUAL(memenc_encrypt(NULL, 0, p, c, 16), -1);
	CU_ASSERT_BYTES_EQUAL(c, before, sizeof(c));
	CU_ASSERT_EQUAL(memenc_encrypt(m, 0, p, c, 0), 0);
	memenc_free(m);
	memenc_free(NULL);
}

static void test_in_place(void)
{
	uint8_t p[4096], buf[4096], c[4096];
	struct memenc *m = memenc_new(vek);

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	fill(p, sizeof(p), 11);
	memcpy(buf, p, sizeof(p));
	CU_ASSERT_EQUAL(memenc_encrypt(m, 0x9000, p, c, sizeof(p)), 0);
	CU_ASSERT_EQUAL(memenc_encrypt(m, 0x9000, buf, buf, sizeof(buf)), 0);
	CU_ASSERT_BYTES_EQUAL(buf, c, sizeof(c));
	CU_ASSERT_EQUAL(memenc_decrypt(m, 0x9000, buf, buf, sizeof(buf)), 0);
	CU_ASSERT_BYTES_EQUAL(buf, p, sizeof(p));
	memenc_free(m);
}

static void test_key_dependence(void)
{
	uint8_t vek2[16], p[32] = { 0 }, c1[32], c2[32];
	struct memenc *a = memenc_new(vek), *b;

	memcpy(vek2, vek, 16);
	vek2[15] ^= 1;
	b = memenc_new(vek2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_EQUAL(memenc_encrypt(a, 0, p, c1, 32), 0);
	CU_ASSERT_EQUAL(memenc_encrypt(b, 0, p, c2, 32), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(c1, c2, 32), 0);
	memenc_free(a);
	memenc_free(b);
}

TEST_SUITE(memenc, NULL, NULL,
	   TEST(test_formula),
	   TEST(test_round_trip),
	   TEST(test_address_dependence),
	   TEST(test_bulk_equals_blocks),
	   TEST(test_bit_flip_garbles_one_block),
	   TEST(test_alignment),
	   TEST(test_in_place),
	   TEST(test_key_dependence))
