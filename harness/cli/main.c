/* swsev: one program, git-style subcommands. */
#include <stdio.h>
#include <string.h>

#include "harness/cli/cli.h"
#include "harness/cli/commands.h"
#include "psp/psp.h"

static const struct cli_cmd cmds[] = {
#define SWSEV_CMD(name, fn, summary) { name, fn, summary },
#include "harness/cli/commands.def"
#undef SWSEV_CMD
};

static int usage(FILE *out)
{
	fprintf(out, "usage: swsev [--version] [--help] <command> [options] ...\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(out, "  %-10s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(out, "\n'swsev <command> --help' describes a command.\n");
	return out == stdout ? 0 : EXIT_USAGE;
}

int main(int argc, char **argv)
{
	static char prog[64];

	if (argc < 2)
		return usage(stderr);
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("swsev %s\n", PSP_API_VERSION_STRING);
		return 0;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0)
		return usage(stdout);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[1], cmds[i].name) == 0) {
			snprintf(prog, sizeof(prog), "swsev %s", cmds[i].name);
			cli_set_prog(prog);
			return cmds[i].fn(argc - 1, argv + 1);
		}
	}
	fprintf(stderr, "swsev: '%s' is not a command\n", argv[1]);
	return usage(stderr);
}
