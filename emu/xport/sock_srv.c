/* The socket server (sock_srv.h, protocol in wire.h). */
#include "emu/xport/sock_srv.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "emu/util/log.h"
#include "emu/xport/rmem.h"
#include "emu/xport/wire.h"
#include "emu/xport/xsrv.h"

struct conn {
	struct ssrv *s;
	int fd;
	pthread_t th;
	bool done; /* the thread has finished: join it */
	uid_t uid;
	pid_t pid;
	struct conn *next;
};

struct ssrv {
	const struct xp_sock_opts *o;
	struct xp_stats stats;
	uint32_t max_request;
	pthread_mutex_t lock; /* conns */
	struct conn *conns;
	unsigned nconns;
	int wake[2];
	volatile sig_atomic_t stop;
};

/* Tells the client why and ends the connection (the caller closes). */
static void proto_error(struct conn *c, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void proto_error(struct conn *c, int err, const char *fmt, ...)
{
	uint8_t buf[4 + 256];
	va_list ap;
	int n;

	xpw_put32(buf, (uint32_t)err);
	va_start(ap, fmt);
	n = vsnprintf((char *)buf + 4, 256, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if (n > 255)
		n = 255;
	log_info("socket client pid %d: %s", (int)c->pid, (char *)buf + 4);
	xpw_send(c->fd, XPW_ERROR, buf, 4 + (size_t)n);
}

static int send_need(struct conn *c, struct rmem *m)
{
	size_t n = 0, k = 0;
	uint8_t *buf;
	int rc;

	for (size_t i = 0; i < m->nreg; i++)
		n += m->reg[i].state == RMEM_PENDING;
	if (!(buf = malloc(8 + n * XPW_REC_LEN)))
		return -ENOMEM;
	xpw_put32(buf, (uint32_t)n);
	xpw_put32(buf + 4, 0);
	for (size_t i = 0; i < m->nreg; i++) {
		struct rmem_region *r = &m->reg[i];
		struct xpw_rec rec = { r->addr, (uint32_t)r->len, XPW_R_READ };
		if (r->state != RMEM_PENDING)
			continue;
		for (size_t j = 0; j < m->nw; j++)
			if (m->w[j].addr < r->addr + r->len && r->addr < m->w[j].addr + m->w[j].len)
				rec.word = XPW_R_WRITE;
		xpw_put_rec(buf + 8 + k++ * XPW_REC_LEN, &rec);
	}
	rc = xpw_send(c->fd, XPW_NEED, buf, 8 + n * XPW_REC_LEN);
	free(buf);
	return rc;
}

/* The client's DATA for the pending regions: 0, or -1 after a protocol error. */
static int take_data(struct conn *c, struct rmem *m)
{
	struct ssrv *s = c->s;
	uint8_t *buf = NULL;
	size_t len, n = 0, k = 0, off;
	uint16_t type;
	int rc;

	rc = xpw_recv(c->fd, &type, &buf, &len, XPW_MAX_MSG(s->max_request));
	if (rc) {
		if (rc != -ECONNRESET)
			proto_error(c, -rc, "cannot read DATA: %s", strerror(-rc));
		return -1;
	}
	xp_stats_add(&s->stats, &s->stats.s.rounds, 1);
	for (size_t i = 0; i < m->nreg; i++)
		n += m->reg[i].state == RMEM_PENDING;
	if (type != XPW_DATA || len < 8 || xpw_get32(buf) != n || (len - 8) / XPW_REC_LEN < n) {
		proto_error(c, EPROTO, "expected DATA for %zu regions (got type %u, %zu bytes)", n, type, len);
		goto bad;
	}
	off = 8 + n * XPW_REC_LEN;
	for (size_t i = 0; i < m->nreg; i++) {
		struct rmem_region *r = &m->reg[i];
		struct xpw_rec rec;
		if (r->state != RMEM_PENDING)
			continue;
		xpw_get_rec(buf + 8 + k++ * XPW_REC_LEN, &rec);
		if (rec.addr != r->addr || rec.len != r->len || (rec.word && rec.word != EFAULT) ||
		    (!rec.word && len - off < rec.len)) {
			proto_error(c, EPROTO, "DATA region %zu does not answer NEED (0x%llx+%u)", k - 1,
				    (unsigned long long)rec.addr, rec.len);
			goto bad;
		}
		if (rmem_fill_one(m, i, buf + off, rec.word != 0)) {
			proto_error(c, ENOMEM, "out of memory");
			goto bad;
		}
		if (!rec.word)
			off += rec.len;
	}
	if (off != len) {
		proto_error(c, EPROTO, "DATA carries %zu bytes more than its regions", len - off);
		goto bad;
	}
	free(buf);
	return 0;
bad:
	free(buf);
	return -1;
}

static int send_done(struct conn *c, struct rmem *m, long result)
{
	size_t total = 0, off;
	uint8_t *buf;
	int rc;

	for (size_t i = 0; i < m->ndirty; i++)
		total += m->dirty[i].len;
	if (!(buf = malloc(8 + m->ndirty * XPW_REC_LEN + total)))
		return -ENOMEM;
	xpw_put32(buf, (uint32_t)(int32_t)result);
	xpw_put32(buf + 4, (uint32_t)m->ndirty);
	off = 8 + m->ndirty * XPW_REC_LEN;
	for (size_t i = 0; i < m->ndirty; i++) {
		struct xpw_rec rec = { m->dirty[i].addr, (uint32_t)m->dirty[i].len, 0 };
		xpw_put_rec(buf + 8 + i * XPW_REC_LEN, &rec);
		if (rmem_get(m, rec.addr, buf + off, rec.len) != 0) {
			free(buf);
			return -EIO;
		}
		off += rec.len;
	}
	rc = xpw_send(c->fd, XPW_DONE, buf, off);
	/* What the firmware wrote may be guest plaintext or session blobs. */
	memset(buf, 0, off);
	free(buf);
	return rc;
}

static long too_big(struct conn *c, struct drv_file *f, unsigned int cmd, struct rmem *m, const char *what)
{
	char why[256], nb[32];

	snprintf(why, sizeof(why), "%s needs %llu bytes of the caller's memory in %zu pieces: the socket server moves "
		 "at most %u bytes in %d pieces and %d rounds per ioctl (%s)",
		 xp_ioctl_name(cmd, nb, sizeof(nb)), (unsigned long long)rmem_in_bytes(m), m->nreg, c->s->max_request,
		 XPW_MAX_REGIONS, XPW_MAX_ROUNDS, what);
	drv_file_set_reason(f, why);
	xp_stats_add(&c->s->stats, &c->s->stats.s.limit_failures, 1);
	return -ENOMEM;
}

/* One ioctl: 0, or -1 when the connection must end. */
static int do_ioctl(struct conn *c, struct drv_file *f, const uint8_t *msg, size_t len)
{
	struct ssrv *s = c->s;
	unsigned int cmd;
	uint32_t n;
	uint64_t arg, off;
	struct rmem m;
	long rc;
	int rounds = 0, ret = 0;

	if (len < 16 || (n = xpw_get32(msg + 4)) > XPW_MAX_REGIONS || (len - 16) / XPW_REC_LEN < n) {
		proto_error(c, EPROTO, "malformed IOCTL message (%zu bytes)", len);
		return -1;
	}
	cmd = xpw_get32(msg);
	arg = xpw_get64(msg + 8);
	rmem_init(&m);
	off = 16 + (uint64_t)n * XPW_REC_LEN;
	for (uint32_t i = 0; i < n; i++) {
		struct xpw_rec rec;
		xpw_get_rec(msg + 16 + i * XPW_REC_LEN, &rec);
		if (rec.word || len - off < rec.len || rmem_add_have(&m, rec.addr, msg + off, rec.len) != 0) {
			proto_error(c, EPROTO, "malformed eager region %u in IOCTL", i);
			rmem_free(&m);
			return -1;
		}
		off += rec.len;
	}
	if (off != len) {
		proto_error(c, EPROTO, "IOCTL carries %llu bytes more than its regions", (unsigned long long)(len - off));
		rmem_free(&m);
		return -1;
	}
	for (;;) {
		rmem_begin(&m);
		rc = xp_run_ioctl(&s->stats, f, cmd, arg, &m.ua);
		if (m.nomem) {
			rc = too_big(c, f, cmd, &m, "too many pieces, or out of memory");
			break;
		}
		if (rc != -UA_EFETCH)
			break;
		if (!rmem_pending(&m, NULL)) {
			log_error("driver asked to be run again without asking for anything (ioctl 0x%08x)", cmd);
			rc = -EIO;
			break;
		}
		if (rmem_in_bytes(&m) > s->max_request || m.nreg > XPW_MAX_REGIONS || rounds >= XPW_MAX_ROUNDS) {
			rc = too_big(c, f, cmd, &m, "limit");
			break;
		}
		xp_stats_add(&s->stats, &s->stats.s.retries, 1);
		if (send_need(c, &m) != 0 || take_data(c, &m) != 0) {
			ret = -1;
			goto out;
		}
		rounds++;
	}
	xp_stats_add(&s->stats, &s->stats.s.ioctls, 1);
	if (send_done(c, &m, rc) != 0)
		ret = -1;
out:
	rmem_free(&m);
	return ret;
}

static int do_open(struct conn *c, struct drv_file **f)
{
	uint8_t *msg = NULL, out[16];
	size_t len;
	uint16_t type, lo, hi;
	uint32_t flags;
	int rc = xpw_recv(c->fd, &type, &msg, &len, 64);

	if (rc) {
		if (rc != -ECONNRESET)
			proto_error(c, EPROTO, "expected OPEN: %s", strerror(-rc));
		return -1;
	}
	if (type != XPW_OPEN || len < 12 || xpw_get32(msg) != XPW_MAGIC) {
		proto_error(c, EPROTO, "expected OPEN with the swsev magic (is this a swsev socket client?)");
		free(msg);
		return -1;
	}
	lo = xpw_get16(msg + 4);
	hi = xpw_get16(msg + 6);
	flags = xpw_get32(msg + 8);
	free(msg);
	if (lo > XPW_VERSION || hi < XPW_VERSION) {
		proto_error(c, EPROTONOSUPPORT, "protocol versions %u..%u requested, this server speaks %u", lo, hi,
			    XPW_VERSION);
		return -1;
	}
	if (!(*f = drv_open(c->s->o->drv, (flags & XPW_OPEN_WRITABLE) != 0, c->uid == 0))) {
		proto_error(c, ENOMEM, "out of memory");
		return -1;
	}
	xpw_put32(out, XPW_MAGIC);
	xpw_put16(out + 4, XPW_VERSION);
	xpw_put16(out + 6, 0);
	xpw_put32(out + 8, c->s->max_request);
	xpw_put32(out + 12, 0);
	xp_stats_add(&c->s->stats, &c->s->stats.s.opens, 1);
	xp_stats_add(&c->s->stats, &c->s->stats.s.open_now, 1);
	log_debug("open by pid %d uid %u (%s)", (int)c->pid, (unsigned)c->uid,
		  flags & XPW_OPEN_WRITABLE ? "read-write" : "read-only");
	return xpw_send(c->fd, XPW_OPENED, out, sizeof(out)) == 0 ? 0 : -1;
}

static void *conn_main(void *arg)
{
	struct conn *c = arg;
	struct ssrv *s = c->s;
	struct drv_file *f = NULL;

	if (do_open(c, &f) != 0)
		goto out;
	for (;;) {
		uint8_t *msg;
		size_t len;
		uint16_t type;
		int rc = xpw_recv(c->fd, &type, &msg, &len, XPW_MAX_MSG(s->max_request));

		if (rc) {
			if (rc == -EMSGSIZE)
				proto_error(c, EMSGSIZE, "message larger than %llu bytes",
					    (unsigned long long)XPW_MAX_MSG(s->max_request));
			else if (rc != -ECONNRESET && !s->stop)
				proto_error(c, -rc, "cannot read: %s", strerror(-rc));
			break;
		}
		if (type == XPW_IOCTL) {
			xp_stats_add(&s->stats, &s->stats.s.rounds, 1);
			rc = do_ioctl(c, f, msg, len);
		} else if (type == XPW_PING && len <= XPW_MAX_PING) {
			rc = xpw_send(c->fd, XPW_PONG, msg, len);
		} else if (type == XPW_CLOSE) {
			xpw_send(c->fd, XPW_CLOSED, NULL, 0);
			rc = -1;
		} else {
			proto_error(c, EPROTO, "unexpected message type 0x%x (%zu bytes)", type, len);
			rc = -1;
		}
		free(msg);
		if (rc)
			break;
	}
out:
	if (f) {
		/* As when a process closes the device: its VM goes. */
		drv_release(f);
		xp_stats_add(&s->stats, &s->stats.s.releases, 1);
		xp_stats_add(&s->stats, &s->stats.s.open_now, -1);
	}
	/* The client sees the end now; the fd itself goes when the thread is joined. */
	shutdown(c->fd, SHUT_RDWR);
	pthread_mutex_lock(&s->lock);
	c->done = true;
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/* Joins finished connection threads; with all, ends every connection first. */
static void reap(struct ssrv *s, bool all)
{
	struct conn **pp = &s->conns;

	pthread_mutex_lock(&s->lock);
	if (all)
		for (struct conn *c = s->conns; c; c = c->next)
			shutdown(c->fd, SHUT_RDWR);
	while (*pp) {
		struct conn *c = *pp;
		if (!c->done && !all) {
			pp = &c->next;
			continue;
		}
		*pp = c->next;
		s->nconns--;
		pthread_mutex_unlock(&s->lock);
		pthread_join(c->th, NULL);
		close(c->fd);
		free(c);
		pthread_mutex_lock(&s->lock);
	}
	pthread_mutex_unlock(&s->lock);
}

static void accept_one(struct ssrv *s, int lfd)
{
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	struct conn *c;
	sigset_t block, old;
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	reap(s, false);
	if (!(c = calloc(1, sizeof(*c)))) {
		close(fd);
		return;
	}
	c->s = s;
	c->fd = fd;
	c->uid = (uid_t)-1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) == 0) {
		c->uid = cred.uid;
		c->pid = cred.pid;
	}
	if (s->nconns >= (s->o->max_conns ? s->o->max_conns : XP_SOCK_MAX_CONNS)) {
		proto_error(c, EBUSY, "too many connections (%u)", s->nconns);
		close(fd);
		free(c);
		return;
	}
	/* The workers leave the stop signals to the main thread. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	if (pthread_create(&c->th, NULL, conn_main, c) != 0) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		proto_error(c, EAGAIN, "cannot start a thread");
		close(fd);
		free(c);
		return;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_mutex_lock(&s->lock);
	c->next = s->conns;
	s->conns = c;
	s->nconns++;
	pthread_mutex_unlock(&s->lock);
}

static struct ssrv *the_srv;

static void on_stop(void *ctx)
{
	(void)ctx;
	if (the_srv) {
		int e = errno;
		if (write(the_srv->wake[1], "x", 1) < 0) {
			/* the pipe is full: a wake-up is pending anyway */
		}
		errno = e;
	}
}

/* A socket file left by a dead server is replaced; a live server's or any other file
 * is an error. */
static int probe_path(const char *path, bool remove, char *msg, size_t msglen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) != 0)
		return 0;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(msg, msglen, "%s exists and is not a socket", path);
		return -1;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		snprintf(msg, msglen, "socket: %s", strerror(errno));
		return -1;
	}
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	if (rc == 0) {
		snprintf(msg, msglen, "%s is in use: another server answers on it", path);
		return -1;
	}
	if (remove && unlink(path) != 0) {
		snprintf(msg, msglen, "cannot remove the stale socket %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int xp_sock_check_path(const char *path, char *msg, size_t msglen)
{
	if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		snprintf(msg, msglen, "socket path longer than %zu bytes: %s",
			 sizeof(((struct sockaddr_un *)0)->sun_path) - 1, path);
		return -1;
	}
	return probe_path(path, false, msg, msglen);
}

int xp_sock_serve(const struct xp_sock_opts *o, char *msg, size_t msglen)
{
	static struct ssrv srv;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char what[300];
	int lfd = -1, rc = 1;
	mode_t um;

	memset(&srv, 0, sizeof(srv));
	srv.o = o;
	srv.max_request = o->max_request ? o->max_request : XPW_MAX_REQUEST_DEFAULT;
	srv.wake[0] = srv.wake[1] = -1;
	xp_stats_init(&srv.stats, SWSEV_XPORT_SOCKET, srv.max_request);
	pthread_mutex_init(&srv.lock, NULL);
	if (strlen(o->path) >= sizeof(sa.sun_path)) {
		snprintf(msg, msglen, "socket path longer than %zu bytes: %s", sizeof(sa.sun_path) - 1, o->path);
		return 1;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", o->path);
	if (probe_path(o->path, true, msg, msglen) != 0)
		return 1;
	if (pipe2(srv.wake, O_CLOEXEC | O_NONBLOCK) != 0 ||
	    (lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		snprintf(msg, msglen, "socket: %s", strerror(errno));
		goto out;
	}
	/* Owner-only until --mode says otherwise: the socket is the device. */
	um = umask(0177);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		umask(um);
		snprintf(msg, msglen, "cannot bind %s: %s", o->path, strerror(errno));
		goto out;
	}
	umask(um);
	if (listen(lfd, 64) != 0) {
		snprintf(msg, msglen, "listen: %s", strerror(errno));
		goto unlink;
	}
	if (xp_daemon_node_perms(o->dmn, o->path, msg, msglen) != 0 || xp_daemon_drop(o->dmn, msg, msglen) != 0)
		goto unlink;
	the_srv = &srv;
	xp_daemon_signals(&srv.stop, on_stop, NULL);
	snprintf(what, sizeof(what), "socket=%s", o->path);
	log_info("serving %s", o->path);
	xp_daemon_ready(o->dmn, what);
	while (!srv.stop) {
		struct pollfd p[2] = { { lfd, POLLIN, 0 }, { srv.wake[0], POLLIN, 0 } };
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			snprintf(msg, msglen, "poll: %s", strerror(errno));
			goto stop;
		}
		if (p[1].revents)
			break;
		if (p[0].revents & POLLIN)
			accept_one(&srv, lfd);
	}
	log_info("stopping on signal %d", (int)srv.stop);
	rc = 0;
stop:
	the_srv = NULL;
	reap(&srv, true);
unlink:
	unlink(o->path);
out:
	if (lfd >= 0)
		close(lfd);
	if (srv.wake[0] >= 0)
		close(srv.wake[0]);
	if (srv.wake[1] >= 0)
		close(srv.wake[1]);
	pthread_mutex_destroy(&srv.lock);
	return rc;
}
