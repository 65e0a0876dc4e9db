/* Shared pieces of the benchmarks: a clock, peak-memory probes, and the subcommands. */
#ifndef SWSEV_BENCH_H
#define SWSEV_BENCH_H

#include <stdint.h>

uint64_t bench_now_ns(void);
/* Resets the process's peak RSS (Linux clear_refs) and returns the current RSS in bytes. */
uint64_t bench_rss_reset(void);
/* The peak RSS in bytes since the last reset. */
uint64_t bench_rss_peak(void);

/* argv[0] is the subcommand's name; exit status 0, 1 (error), 2 (usage). */
int bench_migrate(int argc, char **argv);

#endif
