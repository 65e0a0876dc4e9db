/* Migration conformance on two platforms (SWSEV_BACKEND and SWSEV_BACKEND2): every
 * SEND/RECEIVE command in its guest states, the NOSEND / SEV / DOMAIN policies with good
 * and bad target chains, length queries, tampered sessions and packets (the firmware's
 * code, and the target page left as it was), cancel and retry, and whole live
 * migrations with a guest that keeps writing. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu/cert/amd_cert.h"
#include "emu/cert/sev_cert.h"
#include "emu/crypto/pkey.h"
#include "emu/fw/buffers.h"
#include "emu/fw/fw.h"
#include "harness/conformance/conf.h"
#include "harness/migrate/migrate.h"

#define PAGE 4096

struct pair {
	struct conf *a, *b;
	struct mig_vm src, dst;
	struct mig_certs tb; /* the target's certificates, KDS CEK spliced in */
	bool have_src, have_dst;
};

static bool pair_open(struct pair *p, const char *tag, const char *opts_b)
{
	char t2[64];
	struct mig_error err;

	memset(p, 0, sizeof(*p));
	snprintf(t2, sizeof(t2), "%s-b", tag);
	p->a = conf_open(tag, NULL, 1);
	p->b = conf_open(t2, opts_b, 2);
	if (!p->a || !p->b || !p->a->fresh_ok || !p->b->fresh_ok)
		return false;
	if (!conf_need(p->a, PSP_CAP_GUEST) || !conf_need(p->b, PSP_CAP_GUEST))
		return false;
	if (mig_local_certs(p->b->p, getenv("SWSEV_KDS_DIR2"), &p->tb, &err) != 0) {
		char m[400];
		mig_error_format(&err, m, sizeof(m));
		test_skip("target certificates: %s", m);
		return false;
	}
	return true;
}

static void pair_close(struct pair *p)
{
	if (p->have_src)
		mig_vm_free(&p->src);
	if (p->have_dst)
		mig_vm_free(&p->dst);
	conf_close(p->a);
	conf_close(p->b);
}

static bool launch(struct pair *p, uint32_t policy, size_t pages, unsigned vcpus)
{
	struct mig_error err;
	char m[400];

	if (mig_vm_launch(p->a->p, &p->src, pages * PAGE, policy, vcpus, 0, 7, &err) != 0) {
		mig_error_format(&err, m, sizeof(m));
		fprintf(stderr, "\nlaunch: %s\n", m);
		CU_FAIL("source launch");
		return false;
	}
	p->have_src = true;
	if (mig_vm_target(p->b->p, &p->dst, pages * PAGE, vcpus, &err) != 0) {
		mig_error_format(&err, m, sizeof(m));
		fprintf(stderr, "\ntarget: %s\n", m);
		CU_FAIL("target VM");
		return false;
	}
	p->have_dst = true;
	return true;
}

static uint32_t state_of(struct psp_vm *vm)
{
	struct kvm_sev_guest_status st = { 0 };
	struct psp_err e;

	CONF_OK(psp_guest_status(vm, &st, &e), &e);
	return st.state;
}

static int send_start(struct pair *p, const struct mig_certs *t, uint8_t session[PSP_SESSION_LEN], uint32_t *policy,
		      struct psp_err *e)
{
	return psp_send_start(p->src.vm, t->pdh, PSP_CERT_LEN, t->plat, PSP_CERT_CHAIN_LEN, t->amd, t->amd_len, session,
			      policy, e);
}

static void test_send_start_length_query(void)
{
	struct pair p;
	struct kvm_sev_send_start q;
	struct psp_err e;
	int rc;

	if (!pair_open(&p, "mig-query", NULL) || !launch(&p, 0, 1, 0))
		goto out;
	memset(&q, 0, sizeof(q));
	rc = psp_vm_op(p.src.vm, KVM_SEV_SEND_START, &q, &e);
	CONF_ERR(rc, &e, EIO, SEV_RET_INVALID_LEN);
	CU_ASSERT_EQUAL(q.session_len, PSP_SESSION_LEN);
	CU_ASSERT_EQUAL(state_of(p.src.vm), FW_GUEST_RUNNING);
	/* the KVM sanity checks: no PDH, or a session over 16 KiB */
	q.session_len = PSP_SESSION_LEN;
	rc = psp_vm_op(p.src.vm, KVM_SEV_SEND_START, &q, &e);
	CONF_ERR(rc, &e, EINVAL, -1);
	{
		struct kvm_sev_send_update_data u;
		memset(&u, 0, sizeof(u));
		/* the header length query answers before the guest state is looked at */
		rc = psp_vm_op(p.src.vm, KVM_SEV_SEND_UPDATE_DATA, &u, &e);
		CONF_ERR(rc, &e, EIO, SEV_RET_INVALID_LEN);
		CU_ASSERT_EQUAL(u.hdr_len, PSP_HDR_LEN);
		CU_ASSERT_EQUAL(u.trans_len, 0); /* the firmware does not fill trans_len */
	}
out:
	pair_close(&p);
}

/* One page by hand: the commands, their states, the result. */
static void test_one_page_by_hand(void)
{
	struct pair p;
	uint8_t session[PSP_SESSION_LEN], hdr[PSP_HDR_LEN], trans[PAGE], a[PAGE], b[PAGE];
	uint8_t pdh[PSP_CERT_LEN], chain[PSP_CERT_CHAIN_LEN];
	uint32_t policy = 0, h = 0;
	struct psp_err e;
	int rc;

	if (!pair_open(&p, "mig-hand", NULL) || !launch(&p, SEV_POLICY_NODBG, 2, 0))
		goto out;
	/* wrong states first */
	rc = psp_send_update_data(p.src.vm, p.src.mem, PAGE, hdr, trans, &e);
	CONF_ERR(rc, &e, EIO, SEV_RET_INVALID_GUEST_STATE);
	rc = psp_send_finish(p.src.vm, &e);
	CONF_ERR(rc, &e, EIO, SEV_RET_INVALID_GUEST_STATE);
	rc = psp_send_cancel(p.src.vm, &e);
	CONF_ERR(rc, &e, EIO, SEV_RET_INVALID_GUEST_STATE);

	CONF_OK(send_start(&p, &p.tb, session, &policy, &e), &e);
	CU_ASSERT_EQUAL(policy, SEV_POLICY_NODBG);
	CU_ASSERT_EQUAL(state_of(p.src.vm), FW_GUEST_SUPDATE);
	/* a second SEND_START: RUNNING only */
	rc = send_start(&p, &p.tb, session, &policy, &e);
	CONF_ERR(rc, &e, EIO, SEV_RET_INVALID_GUEST_STATE);
	CONF_OK(psp_send_update_data(p.src.vm, p.src.mem + PAGE, PAGE, hdr, trans, &e), &e);
	/* the transport buffer is not the guest's plaintext nor its VEK ciphertext */
	CU_ASSERT_NOT_EQUAL(memcmp(trans, p.src.mem + PAGE, PAGE), 0);

	CONF_OK(psp_pdh_cert_export(p.a->p, pdh, chain, &e), &e);
	/* the target: RECEIVE_START with the source's PDH and the session */
	h = 0;
	CONF_OK(psp_receive_start(p.dst.vm, policy, pdh, session, &h, &e), &e);
	p.dst.handle = h;
	CU_ASSERT_EQUAL(state_of(p.dst.vm), FW_GUEST_RUPDATE);
	CONF_OK(psp_receive_update_data(p.dst.vm, hdr, trans, p.dst.mem + PAGE, PAGE, &e), &e);
	CONF_OK(psp_send_finish(p.src.vm, &e), &e);
	CU_ASSERT_EQUAL(state_of(p.src.vm), FW_GUEST_SENT);
	CONF_OK(psp_receive_finish(p.dst.vm, &e), &e);
	CU_ASSERT_EQUAL(state_of(p.dst.vm), FW_GUEST_RUNNING);
	rc = psp_receive_finish(p.dst.vm, &e);
	CONF_ERR(rc, &e, EIO, SEV_RET_INVALID_GUEST_STATE);
	if (conf_need(p.a, PSP_CAP_GUEST_VIEW) && conf_need(p.b, PSP_CAP_GUEST_VIEW)) {
		CONF_OK(psp_guest_read(p.src.vm, 0, p.src.mem + PAGE, a, PAGE, &e), &e);
		CONF_OK(psp_guest_read(p.dst.vm, 0, p.dst.mem + PAGE, b, PAGE, &e), &e);
		CU_ASSERT_BYTES_EQUAL(a, b, PAGE);
		/* the same plaintext, a different key and address: different ciphertext */
		CU_ASSERT_NOT_EQUAL(memcmp(p.src.mem + PAGE, p.dst.mem + PAGE, PAGE), 0);
	}
	/* a SENT guest cannot be re-activated (firmware level) */
	if (psp_caps(p.a->p) & PSP_CAP_FW_CMD) {
		struct fwb_handle d = { p.src.handle };
		struct fwb_activate act = { p.src.handle, 0 };
		struct psp_info info;
		CONF_OK(psp_info(p.a->p, &info, &e), &e);
		CU_ASSERT_STATUS(conf_fw(p.a, FW_CMD_DEACTIVATE, &d, sizeof(d)), SEV_STATUS_SUCCESS);
		act.asid = info.max_asid;
		CU_ASSERT_STATUS(conf_fw(p.a, FW_CMD_ACTIVATE, &act, sizeof(act)), SEV_STATUS_INVALID_GUEST_STATE);
	}
out:
	pair_close(&p);
}

static void test_nosend(void)
{
	struct pair p;
	uint8_t session[PSP_SESSION_LEN];
	uint32_t policy;
	struct psp_err e;
	int rc;

	if (!pair_open(&p, "mig-nosend", NULL) || !launch(&p, SEV_POLICY_NOSEND, 1, 0))
		goto out;
	rc = send_start(&p, &p.tb, session, &policy, &e);
	CONF_ERR(rc, &e, EIO, SEV_RET_POLICY_FAILURE);
	CU_ASSERT_EQUAL(state_of(p.src.vm), FW_GUEST_RUNNING);
out:
	pair_close(&p);
}

static void test_policy_sev_good_chain(void)
{
	struct pair p;
	uint8_t session[PSP_SESSION_LEN];
	uint32_t policy;
	struct psp_err e;

	if (!pair_open(&p, "mig-sev-ok", NULL) || !launch(&p, SEV_POLICY_SEV, 1, 0))
		goto out;
	CONF_OK(send_start(&p, &p.tb, session, &policy, &e), &e);
	CU_ASSERT_EQUAL(state_of(p.src.vm), FW_GUEST_SUPDATE);
out:
	pair_close(&p);
}

/* Each tampered certificate of the target's chain: the firmware's code, and the guest
 * still RUNNING (no session made). */
static void test_policy_sev_bad_chains(void)
{
	struct pair p;
	uint8_t session[PSP_SESSION_LEN];
	uint32_t policy;
	struct psp_err e;
	struct amd_cert ask;
	const char *why;
	size_t ask_len;
	int rc;

	if (!pair_open(&p, "mig-sev-bad", NULL) || !launch(&p, SEV_POLICY_SEV, 1, 0))
		goto out;
	ask_len = amd_cert_parse(p.tb.amd, p.tb.amd_len, &ask, &why);
	CU_ASSERT_TRUE(ask_len > 0);
	{
		struct {
			const char *what;
			size_t off; /* into a copy of the certificates, see below */
			int part;   /* 0 pdh, 1 plat, 2 amd */
		} cases[] = {
			{ "PDH body", 0x20, 0 },
			{ "PDH signature", SEV_CERT_OFF_SIG(0) + 8 + 3, 0 },
			{ "PEK body", 0x30, 1 },
			{ "PEK's CEK signature", SEV_CERT_OFF_SIG(1) + 8 + 3, 1 },
			{ "CEK body", 2 * PSP_CERT_LEN + 0x20, 1 },
			{ "CEK's ASK signature", 2 * PSP_CERT_LEN + SEV_CERT_OFF_SIG(0) + 8 + 3, 1 },
			{ "ASK body", 0x50, 2 },
			{ "ASK signature", ask_len - 5, 2 },
			{ "ARK body", ask_len + 0x50, 2 },
			{ "ARK signature", p.tb.amd_len - 5, 2 },
		};
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			struct mig_certs t = p.tb;
			uint8_t *base = cases[i].part == 0 ? t.pdh : cases[i].part == 1 ? t.plat : t.amd;
			base[cases[i].off] ^= 0x01;
			rc = send_start(&p, &t, session, &policy, &e);
			if (!(rc != 0 && e.err == EIO && e.fw_set &&
			      (e.fw == SEV_RET_BAD_SIGNATURE || e.fw == SEV_RET_INVALID_CERTIFICATE)))
				fprintf(stderr, "\ntampered %s was not rejected as it should be\n", cases[i].what);
			CU_ASSERT_TRUE(rc != 0 && e.err == EIO && e.fw_set &&
				       (e.fw == SEV_RET_BAD_SIGNATURE || e.fw == SEV_RET_INVALID_CERTIFICATE));
			CU_ASSERT_EQUAL(state_of(p.src.vm), FW_GUEST_RUNNING);
		}
	}
	/* the chain as PDH_CERT_EXPORT gives it: the CEK unsigned */
	{
		struct mig_certs t = p.tb;
		uint8_t pdh[PSP_CERT_LEN];
		CONF_OK(psp_pdh_cert_export(p.b->p, pdh, t.plat, &e), &e);
		rc = send_start(&p, &t, session, &policy, &e);
		CONF_ERR(rc, &e, EIO, SEV_RET_INVALID_CERTIFICATE);
	}
	/* ASK || ARK of a size the firmware does not take */
	{
		struct mig_certs t = p.tb;
		t.amd_len -= 16;
		rc = send_start(&p, &t, session, &policy, &e);
		CONF_ERR(rc, &e, EIO, SEV_RET_INVALID_LEN);
	}
	CU_ASSERT_EQUAL(state_of(p.src.vm), FW_GUEST_RUNNING);
out:
	pair_close(&p);
}

/* A target made under another AMD root (another product, or not AMD at all). */
static void test_policy_sev_other_root(void)
{
	struct pair p;
	uint8_t session[PSP_SESSION_LEN];
	uint32_t policy;
	struct psp_err e;
	char opts[600];
	int rc;

	if (getenv("SWSEV_BACKEND2") && strncmp(getenv("SWSEV_BACKEND2"), "emu:", 4) != 0) {
		test_skip("a platform under another emulated root is made only in-process (emu:root=DIR)");
		return;
	}
	snprintf(opts, sizeof(opts), "root=%s/other-root", test_tmpdir("other-root"));
	if (!pair_open(&p, "mig-sev-root", opts) || !launch(&p, SEV_POLICY_SEV, 1, 0))
		goto out;
	rc = send_start(&p, &p.tb, session, &policy, &e);
	CONF_ERR(rc, &e, EIO, SEV_RET_INVALID_CERTIFICATE);
	CU_ASSERT_EQUAL(state_of(p.src.vm), FW_GUEST_RUNNING);
	/* without policy SEV the same target is accepted */
	mig_vm_free(&p.src);
	p.have_src = false;
	{
		struct mig_error err;
		CU_ASSERT_EQUAL(mig_vm_launch(p.a->p, &p.src, PAGE, 0, 0, 0, 1, &err), 0);
		p.have_src = true;
		CONF_OK(send_start(&p, &p.tb, session, &policy, &e), &e);
	}
out:
	pair_close(&p);
}

static void test_policy_sev_api_version(void)
{
	struct pair p;
	uint8_t session[PSP_SESSION_LEN];
	uint32_t policy, pol;
	struct psp_err e;
	struct sev_cert *pek;
	int rc;

	if (!pair_open(&p, "mig-api", NULL))
		goto out;
	pek = (struct sev_cert *)p.tb.plat;
	/* one minor version newer than the target's PEK was made by */
	pol = SEV_POLICY_SEV | (uint32_t)sev_cert_api_major(pek) << 16 | (uint32_t)(sev_cert_api_minor(pek) + 1) << 24;
	if (sev_cert_api_minor(pek) == 255 || !launch(&p, pol, 1, 0))
		goto out;
	rc = send_start(&p, &p.tb, session, &policy, &e);
	/* refused by the source, unless its own firmware is older still (then LAUNCH_START
	 * had no session to check it): the guest was launched without one */
	CONF_ERR(rc, &e, EIO, SEV_RET_POLICY_FAILURE);
	CU_ASSERT_EQUAL(state_of(p.src.vm), FW_GUEST_RUNNING);
out:
	pair_close(&p);
}

/* policy DOMAIN: the target must have this platform's owner (the same OCA). */
static void test_policy_domain(void)
{
	struct pair p;
	uint8_t session[PSP_SESSION_LEN], csr[PSP_CERT_LEN];
	struct sev_cert oca;
	struct rng *rng = rng_new_os();
	EVP_PKEY *k = NULL;
	uint32_t policy;
	struct psp_err e;
	struct mig_error merr;
	int rc;

	if (!pair_open(&p, "mig-domain", NULL) || !launch(&p, SEV_POLICY_DOMAIN, 1, 0))
		goto out;
	/* self-owned platforms: different OCAs */
	rc = send_start(&p, &p.tb, session, &policy, &e);
	CONF_ERR(rc, &e, EIO, SEV_RET_POLICY_FAILURE);
	CU_ASSERT_EQUAL(state_of(p.src.vm), FW_GUEST_RUNNING);
	/* one owner takes both: import the same OCA on each (in INIT: no guest on either) */
	mig_vm_free(&p.src);
	p.have_src = false;
	mig_vm_free(&p.dst);
	p.have_dst = false;
	k = ec_p384_generate(rng);
	CU_ASSERT_EQUAL(sev_cert_build(&oca, 0, 0, SEV_USAGE_OCA, SEV_ALGO_ECDSA_SHA256, k), 0);
	CU_ASSERT_EQUAL(sev_cert_sign(&oca, 0, SEV_USAGE_OCA, SEV_ALGO_ECDSA_SHA256, k, rng), 0);
	for (int i = 0; i < 2; i++) {
		struct psp *pp = i == 0 ? p.a->p : p.b->p;
		CONF_OK(psp_pek_csr(pp, csr, &e), &e);
		CU_ASSERT_EQUAL(sev_cert_sign((struct sev_cert *)csr, 0, SEV_USAGE_OCA, SEV_ALGO_ECDSA_SHA256, k, rng), 0);
		CONF_OK(psp_pek_cert_import(pp, csr, oca.raw, &e), &e);
	}
	CU_ASSERT_EQUAL(mig_local_certs(p.b->p, getenv("SWSEV_KDS_DIR2"), &p.tb, &merr), 0);
	if (!launch(&p, SEV_POLICY_DOMAIN, 1, 0))
		goto out;
	CONF_OK(send_start(&p, &p.tb, session, &policy, &e), &e);
	/* a tampered target OCA no longer validates */
	CONF_OK(psp_send_cancel(p.src.vm, &e), &e);
	{
		struct mig_certs t = p.tb;
		t.plat[PSP_CERT_LEN + SEV_CERT_OFF_SIG(0) + 8 + 3] ^= 1;
		rc = send_start(&p, &t, session, &policy, &e);
		CONF_ERR(rc, &e, EIO, SEV_RET_BAD_SIGNATURE);
	}
out:
	EVP_PKEY_free(k);
	rng_free(rng);
	pair_close(&p);
}

/* Tampered sessions and packets are refused before anything reaches the target guest. */
static void test_tampering_rejected(void)
{
	struct pair p;
	uint8_t session[PSP_SESSION_LEN], hdr[PSP_HDR_LEN], trans[PAGE], before[PAGE];
	uint8_t pdh[PSP_CERT_LEN], chain[PSP_CERT_CHAIN_LEN];
	uint32_t policy = 0, h;
	struct psp_err e;
	int rc;

	if (!pair_open(&p, "mig-tamper", NULL) || !launch(&p, SEV_POLICY_NODBG, 1, 0))
		goto out;
	CONF_OK(send_start(&p, &p.tb, session, &policy, &e), &e);
	CONF_OK(psp_send_update_data(p.src.vm, p.src.mem, PAGE, hdr, trans, &e), &e);
	CONF_OK(psp_pdh_cert_export(p.a->p, pdh, chain, &e), &e);
	/* every field of the session blob */
	for (size_t off = 0; off < PSP_SESSION_LEN; off += 16) {
		uint8_t s2[PSP_SESSION_LEN];
		memcpy(s2, session, sizeof(s2));
		s2[off + 5] ^= 0x10;
		h = 0;
		rc = psp_receive_start(p.dst.vm, policy, pdh, s2, &h, &e);
		CONF_ERR(rc, &e, EIO, SEV_RET_BAD_MEASUREMENT);
	}
	/* the policy must be the one the source MACed */
	h = 0;
	rc = psp_receive_start(p.dst.vm, policy | SEV_POLICY_NOKS, pdh, session, &h, &e);
	CONF_ERR(rc, &e, EIO, SEV_RET_BAD_MEASUREMENT);
	h = 0;
	CONF_OK(psp_receive_start(p.dst.vm, policy, pdh, session, &h, &e), &e);
	memcpy(before, p.dst.mem, PAGE);
	/* header: IV and MAC bytes, and a flag other than COMPRESSED (MACed) */
	for (size_t off = 1; off < PSP_HDR_LEN; off += 7) {
		uint8_t h2[PSP_HDR_LEN];
		memcpy(h2, hdr, sizeof(h2));
		h2[off] ^= 0x04;
		rc = psp_receive_update_data(p.dst.vm, h2, trans, p.dst.mem, PAGE, &e);
		CONF_ERR(rc, &e, EIO, SEV_RET_BAD_MEASUREMENT);
		CU_ASSERT_BYTES_EQUAL(p.dst.mem, before, PAGE);
	}
	/* COMPRESSED is refused before the MAC is looked at */
	{
		uint8_t h2[PSP_HDR_LEN];
		memcpy(h2, hdr, sizeof(h2));
		h2[0] |= 1;
		rc = psp_receive_update_data(p.dst.vm, h2, trans, p.dst.mem, PAGE, &e);
		CONF_ERR(rc, &e, EIO, SEV_RET_UNSUPPORTED);
		CU_ASSERT_BYTES_EQUAL(p.dst.mem, before, PAGE);
	}
	/* the transport buffer, anywhere */
	for (size_t off = 0; off < PAGE; off += 1021) {
		uint8_t *t2 = malloc(PAGE);
		memcpy(t2, trans, PAGE);
		t2[off] ^= 0x80;
		rc = psp_receive_update_data(p.dst.vm, hdr, t2, p.dst.mem, PAGE, &e);
		CONF_ERR(rc, &e, EIO, SEV_RET_BAD_MEASUREMENT);
		CU_ASSERT_BYTES_EQUAL(p.dst.mem, before, PAGE);
		free(t2);
	}
	/* lengths: guest and transport must match, and stay within a page */
	{
		struct kvm_sev_receive_update_data u = { (uintptr_t)hdr, PSP_HDR_LEN, (uintptr_t)p.dst.mem, PAGE,
							  (uintptr_t)trans, PAGE - 16 };
		rc = psp_vm_op(p.dst.vm, KVM_SEV_RECEIVE_UPDATE_DATA, &u, &e);
		CONF_ERR(rc, &e, EIO, SEV_RET_INVALID_LEN);
		u.guest_uaddr = (uintptr_t)p.dst.mem + 16;
		u.trans_len = PAGE;
		rc = psp_vm_op(p.dst.vm, KVM_SEV_RECEIVE_UPDATE_DATA, &u, &e);
		CONF_ERR(rc, &e, EINVAL, -1); /* crosses a page: KVM refuses */
		CU_ASSERT_BYTES_EQUAL(p.dst.mem, before, PAGE);
	}
	/* and the genuine packet still goes in */
	CONF_OK(psp_receive_update_data(p.dst.vm, hdr, trans, p.dst.mem, PAGE, &e), &e);
	CU_ASSERT_NOT_EQUAL(memcmp(p.dst.mem, before, PAGE), 0);
out:
	pair_close(&p);
}

static void test_send_update_lengths(void)
{
	struct pair p;
	uint8_t session[PSP_SESSION_LEN], hdr[PSP_HDR_LEN], *trans = NULL;
	uint32_t policy, st;
	struct psp_err e;
	int rc;

	if (!pair_open(&p, "mig-lengths", NULL) || !launch(&p, 0, 8, 0))
		goto out;
	trans = malloc(8 * PAGE);
	CONF_OK(send_start(&p, &p.tb, session, &policy, &e), &e);
	/* KVM: one page at most, never across a page boundary */
	rc = psp_send_update_data(p.src.vm, p.src.mem + 16, PAGE, hdr, trans, &e);
	CONF_ERR(rc, &e, EINVAL, -1);
	rc = psp_send_update_data(p.src.vm, p.src.mem, 2 * PAGE, hdr, trans, &e);
	CONF_ERR(rc, &e, EINVAL, -1);
	rc = psp_send_update_data(p.src.vm, p.src.mem + 8, 32, hdr, trans, &e);
	CONF_ERR(rc, &e, EIO, SEV_RET_INVALID_ADDRESS);
	rc = psp_send_update_data(p.src.vm, p.src.mem, 40, hdr, trans, &e);
	CONF_ERR(rc, &e, EIO, SEV_RET_INVALID_LEN);
	/* the firmware itself takes up to 0x5000 bytes per call */
	if (psp_caps(p.a->p) & PSP_CAP_FW_CMD) {
		struct fwb_transport t = { p.src.handle, 0, (uintptr_t)hdr, PSP_HDR_LEN, 0, (uintptr_t)p.src.mem,
					   0x5000, 0, (uintptr_t)trans, 0x5000 };
		CU_ASSERT_STATUS(conf_fw(p.a, FW_CMD_SEND_UPDATE_DATA, &t, sizeof(t)), SEV_STATUS_SUCCESS);
		t.guest_len = t.trans_len = 0x5010;
		CU_ASSERT_STATUS(conf_fw(p.a, FW_CMD_SEND_UPDATE_DATA, &t, sizeof(t)), SEV_STATUS_INVALID_LENGTH);
		t.guest_len = 0x1000;
		t.trans_len = 0xff0;
		CU_ASSERT_STATUS(conf_fw(p.a, FW_CMD_SEND_UPDATE_DATA, &t, sizeof(t)), SEV_STATUS_INVALID_LENGTH);
		t.hdr_len = 40;
		t.trans_len = 0x1000;
		CU_ASSERT_STATUS(conf_fw(p.a, FW_CMD_SEND_UPDATE_DATA, &t, sizeof(t)), SEV_STATUS_INVALID_LENGTH);
		CU_ASSERT_EQUAL(t.hdr_len, PSP_HDR_LEN);
		/* SEND_UPDATE_VMSA on a guest without SEV-ES */
		t.hdr_len = PSP_HDR_LEN;
		CU_ASSERT_STATUS(conf_fw(p.a, FW_CMD_SEND_UPDATE_VMSA, &t, sizeof(t)), SEV_STATUS_UNSUPPORTED);
		(void)st;
	}
out:
	free(trans);
	pair_close(&p);
}

static int stream_file(void)
{
	char path[600];
	int fd;

	snprintf(path, sizeof(path), "%s/stream", test_tmpdir("stream"));
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	CU_ASSERT_TRUE_FATAL(fd >= 0);
	return fd;
}

static void report_fail(const char *what, const struct mig_error *err)
{
	char m[600];
	mig_error_format(err, m, sizeof(m));
	fprintf(stderr, "\n%s: %s\n", what, m);
}

static void test_cancel_then_migrate(void)
{
	struct pair p;
	uint8_t session[PSP_SESSION_LEN], hdr[PSP_HDR_LEN], trans[PAGE];
	uint32_t policy;
	struct psp_err e;
	struct mig_local_opts o;
	struct mig_stats s1, s2;
	struct mig_error err;

	if (!pair_open(&p, "mig-cancel", NULL) || !launch(&p, SEV_POLICY_NODBG, 4, 0))
		goto out;
	CONF_OK(send_start(&p, &p.tb, session, &policy, &e), &e);
	CONF_OK(psp_send_update_data(p.src.vm, p.src.mem, PAGE, hdr, trans, &e), &e);
	CONF_OK(psp_send_cancel(p.src.vm, &e), &e);
	CU_ASSERT_EQUAL(state_of(p.src.vm), FW_GUEST_RUNNING);
	/* a cancelled channel is gone */
	{
		int rc = psp_send_update_data(p.src.vm, p.src.mem, PAGE, hdr, trans, &e);
		CONF_ERR(rc, &e, EIO, SEV_RET_INVALID_GUEST_STATE);
	}
	/* and a new SEND_START, a new channel */
	CONF_OK(send_start(&p, &p.tb, session, &policy, &e), &e);
	CONF_OK(psp_send_cancel(p.src.vm, &e), &e);
	/* the engine now moves a fresh guest completely */
	mig_local_opts_default(&o);
	o.size = 64 * PAGE;
	if (mig_local(p.a->p, p.b->p, &o, &s1, &s2, &err) != 0) {
		report_fail("migration", &err);
		CU_FAIL("migration after a cancel");
	}
out:
	pair_close(&p);
}

/* A migration that fails half-way leaves the source guest running, intact, and
 * migratable again. */
static void test_failed_migration_leaves_source_running(void)
{
	struct conf *a = conf_open("mig-fail", NULL, 1), *b = conf_open("mig-fail-b", NULL, 2);
	struct mig_vm s, d;
	struct mig_certs t;
	struct mig_send_opts so;
	struct mig_stats st;
	struct mig_error err;
	uint8_t view[PAGE];
	struct psp_err e;
	int fds[2];

	if (!a || !b || !a->fresh_ok || !b->fresh_ok || !conf_need(a, PSP_CAP_GUEST) || !conf_need(b, PSP_CAP_GUEST))
		goto out;
	CU_ASSERT_EQUAL_FATAL(mig_local_certs(b->p, getenv("SWSEV_KDS_DIR2"), &t, &err), 0);
	CU_ASSERT_EQUAL_FATAL(mig_vm_launch(a->p, &s, 32 * PAGE, 0, 0, 0, 3, &err), 0);
	/* one-way into a file: the source decides alone */
	fds[0] = fds[1] = stream_file();
	mig_send_opts_default(&so);
	so.target = &t;
	so.fail_after_pages = 10;
	CU_ASSERT_NOT_EQUAL(mig_send(&s, fds[1], -1, &so, &st, &err), 0);
	CU_ASSERT_EQUAL(err.page >= 0, 1);
	CU_ASSERT_STRING_EQUAL(err.step, "SEND_UPDATE_DATA");
	CU_ASSERT_EQUAL(state_of(s.vm), FW_GUEST_RUNNING);
	if (psp_caps(a->p) & PSP_CAP_GUEST_VIEW) {
		CONF_OK(psp_guest_read(s.vm, 0, s.mem, view, PAGE, &e), &e);
	}
	close(fds[0]);
	/* a second, full migration of the same guest works */
	CU_ASSERT_EQUAL_FATAL(mig_vm_target(b->p, &d, 32 * PAGE, 0, &err), 0);
	{
		struct mig_recv_opts ro = { false, NULL, 0 };
		struct mig_stats rs;
		int sv[2];
		sv[0] = sv[1] = stream_file();
		mig_send_opts_default(&so);
		so.target = &t;
		/* the whole stream into a file, then read back by the target */
		if (mig_send(&s, sv[1], -1, &so, &st, &err) != 0)
			report_fail("send", &err);
		lseek(sv[0], 0, SEEK_SET);
		if (mig_receive(&d, sv[0], -1, &ro, &rs, &err) != 0)
			report_fail("receive", &err);
		close(sv[0]);
		CU_ASSERT_EQUAL(state_of(d.vm), FW_GUEST_RUNNING);
		if (mig_verify(&s, &d, &err) != 0) {
			report_fail("verify", &err);
			CU_FAIL("verify");
		}
	}
	mig_vm_free(&d);
	mig_vm_free(&s);
out:
	conf_close(a);
	conf_close(b);
}

/* A stream that lacks a page (a broken or hostile source): the target refuses at END,
 * naming the page, and its guest never reaches RUNNING. */
static void test_incomplete_stream_refused(void)
{
	struct conf *a = conf_open("mig-hole", NULL, 1), *b = conf_open("mig-hole-b", NULL, 2);
	struct mig_vm s, d;
	struct mig_certs t;
	struct mig_send_opts so;
	struct mig_recv_opts ro = { false, NULL, 0 };
	struct mig_stats st, rs;
	struct mig_error err;
	int fd;

	if (!a || !b || !a->fresh_ok || !b->fresh_ok || !conf_need(a, PSP_CAP_GUEST) || !conf_need(b, PSP_CAP_GUEST))
		goto out;
	CU_ASSERT_EQUAL_FATAL(mig_local_certs(b->p, getenv("SWSEV_KDS_DIR2"), &t, &err), 0);
	CU_ASSERT_EQUAL_FATAL(mig_vm_launch(a->p, &s, 16 * PAGE, 0, 0, 0, 5, &err), 0);
	CU_ASSERT_EQUAL_FATAL(mig_vm_target(b->p, &d, 16 * PAGE, 0, &err), 0);
	fd = stream_file();
	mig_send_opts_default(&so);
	so.target = &t;
	so.skip_page = 5;
	CU_ASSERT_EQUAL(mig_send(&s, fd, -1, &so, &st, &err), 0);
	lseek(fd, 0, SEEK_SET);
	CU_ASSERT_NOT_EQUAL(mig_receive(&d, fd, -1, &ro, &rs, &err), 0);
	CU_ASSERT_STRING_EQUAL(err.step, "END");
	CU_ASSERT_EQUAL(err.page, 5);
	CU_ASSERT_EQUAL(state_of(d.vm), FW_GUEST_RUPDATE);
	close(fd);
	mig_vm_free(&d);
	mig_vm_free(&s);
out:
	conf_close(a);
	conf_close(b);
}

static void live(const char *tag, size_t pages, double shared, double rate, unsigned vcpus, uint32_t policy)
{
	struct conf *a = conf_open(tag, NULL, 1), *b;
	struct mig_local_opts o;
	struct mig_stats s1, s2;
	struct mig_error err;
	char t2[64];

	snprintf(t2, sizeof(t2), "%s-b", tag);
	b = conf_open(t2, NULL, 2);
	if (!a || !b || !a->fresh_ok || !b->fresh_ok || !conf_need(a, PSP_CAP_GUEST) || !conf_need(b, PSP_CAP_GUEST))
		goto out;
	if (vcpus && (!conf_need(a, PSP_CAP_FW_CMD | PSP_CAP_VMSA_PAGES) || !conf_need(b, PSP_CAP_FW_CMD)))
		goto out;
	if ((rate > 0 || (policy & SEV_POLICY_NODBG)) && !conf_need(a, PSP_CAP_GUEST_VIEW))
		goto out;
	mig_local_opts_default(&o);
	o.size = pages * PAGE;
	o.shared = shared;
	o.dirty_rate = rate;
	o.vcpus = vcpus;
	o.policy = policy;
	o.seed = pages;
	o.send.max_rounds = 6;
	if (mig_local(a->p, b->p, &o, &s1, &s2, &err) != 0) {
		report_fail(tag, &err);
		CU_FAIL("live migration");
		goto out;
	}
	CU_ASSERT_EQUAL(s1.private_pages + s1.shared_pages, s2.private_pages + s2.shared_pages);
	CU_ASSERT_TRUE(s1.rounds >= 2);
	CU_ASSERT_EQUAL(s1.vmsas, vcpus);
	if (shared > 0)
		CU_ASSERT_TRUE(s1.shared_pages > 0);
	if (rate > 0)
		CU_ASSERT_TRUE(s1.guest_writes > 0);
out:
	conf_close(a);
	conf_close(b);
}

static void test_live_idle_guest(void)
{
	live("live-idle", 256, 0, 0, 0, SEV_POLICY_NODBG);
}

static void test_live_dirtying_guest(void)
{
	live("live-dirty", 1024, 0, 20000, 0, SEV_POLICY_NODBG);
}

static void test_live_with_shared_pages(void)
{
	live("live-shared", 1024, 0.1, 5000, 0, SEV_POLICY_NODBG);
}

static void test_live_es_guest(void)
{
	live("live-es", 256, 0.05, 2000, 4, SEV_POLICY_NODBG | SEV_POLICY_ES);
}

static void test_live_bigger_guest(void)
{
	live("live-16m", 4096, 0.02, 50000, 0, SEV_POLICY_NODBG);
}

TEST_SUITE(migrate, NULL, NULL,
	   TEST(test_send_start_length_query),
	   TEST(test_one_page_by_hand),
	   TEST(test_nosend),
	   TEST(test_policy_sev_good_chain),
	   TEST(test_policy_sev_bad_chains),
	   TEST(test_policy_sev_other_root),
	   TEST(test_policy_sev_api_version),
	   TEST(test_policy_domain),
	   TEST(test_tampering_rejected),
	   TEST(test_send_update_lengths),
	   TEST(test_cancel_then_migrate),
	   TEST(test_failed_migration_leaves_source_running),
	   TEST(test_incomplete_stream_refused),
	   TEST(test_live_idle_guest),
	   TEST(test_live_dirtying_guest),
	   TEST(test_live_with_shared_pages),
	   TEST(test_live_es_guest),
	   TEST(test_live_bigger_guest))
