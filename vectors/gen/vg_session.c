/* session.txt: the 128-byte session blob of LAUNCH_START / SEND_START / RECEIVE_START
 * (spec §6.3) for several keys and policies, and blobs the server side must refuse. */
#include <string.h>

#include "emu/fw/fw.h"
#include "vectors/gen/vg_kinds.h"

struct session_in {
	uint8_t z[48], nonce[16], wrap_iv[16];
	struct sev_tk tk;
	uint32_t policy;
};

static const uint32_t policies[] = {
	0x00000000, 0x00000001, SEV_POLICY_NODBG | SEV_POLICY_ES, SEV_POLICY_SEV | SEV_POLICY_DOMAIN | SEV_POLICY_NOKS,
	0x18000001 /* minimum API 0.24 */, 0xffffffff,
};

static int draw_in(struct vg *g, struct session_in *in, uint32_t policy)
{
	in->policy = policy;
	return vg_draw(g, in->z, 48) || vg_draw(g, in->nonce, 16) || vg_draw(g, in->wrap_iv, 16) ||
	       vg_draw(g, &in->tk, sizeof(in->tk));
}

static int reject(struct vg *g, struct vw *w, const char *id, const struct session_in *in, const struct sev_session *s,
		  const char *what)
{
	vw_comment(w, "\n%s", what);
	return vgk_session_reject(g, w, id, in->z, 48, in->policy, s);
}

int vg_gen_session(struct vg *g, struct vw *w)
{
	struct session_in in, other;
	struct sev_session s, t;
	char id[32];

	vw_comment(w, "\nZ (48 bytes, as ECDH gives it), nonce, wrap IV, TEK and TIK drawn from the input\n"
		      "stream; one case per policy.  master = KDF(Z, \"sev-master-secret\", nonce, 16);\n"
		      "KEK/KIK = KDF(master, \"sev-kek\"/\"sev-kik\", -, 16); wrap_tk = AES-128-CTR(KEK,\n"
		      "wrap_iv, TEK||TIK); wrap_mac = HMAC(KIK, wrap_tk); policy_mac = HMAC(TIK, le32(policy)).");
	for (size_t i = 0; i < sizeof(policies) / sizeof(policies[0]); i++) {
		snprintf(id, sizeof(id), "policy-%08x", policies[i]);
		if (draw_in(g, &in, policies[i]) || vgk_session(g, w, id, in.z, 48, in.nonce, in.wrap_iv, &in.tk, in.policy, NULL, &s))
			return -1;
	}

	/* The refusals all start from one good blob (the last case above). */
	vw_comment(w, "\n\nBlobs LAUNCH_START and RECEIVE_START must refuse with BAD_MEASUREMENT (0x0b), each\n"
		      "from the last good case above with one thing changed.  The server checks wrap_mac\n"
		      "(over wrap_tk only), then decrypts TEK||TIK, then checks policy_mac.");
	t = s;
	t.wrap_tk[0] ^= 0x01;
	if (reject(g, w, "wrap-tk-flipped", &in, &t, "a bit of wrap_tk flipped: wrap_mac fails"))
		return -1;
	t = s;
	t.wrap_mac[31] ^= 0x80;
	if (reject(g, w, "wrap-mac-flipped", &in, &t, "a bit of wrap_mac flipped"))
		return -1;
	t = s;
	t.nonce[5] ^= 0x10;
	if (reject(g, w, "nonce-flipped", &in, &t, "a bit of the nonce flipped: another master secret, so wrap_mac fails"))
		return -1;
	t = s;
	t.wrap_iv[15] ^= 0x01;
	if (reject(g, w, "wrap-iv-flipped",
		   &in, &t, "a bit of wrap_iv flipped: wrap_mac still holds (it covers wrap_tk only), but\n"
			    "TEK||TIK decrypt wrongly, so policy_mac fails"))
		return -1;
	t = s;
	t.policy_mac[0] ^= 0x01;
	if (reject(g, w, "policy-mac-flipped", &in, &t, "a bit of policy_mac flipped"))
		return -1;
	other = in;
	other.policy ^= SEV_POLICY_NOSEND;
	if (reject(g, w, "policy-differs", &other, &s, "the command's policy differs from the one MACed (NOSEND added)"))
		return -1;
	if (vg_draw(g, other.z, 48))
		return -1;
	other.policy = in.policy;
	return reject(g, w, "z-differs", &other, &s, "another Z (the blob was wrapped for another PDH): wrap_mac fails");
}
