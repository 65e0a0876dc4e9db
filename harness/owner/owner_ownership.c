#include "harness/owner/ownership.h"

#include <string.h>

#include "emu/crypto/pkey.h"
#include "emu/fw/status.h"

EVP_PKEY *owner_oca_generate(struct rng *rng)
{
	return ec_p384_generate(rng);
}

int owner_oca_cert(EVP_PKEY *oca_key, struct rng *rng, struct sev_cert *out, struct owner_err *e)
{
	if (sev_cert_build(out, 0, 0, SEV_USAGE_OCA, SEV_ALGO_ECDSA_SHA256, oca_key) != 0)
		return owner_fail(e, "cannot build the OCA certificate (the key must be P-384)");
	if (sev_cert_sign(out, 0, SEV_USAGE_OCA, SEV_ALGO_ECDSA_SHA256, oca_key, rng) != 0)
		return owner_fail(e, "cannot self-sign the OCA certificate");
	return 0;
}

int owner_sign_pek_csr(const struct sev_cert *csr, EVP_PKEY *oca_key, struct rng *rng,
		       struct sev_cert *signed_pek, struct sev_cert *oca, struct owner_err *e)
{
	const char *why = NULL;
	uint32_t st = sev_cert_validate_body(csr, &why);

	if (st != SEV_STATUS_SUCCESS)
		return owner_fail_status(e, st, "the PEK_CSR is not a valid certificate body: %s", why);
	if (sev_cert_usage(csr) != SEV_USAGE_PEK || sev_cert_algo(csr) != SEV_ALGO_ECDSA_SHA256)
		return owner_fail_status(e, SEV_STATUS_INVALID_CERTIFICATE,
					 "the PEK_CSR has usage 0x%x algo 0x%x, not a PEK with ECDSA_SHA256",
					 sev_cert_usage(csr), sev_cert_algo(csr));
	if (sev_cert_empty_slot(csr) != 0 || sev_cert_sig_usage(csr, 1) != SEV_USAGE_INVALID ||
	    sev_cert_sig_algo(csr, 1) != SEV_ALGO_INVALID)
		return owner_fail_status(e, SEV_STATUS_INVALID_CERTIFICATE,
					 "the PEK_CSR is already signed (a CSR has two empty signature slots)");
	if (owner_oca_cert(oca_key, rng, oca, e))
		return -1;
	*signed_pek = *csr;
	if (sev_cert_sign(signed_pek, 0, SEV_USAGE_OCA, SEV_ALGO_ECDSA_SHA256, oca_key, rng) != 0)
		return owner_fail(e, "cannot sign the PEK with the OCA key");
	st = sev_cert_validate_by(signed_pek, oca, &why);
	if (st != SEV_STATUS_SUCCESS)
		return owner_fail_status(e, st, "the signed PEK does not verify with the OCA: %s", why);
	return 0;
}
