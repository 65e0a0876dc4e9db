/* cert-amd.txt: AMD-format certificates (spec §5.4): an ARK and ASK pair in the Rome+
 * form (RSA-4096, RSA-PSS SHA-384) and in the Naples form (RSA-2048, SHA-256), signed
 * here reproducibly, then one certificate per tampered field with the status of the
 * firmware's amd_cert_validate_ark / _ask ([FW] amd_cert.c: key sizes, signature, then
 * version and sizes, usage and certifying id, then the ARK's fused hash). */
#include <stdio.h>
#include <string.h>

#include "emu/crypto/pkey.h"
#include "emu/fw/status.h"
#include "emu/util/bytes.h"
#include "vectors/gen/vg_kinds.h"

#define SEED_LEN 16

struct root {
	EVP_PKEY *ark_key, *ask_key;
	struct amd_cert ark, ask;
	struct vgk_sign ark_sg, ask_sg;
	uint8_t ark_seed[SEED_LEN], ask_seed[SEED_LEN];
	uint8_t fused[48];
};

static int sign(struct vg *g, struct amd_cert *c, EVP_PKEY *by, uint8_t seed[SEED_LEN], struct vgk_sign *sg)
{
	struct rng *r;
	int bad;

	if (vg_draw(g, seed, SEED_LEN))
		return -1;
	r = vgk_sign_rng(seed, SEED_LEN);
	bad = !r || amd_cert_sign(c, by, r);
	rng_free(r);
	if (bad)
		return vg_fail(g, "RSA-PSS signing failed");
	if (sg)
		*sg = (struct vgk_sign){ 0, by, seed, SEED_LEN };
	return 0;
}

static int make_root(struct vg *g, struct root *r, unsigned bits)
{
	uint8_t ark_id[16], ask_id[16];

	r->ark_key = rsa_generate(vg_rng(g), bits);
	r->ask_key = r->ark_key ? rsa_generate(vg_rng(g), bits) : NULL;
	if (!r->ask_key || vg_draw(g, ark_id, 16) || vg_draw(g, ask_id, 16) ||
	    amd_cert_build(&r->ark, ark_id, ark_id, AMD_USAGE_ARK, r->ark_key) ||
	    amd_cert_build(&r->ask, ask_id, ark_id, AMD_USAGE_ASK, r->ask_key))
		return vg_fail(g, "RSA-%u root generation failed", bits);
	if (sign(g, &r->ark, r->ark_key, r->ark_seed, &r->ark_sg) || sign(g, &r->ask, r->ark_key, r->ask_seed, &r->ask_sg) ||
	    amd_cert_fused_hash(&r->ark, r->fused))
		return vg_fail(g, "RSA-%u root signing failed", bits);
	return 0;
}

static void free_root(struct root *r)
{
	EVP_PKEY_free(r->ark_key);
	EVP_PKEY_free(r->ask_key);
}

typedef void (*edit_fn)(struct amd_cert *c);

static void e_version(struct amd_cert *c) { le32_put(c->raw + AMD_CERT_OFF_VERSION, 2); }
static void e_usage_ask(struct amd_cert *c) { le32_put(c->raw + AMD_CERT_OFF_USAGE, AMD_USAGE_ASK); }
static void e_usage_ark(struct amd_cert *c) { le32_put(c->raw + AMD_CERT_OFF_USAGE, AMD_USAGE_ARK); }
static void e_certifying(struct amd_cert *c) { c->raw[AMD_CERT_OFF_CERTIFYING_ID + 15] ^= 0x01; }
static void e_key_id(struct amd_cert *c)
{
	c->raw[AMD_CERT_OFF_KEY_ID + 15] ^= 0x01;
	c->raw[AMD_CERT_OFF_CERTIFYING_ID + 15] ^= 0x01;
}
static void e_reserved(struct amd_cert *c) { c->raw[0x30] = 0x01; }
static void e_mod_3072(struct amd_cert *c) { le32_put(c->raw + AMD_CERT_OFF_MOD_BITS, 3072); }
static void e_exp_1024(struct amd_cert *c) { le32_put(c->raw + AMD_CERT_OFF_EXP_BITS, 1024); }
static void e_mod_2048(struct amd_cert *c) { le32_put(c->raw + AMD_CERT_OFF_MOD_BITS, 2048); }
static void e_sig(struct amd_cert *c) { c->raw[c->len - 7] ^= 0x10; }

struct tcase {
	const char *id, *what;
	edit_fn edit;
	int resign;
	uint32_t status;
};

static const struct tcase ark_cases[] = {
	{ "version-2", "version 2", e_version, 0, SEV_STATUS_BAD_SIGNATURE },
	{ "version-2-resigned", "version 2", e_version, 1, SEV_STATUS_INVALID_CERTIFICATE },
	{ "usage-ask-resigned", "key_usage 0x13 on the root", e_usage_ask, 1, SEV_STATUS_INVALID_CERTIFICATE },
	{ "certifying-id-resigned", "certifying_id differs from key_id", e_certifying, 1, SEV_STATUS_INVALID_CERTIFICATE },
	{ "key-id", "key_id and certifying_id changed together", e_key_id, 0, SEV_STATUS_BAD_SIGNATURE },
	{ "key-id-resigned", "key_id and certifying_id changed together: the fused hash no longer matches", e_key_id, 1,
	  SEV_STATUS_INVALID_CERTIFICATE },
	{ "modulus-size-3072", "modulus_size 3072 (only 2048 and 4096 exist): refused before the signature", e_mod_3072, 0,
	  SEV_STATUS_INVALID_CERTIFICATE },
	{ "pubexp-size-1024", "pubexp_size 1024", e_exp_1024, 0, SEV_STATUS_INVALID_CERTIFICATE },
	{ "modulus-size-2048", "modulus_size 2048 on a 4096-bit certificate: the fields move, the signature fails",
	  e_mod_2048, 0, SEV_STATUS_BAD_SIGNATURE },
	{ "signature-flipped", "a bit of the signature flipped", e_sig, 0, SEV_STATUS_BAD_SIGNATURE },
};

static const struct tcase ask_cases[] = {
	{ "version-2", "version 2", e_version, 0, SEV_STATUS_BAD_SIGNATURE },
	{ "version-2-resigned", "version 2", e_version, 1, SEV_STATUS_INVALID_CERTIFICATE },
	{ "usage-ark-resigned", "key_usage 0x00 on the ASK", e_usage_ark, 1, SEV_STATUS_INVALID_CERTIFICATE },
	{ "certifying-id-resigned", "certifying_id is not the ARK's key_id", e_certifying, 1, SEV_STATUS_INVALID_CERTIFICATE },
	{ "reserved-resigned", "a reserved byte (0x28..0x37) set: not checked (in an ARK it would change the\n"
	  "fused hash)", e_reserved, 1, SEV_STATUS_SUCCESS },
	{ "modulus-size-3072", "modulus_size 3072", e_mod_3072, 0, SEV_STATUS_INVALID_CERTIFICATE },
	{ "signature-flipped", "a bit of the signature flipped", e_sig, 0, SEV_STATUS_BAD_SIGNATURE },
};

static int tampered(struct vg *g, struct vw *w, struct root *r, int ask, const struct tcase *t)
{
	struct amd_cert c = ask ? r->ask : r->ark;
	uint8_t seed[SEED_LEN];
	struct vgk_sign sg;
	char id[64];

	t->edit(&c);
	if (t->resign && sign(g, &c, r->ark_key, seed, &sg))
		return -1;
	snprintf(id, sizeof(id), "%s-%s", ask ? "ask" : "ark", t->id);
	vw_comment(w, "\n%s%s", t->what, t->resign ? ", re-signed by the ARK" : "");
	return ask ? vgk_amd_ask(g, w, id, &c, &r->ark, t->status, t->resign ? &sg : NULL, NULL)
		   : vgk_amd_ark(g, w, id, &c, r->fused, t->status, t->resign ? &sg : NULL, NULL);
}

int vg_gen_cert_amd(struct vg *g, struct vw *w)
{
	struct root big, small;
	int rc = -1;

	memset(&big, 0, sizeof(big));
	memset(&small, 0, sizeof(small));
	vw_comment(w, "\nARK cases: the certificate, fused_hash (the root the part trusts; absent: any\n"
		      "self-signed root) and the status of the ARK check.  ASK cases: the certificate, the\n"
		      "ARK, and the status of the ASK check.  SEND_START (policy SEV) runs both on its\n"
		      "amd_certs (ASK || ARK) and returns the status.  Signed cases carry the signer's\n"
		      "PKCS#8 key, sign_seed and the PSS salt it gave (README \"signatures\").");
	if (make_root(g, &big, 4096) || make_root(g, &small, 2048))
		goto out;
	vw_comment(w, "\n\nThe Rome+ form: RSA-4096, RSA-PSS with SHA-384, salt 48.");
	if (vgk_amd_ark(g, w, "rome-form-ark", &big.ark, big.fused, 0, &big.ark_sg, NULL) ||
	    vgk_amd_ark(g, w, "rome-form-ark-any-root", &big.ark, NULL, 0, NULL, NULL) ||
	    vgk_amd_ask(g, w, "rome-form-ask", &big.ask, &big.ark, 0, &big.ask_sg, NULL))
		goto out;
	vw_comment(w, "\nThe Naples form: RSA-2048, RSA-PSS with SHA-256, salt 32.");
	if (vgk_amd_ark(g, w, "naples-form-ark", &small.ark, small.fused, 0, &small.ark_sg, NULL) ||
	    vgk_amd_ask(g, w, "naples-form-ask", &small.ask, &small.ark, 0, &small.ask_sg, NULL))
		goto out;
	vw_comment(w, "\n\nThe Rome-form ARK with one field changed, against its own fused hash.");
	for (size_t i = 0; i < sizeof(ark_cases) / sizeof(ark_cases[0]); i++)
		if (tampered(g, w, &big, 0, &ark_cases[i]))
			goto out;
	vw_comment(w, "\nthe right ARK, but the part's fused hash is another root's");
	if (vgk_amd_ark(g, w, "ark-other-root", &big.ark, small.fused, SEV_STATUS_INVALID_CERTIFICATE, NULL, NULL))
		goto out;
	vw_comment(w, "\n\nThe Rome-form ASK with one field changed, against the Rome-form ARK.");
	for (size_t i = 0; i < sizeof(ask_cases) / sizeof(ask_cases[0]); i++)
		if (tampered(g, w, &big, 1, &ask_cases[i]))
			goto out;
	vw_comment(w, "\nthe ASK against another ARK (the Naples-form one)");
	if (vgk_amd_ask(g, w, "ask-other-ark", &big.ask, &small.ark, SEV_STATUS_BAD_SIGNATURE, NULL, NULL))
		goto out;
	rc = 0;
out:
	free_root(&big);
	free_root(&small);
	return rc;
}
