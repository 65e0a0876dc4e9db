/* The subcommands' entry points (see commands.def). */
#ifndef SWSEV_CLI_COMMANDS_H
#define SWSEV_CLI_COMMANDS_H

#define SWSEV_CMD(name, fn, summary) int fn(int argc, char **argv);
#include "harness/cli/commands.def"
#undef SWSEV_CMD

#endif
