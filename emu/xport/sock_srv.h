/* The socket server: the emulated device's descriptors over an AF_UNIX stream socket,
 * one connection per descriptor, with the protocol of emu/xport/wire.h.  Needs no root
 * and no CUSE: for containers and CI.  One thread per connection; the driver
 * serialises the commands as the firmware does. */
#ifndef SWSEV_XPORT_SOCK_SRV_H
#define SWSEV_XPORT_SOCK_SRV_H

#include <stddef.h>
#include <stdint.h>

#include "emu/drv/drv.h"
#include "emu/xport/daemon.h"

#define XP_SOCK_MAX_CONNS 256

struct xp_sock_opts {
	const char *path;
	struct drv *drv;
	struct xp_daemon *dmn;  /* socket permissions (--mode default 0600), dropping root, readiness */
	uint32_t max_request;   /* 0: XPW_MAX_REQUEST_DEFAULT */
	unsigned max_conns;     /* 0: XP_SOCK_MAX_CONNS */
};

/* Can path be served: absent, or a stale socket nobody answers on?  0, or -1 with msg
 * (a live server answers on it, or it is not a socket).  Serving checks again. */
int xp_sock_check_path(const char *path, char *msg, size_t msglen);

/* Serves until SIGTERM/SIGINT/SIGHUP; 0 after a clean stop, 1 with msg otherwise (path
 * in use by a live server, not a socket, cannot bind). */
int xp_sock_serve(const struct xp_sock_opts *o, char *msg, size_t msglen);

#endif
