/* Diagnostic log for the emulator and its daemons.
 *
 * Never pass key material (TEK, TIK, VEK, KEK, KIK, private scalars, the CUK) to
 * these functions: the log is for operators and may end up in CI output.  Public
 * values (certificate hashes, handles, status codes) are fine. */
#ifndef SWSEV_UTIL_LOG_H
#define SWSEV_UTIL_LOG_H

enum log_level {
	LOG_NONE = 0,
	LOG_ERROR,
	LOG_WARN,
	LOG_INFO,
	LOG_DEBUG,
};

/* The library is silent (LOG_NONE) until a program opts in. */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

/* path NULL or "-" selects stderr.  Returns 0 or -errno. */
int log_set_file(const char *path);

/* Parses "error", "warn", "info", "debug", "none"; returns -1 if unknown. */
int log_level_parse(const char *s);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
