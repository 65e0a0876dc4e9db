/* Message framing of the socket protocol (wire.h). */
#include "emu/xport/wire.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

int xpw_send2(int fd, uint16_t type, const void *a, size_t alen, const void *b, size_t blen)
{
	uint8_t hdr[XPW_HDR_LEN];
	struct iovec iov[3] = { { hdr, sizeof(hdr) }, { (void *)a, alen }, { (void *)b, blen } };
	struct msghdr mh = { 0 };
	int n = 3;

	if (alen + blen > UINT32_MAX)
		return -EMSGSIZE;
	xpw_put32(hdr, (uint32_t)(alen + blen));
	xpw_put16(hdr + 4, type);
	xpw_put16(hdr + 6, 0);
	mh.msg_iov = iov;
	while (n > 0) {
		ssize_t w;
		mh.msg_iovlen = (size_t)n;
		w = sendmsg(fd, &mh, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		/* Skip what went out; a partial write continues mid-iovec. */
		while (n > 0 && (size_t)w >= mh.msg_iov[0].iov_len) {
			w -= (ssize_t)mh.msg_iov[0].iov_len;
			mh.msg_iov++;
			n--;
		}
		if (n > 0) {
			mh.msg_iov[0].iov_base = (uint8_t *)mh.msg_iov[0].iov_base + w;
			mh.msg_iov[0].iov_len -= (size_t)w;
		}
	}
	return 0;
}

int xpw_send(int fd, uint16_t type, const void *payload, size_t len)
{
	return xpw_send2(fd, type, payload, len, NULL, 0);
}

static int read_full(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t r = recv(fd, p, len, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return -ECONNRESET;
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

int xpw_recv(int fd, uint16_t *type, uint8_t **buf, size_t *len, uint64_t max)
{
	uint8_t hdr[XPW_HDR_LEN];
	uint32_t n;
	uint8_t *b;
	int rc;

	*buf = NULL;
	*len = 0;
	if ((rc = read_full(fd, hdr, sizeof(hdr))))
		return rc;
	n = xpw_get32(hdr);
	*type = xpw_get16(hdr + 4);
	if (xpw_get16(hdr + 6) != 0)
		return -EPROTO;
	if (n > max)
		return -EMSGSIZE;
	if (!(b = malloc(n ? n : 1)))
		return -ENOMEM;
	if ((rc = read_full(fd, b, n))) {
		free(b);
		return rc;
	}
	*buf = b;
	*len = n;
	return 0;
}
