/* swsev bench latency --backend URI --out FILE [--iterations N] [--platform-only]
 *
 * Times every non-destructive command through psp/ — the platform commands that
 * change nothing (PLATFORM_STATUS, PEK_CSR, PDH_CERT_EXPORT, GET_ID) and the whole
 * guest life cycle on throwaway VMs: launch (start, update, measure, secret, status,
 * debug, finish, attestation) and a migration of the guest to a second VM on the
 * same platform (send start/cancel/update/finish, receive start/update/finish).
 * Each time is one ioctl as a VMM sees it (kernel plus firmware) and is filed under
 * the firmware command it issues; the result is a latency profile (psp/profile.c)
 * that `emu:...?latency-profile=FILE` replays.
 *
 * One warm-up round runs first and is not counted (the first guest INIT may
 * initialise the platform).  A command that fails is reported as a comment line
 * with the reason, never with a made-up number. */
#include "harness/bench/latency.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "emu/crypto/packet.h"
#include "psp/psp.h"

#define PAGE 4096
#define AMD_CHAIN_LEN 0x680 /* ASK + ARK (2048-bit); not checked without POLICY.SEV */
#define SECRET_LEN 64

enum cmd {
	C_PLATFORM_STATUS, C_PEK_CSR, C_PDH_CERT_EXPORT, C_GET_ID,
	C_LAUNCH_START, C_LAUNCH_UPDATE_DATA, C_LAUNCH_MEASURE, C_LAUNCH_SECRET, C_GUEST_STATUS,
	C_DBG_DECRYPT, C_DBG_ENCRYPT, C_LAUNCH_FINISH, C_ATTESTATION,
	C_SEND_START, C_SEND_CANCEL, C_SEND_UPDATE_DATA, C_SEND_FINISH,
	C_RECEIVE_START, C_RECEIVE_UPDATE_DATA, C_RECEIVE_FINISH,
	C_N
};

static const struct {
	const char *fw;  /* the firmware command (profile key) */
	const char *via; /* what was timed */
} cmds[C_N] = {
	[C_PLATFORM_STATUS] = { "PLATFORM_STATUS", "SEV_ISSUE_CMD:PLATFORM_STATUS" },
	[C_PEK_CSR] = { "PEK_CSR", "SEV_ISSUE_CMD:PEK_CSR" },
	[C_PDH_CERT_EXPORT] = { "PDH_CERT_EXPORT", "SEV_ISSUE_CMD:PDH_CERT_EXPORT" },
	[C_GET_ID] = { "GET_ID", "SEV_ISSUE_CMD:GET_ID2" },
	[C_LAUNCH_START] = { "LAUNCH_START", "KVM_SEV_LAUNCH_START(+ACTIVATE)" },
	[C_LAUNCH_UPDATE_DATA] = { "LAUNCH_UPDATE_DATA", "KVM_SEV_LAUNCH_UPDATE_DATA(4KiB)" },
	[C_LAUNCH_MEASURE] = { "LAUNCH_MEASURE", "KVM_SEV_LAUNCH_MEASURE" },
	[C_LAUNCH_SECRET] = { "LAUNCH_SECRET", "KVM_SEV_LAUNCH_SECRET(64B)" },
	[C_GUEST_STATUS] = { "GUEST_STATUS", "KVM_SEV_GUEST_STATUS" },
	[C_DBG_DECRYPT] = { "DBG_DECRYPT", "KVM_SEV_DBG_DECRYPT(4KiB)" },
	[C_DBG_ENCRYPT] = { "DBG_ENCRYPT", "KVM_SEV_DBG_ENCRYPT(4KiB)" },
	[C_LAUNCH_FINISH] = { "LAUNCH_FINISH", "KVM_SEV_LAUNCH_FINISH" },
	[C_ATTESTATION] = { "ATTESTATION", "KVM_SEV_GET_ATTESTATION_REPORT" },
	[C_SEND_START] = { "SEND_START", "KVM_SEV_SEND_START" },
	[C_SEND_CANCEL] = { "SEND_CANCEL", "KVM_SEV_SEND_CANCEL" },
	[C_SEND_UPDATE_DATA] = { "SEND_UPDATE_DATA", "KVM_SEV_SEND_UPDATE_DATA(4KiB)" },
	[C_SEND_FINISH] = { "SEND_FINISH", "KVM_SEV_SEND_FINISH" },
	[C_RECEIVE_START] = { "RECEIVE_START", "KVM_SEV_RECEIVE_START(+ACTIVATE)" },
	[C_RECEIVE_UPDATE_DATA] = { "RECEIVE_UPDATE_DATA", "KVM_SEV_RECEIVE_UPDATE_DATA(4KiB)" },
	[C_RECEIVE_FINISH] = { "RECEIVE_FINISH", "KVM_SEV_RECEIVE_FINISH" },
};

struct stat_ {
	double sum, min, max;
	unsigned n;
	char why[400];
};

struct bench {
	struct psp *p;
	bool counting;
	struct stat_ s[C_N];
	struct timespec t0;
	/* the platform's own certificates: the migration target is the platform itself */
	uint8_t pdh[PSP_CERT_LEN], chain[PSP_CERT_CHAIN_LEN], amd[AMD_CHAIN_LEN];
	uint8_t *mem; /* 3 pages: launch data, secret, receive target */
	double teardown_sum;
	unsigned teardown_n;
};

static void start(struct bench *b)
{
	clock_gettime(CLOCK_MONOTONIC, &b->t0);
}

static double since_us(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e6 + (double)(t.tv_nsec - t0->tv_nsec) / 1e3;
}

/* Files the time since start() under c when rc is 0, the reason otherwise. */
static int done(struct bench *b, enum cmd c, int rc, const struct psp_err *e)
{
	double us = since_us(&b->t0);
	struct stat_ *s = &b->s[c];

	if (rc == 0 && b->counting) {
		s->sum += us;
		s->min = s->n ? (us < s->min ? us : s->min) : us;
		s->max = s->n ? (us > s->max ? us : s->max) : us;
		s->n++;
	} else if (rc != 0 && !s->why[0]) {
		psp_err_format(e, s->why, sizeof(s->why));
	}
	return rc;
}

static void skipped(struct bench *b, enum cmd from, enum cmd to, const char *why)
{
	for (int c = from; c <= (int)to; c++)
		if (!b->s[c].why[0] && !b->s[c].n)
			snprintf(b->s[c].why, sizeof(b->s[c].why), "%s", why);
}

static void platform_round(struct bench *b)
{
	struct sev_user_data_status st;
	struct sev_user_data_get_id2 id = { 0, 128 };
	uint8_t csr[PSP_CERT_LEN], idbuf[128];
	struct psp_err e;

	start(b);
	done(b, C_PLATFORM_STATUS, psp_platform_status(b->p, &st, &e), &e);
	start(b);
	done(b, C_PEK_CSR, psp_pek_csr(b->p, csr, &e), &e);
	start(b);
	done(b, C_PDH_CERT_EXPORT, psp_pdh_cert_export(b->p, b->pdh, b->chain, &e), &e);
	id.address = (uintptr_t)idbuf;
	start(b);
	done(b, C_GET_ID, psp_sev_cmd(b->p, SEV_GET_ID2, &id, &e), &e);
}

/* A new SEV guest VM with the three pages registered, as a VMM would. */
static struct psp_vm *new_vm(struct bench *b, enum cmd first, enum cmd last)
{
	struct psp_vm *vm;
	struct psp_err e;
	char why[400];

	if (psp_vm_create(b->p, &vm, &e) == 0) {
		if (psp_vm_init(vm, false, &e) == 0 && psp_vm_reg_region(vm, b->mem, 3 * PAGE, &e) == 0)
			return vm;
		psp_vm_destroy(vm);
	}
	psp_err_format(&e, why, sizeof(why));
	skipped(b, first, last, why);
	return NULL;
}

static void drop_vm(struct bench *b, struct psp_vm *vm)
{
	struct timespec t0;
	struct psp_err e;

	psp_vm_unreg_region(vm, b->mem, 3 * PAGE, &e);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	psp_vm_destroy(vm);
	if (b->counting) {
		b->teardown_sum += since_us(&t0);
		b->teardown_n++;
	}
}

/* LAUNCH_START without a session leaves TEK = TIK = 0 (sev-km.md §2.3), so the secret
 * packet can be made here. */
static int secret_packet(const uint8_t measure[PSP_MEASURE_LEN], const uint8_t *plain, uint8_t *ct,
			 uint8_t hdr[PSP_HDR_LEN])
{
	struct sev_tk tk;
	struct sev_pkt_ctx *c;
	uint8_t iv[16] = { 0 };
	int rc;

	memset(&tk, 0, sizeof(tk));
	c = sev_pkt_ctx_new(&tk);
	if (!c)
		return -1;
	rc = sev_pkt_seal(c, SEV_PKT_CTX_SECRET, iv, plain, SECRET_LEN, measure, ct, hdr);
	sev_pkt_ctx_free(c);
	return rc;
}

static void guest_round(struct bench *b)
{
	uint8_t measure[PSP_MEASURE_LEN], hdr[PSP_HDR_LEN], secret[SECRET_LEN], ct[SECRET_LEN], mnonce[16] = { 1 };
	uint8_t report[PSP_REPORT_LEN], session[PSP_SESSION_LEN], plain[PAGE], thdr[PSP_HDR_LEN], trans[PAGE];
	struct kvm_sev_launch_measure mq = { 0, 0 };
	struct kvm_sev_guest_status gs;
	uint32_t handle = 0, policy = 0;
	struct psp_vm *vm, *vm2;
	struct psp_err e;

	if (!(vm = new_vm(b, C_LAUNCH_START, C_RECEIVE_FINISH)))
		return;
	memset(b->mem, 0x5a, PAGE);
	memset(secret, 0xa5, sizeof(secret));
	/* policy 0: debug and migration allowed, no API floor */
	start(b);
	if (done(b, C_LAUNCH_START, psp_launch_start(vm, 0, NULL, NULL, &handle, &e), &e)) {
		skipped(b, C_LAUNCH_UPDATE_DATA, C_RECEIVE_FINISH, "LAUNCH_START failed");
		drop_vm(b, vm);
		return;
	}
	start(b);
	done(b, C_LAUNCH_UPDATE_DATA, psp_launch_update_data(vm, b->mem, PAGE, &e), &e);
	psp_vm_op(vm, KVM_SEV_LAUNCH_MEASURE, &mq, &e); /* the length query, as QEMU */
	mq.uaddr = (uintptr_t)measure;
	mq.len = PSP_MEASURE_LEN;
	start(b);
	if (done(b, C_LAUNCH_MEASURE, psp_vm_op(vm, KVM_SEV_LAUNCH_MEASURE, &mq, &e), &e) == 0) {
		if (secret_packet(measure, secret, ct, hdr) == 0) {
			start(b);
			done(b, C_LAUNCH_SECRET, psp_launch_secret(vm, hdr, ct, SECRET_LEN, b->mem + PAGE, &e), &e);
		} else {
			skipped(b, C_LAUNCH_SECRET, C_LAUNCH_SECRET, "could not build the secret packet");
		}
	} else {
		skipped(b, C_LAUNCH_SECRET, C_LAUNCH_SECRET, "LAUNCH_MEASURE failed");
	}
	start(b);
	done(b, C_GUEST_STATUS, psp_guest_status(vm, &gs, &e), &e);
	start(b);
	done(b, C_DBG_DECRYPT, psp_dbg_decrypt(vm, b->mem, plain, PAGE, &e), &e);
	start(b);
	done(b, C_DBG_ENCRYPT, psp_dbg_encrypt(vm, plain, b->mem, PAGE, &e), &e);
	start(b);
	if (done(b, C_LAUNCH_FINISH, psp_launch_finish(vm, &e), &e)) {
		skipped(b, C_ATTESTATION, C_RECEIVE_FINISH, "LAUNCH_FINISH failed");
		drop_vm(b, vm);
		return;
	}
	start(b);
	done(b, C_ATTESTATION, psp_attestation(vm, mnonce, report, &e), &e);

	/* Migrate to a second VM on the same platform: its own PDH is the target's. */
	start(b);
	if (done(b, C_SEND_START,
		 psp_send_start(vm, b->pdh, PSP_CERT_LEN, b->chain, PSP_CERT_CHAIN_LEN, b->amd, AMD_CHAIN_LEN, session,
				&policy, &e),
		 &e) == 0) {
		start(b);
		done(b, C_SEND_CANCEL, psp_send_cancel(vm, &e), &e);
	}
	start(b);
	if (done(b, C_SEND_START,
		 psp_send_start(vm, b->pdh, PSP_CERT_LEN, b->chain, PSP_CERT_CHAIN_LEN, b->amd, AMD_CHAIN_LEN, session,
				&policy, &e),
		 &e)) {
		skipped(b, C_SEND_UPDATE_DATA, C_RECEIVE_FINISH, "SEND_START failed");
		drop_vm(b, vm);
		return;
	}
	start(b);
	done(b, C_SEND_UPDATE_DATA, psp_send_update_data(vm, b->mem, PAGE, thdr, trans, &e), &e);
	start(b);
	done(b, C_SEND_FINISH, psp_send_finish(vm, &e), &e);

	if ((vm2 = new_vm(b, C_RECEIVE_START, C_RECEIVE_FINISH))) {
		handle = 0;
		start(b);
		if (done(b, C_RECEIVE_START, psp_receive_start(vm2, policy, b->pdh, session, &handle, &e), &e) == 0) {
			start(b);
			done(b, C_RECEIVE_UPDATE_DATA,
			     psp_receive_update_data(vm2, thdr, trans, b->mem + 2 * PAGE, PAGE, &e), &e);
			start(b);
			done(b, C_RECEIVE_FINISH, psp_receive_finish(vm2, &e), &e);
		} else {
			skipped(b, C_RECEIVE_UPDATE_DATA, C_RECEIVE_FINISH, "RECEIVE_START failed");
		}
		drop_vm(b, vm2);
	}
	drop_vm(b, vm);
}

static void header(FILE *f, struct bench *b, const char *uri, unsigned iterations)
{
	struct sev_user_data_status st;
	struct psp_info info;
	struct utsname u;
	struct psp_err e;
	char host[256] = "unknown", date[64] = "unknown", cpu[256] = "unknown", line[512];
	time_t now = time(NULL);
	FILE *ci;

	gethostname(host, sizeof(host) - 1);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	if ((ci = fopen("/proc/cpuinfo", "r"))) {
		while (fgets(line, sizeof(line), ci)) {
			char *colon = strchr(line, ':');
			if (strncmp(line, "model name", 10) == 0 && colon) {
				snprintf(cpu, sizeof(cpu), "%s", colon + 2);
				cpu[strcspn(cpu, "\n")] = '\0';
				break;
			}
		}
		fclose(ci);
	}
	fprintf(f, "%s\n", PSP_LATENCY_PROFILE_TAG);
	fprintf(f, "# host: %s\n", host);
	fprintf(f, "# cpu: %s\n", cpu);
	if (uname(&u) == 0)
		fprintf(f, "# kernel: %s %s\n", u.sysname, u.release);
	if (psp_platform_status(b->p, &st, &e) == 0)
		fprintf(f, "# firmware: %u.%u build %u (platform state %u at start)\n", st.api_major, st.api_minor,
			st.build, st.state);
	if ((psp_caps(b->p) & PSP_CAP_CONTROL) && psp_info(b->p, &info, &e) == 0)
		fprintf(f, "# emulator: driver profile %s%s\n", info.profile,
			psp_caps(b->p) & PSP_CAP_DETERMINISTIC ? ", seeded" : "");
	fprintf(f, "# backend: %s (%s)\n", uri, psp_backend(b->p));
	fprintf(f, "# date: %s\n", date);
	fprintf(f, "# iterations: %u (after one warm-up round)\n", iterations);
	fprintf(f, "# unit: microseconds per ioctl (kernel + firmware), filed under the firmware command\n");
}

static int write_profile(FILE *f, struct bench *b, const char *uri, unsigned iterations)
{
	unsigned measured = 0;

	header(f, b, uri, iterations);
	fprintf(f, "# %-20s %12s %6s %12s %12s  %s\n", "command", "mean_us", "count", "min_us", "max_us", "via");
	for (int c = 0; c < C_N; c++) {
		const struct stat_ *s = &b->s[c];
		if (!s->n)
			continue;
		fprintf(f, "%-22s %12.1f %6u %12.1f %12.1f  %s\n", cmds[c].fw, s->sum / s->n, s->n, s->min, s->max,
			cmds[c].via);
		measured++;
	}
	for (int c = 0; c < C_N; c++)
		if (!b->s[c].n)
			fprintf(f, "# %s: not measured: %s\n", cmds[c].fw, b->s[c].why[0] ? b->s[c].why : "not run");
	if (b->teardown_n)
		fprintf(f, "# VM teardown (DEACTIVATE + DECOMMISSION, not replayed): mean %.1f us over %u\n",
			b->teardown_sum / b->teardown_n, b->teardown_n);
	return measured ? 0 : -1;
}

static int usage(FILE *out, const char *prog)
{
	if (out != stdout) {
		fprintf(out, "usage: %s --backend URI --out FILE [--iterations N] [--platform-only] [--quiet]\n"
			     "(--help for more)\n", prog);
		return 2;
	}
	fprintf(out,
		"usage: %s --backend URI --out FILE [--iterations N] [--platform-only] [--quiet]\n"
		"\n"
		"Times every non-destructive SEV command through psp/ on URI (platform commands\n"
		"that change nothing; guest commands on throwaway VMs, including a migration to a\n"
		"second VM on the same platform) and writes a latency profile to FILE ('-' for\n"
		"stdout) that an emulated backend replays with ?latency-profile=FILE.\n"
		"\n"
		"  --backend URI      emu:DIR, unix:PATH, dev:PATH or kvm:[SEVPATH] (default $SWSEV_BACKEND)\n"
		"  --out FILE         the profile\n"
		"  --iterations N     measured rounds after one warm-up round (default 10)\n"
		"  --platform-only    skip the guest commands\n"
		"  --quiet            no progress on stderr\n",
		prog);
	return 0;
}

static int write_file(struct bench *b, const char *out, const char *uri, unsigned iterations)
{
	char tmp[4096];
	FILE *f;
	int rc;

	if (strcmp(out, "-") == 0)
		return write_profile(stdout, b, uri, iterations) == 0 && fflush(stdout) == 0 ? 0 : -1;
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", out, (long)getpid());
	if (!(f = fopen(tmp, "w"))) {
		fprintf(stderr, "swsev bench latency: %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	rc = write_profile(f, b, uri, iterations);
	if (fclose(f) != 0 || rc != 0 || rename(tmp, out) != 0) {
		if (rc == 0)
			fprintf(stderr, "swsev bench latency: %s: %s\n", out, strerror(errno));
		else
			fprintf(stderr, "swsev bench latency: no command could be measured\n");
		unlink(tmp);
		return -1;
	}
	return 0;
}

int bench_latency(int argc, char **argv)
{
	const char *prog = "swsev bench latency", *uri = NULL, *out = NULL;
	unsigned long iterations = 10;
	bool platform_only = false, quiet = false;
	struct bench *b;
	struct psp_err e;
	char msg[512];
	int rc = 1;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
			return usage(stdout, prog);
		if (strcmp(a, "--platform-only") == 0) {
			platform_only = true;
		} else if (strcmp(a, "--quiet") == 0) {
			quiet = true;
		} else if ((strcmp(a, "--backend") == 0 || strcmp(a, "--out") == 0 || strcmp(a, "--iterations") == 0) &&
			   i + 1 < argc) {
			const char *v = argv[++i];
			char *end;
			if (a[2] == 'b') {
				uri = v;
			} else if (a[2] == 'o') {
				out = v;
			} else {
				iterations = strtoul(v, &end, 10);
				if (!*v || *end || iterations == 0 || iterations > 100000) {
					fprintf(stderr, "%s: --iterations wants a count from 1 to 100000\n", prog);
					return 2;
				}
			}
		} else {
			fprintf(stderr, "%s: unexpected argument '%s'\n", prog, a);
			return usage(stderr, prog);
		}
	}
	if (!out) {
		fprintf(stderr, "%s: --out FILE is required\n", prog);
		return usage(stderr, prog);
	}
	if (!(b = calloc(1, sizeof(*b))))
		return 1;
	if (psp_open(uri, &b->p, &e) != 0) {
		psp_err_format(&e, msg, sizeof(msg));
		fprintf(stderr, "%s: %s: %s\n", prog, uri ? uri : "$SWSEV_BACKEND", msg);
		free(b);
		return 1;
	}
	if (posix_memalign((void **)&b->mem, PAGE, 3 * PAGE) != 0)
		goto out;
	memset(b->mem, 0, 3 * PAGE);
	if (!platform_only && !(psp_caps(b->p) & PSP_CAP_GUEST)) {
		platform_only = true;
		if (!quiet)
			fprintf(stderr, "%s: %s has no guest commands; platform commands only\n", prog, psp_uri(b->p));
	}
	if (platform_only)
		skipped(b, C_LAUNCH_START, C_RECEIVE_FINISH, "guest commands not run (--platform-only or no KVM)");
	for (unsigned long r = 0; r <= iterations; r++) {
		b->counting = r > 0;
		if (!quiet)
			fprintf(stderr, "\r%s: %s round %lu/%lu", prog, r ? "measuring" : "warm-up", r, iterations);
		platform_round(b);
		if (!platform_only)
			guest_round(b);
	}
	if (!quiet)
		fprintf(stderr, "\n");
	rc = write_file(b, out, uri ? uri : psp_uri(b->p), (unsigned)iterations) == 0 ? 0 : 1;
out:
	free(b->mem);
	psp_close(b->p);
	free(b);
	return rc;
}
