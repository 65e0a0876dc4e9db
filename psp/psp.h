/* swsev psp/: one client API for the emulated and the real AMD SEV PSP.
 *
 * Every tool, conformance suite and the migration engine talk to an SEV platform
 * through this API only; which platform is one configuration string, the backend URI:
 *
 *   emu:DIR[?opt=val&...]  the emulator in this process, state in DIR (emu: alone uses
 *                          $SWSEV_STATE_DIR or ~/.local/state/swsev/default)
 *   unix:PATH              the emulator behind `swsev socket --path PATH`
 *   dev:PATH               any device with the /dev/sev ABI: the CUSE daemon
 *                          (`swsev cuse`) or the real kernel's /dev/sev
 *   kvm:[SEVPATH]          the real thing: platform commands on /dev/sev (or SEVPATH),
 *                          guest commands through /dev/kvm (KVM_MEMORY_ENCRYPT_OP)
 *
 * psp_open(NULL, …) takes the URI from $SWSEV_BACKEND, else "emu:".
 * Options for every backend: ro (platform descriptor opened read-only).  emu: options
 * (used when the platform is first created): seed=HEX, root=DIR, profile=NAME[,mods],
 * api=MAJ.MIN, build=N, asids=N, min-sev-asid=N, guests=N, es=0|1, cbit=N, sockets=1|2,
 * create=0|1.  kvm: options: vm-type=default|sev|sev-es (the KVM_CREATE_VM type; sev and
 * sev-es need Linux 6.10+ and turn psp_vm_init into KVM_SEV_INIT2).  Backends with
 * emulator controls also take latency-profile=FILE (see "latency profiles" below).
 *
 * Platform commands take the kernel's <linux/psp-sev.h> structs and guest commands the
 * <linux/kvm.h> kvm_sev_* structs, with the kernel's semantics on every backend.
 * Errors come back as (errno, firmware status) pairs plus a message where the backend
 * can say why.  What a backend cannot do is reported by psp_caps(); a caller that needs
 * a missing capability gets ENOTSUP with a message, never a silent success. */
#ifndef SWSEV_PSP_H
#define SWSEV_PSP_H

#include <linux/kvm.h>
#include <linux/psp-sev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PSP_API_VERSION_MAJOR 0
#define PSP_API_VERSION_MINOR 1
#define PSP_API_VERSION_STRING "0.1.0"

#define PSP_CERT_LEN       0x824  /* an SEV certificate */
#define PSP_CERT_CHAIN_LEN 0x186C /* PEK || OCA || CEK */
#define PSP_SESSION_LEN    128
#define PSP_HDR_LEN        52
#define PSP_MEASURE_LEN    48
#define PSP_REPORT_LEN     208

struct psp;    /* one platform */
struct psp_vm; /* one SEV VM on it */

/* ---- errors ------------------------------------------------------------------------ */

struct psp_err {
	int err;      /* 0, or the errno (EIO: the firmware refused, see fw) */
	uint32_t fw;  /* the firmware status (SEV_RET_*) when the firmware was called */
	bool fw_set;  /* fw is meaningful */
	char msg[256];/* why: the failed precondition when the backend knows it */
};

/* "INVALID_LENGTH" (the one status table of the project). */
const char *psp_fw_status_name(uint32_t status);
/* "EIO, firmware INVALID_LENGTH (0x04): PEK_CSR: csr_len 0 < 0x824" */
void psp_err_format(const struct psp_err *e, char *buf, size_t len);

/* ---- opening ------------------------------------------------------------------------- */

enum psp_cap {
	PSP_CAP_PLATFORM = 1u << 0,   /* the /dev/sev (SEV_ISSUE_CMD) commands */
	PSP_CAP_GUEST = 1u << 1,      /* KVM_SEV_* guest commands */
	PSP_CAP_FW_CMD = 1u << 2,     /* raw firmware commands (ACTIVATE, SEND_UPDATE_VMSA, …) */
	PSP_CAP_GUEST_VIEW = 1u << 3, /* read/write guest plaintext through its VEK */
	PSP_CAP_CONTROL = 1u << 4,    /* reset, fault/latency injection, statistics, NV digest */
	PSP_CAP_REASONS = 1u << 5,    /* failure messages name the failed precondition */
	PSP_CAP_UPTR_CHECK = 1u << 6, /* bad user pointers give EFAULT (a kernel or a daemon
					 checks them; in-process they would crash) */
	PSP_CAP_VMSA_PAGES = 1u << 7, /* SEV-ES vCPU VMSAs are pages the caller fills */
	PSP_CAP_DETERMINISTIC = 1u << 8, /* the platform runs from a seed */
};

int psp_open(const char *uri, struct psp **out, struct psp_err *err);
void psp_close(struct psp *p);

unsigned psp_caps(const struct psp *p);
/* "emu", "unix", "dev" or "kvm". */
const char *psp_backend(const struct psp *p);
const char *psp_uri(const struct psp *p);
/* ENOTSUP with a message naming the capability, or 0. */
int psp_require(const struct psp *p, unsigned caps, struct psp_err *err);

/* ---- platform commands (SEV_ISSUE_CMD) ------------------------------------------------ */

/* Raw: cmd is SEV_FACTORY_RESET…SEV_GET_ID2, data the matching sev_user_data_* struct
 * (or NULL).  Returns 0, or -1 with err set (err->fw from sev_issue_cmd.error). */
int psp_sev_cmd(struct psp *p, uint32_t cmd, void *data, struct psp_err *err);

int psp_platform_status(struct psp *p, struct sev_user_data_status *st, struct psp_err *err);
int psp_factory_reset(struct psp *p, struct psp_err *err);
int psp_pek_gen(struct psp *p, struct psp_err *err);
int psp_pdh_gen(struct psp *p, struct psp_err *err);
int psp_pek_csr(struct psp *p, uint8_t csr[PSP_CERT_LEN], struct psp_err *err);
int psp_pek_cert_import(struct psp *p, const uint8_t pek[PSP_CERT_LEN], const uint8_t oca[PSP_CERT_LEN],
			struct psp_err *err);
int psp_pdh_cert_export(struct psp *p, uint8_t pdh[PSP_CERT_LEN], uint8_t chain[PSP_CERT_CHAIN_LEN],
			struct psp_err *err);
/* GET_ID2 with its length query; *len in: buffer size, out: bytes of ID (64 per socket). */
int psp_get_id(struct psp *p, uint8_t *id, uint32_t *len, struct psp_err *err);

/* ---- guest commands (KVM_SEV_*) -------------------------------------------------------- */

/* A VM: a new descriptor of the emulated device, or KVM_CREATE_VM on /dev/kvm. */
int psp_vm_create(struct psp *p, struct psp_vm **out, struct psp_err *err);
/* As when a VM dies: DEACTIVATE + DECOMMISSION of its guest. */
void psp_vm_destroy(struct psp_vm *vm);
struct psp *psp_vm_psp(struct psp_vm *vm);

/* Raw KVM_MEMORY_ENCRYPT_OP: id is KVM_SEV_*, data the kvm_sev_* struct.  Returns 0 or
 * -1 with err (err->fw from kvm_sev_cmd.error).  No chunking: through a CUSE device at
 * most 128 KiB of data moves per call. */
int psp_vm_op(struct psp_vm *vm, uint32_t id, void *data, struct psp_err *err);
int psp_vm_reg_region(struct psp_vm *vm, void *addr, size_t size, struct psp_err *err);
int psp_vm_unreg_region(struct psp_vm *vm, void *addr, size_t size, struct psp_err *err);
/* SEV-ES vCPUs.  With PSP_CAP_VMSA_PAGES, vmsa[i] are 4 KiB-aligned pages holding each
 * vCPU's initial VMSA; on KVM the vCPUs are created and vmsa may be NULL. */
int psp_vm_set_vcpus(struct psp_vm *vm, void *const *vmsa, unsigned n, struct psp_err *err);

/* Typed wrappers over psp_vm_op with the usual two-step length queries done for the
 * caller and big transfers split into backend-sized calls. */
int psp_vm_init(struct psp_vm *vm, bool es, struct psp_err *err);
/* godh/session may be NULL (no guest owner session); *handle in: 0 or a guest to share
 * keys with; out: the new handle. */
int psp_launch_start(struct psp_vm *vm, uint32_t policy, const uint8_t *godh, const uint8_t *session,
		     uint32_t *handle, struct psp_err *err);
int psp_launch_update_data(struct psp_vm *vm, void *addr, size_t len, struct psp_err *err);
int psp_launch_update_vmsa(struct psp_vm *vm, struct psp_err *err);
int psp_launch_measure(struct psp_vm *vm, uint8_t out[PSP_MEASURE_LEN], struct psp_err *err);
int psp_launch_secret(struct psp_vm *vm, const uint8_t hdr[PSP_HDR_LEN], const void *secret, uint32_t len,
		      void *guest_addr, struct psp_err *err);
int psp_launch_finish(struct psp_vm *vm, struct psp_err *err);
int psp_guest_status(struct psp_vm *vm, struct kvm_sev_guest_status *st, struct psp_err *err);
int psp_dbg_decrypt(struct psp_vm *vm, const void *src, void *dst, size_t len, struct psp_err *err);
int psp_dbg_encrypt(struct psp_vm *vm, const void *src, void *dst, size_t len, struct psp_err *err);
int psp_attestation(struct psp_vm *vm, const uint8_t mnonce[16], uint8_t report[PSP_REPORT_LEN], struct psp_err *err);
/* SEND_START: plat_chain = target PEK||OCA||CEK, amd_chain = ASK||ARK (any may be
 * NULL with len 0, which KVM refuses).  Writes the 128-byte session, *policy. */
int psp_send_start(struct psp_vm *vm, const uint8_t *pdh, uint32_t pdh_len, const uint8_t *plat_chain,
		   uint32_t plat_len, const uint8_t *amd_chain, uint32_t amd_len, uint8_t session[PSP_SESSION_LEN],
		   uint32_t *policy, struct psp_err *err);
/* One packet: guest range within one page; trans receives len bytes. */
int psp_send_update_data(struct psp_vm *vm, const void *guest, uint32_t len, uint8_t hdr[PSP_HDR_LEN], void *trans,
			 struct psp_err *err);
int psp_send_finish(struct psp_vm *vm, struct psp_err *err);
int psp_send_cancel(struct psp_vm *vm, struct psp_err *err);
int psp_receive_start(struct psp_vm *vm, uint32_t policy, const uint8_t pdh[PSP_CERT_LEN],
		      const uint8_t session[PSP_SESSION_LEN], uint32_t *handle, struct psp_err *err);
int psp_receive_update_data(struct psp_vm *vm, const uint8_t hdr[PSP_HDR_LEN], const void *trans, void *guest,
			    uint32_t len, struct psp_err *err);
int psp_receive_finish(struct psp_vm *vm, struct psp_err *err);
/* The VM's firmware guest handle (0 before LAUNCH_START/RECEIVE_START). */
uint32_t psp_vm_handle(struct psp_vm *vm);

/* ---- emulator extras (capabilities FW_CMD, GUEST_VIEW, CONTROL) --------------------- */

/* A raw firmware command; buf/len its buffer in the firmware's layout.  Returns 0 when
 * the firmware ran (its status in *status), -1 on a transport or ABI error. */
int psp_fw_cmd(struct psp *p, uint32_t cmd, void *buf, uint32_t len, uint32_t *status, struct psp_err *err);

/* The guest CPU's view: plaintext at addr through the VEK of handle (0: the VM's). */
int psp_guest_read(struct psp_vm *vm, uint32_t handle, const void *addr, void *buf, size_t len, struct psp_err *err);
int psp_guest_write(struct psp_vm *vm, uint32_t handle, void *addr, const void *buf, size_t len, struct psp_err *err);

struct psp_info {
	uint8_t api_major, api_minor, build;
	bool seeded, es;
	uint32_t max_asid, min_sev_asid, guest_max, cbit;
	char profile[64];
	char state_dir[256];
};
int psp_info(struct psp *p, struct psp_info *out, struct psp_err *err);
/* Power cycle (volatile state lost, NV kept; every VM on the platform is gone). */
int psp_reset(struct psp *p, struct psp_err *err);
/* The nth (1-based) later command `fw_cmd` (0: any) fails with status (0: only the delay). */
int psp_inject(struct psp *p, uint32_t fw_cmd, uint32_t nth, uint32_t status, uint32_t delay_us, struct psp_err *err);
int psp_set_latency(struct psp *p, uint32_t fw_cmd, uint32_t delay_us, struct psp_err *err);
int psp_clear_injections(struct psp *p, struct psp_err *err);
int psp_wbinvd(struct psp *p, bool strict, struct psp_err *err); /* WBINVD now; strict: DF_FLUSH needs it */
int psp_nv_digest(struct psp *p, uint8_t out[32], struct psp_err *err);

struct psp_cmd_stats {
	uint64_t count, failures, total_ns;
};
/* stats[256], indexed by firmware command ID. */
int psp_stats(struct psp *p, struct psp_cmd_stats *stats, bool reset, struct psp_err *err);

/* ---- latency profiles (capability CONTROL) -------------------------------------------
 *
 * Per-command latencies measured on a real PSP (`swsev bench latency --backend kvm:
 * --out FILE`), applied to an emulated platform's latency injection so offline
 * benchmarks scale to real hardware.  Format: see psp/profile.c; the first line is
 * PSP_LATENCY_PROFILE_TAG, then "COMMAND MEAN_US [...]" lines (firmware command names).
 * psp_open honours the URI option latency-profile=FILE on every backend with CONTROL
 * (on a shared daemon it applies to every client of that platform). */

#define PSP_LATENCY_PROFILE_TAG "# swsev latency profile 1"

struct psp_latency {
	uint32_t fw_cmd; /* firmware command ID */
	double mean_us;
};
/* Parses a profile into out[max]; *n entries. */
int psp_latency_profile_read(const char *path, struct psp_latency *out, size_t max, size_t *n, struct psp_err *err);
/* psp_set_latency for every command of the profile (others keep theirs). */
int psp_load_latency_profile(struct psp *p, const char *path, struct psp_err *err);

/* ---- for the emulator's own tools -------------------------------------------------------- */

/* What AMD's KDS serves for this (emulated) platform: ARK, ASK (AMD format; *_len in:
 * buffer size, out: bytes) and the ASK-signed CEK.  Capability CONTROL. */
int psp_kds_certs(struct psp *p, uint8_t *ark, size_t *ark_len, uint8_t *ask, size_t *ask_len,
		      uint8_t cek[PSP_CERT_LEN], struct psp_err *err);

#endif
