/* What both servers (CUSE, socket) share around the driver: transport statistics,
 * their control operation, names for messages. */
#ifndef SWSEV_XPORT_XSRV_H
#define SWSEV_XPORT_XSRV_H

#include <pthread.h>
#include <stdint.h>

#include "emu/drv/drv.h"
#include "emu/xport/xport_uapi.h"

struct xp_stats {
	pthread_mutex_t lock;
	struct swsev_xport_stats s;
};

void xp_stats_init(struct xp_stats *st, uint32_t transport, uint32_t max_request);
/* Adds n to one counter (a field of st->s). */
void xp_stats_add(struct xp_stats *st, __u64 *field, int64_t n);

/* One run of an ioctl: the transport's own SWSEV_CTL_XPORT_STATS, else the driver. */
long xp_run_ioctl(struct xp_stats *st, struct drv_file *f, unsigned int cmd, uint64_t arg, struct uaccess *ua);

/* "SEV_ISSUE_CMD", "SWSEV_IOC_VM_OP", ... or "ioctl 0x%08x" (buf holds it). */
const char *xp_ioctl_name(unsigned int cmd, char *buf, size_t len);

#endif
