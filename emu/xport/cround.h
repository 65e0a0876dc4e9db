/* One CUSE ioctl round, independent of libfuse: what the server answers to a
 * FUSE_IOCTL request that carries (cmd, arg) and the bytes the kernel fetched for the
 * previous retry.  The answer is either a retry (the caller's memory to fetch, the
 * ranges the reply will be written to) or the final result with the reply bytes.
 *
 * The round is derived from what arrived, never counted: the driver handler is run over
 * the bytes in order, each run consuming the regions the previous one asked for, until
 * it completes or asks for more than arrived.  A round whose bytes do not add up to the
 * lists it derives (the caller changed its memory between rounds) is answered with a
 * retry for the lists it derives now; the handler acts only on a consistent round.
 *
 * Kept apart from the libfuse glue so that a model of the kernel's side can drive it in
 * tests (harness/tests/progs/cuse_model.c). */
#ifndef SWSEV_XPORT_CROUND_H
#define SWSEV_XPORT_CROUND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "emu/drv/drv.h"
#include "emu/xport/xsrv.h"

/* What the last retry of a (thread, cmd, arg) asked for, to cross-check the next round:
 * equal sizes are not enough when the caller swapped a pointer between rounds. */
#define XP_NREC 8

struct xp_recs {
	struct {
		bool used;
		uint32_t pid;
		unsigned int cmd;
		uint64_t arg;
		uint64_t hash;
	} r[XP_NREC];
	unsigned next;
};

struct xp_round_in {
	struct drv_file *f;
	struct xp_stats *stats;
	struct xp_recs *recs;    /* per descriptor */
	uint32_t pid;            /* the calling thread */
	unsigned int cmd;
	uint64_t arg;
	const void *in_buf;      /* the kernel's copy of the last retry's in iovecs */
	size_t in_size, out_size;
	uint32_t max;            /* bytes per direction (XP_CUSE_MAX_IOCTL) */
	unsigned max_iov;        /* in + out iovecs (XP_CUSE_MAX_IOV) */
};

enum xp_round_kind { XP_ROUND_RETRY, XP_ROUND_DONE };

struct xp_round_out {
	enum xp_round_kind kind;
	/* RETRY */
	struct iovec *iov; /* nin in iovecs, then nout out iovecs */
	size_t nin, nout;
	/* DONE */
	int result;        /* 0 or -errno */
	uint8_t *data;     /* reply bytes for the out iovecs, in order (a prefix of them) */
	size_t len;
};

void xp_cuse_round(const struct xp_round_in *in, struct xp_round_out *out);
void xp_round_out_free(struct xp_round_out *out);

#endif
