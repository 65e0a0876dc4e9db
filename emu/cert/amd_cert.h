/* The AMD certificate codec (spec §5.4): ARK and ASK, RSA-2048 (Naples) or RSA-4096
 * (Rome and later), RSA-PSS signatures stored little-endian.  Real AMD roots from
 * ../shared/fixtures and the emulator's own generated root both go through here. */
#ifndef SWSEV_CERT_AMD_CERT_H
#define SWSEV_CERT_AMD_CERT_H

#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

#include "emu/cert/sev_cert.h"
#include "emu/crypto/rng.h"

#define AMD_CERT_HDR_LEN  0x40
#define AMD_CERT_MAX_LEN  0x640 /* 4096-bit: 1600 bytes; 2048-bit: 832 */
#define AMD_USAGE_ARK     0x00
#define AMD_USAGE_ASK     0x13
#define AMD_KEY_ID_LEN    16

#define AMD_CERT_OFF_VERSION   0x00
#define AMD_CERT_OFF_KEY_ID    0x04
#define AMD_CERT_OFF_CERTIFYING_ID 0x14
#define AMD_CERT_OFF_USAGE     0x24
#define AMD_CERT_OFF_EXP_BITS  0x38
#define AMD_CERT_OFF_MOD_BITS  0x3C

struct amd_cert {
	uint8_t raw[AMD_CERT_MAX_LEN];
	size_t len; /* 0x40 + exp_bits/8 + 2*mod_bits/8 */
};

/* Total length implied by the header sizes, or 0 if they are not 2048/4096 bits. */
size_t amd_cert_len_for(uint32_t exp_bits, uint32_t mod_bits);

/* Parses one certificate at the start of buf (so ASK||ARK blobs parse in sequence).
 * Returns the number of bytes consumed, or 0 when malformed (version != 1, sizes not
 * 2048/4096, avail too short), with *why set. */
size_t amd_cert_parse(const uint8_t *buf, size_t avail, struct amd_cert *out, const char **why);

uint32_t amd_cert_version(const struct amd_cert *c);
uint32_t amd_cert_usage(const struct amd_cert *c);
uint32_t amd_cert_exp_bits(const struct amd_cert *c);
uint32_t amd_cert_mod_bits(const struct amd_cert *c);
const uint8_t *amd_cert_key_id(const struct amd_cert *c);
const uint8_t *amd_cert_certifying_id(const struct amd_cert *c);
/* Length of the signed region: header || pub_exp || modulus. */
size_t amd_cert_signed_len(const struct amd_cert *c);

/* SHA-256 for 2048-bit keys (Naples), SHA-384 for 4096-bit. */
const EVP_MD *amd_cert_md(const struct amd_cert *c);

int amd_cert_pubkey(const struct amd_cert *c, EVP_PKEY **out);

/* SHA-384(header || pub_exp || modulus): what the firmware compares with the fused
 * hash of the product's root. */
int amd_cert_fused_hash(const struct amd_cert *ark, uint8_t out[48]);

/* Builds header and key (exp and modulus sized to the key), signature zeroed. */
int amd_cert_build(struct amd_cert *c, const uint8_t key_id[16], const uint8_t certifying_id[16],
		   uint32_t usage, EVP_PKEY *pub);
/* RSA-PSS (salt = hash length, salt from rng) by signer over the signed region. */
int amd_cert_sign(struct amd_cert *c, EVP_PKEY *signer, struct rng *rng);

/* SEV status + *why, as amd_cert.c in the firmware: ARK = usage 0, certifying_id ==
 * key_id, valid self-signature, and (if fused_hash != NULL) the root matches it. */
uint32_t amd_cert_validate_ark(const struct amd_cert *ark, const uint8_t *fused_hash, const char **why);
/* ASK = usage 0x13, certifying_id == ARK key_id, signed by the ARK. */
uint32_t amd_cert_validate_ask(const struct amd_cert *ask, const struct amd_cert *ark, const char **why);

/* The ASK as an SEV signer of CEKs: usage 0x13, algo RSA_SHA384 (4096-bit) or
 * RSA_SHA256 (2048-bit, Naples). */
uint32_t amd_cert_sev_pubkey(const struct amd_cert *ask, struct sev_pubkey *out, const char **why);

#endif
