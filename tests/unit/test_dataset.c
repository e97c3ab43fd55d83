/* test_dataset.c — whole CSV files as typed columns (codecs/dataset.c).
 *
 * - kinds are inferred: a column is numeric when every non-null cell parses (NaN/inf included);
 *   one word makes it categorical; hints force a kind;
 * - empty cells and NA / N/A / null / NULL / None are nulls in both kinds, marked in the bitmap;
 * - categories hash with XXH3-64 and keep their first spelling;
 * - every bad input gives its own error with the file, line and column in the message: missing
 *   file, empty file, ragged row, CSV syntax, unparsable number in a hinted numeric column, a hint
 *   naming no column, duplicate column names;
 * - booleans: a column of true/false in any letter case (1/0 too when a word is there) is a
 *   boolean column with the categories "true"/"false"; 1/0 alone stay numeric; another word keeps
 *   every spelling; hints read 1/0 as booleans (YES), keep spellings (NO), or read true/false as
 *   1/0 in a numeric column;
 * - a numeric cell converts to strtod's value bit for bit, and is refused exactly when strtod
 *   would not read all of it, over edge cases and 200,000 random spellings (the fast path's
 *   limits: 19 digits, 2^53, 10^±22, and what lies past them). */
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
#include "dataset_int.h"

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
    const dd_column_hint_t as_category[] = {{"zip", DD_COLUMN_CATEGORICAL, DD_BOOLEAN_INFER}};
    dd_dataset_t *d = load_ok("zip,x\n75001,1\n69001,2\n", as_category, 1);
    assert_int_equal(dd_dataset_column_kind(d, 0), DD_COLUMN_CATEGORICAL);
    assert_string_equal(dd_dataset_category_name(d, 0, dd_dataset_hashes(d, 0)[1]), "69001");
    dd_dataset_destroy(d);
    const dd_column_hint_t as_number[] = {{"x", DD_COLUMN_NUMERIC, DD_BOOLEAN_INFER}};
    expect_error("zip,x\n1,2\n3,abc\n", as_number, 1, DD_CODEC_ERR_BAD_NUMBER,
                 ":3: column 2 ('x'): 'abc' is not a number");
    const dd_column_hint_t unknown[] = {{"y", DD_COLUMN_NUMERIC, DD_BOOLEAN_INFER}};
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

static void test_booleans(void **state) {
    (void)state;
    const char *text = "b,d,m,w,n\n"
                       "True,1,1,True,1\n"
                       " FALSE ,0,0,False,0\n"
                       "false,1,True,Maybe,\n"
                       "NA,0,false,True,1\n";
    const uint64_t yes = dd_codec_hash("true", 4), no = dd_codec_hash("false", 5);
    dd_dataset_t *d = load_ok(text, NULL, 0);
    /* b: words in any case, blanks and a null: boolean. */
    assert_int_equal(dd_dataset_column_kind(d, 0), DD_COLUMN_CATEGORICAL);
    assert_int_equal(dd_dataset_column_boolean(d, 0), 1);
    const uint64_t *b = dd_dataset_hashes(d, 0);
    assert_true(b[0] == yes && b[1] == no && b[2] == no && is_null(d, 0, 3));
    assert_string_equal(dd_dataset_category_name(d, 0, yes), "true");
    assert_string_equal(dd_dataset_category_name(d, 0, no), "false");
    assert_null(dd_dataset_category_name(d, 0, dd_codec_hash("True", 4)));
    /* d: 1/0 alone are numbers. */
    assert_int_equal(dd_dataset_column_kind(d, 1), DD_COLUMN_NUMERIC);
    assert_int_equal(dd_dataset_column_boolean(d, 1), 0);
    /* m: 1/0 beside words are booleans too. */
    assert_int_equal(dd_dataset_column_boolean(d, 2), 1);
    const uint64_t *m = dd_dataset_hashes(d, 2);
    assert_true(m[0] == yes && m[1] == no && m[2] == yes && m[3] == no);
    /* w: another word, so an ordinary categorical column with its spellings. */
    assert_int_equal(dd_dataset_column_kind(d, 3), DD_COLUMN_CATEGORICAL);
    assert_int_equal(dd_dataset_column_boolean(d, 3), 0);
    assert_true(dd_dataset_hashes(d, 3)[0] == dd_codec_hash("True", 4));
    assert_string_equal(dd_dataset_category_name(d, 3, dd_codec_hash("True", 4)), "True");
    dd_dataset_destroy(d);

    /* Hints: d read as booleans; b's spellings kept; w's words read as booleans, Maybe kept;
     * n numeric with a word in it... only when hinted numeric. */
    const dd_column_hint_t hints[] = {{"d", DD_COLUMN_CATEGORICAL, DD_BOOLEAN_YES},
                                      {"b", DD_COLUMN_CATEGORICAL, DD_BOOLEAN_NO},
                                      {"w", DD_COLUMN_CATEGORICAL, DD_BOOLEAN_YES},
                                      {"m", DD_COLUMN_NUMERIC, DD_BOOLEAN_INFER}};
    d = load_ok(text, hints, 4);
    assert_int_equal(dd_dataset_column_boolean(d, 1), 1);
    assert_true(dd_dataset_hashes(d, 1)[0] == yes && dd_dataset_hashes(d, 1)[1] == no);
    assert_int_equal(dd_dataset_column_boolean(d, 0), 0);
    assert_true(dd_dataset_hashes(d, 0)[0] == dd_codec_hash("True", 4));
    assert_string_equal(dd_dataset_category_name(d, 0, dd_codec_hash(" FALSE ", 7)), " FALSE ");
    assert_int_equal(dd_dataset_column_boolean(d, 3), 1);
    const uint64_t *w = dd_dataset_hashes(d, 3);
    assert_true(w[0] == yes && w[1] == no && w[2] == dd_codec_hash("Maybe", 5) && w[3] == yes);
    assert_string_equal(dd_dataset_category_name(d, 3, w[2]), "Maybe");
    assert_string_equal(dd_dataset_category_name(d, 3, yes), "true");
    assert_int_equal(dd_dataset_column_kind(d, 2), DD_COLUMN_NUMERIC);
    const double *mn = dd_dataset_numbers(d, 2);
    assert_true(mn[0] == 1.0 && mn[1] == 0.0 && mn[2] == 1.0 && mn[3] == 0.0);
    dd_dataset_destroy(d);
    /* A hinted numeric column still refuses other words. */
    const dd_column_hint_t w_numeric[] = {{"w", DD_COLUMN_NUMERIC, DD_BOOLEAN_INFER}};
    expect_error(text, w_numeric, 1, DD_CODEC_ERR_BAD_NUMBER, ":4: column 4 ('w'): 'Maybe'");
}

static int cleanup(void **state) {
    (void)state;
    unlink(path);
    return 0;
}

/* What dataset_parse_number must give: strtod over the whole trimmed text. */
static int reference_parse(const char *s, size_t len, double *out) {
    while (len > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len == 0 || len > 63)
        return -1;
    char buf[64];
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end = NULL;
    *out = strtod(buf, &end);
    return end == buf + len ? 0 : -1;
}

static void check_number(const char *s) {
    double a = 12345.0, b = 12345.0;
    const int ra = dataset_parse_number(s, strlen(s), &a), rb = reference_parse(s, strlen(s), &b);
    if (ra != rb || (ra == 0 && memcmp(&a, &b, sizeof a) != 0 && !(isnan(a) && isnan(b))))
        fail_msg("'%s': %d %.17g, strtod %d %.17g", s, ra, a, rb, b);
}

static void test_numbers_as_strtod(void **state) {
    (void)state;
    static const char *const edge[] = {
        "0", "-0", "+0", "0.0", "-0.0", "00", "007", "1", "-1", "+1", ".5", "5.", "-.5", "+5.",
        ".", "-", "+", "+-1", "--1", "1e", "1e+", "1e-", "e5", "1e5", "1E5", "1e+5", "1e-5",
        "1e22", "1e23", "1e-22", "1e-23", "9007199254740992", "9007199254740993",
        "9007199254740991e3", "123456789012345678", "1234567890123456789",
        "12345678901234567890", "0.1", "0.3", "2.2250738585072014e-308", "4.9e-324",
        "1.7976931348623157e308", "1e309", "-1e309", "1e-400", "1e00000", "1e99999", "0x10",
        "0x1p3", "inf", "-inf", "nan", "NaN", "Infinity", " 1.5 ", "\t-2\t", "1 2", "1.2.3",
        "1,5", "1_000", "3.14159265358979323846", "0.000000000000000000000000001", "1.e5",
        ".e5", "1..", "١",
    };
    for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++)
        check_number(edge[i]);
    /* Random spellings from the alphabet of numbers, weighted towards valid ones. */
    uint64_t rng = 20261207;
    for (int n = 0; n < 200000; n++) {
        char text[48];
        size_t len = 0;
        rng = rng * 6364136223846793005ull + 1442695040888963407ull;
        uint64_t r = rng >> 11;
        if (r % 4 == 0)
            text[len++] = (r >> 2) % 2 ? '-' : '+';
        const size_t int_digits = (r >> 3) % 21, frac_digits = (r >> 8) % 21;
        for (size_t i = 0; i < int_digits; i++) {
            rng = rng * 6364136223846793005ull + 1442695040888963407ull;
            text[len++] = (char)('0' + (rng >> 33) % 10);
        }
        if ((r >> 13) % 3 != 0) {
            text[len++] = '.';
            for (size_t i = 0; i < frac_digits; i++) {
                rng = rng * 6364136223846793005ull + 1442695040888963407ull;
                text[len++] = (char)('0' + (rng >> 33) % 10);
            }
        }
        if ((r >> 15) % 3 == 0) {
            text[len++] = (r >> 17) % 2 ? 'e' : 'E';
            if ((r >> 18) % 2)
                text[len++] = (r >> 19) % 2 ? '-' : '+';
            len += (size_t)snprintf(text + len, sizeof text - len, "%d", (int)((r >> 20) % 40));
        }
        if ((r >> 30) % 50 == 0) /* now and then a stray character */
            text[(r >> 36) % (len + 1 < sizeof text ? len + 1 : len)] = "x. e-+"[(r >> 40) % 6];
        text[len] = '\0';
        check_number(text);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inference_and_nulls),
        cmocka_unit_test(test_hints),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_header_only),
        cmocka_unit_test(test_booleans),
        cmocka_unit_test(test_numbers_as_strtod),
    };
    return cmocka_run_group_tests(tests, NULL, cleanup);
}
