#include "emu/nv/tlv.h"

#include <stdlib.h>
#include <string.h>

#include "emu/util/bytes.h"
#include "harness/testlib/testlib.h"

/* A copy in a buffer of exactly len bytes, so ASan catches any read past the end. */
static uint8_t *exact_copy(const uint8_t *p, size_t len)
{
	uint8_t *c = malloc(len ? len : 1);

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	if (len)
		memcpy(c, p, len);
	return c;
}

static void test_tlv_roundtrip(void)
{
	static const uint8_t blob[] = { 1, 2, 3, 4, 5, 6, 7 };
	struct tlv_writer w = { 0 };
	uint8_t got[sizeof(blob)];
	const uint8_t *v;
	uint32_t u32;
	uint64_t u64;
	size_t vlen = 99;

	tlv_put_u32(&w, 1, 0xdeadbeef);
	tlv_put_u64(&w, 2, 0x0123456789abcdefULL);
	tlv_put(&w, 3, blob, sizeof(blob));
	tlv_put(&w, 4, NULL, 0);
	CU_ASSERT_FALSE(w.failed);
	CU_ASSERT_EQUAL(w.len, 4 * 6 + 4 + 8 + sizeof(blob));
	CU_ASSERT_EQUAL(tlv_check(w.p, w.len), 0);

	CU_ASSERT_EQUAL(tlv_get_u32(w.p, w.len, 1, &u32), 0);
	CU_ASSERT_EQUAL(u32, 0xdeadbeef);
	CU_ASSERT_EQUAL(tlv_get_u64(w.p, w.len, 2, &u64), 0);
	CU_ASSERT_EQUAL(u64, 0x0123456789abcdefULL);
	CU_ASSERT_EQUAL(tlv_get(w.p, w.len, 3, got, sizeof(got)), 0);
	CU_ASSERT_BYTES_EQUAL(got, blob, sizeof(blob));
	v = tlv_find(w.p, w.len, 4, &vlen);
	CU_ASSERT_PTR_NOT_NULL(v);
	CU_ASSERT_EQUAL(vlen, 0);
	CU_ASSERT_EQUAL(tlv_get(w.p, w.len, 4, NULL, 0), 0);
	CU_ASSERT_PTR_NULL(tlv_find(w.p, w.len, 5, &vlen));

	/* The wire format is fixed: le16 tag, le32 length, value. */
	CU_ASSERT_EQUAL(le16_get(w.p), 1);
	CU_ASSERT_EQUAL(le32_get(w.p + 2), 4);
	CU_ASSERT_EQUAL(le32_get(w.p + 6), 0xdeadbeef);

	tlv_writer_free(&w);
	CU_ASSERT_PTR_NULL(w.p);
	CU_ASSERT_EQUAL(w.len, 0);
	CU_ASSERT_EQUAL(w.cap, 0);
}

static void test_tlv_empty(void)
{
	uint32_t u32;

	CU_ASSERT_EQUAL(tlv_check(NULL, 0), 0);
	CU_ASSERT_PTR_NULL(tlv_find(NULL, 0, 1, NULL));
	CU_ASSERT_EQUAL(tlv_get_u32(NULL, 0, 1, &u32), -1);
}

static void test_tlv_unknown_tags_skipped(void)
{
	struct tlv_writer w = { 0 };
	uint8_t junk[300];
	uint32_t u32;
	uint64_t u64;

	memset(junk, 0xa5, sizeof(junk));
	tlv_put(&w, 0x7777, junk, sizeof(junk));
	tlv_put_u32(&w, 1, 11);
	tlv_put(&w, 0xffff, junk, 3);
	tlv_put_u64(&w, 2, 22);
	tlv_put_u32(&w, 1, 33); /* a duplicate: readers take the first */
	CU_ASSERT_EQUAL_FATAL(tlv_check(w.p, w.len), 0);
	CU_ASSERT_EQUAL(tlv_get_u32(w.p, w.len, 1, &u32), 0);
	CU_ASSERT_EQUAL(u32, 11);
	CU_ASSERT_EQUAL(tlv_get_u64(w.p, w.len, 2, &u64), 0);
	CU_ASSERT_EQUAL(u64, 22);
	tlv_writer_free(&w);
}

static void test_tlv_size_mismatch(void)
{
	struct tlv_writer w = { 0 };
	uint8_t out[16];
	uint32_t u32 = 7;
	uint64_t u64 = 7;

	tlv_put_u32(&w, 1, 5);
	tlv_put_u64(&w, 2, 6);
	tlv_put(&w, 3, "abcdefghijklmnop", 16);
	CU_ASSERT_EQUAL(tlv_get_u64(w.p, w.len, 1, &u64), -1);
	CU_ASSERT_EQUAL(tlv_get_u32(w.p, w.len, 2, &u32), -1);
	CU_ASSERT_EQUAL(u32, 7);
	CU_ASSERT_EQUAL(u64, 7);
	CU_ASSERT_EQUAL(tlv_get(w.p, w.len, 3, out, 15), -1);
	CU_ASSERT_EQUAL(tlv_get(w.p, w.len, 3, out, 17), -1);
	CU_ASSERT_EQUAL(tlv_get(w.p, w.len, 3, out, 16), 0);
	CU_ASSERT_EQUAL(tlv_get_u32(w.p, w.len, 9, &u32), -1);
	tlv_writer_free(&w);
}

static void test_tlv_malformed(void)
{
	struct tlv_writer w = { 0 };
	size_t bounds[8], nb = 0, vlen;

	/* Every strict prefix that cuts an element is malformed; cuts between
	 * elements are well formed. */
	bounds[nb++] = 0;
	tlv_put_u32(&w, 1, 1);
	bounds[nb++] = w.len;
	tlv_put(&w, 2, "xyz", 3);
	bounds[nb++] = w.len;
	tlv_put(&w, 3, NULL, 0);
	bounds[nb++] = w.len;
	tlv_put_u64(&w, 4, 4);
	bounds[nb++] = w.len;
	for (size_t cut = 0; cut <= w.len; cut++) {
		uint8_t *c = exact_copy(w.p, cut);
		int boundary = 0;

		for (size_t i = 0; i < nb; i++)
			boundary |= bounds[i] == cut;
		CU_ASSERT_EQUAL(tlv_check(c, cut), boundary ? 0 : -1);
		/* find must stay in bounds even on input that failed the check */
		(void)tlv_find(c, cut, 4, &vlen);
		(void)tlv_find(c, cut, 99, &vlen);
		free(c);
	}

	/* Lengths that overrun, including ones that would wrap a 32-bit offset. */
	{
		static const uint32_t lens[] = { 5, 0x7fffffff, 0xfffffff9, 0xfffffffa, 0xffffffff };
		uint8_t raw[6 + 4];

		for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			uint8_t *c;

			le16_put(raw, 1);
			le32_put(raw + 2, lens[i]);
			memset(raw + 6, 0, 4);
			c = exact_copy(raw, sizeof(raw));
			CU_ASSERT_EQUAL(tlv_check(c, sizeof(raw)), -1);
			CU_ASSERT_PTR_NULL(tlv_find(c, sizeof(raw), 1, &vlen));
			free(c);
		}
	}

	/* A valid element followed by a partial header. */
	for (size_t extra = 1; extra < 6; extra++) {
		uint8_t buf[10 + 5] = { 0 };
		uint8_t *c;

		le16_put(buf, 1);
		le32_put(buf + 2, 4);
		c = exact_copy(buf, 10 + extra);
		CU_ASSERT_EQUAL(tlv_check(c, 10 + extra), -1);
		free(c);
	}
	tlv_writer_free(&w);
}

static void test_tlv_growth(void)
{
	struct tlv_writer w = { 0 };

	for (uint32_t i = 0; i < 2000; i++)
		tlv_put_u32(&w, (uint16_t)i, i * 3);
	CU_ASSERT_FALSE_FATAL(w.failed);
	CU_ASSERT_EQUAL(tlv_check(w.p, w.len), 0);
	for (uint32_t i = 0; i < 2000; i += 37) {
		uint32_t v = 0;

		CU_ASSERT_EQUAL(tlv_get_u32(w.p, w.len, (uint16_t)i, &v), 0);
		CU_ASSERT_EQUAL(v, i * 3);
	}
	tlv_writer_free(&w);
}

static void test_tlv_failed_is_sticky(void)
{
	struct tlv_writer w = { 0 };
	uint8_t one = 1;
	size_t len;

	tlv_put_u32(&w, 1, 1);
	len = w.len;
	/* Longer than a le32 length can say; must fail without touching the value. */
	tlv_put(&w, 2, &one, (size_t)UINT32_MAX + 1);
	CU_ASSERT_TRUE(w.failed);
	tlv_put_u32(&w, 3, 3);
	CU_ASSERT_TRUE(w.failed);
	CU_ASSERT_EQUAL(w.len, len);
	tlv_writer_free(&w);
	CU_ASSERT_FALSE(w.failed);
}

TEST_SUITE(nv_tlv, NULL, NULL,
	   TEST(test_tlv_roundtrip),
	   TEST(test_tlv_empty),
	   TEST(test_tlv_unknown_tags_skipped),
	   TEST(test_tlv_size_mismatch),
	   TEST(test_tlv_malformed),
	   TEST(test_tlv_growth),
	   TEST(test_tlv_failed_is_sticky))
