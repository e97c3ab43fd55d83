/* cmd_config.c — `driftd config check FILE [--print]`: validates a `driftd run` configuration
 * the way `run` loads it, and optionally shows the effective values with secrets hidden. */
#include <stdio.h>
#include <string.h>

#include "cli_int.h"
#include "config.h"
#include "run.h"

static const char config_synopsis[] =
    "Usage: driftd config check FILE [--print]\n"
    "\n"
    "Checks a `driftd run` configuration file: YAML syntax, every key and value (unknown keys\n"
    "are errors; docs/config.md lists them all), the ${ENV:NAME} and ${FILE:PATH}\n"
    "substitutions, the librdkafka properties under kafka:, and the most memory the windows\n"
    "can take against limits.memory. Prints\n"
    "  FILE: ok (N streams, M fields)\n"
    "or the first problem, as FILE:LINE:COLUMN: KEY: what was wrong; what was expected.\n";

static const char config_epilogue[] =
    "Exit status: 0 valid, 2 invalid, unreadable, or a usage error.\n";

enum { OPT_PRINT };

static const dd_cli_option_t config_options[] = {
    {OPT_PRINT, "print", 0, NULL,
     "also write the effective configuration (defaults filled in) as YAML to\n"
     "standard output, with secrets and substituted values shown as ***; the\n"
     "ok line then goes to standard error",
     NULL},
    {0},
};

typedef struct config_args {
    const char *sub_command, *file;
    int print;
} config_args_t;

static int on_option(void *ctx, const dd_cli_option_t *o, const char *value) {
    config_args_t *a = ctx;
    if (o != NULL) { /* OPT_PRINT */
        a->print = 1;
    } else if (a->sub_command == NULL) {
        if (strcmp(value, "check") != 0) {
            fprintf(stderr,
                    "driftd config: unknown sub-command '%s'; expected check (see 'driftd config "
                    "--help')\n",
                    value);
            return -1;
        }
        a->sub_command = value;
    } else if (a->file == NULL) {
        a->file = value;
    } else {
        fprintf(stderr, "driftd config: one FILE at a time, got '%s' and '%s'\n", a->file, value);
        return -1;
    }
    return 0;
}

static int run_config(int argc, char **argv) {
    config_args_t a = {0};
    const int rc = dd_cli_parse(&dd_command_config, argc, argv, on_option, &a);
    if (rc != DD_CLI_CONTINUE)
        return rc;
    if (a.sub_command == NULL) {
        fprintf(stderr, "Usage: driftd config check FILE [--print] (see 'driftd config --help')\n");
        return 2;
    }
    if (a.file == NULL) {
        fprintf(stderr, "driftd config: check needs a FILE (see 'driftd config --help')\n");
        return 2;
    }
    const char *file = a.file;
    dd_config_t *cfg = NULL;
    char err[8192];
    if (dd_config_load(file, &cfg, err, sizeof(err)) != 0) {
        dd_cli_print_lines("driftd config", err);
        return 2;
    }
    dd_run_memory_t mem;
    if (dd_run_memory_check(cfg, &mem, err, sizeof(err)) != 0) {
        fprintf(stderr, "driftd config: %s: %s\n", file, err);
        dd_config_free(cfg);
        return 2;
    }
    if (a.print)
        dd_config_print_redacted(cfg, stdout);
    fprintf(a.print ? stderr : stdout, "%s: ok (%zu stream%s, %zu field%s)\n", file,
            cfg->n_streams, cfg->n_streams == 1 ? "" : "s", cfg->n_fields,
            cfg->n_fields == 1 ? "" : "s");
    dd_config_free(cfg);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "driftd config: cannot write to standard output\n");
        return 2;
    }
    return 0;
}

const dd_command_t dd_command_config = {
    .name = "config",
    .summary = "check a `driftd run` configuration file (config check FILE [--print])",
    .synopsis = config_synopsis,
    .epilogue = config_epilogue,
    .options = config_options,
    .operands = 1,
    .run = run_config,
};
