/* test_window.c — sketch sets and the ring of panes (sketches/sketch_set.c, window.c).
 *
 * - a sketch set routes numeric and categorical batches to the right sketches and refuses wrong
 *   field indexes or kinds; sets from different specs do not merge, and a refused merge leaves the
 *   target untouched;
 * - serialization of a whole set round-trips (every sketch answers the same) and rejects every
 *   truncation and single-bit flip;
 * - a record goes to the pane of its timestamp; a record older than the oldest live pane is late;
 *   moving forward expires exactly the panes that leave the window; a jump of more than the window
 *   empties it; negative timestamps work (floor division);
 * - the merged window equals one set fed with exactly the live records: moments, histogram, KLL
 *   count, HLL estimate and category totals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sketches.h"

static const double edges[] = {-2.0, -1.0, 0.0, 1.0, 2.0};

static void make_specs(dd_field_spec_t specs[2]) {
    memset(specs, 0, 2 * sizeof(dd_field_spec_t));
    specs[0].kind = DD_FIELD_NUMERIC;
    specs[0].edges = edges;
    specs[0].n_edges = 5;
    specs[0].kll_k = 64;
    specs[1].kind = DD_FIELD_CATEGORICAL;
    specs[1].hll_p = 10;
    specs[1].frequent_capacity = 16;
}

static uint64_t hash_of(uint64_t x) {
    uint64_t z = x + 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Record i: value (i % 41) / 10 − 2 and category hash_of(i % 7). */
static void feed(dd_sketch_set_t *set, uint64_t from, uint64_t to) {
    for (uint64_t i = from; i < to; i++) {
        const double v = (double)(i % 41) / 10.0 - 2.0;
        const uint64_t h = hash_of(i % 7);
        assert_int_equal(dd_sketch_set_update_numeric(set, 0, &v, NULL, 1), DD_SKETCH_OK);
        assert_int_equal(dd_sketch_set_update_categorical(set, 1, &h, NULL, 1), DD_SKETCH_OK);
        dd_sketch_set_add_rows(set, 1);
    }
}

static void assert_sets_equal(const dd_sketch_set_t *a, const dd_sketch_set_t *b) {
    assert_int_equal(dd_sketch_set_rows(a), dd_sketch_set_rows(b));
    const dd_moments_t *ma = dd_sketch_set_moments(a, 0), *mb = dd_sketch_set_moments(b, 0);
    assert_int_equal(ma->count, mb->count);
    if (ma->count > 0) {
        assert_true(fabs(ma->mean - mb->mean) <= 1e-12 * (1 + fabs(mb->mean)));
        assert_true(ma->min == mb->min && ma->max == mb->max);
    }
    assert_memory_equal(dd_histogram_counts(dd_sketch_set_histogram(a, 0)),
                        dd_histogram_counts(dd_sketch_set_histogram(b, 0)), 4 * sizeof(uint64_t));
    assert_int_equal(dd_kll_count(dd_sketch_set_kll(a, 0)), dd_kll_count(dd_sketch_set_kll(b, 0)));
    assert_true(dd_hll_estimate(dd_sketch_set_hll(a, 1)) == dd_hll_estimate(dd_sketch_set_hll(b, 1)));
    assert_int_equal(dd_frequent_total(dd_sketch_set_frequent(a, 1)),
                     dd_frequent_total(dd_sketch_set_frequent(b, 1)));
}

static void test_set_routing_and_errors(void **state) {
    (void)state;
    dd_field_spec_t specs[2];
    make_specs(specs);
    dd_sketch_set_t *set;
    assert_int_equal(dd_sketch_set_new(specs, 2, 1, &set), DD_SKETCH_OK);
    const double v = 0.5;
    const uint64_t h = 42;
    assert_int_equal(dd_sketch_set_update_numeric(set, 1, &v, NULL, 1), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_sketch_set_update_categorical(set, 0, &h, NULL, 1),
                     DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_sketch_set_update_numeric(set, 2, &v, NULL, 1), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_null(dd_sketch_set_hll(set, 0));
    assert_null(dd_sketch_set_moments(set, 1));
    assert_non_null(dd_sketch_set_kll(set, 0));
    feed(set, 0, 100);
    assert_int_equal(dd_sketch_set_moments(set, 0)->count, 100);
    assert_int_equal(dd_frequent_total(dd_sketch_set_frequent(set, 1)), 100);

    /* Different edges: refused, and the target is unchanged. */
    dd_field_spec_t other[2];
    make_specs(other);
    const double other_edges[] = {-2.0, -1.0, 0.0, 1.0, 3.0};
    other[0].edges = other_edges;
    dd_sketch_set_t *o;
    assert_int_equal(dd_sketch_set_new(other, 2, 1, &o), DD_SKETCH_OK);
    feed(o, 0, 10);
    assert_int_equal(dd_sketch_set_merge(set, o), DD_SKETCH_ERR_INCOMPATIBLE);
    assert_int_equal(dd_sketch_set_rows(set), 100);
    assert_int_equal(dd_sketch_set_moments(set, 0)->count, 100);
    dd_sketch_set_destroy(o);

    /* Bad specs. */
    dd_field_spec_t bad[2];
    make_specs(bad);
    bad[1].kind = (dd_field_kind_t)9;
    assert_int_equal(dd_sketch_set_new(bad, 2, 1, &o), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_null(o);
    make_specs(bad);
    bad[0].n_edges = 1;
    assert_int_equal(dd_sketch_set_new(bad, 2, 1, &o), DD_SKETCH_ERR_INVALID_ARGUMENT);
    dd_sketch_set_destroy(set);
    dd_sketch_set_destroy(NULL);
}

static void test_set_serialize(void **state) {
    (void)state;
    dd_field_spec_t specs[2];
    make_specs(specs);
    specs[0].kll_k = 8; /* compacts early: the form must carry levels, not just raw values */
    dd_sketch_set_t *set, *back;
    assert_int_equal(dd_sketch_set_new(specs, 2, 3, &set), DD_SKETCH_OK);
    feed(set, 0, 300);
    const size_t size = dd_sketch_set_serialized_size(set);
    uint8_t *buf = malloc(size);
    size_t written = 0;
    assert_int_equal(dd_sketch_set_serialize(set, buf, size - 1, &written),
                     DD_SKETCH_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(dd_sketch_set_serialize(set, buf, size, &written), DD_SKETCH_OK);
    assert_int_equal(written, size);
    assert_int_equal(dd_sketch_set_deserialize(buf, size, &back), DD_SKETCH_OK);
    assert_sets_equal(set, back);
    for (int q = 0; q <= 10; q++)
        assert_true(dd_kll_quantile(dd_sketch_set_kll(set, 0), q / 10.0) ==
                    dd_kll_quantile(dd_sketch_set_kll(back, 0), q / 10.0));
    /* Merging the copy into the original doubles everything: the layouts match. */
    assert_int_equal(dd_sketch_set_merge(back, set), DD_SKETCH_OK);
    assert_int_equal(dd_sketch_set_rows(back), 600);
    dd_sketch_set_destroy(back);
    for (size_t cut = 0; cut < size; cut++) {
        assert_int_not_equal(dd_sketch_set_deserialize(buf, cut, &back), DD_SKETCH_OK);
        assert_null(back);
    }
    for (size_t byte = 0; byte < size; byte += 3)
        for (int bit = 0; bit < 8; bit++) {
            buf[byte] ^= (uint8_t)(1u << bit);
            assert_int_not_equal(dd_sketch_set_deserialize(buf, size, &back), DD_SKETCH_OK);
            buf[byte] ^= (uint8_t)(1u << bit);
        }
    free(buf);
    dd_sketch_set_destroy(set);
}

static void test_panes_late_and_expiry(void **state) {
    (void)state;
    dd_field_spec_t specs[2];
    make_specs(specs);
    dd_window_t *w;
    assert_int_equal(dd_window_new(specs, 2, 4, 1000, 7, &w), DD_SKETCH_OK);
    assert_int_equal(dd_window_start_ms(w), 0);
    dd_sketch_set_t *p = dd_window_pane_for(w, 10500); /* pane 10 */
    assert_non_null(p);
    assert_int_equal(dd_window_start_ms(w), 7000);
    assert_int_equal(dd_window_end_ms(w), 11000);
    assert_ptr_equal(dd_window_pane_for(w, 10999), p);
    assert_ptr_not_equal(dd_window_pane_for(w, 9999), p); /* pane 9, live */
    assert_non_null(dd_window_pane_for(w, 7000));         /* pane 7, the oldest live */
    assert_null(dd_window_pane_for(w, 6999));             /* pane 6: late */
    feed(p, 0, 50);
    assert_int_equal(dd_sketch_set_rows(p), 50);

    /* Pane 12 opens: panes 7 and 8 expire; pane 10's data stays. */
    dd_sketch_set_t *p12 = dd_window_pane_for(w, 12000);
    assert_int_equal(dd_sketch_set_rows(p12), 0);
    assert_int_equal(dd_window_start_ms(w), 9000);
    assert_null(dd_window_pane_for(w, 8500));
    assert_int_equal(dd_sketch_set_rows(dd_window_pane_for(w, 10000)), 50);

    /* A jump past the whole window leaves it empty: pane 10's slot is reused by pane 14. */
    dd_window_advance(w, 20000);
    assert_int_equal(dd_window_live_panes(w), 4);
    dd_sketch_set_t *merged;
    assert_int_equal(dd_window_new_set(w, &merged), DD_SKETCH_OK);
    assert_int_equal(dd_window_merge_live(w, merged), DD_SKETCH_OK);
    assert_int_equal(dd_sketch_set_rows(merged), 0);
    assert_int_equal(dd_window_start_ms(w), 17000);
    dd_sketch_set_destroy(merged);

    /* Advancing backwards does nothing. */
    dd_window_advance(w, 0);
    assert_int_equal(dd_window_end_ms(w), 21000);
    dd_window_destroy(w);

    /* Negative time: pane −1 covers [−1000, 0). */
    assert_int_equal(dd_window_new(specs, 2, 2, 1000, 7, &w), DD_SKETCH_OK);
    p = dd_window_pane_for(w, -1);
    assert_int_equal(dd_window_end_ms(w), 0);
    assert_ptr_equal(dd_window_pane_for(w, -1000), p);
    assert_ptr_not_equal(dd_window_pane_for(w, -1001), p);
    dd_window_destroy(w);

    assert_int_equal(dd_window_new(specs, 2, 0, 1000, 7, &w), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_window_new(specs, 2, 3, 0, 7, &w), DD_SKETCH_ERR_INVALID_ARGUMENT);
}

static void test_merged_window_equals_live_records(void **state) {
    (void)state;
    dd_field_spec_t specs[2];
    make_specs(specs);
    enum { PANES = 6, PANE_MS = 100, RECORDS = 5000 };
    dd_window_t *w;
    assert_int_equal(dd_window_new(specs, 2, PANES, PANE_MS, 11, &w), DD_SKETCH_OK);
    /* Record i at time i/4 ms (4 records per ms): 20 panes' worth, the last 6 stay live. */
    for (uint64_t i = 0; i < RECORDS; i++) {
        dd_sketch_set_t *pane = dd_window_pane_for(w, (int64_t)(i / 4));
        assert_non_null(pane);
        feed(pane, i, i + 1);
    }
    const int64_t start = dd_window_start_ms(w);
    assert_int_equal(dd_window_end_ms(w) - start, PANES * PANE_MS);
    dd_sketch_set_t *merged, *direct;
    assert_int_equal(dd_window_new_set(w, &merged), DD_SKETCH_OK);
    assert_int_equal(dd_window_merge_live(w, merged), DD_SKETCH_OK);
    assert_int_equal(dd_sketch_set_new(specs, 2, 11, &direct), DD_SKETCH_OK);
    feed(direct, (uint64_t)start * 4, RECORDS);
    assert_sets_equal(merged, direct);
    assert_int_equal(dd_sketch_set_rows(merged), RECORDS - start * 4);
    dd_sketch_set_destroy(merged);
    dd_sketch_set_destroy(direct);
    dd_window_destroy(w);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set_routing_and_errors),
        cmocka_unit_test(test_set_serialize),
        cmocka_unit_test(test_panes_late_and_expiry),
        cmocka_unit_test(test_merged_window_equals_live_records),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
