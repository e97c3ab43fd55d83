/* test_hysteresis.c — alert state per condition (engine/judge/hysteresis.c).
 *
 * - a run of breaches raises exactly once, after raise_after of them, however long it lasts;
 * - a run of clean evaluations resolves exactly once, after clear_after of them;
 * - a value flapping around its threshold neither raises (raise_after > 1) nor, once raised,
 *   resolves and re-raises (clear_after > 1);
 * - evaluations that could not judge break a run of breaches and do not count towards clearing;
 * - a muted condition never raises, and one muted while raised still resolves once;
 * - severity: warning past the threshold, critical past it by the configured factor, none for
 *   NaN; a raised alert keeps the highest severity seen. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "hysteresis.h"

/* Feeds a sequence written as a string: B breach, C clean, U unknown; counts the transitions. */
static void feed(dd_alert_state_t *s, const dd_hysteresis_options_t *o, const char *seq, int muted,
                 int *raised, int *resolved) {
    *raised = *resolved = 0;
    for (const char *p = seq; *p; p++) {
        const dd_observation_t obs = *p == 'B' ? DD_OBSERVE_BREACH
                                     : *p == 'C' ? DD_OBSERVE_CLEAN
                                                 : DD_OBSERVE_UNKNOWN;
        const dd_transition_t t = dd_alert_step(s, o, obs, DD_SEVERITY_WARNING, muted, p - seq);
        *raised += t == DD_TRANSITION_RAISED;
        *resolved += t == DD_TRANSITION_RESOLVED;
    }
}

static void test_raise_once_resolve_once(void **state) {
    (void)state;
    dd_hysteresis_options_t o = {.raise_after = 2, .clear_after = 3};
    dd_alert_state_t s;
    memset(&s, 0, sizeof(s));
    assert_int_equal(dd_alert_step(&s, &o, DD_OBSERVE_BREACH, DD_SEVERITY_WARNING, 0, 1),
                     DD_TRANSITION_NONE);
    assert_int_equal(dd_alert_step(&s, &o, DD_OBSERVE_BREACH, DD_SEVERITY_WARNING, 0, 2),
                     DD_TRANSITION_RAISED);
    assert_true(s.raised && s.raised_at_ms == 2);
    int raised, resolved;
    feed(&s, &o, "BBBBBBBBBB", 0, &raised, &resolved);
    assert_int_equal(raised, 0);
    assert_int_equal(dd_alert_step(&s, &o, DD_OBSERVE_CLEAN, DD_SEVERITY_NONE, 0, 3),
                     DD_TRANSITION_NONE);
    assert_int_equal(dd_alert_step(&s, &o, DD_OBSERVE_CLEAN, DD_SEVERITY_NONE, 0, 4),
                     DD_TRANSITION_NONE);
    assert_int_equal(dd_alert_step(&s, &o, DD_OBSERVE_CLEAN, DD_SEVERITY_NONE, 0, 5),
                     DD_TRANSITION_RESOLVED);
    assert_false(s.raised);
    feed(&s, &o, "CCCCCCCC", 0, &raised, &resolved);
    assert_int_equal(resolved, 0);
    assert_int_equal(s.raises, 1);
}

static void test_defaults(void **state) {
    (void)state;
    dd_alert_state_t s;
    memset(&s, 0, sizeof(s));
    int raised, resolved;
    /* raise_after 1, clear_after 3 */
    feed(&s, NULL, "CCBBBCCBCCCCC", 0, &raised, &resolved);
    assert_int_equal(raised, 1);
    assert_int_equal(resolved, 1);
}

static void test_flapping(void **state) {
    (void)state;
    dd_hysteresis_options_t o = {.raise_after = 2, .clear_after = 3};
    dd_alert_state_t s;
    memset(&s, 0, sizeof(s));
    int raised, resolved;
    feed(&s, &o, "BCBCBCBCBCBCBCBC", 0, &raised, &resolved);
    assert_int_equal(raised, 0); /* never two breaches in a row */
    /* Raised, then flapping: no resolve and re-raise until three clean in a row. */
    feed(&s, &o, "BBCBCCBCCBCBCC", 0, &raised, &resolved);
    assert_int_equal(raised, 1);
    assert_int_equal(resolved, 0);
    feed(&s, &o, "CCC", 0, &raised, &resolved);
    assert_int_equal(resolved, 1);
}

static void test_unknown(void **state) {
    (void)state;
    dd_hysteresis_options_t o = {.raise_after = 2, .clear_after = 2};
    dd_alert_state_t s;
    memset(&s, 0, sizeof(s));
    int raised, resolved;
    feed(&s, &o, "BUBUBU", 0, &raised, &resolved);
    assert_int_equal(raised, 0); /* an unjudged evaluation breaks the run */
    feed(&s, &o, "BB", 0, &raised, &resolved);
    assert_int_equal(raised, 1);
    feed(&s, &o, "CUUUU", 0, &raised, &resolved);
    assert_int_equal(resolved, 0); /* unknowns do not count towards clearing ... */
    feed(&s, &o, "C", 0, &raised, &resolved);
    assert_int_equal(resolved, 1); /* ... nor reset the clean run */
}

static void test_mutes(void **state) {
    (void)state;
    dd_hysteresis_options_t o = {.raise_after = 1, .clear_after = 2};
    dd_alert_state_t s;
    memset(&s, 0, sizeof(s));
    int raised, resolved;
    feed(&s, &o, "BBBBCCBBBB", 1, &raised, &resolved);
    assert_int_equal(raised, 0);
    assert_int_equal(resolved, 0);
    assert_false(s.raised);
    /* Raised before the mute: it resolves once when it clears, and then stays quiet. */
    feed(&s, &o, "B", 0, &raised, &resolved);
    assert_int_equal(raised, 1);
    feed(&s, &o, "BBCCBBB", 1, &raised, &resolved);
    assert_int_equal(raised, 0);
    assert_int_equal(resolved, 1);
}

static void test_severity(void **state) {
    (void)state;
    assert_int_equal(dd_severity_of(0, 0.05, 0.1, NULL), DD_SEVERITY_NONE);
    assert_int_equal(dd_severity_of(0, 0.1, 0.1, NULL), DD_SEVERITY_WARNING);
    assert_int_equal(dd_severity_of(0, 0.19, 0.1, NULL), DD_SEVERITY_WARNING);
    assert_int_equal(dd_severity_of(0, 0.2, 0.1, NULL), DD_SEVERITY_CRITICAL);
    assert_int_equal(dd_severity_of(1, 0.05, 0.05, NULL), DD_SEVERITY_NONE);
    assert_int_equal(dd_severity_of(1, 0.01, 0.05, NULL), DD_SEVERITY_WARNING);
    assert_int_equal(dd_severity_of(1, 4e-5, 0.05, NULL), DD_SEVERITY_CRITICAL);
    assert_int_equal(dd_severity_of(1, 0.0, 0.05, NULL), DD_SEVERITY_CRITICAL);
    assert_int_equal(dd_severity_of(1, NAN, 0.05, NULL), DD_SEVERITY_NONE);
    assert_int_equal(dd_severity_of(0, NAN, 0.1, NULL), DD_SEVERITY_NONE);
    dd_severity_options_t so = {.critical_factor = 1.5, .critical_p_factor = 10};
    assert_int_equal(dd_severity_of(0, 0.16, 0.1, &so), DD_SEVERITY_CRITICAL);
    assert_int_equal(dd_severity_of(1, 0.004, 0.05, &so), DD_SEVERITY_CRITICAL);
    assert_string_equal(dd_severity_name(DD_SEVERITY_CRITICAL), "critical");
    assert_string_equal(dd_severity_name(DD_SEVERITY_WARNING), "warning");
    assert_string_equal(dd_severity_name(DD_SEVERITY_NONE), "none");

    dd_alert_state_t s;
    memset(&s, 0, sizeof(s));
    dd_alert_step(&s, NULL, DD_OBSERVE_BREACH, DD_SEVERITY_WARNING, 0, 1);
    dd_alert_step(&s, NULL, DD_OBSERVE_BREACH, DD_SEVERITY_CRITICAL, 0, 2);
    dd_alert_step(&s, NULL, DD_OBSERVE_BREACH, DD_SEVERITY_WARNING, 0, 3);
    assert_int_equal(s.severity, DD_SEVERITY_CRITICAL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_raise_once_resolve_once),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_flapping),
        cmocka_unit_test(test_unknown),
        cmocka_unit_test(test_mutes),
        cmocka_unit_test(test_severity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
