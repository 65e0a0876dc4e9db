#include "vectors/gen/vg_file.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/util/file.h"
#include "emu/util/hex.h"

/* ---- writing ----------------------------------------------------------------------- */

void vw_init(struct vw *w)
{
	memset(w, 0, sizeof(*w));
}

void vw_free(struct vw *w)
{
	free(w->buf);
	memset(w, 0, sizeof(*w));
}

static void put(struct vw *w, const char *s, size_t n)
{
	if (w->failed)
		return;
	if (w->len + n + 1 > w->cap) {
		size_t cap = w->cap ? w->cap : 4096;
		char *nb;

		while (cap < w->len + n + 1)
			cap *= 2;
		nb = realloc(w->buf, cap);
		if (!nb) {
			w->failed = true;
			return;
		}
		w->buf = nb;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

static void puts_(struct vw *w, const char *s)
{
	put(w, s, strlen(s));
}

__attribute__((format(printf, 1, 0))) static char *vformat(const char *fmt, va_list ap)
{
	va_list aq;
	int n;
	char *s;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0 || !(s = malloc((size_t)n + 1)))
		return NULL;
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

void vw_comment(struct vw *w, const char *fmt, ...)
{
	va_list ap;
	char *s, *line, *save = NULL;

	va_start(ap, fmt);
	s = vformat(fmt, ap);
	va_end(ap);
	if (!s) {
		w->failed = true;
		return;
	}
	/* strtok_r would drop empty lines, which keep paragraphs apart. */
	for (line = s;; line = save + 1) {
		save = strchr(line, '\n');
		if (save)
			*save = '\0';
		puts_(w, *line ? "# " : "#");
		puts_(w, line);
		puts_(w, "\n");
		if (!save)
			break;
	}
	free(s);
}

static bool name_ok(const char *s, bool id)
{
	if (!*s)
		return false;
	for (; *s; s++) {
		char c = *s;
		bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';

		if (id)
			ok = ok || (c >= 'A' && c <= 'Z') || c == '-';
		if (!ok)
			return false;
	}
	return true;
}

void vw_section(struct vw *w, const char *kind, const char *idfmt, ...)
{
	va_list ap;
	char *id;

	va_start(ap, idfmt);
	id = vformat(idfmt, ap);
	va_end(ap);
	if (!id || !name_ok(kind, true) || !name_ok(id, true)) {
		free(id);
		w->failed = true;
		return;
	}
	puts_(w, "\n[");
	puts_(w, kind);
	puts_(w, ":");
	puts_(w, id);
	puts_(w, "]\n");
	free(id);
}

static void key_prefix(struct vw *w, const char *key)
{
	if (!name_ok(key, false)) {
		w->failed = true;
		return;
	}
	puts_(w, key);
	puts_(w, " =");
}

void vw_hex(struct vw *w, const char *key, const void *p, size_t n)
{
	char *h;

	key_prefix(w, key);
	if (n) {
		h = malloc(2 * n + 1);
		if (!h) {
			w->failed = true;
			return;
		}
		hex_encode(p, n, h);
		puts_(w, " ");
		put(w, h, 2 * n);
		free(h);
	}
	puts_(w, "\n");
}

void vw_int(struct vw *w, const char *key, uint64_t v, int digits)
{
	char s[40];

	key_prefix(w, key);
	snprintf(s, sizeof(s), " 0x%0*llx\n", digits, (unsigned long long)v);
	puts_(w, s);
}

void vw_text(struct vw *w, const char *key, const char *text)
{
	vw_hex(w, key, text, strlen(text));
}

/* ---- reading ----------------------------------------------------------------------- */

static int fail(char *msg, size_t msglen, unsigned line, const char *why)
{
	snprintf(msg, msglen, "line %u: %s", line, why);
	return -1;
}

static bool value_ok(const char *v)
{
	size_t n = strlen(v);

	if (n >= 2 && v[0] == '0' && v[1] == 'x') {
		if (n == 2)
			return false;
		for (size_t i = 2; i < n; i++)
			if (!((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f')))
				return false;
		return true;
	}
	if (n % 2)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f')))
			return false;
	return true;
}

static int add_case(struct vf *f, const char *kind, size_t klen, const char *id, size_t ilen, unsigned line)
{
	struct vf_case *c;

	if (f->n == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 32;
		struct vf_case *nc = realloc(f->c, cap * sizeof(*nc));
		if (!nc)
			return -1;
		f->c = nc;
		f->cap = cap;
	}
	c = &f->c[f->n];
	memset(c, 0, sizeof(*c));
	c->kind = strndup(kind, klen);
	c->id = strndup(id, ilen);
	c->line = line;
	f->n++;
	return c->kind && c->id ? 0 : -1;
}

static int add_kv(struct vf_case *c, const char *key, size_t klen, const char *val, size_t vlen, unsigned line)
{
	struct vf_kv *kv;

	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 8;
		struct vf_kv *nk = realloc(c->kv, cap * sizeof(*nk));
		if (!nk)
			return -1;
		c->kv = nk;
		c->cap = cap;
	}
	kv = &c->kv[c->n];
	kv->key = strndup(key, klen);
	kv->val = strndup(val, vlen);
	kv->line = line;
	c->n++;
	return kv->key && kv->val ? 0 : -1;
}

static int parse_line(struct vf *f, char *s, size_t n, unsigned line, char *msg, size_t msglen)
{
	if (n == 0 || s[0] == '#')
		return 0;
	if (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')
		return fail(msg, msglen, line, "trailing whitespace");
	if (s[0] == '[') {
		char *colon = memchr(s, ':', n);

		if (s[n - 1] != ']' || !colon)
			return fail(msg, msglen, line, "a section header is [kind:id]");
		*colon = s[n - 1] = '\0';
		if (!name_ok(s + 1, true) || !name_ok(colon + 1, true))
			return fail(msg, msglen, line, "kind and id are [A-Za-z0-9_.-]+");
		if (vf_find(f, s + 1, colon + 1))
			return fail(msg, msglen, line, "duplicate [kind:id]");
		return add_case(f, s + 1, strlen(s + 1), colon + 1, strlen(colon + 1), line) ? fail(msg, msglen, line, "out of memory") : 0;
	}
	{
		char *eq = strstr(s, " =");
		char *val;
		struct vf_case *c;

		if (!eq)
			return fail(msg, msglen, line, "expected 'key = value', a [kind:id] header or a # comment");
		*eq = '\0';
		val = eq + 2;
		if (*val == ' ')
			val++;
		else if (*val)
			return fail(msg, msglen, line, "expected 'key = value'");
		if (!name_ok(s, false))
			return fail(msg, msglen, line, "keys are [a-z0-9_.]+");
		if (*val && !value_ok(val))
			return fail(msg, msglen, line, "a value is lowercase hex of even length, or 0x and hex digits");
		if (f->n == 0)
			return fail(msg, msglen, line, "a key before the first [kind:id] header");
		c = &f->c[f->n - 1];
		if (vf_get(c, s))
			return fail(msg, msglen, line, "duplicate key in this case");
		return add_kv(c, s, strlen(s), val, strlen(val), line) ? fail(msg, msglen, line, "out of memory") : 0;
	}
}

int vf_parse(const char *text, size_t len, struct vf *out, char *msg, size_t msglen)
{
	char *copy = malloc(len + 1);
	unsigned line = 0;
	size_t pos = 0;

	memset(out, 0, sizeof(*out));
	if (!copy)
		return fail(msg, msglen, 0, "out of memory");
	memcpy(copy, text, len);
	copy[len] = '\0';
	if (memchr(copy, '\0', len)) {
		free(copy);
		return fail(msg, msglen, 0, "a NUL byte in the text");
	}
	if (len && copy[len - 1] != '\n') {
		free(copy);
		return fail(msg, msglen, 0, "the last line does not end in a newline");
	}
	while (pos < len) {
		char *s = copy + pos, *nl = memchr(s, '\n', len - pos);
		size_t n = (size_t)(nl - s);

		line++;
		*nl = '\0';
		if (parse_line(out, s, n, line, msg, msglen) != 0) {
			free(copy);
			vf_free(out);
			return -1;
		}
		pos += n + 1;
	}
	free(copy);
	return 0;
}

int vf_load(const char *path, struct vf *out, char *msg, size_t msglen)
{
	size_t len;
	uint8_t *text = file_read_all(path, &len);
	int rc;

	memset(out, 0, sizeof(*out));
	if (!text) {
		snprintf(msg, msglen, "%s: %s", path, strerror(errno));
		return -1;
	}
	rc = vf_parse((const char *)text, len, out, msg, msglen);
	if (rc) {
		char inner[256];
		snprintf(inner, sizeof(inner), "%s", msg);
		snprintf(msg, msglen, "%s: %s", path, inner);
	}
	free(text);
	return rc;
}

void vf_free(struct vf *f)
{
	for (size_t i = 0; i < f->n; i++) {
		struct vf_case *c = &f->c[i];

		for (size_t j = 0; j < c->n; j++) {
			free(c->kv[j].key);
			free(c->kv[j].val);
		}
		free(c->kv);
		free(c->kind);
		free(c->id);
	}
	free(f->c);
	memset(f, 0, sizeof(*f));
}

const struct vf_case *vf_find(const struct vf *f, const char *kind, const char *id)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->c[i].kind, kind) && !strcmp(f->c[i].id, id))
			return &f->c[i];
	return NULL;
}

size_t vf_count(const struct vf *f, const char *kind)
{
	size_t n = 0;

	for (size_t i = 0; i < f->n; i++)
		n += !strcmp(f->c[i].kind, kind);
	return n;
}

const char *vf_get(const struct vf_case *c, const char *key)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->kv[i].key, key))
			return c->kv[i].val;
	return NULL;
}

bool vf_has(const struct vf_case *c, const char *key)
{
	return vf_get(c, key) != NULL;
}

int vf_bytes(const struct vf_case *c, const char *key, uint8_t **out, size_t *n)
{
	const char *v = vf_get(c, key);

	*out = NULL;
	*n = 0;
	if (!v || (v[0] == '0' && v[1] == 'x'))
		return -1;
	if (!*v) {
		*out = malloc(1);
		return *out ? 0 : -1;
	}
	return hex_decode_alloc(v, out, n);
}

int vf_bytes_n(const struct vf_case *c, const char *key, void *out, size_t n)
{
	const char *v = vf_get(c, key);

	if (!v || strlen(v) != 2 * n)
		return -1;
	return n ? hex_decode(v, out, n) : 0;
}

int vf_uint(const struct vf_case *c, const char *key, uint64_t *v)
{
	const char *s = vf_get(c, key);
	char *end;

	if (!s || s[0] != '0' || s[1] != 'x' || strlen(s) > 18)
		return -1;
	errno = 0;
	*v = strtoull(s + 2, &end, 16);
	return errno || *end ? -1 : 0;
}

int vf_u32(const struct vf_case *c, const char *key, uint32_t *v)
{
	uint64_t x;

	if (vf_uint(c, key, &x) || x > UINT32_MAX)
		return -1;
	*v = (uint32_t)x;
	return 0;
}
