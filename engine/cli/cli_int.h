/* cli_int.h — shared by engine/cli/ only: the command table, option tables and their parser. */
#ifndef DRIFTD_ENGINE_CLI_INT_H
#define DRIFTD_ENGINE_CLI_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* One command-line option, a row of a command's option table. The same row drives parsing
 * (getopt_long) and the Options section of the help. -h/--help is added to every table. */
typedef struct dd_cli_option {
    int id;              /* the command's own code for the option (an enum of its own) */
    const char *name;    /* the long name without "--"; NULL ends the table */
    char letter;         /* the short option letter, or 0 */
    const char *metavar; /* the value's name in help and errors ("FILE"); NULL: takes no value */
    const char *help;    /* help text; each '\n' continues it on a new line, aligned */
    const char *section; /* a help heading ("Where:") this row starts; NULL: the section goes on
                          * ("Options:" for the first row) */
} dd_cli_option_t;

/* One sub-command of the driftd program. `driftd NAME --help` and `driftd help NAME` print
 * synopsis, a blank line, the options table (generated from `options`), a blank line, epilogue. */
typedef struct dd_command {
    const char *name;
    const char *summary;            /* one line for `driftd --help` */
    const char *synopsis;           /* the help before the options: "Usage: ...", what it does */
    const char *epilogue;           /* the help after the options: defaults, exit status */
    const dd_cli_option_t *options; /* ends with a row whose name is NULL */
    int operands;                   /* 1: takes operands (FILE...); 0: an operand is an error */
    int (*run)(int argc, char **argv); /* argv from the command name on (argv[0] = "demo") */
} dd_command_t;

extern const dd_command_t dd_command_compare;
extern const dd_command_t dd_command_config;
extern const dd_command_t dd_command_demo;
extern const dd_command_t dd_command_decode;
extern const dd_command_t dd_command_gen;
extern const dd_command_t dd_command_inspect;
extern const dd_command_t dd_command_run;
extern const dd_command_t dd_command_baseline;

/* Called once per option, in command-line order: opt is the option's row and value its
 * argument (NULL for an option without one); for an operand opt is NULL and value the operand.
 * Returns 0 to go on, anything else to stop after printing its own "driftd CMD: ..." message. */
typedef int (*dd_cli_on_option_t)(void *ctx, const dd_cli_option_t *opt, const char *value);

/* What dd_cli_parse returns when the command should go on. */
#define DD_CLI_CONTINUE (-1)

/* Parses argv[1..argc) with getopt_long against cmd->options: --name=value, --name value, -cVALUE,
 * -c VALUE, clustered flags, `--` ending the options, options and operands in any order. -h and
 * --help print the help to stdout. Long names must be given whole (no abbreviations). Prints
 * "driftd CMD: ..." usage errors itself: an unknown option (with a "did you mean" when one is
 * close), a missing or unexpected value, an operand the command does not take.
 * Returns DD_CLI_CONTINUE, or the exit status to return: 0 after --help, 2 on a usage error.
 * Not reentrant: getopt's global state is reset on entry (the demo and tests parse repeatedly). */
int dd_cli_parse(const dd_command_t *cmd, int argc, char **argv, dd_cli_on_option_t on_option,
                 void *ctx);

/* A dd_cli_on_option_t for commands whose options each keep their last value: ctx is an array
 * `const char *values[]` indexed by the options' ids; a flag's entry becomes non-NULL. The command
 * checks the values after dd_cli_parse returns. Operands are left to dd_cli_parse (refused). */
int dd_cli_store(void *values, const dd_cli_option_t *opt, const char *value);

/* Writes the command's whole help text, its Options section generated from its table. */
void dd_cli_print_help(const dd_command_t *cmd, FILE *out);

/* The candidate closest to word (a unique candidate word is a prefix of, else the nearest by
 * Damerau–Levenshtein distance, at most 2 and less than word's length), or NULL. */
const char *dd_cli_suggest(const char *word, size_t word_len, const char *const *candidates,
                           size_t n_candidates);

/* Parses a decimal integer option value in [min, max]. On failure prints
 * "driftd CMD: OPTION expects ..." to stderr and returns -1. */
int dd_cli_parse_u64(const char *cmd, const char *option, const char *text, uint64_t min,
                     uint64_t max, uint64_t *out);

/* Writes each line of text (errors of a config file, one per line) to stderr as "PREFIX: LINE". */
void dd_cli_print_lines(const char *prefix, const char *text);

/* Progress of a long command on a terminal: while stderr is a terminal (and DRIFTD_PROGRESS is
 * not 0), a thread rewrites one status line twice a second, "driftd gen: writing out.jsonl:
 * 1,204,000 records, 12 s", starting after the first second so quick runs show nothing;
 * dd_cli_progress_end erases it. Nothing is written when stderr is a file or a pipe. One at a
 * time; the count is a relaxed atomic, cheap enough for every record. */
void dd_cli_progress_begin(const char *cmd, const char *what, const char *unit);
void dd_cli_progress_count(uint64_t n);
void dd_cli_progress_end(void);

#endif /* DRIFTD_ENGINE_CLI_INT_H */
