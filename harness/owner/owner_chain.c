/* The chain folder of verify.h: reading, writing, and the owner's verdict. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "emu/fw/status.h"
#include "emu/util/bytes.h"
#include "harness/owner/files.h"
#include "harness/owner/verify.h"

int owner_chain_read_dir(const char *dir, struct owner_chain *c, struct owner_err *e)
{
	char p[PATH_MAX];

	memset(c, 0, sizeof(*c));
	if (owner_path(p, sizeof(p), dir, SEVTOOL_ARK, e) || owner_read_amd_cert(p, &c->ark, e) ||
	    owner_path(p, sizeof(p), dir, SEVTOOL_ASK, e) || owner_read_amd_cert(p, &c->ask, e) ||
	    owner_path(p, sizeof(p), dir, SEVTOOL_CEK, e) || owner_read_sev_cert(p, &c->cek, e) ||
	    owner_path(p, sizeof(p), dir, SEVTOOL_OCA, e) || owner_read_sev_cert(p, &c->oca, e) ||
	    owner_path(p, sizeof(p), dir, SEVTOOL_PEK, e) || owner_read_sev_cert(p, &c->pek, e) ||
	    owner_path(p, sizeof(p), dir, SEVTOOL_PDH, e) || owner_read_sev_cert(p, &c->pdh, e))
		return -1;
	return 0;
}

int owner_chain_write_dir(const char *dir, const struct owner_chain *c, struct owner_err *e)
{
	char p[PATH_MAX];

	if (owner_path(p, sizeof(p), dir, SEVTOOL_ARK, e) || owner_write_amd_cert(p, &c->ark, e) ||
	    owner_path(p, sizeof(p), dir, SEVTOOL_ASK, e) || owner_write_amd_cert(p, &c->ask, e) ||
	    owner_path(p, sizeof(p), dir, SEVTOOL_CEK, e) || owner_write_sev_cert(p, &c->cek, e) ||
	    owner_path(p, sizeof(p), dir, SEVTOOL_OCA, e) || owner_write_sev_cert(p, &c->oca, e) ||
	    owner_path(p, sizeof(p), dir, SEVTOOL_PEK, e) || owner_write_sev_cert(p, &c->pek, e) ||
	    owner_path(p, sizeof(p), dir, SEVTOOL_PDH, e) || owner_write_sev_cert(p, &c->pdh, e))
		return -1;
	return 0;
}

const char *owner_link_name(int link)
{
	static const char *const names[OWNER_NLINKS] = {
		"ARK", "ASK", "CEK", "OCA", "PEK (CEK signature)", "PEK (OCA signature)", "PDH",
	};
	return link >= 0 && link < OWNER_NLINKS ? names[link] : "?";
}

static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

const char *owner_sev_cert_noncanonical(const struct sev_cert *c, size_t rsa_sig_len)
{
	static const char *const msg[2][3] = {
		{ "empty signature slot 1 holds non-zero bytes", "signature slot 1 has bytes after its ECDSA r and s",
		  "signature slot 1 has bytes after its RSA signature" },
		{ "empty signature slot 2 holds non-zero bytes", "signature slot 2 has bytes after its ECDSA r and s",
		  "signature slot 2 has bytes after its RSA signature" },
	};

	for (int i = 0; i < 2; i++) {
		const uint8_t *sig = c->raw + SEV_CERT_OFF_SIG(i) + 8;
		uint32_t usage = sev_cert_sig_usage(c, i), algo = sev_cert_sig_algo(c, i);

		if (usage == SEV_USAGE_INVALID && algo == SEV_ALGO_INVALID) {
			if (!all_zero(sig, SEV_CERT_SIG_LEN))
				return msg[i][0];
		} else if (algo == SEV_ALGO_ECDSA_SHA256 || algo == SEV_ALGO_ECDSA_SHA384) {
			/* r and s are 72-byte fields of which P-384 uses 48; the field padding
			 * is caught by the signature check (r, s < n), the tail is not. */
			if (!all_zero(sig + 2 * 72, SEV_CERT_SIG_LEN - 2 * 72))
				return msg[i][1];
		} else if ((algo == SEV_ALGO_RSA_SHA256 || algo == SEV_ALGO_RSA_SHA384) && rsa_sig_len &&
			   rsa_sig_len < SEV_CERT_SIG_LEN) {
			if (!all_zero(sig + rsa_sig_len, SEV_CERT_SIG_LEN - rsa_sig_len))
				return msg[i][2];
		}
	}
	return NULL;
}

static void link_set(struct owner_chain_result *r, int link, uint32_t st, const char *why)
{
	r->status[link] = st;
	if (st != SEV_STATUS_SUCCESS)
		snprintf(r->why[link], sizeof(r->why[link]), "%s", why ? why : sev_status_desc(st));
	else
		r->why[link][0] = '\0';
}

/* One SEV certificate link: the expected usage, canonical form, then the firmware's
 * validation against the signer. */
static void sev_link(struct owner_chain_result *r, int link, const struct sev_cert *c, uint32_t usage,
		     const struct sev_pubkey *signer, size_t rsa_sig_len)
{
	const char *why = NULL;
	char buf[160];
	uint32_t st;

	if (sev_cert_usage(c) != usage) {
		snprintf(buf, sizeof(buf), "the key usage is 0x%x (%s), not %s", sev_cert_usage(c),
			 sev_usage_name(sev_cert_usage(c)), sev_usage_name(usage));
		link_set(r, link, SEV_STATUS_INVALID_CERTIFICATE, buf);
		return;
	}
	if ((why = owner_sev_cert_noncanonical(c, rsa_sig_len))) {
		link_set(r, link, SEV_STATUS_BAD_SIGNATURE, why);
		return;
	}
	st = sev_cert_validate(c, signer, &why);
	link_set(r, link, st, why);
}

static void sev_link_by(struct owner_chain_result *r, int link, const struct sev_cert *c, uint32_t usage,
			const struct sev_cert *signer_cert)
{
	struct sev_pubkey pk = { 0 };
	const char *why = NULL;
	char buf[200];
	uint32_t st = sev_cert_pubkey(signer_cert, &pk, &why);

	if (st != SEV_STATUS_SUCCESS) {
		snprintf(buf, sizeof(buf), "the signer's (%s) public key is unusable: %s",
			 sev_usage_name(sev_cert_usage(signer_cert)), why);
		link_set(r, link, st, buf);
	} else {
		sev_link(r, link, c, usage, &pk, 0);
	}
	sev_pubkey_clear(&pk);
}

int owner_chain_verify(const struct owner_chain *c, const struct owner_trust *t, struct owner_chain_result *r,
		       struct owner_err *e)
{
	struct sev_pubkey ask_pub = { 0 };
	const char *why = NULL, *root;
	uint32_t st;

	memset(r, 0, sizeof(*r));
	r->first_failed = -1;

	st = amd_cert_validate_ark(&c->ark, NULL, &why);
	if (st == SEV_STATUS_SUCCESS && !(root = owner_trust_find(t, &c->ark))) {
		st = SEV_STATUS_INVALID_CERTIFICATE;
		why = "the ARK is not a trusted root: its key matches no built-in AMD root, not this user's "
		      "emulated root, and no root given "
		      "with --ark, --root or --fused-hash";
	} else if (st == SEV_STATUS_SUCCESS) {
		snprintf(r->root, sizeof(r->root), "%s", root);
	}
	link_set(r, OWNER_LINK_ARK, st, why);

	st = amd_cert_validate_ask(&c->ask, &c->ark, &why);
	link_set(r, OWNER_LINK_ASK, st, why);

	st = amd_cert_sev_pubkey(&c->ask, &ask_pub, &why);
	if (st == SEV_STATUS_SUCCESS)
		sev_link(r, OWNER_LINK_CEK, &c->cek, SEV_USAGE_CEK, &ask_pub, amd_cert_mod_bits(&c->ask) / 8);
	else
		link_set(r, OWNER_LINK_CEK, st, why);
	sev_pubkey_clear(&ask_pub);

	sev_link_by(r, OWNER_LINK_OCA, &c->oca, SEV_USAGE_OCA, &c->oca);
	sev_link_by(r, OWNER_LINK_PEK_BY_CEK, &c->pek, SEV_USAGE_PEK, &c->cek);
	sev_link_by(r, OWNER_LINK_PEK_BY_OCA, &c->pek, SEV_USAGE_PEK, &c->oca);
	sev_link_by(r, OWNER_LINK_PDH, &c->pdh, SEV_USAGE_PDH, &c->pek);
	if (r->status[OWNER_LINK_PDH] == SEV_STATUS_SUCCESS && sev_cert_algo(&c->pdh) != SEV_ALGO_ECDH_SHA256)
		link_set(r, OWNER_LINK_PDH, SEV_STATUS_INVALID_CERTIFICATE, "the PDH key is not an ECDH key");

	for (int i = 0; i < OWNER_NLINKS; i++) {
		if (r->status[i] != SEV_STATUS_SUCCESS) {
			r->first_failed = i;
			return owner_fail_status(e, r->status[i], "%s: %s", owner_link_name(i), r->why[i]);
		}
	}
	return 0;
}
