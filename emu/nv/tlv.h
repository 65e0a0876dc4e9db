/* Tag-length-value payloads for state records: le16 tag, le32 length, value.
 * Unknown tags are skipped by readers, so new fields can be added without a format
 * version bump. */
#ifndef SWSEV_NV_TLV_H
#define SWSEV_NV_TLV_H

#include <stddef.h>
#include <stdint.h>

struct tlv_writer {
	uint8_t *p;
	size_t len, cap;
	int failed; /* sticky allocation failure */
};

void tlv_put(struct tlv_writer *w, uint16_t tag, const void *v, size_t n);
void tlv_put_u32(struct tlv_writer *w, uint16_t tag, uint32_t v);
void tlv_put_u64(struct tlv_writer *w, uint16_t tag, uint64_t v);
/* Cleanses and frees the buffer. */
void tlv_writer_free(struct tlv_writer *w);

/* 0 if buf is a well-formed sequence of TLVs, -1 otherwise. */
int tlv_check(const uint8_t *buf, size_t len);
/* First value with this tag (buf must have passed tlv_check), or NULL. */
const uint8_t *tlv_find(const uint8_t *buf, size_t len, uint16_t tag, size_t *vlen);
/* Finds a value of exactly n bytes and copies it; -1 if absent or of another size. */
int tlv_get(const uint8_t *buf, size_t len, uint16_t tag, void *out, size_t n);
int tlv_get_u32(const uint8_t *buf, size_t len, uint16_t tag, uint32_t *v);
int tlv_get_u64(const uint8_t *buf, size_t len, uint16_t tag, uint64_t *v);

#endif
