/* The daemons' command lines: `swsev cuse` and `swsev socket` share every option but
 * the one naming what they serve. */
#ifndef SWSEV_XPORT_DMAIN_H
#define SWSEV_XPORT_DMAIN_H

enum xp_kind { XP_KIND_CUSE, XP_KIND_SOCKET };

/* argv[0] is the subcommand.  Exit status: 0 served and stopped cleanly (or, in the
 * background, started serving), 1 error, 2 usage. */
int xp_daemon_main(int argc, char **argv, enum xp_kind kind, const char *prog);

#endif
