#include "emu/crypto/rng.h"

#include <limits.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "emu/crypto/symm.h"
#include "emu/util/bytes.h"

/* A seeded generator is an HMAC-DRBG (SHA-256) whose parent is OpenSSL's TEST-RAND:
 * the parent hands the DRBG exactly the entropy and nonce we give it, which is the
 * only way to instantiate an EVP_RAND DRBG from caller-chosen bytes. */
#define DRBG_STRENGTH      256
#define PARENT_STRENGTH    1024 /* must be >= the child's, or the child refuses it */
#define DRBG_MIN_ENTROPY   32   /* HMAC-DRBG(SHA-256): strength / 8 */
#define DRBG_NONCE_LEN     16
#define DRBG_MAX_SEED      256
#define DRBG_REQUEST       (64 * 1024)

struct rng {
	bool seeded;
	EVP_RAND_CTX *parent; /* TEST-RAND holding the seed */
	EVP_RAND_CTX *drbg;   /* HMAC-DRBG, child of parent */
	pthread_mutex_t lock;
};

static struct rng *rng_alloc(bool seeded)
{
	struct rng *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	if (pthread_mutex_init(&r->lock, NULL)) {
		free(r);
		return NULL;
	}
	r->seeded = seeded;
	return r;
}

struct rng *rng_new_os(void)
{
	return rng_alloc(false);
}

static int parent_setup(struct rng *r, const uint8_t *entropy, size_t elen, const uint8_t *nonce,
			size_t nlen)
{
	EVP_RAND *t = EVP_RAND_fetch(NULL, "TEST-RAND", NULL);
	unsigned int strength = PARENT_STRENGTH;
	OSSL_PARAM p[4];
	int ok;

	if (!t)
		return -1;
	r->parent = EVP_RAND_CTX_new(t, NULL);
	EVP_RAND_free(t);
	if (!r->parent)
		return -1;
	p[0] = OSSL_PARAM_construct_uint(OSSL_RAND_PARAM_STRENGTH, &strength);
	p[1] = OSSL_PARAM_construct_octet_string(OSSL_RAND_PARAM_TEST_ENTROPY, (void *)entropy, elen);
	p[2] = OSSL_PARAM_construct_octet_string(OSSL_RAND_PARAM_TEST_NONCE, (void *)nonce, nlen);
	p[3] = OSSL_PARAM_construct_end();
	ok = EVP_RAND_CTX_set_params(r->parent, p) &&
	     EVP_RAND_instantiate(r->parent, strength, 0, NULL, 0, NULL);
	return ok ? 0 : -1;
}

static int drbg_setup(struct rng *r, const char *pers)
{
	EVP_RAND *h = EVP_RAND_fetch(NULL, "HMAC-DRBG", NULL);
	/* Reseeding would pull the same test entropy again, so the stream would still
	 * be deterministic, but it would depend on OpenSSL's reseed schedule.  Turn the
	 * request and time counters off so the stream is the plain SP 800-90A output. */
	unsigned int reseed_requests = 0;
	time_t reseed_time = 0;
	size_t max_req = 0;
	OSSL_PARAM p[5], g[2];
	int ok;

	if (!h)
		return -1;
	r->drbg = EVP_RAND_CTX_new(h, r->parent);
	EVP_RAND_free(h);
	if (!r->drbg)
		return -1;
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_DRBG_PARAM_MAC, (char *)"HMAC", 0);
	p[1] = OSSL_PARAM_construct_utf8_string(OSSL_DRBG_PARAM_DIGEST, (char *)"SHA256", 0);
	p[2] = OSSL_PARAM_construct_uint(OSSL_DRBG_PARAM_RESEED_REQUESTS, &reseed_requests);
	p[3] = OSSL_PARAM_construct_time_t(OSSL_DRBG_PARAM_RESEED_TIME_INTERVAL, &reseed_time);
	p[4] = OSSL_PARAM_construct_end();
	/* A NULL personalization makes OpenSSL substitute its own default string; an
	 * empty one is really empty, which is what "no personalization" means here. */
	if (!pers)
		pers = "";
	ok = EVP_RAND_CTX_set_params(r->drbg, p) &&
	     EVP_RAND_instantiate(r->drbg, DRBG_STRENGTH, 0, (const unsigned char *)pers, strlen(pers), NULL);
	if (!ok)
		return -1;
	g[0] = OSSL_PARAM_construct_size_t(OSSL_RAND_PARAM_MAX_REQUEST, &max_req);
	g[1] = OSSL_PARAM_construct_end();
	/* The stream is defined with 64 KiB generate requests (rng.h), whatever limit a
	 * given OpenSSL reports, as long as it allows that much. */
	if (!EVP_RAND_CTX_get_params(r->drbg, g) || max_req < DRBG_REQUEST)
		return -1;
	return 0;
}

struct rng *rng_new_seeded(const uint8_t *seed, size_t seed_len, const char *pers)
{
	/* The DRBG wants at least 32 bytes of entropy input and a 16-byte nonce.  A
	 * shorter seed is zero-padded to 32 bytes, and the nonce carries the seed's true
	 * length so that "ab" and "ab\0" stay different seeds. */
	uint8_t entropy[DRBG_MAX_SEED > DRBG_MIN_ENTROPY ? DRBG_MAX_SEED : DRBG_MIN_ENTROPY];
	uint8_t nonce[DRBG_NONCE_LEN] = "swsev-drbg-v1";
	size_t elen = seed_len < DRBG_MIN_ENTROPY ? DRBG_MIN_ENTROPY : seed_len;
	struct rng *r;

	if (!seed || seed_len == 0 || seed_len > DRBG_MAX_SEED)
		return NULL;
	r = rng_alloc(true);
	if (!r)
		return NULL;
	memset(entropy, 0, sizeof(entropy));
	memcpy(entropy, seed, seed_len);
	le16_put(nonce + 14, (uint16_t)seed_len);
	if (parent_setup(r, entropy, elen, nonce, sizeof(nonce)) || drbg_setup(r, pers)) {
		rng_free(r);
		r = NULL;
	}
	secure_zero(entropy, sizeof(entropy));
	return r;
}

struct rng *rng_derive(struct rng *parent, const char *pers)
{
	uint8_t seed[32];
	struct rng *r;

	if (!parent)
		return NULL;
	if (!parent->seeded)
		return rng_new_os();
	if (rng_bytes(parent, seed, sizeof(seed)))
		return NULL;
	r = rng_new_seeded(seed, sizeof(seed), pers);
	secure_zero(seed, sizeof(seed));
	return r;
}

static int draw(struct rng *r, uint8_t *out, size_t len)
{
	while (len) {
		size_t n;

		if (r->seeded) {
			n = len < DRBG_REQUEST ? len : DRBG_REQUEST;
			if (!EVP_RAND_generate(r->drbg, out, n, DRBG_STRENGTH, 0, NULL, 0))
				return -1;
		} else {
			n = len < INT_MAX ? len : INT_MAX;
			if (RAND_priv_bytes(out, (int)n) != 1)
				return -1;
		}
		out += n;
		len -= n;
	}
	return 0;
}

int rng_bytes(struct rng *r, void *out, size_t len)
{
	int rc;

	if (!out)
		return -1;
	if (!r) {
		memset(out, 0, len);
		return -1;
	}
	pthread_mutex_lock(&r->lock);
	rc = draw(r, out, len);
	pthread_mutex_unlock(&r->lock);
	if (rc)
		memset(out, 0, len);
	return rc;
}

bool rng_is_seeded(const struct rng *r)
{
	return r && r->seeded;
}

void rng_free(struct rng *r)
{
	if (!r)
		return;
	/* Uninstantiate zeroizes the DRBG's V and K before the context goes away. */
	if (r->drbg) {
		EVP_RAND_uninstantiate(r->drbg);
		EVP_RAND_CTX_free(r->drbg);
	}
	if (r->parent) {
		EVP_RAND_uninstantiate(r->parent);
		EVP_RAND_CTX_free(r->parent);
	}
	pthread_mutex_destroy(&r->lock);
	secure_zero(r, sizeof(*r));
	free(r);
}
