/* The kernel ABI psp/ is compiled against, checked against the spec's tables
 * (sev-km.md §1.3, §1.4): ioctl numbers, struct sizes and field offsets.  If the
 * installed kernel headers ever disagreed with what the real kernel does, the replay
 * scripts (which use the spec's numbers) and this suite would say so. */
#include <linux/kvm.h>
#include <linux/psp-sev.h>
#include <stddef.h>

#include "harness/testlib/testlib.h"
#include "psp/tests/rr_kernel.h"

/* The INIT2 struct, as be_kvm.c defines it for older headers (same guard). */
#ifndef KVM_SEV_INIT2
#define KVM_SEV_INIT2 22
struct kvm_sev_init {
	__u64 vmsa_features;
	__u32 flags;
	__u16 ghcb_version;
	__u16 pad1;
	__u32 pad2[8];
};
#endif

#define OFF(type, field, want) CU_ASSERT_EQUAL(offsetof(struct type, field), (want))
#define SIZE(type, want)       CU_ASSERT_EQUAL(sizeof(struct type), (want))

static void ioctl_numbers(void)
{
	CU_ASSERT_EQUAL(SEV_ISSUE_CMD, IOC_SEV_ISSUE_CMD);
	CU_ASSERT_EQUAL(KVM_MEMORY_ENCRYPT_OP, IOC_KVM_MEM_ENC_OP);
	CU_ASSERT_EQUAL(KVM_MEMORY_ENCRYPT_REG_REGION, IOC_KVM_REG_REGION);
	CU_ASSERT_EQUAL(KVM_MEMORY_ENCRYPT_UNREG_REGION, IOC_KVM_UNREG_REGION);
	CU_ASSERT_EQUAL(KVM_GET_API_VERSION, IOC_KVM_GET_API_VERSION);
	CU_ASSERT_EQUAL(KVM_CREATE_VM, IOC_KVM_CREATE_VM);
	CU_ASSERT_EQUAL(KVM_CREATE_VCPU, IOC_KVM_CREATE_VCPU);
	CU_ASSERT_EQUAL(KVM_API_VERSION, 12);
}

static void command_ids(void)
{
	/* /dev/sev uapi enum (not firmware IDs) */
	CU_ASSERT_EQUAL(SEV_FACTORY_RESET, 0);
	CU_ASSERT_EQUAL(SEV_PLATFORM_STATUS, 1);
	CU_ASSERT_EQUAL(SEV_PEK_GEN, 2);
	CU_ASSERT_EQUAL(SEV_PEK_CSR, 3);
	CU_ASSERT_EQUAL(SEV_PDH_GEN, 4);
	CU_ASSERT_EQUAL(SEV_PDH_CERT_EXPORT, 5);
	CU_ASSERT_EQUAL(SEV_PEK_CERT_IMPORT, 6);
	CU_ASSERT_EQUAL(SEV_GET_ID, 7);
	CU_ASSERT_EQUAL(SEV_GET_ID2, 8);
	/* KVM_SEV_* */
	CU_ASSERT_EQUAL(KVM_SEV_INIT, 0);
	CU_ASSERT_EQUAL(KVM_SEV_ES_INIT, 1);
	CU_ASSERT_EQUAL(KVM_SEV_LAUNCH_START, 2);
	CU_ASSERT_EQUAL(KVM_SEV_LAUNCH_UPDATE_DATA, 3);
	CU_ASSERT_EQUAL(KVM_SEV_LAUNCH_UPDATE_VMSA, 4);
	CU_ASSERT_EQUAL(KVM_SEV_LAUNCH_SECRET, 5);
	CU_ASSERT_EQUAL(KVM_SEV_LAUNCH_MEASURE, 6);
	CU_ASSERT_EQUAL(KVM_SEV_LAUNCH_FINISH, 7);
	CU_ASSERT_EQUAL(KVM_SEV_SEND_START, 8);
	CU_ASSERT_EQUAL(KVM_SEV_SEND_UPDATE_DATA, 9);
	CU_ASSERT_EQUAL(KVM_SEV_SEND_UPDATE_VMSA, 10);
	CU_ASSERT_EQUAL(KVM_SEV_SEND_FINISH, 11);
	CU_ASSERT_EQUAL(KVM_SEV_RECEIVE_START, 12);
	CU_ASSERT_EQUAL(KVM_SEV_RECEIVE_UPDATE_DATA, 13);
	CU_ASSERT_EQUAL(KVM_SEV_RECEIVE_UPDATE_VMSA, 14);
	CU_ASSERT_EQUAL(KVM_SEV_RECEIVE_FINISH, 15);
	CU_ASSERT_EQUAL(KVM_SEV_GUEST_STATUS, 16);
	CU_ASSERT_EQUAL(KVM_SEV_DBG_DECRYPT, 17);
	CU_ASSERT_EQUAL(KVM_SEV_DBG_ENCRYPT, 18);
	CU_ASSERT_EQUAL(KVM_SEV_CERT_EXPORT, 19);
	CU_ASSERT_EQUAL(KVM_SEV_GET_ATTESTATION_REPORT, 20);
	CU_ASSERT_EQUAL(KVM_SEV_SEND_CANCEL, 21);
	CU_ASSERT_EQUAL(KVM_SEV_INIT2, 22);
	CU_ASSERT_EQUAL(SEV_RET_INVALID_LEN, 4);
}

static void dev_sev_structs(void)
{
	SIZE(sev_issue_cmd, SIC_LEN);
	OFF(sev_issue_cmd, cmd, 0);
	OFF(sev_issue_cmd, data, SIC_DATA);
	OFF(sev_issue_cmd, error, SIC_ERROR);

	SIZE(sev_user_data_status, 12);
	OFF(sev_user_data_status, api_major, 0);
	OFF(sev_user_data_status, api_minor, 1);
	OFF(sev_user_data_status, state, 2);
	OFF(sev_user_data_status, flags, 3);
	OFF(sev_user_data_status, build, 7);
	OFF(sev_user_data_status, guest_count, 8);

	SIZE(sev_user_data_pek_csr, 12);
	OFF(sev_user_data_pek_csr, address, 0);
	OFF(sev_user_data_pek_csr, length, 8);

	SIZE(sev_user_data_pek_cert_import, 24);
	OFF(sev_user_data_pek_cert_import, pek_cert_address, 0);
	OFF(sev_user_data_pek_cert_import, pek_cert_len, 8);
	OFF(sev_user_data_pek_cert_import, oca_cert_address, 12);
	OFF(sev_user_data_pek_cert_import, oca_cert_len, 20);

	SIZE(sev_user_data_pdh_cert_export, 24);
	OFF(sev_user_data_pdh_cert_export, pdh_cert_address, 0);
	OFF(sev_user_data_pdh_cert_export, pdh_cert_len, 8);
	OFF(sev_user_data_pdh_cert_export, cert_chain_address, 12);
	OFF(sev_user_data_pdh_cert_export, cert_chain_len, 20);

	SIZE(sev_user_data_get_id, 128);
	OFF(sev_user_data_get_id, socket1, 0);
	OFF(sev_user_data_get_id, socket2, 64);

	SIZE(sev_user_data_get_id2, 12);
	OFF(sev_user_data_get_id2, address, 0);
	OFF(sev_user_data_get_id2, length, 8);
}

static void kvm_structs(void)
{
	SIZE(kvm_sev_cmd, KSC_LEN);
	OFF(kvm_sev_cmd, id, 0);
	OFF(kvm_sev_cmd, data, KSC_DATA);
	OFF(kvm_sev_cmd, error, KSC_ERROR);
	OFF(kvm_sev_cmd, sev_fd, KSC_SEV_FD);

	SIZE(kvm_enc_region, 16);
	OFF(kvm_enc_region, addr, 0);
	OFF(kvm_enc_region, size, 8);

	SIZE(kvm_sev_init, 48);
	OFF(kvm_sev_init, vmsa_features, 0);
	OFF(kvm_sev_init, flags, 8);
	OFF(kvm_sev_init, ghcb_version, 12);
	OFF(kvm_sev_init, pad1, 14);
	OFF(kvm_sev_init, pad2, 16);

	SIZE(kvm_sev_launch_start, 40);
	OFF(kvm_sev_launch_start, handle, 0);
	OFF(kvm_sev_launch_start, policy, 4);
	OFF(kvm_sev_launch_start, dh_uaddr, 8);
	OFF(kvm_sev_launch_start, dh_len, 16);
	OFF(kvm_sev_launch_start, session_uaddr, 24);
	OFF(kvm_sev_launch_start, session_len, 32);

	SIZE(kvm_sev_launch_update_data, 16);
	OFF(kvm_sev_launch_update_data, uaddr, 0);
	OFF(kvm_sev_launch_update_data, len, 8);

	SIZE(kvm_sev_launch_secret, 48);
	OFF(kvm_sev_launch_secret, hdr_uaddr, 0);
	OFF(kvm_sev_launch_secret, hdr_len, 8);
	OFF(kvm_sev_launch_secret, guest_uaddr, 16);
	OFF(kvm_sev_launch_secret, guest_len, 24);
	OFF(kvm_sev_launch_secret, trans_uaddr, 32);
	OFF(kvm_sev_launch_secret, trans_len, 40);

	SIZE(kvm_sev_launch_measure, 16);
	OFF(kvm_sev_launch_measure, uaddr, 0);
	OFF(kvm_sev_launch_measure, len, 8);

	SIZE(kvm_sev_guest_status, 12);
	OFF(kvm_sev_guest_status, handle, 0);
	OFF(kvm_sev_guest_status, policy, 4);
	OFF(kvm_sev_guest_status, state, 8);

	SIZE(kvm_sev_dbg, 24);
	OFF(kvm_sev_dbg, src_uaddr, 0);
	OFF(kvm_sev_dbg, dst_uaddr, 8);
	OFF(kvm_sev_dbg, len, 16);

	SIZE(kvm_sev_attestation_report, 32);
	OFF(kvm_sev_attestation_report, mnonce, 0);
	OFF(kvm_sev_attestation_report, uaddr, 16);
	OFF(kvm_sev_attestation_report, len, 24);

	SIZE(kvm_sev_send_start, 72);
	OFF(kvm_sev_send_start, policy, 0);
	OFF(kvm_sev_send_start, pdh_cert_uaddr, 8);
	OFF(kvm_sev_send_start, pdh_cert_len, 16);
	OFF(kvm_sev_send_start, plat_certs_uaddr, 24);
	OFF(kvm_sev_send_start, plat_certs_len, 32);
	OFF(kvm_sev_send_start, amd_certs_uaddr, 40);
	OFF(kvm_sev_send_start, amd_certs_len, 48);
	OFF(kvm_sev_send_start, session_uaddr, 56);
	OFF(kvm_sev_send_start, session_len, 64);

	SIZE(kvm_sev_send_update_data, 48);
	OFF(kvm_sev_send_update_data, hdr_uaddr, 0);
	OFF(kvm_sev_send_update_data, hdr_len, 8);
	OFF(kvm_sev_send_update_data, guest_uaddr, 16);
	OFF(kvm_sev_send_update_data, guest_len, 24);
	OFF(kvm_sev_send_update_data, trans_uaddr, 32);
	OFF(kvm_sev_send_update_data, trans_len, 40);

	SIZE(kvm_sev_receive_start, 40);
	OFF(kvm_sev_receive_start, handle, 0);
	OFF(kvm_sev_receive_start, policy, 4);
	OFF(kvm_sev_receive_start, pdh_uaddr, 8);
	OFF(kvm_sev_receive_start, pdh_len, 16);
	OFF(kvm_sev_receive_start, session_uaddr, 24);
	OFF(kvm_sev_receive_start, session_len, 32);

	SIZE(kvm_sev_receive_update_data, 48);
	OFF(kvm_sev_receive_update_data, hdr_uaddr, 0);
	OFF(kvm_sev_receive_update_data, hdr_len, 8);
	OFF(kvm_sev_receive_update_data, guest_uaddr, 16);
	OFF(kvm_sev_receive_update_data, guest_len, 24);
	OFF(kvm_sev_receive_update_data, trans_uaddr, 32);
	OFF(kvm_sev_receive_update_data, trans_len, 40);
}

TEST_SUITE(psp_abi, NULL, NULL, TEST(ioctl_numbers), TEST(command_ids), TEST(dev_sev_structs), TEST(kvm_structs))
