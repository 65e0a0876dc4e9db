/* Internal to emu/crypto: the algorithm objects fetched once per process, and the
 * helpers the hot paths (packets, memory encryption) build their own contexts from.
 * Not part of the module contract; other directories use symm.h. */
#ifndef SWSEV_CRYPTO_SYMM_INTERNAL_H
#define SWSEV_CRYPTO_SYMM_INTERNAL_H

#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

/* Fetched on first use, kept for the life of the process; NULL if the provider
 * lacks the algorithm. */
const EVP_MD *symm_sha256_md(void);
const EVP_MD *symm_sha384_md(void);
EVP_MAC *symm_hmac_mac(void);
const EVP_CIPHER *symm_aes128_ctr(void);
const EVP_CIPHER *symm_aes128_ecb(void);

/* A new HMAC-SHA256 context keyed with key (klen may be 0). */
EVP_MAC_CTX *symm_hmac_ctx_new(const uint8_t *key, size_t klen);

/* EVP_EncryptUpdate over any size_t length; the cipher must not buffer (CTR, or ECB
 * without padding on whole blocks).  Returns 0 or -1. */
int symm_cipher_update(EVP_CIPHER_CTX *c, const void *in, void *out, size_t len);

#endif
