/* The firmware's front door: the command table, the buffer copy rules of
 * sev_dispatch.c (spec §1.2), fault injection, statistics and the failure reason. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emu/fw/buffers.h"
#include "emu/fw/fw_priv.h"
#include "emu/util/log.h"

/* How the buffer goes back to the caller (spec §1.2). */
enum copy_rule {
	IN_ONLY,      /* never written back */
	OUT_ONLY,     /* written back on success */
	IN_OUT,       /* written back on success */
	IN_OUT_ERROR, /* written back on success and on INVALID_LENGTH (length queries) */
	NO_BUF,
};

struct cmd_desc {
	fw_handler handler;
	uint16_t len;
	uint8_t rule;
};

#define CMD(id, fn, sz, r) [id] = { fn, sz, r }
static const struct cmd_desc cmds[FW_NCMD] = {
	CMD(FW_CMD_INIT, fw_init, sizeof(struct fwb_init), IN_ONLY),
	CMD(FW_CMD_SHUTDOWN, fw_shutdown, 0, NO_BUF),
	CMD(FW_CMD_PLATFORM_RESET, fw_platform_reset, 0, NO_BUF),
	CMD(FW_CMD_PLATFORM_STATUS, fw_platform_status, sizeof(struct fwb_platform_status), OUT_ONLY),
	CMD(FW_CMD_PEK_GEN, fw_pek_gen, 0, NO_BUF),
	CMD(FW_CMD_PEK_CSR, fw_pek_csr, sizeof(struct fwb_addr_len), IN_OUT_ERROR),
	CMD(FW_CMD_PEK_CERT_IMPORT, fw_pek_cert_import, sizeof(struct fwb_pek_cert_import), IN_ONLY),
	CMD(FW_CMD_PDH_CERT_EXPORT, fw_pdh_cert_export, sizeof(struct fwb_pdh_cert_export), IN_OUT_ERROR),
	CMD(FW_CMD_PDH_GEN, fw_pdh_gen, 0, NO_BUF),
	CMD(FW_CMD_DF_FLUSH, fw_df_flush, 0, NO_BUF),
	CMD(FW_CMD_DOWNLOAD_FIRMWARE, fw_download_firmware, sizeof(struct fwb_addr_len), IN_ONLY),
	CMD(FW_CMD_GET_ID, fw_get_id, sizeof(struct fwb_addr_len), IN_OUT_ERROR),
	CMD(FW_CMD_INIT_EX, fw_init_ex, sizeof(struct fwb_init_ex), IN_ONLY),
	CMD(FW_CMD_NOP, fw_nop, 0, NO_BUF),
	CMD(FW_CMD_DECOMMISSION, fw_decommission, sizeof(struct fwb_handle), IN_ONLY),
	CMD(FW_CMD_ACTIVATE, fw_activate, sizeof(struct fwb_activate), IN_ONLY),
	CMD(FW_CMD_DEACTIVATE, fw_deactivate, sizeof(struct fwb_handle), IN_ONLY),
	CMD(FW_CMD_GUEST_STATUS, fw_guest_status, sizeof(struct fwb_guest_status), IN_OUT),
	CMD(FW_CMD_COPY, fw_copy, sizeof(struct fwb_copy), IN_ONLY),
	CMD(FW_CMD_ACTIVATE_EX, fw_activate_ex, sizeof(struct fwb_activate_ex), IN_ONLY),
	CMD(FW_CMD_LAUNCH_START, fw_launch_start, sizeof(struct fwb_start), IN_OUT),
	CMD(FW_CMD_LAUNCH_UPDATE_DATA, fw_launch_update_data, sizeof(struct fwb_handle_addr_len), IN_ONLY),
	CMD(FW_CMD_LAUNCH_UPDATE_VMSA, fw_launch_update_vmsa, sizeof(struct fwb_handle_addr_len), IN_ONLY),
	CMD(FW_CMD_LAUNCH_MEASURE, fw_launch_measure, sizeof(struct fwb_handle_addr_len), IN_OUT_ERROR),
	CMD(FW_CMD_LAUNCH_SECRET, fw_launch_secret, sizeof(struct fwb_transport), IN_ONLY),
	CMD(FW_CMD_LAUNCH_FINISH, fw_launch_finish, sizeof(struct fwb_handle), IN_ONLY),
	CMD(FW_CMD_ATTESTATION, fw_attestation, sizeof(struct fwb_attestation), IN_OUT_ERROR),
	CMD(FW_CMD_SEND_START, fw_send_start, sizeof(struct fwb_send_start), IN_OUT_ERROR),
	CMD(FW_CMD_SEND_UPDATE_DATA, fw_send_update_data, sizeof(struct fwb_transport), IN_OUT_ERROR),
	CMD(FW_CMD_SEND_UPDATE_VMSA, fw_send_update_vmsa, sizeof(struct fwb_transport), IN_OUT_ERROR),
	CMD(FW_CMD_SEND_FINISH, fw_send_finish, sizeof(struct fwb_handle), IN_ONLY),
	CMD(FW_CMD_SEND_CANCEL, fw_send_cancel, sizeof(struct fwb_handle), IN_ONLY),
	CMD(FW_CMD_RECEIVE_START, fw_receive_start, sizeof(struct fwb_start), IN_OUT),
	CMD(FW_CMD_RECEIVE_UPDATE_DATA, fw_receive_update_data, sizeof(struct fwb_transport), IN_ONLY),
	CMD(FW_CMD_RECEIVE_UPDATE_VMSA, fw_receive_update_vmsa, sizeof(struct fwb_transport), IN_ONLY),
	CMD(FW_CMD_RECEIVE_FINISH, fw_receive_finish, sizeof(struct fwb_handle), IN_ONLY),
	CMD(FW_CMD_DBG_DECRYPT, fw_dbg_decrypt, sizeof(struct fwb_dbg), IN_ONLY),
	CMD(FW_CMD_DBG_ENCRYPT, fw_dbg_encrypt, sizeof(struct fwb_dbg), IN_ONLY),
};

#define BUF_MAX 128

void fw_config_default(struct fw_config *c)
{
	memset(c, 0, sizeof(*c));
	/* Report API 0.24 like the last legacy-SEV parts; build 15 as in the vectors. */
	c->api_major = 0;
	c->api_minor = 24;
	c->build = 15;
	/* A Rome-like part: 509 ASIDs, the first 99 reserved for SEV-ES guests. */
	c->max_asid = 509;
	c->min_sev_asid = 100;
	c->guest_max = 1024;
	/* bit 51 as on Milan/Genoa: above any user-space address the emulator is given */
	c->cbit = 51;
	c->es = true;
}

long fw_cmd_buf_len(uint32_t cmd)
{
	if (cmd >= FW_NCMD || !cmds[cmd].handler)
		return -1;
	return cmds[cmd].len;
}

uint32_t fw_fail(struct fw *fw, uint32_t status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fw->reason, sizeof(fw->reason), fmt, ap);
	va_end(ap);
	return status;
}

const char *fw_reason(const struct fw *fw)
{
	return fw->reason;
}

uint64_t fw_pa(const struct fw *fw, uint64_t addr)
{
	return addr & ~(1ULL << fw->cfg.cbit);
}

int fw_read(struct fw *fw, uint64_t addr, void *dst, size_t len)
{
	if (!len)
		return 0;
	if (!fw->mem || !fw->mem->read)
		return -1;
	return fw->mem->read(fw->mem->ctx, fw_pa(fw, addr), dst, len);
}

int fw_write(struct fw *fw, uint64_t addr, const void *src, size_t len)
{
	if (!len)
		return 0;
	if (!fw->mem || !fw->mem->write)
		return -1;
	return fw->mem->write(fw->mem->ctx, fw_pa(fw, addr), src, len);
}

struct fw *fw_new(const struct fw_config *cfg, const struct fw_identity *id,
		  const struct fw_spi *spi, struct rng *rng)
{
	struct fw *fw = calloc(1, sizeof(*fw));

	if (!fw)
		return NULL;
	fw->cfg = *cfg;
	fw->id = *id;
	fw->spi = *spi;
	fw->rng = rng;
	fw->guests = calloc(cfg->guest_max, sizeof(*fw->guests));
	fw->asids = calloc(cfg->max_asid, sizeof(*fw->asids));
	if (!fw->guests || !fw->asids || cfg->min_sev_asid < 1 || cfg->min_sev_asid > cfg->max_asid ||
	    cfg->cbit < 32 || cfg->cbit > 63) {
		fw_free(fw);
		return NULL;
	}
	fw->wbinvd_done = true;
	return fw;
}

void fw_free(struct fw *fw)
{
	if (!fw)
		return;
	fw_guests_clear_all(fw);
	free(fw->guests);
	free(fw->asids);
	fw_persist_clear(&fw->nv);
	EVP_PKEY_free(fw->cek_key);
	secure_zero(&fw->id, sizeof(fw->id));
	free(fw);
}

void fw_power_cycle(struct fw *fw)
{
	fw_guests_clear_all(fw);
	fw_persist_clear(&fw->nv);
	EVP_PKEY_free(fw->cek_key);
	fw->cek_key = NULL;
	fw->state = FW_PLAT_UNINIT;
	fw->config_flags = 0;
	fw->es_tmr_ready = false;
	fw->init_ex = false;
	fw->nv_paddr = 0;
	fw->guest_count = 0;
	memset(fw->asids, 0, fw->cfg.max_asid * sizeof(*fw->asids));
	fw->wbinvd_done = true;
	fw->reason[0] = '\0';
}

enum fw_plat_state fw_state(const struct fw *fw)
{
	return fw->state;
}

const struct fw_config *fw_get_config(const struct fw *fw)
{
	return &fw->cfg;
}

void fw_wbinvd(struct fw *fw)
{
	fw->wbinvd_done = true;
}

static void sleep_us(uint32_t us)
{
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (long)(us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void fw_inject(struct fw *fw, uint32_t cmd, uint32_t nth, uint32_t status, uint32_t delay_us)
{
	struct fw_inject *slot = NULL;

	for (size_t i = 0; i < sizeof(fw->inject) / sizeof(fw->inject[0]); i++) {
		if (fw->inject[i].armed && fw->inject[i].cmd == cmd) {
			slot = &fw->inject[i];
			break;
		}
		if (!slot && !fw->inject[i].armed)
			slot = &fw->inject[i];
	}
	if (!slot)
		slot = &fw->inject[0];
	*slot = (struct fw_inject){ cmd, nth ? nth : 1, status, delay_us, true };
}

void fw_set_latency(struct fw *fw, uint32_t cmd, uint32_t delay_us)
{
	if (cmd < FW_NCMD)
		fw->latency_us[cmd] = delay_us;
}

void fw_clear_injections(struct fw *fw)
{
	memset(fw->inject, 0, sizeof(fw->inject));
	memset(fw->latency_us, 0, sizeof(fw->latency_us));
}

void fw_stats(const struct fw *fw, uint32_t cmd, struct fw_cmd_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (cmd < FW_NCMD)
		*out = fw->stats[cmd];
}

void fw_stats_reset(struct fw *fw)
{
	memset(fw->stats, 0, sizeof(fw->stats));
}

/* An armed rule whose countdown reaches zero fires: it may delay and may replace
 * the command's result. */
static bool injected(struct fw *fw, uint32_t cmd, uint32_t *status)
{
	for (size_t i = 0; i < sizeof(fw->inject) / sizeof(fw->inject[0]); i++) {
		struct fw_inject *r = &fw->inject[i];
		if (!r->armed || (r->cmd && r->cmd != cmd) || --r->nth)
			continue;
		r->armed = false;
		if (r->delay_us)
			sleep_us(r->delay_us);
		if (r->status) {
			*status = r->status;
			fw_fail(fw, r->status, "%s: injected fault %s", fw_cmd_name(cmd), sev_status_name(r->status));
			return true;
		}
	}
	return false;
}

uint32_t fw_command(struct fw *fw, uint32_t cmd, void *buf, const struct fw_mem *mem)
{
	uint8_t priv[BUF_MAX];
	const struct cmd_desc *d;
	uint64_t t0 = now_ns();
	uint32_t status;

	fw->reason[0] = '\0';
	if (cmd >= FW_NCMD || !cmds[cmd].handler) {
		status = fw_fail(fw, SEV_STATUS_INVALID_COMMAND, "unknown command ID 0x%03x", cmd);
		log_debug("fw: command 0x%03x: INVALID_COMMAND", cmd);
		return status;
	}
	d = &cmds[cmd];
	memset(priv, 0, sizeof(priv));
	if (d->len && !buf) {
		status = fw_fail(fw, SEV_STATUS_INVALID_ADDRESS, "%s: no command buffer", fw_cmd_name(cmd));
		goto done;
	}
	if (d->len && d->rule != OUT_ONLY)
		memcpy(priv, buf, d->len);

	if (injected(fw, cmd, &status))
		goto done;
	if (fw->latency_us[cmd])
		sleep_us(fw->latency_us[cmd]);

	fw->mem = mem;
	status = d->handler(fw, priv);
	fw->mem = NULL;

	switch (d->rule) {
	case OUT_ONLY:
	case IN_OUT:
		if (status == SEV_STATUS_SUCCESS)
			memcpy(buf, priv, d->len);
		break;
	case IN_OUT_ERROR:
		if (status == SEV_STATUS_SUCCESS || status == SEV_STATUS_INVALID_LENGTH)
			memcpy(buf, priv, d->len);
		break;
	default:
		break;
	}
done:
	secure_zero(priv, sizeof(priv));
	if (status == SEV_STATUS_SUCCESS)
		fw->reason[0] = '\0';
	else if (!fw->reason[0])
		fw_fail(fw, status, "%s: %s", fw_cmd_name(cmd), sev_status_desc(status));
	fw->stats[cmd].count++;
	fw->stats[cmd].failures += status != SEV_STATUS_SUCCESS;
	fw->stats[cmd].total_ns += now_ns() - t0;
	log_debug("fw: %s -> %s%s%s", fw_cmd_name(cmd), sev_status_name(status),
		  fw->reason[0] ? ": " : "", fw->reason);
	return status;
}
