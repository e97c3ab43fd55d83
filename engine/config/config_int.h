/* config_int.h — shared by the sources of engine/config/ only. Its files, input to output:
 *   config_yaml.c     the file's text: read with a bound, YAML into a node tree, ${ENV}/${FILE}
 *   config_values.c   what scalars mean, the arena, and cfg_read_table (descriptor tables)
 *   config.c          the document: its top-level keys, kafka, and the tables of the sections
 *                     of scalars with their cross-key checks
 *   config_streams.c  streams, their fields, references, alerts.mute
 *   config_print.c    messages, and the effective configuration as YAML */
#ifndef DRIFTD_ENGINE_CONFIG_INT_H
#define DRIFTD_ENGINE_CONFIG_INT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "dd_base.h"

/* ---- YAML node tree (config_yaml.c) ------------------------------------------------------------
 * What libyaml's events describe, kept with positions: no anchors, aliases or tags (refused while
 * parsing), mapping keys are scalars and unique within their mapping. */
typedef enum cfg_node_type {
    CFG_SCALAR = 1,
    CFG_SEQUENCE,
    CFG_MAPPING,
} cfg_node_type_t;

typedef struct cfg_node {
    cfg_node_type_t type;
    uint32_t line, column; /* 1-based */
    int plain;             /* scalar written without quotes (may be a number, bool or null) */
    char *text;            /* scalar: NUL-terminated, no NUL inside */
    size_t len;
    struct cfg_node **items; /* sequence: n items; mapping: key 2i, value 2i+1, n pairs */
    size_t n, cap;
} cfg_node_t;

typedef struct cfg_tree {
    cfg_node_t *root; /* NULL: the file holds no document */
    struct cfg_node_chunk *chunks;
    size_t n_nodes;
} cfg_tree_t;

/* Parses one YAML document. 0, or −1 with "NAME:LINE:COLUMN: ..." in err. The tree is freed with
 * cfg_tree_free either way. */
int cfg_yaml_parse(const char *text, size_t len, const char *name, cfg_tree_t *tree, char *err,
                   size_t err_size);
void cfg_tree_free(cfg_tree_t *tree);
int cfg_is_null(const cfg_node_t *n); /* a plain null, ~, or nothing */
/* Reads fd to its end into a new buffer (the caller frees), at most max + 1 bytes: one more than
 * allowed tells "too large" without trusting st_size. 0, or an errno (config_file.c). */
int cfg_read_bounded(int fd, size_t max, char **out, size_t *len);

/* Writes at most about `max` bytes of s as readable text (control bytes as \xNN, cut on a UTF-8
 * boundary with "..." appended). */
void cfg_quote(char *buf, size_t size, const char *s, size_t len, size_t max);

/* ---- Arena (config_values.c) ---------------------------------------------------------------- */
typedef struct cfg_arena cfg_arena_t;
cfg_arena_t *cfg_arena_new(void);                   /* NULL: out of memory */
void *cfg_arena_alloc(cfg_arena_t *a, size_t size); /* zeroed, aligned for any type; NULL: OOM */
char *cfg_arena_strndup(cfg_arena_t *a, const char *s, size_t len);
void cfg_arena_free(cfg_arena_t *a);

struct dd_config_private {
    cfg_arena_t *arena;
    const char **substituted; /* values that came from ${ENV:...} or ${FILE:...} */
    size_t n_substituted, cap_substituted;
};

/* ---- Conversion context --------------------------------------------------------------------- */
typedef struct cfg_ctx {
    const char *name;     /* the file, for messages */
    const char *base_dir; /* relative paths are resolved against it; "" for none */
    char *err;
    size_t err_size;
    char path[512]; /* the key being read, e.g. "streams[0].fields[2].threshold" */
    size_t path_len;
    dd_config_t *cfg;
    cfg_arena_t *arena;
    size_t **field_order;       /* per stream: field indices sorted by path (arena) */
    dd_config_stream_t *stream; /* the stream being read (its fields' checks need its codec) */
    unsigned flags;             /* DD_CONFIG_NO_KAFKA, ... */
    /* Every error is reported, one line each in err (up to CFG_ERRORS_MAX, then a count): a
     * failed key, field or stream does not stop the reading of the ones beside it. */
    unsigned n_errors;
} cfg_ctx_t;

#define CFG_ERRORS_MAX 20u

/* ---- Messages (config_print.c) -------------------------------------------------------------- */
/* Writes "NAME:LINE:COLUMN: KEYPATH: message" (position of node; "NAME: ..." when node is NULL)
 * and returns −1. */
int cfg_fail(cfg_ctx_t *c, const cfg_node_t *node, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int cfg_vfail(cfg_ctx_t *c, const cfg_node_t *node, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
/* Fails at the value of `key` in map (at map when it is absent), the key added to the path. */
int cfg_fail_key(cfg_ctx_t *c, const cfg_node_t *map, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Fails at n with "expected WHAT, got DESCRIPTION". */
int cfg_expected(cfg_ctx_t *c, const cfg_node_t *n, const char *what);
/* Fails at map (its first key) for a required key that is absent. */
int cfg_missing(cfg_ctx_t *c, const cfg_node_t *map, const char *key, const char *expected);

/* Key path: push returns the length to pop back to. */
size_t cfg_path_key(cfg_ctx_t *c, const char *key);
size_t cfg_path_index(cfg_ctx_t *c, size_t index);
void cfg_path_pop(cfg_ctx_t *c, size_t mark);

/* "a mapping", "a sequence", "null", or the scalar quoted. */
void cfg_describe(const cfg_node_t *n, char *buf, size_t size);
/* How a value may be named in a message: 'value', or "the substituted value". */
void cfg_shown(const cfg_ctx_t *c, const char *value, char *buf, size_t size);
/* 1 when the key name contains password, secret, key, token or sasl.jaas (any case). */
int cfg_is_secret_name(const char *name);

/* ---- ${ENV:...} and ${FILE:...} (config_yaml.c) --------------------------------------------- */
/* The text of scalar n with ${ENV:NAME} and ${FILE:PATH} replaced ($${ is a literal ${): a new
 * string of *len bytes (the caller frees); *substituted = 1 when anything was replaced. */
int cfg_substitute(cfg_ctx_t *c, const cfg_node_t *n, char **out, size_t *len, int *substituted);
/* Records that value came from a substitution (the printer and messages hide it). */
int cfg_mark_substituted(cfg_ctx_t *c, const char *value);
/* base_dir/path for a relative path (when there is a base): a new string (the caller frees). */
char *cfg_resolve_path(const cfg_ctx_t *c, const char *path, size_t len);

/* ---- Typed values (config_values.c) -----------------------------------------------------------
 * Each reads one node, and on a wrong type or value fails with the key path, what was found and
 * what was expected. */
enum {
    CFG_STR_SUBST = 1 << 0,    /* ${ENV:...} and ${FILE:...} are replaced */
    CFG_STR_NULLABLE = 1 << 1, /* null gives *out = NULL */
    CFG_STR_EMPTY_OK = 1 << 2, /* "" is a value (else: expected a non-empty string) */
    CFG_STR_PATH = 1 << 3,     /* a file system path, resolved against the file's directory */
};
/* Any non-null scalar is a string (plain 5000 or true included: the schema decides the type). */
int cfg_get_string(cfg_ctx_t *c, const cfg_node_t *n, unsigned flags, size_t max_len,
                   const char **out);
int cfg_get_u64(cfg_ctx_t *c, const cfg_node_t *n, uint64_t min, uint64_t max, uint64_t *out);
int cfg_get_double(cfg_ctx_t *c, const cfg_node_t *n, double *out);
/* A record field's dotted path: 1 to DD_CONFIG_FIELD_PATH_BYTES_MAX bytes, no control
 * characters, no substitution. */
int cfg_get_field_path(cfg_ctx_t *c, const cfg_node_t *n, const char **out);
/* A Kafka topic name ([A-Za-z0-9._-], 1 to 249 bytes, not . or ..), or with allow_regex a
 * subscription pattern starting with ^. Takes substitution. */
int cfg_get_topic(cfg_ctx_t *c, const cfg_node_t *n, int allow_regex, const char **out);

/* Parses text as a duration ("1h30m", "500ms"); 0 on success. Exposed for tests of the grammar. */
int cfg_parse_duration(const char *text, size_t len, int64_t *out_ms);
/* "1048576", "512KiB", "64MiB", "2GiB", "1TiB", "1PiB" (also KB … PB: powers of 1000; B).
 * 0 or -1. */
int cfg_parse_size(const char *text, size_t len, int64_t *out_bytes);
/* The largest unit that writes it exactly ("64MiB", "1500000"). */
void cfg_format_size(int64_t bytes, char *buf, size_t size);
/* Writes ms as the duration grammar reads it back ("1h30m", "0s"). */
void cfg_format_duration(int64_t ms, char *buf, size_t size);

const cfg_node_t *cfg_map_get(const cfg_node_t *map, const char *key); /* NULL: absent */
/* Every key of map is one of known[0..count); else fails at the first other key, listing the
 * known ones. `context` (may be NULL) is added after the key, e.g. "for reference type file". */
int cfg_check_keys(cfg_ctx_t *c, const cfg_node_t *map, const char *const *known, size_t count,
                   const char *context);
int cfg_expect_mapping(cfg_ctx_t *c, const cfg_node_t *n, const char *what);
/* A sequence of min..max items. */
int cfg_expect_sequence(cfg_ctx_t *c, const cfg_node_t *n, size_t min, size_t max,
                        const char *items);

/* ---- Descriptor tables (read in config_values.c, written in config_print.c) --------------------
 * One row per key, as librdkafka's rd_kafka_properties[] and Redis's static_configs[]: the key,
 * its type, where its value lives in the section's struct, its default, bounds and flags, and
 * how docs/config.md writes its default. The rows drive reading (unknown keys, typed values,
 * bounds, defaults), printing (`config check --print`) and the test that keeps docs/config.md in
 * step (tests/unit/test_config.c). What one key cannot say alone (a pane divides the length) is
 * the row's `check`, run in table order after the key was read or defaulted; a key with a
 * structure of its own is a CUSTOM row with a reader and a printer. Table order is the order of
 * "expected one of ..." in messages and the order keys are read and printed in. */
typedef enum cfg_type {
    CFG_T_STRING = 1, /* const char *, 1 to max_len bytes; CFG_K_SUBST takes substitution */
    CFG_T_PATH,       /* const char *: a substitutable path, joined to the file's directory */
    CFG_T_TOPIC,      /* const char *: a substitutable Kafka topic name */
    CFG_T_FIELD_PATH, /* const char *: a record field's dotted path (cfg_get_field_path) */
    CFG_T_BOOL,       /* int: true or false */
    CFG_T_INT,        /* uint32_t or uint64_t (by size): an integer in [min, max] */
    CFG_T_DOUBLE,     /* double; with out_of_range, in [min_double, max_double] */
    CFG_T_DURATION,   /* int64_t or uint32_t ms (by size) in [min, max] (or min_key, max_key) */
    CFG_T_SIZE,       /* int64_t bytes in [min, max], written 512MiB, 2GiB, 1000000 */
    CFG_T_TIMESTAMP,  /* int64_t: ms since the epoch, written in RFC 3339 */
    CFG_T_ENUM,       /* an enum type: 1 + the index of its name in names */
    CFG_T_TABLE,      /* a mapping of the keys of `table`, at offset (flow style) */
    CFG_T_CUSTOM,     /* read by `read`, written by `print` */
} cfg_type_t;

enum {
    CFG_K_SUBST = CFG_STR_SUBST,       /* STRING: ${ENV:...} and ${FILE:...} are replaced */
    CFG_K_NULLABLE = CFG_STR_NULLABLE, /* null is a value: NULL, printed as null */
    CFG_K_REQUIRED = 1 << 4,           /* absent: "missing key 'K'; expected DOC" */
    CFG_K_NO_DEFAULT = 1 << 5,         /* unset is NULL, 0 or NaN, and is not printed */
    CFG_K_SECRET = 1 << 6,             /* printed as *** */
};

typedef struct cfg_table cfg_table_t;
/* A row's own reading or checking: the section's mapping (the key path is the section's) and
 * its struct. 0, or −1 with the message written. */
typedef int (*cfg_hook_fn)(cfg_ctx_t *c, const cfg_node_t *map, void *section);
/* Writes `prefix` and, after a space, the key's value in flow style, and returns 1; or nothing
 * and 0 when the key is unset. */
typedef int (*cfg_print_fn)(FILE *out, const dd_config_t *cfg, const void *section,
                            const char *prefix);
/* 1 when printing must leave the key out because the other keys make it an error. */
typedef int (*cfg_omit_fn)(const dd_config_t *cfg, const void *section);

typedef struct cfg_key {
    const char *name;
    cfg_type_t type;
    unsigned flags;        /* CFG_K_* */
    size_t offset, size;   /* of the value in the section's struct: CFG_AT(type, member) */
    int64_t def, min, max; /* BOOL, INT, DURATION (ms), TIMESTAMP, ENUM (1 + index) */
    double def_double, min_double, max_double;
    const char *def_string;        /* STRING, TOPIC */
    const char *def_key;           /* DURATION: the default is this key's value (read before) */
    const char *min_key, *max_key; /* DURATION: the bound is this key's value (read before) */
    size_t max_len;                /* STRING: bytes */
    const char *const *names;      /* ENUM: NULL-terminated */
    const char *out_of_range;      /* DOUBLE: the message after "%g " when out of bounds */
    const cfg_table_t *table;      /* TABLE */
    cfg_hook_fn read;              /* CUSTOM: reads the key, present or not */
    cfg_hook_fn check;             /* after the key is read or defaulted */
    cfg_print_fn print;            /* CUSTOM */
    cfg_omit_fn omit;
    unsigned variants;       /* the variants (CFG_VARIANT) the key belongs to; 0: all */
    const char *doc_default; /* the key's default as its row in docs/config.md writes it */
    const char *doc;         /* one line; for a required key, what is expected */
} cfg_key_t;

#define CFG_AT(type, member) .offset = offsetof(type, member), .size = sizeof(((type *)0)->member)
#define CFG_VARIANT(value) (1u << ((value)-1)) /* of the table's variant key */

/* A table with a variant key (reference `type`, timestamp `source`): the keys that apply depend
 * on its value; others are "unknown key 'K' for WHAT VALUE". */
struct cfg_table {
    const cfg_key_t *keys;
    size_t n_keys;
    const char *expected;     /* for a value that is not a mapping */
    const char *doc_heading;  /* the heading of its table in docs/config.md; NULL: none */
    const char *variant_key;  /* an ENUM key read first, or NULL */
    const char *variant_what; /* e.g. "reference type" */
};
/* A table of the rows array `rows`; then designated initializers (.expected = ..., ...). */
#define CFG_TABLE(rows, ...)                                                                       \
    { .keys = rows, .n_keys = sizeof(rows) / sizeof(rows[0]), __VA_ARGS__ }

/* Reads mapping `map` into section: every key's default, then each key in table order, then
 * its check. Unknown keys are errors listing the table's keys. */
int cfg_read_table(cfg_ctx_t *c, const cfg_node_t *map, const cfg_table_t *t, void *section);
/* The value of an integer-like key (BOOL, INT, DURATION, TIMESTAMP, ENUM) in section. */
int64_t cfg_key_int(const cfg_key_t *k, const void *section);
size_t cfg_enum_count(const char *const *names);
/* 1 when key k belongs to the table's variant `variant` (1 + index; 0: before it is known). */
int cfg_key_applies(const cfg_key_t *k, int64_t variant);

/* ---- The document (config.c) -------------------------------------------------------------------
 * The top-level keys of the file, in docs/config.md's order: a mapping read through its table
 * into its struct in dd_config_t, or (version, kafka, streams) a reader and printer of its own. */
typedef struct cfg_section {
    const char *key;
    const cfg_table_t *table;
    size_t offset;    /* of the table's struct in dd_config_t */
    int optional;     /* when absent, not read (no defaults, no checks) */
    cfg_omit_fn omit; /* 1: not printed (an optional section that was absent) */
    int (*read)(cfg_ctx_t *c, const cfg_node_t *value);
    void (*print)(FILE *out, const dd_config_t *cfg);
} cfg_section_t;
extern const cfg_section_t cfg_sections[];
extern const size_t cfg_n_sections;

/* ---- Streams and references (config_streams.c) ---------------------------------------------- */
/* streams[], their fields[], and `reference:` mappings (top-level and per stream) */
extern const cfg_table_t cfg_stream_table, cfg_field_table, cfg_reference_table;
/* Reads `streams:` into c->cfg (the registry, window and top-level reference are read before). */
int cfg_read_streams(cfg_ctx_t *c, const cfg_node_t *seq);
/* The index of the field with that path in stream s (index si), or −1. O(log n). */
long cfg_find_field(const cfg_ctx_t *c, size_t si, const char *path);
/* 1 when u is an http:// or https:// URL with a host and no spaces or control characters. */
int cfg_url_ok(const char *u);
/* A row's check that the STRING member at `offset` of the section, when set, is such a URL. */
int cfg_check_runbook(cfg_ctx_t *c, const cfg_node_t *map, const char *key, const char *url);
/* alerts.mute (a CUSTOM row of the alerts table): marks the streams and fields it names. */
int cfg_read_mute(cfg_ctx_t *c, const cfg_node_t *alerts, void *section);

/* ---- Printing (config_print.c) -------------------------------------------------------------- */
/* Writes `prefix` and the value of key k of section as --print does (1), or nothing (0) when the
 * key is unset. The key's omit is not consulted. */
int cfg_print_key(FILE *out, const dd_config_t *cfg, const cfg_key_t *k, const void *section,
                  const char *prefix);
/* The printers of the sections without a table, and of the CUSTOM rows. */
void cfg_print_version(FILE *out, const dd_config_t *cfg);
void cfg_print_kafka(FILE *out, const dd_config_t *cfg);
void cfg_print_streams(FILE *out, const dd_config_t *cfg);
int cfg_print_topics(FILE *out, const dd_config_t *cfg, const void *stream, const char *prefix);
int cfg_print_keys(FILE *out, const dd_config_t *cfg, const void *stream, const char *prefix);
int cfg_print_fields(FILE *out, const dd_config_t *cfg, const void *stream, const char *prefix);
int cfg_print_range(FILE *out, const dd_config_t *cfg, const void *field, const char *prefix);
int cfg_print_mute(FILE *out, const dd_config_t *cfg, const void *alerts, const char *prefix);
int cfg_print_labels(FILE *out, const dd_config_t *cfg, const void *alerts, const char *prefix);
int cfg_print_reference_topics(FILE *out, const dd_config_t *cfg, const void *reference,
                               const char *prefix);

#endif /* DRIFTD_ENGINE_CONFIG_INT_H */
