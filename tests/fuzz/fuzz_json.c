/* fuzz_json.c — libFuzzer target: the JSON decoder (dd_json_decode, dd_json_decode_texts) on
 * arbitrary bytes.
 *
 * Byte 0 picks the limits (defaults, or tiny ones so every limit is reached) and the plan (mixed
 * kinds with nested and escaped paths, or all categorical); the rest is one record. Checked on
 * every input: the call returns; batch->rows grows by exactly 1 on success and 0 on failure;
 * type_errors move only on success and by at most one per column; err_offset ≤ len; decoding
 * twice gives the same outcome and row; and the JSON walker behind JSON Lines datasets, which
 * shares the grammar and limits but not the plan-driven descent, agrees on the verdict and the
 * error offset. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codecs.h"
#include "json_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static dd_codec_err_t count_leaf(void *ctx, const json_leaf_t *leaf) {
    (void)leaf;
    ++*(size_t *)ctx;
    return DD_CODEC_OK;
}

enum { FIELDS = 7, CAPACITY = 3 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0)
        return 0;
    static const char *const paths[FIELDS] = {"a", "b", "c.d", "c.e", "a\\.b", "c.f.g", "s"};
    static const dd_column_kind_t mixed[FIELDS] = {
        DD_COLUMN_NUMERIC, DD_COLUMN_CATEGORICAL, DD_COLUMN_NUMERIC,    DD_COLUMN_CATEGORICAL,
        DD_COLUMN_NUMERIC, DD_COLUMN_NUMERIC,     DD_COLUMN_CATEGORICAL};
    static const dd_column_kind_t categorical[FIELDS] = {
        DD_COLUMN_CATEGORICAL, DD_COLUMN_CATEGORICAL, DD_COLUMN_CATEGORICAL, DD_COLUMN_CATEGORICAL,
        DD_COLUMN_CATEGORICAL, DD_COLUMN_CATEGORICAL, DD_COLUMN_CATEGORICAL};
    dd_json_options_t opt;
    dd_json_options_default(&opt);
    if (data[0] & 1) {
        opt.depth_max = 3;
        opt.string_bytes_max = 8;
        opt.number_bytes_max = 6;
        opt.record_bytes_max = 200;
    }
    const dd_column_kind_t *kinds = (data[0] & 2) ? categorical : mixed;
    const uint8_t *in = data + 1;
    const size_t len = size - 1;

    dd_json_plan_t *plan;
    dd_column_batch_t *batch;
    if (dd_json_plan_new(paths, kinds, FIELDS, &opt, &plan) != DD_CODEC_OK ||
        dd_batch_new(kinds, FIELDS, CAPACITY, &batch) != DD_CODEC_OK)
        abort();
    batch->rows = (data[0] >> 2) % CAPACITY; /* earlier rows stay as they are */
    uint64_t errors_before[FIELDS];
    for (size_t i = 0; i < FIELDS; i++)
        errors_before[i] = batch->columns[i].type_errors;

    const size_t rows = batch->rows;
    size_t off = (size_t)-1;
    const dd_codec_err_t err = dd_json_decode(plan, in, len, batch, &off);
    if (off > len)
        abort();
    if (batch->rows != rows + (err == DD_CODEC_OK))
        abort();
    for (size_t i = 0; i < FIELDS; i++) {
        const uint64_t d = batch->columns[i].type_errors - errors_before[i];
        if (d > 1 || (d == 1 && err != DD_CODEC_OK))
            abort();
    }

    /* Same input, same outcome, same row. */
    double numbers[FIELDS];
    uint64_t hashes[FIELDS];
    int nulls[FIELDS];
    for (size_t i = 0; err == DD_CODEC_OK && i < FIELDS; i++) {
        const dd_batch_column_t *c = &batch->columns[i];
        nulls[i] = dd_batch_is_null(c, rows);
        numbers[i] = c->numbers ? c->numbers[rows] : 0;
        hashes[i] = c->hashes ? c->hashes[rows] : 0;
    }
    batch->rows = rows;
    size_t off2 = (size_t)-1;
    dd_codec_span_t texts[FIELDS];
    if (dd_json_decode_texts(plan, in, len, batch, &off2, texts) != err || off2 != off)
        abort();
    /* Spans lie inside the input (or are the literals' own bytes) and only where a value is. */
    for (size_t i = 0; err == DD_CODEC_OK && i < FIELDS; i++) {
        const dd_codec_span_t *t = &texts[i];
        if (t->data == NULL)
            continue;
        if (t->data < in || t->data + t->len > in + len)
            abort();
        if (dd_batch_is_null(&batch->columns[i], rows) || kinds[i] != DD_COLUMN_CATEGORICAL)
            abort();
    }
    for (size_t i = 0; err == DD_CODEC_OK && i < FIELDS; i++) {
        const dd_batch_column_t *c = &batch->columns[i];
        if (dd_batch_is_null(c, rows) != nulls[i])
            abort();
        if (!nulls[i] && c->numbers && memcmp(&c->numbers[rows], &numbers[i], sizeof(double)) != 0)
            abort();
        if (!nulls[i] && c->hashes && c->hashes[rows] != hashes[i])
            abort();
    }

    /* The walker: same verdict, same offset (its path buffer cannot overflow here). */
    const size_t path_cap = 2 * len + 2;
    char *path = malloc(path_cap);
    if (path == NULL)
        abort();
    size_t leaves = 0, woff = (size_t)-1;
    const dd_codec_err_t werr =
        json_walk(in, len, &opt, path, path_cap, count_leaf, &leaves, &woff);
    if (werr != err || woff != off)
        abort();
    free(path);

    dd_batch_destroy(batch);
    dd_json_plan_destroy(plan);
    return 0;
}
