/* Launch measurement, LAUNCH_SECRET and SEND/RECEIVE packets (spec §6.4, §6.5, §7.2)
 * against vectors.md §1.3 and §2, and the receive side's refusal to touch the
 * output on any MAC failure. */
#include <string.h>

#include "emu/crypto/packet.h"
#include "emu/crypto/symm.h"
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

static void composite_tk(struct sev_tk *tk)
{
	seq(tk->tek, 16, 0x20);
	seq(tk->tik, 16, 0x30);
}

static void composite_page(uint8_t page[4096])
{
	for (size_t i = 0; i < 4096; i++)
		page[i] = (uint8_t)i;
}

/* §1.3: TIK 66320db7..., api 0.18 build 0x0f, digest SHA-256(""). */
static void test_measurement_kats(void)
{
	uint8_t tik[16], ld[32], mnonce[16], m[32], w[32];

	hx("66320db73158a35a255d051758e95ed4", tik, 16);
	hx("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", ld, 32);
	hx("4fbe0bedbad6c86ae8f68971d103e554", mnonce, 16);

	CU_ASSERT_EQUAL(sev_launch_measurement(tik, 0, 18, 0x0f, 0, ld, mnonce, m), 0);
	hx("6faab2daae389bcd3405a05d6cafe33c0414f7bedd0bae19ba5f38b7fd1664ea", w, 32);
	CU_ASSERT_BYTES_EQUAL(m, w, 32);

	CU_ASSERT_EQUAL(sev_launch_measurement(tik, 0, 18, 0x0f, 0x1234abcd, ld, mnonce, m), 0);
	hx("fabdf6605f38bcf0c4aef3a6648427acf82e97f486ba924755f2819f4527ca8c", w, 32);
	CU_ASSERT_BYTES_EQUAL(m, w, 32);

	CU_ASSERT_EQUAL(sev_launch_measurement_pre017(tik, 1, ld, mnonce, m), 0);
	hx("0a146789478c0c25ed9ca363d01a738ca7a511b656daddbe223f968721dca78d", w, 32);
	CU_ASSERT_BYTES_EQUAL(m, w, 32);
}

static const char composite_measurement[] = "fbcd046993df7e61de9a131bc81e967acba9404df08cdb7b2b81fbe45630dd9a";

/* §2: api 0.24, build 15, policy 1, LD of the page, MNONCE 50..5f. */
static void test_measurement_composite(void)
{
	struct sev_tk tk;
	uint8_t page[4096], ld[32], mnonce[16], m[32], w[32];

	composite_tk(&tk);
	composite_page(page);
	CU_ASSERT_EQUAL(sha256(page, sizeof(page), ld), 0);
	seq(mnonce, 16, 0x50);
	CU_ASSERT_EQUAL(sev_launch_measurement(tk.tik, 0, 24, 15, 1, ld, mnonce, m), 0);
	hx(composite_measurement, w, 32);
	CU_ASSERT_BYTES_EQUAL(m, w, 32);
}

/* §2 LAUNCH_SECRET: 64 x 0x41, iv 60..6f, flags 0, ctx 0x01 with the measurement. */
static void test_launch_secret(void)
{
	struct sev_tk tk;
	struct sev_pkt_ctx *c;
	uint8_t secret[64], iv[16], meas[32], ct[64], hdr[SEV_PKT_HDR_LEN], mac[32], w[64], back[64];

	composite_tk(&tk);
	memset(secret, 0x41, sizeof(secret));
	seq(iv, 16, 0x60);
	hx(composite_measurement, meas, 32);
	c = sev_pkt_ctx_new(&tk);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(sev_pkt_seal(c, SEV_PKT_CTX_SECRET, iv, secret, sizeof(secret), meas, ct, hdr), 0);
	hx("6743b3b1e4cdba908c5b578e98caaf7330c096d9482881c78c2f26827692eefb"
	   "1f11e0182a9745399f6ace3346e421ae9a24a448e1faeb6c529f1df85a79b0c4", w, 64);
	CU_ASSERT_BYTES_EQUAL(ct, w, 64);
	hx("00000000" "606162636465666768696a6b6c6d6e6f"
	   "38131cc4e43e897d8eaa19962d23d4ca48d6a927c7f910fb9818be424363e7f8", w, SEV_PKT_HDR_LEN);
	CU_ASSERT_BYTES_EQUAL(hdr, w, SEV_PKT_HDR_LEN);
	/* The one-shot MAC agrees. */
	CU_ASSERT_EQUAL(sev_pkt_mac(tk.tik, SEV_PKT_CTX_SECRET, 0, iv, 64, 64, ct, 64, meas, mac), 0);
	CU_ASSERT_BYTES_EQUAL(mac, hdr + 20, 32);
	/* The firmware side opens it; without the measurement (pre-0.17 form) it fails. */
	CU_ASSERT_EQUAL(sev_pkt_open(c, SEV_PKT_CTX_SECRET, hdr, ct, 64, meas, back), 0);
	CU_ASSERT_BYTES_EQUAL(back, secret, 64);
	CU_ASSERT_EQUAL(sev_pkt_open(c, SEV_PKT_CTX_SECRET, hdr, ct, 64, NULL, back), 1);
	sev_pkt_ctx_free(c);
}

static const char send_hdr[] = "00000000" "404142434445464748494a4b4c4d4e4f"
			       "9b6ccbe9dd3320e913a2ba58dc70f74a48545f4a4169e3fd4ad4a33fafd36d98";

/* §2 SEND_UPDATE_DATA: the page under iv 40..4f, ctx 0x02. */
static void test_send_update_packet(void)
{
	struct sev_tk tk;
	struct sev_pkt_ctx *c;
	uint8_t page[4096], ct[4096], iv[16], hdr[SEV_PKT_HDR_LEN], d[32], w[SEV_PKT_HDR_LEN], mac[32];

	composite_tk(&tk);
	composite_page(page);
	seq(iv, 16, 0x40);
	c = sev_pkt_ctx_new(&tk);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(sev_pkt_seal(c, SEV_PKT_CTX_TRANSPORT, iv, page, sizeof(page), NULL, ct, hdr), 0);
	hx("85956bc37346c1e35338871e113089e60e2326df7928b88eaa42b2c5e0c9e6e7", w, 32);
	CU_ASSERT_BYTES_EQUAL(ct, w, 32);
	CU_ASSERT_EQUAL(sha256(ct, sizeof(ct), d), 0);
	hx("8f62a03d8a5e0eef6a61eea5bea2c684721d2c2d3c96dad04fd081638b633587", w, 32);
	CU_ASSERT_BYTES_EQUAL(d, w, 32);
	hx(send_hdr, w, SEV_PKT_HDR_LEN);
	CU_ASSERT_BYTES_EQUAL(hdr, w, SEV_PKT_HDR_LEN);

	/* Informational: had VMSA packets used ctx 0x03 (spec §7.2 [UNSURE]), the MAC
	 * would be this one -- and a ctx-0x02 receiver rejects it. */
	CU_ASSERT_EQUAL(sev_pkt_mac(tk.tik, SEV_PKT_CTX_VMSA, 0, iv, 4096, 4096, ct, 4096, NULL, mac), 0);
	hx("204d05958c99780d3c54841dae3df6e1ae93171ffbf87a19ed53bb5172b3670f", w, 32);
	CU_ASSERT_BYTES_EQUAL(mac, w, 32);
	CU_ASSERT_EQUAL(sev_pkt_open(c, SEV_PKT_CTX_VMSA, hdr, ct, sizeof(ct), NULL, page), 1);
	sev_pkt_ctx_free(c);
}

/* Any flipped bit in the header, MAC or ciphertext: 1, output untouched. */
static void test_open_rejects_tampering(void)
{
	struct sev_tk tk;
	struct sev_pkt_ctx *c;
	uint8_t page[4096], ct[4096], hdr[SEV_PKT_HDR_LEN], bad[SEV_PKT_HDR_LEN], out[4096], sentinel[4096];
	static const size_t hdr_pos[] = { 0, 3, 4, 19, 20, 51 }, ct_pos[] = { 0, 15, 16, 2047, 4095 };

	composite_tk(&tk);
	composite_page(page);
	hx(send_hdr, hdr, SEV_PKT_HDR_LEN);
	c = sev_pkt_ctx_new(&tk);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL_FATAL(sev_pkt_seal(c, SEV_PKT_CTX_TRANSPORT, hdr + 4, page, 4096, NULL, ct, bad), 0);
	CU_ASSERT_BYTES_EQUAL(bad, hdr, SEV_PKT_HDR_LEN);
	memset(sentinel, 0xC3, sizeof(sentinel));

	CU_ASSERT_EQUAL(sev_pkt_open(c, SEV_PKT_CTX_TRANSPORT, hdr, ct, sizeof(ct), NULL, out), 0);
	CU_ASSERT_BYTES_EQUAL(out, page, sizeof(page));

	for (size_t i = 0; i < sizeof(hdr_pos) / sizeof(hdr_pos[0]); i++) {
		memcpy(bad, hdr, sizeof(bad));
		bad[hdr_pos[i]] ^= 0x01;
		memcpy(out, sentinel, sizeof(out));
		CU_ASSERT_EQUAL(sev_pkt_open(c, SEV_PKT_CTX_TRANSPORT, bad, ct, sizeof(ct), NULL, out), 1);
		CU_ASSERT_BYTES_EQUAL(out, sentinel, sizeof(out));
	}
	for (size_t i = 0; i < sizeof(ct_pos) / sizeof(ct_pos[0]); i++) {
		ct[ct_pos[i]] ^= 0x80;
		memcpy(out, sentinel, sizeof(out));
		CU_ASSERT_EQUAL(sev_pkt_open(c, SEV_PKT_CTX_TRANSPORT, hdr, ct, sizeof(ct), NULL, out), 1);
		CU_ASSERT_BYTES_EQUAL(out, sentinel, sizeof(out));
		ct[ct_pos[i]] ^= 0x80;
	}
	/* A shorter length is a different AAD. */
	memcpy(out, sentinel, sizeof(out));
	CU_ASSERT_EQUAL(sev_pkt_open(c, SEV_PKT_CTX_TRANSPORT, hdr, ct, 4080, NULL, out), 1);
	CU_ASSERT_BYTES_EQUAL(out, sentinel, sizeof(out));
	/* A wrong TIK. */
	sev_pkt_ctx_free(c);
	tk.tik[0] ^= 1;
	c = sev_pkt_ctx_new(&tk);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	memcpy(out, sentinel, sizeof(out));
	CU_ASSERT_EQUAL(sev_pkt_open(c, SEV_PKT_CTX_TRANSPORT, hdr, ct, sizeof(ct), NULL, out), 1);
	CU_ASSERT_BYTES_EQUAL(out, sentinel, sizeof(out));
	sev_pkt_ctx_free(c);
}

/* The COMPRESSED flag is MACed as found; refusing it is the firmware's call. */
static void test_flags_are_maced(void)
{
	struct sev_tk tk;
	struct sev_pkt_ctx *c;
	struct sev_pkt_hdr h;
	uint8_t pt[32] = { 1 }, ct[32], iv[16] = { 9 }, hdr[SEV_PKT_HDR_LEN], out[32];

	composite_tk(&tk);
	c = sev_pkt_ctx_new(&tk);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(aes128_ctr(tk.tek, iv, pt, ct, sizeof(ct)), 0);
	h.flags = SEV_PKT_FLAG_COMPRESSED;
	memcpy(h.iv, iv, 16);
	CU_ASSERT_EQUAL(sev_pkt_mac(tk.tik, SEV_PKT_CTX_TRANSPORT, h.flags, iv, 32, 32, ct, 32, NULL, h.mac), 0);
	sev_pkt_hdr_encode(&h, hdr);
	CU_ASSERT_EQUAL(hdr[0], 1);
	CU_ASSERT_EQUAL(sev_pkt_open(c, SEV_PKT_CTX_TRANSPORT, hdr, ct, 32, NULL, out), 0);
	CU_ASSERT_BYTES_EQUAL(out, pt, 32);
	memset(&h, 0, sizeof(h));
	sev_pkt_hdr_decode(hdr, &h);
	CU_ASSERT_EQUAL(h.flags, SEV_PKT_FLAG_COMPRESSED);
	CU_ASSERT_BYTES_EQUAL(h.iv, iv, 16);
	sev_pkt_ctx_free(c);
}

/* One keyed context serves many packets: each equals the one-shot computation,
 * whatever came before (the per-packet MAC restart and IV reset). */
static void test_ctx_reuse(void)
{
	struct sev_tk tk;
	struct sev_pkt_ctx *c;
	uint8_t pt[4096], ct[4096], ct2[4096], iv[16], hdr[SEV_PKT_HDR_LEN], mac[32], back[4096];

	composite_tk(&tk);
	c = sev_pkt_ctx_new(&tk);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	for (int i = 0; i < 50; i++) {
		size_t len = 16 * (size_t)(1 + (i * 37) % 256);

		memset(pt, i, len);
		memset(iv, 0xF0 ^ i, sizeof(iv));
		CU_ASSERT_EQUAL(sev_pkt_seal(c, SEV_PKT_CTX_TRANSPORT, iv, pt, len, NULL, ct, hdr), 0);
		CU_ASSERT_EQUAL(aes128_ctr(tk.tek, iv, pt, ct2, len), 0);
		CU_ASSERT_BYTES_EQUAL(ct, ct2, len);
		CU_ASSERT_EQUAL(sev_pkt_mac(tk.tik, SEV_PKT_CTX_TRANSPORT, 0, iv, (uint32_t)len, (uint32_t)len, ct,
					    len, NULL, mac), 0);
		CU_ASSERT_BYTES_EQUAL(hdr + 20, mac, 32);
		CU_ASSERT_EQUAL(sev_pkt_open(c, SEV_PKT_CTX_TRANSPORT, hdr, ct, len, NULL, back), 0);
		CU_ASSERT_BYTES_EQUAL(back, pt, len);
	}
	/* In place both ways. */
	memset(pt, 0x77, sizeof(pt));
	memcpy(back, pt, sizeof(pt));
	CU_ASSERT_EQUAL(sev_pkt_seal(c, SEV_PKT_CTX_TRANSPORT, iv, back, sizeof(back), NULL, back, hdr), 0);
	CU_ASSERT_EQUAL(sev_pkt_open(c, SEV_PKT_CTX_TRANSPORT, hdr, back, sizeof(back), NULL, back), 0);
	CU_ASSERT_BYTES_EQUAL(back, pt, sizeof(pt));
	sev_pkt_ctx_free(c);
	sev_pkt_ctx_free(NULL);
}

TEST_SUITE(packet, NULL, NULL,
	   TEST(test_measurement_kats),
	   TEST(test_measurement_composite),
	   TEST(test_launch_secret),
	   TEST(test_send_update_packet),
	   TEST(test_open_rejects_tampering),
	   TEST(test_flags_are_maced),
	   TEST(test_ctx_reuse))
