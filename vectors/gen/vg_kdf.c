/* kdf.txt: the SEV KDF over the labels the firmware uses, and over the corners of the
 * construction — multi-block outputs, lengths that are not a multiple of the block,
 * long and empty contexts, keys shorter and longer than an HMAC block. */
#include <stdio.h>
#include <string.h>

#include "emu/crypto/kdf.h"
#include "emu/crypto/memenc.h"
#include "vectors/gen/vg_kinds.h"

struct kdf_case {
	const char *id;
	size_t klen;
	const char *label;
	size_t clen, len;
};

static const struct kdf_case cases[] = {
	/* as the firmware uses it */
	{ "master-secret", 48, SEV_KDF_LABEL_MASTER, 16, 16 },
	{ "kek", 16, SEV_KDF_LABEL_KEK, 0, 16 },
	{ "kik", 16, SEV_KDF_LABEL_KIK, 0, 16 },
	{ "cek-seed", 32, SEV_KDF_LABEL_CEK, 0, 56 },
	{ "memory-tweak", 16, MEMENC_TWEAK_LABEL, 0, 16 },
	/* output lengths: one byte, around the 32-byte block, several blocks */
	{ "length-1", 16, SEV_KDF_LABEL_KEK, 0, 1 },
	{ "length-31", 16, SEV_KDF_LABEL_KEK, 0, 31 },
	{ "length-32", 16, SEV_KDF_LABEL_KEK, 0, 32 },
	{ "length-33", 16, SEV_KDF_LABEL_KEK, 0, 33 },
	{ "length-48", 16, SEV_KDF_LABEL_KEK, 0, 48 },
	{ "length-64", 16, SEV_KDF_LABEL_KEK, 0, 64 },
	{ "length-100", 16, SEV_KDF_LABEL_KEK, 0, 100 },
	/* contexts */
	{ "context-1", 48, SEV_KDF_LABEL_MASTER, 1, 16 },
	{ "context-15", 48, SEV_KDF_LABEL_MASTER, 15, 16 },
	{ "context-64", 48, SEV_KDF_LABEL_MASTER, 64, 48 },
	{ "context-200", 48, SEV_KDF_LABEL_MASTER, 200, 16 },
	/* keys: HMAC pads short keys with zeros and hashes keys longer than 64 bytes */
	{ "key-1", 1, SEV_KDF_LABEL_KIK, 0, 16 },
	{ "key-64", 64, SEV_KDF_LABEL_KIK, 0, 16 },
	{ "key-65", 65, SEV_KDF_LABEL_KIK, 0, 16 },
	{ "key-100", 100, SEV_KDF_LABEL_KIK, 16, 16 },
	/* labels: empty (just the separator) and a long one */
	{ "label-empty", 16, "", 16, 16 },
	{ "label-long", 16, "swsev: a label longer than one SHA-256 block of sixty-four bytes", 8, 40 },
};

int vg_gen_kdf(struct vg *g, struct vw *w)
{
	uint8_t key[128], ctx[256];

	vw_comment(w, "\nInputs drawn from the file's input stream (README); the labels are the firmware's\n"
		      "(sev-master-secret, sev-kek, sev-kik, sev-chip-endorsement-key) and the emulator's\n"
		      "memory-encryption tweak label.");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct kdf_case *c = &cases[i];

		if (vg_draw(g, key, c->klen) || vg_draw(g, ctx, c->clen) ||
		    vgk_kdf(g, w, c->id, key, c->klen, c->label, ctx, c->clen, c->len, NULL))
			return -1;
	}
	return 0;
}
