/* swsev bench: the benchmarks.  Each reports ratios against a baseline measured in the
 * same run, never absolute pass/fail times. */
#include <stdio.h>
#include <string.h>

#include "harness/bench/bench.h"
#include "harness/bench/latency.h"
#include "harness/cli/cli.h"
#include "harness/cli/commands.h"

static const char usage[] =
	"usage: swsev bench migrate [--sizes MIB,...] [--no-two-process]   SEND->RECEIVE vs the crypto ceiling\n"
	"       swsev bench latency [--backend URI] [--out FILE] ...       per-command latencies (a profile)\n"
	"\n"
	"'swsev bench SUBCOMMAND --help' describes each.  The CUSE transport's benchmark is\n"
	"scripts/bench-cuse.sh (it needs the QEMU VM); `make bench` runs them all.\n";

int cmd_bench(int argc, char **argv)
{
	if (argc < 2)
		return fputs(usage, stderr), EXIT_USAGE;
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help"))
		return fputs(usage, stdout), 0;
	if (strcmp(argv[1], "migrate") == 0) {
		cli_set_prog("swsev bench migrate");
		return bench_migrate(argc - 1, argv + 1);
	}
	if (strcmp(argv[1], "latency") == 0) {
		cli_set_prog("swsev bench latency");
		return bench_latency(argc - 1, argv + 1);
	}
	return cli_usage_error("'%s' is not a benchmark (migrate, latency)", argv[1]);
}
