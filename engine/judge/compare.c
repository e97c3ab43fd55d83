/* compare.c — judging each column of a current dataset against a reference.
 *
 * Files fit in memory, so numeric statistics use the exact sorted samples (no sketch error);
 * categories are counted exactly by sorting their hashes. Binned statistics use bins from the
 * reference's quantiles plus one bin below and one above the reference's range. */
#include "compare.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "judge_int.h"
#include "sketches.h"

/* What every column of one comparison shares: the level of a test, the field's share of the
 * false-alarm rate, the method. */
typedef struct dd_compare_ctx {
    dd_verdict_options_t verdict;
    double alpha, field_rate;
    dd_method_t method;
} dd_compare_ctx_t;

__attribute__((format(printf, 3, 4))) static void say(char *errstr, size_t size, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errstr, size, fmt, ap);
    va_end(ap);
}

static int cmp_u64(const void *a, const void *b) {
    const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* LSD radix sort of 64-bit keys, 11 bits a pass (6 passes; a pass whose digit is the same for
 * every key is skipped), through tmp (n keys). Whole columns of a million values sort in a few
 * milliseconds, where qsort with a comparison callback took a tenth of a second. */
static void radix_sort_u64(uint64_t *a, uint64_t *tmp, size_t n) {
    enum { BITS = 11, BUCKETS = 1 << BITS };
    size_t count[BUCKETS];
    uint64_t *src = a, *dst = tmp;
    for (unsigned shift = 0; shift < 64; shift += BITS) {
        memset(count, 0, sizeof count);
        for (size_t i = 0; i < n; i++)
            count[(src[i] >> shift) & (BUCKETS - 1)]++;
        if (n > 0 && count[(src[0] >> shift) & (BUCKETS - 1)] == n)
            continue; /* every key has this digit: the order stays */
        size_t sum = 0;
        for (size_t b = 0; b < BUCKETS; b++) {
            const size_t c = count[b];
            count[b] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[count[(src[i] >> shift) & (BUCKETS - 1)]++] = src[i];
        uint64_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, n * sizeof(uint64_t));
}

/* Sorts u64 keys; qsort when the scratch cannot be had. */
static void sort_u64(uint64_t *a, size_t n) {
    uint64_t *tmp = n > 64 ? malloc(n * sizeof(uint64_t)) : NULL;
    if (tmp == NULL) {
        qsort(a, n, sizeof(uint64_t), cmp_u64);
        return;
    }
    radix_sort_u64(a, tmp, n);
    free(tmp);
}

/* Sorts finite doubles ascending: each mapped to a key whose unsigned order is the numeric order
 * (sign bit flipped for positives, every bit for negatives), sorted, mapped back. −0 sorts just
 * before +0, which compare equal anyway. */
static void sort_doubles(double *v, size_t n) {
    /* the same malloc'd storage, stored as keys and then as doubles again (never both at once) */
    uint64_t *k = (uint64_t *)(void *)v;
    for (size_t i = 0; i < n; i++) {
        uint64_t b;
        memcpy(&b, &v[i], sizeof b);
        k[i] = (b >> 63) ? ~b : (b | 0x8000000000000000ull);
    }
    sort_u64(k, n);
    for (size_t i = 0; i < n; i++) {
        const uint64_t b = (k[i] >> 63) ? (k[i] & 0x7fffffffffffffffull) : ~k[i];
        double d;
        memcpy(&d, &b, sizeof d);
        v[i] = d;
    }
}

static int is_null(const uint8_t *nulls, size_t i) {
    return (nulls[i / 8] >> (i % 8)) & 1;
}

/* The finite values of a numeric column, sorted; *nulls_out counts nulls and NaN. */
static double *finite_sorted(const dd_dataset_t *d, size_t col, size_t *n, size_t *missing) {
    const size_t rows = dd_dataset_rows(d);
    const double *v = dd_dataset_numbers(d, col);
    const uint8_t *nulls = dd_dataset_nulls(d, col);
    double *out = malloc((rows ? rows : 1) * sizeof(double));
    if (out == NULL)
        return NULL;
    size_t k = 0, miss = 0;
    for (size_t i = 0; i < rows; i++) {
        if (is_null(nulls, i) || isnan(v[i]))
            miss++;
        else if (isfinite(v[i]))
            out[k++] = v[i];
    }
    sort_doubles(out, k);
    *n = k;
    *missing = miss;
    return out;
}

static void mean_sd(const double *v, size_t n, double *mean, double *var_sample, double *sd_pop) {
    dd_moments_t m;
    dd_moments_init(&m);
    dd_moments_update(&m, v, NULL, n);
    *mean = m.mean;
    *var_sample = dd_moments_variance_sample(&m);
    *sd_pop = sqrt(dd_moments_variance_population(&m));
}

/* Counts of `sorted` over [−inf, e0), the reference-quantile bins, (e_last, +inf]. */
static int binned_counts(const double *edges, size_t n_edges, const double *sorted, size_t n,
                         uint64_t *counts) {
    dd_histogram_t *h;
    if (dd_histogram_new(edges, n_edges, &h) != DD_SKETCH_OK)
        return -1;
    dd_histogram_update(h, sorted, NULL, n);
    const size_t bins = dd_histogram_bins(h);
    counts[0] = dd_histogram_underflow(h);
    memcpy(counts + 1, dd_histogram_counts(h), bins * sizeof(uint64_t));
    counts[bins + 1] = dd_histogram_overflow(h);
    dd_histogram_destroy(h);
    return 0;
}

static unsigned stat_of(dd_method_t m) {
    switch (m) {
    case DD_METHOD_KS:
        return DD_STAT_KS;
    case DD_METHOD_WASSERSTEIN:
        return DD_STAT_WASSERSTEIN;
    case DD_METHOD_PSI:
        return DD_STAT_PSI;
    case DD_METHOD_JENSEN_SHANNON:
        return DD_STAT_JENSEN_SHANNON;
    case DD_METHOD_HELLINGER:
        return DD_STAT_HELLINGER;
    case DD_METHOD_KL:
        return DD_STAT_KL;
    case DD_METHOD_Z:
        return DD_STAT_Z;
    case DD_METHOD_CHI2:
        return DD_STAT_CHI2;
    case DD_METHOD_TVD:
        return DD_STAT_TVD;
    case DD_METHOD_AUTO:
        break;
    }
    return 0;
}

static int numeric_method_ok(dd_method_t m) {
    return m == DD_METHOD_KS || m == DD_METHOD_WASSERSTEIN || m == DD_METHOD_PSI ||
           m == DD_METHOD_JENSEN_SHANNON || m == DD_METHOD_HELLINGER || m == DD_METHOD_KL ||
           m == DD_METHOD_Z || m == DD_METHOD_TVD;
}

static int categorical_method_ok(dd_method_t m) {
    return m == DD_METHOD_CHI2 || m == DD_METHOD_PSI || m == DD_METHOD_JENSEN_SHANNON ||
           m == DD_METHOD_HELLINGER || m == DD_METHOD_KL || m == DD_METHOD_TVD;
}

static int binned_method(dd_method_t m) {
    return m == DD_METHOD_PSI || m == DD_METHOD_JENSEN_SHANNON || m == DD_METHOD_HELLINGER ||
           m == DD_METHOD_KL || m == DD_METHOD_TVD;
}

static double binned_value(const dd_binned_stats_t *bs, dd_method_t m) {
    switch (m) {
    case DD_METHOD_PSI:
        return bs->psi;
    case DD_METHOD_JENSEN_SHANNON:
        return bs->jensen_shannon;
    case DD_METHOD_HELLINGER:
        return bs->hellinger;
    case DD_METHOD_KL:
        return bs->kl;
    case DD_METHOD_TVD:
        return bs->total_variation;
    default:
        return NAN;
    }
}

/* A proportion's verdict in this comparison: exact counts, no sketch error; `law` and the
 * pooled category counts as verdict.h describes. */
static void quality_law(dd_quality_result_t *q, double ref_rate, uint64_t n_ref, double cur_rate,
                        uint64_t n_cur, double critical, const dd_compare_ctx_t *cx,
                        dd_proportion_law_t law, const uint64_t *pooled, size_t k) {
    q->applies = 1;
    q->current_rate = cur_rate;
    dd_proportion_evidence_t e;
    memset(&e, 0, sizeof e);
    e.reference_rate = ref_rate;
    e.current_rate = cur_rate;
    e.n_reference = n_ref;
    e.n_current = n_cur;
    e.law = law;
    e.pooled_counts = pooled;
    e.n_categories = k;
    dd_verdict_proportion(&e, critical, cx->alpha, cx->field_rate, 1, &q->verdict);
    /* the rate it was compared with: an expected share for the laws other than two proportions */
    q->reference_rate = law == DD_LAW_TWO_PROPORTIONS || isnan(q->verdict.effect)
                            ? ref_rate
                            : cur_rate - q->verdict.effect;
}

static void quality(dd_quality_result_t *q, double ref_rate, uint64_t n_ref, double cur_rate,
                    uint64_t n_cur, double critical, const dd_compare_ctx_t *cx) {
    quality_law(q, ref_rate, n_ref, cur_rate, n_cur, critical, cx, DD_LAW_TWO_PROPORTIONS, NULL,
                0);
}

static int compare_numeric(const dd_dataset_t *ref, size_t rc, const dd_dataset_t *cur, size_t cc,
                           const dd_compare_options_t *opt, const dd_compare_ctx_t *cx,
                           unsigned stats, dd_feature_result_t *f, dd_feature_plot_t *plot) {
    size_t nr, nc, mr, mc;
    double *a = finite_sorted(ref, rc, &nr, &mr);
    double *b = finite_sorted(cur, cc, &nc, &mc);
    int rc_status = -1;
    if (a == NULL || b == NULL)
        goto done;
    if (plot != NULL)
        dd_plot_numeric_fill(a, nr, b, nc, &plot->numeric);
    const size_t rows_r = dd_dataset_rows(ref), rows_c = dd_dataset_rows(cur);
    f->n_reference = nr;
    f->n_current = nc;
    f->null_fraction_reference = rows_r ? (double)mr / (double)rows_r : 0;
    f->null_fraction_current = rows_c ? (double)mc / (double)rows_c : 0;
    quality(&f->quality[DD_QUALITY_NULL_RATE], f->null_fraction_reference, rows_r,
            f->null_fraction_current, rows_c, DD_QUALITY_NULL_RATE_CRITICAL, cx);
    if (nr == 0 || nc == 0) {
        f->note = nr == 0 ? "no values in the reference" : "no values in the current data";
        rc_status = 0;
        goto done;
    }
    /* Out of range: values outside the reference's finite [min, max] — infinities are — among
     * the non-null ones, on both sides: the reference's own rate is its share of infinities. */
    {
        size_t out_r = 0, n_r = 0, out_c = 0, n_c = 0;
        const struct {
            const dd_dataset_t *d;
            size_t col;
            size_t *out, *n;
        } sides[2] = {{ref, rc, &out_r, &n_r}, {cur, cc, &out_c, &n_c}};
        for (int k = 0; k < 2; k++) {
            const size_t rows = dd_dataset_rows(sides[k].d);
            const double *v = dd_dataset_numbers(sides[k].d, sides[k].col);
            const uint8_t *nulls = dd_dataset_nulls(sides[k].d, sides[k].col);
            for (size_t i = 0; i < rows; i++) {
                if (is_null(nulls, i) || isnan(v[i]))
                    continue;
                (*sides[k].n)++;
                *sides[k].out += v[i] < a[0] || v[i] > a[nr - 1];
            }
        }
        /* A reference with no value beyond its own extremes: the exact law of exchangeable
         * samples; with infinities in it, two proportions. */
        quality_law(&f->quality[DD_QUALITY_OUT_OF_RANGE],
                    n_r ? (double)out_r / (double)n_r : 0.0, n_r,
                    n_c ? (double)out_c / (double)n_c : 0.0, n_c, DD_QUALITY_OUT_OF_RANGE_CRITICAL,
                    cx, out_r == 0 ? DD_LAW_BEYOND_EXTREMES : DD_LAW_TWO_PROPORTIONS, NULL, 0);
    }
    const dd_weighted_sample_t sa = {a, NULL, nr}, sb = {b, NULL, nc};
    double mean_a, var_a, sd_a, mean_b, var_b, sd_b;
    mean_sd(a, nr, &mean_a, &var_a, &sd_a);
    mean_sd(b, nc, &mean_b, &var_b, &sd_b);
    dd_numeric_evidence_t ev;
    memset(&ev, 0, sizeof ev);
    if (dd_stat_two_sample(&sa, &sb, &ev.s) != DD_SKETCH_OK)
        goto done;
    /* W1 is normed by the reference's spread; a constant reference has none, and then by the
     * spread of both samples together (any change from a constant is large against it). */
    double pooled_sd = sd_a;
    if (!(sd_a > 0)) {
        dd_moments_t pm;
        dd_moments_init(&pm);
        dd_moments_update(&pm, a, NULL, nr);
        dd_moments_update(&pm, b, NULL, nc);
        pooled_sd = sqrt(dd_moments_variance_population(&pm));
    }
    ev.reference_std = pooled_sd;
    ev.reference_spread = dd_stat_reference_spread(&sa);
    ev.distance = ev.distance_bound = NAN;
    f->ks_statistic = ev.s.ks;
    f->ks_p_value = dd_pvalue_ks_2samp(f->ks_statistic, nr, nc);
    f->wasserstein = ev.s.wasserstein;
    /* Normed by the reference's population standard deviation (as Evidently does); a constant
     * reference leaves the raw distance. */
    f->wasserstein_normed = pooled_sd > 0 ? f->wasserstein / pooled_sd : f->wasserstein;
    f->location_z = ev.s.location_z;
    f->auc = ev.s.auc;
    f->scale_z = ev.s.scale_z;
    {
        const double se =
            sqrt((nr > 1 ? var_a / (double)nr : 0) + (nc > 1 ? var_b / (double)nc : 0));
        f->z_statistic = se > 0 ? (mean_b - mean_a) / se : (mean_b == mean_a ? 0.0 : INFINITY);
        f->z_p_value = dd_pvalue_normal_two_sided(f->z_statistic);
        ev.z_statistic = f->z_statistic;
        ev.z_p_value = f->z_p_value;
    }
    if (stats & (DD_STAT_PSI | DD_STAT_JENSEN_SHANNON | DD_STAT_HELLINGER | DD_STAT_KL | DD_STAT_TVD)) {
        /* Edges at the reference's quantiles i/bins, duplicates dropped (ties, few values). */
        double *edges = malloc((opt->bins + 2) * sizeof(double));
        uint64_t *ca = malloc((opt->bins + 3) * sizeof(uint64_t));
        uint64_t *cb = malloc((opt->bins + 3) * sizeof(uint64_t));
        if (edges == NULL || ca == NULL || cb == NULL) {
            free(edges);
            free(ca);
            free(cb);
            goto done;
        }
        size_t ne = 0;
        for (size_t i = 0; i <= opt->bins; i++) {
            const double q = a[(size_t)((double)i / (double)opt->bins * (double)(nr - 1))];
            if (ne == 0 || q > edges[ne - 1])
                edges[ne++] = q;
        }
        if (ne == 1)
            edges[ne++] = nextafter(edges[0], INFINITY); /* one value: one bin holding it */
        dd_binned_stats_t bs;
        if (binned_counts(edges, ne, a, nr, ca) == 0 && binned_counts(edges, ne, b, nc, cb) == 0 &&
            dd_stat_binned(ca, cb, ne + 1, DD_STAT_SMOOTHING_DEFAULT, &bs) == DD_SKETCH_OK) {
            f->psi = bs.psi;
            f->jensen_shannon = bs.jensen_shannon;
            f->hellinger = bs.hellinger;
            f->kl = bs.kl;
            f->total_variation = bs.total_variation;
            if (binned_method(cx->method)) {
                ev.distance = binned_value(&bs, cx->method);
                ev.distance_bound = 0.0;
                size_t used = 0; /* cells with a value on either side: the distance's dof + 1 */
                for (size_t i = 0; i < ne + 1; i++)
                    used += ca[i] + cb[i] > 0;
                ev.distance_cells = used;
            }
        }
        free(edges);
        free(ca);
        free(cb);
    }
    f->stats = (stats & ~(unsigned)(DD_STAT_CHI2 | DD_STAT_FISHER)) | DD_STAT_KS | DD_STAT_WASSERSTEIN;
    dd_verdict_options_t vo = cx->verdict;
    dd_verdict_numeric(&ev, &vo, &f->verdict);
    rc_status = 0;
done:
    free(a);
    free(b);
    return rc_status;
}

/* Sorted non-null hashes of a categorical column; *missing counts nulls. */
static uint64_t *hashes_sorted(const dd_dataset_t *d, size_t col, size_t *n, size_t *missing) {
    const size_t rows = dd_dataset_rows(d);
    const uint64_t *h = dd_dataset_hashes(d, col);
    const uint8_t *nulls = dd_dataset_nulls(d, col);
    uint64_t *out = malloc((rows ? rows : 1) * sizeof(uint64_t));
    if (out == NULL)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < rows; i++)
        if (!is_null(nulls, i))
            out[k++] = h[i];
    sort_u64(out, k);
    *n = k;
    *missing = rows - k;
    return out;
}

static void list_category(dd_category_count_t *list, size_t *n, const char *name, uint64_t count) {
    if (*n < DD_COMPARE_CATEGORIES_LISTED)
        list[*n] = (dd_category_count_t){name ? name : "?", count};
    (*n)++;
}

static int compare_categorical(const dd_dataset_t *ref, size_t rcol, const dd_dataset_t *cur,
                               size_t ccol, const dd_compare_ctx_t *cx, unsigned stats,
                               dd_feature_result_t *f, dd_feature_plot_t *plot) {
    size_t nr, nc, mr, mc;
    uint64_t *a = hashes_sorted(ref, rcol, &nr, &mr);
    uint64_t *b = hashes_sorted(cur, ccol, &nc, &mc);
    uint64_t *ca = NULL, *cb = NULL;
    cells_t cells;
    memset(&cells, 0, sizeof cells);
    int status = -1;
    if (a == NULL || b == NULL)
        goto done;
    if (plot != NULL)
        dd_plot_categorical_fill(a, nr, b, nc, ref, rcol, cur, ccol, &plot->categorical);
    const size_t rows_r = dd_dataset_rows(ref), rows_c = dd_dataset_rows(cur);
    f->n_reference = nr;
    f->n_current = nc;
    f->null_fraction_reference = rows_r ? (double)mr / (double)rows_r : 0;
    f->null_fraction_current = rows_c ? (double)mc / (double)rows_c : 0;
    quality(&f->quality[DD_QUALITY_NULL_RATE], f->null_fraction_reference, rows_r,
            f->null_fraction_current, rows_c, DD_QUALITY_NULL_RATE_CRITICAL, cx);
    if (nr == 0 || nc == 0) {
        f->note = nr == 0 ? "no values in the reference" : "no values in the current data";
        status = 0;
        goto done;
    }
    /* Merge-walk the two sorted hash lists into aligned counts over their union. */
    ca = malloc((nr + nc) * sizeof(uint64_t));
    cb = malloc((nr + nc) * sizeof(uint64_t));
    if (ca == NULL || cb == NULL)
        goto done;
    size_t i = 0, j = 0, k = 0;
    uint64_t new_values = 0, singletons = 0;
    while (i < nr || j < nc) {
        const uint64_t h = (j >= nc || (i < nr && a[i] <= b[j])) ? a[i] : b[j];
        uint64_t x = 0, y = 0;
        while (i < nr && a[i] == h) {
            x++;
            i++;
        }
        while (j < nc && b[j] == h) {
            y++;
            j++;
        }
        ca[k] = x;
        cb[k] = y;
        f->categories_reference += x > 0;
        f->categories_current += y > 0;
        singletons += x == 1;
        if (x == 0) {
            new_values += y;
            list_category(f->new_categories, &f->n_new_categories,
                          dd_dataset_category_name(cur, ccol, h), y);
        }
        if (y == 0)
            list_category(f->missing_categories, &f->n_missing_categories,
                          dd_dataset_category_name(ref, rcol, h), x);
        k++;
    }
    /* New categories, by the law of categories allocated at random between the two samples:
     * every category's count in both (verdict.h). */
    {
        uint64_t *pooled = malloc((k ? k : 1) * sizeof(uint64_t));
        if (pooled == NULL)
            goto done;
        for (size_t c = 0; c < k; c++)
            pooled[c] = ca[c] + cb[c];
        quality_law(&f->quality[DD_QUALITY_NEW_CATEGORIES], (double)singletons / (double)nr, nr,
                    (double)new_values / (double)nc, nc, DD_QUALITY_NEW_CATEGORIES_CRITICAL, cx,
                    DD_LAW_NEW_CATEGORIES, pooled, k);
        free(pooled);
    }
    dd_binned_stats_t bs;
    if (dd_stat_binned(ca, cb, k, DD_STAT_SMOOTHING_DEFAULT, &bs) == DD_SKETCH_OK) {
        f->psi = bs.psi;
        f->jensen_shannon = bs.jensen_shannon;
        f->hellinger = bs.hellinger;
        f->kl = bs.kl;
        f->total_variation = bs.total_variation;
    }
    if (stats & DD_STAT_CHI2) {
        if (dd_stat_chi2(ca, cb, k, 0, &f->chi2_statistic, &f->chi2_dof) == DD_SKETCH_OK)
            f->chi2_p_value = f->chi2_dof > 0 ? dd_pvalue_chi2(f->chi2_statistic, f->chi2_dof) : 1.0;
    }
    if ((stats & DD_STAT_FISHER) && k == 2)
        f->fisher_p_value = dd_pvalue_fisher_exact_2x2(ca[0], ca[1], cb[0], cb[1]);
    f->stats = stats & (DD_STAT_CHI2 | DD_STAT_PSI | DD_STAT_JENSEN_SHANNON | DD_STAT_HELLINGER |
                        DD_STAT_KL | DD_STAT_TVD | (k == 2 ? DD_STAT_FISHER : 0u));
    /* The verdict's test: chi-square with the categories expected below 5 pooled. */
    if (judge_cells_alloc(&cells, k) != 0)
        goto done;
    cells.n = k;
    cells.categorical = 1;
    cells.exact = 1;
    cells.n_ref = (double)nr;
    cells.n_cur = (double)nc;
    for (size_t c = 0; c < k; c++) {
        cells.ref[c] = ca[c];
        cells.cur[c] = cb[c];
        cells.ref_lo[c] = cells.ref_hi[c] = (double)ca[c];
        cells.cur_lo[c] = cells.cur_hi[c] = (double)cb[c];
    }
    dd_categorical_evidence_t ev;
    memset(&ev, 0, sizeof ev);
    ev.n_reference = (double)nr;
    ev.n_current = (double)nc;
    judge_pooled_chi2(&cells, 0, &ev.chi2_statistic, &ev.chi2_dof, &ev.chi2_max);
    const dd_method_t em = cx->method == DD_METHOD_AUTO || cx->method == DD_METHOD_CHI2
                               ? DD_METHOD_JENSEN_SHANNON
                               : cx->method;
    ev.distance = binned_value(&bs, em);
    ev.distance_bound = 0.0;
    ev.cells = k;
    f->pooled_chi2_statistic = ev.chi2_statistic;
    f->pooled_chi2_dof = ev.chi2_dof;
    dd_verdict_categorical(&ev, &cx->verdict, &f->verdict);
    status = 0;
done:
    judge_cells_free(&cells);
    free(a);
    free(b);
    free(ca);
    free(cb);
    return status;
}

static const dd_column_choice_t *choice_for(const dd_compare_options_t *opt, const char *name) {
    for (size_t i = 0; i < opt->n_choices; i++)
        if (strcmp(opt->choices[i].name, name) == 0)
            return &opt->choices[i];
    return NULL;
}

/* Drifted first (critical before warning), then stable, then too small to judge, then the
 * columns left out; each group in the file's column order. */
static int rank_of(const dd_feature_result_t *f) {
    if (f->role != DD_ROLE_JUDGE)
        return 5;
    if (f->verdict.status == DD_VERDICT_DRIFT)
        return f->verdict.severity == DD_SEVERITY_CRITICAL ? 0 : 1;
    if (f->verdict.status == DD_VERDICT_STABLE)
        return 2;
    return f->note != NULL ? 4 : 3;
}

static const char *const role_names[] = {"judge", "ignore", "id", "datetime"};

const char *dd_column_role_name(dd_column_role_t r) {
    return (size_t)r < sizeof(role_names) / sizeof(role_names[0]) ? role_names[r] : "?";
}

static const char *const quality_names[] = {"null_rate", "out_of_range", "new_categories"};

const char *dd_quality_name(int q) {
    return q >= 0 && q < DD_QUALITY_N ? quality_names[q] : "?";
}

int dd_compare_datasets(const dd_dataset_t *ref, const dd_dataset_t *cur,
                        const dd_compare_options_t *opt, dd_compare_result_t *out, char *errstr,
                        size_t errstr_size) {
    memset(out, 0, sizeof(*out));
    const size_t n = dd_dataset_columns(ref);
    out->features = calloc(n ? n : 1, sizeof(dd_feature_result_t));
    if (out->features == NULL) {
        say(errstr, errstr_size, "out of memory");
        return -1;
    }
    if (opt->plots && n > 0 && (out->plots = calloc(n, sizeof(dd_feature_plot_t))) == NULL) {
        say(errstr, errstr_size, "out of memory");
        dd_compare_result_free(out);
        return -1;
    }
    /* The budget: one comparison is one window of every judged column. */
    size_t judged_columns = 0;
    for (size_t c = 0; c < n; c++) {
        const dd_column_choice_t *choice = choice_for(opt, dd_dataset_column_name(ref, c));
        judged_columns += choice == NULL || choice->role == DD_ROLE_JUDGE;
    }
    dd_budget_t budget;
    dd_budget_init(&budget, opt->false_alarm_rate, (uint32_t)(judged_columns ? judged_columns : 1));
    out->false_alarm_rate = budget.rate;
    out->alpha = dd_budget_alpha(&budget);
    for (size_t c = 0; c < n; c++) {
        dd_feature_result_t *f = &out->features[out->n_features];
        memset(f, 0, sizeof(*f));
        f->name = dd_dataset_column_name(ref, c);
        f->kind = dd_dataset_column_kind(ref, c);
        const dd_column_choice_t *choice = choice_for(opt, f->name);
        if (choice != NULL && choice->role != DD_ROLE_JUDGE) {
            f->role = choice->role;
            f->verdict.status = DD_VERDICT_INSUFFICIENT;
            out->skipped++;
            out->n_features++;
            continue;
        }
        const long cc = dd_dataset_find_column(cur, f->name);
        if (cc < 0) {
            say(errstr, errstr_size, "column '%s' of the reference is not in the current data",
                f->name);
            dd_compare_result_free(out);
            return -1;
        }
        if (dd_dataset_column_kind(cur, (size_t)cc) != f->kind) {
            say(errstr, errstr_size, "column '%s' is %s in the reference and %s in the current data",
                f->name, f->kind == DD_COLUMN_NUMERIC ? "numeric" : "categorical",
                f->kind == DD_COLUMN_NUMERIC ? "categorical" : "numeric");
            dd_compare_result_free(out);
            return -1;
        }
        dd_method_t method = choice ? choice->method : DD_METHOD_AUTO;
        const int numeric = f->kind == DD_COLUMN_NUMERIC;
        if (method != DD_METHOD_AUTO &&
            (numeric ? !numeric_method_ok(method) : !categorical_method_ok(method))) {
            say(errstr, errstr_size, "method '%s' does not apply to %s column '%s'",
                dd_method_name(method), numeric ? "numeric" : "categorical", f->name);
            dd_compare_result_free(out);
            return -1;
        }
        dd_compare_ctx_t cx;
        dd_verdict_options_init(&cx.verdict);
        cx.verdict.alpha = out->alpha;
        cx.verdict.field_rate = dd_budget_field_rate(&budget);
        cx.verdict.method = method;
        cx.verdict.threshold = choice ? choice->threshold : NAN;
        cx.alpha = out->alpha;
        cx.field_rate = cx.verdict.field_rate;
        cx.method = method;
        const unsigned stats = opt->stats | stat_of(method);
        dd_feature_plot_t *plot = out->plots ? &out->plots[c] : NULL;
        f->plot = plot;
        for (int q = 0; q < DD_QUALITY_N; q++)
            f->quality[q].verdict.status = DD_VERDICT_INSUFFICIENT;
        const int status = numeric
                               ? compare_numeric(ref, c, cur, (size_t)cc, opt, &cx, stats, f, plot)
                               : compare_categorical(ref, c, cur, (size_t)cc, &cx, stats, f, plot);
        if (status != 0) {
            say(errstr, errstr_size, "out of memory comparing column '%s'", f->name);
            dd_compare_result_free(out);
            return -1;
        }
        if (f->note != NULL) {
            /* No test ran: the numbers are those of a verdict that found nothing to test (as
             * verdict.c starts one), not zeros a report would print as p = 0. */
            dd_verdict_t *v = &f->verdict;
            memset(v, 0, sizeof(*v));
            v->status = DD_VERDICT_INSUFFICIENT;
            v->statistic = NAN;
            v->p_value = v->p_min = 1.0;
            v->alpha = out->alpha;
            v->effect = v->effect_conservative = NAN;
            v->warning_floor = v->critical = v->noise_floor = NAN;
            v->n_reference = f->n_reference;
            v->n_current = f->n_current;
            snprintf(v->reason, sizeof v->reason, "insufficient data: %s", f->note);
        }
        f->method = method != DD_METHOD_AUTO ? method
                    : numeric               ? DD_METHOD_WASSERSTEIN
                                            : DD_METHOD_JENSEN_SHANNON;
        f->threshold = f->verdict.critical;
        f->decided_by = f->verdict.effect;
        f->drift = f->verdict.status == DD_VERDICT_DRIFT;
        out->drifted += f->drift != 0;
        out->judged += f->verdict.status != DD_VERDICT_INSUFFICIENT;
        out->insufficient += f->verdict.status == DD_VERDICT_INSUFFICIENT;
        for (int q = 0; q < DD_QUALITY_N; q++) {
            const dd_verdict_t *qv = &f->quality[q].verdict;
            if (!f->quality[q].applies || qv->status != DD_VERDICT_DRIFT)
                continue;
            if (qv->severity == DD_SEVERITY_CRITICAL)
                out->quality_critical++;
            else
                out->quality_warnings++;
        }
        out->n_features++;
    }
    /* Insertion sort is stable, so each group keeps the file's column order. */
    for (size_t i = 1; i < out->n_features; i++) {
        dd_feature_result_t key = out->features[i];
        size_t j = i;
        while (j > 0 && rank_of(&out->features[j - 1]) > rank_of(&key)) {
            out->features[j] = out->features[j - 1];
            j--;
        }
        out->features[j] = key;
    }
    out->drift_share = out->judged ? (double)out->drifted / (double)out->judged : 0.0;
    out->drift_share_threshold = opt->drift_share;
    out->drift = out->judged > 0 && out->drifted > 0 && out->drift_share >= opt->drift_share;
    return 0;
}

void dd_compare_result_free(dd_compare_result_t *r) {
    free(r->features);
    free(r->plots);
    memset(r, 0, sizeof(*r));
}
