/* The swsev socket protocol (`swsev socket --path P`, psp/ backend unix:P), version 1.
 *
 * One AF_UNIX stream connection is one open descriptor of the emulated device: the
 * same driver files, the same ioctls (SEV_ISSUE_CMD, SWSEV_IOC_*) with the same
 * argument structs as on the CUSE device, the caller's pointers included.  The server
 * cannot read the caller's memory, so it asks for it, as CUSE's retry rounds do:
 *
 *   client                                   server
 *   OPEN {magic, versions, flags}      ->
 *                                      <-    OPENED {version, max_request}  | ERROR
 *   IOCTL {cmd, arg, eager regions}    ->                                   (per ioctl)
 *                                      <-    NEED {regions}     (zero or more rounds)
 *   DATA {regions, bytes}              ->
 *                                      <-    DONE {result, writes}
 *   PING {bytes}                       ->
 *                                      <-    PONG {the same bytes}
 *   CLOSE                              ->
 *                                      <-    CLOSED, then the server closes
 *
 * Framing: every message is an 8-byte header { le32 len; le16 type; le16 zero } and
 * len payload bytes.  All integers are little-endian; addresses are the caller's
 * virtual addresses.  Region records are 16 bytes { le64 addr; le32 len; le32 word }
 * and the bytes they carry follow all records, concatenated in record order.
 *
 * OPEN       { le32 magic XPW_MAGIC; le16 min_version; le16 max_version; le32 flags }
 *            flags: XPW_OPEN_WRITABLE (as O_RDWR; otherwise a read-only descriptor).
 *            The opener is privileged (CAP_SYS_ADMIN for the cap-sys-admin profile)
 *            when its SO_PEERCRED uid is 0.
 * OPENED     { le32 magic; le16 version; le16 zero; le32 max_request; le32 flags }
 *            max_request: most bytes of caller memory one ioctl may move (each way).
 * IOCTL      { le32 cmd; le32 nregions; le64 arg } + records(word = 0) + bytes
 *            The records are the client's eager copy of its memory (normally the
 *            argument struct, _IOC_SIZE(cmd) bytes at arg), saving a round.
 * NEED       { le32 nregions; le32 zero } + records(word = XPW_R_* hints)
 *            Only regions not asked for before in this ioctl.  The client answers with
 *            DATA carrying exactly these records in this order.
 * DATA       { le32 nregions; le32 zero } + records(word = 0 or an errno) + bytes
 *            word EFAULT: the range cannot be read (then no bytes for it); the server
 *            treats it as the kernel treats a failed copy_from_user.
 * DONE       { le32 result (0 or -errno as a signed value); le32 nwrites } + records
 *            (word = 0) + bytes: what the driver wrote to the caller's memory, exact
 *            byte ranges, in address order.  The client applies them in order; one
 *            it cannot write makes the ioctl fail with EFAULT (as copy_to_user does).
 * PING/PONG  any payload up to XPW_MAX_PING bytes, echoed.
 * CLOSE      {}; CLOSED {}.
 * ERROR      { le32 errno; char message[] }: the server refuses the connection or a
 *            malformed message; it closes the connection after sending it.
 *
 * Version negotiation: the server answers OPEN with the highest version in
 * [min_version, max_version] it speaks, or ERROR EPROTONOSUPPORT.  A later version may
 * add message types; a peer receiving a type it does not know sends ERROR EPROTO.
 *
 * Robustness: the server validates every length before allocating, bounds regions per
 * ioctl (XPW_MAX_REGIONS), bytes per ioctl (max_request) and rounds per ioctl
 * (XPW_MAX_ROUNDS); an ioctl over a bound fails with ENOMEM and a LAST_ERROR reason,
 * the connection stays usable.  A malformed message gets ERROR and the connection is
 * closed.  When a connection ends, at any point, its descriptor is released (its VM torn
 * down) exactly as when a process closes the device.  An ioctl whose DATA never comes
 * has had no effect: the driver acts only once everything it needs is there. */
#ifndef SWSEV_XPORT_WIRE_H
#define SWSEV_XPORT_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define XPW_MAGIC   0x4b535753u /* "SWSK" */
#define XPW_VERSION 1

#define XPW_HDR_LEN  8
#define XPW_REC_LEN  16
#define XPW_MAX_PING 4096
#define XPW_MAX_REGIONS 1024
#define XPW_MAX_ROUNDS  64
#define XPW_MAX_REQUEST_DEFAULT (64u << 20)
#define XPW_MAX_MSG(max_request) ((uint64_t)(max_request) + 16 + (uint64_t)XPW_MAX_REGIONS * XPW_REC_LEN)

enum xpw_type {
	XPW_OPEN = 1,
	XPW_IOCTL = 2,
	XPW_DATA = 3,
	XPW_CLOSE = 4,
	XPW_PING = 5,
	XPW_OPENED = 0x81,
	XPW_NEED = 0x82,
	XPW_DONE = 0x83,
	XPW_ERROR = 0x84,
	XPW_PONG = 0x85,
	XPW_CLOSED = 0x86,
};

#define XPW_OPEN_WRITABLE 0x1u

/* NEED hints: what the driver will do with the range. */
#define XPW_R_READ  0x1u
#define XPW_R_WRITE 0x2u

struct xpw_rec {
	uint64_t addr;
	uint32_t len;
	uint32_t word;
};

/* Little-endian access into message buffers. */
static inline void xpw_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void xpw_put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void xpw_put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint16_t xpw_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t xpw_get32(const uint8_t *p)
{
	uint32_t v = 0;
	for (int i = 3; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static inline uint64_t xpw_get64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static inline void xpw_put_rec(uint8_t *p, const struct xpw_rec *r)
{
	xpw_put64(p, r->addr);
	xpw_put32(p + 8, r->len);
	xpw_put32(p + 12, r->word);
}

static inline void xpw_get_rec(const uint8_t *p, struct xpw_rec *r)
{
	r->addr = xpw_get64(p);
	r->len = xpw_get32(p + 8);
	r->word = xpw_get32(p + 12);
}

/* Whole messages over a blocking stream socket (EINTR retried, no SIGPIPE).
 * send: 0 or -errno.  recv: 0 with *type, *buf (malloc'ed, caller frees) and *len;
 * -ECONNRESET on EOF, -EMSGSIZE when the header announces more than max bytes,
 * -errno otherwise. */
int xpw_send(int fd, uint16_t type, const void *payload, size_t len);
/* Header and two payload pieces in one message. */
int xpw_send2(int fd, uint16_t type, const void *a, size_t alen, const void *b, size_t blen);
int xpw_recv(int fd, uint16_t *type, uint8_t **buf, size_t *len, uint64_t max);

#endif
