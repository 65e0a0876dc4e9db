/* Platform commands at the firmware level (raw commands, the PSP mailbox without the
 * kernel in front): every command in every platform state with the status the
 * published firmware returns, and the INIT / INIT_EX / DF_FLUSH checks.  Emulator
 * backends only (capability FW_CMD). */
#include <stdlib.h>
#include <string.h>

#include "emu/fw/buffers.h"
#include "emu/fw/fw.h"
#include "harness/conformance/conf.h"

#define IPS SEV_STATUS_INVALID_PLATFORM_STATE
#define OK  SEV_STATUS_SUCCESS

static uint8_t big[0x8000] __attribute__((aligned(4096)));
static uint8_t big2[0x8000] __attribute__((aligned(4096)));

/* A buffer for each command that is valid apart from the platform state. */
static uint32_t run(struct conf *c, uint32_t cmd)
{
	switch (cmd) {
	case FW_CMD_PLATFORM_STATUS: {
		struct fwb_platform_status b;
		return conf_fw(c, cmd, &b, sizeof(b));
	}
	case FW_CMD_PEK_CSR:
	case FW_CMD_GET_ID: {
		struct fwb_addr_len b = { (uintptr_t)big, 0x824 };
		return conf_fw(c, cmd, &b, sizeof(b));
	}
	case FW_CMD_PDH_CERT_EXPORT: {
		struct fwb_pdh_cert_export b = { (uintptr_t)big, 0x824, 0, (uintptr_t)big2, 0x186C };
		return conf_fw(c, cmd, &b, sizeof(b));
	}
	case FW_CMD_PEK_CERT_IMPORT: {
		struct fwb_pek_cert_import b = { (uintptr_t)big, 0x824, 0, (uintptr_t)big2, 0x824 };
		return conf_fw(c, cmd, &b, sizeof(b));
	}
	case FW_CMD_DOWNLOAD_FIRMWARE: {
		struct fwb_addr_len b = { (uintptr_t)big, 0x1000 };
		return conf_fw(c, cmd, &b, sizeof(b));
	}
	default:
		return conf_fw(c, cmd, NULL, 0);
	}
}

struct row {
	uint32_t cmd;
	uint32_t want[3]; /* in UNINIT, INIT, WORKING */
};

/* sev_mcmd.c's state checks; PEK_CERT_IMPORT in INIT gets past the state check to
 * the certificate checks (our buffers hold zeros: INVALID_CERTIFICATE). DOWNLOAD_FIRMWARE
 * is accepted in UNINIT and then refused: an emulated PSP has no image to replace. */
static const struct row matrix[] = {
	{ FW_CMD_PLATFORM_STATUS, { OK, OK, OK } },
	{ FW_CMD_PEK_GEN, { IPS, OK, IPS } },
	{ FW_CMD_PEK_CSR, { IPS, OK, OK } },
	{ FW_CMD_PEK_CERT_IMPORT, { IPS, SEV_STATUS_INVALID_CERTIFICATE, IPS } },
	{ FW_CMD_PDH_CERT_EXPORT, { IPS, OK, OK } },
	{ FW_CMD_PDH_GEN, { IPS, OK, OK } },
	{ FW_CMD_DF_FLUSH, { OK, OK, OK } },
	{ FW_CMD_GET_ID, { OK, OK, OK } },
	{ FW_CMD_DOWNLOAD_FIRMWARE, { SEV_STATUS_UNSUPPORTED, IPS, IPS } },
	{ FW_CMD_NOP, { OK, OK, OK } },
};

static void test_state_matrix(void)
{
	struct conf *c = conf_open("fw-matrix", NULL, 1);
	struct conf_snap before;

	if (!c || !c->fresh_ok || !conf_need(c, PSP_CAP_FW_CMD | PSP_CAP_CONTROL))
		goto out;
	for (int state = FW_PLAT_UNINIT; state <= FW_PLAT_WORKING; state++) {
		for (size_t i = 0; i < sizeof(matrix) / sizeof(matrix[0]); i++) {
			uint32_t want = matrix[i].want[state], got;
			if (!conf_to_state(c, state, NULL))
				goto out;
			conf_snap(c, &before);
			got = run(c, matrix[i].cmd);
			if (got != want)
				fprintf(stderr, "\n%s in %s\n", fw_cmd_name(matrix[i].cmd), fw_plat_state_name((uint32_t)state));
			CU_ASSERT_STATUS(got, want);
			/* A refusal changes nothing; neither do the read-only commands. */
			if (want != OK || matrix[i].cmd == FW_CMD_PLATFORM_STATUS || matrix[i].cmd == FW_CMD_GET_ID ||
			    matrix[i].cmd == FW_CMD_PDH_CERT_EXPORT || matrix[i].cmd == FW_CMD_PEK_CSR)
				CONF_ASSERT_UNCHANGED(c, &before);
		}
	}
out:
	conf_close(c);
}

static void test_init_only_from_uninit(void)
{
	struct conf *c = conf_open("fw-init", NULL, 1);
	struct fwb_init init = { 0 };
	struct conf_snap before;

	if (!c || !c->fresh_ok || !conf_to_state(c, FW_PLAT_INIT, NULL))
		goto out;
	conf_snap(c, &before);
	CU_ASSERT_STATUS(conf_fw(c, FW_CMD_INIT, &init, sizeof(init)), IPS);
	CONF_ASSERT_UNCHANGED(c, &before);
	if (!conf_to_state(c, FW_PLAT_WORKING, NULL))
		goto out;
	conf_snap(c, &before);
	CU_ASSERT_STATUS(conf_fw(c, FW_CMD_INIT, &init, sizeof(init)), IPS);
	CU_ASSERT_STATUS(conf_fw(c, FW_CMD_PLATFORM_RESET, NULL, 0), IPS);
	CONF_ASSERT_UNCHANGED(c, &before);
out:
	conf_close(c);
}

static void test_init_checks(void)
{
	struct conf *c = conf_open("fw-init-checks", NULL, 1);
	struct fwb_init bad[] = {
		{ 0x2, 0, 0, 0 },              /* unknown flag */
		{ 0x0, 1, 0, 0 },              /* reserved word */
		{ 0x1, 0, 0x180000, 0x100000 }, /* ES: TMR not 1 MiB aligned */
		{ 0x1, 0, 0x100000, 0x80000 },  /* ES: TMR not 1 MiB long */
	};
	uint32_t want[] = { SEV_STATUS_INVALID_CONFIG, SEV_STATUS_INVALID_CONFIG, SEV_STATUS_INVALID_ADDRESS,
			    SEV_STATUS_INVALID_LENGTH };
	struct sev_user_data_status st;
	struct conf_snap before;
	struct psp_info info;
	struct psp_err e;

	if (!c || !c->fresh_ok || !conf_to_state(c, FW_PLAT_UNINIT, NULL))
		goto out;
	CONF_OK(psp_info(c->p, &info, &e), &e);
	/* The firmware (sev_mcmd_init_common) generates and saves a missing OCA/PEK/PDH
	 * before it reserves the SEV-ES TMR, so an ES INIT with a bad TMR after
	 * PLATFORM_RESET (as on a shared backend) does write NV.  One good INIT first puts
	 * the keys in place; from then on every failed INIT must leave NV alone. */
	{
		struct fwb_init plain = { 0, 0, 0, 0 };
		CU_ASSERT_STATUS(conf_fw(c, FW_CMD_INIT, &plain, sizeof(plain)), OK);
		CU_ASSERT_STATUS(conf_fw(c, FW_CMD_SHUTDOWN, NULL, 0), OK);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if ((bad[i].flags & 1) && !info.es)
			continue;
		conf_snap(c, &before);
		CU_ASSERT_STATUS(conf_fw(c, FW_CMD_INIT, &bad[i], sizeof(bad[i])), want[i]);
		CONF_OK(psp_platform_status(c->p, &st, &e), &e);
		CU_ASSERT_EQUAL(st.state, FW_PLAT_UNINIT);
		CONF_ASSERT_UNCHANGED(c, &before);
	}
	/* and a good one, with CONFIG.ES when the part has it */
	{
		struct fwb_init good = { info.es, 0, info.es ? 0x100000 : 0, info.es ? 0x100000 : 0 };
		CU_ASSERT_STATUS(conf_fw(c, FW_CMD_INIT, &good, sizeof(good)), OK);
		CONF_OK(psp_platform_status(c->p, &st, &e), &e);
		CU_ASSERT_EQUAL(st.state, FW_PLAT_INIT);
		CU_ASSERT_EQUAL(!!(st.flags & SEV_STATUS_FLAGS_CONFIG_ES), info.es);
	}
out:
	conf_close(c);
}

static void test_init_ex(void)
{
	struct conf *c = conf_open("fw-init-ex", NULL, 1);
	static uint8_t nv[0x8000] __attribute__((aligned(4096)));
	static uint8_t pdh0[0x824], chain0[0x186C], pdh1[0x824], chain1[0x186C];
	struct fwb_init_ex ex;
	struct sev_user_data_status st;
	struct psp_err e;

	if (!c || !c->fresh_ok || !conf_to_state(c, FW_PLAT_UNINIT, NULL))
		goto out;
	/* the length field, the alignment and the size of the NV area are checked */
	ex = (struct fwb_init_ex){ sizeof(ex) - 4, 0, 0, 0, 0, (uintptr_t)nv, 0x8000 };
	CU_ASSERT_STATUS(conf_fw(c, FW_CMD_INIT_EX, &ex, sizeof(ex)), SEV_STATUS_INVALID_LENGTH);
	ex = (struct fwb_init_ex){ sizeof(ex), 0, 0, 0, 0, (uintptr_t)nv + 16, 0x8000 };
	CU_ASSERT_STATUS(conf_fw(c, FW_CMD_INIT_EX, &ex, sizeof(ex)), SEV_STATUS_INVALID_ADDRESS);
	ex = (struct fwb_init_ex){ sizeof(ex), 0, 0, 0, 0, (uintptr_t)nv, 0x4000 };
	CU_ASSERT_STATUS(conf_fw(c, FW_CMD_INIT_EX, &ex, sizeof(ex)), SEV_STATUS_INVALID_LENGTH);
	ex = (struct fwb_init_ex){ sizeof(ex), 0x4, 0, 0, 0, (uintptr_t)nv, 0x8000 };
	CU_ASSERT_STATUS(conf_fw(c, FW_CMD_INIT_EX, &ex, sizeof(ex)), SEV_STATUS_INVALID_CONFIG);
	CONF_OK(psp_platform_status(c->p, &st, &e), &e);
	CU_ASSERT_EQUAL(st.state, FW_PLAT_UNINIT);
	/* An empty host NV area: the firmware makes OCA/PEK/PDH and stores them there. */
	memset(nv, 0, sizeof(nv));
	ex = (struct fwb_init_ex){ sizeof(ex), 0, 0, 0, 0, (uintptr_t)nv, 0x8000 };
	CU_ASSERT_STATUS(conf_fw(c, FW_CMD_INIT_EX, &ex, sizeof(ex)), OK);
	{
		size_t used = 0;
		for (size_t i = 0; i < sizeof(nv); i++)
			used += nv[i] != 0;
		CU_ASSERT_TRUE(used > 1024); /* three certificates and three keys */
	}
	CONF_OK(psp_pdh_cert_export(c->p, pdh0, chain0, &e), &e);
	/* Shut down and INIT_EX again from the same area: the same identity comes back. */
	CU_ASSERT_STATUS(conf_fw(c, FW_CMD_SHUTDOWN, NULL, 0), OK);
	CU_ASSERT_STATUS(conf_fw(c, FW_CMD_INIT_EX, &ex, sizeof(ex)), OK);
	CONF_OK(psp_pdh_cert_export(c->p, pdh1, chain1, &e), &e);
	CU_ASSERT_BYTES_EQUAL(pdh0, pdh1, sizeof(pdh0));
	CU_ASSERT_BYTES_EQUAL(chain0, chain1, sizeof(chain0));
	/* A damaged area: SECURE_DATA_INVALID, and the firmware erases it for the retry. */
	CU_ASSERT_STATUS(conf_fw(c, FW_CMD_SHUTDOWN, NULL, 0), OK);
	nv[100] ^= 0xff;
	CU_ASSERT_STATUS(conf_fw(c, FW_CMD_INIT_EX, &ex, sizeof(ex)), SEV_STATUS_SECURE_DATA_INVALID);
	CONF_OK(psp_platform_status(c->p, &st, &e), &e);
	CU_ASSERT_EQUAL(st.state, FW_PLAT_UNINIT);
	CU_ASSERT_STATUS(conf_fw(c, FW_CMD_INIT_EX, &ex, sizeof(ex)), OK);
	CONF_OK(psp_pdh_cert_export(c->p, pdh1, chain1, &e), &e);
	CU_ASSERT_NOT_EQUAL(memcmp(chain0, chain1, 0x824), 0);
out:
	conf_close(c);
}

static void test_shutdown_any_state(void)
{
	struct conf *c = conf_open("fw-shutdown", NULL, 1);
	struct sev_user_data_status st;
	struct psp_err e;

	if (!c || !c->fresh_ok)
		goto out;
	for (int state = FW_PLAT_UNINIT; state <= FW_PLAT_WORKING; state++) {
		if (!conf_to_state(c, state, NULL))
			goto out;
		CU_ASSERT_STATUS(conf_fw(c, FW_CMD_SHUTDOWN, NULL, 0), OK);
		CONF_OK(psp_platform_status(c->p, &st, &e), &e);
		CU_ASSERT_EQUAL(st.state, FW_PLAT_UNINIT);
	}
out:
	conf_close(c);
}

static void test_df_flush_needs_wbinvd(void)
{
	struct conf *c = conf_open("fw-wbinvd", NULL, 1);
	struct psp_err e;

	if (!c || !c->fresh_ok || !conf_to_state(c, FW_PLAT_UNINIT, NULL))
		goto out;
	/* Strict: after INIT every ASID is dirty and no core has run WBINVD. */
	CONF_OK(psp_wbinvd(c->p, true, &e), &e);
	{
		struct psp_info info;
		CONF_OK(psp_info(c->p, &info, &e), &e);
		struct fwb_init init = { info.es, 0, info.es ? 0x100000 : 0, info.es ? 0x100000 : 0 };
		CU_ASSERT_STATUS(conf_fw(c, FW_CMD_INIT, &init, sizeof(init)), OK);
	}
	CU_ASSERT_STATUS(conf_fw(c, FW_CMD_DF_FLUSH, NULL, 0), SEV_STATUS_WBINVD_REQUIRED);
	CONF_OK(psp_wbinvd(c->p, true, &e), &e);
	CU_ASSERT_STATUS(conf_fw(c, FW_CMD_DF_FLUSH, NULL, 0), OK);
	CONF_OK(psp_wbinvd(c->p, false, &e), &e);
out:
	conf_close(c);
}

static void test_platform_reset_erases_owner_data(void)
{
	struct conf *c = conf_open("fw-reset", NULL, 1);
	static uint8_t pdh0[0x824], chain0[0x186C], pdh1[0x824], chain1[0x186C];
	struct psp_err e;
	uint8_t nv0[32], nv1[32];

	if (!c || !c->fresh_ok || !conf_to_state(c, FW_PLAT_INIT, NULL))
		goto out;
	CONF_OK(psp_pdh_cert_export(c->p, pdh0, chain0, &e), &e);
	if (!conf_to_state(c, FW_PLAT_UNINIT, NULL))
		goto out;
	CONF_OK(psp_nv_digest(c->p, nv0, &e), &e);
	CU_ASSERT_STATUS(conf_fw(c, FW_CMD_PLATFORM_RESET, NULL, 0), OK);
	CONF_OK(psp_nv_digest(c->p, nv1, &e), &e);
	CU_ASSERT_NOT_EQUAL(memcmp(nv0, nv1, 32), 0);
	if (!conf_to_state(c, FW_PLAT_INIT, NULL))
		goto out;
	CONF_OK(psp_pdh_cert_export(c->p, pdh1, chain1, &e), &e);
	CU_ASSERT_NOT_EQUAL(memcmp(chain0 + 0x824, chain1 + 0x824, 0x824), 0);   /* OCA */
	CU_ASSERT_BYTES_EQUAL(chain0 + 2 * 0x824, chain1 + 2 * 0x824, 0x824); /* CEK */
out:
	conf_close(c);
}

static void test_unknown_command_id(void)
{
	struct conf *c = conf_open("fw-unknown", NULL, 1);
	struct conf_snap before;

	if (!c || !c->fresh_ok || !conf_need(c, PSP_CAP_FW_CMD))
		goto out;
	conf_snap(c, &before);
	CU_ASSERT_STATUS(conf_fw(c, 0x0F0, NULL, 0), SEV_STATUS_INVALID_COMMAND);
	CU_ASSERT_STATUS(conf_fw(c, 0x080, NULL, 0), SEV_STATUS_INVALID_COMMAND);
	CONF_ASSERT_UNCHANGED(c, &before);
out:
	conf_close(c);
}

static void test_download_firmware_alignment(void)
{
	struct conf *c = conf_open("fw-dlfw", NULL, 1);
	struct fwb_addr_len b = { (uintptr_t)big + 8, 0x1000 };

	if (!c || !c->fresh_ok || !conf_to_state(c, FW_PLAT_UNINIT, NULL))
		goto out;
	CU_ASSERT_STATUS(conf_fw(c, FW_CMD_DOWNLOAD_FIRMWARE, &b, sizeof(b)), SEV_STATUS_INVALID_ADDRESS);
out:
	conf_close(c);
}

TEST_SUITE(fw_platform, NULL, NULL,
	   TEST(test_state_matrix),
	   TEST(test_init_only_from_uninit),
	   TEST(test_init_checks),
	   TEST(test_init_ex),
	   TEST(test_shutdown_any_state),
	   TEST(test_df_flush_needs_wbinvd),
	   TEST(test_platform_reset_erases_owner_data),
	   TEST(test_unknown_command_id),
	   TEST(test_download_firmware_alignment))
