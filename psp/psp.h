/* swsev psp/: the one client API for the emulated and the real AMD SEV PSP. */
#ifndef SWSEV_PSP_H
#define SWSEV_PSP_H

#define PSP_API_VERSION_MAJOR 0
#define PSP_API_VERSION_MINOR 1
#define PSP_API_VERSION_STRING "0.1.0"

#endif
