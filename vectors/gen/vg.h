/* The conformance-vector generator: every vectors/NAME.txt file is written by one
 * function here from fixed seeds, so `swsev vectors generate` reproduces the committed
 * files byte for byte and `swsev vectors check` can tell when the emulator drifted.
 *
 * Each generator recomputes what it writes with the emulator's own code and refuses
 * (returns -1 with a message) when two computations disagree, so a file is never
 * written from a single unchecked path. */
#ifndef SWSEV_VECTORS_VG_H
#define SWSEV_VECTORS_VG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu/crypto/rng.h"
#include "vectors/gen/vg_file.h"

/* The seed every input of the vectors is drawn from (README "provenance"), with the
 * file's name as the DRBG personalization. */
#define VG_SEED "swsev conformance vectors v1"

struct vg;

struct vg_file {
	const char *name;  /* "kdf.txt" */
	const char *title; /* first comment line */
	int (*gen)(struct vg *g, struct vw *w);
};

extern const struct vg_file vg_files[];
extern const size_t vg_nfiles;

/* Writes every file (or only the one named `only`) into outdir.  certs: the directory
 * of the real AMD certificates the published KATs describe (vectors/certs).  Progress
 * on stderr when verbose.  0, or -1 with msg. */
int vg_generate(const char *outdir, const char *certs, const char *only, bool verbose, char *msg, size_t msglen);

/* The text of one file, for checks that compare in memory. */
int vg_generate_text(const struct vg_file *f, const char *certs, struct vw *w, char *msg, size_t msglen);

/* ---- for the generators ------------------------------------------------------------ */

/* Records why generation failed (the first failure wins); returns -1. */
int vg_fail(struct vg *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The file's input stream: HMAC-DRBG(VG_SEED, pers = file name), created on first use. */
struct rng *vg_rng(struct vg *g);
/* n bytes from the file's stream (fails the generation on an RNG error). */
int vg_draw(struct vg *g, void *out, size_t n);
/* A scratch directory for emulated platforms, removed when generation ends. */
const char *vg_tmpdir(struct vg *g);
/* The certs directory given to vg_generate. */
const char *vg_certs_dir(struct vg *g);
/* The standard file header comment. */
void vg_header(struct vw *w, const struct vg_file *f);

/* The generators, one per file (vg_files[] lists them in order). */
int vg_gen_published(struct vg *g, struct vw *w);
int vg_gen_kdf(struct vg *g, struct vw *w);
int vg_gen_session(struct vg *g, struct vw *w);
int vg_gen_ecdh(struct vg *g, struct vw *w);
int vg_gen_measurement(struct vg *g, struct vw *w);
int vg_gen_launch_secret(struct vg *g, struct vw *w);
int vg_gen_transport(struct vg *g, struct vw *w);
int vg_gen_cert_sev(struct vg *g, struct vw *w);
int vg_gen_cert_amd(struct vg *g, struct vw *w);
int vg_gen_attestation(struct vg *g, struct vw *w);
int vg_gen_launch(struct vg *g, struct vw *w);
int vg_gen_migration(struct vg *g, struct vw *w);

#endif
