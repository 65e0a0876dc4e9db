/* Helpers shared by the files of emu/nv; not part of its interface. */
#ifndef SWSEV_NV_INTERNAL_H
#define SWSEV_NV_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* Layout of a format-1 record (see store.h). */
#define NV_MAGIC_LEN  8
#define NV_HDR_LEN    24 /* magic, le32 version, le32 kind, le64 payload length */
#define NV_HASH_LEN   32
#define NV_OVERHEAD   (NV_HDR_LEN + NV_HASH_LEN)

/* No state record comes close; the cap keeps a wrong file from being slurped whole. */
#define NV_MAX_FILE   ((size_t)64 << 20)

extern const uint8_t nv_magic[NV_MAGIC_LEN];

/* nv_record_decode(); exact != 0 also rejects bytes after the record (a file). */
enum nv_result nv_record_parse(const uint8_t *buf, size_t buf_len, int exact, uint32_t kind,
			       const uint8_t **data, size_t *len, char *msg, size_t msglen);

/* snprintf into an optional caller buffer (msg may be NULL or msglen 0). */
void nv_msg(char *msg, size_t msglen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A kind as its four characters when printable, hex otherwise; out has 16 bytes. */
void nv_kind_str(uint32_t kind, char out[16]);

#endif
