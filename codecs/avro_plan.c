/* avro_plan.c — a writer schema and the fields a caller wants, compiled once into a flat program
 * that decodes Avro binary straight into a column batch.
 *
 * The program is an array of nodes, one per writer type that matters: records list their
 * children, unions their branches, and every leaf either stores into a column or skips its bytes.
 * Fields nobody asked for compile to skip nodes that are shared per named type, which is also how
 * recursive schemas stay finite. Decoding walks the nodes with an explicit depth limit; every
 * length is checked against the bytes left before it is used, and item counts of zero-byte items
 * are capped, so a hostile body costs at most O(its length + items_max) and no allocation. */
#include "avro_int.h"
#include "dd_base.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX
#define PLAN_NODES_MAX 1000000u
#define DD_AVRO_FIELDS_MAX 65536u

typedef enum op {
    OP_NOTHING, /* null */
    OP_SKIP_BOOL,
    OP_SKIP_INT,
    OP_SKIP_LONG,
    OP_SKIP_FLOAT,
    OP_SKIP_DOUBLE,
    OP_SKIP_BYTES, /* bytes and string */
    OP_SKIP_FIXED,
    OP_SKIP_ENUM,
    OP_RECORD,
    OP_UNION,
    OP_ARRAY, /* with a column: its item count is stored */
    OP_MAP,
    OP_TYPE_ERROR, /* skip `child`, count a type error on the column */
    OP_NUM_BOOL,
    OP_NUM_INT,
    OP_NUM_LONG,
    OP_NUM_FLOAT,
    OP_NUM_DOUBLE,
    OP_NUM_DECIMAL_BYTES,
    OP_NUM_DECIMAL_FIXED,
    OP_CAT_BOOL,
    OP_CAT_INT,
    OP_CAT_LONG,
    OP_CAT_BYTES,
    OP_CAT_FIXED,
    OP_CAT_ENUM,
} op_t;

typedef struct node {
    uint8_t op;
    uint32_t column; /* NONE or a batch column */
    uint32_t n;      /* children (record/union), symbols (enum), bytes (fixed) */
    uint32_t first;  /* first index in kids[] (record/union), in symbols (enum); child (array…) */
    uint32_t min_bytes; /* least bytes one value of this node takes (a lower bound) */
    double divisor;  /* numbers: value / divisor (timestamps to seconds, decimals by scale) */
} node_t;

struct dd_avro_plan {
    node_t *nodes;
    size_t n_nodes, cap_nodes;
    uint32_t *kids;
    size_t n_kids, cap_kids;
    uint64_t *symbol_hashes; /* enum symbols, all enums one after another */
    char **symbol_names;
    size_t n_symbols, cap_symbols;
    uint32_t root;
    size_t n_columns;
    dd_column_kind_t *kinds;
    uint8_t *found; /* per column: the path exists in the writer schema */
    dd_avro_options_t opt;
};

typedef struct want {
    const char *rest; /* the path left to match, "" = this node is the leaf */
    uint32_t column;
    int length_of;
} want_t;

typedef struct compiler {
    dd_avro_plan_t *plan;
    const dd_avro_schema_t *schema;
    uint32_t *skip_memo; /* per schema node: its skip node, or NONE */
    char *errstr;
    size_t errstr_size;
} compiler_t;

void dd_avro_options_default(dd_avro_options_t *o) {
    o->record_bytes_max = (size_t)1 << 20;
    o->string_bytes_max = (size_t)1 << 20;
    o->depth_max = 64;
    o->items_max = 1000000;
}

void dd_avro_plan_destroy(dd_avro_plan_t *p) {
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->n_symbols; i++)
        free(p->symbol_names[i]);
    free(p->symbol_names);
    free(p->symbol_hashes);
    free(p->nodes);
    free(p->kids);
    free(p->kinds);
    free(p->found);
    free(p);
}

static int grow(void **arr, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap)
        return 0;
    size_t cap2 = *cap ? *cap : 16;
    while (cap2 < need)
        cap2 *= 2;
    void *a = realloc(*arr, cap2 * elem);
    if (a == NULL)
        return -1;
    *arr = a;
    *cap = cap2;
    return 0;
}

static uint32_t add_node(compiler_t *c, op_t op, uint32_t column) {
    dd_avro_plan_t *p = c->plan;
    if (p->n_nodes >= PLAN_NODES_MAX ||
        grow((void **)&p->nodes, &p->cap_nodes, p->n_nodes + 1, sizeof(node_t)) != 0)
        return NONE;
    node_t *nd = &p->nodes[p->n_nodes];
    memset(nd, 0, sizeof *nd);
    nd->op = (uint8_t)op;
    nd->column = column;
    nd->first = NONE;
    nd->divisor = 1.0;
    return (uint32_t)p->n_nodes++;
}

/* Reserves n contiguous child slots; returns the first index or NONE. */
static uint32_t add_kids(compiler_t *c, size_t n) {
    dd_avro_plan_t *p = c->plan;
    if (p->n_kids + n > PLAN_NODES_MAX ||
        grow((void **)&p->kids, &p->cap_kids, p->n_kids + n, sizeof(uint32_t)) != 0)
        return NONE;
    const uint32_t first = (uint32_t)p->n_kids;
    p->n_kids += n;
    return first;
}

static uint32_t add_symbols(compiler_t *c, const avro_type_t *t) {
    dd_avro_plan_t *p = c->plan;
    if (grow((void **)&p->symbol_hashes, &p->cap_symbols, p->n_symbols + t->n,
             sizeof(uint64_t)) != 0)
        return NONE;
    /* symbol_names grows in step with symbol_hashes (same capacity) */
    char **names = realloc(p->symbol_names, p->cap_symbols * sizeof(char *));
    if (names == NULL)
        return NONE;
    p->symbol_names = names;
    const uint32_t first = (uint32_t)p->n_symbols;
    for (size_t i = 0; i < t->n; i++) {
        if ((p->symbol_names[p->n_symbols] = strdup(t->symbols[i])) == NULL)
            return NONE;
        p->symbol_hashes[p->n_symbols] = dd_codec_hash(t->symbols[i], strlen(t->symbols[i]));
        p->n_symbols++;
    }
    return first;
}

static size_t schema_index(const compiler_t *c, const avro_type_t *t) {
    for (size_t i = 0; i < c->schema->n_all; i++)
        if (c->schema->all[i] == t)
            return i;
    return 0; /* not reached: every type belongs to its schema */
}

static uint32_t sat_add(uint32_t a, uint32_t b) {
    return a > UINT32_MAX - b ? UINT32_MAX : a + b;
}

static uint32_t compile(compiler_t *c, const avro_type_t *t, const want_t *w, size_t n_w,
                        unsigned depth);

/* The node that skips a value of type t; shared per schema node (recursion ends here). */
static uint32_t compile_skip(compiler_t *c, const avro_type_t *t, unsigned depth) {
    const size_t si = schema_index(c, t);
    if (c->skip_memo[si] != NONE)
        return c->skip_memo[si];
    static const op_t simple[] = {
        [AVRO_K_NULL] = OP_NOTHING,       [AVRO_K_BOOLEAN] = OP_SKIP_BOOL,
        [AVRO_K_INT] = OP_SKIP_INT,       [AVRO_K_LONG] = OP_SKIP_LONG,
        [AVRO_K_FLOAT] = OP_SKIP_FLOAT,   [AVRO_K_DOUBLE] = OP_SKIP_DOUBLE,
        [AVRO_K_BYTES] = OP_SKIP_BYTES,   [AVRO_K_STRING] = OP_SKIP_BYTES,
        [AVRO_K_FIXED] = OP_SKIP_FIXED,   [AVRO_K_ENUM] = OP_SKIP_ENUM,
        [AVRO_K_RECORD] = OP_RECORD,      [AVRO_K_UNION] = OP_UNION,
        [AVRO_K_ARRAY] = OP_ARRAY,        [AVRO_K_MAP] = OP_MAP,
    };
    static const uint32_t min_bytes[] = {
        [AVRO_K_NULL] = 0,  [AVRO_K_BOOLEAN] = 1, [AVRO_K_INT] = 1,    [AVRO_K_LONG] = 1,
        [AVRO_K_FLOAT] = 4, [AVRO_K_DOUBLE] = 8,  [AVRO_K_BYTES] = 1,  [AVRO_K_STRING] = 1,
        [AVRO_K_FIXED] = 0, [AVRO_K_ENUM] = 1,    [AVRO_K_RECORD] = 0, [AVRO_K_UNION] = 1,
        [AVRO_K_ARRAY] = 1, [AVRO_K_MAP] = 1,
    };
    const uint32_t id = add_node(c, simple[t->kind], NONE);
    if (id == NONE)
        return NONE;
    c->skip_memo[si] = id;
    c->plan->nodes[id].min_bytes = min_bytes[t->kind];
    switch (t->kind) {
    case AVRO_K_FIXED:
        c->plan->nodes[id].n = (uint32_t)t->fixed_size;
        c->plan->nodes[id].min_bytes = (uint32_t)t->fixed_size;
        break;
    case AVRO_K_ENUM:
        c->plan->nodes[id].n = (uint32_t)t->n;
        break;
    case AVRO_K_ARRAY:
    case AVRO_K_MAP: {
        const uint32_t child = compile_skip(c, t->items, depth + 1);
        if (child == NONE)
            return NONE;
        c->plan->nodes[id].first = child;
        break;
    }
    case AVRO_K_RECORD:
    case AVRO_K_UNION: {
        const uint32_t first = add_kids(c, t->n);
        if (first == NONE)
            return NONE;
        c->plan->nodes[id].first = first;
        c->plan->nodes[id].n = (uint32_t)t->n;
        uint32_t sum = 0;
        for (size_t i = 0; i < t->n; i++) {
            const avro_type_t *sub = t->kind == AVRO_K_RECORD ? t->fields[i].type : t->branches[i];
            const uint32_t k = compile_skip(c, sub, depth + 1);
            if (k == NONE)
                return NONE;
            c->plan->kids[first + i] = k;
            /* A field still being compiled (a recursive reference) counts as 0 bytes: a lower
             * bound is all the item-count check needs. */
            sum = sat_add(sum, c->plan->nodes[k].min_bytes);
        }
        if (t->kind == AVRO_K_RECORD)
            c->plan->nodes[id].min_bytes = sum;
        break;
    }
    default:
        break;
    }
    return id;
}

/* A leaf the caller wants: store the value of type t into column w->column, converting. */
static uint32_t compile_leaf(compiler_t *c, const avro_type_t *t, const want_t *w,
                             unsigned depth) {
    const dd_column_kind_t kind = c->plan->kinds[w->column];
    op_t op = OP_TYPE_ERROR;
    double divisor = 1.0;
    if (t->kind == AVRO_K_NULL)
        return compile_skip(c, t, depth); /* the column stays null */
    if (t->kind == AVRO_K_UNION) {
        const uint32_t first = add_kids(c, t->n);
        const uint32_t id = add_node(c, OP_UNION, NONE);
        if (first == NONE || id == NONE)
            return NONE;
        c->plan->nodes[id].first = first;
        c->plan->nodes[id].n = (uint32_t)t->n;
        c->plan->nodes[id].min_bytes = 1;
        for (size_t i = 0; i < t->n; i++) {
            const uint32_t k = compile_leaf(c, t->branches[i], w, depth + 1);
            if (k == NONE)
                return NONE;
            c->plan->kids[first + i] = k;
        }
        return id;
    }
    if (w->length_of && (t->kind == AVRO_K_ARRAY || t->kind == AVRO_K_MAP) &&
        kind == DD_COLUMN_NUMERIC) {
        const uint32_t child = compile_skip(c, t->items, depth + 1);
        const uint32_t id = add_node(c, t->kind == AVRO_K_ARRAY ? OP_ARRAY : OP_MAP, w->column);
        if (child == NONE || id == NONE)
            return NONE;
        c->plan->nodes[id].first = child;
        c->plan->nodes[id].min_bytes = 1;
        c->plan->found[w->column] = 1;
        return id;
    }
    if (kind == DD_COLUMN_NUMERIC) {
        switch (t->kind) {
        case AVRO_K_BOOLEAN: op = OP_NUM_BOOL; break;
        case AVRO_K_INT: op = OP_NUM_INT; break;
        case AVRO_K_LONG:
            op = OP_NUM_LONG;
            divisor = t->logical == AVRO_L_TIMESTAMP_MILLIS   ? 1e3
                      : t->logical == AVRO_L_TIMESTAMP_MICROS ? 1e6
                                                              : 1.0;
            break;
        case AVRO_K_FLOAT: op = OP_NUM_FLOAT; break;
        case AVRO_K_DOUBLE: op = OP_NUM_DOUBLE; break;
        case AVRO_K_BYTES:
        case AVRO_K_FIXED:
            if (t->logical == AVRO_L_DECIMAL) {
                op = t->kind == AVRO_K_BYTES ? OP_NUM_DECIMAL_BYTES : OP_NUM_DECIMAL_FIXED;
                divisor = pow(10.0, t->decimal_scale);
            }
            break;
        default: break;
        }
    } else {
        switch (t->kind) {
        case AVRO_K_BOOLEAN: op = OP_CAT_BOOL; break;
        case AVRO_K_INT: op = OP_CAT_INT; break;
        case AVRO_K_LONG: op = OP_CAT_LONG; break;
        case AVRO_K_STRING:
        case AVRO_K_BYTES: op = OP_CAT_BYTES; break;
        case AVRO_K_FIXED: op = OP_CAT_FIXED; break;
        case AVRO_K_ENUM: op = OP_CAT_ENUM; break;
        default: break;
        }
    }
    c->plan->found[w->column] = 1;
    const uint32_t skip = compile_skip(c, t, depth + 1);
    if (skip == NONE)
        return NONE;
    if (op == OP_TYPE_ERROR) {
        const uint32_t id = add_node(c, OP_TYPE_ERROR, w->column);
        if (id == NONE)
            return NONE;
        c->plan->nodes[id].first = skip;
        c->plan->nodes[id].min_bytes = c->plan->nodes[skip].min_bytes;
        return id;
    }
    const node_t s = c->plan->nodes[skip];
    const uint32_t id = add_node(c, op, w->column);
    if (id == NONE)
        return NONE;
    node_t *nd = &c->plan->nodes[id];
    nd->min_bytes = s.min_bytes;
    nd->n = s.n; /* fixed size, enum symbol count */
    nd->divisor = divisor;
    if (op == OP_CAT_ENUM && (nd->first = add_symbols(c, t)) == NONE)
        return NONE;
    return id;
}

/* The length of the first component of a dotted path. */
static size_t component_len(const char *s) {
    const char *dot = strchr(s, '.');
    return dot ? (size_t)(dot - s) : strlen(s);
}

static uint32_t compile(compiler_t *c, const avro_type_t *t, const want_t *w, size_t n_w,
                        unsigned depth) {
    if (n_w == 0)
        return compile_skip(c, t, depth);
    if (depth > 4 * c->plan->opt.depth_max + 64)
        return compile_skip(c, t, depth); /* deeper than any record could be decoded */
    if (n_w == 1 && w[0].rest[0] == '\0')
        return compile_leaf(c, t, &w[0], depth);
    if (t->kind == AVRO_K_UNION) {
        const uint32_t first = add_kids(c, t->n);
        const uint32_t id = add_node(c, OP_UNION, NONE);
        if (first == NONE || id == NONE)
            return NONE;
        c->plan->nodes[id].first = first;
        c->plan->nodes[id].n = (uint32_t)t->n;
        c->plan->nodes[id].min_bytes = 1;
        for (size_t i = 0; i < t->n; i++) {
            const uint32_t k = compile(c, t->branches[i], w, n_w, depth + 1);
            if (k == NONE)
                return NONE;
            c->plan->kids[first + i] = k;
        }
        return id;
    }
    if (t->kind != AVRO_K_RECORD)
        return compile_skip(c, t, depth); /* paths below a non-record: not found */
    want_t *sub = malloc(n_w * sizeof(*sub));
    const uint32_t first = add_kids(c, t->n);
    const uint32_t id = add_node(c, OP_RECORD, NONE);
    if (sub == NULL || first == NONE || id == NONE) {
        free(sub);
        return NONE;
    }
    c->plan->nodes[id].first = first;
    c->plan->nodes[id].n = (uint32_t)t->n;
    uint32_t sum = 0;
    for (size_t i = 0; i < t->n; i++) {
        const char *name = t->fields[i].name;
        const size_t name_len = strlen(name);
        size_t n_sub = 0;
        for (size_t k = 0; k < n_w; k++) {
            const size_t len = component_len(w[k].rest);
            if (len == name_len && memcmp(w[k].rest, name, len) == 0) {
                sub[n_sub] = w[k];
                sub[n_sub].rest = w[k].rest + len + (w[k].rest[len] == '.');
                n_sub++;
            }
        }
        const uint32_t k = compile(c, t->fields[i].type, sub, n_sub, depth + 1);
        if (k == NONE) {
            free(sub);
            return NONE;
        }
        c->plan->kids[first + i] = k;
        sum = sat_add(sum, c->plan->nodes[k].min_bytes);
    }
    c->plan->nodes[id].min_bytes = sum;
    free(sub);
    return id;
}

__attribute__((format(printf, 3, 4))) static void say(char *errstr, size_t size, const char *fmt,
                                                      ...) {
    if (errstr == NULL || size == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errstr, size, fmt, ap);
    va_end(ap);
}

dd_codec_err_t dd_avro_plan_new(const dd_avro_schema_t *writer, const dd_avro_field_t *fields,
                                size_t n_fields, const dd_avro_options_t *opts,
                                dd_avro_plan_t **out, char *errstr, size_t errstr_size) {
    if (out == NULL)
        return DD_CODEC_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (writer == NULL || fields == NULL || n_fields == 0 || n_fields > DD_AVRO_FIELDS_MAX) {
        say(errstr, errstr_size, "a plan needs a schema and 1 to %u fields", DD_AVRO_FIELDS_MAX);
        return DD_CODEC_ERR_INVALID_ARGUMENT;
    }
    for (size_t i = 0; i < n_fields; i++) {
        const char *path = fields[i].path;
        if (path == NULL || (fields[i].kind != DD_COLUMN_NUMERIC &&
                             fields[i].kind != DD_COLUMN_CATEGORICAL)) {
            say(errstr, errstr_size, "field %zu: a path and a kind are required", i);
            return DD_CODEC_ERR_INVALID_ARGUMENT;
        }
        for (size_t k = 0; k < i; k++)
            if (strcmp(fields[k].path, path) == 0) {
                say(errstr, errstr_size, "field '%s' is asked for twice", path);
                return DD_CODEC_ERR_DUPLICATE_COLUMN;
            }
    }
    dd_avro_plan_t *p = calloc(1, sizeof(*p));
    compiler_t c = {p, writer, NULL, errstr, errstr_size};
    want_t *w = calloc(n_fields, sizeof(*w));
    c.skip_memo = malloc((writer->n_all ? writer->n_all : 1) * sizeof(uint32_t));
    if (p != NULL) {
        p->kinds = calloc(n_fields, sizeof(*p->kinds));
        p->found = calloc(n_fields, 1);
    }
    if (p == NULL || w == NULL || c.skip_memo == NULL || p->kinds == NULL || p->found == NULL) {
        free(w);
        free(c.skip_memo);
        dd_avro_plan_destroy(p);
        return DD_CODEC_ERR_NO_MEMORY;
    }
    if (opts)
        p->opt = *opts;
    else
        dd_avro_options_default(&p->opt);
    for (size_t i = 0; i < writer->n_all; i++)
        c.skip_memo[i] = NONE;
    p->n_columns = n_fields;
    for (size_t i = 0; i < n_fields; i++) {
        p->kinds[i] = fields[i].kind;
        w[i].rest = fields[i].path;
        w[i].column = (uint32_t)i;
        w[i].length_of = fields[i].length_of;
    }
    p->root = compile(&c, writer->root, w, n_fields, 0);
    free(w);
    free(c.skip_memo);
    if (p->root == NONE) {
        say(errstr, errstr_size, "the plan is too large or memory ran out");
        dd_avro_plan_destroy(p);
        return DD_CODEC_ERR_NO_MEMORY;
    }
    *out = p;
    return DD_CODEC_OK;
}

size_t dd_avro_plan_columns(const dd_avro_plan_t *p) {
    return p ? p->n_columns : 0;
}

const dd_column_kind_t *dd_avro_plan_kinds(const dd_avro_plan_t *p) {
    return p ? p->kinds : NULL;
}

int dd_avro_plan_found(const dd_avro_plan_t *p, size_t column) {
    return p != NULL && column < p->n_columns && p->found[column];
}

/* ---- decoding ----------------------------------------------------------------------------- */

typedef struct ctx {
    const uint8_t *p, *end;
    const dd_avro_plan_t *plan;
    dd_column_batch_t *batch;
    size_t row;
    size_t items_left;
    dd_codec_span_t *texts;
} ctx_t;

static inline dd_codec_err_t read_int(ctx_t *c, int32_t *out) {
    return avro_read_int_inline(&c->p, c->end, out);
}

static inline double read_f64(const uint8_t *p) {
    uint64_t u;
    memcpy(&u, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    u = __builtin_bswap64(u);
#endif
    double d;
    memcpy(&d, &u, 8);
    return d;
}

static inline float read_f32(const uint8_t *p) {
    uint32_t u;
    memcpy(&u, p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    u = __builtin_bswap32(u);
#endif
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* A string/bytes length: ≥ 0, within the limit and within the bytes left. */
static inline dd_codec_err_t read_len(ctx_t *c, size_t *len) {
    int64_t n;
    dd_codec_err_t err = avro_read_long_inline(&c->p, c->end, &n);
    if (err != DD_CODEC_OK)
        return err;
    if (n < 0)
        return DD_CODEC_ERR_NEGATIVE_LENGTH;
    if ((uint64_t)n > c->plan->opt.string_bytes_max)
        return DD_CODEC_ERR_LENGTH_TOO_LARGE;
    if ((uint64_t)n > (uint64_t)(c->end - c->p))
        return DD_CODEC_ERR_TRUNCATED;
    *len = (size_t)n;
    return DD_CODEC_OK;
}

/* Big-endian two's-complement integer of any length, as a double. */
static double decimal_value(const uint8_t *b, size_t n) {
    if (n == 0)
        return 0.0;
    const int negative = (b[0] & 0x80u) != 0;
    double v = 0.0;
    for (size_t i = 0; i < n; i++)
        v = v * 256.0 + (double)(negative ? (uint8_t)~b[i] : b[i]);
    return negative ? -(v + 1.0) : v;
}

static uint64_t hash_integer(int64_t v) {
    char buf[24];
    char *q = buf + sizeof buf;
    uint64_t u = v < 0 ? ~(uint64_t)v + 1u : (uint64_t)v;
    do {
        *--q = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        *--q = '-';
    return dd_codec_hash(q, (size_t)(buf + sizeof buf - q));
}

static dd_codec_err_t run(ctx_t *c, uint32_t id, unsigned depth);

/* Array or map blocks: count, then (for a negative count) the block's byte size, then items. */
static dd_codec_err_t run_blocks(ctx_t *c, const node_t *nd, unsigned depth) {
    const node_t *item = &c->plan->nodes[nd->first];
    const int is_map = nd->op == OP_MAP;
    uint64_t total = 0;
    for (;;) {
        int64_t count;
        dd_codec_err_t err = avro_read_long_inline(&c->p, c->end, &count);
        if (err != DD_CODEC_OK)
            return err;
        if (count == 0)
            break;
        if (count < 0) {
            if (count == INT64_MIN)
                return DD_CODEC_ERR_TOO_MANY_ITEMS;
            count = -count;
            int64_t size;
            if ((err = avro_read_long_inline(&c->p, c->end, &size)) != DD_CODEC_OK)
                return err;
            if (size < 0)
                return DD_CODEC_ERR_NEGATIVE_LENGTH;
            if ((uint64_t)size > (uint64_t)(c->end - c->p))
                return DD_CODEC_ERR_TRUNCATED;
        }
        /* Each item takes at least min_bytes (keys of a map at least 1); zero-byte items are
         * bounded by the per-record item budget instead. */
        const uint64_t per_item = (uint64_t)item->min_bytes + (is_map ? 1u : 0u);
        const uint64_t left = (uint64_t)(c->end - c->p);
        if ((per_item > 0 && (uint64_t)count > left / per_item) ||
            (uint64_t)count > c->items_left)
            return DD_CODEC_ERR_TOO_MANY_ITEMS;
        c->items_left -= (size_t)count;
        total += (uint64_t)count;
        for (int64_t i = 0; i < count; i++) {
            if (is_map) {
                size_t klen;
                if ((err = read_len(c, &klen)) != DD_CODEC_OK)
                    return err;
                c->p += klen;
            }
            if ((err = run(c, nd->first, depth + 1)) != DD_CODEC_OK)
                return err;
        }
    }
    if (nd->column != NONE)
        dd_batch_set_number(&c->batch->columns[nd->column], c->row, (double)total);
    return DD_CODEC_OK;
}

/* A leaf node (no children): inlined into run() and into its record loop, so a flat record's
 * fields cost no call each. */
static inline __attribute__((always_inline)) dd_codec_err_t leaf(ctx_t *c, const node_t *nd) {
    dd_batch_column_t *col = nd->column != NONE ? &c->batch->columns[nd->column] : NULL;
    dd_codec_err_t err = DD_CODEC_OK;
    int64_t l;
    int32_t i32;
    size_t len;
    switch ((op_t)nd->op) {
    case OP_NOTHING:
        return DD_CODEC_OK;
    case OP_SKIP_BOOL:
    case OP_NUM_BOOL:
    case OP_CAT_BOOL:
        if (c->p >= c->end)
            return DD_CODEC_ERR_TRUNCATED;
        if (*c->p > 1)
            return DD_CODEC_ERR_BAD_BOOLEAN;
        if (nd->op == OP_NUM_BOOL)
            dd_batch_set_number(col, c->row, (double)*c->p);
        else if (nd->op == OP_CAT_BOOL) {
            const char *word = *c->p ? "true" : "false";
            const size_t word_len = *c->p ? 4 : 5;
            dd_batch_set_hash(col, c->row, dd_codec_hash(word, word_len));
            if (c->texts)
                c->texts[nd->column] = (dd_codec_span_t){(const uint8_t *)word, word_len, 0, 0};
        }
        c->p++;
        return DD_CODEC_OK;
    case OP_SKIP_INT:
        return read_int(c, &i32);
    case OP_SKIP_LONG:
        return avro_read_long_inline(&c->p, c->end, &l);
    case OP_SKIP_FLOAT:
    case OP_SKIP_DOUBLE:
    case OP_NUM_FLOAT:
    case OP_NUM_DOUBLE: {
        const size_t size = nd->op == OP_SKIP_FLOAT || nd->op == OP_NUM_FLOAT ? 4 : 8;
        if ((size_t)(c->end - c->p) < size)
            return DD_CODEC_ERR_TRUNCATED;
        if (nd->op == OP_NUM_DOUBLE)
            dd_batch_set_number(col, c->row, read_f64(c->p));
        else if (nd->op == OP_NUM_FLOAT)
            dd_batch_set_number(col, c->row, (double)read_f32(c->p));
        c->p += size;
        return DD_CODEC_OK;
    }
    case OP_SKIP_BYTES:
    case OP_CAT_BYTES:
    case OP_NUM_DECIMAL_BYTES:
        if ((err = read_len(c, &len)) != DD_CODEC_OK)
            return err;
        if (nd->op == OP_CAT_BYTES) {
            dd_batch_set_hash(col, c->row, dd_codec_hash(c->p, len));
            if (c->texts)
                c->texts[nd->column] = (dd_codec_span_t){c->p, len, 0, 0};
        } else if (nd->op == OP_NUM_DECIMAL_BYTES) {
            dd_batch_set_number(col, c->row, decimal_value(c->p, len) / nd->divisor);
        }
        c->p += len;
        return DD_CODEC_OK;
    case OP_SKIP_FIXED:
    case OP_CAT_FIXED:
    case OP_NUM_DECIMAL_FIXED:
        if ((size_t)(c->end - c->p) < nd->n)
            return DD_CODEC_ERR_TRUNCATED;
        if (nd->op == OP_CAT_FIXED) {
            dd_batch_set_hash(col, c->row, dd_codec_hash(c->p, nd->n));
            if (c->texts)
                c->texts[nd->column] = (dd_codec_span_t){c->p, nd->n, 0, 0};
        } else if (nd->op == OP_NUM_DECIMAL_FIXED) {
            dd_batch_set_number(col, c->row, decimal_value(c->p, nd->n) / nd->divisor);
        }
        c->p += nd->n;
        return DD_CODEC_OK;
    case OP_SKIP_ENUM:
    case OP_CAT_ENUM:
        if ((err = read_int(c, &i32)) != DD_CODEC_OK)
            return err;
        if (i32 < 0 || (uint32_t)i32 >= nd->n)
            return DD_CODEC_ERR_BAD_ENUM_INDEX;
        if (nd->op == OP_CAT_ENUM) {
            const size_t s = nd->first + (uint32_t)i32;
            dd_batch_set_hash(col, c->row, c->plan->symbol_hashes[s]);
            if (c->texts)
                c->texts[nd->column] = (dd_codec_span_t){(const uint8_t *)c->plan->symbol_names[s],
                                                         strlen(c->plan->symbol_names[s]), 0, 0};
        }
        return DD_CODEC_OK;
    case OP_NUM_INT:
        if ((err = read_int(c, &i32)) != DD_CODEC_OK)
            return err;
        dd_batch_set_number(col, c->row, (double)i32);
        return DD_CODEC_OK;
    case OP_NUM_LONG:
        if ((err = avro_read_long_inline(&c->p, c->end, &l)) != DD_CODEC_OK)
            return err;
        dd_batch_set_number(col, c->row, nd->divisor == 1.0 ? (double)l : (double)l / nd->divisor);
        return DD_CODEC_OK;
    case OP_CAT_INT:
        if ((err = read_int(c, &i32)) != DD_CODEC_OK)
            return err;
        dd_batch_set_hash(col, c->row, hash_integer(i32));
        if (c->texts)
            c->texts[nd->column] = (dd_codec_span_t){NULL, 0, i32, 1};
        return DD_CODEC_OK;
    case OP_CAT_LONG:
        if ((err = avro_read_long_inline(&c->p, c->end, &l)) != DD_CODEC_OK)
            return err;
        dd_batch_set_hash(col, c->row, hash_integer(l));
        if (c->texts)
            c->texts[nd->column] = (dd_codec_span_t){NULL, 0, l, 1};
        return DD_CODEC_OK;
    default:
        return DD_CODEC_ERR_INVALID_ARGUMENT; /* containers are run() */
    }
    return DD_CODEC_ERR_INVALID_ARGUMENT;
}


static inline int is_container(uint8_t op) {
    return op == OP_RECORD || op == OP_UNION || op == OP_ARRAY || op == OP_MAP ||
           op == OP_TYPE_ERROR;
}

static dd_codec_err_t run(ctx_t *c, uint32_t id, unsigned depth) {
    const node_t *nd = &c->plan->nodes[id];
    dd_batch_column_t *col = nd->column != NONE ? &c->batch->columns[nd->column] : NULL;
    dd_codec_err_t err = DD_CODEC_OK;
    int64_t l;
    switch ((op_t)nd->op) {
    case OP_RECORD:
        if (depth >= c->plan->opt.depth_max)
            return DD_CODEC_ERR_TOO_DEEP;
        for (uint32_t k = 0; k < nd->n; k++) {
            const node_t *kid = &c->plan->nodes[c->plan->kids[nd->first + k]];
            err = is_container(kid->op) ? run(c, c->plan->kids[nd->first + k], depth + 1)
                                        : leaf(c, kid);
            if (err != DD_CODEC_OK)
                return err;
        }
        return DD_CODEC_OK;
    case OP_UNION:
        if ((err = avro_read_long_inline(&c->p, c->end, &l)) != DD_CODEC_OK)
            return err;
        if (l < 0 || (uint64_t)l >= nd->n)
            return DD_CODEC_ERR_BAD_UNION_INDEX;
        if (depth >= c->plan->opt.depth_max)
            return DD_CODEC_ERR_TOO_DEEP;
        return run(c, c->plan->kids[nd->first + (uint32_t)l], depth + 1);
    case OP_ARRAY:
    case OP_MAP:
        if (depth >= c->plan->opt.depth_max)
            return DD_CODEC_ERR_TOO_DEEP;
        return run_blocks(c, nd, depth);
    case OP_TYPE_ERROR:
        if ((err = run(c, nd->first, depth)) != DD_CODEC_OK)
            return err;
        col->type_errors++;
        return DD_CODEC_OK;
    default:
        return leaf(c, nd);
    }
}

dd_codec_err_t dd_avro_decode_next(const dd_avro_plan_t *plan, const uint8_t *data, size_t len,
                                   dd_column_batch_t *batch, size_t *consumed, size_t *err_offset,
                                   dd_codec_span_t *texts) {
    if (err_offset)
        *err_offset = 0;
    if (consumed)
        *consumed = 0;
    if (plan == NULL || batch == NULL || (data == NULL && len > 0) ||
        batch->n_columns != plan->n_columns)
        return DD_CODEC_ERR_INVALID_ARGUMENT;
    if (batch->rows >= batch->capacity)
        return DD_CODEC_ERR_BATCH_FULL;
    const size_t row = batch->rows;
    /* Every column of the row starts null and values clear their bit. Rows are appended in
     * order, so a whole null byte is written once per 8 rows; a failed record puts its row's
     * bits back below. */
    if ((row & 7) == 0)
        for (size_t i = 0; i < plan->n_columns; i++)
            batch->columns[i].nulls[row >> 3] = 0xFF;
    if (texts)
        memset(texts, 0, plan->n_columns * sizeof(*texts));
    const size_t limit = len < plan->opt.record_bytes_max ? len : plan->opt.record_bytes_max;
    static const uint8_t empty[1] = {0};
    ctx_t c = {data ? data : empty, (data ? data : empty) + limit, plan, batch, row,
               plan->opt.items_max, texts};
    dd_codec_err_t err = run(&c, plan->root, 0);
    const size_t used = (size_t)(c.p - (data ? data : empty));
    if (err == DD_CODEC_ERR_TRUNCATED && limit < len)
        err = DD_CODEC_ERR_RECORD_TOO_LARGE;
    if (err != DD_CODEC_OK) {
        for (size_t i = 0; i < plan->n_columns; i++)
            dd_batch_set_null(&batch->columns[i], row);
        if (err_offset)
            *err_offset = used;
        return err;
    }
    if (consumed)
        *consumed = used;
    DD_ASSERT(row < batch->capacity); /* rows grow only when the whole record decoded */
    batch->rows = row + 1;
    return DD_CODEC_OK;
}

dd_codec_err_t dd_avro_decode(const dd_avro_plan_t *plan, const uint8_t *data, size_t len,
                              dd_column_batch_t *batch, size_t *err_offset,
                              dd_codec_span_t *texts) {
    if (plan != NULL && len > plan->opt.record_bytes_max) {
        if (err_offset)
            *err_offset = 0;
        return DD_CODEC_ERR_RECORD_TOO_LARGE;
    }
    size_t used = 0;
    dd_codec_err_t err = dd_avro_decode_next(plan, data, len, batch, &used, err_offset, texts);
    if (err == DD_CODEC_OK && used != len) {
        batch->rows--; /* the record decoded, but the message holds more than one record */
        for (size_t i = 0; i < plan->n_columns; i++)
            dd_batch_set_null(&batch->columns[i], batch->rows);
        if (err_offset)
            *err_offset = used;
        return DD_CODEC_ERR_TRAILING_BYTES;
    }
    return err;
}

dd_codec_err_t dd_avro_confluent_header(const uint8_t *data, size_t len, uint32_t *schema_id,
                                        const uint8_t **body, size_t *body_len) {
    if (data == NULL || schema_id == NULL || body == NULL || body_len == NULL)
        return DD_CODEC_ERR_INVALID_ARGUMENT;
    if (len < 5)
        return DD_CODEC_ERR_TRUNCATED;
    if (data[0] != 0)
        return DD_CODEC_ERR_BAD_MAGIC;
    *schema_id = (uint32_t)data[1] << 24 | (uint32_t)data[2] << 16 | (uint32_t)data[3] << 8 |
                 (uint32_t)data[4];
    *body = data + 5;
    *body_len = len - 5;
    return DD_CODEC_OK;
}
