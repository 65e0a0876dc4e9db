/* Which system memory each firmware command reads and writes, from the addresses and
 * lengths in its buffer: what a transport must fetch from (and give back to) a remote
 * caller before the firmware runs a raw command for it. */
#include <string.h>

#include "emu/fw/buffers.h"
#include "emu/fw/fw_priv.h"
#include "emu/fw/regions.h"

#define R FW_REGION_READ
#define W FW_REGION_WRITE

static int add(struct fw_region *out, int n, int max, uint64_t addr, uint64_t len, unsigned dir)
{
	if (!addr || !len)
		return n;
	if (n < max)
		out[n] = (struct fw_region){ addr, len, dir };
	return n + 1;
}

int fw_cmd_regions(uint32_t cmd, const void *buf, struct fw_region *out, int max)
{
	const struct fwb_transport *t = buf;
	int n = 0;

	if (!buf)
		return 0;
	switch (cmd) {
	case FW_CMD_INIT_EX: {
		const struct fwb_init_ex *b = buf;
		return add(out, n, max, b->nv_paddr, FW_NV_LEN, R | W);
	}
	case FW_CMD_PEK_CSR:
	case FW_CMD_GET_ID: {
		const struct fwb_addr_len *b = buf;
		return add(out, n, max, b->paddr, b->len, W);
	}
	case FW_CMD_DOWNLOAD_FIRMWARE: {
		const struct fwb_addr_len *b = buf;
		return add(out, n, max, b->paddr, b->len, R);
	}
	case FW_CMD_PEK_CERT_IMPORT: {
		const struct fwb_pek_cert_import *b = buf;
		n = add(out, n, max, b->pek_cert_paddr, b->pek_cert_len, R);
		return add(out, n, max, b->oca_cert_paddr, b->oca_cert_len, R);
	}
	case FW_CMD_PDH_CERT_EXPORT: {
		const struct fwb_pdh_cert_export *b = buf;
		n = add(out, n, max, b->pdh_cert_paddr, b->pdh_cert_len, W);
		return add(out, n, max, b->cert_chain_paddr, b->cert_chain_len, W);
	}
	case FW_CMD_ACTIVATE_EX: {
		const struct fwb_activate_ex *b = buf;
		return add(out, n, max, b->ids_paddr, 4ull * b->numids, R);
	}
	case FW_CMD_COPY: {
		const struct fwb_copy *b = buf;
		n = add(out, n, max, b->src_paddr, b->length, R);
		return add(out, n, max, b->dst_paddr, b->length, R | W);
	}
	case FW_CMD_LAUNCH_START:
	case FW_CMD_RECEIVE_START: {
		const struct fwb_start *b = buf;
		n = add(out, n, max, b->dh_cert_paddr, b->dh_cert_len, R);
		return add(out, n, max, b->session_paddr, b->session_len, R);
	}
	case FW_CMD_LAUNCH_UPDATE_DATA:
	case FW_CMD_LAUNCH_UPDATE_VMSA: {
		const struct fwb_handle_addr_len *b = buf;
		return add(out, n, max, b->paddr, b->len, R | W);
	}
	case FW_CMD_LAUNCH_MEASURE: {
		const struct fwb_handle_addr_len *b = buf;
		return add(out, n, max, b->paddr, b->len, W);
	}
	case FW_CMD_ATTESTATION: {
		const struct fwb_attestation *b = buf;
		return add(out, n, max, b->paddr, b->len, W);
	}
	case FW_CMD_SEND_START: {
		const struct fwb_send_start *b = buf;
		n = add(out, n, max, b->pdh_cert_paddr, b->pdh_cert_len, R);
		n = add(out, n, max, b->plat_certs_paddr, b->plat_certs_len, R);
		n = add(out, n, max, b->amd_certs_paddr, b->amd_certs_len, R);
		return add(out, n, max, b->session_paddr, b->session_len, W);
	}
	case FW_CMD_LAUNCH_SECRET:
	case FW_CMD_RECEIVE_UPDATE_DATA:
	case FW_CMD_RECEIVE_UPDATE_VMSA:
		n = add(out, n, max, t->hdr_paddr, t->hdr_len, R);
		n = add(out, n, max, t->trans_paddr, t->trans_len, R);
		return add(out, n, max, t->guest_paddr, t->guest_len, R | W);
	case FW_CMD_SEND_UPDATE_DATA:
	case FW_CMD_SEND_UPDATE_VMSA:
		n = add(out, n, max, t->hdr_paddr, t->hdr_len, W);
		n = add(out, n, max, t->guest_paddr, t->guest_len, R);
		return add(out, n, max, t->trans_paddr, t->trans_len, W);
	case FW_CMD_DBG_DECRYPT:
	case FW_CMD_DBG_ENCRYPT: {
		const struct fwb_dbg *b = buf;
		n = add(out, n, max, b->src_paddr, b->len, R);
		return add(out, n, max, b->dst_paddr, b->len, R | W);
	}
	default:
		return 0;
	}
}
