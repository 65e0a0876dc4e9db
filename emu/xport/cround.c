/* One CUSE ioctl round (cround.h). */
#include "emu/xport/cround.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/crypto/symm.h"
#include "emu/util/log.h"
#include "emu/xport/rmem.h"

struct round {
	const struct xp_round_in *in;
	size_t used; /* bytes of in_buf consumed */
};

static int find_rec(struct xp_recs *rs, uint32_t pid, unsigned int cmd, uint64_t arg)
{
	for (int i = 0; i < XP_NREC; i++)
		if (rs->r[i].used && rs->r[i].pid == pid && rs->r[i].cmd == cmd && rs->r[i].arg == arg)
			return i;
	return -1;
}

static void put_rec(const struct xp_round_in *in, uint64_t hash)
{
	struct xp_recs *rs = in->recs;
	int i = find_rec(rs, in->pid, in->cmd, in->arg);

	if (i < 0) {
		i = (int)rs->next;
		rs->next = (rs->next + 1) % XP_NREC;
	}
	rs->r[i].used = true;
	rs->r[i].pid = in->pid;
	rs->r[i].cmd = in->cmd;
	rs->r[i].arg = in->arg;
	rs->r[i].hash = hash;
}

static void drop_rec(const struct xp_round_in *in)
{
	int i = find_rec(in->recs, in->pid, in->cmd, in->arg);

	if (i >= 0)
		in->recs->r[i].used = false;
}

/* Are the lists derived from this round's bytes the ones the kernel fetched them by? */
static int check_round(struct rmem *m, void *ctx)
{
	struct round *rd = ctx;
	int i;

	if (rd->used != rd->in->in_size || rmem_out_bytes(m) != rd->in->out_size)
		return 1;
	i = find_rec(rd->in->recs, rd->in->pid, rd->in->cmd, rd->in->arg);
	return i >= 0 && rd->in->recs->r[i].hash != rmem_lists_hash(m);
}

static void done(const struct xp_round_in *in, struct xp_round_out *out, long rc)
{
	drop_rec(in);
	xp_stats_add(in->stats, &in->stats->s.ioctls, 1);
	out->kind = XP_ROUND_DONE;
	out->result = (int)rc;
}

static void retry(const struct xp_round_in *in, struct xp_round_out *out, struct rmem *m)
{
	uint64_t nin = m->nreg, nout = m->nw, bin = rmem_in_bytes(m), bout = rmem_out_bytes(m);
	char why[300], nb[32];

	if (bin > in->max || bout > in->max || nin + nout > in->max_iov) {
		/* The kernel would fail the caller with ENOMEM and never tell us: say why. */
		snprintf(why, sizeof(why),
			 "%s needs %llu bytes of the caller's memory in and %llu out, in %llu pieces: CUSE moves at most "
			 "%u bytes each way in at most %u pieces per ioctl",
			 xp_ioctl_name(in->cmd, nb, sizeof(nb)), (unsigned long long)bin, (unsigned long long)bout,
			 (unsigned long long)(nin + nout), in->max, in->max_iov);
		drv_file_set_reason(in->f, why);
		log_info("ioctl failed with ENOMEM: %s", why);
		xp_stats_add(in->stats, &in->stats->s.limit_failures, 1);
		done(in, out, -ENOMEM);
		return;
	}
	if (!(out->iov = calloc(nin + nout + 1, sizeof(*out->iov)))) {
		done(in, out, -ENOMEM);
		return;
	}
	for (size_t i = 0; i < nin; i++) {
		out->iov[i].iov_base = (void *)(uintptr_t)m->reg[i].addr;
		out->iov[i].iov_len = m->reg[i].len;
	}
	for (size_t i = 0; i < nout; i++) {
		out->iov[nin + i].iov_base = (void *)(uintptr_t)m->w[i].addr;
		out->iov[nin + i].iov_len = m->w[i].len;
	}
	out->nin = nin;
	out->nout = nout;
	out->kind = XP_ROUND_RETRY;
	put_rec(in, rmem_lists_hash(m));
	xp_stats_add(in->stats, &in->stats->s.retries, 1);
}

/* The answer: the result and, when the driver wrote anything, the declared ranges up to
 * the last one written, old bytes where unchanged (the kernel scatters the reply over
 * the out iovecs in order and writes only the prefix it gets). */
static void final(const struct xp_round_in *in, struct xp_round_out *out, struct rmem *m, long rc)
{
	size_t last = 0, total = 0, off = 0;

	for (size_t i = 0; i < m->nw; i++)
		if (rmem_dirty_in(m, m->w[i].addr, m->w[i].len))
			last = i + 1;
	for (size_t i = 0; i < last; i++)
		total += m->w[i].len;
	if (total && !(out->data = malloc(total))) {
		done(in, out, -ENOMEM);
		return;
	}
	for (size_t i = 0; i < last; i++) {
		if (rmem_get(m, m->w[i].addr, out->data + off, m->w[i].len) != 0) {
			/* Cannot happen: declared writes are always fetched. */
			log_error("CUSE reply: declared range 0x%llx not fetched", (unsigned long long)m->w[i].addr);
			xp_round_out_free(out);
			done(in, out, -EIO);
			return;
		}
		off += m->w[i].len;
	}
	out->len = total;
	done(in, out, rc);
}

void xp_cuse_round(const struct xp_round_in *in, struct xp_round_out *out)
{
	struct round rd = { in, 0 };
	struct rmem m;
	long rc;

	memset(out, 0, sizeof(*out));
	xp_stats_add(in->stats, &in->stats->s.rounds, 1);
	rmem_init(&m);
	m.check = check_round;
	m.check_ctx = &rd;
	rmem_speculate(&m, in->cmd, in->arg);
	for (;;) {
		uint64_t want;
		if (rmem_pending(&m, &want)) {
			if (in->in_size - rd.used < want) {
				/* More than this round carries: the next retry asks for it.  Bytes
				 * left over mean the caller's memory changed since the last round. */
				if (in->in_size != rd.used)
					xp_stats_add(in->stats, &in->stats->s.restarts, 1);
				retry(in, out, &m);
				goto out;
			}
			rmem_fill_borrowed(&m, (const uint8_t *)in->in_buf + rd.used);
			rd.used += want;
		}
		rmem_begin(&m);
		rc = xp_run_ioctl(in->stats, in->f, in->cmd, in->arg, &m.ua);
		if (m.nomem) {
			drv_file_set_reason(in->f, "out of memory for the caller's memory regions");
			done(in, out, -ENOMEM);
			goto out;
		}
		if (rc != -UA_EFETCH)
			break;
		if (m.mismatch) {
			xp_stats_add(in->stats, &in->stats->s.restarts, 1);
			retry(in, out, &m);
			goto out;
		}
		if (!rmem_pending(&m, NULL)) {
			log_error("driver asked to be run again without asking for anything (ioctl 0x%08x)", in->cmd);
			done(in, out, -EIO);
			goto out;
		}
	}
	/* A failure before commit may still write (SEV_ISSUE_CMD copies its struct back);
	 * those bytes need out iovecs this round may not have had. */
	if (!m.committed && m.ndirty && check_round(&m, &rd)) {
		retry(in, out, &m);
		goto out;
	}
	final(in, out, &m, rc);
out:
	rmem_free(&m);
}

void xp_round_out_free(struct xp_round_out *out)
{
	free(out->iov);
	if (out->data) {
		/* Reply bytes can be blobs and guest memory. */
		secure_free(out->data, out->len ? out->len : 1);
	}
	out->iov = NULL;
	out->data = NULL;
	out->len = 0;
}
