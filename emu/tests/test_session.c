/* The 128-byte session blob (spec §6.3) against vectors.md §1.2 and §2, and the
 * server side's error order. */
#include <string.h>

#include "emu/crypto/kdf.h"
#include "emu/crypto/session.h"
#include "emu/util/hex.h"
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

static const char composite_z[] =
	"1ab1bfcc20497203e712e665de71d2f932eb348232c09a0470b0592a735bd766"
	"d1b4c4531a934c5480470cefcf47a25a";

struct composite {
	uint8_t z[48], nonce[16], iv[16];
	struct sev_tk tk;
};

static void composite_inputs(struct composite *c)
{
	hx(composite_z, c->z, 48);
	seq(c->nonce, 16, 0x00);
	seq(c->iv, 16, 0x10);
	seq(c->tk.tek, 16, 0x20);
	seq(c->tk.tik, 16, 0x30);
}

/* §1.2: virtee session() with everything zero, policy 0. */
static void test_virtee_zero_session(void)
{
	uint8_t z[16] = { 0 }, zero16[16] = { 0 }, w[32];
	struct sev_tk tk = { { 0 }, { 0 } };
	struct sev_session s;

	CU_ASSERT_EQUAL(sev_session_wrap(&tk, z, sizeof(z), zero16, zero16, 0, &s), 0);
	hx("2137bc7f9bb8bd7c3e55a576a15d3454b3856b8ba27afadf46dcfee9f02c02c4", w, 32);
	CU_ASSERT_BYTES_EQUAL(s.wrap_tk, w, 32);
	hx("3176c0752738bd9d5e86689534020f528c088f16238826b000b327dee6aeed7d", w, 32);
	CU_ASSERT_BYTES_EQUAL(s.wrap_mac, w, 32);
	hx("aa7855e13839dd767cd5da7c1ff5036540c9264b7a803029315e55375287b4af", w, 32);
	CU_ASSERT_BYTES_EQUAL(s.policy_mac, w, 32);
	CU_ASSERT_BYTES_EQUAL(s.nonce, zero16, 16);
	CU_ASSERT_BYTES_EQUAL(s.wrap_iv, zero16, 16);
}

/* §2: master, KEK, KIK and the whole blob. */
static void test_composite_blob(void)
{
	struct composite c;
	uint8_t master[16], kek[16], kik[16], w[128];
	struct sev_session s;

	composite_inputs(&c);
	CU_ASSERT_EQUAL(sev_kdf(c.z, 48, SEV_KDF_LABEL_MASTER, c.nonce, 16, master, 16), 0);
	hx("2b6c1e68860c52bdb0bfb7dfe37d9fee", w, 16);
	CU_ASSERT_BYTES_EQUAL(master, w, 16);
	CU_ASSERT_EQUAL(sev_session_kek_kik(c.z, 48, c.nonce, kek, kik), 0);
	hx("f056453ca7ad83fa996a8f2b09cd4a7f", w, 16);
	CU_ASSERT_BYTES_EQUAL(kek, w, 16);
	hx("59fc1fa10109368963092232e7cb981c", w, 16);
	CU_ASSERT_BYTES_EQUAL(kik, w, 16);

	CU_ASSERT_EQUAL(sev_session_wrap(&c.tk, c.z, 48, c.nonce, c.iv, 1, &s), 0);
	hx("000102030405060708090a0b0c0d0e0f"
	   "8b8dcc2c24569ed238181e8a6644e8dcf844969ae6079e74c1f6481ce99bb38d"
	   "101112131415161718191a1b1c1d1e1f"
	   "7c3c9b4f9c4f19962b7df409b2c37caab56bde2f12d690a7ad576dbe78bcc19f"
	   "da0e0ec9ab90ccdf7f3e24a586511c2dc55694b3541828e79ec83d525299c961", w, 128);
	CU_ASSERT_BYTES_EQUAL(&s, w, 128);
}

static void test_unwrap(void)
{
	struct composite c;
	struct sev_session s;
	struct sev_tk out;

	composite_inputs(&c);
	CU_ASSERT_EQUAL_FATAL(sev_session_wrap(&c.tk, c.z, 48, c.nonce, c.iv, 1, &s), 0);
	memset(&out, 0xEE, sizeof(out));
	CU_ASSERT_EQUAL(sev_session_unwrap(&s, c.z, 48, 1, &out), SEV_UNWRAP_OK);
	CU_ASSERT_BYTES_EQUAL(&out, &c.tk, sizeof(out));
}

static void assert_cleansed(const struct sev_tk *tk)
{
	static const struct sev_tk zero;

	CU_ASSERT_BYTES_EQUAL(tk, &zero, sizeof(*tk));
}

/* The firmware's order: wrap_mac first (also covers a wrong Z or nonce), then the
 * policy MAC under the unwrapped TIK. */
static void test_unwrap_errors(void)
{
	struct composite c;
	struct sev_session s, t;
	struct sev_tk out;
	uint8_t z2[48];

	composite_inputs(&c);
	CU_ASSERT_EQUAL_FATAL(sev_session_wrap(&c.tk, c.z, 48, c.nonce, c.iv, 1, &s), 0);

	t = s;
	t.wrap_mac[5] ^= 1;
	memset(&out, 0xEE, sizeof(out));
	CU_ASSERT_EQUAL(sev_session_unwrap(&t, c.z, 48, 1, &out), SEV_UNWRAP_BAD_WRAP_MAC);
	assert_cleansed(&out);

	t = s;
	t.wrap_tk[31] ^= 0x80;
	memset(&out, 0xEE, sizeof(out));
	CU_ASSERT_EQUAL(sev_session_unwrap(&t, c.z, 48, 1, &out), SEV_UNWRAP_BAD_WRAP_MAC);
	assert_cleansed(&out);

	t = s;
	t.nonce[0] ^= 1;
	CU_ASSERT_EQUAL(sev_session_unwrap(&t, c.z, 48, 1, &out), SEV_UNWRAP_BAD_WRAP_MAC);

	memcpy(z2, c.z, 48);
	z2[47] ^= 1;
	CU_ASSERT_EQUAL(sev_session_unwrap(&s, z2, 48, 1, &out), SEV_UNWRAP_BAD_WRAP_MAC);

	/* The wrap IV is not MACed: a changed IV yields other TEK/TIK, caught by the
	 * policy MAC. */
	t = s;
	t.wrap_iv[15] ^= 1;
	CU_ASSERT_EQUAL(sev_session_unwrap(&t, c.z, 48, 1, &out), SEV_UNWRAP_BAD_POLICY_MAC);

	t = s;
	t.policy_mac[0] ^= 1;
	memset(&out, 0xEE, sizeof(out));
	CU_ASSERT_EQUAL(sev_session_unwrap(&t, c.z, 48, 1, &out), SEV_UNWRAP_BAD_POLICY_MAC);
	assert_cleansed(&out);

	/* The receiver must be told exactly the policy the sender MACed. */
	CU_ASSERT_EQUAL(sev_session_unwrap(&s, c.z, 48, 0, &out), SEV_UNWRAP_BAD_POLICY_MAC);
	CU_ASSERT_EQUAL(sev_session_unwrap(&s, c.z, 48, 1, &out), SEV_UNWRAP_OK);
}

TEST_SUITE(session, NULL, NULL,
	   TEST(test_virtee_zero_session),
	   TEST(test_composite_blob),
	   TEST(test_unwrap),
	   TEST(test_unwrap_errors))
