#include "vectors/gen/vg_replay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/chip/chip.h"
#include "emu/fw/fw.h"
#include "vectors/gen/vg_plat.h"

#define MAX_PLATS 4

struct rp {
	struct chip *chip;
	uint8_t *mem;
	struct fw_mem fm;
};

static int mem_read(void *ctx, uint64_t pa, void *dst, size_t len)
{
	struct rp *p = ctx;

	if (pa > VG_MEM_SIZE || len > VG_MEM_SIZE - pa)
		return -1;
	memcpy(dst, p->mem + pa, len);
	return 0;
}

static int mem_write(void *ctx, uint64_t pa, const void *src, size_t len)
{
	struct rp *p = ctx;

	if (pa > VG_MEM_SIZE || len > VG_MEM_SIZE - pa)
		return -1;
	memcpy(p->mem + pa, src, len);
	return 0;
}

static int fail(char *msg, size_t msglen, const struct vf_case *c, const char *what)
{
	snprintf(msg, msglen, "[%s:%s] (line %u): %s", c->kind, c->id, c->line, what);
	return -1;
}

static int open_platform(const struct vf_case *c, struct rp *plats, size_t n, const char *dir, char *msg, size_t msglen)
{
	char sdir[4096], rdir[4200], why[512];
	struct chip_opts o;
	uint8_t *seed = NULL;
	size_t slen = 0;
	uint32_t index, root_of, api_major, api_minor, build;
	const struct fw_config *cfg;
	int rc;

	if (vf_u32(c, "index", &index) || index != n || n >= MAX_PLATS || vf_u32(c, "root_of", &root_of) ||
	    root_of > index || vf_bytes(c, "seed", &seed, &slen) || !slen || vf_u32(c, "api_major", &api_major) ||
	    vf_u32(c, "api_minor", &api_minor) || vf_u32(c, "build", &build)) {
		free(seed);
		return fail(msg, msglen, c, "a platform needs index (in order), seed, root_of, api_major, api_minor, build");
	}
	snprintf(sdir, sizeof(sdir), "%s/p%u", dir, index);
	memset(&o, 0, sizeof(o));
	o.state_dir = sdir;
	o.seed = seed;
	o.seed_len = slen;
	o.create = true;
	if (root_of != index) {
		snprintf(rdir, sizeof(rdir), "%s/p%u/amd-root", dir, root_of);
		o.root_dir = rdir;
	}
	rc = chip_open(&o, &plats[n].chip, why, sizeof(why));
	free(seed);
	if (rc)
		return fail(msg, msglen, c, why);
	plats[n].mem = calloc(1, VG_MEM_SIZE);
	plats[n].fm = (struct fw_mem){ mem_read, mem_write, &plats[n] };
	if (!plats[n].mem)
		return fail(msg, msglen, c, "out of memory");
	cfg = fw_get_config(chip_fw(plats[n].chip));
	if (cfg->api_major != api_major || cfg->api_minor != api_minor || cfg->build != build)
		return fail(msg, msglen, c, "this emulator reports another firmware version");
	return 0;
}

/* "in.0000000000010000" -> 0x10000 */
static int key_addr(const char *key, const char *pfx, uint64_t *pa)
{
	size_t n = strlen(pfx);
	char *end;

	if (strncmp(key, pfx, n) || strlen(key + n) != 16)
		return 0;
	*pa = strtoull(key + n, &end, 16);
	return *end ? 0 : 1;
}

static int run_cmd(const struct vf_case *c, struct rp *plats, size_t n, char *msg, size_t msglen)
{
	uint32_t pi, cmd, status, st;
	uint8_t *buf = NULL, *want = NULL, *v = NULL;
	size_t blen = 0, wlen = 0, vlen;
	long need;
	struct rp *p;
	uint64_t pa;
	int rc = -1;
	char what[128];

	if (vf_u32(c, "platform", &pi) || pi >= n || vf_u32(c, "command", &cmd) || vf_u32(c, "status", &status) ||
	    vf_bytes(c, "buf_in", &buf, &blen) || vf_bytes(c, "buf_out", &want, &wlen)) {
		fail(msg, msglen, c, "a command needs platform, command, buf_in, status, buf_out");
		goto out;
	}
	p = &plats[pi];
	need = fw_cmd_buf_len(cmd);
	if (need < 0 || (size_t)need != blen || wlen != blen) {
		fail(msg, msglen, c, "the buffer does not have the command's size");
		goto out;
	}
	for (size_t i = 0; i < c->n; i++) {
		if (!key_addr(c->kv[i].key, "in.", &pa))
			continue;
		if (vf_bytes(c, c->kv[i].key, &v, &vlen) || pa > VG_MEM_SIZE || vlen > VG_MEM_SIZE - pa) {
			fail(msg, msglen, c, "an in.* range is malformed or outside memory");
			goto out;
		}
		memcpy(p->mem + pa, v, vlen);
		free(v);
		v = NULL;
	}
	st = fw_command(chip_fw(p->chip), cmd, blen ? buf : NULL, &p->fm);
	if (st != status) {
		snprintf(what, sizeof(what), "status 0x%02x, the transcript says 0x%02x", st, status);
		fail(msg, msglen, c, what);
		goto out;
	}
	if (memcmp(buf, want, blen)) {
		fail(msg, msglen, c, "buf_out differs");
		goto out;
	}
	for (size_t i = 0; i < c->n; i++) {
		if (!key_addr(c->kv[i].key, "out.", &pa))
			continue;
		if (vf_bytes(c, c->kv[i].key, &v, &vlen) || pa > VG_MEM_SIZE || vlen > VG_MEM_SIZE - pa) {
			fail(msg, msglen, c, "an out.* range is malformed or outside memory");
			goto out;
		}
		if (memcmp(p->mem + pa, v, vlen)) {
			snprintf(what, sizeof(what), "%s differs", c->kv[i].key);
			fail(msg, msglen, c, what);
			goto out;
		}
		free(v);
		v = NULL;
	}
	rc = 0;
out:
	free(v);
	free(buf);
	free(want);
	return rc;
}

int vg_replay(const struct vf *f, const char *dir, char *msg, size_t msglen)
{
	struct rp plats[MAX_PLATS];
	size_t n = 0;
	int cmds = 0, rc = 0;

	memset(plats, 0, sizeof(plats));
	for (size_t i = 0; i < f->n && rc == 0; i++) {
		const struct vf_case *c = &f->c[i];

		if (!strcmp(c->kind, "platform")) {
			rc = open_platform(c, plats, n, dir, msg, msglen);
			if (plats[n].chip)
				n++;
		} else if (!strcmp(c->kind, "cmd")) {
			rc = run_cmd(c, plats, n, msg, msglen);
			cmds++;
		}
	}
	for (size_t i = 0; i < MAX_PLATS; i++) {
		chip_close(plats[i].chip);
		free(plats[i].mem);
	}
	if (rc == 0 && cmds == 0) {
		snprintf(msg, msglen, "no [cmd:*] case to replay");
		return -1;
	}
	return rc ? -1 : cmds;
}
