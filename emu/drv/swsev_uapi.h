/* The emulated SEV device's ioctl ABI beyond the kernel's.
 *
 * /dev/sev's own ioctl, SEV_ISSUE_CMD (<linux/psp-sev.h>), behaves byte for byte as
 * the kernel's.  A real /dev/sev cannot carry guest commands (KVM checks that the fd
 * it is given is the real PSP driver), so the emulated device adds:
 *
 *  - SWSEV_IOC_VM_OP: KVM_MEMORY_ENCRYPT_OP on the device instead of a VM fd.  Each
 *    open file of the device is one VM (as each KVM VM is one fd); its guest is torn
 *    down (DEACTIVATE + DECOMMISSION) when the file is closed.  The argument is the
 *    struct kvm_sev_cmd itself; id, the kvm_sev_* structs and the errors are KVM's
 *    (<linux/kvm.h>), the sev_fd field is ignored.  Guest memory is the caller's.
 *  - SWSEV_IOC_VM_REG_REGION / _UNREG_REGION: KVM_MEMORY_ENCRYPT_REG_REGION.
 *  - SWSEV_IOC_VM_SET_VCPUS: the VMSA pages of the VM's vCPUs, which KVM keeps in the
 *    kernel and an emulated VMM keeps in its own memory (SEV-ES).
 *  - SWSEV_IOC_FW_CMD: a raw firmware command, as the PSP mailbox takes it.
 *  - SWSEV_IOC_GUEST_VIEW: the guest CPU's view of its memory (plaintext through the
 *    VEK), for tests that play the guest.
 *  - SWSEV_IOC_CTL: the test rig's controls.
 *
 * Every pointer is a pointer in the caller's address space; every struct has a fixed
 * layout with explicit padding. */
#ifndef SWSEV_UAPI_H
#define SWSEV_UAPI_H

#include <linux/ioctl.h>
#include <linux/kvm.h>
#include <linux/psp-sev.h>
#include <linux/types.h>

#define SWSEV_UAPI_VERSION 1

#define SWSEV_IOC_VM_OP           _IOWR('S', 0x40, struct kvm_sev_cmd)
#define SWSEV_IOC_VM_REG_REGION   _IOW('S', 0x41, struct kvm_enc_region)
#define SWSEV_IOC_VM_UNREG_REGION _IOW('S', 0x42, struct kvm_enc_region)

struct swsev_vcpus {
	__u64 vmsa_addrs; /* -> __u64[count]: 4 KiB-aligned VMSA page addresses */
	__u32 count;      /* 0 removes them; at most SWSEV_MAX_VCPUS */
	__u32 pad;
};
#define SWSEV_MAX_VCPUS 256
#define SWSEV_IOC_VM_SET_VCPUS _IOW('S', 0x43, struct swsev_vcpus)

struct swsev_fw_cmd {
	__u32 cmd;    /* firmware command ID (SEV API, e.g. 0x021 ACTIVATE) */
	__u32 status; /* out: firmware status */
	__u64 data;   /* -> the command buffer, firmware layout; 0 for commands without one */
	__u32 len;    /* size of that buffer: must be the command's */
	__u32 pad;
};
#define SWSEV_IOC_FW_CMD _IOWR('S', 0x44, struct swsev_fw_cmd)

struct swsev_guest_view {
	__u32 handle; /* firmware guest handle; 0 = this file's VM */
	__u32 write;  /* 0: read plaintext into buf; 1: write buf's plaintext */
	__u64 addr;   /* guest memory (caller address, 16-byte aligned) */
	__u64 buf;    /* caller buffer */
	__u32 len;    /* 16-byte multiple */
	__u32 status; /* out: firmware-style status */
};
#define SWSEV_IOC_GUEST_VIEW _IOWR('S', 0x45, struct swsev_guest_view)

enum swsev_ctl_op {
	SWSEV_CTL_INFO = 1,       /* data -> struct swsev_info */
	SWSEV_CTL_RESET,          /* power cycle: volatile state gone, NV kept; other files' VMs die */
	SWSEV_CTL_STATS,          /* data -> struct swsev_cmd_stats[SWSEV_NCMD] */
	SWSEV_CTL_STATS_RESET,
	SWSEV_CTL_INJECT,         /* the nth command `cmd` (0 = any) fails with `status` after `delay_us` */
	SWSEV_CTL_LATENCY,        /* every command `cmd` takes `delay_us` longer (0 removes) */
	SWSEV_CTL_CLEAR,          /* remove every injection and latency */
	SWSEV_CTL_WBINVD,         /* all cores execute WBINVD */
	SWSEV_CTL_WBINVD_STRICT,  /* nth != 0: DF_FLUSH needs an explicit WBINVD first */
	SWSEV_CTL_NV_DIGEST,      /* data -> 32 bytes: SHA-256 of the persistent data */
	SWSEV_CTL_LAST_ERROR,     /* data -> char[len]: why this file's last command failed */
	SWSEV_CTL_KDS_CERTS,      /* data -> struct swsev_kds_certs: what AMD's KDS serves for this chip */
};

struct swsev_ctl {
	__u32 op;
	__u32 cmd;
	__u32 nth;
	__u32 status;
	__u32 delay_us;
	__u32 len; /* size of the buffer at data */
	__u64 data;
};
#define SWSEV_IOC_CTL _IOWR('S', 0x46, struct swsev_ctl)

#define SWSEV_NCMD 256

struct swsev_cmd_stats {
	__u64 count;
	__u64 failures;
	__u64 total_ns;
};

struct swsev_info {
	__u32 uapi_version;
	__u8 api_major, api_minor, build, seeded;
	__u32 max_asid, min_sev_asid;
	__u32 guest_max, cbit;
	__u32 es;
	__u32 flags;        /* SWSEV_INFO_* */
	char profile[64];   /* driver profile */
	char state_dir[256];
};
struct swsev_kds_certs {
	__u32 ark_len, ask_len;
	__u8 ark[1600];  /* AMD format, ark_len bytes */
	__u8 ask[1600];
	__u8 cek[0x824]; /* SEV format, signed by the ASK */
	__u8 pad[4];
};

#define SWSEV_INFO_TRANSIENT_INIT 0x1
#define SWSEV_INFO_INIT_ON_PROBE  0x2
#define SWSEV_INFO_INIT_EX        0x4
#define SWSEV_INFO_CAP_SYS_ADMIN  0x8

#endif
