/* The firmware's persistent data (OCA, PEK, PDH, ownership) and the keys it makes
 * (sev_plat.c): where it lives (SPI flash, or the host's INIT_EX buffer), how it is
 * checked when loaded, and how OCA/PEK/PDH/CEK are generated and certified. */
#include <stdlib.h>
#include <string.h>

#include "emu/crypto/kdf.h"
#include "emu/crypto/pkey.h"
#include "emu/fw/fw_priv.h"
#include "emu/nv/tlv.h"

enum {
	T_OWNER = 1,
	T_OCA_CERT,
	T_OCA_KEY,
	T_PEK_CERT,
	T_PEK_KEY,
	T_PDH_CERT,
	T_PDH_KEY,
	T_CHIP, /* binds the data to this chip: HMAC(CUK, "swsev-nv-binding") */
};

#define NV_KIND_SEV NV_KIND('S', 'V', 'N', 'V')

void fw_persist_clear(struct fw_persist *p)
{
	EVP_PKEY_free(p->oca_key);
	EVP_PKEY_free(p->pek_key);
	EVP_PKEY_free(p->pdh_key);
	memset(p, 0, sizeof(*p));
}

int fw_persist_copy(struct fw_persist *dst, const struct fw_persist *src)
{
	*dst = *src;
	if ((src->oca_key && !EVP_PKEY_up_ref(src->oca_key)) ||
	    (src->pek_key && !EVP_PKEY_up_ref(src->pek_key)) ||
	    (src->pdh_key && !EVP_PKEY_up_ref(src->pdh_key)))
		return -1; /* up_ref cannot fail in practice; keys would leak, not dangle */
	return 0;
}

static void chip_binding(const struct fw *fw, uint8_t out[32])
{
	static const char label[] = "swsev-nv-binding";
	hmac_sha256(fw->id.cuk, sizeof(fw->id.cuk), label, sizeof(label) - 1, out);
}

static void put_key(struct tlv_writer *w, uint16_t tag, EVP_PKEY *k)
{
	uint8_t *der = NULL;
	size_t len = 0;

	if (!k)
		return;
	if (pkey_to_der(k, &der, &len) != 0) {
		w->failed = 1;
		return;
	}
	tlv_put(w, tag, der, len);
	secure_free(der, len);
}

static int serialize(const struct fw *fw, const struct fw_persist *p, struct tlv_writer *w)
{
	uint8_t bind[32];

	chip_binding(fw, bind);
	tlv_put(w, T_CHIP, bind, sizeof(bind));
	tlv_put_u32(w, T_OWNER, p->owner_external);
	if (p->have_oca) {
		tlv_put(w, T_OCA_CERT, p->oca_cert.raw, SEV_CERT_LEN);
		put_key(w, T_OCA_KEY, p->oca_key);
	}
	if (p->have_pek) {
		tlv_put(w, T_PEK_CERT, p->pek_cert.raw, SEV_CERT_LEN);
		put_key(w, T_PEK_KEY, p->pek_key);
	}
	if (p->have_pdh) {
		tlv_put(w, T_PDH_CERT, p->pdh_cert.raw, SEV_CERT_LEN);
		put_key(w, T_PDH_KEY, p->pdh_key);
	}
	return w->failed ? -1 : 0;
}

/* One certificate + key pair from the payload.  The key must be the certificate's. */
static int get_pair(const uint8_t *buf, size_t len, uint16_t ctag, uint16_t ktag, bool key_required,
		    struct sev_cert *cert, EVP_PKEY **key, bool *have, const char **why)
{
	struct sev_pubkey pub = { 0 };
	const uint8_t *der;
	size_t dlen;
	int ok;

	*have = false;
	if (tlv_get(buf, len, ctag, cert->raw, SEV_CERT_LEN) != 0) {
		if (tlv_find(buf, len, ctag, &dlen) || tlv_find(buf, len, ktag, &dlen)) {
			*why = "a certificate has the wrong size or its key is orphaned";
			return -1;
		}
		return 0;
	}
	der = tlv_find(buf, len, ktag, &dlen);
	if (!der) {
		if (key_required) {
			*why = "a certificate has no private key";
			return -1;
		}
		*have = true;
		return 0;
	}
	*key = pkey_from_der(der, dlen);
	if (!*key || sev_cert_pubkey(cert, &pub, why) != SEV_STATUS_SUCCESS) {
		if (!*why)
			*why = "a private key does not parse";
		return -1;
	}
	ok = EVP_PKEY_eq(pub.key, *key) == 1;
	sev_pubkey_clear(&pub);
	if (!ok) {
		*why = "a private key does not match its certificate";
		return -1;
	}
	*have = true;
	return 0;
}

static uint32_t parse(struct fw *fw, const uint8_t *buf, size_t len, struct fw_persist *p, const char *where)
{
	uint8_t bind[32], want[32];
	uint32_t owner = 0;
	const char *why = NULL;

	memset(p, 0, sizeof(*p));
	if (tlv_check(buf, len) != 0) {
		why = "malformed";
		goto bad;
	}
	chip_binding(fw, want);
	if (tlv_get(buf, len, T_CHIP, bind, sizeof(bind)) != 0 || !ct_equal(bind, want, sizeof(bind))) {
		why = "written by another chip";
		goto bad;
	}
	tlv_get_u32(buf, len, T_OWNER, &owner);
	p->owner_external = owner != 0;
	if (get_pair(buf, len, T_OCA_CERT, T_OCA_KEY, !p->owner_external, &p->oca_cert, &p->oca_key, &p->have_oca, &why) ||
	    get_pair(buf, len, T_PEK_CERT, T_PEK_KEY, true, &p->pek_cert, &p->pek_key, &p->have_pek, &why) ||
	    get_pair(buf, len, T_PDH_CERT, T_PDH_KEY, true, &p->pdh_cert, &p->pdh_key, &p->have_pdh, &why))
		goto bad;
	return SEV_STATUS_SUCCESS;
bad:
	fw_persist_clear(p);
	return fw_fail(fw, SEV_STATUS_SECURE_DATA_INVALID, "persistent data (%s) failed its integrity check: %s",
		       where, why);
}

uint32_t fw_persist_load(struct fw *fw)
{
	char msg[200] = "";
	uint8_t *data = NULL;
	size_t len = 0;
	uint32_t st = SEV_STATUS_SUCCESS;

	fw_persist_clear(&fw->nv);
	if (fw->init_ex) {
		uint8_t *area = malloc(FW_NV_LEN);
		const uint8_t *payload;
		size_t plen;
		enum nv_result r;
		bool blank = true;

		if (!area)
			return fw_fail(fw, SEV_STATUS_HWERROR_PLATFORM, "out of memory");
		if (fw_read(fw, fw->nv_paddr, area, FW_NV_LEN) != 0) {
			free(area);
			return fw_fail(fw, SEV_STATUS_INVALID_ADDRESS, "INIT_EX: NV buffer 0x%llx not readable",
				       (unsigned long long)fw->nv_paddr);
		}
		for (size_t i = 0; i < FW_NV_LEN && blank; i++)
			blank = area[i] == 0 || area[i] == 0xff;
		if (blank) {
			free(area);
			return SEV_STATUS_SUCCESS;
		}
		r = nv_record_decode(area, FW_NV_LEN, NV_KIND_SEV, &payload, &plen, msg, sizeof(msg));
		st = r == NV_OK ? parse(fw, payload, plen, &fw->nv, "INIT_EX buffer")
				: fw_fail(fw, SEV_STATUS_SECURE_DATA_INVALID,
					  "INIT_EX: NV buffer failed its integrity check: %s", msg);
		secure_free(area, FW_NV_LEN);
		if (st == SEV_STATUS_SECURE_DATA_INVALID) {
			/* As the firmware does for the INIT_EX area (not for SPI): erase it so
			 * that the driver's retry starts from a reset state. */
			uint8_t *zero = calloc(1, FW_NV_LEN);
			if (zero)
				fw_write(fw, fw->nv_paddr, zero, FW_NV_LEN);
			free(zero);
		}
		return st;
	}

	switch (fw->spi.load(fw->spi.ctx, &data, &len, msg, sizeof(msg))) {
	case NV_OK:
		break;
	case NV_NOENT:
		return SEV_STATUS_SUCCESS;
	case NV_IO:
	case NV_LOCKED:
		return fw_fail(fw, SEV_STATUS_HWERROR_PLATFORM, "SPI flash read failed: %s", msg);
	default:
		/* The emulator never rewrites a damaged store on its own (nothing is lost
		 * silently); PLATFORM_RESET discards it. */
		return fw_fail(fw, SEV_STATUS_SECURE_DATA_INVALID, "%s; run PLATFORM_RESET (factory reset) to discard it",
			       msg);
	}
	st = parse(fw, data, len, &fw->nv, "SPI flash");
	secure_free(data, len);
	return st;
}

uint32_t fw_persist_save(struct fw *fw, const struct fw_persist *p)
{
	struct tlv_writer w = { 0 };
	char msg[200] = "";
	uint32_t st = SEV_STATUS_SUCCESS;

	if (serialize(fw, p, &w) != 0) {
		tlv_writer_free(&w);
		return fw_fail(fw, SEV_STATUS_HWERROR_PLATFORM, "cannot serialize persistent data");
	}
	if (fw->init_ex) {
		uint8_t *rec = NULL, *area = calloc(1, FW_NV_LEN);
		size_t rlen = 0;

		if (!area || nv_record_encode(NV_KIND_SEV, w.p, w.len, &rec, &rlen) != 0 || rlen > FW_NV_LEN)
			st = fw_fail(fw, SEV_STATUS_HWERROR_PLATFORM, "persistent data does not fit the NV area");
		else {
			memcpy(area, rec, rlen);
			if (fw_write(fw, fw->nv_paddr, area, FW_NV_LEN) != 0)
				st = fw_fail(fw, SEV_STATUS_INVALID_ADDRESS, "NV buffer 0x%llx not writable",
					     (unsigned long long)fw->nv_paddr);
		}
		if (rec)
			secure_free(rec, rlen);
		if (area)
			secure_free(area, FW_NV_LEN);
	} else if (fw->spi.save(fw->spi.ctx, w.p, w.len, msg, sizeof(msg)) != 0) {
		st = fw_fail(fw, SEV_STATUS_HWERROR_PLATFORM, "SPI flash write failed: %s", msg);
	}
	tlv_writer_free(&w);
	return st;
}

uint32_t fw_persist_erase(struct fw *fw)
{
	char msg[200] = "";

	if (fw->spi.erase(fw->spi.ctx, msg, sizeof(msg)) != 0)
		return fw_fail(fw, SEV_STATUS_HWERROR_PLATFORM, "SPI flash erase failed: %s", msg);
	return SEV_STATUS_SUCCESS;
}

EVP_PKEY *fw_cek_from_cuk(const uint8_t cuk[32])
{
	uint8_t seed[32], r[P384_LEN + 8];
	EVP_PKEY *k = NULL;

	/* seed = SHA-256(CUK); r = KDF(seed, "sev-chip-endorsement-key", 56 bytes);
	 * d = (r little-endian mod (n-1)) + 1   (sev_plat.c sev_cek_derive) */
	if (sha256(cuk, 32, seed) == 0 && sev_kdf(seed, sizeof(seed), SEV_KDF_LABEL_CEK, NULL, 0, r, sizeof(r)) == 0)
		k = ec_p384_from_bytes(r, sizeof(r), 1);
	secure_zero(seed, sizeof(seed));
	secure_zero(r, sizeof(r));
	return k;
}

uint32_t fw_cek_derive(struct fw *fw)
{
	EVP_PKEY_free(fw->cek_key);
	fw->cek_key = fw_cek_from_cuk(fw->id.cuk);
	return fw->cek_key ? SEV_STATUS_SUCCESS : fw_fail(fw, SEV_STATUS_HWERROR_PLATFORM, "CEK derivation failed");
}

int fw_cek_cert(struct fw *fw, struct sev_cert *out)
{
	if (!fw->cek_key)
		return -1;
	return sev_cert_build(out, fw->cfg.api_major, fw->cfg.api_minor, SEV_USAGE_CEK,
			      SEV_ALGO_ECDSA_SHA256, fw->cek_key);
}

/* A fresh P-384 key and its certificate body at the firmware's API version. */
static EVP_PKEY *new_key_cert(struct fw *fw, uint32_t usage, uint32_t algo, struct sev_cert *cert)
{
	EVP_PKEY *k = ec_p384_generate(fw->rng);

	if (k && sev_cert_build(cert, fw->cfg.api_major, fw->cfg.api_minor, usage, algo, k) == 0)
		return k;
	EVP_PKEY_free(k);
	return NULL;
}

uint32_t fw_gen_oca(struct fw *fw, struct fw_persist *p)
{
	struct sev_cert cert;
	EVP_PKEY *k = new_key_cert(fw, SEV_USAGE_OCA, SEV_ALGO_ECDSA_SHA256, &cert);

	if (!k || sev_cert_sign(&cert, 0, SEV_USAGE_OCA, SEV_ALGO_ECDSA_SHA256, k, fw->rng) != 0) {
		EVP_PKEY_free(k);
		return fw_fail(fw, SEV_STATUS_HWERROR_PLATFORM, "OCA generation failed");
	}
	EVP_PKEY_free(p->oca_key);
	p->oca_key = k;
	p->oca_cert = cert;
	p->have_oca = true;
	p->owner_external = false;
	return SEV_STATUS_SUCCESS;
}

uint32_t fw_gen_pek(struct fw *fw, struct fw_persist *p)
{
	struct sev_cert cert;
	EVP_PKEY *k;

	if (!p->oca_key || !fw->cek_key)
		return fw_fail(fw, SEV_STATUS_HWERROR_PLATFORM, "PEK generation needs the OCA and CEK keys");
	k = new_key_cert(fw, SEV_USAGE_PEK, SEV_ALGO_ECDSA_SHA256, &cert);
	/* sig1 = OCA, sig2 = CEK: the order on real Naples and Rome PEKs */
	if (!k || sev_cert_sign(&cert, 0, SEV_USAGE_OCA, SEV_ALGO_ECDSA_SHA256, p->oca_key, fw->rng) != 0 ||
	    sev_cert_sign(&cert, 1, SEV_USAGE_CEK, SEV_ALGO_ECDSA_SHA256, fw->cek_key, fw->rng) != 0) {
		EVP_PKEY_free(k);
		return fw_fail(fw, SEV_STATUS_HWERROR_PLATFORM, "PEK generation failed");
	}
	EVP_PKEY_free(p->pek_key);
	p->pek_key = k;
	p->pek_cert = cert;
	p->have_pek = true;
	return SEV_STATUS_SUCCESS;
}

uint32_t fw_gen_pdh(struct fw *fw, struct fw_persist *p)
{
	struct sev_cert cert;
	EVP_PKEY *k;

	if (!p->pek_key)
		return fw_fail(fw, SEV_STATUS_HWERROR_PLATFORM, "PDH generation needs the PEK");
	k = new_key_cert(fw, SEV_USAGE_PDH, SEV_ALGO_ECDH_SHA256, &cert);
	if (!k || sev_cert_sign(&cert, 0, SEV_USAGE_PEK, SEV_ALGO_ECDSA_SHA256, p->pek_key, fw->rng) != 0) {
		EVP_PKEY_free(k);
		return fw_fail(fw, SEV_STATUS_HWERROR_PLATFORM, "PDH generation failed");
	}
	EVP_PKEY_free(p->pdh_key);
	p->pdh_key = k;
	p->pdh_cert = cert;
	p->have_pdh = true;
	return SEV_STATUS_SUCCESS;
}

void fw_nv_digest(struct fw *fw, uint8_t out[32])
{
	const struct fw_persist *p = &fw->nv;
	uint8_t owner = p->owner_external;
	struct iov v[] = {
		{ &owner, 1 },
		{ p->have_oca ? p->oca_cert.raw : NULL, p->have_oca ? SEV_CERT_LEN : 0 },
		{ p->have_pek ? p->pek_cert.raw : NULL, p->have_pek ? SEV_CERT_LEN : 0 },
		{ p->have_pdh ? p->pdh_cert.raw : NULL, p->have_pdh ? SEV_CERT_LEN : 0 },
	};
	uint8_t *data = NULL;
	size_t len = 0;
	char msg[8];

	/* With SPI storage, digest the flash itself: it is what survives a power cycle,
	 * and the firmware saves before it commits, so RAM never differs after a command. */
	if (!fw->init_ex) {
		if (fw->spi.load(fw->spi.ctx, &data, &len, msg, sizeof(msg)) == NV_OK) {
			sha256(data, len, out);
			secure_free(data, len);
		} else {
			memset(out, 0, 32);
		}
		return;
	}
	sha256_iov(v, sizeof(v) / sizeof(v[0]), out);
}
