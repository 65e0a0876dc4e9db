/* Guest management: handles, ASIDs and their clean/dirty life (ACTIVATE, DEACTIVATE,
 * DECOMMISSION, DF_FLUSH), GUEST_STATUS, resource limits — at the firmware level (raw
 * commands, emulator backends) and as KVM allocates ASIDs (any backend with guests). */
#include <errno.h>
#include <string.h>

#include "emu/fw/buffers.h"
#include "emu/fw/fw.h"
#include "harness/conformance/conf.h"

#define OK SEV_STATUS_SUCCESS

static uint32_t raw_start(struct conf *c, uint32_t policy, uint32_t share, uint32_t *handle)
{
	struct fwb_start ls = { share, policy, 0, 0, 0, 0, 0 };
	uint32_t st = conf_fw(c, FW_CMD_LAUNCH_START, &ls, sizeof(ls));

	if (handle)
		*handle = ls.handle;
	return st;
}

static uint32_t raw_handle_cmd(struct conf *c, uint32_t cmd, uint32_t handle)
{
	struct fwb_handle h = { handle };
	return conf_fw(c, cmd, &h, sizeof(h));
}

static uint32_t raw_activate(struct conf *c, uint32_t handle, uint32_t asid)
{
	struct fwb_activate a = { handle, asid };
	return conf_fw(c, FW_CMD_ACTIVATE, &a, sizeof(a));
}

static struct conf *fw_platform(const char *tag, const char *opts, struct psp_info *info)
{
	struct conf *c = conf_open(tag, opts, 1);
	struct psp_err e;

	if (!c || !c->fresh_ok || !conf_to_state(c, FW_PLAT_INIT, NULL) || psp_info(c->p, info, &e) != 0) {
		conf_close(c);
		return NULL;
	}
	return c;
}

static void test_handles_lowest_free(void)
{
	struct psp_info info;
	struct conf *c = fw_platform("handles", NULL, &info);
	uint32_t h1, h2, h3;

	if (!c)
		return;
	CU_ASSERT_STATUS(raw_start(c, 0, 0, &h1), OK);
	CU_ASSERT_STATUS(raw_start(c, 0, 0, &h2), OK);
	CU_ASSERT_EQUAL(h1, 1);
	CU_ASSERT_EQUAL(h2, 2);
	CU_ASSERT_STATUS(raw_handle_cmd(c, FW_CMD_DECOMMISSION, h1), OK);
	CU_ASSERT_STATUS(raw_start(c, 0, 0, &h3), OK);
	CU_ASSERT_EQUAL(h3, 1);
	conf_close(c);
}

static void test_handle_exhaustion(void)
{
	struct psp_info info;
	struct conf *c;
	struct sev_user_data_status st;
	struct conf_snap before;
	struct psp_err e;
	uint32_t h = 0;

	c = fw_platform("guests4", "guests=4", &info);
	if (!c)
		return;
	CU_ASSERT_EQUAL(info.guest_max, 4);
	for (int i = 0; i < 4; i++)
		CU_ASSERT_STATUS(raw_start(c, 0, 0, &h), OK);
	conf_snap(c, &before);
	CU_ASSERT_STATUS(raw_start(c, 0, 0, &h), SEV_STATUS_RESOURCE_LIMIT);
	CONF_ASSERT_UNCHANGED(c, &before);
	CONF_OK(psp_platform_status(c->p, &st, &e), &e);
	CU_ASSERT_EQUAL(st.guest_count, 4);
	conf_close(c);
}

static void test_activate_rules(void)
{
	struct psp_info info;
	struct conf *c = fw_platform("activate", NULL, &info);
	uint32_t a, b, asid;

	if (!c)
		return;
	asid = info.min_sev_asid; /* the first SEV (non-ES) ASID */
	CU_ASSERT_STATUS(raw_start(c, 0, 0, &a), OK);
	CU_ASSERT_STATUS(raw_start(c, 0, 0, &b), OK);
	CU_ASSERT_STATUS(raw_activate(c, 999, asid), SEV_STATUS_INVALID_GUEST);
	CU_ASSERT_STATUS(raw_activate(c, a, 0), SEV_STATUS_INVALID_ASID);
	CU_ASSERT_STATUS(raw_activate(c, a, info.max_asid + 1), SEV_STATUS_INVALID_ASID);
	if (info.min_sev_asid > 1) /* an SEV-ES ASID for a non-ES guest */
		CU_ASSERT_STATUS(raw_activate(c, a, 1), SEV_STATUS_INVALID_ASID);
	CU_ASSERT_STATUS(raw_activate(c, a, asid), OK);
	CU_ASSERT_STATUS(raw_activate(c, a, asid + 1), SEV_STATUS_ACTIVE);
	CU_ASSERT_STATUS(raw_activate(c, b, asid), SEV_STATUS_ASID_OWNED);
	CU_ASSERT_STATUS(raw_handle_cmd(c, FW_CMD_DECOMMISSION, a), SEV_STATUS_ACTIVE);
	{
		struct fwb_guest_status gs = { a, 0, 0, 0 };
		CU_ASSERT_STATUS(conf_fw(c, FW_CMD_GUEST_STATUS, &gs, sizeof(gs)), OK);
		CU_ASSERT_EQUAL(gs.asid, asid);
		CU_ASSERT_EQUAL(gs.state, FW_GUEST_LUPDATE);
	}
	CU_ASSERT_STATUS(raw_handle_cmd(c, FW_CMD_DEACTIVATE, a), OK);
	CU_ASSERT_STATUS(raw_handle_cmd(c, FW_CMD_DEACTIVATE, a), SEV_STATUS_INACTIVE);
	/* never ran: the ASID is clean again and b may have it at once */
	CU_ASSERT_STATUS(raw_activate(c, b, asid), OK);
	CU_ASSERT_STATUS(raw_handle_cmd(c, FW_CMD_DECOMMISSION, a), OK);
	conf_close(c);
}

static void test_dirty_asid_needs_df_flush(void)
{
	static uint8_t page[4096] __attribute__((aligned(4096)));
	struct psp_info info;
	struct conf *c = fw_platform("dirty", NULL, &info);
	uint32_t a, asid;

	if (!c)
		return;
	asid = info.min_sev_asid;
	/* a guest that ran (LAUNCH_FINISH made its ASID in use) */
	CU_ASSERT_STATUS(raw_start(c, 0, 0, &a), OK);
	CU_ASSERT_STATUS(raw_activate(c, a, asid), OK);
	{
		struct fwb_handle_addr_len u = { a, 0, (uintptr_t)page, sizeof(page) };
		struct fwb_handle_addr_len m = { a, 0, (uintptr_t)page, 48 };
		CU_ASSERT_STATUS(conf_fw(c, FW_CMD_LAUNCH_UPDATE_DATA, &u, sizeof(u)), OK);
		CU_ASSERT_STATUS(conf_fw(c, FW_CMD_LAUNCH_MEASURE, &m, sizeof(m)), OK);
	}
	CU_ASSERT_STATUS(raw_handle_cmd(c, FW_CMD_LAUNCH_FINISH, a), OK);
	CU_ASSERT_STATUS(raw_handle_cmd(c, FW_CMD_DEACTIVATE, a), OK);
	/* its cache lines may linger: DF_FLUSH first */
	CU_ASSERT_STATUS(raw_activate(c, a, asid), SEV_STATUS_DFFLUSH_REQUIRED);
	CU_ASSERT_STATUS(conf_fw(c, FW_CMD_DF_FLUSH, NULL, 0), OK);
	CU_ASSERT_STATUS(raw_activate(c, a, asid), OK);
	conf_close(c);
}

static void test_asids_dirty_after_init(void)
{
	struct psp_info info;
	struct conf *c = conf_open("init-dirty", NULL, 1);
	struct psp_err e;
	uint32_t a;

	if (!c || !c->fresh_ok || !conf_to_state(c, FW_PLAT_UNINIT, NULL) || psp_info(c->p, &info, &e))
		goto out;
	{
		struct fwb_init init = { info.es, 0, info.es ? 0x100000 : 0, info.es ? 0x100000 : 0 };
		CU_ASSERT_STATUS(conf_fw(c, FW_CMD_INIT, &init, sizeof(init)), OK);
	}
	CU_ASSERT_STATUS(raw_start(c, 0, 0, &a), OK);
	CU_ASSERT_STATUS(raw_activate(c, a, info.min_sev_asid), SEV_STATUS_DFFLUSH_REQUIRED);
	CU_ASSERT_STATUS(conf_fw(c, FW_CMD_DF_FLUSH, NULL, 0), OK);
	CU_ASSERT_STATUS(raw_activate(c, a, info.min_sev_asid), OK);
out:
	conf_close(c);
}

static void test_guest_status_unknown_handle(void)
{
	struct psp_info info;
	struct conf *c = fw_platform("guest-status", NULL, &info);
	struct fwb_guest_status gs = { 555, 0xdeadbeef, 0x1234, 7 };

	if (!c)
		return;
	/* an unknown handle: SUCCESS with state 0, the rest as given (sev_mcmd_guest_status) */
	CU_ASSERT_STATUS(conf_fw(c, FW_CMD_GUEST_STATUS, &gs, sizeof(gs)), OK);
	CU_ASSERT_EQUAL(gs.state, 0);
	CU_ASSERT_EQUAL(gs.policy, 0xdeadbeef);
	CU_ASSERT_EQUAL(gs.asid, 0x1234);
	conf_close(c);
}

static void test_decommission_last_guest_returns_to_init(void)
{
	struct psp_info info;
	struct conf *c = fw_platform("decommission", NULL, &info);
	struct sev_user_data_status st;
	struct psp_err e;
	uint32_t a, b;

	if (!c)
		return;
	CU_ASSERT_STATUS(raw_handle_cmd(c, FW_CMD_DECOMMISSION, 1), SEV_STATUS_INVALID_PLATFORM_STATE);
	CU_ASSERT_STATUS(raw_start(c, 0, 0, &a), OK);
	CU_ASSERT_STATUS(raw_start(c, 0, 0, &b), OK);
	CU_ASSERT_STATUS(raw_handle_cmd(c, FW_CMD_DECOMMISSION, 3), SEV_STATUS_INVALID_GUEST);
	CU_ASSERT_STATUS(raw_handle_cmd(c, FW_CMD_DECOMMISSION, a), OK);
	CONF_OK(psp_platform_status(c->p, &st, &e), &e);
	CU_ASSERT_EQUAL(st.state, FW_PLAT_WORKING);
	CU_ASSERT_EQUAL(st.guest_count, 1);
	CU_ASSERT_STATUS(raw_handle_cmd(c, FW_CMD_DECOMMISSION, b), OK);
	CONF_OK(psp_platform_status(c->p, &st, &e), &e);
	CU_ASSERT_EQUAL(st.state, FW_PLAT_INIT);
	CU_ASSERT_EQUAL(st.guest_count, 0);
	conf_close(c);
}

static void test_update_needs_asid(void)
{
	static uint8_t page[4096] __attribute__((aligned(4096)));
	struct psp_info info;
	struct conf *c = fw_platform("needs-asid", NULL, &info);
	uint32_t a;

	if (!c)
		return;
	CU_ASSERT_STATUS(raw_start(c, 0, 0, &a), OK);
	{
		struct fwb_handle_addr_len u = { a, 0, (uintptr_t)page, sizeof(page) };
		uint8_t before[sizeof(page)];
		memcpy(before, page, sizeof(page));
		CU_ASSERT_STATUS(conf_fw(c, FW_CMD_LAUNCH_UPDATE_DATA, &u, sizeof(u)), SEV_STATUS_INACTIVE);
		CU_ASSERT_BYTES_EQUAL(page, before, sizeof(page));
		/* SEV-ES VMSAs only for ES guests, and exactly 4096 bytes (checked first) */
		u.len = 4000;
		CU_ASSERT_STATUS(conf_fw(c, FW_CMD_LAUNCH_UPDATE_VMSA, &u, sizeof(u)), SEV_STATUS_INVALID_LENGTH);
		u.len = 4096;
		CU_ASSERT_STATUS(conf_fw(c, FW_CMD_LAUNCH_UPDATE_VMSA, &u, sizeof(u)), SEV_STATUS_UNSUPPORTED);
	}
	conf_close(c);
}

/* KVM's allocator: SEV VMs take min_sev_asid..max, a freed ASID comes back only after
 * the pool runs dry and KVM flushes (WBINVD + DF_FLUSH). */
static void test_kvm_asid_exhaustion_and_recycling(void)
{
	struct conf *c;
	struct psp_vm *vm[4] = { NULL };
	struct psp_err e;
	int rc;

	c = conf_open("asids", "asids=4&min-sev-asid=2", 1);
	if (!c)
		return;
	/* SEV ASIDs 2..4: three VMs */
	for (int i = 0; i < 3; i++) {
		CONF_OK(psp_vm_create(c->p, &vm[i], &e), &e);
		CONF_OK(psp_vm_init(vm[i], false, &e), &e);
		uint32_t h = 0;
		CONF_OK(psp_launch_start(vm[i], 0, NULL, NULL, &h, &e), &e);
	}
	CONF_OK(psp_vm_create(c->p, &vm[3], &e), &e);
	rc = psp_vm_init(vm[3], false, &e);
	CONF_ERR(rc, &e, EBUSY, -1);
	/* the one SEV-ES ASID (1) is separate */
	CONF_OK(psp_vm_init(vm[3], true, &e), &e);
	psp_vm_destroy(vm[3]);
	CONF_OK(psp_vm_create(c->p, &vm[3], &e), &e);
	rc = psp_vm_init(vm[3], true, &e);
	/* freed, but only reusable after a recycle, which needs the pool empty: it is */
	CONF_OK(rc, &e);
	/* a dying SEV VM frees its ASID for reuse after KVM's flush */
	psp_vm_destroy(vm[0]);
	vm[0] = NULL;
	{
		struct psp_vm *again = NULL;
		uint32_t h = 0;
		CONF_OK(psp_vm_create(c->p, &again, &e), &e);
		CONF_OK(psp_vm_init(again, false, &e), &e);
		/* ACTIVATE must find the recycled ASID clean */
		CONF_OK(psp_launch_start(again, 0, NULL, NULL, &h, &e), &e);
		psp_vm_destroy(again);
	}
	for (int i = 0; i < 4; i++)
		psp_vm_destroy(vm[i]);
	conf_close(c);
}

TEST_SUITE(guest, NULL, NULL,
	   TEST(test_handles_lowest_free),
	   TEST(test_handle_exhaustion),
	   TEST(test_activate_rules),
	   TEST(test_dirty_asid_needs_df_flush),
	   TEST(test_asids_dirty_after_init),
	   TEST(test_guest_status_unknown_handle),
	   TEST(test_decommission_last_guest_returns_to_init),
	   TEST(test_update_needs_asid),
	   TEST(test_kvm_asid_exhaustion_and_recycling))
