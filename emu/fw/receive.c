/* The target side of migration (spec §2.4, §7): RECEIVE_START, RECEIVE_UPDATE_DATA/VMSA,
 * RECEIVE_FINISH. */
#include <stdlib.h>
#include <string.h>

#include "emu/fw/buffers.h"
#include "emu/fw/fw_priv.h"
#include "emu/util/bytes.h"

uint32_t fw_receive_start(struct fw *fw, void *buf)
{
	struct fwb_start *b = buf;
	struct fw_guest g;
	struct sev_session s;
	struct sev_cert pdh;
	uint32_t st = SEV_STATUS_SUCCESS;

	if (fw->state != FW_PLAT_INIT && fw->state != FW_PLAT_WORKING)
		return fw_fail(fw, SEV_STATUS_INVALID_PLATFORM_STATE, "RECEIVE_START: platform is %s, not INIT or WORKING",
			       fw_plat_state_name(fw->state));
	/* Unlike LAUNCH_START, a session is mandatory. */
	if (b->session_len != SEV_SESSION_LEN)
		return fw_fail(fw, SEV_STATUS_INVALID_LENGTH, "RECEIVE_START: session_len %u != %u", b->session_len,
			       SEV_SESSION_LEN);
	if (fw_read(fw, b->session_paddr, &s, sizeof(s)) != 0)
		return fw_fail(fw, SEV_STATUS_INVALID_ADDRESS, "RECEIVE_START: session buffer not readable");
	if (b->dh_cert_len != SEV_CERT_LEN)
		return fw_fail(fw, SEV_STATUS_INVALID_LENGTH, "RECEIVE_START: pdh_cert_len %u != 0x%x", b->dh_cert_len,
			       SEV_CERT_LEN);
	if (fw_read(fw, b->dh_cert_paddr, pdh.raw, SEV_CERT_LEN) != 0)
		return fw_fail(fw, SEV_STATUS_INVALID_ADDRESS, "RECEIVE_START: source PDH not readable");
	memset(&g, 0, sizeof(g));
	g.policy = b->policy;
	/* The source PDH is only sanity-checked: the target has nothing to check it
	 * against. */
	st = fw_channel_open_server(fw, &g, &pdh, &s, g.policy, "RECEIVE_START");
	secure_zero(&s, sizeof(s));
	if (st == SEV_STATUS_SUCCESS) {
		uint32_t h = 0;
		st = fw_start_commit(fw, &g, b->handle, FW_GUEST_RUPDATE, &h, "RECEIVE_START");
		if (st == SEV_STATUS_SUCCESS)
			b->handle = h;
	}
	if (st != SEV_STATUS_SUCCESS)
		fw_guest_release(fw, &g);
	return st;
}

static uint32_t receive_update(struct fw *fw, struct fwb_transport *b, bool vmsa)
{
	const char *cmd = vmsa ? "RECEIVE_UPDATE_VMSA" : "RECEIVE_UPDATE_DATA";
	uint8_t hdr[SEV_PKT_HDR_LEN];
	struct sev_pkt_hdr h;
	struct fw_guest *g;
	uint8_t *data;
	uint32_t st = SEV_STATUS_SUCCESS;
	int rc;

	if (fw->state != FW_PLAT_WORKING)
		return fw_fail(fw, SEV_STATUS_INVALID_PLATFORM_STATE, "%s: platform is %s, not WORKING", cmd,
			       fw_plat_state_name(fw->state));
	if (!(g = fw_guest_get(fw, b->handle)))
		return fw_fail(fw, SEV_STATUS_INVALID_GUEST, "%s: handle %u is not a guest", cmd, b->handle);
	if (g->state != FW_GUEST_RUPDATE)
		return fw_fail(fw, SEV_STATUS_INVALID_GUEST_STATE, "%s: guest %u is %s, not RUPDATE", cmd, g->handle,
			       fw_guest_state_name(g->state));
	if (vmsa && !g->es)
		return fw_fail(fw, SEV_STATUS_UNSUPPORTED, "%s: guest %u is not an SEV-ES guest", cmd, g->handle);
	if (!fw_guest_active(g))
		return fw_fail(fw, SEV_STATUS_INACTIVE, "%s: guest %u has no ASID", cmd, g->handle);
	if (!b->trans_len || b->trans_len > FW_CHUNK || !b->guest_len || b->guest_len != b->trans_len ||
	    !is_aligned(b->guest_len, 16) || b->hdr_len < SEV_PKT_HDR_LEN)
		return fw_fail(fw, SEV_STATUS_INVALID_LENGTH,
			       "%s: guest_len %u / trans_len %u (equal, 16-byte multiples, 1..0x%x), hdr_len %u (>= 52)", cmd,
			       b->guest_len, b->trans_len, FW_CHUNK, b->hdr_len);
	if (!is_aligned(b->guest_paddr, 16))
		return fw_fail(fw, SEV_STATUS_INVALID_ADDRESS, "%s: guest address 0x%llx is not 16-byte aligned", cmd,
			       (unsigned long long)b->guest_paddr);
	if (fw_read(fw, b->hdr_paddr, hdr, sizeof(hdr)) != 0)
		return fw_fail(fw, SEV_STATUS_INVALID_ADDRESS, "%s: header not readable", cmd);
	sev_pkt_hdr_decode(hdr, &h);
	if (h.flags & SEV_PKT_FLAG_COMPRESSED)
		return fw_fail(fw, SEV_STATUS_UNSUPPORTED, "%s: compressed packets are not supported", cmd);

	data = malloc(b->trans_len);
	if (!data)
		return fw_fail(fw, SEV_STATUS_HWERROR_PLATFORM, "%s: out of memory", cmd);
	if (fw_read(fw, b->trans_paddr, data, b->trans_len) != 0) {
		free(data);
		return fw_fail(fw, SEV_STATUS_INVALID_ADDRESS, "%s: transport buffer not readable", cmd);
	}
	/* The MAC is checked before a single byte reaches guest memory. */
	rc = sev_pkt_open(g->pkt, SEV_PKT_CTX_TRANSPORT, hdr, data, b->trans_len, NULL, data);
	if (rc == 1)
		st = fw_fail(fw, SEV_STATUS_BAD_MEASUREMENT,
			     "%s: packet MAC does not verify (tampered header or data, or another session)", cmd);
	else if (rc != 0)
		st = fw_fail(fw, SEV_STATUS_HWERROR_PLATFORM, "%s: decryption failed", cmd);
	else if (vmsa && (b->guest_len != FW_VMSA_LEN ||
			  fw_guest_vmsa_record(g, fw_pa(fw, b->guest_paddr), fw_guest_vmsa_sum(data)) != 0))
		st = fw_fail(fw, SEV_STATUS_INVALID_PARAM, "%s: a VMSA must be exactly %u bytes", cmd, FW_VMSA_LEN);
	else if (fw_guest_write(fw, g, b->guest_paddr, data, b->guest_len) != 0)
		st = fw_fail(fw, SEV_STATUS_INVALID_ADDRESS, "%s: guest memory 0x%llx not writable", cmd,
			     (unsigned long long)b->guest_paddr);
	secure_free(data, b->trans_len);
	return st;
}

uint32_t fw_receive_update_data(struct fw *fw, void *buf)
{
	return receive_update(fw, buf, false);
}

uint32_t fw_receive_update_vmsa(struct fw *fw, void *buf)
{
	return receive_update(fw, buf, true);
}

uint32_t fw_receive_finish(struct fw *fw, void *buf)
{
	struct fwb_handle *b = buf;
	struct fw_guest *g;

	if (fw->state != FW_PLAT_WORKING)
		return fw_fail(fw, SEV_STATUS_INVALID_PLATFORM_STATE, "RECEIVE_FINISH: platform is %s, not WORKING",
			       fw_plat_state_name(fw->state));
	if (!(g = fw_guest_get(fw, b->handle)))
		return fw_fail(fw, SEV_STATUS_INVALID_GUEST, "RECEIVE_FINISH: handle %u is not a guest", b->handle);
	if (g->state != FW_GUEST_RUPDATE)
		return fw_fail(fw, SEV_STATUS_INVALID_GUEST_STATE, "RECEIVE_FINISH: guest %u is %s, not RUPDATE", g->handle,
			       fw_guest_state_name(g->state));
	/* No measurement is checked: the target takes what the source sent. */
	fw_asid_complete_pending(fw, g);
	fw_guest_channel_clear(g);
	g->state = FW_GUEST_RUNNING;
	return SEV_STATUS_SUCCESS;
}
