/* codecs.c — the `codecs` suite: how fast each decoder turns the 16-field feature record
 * (records.c, ~300 bytes as flat JSON) into a column batch, on one thread.
 *
 * The records are generated and encoded before any timing: `records` distinct ones (default
 * 200,000, so the input is far larger than the caches, as a consumer's would be). A timed run
 * decodes all of them into a 4096-row batch, clearing it when full, which is what the pipeline
 * does per poll. Each format has one function below that adds its figures to the report; the
 * report is printed once at the end. */
#include <avro.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

enum { BATCH_ROWS = 4096 };
#define RECORDS_SEED 0x5eed0f1e1d5ull

typedef struct json_ctx {
    const dd_json_plan_t *plan;
    dd_column_batch_t *batch;
    const bench_json_records_t *recs;
    size_t failed;
} json_ctx_t;

static void run_json(void *ctx) {
    json_ctx_t *c = ctx;
    const bench_json_records_t *r = c->recs;
    dd_batch_clear(c->batch);
    for (size_t i = 0; i < r->n; i++) {
        const uint8_t *rec = (const uint8_t *)r->text + r->offsets[i];
        const size_t len = r->offsets[i + 1] - r->offsets[i];
        dd_codec_err_t err = dd_json_decode(c->plan, rec, len, c->batch, NULL);
        if (err == DD_CODEC_ERR_BATCH_FULL) {
            dd_batch_clear(c->batch);
            err = dd_json_decode(c->plan, rec, len, c->batch, NULL);
        }
        c->failed += err != DD_CODEC_OK;
    }
}

/* JSON: dd_json_decode with a plan of the 16 fields. */
static int bench_codecs_json(bench_report_t *report, const bench_options_t *opt) {
    bench_json_records_t recs;
    if (bench_records_json(opt->records, RECORDS_SEED, &recs) != 0)
        return -1;
    dd_json_plan_t *plan = NULL;
    dd_column_batch_t *batch = NULL;
    int status = -1;
    if (dd_json_plan_new(bench_record_paths, bench_record_kinds, BENCH_RECORD_FIELDS, NULL,
                         &plan) != DD_CODEC_OK ||
        dd_batch_new(bench_record_kinds, BENCH_RECORD_FIELDS, BATCH_ROWS, &batch) != DD_CODEC_OK)
        goto done;
    json_ctx_t ctx = {plan, batch, &recs, 0};
    const double ns = bench_time_per_item(run_json, &ctx, recs.n, opt->repeats);
    if (ctx.failed != 0) {
        fprintf(stderr, "driftd-bench: %zu JSON records failed to decode\n", ctx.failed);
        goto done;
    }
    const double bytes = (double)recs.offsets[recs.n] / (double)recs.n;
    bench_add(report, "json_record_bytes_mean", bytes, "bytes");
    bench_add(report, "json_ns_per_record", ns, "ns/record");
    bench_add(report, "json_records_per_s", 1e9 / ns, "records/s");
    bench_add(report, "json_mb_per_s", bytes * 1e3 / ns, "MB/s");
    status = 0;
done:
    dd_batch_destroy(batch);
    dd_json_plan_destroy(plan);
    bench_records_json_free(&recs);
    return status;
}

typedef struct avro_ctx {
    const dd_avro_plan_t *plan;
    dd_column_batch_t *batch;
    const bench_json_records_t *recs;
    size_t failed;
    /* avro-c's generic reader */
    avro_reader_t reader;
    avro_value_t value;
    size_t field_index[BENCH_RECORD_FIELDS];
} avro_ctx_t;

static void run_avro_plan(void *ctx) {
    avro_ctx_t *c = ctx;
    const bench_json_records_t *r = c->recs;
    dd_batch_clear(c->batch);
    for (size_t i = 0; i < r->n; i++) {
        const uint8_t *rec = (const uint8_t *)r->text + r->offsets[i];
        const size_t len = r->offsets[i + 1] - r->offsets[i];
        if (c->batch->rows == c->batch->capacity)
            dd_batch_clear(c->batch);
        c->failed += dd_avro_decode(c->plan, rec, len, c->batch, NULL, NULL) != DD_CODEC_OK;
    }
}

/* avro-c's generic reader on the same bytes, into the same columns: read the record into one
 * reused generic value, then take each field out (the work the plan does in one pass). */
static void run_avro_generic(void *ctx) {
    avro_ctx_t *c = ctx;
    const bench_json_records_t *r = c->recs;
    dd_batch_clear(c->batch);
    for (size_t i = 0; i < r->n; i++) {
        const char *rec = r->text + r->offsets[i];
        const size_t len = r->offsets[i + 1] - r->offsets[i];
        if (c->batch->rows == c->batch->capacity)
            dd_batch_clear(c->batch);
        avro_reader_memory_set_source(c->reader, rec, (int64_t)len);
        if (avro_value_read(c->reader, &c->value) != 0) {
            c->failed++;
            continue;
        }
        const size_t row = c->batch->rows;
        for (size_t f = 0; f < BENCH_RECORD_FIELDS; f++) {
            avro_value_t field, branch;
            dd_batch_column_t *col = &c->batch->columns[f];
            dd_batch_set_null(col, row);
            if (avro_value_get_by_index(&c->value, c->field_index[f], &field, NULL) != 0) {
                c->failed++;
                continue;
            }
            if (avro_value_get_type(&field) == AVRO_UNION) {
                if (avro_value_get_current_branch(&field, &branch) != 0) {
                    c->failed++;
                    continue;
                }
                field = branch;
            }
            int64_t l = 0;
            double d = 0.0;
            float fl = 0.0f;
            const char *str = NULL;
            size_t size = 0;
            switch (avro_value_get_type(&field)) {
            case AVRO_INT64:
                if (avro_value_get_long(&field, &l) == 0)
                    dd_batch_set_number(col, row, (double)l);
                break;
            case AVRO_DOUBLE:
                if (avro_value_get_double(&field, &d) == 0)
                    dd_batch_set_number(col, row, d);
                break;
            case AVRO_FLOAT:
                if (avro_value_get_float(&field, &fl) == 0)
                    dd_batch_set_number(col, row, (double)fl);
                break;
            case AVRO_STRING:
                if (avro_value_get_string(&field, &str, &size) == 0 && size > 0)
                    dd_batch_set_hash(col, row, dd_codec_hash(str, size - 1));
                break;
            default:
                break;
            }
        }
        c->batch->rows++;
    }
}

/* Avro: the decode plan, and avro-c's generic reader on the same bodies. */
static int bench_codecs_avro(bench_report_t *report, const bench_options_t *opt) {
    bench_json_records_t recs;
    if (bench_records_avro(opt->records, RECORDS_SEED, &recs) != 0)
        return -1;
    dd_avro_schema_t *schema = NULL;
    dd_avro_plan_t *plan = NULL;
    dd_column_batch_t *batch = NULL;
    avro_schema_t cs = NULL;
    avro_value_iface_t *cls = NULL;
    avro_ctx_t ctx = {0};
    int status = -1;
    dd_avro_field_t fields[BENCH_RECORD_FIELDS];
    for (size_t i = 0; i < BENCH_RECORD_FIELDS; i++)
        fields[i] = (dd_avro_field_t){bench_record_paths[i], bench_record_kinds[i], 0};
    if (dd_avro_schema_parse(bench_record_avro_schema, strlen(bench_record_avro_schema), &schema,
                             NULL, 0) != DD_CODEC_OK ||
        dd_avro_plan_new(schema, fields, BENCH_RECORD_FIELDS, NULL, &plan, NULL, 0) !=
            DD_CODEC_OK ||
        dd_batch_new(bench_record_kinds, BENCH_RECORD_FIELDS, BATCH_ROWS, &batch) != DD_CODEC_OK ||
        avro_schema_from_json_length(bench_record_avro_schema, strlen(bench_record_avro_schema),
                                     &cs) != 0 ||
        (cls = avro_generic_class_from_schema(cs)) == NULL ||
        avro_generic_value_new(cls, &ctx.value) != 0 ||
        (ctx.reader = avro_reader_memory(recs.text, 1)) == NULL)
        goto done;
    ctx.plan = plan;
    ctx.batch = batch;
    ctx.recs = &recs;
    for (size_t i = 0; i < BENCH_RECORD_FIELDS; i++) {
        avro_value_t field;
        if (avro_value_get_by_name(&ctx.value, bench_record_paths[i], &field, &ctx.field_index[i]) !=
            0)
            goto done;
    }
    const double plan_ns = bench_time_per_item(run_avro_plan, &ctx, recs.n, opt->repeats);
    const double generic_ns = bench_time_per_item(run_avro_generic, &ctx, recs.n, opt->repeats);
    if (ctx.failed != 0) {
        fprintf(stderr, "driftd-bench: %zu Avro records failed to decode\n", ctx.failed);
        goto done;
    }
    bench_add(report, "avro_record_bytes_mean", (double)recs.offsets[recs.n] / (double)recs.n,
              "bytes");
    bench_add(report, "avro_plan_ns_per_record", plan_ns, "ns/record");
    bench_add(report, "avro_plan_records_per_s", 1e9 / plan_ns, "records/s");
    bench_add(report, "avro_generic_ns_per_record", generic_ns, "ns/record");
    bench_add(report, "avro_plan_speedup_vs_generic", generic_ns / plan_ns, "x");
    status = 0;
done:
    if (ctx.reader)
        avro_reader_free(ctx.reader);
    if (cls) {
        avro_value_decref(&ctx.value);
        avro_value_iface_decref(cls);
    }
    if (cs)
        avro_schema_decref(cs);
    dd_batch_destroy(batch);
    dd_avro_plan_destroy(plan);
    dd_avro_schema_destroy(schema);
    bench_records_json_free(&recs);
    return status;
}

/* One entry per format; each adds its figures (named FORMAT_*) to the report. */
static int (*const formats[])(bench_report_t *, const bench_options_t *) = {
    bench_codecs_json,
    bench_codecs_avro,
};

int bench_codecs(const bench_options_t *opt) {
    static bench_report_t report = {.suite = "codecs"}; /* ~8 KB: not on the stack */
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
        if (formats[i](&report, opt) != 0) {
            fprintf(stderr, "driftd-bench: the codecs suite failed\n");
            return 1;
        }
    bench_options_t shown = *opt;
    shown.values = opt->records;
    char command[256];
    snprintf(command, sizeof(command), "driftd-bench codecs --records %zu --repeats %zu",
             opt->records, opt->repeats);
    bench_print(&report, &shown, command);
    return 0;
}
