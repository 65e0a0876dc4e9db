#include "harness/owner/session.h"

#include <string.h>

#include "emu/crypto/pkey.h"
#include "emu/crypto/symm.h"
#include "emu/fw/status.h"

int owner_godh_cert(EVP_PKEY *godh_key, struct rng *rng, struct sev_cert *out, struct owner_err *e)
{
	/* API 0.0: the firmware ignores the version of a peer's DH certificate, and sev-tool
	 * writes zeros there. */
	if (sev_cert_build(out, 0, 0, SEV_USAGE_PDH, SEV_ALGO_ECDH_SHA256, godh_key) != 0)
		return owner_fail(e, "cannot build the GODH certificate");
	if (rng && sev_cert_sign(out, 0, SEV_USAGE_PEK, SEV_ALGO_ECDSA_SHA256, godh_key, rng) != 0)
		return owner_fail(e, "cannot self-sign the GODH certificate");
	return 0;
}

static int pdh_public(const struct sev_cert *pdh, EVP_PKEY **out, struct owner_err *e)
{
	struct sev_pubkey pk = { 0 };
	const char *why = NULL;
	uint32_t st = sev_cert_sanity_dh(pdh, &why);

	if (st != SEV_STATUS_SUCCESS)
		return owner_fail_status(e, st, "the PDH certificate is not usable for a session: %s", why);
	st = sev_cert_pubkey(pdh, &pk, &why);
	if (st != SEV_STATUS_SUCCESS)
		return owner_fail_status(e, st, "the PDH public key is not usable: %s", why);
	*out = pk.key;
	return 0;
}

int owner_session_create_from(const struct sev_cert *pdh, uint32_t policy, EVP_PKEY *godh_key,
			      const uint8_t nonce[16], const uint8_t wrap_iv[16], const struct sev_tk *tk,
			      struct rng *rng, struct owner_session *out, struct owner_err *e)
{
	EVP_PKEY *peer = NULL;
	uint8_t z[P384_LEN];
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (pdh_public(pdh, &peer, e))
		return -1;
	if (ec_p384_ecdh(godh_key, peer, z) != 0) {
		owner_fail(e, "ECDH with the PDH failed");
		goto out;
	}
	if (sev_session_wrap(tk, z, sizeof(z), nonce, wrap_iv, policy, &out->session) != 0) {
		owner_fail(e, "wrapping the transport keys failed");
		goto out;
	}
	if (owner_godh_cert(godh_key, rng, &out->godh, e))
		goto out;
	out->policy = policy;
	out->tk = *tk;
	rc = 0;
out:
	secure_zero(z, sizeof(z));
	EVP_PKEY_free(peer);
	if (rc)
		owner_session_clear(out);
	return rc;
}

int owner_session_create(const struct sev_cert *pdh, uint32_t policy, struct rng *rng,
			 struct owner_session *out, struct owner_err *e)
{
	struct {
		uint8_t nonce[16], iv[16];
		struct sev_tk tk;
	} r;
	EVP_PKEY *godh;
	int rc;

	memset(out, 0, sizeof(*out));
	/* Fail on a bad PDH before drawing anything, so the message is about the PDH. */
	if (sev_cert_sanity_dh(pdh, NULL) != SEV_STATUS_SUCCESS) {
		EVP_PKEY *k = NULL;
		return pdh_public(pdh, &k, e);
	}
	godh = ec_p384_generate(rng);
	if (!godh)
		return owner_fail(e, "cannot generate the GODH key");
	if (rng_bytes(rng, &r, sizeof(r)) != 0) {
		EVP_PKEY_free(godh);
		return owner_fail(e, "the random number generator failed");
	}
	rc = owner_session_create_from(pdh, policy, godh, r.nonce, r.iv, &r.tk, rng, out, e);
	secure_zero(&r, sizeof(r));
	EVP_PKEY_free(godh);
	return rc;
}

int owner_session_open(const struct owner_session *s, EVP_PKEY *pdh_priv, struct sev_tk *tk,
		       struct owner_err *e)
{
	struct sev_pubkey godh = { 0 };
	const char *why = NULL;
	struct sev_tk got;
	uint8_t z[P384_LEN];
	uint32_t st = sev_cert_sanity_dh(&s->godh, &why);
	enum sev_unwrap u;

	if (st != SEV_STATUS_SUCCESS)
		return owner_fail_status(e, st, "GODH certificate: %s", why);
	st = sev_cert_pubkey(&s->godh, &godh, &why);
	if (st != SEV_STATUS_SUCCESS)
		return owner_fail_status(e, st, "GODH certificate: %s", why);
	if (ec_p384_ecdh(pdh_priv, godh.key, z) != 0) {
		sev_pubkey_clear(&godh);
		return owner_fail(e, "ECDH with the GODH key failed");
	}
	sev_pubkey_clear(&godh);
	u = sev_session_unwrap(&s->session, z, sizeof(z), s->policy, &got);
	secure_zero(z, sizeof(z));
	switch (u) {
	case SEV_UNWRAP_OK:
		break;
	case SEV_UNWRAP_BAD_WRAP_MAC:
		return owner_fail_status(e, SEV_STATUS_BAD_MEASUREMENT, "wrap_mac does not match (wrong PDH or tampered session)");
	case SEV_UNWRAP_BAD_POLICY_MAC:
		return owner_fail_status(e, SEV_STATUS_BAD_MEASUREMENT, "policy_mac does not match policy 0x%x", s->policy);
	default:
		return owner_fail(e, "unwrapping the session failed");
	}
	if (tk)
		*tk = got;
	secure_zero(&got, sizeof(got));
	return 0;
}

void owner_session_clear(struct owner_session *s)
{
	if (s)
		secure_zero(&s->tk, sizeof(s->tk));
}
