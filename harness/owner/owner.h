/* The guest owner's library: what a guest owner (or a platform owner) does away from
 * the platform — create a launch session for a platform's PDH, compute and check the
 * launch measurement, package a launch secret, verify certificate chains and
 * attestation reports, take ownership of a platform — plus the launch driver that plays
 * the VMM.  One header per job:
 *
 *   session.h  GODH key, ECDH with the PDH, the 128-byte session blob, TEK/TIK
 *   measure.h  launch digest of an image (+ SEV-ES VMSAs), expected measurement
 *   secret.h   LAUNCH_SECRET packets
 *   verify.h   chain folder (ARK -> ASK -> CEK -> PEK <- OCA, PEK -> PDH), reports
 *   files.h    AMD sev-tool's file names and formats
 *   ownership.h OCA key and PEK_CSR signing
 *   export.h   a platform's certificates into a folder (psp/)
 *   launch.h   the VMM side of a launch (psp/)
 *
 * The sources are named owner_<job>.c because the harness archive stores members by
 * base name and other harness modules may well have a session.c or a launch.c.
 *
 * This header: the error convention and the small file helpers all of them share.
 * Every fallible function returns 0 or -1 and, on failure, fills a struct owner_err
 * with one sentence saying what failed (and an SEV status where one applies). */
#ifndef SWSEV_OWNER_OWNER_H
#define SWSEV_OWNER_OWNER_H

#include <stddef.h>
#include <stdint.h>

struct owner_err {
	uint32_t status; /* an SEV status when the failure has one (0 otherwise) */
	char msg[512];
};

int owner_fail(struct owner_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int owner_fail_status(struct owner_err *e, uint32_t status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void owner_err_clear(struct owner_err *e);

/* Whole files.  read returns a malloc'ed buffer (caller frees) or NULL. */
uint8_t *owner_read_file(const char *path, size_t *len, struct owner_err *e);
/* A file that must be exactly len bytes (the sev-tool formats are fixed-size). */
int owner_read_exact(const char *path, void *buf, size_t len, struct owner_err *e);
/* Atomic (temp file + fsync + rename) with the given mode; secrets use 0600. */
int owner_write_file(const char *path, const void *buf, size_t len, unsigned mode, struct owner_err *e);
int owner_file_exists(const char *path);

/* "dir/name" into out; -1 (with e) if it does not fit. */
int owner_path(char *out, size_t len, const char *dir, const char *name, struct owner_err *e);

#endif
