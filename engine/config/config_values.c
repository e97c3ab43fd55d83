/* config_values.c — what the YAML scalars mean, read strictly and the same way everywhere:
 * strings (after substitution), paths, topics, field paths, integers, numbers, durations,
 * timestamps, enums; mappings and sequences; and cfg_read_table, which reads a mapping through a
 * descriptor table so that every section of scalars follows one set of rules. Values are copied
 * into the arena the configuration owns. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"

/* ---- Arena: where the loaded configuration lives -------------------------------------------- */

typedef union cfg_align {
    long double ld;
    void *p;
    long long ll;
} cfg_align_t;

typedef struct cfg_block {
    struct cfg_block *next;
    size_t used, cap; /* in cfg_align_t units */
    cfg_align_t data[];
} cfg_block_t;

struct cfg_arena {
    cfg_block_t *head;
};

enum { ARENA_BLOCK_UNITS = 4096 };

cfg_arena_t *cfg_arena_new(void) {
    return calloc(1, sizeof(cfg_arena_t));
}

void *cfg_arena_alloc(cfg_arena_t *a, size_t size) {
    const size_t units = (size + sizeof(cfg_align_t) - 1) / sizeof(cfg_align_t);
    if (size > ((size_t)1 << 40))
        return NULL;
    cfg_block_t *b = a->head;
    if (b == NULL || b->cap - b->used < units) {
        const size_t cap = units > ARENA_BLOCK_UNITS ? units : ARENA_BLOCK_UNITS;
        b = calloc(1, sizeof(cfg_block_t) + cap * sizeof(cfg_align_t));
        if (b == NULL)
            return NULL;
        b->cap = cap;
        if (units > ARENA_BLOCK_UNITS && a->head != NULL) {
            /* A large allocation gets its own block behind the current one, which stays open. */
            b->next = a->head->next;
            a->head->next = b;
        } else {
            b->next = a->head;
            a->head = b;
        }
    }
    void *p = &b->data[b->used];
    b->used += units;
    return p;
}

char *cfg_arena_strndup(cfg_arena_t *a, const char *s, size_t len) {
    char *p = cfg_arena_alloc(a, len + 1);
    if (p != NULL) {
        memcpy(p, s, len);
        p[len] = '\0';
    }
    return p;
}

void cfg_arena_free(cfg_arena_t *a) {
    if (a == NULL)
        return;
    cfg_block_t *b = a->head;
    while (b != NULL) {
        cfg_block_t *next = b->next;
        free(b);
        b = next;
    }
    free(a);
}

/* ---- Strings -------------------------------------------------------------------------------- */

int cfg_get_string(cfg_ctx_t *c, const cfg_node_t *n, unsigned flags, size_t max_len,
                   const char **out) {
    *out = NULL;
    if (n->type != CFG_SCALAR || (cfg_is_null(n) && !(flags & CFG_STR_NULLABLE)))
        return cfg_expected(c, n, "a string");
    if (cfg_is_null(n))
        return 0;
    char *text = NULL;
    size_t len = n->len;
    int substituted = 0;
    if (flags & CFG_STR_SUBST) {
        if (cfg_substitute(c, n, &text, &len, &substituted) != 0)
            return -1;
    } else if (strstr(n->text, "${ENV:") != NULL || strstr(n->text, "${FILE:") != NULL) {
        return cfg_fail(c, n,
                        "${ENV:...} and ${FILE:...} are not allowed here; expected "
                        "the value itself (substitution works in kafka and schema_registry "
                        "values, topics, paths and addresses)");
    }
    const char *value = text != NULL ? text : n->text;
    int rc = 0;
    if (len == 0 && !(flags & CFG_STR_EMPTY_OK)) {
        rc = substituted ? cfg_fail(c, n,
                                    "the substituted value is empty; expected a non-empty "
                                    "string")
                         : cfg_fail(c, n, "expected a non-empty string, got an empty string");
    } else if (len > max_len) {
        rc = cfg_fail(c, n, "%s is %zu bytes long; at most %zu are allowed",
                      substituted ? "the substituted value" : "the value", len, max_len);
    }
    char *resolved = NULL;
    if (rc == 0 && (flags & CFG_STR_PATH) && len > 0) {
        value = resolved = cfg_resolve_path(c, value, len);
        if (resolved == NULL)
            rc = cfg_fail(c, n, "out of memory");
        else if (strlen(resolved) > DD_CONFIG_PATH_BYTES_MAX)
            rc = cfg_fail(c, n,
                          "the path is longer than %u bytes after joining it to the "
                          "config file's directory",
                          DD_CONFIG_PATH_BYTES_MAX);
    }
    if (rc == 0) {
        *out = cfg_arena_strndup(c->arena, value, strlen(value));
        if (*out == NULL || (substituted && cfg_mark_substituted(c, *out) != 0))
            rc = cfg_fail(c, n, "out of memory");
    }
    free(resolved);
    free(text);
    if (rc != 0)
        *out = NULL;
    return rc;
}

int cfg_get_topic(cfg_ctx_t *c, const cfg_node_t *n, int allow_regex, const char **out) {
    const char *t;
    if (cfg_get_string(c, n, CFG_STR_SUBST, allow_regex ? 1024 : DD_CONFIG_SCALAR_BYTES_MAX, &t) !=
        0)
        return -1;
    const size_t len = strlen(t);
    if (allow_regex && t[0] == '^') {
        *out = t;
        return 0;
    }
    int ok = len <= DD_CONFIG_TOPIC_BYTES_MAX && strcmp(t, ".") != 0 && strcmp(t, "..") != 0;
    for (size_t i = 0; ok && i < len; i++)
        ok = isalnum((unsigned char)t[i]) || t[i] == '.' || t[i] == '_' || t[i] == '-';
    if (!ok) {
        char shown[128];
        cfg_shown(c, t, shown, sizeof(shown));
        return cfg_fail(c, n,
                        "%s is not a Kafka topic name; expected 1 to 249 of A-Z a-z 0-9 . _ "
                        "-%s",
                        shown, allow_regex ? " (or a ^regex subscription)" : "");
    }
    *out = t;
    return 0;
}

int cfg_get_field_path(cfg_ctx_t *c, const cfg_node_t *n, const char **out) {
    if (cfg_get_string(c, n, 0, DD_CONFIG_FIELD_PATH_BYTES_MAX, out) != 0)
        return -1;
    for (const char *p = *out; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7F)
            return cfg_fail(c, n,
                            "a field path with a control character; expected a dotted path "
                            "such as user.age");
    return 0;
}

/* ---- Scalars -------------------------------------------------------------------------------- */

int cfg_get_u64(cfg_ctx_t *c, const cfg_node_t *n, uint64_t min, uint64_t max, uint64_t *out) {
    char what[96];
    snprintf(what, sizeof(what), "an integer from %llu to %llu", (unsigned long long)min,
             (unsigned long long)max);
    if (n->type != CFG_SCALAR || n->len == 0 || n->len > 20 || cfg_is_null(n))
        return cfg_expected(c, n, what);
    for (size_t i = 0; i < n->len; i++)
        if (n->text[i] < '0' || n->text[i] > '9')
            return cfg_expected(c, n, what);
    if (n->len > 1 && n->text[0] == '0')
        return cfg_expected(c, n, what);
    errno = 0;
    const unsigned long long v = strtoull(n->text, NULL, 10);
    if (errno != 0 || v < min || v > max)
        return cfg_expected(c, n, what);
    *out = (uint64_t)v;
    return 0;
}

/* Decimal notation only: -?digits[.digits][e±digits], at least one mantissa digit. No inf, nan,
 * hex floats or YAML's .inf. */
static int number_syntax(const char *s, size_t len) {
    size_t i = 0, digits = 0;
    if (i < len && (s[i] == '-' || s[i] == '+'))
        i++;
    while (i < len && s[i] >= '0' && s[i] <= '9') {
        i++;
        digits++;
    }
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            i++;
            digits++;
        }
    }
    if (digits == 0)
        return 0;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '-' || s[i] == '+'))
            i++;
        size_t exp_digits = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            i++;
            exp_digits++;
        }
        if (exp_digits == 0)
            return 0;
    }
    return i == len && len <= 64;
}

int cfg_get_double(cfg_ctx_t *c, const cfg_node_t *n, double *out) {
    if (n->type != CFG_SCALAR || !number_syntax(n->text, n->len))
        return cfg_expected(c, n, "a number such as 0.05 or 1e-3");
    errno = 0;
    const double v = strtod(n->text, NULL);
    if (!isfinite(v))
        return cfg_expected(c, n, "a finite number");
    *out = v;
    return 0;
}

/* ---- Durations ------------------------------------------------------------------------------ */

static const struct {
    const char *name;
    int64_t ms;
} duration_units[] = {{"d", 86400000}, {"h", 3600000}, {"m", 60000}, {"s", 1000}, {"ms", 1}};
enum { DURATION_UNITS = 5 };

static const struct {
    const char *name;
    int64_t bytes;
} size_units[] = {{"PiB", (int64_t)1 << 50},       {"TiB", (int64_t)1 << 40},
                  {"GiB", (int64_t)1 << 30},       {"MiB", (int64_t)1 << 20},
                  {"KiB", (int64_t)1 << 10},       {"PB", 1000000000000000},
                  {"TB", 1000000000000},           {"GB", 1000000000},
                  {"MB", 1000000},                 {"KB", 1000},
                  {"B", 1}};

int cfg_parse_size(const char *s, size_t len, int64_t *out_bytes) {
    int64_t v = 0;
    size_t i = 0, digits = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9') {
        if (++digits > 16)
            return -1;
        v = v * 10 + (s[i] - '0');
        i++;
    }
    if (digits == 0)
        return -1;
    int64_t unit = 1;
    if (i < len) {
        unit = 0;
        for (size_t u = 0; u < sizeof size_units / sizeof size_units[0]; u++)
            if (len - i == strlen(size_units[u].name) &&
                memcmp(s + i, size_units[u].name, len - i) == 0)
                unit = size_units[u].bytes;
        if (unit == 0)
            return -1;
    }
    if (v > INT64_MAX / unit)
        return -1;
    *out_bytes = v * unit;
    return 0;
}

void cfg_format_size(int64_t bytes, char *buf, size_t size) {
    for (size_t u = 0; u < 5; u++) /* the binary units */
        if (bytes > 0 && bytes % size_units[u].bytes == 0) {
            snprintf(buf, size, "%lld%s", (long long)(bytes / size_units[u].bytes),
                     size_units[u].name);
            return;
        }
    snprintf(buf, size, "%lld", (long long)bytes);
}

int cfg_parse_duration(const char *s, size_t len, int64_t *out_ms) {
    int64_t total = 0;
    size_t i = 0;
    int last_unit = -1;
    if (len == 0)
        return -1;
    while (i < len) {
        int64_t v = 0;
        size_t digits = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            if (++digits > 12)
                return -1;
            v = v * 10 + (s[i] - '0');
            i++;
        }
        if (digits == 0)
            return -1;
        int unit = -1;
        if (i + 1 < len && s[i] == 'm' && s[i + 1] == 's') {
            unit = 4;
            i += 2;
        } else if (i < len) {
            for (int u = 0; u < 4; u++)
                if (s[i] == duration_units[u].name[0]) {
                    unit = u;
                    break;
                }
            if (unit < 0)
                return -1;
            i++;
        } else {
            return -1; /* a number without a unit */
        }
        if (unit <= last_unit)
            return -1; /* units from largest to smallest, each once */
        last_unit = unit;
        if (v > DD_CONFIG_DURATION_MS_MAX / duration_units[unit].ms)
            return -1;
        total += v * duration_units[unit].ms;
        if (total > DD_CONFIG_DURATION_MS_MAX)
            return -1;
    }
    *out_ms = total;
    return 0;
}

void cfg_format_duration(int64_t ms, char *buf, size_t size) {
    size_t o = 0;
    buf[0] = '\0';
    if (ms <= 0) {
        snprintf(buf, size, "0s");
        return;
    }
    for (int u = 0; u < DURATION_UNITS && o < size; u++) {
        const int64_t v = ms / duration_units[u].ms;
        if (v == 0)
            continue;
        ms -= v * duration_units[u].ms;
        const int w = snprintf(buf + o, size - o, "%lld%s", (long long)v, duration_units[u].name);
        if (w < 0)
            return;
        o += (size_t)w;
    }
}

/* ---- Timestamps ----------------------------------------------------------------------------- */

/* The codecs' RFC 3339 parser, with the configuration's narrower form: `T` (or `t`) between date
 * and time, no leap second, a year from 1970. */
static int parse_rfc3339(const char *s, size_t len, int64_t *out_ms) {
    if (len < 20 || (s[10] != 'T' && s[10] != 't') || (s[17] == '6' && s[18] == '0') ||
        memcmp(s, "1970", 4) < 0)
        return -1;
    return dd_parse_rfc3339((const uint8_t *)s, len, out_ms);
}

/* ---- Mappings and sequences ----------------------------------------------------------------- */

const cfg_node_t *cfg_map_get(const cfg_node_t *map, const char *key) {
    const size_t len = strlen(key);
    for (size_t i = 0; i < map->n; i++) {
        const cfg_node_t *k = map->items[2 * i];
        if (k->len == len && memcmp(k->text, key, len) == 0)
            return map->items[2 * i + 1];
    }
    return NULL;
}

/* "a, b, c", or with last = " or ", "a, b or c". */
static void list_names(char *buf, size_t size, const char *const *names, size_t count,
                       const char *last) {
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < count && o < size; i++) {
        const char *sep = i == 0 ? "" : i + 1 == count ? last : ", ";
        const int w = snprintf(buf + o, size - o, "%s%s", sep, names[i]);
        if (w < 0)
            return;
        o += (size_t)w;
    }
}

int cfg_check_keys(cfg_ctx_t *c, const cfg_node_t *map, const char *const *known, size_t count,
                   const char *context) {
    for (size_t i = 0; i < map->n; i++) {
        const cfg_node_t *k = map->items[2 * i];
        size_t j = 0;
        while (j < count && !(strlen(known[j]) == k->len && memcmp(known[j], k->text, k->len) == 0))
            j++;
        if (j < count)
            continue;
        char key[96], names[400];
        cfg_quote(key, sizeof(key), k->text, k->len, 60);
        list_names(names, sizeof(names), known, count, ", ");
        return cfg_fail(c, k, "unknown key '%s'%s%s; expected one of %s", key, context ? " " : "",
                        context ? context : "", names);
    }
    return 0;
}

int cfg_expect_mapping(cfg_ctx_t *c, const cfg_node_t *n, const char *what) {
    if (n->type == CFG_MAPPING)
        return 0;
    return cfg_expected(c, n, what);
}

int cfg_expect_sequence(cfg_ctx_t *c, const cfg_node_t *n, size_t min, size_t max,
                        const char *items) {
    char what[160];
    if (n->type != CFG_SEQUENCE) {
        snprintf(what, sizeof(what), "a sequence of %s", items);
        return cfg_expected(c, n, what);
    }
    if (n->n < min)
        return cfg_fail(c, n, "%zu %s; expected at least %zu", n->n, items, min);
    if (n->n > max)
        return cfg_fail(c, n, "%zu %s; expected at most %zu", n->n, items, max);
    return 0;
}

/* ---- Descriptor tables ---------------------------------------------------------------------- */

size_t cfg_enum_count(const char *const *names) {
    size_t n = 0;
    while (names[n] != NULL)
        n++;
    return n;
}

/* Values are copied in and out with memcpy: a row knows its value's size, not its C type. */
int64_t cfg_key_int(const cfg_key_t *k, const void *section) {
    const char *p = (const char *)section + k->offset;
    if (k->size == sizeof(uint32_t)) {
        uint32_t v;
        memcpy(&v, p, sizeof(v));
        return v;
    }
    DD_ASSERT(k->size == sizeof(int64_t));
    int64_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static void set_int(const cfg_key_t *k, void *section, int64_t v) {
    char *p = (char *)section + k->offset;
    if (k->size == sizeof(uint32_t)) { /* uint32_t, and int for BOOL and ENUM (values ≥ 0) */
        const uint32_t u = (uint32_t)v;
        memcpy(p, &u, sizeof(u));
    } else {
        DD_ASSERT(k->size == sizeof(int64_t));
        memcpy(p, &v, sizeof(v));
    }
}

int cfg_key_applies(const cfg_key_t *k, int64_t variant) {
    return k->variants == 0 || variant == 0 || ((k->variants >> (variant - 1)) & 1u);
}

static const cfg_key_t *key_named(const cfg_table_t *t, const char *name) {
    for (size_t i = 0; i < t->n_keys; i++)
        if (strcmp(t->keys[i].name, name) == 0)
            return &t->keys[i];
    DD_ASSERT(0 && "a min_key, max_key or def_key names no key of its table");
    return NULL;
}

static void set_defaults(const cfg_table_t *t, void *section) {
    for (size_t i = 0; i < t->n_keys; i++) {
        const cfg_key_t *k = &t->keys[i];
        char *p = (char *)section + k->offset;
        switch (k->type) {
        case CFG_T_STRING:
        case CFG_T_PATH:
        case CFG_T_TOPIC:
        case CFG_T_FIELD_PATH:
            DD_ASSERT(k->size == sizeof(const char *));
            memcpy(p, &k->def_string, sizeof(k->def_string));
            break;
        case CFG_T_DOUBLE:
            DD_ASSERT(k->size == sizeof(double));
            memcpy(p, &k->def_double, sizeof(k->def_double));
            break;
        case CFG_T_BOOL:
        case CFG_T_ENUM:
            DD_ASSERT(k->size == sizeof(int));
            set_int(k, section, k->def);
            break;
        case CFG_T_INT:
        case CFG_T_DURATION:
        case CFG_T_SIZE:
        case CFG_T_TIMESTAMP:
            set_int(k, section, k->def);
            break;
        case CFG_T_TABLE:
            set_defaults(k->table, p);
            break;
        case CFG_T_CUSTOM:
            break;
        }
    }
}

/* A default that depends on keys read before: the value of def_key, within max_key. */
static void default_from_keys(const cfg_table_t *t, const cfg_key_t *k, void *section) {
    if (k->def_key != NULL)
        set_int(k, section, cfg_key_int(key_named(t, k->def_key), section));
    if (k->max_key != NULL) {
        const int64_t max = cfg_key_int(key_named(t, k->max_key), section);
        if (cfg_key_int(k, section) > max)
            set_int(k, section, max);
    }
}

/* Reads v as k's type says, within k's bounds, into section. */
static int read_value(cfg_ctx_t *c, const cfg_table_t *t, const cfg_key_t *k, const cfg_node_t *v,
                      void *section) {
    char *p = (char *)section + k->offset, what[256];
    const char *s = NULL;
    uint64_t u = 0;
    int64_t i = 0;
    double d = 0;
    const int scalar = v->type == CFG_SCALAR;
    switch (k->type) {
    case CFG_T_STRING:
    case CFG_T_PATH:
        if (cfg_get_string(c, v,
                           (k->flags & (CFG_STR_SUBST | CFG_STR_NULLABLE)) |
                               (k->type == CFG_T_PATH ? CFG_STR_SUBST | CFG_STR_PATH : 0),
                           k->type == CFG_T_PATH ? DD_CONFIG_PATH_BYTES_MAX : k->max_len, &s) != 0)
            return -1;
        memcpy(p, &s, sizeof(s));
        return 0;
    case CFG_T_TOPIC:
        if (!((k->flags & CFG_K_NULLABLE) && cfg_is_null(v)) && cfg_get_topic(c, v, 0, &s) != 0)
            return -1;
        memcpy(p, &s, sizeof(s));
        return 0;
    case CFG_T_FIELD_PATH:
        if (cfg_get_field_path(c, v, &s) != 0)
            return -1;
        memcpy(p, &s, sizeof(s));
        return 0;
    case CFG_T_BOOL:
        if (!scalar || (strcmp(v->text, "true") != 0 && strcmp(v->text, "false") != 0))
            return cfg_expected(c, v, "true or false");
        i = strcmp(v->text, "true") == 0;
        break;
    case CFG_T_INT:
        if (cfg_get_u64(c, v, (uint64_t)k->min, (uint64_t)k->max, &u) != 0)
            return -1;
        i = (int64_t)u;
        break;
    case CFG_T_DURATION: {
        const int64_t min = k->min_key ? cfg_key_int(key_named(t, k->min_key), section) : k->min;
        const int64_t max = k->max_key ? cfg_key_int(key_named(t, k->max_key), section) : k->max;
        char lo[32], hi[32];
        if (!scalar || cfg_parse_duration(v->text, v->len, &i) != 0 || i < min || i > max) {
            cfg_format_duration(min, lo, sizeof(lo));
            cfg_format_duration(max, hi, sizeof(hi));
            snprintf(what, sizeof(what),
                     "a duration from %s to %s such as 500ms, 30s, 5m, 1h, 1d or 1h30m", lo, hi);
            return cfg_expected(c, v, what);
        }
        break;
    }
    case CFG_T_SIZE: {
        char lo[32], hi[32];
        if (!scalar || cfg_parse_size(v->text, v->len, &i) != 0 || i < k->min || i > k->max) {
            cfg_format_size(k->min, lo, sizeof(lo));
            cfg_format_size(k->max, hi, sizeof(hi));
            snprintf(what, sizeof(what),
                     "a size from %s to %s such as 512MiB, 4GiB or 1000000 (bytes)", lo, hi);
            return cfg_expected(c, v, what);
        }
        break;
    }
    case CFG_T_TIMESTAMP:
        if (!scalar || parse_rfc3339(v->text, v->len, &i) != 0)
            return cfg_expected(c, v,
                                "an RFC 3339 time such as 2024-05-01T00:00:00Z (1970 or later)");
        break;
    case CFG_T_ENUM: {
        const size_t count = cfg_enum_count(k->names);
        while (scalar && (size_t)i < count && strcmp(v->text, k->names[i]) != 0)
            i++;
        if (!scalar || (size_t)i == count) {
            list_names(what, sizeof(what), k->names, count, " or ");
            return cfg_expected(c, v, what);
        }
        i++; /* 1 + the index */
        break;
    }
    case CFG_T_DOUBLE:
        if (cfg_get_double(c, v, &d) != 0)
            return -1;
        if (k->out_of_range != NULL && !(d >= k->min_double && d <= k->max_double))
            return cfg_fail(c, v, "%g %s", d, k->out_of_range);
        memcpy(p, &d, sizeof(d));
        return 0;
    case CFG_T_TABLE:
        return cfg_read_table(c, v, k->table, p);
    case CFG_T_CUSTOM:
        DD_ASSERT(0 && "CUSTOM rows are read by their own reader");
        return -1;
    }
    set_int(k, section, i);
    return 0;
}

/* Every key of map is a key of t that belongs to `variant` (0: to any variant). */
static int check_table_keys(cfg_ctx_t *c, const cfg_node_t *map, const cfg_table_t *t,
                            int64_t variant) {
    const char *names[32];
    size_t n = 0;
    DD_ASSERT(t->n_keys <= sizeof(names) / sizeof(names[0]));
    for (size_t i = 0; i < t->n_keys; i++) {
        size_t j = 0;
        while (j < n && strcmp(names[j], t->keys[i].name) != 0)
            j++;
        if (j == n && cfg_key_applies(&t->keys[i], variant))
            names[n++] = t->keys[i].name;
    }
    char context[96];
    if (variant > 0) {
        const cfg_key_t *v = key_named(t, t->variant_key);
        snprintf(context, sizeof(context), "for %s %s", t->variant_what, v->names[variant - 1]);
    }
    return cfg_check_keys(c, map, names, n, variant > 0 ? context : NULL);
}

int cfg_read_table(cfg_ctx_t *c, const cfg_node_t *map, const cfg_table_t *t, void *section) {
    /* With a variant key, keys are checked once its value says which apply. */
    if (cfg_expect_mapping(c, map, t->expected) != 0)
        return -1;
    const size_t base = c->path_len;
    /* failed: some key failed (the table fails); blocked: a value could not be read, so keys
     * that build on others (structured ones, checks) are not read or run after it. A check
     * that fails blocks nothing: the value it judged is there. */
    int failed = t->variant_key == NULL && check_table_keys(c, map, t, 0) != 0;
    int blocked = 0;
    cfg_path_pop(c, base);
    set_defaults(t, section);
    int64_t variant = 0;
    /* After a key fails, the other keys' values are still read (so every wrong value is
     * reported), but nothing that builds on keys read before: structured keys (CUSTOM, TABLE)
     * and the checks that span keys, which would report the first failure again in other
     * words. */
    for (size_t i = 0; i < t->n_keys; i++) {
        const cfg_key_t *k = &t->keys[i];
        const cfg_node_t *v = cfg_map_get(map, k->name);
        const int is_variant = t->variant_key != NULL && strcmp(k->name, t->variant_key) == 0;
        if (!cfg_key_applies(k, variant))
            continue;
        if (v == NULL && (k->flags & CFG_K_REQUIRED)) {
            if (is_variant) {
                if (check_table_keys(c, map, t, 0) == 0)
                    cfg_missing(c, map, k->name, k->doc);
                return -1;
            }
            cfg_missing(c, map, k->name, k->doc);
            failed = blocked = 1;
            continue;
        }
        if (blocked && (k->type == CFG_T_CUSTOM || k->type == CFG_T_TABLE || k->def_key != NULL ||
                        k->min_key != NULL || k->max_key != NULL))
            continue; /* builds on other keys, one of which may be the one that failed */
        if (k->type == CFG_T_CUSTOM) {
            if (k->read(c, map, section) != 0) {
                c->path_len = base;
                c->path[base] = '\0';
                failed = blocked = 1;
                continue;
            }
        } else if (v != NULL) {
            const size_t mark = cfg_path_key(c, k->name);
            if (read_value(c, t, k, v, section) != 0) {
                if (is_variant)
                    return -1; /* which keys apply is unknown */
                c->path_len = base;
                c->path[base] = '\0';
                failed = blocked = 1;
                continue;
            }
            cfg_path_pop(c, mark);
        } else {
            default_from_keys(t, k, section);
        }
        if (is_variant) {
            variant = cfg_key_int(k, section);
            if (check_table_keys(c, map, t, variant) != 0) {
                cfg_path_pop(c, base);
                failed = 1; /* an unknown key: the known ones are read on */
            }
        }
        if (!blocked && k->check != NULL && k->check(c, map, section) != 0) {
            c->path_len = base;
            c->path[base] = '\0';
            failed = 1;
        }
    }
    return failed ? -1 : 0;
}
