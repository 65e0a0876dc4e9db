/* The driver: the file list, the per-file input stream, scratch space, and writing
 * the results. */
#include "vectors/gen/vg.h"

#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emu/util/file.h"

struct vg {
	const struct vg_file *file;
	const char *certs;
	struct rng *rng;
	char tmp[4096];
	bool have_tmp;
	char msg[1024];
	bool failed;
};

const struct vg_file vg_files[] = {
	{ "kat-published.txt", "Published known-answer tests (../shared/spec/vectors.md), with sources", vg_gen_published },
	{ "kdf.txt", "SEV KDF: NIST SP 800-108 counter mode, HMAC-SHA256, little-endian counter and length", vg_gen_kdf },
	{ "session.txt", "Trusted-channel session blobs: master secret, KEK/KIK, TEK/TIK key wrap, MACs", vg_gen_session },
	{ "ecdh.txt", "P-384 ECDH shared secrets and SEV certificate point encodings", vg_gen_ecdh },
	{ "measurement.txt", "Launch digest and launch measurement (API >= 0.17 and pre-0.17 forms)", vg_gen_measurement },
	{ "launch-secret.txt", "LAUNCH_SECRET packets, and packets the firmware must refuse", vg_gen_launch_secret },
	{ "transport.txt", "SEND/RECEIVE_UPDATE_DATA and _VMSA transport packets, and refusals", vg_gen_transport },
	{ "cert-sev.txt", "SEV certificates (0x824 bytes): signing, validation, and each tampered field's status", vg_gen_cert_sev },
	{ "cert-amd.txt", "AMD certificates (ARK, ASK): RSA-PSS signing, validation, tampered fields", vg_gen_cert_amd },
	{ "attestation.txt", "ATTESTATION reports from a seeded platform, and reports a verifier must refuse", vg_gen_attestation },
	{ "transcript-launch.txt", "A full launch on a seeded platform: every firmware command's buffers", vg_gen_launch },
	{ "transcript-migration.txt", "A full migration between two seeded platforms: every firmware command's buffers", vg_gen_migration },
};
const size_t vg_nfiles = sizeof(vg_files) / sizeof(vg_files[0]);

int vg_fail(struct vg *g, const char *fmt, ...)
{
	va_list ap;

	if (g->failed)
		return -1;
	va_start(ap, fmt);
	vsnprintf(g->msg, sizeof(g->msg), fmt, ap);
	va_end(ap);
	g->failed = true;
	return -1;
}

struct rng *vg_rng(struct vg *g)
{
	if (!g->rng)
		g->rng = rng_new_seeded((const uint8_t *)VG_SEED, strlen(VG_SEED), g->file->name);
	if (!g->rng)
		vg_fail(g, "cannot seed the input stream");
	return g->rng;
}

int vg_draw(struct vg *g, void *out, size_t n)
{
	struct rng *r = vg_rng(g);

	if (!r || rng_bytes(r, out, n) != 0)
		return vg_fail(g, "the input stream failed");
	return 0;
}

const char *vg_tmpdir(struct vg *g)
{
	if (!g->have_tmp) {
		const char *t = getenv("TMPDIR");

		snprintf(g->tmp, sizeof(g->tmp), "%s/swsev-vectors.XXXXXX", t && *t ? t : "/tmp");
		if (!mkdtemp(g->tmp)) {
			vg_fail(g, "cannot make a scratch directory: %s", strerror(errno));
			return NULL;
		}
		g->have_tmp = true;
	}
	return g->tmp;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void vg_end(struct vg *g)
{
	rng_free(g->rng);
	g->rng = NULL;
	if (g->have_tmp)
		nftw(g->tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	g->have_tmp = false;
}

void vg_header(struct vw *w, const struct vg_file *f)
{
	vw_comment(w, "swsev conformance vectors: %s\n%s\n\n"
		      "Format and provenance: vectors/README.md.  Written by `swsev vectors generate`\n"
		      "(vectors/gen/); edit the generator, never this file.  Integers are 0x-prefixed;\n"
		      "every other value is a byte string in hex, lowest address first.",
		   f->name, f->title);
}

int vg_generate_text(const struct vg_file *f, const char *certs, struct vw *w, char *msg, size_t msglen)
{
	struct vg g;
	int rc;

	memset(&g, 0, sizeof(g));
	g.file = f;
	g.certs = certs;
	vw_init(w);
	vg_header(w, f);
	rc = f->gen(&g, w);
	if (rc == 0 && w->failed)
		rc = vg_fail(&g, "writing the text failed (out of memory or a malformed key)");
	if (rc == 0) {
		/* What readers will parse: the writer must never produce a line they refuse. */
		struct vf back;
		char why[256];

		if (vf_parse(w->buf, w->len, &back, why, sizeof(why)) != 0)
			rc = vg_fail(&g, "the text does not parse back: %s", why);
		else
			vf_free(&back);
	}
	if (rc != 0 && !g.failed)
		vg_fail(&g, "failed");
	vg_end(&g);
	if (rc != 0) {
		snprintf(msg, msglen, "%s: %s", f->name, g.msg);
		vw_free(w);
		return -1;
	}
	return 0;
}

int vg_generate(const char *outdir, const char *certs, const char *only, bool verbose, char *msg, size_t msglen)
{
	size_t done = 0;

	for (size_t i = 0; i < vg_nfiles; i++) {
		const struct vg_file *f = &vg_files[i];
		char path[4096];
		struct vw w;
		int rc;

		if (only && strcmp(only, f->name))
			continue;
		if (verbose)
			fprintf(stderr, "  %s\n", f->name);
		if (vg_generate_text(f, certs, &w, msg, msglen) != 0)
			return -1;
		snprintf(path, sizeof(path), "%s/%s", outdir, f->name);
		rc = file_write_atomic(path, w.buf, w.len, 0644);
		vw_free(&w);
		if (rc != 0) {
			snprintf(msg, msglen, "%s: %s", path, strerror(-rc));
			return -1;
		}
		done++;
	}
	if (only && !done) {
		snprintf(msg, msglen, "no vector file is called '%s'", only);
		return -1;
	}
	return 0;
}

const char *vg_certs_dir(struct vg *g)
{
	return g->certs;
}
