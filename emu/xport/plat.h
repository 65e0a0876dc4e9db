/* The platform a daemon serves: an emulated chip and its driver, from the options the
 * in-process backend takes as URI options (psp.h: seed, root, profile, api, build,
 * asids, min-sev-asid, guests, es, cbit, sockets, create). */
#ifndef SWSEV_XPORT_PLAT_H
#define SWSEV_XPORT_PLAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu/drv/drv.h"
#include "emu/fw/fw.h"

struct xp_plat {
	char state_dir[512];
	char root_dir[512];
	uint8_t *seed; /* key material: never logged */
	size_t seed_len;
	struct fw_config cfg;
	struct drv_opts drv;
	bool create;
};

void xp_plat_init(struct xp_plat *o);
void xp_plat_clear(struct xp_plat *o);
/* key as in the emu: URI; 0, or -1 with msg. */
int xp_plat_set(struct xp_plat *o, const char *key, const char *val, char *msg, size_t msglen);
/* chip_open + drv_new; NULL with msg. */
struct drv *xp_plat_open(const struct xp_plat *o, char *msg, size_t msglen);

#endif
