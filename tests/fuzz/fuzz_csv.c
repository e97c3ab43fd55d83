/* fuzz_csv.c — libFuzzer target: the CSV reader on arbitrary bytes.
 *
 * Byte 0 picks the delimiter and small limits; the rest is the input. Reading to the end must
 * terminate (each call consumes input or ends), fields must lie inside the input or be unescaped
 * copies no longer than the limit, and error positions must point inside the input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "codecs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0)
        return 0;
    static const char delimiters[4] = {',', ';', '\t', '|'};
    dd_csv_options_t opt;
    dd_csv_options_default(&opt);
    opt.delimiter = delimiters[data[0] & 3];
    if (data[0] & 4) {
        opt.field_bytes_max = 8;
        opt.fields_max = 4;
    }
    const uint8_t *in = data + 1;
    const size_t len = size - 1;
    dd_csv_reader_t *r;
    if (dd_csv_reader_new(in, len, &opt, &r) != DD_CODEC_OK)
        abort();
    size_t calls = 0;
    for (;;) {
        const char *const *fields;
        const size_t *lengths;
        size_t n;
        const dd_codec_err_t err = dd_csv_next(r, &fields, &lengths, &n);
        if (++calls > len + 2)
            abort(); /* no progress */
        if (err == DD_CODEC_END)
            break;
        if (err != DD_CODEC_OK) {
            uint64_t line, column, offset;
            dd_csv_error_position(r, &line, &column, &offset);
            if (offset > len || line == 0 || column == 0)
                abort();
            continue;
        }
        if (n == 0 || n > opt.fields_max)
            abort();
        for (size_t i = 0; i < n; i++) {
            if (lengths[i] > opt.field_bytes_max)
                abort();
            volatile char sink = 0;
            for (size_t k = 0; k < lengths[i]; k++)
                sink ^= fields[i][k]; /* ASan checks every byte is readable */
            (void)sink;
        }
    }
    dd_csv_reader_destroy(r);
    return 0;
}
