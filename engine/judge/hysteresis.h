/* hysteresis.h — public header of engine/judge/: when a judged condition becomes an alert, and how
 * severe.
 *
 * One dd_alert_state_t per (stream, field, condition), owned by the caller (a plain value: zero it
 * to start). Each evaluation feeds it one observation; it answers with a transition so that every
 * raise is emitted once and exactly one resolved event follows it:
 *
 *   CLEAN ─(raise_after consecutive breaches)→ RAISED ─(clear_after consecutive clean)→ CLEAN
 *
 * An evaluation that could not judge (too few values) is neither: it breaks a run of breaches and
 * does not count towards clearing. A muted condition never raises; if it was already raised when
 * the mute began, it still resolves when it clears, so the latest state on the compacted alerts
 * topic is never a stale "raised". Pure functions: no I/O, no global state. */
#ifndef DRIFTD_ENGINE_HYSTERESIS_H
#define DRIFTD_ENGINE_HYSTERESIS_H

#include <stdint.h>

typedef enum dd_severity {
    DD_SEVERITY_NONE = 0,
    DD_SEVERITY_WARNING = 1,
    DD_SEVERITY_CRITICAL = 2,
} dd_severity_t;

/* "none", "warning", "critical". */
const char *dd_severity_name(dd_severity_t s);

/* Severity of a breach. Distances and rises (value ≥ threshold): critical when the conservative
 * value is at least critical_factor × threshold. p-values (value < threshold): critical when the
 * conservative p-value is at most threshold / critical_p_factor. Otherwise warning. */
typedef struct dd_severity_options {
    double critical_factor;   /* default 2 */
    double critical_p_factor; /* default 1000 */
} dd_severity_options_t;

#define DD_SEVERITY_CRITICAL_FACTOR_DEFAULT 2.0
#define DD_SEVERITY_CRITICAL_P_FACTOR_DEFAULT 1000.0

void dd_severity_options_init(dd_severity_options_t *o);

/* The severity of a breaching value; DD_SEVERITY_NONE when it does not breach. NaN never
 * breaches. `o` NULL means the defaults. */
dd_severity_t dd_severity_of(int is_p_value, double value_conservative, double threshold,
                             const dd_severity_options_t *o);

typedef enum dd_observation {
    DD_OBSERVE_CLEAN = 0,
    DD_OBSERVE_BREACH = 1,
    DD_OBSERVE_UNKNOWN = 2, /* not judged this time */
} dd_observation_t;

typedef enum dd_transition {
    DD_TRANSITION_NONE = 0,
    DD_TRANSITION_RAISED = 1,   /* emit the condition's event */
    DD_TRANSITION_RESOLVED = 2, /* emit a resolved event */
} dd_transition_t;

typedef struct dd_hysteresis_options {
    uint32_t raise_after; /* consecutive breaching evaluations to raise (default 1; 0 = 1) */
    uint32_t clear_after; /* consecutive clean evaluations to resolve (default 3; 0 = 1) */
} dd_hysteresis_options_t;

#define DD_HYSTERESIS_RAISE_AFTER_DEFAULT 1u
#define DD_HYSTERESIS_CLEAR_AFTER_DEFAULT 3u

void dd_hysteresis_options_init(dd_hysteresis_options_t *o);

typedef struct dd_alert_state {
    int raised;
    uint32_t breach_run;     /* consecutive breaches so far */
    uint32_t clean_run;      /* consecutive clean evaluations while raised */
    dd_severity_t severity;  /* while raised: the highest severity seen since the raise */
    int64_t raised_at_ms;    /* time of the raise (as given to dd_alert_step) */
    uint64_t raises;         /* raises over the state's life */
    dd_severity_t resolved_severity; /* the severity the latest resolve cleared (not kept in
                                        checkpoints: read right after the transition) */
} dd_alert_state_t;

/* Feeds one evaluation. `severity` is that of this evaluation's breach (ignored unless obs is
 * BREACH). `o` NULL means the defaults. */
dd_transition_t dd_alert_step(dd_alert_state_t *s, const dd_hysteresis_options_t *o,
                              dd_observation_t obs, dd_severity_t severity, int muted,
                              int64_t now_ms);

#endif /* DRIFTD_ENGINE_HYSTERESIS_H */
