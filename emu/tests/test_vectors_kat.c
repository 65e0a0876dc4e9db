/* The committed conformance vectors (vectors/NAME.txt) against the emulator: every KDF,
 * MAC, session, ECDH, measurement, packet, certificate verdict and attestation report
 * in them must come out of this code, every refusal must be refused with the status
 * the file gives (packets through the firmware itself), and both firmware transcripts
 * must replay byte for byte.  The files are the ones `swsev vectors generate` writes;
 * this test reads them independently of the generator's code paths.
 *
 * The vectors directory: $SWSEV_VECTORS_DIR, else ./vectors, else the source tree's.
 * Missing files fail the suite: a checkout without its vectors is broken. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu/cert/amd_cert.h"
#include "emu/cert/sev_cert.h"
#include "emu/crypto/kdf.h"
#include "emu/crypto/packet.h"
#include "emu/crypto/pkey.h"
#include "emu/crypto/session.h"
#include "emu/crypto/symm.h"
#include "emu/fw/fw.h"
#include "emu/util/bytes.h"
#include "emu/util/file.h"
#include "harness/owner/verify.h"
#include "harness/testlib/testlib.h"
#include "vectors/gen/vg_file.h"
#include "vectors/gen/vg_replay.h"
#include "vectors/gen/vg_rx.h"

static const char *const names[] = {
	"kat-published.txt", "kdf.txt", "session.txt", "ecdh.txt", "measurement.txt", "launch-secret.txt",
	"transport.txt", "cert-sev.txt", "cert-amd.txt", "attestation.txt", "transcript-launch.txt",
	"transcript-migration.txt",
};
#define NFILES (sizeof(names) / sizeof(names[0]))

static struct vf files[NFILES];
static int loaded[NFILES];

static const char *vec_dir(void)
{
	static char dir[4096];
	const char *env = getenv("SWSEV_VECTORS_DIR");

	if (dir[0])
		return dir;
	if (env && *env)
		snprintf(dir, sizeof(dir), "%s", env);
	else if (access("vectors/kdf.txt", R_OK) == 0)
		snprintf(dir, sizeof(dir), "vectors");
	else
		snprintf(dir, sizeof(dir), "%s/vectors", test_srcdir());
	return dir;
}

static const struct vf *file(size_t i)
{
	char path[4200], msg[512];

	if (!loaded[i]) {
		snprintf(path, sizeof(path), "%s/%s", vec_dir(), names[i]);
		if (vf_load(path, &files[i], msg, sizeof(msg)) != 0) {
			fprintf(stderr, "\nvectors: %s\n", msg);
			loaded[i] = -1;
		} else {
			loaded[i] = 1;
		}
	}
	return loaded[i] == 1 ? &files[i] : NULL;
}

static int clean(void)
{
	for (size_t i = 0; i < NFILES; i++)
		if (loaded[i] == 1)
			vf_free(&files[i]);
	memset(loaded, 0, sizeof(loaded));
	return 0;
}

/* Failures name the file and the case. */
static const char *cur_file;

static void bad(const struct vf_case *c, const char *what)
{
	fprintf(stderr, "\nvectors: %s [%s:%s] (line %u): %s\n", cur_file, c->kind, c->id, c->line, what);
}

#define EXPECT(c, cond, what)                 \
	do {                                  \
		if (!(cond)) {                \
			bad((c), (what));     \
			CU_FAIL(what);        \
		} else {                      \
			CU_PASS(what);        \
		}                             \
	} while (0)

typedef void (*case_fn)(const struct vf_case *c);

/* Runs fn on every case of a kind in every file; returns how many. */
static size_t each(const char *kind, case_fn fn)
{
	size_t n = 0;

	for (size_t i = 0; i < NFILES; i++) {
		const struct vf *f = file(i);

		CU_ASSERT_PTR_NOT_NULL(f);
		if (!f)
			continue;
		cur_file = names[i];
		for (size_t j = 0; j < f->n; j++)
			if (!strcmp(f->c[j].kind, kind)) {
				fn(&f->c[j]);
				n++;
			}
	}
	return n;
}

/* ---- value access ------------------------------------------------------------------ */

/* A byte string, or the contents of the file named by key_path. */
static uint8_t *get(const struct vf_case *c, const char *key, size_t *n)
{
	uint8_t *b = NULL, *path = NULL;
	char pk[64], full[4300];
	size_t pn;

	*n = 0;
	if (vf_has(c, key)) {
		if (vf_bytes(c, key, &b, n))
			bad(c, key);
		return b;
	}
	snprintf(pk, sizeof(pk), "%s_path", key);
	if (vf_bytes(c, pk, &path, &pn) == 0) {
		snprintf(full, sizeof(full), "%s/%.*s", vec_dir(), (int)pn, (const char *)path);
		b = file_read_all(full, n);
		free(path);
	}
	if (!b)
		bad(c, key);
	return b;
}

static int fixed(const struct vf_case *c, const char *key, void *out, size_t n)
{
	size_t got;
	uint8_t *b = get(c, key, &got);
	int ok = b && got == n;

	if (ok)
		memcpy(out, b, n);
	else
		bad(c, key);
	free(b);
	return ok ? 0 : -1;
}

static uint32_t u32(const struct vf_case *c, const char *key)
{
	uint32_t v = 0;

	if (vf_u32(c, key, &v))
		bad(c, key);
	return v;
}

/* ---- KDF, HMAC, SHA-256 ------------------------------------------------------------ */

static void kdf_case(const struct vf_case *c)
{
	size_t kl, ll, cl, ol, pl;
	uint8_t *key = get(c, "key", &kl), *label = get(c, "label", &ll), *ctx = get(c, "context", &cl);
	uint8_t *out = get(c, "output", &ol), *prf = get(c, "prf_input_1", &pl), *got = NULL, mac[32];
	char lab[256];
	uint32_t len = u32(c, "length");

	if (!key || !label || !ctx || !out || !prf || len != ol || ll >= sizeof(lab) || !(got = malloc(ol))) {
		EXPECT(c, 0, "malformed kdf case");
		goto out;
	}
	memcpy(lab, label, ll);
	lab[ll] = '\0';
	EXPECT(c, sev_kdf(key, kl, lab, cl ? ctx : NULL, cl, got, ol) == 0 && !memcmp(got, out, ol), "KDF output");
	EXPECT(c, hmac_sha256(key, kl, prf, pl, mac) == 0 && !memcmp(mac, out, ol < 32 ? ol : 32), "first PRF block");
out:
	free(key), free(label), free(ctx), free(out), free(prf), free(got);
}

static void test_kdf(void)
{
	CU_ASSERT(each("kdf", kdf_case) >= 20);
}

static void hmac_case(const struct vf_case *c)
{
	size_t kl, ml;
	uint8_t *key = get(c, "key", &kl), *m = get(c, "message", &ml), want[32], mac[32];

	EXPECT(c, key && m && !fixed(c, "mac", want, 32) && !hmac_sha256(key, kl, m, ml, mac) && !memcmp(mac, want, 32),
	       "HMAC-SHA256");
	free(key), free(m);
}

static void sha_case(const struct vf_case *c)
{
	size_t ml;
	uint8_t *m = get(c, "message", &ml), want[32], d[32];

	EXPECT(c, m && !fixed(c, "digest", want, 32) && !sha256(m, ml, d) && !memcmp(d, want, 32), "SHA-256");
	free(m);
}

static void test_hmac_sha256(void)
{
	CU_ASSERT(each("hmac", hmac_case) >= 1);
	CU_ASSERT(each("sha256", sha_case) >= 3);
}

/* ---- sessions ---------------------------------------------------------------------- */

static void session_case(const struct vf_case *c)
{
	size_t zl;
	uint8_t *z = get(c, "z", &zl), nonce[16], iv[16], master[16], kek[16], kik[16], m2[16], k2[16], i2[16];
	struct sev_tk tk, back;
	struct sev_session want, s;
	uint32_t policy = u32(c, "policy");

	if (!z || fixed(c, "nonce", nonce, 16) || fixed(c, "wrap_iv", iv, 16) || fixed(c, "tek", tk.tek, 16) ||
	    fixed(c, "tik", tk.tik, 16) || fixed(c, "master", master, 16) || fixed(c, "kek", kek, 16) ||
	    fixed(c, "kik", kik, 16) || fixed(c, "session", &want, sizeof(want))) {
		EXPECT(c, 0, "malformed session case");
		free(z);
		return;
	}
	EXPECT(c, !sev_kdf(z, zl, SEV_KDF_LABEL_MASTER, nonce, 16, m2, 16) && !memcmp(m2, master, 16), "master secret");
	EXPECT(c, !sev_session_kek_kik(z, zl, nonce, k2, i2) && !memcmp(k2, kek, 16) && !memcmp(i2, kik, 16), "KEK/KIK");
	EXPECT(c, !sev_session_wrap(&tk, z, zl, nonce, iv, policy, &s) && !memcmp(&s, &want, sizeof(s)), "session blob");
	EXPECT(c, sev_session_unwrap(&want, z, zl, policy, &back) == SEV_UNWRAP_OK && !memcmp(&back, &tk, sizeof(tk)),
	       "the server side unwraps TEK/TIK");
	free(z);
}

static void session_reject_case(const struct vf_case *c)
{
	size_t zl;
	uint8_t *z = get(c, "z", &zl);
	struct sev_session s;
	struct sev_tk tk;
	enum sev_unwrap u;

	if (!z || fixed(c, "session", &s, sizeof(s))) {
		EXPECT(c, 0, "malformed session-reject case");
		free(z);
		return;
	}
	u = sev_session_unwrap(&s, z, zl, u32(c, "policy"), &tk);
	EXPECT(c, u == SEV_UNWRAP_BAD_WRAP_MAC || u == SEV_UNWRAP_BAD_POLICY_MAC, "the session is refused");
	EXPECT(c, u32(c, "status") == SEV_STATUS_BAD_MEASUREMENT, "a refused session is BAD_MEASUREMENT");
	free(z);
}

static void test_session(void)
{
	CU_ASSERT(each("session", session_case) >= 8);
	CU_ASSERT(each("session-reject", session_reject_case) >= 7);
}

/* ---- keys ---------------------------------------------------------------------------- */

static EVP_PKEY *priv_key(const struct vf_case *c, const char *key)
{
	uint8_t d[48];
	EVP_PKEY *k = fixed(c, key, d, 48) ? NULL : ec_p384_from_private(d);

	secure_zero(d, sizeof(d));
	return k;
}

static int pub_is(EVP_PKEY *k, const struct vf_case *c, const char *xk, const char *yk)
{
	uint8_t qx[72], qy[72], x[48], y[48];

	if (!k || ec_p384_to_sev_point(k, qx, qy) || fixed(c, xk, x, 48) || fixed(c, yk, y, 48))
		return 0;
	bytes_reverse(x, 48);
	bytes_reverse(y, 48);
	return !memcmp(qx, x, 48) && !memcmp(qy, y, 48);
}

static void ecdh_case(const struct vf_case *c)
{
	EVP_PKEY *a = priv_key(c, "priv_a"), *b = priv_key(c, "priv_b");
	uint8_t z[48], z1[48], z2[48];

	EXPECT(c, pub_is(a, c, "pub_a_x", "pub_a_y") && pub_is(b, c, "pub_b_x", "pub_b_y"), "public keys of the scalars");
	EXPECT(c, a && b && !fixed(c, "z", z, 48) && !ec_p384_ecdh(a, b, z1) && !ec_p384_ecdh(b, a, z2) &&
			  !memcmp(z1, z, 48) && !memcmp(z2, z, 48),
	       "Z from both sides");
	EVP_PKEY_free(a);
	EVP_PKEY_free(b);
}

static void point_case(const struct vf_case *c)
{
	uint8_t qx[72], qy[72], x[72], y[72];
	EVP_PKEY *k = NULL;

	if (fixed(c, "qx_le", qx, 72) || fixed(c, "qy_le", qy, 72)) {
		EXPECT(c, 0, "malformed sev-point case");
		return;
	}
	k = ec_p384_from_sev_point(qx, qy);
	EXPECT(c, pub_is(k, c, "x", "y"), "the SEV fields decode to the point");
	EXPECT(c, k && !ec_p384_to_sev_point(k, x, y) && !memcmp(x, qx, 72) && !memcmp(y, qy, 72), "and encode back");
	EVP_PKEY_free(k);
}

static void test_ecdh(void)
{
	CU_ASSERT(each("ecdh", ecdh_case) >= 6);
	CU_ASSERT(each("sev-point", point_case) >= 7);
}

/* ---- measurement and packets ------------------------------------------------------------ */

static void measure_case(const struct vf_case *c, int pre017)
{
	uint8_t tik[16], digest[32], mnonce[16], want[32], m[32], msg[56];
	size_t ml;
	uint8_t *mm = get(c, "message", &ml);
	uint32_t policy = u32(c, "policy");
	int rc;

	if (!mm || fixed(c, "tik", tik, 16) || fixed(c, "digest", digest, 32) || fixed(c, "mnonce", mnonce, 16) ||
	    fixed(c, "measurement", want, 32) || ml != (pre017 ? 52u : 56u)) {
		EXPECT(c, 0, "malformed measurement case");
		free(mm);
		return;
	}
	rc = pre017 ? sev_launch_measurement_pre017(tik, policy, digest, mnonce, m)
		    : sev_launch_measurement(tik, (uint8_t)u32(c, "api_major"), (uint8_t)u32(c, "api_minor"),
					     (uint8_t)u32(c, "build"), policy, digest, mnonce, m);
	EXPECT(c, rc == 0 && !memcmp(m, want, 32), "measurement");
	/* The message as spelled out in the file is what the MAC covers. */
	memcpy(msg, mm, ml);
	EXPECT(c, !hmac_sha256(tik, 16, msg, ml, m) && !memcmp(m, want, 32), "measurement message");
	free(mm);
}

static void m_case(const struct vf_case *c)
{
	measure_case(c, 0);
}

static void m017_case(const struct vf_case *c)
{
	measure_case(c, 1);
}

static void test_measurement(void)
{
	CU_ASSERT(each("measurement", m_case) >= 6);
	CU_ASSERT(each("measurement-pre017", m017_case) >= 3);
}

static void secret_case(const struct vf_case *c)
{
	struct sev_tk tk;
	uint8_t iv[16], meas[32], hdr[52], want_hdr[52];
	size_t sl, cl;
	uint8_t *pt = get(c, "secret", &sl), *ct = get(c, "ciphertext", &cl), *got = malloc(sl ? sl : 1);
	int has_m = vf_has(c, "measurement");
	struct sev_pkt_hdr h = { u32(c, "flags"), { 0 }, { 0 } };

	if (!pt || !ct || !got || sl != cl || fixed(c, "tek", tk.tek, 16) || fixed(c, "tik", tk.tik, 16) ||
	    fixed(c, "iv", iv, 16) || fixed(c, "header", want_hdr, 52) || (has_m && fixed(c, "measurement", meas, 32)) ||
	    u32(c, "guest_len") != sl || u32(c, "trans_len") != sl) {
		EXPECT(c, 0, "malformed launch-secret case");
		goto out;
	}
	memcpy(h.iv, iv, 16);
	EXPECT(c, !aes128_ctr(tk.tek, iv, pt, got, sl) && !memcmp(got, ct, sl), "secret ciphertext");
	EXPECT(c, !sev_pkt_mac(tk.tik, SEV_PKT_CTX_SECRET, h.flags, iv, (uint32_t)sl, (uint32_t)sl, ct, sl, has_m ? meas : NULL,
			       h.mac),
	       "MAC");
	sev_pkt_hdr_encode(&h, hdr);
	EXPECT(c, !memcmp(hdr, want_hdr, 52), "secret header");
out:
	free(pt), free(ct), free(got);
}

static void secret_reject_case(const struct vf_case *c)
{
	struct sev_tk tk;
	uint8_t meas[32], hdr[52];
	size_t cl;
	uint8_t *ct = get(c, "ciphertext", &cl), *pt = malloc(cl ? cl : 1);
	struct sev_pkt_ctx *pc = NULL;
	uint32_t status = u32(c, "status");
	struct sev_pkt_hdr h;
	int rc;

	if (!ct || !pt || fixed(c, "tek", tk.tek, 16) || fixed(c, "tik", tk.tik, 16) || fixed(c, "measurement", meas, 32) ||
	    fixed(c, "header", hdr, 52) || !(pc = sev_pkt_ctx_new(&tk))) {
		EXPECT(c, 0, "malformed launch-secret-reject case");
		goto out;
	}
	/* LAUNCH_SECRET: MAC (BAD_MEASUREMENT), then the COMPRESSED flag (UNSUPPORTED). */
	rc = sev_pkt_open(pc, SEV_PKT_CTX_SECRET, hdr, ct, cl, meas, pt);
	sev_pkt_hdr_decode(hdr, &h);
	EXPECT(c, status == SEV_STATUS_BAD_MEASUREMENT ? rc == 1
		  : status == SEV_STATUS_UNSUPPORTED	  ? rc == 0 && (h.flags & SEV_PKT_FLAG_COMPRESSED)
							  : 0,
	       "the packet fails as the case says");
out:
	sev_pkt_ctx_free(pc);
	free(ct), free(pt);
}

static void test_launch_secret(void)
{
	CU_ASSERT(each("launch-secret", secret_case) >= 5);
	CU_ASSERT(each("launch-secret-pre017", secret_case) >= 2);
	CU_ASSERT(each("launch-secret-reject", secret_reject_case) >= 6);
}

static void transport_case(const struct vf_case *c)
{
	struct sev_tk tk;
	uint8_t iv[16], hdr[52], want_hdr[52];
	size_t pl, cl;
	uint8_t *pt = get(c, "plaintext", &pl), *ct = get(c, "ciphertext", &cl), *got = malloc(pl ? pl : 1);
	struct sev_pkt_ctx *pc = NULL;
	uint32_t ctx = u32(c, "ctx");

	if (!pt || !ct || !got || pl != cl || fixed(c, "tek", tk.tek, 16) || fixed(c, "tik", tk.tik, 16) ||
	    fixed(c, "iv", iv, 16) || fixed(c, "header", want_hdr, 52) || !(pc = sev_pkt_ctx_new(&tk))) {
		EXPECT(c, 0, "malformed transport case");
		goto out;
	}
	EXPECT(c, !sev_pkt_seal(pc, (uint8_t)ctx, iv, pt, pl, NULL, got, hdr) && !memcmp(got, ct, pl) && !memcmp(hdr, want_hdr, 52),
	       "SEND_UPDATE packet");
	EXPECT(c, !sev_pkt_open(pc, (uint8_t)ctx, want_hdr, ct, cl, NULL, got) && !memcmp(got, pt, pl), "RECEIVE_UPDATE opens it");
out:
	sev_pkt_ctx_free(pc);
	free(pt), free(ct), free(got);
}

static struct vg_rx *rx;

static void transport_fw_case(const struct vf_case *c)
{
	struct sev_tk tk;
	uint8_t hdr[52];
	size_t pl, cl;
	uint8_t *pt = get(c, "plaintext", &pl), *ct = get(c, "ciphertext", &cl), *got = malloc(pl ? pl : 1);
	uint32_t cmd = u32(c, "command") == FW_CMD_SEND_UPDATE_VMSA ? FW_CMD_RECEIVE_UPDATE_VMSA : FW_CMD_RECEIVE_UPDATE_DATA;

	if (u32(c, "ctx") == SEV_PKT_CTX_TRANSPORT && pt && ct && got && !fixed(c, "tek", tk.tek, 16) &&
	    !fixed(c, "tik", tk.tik, 16) && !fixed(c, "header", hdr, 52))
		EXPECT(c, vg_rx_packet(rx, &tk, cmd, hdr, ct, (uint32_t)cl, (uint32_t)cl, got) == 0 && !memcmp(got, pt, pl),
		       "the firmware's RECEIVE_UPDATE takes the packet and the guest holds the plaintext");
	free(pt), free(ct), free(got);
}

static void transport_reject_case(const struct vf_case *c)
{
	struct sev_tk tk;
	uint8_t hdr[52];
	size_t cl;
	uint8_t *ct = get(c, "ciphertext", &cl);
	uint32_t st;

	if (!ct || fixed(c, "tek", tk.tek, 16) || fixed(c, "tik", tk.tik, 16) || fixed(c, "header", hdr, 52)) {
		EXPECT(c, 0, "malformed transport-reject case");
		free(ct);
		return;
	}
	st = vg_rx_packet(rx, &tk, u32(c, "command"), hdr, ct, u32(c, "guest_len"), u32(c, "trans_len"), NULL);
	EXPECT(c, st == u32(c, "status"), "RECEIVE_UPDATE refuses with the case's status");
	free(ct);
}

static void test_transport(void)
{
	struct vg_rx r;

	CU_ASSERT(each("transport", transport_case) >= 6);
	CU_ASSERT_EQUAL_FATAL(vg_rx_open(&r), 0);
	rx = &r;
	CU_ASSERT(each("transport", transport_fw_case) >= 6);
	CU_ASSERT(each("transport-reject", transport_reject_case) >= 6);
	rx = NULL;
	vg_rx_close(&r);
}

/* ---- certificates ------------------------------------------------------------------------ */

static struct rng *sign_rng(const struct vf_case *c)
{
	size_t n;
	uint8_t *seed = get(c, "sign_seed", &n);
	struct rng *r = seed ? rng_new_seeded(seed, n, "swsev-vectors-sign") : NULL;

	free(seed);
	return r;
}

/* The first bytes such an rng gives: the PSS salt, or the ECDSA nonce's source. */
static int rng_head(const struct vf_case *c, uint8_t *out, size_t n)
{
	struct rng *r = sign_rng(c);
	int rc = r ? rng_bytes(r, out, n) : -1;

	rng_free(r);
	return rc;
}

static EVP_PKEY *rsa_signer(const struct vf_case *c)
{
	size_t n;
	uint8_t *der = get(c, "signer_priv_der", &n);
	EVP_PKEY *k = der ? pkey_from_der(der, n) : NULL;

	secure_free(der, n);
	return k;
}

static void check_sev_signature(const struct vf_case *c, const struct sev_cert *cert)
{
	uint32_t slot = u32(c, "sign_slot");
	uint32_t usage = sev_cert_sig_usage(cert, (int)slot), algo = sev_cert_sig_algo(cert, (int)slot);
	int rsa = (algo & 0xff) == SEV_ALGO_RSA_SHA256;
	EVP_PKEY *k = rsa ? rsa_signer(c) : priv_key(c, "signer_priv");
	struct rng *r = sign_rng(c);
	struct sev_cert again = *cert;
	uint8_t head[56], want[48];

	EXPECT(c, k && r && !sev_cert_sign(&again, (int)slot, usage, algo, k, r) && !memcmp(again.raw, cert->raw, SEV_CERT_LEN),
	       "the signature reproduces from sign_seed");
	if (rsa) {
		size_t hl = (algo & 0x100) ? 48 : 32;
		EXPECT(c, !fixed(c, "pss_salt", want, hl) && !rng_head(c, head, hl) && !memcmp(head, want, hl), "pss_salt");
	} else {
		/* k = (int_be(first 56 bytes) mod (n-1)) + 1: recomputed through a key of that scalar. */
		EVP_PKEY *kk = NULL, *kd = NULL;
		uint8_t d[48];

		if (!rng_head(c, head, 56))
			kk = ec_p384_from_bytes(head, 56, 0);
		if (!fixed(c, "ecdsa_k", want, 48))
			kd = ec_p384_from_private(want);
		EXPECT(c, kk && kd && !ec_p384_private_bytes(kk, d) && !memcmp(d, want, 48), "ecdsa_k");
		EVP_PKEY_free(kk);
		EVP_PKEY_free(kd);
	}
	rng_free(r);
	EVP_PKEY_free(k);
}

static int load_amd(const struct vf_case *c, const char *key, struct amd_cert *out)
{
	size_t n;
	uint8_t *b = get(c, key, &n);

	memset(out, 0, sizeof(*out));
	if (!b || n > sizeof(out->raw) || n < AMD_CERT_HDR_LEN) {
		free(b);
		return -1;
	}
	/* Raw, not parsed: tampered size fields must reach the validator as they are. */
	memcpy(out->raw, b, n);
	out->len = n;
	free(b);
	return 0;
}

static void sev_cert_case(const struct vf_case *c)
{
	struct sev_cert cert, signer;
	struct amd_cert ask;
	struct sev_pubkey pk = { 0 };
	uint32_t st;

	memset(&signer, 0, sizeof(signer));
	if (fixed(c, "cert", cert.raw, SEV_CERT_LEN)) {
		EXPECT(c, 0, "malformed sev-cert case");
		return;
	}
	if (vf_has(c, "signer_pubkey")) {
		st = fixed(c, "signer_pubkey", signer.raw + SEV_CERT_OFF_USAGE, SEV_CERT_OFF_EC_QY + 72 - SEV_CERT_OFF_USAGE)
			     ? 0xffff
			     : sev_cert_validate_by(&cert, &signer, NULL);
	} else if (vf_has(c, "signer") || vf_has(c, "signer_path")) {
		st = fixed(c, "signer", signer.raw, SEV_CERT_LEN) ? 0xffff : sev_cert_validate_by(&cert, &signer, NULL);
	} else {
		st = load_amd(c, "signer_amd", &ask) ? 0xffff : amd_cert_sev_pubkey(&ask, &pk, NULL);
		if (st == SEV_STATUS_SUCCESS)
			st = sev_cert_validate(&cert, &pk, NULL);
		sev_pubkey_clear(&pk);
	}
	EXPECT(c, st == u32(c, "status"), "sev_cert_validate gives the case's status");
	if (vf_has(c, "sign_seed"))
		check_sev_signature(c, &cert);
}

static void sev_cert_dh_case(const struct vf_case *c)
{
	struct sev_cert cert;
	uint32_t want = u32(c, "status"), got;

	if (fixed(c, "cert", cert.raw, SEV_CERT_LEN)) {
		EXPECT(c, 0, "malformed sev-cert-dh case");
		return;
	}
	EXPECT(c, sev_cert_sanity_dh(&cert, NULL) == want, "the DH sanity check gives the case's status");
	/* The same through LAUNCH_START: a refused certificate stops it before the session
	 * is read; an accepted one gets as far as the (all-zero) session's MAC. */
	got = vg_rx_launch_dh(rx, &cert);
	EXPECT(c, got == (want ? want : SEV_STATUS_BAD_MEASUREMENT), "LAUNCH_START with it as the GODH certificate");
}

static void test_sev_cert(void)
{
	struct vg_rx r;

	CU_ASSERT(each("sev-cert", sev_cert_case) >= 40);
	CU_ASSERT_EQUAL_FATAL(vg_rx_open(&r), 0);
	rx = &r;
	CU_ASSERT(each("sev-cert-dh", sev_cert_dh_case) >= 6);
	rx = NULL;
	vg_rx_close(&r);
}

static void check_amd_signature(const struct vf_case *c, const struct amd_cert *cert)
{
	EVP_PKEY *k = rsa_signer(c);
	struct rng *r = sign_rng(c);
	struct amd_cert again = *cert;
	size_t hl = amd_cert_mod_bits(cert) == 2048 ? 32 : 48;
	uint8_t head[48], salt[48];

	EXPECT(c, k && r && !amd_cert_sign(&again, k, r) && !memcmp(again.raw, cert->raw, cert->len),
	       "the signature reproduces from sign_seed");
	EXPECT(c, !fixed(c, "pss_salt", salt, hl) && !rng_head(c, head, hl) && !memcmp(head, salt, hl), "pss_salt");
	rng_free(r);
	EVP_PKEY_free(k);
}

static void ark_case(const struct vf_case *c)
{
	struct amd_cert ark;
	uint8_t fused[48];
	int has_fused = vf_has(c, "fused_hash");

	if (load_amd(c, "cert", &ark) || (has_fused && fixed(c, "fused_hash", fused, 48))) {
		EXPECT(c, 0, "malformed amd-ark case");
		return;
	}
	EXPECT(c, amd_cert_validate_ark(&ark, has_fused ? fused : NULL, NULL) == u32(c, "status"),
	       "the ARK check gives the case's status");
	if (vf_has(c, "sign_seed"))
		check_amd_signature(c, &ark);
}

static void ask_case(const struct vf_case *c)
{
	struct amd_cert ask, ark;

	if (load_amd(c, "cert", &ask) || load_amd(c, "ark", &ark)) {
		EXPECT(c, 0, "malformed amd-ask case");
		return;
	}
	EXPECT(c, amd_cert_validate_ask(&ask, &ark, NULL) == u32(c, "status"), "the ASK check gives the case's status");
	if (vf_has(c, "sign_seed"))
		check_amd_signature(c, &ask);
}

static void file_case(const struct vf_case *c)
{
	size_t pn, n = 0;
	uint8_t *path = get(c, "path", &pn), *b = NULL, want[32], d[32];
	char full[4300];

	if (path) {
		snprintf(full, sizeof(full), "%s/%.*s", vec_dir(), (int)pn, (const char *)path);
		b = file_read_all(full, &n);
	}
	EXPECT(c, b && !fixed(c, "sha256", want, 32) && !sha256(b, n, d) && !memcmp(d, want, 32), "the file's SHA-256");
	free(path);
	free(b);
}

static void test_amd_cert(void)
{
	CU_ASSERT(each("amd-ark", ark_case) >= 15);
	CU_ASSERT(each("amd-ask", ask_case) >= 12);
	CU_ASSERT(each("file", file_case) >= 18);
}

/* ---- attestation ------------------------------------------------------------------------ */

static void attestation_case(const struct vf_case *c)
{
	struct sev_cert pek;
	uint8_t report[208], mnonce[16], digest[32];
	struct owner_report_expect x = { mnonce, digest, true, u32(c, "policy") };
	struct owner_err e;
	uint32_t st;

	memset(&pek, 0, sizeof(pek));
	le32_put(pek.raw, 1);
	if (fixed(c, "pek_pubkey", pek.raw + SEV_CERT_OFF_USAGE, SEV_CERT_OFF_EC_QY + 72 - SEV_CERT_OFF_USAGE) ||
	    fixed(c, "report", report, 208) || fixed(c, "mnonce", mnonce, 16) || fixed(c, "digest", digest, 32)) {
		EXPECT(c, 0, "malformed attestation case");
		return;
	}
	st = owner_report_verify(report, &pek, &x, &e) ? e.status : 0;
	EXPECT(c, st == u32(c, "status"), "the report's verdict");
	if (st == 0)
		EXPECT(c, le32_get(report + 0x34) == SEV_USAGE_PEK && le32_get(report + 0x38) == SEV_ALGO_ECDSA_SHA256 &&
				  le32_get(report + 0x3c) == 0,
		       "report layout");
}

static void test_attestation(void)
{
	CU_ASSERT(each("attestation", attestation_case) >= 10);
}

/* ---- transcripts ------------------------------------------------------------------------- */

static void replay(size_t i, int min_cmds)
{
	const struct vf *f = file(i);
	char msg[512];
	int n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	n = vg_replay(f, test_tmpdir("vectors-replay"), msg, sizeof(msg));
	if (n < 0)
		fprintf(stderr, "\nvectors: %s: %s\n", names[i], msg);
	CU_ASSERT(n >= min_cmds);
}

static void test_transcript_launch(void)
{
	replay(10, 20);
}

static void test_transcript_migration(void)
{
	replay(11, 25);
}

/* The files are all there and every one parses (a missing file is a failure). */
static void test_files(void)
{
	for (size_t i = 0; i < NFILES; i++) {
		const struct vf *f = file(i);

		if (!f)
			fprintf(stderr, "\nvectors: %s/%s is missing or malformed (SWSEV_VECTORS_DIR?)\n", vec_dir(), names[i]);
		CU_ASSERT(f && f->n > 0);
	}
}

TEST_SUITE(vectors_kat, NULL, clean, TEST(test_files), TEST(test_kdf), TEST(test_hmac_sha256), TEST(test_session),
	   TEST(test_ecdh), TEST(test_measurement), TEST(test_launch_secret), TEST(test_transport), TEST(test_sev_cert),
	   TEST(test_amd_cert), TEST(test_attestation), TEST(test_transcript_launch), TEST(test_transcript_migration))
