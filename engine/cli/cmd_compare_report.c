/* cmd_compare_report.c — the table and the JSON report of `driftd compare` (docs/compare.md,
 * "Table" and "JSON report"): what engine/judge/compare.c decided, written for people and for
 * programs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_compare.h"
#include "compare.h"
#include "json.h"
#include "cli_int.h"

/* ---- words shared by the table and the JSON report ---- */

static const char *kind_word(dd_column_kind_t k) {
    return k == DD_COLUMN_NUMERIC ? "numeric" : "categorical";
}

/* JSON status: "insufficient_data", "stable", "drift"; "skipped" for columns left out. */
static const char *status_key(const dd_feature_result_t *f) {
    if (f->role != DD_ROLE_JUDGE)
        return "skipped";
    switch (f->verdict.status) {
    case DD_VERDICT_STABLE:
        return "stable";
    case DD_VERDICT_DRIFT:
        return "drift";
    case DD_VERDICT_INSUFFICIENT:
        break;
    }
    return "insufficient_data";
}

/* For people: "insufficient data", "stable", "drift (warning)", "drift (critical)". */
static const char *verdict_words(const dd_verdict_t *v) {
    if (v->status != DD_VERDICT_DRIFT)
        return dd_verdict_status_name(v->status);
    return v->severity == DD_SEVERITY_CRITICAL ? "drift (critical)" : "drift (warning)";
}

/* Why a column was left out, in words. */
static const char *skip_reason(dd_column_role_t role) {
    switch (role) {
    case DD_ROLE_ID:
        return "skipped: kind id in the schema (an identifier differs in every row by design)";
    case DD_ROLE_DATETIME:
        return "skipped: kind datetime in the schema (a time moves by design)";
    case DD_ROLE_IGNORE:
    case DD_ROLE_JUDGE:
        break;
    }
    return "skipped: kind ignore in the schema";
}

/* The verdict's effect under the name --schema gives its method: wasserstein is the normed
 * distance, as it always was in this report. */
static const char *effect_method(const dd_feature_result_t *f) {
    const char *e = f->verdict.effect_name;
    if (e == NULL)
        return dd_method_name(f->method);
    return strcmp(e, "wasserstein_normed") == 0 ? "wasserstein" : e;
}

/* ---- JSON report (docs/compare.md, "JSON report") ---- */

enum { JSON_REPORT_VERSION = 2 };

static void json_key(FILE *out, const char *key) {
    fprintf(out, ",\"%s\":", key);
}

static void json_num(FILE *out, const char *key, double v) {
    json_key(out, key);
    dd_json_write_number(out, v);
}

static void json_u64(FILE *out, const char *key, uint64_t v) {
    json_key(out, key);
    fprintf(out, "%llu", (unsigned long long)v);
}

/* A string, or null for NULL. */
static void json_str(FILE *out, const char *key, const char *s) {
    json_key(out, key);
    if (s == NULL)
        fputs("null", out);
    else
        dd_json_write_string(out, s, strlen(s));
}

static void json_bool(FILE *out, const char *key, int v) {
    json_key(out, key);
    fputs(v ? "true" : "false", out);
}

static void json_categories(FILE *out, const char *key, const dd_category_count_t *list,
                            size_t total) {
    fprintf(out, ",\"%s\":[", key);
    for (size_t i = 0; i < total && i < DD_COMPARE_CATEGORIES_LISTED; i++) {
        fputs(i ? ",{\"name\":" : "{\"name\":", out);
        dd_json_write_string(out, list[i].name, strlen(list[i].name));
        fprintf(out, ",\"count\":%llu}", (unsigned long long)list[i].count);
    }
    fprintf(out, "],\"%s_total\":%zu", key, total);
}

static void json_stats(FILE *out, const dd_feature_result_t *f) {
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
        dd_json_write_number(out, f->ks_statistic);
        json_num(out, "p_value", f->ks_p_value);
        fputc('}', out);
    }
    if (f->stats & DD_STAT_WASSERSTEIN) {
        OPEN("wasserstein");
        fputs("\"distance\":", out);
        dd_json_write_number(out, f->wasserstein);
        json_num(out, "normed", f->wasserstein_normed);
        fputc('}', out);
    }
    if (f->stats & DD_STAT_PSI) {
        OPEN("psi");
        fputs("\"value\":", out);
        dd_json_write_number(out, f->psi);
        fputc('}', out);
    }
    if (f->stats & DD_STAT_JENSEN_SHANNON) {
        OPEN("jensen_shannon");
        fputs("\"distance\":", out);
        dd_json_write_number(out, f->jensen_shannon);
        fputc('}', out);
    }
    if (f->stats & DD_STAT_HELLINGER) {
        OPEN("hellinger");
        fputs("\"distance\":", out);
        dd_json_write_number(out, f->hellinger);
        fputc('}', out);
    }
    if (f->stats & DD_STAT_KL) {
        OPEN("kl");
        fputs("\"value\":", out);
        dd_json_write_number(out, f->kl);
        fputc('}', out);
    }
    if (f->stats & DD_STAT_TVD) {
        OPEN("total_variation");
        fputs("\"distance\":", out);
        dd_json_write_number(out, f->total_variation);
        fputc('}', out);
    }
    if (f->stats & DD_STAT_Z) {
        OPEN("z");
        fputs("\"statistic\":", out);
        dd_json_write_number(out, f->z_statistic);
        json_num(out, "p_value", f->z_p_value);
        fputc('}', out);
    }
    if (f->stats & DD_STAT_CHI2) {
        OPEN("chi2");
        fputs("\"statistic\":", out);
        dd_json_write_number(out, f->chi2_statistic);
        json_num(out, "p_value", f->chi2_p_value);
        fprintf(out, ",\"dof\":%u}", f->chi2_dof);
    }
    if (f->stats & DD_STAT_FISHER) {
        OPEN("fisher_exact");
        fputs("\"p_value\":", out);
        dd_json_write_number(out, f->fisher_p_value);
        fputc('}', out);
    }
#undef OPEN
    fputc('}', out);
}

/* The verdict's numbers: the deciding test, α, the effect against its floors, every test. */
static void json_verdict(FILE *out, const dd_verdict_t *v) {
    fputs(",\"verdict\":{\"test\":", out);
    if (v->test != NULL)
        dd_json_write_string(out, v->test, strlen(v->test));
    else
        fputs("null", out);
    json_num(out, "statistic", v->statistic);
    json_num(out, "p_value", v->p_value);
    json_num(out, "alpha", v->alpha);
    json_num(out, "p_min", v->p_min);
    json_u64(out, "tests", v->tests);
    fputs(",\"effect\":{\"name\":", out);
    if (v->effect_name != NULL)
        dd_json_write_string(out, v->effect_name, strlen(v->effect_name));
    else
        fputs("null", out);
    json_num(out, "value", v->effect);
    json_num(out, "conservative", v->effect_conservative);
    fputc('}', out);
    json_num(out, "warning_floor", v->warning_floor);
    json_num(out, "critical", v->critical);
    json_num(out, "noise_floor", v->noise_floor);
    json_u64(out, "n_reference", v->n_reference);
    json_u64(out, "n_current", v->n_current);
    fputs(",\"test_results\":[", out);
    const size_t listed = sizeof v->test_results / sizeof v->test_results[0];
    for (size_t i = 0; i < v->tests && i < listed; i++) {
        fputs(i ? ",{\"name\":" : "{\"name\":", out);
        const char *name = v->test_results[i].name ? v->test_results[i].name : "?";
        dd_json_write_string(out, name, strlen(name));
        json_num(out, "p_value", v->test_results[i].p_value);
        json_num(out, "statistic", v->test_results[i].statistic);
        fputc('}', out);
    }
    fputs("]}", out);
}

/* The quality conditions that apply to the column, keyed by name. */
static void json_quality(FILE *out, const dd_feature_result_t *f) {
    fputs(",\"quality\":{", out);
    int first = 1;
    for (int q = 0; q < DD_QUALITY_N; q++) {
        const dd_quality_result_t *c = &f->quality[q];
        if (!c->applies)
            continue;
        const dd_verdict_t *v = &c->verdict;
        fprintf(out, "%s\"%s\":{\"status\":", first ? "" : ",", dd_quality_name(q));
        first = 0;
        const char *status = v->status == DD_VERDICT_DRIFT    ? "drift"
                             : v->status == DD_VERDICT_STABLE ? "stable"
                                                              : "insufficient_data";
        dd_json_write_string(out, status, strlen(status));
        json_str(out, "severity", dd_severity_name(v->severity));
        json_num(out, "reference_rate", c->reference_rate);
        json_num(out, "current_rate", c->current_rate);
        json_num(out, "increase", v->effect);
        json_num(out, "p_value", v->p_value);
        json_num(out, "alpha", v->alpha);
        json_num(out, "warning_floor", v->warning_floor);
        json_num(out, "critical", v->critical);
        json_num(out, "noise_floor", v->noise_floor);
        json_str(out, "reason", v->reason);
        fputc('}', out);
    }
    fputc('}', out);
}

static void json_feature(FILE *out, const dd_feature_result_t *f) {
    fputs("{\"name\":", out);
    dd_json_write_string(out, f->name, strlen(f->name));
    json_str(out, "kind", kind_word(f->kind));
    json_str(out, "role", dd_column_role_name(f->role));
    json_str(out, "status", status_key(f));
    if (f->role != DD_ROLE_JUDGE) {
        json_str(out, "severity", dd_severity_name(DD_SEVERITY_NONE));
        json_str(out, "reason", skip_reason(f->role));
        json_bool(out, "drift", 0);
        fputc('}', out);
        return;
    }
    const dd_verdict_t *v = &f->verdict;
    json_str(out, "severity", dd_severity_name(v->severity));
    json_str(out, "reason", v->reason);
    json_u64(out, "n_reference", f->n_reference);
    json_u64(out, "n_current", f->n_current);
    json_num(out, "null_fraction_reference", f->null_fraction_reference);
    json_num(out, "null_fraction_current", f->null_fraction_current);
    json_stats(out, f);
    if (f->kind == DD_COLUMN_CATEGORICAL) {
        fprintf(out, ",\"categories\":{\"reference\":%llu,\"current\":%llu",
                (unsigned long long)f->categories_reference,
                (unsigned long long)f->categories_current);
        json_categories(out, "new", f->new_categories, f->n_new_categories);
        json_categories(out, "missing", f->missing_categories, f->n_missing_categories);
        fputc('}', out);
    }
    json_str(out, "method", effect_method(f));
    json_num(out, "threshold", f->threshold);
    json_num(out, "value", f->decided_by);
    json_bool(out, "drift", f->drift);
    if (f->note != NULL)
        json_str(out, "note", f->note);
    json_verdict(out, v);
    json_quality(out, f);
    fputc('}', out);
}

static const char *metric_status(const dd_metric_t *m) {
    switch (m->status) {
    case DD_METRIC_INSUFFICIENT:
        return "insufficient_data";
    case DD_METRIC_STABLE:
        return "stable";
    case DD_METRIC_DEGRADED:
        return "degraded";
    default:
        return "not_tested";
    }
}

static void json_performance(FILE *out, const dd_performance_result_t *p) {
    fputs(",\"performance\":{\"task\":", out);
    dd_json_write_string(out, dd_task_name(p->task), strlen(dd_task_name(p->task)));
    json_str(out, "target", p->target);
    json_str(out, "prediction", p->prediction);
    json_str(out, "score", p->score);
    json_str(out, "positive", p->positive[0] ? p->positive : NULL);
    if (p->task == DD_TASK_CLASSIFICATION)
        json_u64(out, "classes", p->classes);
    json_u64(out, "rows_reference", p->rows_reference);
    json_u64(out, "rows_current", p->rows_current);
    json_u64(out, "skipped_reference", p->skipped_reference);
    json_u64(out, "skipped_current", p->skipped_current);
    json_num(out, "false_alarm_rate", p->false_alarm_rate);
    json_num(out, "alpha", p->alpha);
    json_u64(out, "tested", p->tested);
    json_u64(out, "degraded", p->degraded);
    json_u64(out, "critical", p->critical);
    fputs(",\"metrics\":[", out);
    for (size_t i = 0; i < p->n_metrics; i++) {
        const dd_metric_t *m = &p->metrics[i];
        fputs(i > 0 ? ",{\"name\":" : "{\"name\":", out);
        dd_json_write_string(out, m->name, strlen(m->name));
        json_num(out, "reference", m->reference);
        json_num(out, "current", m->current);
        json_num(out, "change", m->change);
        json_bool(out, "higher_is_better", m->higher_is_better);
        json_bool(out, "tested", m->tested);
        json_str(out, "status", metric_status(m));
        json_str(out, "severity", m->status != DD_METRIC_DEGRADED ? "none"
                                  : m->critical                   ? "critical"
                                                                  : "warning");
        json_num(out, "p_value", m->p_value);
        json_num(out, "ci_low", m->ci_low);
        json_num(out, "ci_high", m->ci_high);
        json_str(out, "reason", m->reason);
        fputc('}', out);
    }
    fputs("]}", out);
}

static const char *pair_status(const dd_correlation_pair_t *p) {
    return p->status == DD_CORRELATION_CHANGED ? "changed"
           : p->status == DD_CORRELATION_STABLE ? "stable"
                                                : "insufficient_data";
}

static void json_matrix(FILE *out, const char *key, const double *m, size_t k) {
    fprintf(out, ",\"%s\":[", key);
    for (size_t i = 0; i < k; i++) {
        fputs(i ? ",[" : "[", out);
        for (size_t j = 0; j < k; j++) {
            if (j)
                fputc(',', out);
            dd_json_write_number(out, m[i * k + j]);
        }
        fputc(']', out);
    }
    fputc(']', out);
}

static void json_correlations(FILE *out, const dd_correlation_result_t *c) {
    fputs(",\"correlations\":{\"columns\":[", out);
    for (size_t i = 0; i < c->n_columns; i++) {
        if (i)
            fputc(',', out);
        dd_json_write_string(out, c->names[i], strlen(c->names[i]));
    }
    fputc(']', out);
    json_u64(out, "left_out", c->left_out);
    json_u64(out, "pairs", c->pairs);
    json_u64(out, "tested", c->tested);
    json_u64(out, "changed", c->changed);
    json_u64(out, "critical", c->critical);
    json_num(out, "false_alarm_rate", c->false_alarm_rate);
    json_num(out, "alpha", c->alpha);
    json_num(out, "warning_floor", DD_CORRELATION_WARNING);
    json_num(out, "critical_from", DD_CORRELATION_CRITICAL);
    fputs(",\"top\":[", out);
    for (size_t i = 0; i < c->n_top; i++) {
        const dd_correlation_pair_t *p = &c->top[i];
        fputs(i ? ",{\"a\":" : "{\"a\":", out);
        dd_json_write_string(out, c->names[p->a], strlen(c->names[p->a]));
        json_str(out, "b", c->names[p->b]);
        json_num(out, "reference", p->reference);
        json_num(out, "current", p->current);
        json_num(out, "change", p->change);
        json_u64(out, "n_reference", p->n_reference);
        json_u64(out, "n_current", p->n_current);
        json_num(out, "se_reference", p->se_reference);
        json_num(out, "se_current", p->se_current);
        json_num(out, "p_value", p->p_value);
        json_str(out, "status", pair_status(p));
        json_str(out, "severity", p->status != DD_CORRELATION_CHANGED ? "none"
                                  : p->critical                        ? "critical"
                                                                       : "warning");
        json_str(out, "reason", p->reason);
        fputc('}', out);
    }
    fputc(']', out);
    if (c->n_columns >= 2) {
        json_matrix(out, "reference_matrix", c->reference, c->n_columns);
        json_matrix(out, "current_matrix", c->current, c->n_columns);
    }
    fputc('}', out);
}

static const char *mv_status(const dd_multivariate_result_t *m) {
    return m->status == DD_MV_CHANGED  ? "changed"
           : m->status == DD_MV_STABLE ? "stable"
                                       : "insufficient_data";
}

static void json_multivariate(FILE *out, const dd_multivariate_result_t *m) {
    fputs(",\"multivariate\":{\"columns\":[", out);
    for (size_t i = 0; i < m->n_columns; i++) {
        if (i)
            fputc(',', out);
        dd_json_write_string(out, m->names[i], strlen(m->names[i]));
    }
    fputc(']', out);
    json_u64(out, "left_out", m->left_out);
    json_str(out, "status", mv_status(m));
    json_str(out, "severity", m->status != DD_MV_CHANGED ? "none"
                              : m->critical              ? "critical"
                                                         : "warning");
    json_u64(out, "columns_used", m->used);
    json_u64(out, "components", m->components);
    json_num(out, "explained_variance", m->explained);
    json_num(out, "variance_share", DD_MV_VARIANCE_SHARE);
    json_u64(out, "rows_reference", m->rows_reference);
    json_u64(out, "rows_current", m->rows_current);
    json_u64(out, "incomplete_reference", m->incomplete_reference);
    json_u64(out, "incomplete_current", m->incomplete_current);
    json_num(out, "error_reference", m->error_reference);
    json_num(out, "error_current", m->error_current);
    json_num(out, "ratio", m->ratio);
    json_num(out, "p_value", m->p_value);
    json_num(out, "false_alarm_rate", m->false_alarm_rate);
    json_num(out, "alpha", m->alpha);
    json_num(out, "warning_ratio", DD_MV_WARNING);
    json_num(out, "critical_ratio", DD_MV_CRITICAL);
    fputs(",\"fields\":[", out);
    for (size_t i = 0; i < m->n_fields; i++) {
        const dd_mv_field_t *f = &m->fields[i];
        fputs(i ? ",{\"name\":" : "{\"name\":", out);
        dd_json_write_string(out, m->names[f->index], strlen(m->names[f->index]));
        json_num(out, "reference", f->reference);
        json_num(out, "current", f->current);
        fputc('}', out);
    }
    fputs("],\"components_left_out\":[", out);
    for (size_t i = 0; i < m->n_left; i++) {
        const dd_mv_component_t *c = &m->left[i];
        fprintf(out, "%s{\"rank\":%zu", i ? "," : "", c->rank);
        json_num(out, "reference", c->reference);
        json_num(out, "current", c->current);
        fputs(",\"loadings\":[", out);
        for (int t = 0; t < 2 && c->top[t] < m->n_columns; t++) {
            fputs(t ? ",{\"name\":" : "{\"name\":", out);
            dd_json_write_string(out, m->names[c->top[t]], strlen(m->names[c->top[t]]));
            json_num(out, "loading", c->loading[t]);
            fputc('}', out);
        }
        fputs("]}", out);
    }
    fputc(']', out);
    json_str(out, "reason", m->reason);
    fputc('}', out);
}

void cmd_compare_write_json(FILE *out, const char *ref_path, size_t ref_rows, const char *cur_path,
                       size_t cur_rows, const dd_compare_result_t *r,
                       const dd_performance_result_t *perf, const dd_correlation_result_t *corr,
                       const dd_multivariate_result_t *mv) {
    fprintf(out, "{\"version\":%d,\"reference\":{\"path\":", JSON_REPORT_VERSION);
    dd_json_write_string(out, ref_path, strlen(ref_path));
    fprintf(out, ",\"rows\":%zu},\"current\":{\"path\":", ref_rows);
    dd_json_write_string(out, cur_path, strlen(cur_path));
    fprintf(out, ",\"rows\":%zu},\"features\":[", cur_rows);
    for (size_t i = 0; i < r->n_features; i++) {
        if (i > 0)
            fputc(',', out);
        json_feature(out, &r->features[i]);
    }
    fprintf(out, "],\"dataset\":{\"drifted_features\":%zu", r->drifted);
    json_u64(out, "total_features", r->n_features);
    json_u64(out, "judged", r->judged);
    json_u64(out, "insufficient", r->insufficient);
    json_u64(out, "skipped", r->skipped);
    json_num(out, "drift_share", r->drift_share);
    json_num(out, "drift_share_threshold", r->drift_share_threshold);
    json_bool(out, "drift", r->drift);
    json_u64(out, "quality_warnings", r->quality_warnings);
    json_u64(out, "quality_critical", r->quality_critical);
    json_num(out, "false_alarm_rate", r->false_alarm_rate);
    json_num(out, "alpha", r->alpha);
    fputc('}', out);
    if (perf != NULL)
        json_performance(out, perf);
    if (corr != NULL)
        json_correlations(out, corr);
    if (mv != NULL)
        json_multivariate(out, mv);
    fputs("}\n", out);
}

/* ---- table (the default format) ---- */

enum { TABLE_WIDTH = 100, REASON_INDENT = 4 };

/* A token of a reason that reads with both its neighbours ("=", "<", ">=", "->"). */
static int is_operator(const char *w, size_t len) {
    for (size_t i = 0; i < len; i++)
        if (strchr("=<>!-", w[i]) == NULL)
            return 0;
    return len > 0;
}

/* Writes text from column `at` on, wrapped at spaces before TABLE_WIDTH, never next to an
 * operator ("m = 40" stays on one line); continuation lines are indented by `indent`. Ends with
 * a newline. */
static void wrap(FILE *out, const char *text, size_t at, size_t indent) {
    size_t col = at;
    const char *p = text;
    int first = 1;
    while (*p != '\0') {
        /* One chunk: a word, and every "operator word" pair that follows it. */
        const char *chunk = p;
        for (;;) {
            while (*p != '\0' && *p != ' ')
                p++;
            const char *next = p;
            while (*next == ' ')
                next++;
            const char *end = next;
            while (*end != '\0' && *end != ' ')
                end++;
            if (*next == '\0' || !is_operator(next, (size_t)(end - next)))
                break;
            p = end; /* the operator; the loop takes the word after it */
            while (*p == ' ')
                p++;
        }
        const size_t len = (size_t)(p - chunk);
        if (!first && col + 1 + len > TABLE_WIDTH) {
            fprintf(out, "\n%*s", (int)indent, "");
            col = indent;
        } else if (!first) {
            fputc(' ', out);
            col++;
        }
        fwrite(chunk, 1, len, out);
        col += len;
        first = 0;
        while (*p == ' ')
            p++;
    }
    fputc('\n', out);
}

/* A share for people: "0%", "5%", "0.25%", "<0.01%". */
static const char *percent(char *buf, size_t size, double share) {
    if (!isfinite(share))
        snprintf(buf, size, "-");
    else if (share > 0 && share < 1e-4)
        snprintf(buf, size, "<0.01%%");
    else
        snprintf(buf, size, "%.3g%%", 100.0 * share);
    return buf;
}

static const char *number(char *buf, size_t size, double v) {
    if (isnan(v))
        snprintf(buf, size, "-");
    else
        snprintf(buf, size, "%.3g", v);
    return buf;
}

/* Text from the data for a terminal: at most max_bytes bytes (0 = all) with control characters
 * as '?', so a column name cannot move the cursor or recolour the screen. */
static void plain_text(FILE *out, const char *s, size_t max_bytes) {
    for (size_t i = 0; s[i] != '\0' && (max_bytes == 0 || i < max_bytes); i++)
        fputc((unsigned char)s[i] < 0x20 || s[i] == 0x7F ? '?' : s[i], out);
}

/* The performance section of the table: one line per metric, the reason of each tested one. */
static void table_performance(FILE *out, const dd_performance_result_t *p, const char *red,
                              const char *yellow, const char *green, const char *dim,
                              const char *reset) {
    fprintf(out, "\nperformance (%s; target ", dd_task_name(p->task));
    plain_text(out, p->target, 64);
    fputs(", prediction ", out);
    plain_text(out, p->prediction, 64);
    if (p->score != NULL) {
        fputs(", score ", out);
        plain_text(out, p->score, 64);
    }
    if (p->positive[0] != '\0') {
        fputs(", positive class ", out);
        plain_text(out, p->positive, 64);
    }
    fprintf(out, "): %llu and %llu rows", (unsigned long long)p->rows_reference,
            (unsigned long long)p->rows_current);
    if (p->skipped_reference + p->skipped_current > 0)
        fprintf(out, " (%llu and %llu without every column, left out)",
                (unsigned long long)p->skipped_reference, (unsigned long long)p->skipped_current);
    fprintf(out, "\n%-14s  %-10s  %-10s  %-10s  %-18s  %s\n", "metric", "reference", "current",
            "change", "status", "p-value");
    for (size_t i = 0; i < p->n_metrics; i++) {
        const dd_metric_t *m = &p->metrics[i];
        char a[32], b[32], c[32], pv[32], status[32];
        snprintf(status, sizeof status, "%s",
                 m->status == DD_METRIC_DEGRADED ? (m->critical ? "DEGRADED critical" : "degraded")
                 : m->status == DD_METRIC_STABLE       ? "stable"
                 : m->status == DD_METRIC_INSUFFICIENT ? "insufficient data"
                                                       : "-");
        const char *tint = m->status == DD_METRIC_DEGRADED ? (m->critical ? red : yellow)
                           : m->status == DD_METRIC_STABLE ? green
                                                           : dim;
        fprintf(out, "%-14s  %-10s  %-10s  %-10s  %s%-18s%s  %s\n", m->name,
                number(a, sizeof a, m->reference), number(b, sizeof b, m->current),
                number(c, sizeof c, m->change), tint, status, reset,
                number(pv, sizeof pv, m->p_value));
        if (m->tested) {
            fprintf(out, "%*s", REASON_INDENT, "");
            wrap(out, m->reason, REASON_INDENT, REASON_INDENT + 2);
        }
    }
    fprintf(out, "%s%zu of %zu tested metrics degraded (%zu critical)%s; alpha = %.3g per metric "
                 "(false-alarm rate %.3g over the %zu tested)\n",
            p->critical ? red : p->degraded ? yellow : green, p->degraded, p->tested, p->critical,
            reset, p->alpha, p->false_alarm_rate, p->tested);
}

/* The correlations section: the changed pairs with their reasons, or the largest change. */
static void table_correlations(FILE *out, const dd_correlation_result_t *c, const char *red,
                               const char *yellow, const char *green, const char *reset) {
    if (c->n_columns < 2)
        return;
    fprintf(out, "\ncorrelations of %zu numeric columns (%zu pair%s, %zu tested%s): ", c->n_columns,
            c->pairs, c->pairs == 1 ? "" : "s", c->tested,
            c->left_out ? ", more columns left out" : "");
    if (c->tested == 0) {
        fputs("none could be tested (fewer than 50 rows hold both, or a column is constant)\n",
              out);
        return;
    }
    if (c->changed == 0) {
        fprintf(out, "%sno pair changed%s", green, reset);
        if (c->n_top > 0 && !isnan(c->top[0].change)) {
            fputs(" (largest change ", out);
            plain_text(out, c->names[c->top[0].a], 32);
            fputs(" ~ ", out);
            plain_text(out, c->names[c->top[0].b], 32);
            fprintf(out, " %+.3f)", c->top[0].change);
        }
        fputc('\n', out);
    } else {
        fprintf(out, "%s%zu pair%s changed (%zu critical)%s\n", c->critical ? red : yellow,
                c->changed, c->changed == 1 ? "" : "s", c->critical, reset);
        for (size_t i = 0; i < c->n_top && c->top[i].status == DD_CORRELATION_CHANGED; i++) {
            const dd_correlation_pair_t *p = &c->top[i];
            fprintf(out, "%*s%s!%s ", REASON_INDENT, "", p->critical ? red : yellow, reset);
            char line[sizeof p->reason];
            /* the reason names the columns as given; control characters made visible */
            size_t n = 0;
            for (; p->reason[n] != '\0' && n + 1 < sizeof line; n++)
                line[n] = (unsigned char)p->reason[n] < 0x20 || p->reason[n] == 0x7F ? '?'
                                                                                  : p->reason[n];
            line[n] = '\0';
            wrap(out, line, REASON_INDENT + 2, REASON_INDENT + 2);
        }
    }
    fprintf(out, "alpha = %.3g per pair (false-alarm rate %.3g over the pairs tested); a change "
                 "matters from %.1f, critical from %.1f\n",
            c->alpha, c->false_alarm_rate, DD_CORRELATION_WARNING, DD_CORRELATION_CRITICAL);
}

/* The multivariate section: the verdict and its reason, and what moved most when it changed. */
static void table_multivariate(FILE *out, const dd_multivariate_result_t *m, const char *red,
                               const char *yellow, const char *green, const char *reset) {
    if (m->n_columns < 2)
        return;
    fprintf(out, "\nmultivariate, %zu numeric columns%s: ", m->n_columns,
            m->left_out ? " (more left out)" : "");
    const char *tint = m->status != DD_MV_CHANGED ? (m->status == DD_MV_STABLE ? green : "")
                       : m->critical              ? red
                                                  : yellow;
    fprintf(out, "%s%s%s\n", tint,
            m->status == DD_MV_CHANGED  ? (m->critical ? "changed (critical)" : "changed")
            : m->status == DD_MV_STABLE ? "stable"
                                        : "insufficient data",
            m->status == DD_MV_STABLE || m->status == DD_MV_CHANGED ? reset : "");
    char line[sizeof m->reason];
    size_t n = 0;
    for (; m->reason[n] != '\0' && n + 1 < sizeof line; n++)
        line[n] = (unsigned char)m->reason[n] < 0x20 || m->reason[n] == 0x7F ? '?' : m->reason[n];
    line[n] = '\0';
    fprintf(out, "%*s", REASON_INDENT, "");
    wrap(out, line, REASON_INDENT, REASON_INDENT + 2);
    if (m->status != DD_MV_CHANGED)
        return;
    for (size_t i = 0; i < m->n_left && i < 3; i++) {
        const dd_mv_component_t *c = &m->left[i];
        fprintf(out, "%*scomponent %zu: variance %.3g -> %.3g (", REASON_INDENT + 2, "", c->rank,
                c->reference, c->current);
        for (int t = 0; t < 2 && c->top[t] < m->n_columns; t++) {
            fprintf(out, "%s%+.2f ", t ? ", " : "", c->loading[t]);
            plain_text(out, m->names[c->top[t]], 32);
        }
        fputs(")\n", out);
    }
}

void cmd_compare_write_table(FILE *out, int colour, const char *ref_path, size_t ref_rows,
                        const char *cur_path, size_t cur_rows, const dd_compare_result_t *r,
                        const dd_performance_result_t *perf, const dd_correlation_result_t *corr,
                        const dd_multivariate_result_t *mv) {
    const char *red = colour ? "\033[1;31m" : "", *yellow = colour ? "\033[33m" : "";
    const char *green = colour ? "\033[32m" : "", *dim = colour ? "\033[2m" : "";
    const char *reset = colour ? "\033[0m" : "";
    size_t width = 7;
    for (size_t i = 0; i < r->n_features; i++) {
        const size_t w = strlen(r->features[i].name);
        width = w > width ? (w > 32 ? 32 : w) : width;
    }
    fputs("reference ", out);
    plain_text(out, ref_path, 0);
    fprintf(out, " (%zu row%s)\ncurrent   ", ref_rows, ref_rows == 1 ? "" : "s");
    plain_text(out, cur_path, 0);
    fprintf(out, " (%zu row%s)\n\n", cur_rows, cur_rows == 1 ? "" : "s");
    fprintf(out, "%-*s  %-11s  %-18s  %-26s  %-8s  %s\n", (int)width, "feature", "kind", "status",
            "effect", "test", "p-value");
    for (size_t i = 0; i < r->n_features; i++) {
        const dd_feature_result_t *f = &r->features[i];
        const dd_verdict_t *v = &f->verdict;
        char status[32], effect[64], p[32], a[32], b[32];
        const char *tint = dim;
        if (f->role != DD_ROLE_JUDGE) {
            snprintf(status, sizeof status, "skipped (%s)", dd_column_role_name(f->role));
            snprintf(effect, sizeof effect, "-");
            snprintf(p, sizeof p, "-");
        } else {
            snprintf(status, sizeof status, "%s", verdict_words(v));
            if (v->effect_name != NULL && !isnan(v->effect))
                snprintf(effect, sizeof effect, "%s %s", v->effect_name,
                         number(a, sizeof a, v->effect));
            else
                snprintf(effect, sizeof effect, "-");
            if (v->test != NULL)
                number(p, sizeof p, v->p_value);
            else
                snprintf(p, sizeof p, "-");
            tint = v->status == DD_VERDICT_DRIFT
                       ? (v->severity == DD_SEVERITY_CRITICAL ? red : yellow)
                   : v->status == DD_VERDICT_STABLE ? green
                                                    : dim;
        }
        const size_t name_len = strlen(f->name) < width ? strlen(f->name) : width;
        plain_text(out, f->name, name_len);
        fprintf(out, "%*s  %-11s  %s%-18s%s  %-26s  %-8s  %s", (int)(width - name_len), "",
                kind_word(f->kind), tint, status, reset, effect,
                f->role == DD_ROLE_JUDGE && v->test != NULL ? v->test : "-", p);
        if (f->n_new_categories > 0)
            fprintf(out, "  (%zu new categor%s)", f->n_new_categories,
                    f->n_new_categories == 1 ? "y" : "ies");
        fputc('\n', out);
        /* The reason, then each quality condition that was raised, with its own. */
        fprintf(out, "%*s", REASON_INDENT, "");
        wrap(out, f->role != DD_ROLE_JUDGE ? skip_reason(f->role) : v->reason, REASON_INDENT,
             REASON_INDENT + 2);
        for (int q = 0; q < DD_QUALITY_N; q++) {
            const dd_quality_result_t *c = &f->quality[q];
            if (!c->applies || c->verdict.status != DD_VERDICT_DRIFT)
                continue;
            char line[DD_VERDICT_REASON_BYTES + 128];
            snprintf(line, sizeof line, "%s %s -> %s: %s", dd_quality_name(q),
                     percent(a, sizeof a, c->reference_rate),
                     percent(b, sizeof b, c->current_rate), c->verdict.reason);
            fprintf(out, "%*s%s!%s ", REASON_INDENT, "",
                    c->verdict.severity == DD_SEVERITY_CRITICAL ? red : yellow, reset);
            wrap(out, line, REASON_INDENT + 2, REASON_INDENT + 2);
        }
    }
    fprintf(out, "\n%s%zu of %zu judged features drifted (%.0f%%; the dataset drifts from %.0f%%): "
                 "%s%s\n",
            r->drift ? red : green, r->drifted, r->judged, 100.0 * r->drift_share,
            100.0 * r->drift_share_threshold, r->drift ? "dataset drift" : "no dataset drift",
            reset);
    fprintf(out, "%zu with insufficient data, %zu skipped; quality conditions raised: %s%zu "
                 "warning%s, %zu critical%s\n",
            r->insufficient, r->skipped, r->quality_critical ? red : "", r->quality_warnings,
            r->quality_warnings == 1 ? "" : "s", r->quality_critical,
            r->quality_critical ? reset : "");
    fprintf(out, "false-alarm rate %.3g per comparison, alpha = %.3g per test\n",
            r->false_alarm_rate, r->alpha);
    if (corr != NULL)
        table_correlations(out, corr, red, yellow, green, reset);
    if (mv != NULL)
        table_multivariate(out, mv, red, yellow, green, reset);
    if (perf != NULL)
        table_performance(out, perf, red, yellow, green, dim, reset);
}
