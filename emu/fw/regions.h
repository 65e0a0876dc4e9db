/* The memory a firmware command's buffer points at, for transports that must fetch it
 * from a remote caller first. */
#ifndef SWSEV_FW_REGIONS_H
#define SWSEV_FW_REGIONS_H

#include <stdint.h>

#define FW_REGION_READ  1u
#define FW_REGION_WRITE 2u

struct fw_region {
	uint64_t addr; /* as in the buffer (C-bit not stripped) */
	uint64_t len;
	unsigned dir;  /* FW_REGION_READ | FW_REGION_WRITE */
};

/* Fills up to max regions; returns how many there are (may exceed max). */
int fw_cmd_regions(uint32_t cmd, const void *buf, struct fw_region *out, int max);

#endif
