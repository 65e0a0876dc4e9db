/* swsev cuse: the emulated /dev/NAME (emu/xport/cuse_srv.h; options shared with swsev
 * socket in emu/xport/dmain.c). */
#include "emu/xport/dmain.h"
#include "harness/cli/cli.h"
#include "harness/cli/commands.h"

int cmd_cuse(int argc, char **argv)
{
	return xp_daemon_main(argc, argv, XP_KIND_CUSE, cli_prog());
}
