/* The target VMM: HELLO with its certificates, RECEIVE_START with the source's PDH and
 * session, every page in place (RECEIVE_UPDATE_DATA, or plain RAM for shared pages),
 * READY, and RECEIVE_FINISH once the source has finished. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emu/fw/buffers.h"
#include "emu/fw/fw.h"
#include "harness/migrate/migrate.h"
#include "harness/migrate/stream.h"

#define IO_BUF (1u << 20)

struct receiver {
	struct mig_vm *v;
	struct mig_error *err;
	struct mig_io in, out;
	uint8_t hdr[PSP_HDR_LEN];
	uint8_t trans[MIG_PAGE];
	uint32_t policy;
	/* what has arrived: a guest may resume only once every page and VMSA has */
	uint64_t *got;
	uint64_t records;
	uint64_t vmsa_got[4];
};

static void mark(uint64_t *bits, size_t i)
{
	bits[i / 64] |= 1ull << (i % 64);
}

static bool marked(const uint64_t *bits, size_t i)
{
	return bits[i / 64] >> (i % 64) & 1;
}

/* The peer's ABORT (type already read), its SEV status kept with its reason. */
static int peer_abort(struct receiver *r, const char *when);


static int fail(struct receiver *r, const char *step, int64_t page, const struct psp_err *pe, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static int fail(struct receiver *r, const char *step, int64_t page, const struct psp_err *pe, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mig_vfail(r->err, step, page, pe, fmt, ap);
	va_end(ap);
	return -1;
}

static int stream_fail(struct receiver *r, const char *what)
{
	return fail(r, "stream", -1, NULL, "%s: %s", what,
		    r->in.err == -1 ? "the source closed the connection" :
		    r->in.err == EPROTO ? "malformed record" : strerror(r->in.err));
}

static int peer_abort(struct receiver *r, const char *when)
{
	char msg[MIG_ABORT_MAX + 1];
	struct psp_err pe;

	mig_get_abort(&r->in, &pe, msg);
	return fail(r, "source", -1, pe.fw_set ? &pe : NULL, "the source gave up %s: %s", when, msg);
}

static int recv_start(struct receiver *r, uint32_t share)
{
	uint8_t pdh[PSP_CERT_LEN], session[PSP_SESSION_LEN];
	uint32_t type, ver, n, vcpus;
	uint64_t size;
	struct psp_err e;

	if (mig_get_be32(&r->in, &type))
		return stream_fail(r, "waiting for START");
	if (type == MIG_REC_ABORT)
		return peer_abort(r, "before START");
	if (type != MIG_REC_START || mig_get_be32(&r->in, &ver) || ver != MIG_STREAM_VERSION)
		return fail(r, "stream", -1, NULL, "expected START version %u", MIG_STREAM_VERSION);
	if (mig_get_be32(&r->in, &r->policy) || mig_get_blob(&r->in, pdh, sizeof(pdh), &n) || n != sizeof(pdh) ||
	    mig_get_blob(&r->in, session, sizeof(session), &n) || n != sizeof(session) ||
	    mig_get_be64(&r->in, &size) || mig_get_be32(&r->in, &vcpus))
		return stream_fail(r, "reading START");
	if (size != r->v->size || vcpus != r->v->nvcpus)
		return fail(r, "START", -1, NULL, "the source guest has %llu bytes and %u vCPUs, the target %zu and %u",
			    (unsigned long long)size, vcpus, r->v->size, r->v->nvcpus);
	/* The receiver must be given the policy the source MACed: QEMU forwards it. */
	r->v->handle = share;
	r->v->policy = r->policy;
	if (psp_receive_start(r->v->vm, r->policy, pdh, session, &r->v->handle, &e) != 0)
		return fail(r, "RECEIVE_START", -1, &e, "%s", "");
	return 0;
}

static int recv_page(struct receiver *r, bool shared)
{
	uint64_t gpa;
	uint32_t hl, tl;
	size_t pg;
	struct psp_err e;

	if (mig_get_be64(&r->in, &gpa))
		return stream_fail(r, "reading a page");
	if (gpa % MIG_PAGE || gpa >= r->v->size)
		return fail(r, "stream", -1, NULL, "page address 0x%llx outside the guest", (unsigned long long)gpa);
	pg = gpa / MIG_PAGE;
	if (shared) {
		if (mig_get_blob(&r->in, r->v->mem + gpa, MIG_PAGE, &tl) || tl != MIG_PAGE)
			return stream_fail(r, "reading a shared page");
		r->v->shared[pg] = 1;
		mark(r->got, pg);
		r->records++;
		return 0;
	}
	if (mig_get_blob(&r->in, r->hdr, sizeof(r->hdr), &hl) || mig_get_blob(&r->in, r->trans, sizeof(r->trans), &tl))
		return stream_fail(r, "reading a private page");
	if (psp_receive_update_data(r->v->vm, r->hdr, r->trans, r->v->mem + gpa, tl, &e) != 0)
		return fail(r, "RECEIVE_UPDATE_DATA", (int64_t)pg, &e, "%s", "");
	r->v->shared[pg] = 0;
	mark(r->got, pg);
	r->records++;
	return 0;
}

static int recv_vmsa(struct receiver *r)
{
	struct fwb_transport t = { 0 };
	uint32_t vcpu, hl, tl, st;
	struct psp_err e;

	if (mig_get_be32(&r->in, &vcpu) || mig_get_blob(&r->in, r->hdr, sizeof(r->hdr), &hl) ||
	    mig_get_blob(&r->in, r->trans, sizeof(r->trans), &tl))
		return stream_fail(r, "reading a VMSA");
	if (vcpu >= r->v->nvcpus)
		return fail(r, "stream", -1, NULL, "VMSA for vCPU %u of %u", vcpu, r->v->nvcpus);
	t.handle = r->v->handle;
	t.hdr_paddr = (uintptr_t)r->hdr;
	t.hdr_len = hl;
	t.guest_paddr = (uintptr_t)(r->v->vmsa + (size_t)vcpu * MIG_PAGE);
	t.guest_len = tl;
	t.trans_paddr = (uintptr_t)r->trans;
	t.trans_len = tl;
	if (psp_fw_cmd(r->v->p, FW_CMD_RECEIVE_UPDATE_VMSA, &t, sizeof(t), &st, &e) != 0 || st != SEV_STATUS_SUCCESS)
		return fail(r, "RECEIVE_UPDATE_VMSA", vcpu, &e, "vCPU %u", vcpu);
	mark(r->vmsa_got, vcpu);
	return 0;
}

static int recv_regions(struct receiver *r)
{
	uint64_t prev = 0;

	for (;;) {
		uint32_t tag;
		uint64_t a, b;
		if (mig_get_be32(&r->in, &tag))
			return stream_fail(r, "reading the shared-regions list");
		if (tag == MIG_REGION_END)
			return 0;
		if (tag != MIG_REGION_CONT || mig_get_be64(&r->in, &a) || mig_get_be64(&r->in, &b))
			return fail(r, "stream", -1, NULL, "malformed shared-regions list");
		/* ascending and disjoint, so a hostile list costs at most one pass */
		if (a > b || b > r->v->npages || a < prev)
			return fail(r, "stream", -1, NULL, "shared region %llu..%llu outside the guest or out of order",
				    (unsigned long long)a, (unsigned long long)b);
		prev = b;
		/* The list is the authority on which pages the guest shares. */
		for (uint64_t pg = a; pg < b; pg++)
			r->v->shared[pg] = 1;
	}
}

/* END: the source counted its page records; every page and VMSA must be here. */
static int check_complete(struct receiver *r, uint64_t total)
{
	if (total != r->records)
		return fail(r, "END", -1, NULL, "the source sent %llu page records, %llu arrived",
			    (unsigned long long)total, (unsigned long long)r->records);
	for (size_t pg = 0; pg < r->v->npages; pg++)
		if (!marked(r->got, pg))
			return fail(r, "END", (int64_t)pg, NULL, "this page never arrived; the guest cannot resume");
	for (unsigned i = 0; i < r->v->nvcpus; i++)
		if (!marked(r->vmsa_got, i))
			return fail(r, "END", -1, NULL, "vCPU %u's VMSA never arrived", i);
	return 0;
}

static void send_reply(struct receiver *r, bool ok)
{
	char msg[MIG_ABORT_MAX + 1];

	if (ok) {
		mig_put_be32(&r->out, MIG_REC_READY);
		mig_put_be32(&r->out, 0);
		mig_flush(&r->out);
		return;
	}
	mig_error_format(r->err, msg, sizeof(msg));
	r->out.err = 0;
	mig_put_abort(&r->out, r->err->perr.fw_set ? r->err->perr.fw : 0, msg);
}

int mig_receive(struct mig_vm *dst, int fd_in, int fd_out, const struct mig_recv_opts *o, struct mig_stats *st,
		struct mig_error *err)
{
	struct receiver *r = calloc(1, sizeof(*r));
	uint64_t t0 = mig_now_ns(), c0 = mig_thread_cpu_ns();
	struct psp_err e;
	bool started = false;
	int rc = -1;

	memset(st, 0, sizeof(*st));
	memset(err, 0, sizeof(*err));
	if (!r) {
		snprintf(err->step, sizeof(err->step), "allocate");
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		err->page = -1;
		return -1;
	}
	r->v = dst;
	r->err = err;
	r->got = calloc((dst->npages + 63) / 64, sizeof(uint64_t));
	if (!r->got || mig_io_init(&r->in, fd_in, IO_BUF) || (o->two_way && mig_io_init(&r->out, fd_out, 64 << 10))) {
		fail(r, "allocate", -1, NULL, "out of memory");
		goto out;
	}
	if (o->two_way) {
		const struct mig_certs *c = o->own;
		mig_put_be32(&r->out, MIG_REC_HELLO);
		mig_put_be32(&r->out, MIG_STREAM_VERSION);
		mig_put_be32(&r->out, PSP_CERT_LEN);
		mig_put(&r->out, c->pdh, PSP_CERT_LEN);
		mig_put_be32(&r->out, PSP_CERT_CHAIN_LEN);
		mig_put(&r->out, c->plat, PSP_CERT_CHAIN_LEN);
		mig_put_be32(&r->out, c->amd_len);
		mig_put(&r->out, c->amd, c->amd_len);
		if (mig_flush(&r->out)) {
			fail(r, "stream", -1, NULL, "sending HELLO: %s", strerror(r->out.err));
			goto out;
		}
		/* from here on the source reads our ABORT with the reason, whatever fails */
		started = true;
	}
	if (recv_start(r, o->share_handle))
		goto out;
	for (;;) {
		uint32_t type, a, b;
		uint64_t total;
		if (mig_get_be32(&r->in, &type)) {
			stream_fail(r, "waiting for a record");
			goto out;
		}
		switch (type) {
		case MIG_REC_PAGE:
		case MIG_REC_SHARED:
			if (recv_page(r, type == MIG_REC_SHARED))
				goto out;
			if (type == MIG_REC_SHARED)
				st->shared_pages++;
			else
				st->private_pages++;
			continue;
		case MIG_REC_ROUND:
			if (mig_get_be32(&r->in, &a) || mig_get_be32(&r->in, &b)) {
				stream_fail(r, "reading ROUND");
				goto out;
			}
			if (st->rounds <= MIG_MAX_ROUNDS)
				st->round_pages[st->rounds] = b;
			st->rounds++;
			continue;
		case MIG_REC_VMSA:
			if (recv_vmsa(r))
				goto out;
			st->vmsas++;
			continue;
		case MIG_REC_REGIONS:
			if (recv_regions(r))
				goto out;
			continue;
		case MIG_REC_END:
			if (mig_get_be64(&r->in, &total)) {
				stream_fail(r, "reading END");
				goto out;
			}
			if (check_complete(r, total))
				goto out;
			break;
		case MIG_REC_ABORT:
			peer_abort(r, "during the transfer");
			goto out;
		default:
			fail(r, "stream", -1, NULL, "unexpected record %s (0x%x)", mig_rec_name(type), type);
			goto out;
		}
		break;
	}
	if (o->two_way)
		send_reply(r, true);
	{
		uint32_t type;
		if (mig_get_be32(&r->in, &type) || type != MIG_REC_FINISHED) {
			if (r->in.err)
				stream_fail(r, "waiting for FINISHED");
			else if (type == MIG_REC_ABORT)
				peer_abort(r, "before SEND_FINISH");
			else
				fail(r, "source", -1, NULL, "the source did not finish (%s)", mig_rec_name(type));
			goto out;
		}
	}
	if (psp_receive_finish(dst->vm, &e) != 0) {
		fail(r, "RECEIVE_FINISH", -1, &e, "%s", "");
		goto out;
	}
	rc = 0;
out:
	if (rc != 0 && o->two_way && started)
		send_reply(r, false);
	st->bytes = r->in.bytes;
	st->total_ns = mig_now_ns() - t0;
	st->cpu_ns = mig_thread_cpu_ns() - c0;
	mig_io_free(&r->in);
	mig_io_free(&r->out);
	free(r->got);
	free(r);
	return rc;
}
