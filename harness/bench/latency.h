/* swsev bench latency: per-command latencies of a backend, as a latency profile. */
#ifndef SWSEV_BENCH_LATENCY_H
#define SWSEV_BENCH_LATENCY_H

/* argv[0] is the subcommand's name ("latency"); exit status 0, 1 (error), 2 (usage). */
int bench_latency(int argc, char **argv);

#endif
