/* User memory for in-process callers: their memory is ours, so the prepare phase has
 * nothing to fetch and copies are plain memcpy. */
#include <errno.h>
#include <string.h>

#include "emu/drv/uaccess.h"

static int bad(uint64_t addr, size_t len)
{
	return addr == 0 || addr + len < addr || addr + len > UINTPTR_MAX;
}

static int l_read(struct uaccess *ua, uint64_t addr, void *dst, size_t len)
{
	(void)ua;
	if (bad(addr, len))
		return -EFAULT;
	memcpy(dst, (const void *)(uintptr_t)addr, len);
	return 0;
}

static int l_check(struct uaccess *ua, uint64_t addr, size_t len)
{
	(void)ua;
	return bad(addr, len) ? -EFAULT : 0;
}

static int l_commit(struct uaccess *ua)
{
	(void)ua;
	return 0;
}

static int l_write(struct uaccess *ua, uint64_t addr, const void *src, size_t len)
{
	(void)ua;
	if (bad(addr, len))
		return -EFAULT;
	memmove((void *)(uintptr_t)addr, src, len);
	return 0;
}

static void *l_map(struct uaccess *ua, uint64_t addr, size_t len, int writable)
{
	(void)ua;
	(void)writable;
	return bad(addr, len) ? NULL : (void *)(uintptr_t)addr;
}

static const struct uaccess_ops local_ops = { l_read, l_check, l_check, l_commit, l_write, l_map };
static struct uaccess local = { &local_ops };

struct uaccess *uaccess_local(void)
{
	return &local;
}
