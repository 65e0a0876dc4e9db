#include "emu/crypto/symm.h"

#include <limits.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <pthread.h>
#include <stdlib.h>

#include "emu/crypto/symm_internal.h"

/* Fetching an algorithm walks the provider's tables and takes locks; these run for
 * every packet and every KDF block, so fetch each one once per process. */
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;
static EVP_MD *md_sha256, *md_sha384;
static EVP_MAC *mac_hmac;
static EVP_CIPHER *ciph_ctr, *ciph_ecb;

static void fetch_all(void)
{
	md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	md_sha384 = EVP_MD_fetch(NULL, "SHA384", NULL);
	mac_hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	ciph_ctr = EVP_CIPHER_fetch(NULL, "AES-128-CTR", NULL);
	ciph_ecb = EVP_CIPHER_fetch(NULL, "AES-128-ECB", NULL);
}

const EVP_MD *symm_sha256_md(void)
{
	pthread_once(&fetch_once, fetch_all);
	return md_sha256;
}

const EVP_MD *symm_sha384_md(void)
{
	pthread_once(&fetch_once, fetch_all);
	return md_sha384;
}

EVP_MAC *symm_hmac_mac(void)
{
	pthread_once(&fetch_once, fetch_all);
	return mac_hmac;
}

const EVP_CIPHER *symm_aes128_ctr(void)
{
	pthread_once(&fetch_once, fetch_all);
	return ciph_ctr;
}

const EVP_CIPHER *symm_aes128_ecb(void)
{
	pthread_once(&fetch_once, fetch_all);
	return ciph_ecb;
}

static int digest_iov(const EVP_MD *md, const struct iov *v, size_t nv, uint8_t *out)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok = c && md && EVP_DigestInit_ex2(c, md, NULL);

	for (size_t i = 0; ok && i < nv; i++)
		ok = v[i].n == 0 || EVP_DigestUpdate(c, v[i].p, v[i].n);
	ok = ok && EVP_DigestFinal_ex(c, out, NULL);
	EVP_MD_CTX_free(c);
	return ok ? 0 : -1;
}

int sha256(const void *msg, size_t len, uint8_t out[32])
{
	struct iov v = { msg, len };

	return digest_iov(symm_sha256_md(), &v, 1, out);
}

int sha384(const void *msg, size_t len, uint8_t out[48])
{
	struct iov v = { msg, len };

	return digest_iov(symm_sha384_md(), &v, 1, out);
}

int sha256_iov(const struct iov *v, size_t nv, uint8_t out[32])
{
	return digest_iov(symm_sha256_md(), v, nv, out);
}

struct sha256_ctx {
	EVP_MD_CTX *md;
};

struct sha256_ctx *sha256_ctx_new(void)
{
	struct sha256_ctx *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->md = EVP_MD_CTX_new();
	if (!c->md || !symm_sha256_md() || !EVP_DigestInit_ex2(c->md, symm_sha256_md(), NULL)) {
		sha256_ctx_free(c);
		return NULL;
	}
	return c;
}

int sha256_ctx_update(struct sha256_ctx *c, const void *p, size_t n)
{
	return c && c->md && EVP_DigestUpdate(c->md, p, n) ? 0 : -1;
}

int sha256_ctx_final(struct sha256_ctx *c, uint8_t out[32])
{
	int ok = c && c->md && EVP_DigestFinal_ex(c->md, out, NULL);

	/* A finalized EVP_MD_CTX cannot be updated again; drop it so misuse fails
	 * loudly instead of hashing garbage. */
	if (c) {
		EVP_MD_CTX_free(c->md);
		c->md = NULL;
	}
	return ok ? 0 : -1;
}

struct sha256_ctx *sha256_ctx_dup(const struct sha256_ctx *c)
{
	struct sha256_ctx *d;

	if (!c || !c->md)
		return NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	/* EVP_MD_CTX_dup only exists from OpenSSL 3.1. */
	d->md = EVP_MD_CTX_new();
	if (!d->md || !EVP_MD_CTX_copy_ex(d->md, c->md)) {
		EVP_MD_CTX_free(d->md);
		free(d);
		return NULL;
	}
	return d;
}

void sha256_ctx_free(struct sha256_ctx *c)
{
	if (!c)
		return;
	EVP_MD_CTX_free(c->md); /* cleanses the digest state */
	free(c);
}

EVP_MAC_CTX *symm_hmac_ctx_new(const uint8_t *key, size_t klen)
{
	EVP_MAC *mac = symm_hmac_mac();
	EVP_MAC_CTX *c = mac ? EVP_MAC_CTX_new(mac) : NULL;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
		OSSL_PARAM_construct_end(),
	};
	/* HMAC pads short keys with zeros; an empty key needs a valid pointer. */
	static const uint8_t nokey[1];

	if (!c)
		return NULL;
	if (!EVP_MAC_init(c, klen ? key : nokey, klen, params)) {
		EVP_MAC_CTX_free(c);
		return NULL;
	}
	return c;
}

int hmac_sha256_iov(const uint8_t *key, size_t klen, const struct iov *v, size_t nv, uint8_t out[32])
{
	EVP_MAC_CTX *c = symm_hmac_ctx_new(key, klen);
	size_t outl = 0;
	int ok = c != NULL;

	for (size_t i = 0; ok && i < nv; i++)
		ok = v[i].n == 0 || EVP_MAC_update(c, v[i].p, v[i].n);
	ok = ok && EVP_MAC_final(c, out, &outl, 32) && outl == 32;
	EVP_MAC_CTX_free(c); /* cleanses the keyed state */
	return ok ? 0 : -1;
}

int hmac_sha256(const uint8_t *key, size_t klen, const void *msg, size_t len, uint8_t out[32])
{
	struct iov v = { msg, len };

	return hmac_sha256_iov(key, klen, &v, 1, out);
}

int symm_cipher_update(EVP_CIPHER_CTX *c, const void *in, void *out, size_t len)
{
	const uint8_t *ip = in;
	uint8_t *op = out;

	/* EVP lengths are int; chunk so callers may pass any size_t. */
	while (len) {
		int n = len > (size_t)(INT_MAX & ~15) ? (INT_MAX & ~15) : (int)len;
		int outl = 0;

		if (!EVP_EncryptUpdate(c, op, &outl, ip, n) || outl != n)
			return -1;
		ip += n;
		op += n;
		len -= (size_t)n;
	}
	return 0;
}

int aes128_ctr(const uint8_t key[16], const uint8_t iv[16], const void *in, void *out, size_t len)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int rc = -1;

	if (c && symm_aes128_ctr() && EVP_EncryptInit_ex2(c, symm_aes128_ctr(), key, iv, NULL))
		rc = symm_cipher_update(c, in, out, len);
	EVP_CIPHER_CTX_free(c); /* cleanses the key schedule */
	return rc;
}

bool ct_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

void secure_zero(void *p, size_t n)
{
	if (p && n)
		OPENSSL_cleanse(p, n);
}

void secure_free(void *p, size_t n)
{
	if (!p)
		return;
	OPENSSL_cleanse(p, n);
	free(p);
}
