/* window.c — a rolling window as a ring of panes of sketch sets.
 *
 * Pane p covers [p·pane_ms, (p+1)·pane_ms). The ring keeps the newest n_panes panes; pane p lives
 * in slot p mod n_panes, and pane_index[slot] says which pane the slot holds now. A slot's sketch
 * set is made when its pane gets its first batch and freed when the pane falls out of the ring, so
 * a window holds sets only for panes with data (a quiet key of a keyed stream costs a pane or two,
 * not the ring) and expiry costs the size of the sketches, never the number of records they
 * summarise. A slot without a set is an empty pane: merges and row counts skip it, and it
 * serializes as a new set would, so the bytes are those of a ring of eager sets.
 *
 * Merging a range of panes is what an evaluation costs. Past CACHE_MIN_PANES panes a ring keeps a
 * cache of aligned blocks of 2^j panes (j ≥ CACHE_LEVEL_MIN), each the merge of its two halves, so
 * a range is the merge of at most 2·(2^CACHE_LEVEL_MIN − 1) single panes and two blocks a level
 * instead of one set per pane: 1,440 panes take at most 44 merges. A block is built when a range
 * first needs it and is valid until one of its panes changes (dd_window_pane_for and expiry mark
 * the blocks above a pane stale, per call, never per record), so after the first evaluation each
 * pane is merged again only into the blocks above it. Blocks are a pure function of their panes
 * (a reset set restarts its sketches' coin flips from the seed), so a restored window merges to
 * the same bytes as the one it was saved from. The cache costs at most Σ_j (n_panes / 2^j + 2)
 * sets, about an eighth of the ring (dd_window_cache_sets). */
#include "sketches.h"

#include <stdlib.h>
#include <string.h>

#include "dd_base.h"

#include "wire.h"

#define NO_PANE INT64_MIN
#define CACHE_MIN_PANES 32u
#define CACHE_LEVEL_MIN 4u /* blocks of 16 panes and up */
#define CACHE_LEVELS_MAX 16u

/* One cached block: the merge of panes [id·2^j, (id+1)·2^j) while valid. */
typedef struct block {
    int64_t id; /* NO_PANE: none */
    int valid;
    dd_sketch_set_t *set; /* allocated when first built */
} block_t;

typedef struct cache {
    uint32_t levels;                  /* cached levels: j = CACHE_LEVEL_MIN + 0 .. levels − 1 */
    uint32_t slots[CACHE_LEVELS_MAX]; /* blocks kept per level (a ring by block id) */
    block_t *blocks[CACHE_LEVELS_MAX];
} cache_t;

struct dd_window {
    uint32_t n_panes;
    int64_t pane_ms;
    dd_sketch_set_t **panes; /* NULL: an empty pane (no set made yet, or freed on expiry) */
    int64_t *pane_index;
    int64_t newest; /* NO_PANE before the first record or advance */
    cache_t *cache; /* NULL below CACHE_MIN_PANES panes */
    size_t n_fields;
    uint64_t seed;
    dd_field_spec_t *specs; /* what every set of the window is made from; edges in the same block */
};

/* A new empty set of the window's specs. */
static dd_sketch_err_t set_new(const dd_window_t *w, dd_sketch_set_t **out) {
    return dd_sketch_set_new(w->specs, w->n_fields, w->seed, out);
}

/* One block: the specs, then every field's histogram edges (copied). */
static dd_field_spec_t *specs_copy(const dd_field_spec_t *fields, size_t n_fields) {
    size_t edges = 0;
    for (size_t i = 0; i < n_fields; i++)
        edges += fields[i].edges != NULL ? fields[i].n_edges : 0;
    dd_field_spec_t *specs = malloc(n_fields * sizeof(*specs) + edges * sizeof(double));
    if (specs == NULL)
        return NULL;
    double *e = (double *)(void *)(specs + n_fields);
    for (size_t i = 0; i < n_fields; i++) {
        specs[i] = fields[i];
        if (fields[i].edges != NULL) {
            memcpy(e, fields[i].edges, fields[i].n_edges * sizeof(double));
            specs[i].edges = e;
            e += fields[i].n_edges;
        }
    }
    return specs;
}

static int64_t floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

static size_t mod_of(int64_t x, uint32_t n) {
    const int64_t m = x % (int64_t)n;
    return (size_t)(m < 0 ? m + (int64_t)n : m);
}

static size_t slot_of(const dd_window_t *w, int64_t pane) {
    const size_t slot = mod_of(pane, w->n_panes);
    DD_ASSERT(slot < w->n_panes);
    return slot;
}

/* ---- The block cache -------------------------------------------------------------------------- */

static uint32_t cache_levels(uint32_t n_panes) {
    uint32_t levels = 0;
    while (n_panes >= CACHE_MIN_PANES && levels < CACHE_LEVELS_MAX &&
           ((uint64_t)1 << (CACHE_LEVEL_MIN + levels)) <= n_panes)
        levels++;
    return levels;
}

size_t dd_window_cache_sets(uint32_t n_panes) {
    size_t sets = 0;
    const uint32_t levels = cache_levels(n_panes);
    for (uint32_t l = 0; l < levels; l++)
        sets += (n_panes >> (CACHE_LEVEL_MIN + l)) + 2u;
    return sets;
}

static void cache_destroy(cache_t *c) {
    if (c == NULL)
        return;
    for (uint32_t l = 0; l < c->levels; l++) {
        for (uint32_t i = 0; c->blocks[l] != NULL && i < c->slots[l]; i++)
            dd_sketch_set_destroy(c->blocks[l][i].set);
        free(c->blocks[l]);
    }
    free(c);
}

/* NULL with *err = OK when the ring is too small to need one. */
static cache_t *cache_new(uint32_t n_panes, dd_sketch_err_t *err) {
    *err = DD_SKETCH_OK;
    const uint32_t levels = cache_levels(n_panes);
    if (levels == 0)
        return NULL;
    cache_t *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        *err = DD_SKETCH_ERR_NO_MEMORY;
        return NULL;
    }
    c->levels = levels;
    for (uint32_t l = 0; l < levels; l++) {
        c->slots[l] = (n_panes >> (CACHE_LEVEL_MIN + l)) + 2u;
        c->blocks[l] = calloc(c->slots[l], sizeof(block_t));
        if (c->blocks[l] == NULL) {
            cache_destroy(c);
            *err = DD_SKETCH_ERR_NO_MEMORY;
            return NULL;
        }
        for (uint32_t i = 0; i < c->slots[l]; i++)
            c->blocks[l][i].id = NO_PANE;
    }
    return c;
}

static int64_t block_of(int64_t pane, uint32_t level) {
    return floor_div(pane, (int64_t)1 << (CACHE_LEVEL_MIN + level));
}

/* The pane's contents change: every cached block above it is stale. */
static void cache_touch(dd_window_t *w, int64_t pane) {
    cache_t *c = w->cache;
    if (c == NULL)
        return;
    for (uint32_t l = 0; l < c->levels; l++) {
        const int64_t id = block_of(pane, l);
        block_t *b = &c->blocks[l][mod_of(id, c->slots[l])];
        if (b->id == id)
            b->valid = 0;
    }
}

/* The merge of block `id` of level l, from the cache or built now (from its two halves, or its
 * panes at the lowest level). Every pane of the block must be live. */
static dd_sketch_err_t block_get(const dd_window_t *w, uint32_t l, int64_t id,
                                 const dd_sketch_set_t **out) {
    cache_t *c = w->cache;
    block_t *b = &c->blocks[l][mod_of(id, c->slots[l])];
    if (b->id == id && b->valid) {
        *out = b->set;
        return DD_SKETCH_OK;
    }
    dd_sketch_err_t err;
    if (b->set == NULL && (err = set_new(w, &b->set)) != DD_SKETCH_OK)
        return err;
    b->id = NO_PANE; /* not valid until built */
    b->valid = 0;
    dd_sketch_set_reset(b->set);
    if (l == 0) {
        const int64_t first = id * ((int64_t)1 << CACHE_LEVEL_MIN);
        for (int64_t p = first; p < first + ((int64_t)1 << CACHE_LEVEL_MIN); p++) {
            DD_ASSERT(w->pane_index[slot_of(w, p)] == p);
            const dd_sketch_set_t *pane = w->panes[slot_of(w, p)];
            if (pane != NULL && (err = dd_sketch_set_merge(b->set, pane)) != DD_SKETCH_OK)
                return err;
        }
    } else {
        for (int64_t half = 2 * id; half <= 2 * id + 1; half++) {
            const dd_sketch_set_t *h = NULL;
            if ((err = block_get(w, l - 1, half, &h)) != DD_SKETCH_OK ||
                (err = dd_sketch_set_merge(b->set, h)) != DD_SKETCH_OK)
                return err;
        }
    }
    b->id = id;
    b->valid = 1;
    *out = b->set;
    return DD_SKETCH_OK;
}

/* out := merge of the live panes lo..hi (pane indices, clipped to the live ones), oldest first,
 * whole cached blocks where they fit. */
static dd_sketch_err_t merge_panes(const dd_window_t *w, int64_t lo, int64_t hi,
                                   dd_sketch_set_t *out) {
    dd_sketch_set_reset(out);
    if (w->newest == NO_PANE)
        return DD_SKETCH_OK;
    const int64_t oldest = w->newest - (int64_t)w->n_panes + 1;
    if (lo < oldest)
        lo = oldest;
    if (hi > w->newest)
        hi = w->newest;
    dd_sketch_err_t err;
    for (int64_t p = lo; p <= hi;) {
        int64_t step = 1;
        const dd_sketch_set_t *from = w->panes[slot_of(w, p)];
        for (uint32_t l = w->cache != NULL ? w->cache->levels : 0; l-- > 0;) {
            const int64_t size = (int64_t)1 << (CACHE_LEVEL_MIN + l);
            if (hi - p + 1 >= size && block_of(p, l) * size == p) {
                if ((err = block_get(w, l, block_of(p, l), &from)) != DD_SKETCH_OK)
                    return err;
                step = size;
                break;
            }
        }
        /* an empty pane adds nothing (every sketch's merge of an empty one is the identity) */
        if (from != NULL && (err = dd_sketch_set_merge(out, from)) != DD_SKETCH_OK)
            return err;
        p += step;
    }
    return DD_SKETCH_OK;
}

void dd_window_destroy(dd_window_t *w) {
    if (w == NULL)
        return;
    for (uint32_t i = 0; w->panes != NULL && i < w->n_panes; i++)
        dd_sketch_set_destroy(w->panes[i]);
    free(w->panes);
    free(w->pane_index);
    cache_destroy(w->cache);
    free(w->specs);
    free(w);
}

dd_sketch_err_t dd_window_new(const dd_field_spec_t *fields, size_t n_fields, uint32_t n_panes,
                              int64_t pane_ms, uint64_t seed, dd_window_t **out) {
    if (out == NULL)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    *out = NULL;
    /* pane_ms up to ~31 years keeps pane arithmetic far from int64 overflow for any real clock. */
    if (n_panes == 0 || n_panes > DD_WINDOW_PANES_MAX || pane_ms <= 0 ||
        pane_ms > (int64_t)1000 * 1000 * 1000 * 1000)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    dd_window_t *w = calloc(1, sizeof(*w));
    if (w == NULL)
        return DD_SKETCH_ERR_NO_MEMORY;
    w->n_panes = n_panes;
    w->pane_ms = pane_ms;
    w->newest = NO_PANE;
    w->panes = calloc(n_panes, sizeof(dd_sketch_set_t *));
    w->pane_index = malloc(n_panes * sizeof(int64_t));
    if (w->panes == NULL || w->pane_index == NULL) {
        dd_window_destroy(w);
        return DD_SKETCH_ERR_NO_MEMORY;
    }
    dd_sketch_err_t cerr;
    w->cache = cache_new(n_panes, &cerr);
    if (cerr != DD_SKETCH_OK) {
        dd_window_destroy(w);
        return cerr;
    }
    for (uint32_t i = 0; i < n_panes; i++)
        w->pane_index[i] = NO_PANE;
    /* Every pane gets the same seed: KLL compaction randomness need not differ per pane, and
     * equal seeds keep merges reproducible. One set made and dropped now checks the specs, so a
     * bad spec fails here and not at the first record. */
    dd_sketch_set_t *probe = NULL;
    dd_sketch_err_t err = dd_sketch_set_new(fields, n_fields, seed, &probe);
    dd_sketch_set_destroy(probe);
    if (err == DD_SKETCH_OK && (w->specs = specs_copy(fields, n_fields)) == NULL)
        err = DD_SKETCH_ERR_NO_MEMORY;
    if (err != DD_SKETCH_OK) {
        dd_window_destroy(w);
        return err;
    }
    w->n_fields = n_fields;
    w->seed = seed;
    *out = w;
    return DD_SKETCH_OK;
}

/* Makes `pane` the newest, opening the panes in between and expiring what falls out. */
static void advance_to(dd_window_t *w, int64_t pane) {
    if (w->newest != NO_PANE && pane <= w->newest)
        return;
    int64_t first = pane - (int64_t)w->n_panes + 1; /* oldest pane that stays live */
    if (w->newest != NO_PANE && w->newest + 1 > first)
        first = w->newest + 1;
    /* Only panes first..pane change slot; at most n_panes resets however far time jumps. */
    for (int64_t p = first; p <= pane; p++) {
        const size_t slot = slot_of(w, p);
        /* the pane that falls out gives its set back; the new pane is empty until it has data */
        dd_sketch_set_destroy(w->panes[slot]);
        w->panes[slot] = NULL;
        w->pane_index[slot] = p;
        cache_touch(w, p);
    }
    w->newest = pane;
}

static int time_in_range(int64_t t_ms) {
    return t_ms >= -DD_WINDOW_TIME_MS_MAX && t_ms <= DD_WINDOW_TIME_MS_MAX;
}

/* The set of the pane holding t_ms, made now if the pane has none: *out NULL (and OK) when t_ms
 * is late or out of range; NO_MEMORY when the set could not be made. */
static dd_sketch_err_t pane_get(dd_window_t *w, int64_t t_ms, dd_sketch_set_t **out) {
    *out = NULL;
    if (!time_in_range(t_ms))
        return DD_SKETCH_OK; /* beyond any real clock: refused like a late record */
    const int64_t pane = floor_div(t_ms, w->pane_ms);
    if (w->newest == NO_PANE || pane > w->newest)
        advance_to(w, pane);
    else if (pane <= w->newest - (int64_t)w->n_panes)
        return DD_SKETCH_OK; /* late: older than the oldest live pane */
    /* advance_to has assigned every live pane its slot. */
    const size_t slot = slot_of(w, pane);
    DD_ASSERT(w->pane_index[slot] == pane);
    if (w->panes[slot] == NULL) { /* the pane's first data: once per pane, not per record */
        const dd_sketch_err_t err = set_new(w, &w->panes[slot]);
        if (err != DD_SKETCH_OK)
            return err;
    }
    cache_touch(w, pane); /* the caller adds to it */
    *out = w->panes[slot];
    return DD_SKETCH_OK;
}

dd_sketch_set_t *dd_window_pane_for(dd_window_t *w, int64_t t_ms) {
    dd_sketch_set_t *set = NULL;
    (void)pane_get(w, t_ms, &set);
    return set;
}

size_t dd_window_pane_sets(const dd_window_t *w) {
    size_t sets = 0;
    for (uint32_t i = 0; w != NULL && i < w->n_panes; i++)
        sets += w->panes[i] != NULL;
    return sets;
}

void dd_window_advance(dd_window_t *w, int64_t now_ms) {
    if (!time_in_range(now_ms))
        return;
    advance_to(w, floor_div(now_ms, w->pane_ms));
}

static int is_live(const dd_window_t *w, int64_t pane) {
    return pane != NO_PANE && w->newest != NO_PANE && pane <= w->newest &&
           pane > w->newest - (int64_t)w->n_panes;
}

dd_sketch_err_t dd_window_merge_live(const dd_window_t *w, dd_sketch_set_t *out) {
    if (w == NULL || out == NULL)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    return merge_panes(w, INT64_MIN, INT64_MAX, out);
}

dd_sketch_err_t dd_window_copy_panes(dd_window_t *from, dd_window_t *to) {
    if (from == NULL || to == NULL)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    if (from->pane_ms != to->pane_ms)
        return DD_SKETCH_ERR_INCOMPATIBLE;
    if (from->newest == NO_PANE)
        return DD_SKETCH_OK;
    for (int64_t p = from->newest - (int64_t)from->n_panes + 1; p <= from->newest; p++) {
        const int64_t t = p * from->pane_ms;
        if (!time_in_range(t))
            continue; /* a pane of a time dd_window_pane_for refuses */
        const dd_sketch_set_t *src = from->panes[slot_of(from, p)];
        if (src == NULL) { /* empty: `to` moves to it all the same, and gets no set for it */
            dd_window_advance(to, t);
            continue;
        }
        dd_sketch_set_t *dst = NULL;
        dd_sketch_err_t err = pane_get(to, t, &dst);
        if (err == DD_SKETCH_OK && dst != NULL) /* NULL: older than `to` keeps */
            err = dd_sketch_set_merge(dst, src);
        if (err != DD_SKETCH_OK)
            return err;
    }
    return DD_SKETCH_OK;
}

dd_sketch_err_t dd_window_merge_range(const dd_window_t *w, int64_t from_ms, int64_t to_ms,
                                      dd_sketch_set_t *out) {
    if (w == NULL || out == NULL)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    /* The panes whose start lies within [from, to − pane_ms]; live panes start within
     * ±DD_WINDOW_TIME_MS_MAX, so clamping the bounds there keeps the arithmetic in range. */
    const int64_t lim = DD_WINDOW_TIME_MS_MAX + w->pane_ms;
    from_ms = from_ms < -lim ? -lim : (from_ms > lim ? lim : from_ms);
    to_ms = to_ms < -lim ? -lim : (to_ms > lim ? lim : to_ms);
    int64_t lo = floor_div(from_ms, w->pane_ms);
    if (lo * w->pane_ms < from_ms)
        lo++;
    const int64_t hi = floor_div(to_ms, w->pane_ms) - 1;
    return merge_panes(w, lo, hi, out);
}

dd_sketch_err_t dd_window_new_set(const dd_window_t *w, dd_sketch_set_t **out) {
    if (w == NULL)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    return set_new(w, out);
}

int64_t dd_window_start_ms(const dd_window_t *w) {
    return w->newest == NO_PANE ? 0 : (w->newest - (int64_t)w->n_panes + 1) * w->pane_ms;
}

int64_t dd_window_end_ms(const dd_window_t *w) {
    return w->newest == NO_PANE ? 0 : (w->newest + 1) * w->pane_ms;
}

uint32_t dd_window_live_panes(const dd_window_t *w) {
    uint32_t live = 0;
    for (uint32_t i = 0; i < w->n_panes; i++)
        live += is_live(w, w->pane_index[i]) != 0;
    return live;
}

uint64_t dd_window_rows(const dd_window_t *w) {
    if (w == NULL)
        return 0;
    uint64_t rows = 0;
    for (uint32_t i = 0; i < w->n_panes; i++)
        if (w->panes[i] != NULL && is_live(w, w->pane_index[i]))
            rows += dd_sketch_set_rows(w->panes[i]);
    return rows;
}

size_t dd_window_panes_range(const dd_window_t *w, int64_t from_ms, int64_t to_ms,
                             const dd_sketch_set_t **out, size_t cap) {
    if (w == NULL)
        return 0;
    size_t n = 0;
    for (uint32_t i = 0; i < w->n_panes && n < cap; i++) {
        const int64_t pane = w->pane_index[i];
        if (w->panes[i] == NULL || !is_live(w, pane))
            continue;
        const int64_t start = pane * w->pane_ms;
        if (start >= from_ms && start <= to_ms - w->pane_ms)
            out[n++] = w->panes[i];
    }
    return n;
}

uint64_t dd_window_rows_range(const dd_window_t *w, int64_t from_ms, int64_t to_ms) {
    if (w == NULL)
        return 0;
    uint64_t rows = 0;
    for (uint32_t i = 0; i < w->n_panes; i++) {
        const int64_t pane = w->pane_index[i];
        if (w->panes[i] == NULL || !is_live(w, pane))
            continue;
        const int64_t start = pane * w->pane_ms;
        if (start >= from_ms && start <= to_ms - w->pane_ms)
            rows += dd_sketch_set_rows(w->panes[i]);
    }
    return rows;
}

int64_t dd_window_pane_ms(const dd_window_t *w) {
    return w == NULL ? 0 : w->pane_ms;
}

uint32_t dd_window_n_panes(const dd_window_t *w) {
    return w == NULL ? 0 : w->n_panes;
}

/* ---- serialization ---------------------------------------------------------------------------
 * Payload (docs/sketch-format.md, type 17): u32 n_panes; i64 pane_ms; i64 newest (INT64_MIN =
 * none yet); then per slot 0..n_panes-1: i64 pane index (INT64_MIN = none), u32 length and the
 * slot's sketch set as a nested envelope. */

/* Smallest slot: pane index, length, and a sketch set envelope with one field's worth of header. */
enum { SLOT_MIN_BYTES = 8 + 4 + DD_WIRE_HEADER_BYTES + 4 + 8 + 8 + DD_WIRE_TRAILER_BYTES };

static dd_sketch_err_t write_payload(const dd_window_t *w, dd_wire_writer_t *out) {
    dd_wire_put_u32(out, w->n_panes);
    dd_wire_put_u64(out, (uint64_t)w->pane_ms);
    dd_wire_put_u64(out, (uint64_t)w->newest);
    /* An empty pane is written as a new set (what a reset one writes too), from one made here. */
    dd_sketch_set_t *empty = NULL;
    dd_sketch_err_t err = DD_SKETCH_OK;
    for (uint32_t i = 0; i < w->n_panes && err == DD_SKETCH_OK; i++) {
        dd_wire_put_u64(out, (uint64_t)w->pane_index[i]);
        const dd_sketch_set_t *set = w->panes[i];
        if (set == NULL && empty == NULL && (err = set_new(w, &empty)) != DD_SKETCH_OK)
            break;
        if (set == NULL)
            set = empty;
        const size_t size = dd_sketch_set_serialized_size(set);
        if (size > UINT32_MAX) {
            err = DD_SKETCH_ERR_TOO_LARGE;
            break;
        }
        dd_wire_put_u32(out, (uint32_t)size);
        if (out->buf != NULL && out->len + size <= out->cap)
            err = dd_sketch_set_serialize(set, out->buf + out->len, size, NULL);
        out->len += size;
    }
    dd_sketch_set_destroy(empty);
    return err;
}

size_t dd_window_serialized_size(const dd_window_t *w) {
    if (w == NULL)
        return 0;
    dd_wire_writer_t out = {NULL, 0, 0};
    const size_t begin = dd_wire_begin(&out, DD_WIRE_WINDOW);
    (void)write_payload(w, &out);
    (void)dd_wire_end_max(&out, begin, DD_WIRE_WINDOW_PAYLOAD_MAX);
    return out.len;
}

dd_sketch_err_t dd_window_serialize(const dd_window_t *w, uint8_t *buf, size_t cap,
                                    size_t *written) {
    if (w == NULL)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    dd_wire_writer_t out = {buf, cap, 0};
    const size_t begin = dd_wire_begin(&out, DD_WIRE_WINDOW);
    dd_sketch_err_t err = write_payload(w, &out);
    if (err == DD_SKETCH_OK)
        err = dd_wire_end_max(&out, begin, DD_WIRE_WINDOW_PAYLOAD_MAX);
    if (written != NULL)
        *written = out.len;
    return err;
}

/* The seed of a valid sketch set envelope: the u64 after n_fields at the payload's start. */
static uint64_t set_seed(const uint8_t *env) {
    dd_wire_reader_t r = {env + DD_WIRE_HEADER_BYTES + 4, env + DD_WIRE_HEADER_BYTES + 12, 0};
    return dd_wire_get_u64(&r);
}

/* Same specs as dd_sketch_set_merge requires (kinds, k, p, capacity, histogram edges). */
static int same_specs(const dd_sketch_set_t *a, const dd_sketch_set_t *b) {
    const size_t n = dd_sketch_set_fields(a);
    if (n != dd_sketch_set_fields(b))
        return 0;
    for (size_t i = 0; i < n; i++) {
        const dd_field_kind_t kind = dd_sketch_set_kind(a, i);
        dd_field_spec_t sa, sb;
        (void)dd_sketch_set_spec(a, i, &sa);
        (void)dd_sketch_set_spec(b, i, &sb);
        if (kind != dd_sketch_set_kind(b, i) || sa.joint != sb.joint)
            return 0;
        if (kind == DD_FIELD_NUMERIC) {
            const dd_histogram_t *x = dd_sketch_set_histogram(a, i), *y = dd_sketch_set_histogram(b, i);
            if (dd_kll_k(dd_sketch_set_kll(a, i)) != dd_kll_k(dd_sketch_set_kll(b, i)) ||
                (x == NULL) != (y == NULL))
                return 0;
            if (x != NULL && (dd_histogram_bins(x) != dd_histogram_bins(y) ||
                              memcmp(dd_histogram_edges(x), dd_histogram_edges(y),
                                     (dd_histogram_bins(x) + 1) * sizeof(double)) != 0))
                return 0;
        } else if (dd_hll_p(dd_sketch_set_hll(a, i)) != dd_hll_p(dd_sketch_set_hll(b, i)) ||
                   dd_frequent_capacity(dd_sketch_set_frequent(a, i)) !=
                       dd_frequent_capacity(dd_sketch_set_frequent(b, i))) {
            return 0;
        }
    }
    return 1;
}

/* The window's specs and seed, from the set of its first slot. */
static dd_sketch_err_t take_specs(dd_window_t *w, const dd_sketch_set_t *first, uint64_t seed) {
    const size_t n = dd_sketch_set_fields(first);
    dd_field_spec_t *specs = malloc(n * sizeof(*specs));
    if (specs == NULL)
        return DD_SKETCH_ERR_NO_MEMORY;
    for (size_t i = 0; i < n; i++)
        (void)dd_sketch_set_spec(first, i, &specs[i]);
    w->specs = specs_copy(specs, n);
    free(specs);
    if (w->specs == NULL)
        return DD_SKETCH_ERR_NO_MEMORY;
    w->n_fields = n;
    w->seed = seed;
    return DD_SKETCH_OK;
}

/* The bytes of a new set of the window's specs (*bytes the caller's). */
static dd_sketch_err_t empty_bytes(const dd_window_t *w, uint8_t **bytes, size_t *size) {
    dd_sketch_set_t *fresh;
    dd_sketch_err_t err = set_new(w, &fresh);
    if (err != DD_SKETCH_OK)
        return err;
    *size = dd_sketch_set_serialized_size(fresh);
    *bytes = malloc(*size);
    if (*bytes == NULL)
        err = DD_SKETCH_ERR_NO_MEMORY;
    else if ((err = dd_sketch_set_serialize(fresh, *bytes, *size, NULL)) != DD_SKETCH_OK) {
        free(*bytes);
        *bytes = NULL;
    }
    dd_sketch_set_destroy(fresh);
    return err;
}

static dd_sketch_err_t read_slots(dd_wire_reader_t *r, dd_window_t *w, dd_sketch_set_t **first,
                                  int *first_empty, uint8_t **fresh, size_t *fresh_size) {
    uint64_t seed0 = 0;
    for (uint32_t i = 0; i < w->n_panes; i++) {
        const int64_t index = (int64_t)dd_wire_get_u64(r);
        const uint32_t size = dd_wire_get_u32(r);
        if (r->failed || size > dd_wire_remaining(r))
            return DD_SKETCH_ERR_CORRUPT;
        /* The ring puts pane p in slot p mod n_panes, and once any pane is open every slot holds
         * one of the n_panes newest panes; nothing else is a state the window can reach. */
        if (w->newest == NO_PANE) {
            if (index != NO_PANE)
                return DD_SKETCH_ERR_CORRUPT;
        } else {
            const int64_t n = (int64_t)w->n_panes;
            const int64_t back = ((int64_t)slot_of(w, w->newest) - (int64_t)i + n) % n;
            if (index != w->newest - back)
                return DD_SKETCH_ERR_CORRUPT;
        }
        const uint8_t *at = r->pos;
        r->pos += size;
        dd_sketch_set_t *set = NULL;
        dd_sketch_err_t err = dd_sketch_set_deserialize(at, size, &set);
        if (err != DD_SKETCH_OK)
            return err;
        if (i == 0)
            *first = set; /* kept until every slot is read: the specs the others must have */
        else
            w->panes[i] = set;
        if (dd_sketch_set_serialized_size(set) != size)
            return DD_SKETCH_ERR_CORRUPT;
        const uint64_t seed = set_seed(at);
        if (i == 0) {
            seed0 = seed;
            if ((err = take_specs(w, set, seed)) != DD_SKETCH_OK ||
                (err = empty_bytes(w, fresh, fresh_size)) != DD_SKETCH_OK)
                return err;
        } else if (seed != seed0 || !same_specs(*first, set)) {
            return DD_SKETCH_ERR_INCOMPATIBLE;
        }
        const int is_fresh = size == *fresh_size && memcmp(at, *fresh, size) == 0;
        /* Before the first pane opens no pane holds data: each must be exactly a new set. */
        if (index == NO_PANE && !is_fresh)
            return DD_SKETCH_ERR_CORRUPT;
        w->pane_index[i] = index;
        if (i == 0)
            *first_empty = is_fresh;
        else if (is_fresh) { /* an empty pane: no set, as in the window that was saved */
            dd_sketch_set_destroy(set);
            w->panes[i] = NULL;
        }
    }
    return dd_wire_remaining(r) == 0 ? DD_SKETCH_OK : DD_SKETCH_ERR_CORRUPT;
}

/* Reads every slot into w; slot 0's set goes to *first (the specs the others must have), with
 * *first_empty set when it is a new set's. */
static dd_sketch_err_t read_window(dd_wire_reader_t *r, dd_window_t *w, dd_sketch_set_t **first,
                                   int *first_empty) {
    uint8_t *fresh = NULL;
    size_t fresh_size = 0;
    const dd_sketch_err_t err = read_slots(r, w, first, first_empty, &fresh, &fresh_size);
    free(fresh);
    return err;
}

dd_sketch_err_t dd_window_deserialize(const uint8_t *buf, size_t len, dd_window_t **out) {
    if (out == NULL)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    *out = NULL;
    dd_wire_reader_t r;
    dd_sketch_err_t err = dd_wire_open(buf, len, DD_WIRE_WINDOW, &r, NULL);
    if (err != DD_SKETCH_OK)
        return err;
    const uint32_t n_panes = dd_wire_get_u32(&r);
    const int64_t pane_ms = (int64_t)dd_wire_get_u64(&r);
    const int64_t newest = (int64_t)dd_wire_get_u64(&r);
    if (r.failed || n_panes == 0 || pane_ms <= 0 || pane_ms > (int64_t)1000 * 1000 * 1000 * 1000)
        return DD_SKETCH_ERR_CORRUPT;
    if (n_panes > DD_WINDOW_PANES_MAX)
        return DD_SKETCH_ERR_TOO_LARGE;
    /* newest must be the pane of a time dd_window_pane_for accepts. */
    if (newest != NO_PANE && (newest < floor_div(-DD_WINDOW_TIME_MS_MAX, pane_ms) ||
                              newest > floor_div(DD_WINDOW_TIME_MS_MAX, pane_ms)))
        return DD_SKETCH_ERR_CORRUPT;
    if ((size_t)n_panes > dd_wire_remaining(&r) / SLOT_MIN_BYTES)
        return DD_SKETCH_ERR_CORRUPT;
    dd_window_t *w = calloc(1, sizeof(*w));
    if (w == NULL)
        return DD_SKETCH_ERR_NO_MEMORY;
    w->n_panes = n_panes;
    w->pane_ms = pane_ms;
    w->newest = newest;
    w->panes = calloc(n_panes, sizeof(dd_sketch_set_t *));
    w->pane_index = malloc(n_panes * sizeof(int64_t));
    w->cache = cache_new(n_panes, &err);
    if (w->panes == NULL || w->pane_index == NULL || err != DD_SKETCH_OK) {
        dd_window_destroy(w);
        return DD_SKETCH_ERR_NO_MEMORY;
    }
    dd_sketch_set_t *first = NULL;
    int first_empty = 0;
    err = read_window(&r, w, &first, &first_empty);
    if (err != DD_SKETCH_OK || first_empty) {
        dd_sketch_set_destroy(first);
        first = NULL;
    }
    if (err != DD_SKETCH_OK) {
        dd_window_destroy(w);
        return err;
    }
    w->panes[0] = first;
    *out = w;
    return DD_SKETCH_OK;
}
