/* Symmetric primitives on OpenSSL 3 EVP: SHA-256, HMAC-SHA256, AES-128-CTR, and the
 * constant-time comparison and cleansing every secret-handling path uses. */
#ifndef SWSEV_CRYPTO_SYMM_H
#define SWSEV_CRYPTO_SYMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One piece of a message fed to a hash or MAC. */
struct iov {
	const void *p;
	size_t n;
};

int sha256(const void *msg, size_t len, uint8_t out[32]);
int sha384(const void *msg, size_t len, uint8_t out[48]);
int sha256_iov(const struct iov *v, size_t nv, uint8_t out[32]);

/* Incremental SHA-256 (the launch digest). */
struct sha256_ctx;
struct sha256_ctx *sha256_ctx_new(void);
int sha256_ctx_update(struct sha256_ctx *c, const void *p, size_t n);
int sha256_ctx_final(struct sha256_ctx *c, uint8_t out[32]); /* ctx unusable after */
struct sha256_ctx *sha256_ctx_dup(const struct sha256_ctx *c);
void sha256_ctx_free(struct sha256_ctx *c);

int hmac_sha256(const uint8_t *key, size_t klen, const void *msg, size_t len, uint8_t out[32]);
int hmac_sha256_iov(const uint8_t *key, size_t klen, const struct iov *v, size_t nv, uint8_t out[32]);

/* AES-128-CTR, the 16-byte IV being the whole initial counter block (128-bit
 * big-endian increment).  in == out is allowed. */
int aes128_ctr(const uint8_t key[16], const uint8_t iv[16], const void *in, void *out, size_t len);

/* Constant-time equality (CRYPTO_memcmp). */
bool ct_equal(const void *a, const void *b, size_t n);

/* OPENSSL_cleanse. */
void secure_zero(void *p, size_t n);

/* Cleanse n bytes then free. */
void secure_free(void *p, size_t n);

#endif
