/* The test runner shared by the unit tests and the conformance suites (CUnit).
 *
 * A test file registers its suite with TEST_SUITE(); no central list to edit.  A test
 * that cannot run on the current backend calls test_skip() with the reason and
 * returns: skips are counted and listed at the end, never reported as passes. */
#ifndef SWSEV_TESTLIB_H
#define SWSEV_TESTLIB_H

#include <CUnit/CUnit.h>
#include <stddef.h>
#include <stdint.h>

struct test_case {
	const char *name;
	void (*fn)(void);
};

struct test_suite {
	const char *name;
	int (*init)(void);
	int (*clean)(void);
	const struct test_case *cases;
	struct test_suite *next;
};

void testlib_register(struct test_suite *s);

#define TEST(fn) { #fn, fn }

#define TEST_SUITE(sname, init_fn, clean_fn, ...)                                              \
	static const struct test_case sname##_cases[] = { __VA_ARGS__, { NULL, NULL } };       \
	static struct test_suite sname##_suite = { #sname, init_fn, clean_fn, sname##_cases,   \
						   NULL };                                     \
	__attribute__((constructor)) static void sname##_register(void)                       \
	{                                                                                      \
		testlib_register(&sname##_suite);                                              \
	}

/* Records that the current test is skipped, with a reason (printed at the end). */
void test_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A fresh directory under $TMPDIR, removed when the runner exits (unless
 * SWSEV_KEEP_TMP is set).  The returned string lives until exit. */
const char *test_tmpdir(const char *tag);

/* The repository root (found from the binary's location or SWSEV_SRCDIR), for
 * reading committed vectors and certificates. */
const char *test_srcdir(void);

/* Reads a whole file below the repository root; NULL on error.  Caller frees. */
uint8_t *test_read_file(const char *relpath, size_t *len);

/* Equality of byte strings with a hex dump of the first difference on failure. */
#define CU_ASSERT_BYTES_EQUAL(a, b, n) CU_ASSERT_TRUE(test_bytes_equal((a), (b), (n), #a, #b, __FILE__, __LINE__))
int test_bytes_equal(const void *a, const void *b, size_t n, const char *an, const char *bn,
		     const char *file, int line);

/* Status assertions that print names, e.g. expected INVALID_LENGTH got SUCCESS. */
#define CU_ASSERT_STATUS(got, want) CU_ASSERT_TRUE(test_status_equal((uint32_t)(got), (uint32_t)(want), #got, __FILE__, __LINE__))
int test_status_equal(uint32_t got, uint32_t want, const char *expr, const char *file, int line);

#endif
