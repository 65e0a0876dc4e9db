/* KVM guest-command handlers shared between emu/drv/kvm_*.c. */
#ifndef SWSEV_DRV_KVM_PRIV_H
#define SWSEV_DRV_KVM_PRIV_H

#include <linux/kvm.h>

#include "emu/drv/drv_priv.h"

long kvm_launch_start(struct drv_req *r, struct kvm_sev_cmd *cmd);
long kvm_launch_update_data(struct drv_req *r, struct kvm_sev_cmd *cmd);
long kvm_launch_update_vmsa(struct drv_req *r, struct kvm_sev_cmd *cmd);
long kvm_launch_measure(struct drv_req *r, struct kvm_sev_cmd *cmd);
long kvm_launch_secret(struct drv_req *r, struct kvm_sev_cmd *cmd);
long kvm_guest_status(struct drv_req *r, struct kvm_sev_cmd *cmd);
long kvm_dbg(struct drv_req *r, struct kvm_sev_cmd *cmd, bool decrypt);
long kvm_attestation(struct drv_req *r, struct kvm_sev_cmd *cmd);
long kvm_send_start(struct drv_req *r, struct kvm_sev_cmd *cmd);
long kvm_send_update_data(struct drv_req *r, struct kvm_sev_cmd *cmd);
long kvm_receive_start(struct drv_req *r, struct kvm_sev_cmd *cmd);
long kvm_receive_update_data(struct drv_req *r, struct kvm_sev_cmd *cmd);
/* LAUNCH_FINISH, SEND_FINISH, SEND_CANCEL, RECEIVE_FINISH: the VM's handle only. */
long kvm_handle_only(struct drv_req *r, struct kvm_sev_cmd *cmd, uint32_t fw_cmd);

#endif
