/* unix:PATH[?ro] — the emulator behind `swsev socket --path PATH` (protocol in
 * emu/xport/wire.h).  Each descriptor is a connection; an ioctl sends (cmd, arg) and
 * answers the server's requests for this process's memory, which is read and written
 * with process_vm_readv/writev on ourselves, so a bad pointer gives EFAULT as the
 * kernel would instead of crashing the caller. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "emu/drv/swsev_uapi.h"
#include "emu/xport/wire.h"
#include "psp/psp_priv.h"

#define UNIX_XFER (4u << 20)

struct ux_ctx {
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	uint32_t max_request;
};

struct ux_file {
	int fd;
	bool dead;
	pthread_mutex_t lock; /* one ioctl at a time per connection */
};

/* ---- this process's memory, checked ----------------------------------------------------- */

static int no_vm_rw; /* process_vm_* refused (seccomp): plain copies, NULL/wrap checked */

static bool bad_range(uint64_t addr, uint64_t len)
{
	return addr == 0 || addr + len < addr || addr + len > UINTPTR_MAX;
}

static int self_rw(void *local, uint64_t addr, size_t len, bool write)
{
	struct iovec l = { local, len }, r = { (void *)(uintptr_t)addr, len };
	ssize_t n;

	if (!len)
		return 0;
	if (bad_range(addr, len))
		return -EFAULT;
	if (!no_vm_rw) {
		n = write ? process_vm_writev(getpid(), &l, 1, &r, 1, 0) : process_vm_readv(getpid(), &l, 1, &r, 1, 0);
		if (n == (ssize_t)len)
			return 0;
		if (n >= 0 || errno == EFAULT)
			return -EFAULT;
		if (errno != ENOSYS && errno != EPERM)
			return -EFAULT;
		no_vm_rw = 1;
	}
	if (write)
		memmove((void *)(uintptr_t)addr, local, len);
	else
		memmove(local, (const void *)(uintptr_t)addr, len);
	return 0;
}

/* ---- the connection ----------------------------------------------------------------------- */

static int ux_connect(struct ux_ctx *c, bool writable, struct ux_file **out, struct psp_err *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ux_file *f = calloc(1, sizeof(*f));
	uint8_t open[12], *msg = NULL;
	size_t len;
	uint16_t type;
	int rc;

	if (!f)
		return psp_fail(err, ENOMEM, "out of memory");
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", c->path);
	f->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (f->fd < 0 || connect(f->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		rc = errno;
		if (f->fd >= 0)
			close(f->fd);
		free(f);
		return psp_fail(err, rc, "cannot connect to %s: %s (is `swsev socket --path %s` running?)", c->path,
				strerror(rc), c->path);
	}
	xpw_put32(open, XPW_MAGIC);
	xpw_put16(open + 4, XPW_VERSION);
	xpw_put16(open + 6, XPW_VERSION);
	xpw_put32(open + 8, writable ? XPW_OPEN_WRITABLE : 0);
	if ((rc = xpw_send(f->fd, XPW_OPEN, open, sizeof(open))) == 0)
		rc = xpw_recv(f->fd, &type, &msg, &len, 4096);
	if (rc == 0 && type == XPW_ERROR && len >= 4) {
		rc = (int)xpw_get32(msg);
		psp_fail(err, rc ? rc : EPROTO, "%s refused the connection: %.*s", c->path, (int)(len - 4),
			 (const char *)msg + 4);
		goto fail;
	}
	if (rc || type != XPW_OPENED || len < 16 || xpw_get32(msg) != XPW_MAGIC || xpw_get16(msg + 4) != XPW_VERSION) {
		psp_fail(err, rc ? -rc : EPROTO, "%s: no swsev socket server answered (%s)", c->path,
			 rc ? strerror(-rc) : "unexpected reply");
		goto fail;
	}
	c->max_request = xpw_get32(msg + 8);
	free(msg);
	pthread_mutex_init(&f->lock, NULL);
	*out = f;
	return 0;
fail:
	free(msg);
	close(f->fd);
	free(f);
	return -1;
}

static int ux_open(struct psp *p, bool writable, void **file, struct psp_err *err)
{
	return ux_connect(p->tctx, writable, (struct ux_file **)file, err);
}

static void ux_close(struct psp *p, void *file)
{
	struct ux_file *f = file;

	(void)p;
	/* Closing the connection is closing the descriptor: no need to wait for CLOSED. */
	close(f->fd);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

/* DATA for a NEED: each range read here, or marked EFAULT. */
static int answer_need(struct ux_file *f, const uint8_t *msg, size_t len, uint32_t max)
{
	uint32_t n;
	uint64_t total = 0;
	size_t off;
	uint8_t *out;
	int rc;

	if (len < 8 || (n = xpw_get32(msg)) > XPW_MAX_REGIONS || (len - 8) / XPW_REC_LEN < n)
		return -EPROTO;
	for (uint32_t i = 0; i < n; i++) {
		struct xpw_rec r;
		xpw_get_rec(msg + 8 + i * XPW_REC_LEN, &r);
		total += r.len;
	}
	if (total > max)
		return -EPROTO;
	if (!(out = malloc(8 + n * XPW_REC_LEN + total)))
		return -ENOMEM;
	xpw_put32(out, n);
	xpw_put32(out + 4, 0);
	off = 8 + n * XPW_REC_LEN;
	for (uint32_t i = 0; i < n; i++) {
		struct xpw_rec r;
		xpw_get_rec(msg + 8 + i * XPW_REC_LEN, &r);
		r.word = self_rw(out + off, r.addr, r.len, false) ? EFAULT : 0;
		if (!r.word)
			off += r.len;
		xpw_put_rec(out + 8 + i * XPW_REC_LEN, &r);
	}
	rc = xpw_send(f->fd, XPW_DATA, out, off);
	/* Our memory may hold secrets (guest images, TEKs): no copies left behind. */
	memset(out, 0, off);
	free(out);
	return rc;
}

/* DONE: the driver's writes applied in order; the result. */
static int apply_done(const uint8_t *msg, size_t len)
{
	uint32_t n;
	size_t off;
	int result, fault = 0;

	if (len < 8 || (n = xpw_get32(msg + 4)) > (len - 8) / XPW_REC_LEN)
		return -EPROTO;
	result = (int)(int32_t)xpw_get32(msg);
	if (result > 0 || result < -4095)
		return -EPROTO;
	off = 8 + (size_t)n * XPW_REC_LEN;
	for (uint32_t i = 0; i < n; i++) {
		struct xpw_rec r;
		xpw_get_rec(msg + 8 + i * XPW_REC_LEN, &r);
		if (len - off < r.len)
			return -EPROTO;
		/* As copy_to_user: a destination we cannot write fails the ioctl. */
		if (!fault && self_rw((void *)(msg + off), r.addr, r.len, true))
			fault = 1;
		off += r.len;
	}
	return fault ? -EFAULT : result;
}

static int ux_ioctl(struct psp *p, void *file, unsigned long req, void *arg)
{
	struct ux_ctx *c = p->tctx;
	struct ux_file *f = file;
	uint8_t hdr[16 + XPW_REC_LEN], eager[1u << 14];
	uint32_t size = _IOC_SIZE(req);
	size_t elen = 0;
	int rc;

	pthread_mutex_lock(&f->lock);
	if (f->dead) {
		rc = -ECONNABORTED;
		goto out;
	}
	/* The argument struct goes with the request: one round saved. */
	if (arg && size && size <= sizeof(eager) && self_rw(eager, (uintptr_t)arg, size, false) == 0)
		elen = size;
	xpw_put32(hdr, (uint32_t)req);
	xpw_put32(hdr + 4, elen ? 1 : 0);
	xpw_put64(hdr + 8, (uintptr_t)arg);
	if (elen) {
		struct xpw_rec r = { (uintptr_t)arg, (uint32_t)elen, 0 };
		xpw_put_rec(hdr + 16, &r);
	}
	rc = xpw_send2(f->fd, XPW_IOCTL, hdr, elen ? sizeof(hdr) : 16, eager, elen);
	while (rc == 0) {
		uint8_t *msg;
		size_t len;
		uint16_t type;

		if ((rc = xpw_recv(f->fd, &type, &msg, &len, XPW_MAX_MSG(c->max_request))) != 0)
			break;
		if (type == XPW_NEED) {
			rc = answer_need(f, msg, len, c->max_request);
			free(msg);
			continue;
		}
		if (type == XPW_DONE)
			rc = apply_done(msg, len);
		else
			rc = type == XPW_ERROR && len >= 4 && xpw_get32(msg) ? -(int)xpw_get32(msg) : -EPROTO;
		if (type != XPW_DONE || rc == -EPROTO)
			f->dead = true;
		memset(msg, 0, len);
		free(msg);
		goto out;
	}
	/* The server went away or the stream broke: like a CUSE device whose daemon died. */
	f->dead = true;
	rc = rc == -ENOMEM ? rc : -ECONNABORTED;
out:
	pthread_mutex_unlock(&f->lock);
	return rc;
}

static void ux_fini(struct psp *p)
{
	free(p->tctx);
}

const struct psp_transport psp_transport_unix = { "unix", ux_open, ux_close, ux_ioctl, NULL, ux_fini };

int psp_unix_init(struct psp *p, const char *spec, struct psp_err *err)
{
	struct ux_ctx *c = calloc(1, sizeof(*c));
	const char *q = strchr(spec, '?');
	size_t n = q ? (size_t)(q - spec) : strlen(spec);
	struct swsev_info info;
	struct swsev_ctl ctl = { .op = SWSEV_CTL_INFO, .len = sizeof(info), .data = (uintptr_t)&info };
	bool ro = false;
	int rc;

	if (!c)
		return psp_fail(err, ENOMEM, "out of memory");
	if (!n || n >= sizeof(c->path)) {
		free(c);
		return psp_fail(err, EINVAL, "unix:%s: expected unix:PATH with a socket path of at most %zu bytes", spec,
				sizeof(c->path) - 1);
	}
	memcpy(c->path, spec, n);
	if (q && psp_parse_opts(q + 1, psp_opt_ro, &ro) != 0) {
		free(c);
		return psp_fail(err, EINVAL, "%s: the only option is ro", spec);
	}
	p->backend = "unix";
	p->t = &psp_transport_unix;
	p->vmi = &psp_vm_devabi;
	p->tctx = c;
	p->writable = !ro;
	if (p->t->open(p, p->writable, &p->file, err) != 0) {
		free(c);
		p->tctx = NULL;
		return -1;
	}
	if ((rc = p->t->ioctl(p, p->file, SWSEV_IOC_CTL, &ctl)) != 0 || info.uapi_version != SWSEV_UAPI_VERSION) {
		p->t->close(p, p->file);
		p->file = NULL;
		free(c);
		p->tctx = NULL;
		return psp_fail(err, rc ? -rc : EPROTO, "unix:%s: the server's device ABI is not version %d", spec,
				SWSEV_UAPI_VERSION);
	}
	p->caps = PSP_CAP_PLATFORM | PSP_CAP_GUEST | PSP_CAP_FW_CMD | PSP_CAP_GUEST_VIEW | PSP_CAP_CONTROL |
		  PSP_CAP_REASONS | PSP_CAP_VMSA_PAGES | PSP_CAP_UPTR_CHECK | (info.seeded ? PSP_CAP_DETERMINISTIC : 0);
	/* Guest-memory calls move up to twice this (DBG: source and destination). */
	p->max_xfer = c->max_request / 4 < UNIX_XFER ? c->max_request / 4 : UNIX_XFER;
	return 0;
}
