#include "psp/tests/rr.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "psp/sys.h"

#define RR_MAX_STEPS 128
#define RR_MAX_MEM   8
#define RR_MAX_SKIP  8
#define RR_FD_BASE   1000

enum rr_call { RR_C_OPEN, RR_C_CLOSE, RR_C_IOCTL };
enum rr_argkind { RR_A_ANY, RR_A_NUM, RR_A_NULL, RR_A_PTR };

struct rr_mem {
	struct rr_at at;
	bool in;
	uint8_t *bytes;
	size_t len;
	struct {
		size_t off, len;
		bool ptr; /* a pointer: must not be NULL */
	} skip[RR_MAX_SKIP];
	int nskip;
};

struct rr_step {
	const char *what;
	enum rr_call call;
	char path[64];
	int accmode;
	int role;
	unsigned long req;
	enum rr_argkind arg;
	unsigned long num;
	struct rr_mem mem[RR_MAX_MEM];
	int nmem;
	int ret;
	int err;
	int new_role;
};

static struct rr_step steps[RR_MAX_STEPS];
static int nsteps, next;
static char mismatch[1024];

static void rr_reset(void)
{
	for (int i = 0; i < nsteps; i++)
		for (int j = 0; j < steps[i].nmem; j++)
			free(steps[i].mem[j].bytes);
	memset(steps, 0, sizeof(steps));
	nsteps = next = 0;
	mismatch[0] = '\0';
}

static void differ(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void differ(const char *fmt, ...)
{
	va_list ap;
	int n;

	if (mismatch[0])
		return;
	n = snprintf(mismatch, sizeof(mismatch), "step %d (%s): ", next,
		     next < nsteps && steps[next].what ? steps[next].what : "beyond the script");
	va_start(ap, fmt);
	vsnprintf(mismatch + n, sizeof(mismatch) - (size_t)n, fmt, ap);
	va_end(ap);
}

int rr_fd(enum rr_role role)
{
	return RR_FD_BASE + (int)role;
}

static const char *role_name(int fd)
{
	static const char *const n[] = { "?", "/dev/sev", "/dev/kvm", "vm", "vm2", "vcpu0", "vcpu1", "vcpu2" };
	int r = fd - RR_FD_BASE;
	return r > 0 && r < RR_NROLES ? n[r] : "unknown fd";
}

static struct rr_step *current(enum rr_call call, const char *desc)
{
	if (mismatch[0])
		return NULL;
	if (next >= nsteps) {
		differ("unexpected %s after the end of the script", desc);
		return NULL;
	}
	if (steps[next].call != call) {
		static const char *const kind[] = { "open", "close", "ioctl" };
		differ("expected %s, got %s", kind[steps[next].call], desc);
		return NULL;
	}
	return &steps[next];
}

static int d_open(const char *path, int flags)
{
	struct rr_step *s = current(RR_C_OPEN, path);

	if (!s) {
		errno = ENOSYS;
		return -1;
	}
	if (strcmp(path, s->path) != 0 || (flags & O_ACCMODE) != s->accmode) {
		differ("open(%s, %#x), expected open(%s, %#x)", path, flags & O_ACCMODE, s->path, s->accmode);
		errno = ENOSYS;
		return -1;
	}
	next++;
	if (s->err) {
		errno = s->err;
		return -1;
	}
	return rr_fd(s->new_role);
}

static int d_close(int fd)
{
	struct rr_step *s = current(RR_C_CLOSE, "close");

	if (!s)
		return 0;
	if (fd != rr_fd(s->role)) {
		differ("close(%s), expected close(%s)", role_name(fd), role_name(rr_fd(s->role)));
		return 0;
	}
	next++;
	return 0;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static uint8_t *resolve(void *arg, const struct rr_at *at)
{
	uint8_t *p = arg;

	for (int d = 0; d < at->depth; d++) {
		uint64_t a = get64(p + at->via[d]);
		if (!a) {
			differ("the pointer at offset %zu (depth %d) is NULL", at->via[d], d);
			return NULL;
		}
		p = (uint8_t *)(uintptr_t)a;
	}
	return p + at->off;
}

static bool skipped(const struct rr_mem *m, size_t i)
{
	for (int k = 0; k < m->nskip; k++)
		if (i >= m->skip[k].off && i < m->skip[k].off + m->skip[k].len)
			return true;
	return false;
}

static int check_in(void *arg, const struct rr_mem *m)
{
	uint8_t *p = resolve(arg, &m->at);

	if (!p)
		return -1;
	for (int k = 0; k < m->nskip; k++) {
		if (m->skip[k].ptr && !get64(p + m->skip[k].off)) {
			differ("the pointer field at offset %zu (depth %d) is NULL", m->skip[k].off, m->at.depth);
			return -1;
		}
	}
	for (size_t i = 0; i < m->len; i++) {
		if (!skipped(m, i) && p[i] != m->bytes[i]) {
			differ("depth %d offset %zu byte %zu is 0x%02x, the kernel expects 0x%02x", m->at.depth,
			       m->at.off, i, p[i], m->bytes[i]);
			return -1;
		}
	}
	return 0;
}

static int d_ioctl(int fd, unsigned long req, void *arg)
{
	char desc[96];
	struct rr_step *s;

	snprintf(desc, sizeof(desc), "ioctl(%s, %#lx)", role_name(fd), req);
	s = current(RR_C_IOCTL, desc);
	if (!s)
		goto fail;
	if (fd != rr_fd(s->role) || req != s->req) {
		differ("%s, expected ioctl(%s, %#lx)", desc, role_name(rr_fd(s->role)), s->req);
		goto fail;
	}
	if (s->arg == RR_A_NUM && (uintptr_t)arg != s->num) {
		differ("%s: argument %#lx, expected %#lx", desc, (unsigned long)(uintptr_t)arg, s->num);
		goto fail;
	}
	if (s->arg == RR_A_NULL && arg) {
		differ("%s: argument must be NULL", desc);
		goto fail;
	}
	if (s->arg == RR_A_PTR && !arg) {
		differ("%s: argument is NULL", desc);
		goto fail;
	}
	/* copy_from_user of everything first, then the answer. */
	for (int i = 0; i < s->nmem; i++)
		if (s->mem[i].in && check_in(arg, &s->mem[i]))
			goto fail;
	for (int i = 0; i < s->nmem; i++) {
		uint8_t *p;
		if (s->mem[i].in)
			continue;
		if (!(p = resolve(arg, &s->mem[i].at)))
			goto fail;
		memcpy(p, s->mem[i].bytes, s->mem[i].len);
	}
	next++;
	if (s->err) {
		errno = s->err;
		return -1;
	}
	return s->new_role ? rr_fd(s->new_role) : s->ret;
fail:
	errno = ENOSYS;
	return -1;
}

static const struct psp_sys double_sys = { d_open, d_close, d_ioctl };

void rr_start(void)
{
	rr_reset();
	psp_sys_set(&double_sys);
}

static struct rr_step *add(enum rr_call call, const char *what)
{
	struct rr_step *s;

	if (nsteps >= RR_MAX_STEPS) {
		fprintf(stderr, "rr: script longer than %d steps\n", RR_MAX_STEPS);
		abort();
	}
	s = &steps[nsteps++];
	s->call = call;
	s->what = what;
	return s;
}

struct rr_step *rr_open(const char *path, int accmode, enum rr_role becomes)
{
	struct rr_step *s = add(RR_C_OPEN, path);

	snprintf(s->path, sizeof(s->path), "%s", path);
	s->accmode = accmode;
	s->new_role = (int)becomes;
	return s;
}

struct rr_step *rr_open_fail(const char *path, int accmode, int err)
{
	struct rr_step *s = rr_open(path, accmode, 0);

	s->err = err;
	return s;
}

struct rr_step *rr_close(enum rr_role role)
{
	struct rr_step *s = add(RR_C_CLOSE, "close");

	s->role = (int)role;
	return s;
}

struct rr_step *rr_ioctl(enum rr_role role, unsigned long req, const char *what)
{
	struct rr_step *s = add(RR_C_IOCTL, what);

	s->role = (int)role;
	s->req = req;
	return s;
}

void rr_num(struct rr_step *s, unsigned long value)
{
	s->arg = RR_A_NUM;
	s->num = value;
}

void rr_null(struct rr_step *s)
{
	s->arg = RR_A_NULL;
}

static struct rr_mem *mem(struct rr_step *s, struct rr_at at, const void *bytes, size_t len, bool in)
{
	struct rr_mem *m;

	if (s->nmem >= RR_MAX_MEM) {
		fprintf(stderr, "rr: more than %d memory regions in one step\n", RR_MAX_MEM);
		abort();
	}
	m = &s->mem[s->nmem++];
	m->at = at;
	m->in = in;
	m->len = len;
	m->bytes = malloc(len ? len : 1);
	if (!m->bytes)
		abort();
	memcpy(m->bytes, bytes, len);
	if (s->arg == RR_A_ANY)
		s->arg = RR_A_PTR;
	return m;
}

void rr_in(struct rr_step *s, struct rr_at at, const void *want, size_t len)
{
	mem(s, at, want, len, true);
}

static void skip(struct rr_step *s, size_t off, size_t len, bool ptr)
{
	struct rr_mem *m = NULL;

	for (int i = s->nmem - 1; i >= 0 && !m; i--)
		if (s->mem[i].in)
			m = &s->mem[i];
	if (!m || m->nskip >= RR_MAX_SKIP)
		abort();
	m->skip[m->nskip].off = off;
	m->skip[m->nskip].len = len;
	m->skip[m->nskip].ptr = ptr;
	m->nskip++;
}

void rr_skip(struct rr_step *s, size_t off)
{
	skip(s, off, 8, true);
}

void rr_pad(struct rr_step *s, size_t off, size_t len)
{
	skip(s, off, len, false);
}

void rr_out(struct rr_step *s, struct rr_at at, const void *give, size_t len)
{
	mem(s, at, give, len, false);
}

void rr_out32(struct rr_step *s, struct rr_at at, uint32_t v)
{
	uint8_t b[4];

	rr_put32(b, 0, v);
	rr_out(s, at, b, sizeof(b));
}

void rr_ret(struct rr_step *s, int ret)
{
	s->ret = ret;
}

void rr_errno(struct rr_step *s, int err)
{
	s->err = err;
}

void rr_new_fd(struct rr_step *s, enum rr_role role)
{
	s->new_role = (int)role;
}

int rr_finish(void)
{
	int rc = 0;

	psp_sys_set(NULL);
	if (mismatch[0]) {
		fprintf(stderr, "\nrr: %s\n", mismatch);
		rc = -1;
	} else if (next != nsteps) {
		fprintf(stderr, "\nrr: the code stopped after %d of %d steps; next expected: %s\n", next, nsteps,
			steps[next].what ? steps[next].what : "?");
		rc = -1;
	}
	rr_reset();
	return rc;
}

void rr_put16(uint8_t *b, size_t off, uint16_t v)
{
	b[off] = (uint8_t)v;
	b[off + 1] = (uint8_t)(v >> 8);
}

void rr_put32(uint8_t *b, size_t off, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b[off + (size_t)i] = (uint8_t)(v >> (8 * i));
}

void rr_put64(uint8_t *b, size_t off, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		b[off + (size_t)i] = (uint8_t)(v >> (8 * i));
}

void rr_putp(uint8_t *b, size_t off, const void *ptr)
{
	rr_put64(b, off, (uint64_t)(uintptr_t)ptr);
}

int rr_suite_clean(void)
{
	psp_sys_set(NULL);
	rr_reset();
	return 0;
}
