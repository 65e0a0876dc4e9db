/* RSA keys: generation reproducible from a struct rng (for the emulated AMD root),
 * and the little-endian modulus/exponent fields of AMD and SEV certificates.
 *
 * OpenSSL's own generator draws from its global DRBG, so a seeded emulator could
 * not reproduce its ARK/ASK; the prime search is therefore done here, with
 * candidates from the rng and BN_check_prime as the primality test. */
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <stdlib.h>

#include "emu/crypto/pkey.h"
#include "emu/crypto/symm.h"

#define RSA_E 65537
#define MAX_CANDIDATES 100000 /* a 2048-bit prime takes ~700 on average */

/* A prime of `bits` bits with the top two bits set (so p*q has exactly 2*bits bits),
 * gcd(e, p-1) = 1, and far from `other` (FIPS 186-4 B.3.3: |p-q| > 2^(bits-100)). */
static BIGNUM *find_prime(struct rng *rng, int bits, const BIGNUM *e, const BIGNUM *other, BN_CTX *bn)
{
	size_t len = (size_t)bits / 8;
	uint8_t *buf = malloc(len);
	BIGNUM *p = BN_secure_new(), *pm1 = BN_secure_new(), *g = BN_new(), *diff = BN_new();
	int found = 0;

	if (!buf || !p || !pm1 || !g || !diff)
		goto out;
	for (int i = 0; i < MAX_CANDIDATES && !found; i++) {
		if (rng_bytes(rng, buf, len))
			goto out;
		buf[0] |= 0xC0;
		buf[len - 1] |= 1;
		if (!BN_bin2bn(buf, (int)len, p))
			goto out;
		if (other) {
			if (!BN_sub(diff, p, other))
				goto out;
			if (BN_num_bits(diff) <= bits - 100)
				continue;
		}
		if (!BN_sub(pm1, p, BN_value_one()) || !BN_gcd(g, pm1, e, bn))
			goto out;
		if (!BN_is_one(g))
			continue;
		switch (BN_check_prime(p, bn, NULL)) {
		case 1:
			found = 1;
			break;
		case 0:
			break;
		default:
			goto out;
		}
	}
out:
	secure_free(buf, len);
	BN_clear_free(pm1);
	BN_free(g);
	BN_free(diff);
	if (!found) {
		BN_clear_free(p);
		return NULL;
	}
	BN_set_flags(p, BN_FLG_CONSTTIME);
	return p;
}

static EVP_PKEY *rsa_fromdata(OSSL_PARAM_BLD *b, int selection)
{
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(b);
	EVP_PKEY_CTX *pc = params ? EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL) : NULL;
	EVP_PKEY *k = NULL;

	if (!pc || EVP_PKEY_fromdata_init(pc) <= 0 || EVP_PKEY_fromdata(pc, &k, selection, params) <= 0)
		k = NULL;
	EVP_PKEY_CTX_free(pc);
	OSSL_PARAM_free(params); /* secure BIGNUMs land in the cleansed secure block */
	return k;
}

EVP_PKEY *rsa_generate(struct rng *rng, unsigned bits)
{
	BN_CTX *bn = BN_CTX_secure_new();
	BIGNUM *e = BN_new(), *p = NULL, *q = NULL, *n = BN_new();
	BIGNUM *pm1 = BN_secure_new(), *qm1 = BN_secure_new(), *lcm = BN_secure_new();
	BIGNUM *gcd = BN_secure_new(), *d = BN_secure_new(), *dmp1 = BN_secure_new();
	BIGNUM *dmq1 = BN_secure_new(), *iqmp = BN_secure_new();
	OSSL_PARAM_BLD *b = NULL;
	EVP_PKEY *k = NULL;

	if (bits != 2048 && bits != 4096)
		goto out;
	if (!bn || !e || !n || !pm1 || !qm1 || !lcm || !gcd || !d || !dmp1 || !dmq1 || !iqmp ||
	    !BN_set_word(e, RSA_E))
		goto out;
	p = find_prime(rng, (int)bits / 2, e, NULL, bn);
	q = p ? find_prime(rng, (int)bits / 2, e, p, bn) : NULL;
	if (!q)
		goto out;
	BN_set_flags(d, BN_FLG_CONSTTIME);
	/* d = e^-1 mod lcm(p-1, q-1) (FIPS 186-4), then the CRT values. */
	if (!BN_mul(n, p, q, bn) || !BN_sub(pm1, p, BN_value_one()) || !BN_sub(qm1, q, BN_value_one()) ||
	    !BN_gcd(gcd, pm1, qm1, bn) || !BN_mul(lcm, pm1, qm1, bn) || !BN_div(lcm, NULL, lcm, gcd, bn) ||
	    !BN_mod_inverse(d, e, lcm, bn) || !BN_mod(dmp1, d, pm1, bn) || !BN_mod(dmq1, d, qm1, bn) ||
	    !BN_mod_inverse(iqmp, q, p, bn))
		goto out;
	if ((unsigned)BN_num_bits(n) != bits)
		goto out;
	b = OSSL_PARAM_BLD_new();
	if (!b || !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, n) ||
	    !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, e) ||
	    !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_D, d) ||
	    !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_FACTOR1, p) ||
	    !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_FACTOR2, q) ||
	    !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_EXPONENT1, dmp1) ||
	    !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_EXPONENT2, dmq1) ||
	    !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, iqmp))
		goto out;
	k = rsa_fromdata(b, EVP_PKEY_KEYPAIR);
out:
	OSSL_PARAM_BLD_free(b);
	BN_free(e);
	BN_free(n);
	BN_clear_free(p);
	BN_clear_free(q);
	BN_clear_free(pm1);
	BN_clear_free(qm1);
	BN_clear_free(lcm);
	BN_clear_free(gcd);
	BN_clear_free(d);
	BN_clear_free(dmp1);
	BN_clear_free(dmq1);
	BN_clear_free(iqmp);
	BN_CTX_free(bn);
	return k;
}

unsigned rsa_bits(EVP_PKEY *k)
{
	int b = k ? EVP_PKEY_get_bits(k) : 0;

	return b > 0 ? (unsigned)b : 0;
}

EVP_PKEY *rsa_from_le(const uint8_t *mod_le, size_t mod_len, const uint8_t *exp_le, size_t exp_len)
{
	BIGNUM *n = NULL, *e = NULL;
	OSSL_PARAM_BLD *b = NULL;
	EVP_PKEY *k = NULL;

	if (!mod_le || !exp_le || mod_len == 0 || exp_len == 0 || mod_len > 2048 || exp_len > 2048)
		return NULL;
	n = BN_lebin2bn(mod_le, (int)mod_len, NULL);
	e = BN_lebin2bn(exp_le, (int)exp_len, NULL);
	if (!n || !e || BN_is_zero(n) || BN_is_zero(e))
		goto out;
	b = OSSL_PARAM_BLD_new();
	if (b && OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, n) &&
	    OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, e))
		k = rsa_fromdata(b, EVP_PKEY_PUBLIC_KEY);
out:
	if (!k)
		ERR_clear_error();
	OSSL_PARAM_BLD_free(b);
	BN_free(n);
	BN_free(e);
	return k;
}

int rsa_to_le(EVP_PKEY *k, uint8_t *mod_le, size_t mod_len, uint8_t *exp_le, size_t exp_len)
{
	BIGNUM *n = NULL, *e = NULL;
	int rc = -1;

	if (k && mod_len <= 2048 && exp_len <= 2048 &&
	    EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_N, &n) &&
	    EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_E, &e) &&
	    BN_bn2lebinpad(n, mod_le, (int)mod_len) == (int)mod_len &&
	    BN_bn2lebinpad(e, exp_le, (int)exp_len) == (int)exp_len)
		rc = 0;
	BN_free(n);
	BN_free(e);
	return rc;
}
