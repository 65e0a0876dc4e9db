/* The memory-encryption model: what the memory controller does to a guest's private
 * pages under its VEK.
 *
 * Real parts encrypt each 16-byte block with AES-128 and a physical-address tweak
 * (XE on Zen 1, XEX on Zen 2+; the exact tweak is not public and nothing outside the
 * CPU can observe it).  We use XEX with an address-derived tweak:
 *   T(a) = AES-128-ECB(K2, be128(a >> 4))         K2 = KDF(VEK, "swsev-memory-tweak", 16)
 *   C    = AES-128-ECB(VEK, P xor T(a)) xor T(a)
 * so equal plaintext at two addresses gives two ciphertexts and a flipped ciphertext
 * bit garbles its whole 16-byte block, as on hardware.  For a contiguous range the
 * tweaks are the AES-128-CTR keystream of K2 with counter block be128(a >> 4), so a
 * page costs two bulk EVP calls (CTR for the tweaks, ECB for the data), never one call
 * per block.  Addresses are the system-physical addresses the firmware is given
 * (C-bit already stripped); lengths and addresses are 16-byte aligned. */
#ifndef SWSEV_CRYPTO_MEMENC_H
#define SWSEV_CRYPTO_MEMENC_H

#include <stddef.h>
#include <stdint.h>

#define SEV_VEK_LEN 16
#define MEMENC_TWEAK_LABEL "swsev-memory-tweak"

struct memenc;

struct memenc *memenc_new(const uint8_t vek[SEV_VEK_LEN]);
void memenc_free(struct memenc *m); /* cleanses the keys */

/* in and out may alias.  addr and len must be multiples of 16; returns 0 or -1.
 * Not thread-safe per object (holds EVP contexts and a scratch buffer). */
int memenc_encrypt(struct memenc *m, uint64_t addr, const void *in, void *out, size_t len);
int memenc_decrypt(struct memenc *m, uint64_t addr, const void *in, void *out, size_t len);

#endif
