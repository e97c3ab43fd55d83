/* test_avro_plan.c — Avro schemas and decode plans (codecs/avro_schema.c, codecs/avro_plan.c).
 *
 * - every conversion the header promises, on hand-encoded bodies (the spec's encodings written
 *   here independently): numbers, logical types, decimals, hashes of strings, enums, booleans and
 *   integers, array/map lengths, nested paths through ["null", record] unions;
 * - a path the writer lacks stays null and is reported not found; a wrong type is null + counted;
 * - schema errors name what is wrong; recursive schemas compile and decode;
 * - hostile bodies: every proper prefix is an error, never a row; negative and huge lengths, bad
 *   union/enum/boolean values, deep recursion, a 5-byte array<null> claiming 2^62 items, trailing
 *   bytes, a full batch — each with its reason code, and no row is added. */
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

/* ---- a tiny encoder (the specification's rules) ---- */
typedef struct enc {
    uint8_t b[4096];
    size_t n;
} enc_t;

static void put_long(enc_t *e, int64_t v) {
    uint64_t u = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    while (u >= 0x80) {
        e->b[e->n++] = (uint8_t)(u | 0x80);
        u >>= 7;
    }
    e->b[e->n++] = (uint8_t)u;
}
static void put_bytes(enc_t *e, const void *p, size_t len) {
    put_long(e, (int64_t)len);
    memcpy(e->b + e->n, p, len);
    e->n += len;
}
static void put_str(enc_t *e, const char *s) {
    put_bytes(e, s, strlen(s));
}
static void put_double(enc_t *e, double d) {
    memcpy(e->b + e->n, &d, 8); /* little-endian host, as the test machines are */
    e->n += 8;
}
static void put_float(enc_t *e, float f) {
    memcpy(e->b + e->n, &f, 4);
    e->n += 4;
}
static void put_raw(enc_t *e, const void *p, size_t len) {
    memcpy(e->b + e->n, p, len);
    e->n += len;
}

static dd_avro_schema_t *parse(const char *json) {
    dd_avro_schema_t *s = NULL;
    char err[256] = "";
    dd_codec_err_t rc = dd_avro_schema_parse(json, strlen(json), &s, err, sizeof err);
    if (rc != DD_CODEC_OK)
        fprintf(stderr, "schema error: %s\n", err);
    assert_int_equal(rc, DD_CODEC_OK);
    return s;
}

typedef struct fixture {
    dd_avro_schema_t *schema;
    dd_avro_plan_t *plan;
    dd_column_batch_t *batch;
} fixture_t;

static void setup(fixture_t *f, const char *json, const dd_avro_field_t *fields, size_t n,
                  size_t capacity) {
    f->schema = parse(json);
    char err[256] = "";
    assert_int_equal(dd_avro_plan_new(f->schema, fields, n, NULL, &f->plan, err, sizeof err),
                     DD_CODEC_OK);
    assert_int_equal(dd_batch_new(dd_avro_plan_kinds(f->plan), n, capacity, &f->batch),
                     DD_CODEC_OK);
}
static void teardown(fixture_t *f) {
    dd_batch_destroy(f->batch);
    dd_avro_plan_destroy(f->plan);
    dd_avro_schema_destroy(f->schema);
}

static const char *const RECORD_SCHEMA =
    "{\"type\":\"record\",\"name\":\"Event\",\"namespace\":\"ml\",\"fields\":["
    "{\"name\":\"d\",\"type\":\"double\"},"
    "{\"name\":\"f\",\"type\":\"float\"},"
    "{\"name\":\"i\",\"type\":\"int\"},"
    "{\"name\":\"l\",\"type\":\"long\"},"
    "{\"name\":\"b\",\"type\":\"boolean\"},"
    "{\"name\":\"s\",\"type\":\"string\"},"
    "{\"name\":\"skipme\",\"type\":{\"type\":\"map\",\"values\":{\"type\":\"array\",\"items\":\"string\"}}},"
    "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"Color\",\"symbols\":[\"RED\",\"GREEN\"]}},"
    "{\"name\":\"fx\",\"type\":{\"type\":\"fixed\",\"name\":\"Id\",\"size\":3}},"
    "{\"name\":\"nd\",\"type\":[\"null\",\"double\"]},"
    "{\"name\":\"ts\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}},"
    "{\"name\":\"day\",\"type\":{\"type\":\"int\",\"logicalType\":\"date\"}},"
    "{\"name\":\"price\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":9,\"scale\":2}},"
    "{\"name\":\"user\",\"type\":[\"null\",{\"type\":\"record\",\"name\":\"User\",\"fields\":["
    "  {\"name\":\"age\",\"type\":\"int\"},{\"name\":\"country\",\"type\":\"string\"}]}]},"
    "{\"name\":\"tags\",\"type\":{\"type\":\"array\",\"items\":\"string\"}}"
    "]}";

static const dd_avro_field_t RECORD_FIELDS[] = {
    {"d", DD_COLUMN_NUMERIC, 0},         {"f", DD_COLUMN_NUMERIC, 0},
    {"i", DD_COLUMN_NUMERIC, 0},         {"l", DD_COLUMN_CATEGORICAL, 0},
    {"b", DD_COLUMN_NUMERIC, 0},         {"s", DD_COLUMN_CATEGORICAL, 0},
    {"e", DD_COLUMN_CATEGORICAL, 0},     {"fx", DD_COLUMN_CATEGORICAL, 0},
    {"nd", DD_COLUMN_NUMERIC, 0},        {"ts", DD_COLUMN_NUMERIC, 0},
    {"day", DD_COLUMN_NUMERIC, 0},       {"price", DD_COLUMN_NUMERIC, 0},
    {"user.age", DD_COLUMN_NUMERIC, 0},  {"user.country", DD_COLUMN_CATEGORICAL, 0},
    {"tags", DD_COLUMN_NUMERIC, 1},      {"missing.field", DD_COLUMN_NUMERIC, 0},
    {"s", DD_COLUMN_NUMERIC, 0} /* duplicate path: refused below, not used here */,
};
enum { N_RECORD_FIELDS = 16 };

static void encode_event(enc_t *e, int with_user, int64_t neg_price) {
    put_double(e, 2.5);
    put_float(e, 0.25f);
    put_long(e, -7);             /* i */
    put_long(e, 1234567890123);  /* l */
    e->b[e->n++] = 1;            /* b */
    put_str(e, "héllo");         /* s */
    put_long(e, 1);              /* skipme: one block of one entry */
    put_str(e, "k");
    put_long(e, -2);             /* array as a sized block of 2 */
    put_long(e, 4);
    put_str(e, "a");
    put_str(e, "b");
    put_long(e, 0);
    put_long(e, 0);
    put_long(e, 1);              /* e = GREEN */
    put_raw(e, "xyz", 3);        /* fx */
    put_long(e, 1);              /* nd: branch 1 = double */
    put_double(e, -1.5);
    put_long(e, 1700000000123);  /* ts */
    put_long(e, 19000);          /* day */
    if (neg_price) {             /* -1.23 = unscaled -123 = 0xFF85 */
        const uint8_t v[] = {0xFF, 0x85};
        put_bytes(e, v, 2);
    } else {                     /* 12345.67 = 1234567 = 0x12D687 */
        const uint8_t v[] = {0x12, 0xD6, 0x87};
        put_bytes(e, v, 3);
    }
    if (with_user) {
        put_long(e, 1);
        put_long(e, 42);
        put_str(e, "SE");
    } else {
        put_long(e, 0);
    }
    put_long(e, 3);              /* tags: 3 items */
    put_str(e, "x");
    put_str(e, "y");
    put_str(e, "z");
    put_long(e, 0);
}

static void test_conversions(void **state) {
    (void)state;
    fixture_t f;
    setup(&f, RECORD_SCHEMA, RECORD_FIELDS, N_RECORD_FIELDS, 4);
    enc_t e = {{0}, 0};
    encode_event(&e, 1, 0);
    dd_codec_span_t texts[N_RECORD_FIELDS];
    size_t off = 99;
    assert_int_equal(dd_avro_decode(f.plan, e.b, e.n, f.batch, &off, texts), DD_CODEC_OK);
    assert_int_equal(f.batch->rows, 1);
    dd_batch_column_t *c = f.batch->columns;
    assert_true(c[0].numbers[0] == 2.5);
    assert_true(c[1].numbers[0] == 0.25);
    assert_true(c[2].numbers[0] == -7.0);
    assert_true(c[3].hashes[0] == dd_codec_hash("1234567890123", 13));
    assert_true(c[4].numbers[0] == 1.0);
    assert_true(c[5].hashes[0] == dd_codec_hash("héllo", strlen("héllo")));
    assert_int_equal(texts[5].len, strlen("héllo"));
    assert_memory_equal(texts[5].data, "héllo", texts[5].len);
    assert_true(c[6].hashes[0] == dd_codec_hash("GREEN", 5));
    assert_memory_equal(texts[6].data, "GREEN", 5);
    assert_true(c[7].hashes[0] == dd_codec_hash("xyz", 3));
    assert_true(c[8].numbers[0] == -1.5);
    assert_true(c[9].numbers[0] == 1700000000123.0 / 1e3);
    assert_true(c[10].numbers[0] == 19000.0);
    assert_true(fabs(c[11].numbers[0] - 12345.67) < 1e-9);
    assert_true(c[12].numbers[0] == 42.0);
    assert_true(c[13].hashes[0] == dd_codec_hash("SE", 2));
    assert_true(c[14].numbers[0] == 3.0);
    for (int i = 0; i < 15; i++)
        assert_false(dd_batch_is_null(&c[i], 0));
    assert_true(dd_batch_is_null(&c[15], 0));
    assert_int_equal(dd_avro_plan_found(f.plan, 15), 0);
    assert_int_equal(dd_avro_plan_found(f.plan, 12), 1);

    /* No user: its columns null; a negative decimal. */
    e.n = 0;
    encode_event(&e, 0, 1);
    assert_int_equal(dd_avro_decode(f.plan, e.b, e.n, f.batch, &off, NULL), DD_CODEC_OK);
    assert_int_equal(f.batch->rows, 2);
    assert_true(dd_batch_is_null(&c[12], 1));
    assert_true(dd_batch_is_null(&c[13], 1));
    assert_true(fabs(c[11].numbers[1] - (-1.23)) < 1e-12);
    assert_false(dd_batch_is_null(&c[0], 1));

    /* A record that fails after its first fields were stored (a row inside a null byte), then
     * one without a user in that row: no value of the failed record shows through. */
    enc_t with_user = {{0}, 0};
    encode_event(&with_user, 1, 0);
    assert_int_equal(dd_avro_decode(f.plan, with_user.b, with_user.n - 6, f.batch, &off, NULL),
                     DD_CODEC_ERR_TOO_MANY_ITEMS); /* "tags" claims 3 items, 1 byte is left */
    assert_int_equal(f.batch->rows, 2);
    e.n = 0;
    encode_event(&e, 0, 0);
    assert_int_equal(dd_avro_decode(f.plan, e.b, e.n, f.batch, &off, NULL), DD_CODEC_OK);
    assert_true(dd_batch_is_null(&c[12], 2) && dd_batch_is_null(&c[13], 2));
    assert_true(dd_batch_is_null(&c[15], 2));
    assert_true(c[0].numbers[2] == 2.5);
    /* Trailing bytes roll the row back the same way. */
    with_user.b[with_user.n++] = 0;
    assert_int_equal(dd_avro_decode(f.plan, with_user.b, with_user.n, f.batch, &off, NULL),
                     DD_CODEC_ERR_TRAILING_BYTES);
    assert_int_equal(dd_avro_decode(f.plan, e.b, e.n, f.batch, &off, NULL), DD_CODEC_OK);
    assert_int_equal(f.batch->rows, 4);
    assert_true(dd_batch_is_null(&c[12], 3) && dd_batch_is_null(&c[13], 3));
    teardown(&f);
}

static void test_prefixes_never_make_rows(void **state) {
    (void)state;
    fixture_t f;
    setup(&f, RECORD_SCHEMA, RECORD_FIELDS, N_RECORD_FIELDS, 2);
    enc_t e = {{0}, 0};
    encode_event(&e, 1, 0);
    for (size_t len = 0; len < e.n; len++) {
        uint8_t *copy = malloc(len ? len : 1); /* exact size: ASan sees any over-read */
        memcpy(copy, e.b, len);
        size_t off = 0;
        dd_codec_err_t rc = dd_avro_decode(f.plan, copy, len, f.batch, &off, NULL);
        assert_int_not_equal(rc, DD_CODEC_OK);
        assert_true(off <= len);
        assert_int_equal(f.batch->rows, 0);
        free(copy);
    }
    /* One byte more than the record: trailing bytes, and still no row. */
    e.b[e.n++] = 0;
    size_t off = 0;
    assert_int_equal(dd_avro_decode(f.plan, e.b, e.n, f.batch, &off, NULL),
                     DD_CODEC_ERR_TRAILING_BYTES);
    assert_int_equal(off, e.n - 1);
    assert_int_equal(f.batch->rows, 0);
    size_t used = 0;
    assert_int_equal(dd_avro_decode_next(f.plan, e.b, e.n, f.batch, &used, &off, NULL),
                     DD_CODEC_OK);
    assert_int_equal(used, e.n - 1);
    assert_int_equal(f.batch->rows, 1);
    teardown(&f);
}

static void test_type_errors(void **state) {
    (void)state;
    fixture_t f;
    const dd_avro_field_t fields[] = {
        {"s", DD_COLUMN_NUMERIC, 0},    /* string → numeric: type error */
        {"d", DD_COLUMN_CATEGORICAL, 0}, /* double → categorical: type error */
        {"user", DD_COLUMN_NUMERIC, 0}, /* a record: type error when present */
        {"b", DD_COLUMN_CATEGORICAL, 0},
        {"i", DD_COLUMN_CATEGORICAL, 0},
    };
    setup(&f, RECORD_SCHEMA, fields, 5, 4);
    enc_t e = {{0}, 0};
    encode_event(&e, 1, 0);
    size_t off;
    assert_int_equal(dd_avro_decode(f.plan, e.b, e.n, f.batch, &off, NULL), DD_CODEC_OK);
    dd_batch_column_t *c = f.batch->columns;
    assert_true(dd_batch_is_null(&c[0], 0) && dd_batch_is_null(&c[1], 0) &&
                dd_batch_is_null(&c[2], 0));
    assert_int_equal(c[0].type_errors, 1);
    assert_int_equal(c[1].type_errors, 1);
    assert_int_equal(c[2].type_errors, 1);
    assert_true(c[3].hashes[0] == dd_codec_hash("true", 4));
    assert_true(c[4].hashes[0] == dd_codec_hash("-7", 2));
    teardown(&f);
}

static void test_schema_errors(void **state) {
    (void)state;
    static const struct {
        const char *json;
        const char *needle;
    } cases[] = {
        {"{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"Nope\"}]}",
         "unknown type 'Nope'"},
        {"{\"type\":\"record\",\"fields\":[]}", "without a \"name\""},
        {"{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"},"
         "{\"name\":\"a\",\"type\":\"int\"}]}",
         "two fields named 'a'"},
        {"[\"int\",\"int\"]", "two branches"},
        {"[\"null\",[\"int\"]]", "union directly inside a union"},
        {"{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"A\"]}", "symbol 'A' twice"},
        {"{\"type\":\"fixed\",\"name\":\"F\",\"size\":-1}", "\"size\""},
        {"{\"type\":\"record\",\"name\":\"1bad\",\"fields\":[]}", "not a valid type name"},
        {"{\"type\":", "not JSON"},
        {"{\"type\":\"array\"}", "without \"items\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dd_avro_schema_t *s = NULL;
        char err[256] = "";
        assert_int_equal(dd_avro_schema_parse(cases[i].json, strlen(cases[i].json), &s, err,
                                              sizeof err),
                         DD_CODEC_ERR_BAD_SCHEMA);
        assert_null(s);
        if (strstr(err, cases[i].needle) == NULL)
            fail_msg("case %zu: '%s' lacks '%s'", i, err, cases[i].needle);
    }
    /* Deeply nested schema text: refused, not a stack overflow. */
    size_t depth = 5000, n = 0;
    char *deep = malloc(depth * 40 + 64);
    for (size_t i = 0; i < depth; i++)
        n += (size_t)sprintf(deep + n, "{\"type\":\"array\",\"items\":");
    n += (size_t)sprintf(deep + n, "\"int\"");
    for (size_t i = 0; i < depth; i++)
        deep[n++] = '}';
    dd_avro_schema_t *s = NULL;
    char err[256] = "";
    assert_int_not_equal(dd_avro_schema_parse(deep, n, &s, err, sizeof err), DD_CODEC_OK);
    assert_null(s);
    free(deep);
    /* Asking for one path twice is refused. */
    fixture_t f;
    f.schema = parse(RECORD_SCHEMA);
    assert_int_equal(dd_avro_plan_new(f.schema, RECORD_FIELDS + 5, 12, NULL, &f.plan, err,
                                      sizeof err),
                     DD_CODEC_ERR_DUPLICATE_COLUMN);
    assert_non_null(strstr(err, "'s'"));
    dd_avro_schema_destroy(f.schema);
}

static const char *const LIST_SCHEMA =
    "{\"type\":\"record\",\"name\":\"Node\",\"fields\":["
    "{\"name\":\"v\",\"type\":\"long\"},{\"name\":\"next\",\"type\":[\"null\",\"Node\"]}]}";

static void test_recursion_and_depth(void **state) {
    (void)state;
    fixture_t f;
    const dd_avro_field_t fields[] = {{"v", DD_COLUMN_NUMERIC, 0},
                                      {"next.next.v", DD_COLUMN_NUMERIC, 0}};
    setup(&f, LIST_SCHEMA, fields, 2, 4);
    dd_avro_leaf_t leaves[8];
    assert_int_equal(dd_avro_schema_leaves(f.schema, leaves, 8), 1); /* v; next is recursion */
    assert_string_equal(leaves[0].path, "v");
    enc_t e = {{0}, 0};
    for (int i = 0; i < 4; i++) { /* 10 → 11 → 12 → 13 → null */
        put_long(&e, 10 + i);
        put_long(&e, i < 3 ? 1 : 0);
    }
    size_t off;
    assert_int_equal(dd_avro_decode(f.plan, e.b, e.n, f.batch, &off, NULL), DD_CODEC_OK);
    assert_true(f.batch->columns[0].numbers[0] == 10.0);
    assert_true(f.batch->columns[1].numbers[0] == 12.0);
    /* 100,000 links: refused by the depth limit, not by the stack. */
    const size_t links = 100000;
    uint8_t *deep = malloc(links * 2 + 2);
    size_t n = 0;
    for (size_t i = 0; i < links; i++) {
        deep[n++] = 2; /* v = 1 */
        deep[n++] = 2; /* branch 1 */
    }
    deep[n++] = 2;
    deep[n++] = 0;
    assert_int_equal(dd_avro_decode(f.plan, deep, n, f.batch, &off, NULL), DD_CODEC_ERR_TOO_DEEP);
    assert_int_equal(f.batch->rows, 1);
    free(deep);
    teardown(&f);
}

static void test_hostile_lengths(void **state) {
    (void)state;
    fixture_t f;
    const char *schema =
        "{\"type\":\"record\",\"name\":\"R\",\"fields\":["
        "{\"name\":\"s\",\"type\":\"string\"},"
        "{\"name\":\"n\",\"type\":{\"type\":\"array\",\"items\":\"null\"}},"
        "{\"name\":\"u\",\"type\":[\"null\",\"int\"]},"
        "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\"]}},"
        "{\"name\":\"b\",\"type\":\"boolean\"}]}";
    const dd_avro_field_t fields[] = {{"s", DD_COLUMN_CATEGORICAL, 0},
                                      {"u", DD_COLUMN_NUMERIC, 0}};
    setup(&f, schema, fields, 2, 1);
    struct {
        uint8_t bytes[16];
        size_t len;
        dd_codec_err_t want;
    } cases[] = {
        {{0x01}, 1, DD_CODEC_ERR_NEGATIVE_LENGTH},                    /* s length -1 */
        {{0x80, 0x80, 0x80, 0x80, 0x08}, 5, DD_CODEC_ERR_LENGTH_TOO_LARGE}, /* 1 GiB claim */
        {{0x10, 'a'}, 2, DD_CODEC_ERR_TRUNCATED},                     /* 8 bytes claimed, 1 there */
        {{0x00, 0xfe, 0xff, 0xff, 0xff, 0x7f}, 6, DD_CODEC_ERR_TOO_MANY_ITEMS}, /* array<null> */
        {{0x00, 0x00, 0x04}, 3, DD_CODEC_ERR_BAD_UNION_INDEX},
        {{0x00, 0x00, 0x01}, 3, DD_CODEC_ERR_BAD_UNION_INDEX},        /* index -1 */
        {{0x00, 0x00, 0x00, 0x02}, 4, DD_CODEC_ERR_BAD_ENUM_INDEX},
        {{0x00, 0x00, 0x00, 0x00, 0x02}, 5, DD_CODEC_ERR_BAD_BOOLEAN},
        {{0x00, 0x00, 0x00, 0x00, 0x01, 0x00}, 6, DD_CODEC_ERR_TRAILING_BYTES},
        {{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, 11,
         DD_CODEC_ERR_VARINT_OVERLONG},
        {{0x00, 0x00, 0x02, 0xff, 0xff, 0xff, 0xff, 0x1f}, 8, DD_CODEC_ERR_VARINT_OVERFLOW},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t off = 0;
        const dd_codec_err_t rc =
            dd_avro_decode(f.plan, cases[i].bytes, cases[i].len, f.batch, &off, NULL);
        if (rc != cases[i].want)
            fail_msg("case %zu: %s, expected %s", i, dd_codec_err_name(rc),
                     dd_codec_err_name(cases[i].want));
        assert_int_equal(f.batch->rows, 0);
        assert_true(off <= cases[i].len);
    }
    /* A valid record, then the batch is full. */
    const uint8_t ok[] = {0x02, 'x', 0x00, 0x02, 0x08, 0x00, 0x01};
    size_t off;
    assert_int_equal(dd_avro_decode(f.plan, ok, sizeof ok, f.batch, &off, NULL), DD_CODEC_OK);
    assert_true(f.batch->columns[1].numbers[0] == 4.0);
    assert_int_equal(dd_avro_decode(f.plan, ok, sizeof ok, f.batch, &off, NULL),
                     DD_CODEC_ERR_BATCH_FULL);
    dd_batch_clear(f.batch);
    assert_int_equal(dd_avro_decode(f.plan, ok, sizeof ok, f.batch, &off, NULL), DD_CODEC_OK);
    teardown(&f);
}

static void test_limits_and_framing(void **state) {
    (void)state;
    dd_avro_schema_t *s = parse("\"string\"");
    dd_avro_options_t o;
    dd_avro_options_default(&o);
    o.string_bytes_max = 4;
    o.record_bytes_max = 8;
    const dd_avro_field_t field = {"", DD_COLUMN_CATEGORICAL, 0};
    dd_avro_plan_t *p = NULL;
    assert_int_equal(dd_avro_plan_new(s, &field, 1, &o, &p, NULL, 0), DD_CODEC_OK);
    dd_column_batch_t *b = NULL;
    assert_int_equal(dd_batch_new(dd_avro_plan_kinds(p), 1, 8, &b), DD_CODEC_OK);
    size_t off;
    const uint8_t four[] = {0x08, 'a', 'b', 'c', 'd'};
    const uint8_t five[] = {0x0a, 'a', 'b', 'c', 'd', 'e'};
    const uint8_t nine[] = {0x08, 'a', 'b', 'c', 'd', 0, 0, 0, 0};
    assert_int_equal(dd_avro_decode(p, four, sizeof four, b, &off, NULL), DD_CODEC_OK);
    assert_true(b->columns[0].hashes[0] == dd_codec_hash("abcd", 4));
    assert_int_equal(dd_avro_decode(p, five, sizeof five, b, &off, NULL),
                     DD_CODEC_ERR_LENGTH_TOO_LARGE);
    assert_int_equal(dd_avro_decode(p, nine, sizeof nine, b, &off, NULL),
                     DD_CODEC_ERR_RECORD_TOO_LARGE);
    assert_int_equal(b->rows, 1);
    /* Confluent framing. */
    const uint8_t wire[] = {0, 0, 0, 1, 2, 0x02, 'z'};
    uint32_t id = 0;
    const uint8_t *body = NULL;
    size_t body_len = 0;
    assert_int_equal(dd_avro_confluent_header(wire, sizeof wire, &id, &body, &body_len),
                     DD_CODEC_OK);
    assert_int_equal(id, 258);
    assert_ptr_equal(body, wire + 5);
    assert_int_equal(body_len, 2);
    const uint8_t bad[] = {1, 0, 0, 0, 1};
    assert_int_equal(dd_avro_confluent_header(bad, sizeof bad, &id, &body, &body_len),
                     DD_CODEC_ERR_BAD_MAGIC);
    assert_int_equal(dd_avro_confluent_header(wire, 4, &id, &body, &body_len),
                     DD_CODEC_ERR_TRUNCATED);
    dd_batch_destroy(b);
    dd_avro_plan_destroy(p);
    dd_avro_schema_destroy(s);
}

static void test_leaves(void **state) {
    (void)state;
    dd_avro_schema_t *s = parse(RECORD_SCHEMA);
    dd_avro_leaf_t leaves[32];
    const size_t n = dd_avro_schema_leaves(s, leaves, 32);
    const char *want[] = {"d", "f", "i", "l", "b", "s", "e", "fx", "nd", "ts", "day", "price",
                          "user.age", "user.country"};
    const dd_column_kind_t kinds[] = {
        DD_COLUMN_NUMERIC,     DD_COLUMN_NUMERIC,     DD_COLUMN_NUMERIC,     DD_COLUMN_NUMERIC,
        DD_COLUMN_CATEGORICAL, DD_COLUMN_CATEGORICAL, DD_COLUMN_CATEGORICAL, DD_COLUMN_CATEGORICAL,
        DD_COLUMN_NUMERIC,     DD_COLUMN_NUMERIC,     DD_COLUMN_NUMERIC,     DD_COLUMN_NUMERIC,
        DD_COLUMN_NUMERIC,     DD_COLUMN_CATEGORICAL};
    assert_int_equal(n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(leaves[i].path, want[i]);
        assert_int_equal(leaves[i].kind, kinds[i]);
    }
    assert_int_equal(dd_avro_schema_leaves(s, NULL, 0), n);
    dd_avro_schema_destroy(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conversions),
        cmocka_unit_test(test_prefixes_never_make_rows),
        cmocka_unit_test(test_type_errors),
        cmocka_unit_test(test_schema_errors),
        cmocka_unit_test(test_recursion_and_depth),
        cmocka_unit_test(test_hostile_lengths),
        cmocka_unit_test(test_limits_and_framing),
        cmocka_unit_test(test_leaves),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
