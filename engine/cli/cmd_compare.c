/* cmd_compare.c — `driftd compare`: two files in, a report out (table, JSON or HTML), and an
 * exit status like diff's: 0 nothing to report, 1 dataset drift, a critical quality condition,
 * a critical correlation or multivariate change or (with --target) a critical performance
 * degradation, 2 error. The judging is engine/judge/'s (compare.c, correlation.c,
 * multivariate.c, performance.c); this file reads the
 * options and the files and picks the report (the table and the JSON in cmd_compare_report.c,
 * HTML in out/). */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd_compare.h"
#include "compare.h"
#include "json.h"
#include "report.h"
#include "cli_int.h"

static const char compare_synopsis[] =
    "Usage: driftd compare --reference FILE --current FILE [--format table|json|html]\n"
    "                      [--stats LIST] [--schema FILE] [--output FILE] [--bins N]\n"
    "                      [--drift-share X] [--false-alarm-rate RATE]\n"
    "                      [--input-format csv|jsonl|avro]\n"
    "                      [--target COL --prediction COL [--score COL] [--positive LABEL]\n"
    "                       [--task classification|regression]]\n"
    "\n"
    "Judges every column of FILE --current against the same column of the reference:\n"
    "drift when a test is significant at the level the false-alarm rate allows and the\n"
    "effect is large enough to matter; too few values are \"insufficient data\". Null\n"
    "rate, values outside the reference's range and new categories are judged the same\n"
    "way. The dataset drifts when the share of drifted columns among those judged\n"
    "reaches --drift-share. Files: CSV with a header row (.csv), JSON Lines, one object\n"
    "per line (.jsonl, .ndjson, .json; nested fields become dotted columns), or Avro\n"
    "object container files (.avro; columns from the schema's fields); the two may\n"
    "differ. Column kinds are inferred (numeric when every non-empty value is a number);\n"
    "true/false columns are the categories \"true\" and \"false\" in every format.\n"
    "With --target and --prediction, also the model's performance in each file and\n"
    "whether it degraded (docs/performance.md).\n";

static const char compare_epilogue[] =
    "Per column: numeric columns run KS, rank-sum (location) and absolute-rank (scale)\n"
    "tests, with the Wasserstein distance over the reference's standard deviation as\n"
    "effect; categorical columns chi-square, with the Jensen-Shannon distance. Drift\n"
    "needs p < alpha and an effect of at least a fifth of the threshold (0.1): a\n"
    "warning; critical from the threshold, or from the effect noise alone reaches at\n"
    "these sizes when that is larger. alpha = false-alarm rate / (judged columns x 3\n"
    "conditions). The model: docs/judging.md; the reports: docs/compare.md.\n"
    "\n"
    "Correlations: Spearman's r of every pair of numeric columns in each file, its\n"
    "change tested on Fisher's z at alpha = false-alarm rate / pairs; changed from a\n"
    "change of 0.1, critical from 0.3.\n"
    "\n"
    "Multivariate: the numeric columns' mean reconstruction error from the\n"
    "reference's principal components (90% of the variance), reference against\n"
    "current by a Mann-Whitney test at alpha = false-alarm rate; changed from a\n"
    "ratio of 1.1 either way, critical from 1.5.\n"
    "\n"
    "Performance: accuracy (and with --score ROC AUC, log loss, Brier) or MAE and\n"
    "RMSE are tested for a degradation, one-sided at alpha = false-alarm rate /\n"
    "metrics tested; critical when the change is 5% of the reference value or more.\n"
    "\n"
    "Exit status: 0 no dataset drift and nothing critical; 1 dataset drift, or a\n"
    "critical quality condition, correlation or multivariate change or performance\n"
    "degradation; 2 error.\n";

enum {
    OPT_REFERENCE,
    OPT_CURRENT,
    OPT_FORMAT,
    OPT_STATS,
    OPT_SCHEMA,
    OPT_OUTPUT,
    OPT_BINS,
    OPT_DRIFT_SHARE,
    OPT_FALSE_ALARM_RATE,
    OPT_INPUT_FORMAT,
    OPT_TARGET,
    OPT_PREDICTION,
    OPT_SCORE,
    OPT_POSITIVE,
    OPT_TASK,
    N_OPTIONS
};

/* The default's spelling in the help, from the one definition (verdict.h). */
#define RATE_TEXT_(x) #x
#define RATE_TEXT(x) RATE_TEXT_(x)

static const dd_cli_option_t compare_options[] = {
    {OPT_REFERENCE, "reference", 0, "FILE", "the baseline, e.g. the training set", NULL},
    {OPT_CURRENT, "current", 0, "FILE", "the data to judge", NULL},
    {OPT_FORMAT, "format", 0, "F",
     "table (default; colour on a terminal), json, or html (one\n"
     "self-contained page with plots; docs/compare.md)",
     NULL},
    {OPT_STATS, "stats", 0, "LIST",
     "statistics to report (the verdicts run their own tests), comma-\n"
     "separated from ks,wasserstein,psi,jensen_shannon,hellinger,kl,z,chi2,\n"
     "tvd,fisher, or all (default)",
     NULL},
    {OPT_SCHEMA, "schema", 0, "FILE",
     "CSV with header column,kind[,method,threshold]: kind numeric,\n"
     "categorical or empty (infer), or ignore, id or datetime (the column\n"
     "is skipped and listed as such); method and threshold override the\n"
     "defaults for that column",
     NULL},
    {OPT_OUTPUT, "output", 0, "FILE", "write the report there instead of standard output", NULL},
    {OPT_BINS, "bins", 0, "N", "reference-quantile bins for PSI, KL, JS, Hellinger (default 10)",
     NULL},
    {OPT_DRIFT_SHARE, "drift-share", 0, "X",
     "dataset drift when drifted/judged columns >= X (default 0.5)", NULL},
    {OPT_FALSE_ALARM_RATE, "false-alarm-rate", 0, "RATE",
     "the probability of any false alarm among the columns of one\n"
     "comparison, 0 < RATE < 1 (default " RATE_TEXT(DD_FALSE_ALARM_RATE_DEFAULT) "), spent evenly over columns\n"
     "and conditions; the correlations, the multivariate test and the\n"
     "performance section each have the same rate of their own",
     NULL},
    {OPT_INPUT_FORMAT, "input-format", 0, "F",
     "csv, jsonl or avro: read both files as F, whatever their names", NULL},
    {OPT_TARGET, "target", 0, "COL", "the ground truth column: score the model's performance",
     NULL},
    {OPT_PREDICTION, "prediction", 0, "COL", "the model's prediction (a label, or a number)",
     NULL},
    {OPT_SCORE, "score", 0, "COL",
     "the predicted probability of the positive class, in [0, 1]\n"
     "(binary classification: ROC AUC, log loss, Brier, calibration)",
     NULL},
    {OPT_POSITIVE, "positive", 0, "LABEL",
     "the positive class (default 1, or true for true/false targets)", NULL},
    {OPT_TASK, "task", 0, "T",
     "classification or regression (default: classification for a\n"
     "categorical target or one of only 0 and 1, else regression)",
     NULL},
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
        else if (strcmp(word, "ignore") == 0)
            c->role = DD_ROLE_IGNORE;
        else if (strcmp(word, "id") == 0)
            c->role = DD_ROLE_ID;
        else if (strcmp(word, "datetime") == 0)
            c->role = DD_ROLE_DATETIME;
        else if (word[0] != '\0') {
            fprintf(stderr, "driftd compare: %s:%llu: column 2: kind '%s' is not numeric, "
                            "categorical, ignore, id or datetime\n", path, line, word);
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

/* 1 when the schema leaves the column out (kind ignore, id or datetime). */
static int skipped_by_schema(const dd_column_choice_t *choices, size_t n, const char *name) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(choices[i].name, name) == 0)
            return choices[i].role != DD_ROLE_JUDGE;
    return 0;
}

static int has_suffix(const char *s, const char *suffix) {
    const size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* One file to read: its path and loader settings in, the dataset or the error out. */
typedef struct load_job {
    const char *path, *input_format;
    const dd_column_hint_t *hints;
    size_t n_hints;
    dd_dataset_t *d; /* NULL on failure, with err set */
    char err[1200];
} load_job_t;

/* The loader by --input-format (csv, jsonl or avro), else by the file's extension. Touches no
 * shared state, so the two files load on two threads. */
static void load_quiet(load_job_t *j) {
    enum { CSV, JSONL, AVRO } kind;
    const char *path = j->path;
    j->d = NULL;
    j->err[0] = '\0';
    if (j->input_format != NULL)
        kind = strcmp(j->input_format, "jsonl") == 0 ? JSONL
               : strcmp(j->input_format, "avro") == 0 ? AVRO
                                                      : CSV;
    else if (has_suffix(path, ".csv"))
        kind = CSV;
    else if (has_suffix(path, ".jsonl") || has_suffix(path, ".ndjson") || has_suffix(path, ".json"))
        kind = JSONL;
    else if (has_suffix(path, ".avro"))
        kind = AVRO;
    else {
        snprintf(j->err, sizeof j->err,
                 "%s: unknown file type (expected .csv, .jsonl, .ndjson, .json or .avro; "
                 "--input-format csv|jsonl|avro reads any name)", path);
        return;
    }
    dd_dataset_t *d = NULL;
    char err[1024];
    const dd_codec_err_t e =
        kind == JSONL
            ? dd_dataset_load_jsonl(path, NULL, j->hints, j->n_hints, &d, err, sizeof(err))
        : kind == AVRO ? dd_dataset_load_avro(path, j->hints, j->n_hints, &d, err, sizeof(err))
                       : dd_dataset_load_csv(path, NULL, j->hints, j->n_hints, &d, err, sizeof(err));
    if (e != DD_CODEC_OK) {
        snprintf(j->err, sizeof j->err, "%s", err);
        return;
    }
    if (dd_dataset_rows(d) == 0) {
        snprintf(j->err, sizeof j->err, "%s: no data rows after the header", path);
        dd_dataset_destroy(d);
        return;
    }
    j->d = d;
}

static void *load_thread(void *p) {
    load_quiet(p);
    return NULL;
}

/* One file, with the progress line; NULL after saying why. */
static dd_dataset_t *load(const char *path, const char *input_format, const dd_column_hint_t *hints,
                          size_t n_hints) {
    load_job_t j = {.path = path, .input_format = input_format, .hints = hints, .n_hints = n_hints};
    char what[600];
    snprintf(what, sizeof what, "reading %.500s", path);
    dd_cli_progress_begin("driftd compare", what, NULL);
    load_quiet(&j);
    dd_cli_progress_end();
    if (j.d == NULL)
        fprintf(stderr, "driftd compare: %s\n", j.err);
    return j.d;
}

/* Both files at once, the current one on a second thread (one thread when it cannot start):
 * parsing is most of a compare's time. The reference's error is reported first; the current
 * one's after the checks that need only the reference (run_compare), as when they loaded in
 * turn. */
static void load_both(load_job_t *ref, load_job_t *cur) {
    char what[1100];
    snprintf(what, sizeof what, "reading %.500s and %.500s", ref->path, cur->path);
    dd_cli_progress_begin("driftd compare", what, NULL);
    pthread_t th;
    const int threaded = pthread_create(&th, NULL, load_thread, cur) == 0;
    load_quiet(ref);
    if (threaded)
        pthread_join(th, NULL);
    else
        load_quiet(cur);
    dd_cli_progress_end();
}

static int run_compare(int argc, char **argv) {
    const char *v[N_OPTIONS] = {0};
    const int rc = dd_cli_parse(&dd_command_compare, argc, argv, dd_cli_store, v);
    if (rc != DD_CLI_CONTINUE)
        return rc;
    const char *ref_path = v[OPT_REFERENCE], *cur_path = v[OPT_CURRENT],
               *format = v[OPT_FORMAT] ? v[OPT_FORMAT] : "table", *schema = v[OPT_SCHEMA],
               *output = v[OPT_OUTPUT], *input_format = v[OPT_INPUT_FORMAT];
    dd_compare_options_t opt = {.false_alarm_rate = DD_FALSE_ALARM_RATE_DEFAULT,
                                .stats = DD_STAT_ALL,
                                .bins = 10,
                                .drift_share = 0.5};
    uint64_t bins = opt.bins;
    char *end = NULL;
    if (v[OPT_STATS] != NULL && parse_stats(v[OPT_STATS], &opt.stats) != 0)
        return 2;
    if (v[OPT_BINS] != NULL &&
        dd_cli_parse_u64("compare", "--bins", v[OPT_BINS], 2, 1000, &bins) != 0)
        return 2;
    opt.bins = (size_t)bins;
    if (v[OPT_FALSE_ALARM_RATE] != NULL) {
        opt.false_alarm_rate = strtod(v[OPT_FALSE_ALARM_RATE], &end);
        if (end == v[OPT_FALSE_ALARM_RATE] || *end != '\0' ||
            !(opt.false_alarm_rate > 0 && opt.false_alarm_rate < 1)) {
            fprintf(stderr,
                    "driftd compare: --false-alarm-rate expects a number in (0, 1), got '%s'\n",
                    v[OPT_FALSE_ALARM_RATE]);
            return 2;
        }
    }
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
    dd_performance_options_t popt = {.target = v[OPT_TARGET],
                                      .prediction = v[OPT_PREDICTION],
                                      .score = v[OPT_SCORE],
                                      .positive = v[OPT_POSITIVE],
                                      .false_alarm_rate = opt.false_alarm_rate};
    if ((popt.target == NULL) != (popt.prediction == NULL) ||
        (popt.target == NULL && (popt.score || popt.positive || v[OPT_TASK]))) {
        fprintf(stderr, "driftd compare: --target and --prediction go together, and --score, "
                        "--positive and --task need them\n");
        return 2;
    }
    if (v[OPT_TASK] != NULL) {
        if (strcmp(v[OPT_TASK], "classification") == 0)
            popt.task = DD_TASK_CLASSIFICATION;
        else if (strcmp(v[OPT_TASK], "regression") == 0)
            popt.task = DD_TASK_REGRESSION;
        else {
            fprintf(stderr, "driftd compare: --task expects classification or regression, got "
                            "'%s'\n", v[OPT_TASK]);
            return 2;
        }
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
    dd_performance_result_t perf;
    const dd_performance_result_t *perf_out = NULL;
    dd_correlation_result_t corr = {0};
    dd_multivariate_result_t mv = {0};
    FILE *out = NULL;
    size_t n_hints = 0;
    hints = calloc((size_t)n_choices + 1, sizeof(*hints));
    if (hints == NULL)
        goto done;
    for (long i = 0; i < n_choices; i++)
        if (choices[i].kind != 0 && choices[i].role == DD_ROLE_JUDGE)
            hints[n_hints++] =
                (dd_column_hint_t){choices[i].name, choices[i].kind, DD_BOOLEAN_INFER};
    load_job_t ref_job = {.path = ref_path, .input_format = input_format, .hints = hints,
                          .n_hints = n_hints};
    load_job_t cur_job = {.path = cur_path, .input_format = input_format};
    load_both(&ref_job, &cur_job);
    ref = ref_job.d;
    cur = cur_job.d;
    if (ref == NULL) {
        fprintf(stderr, "driftd compare: %s\n", ref_job.err);
        goto done;
    }
    /* The loader refuses a kind hint for a column it lacks; a schema row without a kind (a role,
     * or only a method) is checked here, so no row of the schema is silently ignored. */
    for (long i = 0; i < n_choices; i++)
        if (dd_dataset_find_column(ref, choices[i].name) < 0) {
            fprintf(stderr,
                    "driftd compare: %s: the schema names column '%s', which is not in %s\n",
                    schema, choices[i].name, ref_path);
            goto done;
        }
    if (cur == NULL) {
        fprintf(stderr, "driftd compare: %s\n", cur_job.err);
        goto done;
    }
    /* A column whose kind differs from the reference's (a word in a numeric column, or numbers
     * only in a categorical one) is read again with the reference's kind: the first gives an
     * error naming the cell (true/false read as 1/0), the second hashes the numbers as
     * categories. So is a categorical column that is boolean in one file and not in the other:
     * read as the reference has it (0/1 then are "false"/"true" too). Only then. Columns left
     * out by their role are not read again: they need not agree. */
    free(hints);
    hints = calloc(dd_dataset_columns(ref), sizeof(*hints));
    if (hints == NULL)
        goto done;
    n_hints = 0;
    int mismatch = 0;
    for (size_t c = 0; c < dd_dataset_columns(ref); c++) {
        const char *name = dd_dataset_column_name(ref, c);
        const long cc = dd_dataset_find_column(cur, name);
        if (cc < 0 || skipped_by_schema(choices, (size_t)n_choices, name))
            continue; /* the comparator reports a missing one */
        const dd_column_kind_t kind = dd_dataset_column_kind(ref, c);
        const int boolean = dd_dataset_column_boolean(ref, c);
        hints[n_hints++] = (dd_column_hint_t){
            name, kind,
            kind == DD_COLUMN_CATEGORICAL ? (boolean ? DD_BOOLEAN_YES : DD_BOOLEAN_NO)
                                          : DD_BOOLEAN_INFER};
        mismatch |= dd_dataset_column_kind(cur, (size_t)cc) != kind ||
                    (kind == DD_COLUMN_CATEGORICAL &&
                     dd_dataset_column_boolean(cur, (size_t)cc) != boolean);
    }
    if (mismatch) {
        dd_dataset_destroy(cur);
        if ((cur = load(cur_path, input_format, hints, n_hints)) == NULL)
            goto done;
    }
    char err[1024];
    dd_cli_progress_begin("driftd compare", "judging", NULL);
    const int compared = dd_compare_datasets(ref, cur, &opt, &result, err, sizeof(err));
    dd_cli_progress_end();
    if (compared != 0) {
        fprintf(stderr, "driftd compare: %s\n", err);
        goto done;
    }
    if (dd_correlation_compare(ref, cur, &result, opt.false_alarm_rate, &corr, err,
                               sizeof(err)) != 0) {
        fprintf(stderr, "driftd compare: %s\n", err);
        goto done;
    }
    if (dd_multivariate_compare(ref, cur, &result, opt.false_alarm_rate, &mv, err, sizeof(err)) !=
        0) {
        fprintf(stderr, "driftd compare: %s\n", err);
        goto done;
    }
    if (popt.target != NULL) {
        if (dd_performance_compare(ref, cur, &popt, &perf, err, sizeof(err)) != 0) {
            fprintf(stderr, "driftd compare: %s\n", err);
            goto done;
        }
        perf_out = &perf;
    }
    out = output ? fopen(output, "w") : stdout;
    if (out == NULL) {
        fprintf(stderr, "driftd compare: %s: %s\n", output, strerror(errno));
        goto done;
    }
    const int colour = output == NULL && isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL;
    errno = 0;
    if (strcmp(format, "json") == 0)
        cmd_compare_write_json(out, ref_path, dd_dataset_rows(ref), cur_path, dd_dataset_rows(cur),
                               &result, perf_out, &corr, &mv);
    else if (opt.plots)
        dd_compare_write_html(out, ref_path, dd_dataset_rows(ref), cur_path, dd_dataset_rows(cur),
                              &result, perf_out, &corr, &mv);
    else
        cmd_compare_write_table(out, colour, ref_path, dd_dataset_rows(ref), cur_path, dd_dataset_rows(cur),
                    &result, perf_out, &corr, &mv);
    /* A full disk must not pass for a written report. */
    int write_errno = fflush(out) != 0 || ferror(out) ? (errno ? errno : EIO) : 0;
    if (output != NULL && fclose(out) != 0 && write_errno == 0)
        write_errno = errno ? errno : EIO;
    if (write_errno != 0) {
        fprintf(stderr, "driftd compare: %s: %s\n", output ? output : "standard output",
                strerror(write_errno));
        goto done;
    }
    status = result.drift || result.quality_critical > 0 || corr.critical > 0 || mv.critical ||
                     (perf_out != NULL && perf_out->critical > 0)
                 ? 1
                 : 0;
done:
    dd_correlation_result_free(&corr);
    dd_multivariate_result_free(&mv);
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
