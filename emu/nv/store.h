/* A platform's state directory: the emulated SPI flash that holds what survives a
 * power cycle (chip identity, OCA/PEK/PDH, ownership).
 *
 * - One process at a time: DIR/lock is held with flock(); a second opener gets
 *   NV_LOCKED and a message naming the holder's pid.
 * - Records are files DIR/<name> in a versioned, checksummed format:
 *     magic "SWSEVNV\0" | le32 format version (1) | le32 kind | le64 payload length |
 *     payload | SHA-256 of everything before it
 *   A bad magic/kind is NV_FOREIGN, a bad checksum or length NV_CORRUPT, a newer
 *   format NV_VERSION; in every failure case nothing on disk is touched.
 *   The header layout and the trailing SHA-256 are fixed for every format version (a
 *   new version may only change what the payload means), so the checksum is verified
 *   before the version is believed: a damaged version field is NV_CORRUPT.
 *   A file holds exactly one record; anything after it is NV_CORRUPT.
 * - Record names are 1..128 of [A-Za-z0-9._-], not starting with '.', not "lock";
 *   any other name is NV_IO (EINVAL).
 * - Writes are atomic: temp file in DIR, write, fsync, rename over, fsync(DIR).
 * - Files are created mode 0600 (they hold private keys). */
#ifndef SWSEV_NV_STORE_H
#define SWSEV_NV_STORE_H

#include <stddef.h>
#include <stdint.h>

#define NV_FORMAT_VERSION 1

enum nv_result {
	NV_OK = 0,
	NV_NOENT,   /* record does not exist */
	NV_CORRUPT, /* checksum, length or structure wrong */
	NV_FOREIGN, /* not a swsev record, or a record of another kind */
	NV_VERSION, /* written by a newer format version */
	NV_IO,      /* an I/O error (message has errno text) */
	NV_LOCKED,  /* another process holds the directory */
};

const char *nv_result_name(enum nv_result r);

struct nv_store;

/* Opens dir (creating it, mode 0700, if create != 0) and takes its lock.
 * On failure returns the reason and writes a full sentence to msg. */
enum nv_result nv_store_open(const char *dir, int create, struct nv_store **out, char *msg, size_t msglen);
void nv_store_close(struct nv_store *s);
const char *nv_store_dir(const struct nv_store *s);

/* Reads and verifies record `name` of `kind`.  *data is malloc'ed (caller frees with
 * secure_free(*data, *len): records may hold keys). */
enum nv_result nv_store_read(struct nv_store *s, const char *name, uint32_t kind, uint8_t **data,
			     size_t *len, char *msg, size_t msglen);
/* An existing file under name is replaced only if it verifies as a record of this
 * kind in a format this build reads; otherwise the write is refused with that
 * reason (message ending "; not overwriting") and nv_store_remove() is the way to
 * discard it. */
enum nv_result nv_store_write(struct nv_store *s, const char *name, uint32_t kind, const uint8_t *data,
			      size_t len, char *msg, size_t msglen);
/* Removing a missing record is NV_OK. */
enum nv_result nv_store_remove(struct nv_store *s, const char *name, char *msg, size_t msglen);

/* The record encoding, usable without a directory (INIT_EX keeps the same bytes in a
 * host-provided buffer): encode allocates; decode verifies and points into buf.
 * buf may be longer than the record (INIT_EX's fixed-size area) if every byte after
 * the record is zero; non-zero bytes there are NV_CORRUPT. */
int nv_record_encode(uint32_t kind, const uint8_t *data, size_t len, uint8_t **out, size_t *out_len);
enum nv_result nv_record_decode(const uint8_t *buf, size_t buf_len, uint32_t kind, const uint8_t **data,
				size_t *len, char *msg, size_t msglen);

#define NV_KIND(a, b, c, d) ((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)

#endif
