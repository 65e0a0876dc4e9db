/* Daemon plumbing (daemon.h). */
#include "emu/xport/daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "emu/util/log.h"

void xp_daemon_init(struct xp_daemon *d)
{
	memset(d, 0, sizeof(*d));
	d->ready_fd = -1;
	d->mode = -1;
	d->notify_fd = -1;
}

int xp_abspath(const char *path, char *out, size_t len)
{
	char cwd[4096];

	if (path[0] == '/') {
		if ((size_t)snprintf(out, len, "%s", path) >= len)
			return -1;
		return 0;
	}
	if (!getcwd(cwd, sizeof(cwd)))
		return -1;
	if ((size_t)snprintf(out, len, "%s/%s", cwd, path) >= len)
		return -1;
	return 0;
}

static bool log_file_set;

bool xp_log_to_file(void)
{
	return log_file_set;
}

int xp_log_option(const char *spec, char *msg, size_t msglen)
{
	char buf[600], file[512] = "", *tok, *save = NULL;
	int level = -1, rc;

	snprintf(buf, sizeof(buf), "%s", spec);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (strncmp(tok, "level=", 6) == 0) {
			if ((level = log_level_parse(tok + 6)) < 0) {
				snprintf(msg, msglen, "--log: unknown level '%s' (none, error, warn, info, debug)", tok + 6);
				return -1;
			}
		} else if (strncmp(tok, "file=", 5) == 0) {
			snprintf(file, sizeof(file), "%s", tok + 5);
		} else if (!file[0] && !strchr(tok, '=')) {
			snprintf(file, sizeof(file), "%s", tok);
		} else {
			snprintf(msg, msglen, "--log: unknown element '%s' (FILE, file=FILE, level=LEVEL)", tok);
			return -1;
		}
	}
	if (file[0]) {
		char abs[600];
		if (xp_abspath(file, abs, sizeof(abs)) != 0 || (rc = log_set_file(abs)) != 0) {
			snprintf(msg, msglen, "--log: cannot open %s: %s", file, strerror(errno));
			return -1;
		}
		log_file_set = true;
	}
	log_set_level(level >= 0 ? (enum log_level)level : file[0] ? LOG_INFO : LOG_WARN);
	return 0;
}

int xp_parse_mode(const char *s, int *mode)
{
	char *end;
	long v;

	if (!*s || strspn(s, "01234567") != strlen(s))
		return -1;
	v = strtol(s, &end, 8);
	if (*end || v < 0 || v > 07777)
		return -1;
	*mode = (int)v;
	return 0;
}

int xp_daemon_resolve(struct xp_daemon *d, char *msg, size_t msglen)
{
	if (d->runas[0]) {
		struct passwd *pw = getpwnam(d->runas);
		if (!pw) {
			char *end;
			long id = strtol(d->runas, &end, 10);
			if (*end || id < 0 || !(pw = getpwuid((uid_t)id))) {
				snprintf(msg, msglen, "--runas: no user '%s'", d->runas);
				return -1;
			}
		}
		d->uid = pw->pw_uid;
		d->gid = pw->pw_gid;
		d->have_user = true;
		if (geteuid() != 0 && geteuid() != d->uid) {
			snprintf(msg, msglen, "--runas %s needs root", d->runas);
			return -1;
		}
	}
	if (d->group[0]) {
		struct group *gr = getgrnam(d->group);
		if (!gr) {
			char *end;
			long id = strtol(d->group, &end, 10);
			if (*end || id < 0 || !(gr = getgrgid((gid_t)id))) {
				snprintf(msg, msglen, "--group: no group '%s'", d->group);
				return -1;
			}
		}
		d->node_gid = gr->gr_gid;
		d->have_group = true;
	}
	return 0;
}

static int write_text(const char *path, const char *text)
{
	char tmp[600];
	int fd;
	size_t n = strlen(text);

	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	if (write(fd, text, n) != (ssize_t)n || fsync(fd) != 0) {
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	if (rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* The waiting parent: exit 0 once the child says it serves, else its failure. */
static void parent_wait(pid_t child, int fd)
{
	char c = 0;
	ssize_t n;
	int st;

	do
		n = read(fd, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n == 1 && c == 'R')
		_exit(0);
	if (waitpid(child, &st, 0) == child && WIFEXITED(st) && WEXITSTATUS(st) != 0)
		_exit(WEXITSTATUS(st));
	_exit(1);
}

int xp_daemon_start(struct xp_daemon *d, char *msg, size_t msglen)
{
	if (!d->foreground) {
		int p[2];
		pid_t pid;

		if (pipe2(p, O_CLOEXEC) != 0) {
			snprintf(msg, msglen, "pipe: %s", strerror(errno));
			return -1;
		}
		fflush(NULL);
		pid = fork();
		if (pid < 0) {
			snprintf(msg, msglen, "fork: %s", strerror(errno));
			return -1;
		}
		if (pid > 0) {
			close(p[1]);
			parent_wait(pid, p[0]);
		}
		close(p[0]);
		d->notify_fd = p[1];
		setsid();
		if (chdir("/") != 0)
			log_warn("cannot change to /: %s", strerror(errno));
	}
	if (d->pid_file[0]) {
		char text[32];
		snprintf(text, sizeof(text), "%d\n", (int)getpid());
		if (write_text(d->pid_file, text) != 0) {
			snprintf(msg, msglen, "cannot write the pid file %s: %s", d->pid_file, strerror(errno));
			return -1;
		}
		d->pid_written = true;
	}
	return 0;
}

int xp_daemon_as_user(struct xp_daemon *d, int (*fn)(void *ctx), void *ctx)
{
	int rc, e;

	if (!d->have_user || geteuid() != 0)
		return fn(ctx);
	if (setegid(d->gid) != 0 || seteuid(d->uid) != 0) {
		e = errno;
		if (seteuid(0) != 0 || setegid(0) != 0)
			abort();
		errno = e;
		return -1;
	}
	rc = fn(ctx);
	/* Back to root until the node exists; a failure here would leave us half-dropped. */
	if (seteuid(0) != 0 || setegid(0) != 0)
		abort();
	return rc;
}

int xp_daemon_node_perms(struct xp_daemon *d, const char *path, char *msg, size_t msglen)
{
	uid_t uid = d->have_user ? d->uid : (uid_t)-1;
	gid_t gid = d->have_group ? d->node_gid : (gid_t)-1;

	if ((uid != (uid_t)-1 || gid != (gid_t)-1) && chown(path, uid, gid) != 0) {
		snprintf(msg, msglen, "cannot chown %s: %s", path, strerror(errno));
		return -1;
	}
	if (d->mode >= 0 && chmod(path, (mode_t)d->mode) != 0) {
		snprintf(msg, msglen, "cannot chmod %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int xp_daemon_drop(struct xp_daemon *d, char *msg, size_t msglen)
{
	if (!d->have_user || (getuid() == d->uid && geteuid() == d->uid))
		return 0;
	if (setgroups(1, &d->gid) != 0 || setgid(d->gid) != 0 || setuid(d->uid) != 0) {
		snprintf(msg, msglen, "cannot drop root for %s: %s", d->runas, strerror(errno));
		return -1;
	}
	/* Make sure there is no way back. */
	if (d->uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		snprintf(msg, msglen, "dropping root for %s did not stick", d->runas);
		return -1;
	}
	log_info("running as %s (uid %u, gid %u)", d->runas, (unsigned)d->uid, (unsigned)d->gid);
	return 0;
}

void xp_daemon_ready(struct xp_daemon *d, const char *what)
{
	char text[700];

	snprintf(text, sizeof(text), "pid=%d\n%s\n", (int)getpid(), what);
	if (d->ready_file[0]) {
		if (write_text(d->ready_file, text) != 0)
			log_error("cannot write the ready file %s: %s", d->ready_file, strerror(errno));
		else
			d->ready_written = true;
	}
	if (d->ready_fd >= 0) {
		if (write(d->ready_fd, "READY=1\n", 8) != 8)
			log_warn("cannot signal readiness on fd %d: %s", d->ready_fd, strerror(errno));
		close(d->ready_fd);
		d->ready_fd = -1;
	}
	if (d->notify_fd >= 0) {
		int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (write(d->notify_fd, "R", 1) != 1)
			log_warn("cannot tell the starting process: %s", strerror(errno));
		close(d->notify_fd);
		d->notify_fd = -1;
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			if (fd > 2)
				close(fd);
		}
	}
}

void xp_daemon_finish(struct xp_daemon *d)
{
	if (d->ready_written && unlink(d->ready_file) != 0)
		log_warn("cannot remove %s: %s", d->ready_file, strerror(errno));
	if (d->pid_written && unlink(d->pid_file) != 0)
		log_warn("cannot remove %s: %s", d->pid_file, strerror(errno));
	d->ready_written = d->pid_written = false;
}

static volatile sig_atomic_t *sig_flag;
static void (*sig_cb)(void *);
static void *sig_ctx;

static void on_signal(int sig)
{
	*sig_flag = sig;
	if (sig_cb)
		sig_cb(sig_ctx);
}

int xp_daemon_signals(volatile sig_atomic_t *flag, void (*cb)(void *ctx), void *ctx)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };
	struct sigaction sa;

	sig_flag = flag;
	sig_cb = cb;
	sig_ctx = ctx;
	memset(&sa, 0, sizeof(sa));
	/* No SA_RESTART: a blocking read in the serving loop must return EINTR. */
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], &sa, NULL) != 0)
			return -1;
	sa.sa_handler = SIG_IGN;
	return sigaction(SIGPIPE, &sa, NULL);
}
