#include "emu/crypto/kdf.h"

#include <string.h>

#include "emu/crypto/symm.h"
#include "emu/util/bytes.h"

int sev_kdf(const uint8_t *key, size_t key_len, const char *label,
	    const uint8_t *context, size_t ctx_len, uint8_t *out, size_t out_len)
{
	static const uint8_t sep;
	uint8_t ctr[4], bits[4], block[32];
	size_t done = 0;
	uint32_t i = 1;

	if (!label || !out || (ctx_len && !context))
		return -1;
	/* The bit length is a 32-bit field. */
	if (out_len > UINT32_MAX / 8)
		return -1;
	le32_put(bits, (uint32_t)(out_len * 8));

	while (done < out_len) {
		struct iov v[] = {
			{ ctr, sizeof(ctr) },
			{ label, strlen(label) },
			{ &sep, 1 },
			{ context, ctx_len },
			{ bits, sizeof(bits) },
		};
		size_t n = out_len - done < sizeof(block) ? out_len - done : sizeof(block);

		le32_put(ctr, i++);
		if (hmac_sha256_iov(key, key_len, v, sizeof(v) / sizeof(v[0]), block)) {
			secure_zero(out, out_len);
			secure_zero(block, sizeof(block));
			return -1;
		}
		memcpy(out + done, block, n);
		done += n;
	}
	secure_zero(block, sizeof(block));
	return 0;
}
