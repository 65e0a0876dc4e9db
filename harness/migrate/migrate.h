/* The live-migration engine: a source VMM and a target VMM moving an SEV guest between
 * two platforms with SEND_* / RECEIVE_*, written on psp/ only, so the same code drives
 * the emulator and a real PSP.
 *
 * The source runs pre-copy rounds over the dirty log while a simulated guest keeps
 * writing, then pauses the guest for a stop-and-copy round, sends the shared-regions
 * list and its SEV-ES VMSAs, and finishes; private pages go through
 * SEND_UPDATE_DATA / RECEIVE_UPDATE_DATA, shared pages travel as plain RAM.  The stream
 * format is in harness/migrate/stream.h.  Any failure stops at once with the step, the
 * page and the SEV status; a failed or cancelled migration leaves the source guest
 * running (SEND_CANCEL). */
#ifndef SWSEV_MIGRATE_H
#define SWSEV_MIGRATE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "psp/psp.h"

#define MIG_MAX_ROUNDS 64

struct mig_error {
	char step[48];     /* "SEND_UPDATE_DATA", "stream", "verify", … */
	int64_t page;      /* guest page number, -1 when none */
	struct psp_err perr;
	char msg[640];
	bool source_gone;  /* the failure came after SEND_FINISH: the source guest is SENT */
};
/* "SEND_UPDATE_DATA, page 17: firmware status BAD_MEASUREMENT (0x0b): …" */
void mig_error_format(const struct mig_error *e, char *buf, size_t len);
/* Fills e (page -1: none; pe may be NULL) and returns -1. */
int mig_fail(struct mig_error *e, const char *step, int64_t page, const struct psp_err *pe, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
int mig_vfail(struct mig_error *e, const char *step, int64_t page, const struct psp_err *pe, const char *fmt,
	      va_list ap) __attribute__((format(printf, 5, 0)));

/* One side's VMM: an SEV VM and the guest memory it owns. */
struct mig_vm {
	struct psp *p;
	struct psp_vm *vm;
	uint8_t *mem;       /* guest RAM, page-aligned, size bytes */
	size_t size, npages;
	uint8_t *shared;    /* page-encryption status per page: 1 = shared (C-bit clear) */
	uint64_t *dirty;    /* the dirty log (source), one bit per page, atomically updated */
	uint32_t policy;
	unsigned nvcpus;    /* SEV-ES vCPUs, 0 for a plain SEV guest */
	uint8_t *vmsa;      /* nvcpus pages (caller-filled VMSAs) */
	uint32_t handle;
};

/* A launched source guest: size bytes of deterministic content (from seed), launched
 * with policy (SEV-ES with nvcpus VMSAs if nvcpus > 0), then a fraction of its pages
 * turned shared by the guest and written in plaintext. */
int mig_vm_launch(struct psp *p, struct mig_vm *v, size_t size, uint32_t policy, unsigned nvcpus, double shared,
		  uint64_t seed, struct mig_error *err);
/* An empty target VM of the same shape (KVM_SEV_INIT/ES_INIT done, RECEIVE_START to come). */
int mig_vm_target(struct psp *p, struct mig_vm *v, size_t size, unsigned nvcpus, struct mig_error *err);
void mig_vm_free(struct mig_vm *v);

/* The guest's plaintext of one page (guest view on an emulator, DBG_DECRYPT elsewhere). */
int mig_vm_read_page(struct mig_vm *v, size_t page, void *out, struct psp_err *err);
/* SHA-256 over the guest's plaintext, every page then every VMSA, as the guest sees it:
 * two processes compare their guests by this. */
int mig_vm_digest(struct mig_vm *v, uint8_t out[32], struct mig_error *err);
/* Every page and VMSA of dst equals src's, as each guest sees it. */
int mig_verify(struct mig_vm *src, struct mig_vm *dst, struct mig_error *err);

/* The simulated guest: writes random data to random pages at a steady rate (pages/s),
 * private pages through the guest's own view, shared pages directly, and marks them in
 * the dirty log.  NULL when the rate is 0 or the backend has no guest view
 * (PSP_CAP_GUEST_VIEW: only the emulator can play the guest). */
struct mig_guestsim;
struct mig_guestsim *mig_guestsim_start(struct mig_vm *v, double pages_per_sec, uint64_t seed);
void mig_guestsim_pause(struct mig_guestsim *s); /* the vCPUs stop (stop-and-copy) */
void mig_guestsim_resume(struct mig_guestsim *s); /* a failed migration: they run on */
uint64_t mig_guestsim_stop(struct mig_guestsim *s);  /* returns the pages written */

/* What the source needs from the target: its PDH, PEK||OCA||CEK (the CEK signed by the
 * ASK, as from AMD's KDS) and ASK||ARK. */
struct mig_certs {
	uint8_t pdh[PSP_CERT_LEN];
	uint8_t plat[PSP_CERT_CHAIN_LEN];
	uint8_t amd[2 * 1600];
	uint32_t amd_len;
};
/* This platform's certificates; the KDS part from the emulator (capability CONTROL) or
 * from kds_dir (cek.cert, ask.cert, ark.cert as sev-tool names them). */
int mig_local_certs(struct psp *p, const char *kds_dir, struct mig_certs *out, struct mig_error *err);

struct mig_stats {
	unsigned rounds;                /* pre-copy rounds, plus the stop-and-copy round */
	uint64_t round_pages[MIG_MAX_ROUNDS + 1];
	uint64_t private_pages, shared_pages, vmsas;
	uint64_t bytes;                 /* stream bytes written */
	uint64_t total_ns, downtime_ns; /* downtime: guest paused until the target may resume */
	uint64_t cpu_ns;                /* CPU time of the side's thread */
	uint64_t guest_writes;          /* pages the simulated guest wrote meanwhile */
};

struct mig_send_opts {
	unsigned max_rounds;        /* pre-copy rounds before stopping the guest (default 8) */
	double converge;            /* stop early when fewer pages than this fraction are dirty */
	uint64_t bandwidth;         /* bytes per second, 0 = unlimited */
	bool progress;              /* a progress line on stderr */
	bool two_way;               /* fd_in carries HELLO and READY from the target */
	const struct mig_certs *target; /* when not two_way */
	struct mig_guestsim *sim;   /* the running guest, or NULL */
	int fail_after_pages;       /* tests: abort (SEND_CANCEL) after this many pages, -1 never */
	int64_t skip_page;          /* tests: leave this page out of the stream, -1 none */
	size_t chunk;               /* stream bytes per write (0: 1 MiB; at least 16 KiB) */
};
void mig_send_opts_default(struct mig_send_opts *o);

struct mig_recv_opts {
	bool two_way;               /* send HELLO with `own`, READY before RECEIVE_FINISH */
	const struct mig_certs *own;
	uint32_t share_handle;      /* RECEIVE_START key sharing, normally 0 */
};

/* The source side: returns 0 when the guest now runs on the target (source guest
 * SENT), -1 with err otherwise: the source guest RUNNING again, unless
 * err->source_gone (the link failed after SEND_FINISH). */
int mig_send(struct mig_vm *src, int fd_out, int fd_in, const struct mig_send_opts *o, struct mig_stats *st,
	     struct mig_error *err);
/* The target side: dst from mig_vm_target; 0 when the guest runs here (RUNNING). */
int mig_receive(struct mig_vm *dst, int fd_in, int fd_out, const struct mig_recv_opts *o, struct mig_stats *st,
		struct mig_error *err);

#endif

/* ---- both sides in one process (the demo path, tests, the benchmark) ---------------- */

struct mig_local_opts {
	size_t size;          /* guest RAM bytes */
	uint32_t policy;
	unsigned vcpus;       /* SEV-ES vCPUs (0: plain SEV) */
	double shared;        /* fraction of pages the guest shares */
	double dirty_rate;    /* pages per second the running guest writes (0: idle guest) */
	uint64_t seed;        /* guest content and writes */
	bool verify;          /* compare every page through both guests' views afterwards */
	struct mig_send_opts send;
};
void mig_local_opts_default(struct mig_local_opts *o);

/* Launches a guest on src, migrates it live to dst over a socket pair (source and
 * target on their own threads), verifies.  The VMs are freed before returning. */
int mig_local(struct psp *src, struct psp *dst, const struct mig_local_opts *o, struct mig_stats *sst,
	      struct mig_stats *rst, struct mig_error *err);
