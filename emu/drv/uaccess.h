/* How the driver layer reaches the caller's memory — the emulator's copy_from_user and
 * copy_to_user.
 *
 * In-process, user memory is this process's memory.  Behind a transport (CUSE, the Unix
 * socket) it is another process's, reachable only in rounds: a request runs, finds
 * data it has not got yet, and asks the transport for it (the CUSE retry mechanism).
 * So every driver handler is written in two phases:
 *
 *   1. prepare: ua_read() everything it needs, ua_prefetch() memory the firmware will
 *      read, ua_want_write() every range it may write back — no side effects;
 *   2. ua_commit(), then act: firmware commands, ua_write().
 *
 * Until ua_commit() succeeds a handler may return -UA_EFETCH at any point and will be run
 * again from the start with more data; after it, nothing may be missing. */
#ifndef SWSEV_DRV_UACCESS_H
#define SWSEV_DRV_UACCESS_H

#include <stddef.h>
#include <stdint.h>

/* "Not fetched yet": outside the errno range so it can never be mistaken for a result. */
#define UA_EFETCH 4096

struct uaccess;

struct uaccess_ops {
	/* 0, -EFAULT (bad address), or -UA_EFETCH (not fetched yet; recorded) */
	int (*read)(struct uaccess *ua, uint64_t addr, void *dst, size_t len);
	/* Make a range readable without copying it here (guest memory the firmware will
	 * read): 0, -EFAULT or -UA_EFETCH. */
	int (*prefetch)(struct uaccess *ua, uint64_t addr, size_t len);
	/* Declare a range the request may write: 0, -EFAULT or -UA_EFETCH. */
	int (*want_write)(struct uaccess *ua, uint64_t addr, size_t len);
	/* End of the prepare phase: 0, or -UA_EFETCH if anything above was deferred. */
	int (*commit)(struct uaccess *ua);
	/* After commit: 0 or -EFAULT.  Writing an undeclared range is -EFAULT. */
	int (*write)(struct uaccess *ua, uint64_t addr, const void *src, size_t len);
	/* Direct access to fetched/prepared memory for the firmware (no copy where the
	 * transport can avoid one); NULL if not available. */
	void *(*map)(struct uaccess *ua, uint64_t addr, size_t len, int writable);
};

struct uaccess {
	const struct uaccess_ops *ops;
};

static inline int ua_read(struct uaccess *ua, uint64_t addr, void *dst, size_t len)
{
	return len ? ua->ops->read(ua, addr, dst, len) : 0;
}

static inline int ua_prefetch(struct uaccess *ua, uint64_t addr, size_t len)
{
	return len ? ua->ops->prefetch(ua, addr, len) : 0;
}

static inline int ua_want_write(struct uaccess *ua, uint64_t addr, size_t len)
{
	return len ? ua->ops->want_write(ua, addr, len) : 0;
}

static inline int ua_commit(struct uaccess *ua)
{
	return ua->ops->commit(ua);
}

static inline int ua_write(struct uaccess *ua, uint64_t addr, const void *src, size_t len)
{
	return len ? ua->ops->write(ua, addr, src, len) : 0;
}

/* The in-process flavour: user memory is ours.  NULL and ranges that wrap are -EFAULT;
 * other bad pointers are the caller's bug, as with any in-process library. */
struct uaccess *uaccess_local(void);

#endif
