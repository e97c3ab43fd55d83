/* performance.c — a model's performance in the reference and current datasets, and a test of
 * its degradation (performance.h; docs/performance.md).
 *
 * Every metric is computed from the rows that hold each named column, exactly (the files are in
 * memory): the same definitions as scikit-learn's functions, which tests/oracle/test_performance.py
 * checks. The tested metrics are means of a per-row loss (accuracy: 1 when right; log loss;
 * Brier: (p − y)²; MAE: |e|; MSE: e², for RMSE by the delta method) or ROC AUC (the Mann–Whitney
 * statistic, with DeLong's variance from the placement values): their change between two
 * independent samples is normal in the limit with the variance Var_ref/n_ref + Var_cur/n_cur. */
#include "performance.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dd_base.h"
#include "sketches.h"
#include "verdict.h"

#define FAIL(...) (snprintf(errstr, errstr_size, __VA_ARGS__), -1)

enum { CLASSES_MAX = 4096, ECE_BINS = 10, AUC_CLASS_MIN = 10 };

const char *dd_task_name(dd_task_t t) {
    return t == DD_TASK_CLASSIFICATION ? "classification"
           : t == DD_TASK_REGRESSION   ? "regression"
                                       : "auto";
}

/* One file's columns and the rows that hold each of them. */
typedef struct side {
    const dd_dataset_t *d;
    const char *which; /* "reference" or "current" */
    long target, prediction, score;
    size_t *rows;
    size_t n;
    uint64_t skipped;
} side_t;

static int is_null(const uint8_t *nulls, size_t row) {
    return nulls != NULL && (nulls[row >> 3] >> (row & 7) & 1) != 0;
}

/* A label as a 64-bit key: a category's hash, or a number's bits (−0 as 0). */
static uint64_t label_key(const dd_dataset_t *d, long col, size_t row) {
    const double *x = dd_dataset_numbers(d, (size_t)col);
    if (x == NULL)
        return dd_dataset_hashes(d, (size_t)col)[row];
    double v = x[row] == 0 ? 0.0 : x[row];
    uint64_t k;
    memcpy(&k, &v, sizeof k);
    return k;
}

static int find_columns(side_t *s, const dd_performance_options_t *opt, char *errstr,
                        size_t errstr_size) {
    s->target = dd_dataset_find_column(s->d, opt->target);
    s->prediction = dd_dataset_find_column(s->d, opt->prediction);
    s->score = opt->score != NULL ? dd_dataset_find_column(s->d, opt->score) : -1;
    if (s->target < 0)
        return FAIL("--target: the %s file has no column '%s'", s->which, opt->target);
    if (s->prediction < 0)
        return FAIL("--prediction: the %s file has no column '%s'", s->which, opt->prediction);
    if (opt->score != NULL && s->score < 0)
        return FAIL("--score: the %s file has no column '%s'", s->which, opt->score);
    if (opt->score != NULL && dd_dataset_numbers(s->d, (size_t)s->score) == NULL)
        return FAIL("--score: column '%s' of the %s file is not numeric (a probability of the "
                    "positive class is)", opt->score, s->which);
    if ((dd_dataset_numbers(s->d, (size_t)s->target) == NULL) !=
        (dd_dataset_numbers(s->d, (size_t)s->prediction) == NULL))
        return FAIL("--target '%s' and --prediction '%s' are of different kinds in the %s file "
                    "(one numeric, one categorical)", opt->target, opt->prediction, s->which);
    const size_t rows = dd_dataset_rows(s->d);
    s->rows = malloc((rows ? rows : 1) * sizeof(*s->rows));
    if (s->rows == NULL)
        return FAIL("out of memory");
    const uint8_t *nt = dd_dataset_nulls(s->d, (size_t)s->target);
    const uint8_t *np = dd_dataset_nulls(s->d, (size_t)s->prediction);
    const uint8_t *ns = s->score >= 0 ? dd_dataset_nulls(s->d, (size_t)s->score) : NULL;
    const double *sc = s->score >= 0 ? dd_dataset_numbers(s->d, (size_t)s->score) : NULL;
    const double *tx = dd_dataset_numbers(s->d, (size_t)s->target);
    const double *px = dd_dataset_numbers(s->d, (size_t)s->prediction);
    for (size_t r = 0; r < rows; r++) {
        if (is_null(nt, r) || is_null(np, r) || is_null(ns, r) ||
            (tx != NULL && (!isfinite(tx[r]) || !isfinite(px[r])))) {
            s->skipped++;
            continue;
        }
        if (sc != NULL && !(sc[r] >= 0.0 && sc[r] <= 1.0))
            return FAIL("--score: column '%s' of the %s file holds %g in data row %zu: a score "
                        "is a probability in [0, 1]", opt->score, s->which, sc[r], r + 1);
        s->rows[s->n++] = r;
    }
    if (s->n == 0)
        return FAIL("the %s file has no row with %s%s%s%s%s set", s->which, opt->target,
                    opt->score ? ", " : " and ", opt->prediction, opt->score ? " and " : "",
                    opt->score ? opt->score : "");
    return 0;
}

/* ---- the change and its test ---------------------------------------------------------------- */

/* Mean and sample variance of a per-row loss. */
typedef struct moments {
    double mean, var;
    uint64_t n;
} moments_t;

static moments_t moments_of(const double *v, size_t n) {
    moments_t m = {0.0, 0.0, n};
    if (n == 0) {
        m.mean = m.var = NAN;
        return m;
    }
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += v[i];
    m.mean = s / (double)n;
    double ss = 0.0;
    for (size_t i = 0; i < n; i++)
        ss += (v[i] - m.mean) * (v[i] - m.mean);
    m.var = n > 1 ? ss / (double)(n - 1) : 0.0;
    return m;
}

static double one_sided_p(double z_bad) {
    if (isnan(z_bad))
        return 1.0;
    const double half = 0.5 * dd_pvalue_normal_two_sided(z_bad);
    return z_bad > 0 ? half : 1.0 - half;
}

static void format_value(char *buf, size_t size, double v) {
    if (isnan(v))
        snprintf(buf, size, "undefined");
    else
        snprintf(buf, size, "%.4g", v);
}

/* Judges metric m whose change has standard error se (NaN: could not be tested), with enough
 * rows or not. */
static void judge_change(dd_metric_t *m, double se, int enough, uint64_t n_ref, uint64_t n_cur,
                         double alpha) {
    m->change = m->current - m->reference;
    m->p_value = m->ci_low = m->ci_high = NAN;
    char a[32], b[32], d[32];
    format_value(a, sizeof a, m->reference);
    format_value(b, sizeof b, m->current);
    format_value(d, sizeof d, m->change);
    if (!m->tested) {
        m->status = DD_METRIC_NOT_TESTED;
        snprintf(m->reason, sizeof m->reason, "%s %s -> %s (%s); reported, not tested", m->name, a,
                 b, d);
        return;
    }
    if (!enough || isnan(se) || isnan(m->change)) {
        m->status = DD_METRIC_INSUFFICIENT;
        snprintf(m->reason, sizeof m->reason,
                 "%s %s -> %s: too few rows to test (%llu and %llu; a test needs %d in each%s)",
                 m->name, a, b, (unsigned long long)n_ref, (unsigned long long)n_cur,
                 DD_PERFORMANCE_MIN_ROWS,
                 strcmp(m->name, "roc_auc") == 0 ? ", with 10 of each class" : "");
        return;
    }
    const double bad = m->higher_is_better ? -m->change : m->change;
    const double z = se > 0 ? bad / se : (bad > 0 ? INFINITY : bad < 0 ? -INFINITY : 0.0);
    m->p_value = se > 0 || bad != 0 ? one_sided_p(z) : 1.0;
    const double q = dd_quantile_normal_upper(alpha);
    m->ci_low = m->change - q * se;
    m->ci_high = m->change + q * se;
    char pv[32], lo[32], hi[32];
    snprintf(pv, sizeof pv, "%.2g", m->p_value);
    format_value(lo, sizeof lo, m->ci_low);
    format_value(hi, sizeof hi, m->ci_high);
    if (m->p_value < alpha) {
        m->status = DD_METRIC_DEGRADED;
        m->critical = fabs(m->change) >= DD_PERFORMANCE_CRITICAL_CHANGE * fabs(m->reference);
        snprintf(m->reason, sizeof m->reason,
                 "%s %s -> %s (%s, interval %s to %s): p = %s < alpha %.2g: degraded%s", m->name,
                 a, b, d, lo, hi, pv, alpha,
                 m->critical ? " (critical: 5% or more of the reference)" : "");
    } else {
        m->status = DD_METRIC_STABLE;
        snprintf(m->reason, sizeof m->reason,
                 "%s %s -> %s (%s, interval %s to %s): p = %s >= alpha %.2g: no significant "
                 "degradation", m->name, a, b, d, lo, hi, pv, alpha);
    }
}

static dd_metric_t *add_metric(dd_performance_result_t *r, const char *name, int higher_is_better,
                               int tested) {
    dd_metric_t *m = &r->metrics[r->n_metrics++];
    memset(m, 0, sizeof *m);
    m->name = name;
    m->higher_is_better = higher_is_better;
    m->tested = tested;
    m->reference = m->current = NAN;
    return m;
}

/* ---- classification ------------------------------------------------------------------------- */

/* A small open-addressing set of label keys (CLASSES_MAX at most). */
typedef struct label_set {
    uint64_t keys[2 * CLASSES_MAX];
    uint8_t used[2 * CLASSES_MAX];
    size_t n;
} label_set_t;

/* Index of key in the set, added if new; −1 when full. */
static long label_index(label_set_t *s, uint64_t key, uint32_t *order, size_t *n_order) {
    size_t i = (size_t)(dd_mix64(key) & (2 * CLASSES_MAX - 1));
    while (s->used[i]) {
        if (s->keys[i] == key)
            return (long)i;
        i = (i + 1) & (2 * CLASSES_MAX - 1);
    }
    if (s->n == CLASSES_MAX)
        return -1;
    s->used[i] = 1;
    s->keys[i] = key;
    s->n++;
    if (order != NULL)
        order[(*n_order)++] = (uint32_t)i;
    return (long)i;
}

/* Per-file confusion counts by label slot: tp (predicted and true), predicted, actual. */
typedef struct counts {
    uint64_t *tp, *pred, *actual;
} counts_t;

static double macro_f1(const counts_t *c, const uint32_t *slots, size_t n_slots) {
    /* scikit-learn's labels: those present in this file's targets or predictions */
    double sum = 0.0;
    size_t k = 0;
    for (size_t i = 0; i < n_slots; i++) {
        const uint32_t s = slots[i];
        if (c->pred[s] == 0 && c->actual[s] == 0)
            continue;
        const double denom = (double)(c->pred[s] + c->actual[s]);
        sum += denom > 0 ? 2.0 * (double)c->tp[s] / denom : 0.0;
        k++;
    }
    return k ? sum / (double)k : NAN;
}

typedef struct scored {
    double score;
    int positive;
} scored_t;

static int cmp_scored(const void *a, const void *b) {
    const double x = ((const scored_t *)a)->score, y = ((const scored_t *)b)->score;
    return (x > y) - (x < y);
}

/* ROC AUC (ties count a half) and DeLong's variance of it, from one sort: within a group of equal
 * scores holding a positives and b negatives, a positive's placement among the negatives is the
 * negatives below plus b/2, a negative's among the positives the positives above plus a/2. */
static void auc_delong(scored_t *v, size_t n, double *auc, double *var, uint64_t *n_pos,
                       uint64_t *n_neg) {
    qsort(v, n, sizeof *v, cmp_scored);
    uint64_t pos = 0, neg = 0;
    for (size_t i = 0; i < n; i++)
        pos += (uint64_t)v[i].positive;
    neg = n - pos;
    *n_pos = pos;
    *n_neg = neg;
    *auc = *var = NAN;
    if (pos == 0 || neg == 0)
        return;
    /* first pass: AUC = mean positive placement; second: the placements' variances */
    double sum10 = 0.0, sum01 = 0.0, ss10 = 0.0, ss01 = 0.0;
    for (int pass = 0; pass < 2; pass++) {
        const double mean10 = sum10 / (double)pos, mean01 = sum01 / (double)neg;
        uint64_t neg_below = 0, pos_below = 0;
        for (size_t i = 0; i < n;) {
            size_t j = i;
            uint64_t a = 0, b = 0;
            while (j < n && v[j].score == v[i].score) {
                a += (uint64_t)v[j].positive;
                b += (uint64_t)!v[j].positive;
                j++;
            }
            const double v10 = ((double)neg_below + 0.5 * (double)b) / (double)neg;
            const double v01 = ((double)(pos - pos_below - a) + 0.5 * (double)a) / (double)pos;
            if (pass == 0) {
                sum10 += (double)a * v10;
                sum01 += (double)b * v01;
            } else {
                ss10 += (double)a * (v10 - mean10) * (v10 - mean10);
                ss01 += (double)b * (v01 - mean01) * (v01 - mean01);
            }
            neg_below += b;
            pos_below += a;
            i = j;
        }
    }
    *auc = sum10 / (double)pos;
    const double s10 = pos > 1 ? ss10 / (double)(pos - 1) : 0.0;
    const double s01 = neg > 1 ? ss01 / (double)(neg - 1) : 0.0;
    *var = s10 / (double)pos + s01 / (double)neg;
}

typedef struct class_side {
    double accuracy, precision, recall, f1, macro_f1;
    moments_t correct, log_loss, brier;
    double auc, auc_var, ece;
    uint64_t n_pos, n_neg;
} class_side_t;

static int classify_side(const side_t *s, int has_positive, uint64_t positive, class_side_t *out,
                         char *errstr, size_t errstr_size) {
    const size_t n = s->n;
    double *loss = malloc(n * sizeof(double));
    label_set_t *set = calloc(1, sizeof(*set));
    counts_t c = {calloc(2 * CLASSES_MAX, sizeof(uint64_t)), calloc(2 * CLASSES_MAX, sizeof(uint64_t)),
                  calloc(2 * CLASSES_MAX, sizeof(uint64_t))};
    uint32_t *order = malloc(2 * CLASSES_MAX * sizeof(uint32_t));
    scored_t *sv = s->score >= 0 ? malloc(n * sizeof(scored_t)) : NULL;
    int rc = 0;
    if (loss == NULL || set == NULL || c.tp == NULL || c.pred == NULL || c.actual == NULL ||
        order == NULL || (s->score >= 0 && sv == NULL)) {
        rc = FAIL("out of memory");
        goto done;
    }
    size_t n_order = 0;
    uint64_t tp = 0, fp = 0, fn = 0;
    for (size_t i = 0; i < n; i++) {
        const size_t r = s->rows[i];
        const uint64_t t = label_key(s->d, s->target, r), p = label_key(s->d, s->prediction, r);
        const long ti = label_index(set, t, order, &n_order), pi = label_index(set, p, order, &n_order);
        if (ti < 0 || pi < 0) {
            rc = FAIL("--target: more than %d classes in the %s file: not a classification "
                      "problem (--task regression, for numbers)", CLASSES_MAX, s->which);
            goto done;
        }
        loss[i] = t == p ? 1.0 : 0.0;
        c.actual[ti]++;
        c.pred[pi]++;
        c.tp[ti] += t == p;
        if (has_positive) {
            tp += t == positive && p == positive;
            fp += t != positive && p == positive;
            fn += t == positive && p != positive;
        }
    }
    out->correct = moments_of(loss, n);
    out->accuracy = out->correct.mean;
    out->macro_f1 = macro_f1(&c, order, n_order);
    out->precision = tp + fp ? (double)tp / (double)(tp + fp) : 0.0;
    out->recall = tp + fn ? (double)tp / (double)(tp + fn) : 0.0;
    out->f1 = 2 * tp + fp + fn ? 2.0 * (double)tp / (double)(2 * tp + fp + fn) : 0.0;
    out->auc = out->auc_var = out->ece = NAN;
    out->log_loss.mean = out->brier.mean = NAN;
    if (sv != NULL) {
        const double *score = dd_dataset_numbers(s->d, (size_t)s->score);
        const double eps = DBL_EPSILON; /* scikit-learn clips to [eps, 1 − eps] */
        double bin_n[ECE_BINS] = {0}, bin_y[ECE_BINS] = {0}, bin_p[ECE_BINS] = {0};
        for (size_t i = 0; i < n; i++) {
            const size_t r = s->rows[i];
            const int y = label_key(s->d, s->target, r) == positive;
            const double p = score[r];
            sv[i] = (scored_t){p, y};
            const double pc = p < eps ? eps : p > 1.0 - eps ? 1.0 - eps : p;
            loss[i] = y ? -log(pc) : -log(1.0 - pc);
            int b = (int)(p * ECE_BINS);
            b = b >= ECE_BINS ? ECE_BINS - 1 : b;
            bin_n[b] += 1.0;
            bin_y[b] += y;
            bin_p[b] += p;
        }
        out->log_loss = moments_of(loss, n);
        for (size_t i = 0; i < n; i++) {
            const double e = sv[i].score - (double)sv[i].positive;
            loss[i] = e * e;
        }
        out->brier = moments_of(loss, n);
        double ece = 0.0;
        for (int b = 0; b < ECE_BINS; b++)
            if (bin_n[b] > 0)
                ece += bin_n[b] / (double)n * fabs(bin_y[b] / bin_n[b] - bin_p[b] / bin_n[b]);
        out->ece = ece;
        auc_delong(sv, n, &out->auc, &out->auc_var, &out->n_pos, &out->n_neg);
    }
done:
    free(loss);
    free(set);
    free(c.tp);
    free(c.pred);
    free(c.actual);
    free(order);
    free(sv);
    return rc;
}

/* The positive class's key: --positive, else 1 (numbers) or true (booleans), else none. */
static int positive_key(const side_t *ref, const dd_performance_options_t *opt, uint64_t *key,
                        char *spelled, size_t spelled_size, char *errstr, size_t errstr_size) {
    const int numeric = dd_dataset_numbers(ref->d, (size_t)ref->target) != NULL;
    if (opt->positive != NULL) {
        if (numeric) {
            char *end = NULL;
            double v = strtod(opt->positive, &end);
            if (end == opt->positive || *end != '\0' || !isfinite(v))
                return FAIL("--positive '%s': the target '%s' is numeric, so the positive class "
                            "is a number", opt->positive, opt->target);
            v = v == 0 ? 0.0 : v;
            memcpy(key, &v, sizeof *key);
        } else {
            *key = dd_codec_hash(opt->positive, strlen(opt->positive));
        }
        snprintf(spelled, spelled_size, "%s", opt->positive);
        return 1;
    }
    if (numeric) {
        const double one = 1.0;
        memcpy(key, &one, sizeof *key);
        snprintf(spelled, spelled_size, "1");
        return 1;
    }
    if (dd_dataset_column_boolean(ref->d, (size_t)ref->target)) {
        *key = dd_codec_hash("true", 4);
        snprintf(spelled, spelled_size, "true");
        return 1;
    }
    spelled[0] = '\0';
    return 0;
}

/* 1 when every target and prediction of both files is 0 or 1 (numbers). */
static int zero_one(const side_t *s) {
    const double *t = dd_dataset_numbers(s->d, (size_t)s->target);
    const double *p = dd_dataset_numbers(s->d, (size_t)s->prediction);
    if (t == NULL)
        return 0;
    for (size_t i = 0; i < s->n; i++) {
        const double a = t[s->rows[i]], b = p[s->rows[i]];
        if ((a != 0.0 && a != 1.0) || (b != 0.0 && b != 1.0))
            return 0;
    }
    return 1;
}

static int classification(side_t *ref, side_t *cur, const dd_performance_options_t *opt,
                          dd_performance_result_t *r, char *errstr, size_t errstr_size) {
    uint64_t positive = 0;
    const int has_positive = positive_key(ref, opt, &positive, r->positive, sizeof r->positive,
                                          errstr, errstr_size);
    if (has_positive < 0)
        return -1;
    /* the classes over both files, for the count and the binary check */
    label_set_t *all = calloc(1, sizeof(*all));
    if (all == NULL)
        return FAIL("out of memory");
    const side_t *sides[2] = {ref, cur};
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < sides[k]->n; i++) {
            const size_t row = sides[k]->rows[i];
            if (label_index(all, label_key(sides[k]->d, sides[k]->target, row), NULL, NULL) < 0 ||
                label_index(all, label_key(sides[k]->d, sides[k]->prediction, row), NULL, NULL) < 0) {
                free(all);
                return FAIL("--target: more than %d classes: not a classification problem "
                            "(--task regression, for numbers)", CLASSES_MAX);
            }
        }
    r->classes = all->n;
    free(all);
    if (opt->score != NULL && !has_positive)
        return FAIL("--score needs --positive: the score is the probability of which class of "
                    "'%s'?", opt->target);
    class_side_t a, b;
    if (classify_side(ref, has_positive, positive, &a, errstr, errstr_size) != 0 ||
        classify_side(cur, has_positive, positive, &b, errstr, errstr_size) != 0)
        return -1;
    const int enough = ref->n >= DD_PERFORMANCE_MIN_ROWS && cur->n >= DD_PERFORMANCE_MIN_ROWS;
    const int scored = opt->score != NULL;
    /* the level first: it depends on how many metrics are tested */
    const size_t tested = 1 + (scored ? 3 : 0);
    r->alpha = r->false_alarm_rate / (double)tested;
    dd_metric_t *m = add_metric(r, "accuracy", 1, 1);
    m->reference = a.accuracy;
    m->current = b.accuracy;
    judge_change(m, sqrt(a.correct.var / (double)a.correct.n + b.correct.var / (double)b.correct.n),
                 enough, ref->n, cur->n, r->alpha);
    if (has_positive) {
        static const char *const names[3] = {"precision", "recall", "f1"};
        const double ra[3] = {a.precision, a.recall, a.f1}, rb[3] = {b.precision, b.recall, b.f1};
        for (int i = 0; i < 3; i++) {
            m = add_metric(r, names[i], 1, 0);
            m->reference = ra[i];
            m->current = rb[i];
            judge_change(m, NAN, enough, ref->n, cur->n, r->alpha);
        }
    }
    m = add_metric(r, "macro_f1", 1, 0);
    m->reference = a.macro_f1;
    m->current = b.macro_f1;
    judge_change(m, NAN, enough, ref->n, cur->n, r->alpha);
    if (scored) {
        m = add_metric(r, "roc_auc", 1, 1);
        m->reference = a.auc;
        m->current = b.auc;
        const int auc_enough = enough && a.n_pos >= AUC_CLASS_MIN && a.n_neg >= AUC_CLASS_MIN &&
                               b.n_pos >= AUC_CLASS_MIN && b.n_neg >= AUC_CLASS_MIN;
        judge_change(m, sqrt(a.auc_var + b.auc_var), auc_enough, ref->n, cur->n, r->alpha);
        const moments_t *ma[2] = {&a.log_loss, &a.brier}, *mb[2] = {&b.log_loss, &b.brier};
        static const char *const names[2] = {"log_loss", "brier"};
        for (int i = 0; i < 2; i++) {
            m = add_metric(r, names[i], 0, 1);
            m->reference = ma[i]->mean;
            m->current = mb[i]->mean;
            judge_change(m, sqrt(ma[i]->var / (double)ma[i]->n + mb[i]->var / (double)mb[i]->n),
                         enough, ref->n, cur->n, r->alpha);
        }
        m = add_metric(r, "ece", 0, 0);
        m->reference = a.ece;
        m->current = b.ece;
        judge_change(m, NAN, enough, ref->n, cur->n, r->alpha);
    }
    return 0;
}

/* ---- regression ----------------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* numpy's default quantile (linear between order statistics) of sorted v. */
static double quantile_sorted(const double *v, size_t n, double q) {
    const double h = (double)(n - 1) * q;
    const size_t lo = (size_t)floor(h);
    const size_t hi = lo + 1 < n ? lo + 1 : lo;
    return v[lo] + (h - (double)lo) * (v[hi] - v[lo]);
}

typedef struct reg_side {
    moments_t abs_err, sq_err;
    double rmse, mape, r2, bias, q50, q90, q99;
} reg_side_t;

static int regress_side(const side_t *s, reg_side_t *out, char *errstr, size_t errstr_size) {
    const size_t n = s->n;
    const double *t = dd_dataset_numbers(s->d, (size_t)s->target);
    const double *p = dd_dataset_numbers(s->d, (size_t)s->prediction);
    if (t == NULL)
        return FAIL("--task regression: the target '%s' of the %s file is not numeric",
                    dd_dataset_column_name(s->d, (size_t)s->target), s->which);
    double *v = malloc(n * sizeof(double));
    if (v == NULL)
        return FAIL("out of memory");
    double sum_e = 0.0, sum_ape = 0.0, sum_y = 0.0;
    for (size_t i = 0; i < n; i++) {
        const size_t r = s->rows[i];
        const double e = p[r] - t[r];
        sum_e += e;
        sum_ape += fabs(e) / fmax(fabs(t[r]), DBL_EPSILON); /* scikit-learn's MAPE */
        sum_y += t[r];
        v[i] = e * e;
    }
    out->sq_err = moments_of(v, n);
    out->rmse = sqrt(out->sq_err.mean);
    out->bias = sum_e / (double)n;
    out->mape = sum_ape / (double)n;
    const double mean_y = sum_y / (double)n;
    double ss_tot = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double d = t[s->rows[i]] - mean_y;
        ss_tot += d * d;
    }
    double ss_res = 0.0;
    for (size_t i = 0; i < n; i++)
        ss_res += v[i];
    /* scikit-learn's r2_score with force_finite: 1 for a perfect fit of a constant, else 0 */
    out->r2 = ss_tot > 0 ? 1.0 - ss_res / ss_tot : (ss_res == 0 ? 1.0 : 0.0);
    for (size_t i = 0; i < n; i++)
        v[i] = fabs(p[s->rows[i]] - t[s->rows[i]]);
    out->abs_err = moments_of(v, n);
    qsort(v, n, sizeof(double), cmp_double);
    out->q50 = quantile_sorted(v, n, 0.5);
    out->q90 = quantile_sorted(v, n, 0.9);
    out->q99 = quantile_sorted(v, n, 0.99);
    free(v);
    return 0;
}

static int regression(side_t *ref, side_t *cur, dd_performance_result_t *r, char *errstr,
                      size_t errstr_size) {
    reg_side_t a, b;
    if (regress_side(ref, &a, errstr, errstr_size) != 0 ||
        regress_side(cur, &b, errstr, errstr_size) != 0)
        return -1;
    const int enough = ref->n >= DD_PERFORMANCE_MIN_ROWS && cur->n >= DD_PERFORMANCE_MIN_ROWS;
    r->alpha = r->false_alarm_rate / 2.0; /* MAE and RMSE */
    dd_metric_t *m = add_metric(r, "mae", 0, 1);
    m->reference = a.abs_err.mean;
    m->current = b.abs_err.mean;
    judge_change(m, sqrt(a.abs_err.var / (double)a.abs_err.n + b.abs_err.var / (double)b.abs_err.n),
                 enough, ref->n, cur->n, r->alpha);
    m = add_metric(r, "rmse", 0, 1);
    m->reference = a.rmse;
    m->current = b.rmse;
    /* the delta method: sd(√MSE) ≈ sd(MSE) / (2√MSE) on each side */
    const double va = a.rmse > 0 ? a.sq_err.var / (double)a.sq_err.n / (4.0 * a.sq_err.mean) : 0.0;
    const double vb = b.rmse > 0 ? b.sq_err.var / (double)b.sq_err.n / (4.0 * b.sq_err.mean) : 0.0;
    judge_change(m, sqrt(va + vb), enough, ref->n, cur->n, r->alpha);
    static const char *const names[6] = {"mape", "r2", "mean_error", "abs_error_p50",
                                         "abs_error_p90", "abs_error_p99"};
    const double ra[6] = {a.mape, a.r2, a.bias, a.q50, a.q90, a.q99};
    const double rb[6] = {b.mape, b.r2, b.bias, b.q50, b.q90, b.q99};
    for (int i = 0; i < 6; i++) {
        m = add_metric(r, names[i], i == 1, 0);
        m->reference = ra[i];
        m->current = rb[i];
        judge_change(m, NAN, enough, ref->n, cur->n, r->alpha);
    }
    return 0;
}

int dd_performance_compare(const dd_dataset_t *ref, const dd_dataset_t *cur,
                           const dd_performance_options_t *opt, dd_performance_result_t *out,
                           char *errstr, size_t errstr_size) {
    memset(out, 0, sizeof *out);
    if (ref == NULL || cur == NULL || opt == NULL || opt->target == NULL || opt->prediction == NULL)
        return FAIL("--target and --prediction name the columns to score");
    out->target = opt->target;
    out->prediction = opt->prediction;
    out->score = opt->score;
    out->false_alarm_rate = opt->false_alarm_rate > 0 ? opt->false_alarm_rate
                                                      : DD_FALSE_ALARM_RATE_DEFAULT;
    side_t a = {.d = ref, .which = "reference"}, b = {.d = cur, .which = "current"};
    int rc = -1;
    if (find_columns(&a, opt, errstr, errstr_size) != 0 ||
        find_columns(&b, opt, errstr, errstr_size) != 0)
        goto done;
    if ((dd_dataset_numbers(ref, (size_t)a.target) == NULL) !=
        (dd_dataset_numbers(cur, (size_t)b.target) == NULL)) {
        rc = FAIL("--target '%s' is numeric in one file and categorical in the other",
                  opt->target);
        goto done;
    }
    dd_task_t task = opt->task;
    if (task == DD_TASK_AUTO)
        task = dd_dataset_numbers(ref, (size_t)a.target) == NULL || (zero_one(&a) && zero_one(&b))
                   ? DD_TASK_CLASSIFICATION
                   : DD_TASK_REGRESSION;
    if (task == DD_TASK_REGRESSION && opt->score != NULL) {
        rc = FAIL("--score is a classification's probability; the task is regression");
        goto done;
    }
    out->task = task;
    out->rows_reference = a.n;
    out->rows_current = b.n;
    out->skipped_reference = a.skipped;
    out->skipped_current = b.skipped;
    rc = task == DD_TASK_CLASSIFICATION ? classification(&a, &b, opt, out, errstr, errstr_size)
                                        : regression(&a, &b, out, errstr, errstr_size);
    for (size_t i = 0; rc == 0 && i < out->n_metrics; i++) {
        out->tested += out->metrics[i].tested;
        out->degraded += out->metrics[i].status == DD_METRIC_DEGRADED;
        out->critical += out->metrics[i].status == DD_METRIC_DEGRADED && out->metrics[i].critical;
    }
done:
    free(a.rows);
    free(b.rows);
    return rc;
}
