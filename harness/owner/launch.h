/* The VMM's side of an SEV launch (spec §2.3, §9.1), through psp/ only, so it runs on
 * every backend: the emulator in-process, a socket, a CUSE device, or KVM on EPYC.
 *
 *   KVM_SEV_INIT (ES_INIT) -> REG_REGION -> LAUNCH_START(policy, GODH, session)
 *   -> LAUNCH_UPDATE_DATA(image) -> [vCPUs, LAUNCH_UPDATE_VMSA] -> LAUNCH_MEASURE
 *   ... the guest owner checks the measurement ...
 *   -> [LAUNCH_SECRET] -> LAUNCH_FINISH -> [DBG_DECRYPT] [ATTESTATION]
 *
 * Guest memory is one page-aligned buffer the VMM owns; guest address 0 is its first
 * byte (so a "guest address" here is an offset into it).  The image is loaded at 0 and
 * measured zero-padded to 16 bytes (measure.h); memory beyond it is never measured.
 * On failure the step that failed is named in g->step and the backend's error kept in
 * g->err (errno, SEV status, why). */
#ifndef SWSEV_OWNER_LAUNCH_H
#define SWSEV_OWNER_LAUNCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "psp/psp.h"

struct owner_launch_cfg {
	uint32_t policy;
	const uint8_t *godh;    /* PSP_CERT_LEN bytes, or NULL: no guest-owner session */
	const uint8_t *session; /* PSP_SESSION_LEN bytes, or NULL */
	const void *image;
	size_t image_len;
	size_t mem_len;         /* 0: the image rounded up to a page */
	bool es;
	const void *vmsa;       /* SEV-ES: vmsa_len / 4096 pages for nvcpus vCPUs (measure.h) */
	size_t vmsa_len;
	unsigned nvcpus;
};

struct owner_guest {
	struct psp *p;
	struct psp_vm *vm;
	uint8_t *mem;           /* guest memory (ciphertext once launched) */
	size_t mem_len;
	size_t measured_len;    /* LAUNCH_UPDATE_DATA covered [0, measured_len) */
	uint8_t *vmsa;          /* nvcpus pages */
	unsigned nvcpus;
	bool launched;          /* LAUNCH_START done */
	uint8_t measure[PSP_MEASURE_LEN];
	const char *step;       /* the failed step */
	struct psp_err err;
};

/* Up to and including LAUNCH_MEASURE (guest in LSECRET).  g is always initialised and
 * must be released with owner_guest_free. */
int owner_guest_launch(struct psp *p, const struct owner_launch_cfg *cfg, struct owner_guest *g);
/* LAUNCH_SECRET of a packaged secret at guest address gpa. */
int owner_guest_inject(struct owner_guest *g, const uint8_t hdr[PSP_HDR_LEN], const void *ct, size_t len,
		       uint64_t gpa);
int owner_guest_finish(struct owner_guest *g);
/* DBG_DECRYPT of all guest memory into out (mem_len bytes; needs a debug policy). */
int owner_guest_dump(struct owner_guest *g, uint8_t *out);
int owner_guest_attest(struct owner_guest *g, const uint8_t mnonce[16], uint8_t report[PSP_REPORT_LEN]);
/* Destroys the VM (DEACTIVATE + DECOMMISSION) and frees the memory. */
void owner_guest_free(struct owner_guest *g);

/* "LAUNCH_SECRET: firmware status BAD_MEASUREMENT (0x0b): ..." */
void owner_guest_error(const struct owner_guest *g, char *buf, size_t len);

#endif
