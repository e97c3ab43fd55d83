/* json.c — JSON objects into column batches: a plan compiled once from the declared field paths,
 * and a bounded one-pass scanner that decodes one record per call.
 *
 * Why a scanner of our own: measured against jansson, json-c, cJSON and simdjson's On Demand API
 * on our 16-field record (docs/codecs-json.md), it is the fastest, and it is the only one that
 * allocates nothing per record, validates the members it skips as strictly as the ones it reads,
 * and reports an exact byte offset for every error.
 *
 * Shape: every read is checked against `end` (or a tighter limit); the only recursion follows the
 * plan's own nesting (at most depth_max levels); values the plan does not want are skipped by an
 * iterative scanner with a bit stack. Member names are found in one open-addressing table keyed by
 * (parent node, a hash of the unescaped name), trying first the member that followed in the
 * declaration. Numbers are converted by the Eisel–Lemire algorithm, correctly rounded; what it
 * cannot decide (over 19 digits, exponents beyond ±64, halfway cases, subnormals) goes to strtod.
 */
#include "codecs.h"
#include "dd_base.h"
#include "json_int.h"
#include "json_scan.h"

#include <stdlib.h>
#include <string.h>

#define PLAN_FIELDS_MAX ((size_t)1 << 20)
#define NO_NODE UINT32_MAX
#define NO_SLOT UINT32_MAX

void dd_json_options_default(dd_json_options_t *o) {
    o->record_bytes_max = (size_t)1 << 20;
    o->string_bytes_max = (size_t)256 << 10;
    o->number_bytes_max = 256;
    o->depth_max = 64;
}

/* ---- member names
 * -------------------------------------------------------------------------------- Names are hashed
 * only to find them in the plan's table (a hit is confirmed byte by byte), so a cheap inline hash
 * will do: short names, the common case, take two overlapping loads and two multiplies; longer ones
 * XXH3. */

static inline uint64_t load32(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static inline uint64_t key_hash(const uint8_t *k, size_t len) {
    uint64_t a, b;
    if (len > 16)
        return XXH3_64bits(k, len);
    if (len >= 8) {
        a = load64(k);
        b = load64(k + len - 8);
    } else if (len >= 4) {
        a = load32(k);
        b = load32(k + len - 4);
    } else if (len > 0) {
        a = (uint64_t)k[0] | (uint64_t)k[len / 2] << 8 | (uint64_t)k[len - 1] << 16;
        b = 0;
    } else {
        a = b = 0;
    }
    uint64_t h = (a ^ 0x9E3779B97F4A7C15ull) * 0xBF58476D1CE4E5B9ull;
    h ^= (b + len) * 0x94D049BB133111EBull;
    h ^= h >> 31;
    h *= 0xD6E8FEB86659FD93ull;
    return h ^ (h >> 32);
}

/* ---- plans
 * --------------------------------------------------------------------------------------- A trie of
 * the declared paths, flattened into one hash table: a slot is (parent node, name) → (column, child
 * node). Node 0 is the record itself. */

typedef struct plan_slot {
    uint64_t key_hash;
    uint32_t node; /* parent node + 1; 0 = empty slot */
    uint32_t key_len;
    size_t key_off; /* in plan->keys */
    int32_t column; /* -1: none */
    uint32_t child; /* NO_NODE: none */
    uint32_t next;  /* the slot of the node's next member in declaration order, or NO_SLOT */
} plan_slot_t;

struct dd_json_plan {
    dd_json_options_t opt;
    size_t n_fields;
    dd_column_kind_t *kinds;
    plan_slot_t *slots;
    size_t mask; /* slots - 1 */
    size_t used;
    uint32_t n_nodes;
    uint32_t *first; /* per node: the slot of its first declared member */
    char *keys;
    size_t keys_len, keys_cap;
    uint64_t hash_true, hash_false;
};

static inline size_t slot_index(uint64_t key_hash, uint32_t node, size_t mask) {
    return (size_t)(key_hash ^ ((uint64_t)node * 0x9E3779B97F4A7C15ull)) & mask;
}

/* memcmp(a, b, n) == 0 for short n without a call. */
static inline int bytes_equal(const char *a, const uint8_t *b, size_t n) {
    for (; n >= 8; a += 8, b += 8, n -= 8) {
        uint64_t x, y;
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        if (x != y)
            return 0;
    }
    for (; n > 0; a++, b++, n--)
        if ((uint8_t)*a != *b)
            return 0;
    return 1;
}

static inline const plan_slot_t *plan_find(const dd_json_plan_t *pl, uint32_t node,
                                           const uint8_t *key, size_t len, uint64_t h) {
    size_t i = slot_index(h, node, pl->mask);
    for (;;) {
        const plan_slot_t *s = &pl->slots[i];
        if (s->node == 0)
            return NULL;
        if (s->key_hash == h && s->node == node + 1 && s->key_len == len &&
            bytes_equal(pl->keys + s->key_off, key, len))
            return s;
        i = (i + 1) & pl->mask;
    }
}

static int plan_grow(dd_json_plan_t *pl) {
    const size_t cap = (pl->mask + 1) * 2;
    plan_slot_t *slots = calloc(cap, sizeof(*slots));
    if (slots == NULL)
        return -1;
    for (size_t i = 0; i <= pl->mask; i++) {
        const plan_slot_t *s = &pl->slots[i];
        if (s->node == 0)
            continue;
        size_t j = slot_index(s->key_hash, s->node - 1, cap - 1);
        while (slots[j].node != 0)
            j = (j + 1) & (cap - 1);
        slots[j] = *s;
    }
    free(pl->slots);
    pl->slots = slots;
    pl->mask = cap - 1;
    return 0;
}

/* The slot of (node, key), created if absent; NULL when out of memory. */
static plan_slot_t *plan_slot(dd_json_plan_t *pl, uint32_t node, const char *key, size_t len) {
    const uint64_t h = key_hash((const uint8_t *)key, len);
    plan_slot_t *found =
        (plan_slot_t *)(uintptr_t)plan_find(pl, node, (const uint8_t *)key, len, h);
    if (found != NULL)
        return found;
    if ((pl->used + 1) * 2 > pl->mask + 1 && plan_grow(pl) != 0)
        return NULL;
    if (pl->keys_len + len > pl->keys_cap) {
        size_t cap = pl->keys_cap ? pl->keys_cap : 256;
        while (cap < pl->keys_len + len)
            cap *= 2;
        char *keys = realloc(pl->keys, cap);
        if (keys == NULL)
            return NULL;
        pl->keys = keys;
        pl->keys_cap = cap;
    }
    memcpy(pl->keys + pl->keys_len, key, len);
    size_t i = slot_index(h, node, pl->mask);
    while (pl->slots[i].node != 0)
        i = (i + 1) & pl->mask;
    plan_slot_t *s = &pl->slots[i];
    s->key_hash = h;
    s->node = node + 1;
    s->key_len = (uint32_t)len;
    s->key_off = pl->keys_len;
    s->column = -1;
    s->child = NO_NODE;
    s->next = NO_SLOT;
    pl->keys_len += len;
    pl->used++;
    return s;
}

/* Splits a dotted path into components, undoing the \. and \\ escapes, and adds it. */
static dd_codec_err_t plan_add_path(dd_json_plan_t *pl, const char *path, int32_t column) {
    char comp[JSON_KEY_BYTES_CAP];
    uint32_t node = 0;
    unsigned depth = 1;
    const char *s = path;
    for (;;) {
        size_t n = 0;
        while (*s != '\0' && *s != '.') {
            char ch = *s++;
            if (ch == '\\') {
                if (*s != '.' && *s != '\\')
                    return DD_CODEC_ERR_INVALID_ARGUMENT;
                ch = *s++;
            }
            if (n >= sizeof(comp))
                return DD_CODEC_ERR_INVALID_ARGUMENT;
            comp[n++] = ch;
        }
        if (n == 0)
            return DD_CODEC_ERR_INVALID_ARGUMENT; /* "", ".a", "a..b", "a." */
        plan_slot_t *slot = plan_slot(pl, node, comp, n);
        if (slot == NULL)
            return DD_CODEC_ERR_NO_MEMORY;
        if (*s == '\0') {
            if (slot->column >= 0)
                return DD_CODEC_ERR_DUPLICATE_COLUMN;
            slot->column = column;
            return DD_CODEC_OK;
        }
        s++; /* the dot */
        if (++depth > pl->opt.depth_max)
            return DD_CODEC_ERR_INVALID_ARGUMENT; /* no record within the limit could hold it */
        if (slot->child == NO_NODE) {
            if (pl->n_nodes == NO_NODE - 1)
                return DD_CODEC_ERR_INVALID_ARGUMENT;
            slot->child = pl->n_nodes++;
        }
        node = slot->child;
    }
}

/* Chains each node's members in declaration order (slots are final now), so decoding can try the
 * member that usually comes next before hashing: records of one stream keep one field order. */
static int plan_link(dd_json_plan_t *pl) {
    pl->first = malloc(pl->n_nodes * sizeof(*pl->first));
    uint32_t *last = malloc(pl->n_nodes * sizeof(*last));
    uint32_t *order = malloc(pl->used * sizeof(*order));
    if (pl->first == NULL || last == NULL || order == NULL) {
        free(last);
        free(order);
        return -1;
    }
    for (uint32_t n = 0; n < pl->n_nodes; n++)
        pl->first[n] = last[n] = NO_SLOT;
    /* Declaration order = creation order = key_off order. */
    size_t k = 0;
    for (size_t i = 0; i <= pl->mask; i++)
        if (pl->slots[i].node != 0)
            order[k++] = (uint32_t)i;
    for (size_t i = 1; i < k; i++) { /* insertion sort by key_off; plans are built once */
        const uint32_t v = order[i];
        size_t j = i;
        for (; j > 0 && pl->slots[order[j - 1]].key_off > pl->slots[v].key_off; j--)
            order[j] = order[j - 1];
        order[j] = v;
    }
    for (size_t i = 0; i < k; i++) {
        const uint32_t n = pl->slots[order[i]].node - 1;
        if (last[n] == NO_SLOT)
            pl->first[n] = order[i];
        else
            pl->slots[last[n]].next = order[i];
        last[n] = order[i];
    }
    free(last);
    free(order);
    return 0;
}

dd_codec_err_t dd_json_plan_new(const char *const *paths, const dd_column_kind_t *kinds,
                                size_t n_fields, const dd_json_options_t *opts,
                                dd_json_plan_t **out) {
    if (out == NULL)
        return DD_CODEC_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (paths == NULL || kinds == NULL || n_fields == 0 || n_fields > PLAN_FIELDS_MAX)
        return DD_CODEC_ERR_INVALID_ARGUMENT;
    dd_json_options_t o;
    dd_json_options_default(&o);
    if (opts != NULL)
        o = *opts;
    if (!options_valid(&o))
        return DD_CODEC_ERR_INVALID_ARGUMENT;
    for (size_t i = 0; i < n_fields; i++)
        if (paths[i] == NULL ||
            (kinds[i] != DD_COLUMN_NUMERIC && kinds[i] != DD_COLUMN_CATEGORICAL))
            return DD_CODEC_ERR_INVALID_ARGUMENT;
    dd_json_plan_t *pl = calloc(1, sizeof(*pl));
    if (pl == NULL)
        return DD_CODEC_ERR_NO_MEMORY;
    pl->opt = o;
    pl->n_fields = n_fields;
    pl->n_nodes = 1;
    pl->mask = 63;
    pl->slots = calloc(pl->mask + 1, sizeof(*pl->slots));
    pl->kinds = malloc(n_fields * sizeof(*pl->kinds));
    if (pl->slots == NULL || pl->kinds == NULL) {
        dd_json_plan_destroy(pl);
        return DD_CODEC_ERR_NO_MEMORY;
    }
    memcpy(pl->kinds, kinds, n_fields * sizeof(*kinds));
    pl->hash_true = hash_bytes("true", 4);
    pl->hash_false = hash_bytes("false", 5);
    for (size_t i = 0; i < n_fields; i++) {
        const dd_codec_err_t err = plan_add_path(pl, paths[i], (int32_t)i);
        if (err != DD_CODEC_OK) {
            dd_json_plan_destroy(pl);
            return err;
        }
    }
    if (plan_link(pl) != 0) {
        dd_json_plan_destroy(pl);
        return DD_CODEC_ERR_NO_MEMORY;
    }
    *out = pl;
    return DD_CODEC_OK;
}

void dd_json_plan_destroy(dd_json_plan_t *plan) {
    if (plan == NULL)
        return;
    free(plan->slots);
    free(plan->first);
    free(plan->kinds);
    free(plan->keys);
    free(plan);
}

/* ---- decoding
 * ------------------------------------------------------------------------------------ The row is
 * first set to all-null; values then overwrite their column. A type error leaves the cell null with
 * a marker in its (otherwise unused) value slot, so that a later duplicate member can overwrite it
 * and the count is taken only once the whole record has decoded. */

#define TYPE_ERROR_BITS 0x7FF8DEAD7E7E0001ull /* a NaN no JSON number produces */
#define TYPE_ERROR_HASH 0x7E7E7E7E7E7E7E7Eull

typedef struct decoder {
    cursor_t cur;
    const dd_json_plan_t *plan;
    dd_batch_column_t *cols;
    size_t row;
    size_t type_errors; /* markers written, maybe overwritten since */
    dd_codec_span_t *texts; /* NULL, or one slot per column (dd_json_decode_texts) */
} decoder_t;

static inline void put_null(dd_batch_column_t *col, size_t row) {
    dd_batch_set_null(col, row);
    if (col->kind == DD_COLUMN_NUMERIC)
        col->numbers[row] = 0.0;
    else
        col->hashes[row] = 0;
}

static void put_type_error(decoder_t *d, dd_batch_column_t *col) {
    dd_batch_set_null(col, d->row);
    if (col->kind == DD_COLUMN_NUMERIC) {
        const uint64_t bits = TYPE_ERROR_BITS;
        memcpy(&col->numbers[d->row], &bits, sizeof(bits));
    } else {
        col->hashes[d->row] = TYPE_ERROR_HASH;
    }
    d->type_errors++;
}

static int is_type_error(const dd_batch_column_t *col, size_t row) {
    if (!dd_batch_is_null(col, row))
        return 0;
    if (col->kind == DD_COLUMN_CATEGORICAL)
        return col->hashes[row] == TYPE_ERROR_HASH;
    uint64_t bits;
    memcpy(&bits, &col->numbers[row], sizeof(bits));
    return bits == TYPE_ERROR_BITS;
}

/* The value of a declared leaf at p (p < end), nesting depth `depth` if it is a container. */
static inline const uint8_t *decode_leaf(decoder_t *d, const uint8_t *p, int32_t column,
                                         unsigned depth) {
    cursor_t *c = &d->cur;
    dd_batch_column_t *col = &d->cols[column];
    const int numeric = col->kind == DD_COLUMN_NUMERIC;
    const uint8_t *q;
    switch (*p) {
    case '"': {
        int esc;
        if ((q = scan_string(c, p, &esc)) == NULL)
            return NULL;
        if (numeric) {
            put_type_error(d, col);
        } else {
            dd_batch_set_hash(col, d->row,
                              esc ? hash_escaped(p + 1, q - 1)
                                  : hash_bytes(p + 1, (size_t)(q - 1 - (p + 1))));
            if (d->texts != NULL) /* an escaped spelling is not kept: the span is raw input */
                d->texts[column] = (dd_codec_span_t){esc ? NULL : p + 1,
                                                     esc ? 0 : (size_t)(q - 1 - (p + 1)), 0, 0};
        }
        return q;
    }
    case 't':
    case 'f': {
        const int yes = *p == 't';
        if ((q = yes ? scan_literal(c, p, "true", 4) : scan_literal(c, p, "false", 5)) == NULL)
            return NULL;
        if (numeric) {
            dd_batch_set_number(col, d->row, yes ? 1.0 : 0.0);
        } else {
            dd_batch_set_hash(col, d->row, yes ? d->plan->hash_true : d->plan->hash_false);
            if (d->texts != NULL)
                d->texts[column] = (dd_codec_span_t){p, yes ? 4u : 5u, 0, 0};
        }
        return q;
    }
    case 'n':
        if ((q = scan_literal(c, p, "null", 4)) == NULL)
            return NULL;
        put_null(col, d->row);
        if (d->texts != NULL)
            d->texts[column] = (dd_codec_span_t){NULL, 0, 0, 0};
        return q;
    case '{':
    case '[':
        if ((q = skip_container(c, p, depth)) == NULL)
            return NULL;
        put_type_error(d, col);
        if (d->texts != NULL)
            d->texts[column] = (dd_codec_span_t){NULL, 0, 0, 0};
        return q;
    default:
        if (*p != '-' && (*p < '0' || *p > '9'))
            return fail(c, DD_CODEC_ERR_JSON_SYNTAX, p);
        if (numeric) {
            double v;
            if ((q = scan_number(c, p, &v)) == NULL)
                return NULL;
            dd_batch_set_number(col, d->row, v);
        } else {
            if ((q = scan_number(c, p, NULL)) == NULL)
                return NULL;
            dd_batch_set_hash(col, d->row, hash_bytes(p, (size_t)(q - p)));
            if (d->texts != NULL)
                d->texts[column] = (dd_codec_span_t){p, (size_t)(q - p), 0, 0};
        }
        return q;
    }
}

/* A member name with escapes: its unescaped bytes are looked up (a name longer than any plan
 * key cannot match). */
__attribute__((noinline)) static const plan_slot_t *
find_escaped(const dd_json_plan_t *pl, uint32_t node, const uint8_t *raw, size_t raw_len) {
    uint8_t buf[JSON_KEY_BYTES_CAP + 4];
    const uint8_t *s = raw, *e = raw + raw_len;
    size_t n = 0;
    while (s < e) {
        if (n > JSON_KEY_BYTES_CAP)
            return NULL;
        if (*s != '\\') {
            buf[n++] = *s++;
            continue;
        }
        size_t k;
        s = unescape_one(s, buf + n, &k);
        n += k;
    }
    if (n > JSON_KEY_BYTES_CAP)
        return NULL;
    return plan_find(pl, node, buf, n, key_hash(buf, n));
}

/* The object at p (its '{') matched against plan node `node`, at nesting depth `depth`. */
static const uint8_t *decode_object(decoder_t *d, const uint8_t *p, uint32_t node, unsigned depth) {
    cursor_t *c = &d->cur;
    const uint8_t *end = c->end;
    const dd_json_plan_t *pl = d->plan;
    p = skip_ws(p + 1, end);
    if (p >= end)
        return truncated(c);
    if (*p == '}')
        return p + 1;
    uint32_t expect = pl->first[node];
    for (;;) {
        if (*p != '"')
            return fail(c, DD_CODEC_ERR_JSON_SYNTAX, p);
        int esc;
        const uint8_t *key = p + 1;
        if ((p = scan_string(c, p, &esc)) == NULL)
            return NULL;
        const size_t key_len = (size_t)(p - 1 - key);
        const plan_slot_t *s = expect != NO_SLOT ? &pl->slots[expect] : NULL;
        if (s == NULL || esc || s->key_len != key_len ||
            !bytes_equal(pl->keys + s->key_off, key, key_len))
            s = esc ? find_escaped(pl, node, key, key_len)
                    : plan_find(pl, node, key, key_len, key_hash(key, key_len));
        if (s != NULL)
            expect = s->next;
        p = skip_ws(p, end);
        if (p >= end)
            return truncated(c);
        if (*p != ':')
            return fail(c, DD_CODEC_ERR_JSON_SYNTAX, p);
        p = skip_ws(p + 1, end);
        if (p >= end)
            return truncated(c);
        if (s != NULL && s->child != NO_NODE && *p == '{') {
            if (depth + 1 > pl->opt.depth_max)
                return fail(c, DD_CODEC_ERR_TOO_DEEP, p);
            p = decode_object(d, p, s->child, depth + 1);
        } else if (s != NULL && s->column >= 0) {
            p = decode_leaf(d, p, s->column, depth + 1);
        } else {
            p = skip_value(c, p, depth + 1);
        }
        if (p == NULL)
            return NULL;
        p = skip_ws(p, end);
        if (p >= end)
            return truncated(c);
        if (*p == ',') {
            p = skip_ws(p + 1, end);
            if (p >= end)
                return truncated(c);
            continue;
        }
        if (*p == '}')
            return p + 1;
        return fail(c, DD_CODEC_ERR_JSON_SYNTAX, p);
    }
}

dd_codec_err_t dd_json_decode(const dd_json_plan_t *plan, const uint8_t *data, size_t len,
                              dd_column_batch_t *batch, size_t *err_offset) {
    return dd_json_decode_texts(plan, data, len, batch, err_offset, NULL);
}

dd_codec_err_t dd_json_decode_texts(const dd_json_plan_t *plan, const uint8_t *data, size_t len,
                                    dd_column_batch_t *batch, size_t *err_offset,
                                    dd_codec_span_t *texts) {
    if (err_offset != NULL)
        *err_offset = 0;
    if (plan == NULL || batch == NULL || (data == NULL && len > 0) ||
        batch->n_columns != plan->n_fields)
        return DD_CODEC_ERR_INVALID_ARGUMENT;
    if (batch->rows >= batch->capacity)
        return DD_CODEC_ERR_BATCH_FULL;
    if (len > plan->opt.record_bytes_max) {
        if (err_offset != NULL)
            *err_offset = plan->opt.record_bytes_max;
        return DD_CODEC_ERR_RECORD_TOO_LARGE;
    }
    const size_t row = batch->rows;
    for (size_t i = 0; i < plan->n_fields; i++) {
        if (batch->columns[i].kind != plan->kinds[i])
            return DD_CODEC_ERR_INVALID_ARGUMENT;
        put_null(&batch->columns[i], row);
    }
    if (texts != NULL)
        memset(texts, 0, plan->n_fields * sizeof(*texts));
    decoder_t d = {{data, data + len, &plan->opt, DD_CODEC_OK, NULL}, plan, batch->columns, row, 0,
                   texts};
    const uint8_t *p = skip_ws(data, data + len);
    if (check_root(&d.cur, p) == DD_CODEC_OK && (p = decode_object(&d, p, 0, 1)) != NULL) {
        p = skip_ws(p, data + len);
        if (p < data + len)
            fail(&d.cur, DD_CODEC_ERR_TRAILING_BYTES, p);
    }
    if (d.cur.err != DD_CODEC_OK) {
        if (err_offset != NULL)
            *err_offset = (size_t)(d.cur.err_at - data);
        return d.cur.err;
    }
    if (d.type_errors > 0)
        for (size_t i = 0; i < plan->n_fields; i++)
            batch->columns[i].type_errors += (uint64_t)is_type_error(&batch->columns[i], row);
    DD_ASSERT(row < batch->capacity); /* rows grow only when the whole record decoded */
    batch->rows = row + 1;
    return DD_CODEC_OK;
}
