/* swsev migrate: live migration of an SEV guest, in one process (local) or between two
 * processes with their own platforms (send / receive), on harness/migrate.  The summary
 * is key=value lines on stdout; progress goes to stderr on a terminal. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu/util/hex.h"
#include "harness/cli/cli.h"
#include "harness/cli/commands.h"
#include "harness/migrate/migrate.h"
#include "harness/migrate/net.h"
#include "psp/psp.h"

static const char usage[] =
	"usage: swsev migrate local   [OPTIONS]                  both platforms in this process\n"
	"       swsev migrate receive --listen ADDR [OPTIONS]    the target VMM: wait for a guest\n"
	"       swsev migrate send    --to ADDR [OPTIONS]        the source VMM: launch a guest, send it\n"
	"\n"
	"Launches an SEV guest on the source platform, lets a simulated vCPU dirty its memory,\n"
	"and migrates it live: SEND_START for the target's PDH, pre-copy rounds over the dirty\n"
	"log, a stop-and-copy round, SEND_FINISH, then RECEIVE_FINISH on the target.  The\n"
	"target guest is then compared with the source guest, page by page (local) or by the\n"
	"SHA-256 of their plaintext (guest_digest= on both sides).\n"
	"\n"
	"ADDR is unix:PATH or [HOST:]PORT (TCP, default host 127.0.0.1; port 0 picks one and\n"
	"receive prints it as listening=HOST:PORT).\n"
	"\n"
	"platforms:\n"
	"  --backend URI      the platform (local: the source; default $SWSEV_BACKEND, else emu:;\n"
	"                     local without backends uses two fresh platforms in a temp dir)\n"
	"  --backend2 URI     local: the target platform\n"
	"  --seed HEX         deterministic platforms (the source HEX||01, the target HEX||02)\n"
	"                     and guest content; the default dirty rate becomes 0, so the\n"
	"                     whole stream is reproducible\n"
	"  --kds-dir DIR      receive: cek.cert, ask.cert, ark.cert from AMD's KDS (real PSP)\n"
	"the guest (the same on both sides, as QEMU's -m on source and target):\n"
	"  --guest-mib N      guest RAM in MiB (default 16); or --guest-size SIZE (K/M/G)\n"
	"  --vcpus N          an SEV-ES guest with N vCPUs (default 0: plain SEV)\n"
	"  --policy HEX       guest policy (default 1: NODBG; ES adds 4)\n"
	"  --shared FRAC      fraction of pages the guest shares with the host (default 0.05)\n"
	"  --dirty-rate N     pages per second the running guest writes (default 2000, with\n"
	"                     --seed 0; 0: an idle guest)\n"
	"the migration:\n"
	"  --rounds N         at most N pre-copy rounds before stop-and-copy (default 8)\n"
	"  --converge FRAC    stop pre-copy once at most FRAC of the pages are dirty (0.01)\n"
	"  --bandwidth RATE   cap the stream at RATE bytes/s (K/M/G suffixes; default none)\n"
	"  --chunk SIZE       stream bytes per write (default 1M, at least 16K)\n"
	"  --timeout S        how long to wait for the other side (default 600)\n"
	"  --no-verify        skip the final comparison\n"
	"  --progress         a progress line even when stderr is not a terminal\n"
	"  -q, --quiet        no progress or messages on stderr\n";

struct opts {
	const char *backend, *backend2, *seed, *kds_dir, *addr;
	uint64_t size;
	uint32_t vcpus, policy, rounds, timeout;
	bool have_policy, verify, progress, quiet, listen, to;
	double shared, dirty_rate, converge;
	uint64_t bandwidth, chunk;
};

static uint64_t seed64(const char *seed)
{
	uint64_t h = 0xcbf29ce484222325ull;

	/* FNV-1a of the seed text: guest content follows the seed, nothing secret here */
	if (!seed)
		return 0;
	for (const char *c = seed; *c; c++)
		h = (h ^ (uint8_t)*c) * 0x100000001b3ull;
	return h;
}

static int report(const char *side, const struct mig_error *e)
{
	char m[1024];

	mig_error_format(e, m, sizeof(m));
	return cli_error("%smigration failed at %s", side, m);
}

static void print_stats(const char *prefix, const struct mig_stats *s, uint64_t guest_bytes)
{
	unsigned n = s->rounds <= MIG_MAX_ROUNDS + 1 ? s->rounds : MIG_MAX_ROUNDS + 1;
	double secs = (double)s->total_ns / 1e9;

	printf("%srounds=%u\n%sround_pages=", prefix, s->rounds, prefix);
	for (unsigned i = 0; i < n; i++)
		printf("%s%llu", i ? "," : "", (unsigned long long)s->round_pages[i]);
	printf("\n%sprivate_pages=%llu\n%sshared_pages=%llu\n%svmsas=%llu\n%sstream_bytes=%llu\n", prefix,
	       (unsigned long long)s->private_pages, prefix, (unsigned long long)s->shared_pages, prefix,
	       (unsigned long long)s->vmsas, prefix, (unsigned long long)s->bytes);
	printf("%stotal_ms=%.1f\n", prefix, (double)s->total_ns / 1e6);
	if (s->downtime_ns)
		printf("%sdowntime_ms=%.1f\n", prefix, (double)s->downtime_ns / 1e6);
	if (s->guest_writes)
		printf("%sguest_writes=%llu\n", prefix, (unsigned long long)s->guest_writes);
	if (secs > 0)
		printf("%sthroughput_mib_s=%.1f\n%sguest_mib_s=%.1f\n", prefix, (double)s->bytes / (1 << 20) / secs,
		       prefix, (double)guest_bytes / (1 << 20) / secs);
}

static void print_digest(const uint8_t d[32])
{
	char hex[65];

	hex_encode(d, 32, hex);
	printf("guest_digest=%s\n", hex);
}

static char *seeded(const char *seed, const char *suffix)
{
	char *s;

	if (!seed)
		return NULL;
	if (strncmp(seed, "0x", 2) == 0 || strncmp(seed, "0X", 2) == 0)
		seed += 2;
	return asprintf(&s, "%s%s", seed, suffix) < 0 ? NULL : s;
}

static void send_defaults(const struct opts *o, struct mig_send_opts *so)
{
	mig_send_opts_default(so);
	if (o->rounds)
		so->max_rounds = o->rounds;
	if (o->converge >= 0)
		so->converge = o->converge;
	so->bandwidth = o->bandwidth;
	so->chunk = o->chunk;
	so->progress = !o->quiet && (o->progress || isatty(2));
}

/* ---- local ------------------------------------------------------------------------- */

static int run_local(const struct opts *o)
{
	char tmp[] = "/tmp/swsev-migrate.XXXXXX", b1[512], b2[512];
	const char *u1 = o->backend, *u2 = o->backend2;
	char *s1 = seeded(o->seed, "01"), *s2 = seeded(o->seed, "02");
	struct psp *src = NULL, *dst = NULL;
	struct mig_local_opts lo;
	struct mig_stats ss, rs;
	struct mig_error err;
	bool made_tmp = false;
	int rc = 1;

	if ((!u1) != (!u2)) {
		rc = cli_usage_error("give both --backend and --backend2, or neither");
		goto out;
	}
	if (!u1) {
		if (!mkdtemp(tmp)) {
			cli_error("cannot create a temporary directory: %s", strerror(errno));
			goto out;
		}
		made_tmp = true;
		snprintf(b1, sizeof(b1), "emu:%s/source", tmp);
		snprintf(b2, sizeof(b2), "emu:%s/target", tmp);
		u1 = b1;
		u2 = b2;
	}
	if ((rc = cli_open_backend(u1, s1, false, &src)) || (rc = cli_open_backend(u2, s2, false, &dst)))
		goto out;
	rc = 1;
	if (o->dirty_rate > 0 && !(psp_caps(src) & PSP_CAP_GUEST_VIEW))
		cli_warn("%s has no guest view to play the guest's vCPU: migrating an idle guest", u1);
	mig_local_opts_default(&lo);
	lo.size = o->size;
	lo.policy = o->policy;
	lo.vcpus = o->vcpus;
	lo.shared = o->shared;
	lo.dirty_rate = o->dirty_rate;
	lo.seed = seed64(o->seed);
	lo.verify = o->verify;
	send_defaults(o, &lo.send);
	cli_info("migrating a %llu MiB %s guest (policy 0x%x, %.0f pages/s dirtied) from %s to %s",
		 (unsigned long long)(o->size >> 20), o->vcpus ? "SEV-ES" : "SEV", o->policy, o->dirty_rate, u1, u2);
	if (mig_local(src, dst, &lo, &ss, &rs, &err)) {
		report("", &err);
		goto out;
	}
	printf("result=ok\nguest_bytes=%llu\n", (unsigned long long)o->size);
	print_stats("", &ss, o->size);
	printf("verified=%s\n", o->verify ? "yes" : "skipped");
	rc = 0;
out:
	psp_close(src);
	psp_close(dst);
	if (made_tmp) {
		char cmd[600];
		/* the platforms' state directories were only for this run */
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
		if (system(cmd) != 0)
			cli_warn("could not remove %s", tmp);
	}
	free(s1);
	free(s2);
	return rc;
}

/* ---- two processes ----------------------------------------------------------------- */

/* One side's platform: a seed becomes HEX||suffix, as in local, so one seed given to
 * both processes still makes two identities. */
static int open_side(const struct opts *o, const char *suffix, struct psp **p)
{
	char *seed = seeded(o->seed, suffix);
	int rc = cli_open_backend(o->backend, seed, false, p);

	free(seed);
	return rc;
}

static int run_receive(const struct opts *o)
{
	struct psp *p = NULL;
	struct mig_vm d;
	struct mig_certs certs;
	struct mig_recv_opts ro = { .two_way = true, .own = &certs };
	struct mig_stats st;
	struct mig_error err;
	char bound[300], msg[300];
	uint8_t dg[32];
	int lfd = -1, fd = -1, rc = 1;
	bool have_vm = false;

	if ((rc = open_side(o, "02", &p)))
		return rc;
	rc = 1;
	if (mig_local_certs(p, o->kds_dir, &certs, &err) || mig_vm_target(p, &d, o->size, o->vcpus, &err)) {
		report("", &err);
		goto out;
	}
	have_vm = true;
	lfd = mig_net_listen(o->addr, bound, sizeof(bound), msg, sizeof(msg));
	if (lfd < 0) {
		cli_error("%s", msg);
		goto out;
	}
	printf("listening=%s\n", bound);
	fflush(stdout);
	fd = mig_net_accept(lfd, (int)o->timeout * 1000, (int)o->timeout * 1000, msg, sizeof(msg));
	if (fd < 0) {
		cli_error("%s", msg);
		goto out;
	}
	cli_info("source connected; receiving");
	if (mig_receive(&d, fd, fd, &ro, &st, &err)) {
		report("", &err);
		goto out;
	}
	printf("result=ok\nguest_bytes=%llu\n", (unsigned long long)o->size);
	print_stats("", &st, o->size);
	if (o->verify) {
		if (mig_vm_digest(&d, dg, &err)) {
			report("", &err);
			goto out;
		}
		print_digest(dg);
	}
	cli_info("the guest runs here now (RECEIVE_FINISH done)");
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (lfd >= 0)
		close(lfd);
	if (strncmp(o->addr, "unix:", 5) == 0 && lfd >= 0)
		unlink(o->addr + 5);
	if (have_vm)
		mig_vm_free(&d);
	psp_close(p);
	return rc;
}

static int run_send(const struct opts *o)
{
	struct psp *p = NULL;
	struct mig_vm s;
	struct mig_send_opts so;
	struct mig_guestsim *sim = NULL;
	struct mig_stats st;
	struct mig_error err;
	char msg[300];
	uint8_t dg[32];
	int fd = -1, rc = 1;
	bool have_vm = false;

	if ((rc = open_side(o, "01", &p)))
		return rc;
	rc = 1;
	if (mig_vm_launch(p, &s, o->size, o->policy, o->vcpus, o->shared, seed64(o->seed), &err)) {
		report("", &err);
		goto out;
	}
	have_vm = true;
	fd = mig_net_connect(o->addr, (int)o->timeout * 1000, (int)o->timeout * 1000, msg, sizeof(msg));
	if (fd < 0) {
		cli_error("%s", msg);
		goto out;
	}
	if (o->dirty_rate > 0 && !(sim = mig_guestsim_start(&s, o->dirty_rate, seed64(o->seed) ^ 0x5bd1e995)))
		cli_warn("this backend has no guest view to play the guest's vCPU: migrating an idle guest");
	send_defaults(o, &so);
	so.two_way = true;
	so.sim = sim;
	rc = mig_send(&s, fd, fd, &so, &st, &err);
	st.guest_writes = mig_guestsim_stop(sim);
	if (rc) {
		rc = report("", &err);
		if (err.source_gone)
			cli_info("SEND_FINISH was done: the guest no longer runs on the source; the target holds all of it");
		else
			cli_info("the guest keeps running on the source (SEND_CANCEL)");
		goto out;
	}
	printf("result=ok\nguest_bytes=%llu\n", (unsigned long long)o->size);
	print_stats("", &st, o->size);
	if (o->verify) {
		if (mig_vm_digest(&s, dg, &err)) {
			rc = report("", &err);
			goto out;
		}
		print_digest(dg);
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (have_vm)
		mig_vm_free(&s);
	psp_close(p);
	return rc;
}

/* ---- options ------------------------------------------------------------------------ */

static int parse_frac(const char *name, const char *s, double *out, double max)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (!*s || *end || errno || !(*out >= 0) || *out > max)
		return cli_usage_error("--%s: '%s' is not a number from 0 to %g", name, s, max);
	return 0;
}

int cmd_migrate(int argc, char **argv)
{
	enum {
		O_BACKEND = 256, O_BACKEND2, O_SEED, O_KDS, O_LISTEN, O_TO, O_MIB, O_SIZE, O_VCPUS, O_POLICY,
		O_SHARED, O_RATE, O_ROUNDS, O_CONVERGE, O_BW, O_CHUNK, O_TIMEOUT, O_NOVERIFY, O_PROGRESS,
	};
	static const struct option lo[] = {
		{ "help", no_argument, NULL, 'h' }, { "quiet", no_argument, NULL, 'q' },
		{ "backend", required_argument, NULL, O_BACKEND }, { "backend2", required_argument, NULL, O_BACKEND2 },
		{ "seed", required_argument, NULL, O_SEED }, { "kds-dir", required_argument, NULL, O_KDS },
		{ "listen", required_argument, NULL, O_LISTEN }, { "to", required_argument, NULL, O_TO },
		{ "guest-mib", required_argument, NULL, O_MIB }, { "guest-size", required_argument, NULL, O_SIZE },
		{ "vcpus", required_argument, NULL, O_VCPUS }, { "policy", required_argument, NULL, O_POLICY },
		{ "shared", required_argument, NULL, O_SHARED }, { "dirty-rate", required_argument, NULL, O_RATE },
		{ "rounds", required_argument, NULL, O_ROUNDS }, { "converge", required_argument, NULL, O_CONVERGE },
		{ "bandwidth", required_argument, NULL, O_BW }, { "chunk", required_argument, NULL, O_CHUNK },
		{ "timeout", required_argument, NULL, O_TIMEOUT }, { "no-verify", no_argument, NULL, O_NOVERIFY },
		{ "progress", no_argument, NULL, O_PROGRESS }, { 0 },
	};
	struct opts o = { .size = 16u << 20, .shared = 0.05, .dirty_rate = -1, .converge = -1,
			  .timeout = 600, .verify = true };
	const char *mode;
	uint64_t v;
	int opt;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	mode = argv[1];
	if (strcmp(mode, "local") && strcmp(mode, "send") && strcmp(mode, "receive"))
		return cli_usage_error("'%s' is not local, send or receive", mode);
	optind = 1;
	argc--;
	argv++;
	while ((opt = getopt_long(argc, argv, "hq", lo, NULL)) != -1) {
		switch (opt) {
		case 'h': fputs(usage, stdout); return 0;
		case 'q': o.quiet = true; cli_set_quiet(true); break;
		case O_BACKEND: o.backend = optarg; break;
		case O_BACKEND2: o.backend2 = optarg; break;
		case O_SEED: o.seed = optarg; break;
		case O_KDS: o.kds_dir = optarg; break;
		case O_LISTEN: o.addr = optarg; o.listen = true; break;
		case O_TO: o.addr = optarg; o.to = true; break;
		case O_MIB:
			if (cli_parse_u64(optarg, &v) || !v || v > (1u << 20))
				return cli_usage_error("--guest-mib: '%s' is not a size in MiB", optarg);
			o.size = v << 20;
			break;
		case O_SIZE:
			if (cli_parse_size(optarg, &o.size) || !o.size || o.size % 4096)
				return cli_usage_error("--guest-size: '%s' is not a whole number of 4 KiB pages", optarg);
			break;
		case O_VCPUS:
			if (cli_parse_u32(optarg, &o.vcpus) || o.vcpus > 256)
				return cli_usage_error("--vcpus: '%s' is not 0..256", optarg);
			break;
		case O_POLICY: {
			char *end;
			unsigned long p;
			errno = 0;
			p = strtoul(optarg, &end, 16);
			if (!*optarg || *optarg == '-' || *end || errno || p > UINT32_MAX)
				return cli_usage_error("--policy: '%s' is not a hex policy", optarg);
			o.policy = (uint32_t)p;
			o.have_policy = true;
			break;
		}
		case O_SHARED:
			if (parse_frac("shared", optarg, &o.shared, 1))
				return EXIT_USAGE;
			break;
		case O_RATE:
			if (parse_frac("dirty-rate", optarg, &o.dirty_rate, 1e9))
				return EXIT_USAGE;
			break;
		case O_ROUNDS:
			if (cli_parse_u32(optarg, &o.rounds) || !o.rounds || o.rounds > MIG_MAX_ROUNDS)
				return cli_usage_error("--rounds: '%s' is not 1..%u", optarg, MIG_MAX_ROUNDS);
			break;
		case O_CONVERGE:
			if (parse_frac("converge", optarg, &o.converge, 1))
				return EXIT_USAGE;
			break;
		case O_BW:
			if (cli_parse_size(optarg, &o.bandwidth) || !o.bandwidth)
				return cli_usage_error("--bandwidth: '%s' is not a rate in bytes/s", optarg);
			break;
		case O_CHUNK:
			if (cli_parse_size(optarg, &o.chunk) || o.chunk < (16u << 10) || o.chunk > (256u << 20))
				return cli_usage_error("--chunk: '%s' is not a size from 16K to 256M", optarg);
			break;
		case O_TIMEOUT:
			if (cli_parse_u32(optarg, &o.timeout) || !o.timeout || o.timeout > 86400)
				return cli_usage_error("--timeout: '%s' is not 1..86400 seconds", optarg);
			break;
		case O_NOVERIFY: o.verify = false; break;
		case O_PROGRESS: o.progress = true; break;
		default: return cli_usage_error("bad option");
		}
	}
	if (optind != argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (!o.have_policy)
		o.policy = 0x1;
	/* The simulated vCPU writes by the clock, so only an idle guest gives a stream that
	 * a seed reproduces byte for byte. */
	if (o.dirty_rate < 0)
		o.dirty_rate = o.seed ? 0 : 2000;
	else if (o.seed && o.dirty_rate > 0)
		cli_info("note: with --dirty-rate the guest's writes follow the clock; the stream is not reproducible");
	if (o.vcpus)
		o.policy |= 0x4; /* SEV-ES guests need policy.ES */
	if (strcmp(mode, "local") == 0) {
		if (o.addr || o.kds_dir)
			return cli_usage_error("local takes no --listen, --to or --kds-dir");
		cli_set_prog("swsev migrate local");
		return run_local(&o);
	}
	if (strcmp(mode, "send") == 0 ? !o.to || o.listen : !o.listen || o.to)
		return cli_usage_error("%s needs %s ADDR", mode, strcmp(mode, "send") ? "--listen" : "--to");
	{
		char msg[300];
		if (mig_net_check(o.addr, msg, sizeof(msg)))
			return cli_usage_error("%s", msg);
	}
	if (o.backend2)
		return cli_usage_error("--backend2 is for local; each process names its own --backend");
	if (strcmp(mode, "receive") == 0) {
		cli_set_prog("swsev migrate receive");
		return run_receive(&o);
	}
	if (o.kds_dir)
		return cli_usage_error("--kds-dir is for receive: the target hands its certificates to the source");
	cli_set_prog("swsev migrate send");
	return run_send(&o);
}
