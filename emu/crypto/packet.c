#include "emu/crypto/packet.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "emu/crypto/symm.h"
#include "emu/crypto/symm_internal.h"
#include "emu/util/bytes.h"

#define AAD_LEN 29 /* ctx || flags || iv || guest_len || trans_len */

void sev_pkt_hdr_encode(const struct sev_pkt_hdr *h, uint8_t out[SEV_PKT_HDR_LEN])
{
	le32_put(out, h->flags);
	memcpy(out + 4, h->iv, 16);
	memcpy(out + 20, h->mac, 32);
}

void sev_pkt_hdr_decode(const uint8_t in[SEV_PKT_HDR_LEN], struct sev_pkt_hdr *h)
{
	h->flags = le32_get(in);
	memcpy(h->iv, in + 4, 16);
	memcpy(h->mac, in + 20, 32);
}

static void aad_build(uint8_t aad[AAD_LEN], uint8_t ctx, uint32_t flags, const uint8_t iv[16],
		      uint32_t guest_len, uint32_t trans_len)
{
	aad[0] = ctx;
	le32_put(aad + 1, flags);
	memcpy(aad + 5, iv, 16);
	le32_put(aad + 21, guest_len);
	le32_put(aad + 25, trans_len);
}

int sev_pkt_mac(const uint8_t tik[16], uint8_t ctx, uint32_t flags, const uint8_t iv[16],
		uint32_t guest_len, uint32_t trans_len, const void *ct, size_t ct_len,
		const uint8_t *measurement, uint8_t mac[32])
{
	uint8_t aad[AAD_LEN];
	struct iov v[] = {
		{ aad, sizeof(aad) },
		{ ct, ct_len },
		{ measurement, measurement ? SEV_MEASUREMENT_LEN : 0 },
	};

	aad_build(aad, ctx, flags, iv, guest_len, trans_len);
	return hmac_sha256_iov(tik, 16, v, 3, mac);
}

/* EVP_MAC_init with a NULL key should restart HMAC under the key it already holds;
 * OpenSSL 3.0.x releases before that was fixed only re-read the parameters.  Check
 * once per process against a one-shot HMAC and fall back to duplicating a keyed
 * template per packet if the shortcut does not hold. */
static pthread_once_t reinit_once = PTHREAD_ONCE_INIT;
static int reinit_works;

static void reinit_probe(void)
{
	static const uint8_t key[16] = { 1, 2, 3 }, m1[] = "first", m2[] = "second";
	uint8_t want[32], got[32];
	EVP_MAC_CTX *c = symm_hmac_ctx_new(key, sizeof(key));
	size_t n = 0;

	if (!c || hmac_sha256(key, sizeof(key), m2, sizeof(m2), want))
		goto out;
	if (!EVP_MAC_update(c, m1, sizeof(m1)) || !EVP_MAC_final(c, got, &n, sizeof(got)))
		goto out;
	if (!EVP_MAC_init(c, NULL, 0, NULL) || !EVP_MAC_update(c, m2, sizeof(m2)) ||
	    !EVP_MAC_final(c, got, &n, sizeof(got)))
		goto out;
	reinit_works = n == 32 && memcmp(got, want, 32) == 0;
out:
	EVP_MAC_CTX_free(c);
}

struct sev_pkt_ctx {
	EVP_CIPHER_CTX *aes; /* keyed with TEK; only the IV changes per packet */
	EVP_MAC_CTX *mac;    /* keyed with TIK; restarted, or the template when duplicating */
};

struct sev_pkt_ctx *sev_pkt_ctx_new(const struct sev_tk *tk)
{
	struct sev_pkt_ctx *c;

	if (!tk || !symm_aes128_ctr())
		return NULL;
	pthread_once(&reinit_once, reinit_probe);
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->aes = EVP_CIPHER_CTX_new();
	c->mac = symm_hmac_ctx_new(tk->tik, sizeof(tk->tik));
	if (!c->aes || !c->mac || !EVP_EncryptInit_ex2(c->aes, symm_aes128_ctr(), tk->tek, NULL, NULL)) {
		sev_pkt_ctx_free(c);
		return NULL;
	}
	return c;
}

void sev_pkt_ctx_free(struct sev_pkt_ctx *c)
{
	if (!c)
		return;
	/* Both free functions cleanse the key material they hold. */
	EVP_CIPHER_CTX_free(c->aes);
	EVP_MAC_CTX_free(c->mac);
	free(c);
}

static int ctx_mac(struct sev_pkt_ctx *c, uint8_t ctx, uint32_t flags, const uint8_t iv[16],
		   uint32_t len, const void *ct, const uint8_t *measurement, uint8_t mac[32])
{
	uint8_t aad[AAD_LEN];
	EVP_MAC_CTX *m;
	size_t n = 0;
	int ok;

	if (reinit_works) {
		m = c->mac;
		if (!EVP_MAC_init(m, NULL, 0, NULL))
			return -1;
	} else {
		m = EVP_MAC_CTX_dup(c->mac);
		if (!m)
			return -1;
	}
	aad_build(aad, ctx, flags, iv, len, len);
	ok = EVP_MAC_update(m, aad, sizeof(aad)) && (len == 0 || EVP_MAC_update(m, ct, len)) &&
	     (!measurement || EVP_MAC_update(m, measurement, SEV_MEASUREMENT_LEN)) &&
	     EVP_MAC_final(m, mac, &n, 32) && n == 32;
	if (m != c->mac)
		EVP_MAC_CTX_free(m);
	return ok ? 0 : -1;
}

static int ctx_ctr(struct sev_pkt_ctx *c, const uint8_t iv[16], const void *in, void *out, size_t len)
{
	/* Re-initialising with only an IV keeps the key schedule and resets the
	 * counter block and the keystream position. */
	if (!EVP_EncryptInit_ex2(c->aes, NULL, NULL, iv, NULL))
		return -1;
	return symm_cipher_update(c->aes, in, out, len);
}

int sev_pkt_seal(struct sev_pkt_ctx *c, uint8_t ctx, const uint8_t iv[16], const void *pt,
		 size_t len, const uint8_t *measurement, void *ct, uint8_t hdr[SEV_PKT_HDR_LEN])
{
	struct sev_pkt_hdr h = { .flags = 0 };

	if (!c || !iv || (len && (!pt || !ct)) || !hdr || len > UINT32_MAX)
		return -1;
	memcpy(h.iv, iv, 16);
	if (ctx_ctr(c, iv, pt, ct, len) ||
	    ctx_mac(c, ctx, h.flags, iv, (uint32_t)len, ct, measurement, h.mac))
		return -1;
	sev_pkt_hdr_encode(&h, hdr);
	return 0;
}

int sev_pkt_open(struct sev_pkt_ctx *c, uint8_t ctx, const uint8_t hdr[SEV_PKT_HDR_LEN],
		 const void *ct, size_t len, const uint8_t *measurement, void *pt)
{
	struct sev_pkt_hdr h;
	uint8_t mac[32];

	if (!c || !hdr || (len && (!pt || !ct)) || len > UINT32_MAX)
		return -1;
	sev_pkt_hdr_decode(hdr, &h);
	if (ctx_mac(c, ctx, h.flags, h.iv, (uint32_t)len, ct, measurement, mac))
		return -1;
	if (!ct_equal(mac, h.mac, sizeof(mac)))
		return 1;
	return ctx_ctr(c, h.iv, ct, pt, len) ? -1 : 0;
}

int sev_launch_measurement(const uint8_t tik[16], uint8_t api_major, uint8_t api_minor,
			   uint8_t build, uint32_t policy, const uint8_t digest[32],
			   const uint8_t mnonce[16], uint8_t out[32])
{
	uint8_t head[8];
	struct iov v[] = { { head, sizeof(head) }, { digest, 32 }, { mnonce, SEV_MNONCE_LEN } };

	head[0] = SEV_MEASURE_CTX;
	head[1] = api_major;
	head[2] = api_minor;
	head[3] = build;
	le32_put(head + 4, policy);
	return hmac_sha256_iov(tik, 16, v, 3, out);
}

int sev_launch_measurement_pre017(const uint8_t tik[16], uint32_t policy, const uint8_t digest[32],
				  const uint8_t mnonce[16], uint8_t out[32])
{
	uint8_t p[4];
	struct iov v[] = { { p, sizeof(p) }, { digest, 32 }, { mnonce, SEV_MNONCE_LEN } };

	le32_put(p, policy);
	return hmac_sha256_iov(tik, 16, v, 3, out);
}
