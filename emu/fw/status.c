#include "emu/fw/status.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
	const char *name;
	const char *desc;
} table[] = {
	[0x00] = { "SUCCESS", "success" },
	[0x01] = { "INVALID_PLATFORM_STATE", "the platform is not in a state that allows the command" },
	[0x02] = { "INVALID_GUEST_STATE", "the guest is not in a state that allows the command" },
	[0x03] = { "INVALID_CONFIG", "the platform configuration is invalid" },
	[0x04] = { "INVALID_LENGTH", "a buffer length is too small or invalid" },
	[0x05] = { "ALREADY_OWNED", "the platform is already owned" },
	[0x06] = { "INVALID_CERTIFICATE", "a certificate is malformed or not signed by the right key" },
	[0x07] = { "POLICY_FAILURE", "the guest policy forbids the operation" },
	[0x08] = { "INACTIVE", "the guest has no ASID bound" },
	[0x09] = { "INVALID_ADDRESS", "an address is misaligned or invalid" },
	[0x0A] = { "BAD_SIGNATURE", "a signature did not verify" },
	[0x0B] = { "BAD_MEASUREMENT", "an HMAC or measurement did not verify" },
	[0x0C] = { "ASID_OWNED", "the ASID is owned by another guest" },
	[0x0D] = { "INVALID_ASID", "the ASID is out of range" },
	[0x0E] = { "WBINVD_REQUIRED", "a WBINVD is required before DF_FLUSH" },
	[0x0F] = { "DFFLUSH_REQUIRED", "a DF_FLUSH is required before the ASID can be used" },
	[0x10] = { "INVALID_GUEST", "the guest handle is invalid" },
	[0x11] = { "INVALID_COMMAND", "the command is unknown" },
	[0x12] = { "ACTIVE", "the guest is active (has an ASID)" },
	[0x13] = { "HWERROR_PLATFORM", "hardware error, platform state preserved" },
	[0x14] = { "HWERROR_UNSAFE", "hardware error, platform state unsafe" },
	[0x15] = { "UNSUPPORTED", "the feature is not supported" },
	[0x16] = { "INVALID_PARAM", "a parameter is invalid" },
	[0x17] = { "RESOURCE_LIMIT", "a firmware resource is exhausted" },
	[0x18] = { "SECURE_DATA_INVALID", "persistent data failed its integrity check" },
};

const char *sev_status_name(uint32_t code)
{
	if (code < sizeof(table) / sizeof(table[0]) && table[code].name)
		return table[code].name;
	return "UNKNOWN";
}

const char *sev_status_desc(uint32_t code)
{
	if (code < sizeof(table) / sizeof(table[0]) && table[code].desc)
		return table[code].desc;
	return "unknown status code";
}

int sev_status_parse(const char *s)
{
	char *end;
	long v;

	if (strncasecmp(s, "SEV_STATUS_", 11) == 0)
		s += 11;
	else if (strncasecmp(s, "SEV_RET_", 8) == 0)
		s += 8;
	for (unsigned i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].name && strcasecmp(s, table[i].name) == 0)
			return (int)i;
	v = strtol(s, &end, 0);
	if (*s && !*end && v >= 0 && v <= 0xffff)
		return (int)v;
	return -1;
}
