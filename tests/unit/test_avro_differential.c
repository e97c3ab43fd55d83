/* test_avro_differential.c — the plan decoder against avro-c's generic reader, on valid data.
 *
 * Property: for random schemas (records nested in records and in ["null", T] unions, unions of
 * several primitives, enums, fixed, arrays, maps, recursive references, timestamp/date/decimal
 * logical types) and random records of them, written by avro-c's generic writer, every leaf the
 * plan extracts equals what avro-c's generic reader reads back from the same bytes, converted by
 * the rules codecs.h states (written again here, independently): the same doubles bit for bit
 * (NaN = NaN), the same category hashes, the same nulls, and the same count of type errors per
 * column. Each schema is decoded twice: with the default kinds of its leaves, and with every
 * kind flipped, which exercises integers as categories and strings in numeric columns. The whole
 * buffer must be consumed exactly. Seeded, so a failure names a reproducible schema. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <avro.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codecs.h"

enum { SCHEMAS = 400, RECORDS = 24, LEAVES_MAX = 512, JSON_MAX = 1 << 16 };

static uint64_t rng_state;
static uint64_t rnd(void) { /* splitmix64 */
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static unsigned pick(unsigned n) {
    return (unsigned)(rnd() % n);
}

/* ---- random schemas as JSON text, with the logical type of every leaf path noted ---- */
typedef enum { LG_NONE, LG_TS_MILLIS, LG_TS_MICROS, LG_DATE, LG_DECIMAL } logical_t;
typedef struct gen {
    char json[JSON_MAX];
    size_t n;
    unsigned names;
    struct {
        char path[DD_AVRO_PATH_MAX];
        logical_t logical;
        int scale;
    } logical[LEAVES_MAX];
    size_t n_logical;
    char records[16][16]; /* enclosing record names, for recursive references */
    size_t depth;
} gen_t;

__attribute__((format(printf, 2, 3))) static void out(gen_t *g, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    const int k = vsnprintf(g->json + g->n, sizeof g->json - g->n, fmt, ap);
    va_end(ap);
    assert_true(k >= 0 && (size_t)k < sizeof g->json - g->n);
    g->n += (size_t)k;
}

static void note_logical(gen_t *g, const char *path, logical_t lg, int scale) {
    if (g->n_logical < LEAVES_MAX) {
        snprintf(g->logical[g->n_logical].path, DD_AVRO_PATH_MAX, "%s", path);
        g->logical[g->n_logical].logical = lg;
        g->logical[g->n_logical].scale = scale;
        g->n_logical++;
    }
}

static const char *const PRIMS[] = {"boolean", "int", "long", "float", "double", "string", "bytes"};

static void gen_type(gen_t *g, const char *path, unsigned level, int in_union);

static void gen_record(gen_t *g, const char *path, unsigned level) {
    char name[16];
    snprintf(name, sizeof name, "R%u", g->names++);
    out(g, "{\"type\":\"record\",\"name\":\"%s\",\"fields\":[", name);
    snprintf(g->records[g->depth++], 16, "%s", name);
    const unsigned fields = 1 + pick(level == 0 ? 8 : 4);
    for (unsigned i = 0; i < fields; i++) {
        char sub[DD_AVRO_PATH_MAX];
        snprintf(sub, sizeof sub, "%s%sf%u", path, *path ? "." : "", i);
        out(g, "%s{\"name\":\"f%u\",\"type\":", i ? "," : "", i);
        gen_type(g, sub, level + 1, 0);
        out(g, "}");
    }
    g->depth--;
    out(g, "]}");
}

static void gen_type(gen_t *g, const char *path, unsigned level, int in_union) {
    const unsigned choice = level >= 4 ? pick(7) : pick(16);
    switch (choice) {
    case 0: case 1: case 2: case 3: case 4: case 5: case 6:
        out(g, "\"%s\"", PRIMS[choice]);
        return;
    case 7: {
        const unsigned k = 1 + pick(4);
        out(g, "{\"type\":\"enum\",\"name\":\"E%u\",\"symbols\":[", g->names++);
        for (unsigned i = 0; i < k; i++)
            out(g, "%s\"S%u_%u\"", i ? "," : "", i, pick(1000));
        out(g, "]}");
        return;
    }
    case 8:
        out(g, "{\"type\":\"fixed\",\"name\":\"F%u\",\"size\":%u}", g->names++, 1 + pick(8));
        return;
    case 9: {
        const unsigned lg = pick(4);
        if (lg == 0) {
            out(g, "{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}");
            note_logical(g, path, LG_TS_MILLIS, 0);
        } else if (lg == 1) {
            out(g, "{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"}");
            note_logical(g, path, LG_TS_MICROS, 0);
        } else if (lg == 2) {
            out(g, "{\"type\":\"int\",\"logicalType\":\"date\"}");
            note_logical(g, path, LG_DATE, 0);
        } else {
            const int scale = (int)pick(6);
            out(g, "{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":18,\"scale\":%d}",
                scale);
            note_logical(g, path, LG_DECIMAL, scale);
        }
        return;
    }
    case 10:
        gen_record(g, path, level);
        return;
    case 11:
        out(g, "{\"type\":\"array\",\"items\":");
        gen_type(g, path, level + 1, 0); /* paths do not enter arrays: nothing below is a leaf */
        out(g, "}");
        return;
    case 12:
        out(g, "{\"type\":\"map\",\"values\":");
        gen_type(g, path, level + 1, 0);
        out(g, "}");
        return;
    case 13:
    case 14:
        if (in_union) {
            out(g, "\"double\"");
            return;
        }
        if (choice == 13) { /* ["null", T] or [T, "null"] */
            const int null_first = (int)pick(2);
            out(g, "[%s", null_first ? "\"null\"," : "");
            gen_type(g, path, level + 1, 1);
            out(g, "%s]", null_first ? "" : ",\"null\"");
        } else { /* several distinct primitives, maybe null */
            unsigned mask = 1 + pick(127);
            out(g, "[");
            int first = 1;
            if (pick(2)) {
                out(g, "\"null\"");
                first = 0;
            }
            for (unsigned i = 0; i < 7; i++)
                if (mask & (1u << i)) {
                    out(g, "%s\"%s\"", first ? "" : ",", PRIMS[i]);
                    first = 0;
                }
            out(g, "]");
        }
        return;
    default: /* a recursive reference to an enclosing record, or a plain double */
        if (g->depth > 0 && !in_union)
            out(g, "[\"null\",\"%s\"]", g->records[pick((unsigned)g->depth)]);
        else
            out(g, "\"double\"");
        return;
    }
}

/* ---- random values through avro-c's generic API ---- */
static double random_double(void) {
    switch (pick(8)) {
    case 0: return NAN;
    case 1: return pick(2) ? INFINITY : -INFINITY;
    case 2: return -0.0;
    case 3: return (double)(int64_t)rnd();
    default: {
        double u = (double)(rnd() >> 11) / 9007199254740992.0;
        return (u - 0.5) * pow(10.0, (double)pick(20) - 10.0);
    }
    }
}

static void fill(avro_value_t *v, unsigned depth) {
    char buf[16];
    switch (avro_value_get_type(v)) {
    case AVRO_NULL: assert_int_equal(avro_value_set_null(v), 0); break;
    case AVRO_BOOLEAN: assert_int_equal(avro_value_set_boolean(v, (int)pick(2)), 0); break;
    case AVRO_INT32: {
        const int32_t x = pick(3) ? (int32_t)pick(200) - 100 : (int32_t)(uint32_t)rnd();
        assert_int_equal(avro_value_set_int(v, x), 0);
        break;
    }
    case AVRO_INT64: {
        const int64_t x = pick(3) ? (int64_t)pick(2000000) - 1000000 : (int64_t)rnd();
        assert_int_equal(avro_value_set_long(v, x), 0);
        break;
    }
    case AVRO_FLOAT: assert_int_equal(avro_value_set_float(v, (float)random_double()), 0); break;
    case AVRO_DOUBLE: assert_int_equal(avro_value_set_double(v, random_double()), 0); break;
    case AVRO_STRING: {
        const size_t n = pick(12);
        for (size_t i = 0; i < n; i++)
            buf[i] = (char)('a' + pick(26));
        buf[n] = '\0';
        assert_int_equal(avro_value_set_string_len(v, buf, n + 1), 0);
        break;
    }
    case AVRO_BYTES: {
        const size_t n = pick(7);
        for (size_t i = 0; i < n; i++)
            buf[i] = (char)rnd();
        assert_int_equal(avro_value_set_bytes(v, buf, n), 0);
        break;
    }
    case AVRO_FIXED: {
        const size_t n = (size_t)avro_schema_fixed_size(avro_value_get_schema(v));
        char fixed[16];
        for (size_t i = 0; i < n; i++)
            fixed[i] = (char)rnd();
        assert_int_equal(avro_value_set_fixed(v, fixed, n), 0);
        break;
    }
    case AVRO_ENUM: {
        const int k = avro_schema_enum_number_of_symbols(avro_value_get_schema(v));
        assert_int_equal(avro_value_set_enum(v, (int)pick((unsigned)k)), 0);
        break;
    }
    case AVRO_RECORD: {
        size_t n = 0;
        avro_value_get_size(v, &n);
        for (size_t i = 0; i < n; i++) {
            avro_value_t child;
            assert_int_equal(avro_value_get_by_index(v, i, &child, NULL), 0);
            fill(&child, depth + 1);
        }
        break;
    }
    case AVRO_ARRAY: {
        const unsigned n = depth > 6 ? 0 : pick(4);
        for (unsigned i = 0; i < n; i++) {
            avro_value_t child;
            assert_int_equal(avro_value_append(v, &child, NULL), 0);
            fill(&child, depth + 1);
        }
        break;
    }
    case AVRO_MAP: {
        const unsigned n = depth > 6 ? 0 : pick(4);
        for (unsigned i = 0; i < n; i++) {
            avro_value_t child;
            char key[16];
            snprintf(key, sizeof key, "k%u", i);
            assert_int_equal(avro_value_add(v, key, &child, NULL, NULL), 0);
            fill(&child, depth + 1);
        }
        break;
    }
    case AVRO_UNION: {
        avro_schema_t us = avro_value_get_schema(v);
        const size_t branches = avro_schema_union_size(us);
        int d = (int)pick((unsigned)branches);
        if (depth > 6) /* deep recursion: take the null branch where there is one */
            for (size_t i = 0; i < branches; i++)
                if (is_avro_null(avro_schema_union_branch(us, (int)i)))
                    d = (int)i;
        avro_value_t branch;
        assert_int_equal(avro_value_set_branch(v, d, &branch), 0);
        fill(&branch, depth + 1);
        break;
    }
    default:
        fail_msg("unexpected avro-c type %d", (int)avro_value_get_type(v));
    }
}

/* What the run covered: values compared per avro-c type and column kind, nulls, type errors. */
static uint64_t seen[AVRO_LINK + 1][3], seen_nulls, seen_type_errors, seen_logical[5];

/* ---- the reference: a leaf by path from avro-c's value, converted as codecs.h says ---- */
typedef struct expect {
    int null;
    int type_error;
    double number;
    uint64_t hash;
} expect_t;

static uint64_t hash_text(long long x) {
    char buf[32];
    const int n = snprintf(buf, sizeof buf, "%lld", x);
    return dd_codec_hash(buf, (size_t)n);
}

static double decimal_ref(const uint8_t *b, size_t n, int scale) {
    int64_t x = (n > 0 && (b[0] & 0x80)) ? -1 : 0; /* sign-extend, n ≤ 6 here */
    for (size_t i = 0; i < n; i++)
        x = (int64_t)(((uint64_t)x << 8) | b[i]);
    return (double)x / pow(10.0, scale);
}

static expect_t reference(avro_value_t *root, const char *path, dd_column_kind_t kind,
                          logical_t lg, int scale) {
    expect_t e = {1, 0, 0.0, 0};
    avro_value_t v = *root;
    const char *rest = path;
    for (;;) {
        while (avro_value_get_type(&v) == AVRO_UNION) {
            avro_value_t branch = {0};
            assert_int_equal(avro_value_get_current_branch(&v, &branch), 0);
            v = branch;
        }
        if (avro_value_get_type(&v) == AVRO_NULL)
            return e;
        if (*rest == '\0')
            break;
        const char *dot = strchr(rest, '.');
        char comp[DD_AVRO_PATH_MAX];
        const size_t len = dot ? (size_t)(dot - rest) : strlen(rest);
        memcpy(comp, rest, len);
        comp[len] = '\0';
        assert_int_equal(avro_value_get_type(&v), AVRO_RECORD);
        avro_value_t child = {0};
        assert_int_equal(avro_value_get_by_name(&v, comp, &child, NULL), 0);
        v = child;
        rest = dot ? dot + 1 : rest + len;
    }
    e.null = 0;
    seen[avro_value_get_type(&v)][kind]++;
    seen_logical[lg]++;
    const void *bytes = NULL; /* avro-c's getters leave outputs unset on failure */
    size_t size = 0;
    int32_t i32 = 0;
    int64_t i64 = 0;
    float f = 0.0f;
    double d = 0.0;
    int b = 0;
    if (kind == DD_COLUMN_NUMERIC) {
        switch (avro_value_get_type(&v)) {
        case AVRO_BOOLEAN: avro_value_get_boolean(&v, &b); e.number = b ? 1.0 : 0.0; return e;
        case AVRO_INT32: avro_value_get_int(&v, &i32); e.number = (double)i32; return e;
        case AVRO_INT64:
            avro_value_get_long(&v, &i64);
            e.number = lg == LG_TS_MILLIS   ? (double)i64 / 1e3
                       : lg == LG_TS_MICROS ? (double)i64 / 1e6
                                            : (double)i64;
            return e;
        case AVRO_FLOAT: avro_value_get_float(&v, &f); e.number = (double)f; return e;
        case AVRO_DOUBLE: avro_value_get_double(&v, &d); e.number = d; return e;
        case AVRO_BYTES:
            if (lg == LG_DECIMAL) {
                avro_value_get_bytes(&v, &bytes, &size);
                e.number = decimal_ref(bytes, size, scale);
                return e;
            }
            break;
        default: break;
        }
    } else {
        switch (avro_value_get_type(&v)) {
        case AVRO_BOOLEAN:
            avro_value_get_boolean(&v, &b);
            e.hash = b ? dd_codec_hash("true", 4) : dd_codec_hash("false", 5);
            return e;
        case AVRO_INT32: avro_value_get_int(&v, &i32); e.hash = hash_text(i32); return e;
        case AVRO_INT64: avro_value_get_long(&v, &i64); e.hash = hash_text(i64); return e;
        case AVRO_STRING: {
            const char *s;
            avro_value_get_string(&v, &s, &size); /* size counts the terminating NUL */
            e.hash = dd_codec_hash(s, size - 1);
            return e;
        }
        case AVRO_BYTES:
            avro_value_get_bytes(&v, &bytes, &size);
            e.hash = dd_codec_hash(bytes, size);
            return e;
        case AVRO_FIXED:
            avro_value_get_fixed(&v, &bytes, &size);
            e.hash = dd_codec_hash(bytes, size);
            return e;
        case AVRO_ENUM: {
            int idx = 0;
            avro_value_get_enum(&v, &idx);
            const char *sym = avro_schema_enum_get(avro_value_get_schema(&v), idx);
            e.hash = dd_codec_hash(sym, strlen(sym));
            return e;
        }
        default: break;
        }
    }
    e.null = 1;
    e.type_error = 1;
    return e;
}

static int same_double(double a, double b) {
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

static void run_schema(unsigned index) {
    gen_t *g = calloc(1, sizeof *g);
    gen_record(g, "", 0);
    avro_schema_t cs;
    if (avro_schema_from_json_length(g->json, g->n, &cs) != 0)
        fail_msg("schema %u: avro-c refuses %s: %s", index, g->json, avro_strerror());
    dd_avro_schema_t *ours = NULL;
    char err[256] = "";
    if (dd_avro_schema_parse(g->json, g->n, &ours, err, sizeof err) != DD_CODEC_OK)
        fail_msg("schema %u: %s in %s", index, err, g->json);
    static dd_avro_leaf_t leaves[LEAVES_MAX];
    const size_t n_leaves = dd_avro_schema_leaves(ours, leaves, LEAVES_MAX);
    if (n_leaves == 0 || n_leaves > LEAVES_MAX) {
        dd_avro_schema_destroy(ours);
        avro_schema_decref(cs);
        free(g);
        return;
    }
    /* Records, written by avro-c. */
    avro_value_iface_t *cls = avro_generic_class_from_schema(cs);
    assert_non_null(cls);
    static char buf[RECORDS][1 << 16];
    size_t sizes[RECORDS];
    for (int r = 0; r < RECORDS; r++) {
        avro_value_t v;
        assert_int_equal(avro_generic_value_new(cls, &v), 0);
        fill(&v, 0);
        avro_writer_t w = avro_writer_memory(buf[r], sizeof buf[r]);
        if (avro_value_write(w, &v) != 0)
            fail_msg("schema %u: avro-c write: %s", index, avro_strerror());
        sizes[r] = (size_t)avro_writer_tell(w);
        avro_writer_free(w);
        avro_value_decref(&v);
    }
    for (int flip = 0; flip < 2; flip++) {
        dd_avro_field_t fields[LEAVES_MAX];
        for (size_t i = 0; i < n_leaves; i++) {
            fields[i].path = leaves[i].path;
            fields[i].kind = leaves[i].kind;
            if (flip)
                fields[i].kind = leaves[i].kind == DD_COLUMN_NUMERIC ? DD_COLUMN_CATEGORICAL
                                                                     : DD_COLUMN_NUMERIC;
            fields[i].length_of = 0;
        }
        dd_avro_plan_t *plan = NULL;
        assert_int_equal(dd_avro_plan_new(ours, fields, n_leaves, NULL, &plan, err, sizeof err),
                         DD_CODEC_OK);
        dd_column_batch_t *batch = NULL;
        assert_int_equal(dd_batch_new(dd_avro_plan_kinds(plan), n_leaves, RECORDS, &batch),
                         DD_CODEC_OK);
        uint64_t want_type_errors[LEAVES_MAX] = {0};
        for (int r = 0; r < RECORDS; r++) {
            size_t off = 0;
            const dd_codec_err_t rc =
                dd_avro_decode(plan, (const uint8_t *)buf[r], sizes[r], batch, &off, NULL);
            if (rc != DD_CODEC_OK)
                fail_msg("schema %u record %d: %s at %zu\n%s", index, r, dd_codec_err_name(rc), off,
                         g->json);
            avro_reader_t rd = avro_reader_memory(buf[r], (int64_t)sizes[r]);
            avro_value_t back;
            assert_int_equal(avro_generic_value_new(cls, &back), 0);
            assert_int_equal(avro_value_read(rd, &back), 0);
            for (size_t i = 0; i < n_leaves; i++) {
                logical_t lg = LG_NONE;
                int scale = 0;
                for (size_t k = 0; k < g->n_logical; k++)
                    if (strcmp(g->logical[k].path, leaves[i].path) == 0) {
                        lg = g->logical[k].logical;
                        scale = g->logical[k].scale;
                    }
                const expect_t e = reference(&back, leaves[i].path, fields[i].kind, lg, scale);
                const dd_batch_column_t *c = &batch->columns[i];
                const size_t row = (size_t)r;
                want_type_errors[i] += (uint64_t)e.type_error;
                seen_type_errors += (uint64_t)e.type_error;
                seen_nulls += (uint64_t)(e.null && !e.type_error);
                const int ok = e.null ? dd_batch_is_null(c, row)
                               : !dd_batch_is_null(c, row) &&
                                     (fields[i].kind == DD_COLUMN_NUMERIC
                                          ? same_double(c->numbers[row], e.number)
                                          : c->hashes[row] == e.hash);
                if (!ok)
                    fail_msg("schema %u record %d leaf %s (%s): plan %s %.17g/%016" PRIx64
                             ", avro-c %s %.17g/%016" PRIx64 "\n%s",
                             index, r, leaves[i].path, flip ? "flipped" : "default",
                             dd_batch_is_null(c, row) ? "null" : "value",
                             fields[i].kind == DD_COLUMN_NUMERIC ? c->numbers[row] : 0.0,
                             fields[i].kind == DD_COLUMN_CATEGORICAL ? c->hashes[row] : 0,
                             e.null ? "null" : "value", e.number, e.hash, g->json);
            }
            avro_value_decref(&back);
            avro_reader_free(rd);
        }
        for (size_t i = 0; i < n_leaves; i++)
            if (batch->columns[i].type_errors != want_type_errors[i])
                fail_msg("schema %u leaf %s: %" PRIu64 " type errors, avro-c says %" PRIu64,
                         index, leaves[i].path, batch->columns[i].type_errors,
                         want_type_errors[i]);
        dd_batch_destroy(batch);
        dd_avro_plan_destroy(plan);
    }
    avro_value_iface_decref(cls);
    dd_avro_schema_destroy(ours);
    avro_schema_decref(cs);
    free(g);
}

static void test_random_schemas(void **state) {
    (void)state;
    rng_state = 20261123;
    for (unsigned i = 0; i < SCHEMAS; i++)
        run_schema(i);
    /* The run must have compared every conversion, or it proves less than it says. */
    static const struct {
        avro_type_t type;
        const char *name;
    } types[] = {{AVRO_BOOLEAN, "boolean"}, {AVRO_INT32, "int"},    {AVRO_INT64, "long"},
                 {AVRO_FLOAT, "float"},     {AVRO_DOUBLE, "double"}, {AVRO_STRING, "string"},
                 {AVRO_BYTES, "bytes"},     {AVRO_FIXED, "fixed"},   {AVRO_ENUM, "enum"}};
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
        printf("  %-8s numeric %6" PRIu64 "  categorical %6" PRIu64 "\n", types[t].name,
               seen[types[t].type][DD_COLUMN_NUMERIC], seen[types[t].type][DD_COLUMN_CATEGORICAL]);
        assert_true(seen[types[t].type][DD_COLUMN_NUMERIC] >= 50);
        assert_true(seen[types[t].type][DD_COLUMN_CATEGORICAL] >= 50);
    }
    printf("  nulls %" PRIu64 ", type errors %" PRIu64 ", timestamp-millis %" PRIu64
           ", timestamp-micros %" PRIu64 ", date %" PRIu64 ", decimal %" PRIu64 "\n",
           seen_nulls, seen_type_errors, seen_logical[LG_TS_MILLIS], seen_logical[LG_TS_MICROS],
           seen_logical[LG_DATE], seen_logical[LG_DECIMAL]);
    assert_true(seen_nulls >= 100 && seen_type_errors >= 100);
    for (int lg = LG_TS_MILLIS; lg <= LG_DECIMAL; lg++)
        assert_true(seen_logical[lg] >= 50);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_random_schemas)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
