/* The firmware side of the trusted channel (sev_channel.c, spec §6.3): opening it as
 * the server (LAUNCH_START, RECEIVE_START) or as the client (SEND_START). */
#include <string.h>

#include "emu/crypto/pkey.h"
#include "emu/fw/fw_priv.h"

static uint32_t peer_key(struct fw *fw, const struct sev_cert *peer, EVP_PKEY **out, const char *cmd)
{
	struct sev_pubkey pk = { 0 };
	const char *why = NULL;
	uint32_t st = SEV_STATUS_SUCCESS;

	if (!fw->nv.pdh_key)
		return fw_fail(fw, SEV_STATUS_INVALID_CERTIFICATE, "%s: this platform has no PDH", cmd);
	/* Only a sanity check: a DH peer's signatures are never verified here. */
	if ((st = sev_cert_sanity_dh(peer, &why)) != SEV_STATUS_SUCCESS ||
	    (st = sev_cert_pubkey(peer, &pk, &why)) != SEV_STATUS_SUCCESS)
		return fw_fail(fw, st, "%s: peer DH certificate: %s", cmd, why ? why : "invalid");
	*out = pk.key;
	return SEV_STATUS_SUCCESS;
}

static int channel_install(struct fw_guest *g, const struct sev_tk *tk)
{
	fw_guest_channel_clear(g);
	g->tk = *tk;
	g->pkt = sev_pkt_ctx_new(tk);
	g->have_channel = g->pkt != NULL;
	return g->have_channel ? 0 : -1;
}

uint32_t fw_channel_open_server(struct fw *fw, struct fw_guest *g, const struct sev_cert *peer,
				const struct sev_session *s, uint32_t policy, const char *cmd)
{
	uint8_t z[P384_LEN];
	struct sev_tk tk;
	EVP_PKEY *pub = NULL;
	enum sev_unwrap r;
	uint32_t st = SEV_STATUS_SUCCESS;

	if ((st = peer_key(fw, peer, &pub, cmd)) != SEV_STATUS_SUCCESS)
		return st;
	if (ec_p384_ecdh(fw->nv.pdh_key, pub, z) != 0) {
		EVP_PKEY_free(pub);
		return fw_fail(fw, SEV_STATUS_INVALID_CERTIFICATE, "%s: ECDH with the peer's key failed", cmd);
	}
	EVP_PKEY_free(pub);
	r = sev_session_unwrap(s, z, sizeof(z), policy, &tk);
	secure_zero(z, sizeof(z));
	switch (r) {
	case SEV_UNWRAP_OK:
		break;
	case SEV_UNWRAP_BAD_WRAP_MAC:
		return fw_fail(fw, SEV_STATUS_BAD_MEASUREMENT,
			       "%s: session wrap_mac does not verify (session not made for this platform's PDH, or tampered)", cmd);
	case SEV_UNWRAP_BAD_POLICY_MAC:
		return fw_fail(fw, SEV_STATUS_BAD_MEASUREMENT,
			       "%s: session policy_mac does not verify for policy 0x%08x", cmd, policy);
	default:
		return fw_fail(fw, SEV_STATUS_HWERROR_PLATFORM, "%s: session unwrap failed", cmd);
	}
	/* sev_guest_verify_policy: after the MAC, the version and the reserved bits. */
	if (SEV_POLICY_API_MAJOR(policy) > fw->cfg.api_major ||
	    (SEV_POLICY_API_MAJOR(policy) == fw->cfg.api_major && SEV_POLICY_API_MINOR(policy) > fw->cfg.api_minor)) {
		secure_zero(&tk, sizeof(tk));
		return fw_fail(fw, SEV_STATUS_POLICY_FAILURE, "%s: policy requires API %u.%u, firmware is %u.%u", cmd,
			       SEV_POLICY_API_MAJOR(policy), SEV_POLICY_API_MINOR(policy), fw->cfg.api_major,
			       fw->cfg.api_minor);
	}
	if (policy & SEV_POLICY_RESERVED) {
		secure_zero(&tk, sizeof(tk));
		return fw_fail(fw, SEV_STATUS_POLICY_FAILURE, "%s: policy 0x%08x sets reserved bits 6..15", cmd, policy);
	}
	st = channel_install(g, &tk) == 0 ? SEV_STATUS_SUCCESS
					  : fw_fail(fw, SEV_STATUS_HWERROR_PLATFORM, "%s: out of memory", cmd);
	secure_zero(&tk, sizeof(tk));
	return st;
}

uint32_t fw_channel_open_client(struct fw *fw, struct fw_guest *g, const struct sev_cert *peer,
				struct sev_session *out)
{
	uint8_t z[P384_LEN], nonce[16], wrap_iv[16];
	struct sev_tk tk;
	EVP_PKEY *pub = NULL;
	uint32_t st = SEV_STATUS_SUCCESS;

	if ((st = peer_key(fw, peer, &pub, "SEND_START")) != SEV_STATUS_SUCCESS)
		return st;
	if (rng_bytes(fw->rng, &tk, sizeof(tk)) || rng_bytes(fw->rng, nonce, sizeof(nonce)) ||
	    rng_bytes(fw->rng, wrap_iv, sizeof(wrap_iv)) || ec_p384_ecdh(fw->nv.pdh_key, pub, z) != 0 ||
	    sev_session_wrap(&tk, z, sizeof(z), nonce, wrap_iv, g->policy, out) != 0 || channel_install(g, &tk) != 0)
		st = fw_fail(fw, SEV_STATUS_HWERROR_PLATFORM, "SEND_START: channel creation failed");
	EVP_PKEY_free(pub);
	secure_zero(z, sizeof(z));
	secure_zero(&tk, sizeof(tk));
	return st;
}
