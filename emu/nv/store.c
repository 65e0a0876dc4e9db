/* A platform's state directory: lock, atomic record files. */
#include "emu/nv/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "emu/nv/internal.h"
#include "emu/util/log.h"

#define LOCK_NAME  "lock"
/* Record names may not start with '.', so this prefix never names a record. */
#define TMP_PREFIX ".tmp."
#define NAME_MAX_LEN 128
#define WHY_LEN 256

struct nv_store {
	char *dir;
	int dfd;
	int lockfd;
};

static atomic_uint tmp_seq;

/* One path component of [A-Za-z0-9._-], not starting with '.', not the lock file. */
static int valid_name(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > NAME_MAX_LEN || name[0] == '.' || strcmp(name, LOCK_NAME) == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

static enum nv_result bad_name(const struct nv_store *s, const char *name, char *msg, size_t msglen)
{
	nv_msg(msg, msglen, "%s: invalid record name \"%s\": %s", s->dir, name ? name : "(null)",
	       strerror(EINVAL));
	return NV_IO;
}

/* mkdir -p, new components mode 0700. */
static int make_dirs(const char *dir, char *msg, size_t msglen)
{
	char *p = strdup(dir);

	if (!p) {
		nv_msg(msg, msglen, "cannot create state directory %s: %s", dir, strerror(ENOMEM));
		return -1;
	}
	for (char *q = p + 1;; q++) {
		char saved = *q;

		if (saved != '/' && saved != '\0')
			continue;
		*q = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST) {
			int err = errno;

			if (saved == '\0')
				nv_msg(msg, msglen, "cannot create state directory %s: %s", dir, strerror(err));
			else
				nv_msg(msg, msglen, "cannot create state directory %s: %s: %s", dir, p,
				       strerror(err));
			free(p);
			return -1;
		}
		*q = saved;
		if (saved == '\0')
			break;
	}
	free(p);
	return 0;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The pid recorded by the lock's holder.  It writes the pid just after taking the
 * lock, so an empty file means we looked in between: wait briefly. */
static long lock_holder(int fd)
{
	struct timespec ts = { 0, 2 * 1000 * 1000 };

	for (int tries = 0; tries < 100; tries++) {
		char buf[32];
		ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
		char *end;
		long pid;

		if (n < 0)
			return -1;
		buf[n] = '\0';
		pid = strtol(buf, &end, 10);
		if (n > 0 && end != buf && pid > 0)
			return pid;
		nanosleep(&ts, NULL);
	}
	return -1;
}

/* Leftovers of a writer that died between creating its temp file and renaming it.
 * Only called with the lock held, so no live writer owns them. */
static void sweep_temps(struct nv_store *s)
{
	int fd = openat(s->dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	DIR *d;

	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, TMP_PREFIX, strlen(TMP_PREFIX)) != 0)
			continue;
		if (unlinkat(s->dfd, de->d_name, 0) == 0)
			log_warn("%s: removed %s left by an interrupted write", s->dir, de->d_name);
		else
			log_warn("%s: cannot remove stale %s: %s", s->dir, de->d_name, strerror(errno));
	}
	closedir(d);
}

enum nv_result nv_store_open(const char *dir, int create, struct nv_store **out, char *msg, size_t msglen)
{
	struct nv_store *s;
	char pidbuf[32];
	int n, err;

	*out = NULL;
	if (!dir || !*dir) {
		nv_msg(msg, msglen, "no state directory given");
		return NV_IO;
	}
	if (create && make_dirs(dir, msg, msglen))
		return NV_IO;
	s = calloc(1, sizeof(*s));
	if (!s || !(s->dir = strdup(dir))) {
		free(s);
		nv_msg(msg, msglen, "state directory %s: %s", dir, strerror(ENOMEM));
		return NV_IO;
	}
	s->lockfd = -1;
	s->dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dfd < 0) {
		err = errno;
		if (err == ENOENT)
			nv_msg(msg, msglen, "state directory %s does not exist", dir);
		else
			nv_msg(msg, msglen, "cannot open state directory %s: %s", dir, strerror(err));
		nv_store_close(s);
		return err == ENOENT ? NV_NOENT : NV_IO;
	}
	s->lockfd = openat(s->dfd, LOCK_NAME, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (s->lockfd < 0) {
		nv_msg(msg, msglen, "cannot open lock file %s/%s: %s", dir, LOCK_NAME, strerror(errno));
		nv_store_close(s);
		return NV_IO;
	}
	while (flock(s->lockfd, LOCK_EX | LOCK_NB) != 0) {
		long pid;

		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK) {
			nv_msg(msg, msglen, "cannot lock %s/%s: %s", dir, LOCK_NAME, strerror(errno));
			nv_store_close(s);
			return NV_IO;
		}
		pid = lock_holder(s->lockfd);
		if (pid < 0)
			nv_msg(msg, msglen, "state directory %s is in use by another process", dir);
		else
			nv_msg(msg, msglen, "state directory %s is in use by process %ld%s", dir, pid,
			       pid == (long)getpid() ? " (this process)" : "");
		nv_store_close(s);
		return NV_LOCKED;
	}
	/* The pid is only a hint for the message above; flock() is the lock. */
	n = snprintf(pidbuf, sizeof(pidbuf), "%ld\n", (long)getpid());
	if (ftruncate(s->lockfd, 0) != 0 || pwrite(s->lockfd, pidbuf, (size_t)n, 0) != n)
		log_warn("%s/%s: cannot record pid: %s", dir, LOCK_NAME, strerror(errno));
	sweep_temps(s);
	*out = s;
	return NV_OK;
}

void nv_store_close(struct nv_store *s)
{
	if (!s)
		return;
	if (s->lockfd >= 0)
		close(s->lockfd);
	if (s->dfd >= 0)
		close(s->dfd);
	free(s->dir);
	free(s);
}

const char *nv_store_dir(const struct nv_store *s)
{
	return s->dir;
}

/* Reads DIR/name whole into *buf (cleanse before freeing).  why gets the reason on
 * failure, without the path. */
static enum nv_result load(struct nv_store *s, const char *name, uint8_t **buf, size_t *len, char *why)
{
	struct stat st;
	size_t want, got = 0;
	uint8_t *p;
	int fd;

	*buf = NULL;
	*len = 0;
	/* O_NONBLOCK so a FIFO planted under a record's name cannot hang us. */
	fd = openat(s->dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;

		if (err == ENOENT) {
			snprintf(why, WHY_LEN, "no such record");
			return NV_NOENT;
		}
		if (err == ELOOP) {
			snprintf(why, WHY_LEN, "is a symbolic link, not a state record");
			return NV_FOREIGN;
		}
		snprintf(why, WHY_LEN, "cannot open: %s", strerror(err));
		return NV_IO;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(why, WHY_LEN, "cannot stat: %s", strerror(errno));
		close(fd);
		return NV_IO;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, WHY_LEN, "is not a regular file, not a state record");
		close(fd);
		return NV_FOREIGN;
	}
	if ((uintmax_t)st.st_size > NV_MAX_FILE) {
		snprintf(why, WHY_LEN, "is %jd bytes, larger than any state record", (intmax_t)st.st_size);
		close(fd);
		return NV_FOREIGN;
	}
	want = (size_t)st.st_size;
	p = malloc(want ? want : 1);
	if (!p) {
		snprintf(why, WHY_LEN, "%s", strerror(ENOMEM));
		close(fd);
		return NV_IO;
	}
	while (got < want) {
		ssize_t r = read(fd, p + got, want - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(why, WHY_LEN, "read error: %s", strerror(errno));
			OPENSSL_cleanse(p, want);
			free(p);
			close(fd);
			return NV_IO;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	*buf = p;
	*len = got;
	return NV_OK;
}

enum nv_result nv_store_read(struct nv_store *s, const char *name, uint32_t kind, uint8_t **data,
			     size_t *len, char *msg, size_t msglen)
{
	char why[WHY_LEN];
	const uint8_t *payload;
	enum nv_result r;
	uint8_t *file;
	size_t flen, plen;

	*data = NULL;
	*len = 0;
	if (!valid_name(name))
		return bad_name(s, name, msg, msglen);
	r = load(s, name, &file, &flen, why);
	if (r != NV_OK) {
		nv_msg(msg, msglen, "%s/%s: %s", s->dir, name, why);
		return r;
	}
	r = nv_record_parse(file, flen, 1, kind, &payload, &plen, why, sizeof(why));
	if (r == NV_OK) {
		*data = malloc(plen ? plen : 1);
		if (*data) {
			if (plen)
				memcpy(*data, payload, plen);
			*len = plen;
		} else {
			snprintf(why, sizeof(why), "%s", strerror(ENOMEM));
			r = NV_IO;
		}
	}
	if (r != NV_OK)
		nv_msg(msg, msglen, "%s/%s: %s", s->dir, name, why);
	OPENSSL_cleanse(file, flen);
	free(file);
	return r;
}

/*
 * A file already under this name that does not read back as a record of this kind
 * in a format we understand is left alone: it may be another program's file, a
 * newer swsev's state, or the evidence of corruption.  Discarding it takes an
 * explicit nv_store_remove().
 */
static enum nv_result check_replaceable(struct nv_store *s, const char *name, uint32_t kind, char *msg,
					size_t msglen)
{
	char why[WHY_LEN];
	const uint8_t *payload;
	enum nv_result r;
	uint8_t *file;
	size_t flen, plen;

	r = load(s, name, &file, &flen, why);
	if (r == NV_NOENT)
		return NV_OK;
	if (r == NV_OK) {
		r = nv_record_parse(file, flen, 1, kind, &payload, &plen, why, sizeof(why));
		OPENSSL_cleanse(file, flen);
		free(file);
	}
	if (r != NV_OK)
		nv_msg(msg, msglen, "%s/%s: %s; not overwriting", s->dir, name, why);
	return r;
}

enum nv_result nv_store_write(struct nv_store *s, const char *name, uint32_t kind, const uint8_t *data,
			      size_t len, char *msg, size_t msglen)
{
	char tmp[sizeof(TMP_PREFIX) + NAME_MAX_LEN + 48];
	const char *what;
	enum nv_result r;
	uint8_t *rec;
	size_t rlen;
	int fd, err;

	if (!valid_name(name))
		return bad_name(s, name, msg, msglen);
	r = check_replaceable(s, name, kind, msg, msglen);
	if (r != NV_OK)
		return r;
	if (nv_record_encode(kind, data, len, &rec, &rlen)) {
		err = len && !data ? EINVAL : len > NV_MAX_FILE - NV_OVERHEAD ? EFBIG : ENOMEM;
		nv_msg(msg, msglen, "%s/%s: cannot encode a %zu-byte record: %s", s->dir, name, len, strerror(err));
		return NV_IO;
	}
	for (;;) {
		snprintf(tmp, sizeof(tmp), TMP_PREFIX "%s.%ld.%u", name, (long)getpid(),
			 atomic_fetch_add(&tmp_seq, 1));
		fd = openat(s->dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0) {
		err = errno;
		OPENSSL_cleanse(rec, rlen);
		free(rec);
		nv_msg(msg, msglen, "%s/%s: cannot create temporary file %s: %s", s->dir, name, tmp,
		       strerror(err));
		return NV_IO;
	}
	if (write_all(fd, rec, rlen) != 0)
		what = "write";
	else if (fsync(fd) != 0)
		what = "fsync";
	else
		what = NULL;
	err = errno;
	OPENSSL_cleanse(rec, rlen);
	free(rec);
	/* close() can report a deferred write error (NFS); it counts too. */
	if (close(fd) != 0 && !what) {
		what = "close";
		err = errno;
	}
	if (!what && renameat(s->dfd, tmp, s->dfd, name) != 0) {
		what = "rename";
		err = errno;
	}
	if (what) {
		unlinkat(s->dfd, tmp, 0);
		nv_msg(msg, msglen, "%s/%s: %s of the new contents failed: %s; the old contents are unchanged",
		       s->dir, name, what, strerror(err));
		return NV_IO;
	}
	if (fsync(s->dfd) != 0) {
		nv_msg(msg, msglen, "%s/%s: written, but syncing the directory failed: %s", s->dir, name,
		       strerror(errno));
		return NV_IO;
	}
	return NV_OK;
}

enum nv_result nv_store_remove(struct nv_store *s, const char *name, char *msg, size_t msglen)
{
	if (!valid_name(name))
		return bad_name(s, name, msg, msglen);
	if (unlinkat(s->dfd, name, 0) != 0) {
		if (errno == ENOENT)
			return NV_OK;
		nv_msg(msg, msglen, "%s/%s: cannot remove: %s", s->dir, name, strerror(errno));
		return NV_IO;
	}
	if (fsync(s->dfd) != 0) {
		nv_msg(msg, msglen, "%s/%s: removed, but syncing the directory failed: %s", s->dir, name,
		       strerror(errno));
		return NV_IO;
	}
	return NV_OK;
}
