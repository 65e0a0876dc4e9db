/* Key serialization: PKCS#8 DER for persistent state, PEM files for the owner tool.
 * OSSL_ENCODER/OSSL_DECODER are the non-deprecated 3.0 interface and produce the
 * standard structures (PrivateKeyInfo, SubjectPublicKeyInfo). */
#include <errno.h>
#include <fcntl.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emu/crypto/pkey.h"
#include "emu/crypto/symm.h"

#define PEM_MAX (64 * 1024)

static int encode(EVP_PKEY *k, int selection, const char *type, const char *structure, uint8_t **out,
		  size_t *len)
{
	OSSL_ENCODER_CTX *e = OSSL_ENCODER_CTX_new_for_pkey(k, selection, type, structure, NULL);
	unsigned char *data = NULL;
	size_t n = 0;
	int rc = -1;

	if (e && OSSL_ENCODER_CTX_get_num_encoders(e) > 0 && OSSL_ENCODER_to_data(e, &data, &n) && n) {
		/* Hand back plain malloc memory: callers release it with secure_free. */
		*out = malloc(n);
		if (*out) {
			memcpy(*out, data, n);
			*len = n;
			rc = 0;
		}
	}
	if (data)
		OPENSSL_clear_free(data, n);
	OSSL_ENCODER_CTX_free(e);
	ERR_clear_error();
	return rc;
}

int pkey_to_der(EVP_PKEY *k, uint8_t **der, size_t *len)
{
	if (!k || !der || !len)
		return -1;
	return encode(k, EVP_PKEY_KEYPAIR, "DER", "PrivateKeyInfo", der, len);
}

static EVP_PKEY *decode(const uint8_t *data, size_t len, const char *type, int selection)
{
	EVP_PKEY *k = NULL;
	OSSL_DECODER_CTX *d = OSSL_DECODER_CTX_new_for_pkey(&k, type, NULL, NULL, selection, NULL, NULL);
	const unsigned char *p = data;
	size_t left = len;

	if (!d || OSSL_DECODER_CTX_get_num_decoders(d) == 0 || !OSSL_DECODER_from_data(d, &p, &left)) {
		EVP_PKEY_free(k);
		k = NULL;
	}
	OSSL_DECODER_CTX_free(d);
	ERR_clear_error();
	return k;
}

EVP_PKEY *pkey_from_der(const uint8_t *der, size_t len)
{
	if (!der || len == 0)
		return NULL;
	return decode(der, len, "DER", EVP_PKEY_KEYPAIR);
}

int pkey_write_pem(EVP_PKEY *k, const char *path, int private_key)
{
	uint8_t *pem = NULL;
	size_t len = 0;
	int fd, rc = -1;

	if (!k || !path)
		return -1;
	if (encode(k, private_key ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, "PEM",
		   private_key ? "PrivateKeyInfo" : "SubjectPublicKeyInfo", &pem, &len))
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, private_key ? 0600 : 0644);
	if (fd < 0)
		goto out;
	/* An existing file keeps its mode through O_CREAT; a private key must not stay
	 * readable by others. */
	if (private_key && fchmod(fd, 0600))
		goto close;
	for (size_t off = 0; off < len;) {
		ssize_t w = write(fd, pem + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto close;
		off += (size_t)w;
	}
	rc = 0;
close:
	if (close(fd))
		rc = -1;
out:
	secure_free(pem, len);
	return rc;
}

EVP_PKEY *pkey_read_pem(const char *path)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	EVP_PKEY *k = NULL;
	FILE *f = path ? fopen(path, "rb") : NULL;

	if (!f)
		return NULL;
	buf = malloc(PEM_MAX);
	if (buf)
		len = fread(buf, 1, PEM_MAX, f);
	fclose(f);
	if (buf && len > 0 && len < PEM_MAX) {
		k = decode(buf, len, "PEM", EVP_PKEY_KEYPAIR);
		if (!k)
			k = decode(buf, len, "PEM", EVP_PKEY_PUBLIC_KEY);
	}
	secure_free(buf, PEM_MAX);
	return k;
}
