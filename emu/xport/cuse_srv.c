/* The CUSE server (cuse_srv.h). */
#define FUSE_USE_VERSION 314

#include "emu/xport/cuse_srv.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fuse3/cuse_lowlevel.h>

#include "emu/util/log.h"
#include "emu/xport/cround.h"
#include "emu/xport/xsrv.h"

struct cfile {
	struct drv_file *f;
	struct xp_recs recs;
	struct cfile *prev, *nextf; /* every open file, for shutdown */
};

struct csrv {
	const struct xp_cuse_opts *o;
	struct fuse_session *se;
	struct xp_stats stats;
	char path[300];
	bool existed;       /* /dev/NAME was there before we started */
	bool init_done, rejected, setup_failed;
	char msg[512];
	volatile sig_atomic_t stop;
	struct cfile *files;
};

static void c_ioctl(fuse_req_t req, int cmd, void *arg, struct fuse_file_info *fi, unsigned int flags,
		    const void *in_buf, size_t in_bufsz, size_t out_bufsz)
{
	struct csrv *s = fuse_req_userdata(req);
	struct cfile *cf = (struct cfile *)(uintptr_t)fi->fh;
	struct xp_round_in in = {
		cf->f, &s->stats, &cf->recs, (uint32_t)fuse_req_ctx(req)->pid, (unsigned int)cmd, (uint64_t)(uintptr_t)arg,
		in_buf, in_bufsz, out_bufsz, s->o->max_ioctl ? s->o->max_ioctl : XP_CUSE_MAX_IOCTL, XP_CUSE_MAX_IOV,
	};
	struct xp_round_out out;

	/* 32-bit callers would need compat iovecs: not supported, as a 64-bit-only driver. */
	if (flags & FUSE_IOCTL_COMPAT) {
		fuse_reply_ioctl(req, -ENOTTY, NULL, 0);
		return;
	}
	xp_cuse_round(&in, &out);
	/* A reply that fails means the caller is gone (killed mid-ioctl): nothing to undo,
	 * the driver only acts in a final round and its result is simply lost. */
	if (out.kind == XP_ROUND_RETRY)
		fuse_reply_ioctl_retry(req, out.iov, out.nin, out.iov + out.nin, out.nout);
	else
		fuse_reply_ioctl(req, out.result, out.len ? out.data : NULL, out.len);
	xp_round_out_free(&out);
}

static void forget(struct csrv *s, struct cfile *cf)
{
	if (cf->prev)
		cf->prev->nextf = cf->nextf;
	else
		s->files = cf->nextf;
	if (cf->nextf)
		cf->nextf->prev = cf->prev;
	drv_release(cf->f);
	free(cf);
}

static void c_open(fuse_req_t req, struct fuse_file_info *fi)
{
	struct csrv *s = fuse_req_userdata(req);
	struct cfile *cf = calloc(1, sizeof(*cf));
	bool writable = (fi->flags & O_ACCMODE) != O_RDONLY;

	if (!cf || !(cf->f = drv_open(s->o->drv, writable, fuse_req_ctx(req)->uid == 0))) {
		free(cf);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	cf->nextf = s->files;
	if (s->files)
		s->files->prev = cf;
	s->files = cf;
	fi->fh = (uint64_t)(uintptr_t)cf;
	/* No page cache, no seeking: a character device's file. */
	fi->direct_io = 1;
	fi->nonseekable = 1;
	xp_stats_add(&s->stats, &s->stats.s.opens, 1);
	xp_stats_add(&s->stats, &s->stats.s.open_now, 1);
	log_debug("open by pid %u uid %u (%s)", (unsigned)fuse_req_ctx(req)->pid, (unsigned)fuse_req_ctx(req)->uid,
		  writable ? "read-write" : "read-only");
	if (fuse_reply_open(req, fi) != 0) {
		/* The opener is gone: no release will come. */
		forget(s, cf);
		xp_stats_add(&s->stats, &s->stats.s.open_now, -1);
	}
}

static void c_release(fuse_req_t req, struct fuse_file_info *fi)
{
	struct csrv *s = fuse_req_userdata(req);
	struct cfile *cf = (struct cfile *)(uintptr_t)fi->fh;

	if (cf)
		forget(s, cf);
	xp_stats_add(&s->stats, &s->stats.s.releases, 1);
	xp_stats_add(&s->stats, &s->stats.s.open_now, -1);
	fuse_reply_err(req, 0);
}

/* The kernel processed our CUSE_INIT reply inside the write that sent it.  A name it
 * refused (already taken) aborted the connection without a word, and libfuse would
 * then end its loop as after a clean unmount: an aborted connection polls POLLERR. */
static void c_init_done(void *userdata)
{
	struct csrv *s = userdata;
	struct pollfd pfd = { fuse_session_fd(s->se), POLLIN, 0 };
	char what[400];

	s->init_done = true;
	if (poll(&pfd, 1, 0) >= 0 && (pfd.revents & POLLERR)) {
		s->rejected = true;
		fuse_session_exit(s->se);
		return;
	}
	if (xp_daemon_node_perms(s->o->dmn, s->path, s->msg, sizeof(s->msg)) != 0 ||
	    xp_daemon_drop(s->o->dmn, s->msg, sizeof(s->msg)) != 0) {
		s->setup_failed = true;
		fuse_session_exit(s->se);
		return;
	}
	snprintf(what, sizeof(what), "device=%s", s->path);
	log_info("serving %s", s->path);
	xp_daemon_ready(s->o->dmn, what);
}

static const struct cuse_lowlevel_ops ops = {
	.init_done = c_init_done,
	.open = c_open,
	.release = c_release,
	.ioctl = c_ioctl,
};

static struct csrv *the_srv;

static void on_stop(void *ctx)
{
	(void)ctx;
	if (the_srv && the_srv->se)
		fuse_session_exit(the_srv->se);
}

int xp_cuse_serve(const struct xp_cuse_opts *o, char *msg, size_t msglen)
{
	static struct csrv srv;
	char devname[300];
	const char *dev_info[] = { devname };
	char *argv[] = { "swsev-cuse", "-f", "-s", NULL };
	struct cuse_info ci;
	struct stat st;
	int mt, res;

	memset(&srv, 0, sizeof(srv));
	srv.o = o;
	xp_stats_init(&srv.stats, SWSEV_XPORT_CUSE, o->max_ioctl ? o->max_ioctl : XP_CUSE_MAX_IOCTL);
	if (!o->name[0] || strchr(o->name, '/') || strlen(o->name) > 200) {
		snprintf(msg, msglen, "bad device name '%s' (a name under /dev, no '/')", o->name);
		return 1;
	}
	snprintf(srv.path, sizeof(srv.path), "/dev/%s", o->name);
	snprintf(devname, sizeof(devname), "DEVNAME=%s", o->name);
	srv.existed = stat(srv.path, &st) == 0;
	memset(&ci, 0, sizeof(ci));
	ci.dev_info_argc = 1;
	ci.dev_info_argv = dev_info;
	ci.flags = CUSE_UNRESTRICTED_IOCTL;
	if (access("/dev/cuse", F_OK) != 0) {
		snprintf(msg, msglen, "no /dev/cuse: load the cuse module (modprobe cuse), or use `swsev socket`");
		return 1;
	}
	srv.se = cuse_lowlevel_setup(3, argv, &ci, &ops, &mt, &srv);
	if (!srv.se) {
		snprintf(msg, msglen, "cannot open /dev/cuse (CUSE needs root)");
		return 1;
	}
	/* Our handlers replace libfuse's: a loop that ends without one is a failure. */
	the_srv = &srv;
	xp_daemon_signals(&srv.stop, on_stop, NULL);
	res = fuse_session_loop(srv.se);
	the_srv = NULL;
	cuse_lowlevel_teardown(srv.se);
	srv.se = NULL;
	/* Descriptors still open die with the daemon (their callers get ECONNABORTED). */
	while (srv.files)
		forget(&srv, srv.files);
	if (srv.rejected) {
		snprintf(msg, msglen, "the kernel refused to create %s: the name is taken%s", srv.path,
			 srv.existed ? " (the node existed before we started: another device or daemon has it)" : "");
		return 1;
	}
	if (srv.setup_failed) {
		snprintf(msg, msglen, "%s", srv.msg);
		return 1;
	}
	if (!srv.init_done) {
		snprintf(msg, msglen, "the CUSE connection ended before the device was created (loop status %d)", res);
		return 1;
	}
	if (!srv.stop) {
		snprintf(msg, msglen, "the CUSE connection to %s ended unexpectedly (loop status %d)", srv.path, res);
		return 1;
	}
	log_info("stopping on signal %d", (int)srv.stop);
	return 0;
}
