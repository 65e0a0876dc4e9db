/* The guest owner and the launch driver against the in-process emulator: a whole
 * launch (export -> verify chain -> session -> launch -> measure -> verify -> secret ->
 * finish -> the secret in guest memory, DBG_DECRYPT, ATTESTATION verified), and every
 * tampered input refused with the firmware's exact status while guest memory stays as
 * it was. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/crypto/rng.h"
#include "emu/crypto/symm.h"
#include "emu/fw/status.h"
#include "harness/owner/export.h"
#include "harness/owner/files.h"
#include "harness/owner/launch.h"
#include "harness/owner/measure.h"
#include "harness/owner/secret.h"
#include "harness/owner/session.h"
#include "harness/owner/verify.h"
#include "harness/testlib/testlib.h"
#include "psp/psp.h"

#define IMG_LEN    (2 * 4096 + 100) /* not a multiple of 16: exercises the padding */
#define SECRET_GPA (3 * 4096)       /* the page after the image */
#define MEM_LEN    (4 * 4096)

struct rig {
	struct psp *p;
	char dir[PATH_MAX];  /* the platform's exported chain */
	struct owner_chain chain;
	struct owner_fw_version fw;
	struct rng *rng;
	uint8_t image[IMG_LEN];
	uint8_t secret[64];
};

/* One emulated AMD root for the whole suite: generating RSA-4096 keys is the slow
 * part of creating a platform. */
static const char *shared_root(void)
{
	static const char *dir;

	if (!dir)
		dir = test_tmpdir("owner-root");
	return dir;
}

static int rig_open(struct rig *r, const char *tag, const char *opts)
{
	char uri[PATH_MAX + 128];
	struct sev_user_data_status st;
	struct owner_export_info info;
	struct psp_err err;
	struct owner_err e;
	const char *tmp = test_tmpdir(tag);

	memset(r, 0, sizeof(*r));
	snprintf(uri, sizeof(uri), "emu:%s/state?seed=0a0b%s&root=%s", tmp, opts, shared_root());
	if (psp_open(uri, &r->p, &err) != 0) {
		char m[400];
		psp_err_format(&err, m, sizeof(m));
		fprintf(stderr, "psp_open(%s): %s\n", uri, m);
		return -1;
	}
	snprintf(r->dir, sizeof(r->dir), "%s", tmp);
	if (owner_export_platform(r->p, r->dir, &info, &e) != 0) {
		fprintf(stderr, "export: %s\n", e.msg);
		return -1;
	}
	if (!info.kds || !info.complete || owner_chain_read_dir(r->dir, &r->chain, &e) != 0)
		return -1;
	if (psp_platform_status(r->p, &st, &err) != 0)
		return -1;
	r->fw.api_major = st.api_major;
	r->fw.api_minor = st.api_minor;
	r->fw.build = st.build;
	r->rng = rng_new_seeded((const uint8_t *)tag, strlen(tag), "test-owner");
	for (size_t i = 0; i < sizeof(r->image); i++)
		r->image[i] = (uint8_t)(i * 13 + (i >> 8));
	memcpy(r->secret, "swsev launch secret: the disk key is 0123456789abcdef, padded....", 64);
	return r->rng ? 0 : -1;
}

static void rig_close(struct rig *r)
{
	rng_free(r->rng);
	psp_close(r->p);
}

static void launch_cfg(struct rig *r, const struct owner_session *s, uint32_t policy, struct owner_launch_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->policy = policy;
	c->godh = s ? s->godh.raw : NULL;
	c->session = s ? (const uint8_t *)&s->session : NULL;
	c->image = r->image;
	c->image_len = sizeof(r->image);
	c->mem_len = MEM_LEN;
}

static void assert_fw(const struct owner_guest *g, const char *step, uint32_t status)
{
	char m[600];

	owner_guest_error(g, m, sizeof(m));
	CU_ASSERT_PTR_NOT_NULL(g->step);
	if (g->step)
		CU_ASSERT_STRING_EQUAL(g->step, step);
	CU_ASSERT_TRUE(g->err.fw_set);
	CU_ASSERT_STATUS(g->err.fw, status);
	CU_ASSERT_PTR_NOT_NULL(strstr(m, sev_status_name(status)));
}

/* The owner's side of measure -> verify -> package. */
static int owner_package(struct rig *r, const struct owner_session *s, uint32_t policy, const uint8_t *measure,
			 uint8_t ct[64], uint8_t hdr[52])
{
	uint8_t dg[32], m[32], iv[16];
	struct owner_err e;

	if (owner_launch_digest(r->image, sizeof(r->image), NULL, 0, 0, dg, &e) ||
	    owner_verify_measurement(measure, s->tk.tik, &r->fw, policy, dg, m, &e) || rng_bytes(r->rng, iv, 16))
		return -1;
	return owner_package_secret(&s->tk, owner_fw_pre017(&r->fw) ? NULL : m, iv, 0, r->secret, sizeof(r->secret),
				    ct, hdr, &e);
}

static void whole_launch(const char *tag, const char *opts)
{
	struct owner_chain_result res;
	struct owner_session s;
	struct owner_launch_cfg cfg;
	struct owner_guest g;
	struct owner_trust t;
	struct owner_report rep;
	struct owner_report_expect x = { 0 };
	struct owner_err e;
	struct psp_err err;
	struct kvm_sev_guest_status gs;
	uint8_t ct[64], hdr[52], got[64], dg[32], mnonce[16] = "attest-nonce-01", report[PSP_REPORT_LEN];
	uint8_t *dump;
	struct rig r;

	if (rig_open(&r, tag, opts) != 0) {
		CU_FAIL("cannot set up the emulated platform");
		return;
	}
	/* The owner trusts the emulated root explicitly; it is not one of AMD's. */
	owner_trust_init(&t, true);
	CU_ASSERT_EQUAL(owner_chain_verify(&r.chain, &t, &res, &e), -1);
	CU_ASSERT_EQUAL(res.first_failed, OWNER_LINK_ARK);
	CU_ASSERT_EQUAL_FATAL(owner_trust_add_ark(&t, &r.chain.ark, "emulated root", &e), 0);
	CU_ASSERT_EQUAL(owner_chain_verify(&r.chain, &t, &res, &e), 0);
	CU_ASSERT_STRING_EQUAL(res.root, "emulated root");

	CU_ASSERT_EQUAL_FATAL(owner_session_create(&r.chain.pdh, 0x0, r.rng, &s, &e), 0);
	launch_cfg(&r, &s, 0x0, &cfg);
	if (owner_guest_launch(r.p, &cfg, &g) != 0) {
		char m[600];
		owner_guest_error(&g, m, sizeof(m));
		fprintf(stderr, "launch: %s\n", m);
		CU_FAIL("launch failed");
		goto out;
	}
	CU_ASSERT_EQUAL(owner_package(&r, &s, 0, g.measure, ct, hdr), 0);
	CU_ASSERT_EQUAL(owner_guest_inject(&g, hdr, ct, sizeof(ct), SECRET_GPA), 0);
	CU_ASSERT_EQUAL(owner_guest_finish(&g), 0);
	CU_ASSERT_EQUAL(psp_guest_status(g.vm, &gs, &err), 0);
	CU_ASSERT_EQUAL(gs.state, 3 /* RUNNING */);

	/* The guest sees the secret and the image; the VMM holds ciphertext. */
	CU_ASSERT_EQUAL(psp_guest_read(g.vm, 0, g.mem + SECRET_GPA, got, sizeof(got), &err), 0);
	CU_ASSERT_BYTES_EQUAL(got, r.secret, sizeof(got));
	CU_ASSERT_NOT_EQUAL(memcmp(g.mem + SECRET_GPA, r.secret, sizeof(got)), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(g.mem, r.image, 64), 0);
	dump = malloc(g.mem_len);
	CU_ASSERT_FATAL(dump != NULL);
	CU_ASSERT_EQUAL(owner_guest_dump(&g, dump), 0);
	CU_ASSERT_BYTES_EQUAL(dump, r.image, sizeof(r.image));
	CU_ASSERT_BYTES_EQUAL(dump + SECRET_GPA, r.secret, sizeof(r.secret));
	secure_free(dump, g.mem_len);

	/* The report: PEK-signed, with the digest the owner computed. */
	CU_ASSERT_EQUAL(owner_guest_attest(&g, mnonce, report), 0);
	CU_ASSERT_EQUAL(owner_launch_digest(r.image, sizeof(r.image), NULL, 0, 0, dg, &e), 0);
	x.mnonce = mnonce;
	x.digest = dg;
	x.check_policy = true;
	x.policy = 0;
	CU_ASSERT_EQUAL(owner_report_verify(report, &r.chain.pek, &x, &e), 0);
	owner_report_decode(report, &rep);
	CU_ASSERT_BYTES_EQUAL(rep.digest, dg, 32);
	x.policy = 1;
	CU_ASSERT_EQUAL(owner_report_verify(report, &r.chain.pek, &x, &e), -1);
	CU_ASSERT_STATUS(e.status, SEV_STATUS_POLICY_FAILURE);
	x.policy = 0;
	for (size_t i = 0; i < PSP_REPORT_LEN; i += 5) {
		report[i] ^= 0x04;
		CU_ASSERT_EQUAL(owner_report_verify(report, &r.chain.pek, &x, &e), -1);
		report[i] ^= 0x04;
	}
	/* Signed by another platform's PEK: no. */
	CU_ASSERT_EQUAL(owner_report_verify(report, &r.chain.oca, &x, &e), -1);
out:
	owner_guest_free(&g);
	owner_session_clear(&s);
	rig_close(&r);
}

static void test_launch_round_trip(void)
{
	whole_launch("owner-launch", "");
}

/* An API 0.16 platform: the pre-0.17 measurement and secret MAC on both sides. */
static void test_launch_pre017(void)
{
	whole_launch("owner-launch-016", "&api=0.16");
}

/* LAUNCH_START refuses a tampered session or policy; the image is left untouched
 * (never encrypted). */
static void test_tampered_session(void)
{
	static const struct {
		size_t off; /* in the 128-byte blob */
		const char *what;
	} flips[] = { { 0, "nonce" }, { 0x10, "wrap_tk" }, { 0x2F, "wrap_tk end" }, { 0x30, "wrap_iv" },
		      { 0x40, "wrap_mac" }, { 0x60, "policy_mac" }, { 0x7F, "policy_mac end" } };
	struct owner_session s, bad;
	struct owner_launch_cfg cfg;
	struct owner_guest g;
	struct owner_err e;
	struct rig r;

	if (rig_open(&r, "owner-tamper-session", "") != 0) {
		CU_FAIL("cannot set up the emulated platform");
		return;
	}
	CU_ASSERT_EQUAL_FATAL(owner_session_create(&r.chain.pdh, 0x1, r.rng, &s, &e), 0);
	for (size_t i = 0; i < sizeof(flips) / sizeof(flips[0]); i++) {
		bad = s;
		((uint8_t *)&bad.session)[flips[i].off] ^= 0x01;
		launch_cfg(&r, &bad, 0x1, &cfg);
		CU_ASSERT_EQUAL(owner_guest_launch(r.p, &cfg, &g), -1);
		assert_fw(&g, "LAUNCH_START", SEV_STATUS_BAD_MEASUREMENT);
		CU_ASSERT_BYTES_EQUAL(g.mem, r.image, sizeof(r.image));
		owner_guest_free(&g);
	}
	/* The policy given to LAUNCH_START is not the one the owner MACed. */
	launch_cfg(&r, &s, 0x0, &cfg);
	CU_ASSERT_EQUAL(owner_guest_launch(r.p, &cfg, &g), -1);
	assert_fw(&g, "LAUNCH_START", SEV_STATUS_BAD_MEASUREMENT);
	CU_ASSERT_BYTES_EQUAL(g.mem, r.image, sizeof(r.image));
	owner_guest_free(&g);
	launch_cfg(&r, &s, 0x3, &cfg);
	CU_ASSERT_EQUAL(owner_guest_launch(r.p, &cfg, &g), -1);
	assert_fw(&g, "LAUNCH_START", SEV_STATUS_BAD_MEASUREMENT);
	owner_guest_free(&g);
	/* A GODH certificate that is not a DH key. */
	bad = s;
	bad.godh.raw[SEV_CERT_OFF_ALGO] = SEV_ALGO_ECDSA_SHA256;
	launch_cfg(&r, &bad, 0x1, &cfg);
	CU_ASSERT_EQUAL(owner_guest_launch(r.p, &cfg, &g), -1);
	assert_fw(&g, "LAUNCH_START", SEV_STATUS_INVALID_CERTIFICATE);
	owner_guest_free(&g);
	/* A session made for another platform's PDH (here: the PEK's key is not a PDH;
	 * take the GODH of another session instead). */
	{
		struct owner_session other;
		CU_ASSERT_EQUAL_FATAL(owner_session_create(&r.chain.pdh, 0x1, r.rng, &other, &e), 0);
		bad = s;
		bad.godh = other.godh;
		launch_cfg(&r, &bad, 0x1, &cfg);
		CU_ASSERT_EQUAL(owner_guest_launch(r.p, &cfg, &g), -1);
		assert_fw(&g, "LAUNCH_START", SEV_STATUS_BAD_MEASUREMENT);
		owner_guest_free(&g);
		owner_session_clear(&other);
	}
	/* The untampered session still launches. */
	launch_cfg(&r, &s, 0x1, &cfg);
	CU_ASSERT_EQUAL(owner_guest_launch(r.p, &cfg, &g), 0);
	owner_guest_free(&g);
	owner_session_clear(&s);
	rig_close(&r);
}

/* LAUNCH_SECRET refuses a tampered header or ciphertext with BAD_MEASUREMENT and
 * writes nothing; the genuine packet is accepted afterwards. */
static void test_tampered_secret(void)
{
	struct owner_session s;
	struct owner_launch_cfg cfg;
	struct owner_guest g;
	struct owner_err e;
	struct psp_err err;
	uint8_t ct[64], hdr[52], bad_ct[64], bad_hdr[52], before[64], view[64], raw[64], got[64];
	struct rig r;

	if (rig_open(&r, "owner-tamper-secret", "") != 0) {
		CU_FAIL("cannot set up the emulated platform");
		return;
	}
	CU_ASSERT_EQUAL_FATAL(owner_session_create(&r.chain.pdh, 0x0, r.rng, &s, &e), 0);
	launch_cfg(&r, &s, 0x0, &cfg);
	CU_ASSERT_EQUAL_FATAL(owner_guest_launch(r.p, &cfg, &g), 0);
	CU_ASSERT_EQUAL_FATAL(owner_package(&r, &s, 0, g.measure, ct, hdr), 0);
	CU_ASSERT_EQUAL(psp_guest_read(g.vm, 0, g.mem + SECRET_GPA, before, sizeof(before), &err), 0);
	memcpy(raw, g.mem + SECRET_GPA, sizeof(raw));

	for (size_t i = 0; i < sizeof(hdr); i += 3) {
		memcpy(bad_hdr, hdr, sizeof(hdr));
		bad_hdr[i] ^= 0x20;
		CU_ASSERT_EQUAL(owner_guest_inject(&g, bad_hdr, ct, sizeof(ct), SECRET_GPA), -1);
		/* A flipped flags bit 0 (COMPRESSED) is MACed too: BAD_MEASUREMENT first. */
		assert_fw(&g, "LAUNCH_SECRET", SEV_STATUS_BAD_MEASUREMENT);
	}
	for (size_t i = 0; i < sizeof(ct); i += 9) {
		memcpy(bad_ct, ct, sizeof(ct));
		bad_ct[i] ^= 0x01;
		CU_ASSERT_EQUAL(owner_guest_inject(&g, hdr, bad_ct, sizeof(ct), SECRET_GPA), -1);
		assert_fw(&g, "LAUNCH_SECRET", SEV_STATUS_BAD_MEASUREMENT);
	}
	/* The owner's verification refuses a measurement with another MNONCE (a replay of
	 * an earlier launch's)... */
	{
		uint8_t m2[PSP_MEASURE_LEN], iv[16] = { 1 };
		memcpy(m2, g.measure, sizeof(m2));
		m2[47] ^= 1;
		CU_ASSERT_EQUAL(owner_package(&r, &s, 0, m2, bad_ct, bad_hdr), -1);
		/* ...and a secret bound to any other measurement is refused by the firmware. */
		m2[47] ^= 1;
		m2[0] ^= 1;
		CU_ASSERT_EQUAL(owner_package_secret(&s.tk, m2, iv, 0, r.secret, sizeof(r.secret), bad_ct, bad_hdr, &e), 0);
		CU_ASSERT_EQUAL(owner_guest_inject(&g, bad_hdr, bad_ct, sizeof(bad_ct), SECRET_GPA), -1);
		assert_fw(&g, "LAUNCH_SECRET", SEV_STATUS_BAD_MEASUREMENT);
		/* the pre-0.17 form (no measurement) on a 0.24 firmware: refused too */
		CU_ASSERT_EQUAL(owner_package_secret(&s.tk, NULL, iv, 0, r.secret, sizeof(r.secret), bad_ct, bad_hdr, &e), 0);
		CU_ASSERT_EQUAL(owner_guest_inject(&g, bad_hdr, bad_ct, sizeof(bad_ct), SECRET_GPA), -1);
		assert_fw(&g, "LAUNCH_SECRET", SEV_STATUS_BAD_MEASUREMENT);
	}
	/* A length the firmware does not take (not 16-aligned). */
	CU_ASSERT_EQUAL(owner_guest_inject(&g, hdr, ct, sizeof(ct) - 8, SECRET_GPA), -1);
	assert_fw(&g, "LAUNCH_SECRET", SEV_STATUS_INVALID_LENGTH);
	/* Nothing changed: the guest's view and the VMM's bytes. */
	CU_ASSERT_EQUAL(psp_guest_read(g.vm, 0, g.mem + SECRET_GPA, view, sizeof(view), &err), 0);
	CU_ASSERT_BYTES_EQUAL(view, before, sizeof(view));
	CU_ASSERT_BYTES_EQUAL(g.mem + SECRET_GPA, raw, sizeof(raw));

	/* Beyond guest memory: refused by the driver before the firmware is asked. */
	CU_ASSERT_EQUAL(owner_guest_inject(&g, hdr, ct, sizeof(ct), MEM_LEN - 16), -1);
	CU_ASSERT_FALSE(g.err.fw_set);
	/* Misaligned guest address: the firmware's INVALID_ADDRESS. */
	CU_ASSERT_EQUAL(owner_guest_inject(&g, hdr, ct, sizeof(ct), SECRET_GPA + 8), -1);
	assert_fw(&g, "LAUNCH_SECRET", SEV_STATUS_INVALID_ADDRESS);

	CU_ASSERT_EQUAL(owner_guest_inject(&g, hdr, ct, sizeof(ct), SECRET_GPA), 0);
	CU_ASSERT_EQUAL(psp_guest_read(g.vm, 0, g.mem + SECRET_GPA, got, sizeof(got), &err), 0);
	CU_ASSERT_BYTES_EQUAL(got, r.secret, sizeof(got));
	CU_ASSERT_EQUAL(owner_guest_finish(&g), 0);
	/* After LAUNCH_FINISH the channel is gone: LAUNCH_SECRET is a state error. */
	CU_ASSERT_EQUAL(owner_guest_inject(&g, hdr, ct, sizeof(ct), SECRET_GPA), -1);
	assert_fw(&g, "LAUNCH_SECRET", SEV_STATUS_INVALID_GUEST_STATE);
	owner_guest_free(&g);
	owner_session_clear(&s);
	rig_close(&r);
}

/* A NODBG policy: the launch works, DBG_DECRYPT is the firmware's POLICY_FAILURE. */
static void test_nodbg_dump(void)
{
	struct owner_session s;
	struct owner_launch_cfg cfg;
	struct owner_guest g;
	struct owner_err e;
	uint8_t *dump;
	struct rig r;

	if (rig_open(&r, "owner-nodbg", "") != 0) {
		CU_FAIL("cannot set up the emulated platform");
		return;
	}
	CU_ASSERT_EQUAL_FATAL(owner_session_create(&r.chain.pdh, 0x1, r.rng, &s, &e), 0);
	launch_cfg(&r, &s, 0x1, &cfg);
	CU_ASSERT_EQUAL_FATAL(owner_guest_launch(r.p, &cfg, &g), 0);
	CU_ASSERT_EQUAL(owner_guest_finish(&g), 0);
	dump = calloc(1, g.mem_len);
	CU_ASSERT_EQUAL(owner_guest_dump(&g, dump), -1);
	assert_fw(&g, "DBG_DECRYPT", SEV_STATUS_POLICY_FAILURE);
	free(dump);
	owner_guest_free(&g);
	owner_session_clear(&s);
	rig_close(&r);
}

/* Without a session: TEK = TIK = 0 (spec §2.3), so the owner can still compute the
 * measurement (with a zero TIK) but a measurement proves nothing. */
static void test_no_session(void)
{
	struct owner_session zero;
	struct owner_launch_cfg cfg;
	struct owner_guest g;
	struct owner_err e;
	uint8_t dg[32];
	struct rig r;

	if (rig_open(&r, "owner-nosession", "") != 0) {
		CU_FAIL("cannot set up the emulated platform");
		return;
	}
	memset(&zero, 0, sizeof(zero));
	launch_cfg(&r, NULL, 0x0, &cfg);
	CU_ASSERT_EQUAL_FATAL(owner_guest_launch(r.p, &cfg, &g), 0);
	CU_ASSERT_EQUAL(owner_launch_digest(r.image, sizeof(r.image), NULL, 0, 0, dg, &e), 0);
	CU_ASSERT_EQUAL(owner_verify_measurement(g.measure, zero.tk.tik, &r.fw, 0, dg, NULL, &e), 0);
	owner_guest_free(&g);
	rig_close(&r);
}

/* SEV-ES with VMSA pages the driver loads: the owner's digest covers them. */
static void test_launch_es(void)
{
	struct owner_session s;
	struct owner_launch_cfg cfg;
	struct owner_guest g;
	struct owner_err e;
	uint8_t *vmsa = calloc(2, 4096), dg[32];
	struct rig r;

	CU_ASSERT_FATAL(vmsa != NULL);
	if (rig_open(&r, "owner-es", "&es=1") != 0) {
		CU_FAIL("cannot set up the emulated platform");
		free(vmsa);
		return;
	}
	for (size_t i = 0; i < 2 * 4096; i++)
		vmsa[i] = (uint8_t)(i % 251);
	CU_ASSERT_EQUAL_FATAL(owner_session_create(&r.chain.pdh, 0x4, r.rng, &s, &e), 0);
	launch_cfg(&r, &s, 0x4, &cfg);
	cfg.es = true;
	cfg.vmsa = vmsa;
	cfg.vmsa_len = 2 * 4096;
	cfg.nvcpus = 3;
	if (owner_guest_launch(r.p, &cfg, &g) != 0) {
		char m[600];
		owner_guest_error(&g, m, sizeof(m));
		fprintf(stderr, "ES launch: %s\n", m);
		CU_FAIL("ES launch failed");
	} else {
		CU_ASSERT_EQUAL(owner_launch_digest(r.image, sizeof(r.image), vmsa, 2 * 4096, 3, dg, &e), 0);
		CU_ASSERT_EQUAL(owner_verify_measurement(g.measure, s.tk.tik, &r.fw, 0x4, dg, NULL, &e), 0);
		/* Without the VMSAs the digest is another one. */
		CU_ASSERT_EQUAL(owner_launch_digest(r.image, sizeof(r.image), NULL, 0, 0, dg, &e), 0);
		CU_ASSERT_EQUAL(owner_verify_measurement(g.measure, s.tk.tik, &r.fw, 0x4, dg, NULL, &e), -1);
	}
	owner_guest_free(&g);
	owner_session_clear(&s);
	rig_close(&r);
	free(vmsa);
}

TEST_SUITE(owner_launch, NULL, NULL,
	   TEST(test_launch_round_trip),
	   TEST(test_launch_pre017),
	   TEST(test_tampered_session),
	   TEST(test_tampered_secret),
	   TEST(test_nodbg_dump),
	   TEST(test_no_session),
	   TEST(test_launch_es))
