/* The driver layer: what the Linux kernel puts in front of the PSP, emulated.
 *
 * It takes the kernel's ABIs — SEV_ISSUE_CMD on /dev/sev (<linux/psp-sev.h>) and the
 * KVM_SEV_* guest commands (<linux/kvm.h>, through SWSEV_IOC_VM_OP) — and turns them
 * into firmware commands with the kernel's own rules: length queries, the 16 KiB blob
 * cap, implicit INIT, EPERM on a read-only descriptor, ASID allocation, ACTIVATE after
 * LAUNCH_START, one-page SEND/RECEIVE chunks, teardown on close.
 *
 * One struct drv per emulated chip (the kernel's sev_device); one struct drv_file per
 * open descriptor.  Commands are serialised (the kernel's sev_cmd_mutex). */
#ifndef SWSEV_DRV_DRV_H
#define SWSEV_DRV_DRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu/chip/chip.h"
#include "emu/drv/uaccess.h"

/* Behaviour that differs across kernel versions. */
struct drv_opts {
	bool init_on_probe;  /* INIT when the device appears (psp_init_on_probe=1, the default
				until the 2025 rework) */
	bool transient_init; /* an ioctl that had to INIT shuts the platform down again before
				returning (2025 kernels, commit ceac7fb89e8d) */
	bool cap_sys_admin;  /* write commands need CAP_SYS_ADMIN instead of FMODE_WRITE (old
				kernels) */
	char init_ex_path[256]; /* non-empty: INIT_EX, NV area persisted in this file */
};

/* Profiles by name, comma-separated modifiers:
 *   "probe-init"  INIT at probe, implicit INIT persistent (kernels 5.x–6.x; default)
 *   "lazy"        no INIT at probe, implicit INIT persistent (psp_init_on_probe=0)
 *   "transient"   no INIT at probe, implicit INIT undone (2025 kernels)
 *   "cap-sys-admin", "init-ex=PATH"  modifiers
 * Returns 0 or -1 with msg. */
int drv_profile_parse(const char *s, struct drv_opts *o, char *msg, size_t msglen);
void drv_profile_format(const struct drv_opts *o, char *out, size_t len);

struct drv;
struct drv_file;

/* Takes ownership of the chip.  "Probes" the device: INIT if the profile says so. */
struct drv *drv_new(struct chip *chip, const struct drv_opts *o, char *msg, size_t msglen);
/* Module unload: every file must be released; shuts the platform down. */
void drv_free(struct drv *d);
struct chip *drv_chip(struct drv *d);

/* An open descriptor.  privileged: the opener has CAP_SYS_ADMIN (cap-sys-admin profile). */
struct drv_file *drv_open(struct drv *d, bool writable, bool privileged);
/* Close: the file's VM, if any, is torn down as KVM does when a VM dies. */
void drv_release(struct drv_file *f);

/* One ioctl.  Returns 0 or -errno, as the kernel would return it to user space;
 * -UA_EFETCH from a remote uaccess means "run again with the data it asked for". */
long drv_ioctl(struct drv_file *f, unsigned int cmd, uint64_t arg, struct uaccess *ua);

/* Why the file's last ioctl failed (firmware reason or driver check), or "". */
const char *drv_file_reason(const struct drv_file *f);

/* A transport failing an ioctl itself (one of its own limits): the reason is kept as the
 * driver keeps its own, for SWSEV_CTL_LAST_ERROR. */
void drv_file_set_reason(struct drv_file *f, const char *reason);

#endif
