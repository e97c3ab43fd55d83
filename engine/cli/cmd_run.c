/* cmd_run.c — `driftd run -c FILE`: the sidecar's command line. */
#include <stdio.h>

#include "config.h"
#include "cli_int.h"
#include "run.h"

static const char run_synopsis[] =
    "Usage: driftd run -c FILE [--stop-when-idle MS]\n"
    "\n"
    "Runs the drift detector as a Kafka sidecar: consumes the streams the configuration names\n"
    "as one member of a consumer group, keeps a rolling window of sketches per stream, judges\n"
    "it against the reference on every evaluation and emits drift, schema,\n"
    "quality, freshness, volume and resolved events to the alerts topic, stdout or a file.\n"
    "Records that cannot be decoded go to the dead-letter topic. With state.dir set, windows\n"
    "and offsets are checkpointed together, so a restart counts every record exactly once.\n"
    "SIGTERM or SIGINT drains, checkpoints and exits. docs/run.md has the details;\n"
    "docs/config.md the configuration ('driftd config check FILE' checks one).\n";

static const char run_epilogue[] =
    "Exit status: 0 after a clean shutdown, 1 when the final checkpoint failed, 2 when the\n"
    "configuration or start-up failed.\n";

enum { OPT_CONFIG, OPT_STOP_WHEN_IDLE, N_OPTIONS };

static const dd_cli_option_t run_options[] = {
    {OPT_CONFIG, "config", 'c', "FILE", "the YAML configuration (required)", NULL},
    {OPT_STOP_WHEN_IDLE, "stop-when-idle", 0, "MS",
     "stop (drain, checkpoint, exit 0) once every assigned partition is\n"
     "read to its end and no record arrived for MS milliseconds: replays\n"
     "of a backlog, tests",
     NULL},
    {0},
};

static int run_command(int argc, char **argv) {
    const char *v[N_OPTIONS] = {0};
    const int rc = dd_cli_parse(&dd_command_run, argc, argv, dd_cli_store, v);
    if (rc != DD_CLI_CONTINUE)
        return rc;
    uint64_t ms = 0;
    if (v[OPT_STOP_WHEN_IDLE] != NULL &&
        dd_cli_parse_u64("run", "--stop-when-idle", v[OPT_STOP_WHEN_IDLE], 1, 86400000, &ms) != 0)
        return 2;
    dd_run_options_t opt = {.stop_when_idle_ms = (int64_t)ms};
    if (v[OPT_CONFIG] == NULL) {
        fprintf(stderr, "driftd run: -c FILE is required (see 'driftd run --help')\n");
        return 2;
    }
    dd_config_t *cfg = NULL;
    char errstr[8192];
    if (dd_config_load(v[OPT_CONFIG], &cfg, errstr, sizeof errstr) != 0) {
        dd_cli_print_lines("driftd run", errstr);
        return 2;
    }
    const int status = dd_run(cfg, &opt);
    dd_config_free(cfg);
    return status;
}

const dd_command_t dd_command_run = {
    .name = "run",
    .summary = "run the Kafka sidecar: windows, judging, events, checkpoints (run -c FILE)",
    .synopsis = run_synopsis,
    .epilogue = run_epilogue,
    .options = run_options,
    .run = run_command,
};
