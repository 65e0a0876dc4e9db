/* Latency profiles: per-command latencies measured on a real PSP (`swsev bench
 * latency --backend kvm: --out FILE`), loaded into an emulated platform's latency
 * injection so that offline benchmarks take the time real hardware would.
 *
 * The format (text, one command a line):
 *
 *   # swsev latency profile 1
 *   # host: lab-epyc-1
 *   # firmware: 1.55 build 21
 *   # date: 2025-05-01T12:00:00Z
 *   # command              mean_us  count  min_us  max_us  via
 *   PLATFORM_STATUS          180.5     20   170.1   210.3  SEV_ISSUE_CMD
 *   LAUNCH_START            2100.0     20  2010.0  2301.7  KVM_SEV_LAUNCH_START
 *
 * The first line is the version tag, exactly.  Other '#' lines are comments; "# key:
 * value" ones carry where the numbers come from and are not interpreted.  A data line
 * is a firmware command (its SEV API name as `swsev` prints it, or its ID, e.g. 0x30)
 * and the mean latency in microseconds; what follows (count, min, max, the ioctl that
 * was timed) is for people.  Each command at most once.
 *
 * The numbers are whole-ioctl times (kernel and firmware), and the injection adds them
 * to each emulated firmware command on top of the emulator's own time. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/fw/fw.h"
#include "psp/psp_priv.h"

#define MAX_US 10e6 /* 10 s: anything longer is a typo, not a PSP */

static int parse_line(char *line, unsigned lineno, const char *path, struct psp_latency *out, struct psp_err *err)
{
	char *save = NULL, *name = strtok_r(line, " \t\r\n", &save), *mean = strtok_r(NULL, " \t\r\n", &save), *end;
	int id;
	double us;

	if (!mean)
		return psp_fail(err, EINVAL, "%s:%u: expected 'COMMAND MEAN_US', got '%s'", path, lineno, name);
	id = fw_cmd_parse(name);
	if (id < 0)
		return psp_fail(err, EINVAL, "%s:%u: '%s' is not a firmware command", path, lineno, name);
	us = strtod(mean, &end);
	if (*end || !(us >= 0 && us <= MAX_US))
		return psp_fail(err, EINVAL, "%s:%u: '%s' is not a latency in microseconds (0..%.0f)", path, lineno,
				mean, MAX_US);
	out->fw_cmd = (uint32_t)id;
	out->mean_us = us;
	return 0;
}

/* The version tag, exactly, give or take trailing blanks. */
static bool is_tag(const char *line)
{
	size_t n = strlen(PSP_LATENCY_PROFILE_TAG);

	return strncmp(line, PSP_LATENCY_PROFILE_TAG, n) == 0 && strspn(line + n, " \t\r\n") == strlen(line + n);
}

static int add(struct psp_latency *out, size_t max, size_t *n, const struct psp_latency *e, const char *path,
	       unsigned lineno, struct psp_err *err)
{
	for (size_t i = 0; i < *n; i++)
		if (out[i].fw_cmd == e->fw_cmd)
			return psp_fail(err, EINVAL, "%s:%u: %s listed twice", path, lineno, fw_cmd_name(e->fw_cmd));
	if (*n >= max)
		return psp_fail(err, ENOSPC, "%s: more than %zu commands", path, max);
	out[(*n)++] = *e;
	return 0;
}

int psp_latency_profile_read(const char *path, struct psp_latency *out, size_t max, size_t *n, struct psp_err *err)
{
	char line[512];
	unsigned lineno = 0;
	FILE *f;
	int rc = 0;

	psp_err_clear(err);
	*n = 0;
	f = fopen(path, "r");
	if (!f)
		return psp_fail(err, errno, "latency profile %s: %s", path, strerror(errno));
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		struct psp_latency e;
		char *p = line + strspn(line, " \t");

		lineno++;
		if (!strchr(line, '\n') && !feof(f))
			rc = psp_fail(err, EINVAL, "%s:%u: line too long", path, lineno);
		else if (lineno == 1 && !is_tag(line))
			rc = psp_fail(err, EINVAL, "%s: not a latency profile (the first line must be '%s')", path,
				      PSP_LATENCY_PROFILE_TAG);
		else if (*p == '#' || *p == '\n' || *p == '\r' || !*p)
			continue;
		else if ((rc = parse_line(p, lineno, path, &e, err)) == 0)
			rc = add(out, max, n, &e, path, lineno, err);
	}
	if (rc == 0 && ferror(f))
		rc = psp_fail(err, EIO, "latency profile %s: read error", path);
	if (rc == 0 && lineno == 0)
		rc = psp_fail(err, EINVAL, "%s: empty file, not a latency profile", path);
	fclose(f);
	return rc;
}

int psp_load_latency_profile(struct psp *p, const char *path, struct psp_err *err)
{
	struct psp_latency e[FW_CMD_MAX + 1];
	size_t n;

	psp_err_clear(err);
	if (!(p->caps & PSP_CAP_CONTROL))
		return psp_fail(err, ENOTSUP,
				"latency profiles are for emulated platforms; %s (%s) is real hardware, real latency",
				p->backend, p->uri);
	if (psp_latency_profile_read(path, e, sizeof(e) / sizeof(e[0]), &n, err))
		return -1;
	for (size_t i = 0; i < n; i++)
		if (psp_set_latency(p, e[i].fw_cmd, (uint32_t)llround(e[i].mean_us), err))
			return -1;
	return 0;
}

/* "latency-profile=FILE" is psp/'s, not the backend's: it is taken out of the option
 * list before the backend sees the URI. */
int psp_uri_take_profile(const char *uri, char *rest, size_t rest_len, char *profile, size_t profile_len)
{
	static const char key[] = "latency-profile=";
	const char *q = strchr(uri, '?'), *opt;
	size_t n;

	profile[0] = '\0';
	if (snprintf(rest, rest_len, "%s", uri) >= (int)rest_len)
		return -1;
	if (!q)
		return 0;
	rest[q - uri] = '\0';
	for (opt = q + 1; *opt; opt += n + (opt[n] == '&')) {
		n = strcspn(opt, "&");
		if (strncmp(opt, key, sizeof(key) - 1) == 0) {
			if (n - (sizeof(key) - 1) >= profile_len || n == sizeof(key) - 1)
				return -1;
			snprintf(profile, profile_len, "%.*s", (int)(n - (sizeof(key) - 1)), opt + sizeof(key) - 1);
			continue;
		}
		if (n == 0)
			continue;
		strncat(rest, strchr(rest, '?') ? "&" : "?", rest_len - strlen(rest) - 1);
		strncat(rest, opt, n < rest_len - strlen(rest) - 1 ? n : rest_len - strlen(rest) - 1);
	}
	return 0;
}
