#include "vectors/gen/vg_rx.h"

#include <string.h>

#include "emu/crypto/pkey.h"
#include "emu/fw/buffers.h"
#include "harness/owner/session.h"

#define HDR_PA   0x10000u /* also the certificate */
#define TRANS_PA 0x20000u /* also the session */
#define GUEST_PA 0x40000u
#define PLAIN_PA 0x60000u
#define MAX_LEN  0x10000u

int vg_rx_open(struct vg_rx *r)
{
	static const uint8_t cuk[32] = { 1 }, seed[] = { 0x7e, 0x57 };
	struct fwb_init init = { SEV_INIT_FLAG_ES, 0, 0x200000, 0x100000 };
	struct fwb_pdh_cert_export x = { HDR_PA, SEV_CERT_LEN, 0, TRANS_PA, SEV_CERT_CHAIN_LEN };

	memset(r, 0, sizeof(*r));
	r->next_es_asid = 1;
	r->next_asid = 100;
	if (vg_fwplat_open(&r->p, cuk, seed, sizeof(seed), "vectors-receiver"))
		return -1;
	if (vg_fwplat_cmd(&r->p, FW_CMD_INIT, &init) || vg_fwplat_cmd(&r->p, FW_CMD_PDH_CERT_EXPORT, &x) ||
	    vg_fwplat_cmd(&r->p, FW_CMD_DF_FLUSH, NULL)) {
		vg_rx_close(r);
		return -1;
	}
	memcpy(r->pdh.raw, r->p.mem + HDR_PA, SEV_CERT_LEN);
	return 0;
}

void vg_rx_close(struct vg_rx *r)
{
	vg_fwplat_close(&r->p);
}

/* RECEIVE_START for a session carrying tk, then ACTIVATE: the guest's handle, or 0. */
static uint32_t guest(struct vg_rx *r, const struct sev_tk *tk, int es)
{
	static const uint8_t nonce[16] = { 2 }, iv[16] = { 3 };
	uint32_t policy = es ? SEV_POLICY_ES : 0;
	EVP_PKEY *src = ec_p384_from_bytes(nonce, 16, 0); /* any key plays the source's PDH */
	struct owner_session s;
	struct owner_err e;
	struct fwb_start st = { 0, policy, HDR_PA, SEV_CERT_LEN, 0, TRANS_PA, SEV_SESSION_LEN };
	struct fwb_activate act = { 0, es ? r->next_es_asid++ : r->next_asid++ };
	int bad = !src || owner_session_create_from(&r->pdh, policy, src, nonce, iv, tk, NULL, &s, &e);

	EVP_PKEY_free(src);
	if (bad)
		return 0;
	memcpy(r->p.mem + HDR_PA, s.godh.raw, SEV_CERT_LEN);
	memcpy(r->p.mem + TRANS_PA, &s.session, SEV_SESSION_LEN);
	owner_session_clear(&s);
	if (vg_fwplat_cmd(&r->p, FW_CMD_RECEIVE_START, &st))
		return 0;
	act.handle = st.handle;
	return vg_fwplat_cmd(&r->p, FW_CMD_ACTIVATE, &act) ? 0 : st.handle;
}

uint32_t vg_rx_packet(struct vg_rx *r, const struct sev_tk *tk, uint32_t cmd, const uint8_t hdr[52], const uint8_t *ct,
		      uint32_t guest_len, uint32_t trans_len, uint8_t *pt)
{
	uint32_t h, st;
	struct fwb_transport u;
	struct fwb_dbg d;

	if (trans_len > MAX_LEN || guest_len > MAX_LEN || !(h = guest(r, tk, cmd == FW_CMD_RECEIVE_UPDATE_VMSA)))
		return 0xffff;
	u = (struct fwb_transport){ h, 0, HDR_PA, 52, 0, GUEST_PA, guest_len, 0, TRANS_PA, trans_len };
	memcpy(r->p.mem + HDR_PA, hdr, 52);
	memcpy(r->p.mem + TRANS_PA, ct, trans_len);
	st = vg_fwplat_cmd(&r->p, cmd, &u);
	if (st == 0 && pt) {
		struct fwb_handle fin = { h };

		d = (struct fwb_dbg){ h, 0, GUEST_PA, PLAIN_PA, guest_len };
		if (vg_fwplat_cmd(&r->p, FW_CMD_RECEIVE_FINISH, &fin) || vg_fwplat_cmd(&r->p, FW_CMD_DBG_DECRYPT, &d))
			return 0xffff;
		memcpy(pt, r->p.mem + PLAIN_PA, guest_len);
	}
	return st;
}

uint32_t vg_rx_launch_dh(struct vg_rx *r, const struct sev_cert *c)
{
	struct fwb_start st = { 0, 0, HDR_PA, SEV_CERT_LEN, 0, TRANS_PA, SEV_SESSION_LEN };

	memcpy(r->p.mem + HDR_PA, c->raw, SEV_CERT_LEN);
	memset(r->p.mem + TRANS_PA, 0, SEV_SESSION_LEN);
	return vg_fwplat_cmd(&r->p, FW_CMD_LAUNCH_START, &st);
}
