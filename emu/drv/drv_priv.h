/* Driver internals shared by its files.  Not for use outside emu/drv. */
#ifndef SWSEV_DRV_PRIV_H
#define SWSEV_DRV_PRIV_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "emu/drv/drv.h"
#include "emu/fw/fw.h"

#ifndef ENOTSUPP
#define ENOTSUPP 524 /* kernel-internal, but it leaks to user space from GET_ID */
#endif

#define SEV_FW_BLOB_MAX_SIZE 0x4000 /* the kernel's cap on any blob it copies */
#define DRV_PAGE 4096

/* Kernel memory: bounce buffers the driver hands the firmware, at addresses above any
 * user address so the firmware's memory view can tell the two apart. */
struct kbuf {
	uint64_t pa;
	uint8_t *p;
	size_t len;
};

#define KMEM_MAX 8

struct kmem {
	uint64_t next;
	struct kbuf b[KMEM_MAX];
	int n;
};

/* A VM as KVM keeps it (struct kvm_sev_info). */
struct drv_vm {
	bool active;        /* KVM_SEV_INIT done */
	bool es;            /* KVM_SEV_ES_INIT */
	uint32_t asid;
	uint32_t handle;    /* firmware guest, 0 before LAUNCH_START / RECEIVE_START */
	struct { uint64_t addr, size; } *regions;
	size_t nregions;
	uint64_t *vmsa;     /* vCPU VMSA pages (emulator: in the VMM's memory) */
	uint32_t nvcpus;
};

struct drv {
	pthread_mutex_t lock;
	struct chip *chip;
	struct fw *fw;
	struct drv_opts o;
	bool plat_init;         /* the driver's belief: SEV_STATE_INIT */
	uint64_t kbase;         /* start of "kernel" addresses */
	uint8_t *nv;            /* INIT_EX area (kernel memory), or NULL */
	bool nv_loaded;
	uint64_t tmr_pa;        /* a 1 MiB aligned "kernel" address for the SEV-ES TMR */
	/* KVM's ASID bitmaps: in use, and freed-but-not-yet-flushed */
	uint8_t *asid_used, *asid_reclaim;
	struct drv_file *files; /* every open file (for power-cycle teardown) */
};

struct drv_file {
	struct drv *d;
	bool writable, privileged;
	struct drv_vm vm;
	char reason[256];       /* why the current ioctl failed */
	char last_failure[256]; /* why the last failed one did (SWSEV_CTL_LAST_ERROR) */
	struct drv_file *next;
};

/* Per-ioctl context: the caller's memory, kernel bounce buffers, the file. */
struct drv_req {
	struct drv_file *f;
	struct drv *d;
	struct uaccess *ua;
	struct kmem km;
};

/* Records why the ioctl failed and returns err (a -errno). */
long drv_fail(struct drv_req *r, long err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Kernel memory for this request: zeroed, cleansed when the request ends. */
void *kmem_alloc(struct drv_req *r, size_t len, uint64_t *pa);
void kmem_release(struct drv_req *r);

/* __sev_do_cmd_locked: the firmware command with buf in kernel memory; returns 0, or
 * -EIO with *error = the firmware status (the reason is kept on the file).
 * Writes the INIT_EX file after commands that change the NV area. */
int drv_fw(struct drv_req *r, uint32_t cmd, void *buf, int *error);

/* __sev_platform_init_locked / __sev_platform_shutdown_locked. */
int drv_platform_init(struct drv_req *r, int *error);
int drv_platform_shutdown(struct drv_req *r, int *error);

/* psp_copy_user_blob: len 0, addr 0, or len > 16 KiB is -EINVAL; a bad pointer -EFAULT
 * (or -UA_EFETCH while prefetching).  Returns the copy's kernel address, 0 on error. */
uint64_t drv_copy_user_blob(struct drv_req *r, uint64_t uaddr, uint32_t len, long *err);

/* Handlers. */
long drv_sev_issue_cmd(struct drv_req *r, uint64_t arg);
long drv_vm_op(struct drv_req *r, uint64_t arg);
long drv_vm_region(struct drv_req *r, uint64_t arg, bool reg);
long drv_vm_set_vcpus(struct drv_req *r, uint64_t arg);
long drv_raw_fw_cmd(struct drv_req *r, uint64_t arg);
long drv_guest_view(struct drv_req *r, uint64_t arg);
long drv_ctl(struct drv_req *r, uint64_t arg);

/* The VM's end: DEACTIVATE + DECOMMISSION, ASID to the reclaim list. */
void drv_vm_teardown(struct drv_req *r, struct drv_vm *vm);

#endif
