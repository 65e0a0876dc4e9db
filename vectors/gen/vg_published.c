/* kat-published.txt: the known-answer tests of ../shared/spec/vectors.md, each with
 * its source.  The published outputs are embedded here and every one is recomputed by
 * the emulator's code before it is written, so the file carries only values two
 * implementations agree on.  Values the spec does not publish but that the same
 * computation yields (KEK/KIK of a session, full ciphertexts) are written too and
 * marked "computed here". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/cert/amd_cert.h"
#include "emu/cert/sev_cert.h"
#include "emu/crypto/kdf.h"
#include "emu/crypto/packet.h"
#include "emu/crypto/pkey.h"
#include "emu/crypto/symm.h"
#include "emu/fw/fw.h"
#include "emu/util/file.h"
#include "emu/util/hex.h"
#include "vectors/gen/vg_kinds.h"

/* Hex constants from the spec; a malformed one fails the generation. */
static int hx(struct vg *g, const char *s, uint8_t *out, size_t n)
{
	if (strlen(s) != 2 * n || hex_decode(s, out, n))
		return vg_fail(g, "a published constant is malformed: %.40s", s);
	return 0;
}

static void seq(uint8_t *p, size_t n, uint8_t start)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(start + i);
}

/* §1.1, §1.2: virtee/sev. */
static int virtee(struct vg *g, struct vw *w)
{
	uint8_t zero[48] = { 0 }, want[32];
	struct sev_tk tk = { { 0 }, { 0 } };
	struct sev_session s;

	vw_comment(w, "\n\n1.1  virtee/sev src/session/key.rs, unit tests `derive` and `mac`\n"
		      "(vectors.md §1.1; recomputed there).  An HMAC key of 16 zero bytes equals one of 48.");
	if (hx(g, "ab4d269fcc62bedb4511d56c386ce706", want, 16) ||
	    vgk_kdf(g, w, "virtee-derive", zero, 16, SEV_KDF_LABEL_MASTER, zero, 16, 16, want) ||
	    vgk_kdf(g, w, "virtee-derive-z48", zero, 48, SEV_KDF_LABEL_MASTER, zero, 16, 16, want) ||
	    hx(g, "aa7855e13839dd767cd5da7c1ff5036540c9264b7a803029315e55375287b4af", want, 32) ||
	    vgk_hmac(g, w, "virtee-mac", zero, 16, zero, 4, want))
		return -1;
	vw_comment(w, "\n1.2  virtee/sev src/session/mod.rs, test `session()` (vectors.md §1.2): Z, nonce,\n"
		      "wrap_iv, TEK, TIK all zero (Z as 16 bytes), policy 0.  wrap_tk, wrap_mac, policy_mac\n"
		      "published; master published in 1.1; KEK and KIK computed here.");
	if (sev_session_wrap(&tk, zero, 16, zero, zero, 0, &s) ||
	    hx(g, "2137bc7f9bb8bd7c3e55a576a15d3454b3856b8ba27afadf46dcfee9f02c02c4", want, 32) ||
	    memcmp(s.wrap_tk, want, 32) || hx(g, "3176c0752738bd9d5e86689534020f528c088f16238826b000b327dee6aeed7d", want, 32) ||
	    memcmp(s.wrap_mac, want, 32) || hx(g, "aa7855e13839dd767cd5da7c1ff5036540c9264b7a803029315e55375287b4af", want, 32) ||
	    memcmp(s.policy_mac, want, 32))
		return vg_fail(g, "virtee-session: the emulator disagrees with the published blob");
	return vgk_session(g, w, "virtee-session", zero, 16, zero, zero, &tk, 0, &s, NULL);
}

/* §1.3: launch measurements of virtee/sev `verify()` = sev-tool test_calc_measurement. */
static int measurements(struct vg *g, struct vw *w)
{
	uint8_t tik[16], digest[32], mnonce[16], want[32];

	vw_comment(w, "\n\n1.3  Launch measurement: virtee/sev src/session/mod.rs test `verify()` = AMD sev-tool\n"
		      "Tests::test_calc_measurement (vectors.md §1.3; recomputed there), and two further\n"
		      "sev-tool outputs.  digest = SHA-256(\"\").");
	if (hx(g, "66320db73158a35a255d051758e95ed4", tik, 16) ||
	    hx(g, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", digest, 32) ||
	    hx(g, "4fbe0bedbad6c86ae8f68971d103e554", mnonce, 16) ||
	    vgk_sha256(g, w, "sha256-empty", "", 0, digest) ||
	    hx(g, "6faab2daae389bcd3405a05d6cafe33c0414f7bedd0bae19ba5f38b7fd1664ea", want, 32) ||
	    vgk_measurement(g, w, "virtee-verify", tik, 0, 18, 15, 0, digest, mnonce, 0, want, NULL) ||
	    hx(g, "fabdf6605f38bcf0c4aef3a6648427acf82e97f486ba924755f2819f4527ca8c", want, 32) ||
	    vgk_measurement(g, w, "sevtool-policy-1234abcd", tik, 0, 18, 15, 0x1234abcd, digest, mnonce, 0, want, NULL) ||
	    hx(g, "0a146789478c0c25ed9ca363d01a738ca7a511b656daddbe223f968721dca78d", want, 32))
		return -1;
	return vgk_measurement(g, w, "sevtool-pre017-policy-1", tik, 0, 0, 0, 1, digest, mnonce, 1, want, NULL);
}

/* §1.4: KDF/session KATs from sev-tool's primitives. */
static int sevtool_kdf(struct vg *g, struct vw *w)
{
	uint8_t z[48], nonce[16], key[16], master[16], want[48];

	vw_comment(w, "\n\n1.4  KDF KATs from AMD sev-tool's primitives (vectors.md §1.4; recomputed there).\n"
		      "Z = 00..2f, nonce = 10..1f.  The first PRF input is published:\n"
		      "01000000 || \"sev-master-secret\" || 00 || nonce || 80000000.");
	seq(z, 48, 0);
	seq(nonce, 16, 0x10);
	seq(key, 16, 0);
	if (hx(g, "8e4fa6fba9b1e12fd72681fd34607d86", master, 16) ||
	    vgk_kdf(g, w, "sevtool-master", z, 48, SEV_KDF_LABEL_MASTER, nonce, 16, 16, master) ||
	    hx(g, "a4c597230ccabe1ae4e55417f6b4ada9", want, 16) ||
	    vgk_kdf(g, w, "sevtool-kek", master, 16, SEV_KDF_LABEL_KEK, NULL, 0, 16, want) ||
	    hx(g, "d5f7ec035a40910f0e7e9c72dc49b572", want, 16) ||
	    vgk_kdf(g, w, "sevtool-kik", master, 16, SEV_KDF_LABEL_KIK, NULL, 0, 16, want) ||
	    hx(g, "6bc74862c97a955d85d9b5f54c2d119e8ed995add2b96748b41d602a0b4b806b31f1dc3909b5f1e425bd4ed33f3d6d95", want,
	       48))
		return -1;
	return vgk_kdf(g, w, "sevtool-kek-48", key, 16, SEV_KDF_LABEL_KEK, NULL, 0, 48, want);
}

/* §2: the composite chain, ECDH to SEND packet. */
static EVP_PKEY *label_key(const char *label)
{
	uint8_t h[48];

	return sha384(label, strlen(label), h) ? NULL : ec_p384_from_bytes(h, 48, 0);
}

static int composite_packets(struct vg *g, struct vw *w, const struct sev_tk *tk, const uint8_t *page,
			     const uint8_t measurement[32])
{
	uint8_t secret[64], iv[16], hdr[52], want[52], ct[4096], d[32];

	memset(secret, 0x41, sizeof(secret));
	seq(iv, 16, 0x60);
	if (hx(g, "00000000606162636465666768696a6b6c6d6e6f38131cc4e43e897d8eaa19962d23d4ca48d6a927c7f910fb9818be424363e7f8", want,
	       52) ||
	    hx(g, "6743b3b1e4cdba908c5b578e98caaf7330c096d9482881c78c2f26827692eefb1f11e0182a9745399f6ace3346e421ae9a24a448e1faeb6c529f1df85a79b0c4",
	       ct, 64) ||
	    vgk_launch_secret(g, w, "composite", tk, measurement, iv, 0, secret, 64, want, ct, NULL, NULL))
		return -1;
	vw_comment(w, "\nThe SEND_UPDATE_DATA packet of the same page with the same TEK/TIK (published:\n"
		      "ciphertext's first 32 bytes and SHA-256, the MAC, the header; the full ciphertext\n"
		      "computed here), and the MAC a ctx-0x03 VMSA packet would carry (published; informative).");
	seq(iv, 16, 0x40);
	if (hx(g, "00000000404142434445464748494a4b4c4d4e4f9b6ccbe9dd3320e913a2ba58dc70f74a48545f4a4169e3fd4ad4a33fafd36d98", want,
	       52) ||
	    vgk_transport(g, w, "composite-send", FW_CMD_SEND_UPDATE_DATA, tk, SEV_PKT_CTX_TRANSPORT, iv, page, 4096, want,
			  NULL, hdr, ct))
		return -1;
	if (hx(g, "85956bc37346c1e35338871e113089e60e2326df7928b88eaa42b2c5e0c9e6e7", d, 32) || memcmp(d, ct, 32) ||
	    sha256(ct, 4096, d) || hx(g, "8f62a03d8a5e0eef6a61eea5bea2c684721d2c2d3c96dad04fd081638b633587", want, 32) ||
	    memcmp(d, want, 32))
		return vg_fail(g, "composite-send: the ciphertext disagrees with the published prefix or hash");
	if (hx(g, "00000000404142434445464748494a4b4c4d4e4f204d05958c99780d3c54841dae3df6e1ae93171ffbf87a19ed53bb5172b3670f", want,
	       52))
		return -1;
	return vgk_transport(g, w, "composite-send-ctx-03", FW_CMD_SEND_UPDATE_VMSA, tk, SEV_PKT_CTX_VMSA, iv, page, 4096,
			     want, NULL, NULL, NULL);
}

static int composite(struct vg *g, struct vw *w)
{
	EVP_PKEY *pdh = label_key("emu-pdh"), *godh = label_key("emu-godh");
	uint8_t want[72], want2[72], z[48], nonce[16], wrap_iv[16], digest[32], mnonce[16], m[32];
	uint8_t *page = malloc(4096);
	struct sev_tk tk;
	struct sev_session s;
	int rc = -1;

	vw_comment(w, "\n\n2  The composite end-to-end vector of vectors.md §2 (computed there with deterministic\n"
		      "keys; Z cross-checked with `openssl pkeyutl -derive`, master with sev-tool `kdf`,\n"
		      "wrap_tk with sev-tool `ctr`, MACs with sev-tool `hmac`).  Private scalars:\n"
		      "d = (int_be(SHA-384(label)) mod (n-1)) + 1, labels \"emu-pdh\" (a) and \"emu-godh\" (b).");
	if (!pdh || !godh || !page) {
		vg_fail(g, "composite: key derivation failed");
		goto out;
	}
	if (hx(g, "1ab1bfcc20497203e712e665de71d2f932eb348232c09a0470b0592a735bd766d1b4c4531a934c5480470cefcf47a25a", z, 48) ||
	    vgk_ecdh(g, w, "composite", pdh, godh, z, NULL))
		goto out;
	if (hx(g, "0a615800c894cfb16353071d310f5cdfa68d52e8a933863bb8ce01cfda32b3330cf2931f20002437ca3bf496875f8157000000000000000000000000000000000000000000000000", want, 72) ||
	    hx(g, "61d89e0db0013114d2d55d34ec7e5d57301010033cbd8d4c371dd09fe8ba80925ebc8e0d2be238f7b498efedb128c3cf000000000000000000000000000000000000000000000000", want2, 72) ||
	    vgk_sev_point(g, w, "composite-pdh", pdh, want, want2) ||
	    hx(g, "e7c95792471c64580c695a1d3669012116edb770defe8e21f18334277fa3d073c6cc97223946bc297582345c1b4d825a000000000000000000000000000000000000000000000000", want, 72) ||
	    hx(g, "c5c4384dfa4d3315028ef1388c036efc33ebb01b708d394186f1b8ba1abadcc44627d938cc3595cc1d2497faecec3b65000000000000000000000000000000000000000000000000", want2, 72) ||
	    vgk_sev_point(g, w, "composite-godh", godh, want, want2))
		goto out;
	seq(nonce, 16, 0x00);
	seq(wrap_iv, 16, 0x10);
	seq(tk.tek, 16, 0x20);
	seq(tk.tik, 16, 0x30);
	/* The published blob, field by field. */
	if (hx(g, "000102030405060708090a0b0c0d0e0f", s.nonce, 16) ||
	    hx(g, "8b8dcc2c24569ed238181e8a6644e8dcf844969ae6079e74c1f6481ce99bb38d", s.wrap_tk, 32) ||
	    hx(g, "101112131415161718191a1b1c1d1e1f", s.wrap_iv, 16) ||
	    hx(g, "7c3c9b4f9c4f19962b7df409b2c37caab56bde2f12d690a7ad576dbe78bcc19f", s.wrap_mac, 32) ||
	    hx(g, "da0e0ec9ab90ccdf7f3e24a586511c2dc55694b3541828e79ec83d525299c961", s.policy_mac, 32) ||
	    hx(g, "2b6c1e68860c52bdb0bfb7dfe37d9fee", want, 16) ||
	    vgk_kdf(g, w, "composite-master", z, 48, SEV_KDF_LABEL_MASTER, nonce, 16, 16, want) ||
	    hx(g, "f056453ca7ad83fa996a8f2b09cd4a7f", want2, 16) ||
	    vgk_kdf(g, w, "composite-kek", want, 16, SEV_KDF_LABEL_KEK, NULL, 0, 16, want2) ||
	    hx(g, "59fc1fa10109368963092232e7cb981c", want2, 16) ||
	    vgk_kdf(g, w, "composite-kik", want, 16, SEV_KDF_LABEL_KIK, NULL, 0, 16, want2) ||
	    vgk_session(g, w, "composite", z, 48, nonce, wrap_iv, &tk, 1, &s, NULL))
		goto out;
	vw_comment(w, "\nLaunch data: one 4096-byte page, byte i = i & 0xff; MNONCE 50..5f; API 0.24, build 15,\n"
		      "policy 1.  LAUNCH_MEASURE gives measurement || MNONCE.");
	for (int i = 0; i < 4096; i++)
		page[i] = (uint8_t)i;
	seq(mnonce, 16, 0x50);
	if (hx(g, "c8f5d0341d54d951a71b136e6e2afcb14d11ed8489a7ae126a8fee0df6ecf193", digest, 32) ||
	    vgk_sha256(g, w, "composite-page", page, 4096, digest) ||
	    hx(g, "fbcd046993df7e61de9a131bc81e967acba9404df08cdb7b2b81fbe45630dd9a", want, 32) ||
	    vgk_measurement(g, w, "composite", tk.tik, 0, 24, 15, 1, digest, mnonce, 0, want, m))
		goto out;
	vw_comment(w, "\nLAUNCH_SECRET: 64 bytes of 0x41, iv 60..6f, flags 0 (all published).");
	rc = composite_packets(g, w, &tk, page, m);
out:
	EVP_PKEY_free(pdh);
	EVP_PKEY_free(godh);
	free(page);
	return rc;
}

/* §3, §4: the real AMD certificates shipped in vectors/certs. */
struct root_row {
	const char *gen, *ark_sha, *ask_sha, *ark_id, *ask_id, *fused;
	unsigned bits;
};

static const struct root_row roots[] = {
	{ "naples", "dedabca561e1dece8cc00b7bda864cf5f20b95017864408cfe18eaee0dce24b9",
	  "c6f30cf923f526c3bcd5c8c221db51e0db65911782f046de17a6603131cdfd7f", "1bb987c359494606b174945601c9ea5b",
	  "e139970cfc464377ae61b289e2f9e96e",
	  "bf66a6df42f452d936a91a48943512517147b7d487e9c5b9ad8e53768c93d507e24a5724871ba783b4b5d714d192537f", 2048 },
	{ "rome", "865977b268c16d5b27772b00aaefb4e737ba9499e818ed8e9f65b0cecefbc529",
	  "7754a69407d25540fe3a695be6b02c58a53bffd12594f5c30793d6cb62875706", "e6002122fb58419399d15fee7b131351",
	  "c6cbcf145b3146f498e40ecb4ad4fded",
	  "3d2c1157c29ef7bd4207fc0c8b08db080e579ceba267f8c93bec8dce73f5a5e2e60d959ac37ea82176c1a0c61ae203ed", 4096 },
	{ "milan", "1246469862b78a7a8625579b0378d1f8e975eb8b82a1623b579d7968a5969888",
	  "c7c73765561c58003a3d09adb2c76993027dd3a1ec4e9be876024c035e015cec", "94c38e4177d0479292a7ae671d083fb6",
	  "73478c05cc174bfeb06e718fa75dc3c8",
	  "569da618dfe64015c343db6d975e77b72fdeacd16edd02d9d09b889b8f0f1d91ffa5dfbd86f7ac574a1a7883b7a1e737", 4096 },
	{ "genoa", "8f4e3fd36589c23f1fe0c8338465bac7e2e066d97fc92f228bbee4fd356fb674",
	  "c30307e4f594fb6c51fd753ab758eb78ad4bb70d9e4d96690e51c0621901031d", "9f9d4a8fe761456599f6946c4c010f3a",
	  "acbb4ad21acc436fb3e932f812cd01b0",
	  "b66e16ff0ebeed57f0c4dffa154872c4156f2e5b1c2f4e66e58fc37f1d2a60d31a342ecb6430a9b2510a970c75c37926", 4096 },
	{ "turin", "f6405e5096a6eee1eb7d5df75c49f9b9f7c8357a31c7fff150149d68588a7bf7",
	  "2ee285477f0d5eb94a69029197f4cf58ca82d8e1b9a276da1ac45b0db3f4be56", "d05c3a8bde484904b49552422ceb3942",
	  "15051693f7304d65a527b4a7f3f7cb77",
	  "712a28007da1097e8c4fd3a2e8655012b27e04042323a0a30e111fc0cf698961040c6fc3ff2053abe70432cfef411a0e", 4096 },
};

struct plat_row {
	const char *gen, *sha[4]; /* cek oca pek pdh */
};

static const char *const plat_names[4] = { "cek", "oca", "pek", "pdh" };

static const struct plat_row plats[] = {
	{ "naples",
	  { "cbecc40f5b7d7e988fe7e4af20195cc540404eb685a2b49df0160781d04cf8f4",
	    "dfa8331592774030cc38716ee0d436aba269d7c17c78e2a261f19e967377c34c",
	    "31243368c2046fbf48e51a73075c33e69600cee1876919869f0383a94e8df558",
	    "34b11563c32bd17b4e2b4b8205301af64e7bd06a85e2a6ada789bc9d5dfd9932" } },
	{ "rome",
	  { "bfac4879e3855bf74b5e7841c46fbe02ee07808400ceb3eeccc9454d07e6eed5",
	    "fb72952d5c8640f0c144d3e250f5791c8b21d384071b75823430aaba69d9ad46",
	    "fd5eb12d0175c91bcb83142811124ceba4f3f530307a2471fcbd633e5aead794",
	    "62147c9375cb6cee32dbbf957d1b427e660c6dab2e6637c5f6c0e2c8f3345eed" } },
};

/* A certificate file of vectors/certs, checked against its published SHA-256. */
static uint8_t *read_cert(struct vg *g, const char *rel, const char *sha_hex, size_t *len)
{
	char path[4096];
	uint8_t want[32], got[32], *p;

	/* rel is relative to the vectors directory, whose certs/ the caller named. */
	snprintf(path, sizeof(path), "%s/%s", vg_certs_dir(g), rel + strlen("certs/"));
	p = file_read_all(path, len);
	if (!p) {
		vg_fail(g, "cannot read %s (the published certificates; --certs names their directory)", path);
		return NULL;
	}
	if (hx(g, sha_hex, want, 32) || sha256(p, *len, got) || memcmp(got, want, 32)) {
		free(p);
		vg_fail(g, "%s is not the published file (SHA-256 differs)", path);
		return NULL;
	}
	return p;
}

static int file_case(struct vw *w, const char *id, const char *rel, const uint8_t *p, size_t len)
{
	uint8_t d[32];

	if (sha256(p, len, d))
		return -1;
	vw_section(w, "file", "%s", id);
	vw_text(w, "path", rel);
	vw_hex(w, "sha256", d, 32);
	return 0;
}

static int load_amd(struct vg *g, const char *rel, const char *sha, struct amd_cert *c, struct vw *w, const char *id)
{
	size_t len;
	const char *why = NULL;
	uint8_t *p = read_cert(g, rel, sha, &len);
	int rc = -1;

	if (!p)
		return -1;
	if (amd_cert_parse(p, len, c, &why) != len)
		vg_fail(g, "%s: %s", rel, why ? why : "not one AMD certificate");
	else
		rc = file_case(w, id, rel, p, len);
	free(p);
	return rc;
}

static int amd_roots(struct vg *g, struct vw *w)
{
	vw_comment(w, "\n\n3  AMD's published ARK and ASK certificates (vectors.md §3; virtee/sev @9cf2adbf\n"
		      "src/certs/sev/builtin/<gen>/{ark,ask}.cert, = AMD's ask_ark_<gen>.cert downloads), shipped\n"
		      "as vectors/certs/amd-root/<gen>/.  Each file's SHA-256, then the ARK (self-signed; its\n"
		      "fused hash = SHA-384(header || exponent || modulus), published) and the ASK (signed by\n"
		      "the ARK) with the status the firmware's checks give.  RSA-PSS, salt = hash length;\n"
		      "SHA-256 for the 2048-bit Naples root, SHA-384 for the 4096-bit ones.");
	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		const struct root_row *r = &roots[i];
		struct amd_cert ark, ask;
		uint8_t fused[48], want[48], id16[16];
		char rel[128], id[64];

		snprintf(rel, sizeof(rel), "certs/amd-root/%s/ark.cert", r->gen);
		snprintf(id, sizeof(id), "%s-ark", r->gen);
		if (load_amd(g, rel, r->ark_sha, &ark, w, id))
			return -1;
		snprintf(rel, sizeof(rel), "certs/amd-root/%s/ask.cert", r->gen);
		snprintf(id, sizeof(id), "%s-ask", r->gen);
		if (load_amd(g, rel, r->ask_sha, &ask, w, id))
			return -1;
		if (amd_cert_mod_bits(&ark) != r->bits || hx(g, r->ark_id, id16, 16) || memcmp(amd_cert_key_id(&ark), id16, 16) ||
		    hx(g, r->ask_id, id16, 16) || memcmp(amd_cert_key_id(&ask), id16, 16) ||
		    hx(g, r->fused, want, 48) || amd_cert_fused_hash(&ark, fused) || memcmp(fused, want, 48))
			return vg_fail(g, "%s: the root differs from the published key ids, size or fused hash", r->gen);
		char ark_rel[128], ask_rel[128];
		struct vgk_paths pa = { ark_rel, NULL }, ps = { ask_rel, ark_rel };

		snprintf(ark_rel, sizeof(ark_rel), "certs/amd-root/%s/ark.cert", r->gen);
		snprintf(ask_rel, sizeof(ask_rel), "certs/amd-root/%s/ask.cert", r->gen);
		snprintf(id, sizeof(id), "%s", r->gen);
		if (vgk_amd_ark(g, w, id, &ark, fused, 0, NULL, &pa) || vgk_amd_ask(g, w, id, &ask, &ark, 0, NULL, &ps))
			return -1;
	}
	return 0;
}

static int platform_chains(struct vg *g, struct vw *w)
{
	vw_comment(w, "\n\n4  Real platform certificate chains (vectors.md §4; virtee/sev tests/{naples,rome}/),\n"
		      "shipped as vectors/certs/platform/<gen>/.  Each file's SHA-256, then every link with\n"
		      "the status the firmware's sev_cert_validate gives: CEK by the ASK (RSA-PSS; 0x13/0x001\n"
		      "on Naples, 0x13/0x101 on Rome), OCA by itself, PEK by the OCA and by the CEK, PDH by\n"
		      "the PEK (ECDSA P-384 over SHA-256 of bytes 0..0x413).");
	for (size_t i = 0; i < sizeof(plats) / sizeof(plats[0]); i++) {
		const struct plat_row *r = &plats[i];
		struct sev_cert c[4];
		struct amd_cert ask;
		char rel[128], id[64];
		size_t len;
		const char *why = NULL;
		uint8_t *p;

		for (int j = 0; j < 4; j++) {
			snprintf(rel, sizeof(rel), "certs/platform/%s/%s.cert", r->gen, plat_names[j]);
			snprintf(id, sizeof(id), "%s-%s", r->gen, plat_names[j]);
			if (!(p = read_cert(g, rel, r->sha[j], &len)))
				return -1;
			if (len != SEV_CERT_LEN || file_case(w, id, rel, p, len)) {
				free(p);
				return vg_fail(g, "%s is not a 0x824-byte certificate", rel);
			}
			memcpy(c[j].raw, p, SEV_CERT_LEN);
			free(p);
		}
		snprintf(rel, sizeof(rel), "%s/amd-root/%s/ask.cert", vg_certs_dir(g), r->gen);
		p = file_read_all(rel, &len);
		if (!p || amd_cert_parse(p, len, &ask, &why) != len) {
			free(p);
			return vg_fail(g, "%s: not readable as an AMD certificate", rel);
		}
		free(p);
		/* cert, signer: indexes into c[] (4 = the ASK) */
		static const struct {
			const char *id;
			int cert, signer;
		} links[] = { { "cek-by-ask", 0, 4 }, { "oca-by-oca", 1, 1 }, { "pek-by-oca", 2, 1 },
			      { "pek-by-cek", 2, 0 }, { "pdh-by-pek", 3, 2 } };

		for (size_t k = 0; k < sizeof(links) / sizeof(links[0]); k++) {
			char crel[128], srel[128];
			struct vgk_paths ps = { crel, srel };
			int si = links[k].signer;

			snprintf(crel, sizeof(crel), "certs/platform/%s/%s.cert", r->gen, plat_names[links[k].cert]);
			if (si == 4)
				snprintf(srel, sizeof(srel), "certs/amd-root/%s/ask.cert", r->gen);
			else
				snprintf(srel, sizeof(srel), "certs/platform/%s/%s.cert", r->gen, plat_names[si]);
			snprintf(id, sizeof(id), "%s-%s", r->gen, links[k].id);
			if (vgk_sev_cert(g, w, id, &c[links[k].cert], si == 4 ? NULL : &c[si], si == 4 ? &ask : NULL, 0, NULL,
					 &ps))
				return -1;
		}
	}
	return 0;
}

int vg_gen_published(struct vg *g, struct vw *w)
{
	vw_comment(w, "\nEvery value below appears in ../shared/spec/vectors.md (section numbers given), which\n"
		      "names the repository each came from; the generator recomputes each with the emulator\n"
		      "and refuses to write a value it cannot reproduce.");
	if (virtee(g, w) || measurements(g, w) || sevtool_kdf(g, w) || composite(g, w) || amd_roots(g, w))
		return -1;
	return platform_chains(g, w);
}
