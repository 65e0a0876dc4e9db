/* What a guest owner checks before trusting a platform: its certificate chain
 *   ARK (trusted root) -> ASK -> CEK -> PEK <- OCA (self-signed),  PEK -> PDH
 * and, after a launch, the ATTESTATION report signed by that PEK (spec §5, §6.6).
 *
 * The ARK is trusted only by its key: SHA-384(header || exponent || modulus), the value
 * AMD fuses into the parts (spec §5.4), must be one of the trusted roots — AMD's
 * published roots (Naples .. Turin) built in, plus any root named explicitly (an ARK
 * file, an emulated root directory, a fused hash).  Key ids prove nothing: emulated
 * roots deliberately share the first bytes of AMD's Naples id (emu/chip/amdroot.h).
 *
 * Beyond the firmware's rules (emu/cert), a chain given to an owner must be canonical:
 * empty signature slots all zero and nothing after an ECDSA signature's r and s or an
 * RSA signature's modulus-sized bytes, so that no byte of any certificate can change
 * without the verdict changing. */
#ifndef SWSEV_OWNER_VERIFY_H
#define SWSEV_OWNER_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu/cert/amd_cert.h"
#include "emu/cert/sev_cert.h"
#include "harness/owner/owner.h"

/* ---- trusted roots ------------------------------------------------------------------- */

#define OWNER_TRUST_MAX 32

struct owner_trust {
	size_t n;
	struct {
		uint8_t hash[48];
		char name[96];
	} root[OWNER_TRUST_MAX];
};

/* Empty, or (builtin) AMD's published ARKs: naples, rome, milan, genoa, turin. */
void owner_trust_init(struct owner_trust *t, bool builtin);
int owner_trust_add_hash(struct owner_trust *t, const uint8_t hash[48], const char *name, struct owner_err *e);
/* An ARK file's key; the ARK must be a valid self-signed root. */
int owner_trust_add_ark(struct owner_trust *t, const struct amd_cert *ark, const char *name, struct owner_err *e);
/* Command-line forms: an ARK certificate file, an emulated AMD root directory (the
 * emulator's root=DIR; read, never created), a fused hash in hex (96 digits). */
int owner_trust_add_ark_file(struct owner_trust *t, const char *path, struct owner_err *e);
int owner_trust_add_root_dir(struct owner_trust *t, const char *dir, struct owner_err *e);
int owner_trust_add_hex(struct owner_trust *t, const char *hex, struct owner_err *e);
/* The name of the root whose hash matches this ARK, or NULL. */
const char *owner_trust_find(const struct owner_trust *t, const struct amd_cert *ark);

/* ---- the chain ------------------------------------------------------------------------ */

struct owner_chain {
	struct sev_cert pdh, pek, oca, cek;
	struct amd_cert ask, ark;
};

/* The six sev-tool files of dir (pdh pek oca cek ask ark .cert). */
int owner_chain_read_dir(const char *dir, struct owner_chain *c, struct owner_err *e);
int owner_chain_write_dir(const char *dir, const struct owner_chain *c, struct owner_err *e);

enum owner_link {
	OWNER_LINK_ARK,        /* self-signed and a trusted root */
	OWNER_LINK_ASK,        /* signed by the ARK */
	OWNER_LINK_CEK,        /* signed by the ASK */
	OWNER_LINK_OCA,        /* self-signed */
	OWNER_LINK_PEK_BY_CEK, /* PEK's CEK signature */
	OWNER_LINK_PEK_BY_OCA, /* PEK's OCA signature */
	OWNER_LINK_PDH,        /* signed by the PEK */
	OWNER_NLINKS
};

struct owner_chain_result {
	uint32_t status[OWNER_NLINKS]; /* SEV status of each link */
	char why[OWNER_NLINKS][256];   /* "" when it holds */
	char root[96];                 /* the trusted root the ARK matched */
	int first_failed;              /* enum owner_link, or -1 */
};

/* "ARK", "ASK", "CEK", "OCA", "PEK (CEK signature)", "PEK (OCA signature)", "PDH". */
const char *owner_link_name(int link);

/* Checks every link (a failed link does not hide later ones).  0 when all hold;
 * -1 with e naming the first failed certificate, its status and why. */
int owner_chain_verify(const struct owner_chain *c, const struct owner_trust *t, struct owner_chain_result *r,
		       struct owner_err *e);

/* The extra canonical-form check on one SEV certificate (rsa_sig_len: the signer's
 * modulus bytes for RSA slots, 0 if unknown).  NULL when canonical, else why. */
const char *owner_sev_cert_noncanonical(const struct sev_cert *c, size_t rsa_sig_len);

/* ---- the attestation report (208 bytes) ------------------------------------------------ */

#define OWNER_REPORT_LEN 208
#define OWNER_REPORT_SIGNED_LEN 0x34

struct owner_report {
	uint8_t mnonce[16];
	uint8_t digest[32];
	uint32_t policy, sig_usage, sig_algo, reserved;
};
void owner_report_decode(const uint8_t raw[OWNER_REPORT_LEN], struct owner_report *r);

/* What the owner expects; NULL pointers / false flags are not checked. */
struct owner_report_expect {
	const uint8_t *mnonce;
	const uint8_t *digest;
	bool check_policy;
	uint32_t policy;
};

/* PEK signature (ECDSA P-384 over SHA-256 of bytes 0..0x33; usage PEK, algo
 * ECDSA_SHA256, reserved zero), then the expected fields.  BAD_SIGNATURE /
 * BAD_MEASUREMENT / POLICY_FAILURE as the status of e. */
int owner_report_verify(const uint8_t raw[OWNER_REPORT_LEN], const struct sev_cert *pek,
			const struct owner_report_expect *x, struct owner_err *e);

#endif
