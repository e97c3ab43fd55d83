/* fuzz_avro_varint.c — libFuzzer target: Avro varint readers on arbitrary bytes.
 *
 * Reads longs (or ints, chosen by the first byte) until the input is consumed or an error; checks
 * that the cursor only moves forward, never past the end, and stays put on error. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "codecs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0)
        return 0;
    const int as_int = data[0] & 1;
    const uint8_t *p = data + 1, *end = data + size;
    while (p < end) {
        const uint8_t *before = p;
        dd_codec_err_t err;
        if (as_int) {
            int32_t v;
            err = dd_codec_avro_read_int(&p, end, &v);
        } else {
            int64_t v;
            err = dd_codec_avro_read_long(&p, end, &v);
        }
        if (err != DD_CODEC_OK) {
            if (p != before)
                abort();
            break;
        }
        if (p <= before || p > end)
            abort();
    }
    return 0;
}
