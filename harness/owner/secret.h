/* LAUNCH_SECRET packets from the guest owner's side (spec §6.5): the secret encrypted
 * with the TEK (AES-128-CTR) and the 52-byte header whose MAC (TIK) binds the
 * ciphertext to the launch measurement — so a secret is only accepted by the guest
 * whose measurement the owner verified.  Before API 0.17 the measurement was not part
 * of the MAC. */
#ifndef SWSEV_OWNER_SECRET_H
#define SWSEV_OWNER_SECRET_H

#include <stddef.h>
#include <stdint.h>

#include "emu/crypto/session.h"
#include "harness/owner/owner.h"

#define OWNER_SECRET_HDR_LEN 52
#define OWNER_SECRET_MAX     0x5000 /* the firmware's limit per LAUNCH_SECRET */

/* ct receives len bytes, hdr the header (flags, iv, mac).  measurement NULL = the
 * pre-0.17 form.  The firmware takes only whole 16-byte blocks (guest_len is
 * 16-aligned); packaging any other length is allowed (sev-tool does) and the firmware
 * will refuse it with INVALID_LENGTH. */
int owner_package_secret(const struct sev_tk *tk, const uint8_t *measurement, const uint8_t iv[16],
			 uint32_t flags, const void *secret, size_t len, uint8_t *ct,
			 uint8_t hdr[OWNER_SECRET_HDR_LEN], struct owner_err *e);

/* The firmware's check, for an owner (or a test) re-reading a package: MAC first
 * (BAD_MEASUREMENT), then decryption into pt. */
int owner_open_secret(const struct sev_tk *tk, const uint8_t *measurement, const uint8_t hdr[OWNER_SECRET_HDR_LEN],
		      const void *ct, size_t len, uint8_t *pt, struct owner_err *e);

#endif
