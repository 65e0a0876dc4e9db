/* The SEV firmware status codes (SEV API 0.24 ch. 4; Linux SEV_RET_*), the one table
 * of names used by the firmware model, the driver layer, psp/ and every tool. */
#ifndef SWSEV_FW_STATUS_H
#define SWSEV_FW_STATUS_H

#include <stdint.h>

enum sev_status {
	SEV_STATUS_SUCCESS = 0x00,
	SEV_STATUS_INVALID_PLATFORM_STATE = 0x01,
	SEV_STATUS_INVALID_GUEST_STATE = 0x02,
	SEV_STATUS_INVALID_CONFIG = 0x03,
	SEV_STATUS_INVALID_LENGTH = 0x04,
	SEV_STATUS_ALREADY_OWNED = 0x05,
	SEV_STATUS_INVALID_CERTIFICATE = 0x06,
	SEV_STATUS_POLICY_FAILURE = 0x07,
	SEV_STATUS_INACTIVE = 0x08,
	SEV_STATUS_INVALID_ADDRESS = 0x09,
	SEV_STATUS_BAD_SIGNATURE = 0x0A,
	SEV_STATUS_BAD_MEASUREMENT = 0x0B,
	SEV_STATUS_ASID_OWNED = 0x0C,
	SEV_STATUS_INVALID_ASID = 0x0D,
	SEV_STATUS_WBINVD_REQUIRED = 0x0E,
	SEV_STATUS_DFFLUSH_REQUIRED = 0x0F,
	SEV_STATUS_INVALID_GUEST = 0x10,
	SEV_STATUS_INVALID_COMMAND = 0x11,
	SEV_STATUS_ACTIVE = 0x12,
	SEV_STATUS_HWERROR_PLATFORM = 0x13,
	SEV_STATUS_HWERROR_UNSAFE = 0x14,
	SEV_STATUS_UNSUPPORTED = 0x15,
	SEV_STATUS_INVALID_PARAM = 0x16,
	SEV_STATUS_RESOURCE_LIMIT = 0x17,
	SEV_STATUS_SECURE_DATA_INVALID = 0x18,
	SEV_STATUS_MAX_LEGACY = 0x18,
};

/* "INVALID_LENGTH"; "UNKNOWN" for codes outside the table. */
const char *sev_status_name(uint32_t code);

/* One line of what the code means, for messages. */
const char *sev_status_desc(uint32_t code);

/* Parses a name ("INVALID_LENGTH", case-insensitive, optional "SEV_STATUS_" or
 * "SEV_RET_" prefix) or a number ("4", "0x04"); returns -1 if neither. */
int sev_status_parse(const char *s);

#endif
