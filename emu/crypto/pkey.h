/* Key handling shared by firmware and tools: deterministic P-384 and RSA key
 * generation from a struct rng, SEV's little-endian key encodings, ECDH, ECDSA with
 * nonces drawn from the rng, RSA-PSS with salts drawn from the rng, and DER
 * (PKCS#8) serialization for persistent state and PEM files for the owner tool.
 *
 * Keys are plain EVP_PKEY; callers EVP_PKEY_free them.  Private scalars never leave
 * these functions except through pkey_to_der / ec_p384_private_bytes, whose callers
 * cleanse the output. */
#ifndef SWSEV_CRYPTO_PKEY_H
#define SWSEV_CRYPTO_PKEY_H

#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

#include "emu/crypto/rng.h"

#define P384_LEN      48 /* scalar / coordinate bytes */
#define SEV_COORD_LEN 72 /* SEV's zero-padded little-endian coordinate fields */

/* ---- P-384 ------------------------------------------------------------------------- */

/* d = (int_be(56 bytes from rng) mod (n-1)) + 1.  NULL on failure. */
EVP_PKEY *ec_p384_generate(struct rng *rng);

/* d = (int(bytes) mod (n-1)) + 1, bytes read big- or little-endian; the CEK derivation
 * (spec §5.7, little-endian) and the composite test vectors (big-endian) use it. */
EVP_PKEY *ec_p384_from_bytes(const uint8_t *bytes, size_t n, int little_endian);

/* A private key from its 48-byte big-endian scalar (1 <= d < n). */
EVP_PKEY *ec_p384_from_private(const uint8_t d_be[P384_LEN]);
int ec_p384_private_bytes(EVP_PKEY *k, uint8_t d_be[P384_LEN]);

/* Public key from SEV certificate coordinates (72-byte little-endian fields).
 * NULL if the point is not on P-384 or the padding bytes are not zero. */
EVP_PKEY *ec_p384_from_sev_point(const uint8_t qx_le[SEV_COORD_LEN], const uint8_t qy_le[SEV_COORD_LEN]);
int ec_p384_to_sev_point(EVP_PKEY *k, uint8_t qx_le[SEV_COORD_LEN], uint8_t qy_le[SEV_COORD_LEN]);

/* Z = X coordinate of d*Q, 48 bytes big-endian (EVP_PKEY_derive). */
int ec_p384_ecdh(EVP_PKEY *priv, EVP_PKEY *peer, uint8_t z[P384_LEN]);

/* ECDSA over a precomputed digest (SHA-256 or SHA-384 bytes, used as-is), nonce k
 * drawn from rng, r and s written as SEV 72-byte little-endian fields. */
int ec_p384_sign_digest(EVP_PKEY *priv, struct rng *rng, const uint8_t *digest, size_t dlen,
			uint8_t r_le[SEV_COORD_LEN], uint8_t s_le[SEV_COORD_LEN]);
/* 1 valid, 0 invalid, -1 error. */
int ec_p384_verify_digest(EVP_PKEY *pub, const uint8_t *digest, size_t dlen,
			  const uint8_t r_le[SEV_COORD_LEN], const uint8_t s_le[SEV_COORD_LEN]);

/* GET_ID: X || Y (32 bytes each, big-endian) of scalar*G on secp256k1. */
int ec_secp256k1_public_xy(const uint8_t scalar_be[32], uint8_t xy[64]);

/* ---- RSA --------------------------------------------------------------------------- */

/* e = 65537, primes searched from candidates drawn from rng (deterministic for a
 * seeded rng).  bits is 2048 or 4096. */
EVP_PKEY *rsa_generate(struct rng *rng, unsigned bits);

unsigned rsa_bits(EVP_PKEY *k);

/* Public key from little-endian modulus and exponent fields (AMD and SEV certs). */
EVP_PKEY *rsa_from_le(const uint8_t *mod_le, size_t mod_len, const uint8_t *exp_le, size_t exp_len);
/* Writes the modulus/exponent little-endian, zero-padded to the field sizes. */
int rsa_to_le(EVP_PKEY *k, uint8_t *mod_le, size_t mod_len, uint8_t *exp_le, size_t exp_len);

/* RSA-PSS, MGF1 with md, salt length = digest length, salt drawn from rng; msg is the
 * message (hashed here).  sig_be receives rsa_bits/8 bytes, big-endian. */
int rsa_pss_sign(EVP_PKEY *priv, struct rng *rng, const EVP_MD *md, const void *msg, size_t len,
		 uint8_t *sig_be, size_t sig_len);
/* 1 valid, 0 invalid, -1 error. */
int rsa_pss_verify(EVP_PKEY *pub, const EVP_MD *md, const void *msg, size_t len,
		   const uint8_t *sig_be, size_t sig_len);

/* ---- serialization ------------------------------------------------------------------ */

/* PKCS#8 DER of a private key (caller cleanses + frees via secure_free). */
int pkey_to_der(EVP_PKEY *k, uint8_t **der, size_t *len);
EVP_PKEY *pkey_from_der(const uint8_t *der, size_t len);

/* PEM files (private: PKCS#8, unencrypted, mode 0600; public: SubjectPublicKeyInfo). */
int pkey_write_pem(EVP_PKEY *k, const char *path, int private_key);
EVP_PKEY *pkey_read_pem(const char *path);

#endif
