/* codecs.c — the `codecs` suite: how fast each decoder turns the 16-field feature record
 * (records.c, ~300 bytes as flat JSON) into a column batch, on one thread.
 *
 * The records are generated and encoded before any timing: `records` distinct ones (default
 * 200,000, so the input is far larger than the caches, as a consumer's would be). A timed run
 * decodes all of them into a 4096-row batch, clearing it when full, which is what the pipeline
 * does per poll. Each format has one function below that adds its figures to the report; the
 * report is printed once at the end.
 *
 * Before each clear, a run adds up the check field (score) of the batch's rows and counts them,
 * so every decoder reports how many records it read and the sum of one field: `bench/run codecs`
 * compares them with the generator's (FORMAT_records, FORMAT_check_sum, expected_*) and with the
 * decoders outside driftd-bench that read the same records from the files of --dump. */
#include <avro.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

enum { BATCH_ROWS = 4096 };
#define RECORDS_SEED 0x5eed0f1e1d5ull

/* What one run read: rows, and the sum of the check field over them in row order. */
typedef struct check {
    size_t rows;
    double sum;
} check_t;

/* Takes the batch's rows into the check, then empties the batch. */
static void take_and_clear(dd_column_batch_t *batch, check_t *check) {
    const dd_batch_column_t *col = &batch->columns[BENCH_RECORD_CHECK_FIELD];
    for (size_t row = 0; row < batch->rows; row++)
        if (!dd_batch_is_null(col, row))
            check->sum += col->numbers[row];
    check->rows += batch->rows;
    dd_batch_clear(batch);
}

static void add_check(bench_report_t *report, const char *format, const check_t *check) {
    char name[64], text[64];
    snprintf(name, sizeof(name), "%s_records", format);
    snprintf(text, sizeof(text), "%zu", check->rows);
    bench_add_text(report, name, text);
    snprintf(name, sizeof(name), "%s_check_sum", format);
    snprintf(text, sizeof(text), "%.17g", check->sum);
    bench_add_text(report, name, text);
}

typedef struct json_ctx {
    const dd_json_plan_t *plan;
    dd_column_batch_t *batch;
    const bench_json_records_t *recs;
    size_t failed;
    check_t check;
} json_ctx_t;

static void run_json(void *ctx) {
    json_ctx_t *c = ctx;
    const bench_json_records_t *r = c->recs;
    c->check = (check_t){0, 0.0};
    dd_batch_clear(c->batch);
    for (size_t i = 0; i < r->n; i++) {
        const uint8_t *rec = (const uint8_t *)r->text + r->offsets[i];
        const size_t len = r->offsets[i + 1] - r->offsets[i];
        dd_codec_err_t err = dd_json_decode(c->plan, rec, len, c->batch, NULL);
        if (err == DD_CODEC_ERR_BATCH_FULL) {
            take_and_clear(c->batch, &c->check);
            err = dd_json_decode(c->plan, rec, len, c->batch, NULL);
        }
        c->failed += err != DD_CODEC_OK;
    }
    take_and_clear(c->batch, &c->check);
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
    json_ctx_t ctx = {plan, batch, &recs, 0, {0, 0.0}};
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
    add_check(report, "json", &ctx.check);
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
    check_t check;
    /* avro-c's generic reader */
    avro_reader_t reader;
    avro_value_t value;
    size_t field_index[BENCH_RECORD_FIELDS];
    /* the object container file (run_ocf_plan, run_ocf_generic) */
    const uint8_t *ocf;
    size_t ocf_len;
} avro_ctx_t;

static void run_avro_plan(void *ctx) {
    avro_ctx_t *c = ctx;
    const bench_json_records_t *r = c->recs;
    c->check = (check_t){0, 0.0};
    dd_batch_clear(c->batch);
    for (size_t i = 0; i < r->n; i++) {
        const uint8_t *rec = (const uint8_t *)r->text + r->offsets[i];
        const size_t len = r->offsets[i + 1] - r->offsets[i];
        if (c->batch->rows == c->batch->capacity)
            take_and_clear(c->batch, &c->check);
        c->failed += dd_avro_decode(c->plan, rec, len, c->batch, NULL, NULL) != DD_CODEC_OK;
    }
    take_and_clear(c->batch, &c->check);
}

/* Takes the 16 fields out of a generic value read by avro-c into the batch's next row. */
static void generic_to_row(avro_ctx_t *c) {
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

/* avro-c's generic reader on the same bytes, into the same columns: read the record into one
 * reused generic value, then take each field out (the work the plan does in one pass). */
static void run_avro_generic(void *ctx) {
    avro_ctx_t *c = ctx;
    const bench_json_records_t *r = c->recs;
    c->check = (check_t){0, 0.0};
    dd_batch_clear(c->batch);
    for (size_t i = 0; i < r->n; i++) {
        const char *rec = r->text + r->offsets[i];
        const size_t len = r->offsets[i + 1] - r->offsets[i];
        if (c->batch->rows == c->batch->capacity)
            take_and_clear(c->batch, &c->check);
        avro_reader_memory_set_source(c->reader, rec, (int64_t)len);
        if (avro_value_read(c->reader, &c->value) != 0) {
            c->failed++;
            continue;
        }
        generic_to_row(c);
    }
    take_and_clear(c->batch, &c->check);
}

/* driftd's object container file reader: blocks from dd_avro_ocf_next_block, their records
 * through the plan with dd_avro_decode_next. The file is in memory, as a mapped file would be. */
static void run_ocf_plan(void *ctx) {
    avro_ctx_t *c = ctx;
    c->check = (check_t){0, 0.0};
    dd_batch_clear(c->batch);
    dd_avro_ocf_t *f = NULL;
    if (dd_avro_ocf_open(c->ocf, c->ocf_len, NULL, &f, NULL, 0) != DD_CODEC_OK) {
        c->failed++;
        return;
    }
    const uint8_t *block = NULL;
    size_t block_len = 0, offset = 0;
    uint64_t records = 0;
    dd_codec_err_t err;
    while ((err = dd_avro_ocf_next_block(f, &block, &block_len, &records, &offset)) ==
           DD_CODEC_OK) {
        for (uint64_t i = 0; i < records; i++) {
            if (c->batch->rows == c->batch->capacity)
                take_and_clear(c->batch, &c->check);
            size_t consumed = 0;
            if (dd_avro_decode_next(c->plan, block, block_len, c->batch, &consumed, NULL, NULL) !=
                DD_CODEC_OK) {
                c->failed++;
                break;
            }
            block += consumed;
            block_len -= consumed;
        }
    }
    c->failed += err != DD_CODEC_END;
    dd_avro_ocf_destroy(f);
    take_and_clear(c->batch, &c->check);
}

/* avro-c's own file reader on the same file (through fmemopen, so from memory too), each record
 * read into the generic value and its fields taken out as in run_avro_generic. */
static void run_ocf_generic(void *ctx) {
    avro_ctx_t *c = ctx;
    c->check = (check_t){0, 0.0};
    dd_batch_clear(c->batch);
    FILE *fp = fmemopen((void *)c->ocf, c->ocf_len, "rb");
    avro_file_reader_t reader = NULL;
    if (fp == NULL || avro_file_reader_fp(fp, "records.avro", 1, &reader) != 0) {
        if (fp != NULL)
            fclose(fp);
        c->failed++;
        return;
    }
    while (avro_file_reader_read_value(reader, &c->value) == 0) {
        if (c->batch->rows == c->batch->capacity)
            take_and_clear(c->batch, &c->check);
        generic_to_row(c);
    }
    avro_file_reader_close(reader);
    take_and_clear(c->batch, &c->check);
}

/* Avro: the decode plan, and avro-c's generic reader on the same bodies; then the same records
 * as one object container file, read by driftd's reader and by avro-c's. */
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
    uint8_t *ocf = NULL;
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
    const check_t plan_check = ctx.check;
    const double generic_ns = bench_time_per_item(run_avro_generic, &ctx, recs.n, opt->repeats);
    const check_t generic_check = ctx.check;
    if (ctx.failed != 0) {
        fprintf(stderr, "driftd-bench: %zu Avro records failed to decode\n", ctx.failed);
        goto done;
    }
    if (bench_records_avro_ocf(opt->records, RECORDS_SEED, &ocf, &ctx.ocf_len) != 0)
        goto done;
    ctx.ocf = ocf;
    const double ocf_plan_ns = bench_time_per_item(run_ocf_plan, &ctx, recs.n, opt->repeats);
    const check_t ocf_plan_check = ctx.check;
    const double ocf_generic_ns = bench_time_per_item(run_ocf_generic, &ctx, recs.n, opt->repeats);
    const check_t ocf_generic_check = ctx.check;
    if (ctx.failed != 0) {
        fprintf(stderr, "driftd-bench: %zu failures reading the object container file\n",
                ctx.failed);
        goto done;
    }
    bench_add(report, "avro_record_bytes_mean", (double)recs.offsets[recs.n] / (double)recs.n,
              "bytes");
    bench_add(report, "avro_plan_ns_per_record", plan_ns, "ns/record");
    bench_add(report, "avro_plan_records_per_s", 1e9 / plan_ns, "records/s");
    bench_add(report, "avro_generic_ns_per_record", generic_ns, "ns/record");
    bench_add(report, "avro_generic_records_per_s", 1e9 / generic_ns, "records/s");
    bench_add(report, "avro_plan_speedup_vs_generic", generic_ns / plan_ns, "x");
    add_check(report, "avro_plan", &plan_check);
    add_check(report, "avro_generic", &generic_check);
    bench_add(report, "ocf_bytes", (double)ctx.ocf_len, "bytes");
    bench_add(report, "ocf_plan_ns_per_record", ocf_plan_ns, "ns/record");
    bench_add(report, "ocf_plan_records_per_s", 1e9 / ocf_plan_ns, "records/s");
    bench_add(report, "ocf_generic_ns_per_record", ocf_generic_ns, "ns/record");
    bench_add(report, "ocf_generic_records_per_s", 1e9 / ocf_generic_ns, "records/s");
    add_check(report, "ocf_plan", &ocf_plan_check);
    add_check(report, "ocf_generic", &ocf_generic_check);
    status = 0;
done:
    free(ocf);
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
    if (opt->dump_dir != NULL) {
        char errstr[512];
        if (bench_records_dump(opt->dump_dir, opt->records, RECORDS_SEED, errstr, sizeof(errstr)) !=
            0) {
            fprintf(stderr, "driftd-bench: --dump: %s\n", errstr);
            return 1;
        }
    }
    char expected[64];
    snprintf(expected, sizeof(expected), "%zu", opt->records);
    bench_add_text(&report, "expected_records", expected);
    snprintf(expected, sizeof(expected), "%.17g",
             bench_records_check_sum(opt->records, RECORDS_SEED));
    bench_add_text(&report, "expected_check_sum", expected);
    bench_add_text(&report, "check_field", bench_record_paths[BENCH_RECORD_CHECK_FIELD]);
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
