/* cmd_compare.c — `driftd compare`: two files in, a drift report out (table, JSON or HTML), and
 * an exit status like diff's: 0 no dataset drift, 1 dataset drift, 2 error. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compare.h"
#include "report.h"
#include "cli_int.h"

static const char compare_synopsis[] =
    "Usage: driftd compare --reference FILE --current FILE [--format table|json|html]\n"
    "                      [--stats LIST] [--schema FILE] [--output FILE] [--bins N]\n"
    "                      [--drift-share X] [--input-format csv|jsonl|avro]\n"
    "\n"
    "Compares every column of FILE --current with the same column of the reference, one\n"
    "statistic decides per column, and the dataset drifts when the share of drifted columns\n"
    "reaches --drift-share. Files: CSV with a header row (.csv), JSON Lines, one object per\n"
    "line (.jsonl, .ndjson, .json; nested fields become dotted columns), or Avro object\n"
    "container files (.avro; columns from the schema's fields); the two may differ.\n"
    "Column kinds are inferred (numeric when every non-empty value is a number).\n";

static const char compare_epilogue[] =
    "Defaults per column: reference of at most 1000 rows -> KS p-value < 0.05 (numeric),\n"
    "chi-square p-value < 0.05 (categorical); larger -> Wasserstein distance normed by the\n"
    "reference's standard deviation >= 0.1 (numeric), Jensen-Shannon distance >= 0.1\n"
    "(categorical).\n"
    "\n"
    "Exit status: 0 no dataset drift, 1 dataset drift, 2 error.\n";

enum {
    OPT_REFERENCE,
    OPT_CURRENT,
    OPT_FORMAT,
    OPT_STATS,
    OPT_SCHEMA,
    OPT_OUTPUT,
    OPT_BINS,
    OPT_DRIFT_SHARE,
    OPT_INPUT_FORMAT,
    N_OPTIONS
};

static const dd_cli_option_t compare_options[] = {
    {OPT_REFERENCE, "reference", 0, "FILE", "the baseline, e.g. the training set", NULL},
    {OPT_CURRENT, "current", 0, "FILE", "the data to judge", NULL},
    {OPT_FORMAT, "format", 0, "F",
     "table (default; colour on a terminal), json, or html (one\n"
     "self-contained page with plots; docs/compare.md)",
     NULL},
    {OPT_STATS, "stats", 0, "LIST",
     "statistics to report besides the deciding one, comma-separated from\n"
     "ks,wasserstein,psi,jensen_shannon,hellinger,kl,z,chi2,tvd,fisher, or\n"
     "all (default)",
     NULL},
    {OPT_SCHEMA, "schema", 0, "FILE",
     "CSV with header column,kind[,method,threshold]: kind numeric or\n"
     "categorical (empty = infer); method and threshold override the\n"
     "defaults for that column",
     NULL},
    {OPT_OUTPUT, "output", 0, "FILE", "write the report there instead of standard output", NULL},
    {OPT_BINS, "bins", 0, "N", "reference-quantile bins for PSI, KL, JS, Hellinger (default 10)",
     NULL},
    {OPT_DRIFT_SHARE, "drift-share", 0, "X", "dataset drift when drifted/total >= X (default 0.5)",
     NULL},
    {OPT_INPUT_FORMAT, "input-format", 0, "F",
     "csv, jsonl or avro: read both files as F, whatever their names", NULL},
    {0},
};

static const struct {
    const char *name;
    unsigned bit;
} stat_names[] = {
    {"ks", DD_STAT_KS},       {"wasserstein", DD_STAT_WASSERSTEIN},
    {"psi", DD_STAT_PSI},     {"jensen_shannon", DD_STAT_JENSEN_SHANNON},
    {"hellinger", DD_STAT_HELLINGER}, {"kl", DD_STAT_KL},
    {"z", DD_STAT_Z},         {"chi2", DD_STAT_CHI2},
    {"tvd", DD_STAT_TVD},     {"fisher", DD_STAT_FISHER},
    {"all", DD_STAT_ALL},
};

static int parse_stats(const char *list, unsigned *out) {
    unsigned bits = 0;
    const char *p = list;
    while (*p != '\0') {
        const char *comma = strchr(p, ',');
        const size_t len = comma ? (size_t)(comma - p) : strlen(p);
        size_t i = 0;
        for (; i < sizeof(stat_names) / sizeof(stat_names[0]); i++)
            if (strlen(stat_names[i].name) == len && strncmp(stat_names[i].name, p, len) == 0)
                break;
        if (i == sizeof(stat_names) / sizeof(stat_names[0])) {
            fprintf(stderr, "driftd compare: --stats: unknown statistic '%.*s'\n", (int)len, p);
            return -1;
        }
        bits |= stat_names[i].bit;
        p += len + (comma != NULL);
    }
    *out = bits;
    return 0;
}

/* Reads the schema CSV into choices. Returns the count, or −1 after printing the error. */
static long load_schema(const char *path, dd_column_choice_t **out) {
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "driftd compare: %s: %s\n", path, strerror(errno));
        return -1;
    }
    enum { SCHEMA_BYTES_MAX = 1 << 20 };
    char *text = malloc(SCHEMA_BYTES_MAX);
    const size_t len = text ? fread(text, 1, SCHEMA_BYTES_MAX, f) : 0;
    const int too_big = text && len == SCHEMA_BYTES_MAX;
    fclose(f);
    if (text == NULL || too_big) {
        fprintf(stderr, "driftd compare: %s: %s\n", path, text ? "larger than 1 MiB" : "out of memory");
        free(text);
        return -1;
    }
    dd_csv_reader_t *r;
    if (dd_csv_reader_new((const uint8_t *)text, len, NULL, &r) != DD_CODEC_OK) {
        free(text);
        return -1;
    }
    dd_column_choice_t *choices = NULL;
    long n = 0, status = 0;
    const char *const *fields;
    const size_t *lens;
    size_t nf;
    dd_codec_err_t err;
    int header = 1;
    while ((err = dd_csv_next(r, &fields, &lens, &nf)) == DD_CODEC_OK) {
        const unsigned long long line = (unsigned long long)dd_csv_record_line(r);
        if (header) {
            header = 0;
            if (nf < 2 || lens[0] != 6 || strncmp(fields[0], "column", 6) != 0 || lens[1] != 4 ||
                strncmp(fields[1], "kind", 4) != 0) {
                fprintf(stderr, "driftd compare: %s:%llu: the header must be "
                                "column,kind[,method,threshold]\n", path, line);
                status = -1;
                break;
            }
            continue;
        }
        if (nf < 2 || nf > 4 || lens[0] == 0 || lens[0] >= sizeof(choices->name)) {
            fprintf(stderr, "driftd compare: %s:%llu: expected column,kind[,method,threshold]\n",
                    path, line);
            status = -1;
            break;
        }
        dd_column_choice_t *grown = realloc(choices, (size_t)(n + 1) * sizeof(*choices));
        if (grown == NULL) {
            status = -1;
            break;
        }
        choices = grown;
        dd_column_choice_t *c = &choices[n++];
        memset(c, 0, sizeof(*c));
        memcpy(c->name, fields[0], lens[0]);
        c->threshold = NAN;
        char word[64];
        snprintf(word, sizeof(word), "%.*s", (int)(lens[1] < 63 ? lens[1] : 63), fields[1]);
        if (strcmp(word, "numeric") == 0)
            c->kind = DD_COLUMN_NUMERIC;
        else if (strcmp(word, "categorical") == 0)
            c->kind = DD_COLUMN_CATEGORICAL;
        else if (word[0] != '\0') {
            fprintf(stderr, "driftd compare: %s:%llu: column 2: kind '%s' is not numeric or "
                            "categorical\n", path, line, word);
            status = -1;
            break;
        }
        if (nf >= 3 && lens[2] > 0) {
            snprintf(word, sizeof(word), "%.*s", (int)(lens[2] < 63 ? lens[2] : 63), fields[2]);
            c->method = dd_method_parse(word);
            if (c->method == DD_METHOD_AUTO) {
                fprintf(stderr, "driftd compare: %s:%llu: column 3: unknown method '%s'\n", path,
                        line, word);
                status = -1;
                break;
            }
        }
        if (nf == 4 && lens[3] > 0) {
            snprintf(word, sizeof(word), "%.*s", (int)(lens[3] < 63 ? lens[3] : 63), fields[3]);
            char *end = NULL;
            c->threshold = strtod(word, &end);
            if (end == word || *end != '\0' || !isfinite(c->threshold)) {
                fprintf(stderr, "driftd compare: %s:%llu: column 4: threshold '%s' is not a "
                                "number\n", path, line, word);
                status = -1;
                break;
            }
        }
    }
    if (status == 0 && err != DD_CODEC_END && err != DD_CODEC_OK) {
        uint64_t line, col;
        dd_csv_error_position(r, &line, &col, NULL);
        fprintf(stderr, "driftd compare: %s:%llu:%llu: %s\n", path, (unsigned long long)line,
                (unsigned long long)col, dd_codec_strerror(err));
        status = -1;
    }
    if (status == 0 && header) {
        fprintf(stderr, "driftd compare: %s: empty schema file\n", path);
        status = -1;
    }
    dd_csv_reader_destroy(r);
    free(text);
    if (status != 0) {
        free(choices);
        return -1;
    }
    *out = choices;
    return n;
}

static int has_suffix(const char *s, const char *suffix) {
    const size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The loader by --input-format (csv, jsonl or avro), else by the file's extension. */
static dd_dataset_t *load(const char *path, const char *input_format, const dd_column_hint_t *hints,
                          size_t n_hints) {
    enum { CSV, JSONL, AVRO } kind;
    if (input_format != NULL)
        kind = strcmp(input_format, "jsonl") == 0 ? JSONL
               : strcmp(input_format, "avro") == 0 ? AVRO
                                                   : CSV;
    else if (has_suffix(path, ".csv"))
        kind = CSV;
    else if (has_suffix(path, ".jsonl") || has_suffix(path, ".ndjson") || has_suffix(path, ".json"))
        kind = JSONL;
    else if (has_suffix(path, ".avro"))
        kind = AVRO;
    else {
        fprintf(stderr, "driftd compare: %s: unknown file type (expected .csv, .jsonl, .ndjson, "
                        ".json or .avro; --input-format csv|jsonl|avro reads any name)\n", path);
        return NULL;
    }
    dd_dataset_t *d = NULL;
    char err[1024];
    const dd_codec_err_t e =
        kind == JSONL  ? dd_dataset_load_jsonl(path, NULL, hints, n_hints, &d, err, sizeof(err))
        : kind == AVRO ? dd_dataset_load_avro(path, hints, n_hints, &d, err, sizeof(err))
                       : dd_dataset_load_csv(path, NULL, hints, n_hints, &d, err, sizeof(err));
    if (e != DD_CODEC_OK) {
        fprintf(stderr, "driftd compare: %s\n", err);
        return NULL;
    }
    if (dd_dataset_rows(d) == 0) {
        fprintf(stderr, "driftd compare: %s: no data rows after the header\n", path);
        dd_dataset_destroy(d);
        return NULL;
    }
    return d;
}

/* ---- output ---- */

static void json_string(FILE *out, const char *s) {
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(out, "\\u%04x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

/* JSON has no NaN or infinity: those become null. */
static void json_number(FILE *out, double v) {
    if (isfinite(v))
        fprintf(out, "%.17g", v);
    else
        fputs("null", out);
}

static void json_categories(FILE *out, const char *key, const dd_category_count_t *list,
                            size_t total) {
    fprintf(out, ",\"%s\":[", key);
    for (size_t i = 0; i < total && i < DD_COMPARE_CATEGORIES_LISTED; i++) {
        fputs(i ? ",{\"name\":" : "{\"name\":", out);
        json_string(out, list[i].name);
        fprintf(out, ",\"count\":%llu}", (unsigned long long)list[i].count);
    }
    fprintf(out, "],\"%s_total\":%zu", key, total);
}

static void write_json(FILE *out, const char *ref_path, size_t ref_rows, const char *cur_path,
                       size_t cur_rows, const dd_compare_result_t *r) {
    fputs("{\"version\":1,\"reference\":{\"path\":", out);
    json_string(out, ref_path);
    fprintf(out, ",\"rows\":%zu},\"current\":{\"path\":", ref_rows);
    json_string(out, cur_path);
    fprintf(out, ",\"rows\":%zu},\"features\":[", cur_rows);
    for (size_t i = 0; i < r->n_features; i++) {
        const dd_feature_result_t *f = &r->features[i];
        fputs(i ? ",{\"name\":" : "{\"name\":", out);
        json_string(out, f->name);
        fprintf(out, ",\"kind\":\"%s\",\"n_reference\":%llu,\"n_current\":%llu",
                f->kind == DD_COLUMN_NUMERIC ? "numeric" : "categorical",
                (unsigned long long)f->n_reference, (unsigned long long)f->n_current);
        fputs(",\"null_fraction_reference\":", out);
        json_number(out, f->null_fraction_reference);
        fputs(",\"null_fraction_current\":", out);
        json_number(out, f->null_fraction_current);
        fputs(",\"stats\":{", out);
        int first = 1;
#define OPEN(name)                                                                                 \
    do {                                                                                           \
        fprintf(out, "%s\"" name "\":{", first ? "" : ",");                                        \
        first = 0;                                                                                 \
    } while (0)
        if (f->stats & DD_STAT_KS) {
            OPEN("ks");
            fputs("\"statistic\":", out);
            json_number(out, f->ks_statistic);
            fputs(",\"p_value\":", out);
            json_number(out, f->ks_p_value);
            fputc('}', out);
        }
        if (f->stats & DD_STAT_WASSERSTEIN) {
            OPEN("wasserstein");
            fputs("\"distance\":", out);
            json_number(out, f->wasserstein);
            fputs(",\"normed\":", out);
            json_number(out, f->wasserstein_normed);
            fputc('}', out);
        }
        if (f->stats & DD_STAT_PSI) {
            OPEN("psi");
            fputs("\"value\":", out);
            json_number(out, f->psi);
            fputc('}', out);
        }
        if (f->stats & DD_STAT_JENSEN_SHANNON) {
            OPEN("jensen_shannon");
            fputs("\"distance\":", out);
            json_number(out, f->jensen_shannon);
            fputc('}', out);
        }
        if (f->stats & DD_STAT_HELLINGER) {
            OPEN("hellinger");
            fputs("\"distance\":", out);
            json_number(out, f->hellinger);
            fputc('}', out);
        }
        if (f->stats & DD_STAT_KL) {
            OPEN("kl");
            fputs("\"value\":", out);
            json_number(out, f->kl);
            fputc('}', out);
        }
        if (f->stats & DD_STAT_TVD) {
            OPEN("total_variation");
            fputs("\"distance\":", out);
            json_number(out, f->total_variation);
            fputc('}', out);
        }
        if (f->stats & DD_STAT_Z) {
            OPEN("z");
            fputs("\"statistic\":", out);
            json_number(out, f->z_statistic);
            fputs(",\"p_value\":", out);
            json_number(out, f->z_p_value);
            fputc('}', out);
        }
        if (f->stats & DD_STAT_CHI2) {
            OPEN("chi2");
            fputs("\"statistic\":", out);
            json_number(out, f->chi2_statistic);
            fputs(",\"p_value\":", out);
            json_number(out, f->chi2_p_value);
            fprintf(out, ",\"dof\":%u}", f->chi2_dof);
        }
        if (f->stats & DD_STAT_FISHER) {
            OPEN("fisher_exact");
            fputs("\"p_value\":", out);
            json_number(out, f->fisher_p_value);
            fputc('}', out);
        }
#undef OPEN
        fputc('}', out);
        if (f->kind == DD_COLUMN_CATEGORICAL) {
            fprintf(out, ",\"categories\":{\"reference\":%llu,\"current\":%llu",
                    (unsigned long long)f->categories_reference,
                    (unsigned long long)f->categories_current);
            json_categories(out, "new", f->new_categories, f->n_new_categories);
            json_categories(out, "missing", f->missing_categories, f->n_missing_categories);
            fputc('}', out);
        }
        fprintf(out, ",\"method\":\"%s\",\"threshold\":", dd_method_name(f->method));
        json_number(out, f->threshold);
        fputs(",\"value\":", out);
        json_number(out, f->decided_by);
        fprintf(out, ",\"drift\":%s", f->drift ? "true" : "false");
        if (f->note != NULL) {
            fputs(",\"note\":", out);
            json_string(out, f->note);
        }
        fputc('}', out);
    }
    fprintf(out, "],\"dataset\":{\"drifted_features\":%zu,\"total_features\":%zu,\"drift_share\":",
            r->drifted, r->n_features);
    json_number(out, r->drift_share);
    fprintf(out, ",\"drift\":%s}}\n", r->drift ? "true" : "false");
}

static void write_table(FILE *out, int colour, const char *ref_path, size_t ref_rows,
                        const char *cur_path, size_t cur_rows, const dd_compare_result_t *r) {
    const char *red = colour ? "\033[1;31m" : "", *green = colour ? "\033[32m" : "";
    const char *reset = colour ? "\033[0m" : "";
    size_t width = 7;
    for (size_t i = 0; i < r->n_features; i++) {
        const size_t w = strlen(r->features[i].name);
        width = w > width ? (w > 40 ? 40 : w) : width;
    }
    fprintf(out, "reference %s (%zu rows)\ncurrent   %s (%zu rows)\n\n", ref_path, ref_rows, cur_path,
            cur_rows);
    fprintf(out, "%-*s  %-11s  %-15s  %12s  %9s  %s\n", (int)width, "feature", "kind", "method",
            "value", "threshold", "verdict");
    for (size_t i = 0; i < r->n_features; i++) {
        const dd_feature_result_t *f = &r->features[i];
        char value[32];
        if (isfinite(f->decided_by))
            snprintf(value, sizeof(value), "%.4g", f->decided_by);
        else
            snprintf(value, sizeof(value), "%s", f->decided_by > 0 ? "inf" : "-");
        fprintf(out, "%-*.*s  %-11s  %-15s  %12s  %9.4g  %s%s%s", (int)width, (int)width, f->name,
                f->kind == DD_COLUMN_NUMERIC ? "numeric" : "categorical", dd_method_name(f->method),
                value, f->threshold, f->drift ? red : green, f->drift ? "DRIFT" : "stable", reset);
        if (f->note)
            fprintf(out, " (%s)", f->note);
        if (f->n_new_categories > 0)
            fprintf(out, " (%zu new categor%s)", f->n_new_categories,
                    f->n_new_categories == 1 ? "y" : "ies");
        fputc('\n', out);
    }
    fprintf(out, "\n%s%zu of %zu features drifted (%.0f%%): %s%s\n", r->drift ? red : green,
            r->drifted, r->n_features, 100.0 * r->drift_share,
            r->drift ? "dataset drift" : "no dataset drift", reset);
}

static int run_compare(int argc, char **argv) {
    const char *v[N_OPTIONS] = {0};
    const int rc = dd_cli_parse(&dd_command_compare, argc, argv, dd_cli_store, v);
    if (rc != DD_CLI_CONTINUE)
        return rc;
    const char *ref_path = v[OPT_REFERENCE], *cur_path = v[OPT_CURRENT],
               *format = v[OPT_FORMAT] ? v[OPT_FORMAT] : "table", *schema = v[OPT_SCHEMA],
               *output = v[OPT_OUTPUT], *input_format = v[OPT_INPUT_FORMAT];
    dd_compare_options_t opt = {.stats = DD_STAT_ALL, .bins = 10, .drift_share = 0.5};
    uint64_t bins = opt.bins;
    char *end = NULL;
    if (v[OPT_STATS] != NULL && parse_stats(v[OPT_STATS], &opt.stats) != 0)
        return 2;
    if (v[OPT_BINS] != NULL &&
        dd_cli_parse_u64("compare", "--bins", v[OPT_BINS], 2, 1000, &bins) != 0)
        return 2;
    opt.bins = (size_t)bins;
    if (v[OPT_DRIFT_SHARE] != NULL) {
        opt.drift_share = strtod(v[OPT_DRIFT_SHARE], &end);
        if (end == v[OPT_DRIFT_SHARE] || *end != '\0' ||
            !(opt.drift_share > 0 && opt.drift_share <= 1)) {
            fprintf(stderr, "driftd compare: --drift-share expects a number in (0, 1], got '%s'\n",
                    v[OPT_DRIFT_SHARE]);
            return 2;
        }
    }
    if (ref_path == NULL || cur_path == NULL) {
        fprintf(stderr, "driftd compare: --reference and --current are required (see 'driftd compare --help')\n");
        return 2;
    }
    if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0 &&
        strcmp(format, "html") != 0) {
        fprintf(stderr, "driftd compare: --format expects table, json or html, got '%s'\n", format);
        return 2;
    }
    if (input_format != NULL && strcmp(input_format, "csv") != 0 &&
        strcmp(input_format, "jsonl") != 0 && strcmp(input_format, "avro") != 0) {
        fprintf(stderr, "driftd compare: --input-format expects csv, jsonl or avro, got '%s'\n",
                input_format);
        return 2;
    }
    opt.plots = strcmp(format, "html") == 0;
    dd_column_choice_t *choices = NULL;
    long n_choices = 0;
    if (schema != NULL && (n_choices = load_schema(schema, &choices)) < 0)
        return 2;
    opt.choices = choices;
    opt.n_choices = (size_t)n_choices;
    int status = 2;
    dd_dataset_t *ref = NULL, *cur = NULL;
    dd_column_hint_t *hints = NULL;
    dd_compare_result_t result = {0};
    FILE *out = NULL;
    size_t n_hints = 0;
    hints = calloc((size_t)n_choices + 1, sizeof(*hints));
    if (hints == NULL)
        goto done;
    for (long i = 0; i < n_choices; i++)
        if (choices[i].kind != 0)
            hints[n_hints++] = (dd_column_hint_t){choices[i].name, choices[i].kind};
    if ((ref = load(ref_path, input_format, hints, n_hints)) == NULL)
        goto done;
    if ((cur = load(cur_path, input_format, NULL, 0)) == NULL)
        goto done;
    /* A column whose kind differs from the reference's (a word in a numeric column, or numbers
     * only in a categorical one) is read again with the reference's kind: the first gives an
     * error naming the cell, the second hashes the numbers as categories. Only then. */
    free(hints);
    hints = calloc(dd_dataset_columns(ref), sizeof(*hints));
    if (hints == NULL)
        goto done;
    n_hints = 0;
    int mismatch = 0;
    for (size_t c = 0; c < dd_dataset_columns(ref); c++) {
        const char *name = dd_dataset_column_name(ref, c);
        const long cc = dd_dataset_find_column(cur, name);
        if (cc < 0)
            continue; /* the comparator reports it */
        hints[n_hints++] = (dd_column_hint_t){name, dd_dataset_column_kind(ref, c)};
        mismatch |= dd_dataset_column_kind(cur, (size_t)cc) != dd_dataset_column_kind(ref, c);
    }
    if (mismatch) {
        dd_dataset_destroy(cur);
        if ((cur = load(cur_path, input_format, hints, n_hints)) == NULL)
            goto done;
    }
    char err[1024];
    if (dd_compare_datasets(ref, cur, &opt, &result, err, sizeof(err)) != 0) {
        fprintf(stderr, "driftd compare: %s\n", err);
        goto done;
    }
    out = output ? fopen(output, "w") : stdout;
    if (out == NULL) {
        fprintf(stderr, "driftd compare: %s: %s\n", output, strerror(errno));
        goto done;
    }
    const int colour = output == NULL && isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL;
    errno = 0;
    if (strcmp(format, "json") == 0)
        write_json(out, ref_path, dd_dataset_rows(ref), cur_path, dd_dataset_rows(cur), &result);
    else if (opt.plots)
        dd_compare_write_html(out, ref_path, dd_dataset_rows(ref), cur_path, dd_dataset_rows(cur),
                              &result);
    else
        write_table(out, colour, ref_path, dd_dataset_rows(ref), cur_path, dd_dataset_rows(cur),
                    &result);
    /* A full disk must not pass for a written report. */
    int write_errno = fflush(out) != 0 || ferror(out) ? (errno ? errno : EIO) : 0;
    if (output != NULL && fclose(out) != 0 && write_errno == 0)
        write_errno = errno ? errno : EIO;
    if (write_errno != 0) {
        fprintf(stderr, "driftd compare: %s: %s\n", output ? output : "standard output",
                strerror(write_errno));
        goto done;
    }
    status = result.drift ? 1 : 0;
done:
    dd_compare_result_free(&result);
    dd_dataset_destroy(ref);
    dd_dataset_destroy(cur);
    free(hints);
    free(choices);
    return status;
}

const dd_command_t dd_command_compare = {
    .name = "compare",
    .summary = "compare two data files (reference vs current) and report drift per column",
    .synopsis = compare_synopsis,
    .epilogue = compare_epilogue,
    .options = compare_options,
    .run = run_compare,
};
