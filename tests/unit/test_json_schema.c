/* test_json_schema.c — what a JSON stream's records show, and schema changes between two
 * observations (codecs/json_schema.c):
 * - paths (nested, dotted), types and optionality are observed; invalid records count nothing;
 * - each kind of change with its class, worked out as Avro resolution would for the equivalent
 *   schema: optional field added (full), required field added (forward), optional field removed
 *   (full), required removed (backward), integer → number (backward), number → string (none),
 *   null newly seen (backward);
 * - identical observations: no change, full; the tracked-path cap counts what it drops. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "codecs.h"

static dd_json_observer_t *observe(const char *const *records, size_t n) {
    dd_json_observer_t *o = NULL;
    assert_int_equal(dd_json_observer_new(NULL, 100, &o), DD_CODEC_OK);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(dd_json_observe(o, (const uint8_t *)records[i], strlen(records[i]), NULL),
                         DD_CODEC_OK);
    return o;
}

typedef struct diff_case {
    const char *what;
    const char *old_records[3];
    const char *new_records[3];
    dd_avro_compat_t compat;
    const char *path;
    dd_avro_change_kind_t kind;
    const char *old_type, *new_type;
} diff_case_t;

static const diff_case_t CASES[] = {
    {"optional field added", {"{\"a\":1}", "{\"a\":2}"}, {"{\"a\":1,\"b\":\"x\"}", "{\"a\":2}"},
     DD_AVRO_COMPAT_FULL, "b", DD_AVRO_FIELD_ADDED, "", "string|null"},
    {"required field added", {"{\"a\":1}", "{\"a\":2}"}, {"{\"a\":1,\"b\":true}", "{\"a\":2,\"b\":false}"},
     DD_AVRO_COMPAT_FORWARD, "b", DD_AVRO_FIELD_ADDED, "", "boolean"},
    {"optional field removed", {"{\"a\":1,\"b\":null}", "{\"a\":2,\"b\":3}"}, {"{\"a\":1}", "{\"a\":2}"},
     DD_AVRO_COMPAT_FULL, "b", DD_AVRO_FIELD_REMOVED, "integer|null", ""},
    {"required field removed", {"{\"a\":1,\"u\":{\"b\":3}}", "{\"a\":2,\"u\":{\"b\":4}}"}, {"{\"a\":1}", "{\"a\":2}"},
     DD_AVRO_COMPAT_BACKWARD, "u.b", DD_AVRO_FIELD_REMOVED, "integer", ""},
    {"integer to number", {"{\"a\":1}", "{\"a\":2}"}, {"{\"a\":1.5}", "{\"a\":2}"},
     DD_AVRO_COMPAT_BACKWARD, "a", DD_AVRO_TYPE_CHANGED, "integer", "integer|number"},
    {"number to string", {"{\"a\":1.5}", "{\"a\":2e3}"}, {"{\"a\":\"1.5\"}", "{\"a\":\"x\"}"},
     DD_AVRO_COMPAT_NONE, "a", DD_AVRO_TYPE_CHANGED, "number", "string"},
    {"null newly seen", {"{\"a\":1}", "{\"a\":2}"}, {"{\"a\":null}", "{\"a\":2}"},
     DD_AVRO_COMPAT_BACKWARD, "a", DD_AVRO_NULLABILITY_CHANGED, "integer", "integer|null"},
};

static void test_changes(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        const diff_case_t *c = &CASES[i];
        size_t n_old = 0, n_new = 0;
        while (n_old < 3 && c->old_records[n_old])
            n_old++;
        while (n_new < 3 && c->new_records[n_new])
            n_new++;
        dd_json_observer_t *o = observe(c->old_records, n_old), *n = observe(c->new_records, n_new);
        dd_avro_change_t got[4];
        dd_avro_compat_t compat;
        const size_t count = dd_json_schema_diff(o, n, got, 4, &compat);
        if (count != 1 || compat != c->compat || strcmp(got[0].path, c->path) != 0 ||
            got[0].kind != c->kind || strcmp(got[0].old_type, c->old_type) != 0 ||
            strcmp(got[0].new_type, c->new_type) != 0)
            fail_msg("%s: %zu changes, class %s; first %s %s (%s -> %s)", c->what, count,
                     dd_avro_compat_name(compat), count ? got[0].path : "",
                     count ? dd_avro_change_name(got[0].kind) : "", count ? got[0].old_type : "",
                     count ? got[0].new_type : "");
        /* The same observation against itself: nothing changed. */
        assert_int_equal(dd_json_schema_diff(n, n, got, 4, &compat), 0);
        assert_int_equal(compat, DD_AVRO_COMPAT_FULL);
        dd_json_observer_destroy(o);
        dd_json_observer_destroy(n);
    }
}

static void test_observer(void **state) {
    (void)state;
    dd_json_observer_t *o = NULL;
    assert_int_equal(dd_json_observer_new(NULL, 3, &o), DD_CODEC_OK);
    const char *good = "{\"a\":1,\"b\":{\"c\":\"x\",\"d\":[1,2]},\"e\":true,\"f\":null}";
    const char *bad = "{\"a\":1,";
    size_t off = 0;
    assert_int_equal(dd_json_observe(o, (const uint8_t *)good, strlen(good), &off), DD_CODEC_OK);
    assert_int_equal(dd_json_observe(o, (const uint8_t *)bad, strlen(bad), &off),
                     DD_CODEC_ERR_TRUNCATED);
    assert_int_equal(off, strlen(bad));
    assert_int_equal(dd_json_observer_records(o), 1);
    /* a, b.c, e tracked; f beyond the cap of 3 */
    assert_int_equal(dd_json_observer_untracked(o), 1);
    dd_json_observer_reset(o);
    assert_int_equal(dd_json_observer_records(o), 0);
    assert_int_equal(dd_json_observe(o, (const uint8_t *)good, strlen(good), NULL), DD_CODEC_OK);
    dd_json_observer_destroy(o);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_changes),
        cmocka_unit_test(test_observer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
