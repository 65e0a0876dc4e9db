/* swsev owner: the guest owner's side of an SEV launch (and the platform owner's
 * taking of ownership), offline, in AMD sev-tool's file formats (harness/owner/). */
#include <getopt.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "emu/crypto/pkey.h"
#include "emu/crypto/rng.h"
#include "emu/crypto/symm.h"
#include "emu/util/hex.h"
#include "emu/chip/amdroot.h"
#include "harness/cli/cli.h"
#include "harness/cli/commands.h"
#include "harness/owner/files.h"
#include "harness/owner/measure.h"
#include "harness/owner/ownership.h"
#include "harness/owner/secret.h"
#include "harness/owner/session.h"
#include "harness/owner/verify.h"
#include "psp/psp.h"

static const char usage_text[] =
	"usage: swsev owner <command> [options]\n"
	"\n"
	"The guest owner's side of an SEV launch, offline, in AMD sev-tool's file formats\n"
	"(pdh.cert, godh.cert, launch_blob.bin, tmp_tk.bin, calc_measurement_out.bin,\n"
	"packaged_secret.bin, packaged_secret_header.bin, attestation_report.bin, ...).\n"
	"Like sev-tool, commands read and write fixed names in a folder (--dir, default .).\n"
	"\n"
	"commands:\n"
	"  session             GODH key + launch session for a platform's PDH\n"
	"  measure             launch digest of an image, expected measurement\n"
	"  verify-measurement  check a LAUNCH_MEASURE output; keep the measurement\n"
	"  package-secret      LAUNCH_SECRET packet for a verified measurement\n"
	"  verify-chain        ARK -> ASK -> CEK -> PEK <- OCA, PEK -> PDH of a folder\n"
	"  verify-report       an ATTESTATION report: PEK signature, mnonce, digest, policy\n"
	"  oca-keygen          a platform owner's OCA key (PEM) and certificate\n"
	"  sign-pek-csr        sign a PEK_CSR with the OCA key (then: swsev platform pek-cert-import)\n"
	"\n"
	"'swsev owner <command> --help' describes a command.\n";

/* ---- shared option handling --------------------------------------------------------------- */

enum {
	O_HELP = 'h',
	O_QUIET = 'q',
	O_DIR = 0x100,
	O_PDH, O_CHAIN, O_POLICY, O_SEED, O_BASE64,
	O_IMAGE, O_ES, O_VMSA, O_VCPUS, O_DIGEST, O_TK, O_TIK, O_MNONCE, O_API, O_BUILD,
	O_MEASURE, O_NO_WRITE, O_SECRET, O_MEASUREMENT, O_PRE017, O_OUT, O_HEADER_OUT, O_IV, O_NO_PAD,
	O_ARK, O_ROOT, O_FUSED, O_NO_AMD, O_REPORT, O_PEK, O_KEY, O_CERT, O_CSR,
};

#define OPT_COMMON { "help", no_argument, NULL, O_HELP }, { "quiet", no_argument, NULL, O_QUIET }
#define OPT_TRUST                                                                                  \
	{ "ark", required_argument, NULL, O_ARK }, { "root", required_argument, NULL, O_ROOT },    \
	{ "fused-hash", required_argument, NULL, O_FUSED }, { "no-amd-roots", no_argument, NULL, O_NO_AMD }
#define OPT_DIGEST                                                                                 \
	{ "image", required_argument, NULL, O_IMAGE }, { "es", no_argument, NULL, O_ES },          \
	{ "vmsa", required_argument, NULL, O_VMSA }, { "vcpus", required_argument, NULL, O_VCPUS }, \
	{ "digest", required_argument, NULL, O_DIGEST }

static const char trust_help[] =
	"trusted roots (the ARK must be one of them; AMD's published ARKs are built in, and so\n"
	"is this user's emulated root, $SWSEV_ROOT_DIR or ~/.local/share/swsev/amd-root, if\n"
	"it exists):\n"
	"  --ark FILE          trust this ARK certificate (e.g. an emulated platform's ark.cert)\n"
	"  --root DIR          trust the emulated AMD root in DIR (the emulator's root=DIR)\n"
	"  --fused-hash HEX    trust the ARK whose SHA-384(header||exponent||modulus) is HEX\n"
	"  --no-amd-roots      do not trust AMD's built-in roots\n";

static const char digest_help[] =
	"the launch digest (what LAUNCH_UPDATE_DATA/_VMSA measured, as `swsev guest launch` loads it):\n"
	"  --image FILE        the image (measured zero-padded to a multiple of 16 bytes)\n"
	"  --es                SEV-ES: VMSA pages follow the image\n"
	"  --vmsa FILE         VMSA pages (4096 bytes each: 1 for all vCPUs, 2 = BSP then APs, or\n"
	"                      one per vCPU); default: zero pages\n"
	"  --vcpus N           vCPUs (default 1)\n"
	"  --digest HEX        the 32-byte launch digest itself, instead of --image\n";

struct common {
	const char *dir;
	bool quiet;
	struct owner_trust trust;
	/* digest */
	const char *image, *vmsa, *digest_hex;
	bool es;
	uint32_t vcpus;
};

/* This user's own emulator signs its platforms' CEKs with the root in the default
 * directory; trusting it by default is what makes `swsev owner verify-chain DIR` accept
 * an export of the default backend, as installing a local CA would.  Only an existing
 * root is read (never created); anything else is trusted only when named. */
static void add_default_root(struct owner_trust *t)
{
	struct owner_err e;
	struct stat st;
	char dir[4096];

	if (amd_root_default_dir(dir, sizeof(dir)) == 0 && stat(dir, &st) == 0)
		(void)owner_trust_add_root_dir(t, dir, &e);
}

static void common_init(struct common *c)
{
	memset(c, 0, sizeof(*c));
	c->dir = ".";
	c->vcpus = 1;
	owner_trust_init(&c->trust, true);
	add_default_root(&c->trust);
}

static int oerr(const struct owner_err *e)
{
	if (e->status)
		return cli_error("%s [SEV status %s (0x%02x)]", e->msg, psp_fw_status_name(e->status), e->status);
	return cli_error("%s", e->msg);
}

/* Options every subcommand shares: 1 if handled, 0 if not ours, -1 on a usage error,
 * -2 on another error (an unreadable --ark). */
static int common_opt(struct common *c, int opt, const char *arg)
{
	struct owner_err e;
	int rc = 0;

	switch (opt) {
	case O_QUIET:
		c->quiet = true;
		cli_set_quiet(true);
		return 1;
	case O_DIR:
		c->dir = arg;
		return 1;
	case O_ARK:
		rc = owner_trust_add_ark_file(&c->trust, arg, &e);
		break;
	case O_ROOT:
		rc = owner_trust_add_root_dir(&c->trust, arg, &e);
		break;
	case O_FUSED:
		if (owner_trust_add_hex(&c->trust, arg, &e))
			return cli_usage_error("--fused-hash: %s", e.msg), -1;
		return 1;
	case O_NO_AMD: {
		/* Keep roots given so far, drop the built-in ones (they come first). */
		struct owner_trust t;
		owner_trust_init(&t, true);
		size_t skip = t.n;
		if (c->trust.n >= skip && memcmp(c->trust.root, t.root, sizeof(t.root[0]) * skip) == 0) {
			memmove(c->trust.root, c->trust.root + skip, sizeof(c->trust.root[0]) * (c->trust.n - skip));
			c->trust.n -= skip;
		}
		return 1;
	}
	case O_IMAGE:
		c->image = arg;
		return 1;
	case O_ES:
		c->es = true;
		return 1;
	case O_VMSA:
		c->vmsa = arg;
		c->es = true;
		return 1;
	case O_VCPUS:
		if (cli_parse_u32(arg, &c->vcpus) || c->vcpus == 0 || c->vcpus > 4096)
			return cli_usage_error("--vcpus: '%s' is not a vCPU count", arg), -1;
		return 1;
	case O_DIGEST:
		c->digest_hex = arg;
		return 1;
	default:
		return 0;
	}
	if (rc)
		return oerr(&e), -2;
	return 1;
}

static int parse_hex_exact(const char *opt, const char *s, uint8_t *out, size_t n)
{
	uint8_t *b = NULL;
	size_t len = 0;

	if (cli_parse_hex(s, &b, &len) != 0 || len != n) {
		free(b);
		return cli_usage_error("%s: '%s' is not %zu bytes of hex", opt, s, n);
	}
	memcpy(out, b, n);
	secure_free(b, len);
	return 0;
}

/* Policies are hex, as in sev-tool and QEMU's documentation ("0x" optional). */
static int parse_policy(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (!s || !*s || *s == '-')
		return cli_usage_error("--policy: '%s' is not a hex policy", s ? s : "");
	v = strtoul(s, &end, 16);
	if (*end || v > UINT32_MAX)
		return cli_usage_error("--policy: '%s' is not a hex policy", s);
	*out = (uint32_t)v;
	return 0;
}

static int parse_api_opt(const char *s, struct owner_fw_version *v)
{
	if (owner_parse_api(s, v) != 0)
		return cli_usage_error("--api: '%s' is not MAJOR.MINOR (e.g. 0.24)", s);
	return 0;
}

static int parse_build(const char *s, uint8_t *out)
{
	uint32_t v;

	if (cli_parse_u32(s, &v) || v > 255)
		return cli_usage_error("--build: '%s' is not a build number 0..255", s);
	*out = (uint8_t)v;
	return 0;
}

static struct rng *make_rng(const char *seed_hex)
{
	uint8_t *seed = NULL;
	size_t n = 0;
	struct rng *r;

	if (!seed_hex)
		return rng_new_os();
	if (cli_parse_hex(seed_hex, &seed, &n) != 0 || n > 256) {
		free(seed);
		cli_usage_error("--seed: '%s' is not 1..256 bytes of hex", seed_hex);
		return NULL;
	}
	r = rng_new_seeded(seed, n, "swsev-owner");
	secure_free(seed, n);
	return r;
}

static int path_in(char *out, const char *dir, const char *name)
{
	struct owner_err e;

	return owner_path(out, PATH_MAX, dir, name, &e) ? oerr(&e) : 0;
}

static int compute_digest(const struct common *c, uint8_t out[32])
{
	uint8_t *img = NULL, *vm = NULL;
	size_t ilen = 0, vlen = 0;
	struct owner_err e;
	int rc;

	if (c->digest_hex && c->image)
		return cli_usage_error("--digest and --image exclude each other");
	if (c->digest_hex)
		return parse_hex_exact("--digest", c->digest_hex, out, 32);
	if (!c->image)
		return cli_usage_error("the launch digest needs --image FILE or --digest HEX");
	if (!(img = cli_read_file(c->image, &ilen)))
		return 1;
	if (ilen == 0) {
		free(img);
		return cli_error("%s: empty image", c->image);
	}
	if (c->vmsa && !(vm = cli_read_file(c->vmsa, &vlen))) {
		free(img);
		return 1;
	}
	rc = owner_launch_digest(img, ilen, vm, vlen, c->es ? c->vcpus : 0, out, &e);
	free(img);
	free(vm);
	return rc ? oerr(&e) : 0;
}

static void print_hex_kv(const char *key, const uint8_t *p, size_t n)
{
	char label[64];

	snprintf(label, sizeof(label), "%s=", key);
	cli_print_hex(label, p, n);
}

static int getopts(int argc, char **argv, const struct option *lo, int *opt)
{
	return (*opt = getopt_long(argc, argv, "hq", lo, NULL));
}

static int help(const char *text)
{
	fputs(text, stdout);
	return 0;
}

/* ---- chain verification (shared by verify-chain, session --chain, verify-report --chain) -- */

static int verify_chain_dir(const char *dir, const struct owner_trust *t, bool print, struct owner_chain *c)
{
	struct owner_chain_result r;
	struct owner_err e;
	int rc;

	if (owner_chain_read_dir(dir, c, &e))
		return oerr(&e);
	rc = owner_chain_verify(c, t, &r, &e);
	if (print) {
		for (int i = 0; i < OWNER_NLINKS; i++) {
			if (r.status[i] == 0)
				printf("%-20s ok%s%s\n", owner_link_name(i), i == OWNER_LINK_ARK ? "  trusted: " : "",
				       i == OWNER_LINK_ARK ? r.root : "");
			else
				printf("%-20s FAILED  %s (0x%02x): %s\n", owner_link_name(i),
				       psp_fw_status_name(r.status[i]), r.status[i], r.why[i]);
		}
	}
	if (rc) {
		return cli_error("chain %s is not valid: %s [SEV status %s (0x%02x)]", dir, e.msg,
				 psp_fw_status_name(e.status), e.status);
	}
	cli_info("chain %s: valid (root: %s)", dir, r.root);
	return 0;
}

/* ---- session ------------------------------------------------------------------------------- */

static const char session_help[] =
	"usage: swsev owner session --policy HEX [--pdh FILE | --chain DIR [trust]] [--dir DIR]\n"
	"                           [--seed HEX] [--base64]\n"
	"\n"
	"Creates a launch session for a platform's PDH, as sev-tool --generate_launch_blob:\n"
	"a fresh P-384 GODH key, ECDH with the PDH, random TEK/TIK wrapped for it, the policy\n"
	"MACed.  Writes into --dir: godh.cert (for LAUNCH_START), launch_blob.bin (the 128-byte\n"
	"session), tmp_tk.bin (TEK||TIK in clear, mode 0600: keep it, it decides the measurement\n"
	"and packages the secret).\n"
	"\n"
	"  --policy HEX        the guest policy the launch must use (MACed into the session)\n"
	"  --pdh FILE          the platform's PDH certificate (default DIR/pdh.cert)\n"
	"  --chain DIR         verify DIR's chain (see verify-chain) and use DIR/pdh.cert\n"
	"  --dir DIR           output folder (default .)\n"
	"  --seed HEX          deterministic session (tests and vectors only)\n"
	"  --base64            also write godh.b64 and launch_blob.b64 (QEMU's dh-cert-file,\n"
	"                      session-file)\n"
	"  -q, --quiet\n";

static int write_b64(const char *dir, const char *name, const void *buf, size_t len)
{
	char p[PATH_MAX];
	unsigned char *out = malloc(4 * ((len + 2) / 3) + 2);
	int n;
	struct owner_err e;

	if (!out)
		return cli_error("out of memory");
	n = EVP_EncodeBlock(out, buf, (int)len);
	out[n++] = '\n';
	if (path_in(p, dir, name) || owner_write_file(p, out, (size_t)n, 0644, &e)) {
		free(out);
		return oerr(&e);
	}
	free(out);
	return 0;
}

static int owner_session_cmd(int argc, char **argv)
{
	static const struct option lo[] = { OPT_COMMON, OPT_TRUST,
		{ "dir", required_argument, NULL, O_DIR }, { "pdh", required_argument, NULL, O_PDH },
		{ "chain", required_argument, NULL, O_CHAIN }, { "policy", required_argument, NULL, O_POLICY },
		{ "seed", required_argument, NULL, O_SEED }, { "base64", no_argument, NULL, O_BASE64 }, { 0 } };
	const char *pdh_path = NULL, *chain = NULL, *seed = NULL;
	struct common c;
	struct owner_session s;
	struct owner_chain ch;
	struct sev_cert pdh;
	struct owner_err e;
	struct rng *rng;
	uint32_t policy = 0;
	bool have_policy = false, b64 = false;
	char p[PATH_MAX];
	int opt, rc;

	common_init(&c);
	while (getopts(argc, argv, lo, &opt) != -1) {
		if ((rc = common_opt(&c, opt, optarg)) < 0)
			return rc == -1 ? EXIT_USAGE : 1;
		switch (opt) {
		case O_HELP: return help(session_help);
		case O_PDH: pdh_path = optarg; break;
		case O_CHAIN: chain = optarg; break;
		case O_POLICY:
			if (parse_policy(optarg, &policy))
				return EXIT_USAGE;
			have_policy = true;
			break;
		case O_SEED: seed = optarg; break;
		case O_BASE64: b64 = true; break;
		case '?': return cli_usage_error("bad option");
		default: break;
		}
	}
	if (optind != argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (!have_policy)
		return cli_usage_error("--policy HEX is required (it is MACed into the session)");
	if (pdh_path && chain)
		return cli_usage_error("--pdh and --chain exclude each other");
	if (chain) {
		if (verify_chain_dir(chain, &c.trust, false, &ch))
			return 1;
		pdh = ch.pdh;
	} else {
		if (!pdh_path && path_in(p, c.dir, SEVTOOL_PDH))
			return 1;
		if (owner_read_sev_cert(pdh_path ? pdh_path : p, &pdh, &e))
			return oerr(&e);
		cli_info("note: the PDH's certificate chain was not verified (use --chain DIR)");
	}
	if (cli_mkdir_p(c.dir, 0755))
		return 1;
	if (!(rng = make_rng(seed)))
		return seed ? EXIT_USAGE : cli_error("no random number generator");
	rc = 1;
	if (owner_session_create(&pdh, policy, rng, &s, &e)) {
		oerr(&e);
		goto out;
	}
	if (owner_write_session_dir(c.dir, &s, &e)) {
		oerr(&e);
		goto out;
	}
	if (b64 && (write_b64(c.dir, "godh.b64", s.godh.raw, sizeof(s.godh.raw)) ||
		    write_b64(c.dir, "launch_blob.b64", &s.session, sizeof(s.session))))
		goto out;
	printf("policy=0x%x\n", policy);
	printf("godh=%s/%s\nsession=%s/%s\ntk=%s/%s\n", c.dir, SEVTOOL_GODH, c.dir, SEVTOOL_LAUNCH_BLOB, c.dir,
	       SEVTOOL_TK);
	rc = 0;
out:
	owner_session_clear(&s);
	rng_free(rng);
	return rc;
}

/* ---- measure / verify-measurement ------------------------------------------------------------ */

static const char measure_help[] =
	"usage: swsev owner measure (--image FILE [--es] [--vmsa FILE] [--vcpus N] | --digest HEX)\n"
	"                           [--tk FILE | --tik HEX] [--policy HEX --mnonce HEX\n"
	"                           --api MAJ.MIN --build N] [--dir DIR]\n"
	"\n"
	"Prints the launch digest (digest=HEX).  With the TIK, policy, MNONCE and the firmware's\n"
	"API version and build it also computes the expected measurement (measurement=HEX) and\n"
	"writes it as sev-tool --calc_measurement does: DIR/calc_measurement_out.bin and .txt.\n"
	"Before API 0.17 the measurement had no context/version prefix; --api selects the form.\n"
	"\n"
	"  --tk FILE           tmp_tk.bin (TEK||TIK)     --tik HEX   the 16-byte TIK\n"
	"  --policy HEX        the guest policy          --mnonce HEX  the 16-byte MNONCE\n"
	"  --api MAJ.MIN       the firmware's API version (PLATFORM_STATUS)\n"
	"  --build N           the firmware's build\n"
	"  --dir DIR           output folder (default .)\n"
	"  --no-write          only print\n";

static const char verify_measurement_help[] =
	"usage: swsev owner verify-measurement --measure FILE --policy HEX --api MAJ.MIN --build N\n"
	"                           (--image FILE [--es ...] | --digest HEX) [--tk FILE] [--dir DIR]\n"
	"                           [--no-write]\n"
	"\n"
	"Checks what LAUNCH_MEASURE returned (48 bytes: measurement || MNONCE, raw or base64 as\n"
	"QEMU's query-sev-launch-measure gives it) against the launch the owner expects: the\n"
	"TIK of the session, the policy, the launch digest of the image, the platform's firmware\n"
	"version.  On a match it writes the measurement to DIR/calc_measurement_out.bin (and\n"
	".txt), which package-secret binds the secret to, and exits 0; on a mismatch it exits 1\n"
	"naming BAD_MEASUREMENT and both values.\n"
	"\n"
	"  --measure FILE      the LAUNCH_MEASURE output (`swsev guest launch --measure-out`;\n"
	"                      in an --on-measure hook: \"$SWSEV_MEASURE_FILE\")\n"
	"  --tk FILE           tmp_tk.bin (default DIR/tmp_tk.bin)\n"
	"  --policy HEX        the policy the guest was launched with\n"
	"  --api MAJ.MIN       the firmware's API version (hook: \"$SWSEV_API\")\n"
	"  --build N           the firmware's build (hook: \"$SWSEV_BUILD\")\n"
	"  --dir DIR           the owner's folder (default .)\n"
	"  --no-write          only check\n";

static int read_measure_blob(const char *path, uint8_t out[OWNER_MEASURE_LEN])
{
	size_t n;
	uint8_t *b = cli_read_file(path, &n);
	unsigned char dec[128];
	int dn;

	if (!b)
		return 1;
	if (n == OWNER_MEASURE_LEN) {
		memcpy(out, b, n);
		free(b);
		return 0;
	}
	while (n && (b[n - 1] == '\n' || b[n - 1] == '\r' || b[n - 1] == ' '))
		n--;
	/* base64 of 48 bytes: 64 characters, no padding */
	if (n == 64 && (dn = EVP_DecodeBlock(dec, b, 64)) == OWNER_MEASURE_LEN) {
		memcpy(out, dec, OWNER_MEASURE_LEN);
		free(b);
		return 0;
	}
	free(b);
	return cli_error("%s: not a 48-byte LAUNCH_MEASURE output (raw or base64)", path);
}

static int measure_like(int argc, char **argv, bool verify)
{
	static const struct option lo[] = { OPT_COMMON, OPT_DIGEST,
		{ "dir", required_argument, NULL, O_DIR }, { "tk", required_argument, NULL, O_TK },
		{ "tik", required_argument, NULL, O_TIK }, { "policy", required_argument, NULL, O_POLICY },
		{ "mnonce", required_argument, NULL, O_MNONCE }, { "api", required_argument, NULL, O_API },
		{ "build", required_argument, NULL, O_BUILD }, { "measure", required_argument, NULL, O_MEASURE },
		{ "no-write", no_argument, NULL, O_NO_WRITE }, { 0 } };
	const char *tk_path = NULL, *tik_hex = NULL, *measure = NULL, *mnonce_hex = NULL;
	struct owner_fw_version v = { 0 };
	bool have_policy = false, have_api = false, have_build = false, no_write = false;
	uint8_t dg[32], mnonce[16], m[32], blob[OWNER_MEASURE_LEN];
	struct sev_tk tk;
	struct common c;
	struct owner_err e;
	uint32_t policy = 0;
	char p[PATH_MAX];
	int opt, rc;

	common_init(&c);
	while (getopts(argc, argv, lo, &opt) != -1) {
		if ((rc = common_opt(&c, opt, optarg)) < 0)
			return rc == -1 ? EXIT_USAGE : 1;
		switch (opt) {
		case O_HELP: return help(verify ? verify_measurement_help : measure_help);
		case O_TK: tk_path = optarg; break;
		case O_TIK: tik_hex = optarg; break;
		case O_MNONCE: mnonce_hex = optarg; break;
		case O_MEASURE: measure = optarg; break;
		case O_NO_WRITE: no_write = true; break;
		case O_POLICY:
			if (parse_policy(optarg, &policy))
				return EXIT_USAGE;
			have_policy = true;
			break;
		case O_API:
			if (parse_api_opt(optarg, &v))
				return EXIT_USAGE;
			have_api = true;
			break;
		case O_BUILD:
			if (parse_build(optarg, &v.build))
				return EXIT_USAGE;
			have_build = true;
			break;
		case '?': return cli_usage_error("bad option");
		default: break;
		}
	}
	if (optind != argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (verify && (!measure || !have_policy || !have_api || !have_build))
		return cli_usage_error("verify-measurement needs --measure, --policy, --api and --build");
	if (!verify && measure)
		return cli_usage_error("--measure belongs to verify-measurement");
	if (tk_path && tik_hex)
		return cli_usage_error("--tk and --tik exclude each other");
	if ((rc = compute_digest(&c, dg)))
		return rc;
	print_hex_kv("digest", dg, 32);

	/* The TIK: explicit, from a tk file, or (verify) from DIR/tmp_tk.bin. */
	memset(&tk, 0, sizeof(tk));
	if (tik_hex) {
		if (parse_hex_exact("--tik", tik_hex, tk.tik, 16))
			return EXIT_USAGE;
	} else if (tk_path || verify) {
		if (!tk_path && path_in(p, c.dir, SEVTOOL_TK))
			return 1;
		if (owner_read_tk(tk_path ? tk_path : p, &tk, &e))
			return oerr(&e);
	} else {
		return 0; /* the digest was all that was asked for */
	}

	if (verify) {
		if (read_measure_blob(measure, blob))
			return 1;
		rc = owner_verify_measurement(blob, tk.tik, &v, policy, dg, m, &e);
		secure_zero(&tk, sizeof(tk));
		if (rc)
			return oerr(&e);
		print_hex_kv("measurement", m, 32);
		print_hex_kv("mnonce", blob + 32, 16);
		cli_info("measurement verified: policy 0x%x, API %u.%u build %u", policy, v.api_major, v.api_minor,
			 v.build);
	} else {
		if (!have_policy || !mnonce_hex || !have_api || !have_build) {
			secure_zero(&tk, sizeof(tk));
			return cli_usage_error("the measurement needs --policy, --mnonce, --api and --build");
		}
		if (parse_hex_exact("--mnonce", mnonce_hex, mnonce, 16)) {
			secure_zero(&tk, sizeof(tk));
			return EXIT_USAGE;
		}
		rc = owner_measurement(tk.tik, &v, policy, dg, mnonce, m);
		secure_zero(&tk, sizeof(tk));
		if (rc)
			return cli_error("HMAC-SHA256 failed");
		print_hex_kv("measurement", m, 32);
	}
	if (no_write)
		return 0;
	if (cli_mkdir_p(c.dir, 0755))
		return 1;
	if (owner_write_measurement_dir(c.dir, m, &e))
		return oerr(&e);
	return 0;
}

/* ---- package-secret ------------------------------------------------------------------------ */

static const char package_help[] =
	"usage: swsev owner package-secret [--dir DIR] [--secret FILE] [--tk FILE]\n"
	"                           [--measurement FILE] [--api MAJ.MIN | --pre-0.17]\n"
	"                           [--out FILE] [--header-out FILE] [--iv HEX] [--no-pad] [--seed HEX]\n"
	"\n"
	"Packages a launch secret as sev-tool --package_secret: AES-128-CTR with the TEK under a\n"
	"random IV, and the 52-byte header (flags, IV, HMAC-SHA256 with the TIK over the\n"
	"ciphertext and the verified measurement), so that only the guest whose measurement\n"
	"the owner verified accepts it.  Defaults are sev-tool's names in --dir: reads\n"
	"secret.txt, tmp_tk.bin, calc_measurement_out.bin (written by verify-measurement) and,\n"
	"for the API version, pek.cert if present; writes packaged_secret.bin and\n"
	"packaged_secret_header.bin.\n"
	"\n"
	"  --secret FILE       the secret (default DIR/secret.txt)\n"
	"  --tk FILE           tmp_tk.bin (default DIR/tmp_tk.bin)\n"
	"  --measurement FILE  the verified 32-byte measurement (.bin) or its hex (.txt)\n"
	"  --api MAJ.MIN       the firmware's API version; before 0.17 the MAC has no measurement\n"
	"  --pre-0.17          the same as --api 0.16\n"
	"  --out FILE          the encrypted secret (default DIR/packaged_secret.bin)\n"
	"  --header-out FILE   the header (default DIR/packaged_secret_header.bin)\n"
	"  --no-pad            keep the secret's length (the firmware takes only multiples of 16;\n"
	"                      by default the secret is zero-padded to one)\n"
	"  --iv HEX, --seed HEX  fixed IV / deterministic IV (tests only)\n";

static int owner_package_cmd(int argc, char **argv)
{
	static const struct option lo[] = { OPT_COMMON,
		{ "dir", required_argument, NULL, O_DIR }, { "secret", required_argument, NULL, O_SECRET },
		{ "tk", required_argument, NULL, O_TK }, { "measurement", required_argument, NULL, O_MEASUREMENT },
		{ "api", required_argument, NULL, O_API }, { "pre-0.17", no_argument, NULL, O_PRE017 },
		{ "out", required_argument, NULL, O_OUT }, { "header-out", required_argument, NULL, O_HEADER_OUT },
		{ "iv", required_argument, NULL, O_IV }, { "no-pad", no_argument, NULL, O_NO_PAD },
		{ "seed", required_argument, NULL, O_SEED }, { 0 } };
	const char *secret_path = NULL, *tk_path = NULL, *meas_path = NULL, *out = NULL, *hdr_out = NULL;
	const char *iv_hex = NULL, *seed = NULL;
	struct owner_fw_version v = { 0, 24, 0 };
	bool have_api = false, pad = true;
	uint8_t m[32], iv[16], hdr[OWNER_SECRET_HDR_LEN], *secret = NULL, *ct = NULL;
	size_t len = 0, plen = 0;
	struct sev_tk tk;
	struct common c;
	struct owner_err e;
	char p[PATH_MAX], q[PATH_MAX];
	int opt, rc;

	common_init(&c);
	while (getopts(argc, argv, lo, &opt) != -1) {
		if ((rc = common_opt(&c, opt, optarg)) < 0)
			return rc == -1 ? EXIT_USAGE : 1;
		switch (opt) {
		case O_HELP: return help(package_help);
		case O_SECRET: secret_path = optarg; break;
		case O_TK: tk_path = optarg; break;
		case O_MEASUREMENT: meas_path = optarg; break;
		case O_OUT: out = optarg; break;
		case O_HEADER_OUT: hdr_out = optarg; break;
		case O_IV: iv_hex = optarg; break;
		case O_SEED: seed = optarg; break;
		case O_NO_PAD: pad = false; break;
		case O_API:
			if (parse_api_opt(optarg, &v))
				return EXIT_USAGE;
			have_api = true;
			break;
		case O_PRE017:
			v.api_major = 0;
			v.api_minor = 16;
			have_api = true;
			break;
		case '?': return cli_usage_error("bad option");
		default: break;
		}
	}
	if (optind != argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (iv_hex && seed)
		return cli_usage_error("--iv and --seed exclude each other");
	if (iv_hex && parse_hex_exact("--iv", iv_hex, iv, 16))
		return EXIT_USAGE;
	if (!have_api) {
		/* sev-tool takes the API version from the PEK in its folder. */
		struct sev_cert pek;
		if (path_in(p, c.dir, SEVTOOL_PEK))
			return 1;
		if (owner_file_exists(p) && owner_read_sev_cert(p, &pek, &e) == 0) {
			v.api_major = sev_cert_api_major(&pek);
			v.api_minor = sev_cert_api_minor(&pek);
		}
	}
	if (!owner_fw_pre017(&v)) {
		if (!meas_path && path_in(q, c.dir, SEVTOOL_MEASUREMENT))
			return 1;
		if (owner_read_measurement(meas_path ? meas_path : q, m, &e))
			return oerr(&e);
	}
	if (!tk_path && path_in(q, c.dir, SEVTOOL_TK))
		return 1;
	if (owner_read_tk(tk_path ? tk_path : q, &tk, &e))
		return oerr(&e);
	rc = 1;
	if (!secret_path && path_in(p, c.dir, SEVTOOL_SECRET))
		goto out;
	if (!(secret = cli_read_file(secret_path ? secret_path : p, &len)))
		goto out;
	if (len == 0) {
		cli_error("%s: the secret is empty", secret_path ? secret_path : p);
		goto out;
	}
	plen = pad ? (len + 15) & ~(size_t)15 : len;
	if (plen != len) {
		uint8_t *nb = realloc(secret, plen);
		if (!nb) {
			cli_error("out of memory");
			goto out;
		}
		secret = nb;
		memset(secret + len, 0, plen - len);
		cli_info("secret zero-padded from %zu to %zu bytes (the firmware takes whole 16-byte blocks)", len,
			 plen);
	} else if (len % 16) {
		cli_warn("a %zu-byte secret is not a multiple of 16 bytes: LAUNCH_SECRET will refuse it "
			 "(INVALID_LENGTH)", len);
	}
	if (plen > OWNER_SECRET_MAX)
		cli_warn("a %zu-byte secret exceeds the firmware's 0x%x bytes per LAUNCH_SECRET", plen,
			 OWNER_SECRET_MAX);
	if (!iv_hex) {
		struct rng *r = make_rng(seed);
		if (!r || rng_bytes(r, iv, sizeof(iv))) {
			rng_free(r);
			cli_error("no random IV");
			goto out;
		}
		rng_free(r);
	}
	if (!(ct = malloc(plen))) {
		cli_error("out of memory");
		goto out;
	}
	if (owner_package_secret(&tk, owner_fw_pre017(&v) ? NULL : m, iv, 0, secret, plen, ct, hdr, &e)) {
		oerr(&e);
		goto out;
	}
	if ((!out && path_in(p, c.dir, SEVTOOL_PACKAGED_SECRET)) ||
	    (!hdr_out && path_in(q, c.dir, SEVTOOL_PACKAGED_HEADER)))
		goto out;
	if (owner_write_file(out ? out : p, ct, plen, 0644, &e) ||
	    owner_write_file(hdr_out ? hdr_out : q, hdr, sizeof(hdr), 0644, &e)) {
		oerr(&e);
		goto out;
	}
	printf("secret=%s\nheader=%s\nlength=%zu\n", out ? out : p, hdr_out ? hdr_out : q, plen);
	cli_info("packaged %zu bytes for API %u.%u (%s)", plen, v.api_major, v.api_minor,
		 owner_fw_pre017(&v) ? "pre-0.17 MAC, no measurement" : "MAC over the measurement");
	rc = 0;
out:
	if (secret)
		secure_free(secret, plen > len ? plen : len);
	free(ct);
	secure_zero(&tk, sizeof(tk));
	return rc;
}

/* ---- verify-chain ----------------------------------------------------------------------------- */

static const char chain_help[] =
	"usage: swsev owner verify-chain [DIR] [--ark FILE] [--root DIR] [--fused-hash HEX]\n"
	"                                [--no-amd-roots] [-q]\n"
	"\n"
	"Verifies a platform's certificate folder in sev-tool's names (ark.cert ask.cert\n"
	"cek.cert oca.cert pek.cert pdh.cert, default DIR .): the ARK is a trusted root and\n"
	"self-signed, ARK -> ASK -> CEK -> PEK, OCA (self-signed) -> PEK, PEK -> PDH, and every\n"
	"certificate canonical (no stray bytes beside the signatures).  Prints each link and why\n"
	"it failed (-q: only the verdict); exits 0 only if all hold.  Unlike sev-tool --validate_cert_chain, the ARK\n"
	"is trusted by its key, not by the first bytes of its key id.\n"
	"\n";

static int owner_verify_chain_cmd(int argc, char **argv)
{
	static const struct option lo[] = { OPT_COMMON, OPT_TRUST, { 0 } };
	struct owner_chain ch;
	struct common c;
	int opt, rc;

	common_init(&c);
	while (getopts(argc, argv, lo, &opt) != -1) {
		if ((rc = common_opt(&c, opt, optarg)) < 0)
			return rc == -1 ? EXIT_USAGE : 1;
		switch (opt) {
		case O_HELP:
			help(chain_help);
			return help(trust_help);
		case '?': return cli_usage_error("bad option");
		default: break;
		}
	}
	if (argc - optind > 1)
		return cli_usage_error("one folder at most");
	return verify_chain_dir(optind < argc ? argv[optind] : ".", &c.trust, !c.quiet, &ch);
}

/* ---- verify-report ---------------------------------------------------------------------------- */

static const char report_help[] =
	"usage: swsev owner verify-report [--dir DIR] [--report FILE] [--pek FILE | --chain DIR [trust]]\n"
	"                                 [--mnonce HEX] [--image FILE [--es ...] | --digest HEX]\n"
	"                                 [--policy HEX]\n"
	"\n"
	"Verifies an ATTESTATION report (208 bytes, as sev-tool --validate_attestation): the PEK's\n"
	"ECDSA signature over its first 0x34 bytes, then each expected field given: the MNONCE the\n"
	"owner chose, the launch digest, the policy.  Prints the report's fields.\n"
	"\n"
	"  --report FILE       default DIR/attestation_report.bin\n"
	"  --pek FILE          the signer (default DIR/pek.cert; its chain is not checked)\n"
	"  --chain DIR         verify DIR's chain first and use DIR/pek.cert\n"
	"  --mnonce HEX        the 16-byte MNONCE given to ATTESTATION\n"
	"  --policy HEX        the expected policy\n";

static int owner_verify_report_cmd(int argc, char **argv)
{
	static const struct option lo[] = { OPT_COMMON, OPT_TRUST, OPT_DIGEST,
		{ "dir", required_argument, NULL, O_DIR }, { "report", required_argument, NULL, O_REPORT },
		{ "pek", required_argument, NULL, O_PEK }, { "chain", required_argument, NULL, O_CHAIN },
		{ "mnonce", required_argument, NULL, O_MNONCE }, { "policy", required_argument, NULL, O_POLICY },
		{ 0 } };
	const char *report_path = NULL, *pek_path = NULL, *chain = NULL;
	struct owner_report_expect x = { 0 };
	uint8_t raw[OWNER_REPORT_LEN], mnonce[16], dg[32];
	struct owner_report r;
	struct owner_chain ch;
	struct sev_cert pek;
	struct common c;
	struct owner_err e;
	char p[PATH_MAX];
	int opt, rc;

	common_init(&c);
	while (getopts(argc, argv, lo, &opt) != -1) {
		if ((rc = common_opt(&c, opt, optarg)) < 0)
			return rc == -1 ? EXIT_USAGE : 1;
		switch (opt) {
		case O_HELP:
			help(report_help);
			help(digest_help);
			return help(trust_help);
		case O_REPORT: report_path = optarg; break;
		case O_PEK: pek_path = optarg; break;
		case O_CHAIN: chain = optarg; break;
		case O_MNONCE:
			if (parse_hex_exact("--mnonce", optarg, mnonce, 16))
				return EXIT_USAGE;
			x.mnonce = mnonce;
			break;
		case O_POLICY:
			if (parse_policy(optarg, &x.policy))
				return EXIT_USAGE;
			x.check_policy = true;
			break;
		case '?': return cli_usage_error("bad option");
		default: break;
		}
	}
	if (optind != argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (pek_path && chain)
		return cli_usage_error("--pek and --chain exclude each other");
	if (c.image || c.digest_hex) {
		if ((rc = compute_digest(&c, dg)))
			return rc;
		x.digest = dg;
	}
	if (chain) {
		if (verify_chain_dir(chain, &c.trust, false, &ch))
			return 1;
		pek = ch.pek;
	} else {
		if (!pek_path && path_in(p, c.dir, SEVTOOL_PEK))
			return 1;
		if (owner_read_sev_cert(pek_path ? pek_path : p, &pek, &e))
			return oerr(&e);
	}
	if (!report_path && path_in(p, c.dir, SEVTOOL_REPORT))
		return 1;
	if (owner_read_exact(report_path ? report_path : p, raw, sizeof(raw), &e))
		return oerr(&e);
	owner_report_decode(raw, &r);
	print_hex_kv("mnonce", r.mnonce, 16);
	print_hex_kv("digest", r.digest, 32);
	printf("policy=0x%x\n", r.policy);
	if (owner_report_verify(raw, &pek, &x, &e))
		return oerr(&e);
	cli_info("attestation report verified%s%s%s", x.mnonce ? ", mnonce" : "", x.digest ? ", digest" : "",
		 x.check_policy ? ", policy" : "");
	return 0;
}

/* ---- oca-keygen / sign-pek-csr ----------------------------------------------------------------- */

static const char oca_help[] =
	"usage: swsev owner oca-keygen --key FILE [--cert FILE] [--seed HEX]\n"
	"\n"
	"Generates a platform owner's OCA key (P-384, PKCS#8 PEM, mode 0600) and, with --cert, its\n"
	"self-signed OCA certificate.  Then: swsev platform pek-csr, swsev owner sign-pek-csr,\n"
	"swsev platform pek-cert-import.\n";

static int owner_oca_keygen_cmd(int argc, char **argv)
{
	static const struct option lo[] = { OPT_COMMON,
		{ "key", required_argument, NULL, O_KEY }, { "cert", required_argument, NULL, O_CERT },
		{ "seed", required_argument, NULL, O_SEED }, { 0 } };
	const char *key = NULL, *cert = NULL, *seed = NULL;
	struct sev_cert oca;
	struct owner_err e;
	struct rng *rng;
	EVP_PKEY *k;
	int opt, rc = 1;

	while (getopts(argc, argv, lo, &opt) != -1) {
		switch (opt) {
		case O_HELP: return help(oca_help);
		case O_QUIET: cli_set_quiet(true); break;
		case O_KEY: key = optarg; break;
		case O_CERT: cert = optarg; break;
		case O_SEED: seed = optarg; break;
		default: return cli_usage_error("bad option");
		}
	}
	if (optind != argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (!key)
		return cli_usage_error("--key FILE is required");
	if (!(rng = make_rng(seed)))
		return EXIT_USAGE;
	if (!(k = owner_oca_generate(rng))) {
		cli_error("cannot generate the OCA key");
		goto out;
	}
	if (pkey_write_pem(k, key, 1) != 0) {
		cli_error("cannot write %s", key);
		goto out;
	}
	if (cert && (owner_oca_cert(k, rng, &oca, &e) || owner_write_sev_cert(cert, &oca, &e))) {
		oerr(&e);
		goto out;
	}
	printf("key=%s\n", key);
	if (cert)
		printf("cert=%s\n", cert);
	rc = 0;
out:
	EVP_PKEY_free(k);
	rng_free(rng);
	return rc;
}

static const char sign_help[] =
	"usage: swsev owner sign-pek-csr --csr FILE --key FILE [--dir DIR] [--seed HEX]\n"
	"\n"
	"Signs a PEK_CSR (`swsev platform pek-csr`; sev-tool's pek_csr.cert) with the OCA key\n"
	"(PEM, e.g. from oca-keygen or openssl ecparam -name secp384r1 -genkey), as sev-tool\n"
	"--sign_pek_csr: writes DIR/pek_csr.signed.cert (the PEK signed by the OCA in slot 1)\n"
	"and DIR/oca.cert (the self-signed OCA) for `swsev platform pek-cert-import`.\n";

static int owner_sign_pek_csr_cmd(int argc, char **argv)
{
	static const struct option lo[] = { OPT_COMMON,
		{ "csr", required_argument, NULL, O_CSR }, { "key", required_argument, NULL, O_KEY },
		{ "dir", required_argument, NULL, O_DIR }, { "seed", required_argument, NULL, O_SEED }, { 0 } };
	const char *csr_path = NULL, *key = NULL, *dir = ".", *seed = NULL;
	struct sev_cert csr, pek, oca;
	struct owner_err e;
	struct rng *rng = NULL;
	EVP_PKEY *k = NULL;
	char p[PATH_MAX], q[PATH_MAX];
	int opt, rc = 1;

	while (getopts(argc, argv, lo, &opt) != -1) {
		switch (opt) {
		case O_HELP: return help(sign_help);
		case O_QUIET: cli_set_quiet(true); break;
		case O_CSR: csr_path = optarg; break;
		case O_KEY: key = optarg; break;
		case O_DIR: dir = optarg; break;
		case O_SEED: seed = optarg; break;
		default: return cli_usage_error("bad option");
		}
	}
	if (optind != argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (!csr_path || !key)
		return cli_usage_error("--csr FILE and --key FILE are required");
	if (owner_read_sev_cert(csr_path, &csr, &e))
		return oerr(&e);
	if (!(k = pkey_read_pem(key)))
		return cli_error("%s: not a PEM private key", key);
	if (!(rng = make_rng(seed)))
		goto out;
	if (owner_sign_pek_csr(&csr, k, rng, &pek, &oca, &e)) {
		oerr(&e);
		goto out;
	}
	if (cli_mkdir_p(dir, 0755) || path_in(p, dir, SEVTOOL_PEK_CSR_SIGNED) || path_in(q, dir, SEVTOOL_OCA))
		goto out;
	if (owner_write_sev_cert(p, &pek, &e) || owner_write_sev_cert(q, &oca, &e)) {
		oerr(&e);
		goto out;
	}
	printf("pek=%s\noca=%s\n", p, q);
	rc = 0;
out:
	EVP_PKEY_free(k);
	rng_free(rng);
	return rc;
}

/* ---- dispatch ------------------------------------------------------------------------------- */

static int owner_measure_cmd(int argc, char **argv)
{
	return measure_like(argc, argv, false);
}

static int owner_verify_measurement_cmd(int argc, char **argv)
{
	return measure_like(argc, argv, true);
}

int cmd_owner(int argc, char **argv)
{
	static const struct cli_cmd subs[] = {
		{ "session", owner_session_cmd, NULL },
		{ "measure", owner_measure_cmd, NULL },
		{ "verify-measurement", owner_verify_measurement_cmd, NULL },
		{ "package-secret", owner_package_cmd, NULL },
		{ "verify-chain", owner_verify_chain_cmd, NULL },
		{ "verify-report", owner_verify_report_cmd, NULL },
		{ "oca-keygen", owner_oca_keygen_cmd, NULL },
		{ "sign-pek-csr", owner_sign_pek_csr_cmd, NULL },
	};
	static char prog[64];

	if (argc < 2)
		return fputs(usage_text, stderr), EXIT_USAGE;
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0)
		return help(usage_text);
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		if (strcmp(argv[1], subs[i].name) == 0) {
			snprintf(prog, sizeof(prog), "swsev owner %s", subs[i].name);
			cli_set_prog(prog);
			optind = 1;
			return subs[i].fn(argc - 1, argv + 1);
		}
	}
	cli_usage_error("'%s' is not an owner command", argv[1]);
	return EXIT_USAGE;
}
