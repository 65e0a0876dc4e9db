/* Whole-file reads and crash-safe writes, shared by every tool that handles
 * certificates, keys and blobs.  Errors come back as -errno so each caller can word
 * its own message. */
#ifndef SWSEV_UTIL_FILE_H
#define SWSEV_UTIL_FILE_H

#include <stddef.h>
#include <stdint.h>

/* Reads the whole file into a malloc'ed buffer with a NUL past the end, so hex and PEM
 * can be parsed in place.  Returns NULL with errno set. */
uint8_t *file_read_all(const char *path, size_t *len);

/* Writes through a temporary file created with the final mode (a key never sits in a
 * readable file), fsync and rename.  An existing non-regular file (/dev/null, a FIFO, a
 * terminal) is written in place instead: renaming over it would replace the node.
 * Returns 0 or -errno. */
int file_write_atomic(const char *path, const void *buf, size_t len, unsigned mode);

#endif
