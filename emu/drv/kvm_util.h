/* Small helpers of the KVM-shaped handlers. */
#ifndef SWSEV_DRV_KVM_UTIL_H
#define SWSEV_DRV_KVM_UTIL_H

#include "emu/drv/kvm_priv.h"

/* sev_guest(kvm): KVM_SEV_INIT done on this VM. */
static inline bool kvm_sev_guest(const struct drv_req *r)
{
	return r->f->vm.active;
}

/* copy_from_user of the kvm_sev_* parameter struct. */
static inline long kvm_params(struct drv_req *r, const struct kvm_sev_cmd *cmd, void *p, size_t len)
{
	int rc = ua_read(r->ua, cmd->data, p, len);
	if (rc == -EFAULT)
		return drv_fail(r, -EFAULT, "KVM parameter struct at 0x%llx not readable", (unsigned long long)cmd->data);
	return rc;
}

/* sev_pin_memory: an empty or wrapping range is -EINVAL, memory that cannot be pinned
 * -ENOMEM.  The firmware will read (and with `write`, write) it. */
static inline long kvm_pin(struct drv_req *r, uint64_t addr, uint64_t len, bool write)
{
	int rc;

	if (len == 0 || addr + len < addr)
		return drv_fail(r, -EINVAL, "guest range 0x%llx+0x%llx is empty or wraps", (unsigned long long)addr,
				(unsigned long long)len);
	rc = ua_prefetch(r->ua, addr, len);
	if (rc == 0 && write)
		rc = ua_want_write(r->ua, addr, len);
	if (rc == -EFAULT)
		return drv_fail(r, -ENOMEM, "SEV: failure locking the pages of 0x%llx+0x%llx", (unsigned long long)addr,
				(unsigned long long)len);
	return rc;
}

/* The output blob of a length-queried command (LAUNCH_MEASURE, ATTESTATION): at most
 * 16 KiB, a kernel buffer for the firmware, the user's range checked writable. */
static inline long kvm_blob_out(struct drv_req *r, uint64_t uaddr, uint32_t len, const char *what, uint8_t **blob,
				uint64_t *pa)
{
	if (len > SEV_FW_BLOB_MAX_SIZE)
		return drv_fail(r, -EINVAL, "%s length %u exceeds 16 KiB", what, len);
	if (!(*blob = kmem_alloc(r, len, pa)))
		return -ENOMEM;
	return ua_want_write(r->ua, uaddr, len);
}

/* The C-bit KVM sets on SEND/RECEIVE guest addresses (sev_me_mask). */
static inline uint64_t kvm_cbit(const struct drv_req *r)
{
	return 1ull << fw_get_config(r->d->fw)->cbit;
}

#endif
