#include "harness/testlib/testlib.h"

#include <CUnit/Basic.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu/fw/status.h"
#include "emu/util/log.h"

static struct test_suite *suites, **suites_tail = &suites;

struct skip {
	char *where;
	char *why;
	struct skip *next;
};
static struct skip *skips, **skips_tail = &skips;
static unsigned nskips;

static char **tmpdirs;
static size_t ntmpdirs;

void testlib_register(struct test_suite *s)
{
	*suites_tail = s;
	suites_tail = &s->next;
}

void test_skip(const char *fmt, ...)
{
	struct skip *s = calloc(1, sizeof(*s));
	CU_pTest t = CU_get_current_test();
	CU_pSuite su = CU_get_current_suite();
	va_list ap;

	if (!s)
		abort();
	if (asprintf(&s->where, "%s/%s", su ? su->pName : "?", t ? t->pName : "?") < 0)
		abort();
	va_start(ap, fmt);
	if (vasprintf(&s->why, fmt, ap) < 0)
		abort();
	va_end(ap);
	*skips_tail = s;
	skips_tail = &s->next;
	nskips++;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void cleanup_tmp(void)
{
	if (getenv("SWSEV_KEEP_TMP"))
		return;
	for (size_t i = 0; i < ntmpdirs; i++)
		nftw(tmpdirs[i], rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *test_tmpdir(const char *tag)
{
	const char *base = getenv("TMPDIR");
	char *path;

	if (asprintf(&path, "%s/swsev-test-%s-XXXXXX", base && *base ? base : "/tmp", tag) < 0)
		abort();
	if (!mkdtemp(path)) {
		fprintf(stderr, "mkdtemp %s: %s\n", path, strerror(errno));
		abort();
	}
	tmpdirs = realloc(tmpdirs, (ntmpdirs + 1) * sizeof(*tmpdirs));
	if (!tmpdirs)
		abort();
	tmpdirs[ntmpdirs++] = path;
	return path;
}

const char *test_srcdir(void)
{
	static char dir[PATH_MAX];
	const char *env = getenv("SWSEV_SRCDIR");
	char exe[PATH_MAX];
	ssize_t n;

	if (dir[0])
		return dir;
	if (env && *env) {
		snprintf(dir, sizeof(dir), "%s", env);
		return dir;
	}
	/* The binaries live in <src>/<O>/tests/; walk up until the tree's Makefile. */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		for (char *slash = strrchr(exe, '/'); slash; slash = strrchr(exe, '/')) {
			char probe[PATH_MAX + 32];
			*slash = '\0';
			snprintf(probe, sizeof(probe), "%s/emu/fw/status.h", exe);
			if (access(probe, R_OK) == 0) {
				snprintf(dir, sizeof(dir), "%s", exe);
				return dir;
			}
		}
	}
	snprintf(dir, sizeof(dir), ".");
	return dir;
}

uint8_t *test_read_file(const char *relpath, size_t *len)
{
	char path[PATH_MAX];
	uint8_t *buf = NULL;
	FILE *f;
	long sz;

	snprintf(path, sizeof(path), "%s/%s", test_srcdir(), relpath);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (sz = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)sz + 1);
		if (buf && fread(buf, 1, (size_t)sz, f) != (size_t)sz) {
			free(buf);
			buf = NULL;
		}
		if (buf)
			*len = (size_t)sz;
	}
	fclose(f);
	return buf;
}

int test_bytes_equal(const void *a, const void *b, size_t n, const char *an, const char *bn,
		     const char *file, int line)
{
	const uint8_t *x = a, *y = b;

	for (size_t i = 0; i < n; i++) {
		if (x[i] != y[i]) {
			fprintf(stderr, "\n%s:%d: %s != %s: first difference at byte %zu (0x%02x vs 0x%02x)\n",
				file, line, an, bn, i, x[i], y[i]);
			return 0;
		}
	}
	return 1;
}

int test_status_equal(uint32_t got, uint32_t want, const char *expr, const char *file, int line)
{
	if (got == want)
		return 1;
	fprintf(stderr, "\n%s:%d: %s: expected %s (0x%02x), got %s (0x%02x)\n", file, line, expr,
		sev_status_name(want), want, sev_status_name(got), got);
	return 0;
}

static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [-l] [-s SUITE[,SUITE...]] [-t TEST]\n"
		"  -l        list suites and tests\n"
		"  -s LIST   run only these suites (prefix match)\n"
		"  -t NAME   run only tests whose name contains NAME\n",
		argv0);
}

static int suite_selected(const char *name, const char *list)
{
	const char *p = list;

	if (!list)
		return 1;
	while (*p) {
		size_t n = strcspn(p, ",");
		if (n && strncmp(name, p, n) == 0)
			return 1;
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *only_suites = getenv("SWSEV_TEST_SUITES"), *only_test = NULL;
	int list = 0, opt;
	unsigned failed, run;

	while ((opt = getopt(argc, argv, "ls:t:h")) != -1) {
		switch (opt) {
		case 'l':
			list = 1;
			break;
		case 's':
			only_suites = optarg;
			break;
		case 't':
			only_test = optarg;
			break;
		default:
			usage(argv[0]);
			return opt == 'h' ? 0 : 2;
		}
	}
	if (getenv("SWSEV_TEST_LOG"))
		log_set_level((enum log_level)log_level_parse(getenv("SWSEV_TEST_LOG")));
	atexit(cleanup_tmp);

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	for (struct test_suite *s = suites; s; s = s->next) {
		CU_pSuite cs;
		if (!suite_selected(s->name, only_suites))
			continue;
		if (list)
			printf("%s\n", s->name);
		cs = CU_add_suite(s->name, s->init, s->clean);
		if (!cs)
			return 1;
		for (const struct test_case *c = s->cases; c->name; c++) {
			if (only_test && !strstr(c->name, only_test))
				continue;
			if (list)
				printf("  %s\n", c->name);
			else if (!CU_add_test(cs, c->name, c->fn))
				return 1;
		}
	}
	if (list) {
		CU_cleanup_registry();
		return 0;
	}
	CU_basic_set_mode(getenv("SWSEV_TEST_VERBOSE") ? CU_BRM_VERBOSE : CU_BRM_NORMAL);
	CU_basic_run_tests();
	failed = CU_get_number_of_tests_failed();
	run = CU_get_number_of_tests_run();
	if (CU_get_number_of_suites_failed())
		failed += CU_get_number_of_suites_failed();
	printf("\n");
	for (struct skip *s = skips; s; s = s->next)
		printf("SKIP %s: %s\n", s->where, s->why);
	printf("%s: %u passed, %u failed, %u skipped (%u assertions failed)\n", argv[0],
	       run - CU_get_number_of_tests_failed() - nskips, CU_get_number_of_tests_failed(), nskips,
	       CU_get_number_of_failures());
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
