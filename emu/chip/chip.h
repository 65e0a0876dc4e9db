/* An emulated chip: the firmware plus what real silicon carries around it — a
 * chip-unique key fused at manufacturing, the CEK certificate AMD's KDS signed for it,
 * the product's AMD root, and the SPI flash (the state directory) the firmware keeps
 * its persistent data in.
 *
 * Opening a chip is a power-on: the firmware starts in UNINIT and only what the state
 * directory holds survives from the previous run.  The directory stays locked while
 * the chip is open. */
#ifndef SWSEV_CHIP_CHIP_H
#define SWSEV_CHIP_CHIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu/cert/amd_cert.h"
#include "emu/cert/sev_cert.h"
#include "emu/fw/fw.h"

struct chip_opts {
	const char *state_dir;
	/* The AMD root to manufacture under; NULL: <state_dir>/amd-root for a seeded chip
	 * (so the whole run is reproducible), the user's shared root otherwise. */
	const char *root_dir;
	/* Deterministic mode: every random value comes from a DRBG seeded with this. */
	const uint8_t *seed;
	size_t seed_len;
	/* The part to emulate when the chip is first made (later opens use what the state
	 * directory recorded); NULL: fw_config_default(). */
	const struct fw_config *cfg;
	bool create; /* make the state directory and the chip if missing */
};

struct chip;

/* Returns 0, or -1 with a full sentence in msg (locked directory, corrupt identity,
 * seed mismatch, …).  Nothing on disk is changed on failure. */
int chip_open(const struct chip_opts *o, struct chip **out, char *msg, size_t msglen);
void chip_close(struct chip *c);

struct fw *chip_fw(struct chip *c);
const char *chip_state_dir(const struct chip *c);
bool chip_seeded(const struct chip *c);
/* How many times this chip has been powered on (1 for a new chip). */
uint64_t chip_boots(const struct chip *c);

/* The certificates a platform owner downloads from AMD for this chip. */
const struct amd_cert *chip_ark(const struct chip *c);
const struct amd_cert *chip_ask(const struct chip *c);
const struct sev_cert *chip_cek(const struct chip *c); /* signed by the ASK */

#endif
