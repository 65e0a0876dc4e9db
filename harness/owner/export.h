/* A platform's certificates into a folder in sev-tool's file names, for the guest
 * owner (the --on-measure hook of `swsev guest launch` gets it as SWSEV_EXPORT_DIR).
 *
 *   pdh.cert pek.cert oca.cert cert_chain.cert  PDH_CERT_EXPORT, on every backend
 *   cek.cert  the emulator: the CEK signed by the emulated KDS (ASK).  A real PSP
 *             exports its CEK unsigned; that one is written only if the folder has
 *             no cek.cert, so a KDS-signed CEK put there beforehand (sev-tool
 *             --export_cert_chain downloads it) is kept.
 *   ask.cert ark.cert  the emulator: its emulated AMD root.  A real PSP has no copy of
 *             AMD's root; whatever the folder holds is left as it is.
 * The platform must be INIT or WORKING (PDH_CERT_EXPORT), or the driver's implicit INIT
 * must apply. */
#ifndef SWSEV_OWNER_EXPORT_H
#define SWSEV_OWNER_EXPORT_H

#include <stdbool.h>

#include "harness/owner/owner.h"
#include "psp/psp.h"

struct owner_export_info {
	bool kds;      /* cek/ask/ark came from the emulated KDS */
	bool complete; /* all six chain files are present now */
};

int owner_export_platform(struct psp *p, const char *dir, struct owner_export_info *info, struct owner_err *e);

/* Removes what owner_export_platform writes, then the folder if that empties it
 * (0, or -1 if the folder stays). */
int owner_export_remove(const char *dir);

#endif
