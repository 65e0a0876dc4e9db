/* swsev vectors: writes the conformance vectors (vectors/gen/) and checks that the
 * committed files are exactly what this build generates. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "emu/util/file.h"
#include "harness/cli/cli.h"
#include "harness/cli/commands.h"
#include "vectors/gen/vg.h"
#include "vectors/gen/vg_file.h"

static const char usage_text[] =
	"usage: swsev vectors <command> [options]\n"
	"\n"
	"The conformance vectors (vectors/README.md): text files of known answers for the SEV\n"
	"KDF, sessions, ECDH, measurements, packets, certificates and attestation reports, and\n"
	"complete command transcripts of a launch and a migration between seeded platforms.\n"
	"\n"
	"commands:\n"
	"  generate [--out DIR] [--certs DIR] [--only FILE] [-q]\n"
	"           write every vector file into DIR (default: vectors)\n"
	"  check [--dir DIR] [--certs DIR] [-q]\n"
	"           regenerate every file and compare it with DIR's (default: vectors) byte for\n"
	"           byte; exit 1 naming the first differing file and line\n"
	"  list     the files and what each covers\n"
	"\n"
	"  --certs DIR   the real AMD certificates the published KATs describe\n"
	"                (default: DIR/certs of --out or --dir)\n"
	"  -q, --quiet   no progress on stderr\n";

enum { O_OUT = 0x100, O_DIR, O_CERTS, O_ONLY };

struct opts {
	const char *dir, *certs, *only;
	char certs_buf[4096];
};

static int parse(int argc, char **argv, struct opts *o, bool generate)
{
	static const struct option lo[] = {
		{ "help", no_argument, NULL, 'h' }, { "quiet", no_argument, NULL, 'q' },
		{ "out", required_argument, NULL, O_OUT }, { "dir", required_argument, NULL, O_DIR },
		{ "certs", required_argument, NULL, O_CERTS }, { "only", required_argument, NULL, O_ONLY }, { 0 },
	};
	int opt;

	memset(o, 0, sizeof(*o));
	o->dir = "vectors";
	optind = 1;
	while ((opt = getopt_long(argc, argv, "hq", lo, NULL)) != -1) {
		switch (opt) {
		case 'h': fputs(usage_text, stdout); return 1;
		case 'q': cli_set_quiet(true); break;
		case O_OUT:
			if (!generate)
				return cli_usage_error("--out belongs to generate (check takes --dir)");
			o->dir = optarg;
			break;
		case O_DIR:
			if (generate)
				return cli_usage_error("--dir belongs to check (generate takes --out)");
			o->dir = optarg;
			break;
		case O_CERTS: o->certs = optarg; break;
		case O_ONLY:
			if (!generate)
				return cli_usage_error("--only belongs to generate");
			o->only = optarg;
			break;
		default: return cli_usage_error("bad option (see --help)");
		}
	}
	if (optind != argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (!o->certs) {
		snprintf(o->certs_buf, sizeof(o->certs_buf), "%s/certs", o->dir);
		o->certs = o->certs_buf;
	}
	return 0;
}

static size_t count_cases(const char *text, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += text[i] == '[' && (i == 0 || text[i - 1] == '\n');
	return n;
}

static int do_generate(int argc, char **argv)
{
	struct opts o;
	char msg[1024];
	int rc = parse(argc, argv, &o, true);

	if (rc)
		return rc == 1 ? 0 : rc;
	if (cli_mkdir_p(o.dir, 0755) != 0)
		return 1;
	for (size_t i = 0; i < vg_nfiles; i++) {
		const struct vg_file *f = &vg_files[i];
		char path[4096];
		struct vw w;

		if (o.only && strcmp(o.only, f->name))
			continue;
		if (vg_generate_text(f, o.certs, &w, msg, sizeof(msg)) != 0)
			return cli_error("%s", msg);
		snprintf(path, sizeof(path), "%s/%s", o.dir, f->name);
		rc = file_write_atomic(path, w.buf, w.len, 0644);
		cli_info("%-26s %4zu cases  %7zu bytes", f->name, count_cases(w.buf, w.len), w.len);
		vw_free(&w);
		if (rc != 0)
			return cli_error("%s: %s", path, strerror(-rc));
		if (o.only)
			return 0;
	}
	return o.only ? cli_usage_error("no vector file is called '%s' (see `swsev vectors list`)", o.only) : 0;
}

/* Prints the first line where the committed text and the generated text part. */
static void report_diff(const char *path, const char *have, size_t hlen, const char *want, size_t wlen)
{
	size_t i = 0, line = 1, start = 0;

	while (i < hlen && i < wlen && have[i] == want[i]) {
		if (have[i] == '\n') {
			line++;
			start = i + 1;
		}
		i++;
	}
	fprintf(stderr, "%s: %s:%zu differs from what this build generates\n", cli_prog(), path, line);
	for (int k = 0; k < 2; k++) {
		const char *t = k ? want : have;
		size_t n = k ? wlen : hlen, end = start;

		while (end < n && t[end] != '\n')
			end++;
		fprintf(stderr, "  %s: %.*s%s\n", k ? "generated" : "committed", (int)(end - start > 100 ? 100 : end - start),
			t + start, end - start > 100 ? "..." : (start >= n ? "(end of file)" : ""));
	}
}

static int do_check(int argc, char **argv)
{
	struct opts o;
	char msg[1024];
	size_t cases = 0;
	int rc = parse(argc, argv, &o, false);

	if (rc)
		return rc == 1 ? 0 : rc;
	for (size_t i = 0; i < vg_nfiles; i++) {
		const struct vg_file *f = &vg_files[i];
		char path[4096];
		size_t len;
		uint8_t *have;
		struct vw w;

		snprintf(path, sizeof(path), "%s/%s", o.dir, f->name);
		if (!(have = file_read_all(path, &len)))
			return cli_error("%s: %s (run `swsev vectors generate`)", path, strerror(errno));
		if (vg_generate_text(f, o.certs, &w, msg, sizeof(msg)) != 0) {
			free(have);
			return cli_error("%s", msg);
		}
		rc = len != w.len || memcmp(have, w.buf, len);
		if (rc)
			report_diff(path, (const char *)have, len, w.buf, w.len);
		else
			cli_info("%-26s ok (%zu cases)", f->name, count_cases(w.buf, w.len));
		cases += count_cases(w.buf, w.len);
		free(have);
		vw_free(&w);
		if (rc)
			return 1;
	}
	printf("vectors: %zu files, %zu cases, identical to this build's output\n", vg_nfiles, cases);
	return 0;
}

static int do_list(void)
{
	for (size_t i = 0; i < vg_nfiles; i++)
		printf("%-26s %s\n", vg_files[i].name, vg_files[i].title);
	return 0;
}

int cmd_vectors(int argc, char **argv)
{
	if (argc < 2)
		return fputs(usage_text, stderr), EXIT_USAGE;
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help"))
		return fputs(usage_text, stdout), 0;
	if (!strcmp(argv[1], "generate")) {
		cli_set_prog("swsev vectors generate");
		return do_generate(argc - 1, argv + 1);
	}
	if (!strcmp(argv[1], "check")) {
		cli_set_prog("swsev vectors check");
		return do_check(argc - 1, argv + 1);
	}
	if (!strcmp(argv[1], "list"))
		return do_list();
	return cli_usage_error("'%s' is not a vectors command (generate, check, list)", argv[1]);
}
