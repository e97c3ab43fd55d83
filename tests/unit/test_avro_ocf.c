/* test_avro_ocf.c — Avro object container files (codecs/avro_ocf.c) with the plan decoder.
 *
 * - files written by avro-c's file writer with the null, deflate and snappy codecs, in many small
 *   blocks, read back record for record with the values written;
 * - a zstandard file built here (avro-c 1.11 cannot write one) reads back the same way;
 * - hostile files: every prefix and every single-byte change of a small file ends in an error or
 *   a shorter read, never a crash or an over-read (ASan); a wrong sync marker, a negative block
 *   size, an unknown codec and a missing schema each have their reason; a deflate or zstd block
 *   that would inflate past block_bytes_max stops at the limit. */
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
#include <zlib.h>
#include <zstd.h>

#include "codecs.h"

static const char SCHEMA[] =
    "{\"type\":\"record\",\"name\":\"Row\",\"fields\":["
    "{\"name\":\"id\",\"type\":\"long\"},{\"name\":\"x\",\"type\":\"double\"},"
    "{\"name\":\"cat\",\"type\":\"string\"},{\"name\":\"opt\",\"type\":[\"null\",\"double\"]}]}";
static const dd_avro_field_t FIELDS[] = {{"id", DD_COLUMN_NUMERIC, 0},
                                         {"x", DD_COLUMN_NUMERIC, 0},
                                         {"cat", DD_COLUMN_CATEGORICAL, 0},
                                         {"opt", DD_COLUMN_NUMERIC, 0}};

static double x_of(int64_t i) {
    return (double)i * 0.5 - 17.25;
}
static void cat_of(int64_t i, char *buf, size_t size) {
    snprintf(buf, size, "c%d", (int)(i % 7));
}

static uint8_t *read_file(const char *path, size_t *len) {
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    const long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)n);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    *len = (size_t)n;
    return buf;
}

static uint8_t *write_with_avro_c(const char *codec, int64_t rows, size_t *len) {
    char path[] = "/tmp/driftd-ocf-XXXXXX";
    const int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    avro_schema_t schema;
    assert_int_equal(avro_schema_from_json_length(SCHEMA, sizeof SCHEMA - 1, &schema), 0);
    avro_file_writer_t w;
    if (avro_file_writer_create_with_codec(path, schema, &w, codec, 2048) != 0)
        fail_msg("avro-c cannot write codec %s: %s", codec, avro_strerror());
    avro_value_iface_t *cls = avro_generic_class_from_schema(schema);
    avro_value_t v, field, branch;
    assert_int_equal(avro_generic_value_new(cls, &v), 0);
    for (int64_t i = 0; i < rows; i++) {
        char cat[16];
        cat_of(i, cat, sizeof cat);
        avro_value_get_by_index(&v, 0, &field, NULL);
        avro_value_set_long(&field, i);
        avro_value_get_by_index(&v, 1, &field, NULL);
        avro_value_set_double(&field, x_of(i));
        avro_value_get_by_index(&v, 2, &field, NULL);
        avro_value_set_string(&field, cat);
        avro_value_get_by_index(&v, 3, &field, NULL);
        if (i % 3 == 0) {
            avro_value_set_branch(&field, 0, &branch);
            avro_value_set_null(&branch);
        } else {
            avro_value_set_branch(&field, 1, &branch);
            avro_value_set_double(&branch, (double)i);
        }
        assert_int_equal(avro_file_writer_append_value(w, &v), 0);
    }
    avro_file_writer_close(w);
    avro_value_decref(&v);
    avro_value_iface_decref(cls);
    avro_schema_decref(schema);
    uint8_t *buf = read_file(path, len);
    unlink(path);
    return buf;
}

/* Reads every record; returns how many, or -(1 + records before the error). */
static long read_all(const uint8_t *data, size_t len, const dd_avro_ocf_options_t *opts,
                     int check_values, dd_codec_err_t *last_err, uint64_t *blocks) {
    dd_avro_ocf_t *f = NULL;
    char err[256];
    dd_codec_err_t rc = dd_avro_ocf_open(data, len, opts, &f, err, sizeof err);
    *last_err = rc;
    if (rc != DD_CODEC_OK)
        return -1;
    size_t schema_len;
    const char *json = dd_avro_ocf_schema(f, &schema_len);
    dd_avro_schema_t *schema = NULL;
    if (dd_avro_schema_parse(json, schema_len, &schema, err, sizeof err) != DD_CODEC_OK) {
        dd_avro_ocf_destroy(f);
        *last_err = DD_CODEC_ERR_BAD_SCHEMA;
        return -1;
    }
    dd_avro_plan_t *plan = NULL;
    assert_int_equal(dd_avro_plan_new(schema, FIELDS, 4, NULL, &plan, err, sizeof err), DD_CODEC_OK);
    dd_column_batch_t *b = NULL;
    assert_int_equal(dd_batch_new(dd_avro_plan_kinds(plan), 4, 1, &b), DD_CODEC_OK);
    long n = 0;
    if (blocks)
        *blocks = 0;
    for (;;) {
        const uint8_t *block;
        size_t block_len, off;
        uint64_t records;
        rc = dd_avro_ocf_next_block(f, &block, &block_len, &records, &off);
        if (rc != DD_CODEC_OK)
            break;
        if (blocks)
            (*blocks)++;
        size_t pos = 0;
        for (uint64_t r = 0; r < records && rc == DD_CODEC_OK; r++) {
            size_t used, eoff;
            dd_batch_clear(b);
            rc = dd_avro_decode_next(plan, block + pos, block_len - pos, b, &used, &eoff, NULL);
            if (rc != DD_CODEC_OK)
                break;
            pos += used;
            if (check_values) {
                const int64_t i = n;
                char cat[16];
                cat_of(i, cat, sizeof cat);
                assert_true(b->columns[0].numbers[0] == (double)i);
                assert_true(b->columns[1].numbers[0] == x_of(i));
                assert_true(b->columns[2].hashes[0] == dd_codec_hash(cat, strlen(cat)));
                if (i % 3 == 0)
                    assert_true(dd_batch_is_null(&b->columns[3], 0));
                else
                    assert_true(b->columns[3].numbers[0] == (double)i);
            }
            n++;
        }
        if (rc == DD_CODEC_OK && pos != block_len)
            rc = DD_CODEC_ERR_TRAILING_BYTES;
        if (rc != DD_CODEC_OK)
            break;
    }
    *last_err = rc;
    dd_batch_destroy(b);
    dd_avro_plan_destroy(plan);
    dd_avro_schema_destroy(schema);
    dd_avro_ocf_destroy(f);
    return rc == DD_CODEC_END ? n : -(1 + n);
}

static void test_avro_c_files(void **state) {
    (void)state;
    const char *codecs[] = {"null", "deflate", "snappy"};
    for (size_t c = 0; c < 3; c++) {
        size_t len;
        uint8_t *data = write_with_avro_c(codecs[c], 5000, &len);
        dd_codec_err_t rc;
        uint64_t blocks;
        assert_int_equal(read_all(data, len, NULL, 1, &rc, &blocks), 5000);
        assert_true(blocks > 10); /* many blocks, so block boundaries were crossed */
        dd_avro_ocf_t *f = NULL;
        assert_int_equal(dd_avro_ocf_open(data, len, NULL, &f, NULL, 0), DD_CODEC_OK);
        assert_string_equal(dd_avro_ocf_codec(f), codecs[c]);
        dd_avro_ocf_destroy(f);
        free(data);
    }
}

/* ---- a file built by hand: header, blocks, sync ---- */
typedef struct buf {
    uint8_t *b;
    size_t n, cap;
} buf_t;
static void put(buf_t *o, const void *p, size_t len) {
    if (o->n + len > o->cap) {
        o->cap = (o->n + len) * 2;
        o->b = realloc(o->b, o->cap);
    }
    memcpy(o->b + o->n, p, len);
    o->n += len;
}
static void put_long(buf_t *o, int64_t v) {
    uint64_t u = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    uint8_t tmp[10];
    size_t n = 0;
    while (u >= 0x80) {
        tmp[n++] = (uint8_t)(u | 0x80);
        u >>= 7;
    }
    tmp[n++] = (uint8_t)u;
    put(o, tmp, n);
}
static void put_str(buf_t *o, const char *s) {
    put_long(o, (int64_t)strlen(s));
    put(o, s, strlen(s));
}
static const uint8_t SYNC[16] = "0123456789abcdef";

static void header(buf_t *o, const char *codec) {
    put(o, "Obj\x01", 4);
    put_long(o, codec ? 2 : 1);
    put_str(o, "avro.schema");
    put_str(o, SCHEMA);
    if (codec) {
        put_str(o, "avro.codec");
        put_str(o, codec);
    }
    put_long(o, 0);
    put(o, SYNC, 16);
}
static void records(buf_t *o, int64_t from, int64_t to) {
    for (int64_t i = from; i < to; i++) {
        char cat[16];
        cat_of(i, cat, sizeof cat);
        put_long(o, i);
        const double x = x_of(i);
        put(o, &x, 8);
        put_str(o, cat);
        if (i % 3 == 0) {
            put_long(o, 0);
        } else {
            put_long(o, 1);
            const double d = (double)i;
            put(o, &d, 8);
        }
    }
}

static void test_zstandard(void **state) {
    (void)state;
    buf_t file = {0};
    header(&file, "zstandard");
    for (int blk = 0; blk < 3; blk++) {
        buf_t raw = {0};
        records(&raw, blk * 100, blk * 100 + 100);
        size_t cap = ZSTD_compressBound(raw.n);
        uint8_t *z = malloc(cap);
        size_t zn = ZSTD_compress(z, cap, raw.b, raw.n, 3);
        assert_false(ZSTD_isError(zn));
        put_long(&file, 100);
        put_long(&file, (int64_t)zn);
        put(&file, z, zn);
        put(&file, SYNC, 16);
        free(z);
        free(raw.b);
    }
    dd_codec_err_t rc;
    uint64_t blocks;
    assert_int_equal(read_all(file.b, file.n, NULL, 1, &rc, &blocks), 300);
    assert_int_equal(blocks, 3);
    free(file.b);
}

static void test_hostile_files(void **state) {
    (void)state;
    buf_t file = {0};
    header(&file, NULL);
    size_t last_sync = 0;
    for (int blk = 0; blk < 2; blk++) {
        buf_t raw = {0};
        records(&raw, blk * 5, blk * 5 + 5);
        put_long(&file, 5);
        put_long(&file, (int64_t)raw.n);
        put(&file, raw.b, raw.n);
        if (blk == 1)
            last_sync = file.n;
        put(&file, SYNC, 16);
        free(raw.b);
    }
    dd_codec_err_t rc;
    assert_int_equal(read_all(file.b, file.n, NULL, 1, &rc, NULL), 10);
    /* Every prefix: an error or fewer records, never more, never a crash. */
    for (size_t len = 0; len < file.n; len++) {
        uint8_t *copy = malloc(len ? len : 1);
        memcpy(copy, file.b, len);
        const long got = read_all(copy, len, NULL, 0, &rc, NULL);
        assert_true(got < 10);
        assert_int_not_equal(rc, DD_CODEC_OK);
        free(copy);
    }
    /* Every byte changed: no crash, no over-read. */
    for (size_t i = 0; i < file.n; i++) {
        uint8_t *copy = malloc(file.n);
        memcpy(copy, file.b, file.n);
        copy[i] ^= (uint8_t)(0x5a + i);
        (void)read_all(copy, file.n, NULL, 0, &rc, NULL);
        free(copy);
    }
    /* A wrong sync marker after the second block: the first block's five records, then
     * bad_sync (a block is checked against its marker before any record of it is read). */
    uint8_t *copy = malloc(file.n);
    memcpy(copy, file.b, file.n);
    copy[last_sync + 3] ^= 1;
    assert_int_equal(read_all(copy, file.n, NULL, 0, &rc, NULL), -1 - 5);
    assert_int_equal(rc, DD_CODEC_ERR_BAD_SYNC);
    free(copy);
    free(file.b);

    /* Negative block size; unknown codec; no schema. */
    buf_t neg = {0};
    header(&neg, NULL);
    put_long(&neg, 1);
    put_long(&neg, -5);
    assert_int_equal(read_all(neg.b, neg.n, NULL, 0, &rc, NULL), -1);
    assert_int_equal(rc, DD_CODEC_ERR_NEGATIVE_LENGTH);
    free(neg.b);
    buf_t unk = {0};
    header(&unk, "lzo");
    char err[256] = "";
    dd_avro_ocf_t *f = NULL;
    assert_int_equal(dd_avro_ocf_open(unk.b, unk.n, NULL, &f, err, sizeof err),
                     DD_CODEC_ERR_UNSUPPORTED);
    assert_non_null(strstr(err, "'lzo'"));
    free(unk.b);
    buf_t none = {0};
    put(&none, "Obj\x01", 4);
    put_long(&none, 0);
    put(&none, SYNC, 16);
    assert_int_equal(dd_avro_ocf_open(none.b, none.n, NULL, &f, err, sizeof err),
                     DD_CODEC_ERR_BAD_MAGIC);
    assert_non_null(strstr(err, "avro.schema"));
    free(none.b);
    assert_int_equal(dd_avro_ocf_open((const uint8_t *)"PAR1", 4, NULL, &f, err, sizeof err),
                     DD_CODEC_ERR_BAD_MAGIC);
}

static void test_bombs(void **state) {
    (void)state;
    const size_t big = (size_t)8 << 20;
    uint8_t *zeros = calloc(big, 1);
    dd_avro_ocf_options_t o;
    dd_avro_ocf_options_default(&o);
    o.block_bytes_max = (size_t)1 << 20;
    for (int which = 0; which < 2; which++) {
        buf_t file = {0};
        header(&file, which == 0 ? "deflate" : "zstandard");
        uint8_t *z = malloc(big);
        size_t zn;
        if (which == 0) {
            z_stream s;
            memset(&s, 0, sizeof s);
            assert_int_equal(deflateInit2(&s, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY), Z_OK);
            s.next_in = zeros;
            s.avail_in = (uInt)big;
            s.next_out = z;
            s.avail_out = (uInt)big;
            assert_int_equal(deflate(&s, Z_FINISH), Z_STREAM_END);
            zn = big - s.avail_out;
            deflateEnd(&s);
        } else {
            zn = ZSTD_compress(z, big, zeros, big, 1);
        }
        assert_true(zn < 64 * 1024); /* a small block claiming 8 MiB */
        put_long(&file, 1);
        put_long(&file, (int64_t)zn);
        put(&file, z, zn);
        put(&file, SYNC, 16);
        dd_avro_ocf_t *f = NULL;
        assert_int_equal(dd_avro_ocf_open(file.b, file.n, &o, &f, NULL, 0), DD_CODEC_OK);
        const uint8_t *block;
        size_t block_len, off;
        uint64_t recs;
        assert_int_equal(dd_avro_ocf_next_block(f, &block, &block_len, &recs, &off),
                         DD_CODEC_ERR_LENGTH_TOO_LARGE);
        dd_avro_ocf_destroy(f);
        free(z);
        free(file.b);
    }
    free(zeros);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_avro_c_files),
        cmocka_unit_test(test_zstandard),
        cmocka_unit_test(test_hostile_files),
        cmocka_unit_test(test_bombs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
