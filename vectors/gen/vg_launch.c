/* transcript-launch.txt: a whole launch of a small SEV-ES guest (four pages, one vCPU)
 * on a seeded platform, the guest owner's side played by the owner library with keys
 * from the input stream: INIT, the certificate export, LAUNCH_START with a session,
 * the updates, LAUNCH_MEASURE, LAUNCH_SECRET, LAUNCH_FINISH, ATTESTATION, teardown;
 * length queries included.  The owner's secrets and the platform's PDH key close the
 * file so that every MAC, ciphertext and signature in it can be recomputed. */
#include <string.h>

#include "emu/crypto/pkey.h"
#include "emu/crypto/symm.h"
#include "emu/fw/buffers.h"
#include "emu/util/bytes.h"
#include "harness/owner/measure.h"
#include "harness/owner/secret.h"
#include "harness/owner/session.h"
#include "harness/owner/verify.h"
#include "vectors/gen/vg_plat.h"

#define PAGES  4
#define POLICY (SEV_POLICY_NODBG | SEV_POLICY_ES)
#define ASID   1 /* SEV-ES guests take ASIDs below min_sev_asid */
#define SECRET_LEN 64
#define SECRET_PA (VG_GUEST_PA + 3 * 4096 + 0x800)

static const uint8_t platform_seed[] = { 0x5e, 0xed, 0x00, 0x01 };

struct owner_side {
	EVP_PKEY *godh;
	struct owner_session s;
	uint8_t image[PAGES * 4096], vmsa[4096], secret[SECRET_LEN], iv[16], mnonce[16];
	uint8_t pdh_priv[48]; /* the platform's, read while it has one (SHUTDOWN drops it) */
};

static int platform_up(struct vg_tx *t, struct vg_plat *p, struct sev_cert *pdh, struct sev_cert *pek)
{
	struct fwb_platform_status ps = { 0 };
	struct fwb_init init = { SEV_INIT_FLAG_ES, 0, VG_TMR_PA, 0x100000 };
	struct fwb_addr_len id = { VG_DATA_PA(0), 64 };
	struct fwb_pdh_cert_export q = { 0 }, x = { VG_DATA_PA(0), SEV_CERT_LEN, 0, VG_DATA_PA(1), SEV_CERT_CHAIN_LEN };
	uint8_t chain[SEV_CERT_CHAIN_LEN];
	struct vg_out id_out = { VG_DATA_PA(0), 64, NULL };
	struct vg_out xo[] = { { VG_DATA_PA(0), SEV_CERT_LEN, pdh->raw }, { VG_DATA_PA(1), SEV_CERT_CHAIN_LEN, chain } };

	struct fwb_platform_status ps2 = { 0 };

	if (vg_cmd(t, p, FW_CMD_PLATFORM_STATUS, &ps, NULL, 0, NULL, 0, 0) ||
	    vg_cmd(t, p, FW_CMD_INIT, &init, NULL, 0, NULL, 0, 0) ||
	    vg_cmd(t, p, FW_CMD_PLATFORM_STATUS, &ps2, NULL, 0, NULL, 0, 0) ||
	    vg_cmd(t, p, FW_CMD_GET_ID, &id, NULL, 0, &id_out, 1, 0) ||
	    vg_cmd(t, p, FW_CMD_PDH_CERT_EXPORT, &q, NULL, 0, NULL, 0, SEV_STATUS_INVALID_LENGTH) ||
	    vg_cmd(t, p, FW_CMD_PDH_CERT_EXPORT, &x, NULL, 0, xo, 2, 0))
		return -1;
	memcpy(pek->raw, chain, SEV_CERT_LEN);
	return 0;
}

static int owner_prepare(struct vg *g, struct owner_side *o, const struct sev_cert *pdh)
{
	uint8_t nonce[16], wrap_iv[16];
	struct sev_tk tk;
	struct owner_err e;

	o->godh = ec_p384_generate(vg_rng(g));
	if (!o->godh || vg_draw(g, nonce, 16) || vg_draw(g, wrap_iv, 16) || vg_draw(g, &tk, sizeof(tk)) ||
	    vg_draw(g, o->image, sizeof(o->image)) || vg_draw(g, o->vmsa, sizeof(o->vmsa)) ||
	    vg_draw(g, o->secret, sizeof(o->secret)) || vg_draw(g, o->iv, 16) || vg_draw(g, o->mnonce, 16))
		return vg_fail(g, "owner inputs failed");
	if (owner_session_create_from(pdh, POLICY, o->godh, nonce, wrap_iv, &tk, vg_rng(g), &o->s, &e))
		return vg_fail(g, "owner session: %s", e.msg);
	secure_zero(&tk, sizeof(tk));
	return 0;
}

/* LAUNCH_START .. LAUNCH_FINISH, the owner checking the measurement in between. */
static int launch(struct vg_tx *t, struct vg_plat *p, struct owner_side *o, uint32_t *handle, uint8_t digest[32])
{
	struct fwb_start st = { 0, POLICY, VG_DATA_PA(0), SEV_CERT_LEN, 0, VG_DATA_PA(1), SEV_SESSION_LEN };
	struct vg_in st_in[] = { { VG_DATA_PA(0), o->s.godh.raw, SEV_CERT_LEN }, { VG_DATA_PA(1), &o->s.session, SEV_SESSION_LEN } };
	struct fwb_activate act = { 0, ASID };
	struct fwb_handle_addr_len up = { 0, 0, VG_GUEST_PA, sizeof(o->image) }, vm = { 0, 0, VG_VMSA_PA, 4096 };
	struct vg_in up_in = { VG_GUEST_PA, o->image, sizeof(o->image) }, vm_in = { VG_VMSA_PA, o->vmsa, 4096 };
	struct fwb_handle_addr_len mq = { 0, 0, 0, 0 }, m = { 0, 0, VG_DATA_PA(0), 48 };
	uint8_t blob[48], measurement[32], ct[SECRET_LEN], hdr[52];
	struct vg_out m_out = { VG_DATA_PA(0), 48, blob };
	struct fwb_transport sec = { 0, 0, VG_DATA_PA(0), 52, 0, SECRET_PA, SECRET_LEN, 0, VG_DATA_PA(1), SECRET_LEN };
	struct vg_in sec_in[] = { { VG_DATA_PA(0), hdr, 52 }, { VG_DATA_PA(1), ct, SECRET_LEN } };
	struct fwb_handle fin = { 0 };
	struct owner_fw_version v = { 0, 0, 0 };
	struct owner_err e;
	const struct fw_config *cfg = fw_get_config(p->fw);

	if (vg_cmd(t, p, FW_CMD_DF_FLUSH, NULL, NULL, 0, NULL, 0, 0) || vg_cmd(t, p, FW_CMD_LAUNCH_START, &st, st_in, 2, NULL, 0, 0))
		return -1;
	*handle = act.handle = up.handle = vm.handle = mq.handle = m.handle = sec.handle = fin.handle = st.handle;
	if (vg_cmd(t, p, FW_CMD_ACTIVATE, &act, NULL, 0, NULL, 0, 0) ||
	    vg_cmd(t, p, FW_CMD_LAUNCH_UPDATE_DATA, &up, &up_in, 1, NULL, 0, 0) ||
	    vg_cmd(t, p, FW_CMD_LAUNCH_UPDATE_VMSA, &vm, &vm_in, 1, NULL, 0, 0) ||
	    vg_cmd(t, p, FW_CMD_LAUNCH_MEASURE, &mq, NULL, 0, NULL, 0, SEV_STATUS_INVALID_LENGTH) ||
	    vg_cmd(t, p, FW_CMD_LAUNCH_MEASURE, &m, NULL, 0, &m_out, 1, 0))
		return -1;
	v.api_major = cfg->api_major;
	v.api_minor = cfg->api_minor;
	v.build = cfg->build;
	if (owner_launch_digest(o->image, sizeof(o->image), o->vmsa, 4096, 1, digest, &e) ||
	    owner_verify_measurement(blob, o->s.tk.tik, &v, POLICY, digest, measurement, &e) ||
	    owner_package_secret(&o->s.tk, measurement, o->iv, 0, o->secret, SECRET_LEN, ct, hdr, &e))
		return vg_fail(t->g, "the owner refuses the launch: %s", e.msg);
	return vg_cmd(t, p, FW_CMD_LAUNCH_SECRET, &sec, sec_in, 2, NULL, 0, 0) ||
	       vg_cmd(t, p, FW_CMD_LAUNCH_FINISH, &fin, NULL, 0, NULL, 0, 0);
}

static int running(struct vg_tx *t, struct vg_plat *p, struct owner_side *o, uint32_t handle,
		   const struct sev_cert *pek, const uint8_t digest[32])
{
	struct fwb_guest_status gs = { handle, 0, 0, 0 };
	struct fwb_attestation aq = { handle, 0, 0, { 0 }, 0 }, a = { handle, 0, VG_DATA_PA(0), { 0 }, 208 };
	uint8_t report[208];
	struct vg_out a_out = { VG_DATA_PA(0), 208, report };
	struct fwb_platform_status ps = { 0 };
	struct fwb_handle h = { handle };
	struct owner_report_expect x = { o->mnonce, digest, true, POLICY };
	struct owner_err e;

	memcpy(a.mnonce, o->mnonce, 16);
	if (vg_cmd(t, p, FW_CMD_GUEST_STATUS, &gs, NULL, 0, NULL, 0, 0) ||
	    vg_cmd(t, p, FW_CMD_ATTESTATION, &aq, NULL, 0, NULL, 0, SEV_STATUS_INVALID_LENGTH) ||
	    vg_cmd(t, p, FW_CMD_ATTESTATION, &a, NULL, 0, &a_out, 1, 0))
		return -1;
	if (owner_report_verify(report, pek, &x, &e))
		return vg_fail(t->g, "the owner refuses the report: %s", e.msg);
	return vg_cmd(t, p, FW_CMD_PLATFORM_STATUS, &ps, NULL, 0, NULL, 0, 0) ||
	       vg_cmd(t, p, FW_CMD_DEACTIVATE, &h, NULL, 0, NULL, 0, 0) ||
	       vg_cmd(t, p, FW_CMD_DECOMMISSION, &h, NULL, 0, NULL, 0, 0) ||
	       vg_cmd(t, p, FW_CMD_SHUTDOWN, NULL, NULL, 0, NULL, 0, 0);
}

static int keys(struct vg_tx *t, struct owner_side *o)
{
	uint8_t d[48], z[48];
	EVP_PKEY *pdh = ec_p384_from_private(o->pdh_priv);
	int rc = -1;

	if (!pdh || ec_p384_ecdh(o->godh, pdh, z)) {
		vg_fail(t->g, "cannot recover the session's secrets");
		goto out;
	}
	vw_section(t->w, "transcript-keys", "launch");
	vw_comment(t->w, "Test data, not secrets: the seeded platform's PDH private key (anyone with the seed\n"
			 "can recompute it) and the guest owner's GODH key, the ECDH secret, TEK, TIK, secret.");
	vw_hex(t->w, "pdh_priv", o->pdh_priv, 48);
	if (ec_p384_private_bytes(o->godh, d)) {
		vg_fail(t->g, "cannot export the GODH key");
		goto out;
	}
	vw_hex(t->w, "godh_priv", d, 48);
	vw_hex(t->w, "z", z, 48);
	vw_hex(t->w, "tek", o->s.tk.tek, 16);
	vw_hex(t->w, "tik", o->s.tk.tik, 16);
	vw_hex(t->w, "secret", o->secret, SECRET_LEN);
	rc = 0;
out:
	secure_zero(d, sizeof(d));
	secure_zero(z, sizeof(z));
	EVP_PKEY_free(pdh);
	return rc;
}

int vg_gen_launch(struct vg *g, struct vw *w)
{
	struct vg_tx t = { g, w, 0 };
	struct vg_plat p;
	struct owner_side o;
	struct sev_cert pdh, pek;
	uint8_t digest[32];
	uint32_t handle = 0;
	int rc = -1;

	memset(&o, 0, sizeof(o));
	vw_comment(w, "\nMemory map: command data at 0x10000 + i*0x4000, the guest's four pages at 0x100000,\n"
		      "its VMSA at 0x140000, the SEV-ES TMR at 0x200000.  Policy 0x5 (NODBG, ES), ASID 1.\n"
		      "The guest owner: GODH key, nonce, wrap IV, TEK, TIK, the image, the VMSA, the secret,\n"
		      "its IV and the attestation MNONCE from the input stream; the secret goes to guest\n"
		      "address 0x103800.  Replay: README \"transcripts\".");
	if (vg_plat_open(&t, &p, 0, "platform", platform_seed, sizeof(platform_seed), NULL))
		goto out;
	if (platform_up(&t, &p, &pdh, &pek))
		goto out;
	if (fw_seeded_pdh_private(p.fw, o.pdh_priv)) {
		vg_fail(g, "the seeded platform does not give its PDH key");
		goto out;
	}
	if (owner_prepare(g, &o, &pdh) || launch(&t, &p, &o, &handle, digest) || running(&t, &p, &o, handle, &pek, digest))
		goto out;
	rc = keys(&t, &o);
out:
	secure_zero(o.pdh_priv, sizeof(o.pdh_priv));
	EVP_PKEY_free(o.godh);
	owner_session_clear(&o.s);
	vg_plat_close(&p);
	return rc;
}
