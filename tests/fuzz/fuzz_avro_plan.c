/* fuzz_avro_plan.c — libFuzzer target: the Avro plan decoder on arbitrary record bodies.
 *
 * Byte 0 picks one of four writer schemas (a flat 16-field model record; nested records, unions,
 * enums, fixed, arrays and maps; a recursive list; logical types and decimals) and, with bit 2,
 * small limits; the rest is the body. Checked: a call adds at most one row, and none on error;
 * error offsets and consumed sizes lie within the input; decoding a buffer record after record
 * always makes progress; text spans point into the input or are enum symbol names. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codecs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const SCHEMAS[4] = {
    "{\"type\":\"record\",\"name\":\"Features\",\"fields\":["
    "{\"name\":\"f0\",\"type\":\"double\"},{\"name\":\"f1\",\"type\":\"double\"},"
    "{\"name\":\"f2\",\"type\":\"double\"},{\"name\":\"f3\",\"type\":\"double\"},"
    "{\"name\":\"f4\",\"type\":\"double\"},{\"name\":\"f5\",\"type\":\"float\"},"
    "{\"name\":\"f6\",\"type\":\"float\"},{\"name\":\"f7\",\"type\":\"float\"},"
    "{\"name\":\"f8\",\"type\":\"float\"},{\"name\":\"f9\",\"type\":\"float\"},"
    "{\"name\":\"l0\",\"type\":\"long\"},{\"name\":\"l1\",\"type\":\"long\"},"
    "{\"name\":\"n0\",\"type\":[\"null\",\"double\"]},{\"name\":\"n1\",\"type\":[\"null\",\"double\"]},"
    "{\"name\":\"country\",\"type\":\"string\"},{\"name\":\"score\",\"type\":\"double\"}]}",
    "{\"type\":\"record\",\"name\":\"Outer\",\"fields\":["
    "{\"name\":\"id\",\"type\":\"long\"},"
    "{\"name\":\"user\",\"type\":[\"null\",{\"type\":\"record\",\"name\":\"User\",\"fields\":["
    "  {\"name\":\"age\",\"type\":\"int\"},{\"name\":\"tier\",\"type\":{\"type\":\"enum\","
    "   \"name\":\"Tier\",\"symbols\":[\"FREE\",\"PRO\",\"TEAM\"]}},"
    "  {\"name\":\"tags\",\"type\":{\"type\":\"array\",\"items\":\"string\"}}]}]},"
    "{\"name\":\"attrs\",\"type\":{\"type\":\"map\",\"values\":[\"null\",\"long\",\"string\"]}},"
    "{\"name\":\"digest\",\"type\":{\"type\":\"fixed\",\"name\":\"Digest\",\"size\":4}},"
    "{\"name\":\"flag\",\"type\":\"boolean\"},{\"name\":\"raw\",\"type\":\"bytes\"},"
    "{\"name\":\"empties\",\"type\":{\"type\":\"array\",\"items\":\"null\"}}]}",
    "{\"type\":\"record\",\"name\":\"Node\",\"fields\":[{\"name\":\"v\",\"type\":\"long\"},"
    "{\"name\":\"kids\",\"type\":{\"type\":\"array\",\"items\":\"Node\"}},"
    "{\"name\":\"next\",\"type\":[\"null\",\"Node\"]}]}",
    "{\"type\":\"record\",\"name\":\"Times\",\"fields\":["
    "{\"name\":\"ts\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"}},"
    "{\"name\":\"day\",\"type\":{\"type\":\"int\",\"logicalType\":\"date\"}},"
    "{\"name\":\"price\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":20,\"scale\":4}},"
    "{\"name\":\"amount\",\"type\":{\"type\":\"fixed\",\"name\":\"Amt\",\"size\":12,\"logicalType\":\"decimal\",\"precision\":20,\"scale\":2}}]}",
};

typedef struct prepared {
    dd_avro_plan_t *plan;
    dd_column_batch_t *batch;
    size_t n;
} prepared_t;

static prepared_t prepared[4][2];

static void prepare(void) {
    for (int s = 0; s < 4; s++) {
        dd_avro_schema_t *schema = NULL;
        if (dd_avro_schema_parse(SCHEMAS[s], strlen(SCHEMAS[s]), &schema, NULL, 0) != DD_CODEC_OK)
            abort();
        dd_avro_leaf_t leaves[64];
        const size_t n = dd_avro_schema_leaves(schema, leaves, 64);
        dd_avro_field_t fields[70];
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            fields[k++] = (dd_avro_field_t){leaves[i].path, leaves[i].kind, 0};
        /* array/map lengths and a type error column */
        static const char *const extra[] = {"user.tags", "attrs", "kids", "empties"};
        for (size_t i = 0; i < 4; i++)
            fields[k++] = (dd_avro_field_t){extra[i], DD_COLUMN_NUMERIC, 1};
        for (int small = 0; small < 2; small++) {
            dd_avro_options_t o;
            dd_avro_options_default(&o);
            if (small) {
                o.depth_max = 8;
                o.items_max = 64;
                o.string_bytes_max = 16;
                o.record_bytes_max = 256;
            }
            prepared_t *p = &prepared[s][small];
            if (dd_avro_plan_new(schema, fields, k, &o, &p->plan, NULL, 0) != DD_CODEC_OK ||
                dd_batch_new(dd_avro_plan_kinds(p->plan), k, 4, &p->batch) != DD_CODEC_OK)
                abort();
            p->n = k;
        }
        dd_avro_schema_destroy(schema);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static int ready;
    if (!ready) {
        prepare();
        ready = 1;
    }
    if (size == 0)
        return 0;
    prepared_t *p = &prepared[data[0] & 3][(data[0] >> 2) & 1];
    const uint8_t *in = data + 1;
    const size_t len = size - 1;
    dd_codec_span_t texts[70];
    size_t off = 0;
    dd_batch_clear(p->batch);
    dd_codec_err_t err = dd_avro_decode(p->plan, in, len, p->batch, &off, texts);
    if (p->batch->rows != (err == DD_CODEC_OK ? 1u : 0u) || off > len)
        abort();
    if (err == DD_CODEC_OK)
        for (size_t i = 0; i < p->n; i++)
            /* A span that starts inside the input must end inside it (enum symbol names and
             * "true"/"false" live elsewhere). */
            if (texts[i].data != NULL && texts[i].data >= in && texts[i].data < in + len &&
                texts[i].len > (size_t)(in + len - texts[i].data))
                abort();
    /* Record after record, as in an OCF block. */
    size_t pos = 0;
    for (int r = 0; r < 64 && pos < len; r++) {
        size_t used = 0;
        dd_batch_clear(p->batch);
        err = dd_avro_decode_next(p->plan, in + pos, len - pos, p->batch, &used, &off, NULL);
        if (err != DD_CODEC_OK) {
            if (off > len - pos || p->batch->rows != 0)
                abort();
            break;
        }
        if (used == 0 || used > len - pos) /* every schema here takes at least one byte */
            abort();
        pos += used;
    }
    return 0;
}
