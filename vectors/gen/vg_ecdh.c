/* ecdh.txt: P-384 ECDH as the channel uses it (Z = the 48-byte big-endian X of d*Q),
 * including a pair whose Z starts with a zero byte (an implementation that strips
 * leading zeros gets it wrong), and the SEV certificate encoding of public keys (72-byte
 * little-endian zero-padded fields), including an X with a leading zero byte. */
#include <stdio.h>

#include "emu/crypto/pkey.h"
#include "vectors/gen/vg_kinds.h"

static EVP_PKEY *draw_key(struct vg *g)
{
	EVP_PKEY *k = ec_p384_generate(vg_rng(g));

	if (!k)
		vg_fail(g, "key generation failed");
	return k;
}

/* Draws pairs until Z's first byte is zero (about 256 tries). */
static int leading_zero_z(struct vg *g, struct vw *w)
{
	for (int tries = 0; tries < 4096; tries++) {
		EVP_PKEY *a = draw_key(g), *b = a ? draw_key(g) : NULL;
		uint8_t z[48];
		int rc = 1;

		if (!b || ec_p384_ecdh(a, b, z))
			rc = vg_fail(g, "ECDH failed");
		else if (z[0] == 0) {
			vw_comment(w, "\nZ begins with a zero byte: it is still 48 bytes long.");
			rc = vgk_ecdh(g, w, "z-leading-zero", a, b, NULL, NULL);
		}
		EVP_PKEY_free(a);
		EVP_PKEY_free(b);
		if (rc <= 0)
			return rc;
	}
	return vg_fail(g, "no Z with a leading zero byte found");
}

static int leading_zero_x(struct vg *g, struct vw *w)
{
	for (int tries = 0; tries < 4096; tries++) {
		EVP_PKEY *k = draw_key(g);
		uint8_t qx[SEV_COORD_LEN], qy[SEV_COORD_LEN];
		int rc = 1;

		if (!k || ec_p384_to_sev_point(k, qx, qy))
			rc = vg_fail(g, "point encoding failed");
		else if (qx[47] == 0) {
			vw_comment(w, "\nX begins (big-endian) with a zero byte: in the little-endian field it is byte 47.");
			rc = vgk_sev_point(g, w, "x-leading-zero", k, NULL, NULL);
		}
		EVP_PKEY_free(k);
		if (rc <= 0)
			return rc;
	}
	return vg_fail(g, "no X with a leading zero byte found");
}

int vg_gen_ecdh(struct vg *g, struct vw *w)
{
	vw_comment(w, "\nKeys: d = (int_be(56 bytes of the input stream) mod (n-1)) + 1 on P-384 (how the\n"
		      "emulator makes every P-384 key).  priv_* big-endian scalars, pub_* big-endian\n"
		      "affine coordinates; z = X(priv_a * pub_b) = X(priv_b * pub_a), 48 bytes big-endian.");
	for (int i = 1; i <= 4; i++) {
		EVP_PKEY *a = draw_key(g), *b = a ? draw_key(g) : NULL;
		char id[32];
		int rc;

		snprintf(id, sizeof(id), "pair-%d", i);
		rc = b ? vgk_ecdh(g, w, id, a, b, NULL, NULL) : -1;
		if (rc == 0) {
			snprintf(id, sizeof(id), "pair-%d-a", i);
			rc = vgk_sev_point(g, w, id, a, NULL, NULL);
		}
		EVP_PKEY_free(a);
		EVP_PKEY_free(b);
		if (rc)
			return -1;
	}
	if (leading_zero_z(g, w))
		return -1;
	return leading_zero_x(g, w);
}
