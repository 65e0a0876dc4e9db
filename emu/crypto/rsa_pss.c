/* RSA-PSS as AMD certificates use it: MGF1 with the message digest, salt length =
 * digest length.
 *
 * Signing must be reproducible for a seeded rng, but OpenSSL draws PSS salts from
 * its own DRBG; so the EMSA-PSS encoding (RFC 8017 9.1.1) is done here with a salt
 * from the rng, and only the raw private-key operation is left to OpenSSL.
 * Verification is OpenSSL's PSS verifier, so the encoding is checked independently. */
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <stdlib.h>
#include <string.h>

#include "emu/crypto/pkey.h"
#include "emu/crypto/symm.h"
#include "emu/util/bytes.h"

#define MAX_HASH 64

static int digest(const EVP_MD *md, const struct iov *v, size_t nv, uint8_t *out)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok = c && EVP_DigestInit_ex2(c, md, NULL);

	for (size_t i = 0; ok && i < nv; i++)
		ok = v[i].n == 0 || EVP_DigestUpdate(c, v[i].p, v[i].n);
	ok = ok && EVP_DigestFinal_ex(c, out, NULL);
	EVP_MD_CTX_free(c);
	return ok ? 0 : -1;
}

/* mask ^= MGF1(seed) over len bytes. */
static int mgf1_xor(const EVP_MD *md, size_t hlen, const uint8_t *seed, uint8_t *mask, size_t len)
{
	uint8_t ctr[4], t[MAX_HASH];

	for (uint32_t i = 0; len; i++) {
		struct iov v[] = { { seed, hlen }, { ctr, 4 } };
		size_t n = len < hlen ? len : hlen;

		be32_put(ctr, i);
		if (digest(md, v, 2, t))
			return -1;
		for (size_t j = 0; j < n; j++)
			mask[j] ^= t[j];
		mask += n;
		len -= n;
	}
	return 0;
}

/* EM for emBits = modBits - 1, written right-aligned into the k-byte block. */
static int emsa_pss_encode(const EVP_MD *md, size_t hlen, const uint8_t *mhash, const uint8_t *salt,
			   unsigned mod_bits, uint8_t *block, size_t k)
{
	static const uint8_t zeros[8];
	unsigned em_bits = mod_bits - 1;
	size_t em_len = (em_bits + 7) / 8, db_len;
	uint8_t *em = block + (k - em_len), *h;
	struct iov v[] = { { zeros, 8 }, { mhash, hlen }, { salt, hlen } };

	if (em_len < 2 * hlen + 2 || em_len > k)
		return -1;
	memset(block, 0, k);
	db_len = em_len - hlen - 1;
	h = em + db_len;
	if (digest(md, v, 3, h))
		return -1;
	/* DB = PS (zeros) || 0x01 || salt, then masked. */
	em[db_len - hlen - 1] = 0x01;
	memcpy(em + db_len - hlen, salt, hlen);
	if (mgf1_xor(md, hlen, h, em, db_len))
		return -1;
	em[0] &= (uint8_t)(0xFF >> (8 * em_len - em_bits));
	em[em_len - 1] = 0xBC;
	return 0;
}

int rsa_pss_sign(EVP_PKEY *priv, struct rng *rng, const EVP_MD *md, const void *msg, size_t len,
		 uint8_t *sig_be, size_t sig_len)
{
	unsigned mod_bits = rsa_bits(priv);
	int hl = md ? EVP_MD_get_size(md) : 0;
	size_t k = (mod_bits + 7) / 8, hlen = hl > 0 ? (size_t)hl : 0, outl = sig_len;
	uint8_t mhash[MAX_HASH], salt[MAX_HASH], *block = NULL;
	struct iov v = { msg, len };
	EVP_PKEY_CTX *c = NULL;
	int rc = -1;

	if (!priv || !sig_be || hlen == 0 || hlen > MAX_HASH || mod_bits < 1024 || sig_len != k)
		return -1;
	block = malloc(k);
	if (!block || digest(md, &v, 1, mhash) || rng_bytes(rng, salt, hlen) ||
	    emsa_pss_encode(md, hlen, mhash, salt, mod_bits, block, k))
		goto out;
	c = EVP_PKEY_CTX_new_from_pkey(NULL, priv, NULL);
	if (!c || EVP_PKEY_sign_init(c) <= 0 || EVP_PKEY_CTX_set_rsa_padding(c, RSA_NO_PADDING) <= 0 ||
	    EVP_PKEY_sign(c, sig_be, &outl, block, k) <= 0 || outl != k)
		goto out;
	rc = 0;
out:
	if (rc)
		ERR_clear_error();
	EVP_PKEY_CTX_free(c);
	secure_free(block, k);
	secure_zero(salt, sizeof(salt));
	return rc;
}

int rsa_pss_verify(EVP_PKEY *pub, const EVP_MD *md, const void *msg, size_t len,
		   const uint8_t *sig_be, size_t sig_len)
{
	int hl = md ? EVP_MD_get_size(md) : 0;
	uint8_t mhash[MAX_HASH];
	struct iov v = { msg, len };
	EVP_PKEY_CTX *c = NULL;
	int rc = -1;

	if (!pub || !sig_be || hl <= 0 || hl > MAX_HASH || digest(md, &v, 1, mhash))
		return -1;
	c = EVP_PKEY_CTX_new_from_pkey(NULL, pub, NULL);
	if (!c || EVP_PKEY_verify_init(c) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PSS_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_signature_md(c, md) <= 0 || EVP_PKEY_CTX_set_rsa_mgf1_md(c, md) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(c, hl) <= 0)
		goto out;
	rc = EVP_PKEY_verify(c, sig_be, sig_len, mhash, (size_t)hl) == 1 ? 1 : 0;
out:
	ERR_clear_error();
	EVP_PKEY_CTX_free(c);
	return rc;
}
