/* Remote user memory for the driver layer: a struct uaccess over "the caller's memory
 * fetched so far", shared by every transport that cannot touch the caller's memory
 * directly (the CUSE device, the Unix socket).
 *
 * A request runs the driver handler repeatedly.  Each run reads what has been fetched;
 * whatever is missing is recorded as a pending region and the run ends with
 * -UA_EFETCH (reads) or is deferred to ua_commit() (prefetches, declared writes).  The
 * transport fetches the pending regions and runs the handler again from the start.
 * The regions keep the order in which they were first asked for, so the list only ever
 * grows at its end: a CUSE retry asks for "everything asked before plus the new
 * regions", and a replay over the same bytes derives the same list again.
 *
 * Writes never touch the fetched bytes: they go to a per-run working copy, so a run
 * that is thrown away (a retry) leaves nothing behind, and the transport can send back
 * either the written byte ranges (socket) or whole declared ranges (CUSE). */
#ifndef SWSEV_XPORT_RMEM_H
#define SWSEV_XPORT_RMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu/drv/uaccess.h"

/* Above any user-space address (x86-64 with 5-level paging ends below 2^56). */
#define RMEM_USER_END (1ull << 56)

enum rmem_state {
	RMEM_PENDING, /* asked for, not there yet */
	RMEM_HAVE,    /* bytes fetched */
	RMEM_FAULT,   /* the caller said it cannot be read (socket transport) */
};

struct rmem_region {
	uint64_t addr;
	uint64_t len;
	enum rmem_state state;
	const uint8_t *orig; /* fetched bytes: borrowed or owned */
	uint8_t *own;        /* non-NULL when orig is ours to free */
	uint8_t *work;       /* this run's writes applied, or NULL */
};

struct rmem_range {
	uint64_t addr, len;
};

struct rmem;

/* Transport check at ua_commit(), once nothing is missing: 0 to let the handler act,
 * non-zero when the regions fetched are not the ones the transport actually delivered
 * (the caller's memory changed between rounds): the run ends with -UA_EFETCH and
 * rmem.mismatch set. */
typedef int (*rmem_check_fn)(struct rmem *m, void *ctx);

struct rmem {
	struct uaccess ua;
	struct rmem_region *reg;
	size_t nreg, capreg;
	/* Declared writes: nspec speculative ones first (kept across runs), then this
	 * run's ua_want_write() ranges in declaration order. */
	struct rmem_range *w;
	size_t nw, capw, nspec;
	/* This run's written bytes, sorted and coalesced. */
	struct rmem_range *dirty;
	size_t ndirty, capdirty;
	bool committed; /* ua_commit() succeeded in this run */
	bool deferred;  /* something was recorded as pending in this run */
	bool mismatch;  /* the check refused */
	bool nomem;     /* bookkeeping allocation failed: the request must fail */
	bool late;      /* the driver touched memory it never prepared (a driver bug) */
	rmem_check_fn check;
	void *check_ctx;
};

void rmem_init(struct rmem *m);
void rmem_free(struct rmem *m);

/* Known ioctls whose argument is a fixed-size struct: ask for it (and, for _IOC_READ
 * ones, declare it written) before the first run, saving a round.  The speculation
 * is a function of (cmd, arg) only, so every round derives it again. */
void rmem_speculate(struct rmem *m, unsigned int cmd, uint64_t arg);

/* Starts a run: the working copies and this run's declared writes are dropped. */
void rmem_begin(struct rmem *m);

/* Pending regions, in order: count and bytes. */
size_t rmem_pending(const struct rmem *m, uint64_t *bytes);
/* Fills the pending regions in order from buf (borrowed: must outlive the request). */
void rmem_fill_borrowed(struct rmem *m, const uint8_t *buf);
/* Sets one pending region (by index) from the caller's answer: data copied, or a fault. */
int rmem_fill_one(struct rmem *m, size_t i, const uint8_t *data, bool fault);
/* Adds fetched bytes up front (the socket client's eager copy of the argument). */
int rmem_add_have(struct rmem *m, uint64_t addr, const uint8_t *data, uint64_t len);

/* Totals of the lists a CUSE retry would carry. */
uint64_t rmem_in_bytes(const struct rmem *m);
uint64_t rmem_out_bytes(const struct rmem *m);

/* The current bytes (working copy over fetched) of a range that lies in fetched
 * regions; 0 or -1. */
int rmem_get(const struct rmem *m, uint64_t addr, void *dst, uint64_t len);

/* Does [addr, addr+len) intersect this run's written bytes? */
bool rmem_dirty_in(const struct rmem *m, uint64_t addr, uint64_t len);

/* FNV-1a over the region list and the declared-write list (addresses and lengths):
 * identifies the lists a retry asked for. */
uint64_t rmem_lists_hash(const struct rmem *m);

#endif
