/* config_streams.c — the `streams:` section (its table and that of its fields, and the keys with a
 * structure of their own: topics, schema, timestamp, keys, fields), `reference:` mappings,
 * top-level or per stream, and alerts.mute, which names streams and fields. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"

/* ---- References ----------------------------------------------------------------------------- */

static const char *const reference_types[] = {"first_window", "file",     "snapshot",
                                              "topic",        "trailing", NULL};
static const char *const file_formats[] = {"avro", "jsonl", "csv", NULL};

const char *dd_config_reference_type_name(dd_config_reference_type_t t) {
    return t >= DD_CONFIG_REFERENCE_FIRST_WINDOW && t <= DD_CONFIG_REFERENCE_TRAILING
               ? reference_types[t - 1]
               : "?";
}

static int has_suffix(const char *s, const char *suffix) {
    const size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* A scalar (one topic) or a sequence of 1 to DD_CONFIG_TOPICS_MAX distinct ones. */
static int read_topics(cfg_ctx_t *c, const cfg_node_t *n, int allow_regex, const char *const **out,
                       size_t *n_out) {
    const size_t count = n->type == CFG_SEQUENCE ? n->n : 1;
    if (n->type != CFG_SCALAR && cfg_expect_sequence(c, n, 1, DD_CONFIG_TOPICS_MAX, "topics") != 0)
        return -1;
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

/* Without `format:`, the file's name tells it. */
static int reference_format(cfg_ctx_t *c, const cfg_node_t *n, void *section) {
    dd_config_reference_t *ref = section;
    if (ref->file_format != 0)
        return 0;
    if (has_suffix(ref->path, ".avro"))
        ref->file_format = DD_CONFIG_FILE_AVRO;
    else if (has_suffix(ref->path, ".jsonl") || has_suffix(ref->path, ".ndjson") ||
             has_suffix(ref->path, ".json"))
        ref->file_format = DD_CONFIG_FILE_JSONL;
    else if (has_suffix(ref->path, ".csv"))
        ref->file_format = DD_CONFIG_FILE_CSV;
    if (ref->file_format != 0)
        return 0;
    char shown[160];
    cfg_shown(c, ref->path, shown, sizeof(shown));
    return cfg_fail_key(c, n, "path",
                        "cannot tell the format of %s from its name (.avro, .jsonl, .ndjson, "
                        ".json, .csv); expected format: avro, jsonl or csv",
                        shown);
}

static int reference_topics(cfg_ctx_t *c, const cfg_node_t *n, void *section) {
    dd_config_reference_t *ref = section;
    const cfg_node_t *topics = cfg_map_get(n, "topics");
    if (topics == NULL)
        return 0;
    const size_t mark = cfg_path_key(c, "topics");
    if (read_topics(c, topics, 0, &ref->topics, &ref->n_topics) != 0)
        return -1;
    cfg_path_pop(c, mark);
    return 0;
}

static int reference_period(cfg_ctx_t *c, const cfg_node_t *n, void *section) {
    const dd_config_reference_t *ref = section;
    if (ref->to_ms > ref->from_ms)
        return 0;
    return cfg_fail_key(c, n, "to", "the period ends before it starts; expected `to` after `from`");
}

#define REFERENCE(member) CFG_AT(dd_config_reference_t, member)
#define ONLY(type) CFG_VARIANT(DD_CONFIG_REFERENCE_##type)
static const cfg_key_t reference_keys[] = {
    {"type", CFG_T_ENUM, CFG_K_REQUIRED, REFERENCE(type), .names = reference_types,
     .doc = "first_window, file, snapshot, topic or trailing"},
    {"path", CFG_T_PATH, CFG_K_REQUIRED, REFERENCE(path), .variants = ONLY(FILE),
     .doc = "a dataset file (Avro object container, JSON Lines or CSV)"},
    {"path", CFG_T_PATH, CFG_K_REQUIRED, REFERENCE(path), .variants = ONLY(SNAPSHOT),
     .doc = "the snapshot file written by `driftd baseline`"},
    {"format", CFG_T_ENUM, 0, REFERENCE(file_format), .variants = ONLY(FILE), .names = file_formats,
     .check = reference_format,
     .doc = "the dataset's format; by default from the file's extension"},
    {"topics", CFG_T_CUSTOM, 0, REFERENCE(topics), .variants = ONLY(TOPIC),
     .read = reference_topics, .print = cfg_print_reference_topics,
     .doc = "the topics to read; by default the stream's"},
    {"from", CFG_T_TIMESTAMP, CFG_K_REQUIRED, REFERENCE(from_ms), .variants = ONLY(TOPIC),
     .doc = "the start of the reference period, e.g. 2024-05-01T00:00:00Z"},
    {"to", CFG_T_TIMESTAMP, CFG_K_REQUIRED, REFERENCE(to_ms), .variants = ONLY(TOPIC),
     .check = reference_period,
     .doc = "the end of the reference period, e.g. 2024-05-08T00:00:00Z"},
};
const cfg_table_t cfg_reference_table =
    CFG_TABLE(reference_keys,
              .expected = "a mapping with a type (first_window, file, snapshot, topic or trailing)",
              .variant_key = "type", .variant_what = "reference type");

/* ---- Fields --------------------------------------------------------------------------------- */

static const char *const kind_names[] = {"numeric", "categorical", NULL};
/* In dd_method_t's order: DD_METHOD_KS is 1 + index 0. */
static const char *const test_names[] = {
    "ks", "wasserstein", "psi", "jensen_shannon", "hellinger", "kl", "z", "chi2", "tvd", NULL};

static int numeric_test(dd_method_t m) {
    return m != DD_METHOD_CHI2;
}
static int categorical_test(dd_method_t m) {
    return m == DD_METHOD_CHI2 || m == DD_METHOD_PSI || m == DD_METHOD_JENSEN_SHANNON ||
           m == DD_METHOD_HELLINGER || m == DD_METHOD_KL || m == DD_METHOD_TVD;
}

/* JSON has no schema to take a kind from; a test must fit the kind. */
static int field_kind(cfg_ctx_t *c, const cfg_node_t *n, void *section) {
    const dd_config_field_t *f = section;
    if (f->kind == 0 && c->stream->codec == DD_CONFIG_CODEC_JSON)
        return cfg_missing(c, n, "kind",
                           "numeric or categorical (JSON has no schema to take it "
                           "from)");
    if (f->kind == 0 || f->test == DD_METHOD_AUTO ||
        (f->kind == DD_COLUMN_NUMERIC ? numeric_test(f->test) : categorical_test(f->test)))
        return 0;
    return cfg_fail_key(c, n, "test", "test %s does not apply to a %s field; expected %s",
                        test_names[f->test - 1], kind_names[f->kind - 1],
                        f->kind == DD_COLUMN_NUMERIC
                            ? "ks, wasserstein, psi, jensen_shannon, hellinger, kl, z or tvd"
                            : "chi2, psi, jensen_shannon, hellinger, kl or tvd");
}

/* A threshold's range depends on its test: p-values, distances bounded by 1, other scores. */
static int field_threshold(cfg_ctx_t *c, const cfg_node_t *n, void *section) {
    const dd_config_field_t *f = section;
    const cfg_node_t *v = cfg_map_get(n, "threshold");
    const double t = f->threshold;
    const dd_method_t m = f->test;
    if (v == NULL)
        return 0;
    const size_t mark = cfg_path_key(c, "threshold");
    if (m == DD_METHOD_AUTO)
        return cfg_fail(c, v,
                        "a threshold without a test; expected `test:` too "
                        "(the default test depends on the reference size)");
    if (m == DD_METHOD_KS || m == DD_METHOD_Z || m == DD_METHOD_CHI2) {
        if (!(t > 0 && t < 1))
            return cfg_fail(c, v,
                            "%g is not a p-value threshold; expected a number "
                            "between 0 and 1 (exclusive), e.g. 0.05",
                            t);
    } else if (m == DD_METHOD_JENSEN_SHANNON || m == DD_METHOD_HELLINGER || m == DD_METHOD_TVD) {
        if (!(t > 0 && t <= 1))
            return cfg_fail(c, v,
                            "%g is out of range for %s; expected a distance "
                            "above 0 and at most 1, e.g. 0.1",
                            t, test_names[m - 1]);
    } else if (!(t > 0 && t <= 1e6)) {
        return cfg_fail(c, v,
                        "%g is out of range for %s; expected a number above 0 "
                        "and at most 1e6, e.g. 0.1",
                        t, test_names[m - 1]);
    }
    cfg_path_pop(c, mark);
    return 0;
}

static int read_range(cfg_ctx_t *c, const cfg_node_t *n, void *section) {
    dd_config_field_t *f = section;
    const cfg_node_t *range = cfg_map_get(n, "range");
    if (range == NULL)
        return 0;
    const size_t mark = cfg_path_key(c, "range");
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
    double *bounds[] = {&f->range_min, &f->range_max};
    for (size_t i = 0; i < 2; i++) {
        const size_t m2 = cfg_path_index(c, i);
        if (cfg_get_double(c, range->items[i], bounds[i]) != 0)
            return -1;
        cfg_path_pop(c, m2);
    }
    if (!(f->range_min < f->range_max))
        return cfg_fail(c, range, "[%g, %g] is empty; expected MIN below MAX", f->range_min,
                        f->range_max);
    f->has_range = 1;
    cfg_path_pop(c, mark);
    return 0;
}

#define FIELD(member) CFG_AT(dd_config_field_t, member)
static int field_runbook(cfg_ctx_t *c, const cfg_node_t *n, void *section) {
    return cfg_check_runbook(c, n, "runbook_url", ((const dd_config_field_t *)section)->runbook_url);
}

static const cfg_key_t field_keys[] = {
    {"path", CFG_T_FIELD_PATH, CFG_K_REQUIRED, FIELD(path), .doc_default = "**required**",
     .doc = "the field's dotted path, e.g. user.age"},
    {"test", CFG_T_ENUM, CFG_K_NO_DEFAULT, FIELD(test), .names = test_names,
     .doc_default = "the default model of [judging.md](judging.md)",
     .doc = "the drift test the field is judged by"},
    {"kind", CFG_T_ENUM, CFG_K_NO_DEFAULT, FIELD(kind), .names = kind_names, .check = field_kind,
     .doc_default = "the Avro schema's (required for `codec: json`)",
     .doc = "numbers, or categories counted by value"},
    {"threshold", CFG_T_DOUBLE, CFG_K_NO_DEFAULT, FIELD(threshold), .def_double = NAN,
     .check = field_threshold, .doc_default = "the test's default",
     .doc = "where the test's statistic means drift"},
    {"range", CFG_T_CUSTOM, 0, FIELD(has_range), .read = read_range, .print = cfg_print_range,
     .doc_default = "none", .doc = "the values expected; others are a data-quality event"},
    {"max_null_rate", CFG_T_DOUBLE, 0, FIELD(max_null_rate), .def_double = 1, .min_double = 0,
     .max_double = 1, .out_of_range = "is not a rate; expected a number from 0 to 1, e.g. 0.01",
     .doc_default = "`1` (not checked)",
     .doc = "the share of null or absent values above which a data-quality event is raised"},
    {"runbook_url", CFG_T_STRING, CFG_K_SUBST | CFG_K_NO_DEFAULT, FIELD(runbook_url),
     .max_len = 2048, .check = field_runbook, .doc_default = "none (the stream's)",
     .doc = "a page that says what to do about this field's alerts"},
};
const cfg_table_t cfg_field_table =
    CFG_TABLE(field_keys, .expected = "a mapping with a path, e.g. {path: age, kind: numeric}",
              .doc_heading = "### Fields");

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
    int failed = 0;
    for (size_t i = 0; i < seq->n; i++) {
        const size_t mark = cfg_path_index(c, i);
        s->fields[i].at.line = seq->items[i]->line;
        s->fields[i].at.column = seq->items[i]->column;
        if (cfg_read_table(c, seq->items[i], &cfg_field_table, &s->fields[i]) != 0)
            failed = 1; /* the other fields are read on: every error is reported */
        cfg_path_pop(c, mark);
        order[i].path = s->fields[i].path != NULL ? s->fields[i].path : "";
        order[i].index = i;
    }
    if (failed) {
        free(order);
        return -1;
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

static const char *const role_names[] = {"features", "predictions", "labels", NULL};
static const char *const codec_names[] = {"avro-confluent", "avro", "json", NULL};

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

static int no_schema(const dd_config_t *cfg, const void *section) {
    const dd_config_stream_t *s = section;
    (void)cfg;
    return s->schema_file == NULL && !s->has_schema_id;
}

static int no_schema_id(const dd_config_t *cfg, const void *section) {
    (void)cfg;
    return !((const dd_config_stream_t *)section)->has_schema_id;
}

#define STREAM(member) CFG_AT(dd_config_stream_t, member)
static const cfg_key_t schema_keys[] = {
    {"file", CFG_T_PATH, CFG_K_NO_DEFAULT, STREAM(schema_file),
     .doc = "a file with the writer schema's JSON"},
    {"registry_id", CFG_T_INT, 0, STREAM(schema_id), .max = INT32_MAX, .omit = no_schema_id,
     .doc = "the writer schema's id in the registry"},
};
static const cfg_table_t schema_table =
    CFG_TABLE(schema_keys, .expected = "{file: PATH} or {registry_id: ID}");

/* Only codec avro has a schema, from a file or by id. */
static int stream_schema(cfg_ctx_t *c, const cfg_node_t *map, void *section) {
    dd_config_stream_t *s = section;
    const cfg_node_t *n = cfg_map_get(map, "schema");
    if (n == NULL)
        return s->codec != DD_CONFIG_CODEC_AVRO ? 0
                                                : cfg_missing(c, map, "schema",
                                                              "the writer schema of codec avro: "
                                                              "{file: PATH} or {registry_id: ID}");
    const size_t mark = cfg_path_key(c, "schema");
    if (s->codec != DD_CONFIG_CODEC_AVRO)
        return cfg_fail(c, n, "codec %s takes no schema (%s); expected no `schema:` key",
                        dd_config_codec_name(s->codec),
                        s->codec == DD_CONFIG_CODEC_JSON
                            ? "fields are read by path"
                            : "each message names its schema id in the registry");
    const cfg_node_t *id = cfg_map_get(n, "registry_id");
    s->has_schema_id = id != NULL;
    if ((s->schema_file != NULL) == s->has_schema_id)
        return cfg_fail(c, n, "%s; expected exactly one of file or registry_id",
                        id ? "both file and registry_id" : "neither file nor registry_id");
    if (id != NULL && c->cfg->schema_registry.url == NULL)
        return cfg_fail_key(c, n, "registry_id",
                            "a registry schema id without a schema_registry section; expected "
                            "schema_registry: {url: ...} at the top level");
    cfg_path_pop(c, mark);
    return 0;
}

static const char *const time_sources[] = {"kafka", "field", NULL};
static const char *const time_formats[] = {"seconds", "millis", "micros", "nanos", "iso8601", NULL};
static const cfg_key_t timestamp_keys[] = {
    {"source", CFG_T_ENUM, CFG_K_REQUIRED, STREAM(time_source), .def = DD_CONFIG_TIME_KAFKA,
     .names = time_sources, .doc = "kafka (the message timestamp) or field"},
    {"field", CFG_T_FIELD_PATH, CFG_K_REQUIRED, STREAM(time_field),
     .variants = CFG_VARIANT(DD_CONFIG_TIME_FIELD), .doc = "the path of the record's event time"},
    {"format", CFG_T_ENUM, CFG_K_REQUIRED, STREAM(time_format),
     .variants = CFG_VARIANT(DD_CONFIG_TIME_FIELD), .names = time_formats,
     .doc = "seconds, millis, micros or nanos (a number since the epoch) or iso8601 (a string)"},
};
static const cfg_table_t timestamp_table = CFG_TABLE(
    timestamp_keys, .expected = "{source: kafka} or {source: field, field: PATH, format: millis}",
    .variant_key = "source", .variant_what = "source");

static const cfg_key_t multivariate_keys[] = {
    {"enabled", CFG_T_BOOL, 0, STREAM(mv_enabled), .def = 1, .doc_default = "`true`",
     .doc = "judge the numeric fields together"},
    {"max_fields", CFG_T_INT, 0, STREAM(mv_max_fields), .def = 32, .min = 2,
     .max = DD_CONFIG_MV_FIELDS_MAX, .doc_default = "`32`",
     .doc = "off when the stream has more numeric fields"},
    {"variance", CFG_T_DOUBLE, 0, STREAM(mv_variance), .def_double = 0.9, .min_double = 0.5,
     .max_double = 0.99, .out_of_range = "is out of range; expected a share from 0.5 to 0.99",
     .doc_default = "`0.9`", .doc = "share of the reference's variance the components keep"},
};
static const cfg_table_t multivariate_table =
    CFG_TABLE(multivariate_keys, .expected = "{enabled: true, max_fields: 32, variance: 0.9}");

static int timestamp_event_time(cfg_ctx_t *c, const cfg_node_t *map, void *section) {
    const cfg_node_t *n = cfg_map_get(map, "timestamp");
    (void)section;
    if (n == NULL || c->cfg->window.time != DD_CONFIG_WINDOW_PROCESSING_TIME)
        return 0;
    return cfg_fail_key(c, map, "timestamp",
                        "a record timestamp, but window.time is processing; expected no "
                        "`timestamp:` or window.time: event");
}

static int read_keys(cfg_ctx_t *c, const cfg_node_t *map, void *section) {
    dd_config_stream_t *s = section;
    const cfg_node_t *n = cfg_map_get(map, "keys");
    if (n == NULL)
        return 0;
    const size_t mark = cfg_path_key(c, "keys");
    if (cfg_expect_sequence(c, n, 1, DD_CONFIG_KEYS_MAX, "key fields") != 0)
        return -1;
    const char **keys = cfg_arena_alloc(c->arena, n->n * sizeof(*keys));
    if (keys == NULL)
        return cfg_fail(c, n, "out of memory");
    for (size_t i = 0; i < n->n; i++) {
        const size_t m2 = cfg_path_index(c, i);
        if (cfg_get_field_path(c, n->items[i], &keys[i]) != 0)
            return -1;
        for (size_t j = 0; j < i; j++)
            if (strcmp(keys[i], keys[j]) == 0)
                return cfg_fail(c, n->items[i], "key field listed twice; expected each once");
        cfg_path_pop(c, m2);
    }
    s->keys = keys;
    s->n_keys = n->n;
    cfg_path_pop(c, mark);
    return 0;
}

static int no_keys(const dd_config_t *cfg, const void *section) {
    (void)cfg;
    return ((const dd_config_stream_t *)section)->n_keys == 0;
}

static int max_key_values_with_keys(cfg_ctx_t *c, const cfg_node_t *map, void *section) {
    const cfg_node_t *max = cfg_map_get(map, "max_key_values");
    if (max == NULL || !no_keys(c->cfg, section))
        return 0;
    return cfg_fail_key(c, map, "max_key_values",
                        "max_key_values without keys; expected `keys:` too");
}

static int stream_name(cfg_ctx_t *c, const cfg_node_t *map, void *section) {
    const dd_config_stream_t *s = section;
    const cfg_node_t *name = cfg_map_get(map, "name");
    const size_t mark = cfg_path_key(c, "name");
    if (!stream_name_ok(s->name)) {
        char shown[128];
        cfg_quote(shown, sizeof(shown), s->name, strlen(s->name), 64);
        return cfg_fail(c, name,
                        "'%s' is not a stream name; expected letters, digits, _ and - only", shown);
    }
    for (const dd_config_stream_t *other = c->cfg->streams; other < s; other++)
        if (other->name != NULL && strcmp(other->name, s->name) == 0)
            return cfg_fail(c, name,
                            "stream name '%s' is used twice (first at line %u, column "
                            "%u); expected unique names",
                            s->name, other->at.line, other->at.column);
    cfg_path_pop(c, mark);
    return 0;
}

static int stream_codec(cfg_ctx_t *c, const cfg_node_t *map, void *section) {
    const dd_config_stream_t *s = section;
    if (s->codec != DD_CONFIG_CODEC_AVRO_CONFLUENT || c->cfg->schema_registry.url != NULL)
        return 0;
    return cfg_fail_key(c, map, "codec",
                        "codec avro-confluent looks schemas up by id, but there is no "
                        "schema_registry section; expected schema_registry: {url: ...} at the "
                        "top level");
}

static int read_stream_topics(cfg_ctx_t *c, const cfg_node_t *map, void *section) {
    dd_config_stream_t *s = section;
    const size_t mark = cfg_path_key(c, "topics");
    if (read_topics(c, cfg_map_get(map, "topics"), 1, &s->topics, &s->n_topics) != 0)
        return -1;
    cfg_path_pop(c, mark);
    return 0;
}

static int read_stream_fields(cfg_ctx_t *c, const cfg_node_t *map, void *section) {
    dd_config_stream_t *s = section;
    const size_t mark = cfg_path_key(c, "fields");
    if (read_fields(c, cfg_map_get(map, "fields"), (size_t)(s - c->cfg->streams)) != 0)
        return -1;
    cfg_path_pop(c, mark);
    c->cfg->n_fields += s->n_fields;
    return 0;
}

static int inherit_reference(cfg_ctx_t *c, const cfg_node_t *map, void *section) {
    if (cfg_map_get(map, "reference") == NULL)
        ((dd_config_stream_t *)section)->reference = c->cfg->reference;
    return 0;
}

static int processing_time(const dd_config_t *cfg, const void *section) {
    (void)section;
    return cfg->window.time == DD_CONFIG_WINDOW_PROCESSING_TIME;
}

static int stream_runbook(cfg_ctx_t *c, const cfg_node_t *n, void *section) {
    return cfg_check_runbook(c, n, "runbook_url",
                             ((const dd_config_stream_t *)section)->runbook_url);
}

static const cfg_key_t stream_keys[] = {
    {"name", CFG_T_STRING, CFG_K_REQUIRED, STREAM(name), .max_len = DD_CONFIG_NAME_BYTES_MAX,
     .check = stream_name, .doc_default = "**required**",
     .doc = "a unique stream name (letters, digits, _ and -)"},
    {"topics", CFG_T_CUSTOM, CFG_K_REQUIRED, STREAM(topics), .read = read_stream_topics,
     .print = cfg_print_topics, .doc_default = "**required**",
     .doc = "the Kafka topics to read, e.g. [model.features]"},
    {"role", CFG_T_ENUM, 0, STREAM(role), .def = DD_CONFIG_ROLE_FEATURES, .names = role_names,
     .doc_default = "`features`", .doc = "what the records are to the model"},
    {"codec", CFG_T_ENUM, CFG_K_REQUIRED, STREAM(codec), .names = codec_names,
     .check = stream_codec, .doc_default = "**required**", .doc = "avro-confluent, avro or json"},
    {"schema", CFG_T_TABLE, 0, .offset = 0, .size = sizeof(dd_config_stream_t),
     .table = &schema_table, .check = stream_schema, .omit = no_schema, .doc_default = "see below",
     .doc = "the writer schema of codec avro"},
    {"timestamp", CFG_T_TABLE, 0, .offset = 0, .size = sizeof(dd_config_stream_t),
     .table = &timestamp_table, .check = timestamp_event_time, .omit = processing_time,
     .doc_default = "`{source: kafka}`", .doc = "where a record's event time comes from"},
    {"keys", CFG_T_CUSTOM, 0, STREAM(keys), .read = read_keys, .print = cfg_print_keys,
     .doc_default = "none", .doc = "field paths whose values split the stream"},
    {"max_key_values", CFG_T_INT, 0, STREAM(max_key_values), .def = 100, .min = 1,
     .max = DD_CONFIG_KEY_VALUES_MAX, .check = max_key_values_with_keys, .omit = no_keys,
     .doc_default = "`100`", .doc = "key value combinations tracked at once"},
    {"fields", CFG_T_CUSTOM, CFG_K_REQUIRED, STREAM(fields), .read = read_stream_fields,
     .print = cfg_print_fields, .doc_default = "**required**",
     .doc = "the fields to watch, e.g. [{path: age, kind: numeric}]"},
    {"reference", CFG_T_TABLE, 0, STREAM(reference), .table = &cfg_reference_table,
     .check = inherit_reference, .doc_default = "the top-level `reference`",
     .doc = "what the stream's window is compared with"},
    {"runbook_url", CFG_T_STRING, CFG_K_SUBST | CFG_K_NO_DEFAULT, STREAM(runbook_url),
     .max_len = 2048, .check = stream_runbook, .doc_default = "none (alerts.runbook_url)",
     .doc = "a page that says what to do about this stream's alerts"},
    {"multivariate", CFG_T_TABLE, 0, .offset = 0, .size = sizeof(dd_config_stream_t),
     .table = &multivariate_table, .doc_default = "`{enabled: true, max_fields: 32, variance: 0.9}`",
     .doc = "the numeric fields judged together"},
};
const cfg_table_t cfg_stream_table =
    CFG_TABLE(stream_keys, .expected = "a mapping with name, topics, codec and fields",
              .doc_heading = "## `streams`");

int cfg_read_streams(cfg_ctx_t *c, const cfg_node_t *seq) {
    if (cfg_expect_sequence(c, seq, 1, DD_CONFIG_STREAMS_MAX, "streams") != 0)
        return -1;
    dd_config_t *cfg = c->cfg;
    cfg->streams = cfg_arena_alloc(c->arena, seq->n * sizeof(*cfg->streams));
    c->field_order = cfg_arena_alloc(c->arena, seq->n * sizeof(*c->field_order));
    if (cfg->streams == NULL || c->field_order == NULL)
        return cfg_fail(c, seq, "out of memory");
    uint64_t windows = 0; /* every key of a stream with keys has a window, in one state file */
    int failed = 0;
    for (size_t i = 0; i < seq->n; i++) {
        const size_t mark = cfg_path_index(c, i);
        dd_config_stream_t *s = &cfg->streams[i];
        s->at.line = seq->items[i]->line;
        s->at.column = seq->items[i]->column;
        c->stream = s;
        if (failed) { /* after a failed stream, the others are read for their own errors */
            cfg_read_table(c, seq->items[i], &cfg_stream_table, s);
            cfg_path_pop(c, mark);
            continue;
        }
        if (cfg_read_table(c, seq->items[i], &cfg_stream_table, s) != 0) {
            failed = 1;
            cfg_path_pop(c, mark);
            continue;
        }
        windows += 1 + (s->n_keys > 0 ? s->max_key_values : 0);
        if (windows > DD_CONFIG_WINDOWS_MAX)
            return cfg_fail_key(c, seq->items[i],
                                cfg_map_get(seq->items[i], "max_key_values") ? "max_key_values"
                                                                             : "keys",
                                "the streams and their max_key_values come to more than %u "
                                "windows; expected fewer keys per stream",
                                DD_CONFIG_WINDOWS_MAX);
        cfg_path_pop(c, mark);
        cfg->n_streams = i + 1;
    }
    return failed ? -1 : 0;
}

/* ---- alerts.mute ---------------------------------------------------------------------------- */

static int stream_name_compare(const void *pa, const void *pb) {
    const dd_config_stream_t *a = *(const dd_config_stream_t *const *)pa;
    const dd_config_stream_t *b = *(const dd_config_stream_t *const *)pb;
    return strcmp(a->name, b->name);
}

/* The stream named by the first len bytes of name, or NULL; `sorted` is ordered by name. */
static dd_config_stream_t *find_stream(dd_config_stream_t *const *sorted, size_t count,
                                       const char *name, size_t len) {
    size_t lo = 0, hi = count;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        const char *m = sorted[mid]->name;
        int cmp = strncmp(m, name, len);
        if (cmp == 0 && m[len] != '\0')
            cmp = 1;
        if (cmp == 0)
            return sorted[mid];
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* "STREAM" mutes a stream, "STREAM.PATH" one of its fields; both must exist. */
int cfg_read_mute(cfg_ctx_t *c, const cfg_node_t *alerts, void *section) {
    dd_config_alerts_t *a = section;
    dd_config_t *cfg = c->cfg;
    const cfg_node_t *n = cfg_map_get(alerts, "mute");
    if (n == NULL)
        return 0;
    const size_t mark_mute = cfg_path_key(c, "mute");
    if (cfg_expect_sequence(c, n, 0, 100000, "stream or stream.field names") != 0)
        return -1;
    const char **mute = cfg_arena_alloc(c->arena, (n->n ? n->n : 1) * sizeof(*mute));
    dd_config_stream_t **sorted =
        cfg_arena_alloc(c->arena, (cfg->n_streams ? cfg->n_streams : 1) * sizeof(*sorted));
    if (mute == NULL || sorted == NULL)
        return cfg_fail(c, n, "out of memory");
    for (size_t i = 0; i < cfg->n_streams; i++)
        sorted[i] = &cfg->streams[i];
    qsort(sorted, cfg->n_streams, sizeof(*sorted), stream_name_compare);
    for (size_t i = 0; i < n->n; i++) {
        const size_t mark = cfg_path_index(c, i);
        if (cfg_get_string(c, n->items[i], 0,
                           DD_CONFIG_NAME_BYTES_MAX + 1 + DD_CONFIG_FIELD_PATH_BYTES_MAX,
                           &mute[i]) != 0)
            return -1;
        const char *dot = strchr(mute[i], '.');
        const size_t name_len = dot ? (size_t)(dot - mute[i]) : strlen(mute[i]);
        const dd_config_stream_t *found = find_stream(sorted, cfg->n_streams, mute[i], name_len);
        const size_t si = found ? (size_t)(found - cfg->streams) : 0;
        char shown[160];
        cfg_quote(shown, sizeof(shown), mute[i], strlen(mute[i]), 100);
        if (found == NULL)
            return cfg_fail(c, n->items[i],
                            "'%s' names no stream; expected STREAM or "
                            "STREAM.FIELD_PATH of a declared stream",
                            shown);
        if (dot == NULL) {
            cfg->streams[si].muted = 1;
            for (size_t f = 0; f < cfg->streams[si].n_fields; f++)
                cfg->streams[si].fields[f].muted = 1;
        } else {
            const long f = cfg_find_field(c, si, dot + 1);
            if (f < 0)
                return cfg_fail(c, n->items[i],
                                "'%s' names no field of stream %s; expected "
                                "STREAM.FIELD_PATH with a path from its fields",
                                shown, cfg->streams[si].name);
            cfg->streams[si].fields[f].muted = 1;
        }
        cfg_path_pop(c, mark);
    }
    a->mute = mute;
    a->n_mute = n->n;
    cfg_path_pop(c, mark_mute);
    return 0;
}
