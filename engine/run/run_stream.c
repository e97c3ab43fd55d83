/* run_stream.c — one stream of `driftd run`: its decoder, its window of panes, its reference.
 *
 * Messages decode straight into a column batch; the batch holds records of one pane only, so
 * flushing it is one batch update per field of that pane's sketch set. A record whose pane
 * differs from the batch's first flushes the rows before it (records mostly arrive in time order,
 * so this is rare). Nothing here allocates per record. */
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "json.h"
#include "run_int.h"

/* Writes the message and evaluates to −1 (errstr and errstr_size must be in scope). */
#define FAIL(...) (snprintf(errstr, errstr_size, __VA_ARGS__), -1)

static dd_field_kind_t field_kind(dd_column_kind_t k) {
    return k == DD_COLUMN_CATEGORICAL ? DD_FIELD_CATEGORICAL : DD_FIELD_NUMERIC;
}

static double time_unit_to_ms(dd_config_time_format_t f) {
    switch (f) {
    case DD_CONFIG_TIME_SECONDS:
        return 1000.0;
    case DD_CONFIG_TIME_MILLIS:
        return 1.0;
    case DD_CONFIG_TIME_MICROS:
        return 1e-3;
    case DD_CONFIG_TIME_NANOS:
        return 1e-6;
    case DD_CONFIG_TIME_ISO8601:
        break;
    }
    return 1.0;
}

/* ---- set-up --------------------------------------------------------------------------------- */

static int make_plan(run_stream_t *s, const dd_avro_schema_t *schema, dd_avro_plan_t **plan,
                     char *errstr, size_t errstr_size) {
    const size_t n_cols = s->n_columns;
    dd_avro_field_t *f = calloc(n_cols, sizeof(*f));
    if (f == NULL)
        return FAIL("stream %s: %s", s->cfg->name, "out of memory");
    for (size_t i = 0; i < s->n_fields; i++) {
        f[i].path = s->paths[i];
        f[i].kind = s->fields[i].kind;
    }
    if (s->time_column != SIZE_MAX) {
        f[s->time_column].path = s->cfg->time_field;
        f[s->time_column].kind = DD_COLUMN_NUMERIC;
    }
    for (size_t k = 0; k < s->cfg->n_keys; k++)
        if (s->key_columns[k] >= s->n_fields) { /* a key column of its own */
            f[s->key_columns[k]].path = s->cfg->keys[k];
            f[s->key_columns[k]].kind = DD_COLUMN_CATEGORICAL;
        }
    char detail[512] = "";
    const dd_codec_err_t err = dd_avro_plan_new(schema, f, n_cols, NULL, plan, detail,
                                                sizeof detail);
    free(f);
    if (err != DD_CODEC_OK) {
        snprintf(errstr, errstr_size, "stream %s: decode plan: %s", s->cfg->name,
                 detail[0] ? detail : dd_codec_strerror(err));
        return -1;
    }
    return 0;
}

static int read_small_file(const char *path, char **out, size_t *len, char *errstr,
                           size_t errstr_size) {
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return FAIL("%s: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf != NULL) {
        if (n == cap) {
            if (cap >= ((size_t)4 << 20)) {
                free(buf);
                fclose(f);
                return FAIL("%s: %s", path, "larger than 4 MiB");
            }
            char *bigger = realloc(buf, cap * 2);
            if (bigger == NULL)
                break;
            buf = bigger;
            cap *= 2;
        }
        const size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    const int bad = buf == NULL || ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return FAIL("%s: %s", path, "read failed");
    }
    *out = buf;
    *len = n;
    return 0;
}

/* Fields declared without a kind take the writer schema's (codec avro: the schema is known). */
static int resolve_kinds(run_stream_t *s, const dd_avro_schema_t *schema, char *errstr,
                         size_t errstr_size) {
    size_t missing = 0;
    for (size_t i = 0; i < s->n_fields; i++)
        missing += s->fields[i].cfg->kind == 0;
    if (missing == 0)
        return 0;
    const size_t n = dd_avro_schema_leaves(schema, NULL, 0);
    dd_avro_leaf_t *leaves = calloc(n > 0 ? n : 1, sizeof(*leaves));
    if (leaves == NULL)
        return FAIL("stream %s: %s", s->cfg->name, "out of memory");
    dd_avro_schema_leaves(schema, leaves, n);
    int rc = 0;
    for (size_t i = 0; i < s->n_fields && rc == 0; i++) {
        if (s->fields[i].cfg->kind != 0)
            continue;
        size_t j = 0;
        while (j < n && strcmp(leaves[j].path, s->paths[i]) != 0)
            j++;
        if (j == n) {
            snprintf(errstr, errstr_size,
                     "stream %s: field '%s' is not in the writer schema, so its kind is unknown "
                     "(give it a kind)",
                     s->cfg->name, s->paths[i]);
            rc = -1;
        } else {
            s->fields[i].kind = leaves[j].kind;
            s->kinds[i] = field_kind(leaves[j].kind);
            s->specs[i].kind = s->kinds[i];
        }
    }
    free(leaves);
    return rc;
}

static int init_decoder(run_t *r, run_stream_t *s, char *errstr, size_t errstr_size) {
    const dd_config_stream_t *c = s->cfg;
    const size_t n_cols = s->n_columns;
    dd_column_kind_t *kinds = calloc(n_cols, sizeof(*kinds));
    if (kinds == NULL)
        return FAIL("stream %s: %s", c->name, "out of memory");
    for (size_t i = 0; i < s->n_fields; i++)
        kinds[i] = s->fields[i].kind;
    if (s->time_column != SIZE_MAX) /* an RFC 3339 string is read through its span */
        kinds[s->time_column] = s->time_iso ? DD_COLUMN_CATEGORICAL : DD_COLUMN_NUMERIC;
    for (size_t k = 0; k < c->n_keys; k++)
        if (s->key_columns[k] >= s->n_fields)
            kinds[s->key_columns[k]] = DD_COLUMN_CATEGORICAL;
    int rc = 0;
    if (c->codec == DD_CONFIG_CODEC_JSON) {
        const char **paths = calloc(n_cols, sizeof(*paths));
        if (paths == NULL) {
            free(kinds);
            return FAIL("stream %s: %s", c->name, "out of memory");
        }
        for (size_t i = 0; i < s->n_fields; i++)
            paths[i] = s->paths[i];
        if (s->time_column != SIZE_MAX)
            paths[s->time_column] = c->time_field;
        for (size_t k = 0; k < c->n_keys; k++)
            if (s->key_columns[k] >= s->n_fields)
                paths[s->key_columns[k]] = c->keys[k];
        const dd_codec_err_t err = dd_json_plan_new(paths, kinds, n_cols, NULL, &s->json);
        free(paths);
        if (err != DD_CODEC_OK) {
            free(kinds);
            return FAIL("stream %s: JSON plan: %s", c->name,
                        dd_codec_strerror(err));
        }
        if (dd_json_observer_new(NULL, 4096, &s->observed_ref) != DD_CODEC_OK ||
            dd_json_observer_new(NULL, 4096, &s->observed_cur) != DD_CODEC_OK) {
            free(kinds);
            return FAIL("stream %s: %s", c->name, "out of memory");
        }
        s->observe_every = 64;
    } else if (c->codec == DD_CONFIG_CODEC_AVRO) {
        const dd_avro_schema_t *schema = NULL;
        if (c->schema_file != NULL) {
            char *text = NULL;
            size_t len = 0;
            rc = read_small_file(c->schema_file, &text, &len, errstr, errstr_size);
            if (rc == 0) {
                char detail[512] = "";
                if (dd_avro_schema_parse(text, len, &s->own_schema, detail, sizeof detail) !=
                    DD_CODEC_OK) {
                    snprintf(errstr, errstr_size, "%s: %s", c->schema_file, detail);
                    rc = -1;
                }
                free(text);
            }
            schema = s->own_schema;
        } else if (rc == 0) {
            char detail[512] = "";
            if (r->registry == NULL ||
                dd_registry_get(r->registry, c->schema_id, &schema, detail, sizeof detail) !=
                    DD_CODEC_OK) {
                snprintf(errstr, errstr_size, "stream %s: schema id %" PRIu32 ": %s", c->name,
                         c->schema_id, detail[0] ? detail : "no schema registry");
                rc = -1;
            }
        }
        if (rc == 0)
            rc = resolve_kinds(s, schema, errstr, errstr_size);
        if (rc == 0) {
            run_schema_t *rs = &s->schemas[0];
            rc = make_plan(s, schema, &rs->plan, errstr, errstr_size);
            for (size_t k = 0; rc == 0 && k < c->n_keys; k++)
                if (!dd_avro_plan_found(rs->plan, s->key_columns[k]))
                    rc = FAIL("stream %s: key field '%s' is not in the writer schema", c->name,
                              c->keys[k]);
            if (rc == 0) {
                rs->schema = schema;
                rs->id = c->has_schema_id ? c->schema_id : 0;
                s->n_schemas = 1;
                s->active = rs;
                if (s->time_column != SIZE_MAX) {
                    const char *lt = dd_avro_schema_path_logical(schema, c->time_field);
                    rs->time_in_seconds = lt != NULL && strncmp(lt, "timestamp", 9) == 0;
                }
            }
        }
    }
    /* The kinds again: an Avro schema may have just given fields without one theirs. */
    for (size_t i = 0; i < s->n_fields; i++)
        kinds[i] = s->fields[i].kind;
    if (rc == 0 && dd_batch_new(kinds, n_cols, RUN_BATCH_ROWS, &s->batch) != DD_CODEC_OK)
        rc = FAIL("stream %s: %s", c->name, "out of memory");
    /* A stream with keys hands every record to a key's batch at once: one batch is enough. */
    const size_t n_batches = rc != 0 ? 0 : c->n_keys > 0 ? 1 : run_batches_for(s->batch);
    for (size_t i = 0; rc == 0 && i + 1 < n_batches; i++) {
        if (dd_batch_new(kinds, n_cols, RUN_BATCH_ROWS, &s->spare[i]) != DD_CODEC_OK)
            rc = FAIL("stream %s: %s", c->name, "out of memory");
        else
            s->n_spare = i + 1;
    }
    free(kinds);
    return rc;
}

int run_stream_prepare(run_t *r, run_stream_t *s, const dd_config_stream_t *cfg, size_t index,
                       char *errstr, size_t errstr_size) {
    memset(s, 0, sizeof(*s));
    s->cfg = cfg;
    s->name = cfg->name;
    s->index = index;
    s->n_fields = cfg->n_fields;
    s->first_time_ms = INT64_MIN;
    s->max_time_ms = INT64_MIN;
    s->clock_ms = INT64_MIN;
    s->held_ms = s->held2_ms = INT64_MAX;
    s->held_part = SIZE_MAX;
    s->next_eval_ms = INT64_MIN;
    s->time_column = SIZE_MAX;
    s->time_to_ms = 1.0;
    if (cfg->time_source == DD_CONFIG_TIME_FIELD) {
        if (cfg->time_format == DD_CONFIG_TIME_ISO8601 && cfg->codec != DD_CONFIG_CODEC_JSON)
            return FAIL("stream %s: timestamp format iso8601 is for codec json%s", cfg->name,
                        " (an Avro timestamp is a long: use millis or micros, or its "
                        "timestamp-millis/-micros logical type)");
        s->time_iso = cfg->time_format == DD_CONFIG_TIME_ISO8601;
        s->time_column = s->n_fields;
        s->time_to_ms = time_unit_to_ms(cfg->time_format);
    }
    /* Columns: the fields, the time field, then each key field that is not a field. */
    s->n_columns = s->n_fields + (s->time_column != SIZE_MAX);
    for (size_t k = 0; k < cfg->n_keys; k++) {
        if (cfg->time_source == DD_CONFIG_TIME_FIELD && strcmp(cfg->keys[k], cfg->time_field) == 0)
            return FAIL("stream %s: key field '%s' is the timestamp field; a key splits the "
                        "stream by a value such as a model version or a segment",
                        cfg->name, cfg->keys[k]);
        size_t col = 0;
        while (col < s->n_fields && strcmp(cfg->fields[col].path, cfg->keys[k]) != 0)
            col++;
        s->key_columns[k] = col < s->n_fields ? col : s->n_columns++;
    }
    {
        /* The false-alarm budget: per window of this stream, over its fields, the evaluations
         * in one window length and the two lengths judged (docs/judging.md). */
        const dd_config_window_t *w = &r->cfg->window;
        dd_budget_t b;
        dd_budget_init(&b, r->cfg->alerts.false_alarm_rate, (uint32_t)s->n_fields);
        b.evaluations = w->evaluate_every_ms > 0 && w->length_ms > w->evaluate_every_ms
                            ? (uint32_t)(w->length_ms / w->evaluate_every_ms)
                            : 1;
        int64_t spans[RUN_SPANS_MAX];
        b.lengths = 1 + (uint32_t)run_span_lengths(w, spans);
        s->alpha = dd_budget_alpha(&b);
        s->field_rate = dd_budget_field_rate(&b);
    }
    s->fields = calloc(s->n_fields, sizeof(*s->fields));
    s->paths = calloc(s->n_fields, sizeof(*s->paths));
    s->kinds = calloc(s->n_fields, sizeof(*s->kinds));
    s->specs = calloc(s->n_fields, sizeof(*s->specs));
    s->edges = calloc(s->n_fields * RUN_EDGES_PER_FIELD, sizeof(double));
    if (s->fields == NULL || s->paths == NULL || s->kinds == NULL || s->specs == NULL ||
        s->edges == NULL)
        return FAIL("stream %s: %s", cfg->name, "out of memory");
    for (size_t i = 0; i < s->n_fields; i++) {
        run_field_t *f = &s->fields[i];
        const dd_config_field_t *fc = &cfg->fields[i];
        f->cfg = fc;
        f->kind = fc->kind != 0 ? fc->kind : DD_COLUMN_NUMERIC;
        s->paths[i] = fc->path;
        s->kinds[i] = field_kind(f->kind);
        s->specs[i].kind = s->kinds[i];
        dd_judge_options_init(&f->judge);
        f->judge.method = fc->test;
        f->judge.threshold = fc->threshold;
        f->judge.min_samples = r->cfg->alerts.min_samples > 0 ? r->cfg->alerts.min_samples : 1;
        f->judge.alpha = s->alpha;
        f->judge.field_rate = s->field_rate;
        f->judge.explain = 0; /* reasons are written for the events and debug lines that need them */
        f->judge.details = 0; /* binned statistics only for drift events and binned methods */
        if (fc->has_range) {
            f->judge.expected_min = fc->range_min;
            f->judge.expected_max = fc->range_max;
        }
        f->value = NAN;
        f->threshold = NAN;
    }
    s->names = run_names_new(s->n_fields);
    if (s->names == NULL)
        return FAIL("stream %s: %s", cfg->name, "out of memory");
    s->texts = calloc(s->n_columns + 1, sizeof(*s->texts));
    if (s->texts == NULL)
        return FAIL("stream %s: %s", cfg->name, "out of memory");
    if (cfg->codec == DD_CONFIG_CODEC_AVRO_CONFLUENT)
        for (size_t i = 0; i < s->n_fields; i++)
            if (cfg->fields[i].kind == 0)
                return FAIL("stream %s: field '%s': give it a kind (codec avro-confluent learns "
                            "writer schemas only as records arrive)",
                            cfg->name, cfg->fields[i].path);
    /* Avro fields without a kind take the one the writer schema gives them. */
    if (init_decoder(r, s, errstr, errstr_size) != 0)
        return -1;
    /* the numeric fields judged together, once every kind is known */
    return run_mv_prepare(r, s, errstr, errstr_size);
}

int run_stream_init(run_t *r, run_stream_t *s, const dd_config_stream_t *cfg, size_t index,
                    char *errstr, size_t errstr_size) {
    if (run_stream_prepare(r, s, cfg, index, errstr, errstr_size) != 0)
        return -1;

    const dd_config_reference_t *ref = &cfg->reference;
    if (ref->type == DD_CONFIG_REFERENCE_FILE) {
        if (run_reference_from_file(s, ref, &s->reference, errstr, errstr_size) != 0)
            return -1;
        snprintf(s->reference_id, sizeof s->reference_id, "file:%s", ref->path);
        s->reference_time_ms = run_now_ms();
    } else if (ref->type == DD_CONFIG_REFERENCE_SNAPSHOT) {
        if (run_reference_from_snapshot(s, ref, &s->reference, errstr, errstr_size) != 0)
            return -1;
        snprintf(s->reference_id, sizeof s->reference_id, "snapshot:%s", ref->path);
} else if (ref->type == DD_CONFIG_REFERENCE_TOPIC) {
        if (run_reference_from_topics(r, s, ref, &s->reference, errstr, errstr_size) != 0)
            return -1;
        char from[DD_EVENT_TIME_SIZE], to[DD_EVENT_TIME_SIZE];
        dd_event_format_time(ref->from_ms, from);
        dd_event_format_time(ref->to_ms, to);
        snprintf(s->reference_id, sizeof s->reference_id, "topic:%s..%s", from, to);
        s->reference_time_ms = run_now_ms();
    }

    const dd_config_window_t *w = &r->cfg->window;
    /* Event time: an evaluation ending at B starts once a record at B + watermark arrived, and
     * such records already sit in panes after B; the ring keeps those too, so that the window
     * compared is [B − length, B) in full. */
    const uint64_t ring = run_ring_panes(w);
    if (ring > DD_WINDOW_PANES_MAX)
        return FAIL("stream %s: window: %u panes and %u more for the watermark and evaluate_every "
                    "exceed %u panes (use longer panes)",
                    cfg->name, (unsigned)w->n_panes, (unsigned)(ring - w->n_panes),
                    (unsigned)DD_WINDOW_PANES_MAX);
    s->ring_panes = (uint32_t)ring;
    if (cfg->n_keys > 0) { /* windows per key, made as keys arrive; `current` sizes them */
        if (dd_sketch_set_new(s->specs, s->n_fields, 0x5eedu, &s->current) != DD_SKETCH_OK)
            return FAIL("stream %s: %s", cfg->name, "out of memory");
        return run_keys_init(s, errstr, errstr_size);
    }
    dd_sketch_err_t err = dd_window_new(s->specs, s->n_fields, s->ring_panes, w->pane_ms, 0x5eedu,
                                        &s->window);
    if (err != DD_SKETCH_OK)
        return FAIL("stream %s: window: %s", cfg->name,
                    dd_sketch_strerror(err));
    if (run_stream_make_scratch(r, s) != 0)
        return FAIL("stream %s: %s", cfg->name, "out of memory");
    return 0;
}

size_t run_span_lengths(const dd_config_window_t *w, int64_t *span_ms) {
    const int64_t every = w->evaluate_every_ms;
    if (every <= 0 || every >= w->length_ms)
        return 0;
    size_t n = 0;
    span_ms[n++] = every;
    /* the geometric middle between one evaluate_every and the window, in evaluate_everys */
    const int64_t k = llround(sqrt((double)(w->length_ms / every)));
    if (k > 1 && k * every < w->length_ms)
        span_ms[n++] = k * every;
    return n;
}

int run_stream_make_scratch(const run_t *r, run_stream_t *s) {
    dd_sketch_set_destroy(s->current);
    s->current = NULL;
    for (size_t i = 0; i < s->n_spans; i++) {
        dd_sketch_set_destroy(s->spans[i]);
        s->spans[i] = NULL;
    }
    s->n_spans = 0;
    if (dd_window_new_set(s->window, &s->current) != DD_SKETCH_OK)
        return -1;
    const size_t n = run_span_lengths(&r->cfg->window, s->span_ms);
    for (size_t i = 0; i < n; i++) {
        if (dd_window_new_set(s->window, &s->spans[i]) != DD_SKETCH_OK)
            return -1;
        s->n_spans = i + 1;
    }
    return 0;
}

void run_stream_free(run_stream_t *s) {
    if (s == NULL)
        return;
    run_keys_free(s);
    run_mv_free(s);
    if (s->parent != NULL) { /* specs, paths, names and a shared reference are the parent's */
        s->paths = NULL;
        s->kinds = NULL;
        s->specs = NULL;
        s->edges = NULL;
        s->names = NULL;
        free(s->key_text);
    }
    if (s->reference_shared)
        s->reference = NULL;
    for (size_t i = 0; i < s->n_schemas; i++)
        dd_avro_plan_destroy(s->schemas[i].plan);
    dd_avro_schema_destroy(s->own_schema);
    dd_json_plan_destroy(s->json);
    run_names_free(s->names);
    free(s->texts);
    dd_json_observer_destroy(s->observed_ref);
    dd_json_observer_destroy(s->observed_cur);
    dd_batch_destroy(s->batch);
    for (size_t i = 0; i < s->n_spare; i++)
        dd_batch_destroy(s->spare[i]);
    dd_window_destroy(s->window);
    dd_sketch_set_destroy(s->current);
    for (size_t i = 0; i < s->n_spans; i++)
        dd_sketch_set_destroy(s->spans[i]);
    dd_judge_reference_destroy(s->prep);
    dd_sketch_set_destroy(s->reference);
    free(s->fields);
    free(s->paths);
    free(s->kinds);
    free(s->specs);
    free(s->edges);
    memset(s, 0, sizeof(*s));
}

/* ---- records -------------------------------------------------------------------------------- */

size_t run_batches_for(const dd_column_batch_t *b) {
    /* 8 bytes a value and a null bit, per row and column */
    const size_t bytes = RUN_BATCH_ROWS * (b->n_columns > 0 ? b->n_columns : 1) * 9;
    const size_t n = RUN_BATCH_BYTES / bytes;
    return n < RUN_BATCHES_MIN ? RUN_BATCHES_MIN : (n > RUN_BATCHES_MAX ? RUN_BATCHES_MAX : n);
}

void run_stream_flush(run_t *r, run_stream_t *s) {
    run_worker_flush(r, s, s->batch->rows, SIZE_MAX);
}

void run_batch_move_row(dd_column_batch_t *src, size_t from, dd_column_batch_t *dst) {
    for (size_t i = 0; i < src->n_columns; i++) {
        const dd_batch_column_t *c = &src->columns[i];
        dd_batch_column_t *d = &dst->columns[i];
        const int null = dd_batch_is_null(c, from);
        if (c->kind == DD_COLUMN_NUMERIC)
            d->numbers[0] = c->numbers[from];
        else
            d->hashes[0] = c->hashes[from];
        if (null)
            dd_batch_set_null(d, 0);
        else
            d->nulls[0] = (uint8_t)(d->nulls[0] & ~1u);
    }
    dst->rows = 1;
}

static run_schema_t *schema_for(run_t *r, run_stream_t *s, uint32_t id, char *errstr,
                                size_t errstr_size, dd_codec_err_t *err) {
    for (size_t i = 0; i < s->n_schemas; i++)
        if (s->schemas[i].id == id)
            return &s->schemas[i];
    const dd_avro_schema_t *schema = NULL;
    /* Never waits for the registry: an id not cached is asked for by the client's thread, and
     * the record's partition pauses meanwhile (handle_message). */
    *err = r->registry == NULL
               ? DD_CODEC_ERR_UNKNOWN_SCHEMA
               : dd_registry_get_nowait(r->registry, id, &schema, errstr, errstr_size);
    if (*err != DD_CODEC_OK)
        return NULL;
    if (s->n_schemas == RUN_SCHEMAS_MAX) { /* forget the oldest plan; the registry keeps text */
        dd_avro_plan_destroy(s->schemas[0].plan);
        memmove(&s->schemas[0], &s->schemas[1], (RUN_SCHEMAS_MAX - 1) * sizeof(run_schema_t));
        s->n_schemas--;
        s->active = NULL;
    }
    run_schema_t *rs = &s->schemas[s->n_schemas];
    memset(rs, 0, sizeof(*rs));
    if (make_plan(s, schema, &rs->plan, errstr, errstr_size) != 0) {
        *err = DD_CODEC_ERR_BAD_SCHEMA;
        return NULL;
    }
    rs->id = id;
    rs->schema = schema;
    for (size_t k = 0; k < s->cfg->n_keys; k++) /* once per writer schema, not per record */
        if (!dd_avro_plan_found(rs->plan, s->key_columns[k]))
            run_log(&r->log, DD_CONFIG_LOG_WARN,
                    "stream %s: writer schema %" PRIu32 " has no key field '%s': its records "
                    "have a null value there",
                    s->cfg->name, id, s->cfg->keys[k]);
    if (s->time_column != SIZE_MAX) {
        const char *lt = dd_avro_schema_path_logical(schema, s->cfg->time_field);
        rs->time_in_seconds = lt != NULL && strncmp(lt, "timestamp", 9) == 0;
    }
    s->n_schemas++;
    return rs;
}

/* The spellings of the categorical values of row `row`, just decoded with texts. */
static void learn_names(run_stream_t *s, const dd_column_batch_t *b, size_t row) {
    for (size_t i = 0; i < s->n_fields; i++) {
        const dd_batch_column_t *c = &b->columns[i];
        if (c->kind != DD_COLUMN_CATEGORICAL || dd_batch_is_null(c, row))
            continue;
        const dd_codec_span_t *t = &s->texts[i];
        if (t->data != NULL) {
            run_names_put(s->names, i, c->hashes[row], t->data, t->len);
        } else if (t->is_integer) {
            char digits[24];
            const int len = snprintf(digits, sizeof digits, "%lld", (long long)t->integer);
            if (len > 0)
                run_names_put(s->names, i, c->hashes[row], digits, (size_t)len);
        }
    }
}

dd_codec_err_t run_stream_decode(run_t *r, run_stream_t *s, const uint8_t *data, size_t len,
                                 int track_schema, int64_t now_ms, double *time_to_ms_out,
                                 char *errstr, size_t errstr_size) {
    dd_column_batch_t *b = s->batch;
    const size_t row = b->rows;
    size_t err_offset = 0;
    dd_codec_err_t err;
    double time_to_ms = s->time_to_ms;
    if (s->json != NULL) {
        /* Spellings: from one record in RUN_NAMES_SAMPLE for names; from every record when the
         * time is an RFC 3339 string. */
        const int sample = s->seen % RUN_NAMES_SAMPLE == 0;
        err = dd_json_decode_texts(s->json, data, len, b, &err_offset,
                                   sample || s->time_iso || s->texts_always ? s->texts : NULL);
        if (err == DD_CODEC_OK && sample)
            learn_names(s, b, row);
        if (err == DD_CODEC_OK && s->observe_every > 0 && !s->texts_always &&
            s->seen % s->observe_every == 0)
            dd_json_observe(s->observed_cur, data, len, NULL);
    } else {
        const uint8_t *body = data;
        size_t body_len = len;
        run_schema_t *rs = s->active;
        if (s->cfg->codec == DD_CONFIG_CODEC_AVRO_CONFLUENT) {
            uint32_t id = 0;
            err = dd_avro_confluent_header(data, len, &id, &body, &body_len);
            if (err != DD_CODEC_OK) {
                snprintf(errstr, errstr_size, "Confluent framing: %s", dd_codec_strerror(err));
                return err;
            }
            if (rs == NULL || rs->id != id) {
                /* A copy: schema_for may shift the array (the registry keeps the schema). */
                run_schema_t prev_copy;
                memset(&prev_copy, 0, sizeof prev_copy);
                if (rs != NULL)
                    prev_copy = *rs;
                run_schema_t *prev = rs != NULL ? &prev_copy : NULL;
                rs = schema_for(r, s, id, errstr, errstr_size, &err);
                if (rs == NULL)
                    return err;
                s->active = rs;
                if (track_schema && (!s->have_schema_id || s->last_schema_id != id)) {
                    if (s->have_schema_id)
                        run_schema_changed(r, s, prev, rs, now_ms);
                    s->have_schema_id = 1;
                    s->last_schema_id = id;
                }
            }
        }
        dd_codec_span_t *texts =
            s->seen % RUN_NAMES_SAMPLE == 0 || s->texts_always ? s->texts : NULL;
        err = dd_avro_decode(rs->plan, body, body_len, b, &err_offset, texts);
        if (err == DD_CODEC_OK && texts != NULL)
            learn_names(s, b, row);
        if (rs->time_in_seconds)
            time_to_ms = 1000.0;
        err_offset += (size_t)(body - data);
    }
    if (err != DD_CODEC_OK) {
        snprintf(errstr, errstr_size, "%s at byte %zu", dd_codec_strerror(err), err_offset);
        return err;
    }
    *time_to_ms_out = time_to_ms;
    return DD_CODEC_OK;
}

dd_codec_err_t run_stream_add(run_t *r, run_stream_t *s, const uint8_t *data, size_t len,
                              int64_t kafka_ts_ms, int64_t now_ms, char *errstr,
                              size_t errstr_size) {
    dd_column_batch_t *b = s->batch;
    const size_t row = b->rows;
    double time_to_ms = s->time_to_ms;
    /* The batch always has room: it is handed over as soon as it is full. */
    RUN_OWNED(r);
    DD_ASSERT(row < b->capacity);
    const dd_codec_err_t err =
        run_stream_decode(r, s, data, len, 1, now_ms, &time_to_ms, errstr, errstr_size);
    if (err != DD_CODEC_OK)
        return err;
    s->decoded++;
    s->bytes += len;
    s->last_record_ms = now_ms;
    int64_t t;
    if (r->cfg->window.time == DD_CONFIG_WINDOW_PROCESSING_TIME) {
        t = now_ms;
    } else if (s->time_iso) {
        const dd_codec_span_t *span = &s->texts[s->time_column];
        if (span->data == NULL || dd_parse_rfc3339(span->data, span->len, &t) != 0) {
            b->rows = row; /* no usable time: count it as late, not lost */
            s->late++;
            return DD_CODEC_OK;
        }
    } else if (s->time_column != SIZE_MAX) {
        const dd_batch_column_t *c = &b->columns[s->time_column];
        const double v = dd_batch_is_null(c, row) ? NAN : c->numbers[row] * time_to_ms;
        if (!(v > -9.2e15 && v < 9.2e15)) { /* no usable time: count it as late, not lost */
            b->rows = row;
            s->late++;
            return DD_CODEC_OK;
        }
        t = (int64_t)floor(v);
    } else {
        t = kafka_ts_ms >= 0 ? kafka_ts_ms : now_ms;
    }
    /* A time far ahead of the clock would drag the watermark (and every later record) with it:
     * such a record is late, counted, and moves nothing. Processing time is never ahead. */
    if (t > now_ms + RUN_FUTURE_MS || t > DD_WINDOW_TIME_MS_MAX || t < -DD_WINDOW_TIME_MS_MAX) {
        b->rows = row;
        s->late++;
        s->future += t > now_ms + RUN_FUTURE_MS;
        return DD_CODEC_OK;
    }
    if (r->cfg->window.time == DD_CONFIG_WINDOW_EVENT_TIME) {
        /* The stream's clock: the newest time of its slowest partition with records left to
         * read (run_align.c). A record more than the slack ahead of the other partitions
         * waits: its partition pauses here and reads it again later (nothing counted now). */
        const size_t part = r->cur_part < r->n_parts ? r->cur_part : SIZE_MAX;
        const int64_t base = part == s->held_part ? s->held2_ms : s->held_ms;
        if (part != SIZE_MAX && base != INT64_MAX &&
            (base == INT64_MIN || t > base + run_align_slack_ms(&r->cfg->window))) {
            b->rows = row;
            s->decoded--;
            s->bytes -= len;
            r->ahead_pause = 1;
            r->ahead_time_ms = t;
            return DD_CODEC_OK;
        }
        /* The watermark trails the clock; a record older than the watermark minus the allowed
         * lateness, or older than the window, is late. */
        const int64_t clock = run_clock_now(s);
        if (clock != INT64_MIN &&
            t < clock - r->cfg->window.watermark_ms - r->cfg->window.allowed_lateness_ms) {
            b->rows = row;
            s->late++;
            return DD_CODEC_OK;
        }
        if (part != SIZE_MAX) {
            run_partition_t *p = &r->parts[part];
            if (t > p->max_time_ms)
                p->max_time_ms = t;
            if (part == s->held_part) /* the slowest moved: the clock follows (up to the next) */
                s->held_ms = p->max_time_ms < s->held2_ms ? p->max_time_ms : s->held2_ms;
        }
        if (t > s->max_time_ms)
            s->max_time_ms = t;
        if (s->first_time_ms == INT64_MIN)
            s->first_time_ms = t;
        const int64_t now_clock = run_clock_now(s);
        if (now_clock > s->clock_ms)
            run_clock_moved(r, s, now_clock);
    } else {
        if (s->first_time_ms == INT64_MIN)
            s->first_time_ms = t;
        if (t > s->max_time_ms)
            s->max_time_ms = t;
    }
    if (s->keys != NULL) /* to the window of the record's key */
        return run_keys_route(r, s, data, len, row, t, now_ms);
    const int64_t pane = run_floor_div(t, r->cfg->window.pane_ms);
    if (row == 0) {
        s->batch_pane = pane;
    } else if (pane != s->batch_pane) {
        run_worker_flush(r, s, row, row); /* the rows before go to their pane; this one starts */
        s->batch_pane = pane;
    }
    s->seen++;
    if (s->batch->rows == s->batch->capacity)
        run_stream_flush(r, s);
    return DD_CODEC_OK;
}
