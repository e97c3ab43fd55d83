/* test_events.c — alert events as JSON (engine/out/events.c, engine/out/json_buf.c).
 *
 * - every event type formats to one JSON object that jansson parses (duplicate keys rejected),
 *   with version 3, its type and every documented key present (docs/events.md), null where a
 *   value does not apply;
 * - keys are "stream/field" for drift and "stream/field/condition" otherwise, with '/' and '%'
 *   inside names percent-encoded; resolved events share the key of what they resolve;
 * - ids are UUID-shaped (version 8), stable for the same event and different for another time,
 *   sequence or field; times are RFC 3339 UTC with milliseconds;
 * - strings are escaped (quotes, backslashes, control characters, invalid UTF-8) and non-finite
 *   numbers are null; a buffer too small gets a NUL-terminated prefix and the needed length;
 * - the CloudEvents header set; dd_event_write writes one line;
 * - a drift event filled from a real judgement carries its statistic, bound and moved bins;
 * - drift and quality events carry the verdict behind them (docs/judging.md): the deciding test,
 *   its combined p-value and α, the warning floor, critical threshold and noise floor, the window
 *   length that found it and the reason in words; copied exactly from the judgement's verdict,
 *   null where unset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "events.h"

static json_t *parse(const dd_event_t *e) {
    const size_t need = dd_event_format(e, NULL, 0);
    char *text = malloc(need + 1);
    assert_non_null(text);
    assert_int_equal(dd_event_format(e, text, need + 1), need);
    assert_int_equal(strlen(text), need);
    json_error_t err;
    json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &err);
    if (root == NULL)
        fail_msg("not JSON (%s at %d): %s", err.text, err.position, text);
    free(text);
    assert_true(json_is_object(root));
    return root;
}

static void has(json_t *o, const char *key) {
    if (json_object_get(o, key) == NULL)
        fail_msg("key '%s' missing", key);
}

static void has_all(json_t *o, const char *const *keys) {
    for (const char *const *k = keys; *k; k++)
        has(o, *k);
}

static const char *const common_keys[] = {
    "version", "type", "id", "time", "key", "source", "instance", "stream", "role", "field",
    "condition", "severity", "summary", "labels", "runbook_url", "reference_id", "window",
    "samples", NULL,
};

static void base(dd_event_t *e, dd_event_type_t type) {
    dd_event_init(e, type);
    e->time_ms = 1714564800250; /* 2024-05-01T12:00:00.250Z */
    e->sequence = 42;
    e->instance = "sidecar-1";
    e->stream = "features";
    e->role = "features";
    e->runbook_url = "https://runbooks.example.com/price";
    static const char *const label_names[] = {"team", "model"};
    static const char *const label_values[] = {"ml", "churn"};
    e->label_names = label_names;
    e->label_values = label_values;
    e->n_labels = 2;
    e->field = "price";
    e->reference_id = "train-2024-04";
    e->window_start_ms = 1714564500000;
    e->window_end_ms = 1714564800000;
    e->partitions_behind = 2;
    e->n_reference = 100000;
    e->n_current = 5230;
    e->severity = DD_SEVERITY_WARNING;
}

static void check_common(json_t *root, const char *type) {
    has_all(root, common_keys);
    assert_int_equal(json_integer_value(json_object_get(root, "version")), 3); /* docs/events.md */
    assert_int_equal(DD_EVENT_VERSION, 3);
    /* the configured labels, the role and the runbook (base sets them) */
    json_t *labels = json_object_get(root, "labels");
    assert_int_equal(json_object_size(labels), 2);
    assert_string_equal(json_string_value(json_object_get(labels, "team")), "ml");
    assert_string_equal(json_string_value(json_object_get(labels, "model")), "churn");
    assert_string_equal(json_string_value(json_object_get(root, "role")), "features");
    assert_string_equal(json_string_value(json_object_get(root, "runbook_url")),
                        "https://runbooks.example.com/price");
    /* a one-line summary that names where it happened */
    const char *summary = json_string_value(json_object_get(root, "summary"));
    assert_non_null(summary);
    assert_null(strchr(summary, '\n'));
    assert_true(strncmp(summary, "features", 8) == 0);
    assert_string_equal(json_string_value(json_object_get(root, "type")), type);
    assert_string_equal(json_string_value(json_object_get(root, "time")), "2024-05-01T12:00:00.250Z");
    assert_string_equal(json_string_value(json_object_get(root, "source")), "driftd/sidecar-1/features");
    json_t *w = json_object_get(root, "window");
    assert_string_equal(json_string_value(json_object_get(w, "start")), "2024-05-01T11:55:00.000Z");
    assert_string_equal(json_string_value(json_object_get(w, "end")), "2024-05-01T12:00:00.000Z");
    assert_int_equal(json_integer_value(json_object_get(w, "partitions_behind")), 2);
    json_t *s = json_object_get(root, "samples");
    assert_int_equal(json_integer_value(json_object_get(s, "reference")), 100000);
    assert_int_equal(json_integer_value(json_object_get(s, "current")), 5230);
    const char *id = json_string_value(json_object_get(root, "id"));
    assert_non_null(id);
    assert_int_equal(strlen(id), 36);
    assert_true(id[8] == '-' && id[13] == '-' && id[18] == '-' && id[23] == '-');
    assert_true(id[14] == '8');
    assert_true(strchr("89ab", id[19]) != NULL);
}

static const char *const verdict_keys[] = {"test", "p_value", "alpha", "warning_floor", "critical",
                                           "noise_floor", "length", "reason", NULL};

/* The verdict members of a drift or quality object equal v, member for member. */
static void check_verdict(json_t *root, const dd_verdict_t *v, const char *length) {
    has_all(root, verdict_keys);
    if (v->test == NULL)
        assert_true(json_is_null(json_object_get(root, "test")));
    else
        assert_string_equal(json_string_value(json_object_get(root, "test")), v->test);
    const struct {
        const char *key;
        double want;
    } nums[] = {{"p_value", v->p_value},         {"alpha", v->alpha},
                {"warning_floor", v->warning_floor}, {"critical", v->critical},
                {"noise_floor", v->noise_floor}};
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        json_t *x = json_object_get(root, nums[i].key);
        if (!isfinite(nums[i].want)) {
            assert_true(json_is_null(x));
            continue;
        }
        if (!json_is_number(x) || json_number_value(x) != nums[i].want)
            fail_msg("%s: %g in the event, %.17g in the verdict", nums[i].key,
                     json_number_value(x), nums[i].want);
    }
    if (length == NULL)
        assert_true(json_is_null(json_object_get(root, "length")));
    else
        assert_string_equal(json_string_value(json_object_get(root, "length")), length);
    assert_string_equal(json_string_value(json_object_get(root, "reason")), v->reason);
}

static void test_drift(void **state) {
    (void)state;
    dd_event_t e;
    base(&e, DD_EVENT_DRIFT);
    const dd_event_moved_t moved[] = {
        {.lower = 12.5, .upper = INFINITY, .reference_share = 0.1, .current_share = 0.31},
        {.lower = -INFINITY, .upper = 3, .reference_share = 0.1, .current_share = 0.01},
    };
    e.drift = (dd_event_drift_t){.kind = "numeric", .statistic = "wasserstein", .value = 0.31,
                                 .bound = 0.06, .value_conservative = 0.25, .threshold = 0.1,
                                 .test_statistic = NAN, .guard_p_value = 1e-300, .moved = moved,
                                 .n_moved = 2};
    json_t *root = parse(&e);
    check_common(root, "drift");
    static const char *const keys[] = {"kind", "statistic", "value", "bound", "value_conservative",
                                       "threshold", "test_statistic", "dof", "guard_p_value",
                                       "moved", NULL};
    has_all(root, keys);
    has_all(root, verdict_keys);
    assert_string_equal(json_string_value(json_object_get(root, "key")), "sidecar-1/features/price");
    assert_true(json_is_null(json_object_get(root, "condition")));
    assert_true(json_is_null(json_object_get(root, "test_statistic")));
    assert_true(json_is_null(json_object_get(root, "dof")));
    assert_string_equal(json_string_value(json_object_get(root, "severity")), "warning");
    assert_true(json_real_value(json_object_get(root, "guard_p_value")) == 1e-300);
    assert_true(json_real_value(json_object_get(root, "value")) == 0.31);
    json_t *m = json_object_get(root, "moved");
    assert_int_equal(json_array_size(m), 2);
    assert_true(json_is_null(json_object_get(json_array_get(m, 0), "upper")));
    assert_true(json_is_null(json_object_get(json_array_get(m, 1), "lower")));
    assert_true(fabs(json_real_value(json_object_get(json_array_get(m, 0), "change")) - 0.21) < 1e-15);
    json_decref(root);

    /* Categories in moved: name (or null), hash as hex text, the "other" flag. */
    const dd_event_moved_t cats[] = {
        {.lower = NAN, .upper = NAN, .category = "Nice", .hash = 0xABCDEF, .current_share = 0.2},
        {.lower = NAN, .upper = NAN, .category = NULL, .hash = 0, .other = 1},
    };
    e.drift.kind = "categorical";
    e.drift.statistic = "chi2";
    e.drift.dof = 3;
    e.drift.test_statistic = 12.5;
    e.drift.moved = cats;
    root = parse(&e);
    m = json_object_get(root, "moved");
    assert_string_equal(json_string_value(json_object_get(json_array_get(m, 0), "category")), "Nice");
    assert_string_equal(json_string_value(json_object_get(json_array_get(m, 0), "hash")),
                        "0000000000abcdef");
    assert_true(json_is_true(json_object_get(json_array_get(m, 1), "other")));
    assert_true(json_is_null(json_object_get(json_array_get(m, 1), "category")));
    assert_int_equal(json_integer_value(json_object_get(root, "dof")), 3);
    json_decref(root);

    /* No verdict set (dd_event_init): its members are present and null. */
    base(&e, DD_EVENT_DRIFT);
    e.drift.kind = "numeric";
    e.drift.statistic = "psi";
    root = parse(&e);
    has_all(root, verdict_keys);
    for (const char *const *k = verdict_keys; *k; k++)
        if (!json_is_null(json_object_get(root, *k)))
            fail_msg("verdict member '%s' should be null when unset", *k);
    json_decref(root);

    /* A verdict set by hand: every member written, the reason escaped. */
    e.drift.guard_p_value = 1e-300;
    e.drift.verdict = (dd_event_verdict_t){.test = "location", .p_value = 4.2e-11, .alpha = 8.3e-05,
                                           .warning_floor = 0.02, .critical = 0.1,
                                           .noise_floor = 0.031, .reason = "drift (warning): \"x\"",
                                           .length = "recent"};
    root = parse(&e);
    assert_string_equal(json_string_value(json_object_get(root, "test")), "location");
    assert_true(json_real_value(json_object_get(root, "p_value")) == 4.2e-11);
    assert_true(json_real_value(json_object_get(root, "alpha")) == 8.3e-05);
    assert_true(json_real_value(json_object_get(root, "warning_floor")) == 0.02);
    assert_true(json_real_value(json_object_get(root, "critical")) == 0.1);
    assert_true(json_real_value(json_object_get(root, "noise_floor")) == 0.031);
    assert_string_equal(json_string_value(json_object_get(root, "length")), "recent");
    assert_string_equal(json_string_value(json_object_get(root, "reason")),
                        "drift (warning): \"x\"");
    assert_true(json_real_value(json_object_get(root, "guard_p_value")) == 1e-300);
    json_decref(root);
}

static void test_other_types(void **state) {
    (void)state;
    dd_event_t e;
    base(&e, DD_EVENT_SCHEMA);
    e.condition = "schema";
    e.schema = (dd_event_schema_t){.change = "type_changed", .path = "price", .old_type = "int",
                                   .new_type = "string", .backward = 0, .forward = -1,
                                   .compatibility = "none", .old_schema_id = 7,
                                   .new_schema_id = -1};
    json_t *root = parse(&e);
    check_common(root, "schema");
    static const char *const schema_keys[] = {"change", "path", "old_type", "new_type", "backward",
                                              "forward", "compatibility", "old_schema_id",
                                              "new_schema_id", NULL};
    has_all(root, schema_keys);
    assert_string_equal(json_string_value(json_object_get(root, "key")), "sidecar-1/features/price/schema");
    assert_true(json_is_false(json_object_get(root, "backward")));
    assert_true(json_is_null(json_object_get(root, "forward")));
    assert_true(json_is_null(json_object_get(root, "new_schema_id")));
    json_decref(root);

    base(&e, DD_EVENT_QUALITY);
    const dd_event_category_t cats[] = {{"Nice", 11, 100}, {NULL, 12, 99}};
    dd_judge_proportion_t p;
    dd_judge_proportion(0.0, 20000, 0.0, 0.1, 2000, 0.0, 0.01, 1e-6, 1e-3, &p);
    assert_true(p.breach);
    assert_int_equal(p.verdict.severity, DD_SEVERITY_CRITICAL);
    dd_event_fill_quality(&e, "new_categories", &p, p.verdict.severity);
    e.quality.categories = cats;
    e.quality.n_categories = 2;
    e.quality.categories_total = 2;
    assert_int_equal(e.n_reference, 20000); /* the proportion's sample sizes */
    assert_int_equal(e.n_current, 2000);
    e.n_reference = 100000;
    e.n_current = 5230;
    root = parse(&e);
    check_common(root, "quality");
    static const char *const quality_keys[] = {"reference_rate", "current_rate", "bound", "increase",
                                               "threshold", "p_value", "expected_min",
                                               "expected_max", "categories", "categories_total",
                                               NULL};
    has_all(root, quality_keys);
    assert_string_equal(json_string_value(json_object_get(root, "key")),
                        "sidecar-1/features/price/new_categories");
    assert_string_equal(json_string_value(json_object_get(root, "severity")), "critical");
    assert_true(json_is_null(json_object_get(root, "expected_min")));
    assert_int_equal(json_array_size(json_object_get(root, "categories")), 2);
    /* the verdict behind it: Fisher at α = 1e-6, warning from 0.002, critical from 0.01 */
    check_verdict(root, &p.verdict, NULL);
    assert_string_equal(json_string_value(json_object_get(root, "test")), "fisher");
    assert_true(json_real_value(json_object_get(root, "alpha")) == 1e-6);
    assert_true(json_real_value(json_object_get(root, "warning_floor")) == 0.002);
    assert_true(json_real_value(json_object_get(root, "threshold")) == 0.002); /* v2: the floor */
    assert_true(json_real_value(json_object_get(root, "critical")) >= 0.01);
    assert_non_null(strstr(json_string_value(json_object_get(root, "reason")), "drift (critical)"));
    json_decref(root);
    e.quality.verdict.length = "window";
    root = parse(&e);
    check_verdict(root, &p.verdict, "window");
    json_decref(root);

    base(&e, DD_EVENT_FRESHNESS);
    e.field = NULL;
    e.condition = "lag";
    e.window_start_ms = e.window_end_ms = 0;
    e.freshness = (dd_event_freshness_t){.lag_ms = 120000, .lag_max_ms = 60000, .idle_ms = 10,
                                         .idle_max_ms = 30000, .last_event_time_ms = 1714564680250};
    root = parse(&e);
    static const char *const fresh_keys[] = {"lag_ms", "lag_max_ms", "idle_ms", "idle_max_ms",
                                             "last_event_time", NULL};
    has_all(root, fresh_keys);
    assert_string_equal(json_string_value(json_object_get(root, "key")), "sidecar-1/features//lag");
    assert_true(json_is_null(json_object_get(root, "field")));
    assert_true(json_is_null(json_object_get(json_object_get(root, "window"), "start")));
    assert_null(json_object_get(json_object_get(root, "window"), "partitions_behind"));
    assert_string_equal(json_string_value(json_object_get(root, "last_event_time")),
                        "2024-05-01T11:58:00.250Z");
    json_decref(root);

    base(&e, DD_EVENT_VOLUME);
    e.field = NULL;
    e.condition = "volume";
    e.volume = (dd_event_volume_t){.records = 1000, .window_s = 60, .rate_per_s = 1000.0 / 60,
                                   .reference_rate_per_s = 100, .band_low = 0.5, .band_high = 2,
                                   .p_value = 1e-250, .direction = -1};
    root = parse(&e);
    check_common(root, "volume");
    static const char *const volume_keys[] = {"records", "window_s", "rate_per_s",
                                              "reference_rate_per_s", "band_low", "band_high",
                                              "p_value", "direction", NULL};
    has_all(root, volume_keys);
    assert_string_equal(json_string_value(json_object_get(root, "direction")), "low");
    json_decref(root);

    base(&e, DD_EVENT_MULTIVARIATE);
    e.field = NULL;
    e.condition = "multivariate";
    static const char *const names[] = {"a", "b", "c\"q"};
    const dd_mv_field_t contrib[2] = {{1, 0.1, 0.9}, {0, 0.12, 0.8}};
    const dd_mv_component_t left[1] = {{.rank = 3, .reference = 0.1, .current = 1.0,
                                         .top = {1, 0}, .loading = {0.71, -0.70}}};
    const dd_mv_pair_t pairs[1] = {{0, 1, 0.9, 0.01}};
    e.multivariate = (dd_event_multivariate_t){
        .names = names, .n_names = 3, .components = 2, .explained = 0.93,
        .error_reference = 0.1, .error_current = 1.0, .ratio = 10, .warning_ratio = 1.1,
        .critical_ratio = 1.5, .statistic = 12.5, .p_value = 1e-9, .alpha = 1e-6, .dof = 9,
        .reason = "mean reconstruction error 0.1 -> 1", .fields = contrib, .n_fields = 2,
        .left = left, .n_left = 1, .pairs = pairs, .n_pairs = 1};
    root = parse(&e);
    check_common(root, "multivariate");
    static const char *const mv_keys[] = {
        "fields", "components", "explained_variance", "error_reference", "error_current", "ratio",
        "warning_ratio", "critical_ratio", "test", "test_statistic", "dof", "p_value", "alpha",
        "reason", "contributions", "components_left_out", "correlations", NULL};
    has_all(root, mv_keys);
    assert_string_equal(json_string_value(json_object_get(root, "key")),
                        "sidecar-1/features//multivariate");
    assert_string_equal(json_string_value(json_array_get(json_object_get(root, "fields"), 2)),
                        "c\"q");
    json_t *c0 = json_array_get(json_object_get(root, "contributions"), 0);
    assert_string_equal(json_string_value(json_object_get(c0, "field")), "b");
    assert_true(json_number_value(json_object_get(c0, "current")) == 0.9);
    json_t *l0 = json_array_get(json_object_get(root, "components_left_out"), 0);
    assert_int_equal(json_integer_value(json_object_get(l0, "rank")), 3);
    json_t *ld = json_array_get(json_object_get(l0, "loadings"), 1);
    assert_string_equal(json_string_value(json_object_get(ld, "field")), "a");
    assert_true(json_number_value(json_object_get(ld, "loading")) == -0.70);
    assert_int_equal(json_integer_value(json_object_get(root, "dof")), 9);
    json_t *p0 = json_array_get(json_object_get(root, "correlations"), 0);
    assert_string_equal(json_string_value(json_object_get(p0, "a")), "a");
    assert_string_equal(json_string_value(json_object_get(p0, "b")), "b");
    assert_true(json_number_value(json_object_get(p0, "current")) == 0.01);
    json_decref(root);

    base(&e, DD_EVENT_RESOLVED);
    e.severity = DD_SEVERITY_NONE;
    e.resolved = (dd_event_resolved_t){.resolves = DD_EVENT_DRIFT, .raised_at_ms = 1714564200250,
                                       .severity = DD_SEVERITY_CRITICAL,
                                       .statistic = "wasserstein", .value = 0.02, .threshold = 0.1};
    root = parse(&e);
    check_common(root, "resolved");
    static const char *const resolved_keys[] = {"resolves", "resolves_severity", "raised_at",
                                                "duration_ms", "statistic", "value", "threshold",
                                                NULL};
    has_all(root, resolved_keys);
    assert_string_equal(json_string_value(json_object_get(root, "key")), "sidecar-1/features/price");
    assert_string_equal(json_string_value(json_object_get(root, "resolves")), "drift");
    assert_string_equal(json_string_value(json_object_get(root, "resolves_severity")), "critical");
    assert_string_equal(json_string_value(json_object_get(root, "summary")),
                        "features/price drift resolved (was critical) after 10m");
    assert_string_equal(json_string_value(json_object_get(root, "severity")), "info");
    assert_int_equal(json_integer_value(json_object_get(root, "duration_ms")), 600000);
    json_decref(root);
}

/* A stream with keys: a "keys" object (null for a null value), and a compaction key per key with
 * separators inside names and values encoded; events of two keys have distinct ids. */
static void test_keys(void **state) {
    (void)state;
    dd_event_t e;
    base(&e, DD_EVENT_DRIFT);
    e.drift.kind = "numeric";
    e.drift.statistic = "psi";
    static const char *const names[] = {"model_version", "seg"};
    const char *values[] = {"v2,{x=1}", NULL};
    e.key_names = names;
    e.key_values = values;
    e.n_keys = 2;
    json_t *root = parse(&e);
    check_common(root, "drift");
    json_t *keys = json_object_get(root, "keys");
    assert_true(json_is_object(keys));
    assert_int_equal(json_object_size(keys), 2);
    assert_string_equal(json_string_value(json_object_get(keys, "model_version")), "v2,{x=1}");
    assert_true(json_is_null(json_object_get(keys, "seg")));
    assert_string_equal(json_string_value(json_object_get(root, "key")),
                        "sidecar-1/features{model_version=v2%2C%7Bx%3D1%7D,seg}/price");
    assert_string_equal(json_string_value(json_object_get(root, "stream")), "features");
    char id_a[DD_EVENT_ID_SIZE], id_b[DD_EVENT_ID_SIZE];
    dd_event_make_id(&e, id_a);
    values[0] = "v3";
    dd_event_make_id(&e, id_b);
    assert_string_not_equal(id_a, id_b);
    json_decref(root);
    /* without keys: no "keys" member */
    base(&e, DD_EVENT_DRIFT);
    e.drift.kind = "numeric";
    e.drift.statistic = "psi";
    root = parse(&e);
    assert_null(json_object_get(root, "keys"));
    json_decref(root);
}

static void test_escaping_and_non_finite(void **state) {
    (void)state;
    dd_event_t e;
    base(&e, DD_EVENT_DRIFT);
    e.stream = "a/b%c";
    e.field = "we\"ird\\\n\x01 \xff name/x";
    e.instance = "host 1";
    e.drift.kind = "numeric";
    e.drift.statistic = "psi";
    e.drift.value = INFINITY;
    e.drift.bound = NAN;
    e.drift.threshold = -INFINITY;
    json_t *root = parse(&e);
    assert_string_equal(json_string_value(json_object_get(root, "field")),
                        "we\"ird\\\n\x01 \xef\xbf\xbd name/x");
    assert_string_equal(json_string_value(json_object_get(root, "key")),
                        "host 1/a%2Fb%25c/we\"ird\\\n\x01 \xef\xbf\xbd name%2Fx");
    char key[256];
    dd_event_key(&e, key, sizeof(key));
    assert_non_null(strstr(key, "a%2Fb%25c/"));
    assert_non_null(strstr(key, "name%2Fx"));
    assert_string_equal(json_string_value(json_object_get(root, "source")),
                        "driftd/host%201/a%2Fb%25c");
    assert_true(json_is_null(json_object_get(root, "value")));
    assert_true(json_is_null(json_object_get(root, "bound")));
    assert_true(json_is_null(json_object_get(root, "threshold")));
    json_decref(root);

    /* Numbers read back exactly, in their shortest form. */
    dd_json_buf_t b;
    char text[64];
    dd_json_buf_init(&b, text, sizeof(text));
    dd_json_buf_number(&b, 0.1);
    dd_json_buf_raw(&b, " ", 1);
    dd_json_buf_number(&b, 1e-300);
    dd_json_buf_raw(&b, " ", 1);
    dd_json_buf_number(&b, 5e-324);
    dd_json_buf_finish(&b);
    assert_memory_equal(text, "0.1 1e-300 ", 11);
    assert_true(strtod(text + 11, NULL) == 5e-324);

    /* Too small a buffer: a NUL-terminated prefix, and the length the whole text needs. */
    base(&e, DD_EVENT_DRIFT);
    e.drift.kind = "numeric";
    e.drift.statistic = "ks";
    const size_t need = dd_event_format(&e, NULL, 0);
    char small[16];
    memset(small, 'x', sizeof(small));
    assert_int_equal(dd_event_format(&e, small, sizeof(small)), need);
    assert_int_equal(strlen(small), sizeof(small) - 1);
    assert_memory_equal(small, "{\"version\":3,\"t", 15);
}

static void test_ids_and_time(void **state) {
    (void)state;
    dd_event_t e;
    base(&e, DD_EVENT_DRIFT);
    char a[DD_EVENT_ID_SIZE], b[DD_EVENT_ID_SIZE];
    dd_event_make_id(&e, a);
    dd_event_make_id(&e, b);
    assert_string_equal(a, b);
    /* About a window: the window names it, not the clock or the evaluation counter (the same
     * evaluation made again after a restart gives the same id). */
    e.sequence++;
    e.time_ms += 5000;
    dd_event_make_id(&e, b);
    assert_string_equal(a, b);
    e.window_end_ms++;
    dd_event_make_id(&e, b);
    assert_string_not_equal(a, b);
    e.window_end_ms--;
    e.window_start_ms--;
    dd_event_make_id(&e, b);
    assert_string_not_equal(a, b);
    e.window_start_ms++;
    e.field = "other";
    dd_event_make_id(&e, b);
    assert_string_not_equal(a, b);
    e.field = "price";
    e.type = DD_EVENT_RESOLVED;
    dd_event_make_id(&e, b);
    assert_string_not_equal(a, b);
    e.type = DD_EVENT_DRIFT;
    /* Without a window: its time and evaluation counter. */
    e.window_start_ms = e.window_end_ms = 0;
    dd_event_make_id(&e, a);
    e.sequence++;
    dd_event_make_id(&e, b);
    assert_string_not_equal(a, b);
    e.sequence--;
    e.time_ms++;
    dd_event_make_id(&e, b);
    assert_string_not_equal(a, b);
    /* A given id is used as it is. */
    e.id = "my-id";
    json_t *root = parse(&e);
    assert_string_equal(json_string_value(json_object_get(root, "id")), "my-id");
    json_decref(root);

    char t[DD_EVENT_TIME_SIZE];
    dd_event_format_time(0, t);
    assert_string_equal(t, "1970-01-01T00:00:00.000Z");
    dd_event_format_time(-1, t);
    assert_string_equal(t, "1969-12-31T23:59:59.999Z");
    dd_event_format_time(951782400123, t);
    assert_string_equal(t, "2000-02-29T00:00:00.123Z");
}

static void test_headers_and_write(void **state) {
    (void)state;
    dd_event_t e;
    base(&e, DD_EVENT_QUALITY);
    e.condition = "null_rate";
    e.instance = "pod a";
    dd_event_headers_t h;
    assert_int_equal(dd_event_headers(&e, &h), 0);
    assert_int_equal(h.n, 6);
    static const char *const names[] = {"ce_specversion", "ce_type", "ce_source", "ce_id",
                                        "ce_time", "content-type"};
    for (size_t i = 0; i < 6; i++)
        assert_string_equal(h.h[i].name, names[i]);
    assert_string_equal(h.h[0].value, "1.0");
    assert_string_equal(h.h[1].value, "io.driftd.quality.v3");
    assert_string_equal(h.h[2].value, "driftd/pod%20a/features");
    assert_string_equal(h.h[4].value, "2024-05-01T12:00:00.250Z");
    assert_string_equal(h.h[5].value, "application/json");
    json_t *root = parse(&e);
    assert_string_equal(h.h[3].value, json_string_value(json_object_get(root, "id")));
    json_decref(root);
    char long_name[2000];
    memset(long_name, 'a', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    e.stream = long_name;
    assert_int_equal(dd_event_headers(&e, &h), -1);
    assert_int_equal(h.n, 0);

    /* One line on a stream; a long event goes through the heap path. */
    e.stream = "features";
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(dd_event_write(f, &e), 0);
    e.field = long_name;
    assert_int_equal(dd_event_write(f, &e), 0);
    rewind(f);
    char line[8192];
    assert_non_null(fgets(line, sizeof(line), f));
    assert_true(line[strlen(line) - 1] == '\n');
    json_error_t err;
    json_t *one = json_loads(line, 0, &err);
    assert_non_null(one);
    json_decref(one);
    assert_non_null(fgets(line, sizeof(line), f));
    one = json_loads(line, 0, &err);
    assert_non_null(one);
    assert_int_equal(strlen(json_string_value(json_object_get(one, "field"))), sizeof(long_name) - 1);
    json_decref(one);
    fclose(f);
}

static void test_fill_from_judgement(void **state) {
    (void)state;
    dd_field_spec_t spec = {.kind = DD_FIELD_NUMERIC};
    dd_sketch_set_t *ref, *cur;
    assert_int_equal(dd_sketch_set_new(&spec, 1, 1, &ref), DD_SKETCH_OK);
    assert_int_equal(dd_sketch_set_new(&spec, 1, 2, &cur), DD_SKETCH_OK);
    double v[3000];
    for (size_t i = 0; i < 3000; i++)
        v[i] = (double)(i % 100);
    dd_sketch_set_update_numeric(ref, 0, v, NULL, 3000);
    for (size_t i = 0; i < 3000; i++)
        v[i] = (double)(i % 100) + 40;
    dd_sketch_set_update_numeric(cur, 0, v, NULL, 3000);
    dd_field_judgement_t j;
    assert_int_equal(dd_judge_field(ref, cur, 0, NULL, &j), DD_JUDGE_OK);
    assert_true(j.drift);
    dd_event_t e;
    base(&e, DD_EVENT_DRIFT);
    dd_event_moved_t moved[DD_JUDGE_MOVED_MAX];
    assert_int_equal(j.verdict.severity, DD_SEVERITY_CRITICAL);
    dd_event_fill_drift(&e, &j, j.verdict.severity, moved);
    json_t *root = parse(&e);
    assert_string_equal(json_string_value(json_object_get(root, "statistic")), "wasserstein");
    assert_string_equal(json_string_value(json_object_get(root, "kind")), "numeric");
    assert_string_equal(json_string_value(json_object_get(root, "severity")), "critical");
    assert_true(json_real_value(json_object_get(root, "value")) == j.value);
    assert_true(json_real_value(json_object_get(root, "threshold")) == j.verdict.warning_floor);
    assert_true(json_real_value(json_object_get(root, "guard_p_value")) == j.verdict.p_value);
    assert_true(json_array_size(json_object_get(root, "moved")) == j.n_moved && j.n_moved > 0);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(root, "samples"), "current")), 3000);
    check_verdict(root, &j.verdict, NULL);
    assert_non_null(json_string_value(json_object_get(root, "test")));
    assert_non_null(strstr(json_string_value(json_object_get(root, "reason")), "drift (critical)"));
    json_decref(root);
    e.drift.verdict.length = "recent";
    root = parse(&e);
    check_verdict(root, &j.verdict, "recent");
    json_decref(root);

    /* A quality event from the same judgement: 40% nulls in a window against none. */
    dd_sketch_set_t *nullish;
    assert_int_equal(dd_sketch_set_new(&spec, 1, 3, &nullish), DD_SKETCH_OK);
    uint8_t bits[3000 / 8];
    for (size_t i = 0; i < sizeof bits; i++)
        bits[i] = 0x0F; /* half of each byte: 4 of 8 */
    for (size_t i = 0; i < 3000; i++)
        v[i] = (double)(i % 100);
    dd_sketch_set_update_numeric(nullish, 0, v, bits, 3000);
    assert_int_equal(dd_judge_field(ref, nullish, 0, NULL, &j), DD_JUDGE_OK);
    assert_true(j.null_rate.breach);
    base(&e, DD_EVENT_QUALITY);
    e.condition = "null_rate";
    dd_event_fill_quality(&e, "null_rate", &j.null_rate, j.null_rate.verdict.severity);
    root = parse(&e);
    check_verdict(root, &j.null_rate.verdict, NULL);
    assert_string_equal(json_string_value(json_object_get(root, "test")), "fisher");
    assert_true(json_real_value(json_object_get(root, "current_rate")) == 0.5);
    json_decref(root);
    dd_sketch_set_destroy(nullish);
    dd_sketch_set_destroy(ref);
    dd_sketch_set_destroy(cur);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_drift),
        cmocka_unit_test(test_other_types),
        cmocka_unit_test(test_escaping_and_non_finite),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_ids_and_time),
        cmocka_unit_test(test_headers_and_write),
        cmocka_unit_test(test_fill_from_judgement),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
