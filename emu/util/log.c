#include "emu/util/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static enum log_level cur_level = LOG_NONE;
static FILE *sink;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

void log_set_level(enum log_level level)
{
	cur_level = level;
}

enum log_level log_get_level(void)
{
	return cur_level;
}

int log_set_file(const char *path)
{
	FILE *f = NULL;

	if (path && strcmp(path, "-") != 0) {
		f = fopen(path, "ae");
		if (!f)
			return -errno;
		setvbuf(f, NULL, _IOLBF, 0);
	}
	pthread_mutex_lock(&lock);
	if (sink)
		fclose(sink);
	sink = f;
	pthread_mutex_unlock(&lock);
	return 0;
}

int log_level_parse(const char *s)
{
	static const char *names[] = { "none", "error", "warn", "info", "debug" };
	for (int i = 0; i < 5; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *tags[] = { "", "error", "warn", "info", "debug" };
	struct timespec ts;
	struct tm tm;
	char when[32];
	va_list ap;
	FILE *out;

	if (level > cur_level || level == LOG_NONE)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	pthread_mutex_lock(&lock);
	out = sink ? sink : stderr;
	fprintf(out, "%s.%03ldZ swsev[%d] %s: ", when, ts.tv_nsec / 1000000, (int)getpid(), tags[level]);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
	pthread_mutex_unlock(&lock);
}
