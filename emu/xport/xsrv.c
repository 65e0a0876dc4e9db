/* Shared server plumbing (xsrv.h). */
#include "emu/xport/xsrv.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

void xp_stats_init(struct xp_stats *st, uint32_t transport, uint32_t max_request)
{
	memset(st, 0, sizeof(*st));
	pthread_mutex_init(&st->lock, NULL);
	st->s.transport = transport;
	st->s.max_request = max_request;
}

void xp_stats_add(struct xp_stats *st, __u64 *field, int64_t n)
{
	pthread_mutex_lock(&st->lock);
	*field += (uint64_t)n;
	pthread_mutex_unlock(&st->lock);
}

static long fail(struct drv_file *f, long err, const char *msg)
{
	drv_file_set_reason(f, msg);
	return err;
}

long xp_run_ioctl(struct xp_stats *st, struct drv_file *f, unsigned int cmd, uint64_t arg, struct uaccess *ua)
{
	struct swsev_xport_stats snap;
	struct swsev_ctl c;
	int rc;

	if (cmd != SWSEV_IOC_CTL)
		return drv_ioctl(f, cmd, arg, ua);
	if ((rc = ua_read(ua, arg, &c, sizeof(c))) == -UA_EFETCH)
		return rc;
	if (rc || c.op != SWSEV_CTL_XPORT_STATS)
		return drv_ioctl(f, cmd, arg, ua);
	if (c.len < sizeof(snap) || !c.data) {
		if (ua_commit(ua))
			return -UA_EFETCH;
		return fail(f, -EINVAL, "SWSEV_CTL_XPORT_STATS needs a buffer of sizeof(struct swsev_xport_stats)");
	}
	if ((rc = ua_want_write(ua, c.data, sizeof(snap))) || (rc = ua_commit(ua)))
		return rc == -EFAULT ? fail(f, -EFAULT, "statistics buffer not writable") : rc;
	pthread_mutex_lock(&st->lock);
	snap = st->s;
	pthread_mutex_unlock(&st->lock);
	if (ua_write(ua, c.data, &snap, sizeof(snap)))
		return fail(f, -EFAULT, "statistics buffer not writable");
	return 0;
}

const char *xp_ioctl_name(unsigned int cmd, char *buf, size_t len)
{
	switch (cmd) {
	case SEV_ISSUE_CMD: return "SEV_ISSUE_CMD";
	case SWSEV_IOC_VM_OP: return "SWSEV_IOC_VM_OP";
	case SWSEV_IOC_VM_REG_REGION: return "SWSEV_IOC_VM_REG_REGION";
	case SWSEV_IOC_VM_UNREG_REGION: return "SWSEV_IOC_VM_UNREG_REGION";
	case SWSEV_IOC_VM_SET_VCPUS: return "SWSEV_IOC_VM_SET_VCPUS";
	case SWSEV_IOC_FW_CMD: return "SWSEV_IOC_FW_CMD";
	case SWSEV_IOC_GUEST_VIEW: return "SWSEV_IOC_GUEST_VIEW";
	case SWSEV_IOC_CTL: return "SWSEV_IOC_CTL";
	default:
		snprintf(buf, len, "ioctl 0x%08x", cmd);
		return buf;
	}
}
