/* avro_schema.c — Avro schema text (JSON) to a type graph the plan compiler walks.
 *
 * Our own walker over jansson's tree rather than avro-c's schema objects, because avro-c 1.11
 * drops logicalType and we need it (timestamps, dates, decimals become numbers). Named types are
 * registered before their fields are read, so recursive schemas work; a reference resolves by
 * full name with the enclosing namespace, as the specification says. The text comes from a
 * registry or a file, so it is bounded: its size, its JSON depth, and the number of nodes. */
#include "avro_int.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCHEMA_BYTES_MAX ((size_t)4 << 20)
#define SCHEMA_DEPTH_MAX 128
#define SCHEMA_NODES_MAX 100000

typedef struct parser {
    dd_avro_schema_t *schema;
    char *errstr;
    size_t errstr_size;
} parser_t;

__attribute__((format(printf, 2, 3))) static dd_codec_err_t fail(parser_t *ps, const char *fmt,
                                                                 ...) {
    if (ps->errstr != NULL && ps->errstr_size > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ps->errstr, ps->errstr_size, fmt, ap);
        va_end(ap);
    }
    return DD_CODEC_ERR_BAD_SCHEMA;
}

static avro_type_t *new_type(parser_t *ps, avro_kind_t kind) {
    dd_avro_schema_t *s = ps->schema;
    if (s->n_all >= SCHEMA_NODES_MAX)
        return NULL;
    if (s->n_all == s->cap_all) {
        const size_t cap = s->cap_all ? s->cap_all * 2 : 32;
        avro_type_t **all = realloc(s->all, cap * sizeof(*all));
        if (all == NULL)
            return NULL;
        s->all = all;
        s->cap_all = cap;
    }
    avro_type_t *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return NULL;
    t->kind = kind;
    s->all[s->n_all++] = t;
    return t;
}

static void free_type(avro_type_t *t) {
    for (size_t i = 0; t->fields != NULL && i < t->n; i++)
        free(t->fields[i].name);
    for (size_t i = 0; t->symbols != NULL && i < t->n; i++)
        free(t->symbols[i]);
    free(t->fields);
    free(t->symbols);
    free(t->branches);
    free(t->fullname);
    free(t);
}

void dd_avro_schema_destroy(dd_avro_schema_t *s) {
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n_all; i++)
        free_type(s->all[i]);
    free(s->all);
    free(s);
}

static int valid_name(const char *s) {
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
        return 0;
    for (s++; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '_'))
            return 0;
    return 1;
}

/* A namespace or full name: names separated by dots (empty = the null namespace). */
static int valid_dotted(const char *s) {
    if (*s == '\0')
        return 1;
    char buf[1024];
    if (strlen(s) >= sizeof buf)
        return 0;
    strcpy(buf, s);
    for (char *part = buf, *dot; part != NULL; part = dot ? dot + 1 : NULL) {
        dot = strchr(part, '.');
        if (dot)
            *dot = '\0';
        if (!valid_name(part))
            return 0;
    }
    return 1;
}

static const struct {
    const char *name;
    avro_kind_t kind;
} primitives[] = {
    {"null", AVRO_K_NULL},   {"boolean", AVRO_K_BOOLEAN}, {"int", AVRO_K_INT},
    {"long", AVRO_K_LONG},   {"float", AVRO_K_FLOAT},     {"double", AVRO_K_DOUBLE},
    {"bytes", AVRO_K_BYTES}, {"string", AVRO_K_STRING},
};

static int primitive_kind(const char *name, avro_kind_t *kind) {
    for (size_t i = 0; i < sizeof primitives / sizeof primitives[0]; i++)
        if (strcmp(name, primitives[i].name) == 0) {
            *kind = primitives[i].kind;
            return 1;
        }
    return 0;
}

/* "ns.name" from a name and the namespace in force; NULL when too long or out of memory. */
static char *full_name(const char *name, const char *ns) {
    if (strchr(name, '.') != NULL || ns == NULL || *ns == '\0')
        return strdup(name);
    const size_t n = strlen(ns) + 1 + strlen(name) + 1;
    char *out = malloc(n);
    if (out != NULL)
        snprintf(out, n, "%s.%s", ns, name);
    return out;
}

static avro_type_t *find_named(const dd_avro_schema_t *s, const char *fullname) {
    for (size_t i = 0; i < s->n_all; i++)
        if (s->all[i]->fullname != NULL && strcmp(s->all[i]->fullname, fullname) == 0)
            return s->all[i];
    return NULL;
}

static dd_codec_err_t parse_type(parser_t *ps, json_t *j, const char *ns, unsigned depth,
                                 avro_type_t **out);

static dd_codec_err_t parse_reference(parser_t *ps, const char *name, const char *ns,
                                      avro_type_t **out) {
    avro_kind_t kind;
    if (primitive_kind(name, &kind)) {
        if ((*out = new_type(ps, kind)) == NULL)
            return fail(ps, "schema too large or out of memory");
        return DD_CODEC_OK;
    }
    if (!valid_dotted(name))
        return fail(ps, "'%s' is not a valid type name", name);
    char *fn = full_name(name, ns);
    if (fn == NULL)
        return DD_CODEC_ERR_NO_MEMORY;
    avro_type_t *t = find_named(ps->schema, fn);
    if (t == NULL && strchr(name, '.') == NULL)
        t = find_named(ps->schema, name); /* a name in the null namespace */
    if (t == NULL) {
        dd_codec_err_t err = fail(ps, "unknown type '%s'", fn);
        free(fn);
        return err;
    }
    free(fn);
    *out = t;
    return DD_CODEC_OK;
}

/* Registers a named type: name (+ namespace) → fullname, and the namespace its fields use. */
static dd_codec_err_t name_type(parser_t *ps, json_t *j, avro_type_t *t, const char *ns,
                                char **inner_ns) {
    const char *name = json_string_value(json_object_get(j, "name"));
    if (name == NULL)
        return fail(ps, "a named type without a \"name\"");
    json_t *jns = json_object_get(j, "namespace");
    const char *own_ns = ns;
    if (jns != NULL && !json_is_null(jns)) {
        if ((own_ns = json_string_value(jns)) == NULL || !valid_dotted(own_ns))
            return fail(ps, "type '%s' has an invalid \"namespace\"", name);
    }
    if (!valid_dotted(name))
        return fail(ps, "'%s' is not a valid type name", name);
    avro_kind_t prim;
    if (primitive_kind(name, &prim))
        return fail(ps, "'%s' is a primitive type and cannot be redefined", name);
    char *fn = full_name(name, own_ns);
    if (fn == NULL)
        return DD_CODEC_ERR_NO_MEMORY;
    if (find_named(ps->schema, fn) != NULL) {
        dd_codec_err_t err = fail(ps, "type '%s' is defined twice", fn);
        free(fn);
        return err;
    }
    t->fullname = fn;
    const char *dot = strrchr(fn, '.');
    *inner_ns = dot ? strndup(fn, (size_t)(dot - fn)) : strdup("");
    return *inner_ns ? DD_CODEC_OK : DD_CODEC_ERR_NO_MEMORY;
}

static dd_codec_err_t parse_record(parser_t *ps, json_t *j, avro_type_t *t, const char *ns,
                                   unsigned depth) {
    char *inner = NULL;
    dd_codec_err_t err = name_type(ps, j, t, ns, &inner);
    if (err != DD_CODEC_OK)
        return err;
    json_t *fields = json_object_get(j, "fields");
    if (!json_is_array(fields)) {
        free(inner);
        return fail(ps, "record '%s' has no \"fields\" array", t->fullname);
    }
    const size_t n = json_array_size(fields);
    t->fields = calloc(n ? n : 1, sizeof(*t->fields));
    if (t->fields == NULL) {
        free(inner);
        return DD_CODEC_ERR_NO_MEMORY;
    }
    for (size_t i = 0; i < n && err == DD_CODEC_OK; i++) {
        json_t *f = json_array_get(fields, i);
        const char *fname = json_string_value(json_object_get(f, "name"));
        if (fname == NULL || !valid_name(fname)) {
            err = fail(ps, "field %zu of record '%s' has no valid \"name\"", i, t->fullname);
            break;
        }
        for (size_t k = 0; k < t->n; k++)
            if (strcmp(t->fields[k].name, fname) == 0)
                err = fail(ps, "record '%s' has two fields named '%s'", t->fullname, fname);
        if (err != DD_CODEC_OK)
            break;
        json_t *ftype = json_object_get(f, "type");
        if (ftype == NULL) {
            err = fail(ps, "field '%s' of record '%s' has no \"type\"", fname, t->fullname);
            break;
        }
        t->fields[t->n].has_default = json_object_get(f, "default") != NULL;
        if ((t->fields[t->n].name = strdup(fname)) == NULL) {
            err = DD_CODEC_ERR_NO_MEMORY;
            break;
        }
        t->n++;
        err = parse_type(ps, ftype, inner, depth + 1, &t->fields[t->n - 1].type);
    }
    free(inner);
    return err;
}

static dd_codec_err_t parse_enum(parser_t *ps, json_t *j, avro_type_t *t, const char *ns) {
    char *inner = NULL;
    dd_codec_err_t err = name_type(ps, j, t, ns, &inner);
    free(inner);
    if (err != DD_CODEC_OK)
        return err;
    t->has_default = json_is_string(json_object_get(j, "default"));
    json_t *symbols = json_object_get(j, "symbols");
    if (!json_is_array(symbols) || json_array_size(symbols) == 0)
        return fail(ps, "enum '%s' has no \"symbols\"", t->fullname);
    const size_t n = json_array_size(symbols);
    if ((t->symbols = calloc(n, sizeof(char *))) == NULL)
        return DD_CODEC_ERR_NO_MEMORY;
    for (size_t i = 0; i < n; i++) {
        const char *sym = json_string_value(json_array_get(symbols, i));
        if (sym == NULL || !valid_name(sym))
            return fail(ps, "enum '%s' symbol %zu is not a valid name", t->fullname, i);
        for (size_t k = 0; k < t->n; k++)
            if (strcmp(t->symbols[k], sym) == 0)
                return fail(ps, "enum '%s' has the symbol '%s' twice", t->fullname, sym);
        if ((t->symbols[t->n] = strdup(sym)) == NULL)
            return DD_CODEC_ERR_NO_MEMORY;
        t->n++;
    }
    return DD_CODEC_OK;
}

static dd_codec_err_t parse_union(parser_t *ps, json_t *j, const char *ns, unsigned depth,
                                  avro_type_t **out) {
    const size_t n = json_array_size(j);
    if (n == 0)
        return fail(ps, "an empty union");
    avro_type_t *t = new_type(ps, AVRO_K_UNION);
    if (t == NULL)
        return fail(ps, "schema too large or out of memory");
    if ((t->branches = calloc(n, sizeof(*t->branches))) == NULL)
        return DD_CODEC_ERR_NO_MEMORY;
    for (size_t i = 0; i < n; i++) {
        avro_type_t *b;
        dd_codec_err_t err = parse_type(ps, json_array_get(j, i), ns, depth + 1, &b);
        if (err != DD_CODEC_OK)
            return err;
        if (b->kind == AVRO_K_UNION)
            return fail(ps, "a union directly inside a union");
        for (size_t k = 0; k < t->n; k++) {
            const avro_type_t *o = t->branches[k];
            const int named = b->fullname != NULL && o->fullname != NULL;
            if (o->kind == b->kind && (!named || strcmp(o->fullname, b->fullname) == 0))
                return fail(ps, "a union with two branches of type %s",
                            b->fullname ? b->fullname : "the same primitive or container");
        }
        t->branches[t->n++] = b;
    }
    *out = t;
    return DD_CODEC_OK;
}

static void set_logical(avro_type_t *t, json_t *j) {
    const char *lt = json_string_value(json_object_get(j, "logicalType"));
    if (lt == NULL)
        return;
    /* A logical type that does not fit its underlying type is ignored, as the spec says. */
    if (t->kind == AVRO_K_INT && strcmp(lt, "date") == 0)
        t->logical = AVRO_L_DATE;
    else if (t->kind == AVRO_K_LONG &&
             (strcmp(lt, "timestamp-millis") == 0 || strcmp(lt, "local-timestamp-millis") == 0))
        t->logical = AVRO_L_TIMESTAMP_MILLIS;
    else if (t->kind == AVRO_K_LONG &&
             (strcmp(lt, "timestamp-micros") == 0 || strcmp(lt, "local-timestamp-micros") == 0))
        t->logical = AVRO_L_TIMESTAMP_MICROS;
    else if ((t->kind == AVRO_K_BYTES || t->kind == AVRO_K_FIXED) && strcmp(lt, "decimal") == 0) {
        json_t *p = json_object_get(j, "precision"), *s = json_object_get(j, "scale");
        const json_int_t precision = json_is_integer(p) ? json_integer_value(p) : 0;
        const json_int_t scale = s == NULL ? 0 : json_is_integer(s) ? json_integer_value(s) : -1;
        if (precision > 0 && scale >= 0 && scale <= precision && scale <= 400) {
            t->logical = AVRO_L_DECIMAL;
            t->decimal_scale = (int)scale;
        }
    }
}

static dd_codec_err_t parse_type(parser_t *ps, json_t *j, const char *ns, unsigned depth,
                                 avro_type_t **out) {
    if (depth > SCHEMA_DEPTH_MAX)
        return fail(ps, "schema nested deeper than %d", SCHEMA_DEPTH_MAX);
    if (json_is_string(j))
        return parse_reference(ps, json_string_value(j), ns, out);
    if (json_is_array(j))
        return parse_union(ps, j, ns, depth, out);
    if (!json_is_object(j))
        return fail(ps, "a type must be a name, an object or an array (union)");
    json_t *jt = json_object_get(j, "type");
    if (json_is_object(jt) || json_is_array(jt))
        return parse_type(ps, jt, ns, depth + 1, out);
    const char *type = json_string_value(jt);
    if (type == NULL)
        return fail(ps, "a schema object without a \"type\"");
    avro_kind_t kind;
    avro_type_t *t;
    if (primitive_kind(type, &kind)) {
        if ((t = new_type(ps, kind)) == NULL)
            return fail(ps, "schema too large or out of memory");
        set_logical(t, j);
        *out = t;
        return DD_CODEC_OK;
    }
    dd_codec_err_t err = DD_CODEC_OK;
    if (strcmp(type, "record") == 0 || strcmp(type, "error") == 0) {
        if ((t = new_type(ps, AVRO_K_RECORD)) == NULL)
            return fail(ps, "schema too large or out of memory");
        err = parse_record(ps, j, t, ns, depth);
    } else if (strcmp(type, "enum") == 0) {
        if ((t = new_type(ps, AVRO_K_ENUM)) == NULL)
            return fail(ps, "schema too large or out of memory");
        err = parse_enum(ps, j, t, ns);
    } else if (strcmp(type, "array") == 0 || strcmp(type, "map") == 0) {
        const int is_array = type[0] == 'a';
        if ((t = new_type(ps, is_array ? AVRO_K_ARRAY : AVRO_K_MAP)) == NULL)
            return fail(ps, "schema too large or out of memory");
        json_t *inner = json_object_get(j, is_array ? "items" : "values");
        if (inner == NULL)
            return fail(ps, "%s without \"%s\"", type, is_array ? "items" : "values");
        err = parse_type(ps, inner, ns, depth + 1, &t->items);
    } else if (strcmp(type, "fixed") == 0) {
        if ((t = new_type(ps, AVRO_K_FIXED)) == NULL)
            return fail(ps, "schema too large or out of memory");
        char *inner = NULL;
        err = name_type(ps, j, t, ns, &inner);
        free(inner);
        json_t *size = json_object_get(j, "size");
        if (err == DD_CODEC_OK && (!json_is_integer(size) || json_integer_value(size) < 0 ||
                                   json_integer_value(size) > (1 << 20)))
            return fail(ps, "fixed '%s' needs a \"size\" from 0 to 1048576", t->fullname);
        if (err == DD_CODEC_OK) {
            t->fixed_size = (int64_t)json_integer_value(size);
            set_logical(t, j);
        }
    } else {
        return parse_reference(ps, type, ns, out);
    }
    if (err == DD_CODEC_OK)
        *out = t;
    return err;
}

dd_codec_err_t dd_avro_schema_parse(const char *text, size_t len, dd_avro_schema_t **out,
                                    char *errstr, size_t errstr_size) {
    if (out == NULL || text == NULL)
        return DD_CODEC_ERR_INVALID_ARGUMENT;
    *out = NULL;
    parser_t ps = {NULL, errstr, errstr_size};
    if (len > SCHEMA_BYTES_MAX)
        return fail(&ps, "schema text of %zu bytes (limit %zu)", len, SCHEMA_BYTES_MAX);
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL)
        return fail(&ps, "schema is not JSON: %s at line %d, column %d", jerr.text, jerr.line,
                    jerr.column);
    if ((ps.schema = calloc(1, sizeof(*ps.schema))) == NULL) {
        json_decref(root);
        return DD_CODEC_ERR_NO_MEMORY;
    }
    dd_codec_err_t err = parse_type(&ps, root, "", 0, &ps.schema->root);
    json_decref(root);
    if (err != DD_CODEC_OK) {
        dd_avro_schema_destroy(ps.schema);
        return err;
    }
    *out = ps.schema;
    return DD_CODEC_OK;
}

/* ---- leaves -------------------------------------------------------------------------------- */

typedef struct leaf_walk {
    dd_avro_leaf_t *out;
    size_t max, count;
    const avro_type_t *stack[SCHEMA_DEPTH_MAX + 1]; /* records being entered */
    size_t depth;
} leaf_walk_t;

static int is_numeric_leaf(const avro_type_t *t) {
    switch (t->kind) {
    case AVRO_K_INT:
    case AVRO_K_LONG:
    case AVRO_K_FLOAT:
    case AVRO_K_DOUBLE:
        return 1;
    case AVRO_K_BYTES:
    case AVRO_K_FIXED:
        return t->logical == AVRO_L_DECIMAL;
    default:
        return 0;
    }
}

static void emit_leaf(leaf_walk_t *lw, const char *path, dd_column_kind_t kind) {
    for (size_t i = 0; i < lw->count && i < lw->max; i++)
        if (strcmp(lw->out[i].path, path) == 0) {
            if (kind == DD_COLUMN_CATEGORICAL) /* a union of a number and a string */
                lw->out[i].kind = DD_COLUMN_CATEGORICAL;
            return;
        }
    if (lw->count < lw->max) {
        snprintf(lw->out[lw->count].path, DD_AVRO_PATH_MAX, "%s", path);
        lw->out[lw->count].kind = kind;
    }
    lw->count++;
}

static void walk_leaves(leaf_walk_t *lw, const avro_type_t *t, const char *path) {
    switch (t->kind) {
    case AVRO_K_NULL:
    case AVRO_K_ARRAY:
    case AVRO_K_MAP:
        return;
    case AVRO_K_UNION:
        for (size_t i = 0; i < t->n; i++)
            walk_leaves(lw, t->branches[i], path);
        return;
    case AVRO_K_RECORD: {
        if (lw->depth >= SCHEMA_DEPTH_MAX)
            return;
        for (size_t i = 0; i < lw->depth; i++)
            if (lw->stack[i] == t)
                return;
        lw->stack[lw->depth++] = t;
        for (size_t i = 0; i < t->n; i++) {
            char sub[DD_AVRO_PATH_MAX];
            const int n = snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "",
                                   t->fields[i].name);
            if (n > 0 && (size_t)n < sizeof sub)
                walk_leaves(lw, t->fields[i].type, sub);
        }
        lw->depth--;
        return;
    }
    default:
        emit_leaf(lw, path, is_numeric_leaf(t) ? DD_COLUMN_NUMERIC : DD_COLUMN_CATEGORICAL);
    }
}

size_t dd_avro_schema_leaves(const dd_avro_schema_t *s, dd_avro_leaf_t *out, size_t max) {
    if (s == NULL || s->root == NULL)
        return 0;
    leaf_walk_t *lw = calloc(1, sizeof(*lw));
    if (lw == NULL)
        return 0;
    lw->out = out;
    lw->max = out ? max : 0;
    walk_leaves(lw, s->root, "");
    const size_t count = lw->count;
    free(lw);
    return count;
}

/* Follows a dotted path through records (and the non-null branches of unions on the way). */
static const avro_type_t *type_at_path(const avro_type_t *t, const char *path, unsigned depth) {
    while (t != NULL && t->kind == AVRO_K_UNION && depth < 64) {
        const avro_type_t *pick = NULL;
        for (size_t i = 0; i < t->n; i++)
            if (t->branches[i]->kind != AVRO_K_NULL) {
                pick = t->branches[i];
                break;
            }
        t = pick;
        depth++;
    }
    if (t == NULL || *path == '\0' || depth >= 64)
        return t;
    if (t->kind != AVRO_K_RECORD)
        return NULL;
    const char *dot = strchr(path, '.');
    const size_t n = dot != NULL ? (size_t)(dot - path) : strlen(path);
    for (size_t i = 0; i < t->n; i++)
        if (strlen(t->fields[i].name) == n && memcmp(t->fields[i].name, path, n) == 0)
            return type_at_path(t->fields[i].type, dot != NULL ? dot + 1 : "", depth + 1);
    return NULL;
}

const char *dd_avro_schema_path_logical(const dd_avro_schema_t *s, const char *path) {
    if (s == NULL || path == NULL)
        return NULL;
    const avro_type_t *t = type_at_path(s->root, path, 0);
    if (t == NULL)
        return NULL;
    switch (t->logical) {
    case AVRO_L_DATE:
        return "date";
    case AVRO_L_TIMESTAMP_MILLIS:
        return "timestamp-millis";
    case AVRO_L_TIMESTAMP_MICROS:
        return "timestamp-micros";
    case AVRO_L_DECIMAL:
        return "decimal";
    case AVRO_L_NONE:
        break;
    }
    return NULL;
}
