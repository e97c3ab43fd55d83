/* engine_int.h — declarations shared inside engine/ only. */
#ifndef DRIFTD_ENGINE_INT_H
#define DRIFTD_ENGINE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* One sub-command of the driftd program. `run` gets argv from the command name on
 * (argv[0] = "demo") and returns the exit status. */
typedef struct dd_command {
    const char *name;
    const char *summary; /* one line for `driftd --help` */
    const char *usage;   /* the full `driftd NAME --help` text */
    int (*run)(int argc, char **argv);
} dd_command_t;

extern const dd_command_t dd_command_compare;
extern const dd_command_t dd_command_config;
extern const dd_command_t dd_command_demo;
extern const dd_command_t dd_command_decode;
extern const dd_command_t dd_command_gen;
extern const dd_command_t dd_command_inspect;
extern const dd_command_t dd_command_run;
extern const dd_command_t dd_command_baseline;

/* splitmix64's finalizer: a bijective mix of 64 bits (random streams, ids, key hashes). */
static inline uint64_t dd_mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Parses a decimal integer option value in [min, max]. On failure prints
 * "driftd CMD: OPTION expects ..." to stderr and returns -1. */
int dd_cli_parse_u64(const char *cmd, const char *option, const char *text, uint64_t min,
                     uint64_t max, uint64_t *out);

/* Prints "driftd CMD: unknown option 'OPT' (see 'driftd CMD --help')" and returns 2. */
int dd_cli_unknown_option(const char *cmd, const char *option);

/* Length of the valid UTF-8 sequence at p (1-4; p has `left` bytes), or 0 when it is not one:
 * overlong forms, surrogates and code points above U+10FFFF are not. The one rule of every
 * writer of untrusted text (JSON, Prometheus). */
size_t dd_utf8_sequence(const unsigned char *p, size_t left);

/* A JSON string of len bytes: quotes, backslashes and control characters escaped; bytes that
 * are not valid UTF-8 written as \ufffd, so the output is always valid JSON. */
void dd_json_write_string(FILE *out, const void *bytes, size_t len);
/* %.17g, or null for NaN and ±inf (JSON has neither). */
void dd_json_write_number(FILE *out, double v);

/* JSON text into a caller buffer (json_buf.c), snprintf-style: output that does not fit is
 * counted but not written, so `len` is the size the whole text needs. Strings are escaped as by
 * dd_json_write_string; numbers are null when not finite, else the shortest form that reads
 * back exactly. */
typedef struct dd_json_buf {
    char *data;  /* may be NULL when cap == 0 */
    size_t cap;  /* bytes available, the terminating NUL included */
    size_t len;  /* bytes of text so far (may exceed cap) */
} dd_json_buf_t;

void dd_json_buf_init(dd_json_buf_t *b, char *data, size_t cap);
void dd_json_buf_raw(dd_json_buf_t *b, const char *text, size_t n);
void dd_json_buf_cstr(dd_json_buf_t *b, const char *text); /* raw, NUL-terminated */
void dd_json_buf_string(dd_json_buf_t *b, const void *bytes, size_t len); /* quoted, escaped */
void dd_json_buf_number(dd_json_buf_t *b, double v);                    /* null if not finite */
void dd_json_buf_u64(dd_json_buf_t *b, uint64_t v);
void dd_json_buf_i64(dd_json_buf_t *b, int64_t v);
/* NUL-terminates what was written (truncated text if it did not fit); returns len. */
size_t dd_json_buf_finish(dd_json_buf_t *b);

#endif /* DRIFTD_ENGINE_INT_H */
