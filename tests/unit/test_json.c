/* test_json.c — JSON records into column batches (codecs/json.c).
 *
 * - every JSON type into each column kind: numbers, true/false, null, strings, objects, arrays;
 *   wrong types are null and counted in type_errors, once, and only when the record decodes;
 * - nested paths, a path and its parent both declared, keys holding dots or backslashes, escaped
 *   member names; absent and null fields are null; a repeated member takes its last value;
 * - string escapes (\uXXXX, surrogate pairs) hash like the UTF-8 they stand for; unpaired
 *   surrogates are rejected;
 * - numbers convert exactly as strtod does (random doubles, long mantissas, big exponents, -0);
 * - every error code with its byte offset; each limit holds at its value and fails one past it;
 * - a failed record leaves batch->rows, earlier rows and type_errors unchanged; a batch grown
 *   keeps its rows and takes more;
 * - plans reject bad paths, duplicates and bad options; large plans work. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codecs.h"

typedef struct fixture {
    dd_json_plan_t *plan;
    dd_column_batch_t *batch;
} fixture_t;

static fixture_t make(const char *const *paths, const dd_column_kind_t *kinds, size_t n,
                      const dd_json_options_t *opt) {
    fixture_t f;
    assert_int_equal(dd_json_plan_new(paths, kinds, n, opt, &f.plan), DD_CODEC_OK);
    assert_int_equal(dd_batch_new(kinds, n, 8, &f.batch), DD_CODEC_OK);
    return f;
}

static void drop(fixture_t *f) {
    dd_json_plan_destroy(f->plan);
    dd_batch_destroy(f->batch);
}

static void decode_ok(fixture_t *f, const char *text) {
    size_t off = 12345;
    const size_t rows = f->batch->rows;
    const dd_codec_err_t err =
        dd_json_decode(f->plan, (const uint8_t *)text, strlen(text), f->batch, &off);
    if (err != DD_CODEC_OK)
        fail_msg("'%s': %s at %zu", text, dd_codec_err_name(err), off);
    assert_int_equal(off, 0);
    assert_int_equal(f->batch->rows, rows + 1);
}

/* The record fails with `want` at `offset`, leaving rows and type_errors as they were. */
static void decode_err(fixture_t *f, const char *text, size_t len, dd_codec_err_t want,
                       size_t offset) {
    const size_t rows = f->batch->rows;
    uint64_t errors[16] = {0};
    for (size_t i = 0; i < f->batch->n_columns && i < 16; i++)
        errors[i] = f->batch->columns[i].type_errors;
    size_t off = 12345;
    const dd_codec_err_t err = dd_json_decode(f->plan, (const uint8_t *)text, len, f->batch, &off);
    if (err != want || off != offset)
        fail_msg("'%.*s': got %s at %zu, want %s at %zu", (int)len, text, dd_codec_err_name(err),
                 off, dd_codec_err_name(want), offset);
    assert_int_equal(f->batch->rows, rows);
    for (size_t i = 0; i < f->batch->n_columns && i < 16; i++)
        assert_int_equal(f->batch->columns[i].type_errors, errors[i]);
}

static void err_at(fixture_t *f, const char *text, dd_codec_err_t want, size_t offset) {
    decode_err(f, text, strlen(text), want, offset);
}

static int null_at(const fixture_t *f, size_t col, size_t row) {
    return dd_batch_is_null(&f->batch->columns[col], row);
}
static double num_at(const fixture_t *f, size_t col, size_t row) {
    assert_false(null_at(f, col, row));
    return f->batch->columns[col].numbers[row];
}
static uint64_t hash_at(const fixture_t *f, size_t col, size_t row) {
    assert_false(null_at(f, col, row));
    return f->batch->columns[col].hashes[row];
}
static uint64_t h(const char *s) {
    return dd_codec_hash(s, strlen(s));
}

static const dd_column_kind_t NUM = DD_COLUMN_NUMERIC, CAT = DD_COLUMN_CATEGORICAL;

static void test_types_numeric(void **state) {
    (void)state;
    const char *paths[] = {"x"};
    const dd_column_kind_t kinds[] = {NUM};
    fixture_t f = make(paths, kinds, 1, NULL);
    decode_ok(&f, "{\"x\":-12.5e1}");
    assert_true(num_at(&f, 0, 0) == -125.0);
    decode_ok(&f, "{\"x\":true}");
    assert_true(num_at(&f, 0, 1) == 1.0);
    decode_ok(&f, "{\"x\":false}");
    assert_true(num_at(&f, 0, 2) == 0.0);
    decode_ok(&f, "{\"x\":null}");
    assert_true(null_at(&f, 0, 3));
    assert_int_equal(f.batch->columns[0].type_errors, 0);
    decode_ok(&f, "{\"x\":\"12\"}"); /* no coercion from strings */
    assert_true(null_at(&f, 0, 4));
    decode_ok(&f, "{\"x\":{\"y\":1}}");
    decode_ok(&f, "{\"x\":[1,2]}");
    assert_true(null_at(&f, 0, 5) && null_at(&f, 0, 6));
    assert_int_equal(f.batch->columns[0].type_errors, 3);
    decode_ok(&f, "{}");
    assert_true(null_at(&f, 0, 7));
    assert_int_equal(f.batch->columns[0].type_errors, 3);
    drop(&f);
}

static void test_types_categorical(void **state) {
    (void)state;
    const char *paths[] = {"c"};
    const dd_column_kind_t kinds[] = {CAT};
    fixture_t f = make(paths, kinds, 1, NULL);
    decode_ok(&f, "{\"c\":\"Paris\"}");
    assert_true(hash_at(&f, 0, 0) == h("Paris"));
    decode_ok(&f, "{\"c\":1.50}"); /* the literal text, not the value */
    assert_true(hash_at(&f, 0, 1) == h("1.50"));
    assert_true(hash_at(&f, 0, 1) != h("1.5"));
    decode_ok(&f, "{\"c\":true}");
    assert_true(hash_at(&f, 0, 2) == h("true"));
    decode_ok(&f, "{\"c\":false}");
    assert_true(hash_at(&f, 0, 3) == h("false"));
    decode_ok(&f, "{\"c\":null}");
    assert_true(null_at(&f, 0, 4));
    decode_ok(&f, "{\"c\":[\"a\"]}");
    decode_ok(&f, "{\"c\":{}}");
    assert_true(null_at(&f, 0, 5) && null_at(&f, 0, 6));
    assert_int_equal(f.batch->columns[0].type_errors, 2);
    decode_ok(&f, "{\"c\":\"\"}");
    assert_true(hash_at(&f, 0, 7) == dd_codec_hash("", 0));
    drop(&f);
}

static void test_nested_paths_and_absent(void **state) {
    (void)state;
    const char *paths[] = {"user.age", "user.address.city", "score",
                           "a\\.b",    "back\\\\slash",     "user"};
    const dd_column_kind_t kinds[] = {NUM, CAT, NUM, NUM, NUM, CAT};
    fixture_t f = make(paths, kinds, 6, NULL);
    decode_ok(&f,
              " { \"user\" : { \"age\" : 41 , \"address\" : {\"city\":\"Lyon\", \"zip\":\"69001\"},"
              " \"tags\":[1,{\"age\":5}] } , \"a.b\":3, \"a\":{\"b\":99}, \"back\\\\slash\":4,"
              " \"score\":0.5 }\n");
    assert_true(num_at(&f, 0, 0) == 41.0);
    assert_true(hash_at(&f, 1, 0) == h("Lyon"));
    assert_true(num_at(&f, 2, 0) == 0.5);
    assert_true(num_at(&f, 3, 0) == 3.0); /* the key "a.b", not member b of a */
    assert_true(num_at(&f, 4, 0) == 4.0);
    assert_true(null_at(&f, 5, 0)); /* "user" is an object: its children are read, no error */
    assert_int_equal(f.batch->columns[5].type_errors, 0);
    /* Absent, explicit null, and a non-object where an object was expected: all null. */
    decode_ok(&f, "{\"user\":null,\"score\":null}");
    for (size_t c = 0; c < 6; c++)
        assert_true(null_at(&f, c, 1));
    decode_ok(&f, "{\"user\":\"anonymous\",\"user.age\":7}");
    assert_true(null_at(&f, 0, 2) && null_at(&f, 1, 2));
    assert_true(hash_at(&f, 5, 2) == h("anonymous"));
    decode_ok(&f, "{\"user\":{\"address\":5}}");
    assert_true(null_at(&f, 1, 3));
    for (size_t c = 0; c < 6; c++)
        assert_int_equal(f.batch->columns[c].type_errors, 0);
    /* Escaped member names are matched by their bytes. */
    decode_ok(&f, "{\"\\u0075ser\":{\"a\\u0067e\":8},\"sco\\u0072e\":1}");
    assert_true(num_at(&f, 0, 4) == 8.0 && num_at(&f, 2, 4) == 1.0);
    drop(&f);
}

static void test_duplicates_and_type_error_counting(void **state) {
    (void)state;
    const char *paths[] = {"x", "c"};
    const dd_column_kind_t kinds[] = {NUM, CAT};
    fixture_t f = make(paths, kinds, 2, NULL);
    decode_ok(&f, "{\"x\":1,\"x\":2,\"c\":\"a\",\"c\":\"b\"}");
    assert_true(num_at(&f, 0, 0) == 2.0 && hash_at(&f, 1, 0) == h("b"));
    decode_ok(&f, "{\"x\":\"bad\",\"x\":3}"); /* the later value wins, no type error left */
    assert_true(num_at(&f, 0, 1) == 3.0);
    assert_int_equal(f.batch->columns[0].type_errors, 0);
    decode_ok(&f, "{\"x\":4,\"x\":null}");
    assert_true(null_at(&f, 0, 2));
    decode_ok(&f, "{\"x\":\"bad\",\"x\":[1],\"c\":{}}"); /* one type error per column */
    assert_int_equal(f.batch->columns[0].type_errors, 1);
    assert_int_equal(f.batch->columns[1].type_errors, 1);
    /* A record that fails after a type error counts nothing. */
    err_at(&f, "{\"x\":\"bad\",\"c\":1,", DD_CODEC_ERR_TRUNCATED, 17);
    assert_int_equal(f.batch->columns[0].type_errors, 1);
    drop(&f);
}

static void test_escapes(void **state) {
    (void)state;
    const char *paths[] = {"s"};
    const dd_column_kind_t kinds[] = {CAT};
    fixture_t f = make(paths, kinds, 1, NULL);
    decode_ok(&f, "{\"s\":\"a\\\"b\\\\c\\/d\\be\\ff\\ng\\rh\\ti\"}");
    assert_true(hash_at(&f, 0, 0) == h("a\"b\\c/d\be\ff\ng\rh\ti"));
    decode_ok(&f, "{\"s\":\"caf\\u00e9 \\u20AC \\ud83d\\ude00 \\u0041\"}");
    assert_true(hash_at(&f, 0, 1) == h("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 A"));
    decode_ok(&f, "{\"s\":\"caf\xc3\xa9\"}"); /* raw UTF-8 and its escape hash alike */
    assert_true(hash_at(&f, 0, 2) == h("caf\xc3\xa9"));
    decode_ok(&f, "{\"s\":\"\\u0000\"}");
    assert_true(hash_at(&f, 0, 3) == dd_codec_hash("\0", 1));
    /* A long escaped string goes through the chunked hash. */
    char text[3000], want[1200];
    size_t n = (size_t)snprintf(text, sizeof(text), "{\"s\":\"");
    for (int i = 0; i < 400; i++) {
        n += (size_t)snprintf(text + n, sizeof(text) - n, "\\u00e9x");
        memcpy(want + 3 * i, "\xc3\xa9x", 3);
    }
    snprintf(text + n, sizeof(text) - n, "\"}");
    decode_ok(&f, text);
    assert_true(hash_at(&f, 0, 4) == dd_codec_hash(want, 1200));
    /* Surrogates that cannot become UTF-8, reported at the escape's backslash. */
    err_at(&f, "{\"s\":\"ab\\ud800\"}", DD_CODEC_ERR_INVALID_UTF8, 8);
    err_at(&f, "{\"s\":\"\\udc00\"}", DD_CODEC_ERR_INVALID_UTF8, 6);
    err_at(&f, "{\"s\":\"\\ud800\\u0041\"}", DD_CODEC_ERR_INVALID_UTF8, 6);
    err_at(&f, "{\"s\":\"\\ud800\\n\"}", DD_CODEC_ERR_INVALID_UTF8, 6);
    err_at(&f, "{\"s\":\"\\ud800x\"}", DD_CODEC_ERR_INVALID_UTF8, 6);
    err_at(&f, "{\"s\":\"\\ud800\\ud800\"}", DD_CODEC_ERR_INVALID_UTF8, 6);
    err_at(&f, "{\"x\":\"\\udfff\"}", DD_CODEC_ERR_INVALID_UTF8, 6); /* in a skipped member too */
    /* Malformed escapes are syntax errors at the offending byte. */
    err_at(&f, "{\"s\":\"\\x\"}", DD_CODEC_ERR_JSON_SYNTAX, 7);
    err_at(&f, "{\"s\":\"\\u12G4\"}", DD_CODEC_ERR_JSON_SYNTAX, 10);
    err_at(&f, "{\"s\":\"\\ud800\\uZ\"}", DD_CODEC_ERR_JSON_SYNTAX, 14);
    err_at(&f, "{\"s\":\"\\u12", DD_CODEC_ERR_TRUNCATED, 10);
    err_at(&f, "{\"s\":\"\\", DD_CODEC_ERR_TRUNCATED, 7);
    drop(&f);
}

static void test_invalid_utf8(void **state) {
    (void)state;
    const char *paths[] = {"s"};
    const dd_column_kind_t kinds[] = {CAT};
    fixture_t f = make(paths, kinds, 1, NULL);
    err_at(&f, "{\"s\":\"a\xc3\x28\"}", DD_CODEC_ERR_INVALID_UTF8, 7);        /* bad continuation */
    err_at(&f, "{\"s\":\"\xc0\x80\"}", DD_CODEC_ERR_INVALID_UTF8, 6);         /* overlong NUL */
    err_at(&f, "{\"s\":\"\xe0\x80\xaf\"}", DD_CODEC_ERR_INVALID_UTF8, 6);     /* overlong '/' */
    err_at(&f, "{\"s\":\"\xed\xa0\x80\"}", DD_CODEC_ERR_INVALID_UTF8, 6);     /* a surrogate */
    err_at(&f, "{\"s\":\"\xf4\x90\x80\x80\"}", DD_CODEC_ERR_INVALID_UTF8, 6); /* > U+10FFFF */
    err_at(&f, "{\"s\":\"\xf5\"}", DD_CODEC_ERR_INVALID_UTF8, 6);
    err_at(&f, "{\"s\":\"\x80\"}", DD_CODEC_ERR_INVALID_UTF8, 6);     /* a lone continuation byte */
    err_at(&f, "{\"s\":\"\xe2\x82\"}", DD_CODEC_ERR_INVALID_UTF8, 6); /* cut short by the quote */
    err_at(&f, "{\"\xff\":1}", DD_CODEC_ERR_INVALID_UTF8, 2);         /* in a member name */
    err_at(&f, "{\"s\":\"\xe2\x82", DD_CODEC_ERR_TRUNCATED, 8);       /* cut short by the end */
    decode_ok(&f, "{\"s\":\"\xf0\x9f\x98\x80\xef\xbf\xbf\xc2\x80\"}"); /* 4-, 3-, 2-byte forms */
    drop(&f);
}

static void test_numbers_match_strtod(void **state) {
    (void)state;
    const char *paths[] = {"x"};
    const dd_column_kind_t kinds[] = {NUM};
    fixture_t f = make(paths, kinds, 1, NULL);
    static const char *const fixed[] = {"0",
                                        "-0",
                                        "1",
                                        "-1",
                                        "0.1",
                                        "0.30000000000000004",
                                        "9007199254740993",
                                        "18446744073709551615",
                                        "18446744073709551616",
                                        "123456789012345678901234567890",
                                        "0.000000000000000000000000000001",
                                        "1e308",
                                        "1.7976931348623157e308",
                                        "1e309",
                                        "-1e400",
                                        "1e-400",
                                        "4.9406564584124654e-324",
                                        "2.2250738585072011e-308",
                                        "2.2250738585072012e-308",
                                        "1E5",
                                        "1e+5",
                                        "1e-5",
                                        "2.5e-1",
                                        "7.0e22",
                                        "1e23",
                                        "8.98846567431158e307",
                                        "1.0000000000000002",
                                        "0.1234567890123456789",
                                        "9999999999999999999",
                                        "1.5e-64",
                                        "3.14e64",
                                        "5e-65",
                                        "6e65",
                                        "0e99999",
                                        "123.456e-2",
                                        "1000000000000000000000000e-30",
                                        "2.7182818284590452353602874713527"};
    char text[128];
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
        dd_batch_clear(f.batch);
        snprintf(text, sizeof(text), "{\"x\":%s}", fixed[i]);
        decode_ok(&f, text);
        const double want = strtod(fixed[i], NULL), got = num_at(&f, 0, 0);
        if (memcmp(&want, &got, sizeof(double)) != 0)
            fail_msg("%s: got %.17g, strtod gives %.17g", fixed[i], got, want);
    }
    /* Every exponent of the fast path's table and a little beyond, 1 to 19 random digits. */
    uint64_t digits_rng = 42;
    for (int e = -80; e <= 80; e++)
        for (int k = 0; k < 300; k++) {
            digits_rng = digits_rng * 6364136223846793005ull + 1442695040888963407ull;
            const int nd = 1 + (int)(digits_rng >> 59) % 19;
            unsigned long long m = (digits_rng >> 1) % 10000000000000000000ull;
            char digits[24];
            snprintf(digits, sizeof(digits), "%019llu", m);
            snprintf(text, sizeof(text), "{\"x\":%c%s%.*se%d}", '1' + (int)(m % 9),
                     nd > 1 ? "." : "", nd - 1, digits, e);
            dd_batch_clear(f.batch);
            decode_ok(&f, text);
            const double want = strtod(text + 5, NULL), got = num_at(&f, 0, 0);
            if (memcmp(&want, &got, sizeof(double)) != 0)
                fail_msg("%s: got %.17g, strtod gives %.17g", text, got, want);
        }
    /* Random doubles as 17, 15 and 9 significant digits, random bit patterns included. */
    uint64_t rng = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < 200000; i++) {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        double d;
        memcpy(&d, &rng, sizeof(d));
        if (!isfinite(d))
            continue;
        snprintf(text, sizeof(text), "{\"x\":%.*g}", i % 3 == 0 ? 17 : i % 3 == 1 ? 15 : 9, d);
        dd_batch_clear(f.batch);
        decode_ok(&f, text);
        const double want = strtod(text + 5, NULL), got = num_at(&f, 0, 0);
        if (memcmp(&want, &got, sizeof(double)) != 0)
            fail_msg("%s: got %.17g, strtod gives %.17g", text, got, want);
    }
    drop(&f);
}

static void test_syntax_errors(void **state) {
    (void)state;
    const char *paths[] = {"x"};
    const dd_column_kind_t kinds[] = {NUM};
    fixture_t f = make(paths, kinds, 1, NULL);
    /* Not JSON at all, and JSON that is not an object. */
    err_at(&f, "", DD_CODEC_ERR_TRUNCATED, 0);
    err_at(&f, "  \n", DD_CODEC_ERR_TRUNCATED, 3);
    err_at(&f, " [1]", DD_CODEC_ERR_NOT_OBJECT, 1);
    err_at(&f, "\"x\"", DD_CODEC_ERR_NOT_OBJECT, 0);
    err_at(&f, "12", DD_CODEC_ERR_NOT_OBJECT, 0);
    err_at(&f, "true", DD_CODEC_ERR_NOT_OBJECT, 0);
    err_at(&f, "null", DD_CODEC_ERR_NOT_OBJECT, 0);
    err_at(&f, "x", DD_CODEC_ERR_JSON_SYNTAX, 0);
    err_at(&f, "\xef\xbb\xbf{}", DD_CODEC_ERR_JSON_SYNTAX, 0); /* no byte-order mark in records */
    /* NaN and infinities are not JSON, wanted or skipped. */
    err_at(&f, "{\"x\":NaN}", DD_CODEC_ERR_JSON_SYNTAX, 5);
    err_at(&f, "{\"x\":Infinity}", DD_CODEC_ERR_JSON_SYNTAX, 5);
    err_at(&f, "{\"x\":-Infinity}", DD_CODEC_ERR_JSON_SYNTAX, 6);
    err_at(&f, "{\"y\":NaN}", DD_CODEC_ERR_JSON_SYNTAX, 5);
    err_at(&f, "{\"y\":[1,-Infinity]}", DD_CODEC_ERR_JSON_SYNTAX, 9);
    /* Number grammar. */
    err_at(&f, "{\"x\":01}", DD_CODEC_ERR_JSON_SYNTAX, 6);
    err_at(&f, "{\"x\":1.}", DD_CODEC_ERR_JSON_SYNTAX, 7);
    err_at(&f, "{\"x\":.5}", DD_CODEC_ERR_JSON_SYNTAX, 5);
    err_at(&f, "{\"x\":+1}", DD_CODEC_ERR_JSON_SYNTAX, 5);
    err_at(&f, "{\"x\":-}", DD_CODEC_ERR_JSON_SYNTAX, 6);
    err_at(&f, "{\"x\":1e}", DD_CODEC_ERR_JSON_SYNTAX, 7);
    err_at(&f, "{\"x\":1e+}", DD_CODEC_ERR_JSON_SYNTAX, 8);
    err_at(&f, "{\"x\":0x10}", DD_CODEC_ERR_JSON_SYNTAX, 6);
    err_at(&f, "{\"y\":[01]}", DD_CODEC_ERR_JSON_SYNTAX, 7);
    /* Structure. */
    err_at(&f, "{\"x\":1,}", DD_CODEC_ERR_JSON_SYNTAX, 7);
    err_at(&f, "{\"x\" 1}", DD_CODEC_ERR_JSON_SYNTAX, 5);
    err_at(&f, "{\"x\":1 \"y\":2}", DD_CODEC_ERR_JSON_SYNTAX, 7);
    err_at(&f, "{x:1}", DD_CODEC_ERR_JSON_SYNTAX, 1);
    err_at(&f, "{'x':1}", DD_CODEC_ERR_JSON_SYNTAX, 1);
    err_at(&f, "{\"y\":[1,]}", DD_CODEC_ERR_JSON_SYNTAX, 8);
    err_at(&f, "{\"y\":[1}", DD_CODEC_ERR_JSON_SYNTAX, 7);
    err_at(&f, "{\"y\":{\"a\":1]}", DD_CODEC_ERR_JSON_SYNTAX, 11);
    err_at(&f, "{\"y\":{1:2}}", DD_CODEC_ERR_JSON_SYNTAX, 6);
    err_at(&f, "{\"x\":tru}", DD_CODEC_ERR_JSON_SYNTAX, 8);
    err_at(&f, "{\"x\":nul}", DD_CODEC_ERR_JSON_SYNTAX, 8);
    err_at(&f, "{\"x\":\"a\tb\"}", DD_CODEC_ERR_JSON_SYNTAX, 7); /* raw control character */
    err_at(&f, "{\"x\":1}}", DD_CODEC_ERR_TRAILING_BYTES, 7);
    err_at(&f, "{\"x\":1} {}", DD_CODEC_ERR_TRAILING_BYTES, 8);
    decode_ok(&f, "{\"x\":1}  \r\n\t");
    /* Truncation anywhere: offset = length. */
    static const char *const cuts[] = {
        "{",           "{\"",       "{\"x",       "{\"x\"",        "{\"x\":",   "{\"x\":1",
        "{\"x\":-",    "{\"x\":1.", "{\"x\":1e",  "{\"x\":1e-",    "{\"x\":t",  "{\"x\":fals",
        "{\"x\":\"ab", "{\"y\":[",  "{\"y\":[1,", "{\"y\":{\"a\"", "{\"x\":1,", "{\"x\":1 "};
    for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++)
        err_at(&f, cuts[i], DD_CODEC_ERR_TRUNCATED, strlen(cuts[i]));
    /* Bytes after a NUL still count: the length decides, not a terminator. */
    decode_err(&f, "{\"x\":1}\0", 8, DD_CODEC_ERR_TRAILING_BYTES, 7);
    drop(&f);
}

/* {"x":[[…]]} with `levels` arrays. */
static void nested_arrays(char *out, int levels) {
    size_t n = (size_t)sprintf(out, "{\"x\":");
    for (int i = 0; i < levels; i++)
        out[n++] = '[';
    for (int i = 0; i < levels; i++)
        out[n++] = ']';
    out[n++] = '}';
    out[n] = '\0';
}

static void test_limits(void **state) {
    (void)state;
    dd_json_options_t opt;
    dd_json_options_default(&opt);
    assert_int_equal(opt.record_bytes_max, 1 << 20);
    assert_int_equal(opt.depth_max, 64);
    opt.depth_max = 3;
    opt.string_bytes_max = 5;
    opt.number_bytes_max = 4;
    opt.record_bytes_max = 60;
    const char *paths[] = {"a.b", "s", "n"};
    const dd_column_kind_t kinds[] = {NUM, CAT, NUM};
    fixture_t f = make(paths, kinds, 3, &opt);
    /* Depth: the record is 1; 3 levels pass, a 4th fails at its bracket, wanted or skipped. */
    decode_ok(&f, "{\"a\":{\"b\":[1]},\"z\":[[2]]}");
    assert_true(null_at(&f, 0, 0));
    err_at(&f, "{\"a\":{\"b\":[[1]]}}", DD_CODEC_ERR_TOO_DEEP, 11);
    err_at(&f, "{\"z\":[[[2]]]}", DD_CODEC_ERR_TOO_DEEP, 7);
    err_at(&f, "{\"z\":{\"y\":{\"x\":{}}}}", DD_CODEC_ERR_TOO_DEEP, 15);
    /* Strings (raw bytes between the quotes): 5 pass, 6 fail at the opening quote; keys too. */
    decode_ok(&f, "{\"s\":\"abcde\",\"k\":\"\\n\\\"\"}");
    err_at(&f, "{\"s\":\"abcdef\"}", DD_CODEC_ERR_LENGTH_TOO_LARGE, 5);
    err_at(&f, "{\"k\":\"\\n\\n\\n\"}", DD_CODEC_ERR_LENGTH_TOO_LARGE, 5);
    err_at(&f, "{\"abcdef\":1}", DD_CODEC_ERR_LENGTH_TOO_LARGE, 1);
    /* Numbers: 4 bytes pass, 5 fail at the first byte, wanted, hashed or skipped. */
    decode_ok(&f, "{\"n\":-1.5,\"s\":1234,\"z\":1e10}");
    assert_true(num_at(&f, 2, 2) == -1.5);
    err_at(&f, "{\"n\":-1.25}", DD_CODEC_ERR_LENGTH_TOO_LARGE, 5);
    err_at(&f, "{\"s\":12345}", DD_CODEC_ERR_LENGTH_TOO_LARGE, 5);
    err_at(&f, "{\"z\":1e100}", DD_CODEC_ERR_LENGTH_TOO_LARGE, 5);
    err_at(&f, "{\"z\":[1, 100000000000000000000000000000000000000]}",
           DD_CODEC_ERR_LENGTH_TOO_LARGE, 9);
    /* The record: 60 bytes pass, 61 fail at offset 60, before anything is read. */
    char text[64];
    memset(text, ' ', sizeof(text));
    memcpy(text, "{}", 2);
    assert_int_equal(dd_json_decode(f.plan, (const uint8_t *)text, 60, f.batch, NULL), DD_CODEC_OK);
    decode_err(&f, text, 61, DD_CODEC_ERR_RECORD_TOO_LARGE, 60);
    drop(&f);
    /* Default limits: 64 levels pass, 65 fail; a 1 MiB + 1 record fails. */
    const char *one[] = {"x"};
    const dd_column_kind_t num[] = {NUM};
    f = make(one, num, 1, NULL);
    char deep[200];
    nested_arrays(deep, 63); /* the record and 63 arrays */
    decode_ok(&f, deep);
    assert_int_equal(f.batch->columns[0].type_errors, 1);
    nested_arrays(deep, 64);
    err_at(&f, deep, DD_CODEC_ERR_TOO_DEEP, 5 + 63);
    const size_t big = ((size_t)1 << 20) + 1;
    char *huge = malloc(big);
    assert_non_null(huge);
    memset(huge, ' ', big);
    huge[0] = '{';
    huge[1] = '}';
    decode_err(&f, huge, big, DD_CODEC_ERR_RECORD_TOO_LARGE, (size_t)1 << 20);
    /* A long string within the defaults, and a number of 256 digits. */
    memset(huge, 'a', 200000);
    memcpy(huge, "{\"z\":\"", 6);
    memcpy(huge + 200000, "\"}", 2);
    assert_int_equal(dd_json_decode(f.plan, (const uint8_t *)huge, 200002, f.batch, NULL),
                     DD_CODEC_OK);
    memset(huge, '1', 300);
    memcpy(huge, "{\"x\":", 5);
    memcpy(huge + 5 + 256, "}", 1);
    dd_batch_clear(f.batch);
    assert_int_equal(dd_json_decode(f.plan, (const uint8_t *)huge, 5 + 256 + 1, f.batch, NULL),
                     DD_CODEC_OK);
    assert_true(num_at(&f, 0, 0) > 1e255);
    huge[5 + 256] = '1';
    huge[5 + 257] = '}';
    decode_err(&f, huge, 5 + 258, DD_CODEC_ERR_LENGTH_TOO_LARGE, 5);
    free(huge);
    drop(&f);
}

static void test_batch_contract(void **state) {
    (void)state;
    const char *paths[] = {"x", "c"};
    const dd_column_kind_t kinds[] = {NUM, CAT};
    fixture_t f = make(paths, kinds, 2, NULL);
    decode_ok(&f, "{\"x\":1,\"c\":\"a\"}");
    decode_ok(&f, "{\"x\":2,\"c\":\"b\"}");
    /* A failure after the row's cells were written leaves the earlier rows and rows alone. */
    err_at(&f, "{\"x\":3,\"c\":\"z\",\"y\":Na}", DD_CODEC_ERR_JSON_SYNTAX, 19);
    assert_int_equal(f.batch->rows, 2);
    assert_true(num_at(&f, 0, 0) == 1.0 && num_at(&f, 0, 1) == 2.0);
    assert_true(hash_at(&f, 1, 1) == h("b"));
    decode_ok(&f, "{\"c\":\"c\"}"); /* the failed row's slot is reused, fully rewritten */
    assert_true(null_at(&f, 0, 2) && hash_at(&f, 1, 2) == h("c"));
    /* Full batch. */
    while (f.batch->rows < f.batch->capacity)
        decode_ok(&f, "{}");
    err_at(&f, "{}", DD_CODEC_ERR_BATCH_FULL, 0);
    /* Grown, a full batch keeps its rows (values and nulls) and takes more. */
    const size_t full = f.batch->capacity;
    assert_int_equal(dd_batch_grow(f.batch, full - 1), DD_CODEC_OK); /* smaller: nothing */
    assert_int_equal(f.batch->capacity, full);
    assert_int_equal(dd_batch_grow(f.batch, 4 * full + 3), DD_CODEC_OK);
    assert_int_equal(f.batch->capacity, 4 * full + 3);
    assert_int_equal(f.batch->rows, full);
    assert_true(num_at(&f, 0, 0) == 1.0 && num_at(&f, 0, 1) == 2.0);
    assert_true(hash_at(&f, 1, 1) == h("b") && null_at(&f, 0, 2) && null_at(&f, 0, full - 1));
    while (f.batch->rows < f.batch->capacity)
        decode_ok(&f, "{\"x\":5}");
    assert_true(num_at(&f, 0, 4 * full + 2) == 5.0 && !null_at(&f, 0, 4 * full + 2));
    err_at(&f, "{}", DD_CODEC_ERR_BATCH_FULL, 0);
    assert_int_equal(dd_batch_grow(f.batch, ((size_t)1 << 24) + 1), DD_CODEC_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_batch_grow(NULL, 8), DD_CODEC_ERR_INVALID_ARGUMENT);
    dd_batch_clear(f.batch);
    decode_ok(&f, "{}");
    /* A batch that does not match the plan. */
    dd_column_batch_t *other;
    const dd_column_kind_t swapped[] = {CAT, NUM};
    assert_int_equal(dd_batch_new(swapped, 2, 4, &other), DD_CODEC_OK);
    size_t off;
    assert_int_equal(dd_json_decode(f.plan, (const uint8_t *)"{}", 2, other, &off),
                     DD_CODEC_ERR_INVALID_ARGUMENT);
    assert_int_equal(other->rows, 0);
    dd_batch_destroy(other);
    assert_int_equal(dd_json_decode(f.plan, (const uint8_t *)"{}", 2, NULL, &off),
                     DD_CODEC_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_json_decode(NULL, (const uint8_t *)"{}", 2, f.batch, &off),
                     DD_CODEC_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_json_decode(f.plan, NULL, 2, f.batch, &off), DD_CODEC_ERR_INVALID_ARGUMENT);
    drop(&f);
}

static void test_plans(void **state) {
    (void)state;
    dd_json_plan_t *p = (dd_json_plan_t *)0x1;
    const dd_column_kind_t k2[] = {NUM, NUM};
    const char *dup[] = {"a.b", "a.b"};
    assert_int_equal(dd_json_plan_new(dup, k2, 2, NULL, &p), DD_CODEC_ERR_DUPLICATE_COLUMN);
    assert_null(p);
    const char *escaped_dup[] = {"a\\.b", "a.b"}; /* different paths */
    assert_int_equal(dd_json_plan_new(escaped_dup, k2, 2, NULL, &p), DD_CODEC_OK);
    dd_json_plan_destroy(p);
    static const char *const bad[] = {"", ".a", "a.", "a..b", "a\\b", "a\\"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *one[] = {bad[i]};
        assert_int_equal(dd_json_plan_new(one, k2, 1, NULL, &p), DD_CODEC_ERR_INVALID_ARGUMENT);
    }
    const dd_column_kind_t bad_kind[] = {(dd_column_kind_t)7};
    const char *a[] = {"a"};
    assert_int_equal(dd_json_plan_new(a, bad_kind, 1, NULL, &p), DD_CODEC_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_json_plan_new(a, k2, 0, NULL, &p), DD_CODEC_ERR_INVALID_ARGUMENT);
    assert_int_equal(dd_json_plan_new(NULL, k2, 1, NULL, &p), DD_CODEC_ERR_INVALID_ARGUMENT);
    dd_json_options_t opt;
    dd_json_options_default(&opt);
    opt.depth_max = 0;
    assert_int_equal(dd_json_plan_new(a, k2, 1, &opt, &p), DD_CODEC_ERR_INVALID_ARGUMENT);
    opt.depth_max = 1025;
    assert_int_equal(dd_json_plan_new(a, k2, 1, &opt, &p), DD_CODEC_ERR_INVALID_ARGUMENT);
    opt.depth_max = 2;
    opt.number_bytes_max = 1025;
    assert_int_equal(dd_json_plan_new(a, k2, 1, &opt, &p), DD_CODEC_ERR_INVALID_ARGUMENT);
    opt.number_bytes_max = 10;
    const char *deep[] = {"a.b.c"}; /* needs depth 3 */
    assert_int_equal(dd_json_plan_new(deep, k2, 1, &opt, &p), DD_CODEC_ERR_INVALID_ARGUMENT);
    const char *ok[] = {"a.b"};
    assert_int_equal(dd_json_plan_new(ok, k2, 1, &opt, &p), DD_CODEC_OK);
    dd_json_plan_destroy(p);
    dd_json_plan_destroy(NULL);
    /* A large plan: 5000 fields, flat and nested, in a record given in reverse order. */
    enum { MANY = 5000 };
    char **names = malloc(MANY * sizeof(char *));
    dd_column_kind_t *kinds = malloc(MANY * sizeof(dd_column_kind_t));
    char *text = malloc(MANY * 40);
    assert_true(names && kinds && text);
    size_t n = (size_t)sprintf(text, "{");
    for (int i = MANY - 1; i >= 0; i--) {
        names[i] = malloc(32);
        if (i % 2)
            snprintf(names[i], 32, "g%d.f%d", i % 100, i);
        else
            snprintf(names[i], 32, "f%d", i);
        kinds[i] = NUM;
        if (i % 2)
            n += (size_t)sprintf(text + n, "\"g%d\":{\"f%d\":%d},", i % 100, i, i);
        else
            n += (size_t)sprintf(text + n, "\"f%d\":%d,", i, i);
    }
    text[n - 1] = '}';
    fixture_t f = make((const char *const *)names, kinds, MANY, NULL);
    decode_ok(&f, text);
    for (int i = 0; i < MANY; i++) { /* repeated g<k> objects each fill their own members */
        assert_true(num_at(&f, (size_t)i, 0) == i);
        free(names[i]);
    }
    drop(&f);
    free(names);
    free(kinds);
    free(text);
}

static void assert_span(const dd_codec_span_t *t, const char *want) {
    if (want == NULL) {
        assert_null(t->data);
        assert_int_equal(t->len, 0);
        return;
    }
    assert_non_null(t->data);
    assert_int_equal(t->len, strlen(want));
    assert_memory_equal(t->data, want, t->len);
}

/* dd_json_decode_texts: each categorical value as written (strings without their quotes, the
 * literals, a number's digits), nothing for escaped strings, nulls, containers and numeric
 * columns; every slot is reset for the next record; the row is the one dd_json_decode makes. */
static void test_texts(void **state) {
    (void)state;
    const char *paths[] = {"a", "b", "c", "d", "e", "f", "n"};
    const dd_column_kind_t kinds[] = {DD_COLUMN_CATEGORICAL, DD_COLUMN_CATEGORICAL,
                                      DD_COLUMN_CATEGORICAL, DD_COLUMN_CATEGORICAL,
                                      DD_COLUMN_CATEGORICAL, DD_COLUMN_CATEGORICAL,
                                      DD_COLUMN_NUMERIC};
    fixture_t f = make(paths, kinds, 7, NULL);
    dd_codec_span_t texts[7];
    const char rec[] = "{\"a\":\"x\\\"y\",\"b\":\"plain\",\"c\":true,\"d\":-12.5e1,"
                       "\"e\":null,\"f\":[1],\"n\":3}";
    size_t off = 0;
    assert_int_equal(dd_json_decode_texts(f.plan, (const uint8_t *)rec, strlen(rec), f.batch,
                                          &off, texts),
                     DD_CODEC_OK);
    assert_span(&texts[0], NULL); /* escaped */
    assert_span(&texts[1], "plain");
    assert_span(&texts[2], "true");
    assert_span(&texts[3], "-12.5e1");
    assert_span(&texts[4], NULL);
    assert_span(&texts[5], NULL); /* a type error */
    assert_span(&texts[6], NULL); /* numeric */
    assert_int_equal(f.batch->columns[1].hashes[0], dd_codec_hash("plain", 5));
    const char next[] = "{\"c\":false}";
    assert_int_equal(dd_json_decode_texts(f.plan, (const uint8_t *)next, strlen(next), f.batch,
                                          &off, texts),
                     DD_CODEC_OK);
    assert_span(&texts[1], NULL); /* absent in this record */
    assert_span(&texts[2], "false");
    drop(&f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_types_numeric),
        cmocka_unit_test(test_types_categorical),
        cmocka_unit_test(test_nested_paths_and_absent),
        cmocka_unit_test(test_duplicates_and_type_error_counting),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_numbers_match_strtod),
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_batch_contract),
        cmocka_unit_test(test_plans),
        cmocka_unit_test(test_texts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
