/* Opening a platform by URI, capabilities, and the error plumbing every call shares. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/drv/swsev_uapi.h"
#include "emu/fw/status.h"
#include "psp/psp_priv.h"

const char *psp_fw_status_name(uint32_t status)
{
	return sev_status_name(status);
}

void psp_err_clear(struct psp_err *err)
{
	if (err)
		memset(err, 0, sizeof(*err));
}

int psp_fail(struct psp_err *err, int e, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		memset(err, 0, sizeof(*err));
		err->err = e;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	errno = e;
	return -1;
}

static const char *errno_name(int e)
{
	switch (e) {
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EIO: return "EIO";
	case ENOMEM: return "ENOMEM";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EINVAL: return "EINVAL";
	case ENOTTY: return "ENOTTY";
	case ENOTSUP: return "ENOTSUP";
	case EBADF: return "EBADF";
	case EACCES: return "EACCES";
	case 524: return "ENOTSUPP";
	default: return NULL;
	}
}

void psp_err_format(const struct psp_err *e, char *buf, size_t len)
{
	const char *name = errno_name(e->err);
	char head[128];

	if (e->fw_set && e->err == EIO)
		snprintf(head, sizeof(head), "firmware status %s (0x%02x)", sev_status_name(e->fw), e->fw);
	else if (name)
		snprintf(head, sizeof(head), "%s (%s)", name, e->err == 524 ? "operation not supported" : strerror(e->err));
	else
		snprintf(head, sizeof(head), "error %d (%s)", e->err, strerror(e->err));
	if (e->msg[0])
		snprintf(buf, len, "%s: %s", head, e->msg);
	else
		snprintf(buf, len, "%s", head);
}

int psp_ctl_call(struct psp *p, void *file, void *ctl, struct psp_err *err)
{
	int rc;

	if (!(p->caps & PSP_CAP_CONTROL))
		return psp_fail(err, ENOTSUP, "backend %s has no emulator controls", p->backend);
	rc = p->t->ioctl(p, file, SWSEV_IOC_CTL, ctl);
	if (rc)
		return psp_fail_ioctl(p, file, rc, 0, false, "control", err);
	return 0;
}

int psp_fail_ioctl(struct psp *p, void *file, int rc, uint32_t fw, bool fw_set, const char *what, struct psp_err *err)
{
	struct psp_err e = { .err = -rc, .fw = fw, .fw_set = fw_set && rc == -EIO };

	if (p->t->reason) {
		p->t->reason(p, file, e.msg, sizeof(e.msg));
	} else if (p->caps & PSP_CAP_REASONS) {
		struct swsev_ctl c = { .op = SWSEV_CTL_LAST_ERROR, .len = sizeof(e.msg), .data = (uintptr_t)e.msg };
		if (p->t->ioctl(p, file, SWSEV_IOC_CTL, &c) != 0)
			e.msg[0] = '\0';
	}
	if (!e.msg[0]) {
		if (e.fw_set)
			snprintf(e.msg, sizeof(e.msg), "%s: the firmware returned %s", what, sev_status_name(fw));
		else
			snprintf(e.msg, sizeof(e.msg), "%s failed", what);
	}
	if (err)
		*err = e;
	errno = -rc;
	return -1;
}

int psp_require(const struct psp *p, unsigned caps, struct psp_err *err)
{
	static const char *const names[] = { "platform commands", "guest commands", "raw firmware commands",
					     "the guest view", "emulator controls", "failure reasons",
					     "user-pointer checks", "caller-filled VMSA pages", "deterministic mode" };
	unsigned missing = caps & ~p->caps;

	if (!missing)
		return 0;
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (missing & (1u << i))
			return psp_fail(err, ENOTSUP, "backend %s (%s) does not offer %s", p->backend, p->uri, names[i]);
	return psp_fail(err, ENOTSUP, "backend %s lacks a capability", p->backend);
}

unsigned psp_caps(const struct psp *p)
{
	return p->caps;
}

const char *psp_backend(const struct psp *p)
{
	return p->backend;
}

const char *psp_uri(const struct psp *p)
{
	return p->uri;
}

int psp_parse_opts(const char *opts, int (*fn)(void *ctx, const char *k, const char *v), void *ctx)
{
	char buf[512], *tok, *save = NULL;

	if (!opts || !*opts)
		return 0;
	snprintf(buf, sizeof(buf), "%s", opts);
	for (tok = strtok_r(buf, "&", &save); tok; tok = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(tok, '=');
		if (eq)
			*eq = '\0';
		if (fn(ctx, tok, eq ? eq + 1 : "") != 0)
			return -1;
	}
	return 0;
}

int psp_open(const char *uri, struct psp **out, struct psp_err *err)
{
	struct psp *p;
	const char *rest;
	char base[512], profile[256];
	int rc;

	psp_err_clear(err);
	*out = NULL;
	if (!uri || !*uri)
		uri = getenv("SWSEV_BACKEND");
	if (!uri || !*uri)
		uri = "emu:";
	p = calloc(1, sizeof(*p));
	if (!p)
		return psp_fail(err, ENOMEM, "out of memory");
	snprintf(p->uri, sizeof(p->uri), "%s", uri);
	if (psp_uri_take_profile(uri, base, sizeof(base), profile, sizeof(profile)) != 0) {
		free(p);
		return psp_fail(err, EINVAL, "backend URI '%s': bad or too long latency-profile= option", uri);
	}
	uri = base;
	p->kvm_fd = -1;
	if (strncmp(uri, "emu:", 4) == 0) {
		rest = uri + 4;
		rc = psp_emu_init(p, rest, err);
	} else if (strncmp(uri, "unix:", 5) == 0) {
		rc = psp_unix_init(p, uri + 5, err);
	} else if (strncmp(uri, "dev:", 4) == 0) {
		rc = psp_dev_init(p, uri + 4, err);
	} else if (strncmp(uri, "kvm:", 4) == 0 || strcmp(uri, "kvm") == 0) {
		rc = psp_kvm_init(p, uri[3] ? uri + 4 : "", err);
	} else {
		free(p);
		return psp_fail(err, EINVAL, "backend URI '%s': expected emu:DIR, unix:PATH, dev:PATH or kvm:", uri);
	}
	if (rc) {
		free(p);
		return -1;
	}
	if (profile[0] && psp_load_latency_profile(p, profile, err) != 0) {
		psp_close(p);
		return -1;
	}
	*out = p;
	return 0;
}

void psp_close(struct psp *p)
{
	if (!p)
		return;
	while (p->vms)
		psp_vm_destroy(p->vms);
	if (p->file)
		p->t->close(p, p->file);
	if (p->t->fini)
		p->t->fini(p);
	free(p);
}

int psp_opt_ro(void *ctx, const char *k, const char *v)
{
	bool *ro = ctx;

	if (strcmp(k, "ro") != 0)
		return -1;
	*ro = psp_opt_true(v);
	return 0;
}

bool psp_opt_true(const char *v)
{
	return !*v || strcmp(v, "1") == 0;
}
