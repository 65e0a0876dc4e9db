/* Whole-chain validation in the order the firmware walks it ([FW] sev_mcmd.c
 * validate_platform / validate_domain), so the first failing link decides the
 * status exactly as on hardware. */
#include "emu/cert/chain.h"

#include <stdio.h>

#include "emu/fw/status.h"

/* The chain's *why names the certificate as well as the check, so it is composed;
 * it lives in a per-thread buffer until the next chain_* call on that thread. */
static _Thread_local char why_buf[256];

static uint32_t link_fail(const char **why, const char *cert, const char *inner, uint32_t st)
{
	if (why) {
		snprintf(why_buf, sizeof(why_buf), "%s: %s", cert, inner ? inner : sev_status_desc(st));
		*why = why_buf;
	}
	return st;
}

uint32_t chain_validate_amd(const struct amd_cert *ark, const struct amd_cert *ask,
			    const struct sev_cert *cek, const struct sev_cert *pek,
			    const struct sev_cert *pdh, const uint8_t *fused_hash, const char **why)
{
	struct sev_pubkey ask_pub = { 0 };
	const char *w = NULL;
	uint32_t st;

	if (!ark || !ask || !cek || !pek || !pdh)
		return link_fail(why, "chain", "a certificate is missing", SEV_STATUS_INVALID_CERTIFICATE);
	st = amd_cert_validate_ark(ark, fused_hash, &w);
	if (st != SEV_STATUS_SUCCESS)
		return link_fail(why, "ARK", w, st);
	st = amd_cert_validate_ask(ask, ark, &w);
	if (st != SEV_STATUS_SUCCESS)
		return link_fail(why, "ASK", w, st);
	st = amd_cert_sev_pubkey(ask, &ask_pub, &w);
	if (st != SEV_STATUS_SUCCESS) {
		sev_pubkey_clear(&ask_pub);
		return link_fail(why, "ASK", w, st);
	}
	st = sev_cert_validate(cek, &ask_pub, &w);
	sev_pubkey_clear(&ask_pub);
	if (st != SEV_STATUS_SUCCESS)
		return link_fail(why, "CEK (signed by the ASK)", w, st);
	st = sev_cert_validate_by(pek, cek, &w);
	if (st != SEV_STATUS_SUCCESS)
		return link_fail(why, "PEK (signed by the CEK)", w, st);
	st = sev_cert_validate_by(pdh, pek, &w);
	if (st != SEV_STATUS_SUCCESS)
		return link_fail(why, "PDH (signed by the PEK)", w, st);
	return SEV_STATUS_SUCCESS;
}

uint32_t chain_validate_owner(const struct sev_cert *oca, const struct sev_cert *pek,
			      const struct sev_cert *pdh, const char **why)
{
	const char *w = NULL;
	uint32_t st;

	if (!oca || !pek || !pdh)
		return link_fail(why, "chain", "a certificate is missing", SEV_STATUS_INVALID_CERTIFICATE);
	st = sev_cert_validate_by(oca, oca, &w);
	if (st != SEV_STATUS_SUCCESS)
		return link_fail(why, "OCA (self-signed)", w, st);
	st = sev_cert_validate_by(pek, oca, &w);
	if (st != SEV_STATUS_SUCCESS)
		return link_fail(why, "PEK (signed by the OCA)", w, st);
	st = sev_cert_validate_by(pdh, pek, &w);
	if (st != SEV_STATUS_SUCCESS)
		return link_fail(why, "PDH (signed by the PEK)", w, st);
	return SEV_STATUS_SUCCESS;
}

/* SEND_START's amd_certs_len check.  [FW] amd_cert_chain_length_is_valid accepts
 * 2*64 + 2*m_ask + 4*m_ark bytes (m = modulus bytes) for each of the four 2048/4096
 * combinations: 0x680 (2K/2K) and 0xC80 (4K/4K) are the real ASK||ARK sizes (every
 * AMD product pairs equal sizes).  For the mixed pairs the formula does not match
 * an actual concatenation (which would be 0x980 either way): 0xA80 (2K ASK, 4K ARK)
 * leaves 256 trailing bytes that the firmware ignores, and 0x880 (4K ASK, 2K ARK) is
 * too short to hold the ARK.  The status code is what a caller observes, so the
 * firmware's four values are accepted as they are; chain_parse_ask_ark then rejects
 * the short mixed form as INVALID_CERTIFICATE where the firmware would read past
 * the blob. */
int chain_amd_len_ok(size_t len)
{
	const size_t hdr = 0x40, m2 = 2048 / 8, m4 = 4096 / 8;

	return len == 2 * hdr + 2 * m2 + 4 * m2 || len == 2 * hdr + 2 * m2 + 4 * m4 ||
	       len == 2 * hdr + 2 * m4 + 4 * m2 || len == 2 * hdr + 2 * m4 + 4 * m4;
}

uint32_t chain_parse_ask_ark(const uint8_t *blob, size_t len, struct amd_cert *ask,
			     struct amd_cert *ark, const char **why)
{
	const char *w = NULL;
	size_t n;

	if (!blob || !ask || !ark || !chain_amd_len_ok(len))
		return link_fail(why, "ASK||ARK", "the length is not one the firmware accepts",
				 SEV_STATUS_INVALID_LENGTH);
	n = amd_cert_parse(blob, len, ask, &w);
	if (!n)
		return link_fail(why, "ASK", w, SEV_STATUS_INVALID_CERTIFICATE);
	if (!amd_cert_parse(blob + n, len - n, ark, &w))
		return link_fail(why, "ARK", w, SEV_STATUS_INVALID_CERTIFICATE);
	return SEV_STATUS_SUCCESS;
}
