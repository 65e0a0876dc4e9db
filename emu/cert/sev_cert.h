/* The SEV certificate codec (spec §5.2, §5.3): 0x824-byte certificates used for OCA,
 * PEK, PDH, CEK, the guest owner's DH key, and the validation rules the firmware
 * applies.  One codec for firmware and tools alike.
 *
 * The wire form is the truth: a struct sev_cert is the 0x824 raw bytes, so reserved
 * bytes and unused key bytes round-trip exactly, and accessors read fields from it. */
#ifndef SWSEV_CERT_SEV_CERT_H
#define SWSEV_CERT_SEV_CERT_H

#include <openssl/evp.h>
#include <stdint.h>

#include "emu/crypto/rng.h"

#define SEV_CERT_LEN      0x824
#define SEV_CERT_BODY_LEN 0x414 /* signed region: bytes 0x000..0x413 */
#define SEV_CERT_SIG_LEN  0x200
#define SEV_CERT_CHAIN_LEN (3 * SEV_CERT_LEN) /* PEK || OCA || CEK = 0x186C */

enum sev_usage {
	SEV_USAGE_ARK = 0x0000,
	SEV_USAGE_ASK = 0x0013,
	SEV_USAGE_INVALID = 0x1000, /* empty signature slot */
	SEV_USAGE_OCA = 0x1001,
	SEV_USAGE_PEK = 0x1002,
	SEV_USAGE_PDH = 0x1003,
	SEV_USAGE_CEK = 0x1004,
};

enum sev_algo {
	SEV_ALGO_INVALID = 0x000,
	SEV_ALGO_RSA_SHA256 = 0x001,
	SEV_ALGO_ECDSA_SHA256 = 0x002,
	SEV_ALGO_ECDH_SHA256 = 0x003,
	SEV_ALGO_RSA_SHA384 = 0x101,
	SEV_ALGO_ECDSA_SHA384 = 0x102,
	SEV_ALGO_ECDH_SHA384 = 0x103,
};

#define SEV_EC_CURVE_P384 2

/* Field offsets (spec §5.2). */
#define SEV_CERT_OFF_VERSION   0x000
#define SEV_CERT_OFF_API_MAJOR 0x004
#define SEV_CERT_OFF_API_MINOR 0x005
#define SEV_CERT_OFF_USAGE     0x008
#define SEV_CERT_OFF_ALGO      0x00C
#define SEV_CERT_OFF_PUBKEY    0x010
#define SEV_CERT_OFF_EC_CURVE  0x010
#define SEV_CERT_OFF_EC_QX     0x014
#define SEV_CERT_OFF_EC_QY     0x05C
#define SEV_CERT_OFF_RSA_BITS  0x010
#define SEV_CERT_OFF_RSA_EXP   0x014
#define SEV_CERT_OFF_RSA_MOD   0x214
#define SEV_CERT_OFF_SIG(slot) (0x414 + (slot) * 0x208) /* usage, algo, then 0x200 bytes */

struct sev_cert {
	uint8_t raw[SEV_CERT_LEN];
};

/* A public key as the firmware sees a signer: usage, algorithm and the key. */
struct sev_pubkey {
	uint32_t usage;
	uint32_t algo;
	EVP_PKEY *key; /* owned by whoever filled the struct; sev_pubkey_clear frees */
};
void sev_pubkey_clear(struct sev_pubkey *pk);

uint32_t sev_cert_version(const struct sev_cert *c);
uint8_t sev_cert_api_major(const struct sev_cert *c);
uint8_t sev_cert_api_minor(const struct sev_cert *c);
uint32_t sev_cert_usage(const struct sev_cert *c);
uint32_t sev_cert_algo(const struct sev_cert *c);
uint32_t sev_cert_sig_usage(const struct sev_cert *c, int slot); /* slot 0 or 1 */
uint32_t sev_cert_sig_algo(const struct sev_cert *c, int slot);

const char *sev_usage_name(uint32_t usage); /* "PEK", "ASK", ... or "UNKNOWN" */
const char *sev_algo_name(uint32_t algo);   /* "ECDSA_SHA256", ... */

/* Fresh body: version 1, the given API version, usage, algo and public key (P-384 EC
 * for ECDSA/ECDH algos, RSA for RSA algos), both signature slots empty (0x1000/0). */
int sev_cert_build(struct sev_cert *c, uint8_t api_major, uint8_t api_minor, uint32_t usage,
		   uint32_t algo, EVP_PKEY *pub);

/* Signs the body into slot (0 or 1) with signer_priv, recording (signer_usage,
 * signer_algo) in the slot.  ECDSA for *_ECDSA_*, RSA-PSS for *_RSA_*; the hash is
 * the one the signer's algo names.  Nonces/salts from rng. */
int sev_cert_sign(struct sev_cert *c, int slot, uint32_t signer_usage, uint32_t signer_algo,
		  EVP_PKEY *signer_priv, struct rng *rng);

/* Empties a slot (usage 0x1000, algo 0, zero bytes). */
void sev_cert_clear_sig(struct sev_cert *c, int slot);

/* First slot that is empty (usage 0x1000 and algo 0), or -1. */
int sev_cert_empty_slot(const struct sev_cert *c);

/* All functions below return an SEV status code (emu/fw/status.h) and, on failure,
 * point *why (if non-NULL) at a static sentence naming the failed precondition. */

/* The body's public key: SUCCESS, or INVALID_CERTIFICATE when the key is not a
 * usable P-384 point / RSA key <= 4096 bits or the algo is unknown.  On success
 * out->key must be released with sev_pubkey_clear. */
uint32_t sev_cert_pubkey(const struct sev_cert *c, struct sev_pubkey *out, const char **why);

/* Body checks: version 1 and a valid public key (spec §5.3 step 3). */
uint32_t sev_cert_validate_body(const struct sev_cert *c, const char **why);

/* The firmware's sev_cert_validate (spec §5.3): signer key validity, slot
 * consistency, signature of a slot whose (usage, algo) matches the signer,
 * body validity, and the parent rule (PDH<-PEK, PEK<-OCA|CEK, OCA<-OCA, CEK<-ASK). */
uint32_t sev_cert_validate(const struct sev_cert *c, const struct sev_pubkey *signer, const char **why);

/* Convenience: validate c against another SEV certificate's public key. */
uint32_t sev_cert_validate_by(const struct sev_cert *c, const struct sev_cert *signer, const char **why);

/* Sanity check of a peer's DH certificate for channel setup: body valid,
 * usage PDH (0x1003), algo ECDH_SHA256 (0x3).  Signatures are not checked. */
uint32_t sev_cert_sanity_dh(const struct sev_cert *c, const char **why);

#endif
