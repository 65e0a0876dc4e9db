#include "harness/conformance/conf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "emu/cert/sev_cert.h"
#include "emu/crypto/packet.h"
#include "emu/crypto/pkey.h"
#include "emu/crypto/session.h"
#include "emu/crypto/symm.h"
#include "emu/fw/buffers.h"
#include "emu/fw/fw.h"

static char root_dir[512];

const char *conf_root_dir(void)
{
	if (!root_dir[0]) {
		const char *env = getenv("SWSEV_ROOT_DIR");
		if (env && *env)
			snprintf(root_dir, sizeof(root_dir), "%s", env);
		else
			snprintf(root_dir, sizeof(root_dir), "%s/amd-root", test_tmpdir("root"));
	}
	return root_dir;
}

static const char *backend(int which)
{
	const char *u = getenv(which == 2 ? "SWSEV_BACKEND2" : "SWSEV_BACKEND");
	return u && *u ? u : NULL;
}

struct conf *conf_open(const char *tag, const char *opts, int which)
{
	struct conf *c = calloc(1, sizeof(*c));
	const char *b = backend(which);
	struct psp_err e;
	char msg[400];

	if (!c)
		return NULL;
	/* Platform options (a small ASID space, a driver profile, a part without ES) make
	 * a new emulated platform; a shared daemon or a real PSP is what it is. */
	if (opts && *opts && b && strncmp(b, "emu:", 4) != 0) {
		test_skip("needs a platform made in-process with emu:...?%s, not %s", opts, b);
		free(c);
		return NULL;
	}
	if (!b || strncmp(b, "emu:", 4) == 0) {
		/* A new platform every time: a new state directory under this run's root. */
		c->emu = true;
		snprintf(c->dir, sizeof(c->dir), "%s/%s", test_tmpdir(tag), "state");
		snprintf(c->uri, sizeof(c->uri), "emu:%s?root=%s%s%s", c->dir, conf_root_dir(), opts && *opts ? "&" : "",
			 opts ? opts : "");
	} else {
		snprintf(c->uri, sizeof(c->uri), "%s", b);
	}
	if (psp_open(c->uri, &c->p, &e) != 0) {
		psp_err_format(&e, msg, sizeof(msg));
		CU_FAIL("psp_open");
		fprintf(stderr, "\n%s: %s\n", c->uri, msg);
		free(c);
		return NULL;
	}
	c->fresh_ok = true;
	if (!c->emu) {
		/* A shared daemon or a real PSP: bring it to a known state if we may. */
		if (psp_caps(c->p) & PSP_CAP_CONTROL) {
			psp_clear_injections(c->p, &e);
			if (psp_reset(c->p, &e) != 0 || (psp_factory_reset(c->p, &e) != 0 && e.err != EBUSY)) {
				psp_err_format(&e, msg, sizeof(msg));
				test_skip("cannot reset %s: %s", c->uri, msg);
				c->fresh_ok = false;
			}
		} else if (!getenv("SWSEV_DESTRUCTIVE")) {
			c->fresh_ok = false;
		}
	}
	return c;
}

void conf_close(struct conf *c)
{
	if (!c)
		return;
	psp_close(c->p);
	free(c);
}

bool conf_need(struct conf *c, unsigned caps)
{
	struct psp_err e;

	if (!c)
		return false;
	if (psp_require(c->p, caps, &e) == 0)
		return true;
	test_skip("%s", e.msg);
	return false;
}

bool conf_power_cycle(struct conf *c)
{
	struct psp_err e;
	char msg[400];

	if (c->emu) {
		psp_close(c->p);
		c->p = NULL;
		if (psp_open(c->uri, &c->p, &e) != 0) {
			psp_err_format(&e, msg, sizeof(msg));
			fprintf(stderr, "\nreopen %s: %s\n", c->uri, msg);
			return false;
		}
		return true;
	}
	if (!conf_need(c, PSP_CAP_CONTROL))
		return false;
	return psp_reset(c->p, &e) == 0;
}

void conf_snap(struct conf *c, struct conf_snap *s)
{
	struct psp_err e;

	memset(s, 0, sizeof(*s));
	if (psp_platform_status(c->p, &s->st, &e) != 0)
		CU_FAIL("PLATFORM_STATUS for a snapshot failed");
	if (s->st.state != FW_PLAT_UNINIT)
		s->have_certs = psp_pdh_cert_export(c->p, s->pdh, s->chain, &e) == 0;
	if (psp_caps(c->p) & PSP_CAP_CONTROL)
		s->have_nv = psp_nv_digest(c->p, s->nv, &e) == 0;
}

int conf_snap_equal(struct conf *c, const struct conf_snap *before, const char *file, int line)
{
	struct conf_snap now;

	conf_snap(c, &now);
	if (memcmp(&now.st, &before->st, sizeof(now.st)) != 0) {
		fprintf(stderr, "\n%s:%d: platform status changed: state %u->%u flags 0x%x->0x%x guests %u->%u\n", file,
			line, before->st.state, now.st.state, before->st.flags, now.st.flags, before->st.guest_count,
			now.st.guest_count);
		return 0;
	}
	if (before->have_certs && now.have_certs &&
	    (memcmp(now.pdh, before->pdh, sizeof(now.pdh)) || memcmp(now.chain, before->chain, sizeof(now.chain)))) {
		fprintf(stderr, "\n%s:%d: PDH or certificate chain changed\n", file, line);
		return 0;
	}
	if (before->have_nv && now.have_nv && memcmp(now.nv, before->nv, sizeof(now.nv))) {
		fprintf(stderr, "\n%s:%d: persistent (NV) state changed\n", file, line);
		return 0;
	}
	return 1;
}

uint32_t conf_fw(struct conf *c, uint32_t cmd, void *buf, uint32_t len)
{
	struct psp_err e;
	uint32_t st = UINT32_MAX;
	char msg[400];

	if (psp_fw_cmd(c->p, cmd, buf, len, &st, &e) != 0) {
		psp_err_format(&e, msg, sizeof(msg));
		fprintf(stderr, "\nraw %s: %s\n", fw_cmd_name(cmd) ? fw_cmd_name(cmd) : "?", msg);
		CU_FAIL("raw firmware command failed to run");
		return UINT32_MAX;
	}
	return st;
}

bool conf_to_state(struct conf *c, int state, uint32_t *guest)
{
	struct sev_user_data_status st;
	struct psp_info info;
	struct psp_err e;

	if (!conf_need(c, PSP_CAP_FW_CMD | PSP_CAP_CONTROL))
		return false;
	if (conf_fw(c, FW_CMD_SHUTDOWN, NULL, 0) != SEV_STATUS_SUCCESS)
		return false;
	if (state == FW_PLAT_UNINIT)
		return true;
	if (psp_info(c->p, &info, &e) != 0)
		return false;
	{
		struct fwb_init init = { info.es ? 1 : 0, 0, info.es ? 0x100000 : 0, info.es ? 0x100000 : 0 };
		if (conf_fw(c, FW_CMD_INIT, &init, sizeof(init)) != SEV_STATUS_SUCCESS)
			return false;
	}
	if (psp_wbinvd(c->p, false, &e) != 0 || conf_fw(c, FW_CMD_DF_FLUSH, NULL, 0) != SEV_STATUS_SUCCESS)
		return false;
	if (state == FW_PLAT_WORKING) {
		struct fwb_start ls = { 0 };
		ls.policy = SEV_POLICY_NODBG;
		if (conf_fw(c, FW_CMD_LAUNCH_START, &ls, sizeof(ls)) != SEV_STATUS_SUCCESS)
			return false;
		if (guest)
			*guest = ls.handle;
	}
	if (psp_platform_status(c->p, &st, &e) != 0 || st.state != state) {
		CU_FAIL("platform did not reach the requested state");
		return false;
	}
	return true;
}

int conf_check_ok(int rc, struct psp_err *e, const char *what, const char *file, int line)
{
	char msg[400];

	if (rc == 0)
		return 1;
	psp_err_format(e, msg, sizeof(msg));
	fprintf(stderr, "\n%s:%d: %s failed: %s\n", file, line, what, msg);
	return 0;
}

int conf_check_err(int rc, const struct psp_err *e, int want_errno, int want_fw, const char *what, const char *file,
		   int line)
{
	char msg[400];

	if (rc != 0 && e->err == want_errno &&
	    (want_fw < 0 ? !e->fw_set : (e->fw_set && e->fw == (uint32_t)want_fw)))
		return 1;
	if (rc == 0) {
		fprintf(stderr, "\n%s:%d: %s succeeded, expected errno %d%s%s\n", file, line, what, want_errno,
			want_fw >= 0 ? " firmware " : "", want_fw >= 0 ? psp_fw_status_name((uint32_t)want_fw) : "");
		return 0;
	}
	psp_err_format(e, msg, sizeof(msg));
	fprintf(stderr, "\n%s:%d: %s: expected errno %d%s%s, got: %s (errno %d)\n", file, line, what, want_errno,
		want_fw >= 0 ? " firmware " : "", want_fw >= 0 ? psp_fw_status_name((uint32_t)want_fw) : "", msg, e->err);
	return 0;
}

void *conf_alloc(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

void conf_free(void *p, size_t len)
{
	if (p)
		munmap(p, len);
}

bool conf_owner_session(const uint8_t pdh[PSP_CERT_LEN], uint32_t policy, struct conf_owner *o)
{
	struct rng *rng = rng_new_os();
	struct sev_pubkey peer = { 0 };
	struct sev_session s;
	struct sev_tk tk;
	EVP_PKEY *godh = NULL;
	uint8_t z[48], nonce[16], iv[16];
	const char *why;
	bool ok = false;

	if (!rng || sev_cert_pubkey((const struct sev_cert *)pdh, &peer, &why) != SEV_STATUS_SUCCESS)
		goto out;
	godh = ec_p384_generate(rng);
	if (!godh || rng_bytes(rng, &tk, sizeof(tk)) || rng_bytes(rng, nonce, 16) || rng_bytes(rng, iv, 16) ||
	    ec_p384_ecdh(godh, peer.key, z) != 0 || sev_session_wrap(&tk, z, sizeof(z), nonce, iv, policy, &s) != 0 ||
	    sev_cert_build((struct sev_cert *)o->godh, 0, 0, SEV_USAGE_PDH, SEV_ALGO_ECDH_SHA256, godh) != 0)
		goto out;
	memcpy(o->session, &s, sizeof(s));
	memcpy(o->tek, tk.tek, 16);
	memcpy(o->tik, tk.tik, 16);
	ok = true;
out:
	secure_zero(z, sizeof(z));
	secure_zero(&tk, sizeof(tk));
	EVP_PKEY_free(godh);
	sev_pubkey_clear(&peer);
	rng_free(rng);
	return ok;
}

bool conf_owner_secret(const struct conf_owner *o, const uint8_t measurement[32], const void *secret, uint32_t len,
		       uint8_t hdr[PSP_HDR_LEN], void *ct)
{
	struct sev_tk tk;
	struct sev_pkt_ctx *pc;
	struct rng *rng = rng_new_os();
	uint8_t iv[16];
	bool ok;

	memcpy(tk.tek, o->tek, 16);
	memcpy(tk.tik, o->tik, 16);
	pc = sev_pkt_ctx_new(&tk);
	ok = pc && rng && rng_bytes(rng, iv, 16) == 0 &&
	     sev_pkt_seal(pc, SEV_PKT_CTX_SECRET, iv, secret, len, measurement, ct, hdr) == 0;
	sev_pkt_ctx_free(pc);
	rng_free(rng);
	secure_zero(&tk, sizeof(tk));
	return ok;
}
