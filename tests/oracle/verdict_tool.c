/* verdict_tool.c — judges generated datasets exactly as `driftd compare` and `driftd run` do, for
 * the calibration oracle (tests/oracle/test_calibration.py) and bench/calibration/run.py.
 *
 *   verdict_tool [--tmp DIR] [--keep-csv DIR]  < cases  > JSON lines
 *
 * Both paths see the same values:
 *   compare     the reference and each current are written as CSV files (numbers as %.17g, so
 *               they read back bit for bit; nulls as empty cells) and judged by the code behind
 *               `driftd compare` (engine/cli/cmd_compare.c): dd_dataset_load_csv of both (the
 *               current read again with the reference's kinds when a kind differs),
 *               dd_compare_datasets with the command's defaults (all statistics, 10 bins, drift
 *               share 0.5, the default false-alarm rate);
 *   run         the code behind `driftd run`: a configuration with one stream of these fields
 *               (codec json, every other key at its default) and `reference: {type: file}` on
 *               the reference CSV, parsed by dd_config_parse; run_stream_init builds the stream
 *               (its fields' judge options from the false-alarm budget, alerts.min_samples, the
 *               reference set in two passes with decile histogram edges); each current is spread
 *               evenly, in order, over the window's panes in batches of RUN_BATCH_ROWS rows, as
 *               the sketch worker adds them, the window [B - length, B) is merged and every field
 *               judged with dd_judge_field (engine/run/run_eval.c), with the α of the budget
 *               over the fields, evaluations per window and lengths judged (run_stream.c);
 *   run_last_S  each shorter span the same evaluation judges (run_span_lengths: the newest
 *               evaluate_every and the geometric middle), [B - S, B), named by its length;
 *   run_point   (on request, a diagnosis) the whole window judged on the sketches' point
 *               estimates, use_error_bounds = 0: what the sketch error bounds cost.
 *
 * Input (stdin, little-endian), any number of cases one after another:
 *   "DDV1"  u32 n_columns
 *           per column: u8 kind (1 numeric, 2 categorical), u8 name length, the name
 *           u32 label length, label          (names the reference CSV kept by --keep-csv)
 *           u64 n_reference, then per column its n_reference values
 *           u32 n_currents, then per current:
 *             u32 label length, label        (ASCII without quotes or backslashes)
 *             u32 paths (bit 0 compare, bit 1 run and run_last_*, bit 2 run_point)
 *             u64 n_current, then per column its n_current values
 *   values: numeric f64, NaN = null; categorical i32 category index k ≥ 0 (spelled "c<k>"),
 *   −1 = null.
 * Output (stdout), per current and path: one line per field
 *   {"label","path","field","kind","status","severity","test","p","alpha","effect",
 *    "conservative","warning_floor","critical","ks_bound" (run paths, numeric fields: the
 *    sketches' rank error; else null),"n_reference","n_current",
 *    "quality":{"null_rate":{"status","severity","p","increase","conservative",
 *    "warning_floor"}, "out_of_range"|
 *    "new_categories":{...}}}
 * then {"label","path","summary":{"alpha","field_rate","fields","drift","judged","drifted",
 * "insufficient"}} (dataset verdict: compare only), and after all paths {"done":label}. The
 * tool reads the next current only after writing this, so a driver may write, then read.
 * status: "stable", "drift", "insufficient_data" (as `driftd compare --format json` spells it);
 * severity: "none", "warning", "critical". Errors go to stderr with exit status 2. */
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codecs.h"
#include "compare.h"
#include "config.h"
#include "judge.h"
#include "run_int.h"
#include "sketches.h"

enum { NAME_MAX_BYTES = 255, LABEL_MAX_BYTES = 200, COLUMNS_MAX = 64, CATEGORY_TEXT = 24 };
#define PATH_COMPARE 1u
#define PATH_RUN 2u
#define PATH_RUN_POINT 4u /* a diagnosis: run's whole window judged with use_error_bounds = 0 */
/* Any time far from 0, a whole number of panes: window times are Unix ms. */
#define T0_PANES 30000000LL

typedef struct column {
    dd_column_kind_t kind;
    char name[NAME_MAX_BYTES + 1];
    void *values; /* double[n] or int32_t[n], n of the side it belongs to */
} column_t;

typedef struct tool {
    char tmp_dir[1024], keep_dir[1024];
    char ref_csv[2048], cur_csv[2048];
    size_t n_columns;
    column_t ref[COLUMNS_MAX], cur[COLUMNS_MAX];
    size_t n_ref, n_cur;
    char case_label[LABEL_MAX_BYTES + 1], label[LABEL_MAX_BYTES + 1];
    /* the run path, set up once per reference */
    dd_config_t *cfg;
    run_t r;
    run_stream_t s;
    int stream_ready;
    /* the compare path's reference, loaded once per reference */
    dd_dataset_t *ref_data;
    /* scratch */
    uint8_t *nulls;
    size_t nulls_cap;
    uint64_t *hashes;
    size_t hashes_cap;
} tool_t;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "verdict_tool: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

/* 1: n bytes read; 0: end of input before the first byte; exits on a short read. */
static int read_exact(void *buf, size_t n, int eof_ok) {
    const size_t got = fread(buf, 1, n, stdin);
    if (got == n)
        return 1;
    if (got == 0 && eof_ok && feof(stdin))
        return 0;
    die("%s", "input ended inside a case");
}

static uint32_t read_u32(void) {
    uint8_t b[4];
    read_exact(b, 4, 0);
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static uint64_t read_u64(void) {
    const uint64_t lo = read_u32();
    return lo | (uint64_t)read_u32() << 32;
}

static void read_label(char *out) {
    const uint32_t len = read_u32();
    if (len > LABEL_MAX_BYTES)
        die("%s", "label too long");
    read_exact(out, len, 0);
    out[len] = '\0';
    for (uint32_t i = 0; i < len; i++)
        if (out[i] == '"' || out[i] == '\\' || (unsigned char)out[i] < 0x20)
            die("%s", "a label holds a quote, backslash or control character");
}

/* Reads n values of every column into cols (reallocated); the machine must be little-endian,
 * as every machine driftd builds on is (checked in main). */
static void read_values(column_t *cols, size_t n_columns, size_t n) {
    for (size_t c = 0; c < n_columns; c++) {
        const size_t width = cols[c].kind == DD_COLUMN_NUMERIC ? sizeof(double) : sizeof(int32_t);
        free(cols[c].values);
        cols[c].values = malloc(n ? n * width : 1);
        if (cols[c].values == NULL)
            die("%s", "out of memory");
        if (n > 0)
            read_exact(cols[c].values, n * width, 0);
    }
}

/* ---- CSV --------------------------------------------------------------------------------------- */

static char *put_u64(char *p, uint64_t v) {
    char digits[24];
    size_t n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    while (n > 0)
        *p++ = digits[--n];
    return p;
}

/* A cell: empty for a null; integers below 2^53 as digits (counts write fast); else %.17g, which
 * strtod reads back to the same double. */
static char *put_number(char *p, double v) {
    if (isnan(v))
        return p;
    if (v == floor(v) && fabs(v) < 9007199254740992.0) {
        if (v < 0) {
            *p++ = '-';
            v = -v;
        }
        return put_u64(p, (uint64_t)v);
    }
    return p + snprintf(p, 32, "%.17g", v);
}

static void write_csv(const char *path, const column_t *cols, size_t n_columns, size_t n) {
    FILE *f = fopen(path, "w");
    if (f == NULL)
        die("cannot write %s", path);
    static char buf[1 << 16];
    char *p = buf;
    for (size_t c = 0; c < n_columns; c++) {
        p += snprintf(p, NAME_MAX_BYTES + 2, "%s%s", c ? "," : "", cols[c].name);
    }
    *p++ = '\n';
    for (size_t i = 0; i < n; i++) {
        for (size_t c = 0; c < n_columns; c++) {
            if (c > 0)
                *p++ = ',';
            if (cols[c].kind == DD_COLUMN_NUMERIC) {
                p = put_number(p, ((const double *)cols[c].values)[i]);
            } else {
                const int32_t k = ((const int32_t *)cols[c].values)[i];
                if (k >= 0) {
                    *p++ = 'c';
                    p = put_u64(p, (uint64_t)k);
                }
            }
        }
        *p++ = '\n';
        if ((size_t)(p - buf) > sizeof buf - 64 * (n_columns + 1)) {
            fwrite(buf, 1, (size_t)(p - buf), f);
            p = buf;
        }
    }
    fwrite(buf, 1, (size_t)(p - buf), f);
    if (fclose(f) != 0)
        die("cannot write %s", path);
}

/* ---- JSON out ---------------------------------------------------------------------------------- */

static void num(const char *key, double v) {
    if (isfinite(v))
        printf(",\"%s\":%.17g", key, v);
    else
        printf(",\"%s\":null", key);
}

static const char *status_key(dd_verdict_status_t s) {
    return s == DD_VERDICT_DRIFT ? "drift" : s == DD_VERDICT_STABLE ? "stable" : "insufficient_data";
}

static void print_verdict_core(const dd_verdict_t *v) {
    printf("\"status\":\"%s\",\"severity\":\"%s\"", status_key(v->status),
           dd_severity_name(v->severity));
    if (v->test != NULL)
        printf(",\"test\":\"%s\"", v->test);
    else
        printf(",\"test\":null");
    num("p", v->p_value);
    num("alpha", v->alpha);
    num("effect", v->effect);
    num("conservative", v->effect_conservative);
    num("warning_floor", v->warning_floor);
    num("critical", v->critical);
}

static void print_quality(const char *name, const dd_verdict_t *v, int first) {
    printf("%s\"%s\":{\"status\":\"%s\",\"severity\":\"%s\"", first ? "" : ",", name,
           status_key(v->status), dd_severity_name(v->severity));
    num("p", v->p_value);
    num("increase", v->effect);
    num("conservative", v->effect_conservative);
    num("warning_floor", v->warning_floor);
    printf("}");
}

/* ks_bound: the sketches' rank error ε_ref + ε_cur (run paths, numeric fields), else NaN. */
static void print_field(const tool_t *t, const char *path, const char *field,
                        dd_column_kind_t kind, const dd_verdict_t *v, uint64_t n_reference,
                        uint64_t n_current, double ks_bound) {
    printf("{\"label\":\"%s\",\"path\":\"%s\",\"field\":\"%s\",\"kind\":\"%s\",", t->label, path,
           field, kind == DD_COLUMN_NUMERIC ? "numeric" : "categorical");
    print_verdict_core(v);
    num("ks_bound", ks_bound);
    printf(",\"n_reference\":%" PRIu64 ",\"n_current\":%" PRIu64 ",\"quality\":{", n_reference,
           n_current);
}

/* ---- compare ----------------------------------------------------------------------------------- */

static dd_dataset_t *load_csv(const char *path, const dd_column_hint_t *hints, size_t n_hints) {
    dd_dataset_t *d = NULL;
    char err[1024];
    if (dd_dataset_load_csv(path, NULL, hints, n_hints, &d, err, sizeof err) != DD_CODEC_OK)
        die("%s", err);
    return d;
}

/* The current as cmd_compare.c reads it: inferred kinds, and read again with the reference's
 * kinds only when some column's kind differs. */
static dd_dataset_t *load_current(const dd_dataset_t *ref, const char *path) {
    dd_dataset_t *cur = load_csv(path, NULL, 0);
    dd_column_hint_t hints[COLUMNS_MAX];
    size_t n_hints = 0;
    int mismatch = 0;
    for (size_t c = 0; c < dd_dataset_columns(ref) && n_hints < COLUMNS_MAX; c++) {
        const char *name = dd_dataset_column_name(ref, c);
        const long cc = dd_dataset_find_column(cur, name);
        if (cc < 0)
            continue;
        hints[n_hints++] = (dd_column_hint_t){.name = name, .kind = dd_dataset_column_kind(ref, c)};
        mismatch |= dd_dataset_column_kind(cur, (size_t)cc) != dd_dataset_column_kind(ref, c);
    }
    if (!mismatch)
        return cur;
    dd_dataset_destroy(cur);
    return load_csv(path, hints, n_hints);
}

static void judge_compare(tool_t *t) {
    write_csv(t->cur_csv, t->cur, t->n_columns, t->n_cur);
    dd_dataset_t *cur = load_current(t->ref_data, t->cur_csv);
    /* The command's defaults (cmd_compare.c): every statistic, 10 bins, drift share 0.5, the
     * default false-alarm rate (0 = DD_FALSE_ALARM_RATE_DEFAULT). */
    const dd_compare_options_t opt = {.stats = DD_STAT_ALL, .bins = 10, .drift_share = 0.5};
    dd_compare_result_t res;
    char err[1024];
    if (dd_compare_datasets(t->ref_data, cur, &opt, &res, err, sizeof err) != 0)
        die("%s", err);
    double field_rate = NAN;
    for (size_t i = 0; i < res.n_features; i++) {
        const dd_feature_result_t *f = &res.features[i];
        print_field(t, "compare", f->name, f->kind, &f->verdict, f->n_reference, f->n_current,
                    NAN);
        int first = 1;
        for (int q = 0; q < DD_QUALITY_N; q++) {
            if (!f->quality[q].applies)
                continue;
            print_quality(dd_quality_name(q), &f->quality[q].verdict, first);
            first = 0;
        }
        printf("}}\n");
    }
    if (res.n_features > 0) {
        dd_budget_t b;
        dd_budget_init(&b, res.false_alarm_rate, (uint32_t)(res.judged + res.insufficient));
        field_rate = dd_budget_field_rate(&b);
    }
    printf("{\"label\":\"%s\",\"path\":\"compare\",\"summary\":{\"fields\":%zu", t->label,
           res.n_features);
    num("alpha", res.alpha);
    num("field_rate", field_rate);
    num("false_alarm_rate", res.false_alarm_rate);
    printf(",\"drift\":%d,\"judged\":%zu,\"drifted\":%zu,\"insufficient\":%zu,"
           "\"quality_warnings\":%zu,\"quality_critical\":%zu}}\n",
           res.drift, res.judged, res.drifted, res.insufficient, res.quality_warnings,
           res.quality_critical);
    dd_compare_result_free(&res);
    dd_dataset_destroy(cur);
    if (t->keep_dir[0] == '\0')
        unlink(t->cur_csv);
}

/* ---- run --------------------------------------------------------------------------------------- */

static void stream_free(tool_t *t) {
    if (t->stream_ready)
        run_stream_free(&t->s);
    t->stream_ready = 0;
    dd_config_free(t->cfg);
    t->cfg = NULL;
}

/* A configuration naming only what a stream needs: everything else (window, alerts, budget) is
 * driftd run's default. */
static void stream_setup(tool_t *t) {
    stream_free(t);
    size_t cap = 1024 + t->n_columns * (NAME_MAX_BYTES + 64) + strlen(t->ref_csv);
    char *text = malloc(cap);
    if (text == NULL)
        die("%s", "out of memory");
    size_t len = (size_t)snprintf(text, cap,
                                  "version: 1\n"
                                  "kafka: {bootstrap.servers: 127.0.0.1:9}\n"
                                  "streams:\n"
                                  "  - name: calibration\n"
                                  "    topics: [calibration]\n"
                                  "    codec: json\n"
                                  "    fields:\n");
    for (size_t c = 0; c < t->n_columns; c++)
        len += (size_t)snprintf(text + len, cap - len, "      - {path: %s, kind: %s}\n",
                                t->ref[c].name,
                                t->ref[c].kind == DD_COLUMN_NUMERIC ? "numeric" : "categorical");
    len += (size_t)snprintf(text + len, cap - len, "reference: {type: file, path: '%s'}\n",
                            t->ref_csv);
    char err[1024];
    if (dd_config_parse(text, len, "verdict_tool.yaml", &t->cfg, err, sizeof err) != 0)
        die("config: %s", err);
    free(text);
    memset(&t->r, 0, sizeof t->r);
    t->r.cfg = t->cfg;
    t->r.log.level = DD_CONFIG_LOG_ERROR;
    t->r.owner = pthread_self();
    if (run_stream_init(&t->r, &t->s, &t->cfg->streams[0], 0, err, sizeof err) != 0)
        die("run stream: %s", err);
    t->stream_ready = 1;
}

static void *scratch(void **buf, size_t *cap, size_t bytes) {
    if (bytes > *cap) {
        free(*buf);
        *buf = malloc(bytes);
        if (*buf == NULL)
            die("%s", "out of memory");
        *cap = bytes;
    }
    return *buf;
}

/* Rows [from, to) of every column into the pane at time t_ms, in batches of RUN_BATCH_ROWS. */
static void add_rows(tool_t *t, dd_window_t *w, int64_t t_ms, size_t from, size_t to) {
    for (size_t start = from; start < to; start += RUN_BATCH_ROWS) {
        const size_t n = to - start < RUN_BATCH_ROWS ? to - start : RUN_BATCH_ROWS;
        dd_sketch_set_t *set = dd_window_pane_for(w, t_ms);
        if (set == NULL)
            die("%s", "a pane of the current fell out of the window");
        uint8_t *nulls = scratch((void **)&t->nulls, &t->nulls_cap, (n + 7) / 8);
        for (size_t c = 0; c < t->n_columns; c++) {
            memset(nulls, 0, (n + 7) / 8);
            dd_sketch_err_t err;
            if (t->cur[c].kind == DD_COLUMN_NUMERIC) {
                const double *v = (const double *)t->cur[c].values + start;
                for (size_t i = 0; i < n; i++)
                    if (isnan(v[i]))
                        nulls[i >> 3] = (uint8_t)(nulls[i >> 3] | 1u << (i & 7));
                err = dd_sketch_set_update_numeric(set, c, v, nulls, n);
            } else {
                const int32_t *k = (const int32_t *)t->cur[c].values + start;
                uint64_t *h = scratch((void **)&t->hashes, &t->hashes_cap, n * sizeof(uint64_t));
                for (size_t i = 0; i < n; i++) {
                    if (k[i] < 0) {
                        nulls[i >> 3] = (uint8_t)(nulls[i >> 3] | 1u << (i & 7));
                        h[i] = 0;
                    } else {
                        char text[CATEGORY_TEXT];
                        const int len = snprintf(text, sizeof text, "c%" PRId32, k[i]);
                        h[i] = dd_codec_hash(text, (size_t)len);
                    }
                }
                err = dd_sketch_set_update_categorical(set, c, h, nulls, n);
            }
            if (err != DD_SKETCH_OK)
                die("sketch update: %s", dd_sketch_strerror(err));
        }
        dd_sketch_set_add_rows(set, n);
    }
}

static void judge_set(tool_t *t, const char *path, const dd_sketch_set_t *current,
                      int point_estimates) {
    const run_stream_t *s = &t->s;
    size_t judged = 0, insufficient = 0, drifted = 0;
    for (size_t i = 0; i < s->n_fields; i++) {
        dd_field_judgement_t j;
        dd_judge_options_t o = s->fields[i].judge;
        if (point_estimates)
            o.use_error_bounds = 0;
        const dd_judge_err_t err = dd_judge_field(s->reference, current, i, &o, &j);
        if (err != DD_JUDGE_OK)
            die("judge: %s", dd_judge_strerror(err));
        print_field(t, path, s->paths[i], t->cur[i].kind, &j.verdict, j.n_reference, j.n_current,
                    t->cur[i].kind == DD_COLUMN_NUMERIC ? j.ks_bound : NAN);
        print_quality("null_rate", &j.null_rate.verdict, 1);
        if (t->cur[i].kind == DD_COLUMN_NUMERIC)
            print_quality("out_of_range", &j.out_of_range.verdict, 0);
        else
            print_quality("new_categories", &j.new_categories_quality.verdict, 0);
        printf("}}\n");
        judged += j.verdict.status != DD_VERDICT_INSUFFICIENT;
        insufficient += j.verdict.status == DD_VERDICT_INSUFFICIENT;
        drifted += j.drift != 0;
    }
    printf("{\"label\":\"%s\",\"path\":\"%s\",\"summary\":{\"fields\":%zu", t->label, path,
           s->n_fields);
    num("alpha", s->alpha);
    num("field_rate", s->field_rate);
    num("false_alarm_rate", DD_FALSE_ALARM_RATE_DEFAULT);
    printf(",\"judged\":%zu,\"drifted\":%zu,\"insufficient\":%zu}}\n", judged, drifted,
           insufficient);
}

static void judge_run(tool_t *t, uint32_t paths) {
    run_stream_t *s = &t->s;
    const dd_config_window_t *wc = &t->cfg->window;
    /* A fresh window for this current, made as run_stream_init makes the stream's. */
    dd_window_t *w = NULL;
    dd_sketch_set_t *current = NULL;
    if (dd_window_new(s->specs, s->n_fields, s->ring_panes, wc->pane_ms, 0x5eedu, &w) !=
            DD_SKETCH_OK ||
        dd_window_new_set(w, &current) != DD_SKETCH_OK)
        die("%s", "out of memory");
    const int64_t start = T0_PANES * wc->pane_ms, end = start + wc->length_ms;
    const size_t panes = wc->n_panes;
    for (size_t p = 0; p < panes; p++)
        add_rows(t, w, start + (int64_t)p * wc->pane_ms, t->n_cur * p / panes,
                 t->n_cur * (p + 1) / panes);
    if (dd_window_merge_range(w, start, end, current) != DD_SKETCH_OK)
        die("%s", "window merge failed");
    judge_set(t, "run", current, 0);
    if (paths & PATH_RUN_POINT)
        judge_set(t, "run_point", current, 1);
    /* The shorter spans the same evaluation judges, [B - span, B), each into a set of its own. */
    int64_t span_ms[RUN_SPANS_MAX];
    const size_t n_spans = run_span_lengths(wc, span_ms);
    for (size_t i = 0; i < n_spans; i++) {
        dd_sketch_set_t *span = NULL;
        if (dd_window_new_set(w, &span) != DD_SKETCH_OK ||
            dd_window_merge_range(w, end - span_ms[i], end, span) != DD_SKETCH_OK)
            die("%s", "window merge failed");
        char name[64];
        if (span_ms[i] % 60000 == 0)
            snprintf(name, sizeof name, "run_last_%" PRId64 "m", span_ms[i] / 60000);
        else
            snprintf(name, sizeof name, "run_last_%" PRId64 "ms", span_ms[i]);
        judge_set(t, name, span, 0);
        dd_sketch_set_destroy(span);
    }
    dd_sketch_set_destroy(current);
    dd_window_destroy(w);
}

/* ---- cases ------------------------------------------------------------------------------------- */

static int read_case(tool_t *t) {
    char magic[4];
    if (!read_exact(magic, 4, 1))
        return 0;
    if (memcmp(magic, "DDV1", 4) != 0)
        die("%s", "bad magic (expected DDV1)");
    const uint32_t n_columns = read_u32();
    if (n_columns == 0 || n_columns > COLUMNS_MAX)
        die("%s", "1 to 64 columns");
    for (size_t c = 0; c < t->n_columns; c++) {
        free(t->ref[c].values);
        free(t->cur[c].values);
        t->ref[c].values = t->cur[c].values = NULL;
    }
    t->n_columns = n_columns;
    for (size_t c = 0; c < n_columns; c++) {
        uint8_t kind, len;
        read_exact(&kind, 1, 0);
        read_exact(&len, 1, 0);
        if (kind != DD_COLUMN_NUMERIC && kind != DD_COLUMN_CATEGORICAL)
            die("%s", "a column kind other than 1 or 2");
        t->ref[c].kind = t->cur[c].kind = (dd_column_kind_t)kind;
        read_exact(t->ref[c].name, len, 0);
        t->ref[c].name[len] = '\0';
        for (size_t i = 0; i < len; i++) {
            const char ch = t->ref[c].name[i];
            if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_'))
                die("%s", "column names are [a-z0-9_]");
        }
        memcpy(t->cur[c].name, t->ref[c].name, (size_t)len + 1);
    }
    read_label(t->case_label);
    t->n_ref = read_u64();
    read_values(t->ref, n_columns, t->n_ref);
    if (t->keep_dir[0] != '\0')
        snprintf(t->ref_csv, sizeof t->ref_csv, "%s/%s.ref.csv", t->keep_dir, t->case_label);
    write_csv(t->ref_csv, t->ref, n_columns, t->n_ref);
    dd_dataset_destroy(t->ref_data);
    t->ref_data = load_csv(t->ref_csv, NULL, 0);
    stream_setup(t);
    const uint32_t n_currents = read_u32();
    for (uint32_t k = 0; k < n_currents; k++) {
        read_label(t->label);
        const uint32_t paths = read_u32();
        t->n_cur = read_u64();
        read_values(t->cur, n_columns, t->n_cur);
        if (t->keep_dir[0] != '\0')
            snprintf(t->cur_csv, sizeof t->cur_csv, "%s/%s.cur.csv", t->keep_dir, t->label);
        if (paths & PATH_COMPARE)
            judge_compare(t);
        if (paths & (PATH_RUN | PATH_RUN_POINT))
            judge_run(t, paths);
        printf("{\"done\":\"%s\"}\n", t->label);
        fflush(stdout);
    }
    if (t->keep_dir[0] == '\0')
        unlink(t->ref_csv);
    return 1;
}

int main(int argc, char **argv) {
    static tool_t t;
    const char *tmp = getenv("TMPDIR");
    snprintf(t.tmp_dir, sizeof t.tmp_dir, "%s", tmp != NULL && tmp[0] ? tmp : "/tmp");
    for (int i = 1; i < argc; i++) {
        if (i + 1 < argc && strcmp(argv[i], "--tmp") == 0)
            snprintf(t.tmp_dir, sizeof t.tmp_dir, "%s", argv[++i]);
        else if (i + 1 < argc && strcmp(argv[i], "--keep-csv") == 0)
            snprintf(t.keep_dir, sizeof t.keep_dir, "%s", argv[++i]);
        else {
            fprintf(stderr, "usage: verdict_tool [--tmp DIR] [--keep-csv DIR] < cases\n");
            return 2;
        }
    }
    const uint16_t one = 1;
    if (*(const uint8_t *)&one != 1)
        die("%s", "the input protocol is little-endian and so must this machine be");
    snprintf(t.ref_csv, sizeof t.ref_csv, "%s/verdict_tool-%ld-ref.csv", t.tmp_dir, (long)getpid());
    snprintf(t.cur_csv, sizeof t.cur_csv, "%s/verdict_tool-%ld-cur.csv", t.tmp_dir, (long)getpid());
    while (read_case(&t))
        ;
    stream_free(&t);
    dd_dataset_destroy(t.ref_data);
    for (size_t c = 0; c < t.n_columns; c++) {
        free(t.ref[c].values);
        free(t.cur[c].values);
    }
    free(t.nulls);
    free(t.hashes);
    return 0;
}
