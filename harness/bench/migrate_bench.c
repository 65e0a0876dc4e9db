/* swsev bench migrate: private-page throughput of SEND -> RECEIVE, in one process and
 * between two processes over a Unix socket, as a ratio to the crypto ceiling measured
 * in the same run.
 *
 * The ceiling is the per-page cryptography both firmwares must do, with the same calls
 * and the same parallelism as a migration (source and target on their own cores):
 *   source: memenc_decrypt (the VEK model) + a 16-byte IV from the DRBG + sev_pkt_seal
 *           (AES-128-CTR with the TEK, HMAC-SHA256 with the TIK)
 *   target: sev_pkt_open (HMAC check, AES-128-CTR) + memenc_encrypt (the target's VEK)
 * Everything a migration adds on top (the driver and firmware layers, copies, the
 * stream, the socket) is what the ratio shows. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "emu/crypto/memenc.h"
#include "emu/crypto/packet.h"
#include "emu/crypto/rng.h"
#include "emu/crypto/symm.h"
#include "harness/bench/bench.h"
#include "harness/migrate/migrate.h"
#include "harness/migrate/net.h"

extern char **environ;

#define PAGE 4096u
#define CEIL_BUF (64u << 20) /* the ceiling cycles over this much memory per side */

/* ---- the crypto ceiling ------------------------------------------------------------- */

struct ceil_side {
	bool source;
	size_t pages;
	uint8_t *mem, *hdrs, *trans; /* trans: the packets the source made, for the target */
	pthread_barrier_t *start;
	int rc;
};

static void *ceil_run(void *arg)
{
	struct ceil_side *c = arg;
	static const uint8_t vek[16] = { 1, 2, 3 }, tek[16] = { 4, 5, 6 }, tik[16] = { 7, 8, 9 };
	struct sev_tk tk;
	struct memenc *m = memenc_new(vek);
	struct sev_pkt_ctx *pk;
	struct rng *r = rng_new_os();
	size_t nbuf = CEIL_BUF / PAGE;
	uint8_t scratch[PAGE], iv[16] = { 0 };

	memcpy(tk.tek, tek, 16);
	memcpy(tk.tik, tik, 16);
	pk = sev_pkt_ctx_new(&tk);
	c->rc = -1;
	/* every party reaches the barrier, whatever failed, or the others wait forever */
	pthread_barrier_wait(c->start);
	if (!m || !pk || !r)
		goto out;
	for (size_t i = 0; i < c->pages; i++) {
		size_t k = i % nbuf;
		uint8_t *pg = c->mem + k * PAGE, *hdr = c->hdrs + k * SEV_PKT_HDR_LEN, *t = c->trans + k * PAGE;
		if (c->source) {
			if (memenc_decrypt(m, (uint64_t)k * PAGE, pg, scratch, PAGE) || rng_bytes(r, iv, sizeof(iv)) ||
			    sev_pkt_seal(pk, SEV_PKT_CTX_TRANSPORT, iv, scratch, PAGE, NULL, t, hdr))
				goto out;
		} else {
			if (sev_pkt_open(pk, SEV_PKT_CTX_TRANSPORT, hdr, t, PAGE, NULL, scratch) != 0 ||
			    memenc_encrypt(m, (uint64_t)k * PAGE, scratch, pg, PAGE))
				goto out;
		}
	}
	c->rc = 0;
out:
	secure_zero(&tk, sizeof(tk));
	sev_pkt_ctx_free(pk);
	memenc_free(m);
	rng_free(r);
	return NULL;
}

/* Pages per second of both sides' cryptography run in parallel (one run). */
static double ceiling_once(size_t pages)
{
	size_t nbuf = CEIL_BUF / PAGE;
	uint8_t *smem = malloc(CEIL_BUF), *tmem = malloc(CEIL_BUF), *trans = malloc(CEIL_BUF),
		*hdrs = malloc(nbuf * SEV_PKT_HDR_LEN), *ttrans = malloc(CEIL_BUF),
		*thdrs = malloc(nbuf * SEV_PKT_HDR_LEN);
	/* Each side has its own packet buffers: the target opens copies of packets sealed
	 * beforehand while the source seals new ones. */
	struct ceil_side s = { true, pages, smem, hdrs, trans, NULL, 0 },
			 t = { false, pages, tmem, thdrs, ttrans, NULL, 0 };
	pthread_barrier_t bar;
	pthread_t a, b;
	uint64_t t0;
	double rate = 0;

	if (!smem || !tmem || !trans || !hdrs || !ttrans || !thdrs)
		goto out;
	memset(smem, 0x5a, CEIL_BUF);
	memset(tmem, 0, CEIL_BUF);
	/* The target must open real packets: seal one buffer's worth first, untimed. */
	s.pages = nbuf;
	pthread_barrier_init(&bar, NULL, 1);
	s.start = &bar;
	ceil_run(&s);
	pthread_barrier_destroy(&bar);
	if (s.rc)
		goto out;
	memcpy(ttrans, trans, CEIL_BUF);
	memcpy(thdrs, hdrs, nbuf * SEV_PKT_HDR_LEN);
	s.pages = pages;
	pthread_barrier_init(&bar, NULL, 3);
	s.start = t.start = &bar;
	if (pthread_create(&a, NULL, ceil_run, &s) || pthread_create(&b, NULL, ceil_run, &t)) {
		/* a thread already created waits on the barrier for good: nothing to unwind */
		fprintf(stderr, "bench migrate: cannot start the ceiling's threads\n");
		exit(1);
	}
	pthread_barrier_wait(&bar);
	t0 = bench_now_ns();
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	rate = (double)pages * 1e9 / (double)(bench_now_ns() - t0);
	pthread_barrier_destroy(&bar);
	if (s.rc || t.rc)
		rate = 0;
out:
	free(smem);
	free(tmem);
	free(trans);
	free(hdrs);
	free(ttrans);
	free(thdrs);
	return rate;
}

/* The ceiling per page does not depend on the guest size (the buffers cycle), so a
 * bounded number of pages measures it; the best of three runs keeps a momentary
 * disturbance from lowering the bar the migration is held to. */
static double crypto_ceiling(size_t pages)
{
	double best = 0;

	if (pages > 65536)
		pages = 65536;
	for (int i = 0; i < 3; i++) {
		double r = ceiling_once(pages);
		if (r <= 0)
			return 0;
		if (r > best)
			best = r;
	}
	return best;
}

/* ---- migrations --------------------------------------------------------------------- */

struct run {
	double pages_per_s;
	double overhead_mib; /* peak memory beyond both guests and their bitmaps */
	double busy_src, busy_dst; /* CPU time / wall time of each side */
	uint64_t pages;
};

static int open_fresh(const char *dir, const char *name, struct psp **p)
{
	char uri[1300];
	struct psp_err e;

	snprintf(uri, sizeof(uri), "emu:%s/%s", dir, name);
	if (psp_open(uri, p, &e)) {
		char m[400];
		psp_err_format(&e, m, sizeof(m));
		fprintf(stderr, "bench: cannot open %s: %s\n", uri, m);
		return -1;
	}
	return 0;
}

static void local_opts(struct mig_local_opts *o, size_t size)
{
	mig_local_opts_default(o);
	o->size = size;
	o->policy = 0x1;
	o->shared = 0;
	o->dirty_rate = 0; /* an idle guest: one round, every page private */
	o->verify = false;
	o->send.max_rounds = 1;
}

static int in_process(const char *dir, size_t size, struct run *out)
{
	struct psp *a = NULL, *b = NULL;
	struct mig_local_opts o;
	struct mig_stats ss, rs;
	struct mig_error err;
	uint64_t base;
	int rc = -1;

	if (open_fresh(dir, "src", &a) || open_fresh(dir, "dst", &b))
		goto out;
	local_opts(&o, size);
	base = bench_rss_reset();
	if (mig_local(a, b, &o, &ss, &rs, &err)) {
		char m[600];
		mig_error_format(&err, m, sizeof(m));
		fprintf(stderr, "bench: migration failed: %s\n", m);
		goto out;
	}
	out->pages = ss.private_pages;
	out->pages_per_s = (double)ss.private_pages * 1e9 / (double)ss.total_ns;
	out->busy_src = (double)ss.cpu_ns / (double)ss.total_ns;
	out->busy_dst = (double)rs.cpu_ns / (double)rs.total_ns;
	out->overhead_mib = ((double)bench_rss_peak() - (double)base - 2.0 * (double)size - 2.0 * (double)(size / PAGE)) /
			    (1 << 20);
	rc = 0;
out:
	psp_close(a);
	psp_close(b);
	return rc;
}

/* The target is `swsev migrate receive` in its own process, as an operator runs it. */
static int two_process(const char *self, const char *dir, size_t size, struct run *out)
{
	char sock[1200], addr[1220], sz[32], be[1200], msg[300];
	char *argv[] = { (char *)self, "migrate", "receive", "--listen", addr, "--backend", be, "--guest-size", sz,
			 "--no-verify", "-q", "--timeout", "120", NULL };
	struct psp *a = NULL;
	struct mig_vm v;
	struct mig_send_opts so;
	struct mig_stats st;
	struct mig_error err;
	posix_spawn_file_actions_t fa;
	pid_t pid = -1;
	int fd = -1, rc = -1, status;
	bool have_vm = false;

	snprintf(sock, sizeof(sock), "%s/mig.sock", dir);
	snprintf(addr, sizeof(addr), "unix:%s", sock);
	snprintf(sz, sizeof(sz), "%zu", size);
	snprintf(be, sizeof(be), "emu:%s/dst2", dir);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	if (posix_spawn(&pid, self, &fa, NULL, argv, environ) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		fprintf(stderr, "bench: cannot start %s migrate receive\n", self);
		return -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	if (open_fresh(dir, "src2", &a) || mig_vm_launch(a, &v, size, 0x1, 0, 0, 0, &err)) {
		if (a) {
			char m[800];
			mig_error_format(&err, m, sizeof(m));
			fprintf(stderr, "bench: source launch failed: %s\n", m);
		}
		goto out;
	}
	have_vm = true;
	fd = mig_net_connect(addr, 60000, 120000, msg, sizeof(msg));
	if (fd < 0) {
		fprintf(stderr, "bench: %s\n", msg);
		goto out;
	}
	mig_send_opts_default(&so);
	so.two_way = true;
	so.max_rounds = 1;
	if (mig_send(&v, fd, fd, &so, &st, &err)) {
		char m[600];
		mig_error_format(&err, m, sizeof(m));
		fprintf(stderr, "bench: two-process migration failed: %s\n", m);
		goto out;
	}
	out->pages = st.private_pages;
	out->pages_per_s = (double)st.private_pages * 1e9 / (double)st.total_ns;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (have_vm)
		mig_vm_free(&v);
	psp_close(a);
	if (pid > 0) {
		if (rc)
			kill(pid, SIGTERM);
		if (waitpid(pid, &status, 0) == pid && rc == 0 && (!WIFEXITED(status) || WEXITSTATUS(status)))
			rc = -1, fprintf(stderr, "bench: the receiving process failed\n");
	}
	unlink(sock);
	return rc;
}

/* ---- the command -------------------------------------------------------------------- */

static const char usage[] =
	"usage: swsev bench migrate [--sizes MIB[,MIB...]] [--no-two-process] [--state DIR]\n"
	"\n"
	"Migrates idle SEV guests of each size (default 64,256,1024 MiB) between two fresh\n"
	"emulated platforms, in this process and between two processes (the target being\n"
	"`swsev migrate receive` on a Unix socket), and prints each private-page throughput\n"
	"as a ratio to the crypto ceiling measured in the same run: both firmwares' per-page\n"
	"cryptography with the same OpenSSL calls, source and target on their own threads.\n"
	"Also: cost per page against the smallest size (linearity) and peak memory beyond\n"
	"the two guests (independent of guest size).\n";

int bench_migrate(int argc, char **argv)
{
	enum { O_SIZES = 256, O_NO2P, O_STATE };
	static const struct option lo[] = {
		{ "help", no_argument, NULL, 'h' }, { "sizes", required_argument, NULL, O_SIZES },
		{ "no-two-process", no_argument, NULL, O_NO2P }, { "state", required_argument, NULL, O_STATE }, { 0 },
	};
	size_t sizes[16] = { 64, 256, 1024 }, nsizes = 3;
	char tmpl[] = "/tmp/swsev-bench.XXXXXX", self[4096], dir[1100];
	const char *state = NULL;
	bool two = true;
	double ceil, first_cost = 0, worst_in = 1e9, worst_two = 1e9;
	ssize_t sl;
	int opt, rc = 0;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (opt) {
		case 'h': fputs(usage, stdout); return 0;
		case O_SIZES: {
			char *s = optarg, *end;
			nsizes = 0;
			while (*s && nsizes < 16) {
				unsigned long v = strtoul(s, &end, 10);
				if (end == s || !v || v > 65536 || (*end && *end != ','))
					return fprintf(stderr, "bench migrate: --sizes: '%s' is not a list of MiB\n", optarg), 2;
				sizes[nsizes++] = v;
				s = *end ? end + 1 : end;
			}
			break;
		}
		case O_NO2P: two = false; break;
		case O_STATE: state = optarg; break;
		default: fputs(usage, stderr); return 2;
		}
	}
	sl = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (sl <= 0)
		return fprintf(stderr, "bench migrate: cannot find my own executable\n"), 1;
	self[sl] = 0;
	if (!state && !(state = mkdtemp(tmpl)))
		return fprintf(stderr, "bench migrate: mkdtemp: %s\n", strerror(errno)), 1;

	printf("# migrate: private-page throughput of SEND->RECEIVE vs the crypto ceiling (2 threads)\n");
	for (size_t i = 0; i < nsizes && rc == 0; i++) {
		size_t size = sizes[i] << 20;
		struct run r;

		/* each size gets fresh platforms: a migrated guest leaves state behind */
		snprintf(dir, sizeof(dir), "%s/%zu", state, sizes[i]);
		if (mkdir(dir, 0700) && errno != EEXIST) {
			fprintf(stderr, "bench migrate: mkdir %s: %s\n", dir, strerror(errno));
			rc = 1;
			break;
		}
		ceil = crypto_ceiling(size / PAGE);
		if (ceil <= 0) {
			fprintf(stderr, "bench migrate: the crypto ceiling run failed\n");
			rc = 1;
			break;
		}
		printf("migrate %5zu MiB crypto ceiling:    %8.1f MiB/s  (%.2f us/page)\n", sizes[i],
		       ceil * PAGE / (1 << 20), 1e6 / ceil);
		if (in_process(dir, size, &r)) {
			rc = 1;
			break;
		}
		printf("migrate %5zu MiB in-process:        %8.1f MiB/s  (%.2f us/page, %llu pages)  "
		       "ratio to crypto ceiling: %.2f\n",
		       sizes[i], r.pages_per_s * PAGE / (1 << 20), 1e6 / r.pages_per_s, (unsigned long long)r.pages,
		       r.pages_per_s / ceil);
		if (r.pages_per_s / ceil < worst_in)
			worst_in = r.pages_per_s / ceil;
		printf("migrate %5zu MiB memory beyond the two guests: %.1f MiB; CPU busy: source %.0f%%, target %.0f%%\n",
		       sizes[i], r.overhead_mib, 100 * r.busy_src, 100 * r.busy_dst);
		if (!first_cost)
			first_cost = 1.0 / r.pages_per_s;
		else
			printf("migrate %5zu MiB cost per page vs %zu MiB: ratio %.2f (1.00 = linear)\n", sizes[i], sizes[0],
			       (1.0 / r.pages_per_s) / first_cost);
		if (two) {
			if (two_process(self, dir, size, &r)) {
				rc = 1;
				break;
			}
			printf("migrate %5zu MiB two processes:     %8.1f MiB/s  (%.2f us/page)  "
			       "ratio to crypto ceiling: %.2f\n",
			       sizes[i], r.pages_per_s * PAGE / (1 << 20), 1e6 / r.pages_per_s, r.pages_per_s / ceil);
			if (r.pages_per_s / ceil < worst_two)
				worst_two = r.pages_per_s / ceil;
		}
		fflush(stdout);
	}
	if (rc == 0) {
		printf("migrate summary: lowest ratio to crypto ceiling: in-process %.2f", worst_in);
		if (two)
			printf(", two processes %.2f", worst_two);
		printf(" (target >= 0.70)\n");
	}
	if (state == tmpl) {
		char cmd[200];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
		if (system(cmd) != 0)
			fprintf(stderr, "bench migrate: could not remove %s\n", tmpl);
	}
	return rc;
}
