/* The platform-command sequence whose results must be byte-identical on every path to
 * the emulator: a plain client on /dev/NAME (sevabi), the in-process driver and the CUSE
 * round engine under a model of the kernel (sevabi_ref).  Only <linux/psp-sev.h> and
 * libc: this is what an existing SEV tool sees.
 *
 * Every step prints one line with the ioctl's return, errno, the firmware status the
 * kernel put in sev_issue_cmd.error and the non-pointer fields of the command struct,
 * then every buffer involved in hex.  Buffers start filled with a pattern, so the dump
 * also shows which bytes were written and which were left alone.  Pointer values are
 * never printed (they differ between processes).  With a fresh platform made from the
 * same seed, two dumps are equal byte for byte or something differs. */
#ifndef SWSEV_TESTS_ABI_SEQ_H
#define SWSEV_TESTS_ABI_SEQ_H

#include <errno.h>
#include <linux/psp-sev.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct seq_io {
	/* One SEV_ISSUE_CMD on the read-write (ro false) or read-only descriptor:
	 * 0 or -errno. */
	int (*ioctl)(void *ctx, bool ro, unsigned long req, void *arg);
	void *ctx;
};

#define SEQ_PAT 0xa5

static inline const char *seq_errno(int e)
{
	switch (e) {
	case 0: return "0";
	case EPERM: return "EPERM";
	case EIO: return "EIO";
	case EFAULT: return "EFAULT";
	case EINVAL: return "EINVAL";
	case ENOMEM: return "ENOMEM";
	case EBUSY: return "EBUSY";
	case ENOTTY: return "ENOTTY";
	case 524: return "ENOTSUPP";
	default: return "E?";
	}
}

static inline void seq_hex(FILE *out, const char *label, const void *p, size_t n)
{
	const uint8_t *b = p;

	fprintf(out, "  %s[%zu]:", label, n);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s%02x", i % 32 ? "" : "\n    ", b[i]);
	fprintf(out, "\n");
}

/* Issues cmd with data; prints the outcome line (with extra fields). */
static inline int seq_cmd(const struct seq_io *io, FILE *out, const char *step, bool ro, uint32_t cmd, void *data,
		   const char *fields)
{
	struct sev_issue_cmd c = { .cmd = cmd, .data = (uintptr_t)data, .error = 0xdeadbeef };
	int rc = io->ioctl(io->ctx, ro, SEV_ISSUE_CMD, &c);

	fprintf(out, "%s: ret=%d errno=%s cmd=%u error=0x%x data=%s%s%s\n", step, rc ? -1 : 0, seq_errno(-rc), c.cmd,
		c.error, c.data == (uintptr_t)data ? "same" : "CHANGED", fields ? " " : "", fields ? fields : "");
	return rc;
}

static inline void seq_platform(const struct seq_io *io, FILE *out)
{
	static uint8_t id[256], csr[0x1000], pdh[0x1000], chain[0x2000], pek[0x824], oca[0x824];
	struct sev_user_data_status st;
	struct sev_user_data_get_id gid;
	struct sev_user_data_get_id2 id2;
	struct sev_user_data_pek_csr pc;
	struct sev_user_data_pdh_cert_export pe;
	struct sev_user_data_pek_cert_import pi;
	char f[200];

#define FILL(x) memset(&(x), SEQ_PAT, sizeof(x))
#define STATUS(step, ro)                                                                                  \
	do {                                                                                              \
		FILL(st);                                                                                 \
		seq_cmd(io, out, step, ro, SEV_PLATFORM_STATUS, &st, NULL);                               \
		seq_hex(out, "status", &st, sizeof(st));                                                  \
	} while (0)
#define EXPORT(step, plen, clen, pp, cp)                                                                  \
	do {                                                                                              \
		memset(pdh, SEQ_PAT, sizeof(pdh));                                                        \
		memset(chain, SEQ_PAT, sizeof(chain));                                                    \
		pe.pdh_cert_address = (uintptr_t)(pp);                                                    \
		pe.pdh_cert_len = (plen);                                                                 \
		pe.cert_chain_address = (uintptr_t)(cp);                                                  \
		pe.cert_chain_len = (clen);                                                               \
		seq_cmd(io, out, step, false, SEV_PDH_CERT_EXPORT, &pe, "");                              \
		fprintf(out, "  pdh_cert_len=%u cert_chain_len=%u\n", pe.pdh_cert_len, pe.cert_chain_len); \
		seq_hex(out, "pdh", pdh, 0x830);                                                          \
		seq_hex(out, "chain", chain, 0x1870);                                                     \
	} while (0)

	STATUS("status", false);
	STATUS("status-ro", true);

	FILL(gid);
	seq_cmd(io, out, "get_id", false, SEV_GET_ID, &gid, NULL);
	seq_hex(out, "id", &gid, sizeof(gid));

	memset(id, SEQ_PAT, sizeof(id));
	id2.address = 0;
	id2.length = 0;
	seq_cmd(io, out, "get_id2-query", false, SEV_GET_ID2, &id2, "");
	fprintf(out, "  length=%u\n", id2.length);
	id2.address = (uintptr_t)id;
	id2.length = 32;
	seq_cmd(io, out, "get_id2-short", false, SEV_GET_ID2, &id2, "");
	fprintf(out, "  length=%u\n", id2.length);
	seq_hex(out, "id", id, 80);
	id2.length = 64;
	seq_cmd(io, out, "get_id2", false, SEV_GET_ID2, &id2, "");
	fprintf(out, "  length=%u\n", id2.length);
	seq_hex(out, "id", id, 80);

	memset(csr, SEQ_PAT, sizeof(csr));
	pc.address = 0;
	pc.length = 0;
	seq_cmd(io, out, "pek_csr-query", false, SEV_PEK_CSR, &pc, "");
	fprintf(out, "  length=%u\n", pc.length);
	pc.address = (uintptr_t)csr;
	pc.length = 100;
	seq_cmd(io, out, "pek_csr-short", false, SEV_PEK_CSR, &pc, "");
	fprintf(out, "  length=%u\n", pc.length);
	seq_hex(out, "csr", csr, 0x110);
	pc.length = 0x1000;
	seq_cmd(io, out, "pek_csr", false, SEV_PEK_CSR, &pc, "");
	fprintf(out, "  length=%u\n", pc.length);
	seq_hex(out, "csr", csr, 0x830);
	seq_cmd(io, out, "pek_csr-ro", true, SEV_PEK_CSR, &pc, NULL);

	EXPORT("pdh_export-query", 0, 0, NULL, NULL);
	EXPORT("pdh_export-short", 0x824, 0x100, pdh, chain);
	EXPORT("pdh_export", 0x824, 0x186c, pdh, chain);
	EXPORT("pdh_export-big", 0x1000, 0x2000, pdh, chain);

	/* Certificates the firmware must refuse: all zeros, and one too long for the driver. */
	memset(pek, 0, sizeof(pek));
	memset(oca, 0, sizeof(oca));
	pi.pek_cert_address = (uintptr_t)pek;
	pi.pek_cert_len = sizeof(pek);
	pi.oca_cert_address = (uintptr_t)oca;
	pi.oca_cert_len = sizeof(oca);
	seq_cmd(io, out, "pek_import-zeros", false, SEV_PEK_CERT_IMPORT, &pi, NULL);
	pi.pek_cert_len = 0x5000;
	seq_cmd(io, out, "pek_import-toolong", false, SEV_PEK_CERT_IMPORT, &pi, NULL);
	pi.pek_cert_len = 0;
	seq_cmd(io, out, "pek_import-empty", false, SEV_PEK_CERT_IMPORT, &pi, NULL);
	seq_cmd(io, out, "pek_import-ro", true, SEV_PEK_CERT_IMPORT, &pi, NULL);

	seq_cmd(io, out, "pdh_gen", false, SEV_PDH_GEN, NULL, NULL);
	seq_cmd(io, out, "pdh_gen-ro", true, SEV_PDH_GEN, NULL, NULL);
	EXPORT("pdh_export-after-pdh_gen", 0x824, 0x186c, pdh, chain);
	seq_cmd(io, out, "pek_gen", false, SEV_PEK_GEN, NULL, NULL);
	seq_cmd(io, out, "pek_gen-ro", true, SEV_PEK_GEN, NULL, NULL);
	EXPORT("pdh_export-after-pek_gen", 0x824, 0x186c, pdh, chain);
	STATUS("status-after-gen", false);

	/* What the driver itself refuses, before the firmware. */
	seq_cmd(io, out, "cmd-99", false, 99, &st, NULL);
	for (uint32_t c = 9; c <= 12; c++) {
		snprintf(f, sizeof(f), "cmd-%u", c);
		seq_cmd(io, out, f, false, c, &st, NULL);
	}
	seq_cmd(io, out, "status-null-data", false, SEV_PLATFORM_STATUS, NULL, NULL);
	pc.address = (uintptr_t)csr;
	pc.length = 0x5000;
	seq_cmd(io, out, "pek_csr-toolong", false, SEV_PEK_CSR, &pc, "");
	fprintf(out, "  length=%u\n", pc.length);

	seq_cmd(io, out, "factory_reset-ro", true, SEV_FACTORY_RESET, NULL, NULL);
	seq_cmd(io, out, "factory_reset", false, SEV_FACTORY_RESET, NULL, NULL);
	STATUS("status-after-reset", false);
	EXPORT("pdh_export-after-reset", 0x824, 0x186c, pdh, chain);
	STATUS("status-end", false);
#undef FILL
#undef STATUS
#undef EXPORT
}

#endif
