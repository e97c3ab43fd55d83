/* json_schema.c — the schema a JSON stream shows, and what changed between two observations.
 *
 * JSON carries no schema, so a stream's schema is what its records show: each leaf path with the
 * set of types seen there (null, boolean, integer, number, string) and how many records had it.
 * Two snapshots (say, the reference window's and the current one's) give schema changes in the
 * same terms as Avro's (dd_avro_change_t): a field added or removed, a type changed, null newly
 * allowed or no longer seen; each classified as Avro resolution would classify the equivalent
 * schema (a field seen absent or null is an optional field with a null default; an integer reads
 * as a number, not the reverse). Paths are found with a hash table; observing a record is one
 * validating walk over it (json_walk), so callers sample records rather than observe them all. */
#include "json_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    SEEN_NULL = 1,
    SEEN_BOOLEAN = 2,
    SEEN_INTEGER = 4,
    SEEN_NUMBER = 8, /* a number with a fraction or an exponent */
    SEEN_STRING = 16,
};
#define PATH_BYTES_MAX 4096

typedef struct observed {
    char *path;
    uint64_t hash;
    unsigned seen;
    uint64_t present; /* records that had the path */
} observed_t;

struct dd_json_observer {
    dd_json_options_t opt;
    size_t fields_max;
    observed_t *fields; /* in first-seen order */
    size_t n_fields, cap_fields;
    uint32_t *index; /* open addressing into fields (+1; 0 = empty) */
    size_t index_cap;
    uint64_t records;
    uint64_t dropped_fields; /* paths beyond fields_max, not tracked */
    char *path_buf;
};

void dd_json_observer_destroy(dd_json_observer_t *o) {
    if (o == NULL)
        return;
    for (size_t i = 0; i < o->n_fields; i++)
        free(o->fields[i].path);
    free(o->fields);
    free(o->index);
    free(o->path_buf);
    free(o);
}

dd_codec_err_t dd_json_observer_new(const dd_json_options_t *opts, size_t fields_max,
                                    dd_json_observer_t **out) {
    if (out == NULL || fields_max == 0 || fields_max > ((size_t)1 << 20))
        return DD_CODEC_ERR_INVALID_ARGUMENT;
    *out = NULL;
    dd_json_observer_t *o = calloc(1, sizeof(*o));
    if (o == NULL)
        return DD_CODEC_ERR_NO_MEMORY;
    if (opts)
        o->opt = *opts;
    else
        dd_json_options_default(&o->opt);
    o->fields_max = fields_max;
    o->index_cap = 64;
    o->index = calloc(o->index_cap, sizeof(uint32_t));
    o->path_buf = malloc(PATH_BYTES_MAX);
    if (o->index == NULL || o->path_buf == NULL) {
        dd_json_observer_destroy(o);
        return DD_CODEC_ERR_NO_MEMORY;
    }
    *out = o;
    return DD_CODEC_OK;
}

static observed_t *find_or_add(dd_json_observer_t *o, const char *path, size_t len) {
    const uint64_t h = dd_codec_hash(path, len);
    size_t i = (size_t)h & (o->index_cap - 1);
    while (o->index[i] != 0) {
        observed_t *f = &o->fields[o->index[i] - 1];
        if (f->hash == h && strlen(f->path) == len && memcmp(f->path, path, len) == 0)
            return f;
        i = (i + 1) & (o->index_cap - 1);
    }
    if (o->n_fields >= o->fields_max) {
        o->dropped_fields++;
        return NULL;
    }
    if (o->n_fields == o->cap_fields) {
        const size_t cap = o->cap_fields ? o->cap_fields * 2 : 16;
        observed_t *f = realloc(o->fields, cap * sizeof(*f));
        if (f == NULL)
            return NULL;
        o->fields = f;
        o->cap_fields = cap;
    }
    if ((o->n_fields + 1) * 2 > o->index_cap) { /* grow the index, then look for the slot again */
        const size_t cap = o->index_cap * 2;
        uint32_t *index = calloc(cap, sizeof(uint32_t));
        if (index == NULL)
            return NULL;
        for (size_t k = 0; k < o->n_fields; k++) {
            size_t j = (size_t)o->fields[k].hash & (cap - 1);
            while (index[j] != 0)
                j = (j + 1) & (cap - 1);
            index[j] = (uint32_t)(k + 1);
        }
        free(o->index);
        o->index = index;
        o->index_cap = cap;
        i = (size_t)h & (cap - 1);
        while (o->index[i] != 0)
            i = (i + 1) & (cap - 1);
    }
    observed_t *f = &o->fields[o->n_fields];
    if ((f->path = strndup(path, len)) == NULL)
        return NULL;
    f->hash = h;
    f->seen = 0;
    f->present = 0;
    o->index[i] = (uint32_t)(++o->n_fields);
    return f;
}

static int is_integer_literal(const uint8_t *s, size_t len) {
    for (size_t i = 0; i < len; i++)
        if (s[i] == '.' || s[i] == 'e' || s[i] == 'E')
            return 0;
    return 1;
}

typedef struct walk_ctx {
    dd_json_observer_t *o;
    dd_codec_err_t err;
} walk_ctx_t;

static dd_codec_err_t on_leaf(void *ctx, const json_leaf_t *leaf) {
    walk_ctx_t *w = ctx;
    observed_t *f = find_or_add(w->o, leaf->path, leaf->path_len);
    if (f == NULL)
        return w->o->n_fields >= w->o->fields_max ? DD_CODEC_OK : DD_CODEC_ERR_NO_MEMORY;
    switch (leaf->type) {
    case JSON_LEAF_NULL: f->seen |= SEEN_NULL; break;
    case JSON_LEAF_FALSE:
    case JSON_LEAF_TRUE: f->seen |= SEEN_BOOLEAN; break;
    case JSON_LEAF_NUMBER:
        f->seen |= is_integer_literal(leaf->text, leaf->text_len) ? SEEN_INTEGER : SEEN_NUMBER;
        break;
    case JSON_LEAF_STRING: f->seen |= SEEN_STRING; break;
    }
    f->present++; /* a path given twice in one record counts twice: harmless for "always present" */
    return DD_CODEC_OK;
}

dd_codec_err_t dd_json_observe(dd_json_observer_t *o, const uint8_t *data, size_t len,
                               size_t *err_offset) {
    if (o == NULL || (data == NULL && len > 0))
        return DD_CODEC_ERR_INVALID_ARGUMENT;
    walk_ctx_t w = {o, DD_CODEC_OK};
    size_t off = 0;
    const dd_codec_err_t err =
        json_walk(data, len, &o->opt, o->path_buf, PATH_BYTES_MAX, on_leaf, &w, &off);
    if (err_offset)
        *err_offset = off;
    if (err == DD_CODEC_OK)
        o->records++;
    return err;
}

uint64_t dd_json_observer_records(const dd_json_observer_t *o) {
    return o ? o->records : 0;
}

uint64_t dd_json_observer_untracked(const dd_json_observer_t *o) {
    return o ? o->dropped_fields : 0;
}

void dd_json_observer_reset(dd_json_observer_t *o) {
    if (o == NULL)
        return;
    for (size_t i = 0; i < o->n_fields; i++)
        free(o->fields[i].path);
    o->n_fields = 0;
    memset(o->index, 0, o->index_cap * sizeof(uint32_t));
    o->records = 0;
    o->dropped_fields = 0;
}

/* ---- changes ------------------------------------------------------------------------------- */

static const observed_t *lookup(const dd_json_observer_t *o, const char *path) {
    const size_t len = strlen(path);
    const uint64_t h = dd_codec_hash(path, len);
    size_t i = (size_t)h & (o->index_cap - 1);
    while (o->index[i] != 0) {
        const observed_t *f = &o->fields[o->index[i] - 1];
        if (f->hash == h && strcmp(f->path, path) == 0)
            return f;
        i = (i + 1) & (o->index_cap - 1);
    }
    return NULL;
}

/* Types without null; nullable = seen null or missing from some record. */
static unsigned types_of(const observed_t *f) {
    return f->seen & ~(unsigned)SEEN_NULL;
}
static int nullable(const dd_json_observer_t *o, const observed_t *f) {
    return (f->seen & SEEN_NULL) != 0 || f->present < o->records;
}

/* Does a reader expecting `reader` types accept values of `writer` types? An integer reads as a
 * number (Avro's long → double promotion); nothing else converts. */
static int accepts(unsigned reader, unsigned writer) {
    unsigned need = writer;
    if ((reader & SEEN_NUMBER) && (need & SEEN_INTEGER))
        need &= ~(unsigned)SEEN_INTEGER;
    return (need & ~reader) == 0;
}

static void type_name(unsigned types, int null_too, char *out, size_t size) {
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {{SEEN_BOOLEAN, "boolean"}, {SEEN_INTEGER, "integer"}, {SEEN_NUMBER, "number"},
                 {SEEN_STRING, "string"}};
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (types & names[i].bit) {
            const int k = snprintf(out + n, size - n, "%s%s", n ? "|" : "", names[i].name);
            if (k > 0 && (size_t)k < size - n)
                n += (size_t)k;
        }
    if (null_too) {
        const int k = snprintf(out + n, size - n, "%snull", n ? "|" : "");
        (void)k;
    }
}

static void add(dd_avro_change_t *out, size_t max, size_t *count, const char *path,
                dd_avro_change_kind_t kind, const dd_json_observer_t *oo, const observed_t *of,
                const dd_json_observer_t *no, const observed_t *nf, int backward, int forward) {
    if (*count < max) {
        dd_avro_change_t *c = &out[*count];
        memset(c, 0, sizeof *c);
        snprintf(c->path, sizeof c->path, "%s", path);
        c->kind = kind;
        if (of)
            type_name(types_of(of), nullable(oo, of), c->old_type, sizeof c->old_type);
        if (nf)
            type_name(types_of(nf), nullable(no, nf), c->new_type, sizeof c->new_type);
        c->backward = backward;
        c->forward = forward;
    }
    (*count)++;
}

size_t dd_json_schema_diff(const dd_json_observer_t *old_obs, const dd_json_observer_t *new_obs,
                           dd_avro_change_t *out, size_t max, dd_avro_compat_t *compat) {
    size_t count = 0;
    int backward = 1, forward = 1;
    if (out == NULL)
        max = 0;
    for (size_t i = 0; i < old_obs->n_fields; i++) {
        const observed_t *of = &old_obs->fields[i];
        const observed_t *nf = lookup(new_obs, of->path);
        if (nf == NULL) { /* old readers need it to be optional */
            const int fw = nullable(old_obs, of);
            add(out, max, &count, of->path, DD_AVRO_FIELD_REMOVED, old_obs, of, new_obs, NULL, 1,
                fw);
            forward &= fw;
            continue;
        }
        const unsigned ot = types_of(of), nt = types_of(nf);
        const int on = nullable(old_obs, of), nn = nullable(new_obs, nf);
        if (ot != nt && ot != 0 && nt != 0) { /* a field only ever null has no type to change */
            const int bw = accepts(nt, ot) && (nn || !on);
            const int fw = accepts(ot, nt) && (on || !nn);
            add(out, max, &count, of->path, DD_AVRO_TYPE_CHANGED, old_obs, of, new_obs, nf, bw,
                fw);
            backward &= bw;
            forward &= fw;
        } else if (on != nn) {
            /* null newly seen: the new schema reads old data, the old cannot read a null */
            add(out, max, &count, of->path, DD_AVRO_NULLABILITY_CHANGED, old_obs, of, new_obs, nf,
                nn, on);
            backward &= nn;
            forward &= on;
        }
    }
    for (size_t i = 0; i < new_obs->n_fields; i++) {
        const observed_t *nf = &new_obs->fields[i];
        if (lookup(old_obs, nf->path) != NULL)
            continue;
        const int bw = nullable(new_obs, nf); /* new readers see it absent in old data */
        add(out, max, &count, nf->path, DD_AVRO_FIELD_ADDED, old_obs, NULL, new_obs, nf, bw, 1);
        backward &= bw;
    }
    if (compat)
        *compat = backward && forward ? DD_AVRO_COMPAT_FULL
                  : backward          ? DD_AVRO_COMPAT_BACKWARD
                  : forward           ? DD_AVRO_COMPAT_FORWARD
                                      : DD_AVRO_COMPAT_NONE;
    return count;
}
