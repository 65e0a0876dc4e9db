/* The trusted roots of verify.h. */
#include <stdio.h>
#include <string.h>

#include "emu/chip/amdroot.h"
#include "emu/fw/status.h"
#include "emu/util/hex.h"
#include "harness/owner/files.h"
#include "harness/owner/verify.h"

/* SHA-384(header || exponent || modulus) of AMD's published ARKs (vectors.md §3,
 * computed from the real certificates in vectors/certs/amd-root). */
static const struct {
	const char *name, *hash;
} amd_roots[] = {
	{ "AMD naples ARK", "bf66a6df42f452d936a91a48943512517147b7d487e9c5b9ad8e53768c93d507e24a5724871ba783b4b5d714d192537f" },
	{ "AMD rome ARK", "3d2c1157c29ef7bd4207fc0c8b08db080e579ceba267f8c93bec8dce73f5a5e2e60d959ac37ea82176c1a0c61ae203ed" },
	{ "AMD milan ARK", "569da618dfe64015c343db6d975e77b72fdeacd16edd02d9d09b889b8f0f1d91ffa5dfbd86f7ac574a1a7883b7a1e737" },
	{ "AMD genoa ARK", "b66e16ff0ebeed57f0c4dffa154872c4156f2e5b1c2f4e66e58fc37f1d2a60d31a342ecb6430a9b2510a970c75c37926" },
	{ "AMD turin ARK", "712a28007da1097e8c4fd3a2e8655012b27e04042323a0a30e111fc0cf698961040c6fc3ff2053abe70432cfef411a0e" },
};

void owner_trust_init(struct owner_trust *t, bool builtin)
{
	memset(t, 0, sizeof(*t));
	if (!builtin)
		return;
	for (size_t i = 0; i < sizeof(amd_roots) / sizeof(amd_roots[0]); i++) {
		hex_decode(amd_roots[i].hash, t->root[t->n].hash, 48);
		snprintf(t->root[t->n].name, sizeof(t->root[t->n].name), "%s", amd_roots[i].name);
		t->n++;
	}
}

int owner_trust_add_hash(struct owner_trust *t, const uint8_t hash[48], const char *name, struct owner_err *e)
{
	if (t->n >= OWNER_TRUST_MAX)
		return owner_fail(e, "too many trusted roots (at most %d)", OWNER_TRUST_MAX);
	memcpy(t->root[t->n].hash, hash, 48);
	snprintf(t->root[t->n].name, sizeof(t->root[t->n].name), "%s", name ? name : "given root");
	t->n++;
	return 0;
}

int owner_trust_add_ark(struct owner_trust *t, const struct amd_cert *ark, const char *name, struct owner_err *e)
{
	const char *why = NULL;
	uint8_t h[48];
	uint32_t st = amd_cert_validate_ark(ark, NULL, &why);

	if (st != SEV_STATUS_SUCCESS)
		return owner_fail_status(e, st, "%s is not a valid root: %s", name ? name : "the ARK", why);
	if (amd_cert_fused_hash(ark, h) != 0)
		return owner_fail(e, "SHA-384 failed");
	return owner_trust_add_hash(t, h, name, e);
}

const char *owner_trust_find(const struct owner_trust *t, const struct amd_cert *ark)
{
	uint8_t h[48];

	if (amd_cert_fused_hash(ark, h) != 0)
		return NULL;
	for (size_t i = 0; i < t->n; i++)
		if (memcmp(t->root[i].hash, h, 48) == 0)
			return t->root[i].name;
	return NULL;
}

int owner_trust_add_ark_file(struct owner_trust *t, const char *path, struct owner_err *e)
{
	struct amd_cert ark;
	char name[96];

	if (owner_read_amd_cert(path, &ark, e))
		return -1;
	snprintf(name, sizeof(name), "ARK %.80s", path);
	return owner_trust_add_ark(t, &ark, name, e);
}

int owner_trust_add_root_dir(struct owner_trust *t, const char *dir, struct owner_err *e)
{
	struct amd_root *r = NULL;
	char msg[512], name[96];
	enum nv_result nr = amd_root_open(dir, NULL, &r, msg, sizeof(msg));
	int rc;

	if (nr != NV_OK)
		return owner_fail(e, "emulated AMD root %s: %s", dir, msg);
	snprintf(name, sizeof(name), "emulated root %.70s", dir);
	rc = owner_trust_add_ark(t, amd_root_ark(r), name, e);
	amd_root_free(r);
	return rc;
}

int owner_trust_add_hex(struct owner_trust *t, const char *hex, struct owner_err *e)
{
	uint8_t h[48];
	char name[96];

	if (strncmp(hex, "0x", 2) == 0)
		hex += 2;
	if (strlen(hex) != 96 || hex_decode(hex, h, sizeof(h)) != 0)
		return owner_fail(e, "'%s' is not a SHA-384 fused hash (96 hex digits)", hex);
	snprintf(name, sizeof(name), "fused hash %.16s...", hex);
	return owner_trust_add_hash(t, h, name, e);
}
