/* A platform at the firmware level only: emu/fw with its SPI flash and system memory
 * in this process's memory, no state directory and no AMD root.  What the attestation
 * vectors are made on and what the KAT tests drive packets through. */
#ifndef SWSEV_VECTORS_VG_FWPLAT_H
#define SWSEV_VECTORS_VG_FWPLAT_H

#include <stddef.h>
#include <stdint.h>

#include "emu/fw/fw.h"

#define VG_FW_MEM_SIZE 0x100000u

struct vg_fwplat {
	struct fw *fw;
	struct rng *rng;
	uint8_t *mem; /* system memory [0, VG_FW_MEM_SIZE) */
	uint8_t *spi;
	size_t spi_len;
	struct fw_mem fm;
};

/* Default configuration, the given chip-unique key, the firmware's rng seeded with
 * (seed, pers).  0 or -1. */
int vg_fwplat_open(struct vg_fwplat *p, const uint8_t cuk[32], const uint8_t *seed, size_t seed_len, const char *pers);
void vg_fwplat_close(struct vg_fwplat *p);
uint32_t vg_fwplat_cmd(struct vg_fwplat *p, uint32_t cmd, void *buf);

#endif
