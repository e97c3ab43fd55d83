/* config_streams.c — the `streams:` section (topics, codec, schema, timestamp, keys, fields) and
 * `reference:` mappings, top-level or per stream. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"

/* ---- References ----------------------------------------------------------------------------- */

static const char *const reference_types[] = {"first_window", "file", "snapshot", "topic",
                                              "trailing"};
static const dd_config_reference_type_t reference_type_values[] = {
    DD_CONFIG_REFERENCE_FIRST_WINDOW, DD_CONFIG_REFERENCE_FILE, DD_CONFIG_REFERENCE_SNAPSHOT,
    DD_CONFIG_REFERENCE_TOPIC, DD_CONFIG_REFERENCE_TRAILING};

const char *dd_config_reference_type_name(dd_config_reference_type_t t) {
    for (size_t i = 0; i < sizeof(reference_types) / sizeof(reference_types[0]); i++)
        if (reference_type_values[i] == t)
            return reference_types[i];
    return "?";
}

static int has_suffix(const char *s, const char *suffix) {
    const size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* A scalar (one topic) or a sequence of 1 to DD_CONFIG_TOPICS_MAX distinct ones. */
static int read_topics(cfg_ctx_t *c, const cfg_node_t *n, int allow_regex, const char *const **out,
                       size_t *n_out) {
    const size_t count = n->type == CFG_SEQUENCE ? n->n : 1;
    if (n->type == CFG_SEQUENCE &&
        cfg_expect_sequence(c, n, 1, DD_CONFIG_TOPICS_MAX, "topics") != 0)
        return -1;
    if (n->type == CFG_MAPPING)
        return cfg_expect_sequence(c, n, 1, DD_CONFIG_TOPICS_MAX, "topics");
    const char **topics = cfg_arena_alloc(c->arena, count * sizeof(*topics));
    if (topics == NULL)
        return cfg_fail(c, n, "out of memory");
    for (size_t i = 0; i < count; i++) {
        const cfg_node_t *item = n->type == CFG_SEQUENCE ? n->items[i] : n;
        const size_t mark = n->type == CFG_SEQUENCE ? cfg_path_index(c, i) : c->path_len;
        if (cfg_get_topic(c, item, allow_regex, &topics[i]) != 0)
            return -1;
        for (size_t j = 0; j < i; j++)
            if (strcmp(topics[i], topics[j]) == 0) {
                char shown[128];
                cfg_shown(c, topics[i], shown, sizeof(shown));
                return cfg_fail(c, item, "topic %s is listed twice; expected each once", shown);
            }
        cfg_path_pop(c, mark);
    }
    *out = topics;
    *n_out = count;
    return 0;
}

int cfg_read_reference(cfg_ctx_t *c, const cfg_node_t *n, dd_config_reference_t *ref) {
    memset(ref, 0, sizeof(*ref));
    if (cfg_expect_mapping(c, n,
                           "a mapping with a type (first_window, file, snapshot, topic or "
                           "trailing)") != 0)
        return -1;
    size_t type = 0;
    const int has_type = cfg_opt_enum(c, n, "type", reference_types,
                                      sizeof(reference_types) / sizeof(reference_types[0]), &type);
    if (has_type < 0)
        return -1;
    if (has_type == 0) {
        static const char *const any[] = {"type", "path", "format", "topics", "from", "to"};
        if (cfg_check_keys(c, n, any, sizeof(any) / sizeof(any[0]), NULL) != 0)
            return -1;
        return cfg_missing(c, n, "type", "first_window, file, snapshot, topic or trailing");
    }
    ref->type = reference_type_values[type];
    char context[64];
    snprintf(context, sizeof(context), "for reference type %s", reference_types[type]);
    switch (ref->type) {
    case DD_CONFIG_REFERENCE_FIRST_WINDOW:
    case DD_CONFIG_REFERENCE_TRAILING: {
        static const char *const keys[] = {"type"};
        return cfg_check_keys(c, n, keys, 1, context);
    }
    case DD_CONFIG_REFERENCE_SNAPSHOT: {
        static const char *const keys[] = {"type", "path"};
        if (cfg_check_keys(c, n, keys, 2, context) != 0)
            return -1;
        const int rc = cfg_opt_string(c, n, "path", CFG_STR_SUBST | CFG_STR_PATH,
                                      DD_CONFIG_PATH_BYTES_MAX, &ref->path);
        if (rc == 0)
            return cfg_missing(c, n, "path", "the snapshot file written by `driftd baseline`");
        return rc < 0 ? -1 : 0;
    }
    case DD_CONFIG_REFERENCE_FILE: {
        static const char *const keys[] = {"type", "path", "format"};
        if (cfg_check_keys(c, n, keys, 3, context) != 0)
            return -1;
        const int rc = cfg_opt_string(c, n, "path", CFG_STR_SUBST | CFG_STR_PATH,
                                      DD_CONFIG_PATH_BYTES_MAX, &ref->path);
        if (rc < 0)
            return -1;
        if (rc == 0)
            return cfg_missing(c, n, "path",
                               "a dataset file (Avro object container, JSON Lines "
                               "or CSV)");
        static const char *const formats[] = {"avro", "jsonl", "csv"};
        size_t f = 0;
        const int has_format = cfg_opt_enum(c, n, "format", formats, 3, &f);
        if (has_format < 0)
            return -1;
        if (has_format == 1) {
            ref->file_format = (dd_config_file_format_t)(DD_CONFIG_FILE_AVRO + (int)f);
        } else if (has_suffix(ref->path, ".avro")) {
            ref->file_format = DD_CONFIG_FILE_AVRO;
        } else if (has_suffix(ref->path, ".jsonl") || has_suffix(ref->path, ".ndjson") ||
                   has_suffix(ref->path, ".json")) {
            ref->file_format = DD_CONFIG_FILE_JSONL;
        } else if (has_suffix(ref->path, ".csv")) {
            ref->file_format = DD_CONFIG_FILE_CSV;
        } else {
            char shown[160];
            cfg_shown(c, ref->path, shown, sizeof(shown));
            cfg_path_key(c, "path");
            return cfg_fail(c, cfg_map_get(n, "path"),
                            "cannot tell the format of %s from its name (.avro, .jsonl, .ndjson, "
                            ".json, .csv); expected format: avro, jsonl or csv",
                            shown);
        }
        return 0;
    }
    case DD_CONFIG_REFERENCE_TOPIC: {
        static const char *const keys[] = {"type", "topics", "from", "to"};
        if (cfg_check_keys(c, n, keys, 4, context) != 0)
            return -1;
        const cfg_node_t *topics = cfg_map_get(n, "topics");
        if (topics != NULL) {
            const size_t mark = cfg_path_key(c, "topics");
            if (read_topics(c, topics, 0, &ref->topics, &ref->n_topics) != 0)
                return -1;
            cfg_path_pop(c, mark);
        }
        const cfg_node_t *from = cfg_map_get(n, "from"), *to = cfg_map_get(n, "to");
        if (from == NULL)
            return cfg_missing(c, n, "from",
                               "the start of the reference period, e.g. "
                               "2024-05-01T00:00:00Z");
        if (to == NULL)
            return cfg_missing(c, n, "to",
                               "the end of the reference period, e.g. "
                               "2024-05-08T00:00:00Z");
        size_t mark = cfg_path_key(c, "from");
        if (cfg_get_timestamp(c, from, &ref->from_ms) != 0)
            return -1;
        cfg_path_pop(c, mark);
        mark = cfg_path_key(c, "to");
        if (cfg_get_timestamp(c, to, &ref->to_ms) != 0)
            return -1;
        if (ref->to_ms <= ref->from_ms)
            return cfg_fail(c, to, "the period ends before it starts; expected `to` after `from`");
        cfg_path_pop(c, mark);
        return 0;
    }
    }
    return 0;
}

/* ---- Fields --------------------------------------------------------------------------------- */

static int field_path_ok(const char *p) {
    for (; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7F)
            return 0;
    return 1;
}

/* A field path: non-empty, at most DD_CONFIG_FIELD_PATH_BYTES_MAX bytes, no control characters. */
static int read_field_path(cfg_ctx_t *c, const cfg_node_t *n, const char **out) {
    if (cfg_get_string(c, n, 0, DD_CONFIG_FIELD_PATH_BYTES_MAX, out) != 0)
        return -1;
    if (!field_path_ok(*out))
        return cfg_fail(c, n,
                        "a field path with a control character; expected a dotted path "
                        "such as user.age");
    return 0;
}

static const char *const test_names[] = {
    "ks", "wasserstein", "psi", "jensen_shannon", "hellinger", "kl", "z", "chi2", "tvd"};

static int numeric_test(dd_method_t m) {
    return m != DD_METHOD_CHI2;
}
static int categorical_test(dd_method_t m) {
    return m == DD_METHOD_CHI2 || m == DD_METHOD_PSI || m == DD_METHOD_JENSEN_SHANNON ||
           m == DD_METHOD_HELLINGER || m == DD_METHOD_KL || m == DD_METHOD_TVD;
}

static int read_field(cfg_ctx_t *c, const cfg_node_t *n, dd_config_codec_t codec,
                      dd_config_field_t *f) {
    static const char *const keys[] = {"path",      "test",  "kind",
                                       "threshold", "range", "max_null_rate"};
    if (cfg_expect_mapping(c, n, "a mapping with a path, e.g. {path: age, kind: numeric}") != 0 ||
        cfg_check_keys(c, n, keys, sizeof(keys) / sizeof(keys[0]), NULL) != 0)
        return -1;
    f->at.line = n->line;
    f->at.column = n->column;
    f->threshold = NAN;
    f->max_null_rate = 1.0;
    const cfg_node_t *path = cfg_map_get(n, "path");
    if (path == NULL)
        return cfg_missing(c, n, "path", "the field's dotted path, e.g. user.age");
    size_t mark = cfg_path_key(c, "path");
    if (read_field_path(c, path, &f->path) != 0)
        return -1;
    cfg_path_pop(c, mark);

    static const char *const kinds[] = {"numeric", "categorical"};
    size_t kind = 0;
    const int has_kind = cfg_opt_enum(c, n, "kind", kinds, 2, &kind);
    if (has_kind < 0)
        return -1;
    if (has_kind == 1)
        f->kind = kind == 0 ? DD_COLUMN_NUMERIC : DD_COLUMN_CATEGORICAL;
    else if (codec == DD_CONFIG_CODEC_JSON)
        return cfg_missing(c, n, "kind",
                           "numeric or categorical (JSON has no schema to take it "
                           "from)");

    size_t test = 0;
    const int has_test =
        cfg_opt_enum(c, n, "test", test_names, sizeof(test_names) / sizeof(test_names[0]), &test);
    if (has_test < 0)
        return -1;
    if (has_test == 1) {
        f->test = dd_method_parse(test_names[test]);
        const int ok = f->kind == DD_COLUMN_NUMERIC       ? numeric_test(f->test)
                       : f->kind == DD_COLUMN_CATEGORICAL ? categorical_test(f->test)
                                                          : 1;
        if (!ok) {
            cfg_path_key(c, "test");
            return cfg_fail(c, cfg_map_get(n, "test"),
                            "test %s does not apply to a %s field; expected %s", test_names[test],
                            kinds[kind],
                            f->kind == DD_COLUMN_NUMERIC
                                ? "ks, wasserstein, psi, jensen_shannon, hellinger, kl, z or tvd"
                                : "chi2, psi, jensen_shannon, hellinger, kl or tvd");
        }
    }

    const cfg_node_t *threshold = cfg_map_get(n, "threshold");
    if (threshold != NULL) {
        mark = cfg_path_key(c, "threshold");
        if (has_test == 0)
            return cfg_fail(c, threshold,
                            "a threshold without a test; expected `test:` too "
                            "(the default test depends on the reference size)");
        if (cfg_get_double(c, threshold, &f->threshold) != 0)
            return -1;
        const dd_method_t m = f->test;
        if (m == DD_METHOD_KS || m == DD_METHOD_Z || m == DD_METHOD_CHI2) {
            if (!(f->threshold > 0 && f->threshold < 1))
                return cfg_fail(c, threshold,
                                "%g is not a p-value threshold; expected a number "
                                "between 0 and 1 (exclusive), e.g. 0.05",
                                f->threshold);
        } else if (m == DD_METHOD_JENSEN_SHANNON || m == DD_METHOD_HELLINGER ||
                   m == DD_METHOD_TVD) {
            if (!(f->threshold > 0 && f->threshold <= 1))
                return cfg_fail(c, threshold,
                                "%g is out of range for %s; expected a distance "
                                "above 0 and at most 1, e.g. 0.1",
                                f->threshold, test_names[test]);
        } else if (!(f->threshold > 0 && f->threshold <= 1e6)) {
            return cfg_fail(c, threshold,
                            "%g is out of range for %s; expected a number above 0 "
                            "and at most 1e6, e.g. 0.1",
                            f->threshold, test_names[test]);
        }
        cfg_path_pop(c, mark);
    }

    const cfg_node_t *range = cfg_map_get(n, "range");
    if (range != NULL) {
        mark = cfg_path_key(c, "range");
        if (f->kind == DD_COLUMN_CATEGORICAL)
            return cfg_fail(c, range,
                            "a range for a categorical field; expected it on numeric "
                            "fields only");
        if (range->type != CFG_SEQUENCE || range->n != 2) {
            char got[128];
            cfg_describe(range, got, sizeof(got));
            if (range->type == CFG_SEQUENCE)
                snprintf(got, sizeof(got), "%zu items", range->n);
            return cfg_fail(c, range, "expected [MIN, MAX], got %s", got);
        }
        size_t m2 = cfg_path_index(c, 0);
        if (cfg_get_double(c, range->items[0], &f->range_min) != 0)
            return -1;
        cfg_path_pop(c, m2);
        m2 = cfg_path_index(c, 1);
        if (cfg_get_double(c, range->items[1], &f->range_max) != 0)
            return -1;
        cfg_path_pop(c, m2);
        if (!(f->range_min < f->range_max))
            return cfg_fail(c, range, "[%g, %g] is empty; expected MIN below MAX", f->range_min,
                            f->range_max);
        f->has_range = 1;
        cfg_path_pop(c, mark);
    }

    const cfg_node_t *nulls = cfg_map_get(n, "max_null_rate");
    if (nulls != NULL) {
        mark = cfg_path_key(c, "max_null_rate");
        if (cfg_get_double(c, nulls, &f->max_null_rate) != 0)
            return -1;
        if (!(f->max_null_rate >= 0 && f->max_null_rate <= 1))
            return cfg_fail(c, nulls, "%g is not a rate; expected a number from 0 to 1, e.g. 0.01",
                            f->max_null_rate);
        cfg_path_pop(c, mark);
    }
    return 0;
}

typedef struct path_entry {
    const char *path;
    size_t index;
} path_entry_t;

static int path_entry_compare(const void *pa, const void *pb) {
    const path_entry_t *a = pa, *b = pb;
    const int cmp = strcmp(a->path, b->path);
    if (cmp != 0)
        return cmp;
    return a->index < b->index ? -1 : a->index > b->index;
}

/* Reads the fields, then checks paths are unique through a sorted index (kept for lookups). */
static int read_fields(cfg_ctx_t *c, const cfg_node_t *seq, size_t si) {
    dd_config_stream_t *s = &c->cfg->streams[si];
    if (cfg_expect_sequence(c, seq, 1, DD_CONFIG_FIELDS_MAX, "fields") != 0)
        return -1;
    s->n_fields = seq->n;
    s->fields = cfg_arena_alloc(c->arena, seq->n * sizeof(*s->fields));
    path_entry_t *order = malloc(seq->n * sizeof(*order));
    size_t *sorted = cfg_arena_alloc(c->arena, seq->n * sizeof(*sorted));
    if (s->fields == NULL || order == NULL || sorted == NULL) {
        free(order);
        return cfg_fail(c, seq, "out of memory");
    }
    for (size_t i = 0; i < seq->n; i++) {
        const size_t mark = cfg_path_index(c, i);
        if (read_field(c, seq->items[i], s->codec, &s->fields[i]) != 0) {
            free(order);
            return -1;
        }
        cfg_path_pop(c, mark);
        order[i].path = s->fields[i].path;
        order[i].index = i;
    }
    qsort(order, seq->n, sizeof(*order), path_entry_compare);
    size_t dup = (size_t)-1, first = 0;
    for (size_t i = 0; i < seq->n; i++) {
        sorted[i] = order[i].index;
        if (i > 0 && strcmp(order[i - 1].path, order[i].path) == 0 &&
            (dup == (size_t)-1 || order[i].index < dup) &&
            (i < 2 || strcmp(order[i - 2].path, order[i].path) != 0)) {
            dup = order[i].index;
            first = order[i - 1].index;
        }
    }
    free(order);
    c->field_order[si] = sorted;
    if (dup != (size_t)-1) {
        cfg_path_index(c, dup);
        cfg_path_key(c, "path");
        const cfg_node_t *path = cfg_map_get(seq->items[dup], "path");
        char shown[128];
        cfg_quote(shown, sizeof(shown), s->fields[dup].path, strlen(s->fields[dup].path), 80);
        return cfg_fail(c, path,
                        "field '%s' is declared twice (first at line %u, column %u); "
                        "expected each path once per stream",
                        shown, s->fields[first].at.line, s->fields[first].at.column);
    }
    return 0;
}

long cfg_find_field(const cfg_ctx_t *c, size_t si, const char *path) {
    const dd_config_stream_t *s = &c->cfg->streams[si];
    const size_t *sorted = c->field_order[si];
    size_t lo = 0, hi = s->n_fields;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        const int cmp = strcmp(s->fields[sorted[mid]].path, path);
        if (cmp == 0)
            return (long)sorted[mid];
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* ---- Streams -------------------------------------------------------------------------------- */

static const char *const role_names[] = {"features", "predictions", "labels"};
static const char *const codec_names[] = {"avro-confluent", "avro", "json"};

const char *dd_config_role_name(dd_config_role_t r) {
    return r >= DD_CONFIG_ROLE_FEATURES && r <= DD_CONFIG_ROLE_LABELS ? role_names[r - 1] : "?";
}

const char *dd_config_codec_name(dd_config_codec_t c) {
    return c >= DD_CONFIG_CODEC_AVRO_CONFLUENT && c <= DD_CONFIG_CODEC_JSON ? codec_names[c - 1]
                                                                            : "?";
}

static int stream_name_ok(const char *s) {
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-'))
            return 0;
    return 1;
}

static int read_schema(cfg_ctx_t *c, const cfg_node_t *map, dd_config_stream_t *s) {
    const cfg_node_t *n = cfg_map_get(map, "schema");
    if (n == NULL) {
        if (s->codec == DD_CONFIG_CODEC_AVRO)
            return cfg_missing(c, map, "schema",
                               "the writer schema of codec avro: {file: PATH} "
                               "or {registry_id: ID}");
        return 0;
    }
    const size_t mark = cfg_path_key(c, "schema");
    if (s->codec != DD_CONFIG_CODEC_AVRO)
        return cfg_fail(c, n, "codec %s takes no schema (%s); expected no `schema:` key",
                        dd_config_codec_name(s->codec),
                        s->codec == DD_CONFIG_CODEC_JSON
                            ? "fields are read by path"
                            : "each message names its schema id in the registry");
    static const char *const keys[] = {"file", "registry_id"};
    if (cfg_expect_mapping(c, n, "{file: PATH} or {registry_id: ID}") != 0 ||
        cfg_check_keys(c, n, keys, 2, NULL) != 0)
        return -1;
    const int has_file = cfg_opt_string(c, n, "file", CFG_STR_SUBST | CFG_STR_PATH,
                                        DD_CONFIG_PATH_BYTES_MAX, &s->schema_file);
    if (has_file < 0)
        return -1;
    const int has_id = cfg_opt_u32(c, n, "registry_id", 0, INT32_MAX, &s->schema_id);
    if (has_id < 0)
        return -1;
    if (has_file + has_id != 1)
        return cfg_fail(c, n, "%s; expected exactly one of file or registry_id",
                        has_file ? "both file and registry_id" : "neither file nor registry_id");
    s->has_schema_id = has_id;
    if (has_id && c->cfg->schema_registry.url == NULL) {
        cfg_path_key(c, "registry_id");
        return cfg_fail(c, cfg_map_get(n, "registry_id"),
                        "a registry schema id without a schema_registry section; expected "
                        "schema_registry: {url: ...} at the top level");
    }
    cfg_path_pop(c, mark);
    return 0;
}

static int read_timestamp(cfg_ctx_t *c, const cfg_node_t *map, dd_config_stream_t *s) {
    s->time_source = DD_CONFIG_TIME_KAFKA;
    const cfg_node_t *n = cfg_map_get(map, "timestamp");
    if (n == NULL)
        return 0;
    const size_t mark = cfg_path_key(c, "timestamp");
    if (c->cfg->window.time == DD_CONFIG_WINDOW_PROCESSING_TIME)
        return cfg_fail(c, n,
                        "a record timestamp, but window.time is processing; expected no "
                        "`timestamp:` or window.time: event");
    if (cfg_expect_mapping(c, n,
                           "{source: kafka} or {source: field, field: PATH, format: "
                           "millis}") != 0)
        return -1;
    static const char *const sources[] = {"kafka", "field"};
    size_t source = 0;
    const int has_source = cfg_opt_enum(c, n, "source", sources, 2, &source);
    if (has_source < 0)
        return -1;
    if (has_source == 0) {
        static const char *const any[] = {"source", "field", "format"};
        if (cfg_check_keys(c, n, any, 3, NULL) != 0)
            return -1;
        return cfg_missing(c, n, "source", "kafka (the message timestamp) or field");
    }
    if (source == 0) {
        static const char *const keys[] = {"source"};
        if (cfg_check_keys(c, n, keys, 1, "for source kafka") != 0)
            return -1;
        cfg_path_pop(c, mark);
        return 0;
    }
    static const char *const keys[] = {"source", "field", "format"};
    if (cfg_check_keys(c, n, keys, 3, "for source field") != 0)
        return -1;
    s->time_source = DD_CONFIG_TIME_FIELD;
    const cfg_node_t *field = cfg_map_get(n, "field");
    if (field == NULL)
        return cfg_missing(c, n, "field", "the path of the record's event time");
    size_t m2 = cfg_path_key(c, "field");
    if (read_field_path(c, field, &s->time_field) != 0)
        return -1;
    cfg_path_pop(c, m2);
    static const char *const formats[] = {"seconds", "millis", "micros", "nanos", "iso8601"};
    size_t format = 0;
    const int has_format = cfg_opt_enum(c, n, "format", formats, 5, &format);
    if (has_format < 0)
        return -1;
    if (has_format == 0)
        return cfg_missing(c, n, "format",
                           "seconds, millis, micros or nanos (a number since the "
                           "epoch) or iso8601 (a string)");
    s->time_format = (dd_config_time_format_t)(DD_CONFIG_TIME_SECONDS + (int)format);
    cfg_path_pop(c, mark);
    return 0;
}

static int read_keys(cfg_ctx_t *c, const cfg_node_t *map, dd_config_stream_t *s) {
    s->max_key_values = 100;
    const cfg_node_t *n = cfg_map_get(map, "keys");
    const cfg_node_t *max = cfg_map_get(map, "max_key_values");
    if (n != NULL) {
        const size_t mark = cfg_path_key(c, "keys");
        if (cfg_expect_sequence(c, n, 1, DD_CONFIG_KEYS_MAX, "key fields") != 0)
            return -1;
        const char **keys = cfg_arena_alloc(c->arena, n->n * sizeof(*keys));
        if (keys == NULL)
            return cfg_fail(c, n, "out of memory");
        for (size_t i = 0; i < n->n; i++) {
            const size_t m2 = cfg_path_index(c, i);
            if (read_field_path(c, n->items[i], &keys[i]) != 0)
                return -1;
            for (size_t j = 0; j < i; j++)
                if (strcmp(keys[i], keys[j]) == 0)
                    return cfg_fail(c, n->items[i],
                                    "key field listed twice; expected each "
                                    "once");
            cfg_path_pop(c, m2);
        }
        s->keys = keys;
        s->n_keys = n->n;
        cfg_path_pop(c, mark);
    }
    if (max != NULL) {
        if (n == NULL) {
            cfg_path_key(c, "max_key_values");
            return cfg_fail(c, max, "max_key_values without keys; expected `keys:` too");
        }
        if (cfg_opt_u32(c, map, "max_key_values", 1, DD_CONFIG_KEY_VALUES_MAX,
                        &s->max_key_values) < 0)
            return -1;
    }
    return 0;
}

static int read_stream(cfg_ctx_t *c, const cfg_node_t *n, size_t si) {
    dd_config_stream_t *s = &c->cfg->streams[si];
    static const char *const keys[] = {"name",   "topics",    "role", "codec",
                                       "schema", "timestamp", "keys", "max_key_values",
                                       "fields", "reference"};
    if (cfg_expect_mapping(c, n, "a mapping with name, topics, codec and fields") != 0 ||
        cfg_check_keys(c, n, keys, sizeof(keys) / sizeof(keys[0]), NULL) != 0)
        return -1;
    s->at.line = n->line;
    s->at.column = n->column;

    const cfg_node_t *name = cfg_map_get(n, "name");
    if (name == NULL)
        return cfg_missing(c, n, "name", "a unique stream name (letters, digits, _ and -)");
    size_t mark = cfg_path_key(c, "name");
    if (cfg_get_string(c, name, 0, DD_CONFIG_NAME_BYTES_MAX, &s->name) != 0)
        return -1;
    if (!stream_name_ok(s->name)) {
        char shown[128];
        cfg_quote(shown, sizeof(shown), s->name, strlen(s->name), 64);
        return cfg_fail(c, name,
                        "'%s' is not a stream name; expected letters, digits, _ and - "
                        "only",
                        shown);
    }
    for (size_t j = 0; j < si; j++)
        if (strcmp(c->cfg->streams[j].name, s->name) == 0)
            return cfg_fail(c, name,
                            "stream name '%s' is used twice (first at line %u, column "
                            "%u); expected unique names",
                            s->name, c->cfg->streams[j].at.line, c->cfg->streams[j].at.column);
    cfg_path_pop(c, mark);

    const cfg_node_t *topics = cfg_map_get(n, "topics");
    if (topics == NULL)
        return cfg_missing(c, n, "topics", "the Kafka topics to read, e.g. [model.features]");
    mark = cfg_path_key(c, "topics");
    if (read_topics(c, topics, 1, &s->topics, &s->n_topics) != 0)
        return -1;
    cfg_path_pop(c, mark);

    size_t role = 0;
    if (cfg_opt_enum(c, n, "role", role_names, 3, &role) < 0)
        return -1;
    s->role = (dd_config_role_t)(DD_CONFIG_ROLE_FEATURES + (int)role);

    size_t codec = 0;
    const int has_codec = cfg_opt_enum(c, n, "codec", codec_names, 3, &codec);
    if (has_codec < 0)
        return -1;
    if (has_codec == 0)
        return cfg_missing(c, n, "codec", "avro-confluent, avro or json");
    s->codec = (dd_config_codec_t)(DD_CONFIG_CODEC_AVRO_CONFLUENT + (int)codec);
    if (s->codec == DD_CONFIG_CODEC_AVRO_CONFLUENT && c->cfg->schema_registry.url == NULL) {
        cfg_path_key(c, "codec");
        return cfg_fail(c, cfg_map_get(n, "codec"),
                        "codec avro-confluent looks schemas up by id, but there is no "
                        "schema_registry section; expected schema_registry: {url: ...} at the "
                        "top level");
    }
    if (read_schema(c, n, s) != 0 || read_timestamp(c, n, s) != 0 || read_keys(c, n, s) != 0)
        return -1;

    const cfg_node_t *fields = cfg_map_get(n, "fields");
    if (fields == NULL)
        return cfg_missing(c, n, "fields",
                           "the fields to watch, e.g. [{path: age, kind: "
                           "numeric}]");
    mark = cfg_path_key(c, "fields");
    if (read_fields(c, fields, si) != 0)
        return -1;
    cfg_path_pop(c, mark);
    c->cfg->n_fields += s->n_fields;

    const cfg_node_t *ref = cfg_map_get(n, "reference");
    if (ref != NULL) {
        mark = cfg_path_key(c, "reference");
        if (cfg_read_reference(c, ref, &s->reference) != 0)
            return -1;
        cfg_path_pop(c, mark);
    } else {
        s->reference = c->cfg->reference;
    }
    return 0;
}

int cfg_read_streams(cfg_ctx_t *c, const cfg_node_t *seq) {
    if (cfg_expect_sequence(c, seq, 1, DD_CONFIG_STREAMS_MAX, "streams") != 0)
        return -1;
    dd_config_t *cfg = c->cfg;
    cfg->streams = cfg_arena_alloc(c->arena, seq->n * sizeof(*cfg->streams));
    c->field_order = cfg_arena_alloc(c->arena, seq->n * sizeof(*c->field_order));
    if (cfg->streams == NULL || c->field_order == NULL)
        return cfg_fail(c, seq, "out of memory");
    uint64_t windows = 0; /* every key of a stream with keys has a window, in one state file */
    for (size_t i = 0; i < seq->n; i++) {
        const size_t mark = cfg_path_index(c, i);
        if (read_stream(c, seq->items[i], i) != 0)
            return -1;
        const dd_config_stream_t *s = &cfg->streams[i];
        windows += 1 + (s->n_keys > 0 ? s->max_key_values : 0);
        if (windows > DD_CONFIG_WINDOWS_MAX) {
            const cfg_node_t *max = cfg_map_get(seq->items[i], "max_key_values");
            cfg_path_key(c, max != NULL ? "max_key_values" : "keys");
            return cfg_fail(c, max != NULL ? max : cfg_map_get(seq->items[i], "keys"),
                            "the streams and their max_key_values come to more than %u "
                            "windows; expected fewer keys per stream",
                            DD_CONFIG_WINDOWS_MAX);
        }
        cfg_path_pop(c, mark);
        cfg->n_streams = i + 1;
    }
    return 0;
}
