/* Firmware internals shared by the command handlers.  Not for use outside emu/fw. */
#ifndef SWSEV_FW_PRIV_H
#define SWSEV_FW_PRIV_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stdint.h>

#include "emu/cert/sev_cert.h"
#include "emu/crypto/memenc.h"
#include "emu/crypto/packet.h"
#include "emu/crypto/session.h"
#include "emu/crypto/symm.h"
#include "emu/fw/fw.h"

#define FW_NV_LEN        0x8000   /* INIT_EX NV area: 32 KiB */
#define FW_TMR_LEN       0x100000 /* SEV-ES trusted memory region: 1 MiB, 1 MiB aligned */
#define FW_CHUNK         0x5000   /* the firmware's scratch buffer: per-call data limit */
#define FW_VMSA_LEN      4096
#define FW_VMSA_CRC_LEN  0xFC0    /* the SEV-ES checksum covers the VMSA save area */
#define FW_MEASURE_LEN   48       /* measurement || mnonce */
#define FW_REPORT_LEN    208      /* ATTESTATION report */
#define FW_ID_LEN        64       /* GET_ID, per socket */

/* What the SPI flash (or the INIT_EX buffer) holds. */
struct fw_persist {
	bool owner_external;
	EVP_PKEY *oca_key; /* NULL when externally owned: only the cert is kept */
	EVP_PKEY *pek_key;
	EVP_PKEY *pdh_key;
	bool have_oca, have_pek, have_pdh;
	struct sev_cert oca_cert, pek_cert, pdh_cert;
};

/* Per-ASID ownership (one CCX modelled: the firmware's per-CCX masks collapse to
 * flags).  A clean ASID can be activated; allocated = pending activation; in_use =
 * bound to a running guest; dirty = needs WBINVD + DF_FLUSH. */
enum fw_asid_state { ASID_DIRTY = 0, ASID_CLEAN, ASID_ALLOCATED, ASID_IN_USE };

struct fw_vmsa_sum { /* SEV-ES: the checksum the firmware keeps per VMSA page */
	uint64_t pa;
	uint32_t crc;
};

struct fw_guest {
	uint32_t handle;          /* 0: slot free */
	enum fw_guest_state state;
	uint32_t policy;
	bool es;
	uint8_t vek[SEV_VEK_LEN];
	struct memenc *mem;       /* the VEK as the memory controller applies it */
	uint32_t asid;            /* 0: no ASID bound */
	bool asid_pending;        /* bound, becomes valid at LAUNCH_FINISH/RECEIVE_FINISH */
	struct sha256_ctx *ld;    /* running launch digest (LUPDATE) */
	uint8_t digest[32];       /* launch digest, fixed at LAUNCH_MEASURE */
	bool have_digest;
	bool have_channel;
	struct sev_tk tk;         /* TEK/TIK of the channel */
	struct sev_pkt_ctx *pkt;  /* keyed for SEND/RECEIVE packets */
	uint8_t measurement[32];
	bool have_measurement;
	struct fw_vmsa_sum *vmsa;
	size_t nvmsa, capvmsa;
};

struct fw_inject {
	uint32_t cmd, nth, status, delay_us;
	bool armed;
};

#define FW_NCMD 0x100

struct fw {
	struct fw_config cfg;
	struct fw_identity id;
	struct fw_spi spi;
	struct rng *rng;

	EVP_PKEY *cek_key;        /* derived from the CUK at INIT */
	enum fw_plat_state state;
	uint16_t config_flags;    /* INIT flags: CONFIG.ES */
	bool es_tmr_ready;        /* TMR usable after the first DF_FLUSH following an ES INIT */
	bool init_ex;             /* persistent data lives in the host NV buffer */
	uint64_t nv_paddr;        /* that buffer (kept after SHUTDOWN for PLATFORM_RESET) */
	struct fw_persist nv;
	uint32_t guest_count;
	struct fw_guest *guests;  /* [guest_max], handle = index + 1 */
	enum fw_asid_state *asids;/* [max_asid], asid = index + 1 */
	bool wbinvd_done;

	const struct fw_mem *mem; /* memory of the command being run */
	char reason[256];
	struct fw_inject inject[8];
	uint32_t latency_us[FW_NCMD];
	struct fw_cmd_stats stats[FW_NCMD];
};

/* Records why a command failed (printf-style, never key material) and returns
 * status, so handlers read: return fw_fail(fw, SEV_STATUS_INVALID_LENGTH, "…"). */
uint32_t fw_fail(struct fw *fw, uint32_t status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* System memory through the command's fw_mem, C-bit stripped; -1 = inaccessible. */
uint64_t fw_pa(const struct fw *fw, uint64_t addr);
int fw_read(struct fw *fw, uint64_t addr, void *dst, size_t len);
int fw_write(struct fw *fw, uint64_t addr, const void *src, size_t len);

/* Guest memory through a guest's VEK at system address pa (16-byte aligned). */
int fw_guest_read(struct fw *fw, struct fw_guest *g, uint64_t pa, void *dst, size_t len);
int fw_guest_write(struct fw *fw, struct fw_guest *g, uint64_t pa, const void *src, size_t len);

/* Guests. */
struct fw_guest *fw_guest_get(struct fw *fw, uint32_t handle); /* NULL: invalid handle */
struct fw_guest *fw_guest_alloc(struct fw *fw);                  /* NULL: table full */
void fw_guest_release(struct fw *fw, struct fw_guest *g);        /* cleanses */
bool fw_guest_active(const struct fw_guest *g);                  /* ASID bound (pending counts) */
void fw_guest_channel_clear(struct fw_guest *g);
int fw_guest_set_vek(struct fw_guest *g, const uint8_t vek[SEV_VEK_LEN]);
uint32_t fw_guest_vmsa_sum(const uint8_t *vmsa);
int fw_guest_vmsa_record(struct fw_guest *g, uint64_t pa, uint32_t crc);
int fw_guest_vmsa_lookup(const struct fw_guest *g, uint64_t pa, uint32_t *crc);
/* Completes a pending ACTIVATE (LAUNCH_FINISH, RECEIVE_FINISH). */
void fw_asid_complete_pending(struct fw *fw, struct fw_guest *g);
void fw_guests_clear_all(struct fw *fw);
void fw_asids_mark_all_dirty(struct fw *fw);

/* Persistent data (emu/fw/persist.c). */
uint32_t fw_persist_load(struct fw *fw);         /* at INIT/INIT_EX: SECURE_DATA_INVALID on bad data */
uint32_t fw_persist_save(struct fw *fw, const struct fw_persist *p);
uint32_t fw_persist_erase(struct fw *fw);
void fw_persist_clear(struct fw_persist *p);
int fw_persist_copy(struct fw_persist *dst, const struct fw_persist *src);
uint32_t fw_cek_derive(struct fw *fw);
uint32_t fw_gen_oca(struct fw *fw, struct fw_persist *p);
uint32_t fw_gen_pek(struct fw *fw, struct fw_persist *p);
uint32_t fw_gen_pdh(struct fw *fw, struct fw_persist *p);
/* The CEK as PDH_CERT_EXPORT shows it: no signatures. */
int fw_cek_cert(struct fw *fw, struct sev_cert *out);

/* LAUNCH_START and RECEIVE_START after their channel: VEK (new or shared), handle,
 * ES check, then the scratch guest g moves into its slot. */
uint32_t fw_start_commit(struct fw *fw, struct fw_guest *g, uint32_t share, enum fw_guest_state state,
			 uint32_t *handle_out, const char *cmd);

/* The channel (emu/fw/channel.c): server side (LAUNCH_START, RECEIVE_START) and client
 * side (SEND_START). */
uint32_t fw_channel_open_server(struct fw *fw, struct fw_guest *g, const struct sev_cert *peer,
				const struct sev_session *s, uint32_t policy, const char *cmd);
uint32_t fw_channel_open_client(struct fw *fw, struct fw_guest *g, const struct sev_cert *peer,
				struct sev_session *out);

/* Command handlers: each takes the private copy of the command buffer. */
typedef uint32_t (*fw_handler)(struct fw *fw, void *buf);
uint32_t fw_init(struct fw *fw, void *buf);
uint32_t fw_init_ex(struct fw *fw, void *buf);
uint32_t fw_shutdown(struct fw *fw, void *buf);
uint32_t fw_platform_reset(struct fw *fw, void *buf);
uint32_t fw_platform_status(struct fw *fw, void *buf);
uint32_t fw_pek_gen(struct fw *fw, void *buf);
uint32_t fw_pek_csr(struct fw *fw, void *buf);
uint32_t fw_pek_cert_import(struct fw *fw, void *buf);
uint32_t fw_pdh_cert_export(struct fw *fw, void *buf);
uint32_t fw_pdh_gen(struct fw *fw, void *buf);
uint32_t fw_df_flush(struct fw *fw, void *buf);
uint32_t fw_download_firmware(struct fw *fw, void *buf);
uint32_t fw_get_id(struct fw *fw, void *buf);
uint32_t fw_nop(struct fw *fw, void *buf);
uint32_t fw_decommission(struct fw *fw, void *buf);
uint32_t fw_activate(struct fw *fw, void *buf);
uint32_t fw_activate_ex(struct fw *fw, void *buf);
uint32_t fw_deactivate(struct fw *fw, void *buf);
uint32_t fw_guest_status(struct fw *fw, void *buf);
uint32_t fw_copy(struct fw *fw, void *buf);
uint32_t fw_launch_start(struct fw *fw, void *buf);
uint32_t fw_launch_update_data(struct fw *fw, void *buf);
uint32_t fw_launch_update_vmsa(struct fw *fw, void *buf);
uint32_t fw_launch_measure(struct fw *fw, void *buf);
uint32_t fw_launch_secret(struct fw *fw, void *buf);
uint32_t fw_launch_finish(struct fw *fw, void *buf);
uint32_t fw_attestation(struct fw *fw, void *buf);
uint32_t fw_send_start(struct fw *fw, void *buf);
uint32_t fw_send_update_data(struct fw *fw, void *buf);
uint32_t fw_send_update_vmsa(struct fw *fw, void *buf);
uint32_t fw_send_finish(struct fw *fw, void *buf);
uint32_t fw_send_cancel(struct fw *fw, void *buf);
uint32_t fw_receive_start(struct fw *fw, void *buf);
uint32_t fw_receive_update_data(struct fw *fw, void *buf);
uint32_t fw_receive_update_vmsa(struct fw *fw, void *buf);
uint32_t fw_receive_finish(struct fw *fw, void *buf);
uint32_t fw_dbg_decrypt(struct fw *fw, void *buf);
uint32_t fw_dbg_encrypt(struct fw *fw, void *buf);

#endif
