/* test_avro_varint.c — Avro zig-zag varints (codecs/avro_varint.c).
 *
 * - values from the Avro specification's table and the 32/64-bit extremes round-trip;
 * - every proper prefix of a valid encoding is "truncated" and leaves *pos untouched;
 * - an 11th byte (long) or 6th byte (int) is "overlong"; top bits beyond 64/32 are "overflow";
 * - the decoder never reads past `end` (buffers end exactly at the last valid byte; ASan checks). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "codecs.h"

/* Encoder used only as the test's own reference (the spec's algorithm, written independently). */
static size_t encode_long(int64_t v, uint8_t out[10]) {
    uint64_t u = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    size_t n = 0;
    while (u >= 0x80) {
        out[n++] = (uint8_t)(u | 0x80);
        u >>= 7;
    }
    out[n++] = (uint8_t)u;
    return n;
}

static void test_spec_examples(void **state) {
    (void)state;
    /* From the Avro specification, "Binary Encoding". */
    const struct { int64_t value; uint8_t bytes[2]; size_t len; } cases[] = {
        {0, {0x00}, 1}, {-1, {0x01}, 1}, {1, {0x02}, 1}, {-2, {0x03}, 1},
        {2, {0x04}, 1}, {-64, {0x7f}, 1}, {64, {0x80, 0x01}, 2},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t *buf = malloc(cases[i].len);
        memcpy(buf, cases[i].bytes, cases[i].len);
        const uint8_t *p = buf;
        int64_t v = 99;
        assert_int_equal(dd_codec_avro_read_long(&p, buf + cases[i].len, &v), DD_CODEC_OK);
        assert_int_equal(v, cases[i].value);
        assert_ptr_equal(p, buf + cases[i].len);
        p = buf;
        int32_t v32 = 99;
        assert_int_equal(dd_codec_avro_read_int(&p, buf + cases[i].len, &v32), DD_CODEC_OK);
        assert_int_equal(v32, (int32_t)cases[i].value);
        free(buf);
    }
}

static void test_round_trip_and_prefixes(void **state) {
    (void)state;
    const int64_t values[] = {INT64_MIN, INT64_MIN + 1, -4294967296LL, INT32_MIN, -1, 0, 1,
                              63, 64, 8191, 8192, INT32_MAX, 4294967296LL, INT64_MAX - 1, INT64_MAX};
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        uint8_t enc[10];
        const size_t len = encode_long(values[i], enc);
        uint8_t *buf = malloc(len); /* exact size: ASan flags any read past the end */
        memcpy(buf, enc, len);
        const uint8_t *p = buf;
        int64_t got = 0;
        assert_int_equal(dd_codec_avro_read_long(&p, buf + len, &got), DD_CODEC_OK);
        assert_int_equal(got, values[i]);
        assert_ptr_equal(p, buf + len);
        for (size_t cut = 0; cut < len; cut++) {
            p = buf;
            got = 7;
            assert_int_equal(dd_codec_avro_read_long(&p, buf + cut, &got), DD_CODEC_ERR_TRUNCATED);
            assert_ptr_equal(p, buf);
            assert_int_equal(got, 7);
        }
        int32_t got32 = 0;
        p = buf;
        const dd_codec_err_t err32 = dd_codec_avro_read_int(&p, buf + len, &got32);
        if (values[i] >= INT32_MIN && values[i] <= INT32_MAX) {
            assert_int_equal(err32, DD_CODEC_OK);
            assert_int_equal(got32, (int32_t)values[i]);
        } else {
            assert_true(err32 == DD_CODEC_ERR_VARINT_OVERFLOW ||
                        err32 == DD_CODEC_ERR_VARINT_OVERLONG);
            assert_ptr_equal(p, buf);
        }
        free(buf);
    }
}

static void test_overlong_and_overflow(void **state) {
    (void)state;
    uint8_t eleven[11];
    memset(eleven, 0x80, sizeof(eleven));
    eleven[10] = 0x00;
    const uint8_t *p = eleven;
    int64_t v;
    assert_int_equal(dd_codec_avro_read_long(&p, eleven + 11, &v), DD_CODEC_ERR_VARINT_OVERLONG);
    assert_ptr_equal(p, eleven);

    /* Ten bytes whose last byte carries more than the one bit left in 64. */
    uint8_t ten[10];
    memset(ten, 0xff, 9);
    ten[9] = 0x02;
    p = ten;
    assert_int_equal(dd_codec_avro_read_long(&p, ten + 10, &v), DD_CODEC_ERR_VARINT_OVERFLOW);
    ten[9] = 0x01; /* all 64 bits set: zig-zag of INT64_MIN */
    p = ten;
    assert_int_equal(dd_codec_avro_read_long(&p, ten + 10, &v), DD_CODEC_OK);
    assert_int_equal(v, INT64_MIN);

    uint8_t six[6] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
    int32_t v32;
    p = six;
    assert_int_equal(dd_codec_avro_read_int(&p, six + 6, &v32), DD_CODEC_ERR_VARINT_OVERLONG);
    uint8_t five[5] = {0xff, 0xff, 0xff, 0xff, 0x1f}; /* 35 bits */
    p = five;
    assert_int_equal(dd_codec_avro_read_int(&p, five + 5, &v32), DD_CODEC_ERR_VARINT_OVERFLOW);
    five[4] = 0x0f; /* exactly 32 bits set: zig-zag of INT32_MIN */
    p = five;
    assert_int_equal(dd_codec_avro_read_int(&p, five + 5, &v32), DD_CODEC_OK);
    assert_int_equal(v32, INT32_MIN);
}

static void test_invalid_arguments_and_names(void **state) {
    (void)state;
    const uint8_t b = 0;
    const uint8_t *p = &b;
    int64_t v;
    assert_int_equal(dd_codec_avro_read_long(NULL, &b + 1, &v), DD_CODEC_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_codec_avro_read_long(&p, &b + 1, NULL), DD_CODEC_ERR_INVALID_ARGUMENT);
    assert_string_equal(dd_codec_err_name(DD_CODEC_ERR_TRUNCATED), "truncated");
    assert_string_equal(dd_codec_err_name((dd_codec_err_t)999), "unknown");
    assert_non_null(dd_codec_strerror((dd_codec_err_t)999));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_examples),
        cmocka_unit_test(test_round_trip_and_prefixes),
        cmocka_unit_test(test_overlong_and_overflow),
        cmocka_unit_test(test_invalid_arguments_and_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
