/* Daemon conventions shared by `swsev cuse` and `swsev socket`: background start that
 * returns only once the daemon serves (or with its error), pid file, log option,
 * readiness file / fd, dropping root, permissions of the served node, signals. */
#ifndef SWSEV_XPORT_DAEMON_H
#define SWSEV_XPORT_DAEMON_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct xp_daemon {
	/* options */
	bool foreground;
	char pid_file[512];
	char ready_file[512];
	int ready_fd;  /* -1: none */
	char runas[64];
	int mode;      /* -1: leave the node's mode */
	char group[64];
	/* resolved */
	bool have_user, have_group;
	uid_t uid;
	gid_t gid, node_gid;
	/* runtime */
	int notify_fd; /* to the waiting parent, -1 */
	bool pid_written, ready_written;
};

void xp_daemon_init(struct xp_daemon *d);

/* "--log FILE[,level=L]", "--log level=L" (stderr) or "--log file=F,level=L".  The
 * default level is info when a file is given, warn otherwise.  0 or -1 with msg. */
int xp_log_option(const char *spec, char *msg, size_t msglen);
/* Was a log file given (else the log is stderr)? */
bool xp_log_to_file(void);
/* Mode: octal digits, at most 07777. */
int xp_parse_mode(const char *s, int *mode);

/* Resolves --runas and --group; 0 or -1 with msg. */
int xp_daemon_resolve(struct xp_daemon *d, char *msg, size_t msglen);

/* Unless foreground: forks; the parent waits until the child calls xp_daemon_ready()
 * (exit 0) or dies (its exit status, 1 at least) and never returns.  The child runs in
 * a new session.  Then writes the pid file.  0 in the (child) process that goes on, or
 * -1 with msg. */
int xp_daemon_start(struct xp_daemon *d, char *msg, size_t msglen);

/* Runs fn with the effective ids of --runas (files it creates belong to the user), or
 * plainly without --runas.  Returns fn's result. */
int xp_daemon_as_user(struct xp_daemon *d, int (*fn)(void *ctx), void *ctx);

/* chmod/chown of the served node per --mode and --group (the owner becomes --runas).
 * 0 or -1 with msg. */
int xp_daemon_node_perms(struct xp_daemon *d, const char *path, char *msg, size_t msglen);

/* Drops root for good (supplementary groups, gid, uid) per --runas; 0 or -1 with msg. */
int xp_daemon_drop(struct xp_daemon *d, char *msg, size_t msglen);

/* Serving: writes the ready file (what: "device=/dev/sev0"), signals the ready fd
 * and the waiting parent; a background daemon detaches stdin/stdout/stderr. */
void xp_daemon_ready(struct xp_daemon *d, const char *what);

/* At exit: removes the pid and ready files it wrote. */
void xp_daemon_finish(struct xp_daemon *d);

/* SIGTERM, SIGINT, SIGHUP: handler sets *flag (and calls cb, e.g. fuse_session_exit,
 * from the handler: it must be async-signal-safe).  SIGPIPE ignored. */
int xp_daemon_signals(volatile sig_atomic_t *flag, void (*cb)(void *ctx), void *ctx);

/* An absolute version of path (relative to the current directory) in out. */
int xp_abspath(const char *path, char *out, size_t len);

#endif
