/* The SEV trusted channel (spec §6.3): the 128-byte session blob that carries TEK and
 * TIK wrapped under keys agreed by ECDH, used by LAUNCH_START, SEND_START and
 * RECEIVE_START, and by guest owners creating launch sessions.
 *
 *   master = KDF(Z, "sev-master-secret", nonce, 16)
 *   KEK = KDF(master, "sev-kek", -, 16)    KIK = KDF(master, "sev-kik", -, 16)
 *   wrap_tk = AES-128-CTR(KEK, wrap_iv, TEK || TIK)
 *   wrap_mac = HMAC-SHA256(KIK, wrap_tk)   policy_mac = HMAC-SHA256(TIK, le32(policy)) */
#ifndef SWSEV_CRYPTO_SESSION_H
#define SWSEV_CRYPTO_SESSION_H

#include <stddef.h>
#include <stdint.h>

#define SEV_SESSION_LEN 128

/* Wire layout; all byte arrays, so sizeof == 128. */
struct sev_session {
	uint8_t nonce[16];
	uint8_t wrap_tk[32];
	uint8_t wrap_iv[16];
	uint8_t wrap_mac[32];
	uint8_t policy_mac[32];
};

/* Transport keys: TEK encrypts, TIK authenticates. */
struct sev_tk {
	uint8_t tek[16];
	uint8_t tik[16];
};

int sev_session_kek_kik(const uint8_t *z, size_t z_len, const uint8_t nonce[16],
			uint8_t kek[16], uint8_t kik[16]);

/* Client side (SEND_START, a guest owner): builds the blob. */
int sev_session_wrap(const struct sev_tk *tk, const uint8_t *z, size_t z_len,
		     const uint8_t nonce[16], const uint8_t wrap_iv[16], uint32_t policy,
		     struct sev_session *out);

enum sev_unwrap {
	SEV_UNWRAP_OK = 0,
	SEV_UNWRAP_BAD_WRAP_MAC,   /* -> BAD_MEASUREMENT */
	SEV_UNWRAP_BAD_POLICY_MAC, /* -> BAD_MEASUREMENT */
	SEV_UNWRAP_ERROR,          /* crypto library failure */
};

/* Server side (LAUNCH_START, RECEIVE_START), in the firmware's order: wrap_mac, then
 * decrypt, then policy_mac.  out is only written (and otherwise cleansed) on OK. */
enum sev_unwrap sev_session_unwrap(const struct sev_session *s, const uint8_t *z, size_t z_len,
				   uint32_t policy, struct sev_tk *out);

#endif
