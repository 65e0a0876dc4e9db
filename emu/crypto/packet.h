/* The 52-byte-header packets of the SEV channel and the launch measurement.
 *
 * Header: le32 flags (bit 0 COMPRESSED, unsupported), iv[16], mac[32].
 *   ct  = AES-128-CTR(TEK, iv, pt)
 *   mac = HMAC-SHA256(TIK, ctx || le32(flags) || iv || le32(guest_len) || le32(trans_len)
 *                          || ct [|| measurement[32]])
 * LAUNCH_SECRET: ctx 0x01, measurement appended (omitted before API 0.17).
 * SEND/RECEIVE_UPDATE_DATA and _VMSA: ctx 0x02, no measurement (spec §7.2: the
 * published firmware uses 0x02 for VMSA packets too; 0x03 is defined but unused).
 *
 * Measurement (spec §6.4):
 *   HMAC-SHA256(TIK, 0x04 || api_major || api_minor || build || le32(policy) || LD || mnonce)
 * and before API 0.17: HMAC-SHA256(TIK, le32(policy) || LD || mnonce). */
#ifndef SWSEV_CRYPTO_PACKET_H
#define SWSEV_CRYPTO_PACKET_H

#include <stddef.h>
#include <stdint.h>

#include "emu/crypto/session.h"

#define SEV_PKT_HDR_LEN       52
#define SEV_PKT_FLAG_COMPRESSED 0x1u
#define SEV_PKT_CTX_SECRET    0x01
#define SEV_PKT_CTX_TRANSPORT 0x02
#define SEV_PKT_CTX_VMSA      0x03 /* defined by the firmware, never used */
#define SEV_MEASURE_CTX       0x04
#define SEV_MEASUREMENT_LEN   32
#define SEV_MNONCE_LEN        16

struct sev_pkt_hdr {
	uint32_t flags;
	uint8_t iv[16];
	uint8_t mac[32];
};

void sev_pkt_hdr_encode(const struct sev_pkt_hdr *h, uint8_t out[SEV_PKT_HDR_LEN]);
void sev_pkt_hdr_decode(const uint8_t in[SEV_PKT_HDR_LEN], struct sev_pkt_hdr *h);

/* The MAC over the AAD and ciphertext; measurement may be NULL. */
int sev_pkt_mac(const uint8_t tik[16], uint8_t ctx, uint32_t flags, const uint8_t iv[16],
		uint32_t guest_len, uint32_t trans_len, const void *ct, size_t ct_len,
		const uint8_t *measurement, uint8_t mac[32]);

/* Keyed once, then used for many packets (SEND/RECEIVE of a whole guest): holds an
 * AES-128-CTR context and a keyed HMAC context.  Cleansed on free. */
struct sev_pkt_ctx;
struct sev_pkt_ctx *sev_pkt_ctx_new(const struct sev_tk *tk);
void sev_pkt_ctx_free(struct sev_pkt_ctx *c);

/* Encrypts len bytes (guest_len == trans_len == len) and fills the header (flags 0,
 * the given iv, the MAC).  pt and ct may alias. */
int sev_pkt_seal(struct sev_pkt_ctx *c, uint8_t ctx, const uint8_t iv[16], const void *pt,
		 size_t len, const uint8_t *measurement, void *ct, uint8_t hdr[SEV_PKT_HDR_LEN]);

/* Verifies the MAC first and only then decrypts into pt (untouched on mismatch).
 * Returns 0 ok, 1 MAC mismatch, -1 error.  The flags are MACed as found; rejecting
 * COMPRESSED is the caller's (firmware's) decision. */
int sev_pkt_open(struct sev_pkt_ctx *c, uint8_t ctx, const uint8_t hdr[SEV_PKT_HDR_LEN],
		 const void *ct, size_t len, const uint8_t *measurement, void *pt);

int sev_launch_measurement(const uint8_t tik[16], uint8_t api_major, uint8_t api_minor,
			   uint8_t build, uint32_t policy, const uint8_t digest[32],
			   const uint8_t mnonce[16], uint8_t out[32]);
int sev_launch_measurement_pre017(const uint8_t tik[16], uint32_t policy, const uint8_t digest[32],
				  const uint8_t mnonce[16], uint8_t out[32]);

#endif
