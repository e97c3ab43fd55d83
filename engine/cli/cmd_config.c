/* cmd_config.c — `driftd config check FILE [--print]`: validates a `driftd run` configuration
 * the way `run` loads it, and optionally shows the effective values with secrets hidden. */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "cli_int.h"

static const char config_usage[] =
    "Usage: driftd config check FILE [--print]\n"
    "\n"
    "Checks a `driftd run` configuration file: YAML syntax, every key and value (unknown keys\n"
    "are errors; docs/config.md lists them all), the ${ENV:NAME} and ${FILE:PATH}\n"
    "substitutions, and the librdkafka properties under kafka:. Prints\n"
    "  FILE: ok (N streams, M fields)\n"
    "or the first problem, as FILE:LINE:COLUMN: KEY: what was wrong; what was expected.\n"
    "\n"
    "Options:\n"
    "  --print      also write the effective configuration (defaults filled in) as YAML to\n"
    "               standard output, with secrets and substituted values shown as ***; the\n"
    "               ok line then goes to standard error\n"
    "  -h, --help   show this help\n"
    "\n"
    "Exit status: 0 valid, 2 invalid, unreadable, or a usage error.\n";

static int run_check(int argc, char **argv) {
    const char *file = NULL;
    int print = 0, options = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (options && strcmp(a, "--") == 0) {
            options = 0;
        } else if (options && strcmp(a, "--print") == 0) {
            print = 1;
        } else if (options && a[0] == '-' && a[1] != '\0') {
            return dd_cli_unknown_option("config", a);
        } else if (file == NULL) {
            file = a;
        } else {
            fprintf(stderr, "driftd config: one FILE at a time, got '%s' and '%s'\n", file, a);
            return 2;
        }
    }
    if (file == NULL) {
        fprintf(stderr, "driftd config: check needs a FILE (see 'driftd config --help')\n");
        return 2;
    }
    dd_config_t *cfg = NULL;
    char err[1024];
    if (dd_config_load(file, &cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "driftd config: %s\n", err);
        return 2;
    }
    if (print)
        dd_config_print_redacted(cfg, stdout);
    fprintf(print ? stderr : stdout, "%s: ok (%zu stream%s, %zu field%s)\n", file, cfg->n_streams,
            cfg->n_streams == 1 ? "" : "s", cfg->n_fields, cfg->n_fields == 1 ? "" : "s");
    dd_config_free(cfg);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "driftd config: cannot write to standard output\n");
        return 2;
    }
    return 0;
}

static int run_config(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "Usage: driftd config check FILE [--print] (see 'driftd config --help')\n");
        return 2;
    }
    if (strcmp(argv[1], "check") == 0)
        return run_check(argc - 1, argv + 1);
    if (argv[1][0] == '-')
        return dd_cli_unknown_option("config", argv[1]);
    fprintf(stderr,
            "driftd config: unknown sub-command '%s'; expected check (see 'driftd config "
            "--help')\n",
            argv[1]);
    return 2;
}

const dd_command_t dd_command_config = {
    .name = "config",
    .summary = "check a `driftd run` configuration file (config check FILE [--print])",
    .usage = config_usage,
    .run = run_config,
};
