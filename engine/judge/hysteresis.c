/* hysteresis.c — alert state per condition: raise after a run of breaches, clear after a run of
 * clean evaluations, so a value hovering at its threshold raises once instead of flapping. */
#include "hysteresis.h"

#include <math.h>
#include <stddef.h>

const char *dd_severity_name(dd_severity_t s) {
    switch (s) {
    case DD_SEVERITY_WARNING:
        return "warning";
    case DD_SEVERITY_CRITICAL:
        return "critical";
    case DD_SEVERITY_NONE:
        break;
    }
    return "none";
}

void dd_severity_options_init(dd_severity_options_t *o) {
    o->critical_factor = DD_SEVERITY_CRITICAL_FACTOR_DEFAULT;
    o->critical_p_factor = DD_SEVERITY_CRITICAL_P_FACTOR_DEFAULT;
}

dd_severity_t dd_severity_of(int is_p_value, double value_conservative, double threshold,
                             const dd_severity_options_t *o) {
    dd_severity_options_t def;
    if (o == NULL) {
        dd_severity_options_init(&def);
        o = &def;
    }
    if (isnan(value_conservative) || isnan(threshold))
        return DD_SEVERITY_NONE;
    if (is_p_value) {
        if (!(value_conservative < threshold))
            return DD_SEVERITY_NONE;
        return value_conservative <= threshold / o->critical_p_factor ? DD_SEVERITY_CRITICAL
                                                                      : DD_SEVERITY_WARNING;
    }
    if (!(value_conservative >= threshold))
        return DD_SEVERITY_NONE;
    return value_conservative >= threshold * o->critical_factor ? DD_SEVERITY_CRITICAL
                                                                : DD_SEVERITY_WARNING;
}

void dd_hysteresis_options_init(dd_hysteresis_options_t *o) {
    o->raise_after = DD_HYSTERESIS_RAISE_AFTER_DEFAULT;
    o->clear_after = DD_HYSTERESIS_CLEAR_AFTER_DEFAULT;
}

dd_transition_t dd_alert_step(dd_alert_state_t *s, const dd_hysteresis_options_t *o,
                              dd_observation_t obs, dd_severity_t severity, int muted,
                              int64_t now_ms) {
    dd_hysteresis_options_t def;
    if (o == NULL) {
        dd_hysteresis_options_init(&def);
        o = &def;
    }
    const uint32_t raise_after = o->raise_after ? o->raise_after : 1;
    const uint32_t clear_after = o->clear_after ? o->clear_after : 1;
    switch (obs) {
    case DD_OBSERVE_BREACH:
        if (s->breach_run < UINT32_MAX)
            s->breach_run++;
        s->clean_run = 0;
        if (s->raised) {
            if (severity > s->severity)
                s->severity = severity;
            return DD_TRANSITION_NONE;
        }
        if (muted || s->breach_run < raise_after)
            return DD_TRANSITION_NONE;
        s->raised = 1;
        s->severity = severity > DD_SEVERITY_NONE ? severity : DD_SEVERITY_WARNING;
        s->raised_at_ms = now_ms;
        s->raises++;
        return DD_TRANSITION_RAISED;
    case DD_OBSERVE_CLEAN:
        s->breach_run = 0;
        if (!s->raised)
            return DD_TRANSITION_NONE;
        if (s->clean_run < UINT32_MAX)
            s->clean_run++;
        if (s->clean_run < clear_after)
            return DD_TRANSITION_NONE;
        s->raised = 0;
        s->clean_run = 0;
        s->resolved_severity = s->severity;
        s->severity = DD_SEVERITY_NONE;
        return DD_TRANSITION_RESOLVED;
    case DD_OBSERVE_UNKNOWN:
        s->breach_run = 0;
        return DD_TRANSITION_NONE;
    }
    return DD_TRANSITION_NONE;
}
