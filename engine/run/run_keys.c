/* run_keys.c — per-key windows of `driftd run` (a stream's `keys:`).
 *
 * A stream with keys decodes its records as usual, its key fields as extra columns of the same
 * batch. Each record's key values hash to one 64-bit key; an open-addressing table (filled at
 * most half) finds the key's child stream, and the record's field values are copied from the
 * parent's batch into the child's, which goes to its panes like any stream's batch. Per record:
 * one hash per key field, one probe, one row copy; no allocation, no lock, no string compare.
 * A key's batches start at RUN_KEY_BATCH_ROWS_MIN rows and double in place when filled before
 * their pane ends, so a quiet key keeps a few KiB of batches and a busy one hands over batches of
 * the same rows as ever.
 * A child is made (allocated) the first time its key values are seen, up to max_key_values; then
 * a new combination takes the slot of the key quiet the longest, if that one has had no record
 * for a whole window (evict_quiet), else its records are counted as untracked.
 *
 * A child's name is "parent{k=v,…}". A value longer than RUN_KEY_VALUE_BYTES, with a NUL byte,
 * or a JSON string with escapes is spelled "#<the value's hash>" (in the name and in events); a
 * name that would repeat another key's or pass 255 bytes is "parent{#<the key's hash>}" (events
 * still carry the values). The state file keeps each child under its name with its key in the
 * stream's opaque bytes. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "dd_base.h"
#include "run_int.h"

struct run_keys {
    run_stream_t **children;
    size_t n, cap;
    uint64_t *hashes; /* table slots: 0 = empty */
    uint32_t *slots;  /* the child index of each taken slot */
    size_t mask;
    int64_t next_evict_check; /* no key was quiet enough: look again from this clock on */
    int64_t next_create;      /* a window could not be made: try again from this clock on */
    uint64_t evicted;
};

#define FAIL(...) (snprintf(errstr, errstr_size, __VA_ARGS__), -1)
#define SAY(...) snprintf(errstr, errstr_size, __VA_ARGS__)

size_t run_keys_count(const run_stream_t *s) {
    return s->keys != NULL ? s->keys->n : 0;
}

uint64_t run_keys_evicted(const run_stream_t *s) {
    return s->keys != NULL ? s->keys->evicted : 0;
}

run_stream_t *run_keys_child(const run_stream_t *s, size_t i) {
    return s->keys != NULL && i < s->keys->n ? s->keys->children[i] : NULL;
}

int run_keys_init(run_stream_t *s, char *errstr, size_t errstr_size) {
    run_keys_t *k = calloc(1, sizeof(*k));
    if (k == NULL)
        return FAIL("stream %s: %s", s->cfg->name, "out of memory");
    s->keys = k;
    k->cap = s->cfg->max_key_values;
    size_t slots = 16;
    while (slots < 2 * k->cap)
        slots *= 2;
    k->mask = slots - 1;
    k->next_evict_check = INT64_MIN;
    k->next_create = INT64_MIN;
    k->children = calloc(k->cap, sizeof(*k->children));
    k->hashes = calloc(slots, sizeof(*k->hashes));
    k->slots = calloc(slots, sizeof(*k->slots));
    if (k->children == NULL || k->hashes == NULL || k->slots == NULL)
        return FAIL("stream %s: %s", s->cfg->name, "out of memory");
    return 0;
}

void run_keys_free(run_stream_t *s) {
    run_keys_t *k = s->keys;
    if (k == NULL)
        return;
    for (size_t i = 0; i < k->n; i++) {
        run_stream_free(k->children[i]);
        free(k->children[i]);
    }
    free(k->children);
    free(k->hashes);
    free(k->slots);
    free(k);
    s->keys = NULL;
}

static run_stream_t *lookup(const run_keys_t *k, uint64_t h) {
    for (size_t slot = h & k->mask;; slot = (slot + 1) & k->mask) {
        if (k->hashes[slot] == h)
            return k->children[k->slots[slot]];
        if (k->hashes[slot] == 0)
            return NULL;
    }
}

static size_t slot_of(const run_keys_t *k, uint64_t h) {
    size_t slot = h & k->mask;
    while (k->hashes[slot] != h)
        slot = (slot + 1) & k->mask;
    return slot;
}

/* Takes h (present) out of the table, moving the entries after it back so that every lookup
 * still finds its entry before the first empty slot (linear probing without tombstones). */
static void table_remove(run_keys_t *k, uint64_t h) {
    size_t hole = slot_of(k, h);
    for (size_t j = (hole + 1) & k->mask; k->hashes[j] != 0; j = (j + 1) & k->mask) {
        const size_t home = k->hashes[j] & k->mask;
        /* j's entry may fill the hole unless its home lies cyclically in (hole, j] */
        const int stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (!stays) {
            k->hashes[hole] = k->hashes[j];
            k->slots[hole] = k->slots[j];
            hole = j;
        }
    }
    k->hashes[hole] = 0;
}

/* The key of row `row`: every key column's value (hash, number bits or null) mixed in order. */
static uint64_t key_hash(const run_stream_t *s, const dd_column_batch_t *b, size_t row) {
    uint64_t h = 0x6b65797376310000ull;
    for (size_t i = 0; i < s->cfg->n_keys; i++) {
        const dd_batch_column_t *c = &b->columns[s->key_columns[i]];
        uint64_t v;
        if (dd_batch_is_null(c, row)) {
            v = 0x9ae16a3b2f90404full;
        } else if (c->kind == DD_COLUMN_NUMERIC) {
            double x = c->numbers[row];
            if (x == 0) /* −0 and +0 are one key, and every NaN one */
                x = 0;
            if (isnan(x))
                x = NAN;
            memcpy(&v, &x, sizeof v);
            v = dd_mix64(v ^ 0x6e756d62ull);
        } else {
            v = c->hashes[row];
        }
        h = dd_mix64(h ^ dd_mix64(v + i + 1));
    }
    return h != 0 ? h : 1;
}

/* ---- children -------------------------------------------------------------------------------- */

typedef struct spelling {
    const char *value[DD_CONFIG_KEYS_MAX]; /* NULL: null */
    size_t len[DD_CONFIG_KEYS_MAX];
} spelling_t;

static int is_taken(const run_keys_t *k, const char *name) {
    for (size_t i = 0; i < k->n; i++)
        if (strcmp(k->children[i]->name, name) == 0)
            return 1;
    return 0;
}

/* name\0label\0value\0value… in one block; by hash when the values cannot name the key. */
static char *spell(const run_stream_t *p, uint64_t h, const spelling_t *sp, const char **label,
                   const char **values) {
    const dd_config_stream_t *cfg = p->cfg;
    size_t need = 2 * strlen(cfg->name) + 64;
    for (size_t i = 0; i < cfg->n_keys; i++)
        need += 3 * (strlen(cfg->keys[i]) + (sp->value[i] ? sp->len[i] : 4) + 3);
    char *t = malloc(need);
    if (t == NULL)
        return NULL;
    const size_t base = strlen(cfg->name);
    memcpy(t, cfg->name, base);
    size_t n = base;
    t[n++] = '{';
    for (size_t i = 0; i < cfg->n_keys; i++) {
        if (i > 0)
            t[n++] = ',';
        n += (size_t)sprintf(t + n, "%s=", cfg->keys[i]);
        if (sp->value[i] != NULL) {
            memcpy(t + n, sp->value[i], sp->len[i]);
            n += sp->len[i];
        } else {
            memcpy(t + n, "null", 4);
            n += 4;
        }
    }
    t[n++] = '}';
    t[n] = '\0';
    int by_hash = n > DD_CKPT_NAME_BYTES_MAX || strlen(t) != n || is_taken(p->keys, t);
    if (by_hash)
        n = base + (size_t)sprintf(t + base, "{#%016" PRIx64 "}", h);
    /* the label: what is between the braces */
    const size_t label_at = n + 1;
    memcpy(t + label_at, t + base + 1, n - base - 2);
    t[label_at + n - base - 2] = '\0';
    *label = t + label_at;
    size_t at = label_at + (n - base - 2) + 1;
    for (size_t i = 0; i < cfg->n_keys; i++) {
        if (sp->value[i] == NULL) {
            values[i] = NULL;
            continue;
        }
        memcpy(t + at, sp->value[i], sp->len[i]);
        t[at + sp->len[i]] = '\0';
        values[i] = t + at;
        at += sp->len[i] + 1;
    }
    return t;
}

static size_t key_batch_rows(size_t n_columns) {
    const size_t rows = RUN_KEY_BATCH_BYTES / ((n_columns > 0 ? n_columns : 1) * 9);
    return rows < 16 ? 16 : (rows > RUN_BATCH_ROWS ? RUN_BATCH_ROWS : rows);
}

/* A new child of p for key h spelled sp. NULL when p has max_key_values children, or out of
 * memory (errstr says which). */
static run_stream_t *child_new(run_t *r, run_stream_t *p, uint64_t h, const spelling_t *sp,
                               char *errstr, size_t errstr_size) {
    run_keys_t *k = p->keys;
    if (k->n == k->cap || (r->all != NULL && r->n_all == r->cap_all)) {
        SAY("stream %s: max_key_values (%zu) keys tracked already", p->cfg->name, k->cap);
        return NULL;
    }
    run_stream_t *c = calloc(1, sizeof(*c));
    if (c == NULL)
        goto oom;
    c->cfg = p->cfg;
    c->index = p->index;
    c->parent = p;
    c->key_hash = h;
    c->key_text = spell(p, h, sp, &c->key_label, c->key_values);
    if (c->key_text == NULL)
        goto oom_child;
    c->name = c->key_text;
    c->n_fields = p->n_fields;
    c->mv_fields = p->mv_fields; /* its joint updates use the parent's column pointers */
    c->mv_ratio = c->mv_p_value = NAN;
    c->paths = p->paths; /* shared, as are kinds, specs, edges, names */
    c->kinds = p->kinds;
    c->specs = p->specs;
    c->edges = p->edges;
    c->names = p->names;
    c->time_column = SIZE_MAX;
    c->time_to_ms = 1.0;
    c->first_time_ms = INT64_MIN;
    c->max_time_ms = INT64_MIN;
    c->clock_ms = INT64_MIN; /* a key follows its parent's clock */
    c->held_ms = c->held2_ms = INT64_MAX;
    c->held_part = SIZE_MAX;
    c->next_eval_ms = INT64_MIN;
    c->ring_panes = p->ring_panes;
    c->fields = calloc(c->n_fields, sizeof(*c->fields));
    dd_column_kind_t *kinds = calloc(c->n_fields, sizeof(*kinds));
    if (c->fields == NULL || kinds == NULL) {
        free(kinds);
        goto oom_child;
    }
    for (size_t i = 0; i < c->n_fields; i++) {
        c->fields[i] = (run_field_t){.cfg = p->fields[i].cfg,
                                     .kind = p->fields[i].kind,
                                     .judge = p->fields[i].judge,
                                     .value = NAN,
                                     .threshold = NAN};
        kinds[i] = p->fields[i].kind;
    }
    /* Small at first: most keys see a few records a pane, and a batch is flushed at every pane
     * change (run_keys_route grows the batch of a busy key as it fills). */
    const size_t rows = RUN_KEY_BATCH_ROWS_MIN;
    int ok = dd_batch_new(kinds, c->n_fields, rows, &c->batch) == DD_CODEC_OK;
    for (size_t i = 0; ok && i + 1 < RUN_BATCHES_MIN; i++) {
        ok = dd_batch_new(kinds, c->n_fields, rows, &c->spare[i]) == DD_CODEC_OK;
        c->n_spare = ok ? i + 1 : i;
    }
    free(kinds);
    if (!ok || dd_window_new(p->specs, p->n_fields, p->ring_panes, r->cfg->window.pane_ms,
                             0x5eedu, &c->window) != DD_SKETCH_OK ||
        run_stream_make_scratch(r, c) != 0)
        goto oom_child;
    const dd_config_reference_type_t type = p->cfg->reference.type;
    if (type != DD_CONFIG_REFERENCE_FIRST_WINDOW && type != DD_CONFIG_REFERENCE_TRAILING) {
        c->reference = p->reference; /* a file, snapshot or topic range: one for every key */
        c->reference_shared = 1;
        c->reference_time_ms = p->reference_time_ms;
        memcpy(c->reference_id, p->reference_id, sizeof c->reference_id);
    }
    c->last_record_ms = p->last_record_ms;
    /* into the table and the lists */
    size_t slot = h & k->mask;
    while (k->hashes[slot] != 0)
        slot = (slot + 1) & k->mask;
    k->hashes[slot] = h;
    k->slots[slot] = (uint32_t)k->n;
    k->children[k->n++] = c;
    if (r->all != NULL)
        r->all[r->n_all++] = c;
    return c;
oom_child:
    run_stream_free(c);
    free(c);
oom:
    SAY("stream %s: out of memory for a new key", p->cfg->name);
    return NULL;
}

/* Spells key value i of row `row`, decoded with texts (categorical) or a number. */
static void spell_value(const run_stream_t *p, const dd_column_batch_t *b, size_t row, size_t i,
                        spelling_t *sp, char *buf, size_t buf_size) {
    const dd_batch_column_t *c = &b->columns[p->key_columns[i]];
    sp->value[i] = NULL;
    sp->len[i] = 0;
    if (dd_batch_is_null(c, row))
        return;
    int n = -1;
    if (c->kind == DD_COLUMN_NUMERIC) {
        const double x = c->numbers[row] == 0 ? 0.0 : c->numbers[row];
        n = snprintf(buf, buf_size, "%.15g", x);
        if (n > 0 && strtod(buf, NULL) != x)
            n = snprintf(buf, buf_size, "%.17g", x);
    } else {
        const dd_codec_span_t *t = &p->texts[p->key_columns[i]];
        if (t->data != NULL && t->len <= RUN_KEY_VALUE_BYTES &&
            memchr(t->data, 0, t->len) == NULL) {
            sp->value[i] = (const char *)t->data;
            sp->len[i] = t->len;
            return;
        }
        if (t->data == NULL && t->is_integer)
            n = snprintf(buf, buf_size, "%" PRId64, t->integer);
        else /* too long, escaped (JSON) or with a NUL byte: by its hash */
            n = snprintf(buf, buf_size, "#%016" PRIx64, c->hashes[row]);
    }
    if (n > 0 && (size_t)n < buf_size) {
        sp->value[i] = buf;
        sp->len[i] = (size_t)n;
    }
}

/* Appends row `row` of src's first n columns to dst (which has room). */
static void append_row(const dd_column_batch_t *src, size_t row, dd_column_batch_t *dst,
                       size_t n) {
    const size_t at = dst->rows;
    DD_ASSERT(at < dst->capacity && n <= dst->n_columns && n <= src->n_columns);
    for (size_t i = 0; i < n; i++) {
        const dd_batch_column_t *c = &src->columns[i];
        dd_batch_column_t *d = &dst->columns[i];
        if (dd_batch_is_null(c, row))
            dd_batch_set_null(d, at);
        else if (c->kind == DD_COLUMN_NUMERIC)
            dd_batch_set_number(d, at, c->numbers[row]);
        else
            dd_batch_set_hash(d, at, c->hashes[row]);
    }
    dst->rows = at + 1;
}

/* Every slot is taken and a new key arrived: the key quiet the longest — no record for a window,
 * evaluate_every and (event time) the watermark, by the stream's clock — gives up its slot: its
 * raised conditions are resolved, its window dropped. `clock` is the stream's newest event time
 * (event time) or now. 1 when a slot was freed. When no key is
 * that quiet, the keys are looked at again only after evaluate_every (records of new keys keep
 * coming while the slots are busy: no scan per record). */
static int evict_quiet(run_t *r, run_stream_t *p, int64_t clock, int64_t now_ms) {
    run_keys_t *k = p->keys;
    const dd_config_window_t *w = &r->cfg->window;
    const int event_time = w->time == DD_CONFIG_WINDOW_EVENT_TIME;
    if (clock < k->next_evict_check)
        return 0;
    const int64_t quiet = w->length_ms + w->evaluate_every_ms + (event_time ? w->watermark_ms : 0);
    size_t victim = SIZE_MAX;
    int64_t oldest = INT64_MAX;
    for (size_t i = 0; i < k->n; i++) {
        const run_stream_t *c = k->children[i];
        const int64_t last = event_time ? c->max_time_ms : c->last_record_ms;
        if ((last == INT64_MIN || clock - last > quiet) && last < oldest) {
            victim = i;
            oldest = last;
        }
    }
    if (victim == SIZE_MAX) {
        k->next_evict_check = clock + w->evaluate_every_ms;
        return 0;
    }
    run_stream_t *c = k->children[victim];
    run_worker_wait_idle(r); /* nothing of c's in flight on the sketch worker */
    run_log(&r->log, DD_CONFIG_LOG_INFO,
            "stream %s: key %s gives up its window (no record for more than %" PRId64
            " ms; %zu keys tracked)",
            p->cfg->name, c->key_label, quiet, k->n);
    run_resolve_all(r, c, now_ms);
    table_remove(k, c->key_hash);
    k->children[victim] = k->children[--k->n];
    if (victim < k->n)
        k->slots[slot_of(k, k->children[victim]->key_hash)] = (uint32_t)victim;
    for (size_t i = 0; r->all != NULL && i < r->n_all; i++)
        if (r->all[i] == c) {
            r->all[i] = r->all[--r->n_all];
            break;
        }
    k->evicted++;
    run_stream_free(c);
    free(c);
    return 1;
}

dd_codec_err_t run_keys_route(run_t *r, run_stream_t *p, const uint8_t *data, size_t len,
                              size_t row, int64_t t, int64_t now_ms) {
    dd_column_batch_t *b = p->batch;
    const uint64_t h = key_hash(p, b, row);
    run_stream_t *c = lookup(p->keys, h);
    if (c == NULL) {
        char errstr[256];
        const size_t errstr_size = sizeof errstr;
        errstr[0] = '\0';
        /* the clock idleness and retries are measured on: the stream's newest time, or now */
        const int64_t clock =
            r->cfg->window.time == DD_CONFIG_WINDOW_EVENT_TIME ? p->max_time_ms : now_ms;
        if (p->keys->n == p->keys->cap)
            evict_quiet(r, p, clock, now_ms);
        if (p->keys->n < p->keys->cap && clock < p->keys->next_create) {
            snprintf(errstr, errstr_size, "no memory for a window a moment ago");
        } else if (p->keys->n < p->keys->cap) {
            /* The values' spellings: the record again, with texts (once per key). */
            p->texts_always = 1;
            b->rows = row;
            double unused;
            const dd_codec_err_t err =
                run_stream_decode(r, p, data, len, 0, now_ms, &unused, errstr, errstr_size);
            p->texts_always = 0;
            if (err == DD_CODEC_OK) {
                spelling_t sp;
                char bufs[DD_CONFIG_KEYS_MAX][32];
                for (size_t i = 0; i < p->cfg->n_keys; i++)
                    spell_value(p, b, row, i, &sp, bufs[i], sizeof bufs[i]);
                c = child_new(r, p, h, &sp, errstr, errstr_size);
                if (c != NULL)
                    run_log(&r->log, DD_CONFIG_LOG_INFO, "stream %s: new key %s (%zu of %zu)",
                            p->cfg->name, c->key_label, p->keys->n, p->keys->cap);
                else /* out of memory: not again for every record of new keys */
                    p->keys->next_create = clock + r->cfg->window.evaluate_every_ms;
            }
        }
        if (c == NULL) {
            p->untracked++;
            if (p->untracked <= 10 || (p->untracked & (p->untracked - 1)) == 0)
                run_log(&r->log, DD_CONFIG_LOG_WARN,
                        "stream %s: a record of a key not tracked (%s); %" PRIu64
                        " such records so far (counted, not judged)",
                        p->cfg->name,
                        errstr[0] ? errstr : "max_key_values reached", p->untracked);
            b->rows = row;
            p->seen++;
            return DD_CODEC_OK;
        }
    }
    const int64_t pane = run_floor_div(t, r->cfg->window.pane_ms);
    if (c->batch->rows > 0 && pane != c->batch_pane)
        run_stream_flush(r, c); /* the rows before go to their pane */
    if (c->batch->rows == 0)
        c->batch_pane = pane;
    append_row(b, row, c->batch, c->n_fields);
    b->rows = row;
    p->seen++;
    c->decoded++;
    c->last_record_ms = now_ms;
    if (c->first_time_ms == INT64_MIN)
        c->first_time_ms = t;
    if (t > c->max_time_ms)
        c->max_time_ms = t;
    if (c->batch->rows == c->batch->capacity) {
        /* A key's batch starts small and doubles in place when it fills (an allocation per
         * doubling, at most a few in a batch's life, never per record), so it is handed over at
         * the same rows as a batch of key_batch_rows would be: the same updates, bit for bit
         * (moments are summed a batch at a time). Failing to grow hands it over early. */
        const size_t most = key_batch_rows(c->n_fields), rows = c->batch->capacity;
        if (rows >= most ||
            dd_batch_grow(c->batch, 2 * rows < most ? 2 * rows : most) != DD_CODEC_OK)
            run_stream_flush(r, c);
    }
    return DD_CODEC_OK;
}

/* ---- the state file ---------------------------------------------------------------------------
 * A child's opaque bytes are its alert states (run_alerts_encode) and then its key: the hash
 * (8 bytes, little-endian), the number of key fields (1 byte), and per field its path and its
 * value (1 byte: 0 null, 1 a value), each a 1-byte length and the bytes. */

size_t run_keys_encode(const run_stream_t *c, uint8_t *buf, size_t cap) {
    /* paths are at most 255 bytes (config), values at most RUN_KEY_VALUE_BYTES or a hash */
    size_t need = 9;
    for (size_t i = 0; i < c->cfg->n_keys; i++)
        need += 3 + (strlen(c->cfg->keys[i]) & 0xff) +
                (c->key_values[i] ? strlen(c->key_values[i]) & 0xff : 0);
    if (buf == NULL || cap < need)
        return need;
    uint8_t *q = buf;
    for (int b = 0; b < 8; b++)
        *q++ = (uint8_t)(c->key_hash >> (8 * b));
    *q++ = (uint8_t)c->cfg->n_keys;
    for (size_t i = 0; i < c->cfg->n_keys; i++) {
        const size_t pl = strlen(c->cfg->keys[i]) & 0xff;
        *q++ = (uint8_t)pl;
        memcpy(q, c->cfg->keys[i], pl);
        q += pl;
        *q++ = c->key_values[i] != NULL;
        const size_t vl = c->key_values[i] ? strlen(c->key_values[i]) & 0xff : 0;
        *q++ = (uint8_t)vl;
        if (vl > 0)
            memcpy(q, c->key_values[i], vl);
        q += vl;
    }
    return need;
}

run_stream_t *run_keys_restore(run_t *r, run_stream_t *p, const uint8_t *opaque, size_t len,
                               char *errstr, size_t errstr_size) {
    const size_t at = opaque != NULL && len > 0 ? run_alerts_own_size(p, opaque[0]) : 0;
    if (opaque == NULL || len < 5 || at == 0 ||
        (opaque[0] != RUN_ALERTS_MAGIC_KEYED && opaque[0] != RUN_ALERTS_MAGIC_KEYED_MV)) {
        SAY("no key in its saved state");
        return NULL;
    }
    const size_t saved_fields = (size_t)opaque[1] | (size_t)opaque[2] << 8 |
                                (size_t)opaque[3] << 16 | (size_t)opaque[4] << 24;
    if (saved_fields != p->n_fields) {
        SAY("saved with %zu fields, configured with %zu", saved_fields, p->n_fields);
        return NULL;
    }
    if (len < at + 9) {
        SAY("no key in its saved state");
        return NULL;
    }
    const uint8_t *q = opaque + at, *end = opaque + len;
    uint64_t h = 0;
    for (int b = 0; b < 8; b++)
        h |= (uint64_t)q[b] << (8 * b);
    q += 8;
    if (*q++ != p->cfg->n_keys) {
        SAY("saved with other key fields");
        return NULL;
    }
    spelling_t sp;
    for (size_t i = 0; i < p->cfg->n_keys; i++) {
        if (end - q < 1 || (size_t)(end - q) < 1u + q[0] + 2u) {
            SAY("its key is cut short");
            return NULL;
        }
        const size_t pl = q[0];
        if (pl != strlen(p->cfg->keys[i]) || memcmp(q + 1, p->cfg->keys[i], pl) != 0) {
            SAY("saved with other key fields");
            return NULL;
        }
        q += 1 + pl;
        const int has = q[0];
        const size_t vl = q[1];
        q += 2;
        if ((size_t)(end - q) < vl || has > 1 || (!has && vl > 0) ||
            memchr(q, 0, vl) != NULL || vl > RUN_KEY_VALUE_BYTES + 24) {
            SAY("its key value %zu is malformed", i + 1);
            return NULL;
        }
        sp.value[i] = has ? (const char *)q : NULL;
        sp.len[i] = vl;
        q += vl;
    }
    if (q != end || h == 0 || lookup(p->keys, h) != NULL) {
        SAY("its key is malformed or restored twice");
        return NULL;
    }
    return child_new(r, p, h, &sp, errstr, errstr_size);
}
