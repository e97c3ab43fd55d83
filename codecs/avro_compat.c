/* avro_compat.c — what changed between two writer schemas of one stream, and whether the change
 * is backward, forward or fully compatible, by the Avro specification's schema resolution rules.
 *
 * can_read(reader, writer) is the resolution check itself: matching kinds or a permitted
 * promotion (int → long, float, double; long → float, double; float → double; string ↔ bytes),
 * records matched by field name with reader-only fields needing a default, enums whose writer
 * symbols the reader knows (or a reader default), fixed of one size, unions branch by branch.
 * Backward = the new schema reads data written with the old; forward = the old reads the new. */
#include "avro_int.h"

#include <stdio.h>
#include <string.h>

#define COMPAT_DEPTH_MAX 64

/* The unqualified part of a full name. */
static const char *short_name(const char *fullname) {
    const char *dot = strrchr(fullname, '.');
    return dot ? dot + 1 : fullname;
}

static int names_match(const avro_type_t *r, const avro_type_t *w) {
    return r->fullname && w->fullname &&
           (strcmp(r->fullname, w->fullname) == 0 ||
            strcmp(short_name(r->fullname), short_name(w->fullname)) == 0);
}

/* Pairs already being checked, so recursive schemas terminate (assumed readable: any
 * incompatibility shows up at a finite depth on another path). */
typedef struct visit {
    const avro_type_t *r, *w;
} visit_t;

static int can_read(const avro_type_t *r, const avro_type_t *w, visit_t *stack, size_t depth);

static int promotable(avro_kind_t r, avro_kind_t w) {
    if (r == w)
        return 1;
    switch (w) {
    case AVRO_K_INT:
        return r == AVRO_K_LONG || r == AVRO_K_FLOAT || r == AVRO_K_DOUBLE;
    case AVRO_K_LONG:
        return r == AVRO_K_FLOAT || r == AVRO_K_DOUBLE;
    case AVRO_K_FLOAT:
        return r == AVRO_K_DOUBLE;
    case AVRO_K_STRING:
        return r == AVRO_K_BYTES;
    case AVRO_K_BYTES:
        return r == AVRO_K_STRING;
    default:
        return 0;
    }
}

static int can_read_inner(const avro_type_t *r, const avro_type_t *w, visit_t *stack,
                          size_t depth) {
    if (w->kind == AVRO_K_UNION) { /* every branch the writer may have used must resolve */
        for (size_t i = 0; i < w->n; i++)
            if (!can_read(r, w->branches[i], stack, depth + 1))
                return 0;
        return 1;
    }
    if (r->kind == AVRO_K_UNION) { /* the first reader branch that matches */
        for (size_t i = 0; i < r->n; i++)
            if (can_read(r->branches[i], w, stack, depth + 1))
                return 1;
        return 0;
    }
    switch (w->kind) {
    case AVRO_K_RECORD:
        if (r->kind != AVRO_K_RECORD || !names_match(r, w))
            return 0;
        for (size_t i = 0; i < r->n; i++) {
            const avro_field_t *rf = &r->fields[i];
            const avro_field_t *wf = NULL;
            for (size_t k = 0; k < w->n && wf == NULL; k++)
                if (strcmp(w->fields[k].name, rf->name) == 0)
                    wf = &w->fields[k];
            if (wf == NULL ? !rf->has_default : !can_read(rf->type, wf->type, stack, depth + 1))
                return 0;
        }
        return 1;
    case AVRO_K_ENUM:
        if (r->kind != AVRO_K_ENUM || !names_match(r, w))
            return 0;
        if (r->has_default)
            return 1;
        for (size_t i = 0; i < w->n; i++) {
            size_t k = 0;
            while (k < r->n && strcmp(r->symbols[k], w->symbols[i]) != 0)
                k++;
            if (k == r->n)
                return 0;
        }
        return 1;
    case AVRO_K_FIXED:
        return r->kind == AVRO_K_FIXED && names_match(r, w) && r->fixed_size == w->fixed_size;
    case AVRO_K_ARRAY:
    case AVRO_K_MAP:
        return r->kind == w->kind && can_read(r->items, w->items, stack, depth + 1);
    default:
        return promotable(r->kind, w->kind);
    }
}

static int can_read(const avro_type_t *r, const avro_type_t *w, visit_t *stack, size_t depth) {
    if (depth >= COMPAT_DEPTH_MAX)
        return 1; /* only recursive schemas get here: see visit_t */
    for (size_t i = 0; i < depth; i++)
        if (stack[i].r == r && stack[i].w == w)
            return 1;
    stack[depth] = (visit_t){r, w};
    return can_read_inner(r, w, stack, depth);
}

static int reads(const avro_type_t *r, const avro_type_t *w) {
    visit_t stack[COMPAT_DEPTH_MAX + 1];
    return can_read(r, w, stack, 0);
}

/* ---- field-level changes -------------------------------------------------------------------- */

typedef struct differ {
    dd_avro_change_t *out;
    size_t max, count;
    const avro_type_t *seen_old[COMPAT_DEPTH_MAX];
    size_t depth;
} differ_t;

static const char *kind_name(const avro_type_t *t) {
    static const char *const names[] = {
        [AVRO_K_NULL] = "null",     [AVRO_K_BOOLEAN] = "boolean", [AVRO_K_INT] = "int",
        [AVRO_K_LONG] = "long",     [AVRO_K_FLOAT] = "float",     [AVRO_K_DOUBLE] = "double",
        [AVRO_K_BYTES] = "bytes",   [AVRO_K_STRING] = "string",   [AVRO_K_RECORD] = "record",
        [AVRO_K_ENUM] = "enum",     [AVRO_K_ARRAY] = "array",     [AVRO_K_MAP] = "map",
        [AVRO_K_UNION] = "union",   [AVRO_K_FIXED] = "fixed",
    };
    return t->fullname ? t->fullname : names[t->kind];
}

/* A type without its null branch: ["null", T] → T; nullable says whether there was one. */
static const avro_type_t *strip_null(const avro_type_t *t, int *nullable) {
    *nullable = 0;
    if (t->kind != AVRO_K_UNION)
        return t;
    const avro_type_t *other = NULL;
    size_t others = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (t->branches[i]->kind == AVRO_K_NULL)
            *nullable = 1;
        else {
            other = t->branches[i];
            others++;
        }
    }
    return others == 1 ? other : t;
}

static void add_change(differ_t *d, const char *path, dd_avro_change_kind_t kind,
                       const avro_type_t *old_t, const avro_type_t *new_t,
                       const avro_type_t *old_full, const avro_type_t *new_full) {
    if (d->count < d->max) {
        dd_avro_change_t *c = &d->out[d->count];
        memset(c, 0, sizeof *c);
        snprintf(c->path, sizeof c->path, "%s", path);
        c->kind = kind;
        if (old_t)
            snprintf(c->old_type, sizeof c->old_type, "%s", kind_name(old_t));
        if (new_t)
            snprintf(c->new_type, sizeof c->new_type, "%s", kind_name(new_t));
        /* Per field: does the new type read the old one's data, and the old the new's? A field
         * only on one side is judged by its default, as resolution does. */
        c->backward = old_full && new_full ? reads(new_full, old_full) : 1;
        c->forward = old_full && new_full ? reads(old_full, new_full) : 1;
    }
    d->count++;
}

static void diff_types(differ_t *d, const char *path, const avro_type_t *o, const avro_type_t *n);

static void diff_records(differ_t *d, const char *path, const avro_type_t *o,
                         const avro_type_t *n) {
    for (size_t i = 0; i < d->depth; i++)
        if (d->seen_old[i] == o)
            return; /* recursion: already being compared */
    if (d->depth >= COMPAT_DEPTH_MAX)
        return;
    d->seen_old[d->depth++] = o;
    char sub[DD_AVRO_PATH_MAX];
    for (size_t i = 0; i < o->n; i++) {
        snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", o->fields[i].name);
        const avro_field_t *nf = NULL;
        for (size_t k = 0; k < n->n && nf == NULL; k++)
            if (strcmp(n->fields[k].name, o->fields[i].name) == 0)
                nf = &n->fields[k];
        if (nf == NULL) {
            add_change(d, sub, DD_AVRO_FIELD_REMOVED, o->fields[i].type, NULL, NULL, NULL);
            dd_avro_change_t *c = d->count <= d->max ? &d->out[d->count - 1] : NULL;
            if (c) { /* old readers need a default for it to read new data */
                c->forward = o->fields[i].has_default;
                c->backward = 1;
            }
        } else {
            diff_types(d, sub, o->fields[i].type, nf->type);
        }
    }
    for (size_t k = 0; k < n->n; k++) {
        size_t i = 0;
        while (i < o->n && strcmp(o->fields[i].name, n->fields[k].name) != 0)
            i++;
        if (i < o->n)
            continue;
        snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", n->fields[k].name);
        add_change(d, sub, DD_AVRO_FIELD_ADDED, NULL, n->fields[k].type, NULL, NULL);
        dd_avro_change_t *c = d->count <= d->max ? &d->out[d->count - 1] : NULL;
        if (c) { /* new readers need a default to read old data */
            c->backward = n->fields[k].has_default;
            c->forward = 1;
        }
    }
    d->depth--;
}

static void diff_types(differ_t *d, const char *path, const avro_type_t *o, const avro_type_t *n) {
    int o_null, n_null;
    const avro_type_t *os = strip_null(o, &o_null), *ns = strip_null(n, &n_null);
    if (os->kind == AVRO_K_RECORD && ns->kind == AVRO_K_RECORD) {
        if (o_null != n_null)
            add_change(d, path, DD_AVRO_NULLABILITY_CHANGED, os, ns, o, n);
        diff_records(d, path, os, ns);
        return;
    }
    const int same_type = os->kind == ns->kind &&
                          (os->fullname == NULL || ns->fullname == NULL ||
                           strcmp(os->fullname, ns->fullname) == 0) &&
                          (os->kind != AVRO_K_FIXED || os->fixed_size == ns->fixed_size) &&
                          os->logical == ns->logical;
    int symbols_differ = 0;
    if (same_type && os->kind == AVRO_K_ENUM) {
        symbols_differ = os->n != ns->n;
        for (size_t i = 0; i < os->n && !symbols_differ; i++)
            symbols_differ = strcmp(os->symbols[i], ns->symbols[i]) != 0;
    }
    if (!same_type || symbols_differ || (os->kind == AVRO_K_UNION && !(reads(o, n) && reads(n, o))))
        add_change(d, path, DD_AVRO_TYPE_CHANGED, os, ns, o, n);
    else if (o_null != n_null)
        add_change(d, path, DD_AVRO_NULLABILITY_CHANGED, os, ns, o, n);
}

size_t dd_avro_schema_diff(const dd_avro_schema_t *old_schema, const dd_avro_schema_t *new_schema,
                           dd_avro_change_t *out, size_t max, dd_avro_compat_t *compat) {
    if (compat) {
        const int backward = reads(new_schema->root, old_schema->root);
        const int forward = reads(old_schema->root, new_schema->root);
        *compat = backward && forward ? DD_AVRO_COMPAT_FULL
                  : backward          ? DD_AVRO_COMPAT_BACKWARD
                  : forward           ? DD_AVRO_COMPAT_FORWARD
                                      : DD_AVRO_COMPAT_NONE;
    }
    differ_t d = {out, out ? max : 0, 0, {0}, 0};
    diff_types(&d, "", old_schema->root, new_schema->root);
    return d.count;
}

const char *dd_avro_compat_name(dd_avro_compat_t c) {
    switch (c) {
    case DD_AVRO_COMPAT_FULL:
        return "full";
    case DD_AVRO_COMPAT_BACKWARD:
        return "backward";
    case DD_AVRO_COMPAT_FORWARD:
        return "forward";
    case DD_AVRO_COMPAT_NONE:
        return "none";
    }
    return "none";
}

const char *dd_avro_change_name(dd_avro_change_kind_t k) {
    switch (k) {
    case DD_AVRO_FIELD_ADDED:
        return "field_added";
    case DD_AVRO_FIELD_REMOVED:
        return "field_removed";
    case DD_AVRO_TYPE_CHANGED:
        return "type_changed";
    case DD_AVRO_NULLABILITY_CHANGED:
        return "nullability_changed";
    }
    return "unknown";
}
