/* dev:PATH — a device with the /dev/sev ABI: the CUSE daemon, or the kernel's own
 * /dev/sev.  An emulated device answers SWSEV_IOC_CTL and carries guest commands; the
 * real one only has SEV_ISSUE_CMD (guest commands go through kvm:). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/drv/swsev_uapi.h"
#include "psp/psp_priv.h"
#include "psp/sys.h"

#define CUSE_XFER (64u << 10) /* CUSE moves at most 128 KiB per direction and ioctl */

struct dev_ctx {
	char path[256];
};

static int dev_open(struct psp *p, bool writable, void **file, struct psp_err *err)
{
	struct dev_ctx *c = p->tctx;
	int fd = psp_sys()->open(c->path, writable ? O_RDWR : O_RDONLY);

	if (fd < 0)
		return psp_fail(err, errno, "cannot open %s: %s", c->path, strerror(errno));
	*file = (void *)(intptr_t)(fd + 1);
	return 0;
}

static int fd_of(void *file)
{
	return (int)(intptr_t)file - 1;
}

/* kvm: hands this descriptor to KVM as kvm_sev_cmd.sev_fd. */
int psp_dev_fd(void *file)
{
	return fd_of(file);
}

static void dev_close(struct psp *p, void *file)
{
	(void)p;
	psp_sys()->close(fd_of(file));
}

static int dev_ioctl(struct psp *p, void *file, unsigned long req, void *arg)
{
	(void)p;
	return psp_sys()->ioctl(fd_of(file), req, arg) < 0 ? -errno : 0;
}

static void dev_fini(struct psp *p)
{
	free(p->tctx);
}

const struct psp_transport psp_transport_dev = { "dev", dev_open, dev_close, dev_ioctl, NULL, dev_fini };

/* Shared by dev: and kvm: (whose platform half is the same device). */
int psp_dev_attach(struct psp *p, const char *spec, struct psp_err *err)
{
	struct dev_ctx *c = calloc(1, sizeof(*c));
	const char *q = strchr(spec, '?');
	struct swsev_info info;
	struct swsev_ctl ctl = { .op = SWSEV_CTL_INFO, .len = sizeof(info), .data = (uintptr_t)&info };
	bool ro = false;

	if (!c)
		return psp_fail(err, ENOMEM, "out of memory");
	snprintf(c->path, sizeof(c->path), "%.*s", (int)(q ? (size_t)(q - spec) : strlen(spec)), spec);
	if (!c->path[0])
		snprintf(c->path, sizeof(c->path), "/dev/sev");
	if (q && psp_parse_opts(q + 1, psp_opt_ro, &ro) != 0) {
		free(c);
		return psp_fail(err, EINVAL, "%s: the only option is ro", spec);
	}
	p->t = &psp_transport_dev;
	p->tctx = c;
	p->writable = !ro;
	if (p->t->open(p, p->writable, &p->file, err) != 0) {
		free(c);
		p->tctx = NULL;
		return -1;
	}
	p->caps = PSP_CAP_PLATFORM | PSP_CAP_UPTR_CHECK;
	/* The kernel's driver answers any other ioctl with EINVAL. */
	if (p->t->ioctl(p, p->file, SWSEV_IOC_CTL, &ctl) == 0 && info.uapi_version == SWSEV_UAPI_VERSION) {
		p->caps |= PSP_CAP_GUEST | PSP_CAP_FW_CMD | PSP_CAP_GUEST_VIEW | PSP_CAP_CONTROL | PSP_CAP_REASONS |
			   PSP_CAP_VMSA_PAGES | (info.seeded ? PSP_CAP_DETERMINISTIC : 0);
		p->vmi = &psp_vm_devabi;
		p->max_xfer = CUSE_XFER;
	}
	return 0;
}

int psp_dev_init(struct psp *p, const char *path, struct psp_err *err)
{
	p->backend = "dev";
	return psp_dev_attach(p, path, err);
}
