/* One writer per vector kind (vectors/README.md lists the kinds and their keys).
 * Each computes the case with the emulator's code, by two routes where the code has
 * two (the keyed packet context and the one-shot primitives, the guest-owner library
 * and the firmware's helpers), compares with `expect` when the caller captured the
 * value elsewhere (a firmware command's output), and only then writes it.  Any
 * disagreement fails the generation. */
#ifndef SWSEV_VECTORS_VG_KINDS_H
#define SWSEV_VECTORS_VG_KINDS_H

#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

#include "emu/cert/amd_cert.h"
#include "emu/cert/sev_cert.h"
#include "emu/crypto/session.h"
#include "vectors/gen/vg.h"

int vgk_kdf(struct vg *g, struct vw *w, const char *id, const uint8_t *key, size_t klen, const char *label,
	    const uint8_t *ctx, size_t clen, size_t len, const uint8_t *expect);
int vgk_hmac(struct vg *g, struct vw *w, const char *id, const uint8_t *key, size_t klen, const void *msg,
	     size_t n, const uint8_t *expect);
int vgk_sha256(struct vg *g, struct vw *w, const char *id, const void *msg, size_t n, const uint8_t *expect);

/* z may be any length (HMAC keys are zero-padded; the published KATs use 16 bytes).
 * out (may be NULL) receives the blob. */
int vgk_session(struct vg *g, struct vw *w, const char *id, const uint8_t *z, size_t zlen, const uint8_t nonce[16],
		const uint8_t wrap_iv[16], const struct sev_tk *tk, uint32_t policy, const struct sev_session *expect,
		struct sev_session *out);
int vgk_session_reject(struct vg *g, struct vw *w, const char *id, const uint8_t *z, size_t zlen, uint32_t policy,
		       const struct sev_session *s);

/* a and b are private keys; z (may be NULL) receives the shared secret. */
int vgk_ecdh(struct vg *g, struct vw *w, const char *id, EVP_PKEY *a, EVP_PKEY *b, const uint8_t *expect,
	     uint8_t z[48]);
int vgk_sev_point(struct vg *g, struct vw *w, const char *id, EVP_PKEY *k, const uint8_t *expect_qx,
		  const uint8_t *expect_qy);

/* pre017: the pre-0.17 form (api and build are then not part of the message). */
int vgk_measurement(struct vg *g, struct vw *w, const char *id, const uint8_t tik[16], uint8_t api_major,
		    uint8_t api_minor, uint8_t build, uint32_t policy, const uint8_t digest[32],
		    const uint8_t mnonce[16], int pre017, const uint8_t *expect, uint8_t out[32]);

/* measurement NULL: the pre-0.17 form.  hdr/ct (may be NULL) receive the packet. */
int vgk_launch_secret(struct vg *g, struct vw *w, const char *id, const struct sev_tk *tk,
		      const uint8_t *measurement, const uint8_t iv[16], uint32_t flags, const uint8_t *secret,
		      size_t len, const uint8_t *expect_hdr, const uint8_t *expect_ct, uint8_t *hdr, uint8_t *ct);
/* A packet LAUNCH_SECRET must refuse with status (BAD_MEASUREMENT or UNSUPPORTED). */
int vgk_launch_secret_reject(struct vg *g, struct vw *w, const char *id, const struct sev_tk *tk,
			     const uint8_t *measurement, const uint8_t hdr[52], const uint8_t *ct, size_t len,
			     uint32_t status);

/* cmd: 0x041 / 0x042 (SEND_UPDATE_DATA / _VMSA; the receiving commands take the same
 * packet).  ctx: the MAC's context byte. */
int vgk_transport(struct vg *g, struct vw *w, const char *id, uint32_t cmd, const struct sev_tk *tk, uint8_t ctx,
		  const uint8_t iv[16], const uint8_t *pt, size_t len, const uint8_t *expect_hdr,
		  const uint8_t *expect_ct, uint8_t *hdr, uint8_t *ct);
/* A packet RECEIVE_UPDATE_DATA (cmd 0x051) / _VMSA (0x052) must refuse with status. */
int vgk_transport_reject(struct vg *g, struct vw *w, const char *id, uint32_t cmd, const struct sev_tk *tk,
			 const uint8_t hdr[52], const uint8_t *ct, uint32_t guest_len, uint32_t trans_len,
			 uint32_t status);

/* A certificate and the signer it is validated against (exactly one of signer /
 * signer_amd), with the status sev_cert_validate must give.  For a signature the
 * reader can reproduce: signer_priv and the seed of the rng that signed slot
 * sign_slot (-1: none).  Certificates shipped as files are written as their paths
 * (relative to the vectors directory) instead of their bytes. */
struct vgk_paths {
	const char *cert, *signer;
};
struct vgk_sign {
	int slot;
	EVP_PKEY *priv;
	const uint8_t *seed;
	size_t seed_len;
};
int vgk_sev_cert(struct vg *g, struct vw *w, const char *id, const struct sev_cert *c, const struct sev_cert *signer,
		 const struct amd_cert *signer_amd, uint32_t status, const struct vgk_sign *sign,
		 const struct vgk_paths *paths);
/* The channel's sanity check of a peer DH certificate (LAUNCH_START, RECEIVE_START). */
int vgk_sev_cert_dh(struct vg *g, struct vw *w, const char *id, const struct sev_cert *c, uint32_t status);
/* ARK (fused_hash may be NULL: any root) and ASK validation. */
int vgk_amd_ark(struct vg *g, struct vw *w, const char *id, const struct amd_cert *ark, const uint8_t *fused_hash,
		uint32_t status, const struct vgk_sign *sign, const struct vgk_paths *paths);
int vgk_amd_ask(struct vg *g, struct vw *w, const char *id, const struct amd_cert *ask, const struct amd_cert *ark,
		uint32_t status, const struct vgk_sign *sign, const struct vgk_paths *paths);

/* A report and what the verifier expects; status: owner_report_verify's verdict. */
int vgk_attestation(struct vg *g, struct vw *w, const char *id, const struct sev_cert *pek, const uint8_t report[208],
		    const uint8_t mnonce[16], const uint8_t digest[32], uint32_t policy, uint32_t status);

/* ---- helpers shared by the generators -------------------------------------------------- */

/* k of ec_p384_sign_digest for an rng seeded with seed: (int_be(first 56 bytes) mod
 * (n-1)) + 1, big-endian; and the PSS salt (first hlen bytes). */
int vgk_ecdsa_k(const uint8_t *seed, size_t seed_len, uint8_t k[48]);
struct rng *vgk_sign_rng(const uint8_t *seed, size_t seed_len);

/* SEV certificate field edits that keep the rest. */
void vgk_put32(uint8_t *p, uint32_t v);

#endif
