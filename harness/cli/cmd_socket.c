/* swsev socket: the emulator on a Unix socket (emu/xport/sock_srv.h, protocol in
 * emu/xport/wire.h; options shared with swsev cuse in emu/xport/dmain.c). */
#include "emu/xport/dmain.h"
#include "harness/cli/cli.h"
#include "harness/cli/commands.h"

int cmd_socket(int argc, char **argv)
{
	return xp_daemon_main(argc, argv, XP_KIND_SOCKET, cli_prog());
}
