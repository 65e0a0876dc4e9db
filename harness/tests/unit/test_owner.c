/* The guest owner's library against the known answers of vectors.md (§1.3 the
 * measurement KATs of sev-tool / virtee, §2 the composite vector: ECDH -> session ->
 * measurement -> LAUNCH_SECRET), and its own invariants (determinism, the firmware's
 * view of a session, the pre-0.17 forms). */
#include <string.h>

#include "emu/crypto/pkey.h"
#include "emu/crypto/symm.h"
#include "emu/fw/status.h"
#include "emu/util/hex.h"
#include "harness/owner/measure.h"
#include "harness/owner/secret.h"
#include "harness/owner/session.h"
#include "harness/testlib/testlib.h"

static void hx(const char *s, uint8_t *out, size_t n)
{
	CU_ASSERT_EQUAL_FATAL(strlen(s), 2 * n);
	CU_ASSERT_EQUAL_FATAL(hex_decode(s, out, n), 0);
}

static void seq(uint8_t *p, size_t n, uint8_t start)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(start + i);
}

/* d = (int_be(SHA-384(label)) mod (n-1)) + 1 (vectors.md §2). */
static EVP_PKEY *label_key(const char *label)
{
	uint8_t h[48];

	if (sha384(label, strlen(label), h) != 0)
		return NULL;
	return ec_p384_from_bytes(h, sizeof(h), 0);
}

static int composite_pdh(struct sev_cert *pdh, EVP_PKEY **priv)
{
	*priv = label_key("emu-pdh");
	if (!*priv)
		return -1;
	return sev_cert_build(pdh, 0, 24, SEV_USAGE_PDH, SEV_ALGO_ECDH_SHA256, *priv);
}

/* §2: the session a guest owner makes for the composite PDH with the composite GODH. */
static void test_composite_session(void)
{
	struct owner_session s;
	struct owner_err e;
	struct sev_cert pdh;
	EVP_PKEY *pdh_priv, *godh = label_key("emu-godh");
	uint8_t nonce[16], iv[16], w[128], qx[72];
	struct sev_tk tk, got;

	CU_ASSERT_FATAL(godh != NULL);
	CU_ASSERT_EQUAL_FATAL(composite_pdh(&pdh, &pdh_priv), 0);
	seq(nonce, 16, 0x00);
	seq(iv, 16, 0x10);
	seq(tk.tek, 16, 0x20);
	seq(tk.tik, 16, 0x30);
	CU_ASSERT_EQUAL_FATAL(owner_session_create_from(&pdh, 1, godh, nonce, iv, &tk, NULL, &s, &e), 0);
	hx("000102030405060708090a0b0c0d0e0f"
	   "8b8dcc2c24569ed238181e8a6644e8dcf844969ae6079e74c1f6481ce99bb38d"
	   "101112131415161718191a1b1c1d1e1f"
	   "7c3c9b4f9c4f19962b7df409b2c37caab56bde2f12d690a7ad576dbe78bcc19f"
	   "da0e0ec9ab90ccdf7f3e24a586511c2dc55694b3541828e79ec83d525299c961", w, 128);
	CU_ASSERT_BYTES_EQUAL(&s.session, w, 128);
	CU_ASSERT_BYTES_EQUAL(&s.tk, &tk, sizeof(tk));

	/* The GODH certificate carries the vector's public key, in the firmware's form. */
	hx("e7c95792471c64580c695a1d3669012116edb770defe8e21f18334277fa3d073c6cc97223946bc29"
	   "7582345c1b4d825a000000000000000000000000000000000000000000000000", qx, 72);
	CU_ASSERT_BYTES_EQUAL(s.godh.raw + SEV_CERT_OFF_EC_QX, qx, 72);
	CU_ASSERT_STATUS(sev_cert_sanity_dh(&s.godh, NULL), SEV_STATUS_SUCCESS);
	CU_ASSERT_EQUAL(sev_cert_api_major(&s.godh), 0);
	CU_ASSERT_EQUAL(sev_cert_api_minor(&s.godh), 0);

	/* The platform's side opens it. */
	CU_ASSERT_EQUAL(owner_session_open(&s, pdh_priv, &got, &e), 0);
	CU_ASSERT_BYTES_EQUAL(&got, &tk, sizeof(tk));
	owner_session_clear(&s);
	EVP_PKEY_free(godh);
	EVP_PKEY_free(pdh_priv);
}

/* sev-tool's GODH form: slot 1 self-signed by the GODH key as PEK/ECDSA_SHA256. */
static void test_godh_self_signed(void)
{
	struct rng *rng = rng_new_seeded((const uint8_t *)"godh", 4, "test");
	EVP_PKEY *godh = label_key("emu-godh");
	struct sev_pubkey pk = { .usage = SEV_USAGE_PEK, .algo = SEV_ALGO_ECDSA_SHA256 };
	struct owner_err e;
	struct sev_cert c;
	uint8_t dg[32];

	CU_ASSERT_EQUAL_FATAL(owner_godh_cert(godh, rng, &c, &e), 0);
	CU_ASSERT_EQUAL(sev_cert_sig_usage(&c, 0), SEV_USAGE_PEK);
	CU_ASSERT_EQUAL(sev_cert_sig_algo(&c, 0), SEV_ALGO_ECDSA_SHA256);
	CU_ASSERT_EQUAL(sev_cert_sig_usage(&c, 1), SEV_USAGE_INVALID);
	CU_ASSERT_EQUAL(sev_cert_sig_algo(&c, 1), SEV_ALGO_INVALID);
	CU_ASSERT_EQUAL(sha256(c.raw, SEV_CERT_BODY_LEN, dg), 0);
	pk.key = godh;
	CU_ASSERT_EQUAL(ec_p384_verify_digest(pk.key, dg, 32, c.raw + SEV_CERT_OFF_SIG(0) + 8,
					      c.raw + SEV_CERT_OFF_SIG(0) + 8 + 72),
			1);
	EVP_PKEY_free(godh);
	rng_free(rng);
}

/* Seeded sessions are reproducible; different seeds differ; every session opens. */
static void test_session_deterministic(void)
{
	struct rng *r1 = rng_new_seeded((const uint8_t *)"s1", 2, "owner"),
		   *r2 = rng_new_seeded((const uint8_t *)"s1", 2, "owner"),
		   *r3 = rng_new_seeded((const uint8_t *)"s2", 2, "owner");
	struct owner_session a, b, c;
	struct sev_cert pdh;
	EVP_PKEY *pdh_priv;
	struct owner_err e;

	CU_ASSERT_EQUAL_FATAL(composite_pdh(&pdh, &pdh_priv), 0);
	CU_ASSERT_EQUAL_FATAL(owner_session_create(&pdh, 0x3, r1, &a, &e), 0);
	CU_ASSERT_EQUAL_FATAL(owner_session_create(&pdh, 0x3, r2, &b, &e), 0);
	CU_ASSERT_EQUAL_FATAL(owner_session_create(&pdh, 0x3, r3, &c, &e), 0);
	CU_ASSERT_BYTES_EQUAL(&a, &b, sizeof(a));
	CU_ASSERT_NOT_EQUAL(memcmp(&a.session, &c.session, sizeof(a.session)), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(&a.godh, &c.godh, sizeof(a.godh)), 0);
	CU_ASSERT_EQUAL(owner_session_open(&a, pdh_priv, NULL, &e), 0);
	CU_ASSERT_EQUAL(owner_session_open(&c, pdh_priv, NULL, &e), 0);

	/* A different policy than the one MACed: what LAUNCH_START says. */
	a.policy = 0x1;
	CU_ASSERT_EQUAL(owner_session_open(&a, pdh_priv, NULL, &e), -1);
	CU_ASSERT_STATUS(e.status, SEV_STATUS_BAD_MEASUREMENT);
	owner_session_clear(&a);
	owner_session_clear(&b);
	owner_session_clear(&c);
	EVP_PKEY_free(pdh_priv);
	rng_free(r1);
	rng_free(r2);
	rng_free(r3);
}

/* A certificate that is not a PDH gets no session. */
static void test_session_rejects_non_pdh(void)
{
	struct rng *rng = rng_new_seeded((const uint8_t *)"x", 1, "owner");
	EVP_PKEY *k = label_key("emu-pdh");
	struct owner_session s;
	struct sev_cert pek;
	struct owner_err e;

	CU_ASSERT_EQUAL_FATAL(sev_cert_build(&pek, 0, 24, SEV_USAGE_PEK, SEV_ALGO_ECDSA_SHA256, k), 0);
	CU_ASSERT_EQUAL(owner_session_create(&pek, 0, rng, &s, &e), -1);
	CU_ASSERT_STATUS(e.status, SEV_STATUS_INVALID_CERTIFICATE);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "PDH"));
	EVP_PKEY_free(k);
	rng_free(rng);
}

/* §1.3 (sev-tool test_calc_measurement = virtee verify()), and the variants. */
static void test_measurement_kats(void)
{
	struct owner_fw_version v = { 0, 18, 0x0f }, old = { 0, 16, 0x0f };
	uint8_t tik[16], dg[32], mn[16], out[32], w[32], blob[48];
	struct owner_err e;

	hx("66320db73158a35a255d051758e95ed4", tik, 16);
	hx("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", dg, 32);
	hx("4fbe0bedbad6c86ae8f68971d103e554", mn, 16);
	CU_ASSERT_EQUAL(owner_measurement(tik, &v, 0, dg, mn, out), 0);
	hx("6faab2daae389bcd3405a05d6cafe33c0414f7bedd0bae19ba5f38b7fd1664ea", w, 32);
	CU_ASSERT_BYTES_EQUAL(out, w, 32);
	CU_ASSERT_EQUAL(owner_measurement(tik, &v, 0x1234abcd, dg, mn, out), 0);
	hx("fabdf6605f38bcf0c4aef3a6648427acf82e97f486ba924755f2819f4527ca8c", w, 32);
	CU_ASSERT_BYTES_EQUAL(out, w, 32);
	/* Pre-0.17 firmware: chosen by the API version, as sev-tool does. */
	CU_ASSERT_TRUE(owner_fw_pre017(&old));
	CU_ASSERT_FALSE(owner_fw_pre017(&v));
	CU_ASSERT_EQUAL(owner_measurement(tik, &old, 1, dg, mn, out), 0);
	hx("0a146789478c0c25ed9ca363d01a738ca7a511b656daddbe223f968721dca78d", w, 32);
	CU_ASSERT_BYTES_EQUAL(out, w, 32);

	/* verify: the 48-byte LAUNCH_MEASURE form. */
	hx("6faab2daae389bcd3405a05d6cafe33c0414f7bedd0bae19ba5f38b7fd1664ea", blob, 32);
	memcpy(blob + 32, mn, 16);
	memset(out, 0, sizeof(out));
	CU_ASSERT_EQUAL(owner_verify_measurement(blob, tik, &v, 0, dg, out, &e), 0);
	CU_ASSERT_BYTES_EQUAL(out, blob, 32);
	for (size_t i = 0; i < 48; i += 7) {
		blob[i] ^= 0x10;
		CU_ASSERT_EQUAL(owner_verify_measurement(blob, tik, &v, 0, dg, NULL, &e), -1);
		CU_ASSERT_STATUS(e.status, SEV_STATUS_BAD_MEASUREMENT);
		blob[i] ^= 0x10;
	}
	/* Any other input changes the verdict. */
	CU_ASSERT_EQUAL(owner_verify_measurement(blob, tik, &v, 1, dg, NULL, &e), -1);
	v.build++;
	CU_ASSERT_EQUAL(owner_verify_measurement(blob, tik, &v, 0, dg, NULL, &e), -1);
}

/* §2: LD of the composite page, the measurement on an API 0.24 build 15 firmware, and
 * the LAUNCH_SECRET packet. */
static void test_composite_measure_and_secret(void)
{
	struct owner_fw_version v = { 0, 24, 15 };
	uint8_t page[4096], dg[32], mn[16], m[32], w[64], iv[16], secret[64], ct[64], hdr[52], pt[64];
	struct sev_tk tk;
	struct owner_err e;

	for (size_t i = 0; i < sizeof(page); i++)
		page[i] = (uint8_t)i;
	CU_ASSERT_EQUAL(owner_launch_digest(page, sizeof(page), NULL, 0, 0, dg, &e), 0);
	hx("c8f5d0341d54d951a71b136e6e2afcb14d11ed8489a7ae126a8fee0df6ecf193", w, 32);
	CU_ASSERT_BYTES_EQUAL(dg, w, 32);
	seq(tk.tek, 16, 0x20);
	seq(tk.tik, 16, 0x30);
	seq(mn, 16, 0x50);
	CU_ASSERT_EQUAL(owner_measurement(tk.tik, &v, 1, dg, mn, m), 0);
	hx("fbcd046993df7e61de9a131bc81e967acba9404df08cdb7b2b81fbe45630dd9a", w, 32);
	CU_ASSERT_BYTES_EQUAL(m, w, 32);

	memset(secret, 0x41, sizeof(secret));
	seq(iv, 16, 0x60);
	CU_ASSERT_EQUAL(owner_package_secret(&tk, m, iv, 0, secret, sizeof(secret), ct, hdr, &e), 0);
	hx("6743b3b1e4cdba908c5b578e98caaf7330c096d9482881c78c2f26827692eefb"
	   "1f11e0182a9745399f6ace3346e421ae9a24a448e1faeb6c529f1df85a79b0c4", w, 64);
	CU_ASSERT_BYTES_EQUAL(ct, w, 64);
	hx("00000000606162636465666768696a6b6c6d6e6f"
	   "38131cc4e43e897d8eaa19962d23d4ca48d6a927c7f910fb9818be424363e7f8", w, 52);
	CU_ASSERT_BYTES_EQUAL(hdr, w, 52);

	/* The firmware's check opens it, and refuses every single-bit change. */
	CU_ASSERT_EQUAL(owner_open_secret(&tk, m, hdr, ct, sizeof(ct), pt, &e), 0);
	CU_ASSERT_BYTES_EQUAL(pt, secret, 64);
	for (size_t i = 0; i < 52; i += 3) {
		hdr[i] ^= 1;
		CU_ASSERT_EQUAL(owner_open_secret(&tk, m, hdr, ct, sizeof(ct), pt, &e), -1);
		CU_ASSERT_STATUS(e.status, SEV_STATUS_BAD_MEASUREMENT);
		hdr[i] ^= 1;
	}
	ct[63] ^= 0x80;
	CU_ASSERT_EQUAL(owner_open_secret(&tk, m, hdr, ct, sizeof(ct), pt, &e), -1);
	ct[63] ^= 0x80;
	m[0] ^= 1; /* another launch's measurement */
	CU_ASSERT_EQUAL(owner_open_secret(&tk, m, hdr, ct, sizeof(ct), pt, &e), -1);
	m[0] ^= 1;
	/* pre-0.17: no measurement in the MAC, so the two forms differ. */
	CU_ASSERT_EQUAL(owner_open_secret(&tk, NULL, hdr, ct, sizeof(ct), pt, &e), -1);
	CU_ASSERT_EQUAL(owner_package_secret(&tk, NULL, iv, 0, secret, sizeof(secret), ct, hdr, &e), 0);
	CU_ASSERT_EQUAL(owner_open_secret(&tk, NULL, hdr, ct, sizeof(ct), pt, &e), 0);
}

/* The digest follows the launch driver's layout: image padded to 16, then VMSAs. */
static void test_digest_layout(void)
{
	uint8_t img[100], padded[112] = { 0 }, vm[3 * 4096], buf[112 + 3 * 4096], a[32], b[32];
	struct owner_err e;

	for (size_t i = 0; i < sizeof(img); i++)
		img[i] = (uint8_t)(i * 7 + 1);
	for (size_t i = 0; i < sizeof(vm); i++)
		vm[i] = (uint8_t)(i / 4096 + 0xA0);
	memcpy(padded, img, sizeof(img));
	CU_ASSERT_EQUAL(owner_image_measured_len(100), 112);
	CU_ASSERT_EQUAL(owner_image_measured_len(4096), 4096);
	CU_ASSERT_EQUAL(owner_launch_digest(img, sizeof(img), NULL, 0, 0, a, &e), 0);
	CU_ASSERT_EQUAL(sha256(padded, sizeof(padded), b), 0);
	CU_ASSERT_BYTES_EQUAL(a, b, 32);

	/* Two pages for three vCPUs: BSP page then the AP page twice. */
	memcpy(buf, padded, 112);
	memcpy(buf + 112, vm, 4096);
	memcpy(buf + 112 + 4096, vm + 4096, 4096);
	memcpy(buf + 112 + 8192, vm + 4096, 4096);
	CU_ASSERT_EQUAL(owner_launch_digest(img, sizeof(img), vm, 2 * 4096, 3, a, &e), 0);
	CU_ASSERT_EQUAL(sha256(buf, sizeof(buf), b), 0);
	CU_ASSERT_BYTES_EQUAL(a, b, 32);
	/* Zero pages without a file. */
	memset(buf + 112, 0, 3 * 4096);
	CU_ASSERT_EQUAL(owner_launch_digest(img, sizeof(img), NULL, 0, 3, a, &e), 0);
	CU_ASSERT_EQUAL(sha256(buf, sizeof(buf), b), 0);
	CU_ASSERT_BYTES_EQUAL(a, b, 32);
	/* Three pages for two vCPUs fit no rule. */
	CU_ASSERT_EQUAL(owner_launch_digest(img, sizeof(img), vm, 3 * 4096, 2, a, &e), -1);
	CU_ASSERT_EQUAL(owner_vmsa_page(1, 4, 3), 0);
	CU_ASSERT_EQUAL(owner_vmsa_page(4, 4, 3), 3);
	CU_ASSERT_EQUAL(owner_vmsa_page(2, 4, 3), 1);
	CU_ASSERT_EQUAL(owner_vmsa_page(3, 4, 0), -1);
}

static void test_parse_api(void)
{
	struct owner_fw_version v;

	CU_ASSERT_EQUAL(owner_parse_api("0.24", &v), 0);
	CU_ASSERT_EQUAL(v.api_major, 0);
	CU_ASSERT_EQUAL(v.api_minor, 24);
	CU_ASSERT_EQUAL(owner_parse_api("1.55", &v), 0);
	CU_ASSERT_EQUAL(owner_parse_api("0.24x", &v), -1);
	CU_ASSERT_EQUAL(owner_parse_api("24", &v), -1);
	CU_ASSERT_EQUAL(owner_parse_api("0.256", &v), -1);
}

TEST_SUITE(owner, NULL, NULL,
	   TEST(test_composite_session),
	   TEST(test_godh_self_signed),
	   TEST(test_session_deterministic),
	   TEST(test_session_rejects_non_pdh),
	   TEST(test_measurement_kats),
	   TEST(test_composite_measure_and_secret),
	   TEST(test_digest_layout),
	   TEST(test_parse_api))
