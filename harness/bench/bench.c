#include "harness/bench/bench.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t status_kib(const char *key)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	unsigned long long v = 0;
	size_t kl = strlen(key);

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
			sscanf(line + kl + 1, "%llu", &v);
			break;
		}
	fclose(f);
	return v;
}

uint64_t bench_rss_reset(void)
{
	FILE *f = fopen("/proc/self/clear_refs", "w");

	/* "5" resets VmHWM to the current RSS (Linux 4.0+) */
	if (f) {
		fputs("5", f);
		fclose(f);
	}
	return status_kib("VmRSS") * 1024;
}

uint64_t bench_rss_peak(void)
{
	return status_kib("VmHWM") * 1024;
}
