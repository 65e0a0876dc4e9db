/* Internal to emu/crypto: shared P-384 plumbing for ecc.c and ecdsa.c. */
#ifndef SWSEV_CRYPTO_EC_INTERNAL_H
#define SWSEV_CRYPTO_EC_INTERNAL_H

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

/* The P-384 group, built once per process and never freed (read-only). */
const EC_GROUP *ec_p384_group(void);

/* d = (x mod (n-1)) + 1 for a candidate x; d is a secure BIGNUM flagged
 * constant-time.  NULL on failure. */
BIGNUM *ec_scalar_reduce(const EC_GROUP *g, const BIGNUM *x, BN_CTX *bn);

/* The private scalar of an EC key as a secure BIGNUM (caller BN_clear_free). */
BIGNUM *ec_private_bn(EVP_PKEY *k);

#endif
