/* swsev platform: the platform owner's commands (the /dev/sev ioctls), on any backend,
 * plus the emulator's own INIT/SHUTDOWN/DF_FLUSH/info.  Results are key=value lines on
 * stdout so scripts can read them; certificates are written in sev-tool's formats. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/fw/buffers.h"
#include "emu/fw/fw.h"
#include "emu/util/hex.h"
#include "harness/cli/cli.h"
#include "harness/cli/commands.h"
#include "harness/owner/export.h"
#include "psp/psp.h"

static const char usage[] =
	"usage: swsev platform [--backend URI] [--seed HEX] [--ro] [-q] COMMAND [ARGS]\n"
	"\n"
	"The platform owner's side of an SEV platform (the /dev/sev commands).\n"
	"\n"
	"commands:\n"
	"  status                   PLATFORM_STATUS: state, owner, API version, build, guests\n"
	"  init | shutdown          INIT / SHUTDOWN (emulator only; the kernel does these itself)\n"
	"  df-flush                 DF_FLUSH (emulator only; the kernel issues it on ASID reuse)\n"
	"  factory-reset            FACTORY_RESET: new CEK-signed PEK and PDH, ownership cleared\n"
	"  pek-gen | pdh-gen        PEK_GEN / PDH_GEN\n"
	"  pek-csr OUT              PEK_CSR into OUT (an unsigned SEV certificate)\n"
	"  pek-cert-import PEK OCA  PEK_CERT_IMPORT: take ownership with an OCA-signed PEK\n"
	"  export DIR               the certificate chain in sev-tool's file names: pdh, pek,\n"
	"                           oca, cek, and (emulator) ask, ark from its emulated KDS\n"
	"  get-id [OUT]             GET_ID2: the chip ID (hex on stdout, raw into OUT)\n"
	"  info                     the emulated part: API, build, ASIDs, C-bit, profile, seed\n"
	"\n"
	"options:\n"
	"  --backend URI  emu:DIR, unix:PATH, dev:PATH or kvm: (default $SWSEV_BACKEND, else emu:)\n"
	"  --seed HEX     create the emulated platform from this seed (deterministic mode)\n"
	"  --ro           open the platform read-only (the owner commands then get EPERM)\n"
	"  -q, --quiet    no progress messages\n";

struct ctx {
	struct psp *p;
	int argc;
	char **argv;
};

static const char *state_name(unsigned s)
{
	static const char *const n[] = { "UNINIT", "INIT", "WORKING" };
	return s < 3 ? n[s] : "UNKNOWN";
}

static int need_args(const struct ctx *c, int n, const char *what)
{
	if (c->argc - 1 != n)
		return cli_usage_error("%s takes %s", c->argv[0], what);
	return 0;
}

static int do_status(struct ctx *c)
{
	struct sev_user_data_status st;
	struct psp_err e;

	if (need_args(c, 0, "no arguments"))
		return EXIT_USAGE;
	if (psp_platform_status(c->p, &st, &e))
		return cli_psp_error("PLATFORM_STATUS", &e);
	printf("state=%s\nowner=%s\nconfig_es=%u\napi=%u.%u\nbuild=%u\nguests=%u\n", state_name(st.state),
	       st.flags & 1 ? "external" : "self", (st.flags >> 8) & 1, st.api_major, st.api_minor, st.build,
	       st.guest_count);
	return 0;
}

/* A firmware command the kernel's /dev/sev does not offer, through the emulator. */
static int fw_simple(struct ctx *c, uint32_t cmd, const char *name, void *buf, uint32_t len)
{
	struct psp_err e;
	uint32_t status = 0;

	if (need_args(c, 0, "no arguments"))
		return EXIT_USAGE;
	if (psp_require(c->p, PSP_CAP_FW_CMD, &e))
		return cli_error("%s: %s (on a real PSP the kernel issues it itself)", name, e.msg);
	if (psp_fw_cmd(c->p, cmd, buf, len, &status, &e))
		return cli_psp_error(name, &e);
	if (status != SEV_RET_SUCCESS)
		return cli_error("%s failed: firmware %s (0x%02x)%s%s", name, psp_fw_status_name(status), status,
				 e.msg[0] ? ": " : "", e.msg);
	cli_info("%s done", name);
	return 0;
}

static int do_init(struct ctx *c)
{
	struct fwb_init b;

	memset(&b, 0, sizeof(b));
	return fw_simple(c, FW_CMD_INIT, "INIT", &b, sizeof(b));
}

static int do_shutdown(struct ctx *c)
{
	return fw_simple(c, FW_CMD_SHUTDOWN, "SHUTDOWN", NULL, 0);
}

static int do_df_flush(struct ctx *c)
{
	return fw_simple(c, FW_CMD_DF_FLUSH, "DF_FLUSH", NULL, 0);
}

static int simple(struct ctx *c, int (*fn)(struct psp *, struct psp_err *), const char *name)
{
	struct psp_err e;

	if (need_args(c, 0, "no arguments"))
		return EXIT_USAGE;
	if (fn(c->p, &e))
		return cli_psp_error(name, &e);
	cli_info("%s done", name);
	return 0;
}

static int do_factory_reset(struct ctx *c)
{
	return simple(c, psp_factory_reset, "FACTORY_RESET");
}

static int do_pek_gen(struct ctx *c)
{
	return simple(c, psp_pek_gen, "PEK_GEN");
}

static int do_pdh_gen(struct ctx *c)
{
	return simple(c, psp_pdh_gen, "PDH_GEN");
}

static int do_pek_csr(struct ctx *c)
{
	uint8_t csr[PSP_CERT_LEN];
	struct psp_err e;

	if (need_args(c, 1, "the output file"))
		return EXIT_USAGE;
	if (psp_pek_csr(c->p, csr, &e))
		return cli_psp_error("PEK_CSR", &e);
	if (cli_write_file(c->argv[1], csr, sizeof(csr), 0644))
		return 1;
	cli_info("PEK_CSR written to %s (sign it with 'swsev owner sign-pek-csr')", c->argv[1]);
	return 0;
}

static int do_pek_cert_import(struct ctx *c)
{
	uint8_t pek[PSP_CERT_LEN], oca[PSP_CERT_LEN];
	struct psp_err e;

	if (need_args(c, 2, "the signed PEK and the OCA certificate files"))
		return EXIT_USAGE;
	if (cli_read_exact(c->argv[1], pek, sizeof(pek)) || cli_read_exact(c->argv[2], oca, sizeof(oca)))
		return 1;
	if (psp_pek_cert_import(c->p, pek, oca, &e))
		return cli_psp_error("PEK_CERT_IMPORT", &e);
	cli_info("PEK_CERT_IMPORT done: the platform is now owned by that OCA");
	return 0;
}

static int do_export(struct ctx *c)
{
	struct owner_export_info info;
	struct owner_err e;

	if (need_args(c, 1, "the output directory"))
		return EXIT_USAGE;
	if (cli_mkdir_p(c->argv[1], 0755))
		return 1;
	if (owner_export_platform(c->p, c->argv[1], &info, &e))
		return cli_error("export failed: %s", e.msg);
	printf("dir=%s\nkds=%s\ncomplete=%s\n", c->argv[1], info.kds ? "emulated" : "none",
	       info.complete ? "yes" : "no");
	if (!info.complete)
		cli_info("note: ask.cert, ark.cert and the signed cek.cert come from AMD's KDS on real hardware");
	return 0;
}

static int do_get_id(struct ctx *c)
{
	uint8_t id[256];
	char hex[sizeof(id) * 2 + 1];
	uint32_t len = sizeof(id);
	struct psp_err e;

	if (c->argc > 2)
		return cli_usage_error("get-id takes at most an output file");
	if (psp_get_id(c->p, id, &len, &e))
		return cli_psp_error("GET_ID", &e);
	hex_encode(id, len, hex);
	printf("id=%s\n", hex);
	if (c->argc == 2 && cli_write_file(c->argv[1], id, len, 0644))
		return 1;
	return 0;
}

static int do_info(struct ctx *c)
{
	struct psp_info in;
	struct psp_err e;

	if (need_args(c, 0, "no arguments"))
		return EXIT_USAGE;
	if (psp_info(c->p, &in, &e))
		return cli_psp_error("info", &e);
	printf("backend=%s\nuri=%s\napi=%u.%u\nbuild=%u\nseeded=%s\nes=%u\nmax_asid=%u\nmin_sev_asid=%u\n"
	       "guest_max=%u\ncbit=%u\nprofile=%s\nstate_dir=%s\n",
	       psp_backend(c->p), psp_uri(c->p), in.api_major, in.api_minor, in.build, in.seeded ? "yes" : "no",
	       in.es, in.max_asid, in.min_sev_asid, in.guest_max, in.cbit, in.profile, in.state_dir);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(struct ctx *);
} cmds[] = {
	{ "status", do_status },
	{ "init", do_init },
	{ "shutdown", do_shutdown },
	{ "df-flush", do_df_flush },
	{ "factory-reset", do_factory_reset },
	{ "pek-gen", do_pek_gen },
	{ "pdh-gen", do_pdh_gen },
	{ "pek-csr", do_pek_csr },
	{ "pek-cert-import", do_pek_cert_import },
	{ "export", do_export },
	{ "get-id", do_get_id },
	{ "info", do_info },
};

int cmd_platform(int argc, char **argv)
{
	enum { O_BACKEND = 256, O_SEED, O_RO };
	static const struct option lo[] = {
		{ "help", no_argument, NULL, 'h' }, { "quiet", no_argument, NULL, 'q' },
		{ "backend", required_argument, NULL, O_BACKEND }, { "seed", required_argument, NULL, O_SEED },
		{ "ro", no_argument, NULL, O_RO }, { 0 },
	};
	const char *backend = NULL, *seed = NULL;
	bool ro = false;
	struct ctx c;
	size_t i;
	int opt, rc;

	/* "+": options stop at the command, so "pek-csr -" style arguments pass through. */
	while ((opt = getopt_long(argc, argv, "+hq", lo, NULL)) != -1) {
		switch (opt) {
		case 'h': fputs(usage, stdout); return 0;
		case 'q': cli_set_quiet(true); break;
		case O_BACKEND: backend = optarg; break;
		case O_SEED: seed = optarg; break;
		case O_RO: ro = true; break;
		default: fputs(usage, stderr); return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return cli_usage_error("which command? (status, init, export, ...)");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[optind], cmds[i].name) == 0)
			break;
	if (i == sizeof(cmds) / sizeof(cmds[0]))
		return cli_usage_error("'%s' is not a platform command", argv[optind]);
	if ((rc = cli_open_backend(backend, seed, ro, &c.p)))
		return rc;
	c.argc = argc - optind;
	c.argv = argv + optind;
	rc = cmds[i].fn(&c);
	psp_close(c.p);
	return rc;
}
