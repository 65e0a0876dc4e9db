/* swsev socket — being written. */
#include "harness/cli/cli.h"
#include "harness/cli/commands.h"

int cmd_socket(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_error("not implemented yet");
}
