/* The kernel's side of the /dev/sev and KVM ABIs, for replay scripts: ioctl numbers
 * and offsets as sev-km.md gives them (§1.3, §1.4), written out as numbers so that
 * the code under test is checked against the spec, not against itself. */
#ifndef SWSEV_PSP_TESTS_RR_KERNEL_H
#define SWSEV_PSP_TESTS_RR_KERNEL_H

#include "psp/tests/rr.h"

#define IOC_SEV_ISSUE_CMD        0xC0105300UL
#define IOC_KVM_MEM_ENC_OP       0xC008AEBAUL
#define IOC_KVM_REG_REGION       0x8010AEBBUL
#define IOC_KVM_UNREG_REGION     0x8010AEBCUL
/* <linux/kvm.h>: _IO(KVMIO, 0x00), _IO(KVMIO, 0x01), _IO(KVMIO, 0x41) */
#define IOC_KVM_GET_API_VERSION  0xAE00UL
#define IOC_KVM_CREATE_VM        0xAE01UL
#define IOC_KVM_CREATE_VCPU      0xAE41UL

/* struct sev_issue_cmd (16 B): cmd u32 @0, data u64 @4, error u32 @12 */
#define SIC_LEN   16
#define SIC_DATA  4
#define SIC_ERROR 12
/* struct kvm_sev_cmd (24 B): id @0, pad0 @4, data @8, error @16, sev_fd @20 */
#define KSC_LEN    24
#define KSC_DATA   8
#define KSC_ERROR  16
#define KSC_SEV_FD 20

/* An address the script cannot know: a struct on the caller's stack. */
#define RR_UNKNOWN ((const void *)1)

/* ioctl(fd, SEV_ISSUE_CMD) with cmd and data (NULL, a known buffer, or RR_UNKNOWN). */
struct rr_step *rr_sev_cmd(enum rr_role fd, uint32_t cmd, const void *data, const char *what);
/* ioctl(vm, KVM_MEMORY_ENCRYPT_OP) with id, data and sev_fd = the /dev/sev descriptor. */
struct rr_step *rr_kvm_op(enum rr_role vm, uint32_t id, const void *data, const char *what);
/* The kernel reads the kvm_sev_* struct of command id behind kvm_sev_cmd.data; its
 * length and padding (never looked at by KVM) from the spec's table. */
void rr_kvm_in(struct rr_step *s, uint32_t id, const uint8_t *want);
/* The kernel's answer to a refused firmware command: -EIO, error = status. */
void rr_fw_fail(struct rr_step *s, size_t error_off, uint32_t status);

/* open(/dev/sev) and the probe that finds the kernel's driver (EINVAL). */
void rr_script_sev_open(const char *path, int accmode);
/* ...then /dev/kvm and KVM_GET_API_VERSION. */
void rr_script_kvm_open(void);
/* KVM_CREATE_VM(type) and the SEV probe (KVM_MEMORY_ENCRYPT_OP, NULL). */
void rr_script_vm_create(enum rr_role vm, unsigned long type);

#endif
