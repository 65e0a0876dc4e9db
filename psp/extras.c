/* The emulator's extras: raw firmware commands, the guest view, the test rig. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/drv/swsev_uapi.h"
#include "emu/fw/fw.h"
#include "psp/psp_priv.h"

int psp_fw_cmd(struct psp *p, uint32_t cmd, void *buf, uint32_t len, uint32_t *status, struct psp_err *err)
{
	struct swsev_fw_cmd c = { .cmd = cmd, .data = (uintptr_t)buf, .len = len };
	const char *name = fw_cmd_name(cmd);
	int rc;

	psp_err_clear(err);
	if (psp_require(p, PSP_CAP_FW_CMD, err))
		return -1;
	rc = p->t->ioctl(p, p->file, SWSEV_IOC_FW_CMD, &c);
	if (rc)
		return psp_fail_ioctl(p, p->file, rc, 0, false, name ? name : "firmware command", err);
	*status = c.status;
	if (c.status) {
		/* The ioctl worked; the firmware said no: report it like a refused command. */
		psp_fail_ioctl(p, p->file, -EIO, c.status, true, name ? name : "firmware command", err);
		errno = 0;
	}
	return 0;
}

static int view(struct psp_vm *vm, uint32_t handle, const void *addr, void *buf, size_t len, bool write,
		struct psp_err *err)
{
	struct psp *p = vm->p;
	const uint8_t *a = addr;
	uint8_t *b = buf;
	/* One call moves the range both ways (guest memory in, plaintext out). */
	size_t max = p->max_xfer ? p->max_xfer / 2 : 0;

	psp_err_clear(err);
	if (psp_require(p, PSP_CAP_GUEST_VIEW, err))
		return -1;
	do {
		size_t n = max && len > max ? max : len;
		struct swsev_guest_view v = { .handle = handle, .write = write, .addr = (uintptr_t)a, .buf = (uintptr_t)b, .len = (uint32_t)n };
		int rc = p->t->ioctl(p, vm->file, SWSEV_IOC_GUEST_VIEW, &v);
		if (rc)
			return psp_fail_ioctl(p, vm->file, rc, 0, false, "guest view", err);
		if (v.status)
			return psp_fail_ioctl(p, vm->file, -EIO, v.status, true, "guest view", err);
		a += n;
		b += n;
		len -= n;
	} while (len);
	return 0;
}

int psp_guest_read(struct psp_vm *vm, uint32_t handle, const void *addr, void *buf, size_t len, struct psp_err *err)
{
	return view(vm, handle, addr, buf, len, false, err);
}

int psp_guest_write(struct psp_vm *vm, uint32_t handle, void *addr, const void *buf, size_t len, struct psp_err *err)
{
	return view(vm, handle, addr, (void *)(uintptr_t)buf, len, true, err);
}

static int ctl(struct psp *p, uint32_t op, uint32_t cmd, uint32_t nth, uint32_t status, uint32_t delay, void *data,
	       uint32_t len, struct psp_err *err)
{
	struct swsev_ctl c = { op, cmd, nth, status, delay, len, (uintptr_t)data };

	psp_err_clear(err);
	return psp_ctl_call(p, p->file, &c, err);
}

int psp_info(struct psp *p, struct psp_info *out, struct psp_err *err)
{
	struct swsev_info i;

	if (ctl(p, SWSEV_CTL_INFO, 0, 0, 0, 0, &i, sizeof(i), err))
		return -1;
	memset(out, 0, sizeof(*out));
	out->api_major = i.api_major;
	out->api_minor = i.api_minor;
	out->build = i.build;
	out->seeded = i.seeded;
	out->es = i.es;
	out->max_asid = i.max_asid;
	out->min_sev_asid = i.min_sev_asid;
	out->guest_max = i.guest_max;
	out->cbit = i.cbit;
	snprintf(out->profile, sizeof(out->profile), "%s", i.profile);
	snprintf(out->state_dir, sizeof(out->state_dir), "%s", i.state_dir);
	return 0;
}

int psp_reset(struct psp *p, struct psp_err *err)
{
	return ctl(p, SWSEV_CTL_RESET, 0, 0, 0, 0, NULL, 0, err);
}

int psp_inject(struct psp *p, uint32_t fw_cmd, uint32_t nth, uint32_t status, uint32_t delay_us, struct psp_err *err)
{
	return ctl(p, SWSEV_CTL_INJECT, fw_cmd, nth, status, delay_us, NULL, 0, err);
}

int psp_set_latency(struct psp *p, uint32_t fw_cmd, uint32_t delay_us, struct psp_err *err)
{
	return ctl(p, SWSEV_CTL_LATENCY, fw_cmd, 0, 0, delay_us, NULL, 0, err);
}

int psp_clear_injections(struct psp *p, struct psp_err *err)
{
	return ctl(p, SWSEV_CTL_CLEAR, 0, 0, 0, 0, NULL, 0, err);
}

int psp_wbinvd(struct psp *p, bool strict, struct psp_err *err)
{
	if (ctl(p, SWSEV_CTL_WBINVD_STRICT, 0, strict, 0, 0, NULL, 0, err))
		return -1;
	return ctl(p, SWSEV_CTL_WBINVD, 0, 0, 0, 0, NULL, 0, err);
}

int psp_nv_digest(struct psp *p, uint8_t out[32], struct psp_err *err)
{
	return ctl(p, SWSEV_CTL_NV_DIGEST, 0, 0, 0, 0, out, 32, err);
}

int psp_stats(struct psp *p, struct psp_cmd_stats *stats, bool reset, struct psp_err *err)
{
	struct swsev_cmd_stats *s = calloc(SWSEV_NCMD, sizeof(*s));
	int rc;

	if (!s)
		return psp_fail(err, ENOMEM, "out of memory");
	rc = ctl(p, SWSEV_CTL_STATS, 0, 0, 0, 0, s, SWSEV_NCMD * sizeof(*s), err);
	if (rc == 0) {
		for (int i = 0; i < SWSEV_NCMD; i++)
			stats[i] = (struct psp_cmd_stats){ s[i].count, s[i].failures, s[i].total_ns };
		if (reset)
			rc = ctl(p, SWSEV_CTL_STATS_RESET, 0, 0, 0, 0, NULL, 0, err);
	}
	free(s);
	return rc;
}

int psp_kds_certs(struct psp *p, uint8_t *ark, size_t *ark_len, uint8_t *ask, size_t *ask_len,
		  uint8_t cek[PSP_CERT_LEN], struct psp_err *err)
{
	struct swsev_kds_certs *k = calloc(1, sizeof(*k));
	int rc;

	if (!k)
		return psp_fail(err, ENOMEM, "out of memory");
	rc = ctl(p, SWSEV_CTL_KDS_CERTS, 0, 0, 0, 0, k, sizeof(*k), err);
	if (rc == 0 && (*ark_len < k->ark_len || *ask_len < k->ask_len))
		rc = psp_fail(err, ENOSPC, "certificate buffers too small");
	if (rc == 0) {
		memcpy(ark, k->ark, k->ark_len);
		memcpy(ask, k->ask, k->ask_len);
		memcpy(cek, k->cek, PSP_CERT_LEN);
		*ark_len = k->ark_len;
		*ask_len = k->ask_len;
	}
	free(k);
	return rc;
}
