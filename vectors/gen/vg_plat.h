/* Firmware transcripts: seeded emulated platforms driven at the firmware level
 * (emu/fw fw_command) over a flat model of system memory, every command recorded as a
 * [cmd:NN-NAME] case: the command buffer before and after, the memory the host wrote
 * for it (in.<address>) and the memory the firmware wrote that the host reads back
 * (out.<address>).  Guest memory the firmware encrypts in place is not recorded: its
 * ciphertext is this emulator's memory-encryption model, not part of SEV's interface. */
#ifndef SWSEV_VECTORS_VG_PLAT_H
#define SWSEV_VECTORS_VG_PLAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu/chip/chip.h"
#include "emu/fw/fw.h"
#include "vectors/gen/vg.h"

/* The system-memory map every transcript uses. */
#define VG_MEM_SIZE 0x400000u
#define VG_DATA_PA(i) (0x10000u + (uint64_t)(i) * 0x4000u) /* command data slots */
#define VG_GUEST_PA 0x100000u                            /* guest pages */
#define VG_VMSA_PA  0x140000u                            /* the SEV-ES vCPU's VMSA */
#define VG_TMR_PA   0x200000u                            /* SEV-ES TMR (1 MiB aligned) */
#define VG_DBG_PA   0x300000u                            /* DBG_DECRYPT output */

struct vg_plat {
	unsigned index;
	struct chip *chip;
	struct fw *fw;
	uint8_t *mem;
	struct fw_mem fm;
};

struct vg_tx {
	struct vg *g;
	struct vw *w;
	unsigned step;
};

/* A fresh seeded chip in the scratch directory, with its own AMD root (root_of NULL)
 * or the root of another platform; writes its [platform:name] case. */
int vg_plat_open(struct vg_tx *t, struct vg_plat *p, unsigned index, const char *name, const uint8_t *seed,
		 size_t seed_len, const struct vg_plat *root_of);
void vg_plat_close(struct vg_plat *p);

/* Host memory the command reads (written before it runs). */
struct vg_in {
	uint64_t pa;
	const void *p;
	size_t n;
};

/* Memory the host reads back after the command; dst (may be NULL) receives it. */
struct vg_out {
	uint64_t pa;
	size_t n;
	void *dst;
};

/* Runs and records one command; the generation fails unless the status is expect. */
int vg_cmd(struct vg_tx *t, struct vg_plat *p, uint32_t cmd, void *buf, const struct vg_in *in, size_t nin,
	   const struct vg_out *out, size_t nout, uint32_t expect);

/* Emulator-side shortcut for a VMM that owns guest memory: plaintext written straight
 * into system memory (what the host puts there before LAUNCH_UPDATE_DATA). */
void vg_plat_poke(struct vg_plat *p, uint64_t pa, const void *src, size_t n);

#endif
