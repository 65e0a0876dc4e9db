#include "psp/tests/rr_kernel.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "emu/drv/swsev_uapi.h"

struct rr_step *rr_sev_cmd(enum rr_role fd, uint32_t cmd, const void *data, const char *what)
{
	struct rr_step *s = rr_ioctl(fd, IOC_SEV_ISSUE_CMD, what);
	uint8_t b[SIC_LEN] = { 0 };

	rr_put32(b, 0, cmd);
	if (data != RR_UNKNOWN)
		rr_putp(b, SIC_DATA, data);
	rr_in(s, RR_ARG(0), b, sizeof(b));
	if (data == RR_UNKNOWN)
		rr_skip(s, SIC_DATA);
	return s;
}

struct rr_step *rr_kvm_op(enum rr_role vm, uint32_t id, const void *data, const char *what)
{
	struct rr_step *s = rr_ioctl(vm, IOC_KVM_MEM_ENC_OP, what);
	uint8_t b[KSC_LEN] = { 0 };

	rr_put32(b, 0, id);
	if (data != RR_UNKNOWN)
		rr_putp(b, KSC_DATA, data);
	rr_put32(b, KSC_SEV_FD, (uint32_t)rr_fd(RR_SEV));
	rr_in(s, RR_ARG(0), b, sizeof(b));
	/* pad0: unnamed padding in 6.1's header, never read by KVM */
	rr_pad(s, 4, 4);
	if (data == RR_UNKNOWN)
		rr_skip(s, KSC_DATA);
	return s;
}

void rr_fw_fail(struct rr_step *s, size_t error_off, uint32_t status)
{
	rr_out32(s, RR_ARG(error_off), status);
	rr_errno(s, EIO);
}

void rr_script_sev_open(const char *path, int accmode)
{
	rr_open(path, accmode, RR_SEV);
	/* sev_ioctl: anything but SEV_ISSUE_CMD is -EINVAL, before reading the argument. */
	rr_errno(rr_ioctl(RR_SEV, SWSEV_IOC_CTL, "emulator probe"), EINVAL);
}

void rr_script_kvm_open(void)
{
	struct rr_step *s;

	rr_script_sev_open("/dev/sev", O_RDWR);
	rr_open("/dev/kvm", O_RDWR, RR_KVM);
	s = rr_ioctl(RR_KVM, IOC_KVM_GET_API_VERSION, "KVM_GET_API_VERSION");
	rr_null(s);
	rr_ret(s, 12);
}

void rr_script_vm_create(enum rr_role vm, unsigned long type)
{
	struct rr_step *s = rr_ioctl(RR_KVM, IOC_KVM_CREATE_VM, "KVM_CREATE_VM");

	rr_num(s, type);
	rr_new_fd(s, vm);
	rr_null(rr_ioctl(vm, IOC_KVM_MEM_ENC_OP, "SEV probe"));
}

/* sev-km.md §1.4: struct sizes and the holes the natural alignment leaves (named pad
 * fields in newer headers, unnamed padding in 6.1's). */
static const struct {
	uint32_t id;
	size_t len;
	size_t pad[5];
} kvm_structs[] = {
	{ 2, 40, { 20, 36 } },             /* LAUNCH_START */
	{ 3, 16, { 12 } },                 /* LAUNCH_UPDATE_DATA */
	{ 5, 48, { 12, 28, 44 } },         /* LAUNCH_SECRET */
	{ 6, 16, { 12 } },                 /* LAUNCH_MEASURE */
	{ 8, 72, { 4, 20, 36, 52, 68 } },  /* SEND_START */
	{ 9, 48, { 12, 28, 44 } },         /* SEND_UPDATE_DATA */
	{ 12, 40, { 20, 36 } },            /* RECEIVE_START */
	{ 13, 48, { 12, 28, 44 } },        /* RECEIVE_UPDATE_DATA */
	{ 16, 12, { 0 } },                 /* GUEST_STATUS */
	{ 17, 24, { 20 } },                /* DBG_DECRYPT */
	{ 18, 24, { 20 } },                /* DBG_ENCRYPT */
	{ 20, 32, { 28 } },                /* GET_ATTESTATION_REPORT */
	{ 22, 48, { 0 } },                 /* INIT2: flags and pads are MBZ, checked in full */
};

void rr_kvm_in(struct rr_step *s, uint32_t id, const uint8_t *want)
{
	for (size_t i = 0; i < sizeof(kvm_structs) / sizeof(kvm_structs[0]); i++) {
		if (kvm_structs[i].id != id)
			continue;
		rr_in(s, RR_IN1(KSC_DATA, 0), want, kvm_structs[i].len);
		for (size_t k = 0; k < 5 && kvm_structs[i].pad[k]; k++)
			rr_pad(s, kvm_structs[i].pad[k], 4);
		return;
	}
	abort();
}
