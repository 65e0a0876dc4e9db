/*
 * cuse_echo: proof that a CUSE character device with a pointer-chasing
 * ("unrestricted") ioctl works, and a probe of CUSE's limits.
 *
 *   cuse_echo serve NAME            serve /dev/NAME until SIGINT/SIGTERM
 *   cuse_echo client NAME [N [LEN]] N echo ioctls of LEN bytes (default
 *                                   1000 x 64), verified; prints the mean
 *                                   latency per ioctl
 *   cuse_echo selftest              server in a child, client, limits,
 *                                   duplicate-name behaviour; exit 0 = pass,
 *                                   77 = skipped (no /dev/cuse)
 *
 * The echo ioctl takes a struct echo_req holding two user pointers.  The
 * kernel, in unrestricted mode, hands the server nothing at first; the
 * server asks for what it needs with FUSE_IOCTL_RETRY, one round per level
 * of indirection:
 *   1. no data yet         -> retry: in = out = the struct
 *   2. struct, no buffers  -> retry: in = struct + in buffer,
 *                                    out = struct + out buffer
 *   3. struct + in buffer  -> reply with the struct (done = len) followed by
 *                             the transformed bytes; the kernel scatters the
 *                             reply over the out iovecs of the last retry.
 * Which round we are in is decided from the sizes the kernel delivered, not
 * counted, so a caller that changes len between rounds just gets re-asked.
 */
#define FUSE_USE_VERSION 314

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fuse3/cuse_lowlevel.h>

struct echo_req {
	uint64_t in_ptr;	/* caller's input bytes */
	uint64_t out_ptr;	/* where the transformed bytes go */
	uint32_t len;		/* bytes in each buffer */
	uint32_t done;		/* out: bytes transformed */
};

#define ECHO_IOC	_IOWR('E', 1, struct echo_req)
#define ECHO_XOR	0xa5

/* Per-direction ioctl limit: the connection's max_pages (32) pages. */
#define CUSE_IOCTL_MAX	(32u * 4096u)
#define ECHO_MAX_LEN	(CUSE_IOCTL_MAX - (uint32_t)sizeof(struct echo_req))

static uint8_t echo_byte(uint8_t b, uint32_t i)
{
	return (uint8_t)(b ^ ECHO_XOR ^ (uint8_t)i);
}

/* ---- server ------------------------------------------------------------------ */

/* FUSE_IOCTL requests seen per round; shared with the selftest parent. */
static unsigned long *round_count;

struct server {
	struct fuse_session *se;
	int detect_rejection;	/* check whether the kernel accepted us */
	int init_done;		/* CUSE_INIT answered */
	int rejected;		/* ... and the kernel aborted the connection */
};

static void echo_open(fuse_req_t req, struct fuse_file_info *fi)
{
	fuse_reply_open(req, fi);
}

static void echo_release(fuse_req_t req, struct fuse_file_info *fi)
{
	(void)fi;
	fuse_reply_err(req, 0);
}

static void echo_ioctl(fuse_req_t req, int cmd, void *arg,
		       struct fuse_file_info *fi, unsigned int flags,
		       const void *in_buf, size_t in_bufsz, size_t out_bufsz)
{
	const size_t hdr = sizeof(struct echo_req);
	struct iovec in_iov[2], out_iov[2];
	struct echo_req er;
	const uint8_t *src;
	uint8_t *dst;
	uint32_t i;

	(void)fi;
	if ((unsigned int)cmd != ECHO_IOC) {
		fuse_reply_err(req, ENOTTY);
		return;
	}
	/* 32-bit callers would need compat pointer handling: not ours. */
	if (flags & FUSE_IOCTL_COMPAT) {
		fuse_reply_err(req, EINVAL);
		return;
	}

	in_iov[0].iov_base = arg;
	in_iov[0].iov_len = hdr;
	out_iov[0] = in_iov[0];

	if (in_bufsz < hdr || out_bufsz < hdr) {
		/* Round 1: we know nothing but the struct's address. */
		if (round_count)
			round_count[0]++;
		fuse_reply_ioctl_retry(req, in_iov, 1, out_iov, 1);
		return;
	}

	memcpy(&er, in_buf, hdr);
	if (in_bufsz != hdr + er.len || out_bufsz != hdr + er.len) {
		/* Round 2 (or len changed under us): fetch the buffers. */
		if (round_count)
			round_count[1]++;
		in_iov[1].iov_base = (void *)(uintptr_t)er.in_ptr;
		in_iov[1].iov_len = er.len;
		out_iov[1].iov_base = (void *)(uintptr_t)er.out_ptr;
		out_iov[1].iov_len = er.len;
		fuse_reply_ioctl_retry(req, in_iov, 2, out_iov, 2);
		return;
	}

	/* Round 3: everything is here. */
	if (round_count)
		round_count[2]++;
	dst = malloc(er.len ? er.len : 1);
	if (!dst) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	src = (const uint8_t *)in_buf + hdr;
	for (i = 0; i < er.len; i++)
		dst[i] = echo_byte(src[i], i);
	er.done = er.len;

	/* Reply data is copied over out_iov[0], then out_iov[1]. */
	out_iov[0].iov_base = &er;
	out_iov[0].iov_len = hdr;
	out_iov[1].iov_base = dst;
	out_iov[1].iov_len = er.len;
	fuse_reply_ioctl_iov(req, 0, out_iov, 2);
	free(dst);
}

/*
 * libfuse answers CUSE_INIT and then calls init_done; the kernel has
 * processed the answer by then (synchronously, inside the write).  If it
 * refused the device (a name already taken), it aborted the connection
 * without a message, and the next read makes libfuse's loop return 0 as if
 * unmounted.  An aborted connection polls as POLLERR, so check that here.
 */
static void echo_init_done(void *userdata)
{
	struct server *s = userdata;
	struct pollfd pfd;

	s->init_done = 1;
	if (!s->detect_rejection)
		return;
	pfd.fd = fuse_session_fd(s->se);
	pfd.events = POLLIN;
	pfd.revents = 0;
	if (poll(&pfd, 1, 0) >= 0 && (pfd.revents & POLLERR)) {
		s->rejected = 1;
		fuse_session_exit(s->se);
	}
}

static const struct cuse_lowlevel_ops echo_ops = {
	.init_done = echo_init_done,
	.open = echo_open,
	.release = echo_release,
	.ioctl = echo_ioctl,
};

/*
 * Serve /dev/NAME until a signal.  Returns 0 on a clean stop, 1 on failure;
 * with detect_rejection == 0 it returns whatever plain libfuse would.
 */
static int serve(const char *name, int detect_rejection)
{
	char devname[128];
	const char *dev_info[] = { devname };
	char *argv[] = { "cuse_echo", "-f", "-s", NULL };
	struct cuse_info ci;
	struct server s;
	int mt, res;

	if (snprintf(devname, sizeof(devname), "DEVNAME=%s", name) >=
	    (int)sizeof(devname)) {
		fprintf(stderr, "cuse_echo: name too long\n");
		return 1;
	}
	memset(&ci, 0, sizeof(ci));
	ci.dev_info_argc = 1;
	ci.dev_info_argv = dev_info;
	ci.flags = CUSE_UNRESTRICTED_IOCTL;

	memset(&s, 0, sizeof(s));
	s.detect_rejection = detect_rejection;
	s.se = cuse_lowlevel_setup(3, argv, &ci, &echo_ops, &mt, &s);
	if (!s.se)
		return 1;
	res = fuse_session_loop(s.se);
	cuse_lowlevel_teardown(s.se);

	/* Plain libfuse (like cuse_lowlevel_main): the loop's result only. */
	if (!detect_rejection)
		return res == 0 ? 0 : 1;
	if (s.rejected) {
		fprintf(stderr, "cuse_echo: kernel refused /dev/%s (name already taken?)\n",
			name);
		return 1;
	}
	if (!s.init_done) {
		fprintf(stderr, "cuse_echo: connection ended before CUSE_INIT\n");
		return 1;
	}
	return res == 0 || res == SIGTERM || res == SIGINT ? 0 : 1;
}

/* ---- client ------------------------------------------------------------------ */

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* open /dev/NAME; the node can exist a moment before its cdev does. */
static int open_dev(const char *name, double wait_s)
{
	char path[160];
	double end = now_us() + wait_s * 1e6;
	int fd;

	snprintf(path, sizeof(path), "/dev/%s", name);
	for (;;) {
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd >= 0 || (errno != ENXIO && errno != ENOENT) || now_us() > end)
			return fd;
		usleep(10000);
	}
}

/* One echo ioctl of len bytes; 0 if the result verified, else -errno/-EBADMSG. */
static int echo_once(int fd, uint8_t *in, uint8_t *out, uint32_t len,
		     uint32_t seed)
{
	struct echo_req er;
	uint32_t i;

	for (i = 0; i < len; i++)
		in[i] = (uint8_t)(seed * 31u + i * 7u);
	memset(out, 0, len);
	er.in_ptr = (uintptr_t)in;
	er.out_ptr = (uintptr_t)out;
	er.len = len;
	er.done = 0;
	if (ioctl(fd, ECHO_IOC, &er) != 0)
		return -errno;
	if (er.done != len)
		return -EBADMSG;
	for (i = 0; i < len; i++)
		if (out[i] != echo_byte(in[i], i))
			return -EBADMSG;
	return 0;
}

/* N verified echoes of len bytes; *mean_us gets the mean latency. */
static int run_client(int fd, long n, uint32_t len, double *mean_us)
{
	uint8_t *in = malloc(len ? len : 1), *out = malloc(len ? len : 1);
	double t0;
	long i;
	int rc = 0;

	if (!in || !out) {
		free(in);
		free(out);
		return -ENOMEM;
	}
	t0 = now_us();
	for (i = 0; i < n && rc == 0; i++)
		rc = echo_once(fd, in, out, len, (uint32_t)i);
	*mean_us = n ? (now_us() - t0) / (double)n : 0;
	free(in);
	free(out);
	return rc;
}

static int client(const char *name, long n, uint32_t len)
{
	double mean;
	int fd, rc;

	fd = open_dev(name, 5);
	if (fd < 0) {
		fprintf(stderr, "cuse_echo: open /dev/%s: %s\n", name, strerror(errno));
		return 1;
	}
	rc = run_client(fd, n, len, &mean);
	close(fd);
	if (rc) {
		fprintf(stderr, "cuse_echo: echo failed: %s\n", strerror(-rc));
		return 1;
	}
	printf("cuse_echo: %ld echo ioctls of %u bytes: %.1f us per ioctl\n",
	       n, len, mean);
	return 0;
}

/* ---- selftest ---------------------------------------------------------------- */

static int passes, failures;

static void check(int ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok  " : "FAIL", what);
	if (ok)
		passes++;
	else
		failures++;
}

/* Fork a server; quiet sends its stderr to /dev/null (expected failures). */
static pid_t spawn_server(const char *name, int detect_rejection, int quiet)
{
	pid_t pid = fork();
	int fd;

	if (pid == 0) {
		if (quiet) {
			fd = open("/dev/null", O_WRONLY);
			if (fd >= 0)
				dup2(fd, STDERR_FILENO);
		}
		_exit(serve(name, detect_rejection));
	}
	return pid;
}

/* Wait up to wait_s for pid; its wait status, or -1 if still running. */
static int wait_exit(pid_t pid, double wait_s)
{
	double end = now_us() + wait_s * 1e6;
	int st;

	for (;;) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return st;
		if (now_us() > end)
			return -1;
		usleep(10000);
	}
}

static int wait_node(const char *name, pid_t server, double wait_s)
{
	char path[160];
	double end = now_us() + wait_s * 1e6;
	struct stat st;
	int wst;

	snprintf(path, sizeof(path), "/dev/%s", name);
	while (stat(path, &st) != 0) {
		if (waitpid(server, &wst, WNOHANG) == server || now_us() > end)
			return -1;
		usleep(10000);
	}
	return 0;
}

static int selftest(void)
{
	static const uint32_t sizes[] = { 0, 1, 24, 4096, 65536, ECHO_MAX_LEN };
	char name[64], msg[160], path[80];
	uint8_t *in, *out;
	unsigned long before[3];
	double mean;
	pid_t srv, dupl;
	size_t k;
	int fd, rc, st;

	if (access("/dev/cuse", F_OK) != 0) {
		printf("selftest: skipped: no /dev/cuse (run it under scripts/vm-test.sh)\n");
		return 77;
	}
	round_count = mmap(NULL, 3 * sizeof(*round_count), PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (round_count == MAP_FAILED)
		return 1;
	in = malloc(CUSE_IOCTL_MAX);
	out = malloc(CUSE_IOCTL_MAX);
	if (!in || !out)
		return 1;
	snprintf(name, sizeof(name), "cuse_echo_%ld", (long)getpid());
	snprintf(path, sizeof(path), "/dev/%s", name);
	fflush(stdout);
	srv = spawn_server(name, 1, 0);
	if (srv < 0 || wait_node(name, srv, 10) != 0) {
		fprintf(stderr, "cuse_echo: server did not create %s\n", path);
		if (srv > 0)
			kill(srv, SIGKILL);
		return 1;
	}
	check(1, "server created the device node");
	fd = open_dev(name, 5);
	if (fd < 0) {
		fprintf(stderr, "cuse_echo: open %s: %s\n", path, strerror(errno));
		kill(srv, SIGKILL);
		return 1;
	}

	/* Correctness over sizes up to the limit, then latency. */
	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		rc = echo_once(fd, in, out, sizes[k], (uint32_t)k);
		snprintf(msg, sizeof(msg), "echo %u bytes (%s)", sizes[k],
			 rc ? strerror(-rc) : "verified");
		check(rc == 0, msg);
	}
	rc = echo_once(fd, in, out, ECHO_MAX_LEN + 1, 1);
	snprintf(msg, sizeof(msg),
		 "echo %u bytes (%u with the struct, 1 over 128 KiB) fails with ENOMEM (%s)",
		 ECHO_MAX_LEN + 1, CUSE_IOCTL_MAX + 1, rc ? strerror(-rc) : "succeeded");
	check(rc == -ENOMEM, msg);
	rc = ioctl(fd, _IOWR('E', 2, struct echo_req), in) ? -errno : 0;
	check(rc == -ENOTTY, "unknown ioctl number fails with ENOTTY");

	memcpy(before, round_count, sizeof(before));
	rc = run_client(fd, 1000, 64, &mean);
	printf("latency: 64-byte echo: %.1f us per ioctl\n", mean);
	check(rc == 0, "1000 echo ioctls of 64 bytes verified");
	snprintf(msg, sizeof(msg),
		 "1000 echo ioctls took %lu + %lu + %lu FUSE requests (rounds 1, 2, 3)",
		 round_count[0] - before[0], round_count[1] - before[1],
		 round_count[2] - before[2]);
	check(round_count[0] - before[0] == 1000 && round_count[1] - before[1] == 1000 &&
	      round_count[2] - before[2] == 1000, msg);
	rc = run_client(fd, 100, 4096, &mean);
	printf("latency: 4 KiB echo: %.1f us per ioctl\n", mean);
	check(rc == 0, "100 echo ioctls of 4 KiB verified");
	rc = run_client(fd, 20, ECHO_MAX_LEN, &mean);
	printf("latency: %u-byte echo: %.1f us per ioctl\n", ECHO_MAX_LEN, mean);
	check(rc == 0, "20 echo ioctls of the maximum size verified");
	free(in);
	free(out);

	/* A second server with the same name: plain libfuse exits 0 silently. */
	fflush(stdout);
	dupl = spawn_server(name, 0, 1);
	st = dupl > 0 ? wait_exit(dupl, 10) : -1;
	if (st == -1 && dupl > 0) {
		kill(dupl, SIGKILL);
		waitpid(dupl, NULL, 0);
	}
	check(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "duplicate name: plain libfuse server exits with status 0");
	fflush(stdout);
	dupl = spawn_server(name, 1, 1);
	st = dupl > 0 ? wait_exit(dupl, 10) : -1;
	if (st == -1 && dupl > 0) {
		kill(dupl, SIGKILL);
		waitpid(dupl, NULL, 0);
	}
	check(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 1,
	      "duplicate name: POLLERR check in init_done detects the refusal");
	rc = echo_once(fd, (uint8_t[4]){ 0 }, (uint8_t[4]){ 0 }, 4, 9);
	check(rc == 0, "first server still answers after the duplicate attempts");
	close(fd);

	/* Stop the server: SIGTERM, clean exit, node gone. */
	kill(srv, SIGTERM);
	st = wait_exit(srv, 10);
	if (st == -1) {
		kill(srv, SIGKILL);
		waitpid(srv, NULL, 0);
	}
	check(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "server exits 0 on SIGTERM");
	check(access(path, F_OK) != 0, "device node removed after the server exits");

	printf("selftest: %d passed, %d failed\n", passes, failures);
	return failures ? 1 : 0;
}

/* ---- main -------------------------------------------------------------------- */

static int usage(void)
{
	fprintf(stderr, "usage: cuse_echo serve NAME\n"
			"       cuse_echo client NAME [N [LEN]]\n"
			"       cuse_echo selftest\n");
	return 2;
}

int main(int argc, char **argv)
{
	long n = 1000, len = 64;
	char *end;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "serve"))
		return serve(argv[2], 1);
	if (argc >= 3 && argc <= 5 && !strcmp(argv[1], "client")) {
		if (argc >= 4) {
			n = strtol(argv[3], &end, 10);
			if (*end || n < 1)
				return usage();
		}
		if (argc == 5) {
			len = strtol(argv[4], &end, 10);
			if (*end || len < 0 || len > (long)ECHO_MAX_LEN)
				return usage();
		}
		return client(argv[2], n, (uint32_t)len);
	}
	if (argc == 2 && !strcmp(argv[1], "selftest"))
		return selftest();
	return usage();
}
