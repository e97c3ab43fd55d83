/* cmd_run.c — `driftd run -c FILE`: the sidecar's command line. */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "cli_int.h"
#include "run.h"

static const char run_usage[] =
    "Usage: driftd run -c FILE [--stop-when-idle MS]\n"
    "\n"
    "Runs the drift detector as a Kafka sidecar: consumes the streams the configuration names\n"
    "as one member of a consumer group, keeps a rolling window of sketches per stream, judges\n"
    "it against the reference on every evaluation and emits drift, schema,\n"
    "quality, freshness, volume and resolved events to the alerts topic, stdout or a file.\n"
    "Records that cannot be decoded go to the dead-letter topic. With state.dir set, windows\n"
    "and offsets are checkpointed together, so a restart counts every record exactly once.\n"
    "SIGTERM or SIGINT drains, checkpoints and exits. docs/run.md has the details;\n"
    "docs/config.md the configuration ('driftd config check FILE' checks one).\n"
    "\n"
    "Options:\n"
    "  -c, --config FILE   the YAML configuration (required)\n"
    "  --stop-when-idle MS stop (drain, checkpoint, exit 0) once every assigned partition is\n"
    "                      read to its end and no record arrived for MS milliseconds: replays\n"
    "                      of a backlog, tests\n"
    "  -h, --help          show this help\n"
    "\n"
    "Exit status: 0 after a clean shutdown, 1 when the final checkpoint failed, 2 when the\n"
    "configuration or start-up failed.\n";

static int run_command(int argc, char **argv) {
    const char *path = NULL;
    dd_run_options_t opt = {0};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--stop-when-idle") == 0) {
            uint64_t ms = 0;
            if (i + 1 >= argc ||
                dd_cli_parse_u64("run", argv[i], argv[i + 1], 1, 86400000, &ms) != 0) {
                if (i + 1 >= argc)
                    fprintf(stderr, "driftd run: --stop-when-idle expects milliseconds\n");
                return 2;
            }
            opt.stop_when_idle_ms = (int64_t)ms;
            i++;
            continue;
        }
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(run_usage, stdout);
            return 0;
        }
        if ((strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) && i + 1 < argc) {
            path = argv[++i];
            continue;
        }
        if (strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) {
            fprintf(stderr, "driftd run: %s expects a file\n", argv[i]);
            return 2;
        }
        return dd_cli_unknown_option("run", argv[i]);
    }
    if (path == NULL) {
        fprintf(stderr, "driftd run: -c FILE is required (see 'driftd run --help')\n");
        return 2;
    }
    dd_config_t *cfg = NULL;
    char errstr[2048];
    if (dd_config_load(path, &cfg, errstr, sizeof errstr) != 0) {
        fprintf(stderr, "driftd run: %s\n", errstr);
        return 2;
    }
    const int status = dd_run(cfg, &opt);
    dd_config_free(cfg);
    return status;
}

const dd_command_t dd_command_run = {
    .name = "run",
    .summary = "run the Kafka sidecar: windows, judging, events, checkpoints (run -c FILE)",
    .usage = run_usage,
    .run = run_command,
};
