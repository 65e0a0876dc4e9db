/* Launch commands (spec §2.3): LAUNCH_START, LAUNCH_UPDATE_DATA/VMSA, LAUNCH_MEASURE,
 * LAUNCH_SECRET, LAUNCH_FINISH, and ATTESTATION. */
#include <stdlib.h>
#include <string.h>

#include "emu/crypto/pkey.h"
#include "emu/fw/buffers.h"
#include "emu/fw/fw_priv.h"
#include "emu/util/bytes.h"

#define UPDATE_CHUNK 0x10000

static bool pre_017(const struct fw *fw)
{
	return fw->cfg.api_major == 0 && fw->cfg.api_minor < 17;
}

/* Guest lookup in the order every handler below uses: platform WORKING, then a valid
 * handle. */
static struct fw_guest *working_guest(struct fw *fw, uint32_t handle, const char *cmd, uint32_t *st)
{
	struct fw_guest *g;

	if (fw->state != FW_PLAT_WORKING) {
		*st = fw_fail(fw, SEV_STATUS_INVALID_PLATFORM_STATE, "%s: platform is %s, not WORKING", cmd,
			      fw_plat_state_name(fw->state));
		return NULL;
	}
	if (!(g = fw_guest_get(fw, handle)))
		*st = fw_fail(fw, SEV_STATUS_INVALID_GUEST, "%s: handle %u is not a guest", cmd, handle);
	return g;
}

static uint32_t bad_state(struct fw *fw, const struct fw_guest *g, const char *cmd, const char *want)
{
	return fw_fail(fw, SEV_STATUS_INVALID_GUEST_STATE, "%s: guest %u is %s, not %s", cmd, g->handle,
		       fw_guest_state_name(g->state), want);
}

uint32_t fw_start_commit(struct fw *fw, struct fw_guest *g, uint32_t share, enum fw_guest_state state,
			 uint32_t *handle_out, const char *cmd)
{
	struct fw_guest *slot = NULL;
	uint8_t vek[SEV_VEK_LEN];

	if (share == 0) {
		if (rng_bytes(fw->rng, vek, sizeof(vek)) != 0)
			return fw_fail(fw, SEV_STATUS_HWERROR_PLATFORM, "%s: RNG failure", cmd);
	} else {
		struct fw_guest *other = fw_guest_get(fw, share);
		if (!other)
			return fw_fail(fw, SEV_STATUS_INVALID_GUEST, "%s: key-sharing handle %u is not a guest", cmd, share);
		if (other->policy != g->policy || (other->policy & SEV_POLICY_NOKS))
			return fw_fail(fw, SEV_STATUS_POLICY_FAILURE,
				       "%s: cannot share guest %u's key (policies 0x%08x/0x%08x must match and NOKS be clear)",
				       cmd, share, g->policy, other->policy);
		memcpy(vek, other->vek, sizeof(vek));
	}
	for (uint32_t i = 0; i < fw->cfg.guest_max && !slot; i++)
		if (!fw->guests[i].handle)
			slot = &fw->guests[i];
	if (!slot) {
		secure_zero(vek, sizeof(vek));
		return fw_fail(fw, SEV_STATUS_RESOURCE_LIMIT, "%s: all %u guest handles are in use", cmd, fw->cfg.guest_max);
	}
	if (g->policy & SEV_POLICY_ES) {
		if (!(fw->config_flags & SEV_INIT_FLAG_ES)) {
			secure_zero(vek, sizeof(vek));
			return fw_fail(fw, SEV_STATUS_UNSUPPORTED,
				       "%s: policy has ES but the platform was initialised without CONFIG.ES", cmd);
		}
		g->es = true;
	}
	if (fw_guest_set_vek(g, vek) != 0 || (state == FW_GUEST_LUPDATE && !(g->ld = sha256_ctx_new()))) {
		secure_zero(vek, sizeof(vek));
		return fw_fail(fw, SEV_STATUS_HWERROR_PLATFORM, "%s: out of memory", cmd);
	}
	secure_zero(vek, sizeof(vek));
	g->state = state;
	g->handle = (uint32_t)(slot - fw->guests) + 1;
	*slot = *g;
	memset(g, 0, sizeof(*g)); /* ownership moved to the slot */
	fw->state = FW_PLAT_WORKING;
	fw->guest_count++;
	*handle_out = slot->handle;
	return SEV_STATUS_SUCCESS;
}

uint32_t fw_launch_start(struct fw *fw, void *buf)
{
	struct fwb_start *b = buf;
	struct fw_guest g;
	struct sev_session s;
	struct sev_cert dh;
	uint32_t st = SEV_STATUS_SUCCESS;

	if (fw->state != FW_PLAT_INIT && fw->state != FW_PLAT_WORKING)
		return fw_fail(fw, SEV_STATUS_INVALID_PLATFORM_STATE, "LAUNCH_START: platform is %s, not INIT or WORKING",
			       fw_plat_state_name(fw->state));
	memset(&g, 0, sizeof(g));
	g.policy = b->policy;
	if (b->dh_cert_paddr) {
		if (b->session_len != SEV_SESSION_LEN)
			return fw_fail(fw, SEV_STATUS_INVALID_LENGTH, "LAUNCH_START: session_len %u != %u", b->session_len,
				       SEV_SESSION_LEN);
		if (fw_read(fw, b->session_paddr, &s, sizeof(s)) != 0)
			return fw_fail(fw, SEV_STATUS_INVALID_ADDRESS, "LAUNCH_START: session buffer not readable");
		if (b->dh_cert_len != SEV_CERT_LEN)
			return fw_fail(fw, SEV_STATUS_INVALID_LENGTH, "LAUNCH_START: dh_cert_len %u != 0x%x", b->dh_cert_len,
				       SEV_CERT_LEN);
		if (fw_read(fw, b->dh_cert_paddr, dh.raw, SEV_CERT_LEN) != 0)
			return fw_fail(fw, SEV_STATUS_INVALID_ADDRESS, "LAUNCH_START: DH certificate not readable");
		st = fw_channel_open_server(fw, &g, &dh, &s, g.policy, "LAUNCH_START");
		secure_zero(&s, sizeof(s));
		if (st != SEV_STATUS_SUCCESS)
			return st;
	} else {
		/* No session: the channel is all zeros (TEK = TIK = 0) and the policy is taken
		 * as given, unchecked — what the published firmware does. */
		struct sev_tk zero = { { 0 }, { 0 } };
		g.tk = zero;
		g.pkt = sev_pkt_ctx_new(&zero);
		g.have_channel = g.pkt != NULL;
	}
	{
		uint32_t h = 0;
		st = fw_start_commit(fw, &g, b->handle, FW_GUEST_LUPDATE, &h, "LAUNCH_START");
		if (st == SEV_STATUS_SUCCESS)
			b->handle = h;
	}
	if (st != SEV_STATUS_SUCCESS)
		fw_guest_release(fw, &g);
	return st;
}

static uint32_t launch_update(struct fw *fw, struct fwb_handle_addr_len *b, bool vmsa)
{
	const char *cmd = vmsa ? "LAUNCH_UPDATE_VMSA" : "LAUNCH_UPDATE_DATA";
	struct fw_guest *g;
	uint64_t pa;
	uint8_t *chunk;
	uint32_t st = SEV_STATUS_SUCCESS;

	if (!(g = working_guest(fw, b->handle, cmd, &st)))
		return st;
	if (g->state != FW_GUEST_LUPDATE)
		return bad_state(fw, g, cmd, "LUPDATE");
	if (vmsa && !g->es)
		return fw_fail(fw, SEV_STATUS_UNSUPPORTED, "%s: guest %u is not an SEV-ES guest", cmd, g->handle);
	if (!fw_guest_active(g))
		return fw_fail(fw, SEV_STATUS_INACTIVE, "%s: guest %u has no ASID (ACTIVATE first)", cmd, g->handle);
	if (!is_aligned(b->paddr, 16))
		return fw_fail(fw, SEV_STATUS_INVALID_ADDRESS, "%s: address 0x%llx is not 16-byte aligned", cmd,
			       (unsigned long long)b->paddr);
	if (!b->len || !is_aligned(b->len, 16))
		return fw_fail(fw, SEV_STATUS_INVALID_LENGTH, "%s: length %u is not a non-zero multiple of 16", cmd, b->len);

	pa = fw_pa(fw, b->paddr);
	chunk = malloc(UPDATE_CHUNK);
	if (!chunk)
		return fw_fail(fw, SEV_STATUS_HWERROR_PLATFORM, "%s: out of memory", cmd);
	for (uint32_t off = 0; off < b->len && st == SEV_STATUS_SUCCESS; off += UPDATE_CHUNK) {
		size_t n = b->len - off < UPDATE_CHUNK ? b->len - off : UPDATE_CHUNK;
		/* Measure the plaintext as given, then encrypt it in place. */
		if (fw_read(fw, pa + off, chunk, n) != 0) {
			st = fw_fail(fw, SEV_STATUS_INVALID_ADDRESS, "%s: 0x%llx not readable", cmd,
				     (unsigned long long)(pa + off));
			break;
		}
		sha256_ctx_update(g->ld, chunk, n);
		if (vmsa && off == 0 && fw_guest_vmsa_record(g, pa, fw_guest_vmsa_sum(chunk)) != 0)
			st = fw_fail(fw, SEV_STATUS_HWERROR_PLATFORM, "%s: out of memory", cmd);
		else if (memenc_encrypt(g->mem, pa + off, chunk, chunk, n) != 0 || fw_write(fw, pa + off, chunk, n) != 0)
			st = fw_fail(fw, SEV_STATUS_INVALID_ADDRESS, "%s: 0x%llx not writable", cmd,
				     (unsigned long long)(pa + off));
	}
	secure_free(chunk, UPDATE_CHUNK);
	return st;
}

uint32_t fw_launch_update_data(struct fw *fw, void *buf)
{
	return launch_update(fw, buf, false);
}

uint32_t fw_launch_update_vmsa(struct fw *fw, void *buf)
{
	struct fwb_handle_addr_len *b = buf;

	if (b->len != FW_VMSA_LEN)
		return fw_fail(fw, SEV_STATUS_INVALID_LENGTH, "LAUNCH_UPDATE_VMSA: length %u != %u", b->len, FW_VMSA_LEN);
	return launch_update(fw, buf, true);
}

uint32_t fw_launch_measure(struct fw *fw, void *buf)
{
	struct fwb_handle_addr_len *b = buf;
	struct sha256_ctx *dup;
	uint8_t digest[32], out[FW_MEASURE_LEN];
	struct fw_guest *g;
	uint32_t st = SEV_STATUS_SUCCESS;
	int rc;

	if (!(g = working_guest(fw, b->handle, "LAUNCH_MEASURE", &st)))
		return st;
	if (g->state != FW_GUEST_LUPDATE)
		return bad_state(fw, g, "LAUNCH_MEASURE", "LUPDATE");
	if (b->len < FW_MEASURE_LEN) {
		uint32_t given = b->len;
		b->len = FW_MEASURE_LEN;
		return fw_fail(fw, SEV_STATUS_INVALID_LENGTH, "LAUNCH_MEASURE: measure_len %u < %u", given, FW_MEASURE_LEN);
	}
	/* measurement || mnonce; the digest is fixed only once the result is written. */
	dup = sha256_ctx_dup(g->ld);
	if (!dup || sha256_ctx_final(dup, digest) != 0 || rng_bytes(fw->rng, out + 32, SEV_MNONCE_LEN) != 0) {
		sha256_ctx_free(dup);
		return fw_fail(fw, SEV_STATUS_HWERROR_PLATFORM, "LAUNCH_MEASURE: digest failed");
	}
	sha256_ctx_free(dup);
	rc = pre_017(fw) ? sev_launch_measurement_pre017(g->tk.tik, g->policy, digest, out + 32, out)
			 : sev_launch_measurement(g->tk.tik, fw->cfg.api_major, fw->cfg.api_minor, fw->cfg.build,
						  g->policy, digest, out + 32, out);
	if (rc != 0)
		return fw_fail(fw, SEV_STATUS_HWERROR_PLATFORM, "LAUNCH_MEASURE: HMAC failed");
	if (fw_write(fw, b->paddr, out, sizeof(out)) != 0)
		return fw_fail(fw, SEV_STATUS_INVALID_ADDRESS, "LAUNCH_MEASURE: 0x%llx not writable",
			       (unsigned long long)b->paddr);
	memcpy(g->measurement, out, 32);
	g->have_measurement = true;
	memcpy(g->digest, digest, 32);
	g->have_digest = true;
	sha256_ctx_free(g->ld);
	g->ld = NULL;
	g->state = FW_GUEST_LSECRET;
	return SEV_STATUS_SUCCESS;
}

uint32_t fw_launch_secret(struct fw *fw, void *buf)
{
	struct fwb_transport *b = buf;
	uint8_t hdr[SEV_PKT_HDR_LEN];
	struct sev_pkt_hdr h;
	uint8_t *data;
	struct fw_guest *g;
	uint32_t st = SEV_STATUS_SUCCESS;
	int rc;

	if (!(g = working_guest(fw, b->handle, "LAUNCH_SECRET", &st)))
		return st;
	if (!is_aligned(b->guest_paddr, 16))
		return fw_fail(fw, SEV_STATUS_INVALID_ADDRESS, "LAUNCH_SECRET: guest address 0x%llx is not 16-byte aligned",
			       (unsigned long long)b->guest_paddr);
	if (b->hdr_len != SEV_PKT_HDR_LEN || !b->guest_len || !is_aligned(b->guest_len, 16) ||
	    b->guest_len > FW_CHUNK || b->guest_len != b->trans_len)
		return fw_fail(fw, SEV_STATUS_INVALID_LENGTH,
			       "LAUNCH_SECRET: hdr_len %u (must be 52), guest_len %u, trans_len %u (equal, 16-byte multiples, 1..0x%x)",
			       b->hdr_len, b->guest_len, b->trans_len, FW_CHUNK);
	if (g->state != FW_GUEST_LSECRET)
		return bad_state(fw, g, "LAUNCH_SECRET", "LSECRET");
	if (!fw_guest_active(g))
		return fw_fail(fw, SEV_STATUS_INACTIVE, "LAUNCH_SECRET: guest %u has no ASID", g->handle);
	if (fw_read(fw, b->hdr_paddr, hdr, sizeof(hdr)) != 0)
		return fw_fail(fw, SEV_STATUS_INVALID_ADDRESS, "LAUNCH_SECRET: header not readable");
	data = malloc(b->trans_len);
	if (!data)
		return fw_fail(fw, SEV_STATUS_HWERROR_PLATFORM, "LAUNCH_SECRET: out of memory");
	if (fw_read(fw, b->trans_paddr, data, b->trans_len) != 0) {
		free(data);
		return fw_fail(fw, SEV_STATUS_INVALID_ADDRESS, "LAUNCH_SECRET: secret buffer not readable");
	}
	/* The MAC covers the measurement the guest owner was shown (from API 0.17). */
	rc = sev_pkt_open(g->pkt, SEV_PKT_CTX_SECRET, hdr, data, b->trans_len, pre_017(fw) ? NULL : g->measurement, data);
	sev_pkt_hdr_decode(hdr, &h);
	if (rc == 1)
		st = fw_fail(fw, SEV_STATUS_BAD_MEASUREMENT,
			     "LAUNCH_SECRET: packet MAC does not verify (wrong TIK or measurement, or tampered header/ciphertext)");
	else if (rc != 0)
		st = fw_fail(fw, SEV_STATUS_HWERROR_PLATFORM, "LAUNCH_SECRET: decryption failed");
	else if (h.flags & SEV_PKT_FLAG_COMPRESSED)
		st = fw_fail(fw, SEV_STATUS_UNSUPPORTED, "LAUNCH_SECRET: compressed secrets are not supported");
	else if (fw_guest_write(fw, g, b->guest_paddr, data, b->guest_len) != 0)
		st = fw_fail(fw, SEV_STATUS_INVALID_ADDRESS, "LAUNCH_SECRET: guest memory not writable");
	secure_free(data, b->trans_len);
	return st;
}

uint32_t fw_launch_finish(struct fw *fw, void *buf)
{
	struct fwb_handle *b = buf;
	struct fw_guest *g;
	uint32_t st = SEV_STATUS_SUCCESS;

	if (!(g = working_guest(fw, b->handle, "LAUNCH_FINISH", &st)))
		return st;
	if (g->state != FW_GUEST_LSECRET)
		return bad_state(fw, g, "LAUNCH_FINISH", "LSECRET");
	fw_asid_complete_pending(fw, g);
	fw_guest_channel_clear(g);
	g->state = FW_GUEST_RUNNING;
	return SEV_STATUS_SUCCESS;
}

uint32_t fw_attestation(struct fw *fw, void *buf)
{
	struct fwb_attestation *b = buf;
	uint8_t report[FW_REPORT_LEN], dgst[32];
	struct fw_guest *g;
	uint32_t st = SEV_STATUS_SUCCESS;

	if (!(g = working_guest(fw, b->handle, "ATTESTATION", &st)))
		return st;
	if (g->state != FW_GUEST_LSECRET && g->state != FW_GUEST_RUNNING && g->state != FW_GUEST_SUPDATE &&
	    g->state != FW_GUEST_SENT)
		return bad_state(fw, g, "ATTESTATION", "LSECRET, RUNNING, SUPDATE or SENT");
	if (b->len < FW_REPORT_LEN) {
		uint32_t given = b->len;
		b->len = FW_REPORT_LEN;
		return fw_fail(fw, SEV_STATUS_INVALID_LENGTH, "ATTESTATION: length %u < %u", given, FW_REPORT_LEN);
	}
	/* mnonce | launch digest | policy | sig usage | sig algo | 0 | r | s, signed by
	 * the PEK over SHA-256 of the first 0x34 bytes. */
	memset(report, 0, sizeof(report));
	memcpy(report, b->mnonce, 16);
	memcpy(report + 0x10, g->digest, 32);
	le32_put(report + 0x30, g->policy);
	le32_put(report + 0x34, SEV_USAGE_PEK);
	le32_put(report + 0x38, SEV_ALGO_ECDSA_SHA256);
	if (sha256(report, 0x34, dgst) != 0 ||
	    ec_p384_sign_digest(fw->nv.pek_key, fw->rng, dgst, sizeof(dgst), report + 0x40, report + 0x40 + 72) != 0)
		return fw_fail(fw, SEV_STATUS_HWERROR_PLATFORM, "ATTESTATION: signing failed");
	if (fw_write(fw, b->paddr, report, sizeof(report)) != 0)
		return fw_fail(fw, SEV_STATUS_INVALID_ADDRESS, "ATTESTATION: report buffer 0x%llx not writable",
			       (unsigned long long)b->paddr);
	b->len = FW_REPORT_LEN;
	return SEV_STATUS_SUCCESS;
}
