/* Launch conformance through the KVM guest commands (psp_vm_*): the launch flow with
 * and without a guest-owner session, the measurement and LAUNCH_SECRET checked against
 * an independent computation, every launch command in every guest state, the policy
 * bits, length queries, key sharing, and tampering — each rejection with the exact
 * firmware status and guest memory left as it was. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/cert/sev_cert.h"
#include "emu/crypto/packet.h"
#include "emu/crypto/pkey.h"
#include "emu/crypto/symm.h"
#include "emu/fw/fw.h"
#include "harness/conformance/conf.h"

#define PAGE 4096

struct guest {
	struct conf *c;
	struct psp_vm *vm;
	uint8_t *mem;
	size_t len;
	uint8_t *plain; /* what the image was before LAUNCH_UPDATE_DATA */
	uint32_t handle;
	struct conf_owner owner;
	bool with_session;
};

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + seed);
}

/* INIT + LAUNCH_START (+ an owner session if asked) on a fresh platform. */
static bool start(struct guest *g, const char *tag, uint32_t policy, bool session, size_t pages)
{
	static uint8_t pdh[PSP_CERT_LEN], chain[PSP_CERT_CHAIN_LEN];
	struct psp_err e;

	memset(g, 0, sizeof(*g));
	g->c = conf_open(tag, NULL, 1);
	if (!g->c || !g->c->fresh_ok || !conf_need(g->c, PSP_CAP_GUEST))
		return false;
	g->len = pages * PAGE;
	g->mem = conf_alloc(g->len);
	g->plain = malloc(g->len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g->mem);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g->plain);
	fill(g->mem, g->len, (uint8_t)pages);
	memcpy(g->plain, g->mem, g->len);
	if (psp_vm_create(g->c->p, &g->vm, &e) != 0 || psp_vm_init(g->vm, false, &e) != 0) {
		CONF_OK(-1, &e);
		return false;
	}
	g->with_session = session;
	if (session) {
		if (psp_pdh_cert_export(g->c->p, pdh, chain, &e) != 0 || !conf_owner_session(pdh, policy, &g->owner)) {
			CU_FAIL("cannot make an owner session");
			return false;
		}
	}
	if (psp_launch_start(g->vm, policy, session ? g->owner.godh : NULL, session ? g->owner.session : NULL,
			     &g->handle, &e) != 0) {
		CONF_OK(-1, &e);
		return false;
	}
	return true;
}

static void finish(struct guest *g)
{
	if (g->vm)
		psp_vm_destroy(g->vm);
	conf_free(g->mem, g->len);
	free(g->plain);
	conf_close(g->c);
}

static uint32_t guest_state(struct guest *g)
{
	struct kvm_sev_guest_status st = { 0 };
	struct psp_err e;

	CONF_OK(psp_guest_status(g->vm, &st, &e), &e);
	return st.state;
}

/* The measurement as the guest owner computes it (sev-km.md §6.4). */
static void expected_measurement(struct guest *g, uint32_t policy, const uint8_t *image, size_t len,
				 const uint8_t mnonce[16], uint8_t out[32])
{
	struct sev_user_data_status st;
	struct psp_err e;
	uint8_t ld[32], tik[16] = { 0 };

	CONF_OK(psp_platform_status(g->c->p, &st, &e), &e);
	sha256(image, len, ld);
	if (g->with_session)
		memcpy(tik, g->owner.tik, 16);
	sev_launch_measurement(tik, st.api_major, st.api_minor, st.build, policy, ld, mnonce, out);
}

static void test_launch_without_session(void)
{
	struct guest g;
	struct psp_err e;
	uint8_t m[PSP_MEASURE_LEN], want[32], view[PAGE];

	if (!start(&g, "launch-nosess", SEV_POLICY_NODBG, false, 2))
		goto out;
	CU_ASSERT_TRUE(g.handle >= 1);
	CU_ASSERT_EQUAL(guest_state(&g), FW_GUEST_LUPDATE);
	CONF_OK(psp_launch_update_data(g.vm, g.mem, g.len, &e), &e);
	/* the VMM now holds ciphertext */
	CU_ASSERT_NOT_EQUAL(memcmp(g.mem, g.plain, g.len), 0);
	CONF_OK(psp_launch_measure(g.vm, m, &e), &e);
	CU_ASSERT_EQUAL(guest_state(&g), FW_GUEST_LSECRET);
	/* no session: TIK is all zeros, and anyone can check the measurement */
	expected_measurement(&g, SEV_POLICY_NODBG, g.plain, g.len, m + 32, want);
	CU_ASSERT_BYTES_EQUAL(m, want, 32);
	CONF_OK(psp_launch_finish(g.vm, &e), &e);
	CU_ASSERT_EQUAL(guest_state(&g), FW_GUEST_RUNNING);
	if (psp_caps(g.c->p) & PSP_CAP_GUEST_VIEW) {
		CONF_OK(psp_guest_read(g.vm, 0, g.mem + PAGE, view, PAGE, &e), &e);
		CU_ASSERT_BYTES_EQUAL(view, g.plain + PAGE, PAGE);
	}
out:
	finish(&g);
}

static void test_memory_is_address_tweaked(void)
{
	struct guest g;
	struct psp_err e;

	if (!start(&g, "launch-tweak", SEV_POLICY_NODBG, false, 2))
		goto out;
	/* the same plaintext on two pages */
	memset(g.mem, 0x5a, g.len);
	CONF_OK(psp_launch_update_data(g.vm, g.mem, g.len, &e), &e);
	CU_ASSERT_NOT_EQUAL(memcmp(g.mem, g.mem + PAGE, PAGE), 0);
	/* and within a page, equal 16-byte blocks differ too */
	CU_ASSERT_NOT_EQUAL(memcmp(g.mem, g.mem + 16, 16), 0);
out:
	finish(&g);
}

static void test_launch_with_session_and_secret(void)
{
	struct guest g;
	struct psp_err e;
	uint8_t m[PSP_MEASURE_LEN], want[32], hdr[PSP_HDR_LEN], secret[64], ct[64], view[64];
	const uint32_t policy = 0; /* debugging allowed: DBG_DECRYPT must show the secret */

	if (!start(&g, "launch-secret", policy, true, 2))
		goto out;
	CONF_OK(psp_launch_update_data(g.vm, g.mem, g.len, &e), &e);
	CONF_OK(psp_launch_measure(g.vm, m, &e), &e);
	/* the owner checks the measurement with the TIK it chose */
	expected_measurement(&g, policy, g.plain, g.len, m + 32, want);
	CU_ASSERT_BYTES_EQUAL(m, want, 32);
	memset(secret, 'S', sizeof(secret));
	CU_ASSERT_TRUE(conf_owner_secret(&g.owner, m, secret, sizeof(secret), hdr, ct));
	CONF_OK(psp_launch_secret(g.vm, hdr, ct, sizeof(ct), g.mem + PAGE + 256, &e), &e);
	CONF_OK(psp_launch_finish(g.vm, &e), &e);
	/* the guest sees the secret; the VMM only ciphertext; debug sees plaintext */
	CU_ASSERT_NOT_EQUAL(memcmp(g.mem + PAGE + 256, secret, sizeof(secret)), 0);
	CONF_OK(psp_dbg_decrypt(g.vm, g.mem + PAGE + 256, view, sizeof(view), &e), &e);
	CU_ASSERT_BYTES_EQUAL(view, secret, sizeof(secret));
	if (psp_caps(g.c->p) & PSP_CAP_GUEST_VIEW) {
		CONF_OK(psp_guest_read(g.vm, 0, g.mem + PAGE + 256, view, sizeof(view), &e), &e);
		CU_ASSERT_BYTES_EQUAL(view, secret, sizeof(secret));
		CONF_OK(psp_guest_read(g.vm, 0, g.mem, view, sizeof(view), &e), &e);
		CU_ASSERT_BYTES_EQUAL(view, g.plain, sizeof(view));
	}
out:
	finish(&g);
}

/* A session or policy that does not verify: BAD_MEASUREMENT, and no guest is made. */
static void test_tampered_session_rejected(void)
{
	static uint8_t pdh[PSP_CERT_LEN], chain[PSP_CERT_CHAIN_LEN];
	struct conf *c = conf_open("tamper-session", NULL, 1);
	struct conf_owner o;
	struct conf_snap before;
	struct psp_vm *vm = NULL;
	struct psp_err e;
	uint32_t h;
	int rc;
	/* offsets into the session: wrap_tk, wrap_mac, policy_mac, nonce */
	const size_t flips[] = { 0x10, 0x40, 0x60, 0x00 };

	if (!c || !c->fresh_ok || !conf_need(c, PSP_CAP_GUEST))
		goto out;
	CONF_OK(psp_pdh_cert_export(c->p, pdh, chain, &e), &e);
	CU_ASSERT_TRUE(conf_owner_session(pdh, SEV_POLICY_NODBG, &o));
	CONF_OK(psp_vm_create(c->p, &vm, &e), &e);
	CONF_OK(psp_vm_init(vm, false, &e), &e);
	conf_snap(c, &before);
	for (size_t i = 0; i < sizeof(flips) / sizeof(flips[0]); i++) {
		struct conf_owner t = o;
		t.session[flips[i] + 3] ^= 0x01;
		h = 0;
		rc = psp_launch_start(vm, SEV_POLICY_NODBG, t.godh, t.session, &h, &e);
		CONF_ERR(rc, &e, EIO, SEV_RET_BAD_MEASUREMENT);
		CONF_ASSERT_UNCHANGED(c, &before);
	}
	/* the policy given differs from the one the owner MACed */
	h = 0;
	rc = psp_launch_start(vm, SEV_POLICY_NODBG | SEV_POLICY_NOKS, o.godh, o.session, &h, &e);
	CONF_ERR(rc, &e, EIO, SEV_RET_BAD_MEASUREMENT);
	/* a GODH certificate that is not a DH key: INVALID_CERTIFICATE */
	{
		struct conf_owner t = o;
		t.godh[SEV_CERT_OFF_USAGE] = (uint8_t)SEV_USAGE_PEK;
		rc = psp_launch_start(vm, SEV_POLICY_NODBG, t.godh, t.session, &h, &e);
		CONF_ERR(rc, &e, EIO, SEV_RET_INVALID_CERTIFICATE);
		t = o;
		t.godh[SEV_CERT_OFF_EC_QX + 5] ^= 0x40; /* off the curve */
		rc = psp_launch_start(vm, SEV_POLICY_NODBG, t.godh, t.session, &h, &e);
		CONF_ERR(rc, &e, EIO, SEV_RET_INVALID_CERTIFICATE);
	}
	CONF_ASSERT_UNCHANGED(c, &before);
	/* the untampered one works */
	h = 0;
	CONF_OK(psp_launch_start(vm, SEV_POLICY_NODBG, o.godh, o.session, &h, &e), &e);
out:
	psp_vm_destroy(vm);
	conf_close(c);
}

/* Policy checks that only a session triggers: reserved bits and the API version. */
static void test_policy_checked_with_session(void)
{
	static uint8_t pdh[PSP_CERT_LEN], chain[PSP_CERT_CHAIN_LEN];
	struct conf *c = conf_open("policy-session", NULL, 1);
	struct sev_user_data_status st;
	struct psp_vm *vm = NULL;
	struct conf_owner o;
	struct psp_err e;
	uint32_t h, pol;
	int rc;

	if (!c || !c->fresh_ok || !conf_need(c, PSP_CAP_GUEST))
		goto out;
	CONF_OK(psp_pdh_cert_export(c->p, pdh, chain, &e), &e);
	CONF_OK(psp_platform_status(c->p, &st, &e), &e);
	CONF_OK(psp_vm_create(c->p, &vm, &e), &e);
	CONF_OK(psp_vm_init(vm, false, &e), &e);
	/* reserved bit 6 */
	pol = SEV_POLICY_NODBG | (1u << 6);
	CU_ASSERT_TRUE(conf_owner_session(pdh, pol, &o));
	h = 0;
	rc = psp_launch_start(vm, pol, o.godh, o.session, &h, &e);
	CONF_ERR(rc, &e, EIO, SEV_RET_POLICY_FAILURE);
	/* a newer API than the firmware's */
	pol = SEV_POLICY_NODBG | (uint32_t)(st.api_major + 1) << 16;
	CU_ASSERT_TRUE(conf_owner_session(pdh, pol, &o));
	rc = psp_launch_start(vm, pol, o.godh, o.session, &h, &e);
	CONF_ERR(rc, &e, EIO, SEV_RET_POLICY_FAILURE);
	/* exactly the firmware's API is fine */
	pol = SEV_POLICY_NODBG | (uint32_t)st.api_major << 16 | (uint32_t)st.api_minor << 24;
	CU_ASSERT_TRUE(conf_owner_session(pdh, pol, &o));
	CONF_OK(psp_launch_start(vm, pol, o.godh, o.session, &h, &e), &e);
out:
	psp_vm_destroy(vm);
	conf_close(c);
}

static void test_policy_unchecked_without_session(void)
{
	struct guest g;

	/* The published firmware takes the policy as given when there is no session. */
	if (!start(&g, "policy-nosess", SEV_POLICY_NODBG | (1u << 9), false, 1))
		goto out;
	CU_ASSERT_TRUE(g.handle >= 1);
out:
	finish(&g);
}

static void test_tampered_secret_rejected(void)
{
	struct guest g;
	struct psp_err e;
	uint8_t m[PSP_MEASURE_LEN], hdr[PSP_HDR_LEN], secret[32], ct[32], before[PAGE];
	int rc;

	if (!start(&g, "tamper-secret", SEV_POLICY_NODBG, true, 1))
		goto out;
	CONF_OK(psp_launch_update_data(g.vm, g.mem, g.len, &e), &e);
	CONF_OK(psp_launch_measure(g.vm, m, &e), &e);
	memset(secret, 'x', sizeof(secret));
	CU_ASSERT_TRUE(conf_owner_secret(&g.owner, m, secret, sizeof(secret), hdr, ct));
	memcpy(before, g.mem, PAGE);
	/* each field of the header, and the ciphertext */
	for (size_t off = 0; off < PSP_HDR_LEN; off += 13) {
		uint8_t h2[PSP_HDR_LEN];
		memcpy(h2, hdr, sizeof(h2));
		h2[off] ^= 0x01;
		rc = psp_launch_secret(g.vm, h2, ct, sizeof(ct), g.mem, &e);
		/* flags bit 0 (COMPRESSED) is MACed too: the MAC fails first */
		CONF_ERR(rc, &e, EIO, SEV_RET_BAD_MEASUREMENT);
		CU_ASSERT_BYTES_EQUAL(g.mem, before, PAGE);
	}
	{
		uint8_t c2[32];
		memcpy(c2, ct, sizeof(c2));
		c2[17] ^= 0x80;
		rc = psp_launch_secret(g.vm, hdr, c2, sizeof(c2), g.mem, &e);
		CONF_ERR(rc, &e, EIO, SEV_RET_BAD_MEASUREMENT);
		CU_ASSERT_BYTES_EQUAL(g.mem, before, PAGE);
	}
	/* a secret packaged for another measurement */
	{
		uint8_t m2[32];
		memcpy(m2, m, 32);
		m2[0] ^= 1;
		CU_ASSERT_TRUE(conf_owner_secret(&g.owner, m2, secret, sizeof(secret), hdr, ct));
		rc = psp_launch_secret(g.vm, hdr, ct, sizeof(ct), g.mem, &e);
		CONF_ERR(rc, &e, EIO, SEV_RET_BAD_MEASUREMENT);
		CU_ASSERT_BYTES_EQUAL(g.mem, before, PAGE);
	}
	/* lengths: not a multiple of 16, and guest_len != trans_len */
	{
		struct kvm_sev_launch_secret s = { (uintptr_t)hdr, PSP_HDR_LEN, (uintptr_t)g.mem, 24, (uintptr_t)ct, 24 };
		rc = psp_vm_op(g.vm, KVM_SEV_LAUNCH_SECRET, &s, &e);
		CONF_ERR(rc, &e, EIO, SEV_RET_INVALID_LEN);
		s.guest_len = 32;
		s.trans_len = 16;
		rc = psp_vm_op(g.vm, KVM_SEV_LAUNCH_SECRET, &s, &e);
		CONF_ERR(rc, &e, EIO, SEV_RET_INVALID_LEN);
		s.trans_len = 32;
		s.hdr_len = 48;
		rc = psp_vm_op(g.vm, KVM_SEV_LAUNCH_SECRET, &s, &e);
		CONF_ERR(rc, &e, EIO, SEV_RET_INVALID_LEN);
		/* an unaligned guest address */
		s.hdr_len = PSP_HDR_LEN;
		s.guest_uaddr = (uintptr_t)g.mem + 8;
		rc = psp_vm_op(g.vm, KVM_SEV_LAUNCH_SECRET, &s, &e);
		CONF_ERR(rc, &e, EIO, SEV_RET_INVALID_ADDRESS);
		CU_ASSERT_BYTES_EQUAL(g.mem, before, PAGE);
	}
	CU_ASSERT_EQUAL(guest_state(&g), FW_GUEST_LSECRET);
out:
	finish(&g);
}

static void test_measure_and_report_length_queries(void)
{
	struct guest g;
	struct psp_err e;
	uint8_t buf[PSP_REPORT_LEN + 16];
	int rc;

	if (!start(&g, "lengths", SEV_POLICY_NODBG, false, 1))
		goto out;
	CONF_OK(psp_launch_update_data(g.vm, g.mem, PAGE, &e), &e);
	{
		struct kvm_sev_launch_measure m = { 0, 0 };
		rc = psp_vm_op(g.vm, KVM_SEV_LAUNCH_MEASURE, &m, &e);
		CONF_ERR(rc, &e, EIO, SEV_RET_INVALID_LEN);
		CU_ASSERT_EQUAL(m.len, PSP_MEASURE_LEN);
		m = (struct kvm_sev_launch_measure){ (uintptr_t)buf, 0x4001 };
		rc = psp_vm_op(g.vm, KVM_SEV_LAUNCH_MEASURE, &m, &e);
		CONF_ERR(rc, &e, EINVAL, -1);
		m = (struct kvm_sev_launch_measure){ (uintptr_t)buf, 47 };
		rc = psp_vm_op(g.vm, KVM_SEV_LAUNCH_MEASURE, &m, &e);
		CONF_ERR(rc, &e, EIO, SEV_RET_INVALID_LEN);
		CU_ASSERT_EQUAL(m.len, 47); /* a failed read is not copied back */
		CU_ASSERT_EQUAL(guest_state(&g), FW_GUEST_LUPDATE);
		m = (struct kvm_sev_launch_measure){ (uintptr_t)buf, sizeof(buf) };
		CONF_OK(psp_vm_op(g.vm, KVM_SEV_LAUNCH_MEASURE, &m, &e), &e);
		CU_ASSERT_EQUAL(m.len, sizeof(buf));
	}
	{
		struct kvm_sev_attestation_report a = { { 0 }, 0, 0 };
		rc = psp_vm_op(g.vm, KVM_SEV_GET_ATTESTATION_REPORT, &a, &e);
		CONF_ERR(rc, &e, EIO, SEV_RET_INVALID_LEN);
		CU_ASSERT_EQUAL(a.len, PSP_REPORT_LEN);
		a = (struct kvm_sev_attestation_report){ { 0 }, (uintptr_t)buf, 0x4001 };
		rc = psp_vm_op(g.vm, KVM_SEV_GET_ATTESTATION_REPORT, &a, &e);
		CONF_ERR(rc, &e, EINVAL, -1);
	}
out:
	finish(&g);
}

/* Which launch commands each guest state accepts. */
static void test_commands_per_guest_state(void)
{
	struct guest g;
	struct psp_err e;
	uint8_t m[PSP_MEASURE_LEN], hdr[PSP_HDR_LEN] = { 0 }, ct[16] = { 0 }, rep[PSP_REPORT_LEN], mn[16] = { 0 };
	int rc;

	if (!start(&g, "per-state", SEV_POLICY_NODBG, false, 1))
		goto out;
	/* LUPDATE: no secret, no finish, no report */
	rc = psp_launch_secret(g.vm, hdr, ct, sizeof(ct), g.mem, &e);
	CONF_ERR(rc, &e, EIO, SEV_RET_INVALID_GUEST_STATE);
	rc = psp_launch_finish(g.vm, &e);
	CONF_ERR(rc, &e, EIO, SEV_RET_INVALID_GUEST_STATE);
	rc = psp_attestation(g.vm, mn, rep, &e);
	CONF_ERR(rc, &e, EIO, SEV_RET_INVALID_GUEST_STATE);
	rc = psp_send_finish(g.vm, &e);
	CONF_ERR(rc, &e, EIO, SEV_RET_INVALID_GUEST_STATE);
	rc = psp_receive_finish(g.vm, &e);
	CONF_ERR(rc, &e, EIO, SEV_RET_INVALID_GUEST_STATE);
	CONF_OK(psp_launch_update_data(g.vm, g.mem, PAGE, &e), &e);
	CONF_OK(psp_launch_measure(g.vm, m, &e), &e);
	/* LSECRET: no more data, no second measurement; a report is fine */
	rc = psp_launch_update_data(g.vm, g.mem, PAGE, &e);
	CONF_ERR(rc, &e, EIO, SEV_RET_INVALID_GUEST_STATE);
	rc = psp_launch_measure(g.vm, m, &e);
	CONF_ERR(rc, &e, EIO, SEV_RET_INVALID_GUEST_STATE);
	CONF_OK(psp_attestation(g.vm, mn, rep, &e), &e);
	CONF_OK(psp_launch_finish(g.vm, &e), &e);
	/* RUNNING: nothing of the launch is accepted any more */
	rc = psp_launch_update_data(g.vm, g.mem, PAGE, &e);
	CONF_ERR(rc, &e, EIO, SEV_RET_INVALID_GUEST_STATE);
	rc = psp_launch_measure(g.vm, m, &e);
	CONF_ERR(rc, &e, EIO, SEV_RET_INVALID_GUEST_STATE);
	rc = psp_launch_secret(g.vm, hdr, ct, sizeof(ct), g.mem, &e);
	CONF_ERR(rc, &e, EIO, SEV_RET_INVALID_GUEST_STATE);
	rc = psp_launch_finish(g.vm, &e);
	CONF_ERR(rc, &e, EIO, SEV_RET_INVALID_GUEST_STATE);
	CONF_OK(psp_attestation(g.vm, mn, rep, &e), &e);
	CU_ASSERT_EQUAL(guest_state(&g), FW_GUEST_RUNNING);
out:
	finish(&g);
}

static void test_update_data_alignment(void)
{
	struct guest g;
	struct psp_err e;
	int rc;

	if (!start(&g, "align", SEV_POLICY_NODBG, false, 1))
		goto out;
	rc = psp_launch_update_data(g.vm, g.mem + 8, 32, &e);
	CONF_ERR(rc, &e, EIO, SEV_RET_INVALID_ADDRESS);
	rc = psp_launch_update_data(g.vm, g.mem, 24, &e);
	CONF_ERR(rc, &e, EIO, SEV_RET_INVALID_LEN);
	CU_ASSERT_BYTES_EQUAL(g.mem, g.plain, PAGE);
	{
		struct kvm_sev_launch_update_data u = { (uintptr_t)g.mem, 0 };
		rc = psp_vm_op(g.vm, KVM_SEV_LAUNCH_UPDATE_DATA, &u, &e);
		CONF_ERR(rc, &e, EINVAL, -1); /* KVM cannot pin nothing */
	}
out:
	finish(&g);
}

static void test_nodbg_refuses_debug(void)
{
	struct guest g;
	struct psp_err e;
	uint8_t buf[32];
	int rc;

	if (!start(&g, "nodbg", SEV_POLICY_NODBG, false, 1))
		goto out;
	CONF_OK(psp_launch_update_data(g.vm, g.mem, PAGE, &e), &e);
	rc = psp_dbg_decrypt(g.vm, g.mem, buf, sizeof(buf), &e);
	CONF_ERR(rc, &e, EIO, SEV_RET_POLICY_FAILURE);
	rc = psp_dbg_encrypt(g.vm, buf, g.mem, sizeof(buf), &e);
	CONF_ERR(rc, &e, EIO, SEV_RET_POLICY_FAILURE);
out:
	finish(&g);
}

static void test_debug_unaligned(void)
{
	struct guest g;
	struct psp_err e;
	uint8_t buf[40], in[7] = { 1, 2, 3, 4, 5, 6, 7 };

	if (!start(&g, "dbg", 0, false, 1))
		goto out;
	CONF_OK(psp_launch_update_data(g.vm, g.mem, PAGE, &e), &e);
	/* KVM bounces unaligned requests through 16-byte aligned firmware calls */
	CONF_OK(psp_dbg_decrypt(g.vm, g.mem + 3, buf, 5, &e), &e);
	CU_ASSERT_BYTES_EQUAL(buf, g.plain + 3, 5);
	CONF_OK(psp_dbg_decrypt(g.vm, g.mem + 100, buf + 1, 33, &e), &e);
	CU_ASSERT_BYTES_EQUAL(buf + 1, g.plain + 100, 33);
	CONF_OK(psp_dbg_encrypt(g.vm, in, g.mem + 9, sizeof(in), &e), &e);
	CONF_OK(psp_dbg_decrypt(g.vm, g.mem, buf, 32, &e), &e);
	CU_ASSERT_BYTES_EQUAL(buf, g.plain, 9);
	CU_ASSERT_BYTES_EQUAL(buf + 9, in, sizeof(in));
	CU_ASSERT_BYTES_EQUAL(buf + 16, g.plain + 16, 16);
out:
	finish(&g);
}

static void test_attestation_report(void)
{
	static uint8_t pdh[PSP_CERT_LEN], chain[PSP_CERT_CHAIN_LEN];
	struct guest g;
	struct psp_err e;
	struct sev_pubkey pek = { 0 };
	uint8_t m[PSP_MEASURE_LEN], rep[PSP_REPORT_LEN], mn[16], dg[32], ld[32];
	const char *why;

	if (!start(&g, "report", SEV_POLICY_NODBG, false, 1))
		goto out;
	CONF_OK(psp_launch_update_data(g.vm, g.mem, PAGE, &e), &e);
	CONF_OK(psp_launch_measure(g.vm, m, &e), &e);
	for (int i = 0; i < 16; i++)
		mn[i] = (uint8_t)(0xa0 + i);
	CONF_OK(psp_attestation(g.vm, mn, rep, &e), &e);
	CONF_OK(psp_pdh_cert_export(g.c->p, pdh, chain, &e), &e);
	sha256(g.plain, PAGE, ld);
	CU_ASSERT_BYTES_EQUAL(rep, mn, 16);
	CU_ASSERT_BYTES_EQUAL(rep + 16, ld, 32);
	CU_ASSERT_EQUAL(rep[0x30], SEV_POLICY_NODBG);
	CU_ASSERT_EQUAL(rep[0x34] | rep[0x35] << 8, SEV_USAGE_PEK);
	CU_ASSERT_EQUAL(rep[0x38], SEV_ALGO_ECDSA_SHA256);
	/* signed by the PEK over the first 0x34 bytes */
	CU_ASSERT_STATUS(sev_cert_pubkey((struct sev_cert *)chain, &pek, &why), SEV_STATUS_SUCCESS);
	sha256(rep, 0x34, dg);
	CU_ASSERT_EQUAL(ec_p384_verify_digest(pek.key, dg, 32, rep + 0x40, rep + 0x40 + 72), 1);
	rep[0x20] ^= 1;
	sha256(rep, 0x34, dg);
	CU_ASSERT_EQUAL(ec_p384_verify_digest(pek.key, dg, 32, rep + 0x40, rep + 0x40 + 72), 0);
	sev_pubkey_clear(&pek);
out:
	finish(&g);
}

static void test_key_sharing(void)
{
	struct guest a;
	struct psp_vm *b = NULL;
	struct psp_err e;
	uint8_t buf[64];
	uint32_t h;
	int rc;

	if (!start(&a, "keyshare", 0, false, 1))
		goto out;
	CONF_OK(psp_launch_update_data(a.vm, a.mem, PAGE, &e), &e);
	CONF_OK(psp_vm_create(a.c->p, &b, &e), &e);
	CONF_OK(psp_vm_init(b, false, &e), &e);
	/* an unknown guest, then another policy: refused */
	h = 77;
	rc = psp_launch_start(b, 0, NULL, NULL, &h, &e);
	CONF_ERR(rc, &e, EIO, SEV_RET_INVALID_GUEST);
	h = a.handle;
	rc = psp_launch_start(b, SEV_POLICY_NODBG, NULL, NULL, &h, &e);
	CONF_ERR(rc, &e, EIO, SEV_RET_POLICY_FAILURE);
	/* same policy, NOKS clear: B gets A's key and reads A's memory */
	h = a.handle;
	CONF_OK(psp_launch_start(b, 0, NULL, NULL, &h, &e), &e);
	CU_ASSERT_NOT_EQUAL(h, a.handle);
	CONF_OK(psp_dbg_decrypt(b, a.mem + 64, buf, sizeof(buf), &e), &e);
	CU_ASSERT_BYTES_EQUAL(buf, a.plain + 64, sizeof(buf));
out:
	psp_vm_destroy(b);
	finish(&a);
}

static void test_noks_refuses_sharing(void)
{
	struct guest a;
	struct psp_vm *b = NULL;
	struct psp_err e;
	uint32_t h;
	int rc;

	if (!start(&a, "noks", SEV_POLICY_NOKS, false, 1))
		goto out;
	CONF_OK(psp_vm_create(a.c->p, &b, &e), &e);
	CONF_OK(psp_vm_init(b, false, &e), &e);
	h = a.handle;
	rc = psp_launch_start(b, SEV_POLICY_NOKS, NULL, NULL, &h, &e);
	CONF_ERR(rc, &e, EIO, SEV_RET_POLICY_FAILURE);
out:
	psp_vm_destroy(b);
	finish(&a);
}

static void test_es_guest(void)
{
	struct conf *c = conf_open("es", NULL, 1);
	struct psp_vm *vm = NULL;
	struct psp_err e;
	uint8_t *mem = NULL, *vmsa[2] = { NULL, NULL }, m[PSP_MEASURE_LEN], want[32], ld[32], *all = NULL;
	struct sev_user_data_status st;
	uint32_t h = 0;
	int rc;

	if (!c || !c->fresh_ok || !conf_need(c, PSP_CAP_GUEST | PSP_CAP_VMSA_PAGES))
		goto out;
	CONF_OK(psp_platform_status(c->p, &st, &e), &e);
	if (!(st.flags & SEV_STATUS_FLAGS_CONFIG_ES)) {
		test_skip("%s was not initialised with SEV-ES", c->uri);
		goto out;
	}
	mem = conf_alloc(3 * PAGE);
	all = malloc(3 * PAGE);
	vmsa[0] = mem + PAGE;
	vmsa[1] = mem + 2 * PAGE;
	fill(mem, 3 * PAGE, 3);
	memcpy(all, mem, 3 * PAGE);
	CONF_OK(psp_vm_create(c->p, &vm, &e), &e);
	CONF_OK(psp_vm_init(vm, true, &e), &e);
	CONF_OK(psp_vm_set_vcpus(vm, (void *const *)vmsa, 2, &e), &e);
	CONF_OK(psp_launch_start(vm, SEV_POLICY_NODBG | SEV_POLICY_ES, NULL, NULL, &h, &e), &e);
	CONF_OK(psp_launch_update_data(vm, mem, PAGE, &e), &e);
	CONF_OK(psp_launch_update_vmsa(vm, &e), &e);
	CU_ASSERT_NOT_EQUAL(memcmp(mem + PAGE, all + PAGE, 2 * PAGE), 0);
	CONF_OK(psp_launch_measure(vm, m, &e), &e);
	/* the digest covers the image then each VMSA as supplied */
	sha256(all, 3 * PAGE, ld);
	sev_launch_measurement((uint8_t[16]){ 0 }, st.api_major, st.api_minor, st.build, SEV_POLICY_NODBG | SEV_POLICY_ES,
			       ld, m + 32, want);
	CU_ASSERT_BYTES_EQUAL(m, want, 32);
	CONF_OK(psp_launch_finish(vm, &e), &e);
	psp_vm_destroy(vm);
	/* a non-ES VM has no VMSAs to encrypt (KVM: -ENOTTY) */
	CONF_OK(psp_vm_create(c->p, &vm, &e), &e);
	CONF_OK(psp_vm_init(vm, false, &e), &e);
	h = 0;
	CONF_OK(psp_launch_start(vm, SEV_POLICY_NODBG, NULL, NULL, &h, &e), &e);
	rc = psp_launch_update_vmsa(vm, &e);
	CONF_ERR(rc, &e, ENOTTY, -1);
out:
	psp_vm_destroy(vm);
	conf_free(mem, 3 * PAGE);
	free(all);
	conf_close(c);
}

static void test_es_policy_needs_config_es(void)
{
	struct conf *c;
	struct psp_vm *vm = NULL;
	struct psp_err e;
	uint32_t h = 0;
	int rc;

	c = conf_open("no-es", "es=0", 1);
	if (!c)
		return;
	CONF_OK(psp_vm_create(c->p, &vm, &e), &e);
	rc = psp_vm_init(vm, true, &e);
	CONF_ERR(rc, &e, ENOTTY, -1);
	CONF_OK(psp_vm_init(vm, false, &e), &e);
	rc = psp_launch_start(vm, SEV_POLICY_NODBG | SEV_POLICY_ES, NULL, NULL, &h, &e);
	CONF_ERR(rc, &e, EIO, SEV_RET_UNSUPPORTED);
	psp_vm_destroy(vm);
	conf_close(c);
}

static void test_vm_teardown_frees_guest(void)
{
	struct guest g;
	struct sev_user_data_status st;
	struct psp_err e;

	if (!start(&g, "teardown", SEV_POLICY_NODBG, false, 1))
		goto out;
	CONF_OK(psp_platform_status(g.c->p, &st, &e), &e);
	CU_ASSERT_EQUAL(st.state, FW_PLAT_WORKING);
	CU_ASSERT_EQUAL(st.guest_count, 1);
	psp_vm_destroy(g.vm);
	g.vm = NULL;
	CONF_OK(psp_platform_status(g.c->p, &st, &e), &e);
	CU_ASSERT_EQUAL(st.state, FW_PLAT_INIT);
	CU_ASSERT_EQUAL(st.guest_count, 0);
out:
	finish(&g);
}

static void test_commands_need_sev_init(void)
{
	struct conf *c = conf_open("no-init", NULL, 1);
	struct psp_vm *vm = NULL;
	struct psp_err e;
	uint32_t h = 0;
	int rc;

	if (!c || !conf_need(c, PSP_CAP_GUEST))
		goto out;
	CONF_OK(psp_vm_create(c->p, &vm, &e), &e);
	rc = psp_launch_start(vm, 0, NULL, NULL, &h, &e);
	CONF_ERR(rc, &e, ENOTTY, -1);
	rc = psp_launch_finish(vm, &e);
	CONF_ERR(rc, &e, ENOTTY, -1);
	rc = psp_vm_op(vm, KVM_SEV_RECEIVE_UPDATE_DATA, NULL, &e);
	CONF_ERR(rc, &e, EINVAL, -1); /* this one is -EINVAL in KVM */
	CONF_OK(psp_vm_init(vm, false, &e), &e);
	rc = psp_vm_init(vm, false, &e);
	CONF_ERR(rc, &e, EINVAL, -1); /* already an SEV guest */
	/* no firmware guest yet (handle 0), and no guest at all: the platform is not WORKING */
	rc = psp_launch_finish(vm, &e);
	CONF_ERR(rc, &e, EIO, SEV_RET_INVALID_PLATFORM_STATE);
	/* not implemented by KVM */
	rc = psp_vm_op(vm, KVM_SEV_SEND_UPDATE_VMSA, NULL, &e);
	CONF_ERR(rc, &e, EINVAL, -1);
	rc = psp_vm_op(vm, KVM_SEV_CERT_EXPORT, NULL, &e);
	CONF_ERR(rc, &e, EINVAL, -1);
out:
	psp_vm_destroy(vm);
	conf_close(c);
}

TEST_SUITE(launch, NULL, NULL,
	   TEST(test_launch_without_session),
	   TEST(test_memory_is_address_tweaked),
	   TEST(test_launch_with_session_and_secret),
	   TEST(test_tampered_session_rejected),
	   TEST(test_policy_checked_with_session),
	   TEST(test_policy_unchecked_without_session),
	   TEST(test_tampered_secret_rejected),
	   TEST(test_measure_and_report_length_queries),
	   TEST(test_commands_per_guest_state),
	   TEST(test_update_data_alignment),
	   TEST(test_nodbg_refuses_debug),
	   TEST(test_debug_unaligned),
	   TEST(test_attestation_report),
	   TEST(test_key_sharing),
	   TEST(test_noks_refuses_sharing),
	   TEST(test_es_guest),
	   TEST(test_es_policy_needs_config_es),
	   TEST(test_vm_teardown_frees_guest),
	   TEST(test_commands_need_sev_init))
