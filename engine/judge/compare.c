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

#include "sketches.h"

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

static void judge(dd_feature_result_t *f, dd_method_t method, double threshold) {
    f->method = method;
    f->threshold = threshold;
    switch (method) {
    case DD_METHOD_KS:
        f->decided_by = f->ks_p_value;
        f->drift = f->ks_p_value < threshold;
        return;
    case DD_METHOD_Z:
        f->decided_by = f->z_p_value;
        f->drift = f->z_p_value < threshold;
        return;
    case DD_METHOD_CHI2:
        f->decided_by = f->chi2_p_value;
        f->drift = f->chi2_p_value < threshold;
        return;
    case DD_METHOD_WASSERSTEIN:
        f->decided_by = f->wasserstein_normed;
        break;
    case DD_METHOD_PSI:
        f->decided_by = f->psi;
        break;
    case DD_METHOD_JENSEN_SHANNON:
        f->decided_by = f->jensen_shannon;
        break;
    case DD_METHOD_HELLINGER:
        f->decided_by = f->hellinger;
        break;
    case DD_METHOD_KL:
        f->decided_by = f->kl;
        break;
    case DD_METHOD_TVD:
        f->decided_by = f->total_variation;
        break;
    case DD_METHOD_AUTO:
        f->decided_by = NAN;
        break;
    }
    f->drift = f->decided_by >= threshold;
}

static int is_p_value_method(dd_method_t m) {
    return m == DD_METHOD_KS || m == DD_METHOD_Z || m == DD_METHOD_CHI2;
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

static int compare_numeric(const dd_dataset_t *ref, size_t rc, const dd_dataset_t *cur, size_t cc,
                           const dd_compare_options_t *opt, unsigned stats,
                           dd_feature_result_t *f, dd_feature_plot_t *plot) {
    size_t nr, nc, mr, mc;
    double *a = finite_sorted(ref, rc, &nr, &mr);
    double *b = finite_sorted(cur, cc, &nc, &mc);
    int rc_status = -1;
    if (a == NULL || b == NULL)
        goto done;
    if (plot != NULL)
        dd_plot_numeric_fill(a, nr, b, nc, &plot->numeric);
    f->n_reference = nr;
    f->n_current = nc;
    f->null_fraction_reference = dd_dataset_rows(ref) ? (double)mr / (double)dd_dataset_rows(ref) : 0;
    f->null_fraction_current = dd_dataset_rows(cur) ? (double)mc / (double)dd_dataset_rows(cur) : 0;
    if (nr == 0 || nc == 0) {
        f->note = nr == 0 ? "no values in the reference" : "no values in the current data";
        rc_status = 0;
        goto done;
    }
    const dd_weighted_sample_t sa = {a, NULL, nr}, sb = {b, NULL, nc};
    double mean_a, var_a, sd_a, mean_b, var_b, sd_b;
    mean_sd(a, nr, &mean_a, &var_a, &sd_a);
    mean_sd(b, nc, &mean_b, &var_b, &sd_b);
    if (stats & DD_STAT_KS) {
        dd_stat_ks(&sa, &sb, &f->ks_statistic);
        f->ks_p_value = dd_pvalue_ks_2samp(f->ks_statistic, nr, nc);
    }
    if (stats & DD_STAT_WASSERSTEIN) {
        dd_stat_wasserstein1(&sa, &sb, &f->wasserstein);
        /* Normed by the reference's population standard deviation (as Evidently does); a
         * constant reference leaves the raw distance. */
        f->wasserstein_normed = sd_a > 0 ? f->wasserstein / sd_a : f->wasserstein;
    }
    if (stats & DD_STAT_Z) {
        const double se = sqrt((nr > 1 ? var_a / (double)nr : 0) + (nc > 1 ? var_b / (double)nc : 0));
        f->z_statistic = se > 0 ? (mean_b - mean_a) / se : (mean_b == mean_a ? 0.0 : INFINITY);
        f->z_p_value = dd_pvalue_normal_two_sided(f->z_statistic);
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
        }
        free(edges);
        free(ca);
        free(cb);
    }
    f->stats = stats & ~(unsigned)(DD_STAT_CHI2 | DD_STAT_FISHER);
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
                               size_t ccol, unsigned stats, dd_feature_result_t *f,
                               dd_feature_plot_t *plot) {
    size_t nr, nc, mr, mc;
    uint64_t *a = hashes_sorted(ref, rcol, &nr, &mr);
    uint64_t *b = hashes_sorted(cur, ccol, &nc, &mc);
    uint64_t *ca = NULL, *cb = NULL;
    int status = -1;
    if (a == NULL || b == NULL)
        goto done;
    if (plot != NULL)
        dd_plot_categorical_fill(a, nr, b, nc, ref, rcol, cur, ccol, &plot->categorical);
    f->n_reference = nr;
    f->n_current = nc;
    f->null_fraction_reference = dd_dataset_rows(ref) ? (double)mr / (double)dd_dataset_rows(ref) : 0;
    f->null_fraction_current = dd_dataset_rows(cur) ? (double)mc / (double)dd_dataset_rows(cur) : 0;
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
        if (x == 0)
            list_category(f->new_categories, &f->n_new_categories,
                          dd_dataset_category_name(cur, ccol, h), y);
        if (y == 0)
            list_category(f->missing_categories, &f->n_missing_categories,
                          dd_dataset_category_name(ref, rcol, h), x);
        k++;
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
    status = 0;
done:
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

static int cmp_drifted_first(const void *x, const void *y) {
    const dd_feature_result_t *a = x, *b = y;
    if (a->drift != b->drift)
        return b->drift - a->drift;
    return 0;
}

int dd_compare_datasets(const dd_dataset_t *ref, const dd_dataset_t *cur,
                        const dd_compare_options_t *opt, dd_compare_result_t *out, char *errstr,
                        size_t errstr_size) {
    memset(out, 0, sizeof(*out));
    const size_t n = dd_dataset_columns(ref);
    out->features = calloc(n, sizeof(dd_feature_result_t));
    if (out->features == NULL) {
        say(errstr, errstr_size, "out of memory");
        return -1;
    }
    if (opt->plots && n > 0 && (out->plots = calloc(n, sizeof(dd_feature_plot_t))) == NULL) {
        say(errstr, errstr_size, "out of memory");
        dd_compare_result_free(out);
        return -1;
    }
    const int small = dd_dataset_rows(ref) <= 1000;
    for (size_t c = 0; c < n; c++) {
        dd_feature_result_t *f = &out->features[out->n_features];
        memset(f, 0, sizeof(*f));
        f->name = dd_dataset_column_name(ref, c);
        const long cc = dd_dataset_find_column(cur, f->name);
        if (cc < 0) {
            say(errstr, errstr_size, "column '%s' of the reference is not in the current data",
                f->name);
            dd_compare_result_free(out);
            return -1;
        }
        f->kind = dd_dataset_column_kind(ref, c);
        if (dd_dataset_column_kind(cur, (size_t)cc) != f->kind) {
            say(errstr, errstr_size, "column '%s' is %s in the reference and %s in the current data",
                f->name, f->kind == DD_COLUMN_NUMERIC ? "numeric" : "categorical",
                f->kind == DD_COLUMN_NUMERIC ? "categorical" : "numeric");
            dd_compare_result_free(out);
            return -1;
        }
        const dd_column_choice_t *choice = choice_for(opt, f->name);
        dd_method_t method = choice ? choice->method : DD_METHOD_AUTO;
        const int numeric = f->kind == DD_COLUMN_NUMERIC;
        if (method == DD_METHOD_AUTO)
            method = numeric ? (small ? DD_METHOD_KS : DD_METHOD_WASSERSTEIN)
                             : (small ? DD_METHOD_CHI2 : DD_METHOD_JENSEN_SHANNON);
        if (numeric ? !numeric_method_ok(method) : !categorical_method_ok(method)) {
            say(errstr, errstr_size, "method '%s' does not apply to %s column '%s'",
                dd_method_name(method), numeric ? "numeric" : "categorical", f->name);
            dd_compare_result_free(out);
            return -1;
        }
        double threshold = choice && !isnan(choice->threshold) ? choice->threshold
                           : is_p_value_method(method)         ? 0.05
                                                               : 0.1;
        const unsigned stats = opt->stats | stat_of(method);
        dd_feature_plot_t *plot = out->plots ? &out->plots[c] : NULL;
        f->plot = plot;
        const int status = numeric ? compare_numeric(ref, c, cur, (size_t)cc, opt, stats, f, plot)
                                   : compare_categorical(ref, c, cur, (size_t)cc, stats, f, plot);
        if (status != 0) {
            say(errstr, errstr_size, "out of memory comparing column '%s'", f->name);
            dd_compare_result_free(out);
            return -1;
        }
        if (f->note == NULL)
            judge(f, method, threshold);
        else {
            f->method = method;
            f->threshold = threshold;
            f->decided_by = NAN;
        }
        out->drifted += f->drift != 0;
        out->n_features++;
    }
    /* Drifted first. Insertion sort is stable, so each group keeps the file's column order. */
    for (size_t i = 1; i < out->n_features; i++) {
        dd_feature_result_t key = out->features[i];
        size_t j = i;
        while (j > 0 && cmp_drifted_first(&out->features[j - 1], &key) > 0) {
            out->features[j] = out->features[j - 1];
            j--;
        }
        out->features[j] = key;
    }
    out->drift_share = out->n_features ? (double)out->drifted / (double)out->n_features : 0.0;
    out->drift_share_threshold = opt->drift_share;
    out->drift = out->n_features > 0 && out->drift_share >= opt->drift_share;
    return 0;
}

void dd_compare_result_free(dd_compare_result_t *r) {
    free(r->features);
    free(r->plots);
    memset(r, 0, sizeof(*r));
}
