/* The ATTESTATION report of verify.h (spec §6.6). */
#include <string.h>

#include "emu/crypto/pkey.h"
#include "emu/crypto/symm.h"
#include "emu/fw/status.h"
#include "emu/util/bytes.h"
#include "emu/util/hex.h"
#include "harness/owner/verify.h"

#define OFF_MNONCE 0x00
#define OFF_DIGEST 0x10
#define OFF_POLICY 0x30
#define OFF_USAGE  0x34
#define OFF_ALGO   0x38
#define OFF_RSVD   0x3C
#define OFF_SIG    0x40

void owner_report_decode(const uint8_t raw[OWNER_REPORT_LEN], struct owner_report *r)
{
	memcpy(r->mnonce, raw + OFF_MNONCE, 16);
	memcpy(r->digest, raw + OFF_DIGEST, 32);
	r->policy = le32_get(raw + OFF_POLICY);
	r->sig_usage = le32_get(raw + OFF_USAGE);
	r->sig_algo = le32_get(raw + OFF_ALGO);
	r->reserved = le32_get(raw + OFF_RSVD);
}

int owner_report_verify(const uint8_t raw[OWNER_REPORT_LEN], const struct sev_cert *pek,
			const struct owner_report_expect *x, struct owner_err *e)
{
	struct sev_pubkey pk = { 0 };
	struct owner_report r;
	const char *why = NULL;
	uint8_t dg[32];
	char a[65], b[65];
	uint32_t st;
	int ok;

	owner_report_decode(raw, &r);
	if (sev_cert_usage(pek) != SEV_USAGE_PEK)
		return owner_fail_status(e, SEV_STATUS_INVALID_CERTIFICATE, "the signer certificate is a %s, not a PEK",
					 sev_usage_name(sev_cert_usage(pek)));
	if (r.sig_usage != SEV_USAGE_PEK || r.sig_algo != SEV_ALGO_ECDSA_SHA256)
		return owner_fail_status(e, SEV_STATUS_BAD_SIGNATURE,
					 "the report says it is signed by usage 0x%x algo 0x%x, not the PEK with ECDSA_SHA256",
					 r.sig_usage, r.sig_algo);
	if (r.reserved)
		return owner_fail_status(e, SEV_STATUS_BAD_SIGNATURE, "the report's reserved word is 0x%x, not 0",
					 r.reserved);
	st = sev_cert_pubkey(pek, &pk, &why);
	if (st != SEV_STATUS_SUCCESS)
		return owner_fail_status(e, st, "the PEK public key is unusable: %s", why);
	if (sha256(raw, OWNER_REPORT_SIGNED_LEN, dg) != 0) {
		sev_pubkey_clear(&pk);
		return owner_fail(e, "SHA-256 failed");
	}
	ok = ec_p384_verify_digest(pk.key, dg, sizeof(dg), raw + OFF_SIG, raw + OFF_SIG + SEV_COORD_LEN);
	sev_pubkey_clear(&pk);
	if (ok != 1)
		return owner_fail_status(e, SEV_STATUS_BAD_SIGNATURE, "the report's PEK signature does not verify");
	if (x && x->mnonce && memcmp(x->mnonce, r.mnonce, 16) != 0) {
		hex_encode(r.mnonce, 16, a);
		hex_encode(x->mnonce, 16, b);
		return owner_fail_status(e, SEV_STATUS_BAD_MEASUREMENT, "the report's mnonce is %s, expected %s", a, b);
	}
	if (x && x->digest && memcmp(x->digest, r.digest, 32) != 0) {
		hex_encode(r.digest, 32, a);
		hex_encode(x->digest, 32, b);
		return owner_fail_status(e, SEV_STATUS_BAD_MEASUREMENT, "the report's launch digest is %s, expected %s",
					 a, b);
	}
	if (x && x->check_policy && x->policy != r.policy)
		return owner_fail_status(e, SEV_STATUS_POLICY_FAILURE, "the report's policy is 0x%x, expected 0x%x",
					 r.policy, x->policy);
	return 0;
}
