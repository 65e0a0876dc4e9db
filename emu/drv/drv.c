/* The emulated driver's device, descriptors and ioctl dispatch. */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu/crypto/symm.h"
#include "emu/drv/drv_priv.h"
#include "emu/drv/swsev_uapi.h"
#include "emu/fw/buffers.h"
#include "emu/util/log.h"

#define KMEM_REQ_OFF 0x1000ull
#define KMEM_NV_OFF  0x100000000ull
#define KMEM_TMR_OFF 0x200000000ull
#define NV_LEN       0x8000

long drv_fail(struct drv_req *r, long err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->f->reason, sizeof(r->f->reason), fmt, ap);
	va_end(ap);
	return err;
}

const char *drv_file_reason(const struct drv_file *f)
{
	return f->reason;
}

void drv_file_set_reason(struct drv_file *f, const char *reason)
{
	pthread_mutex_lock(&f->d->lock);
	snprintf(f->reason, sizeof(f->reason), "%s", reason);
	memcpy(f->last_failure, f->reason, sizeof(f->reason));
	pthread_mutex_unlock(&f->d->lock);
}

struct chip *drv_chip(struct drv *d)
{
	return d->chip;
}

/* ---- kernel memory and the firmware's view of memory --------------------------------- */

void *kmem_alloc(struct drv_req *r, size_t len, uint64_t *pa)
{
	struct kbuf *b;

	if (r->km.n == KMEM_MAX)
		return NULL;
	b = &r->km.b[r->km.n];
	b->p = calloc(1, len ? len : 1);
	if (!b->p)
		return NULL;
	if (!r->km.next)
		r->km.next = r->d->kbase + KMEM_REQ_OFF;
	b->pa = r->km.next;
	b->len = len;
	r->km.next += (len + DRV_PAGE - 1) / DRV_PAGE * DRV_PAGE + DRV_PAGE;
	r->km.n++;
	*pa = b->pa;
	return b->p;
}

void kmem_release(struct drv_req *r)
{
	for (int i = 0; i < r->km.n; i++)
		secure_free(r->km.b[i].p, r->km.b[i].len ? r->km.b[i].len : 1);
	r->km.n = 0;
	r->km.next = 0;
}

static uint8_t *kmem_find(struct drv_req *r, uint64_t pa, size_t len)
{
	if (r->d->nv && pa >= r->d->kbase + KMEM_NV_OFF && pa + len <= r->d->kbase + KMEM_NV_OFF + NV_LEN)
		return r->d->nv + (pa - r->d->kbase - KMEM_NV_OFF);
	for (int i = 0; i < r->km.n; i++)
		if (pa >= r->km.b[i].pa && pa + len <= r->km.b[i].pa + r->km.b[i].len)
			return r->km.b[i].p + (pa - r->km.b[i].pa);
	return NULL;
}

static int mem_read(void *ctx, uint64_t pa, void *dst, size_t len)
{
	struct drv_req *r = ctx;
	uint8_t *k;

	if (pa >= r->d->kbase) {
		if (!(k = kmem_find(r, pa, len)))
			return -1;
		memcpy(dst, k, len);
		return 0;
	}
	/* Anything below is user memory: in emulation the "physical" address of a pinned
	 * user page is its user address. */
	return ua_read(r->ua, pa, dst, len) == 0 ? 0 : -1;
}

static int mem_write(void *ctx, uint64_t pa, const void *src, size_t len)
{
	struct drv_req *r = ctx;
	uint8_t *k;

	if (pa >= r->d->kbase) {
		if (!(k = kmem_find(r, pa, len)))
			return -1;
		memcpy(k, src, len);
		return 0;
	}
	return ua_write(r->ua, pa, src, len) == 0 ? 0 : -1;
}

/* ---- INIT_EX: the NV area mirrored to a file, as the kernel's init_ex_path ------------ */

static int nv_file_read(struct drv *d)
{
	int fd = open(d->o.init_ex_path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return errno == ENOENT ? 0 : -errno; /* "will be created later" */
	n = read(fd, d->nv, NV_LEN);
	close(fd);
	if (n < 0)
		return -EIO;
	return 0;
}

static int nv_file_write(struct drv *d)
{
	char tmp[300];
	int fd;
	ssize_t n;

	snprintf(tmp, sizeof(tmp), "%s.tmp", d->o.init_ex_path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	n = write(fd, d->nv, NV_LEN);
	if (n != NV_LEN || fsync(fd) != 0) {
		close(fd);
		unlink(tmp);
		return -EIO;
	}
	close(fd);
	return rename(tmp, d->o.init_ex_path) == 0 ? 0 : -errno;
}

/* ---- firmware calls ------------------------------------------------------------------ */

int drv_fw(struct drv_req *r, uint32_t cmd, void *buf, int *error)
{
	struct fw_mem mem = { mem_read, mem_write, r };
	uint32_t st = fw_command(r->d->fw, cmd, buf, &mem);

	if (error)
		*error = (int)st;
	if (st != SEV_STATUS_SUCCESS) {
		snprintf(r->f->reason, sizeof(r->f->reason), "%s", fw_reason(r->d->fw));
		return -EIO;
	}
	if (r->d->nv && (cmd == FW_CMD_INIT_EX || cmd == FW_CMD_PLATFORM_RESET || cmd == FW_CMD_PEK_GEN ||
			 cmd == FW_CMD_PEK_CERT_IMPORT || cmd == FW_CMD_PDH_GEN)) {
		int rc = nv_file_write(r->d);
		if (rc)
			return drv_fail(r, rc, "cannot write the INIT_EX file %s", r->d->o.init_ex_path);
	}
	return 0;
}

int drv_platform_init(struct drv_req *r, int *error)
{
	struct drv *d = r->d;
	const struct fw_config *cfg = fw_get_config(d->fw);
	int psp_ret = -1, rc;
	struct fwb_init init = { 0 };
	struct fwb_init_ex iex = { 0 };

	if (d->plat_init)
		return 0;
	if (d->nv && !d->nv_loaded) {
		if ((rc = nv_file_read(d)) != 0) {
			if (error)
				*error = -1;
			return drv_fail(r, rc, "cannot read the INIT_EX file %s", d->o.init_ex_path);
		}
		d->nv_loaded = true;
	}
	/* The kernel hands over a TMR (and asks for SEV-ES) when the CPU has SEV-ES. */
	if (cfg->es) {
		init.flags = iex.flags = 0x1;
		init.tmr_paddr = iex.tmr_paddr = d->tmr_pa;
		init.tmr_length = iex.tmr_length = 0x100000;
	}
	iex.length = sizeof(iex);
	iex.nv_paddr = d->kbase + KMEM_NV_OFF;
	iex.nv_length = NV_LEN;
	rc = d->nv ? drv_fw(r, FW_CMD_INIT_EX, &iex, &psp_ret) : drv_fw(r, FW_CMD_INIT, &init, &psp_ret);
	if (rc && psp_ret == SEV_STATUS_SECURE_DATA_INVALID) {
		/* "Retrying once to reset PSP SEV state" */
		log_warn("SEV: retrying INIT command because of SECURE_DATA_INVALID error");
		rc = d->nv ? drv_fw(r, FW_CMD_INIT_EX, &iex, &psp_ret) : drv_fw(r, FW_CMD_INIT, &init, &psp_ret);
	}
	if (error)
		*error = psp_ret;
	if (rc)
		return rc;
	d->plat_init = true;
	/* Prepare for the first guest: WBINVD on all CPUs, then DF_FLUSH. */
	fw_wbinvd(d->fw);
	return drv_fw(r, FW_CMD_DF_FLUSH, NULL, error);
}

int drv_platform_shutdown(struct drv_req *r, int *error)
{
	int rc;

	if (!r->d->plat_init)
		return 0;
	rc = drv_fw(r, FW_CMD_SHUTDOWN, NULL, error);
	if (rc == 0)
		r->d->plat_init = false;
	return rc;
}

uint64_t drv_copy_user_blob(struct drv_req *r, uint64_t uaddr, uint32_t len, long *err)
{
	uint64_t pa;
	void *p;
	int rc;

	if (!uaddr || !len) {
		*err = drv_fail(r, -EINVAL, "blob address or length is 0");
		return 0;
	}
	if (len > SEV_FW_BLOB_MAX_SIZE) {
		*err = drv_fail(r, -EINVAL, "blob length %u exceeds SEV_FW_BLOB_MAX_SIZE (16 KiB)", len);
		return 0;
	}
	if (!(p = kmem_alloc(r, len, &pa))) {
		*err = -ENOMEM;
		return 0;
	}
	if ((rc = ua_read(r->ua, uaddr, p, len)) != 0) {
		*err = rc == -EFAULT ? drv_fail(r, -EFAULT, "blob at 0x%llx not readable", (unsigned long long)uaddr) : rc;
		return 0;
	}
	return pa;
}

/* ---- profiles -------------------------------------------------------------------------- */

int drv_profile_parse(const char *s, struct drv_opts *o, char *msg, size_t msglen)
{
	char buf[512], *tok, *save = NULL;

	memset(o, 0, sizeof(*o));
	o->init_on_probe = true;
	if (!s || !*s)
		return 0;
	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "probe-init") == 0) {
			o->init_on_probe = true;
			o->transient_init = false;
		} else if (strcmp(tok, "lazy") == 0) {
			o->init_on_probe = false;
			o->transient_init = false;
		} else if (strcmp(tok, "transient") == 0) {
			o->init_on_probe = false;
			o->transient_init = true;
		} else if (strcmp(tok, "cap-sys-admin") == 0) {
			o->cap_sys_admin = true;
		} else if (strncmp(tok, "init-ex=", 8) == 0 && tok[8]) {
			snprintf(o->init_ex_path, sizeof(o->init_ex_path), "%s", tok + 8);
		} else {
			snprintf(msg, msglen,
				 "unknown driver profile element '%s' (probe-init, lazy, transient, cap-sys-admin, init-ex=PATH)", tok);
			return -1;
		}
	}
	return 0;
}

void drv_profile_format(const struct drv_opts *o, char *out, size_t len)
{
	snprintf(out, len, "%s%s%s%s", o->transient_init ? "transient" : o->init_on_probe ? "probe-init" : "lazy",
		 o->cap_sys_admin ? ",cap-sys-admin" : "", o->init_ex_path[0] ? ",init-ex=" : "", o->init_ex_path);
}

/* ---- device and files ------------------------------------------------------------------ */

struct drv *drv_new(struct chip *chip, const struct drv_opts *o, char *msg, size_t msglen)
{
	struct drv *d = calloc(1, sizeof(*d));
	const struct fw_config *cfg;

	if (!d) {
		snprintf(msg, msglen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&d->lock, NULL);
	d->chip = chip;
	d->fw = chip_fw(chip);
	d->o = *o;
	cfg = fw_get_config(d->fw);
	/* Kernel addresses: above every user address and clear of the C-bit. */
	d->kbase = cfg->cbit == 48 ? 1ull << 49 : 1ull << 48;
	d->tmr_pa = d->kbase + KMEM_TMR_OFF;
	d->asid_used = calloc(cfg->max_asid + 1, 1);
	d->asid_reclaim = calloc(cfg->max_asid + 1, 1);
	if (o->init_ex_path[0])
		d->nv = calloc(1, NV_LEN);
	if (!d->asid_used || !d->asid_reclaim || (o->init_ex_path[0] && !d->nv)) {
		snprintf(msg, msglen, "out of memory");
		d->chip = NULL;
		drv_free(d);
		return NULL;
	}
	if (o->init_on_probe) {
		/* sev_pci_init: a failed INIT is logged, the device still appears. */
		struct drv_file probe = { .d = d, .writable = true };
		struct drv_req r = { &probe, d, uaccess_local(), { 0 } };
		int error = 0;
		if (drv_platform_init(&r, &error) != 0)
			log_error("SEV: failed to INIT error %#x: %s", error, probe.reason);
		kmem_release(&r);
	}
	return d;
}

void drv_free(struct drv *d)
{
	if (!d)
		return;
	if (d->fw) {
		struct drv_file dummy = { .d = d, .writable = true };
		struct drv_req r = { &dummy, d, uaccess_local(), { 0 } };
		while (d->files)
			drv_release(d->files);
		drv_platform_shutdown(&r, NULL);
		kmem_release(&r);
	}
	chip_close(d->chip);
	free(d->asid_used);
	free(d->asid_reclaim);
	if (d->nv)
		secure_free(d->nv, NV_LEN);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

struct drv_file *drv_open(struct drv *d, bool writable, bool privileged)
{
	struct drv_file *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->d = d;
	f->writable = writable;
	f->privileged = privileged;
	pthread_mutex_lock(&d->lock);
	f->next = d->files;
	d->files = f;
	pthread_mutex_unlock(&d->lock);
	return f;
}

void drv_release(struct drv_file *f)
{
	struct drv *d = f->d;
	struct drv_req r = { f, d, uaccess_local(), { 0 } };

	pthread_mutex_lock(&d->lock);
	drv_vm_teardown(&r, &f->vm);
	kmem_release(&r);
	for (struct drv_file **p = &d->files; *p; p = &(*p)->next) {
		if (*p == f) {
			*p = f->next;
			break;
		}
	}
	pthread_mutex_unlock(&d->lock);
	free(f->vm.regions);
	free(f->vm.vmsa);
	free(f);
}

long drv_ioctl(struct drv_file *f, unsigned int cmd, uint64_t arg, struct uaccess *ua)
{
	struct drv_req r = { f, f->d, ua, { 0 } };
	long ret;

	pthread_mutex_lock(&f->d->lock);
	f->reason[0] = '\0';
	switch (cmd) {
	case SEV_ISSUE_CMD:
		ret = drv_sev_issue_cmd(&r, arg);
		break;
	case SWSEV_IOC_VM_OP:
		ret = drv_vm_op(&r, arg);
		break;
	case SWSEV_IOC_VM_REG_REGION:
	case SWSEV_IOC_VM_UNREG_REGION:
		ret = drv_vm_region(&r, arg, cmd == SWSEV_IOC_VM_REG_REGION);
		break;
	case SWSEV_IOC_VM_SET_VCPUS:
		ret = drv_vm_set_vcpus(&r, arg);
		break;
	case SWSEV_IOC_FW_CMD:
		ret = drv_raw_fw_cmd(&r, arg);
		break;
	case SWSEV_IOC_GUEST_VIEW:
		ret = drv_guest_view(&r, arg);
		break;
	case SWSEV_IOC_CTL:
		ret = drv_ctl(&r, arg);
		break;
	default:
		/* sev_ioctl: anything but SEV_ISSUE_CMD is -EINVAL. */
		ret = drv_fail(&r, -EINVAL, "unknown ioctl 0x%08x", cmd);
		break;
	}
	kmem_release(&r);
	if (ret == -UA_EFETCH)
		f->reason[0] = '\0';
	else if (f->reason[0])
		memcpy(f->last_failure, f->reason, sizeof(f->reason));
	pthread_mutex_unlock(&f->d->lock);
	return ret;
}
