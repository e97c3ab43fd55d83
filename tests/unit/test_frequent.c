/* test_frequent.c — properties of the category-count sketch (sketches/frequent.c).
 *
 * - an empty sketch is exact, tracks nothing and says 0 for every hash;
 * - the null bitmap is LSB-first, nulls are counted, and a null's slot is never read (garbage
 *   there changes nothing; slots past the end of the allocation are not touched);
 * - while at most `capacity` distinct hashes have been seen the counts are exact;
 * - the (capacity+1)-th distinct hash switches to SpaceSaving, keeping the exact counts as
 *   counters with error 0, and evicts the smallest counter;
 * - on skewed, uniform and adversarial streams, after updates and after merges of pieces in
 *   several orders (folds, trees, shuffles, mixes of exact and SpaceSaving pieces, self-merge),
 *   the documented guarantees hold against exact counts: true ≤ count ≤ true + error,
 *   error ≤ max_error ≤ total / capacity, every hash with true count > total / capacity is
 *   reported and every unreported one has true count ≤ max_error;
 * - exact pieces whose union fits stay exact and equal one pass;
 * - items come sorted by count descending, ties by hash ascending, also when truncated;
 * - clone and serialization round trips answer every query as the original and behave the same
 *   under further updates and merges; every truncation and single-bit flip is rejected, and
 *   forged payloads with a valid checksum are rejected with the right error; the largest
 *   capacity can be created and round-tripped;
 * - incompatible merges, merges whose totals would pass 2^63 - 1, and bad arguments are
 *   rejected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sketches.h"
#include "wire.h" /* internal: the tests forge envelopes */

static uint64_t splitmix64(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* The hash of category c, as a codec would produce it. */
static uint64_t category_hash(uint64_t c) {
    uint64_t s = c * 0x2545f4914f6cdd1dull + 17;
    return splitmix64(&s);
}

/* n draws from Zipf(s) over `categories` categories (inverse CDF on a table). */
static uint64_t *zipf_stream(size_t n, size_t categories, double s, uint64_t seed) {
    double *cdf = malloc(categories * sizeof(*cdf));
    uint64_t *out = malloc(n * sizeof(*out));
    assert_non_null(cdf);
    assert_non_null(out);
    double acc = 0.0;
    for (size_t i = 0; i < categories; i++) {
        acc += pow((double)(i + 1), -s);
        cdf[i] = acc;
    }
    for (size_t i = 0; i < n; i++) {
        const double u = (double)(splitmix64(&seed) >> 11) * 0x1.0p-53 * acc;
        size_t lo = 0, hi = categories - 1;
        while (lo < hi) {
            const size_t mid = (lo + hi) / 2;
            if (cdf[mid] < u)
                lo = mid + 1;
            else
                hi = mid;
        }
        out[i] = category_hash(lo);
    }
    free(cdf);
    return out;
}

static int is_null(const uint8_t *nulls, size_t i) {
    return nulls != NULL && ((nulls[i >> 3] >> (i & 7)) & 1u);
}

/* ---- exact reference counts ----------------------------------------------------------------- */

typedef struct truth {
    uint64_t *hashes; /* distinct, ascending */
    uint64_t *counts;
    size_t distinct;
    uint64_t total;
    uint64_t nulls;
} truth_t;

static int compare_u64(const void *a, const void *b) {
    const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Exact counts of the non-null values of v, as if the column were seen `times` times. */
static truth_t truth_of(const uint64_t *v, const uint8_t *nulls, size_t n, uint64_t times) {
    truth_t t = {malloc((n ? n : 1) * sizeof(uint64_t)), malloc((n ? n : 1) * sizeof(uint64_t)),
                 0, 0, 0};
    assert_non_null(t.hashes);
    assert_non_null(t.counts);
    size_t live = 0;
    for (size_t i = 0; i < n; i++) {
        if (is_null(nulls, i))
            t.nulls += times;
        else
            t.hashes[live++] = v[i];
    }
    qsort(t.hashes, live, sizeof(uint64_t), compare_u64);
    for (size_t i = 0; i < live; i++) {
        if (t.distinct > 0 && t.hashes[t.distinct - 1] == t.hashes[i]) {
            t.counts[t.distinct - 1] += times;
        } else {
            t.hashes[t.distinct] = t.hashes[i];
            t.counts[t.distinct++] = times;
        }
    }
    t.total = live * times;
    return t;
}

static void truth_free(truth_t *t) {
    free(t->hashes);
    free(t->counts);
}

static uint64_t true_count(const truth_t *t, uint64_t hash) {
    const uint64_t *p = bsearch(&hash, t->hashes, t->distinct, sizeof(uint64_t), compare_u64);
    return p == NULL ? 0 : t->counts[p - t->hashes];
}

/* Every documented guarantee of f against the exact counts t. */
static void check_guarantees(const dd_frequent_t *f, const truth_t *t) {
    const uint64_t capacity = dd_frequent_capacity(f);
    const uint64_t u = dd_frequent_max_error(f);
    assert_int_equal(dd_frequent_total(f), t->total);
    assert_int_equal(dd_frequent_nulls(f), t->nulls);
    assert_true(u * capacity <= t->total); /* max_error ≤ total / capacity */
    const size_t tracked = dd_frequent_tracked(f);
    assert_true(tracked <= capacity);
    dd_frequent_item_t *items = malloc((tracked + 1) * sizeof(*items));
    assert_non_null(items);
    assert_int_equal(dd_frequent_items(f, items, tracked + 1), tracked);
    uint64_t sum = 0;
    for (size_t i = 0; i < tracked; i++) {
        const dd_frequent_item_t *it = &items[i];
        const uint64_t truth = true_count(t, it->hash);
        if (!(truth <= it->count && it->count - it->error <= truth))
            fail_msg("item %016llx: true %llu outside [%llu, %llu]", (unsigned long long)it->hash,
                     (unsigned long long)truth, (unsigned long long)(it->count - it->error),
                     (unsigned long long)it->count);
        assert_true(it->error <= u);
        assert_true(it->error < it->count);
        if (i > 0) /* count descending, ties by hash ascending */
            assert_true(items[i - 1].count > it->count ||
                        (items[i - 1].count == it->count && items[i - 1].hash < it->hash));
        uint64_t error = 99;
        assert_int_equal(dd_frequent_estimate(f, it->hash, &error), it->count);
        assert_int_equal(error, it->error);
        sum += it->count;
    }
    assert_true(sum <= t->total);
    if (dd_frequent_is_exact(f)) {
        assert_int_equal(u, 0);
        assert_int_equal(tracked, t->distinct);
        for (size_t i = 0; i < tracked; i++)
            assert_int_equal(items[i].error, 0);
    } else {
        assert_true(u >= 1);
        assert_int_equal(tracked, capacity);
    }
    /* Every distinct hash: heavy ones are reported, unreported ones are bounded by max_error. */
    for (size_t i = 0; i < t->distinct; i++) {
        uint64_t error = 0;
        const uint64_t estimate = dd_frequent_estimate(f, t->hashes[i], &error);
        if (estimate == 0) {
            assert_int_equal(error, u);
            assert_true(t->counts[i] <= u);
            assert_false(t->counts[i] * capacity > t->total);
        }
    }
    free(items);
}

/* Batches of `batch` values; with a bitmap, batch must be a multiple of 8. */
static dd_frequent_t *sketch_of(uint32_t capacity, const uint64_t *v, const uint8_t *nulls,
                                size_t n, size_t batch) {
    dd_frequent_t *f = NULL;
    assert_int_equal(dd_frequent_new(capacity, &f), DD_SKETCH_OK);
    for (size_t off = 0; off < n; off += batch)
        dd_frequent_update(f, v + off, nulls ? nulls + off / 8 : NULL,
                           off + batch > n ? n - off : batch);
    return f;
}

static uint8_t *serialize(const dd_frequent_t *f, size_t *len) {
    *len = dd_frequent_serialized_size(f);
    uint8_t *buf = malloc(*len);
    assert_non_null(buf);
    size_t written = 0;
    assert_int_equal(dd_frequent_serialize(f, buf, *len, &written), DD_SKETCH_OK);
    assert_int_equal(written, *len);
    return buf;
}

/* Same state: equal serializations (which include every count, error and the summary order). */
static void assert_same_sketch(const dd_frequent_t *a, const dd_frequent_t *b) {
    size_t la, lb;
    uint8_t *sa = serialize(a, &la), *sb = serialize(b, &lb);
    assert_int_equal(la, lb);
    assert_memory_equal(sa, sb, la);
    free(sa);
    free(sb);
}

/* ---- tests ---------------------------------------------------------------------------------- */

static void test_empty(void **state) {
    (void)state;
    dd_frequent_t *f;
    assert_int_equal(dd_frequent_new(DD_FREQUENT_CAPACITY_DEFAULT, &f), DD_SKETCH_OK);
    dd_frequent_update(f, NULL, NULL, 0);
    assert_true(dd_frequent_is_exact(f));
    assert_int_equal(dd_frequent_capacity(f), DD_FREQUENT_CAPACITY_DEFAULT);
    assert_int_equal(dd_frequent_total(f), 0);
    assert_int_equal(dd_frequent_nulls(f), 0);
    assert_int_equal(dd_frequent_max_error(f), 0);
    assert_int_equal(dd_frequent_tracked(f), 0);
    dd_frequent_item_t item;
    assert_int_equal(dd_frequent_items(f, &item, 1), 0);
    uint64_t error = 7;
    assert_int_equal(dd_frequent_estimate(f, 42, &error), 0);
    assert_int_equal(error, 0);
    dd_frequent_t *g;
    assert_int_equal(dd_frequent_new(DD_FREQUENT_CAPACITY_DEFAULT, &g), DD_SKETCH_OK);
    assert_int_equal(dd_frequent_merge(f, g), DD_SKETCH_OK);
    assert_true(dd_frequent_is_exact(f));
    assert_int_equal(dd_frequent_tracked(f), 0);
    size_t len;
    uint8_t *buf = serialize(f, &len);
    dd_frequent_t *back;
    assert_int_equal(dd_frequent_deserialize(buf, len, &back), DD_SKETCH_OK);
    assert_same_sketch(f, back);
    free(buf);
    dd_frequent_destroy(back);
    dd_frequent_destroy(g);
    dd_frequent_destroy(f);
}

static void test_bad_arguments(void **state) {
    (void)state;
    dd_frequent_t *f = NULL;
    assert_int_equal(dd_frequent_new(DD_FREQUENT_CAPACITY_MIN - 1, &f),
                     DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_frequent_new(DD_FREQUENT_CAPACITY_MAX + 1, &f),
                     DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_frequent_new(16, NULL), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_null(f);
    assert_int_equal(dd_frequent_new(16, &f), DD_SKETCH_OK);
    assert_int_equal(dd_frequent_merge(NULL, f), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_frequent_merge(f, NULL), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_frequent_clone(NULL, &f), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_frequent_clone(f, NULL), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_frequent_serialize(NULL, NULL, 0, NULL), DD_SKETCH_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_frequent_deserialize(NULL, 0, &f), DD_SKETCH_ERR_INVALID_ARGUMENT);
    uint8_t buf[8] = {0};
    assert_int_equal(dd_frequent_deserialize(buf, sizeof(buf), NULL),
                     DD_SKETCH_ERR_INVALID_ARGUMENT);
    /* Getters and update tolerate NULL; destroy(NULL) is fine. */
    dd_frequent_update(NULL, NULL, NULL, 5);
    dd_frequent_update(f, NULL, NULL, 5); /* hashes NULL with n > 0: ignored */
    assert_int_equal(dd_frequent_total(f), 0);
    assert_int_equal(dd_frequent_total(NULL), 0);
    assert_int_equal(dd_frequent_tracked(NULL), 0);
    assert_int_equal(dd_frequent_capacity(NULL), 0);
    assert_false(dd_frequent_is_exact(NULL));
    assert_int_equal(dd_frequent_estimate(NULL, 1, NULL), 0);
    assert_int_equal(dd_frequent_serialized_size(NULL), 0);
    dd_frequent_reset(NULL);
    dd_frequent_destroy(NULL);
    dd_frequent_destroy(f);
}

static void test_nulls_counted_and_never_read(void **state) {
    (void)state;
    /* Value i is null when bit i (LSB-first) is set. The null slots hold 64 distinct poison
     * hashes that would push a capacity-8 sketch into SpaceSaving mode if they were read. */
    enum { N = 128 };
    uint64_t v[N], live[N];
    uint8_t nulls[N / 8];
    size_t n_live = 0;
    for (size_t i = 0; i < N / 8; i++)
        nulls[i] = (uint8_t)(i % 2 ? 0x5A : 0xA5);
    for (size_t i = 0; i < N; i++) {
        if (is_null(nulls, i)) {
            v[i] = 0xdead000000000000ull + i;
        } else {
            v[i] = category_hash(i % 5);
            live[n_live++] = v[i];
        }
    }
    dd_frequent_t *f = sketch_of(8, v, nulls, N, 16);
    dd_frequent_t *g = sketch_of(8, live, NULL, n_live, 16);
    assert_int_equal(dd_frequent_nulls(f), N - n_live);
    assert_int_equal(dd_frequent_total(f), n_live);
    assert_true(dd_frequent_is_exact(f));
    assert_int_equal(dd_frequent_tracked(f), 5);
    assert_int_equal(dd_frequent_estimate(f, 0xdead000000000000ull + 0, NULL), 0);
    truth_t t = truth_of(v, nulls, N, 1);
    check_guarantees(f, &t);
    /* Same counts as the sketch fed the live values only. */
    dd_frequent_item_t a[8], b[8];
    assert_int_equal(dd_frequent_items(f, a, 8), 5);
    assert_int_equal(dd_frequent_items(g, b, 8), 5);
    assert_memory_equal(a, b, sizeof(a[0]) * 5);
    /* Trailing nulls whose slots lie past the end of the allocation: reading one would be an
     * out-of-bounds read, which the ASan build reports. */
    uint64_t *short_column = malloc(5 * sizeof(uint64_t));
    assert_non_null(short_column);
    for (size_t i = 0; i < 5; i++)
        short_column[i] = live[i];
    const uint8_t tail_nulls[2] = {0xE0, 0xFF}; /* values 5..15 are null */
    dd_frequent_reset(f);
    dd_frequent_update(f, short_column, tail_nulls, 16);
    assert_int_equal(dd_frequent_nulls(f), 11);
    assert_int_equal(dd_frequent_total(f), 5);
    free(short_column);
    truth_free(&t);
    dd_frequent_destroy(f);
    dd_frequent_destroy(g);
}

static void test_exact_counts_and_order(void **state) {
    (void)state;
    /* Counts: hash 30 ×3, 10 ×3, 20 ×2, 40 ×1 — output by count desc, ties by hash asc. */
    const uint64_t v[] = {20, 30, 10, 30, 40, 10, 20, 30, 10};
    dd_frequent_t *f = sketch_of(4, v, NULL, 9, 2);
    assert_true(dd_frequent_is_exact(f));
    dd_frequent_item_t items[4];
    assert_int_equal(dd_frequent_items(f, items, 4), 4);
    const uint64_t want_hash[] = {10, 30, 20, 40}, want_count[] = {3, 3, 2, 1};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(items[i].hash, want_hash[i]);
        assert_int_equal(items[i].count, want_count[i]);
        assert_int_equal(items[i].error, 0);
    }
    /* A shorter output is the prefix of the full one. */
    dd_frequent_item_t top[2];
    assert_int_equal(dd_frequent_items(f, top, 2), 2);
    assert_memory_equal(top, items, sizeof(top));
    assert_int_equal(dd_frequent_items(f, top, 0), 0);
    dd_frequent_destroy(f);
}

static void test_exact_to_spacesaving_transition(void **state) {
    (void)state;
    /* Capacity 4: A×5, B×3, C×2, D×2 exact; E (5th distinct) evicts the smallest counter. Ties
     * at count 2 (C, D): whichever is evicted, its count 2 becomes max_error and E gets count 3
     * with error 2. */
    const uint64_t A = 101, B = 102, C = 103, D = 104, E = 105;
    const uint64_t v[] = {A, B, C, D, A, B, C, D, A, B, A, A};
    dd_frequent_t *f = sketch_of(4, v, NULL, 12, 12);
    assert_true(dd_frequent_is_exact(f));
    assert_int_equal(dd_frequent_max_error(f), 0);
    dd_frequent_update(f, &E, NULL, 1);
    assert_false(dd_frequent_is_exact(f));
    assert_int_equal(dd_frequent_tracked(f), 4);
    assert_int_equal(dd_frequent_total(f), 13);
    assert_int_equal(dd_frequent_max_error(f), 2);
    uint64_t error = 0;
    assert_int_equal(dd_frequent_estimate(f, A, &error), 5);
    assert_int_equal(error, 0); /* exact counts carried over with error 0 */
    assert_int_equal(dd_frequent_estimate(f, B, &error), 3);
    assert_int_equal(error, 0);
    assert_int_equal(dd_frequent_estimate(f, E, &error), 3);
    assert_int_equal(error, 2);
    const int c_kept = dd_frequent_estimate(f, C, NULL) != 0;
    const int d_kept = dd_frequent_estimate(f, D, NULL) != 0;
    assert_int_equal(c_kept + d_kept, 1);
    uint64_t all[13];
    memcpy(all, v, sizeof(v));
    all[12] = E;
    truth_t t = truth_of(all, NULL, 13, 1);
    check_guarantees(f, &t);
    truth_free(&t);
    /* Reset goes back to empty and exact. */
    dd_frequent_reset(f);
    assert_true(dd_frequent_is_exact(f));
    assert_int_equal(dd_frequent_tracked(f), 0);
    assert_int_equal(dd_frequent_total(f), 0);
    assert_int_equal(dd_frequent_estimate(f, A, NULL), 0);
    dd_frequent_update(f, v, NULL, 12);
    assert_int_equal(dd_frequent_estimate(f, A, NULL), 5);
    dd_frequent_destroy(f);
}

/* Streams the guarantees are checked on. */
typedef struct stream {
    const char *name;
    uint64_t *v;
    uint8_t *nulls;
    size_t n;
} stream_t;

static stream_t make_stream(int kind, size_t n, uint64_t seed) {
    stream_t s = {NULL, NULL, NULL, n};
    uint64_t rng = seed;
    switch (kind) {
    case 0:
        s.name = "zipf(1.1) over 100k";
        s.v = zipf_stream(n, 100000, 1.1, seed);
        break;
    case 1:
        s.name = "zipf(2.0) over 10k";
        s.v = zipf_stream(n, 10000, 2.0, seed);
        break;
    case 2:
        s.name = "uniform over 5000";
        s.v = malloc(n * sizeof(uint64_t));
        for (size_t i = 0; i < n; i++)
            s.v[i] = category_hash(splitmix64(&rng) % 5000);
        break;
    case 3:
        /* Adversarial for SpaceSaving: each new key arrives in a burst right after the
         * previous one, then heavy keys return at the end. */
        s.name = "bursts then heavy tail";
        s.v = malloc(n * sizeof(uint64_t));
        for (size_t i = 0; i < n; i++)
            s.v[i] = i < n / 2 ? category_hash(1000 + i / 7) : category_hash(i % 11);
        break;
    default:
        s.name = "all distinct";
        s.v = malloc(n * sizeof(uint64_t));
        for (size_t i = 0; i < n; i++)
            s.v[i] = splitmix64(&rng);
        break;
    }
    assert_non_null(s.v);
    s.nulls = calloc(n / 8 + 1, 1);
    assert_non_null(s.nulls);
    for (size_t i = 0; i < n; i++)
        if (splitmix64(&rng) % 16 == 0)
            s.nulls[i >> 3] |= (uint8_t)(1u << (i & 7));
    return s;
}

static void test_guarantees_after_updates(void **state) {
    (void)state;
    const uint32_t capacities[] = {2, 3, 16, 100, 1024};
    for (int kind = 0; kind < 5; kind++) {
        stream_t s = make_stream(kind, 60000, 1000 + (uint64_t)kind);
        truth_t t = truth_of(s.v, s.nulls, s.n, 1);
        for (size_t c = 0; c < sizeof(capacities) / sizeof(capacities[0]); c++) {
            dd_frequent_t *f = sketch_of(capacities[c], s.v, s.nulls, s.n, 4096);
            check_guarantees(f, &t);
            /* The batch size never matters. */
            dd_frequent_t *g = sketch_of(capacities[c], s.v, s.nulls, s.n, 8);
            assert_same_sketch(f, g);
            dd_frequent_destroy(f);
            dd_frequent_destroy(g);
        }
        truth_free(&t);
        free(s.v);
        free(s.nulls);
    }
}

enum { PIECES = 8 };

/* Pieces of s, each with its own sketch (piece sizes are multiples of 8, for the bitmap). */
static void piece_sketches(const stream_t *s, uint32_t capacity, dd_frequent_t **out) {
    const size_t step = (s->n / PIECES) & ~(size_t)7;
    for (int p = 0; p < PIECES; p++) {
        const size_t off = (size_t)p * step;
        const size_t len = p == PIECES - 1 ? s->n - off : step;
        out[p] = sketch_of(capacity, s->v + off, s->nulls + off / 8, len, 1000);
    }
}

static dd_frequent_t *clone_of(const dd_frequent_t *f) {
    dd_frequent_t *c = NULL;
    assert_int_equal(dd_frequent_clone(f, &c), DD_SKETCH_OK);
    return c;
}

static void test_guarantees_after_merges(void **state) {
    (void)state;
    const uint32_t capacities[] = {2, 16, 100, 1024};
    for (int kind = 0; kind < 5; kind++) {
        stream_t s = make_stream(kind, 40000, 2000 + (uint64_t)kind);
        truth_t t = truth_of(s.v, s.nulls, s.n, 1);
        for (size_t c = 0; c < sizeof(capacities) / sizeof(capacities[0]); c++) {
            dd_frequent_t *piece[PIECES];
            piece_sketches(&s, capacities[c], piece);
            /* Left fold 0..7. */
            dd_frequent_t *left = clone_of(piece[0]);
            for (int p = 1; p < PIECES; p++)
                assert_int_equal(dd_frequent_merge(left, piece[p]), DD_SKETCH_OK);
            check_guarantees(left, &t);
            /* Right fold 7..0. */
            dd_frequent_t *right = clone_of(piece[PIECES - 1]);
            for (int p = PIECES - 2; p >= 0; p--)
                assert_int_equal(dd_frequent_merge(right, piece[p]), DD_SKETCH_OK);
            check_guarantees(right, &t);
            /* Balanced tree ((01)(23))((45)(67)). */
            dd_frequent_t *level[PIECES];
            for (int p = 0; p < PIECES; p++)
                level[p] = clone_of(piece[p]);
            for (int width = PIECES; width > 1; width /= 2) {
                for (int p = 0; p < width / 2; p++) {
                    assert_int_equal(dd_frequent_merge(level[2 * p], level[2 * p + 1]),
                                     DD_SKETCH_OK);
                    dd_frequent_destroy(level[2 * p + 1]);
                    level[p] = level[2 * p];
                }
            }
            check_guarantees(level[0], &t);
            /* A shuffled order, merged into a sketch that first saw piece 3 in its own updates. */
            const int perm[PIECES] = {5, 2, 7, 0, 6, 1, 4};
            const size_t step = (s.n / PIECES) & ~(size_t)7;
            dd_frequent_t *mixed = sketch_of(capacities[c], s.v + 3 * step, s.nulls + 3 * step / 8,
                                             step, 336);
            for (int p = 0; p < PIECES - 1; p++)
                assert_int_equal(dd_frequent_merge(mixed, piece[perm[p]]), DD_SKETCH_OK);
            check_guarantees(mixed, &t);
            /* Updates continue to respect the guarantees after merges: add the stream again. */
            dd_frequent_update(mixed, s.v, s.nulls, s.n);
            truth_t twice = truth_of(s.v, s.nulls, s.n, 2);
            check_guarantees(mixed, &twice);
            /* Self-merge doubles every count. */
            assert_int_equal(dd_frequent_merge(left, left), DD_SKETCH_OK);
            check_guarantees(left, &twice);
            truth_free(&twice);
            for (int p = 0; p < PIECES; p++)
                dd_frequent_destroy(piece[p]);
            dd_frequent_destroy(left);
            dd_frequent_destroy(right);
            dd_frequent_destroy(level[0]);
            dd_frequent_destroy(mixed);
        }
        truth_free(&t);
        free(s.v);
        free(s.nulls);
    }
}

static void test_exact_merge_equals_one_pass(void **state) {
    (void)state;
    /* 40 categories, capacity 64: every piece and the union are exact. */
    enum { N = 4000 };
    uint64_t v[N];
    uint64_t rng = 77;
    for (size_t i = 0; i < N; i++)
        v[i] = category_hash(splitmix64(&rng) % 40);
    dd_frequent_t *whole = sketch_of(64, v, NULL, N, N);
    dd_frequent_t *merged = sketch_of(64, v, NULL, 1000, 1000);
    for (size_t off = 1000; off < N; off += 1000) {
        dd_frequent_t *part = sketch_of(64, v + off, NULL, 1000, 1000);
        assert_int_equal(dd_frequent_merge(merged, part), DD_SKETCH_OK);
        dd_frequent_destroy(part);
    }
    assert_true(dd_frequent_is_exact(merged));
    dd_frequent_item_t a[64], b[64];
    assert_int_equal(dd_frequent_items(whole, a, 64), 40);
    assert_int_equal(dd_frequent_items(merged, b, 64), 40);
    assert_memory_equal(a, b, 40 * sizeof(a[0]));
    /* Two exact sketches whose union exceeds the capacity become SpaceSaving. */
    uint64_t w[48];
    for (size_t i = 0; i < 48; i++)
        w[i] = category_hash(1000 + i);
    dd_frequent_t *other = sketch_of(64, w, NULL, 48, 48);
    assert_true(dd_frequent_is_exact(other));
    assert_int_equal(dd_frequent_merge(merged, other), DD_SKETCH_OK);
    assert_false(dd_frequent_is_exact(merged));
    uint64_t all[N + 48];
    memcpy(all, v, sizeof(v));
    memcpy(all + N, w, sizeof(w));
    truth_t t = truth_of(all, NULL, N + 48, 1);
    check_guarantees(merged, &t);
    truth_free(&t);
    dd_frequent_destroy(other);
    dd_frequent_destroy(whole);
    dd_frequent_destroy(merged);
}

static void test_incompatible_merge(void **state) {
    (void)state;
    dd_frequent_t *a, *b;
    assert_int_equal(dd_frequent_new(16, &a), DD_SKETCH_OK);
    assert_int_equal(dd_frequent_new(32, &b), DD_SKETCH_OK);
    const uint64_t v[] = {1, 2, 3};
    dd_frequent_update(a, v, NULL, 3);
    assert_int_equal(dd_frequent_merge(a, b), DD_SKETCH_ERR_INCOMPATIBLE);
    assert_int_equal(dd_frequent_merge(b, a), DD_SKETCH_ERR_INCOMPATIBLE);
    assert_int_equal(dd_frequent_total(a), 3); /* unchanged */
    assert_int_equal(dd_frequent_total(b), 0);
    dd_frequent_destroy(a);
    dd_frequent_destroy(b);
}

static void test_round_trip_and_clone_behave_the_same(void **state) {
    (void)state;
    stream_t s = make_stream(0, 30000, 4242);
    const size_t half = 15000;
    for (int exact = 0; exact < 2; exact++) {
        const uint32_t capacity = exact ? 1u << 17 : 64;
        dd_frequent_t *f = sketch_of(capacity, s.v, s.nulls, half, 512);
        assert_int_equal(dd_frequent_is_exact(f), exact);
        size_t len;
        uint8_t *buf = serialize(f, &len);
        dd_frequent_t *back = NULL;
        assert_int_equal(dd_frequent_deserialize(buf, len, &back), DD_SKETCH_OK);
        dd_frequent_t *copy = clone_of(f);
        /* Every query answers the same. */
        assert_int_equal(dd_frequent_total(back), dd_frequent_total(f));
        assert_int_equal(dd_frequent_nulls(back), dd_frequent_nulls(f));
        assert_int_equal(dd_frequent_max_error(back), dd_frequent_max_error(f));
        assert_int_equal(dd_frequent_is_exact(back), dd_frequent_is_exact(f));
        assert_int_equal(dd_frequent_tracked(back), dd_frequent_tracked(f));
        const size_t tracked = dd_frequent_tracked(f);
        dd_frequent_item_t *a = malloc(tracked * sizeof(*a)), *b = malloc(tracked * sizeof(*b));
        assert_int_equal(dd_frequent_items(f, a, tracked), tracked);
        assert_int_equal(dd_frequent_items(back, b, tracked), tracked);
        assert_memory_equal(a, b, tracked * sizeof(*a));
        for (size_t i = 0; i < 1000; i++) {
            uint64_t e1, e2;
            assert_int_equal(dd_frequent_estimate(back, s.v[i], &e1),
                             dd_frequent_estimate(f, s.v[i], &e2));
            assert_int_equal(e1, e2);
        }
        assert_same_sketch(f, back);
        /* Further updates and a merge leave all three identical. */
        dd_frequent_t *other = sketch_of(capacity, s.v + half, NULL, 3000, 3000);
        dd_frequent_t *copies[3] = {f, back, copy};
        for (int i = 0; i < 3; i++) {
            dd_frequent_update(copies[i], s.v + half, s.nulls + half / 8, s.n - half);
            assert_int_equal(dd_frequent_merge(copies[i], other), DD_SKETCH_OK);
        }
        assert_same_sketch(f, back);
        assert_same_sketch(f, copy);
        free(a);
        free(b);
        free(buf);
        dd_frequent_destroy(other);
        dd_frequent_destroy(f);
        dd_frequent_destroy(back);
        dd_frequent_destroy(copy);
    }
    free(s.v);
    free(s.nulls);
}

static void test_largest_capacity(void **state) {
    (void)state;
    /* The whole sketch is allocated up front; at the largest capacity it still works, and even a
     * full sketch fits one envelope. */
    dd_frequent_t *f = NULL;
    assert_int_equal(dd_frequent_new(DD_FREQUENT_CAPACITY_MAX, &f), DD_SKETCH_OK);
    const uint64_t v[] = {1, 2, 2, 3};
    dd_frequent_update(f, v, NULL, 4);
    size_t len;
    uint8_t *buf = serialize(f, &len);
    dd_frequent_t *back = NULL;
    assert_int_equal(dd_frequent_deserialize(buf, len, &back), DD_SKETCH_OK);
    assert_int_equal(dd_frequent_capacity(back), DD_FREQUENT_CAPACITY_MAX);
    assert_int_equal(dd_frequent_estimate(back, 2, NULL), 2);
    assert_same_sketch(f, back);
    const size_t full = DD_WIRE_HEADER_BYTES + 32 + 24 * (size_t)DD_FREQUENT_CAPACITY_MAX;
    assert_true(full - DD_WIRE_HEADER_BYTES <= DD_WIRE_PAYLOAD_MAX);
    free(buf);
    dd_frequent_destroy(back);
    dd_frequent_destroy(f);
}

static void test_serialize_buffer_too_small(void **state) {
    (void)state;
    const uint64_t v[] = {5, 6, 7, 5};
    dd_frequent_t *f = sketch_of(4, v, NULL, 4, 4);
    uint8_t buf[256];
    size_t needed = 0;
    assert_int_equal(dd_frequent_serialize(f, buf, 10, &needed), DD_SKETCH_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(needed, dd_frequent_serialized_size(f));
    assert_int_equal(dd_frequent_serialize(f, NULL, 0, &needed), DD_SKETCH_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(needed, dd_frequent_serialized_size(f));
    dd_frequent_destroy(f);
}

static void test_truncations_and_bit_flips_rejected(void **state) {
    (void)state;
    stream_t s = make_stream(0, 5000, 99);
    for (int exact = 0; exact < 2; exact++) {
        dd_frequent_t *f = sketch_of(exact ? 1024 : 12, s.v, s.nulls, exact ? 64 : s.n, 256);
        assert_int_equal(dd_frequent_is_exact(f), exact);
        size_t len;
        uint8_t *buf = serialize(f, &len);
        dd_frequent_t *back = NULL;
        for (size_t cut = 0; cut < len; cut++)
            assert_int_not_equal(dd_frequent_deserialize(buf, cut, &back), DD_SKETCH_OK);
        for (size_t byte = 0; byte < len; byte++)
            for (int bit = 0; bit < 8; bit++) {
                buf[byte] ^= (uint8_t)(1u << bit);
                assert_int_not_equal(dd_frequent_deserialize(buf, len, &back), DD_SKETCH_OK);
                buf[byte] ^= (uint8_t)(1u << bit);
            }
        assert_null(back);
        assert_int_equal(dd_frequent_deserialize(buf, len, &back), DD_SKETCH_OK);
        dd_frequent_destroy(back);
        free(buf);
        dd_frequent_destroy(f);
    }
    free(s.v);
    free(s.nulls);
}

/* ---- forged payloads (valid envelope and checksum, invalid content) -------------------------- */

typedef struct forged_item {
    uint64_t hash, count, error;
} forged_item_t;

static dd_sketch_err_t deserialize_forged(uint32_t capacity, uint32_t tracked, uint64_t total,
                                          uint64_t max_error, const forged_item_t *items,
                                          size_t n_items, size_t extra_bytes) {
    uint8_t buf[1024];
    dd_wire_writer_t w = {buf, sizeof(buf), 0};
    const size_t begin = dd_wire_begin(&w, DD_WIRE_FREQUENT);
    dd_wire_put_u32(&w, capacity);
    dd_wire_put_u32(&w, tracked);
    dd_wire_put_u64(&w, total);
    dd_wire_put_u64(&w, 3); /* nulls: any value is valid */
    dd_wire_put_u64(&w, max_error);
    for (size_t i = 0; i < n_items; i++) {
        dd_wire_put_u64(&w, items[i].hash);
        dd_wire_put_u64(&w, items[i].count);
        dd_wire_put_u64(&w, items[i].error);
    }
    for (size_t i = 0; i < extra_bytes; i++)
        dd_wire_put_u8(&w, 0);
    assert_int_equal(dd_wire_end(&w, begin), DD_SKETCH_OK);
    dd_frequent_t *f = NULL;
    const dd_sketch_err_t err = dd_frequent_deserialize(buf, w.len, &f);
    if (err == DD_SKETCH_OK) {
        /* Accepted sketches must satisfy what the API promises. */
        assert_true(dd_frequent_max_error(f) * dd_frequent_capacity(f) <= dd_frequent_total(f));
        dd_frequent_destroy(f);
    } else {
        assert_null(f);
    }
    return err;
}

static void test_forged_payloads_rejected(void **state) {
    (void)state;
    const forged_item_t exact2[] = {{7, 3, 0}, {9, 2, 0}};
    const forged_item_t ss2[] = {{7, 3, 1}, {9, 4, 2}}; /* ascending counts, U = 2 */
    /* Valid references first. */
    assert_int_equal(deserialize_forged(4, 2, 5, 0, exact2, 2, 0), DD_SKETCH_OK);
    assert_int_equal(deserialize_forged(2, 2, 9, 2, ss2, 2, 0), DD_SKETCH_OK);
    assert_int_equal(deserialize_forged(2, 0, 0, 0, NULL, 0, 0), DD_SKETCH_OK);
    /* Capacity out of range. */
    assert_int_equal(deserialize_forged(DD_FREQUENT_CAPACITY_MAX + 1, 0, 0, 0, NULL, 0, 0),
                     DD_SKETCH_ERR_TOO_LARGE);
    assert_int_equal(deserialize_forged(UINT32_MAX, 0, 0, 0, NULL, 0, 0), DD_SKETCH_ERR_TOO_LARGE);
    assert_int_equal(deserialize_forged(1, 0, 0, 0, NULL, 0, 0), DD_SKETCH_ERR_CORRUPT);
    assert_int_equal(deserialize_forged(0, 0, 0, 0, NULL, 0, 0), DD_SKETCH_ERR_CORRUPT);
    /* More items than capacity; item count vs bytes present (short and long). */
    assert_int_equal(deserialize_forged(2, 3, 5, 0, exact2, 2, 0), DD_SKETCH_ERR_CORRUPT);
    assert_int_equal(deserialize_forged(4, 3, 5, 0, exact2, 2, 0), DD_SKETCH_ERR_CORRUPT);
    assert_int_equal(deserialize_forged(4, UINT32_MAX, 5, 0, exact2, 2, 0), DD_SKETCH_ERR_CORRUPT);
    assert_int_equal(deserialize_forged(4, 1, 5, 0, exact2, 2, 0), DD_SKETCH_ERR_CORRUPT);
    assert_int_equal(deserialize_forged(4, 2, 5, 0, exact2, 2, 1), DD_SKETCH_ERR_CORRUPT);
    /* Exact: totals must match, errors must be 0, counts ≥ 1, hashes distinct. */
    assert_int_equal(deserialize_forged(4, 2, 6, 0, exact2, 2, 0), DD_SKETCH_ERR_CORRUPT);
    assert_int_equal(deserialize_forged(4, 2, 4, 0, exact2, 2, 0), DD_SKETCH_ERR_CORRUPT);
    assert_int_equal(deserialize_forged(4, 0, 1, 0, NULL, 0, 0), DD_SKETCH_ERR_CORRUPT);
    const forged_item_t with_error[] = {{7, 3, 1}, {9, 2, 0}};
    assert_int_equal(deserialize_forged(4, 2, 5, 0, with_error, 2, 0), DD_SKETCH_ERR_CORRUPT);
    const forged_item_t zero[] = {{7, 5, 0}, {9, 0, 0}};
    assert_int_equal(deserialize_forged(4, 2, 5, 0, zero, 2, 0), DD_SKETCH_ERR_CORRUPT);
    const forged_item_t dup[] = {{7, 3, 0}, {7, 2, 0}};
    assert_int_equal(deserialize_forged(4, 2, 5, 0, dup, 2, 0), DD_SKETCH_ERR_CORRUPT);
    const forged_item_t huge[] = {{7, UINT64_MAX, 0}, {9, 2, 0}};
    assert_int_equal(deserialize_forged(4, 2, 1, 0, huge, 2, 0), DD_SKETCH_ERR_CORRUPT);
    /* SpaceSaving: must be full, U ≤ total / capacity, error ≤ U ≤ count, error < count,
     * Σ count ≤ total, counts ascending, hashes distinct. */
    assert_int_equal(deserialize_forged(3, 2, 9, 2, ss2, 2, 0), DD_SKETCH_ERR_CORRUPT);
    assert_int_equal(deserialize_forged(2, 2, 6, 2, ss2, 2, 0), DD_SKETCH_ERR_CORRUPT);
    assert_int_equal(deserialize_forged(2, 2, 3, 2, ss2, 2, 0), DD_SKETCH_ERR_CORRUPT);
    const forged_item_t err_above_u[] = {{7, 3, 3}, {9, 4, 2}};
    assert_int_equal(deserialize_forged(2, 2, 9, 2, err_above_u, 2, 0), DD_SKETCH_ERR_CORRUPT);
    const forged_item_t count_below_u[] = {{7, 1, 0}, {9, 4, 2}};
    assert_int_equal(deserialize_forged(2, 2, 9, 2, count_below_u, 2, 0), DD_SKETCH_ERR_CORRUPT);
    const forged_item_t err_eq_count[] = {{7, 2, 2}, {9, 4, 2}};
    assert_int_equal(deserialize_forged(2, 2, 9, 2, err_eq_count, 2, 0), DD_SKETCH_ERR_CORRUPT);
    const forged_item_t descending[] = {{9, 4, 2}, {7, 3, 1}};
    assert_int_equal(deserialize_forged(2, 2, 9, 2, descending, 2, 0), DD_SKETCH_ERR_CORRUPT);
    const forged_item_t ss_dup[] = {{7, 3, 1}, {7, 4, 2}};
    assert_int_equal(deserialize_forged(2, 2, 9, 2, ss_dup, 2, 0), DD_SKETCH_ERR_CORRUPT);
    assert_int_equal(deserialize_forged(2, 2, INT64_MAX, INT64_MAX / 2, ss2, 2, 0),
                     DD_SKETCH_ERR_CORRUPT);
    /* Totals are limited to 2^63 - 1. */
    assert_int_equal(deserialize_forged(2, 0, (uint64_t)INT64_MAX + 1, 0, NULL, 0, 0),
                     DD_SKETCH_ERR_TOO_LARGE);
    /* A short fixed header, and a different sketch type. */
    uint8_t buf[64];
    dd_wire_writer_t w = {buf, sizeof(buf), 0};
    size_t begin = dd_wire_begin(&w, DD_WIRE_FREQUENT);
    dd_wire_put_u32(&w, 16);
    assert_int_equal(dd_wire_end(&w, begin), DD_SKETCH_OK);
    dd_frequent_t *f = NULL;
    assert_int_equal(dd_frequent_deserialize(buf, w.len, &f), DD_SKETCH_ERR_CORRUPT);
    w.len = 0;
    begin = dd_wire_begin(&w, DD_WIRE_HLL);
    dd_wire_put_u32(&w, 16);
    assert_int_equal(dd_wire_end(&w, begin), DD_SKETCH_OK);
    assert_int_equal(dd_frequent_deserialize(buf, w.len, &f), DD_SKETCH_ERR_WRONG_TYPE);
    assert_null(f);
}

static void test_count_limits(void **state) {
    (void)state;
    /* An exact sketch holding 2^63 - 1 values of one hash (the most a payload may claim). */
    uint8_t buf[128];
    dd_wire_writer_t w = {buf, sizeof(buf), 0};
    const size_t begin = dd_wire_begin(&w, DD_WIRE_FREQUENT);
    dd_wire_put_u32(&w, 4);
    dd_wire_put_u32(&w, 1);
    dd_wire_put_u64(&w, INT64_MAX);
    dd_wire_put_u64(&w, 0);
    dd_wire_put_u64(&w, 0);
    dd_wire_put_u64(&w, 7);
    dd_wire_put_u64(&w, INT64_MAX);
    dd_wire_put_u64(&w, 0);
    assert_int_equal(dd_wire_end(&w, begin), DD_SKETCH_OK);
    dd_frequent_t *big = NULL, *small = NULL;
    assert_int_equal(dd_frequent_deserialize(buf, w.len, &big), DD_SKETCH_OK);
    assert_int_equal(dd_frequent_new(4, &small), DD_SKETCH_OK);
    const uint64_t v[] = {7, 8, 9};
    dd_frequent_update(small, v, NULL, 3);
    /* The sum would pass the limit: rejected, both unchanged. */
    assert_int_equal(dd_frequent_merge(big, small), DD_SKETCH_ERR_TOO_LARGE);
    assert_int_equal(dd_frequent_merge(small, big), DD_SKETCH_ERR_TOO_LARGE);
    assert_int_equal(dd_frequent_total(big), INT64_MAX);
    assert_int_equal(dd_frequent_total(small), 3);
    /* Updates carry big past the limit; a merge with an empty sketch must still refuse rather
     * than wrap (found by fuzzing: the check used to assume into's total was within the limit). */
    dd_frequent_update(big, v, NULL, 3);
    dd_frequent_t *empty = NULL;
    assert_int_equal(dd_frequent_new(4, &empty), DD_SKETCH_OK);
    assert_int_equal(dd_frequent_merge(big, empty), DD_SKETCH_ERR_TOO_LARGE);
    assert_int_equal(dd_frequent_merge(empty, big), DD_SKETCH_ERR_TOO_LARGE);
    assert_int_equal(dd_frequent_total(big), (uint64_t)INT64_MAX + 3);
    dd_frequent_destroy(empty);
    dd_frequent_destroy(small);
    dd_frequent_destroy(big);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_nulls_counted_and_never_read),
        cmocka_unit_test(test_exact_counts_and_order),
        cmocka_unit_test(test_exact_to_spacesaving_transition),
        cmocka_unit_test(test_guarantees_after_updates),
        cmocka_unit_test(test_guarantees_after_merges),
        cmocka_unit_test(test_exact_merge_equals_one_pass),
        cmocka_unit_test(test_incompatible_merge),
        cmocka_unit_test(test_round_trip_and_clone_behave_the_same),
        cmocka_unit_test(test_largest_capacity),
        cmocka_unit_test(test_serialize_buffer_too_small),
        cmocka_unit_test(test_truncations_and_bit_flips_rejected),
        cmocka_unit_test(test_forged_payloads_rejected),
        cmocka_unit_test(test_count_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
