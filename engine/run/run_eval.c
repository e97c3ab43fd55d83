/* run_eval.c — one evaluation of a stream: merge the window's live panes, judge every field
 * against the reference, run the alert state machines, and emit the events they ask for.
 * Evaluation time only (every evaluate_every), never per record. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "run_int.h"

static const char *const quality_names[RUN_Q_N] = {"null_rate", "out_of_range", "new_categories"};
static const char *const stream_condition_names[RUN_S_N] = {"decode_errors", "volume", "idle",
                                                            "lag"};

void run_event_base(run_t *r, run_stream_t *s, dd_event_t *e, const char *field,
                    const char *condition, int64_t now_ms) {
    e->time_ms = now_ms;
    e->sequence = r->sequence;
    e->instance = r->instance;
    e->stream = s->cfg->name;
    if (s->parent != NULL) {
        e->key_names = s->cfg->keys;
        e->key_values = s->key_values;
        e->n_keys = s->cfg->n_keys;
    }
    e->field = field;
    e->condition = condition;
    e->role = dd_config_role_name(s->cfg->role);
    e->runbook_url = s->cfg->runbook_url != NULL ? s->cfg->runbook_url : r->cfg->alerts.runbook_url;
    for (size_t i = 0; field != NULL && i < s->n_fields; i++)
        if (s->fields[i].cfg->path == field && s->fields[i].cfg->runbook_url != NULL)
            e->runbook_url = s->fields[i].cfg->runbook_url;
    e->label_names = r->cfg->alerts.label_names;
    e->label_values = r->cfg->alerts.label_values;
    e->n_labels = r->cfg->alerts.n_labels;
    e->reference_id = s->reference_id[0] ? s->reference_id : NULL;
    e->window_start_ms = s->view_start_ms;
    e->window_end_ms = s->view_end_ms;
    e->partitions_behind = s->eval_behind;
}

void run_emit_resolved(run_t *r, run_stream_t *s, const char *field, const char *condition,
                       dd_event_type_t resolves, const dd_alert_state_t *st,
                       const char *statistic, double value, double threshold,
                       const uint64_t *samples, int64_t now_ms) {
    dd_event_t e;
    dd_event_init(&e, DD_EVENT_RESOLVED);
    run_event_base(r, s, &e, field, condition, now_ms);
    if (samples != NULL) {
        e.n_reference = samples[0];
        e.n_current = samples[1];
    }
    e.resolved.resolves = resolves;
    e.resolved.severity = st->severity != DD_SEVERITY_NONE ? st->severity : st->resolved_severity;
    e.resolved.raised_at_ms = st->raised_at_ms;
    e.resolved.statistic = statistic;
    e.resolved.value = value;
    e.resolved.threshold = threshold;
    if (run_emit(r, &e) == 0)
        s->events++;
}

/* Of the lengths judged (0 the whole window, then the spans), the one a condition is reported
 * from: a breach before a clean verdict, the more severe breach, and the whole window (then the
 * shorter span) on a tie. */
static size_t pick_length(const dd_verdict_t *const *v, size_t n) {
    size_t best = 0;
    for (size_t k = 1; k < n; k++) {
        const int b = v[best]->status == DD_VERDICT_DRIFT, c = v[k]->status == DD_VERDICT_DRIFT;
        if (c && (!b || v[k]->severity > v[best]->severity))
            best = k;
    }
    return best;
}

/* One quality proportion through its state machine. */
static void quality_step(run_t *r, run_stream_t *s, run_field_t *f, int q,
                         const dd_judge_proportion_t *p, size_t length, int muted, int64_t now_ms,
                         const dd_hysteresis_options_t *h, const dd_field_judgement_t *j,
                         size_t field) {
    dd_observation_t obs = DD_OBSERVE_UNKNOWN;
    dd_severity_t sev = DD_SEVERITY_NONE;
    if (p->judged) {
        sev = p->breach ? p->verdict.severity : DD_SEVERITY_NONE;
        obs = sev != DD_SEVERITY_NONE ? DD_OBSERVE_BREACH : DD_OBSERVE_CLEAN;
    }
    dd_alert_state_t *st = &f->quality[q];
    const dd_transition_t t = dd_alert_step(st, h, obs, sev, muted, now_ms);
    if (t == DD_TRANSITION_RAISED) {
        dd_event_t e;
        dd_event_init(&e, DD_EVENT_QUALITY);
        run_event_base(r, s, &e, f->cfg->path, quality_names[q], now_ms);
        dd_event_fill_quality(&e, quality_names[q], p, st->severity);
        e.quality.verdict.reason = dd_verdict_explain((dd_verdict_t *)&p->verdict);
        e.quality.verdict.length = length > 0 ? "recent" : "window";
        if (length > 0)
            e.window_start_ms = e.window_end_ms - s->span_ms[length - 1];
        dd_event_category_t cats[DD_JUDGE_CATEGORIES_LISTED];
        if (q == RUN_Q_NEW_CATEGORIES && j != NULL) { /* name the new ones, largest first */
            size_t n = 0;
            for (; n < j->n_new_categories && n < DD_JUDGE_CATEGORIES_LISTED; n++)
                cats[n] = (dd_event_category_t){
                    run_names_get(s->names, field, j->new_categories[n].hash),
                    j->new_categories[n].hash, j->new_categories[n].count};
            e.quality.categories = cats;
            e.quality.n_categories = n;
            e.quality.categories_total = j->n_new_categories;
        } else if (q == RUN_Q_OUT_OF_RANGE && j != NULL) {
            e.quality.expected_min = j->expected_min;
            e.quality.expected_max = j->expected_max;
        }
        if (run_emit(r, &e) == 0)
            s->events++;
    } else if (t == DD_TRANSITION_RESOLVED) {
        const uint64_t samples[2] = {p->n_reference, p->n_current};
        run_emit_resolved(r, s, f->cfg->path, quality_names[q], DD_EVENT_QUALITY, st, NULL,
                      p->current_rate, p->threshold, samples, now_ms);
    }
}

/* The configured ceiling on a field's null rate, as a proportion against a reference of 0. */
static void null_ceiling(const run_field_t *f, const dd_field_judgement_t *j,
                         dd_judge_proportion_t *nulls) {
    if (f->cfg->max_null_rate >= 1.0 || j->total_current == 0)
        return;
    if (nulls->judged == 0 || (j->null_rate_current > f->cfg->max_null_rate && !nulls->breach))
        dd_judge_proportion(0.0, 0, 0.0, j->null_rate_current, j->total_current, 0.0,
                            f->cfg->max_null_rate * DD_EFFECT_WARNING_RATIO, f->judge.alpha,
                            f->judge.field_rate, nulls);
}

const dd_judge_reference_t *run_reference_prep(run_stream_t *s) {
    if (s->reference == NULL)
        return NULL;
    run_stream_t *owner = s->reference_shared && s->parent != NULL ? s->parent : s;
    if (owner->prep == NULL || owner->prep_for != s->reference) {
        dd_judge_reference_destroy(owner->prep);
        owner->prep = dd_judge_reference_new(s->reference);
        owner->prep_for = owner->prep != NULL ? s->reference : NULL;
    }
    return owner->prep;
}

void run_reference_changed(run_stream_t *s) {
    dd_judge_reference_destroy(s->prep);
    s->prep = NULL;
    s->prep_for = NULL;
    run_mv_reference_changed(s);
}

/* Judges field i over the whole window and over its shorter spans (a large change shows in the
 * newest evaluate_every first); each condition is reported from the length that found it. */
static void judge_field(run_t *r, run_stream_t *s, size_t i, int64_t now_ms,
                        const dd_hysteresis_options_t *h) {
    run_field_t *f = &s->fields[i];
    const int muted = f->cfg->muted || s->cfg->muted;
    dd_field_judgement_t *j = calloc(1 + RUN_SPANS_MAX, sizeof(*j));
    if (j == NULL)
        return;
    const dd_judge_reference_t *prep = run_reference_prep(s);
    const dd_judge_err_t err =
        dd_judge_field_prepared(prep, s->reference, s->current, i, &f->judge, &j[0]);
    if (err != DD_JUDGE_OK) {
        run_log(&r->log, DD_CONFIG_LOG_WARN, "stream %s field %s: cannot judge: %s",
                s->name, f->cfg->path, j[0].reason ? j[0].reason : dd_judge_strerror(err));
        free(j);
        return;
    }
    size_t n = 1; /* judgements made: the window, then each span with records */
    size_t span_of[1 + RUN_SPANS_MAX] = {0};
    for (size_t k = 0; k < s->n_spans; k++)
        if (dd_sketch_set_rows(s->spans[k]) > 0 &&
            dd_judge_field_prepared(prep, s->reference, s->spans[k], i, &f->judge, &j[n]) ==
                DD_JUDGE_OK)
            span_of[n++] = k + 1;
    const dd_verdict_t *dv[1 + RUN_SPANS_MAX];
    for (size_t k = 0; k < n; k++)
        dv[k] = &j[k].verdict;
    const size_t pick = pick_length(dv, n);
    const dd_field_judgement_t *d = &j[pick];
    f->judged = d->judged;
    f->value = d->value;
    f->threshold = d->judged ? d->threshold_effective : NAN;
    f->critical = d->judged ? d->verdict.critical : NAN;
    f->p_value = d->judged ? d->verdict.p_value : NAN;
    f->alpha = d->judged ? d->verdict.alpha : NAN;
    f->statistic = d->judged ? dd_method_name(d->method) : NULL;
    if (r->log.level >= DD_CONFIG_LOG_DEBUG) {
        /* Timed apart: writing every verdict costs more than judging it. */
        const double t0 = run_monotonic_s();
        for (size_t k = 0; k < n; k++) {
            char what[32] = "window";
            if (span_of[k] > 0)
                snprintf(what, sizeof what, "recent %" PRId64 " ms", s->span_ms[span_of[k] - 1]);
            run_log(&r->log, DD_CONFIG_LOG_DEBUG, "stream %s field %s (%s): %s", s->name,
                    f->cfg->path, what, dd_verdict_explain(&j[k].verdict));
        }
        s->debug_lines_seconds += run_monotonic_s() - t0;
    }

    dd_observation_t obs = DD_OBSERVE_UNKNOWN;
    dd_severity_t sev = DD_SEVERITY_NONE;
    if (d->judged) {
        sev = d->drift ? d->verdict.severity : DD_SEVERITY_NONE;
        obs = sev != DD_SEVERITY_NONE ? DD_OBSERVE_BREACH : DD_OBSERVE_CLEAN;
    }
    const dd_transition_t t = dd_alert_step(&f->drift, h, obs, sev, muted, now_ms);
    if (t == DD_TRANSITION_RAISED) {
        dd_event_t e;
        dd_event_moved_t moved[DD_JUDGE_MOVED_MAX];
        dd_event_init(&e, DD_EVENT_DRIFT);
        run_event_base(r, s, &e, f->cfg->path, NULL, now_ms);
        dd_verdict_explain(&j[pick].verdict);
        dd_event_fill_drift(&e, d, f->drift.severity, moved);
        e.drift.verdict.length = span_of[pick] > 0 ? "recent" : "window";
        if (span_of[pick] > 0)
            e.window_start_ms = e.window_end_ms - s->span_ms[span_of[pick] - 1];
        for (size_t k = 0; k < e.drift.n_moved; k++)
            if (!moved[k].other && isnan(moved[k].lower))
                moved[k].category = run_names_get(s->names, i, moved[k].hash);
        if (run_emit(r, &e) == 0)
            s->events++;
    } else if (t == DD_TRANSITION_RESOLVED) {
        const uint64_t samples[2] = {d->n_reference, d->n_current};
        run_emit_resolved(r, s, f->cfg->path, NULL, DD_EVENT_DRIFT, &f->drift,
                      dd_method_name(d->method), d->value, f->threshold, samples, now_ms);
    }

    /* Quality: rises against the reference, and the configured ceiling on the null rate. */
    dd_judge_proportion_t nulls[1 + RUN_SPANS_MAX];
    const int q = f->kind == DD_COLUMN_NUMERIC ? RUN_Q_OUT_OF_RANGE : RUN_Q_NEW_CATEGORIES;
    const dd_verdict_t *nv[1 + RUN_SPANS_MAX], *qv[1 + RUN_SPANS_MAX];
    for (size_t k = 0; k < n; k++) {
        nulls[k] = j[k].null_rate;
        null_ceiling(f, &j[k], &nulls[k]);
        nv[k] = &nulls[k].verdict;
        qv[k] = q == RUN_Q_OUT_OF_RANGE ? &j[k].out_of_range.verdict
                                        : &j[k].new_categories_quality.verdict;
    }
    const size_t pn = pick_length(nv, n), pq = pick_length(qv, n);
    quality_step(r, s, f, RUN_Q_NULL_RATE, &nulls[pn], span_of[pn], muted, now_ms, h, &j[pn], i);
    quality_step(r, s, f, q,
                 q == RUN_Q_OUT_OF_RANGE ? &j[pq].out_of_range : &j[pq].new_categories_quality,
                 span_of[pq], muted, now_ms, h, &j[pq], i);
    free(j);
}

static void stream_step(run_t *r, run_stream_t *s, int c, dd_observation_t obs, dd_severity_t sev,
                        dd_event_t *raised, const char *statistic, double value, double threshold,
                        int64_t now_ms, const dd_hysteresis_options_t *h) {
    dd_alert_state_t *st = &s->stream_alerts[c];
    const dd_transition_t t = dd_alert_step(st, h, obs, sev, s->cfg->muted, now_ms);
    if (t == DD_TRANSITION_RAISED) {
        raised->severity = st->severity;
        if (run_emit(r, raised) == 0)
            s->events++;
    } else if (t == DD_TRANSITION_RESOLVED) {
        const uint64_t samples[2] = {raised->n_reference, raised->n_current};
        run_emit_resolved(r, s, NULL, stream_condition_names[c], raised->type, st, statistic, value,
                      threshold, samples, now_ms);
    }
}

static void stream_checks(run_t *r, run_stream_t *s, int64_t now_ms,
                          const dd_hysteresis_options_t *h) {
    const dd_config_window_t *w = &r->cfg->window;
    /* decode errors since the previous evaluation, against none expected (a key's records are
     * decoded by its parent, which checks them) */
    if (s->parent == NULL) {
        /* both counted on the loop thread up to the evaluation's start */
        const uint64_t good = s->eval_decoded - s->records_at_eval;
        const uint64_t bad = s->eval_errors - s->errors_at_eval;
        dd_judge_proportion_t p;
        const uint64_t n = good + bad;
        /* warning from 1% undecodable, critical from 5% */
        dd_judge_proportion(0.0, 0, 0.0, n > 0 ? (double)bad / (double)n : 0.0, n, 0.0,
                            0.01 * DD_EFFECT_WARNING_RATIO, s->alpha, s->field_rate, &p);
        const dd_severity_t sev = p.breach ? p.verdict.severity : DD_SEVERITY_NONE;
        const dd_observation_t obs = n == 0 ? DD_OBSERVE_UNKNOWN
                                     : sev != DD_SEVERITY_NONE ? DD_OBSERVE_BREACH
                                                               : DD_OBSERVE_CLEAN;
        dd_event_t e;
        dd_event_init(&e, DD_EVENT_QUALITY);
        run_event_base(r, s, &e, NULL, stream_condition_names[RUN_S_DECODE_ERRORS], now_ms);
        dd_event_fill_quality(&e, stream_condition_names[RUN_S_DECODE_ERRORS], &p, sev);
        stream_step(r, s, RUN_S_DECODE_ERRORS, obs, sev, &e, NULL, p.current_rate, 0.01, now_ms,
                    h);
        s->records_at_eval = s->eval_decoded;
        s->errors_at_eval = s->eval_errors;
    }
    /* volume: records in the window against the reference's rate (references built from a window
     * of the same length only) */
    if (s->reference != NULL && (s->cfg->reference.type == DD_CONFIG_REFERENCE_FIRST_WINDOW ||
                                 s->cfg->reference.type == DD_CONFIG_REFERENCE_TRAILING)) {
        const double window_s = (double)w->length_ms / 1000.0;
        dd_volume_judgement_t v;
        dd_judge_volume(dd_sketch_set_rows(s->current), window_s,
                        (double)dd_sketch_set_rows(s->reference) / window_s,
                        DD_VOLUME_BAND_LOW_DEFAULT, DD_VOLUME_BAND_HIGH_DEFAULT,
                        DD_VOLUME_MIN_EXPECTED_DEFAULT, s->alpha, &v);
        dd_event_t e;
        dd_event_init(&e, DD_EVENT_VOLUME);
        run_event_base(r, s, &e, NULL, stream_condition_names[RUN_S_VOLUME], now_ms);
        e.volume.records = v.records;
        e.volume.window_s = v.window_s;
        e.volume.rate_per_s = v.rate_per_s;
        e.volume.reference_rate_per_s = v.reference_rate_per_s;
        e.volume.band_low = v.band_low;
        e.volume.band_high = v.band_high;
        e.volume.p_value = v.p_value;
        e.volume.direction = v.direction;
        stream_step(r, s, RUN_S_VOLUME,
                    !v.judged ? DD_OBSERVE_UNKNOWN
                              : (v.breach ? DD_OBSERVE_BREACH : DD_OBSERVE_CLEAN),
                    DD_SEVERITY_WARNING, &e, NULL, v.rate_per_s, v.reference_rate_per_s, now_ms,
                    h);
    }
}

/* The reference when it comes from the stream itself (first full window, or trailing). */
static void maybe_take_reference(run_t *r, run_stream_t *s, int64_t now_ms) {
    const dd_config_reference_type_t type = s->cfg->reference.type;
    if (type != DD_CONFIG_REFERENCE_FIRST_WINDOW && type != DD_CONFIG_REFERENCE_TRAILING)
        return;
    if (s->first_time_ms == INT64_MIN)
        return;
    const int64_t length = r->cfg->window.length_ms;
    const int64_t end = s->merged_end_ms;
    const int64_t newest = r->cfg->window.time == DD_CONFIG_WINDOW_PROCESSING_TIME ? now_ms
                                                                                    : s->max_time_ms;
    int take = 0;
    if (s->reference == NULL && r->cfg->window.time == DD_CONFIG_WINDOW_EVENT_TIME) {
        /* the first window that starts at or after the pane of the first record */
        const int64_t pane = r->cfg->window.pane_ms;
        const int64_t first = run_floor_div(s->first_time_ms, pane) * pane;
        take = s->merged_start_ms >= first;
    } else if (s->reference == NULL) {
        take = newest - s->first_time_ms >= length;
    }
    else if (type == DD_CONFIG_REFERENCE_TRAILING)
        take = end >= s->trailing_end_ms + length;
    if (!take)
        return;
    dd_sketch_set_t *ref = NULL;
    if (dd_sketch_set_new_like(s->current, &ref) != DD_SKETCH_OK ||
        dd_sketch_set_merge(ref, s->current) != DD_SKETCH_OK) {
        dd_sketch_set_destroy(ref);
        run_log(&r->log, DD_CONFIG_LOG_ERROR, "stream %s: out of memory taking the reference",
                s->name);
        return;
    }
    run_reference_changed(s);
    dd_sketch_set_destroy(s->reference);
    s->reference = ref;
    s->reference_time_ms = now_ms;
    s->trailing_end_ms = end;
    char when[DD_EVENT_TIME_SIZE];
    dd_event_format_time(end, when);
    snprintf(s->reference_id, sizeof s->reference_id, "%s:window-ending-%s",
             type == DD_CONFIG_REFERENCE_TRAILING ? "trailing" : "first_window", when);
    run_log(&r->log, DD_CONFIG_LOG_INFO, "stream %s: reference taken (%" PRIu64 " records, %s)",
            s->name, dd_sketch_set_rows(ref), s->reference_id);
}

static void json_schema_check(run_t *r, run_stream_t *s, int64_t now_ms) {
    if (s->observed_cur == NULL || dd_json_observer_records(s->observed_cur) < 100)
        return;
    if (dd_json_observer_records(s->observed_ref) < 100) {
        dd_json_observer_t *t = s->observed_ref;
        s->observed_ref = s->observed_cur;
        s->observed_cur = t;
        dd_json_observer_reset(s->observed_cur);
        return;
    }
    dd_avro_change_t changes[32];
    dd_avro_compat_t compat;
    const size_t n = dd_json_schema_diff(s->observed_ref, s->observed_cur, changes, 32, &compat);
    size_t reported = 0;
    for (size_t i = 0; i < n && i < 32; i++) {
        /* Sampled shapes scatter in optionality; a path or a type never seen before does not. */
        if (changes[i].kind != DD_AVRO_FIELD_ADDED && changes[i].kind != DD_AVRO_TYPE_CHANGED)
            continue;
        if (changes[i].kind == DD_AVRO_TYPE_CHANGED) {
            char a[64], b[64];
            snprintf(a, sizeof a, "%s", changes[i].old_type);
            snprintf(b, sizeof b, "%s", changes[i].new_type);
            char *pa = strstr(a, "|null"), *pb = strstr(b, "|null");
            if (pa)
                *pa = '\0';
            if (pb)
                *pb = '\0';
            if (strcmp(a, b) == 0)
                continue;
        }
        dd_event_t e;
        dd_event_init(&e, DD_EVENT_SCHEMA);
        run_event_base(r, s, &e, changes[i].path, "schema", now_ms);
        e.severity = changes[i].backward ? DD_SEVERITY_WARNING : DD_SEVERITY_CRITICAL;
        e.schema.change = dd_avro_change_name(changes[i].kind);
        e.schema.path = changes[i].path;
        e.schema.old_type = changes[i].old_type[0] ? changes[i].old_type : NULL;
        e.schema.new_type = changes[i].new_type[0] ? changes[i].new_type : NULL;
        e.schema.backward = changes[i].backward;
        e.schema.forward = changes[i].forward;
        e.schema.compatibility = dd_avro_compat_name(compat);
        if (run_emit(r, &e) == 0)
            s->events++;
        reported++;
    }
    if (reported > 0) { /* the new shape is the baseline from now on */
        dd_json_observer_t *t = s->observed_ref;
        s->observed_ref = s->observed_cur;
        s->observed_cur = t;
    }
    dd_json_observer_reset(s->observed_cur);
}

void run_schema_changed(run_t *r, run_stream_t *s, const run_schema_t *old_schema,
                        const run_schema_t *new_schema, int64_t now_ms) {
    run_worker_wait_idle(r); /* its events carry the window's bounds */
    dd_avro_change_t changes[64];
    dd_avro_compat_t compat = DD_AVRO_COMPAT_FULL;
    size_t n = 0;
    if (old_schema != NULL && old_schema->schema != NULL)
        n = dd_avro_schema_diff(old_schema->schema, new_schema->schema, changes, 64, &compat);
    const uint32_t old_id = old_schema != NULL ? old_schema->id : s->last_schema_id;
    run_log(&r->log, DD_CONFIG_LOG_INFO,
            "stream %s: writer schema %" PRIu32 " → %" PRIu32 " (%zu field changes, %s)",
            s->cfg->name, old_id, new_schema->id, n, dd_avro_compat_name(compat));
    for (size_t i = 0; i <= n && i <= 64; i++) {
        if (i == n && n > 0)
            break;
        dd_event_t e;
        dd_event_init(&e, DD_EVENT_SCHEMA);
        run_event_base(r, s, &e, n > 0 ? changes[i].path : NULL, "schema", now_ms);
        e.schema.old_schema_id = old_id;
        e.schema.new_schema_id = new_schema->id;
        e.schema.compatibility = dd_avro_compat_name(compat);
        if (n > 0) {
            e.schema.change = dd_avro_change_name(changes[i].kind);
            e.schema.path = changes[i].path;
            e.schema.old_type = changes[i].old_type[0] ? changes[i].old_type : NULL;
            e.schema.new_type = changes[i].new_type[0] ? changes[i].new_type : NULL;
            e.schema.backward = changes[i].backward;
            e.schema.forward = changes[i].forward;
            e.severity = changes[i].backward ? DD_SEVERITY_WARNING : DD_SEVERITY_CRITICAL;
        } else {
            e.schema.change = "schema_id_changed";
            e.severity = DD_SEVERITY_NONE;
        }
        if (run_emit(r, &e) == 0)
            s->events++;
    }
}

void run_freshness(run_t *r, run_stream_t *s, int64_t now_ms) {
    run_worker_wait_idle(r); /* its events carry the window's bounds */
    const dd_config_window_t *w = &r->cfg->window;
    dd_hysteresis_options_t hopt = {r->cfg->alerts.raise_after, r->cfg->alerts.clear_after};
    const dd_hysteresis_options_t *h = &hopt;
    /* freshness: no records for a whole window; event time trailing now by more than a window */
    if (s->last_record_ms > 0) {
        dd_freshness_judgement_t fj;
        const int64_t lag = w->time == DD_CONFIG_WINDOW_EVENT_TIME && s->max_time_ms != INT64_MIN
                                ? now_ms - s->max_time_ms
                                : 0;
        /* alerts.max_lag (off by default: a stream replayed from a backlog trails the clock by
         * design); alerts.max_idle, by default a whole window without records. */
        dd_judge_freshness(lag, r->cfg->alerts.max_lag_ms, now_ms - s->last_record_ms,
                           r->cfg->alerts.max_idle_ms > 0 ? r->cfg->alerts.max_idle_ms
                                                          : w->length_ms,
                           &fj);
        for (int c = RUN_S_IDLE; c <= RUN_S_LAG; c++) {
            const int breach = c == RUN_S_IDLE ? fj.idle_breach : fj.lag_breach;
            dd_event_t e;
            dd_event_init(&e, DD_EVENT_FRESHNESS);
            run_event_base(r, s, &e, NULL, stream_condition_names[c], now_ms);
            e.freshness.lag_ms = fj.lag_ms;
            e.freshness.lag_max_ms = fj.lag_max_ms;
            e.freshness.idle_ms = fj.idle_ms;
            e.freshness.idle_max_ms = fj.idle_max_ms;
            e.freshness.last_event_time_ms = s->max_time_ms != INT64_MIN ? s->max_time_ms : 0;
            stream_step(r, s, c, breach ? DD_OBSERVE_BREACH : DD_OBSERVE_CLEAN,
                        DD_SEVERITY_WARNING, &e, NULL,
                        (double)(c == RUN_S_IDLE ? fj.idle_ms : fj.lag_ms),
                        (double)(c == RUN_S_IDLE ? fj.idle_max_ms : fj.lag_max_ms), now_ms, h);
        }
    }
}

/* The stream whose watermark a stream follows: a key's is its parent's. */
static const run_stream_t *clock_of(const run_stream_t *s) {
    return s->parent != NULL ? s->parent : s;
}

int64_t run_boundary(const run_t *r, const run_stream_t *s) {
    const int64_t every = r->cfg->window.evaluate_every_ms;
    return run_floor_div(clock_of(s)->clock_ms - r->cfg->window.watermark_ms, every) * every;
}

/* A stream with keys: every key's window, then the checks of the stream as a whole (decode
 * errors, JSON shapes) at once, over the same window bounds. */
static void evaluate_keyed(run_t *r, run_stream_t *s, int64_t now_ms) {
    const dd_config_window_t *w = &r->cfg->window;
    const int event_time = w->time == DD_CONFIG_WINDOW_EVENT_TIME;
    if (event_time && s->clock_ms != INT64_MIN)
        s->next_eval_ms = run_boundary(r, s) + w->evaluate_every_ms;
    s->eval_behind = s->parts_behind;
    s->eval_due = 0;
    for (size_t i = 0; i < run_keys_count(s); i++)
        run_evaluate(r, run_keys_child(s, i), now_ms);
    if (event_time) {
        run_stream_view(r, s);
    } else { /* the panes the keys' windows hold after advancing to now */
        s->view_end_ms = (now_ms / w->pane_ms + 1) * w->pane_ms;
        s->view_start_ms = s->view_end_ms - (int64_t)s->ring_panes * w->pane_ms;
    }
    s->eval_decoded = s->decoded;
    s->eval_errors = s->decode_errors;
    r->sequence++;
    s->evaluations++;
    dd_hysteresis_options_t h = {r->cfg->alerts.raise_after, r->cfg->alerts.clear_after};
    stream_checks(r, s, now_ms, &h);
    json_schema_check(r, s, now_ms);
}

void run_evaluate(run_t *r, run_stream_t *s, int64_t now_ms) {
    RUN_OWNED(r);
    if (s->keys != NULL) {
        evaluate_keyed(r, s, now_ms);
        return;
    }
    if (s->eval_pending) /* the previous one's merge is still queued: judge it first */
        run_worker_wait_idle(r);
    if (r->cfg->window.time == DD_CONFIG_WINDOW_EVENT_TIME && clock_of(s)->clock_ms != INT64_MIN)
        s->next_eval_ms = run_boundary(r, s) + r->cfg->window.evaluate_every_ms;
    s->eval_behind = clock_of(s)->parts_behind;
    s->eval_due = 0;
    /* Event time: the window [B − length, B) for B the latest evaluation boundary the watermark
     * has passed (a multiple of evaluate_every, itself a multiple of the pane). Processing time:
     * every live pane, up to now. */
    s->merge_from_ms = INT64_MIN;
    s->merge_to_ms = INT64_MAX;
    if (r->cfg->window.time == DD_CONFIG_WINDOW_EVENT_TIME && clock_of(s)->clock_ms != INT64_MIN) {
        const int64_t b = run_boundary(r, s);
        s->merge_to_ms = b;
        s->merge_from_ms = b - r->cfg->window.length_ms;
    }
    run_stream_flush(r, s);
    if (run_mv_ready(s) != 0)
        run_log(&r->log, DD_CONFIG_LOG_ERROR,
                "stream %s: out of memory: the numeric fields are not judged together", s->name);
    s->eval_pending = 1;
    s->eval_now_ms = now_ms;
    s->eval_decoded = s->decoded;
    s->eval_errors = s->decode_errors;
    run_worker_merge(r, s,
                     r->cfg->window.time == DD_CONFIG_WINDOW_PROCESSING_TIME ? now_ms : INT64_MIN);
    if (r->worker == NULL)
        run_evaluate_finish(r, s);
}

void run_evaluations_finish(run_t *r) {
    for (size_t i = 0; i < r->n_all; i++) {
        run_stream_t *s = r->all[i];
        if (s->eval_pending && __atomic_load_n(&s->merge_done, __ATOMIC_ACQUIRE))
            run_evaluate_finish(r, s);
    }
}

void run_evaluate_finish(run_t *r, run_stream_t *s) {
    s->eval_pending = 0;
    const int64_t now_ms = s->eval_now_ms;
    if (s->merge_failed) {
        run_log(&r->log, DD_CONFIG_LOG_ERROR, "stream %s: merging the window failed",
                s->name);
        return;
    }
    const double t1 = run_monotonic_s();
    run_worker_fold(r); /* the records counted so far, for the decode-error rate */
    s->view_start_ms = s->merged_start_ms;
    s->view_end_ms = s->merged_end_ms;
    r->sequence++;
    r->evaluations++;
    s->evaluations++;
    maybe_take_reference(r, s, now_ms);
    s->debug_lines_seconds = 0.0;
    dd_hysteresis_options_t h = {r->cfg->alerts.raise_after, r->cfg->alerts.clear_after};
    if (s->reference != NULL)
        for (size_t i = 0; i < s->n_fields; i++)
            judge_field(r, s, i, now_ms, &h);
    run_mv_evaluate(r, s, now_ms, &h);
    stream_checks(r, s, now_ms, &h);
    json_schema_check(r, s, now_ms);
    const double judging = run_monotonic_s() - t1;
    r->last_eval_seconds = s->merge_seconds + judging;
    {
        static const double bounds[RUN_EVAL_BUCKETS_N] = RUN_EVAL_BUCKETS;
        size_t b = 0;
        while (b < RUN_EVAL_BUCKETS_N && r->last_eval_seconds > bounds[b])
            b++;
        if (b < RUN_EVAL_BUCKETS_N)
            r->eval_buckets[b]++;
        r->eval_seconds_sum += r->last_eval_seconds;
        r->eval_count++;
    }
    run_log(&r->log, DD_CONFIG_LOG_DEBUG,
            "stream %s: evaluation %" PRIu64 ", window of %" PRIu64 " records ending %" PRId64
            " (merging the panes %.2f ms, judging %.2f ms, writing the verdicts' debug lines "
            "%.2f ms)",
            s->name, s->evaluations, dd_sketch_set_rows(s->current), s->merged_end_ms,
            s->merge_seconds * 1e3, (judging - s->debug_lines_seconds) * 1e3,
            s->debug_lines_seconds * 1e3);
}

void run_resolve_all(run_t *r, run_stream_t *s, int64_t now_ms) {
    static const dd_event_type_t stream_types[RUN_S_N] = {DD_EVENT_QUALITY, DD_EVENT_VOLUME,
                                                          DD_EVENT_FRESHNESS, DD_EVENT_FRESHNESS};
    r->sequence++;
    for (size_t i = 0; i < s->n_fields; i++) {
        run_field_t *f = &s->fields[i];
        if (f->drift.raised)
            run_emit_resolved(r, s, f->cfg->path, NULL, DD_EVENT_DRIFT, &f->drift, f->statistic,
                          NAN, f->threshold, NULL, now_ms);
        for (int q = 0; q < RUN_Q_N; q++)
            if (f->quality[q].raised)
                run_emit_resolved(r, s, f->cfg->path, quality_names[q], DD_EVENT_QUALITY,
                              &f->quality[q], NULL, NAN, NAN, NULL, now_ms);
        memset(&f->drift, 0, sizeof f->drift);
        memset(f->quality, 0, sizeof f->quality);
    }
    for (int c = 0; c < RUN_S_N; c++) {
        if (s->stream_alerts[c].raised)
            run_emit_resolved(r, s, NULL, stream_condition_names[c], stream_types[c],
                          &s->stream_alerts[c], NULL, NAN, NAN, NULL, now_ms);
        memset(&s->stream_alerts[c], 0, sizeof s->stream_alerts[c]);
    }
    if (s->mv_alert.raised)
        run_emit_resolved(r, s, NULL, run_mv_condition, DD_EVENT_MULTIVARIATE, &s->mv_alert, NULL,
                          NAN, NAN, NULL, now_ms);
    memset(&s->mv_alert, 0, sizeof s->mv_alert);
}

/* One raised condition carried over a restart, to the sinks that keep alerts alive. */
static void offer_raised(run_t *r, run_stream_t *s, const char *field, const char *condition,
                         dd_event_type_t type, const dd_alert_state_t *st, int64_t now_ms) {
    dd_event_t e;
    dd_event_init(&e, type);
    run_event_base(r, s, &e, field, condition, now_ms);
    e.time_ms = st->raised_at_ms != 0 ? st->raised_at_ms : now_ms;
    e.severity = st->severity != DD_SEVERITY_NONE ? st->severity : DD_SEVERITY_WARNING;
    char where[600], summary[800];
    dd_event_t bare = e;
    bare.instance = NULL;
    bare.condition = NULL;
    dd_event_key(&bare, where, sizeof where);
    snprintf(summary, sizeof summary, "%s %s raised (%s) before driftd restarted; still raised",
             where, condition != NULL ? condition : dd_event_type_name(type),
             dd_severity_name(e.severity));
    e.summary = summary;
    for (size_t i = 0; i < r->n_sinks; i++)
        if (dd_sink_kind(r->sinks[i]) == DD_SINK_ALERTMANAGER)
            dd_sink_offer(r->sinks[i], &e, NULL, 0);
}

void run_sinks_offer_raised(run_t *r, int64_t now_ms) {
    static const dd_event_type_t stream_types[RUN_S_N] = {DD_EVENT_QUALITY, DD_EVENT_VOLUME,
                                                          DD_EVENT_FRESHNESS, DD_EVENT_FRESHNESS};
    int any = 0;
    for (size_t i = 0; i < r->n_sinks; i++)
        any |= dd_sink_kind(r->sinks[i]) == DD_SINK_ALERTMANAGER;
    if (!any)
        return;
    for (size_t k = 0; k < r->n_all; k++) {
        run_stream_t *s = r->all[k];
        if (s->keys != NULL)
            continue; /* a parent of keys: its children have the states */
        for (size_t i = 0; i < s->n_fields; i++) {
            run_field_t *f = &s->fields[i];
            if (f->drift.raised)
                offer_raised(r, s, f->cfg->path, NULL, DD_EVENT_DRIFT, &f->drift, now_ms);
            for (int q = 0; q < RUN_Q_N; q++)
                if (f->quality[q].raised)
                    offer_raised(r, s, f->cfg->path, quality_names[q], DD_EVENT_QUALITY,
                                 &f->quality[q], now_ms);
        }
        for (int c = 0; c < RUN_S_N; c++)
            if (s->stream_alerts[c].raised)
                offer_raised(r, s, NULL, stream_condition_names[c], stream_types[c],
                             &s->stream_alerts[c], now_ms);
        if (s->mv_alert.raised)
            offer_raised(r, s, NULL, run_mv_condition, DD_EVENT_MULTIVARIATE, &s->mv_alert,
                         now_ms);
    }
}

/* ---- alert states in checkpoints ------------------------------------------------------------ */

#define ALERT_BYTES 30u
#define ALERTS_MAGIC_V1 0x41u /* 'A': alert states only */
#define ALERTS_MAGIC_V2 0x42u /* 'B': alert states, then the stream's four times */
#define ALERTS_MAGIC 0x44u    /* 'D': alert states, the four times, the multivariate state */
#define TIMES_BYTES 32u

static uint8_t *put_state(uint8_t *p, const dd_alert_state_t *st) {
    uint64_t words[3] = {st->breach_run | ((uint64_t)st->clean_run << 32),
                         (uint64_t)st->raised_at_ms, st->raises};
    p[0] = (uint8_t)(st->raised != 0);
    p[1] = (uint8_t)st->severity;
    for (int w = 0; w < 3; w++)
        for (int b = 0; b < 8; b++)
            p[2 + w * 8 + b] = (uint8_t)(words[w] >> (8 * b));
    memset(p + 26, 0, 4);
    return p + ALERT_BYTES;
}

static const uint8_t *get_state(const uint8_t *p, dd_alert_state_t *st) {
    uint64_t words[3] = {0, 0, 0};
    for (int w = 0; w < 3; w++)
        for (int b = 0; b < 8; b++)
            words[w] |= (uint64_t)p[2 + w * 8 + b] << (8 * b);
    st->raised = p[0] != 0;
    st->severity = p[1] <= DD_SEVERITY_CRITICAL ? (dd_severity_t)p[1] : DD_SEVERITY_CRITICAL;
    st->breach_run = (uint32_t)words[0];
    st->clean_run = (uint32_t)(words[0] >> 32);
    st->raised_at_ms = (int64_t)words[1];
    st->raises = words[2];
    return p + ALERT_BYTES;
}

size_t run_alerts_size(const run_stream_t *s) {
    return 1 + 4 + (RUN_S_N + s->n_fields * (1 + RUN_Q_N)) * ALERT_BYTES + TIMES_BYTES +
           ALERT_BYTES;
}

size_t run_alerts_own_size(const run_stream_t *s, uint8_t magic) {
    const size_t all = run_alerts_size(s);
    switch (magic) {
    case ALERTS_MAGIC:
    case RUN_ALERTS_MAGIC_KEYED_MV:
        return all;
    case ALERTS_MAGIC_V2:
    case RUN_ALERTS_MAGIC_KEYED:
        return all - ALERT_BYTES;
    case ALERTS_MAGIC_V1:
        return all - ALERT_BYTES - TIMES_BYTES;
    default:
        return 0;
    }
}

static void put_i64(uint8_t *p, int64_t v) {
    for (int b = 0; b < 8; b++)
        p[b] = (uint8_t)((uint64_t)v >> (8 * b));
}

static int64_t get_i64(const uint8_t *p) {
    uint64_t v = 0;
    for (int b = 0; b < 8; b++)
        v |= (uint64_t)p[b] << (8 * b);
    return (int64_t)v;
}

size_t run_alerts_encode(const run_stream_t *s, uint8_t *buf, size_t cap) {
    const size_t own = run_alerts_size(s);
    const size_t need = own + (s->parent != NULL ? run_keys_encode(s, NULL, 0) : 0);
    if (buf == NULL || cap < need)
        return need;
    if (s->parent != NULL)
        run_keys_encode(s, buf + own, need - own);
    uint8_t *p = buf;
    *p++ = s->parent != NULL ? RUN_ALERTS_MAGIC_KEYED_MV : ALERTS_MAGIC;
    for (int b = 0; b < 4; b++)
        *p++ = (uint8_t)(s->n_fields >> (8 * b));
    for (int c = 0; c < RUN_S_N; c++)
        p = put_state(p, &s->stream_alerts[c]);
    for (size_t i = 0; i < s->n_fields; i++) {
        p = put_state(p, &s->fields[i].drift);
        for (int q = 0; q < RUN_Q_N; q++)
            p = put_state(p, &s->fields[i].quality[q]);
    }
    /* The times a restart needs to resume the same watermark, evaluations and reference. */
    put_i64(p, s->first_time_ms);
    /* the clock (event time across partitions), which the watermark follows */
    put_i64(p + 8, s->clock_ms != INT64_MIN ? s->clock_ms : s->max_time_ms);
    put_i64(p + 16, s->next_eval_ms);
    put_i64(p + 24, s->trailing_end_ms);
    put_state(p + TIMES_BYTES, &s->mv_alert);
    return need;
}

int run_alerts_decode(run_stream_t *s, const uint8_t *buf, size_t len) {
    if (buf == NULL || len == 0)
        return -1;
    const uint8_t magic = buf[0];
    const int v1 = magic == ALERTS_MAGIC_V1;
    /* a key's states are followed by its key (read by run_keys_restore) */
    const int keyed = magic == RUN_ALERTS_MAGIC_KEYED || magic == RUN_ALERTS_MAGIC_KEYED_MV;
    const int with_mv = magic == ALERTS_MAGIC || magic == RUN_ALERTS_MAGIC_KEYED_MV;
    const size_t own = run_alerts_own_size(s, magic);
    if (own == 0 || keyed != (s->parent != NULL) || (keyed ? len <= own : len != own))
        return -1;
    size_t n = 0;
    for (int b = 0; b < 4; b++)
        n |= (size_t)buf[1 + b] << (8 * b);
    if (n != s->n_fields)
        return -1;
    const uint8_t *p = buf + 5;
    for (int c = 0; c < RUN_S_N; c++)
        p = get_state(p, &s->stream_alerts[c]);
    for (size_t i = 0; i < s->n_fields; i++) {
        p = get_state(p, &s->fields[i].drift);
        for (int q = 0; q < RUN_Q_N; q++)
            p = get_state(p, &s->fields[i].quality[q]);
    }
    if (!v1) {
        const int64_t first = get_i64(p), max = get_i64(p + 8), next = get_i64(p + 16),
                      trailing = get_i64(p + 24);
        /* Untrusted bytes: only times a window could hold are taken. */
        const int64_t lim = DD_WINDOW_TIME_MS_MAX;
        if ((first == INT64_MIN || (first >= -lim && first <= lim)) &&
            (max == INT64_MIN || (max >= -lim && max <= lim)) &&
            (next == INT64_MIN || (next >= -lim && next <= lim)) && trailing >= -lim &&
            trailing <= lim) {
            s->first_time_ms = first;
            s->max_time_ms = max;
            s->clock_ms = max;
            s->next_eval_ms = next;
            s->trailing_end_ms = trailing;
        }
        if (with_mv)
            (void)get_state(p + TIMES_BYTES, &s->mv_alert);
    }
    return 0;
}
