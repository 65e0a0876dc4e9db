#include "harness/owner/export.h"

#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "harness/owner/files.h"

static int put(const char *dir, const char *name, const void *buf, size_t len, struct owner_err *e)
{
	char p[PATH_MAX];

	return owner_path(p, sizeof(p), dir, name, e) || owner_write_file(p, buf, len, 0644, e) ? -1 : 0;
}

static bool have(const char *dir, const char *name)
{
	char p[PATH_MAX];

	return owner_path(p, sizeof(p), dir, name, NULL) == 0 && owner_file_exists(p);
}

int owner_export_platform(struct psp *p, const char *dir, struct owner_export_info *info, struct owner_err *e)
{
	static const char *const chain_files[] = { SEVTOOL_PDH, SEVTOOL_PEK, SEVTOOL_OCA,
						   SEVTOOL_CEK, SEVTOOL_ASK, SEVTOOL_ARK };
	uint8_t pdh[PSP_CERT_LEN], chain[PSP_CERT_CHAIN_LEN], cek[PSP_CERT_LEN];
	uint8_t ark[AMD_CERT_MAX_LEN], ask[AMD_CERT_MAX_LEN];
	size_t ark_len = sizeof(ark), ask_len = sizeof(ask);
	struct owner_export_info inf = { 0 };
	struct psp_err err;
	char msg[400];

	if (psp_pdh_cert_export(p, pdh, chain, &err) != 0) {
		psp_err_format(&err, msg, sizeof(msg));
		return owner_fail_status(e, err.fw_set ? err.fw : 0, "PDH_CERT_EXPORT: %s", msg);
	}
	if (put(dir, SEVTOOL_PDH, pdh, PSP_CERT_LEN, e) || put(dir, SEVTOOL_PEK, chain, PSP_CERT_LEN, e) ||
	    put(dir, SEVTOOL_OCA, chain + PSP_CERT_LEN, PSP_CERT_LEN, e) ||
	    put(dir, SEVTOOL_CERT_CHAIN, chain, PSP_CERT_CHAIN_LEN, e))
		return -1;
	if (psp_caps(p) & PSP_CAP_CONTROL) {
		if (psp_kds_certs(p, ark, &ark_len, ask, &ask_len, cek, &err) != 0) {
			psp_err_format(&err, msg, sizeof(msg));
			return owner_fail(e, "reading the emulated KDS certificates: %s", msg);
		}
		if (put(dir, SEVTOOL_CEK, cek, PSP_CERT_LEN, e) || put(dir, SEVTOOL_ASK, ask, ask_len, e) ||
		    put(dir, SEVTOOL_ARK, ark, ark_len, e))
			return -1;
		inf.kds = true;
	} else if (!have(dir, SEVTOOL_CEK) && put(dir, SEVTOOL_CEK, chain + 2 * PSP_CERT_LEN, PSP_CERT_LEN, e)) {
		return -1;
	}
	inf.complete = true;
	for (size_t i = 0; i < sizeof(chain_files) / sizeof(chain_files[0]); i++)
		inf.complete = inf.complete && have(dir, chain_files[i]);
	if (info)
		*info = inf;
	return 0;
}

int owner_export_remove(const char *dir)
{
	static const char *const names[] = { SEVTOOL_PDH, SEVTOOL_PEK, SEVTOOL_OCA, SEVTOOL_CEK,
					     SEVTOOL_ASK, SEVTOOL_ARK, SEVTOOL_CERT_CHAIN };
	char p[PATH_MAX];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (owner_path(p, sizeof(p), dir, names[i], NULL) == 0)
			unlink(p);
	return rmdir(dir) == 0 ? 0 : -1;
}
