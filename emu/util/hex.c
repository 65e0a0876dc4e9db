#include "emu/util/hex.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const char digits[] = "0123456789abcdef";

void hex_encode(const uint8_t *in, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static int nibble(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int hex_decode(const char *in, uint8_t *out, size_t n)
{
	if (strlen(in) != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int hi = nibble((unsigned char)in[2 * i]), lo = nibble((unsigned char)in[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int hex_decode_alloc(const char *in, uint8_t **out, size_t *n)
{
	size_t len = strlen(in), k = 0;
	uint8_t *buf = malloc(len / 2 + 1);
	int hi = -1;

	if (!buf)
		return -1;
	for (size_t i = 0; i < len; i++) {
		int v;
		if (isspace((unsigned char)in[i]))
			continue;
		v = nibble((unsigned char)in[i]);
		if (v < 0)
			goto bad;
		if (hi < 0) {
			hi = v;
		} else {
			buf[k++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	if (hi >= 0)
		goto bad;
	*out = buf;
	*n = k;
	return 0;
bad:
	free(buf);
	return -1;
}
