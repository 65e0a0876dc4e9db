#include "harness/cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emu/crypto/symm.h"
#include "emu/util/file.h"
#include "emu/util/hex.h"
#include "psp/psp.h"

static const char *prog = "swsev";
static bool quiet;

void cli_set_prog(const char *name)
{
	prog = name;
}

const char *cli_prog(void)
{
	return prog;
}

void cli_set_quiet(bool q)
{
	quiet = q;
}

static void vmsg(const char *tag, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void vmsg(const char *tag, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: %s", prog, tag);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int cli_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
	return 1;
}

int cli_usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help'.\n", prog);
	return EXIT_USAGE;
}

void cli_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap);
	va_end(ap);
}

void cli_info(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

uint8_t *cli_read_file(const char *path, size_t *len)
{
	uint8_t *b = file_read_all(path, len);

	if (!b)
		cli_error("cannot read %s: %s", path, strerror(errno));
	return b;
}

int cli_read_exact(const char *path, void *out, size_t len)
{
	size_t n;
	uint8_t *b = cli_read_file(path, &n);

	if (!b)
		return -1;
	if (n != len) {
		secure_zero(b, n);
		free(b);
		return cli_error("%s: %zu bytes, expected %zu", path, n, len), -1;
	}
	memcpy(out, b, len);
	/* some of these files hold keys */
	secure_zero(b, n);
	free(b);
	return 0;
}

int cli_write_file(const char *path, const void *buf, size_t len, unsigned mode)
{
	int rc = file_write_atomic(path, buf, len, mode);

	if (rc)
		return cli_error("cannot write %s: %s", path, strerror(-rc)), -1;
	return 0;
}

int cli_mkdir_p(const char *path, unsigned mode)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) != 0 && errno != EEXIST)
			return cli_error("cannot create %s: %s", buf, strerror(errno)), -1;
		*p = '/';
	}
	if (mkdir(buf, mode) != 0 && errno != EEXIST)
		return cli_error("cannot create %s: %s", buf, strerror(errno)), -1;
	return 0;
}

/* Decimal, or hex with 0x: a leading zero is not octal ("010" is ten). */
static unsigned long long parse_num(const char *s, char **end)
{
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return strtoull(s, end, 16);
	return strtoull(s, end, 10);
}

int cli_parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	v = parse_num(s, &end);
	if (errno || *end || end == s)
		return -1;
	*out = v;
	return 0;
}

int cli_parse_u32(const char *s, uint32_t *out)
{
	uint64_t v;

	if (cli_parse_u64(s, &v) || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int cli_parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	uint64_t mul = 1;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	v = parse_num(s, &end);
	if (errno || end == s)
		return -1;
	switch (*end) {
	case 'k': case 'K': mul = 1ull << 10; end++; break;
	case 'm': case 'M': mul = 1ull << 20; end++; break;
	case 'g': case 'G': mul = 1ull << 30; end++; break;
	default: break;
	}
	if (*end == 'i' || *end == 'B')
		end += (*end == 'i' && end[1] == 'B') ? 2 : 1;
	if (*end || (v && mul > UINT64_MAX / v))
		return -1;
	*out = v * mul;
	return 0;
}

int cli_parse_hex(const char *s, uint8_t **out, size_t *len)
{
	if (strncmp(s, "0x", 2) == 0 || strncmp(s, "0X", 2) == 0)
		s += 2;
	return hex_decode_alloc(s, out, len) == 0 && *len ? 0 : -1;
}

void cli_print_hex(const char *label, const void *p, size_t n)
{
	char *h = malloc(2 * n + 1);

	if (!h)
		return;
	hex_encode(p, n, h);
	printf("%s%s\n", label, h);
	free(h);
}

/* uri with "key=val" appended as one more option; uri is consumed. */
static char *add_opt(char *uri, const char *key, const char *val)
{
	char *n = NULL;

	if (uri && asprintf(&n, "%s%c%s%s", uri, strchr(uri, '?') ? '&' : '?', key, val) < 0)
		n = NULL;
	free(uri);
	return n;
}

char *cli_backend_uri(const char *backend, const char *seed, bool ro)
{
	const char *b = backend ? backend : getenv("SWSEV_BACKEND");
	char *uri;

	if (!b || !*b)
		b = "emu:";
	/* A seed chooses the identity of a platform the emulator creates; anywhere else it
	 * would be silently meaningless. */
	if (seed && strncmp(b, "emu:", 4) != 0) {
		cli_usage_error("--seed needs an emu: backend (it seeds a new emulated platform), not %s", b);
		return NULL;
	}
	uri = strdup(b);
	if (seed)
		uri = add_opt(uri, "seed=", seed);
	if (ro)
		uri = add_opt(uri, "ro=", "1");
	return uri;
}

int cli_open_backend(const char *backend, const char *seed, bool ro, struct psp **p)
{
	struct psp_err e;
	char *uri = cli_backend_uri(backend, seed, ro);
	int rc;

	if (!uri)
		return seed ? EXIT_USAGE : 1;
	rc = psp_open(uri, p, &e);
	if (rc) {
		char m[512];
		psp_err_format(&e, m, sizeof(m));
		cli_error("cannot open the backend %s: %s", uri, m);
	}
	free(uri);
	return rc ? 1 : 0;
}

int cli_psp_error(const char *what, const struct psp_err *e)
{
	char m[512];

	psp_err_format(e, m, sizeof(m));
	return cli_error("%s failed: %s", what, m);
}
