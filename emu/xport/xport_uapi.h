/* What the transports (the CUSE device, the socket server) add to SWSEV_IOC_CTL.
 *
 * These control operations are answered by the transport itself, never by the driver,
 * so the in-process emulator answers them with EINVAL ("unknown control operation"). */
#ifndef SWSEV_XPORT_UAPI_H
#define SWSEV_XPORT_UAPI_H

#include <linux/types.h>

#include "emu/drv/swsev_uapi.h"

/* data -> struct swsev_xport_stats (len >= its size) */
#define SWSEV_CTL_XPORT_STATS 0x100

#define SWSEV_XPORT_CUSE   1
#define SWSEV_XPORT_SOCKET 2

struct swsev_xport_stats {
	__u32 transport;   /* SWSEV_XPORT_* */
	__u32 max_request; /* bytes of caller memory one ioctl can move each way */
	__u64 rounds;      /* ioctl rounds: FUSE_IOCTL requests, or IOCTL + DATA messages */
	__u64 ioctls;      /* ioctls answered */
	__u64 retries;     /* rounds that asked for more of the caller's memory */
	__u64 restarts;    /* rounds that found the caller's memory changed since the last */
	__u64 limit_failures; /* ioctls failed with ENOMEM for needing more than max_request */
	__u64 opens, releases;
	__u64 open_now;    /* descriptors open now */
};

#endif
