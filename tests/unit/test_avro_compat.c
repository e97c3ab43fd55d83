/* test_avro_compat.c — schema changes and their compatibility class (codecs/avro_compat.c).
 *
 * Each case is an old and a new writer schema with the changes and class the Avro
 * specification's resolution rules give (worked out by hand in the comments): additions and
 * removals with and without defaults, promotions and their reverse, nullability both ways, enum
 * symbols added, nested paths, a renamed record, recursion. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "codecs.h"

#define REC(fields) "{\"type\":\"record\",\"name\":\"R\",\"fields\":[" fields "]}"
#define F(name, type) "{\"name\":\"" name "\",\"type\":" type "}"
#define FD(name, type, dflt) "{\"name\":\"" name "\",\"type\":" type ",\"default\":" dflt "}"

typedef struct change_want {
    const char *path;
    dd_avro_change_kind_t kind;
    int backward, forward;
} change_want_t;

typedef struct compat_case {
    const char *what, *old_json, *new_json;
    dd_avro_compat_t compat;
    size_t n_changes;
    change_want_t changes[3];
} compat_case_t;

static const compat_case_t CASES[] = {
    {"identical", REC(F("a", "\"int\"")), REC(F("a", "\"int\"")), DD_AVRO_COMPAT_FULL, 0, {{0}}},
    /* a field with a default: new readers fill it for old data; old readers ignore it */
    {"added with default", REC(F("a", "\"int\"")),
     REC(F("a", "\"int\"") "," FD("b", "\"double\"", "0.0")), DD_AVRO_COMPAT_FULL, 1,
     {{"b", DD_AVRO_FIELD_ADDED, 1, 1}}},
    /* no default: new readers cannot read old data */
    {"added without default", REC(F("a", "\"int\"")),
     REC(F("a", "\"int\"") "," F("b", "\"double\"")), DD_AVRO_COMPAT_FORWARD, 1,
     {{"b", DD_AVRO_FIELD_ADDED, 0, 1}}},
    /* removed and the old schema had no default: old readers cannot read new data */
    {"removed without default", REC(F("a", "\"int\"") "," F("b", "\"double\"")),
     REC(F("a", "\"int\"")), DD_AVRO_COMPAT_BACKWARD, 1, {{"b", DD_AVRO_FIELD_REMOVED, 1, 0}}},
    {"removed with default", REC(F("a", "\"int\"") "," FD("b", "\"double\"", "1.5")),
     REC(F("a", "\"int\"")), DD_AVRO_COMPAT_FULL, 1, {{"b", DD_AVRO_FIELD_REMOVED, 1, 1}}},
    /* int → long: long reads int (promotion), int does not read long */
    {"int to long", REC(F("a", "\"int\"")), REC(F("a", "\"long\"")), DD_AVRO_COMPAT_BACKWARD, 1,
     {{"a", DD_AVRO_TYPE_CHANGED, 1, 0}}},
    {"double to float", REC(F("a", "\"double\"")), REC(F("a", "\"float\"")),
     DD_AVRO_COMPAT_FORWARD, 1, {{"a", DD_AVRO_TYPE_CHANGED, 0, 1}}},
    {"string to bytes", REC(F("a", "\"string\"")), REC(F("a", "\"bytes\"")), DD_AVRO_COMPAT_FULL,
     1, {{"a", DD_AVRO_TYPE_CHANGED, 1, 1}}},
    {"double to string", REC(F("a", "\"double\"")), REC(F("a", "\"string\"")),
     DD_AVRO_COMPAT_NONE, 1, {{"a", DD_AVRO_TYPE_CHANGED, 0, 0}}},
    /* nullable → not: the new reader cannot take an old null; the old union reads a double */
    {"made required", REC(F("a", "[\"null\",\"double\"]")), REC(F("a", "\"double\"")),
     DD_AVRO_COMPAT_FORWARD, 1, {{"a", DD_AVRO_NULLABILITY_CHANGED, 0, 1}}},
    {"made nullable", REC(F("a", "\"double\"")), REC(F("a", "[\"null\",\"double\"]")),
     DD_AVRO_COMPAT_BACKWARD, 1, {{"a", DD_AVRO_NULLABILITY_CHANGED, 1, 0}}},
    /* a symbol added: the new reader knows every old symbol, the old reader not the new one */
    {"enum symbol added",
     REC(F("c", "{\"type\":\"enum\",\"name\":\"C\",\"symbols\":[\"A\",\"B\"]}")),
     REC(F("c", "{\"type\":\"enum\",\"name\":\"C\",\"symbols\":[\"A\",\"B\",\"X\"]}")),
     DD_AVRO_COMPAT_BACKWARD, 1, {{"c", DD_AVRO_TYPE_CHANGED, 1, 0}}},
    {"enum with a default",
     REC(F("c", "{\"type\":\"enum\",\"name\":\"C\",\"symbols\":[\"A\",\"B\"],\"default\":\"A\"}")),
     REC(F("c", "{\"type\":\"enum\",\"name\":\"C\",\"symbols\":[\"A\",\"B\",\"X\"],\"default\":\"A\"}")),
     DD_AVRO_COMPAT_FULL, 1, {{"c", DD_AVRO_TYPE_CHANGED, 1, 1}}},
    {"nested field",
     REC(F("user", "{\"type\":\"record\",\"name\":\"U\",\"fields\":[" F("age", "\"int\"") "]}")),
     REC(F("user", "[\"null\",{\"type\":\"record\",\"name\":\"U\",\"fields\":[" F(
                       "age", "\"string\"") "," F("tier", "\"int\"") "]}]")),
     DD_AVRO_COMPAT_NONE, 3,
     {{"user", DD_AVRO_NULLABILITY_CHANGED, 0, 0},
      {"user.age", DD_AVRO_TYPE_CHANGED, 0, 0},
      {"user.tier", DD_AVRO_FIELD_ADDED, 0, 1}}},
    {"renamed record", REC(F("a", "\"int\"")),
     "{\"type\":\"record\",\"name\":\"Other\",\"fields\":[" F("a", "\"int\"") "]}",
     DD_AVRO_COMPAT_NONE, 0, {{0}}},
    {"recursive, unchanged",
     "{\"type\":\"record\",\"name\":\"N\",\"fields\":[" F("v", "\"long\"") "," F(
         "next", "[\"null\",\"N\"]") "]}",
     "{\"type\":\"record\",\"name\":\"N\",\"fields\":[" F("v", "\"long\"") "," F(
         "next", "[\"null\",\"N\"]") "]}",
     DD_AVRO_COMPAT_FULL, 0, {{0}}},
};

static dd_avro_schema_t *parse(const char *json) {
    dd_avro_schema_t *s = NULL;
    char err[256] = "";
    if (dd_avro_schema_parse(json, strlen(json), &s, err, sizeof err) != DD_CODEC_OK)
        fail_msg("%s: %s", json, err);
    return s;
}

static void test_cases(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        const compat_case_t *c = &CASES[i];
        dd_avro_schema_t *o = parse(c->old_json), *n = parse(c->new_json);
        dd_avro_change_t got[8];
        dd_avro_compat_t compat = DD_AVRO_COMPAT_NONE;
        const size_t count = dd_avro_schema_diff(o, n, got, 8, &compat);
        if (compat != c->compat)
            fail_msg("%s: class %s, expected %s", c->what, dd_avro_compat_name(compat),
                     dd_avro_compat_name(c->compat));
        if (count != c->n_changes)
            fail_msg("%s: %zu changes, expected %zu", c->what, count, c->n_changes);
        for (size_t k = 0; k < count; k++) {
            const change_want_t *w = &c->changes[k];
            if (strcmp(got[k].path, w->path) != 0 || got[k].kind != w->kind ||
                got[k].backward != w->backward || got[k].forward != w->forward)
                fail_msg("%s: change %zu is %s %s (backward %d, forward %d), expected %s %s "
                         "(%d, %d)",
                         c->what, k, got[k].path, dd_avro_change_name(got[k].kind),
                         got[k].backward, got[k].forward, w->path, dd_avro_change_name(w->kind),
                         w->backward, w->forward);
        }
        dd_avro_schema_destroy(o);
        dd_avro_schema_destroy(n);
    }
}

static void test_type_names(void **state) {
    (void)state;
    dd_avro_schema_t *o = parse(REC(F("a", "\"int\"")));
    dd_avro_schema_t *n = parse(REC(F("a", "\"long\"")));
    dd_avro_change_t c;
    assert_int_equal(dd_avro_schema_diff(o, n, &c, 1, NULL), 1);
    assert_string_equal(c.old_type, "int");
    assert_string_equal(c.new_type, "long");
    assert_int_equal(dd_avro_schema_diff(o, n, NULL, 0, NULL), 1); /* counting only */
    dd_avro_schema_destroy(o);
    dd_avro_schema_destroy(n);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_type_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
