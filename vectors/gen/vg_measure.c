/* measurement.txt: launch digests (SHA-256 over everything LAUNCH_UPDATE_DATA/VMSA
 * measured, in order) and launch measurements in both forms (spec §6.4). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/crypto/symm.h"
#include "vectors/gen/vg_kinds.h"

struct m_case {
	uint8_t api_major, api_minor, build;
	uint32_t policy;
	int pre017;
};

static const struct m_case cases[] = {
	{ 0, 24, 15, 0x00000001, 0 },
	{ 0, 24, 15, 0x00000005, 0 },
	{ 0, 22, 3, 0x00000000, 0 },
	{ 0, 17, 1, 0x00110021, 0 },
	{ 1, 55, 25, 0x18000033, 0 },
	{ 0, 16, 0, 0x00000001, 1 },
	{ 0, 14, 20, 0x00000000, 1 },
	{ 0, 16, 0, 0xdeadbeef, 1 },
};

int vg_gen_measurement(struct vg *g, struct vw *w)
{
	/* An image page and an SEV-ES VMSA page: what a launch measures. */
	uint8_t *data = malloc(2 * 4096), digest[32], tik[16], mnonce[16];
	char id[48];
	int rc = -1;

	if (!data)
		return vg_fail(g, "out of memory");
	vw_comment(w, "\nLaunch digests: SHA-256 over the concatenation of every measured region.");
	if (vg_draw(g, data, 2 * 4096) || vgk_sha256(g, w, "digest-one-region", data, 16, NULL) ||
	    vgk_sha256(g, w, "digest-image-and-vmsa", data, 2 * 4096, NULL) ||
	    vgk_sha256(g, w, "digest-nothing-measured", data, 0, NULL))
		goto out;
	vw_comment(w, "\n\nMeasurements.  API >= 0.17: HMAC-SHA256(TIK, 04 || api_major || api_minor || build ||\n"
		      "le32(policy) || digest || mnonce); before 0.17: HMAC-SHA256(TIK, le32(policy) || digest\n"
		      "|| mnonce).  api and build are the firmware's (PLATFORM_STATUS).  The digest is the\n"
		      "image-and-vmsa one above; TIK and MNONCE come from the input stream.");
	if (sha256(data, 2 * 4096, digest))
		goto out;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct m_case *c = &cases[i];

		snprintf(id, sizeof(id), "api-%u.%u-build-%u-policy-%08x", c->api_major, c->api_minor, c->build, c->policy);
		if (vg_draw(g, tik, 16) || vg_draw(g, mnonce, 16) ||
		    vgk_measurement(g, w, id, tik, c->api_major, c->api_minor, c->build, c->policy, digest, mnonce, c->pre017,
				    NULL, NULL))
			goto out;
	}
	rc = 0;
out:
	free(data);
	return rc;
}
