/* test_dataset_jsonl.c — JSON Lines files as typed columns (codecs/dataset_jsonl.c).
 *
 * - columns are the leaf paths of all records in first-seen order, nested objects dotted, a key's
 *   own dots escaped; arrays and empty objects make no column;
 * - kinds: numbers only → numeric; any string or boolean → categorical, numbers then spelled by
 *   their literal text; all-null → numeric; hints force a kind (true/false are 1/0 in a numeric
 *   column, a string there is an error);
 * - absent and null are null; a repeated member takes its last value;
 * - blank lines, CRLF line ends and a byte-order mark are fine; category spellings are unescaped;
 * - the same data as CSV and as JSON Lines gives the same columns, values and hashes, booleans
 *   included: JSON true/false, strings "TRUE"/"False" and numbers 1/0 beside them are the
 *   categories "true"/"false" of a CSV file's True/false/1/0;
 * - every bad input gives its own error naming the file, line and byte column: missing file, no
 *   records, no fields, invalid JSON, not an object, a string in a hinted numeric column, a hint
 *   naming no column, too many columns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codecs.h"

static char path[256], csv_path[256];

static const char *write_file(char *where, const char *ext, const char *text, size_t len) {
    snprintf(where, 256, "/tmp/driftd-test-dataset-jsonl-%d.%s", (int)getpid(), ext);
    FILE *f = fopen(where, "wb");
    assert_non_null(f);
    fwrite(text, 1, len, f);
    fclose(f);
    return where;
}

static dd_dataset_t *load_ok(const char *text, const dd_column_hint_t *hints, size_t n_hints) {
    dd_dataset_t *d = NULL;
    char err[512] = "";
    const dd_codec_err_t e = dd_dataset_load_jsonl(write_file(path, "jsonl", text, strlen(text)),
                                                   NULL, hints, n_hints, &d, err, sizeof(err));
    if (e != DD_CODEC_OK)
        fail_msg("load failed: %s (%s)", dd_codec_err_name(e), err);
    return d;
}

static void expect_error(const char *text, const dd_column_hint_t *hints, size_t n_hints,
                         dd_codec_err_t want, const char *message_part) {
    dd_dataset_t *d = (dd_dataset_t *)0x1;
    char err[512] = "";
    const dd_codec_err_t e = dd_dataset_load_jsonl(write_file(path, "jsonl", text, strlen(text)),
                                                   NULL, hints, n_hints, &d, err, sizeof(err));
    if (e != want)
        fail_msg("got %s (%s), want %s", dd_codec_err_name(e), err, dd_codec_err_name(want));
    assert_null(d);
    if (strstr(err, message_part) == NULL)
        fail_msg("message '%s' lacks '%s'", err, message_part);
    if (strstr(err, path) == NULL)
        fail_msg("message '%s' does not name the file", err);
}

static int is_null(const dd_dataset_t *d, size_t col, size_t row) {
    return (dd_dataset_nulls(d, col)[row / 8] >> (row % 8)) & 1;
}

static long column(const dd_dataset_t *d, const char *name) {
    const long c = dd_dataset_find_column(d, name);
    if (c < 0)
        fail_msg("no column '%s'", name);
    return c;
}

static void test_columns_and_kinds(void **state) {
    (void)state;
    dd_dataset_t *d =
        load_ok("{\"id\":1,\"user\":{\"age\":41,\"city\":\"Paris\"},\"tags\":[1,2],"
                "\"flag\":true,\"mixed\":1.50,\"a.b\":7,\"empty\":{},\"nothing\":null}\n"
                "\n"
                "{\"id\":2,\"user\":{\"age\":null},\"flag\":false,\"mixed\":\"x\","
                "\"late\":\"new\"}\r\n"
                "   \n"
                "{\"id\":3,\"user\":{\"age\":7.5,\"city\":\"caf\\u00e9\"},\"id\":4}",
                NULL, 0);
    assert_int_equal(dd_dataset_rows(d), 3);
    /* First-seen order; arrays and {} make no column; a key's own dot is escaped. */
    static const char *const names[] = {"id",    "user.age", "user.city", "flag",
                                        "mixed", "a\\.b",    "nothing",   "late"};
    assert_int_equal(dd_dataset_columns(d), 8);
    for (size_t i = 0; i < 8; i++)
        assert_string_equal(dd_dataset_column_name(d, i), names[i]);
    assert_int_equal(dd_dataset_column_kind(d, 0), DD_COLUMN_NUMERIC);
    assert_int_equal(dd_dataset_column_kind(d, 1), DD_COLUMN_NUMERIC);
    assert_int_equal(dd_dataset_column_kind(d, 2), DD_COLUMN_CATEGORICAL);
    assert_int_equal(dd_dataset_column_kind(d, 3), DD_COLUMN_CATEGORICAL); /* booleans */
    assert_int_equal(dd_dataset_column_kind(d, 4), DD_COLUMN_CATEGORICAL); /* number + string */
    assert_int_equal(dd_dataset_column_kind(d, 5), DD_COLUMN_NUMERIC);
    assert_int_equal(dd_dataset_column_kind(d, 6), DD_COLUMN_NUMERIC); /* only nulls */
    /* Values, nulls, the last of a repeated member. */
    const double *id = dd_dataset_numbers(d, 0);
    assert_true(id[0] == 1.0 && id[1] == 2.0 && id[2] == 4.0);
    const double *age = dd_dataset_numbers(d, 1);
    assert_true(age[0] == 41.0 && is_null(d, 1, 1) && age[2] == 7.5 && !is_null(d, 1, 2));
    assert_true(is_null(d, 2, 1));
    assert_true(is_null(d, 6, 0) && is_null(d, 6, 1) && is_null(d, 6, 2));
    assert_true(is_null(d, 7, 0) && !is_null(d, 7, 1) && is_null(d, 7, 2));
    assert_true(is_null(d, 5, 1) && dd_dataset_numbers(d, 5)[0] == 7.0);
    /* Categories: hashes of the unescaped bytes, numbers by their literal text, spellings kept. */
    const uint64_t *city = dd_dataset_hashes(d, 2);
    assert_true(city[0] == dd_codec_hash("Paris", 5));
    assert_true(city[2] == dd_codec_hash("caf\xc3\xa9", 5));
    assert_string_equal(dd_dataset_category_name(d, 2, city[2]), "caf\xc3\xa9");
    const uint64_t *flag = dd_dataset_hashes(d, 3);
    assert_true(flag[0] == dd_codec_hash("true", 4) && flag[1] == dd_codec_hash("false", 5));
    assert_string_equal(dd_dataset_category_name(d, 3, flag[1]), "false");
    const uint64_t *mixed = dd_dataset_hashes(d, 4);
    assert_true(mixed[0] == dd_codec_hash("1.50", 4));
    assert_string_equal(dd_dataset_category_name(d, 4, mixed[0]), "1.50");
    assert_true(is_null(d, 4, 2));
    dd_dataset_destroy(d);
}

static void test_hints(void **state) {
    (void)state;
    const dd_column_hint_t as_category[] = {{"zip", DD_COLUMN_CATEGORICAL, DD_BOOLEAN_INFER},
                                            {"ok", DD_COLUMN_NUMERIC, DD_BOOLEAN_INFER}};
    dd_dataset_t *d =
        load_ok("{\"zip\":75001,\"ok\":true}\n{\"zip\":69001,\"ok\":false}\n", as_category, 2);
    assert_int_equal(dd_dataset_column_kind(d, 0), DD_COLUMN_CATEGORICAL);
    assert_string_equal(dd_dataset_category_name(d, 0, dd_dataset_hashes(d, 0)[1]), "69001");
    assert_int_equal(dd_dataset_column_kind(d, 1), DD_COLUMN_NUMERIC);
    assert_true(dd_dataset_numbers(d, 1)[0] == 1.0 && dd_dataset_numbers(d, 1)[1] == 0.0);
    dd_dataset_destroy(d);
    const dd_column_hint_t as_number[] = {{"u.x", DD_COLUMN_NUMERIC, DD_BOOLEAN_INFER}};
    const char *text = "{\"u\":{\"x\":1}}\n\n{\"u\":{\"x\":\"abc\"}}\n";
    expect_error(text, as_number, 1, DD_CODEC_ERR_BAD_NUMBER,
                 ":3:11: field 'u.x': \"abc\" is not a number");
    const dd_column_hint_t unknown[] = {{"y", DD_COLUMN_NUMERIC, DD_BOOLEAN_INFER}};
    expect_error("{\"x\":1}\n", unknown, 1, DD_CODEC_ERR_UNKNOWN_COLUMN, "column 'y'");
}

static void test_errors(void **state) {
    (void)state;
    dd_dataset_t *d = NULL;
    char err[512];
    assert_int_equal(
        dd_dataset_load_jsonl("/nonexistent/driftd.jsonl", NULL, NULL, 0, &d, err, sizeof(err)),
        DD_CODEC_ERR_IO);
    assert_non_null(strstr(err, "/nonexistent/driftd.jsonl: No such file or directory"));
    expect_error("", NULL, 0, DD_CODEC_ERR_EMPTY, "empty file (no records)");
    expect_error("\n \r\n\t\n", NULL, 0, DD_CODEC_ERR_EMPTY, "empty file (no records)");
    expect_error("{}\n{\"a\":[]}\n", NULL, 0, DD_CODEC_ERR_EMPTY, "no fields in any record");
    expect_error("{\"a\":1}\n{\"a\":2}\n{\"a\": NaN}\n", NULL, 0, DD_CODEC_ERR_JSON_SYNTAX,
                 ":3:7: invalid JSON");
    expect_error("{\"a\":1}\n[1,2]\n", NULL, 0, DD_CODEC_ERR_NOT_OBJECT,
                 ":2:1: JSON record is not an object");
    expect_error("{\"a\":1}\n{\"a\":\"\xc3\x28\"}\n", NULL, 0, DD_CODEC_ERR_INVALID_UTF8,
                 ":2:7: invalid UTF-8");
    expect_error("{\"a\":1}\n{\"a\":1", NULL, 0, DD_CODEC_ERR_TRUNCATED, ":2:7:");
    expect_error("{\"a\":1} {\"a\":2}\n", NULL, 0, DD_CODEC_ERR_TRAILING_BYTES, ":1:9:");
    /* One record with more distinct fields than the cap. */
    enum { KEYS = 16385 };
    char *text = malloc(KEYS * 16);
    assert_non_null(text);
    size_t n = (size_t)sprintf(text, "{\"a\":1}\n{");
    for (int i = 0; i < KEYS; i++)
        n += (size_t)sprintf(text + n, "\"k%d\":1,", i);
    text[n - 1] = '}';
    expect_error(text, NULL, 0, DD_CODEC_ERR_TOO_MANY_FIELDS, "more than 16384 distinct fields");
    free(text);
}

static void test_bom_and_limits(void **state) {
    (void)state;
    dd_dataset_t *d = load_ok("\xef\xbb\xbf{\"a\":1}\n{\"a\":2}", NULL, 0);
    assert_int_equal(dd_dataset_rows(d), 2);
    assert_string_equal(dd_dataset_column_name(d, 0), "a");
    dd_dataset_destroy(d);
    dd_json_options_t opt;
    dd_json_options_default(&opt);
    opt.depth_max = 2;
    char err[512];
    write_file(path, "jsonl", "{\"a\":{\"b\":1}}\n{\"a\":{\"b\":{\"c\":1}}}\n", 34);
    assert_int_equal(dd_dataset_load_jsonl(path, &opt, NULL, 0, &d, err, sizeof(err)),
                     DD_CODEC_ERR_TOO_DEEP);
    assert_non_null(strstr(err, ":2:11: nesting deeper than the limit"));
}

/* a and b have the same columns, kinds, nulls, values, hashes and spellings. */
static void same_dataset(const dd_dataset_t *a, const dd_dataset_t *b) {
    assert_int_equal(dd_dataset_rows(a), dd_dataset_rows(b));
    assert_int_equal(dd_dataset_columns(a), dd_dataset_columns(b));
    for (size_t c = 0; c < dd_dataset_columns(a); c++) {
        assert_string_equal(dd_dataset_column_name(a, c), dd_dataset_column_name(b, c));
        assert_int_equal(dd_dataset_column_kind(a, c), dd_dataset_column_kind(b, c));
        for (size_t r = 0; r < dd_dataset_rows(a); r++) {
            assert_int_equal(is_null(a, c, r), is_null(b, c, r));
            if (is_null(a, c, r))
                continue;
            if (dd_dataset_column_kind(a, c) == DD_COLUMN_NUMERIC) {
                assert_memory_equal(&dd_dataset_numbers(a, c)[r], &dd_dataset_numbers(b, c)[r],
                                    sizeof(double));
            } else {
                const uint64_t ha = dd_dataset_hashes(a, c)[r];
                assert_true(ha == dd_dataset_hashes(b, c)[r]);
                assert_string_equal(dd_dataset_category_name(a, c, ha),
                                    dd_dataset_category_name(b, c, ha));
            }
        }
    }
}

/* The same data as CSV and as JSON Lines: same columns, kinds, values, hashes and spellings. */
static void test_same_as_csv(void **state) {
    (void)state;
    const char *csv = "x,city,n,flag\n1.5,Paris,3,true\n-2e-3,Lyon,,false\n7,\"a,b\",4,true\n";
    const char *jsonl = "{\"x\":1.5,\"city\":\"Paris\",\"n\":3,\"flag\":true}\n"
                        "{\"x\":-2e-3,\"city\":\"Lyon\",\"n\":null,\"flag\":false}\n"
                        "{\"x\":7,\"city\":\"a,b\",\"flag\":true,\"n\":4}\n";
    dd_dataset_t *a = NULL, *b = NULL;
    char err[512];
    assert_int_equal(dd_dataset_load_csv(write_file(csv_path, "csv", csv, strlen(csv)), NULL, NULL,
                                         0, &a, err, sizeof(err)),
                     DD_CODEC_OK);
    b = load_ok(jsonl, NULL, 0);
    same_dataset(a, b);
    assert_int_equal(column(b, "flag"), 3);
    dd_dataset_destroy(a);
    dd_dataset_destroy(b);
}

/* Booleans spelled as JSON can (literals, strings in any case, 1/0 beside them) and as CSV can:
 * the same boolean columns with the categories "true" and "false". */
static void test_booleans_as_csv(void **state) {
    (void)state;
    const char *csv = "b,s,m,n\nTrue,TRUE,1,1\nFALSE,false,0,0\nfalse,False,True,1\n";
    const char *jsonl = "{\"b\":true,\"s\":\"TRUE\",\"m\":1,\"n\":1}\n"
                        "{\"b\":false,\"s\":\"false\",\"m\":0,\"n\":0}\n"
                        "{\"b\":false,\"s\":\"False\",\"m\":true,\"n\":1}\n";
    dd_dataset_t *a = NULL, *b = NULL;
    char err[512];
    assert_int_equal(dd_dataset_load_csv(write_file(csv_path, "csv", csv, strlen(csv)), NULL, NULL,
                                         0, &a, err, sizeof(err)),
                     DD_CODEC_OK);
    b = load_ok(jsonl, NULL, 0);
    same_dataset(a, b);
    for (size_t c = 0; c < 3; c++) {
        assert_int_equal(dd_dataset_column_boolean(b, c), 1);
        assert_true(dd_dataset_hashes(b, c)[0] == dd_codec_hash("true", 4));
        assert_true(dd_dataset_hashes(b, c)[1] == dd_codec_hash("false", 5));
        assert_string_equal(dd_dataset_category_name(b, c, dd_codec_hash("true", 4)), "true");
    }
    assert_int_equal(dd_dataset_column_kind(b, 3), DD_COLUMN_NUMERIC); /* 1/0 alone */
    dd_dataset_destroy(a);
    dd_dataset_destroy(b);
    /* Numbers 1/0 alone become booleans by hint, as the reference's kind makes them. */
    const dd_column_hint_t as_boolean[] = {{"n", DD_COLUMN_CATEGORICAL, DD_BOOLEAN_YES}};
    b = load_ok(jsonl, as_boolean, 1);
    assert_int_equal(dd_dataset_column_boolean(b, 3), 1);
    assert_true(dd_dataset_hashes(b, 3)[1] == dd_codec_hash("false", 5));
    dd_dataset_destroy(b);
}

static int cleanup(void **state) {
    (void)state;
    unlink(path);
    unlink(csv_path);
    return 0;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_columns_and_kinds),
        cmocka_unit_test(test_hints),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_bom_and_limits),
        cmocka_unit_test(test_same_as_csv),
        cmocka_unit_test(test_booleans_as_csv),
    };
    return cmocka_run_group_tests(tests, NULL, cleanup);
}
