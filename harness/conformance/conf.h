/* Shared plumbing of the conformance suites.  Suites are written against psp/ only and
 * run unchanged on every backend: SWSEV_BACKEND picks it (default: a fresh in-process
 * emulator per test), SWSEV_BACKEND2 a second platform for two-platform suites.
 *
 * Tests that need a capability the backend lacks skip with the reason; tests that
 * destroy a real platform's state run only with SWSEV_DESTRUCTIVE=1 on backends that
 * are not emulators. */
#ifndef SWSEV_CONF_H
#define SWSEV_CONF_H

#include <stdbool.h>
#include <stdint.h>

#include "harness/testlib/testlib.h"
#include "psp/psp.h"

struct conf {
	struct psp *p;
	char uri[700];
	char dir[512]; /* emu: state directory */
	bool emu;      /* in-process: a power cycle is close + reopen */
	bool fresh_ok; /* the platform could be brought to a known state */
};

/* A platform in a known state: a new state directory for emu: (sharing one emulated AMD
 * root per run), or the configured backend power-cycled and factory-reset.  `opts` are
 * extra emu: options ("profile=lazy&asids=8"); on any other backend they make the
 * test skip, since only the emulator builds a platform to order.  which: 1 or 2
 * (SWSEV_BACKEND2).  NULL (and a skip recorded) when that is impossible here. */
struct conf *conf_open(const char *tag, const char *opts, int which);
void conf_close(struct conf *c);

/* Requires capabilities; on a miss records a skip naming them and returns false. */
bool conf_need(struct conf *c, unsigned caps);

/* Power cycle: only what the state directory / NV holds survives. */
bool conf_power_cycle(struct conf *c);

/* The shared emulated AMD root of this run (for emu: URIs built by hand). */
const char *conf_root_dir(void);

/* What a failed command may not change: platform status, PDH and chain, NV digest. */
struct conf_snap {
	struct sev_user_data_status st;
	bool have_certs, have_nv;
	uint8_t pdh[PSP_CERT_LEN];
	uint8_t chain[PSP_CERT_CHAIN_LEN];
	uint8_t nv[32];
};
/* Takes a snapshot without changing the platform (PDH_CERT_EXPORT only when INIT
 * already, so no implicit INIT). */
void conf_snap(struct conf *c, struct conf_snap *s);
int conf_snap_equal(struct conf *c, const struct conf_snap *before, const char *file, int line);
#define CONF_ASSERT_UNCHANGED(c, before) CU_ASSERT_TRUE(conf_snap_equal((c), (before), __FILE__, __LINE__))

/* A raw firmware command; returns its status (UINT32_MAX and a CUnit failure if the
 * transport failed). */
uint32_t conf_fw(struct conf *c, uint32_t cmd, void *buf, uint32_t len);

/* Firmware-level platform states via raw commands: UNINIT (SHUTDOWN), INIT (INIT with
 * the part's ES flag, WBINVD, DF_FLUSH), WORKING (INIT + one guest via raw
 * LAUNCH_START, whose handle is returned). */
bool conf_to_state(struct conf *c, int state, uint32_t *guest);

/* psp call assertions: ok, or failed with this errno / firmware status. */
#define CONF_OK(rc, e) CU_ASSERT_TRUE(conf_check_ok((rc), (e), #rc, __FILE__, __LINE__))
int conf_check_ok(int rc, struct psp_err *e, const char *what, const char *file, int line);
int conf_check_err(int rc, const struct psp_err *e, int want_errno, int want_fw, const char *what, const char *file,
		   int line);
/* want_fw < 0: no firmware status expected */
#define CONF_ERR(rc, e, want_errno, want_fw)                                                              \
	CU_ASSERT_TRUE(conf_check_err((rc), (e), (want_errno), (want_fw), #rc, __FILE__, __LINE__))

/* Page-aligned memory for guest images (freed with conf_free). */
void *conf_alloc(size_t len);
void conf_free(void *p, size_t len);

#endif

/* The guest owner's side, for launch tests: a GODH key and certificate and a session
 * wrapping fresh TEK/TIK for the platform's PDH; a LAUNCH_SECRET packet. */
struct conf_owner {
	uint8_t godh[PSP_CERT_LEN];
	uint8_t session[PSP_SESSION_LEN];
	uint8_t tek[16], tik[16];
};
bool conf_owner_session(const uint8_t pdh[PSP_CERT_LEN], uint32_t policy, struct conf_owner *o);
/* ct receives len bytes; hdr the 52-byte header (MAC over the measurement). */
bool conf_owner_secret(const struct conf_owner *o, const uint8_t measurement[32], const void *secret, uint32_t len,
		       uint8_t hdr[PSP_HDR_LEN], void *ct);
