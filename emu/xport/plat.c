/* Opening the served platform (plat.h). */
#include "emu/xport/plat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/chip/chip.h"
#include "emu/crypto/symm.h"
#include "emu/util/hex.h"

void xp_plat_init(struct xp_plat *o)
{
	char msg[64];

	memset(o, 0, sizeof(*o));
	fw_config_default(&o->cfg);
	drv_profile_parse(NULL, &o->drv, msg, sizeof(msg));
	o->create = true;
}

void xp_plat_clear(struct xp_plat *o)
{
	if (o->seed)
		secure_free(o->seed, o->seed_len);
	o->seed = NULL;
	o->seed_len = 0;
}

static int u32(const char *v, uint32_t *out)
{
	char *end;
	unsigned long long x;

	if (!*v || *v == '-')
		return -1;
	x = strtoull(v, &end, 0);
	if (*end || x > UINT32_MAX)
		return -1;
	*out = (uint32_t)x;
	return 0;
}

int xp_plat_set(struct xp_plat *o, const char *k, const char *v, char *msg, size_t msglen)
{
	uint32_t x = 0;

	if (strcmp(k, "seed") == 0) {
		uint8_t *s;
		size_t n;
		if (strncmp(v, "0x", 2) == 0 || strncmp(v, "0X", 2) == 0)
			v += 2;
		if (hex_decode_alloc(v, &s, &n) != 0 || !n)
			goto bad;
		xp_plat_clear(o);
		o->seed = s;
		o->seed_len = n;
	} else if (strcmp(k, "root") == 0) {
		snprintf(o->root_dir, sizeof(o->root_dir), "%s", v);
	} else if (strcmp(k, "profile") == 0) {
		return drv_profile_parse(v, &o->drv, msg, msglen);
	} else if (strcmp(k, "api") == 0) {
		unsigned maj, min;
		char c;
		if (sscanf(v, "%u.%u%c", &maj, &min, &c) != 2 || maj > 255 || min > 255)
			goto bad;
		o->cfg.api_major = (uint8_t)maj;
		o->cfg.api_minor = (uint8_t)min;
	} else if (strcmp(k, "build") == 0) {
		if (u32(v, &x) || x > 255)
			goto bad;
		o->cfg.build = (uint8_t)x;
	} else if (strcmp(k, "asids") == 0) {
		if (u32(v, &o->cfg.max_asid) || !o->cfg.max_asid)
			goto bad;
	} else if (strcmp(k, "min-sev-asid") == 0) {
		if (u32(v, &o->cfg.min_sev_asid) || !o->cfg.min_sev_asid)
			goto bad;
	} else if (strcmp(k, "guests") == 0) {
		if (u32(v, &o->cfg.guest_max) || !o->cfg.guest_max)
			goto bad;
	} else if (strcmp(k, "es") == 0) {
		if (strcmp(v, "0") && strcmp(v, "1"))
			goto bad;
		o->cfg.es = strcmp(v, "1") == 0;
	} else if (strcmp(k, "cbit") == 0) {
		if (u32(v, &x) || x < 48 || x > 63)
			goto bad;
		o->cfg.cbit = x;
	} else if (strcmp(k, "sockets") == 0) {
		if (u32(v, &x) || (x != 1 && x != 2))
			goto bad;
		o->cfg.two_sockets = x == 2;
	} else if (strcmp(k, "create") == 0) {
		if (strcmp(v, "0") && strcmp(v, "1"))
			goto bad;
		o->create = strcmp(v, "1") == 0;
	} else {
		snprintf(msg, msglen, "unknown platform option '%s'", k);
		return -1;
	}
	return 0;
bad:
	/* The value of --seed is key material: never echoed. */
	snprintf(msg, msglen, "bad value%s%s%s for %s", strcmp(k, "seed") ? " '" : "", strcmp(k, "seed") ? v : "",
		 strcmp(k, "seed") ? "'" : "", k);
	return -1;
}

struct drv *xp_plat_open(const struct xp_plat *o, char *msg, size_t msglen)
{
	struct chip_opts co = { 0 };
	struct chip *chip = NULL;
	struct drv *d;
	char m[512];

	co.state_dir = o->state_dir;
	co.root_dir = o->root_dir[0] ? o->root_dir : NULL;
	co.seed = o->seed;
	co.seed_len = o->seed_len;
	co.cfg = &o->cfg;
	co.create = o->create;
	if (chip_open(&co, &chip, m, sizeof(m)) != 0) {
		snprintf(msg, msglen, "%s: %s", o->state_dir, m);
		return NULL;
	}
	if (!(d = drv_new(chip, &o->drv, m, sizeof(m)))) {
		chip_close(chip);
		snprintf(msg, msglen, "%s: %s", o->state_dir, m);
		return NULL;
	}
	return d;
}
