#include "vectors/gen/vg_kinds.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/crypto/kdf.h"
#include "emu/crypto/packet.h"
#include "emu/crypto/pkey.h"
#include "emu/crypto/symm.h"
#include "emu/fw/status.h"
#include "emu/util/bytes.h"
#include "harness/owner/secret.h"
#include "harness/owner/verify.h"

#define SIGN_PERS "swsev-vectors-sign"
#define SIGNER_PUBKEY_LEN (SEV_CERT_OFF_EC_QY + SEV_COORD_LEN - SEV_CERT_OFF_USAGE)

void vgk_put32(uint8_t *p, uint32_t v)
{
	le32_put(p, v);
}

static int differs(struct vg *g, const char *id, const char *what, const void *a, const void *b, size_t n)
{
	if (b && memcmp(a, b, n))
		return vg_fail(g, "%s: %s: two computations disagree", id, what);
	return 0;
}

/* ---- KDF, HMAC, SHA-256 ------------------------------------------------------------- */

int vgk_kdf(struct vg *g, struct vw *w, const char *id, const uint8_t *key, size_t klen, const char *label,
	    const uint8_t *ctx, size_t clen, size_t len, const uint8_t *expect)
{
	size_t llen = strlen(label), plen = 4 + llen + 1 + clen + 4;
	uint8_t *out = malloc(len), *prf = malloc(plen), mac[32];
	int rc = -1;

	if (!out || !prf || len == 0 || len > 0x10000000)
		goto out;
	if (sev_kdf(key, klen, label, ctx, clen, out, len) != 0) {
		vg_fail(g, "%s: KDF failed", id);
		goto out;
	}
	/* The first PRF input, spelled out for readers who build it by hand. */
	le32_put(prf, 1);
	memcpy(prf + 4, label, llen);
	prf[4 + llen] = 0;
	if (clen)
		memcpy(prf + 5 + llen, ctx, clen);
	le32_put(prf + 5 + llen + clen, (uint32_t)(8 * len));
	if (hmac_sha256(key, klen, prf, plen, mac) != 0 ||
	    differs(g, id, "first KDF block", out, mac, len < 32 ? len : 32) || differs(g, id, "KDF output", out, expect, len))
		goto out;
	vw_section(w, "kdf", "%s", id);
	vw_comment(w, "label \"%s\", %zu-byte key, %zu-byte context, %zu bytes out", label, klen, clen, len);
	vw_hex(w, "key", key, klen);
	vw_text(w, "label", label);
	vw_hex(w, "context", ctx, clen);
	vw_int(w, "length", len, 2);
	vw_hex(w, "prf_input_1", prf, plen);
	vw_hex(w, "output", out, len);
	rc = 0;
out:
	if (rc && !out)
		vg_fail(g, "%s: out of memory", id);
	free(out);
	free(prf);
	return rc;
}

int vgk_hmac(struct vg *g, struct vw *w, const char *id, const uint8_t *key, size_t klen, const void *msg,
	     size_t n, const uint8_t *expect)
{
	uint8_t mac[32];

	if (hmac_sha256(key, klen, msg, n, mac) != 0)
		return vg_fail(g, "%s: HMAC failed", id);
	if (differs(g, id, "HMAC", mac, expect, 32))
		return -1;
	vw_section(w, "hmac", "%s", id);
	vw_hex(w, "key", key, klen);
	vw_hex(w, "message", msg, n);
	vw_hex(w, "mac", mac, 32);
	return 0;
}

int vgk_sha256(struct vg *g, struct vw *w, const char *id, const void *msg, size_t n, const uint8_t *expect)
{
	uint8_t d[32];

	if (sha256(msg, n, d) != 0)
		return vg_fail(g, "%s: SHA-256 failed", id);
	if (differs(g, id, "SHA-256", d, expect, 32))
		return -1;
	vw_section(w, "sha256", "%s", id);
	vw_hex(w, "message", msg, n);
	vw_hex(w, "digest", d, 32);
	return 0;
}

/* ---- sessions ------------------------------------------------------------------------ */

int vgk_session(struct vg *g, struct vw *w, const char *id, const uint8_t *z, size_t zlen, const uint8_t nonce[16],
		const uint8_t wrap_iv[16], const struct sev_tk *tk, uint32_t policy, const struct sev_session *expect,
		struct sev_session *out)
{
	uint8_t master[16], kek[16], kik[16], kek2[16], kik2[16], le[4];
	struct sev_session s;
	struct sev_tk back;
	int rc = -1;

	le32_put(le, policy);
	if (sev_kdf(z, zlen, SEV_KDF_LABEL_MASTER, nonce, 16, master, 16) ||
	    sev_kdf(master, 16, SEV_KDF_LABEL_KEK, NULL, 0, kek, 16) || sev_kdf(master, 16, SEV_KDF_LABEL_KIK, NULL, 0, kik, 16) ||
	    sev_session_kek_kik(z, zlen, nonce, kek2, kik2) || sev_session_wrap(tk, z, zlen, nonce, wrap_iv, policy, &s)) {
		vg_fail(g, "%s: session crypto failed", id);
		goto out;
	}
	if (differs(g, id, "KEK", kek, kek2, 16) || differs(g, id, "KIK", kik, kik2, 16) ||
	    differs(g, id, "session blob", &s, expect, sizeof(s)))
		goto out;
	if (sev_session_unwrap(&s, z, zlen, policy, &back) != SEV_UNWRAP_OK ||
	    differs(g, id, "unwrapped TEK/TIK", &back, tk, sizeof(back)))
		goto out;
	vw_section(w, "session", "%s", id);
	vw_hex(w, "z", z, zlen);
	vw_hex(w, "nonce", nonce, 16);
	vw_hex(w, "wrap_iv", wrap_iv, 16);
	vw_hex(w, "tek", tk->tek, 16);
	vw_hex(w, "tik", tk->tik, 16);
	vw_int(w, "policy", policy, 8);
	vw_hex(w, "master", master, 16);
	vw_hex(w, "kek", kek, 16);
	vw_hex(w, "kik", kik, 16);
	vw_hex(w, "wrap_tk", s.wrap_tk, 32);
	vw_hex(w, "wrap_mac", s.wrap_mac, 32);
	vw_hex(w, "policy_mac", s.policy_mac, 32);
	vw_hex(w, "session", &s, sizeof(s));
	if (out)
		*out = s;
	rc = 0;
out:
	secure_zero(&back, sizeof(back));
	return rc;
}

int vgk_session_reject(struct vg *g, struct vw *w, const char *id, const uint8_t *z, size_t zlen, uint32_t policy,
		       const struct sev_session *s)
{
	struct sev_tk tk;
	enum sev_unwrap u = sev_session_unwrap(s, z, zlen, policy, &tk);

	if (u != SEV_UNWRAP_BAD_WRAP_MAC && u != SEV_UNWRAP_BAD_POLICY_MAC)
		return vg_fail(g, "%s: the tampered session was not refused", id);
	vw_section(w, "session-reject", "%s", id);
	vw_comment(w, "fails its %s check: LAUNCH_START / RECEIVE_START return BAD_MEASUREMENT",
		   u == SEV_UNWRAP_BAD_WRAP_MAC ? "wrap_mac" : "policy_mac");
	vw_hex(w, "z", z, zlen);
	vw_int(w, "policy", policy, 8);
	vw_hex(w, "session", s, sizeof(*s));
	vw_int(w, "status", SEV_STATUS_BAD_MEASUREMENT, 2);
	return 0;
}

/* ---- keys ------------------------------------------------------------------------------ */

static int pub_be(EVP_PKEY *k, uint8_t x[48], uint8_t y[48])
{
	uint8_t qx[SEV_COORD_LEN], qy[SEV_COORD_LEN];

	if (ec_p384_to_sev_point(k, qx, qy))
		return -1;
	for (int i = 0; i < 48; i++) {
		x[i] = qx[47 - i];
		y[i] = qy[47 - i];
	}
	return 0;
}

int vgk_ecdh(struct vg *g, struct vw *w, const char *id, EVP_PKEY *a, EVP_PKEY *b, const uint8_t *expect,
	     uint8_t z[48])
{
	uint8_t da[48], db[48], xa[48], ya[48], xb[48], yb[48], z1[48], z2[48];
	int rc = -1;

	if (ec_p384_private_bytes(a, da) || ec_p384_private_bytes(b, db) || pub_be(a, xa, ya) || pub_be(b, xb, yb) ||
	    ec_p384_ecdh(a, b, z1) || ec_p384_ecdh(b, a, z2)) {
		vg_fail(g, "%s: ECDH failed", id);
		goto out;
	}
	if (differs(g, id, "Z from either side", z1, z2, 48) || differs(g, id, "Z", z1, expect, 48))
		goto out;
	vw_section(w, "ecdh", "%s", id);
	vw_hex(w, "priv_a", da, 48);
	vw_hex(w, "pub_a_x", xa, 48);
	vw_hex(w, "pub_a_y", ya, 48);
	vw_hex(w, "priv_b", db, 48);
	vw_hex(w, "pub_b_x", xb, 48);
	vw_hex(w, "pub_b_y", yb, 48);
	vw_hex(w, "z", z1, 48);
	if (z)
		memcpy(z, z1, 48);
	rc = 0;
out:
	secure_zero(da, sizeof(da));
	secure_zero(db, sizeof(db));
	return rc;
}

int vgk_sev_point(struct vg *g, struct vw *w, const char *id, EVP_PKEY *k, const uint8_t *expect_qx,
		  const uint8_t *expect_qy)
{
	uint8_t qx[SEV_COORD_LEN], qy[SEV_COORD_LEN], x[48], y[48];
	EVP_PKEY *back;

	if (ec_p384_to_sev_point(k, qx, qy) || pub_be(k, x, y))
		return vg_fail(g, "%s: point encoding failed", id);
	if (differs(g, id, "Qx field", qx, expect_qx, sizeof(qx)) || differs(g, id, "Qy field", qy, expect_qy, sizeof(qy)))
		return -1;
	back = ec_p384_from_sev_point(qx, qy);
	if (!back || EVP_PKEY_eq(back, k) != 1) {
		EVP_PKEY_free(back);
		return vg_fail(g, "%s: the point does not decode back", id);
	}
	EVP_PKEY_free(back);
	vw_section(w, "sev-point", "%s", id);
	vw_hex(w, "x", x, 48);
	vw_hex(w, "y", y, 48);
	vw_hex(w, "qx_le", qx, sizeof(qx));
	vw_hex(w, "qy_le", qy, sizeof(qy));
	return 0;
}

/* ---- measurement and packets ----------------------------------------------------------- */

int vgk_measurement(struct vg *g, struct vw *w, const char *id, const uint8_t tik[16], uint8_t api_major,
		    uint8_t api_minor, uint8_t build, uint32_t policy, const uint8_t digest[32],
		    const uint8_t mnonce[16], int pre017, const uint8_t *expect, uint8_t out[32])
{
	uint8_t msg[56], m[32], m2[32];
	size_t n = 0;

	if (!pre017) {
		msg[n++] = SEV_MEASURE_CTX;
		msg[n++] = api_major;
		msg[n++] = api_minor;
		msg[n++] = build;
	}
	le32_put(msg + n, policy);
	memcpy(msg + n + 4, digest, 32);
	memcpy(msg + n + 36, mnonce, 16);
	n += 52;
	if (hmac_sha256(tik, 16, msg, n, m) ||
	    (pre017 ? sev_launch_measurement_pre017(tik, policy, digest, mnonce, m2)
		    : sev_launch_measurement(tik, api_major, api_minor, build, policy, digest, mnonce, m2)))
		return vg_fail(g, "%s: measurement failed", id);
	if (differs(g, id, "measurement", m, m2, 32) || differs(g, id, "measurement", m, expect, 32))
		return -1;
	vw_section(w, pre017 ? "measurement-pre017" : "measurement", "%s", id);
	vw_hex(w, "tik", tik, 16);
	if (!pre017) {
		vw_int(w, "api_major", api_major, 2);
		vw_int(w, "api_minor", api_minor, 2);
		vw_int(w, "build", build, 2);
	}
	vw_int(w, "policy", policy, 8);
	vw_hex(w, "digest", digest, 32);
	vw_hex(w, "mnonce", mnonce, 16);
	vw_hex(w, "message", msg, n);
	vw_hex(w, "measurement", m, 32);
	if (out)
		memcpy(out, m, 32);
	return 0;
}

/* The packet by the primitives: ct = AES-128-CTR(TEK, iv, pt), MAC over the AAD, ct
 * and the optional measurement. */
static int seal_raw(const struct sev_tk *tk, uint8_t ctx, uint32_t flags, const uint8_t iv[16], const uint8_t *pt,
		    size_t len, const uint8_t *measurement, uint8_t *ct, uint8_t hdr[52])
{
	struct sev_pkt_hdr h;

	h.flags = flags;
	memcpy(h.iv, iv, 16);
	if (aes128_ctr(tk->tek, iv, pt, ct, len) ||
	    sev_pkt_mac(tk->tik, ctx, flags, iv, (uint32_t)len, (uint32_t)len, ct, len, measurement, h.mac))
		return -1;
	sev_pkt_hdr_encode(&h, hdr);
	return 0;
}

int vgk_launch_secret(struct vg *g, struct vw *w, const char *id, const struct sev_tk *tk,
		      const uint8_t *measurement, const uint8_t iv[16], uint32_t flags, const uint8_t *secret,
		      size_t len, const uint8_t *expect_hdr, const uint8_t *expect_ct, uint8_t *hdr_out, uint8_t *ct_out)
{
	uint8_t *ct = malloc(len ? len : 1), *ct2 = malloc(len ? len : 1), hdr[52], hdr2[52];
	struct owner_err e;
	int rc = -1;

	if (!ct || !ct2) {
		vg_fail(g, "%s: out of memory", id);
		goto out;
	}
	if (seal_raw(tk, SEV_PKT_CTX_SECRET, flags, iv, secret, len, measurement, ct, hdr) ||
	    owner_package_secret(tk, measurement, iv, flags, secret, len, ct2, hdr2, &e)) {
		vg_fail(g, "%s: packaging the secret failed", id);
		goto out;
	}
	if (differs(g, id, "secret ciphertext", ct, ct2, len) || differs(g, id, "secret header", hdr, hdr2, 52) ||
	    differs(g, id, "secret header", hdr, expect_hdr, 52) || differs(g, id, "secret ciphertext", ct, expect_ct, len))
		goto out;
	vw_section(w, measurement ? "launch-secret" : "launch-secret-pre017", "%s", id);
	vw_hex(w, "tek", tk->tek, 16);
	vw_hex(w, "tik", tk->tik, 16);
	vw_int(w, "flags", flags, 8);
	vw_hex(w, "iv", iv, 16);
	vw_int(w, "guest_len", len, 8);
	vw_int(w, "trans_len", len, 8);
	if (measurement)
		vw_hex(w, "measurement", measurement, 32);
	vw_hex(w, "secret", secret, len);
	vw_hex(w, "ciphertext", ct, len);
	vw_hex(w, "mac", hdr + 20, 32);
	vw_hex(w, "header", hdr, 52);
	if (hdr_out)
		memcpy(hdr_out, hdr, 52);
	if (ct_out)
		memcpy(ct_out, ct, len);
	rc = 0;
out:
	free(ct);
	free(ct2);
	return rc;
}

int vgk_launch_secret_reject(struct vg *g, struct vw *w, const char *id, const struct sev_tk *tk,
			     const uint8_t *measurement, const uint8_t hdr[52], const uint8_t *ct, size_t len,
			     uint32_t status)
{
	struct sev_pkt_hdr h;
	uint8_t mac[32];
	int mac_ok;

	sev_pkt_hdr_decode(hdr, &h);
	if (sev_pkt_mac(tk->tik, SEV_PKT_CTX_SECRET, h.flags, h.iv, (uint32_t)len, (uint32_t)len, ct, len, measurement, mac))
		return vg_fail(g, "%s: MAC failed", id);
	mac_ok = ct_equal(mac, h.mac, 32);
	/* LAUNCH_SECRET checks the MAC before the COMPRESSED flag (spec §2.3). */
	if ((status == SEV_STATUS_BAD_MEASUREMENT && mac_ok) ||
	    (status == SEV_STATUS_UNSUPPORTED && (!mac_ok || !(h.flags & SEV_PKT_FLAG_COMPRESSED))) ||
	    (status != SEV_STATUS_BAD_MEASUREMENT && status != SEV_STATUS_UNSUPPORTED))
		return vg_fail(g, "%s: the packet does not fail the way the case says", id);
	vw_section(w, "launch-secret-reject", "%s", id);
	vw_hex(w, "tek", tk->tek, 16);
	vw_hex(w, "tik", tk->tik, 16);
	vw_hex(w, "measurement", measurement, 32);
	vw_hex(w, "header", hdr, 52);
	vw_hex(w, "ciphertext", ct, len);
	vw_int(w, "status", status, 2);
	return 0;
}

int vgk_transport(struct vg *g, struct vw *w, const char *id, uint32_t cmd, const struct sev_tk *tk, uint8_t ctx,
		  const uint8_t iv[16], const uint8_t *pt, size_t len, const uint8_t *expect_hdr,
		  const uint8_t *expect_ct, uint8_t *hdr_out, uint8_t *ct_out)
{
	uint8_t *ct = malloc(len), *ct2 = malloc(len), *back = malloc(len), hdr[52], hdr2[52];
	struct sev_pkt_ctx *pc = sev_pkt_ctx_new(tk);
	int rc = -1;

	if (!ct || !ct2 || !back || !pc) {
		vg_fail(g, "%s: out of memory", id);
		goto out;
	}
	if (seal_raw(tk, ctx, 0, iv, pt, len, NULL, ct, hdr) || sev_pkt_seal(pc, ctx, iv, pt, len, NULL, ct2, hdr2) ||
	    sev_pkt_open(pc, ctx, hdr, ct, len, NULL, back) != 0) {
		vg_fail(g, "%s: packet crypto failed", id);
		goto out;
	}
	if (differs(g, id, "packet ciphertext", ct, ct2, len) || differs(g, id, "packet header", hdr, hdr2, 52) ||
	    differs(g, id, "decrypted packet", back, pt, len) || differs(g, id, "packet header", hdr, expect_hdr, 52) ||
	    differs(g, id, "packet ciphertext", ct, expect_ct, len))
		goto out;
	vw_section(w, "transport", "%s", id);
	vw_int(w, "command", cmd, 3);
	vw_int(w, "ctx", ctx, 2);
	vw_hex(w, "tek", tk->tek, 16);
	vw_hex(w, "tik", tk->tik, 16);
	vw_int(w, "flags", 0, 8);
	vw_hex(w, "iv", iv, 16);
	vw_hex(w, "plaintext", pt, len);
	vw_hex(w, "ciphertext", ct, len);
	vw_hex(w, "mac", hdr + 20, 32);
	vw_hex(w, "header", hdr, 52);
	if (hdr_out)
		memcpy(hdr_out, hdr, 52);
	if (ct_out)
		memcpy(ct_out, ct, len);
	rc = 0;
out:
	sev_pkt_ctx_free(pc);
	free(ct);
	free(ct2);
	free(back);
	return rc;
}

int vgk_transport_reject(struct vg *g, struct vw *w, const char *id, uint32_t cmd, const struct sev_tk *tk,
			 const uint8_t hdr[52], const uint8_t *ct, uint32_t guest_len, uint32_t trans_len,
			 uint32_t status)
{
	struct sev_pkt_hdr h;
	uint8_t mac[32];
	int mac_ok;

	sev_pkt_hdr_decode(hdr, &h);
	if (sev_pkt_mac(tk->tik, SEV_PKT_CTX_TRANSPORT, h.flags, h.iv, trans_len, trans_len, ct, trans_len, NULL, mac))
		return vg_fail(g, "%s: MAC failed", id);
	mac_ok = ct_equal(mac, h.mac, 32);
	/* RECEIVE_UPDATE_*: lengths, then COMPRESSED, then the MAC (spec §2.4). */
	if ((status == SEV_STATUS_INVALID_LENGTH && guest_len == trans_len) ||
	    (status == SEV_STATUS_UNSUPPORTED && (guest_len != trans_len || !(h.flags & SEV_PKT_FLAG_COMPRESSED))) ||
	    (status == SEV_STATUS_BAD_MEASUREMENT && (guest_len != trans_len || (h.flags & SEV_PKT_FLAG_COMPRESSED) || mac_ok)))
		return vg_fail(g, "%s: the packet does not fail the way the case says", id);
	vw_section(w, "transport-reject", "%s", id);
	vw_int(w, "command", cmd, 3);
	vw_hex(w, "tek", tk->tek, 16);
	vw_hex(w, "tik", tk->tik, 16);
	vw_hex(w, "header", hdr, 52);
	vw_hex(w, "ciphertext", ct, trans_len);
	vw_int(w, "guest_len", guest_len, 8);
	vw_int(w, "trans_len", trans_len, 8);
	vw_int(w, "status", status, 2);
	return 0;
}

/* ---- certificates ------------------------------------------------------------------------ */

struct rng *vgk_sign_rng(const uint8_t *seed, size_t seed_len)
{
	return rng_new_seeded(seed, seed_len, SIGN_PERS);
}

int vgk_ecdsa_k(const uint8_t *seed, size_t seed_len, uint8_t k[48])
{
	struct rng *r = vgk_sign_rng(seed, seed_len);
	EC_GROUP *grp = EC_GROUP_new_by_curve_name(NID_secp384r1);
	BN_CTX *bn = BN_CTX_new();
	BIGNUM *x = BN_new(), *nm1 = grp ? BN_dup(EC_GROUP_get0_order(grp)) : NULL;
	uint8_t buf[56];
	int rc = -1;

	if (r && bn && x && nm1 && !rng_bytes(r, buf, sizeof(buf)) && BN_bin2bn(buf, sizeof(buf), x) &&
	    BN_sub_word(nm1, 1) && BN_nnmod(x, x, nm1, bn) && BN_add_word(x, 1) && BN_bn2binpad(x, k, 48) == 48)
		rc = 0;
	secure_zero(buf, sizeof(buf));
	BN_clear_free(x);
	BN_free(nm1);
	BN_CTX_free(bn);
	EC_GROUP_free(grp);
	rng_free(r);
	return rc;
}

/* The signer's secret and how to redo the signature, for readers that sign. */
static int write_sign(struct vg *g, struct vw *w, const char *id, const struct vgk_sign *s, int rsa, size_t hlen)
{
	if (!s || s->slot < 0)
		return 0;
	vw_int(w, "sign_slot", (uint64_t)s->slot, 1);
	vw_hex(w, "sign_seed", s->seed, s->seed_len);
	if (rsa) {
		uint8_t *der = NULL, salt[64];
		size_t n = 0;
		struct rng *r = vgk_sign_rng(s->seed, s->seed_len);
		int bad = !r || hlen > sizeof(salt) || rng_bytes(r, salt, hlen) || pkey_to_der(s->priv, &der, &n);

		rng_free(r);
		if (bad) {
			secure_free(der, n);
			return vg_fail(g, "%s: cannot export the RSA signer", id);
		}
		vw_hex(w, "signer_priv_der", der, n);
		vw_hex(w, "pss_salt", salt, hlen);
		secure_free(der, n);
	} else {
		uint8_t d[48], k[48];

		if (ec_p384_private_bytes(s->priv, d) || vgk_ecdsa_k(s->seed, s->seed_len, k))
			return vg_fail(g, "%s: cannot export the EC signer", id);
		vw_hex(w, "signer_priv", d, 48);
		vw_hex(w, "ecdsa_k", k, 48);
	}
	return 0;
}

/* The bytes, or the path of the file holding them. */
static void cert_bytes(struct vw *w, const char *key, const void *p, size_t n, const char *path)
{
	char k[64];

	if (path) {
		snprintf(k, sizeof(k), "%s_path", key);
		vw_comment(w, "%s: %s", k, path);
		vw_text(w, k, path);
	} else {
		vw_hex(w, key, p, n);
	}
}

int vgk_sev_cert(struct vg *g, struct vw *w, const char *id, const struct sev_cert *c, const struct sev_cert *signer,
		 const struct amd_cert *signer_amd, uint32_t status, const struct vgk_sign *sign,
		 const struct vgk_paths *paths)
{
	struct sev_pubkey pk = { 0 };
	const char *why = NULL;
	uint32_t st;
	int rsa = 0;

	if (signer) {
		struct sev_cert view;

		/* Validate against exactly what the file will say of the signer. */
		memset(&view, 0, sizeof(view));
		memcpy(view.raw, signer->raw, SEV_CERT_OFF_EC_QY + SEV_COORD_LEN);
		st = sev_cert_validate_by(c, &view, &why);
	} else {
		st = amd_cert_sev_pubkey(signer_amd, &pk, &why);
		if (st == SEV_STATUS_SUCCESS)
			st = sev_cert_validate(c, &pk, &why);
		sev_pubkey_clear(&pk);
		rsa = 1;
	}
	if (st != status)
		return vg_fail(g, "%s: validation gives %s (%s), the case says %s", id, sev_status_name(st),
			       why ? why : "-", sev_status_name(status));
	if (sign && sign->slot >= 0) {
		struct sev_cert again = *c;
		struct rng *r = vgk_sign_rng(sign->seed, sign->seed_len);
		uint32_t u = sev_cert_sig_usage(c, sign->slot), a = sev_cert_sig_algo(c, sign->slot);
		int bad = !r || sev_cert_sign(&again, sign->slot, u, a, sign->priv, r);

		rng_free(r);
		if (bad || memcmp(again.raw, c->raw, sizeof(c->raw)))
			return vg_fail(g, "%s: the signature does not reproduce from its seed", id);
		rsa = (a & 0xff) == SEV_ALGO_RSA_SHA256;
	}
	vw_section(w, "sev-cert", "%s", id);
	cert_bytes(w, "cert", c->raw, sizeof(c->raw), paths ? paths->cert : NULL);
	if (signer && paths && paths->signer)
		cert_bytes(w, "signer", signer->raw, sizeof(signer->raw), paths->signer);
	else if (signer)
		/* The firmware's view of a signer: usage, algo and the EC key (bytes 0x008..0x0a3
		 * of its certificate); the rest of the certificate plays no part. */
		vw_hex(w, "signer_pubkey", signer->raw + SEV_CERT_OFF_USAGE, SIGNER_PUBKEY_LEN);
	else
		cert_bytes(w, "signer_amd", signer_amd->raw, signer_amd->len, paths ? paths->signer : NULL);
	vw_int(w, "status", st, 2);
	return write_sign(g, w, id, sign, rsa, rsa && sign ? (size_t)((sev_cert_sig_algo(c, sign->slot) & 0x100) ? 48 : 32) : 0);
}

int vgk_sev_cert_dh(struct vg *g, struct vw *w, const char *id, const struct sev_cert *c, uint32_t status)
{
	const char *why = NULL;
	uint32_t st = sev_cert_sanity_dh(c, &why);

	if (st != status)
		return vg_fail(g, "%s: the DH sanity check gives %s (%s), the case says %s", id, sev_status_name(st),
			       why ? why : "-", sev_status_name(status));
	vw_section(w, "sev-cert-dh", "%s", id);
	vw_hex(w, "cert", c->raw, sizeof(c->raw));
	vw_int(w, "status", st, 2);
	return 0;
}

static int amd_resign_check(struct vg *g, const char *id, const struct amd_cert *c, const struct vgk_sign *sign)
{
	struct amd_cert again = *c;
	struct rng *r;
	int bad;

	if (!sign || sign->slot < 0)
		return 0;
	r = vgk_sign_rng(sign->seed, sign->seed_len);
	bad = !r || amd_cert_sign(&again, sign->priv, r) || memcmp(again.raw, c->raw, c->len);
	rng_free(r);
	return bad ? vg_fail(g, "%s: the signature does not reproduce from its seed", id) : 0;
}

int vgk_amd_ark(struct vg *g, struct vw *w, const char *id, const struct amd_cert *ark, const uint8_t *fused_hash,
		uint32_t status, const struct vgk_sign *sign, const struct vgk_paths *paths)
{
	const char *why = NULL;
	uint32_t st = amd_cert_validate_ark(ark, fused_hash, &why);

	if (st != status)
		return vg_fail(g, "%s: ARK validation gives %s (%s), the case says %s", id, sev_status_name(st),
			       why ? why : "-", sev_status_name(status));
	if (amd_resign_check(g, id, ark, sign))
		return -1;
	vw_section(w, "amd-ark", "%s", id);
	cert_bytes(w, "cert", ark->raw, ark->len, paths ? paths->cert : NULL);
	if (fused_hash)
		vw_hex(w, "fused_hash", fused_hash, 48);
	vw_int(w, "status", st, 2);
	return write_sign(g, w, id, sign, 1, amd_cert_mod_bits(ark) == 2048 ? 32 : 48);
}

int vgk_amd_ask(struct vg *g, struct vw *w, const char *id, const struct amd_cert *ask, const struct amd_cert *ark,
		uint32_t status, const struct vgk_sign *sign, const struct vgk_paths *paths)
{
	const char *why = NULL;
	uint32_t st = amd_cert_validate_ask(ask, ark, &why);

	if (st != status)
		return vg_fail(g, "%s: ASK validation gives %s (%s), the case says %s", id, sev_status_name(st),
			       why ? why : "-", sev_status_name(status));
	if (amd_resign_check(g, id, ask, sign))
		return -1;
	vw_section(w, "amd-ask", "%s", id);
	cert_bytes(w, "cert", ask->raw, ask->len, paths ? paths->cert : NULL);
	cert_bytes(w, "ark", ark->raw, ark->len, paths ? paths->signer : NULL);
	vw_int(w, "status", st, 2);
	return write_sign(g, w, id, sign, 1, amd_cert_mod_bits(ark) == 2048 ? 32 : 48);
}

/* ---- attestation ------------------------------------------------------------------------ */

int vgk_attestation(struct vg *g, struct vw *w, const char *id, const struct sev_cert *pek, const uint8_t report[208],
		    const uint8_t mnonce[16], const uint8_t digest[32], uint32_t policy, uint32_t status)
{
	struct owner_report_expect x = { mnonce, digest, true, policy };
	struct owner_err e;
	uint32_t st = owner_report_verify(report, pek, &x, &e) == 0 ? SEV_STATUS_SUCCESS : e.status;

	if (st != status)
		return vg_fail(g, "%s: the report verifies as %s (%s), the case says %s", id, sev_status_name(st),
			       st ? e.msg : "-", sev_status_name(status));
	vw_section(w, "attestation", "%s", id);
	vw_hex(w, "pek_pubkey", pek->raw + SEV_CERT_OFF_USAGE, SIGNER_PUBKEY_LEN);
	vw_hex(w, "report", report, 208);
	vw_hex(w, "mnonce", mnonce, 16);
	vw_hex(w, "digest", digest, 32);
	vw_int(w, "policy", policy, 8);
	vw_int(w, "status", st, 2);
	return 0;
}
