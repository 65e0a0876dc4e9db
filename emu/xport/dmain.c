/* `swsev cuse` / `swsev socket` (dmain.h). */
#include "emu/xport/dmain.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu/crypto/symm.h"
#include "emu/util/log.h"
#include "emu/xport/cuse_srv.h"
#include "emu/xport/daemon.h"
#include "emu/xport/plat.h"
#include "emu/xport/sock_srv.h"
#include "emu/xport/wire.h"

static const char *prog_name = "swsev";

static int err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int err(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s\n", prog_name, buf);
	/* The log's own copy, unless the log is that same stderr. */
	if (xp_log_to_file())
		log_error("%s", buf);
	return 1;
}

static int usage_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_err(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help'.\n", prog_name);
	return 2;
}

static void usage(enum xp_kind kind)
{
	if (kind == XP_KIND_CUSE)
		printf("usage: %s --name NAME --state DIR [options]\n\n"
		       "Serves the emulated SEV platform in DIR as the character device /dev/NAME, with the\n"
		       "kernel's /dev/sev ioctl ABI (SEV_ISSUE_CMD) plus the emulator's guest-command and\n"
		       "control ioctls (emu/drv/swsev_uapi.h).  Needs root and /dev/cuse.  Returns once the\n"
		       "device is ready (exit 0) or with the reason it could not be created (exit 1).\n\n",
		       prog_name);
	else
		printf("usage: %s --path SOCKET --state DIR [options]\n\n"
		       "Serves the emulated SEV platform in DIR on a Unix socket (psp/ backend unix:SOCKET,\n"
		       "protocol in emu/xport/wire.h): one connection is one descriptor of the device.\n"
		       "No root needed.  Returns once it serves (exit 0) or with the reason it cannot.\n\n",
		       prog_name);
	printf("platform (used when DIR is first created, as the emu: backend's options):\n"
	       "  --state DIR          state directory (required)\n"
	       "  --seed HEX           deterministic: every random value from a DRBG seeded with HEX\n"
	       "  --seed-file FILE     the same, HEX read from FILE (keeps it out of ps)\n"
	       "  --root DIR           emulated AMD root (default: DIR/amd-root when seeded)\n"
	       "  --profile P          driver profile: probe-init|lazy|transient[,cap-sys-admin][,init-ex=PATH]\n"
	       "  --api MAJ.MIN, --build N, --asids N, --min-sev-asid N, --guests N, --es 0|1,\n"
	       "  --cbit N, --sockets 1|2   the emulated part\n"
	       "  --no-create          fail if DIR holds no platform yet\n"
	       "daemon:\n"
	       "  -f, --foreground     stay in the foreground (default: background once ready)\n"
	       "  --pid FILE           write the daemon's pid to FILE\n"
	       "  --log FILE[,level=L] log to FILE (level none|error|warn|info|debug; default info);\n"
	       "                       --log level=L logs to stderr.  Key material is never logged.\n"
	       "  --ready FILE         written (pid=, %s) once serving; removed at exit\n"
	       "  --ready-fd N         \"READY=1\" written to fd N once serving, then closed\n"
	       "  --runas USER         drop root after %s (DIR must be USER's)\n"
	       "  --mode OCTAL         mode of %s (default %s)\n"
	       "  --group NAME         group of %s\n",
	       kind == XP_KIND_CUSE ? "device=/dev/NAME" : "socket=SOCKET",
	       kind == XP_KIND_CUSE ? "/dev/cuse is opened and the device set up" : "binding the socket",
	       kind == XP_KIND_CUSE ? "/dev/NAME" : "the socket", kind == XP_KIND_CUSE ? "0600" : "0600",
	       kind == XP_KIND_CUSE ? "/dev/NAME" : "the socket");
	if (kind == XP_KIND_CUSE)
		printf("  --max-ioctl BYTES    CUSE's per-ioctl limit each way (default 131072; raise it only if\n"
		       "                       the kernel's fuse max_pages is higher)\n");
	else
		printf("  --max-request BYTES  caller memory one ioctl may move (default %u)\n"
		       "  --max-conns N        simultaneous connections (default %u)\n",
		       XPW_MAX_REQUEST_DEFAULT, XP_SOCK_MAX_CONNS);
	printf("\nSIGTERM, SIGINT or SIGHUP stop it: open descriptors are released (their guests torn\n"
	       "down), the platform shut down and its state written.\n");
}

enum {
	O_NAME = 256, O_PATH, O_STATE, O_SEED, O_SEED_FILE, O_ROOT, O_PROFILE, O_API, O_BUILD, O_ASIDS, O_MINASID,
	O_GUESTS, O_ES, O_CBIT, O_SOCKETS, O_NOCREATE, O_PID, O_LOG, O_READY, O_READY_FD, O_RUNAS, O_MODE, O_GROUP,
	O_MAX, O_MAXREQ, O_CONNS, O_HELP,
};

static const struct option long_opts[] = {
	{ "name", required_argument, NULL, O_NAME },
	{ "path", required_argument, NULL, O_PATH },
	{ "state", required_argument, NULL, O_STATE },
	{ "seed", required_argument, NULL, O_SEED },
	{ "seed-file", required_argument, NULL, O_SEED_FILE },
	{ "root", required_argument, NULL, O_ROOT },
	{ "profile", required_argument, NULL, O_PROFILE },
	{ "api", required_argument, NULL, O_API },
	{ "build", required_argument, NULL, O_BUILD },
	{ "asids", required_argument, NULL, O_ASIDS },
	{ "min-sev-asid", required_argument, NULL, O_MINASID },
	{ "guests", required_argument, NULL, O_GUESTS },
	{ "es", required_argument, NULL, O_ES },
	{ "cbit", required_argument, NULL, O_CBIT },
	{ "sockets", required_argument, NULL, O_SOCKETS },
	{ "no-create", no_argument, NULL, O_NOCREATE },
	{ "foreground", no_argument, NULL, 'f' },
	{ "pid", required_argument, NULL, O_PID },
	{ "log", required_argument, NULL, O_LOG },
	{ "ready", required_argument, NULL, O_READY },
	{ "ready-fd", required_argument, NULL, O_READY_FD },
	{ "runas", required_argument, NULL, O_RUNAS },
	{ "mode", required_argument, NULL, O_MODE },
	{ "group", required_argument, NULL, O_GROUP },
	{ "max-ioctl", required_argument, NULL, O_MAX },
	{ "max-request", required_argument, NULL, O_MAXREQ },
	{ "max-conns", required_argument, NULL, O_CONNS },
	{ "help", no_argument, NULL, O_HELP },
	{ NULL, 0, NULL, 0 },
};

static const char *plat_key(int c)
{
	switch (c) {
	case O_SEED: return "seed";
	case O_ROOT: return "root";
	case O_PROFILE: return "profile";
	case O_API: return "api";
	case O_BUILD: return "build";
	case O_ASIDS: return "asids";
	case O_MINASID: return "min-sev-asid";
	case O_GUESTS: return "guests";
	case O_ES: return "es";
	case O_CBIT: return "cbit";
	case O_SOCKETS: return "sockets";
	default: return NULL;
	}
}

static int read_seed_file(struct xp_plat *pl, const char *path, char *msg, size_t msglen)
{
	char buf[1024];
	FILE *f = fopen(path, "re");
	size_t n;
	int rc;

	if (!f) {
		snprintf(msg, msglen, "--seed-file: cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	rc = xp_plat_set(pl, "seed", buf, msg, msglen);
	explicit_bzero(buf, sizeof(buf));
	return rc;
}

static int parse_u32(const char *s, uint32_t *out, uint64_t min, uint64_t max)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

struct open_ctx {
	struct xp_plat *pl;
	struct drv *drv;
	char msg[600];
};

static int open_plat(void *ctx)
{
	struct open_ctx *oc = ctx;

	oc->drv = xp_plat_open(oc->pl, oc->msg, sizeof(oc->msg));
	return oc->drv ? 0 : -1;
}

static int abs_opt(char *dst, size_t len, const char *what)
{
	char tmp[600];

	if (!dst[0])
		return 0;
	if (xp_abspath(dst, tmp, sizeof(tmp)) != 0 || strlen(tmp) >= len)
		return usage_err("%s: path too long", what);
	snprintf(dst, len, "%s", tmp);
	return 0;
}

int xp_daemon_main(int argc, char **argv, enum xp_kind kind, const char *prog)
{
	struct xp_daemon d;
	struct xp_plat pl;
	struct open_ctx oc = { 0 };
	char name[256] = "", path[512] = "", msg[600];
	uint32_t max = 0, conns = 0;
	bool have_log = false;
	int c, rc;

	prog_name = prog;
	xp_daemon_init(&d);
	xp_plat_init(&pl);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f", long_opts, NULL)) != -1) {
		const char *key = plat_key(c);
		if (key) {
			if (xp_plat_set(&pl, key, optarg, msg, sizeof(msg)) != 0) {
				rc = usage_err("--%s: %s", key, msg);
				goto out;
			}
			/* The seed is the root of every key: gone from /proc/PID/cmdline. */
			if (c == O_SEED)
				memset(optarg, 'x', strlen(optarg));
			continue;
		}
		switch (c) {
		case O_NAME:
			if (kind != XP_KIND_CUSE)
				goto unknown;
			snprintf(name, sizeof(name), "%s", optarg);
			break;
		case O_PATH:
			if (kind != XP_KIND_SOCKET)
				goto unknown;
			snprintf(path, sizeof(path), "%s", optarg);
			break;
		case O_STATE:
			snprintf(pl.state_dir, sizeof(pl.state_dir), "%s", optarg);
			break;
		case O_SEED_FILE:
			if (read_seed_file(&pl, optarg, msg, sizeof(msg)) != 0) {
				rc = usage_err("%s", msg);
				goto out;
			}
			break;
		case O_NOCREATE:
			pl.create = false;
			break;
		case 'f':
			d.foreground = true;
			break;
		case O_PID:
			snprintf(d.pid_file, sizeof(d.pid_file), "%s", optarg);
			break;
		case O_LOG:
			if (xp_log_option(optarg, msg, sizeof(msg)) != 0) {
				rc = usage_err("%s", msg);
				goto out;
			}
			have_log = true;
			break;
		case O_READY:
			snprintf(d.ready_file, sizeof(d.ready_file), "%s", optarg);
			break;
		case O_READY_FD: {
			uint32_t fd;
			if (parse_u32(optarg, &fd, 0, 65535) != 0) {
				rc = usage_err("--ready-fd wants a file descriptor number");
				goto out;
			}
			d.ready_fd = (int)fd;
			break;
		}
		case O_RUNAS:
			snprintf(d.runas, sizeof(d.runas), "%s", optarg);
			break;
		case O_MODE:
			if (xp_parse_mode(optarg, &d.mode) != 0) {
				rc = usage_err("--mode wants octal permissions such as 0660");
				goto out;
			}
			break;
		case O_GROUP:
			snprintf(d.group, sizeof(d.group), "%s", optarg);
			break;
		case O_MAX:
		case O_MAXREQ:
			if ((c == O_MAX) != (kind == XP_KIND_CUSE))
				goto unknown;
			if (parse_u32(optarg, &max, 4096, 1u << 30) != 0) {
				rc = usage_err("%s wants a byte count from 4096", argv[optind - 1]);
				goto out;
			}
			break;
		case O_CONNS:
			if (kind != XP_KIND_SOCKET)
				goto unknown;
			if (parse_u32(optarg, &conns, 1, 65536) != 0) {
				rc = usage_err("--max-conns wants a number from 1");
				goto out;
			}
			break;
		case O_HELP:
			usage(kind);
			rc = 0;
			goto out;
		case ':':
			rc = usage_err("option '%s' needs a value", argv[optind - 1]);
			goto out;
		default:
		unknown:
			rc = usage_err("unknown option '%s'", argv[optind - 1]);
			goto out;
		}
	}
	if (optind < argc) {
		rc = usage_err("unexpected argument '%s'", argv[optind]);
		goto out;
	}
	if (kind == XP_KIND_CUSE && !name[0]) {
		rc = usage_err("--name NAME is required (the device becomes /dev/NAME)");
		goto out;
	}
	if (kind == XP_KIND_SOCKET && !path[0]) {
		rc = usage_err("--path SOCKET is required");
		goto out;
	}
	if (!pl.state_dir[0]) {
		rc = usage_err("--state DIR is required");
		goto out;
	}
	if (!have_log)
		log_set_level(LOG_WARN);
	/* The daemon leaves its working directory: every path absolute now. */
	if ((rc = abs_opt(pl.state_dir, sizeof(pl.state_dir), "--state")) || (rc = abs_opt(pl.root_dir, sizeof(pl.root_dir), "--root")) ||
	    (rc = abs_opt(d.pid_file, sizeof(d.pid_file), "--pid")) || (rc = abs_opt(d.ready_file, sizeof(d.ready_file), "--ready")) ||
	    (rc = abs_opt(path, sizeof(path), "--path")))
		goto out;
	if (pl.drv.init_ex_path[0] && pl.drv.init_ex_path[0] != '/') {
		rc = usage_err("--profile init-ex=PATH needs an absolute PATH");
		goto out;
	}
	/* A socket path in use fails before the platform is opened (which can take seconds). */
	if (kind == XP_KIND_SOCKET && xp_sock_check_path(path, msg, sizeof(msg)) != 0) {
		rc = err("%s", msg);
		goto out;
	}
	if (xp_daemon_resolve(&d, msg, sizeof(msg)) != 0) {
		rc = err("%s", msg);
		goto out;
	}
	if (xp_daemon_start(&d, msg, sizeof(msg)) != 0) {
		rc = err("%s", msg);
		goto out;
	}
	oc.pl = &pl;
	if (xp_daemon_as_user(&d, open_plat, &oc) != 0) {
		rc = err("cannot open the platform: %s", oc.msg[0] ? oc.msg : strerror(errno));
		goto finish;
	}
	xp_plat_clear(&pl);
	if (kind == XP_KIND_CUSE) {
		struct xp_cuse_opts co = { name, oc.drv, &d, max };
		rc = xp_cuse_serve(&co, msg, sizeof(msg));
	} else {
		struct xp_sock_opts so = { path, oc.drv, &d, max, conns };
		rc = xp_sock_serve(&so, msg, sizeof(msg));
	}
	if (rc)
		err("%s", msg);
	/* Module unload: guests torn down, platform shut down, state written. */
	drv_free(oc.drv);
	log_info("stopped");
finish:
	xp_daemon_finish(&d);
out:
	xp_plat_clear(&pl);
	return rc;
}
