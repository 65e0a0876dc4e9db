#include "emu/crypto/memenc.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "emu/crypto/kdf.h"
#include "emu/crypto/symm.h"
#include "emu/crypto/symm_internal.h"
#include "emu/util/bytes.h"

/* Work in chunks this large: big enough that the per-call EVP overhead vanishes,
 * small enough to stay in L2 between the tweak, XOR and ECB passes. */
#define CHUNK (64 * 1024)

struct memenc {
	EVP_CIPHER_CTX *tweak; /* AES-128-CTR under K2 */
	EVP_CIPHER_CTX *enc;   /* AES-128-ECB under the VEK, no padding */
	EVP_CIPHER_CTX *dec;
	uint8_t *scratch;      /* CHUNK bytes of tweaks */
};

struct memenc *memenc_new(const uint8_t vek[SEV_VEK_LEN])
{
	struct memenc *m;
	uint8_t k2[16];
	int ok;

	if (!vek || !symm_aes128_ctr() || !symm_aes128_ecb())
		return NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->tweak = EVP_CIPHER_CTX_new();
	m->enc = EVP_CIPHER_CTX_new();
	m->dec = EVP_CIPHER_CTX_new();
	m->scratch = malloc(CHUNK);
	ok = m->tweak && m->enc && m->dec && m->scratch &&
	     sev_kdf(vek, SEV_VEK_LEN, MEMENC_TWEAK_LABEL, NULL, 0, k2, sizeof(k2)) == 0 &&
	     EVP_EncryptInit_ex2(m->tweak, symm_aes128_ctr(), k2, NULL, NULL) &&
	     EVP_EncryptInit_ex2(m->enc, symm_aes128_ecb(), vek, NULL, NULL) &&
	     EVP_DecryptInit_ex2(m->dec, symm_aes128_ecb(), vek, NULL, NULL) &&
	     EVP_CIPHER_CTX_set_padding(m->enc, 0) && EVP_CIPHER_CTX_set_padding(m->dec, 0);
	secure_zero(k2, sizeof(k2));
	if (!ok) {
		memenc_free(m);
		return NULL;
	}
	return m;
}

void memenc_free(struct memenc *m)
{
	if (!m)
		return;
	EVP_CIPHER_CTX_free(m->tweak); /* cleanses the key schedules */
	EVP_CIPHER_CTX_free(m->enc);
	EVP_CIPHER_CTX_free(m->dec);
	secure_free(m->scratch, CHUNK);
	free(m);
}

static void xor_into(uint8_t *dst, const uint8_t *a, const uint8_t *b, size_t n)
{
	/* n is a multiple of 16; memcpy keeps it alias- and alignment-safe and the
	 * compiler turns it into plain 64-bit loads. */
	for (size_t i = 0; i < n; i += 8) {
		uint64_t x, y;

		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		x ^= y;
		memcpy(dst + i, &x, 8);
	}
}

/* Tweaks T(a), T(a+16), ... for n bytes: the CTR keystream of K2 from be128(a >> 4). */
static int tweaks(struct memenc *m, uint64_t addr, size_t n)
{
	uint8_t ctr[16] = { 0 };
	int outl = 0;

	be64_put(ctr + 8, addr >> 4);
	memset(m->scratch, 0, n);
	return EVP_EncryptInit_ex2(m->tweak, NULL, NULL, ctr, NULL) &&
	       EVP_EncryptUpdate(m->tweak, m->scratch, &outl, m->scratch, (int)n) && outl == (int)n ? 0 : -1;
}

static int xex(struct memenc *m, EVP_CIPHER_CTX *ecb, uint64_t addr, const void *in, void *out, size_t len)
{
	const uint8_t *ip = in;
	uint8_t *op = out;

	if (!m || (len && (!in || !out)) || !is_aligned(addr, 16) || !is_aligned(len, 16))
		return -1;
	/* The address space wraps nowhere: reject ranges that would run past 2^64. */
	if (len && addr + len - 1 < addr)
		return -1;
	while (len) {
		size_t n = len < CHUNK ? len : CHUNK;
		int outl = 0;

		if (tweaks(m, addr, n))
			return -1;
		xor_into(op, ip, m->scratch, n);
		if (!EVP_CipherUpdate(ecb, op, &outl, op, (int)n) || outl != (int)n)
			return -1;
		xor_into(op, op, m->scratch, n);
		ip += n;
		op += n;
		addr += n;
		len -= n;
	}
	return 0;
}

int memenc_encrypt(struct memenc *m, uint64_t addr, const void *in, void *out, size_t len)
{
	return xex(m, m ? m->enc : NULL, addr, in, out, len);
}

int memenc_decrypt(struct memenc *m, uint64_t addr, const void *in, void *out, size_t len)
{
	return xex(m, m ? m->dec : NULL, addr, in, out, len);
}
