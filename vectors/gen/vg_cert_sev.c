/* cert-sev.txt: SEV certificates (spec §5.2, §5.3): a chain signed here (OCA, CEK by
 * an RSA ASK in the Rome and Naples forms, PEK by OCA and CEK, PDH by PEK) with every
 * signature reproducible from its seed, then one certificate per tampered field with
 * the status the firmware's sev_cert_validate returns for it ([FW] sev_cert.c: the
 * signer's key, then the signature slots, then the body, then the parent rule), and
 * the DH sanity check LAUNCH_START / RECEIVE_START apply to a peer's DH certificate. */
#include <stdio.h>
#include <string.h>

#include "emu/crypto/pkey.h"
#include "emu/fw/status.h"
#include "emu/util/bytes.h"
#include "vectors/gen/vg_kinds.h"

#define API_MAJOR 0
#define API_MINOR 24
#define SEED_LEN 16

struct signer {
	EVP_PKEY *key;
	uint32_t usage, algo;
};

struct set {
	EVP_PKEY *oca, *pek, *pdh, *cek, *cek2k, *pek2, *ask4k, *ask2k;
	struct amd_cert ask4k_c, ask2k_c;
	struct sev_cert oca_c, pek_c, pdh_c, cek_c, cek2k_c, pek2_c;
	/* how each slot 0 / slot 1 signature of pdh_c was made, for re-signing */
	uint8_t seed[SEED_LEN];
};

static void free_set(struct set *s)
{
	EVP_PKEY *k[] = { s->oca, s->pek, s->pdh, s->cek, s->cek2k, s->pek2, s->ask4k, s->ask2k };

	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++)
		EVP_PKEY_free(k[i]);
}

/* Signs slot with a fresh seed from the input stream; sg (may be NULL) records how. */
static int sign(struct vg *g, struct sev_cert *c, int slot, const struct signer *by, uint8_t seed[SEED_LEN],
		struct vgk_sign *sg)
{
	struct rng *r;
	int rc;

	if (vg_draw(g, seed, SEED_LEN))
		return -1;
	r = vgk_sign_rng(seed, SEED_LEN);
	rc = !r || sev_cert_sign(c, slot, by->usage, by->algo, by->key, r);
	rng_free(r);
	if (rc)
		return vg_fail(g, "signing failed");
	if (sg)
		*sg = (struct vgk_sign){ slot, by->key, seed, SEED_LEN };
	return 0;
}

static int ec_key(struct vg *g, EVP_PKEY **k)
{
	*k = ec_p384_generate(vg_rng(g));
	return *k ? 0 : vg_fail(g, "EC key generation failed");
}

/* An ASK in the AMD format: only its key matters to sev_cert_validate. */
static int ask_cert(struct vg *g, EVP_PKEY **k, unsigned bits, struct amd_cert *c)
{
	uint8_t id[16], ark_id[16];

	*k = rsa_generate(vg_rng(g), bits);
	if (!*k || vg_draw(g, id, 16) || vg_draw(g, ark_id, 16) || amd_cert_build(c, id, ark_id, 0x13, *k))
		return vg_fail(g, "RSA-%u ASK generation failed", bits);
	return 0;
}

static const struct signer *sg_of(struct signer *s, EVP_PKEY *k, uint32_t usage, uint32_t algo)
{
	*s = (struct signer){ k, usage, algo };
	return s;
}

static int build(struct vg *g, struct sev_cert *c, uint32_t usage, uint32_t algo, EVP_PKEY *k)
{
	return sev_cert_build(c, API_MAJOR, API_MINOR, usage, algo, k) ? vg_fail(g, "certificate build failed") : 0;
}

static int positives(struct vg *g, struct vw *w, struct set *s)
{
	uint8_t seeds[7][SEED_LEN];
	struct vgk_sign sg[7];
	struct signer by;

	vw_comment(w, "\nA chain signed here.  Keys from the input stream (P-384 as in ecdh.txt; RSA ASKs\n"
		      "from candidates drawn from it).  Each signature: an rng seeded with sign_seed\n"
		      "(README \"signatures\") gave the ECDSA nonce ecdsa_k or the PSS salt pss_salt.");
	if (ec_key(g, &s->oca) || ec_key(g, &s->pek) || ec_key(g, &s->pdh) || ec_key(g, &s->cek) || ec_key(g, &s->cek2k) ||
	    ec_key(g, &s->pek2) || ask_cert(g, &s->ask4k, 4096, &s->ask4k_c) || ask_cert(g, &s->ask2k, 2048, &s->ask2k_c))
		return -1;
	if (build(g, &s->oca_c, SEV_USAGE_OCA, SEV_ALGO_ECDSA_SHA256, s->oca) ||
	    sign(g, &s->oca_c, 0, sg_of(&by, s->oca, SEV_USAGE_OCA, SEV_ALGO_ECDSA_SHA256), seeds[0], &sg[0]) ||
	    build(g, &s->cek_c, SEV_USAGE_CEK, SEV_ALGO_ECDSA_SHA256, s->cek) ||
	    sign(g, &s->cek_c, 0, sg_of(&by, s->ask4k, SEV_USAGE_ASK, SEV_ALGO_RSA_SHA384), seeds[1], &sg[1]) ||
	    build(g, &s->cek2k_c, SEV_USAGE_CEK, SEV_ALGO_ECDSA_SHA256, s->cek2k) ||
	    sign(g, &s->cek2k_c, 0, sg_of(&by, s->ask2k, SEV_USAGE_ASK, SEV_ALGO_RSA_SHA256), seeds[2], &sg[2]) ||
	    build(g, &s->pek_c, SEV_USAGE_PEK, SEV_ALGO_ECDSA_SHA256, s->pek) ||
	    sign(g, &s->pek_c, 0, sg_of(&by, s->oca, SEV_USAGE_OCA, SEV_ALGO_ECDSA_SHA256), seeds[3], &sg[3]) ||
	    sign(g, &s->pek_c, 1, sg_of(&by, s->cek, SEV_USAGE_CEK, SEV_ALGO_ECDSA_SHA256), seeds[4], &sg[4]) ||
	    build(g, &s->pdh_c, SEV_USAGE_PDH, SEV_ALGO_ECDH_SHA256, s->pdh) ||
	    sign(g, &s->pdh_c, 0, sg_of(&by, s->pek, SEV_USAGE_PEK, SEV_ALGO_ECDSA_SHA256), seeds[5], &sg[5]) ||
	    build(g, &s->pek2_c, SEV_USAGE_PEK, SEV_ALGO_ECDSA_SHA256, s->pek2) ||
	    sign(g, &s->pek2_c, 0, sg_of(&by, s->oca, SEV_USAGE_OCA, SEV_ALGO_ECDSA_SHA256), seeds[6], &sg[6]))
		return -1;
	return vgk_sev_cert(g, w, "oca-self-signed", &s->oca_c, &s->oca_c, NULL, 0, &sg[0], NULL) ||
	       vgk_sev_cert(g, w, "cek-by-ask-rsa-sha384", &s->cek_c, NULL, &s->ask4k_c, 0, &sg[1], NULL) ||
	       vgk_sev_cert(g, w, "cek-by-ask-rsa-sha256", &s->cek2k_c, NULL, &s->ask2k_c, 0, &sg[2], NULL) ||
	       vgk_sev_cert(g, w, "pek-by-oca", &s->pek_c, &s->oca_c, NULL, 0, &sg[3], NULL) ||
	       vgk_sev_cert(g, w, "pek-by-cek", &s->pek_c, &s->cek_c, NULL, 0, &sg[4], NULL) ||
	       vgk_sev_cert(g, w, "pdh-by-pek", &s->pdh_c, &s->pek_c, NULL, 0, &sg[5], NULL)
		       ? -1
		       : 0;
}

/* One tampered PDH: edit, optionally re-sign slot 0 with the PEK, validate against signer. */
typedef void (*edit_fn)(struct sev_cert *c);

static int tampered(struct vg *g, struct vw *w, struct set *s, const char *id, const char *what, edit_fn edit,
		    int resign, const struct sev_cert *signer, uint32_t status)
{
	struct sev_cert c = s->pdh_c;
	struct signer by = { s->pek, SEV_USAGE_PEK, SEV_ALGO_ECDSA_SHA256 };
	uint8_t seed[SEED_LEN];
	struct vgk_sign sg = { -1, NULL, NULL, 0 };

	edit(&c);
	if (resign && sign(g, &c, 0, &by, seed, &sg))
		return -1;
	vw_comment(w, "\n%s%s", what, resign ? ", re-signed by the PEK" : "");
	return vgk_sev_cert(g, w, id, &c, signer ? signer : &s->pek_c, NULL, status, resign ? &sg : NULL, NULL);
}

static void e_version(struct sev_cert *c) { le32_put(c->raw + SEV_CERT_OFF_VERSION, 2); }
static void e_api(struct sev_cert *c) { c->raw[SEV_CERT_OFF_API_MINOR] = 17; }
static void e_reserved(struct sev_cert *c) { c->raw[6] = 0x5a; }
static void e_usage_unknown(struct sev_cert *c) { le32_put(c->raw + SEV_CERT_OFF_USAGE, 0x1005); }
static void e_usage_oca(struct sev_cert *c) { le32_put(c->raw + SEV_CERT_OFF_USAGE, SEV_USAGE_OCA); }
static void e_usage_pek(struct sev_cert *c) { le32_put(c->raw + SEV_CERT_OFF_USAGE, SEV_USAGE_PEK); }
static void e_algo_unknown(struct sev_cert *c) { le32_put(c->raw + SEV_CERT_OFF_ALGO, 0x7); }
static void e_algo_ecdsa(struct sev_cert *c) { le32_put(c->raw + SEV_CERT_OFF_ALGO, SEV_ALGO_ECDSA_SHA256); }
static void e_curve(struct sev_cert *c) { le32_put(c->raw + SEV_CERT_OFF_EC_CURVE, 1); }
static void e_point(struct sev_cert *c) { c->raw[SEV_CERT_OFF_EC_QX] ^= 0x01; }
static void e_unused_key(struct sev_cert *c) { c->raw[0x200] = 0x01; }
static void e_sig_usage_invalid(struct sev_cert *c) { le32_put(c->raw + SEV_CERT_OFF_SIG(0), SEV_USAGE_INVALID); }
static void e_sig_algo_invalid(struct sev_cert *c) { le32_put(c->raw + SEV_CERT_OFF_SIG(0) + 4, SEV_ALGO_INVALID); }
static void e_sig_usage_oca(struct sev_cert *c) { le32_put(c->raw + SEV_CERT_OFF_SIG(0), SEV_USAGE_OCA); }
static void e_sig_algo_384(struct sev_cert *c) { le32_put(c->raw + SEV_CERT_OFF_SIG(0) + 4, SEV_ALGO_ECDSA_SHA384); }
static void e_sig_r(struct sev_cert *c) { c->raw[SEV_CERT_OFF_SIG(0) + 8 + 3] ^= 0x20; }
static void e_sig_s_zero(struct sev_cert *c) { memset(c->raw + SEV_CERT_OFF_SIG(0) + 8 + 72, 0, 72); }
static void e_sig_r_pad(struct sev_cert *c) { c->raw[SEV_CERT_OFF_SIG(0) + 8 + 60] = 0x01; }
static void e_sig_tail(struct sev_cert *c) { c->raw[SEV_CERT_OFF_SIG(0) + 8 + 144 + 10] = 0x01; }
static void e_slot2_malformed(struct sev_cert *c)
{
	le32_put(c->raw + SEV_CERT_OFF_SIG(1) + 4, SEV_ALGO_ECDSA_SHA256);
}
static void e_none(struct sev_cert *c) { (void)c; }

struct tcase {
	const char *id, *what;
	edit_fn edit;
	int resign;
	uint32_t status;
};

static const struct tcase tcases[] = {
	{ "version-2", "version 2", e_version, 0, SEV_STATUS_BAD_SIGNATURE },
	{ "version-2-resigned", "version 2", e_version, 1, SEV_STATUS_INVALID_CERTIFICATE },
	{ "api-version-changed", "api_minor 17 (API version)", e_api, 0, SEV_STATUS_BAD_SIGNATURE },
	{ "api-version-changed-resigned", "api_minor 17: the API version is not checked", e_api, 1, SEV_STATUS_SUCCESS },
	{ "reserved-nonzero-resigned", "reserved byte 0x006 set: reserved bytes are not checked", e_reserved, 1,
	  SEV_STATUS_SUCCESS },
	{ "pubkey-usage-unknown-resigned", "public key usage 0x1005 (unknown)", e_usage_unknown, 1,
	  SEV_STATUS_INVALID_CERTIFICATE },
	{ "pubkey-usage-oca-resigned", "public key usage OCA: an OCA must be self-signed", e_usage_oca, 1,
	  SEV_STATUS_INVALID_CERTIFICATE },
	{ "pubkey-usage-pek-resigned", "public key usage PEK: a PEK must be signed by the OCA or the CEK", e_usage_pek, 1,
	  SEV_STATUS_INVALID_CERTIFICATE },
	{ "pubkey-algo-unknown-resigned", "public key algo 0x7 (unknown)", e_algo_unknown, 1, SEV_STATUS_INVALID_CERTIFICATE },
	{ "pubkey-algo-ecdsa-resigned",
	  "public key algo ECDSA_SHA256 on a PDH: validation does not tie the algo to the usage\n"
	  "(the DH sanity check does: see sev-cert-dh:algo-ecdsa)",
	  e_algo_ecdsa, 1, SEV_STATUS_SUCCESS },
	{ "pubkey-curve-1-resigned", "EC curve 1 (only P-384, 2, is accepted)", e_curve, 1, SEV_STATUS_INVALID_CERTIFICATE },
	{ "pubkey-off-curve", "Qx changed: the point is not on P-384", e_point, 0, SEV_STATUS_BAD_SIGNATURE },
	{ "pubkey-off-curve-resigned", "Qx changed: the point is not on P-384", e_point, 1, SEV_STATUS_INVALID_CERTIFICATE },
	{ "pubkey-unused-bytes-resigned", "a byte of the unused key area (0xa4..0x413) set: not checked", e_unused_key, 1,
	  SEV_STATUS_SUCCESS },
	{ "sig1-usage-empty", "slot 1 usage 0x1000 with algo 2: a malformed slot", e_sig_usage_invalid, 0,
	  SEV_STATUS_BAD_SIGNATURE },
	{ "sig1-algo-empty", "slot 1 algo 0 with usage PEK: a malformed slot", e_sig_algo_invalid, 0, SEV_STATUS_BAD_SIGNATURE },
	{ "sig1-usage-oca", "slot 1 usage OCA: no slot names the signer (PEK/ECDSA_SHA256)", e_sig_usage_oca, 0,
	  SEV_STATUS_INVALID_CERTIFICATE },
	{ "sig1-algo-ecdsa-sha384", "slot 1 algo ECDSA_SHA384: no slot names the signer", e_sig_algo_384, 0,
	  SEV_STATUS_INVALID_CERTIFICATE },
	{ "sig1-r-flipped", "a bit of r flipped", e_sig_r, 0, SEV_STATUS_BAD_SIGNATURE },
	{ "sig1-s-zero", "s = 0", e_sig_s_zero, 0, SEV_STATUS_BAD_SIGNATURE },
	{ "sig1-r-padding-set", "a byte of r's 72-byte field above the 48 significant ones set", e_sig_r_pad, 0,
	  SEV_STATUS_BAD_SIGNATURE },
	{ "sig1-slot-tail-set", "a byte after r and s in the 512-byte slot set: not read", e_sig_tail, 0, SEV_STATUS_SUCCESS },
	{ "sig2-malformed", "slot 2 usage 0x1000 with algo 2 (slot 1 good): the malformed slot ends the walk",
	  e_slot2_malformed, 0, SEV_STATUS_BAD_SIGNATURE },
};

static int slots(struct vg *g, struct vw *w, struct set *s)
{
	struct sev_cert c = s->pdh_c, good = s->pdh_c;
	struct signer by = { s->pek, SEV_USAGE_PEK, SEV_ALGO_ECDSA_SHA256 };
	uint8_t seed[SEED_LEN];
	struct vgk_sign sg;

	/* Both slots by the PEK: the last matching slot decides. */
	if (sign(g, &good, 1, &by, seed, &sg))
		return -1;
	c = good;
	c.raw[SEV_CERT_OFF_SIG(0) + 8] ^= 0x01;
	vw_comment(w, "\nboth slots by the PEK, slot 1 broken, slot 2 good: the last matching slot decides");
	if (vgk_sev_cert(g, w, "sig1-bad-sig2-good", &c, &s->pek_c, NULL, SEV_STATUS_SUCCESS, &sg, NULL))
		return -1;
	c = good;
	c.raw[SEV_CERT_OFF_SIG(1) + 8] ^= 0x01;
	vw_comment(w, "\nboth slots by the PEK, slot 1 good, slot 2 broken");
	return vgk_sev_cert(g, w, "sig1-good-sig2-bad", &c, &s->pek_c, NULL, SEV_STATUS_BAD_SIGNATURE, NULL, NULL);
}

static int signers(struct vg *g, struct vw *w, struct set *s)
{
	struct sev_cert bad_pek = s->pek_c, c;

	vw_comment(w, "\n\nThe right certificate against the wrong signer.");
	if (tampered(g, w, s, "signer-other-pek", "the PDH against another PEK (same usage and algo)", e_none, 0, &s->pek2_c,
		     SEV_STATUS_BAD_SIGNATURE) ||
	    tampered(g, w, s, "signer-oca", "the PDH against the OCA: no slot names OCA/ECDSA_SHA256", e_none, 0, &s->oca_c,
		     SEV_STATUS_INVALID_CERTIFICATE))
		return -1;
	le32_put(bad_pek.raw + SEV_CERT_OFF_EC_CURVE, 1);
	if (tampered(g, w, s, "signer-key-invalid", "the PDH against a PEK whose key has curve 1: the signer is invalid",
		     e_none, 0, &bad_pek, SEV_STATUS_INVALID_CERTIFICATE))
		return -1;
	vw_comment(w, "\nthe PEK against the PDH: a PDH key is a valid signer key, but no slot names\n"
		      "PDH/ECDH_SHA256");
	if (vgk_sev_cert(g, w, "pek-by-pdh", &s->pek_c, &s->pdh_c, NULL, SEV_STATUS_INVALID_CERTIFICATE, NULL, NULL))
		return -1;
	vw_comment(w, "\nthe Rome-form CEK (slot 0x13/0x101) against the 2048-bit ASK, which signs as 0x13/0x001");
	if (vgk_sev_cert(g, w, "cek-by-other-ask", &s->cek_c, NULL, &s->ask2k_c, SEV_STATUS_INVALID_CERTIFICATE, NULL, NULL))
		return -1;
	c = s->cek_c;
	c.raw[SEV_CERT_OFF_SIG(0) + 8 + 100] ^= 0x01;
	vw_comment(w, "\nthe CEK with a bit of its RSA-PSS signature flipped");
	if (vgk_sev_cert(g, w, "cek-rsa-sig-flipped", &c, NULL, &s->ask4k_c, SEV_STATUS_BAD_SIGNATURE, NULL, NULL))
		return -1;
	c = s->cek_c;
	le32_put(c.raw + SEV_CERT_OFF_SIG(0) + 4, SEV_ALGO_RSA_SHA256);
	vw_comment(w, "\nthe CEK's slot says RSA_SHA256 but the 4096-bit ASK signs as RSA_SHA384");
	return vgk_sev_cert(g, w, "cek-sig-algo-rsa-sha256", &c, NULL, &s->ask4k_c, SEV_STATUS_INVALID_CERTIFICATE, NULL, NULL);
}

/* The guest owner's DH certificate as LAUNCH_START sees it. */
static int dh_checks(struct vg *g, struct vw *w, struct set *s)
{
	struct sev_cert c;
	EVP_PKEY *k = ec_p384_generate(vg_rng(g));
	int rc = -1;

	vw_comment(w, "\n\nThe DH sanity check of a peer's DH certificate (LAUNCH_START's GODH, RECEIVE_START's\n"
		      "source PDH): version 1, a valid key, usage PDH (0x1003), algo ECDH_SHA256 (0x3); no\n"
		      "signature is checked.  Failure: INVALID_CERTIFICATE (0x06).");
	if (!k || build(g, &c, SEV_USAGE_PDH, SEV_ALGO_ECDH_SHA256, k)) {
		vg_fail(g, "GODH build failed");
		goto out;
	}
	c.raw[SEV_CERT_OFF_API_MAJOR] = c.raw[SEV_CERT_OFF_API_MINOR] = 0;
	if (vgk_sev_cert_dh(g, w, "godh-unsigned", &c, SEV_STATUS_SUCCESS) ||
	    vgk_sev_cert_dh(g, w, "platform-pdh", &s->pdh_c, SEV_STATUS_SUCCESS))
		goto out;
	{
		static const struct {
			const char *id;
			edit_fn edit;
		} bad[] = { { "usage-pek", e_usage_pek }, { "algo-ecdsa", e_algo_ecdsa }, { "version-2", e_version },
			    { "curve-1", e_curve }, { "off-curve", e_point } };
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			struct sev_cert t = c;

			bad[i].edit(&t);
			if (vgk_sev_cert_dh(g, w, bad[i].id, &t, SEV_STATUS_INVALID_CERTIFICATE))
				goto out;
		}
	}
	{
		struct sev_cert t = c;

		le32_put(t.raw + SEV_CERT_OFF_ALGO, SEV_ALGO_ECDH_SHA384);
		rc = vgk_sev_cert_dh(g, w, "algo-ecdh-sha384", &t, SEV_STATUS_INVALID_CERTIFICATE);
	}
out:
	EVP_PKEY_free(k);
	return rc;
}

int vg_gen_cert_sev(struct vg *g, struct vw *w)
{
	struct set s;
	int rc = -1;

	memset(&s, 0, sizeof(s));
	vw_comment(w, "\nEach case: the certificate, the signer's certificate (signer) or, for a CEK, the\n"
		      "ASK in the AMD format (signer_amd), and the status sev_cert_validate(cert, signer's\n"
		      "key) returns.  The firmware applies it in PEK_CERT_IMPORT (OCA by itself, PEK by the\n"
		      "OCA), SEND_START (policy SEV: CEK by the ASK, PEK by the CEK, PDH by the PEK; policy\n"
		      "DOMAIN: OCA, PEK by the OCA, PDH by the PEK) and returns the status as the command's.");
	if (positives(g, w, &s))
		goto out;
	vw_comment(w, "\n\nOne field of the PDH above changed at a time, validated against the PEK.  The\n"
		      "signature is checked before anything else in the certificate, so an edit that is\n"
		      "not re-signed gives BAD_SIGNATURE (0x0a); re-signed, the field's own check decides.");
	for (size_t i = 0; i < sizeof(tcases) / sizeof(tcases[0]); i++) {
		const struct tcase *t = &tcases[i];

		if (tampered(g, w, &s, t->id, t->what, t->edit, t->resign, NULL, t->status))
			goto out;
	}
	if (slots(g, w, &s) || signers(g, w, &s))
		goto out;
	rc = dh_checks(g, w, &s);
out:
	free_set(&s);
	return rc;
}
