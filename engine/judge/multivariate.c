/* multivariate.c — principal components of standardised numeric fields, the reconstruction
 * error of rows and of summaries under them, and `driftd compare`'s judgement of a change of the
 * mean error (multivariate.h; docs/multivariate.md). */
#include "multivariate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "correlation.h"


void dd_mv_model_free(dd_mv_model_t *m) {
    if (m == NULL)
        return;
    free(m->center);
    free(m->weight);
    free(m->values);
    free(m->vectors);
    free(m->form);
    memset(m, 0, sizeof *m);
}

int dd_mv_fit(const dd_joint_t *j, double variance_share, dd_mv_model_t *out, const char **why) {
    memset(out, 0, sizeof *out);
    *why = NULL;
    if (!(variance_share > 0 && variance_share < 1))
        variance_share = DD_MV_VARIANCE_SHARE;
    const size_t d = dd_joint_fields(j);
    out->d = d;
    out->center = malloc(d * sizeof(double));
    out->weight = malloc(d * sizeof(double));
    out->values = malloc(d * sizeof(double));
    out->vectors = malloc(d * d * sizeof(double));
    out->form = malloc(d * d * sizeof(double));
    if (out->center == NULL || out->weight == NULL || out->values == NULL ||
        out->vectors == NULL || out->form == NULL) {
        dd_mv_model_free(out);
        return -1;
    }
    if (dd_joint_count(j) < 2) {
        *why = "fewer than 2 complete rows";
        return 1;
    }
    dd_joint_mean(j, out->center);
    dd_joint_variance(j, out->weight);
    for (size_t a = 0; a < d; a++) {
        const double var = out->weight[a], sd = sqrt(var);
        /* constant, or varying only in the last bits of its value: no direction to standardise */
        const int varies = isfinite(var) && var > 0 && sd > 1e-12 * fabs(out->center[a]);
        out->weight[a] = varies ? 1.0 / sd : 0.0;
        out->used += (size_t)varies;
    }
    if (out->used < 2) {
        *why = "fewer than 2 columns vary";
        return 1;
    }
    if (dd_joint_pca(j, out->weight, d, out->values, out->vectors, &out->n_pairs) !=
        DD_SKETCH_OK)
        return -1;
    double total = 0;
    for (size_t i = 0; i < out->n_pairs; i++)
        total += out->values[i] > 0 ? out->values[i] : 0;
    if (!(total > 0) || out->n_pairs < 2) {
        *why = "no variance to decompose";
        return 1;
    }
    double held = 0;
    size_t k = 0;
    while (k < out->n_pairs && held < variance_share * total) {
        held += out->values[k] > 0 ? out->values[k] : 0;
        k++;
    }
    /* at least one component kept, at least one direction left to show a change */
    const size_t most = (out->used < out->n_pairs ? out->used : out->n_pairs) - 1;
    if (k > most)
        k = most;
    if (k < 1)
        k = 1;
    held = 0;
    for (size_t i = 0; i < k; i++)
        held += out->values[i] > 0 ? out->values[i] : 0;
    out->k = k;
    out->explained = held / total;
    for (size_t a = 0; a < d; a++)
        for (size_t b = a; b < d; b++) {
            double s = a == b ? 1.0 : 0.0;
            for (size_t i = 0; i < k; i++)
                s -= out->vectors[i * d + a] * out->vectors[i * d + b];
            out->form[a * d + b] = out->form[b * d + a] = out->weight[a] * out->weight[b] * s;
        }
    return 0;
}

double dd_mv_row_error(const dd_mv_model_t *m, const double *x) {
    const size_t d = m->d, k = m->k;
    double z[DD_JOINT_FIELDS_MAX];
    double all = 0;
    for (size_t a = 0; a < d; a++) {
        z[a] = m->weight[a] * (x[a] - m->center[a]);
        all += z[a] * z[a];
    }
    /* the residual directly when the components found span every direction and fewer are left
     * out than kept; else everything less what the kept ones explain */
    if (m->n_pairs == d && d - k < k) {
        double e = 0;
        for (size_t i = k; i < d; i++) {
            const double *v = m->vectors + i * d;
            double p = 0;
            for (size_t a = 0; a < d; a++)
                p += v[a] * z[a];
            e += p * p;
        }
        return e;
    }
    double kept = 0;
    for (size_t i = 0; i < k; i++) {
        const double *v = m->vectors + i * d;
        double p = 0;
        for (size_t a = 0; a < d; a++)
            p += v[a] * z[a];
        kept += p * p;
    }
    return all > kept ? all - kept : 0.0;
}

double dd_mv_mean_error(const dd_mv_model_t *m, const dd_joint_t *j) {
    if (dd_joint_count(j) == 0)
        return NAN;
    return dd_joint_quadratic_mean(j, m->center, m->form);
}

/* ---- driftd run ------------------------------------------------------------------------------- */

double dd_mv_reference_error(const dd_mv_model_t half[2], const dd_joint_t *ref0,
                             const dd_joint_t *ref1, uint64_t *rows) {
    const uint64_t n0 = dd_joint_count(ref0), n1 = dd_joint_count(ref1);
    *rows = n0 + n1;
    if (n0 == 0 || n1 == 0)
        return NAN;
    const double e0 = dd_mv_mean_error(&half[1], ref0), e1 = dd_mv_mean_error(&half[0], ref1);
    return ((double)n0 * e0 + (double)n1 * e1) / (double)(n0 + n1);
}

/* The mean error of a summary's rows under one fit, times their number (0 with none). */
static double error_sum(const dd_mv_model_t *model, const dd_joint_t *j, uint64_t *rows) {
    const uint64_t c = j != NULL ? dd_joint_count(j) : 0;
    *rows += c;
    return c > 0 ? (double)c * dd_mv_mean_error(model, j) : 0.0;
}

double dd_mv_unseen_error(const dd_mv_model_t half[2], const dd_joint_t *h0, const dd_joint_t *h1,
                          uint64_t *rows) {
    double sum = 0;
    uint64_t n = 0;
    for (int f = 0; f < 2; f++) {
        n = 0;
        sum += error_sum(&half[f], h0, &n) + error_sum(&half[f], h1, &n);
    }
    *rows = n;
    return n > 0 ? 0.5 * sum / (double)n : NAN;
}

void dd_mv_window_test(double error_reference, uint64_t rows_reference, double error_current,
                       uint64_t rows, const double *pane_error, const uint64_t *pane_rows,
                       size_t n_panes, dd_mv_window_test_t *out) {
    memset(out, 0, sizeof *out);
    out->rows = rows;
    out->error_current = error_current;
    out->ratio = error_reference > 0 ? error_current / error_reference : NAN;
    out->statistic = out->p_value = NAN;
    double sum = 0;
    uint64_t n = 0;
    for (size_t i = 0; i < n_panes; i++)
        if (pane_rows[i] > 0 && isfinite(pane_error[i])) {
            sum += (double)pane_rows[i] * pane_error[i];
            n += pane_rows[i];
            out->panes++;
        }
    if (out->panes < 3 || rows < DD_MV_MIN_ROWS || rows_reference == 0 || !isfinite(out->ratio))
        return;
    const double mean = sum / (double)n;
    double v = 0;
    for (size_t i = 0; i < n_panes; i++)
        if (pane_rows[i] > 0 && isfinite(pane_error[i])) {
            const double dev = pane_error[i] - mean;
            v += (double)pane_rows[i] * dev * dev;
        }
    v /= (double)(out->panes - 1);
    if (!(v > 0))
        return;
    const double se = sqrt(v * (1.0 / (double)rows + 2.0 / (double)rows_reference));
    out->statistic = (error_current - error_reference) / se;
    out->dof = (uint32_t)(out->panes - 1);
    out->p_value = dd_pvalue_t_two_sided(out->statistic, (double)out->dof);
    out->judged = 1;
}

/* ---- driftd compare --------------------------------------------------------------------------- */

static int valid_at(const double *x, const uint8_t *nulls, size_t row) {
    return (nulls == NULL || !(nulls[row >> 3] >> (row & 7) & 1)) && isfinite(x[row]);
}

/* One file's sampled rows that hold every column: column-major, `*complete` rows of k columns
 * (column c at out + c * cap); the sampled rows lacking a value are counted in *incomplete. */
static double *gather(const dd_dataset_t *d, const long *cols, size_t k, size_t *complete,
                      uint64_t *incomplete) {
    const size_t rows = dd_dataset_rows(d);
    size_t cap = DD_CORRELATION_SAMPLE_VALUES / (k ? k : 1);
    cap = cap < DD_CORRELATION_SAMPLE_ROWS ? cap : DD_CORRELATION_SAMPLE_ROWS;
    const size_t stride = rows > cap ? (rows + cap - 1) / cap : 1;
    const size_t m = rows ? (rows - 1) / stride + 1 : 0;
    double *out = malloc((m ? m : 1) * k * sizeof(double));
    if (out == NULL)
        return NULL;
    size_t n = 0;
    *incomplete = 0;
    for (size_t i = 0; i < m; i++) {
        const size_t row = i * stride;
        size_t c = 0;
        for (; c < k; c++)
            if (!valid_at(dd_dataset_numbers(d, (size_t)cols[c]),
                          dd_dataset_nulls(d, (size_t)cols[c]), row))
                break;
        if (c < k) {
            (*incomplete)++;
            continue;
        }
        /* asinh, as a stream's joint summary takes them (multivariate.h) */
        for (c = 0; c < k; c++)
            out[c * m + n] = asinh(dd_dataset_numbers(d, (size_t)cols[c])[row]);
        n++;
    }
    /* close the gaps the incomplete rows left: column c from c * m to c * n */
    for (size_t c = 1; c < k; c++)
        memmove(out + c * n, out + c * m, n * sizeof(double));
    *complete = n;
    return out;
}

/* The rows i ≡ parity (mod 2) of a column-major matrix of n rows, as a column-major matrix. */
static double *half(const double *x, size_t k, size_t n, size_t parity, size_t *rows) {
    const size_t h = (n + 1 - parity) / 2;
    double *out = malloc((h ? h : 1) * k * sizeof(double));
    if (out == NULL)
        return NULL;
    for (size_t c = 0; c < k; c++)
        for (size_t i = 0; i < h; i++)
            out[c * h + i] = x[c * n + 2 * i + parity];
    *rows = h;
    return out;
}

static dd_joint_t *summarise(const double *x, size_t k, size_t n) {
    dd_joint_t *j = NULL;
    const double *cols[DD_MV_COLUMNS_MAX];
    for (size_t c = 0; c < k; c++)
        cols[c] = x + c * n;
    if (dd_joint_new((uint32_t)k, 0, &j) != DD_SKETCH_OK)
        return NULL;
    if (dd_joint_update(j, cols, NULL, n) != DD_SKETCH_OK) {
        dd_joint_destroy(j);
        return NULL;
    }
    return j;
}

static void row_at(const double *x, size_t k, size_t n, size_t i, double *row) {
    for (size_t c = 0; c < k; c++)
        row[c] = x[c * n + i];
}

typedef struct scored {
    double e;
    int current;
} scored_t;

static int scored_cmp(const void *x, const void *y) {
    const double a = ((const scored_t *)x)->e, b = ((const scored_t *)y)->e;
    return (a > b) - (a < b);
}

/* Two-sided Mann–Whitney test of s[0..n) (the reference's and the current's scores, tagged):
 * mid-ranks, the normal approximation with the tie correction and a continuity correction of
 * 1/2, as scipy.stats.mannwhitneyu(method="asymptotic") computes it. Sorts s. */
static double mann_whitney(scored_t *s, size_t n, uint64_t n_cur) {
    qsort(s, n, sizeof *s, scored_cmp);
    double rank_cur = 0, ties = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        uint64_t cur = 0;
        while (j < n && s[j].e == s[i].e)
            cur += (uint64_t)s[j++].current;
        const double t = (double)(j - i), mid = (double)i + (t + 1.0) / 2.0;
        rank_cur += (double)cur * mid;
        ties += t * t * t - t;
        i = j;
    }
    const double n1 = (double)n_cur, n2 = (double)(n - n_cur), nn = (double)n;
    const double u1 = rank_cur - n1 * (n1 + 1.0) / 2.0, u = fmax(u1, n1 * n2 - u1);
    const double var = n1 * n2 / 12.0 * ((nn + 1.0) - ties / (nn * (nn - 1.0)));
    if (!(var > 0))
        return 1.0;
    const double z = (u - n1 * n2 / 2.0 - 0.5) / sqrt(var);
    const double p = dd_pvalue_normal_two_sided(z);
    return p > 1 ? 1 : p;
}

int dd_mv_explain(const dd_mv_model_t *m, const dd_joint_t *ref, const dd_joint_t *cur,
                  dd_mv_field_t *fields, size_t *n_fields, dd_mv_component_t *left,
                  size_t *n_left) {
    size_t nf = 0, nl = 0;
    *n_fields = *n_left = 0;
    const size_t d = m->d, k = m->k;
    double *mr = malloc(d * d * sizeof(double)), *mc = malloc(d * d * sizeof(double));
    double *mean = malloc(d * sizeof(double)), *proj = malloc(d * d * sizeof(double));
    double *fr = malloc(d * sizeof(double)), *fc = malloc(d * sizeof(double));
    int rc = -1;
    double *along = malloc(d * sizeof(double));
    if (mr == NULL || mc == NULL || mean == NULL || proj == NULL || fr == NULL || fc == NULL ||
        along == NULL)
        goto done;
    if (dd_joint_covariance(ref, mr) != DD_SKETCH_OK || dd_joint_covariance(cur, mc) != DD_SKETCH_OK)
        goto done;
    dd_joint_mean(cur, mean);
    /* M = W (Cov + δδᵀ) W, δ = mean − the reference's centre (0 for the reference) */
    for (size_t a = 0; a < d; a++) {
        const double da = mean[a] - m->center[a];
        for (size_t b = 0; b < d; b++) {
            const double db = mean[b] - m->center[b];
            mr[a * d + b] *= m->weight[a] * m->weight[b];
            mc[a * d + b] = (mc[a * d + b] + da * db) * m->weight[a] * m->weight[b];
        }
    }
    /* a field's residual: (R M R)_aa = Σ_b (R M)_ab R_ab, R = I − V_k V_kᵀ symmetric */
    for (size_t a = 0; a < d; a++)
        for (size_t b = a; b < d; b++) {
            double r = a == b ? 1.0 : 0.0;
            for (size_t i = 0; i < k; i++)
                r -= m->vectors[i * d + a] * m->vectors[i * d + b];
            proj[a * d + b] = proj[b * d + a] = r;
        }
    for (int which = 0; which < 2; which++) {
        const double *mm = which ? mc : mr;
        double *f = which ? fc : fr;
        for (size_t a = 0; a < d; a++) {
            double s = 0;
            for (size_t b = 0; b < d; b++) {
                double rm = 0; /* (R M)_ab */
                for (size_t c = 0; c < d; c++)
                    rm += proj[a * d + c] * mm[c * d + b];
                s += rm * proj[a * d + b];
            }
            f[a] = s;
        }
    }
    /* the fields whose residual changed most */
    int *taken = calloc(d, sizeof(int));
    if (taken == NULL)
        goto done;
    for (nf = 0; nf < DD_MV_TOP && nf < d; nf++) {
        size_t best = d;
        for (size_t a = 0; a < d; a++)
            if (!taken[a] && m->weight[a] > 0 &&
                (best == d || fabs(fc[a] - fr[a]) > fabs(fc[best] - fr[best])))
                best = a;
        if (best == d)
            break;
        taken[best] = 1;
        fields[nf] = (dd_mv_field_t){best, fr[best], fc[best]};
    }
    /* the components left out whose variance changed most: their change is the error's */
    memset(taken, 0, d * sizeof(int));
    for (size_t i = k; i < m->n_pairs; i++) {
        const double *v = m->vectors + i * d;
        double s = 0;
        for (size_t a = 0; a < d; a++) {
            double mv = 0;
            for (size_t b = 0; b < d; b++)
                mv += mc[a * d + b] * v[b];
            s += v[a] * mv;
        }
        along[i] = s;
    }
    for (nl = 0; nl < DD_MV_TOP; nl++) {
        size_t best = d;
        for (size_t i = k; i < m->n_pairs; i++)
            if (!taken[i] && m->values[i] > 1e-12 * (double)m->used &&
                (best == d ||
                 fabs(along[i] - m->values[i]) > fabs(along[best] - m->values[best])))
                best = i;
        if (best == d)
            break;
        const double best_var = along[best];
        taken[best] = 1;
        dd_mv_component_t *c = &left[nl];
        *c = (dd_mv_component_t){.rank = best + 1, .reference = m->values[best],
                                 .current = best_var};
        const double *v = m->vectors + best * d;
        for (int slot = 0; slot < 2; slot++) {
            size_t top = d;
            for (size_t a = 0; a < d; a++)
                if ((slot == 0 || a != c->top[0]) && (top == d || fabs(v[a]) > fabs(v[top])))
                    top = a;
            c->top[slot] = top;
            c->loading[slot] = top < d ? v[top] : NAN;
        }
    }
    free(taken);
    *n_fields = nf;
    *n_left = nl;
    rc = 0;
done:
    free(mr);
    free(mc);
    free(mean);
    free(proj);
    free(along);
    free(fr);
    free(fc);
    return rc;
}

long dd_mv_correlation_changes(const dd_joint_t *ref, const dd_joint_t *cur, dd_mv_pair_t *out,
                               size_t k) {
    const size_t d = dd_joint_fields(ref);
    double *cr = malloc(d * d * sizeof(double)), *cc = malloc(d * d * sizeof(double));
    if (cr == NULL || cc == NULL || dd_joint_covariance(ref, cr) != DD_SKETCH_OK ||
        dd_joint_covariance(cur, cc) != DD_SKETCH_OK) {
        free(cr);
        free(cc);
        return -1;
    }
    size_t n = 0;
    for (size_t a = 0; a < d; a++)
        for (size_t b = a + 1; b < d; b++) {
            const double dr = cr[a * d + a] * cr[b * d + b], dc = cc[a * d + a] * cc[b * d + b];
            if (!(dr > 0) || !(dc > 0))
                continue;
            const dd_mv_pair_t p = {a, b, cr[a * d + b] / sqrt(dr), cc[a * d + b] / sqrt(dc)};
            const double change = fabs(p.current - p.reference);
            /* insertion into the k largest so far */
            size_t at = n < k ? n : k;
            while (at > 0 && fabs(out[at - 1].current - out[at - 1].reference) < change) {
                if (at < k)
                    out[at] = out[at - 1];
                at--;
            }
            if (at < k) {
                out[at] = p;
                if (n < k)
                    n++;
            }
        }
    free(cr);
    free(cc);
    return (long)n;
}

static const dd_feature_result_t *feature_named(const dd_compare_result_t *f, const char *name) {
    for (size_t i = 0; i < f->n_features; i++)
        if (strcmp(f->features[i].name, name) == 0)
            return &f->features[i];
    return NULL;
}

static void insufficient(dd_multivariate_result_t *out, const char *why) {
    out->status = DD_MV_INSUFFICIENT;
    snprintf(out->reason, sizeof out->reason, "not judged: %s", why);
}

int dd_multivariate_compare(const dd_dataset_t *ref, const dd_dataset_t *cur,
                            const dd_compare_result_t *features, double false_alarm_rate,
                            dd_multivariate_result_t *out, char *errstr, size_t errstr_size) {
    memset(out, 0, sizeof *out);
    out->false_alarm_rate = false_alarm_rate > 0 && false_alarm_rate < 1
                                ? false_alarm_rate
                                : DD_FALSE_ALARM_RATE_DEFAULT;
    out->alpha = out->false_alarm_rate;
    out->error_reference = out->error_current = out->ratio = out->p_value = NAN;
    const size_t n_cols = dd_dataset_columns(ref);
    long rc_cols[DD_MV_COLUMNS_MAX], cc_cols[DD_MV_COLUMNS_MAX];
    out->names = malloc(DD_MV_COLUMNS_MAX * sizeof(char *));
    if (out->names == NULL) {
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    size_t k = 0;
    for (size_t c = 0; c < n_cols; c++) {
        const char *name = dd_dataset_column_name(ref, c);
        const dd_feature_result_t *f = feature_named(features, name);
        const long other = dd_dataset_find_column(cur, name);
        if (f == NULL || f->role != DD_ROLE_JUDGE || other < 0 ||
            dd_dataset_numbers(ref, c) == NULL || dd_dataset_numbers(cur, (size_t)other) == NULL)
            continue;
        if (k == DD_MV_COLUMNS_MAX) {
            out->left_out++;
            continue;
        }
        rc_cols[k] = (long)c;
        cc_cols[k] = other;
        out->names[k++] = name;
    }
    out->n_columns = k;
    if (k < 2) {
        insufficient(out, "fewer than 2 numeric columns");
        return 0;
    }
    int rcode = -1;
    size_t nr = 0, nc = 0, na = 0, nb = 0;
    double *xr = gather(ref, rc_cols, k, &nr, &out->incomplete_reference);
    double *xc = gather(cur, cc_cols, k, &nc, &out->incomplete_current);
    double *xa = NULL, *xb = NULL;
    dd_joint_t *ja = NULL, *jb = NULL, *jr = NULL, *jc = NULL;
    dd_mv_model_t ma = {0}, mb = {0}, mr = {0};
    scored_t *s = NULL;
    if (xr == NULL || xc == NULL)
        goto done;
    out->rows_reference = nr;
    out->rows_current = nc;
    const size_t need_ref = k * DD_MV_MIN_REFERENCE_ROWS_PER_FIELD > 100
                                ? k * DD_MV_MIN_REFERENCE_ROWS_PER_FIELD
                                : 100;
    if (nr < need_ref || nc < DD_MV_MIN_ROWS) {
        char why[200];
        snprintf(why, sizeof why,
                 "%zu complete reference rows and %zu current ones (a test needs %zu and %d)",
                 nr, nc, need_ref, DD_MV_MIN_ROWS);
        insufficient(out, why);
        rcode = 0;
        goto done;
    }
    if ((xa = half(xr, k, nr, 0, &na)) == NULL || (xb = half(xr, k, nr, 1, &nb)) == NULL)
        goto done;
    if ((ja = summarise(xa, k, na)) == NULL || (jb = summarise(xb, k, nb)) == NULL ||
        (jr = summarise(xr, k, nr)) == NULL || (jc = summarise(xc, k, nc)) == NULL)
        goto done;
    const char *why = NULL;
    int fitted = dd_mv_fit(jr, DD_MV_VARIANCE_SHARE, &mr, &why);
    if (fitted == 0)
        fitted = dd_mv_fit(ja, DD_MV_VARIANCE_SHARE, &ma, &why);
    if (fitted == 0)
        fitted = dd_mv_fit(jb, DD_MV_VARIANCE_SHARE, &mb, &why);
    if (fitted < 0)
        goto done;
    if (fitted > 0) {
        char text[160];
        snprintf(text, sizeof text, "the reference's components cannot be fitted (%s)", why);
        insufficient(out, text);
        rcode = 0;
        goto done;
    }
    out->used = mr.used;
    out->components = mr.k;
    out->explained = mr.explained;
    /* every score from a fit that has not seen the row */
    s = malloc((nr + nc) * sizeof *s);
    if (s == NULL)
        goto done;
    double row[DD_MV_COLUMNS_MAX], sum_r = 0, sum_c = 0;
    for (size_t i = 0; i < na; i++) {
        row_at(xa, k, na, i, row);
        s[i] = (scored_t){dd_mv_row_error(&mb, row), 0};
        sum_r += s[i].e;
    }
    for (size_t i = 0; i < nb; i++) {
        row_at(xb, k, nb, i, row);
        s[na + i] = (scored_t){dd_mv_row_error(&ma, row), 0};
        sum_r += s[na + i].e;
    }
    for (size_t i = 0; i < nc; i++) {
        row_at(xc, k, nc, i, row);
        s[nr + i] = (scored_t){dd_mv_row_error(i % 2 ? &ma : &mb, row), 1};
        sum_c += s[nr + i].e;
    }
    out->error_reference = sum_r / (double)nr;
    out->error_current = sum_c / (double)nc;
    out->ratio = out->error_reference > 0 ? out->error_current / out->error_reference : NAN;
    out->p_value = mann_whitney(s, nr + nc, nc);
    if (dd_mv_explain(&mr, jr, jc, out->fields, &out->n_fields, out->left, &out->n_left) != 0)
        goto done;
    const double ratio = out->ratio;
    const int big = ratio >= DD_MV_WARNING || ratio <= 1.0 / DD_MV_WARNING;
    out->critical = ratio >= DD_MV_CRITICAL || ratio <= 1.0 / DD_MV_CRITICAL;
    out->status = out->p_value < out->alpha && big ? DD_MV_CHANGED : DD_MV_STABLE;
    if (out->status != DD_MV_CHANGED)
        out->critical = 0;
    char most[160] = "";
    if (out->status == DD_MV_CHANGED && out->n_fields > 0) {
        size_t at = (size_t)snprintf(most, sizeof most, "; most in ");
        for (size_t i = 0; i < out->n_fields && i < 3 && at < sizeof most; i++)
            at += (size_t)snprintf(most + at, sizeof most - at, "%s%.40s", i ? ", " : "",
                                   out->names[out->fields[i].index]);
    }
    snprintf(out->reason, sizeof out->reason,
             "mean reconstruction error %.4g -> %.4g (x%.3g) over %zu columns (%zu of %zu "
             "components hold %.0f%% of the variance), Mann-Whitney p = %.2g %s alpha %.2g%s%s%s",
             out->error_reference, out->error_current, ratio, out->used, out->components,
             mr.n_pairs, 100.0 * out->explained, out->p_value,
             out->p_value < out->alpha ? "<" : ">=", out->alpha,
             out->status == DD_MV_CHANGED
                 ? (out->critical ? ": changed (critical)" : ": changed (warning)")
             : out->p_value < out->alpha ? "; the ratio is within 1.1 either way: stable"
                                         : ": stable",
             most, "");
    rcode = 0;
done:
    if (rcode != 0)
        snprintf(errstr, errstr_size, "out of memory");
    free(xr);
    free(xc);
    free(xa);
    free(xb);
    free(s);
    dd_joint_destroy(ja);
    dd_joint_destroy(jb);
    dd_joint_destroy(jr);
    dd_joint_destroy(jc);
    dd_mv_model_free(&ma);
    dd_mv_model_free(&mb);
    dd_mv_model_free(&mr);
    return rcode;
}

void dd_multivariate_result_free(dd_multivariate_result_t *r) {
    if (r == NULL)
        return;
    free(r->names);
    memset(r, 0, sizeof *r);
}
