#include "harness/owner/files.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "emu/crypto/symm.h"
#include "emu/util/hex.h"

int owner_read_sev_cert(const char *path, struct sev_cert *c, struct owner_err *e)
{
	return owner_read_exact(path, c->raw, SEV_CERT_LEN, e);
}

int owner_write_sev_cert(const char *path, const struct sev_cert *c, struct owner_err *e)
{
	return owner_write_file(path, c->raw, SEV_CERT_LEN, 0644, e);
}

int owner_read_amd_cert(const char *path, struct amd_cert *c, struct owner_err *e)
{
	const char *why = NULL;
	size_t n, used;
	uint8_t *b = owner_read_file(path, &n, e);

	if (!b)
		return -1;
	used = amd_cert_parse(b, n, c, &why);
	free(b);
	if (!used)
		return owner_fail(e, "%s: not an AMD certificate: %s", path, why ? why : "malformed");
	if (used != n)
		return owner_fail(e, "%s: %zu bytes after the %zu-byte certificate", path, n - used, used);
	return 0;
}

int owner_write_amd_cert(const char *path, const struct amd_cert *c, struct owner_err *e)
{
	return owner_write_file(path, c->raw, c->len, 0644, e);
}

int owner_read_tk(const char *path, struct sev_tk *tk, struct owner_err *e)
{
	uint8_t b[32];

	if (owner_read_exact(path, b, sizeof(b), e))
		return -1;
	memcpy(tk->tek, b, 16);
	memcpy(tk->tik, b + 16, 16);
	secure_zero(b, sizeof(b));
	return 0;
}

int owner_write_tk(const char *path, const struct sev_tk *tk, struct owner_err *e)
{
	uint8_t b[32];
	int rc;

	memcpy(b, tk->tek, 16);
	memcpy(b + 16, tk->tik, 16);
	rc = owner_write_file(path, b, sizeof(b), 0600, e);
	secure_zero(b, sizeof(b));
	return rc;
}

int owner_write_session_dir(const char *dir, const struct owner_session *s, struct owner_err *e)
{
	char p[PATH_MAX];

	if (owner_path(p, sizeof(p), dir, SEVTOOL_TK, e) || owner_write_tk(p, &s->tk, e) ||
	    owner_path(p, sizeof(p), dir, SEVTOOL_GODH, e) || owner_write_sev_cert(p, &s->godh, e) ||
	    owner_path(p, sizeof(p), dir, SEVTOOL_LAUNCH_BLOB, e) ||
	    owner_write_file(p, &s->session, sizeof(s->session), 0644, e))
		return -1;
	return 0;
}

int owner_write_measurement_dir(const char *dir, const uint8_t m[32], struct owner_err *e)
{
	char p[PATH_MAX], hex[65];

	hex_encode(m, 32, hex);
	/* sev-tool writes the hex without a newline. */
	if (owner_path(p, sizeof(p), dir, SEVTOOL_MEASUREMENT, e) || owner_write_file(p, m, 32, 0644, e) ||
	    owner_path(p, sizeof(p), dir, SEVTOOL_MEASUREMENT_TXT, e) || owner_write_file(p, hex, 64, 0644, e))
		return -1;
	return 0;
}

int owner_read_measurement(const char *path, uint8_t m[32], struct owner_err *e)
{
	size_t n, dn = 0;
	uint8_t *b = owner_read_file(path, &n, e), *d = NULL;
	int rc = 0;

	if (!b)
		return -1;
	if (n == 32) {
		memcpy(m, b, 32);
	} else if (hex_decode_alloc((char *)b, &d, &dn) == 0 && dn == 32) {
		memcpy(m, d, 32);
	} else {
		rc = owner_fail(e, "%s: %zu bytes: neither a 32-byte measurement nor its 64 hex digits%s", path, n,
				n == 48 ? " (a 48-byte LAUNCH_MEASURE output must be verified first: "
					  "verify-measurement writes calc_measurement_out.bin)" : "");
	}
	free(d);
	free(b);
	return rc;
}
