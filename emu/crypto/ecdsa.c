/* ECDSA on P-384 with the nonce drawn from a struct rng.
 *
 * OpenSSL 3.0 offers no way to supply k, and a seeded emulator must produce the same
 * signatures on every run, so signing is done here from the group arithmetic
 * (r = x(kG) mod n, s = k^-1 (e + r d) mod n).  Verification goes through
 * EVP_PKEY_verify so that a standard implementation judges our signatures. */
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "emu/crypto/ec_internal.h"
#include "emu/crypto/pkey.h"
#include "emu/crypto/symm.h"

#define NONCE_BYTES 56 /* as key generation: 64 extra bits against mod-n bias */
#define MAX_TRIES   16 /* r or s == 0 has probability ~2^-383 per try */

/* e = the leftmost bits of the digest, as many as the order has (SEC 1, 4.1.3). */
static BIGNUM *digest_to_e(const EC_GROUP *g, const uint8_t *digest, size_t dlen)
{
	int nbits = BN_num_bits(EC_GROUP_get0_order(g));
	BIGNUM *e = BN_bin2bn(digest, (int)dlen, NULL);

	if (e && (int)dlen * 8 > nbits && !BN_rshift(e, e, (int)dlen * 8 - nbits)) {
		BN_free(e);
		return NULL;
	}
	return e;
}

int ec_p384_sign_digest(EVP_PKEY *priv, struct rng *rng, const uint8_t *digest, size_t dlen,
			uint8_t r_le[SEV_COORD_LEN], uint8_t s_le[SEV_COORD_LEN])
{
	const EC_GROUP *g = ec_p384_group();
	const BIGNUM *n = g ? EC_GROUP_get0_order(g) : NULL;
	BN_CTX *bn = BN_CTX_secure_new();
	BIGNUM *d = ec_private_bn(priv), *e = NULL, *x = BN_secure_new(), *k = NULL;
	BIGNUM *kinv = BN_secure_new(), *r = BN_new(), *s = BN_new(), *t = BN_secure_new();
	EC_POINT *R = g ? EC_POINT_new(g) : NULL;
	uint8_t kbuf[NONCE_BYTES];
	int rc = -1;

	if (!n || !bn || !d || !x || !kinv || !r || !s || !t || !R || !digest || dlen == 0 || dlen > 64)
		goto out;
	e = digest_to_e(g, digest, dlen);
	if (!e)
		goto out;
	for (int tries = 0; tries < MAX_TRIES; tries++) {
		BN_clear_free(k);
		k = NULL;
		if (rng_bytes(rng, kbuf, sizeof(kbuf)) || !BN_bin2bn(kbuf, sizeof(kbuf), x))
			goto out;
		k = ec_scalar_reduce(g, x, bn);
		if (!k || !EC_POINT_mul(g, R, k, NULL, NULL, bn) ||
		    !EC_POINT_get_affine_coordinates(g, R, r, NULL, bn) || !BN_nnmod(r, r, n, bn))
			goto out;
		if (BN_is_zero(r))
			continue;
		BN_set_flags(kinv, BN_FLG_CONSTTIME);
		if (!BN_mod_inverse(kinv, k, n, bn) || !BN_mod_mul(t, r, d, n, bn) ||
		    !BN_mod_add(t, t, e, n, bn) || !BN_mod_mul(s, kinv, t, n, bn))
			goto out;
		if (BN_is_zero(s))
			continue;
		if (BN_bn2lebinpad(r, r_le, SEV_COORD_LEN) == SEV_COORD_LEN &&
		    BN_bn2lebinpad(s, s_le, SEV_COORD_LEN) == SEV_COORD_LEN)
			rc = 0;
		break;
	}
out:
	secure_zero(kbuf, sizeof(kbuf));
	EC_POINT_free(R);
	BN_clear_free(d);
	BN_clear_free(x);
	BN_clear_free(k);
	BN_clear_free(kinv);
	BN_clear_free(t);
	BN_free(e);
	BN_free(r);
	BN_free(s);
	BN_CTX_free(bn);
	return rc;
}

int ec_p384_verify_digest(EVP_PKEY *pub, const uint8_t *digest, size_t dlen,
			  const uint8_t r_le[SEV_COORD_LEN], const uint8_t s_le[SEV_COORD_LEN])
{
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *r = BN_lebin2bn(r_le, SEV_COORD_LEN, NULL);
	BIGNUM *s = BN_lebin2bn(s_le, SEV_COORD_LEN, NULL);
	EVP_PKEY_CTX *c = NULL;
	unsigned char *der = NULL;
	int derlen, rc = -1;

	if (!sig || !r || !s || !pub || !digest)
		goto out;
	if (!ECDSA_SIG_set0(sig, r, s))
		goto out;
	r = s = NULL; /* owned by sig now */
	derlen = i2d_ECDSA_SIG(sig, &der);
	if (derlen <= 0)
		goto out;
	c = EVP_PKEY_CTX_new_from_pkey(NULL, pub, NULL);
	/* No signature digest is set, so the provider takes the bytes as the digest and
	 * truncates them to the order, as the firmware does with its SHA-256 digests. */
	if (!c || EVP_PKEY_verify_init(c) <= 0)
		goto out;
	rc = EVP_PKEY_verify(c, der, (size_t)derlen, digest, dlen) == 1 ? 1 : 0;
out:
	ERR_clear_error();
	OPENSSL_free(der);
	EVP_PKEY_CTX_free(c);
	ECDSA_SIG_free(sig);
	BN_free(r);
	BN_free(s);
	return rc;
}
