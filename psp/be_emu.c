/* emu:DIR — the emulator in this process: a chip, its driver, and descriptors that are
 * driver files reached with plain memory access. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu/chip/chip.h"
#include "emu/crypto/symm.h"
#include "emu/drv/drv.h"
#include "emu/util/hex.h"
#include "psp/psp_priv.h"

struct emu_opts {
	struct chip_opts co;
	struct fw_config cfg;
	struct drv_opts drv;
	uint8_t *seed;
	char root[256];
	bool ro;
	char bad[256];
};

static int parse_u32(const char *v, uint32_t *out)
{
	char *end;
	unsigned long x = strtoul(v, &end, 0);

	if (!*v || *end || x > UINT32_MAX)
		return -1;
	*out = (uint32_t)x;
	return 0;
}

static int opt(void *ctx, const char *k, const char *v)
{
	struct emu_opts *o = ctx;
	uint32_t x = 0;
	char msg[160];

	if (strcmp(k, "ro") == 0) {
		o->ro = psp_opt_true(v);
	} else if (strcmp(k, "seed") == 0) {
		size_t n;
		if (strncmp(v, "0x", 2) == 0)
			v += 2;
		/* a later seed= replaces an earlier one (a URI plus --seed) */
		if (o->seed)
			secure_free(o->seed, o->co.seed_len);
		o->seed = NULL;
		if (hex_decode_alloc(v, &o->seed, &n) != 0 || !n)
			goto bad;
		o->co.seed = o->seed;
		o->co.seed_len = n;
	} else if (strcmp(k, "root") == 0) {
		snprintf(o->root, sizeof(o->root), "%s", v);
		o->co.root_dir = o->root;
	} else if (strcmp(k, "profile") == 0) {
		if (drv_profile_parse(v, &o->drv, msg, sizeof(msg)) != 0) {
			snprintf(o->bad, sizeof(o->bad), "%s", msg);
			return -1;
		}
	} else if (strcmp(k, "api") == 0) {
		unsigned maj, min;
		if (sscanf(v, "%u.%u", &maj, &min) != 2 || maj > 255 || min > 255)
			goto bad;
		o->cfg.api_major = (uint8_t)maj;
		o->cfg.api_minor = (uint8_t)min;
	} else if (strcmp(k, "build") == 0) {
		if (parse_u32(v, &x) || x > 255)
			goto bad;
		o->cfg.build = (uint8_t)x;
	} else if (strcmp(k, "asids") == 0) {
		if (parse_u32(v, &o->cfg.max_asid) || !o->cfg.max_asid)
			goto bad;
	} else if (strcmp(k, "min-sev-asid") == 0) {
		if (parse_u32(v, &o->cfg.min_sev_asid) || !o->cfg.min_sev_asid)
			goto bad;
	} else if (strcmp(k, "guests") == 0) {
		if (parse_u32(v, &o->cfg.guest_max) || !o->cfg.guest_max)
			goto bad;
	} else if (strcmp(k, "es") == 0) {
		o->cfg.es = strcmp(v, "0") != 0;
	} else if (strcmp(k, "cbit") == 0) {
		if (parse_u32(v, &x) || x < 48 || x > 63)
			goto bad;
		o->cfg.cbit = x;
	} else if (strcmp(k, "sockets") == 0) {
		if (parse_u32(v, &x) || (x != 1 && x != 2))
			goto bad;
		o->cfg.two_sockets = x == 2;
	} else if (strcmp(k, "create") == 0) {
		o->co.create = strcmp(v, "0") != 0;
	} else {
		snprintf(o->bad, sizeof(o->bad), "unknown emu: option '%s'", k);
		return -1;
	}
	return 0;
bad:
	snprintf(o->bad, sizeof(o->bad), "bad value '%s' for emu: option '%s'", v, k);
	return -1;
}

static int default_dir(char *out, size_t len)
{
	const char *env = getenv("SWSEV_STATE_DIR"), *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");

	if (env && *env)
		snprintf(out, len, "%s", env);
	else if (xdg && *xdg)
		snprintf(out, len, "%s/swsev/default", xdg);
	else if (home && *home)
		snprintf(out, len, "%s/.local/state/swsev/default", home);
	else
		return -1;
	return 0;
}

int psp_emu_init(struct psp *p, const char *spec, struct psp_err *err)
{
	struct emu_opts o;
	char dir[512], msg[512];
	const char *q = strchr(spec, '?');
	struct chip *chip = NULL;
	struct drv *d;
	int rc;

	memset(&o, 0, sizeof(o));
	fw_config_default(&o.cfg);
	drv_profile_parse(NULL, &o.drv, msg, sizeof(msg));
	o.co.create = true;
	snprintf(dir, sizeof(dir), "%.*s", (int)(q ? (size_t)(q - spec) : strlen(spec)), spec);
	if (!dir[0] && default_dir(dir, sizeof(dir)) != 0)
		return psp_fail(err, EINVAL, "emu: no state directory given and neither SWSEV_STATE_DIR nor HOME is set");
	if (q && psp_parse_opts(q + 1, opt, &o) != 0) {
		free(o.seed);
		return psp_fail(err, EINVAL, "%s", o.bad);
	}
	o.co.state_dir = dir;
	o.co.cfg = &o.cfg;
	rc = chip_open(&o.co, &chip, msg, sizeof(msg));
	if (o.seed)
		secure_free(o.seed, o.co.seed_len);
	if (rc)
		return psp_fail(err, EIO, "emu:%s: %s", dir, msg);
	d = drv_new(chip, &o.drv, msg, sizeof(msg));
	if (!d) {
		chip_close(chip);
		return psp_fail(err, EIO, "emu:%s: %s", dir, msg);
	}
	p->backend = "emu";
	p->t = &psp_transport_emu;
	p->vmi = &psp_vm_devabi;
	p->tctx = d;
	p->caps = PSP_CAP_PLATFORM | PSP_CAP_GUEST | PSP_CAP_FW_CMD | PSP_CAP_GUEST_VIEW | PSP_CAP_CONTROL |
		  PSP_CAP_REASONS | PSP_CAP_VMSA_PAGES | (chip_seeded(chip) ? PSP_CAP_DETERMINISTIC : 0);
	p->writable = !o.ro;
	if (p->t->open(p, p->writable, &p->file, err) != 0) {
		drv_free(d);
		return -1;
	}
	return 0;
}

static int emu_open(struct psp *p, bool writable, void **file, struct psp_err *err)
{
	/* The in-process caller is the opener: CAP_SYS_ADMIN if it runs as root. */
	*file = drv_open(p->tctx, writable, geteuid() == 0);
	return *file ? 0 : psp_fail(err, ENOMEM, "out of memory");
}

static void emu_close(struct psp *p, void *file)
{
	(void)p;
	drv_release(file);
}

static int emu_ioctl(struct psp *p, void *file, unsigned long req, void *arg)
{
	(void)p;
	return (int)drv_ioctl(file, (unsigned int)req, (uint64_t)(uintptr_t)arg, uaccess_local());
}

static void emu_reason(struct psp *p, void *file, char *buf, size_t len)
{
	(void)p;
	snprintf(buf, len, "%s", drv_file_reason(file));
}

static void emu_fini(struct psp *p)
{
	drv_free(p->tctx);
}

const struct psp_transport psp_transport_emu = { "emu", emu_open, emu_close, emu_ioctl, emu_reason, emu_fini };
