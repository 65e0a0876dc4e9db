#include "vectors/gen/vg_fwplat.h"

#include <stdlib.h>
#include <string.h>

#include "emu/crypto/symm.h"

static int mem_read(void *ctx, uint64_t pa, void *dst, size_t len)
{
	struct vg_fwplat *p = ctx;

	if (pa > VG_FW_MEM_SIZE || len > VG_FW_MEM_SIZE - pa)
		return -1;
	memcpy(dst, p->mem + pa, len);
	return 0;
}

static int mem_write(void *ctx, uint64_t pa, const void *src, size_t len)
{
	struct vg_fwplat *p = ctx;

	if (pa > VG_FW_MEM_SIZE || len > VG_FW_MEM_SIZE - pa)
		return -1;
	memcpy(p->mem + pa, src, len);
	return 0;
}

/* The flash starts empty, as on a new chip. */
static enum nv_result spi_load(void *ctx, uint8_t **data, size_t *len, char *msg, size_t msglen)
{
	struct vg_fwplat *p = ctx;

	(void)msg;
	(void)msglen;
	if (!p->spi)
		return NV_NOENT;
	if (!(*data = malloc(p->spi_len ? p->spi_len : 1)))
		return NV_IO;
	memcpy(*data, p->spi, p->spi_len);
	*len = p->spi_len;
	return NV_OK;
}

static int spi_save(void *ctx, const uint8_t *data, size_t len, char *msg, size_t msglen)
{
	struct vg_fwplat *p = ctx;
	uint8_t *n = malloc(len ? len : 1);

	(void)msg;
	(void)msglen;
	if (!n)
		return -1;
	memcpy(n, data, len);
	secure_free(p->spi, p->spi_len);
	p->spi = n;
	p->spi_len = len;
	return 0;
}

static int spi_erase(void *ctx, char *msg, size_t msglen)
{
	struct vg_fwplat *p = ctx;

	(void)msg;
	(void)msglen;
	secure_free(p->spi, p->spi_len);
	p->spi = NULL;
	p->spi_len = 0;
	return 0;
}

int vg_fwplat_open(struct vg_fwplat *p, const uint8_t cuk[32], const uint8_t *seed, size_t seed_len, const char *pers)
{
	struct fw_config cfg;
	struct fw_identity id;
	struct fw_spi spi = { spi_load, spi_save, spi_erase, p };

	memset(p, 0, sizeof(*p));
	fw_config_default(&cfg);
	memset(&id, 0, sizeof(id));
	memcpy(id.cuk, cuk, sizeof(id.cuk));
	p->mem = calloc(1, VG_FW_MEM_SIZE);
	p->rng = rng_new_seeded(seed, seed_len, pers);
	p->fm = (struct fw_mem){ mem_read, mem_write, p };
	if (p->mem && p->rng)
		p->fw = fw_new(&cfg, &id, &spi, p->rng);
	secure_zero(&id, sizeof(id));
	if (!p->fw) {
		vg_fwplat_close(p);
		return -1;
	}
	return 0;
}

void vg_fwplat_close(struct vg_fwplat *p)
{
	fw_free(p->fw);
	rng_free(p->rng);
	free(p->mem);
	secure_free(p->spi, p->spi_len);
	memset(p, 0, sizeof(*p));
}

uint32_t vg_fwplat_cmd(struct vg_fwplat *p, uint32_t cmd, void *buf)
{
	return fw_command(p->fw, cmd, buf, &p->fm);
}
