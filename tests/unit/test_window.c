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
 *   count, HLL estimate and category totals;
 * - a window round-trips through dd_window_serialize / dd_window_deserialize with the same
 *   behaviour (pane_for, late records, start/end, live panes, rows, merge_live, further expiry)
 *   and the same bytes, fresh or in use; every truncation, bit flip and inconsistent header
 *   (pane indices, pane counts, mixed specs, out-of-range newest) is an error, never a crash;
 * - a window holds a set only for panes that have had data (one pane used: one set), frees it
 *   when the pane falls out, and writes an empty pane as a new set: the bytes of a ring of eager
 *   sets, as a reset set writes them too;
 * - timestamps beyond DD_WINDOW_TIME_MS_MAX are refused without overflow;
 * - a ring large enough for the block cache merges every range, across late records into old
 *   panes, expiry and jumps, to the same counts as the records it holds (a stale block would
 *   miscount), and a warm cache merges to the same bytes as a cold one (a restored window);
 * - a set whose specs mark two or more numeric fields joint keeps their joint summary in two
 *   halves: every complete row in exactly one half, halves within one batch part of each other,
 *   the same numbers as one summary fed asinh of every row; merges half with half, resets, serializes
 *   (round trip to the same bytes; every truncation refused) and carries the marks through
 *   dd_sketch_set_spec and new_like; one mark alone makes no summary, a categorical mark is an
 *   error, and a set with the summary does not merge with one without; a window's pane range
 *   lists the panes a range merge takes. */
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

/* Three numeric fields, two joint (0 and 2), and a categorical one. */
static void test_set_joint(void **state) {
    (void)state;
    dd_field_spec_t specs[4] = {{.kind = DD_FIELD_NUMERIC, .joint = 1},
                                {.kind = DD_FIELD_NUMERIC},
                                {.kind = DD_FIELD_NUMERIC, .joint = 1},
                                {.kind = DD_FIELD_CATEGORICAL}};
    dd_sketch_set_t *set, *whole_set, *back, *plain;
    assert_int_equal(dd_sketch_set_new(specs, 4, 1, &set), DD_SKETCH_OK);
    assert_int_equal(dd_sketch_set_joint_fields(set), 2);
    assert_int_equal(dd_sketch_set_joint_field(set, 1), 2);
    dd_field_spec_t got;
    assert_int_equal(dd_sketch_set_spec(set, 2, &got), DD_SKETCH_OK);
    assert_int_equal(got.joint, 1);
    enum { N = 1000 };
    double *a = malloc(N * sizeof(double)), *b = malloc(N * sizeof(double));
    double *c = malloc(N * sizeof(double));
    uint8_t nulls[N / 8] = {0};
    uint64_t *h = calloc(N, sizeof(uint64_t));
    for (int i = 0; i < N; i++) {
        a[i] = sin(i * 0.7) * 3 + 1;
        b[i] = i % 7;
        c[i] = a[i] * 0.5 + cos(i * 1.3);
    }
    nulls[5] = 0x11; /* rows 40 and 44 of field 2 are missing */
    const double *numbers[4] = {a, b, c, NULL};
    const uint8_t *nl[4] = {NULL, NULL, nulls, NULL};
    dd_joint_t *whole; /* the set summarises asinh of the values */
    assert_int_equal(dd_joint_new(2, 0, &whole), DD_SKETCH_OK);
    double *ta = malloc(N * sizeof(double)), *tc = malloc(N * sizeof(double));
    for (int i = 0; i < N; i++) {
        ta[i] = asinh(a[i]);
        tc[i] = asinh(c[i]);
    }
    const double *wc[2] = {ta, tc};
    const uint8_t *wn[2] = {NULL, nulls};
    assert_int_equal(dd_joint_update(whole, wc, wn, N), DD_SKETCH_OK);
    /* three batches: 600, 399 and 1 rows */
    for (size_t off = 0, n = 600; off < N; off += n, n = off == 600 ? 399 : 1) {
        const double *o[4] = {a + off, b + off, c + off, NULL};
        const uint8_t *on[4] = {NULL, NULL, off % 8 == 0 ? nulls + off / 8 : NULL, NULL};
        if (off % 8 != 0) /* the test's nulls lie in the first batch */
            on[2] = NULL;
        assert_int_equal(dd_sketch_set_update_joint(set, o, on, n), DD_SKETCH_OK);
    }
    const dd_joint_t *h0 = dd_sketch_set_joint(set, 0), *h1 = dd_sketch_set_joint(set, 1);
    assert_non_null(h0);
    assert_non_null(h1);
    assert_null(dd_sketch_set_joint(set, 2));
    assert_int_equal(dd_joint_count(h0) + dd_joint_count(h1), N - 2);
    assert_int_equal(dd_joint_incomplete(h0) + dd_joint_incomplete(h1), 2);
    const uint64_t r0 = dd_joint_count(h0) + dd_joint_incomplete(h0);
    const uint64_t r1 = dd_joint_count(h1) + dd_joint_incomplete(h1);
    assert_true(r0 > r1 ? r0 - r1 <= 9 : r1 - r0 <= 9);
    /* the halves together are the whole */
    dd_joint_t *both;
    assert_int_equal(dd_joint_new_like(h0, &both), DD_SKETCH_OK);
    assert_int_equal(dd_joint_merge(both, h0), DD_SKETCH_OK);
    assert_int_equal(dd_joint_merge(both, h1), DD_SKETCH_OK);
    double cb[4], cw[4];
    assert_int_equal(dd_joint_covariance(both, cb), DD_SKETCH_OK);
    assert_int_equal(dd_joint_covariance(whole, cw), DD_SKETCH_OK);
    for (int i = 0; i < 4; i++)
        assert_true(fabs(cb[i] - cw[i]) <= 1e-12 * (fabs(cw[i]) + 1));
    /* merge, round trip, reset */
    assert_int_equal(dd_sketch_set_new_like(set, &whole_set), DD_SKETCH_OK);
    assert_int_equal(dd_sketch_set_joint_fields(whole_set), 2);
    assert_int_equal(dd_sketch_set_merge(whole_set, set), DD_SKETCH_OK);
    assert_int_equal(dd_joint_count(dd_sketch_set_joint(whole_set, 0)), dd_joint_count(h0));
    const size_t size = dd_sketch_set_serialized_size(set);
    uint8_t *buf = malloc(size), *again = malloc(size);
    assert_int_equal(dd_sketch_set_serialize(set, buf, size, NULL), DD_SKETCH_OK);
    assert_int_equal(dd_sketch_set_deserialize(buf, size, &back), DD_SKETCH_OK);
    assert_int_equal(dd_sketch_set_serialize(back, again, size, NULL), DD_SKETCH_OK);
    assert_memory_equal(buf, again, size);
    assert_int_equal(dd_joint_count(dd_sketch_set_joint(back, 1)), dd_joint_count(h1));
    for (size_t cut = 0; cut < size; cut += 7)
        assert_int_not_equal(dd_sketch_set_deserialize(buf, cut, &plain), DD_SKETCH_OK);
    dd_sketch_set_reset(back);
    assert_int_equal(dd_joint_count(dd_sketch_set_joint(back, 0)), 0);
    /* one mark alone: no summary; a categorical mark: an error; with and without do not merge */
    dd_field_spec_t one[2] = {{.kind = DD_FIELD_NUMERIC, .joint = 1}, {.kind = DD_FIELD_NUMERIC}};
    assert_int_equal(dd_sketch_set_new(one, 2, 1, &plain), DD_SKETCH_OK);
    assert_int_equal(dd_sketch_set_joint_fields(plain), 0);
    assert_int_equal(dd_sketch_set_update_joint(plain, numbers, nl, N), DD_SKETCH_OK);
    dd_sketch_set_destroy(plain);
    dd_field_spec_t bad[2] = {{.kind = DD_FIELD_NUMERIC, .joint = 1},
                              {.kind = DD_FIELD_CATEGORICAL, .joint = 1}};
    assert_int_equal(dd_sketch_set_new(bad, 2, 1, &plain), DD_SKETCH_ERR_INVALID_ARGUMENT);
    dd_field_spec_t none[4] = {{.kind = DD_FIELD_NUMERIC}, {.kind = DD_FIELD_NUMERIC},
                               {.kind = DD_FIELD_NUMERIC}, {.kind = DD_FIELD_CATEGORICAL}};
    assert_int_equal(dd_sketch_set_new(none, 4, 1, &plain), DD_SKETCH_OK);
    assert_int_equal(dd_sketch_set_merge(plain, set), DD_SKETCH_ERR_INCOMPATIBLE);
    assert_int_equal(dd_sketch_set_merge(set, plain), DD_SKETCH_ERR_INCOMPATIBLE);
    dd_sketch_set_destroy(plain);
    /* a window's pane range */
    dd_window_t *w;
    assert_int_equal(dd_window_new(specs, 4, 10, 1000, 1, &w), DD_SKETCH_OK);
    for (int64_t t = 0; t < 5000; t += 2000)
        dd_sketch_set_add_rows(dd_window_pane_for(w, t), 1);
    const dd_sketch_set_t *panes[10];
    assert_int_equal(dd_window_panes_range(w, 0, 5000, panes, 10), 3);
    assert_int_equal(dd_window_panes_range(w, 1000, 4000, panes, 10), 1);
    assert_int_equal(dd_window_panes_range(w, 0, 5000, panes, 2), 2);
    assert_int_equal(dd_sketch_set_joint_fields(panes[0]), 2);
    dd_window_destroy(w);
    dd_sketch_set_destroy(back);
    dd_sketch_set_destroy(whole_set);
    dd_sketch_set_destroy(set);
    dd_joint_destroy(both);
    dd_joint_destroy(whole);
    free(buf);
    free(again);
    free(a);
    free(b);
    free(c);
    free(ta);
    free(tc);
    free(h);
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

/* a and b serialize to the same bytes: the same sketches, bit for bit. */
static void assert_same_bytes(const dd_sketch_set_t *a, const dd_sketch_set_t *b) {
    const size_t na = dd_sketch_set_serialized_size(a);
    assert_int_equal(na, dd_sketch_set_serialized_size(b));
    uint8_t *ba = malloc(na), *bb = malloc(na);
    assert_non_null(ba);
    assert_non_null(bb);
    assert_int_equal(dd_sketch_set_serialize(a, ba, na, NULL), DD_SKETCH_OK);
    assert_int_equal(dd_sketch_set_serialize(b, bb, na, NULL), DD_SKETCH_OK);
    assert_memory_equal(ba, bb, na);
    free(ba);
    free(bb);
}

/* An empty pane has no set and is written as a new one; a reset set (what an expired pane was
 * before panes were made lazily) writes the same bytes, so checkpoints keep their bytes. */
static void test_reset_set_writes_new_set_bytes(void **state) {
    (void)state;
    dd_field_spec_t specs[2];
    make_specs(specs);
    dd_sketch_set_t *used = NULL, *fresh = NULL;
    assert_int_equal(dd_sketch_set_new(specs, 2, 7, &used), DD_SKETCH_OK);
    assert_int_equal(dd_sketch_set_new(specs, 2, 7, &fresh), DD_SKETCH_OK);
    feed(used, 0, 5000); /* KLL compacted over several levels, categories past the capacity */
    dd_sketch_set_reset(used);
    assert_same_bytes(used, fresh);
    dd_sketch_set_destroy(used);
    dd_sketch_set_destroy(fresh);
}

/* A window holds a set only for the panes that have had data: one pane used, one set; a pane
 * that falls out gives its set back; merges, rows and serialization treat the other panes as
 * empty, with the bytes of a ring of new sets; a restored window holds the same sets. */
static void test_panes_made_on_first_data(void **state) {
    (void)state;
    dd_field_spec_t specs[2];
    make_specs(specs);
    dd_window_t *w = NULL, *r = NULL;
    assert_int_equal(dd_window_new(specs, 2, 16, 1000, 7, &w), DD_SKETCH_OK);
    assert_int_equal(dd_window_pane_sets(w), 0);
    dd_sketch_set_t *pane = dd_window_pane_for(w, 5500);
    assert_non_null(pane);
    feed(pane, 0, 100);
    assert_int_equal(dd_window_pane_sets(w), 1);
    assert_ptr_equal(dd_window_pane_for(w, 5999), pane); /* the same pane: no second set */
    dd_window_advance(w, 12000);                         /* opens panes 6..12, all empty */
    assert_int_equal(dd_window_pane_sets(w), 1);
    assert_int_equal(dd_window_live_panes(w), 16);
    assert_int_equal(dd_window_rows(w), 100);
    /* A window of eager sets: every pane given a set, as windows made them before; the same
     * data in pane 5. */
    dd_window_t *eager = NULL;
    assert_int_equal(dd_window_new(specs, 2, 16, 1000, 7, &eager), DD_SKETCH_OK);
    for (int64_t t = 0; t < 13000; t += 1000)
        assert_non_null(dd_window_pane_for(eager, t));
    feed(dd_window_pane_for(eager, 5500), 0, 100);
    assert_int_equal(dd_window_pane_sets(eager), 13);
    dd_sketch_set_t *merged = NULL, *expect = NULL;
    assert_int_equal(dd_window_new_set(w, &merged), DD_SKETCH_OK);
    assert_int_equal(dd_window_new_set(w, &expect), DD_SKETCH_OK);
    assert_int_equal(dd_window_merge_live(w, merged), DD_SKETCH_OK);
    assert_int_equal(dd_window_merge_live(eager, expect), DD_SKETCH_OK);
    assert_same_bytes(merged, expect);
    assert_int_equal(dd_sketch_set_rows(merged), 100);
    assert_int_equal(dd_window_merge_range(w, 0, 13000, merged), DD_SKETCH_OK);
    assert_same_bytes(merged, expect);
    /* round trip: the same bytes, and the restored window holds the one set too */
    const size_t n = dd_window_serialized_size(w);
    uint8_t *a = malloc(n), *b = malloc(n);
    assert_int_equal(dd_window_serialize(w, a, n, NULL), DD_SKETCH_OK);
    assert_int_equal(dd_window_deserialize(a, n, &r), DD_SKETCH_OK);
    assert_int_equal(dd_window_pane_sets(r), 1);
    assert_int_equal(dd_window_serialized_size(r), n);
    assert_int_equal(dd_window_serialize(r, b, n, NULL), DD_SKETCH_OK);
    assert_memory_equal(a, b, n);
    /* each empty slot wrote a new set's bytes: the window of eager sets writes the same */
    assert_int_equal(dd_window_serialized_size(eager), n);
    assert_int_equal(dd_window_serialize(eager, b, n, NULL), DD_SKETCH_OK);
    assert_memory_equal(a, b, n);
    /* pane 5 falls out: its set is freed */
    dd_window_advance(w, 21000);
    assert_int_equal(dd_window_pane_sets(w), 0);
    assert_int_equal(dd_window_rows(w), 0);
    /* carried into another ring: only panes with data get a set there */
    dd_window_t *to = NULL;
    assert_int_equal(dd_window_new(specs, 2, 8, 1000, 7, &to), DD_SKETCH_OK);
    assert_int_equal(dd_window_copy_panes(r, to), DD_SKETCH_OK);
    assert_int_equal(dd_window_pane_sets(to), 1);
    assert_int_equal(dd_window_rows(to), 100);
    assert_int_equal(dd_window_end_ms(to), dd_window_end_ms(r)); /* moved to from's newest */
    free(a);
    free(b);
    dd_sketch_set_destroy(merged);
    dd_sketch_set_destroy(expect);
    dd_window_destroy(w);
    dd_window_destroy(r);
    dd_window_destroy(eager);
    dd_window_destroy(to);
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

/* Serializes w into a malloc'd buffer; *len is its size. */
static uint8_t *window_bytes(const dd_window_t *w, size_t *len) {
    const size_t size = dd_window_serialized_size(w);
    uint8_t *buf = malloc(size);
    assert_non_null(buf);
    size_t written = 0;
    if (size > 0)
        assert_int_equal(dd_window_serialize(w, buf, size - 1, &written),
                         DD_SKETCH_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(dd_window_serialize(w, buf, size, &written), DD_SKETCH_OK);
    assert_int_equal(written, size);
    *len = size;
    return buf;
}

static void assert_windows_behave_alike(dd_window_t *a, dd_window_t *b) {
    assert_int_equal(dd_window_pane_ms(a), dd_window_pane_ms(b));
    assert_int_equal(dd_window_n_panes(a), dd_window_n_panes(b));
    assert_int_equal(dd_window_start_ms(a), dd_window_start_ms(b));
    assert_int_equal(dd_window_end_ms(a), dd_window_end_ms(b));
    assert_int_equal(dd_window_live_panes(a), dd_window_live_panes(b));
    assert_int_equal(dd_window_rows(a), dd_window_rows(b));
    dd_sketch_set_t *ma, *mb;
    assert_int_equal(dd_window_new_set(a, &ma), DD_SKETCH_OK);
    assert_int_equal(dd_window_new_set(b, &mb), DD_SKETCH_OK);
    assert_int_equal(dd_window_merge_live(a, ma), DD_SKETCH_OK);
    assert_int_equal(dd_window_merge_live(b, mb), DD_SKETCH_OK);
    assert_sets_equal(ma, mb);
    /* The merged sets serialize identically: same sketches, bit for bit. */
    assert_same_bytes(ma, mb);
    dd_sketch_set_destroy(ma);
    dd_sketch_set_destroy(mb);
}

static void test_window_serialize_roundtrip(void **state) {
    (void)state;
    dd_field_spec_t specs[2];
    make_specs(specs);
    specs[0].kll_k = 8;
    dd_window_t *w, *back;
    assert_int_equal(dd_window_new(specs, 2, 5, 1000, 9, &w), DD_SKETCH_OK);
    assert_int_equal(dd_window_pane_ms(w), 1000);
    assert_int_equal(dd_window_n_panes(w), 5);
    assert_int_equal(dd_window_rows(NULL), 0);

    /* Fresh: no pane yet. */
    size_t len;
    uint8_t *buf = window_bytes(w, &len);
    assert_int_equal(dd_window_deserialize(buf, len, &back), DD_SKETCH_OK);
    assert_windows_behave_alike(w, back);
    assert_int_equal(dd_window_end_ms(back), 0);
    dd_window_destroy(back);
    free(buf);

    /* In use: data in several panes, some expired, negative times included. */
    for (int64_t t = -3000; t < 9000; t += 7) {
        dd_sketch_set_t *p = dd_window_pane_for(w, t);
        assert_non_null(p);
        feed(p, (uint64_t)(t + 3000), (uint64_t)(t + 3001));
    }
    assert_true(dd_window_rows(w) > 0);
    buf = window_bytes(w, &len);
    assert_int_equal(dd_window_deserialize(buf, len, &back), DD_SKETCH_OK);
    assert_windows_behave_alike(w, back);
    /* Same bytes again. */
    size_t len2;
    uint8_t *buf2 = window_bytes(back, &len2);
    assert_int_equal(len, len2);
    assert_memory_equal(buf, buf2, len);
    free(buf2);
    /* Same behaviour from here on: late records, new panes, expiry, further data. */
    assert_null(dd_window_pane_for(back, 3999));
    assert_null(dd_window_pane_for(w, 3999));
    for (int64_t t = 8000; t < 12500; t += 13) {
        dd_sketch_set_t *pa = dd_window_pane_for(w, t), *pb = dd_window_pane_for(back, t);
        assert_true((pa == NULL) == (pb == NULL));
        if (pa != NULL) {
            feed(pa, (uint64_t)t, (uint64_t)t + 2);
            feed(pb, (uint64_t)t, (uint64_t)t + 2);
        }
    }
    assert_windows_behave_alike(w, back);
    dd_window_advance(w, 14000);
    dd_window_advance(back, 14000);
    assert_windows_behave_alike(w, back);
    dd_window_destroy(back);

    /* Every truncation is an error; so is every flipped bit (the CRC, or the checks behind it). */
    for (size_t cut = 0; cut < len; cut++) {
        assert_int_not_equal(dd_window_deserialize(buf, cut, &back), DD_SKETCH_OK);
        assert_null(back);
    }
    for (size_t byte = 0; byte < len; byte += 5)
        for (int bit = 0; bit < 8; bit++) {
            buf[byte] ^= (uint8_t)(1u << bit);
            assert_int_not_equal(dd_window_deserialize(buf, len, &back), DD_SKETCH_OK);
            assert_null(back);
            buf[byte] ^= (uint8_t)(1u << bit);
        }
    assert_int_equal(dd_window_deserialize(NULL, 0, &back), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_window_deserialize(buf, len, NULL), DD_SKETCH_ERR_INVALID_ARGUMENT);
    /* A sketch set is not a window. */
    dd_sketch_set_t *set;
    assert_int_equal(dd_window_new_set(w, &set), DD_SKETCH_OK);
    const size_t sn = dd_sketch_set_serialized_size(set);
    uint8_t *sb = malloc(sn);
    assert_int_equal(dd_sketch_set_serialize(set, sb, sn, NULL), DD_SKETCH_OK);
    assert_int_equal(dd_window_deserialize(sb, sn, &back), DD_SKETCH_ERR_WRONG_TYPE);
    free(sb);
    dd_sketch_set_destroy(set);
    free(buf);
    dd_window_destroy(w);
}

/* Rewrites the envelope's CRC after a deliberate edit, so the structural checks are reached. */
static uint32_t crc32c_ref(const uint8_t *p, size_t n) {
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1u)));
    }
    return ~crc;
}

static void fix_crc(uint8_t *buf, size_t len) {
    const uint32_t crc = crc32c_ref(buf, len - 4);
    for (int i = 0; i < 4; i++)
        buf[len - 4 + (size_t)i] = (uint8_t)(crc >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void test_window_deserialize_rejects_inconsistent(void **state) {
    (void)state;
    dd_field_spec_t specs[2];
    make_specs(specs);
    dd_window_t *w, *back;
    assert_int_equal(dd_window_new(specs, 2, 3, 1000, 9, &w), DD_SKETCH_OK);
    feed(dd_window_pane_for(w, 5500), 0, 10);
    size_t len;
    uint8_t *buf = window_bytes(w, &len);
    uint8_t *copy = malloc(len);
    /* Payload: 12 header bytes, then n_panes u32 at 12, pane_ms at 16, newest at 24, slot 0's
     * pane index at 32. */
    const struct {
        size_t at;
        uint64_t value;
        int width;
    } edits[] = {
        {12, 0, 4},                          /* n_panes 0 */
        {12, DD_WINDOW_PANES_MAX + 1, 4},    /* too many panes */
        {12, 4, 4},                          /* more panes than slots */
        {16, 0, 8},                          /* pane_ms 0 */
        {16, (uint64_t)-5, 8},               /* negative pane_ms */
        {24, 6, 8},                          /* newest moved: slots no longer hold its panes */
        {24, (uint64_t)INT64_MAX, 8},        /* newest beyond the time range */
        {24, (uint64_t)INT64_MIN, 8},        /* "no pane yet" while slots hold panes */
        {32, 7, 8},                          /* slot 0 claims another pane */
        {32, (uint64_t)INT64_MIN, 8},        /* slot 0 claims none */
    };
    for (size_t e = 0; e < sizeof(edits) / sizeof(edits[0]); e++) {
        memcpy(copy, buf, len);
        if (edits[e].width == 4)
            for (int i = 0; i < 4; i++)
                copy[edits[e].at + (size_t)i] = (uint8_t)(edits[e].value >> (8 * i));
        else
            put64(copy + edits[e].at, edits[e].value);
        fix_crc(copy, len);
        assert_int_not_equal(dd_window_deserialize(copy, len, &back), DD_SKETCH_OK);
        assert_null(back);
    }
    /* Panes of different specs: splice a pane of another window (other edges) into slot 1. */
    dd_field_spec_t other[2];
    make_specs(other);
    const double other_edges[] = {-2.0, -1.0, 0.0, 1.0, 3.0};
    other[0].edges = other_edges;
    dd_window_t *o;
    assert_int_equal(dd_window_new(other, 2, 3, 1000, 9, &o), DD_SKETCH_OK);
    feed(dd_window_pane_for(o, 5500), 0, 10);
    size_t olen;
    uint8_t *obuf = window_bytes(o, &olen);
    assert_int_equal(olen, len); /* same sizes: only edge values differ */
    memcpy(copy, buf, len);
    /* Slot 0 starts at 32 (index 8, length 4, set); slot 1 follows. */
    uint32_t set0 = 0;
    for (int i = 0; i < 4; i++)
        set0 |= (uint32_t)copy[40 + i] << (8 * i);
    const size_t slot1 = 32 + 12 + set0;
    memcpy(copy + slot1, obuf + slot1, 12 + set0);
    fix_crc(copy, len);
    assert_int_equal(dd_window_deserialize(copy, len, &back), DD_SKETCH_ERR_INCOMPATIBLE);
    /* Panes with another seed. */
    dd_window_t *s2;
    assert_int_equal(dd_window_new(specs, 2, 3, 1000, 10, &s2), DD_SKETCH_OK);
    feed(dd_window_pane_for(s2, 5500), 0, 10);
    free(obuf);
    obuf = window_bytes(s2, &olen);
    memcpy(copy, buf, len);
    memcpy(copy + slot1, obuf + slot1, 12 + set0);
    fix_crc(copy, len);
    assert_int_equal(dd_window_deserialize(copy, len, &back), DD_SKETCH_ERR_INCOMPATIBLE);
    /* Trailing bytes inside the payload. */
    uint8_t *longer = calloc(1, len + 4);
    memcpy(longer, buf, len - 4);
    const uint32_t payload = (uint32_t)(len - 16 + 4);
    for (int i = 0; i < 4; i++)
        longer[8 + i] = (uint8_t)(payload >> (8 * i));
    fix_crc(longer, len + 4);
    assert_int_equal(dd_window_deserialize(longer, len + 4, &back), DD_SKETCH_ERR_CORRUPT);
    free(longer);
    free(obuf);
    free(copy);
    free(buf);
    dd_window_destroy(s2);
    dd_window_destroy(o);
    dd_window_destroy(w);
}

static void test_window_time_range(void **state) {
    (void)state;
    dd_field_spec_t specs[2];
    make_specs(specs);
    dd_window_t *w;
    assert_int_equal(dd_window_new(specs, 2, 3, 1, 9, &w), DD_SKETCH_OK);
    assert_null(dd_window_pane_for(w, INT64_MAX));
    assert_null(dd_window_pane_for(w, INT64_MIN));
    dd_window_advance(w, INT64_MAX);
    assert_int_equal(dd_window_end_ms(w), 0);
    assert_non_null(dd_window_pane_for(w, DD_WINDOW_TIME_MS_MAX));
    assert_int_equal(dd_window_end_ms(w), DD_WINDOW_TIME_MS_MAX + 1);
    size_t len;
    uint8_t *buf = window_bytes(w, &len);
    dd_window_t *back;
    assert_int_equal(dd_window_deserialize(buf, len, &back), DD_SKETCH_OK);
    assert_windows_behave_alike(w, back);
    dd_window_destroy(back);
    free(buf);
    dd_window_destroy(w);
    assert_int_equal(dd_window_new(specs, 2, 3, 1000, 9, &w), DD_SKETCH_OK);
    assert_non_null(dd_window_pane_for(w, -DD_WINDOW_TIME_MS_MAX));
    assert_true(dd_window_start_ms(w) <= -DD_WINDOW_TIME_MS_MAX);
    assert_int_equal(dd_window_end_ms(w) - dd_window_start_ms(w), 3000);
    dd_window_destroy(w);
}

/* A ring carried into one of another size (dd_window_copy_panes): into a larger ring every live
 * pane keeps its time and rows; into a smaller one the newest panes stay; merge_range and
 * rows_range take exactly the panes inside [from, to); other pane lengths are refused. */
static void test_copy_panes_and_ranges(void **state) {
    (void)state;
    dd_field_spec_t specs[2];
    make_specs(specs);
    dd_window_t *small, *big, *tiny, *other;
    assert_int_equal(dd_window_new(specs, 2, 4, 1000, 3, &small), DD_SKETCH_OK);
    assert_int_equal(dd_window_new(specs, 2, 7, 1000, 3, &big), DD_SKETCH_OK);
    assert_int_equal(dd_window_new(specs, 2, 2, 1000, 3, &tiny), DD_SKETCH_OK);
    assert_int_equal(dd_window_new(specs, 2, 4, 500, 3, &other), DD_SKETCH_OK);
    assert_int_equal(dd_window_copy_panes(small, big), DD_SKETCH_OK); /* never opened */
    assert_int_equal(dd_window_rows(big), 0);
    /* panes 10..13 (ms 10000..13999) hold 10, 20, 30, 40 records */
    for (int p = 10; p <= 13; p++)
        feed(dd_window_pane_for(small, p * 1000 + 1), 0, (uint64_t)(p - 9) * 10);
    assert_int_equal(dd_window_copy_panes(small, big), DD_SKETCH_OK);
    assert_int_equal(dd_window_rows(big), 100);
    assert_int_equal(dd_window_end_ms(big), 14000);
    assert_int_equal(dd_window_live_panes(big), 7);
    assert_int_equal(dd_window_rows_range(big, 11000, 13000), 20 + 30);
    assert_int_equal(dd_window_rows_range(big, 10500, 14000), 20 + 30 + 40); /* whole panes */
    dd_sketch_set_t *a, *b;
    assert_int_equal(dd_window_new_set(big, &a), DD_SKETCH_OK);
    assert_int_equal(dd_window_new_set(small, &b), DD_SKETCH_OK);
    assert_int_equal(dd_window_merge_range(big, 10000, 14000, a), DD_SKETCH_OK);
    assert_int_equal(dd_window_merge_live(small, b), DD_SKETCH_OK);
    assert_sets_equal(a, b);
    assert_int_equal(dd_window_merge_range(big, 12000, 13000, a), DD_SKETCH_OK);
    assert_int_equal(dd_sketch_set_rows(a), 30);
    assert_int_equal(dd_window_copy_panes(small, tiny), DD_SKETCH_OK);
    assert_int_equal(dd_window_rows(tiny), 30 + 40); /* the two newest */
    assert_int_equal(dd_window_copy_panes(small, other), DD_SKETCH_ERR_INCOMPATIBLE);
    dd_sketch_set_destroy(a);
    dd_sketch_set_destroy(b);
    dd_window_destroy(small);
    dd_window_destroy(big);
    dd_window_destroy(tiny);
    dd_window_destroy(other);
}

/* The merge of [from_ms, to_ms) equals a set fed the records of the panes in that range. */
static void feed_range_merge_check(dd_window_t *w, const dd_field_spec_t *specs, int64_t from_ms,
                                   int64_t to_ms, const uint64_t *pane_first,
                                   const uint64_t *pane_count, int64_t pane_ms) {
    dd_sketch_set_t *merged, *direct;
    assert_int_equal(dd_window_new_set(w, &merged), DD_SKETCH_OK);
    assert_int_equal(dd_window_merge_range(w, from_ms, to_ms, merged), DD_SKETCH_OK);
    assert_int_equal(dd_sketch_set_new(specs, 2, 11, &direct), DD_SKETCH_OK);
    const int64_t start = dd_window_start_ms(w), end = dd_window_end_ms(w);
    for (int64_t t = start; t < end; t += pane_ms) {
        if (t < from_ms || t > to_ms - pane_ms)
            continue;
        const int64_t p = t / pane_ms;
        if (p < 0)
            continue; /* live from the first pane's opening on, but never fed */
        /* pane p holds the records pane_first[p] .. + pane_count[p] in the order fed */
        feed(direct, pane_first[p], pane_first[p] + pane_count[p]);
    }
    assert_sets_equal(merged, direct);
    assert_int_equal(dd_sketch_set_rows(merged), dd_window_rows_range(w, from_ms, to_ms));
    dd_sketch_set_destroy(merged);
    dd_sketch_set_destroy(direct);
}

static void test_block_cache_ranges(void **state) {
    (void)state;
    dd_field_spec_t specs[2];
    make_specs(specs);
    enum { PANES = 100, PANE_MS = 10, LAST = 400 };
    assert_true(dd_window_cache_sets(PANES) > 0);
    assert_int_equal(dd_window_cache_sets(16), 0);
    dd_window_t *w;
    assert_int_equal(dd_window_new(specs, 2, PANES, PANE_MS, 11, &w), DD_SKETCH_OK);
    /* Pane p gets the records first[p] .. first[p] + count[p] − 1 of one numbered sequence (its
     * own, then late ones appended to its range), so a set fed the same ranges is the truth. */
    uint64_t first[LAST + 1], count[LAST + 1];
    memset(count, 0, sizeof count);
    uint64_t next = 0, rng = 7;
    for (int64_t p = 0; p <= LAST; p++) {
        first[p] = next;
        count[p] = 0;
        rng = rng * 6364136223846793005ull + 1442695040888963407ull;
        const uint64_t n = (rng >> 33) % 13;
        feed(dd_window_pane_for(w, p * PANE_MS), next, next + n);
        count[p] = n;
        next += 1000; /* room for late records after each pane's own */
        /* A late record into a live pane some way back: its blocks must go stale. */
        if (p > 20 && p % 3 == 0) {
            const int64_t back = (int64_t)((rng >> 20) % 60), q = back < p ? p - back : 0;
            dd_sketch_set_t *pane = dd_window_pane_for(w, q * PANE_MS);
            if (pane != NULL && count[q] < 999) {
                feed(pane, first[q] + count[q], first[q] + count[q] + 1);
                count[q]++;
            }
        }
        /* Every few panes, merge some ranges (warming and using the cache). */
        if (p % 7 == 0) {
            const int64_t end = dd_window_end_ms(w), start = dd_window_start_ms(w);
            feed_range_merge_check(w, specs, start, end, first, count, PANE_MS);
            feed_range_merge_check(w, specs, end - 37 * PANE_MS, end, first, count, PANE_MS);
            feed_range_merge_check(w, specs, start + 3 * PANE_MS + 5, end - 11 * PANE_MS, first,
                                   count, PANE_MS);
            feed_range_merge_check(w, specs, INT64_MIN, INT64_MAX, first, count, PANE_MS);
        }
    }
    /* A warm cache and a cold one (the window restored from its bytes) merge to the same bytes. */
    size_t len;
    uint8_t *bytes = window_bytes(w, &len);
    dd_window_t *cold;
    assert_int_equal(dd_window_deserialize(bytes, len, &cold), DD_SKETCH_OK);
    const int64_t end = dd_window_end_ms(w);
    const int64_t ranges[][2] = {{end - PANES * PANE_MS, end}, {end - 64 * PANE_MS, end - PANE_MS},
                                 {end - 90 * PANE_MS, end - 20 * PANE_MS}};
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
        dd_sketch_set_t *a, *b;
        assert_int_equal(dd_window_new_set(w, &a), DD_SKETCH_OK);
        assert_int_equal(dd_window_new_set(cold, &b), DD_SKETCH_OK);
        assert_int_equal(dd_window_merge_range(w, ranges[i][0], ranges[i][1], a), DD_SKETCH_OK);
        assert_int_equal(dd_window_merge_range(cold, ranges[i][0], ranges[i][1], b), DD_SKETCH_OK);
        assert_same_bytes(a, b);
        dd_sketch_set_destroy(a);
        dd_sketch_set_destroy(b);
    }
    /* A jump past the whole ring empties it; merges after it see only the new panes. */
    feed(dd_window_pane_for(w, (LAST + 500) * PANE_MS), 0, 5);
    dd_sketch_set_t *m;
    assert_int_equal(dd_window_new_set(w, &m), DD_SKETCH_OK);
    assert_int_equal(dd_window_merge_live(w, m), DD_SKETCH_OK);
    assert_int_equal(dd_sketch_set_rows(m), 5);
    dd_sketch_set_destroy(m);
    free(bytes);
    dd_window_destroy(cold);
    dd_window_destroy(w);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set_routing_and_errors),
        cmocka_unit_test(test_set_serialize),
        cmocka_unit_test(test_set_joint),
        cmocka_unit_test(test_panes_late_and_expiry),
        cmocka_unit_test(test_reset_set_writes_new_set_bytes),
        cmocka_unit_test(test_panes_made_on_first_data),
        cmocka_unit_test(test_merged_window_equals_live_records),
        cmocka_unit_test(test_window_serialize_roundtrip),
        cmocka_unit_test(test_window_deserialize_rejects_inconsistent),
        cmocka_unit_test(test_window_time_range),
        cmocka_unit_test(test_copy_panes_and_ranges),
        cmocka_unit_test(test_block_cache_ranges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
