#include "vectors/gen/vg_plat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/fw/buffers.h"

static int mem_read(void *ctx, uint64_t pa, void *dst, size_t len)
{
	struct vg_plat *p = ctx;

	if (pa > VG_MEM_SIZE || len > VG_MEM_SIZE - pa)
		return -1;
	memcpy(dst, p->mem + pa, len);
	return 0;
}

static int mem_write(void *ctx, uint64_t pa, const void *src, size_t len)
{
	struct vg_plat *p = ctx;

	if (pa > VG_MEM_SIZE || len > VG_MEM_SIZE - pa)
		return -1;
	memcpy(p->mem + pa, src, len);
	return 0;
}

int vg_plat_open(struct vg_tx *t, struct vg_plat *p, unsigned index, const char *name, const uint8_t *seed,
		 size_t seed_len, const struct vg_plat *root_of)
{
	const char *tmp = vg_tmpdir(t->g);
	char dir[4096], root[4200], msg[512];
	struct chip_opts o;
	const struct fw_config *cfg;

	memset(p, 0, sizeof(*p));
	if (!tmp)
		return -1;
	snprintf(dir, sizeof(dir), "%s/%s", tmp, name);
	memset(&o, 0, sizeof(o));
	o.state_dir = dir;
	o.seed = seed;
	o.seed_len = seed_len;
	o.create = true;
	if (root_of) {
		snprintf(root, sizeof(root), "%s/amd-root", chip_state_dir(root_of->chip));
		o.root_dir = root;
	}
	if (chip_open(&o, &p->chip, msg, sizeof(msg)) != 0)
		return vg_fail(t->g, "platform %s: %s", name, msg);
	p->index = index;
	p->fw = chip_fw(p->chip);
	p->mem = calloc(1, VG_MEM_SIZE);
	if (!p->mem)
		return vg_fail(t->g, "out of memory");
	p->fm = (struct fw_mem){ mem_read, mem_write, p };
	cfg = fw_get_config(p->fw);
	vw_section(t->w, "platform", "%s", name);
	vw_comment(t->w, "a new chip from `seed`, first power-on: swsev backend emu:DIR?seed=HEX%s",
		   root_of ? "&root=DIR0/amd-root\n(the AMD root made by platform root_of, DIR0 its state directory)"
			   : "\n(its own AMD root, made in DIR/amd-root)");
	vw_int(t->w, "index", index, 1);
	vw_hex(t->w, "seed", seed, seed_len);
	vw_int(t->w, "root_of", root_of ? root_of->index : index, 1);
	vw_int(t->w, "api_major", cfg->api_major, 2);
	vw_int(t->w, "api_minor", cfg->api_minor, 2);
	vw_int(t->w, "build", cfg->build, 2);
	return 0;
}

void vg_plat_close(struct vg_plat *p)
{
	chip_close(p->chip);
	free(p->mem);
	memset(p, 0, sizeof(*p));
}

void vg_plat_poke(struct vg_plat *p, uint64_t pa, const void *src, size_t n)
{
	if (pa <= VG_MEM_SIZE && n <= VG_MEM_SIZE - pa)
		memcpy(p->mem + pa, src, n);
}

static void addr_key(char *k, size_t n, const char *pfx, uint64_t pa)
{
	snprintf(k, n, "%s.%016llx", pfx, (unsigned long long)pa);
}

int vg_cmd(struct vg_tx *t, struct vg_plat *p, uint32_t cmd, void *buf, const struct vg_in *in, size_t nin,
	   const struct vg_out *out, size_t nout, uint32_t expect)
{
	long blen = fw_cmd_buf_len(cmd);
	const char *name = fw_cmd_name(cmd);
	char key[64];
	uint32_t st;

	if (blen < 0 || !name || (blen > 0) != (buf != NULL))
		return vg_fail(t->g, "step %u: bad command 0x%x", t->step + 1, cmd);
	t->step++;
	vw_section(t->w, "cmd", "%02u-%s", t->step, name);
	vw_int(t->w, "platform", p->index, 1);
	vw_int(t->w, "command", cmd, 3);
	vw_hex(t->w, "buf_in", buf, (size_t)blen);
	for (size_t i = 0; i < nin; i++) {
		if (in[i].pa > VG_MEM_SIZE || in[i].n > VG_MEM_SIZE - in[i].pa)
			return vg_fail(t->g, "step %u: input outside memory", t->step);
		memcpy(p->mem + in[i].pa, in[i].p, in[i].n);
		addr_key(key, sizeof(key), "in", in[i].pa);
		vw_hex(t->w, key, in[i].p, in[i].n);
	}
	st = fw_command(p->fw, cmd, buf, &p->fm);
	if (st != expect)
		return vg_fail(t->g, "step %u %s: status 0x%02x (%s), expected 0x%02x", t->step, name, st, fw_reason(p->fw),
			       expect);
	vw_int(t->w, "status", st, 2);
	vw_hex(t->w, "buf_out", buf, (size_t)blen);
	for (size_t i = 0; i < nout; i++) {
		if (out[i].pa > VG_MEM_SIZE || out[i].n > VG_MEM_SIZE - out[i].pa)
			return vg_fail(t->g, "step %u: output outside memory", t->step);
		addr_key(key, sizeof(key), "out", out[i].pa);
		vw_hex(t->w, key, p->mem + out[i].pa, out[i].n);
		if (out[i].dst)
			memcpy(out[i].dst, p->mem + out[i].pa, out[i].n);
	}
	return 0;
}
