#include "emu/crypto/session.h"

#include <string.h>

#include "emu/crypto/kdf.h"
#include "emu/crypto/symm.h"
#include "emu/util/bytes.h"

_Static_assert(sizeof(struct sev_session) == SEV_SESSION_LEN, "session blob is 128 bytes");
_Static_assert(sizeof(struct sev_tk) == 32, "TEK || TIK is 32 bytes");

int sev_session_kek_kik(const uint8_t *z, size_t z_len, const uint8_t nonce[16],
			uint8_t kek[16], uint8_t kik[16])
{
	uint8_t master[16];
	int rc = -1;

	if (!z || !nonce || !kek || !kik)
		return -1;
	if (sev_kdf(z, z_len, SEV_KDF_LABEL_MASTER, nonce, 16, master, sizeof(master)) == 0 &&
	    sev_kdf(master, sizeof(master), SEV_KDF_LABEL_KEK, NULL, 0, kek, 16) == 0 &&
	    sev_kdf(master, sizeof(master), SEV_KDF_LABEL_KIK, NULL, 0, kik, 16) == 0)
		rc = 0;
	secure_zero(master, sizeof(master));
	if (rc) {
		secure_zero(kek, 16);
		secure_zero(kik, 16);
	}
	return rc;
}

static int policy_mac(const uint8_t tik[16], uint32_t policy, uint8_t mac[32])
{
	uint8_t p[4];

	le32_put(p, policy);
	return hmac_sha256(tik, 16, p, sizeof(p), mac);
}

int sev_session_wrap(const struct sev_tk *tk, const uint8_t *z, size_t z_len,
		     const uint8_t nonce[16], const uint8_t wrap_iv[16], uint32_t policy,
		     struct sev_session *out)
{
	uint8_t kek[16], kik[16];
	struct sev_session s;
	int rc = -1;

	if (!tk || !out || !nonce || !wrap_iv)
		return -1;
	memcpy(s.nonce, nonce, 16);
	memcpy(s.wrap_iv, wrap_iv, 16);
	/* TEK || TIK is exactly struct sev_tk's layout. */
	if (sev_session_kek_kik(z, z_len, nonce, kek, kik) == 0 &&
	    aes128_ctr(kek, wrap_iv, tk, s.wrap_tk, sizeof(s.wrap_tk)) == 0 &&
	    hmac_sha256(kik, sizeof(kik), s.wrap_tk, sizeof(s.wrap_tk), s.wrap_mac) == 0 &&
	    policy_mac(tk->tik, policy, s.policy_mac) == 0) {
		*out = s;
		rc = 0;
	}
	secure_zero(kek, sizeof(kek));
	secure_zero(kik, sizeof(kik));
	return rc;
}

enum sev_unwrap sev_session_unwrap(const struct sev_session *s, const uint8_t *z, size_t z_len,
				   uint32_t policy, struct sev_tk *out)
{
	uint8_t kek[16], kik[16], mac[32];
	struct sev_tk tk;
	enum sev_unwrap rc = SEV_UNWRAP_ERROR;

	if (!s || !out)
		return SEV_UNWRAP_ERROR;
	if (sev_session_kek_kik(z, z_len, s->nonce, kek, kik))
		goto out;
	if (hmac_sha256(kik, sizeof(kik), s->wrap_tk, sizeof(s->wrap_tk), mac))
		goto out;
	if (!ct_equal(mac, s->wrap_mac, sizeof(mac))) {
		rc = SEV_UNWRAP_BAD_WRAP_MAC;
		goto out;
	}
	if (aes128_ctr(kek, s->wrap_iv, s->wrap_tk, &tk, sizeof(tk)) ||
	    policy_mac(tk.tik, policy, mac))
		goto out;
	if (!ct_equal(mac, s->policy_mac, sizeof(mac))) {
		rc = SEV_UNWRAP_BAD_POLICY_MAC;
		goto out;
	}
	*out = tk;
	rc = SEV_UNWRAP_OK;
out:
	if (rc != SEV_UNWRAP_OK)
		secure_zero(out, sizeof(*out));
	secure_zero(&tk, sizeof(tk));
	secure_zero(kek, sizeof(kek));
	secure_zero(kik, sizeof(kik));
	return rc;
}
