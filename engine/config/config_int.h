/* config_int.h — shared by engine/config*.c only: the YAML node tree, the arena the loaded
 * configuration lives in, and the conversion context with its error reporting. */
#ifndef DRIFTD_ENGINE_CONFIG_INT_H
#define DRIFTD_ENGINE_CONFIG_INT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

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

/* Writes at most about `max` bytes of s as readable text (control bytes as \xNN, cut on a UTF-8
 * boundary with "..." appended). */
void cfg_quote(char *buf, size_t size, const char *s, size_t len, size_t max);

/* ---- Arena ---------------------------------------------------------------------------------- */
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

/* ---- Conversion context (config.c, config_values.c) ----------------------------------------- */
typedef struct cfg_ctx {
    const char *name;     /* the file, for messages */
    const char *base_dir; /* relative paths are resolved against it; "" for none */
    char *err;
    size_t err_size;
    char path[512]; /* the key being read, e.g. "streams[0].fields[2].threshold" */
    size_t path_len;
    dd_config_t *cfg;
    cfg_arena_t *arena;
    size_t **field_order; /* per stream: field indices sorted by path (arena) */
} cfg_ctx_t;

/* Writes "NAME:LINE:COLUMN: KEYPATH: message" (position of node; "NAME: ..." when node is NULL)
 * and returns −1. */
int cfg_fail(cfg_ctx_t *c, const cfg_node_t *node, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int cfg_vfail(cfg_ctx_t *c, const cfg_node_t *node, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Key path: push returns the length to pop back to. */
size_t cfg_path_key(cfg_ctx_t *c, const char *key);
size_t cfg_path_index(cfg_ctx_t *c, size_t index);
void cfg_path_pop(cfg_ctx_t *c, size_t mark);

/* "a mapping", "a sequence", "null", or the scalar quoted. */
void cfg_describe(const cfg_node_t *n, char *buf, size_t size);
int cfg_is_null(const cfg_node_t *n);

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
int cfg_get_bool(cfg_ctx_t *c, const cfg_node_t *n, int *out);
int cfg_get_u64(cfg_ctx_t *c, const cfg_node_t *n, uint64_t min, uint64_t max, uint64_t *out);
int cfg_get_double(cfg_ctx_t *c, const cfg_node_t *n, double *out);
int cfg_get_duration(cfg_ctx_t *c, const cfg_node_t *n, int64_t min_ms, int64_t max_ms,
                     int64_t *out);
/* One of names[0..n) (exact match); *out = index. */
int cfg_get_enum(cfg_ctx_t *c, const cfg_node_t *n, const char *const *names, size_t count,
                 size_t *out);
/* RFC 3339 date-time ("2024-05-01T00:00:00Z", "...T02:00:00.5+02:00") → ms since the epoch. */
int cfg_get_timestamp(cfg_ctx_t *c, const cfg_node_t *n, int64_t *out);

/* ---- Mappings and sequences (config_values.c) ---------------------------------------------- */
const cfg_node_t *cfg_map_get(const cfg_node_t *map, const char *key); /* NULL: absent */
/* Every key of map is one of known[0..count); else fails at the first other key, listing the
 * known ones. `context` (may be NULL) is added after the key, e.g. "for reference type file". */
int cfg_check_keys(cfg_ctx_t *c, const cfg_node_t *map, const char *const *known, size_t count,
                   const char *context);
/* Fails at map (its first key) for a required key that is absent. */
int cfg_missing(cfg_ctx_t *c, const cfg_node_t *map, const char *key, const char *expected);
int cfg_expect_mapping(cfg_ctx_t *c, const cfg_node_t *n, const char *what);
/* A sequence of min..max items. */
int cfg_expect_sequence(cfg_ctx_t *c, const cfg_node_t *n, size_t min, size_t max,
                        const char *items);

/* The optional key `key` of map, read with the typed getter above: −1 error, 0 absent (*out
 * untouched), 1 read. The key path is extended while reading. */
int cfg_opt_string(cfg_ctx_t *c, const cfg_node_t *map, const char *key, unsigned flags,
                   size_t max_len, const char **out);
int cfg_opt_bool(cfg_ctx_t *c, const cfg_node_t *map, const char *key, int *out);
int cfg_opt_u32(cfg_ctx_t *c, const cfg_node_t *map, const char *key, uint32_t min, uint32_t max,
                uint32_t *out);
int cfg_opt_u64(cfg_ctx_t *c, const cfg_node_t *map, const char *key, uint64_t min, uint64_t max,
                uint64_t *out);
int cfg_opt_double(cfg_ctx_t *c, const cfg_node_t *map, const char *key, double *out);
int cfg_opt_duration(cfg_ctx_t *c, const cfg_node_t *map, const char *key, int64_t min_ms,
                     int64_t max_ms, int64_t *out);
int cfg_opt_enum(cfg_ctx_t *c, const cfg_node_t *map, const char *key, const char *const *names,
                 size_t count, size_t *out);

/* A Kafka topic name ([A-Za-z0-9._-], 1 to 249 bytes, not . or ..), or with allow_regex a
 * subscription pattern starting with ^. Takes substitution. */
int cfg_get_topic(cfg_ctx_t *c, const cfg_node_t *n, int allow_regex, const char **out);
/* How a value may be named in a message: 'value', or "the substituted value". */
void cfg_shown(const cfg_ctx_t *c, const char *value, char *buf, size_t size);

/* ---- Streams and references (config_streams.c) ---------------------------------------------- */
/* Reads a `reference:` mapping. */
int cfg_read_reference(cfg_ctx_t *c, const cfg_node_t *n, dd_config_reference_t *ref);
/* Reads `streams:` into c->cfg (the window and top-level reference are read before). */
int cfg_read_streams(cfg_ctx_t *c, const cfg_node_t *seq);
/* The index of the field with that path in stream s (index si), or −1. O(log n). */
long cfg_find_field(const cfg_ctx_t *c, size_t si, const char *path);

/* Parses text as a duration ("1h30m", "500ms"); 0 on success. Exposed for tests of the grammar. */
int cfg_parse_duration(const char *text, size_t len, int64_t *out_ms);
/* Writes ms as the duration grammar reads it back ("1h30m", "0s"). */
void cfg_format_duration(int64_t ms, char *buf, size_t size);

/* Records that value came from a substitution (the printer and messages hide it). */
int cfg_mark_substituted(cfg_ctx_t *c, const char *value);
/* 1 when the key name contains password, secret, key, token or sasl.jaas (any case). */
int cfg_is_secret_name(const char *name);

#endif /* DRIFTD_ENGINE_CONFIG_INT_H */
