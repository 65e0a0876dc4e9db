/* The record format shared by state files and INIT_EX buffers. */
#include "emu/nv/store.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/nv/internal.h"
#include "emu/util/bytes.h"

const uint8_t nv_magic[NV_MAGIC_LEN] = { 'S', 'W', 'S', 'E', 'V', 'N', 'V', '\0' };

const char *nv_result_name(enum nv_result r)
{
	switch (r) {
	case NV_OK:
		return "OK";
	case NV_NOENT:
		return "NOENT";
	case NV_CORRUPT:
		return "CORRUPT";
	case NV_FOREIGN:
		return "FOREIGN";
	case NV_VERSION:
		return "VERSION";
	case NV_IO:
		return "IO";
	case NV_LOCKED:
		return "LOCKED";
	}
	return "UNKNOWN";
}

void nv_msg(char *msg, size_t msglen, const char *fmt, ...)
{
	va_list ap;

	if (!msg || !msglen)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, msglen, fmt, ap);
	va_end(ap);
}

void nv_kind_str(uint32_t kind, char out[16])
{
	char c[4];

	for (int i = 0; i < 4; i++) {
		c[i] = (char)(kind >> (8 * i));
		if (c[i] < 0x21 || c[i] > 0x7e) {
			snprintf(out, 16, "0x%08x", (unsigned)kind);
			return;
		}
	}
	snprintf(out, 16, "'%c%c%c%c'", c[0], c[1], c[2], c[3]);
}

static int sha256(const uint8_t *p, size_t n, uint8_t md[NV_HASH_LEN])
{
	unsigned int mdlen = 0;

	if (!EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL) || mdlen != NV_HASH_LEN)
		return -1;
	return 0;
}

int nv_record_encode(uint32_t kind, const uint8_t *data, size_t len, uint8_t **out, size_t *out_len)
{
	uint8_t *buf;
	size_t total;

	*out = NULL;
	*out_len = 0;
	if (len > NV_MAX_FILE - NV_OVERHEAD || (len && !data))
		return -1;
	total = len + NV_OVERHEAD;
	buf = malloc(total);
	if (!buf)
		return -1;
	memcpy(buf, nv_magic, NV_MAGIC_LEN);
	le32_put(buf + 8, NV_FORMAT_VERSION);
	le32_put(buf + 12, kind);
	le64_put(buf + 16, len);
	if (len)
		memcpy(buf + NV_HDR_LEN, data, len);
	if (sha256(buf, NV_HDR_LEN + len, buf + NV_HDR_LEN + len)) {
		OPENSSL_cleanse(buf, total);
		free(buf);
		return -1;
	}
	*out = buf;
	*out_len = total;
	return 0;
}

/*
 * The header layout and the SHA-256 trailer right after the payload are fixed for
 * every format version; a new version may only change what the payload means.  So
 * the checksum is verified before the version is believed, and a damaged version
 * field reads as corruption, not as "newer format".
 */
enum nv_result nv_record_parse(const uint8_t *buf, size_t buf_len, int exact, uint32_t kind,
			       const uint8_t **data, size_t *len, char *msg, size_t msglen)
{
	uint8_t md[NV_HASH_LEN];
	size_t cmp = buf_len < NV_MAGIC_LEN ? buf_len : NV_MAGIC_LEN, rec_len;
	uint32_t version, got_kind;
	uint64_t plen;

	*data = NULL;
	*len = 0;
	if (cmp && memcmp(buf, nv_magic, cmp) != 0) {
		nv_msg(msg, msglen, "not a swsev state record (bad magic)");
		return NV_FOREIGN;
	}
	if (buf_len < NV_OVERHEAD) {
		nv_msg(msg, msglen, "truncated: %zu bytes, shorter than any record (%d)", buf_len, NV_OVERHEAD);
		return NV_CORRUPT;
	}
	version = le32_get(buf + 8);
	got_kind = le32_get(buf + 12);
	plen = le64_get(buf + 16);
	if (plen > buf_len - NV_OVERHEAD || (exact && plen != buf_len - NV_OVERHEAD)) {
		nv_msg(msg, msglen,
		       "size mismatch: header says %llu payload bytes plus %d of framing, %s is %zu bytes (%s)",
		       (unsigned long long)plen, NV_OVERHEAD, exact ? "file" : "buffer", buf_len,
		       plen > buf_len - NV_OVERHEAD ? "truncated" : "trailing data");
		return NV_CORRUPT;
	}
	rec_len = NV_OVERHEAD + (size_t)plen;
	/* Only a fixed-size area (INIT_EX) has room after the record; it stays zero. */
	for (size_t i = rec_len; i < buf_len; i++) {
		if (buf[i]) {
			nv_msg(msg, msglen, "non-zero data at offset %zu after the %zu-byte record", i, rec_len);
			return NV_CORRUPT;
		}
	}
	if (sha256(buf, rec_len - NV_HASH_LEN, md)) {
		nv_msg(msg, msglen, "SHA-256 unavailable from libcrypto");
		return NV_IO;
	}
	if (CRYPTO_memcmp(md, buf + rec_len - NV_HASH_LEN, NV_HASH_LEN) != 0) {
		nv_msg(msg, msglen, "checksum mismatch (file corrupt)");
		return NV_CORRUPT;
	}
	if (version == 0) {
		nv_msg(msg, msglen, "invalid format version 0");
		return NV_CORRUPT;
	}
	if (version > NV_FORMAT_VERSION) {
		nv_msg(msg, msglen, "written by a newer swsev (format version %u, this build reads up to %d)",
		       (unsigned)version, NV_FORMAT_VERSION);
		return NV_VERSION;
	}
	if (got_kind != kind) {
		char want[16], got[16];

		nv_kind_str(kind, want);
		nv_kind_str(got_kind, got);
		nv_msg(msg, msglen, "holds a record of kind %s, expected %s", got, want);
		return NV_FOREIGN;
	}
	*data = buf + NV_HDR_LEN;
	*len = (size_t)plen;
	return NV_OK;
}

enum nv_result nv_record_decode(const uint8_t *buf, size_t buf_len, uint32_t kind, const uint8_t **data,
				size_t *len, char *msg, size_t msglen)
{
	return nv_record_parse(buf, buf_len, 0, kind, data, len, msg, msglen);
}
