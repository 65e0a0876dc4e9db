/* A record/replay double of psp/sys.h: the kernel, as a script.
 *
 * A test writes down the system calls a real kernel would see, in order — which
 * descriptor, which ioctl number, the bytes of the argument struct and of the buffers
 * its pointers lead to — and what the kernel answers: the return value or errno and
 * the bytes it copies back.  rr_start() puts the double in place of the real system
 * calls; every call is checked against the next step; rr_finish() says whether the
 * code made exactly the scripted calls.
 *
 * Memory is addressed the way the kernel reaches it: depth 0 is the ioctl argument,
 * depth 1 the buffer whose address is the u64 at `via[0]` of the argument, depth 2
 * the buffer whose address is the u64 at `via[1]` of that one.  Struct bytes are
 * written by the tests at the offsets of the spec's tables (sev-km.md §1.3, §1.4),
 * not with the kernel's struct types, so a layout mistake shows as a mismatch.
 * Addresses the script cannot know (a struct on the caller's stack) are "skipped":
 * those 8 bytes must be a non-NULL pointer and are otherwise not compared. */
#ifndef SWSEV_PSP_TESTS_RR_H
#define SWSEV_PSP_TESTS_RR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Descriptor roles: the double hands out rr_fd(role) and maps it back. */
enum rr_role { RR_SEV = 1, RR_KVM, RR_VM, RR_VM2, RR_VCPU0, RR_VCPU1, RR_VCPU2, RR_NROLES };

struct rr_at {
	int depth;
	size_t via[2];
	size_t off;
};
#define RR_ARG(o)          ((struct rr_at){ 0, { 0, 0 }, (o) })
#define RR_IN1(v, o)       ((struct rr_at){ 1, { (v), 0 }, (o) })
#define RR_IN2(v0, v1, o)  ((struct rr_at){ 2, { (v0), (v1) }, (o) })

struct rr_step;

/* Resets the script and installs the double. */
void rr_start(void);
/* The fake descriptor number of a role (as the kernel would have returned it). */
int rr_fd(enum rr_role role);

struct rr_step *rr_open(const char *path, int accmode, enum rr_role becomes);
struct rr_step *rr_open_fail(const char *path, int accmode, int err);
struct rr_step *rr_close(enum rr_role role);
/* An ioctl answered with 0 unless rr_ret/rr_errno/rr_new_fd say otherwise. */
struct rr_step *rr_ioctl(enum rr_role role, unsigned long req, const char *what);

/* The argument is a number (KVM_CREATE_VM's type, KVM_CREATE_VCPU's id) or NULL. */
void rr_num(struct rr_step *s, unsigned long value);
void rr_null(struct rr_step *s);
/* The kernel reads len bytes at `at`; they must equal want (copied). */
void rr_in(struct rr_step *s, struct rr_at at, const void *want, size_t len);
/* Inside the last rr_in region: a pointer field whose value the script cannot know. */
void rr_skip(struct rr_step *s, size_t off);
/* Inside the last rr_in region: padding the kernel never looks at. */
void rr_pad(struct rr_step *s, size_t off, size_t len);
/* The kernel writes these bytes at `at` (copied). */
void rr_out(struct rr_step *s, struct rr_at at, const void *give, size_t len);
void rr_out32(struct rr_step *s, struct rr_at at, uint32_t v);
void rr_ret(struct rr_step *s, int ret);
void rr_errno(struct rr_step *s, int err);
void rr_new_fd(struct rr_step *s, enum rr_role role);

/* Uninstalls the double; 0 when every step ran and nothing differed, else -1 with
 * the first difference printed on stderr. */
int rr_finish(void);
/* For TEST_SUITE's clean: the real system calls back even after a fatal assertion
 * left a script running. */
int rr_suite_clean(void);

/* Little-endian struct builders. */
void rr_put16(uint8_t *b, size_t off, uint16_t v);
void rr_put32(uint8_t *b, size_t off, uint32_t v);
void rr_put64(uint8_t *b, size_t off, uint64_t v);
void rr_putp(uint8_t *b, size_t off, const void *ptr);

#endif
