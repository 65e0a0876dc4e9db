/* The AMD certificate codec (spec §5.4; [FW] amd_cert.c).  Validation keeps the
 * firmware's order: signature first, then the fixed fields, then usage and the
 * certifying id, then (ARK) the fused root hash.
 *
 * Hash choice: the published (Genoa) firmware hard-codes SHA-384, which cannot
 * verify the 2048-bit Naples root; every real 2048-bit AMD certificate is signed
 * with SHA-256 and every 4096-bit one with SHA-384, so the hash follows the
 * signer's modulus size here. */
#include "emu/cert/amd_cert.h"

#include <string.h>

#include "emu/crypto/pkey.h"
#include "emu/crypto/symm.h"
#include "emu/crypto/symm_internal.h"
#include "emu/fw/status.h"
#include "emu/util/bytes.h"

static uint32_t set_why(const char **why, const char *msg, uint32_t status)
{
	if (why)
		*why = msg;
	return status;
}

static int bits_valid(uint32_t bits)
{
	return bits == 2048 || bits == 4096;
}

size_t amd_cert_len_for(uint32_t exp_bits, uint32_t mod_bits)
{
	if (!bits_valid(exp_bits) || !bits_valid(mod_bits))
		return 0;
	return AMD_CERT_HDR_LEN + exp_bits / 8 + 2 * (size_t)(mod_bits / 8);
}

uint32_t amd_cert_version(const struct amd_cert *c)
{
	return le32_get(c->raw + AMD_CERT_OFF_VERSION);
}

uint32_t amd_cert_usage(const struct amd_cert *c)
{
	return le32_get(c->raw + AMD_CERT_OFF_USAGE);
}

uint32_t amd_cert_exp_bits(const struct amd_cert *c)
{
	return le32_get(c->raw + AMD_CERT_OFF_EXP_BITS);
}

uint32_t amd_cert_mod_bits(const struct amd_cert *c)
{
	return le32_get(c->raw + AMD_CERT_OFF_MOD_BITS);
}

const uint8_t *amd_cert_key_id(const struct amd_cert *c)
{
	return c->raw + AMD_CERT_OFF_KEY_ID;
}

const uint8_t *amd_cert_certifying_id(const struct amd_cert *c)
{
	return c->raw + AMD_CERT_OFF_CERTIFYING_ID;
}

size_t amd_cert_signed_len(const struct amd_cert *c)
{
	return AMD_CERT_HDR_LEN + amd_cert_exp_bits(c) / 8 + amd_cert_mod_bits(c) / 8;
}

static const uint8_t *exp_ptr(const struct amd_cert *c)
{
	return c->raw + AMD_CERT_HDR_LEN;
}

static const uint8_t *mod_ptr(const struct amd_cert *c)
{
	return exp_ptr(c) + amd_cert_exp_bits(c) / 8;
}

static const uint8_t *sig_ptr(const struct amd_cert *c)
{
	return mod_ptr(c) + amd_cert_mod_bits(c) / 8;
}

size_t amd_cert_parse(const uint8_t *buf, size_t avail, struct amd_cert *out, const char **why)
{
	size_t len;

	if (!buf || !out || avail < AMD_CERT_HDR_LEN) {
		set_why(why, "the AMD certificate is shorter than its 64-byte header", 0);
		return 0;
	}
	if (le32_get(buf + AMD_CERT_OFF_VERSION) != 1) {
		set_why(why, "the AMD certificate version is not 1", 0);
		return 0;
	}
	len = amd_cert_len_for(le32_get(buf + AMD_CERT_OFF_EXP_BITS), le32_get(buf + AMD_CERT_OFF_MOD_BITS));
	if (len == 0) {
		set_why(why, "the AMD certificate key sizes are not 2048 or 4096 bits", 0);
		return 0;
	}
	if (len > avail) {
		set_why(why, "the AMD certificate is truncated (shorter than its key sizes imply)", 0);
		return 0;
	}
	memset(out, 0, sizeof(*out));
	memcpy(out->raw, buf, len);
	out->len = len;
	return len;
}

const EVP_MD *amd_cert_md(const struct amd_cert *c)
{
	return amd_cert_mod_bits(c) == 2048 ? symm_sha256_md() : symm_sha384_md();
}

int amd_cert_pubkey(const struct amd_cert *c, EVP_PKEY **out)
{
	if (!c || !out || !amd_cert_len_for(amd_cert_exp_bits(c), amd_cert_mod_bits(c)))
		return -1;
	*out = rsa_from_le(mod_ptr(c), amd_cert_mod_bits(c) / 8, exp_ptr(c), amd_cert_exp_bits(c) / 8);
	return *out ? 0 : -1;
}

int amd_cert_fused_hash(const struct amd_cert *ark, uint8_t out[48])
{
	if (!ark || !amd_cert_len_for(amd_cert_exp_bits(ark), amd_cert_mod_bits(ark)))
		return -1;
	return sha384(ark->raw, amd_cert_signed_len(ark), out);
}

int amd_cert_build(struct amd_cert *c, const uint8_t key_id[16], const uint8_t certifying_id[16],
		   uint32_t usage, EVP_PKEY *pub)
{
	unsigned bits = rsa_bits(pub);
	uint8_t *exp, *mod;

	if (!c || !key_id || !certifying_id || !pub || !EVP_PKEY_is_a(pub, "RSA") || !bits_valid(bits))
		return -1;
	memset(c, 0, sizeof(*c));
	le32_put(c->raw + AMD_CERT_OFF_VERSION, 1);
	memcpy(c->raw + AMD_CERT_OFF_KEY_ID, key_id, AMD_KEY_ID_LEN);
	memcpy(c->raw + AMD_CERT_OFF_CERTIFYING_ID, certifying_id, AMD_KEY_ID_LEN);
	le32_put(c->raw + AMD_CERT_OFF_USAGE, usage);
	/* The exponent field is as wide as the modulus, as in every real AMD cert. */
	le32_put(c->raw + AMD_CERT_OFF_EXP_BITS, bits);
	le32_put(c->raw + AMD_CERT_OFF_MOD_BITS, bits);
	exp = c->raw + AMD_CERT_HDR_LEN;
	mod = exp + bits / 8;
	if (rsa_to_le(pub, mod, bits / 8, exp, bits / 8)) {
		memset(c, 0, sizeof(*c));
		return -1;
	}
	c->len = amd_cert_len_for(bits, bits);
	return 0;
}

int amd_cert_sign(struct amd_cert *c, EVP_PKEY *signer, struct rng *rng)
{
	size_t k = (rsa_bits(signer) + 7) / 8;
	uint8_t *sig;

	if (!c || !signer || !amd_cert_len_for(amd_cert_exp_bits(c), amd_cert_mod_bits(c)))
		return -1;
	/* The signature field is as wide as the certificate's own modulus; only a signer
	 * of the same size can fill it (true of every real ARK/ASK pair). */
	if (k != amd_cert_mod_bits(c) / 8)
		return -1;
	sig = (uint8_t *)sig_ptr(c);
	if (rsa_pss_sign(signer, rng, k == 256 ? symm_sha256_md() : symm_sha384_md(), c->raw,
			 amd_cert_signed_len(c), sig, k))
		return -1;
	bytes_reverse(sig, k);
	return 0;
}

/* Signature of c by parent's key, with the parent's hash. */
static uint32_t check_sig(const struct amd_cert *c, const struct amd_cert *parent, const char **why,
			  const char *bad)
{
	size_t k = amd_cert_mod_bits(c) / 8;
	uint8_t be[AMD_CERT_MAX_LEN];
	EVP_PKEY *pk = NULL;
	int ok;

	if (amd_cert_pubkey(parent, &pk))
		return set_why(why, "the signing AMD certificate's RSA key is unusable",
			       SEV_STATUS_INVALID_CERTIFICATE);
	memcpy(be, sig_ptr(c), k);
	bytes_reverse(be, k);
	ok = rsa_pss_verify(pk, amd_cert_md(parent), c->raw, amd_cert_signed_len(c), be, k);
	EVP_PKEY_free(pk);
	return ok == 1 ? SEV_STATUS_SUCCESS : set_why(why, bad, SEV_STATUS_BAD_SIGNATURE);
}

/* [FW] amd_cert_validate_common. */
static uint32_t check_fixed(const struct amd_cert *c, const char **why)
{
	if (amd_cert_version(c) != 1)
		return set_why(why, "the AMD certificate version is not 1", SEV_STATUS_INVALID_CERTIFICATE);
	if (!bits_valid(amd_cert_exp_bits(c)) || !bits_valid(amd_cert_mod_bits(c)))
		return set_why(why, "the AMD certificate key sizes are not 2048 or 4096 bits",
			       SEV_STATUS_INVALID_CERTIFICATE);
	return SEV_STATUS_SUCCESS;
}

uint32_t amd_cert_validate_ark(const struct amd_cert *ark, const uint8_t *fused_hash, const char **why)
{
	uint8_t h[48];
	uint32_t st;

	if (!ark)
		return set_why(why, "no ARK", SEV_STATUS_INVALID_CERTIFICATE);
	/* The sizes locate the signature; without them nothing can be read. */
	if (!amd_cert_len_for(amd_cert_exp_bits(ark), amd_cert_mod_bits(ark)))
		return check_fixed(ark, why);
	st = check_sig(ark, ark, why, "the ARK self-signature does not verify");
	if (st == SEV_STATUS_SUCCESS)
		st = check_fixed(ark, why);
	if (st != SEV_STATUS_SUCCESS)
		return st;
	if (amd_cert_usage(ark) != AMD_USAGE_ARK)
		return set_why(why, "the ARK key usage is not 0x0", SEV_STATUS_INVALID_CERTIFICATE);
	if (memcmp(amd_cert_certifying_id(ark), amd_cert_key_id(ark), AMD_KEY_ID_LEN))
		return set_why(why, "the ARK certifying id is not its own key id", SEV_STATUS_INVALID_CERTIFICATE);
	if (fused_hash) {
		if (amd_cert_fused_hash(ark, h))
			return set_why(why, "the ARK hash cannot be computed", SEV_STATUS_INVALID_CERTIFICATE);
		if (!ct_equal(h, fused_hash, sizeof(h)))
			return set_why(why, "the ARK is not this product's root (fused hash mismatch)",
				       SEV_STATUS_INVALID_CERTIFICATE);
	}
	return SEV_STATUS_SUCCESS;
}

uint32_t amd_cert_validate_ask(const struct amd_cert *ask, const struct amd_cert *ark, const char **why)
{
	uint32_t st;

	if (!ask || !ark)
		return set_why(why, "no ASK or ARK", SEV_STATUS_INVALID_CERTIFICATE);
	if (!amd_cert_len_for(amd_cert_exp_bits(ask), amd_cert_mod_bits(ask)))
		return check_fixed(ask, why);
	if (!amd_cert_len_for(amd_cert_exp_bits(ark), amd_cert_mod_bits(ark)))
		return set_why(why, "the ARK key sizes are not 2048 or 4096 bits", SEV_STATUS_INVALID_CERTIFICATE);
	st = check_sig(ask, ark, why, "the ASK signature by the ARK does not verify");
	if (st == SEV_STATUS_SUCCESS)
		st = check_fixed(ask, why);
	if (st != SEV_STATUS_SUCCESS)
		return st;
	if (amd_cert_usage(ask) != AMD_USAGE_ASK)
		return set_why(why, "the ASK key usage is not 0x13", SEV_STATUS_INVALID_CERTIFICATE);
	if (memcmp(amd_cert_certifying_id(ask), amd_cert_key_id(ark), AMD_KEY_ID_LEN))
		return set_why(why, "the ASK certifying id is not the ARK's key id", SEV_STATUS_INVALID_CERTIFICATE);
	return SEV_STATUS_SUCCESS;
}

uint32_t amd_cert_sev_pubkey(const struct amd_cert *ask, struct sev_pubkey *out, const char **why)
{
	if (!ask || !out)
		return set_why(why, "no ASK", SEV_STATUS_INVALID_CERTIFICATE);
	out->key = NULL;
	out->usage = amd_cert_usage(ask);
	/* [FW] always exports RSA_SHA384; Naples CEKs are signed 0x13/RSA_SHA256 by a
	 * 2048-bit ASK, so the algorithm follows the key size as for the hash. */
	out->algo = amd_cert_mod_bits(ask) == 2048 ? SEV_ALGO_RSA_SHA256 : SEV_ALGO_RSA_SHA384;
	if (amd_cert_pubkey(ask, &out->key))
		return set_why(why, "the ASK RSA key is unusable", SEV_STATUS_INVALID_CERTIFICATE);
	return SEV_STATUS_SUCCESS;
}
