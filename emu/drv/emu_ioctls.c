/* The emulated device's own ioctls: raw firmware commands, the guest view and the
 * test rig's controls (emu/drv/swsev_uapi.h). */
#include <stdlib.h>
#include <string.h>

#include "emu/crypto/symm.h"
#include "emu/drv/drv_priv.h"
#include "emu/drv/swsev_uapi.h"
#include "emu/fw/regions.h"

#define REGIONS_MAX 8
#define VIEW_MAX    (16u << 20)

static int mem_user_read(void *ctx, uint64_t pa, void *dst, size_t len)
{
	struct drv_req *r = ctx;
	return ua_read(r->ua, pa, dst, len) == 0 ? 0 : -1;
}

static int mem_user_write(void *ctx, uint64_t pa, const void *src, size_t len)
{
	struct drv_req *r = ctx;
	return ua_write(r->ua, pa, src, len) == 0 ? 0 : -1;
}

long drv_raw_fw_cmd(struct drv_req *r, uint64_t arg)
{
	struct fw_mem mem = { mem_user_read, mem_user_write, r };
	struct fw_region reg[REGIONS_MAX];
	struct swsev_fw_cmd c;
	uint8_t buf[128];
	uint64_t cbit = 1ull << fw_get_config(r->d->fw)->cbit;
	long want;
	int rc, n;

	if ((rc = ua_read(r->ua, arg, &c, sizeof(c))))
		return rc == -EFAULT ? drv_fail(r, -EFAULT, "struct swsev_fw_cmd not readable") : rc;
	want = fw_cmd_buf_len(c.cmd);
	if (want > 0 && (c.len != (uint32_t)want || !c.data))
		return drv_fail(r, -EINVAL, "firmware command 0x%03x takes a %ld-byte buffer, got %u at 0x%llx", c.cmd, want,
				c.len, (unsigned long long)c.data);
	memset(buf, 0, sizeof(buf));
	if (want > 0) {
		if ((rc = ua_read(r->ua, c.data, buf, (size_t)want)))
			return rc == -EFAULT ? drv_fail(r, -EFAULT, "command buffer not readable") : rc;
		if ((rc = ua_want_write(r->ua, c.data, (size_t)want)))
			return rc;
	}
	/* The memory the firmware will touch, fetched before it runs. */
	n = fw_cmd_regions(c.cmd, want > 0 ? buf : NULL, reg, REGIONS_MAX);
	for (int i = 0; i < n && i < REGIONS_MAX; i++) {
		uint64_t a = reg[i].addr & ~cbit;
		if (a >= r->d->kbase)
			continue;
		if ((reg[i].dir & FW_REGION_READ) && (rc = ua_prefetch(r->ua, a, reg[i].len)) == -UA_EFETCH)
			return rc;
		if ((reg[i].dir & FW_REGION_WRITE) && (rc = ua_want_write(r->ua, a, reg[i].len)) == -UA_EFETCH)
			return rc;
	}
	if ((rc = ua_want_write(r->ua, arg, sizeof(c))))
		return rc;
	if (ua_commit(r->ua))
		return -UA_EFETCH;
	/* The mailbox: the firmware's status is the answer, the ioctl itself succeeds. */
	c.status = fw_command(r->d->fw, c.cmd, want > 0 ? buf : NULL, &mem);
	if (c.status)
		snprintf(r->f->reason, sizeof(r->f->reason), "%s", fw_reason(r->d->fw));
	/* A raw SHUTDOWN or INIT changes what the driver believes. */
	r->d->plat_init = fw_state(r->d->fw) != FW_PLAT_UNINIT;
	if (want > 0 && ua_write(r->ua, c.data, buf, (size_t)want))
		return drv_fail(r, -EFAULT, "command buffer not writable");
	if (ua_write(r->ua, arg, &c, sizeof(c)))
		return drv_fail(r, -EFAULT, "struct swsev_fw_cmd not writable");
	return 0;
}

long drv_guest_view(struct drv_req *r, uint64_t arg)
{
	struct fw_mem mem = { mem_user_read, mem_user_write, r };
	struct swsev_guest_view v;
	uint8_t *tmp;
	uint32_t handle;
	int rc;

	if ((rc = ua_read(r->ua, arg, &v, sizeof(v))))
		return rc == -EFAULT ? drv_fail(r, -EFAULT, "struct swsev_guest_view not readable") : rc;
	if (v.len > VIEW_MAX)
		return drv_fail(r, -EINVAL, "guest view length %u exceeds %u", v.len, VIEW_MAX);
	if (!(tmp = malloc(v.len ? v.len : 1)))
		return -ENOMEM;
	if (v.write) {
		rc = ua_read(r->ua, v.buf, tmp, v.len);
		if (!rc)
			rc = ua_want_write(r->ua, v.addr, v.len);
	} else {
		rc = ua_prefetch(r->ua, v.addr, v.len);
		if (!rc)
			rc = ua_want_write(r->ua, v.buf, v.len);
	}
	if (!rc)
		rc = ua_want_write(r->ua, arg, sizeof(v));
	if (rc || (rc = ua_commit(r->ua))) {
		free(tmp);
		return rc == -EFAULT ? drv_fail(r, -EFAULT, "guest view buffers not accessible") : rc;
	}
	handle = v.handle ? v.handle : r->f->vm.handle;
	v.status = fw_guest_view(r->d->fw, handle, v.addr, tmp, v.len, v.write != 0, &mem);
	if (v.status)
		snprintf(r->f->reason, sizeof(r->f->reason), "%s", fw_reason(r->d->fw));
	else if (!v.write && ua_write(r->ua, v.buf, tmp, v.len))
		rc = drv_fail(r, -EFAULT, "guest view buffer not writable");
	secure_free(tmp, v.len ? v.len : 1);
	if (!rc && ua_write(r->ua, arg, &v, sizeof(v)))
		rc = drv_fail(r, -EFAULT, "struct swsev_guest_view not writable");
	return rc;
}

/* A power cycle under the VMs: their guests are gone, as if each VM had died. */
static void reset(struct drv_req *r)
{
	struct drv *d = r->d;
	const struct fw_config *c = fw_get_config(d->fw);

	fw_power_cycle(d->fw);
	d->plat_init = false;
	d->nv_loaded = false;
	memset(d->asid_used, 0, c->max_asid + 1);
	memset(d->asid_reclaim, 0, c->max_asid + 1);
	for (struct drv_file *f = d->files; f; f = f->next) {
		f->vm.active = f->vm.es = false;
		f->vm.asid = f->vm.handle = 0;
	}
	if (d->o.init_on_probe) {
		int error;
		drv_platform_init(r, &error);
	}
}

static long ctl_out(struct drv_req *r, const struct swsev_ctl *c, const void *p, size_t len)
{
	if (c->len < len)
		return drv_fail(r, -EINVAL, "control buffer of %u bytes, %zu needed", c->len, len);
	if (ua_write(r->ua, c->data, p, len))
		return drv_fail(r, -EFAULT, "control buffer not writable");
	return 0;
}

long drv_ctl(struct drv_req *r, uint64_t arg)
{
	struct swsev_ctl c;
	struct drv *d = r->d;
	long ret = 0;
	int rc;

	if ((rc = ua_read(r->ua, arg, &c, sizeof(c))))
		return rc == -EFAULT ? drv_fail(r, -EFAULT, "struct swsev_ctl not readable") : rc;
	if (c.len && c.data && (rc = ua_want_write(r->ua, c.data, c.len)))
		return rc;
	if (ua_commit(r->ua))
		return -UA_EFETCH;

	switch (c.op) {
	case SWSEV_CTL_INFO: {
		struct swsev_info info;
		const struct fw_config *cfg = fw_get_config(d->fw);
		memset(&info, 0, sizeof(info));
		info.uapi_version = SWSEV_UAPI_VERSION;
		info.api_major = cfg->api_major;
		info.api_minor = cfg->api_minor;
		info.build = cfg->build;
		info.seeded = chip_seeded(d->chip);
		info.max_asid = cfg->max_asid;
		info.min_sev_asid = cfg->min_sev_asid;
		info.guest_max = cfg->guest_max;
		info.cbit = cfg->cbit;
		info.es = cfg->es;
		info.flags = (d->o.transient_init ? SWSEV_INFO_TRANSIENT_INIT : 0) |
			     (d->o.init_on_probe ? SWSEV_INFO_INIT_ON_PROBE : 0) | (d->nv ? SWSEV_INFO_INIT_EX : 0) |
			     (d->o.cap_sys_admin ? SWSEV_INFO_CAP_SYS_ADMIN : 0);
		drv_profile_format(&d->o, info.profile, sizeof(info.profile));
		snprintf(info.state_dir, sizeof(info.state_dir), "%s", chip_state_dir(d->chip));
		ret = ctl_out(r, &c, &info, sizeof(info));
		break;
	}
	case SWSEV_CTL_RESET:
		reset(r);
		break;
	case SWSEV_CTL_STATS: {
		struct swsev_cmd_stats *s = calloc(SWSEV_NCMD, sizeof(*s));
		if (!s)
			return -ENOMEM;
		for (uint32_t i = 0; i < SWSEV_NCMD; i++) {
			struct fw_cmd_stats fs;
			fw_stats(d->fw, i, &fs);
			s[i].count = fs.count;
			s[i].failures = fs.failures;
			s[i].total_ns = fs.total_ns;
		}
		ret = ctl_out(r, &c, s, SWSEV_NCMD * sizeof(*s));
		free(s);
		break;
	}
	case SWSEV_CTL_STATS_RESET:
		fw_stats_reset(d->fw);
		break;
	case SWSEV_CTL_INJECT:
		fw_inject(d->fw, c.cmd, c.nth, c.status, c.delay_us);
		break;
	case SWSEV_CTL_LATENCY:
		if (c.cmd >= SWSEV_NCMD)
			return drv_fail(r, -EINVAL, "no firmware command 0x%x", c.cmd);
		fw_set_latency(d->fw, c.cmd, c.delay_us);
		break;
	case SWSEV_CTL_CLEAR:
		fw_clear_injections(d->fw);
		break;
	case SWSEV_CTL_WBINVD:
		fw_wbinvd(d->fw);
		break;
	case SWSEV_CTL_WBINVD_STRICT:
		fw_set_wbinvd_strict(d->fw, c.nth != 0);
		break;
	case SWSEV_CTL_NV_DIGEST: {
		uint8_t dg[32];
		fw_nv_digest(d->fw, dg);
		ret = ctl_out(r, &c, dg, sizeof(dg));
		break;
	}
	case SWSEV_CTL_KDS_CERTS: {
		struct swsev_kds_certs *k = calloc(1, sizeof(*k));
		if (!k)
			return -ENOMEM;
		k->ark_len = (uint32_t)chip_ark(d->chip)->len;
		k->ask_len = (uint32_t)chip_ask(d->chip)->len;
		memcpy(k->ark, chip_ark(d->chip)->raw, k->ark_len);
		memcpy(k->ask, chip_ask(d->chip)->raw, k->ask_len);
		memcpy(k->cek, chip_cek(d->chip)->raw, sizeof(k->cek));
		ret = ctl_out(r, &c, k, sizeof(*k));
		free(k);
		break;
	}
	case SWSEV_CTL_LAST_ERROR: {
		size_t n = strlen(r->f->last_failure) + 1;
		if (c.len < n)
			n = c.len;
		if (n && ua_write(r->ua, c.data, r->f->last_failure, n))
			return drv_fail(r, -EFAULT, "control buffer not writable");
		if (n && c.len <= strlen(r->f->last_failure)) {
			char z = '\0';
			ua_write(r->ua, c.data + c.len - 1, &z, 1);
		}
		r->f->last_failure[0] = '\0';
		return 0;
	}
	default:
		return drv_fail(r, -EINVAL, "unknown control operation %u", c.op);
	}
	return ret;
}
