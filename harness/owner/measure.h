/* The launch measurement from the guest owner's side (spec §6.4).
 *
 * Launch digest LD = SHA-256 over what LAUNCH_UPDATE_DATA and LAUNCH_UPDATE_VMSA
 * measured, in command order.  The launch driver (launch.h) issues one
 * LAUNCH_UPDATE_DATA over the image zero-padded to a multiple of 16 bytes (the
 * firmware's granule), then, for SEV-ES, one LAUNCH_UPDATE_VMSA per vCPU; so
 *   LD = SHA-256(image || zero pad to 16 || VMSA(cpu0) || ... || VMSA(cpuN-1)).
 * VMSA pages: a file of k 4096-byte pages serves N vCPUs as k == 1: all the same page;
 * k == N: one each; k == 2: the first for cpu0 (the BSP), the second for every AP (as
 * sevctl models OVMF's reset state).
 *
 * Measurement = HMAC-SHA256(TIK, 0x04 || api_major || api_minor || build ||
 * le32(policy) || LD || MNONCE), before API 0.17 HMAC(TIK, le32(policy) || LD || MNONCE);
 * the form follows the firmware's API version, as sev-tool decides it. */
#ifndef SWSEV_OWNER_MEASURE_H
#define SWSEV_OWNER_MEASURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/owner/owner.h"

#define OWNER_PAGE        4096
#define OWNER_VMSA_LEN    4096
#define OWNER_MEASURE_LEN 48 /* LAUNCH_MEASURE output: measurement[32] || mnonce[16] */

/* The firmware version that goes into the measurement (PLATFORM_STATUS). */
struct owner_fw_version {
	uint8_t api_major, api_minor, build;
};

/* "0.24" -> 0, 24; -1 if malformed. */
int owner_parse_api(const char *s, struct owner_fw_version *v);

bool owner_fw_pre017(const struct owner_fw_version *v);

/* Bytes LAUNCH_UPDATE_DATA measures for an image of len bytes. */
size_t owner_image_measured_len(size_t image_len);

/* Which of k VMSA pages vCPU i of n starts from (rule above); -1 if k does not fit n. */
int owner_vmsa_page(size_t k, unsigned n, unsigned i);

/* LD for an image and, for SEV-ES, nvcpus vCPUs from vmsa (vmsa_len a multiple of
 * 4096; vmsa NULL: zero pages, which is what the launch driver loads without a VMSA
 * file).  nvcpus 0: plain SEV. */
int owner_launch_digest(const void *image, size_t image_len, const void *vmsa, size_t vmsa_len,
			unsigned nvcpus, uint8_t out[32], struct owner_err *e);

int owner_measurement(const uint8_t tik[16], const struct owner_fw_version *v, uint32_t policy,
		      const uint8_t digest[32], const uint8_t mnonce[16], uint8_t out[32]);

/* Checks a LAUNCH_MEASURE output against the expected inputs; on success expected
 * (may be NULL) receives the measurement.  Failure: status BAD_MEASUREMENT and a
 * message with both values. */
int owner_verify_measurement(const uint8_t blob[OWNER_MEASURE_LEN], const uint8_t tik[16],
			     const struct owner_fw_version *v, uint32_t policy, const uint8_t digest[32],
			     uint8_t expected[32], struct owner_err *e);

#endif
