/* Shared plumbing of the swsev subcommands: exit codes, messages, files, hex. */
#ifndef SWSEV_CLI_H
#define SWSEV_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Exit status: 0 ok, 1 error, 2 usage (DESIGN.md "CLI conventions"). */
#define EXIT_USAGE 2

/* "swsev platform" etc.: argv[0] is the subcommand's name. */
typedef int (*cli_cmd_fn)(int argc, char **argv);

struct cli_cmd {
	const char *name;
	cli_cmd_fn fn;
	const char *summary;
};

/* The program name for messages ("swsev platform"). */
void cli_set_prog(const char *name);
const char *cli_prog(void);

/* "swsev platform: <message>\n" on stderr; returns 1 (or EXIT_USAGE for cli_usage_error). */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Progress/info lines on stderr unless --quiet. */
void cli_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_set_quiet(bool quiet);

/* Whole files.  read returns a malloc'ed buffer (NUL-terminated past len) or NULL with
 * a message printed; write is atomic (temp + rename) with the given mode. */
uint8_t *cli_read_file(const char *path, size_t *len);
/* Reads a file that must be exactly len bytes long. */
int cli_read_exact(const char *path, void *buf, size_t len);
int cli_write_file(const char *path, const void *buf, size_t len, unsigned mode);
int cli_mkdir_p(const char *path, unsigned mode);

/* Numbers: decimal, 0x hex, with optional K/M/G suffix for sizes. */
int cli_parse_u64(const char *s, uint64_t *out);
int cli_parse_u32(const char *s, uint32_t *out);
int cli_parse_size(const char *s, uint64_t *out);
/* Hex seed/key arguments. */
int cli_parse_hex(const char *s, uint8_t **out, size_t *len);

void cli_print_hex(const char *label, const void *p, size_t n);

/* Backends.  The URI is --backend, else $SWSEV_BACKEND, else "emu:"; a --seed is added
 * as the emu: option seed= (refused with a usage error for other backends), and ro as
 * the option every backend takes for a read-only descriptor. */
struct psp;
struct psp_err;
char *cli_backend_uri(const char *backend, const char *seed, bool ro);
/* 0, or the exit status (1, or EXIT_USAGE for a --seed on a non-emu: backend) with the
 * reason printed. */
int cli_open_backend(const char *backend, const char *seed, bool ro, struct psp **p);
/* "<prog>: <what> failed: EIO, firmware INVALID_PLATFORM_STATE (0x01): ..."; returns 1. */
int cli_psp_error(const char *what, const struct psp_err *e);

#endif
