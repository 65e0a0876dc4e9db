/* P-384 keys in the forms SEV uses: scalars derived from random or KDF bytes,
 * little-endian zero-padded coordinate fields, ECDH; and the secp256k1 point that
 * GET_ID reports. */
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <pthread.h>
#include <string.h>

#include "emu/crypto/ec_internal.h"
#include "emu/crypto/pkey.h"
#include "emu/crypto/symm.h"

#define P384_GEN_BYTES 56 /* 64 extra bits make the mod-(n-1) bias negligible */
#define P384_POINT_LEN (1 + 2 * P384_LEN)

static pthread_once_t group_once = PTHREAD_ONCE_INIT;
static EC_GROUP *p384;

static void group_init(void)
{
	p384 = EC_GROUP_new_by_curve_name(NID_secp384r1);
}

const EC_GROUP *ec_p384_group(void)
{
	pthread_once(&group_once, group_init);
	return p384;
}

BIGNUM *ec_scalar_reduce(const EC_GROUP *g, const BIGNUM *x, BN_CTX *bn)
{
	BIGNUM *nm1 = BN_dup(EC_GROUP_get0_order(g));
	BIGNUM *d = BN_secure_new();
	int ok = nm1 && d && BN_sub_word(nm1, 1) && BN_nnmod(d, x, nm1, bn) && BN_add_word(d, 1);

	BN_free(nm1);
	if (!ok) {
		BN_clear_free(d);
		return NULL;
	}
	BN_set_flags(d, BN_FLG_CONSTTIME);
	return d;
}

BIGNUM *ec_private_bn(EVP_PKEY *k)
{
	BIGNUM *d = NULL;

	if (!k || !EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_PRIV_KEY, &d))
		return NULL;
	BN_set_flags(d, BN_FLG_CONSTTIME);
	return d;
}

/* An EVP_PKEY from an uncompressed point and, for a key pair, the scalar. */
static EVP_PKEY *key_from_parts(const uint8_t *pub, size_t publen, const BIGNUM *d)
{
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *pc = NULL;
	EVP_PKEY *k = NULL;
	int ok;

	ok = b && OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, "secp384r1", 0) &&
	     OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, pub, publen) &&
	     (!d || OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_PRIV_KEY, d));
	if (ok)
		params = OSSL_PARAM_BLD_to_param(b);
	if (params)
		pc = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (!pc || EVP_PKEY_fromdata_init(pc) <= 0 ||
	    EVP_PKEY_fromdata(pc, &k, d ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) <= 0)
		k = NULL;
	EVP_PKEY_CTX_free(pc);
	OSSL_PARAM_free(params); /* the secure part (the scalar) is cleansed */
	OSSL_PARAM_BLD_free(b);
	return k;
}

/* d must be in [1, n-1]. */
static EVP_PKEY *key_from_scalar(const BIGNUM *d)
{
	const EC_GROUP *g = ec_p384_group();
	BN_CTX *bn = BN_CTX_secure_new();
	EC_POINT *q = g ? EC_POINT_new(g) : NULL;
	uint8_t pub[P384_POINT_LEN];
	EVP_PKEY *k = NULL;

	if (bn && q && EC_POINT_mul(g, q, d, NULL, NULL, bn) &&
	    EC_POINT_point2oct(g, q, POINT_CONVERSION_UNCOMPRESSED, pub, sizeof(pub), bn) == sizeof(pub))
		k = key_from_parts(pub, sizeof(pub), d);
	EC_POINT_free(q);
	BN_CTX_free(bn);
	return k;
}

EVP_PKEY *ec_p384_from_bytes(const uint8_t *bytes, size_t n, int little_endian)
{
	const EC_GROUP *g = ec_p384_group();
	BN_CTX *bn = BN_CTX_secure_new();
	BIGNUM *x = BN_secure_new(), *d = NULL;
	EVP_PKEY *k = NULL;

	if (!g || !bn || !x || !bytes || n == 0 || n > 1024)
		goto out;
	if (!(little_endian ? BN_lebin2bn(bytes, (int)n, x) : BN_bin2bn(bytes, (int)n, x)))
		goto out;
	d = ec_scalar_reduce(g, x, bn);
	if (d)
		k = key_from_scalar(d);
out:
	BN_clear_free(x);
	BN_clear_free(d);
	BN_CTX_free(bn);
	return k;
}

EVP_PKEY *ec_p384_generate(struct rng *rng)
{
	uint8_t buf[P384_GEN_BYTES];
	EVP_PKEY *k = NULL;

	if (rng_bytes(rng, buf, sizeof(buf)) == 0)
		k = ec_p384_from_bytes(buf, sizeof(buf), 0);
	secure_zero(buf, sizeof(buf));
	return k;
}

EVP_PKEY *ec_p384_from_private(const uint8_t d_be[P384_LEN])
{
	const EC_GROUP *g = ec_p384_group();
	BIGNUM *d = BN_secure_new();
	EVP_PKEY *k = NULL;

	if (g && d && BN_bin2bn(d_be, P384_LEN, d) && !BN_is_zero(d) &&
	    BN_cmp(d, EC_GROUP_get0_order(g)) < 0) {
		BN_set_flags(d, BN_FLG_CONSTTIME);
		k = key_from_scalar(d);
	}
	BN_clear_free(d);
	return k;
}

int ec_p384_private_bytes(EVP_PKEY *k, uint8_t d_be[P384_LEN])
{
	BIGNUM *d = ec_private_bn(k);
	int rc = d && BN_bn2binpad(d, d_be, P384_LEN) == P384_LEN ? 0 : -1;

	BN_clear_free(d);
	return rc;
}

static int all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

EVP_PKEY *ec_p384_from_sev_point(const uint8_t qx_le[SEV_COORD_LEN], const uint8_t qy_le[SEV_COORD_LEN])
{
	const EC_GROUP *g = ec_p384_group();
	BN_CTX *bn = BN_CTX_new();
	BIGNUM *x = BN_new(), *y = BN_new(), *p = BN_new();
	EC_POINT *q = g ? EC_POINT_new(g) : NULL;
	uint8_t pub[P384_POINT_LEN];
	EVP_PKEY *k = NULL;

	if (!bn || !x || !y || !p || !q)
		goto out;
	if (!all_zero(qx_le + P384_LEN, SEV_COORD_LEN - P384_LEN) ||
	    !all_zero(qy_le + P384_LEN, SEV_COORD_LEN - P384_LEN))
		goto out;
	if (!BN_lebin2bn(qx_le, P384_LEN, x) || !BN_lebin2bn(qy_le, P384_LEN, y) ||
	    !EC_GROUP_get_curve(g, p, NULL, NULL, bn))
		goto out;
	/* Coordinates are field elements: refuse non-reduced encodings of a point. */
	if (BN_cmp(x, p) >= 0 || BN_cmp(y, p) >= 0)
		goto out;
	if (!EC_POINT_set_affine_coordinates(g, q, x, y, bn) || EC_POINT_is_on_curve(g, q, bn) != 1)
		goto out;
	if (EC_POINT_point2oct(g, q, POINT_CONVERSION_UNCOMPRESSED, pub, sizeof(pub), bn) != sizeof(pub))
		goto out;
	k = key_from_parts(pub, sizeof(pub), NULL);
out:
	if (!k)
		ERR_clear_error();
	EC_POINT_free(q);
	BN_free(x);
	BN_free(y);
	BN_free(p);
	BN_CTX_free(bn);
	return k;
}

int ec_p384_to_sev_point(EVP_PKEY *k, uint8_t qx_le[SEV_COORD_LEN], uint8_t qy_le[SEV_COORD_LEN])
{
	BIGNUM *x = NULL, *y = NULL;
	int rc = -1;

	if (k && EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_X, &x) &&
	    EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_Y, &y) &&
	    BN_bn2lebinpad(x, qx_le, SEV_COORD_LEN) == SEV_COORD_LEN &&
	    BN_bn2lebinpad(y, qy_le, SEV_COORD_LEN) == SEV_COORD_LEN)
		rc = 0;
	BN_free(x);
	BN_free(y);
	return rc;
}

int ec_p384_ecdh(EVP_PKEY *priv, EVP_PKEY *peer, uint8_t z[P384_LEN])
{
	EVP_PKEY_CTX *c = priv ? EVP_PKEY_CTX_new_from_pkey(NULL, priv, NULL) : NULL;
	size_t zlen = P384_LEN;
	int rc = -1;

	if (c && peer && EVP_PKEY_derive_init(c) > 0 && EVP_PKEY_derive_set_peer_ex(c, peer, 1) > 0 &&
	    EVP_PKEY_derive(c, z, &zlen) > 0 && zlen == P384_LEN)
		rc = 0;
	if (rc) {
		secure_zero(z, P384_LEN);
		ERR_clear_error();
	}
	EVP_PKEY_CTX_free(c);
	return rc;
}

int ec_secp256k1_public_xy(const uint8_t scalar_be[32], uint8_t xy[64])
{
	EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_secp256k1);
	BN_CTX *bn = BN_CTX_secure_new();
	BIGNUM *s = BN_secure_new(), *x = BN_new(), *y = BN_new();
	EC_POINT *p = g ? EC_POINT_new(g) : NULL;
	int rc = -1;

	if (!bn || !s || !x || !y || !p || !BN_bin2bn(scalar_be, 32, s))
		goto out;
	if (BN_is_zero(s) || BN_cmp(s, EC_GROUP_get0_order(g)) >= 0)
		goto out;
	BN_set_flags(s, BN_FLG_CONSTTIME);
	if (EC_POINT_mul(g, p, s, NULL, NULL, bn) && EC_POINT_get_affine_coordinates(g, p, x, y, bn) &&
	    BN_bn2binpad(x, xy, 32) == 32 && BN_bn2binpad(y, xy + 32, 32) == 32)
		rc = 0;
out:
	EC_POINT_free(p);
	BN_clear_free(s);
	BN_free(x);
	BN_free(y);
	BN_CTX_free(bn);
	EC_GROUP_free(g);
	return rc;
}
