/* transcript-migration.txt: a small SEV-ES guest (two pages, one vCPU) launched on a
 * seeded source platform and migrated to a seeded target that shares its AMD root, with
 * policy SEV so that SEND_START walks the target's whole chain (ARK -> ASK -> CEK ->
 * PEK -> PDH, the CEK as AMD's KDS signs it).  Every firmware command of both
 * platforms, in the order a pair of VMMs issues them; the target's DBG_DECRYPT at the
 * end shows the guest's plaintext arrived.  Both PDH keys and the unwrapped TEK/TIK
 * close the file so that every packet can be recomputed. */
#include <string.h>

#include "emu/crypto/pkey.h"
#include "emu/crypto/packet.h"
#include "emu/crypto/session.h"
#include "emu/crypto/symm.h"
#include "emu/fw/buffers.h"
#include "vectors/gen/vg_plat.h"

#define PAGES  2
#define POLICY (SEV_POLICY_ES | SEV_POLICY_SEV)
#define ASID   1

static const uint8_t source_seed[] = { 0x5e, 0xed, 0x00, 0x02 };
static const uint8_t target_seed[] = { 0x5e, 0xed, 0x00, 0x03 };

struct mig {
	struct vg_tx t;
	struct vg_plat src, dst;
	uint8_t pages[PAGES][4096], vmsa[4096];
	uint32_t sh, dh; /* guest handles */
	struct sev_cert src_pdh, dst_pdh;
	uint8_t dst_chain[SEV_CERT_CHAIN_LEN], amd[2 * AMD_CERT_MAX_LEN];
	size_t amd_len;
	struct sev_session session;
	uint8_t hdr[PAGES + 1][52], trans[PAGES + 1][4096];
	uint8_t src_priv[48], dst_priv[48];
};

static int init_es(struct mig *m, struct vg_plat *p)
{
	struct fwb_init init = { SEV_INIT_FLAG_ES, 0, VG_TMR_PA, 0x100000 };

	return vg_cmd(&m->t, p, FW_CMD_INIT, &init, NULL, 0, NULL, 0, 0);
}

static int export(struct mig *m, struct vg_plat *p, struct sev_cert *pdh, uint8_t *chain, uint8_t priv[48])
{
	struct fwb_pdh_cert_export x = { VG_DATA_PA(0), SEV_CERT_LEN, 0, VG_DATA_PA(1), SEV_CERT_CHAIN_LEN };
	struct vg_out o[] = { { VG_DATA_PA(0), SEV_CERT_LEN, pdh->raw }, { VG_DATA_PA(1), SEV_CERT_CHAIN_LEN, chain } };

	if (vg_cmd(&m->t, p, FW_CMD_PDH_CERT_EXPORT, &x, NULL, 0, o, 2, 0))
		return -1;
	return fw_seeded_pdh_private(p->fw, priv) ? vg_fail(m->t.g, "the seeded platform does not give its PDH key") : 0;
}

static int source_launch(struct mig *m)
{
	struct vg_plat *p = &m->src;
	struct fwb_start st = { 0, POLICY, 0, 0, 0, 0, 0 };
	struct fwb_activate act = { 0, ASID };
	struct fwb_handle_addr_len up = { 0, 0, 0, 4096 }, vm = { 0, 0, VG_VMSA_PA, 4096 }, me = { 0, 0, VG_DATA_PA(0), 48 };
	struct vg_in vin = { VG_VMSA_PA, m->vmsa, 4096 };
	struct vg_out mo = { VG_DATA_PA(0), 48, NULL };
	struct fwb_handle fin = { 0 };

	if (init_es(m, p) || vg_cmd(&m->t, p, FW_CMD_DF_FLUSH, NULL, NULL, 0, NULL, 0, 0) ||
	    vg_cmd(&m->t, p, FW_CMD_LAUNCH_START, &st, NULL, 0, NULL, 0, 0))
		return -1;
	m->sh = act.handle = up.handle = vm.handle = me.handle = fin.handle = st.handle;
	if (vg_cmd(&m->t, p, FW_CMD_ACTIVATE, &act, NULL, 0, NULL, 0, 0))
		return -1;
	for (int i = 0; i < PAGES; i++) {
		struct vg_in in = { VG_GUEST_PA + 4096u * (unsigned)i, m->pages[i], 4096 };

		up.paddr = in.pa;
		if (vg_cmd(&m->t, p, FW_CMD_LAUNCH_UPDATE_DATA, &up, &in, 1, NULL, 0, 0))
			return -1;
	}
	return vg_cmd(&m->t, p, FW_CMD_LAUNCH_UPDATE_VMSA, &vm, &vin, 1, NULL, 0, 0) ||
	       vg_cmd(&m->t, p, FW_CMD_LAUNCH_MEASURE, &me, NULL, 0, &mo, 1, 0) ||
	       vg_cmd(&m->t, p, FW_CMD_LAUNCH_FINISH, &fin, NULL, 0, NULL, 0, 0);
}

/* The target's certificates as the source's management hands them over: PDH, PEK ||
 * OCA || CEK with the KDS-signed CEK in place of the exported unsigned one, ASK || ARK. */
static int target_certs(struct mig *m)
{
	const struct amd_cert *ask = chip_ask(m->dst.chip), *ark = chip_ark(m->dst.chip);

	if (init_es(m, &m->dst) || export(m, &m->dst, &m->dst_pdh, m->dst_chain, m->dst_priv))
		return -1;
	memcpy(m->dst_chain + 2 * SEV_CERT_LEN, chip_cek(m->dst.chip)->raw, SEV_CERT_LEN);
	memcpy(m->amd, ask->raw, ask->len);
	memcpy(m->amd + ask->len, ark->raw, ark->len);
	m->amd_len = ask->len + ark->len;
	return 0;
}

static int send(struct mig *m)
{
	struct vg_plat *p = &m->src;
	uint8_t chain[SEV_CERT_CHAIN_LEN];
	struct fwb_send_start q = { m->sh, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	struct fwb_send_start s = { m->sh, 0, VG_DATA_PA(0), SEV_CERT_LEN, 0, VG_DATA_PA(1), SEV_CERT_CHAIN_LEN, 0,
				    VG_DATA_PA(2), (uint32_t)m->amd_len, 0, VG_DATA_PA(3), SEV_SESSION_LEN };
	struct vg_in s_in[] = { { VG_DATA_PA(0), m->dst_pdh.raw, SEV_CERT_LEN },
				{ VG_DATA_PA(1), m->dst_chain, SEV_CERT_CHAIN_LEN },
				{ VG_DATA_PA(2), m->amd, m->amd_len } };
	struct vg_out s_out = { VG_DATA_PA(3), SEV_SESSION_LEN, &m->session };
	struct fwb_transport uq = { m->sh, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	struct fwb_handle fin = { m->sh };
	struct fwb_guest_status gs = { m->sh, 0, 0, 0 };

	if (export(m, p, &m->src_pdh, chain, m->src_priv) ||
	    vg_cmd(&m->t, p, FW_CMD_SEND_START, &q, NULL, 0, NULL, 0, SEV_STATUS_INVALID_LENGTH) ||
	    vg_cmd(&m->t, p, FW_CMD_SEND_START, &s, s_in, 3, &s_out, 1, 0) ||
	    vg_cmd(&m->t, p, FW_CMD_SEND_UPDATE_DATA, &uq, NULL, 0, NULL, 0, SEV_STATUS_INVALID_LENGTH))
		return -1;
	for (int i = 0; i <= PAGES; i++) {
		int vmsa = i == PAGES;
		struct fwb_transport u = { m->sh, 0, VG_DATA_PA(0), 52, 0, vmsa ? VG_VMSA_PA : VG_GUEST_PA + 4096u * (unsigned)i,
					   4096, 0, VG_DATA_PA(1), 4096 };
		struct vg_out o[] = { { VG_DATA_PA(0), 52, m->hdr[i] }, { VG_DATA_PA(1), 4096, m->trans[i] } };

		if (vg_cmd(&m->t, p, vmsa ? FW_CMD_SEND_UPDATE_VMSA : FW_CMD_SEND_UPDATE_DATA, &u, NULL, 0, o, 2, 0))
			return -1;
	}
	return vg_cmd(&m->t, p, FW_CMD_SEND_FINISH, &fin, NULL, 0, NULL, 0, 0) ||
	       vg_cmd(&m->t, p, FW_CMD_GUEST_STATUS, &gs, NULL, 0, NULL, 0, 0);
}

static int receive(struct mig *m)
{
	struct vg_plat *p = &m->dst;
	struct fwb_start st = { 0, POLICY, VG_DATA_PA(0), SEV_CERT_LEN, 0, VG_DATA_PA(1), SEV_SESSION_LEN };
	struct vg_in st_in[] = { { VG_DATA_PA(0), m->src_pdh.raw, SEV_CERT_LEN }, { VG_DATA_PA(1), &m->session, SEV_SESSION_LEN } };
	struct fwb_activate act = { 0, ASID };
	struct fwb_handle fin = { 0 };
	struct fwb_guest_status gs = { 0, 0, 0, 0 };
	struct fwb_dbg dbg = { 0, 0, VG_GUEST_PA, VG_DBG_PA, PAGES * 4096 };
	uint8_t plain[PAGES * 4096];
	struct vg_out dbg_out = { VG_DBG_PA, sizeof(plain), plain };

	if (vg_cmd(&m->t, p, FW_CMD_DF_FLUSH, NULL, NULL, 0, NULL, 0, 0) ||
	    vg_cmd(&m->t, p, FW_CMD_RECEIVE_START, &st, st_in, 2, NULL, 0, 0))
		return -1;
	m->dh = act.handle = fin.handle = gs.handle = dbg.handle = st.handle;
	if (vg_cmd(&m->t, p, FW_CMD_ACTIVATE, &act, NULL, 0, NULL, 0, 0))
		return -1;
	for (int i = 0; i <= PAGES; i++) {
		int vmsa = i == PAGES;
		struct fwb_transport u = { m->dh, 0, VG_DATA_PA(0), 52, 0, vmsa ? VG_VMSA_PA : VG_GUEST_PA + 4096u * (unsigned)i,
					   4096, 0, VG_DATA_PA(1), 4096 };
		struct vg_in in[] = { { VG_DATA_PA(0), m->hdr[i], 52 }, { VG_DATA_PA(1), m->trans[i], 4096 } };

		if (vg_cmd(&m->t, p, vmsa ? FW_CMD_RECEIVE_UPDATE_VMSA : FW_CMD_RECEIVE_UPDATE_DATA, &u, in, 2, NULL, 0, 0))
			return -1;
	}
	if (vg_cmd(&m->t, p, FW_CMD_RECEIVE_FINISH, &fin, NULL, 0, NULL, 0, 0) ||
	    vg_cmd(&m->t, p, FW_CMD_GUEST_STATUS, &gs, NULL, 0, NULL, 0, 0) ||
	    vg_cmd(&m->t, p, FW_CMD_DBG_DECRYPT, &dbg, NULL, 0, &dbg_out, 1, 0))
		return -1;
	if (memcmp(plain, m->pages, sizeof(plain)))
		return vg_fail(m->t.g, "the target's guest does not hold the source's pages");
	return 0;
}

/* TEK/TIK as the target unwraps them, then every packet checked with them. */
static int keys(struct mig *m)
{
	EVP_PKEY *a = ec_p384_from_private(m->src_priv), *b = ec_p384_from_private(m->dst_priv);
	struct sev_pkt_ctx *pc = NULL;
	uint8_t z[48], z2[48], pt[4096];
	struct sev_tk tk;
	int rc = -1;

	if (!a || !b || ec_p384_ecdh(a, b, z) || ec_p384_ecdh(b, a, z2) || memcmp(z, z2, 48) ||
	    sev_session_unwrap(&m->session, z, 48, POLICY, &tk) != SEV_UNWRAP_OK || !(pc = sev_pkt_ctx_new(&tk))) {
		vg_fail(m->t.g, "the session does not unwrap with the platforms' PDH keys");
		goto out;
	}
	for (int i = 0; i <= PAGES; i++)
		if (sev_pkt_open(pc, SEV_PKT_CTX_TRANSPORT, m->hdr[i], m->trans[i], 4096, NULL, pt) ||
		    memcmp(pt, i == PAGES ? m->vmsa : m->pages[i], 4096)) {
			vg_fail(m->t.g, "packet %d does not open to the guest's page", i);
			goto out;
		}
	vw_section(m->t.w, "transcript-keys", "migration");
	vw_comment(m->t.w, "Test data, not secrets: both seeded platforms' PDH private keys (anyone with the seeds\n"
			   "can recompute them), the ECDH secret of SEND_START / RECEIVE_START, and the TEK and\n"
			   "TIK the session carries.");
	vw_hex(m->t.w, "source_pdh_priv", m->src_priv, 48);
	vw_hex(m->t.w, "target_pdh_priv", m->dst_priv, 48);
	vw_hex(m->t.w, "z", z, 48);
	vw_hex(m->t.w, "tek", tk.tek, 16);
	vw_hex(m->t.w, "tik", tk.tik, 16);
	rc = 0;
out:
	secure_zero(z, sizeof(z));
	secure_zero(z2, sizeof(z2));
	secure_zero(&tk, sizeof(tk));
	sev_pkt_ctx_free(pc);
	EVP_PKEY_free(a);
	EVP_PKEY_free(b);
	return rc;
}

int vg_gen_migration(struct vg *g, struct vw *w)
{
	static struct mig m; /* big: pages and packets */
	int rc = -1;

	memset(&m, 0, sizeof(m));
	m.t = (struct vg_tx){ g, w, 0 };
	vw_comment(w, "\nMemory map (each platform its own): command data at 0x10000 + i*0x4000, the guest's\n"
		      "pages at 0x100000, its VMSA at 0x140000, the TMR at 0x200000, DBG_DECRYPT output at\n"
		      "0x300000.  Policy 0x24 (ES, SEV), ASID 1 on both.  The guest's pages and VMSA come from\n"
		      "the input stream.  Replay: README \"transcripts\".");
	if (vg_draw(g, m.pages, sizeof(m.pages)) || vg_draw(g, m.vmsa, sizeof(m.vmsa)) ||
	    vg_plat_open(&m.t, &m.src, 0, "source", source_seed, sizeof(source_seed), NULL) ||
	    vg_plat_open(&m.t, &m.dst, 1, "target", target_seed, sizeof(target_seed), &m.src))
		goto out;
	if (source_launch(&m) || target_certs(&m) || send(&m) || receive(&m))
		goto out;
	rc = keys(&m);
out:
	vg_plat_close(&m.dst);
	vg_plat_close(&m.src);
	secure_zero(m.src_priv, sizeof(m.src_priv));
	secure_zero(m.dst_priv, sizeof(m.dst_priv));
	return rc;
}
