/* cuse_model: the CUSE round engine (emu/xport/cround.h) under a model of the kernel
 * (kmodel.h), in the cases a real caller can only hit by luck: its memory changing
 * between rounds (a length, a pointer to a same-sized struct), requests over CUSE's
 * limits, failures that still write.  Runs without CUSE.
 *
 *   cuse_model DIR     platform made (seeded) in DIR; exit 0 when every check passed */
#include <stdarg.h>
#include <stdio.h>

#include "emu/drv/drv.h"
#include "emu/xport/plat.h"
#include "harness/tests/progs/kmodel.h"

static int passes, failures;

static void check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s ", ok ? "ok  " : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (ok)
		passes++;
	else
		failures++;
}

static struct kmodel km, kro;
static struct xp_stats stats;

static int issue(struct kmodel *k, struct sev_issue_cmd *c)
{
	return km_ioctl(k, SEV_ISSUE_CMD, c);
}

static bool all(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* Between requests: shrink the CSR length the server already sized its fetch by. */
static struct sev_user_data_pek_csr *shrink_pc;
static unsigned shrink_at;

static void shrink(void *ctx, unsigned req)
{
	(void)ctx;
	if (req == shrink_at)
		shrink_pc->length = 8;
}

/* Between requests: point the command at another struct of the same size. */
static struct sev_issue_cmd *swap_c;
static uintptr_t swap_to;
static unsigned swap_at;

static void swap(void *ctx, unsigned req)
{
	(void)ctx;
	if (req == swap_at)
		swap_c->data = swap_to;
}

int main(int argc, char **argv)
{
	static uint8_t ref[0x824], a_buf[0x824], b_buf[0x824], big[200000];
	struct xp_plat pl;
	struct drv *d;
	char msg[600];
	struct sev_user_data_status st;
	struct sev_user_data_pek_csr pc = { (uintptr_t)ref, sizeof(ref) }, pa, pb;
	struct sev_user_data_get_id2 id2 = { (uintptr_t)big, sizeof(big) };
	struct sev_issue_cmd c;
	uint64_t r0;
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 2) {
		fprintf(stderr, "usage: cuse_model DIR\n");
		return 2;
	}
	xp_plat_init(&pl);
	snprintf(pl.state_dir, sizeof(pl.state_dir), "%s", argv[1]);
	xp_plat_set(&pl, "seed", "636d6f64656c", msg, sizeof(msg));
	if (!(d = xp_plat_open(&pl, msg, sizeof(msg)))) {
		fprintf(stderr, "cuse_model: %s\n", msg);
		return 1;
	}
	xp_plat_clear(&pl);
	xp_stats_init(&stats, SWSEV_XPORT_CUSE, XP_CUSE_MAX_IOCTL);
	km = (struct kmodel){ .f = drv_open(d, true, true), .stats = &stats, .pid = 10, .max = XP_CUSE_MAX_IOCTL };
	kro = (struct kmodel){ .f = drv_open(d, false, false), .stats = &stats, .pid = 11, .max = XP_CUSE_MAX_IOCTL };

	/* Rounds the common shapes take: nothing up front, then the argument struct. */
	c = (struct sev_issue_cmd){ SEV_PLATFORM_STATUS, (uintptr_t)&st, 0 };
	rc = issue(&km, &c);
	check(rc == 0 && km.requests == 3, "PLATFORM_STATUS: %d in %u requests (struct, then its data)", rc, km.requests);
	c = (struct sev_issue_cmd){ SEV_PDH_GEN, 0, 0 };
	rc = issue(&km, &c);
	check(rc == 0 && km.requests == 2, "PDH_GEN: %d in %u requests (the argument only)", rc, km.requests);
	c = (struct sev_issue_cmd){ SEV_PEK_CSR, (uintptr_t)&pc, 0 };
	rc = issue(&km, &c);
	check(rc == 0 && km.requests == 4 && pc.length == 0x824, "PEK_CSR: %d in %u requests (struct, data, blob)", rc,
	      km.requests);
	rc = km_ioctl(&km, 0x1234, &c);
	check(rc == -EINVAL && km.requests == 1, "unknown ioctl: %d in %u request, nothing fetched", rc, km.requests);

	/* The length shrinks after the server sized the CSR fetch by it. */
	memset(a_buf, 0x5a, sizeof(a_buf));
	pa = (struct sev_user_data_pek_csr){ (uintptr_t)a_buf, 0x824 };
	c = (struct sev_issue_cmd){ SEV_PEK_CSR, (uintptr_t)&pa, 0 };
	shrink_pc = &pa;
	shrink_at = 3;
	km.between = shrink;
	r0 = stats.s.restarts;
	rc = issue(&km, &c);
	km.between = NULL;
	/* As the kernel: the (empty) blob goes back even on failure, as long as the user's
	 * buffer says -- now 8 bytes. */
	check(rc == -EIO && c.error == SEV_RET_INVALID_LEN && pa.length == 0x824 && all(a_buf, 8, 0) &&
		      all(a_buf + 8, sizeof(a_buf) - 8, 0x5a) && stats.s.restarts > r0,
	      "PEK_CSR length cut to 8 between rounds: %d, error 0x%x, length %u, 8 bytes written, %llu restart(s) "
	      "in %u requests",
	      rc, c.error, pa.length, (unsigned long long)(stats.s.restarts - r0), km.requests);

	/* The pointer moves to another struct of the same size: sizes still add up, only
	 * the record of the last retry tells. */
	memset(a_buf, 0x5a, sizeof(a_buf));
	memset(b_buf, 0x5b, sizeof(b_buf));
	pa = (struct sev_user_data_pek_csr){ (uintptr_t)a_buf, 0x824 };
	pb = (struct sev_user_data_pek_csr){ (uintptr_t)b_buf, 0x824 };
	c = (struct sev_issue_cmd){ SEV_PEK_CSR, (uintptr_t)&pa, 0 };
	swap_c = &c;
	swap_to = (uintptr_t)&pb;
	swap_at = 3;
	km.between = swap;
	r0 = stats.s.restarts;
	rc = issue(&km, &c);
	km.between = NULL;
	check(rc == 0 && !memcmp(b_buf, ref, sizeof(ref)) && all(a_buf, sizeof(a_buf), 0x5a) && stats.s.restarts > r0,
	      "PEK_CSR redirected to a same-sized struct between rounds: %d, CSR in the new buffer only, %llu restart(s)",
	      rc, (unsigned long long)(stats.s.restarts - r0));

	/* Over CUSE's 128 KiB: ENOMEM with the reason, where the kernel would say nothing. */
	c = (struct sev_issue_cmd){ SEV_GET_ID2, (uintptr_t)&id2, 0 };
	rc = issue(&km, &c);
	check(rc == -ENOMEM && strstr(drv_file_reason(km.f), "CUSE moves at most 131072"),
	      "GET_ID2 into 200000 bytes: %d, \"%s\"", rc, drv_file_reason(km.f));
	{
		struct kvm_sev_launch_start ls = { 0 };
		struct kvm_sev_launch_update_data lu = { (uintptr_t)big, 140000 };
		struct kvm_sev_cmd k = { .id = KVM_SEV_INIT };
		rc = km_ioctl(&km, SWSEV_IOC_VM_OP, &k);
		k = (struct kvm_sev_cmd){ .id = KVM_SEV_LAUNCH_START, .data = (uintptr_t)&ls };
		rc = rc ? rc : km_ioctl(&km, SWSEV_IOC_VM_OP, &k);
		k = (struct kvm_sev_cmd){ .id = KVM_SEV_LAUNCH_UPDATE_DATA, .data = (uintptr_t)&lu };
		rc = rc ? rc : km_ioctl(&km, SWSEV_IOC_VM_OP, &k);
		check(rc == -ENOMEM && strstr(drv_file_reason(km.f), "SWSEV_IOC_VM_OP"),
		      "LAUNCH_UPDATE_DATA of 140000 bytes: %d, \"%s\"", rc, drv_file_reason(km.f));
		lu.len = 60000;
		rc = km_ioctl(&km, SWSEV_IOC_VM_OP, &k);
		check(rc == 0, "... of 60000 bytes: %d in %u requests", rc, km.requests);
	}

	/* A failure that still writes (the struct goes back with EPERM). */
	c = (struct sev_issue_cmd){ SEV_PEK_GEN, 0, 0x77 };
	rc = issue(&kro, &c);
	check(rc == -EPERM && c.error == 0x77, "PEK_GEN on a read-only descriptor: %d, error field 0x%x kept", rc,
	      c.error);
	/* And a bad nested pointer: the kernel's copy fails, the driver never acts. */
	pa = (struct sev_user_data_pek_csr){ 8, 0x824 };
	c = (struct sev_issue_cmd){ SEV_PEK_CSR, (uintptr_t)&pa, 0 };
	rc = issue(&km, &c);
	check(rc == -EFAULT, "PEK_CSR into address 0x8: %d", rc);

	drv_release(km.f);
	drv_release(kro.f);
	drv_free(d);
	printf("cuse_model: %d passed, %d failed\n", passes, failures);
	return failures ? 1 : 0;
}
