/* The source VMM: SEND_START for the target's PDH, pre-copy rounds over the dirty log,
 * a stop-and-copy round, the VMSAs and the shared-regions list, then SEND_FINISH once
 * the target has everything — or SEND_CANCEL, and the guest runs on here. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "emu/fw/buffers.h"
#include "emu/fw/fw.h"
#include "harness/migrate/migrate.h"
#include "harness/migrate/stream.h"

#define IO_BUF (1u << 20)

struct sender {
	struct mig_vm *v;
	const struct mig_send_opts *o;
	struct mig_stats *st;
	struct mig_error *err;
	struct mig_io out, in;
	bool started;
	uint64_t sent; /* pages, for fail_after_pages */
	uint8_t hdr[PSP_HDR_LEN];
	uint8_t trans[MIG_PAGE];
};


void mig_send_opts_default(struct mig_send_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->max_rounds = 8;
	o->converge = 0.01;
	o->fail_after_pages = -1;
	o->skip_page = -1;
}

static int fail(struct sender *s, const char *step, int64_t page, const struct psp_err *pe, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static int fail(struct sender *s, const char *step, int64_t page, const struct psp_err *pe, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mig_vfail(s->err, step, page, pe, fmt, ap);
	va_end(ap);
	return -1;
}

/* The target's ABORT (type already read): its reason and SEV status become ours. */
static int target_abort(struct sender *s)
{
	char msg[MIG_ABORT_MAX + 1];
	struct psp_err pe;

	mig_get_abort(&s->in, &pe, msg);
	return fail(s, "target", -1, pe.fw_set ? &pe : NULL, "the target gave up: %s", msg);
}

static int io_fail(struct sender *s, struct mig_io *io, const char *what)
{
	/* A target that gave up says why before it stops reading: prefer its reason. */
	if (io == &s->out && s->o->two_way && !s->in.err) {
		uint32_t type;
		if (mig_get_be32(&s->in, &type) == 0 && type == MIG_REC_ABORT)
			return target_abort(s);
	}
	return fail(s, "stream", -1, NULL, "%s: %s", what,
		    io->err == -1 ? "the other side closed the connection" : strerror(io->err));
}

static int read_hello(struct sender *s, struct mig_certs *t)
{
	uint32_t type, ver, n;

	if (mig_get_be32(&s->in, &type) || mig_get_be32(&s->in, &ver))
		return io_fail(s, &s->in, "waiting for the target's HELLO");
	if (type != MIG_REC_HELLO || ver != MIG_STREAM_VERSION)
		return fail(s, "stream", -1, NULL, "expected HELLO version %u, got %s version %u", MIG_STREAM_VERSION,
			    mig_rec_name(type), ver);
	if (mig_get_blob(&s->in, t->pdh, sizeof(t->pdh), &n) || n != sizeof(t->pdh) ||
	    mig_get_blob(&s->in, t->plat, sizeof(t->plat), &n) || n != sizeof(t->plat) ||
	    mig_get_blob(&s->in, t->amd, sizeof(t->amd), &t->amd_len))
		return fail(s, "stream", -1, NULL, "malformed HELLO from the target");
	return 0;
}

static int send_start(struct sender *s, const struct mig_certs *t)
{
	struct kvm_sev_send_start q = { 0 };
	uint8_t pdh[PSP_CERT_LEN], chain[PSP_CERT_CHAIN_LEN], session[PSP_SESSION_LEN];
	uint32_t policy = 0;
	struct psp_err e;

	/* As QEMU's sev_send_start: ask the session length first. */
	if (psp_vm_op(s->v->vm, KVM_SEV_SEND_START, &q, &e) == 0 || e.err != EIO || e.fw != SEV_RET_INVALID_LEN)
		return fail(s, "SEND_START (length query)", -1, &e, "the session-length query did not answer INVALID_LENGTH");
	if (q.session_len != PSP_SESSION_LEN)
		return fail(s, "SEND_START (length query)", -1, NULL, "session length %u, expected %u", q.session_len,
			    PSP_SESSION_LEN);
	if (psp_pdh_cert_export(s->v->p, pdh, chain, &e) != 0)
		return fail(s, "PDH_CERT_EXPORT", -1, &e, "the source's own PDH");
	if (psp_send_start(s->v->vm, t->pdh, PSP_CERT_LEN, t->plat, PSP_CERT_CHAIN_LEN, t->amd, t->amd_len, session,
			   &policy, &e) != 0)
		return fail(s, "SEND_START", -1, &e, "%s", "");
	s->started = true;
	mig_put_be32(&s->out, MIG_REC_START);
	mig_put_be32(&s->out, MIG_STREAM_VERSION);
	mig_put_be32(&s->out, policy);
	mig_put_be32(&s->out, PSP_CERT_LEN);
	mig_put(&s->out, pdh, PSP_CERT_LEN);
	mig_put_be32(&s->out, PSP_SESSION_LEN);
	mig_put(&s->out, session, PSP_SESSION_LEN);
	mig_put_be64(&s->out, s->v->size);
	mig_put_be32(&s->out, s->v->nvcpus);
	if (mig_flush(&s->out))
		return io_fail(s, &s->out, "sending START");
	return 0;
}

/* One page, private through SEND_UPDATE_DATA or shared as it is. */
static int send_page(struct sender *s, size_t pg)
{
	struct mig_vm *v = s->v;
	struct psp_err e;

	if (s->o->fail_after_pages >= 0 && s->sent >= (uint64_t)s->o->fail_after_pages)
		return fail(s, "SEND_UPDATE_DATA", (int64_t)pg, NULL, "aborted by request after %llu pages",
			    (unsigned long long)s->sent);
	if ((int64_t)pg == s->o->skip_page)
		return 0; /* a broken source, for the target's completeness check */
	if (v->shared[pg]) {
		mig_put_be32(&s->out, MIG_REC_SHARED);
		mig_put_be64(&s->out, (uint64_t)pg * MIG_PAGE);
		mig_put_be32(&s->out, MIG_PAGE);
		mig_put(&s->out, v->mem + pg * MIG_PAGE, MIG_PAGE);
		s->st->shared_pages++;
	} else {
		if (psp_send_update_data(v->vm, v->mem + pg * MIG_PAGE, MIG_PAGE, s->hdr, s->trans, &e) != 0)
			return fail(s, "SEND_UPDATE_DATA", (int64_t)pg, &e, "%s", "");
		mig_put_be32(&s->out, MIG_REC_PAGE);
		mig_put_be64(&s->out, (uint64_t)pg * MIG_PAGE);
		mig_put_be32(&s->out, PSP_HDR_LEN);
		mig_put(&s->out, s->hdr, PSP_HDR_LEN);
		mig_put_be32(&s->out, MIG_PAGE);
		mig_put(&s->out, s->trans, MIG_PAGE);
		s->st->private_pages++;
	}
	s->sent++;
	if (s->out.err)
		return io_fail(s, &s->out, "sending a page");
	return 0;
}

static size_t count_dirty(const struct mig_vm *v)
{
	size_t n = 0;
	for (size_t i = 0; i < (v->npages + 63) / 64; i++)
		n += (size_t)__builtin_popcountll(__atomic_load_n(&v->dirty[i], __ATOMIC_ACQUIRE));
	return n;
}

/* Every page dirty now is sent once; pages the guest writes meanwhile are logged again
 * and go in the next round.  The bit is cleared before the page is read. */
static int round_trip(struct sender *s, unsigned round, uint64_t *sent)
{
	struct mig_vm *v = s->v;
	uint64_t n = 0;

	for (size_t w = 0; w < (v->npages + 63) / 64; w++) {
		uint64_t bits = __atomic_exchange_n(&v->dirty[w], 0, __ATOMIC_ACQ_REL);
		while (bits) {
			size_t pg = w * 64 + (size_t)__builtin_ctzll(bits);
			bits &= bits - 1;
			if (pg >= v->npages)
				break;
			if (send_page(s, pg) != 0) {
				/* the page was not sent: put it (and the rest of this word) back */
				__atomic_fetch_or(&v->dirty[w], bits | 1ull << (pg % 64), __ATOMIC_RELEASE);
				return -1;
			}
			n++;
		}
		if (s->o->progress && (w & 255) == 0 && v->npages > 1024)
			fprintf(stderr, "\rround %u: %llu/%zu pages, %.1f MiB sent", round, (unsigned long long)n,
				v->npages, (double)(s->out.bytes + s->out.len) / (1 << 20));
	}
	mig_put_be32(&s->out, MIG_REC_ROUND);
	mig_put_be32(&s->out, round);
	mig_put_be32(&s->out, (uint32_t)n);
	*sent = n;
	return s->out.err ? io_fail(s, &s->out, "sending a round marker") : 0;
}

static int send_vmsas(struct sender *s)
{
	struct mig_vm *v = s->v;

	for (unsigned i = 0; i < v->nvcpus; i++) {
		struct fwb_transport t = { 0 };
		struct psp_err e;
		uint32_t st;

		/* KVM has no SEND_UPDATE_VMSA: this is the firmware-level path of the emulator. */
		t.handle = v->handle;
		t.hdr_paddr = (uintptr_t)s->hdr;
		t.hdr_len = PSP_HDR_LEN;
		t.guest_paddr = (uintptr_t)(v->vmsa + (size_t)i * MIG_PAGE);
		t.guest_len = MIG_PAGE;
		t.trans_paddr = (uintptr_t)s->trans;
		t.trans_len = MIG_PAGE;
		if (psp_fw_cmd(v->p, FW_CMD_SEND_UPDATE_VMSA, &t, sizeof(t), &st, &e) != 0 || st != SEV_STATUS_SUCCESS)
			return fail(s, "SEND_UPDATE_VMSA", i, &e, "vCPU %u", i);
		mig_put_be32(&s->out, MIG_REC_VMSA);
		mig_put_be32(&s->out, i);
		mig_put_be32(&s->out, PSP_HDR_LEN);
		mig_put(&s->out, s->hdr, PSP_HDR_LEN);
		mig_put_be32(&s->out, MIG_PAGE);
		mig_put(&s->out, s->trans, MIG_PAGE);
		s->st->vmsas++;
	}
	return s->out.err ? io_fail(s, &s->out, "sending VMSAs") : 0;
}

/* The shared-regions list: runs of shared pages as gfn ranges (end exclusive). */
static void send_regions(struct sender *s)
{
	struct mig_vm *v = s->v;

	mig_put_be32(&s->out, MIG_REC_REGIONS);
	for (size_t pg = 0; pg < v->npages;) {
		size_t end;
		if (!v->shared[pg]) {
			pg++;
			continue;
		}
		for (end = pg; end < v->npages && v->shared[end]; end++)
			;
		mig_put_be32(&s->out, MIG_REGION_CONT);
		mig_put_be64(&s->out, pg);
		mig_put_be64(&s->out, end);
		pg = end;
	}
	mig_put_be32(&s->out, MIG_REGION_END);
}

static void send_abort(struct sender *s)
{
	char msg[MIG_ABORT_MAX + 1];

	mig_error_format(s->err, msg, sizeof(msg));
	/* best effort: the stream may be what failed */
	s->out.err = 0;
	mig_put_abort(&s->out, s->err->perr.fw_set ? s->err->perr.fw : 0, msg);
}

int mig_send(struct mig_vm *src, int fd_out, int fd_in, const struct mig_send_opts *o, struct mig_stats *st,
	     struct mig_error *err)
{
	struct sender *s = calloc(1, sizeof(*s));
	struct mig_certs hello;
	const struct mig_certs *t = o->target;
	uint64_t t0 = mig_now_ns(), c0 = mig_thread_cpu_ns(), tdown = 0, n;
	struct psp_err e;
	bool finished = false;
	int rc = -1;

	memset(st, 0, sizeof(*st));
	memset(err, 0, sizeof(*err));
	if (!s) {
		snprintf(err->step, sizeof(err->step), "allocate");
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		err->page = -1;
		return -1;
	}
	s->v = src;
	s->o = o;
	s->st = st;
	s->err = err;
	if (mig_io_init(&s->out, fd_out, o->chunk >= (16u << 10) ? o->chunk : IO_BUF) || (o->two_way && mig_io_init(&s->in, fd_in, 64 << 10))) {
		fail(s, "allocate", -1, NULL, "out of memory");
		goto out;
	}
	s->out.limit_bps = o->bandwidth;
	if (o->two_way) {
		if (read_hello(s, &hello))
			goto out;
		t = &hello;
	} else if (!t) {
		fail(s, "SEND_START", -1, NULL, "no target certificates");
		goto out;
	}
	if (send_start(s, t))
		goto out;

	/* Pre-copy: the first round sends every page, later ones what the guest dirtied. */
	memset(src->dirty, 0xff, (src->npages + 63) / 64 * sizeof(uint64_t));
	for (unsigned r = 0;; r++) {
		if (round_trip(s, r, &n))
			goto out;
		st->round_pages[st->rounds++] = n;
		if (count_dirty(src) <= (size_t)(o->converge * (double)src->npages) || st->rounds >= o->max_rounds ||
		    st->rounds >= MIG_MAX_ROUNDS)
			break;
	}
	/* Stop-and-copy: the guest is paused, the rest goes, and the target takes over. */
	mig_guestsim_pause(o->sim);
	tdown = mig_now_ns();
	if (round_trip(s, st->rounds, &n))
		goto out;
	st->round_pages[st->rounds++] = n;
	if (send_vmsas(s))
		goto out;
	send_regions(s);
	mig_put_be32(&s->out, MIG_REC_END);
	mig_put_be64(&s->out, s->sent);
	if (mig_flush(&s->out)) {
		io_fail(s, &s->out, "sending END");
		goto out;
	}
	if (o->progress && src->npages > 1024)
		fprintf(stderr, "\n");
	if (o->two_way) {
		uint32_t type, status = 0;
		if (mig_get_be32(&s->in, &type) || (type == MIG_REC_READY && mig_get_be32(&s->in, &status))) {
			io_fail(s, &s->in, "waiting for the target's READY");
			goto out;
		}
		if (type == MIG_REC_ABORT) {
			target_abort(s);
			goto out;
		}
		if (type != MIG_REC_READY || status != 0) {
			fail(s, "target", -1, NULL, "the target answered %s status %u", mig_rec_name(type), status);
			goto out;
		}
	}
	if (psp_send_finish(src->vm, &e) != 0) {
		fail(s, "SEND_FINISH", -1, &e, "%s", "");
		goto out;
	}
	/* From here the guest cannot run on the source again (SENT): a failure now leaves
	 * it to the target, which has every page but may never hear FINISHED. */
	finished = true;
	mig_put_be32(&s->out, MIG_REC_FINISHED);
	if (mig_flush(&s->out)) {
		io_fail(s, &s->out, "sending FINISHED");
		goto out;
	}
	st->downtime_ns = mig_now_ns() - tdown;
	rc = 0;
out:
	if (rc != 0 && finished) {
		err->source_gone = true;
	} else if (rc != 0) {
		send_abort(s);
		/* The guest keeps running here: SEND_CANCEL takes it back to RUNNING and its
		 * vCPU resumes. */
		if (s->started && psp_send_cancel(src->vm, &e) != 0) {
			char m[300];
			psp_err_format(&e, m, sizeof(m));
			snprintf(err->msg + strlen(err->msg), sizeof(err->msg) - strlen(err->msg), " (SEND_CANCEL: %s)", m);
		}
		mig_guestsim_resume(o->sim);
	}
	st->bytes = s->out.bytes;
	st->total_ns = mig_now_ns() - t0;
	st->cpu_ns = mig_thread_cpu_ns() - c0;
	mig_io_free(&s->out);
	mig_io_free(&s->in);
	free(s);
	return rc;
}
