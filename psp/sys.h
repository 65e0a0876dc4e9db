/* The system calls the dev: and kvm: backends make, behind one table so that tests can
 * put a record/replay double in place of the kernel. */
#ifndef SWSEV_PSP_SYS_H
#define SWSEV_PSP_SYS_H

struct psp_sys {
	int (*open)(const char *path, int flags);
	int (*close)(int fd);
	/* As ioctl(2): -1 with errno on failure. */
	int (*ioctl)(int fd, unsigned long req, void *arg);
};

const struct psp_sys *psp_sys(void);
/* NULL restores the real system calls. */
void psp_sys_set(const struct psp_sys *s);

#endif
