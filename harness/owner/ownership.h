/* Taking ownership of a platform (spec §5.6): the platform owner's OCA key, the
 * self-signed OCA certificate, and the PEK_CSR signed with it, which PEK_CERT_IMPORT
 * (`swsev platform pek-cert-import`) then installs.  The certificates are made as AMD
 * sev-tool's --sign_pek_csr makes them: OCA version 1, API 0.0, ECDSA_SHA256 on P-384,
 * self-signed in slot 1; the PEK signed by the OCA in slot 1, slot 2 left for the
 * firmware's CEK signature. */
#ifndef SWSEV_OWNER_OWNERSHIP_H
#define SWSEV_OWNER_OWNERSHIP_H

#include <openssl/evp.h>

#include "emu/cert/sev_cert.h"
#include "emu/crypto/rng.h"
#include "harness/owner/owner.h"

/* A P-384 key from rng (NULL on failure). */
EVP_PKEY *owner_oca_generate(struct rng *rng);

/* The self-signed OCA certificate of a key. */
int owner_oca_cert(EVP_PKEY *oca_key, struct rng *rng, struct sev_cert *out, struct owner_err *e);

/* The PEK_CSR must be what the firmware returns: version 1, usage PEK, ECDSA_SHA256,
 * both signature slots empty.  signed_pek: the CSR with the OCA signature in slot 1;
 * oca: the OCA certificate to import with it. */
int owner_sign_pek_csr(const struct sev_cert *csr, EVP_PKEY *oca_key, struct rng *rng,
		       struct sev_cert *signed_pek, struct sev_cert *oca, struct owner_err *e);

#endif
