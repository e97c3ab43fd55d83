/* fuzz_avro_ocf.c — libFuzzer target: an Avro object container file from arbitrary bytes.
 *
 * The whole path a reference file takes: header, the schema text inside it (JSON → schema
 * graph), a plan over every leaf, each block decompressed (capped at 1 MiB) and each record
 * decoded. Checked: blocks and records make progress and end; offsets lie in the file; a block
 * never exceeds the cap; rows are added only for records that decoded. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codecs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    dd_avro_ocf_options_t oo;
    dd_avro_ocf_options_default(&oo);
    oo.block_bytes_max = (size_t)1 << 20;
    dd_avro_ocf_t *f = NULL;
    if (dd_avro_ocf_open(data, size, &oo, &f, NULL, 0) != DD_CODEC_OK)
        return 0;
    size_t schema_len = 0;
    const char *json = dd_avro_ocf_schema(f, &schema_len);
    dd_avro_schema_t *schema = NULL;
    dd_avro_plan_t *plan = NULL;
    dd_column_batch_t *batch = NULL;
    static dd_avro_leaf_t leaves[256];
    dd_avro_field_t fields[256];
    if (json == NULL || dd_avro_schema_parse(json, schema_len, &schema, NULL, 0) != DD_CODEC_OK)
        goto done;
    size_t n = dd_avro_schema_leaves(schema, leaves, 256);
    if (n == 0 || n > 256)
        goto done;
    for (size_t i = 0; i < n; i++)
        fields[i] = (dd_avro_field_t){leaves[i].path, leaves[i].kind, 0};
    dd_avro_options_t o;
    dd_avro_options_default(&o);
    o.items_max = 4096;
    if (dd_avro_plan_new(schema, fields, n, &o, &plan, NULL, 0) != DD_CODEC_OK ||
        dd_batch_new(dd_avro_plan_kinds(plan), n, 1, &batch) != DD_CODEC_OK)
        goto done;
    for (int blocks = 0; blocks <= (int)size; blocks++) {
        const uint8_t *block;
        size_t block_len, offset;
        uint64_t records;
        const dd_codec_err_t err = dd_avro_ocf_next_block(f, &block, &block_len, &records, &offset);
        if (offset > size)
            abort();
        if (err != DD_CODEC_OK)
            break;
        if (block_len > oo.block_bytes_max)
            abort();
        size_t pos = 0;
        for (uint64_t r = 0; r < records && r < 100000; r++) {
            size_t used = 0, eoff = 0;
            dd_batch_clear(batch);
            if (dd_avro_decode_next(plan, block + pos, block_len - pos, batch, &used, &eoff,
                                    NULL) != DD_CODEC_OK) {
                if (batch->rows != 0 || eoff > block_len - pos)
                    abort();
                break;
            }
            if (batch->rows != 1 || used > block_len - pos)
                abort();
            if (used == 0 && r > 16) /* zero-byte records: a count this large is still bounded */
                break;
            pos += used;
        }
    }
done:
    dd_batch_destroy(batch);
    dd_avro_plan_destroy(plan);
    dd_avro_schema_destroy(schema);
    dd_avro_ocf_destroy(f);
    return 0;
}
