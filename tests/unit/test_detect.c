/* test_detect.c — properties of the sequential change detectors (sketches/detect*.c) that hold
 * for every kind; tests/oracle/test_detectors.py checks each against River position by position.
 *
 * - parameters: River's defaults, names both ways, and bad values refused with a message that
 *   names the parameter;
 * - batching does not matter: one batch, batches of random sizes and one value at a time flag the
 *   same positions, and update's count equals the drift flags;
 * - a non-finite value is skipped: the flags of the finite values are those of the stream without
 *   it, its own flags are 0, and it is counted;
 * - reset makes a detector as new: the same stream flags the same positions again;
 * - every kind flags a large change within 500 values after it (River's defaults may flag
 *   earlier too: Page-Hinkley's threshold is in the data's units, EDDM's ratio is noisy on short
 *   gaps; the oracle checks those positions against River's). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sketches.h"

enum { N = 4000, CHANGE = 2000 };

static uint64_t rng_state;
static double next_uniform(void) {
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return ((double)(z >> 11) + 0.5) * 0x1.0p-53;
}

static double next_normal(void) {
    const double u = next_uniform(), v = next_uniform();
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

static int binary_input(dd_detector_kind_t k) {
    return k == DD_DETECTOR_DDM || k == DD_DETECTOR_EDDM || k == DD_DETECTOR_HDDM_A ||
           k == DD_DETECTOR_HDDM_W;
}

/* A stream with a large change at CHANGE: errors at rate 0.1 then 0.5 (binary kinds), else
 * normal values whose mean moves by 4 standard deviations. */
static void make_stream(dd_detector_kind_t k, uint64_t seed, double *x) {
    rng_state = seed;
    for (size_t i = 0; i < N; i++) {
        if (binary_input(k))
            x[i] = next_uniform() < (i < CHANGE ? 0.1 : 0.5) ? 1.0 : 0.0;
        else
            x[i] = next_normal() + (i < CHANGE ? 0.0 : 4.0);
    }
}

static dd_detector_t *make(dd_detector_kind_t k) {
    dd_detector_params_t p;
    dd_detector_params_init(k, &p);
    p.seed = 42;
    dd_detector_t *d = NULL;
    char err[256];
    assert_int_equal(dd_detector_new(&p, &d, err, sizeof err), DD_SKETCH_OK);
    return d;
}

static void test_params(void **state) {
    (void)state;
    for (int k = 0; k < DD_DETECTOR_KINDS; k++) {
        const char *name = dd_detector_kind_name((dd_detector_kind_t)k);
        assert_non_null(name);
        assert_int_equal(dd_detector_kind_from_name(name), k);
        dd_detector_t *d = make((dd_detector_kind_t)k);
        assert_int_equal(dd_detector_params(d)->kind, k);
        dd_detector_destroy(d);
    }
    assert_int_equal(dd_detector_kind_from_name("adwin2"), DD_DETECTOR_KINDS);
    assert_null(dd_detector_kind_name(DD_DETECTOR_KINDS));
    dd_detector_params_t p;
    dd_detector_params_init(DD_DETECTOR_ADWIN, &p);
    assert_true(p.delta == 0.002 && p.clock == 32 && p.max_buckets == 5 &&
                p.min_window_length == 5 && p.grace_period == 10);
    dd_detector_params_init(DD_DETECTOR_PAGE_HINKLEY, &p);
    assert_true(p.delta == 0.005 && p.threshold == 50.0 && p.alpha == 1.0 - 0.0001 &&
                p.min_instances == 30 && p.mode == DD_DETECTOR_BOTH);
    dd_detector_params_init(DD_DETECTOR_KSWIN, &p);
    assert_true(p.alpha == 0.005 && p.window_size == 100 && p.stat_size == 30);
    dd_detector_params_init(DD_DETECTOR_EDDM, &p);
    assert_true(p.alpha == 0.95 && p.beta == 0.9 && p.warm_start == 30);

    static const struct {
        dd_detector_kind_t kind;
        const char *field;
        const char *needle;
    } bad[] = {
        {DD_DETECTOR_ADWIN, "delta", "delta"},
        {DD_DETECTOR_ADWIN, "clock", "clock"},
        {DD_DETECTOR_EDDM, "alpha", "beta"},
        {DD_DETECTOR_PAGE_HINKLEY, "threshold", "threshold"},
        {DD_DETECTOR_HDDM_W, "lambda", "lambda"},
        {DD_DETECTOR_KSWIN, "stat_size", "stat_size"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        dd_detector_params_init(bad[i].kind, &p);
        if (strcmp(bad[i].field, "delta") == 0)
            p.delta = 1.5;
        else if (strcmp(bad[i].field, "clock") == 0)
            p.clock = 0;
        else if (strcmp(bad[i].field, "alpha") == 0)
            p.alpha = 0.5; /* below beta */
        else if (strcmp(bad[i].field, "threshold") == 0)
            p.threshold = NAN;
        else if (strcmp(bad[i].field, "lambda") == 0)
            p.lambda = 0.0;
        else
            p.stat_size = p.window_size;
        dd_detector_t *d = (dd_detector_t *)&p; /* must become NULL */
        char err[256] = "";
        assert_int_equal(dd_detector_new(&p, &d, err, sizeof err), DD_SKETCH_ERR_INVALID_ARGUMENT);
        assert_null(d);
        if (strstr(err, bad[i].needle) == NULL)
            fail_msg("refusing %s: message \"%s\" does not name it", bad[i].field, err);
    }
    p.kind = DD_DETECTOR_KINDS;
    dd_detector_t *d = NULL;
    assert_int_equal(dd_detector_new(&p, &d, NULL, 0), DD_SKETCH_ERR_INVALID_ARGUMENT);
}

static size_t count_drifts(const uint8_t *f, size_t n) {
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += (f[i] & DD_DETECTOR_FLAG_DRIFT) != 0;
    return c;
}

static void test_batching(void **state) {
    (void)state;
    double *x = malloc(N * sizeof(double));
    uint8_t *whole = malloc(N), *parts = malloc(N), *single = malloc(N);
    assert_non_null(x);
    for (int k = 0; k < DD_DETECTOR_KINDS; k++) {
        make_stream((dd_detector_kind_t)k, 7u + (uint64_t)k, x);
        dd_detector_t *a = make((dd_detector_kind_t)k), *b = make((dd_detector_kind_t)k),
                      *c = make((dd_detector_kind_t)k);
        const size_t drifts = dd_detector_update(a, x, N, whole);
        assert_int_equal(drifts, count_drifts(whole, N));
        assert_int_equal(dd_detector_drifts(a), drifts);
        assert_int_equal(dd_detector_values(a), N);
        rng_state = 99;
        for (size_t i = 0; i < N;) {
            size_t len = 1 + (size_t)(next_uniform() * 300);
            if (len > N - i)
                len = N - i;
            dd_detector_update(b, x + i, len, parts + i);
            i += len;
        }
        for (size_t i = 0; i < N; i++)
            dd_detector_update(c, x + i, 1, single + i);
        for (size_t i = 0; i < N; i++)
            if (whole[i] != parts[i] || whole[i] != single[i])
                fail_msg("%s: value %zu flagged %u in one batch, %u in parts, %u alone",
                         dd_detector_kind_name((dd_detector_kind_t)k), i, whole[i], parts[i],
                         single[i]);
        /* reset: as new */
        dd_detector_reset(a);
        assert_int_equal(dd_detector_values(a), 0);
        assert_int_equal(dd_detector_update(a, x, N, parts), drifts);
        assert_memory_equal(parts, whole, N);
        /* no flags asked for: the same count */
        dd_detector_reset(a);
        assert_int_equal(dd_detector_update(a, x, N, NULL), drifts);
        dd_detector_destroy(a);
        dd_detector_destroy(b);
        dd_detector_destroy(c);
    }
    free(x);
    free(whole);
    free(parts);
    free(single);
}

static void test_non_finite_skipped(void **state) {
    (void)state;
    double *x = malloc(N * sizeof(double)), *y = malloc(2 * N * sizeof(double));
    uint8_t *fx = malloc(N), *fy = malloc(2 * N);
    assert_non_null(y);
    const double odd[] = {NAN, INFINITY, -INFINITY};
    for (int k = 0; k < DD_DETECTOR_KINDS; k++) {
        make_stream((dd_detector_kind_t)k, 11u + (uint64_t)k, x);
        size_t ny = 0, skipped = 0;
        rng_state = 5;
        for (size_t i = 0; i < N; i++) {
            while (next_uniform() < 0.2) {
                y[ny++] = odd[skipped % 3];
                skipped++;
            }
            y[ny++] = x[i];
        }
        dd_detector_t *a = make((dd_detector_kind_t)k), *b = make((dd_detector_kind_t)k);
        dd_detector_update(a, x, N, fx);
        memset(fy, 0xff, ny);
        dd_detector_update(b, y, ny, fy);
        assert_int_equal(dd_detector_skipped(b), skipped);
        assert_int_equal(dd_detector_values(b), ny);
        assert_int_equal(dd_detector_drifts(b), dd_detector_drifts(a));
        for (size_t i = 0, j = 0; j < ny; j++) {
            if (!isfinite(y[j])) {
                assert_int_equal(fy[j], 0);
                continue;
            }
            if (fy[j] != fx[i])
                fail_msg("%s: value %zu flagged %u alone, %u among non-finite values",
                         dd_detector_kind_name((dd_detector_kind_t)k), i, fx[i], fy[j]);
            i++;
        }
        dd_detector_destroy(a);
        dd_detector_destroy(b);
    }
    free(x);
    free(y);
    free(fx);
    free(fy);
}

static void test_large_change_found(void **state) {
    (void)state;
    double *x = malloc(N * sizeof(double));
    uint8_t *f = malloc(N);
    for (int k = 0; k < DD_DETECTOR_KINDS; k++) {
        make_stream((dd_detector_kind_t)k, 7u + (uint64_t)k, x);
        dd_detector_t *d = make((dd_detector_kind_t)k);
        dd_detector_update(d, x, N, f);
        size_t first = N;
        for (size_t i = CHANGE; i < N && first == N; i++)
            if (f[i] & DD_DETECTOR_FLAG_DRIFT)
                first = i;
        if (first > CHANGE + 500)
            fail_msg("%s: no drift within 500 values after the change at %d (first at %zu)",
                     dd_detector_kind_name((dd_detector_kind_t)k), CHANGE, first);
        dd_detector_destroy(d);
    }
    free(x);
    free(f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_params),
        cmocka_unit_test(test_batching),
        cmocka_unit_test(test_non_finite_skipped),
        cmocka_unit_test(test_large_change_found),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
