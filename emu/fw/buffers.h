/* The firmware command buffers (spec §2), byte for byte.  Packed, little-endian host
 * assumed (as SEV itself: x86 only); the sizes are asserted below.  These are the
 * PSP's view; the Linux UAPI structs (<linux/psp-sev.h>) and KVM's (<linux/kvm.h>) are
 * the driver's business (emu/drv). */
#ifndef SWSEV_FW_BUFFERS_H
#define SWSEV_FW_BUFFERS_H

#include <stdint.h>

#define FWB __attribute__((packed))

struct fwb_init {
	uint32_t flags;
	uint32_t reserved;
	uint64_t tmr_paddr;
	uint32_t tmr_length;
} FWB;

struct fwb_init_ex {
	uint32_t length; /* must be sizeof(struct fwb_init_ex) */
	uint32_t flags;
	uint64_t tmr_paddr;
	uint32_t tmr_length;
	uint32_t reserved;
	uint64_t nv_paddr;
	uint32_t nv_length;
} FWB;

struct fwb_platform_status {
	uint8_t api_major;
	uint8_t api_minor;
	uint8_t state;
	uint8_t flags;   /* bit 0: OWNER (externally owned) */
	uint16_t config; /* bit 0: CONFIG.ES */
	uint8_t reserved;
	uint8_t build;
	uint32_t guest_count;
} FWB;

struct fwb_addr_len { /* PEK_CSR, GET_ID, DOWNLOAD_FIRMWARE */
	uint64_t paddr;
	uint32_t len;
} FWB;

struct fwb_pek_cert_import {
	uint64_t pek_cert_paddr;
	uint32_t pek_cert_len;
	uint32_t reserved;
	uint64_t oca_cert_paddr;
	uint32_t oca_cert_len;
} FWB;

struct fwb_pdh_cert_export {
	uint64_t pdh_cert_paddr;
	uint32_t pdh_cert_len;
	uint32_t reserved;
	uint64_t cert_chain_paddr;
	uint32_t cert_chain_len;
} FWB;

struct fwb_handle { /* DECOMMISSION, DEACTIVATE, LAUNCH_FINISH, SEND_FINISH, SEND_CANCEL, RECEIVE_FINISH */
	uint32_t handle;
} FWB;

struct fwb_activate {
	uint32_t handle;
	uint32_t asid;
} FWB;

struct fwb_activate_ex {
	uint32_t ex_len;
	uint32_t handle;
	uint32_t asid;
	uint32_t numids;
	uint64_t ids_paddr;
} FWB;

struct fwb_guest_status {
	uint32_t handle;
	uint32_t policy;
	uint32_t asid;
	uint8_t state;
} FWB;

struct fwb_copy {
	uint32_t handle;
	uint32_t length;
	uint64_t src_paddr;
	uint64_t dst_paddr;
} FWB;

/* LAUNCH_START and RECEIVE_START share the layout. */
struct fwb_start {
	uint32_t handle;
	uint32_t policy;
	uint64_t dh_cert_paddr; /* LAUNCH: the guest owner's DH cert; RECEIVE: the source PDH */
	uint32_t dh_cert_len;
	uint32_t reserved;
	uint64_t session_paddr;
	uint32_t session_len;
} FWB;

/* LAUNCH_UPDATE_DATA / _VMSA and LAUNCH_MEASURE share the layout. */
struct fwb_handle_addr_len {
	uint32_t handle;
	uint32_t reserved;
	uint64_t paddr;
	uint32_t len;
} FWB;

/* LAUNCH_SECRET, SEND_UPDATE_*, RECEIVE_UPDATE_*: the "transport" layout. */
struct fwb_transport {
	uint32_t handle;
	uint32_t reserved;
	uint64_t hdr_paddr;
	uint32_t hdr_len;
	uint32_t reserved2;
	uint64_t guest_paddr;
	uint32_t guest_len;
	uint32_t reserved3;
	uint64_t trans_paddr;
	uint32_t trans_len;
} FWB;

struct fwb_attestation {
	uint32_t handle;
	uint32_t reserved;
	uint64_t paddr;
	uint8_t mnonce[16];
	uint32_t len;
} FWB;

struct fwb_send_start {
	uint32_t handle;
	uint32_t policy;
	uint64_t pdh_cert_paddr;
	uint32_t pdh_cert_len;
	uint32_t reserved;
	uint64_t plat_certs_paddr;
	uint32_t plat_certs_len;
	uint32_t reserved2;
	uint64_t amd_certs_paddr;
	uint32_t amd_certs_len;
	uint32_t reserved3;
	uint64_t session_paddr;
	uint32_t session_len;
} FWB;

struct fwb_dbg {
	uint32_t handle;
	uint32_t reserved;
	uint64_t src_paddr;
	uint64_t dst_paddr;
	uint32_t len;
} FWB;

_Static_assert(sizeof(struct fwb_init) == 20, "INIT buffer");
_Static_assert(sizeof(struct fwb_init_ex) == 36, "INIT_EX buffer");
_Static_assert(sizeof(struct fwb_platform_status) == 12, "PLATFORM_STATUS buffer");
_Static_assert(sizeof(struct fwb_addr_len) == 12, "PEK_CSR/GET_ID buffer");
_Static_assert(sizeof(struct fwb_pek_cert_import) == 28, "PEK_CERT_IMPORT buffer");
_Static_assert(sizeof(struct fwb_pdh_cert_export) == 28, "PDH_CERT_EXPORT buffer");
_Static_assert(sizeof(struct fwb_activate) == 8, "ACTIVATE buffer");
_Static_assert(sizeof(struct fwb_activate_ex) == 24, "ACTIVATE_EX buffer");
_Static_assert(sizeof(struct fwb_guest_status) == 13, "GUEST_STATUS buffer");
_Static_assert(sizeof(struct fwb_copy) == 24, "COPY buffer");
_Static_assert(sizeof(struct fwb_start) == 36, "LAUNCH_START/RECEIVE_START buffer");
_Static_assert(sizeof(struct fwb_handle_addr_len) == 20, "LAUNCH_UPDATE/MEASURE buffer");
_Static_assert(sizeof(struct fwb_transport) == 52, "transport buffer");
_Static_assert(sizeof(struct fwb_attestation) == 36, "ATTESTATION buffer");
_Static_assert(sizeof(struct fwb_send_start) == 68, "SEND_START buffer");
_Static_assert(sizeof(struct fwb_dbg) == 28, "DBG buffer");

#endif
