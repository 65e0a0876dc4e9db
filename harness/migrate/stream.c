#include "harness/migrate/stream.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "emu/util/bytes.h"

uint64_t mig_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t mig_thread_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}


int mig_io_init(struct mig_io *io, int fd, size_t cap)
{
	memset(io, 0, sizeof(*io));
	io->fd = fd;
	io->cap = cap;
	io->buf = malloc(cap);
	io->t0_ns = mig_now_ns();
	return io->buf ? 0 : -1;
}

void mig_io_free(struct mig_io *io)
{
	free(io->buf);
	io->buf = NULL;
}

/* Keep the average write rate under the limit by sleeping as needed. */
static void throttle(struct mig_io *io, size_t n)
{
	uint64_t due, now;

	if (!io->limit_bps)
		return;
	/* in 128 bits: bytes * 1e9 leaves 64 bits after ~17 GiB */
	due = io->t0_ns + (uint64_t)((unsigned __int128)(io->bytes + n) * 1000000000u / io->limit_bps);
	now = mig_now_ns();
	if (due > now) {
		struct timespec ts = { (time_t)((due - now) / 1000000000u), (long)((due - now) % 1000000000u) };
		while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
			;
	}
}

int mig_flush(struct mig_io *io)
{
	size_t off = 0;

	if (io->err || !io->buf)
		return -1;
	throttle(io, io->len);
	while (off < io->len) {
		/* MSG_NOSIGNAL: a peer that hung up is an error to report, not a SIGPIPE that
		 * kills the process before it can say why */
		ssize_t w = send(io->fd, io->buf + off, io->len - off, MSG_NOSIGNAL);
		if (w < 0 && errno == ENOTSOCK)
			w = write(io->fd, io->buf + off, io->len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			io->err = errno == EAGAIN || errno == EWOULDBLOCK ? ETIMEDOUT : errno;
			return -1;
		}
		off += (size_t)w;
	}
	io->bytes += io->len;
	io->len = 0;
	return 0;
}

int mig_put(struct mig_io *io, const void *p, size_t n)
{
	const uint8_t *s = p;

	while (n) {
		size_t k;
		if (io->err || !io->buf)
			return -1;
		if (io->len == io->cap && mig_flush(io))
			return -1;
		k = io->cap - io->len < n ? io->cap - io->len : n;
		memcpy(io->buf + io->len, s, k);
		io->len += k;
		s += k;
		n -= k;
	}
	return 0;
}

int mig_put_be32(struct mig_io *io, uint32_t v)
{
	uint8_t b[4];
	be32_put(b, v);
	return mig_put(io, b, 4);
}

int mig_put_be64(struct mig_io *io, uint64_t v)
{
	uint8_t b[8];
	be64_put(b, v);
	return mig_put(io, b, 8);
}

int mig_get(struct mig_io *io, void *p, size_t n)
{
	uint8_t *d = p;

	while (n) {
		size_t k;
		if (io->err)
			return -1;
		if (io->pos == io->len) {
			ssize_t r = read(io->fd, io->buf, io->cap);
			if (r < 0) {
				if (errno == EINTR)
					continue;
				/* a socket's SO_RCVTIMEO expired: the peer went silent */
				io->err = errno == EAGAIN || errno == EWOULDBLOCK ? ETIMEDOUT : errno;
				return -1;
			}
			if (r == 0) {
				io->err = -1;
				return -1;
			}
			io->pos = 0;
			io->len = (size_t)r;
			io->bytes += (size_t)r;
		}
		k = io->len - io->pos < n ? io->len - io->pos : n;
		memcpy(d, io->buf + io->pos, k);
		io->pos += k;
		d += k;
		n -= k;
	}
	return 0;
}

int mig_get_be32(struct mig_io *io, uint32_t *v)
{
	uint8_t b[4];
	if (mig_get(io, b, 4))
		return -1;
	*v = be32_get(b);
	return 0;
}

int mig_get_be64(struct mig_io *io, uint64_t *v)
{
	uint8_t b[8];
	if (mig_get(io, b, 8))
		return -1;
	*v = be64_get(b);
	return 0;
}

int mig_get_blob(struct mig_io *io, void *buf, size_t max, uint32_t *n)
{
	if (mig_get_be32(io, n))
		return -1;
	if (*n > max) {
		io->err = EPROTO;
		return -1;
	}
	return mig_get(io, buf, *n);
}

const char *mig_rec_name(uint32_t type)
{
	switch (type) {
	case MIG_REC_HELLO: return "HELLO";
	case MIG_REC_START: return "START";
	case MIG_REC_PAGE: return "PAGE";
	case MIG_REC_SHARED: return "SHARED";
	case MIG_REC_ROUND: return "ROUND";
	case MIG_REC_REGIONS: return "REGIONS";
	case MIG_REC_VMSA: return "VMSA";
	case MIG_REC_END: return "END";
	case MIG_REC_READY: return "READY";
	case MIG_REC_FINISHED: return "FINISHED";
	case MIG_REC_ABORT: return "ABORT";
	default: return "unknown";
	}
}

void mig_get_abort(struct mig_io *io, struct psp_err *pe, char msg[MIG_ABORT_MAX + 1])
{
	uint32_t n = 0, fw = 0;

	memset(pe, 0, sizeof(*pe));
	if (mig_get_be32(io, &fw) || mig_get_blob(io, msg, MIG_ABORT_MAX, &n)) {
		snprintf(msg, MIG_ABORT_MAX + 1, "(its reason was cut off)");
		return;
	}
	msg[n] = 0;
	if (fw) {
		pe->err = EIO;
		pe->fw = fw;
		pe->fw_set = true;
	}
}

void mig_put_abort(struct mig_io *io, uint32_t fw, const char *msg)
{
	size_t n = strlen(msg);

	if (n > MIG_ABORT_MAX)
		n = MIG_ABORT_MAX;
	mig_put_be32(io, MIG_REC_ABORT);
	mig_put_be32(io, fw);
	mig_put_be32(io, (uint32_t)n);
	mig_put(io, msg, n);
	mig_flush(io);
}
