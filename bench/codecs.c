/* codecs.c — the `codecs` suite: how fast each decoder turns the 16-field feature record
 * (records.c, ~300 bytes as flat JSON) into a column batch, on one thread.
 *
 * The records are generated and encoded before any timing: `records` distinct ones (default
 * 200,000, so the input is far larger than the caches, as a consumer's would be). A timed run
 * decodes all of them into a 4096-row batch, clearing it when full, which is what the pipeline
 * does per poll. Each format has one function below that adds its figures to the report; the
 * report is printed once at the end. */
#include <stdio.h>
#include <stdlib.h>

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

/* One entry per format; each adds its figures (named FORMAT_*) to the report. */
static int (*const formats[])(bench_report_t *, const bench_options_t *) = {
    bench_codecs_json,
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
