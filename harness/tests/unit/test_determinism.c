/* Deterministic mode end to end, through psp/ and the migration engine only: two runs
 * with the same seeds in two different directories give byte-identical state
 * directories (the emulated AMD root included), certificate exports, launch
 * transcripts (measurement, secret packet, attestation report) and migration streams;
 * another seed, or no seed at all, gives different bytes.  Lock files hold a pid and
 * are the only files left out of the comparison. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emu/crypto/rng.h"
#include "emu/fw/fw.h"
#include "emu/util/file.h"
#include "harness/migrate/migrate.h"
#include "harness/owner/launch.h"
#include "harness/owner/measure.h"
#include "harness/owner/secret.h"
#include "harness/owner/session.h"
#include "harness/testlib/testlib.h"
#include "psp/psp.h"

#define PAGE 4096

/* Seeds of one run; NULL: OS randomness.  root: an existing AMD root to use, or NULL
 * to make one in the run's directory. */
struct seeds {
	const char *src, *dst, *owner;
	const char *root;
};

static int save(const char *dir, const char *name, const void *p, size_t n)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return file_write_atomic(path, p, n, 0600);
}

static void uri(char *out, size_t n, const char *dir, const char *name, const char *seed, const char *root)
{
	if (seed)
		snprintf(out, n, "emu:%s/%s?seed=%s&root=%s", dir, name, seed, root);
	else
		snprintf(out, n, "emu:%s/%s?root=%s", dir, name, root);
}

static struct rng *owner_rng(const char *seed_hex)
{
	uint8_t seed[64];
	size_t n = strlen(seed_hex) / 2;

	for (size_t i = 0; i < n && i < sizeof(seed); i++)
		sscanf(seed_hex + 2 * i, "%2hhx", &seed[i]);
	return rng_new_seeded(seed, n, "test-determinism-owner");
}

/* The platform's certificates as `swsev platform export` writes them. */
static int export(struct psp *p, const char *dir)
{
	uint8_t pdh[PSP_CERT_LEN], chain[PSP_CERT_CHAIN_LEN], ark[1600], ask[1600], cek[PSP_CERT_LEN], id[128];
	size_t ark_len = sizeof(ark), ask_len = sizeof(ask);
	uint32_t id_len = sizeof(id);
	struct psp_err e;

	if (psp_pdh_cert_export(p, pdh, chain, &e) || psp_kds_certs(p, ark, &ark_len, ask, &ask_len, cek, &e) ||
	    psp_get_id(p, id, &id_len, &e))
		return -1;
	return save(dir, "export-pdh.cert", pdh, sizeof(pdh)) || save(dir, "export-chain.cert", chain, sizeof(chain)) ||
	       save(dir, "export-ark.cert", ark, ark_len) || save(dir, "export-ask.cert", ask, ask_len) ||
	       save(dir, "export-cek.cert", cek, sizeof(cek)) || save(dir, "export-id.bin", id, id_len);
}

/* A launch with a guest owner: session, measurement, secret, attestation; every byte
 * the platform and the owner exchanged goes into launch.bin. */
static int launch(struct psp *p, const char *dir, const char *owner_seed)
{
	static const uint8_t mnonce[16] = { 0xa7 };
	uint8_t pdh[PSP_CERT_LEN], chain[PSP_CERT_CHAIN_LEN], image[2 * PAGE], digest[32], m[32], iv[16];
	uint8_t secret[64], ct[64], hdr[52], report[PSP_REPORT_LEN], out[4096];
	struct owner_fw_version v = { 0, 24, 15 };
	struct owner_launch_cfg cfg = { 0 };
	struct owner_session s;
	struct owner_guest g;
	struct owner_err oe;
	struct psp_err e;
	struct rng *r = owner_seed ? owner_rng(owner_seed) : rng_new_os();
	size_t n = 0;
	int rc = -1;

	memset(&g, 0, sizeof(g));
	for (size_t i = 0; i < sizeof(image); i++)
		image[i] = (uint8_t)(i * 7);
	memset(secret, 'S', sizeof(secret));
	if (!r || psp_pdh_cert_export(p, pdh, chain, &e) ||
	    owner_session_create((const struct sev_cert *)pdh, 0, r, &s, &oe) || rng_bytes(r, iv, sizeof(iv)))
		goto out;
	cfg.godh = s.godh.raw;
	cfg.session = (const uint8_t *)&s.session;
	cfg.image = image;
	cfg.image_len = sizeof(image);
	if (owner_guest_launch(p, &cfg, &g) || owner_launch_digest(image, sizeof(image), NULL, 0, 0, digest, &oe) ||
	    owner_verify_measurement(g.measure, s.tk.tik, &v, 0, digest, m, &oe) ||
	    owner_package_secret(&s.tk, m, iv, 0, secret, sizeof(secret), ct, hdr, &oe) ||
	    owner_guest_inject(&g, hdr, ct, sizeof(ct), PAGE) || owner_guest_finish(&g) || owner_guest_attest(&g, mnonce, report))
		goto out;
	memcpy(out + n, s.godh.raw, PSP_CERT_LEN), n += PSP_CERT_LEN;
	memcpy(out + n, &s.session, PSP_SESSION_LEN), n += PSP_SESSION_LEN;
	memcpy(out + n, g.measure, PSP_MEASURE_LEN), n += PSP_MEASURE_LEN;
	memcpy(out + n, hdr, sizeof(hdr)), n += sizeof(hdr);
	memcpy(out + n, ct, sizeof(ct)), n += sizeof(ct);
	memcpy(out + n, report, sizeof(report)), n += sizeof(report);
	rc = save(dir, "launch.bin", out, n);
out:
	owner_guest_free(&g);
	owner_session_clear(&s);
	rng_free(r);
	return rc;
}

/* A migration of an SEV-ES guest with policy SEV, one-way into stream.bin and back. */
static int migrate(struct psp *src, struct psp *dst, const char *dir)
{
	struct mig_vm s, d;
	struct mig_certs t;
	struct mig_send_opts so;
	struct mig_recv_opts ro = { false, NULL, 0 };
	struct mig_stats st, rs;
	struct mig_error err;
	char path[1024];
	int fd, rc = -1;

	snprintf(path, sizeof(path), "%s/stream.bin", dir);
	if (mig_local_certs(dst, NULL, &t, &err) ||
	    mig_vm_launch(src, &s, 16 * PAGE, SEV_POLICY_ES | SEV_POLICY_SEV, 1, 0.25, 42, &err))
		return -1;
	if (mig_vm_target(dst, &d, 16 * PAGE, 1, &err)) {
		mig_vm_free(&s);
		return -1;
	}
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	mig_send_opts_default(&so);
	so.target = &t;
	if (fd >= 0 && mig_send(&s, fd, -1, &so, &st, &err) == 0 && lseek(fd, 0, SEEK_SET) == 0 &&
	    mig_receive(&d, fd, -1, &ro, &rs, &err) == 0 && mig_verify(&s, &d, &err) == 0)
		rc = 0;
	if (rc) {
		char m[600];
		mig_error_format(&err, m, sizeof(m));
		fprintf(stderr, "\nmigration: %s\n", m);
	}
	if (fd >= 0)
		close(fd);
	mig_vm_free(&d);
	mig_vm_free(&s);
	return rc;
}

static int run(const char *dir, const struct seeds *sd)
{
	char u1[1200], u2[1200], root[1024];
	struct psp *src = NULL, *dst = NULL;
	struct psp_err e;
	int rc = -1;

	snprintf(root, sizeof(root), "%s", sd->root ? sd->root : dir);
	if (!sd->root)
		strncat(root, "/amd-root", sizeof(root) - strlen(root) - 1);
	uri(u1, sizeof(u1), dir, "src", sd->src, root);
	uri(u2, sizeof(u2), dir, "dst", sd->dst, root);
	if (psp_open(u1, &src, &e) || psp_open(u2, &dst, &e)) {
		char m[400];
		psp_err_format(&e, m, sizeof(m));
		fprintf(stderr, "\nopen: %s\n", m);
		goto out;
	}
	if (export(src, dir) || launch(src, dir, sd->owner) || migrate(src, dst, dir))
		goto out;
	rc = 0;
out:
	psp_close(dst);
	psp_close(src);
	return rc;
}

/* ---- comparing trees ---------------------------------------------------------------- */

/* Regular files below dir, leaving out files named "lock"; -1 on error. */
static int count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[2048];
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") || !strcmp(de->d_name, "lock"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (lstat(path, &st))
			n = -1;
		else if (S_ISDIR(st.st_mode)) {
			int k = count_files(path);
			n = n < 0 || k < 0 ? -1 : n + k;
		} else
			n = n < 0 ? n : n + 1;
	}
	closedir(d);
	return n;
}

static int same_file(const char *a, const char *b)
{
	size_t na, nb;
	uint8_t *x = file_read_all(a, &na), *y = file_read_all(b, &nb);
	int same = x && y && na == nb && !memcmp(x, y, na);

	free(x);
	free(y);
	return same;
}

/* Every file below a (but "lock") equals its twin below b: the number compared, or -1
 * after printing the first difference.  count_files(b) == the result shows b has no
 * others. */
static int compare_tree(const char *a, const char *b)
{
	DIR *d = opendir(a);
	struct dirent *de;
	char pa[2048], pb[2048];
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)) && n >= 0) {
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") || !strcmp(de->d_name, "lock"))
			continue;
		snprintf(pa, sizeof(pa), "%s/%s", a, de->d_name);
		snprintf(pb, sizeof(pb), "%s/%s", b, de->d_name);
		if (lstat(pa, &st)) {
			n = -1;
		} else if (S_ISDIR(st.st_mode)) {
			int k = compare_tree(pa, pb);
			n = k < 0 ? -1 : n + k;
		} else if (!same_file(pa, pb)) {
			fprintf(stderr, "\ndeterminism: %s and %s differ\n", pa, pb);
			n = -1;
		} else {
			n++;
		}
	}
	closedir(d);
	return n;
}

static int differs(const char *a, const char *b, const char *name)
{
	char pa[2048], pb[2048];

	snprintf(pa, sizeof(pa), "%s/%s", a, name);
	snprintf(pb, sizeof(pb), "%s/%s", b, name);
	return access(pa, R_OK) == 0 && access(pb, R_OK) == 0 && !same_file(pa, pb);
}

static const char *const outputs[] = {
	"src/identity", "src/spi", "dst/identity", "export-pdh.cert", "export-cek.cert", "export-id.bin", "launch.bin",
	"stream.bin",
};

static char first[1024];

static void test_same_seed_same_bytes(void)
{
	const struct seeds sd = { "5eed01", "5eed02", "0a", NULL };
	char a[1024], b[1024];
	int na, nb, nc;

	snprintf(a, sizeof(a), "%s", test_tmpdir("determinism-a"));
	snprintf(b, sizeof(b), "%s", test_tmpdir("determinism-b"));
	CU_ASSERT_EQUAL_FATAL(run(a, &sd), 0);
	CU_ASSERT_EQUAL_FATAL(run(b, &sd), 0);
	na = count_files(a);
	nb = count_files(b);
	nc = compare_tree(a, b);
	/* src, dst: identity + spi; the root; six exports; launch.bin; stream.bin */
	CU_ASSERT(na >= 13);
	CU_ASSERT_EQUAL(na, nb);
	CU_ASSERT_EQUAL(nc, na);
	snprintf(first, sizeof(first), "%s", a);
}

static void test_other_seed_other_bytes(void)
{
	char c[1024], root[1100];
	struct seeds sd = { "5eed03", "5eed04", "0b", root };

	if (!first[0]) {
		CU_FAIL("the same-seed run did not complete");
		return;
	}
	snprintf(root, sizeof(root), "%s/amd-root", first);
	snprintf(c, sizeof(c), "%s", test_tmpdir("determinism-c"));
	CU_ASSERT_EQUAL_FATAL(run(c, &sd), 0);
	for (size_t i = 0; i < sizeof(outputs) / sizeof(outputs[0]); i++) {
		if (!differs(first, c, outputs[i]))
			fprintf(stderr, "\ndeterminism: %s is the same under another seed\n", outputs[i]);
		CU_ASSERT(differs(first, c, outputs[i]));
	}
}

static void test_unseeded_runs_differ(void)
{
	char d[1024], e[1024], root[1100];
	struct seeds sd = { NULL, NULL, NULL, root };

	if (!first[0]) {
		CU_FAIL("the same-seed run did not complete");
		return;
	}
	snprintf(root, sizeof(root), "%s/amd-root", first);
	snprintf(d, sizeof(d), "%s", test_tmpdir("determinism-d"));
	snprintf(e, sizeof(e), "%s", test_tmpdir("determinism-e"));
	CU_ASSERT_EQUAL_FATAL(run(d, &sd), 0);
	CU_ASSERT_EQUAL_FATAL(run(e, &sd), 0);
	for (size_t i = 0; i < sizeof(outputs) / sizeof(outputs[0]); i++) {
		if (!differs(d, e, outputs[i]))
			fprintf(stderr, "\ndeterminism: %s is the same in two unseeded runs\n", outputs[i]);
		CU_ASSERT(differs(d, e, outputs[i]));
	}
}

TEST_SUITE(determinism, NULL, NULL, TEST(test_same_seed_same_bytes), TEST(test_other_seed_other_bytes),
	   TEST(test_unseeded_runs_differ))
