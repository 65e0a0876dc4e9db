/* launch-secret.txt and transport.txt: the 52-byte-header packets of the channel
 * (spec §6.5, §7.2), and packets the firmware must refuse, each with its status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/crypto/packet.h"
#include "emu/fw/fw.h"
#include "vectors/gen/vg_kinds.h"

#define MAXLEN 4096

struct keys {
	struct sev_tk tk;
	uint8_t iv[16], measurement[32];
};

static int draw_keys(struct vg *g, struct keys *k)
{
	return vg_draw(g, &k->tk, sizeof(k->tk)) || vg_draw(g, k->iv, 16) || vg_draw(g, k->measurement, 32);
}

/* A header whose MAC is recomputed for other flags (the flag is then "authentic"). */
static int remac(const struct sev_tk *tk, uint8_t ctx, uint32_t flags, uint8_t hdr[52], const uint8_t *ct, size_t len,
		 const uint8_t *measurement)
{
	struct sev_pkt_hdr h;

	sev_pkt_hdr_decode(hdr, &h);
	h.flags = flags;
	if (sev_pkt_mac(tk->tik, ctx, flags, h.iv, (uint32_t)len, (uint32_t)len, ct, len, measurement, h.mac))
		return -1;
	sev_pkt_hdr_encode(&h, hdr);
	return 0;
}

int vg_gen_launch_secret(struct vg *g, struct vw *w)
{
	static const size_t lens[] = { 16, 48, 64, 4096 };
	uint8_t secret[MAXLEN], ct[MAXLEN], hdr[52], h2[52], c2[MAXLEN];
	struct keys k;
	char id[32];

	vw_comment(w, "\nct = AES-128-CTR(TEK, iv, secret); mac = HMAC-SHA256(TIK, 01 || le32(flags) || iv ||\n"
		      "le32(guest_len) || le32(trans_len) || ct || measurement); header = le32(flags) || iv ||\n"
		      "mac.  The measurement is LAUNCH_MEASURE's first 32 bytes; before API 0.17 it is not\n"
		      "MACed.  Keys, IVs, measurements and secrets from the input stream.");
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		snprintf(id, sizeof(id), "len-%zu", lens[i]);
		if (draw_keys(g, &k) || vg_draw(g, secret, lens[i]) ||
		    vgk_launch_secret(g, w, id, &k.tk, k.measurement, k.iv, 0, secret, lens[i], NULL, NULL, NULL, NULL))
			return -1;
	}
	for (int i = 1; i <= 2; i++) {
		snprintf(id, sizeof(id), "pre017-%d", i);
		if (draw_keys(g, &k) || vg_draw(g, secret, 32) ||
		    vgk_launch_secret(g, w, id, &k.tk, NULL, k.iv, 0, secret, 32, NULL, NULL, NULL, NULL))
			return -1;
	}

	vw_comment(w, "\n\nPackets LAUNCH_SECRET must refuse, each from one good packet with one change.  The\n"
		      "firmware verifies the MAC first (BAD_MEASUREMENT, 0x0b), then refuses the COMPRESSED\n"
		      "flag (UNSUPPORTED, 0x15).");
	if (draw_keys(g, &k) || vg_draw(g, secret, 64) ||
	    vgk_launch_secret(g, w, "base", &k.tk, k.measurement, k.iv, 0, secret, 64, NULL, NULL, hdr, ct))
		return -1;
	memcpy(c2, ct, 64);
	c2[17] ^= 0x04;
	if (vgk_launch_secret_reject(g, w, "ciphertext-flipped", &k.tk, k.measurement, hdr, c2, 64, SEV_STATUS_BAD_MEASUREMENT))
		return -1;
	memcpy(h2, hdr, 52);
	h2[20] ^= 0x01;
	if (vgk_launch_secret_reject(g, w, "mac-flipped", &k.tk, k.measurement, h2, ct, 64, SEV_STATUS_BAD_MEASUREMENT))
		return -1;
	memcpy(h2, hdr, 52);
	h2[4] ^= 0x80;
	if (vgk_launch_secret_reject(g, w, "iv-flipped", &k.tk, k.measurement, h2, ct, 64, SEV_STATUS_BAD_MEASUREMENT))
		return -1;
	{
		uint8_t m2[32];

		memcpy(m2, k.measurement, 32);
		m2[31] ^= 0x01;
		vw_comment(w, "\nthe guest's measurement is not the one the owner MACed (the packet is the base one)");
		if (vgk_launch_secret_reject(g, w, "other-measurement", &k.tk, m2, hdr, ct, 64, SEV_STATUS_BAD_MEASUREMENT))
			return -1;
	}
	memcpy(h2, hdr, 52);
	h2[0] = SEV_PKT_FLAG_COMPRESSED;
	vw_comment(w, "\nCOMPRESSED set after the MAC was made: the MAC fails first");
	if (vgk_launch_secret_reject(g, w, "compressed-unmaced", &k.tk, k.measurement, h2, ct, 64, SEV_STATUS_BAD_MEASUREMENT))
		return -1;
	memcpy(h2, hdr, 52);
	if (remac(&k.tk, SEV_PKT_CTX_SECRET, SEV_PKT_FLAG_COMPRESSED, h2, ct, 64, k.measurement))
		return vg_fail(g, "MAC failed");
	vw_comment(w, "\nCOMPRESSED set and MACed: the MAC holds, the flag is refused");
	return vgk_launch_secret_reject(g, w, "compressed", &k.tk, k.measurement, h2, ct, 64, SEV_STATUS_UNSUPPORTED);
}

int vg_gen_transport(struct vg *g, struct vw *w)
{
	static const size_t lens[] = { 16, 64, 4096 };
	uint8_t pt[MAXLEN], ct[MAXLEN], hdr[52], h2[52], c2[MAXLEN];
	struct keys k;
	char id[32];

	vw_comment(w, "\nct = AES-128-CTR(TEK, iv, plaintext); mac = HMAC-SHA256(TIK, ctx || le32(flags) || iv ||\n"
		      "le32(len) || le32(len) || ct) with ctx 0x02; header = le32(flags) || iv || mac.  The\n"
		      "same packet comes out of SEND_UPDATE_* and goes into RECEIVE_UPDATE_*.  The published\n"
		      "firmware uses ctx 0x02 for VMSA packets too (0x03 is defined, never used; spec §7.2).");
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		snprintf(id, sizeof(id), "data-%zu", lens[i]);
		if (draw_keys(g, &k) || vg_draw(g, pt, lens[i]) ||
		    vgk_transport(g, w, id, FW_CMD_SEND_UPDATE_DATA, &k.tk, SEV_PKT_CTX_TRANSPORT, k.iv, pt, lens[i], NULL, NULL,
				  NULL, NULL))
			return -1;
	}
	if (draw_keys(g, &k) || vg_draw(g, pt, 4096) ||
	    vgk_transport(g, w, "vmsa", FW_CMD_SEND_UPDATE_VMSA, &k.tk, SEV_PKT_CTX_TRANSPORT, k.iv, pt, 4096, NULL, NULL,
			  NULL, NULL))
		return -1;
	vw_comment(w, "\nThe same VMSA packet as a firmware using ctx 0x03 would MAC it (informative: this\n"
		      "emulator, like the published firmware, refuses it; see transport-reject:vmsa-ctx-03)");
	if (vgk_transport(g, w, "vmsa-ctx-03", FW_CMD_SEND_UPDATE_VMSA, &k.tk, SEV_PKT_CTX_VMSA, k.iv, pt, 4096, NULL, NULL,
			  h2, c2))
		return -1;

	vw_comment(w, "\n\nPackets RECEIVE_UPDATE_DATA / _VMSA must refuse.  Order of the checks: lengths\n"
		      "(INVALID_LENGTH, 0x04), the COMPRESSED flag (UNSUPPORTED, 0x15), then the MAC\n"
		      "(BAD_MEASUREMENT, 0x0b).  Each from the base packet with one change; lengths are\n"
		      "the command's guest_len and trans_len.");
	if (vgk_transport_reject(g, w, "vmsa-ctx-03", FW_CMD_RECEIVE_UPDATE_VMSA, &k.tk, h2, c2, 4096, 4096,
				 SEV_STATUS_BAD_MEASUREMENT))
		return -1;
	if (draw_keys(g, &k) || vg_draw(g, pt, 64) ||
	    vgk_transport(g, w, "base", FW_CMD_SEND_UPDATE_DATA, &k.tk, SEV_PKT_CTX_TRANSPORT, k.iv, pt, 64, NULL, NULL, hdr, ct))
		return -1;
	memcpy(c2, ct, 64);
	c2[63] ^= 0x01;
	if (vgk_transport_reject(g, w, "ciphertext-flipped", FW_CMD_RECEIVE_UPDATE_DATA, &k.tk, hdr, c2, 64, 64,
				 SEV_STATUS_BAD_MEASUREMENT))
		return -1;
	memcpy(h2, hdr, 52);
	h2[51] ^= 0x40;
	if (vgk_transport_reject(g, w, "mac-flipped", FW_CMD_RECEIVE_UPDATE_DATA, &k.tk, h2, ct, 64, 64,
				 SEV_STATUS_BAD_MEASUREMENT))
		return -1;
	memcpy(h2, hdr, 52);
	h2[10] ^= 0x02;
	if (vgk_transport_reject(g, w, "iv-flipped", FW_CMD_RECEIVE_UPDATE_DATA, &k.tk, h2, ct, 64, 64,
				 SEV_STATUS_BAD_MEASUREMENT))
		return -1;
	memcpy(h2, hdr, 52);
	if (remac(&k.tk, SEV_PKT_CTX_TRANSPORT, SEV_PKT_FLAG_COMPRESSED, h2, ct, 64, NULL))
		return vg_fail(g, "MAC failed");
	vw_comment(w, "\nCOMPRESSED set (and MACed)");
	if (vgk_transport_reject(g, w, "compressed", FW_CMD_RECEIVE_UPDATE_DATA, &k.tk, h2, ct, 64, 64, SEV_STATUS_UNSUPPORTED))
		return -1;
	vw_comment(w, "\nguest_len 48 != trans_len 64");
	return vgk_transport_reject(g, w, "length-mismatch", FW_CMD_RECEIVE_UPDATE_DATA, &k.tk, hdr, ct, 48, 64,
				    SEV_STATUS_INVALID_LENGTH);
}
