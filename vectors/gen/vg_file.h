/* The conformance-vector text format (vectors/README.md): a writer for the generator
 * and a parser shared by `swsev vectors check` and the KAT unit tests.
 *
 *   # comment                 comments and blank lines anywhere
 *   [kind:id]                 starts a case; kind and id are [A-Za-z0-9_.-]+
 *   key = 00ff...             a byte string: lowercase hex, even length ("key =": empty)
 *   key = 0x1f                an integer: 0x and lowercase hex digits
 *
 * Keys are [a-z0-9_.]+ and unique within a case; (kind, id) is unique within a file.
 * Lines end in LF; no trailing spaces; nothing else is allowed, so one reading of a
 * file is the only reading. */
#ifndef SWSEV_VECTORS_VG_FILE_H
#define SWSEV_VECTORS_VG_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- writing ----------------------------------------------------------------------- */

struct vw {
	char *buf;
	size_t len, cap;
	bool failed; /* out of memory or a bad key: the text is unusable */
};

void vw_init(struct vw *w);
void vw_free(struct vw *w);
/* "# text" (one line per '\n' in the formatted text). */
void vw_comment(struct vw *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A blank line, then "[kind:id]". */
void vw_section(struct vw *w, const char *kind, const char *idfmt, ...) __attribute__((format(printf, 3, 4)));
void vw_hex(struct vw *w, const char *key, const void *p, size_t n);
/* "key = 0x..." with at least `digits` hex digits. */
void vw_int(struct vw *w, const char *key, uint64_t v, int digits);
/* The ASCII of a text as a byte string. */
void vw_text(struct vw *w, const char *key, const char *text);

/* ---- reading ----------------------------------------------------------------------- */

struct vf_kv {
	char *key, *val;
	unsigned line;
};

struct vf_case {
	char *kind, *id;
	unsigned line;
	struct vf_kv *kv;
	size_t n, cap;
};

struct vf {
	struct vf_case *c;
	size_t n, cap;
};

/* Parses a whole file's text; on a malformed line returns -1 with "line N: why". */
int vf_parse(const char *text, size_t len, struct vf *out, char *msg, size_t msglen);
int vf_load(const char *path, struct vf *out, char *msg, size_t msglen);
void vf_free(struct vf *f);

const struct vf_case *vf_find(const struct vf *f, const char *kind, const char *id);
size_t vf_count(const struct vf *f, const char *kind);

/* Raw value text, or NULL if the case has no such key. */
const char *vf_get(const struct vf_case *c, const char *key);
bool vf_has(const struct vf_case *c, const char *key);
/* A byte-string value into a new buffer (caller frees; an empty value gives a
 * non-NULL buffer of length 0).  -1 if missing or not a byte string. */
int vf_bytes(const struct vf_case *c, const char *key, uint8_t **out, size_t *n);
/* Exactly n bytes into out. */
int vf_bytes_n(const struct vf_case *c, const char *key, void *out, size_t n);
/* An integer value (0x...). */
int vf_uint(const struct vf_case *c, const char *key, uint64_t *v);
int vf_u32(const struct vf_case *c, const char *key, uint32_t *v);

#endif
