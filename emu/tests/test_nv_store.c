#include "emu/nv/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "emu/util/bytes.h"
#include "harness/testlib/testlib.h"

#define KIND_A NV_KIND('T', 'S', 'T', 'A')
#define KIND_B NV_KIND('T', 'S', 'T', 'B')
#define HDR    24
#define HASH   32

/* ---- helpers ---------------------------------------------------------------------- */

static struct nv_store *open_ok(const char *dir)
{
	struct nv_store *s = NULL;
	char msg[512] = "";
	enum nv_result r = nv_store_open(dir, 1, &s, msg, sizeof(msg));

	if (r != NV_OK)
		fprintf(stderr, "\nnv_store_open: %s: %s\n", nv_result_name(r), msg);
	CU_ASSERT_EQUAL_FATAL(r, NV_OK);
	return s;
}

static char *path_of(const char *dir, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		abort();
	return p;
}

static uint8_t *slurp(const char *dir, const char *name, size_t *len)
{
	char *p = path_of(dir, name);
	uint8_t *buf = NULL;
	struct stat st;
	int fd = open(p, O_RDONLY | O_CLOEXEC);

	free(p);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) == 0) {
		buf = malloc((size_t)st.st_size + 1);
		if (buf && read(fd, buf, (size_t)st.st_size) != st.st_size) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)st.st_size;
	}
	close(fd);
	return buf;
}

static void spit(const char *dir, const char *name, const uint8_t *buf, size_t len)
{
	char *p = path_of(dir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	free(p);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, buf, len) == (ssize_t)len);
	close(fd);
}

/* 1 if DIR/name holds exactly buf. */
static int file_is(const char *dir, const char *name, const uint8_t *buf, size_t len)
{
	size_t got_len = 0;
	uint8_t *got = slurp(dir, name, &got_len);
	int same = got && got_len == len && memcmp(got, buf, len) == 0;

	free(got);
	return same;
}

/* Entries of dir other than "lock" and the given record names. */
static int stray_files(const char *dir, const char *const *names, size_t n)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int stray = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	while ((de = readdir(d)) != NULL) {
		int known = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
			    !strcmp(de->d_name, "lock");

		for (size_t i = 0; i < n; i++)
			known |= !strcmp(de->d_name, names[i]);
		if (!known) {
			fprintf(stderr, "\nstray file %s/%s\n", dir, de->d_name);
			stray++;
		}
	}
	closedir(d);
	return stray;
}

static void fill(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 131 + seed * 7 + (i >> 8));
}

/* Re-seals a hand-edited record so only the edited field is "wrong". */
static void reseal(uint8_t *rec, size_t len)
{
	unsigned int mdlen;

	CU_ASSERT_FATAL(EVP_Digest(rec, len - HASH, rec + len - HASH, &mdlen, EVP_sha256(), NULL) == 1);
}

static void write_ok(struct nv_store *s, const char *name, uint32_t kind, const uint8_t *p, size_t n)
{
	char msg[512] = "";
	enum nv_result r = nv_store_write(s, name, kind, p, n, msg, sizeof(msg));

	if (r != NV_OK)
		fprintf(stderr, "\nnv_store_write: %s: %s\n", nv_result_name(r), msg);
	CU_ASSERT_EQUAL(r, NV_OK);
}

static void expect_read(struct nv_store *s, const char *name, uint32_t kind, const uint8_t *p, size_t n)
{
	uint8_t *got = NULL;
	size_t len = 0;
	char msg[512] = "";
	enum nv_result r = nv_store_read(s, name, kind, &got, &len, msg, sizeof(msg));

	if (r != NV_OK)
		fprintf(stderr, "\nnv_store_read: %s: %s\n", nv_result_name(r), msg);
	CU_ASSERT_EQUAL_FATAL(r, NV_OK);
	CU_ASSERT_PTR_NOT_NULL(got);
	CU_ASSERT_EQUAL(len, n);
	if (len == n)
		CU_ASSERT_BYTES_EQUAL(got, p, n);
	free(got);
}

/* ---- records in memory ------------------------------------------------------------ */

static void test_nv_result_names(void)
{
	CU_ASSERT_STRING_EQUAL(nv_result_name(NV_OK), "OK");
	CU_ASSERT_STRING_EQUAL(nv_result_name(NV_NOENT), "NOENT");
	CU_ASSERT_STRING_EQUAL(nv_result_name(NV_CORRUPT), "CORRUPT");
	CU_ASSERT_STRING_EQUAL(nv_result_name(NV_FOREIGN), "FOREIGN");
	CU_ASSERT_STRING_EQUAL(nv_result_name(NV_VERSION), "VERSION");
	CU_ASSERT_STRING_EQUAL(nv_result_name(NV_IO), "IO");
	CU_ASSERT_STRING_EQUAL(nv_result_name(NV_LOCKED), "LOCKED");
	CU_ASSERT_STRING_EQUAL(nv_result_name((enum nv_result)99), "UNKNOWN");
}

static void test_nv_record_layout(void)
{
	static const uint8_t payload[5] = { 'h', 'e', 'l', 'l', 'o' };
	uint8_t md[HASH], *rec;
	const uint8_t *data;
	unsigned int mdlen;
	size_t len, dlen;

	CU_ASSERT_EQUAL_FATAL(nv_record_encode(KIND_A, payload, sizeof(payload), &rec, &len), 0);
	CU_ASSERT_EQUAL_FATAL(len, HDR + sizeof(payload) + HASH);
	CU_ASSERT_BYTES_EQUAL(rec, "SWSEVNV\0", 8);
	CU_ASSERT_EQUAL(le32_get(rec + 8), NV_FORMAT_VERSION);
	CU_ASSERT_EQUAL(le32_get(rec + 12), KIND_A);
	CU_ASSERT_EQUAL(le64_get(rec + 16), sizeof(payload));
	CU_ASSERT_BYTES_EQUAL(rec + HDR, payload, sizeof(payload));
	CU_ASSERT_FATAL(EVP_Digest(rec, len - HASH, md, &mdlen, EVP_sha256(), NULL) == 1);
	CU_ASSERT_BYTES_EQUAL(rec + len - HASH, md, HASH);

	CU_ASSERT_EQUAL(nv_record_decode(rec, len, KIND_A, &data, &dlen, NULL, 0), NV_OK);
	CU_ASSERT_PTR_EQUAL(data, rec + HDR);
	CU_ASSERT_EQUAL(dlen, sizeof(payload));
	free(rec);

	/* An empty payload is a valid record. */
	CU_ASSERT_EQUAL_FATAL(nv_record_encode(KIND_B, NULL, 0, &rec, &len), 0);
	CU_ASSERT_EQUAL(len, HDR + HASH);
	CU_ASSERT_EQUAL(nv_record_decode(rec, len, KIND_B, &data, &dlen, NULL, 0), NV_OK);
	CU_ASSERT_EQUAL(dlen, 0);
	free(rec);
}

/* Every bit of a record, bare and inside a zero-padded INIT_EX-style area. */
static void test_nv_record_every_bit_flip(void)
{
	uint8_t payload[40], *rec, *area;
	const uint8_t *data;
	size_t len, dlen;
	char msg[256];

	fill(payload, sizeof(payload), 1);
	CU_ASSERT_EQUAL_FATAL(nv_record_encode(KIND_A, payload, sizeof(payload), &rec, &len), 0);
	area = calloc(1, len + 64);
	CU_ASSERT_PTR_NOT_NULL_FATAL(area);
	memcpy(area, rec, len);
	for (size_t i = 0; i < len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			enum nv_result r;

			rec[i] ^= (uint8_t)(1 << bit);
			r = nv_record_decode(rec, len, KIND_A, &data, &dlen, msg, sizeof(msg));
			CU_ASSERT_EQUAL(r, i < 8 ? NV_FOREIGN : NV_CORRUPT);
			CU_ASSERT_PTR_NULL(data);
			rec[i] ^= (uint8_t)(1 << bit);

			area[i] ^= (uint8_t)(1 << bit);
			r = nv_record_decode(area, len + 64, KIND_A, &data, &dlen, msg, sizeof(msg));
			CU_ASSERT_EQUAL(r, i < 8 ? NV_FOREIGN : NV_CORRUPT);
			CU_ASSERT_PTR_NULL(data);
			area[i] ^= (uint8_t)(1 << bit);
		}
	}
	CU_ASSERT_EQUAL(nv_record_decode(rec, len, KIND_A, &data, &dlen, NULL, 0), NV_OK);
	free(area);
	free(rec);
}

/* INIT_EX keeps the record at the start of a fixed-size area; the rest stays zero. */
static void test_nv_record_padded_area(void)
{
	const size_t area_len = 0x8000;
	uint8_t payload[100], *rec, *area;
	const uint8_t *data;
	size_t len, dlen;
	char msg[256];

	fill(payload, sizeof(payload), 2);
	CU_ASSERT_EQUAL_FATAL(nv_record_encode(KIND_A, payload, sizeof(payload), &rec, &len), 0);
	area = calloc(1, area_len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(area);
	memcpy(area, rec, len);
	CU_ASSERT_EQUAL(nv_record_decode(area, area_len, KIND_A, &data, &dlen, msg, sizeof(msg)), NV_OK);
	CU_ASSERT_PTR_EQUAL(data, area + HDR);
	CU_ASSERT_EQUAL(dlen, sizeof(payload));
	CU_ASSERT_EQUAL(nv_record_decode(area, len, KIND_A, &data, &dlen, NULL, 0), NV_OK);

	for (size_t i = len; i < area_len; i += 997) {
		area[i] = 0xff;
		CU_ASSERT_EQUAL(nv_record_decode(area, area_len, KIND_A, &data, &dlen, msg, sizeof(msg)),
				NV_CORRUPT);
		area[i] = 0;
	}
	area[area_len - 1] = 1;
	CU_ASSERT_EQUAL(nv_record_decode(area, area_len, KIND_A, &data, &dlen, msg, sizeof(msg)), NV_CORRUPT);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "after the"));
	area[area_len - 1] = 0;

	/* A padded area shorter than the record's header says is truncated. */
	CU_ASSERT_EQUAL(nv_record_decode(area, len - 1, KIND_A, &data, &dlen, msg, sizeof(msg)), NV_CORRUPT);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "truncated"));
	free(area);
	free(rec);
}

static void test_nv_record_version_and_kind(void)
{
	uint8_t payload[8] = { 0 }, *rec;
	const uint8_t *data;
	size_t len, dlen;
	char msg[256];

	CU_ASSERT_EQUAL_FATAL(nv_record_encode(KIND_A, payload, sizeof(payload), &rec, &len), 0);
	CU_ASSERT_EQUAL(nv_record_decode(rec, len, KIND_B, &data, &dlen, msg, sizeof(msg)), NV_FOREIGN);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "'TSTA'"));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "'TSTB'"));

	le32_put(rec + 8, NV_FORMAT_VERSION + 1);
	reseal(rec, len);
	CU_ASSERT_EQUAL(nv_record_decode(rec, len, KIND_A, &data, &dlen, msg, sizeof(msg)), NV_VERSION);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "newer"));

	le32_put(rec + 8, 0);
	reseal(rec, len);
	CU_ASSERT_EQUAL(nv_record_decode(rec, len, KIND_A, &data, &dlen, msg, sizeof(msg)), NV_CORRUPT);

	/* A length field that disagrees with the size, even under a valid hash. */
	le32_put(rec + 8, NV_FORMAT_VERSION);
	le64_put(rec + 16, sizeof(payload) - 1);
	reseal(rec, len);
	CU_ASSERT_EQUAL(nv_record_decode(rec, len, KIND_A, &data, &dlen, msg, sizeof(msg)), NV_CORRUPT);
	le64_put(rec + 16, UINT64_MAX);
	reseal(rec, len);
	CU_ASSERT_EQUAL(nv_record_decode(rec, len, KIND_A, &data, &dlen, msg, sizeof(msg)), NV_CORRUPT);
	free(rec);

	CU_ASSERT_EQUAL(nv_record_decode(NULL, 0, KIND_A, &data, &dlen, msg, sizeof(msg)), NV_CORRUPT);
	CU_ASSERT_EQUAL(nv_record_decode((const uint8_t *)"PK\3\4", 4, KIND_A, &data, &dlen, msg,
					 sizeof(msg)), NV_FOREIGN);
}

/* ---- the directory ---------------------------------------------------------------- */

static void test_nv_roundtrip(void)
{
	static const size_t sizes[] = { 0, 1, 55, 56, 1000, 100000 };
	const char *dir = test_tmpdir("nv");
	struct nv_store *s = open_ok(dir);
	uint8_t *buf = malloc(100000);

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	CU_ASSERT_STRING_EQUAL(nv_store_dir(s), dir);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		fill(buf, sizes[i], (unsigned)i);
		write_ok(s, "rec", KIND_A, buf, sizes[i]);
		expect_read(s, "rec", KIND_A, buf, sizes[i]);
	}
	nv_store_close(s);
	free(buf);
}

static void test_nv_survives_reopen(void)
{
	const char *dir = test_tmpdir("nv");
	struct nv_store *s = open_ok(dir);
	uint8_t a[100], b[33];

	fill(a, sizeof(a), 1);
	fill(b, sizeof(b), 2);
	write_ok(s, "identity", KIND_A, a, sizeof(a));
	write_ok(s, "owner.pek", KIND_B, b, sizeof(b));
	nv_store_close(s);

	s = open_ok(dir);
	expect_read(s, "identity", KIND_A, a, sizeof(a));
	expect_read(s, "owner.pek", KIND_B, b, sizeof(b));
	nv_store_close(s);
}

static void test_nv_open_missing_and_create(void)
{
	const char *base = test_tmpdir("nv");
	char *dir = path_of(base, "a/b/state");
	struct nv_store *s = NULL;
	char msg[512];
	struct stat st;

	CU_ASSERT_EQUAL(nv_store_open(dir, 0, &s, msg, sizeof(msg)), NV_NOENT);
	CU_ASSERT_PTR_NULL(s);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, dir));
	CU_ASSERT_NOT_EQUAL(stat(dir, &st), 0);

	s = open_ok(dir);
	CU_ASSERT_EQUAL_FATAL(stat(dir, &st), 0);
	CU_ASSERT_TRUE(S_ISDIR(st.st_mode));
	CU_ASSERT_EQUAL(st.st_mode & 0077, 0);
	nv_store_close(s);
	free(dir);

	/* A file where the directory should be. */
	dir = path_of(base, "plainfile");
	spit(base, "plainfile", (const uint8_t *)"x", 1);
	CU_ASSERT_EQUAL(nv_store_open(dir, 1, &s, msg, sizeof(msg)), NV_IO);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, dir));
	CU_ASSERT_EQUAL(nv_store_open(dir, 0, &s, msg, sizeof(msg)), NV_IO);
	free(dir);
}

static void test_nv_file_modes(void)
{
	const char *dir = test_tmpdir("nv");
	struct nv_store *s;
	mode_t old = umask(0);
	char *p;
	struct stat st;
	uint8_t k[32] = { 0 };

	/* With umask 0 only the store's own modes restrict access. */
	s = open_ok(dir);
	write_ok(s, "key", KIND_A, k, sizeof(k));
	umask(old);
	p = path_of(dir, "key");
	CU_ASSERT_EQUAL(stat(p, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0600);
	free(p);
	p = path_of(dir, "lock");
	CU_ASSERT_EQUAL(stat(p, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0600);
	free(p);
	nv_store_close(s);

	old = umask(0);
	p = path_of(test_tmpdir("nv"), "new");
	s = open_ok(p);
	umask(old);
	CU_ASSERT_EQUAL(stat(p, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0700);
	nv_store_close(s);
	free(p);
}

static void test_nv_missing_and_remove(void)
{
	const char *dir = test_tmpdir("nv");
	struct nv_store *s = open_ok(dir);
	uint8_t *data = (uint8_t *)"x";
	size_t len = 5;
	char msg[512];

	CU_ASSERT_EQUAL(nv_store_read(s, "nope", KIND_A, &data, &len, msg, sizeof(msg)), NV_NOENT);
	CU_ASSERT_PTR_NULL(data);
	CU_ASSERT_EQUAL(len, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "nope"));
	CU_ASSERT_EQUAL(nv_store_remove(s, "nope", msg, sizeof(msg)), NV_OK);

	write_ok(s, "r", KIND_A, (const uint8_t *)"abc", 3);
	CU_ASSERT_EQUAL(nv_store_remove(s, "r", msg, sizeof(msg)), NV_OK);
	CU_ASSERT_EQUAL(nv_store_read(s, "r", KIND_A, &data, &len, msg, sizeof(msg)), NV_NOENT);
	CU_ASSERT_EQUAL(stray_files(dir, NULL, 0), 0);
	nv_store_close(s);
}

static void test_nv_bad_names(void)
{
	static const char *const bad[] = { "", ".", "..", "../x", "a/b", "/abs", ".hidden", "lock",
					   ".tmp.x", "sp ace", "nl\n" };
	const char *dir = test_tmpdir("nv");
	struct nv_store *s = open_ok(dir);
	uint8_t *data;
	size_t len;
	char msg[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT_EQUAL(nv_store_write(s, bad[i], KIND_A, (const uint8_t *)"x", 1, msg, sizeof(msg)),
				NV_IO);
		CU_ASSERT_PTR_NOT_NULL(strstr(msg, "invalid record name"));
		CU_ASSERT_EQUAL(nv_store_read(s, bad[i], KIND_A, &data, &len, msg, sizeof(msg)), NV_IO);
		CU_ASSERT_EQUAL(nv_store_remove(s, bad[i], msg, sizeof(msg)), NV_IO);
	}
	CU_ASSERT_EQUAL(nv_store_write(s, NULL, KIND_A, (const uint8_t *)"x", 1, msg, sizeof(msg)), NV_IO);
	CU_ASSERT_EQUAL(stray_files(dir, NULL, 0), 0);
	nv_store_close(s);
}

/* Every single-byte change to a record file is caught, and neither the failed read
 * nor a write attempted over it changes the file. */
static void test_nv_file_byte_flips(void)
{
	static const char *const names[] = { "rec" };
	const char *dir = test_tmpdir("nv");
	struct nv_store *s = open_ok(dir);
	uint8_t payload[40], *orig, *bad;
	size_t len, n_corrupt = 0, n_foreign = 0;
	char msg[512];

	fill(payload, sizeof(payload), 3);
	write_ok(s, "rec", KIND_A, payload, sizeof(payload));
	orig = slurp(dir, "rec", &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(orig);
	CU_ASSERT_EQUAL_FATAL(len, HDR + sizeof(payload) + HASH);
	bad = malloc(len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(bad);

	for (size_t i = 0; i < len; i++) {
		static const uint8_t flips[] = { 0x01, 0x80, 0xff };

		for (size_t f = 0; f < sizeof(flips); f++) {
			uint8_t *data = NULL;
			size_t dlen;
			enum nv_result r;

			memcpy(bad, orig, len);
			bad[i] ^= flips[f];
			spit(dir, "rec", bad, len);
			r = nv_store_read(s, "rec", KIND_A, &data, &dlen, msg, sizeof(msg));
			CU_ASSERT(r == NV_CORRUPT || r == NV_FOREIGN);
			CU_ASSERT_EQUAL(r, i < 8 ? NV_FOREIGN : NV_CORRUPT);
			n_corrupt += r == NV_CORRUPT;
			n_foreign += r == NV_FOREIGN;
			CU_ASSERT_PTR_NULL(data);
			CU_ASSERT_PTR_NOT_NULL(strstr(msg, dir));
			CU_ASSERT_TRUE(file_is(dir, "rec", bad, len));

			r = nv_store_write(s, "rec", KIND_A, payload, sizeof(payload), msg, sizeof(msg));
			CU_ASSERT(r == NV_CORRUPT || r == NV_FOREIGN);
			CU_ASSERT_PTR_NOT_NULL(strstr(msg, "not overwriting"));
			CU_ASSERT_TRUE(file_is(dir, "rec", bad, len));
		}
	}
	CU_ASSERT_EQUAL(n_foreign, 8 * 3);
	CU_ASSERT_EQUAL(n_corrupt, (len - 8) * 3);
	CU_ASSERT_EQUAL(stray_files(dir, names, 1), 0);

	/* The documented message for a damaged body. */
	memcpy(bad, orig, len);
	bad[HDR + 3] ^= 0x10;
	spit(dir, "rec", bad, len);
	{
		uint8_t *data;
		size_t dlen;
		char want[512];

		CU_ASSERT_EQUAL(nv_store_read(s, "rec", KIND_A, &data, &dlen, msg, sizeof(msg)), NV_CORRUPT);
		snprintf(want, sizeof(want), "%s/rec: checksum mismatch (file corrupt)", dir);
		CU_ASSERT_STRING_EQUAL(msg, want);
		nv_store_write(s, "rec", KIND_A, payload, sizeof(payload), msg, sizeof(msg));
		snprintf(want, sizeof(want), "%s/rec: checksum mismatch (file corrupt); not overwriting", dir);
		CU_ASSERT_STRING_EQUAL(msg, want);
	}

	/* Removing is how an operator discards it; then writing works again. */
	CU_ASSERT_EQUAL(nv_store_remove(s, "rec", msg, sizeof(msg)), NV_OK);
	write_ok(s, "rec", KIND_A, payload, sizeof(payload));
	expect_read(s, "rec", KIND_A, payload, sizeof(payload));
	nv_store_close(s);
	free(bad);
	free(orig);
}

static void test_nv_file_truncated(void)
{
	const char *dir = test_tmpdir("nv");
	struct nv_store *s = open_ok(dir);
	uint8_t payload[20], *orig;
	size_t len;
	char msg[512];

	fill(payload, sizeof(payload), 4);
	write_ok(s, "rec", KIND_A, payload, sizeof(payload));
	orig = slurp(dir, "rec", &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(orig);
	for (size_t cut = 0; cut < len; cut++) {
		uint8_t *data = NULL;
		size_t dlen;

		spit(dir, "rec", orig, cut);
		CU_ASSERT_EQUAL(nv_store_read(s, "rec", KIND_A, &data, &dlen, msg, sizeof(msg)), NV_CORRUPT);
		CU_ASSERT_PTR_NULL(data);
		CU_ASSERT_TRUE(file_is(dir, "rec", orig, cut));
		CU_ASSERT_EQUAL(nv_store_write(s, "rec", KIND_A, payload, sizeof(payload), msg, sizeof(msg)),
				NV_CORRUPT);
		CU_ASSERT_TRUE(file_is(dir, "rec", orig, cut));
	}
	spit(dir, "rec", orig, len - 1);
	nv_store_read(s, "rec", KIND_A, &(uint8_t *){ NULL }, &(size_t){ 0 }, msg, sizeof(msg));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "truncated"));
	nv_store_close(s);
	free(orig);
}

static void test_nv_file_trailing_garbage(void)
{
	static const size_t extra[] = { 1, 7, 31, 32, 33, 100, 5000 };
	const char *dir = test_tmpdir("nv");
	struct nv_store *s = open_ok(dir);
	uint8_t payload[20], *orig, *big;
	size_t len;
	char msg[512];

	fill(payload, sizeof(payload), 5);
	write_ok(s, "rec", KIND_A, payload, sizeof(payload));
	orig = slurp(dir, "rec", &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(orig);
	big = malloc(len + 5000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
		uint8_t *data = NULL;
		size_t dlen;

		memcpy(big, orig, len);
		memset(big + len, (int)i, extra[i]);
		spit(dir, "rec", big, len + extra[i]);
		CU_ASSERT_EQUAL(nv_store_read(s, "rec", KIND_A, &data, &dlen, msg, sizeof(msg)), NV_CORRUPT);
		CU_ASSERT_PTR_NULL(data);
		CU_ASSERT_TRUE(file_is(dir, "rec", big, len + extra[i]));
	}
	/* A whole second record appended is still trailing garbage. */
	memcpy(big, orig, len);
	memcpy(big + len, orig, len);
	spit(dir, "rec", big, 2 * len);
	CU_ASSERT_EQUAL(nv_store_read(s, "rec", KIND_A, &(uint8_t *){ NULL }, &(size_t){ 0 }, msg,
				      sizeof(msg)), NV_CORRUPT);
	nv_store_close(s);
	free(big);
	free(orig);
}

static void test_nv_file_newer_version(void)
{
	const char *dir = test_tmpdir("nv");
	struct nv_store *s = open_ok(dir);
	uint8_t payload[16] = { 1 }, *rec, *data = NULL;
	size_t len, dlen;
	char msg[512];

	CU_ASSERT_EQUAL_FATAL(nv_record_encode(KIND_A, payload, sizeof(payload), &rec, &len), 0);
	le32_put(rec + 8, NV_FORMAT_VERSION + 1);
	reseal(rec, len);
	spit(dir, "rec", rec, len);
	CU_ASSERT_EQUAL(nv_store_read(s, "rec", KIND_A, &data, &dlen, msg, sizeof(msg)), NV_VERSION);
	CU_ASSERT_PTR_NULL(data);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "format version 2"));
	/* An older build must not clobber a newer one's state. */
	CU_ASSERT_EQUAL(nv_store_write(s, "rec", KIND_A, payload, sizeof(payload), msg, sizeof(msg)),
			NV_VERSION);
	CU_ASSERT_TRUE(file_is(dir, "rec", rec, len));
	free(rec);

	/* A newer format may give the payload another meaning and size; the frame is
	 * what lets this build tell "newer" from "damaged". */
	rec = calloc(1, HDR + 3 + HASH + 16);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rec);
	memcpy(rec, "SWSEVNV\0", 8);
	le32_put(rec + 8, 7);
	le32_put(rec + 12, KIND_A);
	le64_put(rec + 16, 3);
	reseal(rec, HDR + 3 + HASH);
	CU_ASSERT_EQUAL(nv_record_decode(rec, HDR + 3 + HASH, KIND_A, (const uint8_t **)&data, &dlen, msg,
					 sizeof(msg)), NV_VERSION);
	CU_ASSERT_EQUAL(nv_record_decode(rec, HDR + 3 + HASH + 16, KIND_A, (const uint8_t **)&data, &dlen,
					 msg, sizeof(msg)), NV_VERSION);
	free(rec);
	nv_store_close(s);
}

static void test_nv_file_foreign(void)
{
	static const char text[] = "[core]\n\trepositoryformatversion = 0\n";
	const char *dir = test_tmpdir("nv");
	struct nv_store *s = open_ok(dir);
	uint8_t payload[4] = { 9, 9, 9, 9 }, *data = NULL;
	size_t dlen;
	char msg[512], *p, *q;

	write_ok(s, "rec", KIND_A, payload, sizeof(payload));
	CU_ASSERT_EQUAL(nv_store_read(s, "rec", KIND_B, &data, &dlen, msg, sizeof(msg)), NV_FOREIGN);
	CU_ASSERT_PTR_NULL(data);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "kind"));
	CU_ASSERT_EQUAL(nv_store_write(s, "rec", KIND_B, payload, sizeof(payload), msg, sizeof(msg)),
			NV_FOREIGN);
	expect_read(s, "rec", KIND_A, payload, sizeof(payload));

	spit(dir, "config", (const uint8_t *)text, sizeof(text) - 1);
	CU_ASSERT_EQUAL(nv_store_read(s, "config", KIND_A, &data, &dlen, msg, sizeof(msg)), NV_FOREIGN);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "bad magic"));
	CU_ASSERT_EQUAL(nv_store_write(s, "config", KIND_A, payload, sizeof(payload), msg, sizeof(msg)),
			NV_FOREIGN);
	CU_ASSERT_TRUE(file_is(dir, "config", (const uint8_t *)text, sizeof(text) - 1));

	/* Not a regular file: a directory, a symbolic link, a FIFO (must not block). */
	p = path_of(dir, "subdir");
	CU_ASSERT_EQUAL_FATAL(mkdir(p, 0700), 0);
	CU_ASSERT_EQUAL(nv_store_read(s, "subdir", KIND_A, &data, &dlen, msg, sizeof(msg)), NV_FOREIGN);
	CU_ASSERT_EQUAL(nv_store_write(s, "subdir", KIND_A, payload, 4, msg, sizeof(msg)), NV_FOREIGN);
	free(p);
	p = path_of(dir, "link");
	q = path_of(dir, "rec");
	CU_ASSERT_EQUAL_FATAL(symlink(q, p), 0);
	CU_ASSERT_EQUAL(nv_store_read(s, "link", KIND_A, &data, &dlen, msg, sizeof(msg)), NV_FOREIGN);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "symbolic link"));
	free(p);
	free(q);
	p = path_of(dir, "fifo");
	CU_ASSERT_EQUAL_FATAL(mkfifo(p, 0600), 0);
	CU_ASSERT_EQUAL(nv_store_read(s, "fifo", KIND_A, &data, &dlen, msg, sizeof(msg)), NV_FOREIGN);
	free(p);
	nv_store_close(s);
}

static void test_nv_no_temp_files(void)
{
	static const char *const names[] = { "a", "b" };
	const char *dir = test_tmpdir("nv");
	struct nv_store *s = open_ok(dir);
	uint8_t buf[300];

	for (unsigned i = 0; i < 50; i++) {
		fill(buf, sizeof(buf), i);
		write_ok(s, names[i & 1], KIND_A, buf, 1 + i * 5);
	}
	CU_ASSERT_EQUAL(stray_files(dir, names, 2), 0);
	nv_store_close(s);

	/* A temp file left by a writer that crashed is swept by the next opener. */
	spit(dir, ".tmp.a.12345.0", (const uint8_t *)"partial", 7);
	s = open_ok(dir);
	CU_ASSERT_EQUAL(stray_files(dir, names, 2), 0);
	fill(buf, sizeof(buf), 49);
	expect_read(s, "b", KIND_A, buf, 1 + 49 * 5);
	nv_store_close(s);
}

/*
 * A write that fails part way leaves the old record intact and no temp file.
 * Permission bits cannot force the failure when running as root, but RLIMIT_FSIZE
 * binds root too: the temp file write hits EFBIG.
 */
static void test_nv_atomic_overwrite_fsize(void)
{
	static const char *const names[] = { "rec" };
	const char *dir = test_tmpdir("nv");
	struct nv_store *s = open_ok(dir);
	uint8_t small[64], *big = malloc(64 * 1024);
	struct rlimit old, lim;
	struct sigaction ign = { .sa_handler = SIG_IGN }, oldsa;
	enum nv_result r;
	char msg[512] = "";

	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	fill(small, sizeof(small), 6);
	fill(big, 64 * 1024, 7);
	write_ok(s, "rec", KIND_A, small, sizeof(small));

	CU_ASSERT_EQUAL_FATAL(getrlimit(RLIMIT_FSIZE, &old), 0);
	if (old.rlim_max != RLIM_INFINITY && old.rlim_max < 64 * 1024) {
		test_skip("RLIMIT_FSIZE hard limit %llu too low to stage the test",
			  (unsigned long long)old.rlim_max);
		nv_store_close(s);
		free(big);
		return;
	}
	CU_ASSERT_EQUAL_FATAL(sigaction(SIGXFSZ, &ign, &oldsa), 0);
	lim = old;
	lim.rlim_cur = 4096;
	CU_ASSERT_EQUAL_FATAL(setrlimit(RLIMIT_FSIZE, &lim), 0);
	r = nv_store_write(s, "rec", KIND_A, big, 64 * 1024, msg, sizeof(msg));
	setrlimit(RLIMIT_FSIZE, &old);
	sigaction(SIGXFSZ, &oldsa, NULL);

	CU_ASSERT_EQUAL(r, NV_IO);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "old contents are unchanged"));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, strerror(EFBIG)));
	expect_read(s, "rec", KIND_A, small, sizeof(small));
	CU_ASSERT_EQUAL(stray_files(dir, names, 1), 0);

	/* And the store is still usable. */
	write_ok(s, "rec", KIND_A, big, 64 * 1024);
	expect_read(s, "rec", KIND_A, big, 64 * 1024);
	nv_store_close(s);
	free(big);
}

static void test_nv_atomic_overwrite_readonly_dir(void)
{
	static const char *const names[] = { "rec" };
	const char *dir;
	struct nv_store *s;
	uint8_t a[10] = { 1 }, b[10] = { 2 };
	char msg[512];

	if (geteuid() == 0) {
		/* CAP_DAC_OVERRIDE ignores the mode; the RLIMIT_FSIZE test covers root. */
		test_skip("running as root: a read-only directory does not stop root's writes");
		return;
	}
	dir = test_tmpdir("nv");
	s = open_ok(dir);
	write_ok(s, "rec", KIND_A, a, sizeof(a));
	CU_ASSERT_EQUAL_FATAL(chmod(dir, 0500), 0);
	CU_ASSERT_EQUAL(nv_store_write(s, "rec", KIND_A, b, sizeof(b), msg, sizeof(msg)), NV_IO);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, dir));
	chmod(dir, 0700);
	expect_read(s, "rec", KIND_A, a, sizeof(a));
	CU_ASSERT_EQUAL(stray_files(dir, names, 1), 0);
	nv_store_close(s);
}

/* ---- the lock --------------------------------------------------------------------- */

static void test_nv_lock_same_process(void)
{
	const char *dir = test_tmpdir("nv");
	struct nv_store *s = open_ok(dir), *s2 = NULL;
	char msg[512], pid[32];

	snprintf(pid, sizeof(pid), "process %ld", (long)getpid());
	CU_ASSERT_EQUAL(nv_store_open(dir, 1, &s2, msg, sizeof(msg)), NV_LOCKED);
	CU_ASSERT_PTR_NULL(s2);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, dir));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, pid));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "in use"));
	/* The failed open must not have disturbed the holder. */
	write_ok(s, "r", KIND_A, (const uint8_t *)"z", 1);
	nv_store_close(s);

	s = open_ok(dir);
	expect_read(s, "r", KIND_A, (const uint8_t *)"z", 1);
	nv_store_close(s);
}

/* The child reports with its exit status; _exit() skips the runner's atexit cleanup. */
static int child_try_open(const char *dir, long want_pid)
{
	struct nv_store *s = NULL;
	char msg[512], pid[32];
	enum nv_result r = nv_store_open(dir, 1, &s, msg, sizeof(msg));

	if (want_pid == 0) {
		nv_store_close(s);
		return r == NV_OK ? 0 : 1;
	}
	snprintf(pid, sizeof(pid), "process %ld", want_pid);
	if (r != NV_LOCKED)
		return 2;
	if (!strstr(msg, pid) || !strstr(msg, dir))
		return 3;
	return s ? 4 : 0;
}

static int run_child(const char *dir, long want_pid)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0)
		_exit(child_try_open(dir, want_pid));
	CU_ASSERT_FATAL(waitpid(pid, &status, 0) == pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

static void test_nv_lock_forked_child(void)
{
	const char *dir = test_tmpdir("nv");
	struct nv_store *s = open_ok(dir);

	CU_ASSERT_EQUAL(run_child(dir, (long)getpid()), 0);
	nv_store_close(s);
	CU_ASSERT_EQUAL(run_child(dir, 0), 0);
}

/* The other way round: the lock is held by another live process. */
static void test_nv_lock_held_by_child(void)
{
	const char *dir = test_tmpdir("nv");
	struct nv_store *s = NULL;
	int up[2], down[2], status;
	char msg[512], want[512], c = 0;
	pid_t pid;

	CU_ASSERT_EQUAL_FATAL(pipe2(up, O_CLOEXEC), 0);
	CU_ASSERT_EQUAL_FATAL(pipe2(down, O_CLOEXEC), 0);
	fflush(NULL);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		struct nv_store *cs = NULL;
		char r;

		close(up[0]);
		close(down[1]);
		r = nv_store_open(dir, 1, &cs, NULL, 0) == NV_OK ? 'y' : 'n';
		if (write(up[1], &r, 1) != 1 || read(down[0], &r, 1) != 1)
			_exit(1);
		nv_store_close(cs);
		_exit(0);
	}
	close(up[1]);
	close(down[0]);
	CU_ASSERT_EQUAL(read(up[0], &c, 1), 1);
	CU_ASSERT_EQUAL(c, 'y');
	CU_ASSERT_EQUAL(nv_store_open(dir, 1, &s, msg, sizeof(msg)), NV_LOCKED);
	snprintf(want, sizeof(want), "state directory %s is in use by process %ld", dir, (long)pid);
	CU_ASSERT_STRING_EQUAL(msg, want);
	CU_ASSERT_EQUAL(write(down[1], "x", 1), 1);
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(up[0]);
	close(down[1]);

	s = open_ok(dir);
	nv_store_close(s);
}

TEST_SUITE(nv_store, NULL, NULL,
	   TEST(test_nv_result_names),
	   TEST(test_nv_record_layout),
	   TEST(test_nv_record_every_bit_flip),
	   TEST(test_nv_record_padded_area),
	   TEST(test_nv_record_version_and_kind),
	   TEST(test_nv_roundtrip),
	   TEST(test_nv_survives_reopen),
	   TEST(test_nv_open_missing_and_create),
	   TEST(test_nv_file_modes),
	   TEST(test_nv_missing_and_remove),
	   TEST(test_nv_bad_names),
	   TEST(test_nv_file_byte_flips),
	   TEST(test_nv_file_truncated),
	   TEST(test_nv_file_trailing_garbage),
	   TEST(test_nv_file_newer_version),
	   TEST(test_nv_file_foreign),
	   TEST(test_nv_no_temp_files),
	   TEST(test_nv_atomic_overwrite_fsize),
	   TEST(test_nv_atomic_overwrite_readonly_dir),
	   TEST(test_nv_lock_same_process),
	   TEST(test_nv_lock_forked_child),
	   TEST(test_nv_lock_held_by_child))
