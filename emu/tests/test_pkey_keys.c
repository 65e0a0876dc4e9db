/* RSA keys shared by the pkey, sev_cert, amd_cert and chain suites.  An RSA-4096
 * generation takes about a second, so each key is made once per test run, from a
 * fixed seed, on first use. */
#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>

#include "emu/crypto/pkey.h"

/* Shared with the other suites (no test headers in this directory). */
EVP_PKEY *test_rsa_key(unsigned bits, int which);
void test_rsa_seed(unsigned bits, int which, uint8_t seed[8]);

#define NKEYS 2

static EVP_PKEY *keys2048[NKEYS], *keys4096[NKEYS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int atexit_done;

static void free_keys(void)
{
	for (int i = 0; i < NKEYS; i++) {
		EVP_PKEY_free(keys2048[i]);
		EVP_PKEY_free(keys4096[i]);
	}
}

void test_rsa_seed(unsigned bits, int which, uint8_t seed[8])
{
	seed[0] = 'r';
	seed[1] = 's';
	seed[2] = 'a';
	seed[3] = (uint8_t)(bits >> 8);
	seed[4] = (uint8_t)bits;
	seed[5] = (uint8_t)which;
	seed[6] = 0x5e;
	seed[7] = 0xed;
}

/* The which-th (0 or 1) deterministic key of 2048 or 4096 bits; owned here. */
EVP_PKEY *test_rsa_key(unsigned bits, int which)
{
	EVP_PKEY **slot;
	uint8_t seed[8];

	if ((bits != 2048 && bits != 4096) || which < 0 || which >= NKEYS)
		return NULL;
	slot = bits == 2048 ? &keys2048[which] : &keys4096[which];
	pthread_mutex_lock(&lock);
	if (!*slot) {
		struct rng *r;

		test_rsa_seed(bits, which, seed);
		r = rng_new_seeded(seed, sizeof(seed), "test-rsa");
		*slot = r ? rsa_generate(r, bits) : NULL;
		rng_free(r);
		if (!atexit_done && atexit(free_keys) == 0)
			atexit_done = 1;
	}
	pthread_mutex_unlock(&lock);
	return *slot;
}
