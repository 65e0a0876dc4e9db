/* The emulator's source of randomness.
 *
 * Every random value the emulated firmware draws (chip identity, CEK/OCA/PEK/PDH keys,
 * the emulated ARK/ASK, VEKs, TEK/TIK, nonces, IVs, MNONCE, ECDSA nonces, RSA-PSS salts)
 * comes from one struct rng.  Unseeded, it reads the OS RNG through OpenSSL; seeded, it
 * is an HMAC-DRBG (SHA-256, EVP_RAND) instantiated from the seed and a personalization
 * string, so a whole run is reproducible byte for byte. */
#ifndef SWSEV_CRYPTO_RNG_H
#define SWSEV_CRYPTO_RNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rng;

/* OS randomness (RAND_priv_bytes). */
struct rng *rng_new_os(void);

/* Deterministic: HMAC-DRBG(SHA-256) whose entropy input is the seed (1..256 bytes) and
 * whose personalization string is `pers` (may be NULL/empty).  The same (seed, pers)
 * always yields the same stream.  Never reseeds from the OS.
 * Exactly (SP 800-90A 10.1.2, no reseeding, no additional input): entropy_input =
 * the seed zero-padded to 32 bytes if shorter, nonce = "swsev-drbg-v1" || 00 ||
 * le16(seed_len), personalization = pers (NULL = empty); each rng_bytes call is one
 * generate request per 64 KiB (the DRBG's max_request). */
struct rng *rng_new_seeded(const uint8_t *seed, size_t seed_len, const char *pers);

/* A new generator whose stream is determined by the parent's stream: seeded parents
 * give seeded children (seed = 32 bytes drawn from the parent, pers = `pers`), OS
 * parents give OS children.  Used to give independent consumers (the AMD root, each
 * boot of a platform) their own reproducible stream. */
struct rng *rng_derive(struct rng *parent, const char *pers);

/* Fills out with len random bytes.  Returns 0, or -1 if the generator failed (the
 * buffer is then zeroed).  Thread-safe per rng. */
int rng_bytes(struct rng *r, void *out, size_t len);

bool rng_is_seeded(const struct rng *r);

void rng_free(struct rng *r);

#endif
