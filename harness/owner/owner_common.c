#include "harness/owner/owner.h"
#include "emu/crypto/symm.h"
#include "emu/util/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void vfail(struct owner_err *e, uint32_t status, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

static void vfail(struct owner_err *e, uint32_t status, const char *fmt, va_list ap)
{
	if (!e)
		return;
	e->status = status;
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
}

int owner_fail(struct owner_err *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(e, 0, fmt, ap);
	va_end(ap);
	return -1;
}

int owner_fail_status(struct owner_err *e, uint32_t status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(e, status, fmt, ap);
	va_end(ap);
	return -1;
}

void owner_err_clear(struct owner_err *e)
{
	if (e)
		memset(e, 0, sizeof(*e));
}

uint8_t *owner_read_file(const char *path, size_t *len, struct owner_err *e)
{
	uint8_t *b = file_read_all(path, len);

	if (!b)
		owner_fail(e, "cannot read %s: %s", path, strerror(errno));
	return b;
}

int owner_read_exact(const char *path, void *out, size_t len, struct owner_err *e)
{
	size_t n;
	uint8_t *b = owner_read_file(path, &n, e);

	if (!b)
		return -1;
	if (n != len) {
		secure_zero(b, n);
		free(b);
		return owner_fail(e, "%s: %zu bytes, expected %zu", path, n, len);
	}
	memcpy(out, b, len);
	/* Some of these files hold keys; the copy is the caller's to cleanse. */
	secure_zero(b, n);
	free(b);
	return 0;
}

int owner_write_file(const char *path, const void *buf, size_t len, unsigned mode, struct owner_err *e)
{
	int rc = file_write_atomic(path, buf, len, mode);

	if (rc)
		return owner_fail(e, "cannot write %s: %s", path, strerror(-rc));
	return 0;
}

int owner_file_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

int owner_path(char *out, size_t len, const char *dir, const char *name, struct owner_err *e)
{
	int n;

	if (!dir || !*dir)
		dir = ".";
	n = snprintf(out, len, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", name);
	if (n < 0 || (size_t)n >= len)
		return owner_fail(e, "path too long: %s/%s", dir, name);
	return 0;
}
