/* sev_bench: ioctl latency of the emulated device, per platform and guest command, and
 * the transport rounds each takes.
 *
 *   sev_bench DEVSPEC [N]   dev:/dev/NAME or unix:PATH: each command N times (default
 *                           200; the slow key generations N/10); rounds from the
 *                           server's SWSEV_CTL_XPORT_STATS
 *   sev_bench inproc DIR [N]  the same commands straight into the driver in this
 *                           process (platform made in DIR): the transport-free floor
 *   sev_bench ping PATH [N] a bare socket round trip (PING/PONG, 64 bytes)
 *
 * Output, one line per command: "NAME MEAN_US ROUNDS" (ROUNDS "-" where there are none
 * to count), for scripts/bench-cuse.sh to put side by side. */
#include <sys/mman.h>

#include "emu/drv/drv.h"
#include "emu/xport/plat.h"
#include "emu/xport/xport_uapi.h"
#include "harness/tests/progs/xclient.h"

static struct xdev dev;
static struct drv_file *dfile;
static bool inproc;

static int io(unsigned long req, void *arg)
{
	if (inproc)
		return (int)drv_ioctl(dfile, (unsigned int)req, (uintptr_t)arg, uaccess_local());
	return xd_ioctl(&dev, req, arg);
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static uint64_t rounds(void)
{
	struct swsev_xport_stats s;
	struct swsev_ctl c = { .op = SWSEV_CTL_XPORT_STATS, .len = sizeof(s), .data = (uintptr_t)&s };

	if (inproc || io(SWSEV_IOC_CTL, &c) != 0)
		return 0;
	return s.rounds;
}

static double stats_rounds; /* what reading the statistics itself costs */

/* Runs fn n times; prints mean latency and rounds per call.  fn returns the ioctl's
 * result; want is the expected one. */
static void bench(const char *name, unsigned n, int (*fn)(void *ctx), void *ctx, int want)
{
	uint64_t r0 = rounds(), r1;
	double t0 = now_us(), t;
	int bad = 0;

	for (unsigned i = 0; i < n; i++)
		if (fn(ctx) != want)
			bad++;
	t = (now_us() - t0) / n;
	r1 = rounds();
	if (inproc)
		printf("%-32s %10.1f %7s\n", name, t, "-");
	else
		printf("%-32s %10.1f %7.2f\n", name, t, ((double)(r1 - r0) - stats_rounds) / n);
	if (bad)
		fprintf(stderr, "sev_bench: %s: %d of %u calls did not return %d\n", name, bad, n, want);
	fflush(stdout);
}

static int issue(uint32_t cmd, void *data)
{
	struct sev_issue_cmd c = { .cmd = cmd, .data = (uintptr_t)data };
	return io(SEV_ISSUE_CMD, &c);
}

static int vm_op(uint32_t id, void *data)
{
	struct kvm_sev_cmd c = { .id = id, .data = (uintptr_t)data };
	return io(SWSEV_IOC_VM_OP, &c);
}

static uint8_t buf[0x2000], buf2[0x2000], *gmem;

static int b_status(void *c)
{
	struct sev_user_data_status st;
	(void)c;
	return issue(SEV_PLATFORM_STATUS, &st);
}

static int b_get_id2(void *c)
{
	struct sev_user_data_get_id2 u = { (uintptr_t)buf, 64 };
	(void)c;
	return issue(SEV_GET_ID2, &u);
}

static int b_pek_csr(void *c)
{
	struct sev_user_data_pek_csr u = { (uintptr_t)buf, 0x824 };
	(void)c;
	return issue(SEV_PEK_CSR, &u);
}

static int b_pdh_export(void *c)
{
	struct sev_user_data_pdh_cert_export u = { (uintptr_t)buf, 0x824, (uintptr_t)buf2, 0x186c };
	(void)c;
	return issue(SEV_PDH_CERT_EXPORT, &u);
}

static int b_cmd(void *c)
{
	return issue((uint32_t)(uintptr_t)c, NULL);
}

static int b_info(void *c)
{
	struct swsev_info info;
	struct swsev_ctl ctl = { .op = SWSEV_CTL_INFO, .len = sizeof(info), .data = (uintptr_t)&info };
	(void)c;
	return io(SWSEV_IOC_CTL, &ctl);
}

static int b_guest_status(void *c)
{
	struct kvm_sev_guest_status gs;
	(void)c;
	return vm_op(KVM_SEV_GUEST_STATUS, &gs);
}

static int b_update(void *c)
{
	struct kvm_sev_launch_update_data u = { (uintptr_t)gmem, (uint32_t)(uintptr_t)c };
	return vm_op(KVM_SEV_LAUNCH_UPDATE_DATA, &u);
}

static int b_decrypt(void *c)
{
	struct kvm_sev_dbg d = { (uintptr_t)gmem, (uintptr_t)buf, (uint32_t)(uintptr_t)c };
	return vm_op(KVM_SEV_DBG_DECRYPT, &d);
}

static int b_view(void *c)
{
	struct swsev_guest_view v = { .addr = (uintptr_t)gmem, .buf = (uintptr_t)buf, .len = (uint32_t)(uintptr_t)c };
	return io(SWSEV_IOC_GUEST_VIEW, &v);
}

static int b_attest(void *c)
{
	struct kvm_sev_attestation_report a = { .uaddr = (uintptr_t)buf, .len = 208 };
	(void)c;
	return vm_op(KVM_SEV_GET_ATTESTATION_REPORT, &a);
}

static int b_measure(void *c)
{
	struct kvm_sev_launch_measure m = { (uintptr_t)buf, 48 };
	(void)c;
	return vm_op(KVM_SEV_LAUNCH_MEASURE, &m);
}

static int run(unsigned n)
{
	struct kvm_sev_launch_start ls = { 0 };
	unsigned slow = n / 10 ? n / 10 : 1;

	gmem = mmap(NULL, 64 << 10, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (gmem == MAP_FAILED)
		return 1;
	if (!inproc) {
		uint64_t a = rounds(), b = rounds();
		stats_rounds = (double)(b - a);
	}
	bench("ctl INFO (no firmware)", n, b_info, NULL, 0);
	bench("PLATFORM_STATUS", n, b_status, NULL, 0);
	bench("GET_ID2", n, b_get_id2, NULL, 0);
	bench("PEK_CSR", slow, b_pek_csr, NULL, 0);
	bench("PDH_CERT_EXPORT", n, b_pdh_export, NULL, 0);
	bench("PDH_GEN", slow, b_cmd, (void *)(uintptr_t)SEV_PDH_GEN, 0);
	bench("PEK_GEN", slow, b_cmd, (void *)(uintptr_t)SEV_PEK_GEN, 0);
	if (vm_op(KVM_SEV_INIT, NULL) || vm_op(KVM_SEV_LAUNCH_START, &ls)) {
		fprintf(stderr, "sev_bench: cannot start a guest\n");
		return 1;
	}
	bench("KVM_SEV_GUEST_STATUS", n, b_guest_status, NULL, 0);
	bench("KVM_SEV_LAUNCH_UPDATE_DATA 4K", n, b_update, (void *)(uintptr_t)4096, 0);
	bench("KVM_SEV_LAUNCH_UPDATE_DATA 64K", slow, b_update, (void *)(uintptr_t)(64 << 10), 0);
	bench("KVM_SEV_DBG_DECRYPT 4K", n, b_decrypt, (void *)(uintptr_t)4096, 0);
	bench("SWSEV_IOC_GUEST_VIEW 4K", n, b_view, (void *)(uintptr_t)4096, 0);
	bench("KVM_SEV_LAUNCH_MEASURE", 1, b_measure, NULL, 0);
	bench("KVM_SEV_GET_ATTESTATION_REPORT", n, b_attest, NULL, 0);
	return 0;
}

static int ping(const char *path, unsigned n)
{
	uint8_t msg[64] = { 1 }, *r;
	size_t len;
	uint16_t type;
	double t0;
	int fd;

	if (xc_connect(path, false, &fd) != 0) {
		fprintf(stderr, "sev_bench: cannot connect to %s\n", path);
		return 1;
	}
	t0 = now_us();
	for (unsigned i = 0; i < n; i++) {
		if (xpw_send(fd, XPW_PING, msg, sizeof(msg)) || xpw_recv(fd, &type, &r, &len, 4096) || type != XPW_PONG)
			return 1;
		free(r);
	}
	printf("%-32s %10.1f %7.2f\n", "socket PING round trip", (now_us() - t0) / n, 1.0);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned n = 200;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 3 && strcmp(argv[1], "ping") == 0)
		return ping(argv[2], argc > 3 ? (unsigned)atoi(argv[3]) : 1000);
	if (argc >= 3 && strcmp(argv[1], "inproc") == 0) {
		struct xp_plat pl;
		struct drv *d;
		char msg[600];
		xp_plat_init(&pl);
		snprintf(pl.state_dir, sizeof(pl.state_dir), "%s", argv[2]);
		if (!(d = xp_plat_open(&pl, msg, sizeof(msg)))) {
			fprintf(stderr, "sev_bench: %s\n", msg);
			return 1;
		}
		inproc = true;
		dfile = drv_open(d, true, true);
		if (argc > 3)
			n = (unsigned)atoi(argv[3]);
		if (run(n ? n : 1))
			return 1;
		drv_release(dfile);
		drv_free(d);
		return 0;
	}
	if (argc >= 2 && argc <= 3) {
		int rc = xd_open(&dev, argv[1], true);
		if (rc) {
			fprintf(stderr, "sev_bench: cannot open %s: %s\n", argv[1], strerror(-rc));
			return 1;
		}
		if (argc > 2)
			n = (unsigned)atoi(argv[2]);
		rc = run(n ? n : 1);
		xd_close(&dev);
		return rc;
	}
	fprintf(stderr, "usage: sev_bench DEVSPEC [N] | sev_bench inproc DIR [N] | sev_bench ping SOCKET [N]\n");
	return 2;
}
