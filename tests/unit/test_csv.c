/* test_csv.c — the RFC 4180 reader (codecs/csv.c).
 *
 * - plain, quoted, escaped ("") and empty fields come back byte-exact, with LF, CRLF and CR line
 *   ends, with or without a final line end, after a UTF-8 BOM, with empty lines skipped;
 * - a quoted field may hold delimiters and line breaks; line numbers still count physical lines;
 * - many escaped fields in one record stay valid (scratch growth keeps earlier fields right);
 * - every malformed input gives its own error with the line, column and byte offset of the
 *   problem, and reading resumes with the next record;
 * - limits on field length and field count hold; other delimiters work. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codecs.h"

typedef struct rec {
    const char *const *f;
    const size_t *len;
    size_t n;
} rec_t;

static dd_csv_reader_t *reader_for(const char *text, const dd_csv_options_t *opt) {
    dd_csv_reader_t *r;
    assert_int_equal(dd_csv_reader_new((const uint8_t *)text, strlen(text), opt, &r), DD_CODEC_OK);
    return r;
}

static void expect_record(dd_csv_reader_t *r, size_t n, ...) {
    rec_t rec;
    const dd_codec_err_t err = dd_csv_next(r, &rec.f, &rec.len, &rec.n);
    if (err != DD_CODEC_OK)
        fail_msg("expected a record, got %s", dd_codec_strerror(err));
    assert_int_equal(rec.n, n);
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < n; i++) {
        const char *want = va_arg(ap, const char *);
        if (rec.len[i] != strlen(want) || memcmp(rec.f[i], want, rec.len[i]) != 0)
            fail_msg("field %zu: got '%.*s', want '%s'", i, (int)rec.len[i], rec.f[i], want);
    }
    va_end(ap);
}

static void expect_error(dd_csv_reader_t *r, dd_codec_err_t want, uint64_t line, uint64_t column,
                         uint64_t offset) {
    rec_t rec;
    assert_int_equal(dd_csv_next(r, &rec.f, &rec.len, &rec.n), want);
    uint64_t l, c, o;
    dd_csv_error_position(r, &l, &c, &o);
    if (l != line || c != column || o != offset)
        fail_msg("%s at line %llu col %llu offset %llu, want %llu:%llu offset %llu",
                 dd_codec_err_name(want), (unsigned long long)l, (unsigned long long)c,
                 (unsigned long long)o, (unsigned long long)line, (unsigned long long)column,
                 (unsigned long long)offset);
}

static void expect_end(dd_csv_reader_t *r) {
    rec_t rec;
    assert_int_equal(dd_csv_next(r, &rec.f, &rec.len, &rec.n), DD_CODEC_END);
    assert_int_equal(dd_csv_next(r, &rec.f, &rec.len, &rec.n), DD_CODEC_END);
}

static void test_line_ends_and_empty_fields(void **state) {
    (void)state;
    const char *inputs[] = {"a,b\n1,2\n", "a,b\r\n1,2\r\n", "a,b\r1,2\r", "a,b\n1,2",
                            ("\xEF\xBB\xBF" "a,b\n\n\r\n1,2\n\n")};
    for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        dd_csv_reader_t *r = reader_for(inputs[i], NULL);
        expect_record(r, 2, "a", "b");
        expect_record(r, 2, "1", "2");
        expect_end(r);
        dd_csv_reader_destroy(r);
    }
    dd_csv_reader_t *r = reader_for(",\na,,b,\n\"\",x\n", NULL);
    expect_record(r, 2, "", "");
    expect_record(r, 4, "a", "", "b", "");
    expect_record(r, 2, "", "x");
    expect_end(r);
    dd_csv_reader_destroy(r);
    r = reader_for("", NULL);
    expect_end(r);
    dd_csv_reader_destroy(r);
}

static void test_quotes(void **state) {
    (void)state;
    dd_csv_reader_t *r =
        reader_for("\"a,b\",\"line1\nline2\",\"say \"\"hi\"\"\"\nnext,\"\"\"\"\n", NULL);
    expect_record(r, 3, "a,b", "line1\nline2", "say \"hi\"");
    assert_int_equal(dd_csv_record_line(r), 1);
    expect_record(r, 2, "next", "\"");
    assert_int_equal(dd_csv_record_line(r), 3); /* the quoted line break counted */
    expect_end(r);
    dd_csv_reader_destroy(r);
}

static void test_many_escaped_fields(void **state) {
    (void)state;
    /* 600 fields of 20 escaped quotes each: the scratch buffer must grow several times. */
    enum { FIELDS = 600, QUOTES = 20 };
    char *text = malloc(FIELDS * (2 * QUOTES + 3) + 2);
    char *p = text;
    for (int f = 0; f < FIELDS; f++) {
        *p++ = '"';
        for (int q = 0; q < QUOTES; q++) {
            *p++ = '"';
            *p++ = '"';
        }
        *p++ = '"';
        *p++ = f + 1 < FIELDS ? ',' : '\n';
    }
    *p = '\0';
    dd_csv_reader_t *r = reader_for(text, NULL);
    rec_t rec;
    assert_int_equal(dd_csv_next(r, &rec.f, &rec.len, &rec.n), DD_CODEC_OK);
    assert_int_equal(rec.n, FIELDS);
    for (int f = 0; f < FIELDS; f++) {
        assert_int_equal(rec.len[f], QUOTES);
        for (int q = 0; q < QUOTES; q++)
            assert_int_equal(rec.f[f][q], '"');
    }
    expect_end(r);
    dd_csv_reader_destroy(r);
    free(text);
}

static void test_errors_with_positions_and_recovery(void **state) {
    (void)state;
    /* line 1 fine; line 2 stray quote at column 3; line 3 text after a closing quote at column 5;
     * line 4 fine; line 5 opens a quote that never closes. */
    const char *text = "a,b\nx,y\"z\n\"ab\"c,d\nok,1\n\"never\nclosed";
    dd_csv_reader_t *r = reader_for(text, NULL);
    expect_record(r, 2, "a", "b");
    expect_error(r, DD_CODEC_ERR_CSV_STRAY_QUOTE, 2, 4, 7);
    expect_error(r, DD_CODEC_ERR_CSV_AFTER_QUOTE, 3, 5, 14);
    expect_record(r, 2, "ok", "1");
    expect_error(r, DD_CODEC_ERR_CSV_UNTERMINATED, 5, 1, 23);
    expect_end(r);
    dd_csv_reader_destroy(r);
}

static void test_limits_and_delimiters(void **state) {
    (void)state;
    dd_csv_options_t opt;
    dd_csv_options_default(&opt);
    opt.field_bytes_max = 4;
    opt.fields_max = 3;
    dd_csv_reader_t *r = reader_for("abcd,e\nabcde,f\n\"abcde\",g\na,b,c,d\nx,y,z\n", &opt);
    expect_record(r, 2, "abcd", "e");
    expect_error(r, DD_CODEC_ERR_FIELD_TOO_LONG, 2, 5, 11);
    expect_error(r, DD_CODEC_ERR_FIELD_TOO_LONG, 3, 1, 15);
    expect_error(r, DD_CODEC_ERR_TOO_MANY_FIELDS, 4, 7, 31);
    expect_record(r, 3, "x", "y", "z");
    expect_end(r);
    dd_csv_reader_destroy(r);

    dd_csv_options_default(&opt);
    opt.delimiter = '\t';
    r = reader_for("a\tb,c\t\"d\te\"\n", &opt);
    expect_record(r, 3, "a", "b,c", "d\te");
    dd_csv_reader_destroy(r);

    opt.delimiter = '"';
    assert_int_equal(dd_csv_reader_new((const uint8_t *)"x", 1, &opt, &r),
                     DD_CODEC_ERR_INVALID_ARGUMENT);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_line_ends_and_empty_fields),
        cmocka_unit_test(test_quotes),
        cmocka_unit_test(test_many_escaped_fields),
        cmocka_unit_test(test_errors_with_positions_and_recovery),
        cmocka_unit_test(test_limits_and_delimiters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
