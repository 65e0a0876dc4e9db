/* swsev: one program, git-style subcommands. */
#include <stdio.h>
#include <string.h>

#include "psp/psp.h"

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("swsev %s\n", PSP_API_VERSION_STRING);
		return 0;
	}
	fprintf(stderr, "usage: swsev <command> [options]\n");
	return 2;
}
