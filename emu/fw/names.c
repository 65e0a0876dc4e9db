/* Names of firmware commands and states, for messages and for the CLI. */
#include <stdlib.h>
#include <strings.h>

#include "emu/fw/fw.h"

static const char *const cmd_names[FW_CMD_MAX + 1] = {
	[FW_CMD_INIT] = "INIT",
	[FW_CMD_SHUTDOWN] = "SHUTDOWN",
	[FW_CMD_PLATFORM_RESET] = "PLATFORM_RESET",
	[FW_CMD_PLATFORM_STATUS] = "PLATFORM_STATUS",
	[FW_CMD_PEK_GEN] = "PEK_GEN",
	[FW_CMD_PEK_CSR] = "PEK_CSR",
	[FW_CMD_PEK_CERT_IMPORT] = "PEK_CERT_IMPORT",
	[FW_CMD_PDH_CERT_EXPORT] = "PDH_CERT_EXPORT",
	[FW_CMD_PDH_GEN] = "PDH_GEN",
	[FW_CMD_DF_FLUSH] = "DF_FLUSH",
	[FW_CMD_DOWNLOAD_FIRMWARE] = "DOWNLOAD_FIRMWARE",
	[FW_CMD_GET_ID] = "GET_ID",
	[FW_CMD_INIT_EX] = "INIT_EX",
	[FW_CMD_NOP] = "NOP",
	[FW_CMD_DECOMMISSION] = "DECOMMISSION",
	[FW_CMD_ACTIVATE] = "ACTIVATE",
	[FW_CMD_DEACTIVATE] = "DEACTIVATE",
	[FW_CMD_GUEST_STATUS] = "GUEST_STATUS",
	[FW_CMD_COPY] = "COPY",
	[FW_CMD_ACTIVATE_EX] = "ACTIVATE_EX",
	[FW_CMD_LAUNCH_START] = "LAUNCH_START",
	[FW_CMD_LAUNCH_UPDATE_DATA] = "LAUNCH_UPDATE_DATA",
	[FW_CMD_LAUNCH_UPDATE_VMSA] = "LAUNCH_UPDATE_VMSA",
	[FW_CMD_LAUNCH_MEASURE] = "LAUNCH_MEASURE",
	[FW_CMD_LAUNCH_SECRET] = "LAUNCH_SECRET",
	[FW_CMD_LAUNCH_FINISH] = "LAUNCH_FINISH",
	[FW_CMD_ATTESTATION] = "ATTESTATION",
	[FW_CMD_SEND_START] = "SEND_START",
	[FW_CMD_SEND_UPDATE_DATA] = "SEND_UPDATE_DATA",
	[FW_CMD_SEND_UPDATE_VMSA] = "SEND_UPDATE_VMSA",
	[FW_CMD_SEND_FINISH] = "SEND_FINISH",
	[FW_CMD_SEND_CANCEL] = "SEND_CANCEL",
	[FW_CMD_RECEIVE_START] = "RECEIVE_START",
	[FW_CMD_RECEIVE_UPDATE_DATA] = "RECEIVE_UPDATE_DATA",
	[FW_CMD_RECEIVE_UPDATE_VMSA] = "RECEIVE_UPDATE_VMSA",
	[FW_CMD_RECEIVE_FINISH] = "RECEIVE_FINISH",
	[FW_CMD_DBG_DECRYPT] = "DBG_DECRYPT",
	[FW_CMD_DBG_ENCRYPT] = "DBG_ENCRYPT",
};

const char *fw_cmd_name(uint32_t id)
{
	if (id <= FW_CMD_MAX && cmd_names[id])
		return cmd_names[id];
	return NULL;
}

int fw_cmd_parse(const char *s)
{
	char *end;
	long v;

	for (int i = 0; i <= FW_CMD_MAX; i++)
		if (cmd_names[i] && strcasecmp(s, cmd_names[i]) == 0)
			return i;
	v = strtol(s, &end, 0);
	if (*s && !*end && v > 0 && v <= FW_CMD_MAX)
		return (int)v;
	return -1;
}

const char *fw_plat_state_name(uint32_t s)
{
	static const char *const n[] = { "UNINIT", "INIT", "WORKING" };
	return s < 3 ? n[s] : "UNKNOWN";
}

const char *fw_guest_state_name(uint32_t s)
{
	static const char *const n[] = { "UNINIT", "LUPDATE", "LSECRET", "RUNNING", "SUPDATE", "RUPDATE", "SENT" };
	return s < 7 ? n[s] : "UNKNOWN";
}
