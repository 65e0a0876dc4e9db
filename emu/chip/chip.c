#include "emu/chip/chip.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/chip/amdroot.h"
#include "emu/crypto/symm.h"
#include "emu/nv/tlv.h"

#define ID_KIND  NV_KIND('I', 'D', 'N', 'T')
#define SPI_KIND NV_KIND('S', 'P', 'I', 'F')
#define SEED_MAX 256

enum {
	T_CUK = 1,
	T_SEEDED,
	T_SEED,
	T_BOOTS,
	T_ARK,
	T_ASK,
	T_CEK,
	T_FUSED,
	T_CFG_API,   /* api_major, api_minor, build */
	T_CFG_ASIDS, /* max_asid, min_sev_asid, guest_max (le32 each) */
	T_CFG_BITS,  /* cbit, es, two_sockets (one byte each) */
};

struct chip {
	struct nv_store *store;
	struct rng *rng;
	struct fw *fw;
	struct fw_identity id;
	struct fw_config cfg;
	struct amd_cert ark, ask;
	struct sev_cert cek;
	bool seeded;
	uint8_t seed[SEED_MAX];
	size_t seed_len;
	uint64_t boots;
};

/* ---- the SPI flash: the "spi" record of the state directory ------------------------- */

static enum nv_result spi_load(void *ctx, uint8_t **data, size_t *len, char *msg, size_t msglen)
{
	struct chip *c = ctx;
	return nv_store_read(c->store, "spi", SPI_KIND, data, len, msg, msglen);
}

static int spi_save(void *ctx, const uint8_t *data, size_t len, char *msg, size_t msglen)
{
	struct chip *c = ctx;
	return nv_store_write(c->store, "spi", SPI_KIND, data, len, msg, msglen) == NV_OK ? 0 : -1;
}

static int spi_erase(void *ctx, char *msg, size_t msglen)
{
	struct chip *c = ctx;
	return nv_store_remove(c->store, "spi", msg, msglen) == NV_OK ? 0 : -1;
}

/* ---- identity ----------------------------------------------------------------------- */

static int save_identity(struct chip *c, char *msg, size_t msglen)
{
	struct tlv_writer w = { 0 };
	uint8_t api[3] = { c->cfg.api_major, c->cfg.api_minor, c->cfg.build };
	uint32_t asids[3] = { c->cfg.max_asid, c->cfg.min_sev_asid, c->cfg.guest_max };
	uint8_t bits[3] = { (uint8_t)c->cfg.cbit, c->cfg.es, c->cfg.two_sockets };
	enum nv_result r;

	tlv_put(&w, T_CUK, c->id.cuk, sizeof(c->id.cuk));
	tlv_put_u32(&w, T_SEEDED, c->seeded);
	if (c->seeded)
		tlv_put(&w, T_SEED, c->seed, c->seed_len);
	tlv_put_u64(&w, T_BOOTS, c->boots);
	tlv_put(&w, T_ARK, c->ark.raw, c->ark.len);
	tlv_put(&w, T_ASK, c->ask.raw, c->ask.len);
	tlv_put(&w, T_CEK, c->cek.raw, SEV_CERT_LEN);
	tlv_put(&w, T_FUSED, c->id.ark_fused_hash, sizeof(c->id.ark_fused_hash));
	tlv_put(&w, T_CFG_API, api, sizeof(api));
	tlv_put(&w, T_CFG_ASIDS, asids, sizeof(asids));
	tlv_put(&w, T_CFG_BITS, bits, sizeof(bits));
	if (w.failed) {
		tlv_writer_free(&w);
		snprintf(msg, msglen, "out of memory");
		return -1;
	}
	r = nv_store_write(c->store, "identity", ID_KIND, w.p, w.len, msg, msglen);
	tlv_writer_free(&w);
	return r == NV_OK ? 0 : -1;
}

static int load_identity(struct chip *c, const uint8_t *p, size_t n)
{
	const uint8_t *v;
	size_t vlen;
	uint32_t seeded, asids[3];
	uint8_t api[3], bits[3];
	const char *why;

	if (tlv_check(p, n) || tlv_get(p, n, T_CUK, c->id.cuk, sizeof(c->id.cuk)) ||
	    tlv_get_u32(p, n, T_SEEDED, &seeded) || tlv_get_u64(p, n, T_BOOTS, &c->boots) ||
	    tlv_get(p, n, T_CEK, c->cek.raw, SEV_CERT_LEN) ||
	    tlv_get(p, n, T_FUSED, c->id.ark_fused_hash, sizeof(c->id.ark_fused_hash)) ||
	    tlv_get(p, n, T_CFG_API, api, sizeof(api)) || tlv_get(p, n, T_CFG_ASIDS, asids, sizeof(asids)) ||
	    tlv_get(p, n, T_CFG_BITS, bits, sizeof(bits)))
		return -1;
	if (!(v = tlv_find(p, n, T_ARK, &vlen)) || amd_cert_parse(v, vlen, &c->ark, &why) != vlen)
		return -1;
	if (!(v = tlv_find(p, n, T_ASK, &vlen)) || amd_cert_parse(v, vlen, &c->ask, &why) != vlen)
		return -1;
	c->seeded = seeded != 0;
	if (c->seeded) {
		if (!(v = tlv_find(p, n, T_SEED, &vlen)) || !vlen || vlen > SEED_MAX)
			return -1;
		memcpy(c->seed, v, vlen);
		c->seed_len = vlen;
	}
	fw_config_default(&c->cfg);
	c->cfg.api_major = api[0];
	c->cfg.api_minor = api[1];
	c->cfg.build = api[2];
	c->cfg.max_asid = asids[0];
	c->cfg.min_sev_asid = asids[1];
	c->cfg.guest_max = asids[2];
	c->cfg.cbit = bits[0];
	c->cfg.es = bits[1];
	c->cfg.two_sockets = bits[2];
	return 0;
}

/* Manufacturing: a chip-unique key, the CEK the firmware will derive from it, signed
 * by the ASK of the product's root. */
static int manufacture(struct chip *c, const struct chip_opts *o, struct rng *master, char *msg, size_t msglen)
{
	char rootdir[PATH_MAX];
	struct amd_root *root = NULL;
	struct rng *rrng;
	EVP_PKEY *cek = NULL;
	enum nv_result r;
	int rc = -1;

	if (o->root_dir)
		snprintf(rootdir, sizeof(rootdir), "%s", o->root_dir);
	else if (c->seeded)
		snprintf(rootdir, sizeof(rootdir), "%s/amd-root", o->state_dir);
	else if (amd_root_default_dir(rootdir, sizeof(rootdir)) != 0) {
		snprintf(msg, msglen, "no AMD root directory: set SWSEV_ROOT_DIR or HOME");
		return -1;
	}
	rrng = rng_derive(master, "swsev-amd-root");
	r = rrng ? amd_root_open(rootdir, rrng, &root, msg, msglen) : NV_IO;
	rng_free(rrng);
	if (r != NV_OK)
		return -1;
	c->ark = *amd_root_ark(root);
	c->ask = *amd_root_ask(root);
	if (amd_cert_fused_hash(&c->ark, c->id.ark_fused_hash) != 0 || rng_bytes(master, c->id.cuk, sizeof(c->id.cuk)) ||
	    !(cek = fw_cek_from_cuk(c->id.cuk)) ||
	    sev_cert_build(&c->cek, c->cfg.api_major, c->cfg.api_minor, SEV_USAGE_CEK, SEV_ALGO_ECDSA_SHA256, cek) ||
	    amd_root_sign_cek(root, &c->cek, master)) {
		snprintf(msg, msglen, "manufacturing the emulated chip failed");
		goto out;
	}
	c->boots = 0;
	rc = 0;
out:
	EVP_PKEY_free(cek);
	amd_root_free(root);
	return rc;
}

static void boot_pers(char *out, size_t len, uint64_t boots)
{
	snprintf(out, len, "swsev-boot-%llu", (unsigned long long)boots);
}

int chip_open(const struct chip_opts *o, struct chip **out, char *msg, size_t msglen)
{
	struct chip *c = calloc(1, sizeof(*c));
	struct rng *master = NULL;
	uint8_t *data = NULL;
	size_t len = 0;
	enum nv_result r;
	char pers[64];
	struct fw_spi spi;

	*out = NULL;
	if (!c) {
		snprintf(msg, msglen, "out of memory");
		return -1;
	}
	if (o->seed && (o->seed_len == 0 || o->seed_len > SEED_MAX)) {
		snprintf(msg, msglen, "seed must be 1..%d bytes", SEED_MAX);
		goto fail;
	}
	r = nv_store_open(o->state_dir, o->create, &c->store, msg, msglen);
	if (r != NV_OK)
		goto fail;

	r = nv_store_read(c->store, "identity", ID_KIND, &data, &len, msg, msglen);
	if (r == NV_OK) {
		int bad = load_identity(c, data, len);
		secure_free(data, len);
		if (bad) {
			snprintf(msg, msglen, "%s/identity: not a valid chip identity; not touching it", o->state_dir);
			goto fail;
		}
		if (o->seed && (!c->seeded || c->seed_len != o->seed_len || memcmp(c->seed, o->seed, o->seed_len))) {
			snprintf(msg, msglen, "%s holds a chip made %s; --seed does not match it", o->state_dir,
				 c->seeded ? "from another seed" : "from OS randomness (not deterministic)");
			goto fail;
		}
	} else if (r == NV_NOENT && o->create) {
		c->cfg = o->cfg ? *o->cfg : (fw_config_default(&c->cfg), c->cfg);
		c->seeded = o->seed != NULL;
		if (c->seeded) {
			memcpy(c->seed, o->seed, o->seed_len);
			c->seed_len = o->seed_len;
		}
		master = c->seeded ? rng_new_seeded(c->seed, c->seed_len, "swsev-chip") : rng_new_os();
		if (!master || manufacture(c, o, master, msg, msglen) != 0)
			goto fail;
	} else {
		if (r == NV_NOENT)
			snprintf(msg, msglen, "%s has no emulated chip (create it first)", o->state_dir);
		goto fail;
	}

	/* Power-on: a boot counter keeps a seeded chip's draws distinct from one run to
	 * the next while staying reproducible. */
	c->boots++;
	if (save_identity(c, msg, msglen) != 0)
		goto fail;
	boot_pers(pers, sizeof(pers), c->boots);
	c->rng = c->seeded ? rng_new_seeded(c->seed, c->seed_len, pers) : rng_new_os();
	spi = (struct fw_spi){ spi_load, spi_save, spi_erase, c };
	if (!c->rng || !(c->fw = fw_new(&c->cfg, &c->id, &spi, c->rng))) {
		snprintf(msg, msglen, "cannot start the emulated firmware (configuration invalid?)");
		goto fail;
	}
	rng_free(master);
	*out = c;
	return 0;
fail:
	rng_free(master);
	chip_close(c);
	return -1;
}

void chip_close(struct chip *c)
{
	if (!c)
		return;
	fw_free(c->fw);
	rng_free(c->rng);
	nv_store_close(c->store);
	secure_zero(c, sizeof(*c));
	free(c);
}

struct fw *chip_fw(struct chip *c)
{
	return c->fw;
}

const char *chip_state_dir(const struct chip *c)
{
	return nv_store_dir(c->store);
}

bool chip_seeded(const struct chip *c)
{
	return c->seeded;
}

uint64_t chip_boots(const struct chip *c)
{
	return c->boots;
}

const struct amd_cert *chip_ark(const struct chip *c)
{
	return &c->ark;
}

const struct amd_cert *chip_ask(const struct chip *c)
{
	return &c->ask;
}

const struct sev_cert *chip_cek(const struct chip *c)
{
	return &c->cek;
}
