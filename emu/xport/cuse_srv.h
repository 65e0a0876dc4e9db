/* The emulated /dev/NAME: a CUSE (character device in user space) server in front of
 * the driver layer, with the kernel's exact /dev/sev ABI.
 *
 * Every ioctl is "unrestricted": the kernel hands the server nothing but (cmd, arg)
 * and the server asks for the caller's memory with FUSE_IOCTL_RETRY, one round per
 * level of pointers.  Each round is a separate request: the server keeps no state
 * between them and derives where it stands from the bytes it received, by running the
 * driver handler over them (emu/xport/rmem.h).  Limits are the kernel's: at most
 * XP_CUSE_MAX_IOCTL bytes per direction and 256 iovecs per ioctl, checked here, since
 * the kernel fails the caller with ENOMEM without telling the server. */
#ifndef SWSEV_XPORT_CUSE_SRV_H
#define SWSEV_XPORT_CUSE_SRV_H

#include <stdint.h>

#include "emu/drv/drv.h"
#include "emu/xport/daemon.h"

#define XP_CUSE_MAX_IOCTL (128u << 10) /* FUSE's default max_pages (32) pages */
#define XP_CUSE_MAX_IOV   256          /* FUSE_IOCTL_MAX_IOV, in + out together */

struct xp_cuse_opts {
	const char *name;        /* /dev/NAME */
	struct drv *drv;
	struct xp_daemon *dmn;   /* node permissions, dropping root, readiness */
	uint32_t max_ioctl;      /* 0: XP_CUSE_MAX_IOCTL */
};

/* Serves until SIGTERM/SIGINT/SIGHUP.  0 after a clean stop; 1 with msg when the
 * device could not be created (no /dev/cuse, name taken) or the connection died. */
int xp_cuse_serve(const struct xp_cuse_opts *o, char *msg, size_t msglen);

#endif
