/* The SEV key derivation function: NIST SP 800-108 counter mode with HMAC-SHA256 as
 * the PRF (spec sev-km.md §6.2).  For i = 1..ceil(8L/256):
 *   K_i = HMAC-SHA256(key, le32(i) || label || 0x00 || context || le32(8*L))
 * output = K_1 || ... truncated to L bytes.  The one KDF of the project: session
 * master secret, KEK, KIK, CEK derivation, the memory-encryption tweak key. */
#ifndef SWSEV_CRYPTO_KDF_H
#define SWSEV_CRYPTO_KDF_H

#include <stddef.h>
#include <stdint.h>

#define SEV_KDF_LABEL_MASTER "sev-master-secret"
#define SEV_KDF_LABEL_KEK    "sev-kek"
#define SEV_KDF_LABEL_KIK    "sev-kik"
#define SEV_KDF_LABEL_CEK    "sev-chip-endorsement-key"

/* context may be NULL when ctx_len is 0 (then it is omitted entirely).
 * Returns 0 or -1. */
int sev_kdf(const uint8_t *key, size_t key_len, const char *label,
	    const uint8_t *context, size_t ctx_len, uint8_t *out, size_t out_len);

#endif
