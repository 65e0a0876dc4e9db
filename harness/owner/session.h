/* A guest owner's launch session for one platform (spec §6.1, §6.3, §9.1): a fresh
 * P-384 GODH key, Z = ECDH(GODH private, PDH public), the 128-byte session blob that
 * wraps a fresh TEK/TIK for that PDH and MACs the policy, and the GODH certificate the
 * VMM passes to LAUNCH_START with it.
 *
 * The GODH certificate is made as AMD sev-tool makes it (version 1, API 0.0, usage PDH,
 * algo ECDH_SHA256, the body self-signed with the GODH key in slot 1 as PEK /
 * ECDSA_SHA256); the firmware only sanity-checks it (usage, algo, key). */
#ifndef SWSEV_OWNER_SESSION_H
#define SWSEV_OWNER_SESSION_H

#include <openssl/evp.h>
#include <stdint.h>

#include "emu/cert/sev_cert.h"
#include "emu/crypto/rng.h"
#include "emu/crypto/session.h"
#include "harness/owner/owner.h"

struct owner_session {
	uint32_t policy;
	struct sev_cert godh;       /* godh.cert */
	struct sev_session session; /* launch_blob.bin */
	struct sev_tk tk;           /* tmp_tk.bin: TEK || TIK (secret) */
};

/* Everything drawn from rng: the GODH key, nonce, wrap IV, TEK, TIK (and the GODH
 * self-signature's nonce).  A seeded rng makes the session reproducible.  The PDH must
 * pass the firmware's DH sanity check (usage PDH, algo ECDH_SHA256, a P-384 point);
 * its signature chain is verify.h's business. */
int owner_session_create(const struct sev_cert *pdh, uint32_t policy, struct rng *rng,
			 struct owner_session *out, struct owner_err *e);

/* Fully explicit, for known-answer tests: the GODH private key and every random value
 * given.  rng is used only for the GODH certificate's self-signature (may be NULL:
 * then slot 1 stays empty, as virtee/sevctl leave it). */
int owner_session_create_from(const struct sev_cert *pdh, uint32_t policy, EVP_PKEY *godh_key,
			      const uint8_t nonce[16], const uint8_t wrap_iv[16], const struct sev_tk *tk,
			      struct rng *rng, struct owner_session *out, struct owner_err *e);

/* The GODH certificate for a key, in sev-tool's form (rng NULL: unsigned). */
int owner_godh_cert(EVP_PKEY *godh_key, struct rng *rng, struct sev_cert *out, struct owner_err *e);

/* Checks a session against the PDH's private key, as LAUNCH_START would (firmware
 * order; BAD_MEASUREMENT for either MAC).  For tests and for the platform side of an
 * offline check; tk (may be NULL) receives the unwrapped keys. */
int owner_session_open(const struct owner_session *s, EVP_PKEY *pdh_priv, struct sev_tk *tk,
		       struct owner_err *e);

/* Cleanses the TEK/TIK. */
void owner_session_clear(struct owner_session *s);

#endif
