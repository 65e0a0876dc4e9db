#include "harness/owner/secret.h"

#include <string.h>

#include "emu/crypto/packet.h"
#include "emu/crypto/symm.h"
#include "emu/fw/status.h"

int owner_package_secret(const struct sev_tk *tk, const uint8_t *measurement, const uint8_t iv[16],
			 uint32_t flags, const void *secret, size_t len, uint8_t *ct,
			 uint8_t hdr[OWNER_SECRET_HDR_LEN], struct owner_err *e)
{
	struct sev_pkt_hdr h = { .flags = flags };

	if (len == 0 || len > UINT32_MAX)
		return owner_fail(e, "a secret of %zu bytes cannot be packaged", len);
	memcpy(h.iv, iv, 16);
	if (aes128_ctr(tk->tek, iv, secret, ct, len) != 0 ||
	    sev_pkt_mac(tk->tik, SEV_PKT_CTX_SECRET, flags, iv, (uint32_t)len, (uint32_t)len, ct, len, measurement,
			h.mac) != 0)
		return owner_fail(e, "encrypting the secret failed");
	sev_pkt_hdr_encode(&h, hdr);
	return 0;
}

int owner_open_secret(const struct sev_tk *tk, const uint8_t *measurement, const uint8_t hdr[OWNER_SECRET_HDR_LEN],
		      const void *ct, size_t len, uint8_t *pt, struct owner_err *e)
{
	struct sev_pkt_hdr h;
	uint8_t mac[32];

	if (len == 0 || len > UINT32_MAX)
		return owner_fail(e, "a packet of %zu bytes cannot be opened", len);
	sev_pkt_hdr_decode(hdr, &h);
	if (sev_pkt_mac(tk->tik, SEV_PKT_CTX_SECRET, h.flags, h.iv, (uint32_t)len, (uint32_t)len, ct, len,
			measurement, mac) != 0)
		return owner_fail(e, "HMAC-SHA256 failed");
	if (!ct_equal(mac, h.mac, 32))
		return owner_fail_status(e, SEV_STATUS_BAD_MEASUREMENT,
					 "the secret header's MAC does not match (other TIK, measurement or ciphertext)");
	if (aes128_ctr(tk->tek, h.iv, ct, pt, len) != 0)
		return owner_fail(e, "decrypting the secret failed");
	return 0;
}
