/* cmd_baseline.c — `driftd baseline`: a reference snapshot from data files, for
 * `reference: {type: snapshot}`. The snapshot holds each stream's reference sketch set, built
 * exactly as `driftd run` builds a file reference, so loading it is instant and the data file
 * need not travel with the sidecar. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"
#include "config.h"
#include "run.h"

static const char baseline_synopsis[] =
    "Usage: driftd baseline -c FILE --from [STREAM=]DATA... -o SNAPSHOT\n"
    "\n"
    "Builds a reference snapshot for `driftd run` from data files: for each stream of the\n"
    "configuration named by --from, the sketches of its declared fields over every record of\n"
    "DATA (an Avro container file .avro, JSON Lines .jsonl/.ndjson/.json, or CSV .csv). A\n"
    "stream then uses it with `reference: {type: snapshot, path: SNAPSHOT}`; `driftd inspect\n"
    "SNAPSHOT` shows what is in it.\n";

static const char baseline_epilogue[] =
    "Exit status: 0 when the snapshot was written, 2 on an error.\n";

enum { OPT_CONFIG, OPT_FROM, OPT_OUTPUT };

static const dd_cli_option_t baseline_options[] = {
    {OPT_CONFIG, "config", 'c', "FILE", "the configuration `driftd run` uses", NULL},
    {OPT_FROM, "from", 0, "[STREAM=]DATA",
     "a data file for STREAM (repeat per stream); STREAM may be left\n"
     "out when the configuration has one stream",
     NULL},
    {OPT_OUTPUT, "output", 'o', "SNAPSHOT", "the snapshot file to write (replaced atomically)",
     NULL},
    {0},
};

#define FROM_MAX 1000

static dd_config_file_format_t format_of(const char *path) {
    const char *dot = strrchr(path, '.');
    if (dot != NULL && strcmp(dot, ".avro") == 0)
        return DD_CONFIG_FILE_AVRO;
    if (dot != NULL && (strcmp(dot, ".jsonl") == 0 || strcmp(dot, ".ndjson") == 0 ||
                        strcmp(dot, ".json") == 0))
        return DD_CONFIG_FILE_JSONL;
    if (dot != NULL && strcmp(dot, ".csv") == 0)
        return DD_CONFIG_FILE_CSV;
    return 0;
}

typedef struct baseline_args {
    const char *config_path, *output;
    const char *from[FROM_MAX];
    size_t n_from;
} baseline_args_t;

static int on_option(void *ctx, const dd_cli_option_t *o, const char *value) {
    baseline_args_t *a = ctx;
    switch (o->id) {
    case OPT_CONFIG:
        a->config_path = value;
        return 0;
    case OPT_OUTPUT:
        a->output = value;
        return 0;
    default: /* OPT_FROM */
        if (a->n_from == FROM_MAX) {
            fprintf(stderr, "driftd baseline: at most %d --from\n", FROM_MAX);
            return -1;
        }
        a->from[a->n_from++] = value;
        return 0;
    }
}

static int baseline_command(int argc, char **argv) {
    baseline_args_t args = {0};
    const int rc = dd_cli_parse(&dd_command_baseline, argc, argv, on_option, &args);
    if (rc != DD_CLI_CONTINUE)
        return rc;
    const char *config_path = args.config_path, *output = args.output;
    const char *const *from = args.from;
    const size_t n_from = args.n_from;
    if (config_path == NULL || output == NULL || n_from == 0) {
        fprintf(stderr, "driftd baseline: -c FILE, --from DATA and -o SNAPSHOT are required (see "
                        "'driftd baseline --help')\n");
        return 2;
    }
    dd_config_t *cfg = NULL;
    char errstr[8192];
    /* No connection is made: the kafka section (and its ${ENV:...}) is not needed. */
    if (dd_config_load_flags(config_path, DD_CONFIG_NO_KAFKA, &cfg, errstr, sizeof errstr) != 0) {
        dd_cli_print_lines("driftd baseline", errstr);
        return 2;
    }
    int status = 2;
    dd_run_snapshot_input_t *in = calloc(n_from, sizeof(*in));
    if (in == NULL) {
        fprintf(stderr, "driftd baseline: out of memory\n");
        goto out;
    }
    for (size_t i = 0; i < n_from; i++) {
        const char *eq = strchr(from[i], '=');
        const dd_config_stream_t *sc = NULL;
        const char *data = from[i];
        if (eq != NULL) {
            for (size_t k = 0; k < cfg->n_streams; k++)
                if (strlen(cfg->streams[k].name) == (size_t)(eq - from[i]) &&
                    memcmp(cfg->streams[k].name, from[i], (size_t)(eq - from[i])) == 0)
                    sc = &cfg->streams[k];
            if (sc == NULL) {
                fprintf(stderr, "driftd baseline: --from %s: %s has no stream '%.*s'\n", from[i],
                        config_path, (int)(eq - from[i]), from[i]);
                goto out;
            }
            data = eq + 1;
        } else if (cfg->n_streams == 1) {
            sc = &cfg->streams[0];
        } else {
            fprintf(stderr,
                    "driftd baseline: --from %s: name the stream (STREAM=DATA); %s has %zu "
                    "streams\n",
                    from[i], config_path, cfg->n_streams);
            goto out;
        }
        in[i].stream = (size_t)(sc - cfg->streams);
        for (size_t k = 0; k < i; k++)
            if (in[k].stream == in[i].stream) {
                fprintf(stderr, "driftd baseline: stream %s has two --from\n", sc->name);
                goto out;
            }
        in[i].path = data;
        in[i].format = format_of(data);
        if (in[i].format == 0) {
            fprintf(stderr,
                    "driftd baseline: --from %s: the name must end in .avro, .jsonl, .ndjson, "
                    ".json or .csv\n",
                    data);
            goto out;
        }
    }
    dd_cli_progress_begin("driftd baseline", "reading and sketching", NULL);
    const int built = dd_run_snapshot(cfg, in, n_from, output, config_path, errstr, sizeof errstr);
    dd_cli_progress_end();
    if (built != 0) {
        fprintf(stderr, "driftd baseline: %s\n", errstr);
        goto out;
    }
    for (size_t i = 0; i < n_from; i++)
        printf("%s: stream %s: %llu records, %zu fields\n", output,
               cfg->streams[in[i].stream].name, (unsigned long long)in[i].out_records,
               in[i].out_fields);
    status = 0;
out:
    free(in);
    dd_config_free(cfg);
    return status;
}

const dd_command_t dd_command_baseline = {
    .name = "baseline",
    .summary = "build a reference snapshot from data files (baseline -c FILE --from DATA -o OUT)",
    .synopsis = baseline_synopsis,
    .epilogue = baseline_epilogue,
    .options = baseline_options,
    .run = baseline_command,
};
