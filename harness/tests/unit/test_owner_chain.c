/* The guest owner's chain verification on real AMD chains (Naples, Rome: the vectors'
 * certificates) and the report of which certificate failed; every changed byte of any
 * certificate must change the verdict.  SWSEV_EXHAUSTIVE=1 flips every byte (about a
 * minute); by default every header and slot-descriptor byte and a stride elsewhere. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/fw/status.h"
#include "harness/owner/files.h"
#include "harness/owner/verify.h"
#include "harness/testlib/testlib.h"

static void load_amd(const char *gen, const char *name, struct amd_cert *c)
{
	char path[128];
	size_t len = 0;
	uint8_t *b;

	snprintf(path, sizeof(path), "vectors/certs/amd-root/%s/%s.cert", gen, name);
	b = test_read_file(path, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_EQUAL_FATAL(amd_cert_parse(b, len, c, NULL), len);
	free(b);
}

static void load_sev(const char *gen, const char *name, struct sev_cert *c)
{
	char path[128];
	size_t len = 0;
	uint8_t *b;

	snprintf(path, sizeof(path), "vectors/certs/platform/%s/%s.cert", gen, name);
	b = test_read_file(path, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_EQUAL_FATAL(len, SEV_CERT_LEN);
	memcpy(c->raw, b, SEV_CERT_LEN);
	free(b);
}

static void load_chain(const char *gen, struct owner_chain *c)
{
	load_amd(gen, "ark", &c->ark);
	load_amd(gen, "ask", &c->ask);
	load_sev(gen, "cek", &c->cek);
	load_sev(gen, "oca", &c->oca);
	load_sev(gen, "pek", &c->pek);
	load_sev(gen, "pdh", &c->pdh);
}

static void test_real_chains(void)
{
	static const char *const gens[] = { "naples", "rome" };
	struct owner_chain_result r;
	struct owner_trust t, none;
	struct owner_chain c;
	struct owner_err e;
	char want[64];

	owner_trust_init(&t, true);
	owner_trust_init(&none, false);
	for (size_t g = 0; g < 2; g++) {
		load_chain(gens[g], &c);
		CU_ASSERT_EQUAL(owner_chain_verify(&c, &t, &r, &e), 0);
		snprintf(want, sizeof(want), "AMD %s ARK", gens[g]);
		CU_ASSERT_STRING_EQUAL(r.root, want);
		CU_ASSERT_EQUAL(r.first_failed, -1);
		/* No trusted root: only the ARK link fails, the rest is still reported. */
		CU_ASSERT_EQUAL(owner_chain_verify(&c, &none, &r, &e), -1);
		CU_ASSERT_EQUAL(r.first_failed, OWNER_LINK_ARK);
		CU_ASSERT_STATUS(e.status, SEV_STATUS_INVALID_CERTIFICATE);
		CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "not a trusted root"));
		for (int i = OWNER_LINK_ASK; i < OWNER_NLINKS; i++)
			CU_ASSERT_STATUS(r.status[i], SEV_STATUS_SUCCESS);
		/* Trusting it explicitly by its certificate. */
		CU_ASSERT_EQUAL(owner_trust_add_ark(&none, &c.ark, "pinned", &e), 0);
		CU_ASSERT_EQUAL(owner_chain_verify(&c, &none, &r, &e), 0);
		owner_trust_init(&none, false);
	}
	/* Rome's platform with Naples' ASK: the ASK link breaks; under Naples' whole root,
	 * the CEK link. */
	load_chain("rome", &c);
	load_amd("naples", "ask", &c.ask);
	CU_ASSERT_EQUAL(owner_chain_verify(&c, &t, &r, &e), -1);
	CU_ASSERT_EQUAL(r.first_failed, OWNER_LINK_ASK);
	load_amd("naples", "ark", &c.ark);
	CU_ASSERT_EQUAL(owner_chain_verify(&c, &t, &r, &e), -1);
	CU_ASSERT_EQUAL(r.first_failed, OWNER_LINK_CEK);
	CU_ASSERT_STATUS(r.status[OWNER_LINK_ASK], SEV_STATUS_SUCCESS);
}

/* Certificates in the wrong files are named. */
static void test_which_cert(void)
{
	struct owner_chain_result r;
	struct owner_trust t;
	struct owner_chain c;
	struct owner_err e;
	struct sev_cert tmp;

	owner_trust_init(&t, true);
	load_chain("rome", &c);
	tmp = c.pek;
	c.pek = c.oca;
	c.oca = tmp;
	CU_ASSERT_EQUAL(owner_chain_verify(&c, &t, &r, &e), -1);
	CU_ASSERT_EQUAL(r.first_failed, OWNER_LINK_OCA);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.why[OWNER_LINK_OCA], "not OCA"));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "OCA"));
	CU_ASSERT_STATUS(r.status[OWNER_LINK_CEK], SEV_STATUS_SUCCESS);

	/* Naples' PDH in Rome's chain: only the PDH link fails, by signature. */
	load_chain("rome", &c);
	load_sev("naples", "pdh", &c.pdh);
	CU_ASSERT_EQUAL(owner_chain_verify(&c, &t, &r, &e), -1);
	CU_ASSERT_EQUAL(r.first_failed, OWNER_LINK_PDH);
	CU_ASSERT_STATUS(r.status[OWNER_LINK_PDH], SEV_STATUS_BAD_SIGNATURE);
	for (int i = 0; i < OWNER_LINK_PDH; i++)
		CU_ASSERT_STATUS(r.status[i], SEV_STATUS_SUCCESS);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "PDH"));
	CU_ASSERT_STATUS(e.status, SEV_STATUS_BAD_SIGNATURE);
}

/* Bytes the signatures do not cover must still be canonical. */
static void test_canonical(void)
{
	struct owner_chain_result r;
	struct owner_trust t;
	struct owner_chain c;
	struct owner_err e;
	const char *why = NULL;

	owner_trust_init(&t, true);
	load_chain("rome", &c);
	/* The PDH's empty slot 2: the firmware does not look at it... */
	c.pdh.raw[SEV_CERT_OFF_SIG(1) + 8 + 100] = 1;
	CU_ASSERT_STATUS(sev_cert_validate_by(&c.pdh, &c.pek, &why), SEV_STATUS_SUCCESS);
	/* ...the owner does. */
	CU_ASSERT_EQUAL(owner_chain_verify(&c, &t, &r, &e), -1);
	CU_ASSERT_EQUAL(r.first_failed, OWNER_LINK_PDH);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.why[OWNER_LINK_PDH], "empty signature slot 2"));
	load_chain("rome", &c);
	/* After the PEK's OCA signature (r, s are 144 bytes). */
	c.pek.raw[SEV_CERT_OFF_SIG(0) + 8 + 144] = 0x80;
	CU_ASSERT_EQUAL(owner_chain_verify(&c, &t, &r, &e), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.why[OWNER_LINK_PEK_BY_CEK], "after its ECDSA"));
	/* After a 2048-bit ASK's signature of a Naples CEK. */
	load_chain("naples", &c);
	CU_ASSERT_EQUAL(owner_chain_verify(&c, &t, &r, &e), 0);
	c.cek.raw[SEV_CERT_OFF_SIG(0) + 8 + 256] = 1;
	CU_ASSERT_EQUAL(owner_chain_verify(&c, &t, &r, &e), -1);
	CU_ASSERT_EQUAL(r.first_failed, OWNER_LINK_CEK);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.why[OWNER_LINK_CEK], "after its RSA"));
}

static int want_flip(size_t off, size_t hdr, size_t stride)
{
	if (getenv("SWSEV_EXHAUSTIVE"))
		return 1;
	if (off < hdr)
		return 1;
	/* slot descriptors (usage, algo) of SEV certificates */
	if (hdr == 0x20 && ((off >= 0x414 && off < 0x41C) || (off >= 0x61C && off < 0x624)))
		return 1;
	return off % stride == 0;
}

static void flip_all(const char *gen)
{
	struct owner_chain_result r;
	struct owner_trust t;
	struct owner_chain c;
	struct owner_err e;
	struct flip_target {
		uint8_t *raw;
		size_t len, hdr;
		const char *name;
	} certs[6];
	size_t escaped = 0, tried = 0;

	owner_trust_init(&t, true);
	load_chain(gen, &c);
	CU_ASSERT_EQUAL_FATAL(owner_chain_verify(&c, &t, &r, &e), 0);
	certs[0] = (struct flip_target){ c.ark.raw, c.ark.len, 0x40, "ark" };
	certs[1] = (struct flip_target){ c.ask.raw, c.ask.len, 0x40, "ask" };
	certs[2] = (struct flip_target){ c.cek.raw, SEV_CERT_LEN, 0x20, "cek" };
	certs[3] = (struct flip_target){ c.oca.raw, SEV_CERT_LEN, 0x20, "oca" };
	certs[4] = (struct flip_target){ c.pek.raw, SEV_CERT_LEN, 0x20, "pek" };
	certs[5] = (struct flip_target){ c.pdh.raw, SEV_CERT_LEN, 0x20, "pdh" };
	for (size_t i = 0; i < 6; i++) {
		for (size_t off = 0; off < certs[i].len; off++) {
			if (!want_flip(off, certs[i].hdr, 41))
				continue;
			tried++;
			certs[i].raw[off] ^= 0x01;
			if (owner_chain_verify(&c, &t, &r, &e) == 0) {
				if (escaped++ < 5)
					fprintf(stderr, "%s %s: flipping byte 0x%zx is not detected\n", gen, certs[i].name,
						off);
			}
			certs[i].raw[off] ^= 0x01;
		}
	}
	CU_ASSERT_EQUAL(escaped, 0);
	CU_ASSERT_TRUE(tried > 100);
	CU_ASSERT_EQUAL(owner_chain_verify(&c, &t, &r, &e), 0);
}

static void test_flips_rome(void)
{
	flip_all("rome");
}

static void test_flips_naples(void)
{
	flip_all("naples");
}

/* The folder round trip in sev-tool's file names. */
static void test_chain_dir(void)
{
	const char *dir = test_tmpdir("owner-chain");
	struct owner_chain c, d;
	struct owner_err e;
	char p[PATH_MAX];
	uint8_t junk[2000] = { 0 };

	load_chain("rome", &c);
	CU_ASSERT_EQUAL(owner_chain_write_dir(dir, &c, &e), 0);
	CU_ASSERT_EQUAL(owner_chain_read_dir(dir, &d, &e), 0);
	CU_ASSERT_BYTES_EQUAL(&c, &d, sizeof(c));
	/* A missing file is named. */
	snprintf(p, sizeof(p), "%s/oca.cert", dir);
	CU_ASSERT_EQUAL(remove(p), 0);
	CU_ASSERT_EQUAL(owner_chain_read_dir(dir, &d, &e), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "oca.cert"));
	/* An AMD certificate file with trailing bytes is not one certificate. */
	snprintf(p, sizeof(p), "%s/ask.cert", dir);
	memcpy(junk, c.ask.raw, c.ask.len);
	CU_ASSERT_EQUAL(owner_write_file(p, junk, c.ask.len + 1, 0644, &e), 0);
	CU_ASSERT_EQUAL(owner_read_amd_cert(p, &d.ask, &e), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "after"));
}

TEST_SUITE(owner_chain, NULL, NULL,
	   TEST(test_real_chains),
	   TEST(test_which_cert),
	   TEST(test_canonical),
	   TEST(test_flips_rome),
	   TEST(test_flips_naples),
	   TEST(test_chain_dir))
