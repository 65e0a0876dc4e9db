/* Replays a firmware transcript (transcript-*.txt) against this emulator: new chips
 * from each [platform:*] case's seed, then every [cmd:*] case in order with its
 * recorded buf_in and in.* memory; the status, buf_out and every out.* range must come
 * out byte for byte.  What the KAT tests and `swsev vectors` use to show the emulator
 * still produces the committed transcripts. */
#ifndef SWSEV_VECTORS_VG_REPLAY_H
#define SWSEV_VECTORS_VG_REPLAY_H

#include <stddef.h>

#include "vectors/gen/vg_file.h"

/* dir: an empty scratch directory for the platforms' state.  Returns the number of
 * commands replayed, or -1 with msg naming the first case and key that differ. */
int vg_replay(const struct vf *f, const char *dir, char *msg, size_t msglen);

#endif
