#include "harness/owner/measure.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/crypto/packet.h"
#include "emu/crypto/symm.h"
#include "emu/fw/status.h"
#include "emu/util/hex.h"

int owner_parse_api(const char *s, struct owner_fw_version *v)
{
	unsigned maj, min;
	char tail;

	if (!s || sscanf(s, "%u.%u%c", &maj, &min, &tail) != 2 || maj > 255 || min > 255)
		return -1;
	v->api_major = (uint8_t)maj;
	v->api_minor = (uint8_t)min;
	return 0;
}

bool owner_fw_pre017(const struct owner_fw_version *v)
{
	return v->api_major == 0 && v->api_minor < 17;
}

size_t owner_image_measured_len(size_t image_len)
{
	return (image_len + 15) & ~(size_t)15;
}

int owner_vmsa_page(size_t k, unsigned n, unsigned i)
{
	if (i >= n || k == 0)
		return -1;
	if (k == 1)
		return 0;
	if (k == n)
		return (int)i;
	if (k == 2)
		return i == 0 ? 0 : 1;
	return -1;
}

int owner_launch_digest(const void *image, size_t image_len, const void *vmsa, size_t vmsa_len,
			unsigned nvcpus, uint8_t out[32], struct owner_err *e)
{
	static const uint8_t zero[OWNER_VMSA_LEN];
	struct sha256_ctx *c;
	size_t pad = owner_image_measured_len(image_len) - image_len;
	size_t k = vmsa ? vmsa_len / OWNER_VMSA_LEN : 1;
	int rc = -1;

	if (vmsa && (vmsa_len % OWNER_VMSA_LEN || owner_vmsa_page(k, nvcpus, 0) < 0))
		return owner_fail(e, "%zu bytes of VMSA pages cannot start %u vCPUs (give 1, 2 or %u pages)", vmsa_len,
				  nvcpus, nvcpus);
	if (!(c = sha256_ctx_new()))
		return owner_fail(e, "out of memory");
	if (sha256_ctx_update(c, image, image_len) || sha256_ctx_update(c, zero, pad))
		goto out;
	for (unsigned i = 0; i < nvcpus; i++) {
		const uint8_t *pg = vmsa ? (const uint8_t *)vmsa + (size_t)owner_vmsa_page(k, nvcpus, i) * OWNER_VMSA_LEN
					 : zero;
		if (sha256_ctx_update(c, pg, OWNER_VMSA_LEN))
			goto out;
	}
	rc = sha256_ctx_final(c, out);
out:
	sha256_ctx_free(c);
	return rc ? owner_fail(e, "SHA-256 failed") : 0;
}

int owner_measurement(const uint8_t tik[16], const struct owner_fw_version *v, uint32_t policy,
		      const uint8_t digest[32], const uint8_t mnonce[16], uint8_t out[32])
{
	if (owner_fw_pre017(v))
		return sev_launch_measurement_pre017(tik, policy, digest, mnonce, out);
	return sev_launch_measurement(tik, v->api_major, v->api_minor, v->build, policy, digest, mnonce, out);
}

int owner_verify_measurement(const uint8_t blob[OWNER_MEASURE_LEN], const uint8_t tik[16],
			     const struct owner_fw_version *v, uint32_t policy, const uint8_t digest[32],
			     uint8_t expected[32], struct owner_err *e)
{
	uint8_t want[32];
	char hw[65], hg[65];

	if (owner_measurement(tik, v, policy, digest, blob + 32, want) != 0)
		return owner_fail(e, "HMAC-SHA256 failed");
	if (!ct_equal(want, blob, 32)) {
		hex_encode(want, 32, hw);
		hex_encode(blob, 32, hg);
		return owner_fail_status(e, SEV_STATUS_BAD_MEASUREMENT,
					 "measurement mismatch: the platform reported %s, expected %s "
					 "(API %u.%u build %u, policy 0x%x)",
					 hg, hw, v->api_major, v->api_minor, v->build, policy);
	}
	if (expected)
		memcpy(expected, want, 32);
	return 0;
}
