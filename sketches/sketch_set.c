/* sketch_set.c — the sketches of every field of a stream, as one unit to update, merge, reset and
 * serialize (a window pane, a merged window, a reference). */
#include "sketches.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

typedef struct field {
    dd_field_kind_t kind;
    uint32_t kll_k;             /* numeric */
    uint32_t hll_p;             /* categorical */
    uint32_t frequent_capacity; /* categorical */
    uint8_t joint;              /* numeric: one of the joint summary's fields */
    dd_moments_t moments;       /* numeric */
    dd_histogram_t *histogram;  /* numeric, optional */
    dd_kll_t *kll;              /* numeric */
    dd_hll_t *hll;              /* categorical */
    dd_frequent_t *frequent;    /* categorical */
} field_t;

struct dd_sketch_set {
    size_t n_fields;
    uint64_t seed;
    uint64_t rows;
    field_t *fields;
    /* the joint summary of the fields marked joint, when at least two are (else n_joint 0) */
    size_t n_joint;
    uint32_t *joint_fields;      /* their indexes, ascending */
    dd_joint_t *joint[2];        /* the two halves */
    const double **joint_cols;   /* scratch for an update: n_joint column pointers */
    const uint8_t **joint_nulls; /* and their null bitmaps */
};

static uint64_t field_seed(uint64_t seed, size_t field) {
    uint64_t z = seed + 0x9e3779b97f4a7c15ull * (uint64_t)(field + 1);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void dd_sketch_set_destroy(dd_sketch_set_t *set) {
    if (set == NULL)
        return;
    for (size_t i = 0; set->fields != NULL && i < set->n_fields; i++) {
        dd_histogram_destroy(set->fields[i].histogram);
        dd_kll_destroy(set->fields[i].kll);
        dd_hll_destroy(set->fields[i].hll);
        dd_frequent_destroy(set->fields[i].frequent);
    }
    free(set->fields);
    free(set->joint_fields);
    dd_joint_destroy(set->joint[0]);
    dd_joint_destroy(set->joint[1]);
    free(set->joint_cols);
    free(set->joint_nulls);
    free(set);
}

/* The joint summary of the fields marked joint, when there are two or more. */
static dd_sketch_err_t init_joint(dd_sketch_set_t *set) {
    size_t n = 0;
    for (size_t i = 0; i < set->n_fields; i++)
        n += set->fields[i].joint;
    if (n < 2)
        return DD_SKETCH_OK;
    if (n > DD_JOINT_FIELDS_MAX)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    set->joint_fields = malloc(n * sizeof(uint32_t));
    set->joint_cols = malloc(n * sizeof(double *));
    set->joint_nulls = malloc(n * sizeof(uint8_t *));
    if (set->joint_fields == NULL || set->joint_cols == NULL || set->joint_nulls == NULL)
        return DD_SKETCH_ERR_NO_MEMORY;
    for (size_t i = 0; i < set->n_fields; i++)
        if (set->fields[i].joint)
            set->joint_fields[set->n_joint++] = (uint32_t)i;
    for (int h = 0; h < 2; h++) {
        const dd_sketch_err_t err = dd_joint_new((uint32_t)n, 0, &set->joint[h]);
        if (err != DD_SKETCH_OK)
            return err;
    }
    return DD_SKETCH_OK;
}

static dd_sketch_err_t init_field(field_t *f, const dd_field_spec_t *spec, uint64_t seed) {
    f->kind = spec->kind;
    dd_sketch_err_t err = DD_SKETCH_OK;
    if (spec->joint > 1 || (spec->joint && spec->kind != DD_FIELD_NUMERIC))
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    f->joint = spec->joint;
    if (spec->kind == DD_FIELD_NUMERIC) {
        f->kll_k = spec->kll_k ? spec->kll_k : DD_KLL_K_DEFAULT;
        dd_moments_init(&f->moments);
        if (spec->edges != NULL || spec->n_edges != 0)
            err = dd_histogram_new(spec->edges, spec->n_edges, &f->histogram);
        if (err == DD_SKETCH_OK)
            err = dd_kll_new(f->kll_k, seed, &f->kll);
    } else if (spec->kind == DD_FIELD_CATEGORICAL) {
        f->hll_p = spec->hll_p ? spec->hll_p : DD_HLL_P_DEFAULT;
        f->frequent_capacity =
            spec->frequent_capacity ? spec->frequent_capacity : DD_FREQUENT_CAPACITY_DEFAULT;
        err = dd_hll_new(f->hll_p, &f->hll);
        if (err == DD_SKETCH_OK)
            err = dd_frequent_new(f->frequent_capacity, &f->frequent);
    } else {
        err = DD_SKETCH_ERR_INVALID_ARGUMENT;
    }
    return err;
}

dd_sketch_err_t dd_sketch_set_new(const dd_field_spec_t *fields, size_t n_fields, uint64_t seed,
                                  dd_sketch_set_t **out) {
    if (out == NULL)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (fields == NULL || n_fields == 0 || n_fields > DD_SKETCH_SET_FIELDS_MAX)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    dd_sketch_set_t *set = calloc(1, sizeof(*set));
    if (set == NULL)
        return DD_SKETCH_ERR_NO_MEMORY;
    set->fields = calloc(n_fields, sizeof(field_t));
    if (set->fields == NULL) {
        free(set);
        return DD_SKETCH_ERR_NO_MEMORY;
    }
    set->n_fields = n_fields;
    set->seed = seed;
    for (size_t i = 0; i < n_fields; i++) {
        dd_sketch_err_t err = init_field(&set->fields[i], &fields[i], field_seed(seed, i));
        if (err != DD_SKETCH_OK) {
            dd_sketch_set_destroy(set);
            return err;
        }
    }
    const dd_sketch_err_t err = init_joint(set);
    if (err != DD_SKETCH_OK) {
        dd_sketch_set_destroy(set);
        return err;
    }
    *out = set;
    return DD_SKETCH_OK;
}

/* The spec a field was made from (edges point into the field's histogram). */
static dd_field_spec_t spec_of(const field_t *f) {
    dd_field_spec_t spec = {f->kind, NULL, 0, f->kll_k, f->hll_p, f->frequent_capacity, f->joint};
    if (f->histogram != NULL) {
        spec.edges = dd_histogram_edges(f->histogram);
        spec.n_edges = dd_histogram_bins(f->histogram) + 1;
    }
    return spec;
}

dd_sketch_err_t dd_sketch_set_spec(const dd_sketch_set_t *set, size_t field,
                                   dd_field_spec_t *out) {
    if (set == NULL || out == NULL || field >= set->n_fields)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    *out = spec_of(&set->fields[field]);
    return DD_SKETCH_OK;
}

uint64_t dd_sketch_set_seed(const dd_sketch_set_t *set) {
    return set == NULL ? 0 : set->seed;
}

dd_sketch_err_t dd_sketch_set_new_like(const dd_sketch_set_t *set, dd_sketch_set_t **out) {
    if (set == NULL || out == NULL)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    dd_field_spec_t *specs = malloc(set->n_fields * sizeof(dd_field_spec_t));
    if (specs == NULL)
        return DD_SKETCH_ERR_NO_MEMORY;
    for (size_t i = 0; i < set->n_fields; i++)
        specs[i] = spec_of(&set->fields[i]);
    dd_sketch_err_t err = dd_sketch_set_new(specs, set->n_fields, set->seed, out);
    free(specs);
    return err;
}

void dd_sketch_set_reset(dd_sketch_set_t *set) {
    set->rows = 0;
    for (size_t h = 0; set->n_joint > 0 && h < 2; h++)
        dd_joint_reset(set->joint[h]);
    for (size_t i = 0; i < set->n_fields; i++) {
        field_t *f = &set->fields[i];
        if (f->kind == DD_FIELD_NUMERIC) {
            dd_moments_init(&f->moments);
            if (f->histogram != NULL)
                dd_histogram_reset(f->histogram);
            dd_kll_reset(f->kll);
        } else {
            dd_hll_reset(f->hll);
            dd_frequent_reset(f->frequent);
        }
    }
}

size_t dd_sketch_set_fields(const dd_sketch_set_t *set) {
    return set->n_fields;
}

dd_field_kind_t dd_sketch_set_kind(const dd_sketch_set_t *set, size_t field) {
    return set->fields[field].kind;
}

void dd_sketch_set_add_rows(dd_sketch_set_t *set, uint64_t rows) {
    set->rows += rows;
}

uint64_t dd_sketch_set_rows(const dd_sketch_set_t *set) {
    return set->rows;
}

dd_sketch_err_t dd_sketch_set_update_numeric(dd_sketch_set_t *set, size_t field, const double *v,
                                             const uint8_t *nulls, size_t n) {
    if (set == NULL || field >= set->n_fields || set->fields[field].kind != DD_FIELD_NUMERIC ||
        (v == NULL && n > 0))
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    field_t *f = &set->fields[field];
    dd_moments_update(&f->moments, v, nulls, n);
    if (f->histogram != NULL)
        dd_histogram_update(f->histogram, v, nulls, n);
    dd_kll_update(f->kll, v, nulls, n);
    return DD_SKETCH_OK;
}

dd_sketch_err_t dd_sketch_set_update_categorical(dd_sketch_set_t *set, size_t field,
                                                 const uint64_t *hashes, const uint8_t *nulls,
                                                 size_t n) {
    if (set == NULL || field >= set->n_fields || set->fields[field].kind != DD_FIELD_CATEGORICAL ||
        (hashes == NULL && n > 0))
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    field_t *f = &set->fields[field];
    dd_hll_update(f->hll, hashes, nulls, n);
    dd_frequent_update(f->frequent, hashes, nulls, n);
    return DD_SKETCH_OK;
}

/* This thread's buffer of transformed columns (grown to the largest batch it has seen, freed
 * when the thread ends): a window's panes share it. */
static pthread_key_t tx_key;
static pthread_once_t tx_once = PTHREAD_ONCE_INIT;
static int tx_key_ok;
static __thread double *tx_buf;
static __thread size_t tx_cap; /* doubles */

static void tx_key_make(void) {
    tx_key_ok = pthread_key_create(&tx_key, free) == 0;
}

dd_sketch_err_t dd_sketch_set_update_joint(dd_sketch_set_t *set, const double *const *numbers,
                                           const uint8_t *const *nulls, size_t n) {
    if (set == NULL || (numbers == NULL && set->n_joint > 0 && n > 0))
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    if (set->n_joint == 0 || n == 0)
        return DD_SKETCH_OK;
    if (n > SIZE_MAX / sizeof(double) / set->n_joint)
        return DD_SKETCH_ERR_TOO_LARGE;
    const size_t need = set->n_joint * n;
    if (need > tx_cap) {
        (void)pthread_once(&tx_once, tx_key_make);
        double *p = tx_key_ok ? malloc(need * sizeof(double)) : NULL;
        if (p == NULL)
            return DD_SKETCH_ERR_NO_MEMORY;
        free(tx_buf);
        tx_buf = p;
        tx_cap = need;
        (void)pthread_setspecific(tx_key, tx_buf);
    }
    for (size_t i = 0; i < set->n_joint; i++) {
        const uint32_t f = set->joint_fields[i];
        if (numbers[f] == NULL)
            return DD_SKETCH_ERR_INVALID_ARGUMENT;
        /* asinh: the identity near 0, a logarithm far from it (docs/multivariate.md) */
        double *t = tx_buf + i * n;
        const double *v = numbers[f];
        for (size_t r = 0; r < n; r++)
            t[r] = asinh(v[r]);
        set->joint_cols[i] = t;
        set->joint_nulls[i] = nulls != NULL ? nulls[f] : NULL;
    }
    /* two parts cut at a multiple of 8 (a null bitmap's byte); the larger to the smaller half */
    const size_t cut = (n / 2) & ~(size_t)7, larger = n - cut;
    const uint64_t held0 = dd_joint_count(set->joint[0]) + dd_joint_incomplete(set->joint[0]);
    const uint64_t held1 = dd_joint_count(set->joint[1]) + dd_joint_incomplete(set->joint[1]);
    const int first = held0 <= held1 ? 0 : 1; /* the half that takes rows [0, larger) */
    dd_sketch_err_t err = dd_joint_update(set->joint[first], set->joint_cols, set->joint_nulls,
                                          larger);
    if (err != DD_SKETCH_OK || cut == 0)
        return err;
    for (size_t i = 0; i < set->n_joint; i++) {
        set->joint_cols[i] += larger;
        if (set->joint_nulls[i] != NULL)
            set->joint_nulls[i] += larger / 8;
    }
    return dd_joint_update(set->joint[1 - first], set->joint_cols, set->joint_nulls, cut);
}

size_t dd_sketch_set_joint_fields(const dd_sketch_set_t *set) {
    return set == NULL ? 0 : set->n_joint;
}

size_t dd_sketch_set_joint_field(const dd_sketch_set_t *set, size_t i) {
    return set->joint_fields[i];
}

const dd_joint_t *dd_sketch_set_joint(const dd_sketch_set_t *set, int half) {
    return set == NULL || set->n_joint == 0 || half < 0 || half > 1 ? NULL : set->joint[half];
}

static int same_layout(const dd_sketch_set_t *a, const dd_sketch_set_t *b) {
    if (a->n_fields != b->n_fields)
        return 0;
    for (size_t i = 0; i < a->n_fields; i++) {
        const field_t *x = &a->fields[i], *y = &b->fields[i];
        if (x->kind != y->kind || x->kll_k != y->kll_k || x->hll_p != y->hll_p || x->joint != y->joint ||
            x->frequent_capacity != y->frequent_capacity ||
            (x->histogram == NULL) != (y->histogram == NULL))
            return 0;
        if (x->histogram != NULL) {
            const size_t bins = dd_histogram_bins(x->histogram);
            if (bins != dd_histogram_bins(y->histogram) ||
                memcmp(dd_histogram_edges(x->histogram), dd_histogram_edges(y->histogram),
                       (bins + 1) * sizeof(double)) != 0)
                return 0;
        }
    }
    return 1;
}

uint64_t dd_sketch_set_memory_bound(const dd_sketch_set_t *set) {
    if (set == NULL)
        return 0;
    uint64_t bytes = sizeof(*set) + set->n_fields * sizeof(field_t);
    for (size_t i = 0; i < set->n_fields; i++) {
        const field_t *f = &set->fields[i];
        if (f->kind == DD_FIELD_NUMERIC) {
            bytes += dd_kll_memory_bound(dd_kll_k(f->kll));
            if (f->histogram != NULL) /* edges, counts and the bucket index: a few words a bin */
                bytes += 256 + 64 * (uint64_t)(dd_histogram_bins(f->histogram) + 4);
        } else {
            bytes += dd_hll_memory_bound(dd_hll_p(f->hll)) +
                     dd_frequent_memory_bound(dd_frequent_capacity(f->frequent));
        }
    }
    if (set->n_joint > 0)
        bytes += 2 * dd_joint_memory_bound((uint32_t)set->n_joint, 0) +
                 set->n_joint * (sizeof(uint32_t) + 2 * sizeof(void *));
    return bytes;
}

dd_sketch_err_t dd_sketch_set_merge(dd_sketch_set_t *into, const dd_sketch_set_t *from) {
    if (into == NULL || from == NULL)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    /* Check everything first, so a refused merge leaves `into` untouched. */
    if (!same_layout(into, from))
        return DD_SKETCH_ERR_INCOMPATIBLE;
    for (size_t i = 0; i < into->n_fields; i++) {
        field_t *x = &into->fields[i];
        const field_t *y = &from->fields[i];
        dd_sketch_err_t err = DD_SKETCH_OK;
        if (x->kind == DD_FIELD_NUMERIC) {
            dd_moments_merge(&x->moments, &y->moments);
            if (x->histogram != NULL)
                err = dd_histogram_merge(x->histogram, y->histogram);
            if (err == DD_SKETCH_OK)
                err = dd_kll_merge(x->kll, y->kll);
        } else {
            err = dd_hll_merge(x->hll, y->hll);
            if (err == DD_SKETCH_OK)
                err = dd_frequent_merge(x->frequent, y->frequent);
        }
        if (err != DD_SKETCH_OK)
            return err;
    }
    for (int h = 0; into->n_joint > 0 && h < 2; h++) {
        const dd_sketch_err_t err = dd_joint_merge(into->joint[h], from->joint[h]);
        if (err != DD_SKETCH_OK)
            return err;
    }
    into->rows += from->rows;
    return DD_SKETCH_OK;
}

static const field_t *field_of(const dd_sketch_set_t *set, size_t field, dd_field_kind_t kind) {
    if (set == NULL || field >= set->n_fields || set->fields[field].kind != kind)
        return NULL;
    return &set->fields[field];
}

const dd_moments_t *dd_sketch_set_moments(const dd_sketch_set_t *set, size_t field) {
    const field_t *f = field_of(set, field, DD_FIELD_NUMERIC);
    return f ? &f->moments : NULL;
}
const dd_histogram_t *dd_sketch_set_histogram(const dd_sketch_set_t *set, size_t field) {
    const field_t *f = field_of(set, field, DD_FIELD_NUMERIC);
    return f ? f->histogram : NULL;
}
const dd_kll_t *dd_sketch_set_kll(const dd_sketch_set_t *set, size_t field) {
    const field_t *f = field_of(set, field, DD_FIELD_NUMERIC);
    return f ? f->kll : NULL;
}
const dd_hll_t *dd_sketch_set_hll(const dd_sketch_set_t *set, size_t field) {
    const field_t *f = field_of(set, field, DD_FIELD_CATEGORICAL);
    return f ? f->hll : NULL;
}
const dd_frequent_t *dd_sketch_set_frequent(const dd_sketch_set_t *set, size_t field) {
    const field_t *f = field_of(set, field, DD_FIELD_CATEGORICAL);
    return f ? f->frequent : NULL;
}

/* ---- serialization ---------------------------------------------------------------------------
 * Payload (docs/sketch-format.md): u32 n_fields; u64 seed; u64 rows; then per field u8 kind,
 * u8 flags (bit 0: has a histogram; bit 1: a joint field), and the field's sketches as
 * length-prefixed (u32) nested envelopes in a fixed order: numeric = moments, [histogram], kll;
 * categorical = hll, frequent; then, when two or more fields are joint, the joint summary's two
 * halves as two more nested envelopes. */

enum { FIELD_MIN_BYTES = 2 + 2 * (4 + DD_WIRE_HEADER_BYTES + DD_WIRE_TRAILER_BYTES) };

/* Appends a nested envelope: its size, then the bytes `serialize` writes (when they fit). */
#define PUT_NESTED(w, size, call)                                                                  \
    do {                                                                                           \
        const size_t nested_size_ = (size);                                                        \
        dd_wire_put_u32((w), (uint32_t)nested_size_);                                              \
        if ((w)->buf != NULL && (w)->len + nested_size_ <= (w)->cap) {                             \
            uint8_t *const at = (w)->buf + (w)->len;                                               \
            if ((call) != DD_SKETCH_OK)                                                            \
                return DD_SKETCH_ERR_CORRUPT;                                                      \
        }                                                                                          \
        (w)->len += nested_size_;                                                                  \
    } while (0)

static dd_sketch_err_t write_payload(const dd_sketch_set_t *set, dd_wire_writer_t *w) {
    dd_wire_put_u32(w, (uint32_t)set->n_fields);
    dd_wire_put_u64(w, set->seed);
    dd_wire_put_u64(w, set->rows);
    for (size_t i = 0; i < set->n_fields; i++) {
        const field_t *f = &set->fields[i];
        dd_wire_put_u8(w, (uint8_t)f->kind);
        dd_wire_put_u8(w, (uint8_t)((f->histogram != NULL) | (f->joint << 1)));
        if (f->kind == DD_FIELD_NUMERIC) {
            PUT_NESTED(w, dd_moments_serialized_size(&f->moments),
                       dd_moments_serialize(&f->moments, at, nested_size_, NULL));
            if (f->histogram != NULL)
                PUT_NESTED(w, dd_histogram_serialized_size(f->histogram),
                           dd_histogram_serialize(f->histogram, at, nested_size_, NULL));
            PUT_NESTED(w, dd_kll_serialized_size(f->kll),
                       dd_kll_serialize(f->kll, at, nested_size_, NULL));
        } else {
            PUT_NESTED(w, dd_hll_serialized_size(f->hll),
                       dd_hll_serialize(f->hll, at, nested_size_, NULL));
            PUT_NESTED(w, dd_frequent_serialized_size(f->frequent),
                       dd_frequent_serialize(f->frequent, at, nested_size_, NULL));
        }
    }
    for (int h = 0; set->n_joint > 0 && h < 2; h++)
        PUT_NESTED(w, dd_joint_serialized_size(set->joint[h]),
                   dd_joint_serialize(set->joint[h], at, nested_size_, NULL));
    return DD_SKETCH_OK;
}

size_t dd_sketch_set_serialized_size(const dd_sketch_set_t *set) {
    dd_wire_writer_t w = {NULL, 0, 0};
    const size_t begin = dd_wire_begin(&w, DD_WIRE_SKETCH_SET);
    (void)write_payload(set, &w);
    (void)dd_wire_end(&w, begin);
    return w.len;
}

dd_sketch_err_t dd_sketch_set_serialize(const dd_sketch_set_t *set, uint8_t *buf, size_t cap,
                                        size_t *written) {
    if (set == NULL)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    dd_wire_writer_t w = {buf, cap, 0};
    const size_t begin = dd_wire_begin(&w, DD_WIRE_SKETCH_SET);
    dd_sketch_err_t err = write_payload(set, &w);
    if (err == DD_SKETCH_OK)
        err = dd_wire_end(&w, begin);
    if (written != NULL)
        *written = w.len;
    return err;
}

/* Reads one nested envelope's bounds; the nested sketch must fill them exactly. */
static dd_sketch_err_t take_nested(dd_wire_reader_t *r, const uint8_t **at, size_t *len) {
    const uint32_t n = dd_wire_get_u32(r);
    if (r->failed || n > dd_wire_remaining(r))
        return DD_SKETCH_ERR_CORRUPT;
    *at = r->pos;
    *len = n;
    r->pos += n;
    return DD_SKETCH_OK;
}

static dd_sketch_err_t read_field(dd_wire_reader_t *r, field_t *f) {
    const uint8_t kind = dd_wire_get_u8(r), flags = dd_wire_get_u8(r);
    const uint8_t has_histogram = flags & 1, joint = (flags >> 1) & 1;
    if (r->failed || (kind != DD_FIELD_NUMERIC && kind != DD_FIELD_CATEGORICAL) || flags > 3 ||
        (kind == DD_FIELD_CATEGORICAL && flags != 0))
        return DD_SKETCH_ERR_CORRUPT;
    f->kind = (dd_field_kind_t)kind;
    f->joint = joint;
    const uint8_t *at;
    size_t len;
    dd_sketch_err_t err;
    if (f->kind == DD_FIELD_NUMERIC) {
        if ((err = take_nested(r, &at, &len)) != DD_SKETCH_OK ||
            (err = dd_moments_deserialize(at, len, &f->moments)) != DD_SKETCH_OK)
            return err;
        if (len != dd_moments_serialized_size(&f->moments))
            return DD_SKETCH_ERR_CORRUPT;
        if (has_histogram) {
            if ((err = take_nested(r, &at, &len)) != DD_SKETCH_OK ||
                (err = dd_histogram_deserialize(at, len, &f->histogram)) != DD_SKETCH_OK)
                return err;
            if (len != dd_histogram_serialized_size(f->histogram))
                return DD_SKETCH_ERR_CORRUPT;
        }
        if ((err = take_nested(r, &at, &len)) != DD_SKETCH_OK ||
            (err = dd_kll_deserialize(at, len, &f->kll)) != DD_SKETCH_OK)
            return err;
        if (len != dd_kll_serialized_size(f->kll))
            return DD_SKETCH_ERR_CORRUPT;
        f->kll_k = dd_kll_k(f->kll);
    } else {
        if ((err = take_nested(r, &at, &len)) != DD_SKETCH_OK ||
            (err = dd_hll_deserialize(at, len, &f->hll)) != DD_SKETCH_OK)
            return err;
        if (len != dd_hll_serialized_size(f->hll))
            return DD_SKETCH_ERR_CORRUPT;
        if ((err = take_nested(r, &at, &len)) != DD_SKETCH_OK ||
            (err = dd_frequent_deserialize(at, len, &f->frequent)) != DD_SKETCH_OK)
            return err;
        if (len != dd_frequent_serialized_size(f->frequent))
            return DD_SKETCH_ERR_CORRUPT;
        f->hll_p = dd_hll_p(f->hll);
        f->frequent_capacity = dd_frequent_capacity(f->frequent);
    }
    return DD_SKETCH_OK;
}

/* The joint summary's halves, when two or more fields are joint: each as a set of these fields
 * would make it (the number of fields, exact or Frequent Directions of the default rows). */
static dd_sketch_err_t read_joint(dd_wire_reader_t *r, dd_sketch_set_t *set) {
    size_t n = 0;
    for (size_t i = 0; i < set->n_fields; i++)
        n += set->fields[i].joint;
    if (n < 2)
        return n == 0 ? DD_SKETCH_OK : DD_SKETCH_ERR_CORRUPT;
    if (n > DD_JOINT_FIELDS_MAX)
        return DD_SKETCH_ERR_CORRUPT;
    set->joint_fields = malloc(n * sizeof(uint32_t));
    set->joint_cols = malloc(n * sizeof(double *));
    set->joint_nulls = malloc(n * sizeof(uint8_t *));
    if (set->joint_fields == NULL || set->joint_cols == NULL || set->joint_nulls == NULL)
        return DD_SKETCH_ERR_NO_MEMORY;
    for (size_t i = 0; i < set->n_fields; i++)
        if (set->fields[i].joint)
            set->joint_fields[set->n_joint++] = (uint32_t)i;
    const uint32_t want_rows = n > DD_JOINT_EXACT_MAX ? DD_JOINT_FD_ROWS_DEFAULT : 0;
    for (int h = 0; h < 2; h++) {
        const uint8_t *at;
        size_t len;
        dd_sketch_err_t err;
        if ((err = take_nested(r, &at, &len)) != DD_SKETCH_OK ||
            (err = dd_joint_deserialize(at, len, &set->joint[h])) != DD_SKETCH_OK)
            return err;
        if (len != dd_joint_serialized_size(set->joint[h]) ||
            dd_joint_fields(set->joint[h]) != n || dd_joint_fd_rows(set->joint[h]) != want_rows)
            return DD_SKETCH_ERR_CORRUPT;
    }
    return DD_SKETCH_OK;
}

dd_sketch_err_t dd_sketch_set_deserialize(const uint8_t *buf, size_t len, dd_sketch_set_t **out) {
    if (out == NULL)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    *out = NULL;
    dd_wire_reader_t r;
    dd_sketch_err_t err = dd_wire_open(buf, len, DD_WIRE_SKETCH_SET, &r, NULL);
    if (err != DD_SKETCH_OK)
        return err;
    const uint32_t n_fields = dd_wire_get_u32(&r);
    const uint64_t seed = dd_wire_get_u64(&r), rows = dd_wire_get_u64(&r);
    if (r.failed || n_fields == 0)
        return DD_SKETCH_ERR_CORRUPT;
    if (n_fields > DD_SKETCH_SET_FIELDS_MAX)
        return DD_SKETCH_ERR_TOO_LARGE;
    /* Every field takes at least FIELD_MIN_BYTES: refuse counts the input cannot hold before
     * allocating for them. */
    if ((size_t)n_fields > dd_wire_remaining(&r) / FIELD_MIN_BYTES)
        return DD_SKETCH_ERR_CORRUPT;
    dd_sketch_set_t *set = calloc(1, sizeof(*set));
    if (set == NULL)
        return DD_SKETCH_ERR_NO_MEMORY;
    set->fields = calloc(n_fields, sizeof(field_t));
    if (set->fields == NULL) {
        free(set);
        return DD_SKETCH_ERR_NO_MEMORY;
    }
    set->n_fields = n_fields;
    set->seed = seed;
    set->rows = rows;
    for (uint32_t i = 0; i < n_fields; i++) {
        err = read_field(&r, &set->fields[i]);
        if (err != DD_SKETCH_OK) {
            dd_sketch_set_destroy(set);
            return err;
        }
    }
    if ((err = read_joint(&r, set)) != DD_SKETCH_OK) {
        dd_sketch_set_destroy(set);
        return err;
    }
    if (dd_wire_remaining(&r) != 0) {
        dd_sketch_set_destroy(set);
        return DD_SKETCH_ERR_CORRUPT;
    }
    *out = set;
    return DD_SKETCH_OK;
}
