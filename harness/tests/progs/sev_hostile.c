/* sev_hostile: callers that do everything wrong, against the emulated device (CUSE
 * /dev/NAME or the socket server).  The server must answer each with the right errno,
 * survive, and keep its state.
 *
 *   sev_hostile abi DEVSPEC     bad pointers, truncated structs, oversize lengths,
 *                               unknown ioctls/commands, memory changing between rounds,
 *                               callers killed mid-command, many opens
 *   sev_hostile proto PATH      socket protocol abuse: garbage, bad framing, lies in
 *                               DATA, disconnects at every step, too many connections
 *   sev_hostile state DEVSPEC   one line: NV digest, PDH hash, guest count (compare
 *                               before/after)
 *
 * DEVSPEC: dev:/dev/NAME (or /dev/NAME) or unix:PATH.  Exit 0 when every check passed. */
#include <pthread.h>
#include <stdarg.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "emu/xport/xport_uapi.h"
#include "harness/tests/progs/xclient.h"

static int passes, failures;
static const char *spec;
static bool is_sock;

static void check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s ", ok ? "ok  " : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (ok)
		passes++;
	else
		failures++;
}

static const char *en(int rc)
{
	static char b[4][32];
	static int k;

	k = (k + 1) % 4;
	snprintf(b[k], sizeof(b[k]), "%s", rc == 0 ? "0" : strerror(-rc));
	return b[k];
}

static void dopen(struct xdev *d, bool writable)
{
	int rc = xd_open(d, spec, writable);

	if (rc) {
		fprintf(stderr, "sev_hostile: cannot open %s: %s\n", spec, strerror(-rc));
		exit(1);
	}
}

static int ctl(struct xdev *d, uint32_t op, uint32_t cmd, uint32_t delay, void *data, uint32_t len)
{
	struct swsev_ctl c = { .op = op, .cmd = cmd, .delay_us = delay, .len = len, .data = (uintptr_t)data };
	return xd_ioctl(d, SWSEV_IOC_CTL, &c);
}

static void last_error(struct xdev *d, char *buf, size_t len)
{
	buf[0] = '\0';
	if (ctl(d, SWSEV_CTL_LAST_ERROR, 0, 0, buf, (uint32_t)len))
		snprintf(buf, len, "(LAST_ERROR failed)");
}

static int issue(struct xdev *d, uint32_t cmd, void *data, uint32_t *error)
{
	struct sev_issue_cmd c = { .cmd = cmd, .data = (uintptr_t)data };
	int rc = xd_ioctl(d, SEV_ISSUE_CMD, &c);

	if (error)
		*error = c.error;
	return rc;
}

static int vm_op(struct xdev *d, uint32_t id, void *data, uint32_t *error)
{
	struct kvm_sev_cmd c = { .id = id, .data = (uintptr_t)data };
	int rc = xd_ioctl(d, SWSEV_IOC_VM_OP, &c);

	if (error)
		*error = c.error;
	return rc;
}

struct state {
	uint8_t nv[32];
	uint64_t pdh;
	uint32_t guests;
	uint64_t open_now;
};

static uint64_t fnv(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static int get_state(struct state *s)
{
	static uint8_t pdh[0x824], chain[0x186c];
	struct sev_user_data_pdh_cert_export e = { (uintptr_t)pdh, sizeof(pdh), (uintptr_t)chain, sizeof(chain) };
	struct sev_user_data_status st;
	struct swsev_xport_stats xs;
	struct xdev d;
	int rc;

	memset(s, 0, sizeof(*s));
	dopen(&d, false);
	if ((rc = ctl(&d, SWSEV_CTL_NV_DIGEST, 0, 0, s->nv, 32)) || (rc = issue(&d, SEV_PLATFORM_STATUS, &st, NULL)))
		goto out;
	s->guests = st.guest_count;
	/* Only when INIT: an export would INIT the platform, and a read-only fd may not. */
	if (st.state != 0 && (rc = issue(&d, SEV_PDH_CERT_EXPORT, &e, NULL)) == 0)
		s->pdh = fnv(pdh, sizeof(pdh)) ^ fnv(chain, sizeof(chain));
	if (ctl(&d, SWSEV_CTL_XPORT_STATS, 0, 0, &xs, sizeof(xs)) == 0)
		s->open_now = xs.open_now - 1; /* not counting this descriptor */
	rc = 0;
out:
	xd_close(&d);
	return rc;
}

/* Memory a caller should not have: an unmapped page (after a mapped one, so a struct can
 * run into it) and a read-only page. */
static uint8_t *hole, *ro_page;

static void setup_pages(void)
{
	uint8_t *m = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED)
		exit(1);
	hole = m + 4096;
	munmap(hole, 4096);
	ro_page = m + 3 * 4096;
	mprotect(ro_page, 4096, PROT_READ);
	memset(m, 0, 4096);
}

static void t_bad_pointers(void)
{
	struct xdev d;
	struct sev_user_data_status *st_ro = (void *)ro_page;
	struct sev_user_data_pek_csr *csr_straddle;
	struct sev_user_data_pek_csr pc = { (uintptr_t)hole, 0x824 };
	struct sev_user_data_pek_cert_import pi = { (uintptr_t)hole, 0x824, (uintptr_t)hole, 0x824 };
	static uint8_t pdh[0x824];
	struct sev_user_data_pdh_cert_export pe = { (uintptr_t)pdh, sizeof(pdh), (uintptr_t)ro_page, 0x186c };
	struct sev_issue_cmd c;
	char why[256];
	int rc;

	dopen(&d, true);
	rc = xd_ioctl(&d, SEV_ISSUE_CMD, NULL);
	check(rc == -EFAULT, "SEV_ISSUE_CMD with a NULL argument: %s", en(rc));
	rc = xd_ioctl(&d, SEV_ISSUE_CMD, (void *)1);
	check(rc == -EFAULT, "SEV_ISSUE_CMD with argument 0x1: %s", en(rc));
	rc = xd_ioctl(&d, SEV_ISSUE_CMD, (void *)(uintptr_t)0xffff888000000000ull);
	check(rc == -EFAULT, "SEV_ISSUE_CMD with a kernel address: %s", en(rc));
	rc = xd_ioctl(&d, SEV_ISSUE_CMD, hole);
	check(rc == -EFAULT, "SEV_ISSUE_CMD with an unmapped argument: %s", en(rc));
	/* The struct's first 8 bytes are mapped, the rest is not. */
	rc = xd_ioctl(&d, SEV_ISSUE_CMD, hole - 8);
	check(rc == -EFAULT, "SEV_ISSUE_CMD struct running into an unmapped page (truncated): %s", en(rc));
	rc = issue(&d, SEV_PLATFORM_STATUS, hole, NULL);
	check(rc == -EFAULT, "PLATFORM_STATUS into an unmapped page: %s", en(rc));
	rc = issue(&d, SEV_PLATFORM_STATUS, st_ro, NULL);
	check(rc == -EFAULT, "PLATFORM_STATUS into a read-only page: %s", en(rc));
	csr_straddle = (void *)(hole - 8);
	rc = issue(&d, SEV_PEK_CSR, csr_straddle, NULL);
	check(rc == -EFAULT, "PEK_CSR struct truncated by an unmapped page: %s", en(rc));
	rc = issue(&d, SEV_PEK_CSR, &pc, NULL);
	check(rc == -EFAULT, "PEK_CSR into an unmapped buffer: %s", en(rc));
	rc = issue(&d, SEV_PEK_CERT_IMPORT, &pi, NULL);
	check(rc == -EFAULT, "PEK_CERT_IMPORT from unmapped certificates: %s", en(rc));
	rc = issue(&d, SEV_PDH_CERT_EXPORT, &pe, NULL);
	check(rc == -EFAULT, "PDH_CERT_EXPORT chain into a read-only page: %s", en(rc));
	/* After all that, the descriptor still works and says why the last one failed. */
	memset(&c, 0, sizeof(c));
	rc = issue(&d, SEV_PLATFORM_STATUS, &(struct sev_user_data_status){ 0 }, NULL);
	check(rc == 0, "PLATFORM_STATUS on the same descriptor afterwards: %s", en(rc));
	rc = xd_ioctl(&d, SEV_ISSUE_CMD, NULL);
	last_error(&d, why, sizeof(why));
	check(rc == -EFAULT && strstr(why, "not readable"), "LAST_ERROR after a NULL argument: \"%s\"", why);
	xd_close(&d);
}

static void t_oversize(void)
{
	static uint8_t big[200000];
	struct sev_user_data_pek_csr pc = { (uintptr_t)big, 0xffffffff };
	struct sev_user_data_pek_cert_import pi = { (uintptr_t)big, 0x10000000, (uintptr_t)big, 0x824 };
	struct sev_user_data_get_id2 id2 = { (uintptr_t)big, sizeof(big) };
	struct sev_user_data_pdh_cert_export pe = { (uintptr_t)big, 0x100000, (uintptr_t)big, 0x100000 };
	struct swsev_guest_view gv = { .addr = (uintptr_t)big, .buf = (uintptr_t)big, .len = 0x7ffffff0 };
	struct swsev_vcpus vc = { (uintptr_t)big, 100000, 0 };
	char why[256];
	uint32_t error;
	struct xdev d;
	int rc;

	dopen(&d, true);
	rc = issue(&d, SEV_PEK_CSR, &pc, NULL);
	check(rc == -EFAULT, "PEK_CSR length 0xffffffff: %s (the kernel's EFAULT for > 16 KiB)", en(rc));
	rc = issue(&d, SEV_PEK_CERT_IMPORT, &pi, NULL);
	check(rc == -EINVAL, "PEK_CERT_IMPORT length 256 MiB: %s", en(rc));
	rc = issue(&d, SEV_PDH_CERT_EXPORT, &pe, NULL);
	check(rc == -EFAULT, "PDH_CERT_EXPORT lengths of 1 MiB: %s", en(rc));
	rc = issue(&d, SEV_GET_ID2, &id2, &error);
	last_error(&d, why, sizeof(why));
	if (is_sock)
		check(rc == 0 && id2.length == 64, "GET_ID2 into a 200000-byte buffer: %s, length %u", en(rc), id2.length);
	else
		check(rc == -ENOMEM && strstr(why, "CUSE"),
		      "GET_ID2 into a 200000-byte buffer: %s (over CUSE's 128 KiB), reason \"%s\"", en(rc), why);
	id2.length = 0xffffffff;
	rc = issue(&d, SEV_GET_ID2, &id2, NULL);
	check(rc == -ENOMEM, "GET_ID2 length 0xffffffff: %s", en(rc));
	rc = xd_ioctl(&d, SWSEV_IOC_GUEST_VIEW, &gv);
	check(rc == -EINVAL, "GUEST_VIEW of 2 GiB: %s", en(rc));
	rc = xd_ioctl(&d, SWSEV_IOC_VM_SET_VCPUS, &vc);
	check(rc == -EINVAL, "SET_VCPUS with 100000 vCPUs: %s", en(rc));
	rc = ctl(&d, SWSEV_CTL_LAST_ERROR, 0, 0, big, 1u << 30);
	last_error(&d, why, sizeof(why));
	check(rc == -ENOMEM && strstr(why, "at most"), "LAST_ERROR into a buffer said to be 1 GiB: %s, \"%s\"", en(rc),
	      why);
	xd_close(&d);
}

static void t_unknown(void)
{
	static const unsigned long reqs[] = { 0, 0xdeadbeef, _IO('S', 0x99), _IOWR('S', 0, uint8_t[100]),
					      _IOWR('S', 0x47, struct swsev_ctl), _IOR('S', 0x40, struct kvm_sev_cmd) };
	uint8_t buf[256] = { 0 };
	struct sev_user_data_status st;
	struct kvm_sev_cmd kc = { .id = 1000 };
	char why[256];
	struct xdev d;
	int rc;

	dopen(&d, true);
	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		rc = xd_ioctl(&d, reqs[i], buf);
		check(rc == -EINVAL, "unknown ioctl 0x%08lx: %s", reqs[i], en(rc));
	}
	rc = issue(&d, 0x7fffffff, &st, NULL);
	check(rc == -EINVAL, "SEV_ISSUE_CMD command 0x7fffffff: %s", en(rc));
	rc = ctl(&d, 999, 0, 0, NULL, 0);
	last_error(&d, why, sizeof(why));
	check(rc == -EINVAL && strstr(why, "999"), "control operation 999: %s, \"%s\"", en(rc), why);
	rc = xd_ioctl(&d, SWSEV_IOC_VM_OP, &kc);
	check(rc == -EINVAL, "KVM_MEMORY_ENCRYPT_OP id 1000: %s", en(rc));
	rc = vm_op(&d, KVM_SEV_LAUNCH_START, hole, NULL);
	check(rc == -ENOTTY, "LAUNCH_START before INIT (parameters unmapped): %s", en(rc));
	xd_close(&d);
}

/* A caller changing the request under the server between rounds. */
struct racer {
	volatile bool stop;
	struct sev_user_data_pek_csr *pc;
	struct sev_issue_cmd *c;
	uintptr_t data[2];
};

static void *race(void *arg)
{
	struct racer *r = arg;
	unsigned i = 0;

	while (!r->stop) {
		i++;
		r->pc->length = i & 1 ? 0x824 : 8;
		r->c->data = r->data[(i >> 1) & 1];
		for (volatile int k = 0; k < 200; k++)
			;
	}
	return NULL;
}

static void t_race(void)
{
	static uint8_t ref[0x824], out[0x824];
	static struct sev_user_data_pek_csr pc, pc2;
	struct sev_user_data_pek_csr q = { (uintptr_t)ref, sizeof(ref) };
	struct swsev_xport_stats s0, s1;
	struct sev_issue_cmd c;
	struct racer r;
	pthread_t th;
	struct xdev d;
	int ok = 0, short_len = 0, bad = 0, rc;

	dopen(&d, true);
	rc = issue(&d, SEV_PEK_CSR, &q, NULL);
	check(rc == 0, "PEK_CSR for reference: %s", en(rc));
	ctl(&d, SWSEV_CTL_XPORT_STATS, 0, 0, &s0, sizeof(s0));
	pc.address = (uintptr_t)out;
	pc2.address = (uintptr_t)out;
	pc2.length = 0x824;
	r = (struct racer){ false, &pc, &c, { (uintptr_t)&pc, (uintptr_t)&pc2 } };
	memset(&c, 0, sizeof(c));
	c.cmd = SEV_PEK_CSR;
	c.data = (uintptr_t)&pc;
	pthread_create(&th, NULL, race, &r);
	for (int i = 0; i < 300; i++) {
		memset(out, 0, sizeof(out));
		rc = xd_ioctl(&d, SEV_ISSUE_CMD, &c);
		if (rc == 0 && memcmp(out, ref, sizeof(ref)) == 0)
			ok++;
		else if (rc == -EIO && c.error == 4)
			short_len++;
		else
			bad++;
	}
	r.stop = true;
	pthread_join(th, NULL);
	ctl(&d, SWSEV_CTL_XPORT_STATS, 0, 0, &s1, sizeof(s1));
	check(bad == 0 && ok > 0, "300 PEK_CSR while another thread flips length and pointer: %d CSRs equal to the "
				  "reference, %d INVALID_LENGTH, %d other (%llu rounds restarted)",
	      ok, short_len, bad, (unsigned long long)(s1.restarts - s0.restarts));
	xd_close(&d);
}

/* Children killed in the middle of commands, with and without VMs. */
static void child_loop(bool vm, uint32_t delay_cmd)
{
	static uint8_t pdh[0x824], chain[0x186c];
	struct sev_user_data_pdh_cert_export e = { (uintptr_t)pdh, sizeof(pdh), (uintptr_t)chain, sizeof(chain) };
	struct kvm_sev_launch_start ls = { 0 };
	struct xdev d;

	(void)delay_cmd;
	dopen(&d, true);
	if (vm) {
		vm_op(&d, KVM_SEV_INIT, NULL, NULL);
		vm_op(&d, KVM_SEV_LAUNCH_START, &ls, NULL);
	}
	for (;;)
		issue(&d, SEV_PDH_CERT_EXPORT, &e, NULL);
}

static void t_kill(const struct state *before)
{
	struct state now;
	struct xdev d;
	int killed = 0;

	dopen(&d, true);
	for (int i = 0; i < 40; i++) {
		pid_t pid;
		fflush(stdout);
		pid = fork();
		if (pid == 0)
			child_loop(i % 2 == 1, 0);
		/* A slow firmware for a few of them: killed while the daemon is inside it. */
		if (i % 10 == 0)
			ctl(&d, SWSEV_CTL_LATENCY, 0x008, 100000, NULL, 0);
		usleep((useconds_t)(1000 + (i * 7919) % 30000));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		if (i % 10 == 0)
			ctl(&d, SWSEV_CTL_CLEAR, 0, 0, NULL, 0);
		killed++;
	}
	xd_close(&d);
	/* Releases arrive once the kernel (or socket) notices the dead process. */
	for (int i = 0; i < 100; i++) {
		if (get_state(&now) == 0 && now.guests == before->guests && now.open_now == before->open_now)
			break;
		usleep(50000);
	}
	check(now.guests == before->guests, "%d callers killed mid-command (half with a VM): guest count %u, was %u",
	      killed, now.guests, before->guests);
	check(now.open_now == before->open_now, "... and every descriptor released: %llu open, was %llu",
	      (unsigned long long)now.open_now, (unsigned long long)before->open_now);
}

struct closer {
	struct xdev *d;
	int rc;
};

static void *ioctl_loop(void *arg)
{
	struct closer *c = arg;
	struct sev_user_data_status st;

	for (int i = 0; i < 100000; i++)
		if ((c->rc = issue(c->d, SEV_PLATFORM_STATUS, &st, NULL)) != 0)
			break;
	return NULL;
}

static void t_close_during(void)
{
	struct closer c;
	pthread_t th;
	struct xdev d;

	dopen(&d, true);
	c.d = &d;
	c.rc = 0;
	pthread_create(&th, NULL, ioctl_loop, &c);
	usleep(20000);
	/* The fd goes away under the other thread: its ioctls fail, nothing else. */
	close(d.fd);
	pthread_join(th, NULL);
	check(c.rc == -EBADF || c.rc == -EPIPE || c.rc == -ECONNRESET, "descriptor closed while another thread issues "
	      "ioctls on it: the loop ended with %s", en(c.rc));
}

static void t_many_opens(const struct state *before)
{
	enum { N = 200, VMS = 12 };
	static struct xdev d[N];
	struct sev_user_data_status st;
	struct kvm_sev_launch_start ls;
	struct state now;
	int opened = 0, worked = 0, vms = 0, rc;

	for (int i = 0; i < N; i++) {
		if (xd_open(&d[i], spec, i % 2 == 0) != 0) {
			d[i].fd = -1;
			continue;
		}
		opened++;
	}
	for (int i = 0; i < N; i++)
		if (d[i].fd >= 0 && issue(&d[i], SEV_PLATFORM_STATUS, &st, NULL) == 0)
			worked++;
	for (int i = 0; i < N && vms < VMS; i += 2) {
		if (d[i].fd < 0)
			continue;
		memset(&ls, 0, sizeof(ls));
		if ((rc = vm_op(&d[i], KVM_SEV_INIT, NULL, NULL)) == 0 && (rc = vm_op(&d[i], KVM_SEV_LAUNCH_START, &ls, NULL)) == 0)
			vms++;
		else
			break;
	}
	check(opened == N && worked == N, "%d descriptors open at once, %d answered PLATFORM_STATUS", opened, worked);
	check(vms > 0, "%d of them run a guest", vms);
	rc = issue(&d[1], SEV_PLATFORM_STATUS, &st, NULL);
	check(rc == 0 && st.guest_count == before->guests + (uint32_t)vms, "guest count %u with them", st.guest_count);
	for (int i = 0; i < N; i++)
		xd_close(&d[i]);
	for (int i = 0; i < 100; i++) {
		if (get_state(&now) == 0 && now.guests == before->guests && now.open_now == before->open_now)
			break;
		usleep(50000);
	}
	check(now.guests == before->guests && now.open_now == before->open_now,
	      "all closed: guests %u (was %u), %llu descriptors open (was %llu)", now.guests, before->guests,
	      (unsigned long long)now.open_now, (unsigned long long)before->open_now);
}

static int run_abi(void)
{
	struct state before, after;

	setup_pages();
	if (get_state(&before) != 0) {
		fprintf(stderr, "sev_hostile: cannot read the state of %s\n", spec);
		return 1;
	}
	t_bad_pointers();
	t_oversize();
	t_unknown();
	t_race();
	t_close_during();
	t_kill(&before);
	t_many_opens(&before);
	check(get_state(&after) == 0, "the server still answers");
	check(!memcmp(before.nv, after.nv, 32) && before.pdh == after.pdh && before.guests == after.guests,
	      "state intact: NV digest, PDH and chain, guest count unchanged");
	printf("sev_hostile abi %s: %d passed, %d failed\n", spec, passes, failures);
	return failures ? 1 : 0;
}

/* ---- the socket protocol ----------------------------------------------------------------- */

static int raw_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		perror("sev_hostile: connect");
		exit(1);
	}
	return fd;
}

/* What the server says next: a message type, or -1 when it closed the connection. */
static int reply_type(int fd, int32_t *err)
{
	uint8_t *msg;
	size_t len;
	uint16_t type;
	int rc = xpw_recv(fd, &type, &msg, &len, 1u << 20);

	if (rc)
		return -1;
	if (err)
		*err = type == XPW_ERROR && len >= 4 ? (int32_t)xpw_get32(msg) : 0;
	free(msg);
	return type;
}

/* After an ERROR the server must close. */
static bool closes(int fd)
{
	uint8_t b;
	struct timeval tv = { 5, 0 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return recv(fd, &b, 1, 0) == 0;
}

static int opened_fd(const char *path)
{
	int fd;

	if (xc_connect(path, true, &fd) != 0) {
		fprintf(stderr, "sev_hostile: cannot open %s\n", path);
		exit(1);
	}
	return fd;
}

static void ioctl_msg(int fd, uint32_t cmd, uint64_t arg)
{
	uint8_t m[16];

	xpw_put32(m, cmd);
	xpw_put32(m + 4, 0);
	xpw_put64(m + 8, arg);
	xpw_send(fd, XPW_IOCTL, m, sizeof(m));
}

static int run_proto(const char *path)
{
	static uint8_t junk[2 * XPW_MAX_PING];
	struct sev_user_data_status st;
	struct sev_issue_cmd c = { SEV_PLATFORM_STATUS, (uintptr_t)&st, 0 };
	uint8_t m[64];
	int32_t e;
	int fd, t, rc;

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 131 + 7);

	fd = raw_connect(path);
	rc = (int)write(fd, junk, sizeof(junk));
	t = reply_type(fd, &e);
	check(rc > 0 && (t == XPW_ERROR || t == -1) && closes(fd), "8 KiB of garbage: ERROR %d, connection closed", e);
	close(fd);

	fd = raw_connect(path);
	xpw_put32(m, 0xffffffff);
	xpw_put16(m + 4, XPW_OPEN);
	xpw_put16(m + 6, 0);
	rc = (int)write(fd, m, 8);
	t = reply_type(fd, &e);
	check(t == XPW_ERROR && closes(fd), "a header announcing 4 GiB: ERROR %d (%s)", e, strerror(e));
	close(fd);

	fd = raw_connect(path);
	xpw_put32(m, 0x12345678);
	xpw_put16(m + 4, 1);
	xpw_put16(m + 6, 1);
	xpw_put32(m + 8, 1);
	xpw_send(fd, XPW_OPEN, m, 12);
	t = reply_type(fd, &e);
	check(t == XPW_ERROR && e == EPROTO && closes(fd), "OPEN with a wrong magic: ERROR %s", strerror(e));
	close(fd);

	fd = raw_connect(path);
	xpw_put32(m, XPW_MAGIC);
	xpw_put16(m + 4, 7);
	xpw_put16(m + 6, 9);
	xpw_put32(m + 8, 1);
	xpw_send(fd, XPW_OPEN, m, 12);
	t = reply_type(fd, &e);
	check(t == XPW_ERROR && e == EPROTONOSUPPORT && closes(fd), "OPEN for versions 7..9: ERROR %s", strerror(e));
	close(fd);

	fd = raw_connect(path);
	ioctl_msg(fd, SEV_ISSUE_CMD, (uintptr_t)&c);
	t = reply_type(fd, &e);
	check(t == XPW_ERROR && closes(fd), "IOCTL before OPEN: ERROR %s", strerror(e));
	close(fd);

	fd = opened_fd(path);
	xpw_put32(m, SEV_ISSUE_CMD);
	xpw_put32(m + 4, 100000);
	xpw_put64(m + 8, (uintptr_t)&c);
	xpw_send(fd, XPW_IOCTL, m, 16);
	t = reply_type(fd, &e);
	check(t == XPW_ERROR && closes(fd), "IOCTL claiming 100000 eager regions: ERROR %s", strerror(e));
	close(fd);

	fd = opened_fd(path);
	xpw_put32(m, SEV_ISSUE_CMD);
	xpw_put32(m + 4, 1);
	xpw_put64(m + 8, (uintptr_t)&c);
	xpw_put_rec(m + 16, &(struct xpw_rec){ (uintptr_t)&c, 1000, 0 });
	xpw_send(fd, XPW_IOCTL, m, 32);
	t = reply_type(fd, &e);
	check(t == XPW_ERROR && closes(fd), "IOCTL whose eager region is longer than the message: ERROR %s", strerror(e));
	close(fd);

	fd = opened_fd(path);
	ioctl_msg(fd, SEV_ISSUE_CMD, (uintptr_t)&c);
	t = reply_type(fd, NULL);
	/* NEED for the struct: answer it with the wrong address. */
	xpw_put32(m, 1);
	xpw_put32(m + 4, 0);
	xpw_put_rec(m + 8, &(struct xpw_rec){ 0x1000, sizeof(c), 0 });
	memcpy(m + 24, &c, sizeof(c));
	xpw_send(fd, XPW_DATA, m, 24 + sizeof(c));
	rc = reply_type(fd, &e);
	check(t == XPW_NEED && rc == XPW_ERROR && closes(fd), "DATA for a region that was not asked for: ERROR %s",
	      strerror(e));
	close(fd);

	fd = opened_fd(path);
	ioctl_msg(fd, SEV_ISSUE_CMD, (uintptr_t)&c);
	t = reply_type(fd, NULL);
	xpw_put32(m, 1);
	xpw_put32(m + 4, 0);
	xpw_put_rec(m + 8, &(struct xpw_rec){ (uintptr_t)&c, sizeof(c), 0 });
	memcpy(m + 24, &c, sizeof(c));
	xpw_send(fd, XPW_DATA, m, 24 + sizeof(c) + 8);
	rc = reply_type(fd, &e);
	check(t == XPW_NEED && rc == XPW_ERROR && closes(fd), "DATA with bytes to spare: ERROR %s", strerror(e));
	close(fd);

	fd = opened_fd(path);
	ioctl_msg(fd, SEV_ISSUE_CMD, (uintptr_t)&c);
	t = reply_type(fd, NULL);
	xpw_put32(m, 1);
	xpw_put32(m + 4, 0);
	xpw_put_rec(m + 8, &(struct xpw_rec){ (uintptr_t)&c, sizeof(c), EFAULT });
	xpw_send(fd, XPW_DATA, m, 24);
	{
		uint8_t *msg;
		size_t len;
		uint16_t type;
		rc = xpw_recv(fd, &type, &msg, &len, 1u << 20);
		check(rc == 0 && type == XPW_DONE && len >= 8 && (int32_t)xpw_get32(msg) == -EFAULT,
		      "DATA saying the argument cannot be read: DONE with EFAULT");
		if (!rc)
			free(msg);
	}
	rc = xc_ioctl(fd, SEV_ISSUE_CMD, &c, NULL);
	check(rc == 0, "... and the connection goes on: PLATFORM_STATUS %s", en(rc));
	close(fd);

	fd = opened_fd(path);
	xpw_send(fd, 0x7777, "x", 1);
	t = reply_type(fd, &e);
	check(t == XPW_ERROR && e == EPROTO && closes(fd), "an unknown message type: ERROR %s", strerror(e));
	close(fd);

	fd = opened_fd(path);
	xpw_send(fd, XPW_PING, junk, XPW_MAX_PING + 1);
	t = reply_type(fd, &e);
	check(t == XPW_ERROR && closes(fd), "a PING over the size limit: ERROR %s", strerror(e));
	close(fd);

	/* Disconnects at every step. */
	for (int step = 0; step < 5; step++) {
		fd = raw_connect(path);
		if (step >= 1) {
			if (step == 1) {
				rc = (int)write(fd, m, 3); /* a third of a header */
			} else {
				close(fd);
				fd = opened_fd(path);
				if (step >= 3)
					ioctl_msg(fd, SEV_ISSUE_CMD, (uintptr_t)&c);
				if (step >= 4)
					reply_type(fd, NULL);
			}
		}
		close(fd);
	}
	fd = opened_fd(path);
	rc = xc_ioctl(fd, SEV_ISSUE_CMD, &c, NULL);
	check(rc == 0, "disconnects after nothing, a partial header, OPEN, IOCTL and NEED: the server answers (%s)",
	      en(rc));
	close(fd);

	{
		enum { N = 300 };
		static int fds[N];
		int refused = 0, okc = 0, other = 0;
		for (int i = 0; i < N; i++) {
			rc = xc_connect(path, false, &fds[i]);
			if (rc == 0)
				okc++;
			else if (rc == -EBUSY)
				refused++;
			else if (!other++)
				printf("     connection %d: %s\n", i, strerror(-rc));
			if (rc)
				fds[i] = -1;
		}
		check(okc >= 200 && refused > 0 && !other,
		      "%d connections at once: %d served, %d refused with EBUSY, %d other failures", N, okc, refused, other);
		for (int i = 0; i < N; i++)
			if (fds[i] >= 0)
				close(fds[i]);
	}
	usleep(200000);
	fd = opened_fd(path);
	rc = xc_ioctl(fd, SEV_ISSUE_CMD, &c, NULL);
	check(rc == 0, "the server answers after all of it: PLATFORM_STATUS %s", en(rc));
	close(fd);
	printf("sev_hostile proto %s: %d passed, %d failed\n", path, passes, failures);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	if (argc == 3 && strcmp(argv[1], "proto") == 0)
		return run_proto(argv[2]);
	if (argc == 3 && (strcmp(argv[1], "abi") == 0 || strcmp(argv[1], "state") == 0)) {
		spec = argv[2];
		is_sock = strncmp(spec, "unix:", 5) == 0;
		if (strcmp(argv[1], "abi") == 0)
			return run_abi();
		{
			struct state s;
			if (get_state(&s) != 0)
				return 1;
			printf("nv=");
			for (int i = 0; i < 32; i++)
				printf("%02x", s.nv[i]);
			printf(" pdh=%016llx guests=%u\n", (unsigned long long)s.pdh, s.guests);
			return 0;
		}
	}
	fprintf(stderr, "usage: sev_hostile abi|state DEVSPEC\n       sev_hostile proto SOCKET\n");
	return 2;
}
