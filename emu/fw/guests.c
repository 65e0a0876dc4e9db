/* Guest contexts, ASIDs and the guest-management commands (spec §2.2, §4.3):
 * DECOMMISSION, ACTIVATE, ACTIVATE_EX, DEACTIVATE, GUEST_STATUS, COPY, DF_FLUSH, and
 * guest memory as seen through a guest's VEK. */
#include <stdlib.h>
#include <string.h>

#include "emu/fw/buffers.h"
#include "emu/fw/fw_priv.h"
#include "emu/util/bytes.h"

#define MEM_CHUNK 0x10000

struct fw_guest *fw_guest_get(struct fw *fw, uint32_t handle)
{
	if (handle < 1 || handle > fw->cfg.guest_max || !fw->guests[handle - 1].handle)
		return NULL;
	return &fw->guests[handle - 1];
}

/* Handles are the lowest free slot (find_free_guest_handle): the first guest is 1. */
struct fw_guest *fw_guest_alloc(struct fw *fw)
{
	for (uint32_t i = 0; i < fw->cfg.guest_max; i++) {
		if (!fw->guests[i].handle) {
			memset(&fw->guests[i], 0, sizeof(fw->guests[i]));
			fw->guests[i].handle = i + 1;
			return &fw->guests[i];
		}
	}
	return NULL;
}

void fw_guest_channel_clear(struct fw_guest *g)
{
	sev_pkt_ctx_free(g->pkt);
	g->pkt = NULL;
	secure_zero(&g->tk, sizeof(g->tk));
	g->have_channel = false;
}

void fw_guest_release(struct fw *fw, struct fw_guest *g)
{
	(void)fw;
	fw_guest_channel_clear(g);
	memenc_free(g->mem);
	sha256_ctx_free(g->ld);
	free(g->vmsa);
	secure_zero(g, sizeof(*g));
}

int fw_guest_set_vek(struct fw_guest *g, const uint8_t vek[SEV_VEK_LEN])
{
	memenc_free(g->mem);
	memcpy(g->vek, vek, SEV_VEK_LEN);
	g->mem = memenc_new(vek);
	return g->mem ? 0 : -1;
}

bool fw_guest_active(const struct fw_guest *g)
{
	return g->asid != 0;
}

void fw_guests_clear_all(struct fw *fw)
{
	for (uint32_t i = 0; i < fw->cfg.guest_max; i++)
		if (fw->guests[i].handle)
			fw_guest_release(fw, &fw->guests[i]);
}

void fw_asids_mark_all_dirty(struct fw *fw)
{
	for (uint32_t i = 0; i < fw->cfg.max_asid; i++)
		fw->asids[i] = ASID_DIRTY;
	fw->wbinvd_done = !fw->cfg.wbinvd_strict;
}

void fw_asid_complete_pending(struct fw *fw, struct fw_guest *g)
{
	if (g->asid && g->asid_pending) {
		g->asid_pending = false;
		fw->asids[g->asid - 1] = ASID_IN_USE;
	}
}

/* SEV-ES: the firmware checksums each VMSA it encrypts and refuses to export one that
 * changed behind its back.  CRC-32 (IEEE) over the save area. */
uint32_t fw_guest_vmsa_sum(const uint8_t *vmsa)
{
	uint32_t crc = 0xffffffffu;

	for (size_t i = 0; i < FW_VMSA_CRC_LEN; i++) {
		crc ^= vmsa[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

int fw_guest_vmsa_record(struct fw_guest *g, uint64_t pa, uint32_t crc)
{
	for (size_t i = 0; i < g->nvmsa; i++) {
		if (g->vmsa[i].pa == pa) {
			g->vmsa[i].crc = crc;
			return 0;
		}
	}
	if (g->nvmsa == g->capvmsa) {
		size_t cap = g->capvmsa ? 2 * g->capvmsa : 8;
		struct fw_vmsa_sum *v = realloc(g->vmsa, cap * sizeof(*v));
		if (!v)
			return -1;
		g->vmsa = v;
		g->capvmsa = cap;
	}
	g->vmsa[g->nvmsa++] = (struct fw_vmsa_sum){ pa, crc };
	return 0;
}

int fw_guest_vmsa_lookup(const struct fw_guest *g, uint64_t pa, uint32_t *crc)
{
	for (size_t i = 0; i < g->nvmsa; i++) {
		if (g->vmsa[i].pa == pa) {
			*crc = g->vmsa[i].crc;
			return 0;
		}
	}
	return -1;
}

int fw_guest_read(struct fw *fw, struct fw_guest *g, uint64_t pa, void *dst, size_t len)
{
	uint8_t *out = dst;

	pa = fw_pa(fw, pa);
	for (size_t off = 0; off < len; off += MEM_CHUNK) {
		size_t n = len - off < MEM_CHUNK ? len - off : MEM_CHUNK;
		if (fw_read(fw, pa + off, out + off, n) != 0 ||
		    memenc_decrypt(g->mem, pa + off, out + off, out + off, n) != 0)
			return -1;
	}
	return 0;
}

int fw_guest_write(struct fw *fw, struct fw_guest *g, uint64_t pa, const void *src, size_t len)
{
	uint8_t *tmp = malloc(len < MEM_CHUNK ? len : MEM_CHUNK);
	const uint8_t *in = src;
	int rc = 0;

	if (!tmp)
		return -1;
	pa = fw_pa(fw, pa);
	for (size_t off = 0; off < len && rc == 0; off += MEM_CHUNK) {
		size_t n = len - off < MEM_CHUNK ? len - off : MEM_CHUNK;
		if (memenc_encrypt(g->mem, pa + off, in + off, tmp, n) != 0 || fw_write(fw, pa + off, tmp, n) != 0)
			rc = -1;
	}
	free(tmp);
	return rc;
}

uint32_t fw_guest_view(struct fw *fw, uint32_t handle, uint64_t pa, void *buf, size_t len, bool write,
		       const struct fw_mem *mem)
{
	struct fw_guest *g = fw_guest_get(fw, handle);
	uint32_t st = SEV_STATUS_SUCCESS;
	int rc;

	if (!g)
		return fw_fail(fw, SEV_STATUS_INVALID_GUEST, "guest view: handle %u is not a guest", handle);
	if (!fw_guest_active(g))
		return fw_fail(fw, SEV_STATUS_INACTIVE, "guest view: guest %u has no ASID, it cannot run", handle);
	if (!is_aligned(fw_pa(fw, pa), 16) || !is_aligned(len, 16))
		return fw_fail(fw, SEV_STATUS_INVALID_ADDRESS, "guest view: 0x%llx+0x%zx not 16-byte aligned",
			       (unsigned long long)pa, len);
	fw->mem = mem;
	rc = write ? fw_guest_write(fw, g, pa, buf, len) : fw_guest_read(fw, g, pa, buf, len);
	fw->mem = NULL;
	if (rc != 0)
		st = fw_fail(fw, SEV_STATUS_INVALID_ADDRESS, "guest view: 0x%llx+0x%zx not accessible",
			     (unsigned long long)pa, len);
	return st;
}

/* ---- commands ----------------------------------------------------------------------- */

static uint32_t need_working(struct fw *fw, const char *cmd)
{
	if (fw->state != FW_PLAT_WORKING)
		return fw_fail(fw, SEV_STATUS_INVALID_PLATFORM_STATE, "%s: platform is %s, not WORKING", cmd,
			       fw_plat_state_name(fw->state));
	return SEV_STATUS_SUCCESS;
}

static struct fw_guest *need_guest(struct fw *fw, uint32_t handle, const char *cmd, uint32_t *st)
{
	struct fw_guest *g = fw_guest_get(fw, handle);

	if (!g)
		*st = fw_fail(fw, SEV_STATUS_INVALID_GUEST, "%s: handle %u is not a guest", cmd, handle);
	return g;
}

uint32_t fw_decommission(struct fw *fw, void *buf)
{
	struct fwb_handle *b = buf;
	struct fw_guest *g;
	uint32_t st = SEV_STATUS_SUCCESS;

	if ((st = need_working(fw, "DECOMMISSION")) || !(g = need_guest(fw, b->handle, "DECOMMISSION", &st)))
		return st;
	if (fw_guest_active(g))
		return fw_fail(fw, SEV_STATUS_ACTIVE, "DECOMMISSION: guest %u still has ASID %u (DEACTIVATE first)",
			       g->handle, g->asid);
	fw_guest_release(fw, g);
	if (--fw->guest_count == 0)
		fw->state = FW_PLAT_INIT;
	return SEV_STATUS_SUCCESS;
}

static uint32_t activate(struct fw *fw, struct fw_guest *g, uint32_t asid, const char *cmd)
{
	enum fw_asid_state *a;

	if (asid == 0 || asid > fw->cfg.max_asid)
		return fw_fail(fw, SEV_STATUS_INVALID_ASID, "%s: ASID %u outside 1..%u", cmd, asid, fw->cfg.max_asid);
	a = &fw->asids[asid - 1];
	if (*a == ASID_IN_USE || *a == ASID_ALLOCATED)
		return fw_fail(fw, SEV_STATUS_ASID_OWNED, "%s: ASID %u is bound to another guest", cmd, asid);
	if (fw_guest_active(g))
		return fw_fail(fw, SEV_STATUS_ACTIVE, "%s: guest %u already has ASID %u", cmd, g->handle, g->asid);
	if (g->state == FW_GUEST_SENT)
		return fw_fail(fw, SEV_STATUS_INVALID_GUEST_STATE, "%s: guest %u is SENT", cmd, g->handle);
	if (*a == ASID_DIRTY)
		return fw_fail(fw, SEV_STATUS_DFFLUSH_REQUIRED,
			       "%s: ASID %u is dirty (WBINVD + DF_FLUSH needed since INIT or its last DEACTIVATE)", cmd, asid);
	if (g->es ? asid >= fw->cfg.min_sev_asid : asid < fw->cfg.min_sev_asid)
		return fw_fail(fw, SEV_STATUS_INVALID_ASID, "%s: ASID %u is outside the %s range %u..%u", cmd, asid,
			       g->es ? "SEV-ES" : "SEV", g->es ? 1 : fw->cfg.min_sev_asid,
			       g->es ? fw->cfg.min_sev_asid - 1 : fw->cfg.max_asid);
	g->asid = asid;
	/* A running guest's ASID is valid at once; otherwise it waits for *_FINISH. */
	g->asid_pending = !(g->state == FW_GUEST_RUNNING || g->state == FW_GUEST_SUPDATE);
	*a = g->asid_pending ? ASID_ALLOCATED : ASID_IN_USE;
	return SEV_STATUS_SUCCESS;
}

uint32_t fw_activate(struct fw *fw, void *buf)
{
	struct fwb_activate *b = buf;
	struct fw_guest *g;
	uint32_t st = SEV_STATUS_SUCCESS;

	if ((st = need_working(fw, "ACTIVATE")) || !(g = need_guest(fw, b->handle, "ACTIVATE", &st)))
		return st;
	return activate(fw, g, b->asid, "ACTIVATE");
}

uint32_t fw_activate_ex(struct fw *fw, void *buf)
{
	struct fwb_activate_ex *b = buf;
	struct fw_guest *g;
	uint32_t st = SEV_STATUS_SUCCESS;

	if ((st = need_working(fw, "ACTIVATE_EX")))
		return st;
	if (b->ex_len != sizeof(*b))
		return fw_fail(fw, SEV_STATUS_INVALID_PARAM, "ACTIVATE_EX: ex_len %u != %zu", b->ex_len, sizeof(*b));
	if (!(g = need_guest(fw, b->handle, "ACTIVATE_EX", &st)))
		return st;
	/* One CCX is modelled, so the APIC ID list selects it whole; the list must still
	 * be readable. */
	if (b->numids) {
		uint32_t id;
		for (uint32_t i = 0; i < b->numids; i++)
			if (fw_read(fw, b->ids_paddr + 4ull * i, &id, 4) != 0)
				return fw_fail(fw, SEV_STATUS_INVALID_ADDRESS, "ACTIVATE_EX: APIC ID list not readable");
	}
	return activate(fw, g, b->asid, "ACTIVATE_EX");
}

uint32_t fw_deactivate(struct fw *fw, void *buf)
{
	struct fwb_handle *b = buf;
	struct fw_guest *g;
	uint32_t st = SEV_STATUS_SUCCESS;

	if ((st = need_working(fw, "DEACTIVATE")) || !(g = need_guest(fw, b->handle, "DEACTIVATE", &st)))
		return st;
	if (!fw_guest_active(g))
		return fw_fail(fw, SEV_STATUS_INACTIVE, "DEACTIVATE: guest %u has no ASID", g->handle);
	/* Never ran: clean again.  Ran: its cache lines may linger, so dirty, and the
	 * cores need a WBINVD before the next DF_FLUSH. */
	if (g->asid_pending) {
		fw->asids[g->asid - 1] = ASID_CLEAN;
	} else {
		fw->asids[g->asid - 1] = ASID_DIRTY;
		if (fw->cfg.wbinvd_strict)
			fw->wbinvd_done = false;
	}
	g->asid = 0;
	g->asid_pending = false;
	return SEV_STATUS_SUCCESS;
}

uint32_t fw_guest_status(struct fw *fw, void *buf)
{
	struct fwb_guest_status *b = buf;
	struct fw_guest *g;

	if (fw->state != FW_PLAT_INIT && fw->state != FW_PLAT_WORKING)
		return fw_fail(fw, SEV_STATUS_INVALID_PLATFORM_STATE, "GUEST_STATUS: platform is %s, not INIT or WORKING",
			       fw_plat_state_name(fw->state));
	/* The published firmware answers an unknown handle with success and state 0
	 * (sev_mcmd_guest_status), leaving policy and asid as given. */
	g = fw_guest_get(fw, b->handle);
	if (!g) {
		b->state = FW_GUEST_UNINIT;
		return SEV_STATUS_SUCCESS;
	}
	b->state = (uint8_t)g->state;
	b->asid = g->asid;
	b->policy = g->policy;
	return SEV_STATUS_SUCCESS;
}

uint32_t fw_copy(struct fw *fw, void *buf)
{
	struct fwb_copy *b = buf;
	struct fw_guest *g;
	uint64_t src, dst;
	uint8_t *page;
	uint32_t st = SEV_STATUS_SUCCESS;

	if ((st = need_working(fw, "COPY")) || !(g = need_guest(fw, b->handle, "COPY", &st)))
		return st;
	if (!fw_guest_active(g))
		return fw_fail(fw, SEV_STATUS_INACTIVE, "COPY: guest %u has no ASID", g->handle);
	if (!b->length || b->length % 4096)
		return fw_fail(fw, SEV_STATUS_INVALID_LENGTH, "COPY: length 0x%x is not a non-zero multiple of 4096", b->length);
	src = fw_pa(fw, b->src_paddr);
	dst = fw_pa(fw, b->dst_paddr);
	if (!is_aligned(src, 4096) || !is_aligned(dst, 4096))
		return fw_fail(fw, SEV_STATUS_INVALID_ADDRESS, "COPY: addresses must be 4 KiB aligned");
	/* The firmware treats overlapping first pages as an immediate success. */
	if (src < dst + 4096 && dst < src + 4096)
		return SEV_STATUS_SUCCESS;
	page = malloc(4096);
	if (!page)
		return fw_fail(fw, SEV_STATUS_HWERROR_PLATFORM, "COPY: out of memory");
	/* Re-encrypt for the new address: the tweak moves with the page. */
	for (uint32_t off = 0; off < b->length && st == SEV_STATUS_SUCCESS; off += 4096)
		if (fw_guest_read(fw, g, src + off, page, 4096) || fw_guest_write(fw, g, dst + off, page, 4096))
			st = fw_fail(fw, SEV_STATUS_INVALID_ADDRESS, "COPY: page at +0x%x not accessible", off);
	secure_free(page, 4096);
	return st;
}

uint32_t fw_df_flush(struct fw *fw, void *buf)
{
	bool any_dirty = false;

	(void)buf;
	/* No platform-state check in the published firmware. */
	for (uint32_t i = 0; i < fw->cfg.max_asid; i++)
		any_dirty |= fw->asids[i] == ASID_DIRTY;
	if (any_dirty && !fw->wbinvd_done)
		return fw_fail(fw, SEV_STATUS_WBINVD_REQUIRED, "DF_FLUSH: some cores have not run WBINVD since ASIDs became dirty");
	for (uint32_t i = 0; i < fw->cfg.max_asid; i++)
		if (fw->asids[i] == ASID_DIRTY)
			fw->asids[i] = ASID_CLEAN;
	/* After an ES INIT, the TMR becomes usable at the first DF_FLUSH. */
	if (fw->state != FW_PLAT_UNINIT && (fw->config_flags & SEV_INIT_FLAG_ES))
		fw->es_tmr_ready = true;
	return SEV_STATUS_SUCCESS;
}

void fw_set_wbinvd_strict(struct fw *fw, bool strict)
{
	fw->cfg.wbinvd_strict = strict;
	if (!strict)
		fw->wbinvd_done = true;
}
