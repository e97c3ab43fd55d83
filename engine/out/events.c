/* events.c — alert events as versioned JSON (docs/events.md), their keys, ids and CloudEvents
 * headers. */
#include "events.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "dd_base.h"

static const char *const type_names[] = {
    "?", "drift", "schema", "quality", "freshness", "volume", "resolved", "multivariate",
};

const char *dd_event_type_name(dd_event_type_t t) {
    return (size_t)t < sizeof(type_names) / sizeof(type_names[0]) ? type_names[t] : "?";
}

void dd_event_init(dd_event_t *e, dd_event_type_t type) {
    memset(e, 0, sizeof(*e));
    e->type = type;
    e->drift.value = e->drift.bound = e->drift.value_conservative = e->drift.threshold = NAN;
    e->drift.test_statistic = e->drift.guard_p_value = NAN;
    dd_event_verdict_t none = {NULL, NAN, NAN, NAN, NAN, NAN, NULL, NULL};
    e->drift.verdict = none;
    e->quality.verdict = none;
    e->schema.backward = e->schema.forward = -1;
    e->schema.old_schema_id = e->schema.new_schema_id = -1;
    e->quality.reference_rate = e->quality.current_rate = e->quality.bound = NAN;
    e->quality.increase = e->quality.threshold = e->quality.p_value = NAN;
    e->quality.expected_min = e->quality.expected_max = NAN;
    e->volume.window_s = e->volume.rate_per_s = e->volume.reference_rate_per_s = NAN;
    e->volume.band_low = e->volume.band_high = e->volume.p_value = NAN;
    e->resolved.value = e->resolved.threshold = NAN;
    dd_event_multivariate_t *m = &e->multivariate;
    m->explained = m->error_reference = m->error_current = m->ratio = NAN;
    m->warning_ratio = m->critical_ratio = m->statistic = m->p_value = m->alpha = NAN;
}

void dd_event_fill_drift(dd_event_t *e, const dd_field_judgement_t *j, dd_severity_t severity,
                         dd_event_moved_t *moved) {
    e->type = DD_EVENT_DRIFT;
    e->condition = NULL;
    e->severity = severity;
    e->n_reference = j->n_reference;
    e->n_current = j->n_current;
    dd_event_drift_t *d = &e->drift;
    d->kind = j->kind == DD_FIELD_NUMERIC ? "numeric" : "categorical";
    d->statistic = dd_method_name(j->method);
    d->value = j->value;
    d->bound = j->bound;
    d->value_conservative = j->value_conservative;
    d->threshold = j->threshold_effective;
    d->test_statistic = j->test_statistic;
    d->dof = j->verdict.test != NULL && strcmp(j->verdict.test, "chi2") == 0
                 ? j->chi2_dof_conservative
                 : 0;
    d->guard_p_value = j->guard_p_value;
    dd_event_fill_verdict(&d->verdict, &j->verdict);
    for (size_t i = 0; i < j->n_moved && i < DD_JUDGE_MOVED_MAX; i++) {
        moved[i] = (dd_event_moved_t){
            .lower = j->moved[i].lower,
            .upper = j->moved[i].upper,
            .category = NULL,
            .hash = j->moved[i].hash,
            .other = j->moved[i].other,
            .reference_share = j->moved[i].reference_share,
            .current_share = j->moved[i].current_share,
        };
    }
    d->moved = moved;
    d->n_moved = j->n_moved < DD_JUDGE_MOVED_MAX ? j->n_moved : DD_JUDGE_MOVED_MAX;
}

void dd_event_fill_quality(dd_event_t *e, const char *condition, const dd_judge_proportion_t *p,
                           dd_severity_t severity) {
    e->type = DD_EVENT_QUALITY;
    e->condition = condition;
    e->severity = severity;
    e->n_reference = p->n_reference;
    e->n_current = p->n_current;
    dd_event_quality_t *q = &e->quality;
    q->reference_rate = p->reference_rate;
    q->current_rate = p->current_rate;
    q->bound = p->current_bound + p->reference_bound;
    q->increase = p->increase;
    q->threshold = p->threshold;
    q->p_value = p->p_value;
    dd_event_fill_verdict(&q->verdict, &p->verdict);
}

void dd_event_fill_verdict(dd_event_verdict_t *out, const dd_verdict_t *v) {
    out->test = v->test;
    out->p_value = v->p_value;
    out->alpha = v->alpha;
    out->warning_floor = v->warning_floor;
    out->critical = v->critical;
    out->noise_floor = v->noise_floor;
    out->reason = v->reason[0] ? v->reason : NULL;
}

/* ---- Key, id, time ------------------------------------------------------------------------------ */

/* Appends s with '%' and '/' percent-encoded (and, for URIs (uri 1), every byte outside RFC
 * 3986's unreserved set; for key values (uri 2), '{', '}', ',' and '=' too). */
static void put_encoded(dd_json_buf_t *b, const char *s, int uri) {
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        const int unreserved = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                               (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' ||
                               *p == '~';
        const int separator = *p == '{' || *p == '}' || *p == ',' || *p == '=';
        if (*p == '%' || *p == '/' || (uri == 1 && !unreserved) || (uri == 2 && separator)) {
            const char esc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            dd_json_buf_raw(b, esc, 3);
        } else {
            dd_json_buf_raw(b, (const char *)p, 1);
        }
    }
}

size_t dd_event_key(const dd_event_t *e, char *buf, size_t cap) {
    dd_json_buf_t b;
    dd_json_buf_init(&b, buf, cap);
    if (e->instance != NULL) { /* NULL: the key without it (summaries) */
        put_encoded(&b, e->instance, 0);
        dd_json_buf_raw(&b, "/", 1);
    }
    put_encoded(&b, e->stream, 0);
    for (size_t i = 0; i < e->n_keys; i++) {
        dd_json_buf_raw(&b, i == 0 ? "{" : ",", 1);
        put_encoded(&b, e->key_names[i], 2);
        if (e->key_values[i] != NULL) {
            dd_json_buf_raw(&b, "=", 1);
            put_encoded(&b, e->key_values[i], 2);
        }
    }
    if (e->n_keys > 0)
        dd_json_buf_raw(&b, "}", 1);
    dd_json_buf_raw(&b, "/", 1);
    put_encoded(&b, e->field, 0);
    if (e->condition != NULL) {
        dd_json_buf_raw(&b, "/", 1);
        put_encoded(&b, e->condition, 0);
    }
    return dd_json_buf_finish(&b);
}

void dd_event_keys_text(const dd_event_t *e, char *out, size_t cap) {
    if (cap == 0)
        return;
    out[0] = '\0';
    if (e->n_keys == 0)
        return;
    dd_event_t bare = *e;
    bare.instance = NULL;
    bare.field = NULL;
    bare.condition = NULL;
    char whole[600];
    dd_event_key(&bare, whole, sizeof whole);
    const char *brace = strchr(whole, '{'), *end = strrchr(whole, '}');
    if (brace != NULL && end != NULL && end > brace)
        snprintf(out, cap, "%.*s", (int)(end - brace + 1), brace);
}

static uint64_t fnv1a(uint64_t h, const void *data, size_t n) {
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

void dd_event_make_id(const dd_event_t *e, char out[DD_EVENT_ID_SIZE]) {
    char key[1024];
    size_t klen = dd_event_key(e, key, sizeof(key));
    if (klen >= sizeof(key))
        klen = sizeof(key) - 1;
    const uint64_t type = (uint64_t)e->type;
    /* An event about a window is named by the window's bounds (those of the span that found it),
     * the same when the evaluation is made again after a restart whatever the clock and the
     * evaluation counter say then; an event without one by its time and evaluation counter. */
    const int windowed = e->window_start_ms != 0 || e->window_end_ms != 0;
    const uint64_t t[2] = {windowed ? (uint64_t)e->window_start_ms : (uint64_t)e->time_ms,
                           windowed ? (uint64_t)e->window_end_ms : e->sequence};
    uint64_t h[2] = {0xcbf29ce484222325ull, 0x84222325cbf29ce4ull};
    for (int i = 0; i < 2; i++) {
        const char *inst = e->instance ? e->instance : "";
        h[i] = fnv1a(h[i], inst, strlen(inst) + 1); /* the NUL separates the parts */
        h[i] = fnv1a(h[i], &type, sizeof(type));
        h[i] = fnv1a(h[i], key, klen + 1);
        h[i] = fnv1a(h[i], t, sizeof(t));
        h[i] = dd_mix64(h[i] + (uint64_t)i);
    }
    /* Version 8 (custom) and the RFC 9562 variant. */
    h[0] = (h[0] & ~0xF000ull) | 0x8000ull;
    h[1] = (h[1] & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;
    snprintf(out, DD_EVENT_ID_SIZE, "%08" PRIx64 "-%04" PRIx64 "-%04" PRIx64 "-%04" PRIx64
                                    "-%012" PRIx64,
             h[0] >> 32, (h[0] >> 16) & 0xFFFF, h[0] & 0xFFFF, h[1] >> 48,
             (uint64_t)(h[1] & 0xFFFFFFFFFFFFull));
}

void dd_event_format_time(int64_t time_ms, char out[DD_EVENT_TIME_SIZE]) {
    int64_t secs = time_ms / 1000, ms = time_ms % 1000;
    if (ms < 0) {
        ms += 1000;
        secs -= 1;
    }
    const time_t tt = (time_t)secs;
    struct tm tm;
    if (gmtime_r(&tt, &tm) == NULL || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999) {
        snprintf(out, DD_EVENT_TIME_SIZE, "1970-01-01T00:00:00.000Z");
        return;
    }
    char text[80]; /* room for any int the compiler cannot rule out; 24 bytes are used */
    snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)ms);
    snprintf(out, DD_EVENT_TIME_SIZE, "%.24s", text);
}

/* ---- Summary ------------------------------------------------------------------------------------ */

/* A duration in the largest whole unit that keeps it readable: "850ms", "42s", "7m", "3h12m". */
static void format_duration(int64_t ms, char *out, size_t cap) {
    if (ms < 0)
        ms = 0;
    if (ms < 1000)
        snprintf(out, cap, "%" PRId64 "ms", ms);
    else if (ms < 120000)
        snprintf(out, cap, "%" PRId64 "s", ms / 1000);
    else if (ms < 7200000)
        snprintf(out, cap, "%" PRId64 "m", ms / 60000);
    else
        snprintf(out, cap, "%" PRId64 "h%02" PRId64 "m", ms / 3600000, (ms / 60000) % 60);
}

size_t dd_event_summary(const dd_event_t *e, char *buf, size_t cap) {
    if (e->summary != NULL) {
        dd_json_buf_t given;
        dd_json_buf_init(&given, buf, cap);
        dd_json_buf_cstr(&given, e->summary);
        return dd_json_buf_finish(&given);
    }
    /* Where: the key without the instance, e.g. "features/price" or "features{model=v2}/price". */
    dd_event_t where_e = *e;
    where_e.instance = NULL;
    where_e.condition = NULL;
    char where[600];
    size_t wl = dd_event_key(&where_e, where, sizeof(where));
    if (wl >= sizeof(where))
        wl = sizeof(where) - 1;
    const char *w = where;
    if (e->field == NULL && wl > 1 && where[wl - 1] == '/')
        where[wl - 1] = '\0'; /* a stream-level condition: "features" */
    const char *sev = dd_severity_name(e->severity);
    char text[1024];
    switch (e->type) {
    case DD_EVENT_DRIFT: {
        const dd_event_drift_t *d = &e->drift;
        snprintf(text, sizeof(text),
                 "%s drifted (%s): %s %.3g >= %.3g, p = %.2g at n = %" PRIu64 ", m = %" PRIu64, w,
                 sev, d->statistic ? d->statistic : "effect", d->value_conservative,
                 d->threshold, d->verdict.p_value, e->n_current, e->n_reference);
        break;
    }
    case DD_EVENT_QUALITY: {
        const dd_event_quality_t *q = &e->quality;
        snprintf(text, sizeof(text), "%s %s rose from %.3g%% to %.3g%% (%s) at n = %" PRIu64, w,
                 e->condition ? e->condition : "rate", 100 * q->reference_rate,
                 100 * q->current_rate, sev, e->n_current);
        break;
    }
    case DD_EVENT_SCHEMA: {
        const dd_event_schema_t *sc = &e->schema;
        snprintf(text, sizeof(text), "%s schema changed (%s): %s %s -> %s, compatibility %s", w,
                 sev, sc->change ? sc->change : "change", sc->old_type ? sc->old_type : "none",
                 sc->new_type ? sc->new_type : "none",
                 sc->compatibility ? sc->compatibility : "unknown");
        break;
    }
    case DD_EVENT_FRESHNESS: {
        const dd_event_freshness_t *f = &e->freshness;
        char a[32], b[32];
        const int lag = e->condition != NULL && strcmp(e->condition, "lag") == 0;
        format_duration(lag ? f->lag_ms : f->idle_ms, a, sizeof(a));
        format_duration(lag ? f->lag_max_ms : f->idle_max_ms, b, sizeof(b));
        snprintf(text, sizeof(text),
                 lag ? "%s event time is %s behind the clock, more than %s (%s)"
                     : "%s has had no records for %s, more than %s (%s)",
                 w, a, b, sev);
        break;
    }
    case DD_EVENT_VOLUME: {
        const dd_event_volume_t *v = &e->volume;
        snprintf(text, sizeof(text),
                 "%s volume %s (%s): %.3g records/s against %.3g/s in the reference (band %.3g to "
                 "%.3g times)",
                 w, v->direction < 0 ? "low" : "high", sev, v->rate_per_s,
                 v->reference_rate_per_s, v->band_low, v->band_high);
        break;
    }
    case DD_EVENT_MULTIVARIATE: {
        const dd_event_multivariate_t *m = &e->multivariate;
        snprintf(text, sizeof(text),
                 "%s fields moved together differently (%s): mean reconstruction error %.3g -> "
                 "%.3g (x%.3g) over %zu fields, p = %.2g",
                 w, sev, m->error_reference, m->error_current, m->ratio, m->n_names, m->p_value);
        break;
    }
    case DD_EVENT_RESOLVED: {
        char d[32] = "";
        if (e->resolved.raised_at_ms != 0)
            format_duration(e->time_ms - e->resolved.raised_at_ms, d, sizeof(d));
        const char *what = e->resolved.resolves == DD_EVENT_DRIFT || e->condition == NULL
                               ? dd_event_type_name(e->resolved.resolves)
                               : e->condition;
        if (e->resolved.severity != DD_SEVERITY_NONE)
            snprintf(text, sizeof(text), "%s %s resolved (was %s)", w, what,
                     dd_severity_name(e->resolved.severity));
        else
            snprintf(text, sizeof(text), "%s %s resolved", w, what);
        if (d[0]) {
            const size_t used = strlen(text);
            snprintf(text + used, sizeof(text) - used, " after %s", d);
        }
        break;
    }
    default:
        snprintf(text, sizeof(text), "%s %s", w, dd_event_type_name(e->type));
    }
    dd_json_buf_t b;
    dd_json_buf_init(&b, buf, cap);
    dd_json_buf_cstr(&b, text);
    return dd_json_buf_finish(&b);
}

/* ---- JSON --------------------------------------------------------------------------------------- */

static void key_name(dd_json_buf_t *b, const char *name) {
    dd_json_buf_raw(b, ",\"", 2);
    dd_json_buf_cstr(b, name);
    dd_json_buf_raw(b, "\":", 2);
}

static void put_str(dd_json_buf_t *b, const char *name, const char *v) {
    key_name(b, name);
    if (v == NULL)
        dd_json_buf_raw(b, "null", 4);
    else
        dd_json_buf_string(b, v, strlen(v));
}

static void put_num(dd_json_buf_t *b, const char *name, double v) {
    key_name(b, name);
    dd_json_buf_number(b, v);
}

static void put_u64(dd_json_buf_t *b, const char *name, uint64_t v) {
    key_name(b, name);
    dd_json_buf_u64(b, v);
}

static void put_i64(dd_json_buf_t *b, const char *name, int64_t v) {
    key_name(b, name);
    dd_json_buf_i64(b, v);
}

static void put_time(dd_json_buf_t *b, const char *name, int64_t ms, int present) {
    key_name(b, name);
    if (!present) {
        dd_json_buf_raw(b, "null", 4);
        return;
    }
    char t[DD_EVENT_TIME_SIZE];
    dd_event_format_time(ms, t);
    dd_json_buf_string(b, t, strlen(t));
}

static void put_bool3(dd_json_buf_t *b, const char *name, int v) {
    key_name(b, name);
    dd_json_buf_cstr(b, v < 0 ? "null" : v ? "true" : "false");
}

static void put_hash(dd_json_buf_t *b, const char *name, uint64_t h) {
    char text[24];
    snprintf(text, sizeof(text), "%016" PRIx64, h);
    put_str(b, name, text);
}

/* Object members after the first are written with a leading comma; this opens an object so
 * that the first member's comma is dropped. */
static void open_object(dd_json_buf_t *b, const char *first_name) {
    dd_json_buf_raw(b, "{\"", 2);
    dd_json_buf_cstr(b, first_name);
    dd_json_buf_raw(b, "\":", 2);
}

/* The verdict's members, inside the drift or quality object. */
static void write_verdict(dd_json_buf_t *b, const dd_event_verdict_t *v) {
    put_str(b, "test", v->test);
    put_num(b, "p_value", v->p_value);
    put_num(b, "alpha", v->alpha);
    put_num(b, "warning_floor", v->warning_floor);
    put_num(b, "critical", v->critical);
    put_num(b, "noise_floor", v->noise_floor);
    put_str(b, "length", v->length);
    put_str(b, "reason", v->reason);
}

static void write_drift(dd_json_buf_t *b, const dd_event_drift_t *d) {
    put_str(b, "kind", d->kind);
    put_str(b, "statistic", d->statistic);
    put_num(b, "value", d->value);
    put_num(b, "bound", d->bound);
    put_num(b, "value_conservative", d->value_conservative);
    put_num(b, "threshold", d->threshold);
    put_num(b, "test_statistic", d->test_statistic);
    if (d->dof > 0)
        put_u64(b, "dof", d->dof);
    else
        put_str(b, "dof", NULL);
    put_num(b, "guard_p_value", d->guard_p_value);
    write_verdict(b, &d->verdict);
    key_name(b, "moved");
    dd_json_buf_raw(b, "[", 1);
    for (size_t i = 0; i < d->n_moved && d->moved != NULL; i++) {
        const dd_event_moved_t *m = &d->moved[i];
        if (i > 0)
            dd_json_buf_raw(b, ",", 1);
        if (isnan(m->lower) && isnan(m->upper)) {
            open_object(b, "category");
            if (m->category == NULL)
                dd_json_buf_raw(b, "null", 4);
            else
                dd_json_buf_string(b, m->category, strlen(m->category));
            put_hash(b, "hash", m->hash);
            key_name(b, "other");
            dd_json_buf_cstr(b, m->other ? "true" : "false");
        } else {
            open_object(b, "lower");
            dd_json_buf_number(b, m->lower); /* ±inf (open ends) become null */
            put_num(b, "upper", m->upper);
        }
        put_num(b, "reference_share", m->reference_share);
        put_num(b, "current_share", m->current_share);
        put_num(b, "change", m->current_share - m->reference_share);
        dd_json_buf_raw(b, "}", 1);
    }
    dd_json_buf_raw(b, "]", 1);
}

static void write_schema(dd_json_buf_t *b, const dd_event_schema_t *s) {
    put_str(b, "change", s->change);
    put_str(b, "path", s->path);
    put_str(b, "old_type", s->old_type);
    put_str(b, "new_type", s->new_type);
    put_bool3(b, "backward", s->backward);
    put_bool3(b, "forward", s->forward);
    put_str(b, "compatibility", s->compatibility);
    if (s->old_schema_id >= 0)
        put_i64(b, "old_schema_id", s->old_schema_id);
    else
        put_str(b, "old_schema_id", NULL);
    if (s->new_schema_id >= 0)
        put_i64(b, "new_schema_id", s->new_schema_id);
    else
        put_str(b, "new_schema_id", NULL);
}

static void write_quality(dd_json_buf_t *b, const dd_event_quality_t *q) {
    put_num(b, "reference_rate", q->reference_rate);
    put_num(b, "current_rate", q->current_rate);
    put_num(b, "bound", q->bound);
    put_num(b, "increase", q->increase);
    put_num(b, "threshold", q->threshold);
    put_num(b, "expected_min", q->expected_min);
    put_num(b, "expected_max", q->expected_max);
    write_verdict(b, &q->verdict);
    key_name(b, "categories");
    dd_json_buf_raw(b, "[", 1);
    for (size_t i = 0; i < q->n_categories && q->categories != NULL; i++) {
        if (i > 0)
            dd_json_buf_raw(b, ",", 1);
        open_object(b, "name");
        const char *name = q->categories[i].name;
        if (name == NULL)
            dd_json_buf_raw(b, "null", 4);
        else
            dd_json_buf_string(b, name, strlen(name));
        put_hash(b, "hash", q->categories[i].hash);
        put_u64(b, "count", q->categories[i].count);
        dd_json_buf_raw(b, "}", 1);
    }
    dd_json_buf_raw(b, "]", 1);
    put_u64(b, "categories_total", q->categories_total);
}

static void write_freshness(dd_json_buf_t *b, const dd_event_freshness_t *f) {
    put_i64(b, "lag_ms", f->lag_ms);
    put_i64(b, "lag_max_ms", f->lag_max_ms);
    put_i64(b, "idle_ms", f->idle_ms);
    put_i64(b, "idle_max_ms", f->idle_max_ms);
    put_time(b, "last_event_time", f->last_event_time_ms, f->last_event_time_ms != 0);
}

static void write_volume(dd_json_buf_t *b, const dd_event_volume_t *v) {
    put_u64(b, "records", v->records);
    put_num(b, "window_s", v->window_s);
    put_num(b, "rate_per_s", v->rate_per_s);
    put_num(b, "reference_rate_per_s", v->reference_rate_per_s);
    put_num(b, "band_low", v->band_low);
    put_num(b, "band_high", v->band_high);
    put_num(b, "p_value", v->p_value);
    put_str(b, "direction", v->direction < 0 ? "low" : v->direction > 0 ? "high" : NULL);
}

static void write_multivariate(dd_json_buf_t *b, const dd_event_multivariate_t *m) {
    key_name(b, "fields");
    dd_json_buf_raw(b, "[", 1);
    for (size_t i = 0; i < m->n_names; i++) {
        if (i)
            dd_json_buf_raw(b, ",", 1);
        dd_json_buf_string(b, m->names[i], strlen(m->names[i]));
    }
    dd_json_buf_raw(b, "]", 1);
    put_u64(b, "components", m->components);
    put_num(b, "explained_variance", m->explained);
    put_num(b, "error_reference", m->error_reference);
    put_num(b, "error_current", m->error_current);
    put_num(b, "ratio", m->ratio);
    put_num(b, "warning_ratio", m->warning_ratio);
    put_num(b, "critical_ratio", m->critical_ratio);
    put_str(b, "test", "t");
    put_num(b, "test_statistic", m->statistic);
    put_u64(b, "dof", m->dof);
    put_num(b, "p_value", m->p_value);
    put_num(b, "alpha", m->alpha);
    put_str(b, "reason", m->reason);
    key_name(b, "contributions");
    dd_json_buf_raw(b, "[", 1);
    for (size_t i = 0; i < m->n_fields; i++) {
        const dd_mv_field_t *f = &m->fields[i];
        dd_json_buf_raw(b, i ? ",{" : "{", i ? 2 : 1);
        dd_json_buf_string(b, "field", 5);
        dd_json_buf_raw(b, ":", 1);
        dd_json_buf_string(b, m->names[f->index], strlen(m->names[f->index]));
        put_num(b, "reference", f->reference);
        put_num(b, "current", f->current);
        dd_json_buf_raw(b, "}", 1);
    }
    dd_json_buf_raw(b, "]", 1);
    key_name(b, "components_left_out");
    dd_json_buf_raw(b, "[", 1);
    for (size_t i = 0; i < m->n_left; i++) {
        const dd_mv_component_t *c = &m->left[i];
        dd_json_buf_raw(b, i ? ",{" : "{", i ? 2 : 1);
        dd_json_buf_string(b, "rank", 4);
        dd_json_buf_raw(b, ":", 1);
        dd_json_buf_u64(b, c->rank);
        put_num(b, "reference", c->reference);
        put_num(b, "current", c->current);
        key_name(b, "loadings");
        dd_json_buf_raw(b, "[", 1);
        for (int t = 0; t < 2 && c->top[t] < m->n_names; t++) {
            dd_json_buf_raw(b, t ? ",{" : "{", t ? 2 : 1);
            dd_json_buf_string(b, "field", 5);
            dd_json_buf_raw(b, ":", 1);
            dd_json_buf_string(b, m->names[c->top[t]], strlen(m->names[c->top[t]]));
            put_num(b, "loading", c->loading[t]);
            dd_json_buf_raw(b, "}", 1);
        }
        dd_json_buf_raw(b, "]}", 2);
    }
    dd_json_buf_raw(b, "]", 1);
    key_name(b, "correlations");
    dd_json_buf_raw(b, "[", 1);
    for (size_t i = 0; i < m->n_pairs; i++) {
        const dd_mv_pair_t *p = &m->pairs[i];
        dd_json_buf_raw(b, i ? ",{" : "{", i ? 2 : 1);
        dd_json_buf_string(b, "a", 1);
        dd_json_buf_raw(b, ":", 1);
        dd_json_buf_string(b, m->names[p->a], strlen(m->names[p->a]));
        key_name(b, "b");
        dd_json_buf_string(b, m->names[p->b], strlen(m->names[p->b]));
        put_num(b, "reference", p->reference);
        put_num(b, "current", p->current);
        dd_json_buf_raw(b, "}", 1);
    }
    dd_json_buf_raw(b, "]", 1);
}

static void write_resolved(dd_json_buf_t *b, const dd_event_t *e) {
    const dd_event_resolved_t *r = &e->resolved;
    put_str(b, "resolves", r->resolves == DD_EVENT_RESOLVED ? NULL : dd_event_type_name(r->resolves));
    put_str(b, "resolves_severity",
            r->severity == DD_SEVERITY_NONE ? NULL : dd_severity_name(r->severity));
    put_time(b, "raised_at", r->raised_at_ms, r->raised_at_ms != 0);
    if (r->raised_at_ms != 0)
        put_i64(b, "duration_ms", e->time_ms - r->raised_at_ms);
    else
        put_str(b, "duration_ms", NULL);
    put_str(b, "statistic", r->statistic);
    put_num(b, "value", r->value);
    put_num(b, "threshold", r->threshold);
}

size_t dd_event_format(const dd_event_t *e, char *buf, size_t cap) {
    dd_json_buf_t b;
    dd_json_buf_init(&b, buf, cap);
    char id[DD_EVENT_ID_SIZE];
    if (e->id == NULL)
        dd_event_make_id(e, id);
    open_object(&b, "version");
    dd_json_buf_u64(&b, DD_EVENT_VERSION);
    put_str(&b, "type", dd_event_type_name(e->type));
    put_str(&b, "id", e->id != NULL ? e->id : id);
    put_time(&b, "time", e->time_ms, 1);
    key_name(&b, "key");
    {
        /* The key in a scratch buffer (its size first), then as a JSON string. */
        const size_t klen = dd_event_key(e, NULL, 0);
        char small[512];
        char *k = klen < sizeof(small) ? small : malloc(klen + 1);
        if (k != NULL) {
            dd_event_key(e, k, klen + 1);
            dd_json_buf_string(&b, k, klen);
            if (k != small)
                free(k);
        } else {
            dd_json_buf_raw(&b, "null", 4);
        }
    }
    key_name(&b, "source");
    dd_json_buf_raw(&b, "\"driftd/", 8);
    put_encoded(&b, e->instance, 1);
    dd_json_buf_raw(&b, "/", 1);
    put_encoded(&b, e->stream, 1);
    dd_json_buf_raw(&b, "\"", 1);
    put_str(&b, "instance", e->instance);
    put_str(&b, "stream", e->stream);
    put_str(&b, "role", e->role);
    if (e->n_keys > 0) {
        dd_json_buf_raw(&b, ",\"keys\":{", 9);
        for (size_t i = 0; i < e->n_keys; i++) {
            if (i > 0)
                dd_json_buf_raw(&b, ",", 1);
            dd_json_buf_string(&b, e->key_names[i], strlen(e->key_names[i]));
            dd_json_buf_raw(&b, ":", 1);
            if (e->key_values[i] != NULL)
                dd_json_buf_string(&b, e->key_values[i], strlen(e->key_values[i]));
            else
                dd_json_buf_raw(&b, "null", 4);
        }
        dd_json_buf_raw(&b, "}", 1);
    }
    put_str(&b, "field", e->field);
    put_str(&b, "condition", e->condition);
    put_str(&b, "severity", e->severity == DD_SEVERITY_NONE ? "info" : dd_severity_name(e->severity));
    {
        const size_t slen = dd_event_summary(e, NULL, 0);
        char small[512];
        char *text = slen < sizeof(small) ? small : malloc(slen + 1);
        key_name(&b, "summary");
        if (text != NULL) {
            dd_event_summary(e, text, slen + 1);
            dd_json_buf_string(&b, text, slen);
            if (text != small)
                free(text);
        } else {
            dd_json_buf_raw(&b, "null", 4);
        }
    }
    key_name(&b, "labels");
    dd_json_buf_raw(&b, "{", 1);
    for (size_t i = 0; i < e->n_labels; i++) {
        if (i > 0)
            dd_json_buf_raw(&b, ",", 1);
        dd_json_buf_string(&b, e->label_names[i], strlen(e->label_names[i]));
        dd_json_buf_raw(&b, ":", 1);
        const char *v = e->label_values[i] != NULL ? e->label_values[i] : "";
        dd_json_buf_string(&b, v, strlen(v));
    }
    dd_json_buf_raw(&b, "}", 1);
    put_str(&b, "runbook_url", e->runbook_url);
    put_str(&b, "reference_id", e->reference_id);
    const int window = e->window_start_ms != 0 || e->window_end_ms != 0;
    key_name(&b, "window");
    open_object(&b, "start");
    if (window) {
        char t[DD_EVENT_TIME_SIZE];
        dd_event_format_time(e->window_start_ms, t);
        dd_json_buf_string(&b, t, strlen(t));
    } else {
        dd_json_buf_raw(&b, "null", 4);
    }
    put_time(&b, "end", e->window_end_ms, window);
    if (window)
        put_u64(&b, "partitions_behind", e->partitions_behind);
    dd_json_buf_raw(&b, "}", 1);
    key_name(&b, "samples");
    open_object(&b, "reference");
    dd_json_buf_u64(&b, e->n_reference);
    put_u64(&b, "current", e->n_current);
    dd_json_buf_raw(&b, "}", 1);
    switch (e->type) {
    case DD_EVENT_DRIFT:
        write_drift(&b, &e->drift);
        break;
    case DD_EVENT_SCHEMA:
        write_schema(&b, &e->schema);
        break;
    case DD_EVENT_QUALITY:
        write_quality(&b, &e->quality);
        break;
    case DD_EVENT_FRESHNESS:
        write_freshness(&b, &e->freshness);
        break;
    case DD_EVENT_VOLUME:
        write_volume(&b, &e->volume);
        break;
    case DD_EVENT_RESOLVED:
        write_resolved(&b, e);
        break;
    case DD_EVENT_MULTIVARIATE:
        write_multivariate(&b, &e->multivariate);
        break;
    }
    dd_json_buf_raw(&b, "}", 1);
    return dd_json_buf_finish(&b);
}

int dd_event_write(FILE *out, const dd_event_t *e) {
    char small[4096];
    const size_t need = dd_event_format(e, small, sizeof(small));
    char *text = small;
    if (need >= sizeof(small)) {
        text = malloc(need + 1);
        if (text == NULL)
            return -1;
        dd_event_format(e, text, need + 1);
    }
    const int ok = fwrite(text, 1, need, out) == need && fputc('\n', out) != EOF;
    if (text != small)
        free(text);
    return ok ? 0 : -1;
}

int dd_event_headers(const dd_event_t *e, dd_event_headers_t *out) {
    memset(out, 0, sizeof(*out));
    snprintf(out->type, sizeof(out->type), "io.driftd.%s.v%d", dd_event_type_name(e->type),
             DD_EVENT_VERSION);
    dd_json_buf_t b;
    dd_json_buf_init(&b, out->source, sizeof(out->source));
    dd_json_buf_cstr(&b, "driftd/");
    put_encoded(&b, e->instance, 1);
    dd_json_buf_raw(&b, "/", 1);
    put_encoded(&b, e->stream, 1);
    if (dd_json_buf_finish(&b) >= sizeof(out->source))
        return -1;
    if (e->id != NULL) {
        if (strlen(e->id) >= sizeof(out->id))
            return -1;
        memcpy(out->id, e->id, strlen(e->id) + 1);
    } else {
        dd_event_make_id(e, out->id);
    }
    dd_event_format_time(e->time_ms, out->time);
    const dd_event_header_t h[DD_EVENT_HEADERS] = {
        {"ce_specversion", "1.0"}, {"ce_type", out->type},   {"ce_source", out->source},
        {"ce_id", out->id},        {"ce_time", out->time},   {"content-type", "application/json"},
    };
    memcpy(out->h, h, sizeof(h));
    out->n = DD_EVENT_HEADERS;
    return 0;
}
