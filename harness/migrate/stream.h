/* The migration stream: what crosses the wire between the source and the target VMM.
 *
 * Modelled on the SEV live-migration series for QEMU (sev_save_outgoing_page,
 * RAM_SAVE_FLAG_ENCRYPTED_DATA, the shared-regions list); all integers big-endian as
 * QEMU writes them.  A stream is a sequence of records, each `be32 type` then a body:
 *
 *   HELLO    (target -> source, only on two-way transports, before anything else)
 *            be32 version | be32 pdh_len | pdh | be32 plat_len | PEK||OCA||CEK |
 *            be32 amd_len | ASK||ARK
 *            The target's certificates, which management hands the source in QEMU's
 *            flow (migrate-set-parameters sev-pdh / sev-plat-cert / sev-amd-cert).
 *   START    be32 version | be32 policy | be32 pdh_len | source PDH | be32 session_len |
 *            session | be64 guest_size | be32 vcpus
 *   PAGE     be64 gpa | be32 hdr_len | hdr | be32 trans_len | trans
 *            a private page, through SEND_UPDATE_DATA
 *   SHARED   be64 gpa | be32 len | plaintext
 *            a shared (unencrypted) page, as plain RAM
 *   ROUND    be32 round | be32 pages_in_round
 *            end of a pre-copy round (for statistics and progress)
 *   REGIONS  { be32 1 (CONT) | be64 gfn_start | be64 gfn_end }* | be32 2 (END)
 *            the shared-regions list, sent at completion (RAM_SAVE_SHARED_REGIONS_LIST);
 *            ranges ascending and disjoint
 *   VMSA     be32 vcpu | be32 hdr_len | hdr | be32 trans_len | trans
 *            an SEV-ES vCPU's VMSA, through SEND_UPDATE_VMSA (firmware level)
 *   END      be64 pages_sent (PAGE and SHARED records in the stream; the target
 *            checks it, and that every page and every VMSA arrived)
 *   READY    (target -> source) be32 status: every page was accepted (0) or not
 *   FINISHED (source -> target) the source did SEND_FINISH: resume
 *   ABORT    (either way) be32 sev_status | be32 msg_len | msg (<= MIG_ABORT_MAX):
 *            the sender gave up
 *
 * The stream carries no secrets in the clear: private pages travel encrypted with the
 * transport key and MACed, and that key travels wrapped for the target's PDH. */
#ifndef SWSEV_MIGRATE_STREAM_H
#define SWSEV_MIGRATE_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "psp/psp.h"

#define MIG_STREAM_VERSION 1
#define MIG_PAGE 4096

enum mig_rec {
	MIG_REC_HELLO = 0x48454c4f, /* "HELO" */
	MIG_REC_START = 1,
	MIG_REC_PAGE = 2,
	MIG_REC_SHARED = 3,
	MIG_REC_ROUND = 4,
	MIG_REC_REGIONS = 5,
	MIG_REC_VMSA = 6,
	MIG_REC_END = 7,
	MIG_REC_READY = 8,
	MIG_REC_FINISHED = 9,
	MIG_REC_ABORT = 10,
};

/* The longest reason an ABORT carries (both sides write and read at most this). */
#define MIG_ABORT_MAX 512

#define MIG_REGION_CONT 1
#define MIG_REGION_END  2

/* Buffered I/O on a file descriptor (pipe, socket, file).  Errors are sticky. */
struct mig_io {
	int fd;
	uint8_t *buf;
	size_t cap, len, pos; /* write: len = filled; read: [pos, len) unread */
	uint64_t bytes;       /* total moved */
	uint64_t limit_bps;   /* bandwidth cap for writes, 0 = none */
	uint64_t t0_ns;
	int err;              /* errno of the first failure, or -1 for EOF */
};

/* CLOCK_MONOTONIC, and this thread's CPU time, in ns. */
uint64_t mig_now_ns(void);
uint64_t mig_thread_cpu_ns(void);

int mig_io_init(struct mig_io *io, int fd, size_t cap);
void mig_io_free(struct mig_io *io);

int mig_put(struct mig_io *io, const void *p, size_t n);
int mig_put_be32(struct mig_io *io, uint32_t v);
int mig_put_be64(struct mig_io *io, uint64_t v);
int mig_flush(struct mig_io *io);

int mig_get(struct mig_io *io, void *p, size_t n);
int mig_get_be32(struct mig_io *io, uint32_t *v);
int mig_get_be64(struct mig_io *io, uint64_t *v);
/* An ABORT's body (after its type): the peer's SEV status (pe->fw_set if it had one)
 * and reason (a note if the record was cut off). */
void mig_get_abort(struct mig_io *io, struct psp_err *pe, char msg[MIG_ABORT_MAX + 1]);
void mig_put_abort(struct mig_io *io, uint32_t fw, const char *msg);
/* A length-prefixed blob of at most max bytes into buf; *n receives its length. */
int mig_get_blob(struct mig_io *io, void *buf, size_t max, uint32_t *n);

const char *mig_rec_name(uint32_t type);

#endif
