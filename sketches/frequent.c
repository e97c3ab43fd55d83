/* frequent.c — category counts: exact up to `capacity` distinct hashes, then SpaceSaving.
 *
 * State: up to `capacity` tracked items (hash, count, error) indexed by an item id, an
 * open-addressing table (linear probing, load ≤ 1/8) from hash to id, and `max_error` U, the bound
 * on the true count of any untracked hash. U = 0 exactly while the sketch is exact.
 *
 * Invariants (docs/sketch-hll-frequent.md shows that update and merge keep them):
 *   (a) count - error ≤ true ≤ count for every tracked item, and error < count;
 *   (b) true ≤ U for every untracked hash;
 *   (c) error ≤ U ≤ count for every tracked item;
 *   (d) exact: U = 0, every error = 0, Σ count = total;
 *       SpaceSaving: U ≥ 1, exactly `capacity` items tracked, Σ count ≤ total.
 * (c) and (d) give capacity·U ≤ Σ count ≤ total, i.e. U ≤ total / capacity, and with (b) every
 * hash whose true count exceeds total / capacity is tracked.
 *
 * SpaceSaving mode keeps Metwally et al.'s "stream summary" in array form: `order` lists the item
 * ids by ascending count, items of equal count forming one contiguous run (a bucket, which knows
 * its count and its first and last position). An increment moves the item to the end of its run
 * and hands that position to the next run (or a new one): O(1), no search. The item to evict is
 * the last of the first run. A heap would need O(log capacity) sifts per eviction, and on long-tail
 * streams, where most counters sit at the minimum, each newcomer sinks through all of them.
 * Everything is a function of the input sequence (ties are broken by position, which the serialized
 * form preserves), so a clone or a round trip behaves exactly like the original. */
#include "sketches.h"

#include <stdlib.h>
#include <string.h>

#include "wire.h"

/* Counts (totals, nulls) stop at 2^63 - 1: far beyond any stream, and it leaves room to add two
 * of them, or a few more values, without wrapping. Merges past it fail, and so do inputs claiming
 * more. */
#define COUNT_MAX ((uint64_t)INT64_MAX)

typedef struct table_slot {
    uint32_t tag;  /* see table_tag */
    uint32_t item; /* item id + 1; 0 = empty */
} table_slot_t;

/* A run of items with equal counts: positions [first, last] of `order`. Runs form a list by
 * ascending count; the links save walking `order` to find the neighbouring run.
 * next_floor ≤ the next run's count (UINT64_MAX for the last run). It lets a lone item (a heavy
 * hitter, typically) be incremented by relabelling its run without reading the next run, which
 * other updates keep writing: reading it on every hit costs several ns on skewed streams. The
 * bound stays valid because the next run's count only grows, and a run can appear between the two
 * only when an item leaves this run, which refreshes the bound. */
typedef struct bucket {
    uint64_t count;
    uint64_t next_floor;
    uint32_t first, last;
    uint32_t prev, next; /* NO_BUCKET at the ends */
} bucket_t;

typedef struct item_link {
    uint32_t bucket;
    uint32_t position; /* in `order` */
} item_link_t;

#define NO_BUCKET UINT32_MAX

struct dd_frequent {
    uint32_t capacity;
    uint32_t tracked;
    uint32_t table_mask;
    unsigned tag_shift; /* 32 - log2(table size) */
    uint64_t total;
    uint64_t nulls;
    uint64_t max_error;        /* U above */
    dd_frequent_item_t *items; /* [capacity], by item id; .count is stale in SpaceSaving mode */
    table_slot_t *table;
    /* SpaceSaving mode only. The links are kept apart from the (hash, count, error) records so
     * that what an increment writes stays in few cache lines. */
    item_link_t *links;     /* [capacity], by item id */
    uint32_t *order;        /* [capacity] item ids by ascending count */
    bucket_t *buckets;      /* [capacity]; at most one per distinct count is in use */
    uint32_t *free_buckets; /* [capacity] stack of unused bucket indexes */
    uint32_t n_free;
    uint32_t lowest; /* bucket with the smallest count */
};

static int spacesaving(const dd_frequent_t *f) {
    return f->max_error != 0;
}

/* ---- hash table ----------------------------------------------------------------------------- */

/* Fibonacci hashing: the keys are already hashes, but tests and some codecs produce small or
 * sequential integers, and one multiply spreads those over the high bits. The slot keeps the top
 * 32 bits of the product as a tag: the home slot is the tag's top bits, so the table can be
 * reorganised without reading keys, and a tag mismatch rejects a slot without touching the item.
 * Equal tags are confirmed against the item's hash. */
static inline uint32_t table_tag(uint64_t key) {
    return (uint32_t)((key * 0x9e3779b97f4a7c15ull) >> 32);
}

static inline uint32_t table_home(const dd_frequent_t *f, uint32_t tag) {
    return tag >> f->tag_shift;
}

/* Item id + 1 of key, or 0. */
static uint32_t table_find(const dd_frequent_t *f, uint64_t key) {
    const uint32_t tag = table_tag(key);
    for (uint32_t i = table_home(f, tag);; i = (i + 1) & f->table_mask) {
        const table_slot_t s = f->table[i];
        if (s.item == 0 || (s.tag == tag && f->items[s.item - 1].hash == key))
            return s.item;
    }
}

/* Index of the empty slot where key (absent) belongs. The table never fills (load ≤ 1/8). */
static uint32_t table_free_slot(const dd_frequent_t *f, uint32_t tag) {
    uint32_t i = table_home(f, tag);
    while (f->table[i].item != 0)
        i = (i + 1) & f->table_mask;
    return i;
}

static void table_insert(dd_frequent_t *f, uint64_t key, uint32_t item) {
    const uint32_t tag = table_tag(key);
    const uint32_t i = table_free_slot(f, tag);
    f->table[i].tag = tag;
    f->table[i].item = item + 1;
}

/* item (with key) must be present. Backward-shift deletion (Knuth 6.4, Algorithm R) keeps every
 * probe chain unbroken without tombstones, so lookups do not slow down as evictions accumulate. */
static void table_remove(dd_frequent_t *f, uint64_t key, uint32_t item) {
    const uint32_t mask = f->table_mask;
    uint32_t hole = table_home(f, table_tag(key));
    while (f->table[hole].item != item + 1)
        hole = (hole + 1) & mask;
    for (uint32_t j = (hole + 1) & mask; f->table[j].item != 0; j = (j + 1) & mask) {
        const uint32_t home = table_home(f, f->table[j].tag);
        /* The entry at j may move back to the hole only if the hole lies on its probe path,
         * i.e. cyclically within [home, j). */
        if (((j - home) & mask) >= ((j - hole) & mask)) {
            f->table[hole] = f->table[j];
            hole = j;
        }
    }
    f->table[hole].item = 0;
}

static void table_clear(dd_frequent_t *f) {
    memset(f->table, 0, ((size_t)f->table_mask + 1) * sizeof(*f->table));
}

/* ---- stream summary (SpaceSaving mode) ------------------------------------------------------ */

static uint64_t item_count(const dd_frequent_t *f, uint32_t item) {
    return spacesaving(f) ? f->buckets[f->links[item].bucket].count : f->items[item].count;
}

/* items[0, tracked) must be sorted by ascending count; ids become positions. */
static void summary_build(dd_frequent_t *f) {
    f->n_free = 0;
    for (uint32_t b = f->capacity; b-- > 0;)
        f->free_buckets[f->n_free++] = b;
    uint32_t b = NO_BUCKET;
    f->lowest = NO_BUCKET;
    for (uint32_t i = 0; i < f->tracked; i++) {
        if (b == NO_BUCKET || f->items[i].count != f->buckets[b].count) {
            const uint32_t fresh = f->free_buckets[--f->n_free];
            f->buckets[fresh].count = f->items[i].count;
            f->buckets[fresh].next_floor = UINT64_MAX;
            f->buckets[fresh].first = i;
            f->buckets[fresh].prev = b;
            f->buckets[fresh].next = NO_BUCKET;
            if (b == NO_BUCKET) {
                f->lowest = fresh;
            } else {
                f->buckets[b].next = fresh;
                f->buckets[b].next_floor = f->items[i].count;
            }
            b = fresh;
        }
        f->buckets[b].last = i;
        f->order[i] = i;
        f->links[i].bucket = b;
        f->links[i].position = i;
    }
}

/* count + 1 for a tracked item, keeping the runs sorted: the item swaps places with the last of
 * its run, and that position passes to the run at count + 1 (made if missing). */
static void summary_increment(dd_frequent_t *f, uint32_t item) {
    item_link_t *link = &f->links[item];
    const uint32_t b = link->bucket;
    bucket_t *run = &f->buckets[b];
    const uint64_t count = run->count;
    const uint32_t last = run->last;
    if (run->first == last && count + 1 < run->next_floor) {
        run->count = count + 1; /* alone, and no run at count + 1: relabel */
        return;
    }
    const uint32_t next = run->next;
    const uint64_t next_count = next != NO_BUCKET ? f->buckets[next].count : UINT64_MAX;
    const int join_next = next_count == count + 1;
    run->next_floor = next_count;
    if (run->first == last && !join_next) {
        run->count = count + 1;
        return;
    }
    const uint32_t at = link->position;
    if (at != last) {
        const uint32_t other = f->order[last];
        f->order[at] = other;
        f->links[other].position = at;
        f->order[last] = item;
        link->position = last;
    }
    if (join_next) {
        f->buckets[next].first = last;
        link->bucket = next;
        if (run->first == last) { /* the run is now empty: unlink it */
            const uint32_t prev = run->prev;
            if (prev == NO_BUCKET)
                f->lowest = next;
            else
                f->buckets[prev].next = next;
            f->buckets[next].prev = prev;
            f->free_buckets[f->n_free++] = b;
        } else {
            run->last = last - 1;
        }
    } else {
        /* Here the run keeps at least one item, so no more runs than items exist and the free
         * stack cannot be empty. */
        run->last = last - 1;
        run->next_floor = count + 1;
        const uint32_t fresh = f->free_buckets[--f->n_free];
        bucket_t *made = &f->buckets[fresh];
        made->count = count + 1;
        made->next_floor = next_count;
        made->first = last;
        made->last = last;
        made->prev = b;
        made->next = next;
        run->next = fresh;
        if (next != NO_BUCKET)
            f->buckets[next].prev = fresh;
        link->bucket = fresh;
    }
}

/* Replaces the last item of the lowest run by key (absent). */
static void summary_replace_min(dd_frequent_t *f, uint64_t key) {
    const bucket_t *lowest = &f->buckets[f->lowest];
    const uint32_t item = f->order[lowest->last];
    const uint64_t min = lowest->count;
    /* The evicted item's true count is at most min, which becomes the untracked bound; min ≥ U
     * already (invariant (c)), so U never decreases. The newcomer's true count before this
     * occurrence was at most U ≤ min: count min + 1, error min.
     * The victim's slot goes first (it is found by item id, which the newcomer inherits); the
     * removal may reshape the newcomer's chain, so its slot is probed for again. */
    table_remove(f, f->items[item].hash, item);
    table_insert(f, key, item);
    f->items[item].hash = key;
    f->items[item].error = min;
    f->max_error = min;
    summary_increment(f, item); /* already last in its run: no swap */
}

/* ---- life cycle ----------------------------------------------------------------------------- */

static unsigned table_bits_for(uint32_t capacity) {
    unsigned table_bits = 1;
    while (((size_t)1 << table_bits) < 8 * (size_t)capacity)
        table_bits++;
    return table_bits;
}

uint64_t dd_frequent_memory_bound(uint32_t capacity) {
    const dd_frequent_t *f = NULL; /* for the member sizes only */
    return sizeof(*f) + ((uint64_t)1 << table_bits_for(capacity)) * sizeof(*f->table) +
           (uint64_t)capacity * (sizeof(*f->items) + sizeof(*f->links) + sizeof(*f->order) +
                                 sizeof(*f->buckets) + sizeof(*f->free_buckets));
}

dd_sketch_err_t dd_frequent_new(uint32_t capacity, dd_frequent_t **out) {
    if (out == NULL || capacity < DD_FREQUENT_CAPACITY_MIN || capacity > DD_FREQUENT_CAPACITY_MAX)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    dd_frequent_t *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return DD_SKETCH_ERR_NO_MEMORY;
    /* Load ≤ 1/8: an unsuccessful probe (every eviction makes one) then costs ~1.15 slots
     * instead of ~2.5 at load 1/2, and removals shift shorter clusters. On a Zipf(1.1) stream at
     * capacity 1024, where over a third of the values evict, this measured ~18 ns per value
     * against ~22 ns at load 1/4 and over 30 ns at load 1/2, for a 64 KiB table. */
    const unsigned table_bits = table_bits_for(capacity);
    f->capacity = capacity;
    f->table_mask = (uint32_t)(((size_t)1 << table_bits) - 1);
    f->tag_shift = 32 - table_bits;
    f->items = malloc(capacity * sizeof(*f->items));
    f->table = calloc((size_t)f->table_mask + 1, sizeof(*f->table));
    f->links = malloc(capacity * sizeof(*f->links));
    f->order = malloc(capacity * sizeof(*f->order));
    f->buckets = malloc(capacity * sizeof(*f->buckets));
    f->free_buckets = malloc(capacity * sizeof(*f->free_buckets));
    if (f->items == NULL || f->table == NULL || f->links == NULL || f->order == NULL ||
        f->buckets == NULL || f->free_buckets == NULL) {
        dd_frequent_destroy(f);
        return DD_SKETCH_ERR_NO_MEMORY;
    }
    *out = f;
    return DD_SKETCH_OK;
}

void dd_frequent_destroy(dd_frequent_t *f) {
    if (f == NULL)
        return;
    free(f->items);
    free(f->table);
    free(f->links);
    free(f->order);
    free(f->buckets);
    free(f->free_buckets);
    free(f);
}

dd_sketch_err_t dd_frequent_clone(const dd_frequent_t *f, dd_frequent_t **out) {
    if (f == NULL || out == NULL)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    dd_frequent_t *c;
    const dd_sketch_err_t err = dd_frequent_new(f->capacity, &c);
    if (err != DD_SKETCH_OK)
        return err;
    c->tracked = f->tracked;
    c->total = f->total;
    c->nulls = f->nulls;
    c->max_error = f->max_error;
    memcpy(c->items, f->items, f->tracked * sizeof(*f->items));
    memcpy(c->table, f->table, ((size_t)f->table_mask + 1) * sizeof(*f->table));
    if (spacesaving(f)) {
        const size_t k = f->capacity;
        memcpy(c->links, f->links, k * sizeof(*f->links));
        memcpy(c->order, f->order, k * sizeof(*f->order));
        memcpy(c->buckets, f->buckets, k * sizeof(*f->buckets));
        memcpy(c->free_buckets, f->free_buckets, k * sizeof(*f->free_buckets));
        c->n_free = f->n_free;
        c->lowest = f->lowest;
    }
    *out = c;
    return DD_SKETCH_OK;
}

void dd_frequent_reset(dd_frequent_t *f) {
    if (f == NULL)
        return;
    f->tracked = 0;
    f->total = 0;
    f->nulls = 0;
    f->max_error = 0;
    table_clear(f);
}

/* ---- update --------------------------------------------------------------------------------- */

static int compare_count_asc(const void *pa, const void *pb) {
    const dd_frequent_item_t *a = pa, *b = pb;
    if (a->count != b->count)
        return a->count < b->count ? -1 : 1;
    return a->hash < b->hash ? -1 : a->hash > b->hash;
}

/* A hash not tracked: insert while exact, else switch to SpaceSaving if needed and evict. */
static void insert_new(dd_frequent_t *f, uint64_t key, uint32_t empty_slot) {
    if (f->tracked < f->capacity) {
        /* Only in exact mode: SpaceSaving always tracks `capacity` items. */
        const uint32_t item = f->tracked++;
        f->items[item].hash = key;
        f->items[item].count = 1;
        f->items[item].error = 0;
        f->table[empty_slot].tag = table_tag(key);
        f->table[empty_slot].item = item + 1;
        return;
    }
    if (!spacesaving(f)) {
        /* The (capacity+1)-th distinct hash: the exact counts become the initial counters, with
         * error 0. Items are re-laid out sorted, so ids are positions. Happens once. */
        qsort(f->items, f->tracked, sizeof(*f->items), compare_count_asc);
        table_clear(f);
        for (uint32_t i = 0; i < f->tracked; i++)
            table_insert(f, f->items[i].hash, i);
        summary_build(f);
    }
    summary_replace_min(f, key);
}

static inline void add_one(dd_frequent_t *f, uint64_t key) {
    const uint32_t mask = f->table_mask;
    const table_slot_t *table = f->table;
    const uint32_t tag = table_tag(key);
    for (uint32_t i = table_home(f, tag);; i = (i + 1) & mask) {
        const uint32_t item = table[i].item;
        if (item == 0) {
            insert_new(f, key, i);
            return;
        }
        if (table[i].tag == tag && f->items[item - 1].hash == key) {
            if (spacesaving(f))
                summary_increment(f, item - 1);
            else
                f->items[item - 1].count++;
            return;
        }
    }
}

void dd_frequent_update(dd_frequent_t *f, const uint64_t *hashes, const uint8_t *nulls, size_t n) {
    if (f == NULL || (hashes == NULL && n != 0))
        return;
    uint64_t null_count = 0;
    if (nulls == NULL) {
        for (size_t i = 0; i < n; i++)
            add_one(f, hashes[i]);
    } else {
        for (size_t i = 0; i < n; i++) {
            if ((nulls[i >> 3] >> (i & 7)) & 1u) {
                null_count++;
                continue;
            }
            add_one(f, hashes[i]);
        }
    }
    f->nulls += null_count;
    f->total += n - null_count;
}

/* ---- merge ---------------------------------------------------------------------------------- */

static int item_before(const dd_frequent_item_t *a, const dd_frequent_item_t *b) {
    return a->count > b->count || (a->count == b->count && a->hash < b->hash);
}

static int compare_output_order(const void *pa, const void *pb) {
    const dd_frequent_item_t *a = pa, *b = pb;
    return item_before(a, b) ? -1 : item_before(b, a) ? 1 : 0;
}

/* Replaces the tracked items by items[0, n) (distinct hashes; ascending counts when U > 0). */
static void load_items(dd_frequent_t *f, const dd_frequent_item_t *items, uint32_t n,
                       uint64_t max_error) {
    table_clear(f);
    memmove(f->items, items, n * sizeof(*items));
    for (uint32_t i = 0; i < n; i++)
        table_insert(f, items[i].hash, i);
    f->tracked = n;
    f->max_error = max_error;
    if (spacesaving(f))
        summary_build(f);
}

dd_sketch_err_t dd_frequent_merge(dd_frequent_t *into, const dd_frequent_t *from) {
    if (into == NULL || from == NULL)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    if (into->capacity != from->capacity)
        return DD_SKETCH_ERR_INCOMPATIBLE;
    /* Updates alone can carry a count past COUNT_MAX (after 2^63 values, or a few after loading
     * a sketch at the limit), so both operands are checked, not just their sum. */
    if (into->total > COUNT_MAX || from->total > COUNT_MAX - into->total ||
        into->nulls > COUNT_MAX || from->nulls > COUNT_MAX - into->nulls)
        return DD_SKETCH_ERR_TOO_LARGE;
    const size_t k = into->capacity;
    const size_t n_max = (size_t)into->tracked + from->tracked;
    dd_frequent_item_t *merged = malloc((n_max > 0 ? n_max : 1) * sizeof(*merged));
    if (merged == NULL)
        return DD_SKETCH_ERR_NO_MEMORY;
    /* Step 1 (Agarwal et al. 2012, in upper-bound form): an item missing from one side has a true
     * count there in [0, U_side], so U_side is added to its count (upper bound) and to its error
     * (the lower bound gains 0). Hashes tracked by neither side are bounded by U_into + U_from.
     * Invariant (a) holds for every combined item. */
    const uint64_t u_into = into->max_error, u_from = from->max_error;
    size_t n = 0;
    for (uint32_t i = 0; i < into->tracked; i++) {
        const uint64_t hash = into->items[i].hash;
        const uint32_t j = table_find(from, hash);
        merged[n].hash = hash;
        merged[n].count = item_count(into, i) + (j ? item_count(from, j - 1) : u_from);
        merged[n].error = into->items[i].error + (j ? from->items[j - 1].error : u_from);
        n++;
    }
    for (uint32_t j = 0; j < from->tracked; j++) {
        const uint64_t hash = from->items[j].hash;
        if (table_find(into, hash) != 0)
            continue;
        merged[n].hash = hash;
        merged[n].count = item_count(from, j) + u_into;
        merged[n].error = from->items[j].error + u_into;
        n++;
    }
    uint64_t max_error = u_into + u_from;
    if (n > k) {
        /* Step 2: keep the k largest counts (ties by hash) and raise U to the (k+1)-th largest
         * count, which bounds every dropped item. This is Agarwal et al.'s "subtract the (k+1)-th
         * counter from all" with the subtraction moved into U: counts are not lowered, so (a)
         * still holds, and Σ count over the kept items ≤ total (see the docs). */
        qsort(merged, n, sizeof(*merged), compare_output_order);
        max_error = merged[k].count;
        n = k;
    }
    if (max_error != 0)
        qsort(merged, n, sizeof(*merged), compare_count_asc);
    into->total += from->total;
    into->nulls += from->nulls;
    load_items(into, merged, (uint32_t)n, max_error);
    free(merged);
    return DD_SKETCH_OK;
}

/* ---- queries -------------------------------------------------------------------------------- */

uint32_t dd_frequent_capacity(const dd_frequent_t *f) {
    return f == NULL ? 0 : f->capacity;
}

int dd_frequent_is_exact(const dd_frequent_t *f) {
    return f != NULL && !spacesaving(f);
}

uint64_t dd_frequent_total(const dd_frequent_t *f) {
    return f == NULL ? 0 : f->total;
}

uint64_t dd_frequent_nulls(const dd_frequent_t *f) {
    return f == NULL ? 0 : f->nulls;
}

uint64_t dd_frequent_max_error(const dd_frequent_t *f) {
    return f == NULL ? 0 : f->max_error;
}

uint64_t dd_frequent_estimate(const dd_frequent_t *f, uint64_t hash, uint64_t *error) {
    if (f == NULL) {
        if (error != NULL)
            *error = 0;
        return 0;
    }
    const uint32_t item = table_find(f, hash);
    if (error != NULL)
        *error = item ? f->items[item - 1].error : f->max_error;
    return item ? item_count(f, item - 1) : 0;
}

size_t dd_frequent_tracked(const dd_frequent_t *f) {
    return f == NULL ? 0 : f->tracked;
}

/* out[0, n) as a heap whose root is the item that sorts last, for picking the first n_max items
 * in output order without scratch memory. */
static void last_first_sift_down(dd_frequent_item_t *out, size_t n, size_t pos) {
    const dd_frequent_item_t moving = out[pos];
    for (;;) {
        size_t child = 2 * pos + 1;
        if (child >= n)
            break;
        if (child + 1 < n && item_before(&out[child], &out[child + 1]))
            child++;
        if (!item_before(&moving, &out[child]))
            break;
        out[pos] = out[child];
        pos = child;
    }
    out[pos] = moving;
}

size_t dd_frequent_items(const dd_frequent_t *f, dd_frequent_item_t *out, size_t n_max) {
    if (f == NULL || out == NULL || n_max == 0)
        return 0;
    size_t n = 0;
    for (uint32_t i = 0; i < f->tracked; i++) {
        const dd_frequent_item_t item = {f->items[i].hash, item_count(f, i), f->items[i].error};
        if (n < n_max) {
            out[n++] = item;
            if (n == n_max && n < f->tracked)
                for (size_t j = n / 2; j-- > 0;)
                    last_first_sift_down(out, n, j);
        } else if (item_before(&item, &out[0])) {
            out[0] = item;
            last_first_sift_down(out, n, 0);
        }
    }
    qsort(out, n, sizeof(*out), compare_output_order);
    return n;
}

/* ---- serialization (docs/sketch-hll-frequent.md) ----------------------------------------------
 * Payload: u32 capacity, u32 tracked, u64 total, u64 nulls, u64 max_error, then tracked × (u64
 * hash, u64 count, u64 error): in item-id order (first-seen order) while exact, in summary order
 * (ascending counts, ties as the summary has them) in SpaceSaving mode. */
enum { FREQUENT_FIXED_PAYLOAD_BYTES = 4 + 4 + 8 + 8 + 8, FREQUENT_ITEM_BYTES = 8 + 8 + 8 };

size_t dd_frequent_serialized_size(const dd_frequent_t *f) {
    if (f == NULL)
        return 0;
    return DD_WIRE_HEADER_BYTES + FREQUENT_FIXED_PAYLOAD_BYTES +
           (size_t)f->tracked * FREQUENT_ITEM_BYTES + DD_WIRE_TRAILER_BYTES;
}

dd_sketch_err_t dd_frequent_serialize(const dd_frequent_t *f, uint8_t *buf, size_t cap,
                                      size_t *written) {
    if (f == NULL)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    dd_wire_writer_t w = {buf, cap, 0};
    const size_t begin = dd_wire_begin(&w, DD_WIRE_FREQUENT);
    dd_wire_put_u32(&w, f->capacity);
    dd_wire_put_u32(&w, f->tracked);
    dd_wire_put_u64(&w, f->total);
    dd_wire_put_u64(&w, f->nulls);
    dd_wire_put_u64(&w, f->max_error);
    for (uint32_t i = 0; i < f->tracked; i++) {
        const uint32_t item = spacesaving(f) ? f->order[i] : i;
        dd_wire_put_u64(&w, f->items[item].hash);
        dd_wire_put_u64(&w, item_count(f, item));
        dd_wire_put_u64(&w, f->items[item].error);
    }
    const dd_sketch_err_t err = dd_wire_end(&w, begin);
    if (written != NULL)
        *written = w.len;
    return err;
}

dd_sketch_err_t dd_frequent_deserialize(const uint8_t *buf, size_t len, dd_frequent_t **out) {
    if (out == NULL)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    dd_wire_reader_t r;
    dd_sketch_err_t err = dd_wire_open(buf, len, DD_WIRE_FREQUENT, &r, NULL);
    if (err != DD_SKETCH_OK)
        return err;
    const uint32_t capacity = dd_wire_get_u32(&r);
    const uint32_t tracked = dd_wire_get_u32(&r);
    const uint64_t total = dd_wire_get_u64(&r);
    const uint64_t nulls = dd_wire_get_u64(&r);
    const uint64_t max_error = dd_wire_get_u64(&r);
    if (r.failed)
        return DD_SKETCH_ERR_CORRUPT;
    if (capacity > DD_FREQUENT_CAPACITY_MAX || total > COUNT_MAX ||
        nulls > COUNT_MAX)
        return DD_SKETCH_ERR_TOO_LARGE;
    if (capacity < DD_FREQUENT_CAPACITY_MIN || tracked > capacity)
        return DD_SKETCH_ERR_CORRUPT;
    /* The item count is checked against the bytes present before anything is allocated. */
    if (dd_wire_remaining(&r) != (size_t)tracked * FREQUENT_ITEM_BYTES)
        return DD_SKETCH_ERR_CORRUPT;
    const int exact = max_error == 0;
    if (!exact && (tracked != capacity || max_error > total / capacity))
        return DD_SKETCH_ERR_CORRUPT;
    if (!dd_sketch_decode_budget_take(dd_frequent_memory_bound(capacity)))
        return DD_SKETCH_ERR_TOO_LARGE;
    dd_frequent_t *f;
    err = dd_frequent_new(capacity, &f);
    if (err != DD_SKETCH_OK)
        return err;
    uint64_t sum = 0;
    for (uint32_t i = 0; i < tracked; i++) {
        const uint64_t hash = dd_wire_get_u64(&r);
        const uint64_t count = dd_wire_get_u64(&r);
        const uint64_t error = dd_wire_get_u64(&r);
        /* Invariants (a), (c), (d) of the file comment, and the summary's ascending order; the
         * sum is checked term by term so it cannot wrap. */
        if (count == 0 || error >= count || count > total - sum)
            goto corrupt;
        if (exact ? error != 0
                  : (error > max_error || count < max_error ||
                     (i > 0 && count < f->items[i - 1].count)))
            goto corrupt;
        if (table_find(f, hash) != 0)
            goto corrupt; /* duplicate hash */
        sum += count;
        f->items[i].hash = hash;
        f->items[i].count = count;
        f->items[i].error = error;
        table_insert(f, hash, i);
        f->tracked = i + 1;
    }
    if (r.failed || dd_wire_remaining(&r) != 0 || (exact && sum != total))
        goto corrupt;
    f->total = total;
    f->nulls = nulls;
    f->max_error = max_error;
    if (spacesaving(f))
        summary_build(f);
    *out = f;
    return DD_SKETCH_OK;
corrupt:
    dd_frequent_destroy(f);
    return DD_SKETCH_ERR_CORRUPT;
}
