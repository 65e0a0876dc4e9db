/* The SEV certificate codec and the firmware's validation rules (spec §5.2, §5.3;
 * [FW] sev_cert.c).  Validation follows the firmware's order exactly, because the
 * order decides which status a doubly-broken certificate gets. */
#include "emu/cert/sev_cert.h"

#include <openssl/core_names.h>
#include <string.h>

#include "emu/crypto/pkey.h"
#include "emu/crypto/symm.h"
#include "emu/crypto/symm_internal.h"
#include "emu/fw/status.h"
#include "emu/util/bytes.h"

#define SLOT_USAGE 0
#define SLOT_ALGO  4
#define SLOT_SIG   8
#define RSA_FIELD  0x200 /* exponent and modulus fields, bytes */
#define RSA_MAX_BITS (RSA_FIELD * 8)

_Static_assert(SEV_CERT_OFF_SIG(1) + 8 + SEV_CERT_SIG_LEN == SEV_CERT_LEN, "slot layout");

static uint32_t set_why(const char **why, const char *msg, uint32_t status)
{
	if (why)
		*why = msg;
	return status;
}

void sev_pubkey_clear(struct sev_pubkey *pk)
{
	if (!pk)
		return;
	EVP_PKEY_free(pk->key);
	pk->key = NULL;
	pk->usage = SEV_USAGE_INVALID;
	pk->algo = SEV_ALGO_INVALID;
}

uint32_t sev_cert_version(const struct sev_cert *c)
{
	return le32_get(c->raw + SEV_CERT_OFF_VERSION);
}

uint8_t sev_cert_api_major(const struct sev_cert *c)
{
	return c->raw[SEV_CERT_OFF_API_MAJOR];
}

uint8_t sev_cert_api_minor(const struct sev_cert *c)
{
	return c->raw[SEV_CERT_OFF_API_MINOR];
}

uint32_t sev_cert_usage(const struct sev_cert *c)
{
	return le32_get(c->raw + SEV_CERT_OFF_USAGE);
}

uint32_t sev_cert_algo(const struct sev_cert *c)
{
	return le32_get(c->raw + SEV_CERT_OFF_ALGO);
}

static const uint8_t *slot_ptr(const struct sev_cert *c, int slot)
{
	return c->raw + SEV_CERT_OFF_SIG(slot);
}

uint32_t sev_cert_sig_usage(const struct sev_cert *c, int slot)
{
	if (slot < 0 || slot > 1)
		return SEV_USAGE_INVALID;
	return le32_get(slot_ptr(c, slot) + SLOT_USAGE);
}

uint32_t sev_cert_sig_algo(const struct sev_cert *c, int slot)
{
	if (slot < 0 || slot > 1)
		return SEV_ALGO_INVALID;
	return le32_get(slot_ptr(c, slot) + SLOT_ALGO);
}

const char *sev_usage_name(uint32_t usage)
{
	switch (usage) {
	case SEV_USAGE_ARK: return "ARK";
	case SEV_USAGE_ASK: return "ASK";
	case SEV_USAGE_INVALID: return "INVALID";
	case SEV_USAGE_OCA: return "OCA";
	case SEV_USAGE_PEK: return "PEK";
	case SEV_USAGE_PDH: return "PDH";
	case SEV_USAGE_CEK: return "CEK";
	default: return "UNKNOWN";
	}
}

const char *sev_algo_name(uint32_t algo)
{
	switch (algo) {
	case SEV_ALGO_INVALID: return "INVALID";
	case SEV_ALGO_RSA_SHA256: return "RSA_SHA256";
	case SEV_ALGO_ECDSA_SHA256: return "ECDSA_SHA256";
	case SEV_ALGO_ECDH_SHA256: return "ECDH_SHA256";
	case SEV_ALGO_RSA_SHA384: return "RSA_SHA384";
	case SEV_ALGO_ECDSA_SHA384: return "ECDSA_SHA384";
	case SEV_ALGO_ECDH_SHA384: return "ECDH_SHA384";
	default: return "UNKNOWN";
	}
}

/* The key usages the firmware accepts in a public key ([FW] usage_is_valid):
 * 0x1000 only ever marks an empty signature slot. */
static int usage_valid(uint32_t usage)
{
	switch (usage) {
	case SEV_USAGE_ARK:
	case SEV_USAGE_ASK:
	case SEV_USAGE_OCA:
	case SEV_USAGE_PEK:
	case SEV_USAGE_PDH:
	case SEV_USAGE_CEK:
		return 1;
	default:
		return 0;
	}
}

static int algo_is_rsa(uint32_t algo)
{
	return algo == SEV_ALGO_RSA_SHA256 || algo == SEV_ALGO_RSA_SHA384;
}

static int algo_is_ecdsa(uint32_t algo)
{
	return algo == SEV_ALGO_ECDSA_SHA256 || algo == SEV_ALGO_ECDSA_SHA384;
}

static int algo_is_ec(uint32_t algo)
{
	return algo_is_ecdsa(algo) || algo == SEV_ALGO_ECDH_SHA256 || algo == SEV_ALGO_ECDH_SHA384;
}

/* The signer's algorithm names the hash: SHA-384 for the 0x10x codes. */
static const EVP_MD *algo_md(uint32_t algo)
{
	return (algo & 0x100) ? symm_sha384_md() : symm_sha256_md();
}

static int is_p384(EVP_PKEY *k)
{
	char name[32];
	size_t n = 0;

	return EVP_PKEY_is_a(k, "EC") &&
	       EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof(name), &n) &&
	       strcmp(name, "secp384r1") == 0;
}

/* [FW] pubkey_is_valid for an already-decoded key. */
static int pubkey_valid(const struct sev_pubkey *pk)
{
	if (!pk || !pk->key || !usage_valid(pk->usage))
		return 0;
	if (algo_is_rsa(pk->algo))
		return EVP_PKEY_is_a(pk->key, "RSA") && rsa_bits(pk->key) <= RSA_MAX_BITS;
	if (algo_is_ec(pk->algo))
		return is_p384(pk->key);
	return 0;
}

uint32_t sev_cert_pubkey(const struct sev_cert *c, struct sev_pubkey *out, const char **why)
{
	uint32_t usage = sev_cert_usage(c), algo = sev_cert_algo(c);
	const uint8_t *pk = c->raw + SEV_CERT_OFF_PUBKEY;
	EVP_PKEY *key = NULL;

	out->key = NULL;
	out->usage = usage;
	out->algo = algo;
	if (!usage_valid(usage))
		return set_why(why, "the public key usage is not ARK, ASK, OCA, PEK, PDH or CEK",
			       SEV_STATUS_INVALID_CERTIFICATE);
	if (algo_is_rsa(algo)) {
		uint32_t bits = le32_get(pk);

		if (bits == 0 || bits > RSA_MAX_BITS || bits % 8)
			return set_why(why, "the RSA modulus size is not a whole number of bytes up to 4096 bits",
				       SEV_STATUS_INVALID_CERTIFICATE);
		key = rsa_from_le(c->raw + SEV_CERT_OFF_RSA_MOD, bits / 8, c->raw + SEV_CERT_OFF_RSA_EXP,
				  bits / 8);
		if (!key)
			return set_why(why, "the RSA public key is unusable", SEV_STATUS_INVALID_CERTIFICATE);
	} else if (algo_is_ec(algo)) {
		if (le32_get(pk) != SEV_EC_CURVE_P384)
			return set_why(why, "the EC curve is not P-384 (2)", SEV_STATUS_INVALID_CERTIFICATE);
		key = ec_p384_from_sev_point(c->raw + SEV_CERT_OFF_EC_QX, c->raw + SEV_CERT_OFF_EC_QY);
		if (!key)
			return set_why(why, "the EC public key is not a point on P-384 (or its padding is not zero)",
				       SEV_STATUS_INVALID_CERTIFICATE);
	} else {
		return set_why(why, "the public key algorithm is unknown", SEV_STATUS_INVALID_CERTIFICATE);
	}
	out->key = key;
	return SEV_STATUS_SUCCESS;
}

uint32_t sev_cert_validate_body(const struct sev_cert *c, const char **why)
{
	struct sev_pubkey pk;
	uint32_t st;

	if (sev_cert_version(c) != 1)
		return set_why(why, "the certificate version is not 1", SEV_STATUS_INVALID_CERTIFICATE);
	st = sev_cert_pubkey(c, &pk, why);
	sev_pubkey_clear(&pk);
	return st;
}

int sev_cert_build(struct sev_cert *c, uint8_t api_major, uint8_t api_minor, uint32_t usage,
		   uint32_t algo, EVP_PKEY *pub)
{
	uint8_t *pk;

	if (!c || !pub)
		return -1;
	pk = c->raw + SEV_CERT_OFF_PUBKEY;
	memset(c->raw, 0, sizeof(c->raw));
	le32_put(c->raw + SEV_CERT_OFF_VERSION, 1);
	c->raw[SEV_CERT_OFF_API_MAJOR] = api_major;
	c->raw[SEV_CERT_OFF_API_MINOR] = api_minor;
	le32_put(c->raw + SEV_CERT_OFF_USAGE, usage);
	le32_put(c->raw + SEV_CERT_OFF_ALGO, algo);
	if (algo_is_ec(algo)) {
		le32_put(pk, SEV_EC_CURVE_P384);
		if (!is_p384(pub) ||
		    ec_p384_to_sev_point(pub, c->raw + SEV_CERT_OFF_EC_QX, c->raw + SEV_CERT_OFF_EC_QY))
			goto fail;
	} else if (algo_is_rsa(algo)) {
		unsigned bits = rsa_bits(pub);

		if (!EVP_PKEY_is_a(pub, "RSA") || bits == 0 || bits > RSA_MAX_BITS || bits % 8)
			goto fail;
		le32_put(pk, bits);
		if (rsa_to_le(pub, c->raw + SEV_CERT_OFF_RSA_MOD, RSA_FIELD, c->raw + SEV_CERT_OFF_RSA_EXP,
			      RSA_FIELD))
			goto fail;
	} else {
		goto fail;
	}
	sev_cert_clear_sig(c, 0);
	sev_cert_clear_sig(c, 1);
	return 0;
fail:
	memset(c->raw, 0, sizeof(c->raw));
	return -1;
}

void sev_cert_clear_sig(struct sev_cert *c, int slot)
{
	uint8_t *s;

	if (slot < 0 || slot > 1)
		return;
	s = c->raw + SEV_CERT_OFF_SIG(slot);
	memset(s, 0, 8 + SEV_CERT_SIG_LEN);
	le32_put(s + SLOT_USAGE, SEV_USAGE_INVALID);
	le32_put(s + SLOT_ALGO, SEV_ALGO_INVALID);
}

int sev_cert_empty_slot(const struct sev_cert *c)
{
	for (int i = 0; i < 2; i++)
		if (sev_cert_sig_usage(c, i) == SEV_USAGE_INVALID && sev_cert_sig_algo(c, i) == SEV_ALGO_INVALID)
			return i;
	return -1;
}

int sev_cert_sign(struct sev_cert *c, int slot, uint32_t signer_usage, uint32_t signer_algo,
		  EVP_PKEY *signer_priv, struct rng *rng)
{
	uint8_t sig[SEV_CERT_SIG_LEN] = { 0 };
	uint8_t *s;

	if (!c || slot < 0 || slot > 1 || !signer_priv)
		return -1;
	if (algo_is_ecdsa(signer_algo)) {
		uint8_t dg[48];
		int dlen = signer_algo == SEV_ALGO_ECDSA_SHA384 ? 48 : 32;
		int rc = dlen == 48 ? sha384(c->raw, SEV_CERT_BODY_LEN, dg) : sha256(c->raw, SEV_CERT_BODY_LEN, dg);

		if (rc || ec_p384_sign_digest(signer_priv, rng, dg, (size_t)dlen, sig, sig + SEV_COORD_LEN))
			return -1;
	} else if (algo_is_rsa(signer_algo)) {
		size_t k = (rsa_bits(signer_priv) + 7) / 8;

		if (k == 0 || k > sizeof(sig) ||
		    rsa_pss_sign(signer_priv, rng, algo_md(signer_algo), c->raw, SEV_CERT_BODY_LEN, sig, k))
			return -1;
		bytes_reverse(sig, k); /* stored little-endian */
	} else {
		return -1; /* ECDH keys cannot sign */
	}
	s = c->raw + SEV_CERT_OFF_SIG(slot);
	le32_put(s + SLOT_USAGE, signer_usage);
	le32_put(s + SLOT_ALGO, signer_algo);
	memcpy(s + SLOT_SIG, sig, sizeof(sig));
	return 0;
}

/* Verifies one slot against the signer: SUCCESS, BAD_SIGNATURE, or UNSUPPORTED for a
 * signer whose algorithm cannot sign (the firmware's default case). */
static uint32_t verify_slot(const struct sev_cert *c, const uint8_t *sig, const struct sev_pubkey *signer)
{
	if (algo_is_rsa(signer->algo)) {
		size_t k = (rsa_bits(signer->key) + 7) / 8;
		uint8_t be[SEV_CERT_SIG_LEN];
		int ok;

		if (k == 0 || k > sizeof(be))
			return SEV_STATUS_BAD_SIGNATURE;
		memcpy(be, sig, k);
		bytes_reverse(be, k);
		ok = rsa_pss_verify(signer->key, algo_md(signer->algo), c->raw, SEV_CERT_BODY_LEN, be, k);
		return ok == 1 ? SEV_STATUS_SUCCESS : SEV_STATUS_BAD_SIGNATURE;
	}
	if (algo_is_ecdsa(signer->algo)) {
		uint8_t dg[48];
		int dlen = signer->algo == SEV_ALGO_ECDSA_SHA384 ? 48 : 32;
		int rc = dlen == 48 ? sha384(c->raw, SEV_CERT_BODY_LEN, dg) : sha256(c->raw, SEV_CERT_BODY_LEN, dg);

		if (rc)
			return SEV_STATUS_BAD_SIGNATURE;
		return ec_p384_verify_digest(signer->key, dg, (size_t)dlen, sig, sig + SEV_COORD_LEN) == 1
			       ? SEV_STATUS_SUCCESS
			       : SEV_STATUS_BAD_SIGNATURE;
	}
	return SEV_STATUS_UNSUPPORTED;
}

/* [FW] sev_cert_validate_sig: a malformed slot ends the walk at once; a slot whose
 * (usage, algo) is the signer's is verified and its result becomes the status (a
 * failed slot may be followed by a good one: same usage, different parent); no
 * matching slot leaves INVALID_CERTIFICATE. */
static uint32_t validate_sig(const struct sev_cert *c, const struct sev_pubkey *signer, const char **why)
{
	static const char *const malformed[2] = {
		"signature slot 1 is malformed (exactly one of usage 0x1000 and algo 0)",
		"signature slot 2 is malformed (exactly one of usage 0x1000 and algo 0)",
	};
	uint32_t st = set_why(why, "no signature slot carries the signer's usage and algorithm",
			      SEV_STATUS_INVALID_CERTIFICATE);

	for (int i = 0; i < 2; i++) {
		uint32_t usage = sev_cert_sig_usage(c, i), algo = sev_cert_sig_algo(c, i);

		if ((algo == SEV_ALGO_INVALID) != (usage == SEV_USAGE_INVALID))
			return set_why(why, malformed[i], SEV_STATUS_BAD_SIGNATURE);
		if (algo != signer->algo || usage != signer->usage)
			continue;
		st = verify_slot(c, slot_ptr(c, i) + SLOT_SIG, signer);
		if (st == SEV_STATUS_SUCCESS)
			continue;
		if (st == SEV_STATUS_BAD_SIGNATURE) {
			set_why(why, "the signature by the signer's key does not verify", st);
			continue;
		}
		return set_why(why, "the signer's algorithm cannot sign", st);
	}
	return st;
}

/* [FW] sev_cert_validate's parent rule, by the certificate's own usage. */
static uint32_t parent_rule(uint32_t usage, uint32_t signer, const char **why)
{
	switch (usage) {
	case SEV_USAGE_PDH:
		if (signer != SEV_USAGE_PEK)
			return set_why(why, "a PDH certificate must be signed by the PEK",
				       SEV_STATUS_INVALID_CERTIFICATE);
		break;
	case SEV_USAGE_PEK:
		if (signer != SEV_USAGE_OCA && signer != SEV_USAGE_CEK)
			return set_why(why, "a PEK certificate must be signed by the OCA or the CEK",
				       SEV_STATUS_INVALID_CERTIFICATE);
		break;
	case SEV_USAGE_OCA:
		if (signer != SEV_USAGE_OCA)
			return set_why(why, "an OCA certificate must be self-signed",
				       SEV_STATUS_INVALID_CERTIFICATE);
		break;
	case SEV_USAGE_CEK:
		if (signer != SEV_USAGE_ASK)
			return set_why(why, "a CEK certificate must be signed by the ASK",
				       SEV_STATUS_INVALID_CERTIFICATE);
		break;
	default:
		return set_why(why, "a certificate of this usage cannot be validated against a signer",
			       SEV_STATUS_INVALID_CERTIFICATE);
	}
	return SEV_STATUS_SUCCESS;
}

uint32_t sev_cert_validate(const struct sev_cert *c, const struct sev_pubkey *signer, const char **why)
{
	uint32_t st;

	if (!c || !pubkey_valid(signer))
		return set_why(why, "the signing key is not a valid SEV public key", SEV_STATUS_INVALID_CERTIFICATE);
	st = validate_sig(c, signer, why);
	if (st != SEV_STATUS_SUCCESS)
		return st;
	st = sev_cert_validate_body(c, why);
	if (st != SEV_STATUS_SUCCESS)
		return st;
	return parent_rule(sev_cert_usage(c), signer->usage, why);
}

uint32_t sev_cert_validate_by(const struct sev_cert *c, const struct sev_cert *signer, const char **why)
{
	struct sev_pubkey pk;
	uint32_t st;

	if (!c || !signer)
		return set_why(why, "no certificate", SEV_STATUS_INVALID_CERTIFICATE);
	/* An unusable signer key is the firmware's "signing key invalid" case. */
	if (sev_cert_pubkey(signer, &pk, NULL) != SEV_STATUS_SUCCESS) {
		sev_pubkey_clear(&pk);
		return set_why(why, "the signing certificate's public key is not valid",
			       SEV_STATUS_INVALID_CERTIFICATE);
	}
	st = sev_cert_validate(c, &pk, why);
	sev_pubkey_clear(&pk);
	return st;
}

uint32_t sev_cert_sanity_dh(const struct sev_cert *c, const char **why)
{
	uint32_t st;

	if (!c)
		return set_why(why, "no certificate", SEV_STATUS_INVALID_CERTIFICATE);
	st = sev_cert_validate_body(c, why);
	if (st != SEV_STATUS_SUCCESS)
		return st;
	if (sev_cert_usage(c) != SEV_USAGE_PDH || sev_cert_algo(c) != SEV_ALGO_ECDH_SHA256)
		return set_why(why, "a DH certificate must have usage PDH (0x1003) and algo ECDH_SHA256 (0x3)",
			       SEV_STATUS_INVALID_CERTIFICATE);
	return SEV_STATUS_SUCCESS;
}
