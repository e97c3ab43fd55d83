/* kll.c — KLL quantile sketch (Karnin, Lang & Liberty 2016) with lazy compaction, the variant
 * Apache DataSketches describes. docs/sketch-kll.md has the design, the error bound and the
 * serialized form.
 *
 * Layout: one buffer of `alloc` doubles; level h holds items [levels[h], levels[h+1]) and weighs
 * 2^h; the levels are packed against the end of the buffer (levels[num_levels] == alloc) so that
 * the free space [0, levels[0]) sits just below level 0, which receives new values in any order.
 * Levels 1 and up are always sorted. The sketch holds at most `capacity` = Σ level capacities
 * items; when full, the lowest level at or above its capacity is compacted: sorted, every other
 * item kept (random offset 0 or 1), the survivors merged into the level above. */
#include "sketches.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dd_base.h"
#include "kll_int.h"
#include "wire.h"

enum {
    LEVELS_MAX = 64,  /* weights 2^0 .. 2^63: a 64-bit count cannot fill more */
    MIN_WIDTH = 8,    /* smallest level capacity (DataSketches' m) */
    ALLOC_MIN = 65,   /* > LEVELS_MAX: a full buffer always has a level with ≥ 2 items */
    ALLOC_FIRST = 16, /* a new sketch's buffer: doubles towards the capacity as values arrive */
    LEVELS_INLINE = 8, /* levels whose offsets live in the struct; more take a heap array */
    SMALL_SORT = 8,   /* sorting-network width */
    SCRATCH = 1024,   /* stack doubles for sorting and merging */
};

struct dd_kll {
    uint32_t k;
    uint32_t num_levels;
    uint32_t capacity; /* Σ level capacities for num_levels: the most items the sketch holds */
    uint32_t alloc;    /* items buffer length; grows towards capacity, lazily */
    /* Level offsets: level_inline while the sketch has at most LEVELS_INLINE levels (about k·2^7
     * values), else a heap array of LEVELS_MAX + 1 — most sketches of a window are small. */
    uint32_t *levels;
    uint32_t level_inline[LEVELS_INLINE + 1];
    double *items;
    uint64_t seed, rng;
    uint64_t count, nulls, nans, pos_inf, neg_inf;
    double min, max; /* +inf / -inf while empty */
};

/* ---- capacities --------------------------------------------------------------------------------
 * A level `depth` steps below the top holds k·(2/3)^depth items (rounded), at least MIN_WIDTH.
 * Integer arithmetic keeps it exact and the same on every platform. Computed when asked (once a
 * compaction, a division per level) rather than kept per sketch: a window holds fields × panes
 * sketches, most of them small, and a table of 64 capacities was a third of a small one. */
static const uint64_t POW3[31] = {1u, 3u, 9u, 27u, 81u, 243u, 729u, 2187u, 6561u, 19683u, 59049u, 177147u, 531441u, 1594323u, 4782969u, 14348907u, 43046721u, 129140163u, 387420489u, 1162261467u, 3486784401u, 10460353203ull, 31381059609ull, 94143178827ull, 282429536481ull, 847288609443ull, 2541865828329ull, 7625597484987ull, 22876792454961ull, 68630377364883ull, 205891132094649ull};

static uint32_t depth_capacity(uint32_t k, uint32_t d) {
    uint64_t cap = MIN_WIDTH;
    if (d <= 30) /* beyond, 65535·(2/3)^d < 1 */
        cap = ((((uint64_t)k << (d + 1)) / POW3[d]) + 1) >> 1;
    return cap < MIN_WIDTH ? MIN_WIDTH : (uint32_t)cap;
}

static uint32_t total_capacity(uint32_t k, uint32_t num_levels) {
    uint32_t total = 0;
    for (uint32_t d = 0; d < num_levels; d++)
        total += depth_capacity(k, d);
    return total;
}

/* splitmix64: one 64-bit draw per compaction is all the randomness the sketch needs. */
static uint64_t next_random(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static inline uint32_t level_size(const dd_kll_t *s, uint32_t h) {
    return s->levels[h + 1] - s->levels[h];
}

static inline uint32_t retained_items(const dd_kll_t *s) {
    return s->alloc - s->levels[0];
}

static int levels_on_heap(const dd_kll_t *s) {
    return s->levels != s->level_inline;
}

/* Makes the level offsets hold `entries` (compacting the top level writes num_levels + 2):
 * moves them to the heap past the inline ones. 0 when that allocation fails. */
static int levels_room(dd_kll_t *s, uint32_t entries) {
    if (entries <= LEVELS_INLINE + 1 || levels_on_heap(s))
        return 1;
    uint32_t *heap = malloc((LEVELS_MAX + 1) * sizeof(uint32_t));
    if (heap == NULL)
        return 0;
    memcpy(heap, s->level_inline, sizeof s->level_inline);
    s->levels = heap;
    return 1;
}

/* ---- sorting and merging -----------------------------------------------------------------------
 * Level 0 is sorted at every compaction, and compactions come every few dozen values, so small
 * sorts and merges are the update path's main cost. Random data makes comparisons unpredictable,
 * hence branch-free forms: 8-item sorting networks (min/max instructions), then merges run from
 * both ends at once (two independent dependency chains) between the array and a stack scratch
 * buffer. Items are finite, so `<` is a total order and +inf can pad. */
#define ORDER(x, y)                                                                                \
    do {                                                                                           \
        const double lo_ = y < x ? y : x, hi_ = x < y ? y : x;                                     \
        x = lo_;                                                                                   \
        y = hi_;                                                                                   \
    } while (0)

/* Knuth's optimal 19-comparator network for 8 items; n < 8 is padded with +inf. */
/* clang-format off */
static void network_sort(double *a, size_t n) {
    if (n < 2)
        return;
    double t0 = a[0], t1 = INFINITY, t2 = INFINITY, t3 = INFINITY, t4 = INFINITY, t5 = INFINITY,
           t6 = INFINITY, t7 = INFINITY;
    switch (n) { /* the first n slots are loaded, the others stay +inf */
    case 8: t7 = a[7]; /* fall through */
    case 7: t6 = a[6]; /* fall through */
    case 6: t5 = a[5]; /* fall through */
    case 5: t4 = a[4]; /* fall through */
    case 4: t3 = a[3]; /* fall through */
    case 3: t2 = a[2]; /* fall through */
    default: t1 = a[1];
    }
    ORDER(t0, t2); ORDER(t1, t3); ORDER(t4, t6); ORDER(t5, t7);
    ORDER(t0, t4); ORDER(t1, t5); ORDER(t2, t6); ORDER(t3, t7);
    ORDER(t0, t1); ORDER(t2, t3); ORDER(t4, t5); ORDER(t6, t7);
    ORDER(t2, t4); ORDER(t3, t5);
    ORDER(t1, t4); ORDER(t3, t6);
    ORDER(t1, t2); ORDER(t3, t4); ORDER(t5, t6);
    switch (n) {
    case 8: a[7] = t7; /* fall through */
    case 7: a[6] = t6; /* fall through */
    case 6: a[5] = t5; /* fall through */
    case 5: a[4] = t4; /* fall through */
    case 4: a[3] = t3; /* fall through */
    case 3: a[2] = t2; /* fall through */
    default: a[1] = t1; a[0] = t0;
    }
}
/* clang-format on */
#undef ORDER

/* Merges sorted a[0, na) and b[0, nb) into out[0, na+nb); ties take a first. out may overlap b's
 * tail in place (out + na == b): writes never pass the next unread item of b. */
static void merge_runs(const double *a, size_t na, const double *b, size_t nb, double *out) {
    size_t i = 0, j = 0, o = 0;
    while (i < na && j < nb) {
        const double x = a[i], y = b[j];
        const size_t take_b = (size_t)(y < x);
        out[o++] = take_b ? y : x;
        j += take_b;
        i += 1 - take_b;
    }
    /* out + o ≥ a + na, so a's rest copies forward safely; b's rest is in place or disjoint. */
    for (; i < na; i++)
        out[o++] = a[i];
    if (out + o != b + j)
        for (; j < nb; j++)
            out[o++] = b[j];
}

/* The same into an out that overlaps neither input, from both ends at once: two independent
 * dependency chains. Rounds of min(left in a, left in b) steps from each end cannot run out of
 * either run, so the steps need no bounds tests; each round leaves |left a - left b| items. */
static void merge_two_ended(const double *a, size_t na, const double *b, size_t nb, double *out) {
    size_t i = 0, j = 0, end_a = na, end_b = nb, front = 0, back = na + nb;
    for (;;) {
        const size_t left_a = end_a - i, left_b = end_b - j;
        const size_t steps = left_a < left_b ? left_a : left_b;
        if (steps == 0)
            break;
        for (size_t t = 0; t < steps; t++) {
            const size_t front_b = (size_t)(b[j] < a[i]);
            out[front++] = front_b ? b[j] : a[i];
            j += front_b;
            i += 1 - front_b;
            const double x = a[end_a - 1], y = b[end_b - 1];
            const size_t back_a = (size_t)(y < x);
            out[--back] = back_a ? x : y;
            end_a -= back_a;
            end_b -= 1 - back_a;
        }
    }
    for (; i < end_a; i++)
        out[front++] = a[i];
    for (; j < end_b; j++)
        out[front++] = b[j];
}

void dd_kll_merge_runs_scalar(const double *a, size_t na, const double *b, size_t nb,
                              double *out) {
    merge_two_ended(a, na, b, nb, out);
}

/* merge_two_ended's contract, with AVX-512 when the machine has it (kll_x86.c). */
static void merge_sorted(const double *a, size_t na, const double *b, size_t nb, double *out) {
#if defined(__x86_64__)
    static volatile int simd = -1; /* computed once; a benign race recomputes the same value */
    if (simd < 0)
        simd = dd_simd_level() >= DD_SIMD_AVX512;
    if (simd && na >= 8 && nb >= 8) {
        dd_kll_merge_runs_avx512(a, na, b, nb, out);
        return;
    }
#endif
    merge_two_ended(a, na, b, nb, out);
}

/* Top-down merge sort alternating between the array and scratch: sort_here leaves the result in
 * a, sort_to in out; the other buffer is scratch. The split point is a multiple of the network
 * width within 8 of the middle, so the leaves are full networks and the halves nearly equal. */
static void sort_to(double *a, double *out, size_t n);

static size_t split_point(size_t n) {
    return SMALL_SORT * ((n + 2 * SMALL_SORT - 1) / (2 * SMALL_SORT));
}

static void sort_here(double *a, double *scratch, size_t n) {
    if (n <= SMALL_SORT) {
        network_sort(a, n);
        return;
    }
    const size_t h = split_point(n);
    sort_to(a, scratch, h);
    sort_to(a + h, scratch + h, n - h);
    merge_sorted(scratch, h, scratch + h, n - h, a);
}

static void sort_to(double *a, double *out, size_t n) {
    if (n <= SMALL_SORT) {
        network_sort(a, n);
        memcpy(out, a, n * sizeof(double));
        return;
    }
    const size_t h = split_point(n);
    sort_here(a, out, h);
    sort_here(a + h, out + h, n - h);
    merge_sorted(a, h, a + h, n - h, out);
}

/* Sorts a[0, n) with SCRATCH doubles of scratch: at once when it fits, else (large k only) chunk
 * by chunk, each sorted chunk merged into the sorted prefix from the back. */
static void sort_doubles(double *a, size_t n, double *scratch) {
    size_t done = n < SCRATCH ? n : SCRATCH;
    sort_here(a, scratch, done);
    while (done < n) {
        const size_t chunk = n - done < SCRATCH ? n - done : SCRATCH;
        sort_here(a + done, scratch, chunk);
        memcpy(scratch, a + done, chunk * sizeof(double));
        size_t i = done, j = chunk, o = done + chunk; /* o ≥ i: unread prefix items stay intact */
        while (j > 0)
            a[--o] = (i > 0 && scratch[j - 1] < a[i - 1]) ? a[--i] : scratch[--j];
        done += chunk;
    }
}

/* Max-heap step, for picking the n_max smallest of level 0 in dd_kll_sorted. */
static void sift_down(double *a, size_t root, size_t n) {
    const double x = a[root];
    for (size_t child = 2 * root + 1; child < n; child = 2 * root + 1) {
        if (child + 1 < n && a[child] < a[child + 1])
            child++;
        if (!(x < a[child]))
            break;
        a[root] = a[child];
        root = child;
    }
    a[root] = x;
}

/* ---- compaction ------------------------------------------------------------------------------*/
/* Halves level h into level h+1 (adding a top level when h is the top). Needs ≥ 2 items in h and
 * h + 1 < LEVELS_MAX. Frees half the level's items, at the bottom of the buffer. `wide` (NULL on
 * the update path, which never allocates) holds wide_cap doubles for a level above too large for
 * the stack scratch, so that the merge need not be done in place. */
static void compact_level(dd_kll_t *s, uint32_t h, double *wide, size_t wide_cap) {
    /* a new top level needs room for its offset (levels_room, by the caller) */
    DD_ASSERT(h + 1 < s->num_levels || levels_on_heap(s) || s->num_levels + 2 <= LEVELS_INLINE + 1);
    uint32_t *lv = s->levels;
    double *items = s->items;
    double scratch[SCRATCH];
    if (h + 1 == s->num_levels) {
        lv[h + 2] = lv[h + 1];
        s->num_levels++;
        s->capacity = total_capacity(s->k, s->num_levels);
    }
    const uint32_t beg = lv[h], end = lv[h + 1], above = lv[h + 2] - end;
    const uint32_t pop = end - beg;
    if (h == 0)
        sort_doubles(items + beg, pop, scratch);
    /* With an odd count the smallest item stays behind at weight 2^h; it carries no error. */
    const uint32_t odd = pop & 1u, adj = beg + odd, half = (pop - odd) / 2;
    const uint32_t offset = (uint32_t)(next_random(&s->rng) >> 63);
    for (uint32_t i = 0; i < half; i++)
        items[adj + i] = items[adj + 2 * i + offset];
    if (above <= SCRATCH || above <= wide_cap) { /* the level above moves out of the way */
        double *away = above <= SCRATCH ? scratch : wide;
        memcpy(away, items + end, (size_t)above * sizeof(double));
        merge_sorted(items + adj, half, away, above, items + adj + half);
    } else {
        merge_runs(items + adj, half, items + end, above, items + adj + half);
    }
    lv[h + 1] = adj + half;
    if (odd)
        items[adj + half - 1] = items[beg];
    lv[h] = adj + half - odd;
    /* Close the gap of `half` slots left under level h by moving the lower levels up. */
    if (h > 0) {
        memmove(items + lv[0] + half, items + lv[0], (size_t)(beg - lv[0]) * sizeof(double));
        for (uint32_t j = 0; j < h; j++)
            lv[j] += half;
    }
}

/* The lowest level at or over its capacity; when the sketch is not full (it could not grow), the
 * lowest with two items. Returns LEVELS_MAX when no level can be compacted. */
static uint32_t level_to_compact(const dd_kll_t *s) {
    for (uint32_t h = 0; h < s->num_levels; h++)
        if (level_size(s, h) >= depth_capacity(s->k, s->num_levels - h - 1))
            return h + 1 < LEVELS_MAX ? h : LEVELS_MAX;
    for (uint32_t h = 0; h < s->num_levels; h++)
        if (level_size(s, h) >= 2)
            return h + 1 < LEVELS_MAX ? h : LEVELS_MAX;
    return LEVELS_MAX;
}

static int grow(dd_kll_t *s, uint32_t new_alloc) {
    double *p = realloc(s->items, (size_t)new_alloc * sizeof(double));
    if (p == NULL)
        return 0;
    const uint32_t delta = new_alloc - s->alloc;
    memmove(p + s->levels[0] + delta, p + s->levels[0], (size_t)retained_items(s) * sizeof(double));
    for (uint32_t h = 0; h <= s->num_levels; h++)
        s->levels[h] += delta;
    s->items = p;
    s->alloc = new_alloc;
    return 1;
}

/* Makes room for at least one more item: grows the buffer up to the capacity, or compacts.
 * A failed allocation compacts early (a little more error) rather than dropping values. Returns 0
 * only when nothing can be compacted, which takes a 64-bit count overflow (or every growth of an
 * ALLOC_FIRST buffer failing for the 2^16 values it takes to spread it over 16 levels). */
static int make_room(dd_kll_t *s) {
    /* Doubling, not straight to the capacity: a pane that sees a few hundred values keeps a few
     * hundred slots (a window holds fields × panes sketches, most of them small). Growing never
     * changes what is compacted or when: compaction waits for the capacity either way. */
    if (retained_items(s) < s->capacity && s->levels[0] == 0) {
        uint32_t want = s->alloc * 2 > s->capacity ? s->capacity : s->alloc * 2;
        if (want < s->alloc + 1)
            want = s->capacity;
        if (grow(s, want))
            return 1;
    }
    uint32_t h = level_to_compact(s);
    if (h == LEVELS_MAX)
        return 0;
    if (h + 1 == s->num_levels && !levels_room(s, s->num_levels + 2)) {
        /* No memory for a new level's offset: compact a lower level early instead (a little
         * more error, as when the buffer cannot grow). */
        for (h = 0; h + 1 < s->num_levels && level_size(s, h) < 2; h++)
            ;
        if (h + 1 >= s->num_levels)
            return 0;
    }
    compact_level(s, h, NULL, 0);
    return 1;
}

/* ---- life cycle ------------------------------------------------------------------------------*/
static void init_empty(dd_kll_t *s) {
    s->num_levels = 1;
    s->capacity = s->k;
    s->levels[0] = s->levels[1] = s->alloc;
    s->rng = s->seed;
    s->count = s->nulls = s->nans = s->pos_inf = s->neg_inf = 0;
    s->min = INFINITY;
    s->max = -INFINITY;
}

static dd_kll_t *alloc_sketch(uint32_t k, uint32_t alloc) {
    dd_kll_t *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return NULL;
    s->items = malloc((size_t)alloc * sizeof(double));
    if (s->items == NULL) {
        free(s);
        return NULL;
    }
    s->k = k;
    s->alloc = alloc;
    s->levels = s->level_inline;
    return s;
}

dd_sketch_err_t dd_kll_new(uint32_t k, uint64_t seed, dd_kll_t **out) {
    if (out == NULL)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (k < DD_KLL_K_MIN || k > DD_KLL_K_MAX)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    dd_kll_t *s = alloc_sketch(k, ALLOC_FIRST); /* grows as values arrive (make_room) */
    if (s == NULL)
        return DD_SKETCH_ERR_NO_MEMORY;
    s->seed = seed;
    init_empty(s);
    *out = s;
    return DD_SKETCH_OK;
}

void dd_kll_destroy(dd_kll_t *s) {
    if (s == NULL)
        return;
    if (levels_on_heap(s))
        free(s->levels);
    free(s->items);
    free(s);
}

dd_sketch_err_t dd_kll_clone(const dd_kll_t *s, dd_kll_t **out) {
    if (out == NULL)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (s == NULL)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    dd_kll_t *c = alloc_sketch(s->k, s->alloc);
    if (c == NULL)
        return DD_SKETCH_ERR_NO_MEMORY;
    double *items = c->items;
    *c = *s;
    c->items = items;
    c->levels = c->level_inline;
    if (levels_on_heap(s)) {
        if (!levels_room(c, LEVELS_MAX + 1)) {
            dd_kll_destroy(c);
            return DD_SKETCH_ERR_NO_MEMORY;
        }
        memcpy(c->levels, s->levels, (LEVELS_MAX + 1) * sizeof(uint32_t));
    }
    memcpy(items + s->levels[0], s->items + s->levels[0],
           (size_t)retained_items(s) * sizeof(double));
    *out = c;
    return DD_SKETCH_OK;
}

void dd_kll_reset(dd_kll_t *s) {
    if (s != NULL)
        init_empty(s);
}

/* ---- update ------------------------------------------------------------------------------------
 * Values go straight into level 0's free space in runs that cannot overflow it, so the inner loop
 * has no capacity test; min, max and the counters live in registers for the whole batch. */
void dd_kll_update(dd_kll_t *s, const double *v, const uint8_t *nulls, size_t n) {
    if (s == NULL || v == NULL)
        return;
    double lo = s->min, hi = s->max;
    uint64_t null_count = 0, nan_count = 0, pos_count = 0, neg_count = 0;
    uint64_t headroom = UINT64_MAX - s->count; /* finite values the count can still take */
    size_t i = 0;
    while (i < n) {
        uint32_t room = s->capacity > retained_items(s) ? s->capacity - retained_items(s) : 0;
        room = room < s->levels[0] ? room : s->levels[0];
        if (room == 0 || headroom == 0) {
            if (headroom == 0 || !make_room(s))
                break; /* unreachable below 2^64 values */
            continue;
        }
        if ((uint64_t)room > headroom)
            room = (uint32_t)headroom;
        const size_t stop = n - i < room ? n : i + room; /* each value takes at most one slot */
        double *items = s->items;
        uint32_t top = s->levels[0];
        for (; i < stop; i++) {
            if (nulls != NULL && ((nulls[i >> 3] >> (i & 7)) & 1u)) {
                null_count++;
                continue;
            }
            const double x = v[i] + 0.0; /* −0 as +0: equal values are equal bit for bit */
            if (isfinite(x)) {
                items[--top] = x;
                lo = x < lo ? x : lo;
                hi = x > hi ? x : hi;
            } else if (isnan(x)) {
                nan_count++;
            } else if (x > 0) {
                pos_count++;
            } else {
                neg_count++;
            }
        }
        headroom -= s->levels[0] - top;
        s->count += s->levels[0] - top;
        s->levels[0] = top;
    }
    /* Values left over by the (unreachable) break above are not counted anywhere else either. */
    s->min = lo;
    s->max = hi;
    s->nulls += null_count;
    s->nans += nan_count;
    s->pos_inf += pos_count;
    s->neg_inf += neg_count;
}

/* ---- merge -------------------------------------------------------------------------------------
 * Level by level union into a fresh buffer (level 0 concatenated, higher levels merged sorted),
 * then compaction until the items fit the capacity, as on update. `into` changes only on success,
 * so NO_MEMORY leaves it as it was; into == from works. */
dd_sketch_err_t dd_kll_merge(dd_kll_t *into, const dd_kll_t *from) {
    if (into == NULL || from == NULL)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    if (into->k != from->k)
        return DD_SKETCH_ERR_INCOMPATIBLE;
    if (from->count > UINT64_MAX - into->count)
        return DD_SKETCH_ERR_TOO_LARGE;
    dd_kll_t w = *into;
    w.nulls += from->nulls;
    w.nans += from->nans;
    w.pos_inf += from->pos_inf;
    w.neg_inf += from->neg_inf;
    if (from->count == 0) {
        *into = w;
        return DD_SKETCH_OK;
    }
    w.count += from->count;
    w.min = from->min < w.min ? from->min : w.min;
    w.max = from->max > w.max ? from->max : w.max;
    w.num_levels = into->num_levels > from->num_levels ? into->num_levels : from->num_levels;
    w.capacity = total_capacity(w.k, w.num_levels);
    const uint32_t total = retained_items(into) + retained_items(from);
    w.alloc = total > ALLOC_MIN ? total : ALLOC_MIN;
    /* The union's offsets on the heap while it is built (its compactions may add levels), back
     * in the struct at the end when they fit. */
    uint32_t *wl = malloc((LEVELS_MAX + 1) * sizeof(uint32_t));
    w.items = malloc((size_t)w.alloc * sizeof(double));
    if (w.items == NULL || wl == NULL) {
        free(wl);
        free(w.items);
        return DD_SKETCH_ERR_NO_MEMORY;
    }
    w.levels = wl;
    w.levels[w.num_levels] = w.alloc;
    for (uint32_t h = w.num_levels; h-- > 0;) {
        const uint32_t na = h < into->num_levels ? level_size(into, h) : 0;
        const uint32_t nb = h < from->num_levels ? level_size(from, h) : 0;
        const double *a = into->items + into->levels[h < into->num_levels ? h : 0];
        const double *b = from->items + from->levels[h < from->num_levels ? h : 0];
        w.levels[h] = w.levels[h + 1] - na - nb;
        double *dst = w.items + w.levels[h];
        if (h == 0) {
            memcpy(dst, a, (size_t)na * sizeof(double));
            memcpy(dst + na, b, (size_t)nb * sizeof(double));
        } else {
            merge_sorted(a, na, b, nb, dst);
        }
    }
    /* Levels of the union can outgrow the stack scratch: one buffer for all its compactions
     * (without it they merge in place, more slowly). */
    double *wide = malloc((size_t)w.alloc * sizeof(double));
    while (retained_items(&w) > w.capacity) {
        const uint32_t h = level_to_compact(&w);
        if (h == LEVELS_MAX)
            break; /* unreachable: the combined count fits 64 bits */
        compact_level(&w, h, wide, wide != NULL ? w.alloc : 0);
    }
    free(wide);
    /* The work buffer can hold up to twice the capacity: shrink it to the capacity. */
    if (w.alloc > w.capacity && w.capacity >= ALLOC_MIN && retained_items(&w) <= w.capacity) {
        const uint32_t shift = w.alloc - w.capacity;
        memmove(w.items + w.levels[0] - shift, w.items + w.levels[0],
                (size_t)retained_items(&w) * sizeof(double));
        for (uint32_t h = 0; h <= w.num_levels; h++)
            w.levels[h] -= shift;
        w.alloc = w.capacity;
        double *smaller = realloc(w.items, (size_t)w.alloc * sizeof(double));
        w.items = smaller != NULL ? smaller : w.items; /* a failed shrink keeps the larger block */
    }
    free(into->items);
    if (levels_on_heap(into)) /* after every read of into (into == from works) */
        free(into->levels);
    const int inline_fits = w.num_levels + 1 <= LEVELS_INLINE + 1;
    if (inline_fits) {
        memcpy(w.level_inline, wl, (w.num_levels + 1) * sizeof(uint32_t));
        free(wl);
    }
    *into = w;
    into->levels = inline_fits ? into->level_inline : wl;
    return DD_SKETCH_OK;
}

/* ---- queries ---------------------------------------------------------------------------------*/
uint64_t dd_kll_memory_bound(uint32_t k) {
    const uint64_t items = total_capacity(k, LEVELS_MAX);
    return sizeof(dd_kll_t) + (LEVELS_MAX + 1) * sizeof(uint32_t) +
           (items > ALLOC_MIN ? items : ALLOC_MIN) * sizeof(double);
}

uint32_t dd_kll_k(const dd_kll_t *s) {
    return s ? s->k : 0;
}
uint64_t dd_kll_count(const dd_kll_t *s) {
    return s ? s->count : 0;
}
uint64_t dd_kll_nulls(const dd_kll_t *s) {
    return s ? s->nulls : 0;
}
uint64_t dd_kll_nans(const dd_kll_t *s) {
    return s ? s->nans : 0;
}
uint64_t dd_kll_pos_inf(const dd_kll_t *s) {
    return s ? s->pos_inf : 0;
}
uint64_t dd_kll_neg_inf(const dd_kll_t *s) {
    return s ? s->neg_inf : 0;
}
double dd_kll_min(const dd_kll_t *s) {
    return s && s->count > 0 ? s->min : NAN;
}
double dd_kll_max(const dd_kll_t *s) {
    return s && s->count > 0 ? s->max : NAN;
}
size_t dd_kll_retained(const dd_kll_t *s) {
    return s ? retained_items(s) : 0;
}
size_t dd_kll_bytes(const dd_kll_t *s) {
    return s ? sizeof(*s) + (size_t)s->alloc * sizeof(double) +
                   (levels_on_heap(s) ? (LEVELS_MAX + 1) * sizeof(uint32_t) : 0)
             : 0;
}

double dd_kll_rank_error(const dd_kll_t *s) {
    if (s == NULL)
        return NAN;
    /* DataSketches' fit to the 99th percentile of the maximum single-sided rank error measured in
     * thousands of trials (docs/sketch-kll.md checks it against this implementation). */
    return s->num_levels > 1 ? 2.296 / pow((double)s->k, 0.9723) : 0.0;
}

/* Total weight of the retained items ≤ x: O(size of level 0 + levels · log k). */
static uint64_t weight_at_most(const dd_kll_t *s, double x) {
    const double *items = s->items;
    uint64_t weight = 0;
    for (uint32_t j = s->levels[0]; j < s->levels[1]; j++)
        weight += (uint64_t)(items[j] <= x);
    for (uint32_t h = 1; h < s->num_levels; h++) {
        uint32_t lo = s->levels[h], hi = s->levels[h + 1]; /* first item > x, in sorted level h */
        while (lo < hi) {
            const uint32_t mid = lo + (hi - lo) / 2;
            if (items[mid] <= x)
                lo = mid + 1;
            else
                hi = mid;
        }
        weight += (uint64_t)(lo - s->levels[h]) << h;
    }
    return weight;
}

double dd_kll_rank(const dd_kll_t *s, double x) {
    if (s == NULL || s->count == 0 || isnan(x))
        return NAN;
    return (double)weight_at_most(s, x) / (double)s->count;
}

/* Doubles ordered as unsigned integers, so that bisection can walk the values between two
 * finite doubles one representable number at a time. */
static uint64_t order_key(double x) {
    uint64_t b;
    memcpy(&b, &x, sizeof(b));
    return (b >> 63) ? ~b : b | (1ull << 63);
}

static double from_order_key(uint64_t key) {
    const uint64_t b = (key >> 63) ? key & ~(1ull << 63) : ~key;
    double x;
    memcpy(&x, &b, sizeof(x));
    return x;
}

/* The smallest y with weight_at_most(y) ≥ q·count: a retained item (or min), found by bisection
 * over the doubles in [min, max] — at most 64 rank evaluations, no allocation, no sorting of the
 * const sketch's level 0. */
double dd_kll_quantile(const dd_kll_t *s, double q) {
    if (s == NULL || s->count == 0 || !(q >= 0.0 && q <= 1.0))
        return NAN;
    if (q == 0.0)
        return s->min;
    if (q == 1.0)
        return s->max;
    const double target = q * (double)s->count;
    uint64_t lo = order_key(s->min), hi = order_key(s->max);
    while (lo < hi) {
        const uint64_t mid = lo + (hi - lo) / 2;
        if ((double)weight_at_most(s, from_order_key(mid)) >= target)
            hi = mid;
        else
            lo = mid + 1;
    }
    return from_order_key(lo);
}

/* ---- sorted view -------------------------------------------------------------------------------
 * Ties are ordered by weight (lower levels first), so the view is canonical and a short output is
 * exactly the prefix of the full one. Built in the caller's arrays, keeping only the n_max smallest
 * at every step: level 0 (sorted, or heap-selected when it alone overflows n_max), then each
 * higher level merged in from the back. */
size_t dd_kll_sorted(const dd_kll_t *s, double *values, uint64_t *weights, size_t n_max) {
    if (s == NULL || values == NULL || weights == NULL || n_max == 0)
        return 0;
    const double *level0 = s->items + s->levels[0];
    const size_t n0 = level_size(s, 0);
    size_t m = n0 < n_max ? n0 : n_max;
    memcpy(values, level0, m * sizeof(double));
    if (n0 > n_max) { /* keep the n_max smallest in a max-heap, then sort it */
        for (size_t i = m / 2; i-- > 0;)
            sift_down(values, i, m);
        for (size_t i = m; i < n0; i++)
            if (level0[i] < values[0]) {
                values[0] = level0[i];
                sift_down(values, 0, m);
            }
    }
    double scratch[SCRATCH];
    sort_doubles(values, m, scratch);
    for (size_t i = 0; i < m; i++)
        weights[i] = 1;
    for (uint32_t h = 1; h < s->num_levels; h++) {
        const double *src = s->items + s->levels[h];
        size_t i = m, j = level_size(s, h);
        const size_t total = m + j, keep = total < n_max ? total : n_max;
        for (size_t pos = total; j > 0;) {
            /* Writes land at pos ≥ i: never on a view entry not yet moved. */
            pos--;
            if (i == 0 || src[j - 1] >= values[i - 1]) {
                j--;
                if (pos < keep) {
                    values[pos] = src[j];
                    weights[pos] = (uint64_t)1 << h;
                }
            } else {
                i--;
                if (pos < keep) {
                    values[pos] = values[i];
                    weights[pos] = weights[i];
                }
            }
        }
        m = keep;
    }
    return m;
}

/* ---- serialization (docs/sketch-kll.md) ------------------------------------------------------*/
enum { KLL_FIXED_BYTES = 4 + 4 + 2 * 8 + 5 * 8 + 2 * 8 };

size_t dd_kll_serialized_size(const dd_kll_t *s) {
    if (s == NULL)
        return 0;
    return DD_WIRE_HEADER_BYTES + KLL_FIXED_BYTES + 4 * (size_t)s->num_levels +
           8 * (size_t)retained_items(s) + DD_WIRE_TRAILER_BYTES;
}

dd_sketch_err_t dd_kll_serialize(const dd_kll_t *s, uint8_t *buf, size_t cap, size_t *written) {
    if (s == NULL)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    dd_wire_writer_t w = {buf, cap, 0};
    const size_t begin = dd_wire_begin(&w, DD_WIRE_KLL);
    dd_wire_put_u32(&w, s->k);
    dd_wire_put_u32(&w, s->num_levels);
    dd_wire_put_u64(&w, s->seed);
    dd_wire_put_u64(&w, s->rng);
    dd_wire_put_u64(&w, s->count);
    dd_wire_put_u64(&w, s->nulls);
    dd_wire_put_u64(&w, s->nans);
    dd_wire_put_u64(&w, s->pos_inf);
    dd_wire_put_u64(&w, s->neg_inf);
    dd_wire_put_f64(&w, s->min);
    dd_wire_put_f64(&w, s->max);
    for (uint32_t h = 0; h < s->num_levels; h++)
        dd_wire_put_u32(&w, level_size(s, h));
    for (uint32_t j = s->levels[0]; j < s->alloc; j++)
        dd_wire_put_f64(&w, s->items[j]);
    const dd_sketch_err_t err = dd_wire_end(&w, begin);
    if (written != NULL)
        *written = w.len;
    return err;
}

dd_sketch_err_t dd_kll_deserialize(const uint8_t *buf, size_t len, dd_kll_t **out) {
    if (out == NULL)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    *out = NULL;
    dd_wire_reader_t r;
    dd_sketch_err_t err = dd_wire_open(buf, len, DD_WIRE_KLL, &r, NULL);
    if (err != DD_SKETCH_OK)
        return err;
    const uint32_t k = dd_wire_get_u32(&r);
    const uint32_t num_levels = dd_wire_get_u32(&r);
    const uint64_t seed = dd_wire_get_u64(&r), rng = dd_wire_get_u64(&r);
    uint64_t counts[5]; /* count, nulls, nans, pos_inf, neg_inf */
    for (int i = 0; i < 5; i++)
        counts[i] = dd_wire_get_u64(&r);
    const double min = dd_wire_get_f64(&r), max = dd_wire_get_f64(&r);
    if (r.failed || k < DD_KLL_K_MIN || num_levels == 0)
        return DD_SKETCH_ERR_CORRUPT;
    if (k > DD_KLL_K_MAX || num_levels > LEVELS_MAX)
        return DD_SKETCH_ERR_TOO_LARGE;
    if (dd_wire_remaining(&r) < 4 * (size_t)num_levels)
        return DD_SKETCH_ERR_CORRUPT;
    /* Sizes first: their sum is checked against the capacity and the bytes left, and their
     * weights against the count, before anything is allocated. */
    uint32_t sizes[LEVELS_MAX];
    uint64_t retained = 0, weight = 0;
    for (uint32_t h = 0; h < num_levels; h++) {
        sizes[h] = dd_wire_get_u32(&r);
        retained += sizes[h];
        if (sizes[h] > (UINT64_MAX >> h) || ((uint64_t)sizes[h] << h) > UINT64_MAX - weight)
            return DD_SKETCH_ERR_CORRUPT;
        weight += (uint64_t)sizes[h] << h;
    }
    const uint32_t capacity = total_capacity(k, num_levels);
    if (retained > capacity || dd_wire_remaining(&r) != 8 * retained || weight != counts[0] ||
        (num_levels > 1 && sizes[num_levels - 1] == 0))
        return DD_SKETCH_ERR_CORRUPT;
    if (counts[0] == 0 ? !(min == INFINITY && max == -INFINITY)
                       : !(isfinite(min) && isfinite(max) && min <= max))
        return DD_SKETCH_ERR_CORRUPT;
    const uint32_t alloc = retained > ALLOC_MIN ? (uint32_t)retained : ALLOC_MIN;
    const int deep = num_levels + 1 > LEVELS_INLINE + 1;
    if (!dd_sketch_decode_budget_take(sizeof(dd_kll_t) + (uint64_t)alloc * sizeof(double) +
                                      (deep ? (LEVELS_MAX + 1) * sizeof(uint32_t) : 0)))
        return DD_SKETCH_ERR_TOO_LARGE;
    dd_kll_t *s = alloc_sketch(k, alloc);
    if (s == NULL)
        return DD_SKETCH_ERR_NO_MEMORY;
    if (!levels_room(s, num_levels + 1)) {
        dd_kll_destroy(s);
        return DD_SKETCH_ERR_NO_MEMORY;
    }
    s->num_levels = num_levels;
    s->capacity = capacity;
    s->seed = seed;
    s->rng = rng;
    s->count = counts[0];
    s->nulls = counts[1];
    s->nans = counts[2];
    s->pos_inf = counts[3];
    s->neg_inf = counts[4];
    s->min = min;
    s->max = max;
    s->levels[num_levels] = alloc;
    for (uint32_t h = num_levels; h-- > 0;)
        s->levels[h] = s->levels[h + 1] - sizes[h];
    for (uint32_t h = 0; h < num_levels; h++) {
        for (uint32_t j = s->levels[h]; j < s->levels[h + 1]; j++) {
            const double x = dd_wire_get_f64(&r);
            /* Finite and inside [min, max] (so NaN fails too); levels above 0 non-decreasing. */
            if (!(x >= min && x <= max) || (h > 0 && j > s->levels[h] && x < s->items[j - 1])) {
                dd_kll_destroy(s);
                return DD_SKETCH_ERR_CORRUPT;
            }
            s->items[j] = x;
        }
    }
    *out = s;
    return DD_SKETCH_OK;
}
