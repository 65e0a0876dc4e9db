/* The emulated SEV firmware: one platform's PSP.
 *
 * fw_command() takes a firmware command ID and the command buffer laid out exactly as
 * the firmware's (emu/fw/buffers.h), plus the system memory the addresses inside it
 * refer to — as the real PSP reads system memory by physical address.  It returns
 * the firmware status code and writes the buffer back by the firmware's per-command
 * rule (spec §1.2).  It is not thread-safe: callers serialise commands, as the one
 * mailbox of a real PSP does. */
#ifndef SWSEV_FW_FW_H
#define SWSEV_FW_FW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "emu/crypto/rng.h"
#include "emu/fw/status.h"
#include "emu/nv/store.h"

enum fw_cmd {
	FW_CMD_INIT = 0x001,
	FW_CMD_SHUTDOWN = 0x002,
	FW_CMD_PLATFORM_RESET = 0x003,
	FW_CMD_PLATFORM_STATUS = 0x004,
	FW_CMD_PEK_GEN = 0x005,
	FW_CMD_PEK_CSR = 0x006,
	FW_CMD_PEK_CERT_IMPORT = 0x007,
	FW_CMD_PDH_CERT_EXPORT = 0x008,
	FW_CMD_PDH_GEN = 0x009,
	FW_CMD_DF_FLUSH = 0x00A,
	FW_CMD_DOWNLOAD_FIRMWARE = 0x00B,
	FW_CMD_GET_ID = 0x00C,
	FW_CMD_INIT_EX = 0x00D,
	FW_CMD_NOP = 0x00E,
	FW_CMD_DECOMMISSION = 0x020,
	FW_CMD_ACTIVATE = 0x021,
	FW_CMD_DEACTIVATE = 0x022,
	FW_CMD_GUEST_STATUS = 0x023,
	FW_CMD_COPY = 0x024,
	FW_CMD_ACTIVATE_EX = 0x025,
	FW_CMD_LAUNCH_START = 0x030,
	FW_CMD_LAUNCH_UPDATE_DATA = 0x031,
	FW_CMD_LAUNCH_UPDATE_VMSA = 0x032,
	FW_CMD_LAUNCH_MEASURE = 0x033,
	FW_CMD_LAUNCH_SECRET = 0x034,
	FW_CMD_LAUNCH_FINISH = 0x035,
	FW_CMD_ATTESTATION = 0x036,
	FW_CMD_SEND_START = 0x040,
	FW_CMD_SEND_UPDATE_DATA = 0x041,
	FW_CMD_SEND_UPDATE_VMSA = 0x042,
	FW_CMD_SEND_FINISH = 0x043,
	FW_CMD_SEND_CANCEL = 0x044,
	FW_CMD_RECEIVE_START = 0x050,
	FW_CMD_RECEIVE_UPDATE_DATA = 0x051,
	FW_CMD_RECEIVE_UPDATE_VMSA = 0x052,
	FW_CMD_RECEIVE_FINISH = 0x053,
	FW_CMD_DBG_DECRYPT = 0x060,
	FW_CMD_DBG_ENCRYPT = 0x061,
	FW_CMD_MAX = 0x0FF,
};

enum fw_plat_state {
	FW_PLAT_UNINIT = 0,
	FW_PLAT_INIT = 1,
	FW_PLAT_WORKING = 2,
};

enum fw_guest_state {
	FW_GUEST_UNINIT = 0,
	FW_GUEST_LUPDATE = 1,
	FW_GUEST_LSECRET = 2,
	FW_GUEST_RUNNING = 3,
	FW_GUEST_SUPDATE = 4,
	FW_GUEST_RUPDATE = 5,
	FW_GUEST_SENT = 6,
};

/* Guest policy bits (spec §5.1). */
#define SEV_POLICY_NODBG     (1u << 0)
#define SEV_POLICY_NOKS      (1u << 1)
#define SEV_POLICY_ES        (1u << 2)
#define SEV_POLICY_NOSEND    (1u << 3)
#define SEV_POLICY_DOMAIN    (1u << 4)
#define SEV_POLICY_SEV       (1u << 5)
#define SEV_POLICY_RESERVED  0x0000FFC0u
#define SEV_POLICY_API_MAJOR(p) (((p) >> 16) & 0xff)
#define SEV_POLICY_API_MINOR(p) (((p) >> 24) & 0xff)

/* INIT flags, PLATFORM_STATUS bits. */
#define SEV_INIT_FLAG_ES      0x1u
#define SEV_PLAT_FLAG_OWNER   0x1u

/* "FACTORY_RESET", …; NULL for an unknown ID. */
const char *fw_cmd_name(uint32_t id);
/* Name ("LAUNCH_START", case-insensitive) or number; -1 if unknown. */
int fw_cmd_parse(const char *s);
const char *fw_plat_state_name(uint32_t s);
const char *fw_guest_state_name(uint32_t s);

/* System memory as the PSP sees it.  Addresses arrive with the C-bit already
 * stripped.  read/write return 0, or -1 when the range is not accessible (the
 * firmware then fails the command with INVALID_ADDRESS). */
struct fw_mem {
	int (*read)(void *ctx, uint64_t pa, void *dst, size_t len);
	int (*write)(void *ctx, uint64_t pa, const void *src, size_t len);
	void *ctx;
};

/* What the emulated part looks like (CPUID 0x8000001F and the firmware version). */
struct fw_config {
	uint8_t api_major, api_minor, build;
	uint32_t max_asid;     /* ECX: number of encrypted guests supported at once */
	uint32_t min_sev_asid; /* EDX: SEV-ES guests use 1..min_sev_asid-1 */
	uint32_t guest_max;    /* firmware handle table size (1024 on real parts) */
	unsigned cbit;         /* C-bit position (EBX[5:0]) stripped from addresses */
	bool es;               /* SEV-ES supported by the hardware */
	bool two_sockets;      /* GET_ID returns two IDs when asked for 128 bytes */
	bool wbinvd_strict;    /* DF_FLUSH needs an explicit fw_wbinvd() first */
};

void fw_config_default(struct fw_config *c);

/* The chip: fused at manufacturing, survives PLATFORM_RESET (spec §5.7). */
struct fw_identity {
	uint8_t cuk[32];            /* chip-unique key (secret): CEK and GET_ID derive from it */
	uint8_t ark_fused_hash[48]; /* SHA-384 of the product's ARK header+key (SEND_START) */
};

/* The SPI flash holding the firmware's persistent data.  load returns NV_NOENT when
 * the flash is empty; any other failure leaves the flash untouched. */
struct fw_spi {
	enum nv_result (*load)(void *ctx, uint8_t **data, size_t *len, char *msg, size_t msglen);
	int (*save)(void *ctx, const uint8_t *data, size_t len, char *msg, size_t msglen);
	int (*erase)(void *ctx, char *msg, size_t msglen);
	void *ctx;
};

struct fw;

/* The platform powers on in UNINIT.  rng is borrowed (must outlive fw). */
struct fw *fw_new(const struct fw_config *cfg, const struct fw_identity *id,
		  const struct fw_spi *spi, struct rng *rng);
/* Cleanses every key. */
void fw_free(struct fw *fw);

/* Runs one command.  buf points to fw_cmd_buf_len(cmd) bytes (or is NULL for commands
 * without a buffer); it is read once into private memory and written back per the
 * firmware's rule.  Returns the status code. */
uint32_t fw_command(struct fw *fw, uint32_t cmd, void *buf, const struct fw_mem *mem);

/* Size of a command's buffer; 0 for commands without one, -1 for unknown IDs. */
long fw_cmd_buf_len(uint32_t cmd);

/* The last failed command's explanation: "LAUNCH_START: session_len 127 != 128"
 * (empty after a success).  Never contains key material. */
const char *fw_reason(const struct fw *fw);

/* Every core executed WBINVD (the kernel's wbinvd_on_all_cpus()). */
void fw_wbinvd(struct fw *fw);
/* Strict: DF_FLUSH fails with WBINVD_REQUIRED until fw_wbinvd() after ASIDs got dirty.
 * Off (default): every core is taken to have run WBINVD. */
void fw_set_wbinvd_strict(struct fw *fw, bool strict);

enum fw_plat_state fw_state(const struct fw *fw);
const struct fw_config *fw_get_config(const struct fw *fw);

/* SHA-256 over the persistent data as the firmware holds it (public certs + owner
 * flag; keys enter only through their certificates), to let tests assert that a
 * failed command changed nothing. */
void fw_nv_digest(struct fw *fw, uint8_t out[32]);

/* ---- emulator-only views (no firmware command equivalent) ---------------------------- */

/* The guest CPU's view: read or write plaintext at system address pa through the
 * guest's VEK (C-bit set accesses).  Returns an SEV status (INVALID_GUEST,
 * INACTIVE…).  len and pa must be 16-byte aligned. */
uint32_t fw_guest_view(struct fw *fw, uint32_t handle, uint64_t pa, void *buf, size_t len,
		       bool write, const struct fw_mem *mem);

/* Fault injection: the nth (1-based, counted from now) command with this ID returns
 * `status` without running (status 0 = only delay), after sleeping delay_us.
 * cmd == 0 matches every command.  A later call replaces the rule for that ID. */
void fw_inject(struct fw *fw, uint32_t cmd, uint32_t nth, uint32_t status, uint32_t delay_us);
/* A fixed latency added to every command of an ID (a lab profile); 0 removes it. */
void fw_set_latency(struct fw *fw, uint32_t cmd, uint32_t delay_us);
void fw_clear_injections(struct fw *fw);

struct fw_cmd_stats {
	uint64_t count, failures, total_ns;
};
/* Per-command counters since fw_new or the last reset. */
void fw_stats(const struct fw *fw, uint32_t cmd, struct fw_cmd_stats *out);
void fw_stats_reset(struct fw *fw);

/* The chip endorsement key the firmware derives from a chip-unique key (spec §5.7),
 * for the emulated manufacturing step that has AMD's KDS sign it. */
EVP_PKEY *fw_cek_from_cuk(const uint8_t cuk[32]);

/* Power cycle: volatile state lost (guests, ASIDs, platform state), NV kept. */
void fw_power_cycle(struct fw *fw);

/* Deterministic mode only (the rng is seeded): the PDH private scalar, big-endian, so
 * that the conformance vectors can publish the ECDH secret of a seeded run.  -1 on a
 * platform running on OS randomness or without a PDH (before the first INIT). */
int fw_seeded_pdh_private(struct fw *fw, uint8_t d_be[48]);

#endif
