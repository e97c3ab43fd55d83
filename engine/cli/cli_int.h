/* cli_int.h — shared by engine/cli/ only: the command table and option parsing. */
#ifndef DRIFTD_ENGINE_CLI_INT_H
#define DRIFTD_ENGINE_CLI_INT_H

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

/* Parses a decimal integer option value in [min, max]. On failure prints
 * "driftd CMD: OPTION expects ..." to stderr and returns -1. */
int dd_cli_parse_u64(const char *cmd, const char *option, const char *text, uint64_t min,
                     uint64_t max, uint64_t *out);

/* Prints "driftd CMD: unknown option 'OPT' (see 'driftd CMD --help')" and returns 2. */
int dd_cli_unknown_option(const char *cmd, const char *option);

#endif /* DRIFTD_ENGINE_CLI_INT_H */
