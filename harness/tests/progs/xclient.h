/* The tests' own client of the socket protocol (emu/xport/wire.h), written from the
 * protocol's description rather than shared with psp/be_unix.c, and "the device" as a
 * test sees it: one descriptor is a /dev file or a socket connection, an ioctl is
 * ioctl(2) or the IOCTL/NEED/DATA/DONE exchange.  This process's memory is read with
 * process_vm_readv so bad pointers come back as EFAULT. */
#ifndef SWSEV_TESTS_XCLIENT_H
#define SWSEV_TESTS_XCLIENT_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "emu/xport/wire.h"

struct xdev {
	bool sock;
	int fd;
};

static inline int xc_mem(void *local, uint64_t addr, size_t len, bool write)
{
	struct iovec l = { local, len }, r = { (void *)(uintptr_t)addr, len };
	ssize_t n;

	if (!len)
		return 0;
	n = write ? process_vm_writev(getpid(), &l, 1, &r, 1, 0) : process_vm_readv(getpid(), &l, 1, &r, 1, 0);
	return n == (ssize_t)len ? 0 : -EFAULT;
}

/* Connects and sends OPEN; -errno on failure (the server's ERROR errno if it refused). */
static inline int xc_connect(const char *path, bool writable, int *out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	uint8_t open_msg[12], *msg = NULL;
	size_t len;
	uint16_t type;
	int fd, rc;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	xpw_put32(open_msg, XPW_MAGIC);
	xpw_put16(open_msg + 4, XPW_VERSION);
	xpw_put16(open_msg + 6, XPW_VERSION);
	xpw_put32(open_msg + 8, writable ? XPW_OPEN_WRITABLE : 0);
	if ((rc = xpw_send(fd, XPW_OPEN, open_msg, sizeof(open_msg))) == 0 &&
	    (rc = xpw_recv(fd, &type, &msg, &len, 4096)) == 0) {
		if (type == XPW_ERROR && len >= 4)
			rc = -(int)xpw_get32(msg);
		else if (type != XPW_OPENED || len < 16)
			rc = -EPROTO;
	}
	free(msg);
	if (rc) {
		close(fd);
		return rc;
	}
	*out = fd;
	return 0;
}

static inline int xd_open(struct xdev *d, const char *spec, bool writable)
{
	d->sock = strncmp(spec, "unix:", 5) == 0;
	if (d->sock)
		return xc_connect(spec + 5, writable, &d->fd);
	/* A CUSE node exists a moment before it opens (ENXIO). */
	for (int i = 0; i < 500; i++) {
		d->fd = open(strncmp(spec, "dev:", 4) == 0 ? spec + 4 : spec, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
		if (d->fd >= 0)
			return 0;
		if (errno != ENXIO)
			break;
		nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
	}
	return -errno;
}

static inline void xd_close(struct xdev *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

/* The socket's ioctl; *rounds gets the NEED rounds it took. */
static inline int xc_ioctl(int fd, unsigned long req, void *arg, unsigned *rounds)
{
	uint8_t hdr[16 + XPW_REC_LEN], eager[4096];
	uint32_t size = _IOC_SIZE(req);
	bool have = arg && size && size <= sizeof(eager) && xc_mem(eager, (uintptr_t)arg, size, false) == 0;
	int rc;

	if (rounds)
		*rounds = 0;
	xpw_put32(hdr, (uint32_t)req);
	xpw_put32(hdr + 4, have ? 1 : 0);
	xpw_put64(hdr + 8, (uintptr_t)arg);
	if (have)
		xpw_put_rec(hdr + 16, &(struct xpw_rec){ (uintptr_t)arg, size, 0 });
	if ((rc = xpw_send2(fd, XPW_IOCTL, hdr, have ? sizeof(hdr) : 16, eager, have ? size : 0)))
		return rc;
	for (;;) {
		uint8_t *msg, *out;
		size_t len, off;
		uint16_t type;
		uint32_t n;

		if ((rc = xpw_recv(fd, &type, &msg, &len, 1u << 30)))
			return rc;
		if (type == XPW_DONE && len >= 8) {
			int result = (int)(int32_t)xpw_get32(msg);
			n = xpw_get32(msg + 4);
			off = 8 + (size_t)n * XPW_REC_LEN;
			for (uint32_t i = 0; i < n && off <= len; i++) {
				struct xpw_rec r;
				xpw_get_rec(msg + 8 + i * XPW_REC_LEN, &r);
				if (len - off < r.len || xc_mem(msg + off, r.addr, r.len, true))
					result = -EFAULT;
				off += r.len;
			}
			free(msg);
			return result;
		}
		if (type != XPW_NEED || len < 8) {
			rc = type == XPW_ERROR && len >= 4 ? -(int)xpw_get32(msg) : -EPROTO;
			free(msg);
			return rc;
		}
		if (rounds)
			(*rounds)++;
		n = xpw_get32(msg);
		off = 8 + (size_t)n * XPW_REC_LEN;
		for (uint32_t i = 0; i < n; i++) {
			struct xpw_rec r;
			xpw_get_rec(msg + 8 + i * XPW_REC_LEN, &r);
			off += r.len;
		}
		if (!(out = malloc(off))) {
			free(msg);
			return -ENOMEM;
		}
		xpw_put32(out, n);
		xpw_put32(out + 4, 0);
		off = 8 + (size_t)n * XPW_REC_LEN;
		for (uint32_t i = 0; i < n; i++) {
			struct xpw_rec r;
			xpw_get_rec(msg + 8 + i * XPW_REC_LEN, &r);
			r.word = xc_mem(out + off, r.addr, r.len, false) ? EFAULT : 0;
			if (!r.word)
				off += r.len;
			xpw_put_rec(out + 8 + i * XPW_REC_LEN, &r);
		}
		free(msg);
		rc = xpw_send(fd, XPW_DATA, out, off);
		free(out);
		if (rc)
			return rc;
	}
}

static inline int xd_ioctl(struct xdev *d, unsigned long req, void *arg)
{
	if (d->sock)
		return xc_ioctl(d->fd, req, arg, NULL);
	return ioctl(d->fd, req, arg) < 0 ? -errno : 0;
}

#endif
