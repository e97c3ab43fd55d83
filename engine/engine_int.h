/* engine_int.h — declarations shared inside engine/ only. */
#ifndef DRIFTD_ENGINE_INT_H
#define DRIFTD_ENGINE_INT_H

#include <stdint.h>

/* One sub-command of the driftd program. `run` gets argv from the command name on
 * (argv[0] = "demo") and returns the exit status. */
typedef struct dd_command {
    const char *name;
    const char *summary; /* one line for `driftd --help` */
    const char *usage;   /* the full `driftd NAME --help` text */
    int (*run)(int argc, char **argv);
} dd_command_t;

extern const dd_command_t dd_command_compare;
extern const dd_command_t dd_command_demo;

/* Parses a decimal integer option value in [min, max]. On failure prints
 * "driftd CMD: OPTION expects ..." to stderr and returns -1. */
int dd_cli_parse_u64(const char *cmd, const char *option, const char *text, uint64_t min,
                     uint64_t max, uint64_t *out);

/* Prints "driftd CMD: unknown option 'OPT' (see 'driftd CMD --help')" and returns 2. */
int dd_cli_unknown_option(const char *cmd, const char *option);

#endif /* DRIFTD_ENGINE_INT_H */
