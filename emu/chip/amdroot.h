/* The emulated AMD root of trust: an ARK and an ASK (RSA-4096, RSA-PSS/SHA-384, the
 * Rome-and-later format) generated for the emulator — never AMD's keys — that sign the
 * CEKs of emulated chips as AMD's Key Distribution Service signs real ones.
 *
 * A root lives in its own directory so that several platforms can share it (two
 * platforms migrating with policy SEV must trust the same root).  The directory is
 * locked only while it is read or created. */
#ifndef SWSEV_CHIP_AMDROOT_H
#define SWSEV_CHIP_AMDROOT_H

#include <stddef.h>
#include <stdint.h>

#include "emu/cert/amd_cert.h"
#include "emu/cert/sev_cert.h"
#include "emu/crypto/rng.h"
#include "emu/nv/store.h"

/* The first 8 bytes of every emulated ARK's key id: those of AMD's Rome root
 * (e6002122 fb584193 ...).  AMD sev-tool identifies the product, and so the hash it
 * checks the ASK with, by comparing only the first 8 bytes of the ARK key id (sizeof
 * of a u64 expression); the emulated root is RSA-4096 with SHA-384 signatures like
 * Rome's, so it must carry a Rome prefix to pass `sev-tool --validate_cert_chain`
 * (Naples' prefix selects SHA-256 and fails).  The remaining 8 bytes are random, and
 * the fused hash (over the whole key) tells emulated roots apart from AMD's. */
extern const uint8_t amd_root_id_prefix[8];

struct amd_root;

/* Reads the root in dir, or creates it with keys drawn from rng if the directory has
 * none (rng may be NULL to forbid creation).  Messages name the directory. */
enum nv_result amd_root_open(const char *dir, struct rng *rng, struct amd_root **out, char *msg, size_t msglen);
void amd_root_free(struct amd_root *r);

const struct amd_cert *amd_root_ark(const struct amd_root *r);
const struct amd_cert *amd_root_ask(const struct amd_root *r);

/* Signs a CEK certificate in slot 0 with the ASK, as the KDS does. */
int amd_root_sign_cek(struct amd_root *r, struct sev_cert *cek, struct rng *rng);

/* The user's shared root when none is named: $SWSEV_ROOT_DIR, else
 * $XDG_DATA_HOME/swsev/amd-root, else ~/.local/share/swsev/amd-root. */
int amd_root_default_dir(char *out, size_t len);

#endif
