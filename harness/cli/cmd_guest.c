/* swsev guest launch: a whole SEV launch of an image file from the shell, the VMM's
 * side (harness/owner/launch.h, psp/ only) with the guest owner in a hook command. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/cli/cli.h"
#include "harness/cli/commands.h"
#include "harness/owner/export.h"
#include "harness/owner/launch.h"
#include "harness/owner/measure.h"
#include "psp/psp.h"

static const char guest_usage[] =
	"usage: swsev guest launch [options]\n"
	"\n"
	"'swsev guest launch --help' describes it.\n";

static const char launch_help[] =
	"usage: swsev guest launch [--backend URI] [--godh FILE --session FILE] --policy HEX\n"
	"                          --image FILE --measure-out FILE [--on-measure CMD]\n"
	"                          [--secret-header FILE --secret FILE --secret-gpa ADDR]\n"
	"                          [--dump-memory FILE] [--attestation-out FILE]\n"
	"                          [--attestation-mnonce HEX] [--export-dir DIR] [--mem-size SIZE]\n"
	"                          [--es [--vmsa FILE] [--vcpus N]] [-q]\n"
	"\n"
	"Launches an image as an SEV guest on a backend, as QEMU does, and plays the VMM:\n"
	"  1 KVM_SEV_INIT (ES_INIT)   2 LAUNCH_START(policy, GODH, session)\n"
	"  3 LAUNCH_UPDATE_DATA(image) [LAUNCH_UPDATE_VMSA]   4 LAUNCH_MEASURE -> --measure-out\n"
	"  5 the --on-measure hook (the guest owner: verify, package a secret)\n"
	"  6 LAUNCH_SECRET (if secret files are given)   7 LAUNCH_FINISH\n"
	"  8 ATTESTATION -> --attestation-out   9 DBG_DECRYPT -> --dump-memory\n"
	"Any failing step stops the launch (the VM is destroyed); the message names the step\n"
	"and the firmware status (name and number).  Exit status 0, 1 on any failure, 2 usage.\n"
	"\n"
	"  --backend URI       the platform (default $SWSEV_BACKEND, else emu:)\n"
	"  --godh FILE         the guest owner's DH certificate (godh.cert; raw or base64)\n"
	"  --session FILE      the 128-byte session (launch_blob.bin; raw or base64).  Without\n"
	"                      both, LAUNCH_START has no session: TEK = TIK = 0.\n"
	"  --policy HEX        the guest policy (it must be the one MACed into the session)\n"
	"  --image FILE        the guest image, loaded at guest address 0 and measured\n"
	"                      zero-padded to a multiple of 16 bytes\n"
	"  --measure-out FILE  the 48-byte LAUNCH_MEASURE output (measurement || MNONCE)\n"
	"  --on-measure CMD    run by /bin/sh -c after LAUNCH_MEASURE, with its output on stderr\n"
	"                      and in its environment:\n"
	"                        SWSEV_MEASURE_FILE  the --measure-out file\n"
	"                        SWSEV_EXPORT_DIR    the platform's certificates in sev-tool\n"
	"                                            names (pdh pek oca cek [ask ark].cert)\n"
	"                        SWSEV_POLICY SWSEV_API (MAJ.MIN) SWSEV_BUILD  for the measurement\n"
	"                        SWSEV_SECRET_FILE SWSEV_SECRET_HEADER_FILE SWSEV_SECRET_GPA\n"
	"                                            when given: the hook may write those files\n"
	"                        SWSEV_BACKEND SWSEV_IMAGE\n"
	"                      A non-zero exit refuses the launch (no LAUNCH_FINISH).\n"
	"  --secret-header FILE, --secret FILE\n"
	"                      the 52-byte header and the encrypted secret for LAUNCH_SECRET,\n"
	"                      read after the hook ran (packaged_secret_header.bin and\n"
	"                      packaged_secret.bin of `swsev owner package-secret`)\n"
	"  --secret-gpa ADDR   where the secret goes: a guest address, i.e. an offset into the\n"
	"                      guest memory the image starts at (16-byte aligned; on KVM keep\n"
	"                      the secret within one page)\n"
	"  --mem-size SIZE     guest memory (default: the image in whole pages, extended to hold\n"
	"                      4 KiB from --secret-gpa)\n"
	"  --dump-memory FILE  all guest memory decrypted by DBG_DECRYPT after LAUNCH_FINISH\n"
	"                      (needs a debug policy: bit 0 NODBG clear; mode 0600)\n"
	"  --attestation-out FILE  the 208-byte ATTESTATION report after LAUNCH_FINISH\n"
	"  --attestation-mnonce HEX  its 16-byte MNONCE (default random; printed)\n"
	"  --export-dir DIR    where SWSEV_EXPORT_DIR points (kept); default: a temporary folder.\n"
	"                      On the emulator it gets the whole chain: cek.cert signed by the\n"
	"                      emulated KDS, ask.cert and ark.cert of the emulated root.  On a real\n"
	"                      PSP it gets what PDH_CERT_EXPORT gives (pdh pek oca, and the\n"
	"                      unsigned cek.cert unless DIR already has one); put AMD's ask.cert,\n"
	"                      ark.cert and the KDS-signed cek.cert there beforehand (sev-tool\n"
	"                      --export_cert_chain) for a full chain.\n"
	"  --es                SEV-ES (the platform must be initialised with ES)\n"
	"  --vmsa FILE         the vCPUs' VMSA pages (see `swsev owner measure --help`); default:\n"
	"                      zero pages on the emulator, KVM's own VMSAs on KVM\n"
	"  --vcpus N           vCPUs for SEV-ES (default 1)\n"
	"  -q, --quiet         no progress on stderr\n"
	"\n"
	"On success prints handle=, measurement=, mnonce= (and attestation_mnonce=) on stdout.\n";

enum {
	L_BACKEND = 0x100, L_GODH, L_SESSION, L_POLICY, L_IMAGE, L_MEASURE_OUT, L_ON_MEASURE, L_SECRET_HEADER,
	L_SECRET, L_SECRET_GPA, L_DUMP, L_ATTEST_OUT, L_ATTEST_MNONCE, L_EXPORT_DIR, L_MEM_SIZE, L_ES, L_VMSA,
	L_VCPUS,
};

struct launch_opts {
	const char *backend, *godh, *session, *image, *measure_out, *on_measure;
	const char *secret_hdr, *secret, *dump, *attest_out, *attest_mnonce, *export_dir, *vmsa;
	uint32_t policy, vcpus;
	uint64_t secret_gpa, mem_size;
	bool have_policy, have_gpa, es;
};

/* A fixed-size binary file, raw or base64 (QEMU's dh-cert-file / session-file form). */
static int read_blob(const char *path, uint8_t *out, size_t want)
{
	size_t n, m = 0;
	uint8_t *b = cli_read_file(path, &n), *dec;
	int dn;

	if (!b)
		return -1;
	if (n == want) {
		memcpy(out, b, want);
		free(b);
		return 0;
	}
	for (size_t i = 0; i < n; i++) /* base64 without line breaks */
		if (b[i] != '\n' && b[i] != '\r' && b[i] != ' ')
			b[m++] = b[i];
	dec = malloc(m + 4);
	if (dec && m % 4 == 0 && (dn = EVP_DecodeBlock(dec, b, (int)m)) >= 0) {
		size_t pad = (m && b[m - 1] == '=') + (m > 1 && b[m - 2] == '=');
		if ((size_t)dn - pad == want) {
			memcpy(out, dec, want);
			free(dec);
			free(b);
			return 0;
		}
	}
	free(dec);
	free(b);
	cli_error("%s: %zu bytes; expected %zu bytes (raw or base64)", path, n, want);
	return -1;
}

/* Output files through the owner library: atomic for regular files, in place for
 * devices (--dump-memory /dev/null must not replace the device node). */
static int write_out(const char *path, const void *buf, size_t len, unsigned mode)
{
	struct owner_err e;

	if (owner_write_file(path, buf, len, mode, &e))
		return cli_error("%s", e.msg);
	return 0;
}

static void fail_step(const struct owner_guest *g)
{
	char m[600];

	psp_err_format(&g->err, m, sizeof(m));
	cli_error("step %s failed: %s", g->step ? g->step : "?", m);
}

/* v NULL: unset, so the hook never sees a value inherited from our own caller. */
static int set_env(const char *k, const char *v)
{
	if (v ? setenv(k, v, 1) : unsetenv(k))
		return cli_error("setenv %s: %s", k, strerror(errno));
	return 0;
}

/* The guest owner's hook: /bin/sh -c CMD; its stdout goes to our stderr so that our
 * stdout stays machine-readable. */
static int run_hook(const char *cmd)
{
	pid_t pid;
	int st;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return cli_error("fork: %s", strerror(errno));
	if (pid == 0) {
		dup2(STDERR_FILENO, STDOUT_FILENO);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR)
			return cli_error("waitpid: %s", strerror(errno));
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (WIFEXITED(st))
		return cli_error("step on-measure hook failed: the guest owner's command exited with status %d; "
				 "the launch is refused (no LAUNCH_FINISH)", WEXITSTATUS(st));
	return cli_error("step on-measure hook failed: the guest owner's command was killed by signal %d; "
			 "the launch is refused (no LAUNCH_FINISH)", WTERMSIG(st));
}

static void remove_export(const char *dir)
{
	if (owner_export_remove(dir) != 0)
		cli_warn("temporary folder %s kept (the hook left files in it)", dir);
}

static int hook_and_secret(const struct launch_opts *o, struct psp *p, const struct sev_user_data_status *st,
			   struct owner_guest *g)
{
	const char *tmpbase = getenv("TMPDIR"), *dir = o->export_dir;
	char tmpdir[PATH_MAX], buf[64];
	struct owner_export_info info;
	struct owner_err e;
	uint8_t hdr[PSP_HDR_LEN], *ct = NULL;
	size_t len = 0;
	int rc = 1;

	/* The platform's certificates for the owner: where asked, else (for a hook) a
	 * temporary folder removed afterwards. */
	if (o->on_measure && !dir) {
		snprintf(tmpdir, sizeof(tmpdir), "%s/swsev-export-XXXXXX", tmpbase && *tmpbase ? tmpbase : "/tmp");
		if (!(dir = mkdtemp(tmpdir)))
			return cli_error("cannot create a folder for the export (%s): %s", tmpdir, strerror(errno));
	} else if (dir && cli_mkdir_p(dir, 0755)) {
		return 1;
	}
	if (dir) {
		if (owner_export_platform(p, dir, &info, &e)) {
			cli_error("step exporting the platform certificates failed: %s", e.msg);
			goto out;
		}
		if (!info.complete)
			cli_info("note: %s lacks part of the AMD chain (ask.cert, ark.cert and the signed cek.cert "
				 "come from AMD's KDS on real hardware)", dir);
	}
	if (o->on_measure) {
		snprintf(buf, sizeof(buf), "0x%x", o->policy);
		if (set_env("SWSEV_MEASURE_FILE", o->measure_out) || set_env("SWSEV_EXPORT_DIR", dir) ||
		    set_env("SWSEV_POLICY", buf) || set_env("SWSEV_BACKEND", psp_uri(p)) ||
		    set_env("SWSEV_IMAGE", o->image) || set_env("SWSEV_SECRET_FILE", o->secret) ||
		    set_env("SWSEV_SECRET_HEADER_FILE", o->secret_hdr))
			goto out;
		snprintf(buf, sizeof(buf), "%u.%u", st->api_major, st->api_minor);
		if (set_env("SWSEV_API", buf))
			goto out;
		snprintf(buf, sizeof(buf), "%u", st->build);
		if (set_env("SWSEV_BUILD", buf))
			goto out;
		snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)o->secret_gpa);
		if (set_env("SWSEV_SECRET_GPA", o->have_gpa ? buf : NULL))
			goto out;
		cli_info("running the guest owner's hook: %s", o->on_measure);
		if (run_hook(o->on_measure))
			goto out;
	}
	if (o->secret) {
		if (!owner_file_exists(o->secret_hdr) || !owner_file_exists(o->secret)) {
			cli_error("step LAUNCH_SECRET: %s not found%s", !owner_file_exists(o->secret_hdr) ? o->secret_hdr
												       : o->secret,
				  o->on_measure ? " (the --on-measure hook did not write it)" : "");
			goto out;
		}
		if (cli_read_exact(o->secret_hdr, hdr, sizeof(hdr)))
			goto out;
		if (!(ct = cli_read_file(o->secret, &len)))
			goto out;
		if (len == 0) {
			cli_error("step LAUNCH_SECRET: %s is empty", o->secret);
			goto out;
		}
		cli_info("LAUNCH_SECRET: %zu bytes at guest address 0x%llx", len, (unsigned long long)o->secret_gpa);
		if (owner_guest_inject(g, hdr, ct, len, o->secret_gpa)) {
			fail_step(g);
			goto out;
		}
	}
	rc = 0;
out:
	free(ct);
	if (o->on_measure && !o->export_dir)
		remove_export(dir);
	return rc;
}

static int after_finish(const struct launch_opts *o, struct owner_guest *g)
{
	uint8_t mnonce[16], report[PSP_REPORT_LEN], *dump;
	int rc;

	if (o->attest_out) {
		if (o->attest_mnonce) {
			uint8_t *b = NULL;
			size_t n = 0;
			if (cli_parse_hex(o->attest_mnonce, &b, &n) || n != 16) {
				free(b);
				return cli_usage_error("--attestation-mnonce: '%s' is not 16 bytes of hex", o->attest_mnonce);
			}
			memcpy(mnonce, b, 16);
			free(b);
		} else {
			FILE *f = fopen("/dev/urandom", "rb");
			if (!f || fread(mnonce, 1, 16, f) != 16) {
				if (f)
					fclose(f);
				return cli_error("no random MNONCE");
			}
			fclose(f);
		}
		if (owner_guest_attest(g, mnonce, report)) {
			fail_step(g);
			return 1;
		}
		if (write_out(o->attest_out, report, sizeof(report), 0644))
			return 1;
		cli_print_hex("attestation_mnonce=", mnonce, 16);
	}
	if (o->dump) {
		if (!(dump = malloc(g->mem_len)))
			return cli_error("out of memory");
		if (owner_guest_dump(g, dump)) {
			free(dump);
			fail_step(g);
			if (g->err.fw_set && g->err.fw == SEV_RET_POLICY_FAILURE && (o->policy & 1))
				cli_info("policy 0x%x has NODBG (bit 0) set: the firmware refuses debugging", o->policy);
			return 1;
		}
		rc = write_out(o->dump, dump, g->mem_len, 0600);
		memset(dump, 0, g->mem_len);
		free(dump);
		if (rc)
			return 1;
		cli_info("guest memory (%zu bytes) decrypted to %s", g->mem_len, o->dump);
	}
	return 0;
}

static int do_launch(const struct launch_opts *o)
{
	uint8_t godh[PSP_CERT_LEN], session[PSP_SESSION_LEN], *image = NULL, *vmsa = NULL;
	size_t image_len = 0, vmsa_len = 0;
	struct sev_user_data_status st;
	struct owner_launch_cfg cfg = { 0 };
	struct owner_guest g;
	struct psp_err err;
	struct psp *p = NULL;
	char m[600];
	int rc = 1;

	memset(&g, 0, sizeof(g));
	if (o->godh && (read_blob(o->godh, godh, sizeof(godh)) || read_blob(o->session, session, sizeof(session))))
		return 1;
	if (!(image = cli_read_file(o->image, &image_len)))
		return 1;
	if (o->vmsa && !(vmsa = cli_read_file(o->vmsa, &vmsa_len)))
		goto out;
	if (psp_open(o->backend, &p, &err)) {
		psp_err_format(&err, m, sizeof(m));
		cli_error("cannot open the backend %s: %s", o->backend ? o->backend : "(default)", m);
		goto out;
	}
	if (psp_platform_status(p, &st, &err)) {
		psp_err_format(&err, m, sizeof(m));
		cli_error("step PLATFORM_STATUS failed: %s", m);
		goto out;
	}
	cfg.policy = o->policy;
	cfg.godh = o->godh ? godh : NULL;
	cfg.session = o->godh ? session : NULL;
	cfg.image = image;
	cfg.image_len = image_len;
	cfg.es = o->es;
	cfg.vmsa = vmsa;
	cfg.vmsa_len = vmsa_len;
	cfg.nvcpus = o->es ? o->vcpus : 0;
	cfg.mem_len = o->mem_size;
	if (!cfg.mem_len) {
		size_t img = (owner_image_measured_len(image_len) + OWNER_PAGE - 1) & ~(size_t)(OWNER_PAGE - 1);
		size_t sec = o->have_gpa ? (size_t)((o->secret_gpa + 2 * OWNER_PAGE - 1) & ~(uint64_t)(OWNER_PAGE - 1)) : 0;
		cfg.mem_len = img > sec ? img : sec;
	}
	cli_info("launching %s (%zu bytes, %zu bytes of guest memory) with policy 0x%x on %s", o->image, image_len,
		 cfg.mem_len, o->policy, psp_uri(p));
	if (owner_guest_launch(p, &cfg, &g)) {
		fail_step(&g);
		goto out;
	}
	if (write_out(o->measure_out, g.measure, sizeof(g.measure), 0644))
		goto out;
	if (hook_and_secret(o, p, &st, &g))
		goto out;
	if (owner_guest_finish(&g)) {
		fail_step(&g);
		goto out;
	}
	if (after_finish(o, &g))
		goto out;
	printf("handle=%u\n", psp_vm_handle(g.vm));
	cli_print_hex("measurement=", g.measure, 32);
	cli_print_hex("mnonce=", g.measure + 32, 16);
	cli_info("launch complete: the guest is RUNNING");
	rc = 0;
out:
	owner_guest_free(&g);
	psp_close(p);
	free(image);
	free(vmsa);
	return rc;
}

static int guest_launch(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "help", no_argument, NULL, 'h' }, { "quiet", no_argument, NULL, 'q' },
		{ "backend", required_argument, NULL, L_BACKEND }, { "godh", required_argument, NULL, L_GODH },
		{ "session", required_argument, NULL, L_SESSION }, { "policy", required_argument, NULL, L_POLICY },
		{ "image", required_argument, NULL, L_IMAGE }, { "measure-out", required_argument, NULL, L_MEASURE_OUT },
		{ "on-measure", required_argument, NULL, L_ON_MEASURE },
		{ "secret-header", required_argument, NULL, L_SECRET_HEADER },
		{ "secret", required_argument, NULL, L_SECRET }, { "secret-gpa", required_argument, NULL, L_SECRET_GPA },
		{ "dump-memory", required_argument, NULL, L_DUMP },
		{ "attestation-out", required_argument, NULL, L_ATTEST_OUT },
		{ "attestation-mnonce", required_argument, NULL, L_ATTEST_MNONCE },
		{ "export-dir", required_argument, NULL, L_EXPORT_DIR }, { "mem-size", required_argument, NULL, L_MEM_SIZE },
		{ "es", no_argument, NULL, L_ES }, { "vmsa", required_argument, NULL, L_VMSA },
		{ "vcpus", required_argument, NULL, L_VCPUS }, { 0 },
	};
	struct launch_opts o = { .vcpus = 1 };
	char *end;
	int opt;

	while ((opt = getopt_long(argc, argv, "hq", lo, NULL)) != -1) {
		switch (opt) {
		case 'h': fputs(launch_help, stdout); return 0;
		case 'q': cli_set_quiet(true); break;
		case L_BACKEND: o.backend = optarg; break;
		case L_GODH: o.godh = optarg; break;
		case L_SESSION: o.session = optarg; break;
		case L_POLICY: {
			unsigned long v;
			errno = 0;
			v = strtoul(optarg, &end, 16);
			if (!*optarg || *optarg == '-' || *end || errno || v > UINT32_MAX)
				return cli_usage_error("--policy: '%s' is not a hex policy", optarg);
			o.policy = (uint32_t)v;
			o.have_policy = true;
			break;
		}
		case L_IMAGE: o.image = optarg; break;
		case L_MEASURE_OUT: o.measure_out = optarg; break;
		case L_ON_MEASURE: o.on_measure = optarg; break;
		case L_SECRET_HEADER: o.secret_hdr = optarg; break;
		case L_SECRET: o.secret = optarg; break;
		case L_SECRET_GPA:
			if (cli_parse_u64(optarg, &o.secret_gpa))
				return cli_usage_error("--secret-gpa: '%s' is not an address", optarg);
			o.have_gpa = true;
			break;
		case L_DUMP: o.dump = optarg; break;
		case L_ATTEST_OUT: o.attest_out = optarg; break;
		case L_ATTEST_MNONCE: o.attest_mnonce = optarg; break;
		case L_EXPORT_DIR: o.export_dir = optarg; break;
		case L_MEM_SIZE:
			if (cli_parse_size(optarg, &o.mem_size) || !o.mem_size || o.mem_size % OWNER_PAGE)
				return cli_usage_error("--mem-size: '%s' is not a whole number of 4 KiB pages", optarg);
			break;
		case L_ES: o.es = true; break;
		case L_VMSA: o.vmsa = optarg; o.es = true; break;
		case L_VCPUS:
			if (cli_parse_u32(optarg, &o.vcpus) || !o.vcpus || o.vcpus > 4096)
				return cli_usage_error("--vcpus: '%s' is not a vCPU count", optarg);
			break;
		default: return cli_usage_error("bad option");
		}
	}
	if (optind != argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (!o.have_policy || !o.image || !o.measure_out)
		return cli_usage_error("--policy, --image and --measure-out are required");
	if (!o.godh != !o.session)
		return cli_usage_error("--godh and --session go together");
	if (!o.secret != !o.secret_hdr || (o.secret && !o.have_gpa))
		return cli_usage_error("--secret, --secret-header and --secret-gpa go together");
	if (o.have_gpa && !o.secret)
		return cli_usage_error("--secret-gpa without --secret and --secret-header");
	if (o.attest_mnonce && !o.attest_out)
		return cli_usage_error("--attestation-mnonce without --attestation-out");
	return do_launch(&o);
}

int cmd_guest(int argc, char **argv)
{
	if (argc < 2)
		return fputs(guest_usage, stderr), EXIT_USAGE;
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0)
		return fputs(launch_help, stdout), 0;
	if (strcmp(argv[1], "launch") == 0) {
		cli_set_prog("swsev guest launch");
		optind = 1;
		return guest_launch(argc - 1, argv + 1);
	}
	return cli_usage_error("'%s' is not a guest command (only: launch)", argv[1]);
}
