/* run_mv.c — a stream's numeric fields judged together: the joint summaries the panes keep, the
 * reference's principal components, and the test of the window's mean reconstruction error
 * against the reference's (docs/multivariate.md; the model is engine/judge/multivariate.c's,
 * the one `driftd compare` uses).
 *
 * The test. Every pane's mean error is an average of its rows' errors, so the spread of the pane
 * means around the window's mean estimates the variance of one row's error (the batch means
 * estimator: a row's error has every distribution the data give it, heavy-tailed ones too, and
 * rows correlated within a pane widen the spread as they should). With P panes holding rows,
 * v = Σ n_p (e_p − ē)² / (P − 1), and t = (ē − e_ref) / √(v (1/n + 2/n_ref)) is compared with
 * Student's t on P − 1 degrees of freedom (2/n_ref: a reference row is scored by one fit, a
 * window row by the mean of two, whose variance is at least half a single one's). The reference's and the window's errors are both of
 * rows their fit has not seen: the reference's halves are fitted apart and each scores the
 * other's rows, and the window's rows are scored by both fits (the mean of the two). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "multivariate.h"
#include "run_int.h"

const char *const run_mv_condition = "multivariate";

typedef struct run_mv {
    size_t d;
    /* the fits of the reference's two halves and of the whole, for the reference `fitted_for`
     * (NULL: none yet); generation counts the fits, so pane errors of an older fit are not
     * mixed with a newer one's */
    const dd_sketch_set_t *fitted_for;
    int fitted;
    uint64_t generation;
    dd_mv_model_t half[2], whole;
    dd_joint_t *reference_whole; /* the reference's halves merged, for the explanation */
    double error_reference;
    uint64_t rows_reference;
    int warned; /* the reference cannot be fitted: said once */
    /* the latest merge's panes (worker thread while a merge is in flight) */
    const dd_sketch_set_t **panes;
    double *pane_error;
    uint64_t *pane_rows;
    size_t n_panes, cap_panes;
    uint64_t panes_generation;
    /* the names of the joint fields, for events */
    const char **names;
} run_mv_t;

int run_mv_prepare(run_t *r, run_stream_t *s, char *errstr, size_t errstr_size) {
    size_t numeric = 0;
    for (size_t i = 0; i < s->n_fields; i++)
        numeric += s->kinds[i] == DD_FIELD_NUMERIC;
    const dd_config_stream_t *cfg = s->cfg;
    s->mv_fields = 0;
    s->mv_ratio = s->mv_p_value = NAN;
    for (size_t i = 0; i < s->n_fields; i++)
        s->specs[i].joint = 0;
    if (!cfg->mv_enabled || numeric < 2)
        return 0;
    if (numeric > cfg->mv_max_fields) {
        run_log(&r->log, DD_CONFIG_LOG_INFO,
                "stream %s: %zu numeric fields, more than multivariate.max_fields (%u): they are "
                "not judged together",
                cfg->name, numeric, (unsigned)cfg->mv_max_fields);
        return 0;
    }
    s->mv_numbers = calloc(s->n_fields, sizeof(*s->mv_numbers));
    s->mv_nulls = calloc(s->n_fields, sizeof(*s->mv_nulls));
    if (s->mv_numbers == NULL || s->mv_nulls == NULL) {
        snprintf(errstr, errstr_size, "stream %s: out of memory", cfg->name);
        return -1;
    }
    for (size_t i = 0; i < s->n_fields; i++)
        s->specs[i].joint = s->kinds[i] == DD_FIELD_NUMERIC;
    s->mv_fields = numeric;
    return 0;
}

void run_mv_add(run_stream_t *s, dd_sketch_set_t *set, const dd_column_batch_t *b, size_t n) {
    if (s->mv_fields == 0)
        return;
    run_stream_t *owner = s->parent != NULL ? s->parent : s;
    for (size_t i = 0; i < s->n_fields; i++) {
        owner->mv_numbers[i] = b->columns[i].numbers;
        owner->mv_nulls[i] = b->columns[i].nulls;
    }
    (void)dd_sketch_set_update_joint(set, owner->mv_numbers, owner->mv_nulls, n);
}

int run_mv_ready(run_stream_t *s) {
    if (s->mv_fields == 0 || s->mv != NULL)
        return 0;
    s->mv_ratio = s->mv_p_value = NAN;
    run_mv_t *m = calloc(1, sizeof(*m));
    if (m == NULL)
        return -1;
    m->d = s->mv_fields;
    m->cap_panes = s->ring_panes;
    m->panes = calloc(m->cap_panes ? m->cap_panes : 1, sizeof(*m->panes));
    m->pane_error = calloc(m->cap_panes ? m->cap_panes : 1, sizeof(double));
    m->pane_rows = calloc(m->cap_panes ? m->cap_panes : 1, sizeof(uint64_t));
    m->names = calloc(m->d, sizeof(*m->names));
    if (m->panes == NULL || m->pane_error == NULL || m->pane_rows == NULL || m->names == NULL) {
        free(m->panes);
        free(m->pane_error);
        free(m->pane_rows);
        free(m->names);
        free(m);
        return -1;
    }
    for (size_t i = 0, j = 0; i < s->n_fields; i++)
        if (s->specs[i].joint)
            m->names[j++] = s->paths[i];
    s->mv = m;
    return 0;
}

void run_mv_free(run_stream_t *s) {
    if (s->parent == NULL) {
        free(s->mv_numbers);
        free(s->mv_nulls);
    }
    s->mv_numbers = NULL;
    s->mv_nulls = NULL;
    run_mv_t *m = s->mv;
    if (m == NULL)
        return;
    for (int h = 0; h < 2; h++)
        dd_mv_model_free(&m->half[h]);
    dd_mv_model_free(&m->whole);
    dd_joint_destroy(m->reference_whole);
    free(m->panes);
    free(m->pane_error);
    free(m->pane_rows);
    free(m->names);
    free(m);
    s->mv = NULL;
}

void run_mv_reference_changed(run_stream_t *s) {
    if (s->mv != NULL)
        s->mv->fitted_for = NULL; /* a new set can have the old one's address */
}

/* The mean error of a set's rows neither fit of the reference has seen. */
static double unseen_error(const run_mv_t *m, const dd_sketch_set_t *set, uint64_t *rows) {
    return dd_mv_unseen_error(m->half, dd_sketch_set_joint(set, 0), dd_sketch_set_joint(set, 1),
                              rows);
}

void run_mv_panes(run_stream_t *s, int64_t from_ms, int64_t to_ms) {
    run_mv_t *m = s->mv;
    if (m == NULL || !m->fitted)
        return;
    if (from_ms == INT64_MIN && to_ms == INT64_MAX) {
        from_ms = dd_window_start_ms(s->window);
        to_ms = dd_window_end_ms(s->window);
    }
    m->n_panes = dd_window_panes_range(s->window, from_ms, to_ms, m->panes, m->cap_panes);
    for (size_t i = 0; i < m->n_panes; i++)
        m->pane_error[i] = unseen_error(m, m->panes[i], &m->pane_rows[i]);
    m->panes_generation = m->generation;
}

/* Fits the reference's halves and the whole; 0, or 1 when it cannot be (said once). */
static int refit(run_t *r, run_stream_t *s) {
    run_mv_t *m = s->mv;
    for (int h = 0; h < 2; h++)
        dd_mv_model_free(&m->half[h]);
    dd_mv_model_free(&m->whole);
    dd_joint_destroy(m->reference_whole);
    m->reference_whole = NULL;
    m->fitted = 0;
    m->fitted_for = s->reference;
    m->generation++;
    const dd_sketch_set_t *ref = s->reference;
    const dd_joint_t *h0 = dd_sketch_set_joint(ref, 0), *h1 = dd_sketch_set_joint(ref, 1);
    const char *why = NULL;
    int rc = 1;
    if (h0 == NULL || h1 == NULL || dd_joint_fields(h0) != m->d) {
        why = "the reference has no joint summary of the numeric fields (a snapshot or state "
              "file made before multivariate, or with other fields)";
    } else {
        const uint64_t need = m->d * DD_MV_MIN_REFERENCE_ROWS_PER_FIELD > 100
                                  ? m->d * DD_MV_MIN_REFERENCE_ROWS_PER_FIELD
                                  : 100;
        const uint64_t n0 = dd_joint_count(h0), n1 = dd_joint_count(h1);
        if (n0 + n1 < need) {
            why = "the reference has too few rows holding every numeric field";
        } else if (dd_joint_new_like(h0, &m->reference_whole) != DD_SKETCH_OK ||
                   dd_joint_merge(m->reference_whole, h0) != DD_SKETCH_OK ||
                   dd_joint_merge(m->reference_whole, h1) != DD_SKETCH_OK) {
            why = "out of memory";
        } else {
            const double share = s->cfg->mv_variance;
            int f = dd_mv_fit(h0, share, &m->half[0], &why);
            if (f == 0)
                f = dd_mv_fit(h1, share, &m->half[1], &why);
            if (f == 0)
                f = dd_mv_fit(m->reference_whole, share, &m->whole, &why);
            if (f < 0)
                why = "out of memory";
            if (f == 0) {
                /* each half's rows scored by the other half's fit */
                m->error_reference = dd_mv_reference_error(m->half, h0, h1, &m->rows_reference);
                m->fitted = isfinite(m->error_reference);
                rc = m->fitted ? 0 : 1;
                if (rc != 0)
                    why = "a half of the reference has no complete row";
            }
        }
    }
    if (rc != 0 && !m->warned) {
        run_log(&r->log, DD_CONFIG_LOG_WARN,
                "stream %s: the numeric fields are not judged together against this reference: "
                "%s",
                s->name, why != NULL ? why : "it cannot be fitted");
        m->warned = 1;
    }
    return rc;
}

void run_mv_evaluate(run_t *r, run_stream_t *s, int64_t now_ms, const dd_hysteresis_options_t *h) {
    run_mv_t *m = s->mv;
    if (s->mv_fields == 0 || m == NULL || s->reference == NULL)
        return;
    if (m->fitted_for != s->reference || m->fitted_for == NULL)
        (void)refit(r, s);
    dd_event_t e;
    dd_event_init(&e, DD_EVENT_MULTIVARIATE);
    run_event_base(r, s, &e, NULL, run_mv_condition, now_ms);
    dd_event_multivariate_t *ev = &e.multivariate;
    ev->names = m->names;
    ev->n_names = m->d;
    ev->warning_ratio = DD_MV_WARNING;
    ev->critical_ratio = DD_MV_CRITICAL;
    ev->alpha = s->alpha;
    dd_observation_t obs = DD_OBSERVE_UNKNOWN;
    dd_severity_t sev = DD_SEVERITY_NONE;
    char reason[480] = "";
    dd_mv_field_t fields[DD_MV_TOP];
    dd_mv_component_t left[DD_MV_TOP];
    dd_mv_pair_t pairs[DD_MV_TOP];
    /* pane errors of this fit only (the merge before a refit used the previous one) */
    if (m->fitted && m->panes_generation == m->generation) {
        uint64_t n = 0;
        const double err = unseen_error(m, s->current, &n);
        dd_mv_window_test_t test;
        dd_mv_window_test(m->error_reference, m->rows_reference, err, n, m->pane_error,
                          m->pane_rows, m->n_panes, &test);
        e.n_reference = m->rows_reference;
        e.n_current = n;
        ev->components = m->whole.k;
        ev->explained = m->whole.explained;
        ev->error_reference = m->error_reference;
        ev->error_current = err;
        ev->ratio = test.ratio;
        if (!test.judged) {
            snprintf(reason, sizeof reason,
                     "not judged: %llu rows holding every numeric field in %zu panes (a test "
                     "needs %d rows in 3 panes or more, and errors that vary)",
                     (unsigned long long)n, test.panes, DD_MV_MIN_ROWS);
        } else {
            ev->statistic = test.statistic;
            ev->dof = test.dof;
            ev->p_value = test.p_value;
            const double ratio = ev->ratio;
            const int big = ratio >= DD_MV_WARNING || ratio <= 1.0 / DD_MV_WARNING;
            const int critical = ratio >= DD_MV_CRITICAL || ratio <= 1.0 / DD_MV_CRITICAL;
            const int breach = ev->p_value < s->alpha && big;
            obs = breach ? DD_OBSERVE_BREACH : DD_OBSERVE_CLEAN;
            sev = !breach ? DD_SEVERITY_NONE : critical ? DD_SEVERITY_CRITICAL : DD_SEVERITY_WARNING;
            snprintf(reason, sizeof reason,
                     "mean reconstruction error %.4g -> %.4g (x%.3g) over %zu fields (%zu "
                     "components hold %.0f%% of the variance), t = %.3g on %u dof, p = %.2g %s "
                     "alpha %.2g%s",
                     m->error_reference, err, ratio, m->d, m->whole.k,
                     100.0 * m->whole.explained, ev->statistic, (unsigned)ev->dof, ev->p_value,
                     ev->p_value < s->alpha ? "<" : ">=", s->alpha,
                     breach ? (critical ? ": changed (critical)" : ": changed (warning)")
                     : ev->p_value < s->alpha ? "; the ratio is within 1.1 either way: stable"
                                              : ": stable");
            if (breach) {
                /* what moved, under the whole reference's fit */
                dd_joint_t *cur = NULL;
                const dd_joint_t *c0 = dd_sketch_set_joint(s->current, 0);
                if (dd_joint_new_like(c0, &cur) == DD_SKETCH_OK &&
                    dd_joint_merge(cur, c0) == DD_SKETCH_OK &&
                    dd_joint_merge(cur, dd_sketch_set_joint(s->current, 1)) == DD_SKETCH_OK &&
                    dd_mv_explain(&m->whole, m->reference_whole, cur, fields, &ev->n_fields, left,
                                  &ev->n_left) == 0) {
                    ev->fields = fields;
                    ev->left = left;
                    const long np = dd_mv_correlation_changes(m->reference_whole, cur, pairs,
                                                              DD_MV_TOP);
                    ev->pairs = pairs;
                    ev->n_pairs = np > 0 ? (size_t)np : 0;
                }
                dd_joint_destroy(cur);
            }
        }
    } else if (!m->fitted) {
        snprintf(reason, sizeof reason, "not judged: the reference cannot be fitted");
    } else {
        snprintf(reason, sizeof reason, "not judged: the reference changed; the next evaluation "
                                        "judges against it");
    }
    ev->reason = reason;
    s->mv_ratio = ev->ratio;
    s->mv_p_value = ev->p_value;
    e.severity = sev;
    const dd_transition_t t = dd_alert_step(&s->mv_alert, h, obs, sev, s->cfg->muted, now_ms);
    if (t == DD_TRANSITION_RAISED) {
        e.severity = s->mv_alert.severity;
        if (run_emit(r, &e) == 0)
            s->events++;
    } else if (t == DD_TRANSITION_RESOLVED) {
        const uint64_t samples[2] = {e.n_reference, e.n_current};
        run_emit_resolved(r, s, NULL, run_mv_condition, DD_EVENT_MULTIVARIATE, &s->mv_alert,
                          "reconstruction_error_ratio", ev->ratio, DD_MV_WARNING, samples, now_ms);
    }
    run_log(&r->log, DD_CONFIG_LOG_DEBUG, "stream %s: multivariate: %s", s->name, reason);
}
