/* test_dataset.c — whole CSV files as typed columns (codecs/dataset.c).
 *
 * - kinds are inferred: a column is numeric when every non-null cell parses (NaN/inf included);
 *   one word makes it categorical; hints force a kind;
 * - empty cells and NA / N/A / null / NULL / None are nulls in both kinds, marked in the bitmap;
 * - categories hash with XXH3-64 and keep their first spelling;
 * - every bad input gives its own error with the file, line and column in the message: missing
 *   file, empty file, ragged row, CSV syntax, unparsable number in a hinted numeric column, a hint
 *   naming no column, duplicate column names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codecs.h"

static char path[256];

static const char *write_tmp(const char *text) {
    snprintf(path, sizeof(path), "/tmp/driftd-test-dataset-%d.csv", (int)getpid());
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fwrite(text, 1, strlen(text), f);
    fclose(f);
    return path;
}

static dd_dataset_t *load_ok(const char *text, const dd_column_hint_t *hints, size_t n_hints) {
    dd_dataset_t *d = NULL;
    char err[512] = "";
    const dd_codec_err_t e = dd_dataset_load_csv(write_tmp(text), NULL, hints, n_hints, &d, err,
                                                 sizeof(err));
    if (e != DD_CODEC_OK)
        fail_msg("load failed: %s (%s)", dd_codec_err_name(e), err);
    return d;
}

static void expect_error(const char *text, const dd_column_hint_t *hints, size_t n_hints,
                         dd_codec_err_t want, const char *message_part) {
    dd_dataset_t *d = (dd_dataset_t *)0x1;
    char err[512] = "";
    const dd_codec_err_t e = dd_dataset_load_csv(write_tmp(text), NULL, hints, n_hints, &d, err,
                                                 sizeof(err));
    assert_int_equal(e, want);
    assert_null(d);
    if (strstr(err, message_part) == NULL)
        fail_msg("message '%s' lacks '%s'", err, message_part);
    if (strstr(err, path) == NULL)
        fail_msg("message '%s' does not name the file", err);
}

static int is_null(const dd_dataset_t *d, size_t col, size_t row) {
    return (dd_dataset_nulls(d, col)[row / 8] >> (row % 8)) & 1;
}

static void test_inference_and_nulls(void **state) {
    (void)state;
    dd_dataset_t *d = load_ok("id, price ,city,score\n"
                              "1,2.5,Paris,nan\n"
                              "2,,Lyon,inf\n"
                              "3,NA,,-1e3\n"
                              "4,  7 ,Paris,None\n",
                              NULL, 0);
    assert_int_equal(dd_dataset_rows(d), 4);
    assert_int_equal(dd_dataset_columns(d), 4);
    assert_string_equal(dd_dataset_column_name(d, 1), "price"); /* blanks trimmed */
    assert_int_equal(dd_dataset_find_column(d, "city"), 2);
    assert_int_equal(dd_dataset_find_column(d, "nope"), -1);
    assert_int_equal(dd_dataset_column_kind(d, 0), DD_COLUMN_NUMERIC);
    assert_int_equal(dd_dataset_column_kind(d, 1), DD_COLUMN_NUMERIC);
    assert_int_equal(dd_dataset_column_kind(d, 2), DD_COLUMN_CATEGORICAL);
    assert_int_equal(dd_dataset_column_kind(d, 3), DD_COLUMN_NUMERIC);
    const double *price = dd_dataset_numbers(d, 1);
    assert_true(price[0] == 2.5 && price[3] == 7.0);
    assert_true(is_null(d, 1, 1) && is_null(d, 1, 2) && !is_null(d, 1, 0));
    const double *score = dd_dataset_numbers(d, 3);
    assert_true(isnan(score[0]) && !is_null(d, 3, 0)); /* NaN is a value, not a null */
    assert_true(isinf(score[1]) && score[2] == -1000.0 && is_null(d, 3, 3));
    assert_null(dd_dataset_hashes(d, 1));
    const uint64_t *city = dd_dataset_hashes(d, 2);
    assert_true(city[0] == city[3] && city[0] != city[1]);
    assert_true(city[0] == dd_codec_hash("Paris", 5));
    assert_true(is_null(d, 2, 2));
    assert_string_equal(dd_dataset_category_name(d, 2, city[1]), "Lyon");
    assert_null(dd_dataset_category_name(d, 2, 12345));
    dd_dataset_destroy(d);
}

static void test_hints(void **state) {
    (void)state;
    const dd_column_hint_t as_category[] = {{"zip", DD_COLUMN_CATEGORICAL}};
    dd_dataset_t *d = load_ok("zip,x\n75001,1\n69001,2\n", as_category, 1);
    assert_int_equal(dd_dataset_column_kind(d, 0), DD_COLUMN_CATEGORICAL);
    assert_string_equal(dd_dataset_category_name(d, 0, dd_dataset_hashes(d, 0)[1]), "69001");
    dd_dataset_destroy(d);
    const dd_column_hint_t as_number[] = {{"x", DD_COLUMN_NUMERIC}};
    expect_error("zip,x\n1,2\n3,abc\n", as_number, 1, DD_CODEC_ERR_BAD_NUMBER,
                 ":3: column 2 ('x'): 'abc' is not a number");
    const dd_column_hint_t unknown[] = {{"y", DD_COLUMN_NUMERIC}};
    expect_error("zip,x\n1,2\n", unknown, 1, DD_CODEC_ERR_UNKNOWN_COLUMN, "column 'y'");
}

static void test_errors(void **state) {
    (void)state;
    dd_dataset_t *d = NULL;
    char err[512];
    assert_int_equal(dd_dataset_load_csv("/nonexistent/driftd.csv", NULL, NULL, 0, &d, err,
                                         sizeof(err)),
                     DD_CODEC_ERR_IO);
    assert_non_null(strstr(err, "/nonexistent/driftd.csv: No such file or directory"));
    expect_error("", NULL, 0, DD_CODEC_ERR_EMPTY, "empty file");
    expect_error("\n\n", NULL, 0, DD_CODEC_ERR_EMPTY, "empty file");
    expect_error("a,b\n1,2\n3\n", NULL, 0, DD_CODEC_ERR_RAGGED_ROW, ":3: 1 fields, but the header has 2");
    expect_error("a,b\n1,\"2\n", NULL, 0, DD_CODEC_ERR_CSV_UNTERMINATED, ":2:3:");
    expect_error("a,a\n1,2\n", NULL, 0, DD_CODEC_ERR_DUPLICATE_COLUMN, "columns 1 and 2 are both named 'a'");
}

static void test_header_only(void **state) {
    (void)state;
    dd_dataset_t *d = load_ok("a,b\n", NULL, 0);
    assert_int_equal(dd_dataset_rows(d), 0);
    assert_int_equal(dd_dataset_columns(d), 2);
    dd_dataset_destroy(d);
}

static int cleanup(void **state) {
    (void)state;
    unlink(path);
    return 0;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inference_and_nulls),
        cmocka_unit_test(test_hints),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_header_only),
    };
    return cmocka_run_group_tests(tests, NULL, cleanup);
}
