#include "psp/sys.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int real_open(const char *path, int flags)
{
	return open(path, flags | O_CLOEXEC);
}

static int real_ioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg);
}

static const struct psp_sys real = { real_open, close, real_ioctl };
static const struct psp_sys *cur = &real;

const struct psp_sys *psp_sys(void)
{
	return cur;
}

void psp_sys_set(const struct psp_sys *s)
{
	cur = s ? s : &real;
}
