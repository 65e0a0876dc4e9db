/* Tag-length-value payloads for state records. */
#include "emu/nv/tlv.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "emu/util/bytes.h"

#define TLV_HDR 6 /* le16 tag, le32 length */

/* Grows by copying, not realloc(): the old block may hold keys and realloc would
 * free it uncleansed. */
static int reserve(struct tlv_writer *w, size_t more)
{
	size_t cap = w->cap ? w->cap : 64;
	uint8_t *p;

	if (more > SIZE_MAX - w->len)
		return -1;
	if (w->len + more <= w->cap)
		return 0;
	while (cap < w->len + more) {
		if (cap > SIZE_MAX / 2)
			return -1;
		cap *= 2;
	}
	p = malloc(cap);
	if (!p)
		return -1;
	if (w->p) {
		memcpy(p, w->p, w->len);
		OPENSSL_cleanse(w->p, w->cap);
		free(w->p);
	}
	w->p = p;
	w->cap = cap;
	return 0;
}

void tlv_put(struct tlv_writer *w, uint16_t tag, const void *v, size_t n)
{
	if (w->failed)
		return;
	if (n > UINT32_MAX || (n && !v) || reserve(w, TLV_HDR + n)) {
		w->failed = 1;
		return;
	}
	le16_put(w->p + w->len, tag);
	le32_put(w->p + w->len + 2, (uint32_t)n);
	if (n)
		memcpy(w->p + w->len + TLV_HDR, v, n);
	w->len += TLV_HDR + n;
}

void tlv_put_u32(struct tlv_writer *w, uint16_t tag, uint32_t v)
{
	uint8_t b[4];

	le32_put(b, v);
	tlv_put(w, tag, b, sizeof(b));
}

void tlv_put_u64(struct tlv_writer *w, uint16_t tag, uint64_t v)
{
	uint8_t b[8];

	le64_put(b, v);
	tlv_put(w, tag, b, sizeof(b));
}

void tlv_writer_free(struct tlv_writer *w)
{
	if (w->p) {
		OPENSSL_cleanse(w->p, w->cap);
		free(w->p);
	}
	memset(w, 0, sizeof(*w));
}

/* Steps over the TLV at *off; returns its value or NULL if it overruns buf. */
static const uint8_t *next(const uint8_t *buf, size_t len, size_t *off, uint16_t *tag, size_t *vlen)
{
	const uint8_t *h = buf + *off;
	uint32_t n;

	if (len - *off < TLV_HDR)
		return NULL;
	n = le32_get(h + 2);
	if (n > len - *off - TLV_HDR)
		return NULL;
	*tag = le16_get(h);
	*vlen = n;
	*off += TLV_HDR + n;
	return h + TLV_HDR;
}

int tlv_check(const uint8_t *buf, size_t len)
{
	size_t off = 0, vlen;
	uint16_t tag;

	if (!buf && len)
		return -1;
	while (off < len)
		if (!next(buf, len, &off, &tag, &vlen))
			return -1;
	return 0;
}

const uint8_t *tlv_find(const uint8_t *buf, size_t len, uint16_t tag, size_t *vlen)
{
	size_t off = 0, n;
	uint16_t t;

	if (!buf)
		return NULL;
	/* Bounds are still checked: a caller that skipped tlv_check gets NULL, not an
	 * overrun. */
	while (off < len) {
		const uint8_t *v = next(buf, len, &off, &t, &n);

		if (!v)
			return NULL;
		if (t == tag) {
			if (vlen)
				*vlen = n;
			return v;
		}
	}
	return NULL;
}

int tlv_get(const uint8_t *buf, size_t len, uint16_t tag, void *out, size_t n)
{
	size_t vlen;
	const uint8_t *v = tlv_find(buf, len, tag, &vlen);

	if (!v || vlen != n)
		return -1;
	if (n)
		memcpy(out, v, n);
	return 0;
}

int tlv_get_u32(const uint8_t *buf, size_t len, uint16_t tag, uint32_t *v)
{
	uint8_t b[4];

	if (tlv_get(buf, len, tag, b, sizeof(b)))
		return -1;
	*v = le32_get(b);
	return 0;
}

int tlv_get_u64(const uint8_t *buf, size_t len, uint16_t tag, uint64_t *v)
{
	uint8_t b[8];

	if (tlv_get(buf, len, tag, b, sizeof(b)))
		return -1;
	*v = le64_get(b);
	return 0;
}
