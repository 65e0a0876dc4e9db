/* struct rng: seeded streams are reproducible, separate per seed and
 * personalization, equal to SP 800-90A HMAC-DRBG output (so OpenSSL never reseeds
 * behind our back), and work for long streams and large requests. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "emu/crypto/rng.h"
#include "emu/crypto/symm.h"
#include "emu/util/bytes.h"
#include "harness/testlib/testlib.h"

static const uint8_t seed_a[] = "swsev test seed A";
static const uint8_t seed_b[] = "swsev test seed B";

static struct rng *seeded(const uint8_t *s, size_t n, const char *pers)
{
	struct rng *r = rng_new_seeded(s, n, pers);

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	return r;
}

static void draw(struct rng *r, uint8_t *out, size_t n)
{
	CU_ASSERT_EQUAL(rng_bytes(r, out, n), 0);
}

/* ---- an independent HMAC-DRBG (SP 800-90A 10.1.2), no reseeding ------------------- */
struct ref_drbg {
	uint8_t k[32], v[32];
};

static void ref_update(struct ref_drbg *d, const struct iov *data, size_t nd)
{
	for (uint8_t round = 0; round < 2; round++) {
		struct iov m[8] = { { d->v, 32 }, { &round, 1 } };
		size_t n = 2, total = 0;

		for (size_t i = 0; i < nd; i++) {
			m[n++] = data[i];
			total += data[i].n;
		}
		CU_ASSERT_EQUAL(hmac_sha256_iov(d->k, 32, m, n, d->k), 0);
		CU_ASSERT_EQUAL(hmac_sha256(d->k, 32, d->v, 32, d->v), 0);
		if (total == 0)
			break;
	}
}

/* Mirrors rng.c's documented mapping: entropy = seed zero-padded to >= 32 bytes,
 * nonce = "swsev-drbg-v1" || 0 || le16(seed_len). */
static void ref_init(struct ref_drbg *d, const uint8_t *seed, size_t n, const char *pers)
{
	uint8_t ent[256] = { 0 }, nonce[16] = "swsev-drbg-v1";
	struct iov m[3];

	memcpy(ent, seed, n);
	le16_put(nonce + 14, (uint16_t)n);
	m[0] = (struct iov){ ent, n < 32 ? 32 : n };
	m[1] = (struct iov){ nonce, 16 };
	m[2] = (struct iov){ pers, pers ? strlen(pers) : 0 };
	memset(d->k, 0, 32);
	memset(d->v, 1, 32);
	ref_update(d, m, 3);
}

static void ref_generate(struct ref_drbg *d, uint8_t *out, size_t n)
{
	while (n) {
		size_t c = n < 32 ? n : 32;

		CU_ASSERT_EQUAL(hmac_sha256(d->k, 32, d->v, 32, d->v), 0);
		memcpy(out, d->v, c);
		out += c;
		n -= c;
	}
	ref_update(d, NULL, 0);
}

static void test_reproducible(void)
{
	uint8_t a[1000], b[1000];
	struct rng *r1 = seeded(seed_a, sizeof(seed_a), "pers"), *r2 = seeded(seed_a, sizeof(seed_a), "pers");

	CU_ASSERT_TRUE(rng_is_seeded(r1));
	draw(r1, a, sizeof(a));
	draw(r2, b, sizeof(b));
	CU_ASSERT_BYTES_EQUAL(a, b, sizeof(a));
	rng_free(r1);
	rng_free(r2);
}

static void test_distinct(void)
{
	uint8_t base[64], x[64];
	struct rng *r = seeded(seed_a, sizeof(seed_a), "pers");

	draw(r, base, sizeof(base));
	rng_free(r);

	r = seeded(seed_b, sizeof(seed_b), "pers"); /* other seed */
	draw(r, x, sizeof(x));
	CU_ASSERT_NOT_EQUAL(memcmp(base, x, sizeof(x)), 0);
	rng_free(r);

	r = seeded(seed_a, sizeof(seed_a), "other"); /* other personalization */
	draw(r, x, sizeof(x));
	CU_ASSERT_NOT_EQUAL(memcmp(base, x, sizeof(x)), 0);
	rng_free(r);

	r = seeded(seed_a, sizeof(seed_a), NULL); /* none */
	draw(r, x, sizeof(x));
	CU_ASSERT_NOT_EQUAL(memcmp(base, x, sizeof(x)), 0);
	rng_free(r);
}

static void test_null_pers_is_empty(void)
{
	uint8_t a[48], b[48];
	struct rng *r1 = seeded(seed_a, sizeof(seed_a), NULL), *r2 = seeded(seed_a, sizeof(seed_a), "");

	draw(r1, a, sizeof(a));
	draw(r2, b, sizeof(b));
	CU_ASSERT_BYTES_EQUAL(a, b, sizeof(a));
	rng_free(r1);
	rng_free(r2);
}

static void test_short_seeds(void)
{
	/* Padding must not merge "ab" with "ab\0". */
	static const uint8_t s1[] = { 'a', 'b' }, s2[] = { 'a', 'b', 0 }, one[] = { 7 };
	uint8_t a[32], b[32];
	struct rng *r1 = seeded(s1, sizeof(s1), "p"), *r2 = seeded(s2, sizeof(s2), "p"), *r3;

	draw(r1, a, sizeof(a));
	draw(r2, b, sizeof(b));
	CU_ASSERT_NOT_EQUAL(memcmp(a, b, sizeof(a)), 0);
	r3 = seeded(one, 1, "p");
	draw(r3, b, sizeof(b));
	CU_ASSERT_NOT_EQUAL(memcmp(a, b, sizeof(a)), 0);
	rng_free(r1);
	rng_free(r2);
	rng_free(r3);
}

static void test_bad_seed(void)
{
	uint8_t big[257] = { 0 };

	CU_ASSERT_PTR_NULL(rng_new_seeded(big, 0, "p"));
	CU_ASSERT_PTR_NULL(rng_new_seeded(big, sizeof(big), "p"));
	CU_ASSERT_PTR_NULL(rng_new_seeded(NULL, 16, "p"));
	struct rng *r = seeded(big, 256, "p"); /* the maximum is fine */
	rng_free(r);
}

static void test_matches_sp800_90a(void)
{
	static const uint8_t longseed[100] = { 1, 2, 3, 4, 5 };
	uint8_t a[200], b[200];
	struct ref_drbg d;
	struct rng *r;

	r = seeded(seed_a, sizeof(seed_a), "swsev");
	ref_init(&d, seed_a, sizeof(seed_a), "swsev");
	for (size_t n = 1; n <= sizeof(a); n += 37) {
		draw(r, a, n);
		ref_generate(&d, b, n);
		CU_ASSERT_BYTES_EQUAL(a, b, n);
	}
	rng_free(r);

	r = seeded(longseed, sizeof(longseed), NULL);
	ref_init(&d, longseed, sizeof(longseed), NULL);
	draw(r, a, 64);
	ref_generate(&d, b, 64);
	CU_ASSERT_BYTES_EQUAL(a, b, 64);
	rng_free(r);
}

/* More than 1 MiB in many requests, then one more request compared with the
 * reference: any hidden reseed would have changed the state. */
static void test_long_stream(void)
{
	enum { REQ = 4099, NREQ = 600 };
	uint8_t *a = malloc(REQ), *b = malloc(REQ);
	struct rng *r = seeded(seed_b, sizeof(seed_b), "long");
	struct ref_drbg d;

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	ref_init(&d, seed_b, sizeof(seed_b), "long");
	for (int i = 0; i < NREQ; i++) {
		draw(r, a, REQ);
		ref_generate(&d, b, REQ);
	}
	CU_ASSERT_BYTES_EQUAL(a, b, REQ);
	draw(r, a, 64);
	ref_generate(&d, b, 64);
	CU_ASSERT_BYTES_EQUAL(a, b, 64);
	rng_free(r);
	free(a);
	free(b);
}

/* A request larger than the DRBG's max_request is split: the result equals the
 * same bytes drawn as 64 KiB requests. */
static void test_large_request(void)
{
	size_t n = 300 * 1024, chunk = 64 * 1024;
	uint8_t *a = malloc(n), *b = malloc(n);
	struct rng *r1 = seeded(seed_a, sizeof(seed_a), "big"), *r2 = seeded(seed_a, sizeof(seed_a), "big");

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	draw(r1, a, n);
	for (size_t off = 0; off < n; off += chunk)
		draw(r2, b + off, n - off < chunk ? n - off : chunk);
	CU_ASSERT_BYTES_EQUAL(a, b, n);
	rng_free(r1);
	rng_free(r2);
	free(a);
	free(b);
}

static void test_derive(void)
{
	uint8_t a[64], b[64], c[64], p1[32], p2[32];
	struct rng *pa = seeded(seed_a, sizeof(seed_a), "root"), *pb = seeded(seed_a, sizeof(seed_a), "root");
	struct rng *ca = rng_derive(pa, "child"), *cb = rng_derive(pb, "child"), *cc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ca);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cb);
	CU_ASSERT_TRUE(rng_is_seeded(ca));
	draw(ca, a, sizeof(a));
	draw(cb, b, sizeof(b));
	CU_ASSERT_BYTES_EQUAL(a, b, sizeof(a));
	/* The parents advanced identically and differ from the child. */
	draw(pa, p1, sizeof(p1));
	draw(pb, p2, sizeof(p2));
	CU_ASSERT_BYTES_EQUAL(p1, p2, sizeof(p1));
	CU_ASSERT_NOT_EQUAL(memcmp(p1, a, sizeof(p1)), 0);
	/* Other personalization from the same parent state: other stream. */
	cc = rng_derive(pa, "child");
	draw(cc, c, sizeof(c));
	CU_ASSERT_NOT_EQUAL(memcmp(a, c, sizeof(a)), 0);
	rng_free(cc);
	/* Matches the documented construction: 32 bytes of the parent as the seed. */
	rng_free(pa);
	pa = seeded(seed_a, sizeof(seed_a), "root");
	draw(pa, p1, sizeof(p1));
	cc = seeded(p1, sizeof(p1), "child");
	draw(cc, c, sizeof(c));
	CU_ASSERT_BYTES_EQUAL(a, c, sizeof(a));
	rng_free(cc);
	rng_free(pa);
	rng_free(pb);
	rng_free(ca);
	rng_free(cb);
}

static void test_os(void)
{
	uint8_t a[32], b[32];
	struct rng *r = rng_new_os(), *c;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_FALSE(rng_is_seeded(r));
	draw(r, a, sizeof(a));
	draw(r, b, sizeof(b));
	CU_ASSERT_NOT_EQUAL(memcmp(a, b, sizeof(a)), 0);
	c = rng_derive(r, "child");
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_FALSE(rng_is_seeded(c));
	draw(c, a, sizeof(a));
	rng_free(c);
	rng_free(r);
}

static void test_failure_zeroes(void)
{
	uint8_t buf[16];

	memset(buf, 0xAA, sizeof(buf));
	CU_ASSERT_EQUAL(rng_bytes(NULL, buf, sizeof(buf)), -1);
	for (size_t i = 0; i < sizeof(buf); i++)
		CU_ASSERT_EQUAL(buf[i], 0);
	CU_ASSERT_FALSE(rng_is_seeded(NULL));
	rng_free(NULL);
}

struct thr {
	struct rng *r;
	int fails;
};

static void *thr_draw(void *arg)
{
	struct thr *t = arg;
	uint8_t buf[97];

	for (int i = 0; i < 2000; i++)
		if (rng_bytes(t->r, buf, sizeof(buf)))
			t->fails++;
	return NULL;
}

/* Concurrent draws from one generator consume exactly the serial stream's
 * requests, in some order: afterwards it is where 4000 requests leave it. */
static void test_threads(void)
{
	struct rng *r = seeded(seed_a, sizeof(seed_a), "thr"), *ref = seeded(seed_a, sizeof(seed_a), "thr");
	struct thr t[2] = { { r, 0 }, { r, 0 } };
	pthread_t th[2];
	uint8_t a[32], b[32], buf[97];

	for (int i = 0; i < 2; i++)
		CU_ASSERT_EQUAL_FATAL(pthread_create(&th[i], NULL, thr_draw, &t[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	CU_ASSERT_EQUAL(t[0].fails + t[1].fails, 0);
	for (int i = 0; i < 4000; i++)
		draw(ref, buf, sizeof(buf));
	draw(r, a, sizeof(a));
	draw(ref, b, sizeof(b));
	CU_ASSERT_BYTES_EQUAL(a, b, sizeof(a));
	rng_free(r);
	rng_free(ref);
}

TEST_SUITE(rng, NULL, NULL,
	   TEST(test_reproducible),
	   TEST(test_distinct),
	   TEST(test_null_pers_is_empty),
	   TEST(test_short_seeds),
	   TEST(test_bad_seed),
	   TEST(test_matches_sp800_90a),
	   TEST(test_long_stream),
	   TEST(test_large_request),
	   TEST(test_derive),
	   TEST(test_os),
	   TEST(test_failure_zeroes),
	   TEST(test_threads))
