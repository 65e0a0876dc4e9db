/* The source side of migration (spec §2.4, §7): SEND_START, SEND_UPDATE_DATA/VMSA,
 * SEND_FINISH, SEND_CANCEL. */
#include <stdlib.h>
#include <string.h>

#include "emu/cert/chain.h"
#include "emu/fw/buffers.h"
#include "emu/fw/fw_priv.h"
#include "emu/util/bytes.h"

struct target {
	struct sev_cert pdh;
	uint8_t chain[SEV_CERT_CHAIN_LEN]; /* PEK || OCA || CEK */
	bool have_chain;
};

static struct sev_cert *chain_cert(struct target *t, int i)
{
	return (struct sev_cert *)(t->chain + i * SEV_CERT_LEN);
}

static uint32_t check_target_lens(struct fw *fw, const struct fwb_send_start *b)
{
	if (b->plat_certs_len != SEV_CERT_CHAIN_LEN)
		return fw_fail(fw, SEV_STATUS_INVALID_LENGTH, "SEND_START: plat_certs_len %u != 0x%x", b->plat_certs_len,
			       SEV_CERT_CHAIN_LEN);
	if (b->pdh_cert_len != SEV_CERT_LEN)
		return fw_fail(fw, SEV_STATUS_INVALID_LENGTH, "SEND_START: pdh_cert_len %u != 0x%x", b->pdh_cert_len,
			       SEV_CERT_LEN);
	return SEV_STATUS_SUCCESS;
}

static uint32_t fetch_target(struct fw *fw, const struct fwb_send_start *b, struct target *t)
{
	if (t->have_chain)
		return SEV_STATUS_SUCCESS;
	if (fw_read(fw, b->plat_certs_paddr, t->chain, sizeof(t->chain)) != 0 ||
	    fw_read(fw, b->pdh_cert_paddr, t->pdh.raw, SEV_CERT_LEN) != 0)
		return fw_fail(fw, SEV_STATUS_INVALID_ADDRESS, "SEND_START: target certificates not readable");
	t->have_chain = true;
	return SEV_STATUS_SUCCESS;
}

/* policy.SEV: the target is a genuine AMD platform of this product line:
 * ARK (our fused root) -> ASK -> CEK -> PEK -> PDH, and new enough for the policy. */
static uint32_t validate_platform(struct fw *fw, const struct fwb_send_start *b, struct target *t, uint32_t policy)
{
	struct amd_cert ask, ark;
	uint8_t *amd;
	const char *why = NULL;
	uint32_t st = SEV_STATUS_SUCCESS;
	uint8_t maj, min;

	if ((st = check_target_lens(fw, b)))
		return st;
	if (!chain_amd_len_ok(b->amd_certs_len))
		return fw_fail(fw, SEV_STATUS_INVALID_LENGTH, "SEND_START: amd_certs_len 0x%x is not an ASK||ARK size",
			       b->amd_certs_len);
	if ((st = fetch_target(fw, b, t)))
		return st;
	amd = malloc(b->amd_certs_len);
	if (!amd)
		return fw_fail(fw, SEV_STATUS_HWERROR_PLATFORM, "SEND_START: out of memory");
	if (fw_read(fw, b->amd_certs_paddr, amd, b->amd_certs_len) != 0) {
		free(amd);
		return fw_fail(fw, SEV_STATUS_INVALID_ADDRESS, "SEND_START: AMD certificates not readable");
	}
	st = chain_parse_ask_ark(amd, b->amd_certs_len, &ask, &ark, &why);
	free(amd);
	if (st == SEV_STATUS_SUCCESS)
		st = chain_validate_amd(&ark, &ask, chain_cert(t, 2), chain_cert(t, 0), &t->pdh, fw->id.ark_fused_hash, &why);
	if (st != SEV_STATUS_SUCCESS)
		return fw_fail(fw, st, "SEND_START: target platform chain (policy SEV): %s", why ? why : "invalid");
	maj = sev_cert_api_major(chain_cert(t, 0));
	min = sev_cert_api_minor(chain_cert(t, 0));
	if (maj < SEV_POLICY_API_MAJOR(policy) || (maj == SEV_POLICY_API_MAJOR(policy) && min < SEV_POLICY_API_MINOR(policy)))
		return fw_fail(fw, SEV_STATUS_POLICY_FAILURE, "SEND_START: target PEK is API %u.%u, policy requires %u.%u",
			       maj, min, SEV_POLICY_API_MAJOR(policy), SEV_POLICY_API_MINOR(policy));
	return SEV_STATUS_SUCCESS;
}

/* policy.DOMAIN: the target belongs to the same owner: OCA -> PEK -> PDH and the
 * target's OCA certificate byte-identical to ours. */
static uint32_t validate_domain(struct fw *fw, const struct fwb_send_start *b, struct target *t)
{
	const char *why = NULL;
	uint32_t st = SEV_STATUS_SUCCESS;

	if ((st = check_target_lens(fw, b)) || (st = fetch_target(fw, b, t)))
		return st;
	st = chain_validate_owner(chain_cert(t, 1), chain_cert(t, 0), &t->pdh, &why);
	if (st != SEV_STATUS_SUCCESS)
		return fw_fail(fw, st, "SEND_START: target owner chain (policy DOMAIN): %s", why ? why : "invalid");
	if (memcmp(chain_cert(t, 1)->raw, fw->nv.oca_cert.raw, SEV_CERT_LEN) != 0)
		return fw_fail(fw, SEV_STATUS_POLICY_FAILURE,
			       "SEND_START: target OCA differs from this platform's OCA (policy DOMAIN)");
	return SEV_STATUS_SUCCESS;
}

uint32_t fw_send_start(struct fw *fw, void *buf)
{
	struct fwb_send_start *b = buf;
	struct target t = { .have_chain = false };
	struct sev_session s;
	struct fw_guest *g;
	uint32_t st = SEV_STATUS_SUCCESS;

	if (fw->state != FW_PLAT_WORKING)
		return fw_fail(fw, SEV_STATUS_INVALID_PLATFORM_STATE, "SEND_START: platform is %s, not WORKING",
			       fw_plat_state_name(fw->state));
	if (!(g = fw_guest_get(fw, b->handle)))
		return fw_fail(fw, SEV_STATUS_INVALID_GUEST, "SEND_START: handle %u is not a guest", b->handle);
	if (b->session_len != SEV_SESSION_LEN) {
		uint32_t given = b->session_len;
		b->session_len = SEV_SESSION_LEN;
		return fw_fail(fw, SEV_STATUS_INVALID_LENGTH, "SEND_START: session_len %u != %u", given, SEV_SESSION_LEN);
	}
	if (g->state != FW_GUEST_RUNNING)
		return fw_fail(fw, SEV_STATUS_INVALID_GUEST_STATE, "SEND_START: guest %u is %s, not RUNNING", g->handle,
			       fw_guest_state_name(g->state));
	if (g->policy & SEV_POLICY_NOSEND)
		return fw_fail(fw, SEV_STATUS_POLICY_FAILURE, "SEND_START: guest %u's policy 0x%08x has NOSEND", g->handle,
			       g->policy);
	if ((g->policy & SEV_POLICY_SEV) && (st = validate_platform(fw, b, &t, g->policy)))
		return st;
	if ((g->policy & SEV_POLICY_DOMAIN) && (st = validate_domain(fw, b, &t)))
		return st;
	if (!t.have_chain) {
		/* Neither SEV nor DOMAIN: any well-formed PDH will do (legacy SEV by design). */
		if (b->pdh_cert_len != SEV_CERT_LEN)
			return fw_fail(fw, SEV_STATUS_INVALID_LENGTH, "SEND_START: pdh_cert_len %u != 0x%x", b->pdh_cert_len,
				       SEV_CERT_LEN);
		if (fw_read(fw, b->pdh_cert_paddr, t.pdh.raw, SEV_CERT_LEN) != 0)
			return fw_fail(fw, SEV_STATUS_INVALID_ADDRESS, "SEND_START: target PDH not readable");
	}
	if ((st = fw_channel_open_client(fw, g, &t.pdh, &s)))
		return st;
	if (fw_write(fw, b->session_paddr, &s, sizeof(s)) != 0) {
		fw_guest_channel_clear(g);
		return fw_fail(fw, SEV_STATUS_INVALID_ADDRESS, "SEND_START: session buffer 0x%llx not writable",
			       (unsigned long long)b->session_paddr);
	}
	b->policy = g->policy;
	g->state = FW_GUEST_SUPDATE;
	return SEV_STATUS_SUCCESS;
}

static uint32_t send_update(struct fw *fw, struct fwb_transport *b, bool vmsa)
{
	const char *cmd = vmsa ? "SEND_UPDATE_VMSA" : "SEND_UPDATE_DATA";
	uint8_t hdr[SEV_PKT_HDR_LEN], iv[16];
	struct fw_guest *g;
	uint8_t *data;
	uint32_t st = SEV_STATUS_SUCCESS, crc;

	if (fw->state != FW_PLAT_WORKING)
		return fw_fail(fw, SEV_STATUS_INVALID_PLATFORM_STATE, "%s: platform is %s, not WORKING", cmd,
			       fw_plat_state_name(fw->state));
	/* The header-length query works before the handle is even looked at. */
	if (b->hdr_len < SEV_PKT_HDR_LEN) {
		uint32_t given = b->hdr_len;
		b->hdr_len = SEV_PKT_HDR_LEN;
		return fw_fail(fw, SEV_STATUS_INVALID_LENGTH, "%s: hdr_len %u < %u", cmd, given, SEV_PKT_HDR_LEN);
	}
	if (!(g = fw_guest_get(fw, b->handle)))
		return fw_fail(fw, SEV_STATUS_INVALID_GUEST, "%s: handle %u is not a guest", cmd, b->handle);
	if (g->state != FW_GUEST_SUPDATE)
		return fw_fail(fw, SEV_STATUS_INVALID_GUEST_STATE, "%s: guest %u is %s, not SUPDATE", cmd, g->handle,
			       fw_guest_state_name(g->state));
	if (vmsa && !g->es)
		return fw_fail(fw, SEV_STATUS_UNSUPPORTED, "%s: guest %u is not an SEV-ES guest", cmd, g->handle);
	if (!fw_guest_active(g))
		return fw_fail(fw, SEV_STATUS_INACTIVE, "%s: guest %u has no ASID", cmd, g->handle);
	if (!b->guest_len || b->guest_len > FW_CHUNK || !is_aligned(b->guest_len, 16) || !b->trans_len ||
	    b->trans_len < b->guest_len)
		return fw_fail(fw, SEV_STATUS_INVALID_LENGTH,
			       "%s: guest_len %u (16-byte multiple, 1..0x%x), trans_len %u (>= guest_len)", cmd, b->guest_len,
			       FW_CHUNK, b->trans_len);
	if (!is_aligned(b->guest_paddr, 16))
		return fw_fail(fw, SEV_STATUS_INVALID_ADDRESS, "%s: guest address 0x%llx is not 16-byte aligned", cmd,
			       (unsigned long long)b->guest_paddr);

	data = malloc(b->guest_len);
	if (!data)
		return fw_fail(fw, SEV_STATUS_HWERROR_PLATFORM, "%s: out of memory", cmd);
	if (fw_guest_read(fw, g, b->guest_paddr, data, b->guest_len) != 0)
		st = fw_fail(fw, SEV_STATUS_INVALID_ADDRESS, "%s: guest memory 0x%llx not readable", cmd,
			     (unsigned long long)b->guest_paddr);
	else if (vmsa && (fw_guest_vmsa_lookup(g, fw_pa(fw, b->guest_paddr), &crc) != 0 ||
			  b->guest_len != FW_VMSA_LEN || crc != fw_guest_vmsa_sum(data)))
		st = fw_fail(fw, SEV_STATUS_INVALID_PARAM, "%s: VMSA at 0x%llx fails its SEV-ES checksum", cmd,
			     (unsigned long long)b->guest_paddr);
	/* Fresh IV per packet; ciphertext is guest_len bytes whatever trans_len says. */
	else if (rng_bytes(fw->rng, iv, sizeof(iv)) != 0 ||
		 sev_pkt_seal(g->pkt, SEV_PKT_CTX_TRANSPORT, iv, data, b->guest_len, NULL, data, hdr) != 0)
		st = fw_fail(fw, SEV_STATUS_HWERROR_PLATFORM, "%s: packet encryption failed", cmd);
	else if (fw_write(fw, b->trans_paddr, data, b->guest_len) != 0 || fw_write(fw, b->hdr_paddr, hdr, sizeof(hdr)) != 0)
		st = fw_fail(fw, SEV_STATUS_INVALID_ADDRESS, "%s: output buffers not writable", cmd);
	secure_free(data, b->guest_len);
	if (st == SEV_STATUS_SUCCESS)
		b->hdr_len = SEV_PKT_HDR_LEN;
	return st;
}

uint32_t fw_send_update_data(struct fw *fw, void *buf)
{
	return send_update(fw, buf, false);
}

uint32_t fw_send_update_vmsa(struct fw *fw, void *buf)
{
	return send_update(fw, buf, true);
}

static uint32_t send_end(struct fw *fw, struct fwb_handle *b, enum fw_guest_state to, const char *cmd)
{
	struct fw_guest *g;

	if (fw->state != FW_PLAT_WORKING)
		return fw_fail(fw, SEV_STATUS_INVALID_PLATFORM_STATE, "%s: platform is %s, not WORKING", cmd,
			       fw_plat_state_name(fw->state));
	if (!(g = fw_guest_get(fw, b->handle)))
		return fw_fail(fw, SEV_STATUS_INVALID_GUEST, "%s: handle %u is not a guest", cmd, b->handle);
	if (g->state != FW_GUEST_SUPDATE)
		return fw_fail(fw, SEV_STATUS_INVALID_GUEST_STATE, "%s: guest %u is %s, not SUPDATE", cmd, g->handle,
			       fw_guest_state_name(g->state));
	fw_guest_channel_clear(g);
	g->state = to;
	return SEV_STATUS_SUCCESS;
}

uint32_t fw_send_finish(struct fw *fw, void *buf)
{
	return send_end(fw, buf, FW_GUEST_SENT, "SEND_FINISH");
}

uint32_t fw_send_cancel(struct fw *fw, void *buf)
{
	return send_end(fw, buf, FW_GUEST_RUNNING, "SEND_CANCEL");
}
