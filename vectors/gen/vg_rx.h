/* A receiving platform for packet vectors: a firmware-level platform (vg_fwplat) on
 * which each packet goes into a fresh guest in RUPDATE whose channel carries the
 * packet's TEK/TIK, set up the way a source's SEND_START sets it up (a session wrapped
 * for this platform's PDH, then RECEIVE_START and ACTIVATE).  So a vector's packet is
 * judged by RECEIVE_UPDATE_DATA / _VMSA itself, not by a re-implementation. */
#ifndef SWSEV_VECTORS_VG_RX_H
#define SWSEV_VECTORS_VG_RX_H

#include <stdint.h>

#include "emu/cert/sev_cert.h"
#include "emu/crypto/session.h"
#include "vectors/gen/vg_fwplat.h"

struct vg_rx {
	struct vg_fwplat p;
	struct sev_cert pdh;
	uint32_t next_es_asid, next_asid;
};

int vg_rx_open(struct vg_rx *r);
void vg_rx_close(struct vg_rx *r);

/* One packet into a fresh guest (cmd: FW_CMD_RECEIVE_UPDATE_DATA or _VMSA).  Returns the
 * firmware status (0xffff if the guest could not be set up) and, on success and when pt
 * is not NULL, the guest's plaintext read back through DBG_DECRYPT. */
uint32_t vg_rx_packet(struct vg_rx *r, const struct sev_tk *tk, uint32_t cmd, const uint8_t hdr[52], const uint8_t *ct,
		      uint32_t guest_len, uint32_t trans_len, uint8_t *pt);

/* LAUNCH_START with c as the guest owner's DH certificate and an all-zero session. */
uint32_t vg_rx_launch_dh(struct vg_rx *r, const struct sev_cert *c);

#endif
