/* The SEV KDF against the published KATs (vectors.md §1.1, §1.4) and the
 * construction of spec §6.2 recomputed block by block. */
#include <string.h>

#include "emu/crypto/kdf.h"
#include "emu/crypto/symm.h"
#include "emu/util/hex.h"
#include "harness/testlib/testlib.h"

static void hx(const char *s, uint8_t *out, size_t n)
{
	CU_ASSERT_EQUAL_FATAL(strlen(s), 2 * n);
	CU_ASSERT_EQUAL_FATAL(hex_decode(s, out, n), 0);
}

static void seq(uint8_t *p, size_t n, uint8_t start)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(start + i);
}

/* §1.1: virtee derive(). */
static void test_virtee_master(void)
{
	uint8_t key[16] = { 0 }, ctx[16] = { 0 }, out[16], want[16], key48[48] = { 0 };

	hx("ab4d269fcc62bedb4511d56c386ce706", want, 16);
	CU_ASSERT_EQUAL(sev_kdf(key, sizeof(key), SEV_KDF_LABEL_MASTER, ctx, sizeof(ctx), out, 16), 0);
	CU_ASSERT_BYTES_EQUAL(out, want, 16);
	/* HMAC zero-pads keys: 48 zero bytes give the same master. */
	CU_ASSERT_EQUAL(sev_kdf(key48, sizeof(key48), SEV_KDF_LABEL_MASTER, ctx, sizeof(ctx), out, 16), 0);
	CU_ASSERT_BYTES_EQUAL(out, want, 16);
}

/* §1.4: master, KEK, KIK from Z = 00..2f, nonce = 10..1f. */
static void test_sevtool_master_kek_kik(void)
{
	uint8_t z[48], nonce[16], master[16], kek[16], kik[16], w[16];

	seq(z, sizeof(z), 0);
	seq(nonce, sizeof(nonce), 0x10);
	CU_ASSERT_EQUAL(sev_kdf(z, sizeof(z), SEV_KDF_LABEL_MASTER, nonce, 16, master, 16), 0);
	hx("8e4fa6fba9b1e12fd72681fd34607d86", w, 16);
	CU_ASSERT_BYTES_EQUAL(master, w, 16);
	CU_ASSERT_EQUAL(sev_kdf(master, 16, SEV_KDF_LABEL_KEK, NULL, 0, kek, 16), 0);
	hx("a4c597230ccabe1ae4e55417f6b4ada9", w, 16);
	CU_ASSERT_BYTES_EQUAL(kek, w, 16);
	CU_ASSERT_EQUAL(sev_kdf(master, 16, SEV_KDF_LABEL_KIK, NULL, 0, kik, 16), 0);
	hx("d5f7ec035a40910f0e7e9c72dc49b572", w, 16);
	CU_ASSERT_BYTES_EQUAL(kik, w, 16);
}

/* §1.4: the 48-byte (two-block) output. */
static void test_48_bytes(void)
{
	uint8_t key[16], out[48], want[48];

	seq(key, sizeof(key), 0);
	hx("6bc74862c97a955d85d9b5f54c2d119e8ed995add2b96748b41d602a0b4b806b"
	   "31f1dc3909b5f1e425bd4ed33f3d6d95", want, 48);
	CU_ASSERT_EQUAL(sev_kdf(key, sizeof(key), SEV_KDF_LABEL_KEK, NULL, 0, out, sizeof(out)), 0);
	CU_ASSERT_BYTES_EQUAL(out, want, sizeof(out));
}

/* §1.4: the first PRF input is le32(1) || label || 00 || nonce || le32(128). */
static void test_first_prf_input(void)
{
	uint8_t z[48], nonce[16], input[4 + 17 + 1 + 16 + 4], mac[32], out[16];

	seq(z, sizeof(z), 0);
	seq(nonce, sizeof(nonce), 0x10);
	hx("01000000" "7365762d6d61737465722d736563726574" "00" "101112131415161718191a1b1c1d1e1f"
	   "80000000", input, sizeof(input));
	CU_ASSERT_EQUAL(hmac_sha256(z, sizeof(z), input, sizeof(input), mac), 0);
	CU_ASSERT_EQUAL(sev_kdf(z, sizeof(z), SEV_KDF_LABEL_MASTER, nonce, 16, out, 16), 0);
	CU_ASSERT_BYTES_EQUAL(out, mac, 16);
}

/* Longer outputs: each block is its own PRF call with the total bit length, and a
 * shorter output is not a prefix of a longer one (L is in every block). */
static void test_blocks(void)
{
	uint8_t key[20], out[80], blk[32], in[4 + 3 + 1 + 5 + 4], short_out[32];
	const uint8_t ctx[5] = { 9, 8, 7, 6, 5 };

	seq(key, sizeof(key), 0x40);
	CU_ASSERT_EQUAL(sev_kdf(key, sizeof(key), "abc", ctx, sizeof(ctx), out, sizeof(out)), 0);
	for (uint32_t i = 1; i <= 3; i++) {
		in[0] = (uint8_t)i;
		in[1] = in[2] = in[3] = 0;
		memcpy(in + 4, "abc", 3);
		in[7] = 0;
		memcpy(in + 8, ctx, 5);
		in[13] = (uint8_t)(80 * 8);
		in[14] = (uint8_t)((80 * 8) >> 8);
		in[15] = in[16] = 0;
		CU_ASSERT_EQUAL(hmac_sha256(key, sizeof(key), in, sizeof(in), blk), 0);
		CU_ASSERT_BYTES_EQUAL(out + (i - 1) * 32, blk, i == 3 ? 16 : 32);
	}
	CU_ASSERT_EQUAL(sev_kdf(key, sizeof(key), "abc", ctx, sizeof(ctx), short_out, sizeof(short_out)), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(short_out, out, 32), 0);
}

static void test_bad_args(void)
{
	uint8_t key[16] = { 0 }, out[16];

	CU_ASSERT_EQUAL(sev_kdf(key, 16, NULL, NULL, 0, out, 16), -1);
	CU_ASSERT_EQUAL(sev_kdf(key, 16, "x", NULL, 4, out, 16), -1);
	CU_ASSERT_EQUAL(sev_kdf(key, 16, "x", NULL, 0, NULL, 16), -1);
	CU_ASSERT_EQUAL(sev_kdf(key, 16, "x", NULL, 0, out, 0), 0);
}

TEST_SUITE(kdf, NULL, NULL,
	   TEST(test_virtee_master),
	   TEST(test_sevtool_master_kek_kik),
	   TEST(test_48_bytes),
	   TEST(test_first_prf_input),
	   TEST(test_blocks),
	   TEST(test_bad_args))
