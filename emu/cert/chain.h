/* Whole-chain validation shared by the firmware (SEND_START with policy SEV / DOMAIN)
 * and the guest-owner tool (verify-chain):
 *   ARK -> ASK -> CEK -> PEK <- OCA,  PEK -> PDH.
 * Every function returns an SEV status and sets *why to a sentence naming the
 * certificate and the failed check. */
#ifndef SWSEV_CERT_CHAIN_H
#define SWSEV_CERT_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "emu/cert/amd_cert.h"
#include "emu/cert/sev_cert.h"

/* ARK (self-signed; fused_hash NULL = any root) -> ASK -> CEK -> PEK -> PDH. */
uint32_t chain_validate_amd(const struct amd_cert *ark, const struct amd_cert *ask,
			    const struct sev_cert *cek, const struct sev_cert *pek,
			    const struct sev_cert *pdh, const uint8_t *fused_hash, const char **why);

/* OCA (self-signed) -> PEK -> PDH. */
uint32_t chain_validate_owner(const struct sev_cert *oca, const struct sev_cert *pek,
			      const struct sev_cert *pdh, const char **why);

/* Splits the SEND_START amd_certs blob ASK || ARK.  Returns SUCCESS or
 * INVALID_LENGTH / INVALID_CERTIFICATE. */
uint32_t chain_parse_ask_ark(const uint8_t *blob, size_t len, struct amd_cert *ask,
			     struct amd_cert *ark, const char **why);

/* The lengths SEND_START accepts for ASK || ARK (spec §2.4 step 5). */
int chain_amd_len_ok(size_t len);

#endif
