#include "emu/util/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

uint8_t *file_read_all(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0;
	int err;

	if (fd < 0)
		return NULL;
	for (;;) {
		ssize_t got;

		if (n + 1 >= cap) {
			uint8_t *nb = realloc(buf, cap = cap ? 2 * cap : 8192);
			if (!nb) {
				errno = ENOMEM;
				goto fail;
			}
			buf = nb;
		}
		got = read(fd, buf + n, cap - n - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			goto fail;
		if (got == 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	buf[n] = 0;
	*len = n;
	return buf;
fail:
	err = errno;
	free(buf);
	close(fd);
	errno = err;
	return NULL;
}

static int write_all(int fd, const uint8_t *p, size_t left)
{
	while (left) {
		ssize_t w = write(fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		if (w == 0)
			return -EIO;
		p += w;
		left -= (size_t)w;
	}
	return 0;
}

static int write_in_place(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return -errno;
	rc = write_all(fd, buf, len);
	close(fd);
	return rc;
}

int file_write_atomic(const char *path, const void *buf, size_t len, unsigned mode)
{
	char tmp[4096];
	struct stat st;
	int fd, n, rc;

	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return write_in_place(path, buf, len);
	n = snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	/* open() applies the umask; the caller's mode is what was asked for */
	rc = fchmod(fd, mode) != 0 ? -errno : 0;
	if (!rc)
		rc = write_all(fd, buf, len);
	if (!rc && fsync(fd) != 0)
		rc = -errno;
	close(fd);
	if (!rc && rename(tmp, path) != 0)
		rc = -errno;
	if (rc)
		unlink(tmp);
	return rc;
}
