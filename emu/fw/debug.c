/* DBG_DECRYPT and DBG_ENCRYPT (spec §2.5): the hypervisor's window into a guest whose
 * policy allows debugging. */
#include <stdlib.h>

#include "emu/fw/buffers.h"
#include "emu/fw/fw_priv.h"
#include "emu/util/bytes.h"

#define DBG_CHUNK 0x10000

static uint32_t dbg(struct fw *fw, struct fwb_dbg *b, bool encrypt)
{
	const char *cmd = encrypt ? "DBG_ENCRYPT" : "DBG_DECRYPT";
	struct fw_guest *g;
	uint8_t *tmp;
	uint32_t st = SEV_STATUS_SUCCESS;

	if (fw->state != FW_PLAT_WORKING)
		return fw_fail(fw, SEV_STATUS_INVALID_PLATFORM_STATE, "%s: platform is %s, not WORKING", cmd,
			       fw_plat_state_name(fw->state));
	if (!is_aligned(b->src_paddr, 16) || !is_aligned(b->dst_paddr, 16))
		return fw_fail(fw, SEV_STATUS_INVALID_ADDRESS, "%s: source 0x%llx / destination 0x%llx not 16-byte aligned",
			       cmd, (unsigned long long)b->src_paddr, (unsigned long long)b->dst_paddr);
	if (!is_aligned(b->len, 16))
		return fw_fail(fw, SEV_STATUS_INVALID_LENGTH, "%s: length %u is not a multiple of 16", cmd, b->len);
	if (!(g = fw_guest_get(fw, b->handle)))
		return fw_fail(fw, SEV_STATUS_INVALID_GUEST, "%s: handle %u is not a guest", cmd, b->handle);
	if (g->policy & SEV_POLICY_NODBG)
		return fw_fail(fw, SEV_STATUS_POLICY_FAILURE, "%s: guest %u's policy 0x%08x has NODBG", cmd, g->handle,
			       g->policy);
	if (!fw_guest_active(g))
		return fw_fail(fw, SEV_STATUS_INACTIVE, "%s: guest %u has no ASID", cmd, g->handle);

	tmp = malloc(DBG_CHUNK);
	if (!tmp)
		return fw_fail(fw, SEV_STATUS_HWERROR_PLATFORM, "%s: out of memory", cmd);
	for (uint32_t off = 0; off < b->len && st == SEV_STATUS_SUCCESS; off += DBG_CHUNK) {
		size_t n = b->len - off < DBG_CHUNK ? b->len - off : DBG_CHUNK;
		int rc = encrypt ? fw_read(fw, b->src_paddr + off, tmp, n) || fw_guest_write(fw, g, b->dst_paddr + off, tmp, n)
				 : fw_guest_read(fw, g, b->src_paddr + off, tmp, n) || fw_write(fw, b->dst_paddr + off, tmp, n);
		if (rc)
			st = fw_fail(fw, SEV_STATUS_INVALID_ADDRESS, "%s: memory at +0x%x not accessible", cmd, off);
	}
	secure_free(tmp, DBG_CHUNK);
	return st;
}

uint32_t fw_dbg_decrypt(struct fw *fw, void *buf)
{
	return dbg(fw, buf, false);
}

uint32_t fw_dbg_encrypt(struct fw *fw, void *buf)
{
	return dbg(fw, buf, true);
}
