/* cli.c — the driftd command line: global options, sub-command dispatch, help texts. */
#include "engine.h"
#include "cli_int.h"

#include <errno.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <stdlib.h>
#include <string.h>

#include "codecs.h"
#include "sketches.h"

#ifndef DRIFTD_VERSION
#define DRIFTD_VERSION "0.0.0-dev"
#endif

static const dd_command_t *const commands[] = {
    &dd_command_baseline,
    &dd_command_compare,
    &dd_command_config,
    &dd_command_decode,
    &dd_command_demo,
    &dd_command_gen,
    &dd_command_inspect,
    &dd_command_run,
};
static const size_t n_commands = sizeof(commands) / sizeof(commands[0]);

const char *dd_engine_version(void) {
    return DRIFTD_VERSION;
}

void dd_engine_print_version(FILE *out) {
    fprintf(out, "driftd %s\n", DRIFTD_VERSION);
    fprintf(out, "librdkafka %s (linked; built against 0x%08x)\n", rd_kafka_version_str(),
            (unsigned)RD_KAFKA_VERSION);
    fprintf(out, "avro-c %s (built against)\n", dd_codec_avro_c_version());
    fprintf(out, "simd %s\n", dd_simd_level_name(dd_simd_level()));
}

static void print_help(FILE *out) {
    fprintf(out,
            "driftd — streaming drift detection for ML feature and prediction streams\n"
            "\n"
            "Usage: driftd COMMAND [OPTIONS]\n"
            "       driftd --help | --version\n"
            "\n"
            "Commands:\n");
    for (size_t i = 0; i < n_commands; i++)
        fprintf(out, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(out, "\n"
                 "Run 'driftd COMMAND --help' for a command's options.\n"
                 "Exit status: 0 success, 1 drift found (where a command judges drift), 2 error.\n");
}

int dd_cli_parse_u64(const char *cmd, const char *option, const char *text, uint64_t min,
                     uint64_t max, uint64_t *out) {
    char *end = NULL;
    errno = 0;
    if (text == NULL || *text == '\0' || *text == '-') {
        fprintf(stderr, "driftd %s: %s expects a number from %" PRIu64 " to %" PRIu64 "\n", cmd,
                option, min, max);
        return -1;
    }
    unsigned long long v = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max) {
        fprintf(stderr, "driftd %s: %s expects a number from %" PRIu64 " to %" PRIu64 ", got '%s'\n",
                cmd, option, min, max, text);
        return -1;
    }
    *out = (uint64_t)v;
    return 0;
}

int dd_cli_unknown_option(const char *cmd, const char *option) {
    fprintf(stderr, "driftd %s: unknown option '%s' (see 'driftd %s --help')\n", cmd, option, cmd);
    return 2;
}

int dd_engine_main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "Usage: driftd COMMAND [OPTIONS] (see 'driftd --help' for the commands)\n");
        return 2;
    }
    const char *first = argv[1];
    if (strcmp(first, "--help") == 0 || strcmp(first, "-h") == 0 || strcmp(first, "help") == 0) {
        if (strcmp(first, "help") == 0 && argc > 2) {
            for (size_t i = 0; i < n_commands; i++)
                if (strcmp(argv[2], commands[i]->name) == 0) {
                    fputs(commands[i]->usage, stdout);
                    return 0;
                }
            fprintf(stderr, "driftd: unknown command '%s' (see 'driftd --help')\n", argv[2]);
            return 2;
        }
        print_help(stdout);
        return 0;
    }
    if (strcmp(first, "--version") == 0 || strcmp(first, "-V") == 0 ||
        strcmp(first, "version") == 0) {
        dd_engine_print_version(stdout);
        return 0;
    }
    if (first[0] == '-') {
        fprintf(stderr, "driftd: unknown option '%s' (see 'driftd --help')\n", first);
        return 2;
    }
    for (size_t i = 0; i < n_commands; i++) {
        const dd_command_t *c = commands[i];
        if (strcmp(first, c->name) != 0)
            continue;
        for (int a = 2; a < argc; a++) {
            if (strcmp(argv[a], "--") == 0)
                break;
            if (strcmp(argv[a], "--help") == 0 || strcmp(argv[a], "-h") == 0) {
                fputs(c->usage, stdout);
                return 0;
            }
        }
        return c->run(argc - 1, argv + 1);
    }
    fprintf(stderr, "driftd: unknown command '%s' (see 'driftd --help')\n", first);
    return 2;
}
