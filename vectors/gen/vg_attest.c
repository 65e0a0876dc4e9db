/* attestation.txt: ATTESTATION reports (spec §6.6) made by the firmware of a seeded
 * platform for two launched guests, in LSECRET and in RUNNING, then reports a guest
 * owner must refuse, with the verdict of owner_report_verify: BAD_SIGNATURE (0x0a)
 * when the PEK signature over bytes 0..0x33 fails or the signer fields are wrong,
 * BAD_MEASUREMENT (0x0b) for another MNONCE or digest, POLICY_FAILURE (0x07) for
 * another policy.  The platform runs at the firmware level from a seed, without a
 * state directory: its keys are those of a new chip whose firmware rng is seeded so. */
#include <stdlib.h>
#include <string.h>

#include "emu/crypto/pkey.h"
#include "emu/crypto/symm.h"
#include "emu/fw/buffers.h"
#include "emu/fw/fw.h"
#include "emu/util/bytes.h"
#include "vectors/gen/vg_fwplat.h"
#include "vectors/gen/vg_kinds.h"

#define DATA_PA 0x10000u
#define PAGE_PA 0x80000u

static const uint8_t fw_seed[] = { 0x5e, 0xed, 0x00, 0x04 };

static int cmd(struct vg *g, struct vg_fwplat *p, uint32_t id, void *buf)
{
	uint32_t st = vg_fwplat_cmd(p, id, buf);

	return st ? vg_fail(g, "%s: status 0x%02x: %s", fw_cmd_name(id), st, fw_reason(p->fw)) : 0;
}

static int attest(struct vg *g, struct vg_fwplat *p, uint32_t handle, const uint8_t mnonce[16], uint8_t report[208])
{
	struct fwb_attestation a = { handle, 0, DATA_PA, { 0 }, 208 };

	memcpy(a.mnonce, mnonce, 16);
	if (cmd(g, p, FW_CMD_ATTESTATION, &a))
		return -1;
	memcpy(report, p->mem + DATA_PA, 208);
	return 0;
}

/* A guest of one page launched without a session; reports in LSECRET and RUNNING. */
static int guest(struct vg *g, struct vg_fwplat *p, uint32_t policy, uint32_t asid, const uint8_t page[4096],
		 const uint8_t m1[16], const uint8_t m2[16], uint8_t r1[208], uint8_t r2[208])
{
	struct fwb_start st = { 0, policy, 0, 0, 0, 0, 0 };
	struct fwb_activate act = { 0, asid };
	struct fwb_handle_addr_len up = { 0, 0, PAGE_PA, 4096 }, me = { 0, 0, DATA_PA, 48 };
	struct fwb_handle fin = { 0 };

	memcpy(p->mem + PAGE_PA, page, 4096);
	if (cmd(g, p, FW_CMD_LAUNCH_START, &st))
		return -1;
	act.handle = up.handle = me.handle = fin.handle = st.handle;
	if (cmd(g, p, FW_CMD_ACTIVATE, &act) || cmd(g, p, FW_CMD_LAUNCH_UPDATE_DATA, &up) ||
	    cmd(g, p, FW_CMD_LAUNCH_MEASURE, &me) || (r1 && attest(g, p, st.handle, m1, r1)) ||
	    cmd(g, p, FW_CMD_LAUNCH_FINISH, &fin))
		return -1;
	return attest(g, p, st.handle, m2, r2);
}

static int platform(struct vg *g, struct vg_fwplat *p, struct sev_cert *pek)
{
	struct fwb_init init = { 0, 0, 0, 0 };
	struct fwb_pdh_cert_export x = { DATA_PA, SEV_CERT_LEN, 0, DATA_PA + 0x1000, SEV_CERT_CHAIN_LEN };
	uint8_t cuk[32];

	if (vg_draw(g, cuk, sizeof(cuk)))
		return -1;
	if (vg_fwplat_open(p, cuk, fw_seed, sizeof(fw_seed), "swsev-vectors-attestation"))
		return vg_fail(g, "cannot start the firmware");
	if (cmd(g, p, FW_CMD_INIT, &init) || cmd(g, p, FW_CMD_PDH_CERT_EXPORT, &x) || cmd(g, p, FW_CMD_DF_FLUSH, NULL))
		return -1;
	memcpy(pek->raw, p->mem + DATA_PA + 0x1000, SEV_CERT_LEN);
	return 0;
}

struct bad {
	const char *id, *what;
	size_t off;
	uint8_t xor;
};

static const struct bad bads[] = {
	{ "mnonce-flipped", "a bit of the MNONCE flipped", 0x00, 0x01 },
	{ "digest-flipped", "a bit of the launch digest flipped", 0x10, 0x80 },
	{ "policy-flipped", "the policy's NOSEND bit flipped", 0x30, 0x08 },
	{ "sig-usage-changed", "sig_usage 0x1003 (not the PEK's; outside the signed bytes)", 0x34, 0x01 },
	{ "sig-algo-changed", "sig_algo 0x3 (outside the signed bytes)", 0x38, 0x01 },
	{ "reserved-set", "the reserved word set (outside the signed bytes)", 0x3c, 0x01 },
	{ "r-flipped", "a bit of r flipped", 0x40 + 5, 0x02 },
	{ "s-flipped", "a bit of s flipped", 0x40 + 72 + 7, 0x04 },
};

int vg_gen_attestation(struct vg *g, struct vw *w)
{
	struct vg_fwplat p;
	struct sev_cert pek, other;
	uint8_t page[2][4096], m[3][16], r[3][208], d[2][32], t[208], m2[16], d2[32];
	EVP_PKEY *k = NULL;
	int rc = -1;

	memset(&p, 0, sizeof(p));
	vw_comment(w, "\nEach case: the PEK's public key as the firmware reads a signer (bytes 0x008..0x0a3 of\n"
		      "the PEK certificate: usage, algo, curve, Qx, Qy), the report, what the guest owner\n"
		      "expects (mnonce, digest, policy) and the verdict.  Report: mnonce[16] digest[32]\n"
		      "le32 policy, le32 sig_usage 0x1002, le32 sig_algo 0x2, le32 0, r[72] s[72] little-\n"
		      "endian; ECDSA P-384 over SHA-256 of bytes 0x00..0x33.\n\n"
		      "The firmware: fw_new with the default configuration, a chip-unique key from the\n"
		      "input stream, its rng HMAC-DRBG(seed 5eed0004, \"swsev-vectors-attestation\").");
	if (vg_draw(g, page, sizeof(page)) || vg_draw(g, m, sizeof(m)) || platform(g, &p, &pek) ||
	    guest(g, &p, SEV_POLICY_NODBG, 100, page[0], m[0], m[1], r[0], r[1]) ||
	    guest(g, &p, SEV_POLICY_NODBG | SEV_POLICY_NOKS | 0x00180000, 101, page[1], NULL, m[2], NULL, r[2]) ||
	    sha256(page[0], 4096, d[0]) || sha256(page[1], 4096, d[1]))
		goto out;
	if (vgk_attestation(g, w, "lsecret", &pek, r[0], m[0], d[0], SEV_POLICY_NODBG, 0) ||
	    vgk_attestation(g, w, "running", &pek, r[1], m[1], d[0], SEV_POLICY_NODBG, 0) ||
	    vgk_attestation(g, w, "running-policy-00180003", &pek, r[2], m[2], d[1], 0x00180003, 0))
		goto out;
	vw_comment(w, "\n\nThe \"running\" report with one change.");
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		memcpy(t, r[1], 208);
		t[bads[i].off] ^= bads[i].xor;
		vw_comment(w, "\n%s", bads[i].what);
		if (vgk_attestation(g, w, bads[i].id, &pek, t, m[1], d[0], SEV_POLICY_NODBG, 0x0a))
			goto out;
	}
	k = ec_p384_generate(vg_rng(g));
	if (!k || sev_cert_build(&other, 0, 24, SEV_USAGE_PEK, SEV_ALGO_ECDSA_SHA256, k)) {
		vg_fail(g, "key generation failed");
		goto out;
	}
	vw_comment(w, "\nthe report against another platform's PEK");
	if (vgk_attestation(g, w, "other-pek", &other, r[1], m[1], d[0], SEV_POLICY_NODBG, 0x0a))
		goto out;
	memcpy(m2, m[1], 16);
	m2[15] ^= 0x01;
	memcpy(d2, d[0], 32);
	d2[0] ^= 0x01;
	vw_comment(w, "\n\nGood reports, but not what the owner expects.");
	if (vgk_attestation(g, w, "expect-other-mnonce", &pek, r[1], m2, d[0], SEV_POLICY_NODBG, 0x0b) ||
	    vgk_attestation(g, w, "expect-other-digest", &pek, r[1], m[1], d2, SEV_POLICY_NODBG, 0x0b) ||
	    vgk_attestation(g, w, "expect-other-policy", &pek, r[1], m[1], d[0], SEV_POLICY_NODBG | SEV_POLICY_NOSEND, 0x07))
		goto out;
	rc = 0;
out:
	EVP_PKEY_free(k);
	vg_fwplat_close(&p);
	return rc;
}
