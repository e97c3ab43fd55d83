/* cli.c — the driftd command line: global options, sub-command dispatch, and what every command
 * shares: option parsing from its option table (getopt_long), the help generated from the same
 * table, "did you mean" suggestions. */
#include "engine.h"
#include "cli_int.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <stdlib.h>
#include <string.h>

#include "codecs.h"
#include "dd_base.h"
#include "sketches.h"

#ifndef DRIFTD_VERSION
#define DRIFTD_VERSION "0.0.0-dev"
#endif

#define OPTIONS_MAX 48 /* rows of one command's option table */
#define WORD_MAX 64    /* longest word a suggestion is looked for */
#define LONG_ID 256    /* getopt_long's code for row i is LONG_ID + i, above every letter */

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
enum { N_COMMANDS = sizeof(commands) / sizeof(commands[0]) };

/* Every command's table ends with this one. */
static const dd_cli_option_t help_option = {-1, "help", 'h', NULL, "show this help", NULL};

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

/* ---- suggestions ---------------------------------------------------------------------------- */

/* Optimal string alignment distance (Damerau–Levenshtein without repeated edits of a substring):
 * insertions, deletions, substitutions and swaps of two neighbours cost 1. */
static size_t edit_distance(const char *a, size_t la, const char *b, size_t lb) {
    unsigned char d[WORD_MAX + 1][WORD_MAX + 1];
    DD_ASSERT(la <= WORD_MAX && lb <= WORD_MAX);
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (unsigned char)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (unsigned char)j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            const unsigned cost = a[i - 1] != b[j - 1];
            unsigned best = d[i - 1][j - 1] + cost;
            if (d[i - 1][j] + 1u < best)
                best = d[i - 1][j] + 1u;
            if (d[i][j - 1] + 1u < best)
                best = d[i][j - 1] + 1u;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1u < best)
                best = d[i - 2][j - 2] + 1u;
            d[i][j] = (unsigned char)best;
        }
    return d[la][lb];
}

const char *dd_cli_suggest(const char *word, size_t word_len, const char *const *candidates,
                           size_t n_candidates) {
    if (word_len == 0)
        return NULL;
    const char *prefixed = NULL;
    size_t n_prefixed = 0;
    for (size_t i = 0; i < n_candidates; i++)
        if (strlen(candidates[i]) > word_len && strncmp(candidates[i], word, word_len) == 0) {
            prefixed = candidates[i];
            n_prefixed++;
        }
    if (n_prefixed == 1)
        return prefixed;
    const char *best = NULL;
    size_t best_distance = 3; /* at most 2 edits */
    for (size_t i = 0; i < n_candidates && word_len <= WORD_MAX; i++) {
        const size_t len = strlen(candidates[i]);
        if (len > WORD_MAX)
            continue;
        const size_t d = edit_distance(word, word_len, candidates[i], len);
        if (d < best_distance && d < word_len) {
            best = candidates[i];
            best_distance = d;
        }
    }
    return best;
}

/* ---- help ------------------------------------------------------------------------------------ */

static size_t count_options(const dd_cli_option_t *rows) {
    size_t n = 0;
    while (rows != NULL && rows[n].name != NULL)
        n++;
    return n;
}

/* Row i of the table, the help row after the last. */
static const dd_cli_option_t *row_at(const dd_cli_option_t *rows, size_t n, size_t i) {
    return i < n ? &rows[i] : &help_option;
}

/* "-c, --config FILE" or "--reference FILE". */
static int option_label(const dd_cli_option_t *o, char *buf, size_t size) {
    char letter[8] = "";
    if (o->letter != 0)
        snprintf(letter, sizeof letter, "-%c, ", o->letter);
    return snprintf(buf, size, "%s--%s%s%s", letter, o->name, o->metavar ? " " : "",
                    o->metavar ? o->metavar : "");
}

void dd_cli_print_help(const dd_command_t *cmd, FILE *out) {
    const size_t n = count_options(cmd->options);
    int width = 0;
    char label[128];
    for (size_t i = 0; i <= n; i++) {
        const int w = option_label(row_at(cmd->options, n, i), label, sizeof label);
        width = w > width ? w : width;
    }
    fputs(cmd->synopsis, out);
    for (size_t i = 0; i <= n; i++) {
        const dd_cli_option_t *o = row_at(cmd->options, n, i);
        if (i == 0 || o->section != NULL)
            fprintf(out, "\n%s\n", o->section != NULL ? o->section : "Options:");
        option_label(o, label, sizeof label);
        /* Each line of the help text in the column after the widest label. */
        const char *line = o->help;
        int pad = width - (int)strlen(label) + 3;
        fprintf(out, "  %s", label);
        for (;;) {
            const size_t len = strcspn(line, "\n");
            fprintf(out, "%*s%.*s\n", pad, "", (int)len, line);
            if (line[len] == '\0')
                break;
            line += len + 1;
            pad = width + 5;
        }
    }
    fprintf(out, "\n%s", cmd->epilogue);
}

static void print_help(FILE *out) {
    fprintf(out,
            "driftd — streaming drift detection for ML feature and prediction streams\n"
            "\n"
            "Usage: driftd COMMAND [OPTIONS]\n"
            "       driftd --help | --version\n"
            "\n"
            "Commands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(out, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(out, "\n"
                 "Run 'driftd COMMAND --help' for a command's options.\n"
                 "Exit status: 0 success, 1 drift found (where a command judges drift), 2 error.\n");
}

/* ---- parsing --------------------------------------------------------------------------------- */

/* "driftd CMD: unknown option '--NAME'[; did you mean '--OTHER'?] (see ...)" for the long option
 * spelled at the start of arg (up to a '='), or for a short one. Returns 2. */
static int unknown_option(const dd_command_t *cmd, size_t n, const char *arg) {
    const char *suggestion = NULL;
    size_t len = strlen(arg);
    if (strncmp(arg, "--", 2) == 0) {
        len = 2 + strcspn(arg + 2, "=");
        const char *names[OPTIONS_MAX + 1];
        for (size_t i = 0; i <= n; i++)
            names[i] = row_at(cmd->options, n, i)->name;
        suggestion = dd_cli_suggest(arg + 2, len - 2, names, n + 1);
    }
    if (suggestion != NULL)
        fprintf(stderr,
                "driftd %s: unknown option '%.*s'; did you mean '--%s'? (see 'driftd %s --help')\n",
                cmd->name, (int)len, arg, suggestion, cmd->name);
    else
        fprintf(stderr, "driftd %s: unknown option '%.*s' (see 'driftd %s --help')\n", cmd->name,
                (int)len, arg, cmd->name);
    return 2;
}

/* Whether arg ("--name" or "--name=value") spells the long option name whole: getopt_long takes
 * any unique abbreviation, which would break scripts the day another option shares the prefix. */
static int spelled_whole(const char *arg, const char *name) {
    const size_t len = strcspn(arg + 2, "=");
    return strncmp(arg, "--", 2) == 0 && len == strlen(name) && strncmp(arg + 2, name, len) == 0;
}

static int take_operand(const dd_command_t *cmd, dd_cli_on_option_t on_option, void *ctx,
                        const char *operand) {
    if (!cmd->operands) {
        fprintf(stderr, "driftd %s: unexpected argument '%s' (see 'driftd %s --help')\n",
                cmd->name, operand, cmd->name);
        return 2;
    }
    return on_option(ctx, NULL, operand) != 0 ? 2 : DD_CLI_CONTINUE;
}

int dd_cli_parse(const dd_command_t *cmd, int argc, char **argv, dd_cli_on_option_t on_option,
                 void *ctx) {
    const size_t n = count_options(cmd->options);
    DD_ASSERT(n <= OPTIONS_MAX);
    if (n > OPTIONS_MAX) {
        fprintf(stderr, "driftd %s: more than %d options\n", cmd->name, OPTIONS_MAX);
        return 2;
    }
    struct option longopts[OPTIONS_MAX + 2];
    /* "-": operands come back in order as code 1 (options and operands mix whatever
     * POSIXLY_CORRECT says); ":": a missing value is reported as ':', and by us. */
    char shortopts[2 + 2 * (OPTIONS_MAX + 1) + 1] = "-:";
    size_t k = 2;
    for (size_t i = 0; i <= n; i++) {
        const dd_cli_option_t *o = row_at(cmd->options, n, i);
        DD_ASSERT(o->letter == 0 || o == &help_option || o->letter != 'h');
        longopts[i] = (struct option){o->name, o->metavar ? required_argument : no_argument, NULL,
                                      LONG_ID + (int)i};
        if (o->letter != 0) {
            shortopts[k++] = o->letter;
            if (o->metavar != NULL)
                shortopts[k++] = ':';
        }
    }
    shortopts[k] = '\0';
    longopts[n + 1] = (struct option){NULL, 0, NULL, 0};

    optind = 0; /* glibc: a full reset, so a command may be parsed more than once per process */
    opterr = 0;
    int code;
    while ((code = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        if (code == 1) {
            const int rc = take_operand(cmd, on_option, ctx, optarg);
            if (rc != DD_CLI_CONTINUE)
                return rc;
            continue;
        }
        /* getopt_long's code for an option, or on an error its optopt: 0 for an unknown long
         * option, the letter of a short one, LONG_ID + row for a long one. */
        const int key = code == '?' || code == ':' ? optopt : code;
        const dd_cli_option_t *o = NULL;
        for (size_t i = 0; i <= n && o == NULL && key != 0; i++)
            if (key == LONG_ID + (int)i || key == row_at(cmd->options, n, i)->letter)
                o = row_at(cmd->options, n, i);
        const char letter[3] = {'-', (char)key, '\0'};
        if (o == NULL)
            return unknown_option(cmd, n, key == 0 ? argv[optind - 1] : letter);
        if (key >= LONG_ID) {
            /* Its word on the command line: before its value when the value came separately. */
            const char *arg = code == key && o->metavar != NULL && optarg == argv[optind - 1]
                                  ? argv[optind - 2]
                                  : argv[optind - 1];
            if (!spelled_whole(arg, o->name))
                return unknown_option(cmd, n, arg);
            if (code == '?') {
                fprintf(stderr, "driftd %s: --%s takes no value, got '%s'\n", cmd->name, o->name,
                        arg);
                return 2;
            }
        }
        if (code == ':') {
            fprintf(stderr, "driftd %s: %s%s expects %s\n", cmd->name, key >= LONG_ID ? "--" : "",
                    key >= LONG_ID ? o->name : letter, o->metavar);
            return 2;
        }
        if (o == &help_option) {
            dd_cli_print_help(cmd, stdout);
            return 0;
        }
        if (on_option(ctx, o, o->metavar != NULL ? optarg : NULL) != 0)
            return 2;
    }
    for (int i = optind; i < argc; i++) { /* after "--" */
        const int rc = take_operand(cmd, on_option, ctx, argv[i]);
        if (rc != DD_CLI_CONTINUE)
            return rc;
    }
    return DD_CLI_CONTINUE;
}

int dd_cli_store(void *values, const dd_cli_option_t *opt, const char *value) {
    DD_ASSERT(opt != NULL && opt->id >= 0);
    ((const char **)values)[opt->id] = value != NULL ? value : opt->name;
    return 0;
}

/* ---- dispatch -------------------------------------------------------------------------------- */

static const dd_command_t *find_command(const char *name) {
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(name, commands[i]->name) == 0)
            return commands[i];
    return NULL;
}

static int unknown_command(const char *name) {
    const char *names[N_COMMANDS + 2] = {"help", "version"};
    for (size_t i = 0; i < N_COMMANDS; i++)
        names[2 + i] = commands[i]->name;
    const char *suggestion = dd_cli_suggest(name, strlen(name), names, N_COMMANDS + 2);
    if (suggestion != NULL)
        fprintf(stderr, "driftd: unknown command '%s'; did you mean '%s'? (see 'driftd --help')\n",
                name, suggestion);
    else
        fprintf(stderr, "driftd: unknown command '%s' (see 'driftd --help')\n", name);
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
            const dd_command_t *c = find_command(argv[2]);
            if (c == NULL)
                return unknown_command(argv[2]);
            dd_cli_print_help(c, stdout);
            return 0;
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
        static const char *const global[] = {"help", "version"};
        const size_t len = strncmp(first, "--", 2) == 0 ? strcspn(first + 2, "=") : 0;
        const char *suggestion = len > 0 ? dd_cli_suggest(first + 2, len, global, 2) : NULL;
        if (suggestion != NULL)
            fprintf(stderr, "driftd: unknown option '%s'; did you mean '--%s'? (see 'driftd "
                            "--help')\n", first, suggestion);
        else
            fprintf(stderr, "driftd: unknown option '%s' (see 'driftd --help')\n", first);
        return 2;
    }
    const dd_command_t *c = find_command(first);
    return c != NULL ? c->run(argc - 1, argv + 1) : unknown_command(first);
}

void dd_cli_print_lines(const char *prefix, const char *text) {
    for (const char *p = text; *p != '\0';) {
        const char *nl = strchr(p, '\n');
        const int len = nl != NULL ? (int)(nl - p) : (int)strlen(p);
        fprintf(stderr, "%s: %.*s\n", prefix, len, p);
        p += len + (nl != NULL);
    }
}

/* ---- progress ------------------------------------------------------------------------------ */

static struct {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t wake;
    int on, stop, shown;
    char line[512];
    const char *unit;
    _Atomic uint64_t count;
    struct timespec start;
} progress = {.mu = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

static double since(const struct timespec *t0) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) * 1e-9;
}

static void *progress_thread(void *arg) {
    (void)arg;
    pthread_mutex_lock(&progress.mu);
    while (!progress.stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 500000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&progress.wake, &progress.mu, &until);
        const double t = since(&progress.start);
        if (progress.stop || t < 1.0)
            continue;
        char count[64] = "";
        if (progress.unit != NULL)
            snprintf(count, sizeof count, ": %" PRIu64 " %s",
                     atomic_load_explicit(&progress.count, memory_order_relaxed), progress.unit);
        fprintf(stderr, "\r\033[K%s%s, %.0f s", progress.line, count, t);
        fflush(stderr);
        progress.shown = 1;
    }
    pthread_mutex_unlock(&progress.mu);
    return NULL;
}

void dd_cli_progress_begin(const char *cmd, const char *what, const char *unit) {
    const char *env = getenv("DRIFTD_PROGRESS");
    if (progress.on || !isatty(STDERR_FILENO) || (env != NULL && strcmp(env, "0") == 0))
        return;
    snprintf(progress.line, sizeof progress.line, "%s: %s", cmd, what);
    progress.unit = unit;
    atomic_store(&progress.count, 0);
    progress.stop = progress.shown = 0;
    clock_gettime(CLOCK_MONOTONIC, &progress.start);
    progress.on = pthread_create(&progress.thread, NULL, progress_thread, NULL) == 0;
}

void dd_cli_progress_count(uint64_t n) {
    atomic_store_explicit(&progress.count, n, memory_order_relaxed);
}

void dd_cli_progress_end(void) {
    if (!progress.on)
        return;
    pthread_mutex_lock(&progress.mu);
    progress.stop = 1;
    pthread_cond_signal(&progress.wake);
    pthread_mutex_unlock(&progress.mu);
    pthread_join(progress.thread, NULL);
    if (progress.shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    progress.on = 0;
}
