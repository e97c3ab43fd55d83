/* test_dataset_avro.c — Avro object container files as datasets (codecs/dataset_avro.c).
 *
 * - a file avro-c writes (deflate, small blocks) loads with one column per leaf, dotted paths for
 *   nested records, kinds from the schema, every value and null in place, category spellings for
 *   enums, strings, booleans and (hinted) integers; the boolean is a boolean column ("true" and
 *   "false", as in CSV and JSON Lines);
 * - hints: an int column made categorical; a hint naming no column and a string column hinted
 *   numeric are errors naming the file and column;
 * - an empty file, a file that is not Avro, and a truncated file are errors naming the file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <avro.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codecs.h"

static const char SCHEMA[] =
    "{\"type\":\"record\",\"name\":\"Row\",\"fields\":["
    "{\"name\":\"x\",\"type\":\"double\"},"
    "{\"name\":\"color\",\"type\":{\"type\":\"enum\",\"name\":\"Color\",\"symbols\":[\"RED\",\"BLUE\"]}},"
    "{\"name\":\"note\",\"type\":[\"null\",\"string\"]},"
    "{\"name\":\"code\",\"type\":\"int\"},"
    "{\"name\":\"ok\",\"type\":\"boolean\"},"
    "{\"name\":\"tags\",\"type\":{\"type\":\"array\",\"items\":\"string\"}},"
    "{\"name\":\"user\",\"type\":{\"type\":\"record\",\"name\":\"User\",\"fields\":["
    "  {\"name\":\"age\",\"type\":[\"null\",\"int\"]}]}}]}";
enum { ROWS = 3000 };

static char path[64];

static void write_file(void) {
    snprintf(path, sizeof path, "/tmp/driftd-dsavro-XXXXXX");
    const int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    avro_schema_t schema;
    assert_int_equal(avro_schema_from_json_length(SCHEMA, sizeof SCHEMA - 1, &schema), 0);
    avro_file_writer_t w;
    assert_int_equal(avro_file_writer_create_with_codec(path, schema, &w, "deflate", 4096), 0);
    avro_value_iface_t *cls = avro_generic_class_from_schema(schema);
    avro_value_t v, f, b, g;
    avro_generic_value_new(cls, &v);
    for (int i = 0; i < ROWS; i++) {
        avro_value_get_by_name(&v, "x", &f, NULL);
        avro_value_set_double(&f, i * 0.5);
        avro_value_get_by_name(&v, "color", &f, NULL);
        avro_value_set_enum(&f, i % 2);
        avro_value_get_by_name(&v, "note", &f, NULL);
        if (i % 4 == 0) {
            avro_value_set_branch(&f, 0, &b);
            avro_value_set_null(&b);
        } else {
            avro_value_set_branch(&f, 1, &b);
            avro_value_set_string(&b, i % 4 == 1 ? "alpha" : "beta");
        }
        avro_value_get_by_name(&v, "code", &f, NULL);
        avro_value_set_int(&f, 100 + i % 3);
        avro_value_get_by_name(&v, "ok", &f, NULL);
        avro_value_set_boolean(&f, i % 5 == 0);
        avro_value_get_by_name(&v, "tags", &f, NULL);
        avro_value_reset(&f);
        avro_value_get_by_name(&v, "user", &f, NULL);
        avro_value_get_by_name(&f, "age", &g, NULL);
        if (i % 10 == 0) {
            avro_value_set_branch(&g, 0, &b);
            avro_value_set_null(&b);
        } else {
            avro_value_set_branch(&g, 1, &b);
            avro_value_set_int(&b, 20 + i % 50);
        }
        assert_int_equal(avro_file_writer_append_value(w, &v), 0);
    }
    avro_file_writer_close(w);
    avro_value_decref(&v);
    avro_value_iface_decref(cls);
    avro_schema_decref(schema);
}

static int is_null(const dd_dataset_t *d, size_t c, size_t row) {
    return (dd_dataset_nulls(d, c)[row >> 3] >> (row & 7)) & 1;
}

static void test_load(void **state) {
    (void)state;
    write_file();
    dd_dataset_t *d = NULL;
    char err[512] = "";
    const dd_column_hint_t hint = {"code", DD_COLUMN_CATEGORICAL, DD_BOOLEAN_INFER};
    assert_int_equal(dd_dataset_load_avro(path, &hint, 1, &d, err, sizeof err), DD_CODEC_OK);
    assert_int_equal(dd_dataset_rows(d), ROWS);
    const char *names[] = {"x", "color", "note", "code", "ok", "user.age"};
    const dd_column_kind_t kinds[] = {DD_COLUMN_NUMERIC,     DD_COLUMN_CATEGORICAL,
                                      DD_COLUMN_CATEGORICAL, DD_COLUMN_CATEGORICAL,
                                      DD_COLUMN_CATEGORICAL, DD_COLUMN_NUMERIC};
    assert_int_equal(dd_dataset_columns(d), 6);
    for (size_t c = 0; c < 6; c++) {
        assert_string_equal(dd_dataset_column_name(d, c), names[c]);
        assert_int_equal(dd_dataset_column_kind(d, c), kinds[c]);
    }
    for (size_t i = 0; i < ROWS; i++) {
        assert_true(dd_dataset_numbers(d, 0)[i] == (double)i * 0.5);
        const char *color = i % 2 ? "BLUE" : "RED";
        assert_true(dd_dataset_hashes(d, 1)[i] == dd_codec_hash(color, strlen(color)));
        assert_int_equal(is_null(d, 2, i), i % 4 == 0);
        char code[8];
        snprintf(code, sizeof code, "%d", (int)(100 + i % 3));
        assert_true(dd_dataset_hashes(d, 3)[i] == dd_codec_hash(code, strlen(code)));
        assert_int_equal(is_null(d, 5, i), i % 10 == 0);
        if (i % 10)
            assert_true(dd_dataset_numbers(d, 5)[i] == (double)(20 + i % 50));
    }
    assert_string_equal(dd_dataset_category_name(d, 1, dd_codec_hash("BLUE", 4)), "BLUE");
    assert_string_equal(dd_dataset_category_name(d, 2, dd_codec_hash("alpha", 5)), "alpha");
    assert_string_equal(dd_dataset_category_name(d, 3, dd_codec_hash("102", 3)), "102");
    assert_string_equal(dd_dataset_category_name(d, 4, dd_codec_hash("true", 4)), "true");
    /* The boolean is a boolean column, categories "true"/"false" as in CSV and JSON Lines. */
    assert_int_equal(dd_dataset_column_boolean(d, 4), 1);
    assert_true(dd_dataset_hashes(d, 4)[0] == dd_codec_hash("true", 4));
    assert_true(dd_dataset_hashes(d, 4)[1] == dd_codec_hash("false", 5));
    assert_int_equal(dd_dataset_column_boolean(d, 1), 0);
    assert_int_equal(dd_dataset_column_boolean(d, 3), 0);
    dd_dataset_destroy(d);

    /* A hint naming no column; a string column hinted numeric. */
    const dd_column_hint_t nope = {"nope", DD_COLUMN_NUMERIC, DD_BOOLEAN_INFER};
    assert_int_equal(dd_dataset_load_avro(path, &nope, 1, &d, err, sizeof err),
                     DD_CODEC_ERR_UNKNOWN_COLUMN);
    assert_null(d);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "'nope'"));
    const dd_column_hint_t bad = {"note", DD_COLUMN_NUMERIC, DD_BOOLEAN_INFER};
    assert_int_equal(dd_dataset_load_avro(path, &bad, 1, &d, err, sizeof err),
                     DD_CODEC_ERR_BAD_NUMBER);
    assert_non_null(strstr(err, "'note'"));

    /* Truncated: an error naming the file and a record or block. */
    FILE *fp = fopen(path, "rb");
    fseek(fp, 0, SEEK_END);
    const long size = ftell(fp);
    fclose(fp);
    assert_int_equal(truncate(path, size - 40), 0);
    assert_int_not_equal(dd_dataset_load_avro(path, NULL, 0, &d, err, sizeof err), DD_CODEC_OK);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "block at byte"));
    unlink(path);
}

static void test_not_avro(void **state) {
    (void)state;
    char p[] = "/tmp/driftd-dsavro-XXXXXX";
    const int fd = mkstemp(p);
    dd_dataset_t *d = NULL;
    char err[512] = "";
    assert_int_equal(dd_dataset_load_avro(p, NULL, 0, &d, err, sizeof err), DD_CODEC_ERR_EMPTY);
    assert_non_null(strstr(err, p));
    assert_int_equal(write(fd, "a,b\n1,2\n", 8), 8);
    close(fd);
    assert_int_equal(dd_dataset_load_avro(p, NULL, 0, &d, err, sizeof err), DD_CODEC_ERR_BAD_MAGIC);
    assert_non_null(strstr(err, "not an Avro object container file"));
    unlink(p);
    assert_int_equal(dd_dataset_load_avro("/nonexistent/x.avro", NULL, 0, &d, err, sizeof err),
                     DD_CODEC_ERR_IO);
    assert_non_null(strstr(err, "/nonexistent/x.avro"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load),
        cmocka_unit_test(test_not_avro),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
