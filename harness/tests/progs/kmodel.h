/* A model of the kernel's half of a CUSE unrestricted ioctl (fs/fuse/ioctl.c,
 * fuse_do_ioctl) driving the server's round engine (emu/xport/cround.h) in this
 * process, so the engine can be tested without CUSE: the first request carries no data;
 * a retry names in and out iovecs, which must total at most max bytes each way and 256
 * together (else ENOMEM), and whose in bytes are copied from the caller (EFAULT if it
 * cannot be read) into the next request; the final reply may not exceed the out total
 * (else EIO) and is scattered over the out iovecs in order (EFAULT if one cannot be
 * written).  Memory is accessed with process_vm_readv/writev on ourselves, so bad
 * pointers fail as in the kernel instead of crashing. */
#ifndef SWSEV_TESTS_KMODEL_H
#define SWSEV_TESTS_KMODEL_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "emu/xport/cround.h"
#include "emu/xport/cuse_srv.h"

struct kmodel {
	struct drv_file *f;
	struct xp_stats *stats;
	struct xp_recs recs;
	uint32_t pid;
	uint32_t max;
	/* Called before each request after the first: a caller racing its own ioctl. */
	void (*between)(void *ctx, unsigned request);
	void *between_ctx;
	unsigned requests; /* FUSE requests the last ioctl took */
};

static inline int km_copy(void *local, const struct iovec *remote, bool write)
{
	struct iovec l = { local, remote->iov_len };
	ssize_t n;

	if (!remote->iov_len)
		return 0;
	n = write ? process_vm_writev(getpid(), &l, 1, remote, 1, 0) : process_vm_readv(getpid(), &l, 1, remote, 1, 0);
	return n == (ssize_t)remote->iov_len ? 0 : -EFAULT;
}

static inline int km_ioctl(struct kmodel *k, unsigned int cmd, void *arg)
{
	struct iovec *iov = NULL;
	size_t nin = 0, nout = 0;
	int rc = -EIO;

	k->requests = 0;
	for (;;) {
		struct xp_round_out out;
		struct xp_round_in in;
		size_t in_size = 0, out_size = 0, off = 0;
		uint8_t *in_buf;

		for (size_t i = 0; i < nin; i++)
			in_size += iov[i].iov_len;
		for (size_t i = 0; i < nout; i++)
			out_size += iov[nin + i].iov_len;
		if (in_size > k->max || out_size > k->max) {
			rc = -ENOMEM;
			break;
		}
		if (k->requests && k->between)
			k->between(k->between_ctx, k->requests);
		if (!(in_buf = malloc(in_size ? in_size : 1))) {
			rc = -ENOMEM;
			break;
		}
		for (size_t i = 0; i < nin; i++) {
			if (km_copy(in_buf + off, &iov[i], false)) {
				free(in_buf);
				rc = -EFAULT;
				goto out;
			}
			off += iov[i].iov_len;
		}
		in = (struct xp_round_in){ k->f, k->stats, &k->recs, k->pid, cmd, (uintptr_t)arg, in_buf, in_size,
					   out_size, k->max, XP_CUSE_MAX_IOV };
		k->requests++;
		xp_cuse_round(&in, &out);
		free(in_buf);
		if (out.kind == XP_ROUND_RETRY) {
			free(iov);
			iov = out.iov;
			nin = out.nin;
			nout = out.nout;
			out.iov = NULL;
			xp_round_out_free(&out);
			if (nin + nout > XP_CUSE_MAX_IOV) {
				rc = -ENOMEM;
				break;
			}
			if (k->requests > 100) {
				/* The kernel has no bound; a test wants one. */
				rc = -ELOOP;
				break;
			}
			continue;
		}
		rc = out.result;
		if (out.len > out_size) {
			rc = -EIO;
		} else {
			off = 0;
			for (size_t i = 0; i < nout && off < out.len; i++) {
				struct iovec r = iov[nin + i];
				if (r.iov_len > out.len - off)
					r.iov_len = out.len - off;
				if (km_copy(out.data + off, &r, true)) {
					rc = -EFAULT;
					break;
				}
				off += r.iov_len;
			}
		}
		xp_round_out_free(&out);
		break;
	}
out:
	free(iov);
	return rc;
}

#endif
