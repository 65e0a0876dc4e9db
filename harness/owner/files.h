/* AMD sev-tool's files, read and written as sev-tool does, so that its offline
 * commands and ours can be mixed (sev-tool reads and writes fixed names in its
 * --ofolder):
 *
 *   pdh.cert pek.cert oca.cert cek.cert  SEV certificates, 0x824 bytes each
 *   ask.cert ark.cert                    AMD certificates (832 or 1600 bytes)
 *   godh.cert                            the guest owner's DH certificate (0x824)
 *   launch_blob.bin                      the 128-byte session blob
 *   tmp_tk.bin                           TEK || TIK, 32 bytes, in clear (mode 0600)
 *   calc_measurement_out.bin / .txt      the 32-byte measurement / its lowercase hex
 *   secret.txt                           the secret to package (any bytes)
 *   packaged_secret.bin                  the secret encrypted with the TEK
 *   packaged_secret_header.bin           the 52-byte LAUNCH_SECRET header
 *   attestation_report.bin               the 208-byte ATTESTATION report
 *   pek_csr.cert, pek_csr.signed.cert    PEK_CSR output, the OCA-signed PEK
 *   cert_chain.cert                      PDH_CERT_EXPORT's PEK || OCA || CEK
 *
 * Everything is the firmware's little-endian wire form; no headers, no encodings. */
#ifndef SWSEV_OWNER_FILES_H
#define SWSEV_OWNER_FILES_H

#include <stdint.h>

#include "emu/cert/amd_cert.h"
#include "emu/cert/sev_cert.h"
#include "emu/crypto/session.h"
#include "harness/owner/owner.h"
#include "harness/owner/session.h"

#define SEVTOOL_PDH             "pdh.cert"
#define SEVTOOL_PEK             "pek.cert"
#define SEVTOOL_OCA             "oca.cert"
#define SEVTOOL_CEK             "cek.cert"
#define SEVTOOL_ASK             "ask.cert"
#define SEVTOOL_ARK             "ark.cert"
#define SEVTOOL_GODH            "godh.cert"
#define SEVTOOL_LAUNCH_BLOB     "launch_blob.bin"
#define SEVTOOL_TK              "tmp_tk.bin"
#define SEVTOOL_MEASUREMENT     "calc_measurement_out.bin"
#define SEVTOOL_MEASUREMENT_TXT "calc_measurement_out.txt"
#define SEVTOOL_SECRET          "secret.txt"
#define SEVTOOL_PACKAGED_SECRET "packaged_secret.bin"
#define SEVTOOL_PACKAGED_HEADER "packaged_secret_header.bin"
#define SEVTOOL_REPORT          "attestation_report.bin"
#define SEVTOOL_PEK_CSR         "pek_csr.cert"
#define SEVTOOL_PEK_CSR_SIGNED  "pek_csr.signed.cert"
#define SEVTOOL_CERT_CHAIN      "cert_chain.cert"

int owner_read_sev_cert(const char *path, struct sev_cert *c, struct owner_err *e);
int owner_write_sev_cert(const char *path, const struct sev_cert *c, struct owner_err *e);
/* The whole file must be one AMD certificate (no trailing bytes). */
int owner_read_amd_cert(const char *path, struct amd_cert *c, struct owner_err *e);
int owner_write_amd_cert(const char *path, const struct amd_cert *c, struct owner_err *e);

int owner_read_tk(const char *path, struct sev_tk *tk, struct owner_err *e);
int owner_write_tk(const char *path, const struct sev_tk *tk, struct owner_err *e); /* mode 0600 */

/* godh.cert, launch_blob.bin and tmp_tk.bin into dir. */
int owner_write_session_dir(const char *dir, const struct owner_session *s, struct owner_err *e);

/* calc_measurement_out.bin and .txt into dir. */
int owner_write_measurement_dir(const char *dir, const uint8_t m[32], struct owner_err *e);
/* A measurement file: 32 raw bytes (.bin) or 64 hex digits (.txt, whitespace ignored). */
int owner_read_measurement(const char *path, uint8_t m[32], struct owner_err *e);

#endif
