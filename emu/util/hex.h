/* Hex encoding for logs of public values, vector files and CLI output. */
#ifndef SWSEV_UTIL_HEX_H
#define SWSEV_UTIL_HEX_H

#include <stddef.h>
#include <stdint.h>

/* Writes 2*n lowercase hex digits and a NUL to out (size 2*n+1). */
void hex_encode(const uint8_t *in, size_t n, char *out);

/* Decodes exactly 2*n hex digits (no separators); returns 0 or -1 on a bad digit or
 * a length mismatch. */
int hex_decode(const char *in, uint8_t *out, size_t n);

/* Decodes a hex string of any even length into a new buffer (caller frees);
 * whitespace is skipped.  Returns 0 or -1. */
int hex_decode_alloc(const char *in, uint8_t **out, size_t *n);

#endif
