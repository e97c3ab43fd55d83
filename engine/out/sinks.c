/* sinks.c — alert sinks over HTTP (sinks.h): payloads, the queue, the delivery thread.
 *
 * One mutex per sink guards its queue, its counters and the raised-alert table; the thread holds
 * it only to take or put back an item and never during a request. The owner's calls take it once
 * per event (evaluation time, never per record). */
#define _GNU_SOURCE 1 /* pthread_setname_np */
#include "sinks.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <math.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"

typedef enum item_kind {
    ITEM_POST = 0,    /* webhook, PagerDuty: the body as it is */
    ITEM_AM_RAISE,    /* Alertmanager: an alert to keep firing */
    ITEM_AM_RESOLVE,  /* Alertmanager: endsAt = ends_ms */
    ITEM_AM_ONCE,     /* Alertmanager: a one-shot alert (schema) */
} item_kind_t;

typedef struct item {
    struct item *next;
    item_kind_t kind;
    int64_t queued_ms, next_try_ms;
    uint32_t attempts;
    int64_t starts_ms, ends_ms;  /* Alertmanager */
    char *key;                   /* Alertmanager: the event's key (the raised-alert table's) */
    char headers[1024];          /* webhook: "ce-id: ...\n" lines */
    size_t len;
    char body[];                 /* len bytes and a NUL */
} item_t;

typedef struct active {
    char *key;
    char *alert; /* the fragment from dd_sink_alertmanager_alert */
    int64_t starts_ms;
} active_t;

struct dd_sink {
    dd_sink_options_t o;
    char *url, *secret, *username, *password, *ca_file, *userpwd;
    pthread_t thread;
    int started;
    pthread_mutex_t mu;
    pthread_cond_t wake, idle;
    item_t *head, *tail;
    size_t n_queued;
    int busy, stop;
    active_t *active; /* Alertmanager's raised alerts, by key; under mu */
    size_t n_active, cap_active;
    int64_t next_resend_ms;
    dd_sink_stats_t st;
    uint64_t rng;
};

const char *dd_sink_kind_name(dd_sink_kind_t k) {
    switch (k) {
    case DD_SINK_ALERTMANAGER:
        return "alertmanager";
    case DD_SINK_WEBHOOK:
        return "webhook";
    case DD_SINK_PAGERDUTY:
        return "pagerduty";
    }
    return "?";
}

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- Payloads --------------------------------------------------------------------------------- */

const char *dd_sink_alertname(const dd_event_t *e) {
    const dd_event_type_t t = e->type == DD_EVENT_RESOLVED ? e->resolved.resolves : e->type;
    switch (t) {
    case DD_EVENT_DRIFT:
        return "DriftdDrift";
    case DD_EVENT_SCHEMA:
        return "DriftdSchema";
    case DD_EVENT_QUALITY:
        return "DriftdQuality";
    case DD_EVENT_FRESHNESS:
        return "DriftdFreshness";
    case DD_EVENT_VOLUME:
        return "DriftdVolume";
    case DD_EVENT_MULTIVARIATE:
        return "DriftdMultivariate";
    default:
        return "Driftd";
    }
}

static void member(dd_json_buf_t *b, int *first, const char *name, const char *value) {
    if (value == NULL)
        return;
    dd_json_buf_raw(b, *first ? "" : ",", *first ? 0 : 1);
    *first = 0;
    dd_json_buf_string(b, name, strlen(name));
    dd_json_buf_raw(b, ":", 1);
    dd_json_buf_string(b, value, strlen(value));
}

static dd_severity_t effective_severity(const dd_event_t *e) {
    return e->type == DD_EVENT_RESOLVED ? e->resolved.severity : e->severity;
}

size_t dd_sink_alertmanager_alert(const dd_event_t *e, char *buf, size_t cap) {
    dd_json_buf_t b;
    dd_json_buf_init(&b, buf, cap);
    char keys[600];
    dd_event_keys_text(e, keys, sizeof keys);
    const dd_severity_t sev = effective_severity(e);
    dd_json_buf_cstr(&b, "{\"labels\":{");
    int first = 1;
    member(&b, &first, "alertname", dd_sink_alertname(e));
    /* User labels first, so the ones driftd sets win where a name repeats (the configuration
     * refuses such names; this is the rule if one slips through). */
    for (size_t i = 0; i < e->n_labels; i++)
        member(&b, &first, e->label_names[i], e->label_values[i] ? e->label_values[i] : "");
    member(&b, &first, "instance", e->instance ? e->instance : "");
    member(&b, &first, "stream", e->stream ? e->stream : "");
    member(&b, &first, "keys", keys[0] ? keys : NULL);
    member(&b, &first, "field", e->field);
    member(&b, &first, "condition", e->condition);
    member(&b, &first, "severity", sev != DD_SEVERITY_NONE ? dd_severity_name(sev) : "warning");
    member(&b, &first, "role", e->role);
    dd_json_buf_cstr(&b, "},\"annotations\":{");
    first = 1;
    char summary[1100];
    size_t sl = dd_event_summary(e, summary, sizeof summary);
    (void)sl;
    member(&b, &first, "summary", summary);
    const char *reason = e->type == DD_EVENT_DRIFT     ? e->drift.verdict.reason
                         : e->type == DD_EVENT_QUALITY ? e->quality.verdict.reason
                                                       : NULL;
    member(&b, &first, "description", reason != NULL ? reason : summary);
    member(&b, &first, "runbook_url", e->runbook_url);
    char id[DD_EVENT_ID_SIZE];
    if (e->id == NULL)
        dd_event_make_id(e, id);
    member(&b, &first, "event_id", e->id != NULL ? e->id : id);
    dd_json_buf_cstr(&b, "}");
    return dd_json_buf_finish(&b);
}

static const char *pagerduty_severity(dd_severity_t s) {
    return s == DD_SEVERITY_CRITICAL ? "critical" : s == DD_SEVERITY_WARNING ? "warning" : "info";
}

size_t dd_sink_pagerduty_body(const dd_event_t *e, const char *routing_key, const char *json,
                              size_t json_len, char *buf, size_t cap) {
    dd_json_buf_t b;
    dd_json_buf_init(&b, buf, cap);
    char key[1100];
    size_t kl = dd_event_key(e, key, sizeof key);
    if (kl >= sizeof key)
        kl = sizeof key - 1;
    char id[DD_EVENT_ID_SIZE];
    if (e->id == NULL)
        dd_event_make_id(e, id);
    const char *event_id = e->id != NULL ? e->id : id;
    if (e->type == DD_EVENT_SCHEMA && kl + 1 + strlen(event_id) < sizeof key) {
        /* never resolved: each change is an incident of its own */
        key[kl++] = '/';
        memcpy(key + kl, event_id, strlen(event_id) + 1);
        kl += strlen(event_id);
    }
    /* PagerDuty keeps dedup keys up to 255 characters: a longer key is cut and made unique by
     * its hash. */
    if (kl > 255) {
        uint64_t h = 0xcbf29ce484222325ull;
        for (size_t i = 0; i < kl; i++)
            h = (h ^ (unsigned char)key[i]) * 0x100000001b3ull;
        size_t cut = 238;
        while (cut > 0 && ((unsigned char)key[cut] & 0xC0) == 0x80) /* a UTF-8 boundary */
            cut--;
        snprintf(key + cut, sizeof key - cut, "#%016" PRIx64, h);
        kl = strlen(key);
    }
    dd_json_buf_cstr(&b, "{\"routing_key\":");
    dd_json_buf_string(&b, routing_key ? routing_key : "", routing_key ? strlen(routing_key) : 0);
    dd_json_buf_cstr(&b, ",\"event_action\":");
    dd_json_buf_cstr(&b, e->type == DD_EVENT_RESOLVED ? "\"resolve\"" : "\"trigger\"");
    dd_json_buf_cstr(&b, ",\"dedup_key\":");
    dd_json_buf_string(&b, key, kl);
    if (e->type != DD_EVENT_RESOLVED) {
        char summary[1100];
        size_t sl = dd_event_summary(e, summary, sizeof summary);
        if (sl > 1024) { /* PagerDuty's limit, cut at a UTF-8 boundary */
            sl = 1024;
            while (sl > 0 && ((unsigned char)summary[sl] & 0xC0) == 0x80)
                sl--;
        }
        char t[DD_EVENT_TIME_SIZE];
        dd_event_format_time(e->time_ms, t);
        dd_json_buf_cstr(&b, ",\"payload\":{\"summary\":");
        dd_json_buf_string(&b, summary, sl);
        dd_json_buf_cstr(&b, ",\"source\":");
        dd_json_buf_string(&b, e->instance ? e->instance : "", e->instance ? strlen(e->instance) : 0);
        dd_json_buf_cstr(&b, ",\"severity\":\"");
        dd_json_buf_cstr(&b, pagerduty_severity(e->severity));
        dd_json_buf_cstr(&b, "\",\"timestamp\":\"");
        dd_json_buf_cstr(&b, t);
        dd_json_buf_cstr(&b, "\",\"component\":");
        dd_json_buf_string(&b, e->stream ? e->stream : "", e->stream ? strlen(e->stream) : 0);
        dd_json_buf_cstr(&b, ",\"group\":");
        if (e->field != NULL)
            dd_json_buf_string(&b, e->field, strlen(e->field));
        else
            dd_json_buf_string(&b, e->stream ? e->stream : "", e->stream ? strlen(e->stream) : 0);
        dd_json_buf_cstr(&b, ",\"class\":");
        const char *cls = e->condition != NULL ? e->condition : dd_event_type_name(e->type);
        dd_json_buf_string(&b, cls, strlen(cls));
        dd_json_buf_cstr(&b, ",\"custom_details\":");
        if (json != NULL && json_len > 0)
            dd_json_buf_raw(&b, json, json_len); /* the event itself, valid JSON */
        else
            dd_json_buf_cstr(&b, "null");
        dd_json_buf_cstr(&b, "}");
        if (e->runbook_url != NULL) {
            dd_json_buf_cstr(&b, ",\"links\":[{\"href\":");
            dd_json_buf_string(&b, e->runbook_url, strlen(e->runbook_url));
            dd_json_buf_cstr(&b, ",\"text\":\"runbook\"}]");
        }
    }
    dd_json_buf_cstr(&b, "}");
    return dd_json_buf_finish(&b);
}

int dd_sink_signature(const char *key, const char *timestamp, const char *body, size_t len,
                      char out[DD_SINK_SIGNATURE_SIZE]) {
    out[0] = '\0';
    const size_t tl = strlen(timestamp);
    unsigned char *msg = malloc(tl + 1 + len + 1);
    if (msg == NULL)
        return -1;
    memcpy(msg, timestamp, tl);
    msg[tl] = '.';
    memcpy(msg + tl + 1, body, len);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    const unsigned char *ok = HMAC(EVP_sha256(), key, (int)strlen(key), msg, tl + 1 + len, md,
                                   &md_len);
    free(msg);
    if (ok == NULL || md_len != 32)
        return -1;
    static const char hex[] = "0123456789abcdef";
    memcpy(out, "sha256=", 7);
    for (unsigned i = 0; i < md_len; i++) {
        out[7 + 2 * i] = hex[md[i] >> 4];
        out[8 + 2 * i] = hex[md[i] & 15];
    }
    out[7 + 2 * md_len] = '\0';
    return 0;
}

/* ---- The queue -------------------------------------------------------------------------------- */

static item_t *item_new(item_kind_t kind, const char *body, size_t len) {
    item_t *it = calloc(1, sizeof(*it) + len + 1);
    if (it == NULL)
        return NULL;
    it->kind = kind;
    it->len = len;
    memcpy(it->body, body, len);
    it->body[len] = '\0';
    it->queued_ms = mono_ms();
    return it;
}

static void item_free(item_t *it) {
    if (it != NULL)
        free(it->key);
    free(it);
}

/* Under mu. */
static void push(dd_sink_t *s, item_t *it) {
    if (s->tail != NULL)
        s->tail->next = it;
    else
        s->head = it;
    s->tail = it;
    s->n_queued++;
}

static char *format_alloc(size_t (*fn)(const dd_event_t *, char *, size_t), const dd_event_t *e,
                          size_t *len) {
    const size_t need = fn(e, NULL, 0);
    char *text = malloc(need + 1);
    if (text != NULL)
        fn(e, text, need + 1);
    *len = need;
    return text;
}

int dd_sink_offer(dd_sink_t *s, const dd_event_t *e, const char *json, size_t json_len) {
    const dd_severity_t sev = effective_severity(e);
    if (sev != DD_SEVERITY_NONE && sev < s->o.min_severity)
        return 0;
    item_t *it = NULL;
    switch (s->o.kind) {
    case DD_SINK_WEBHOOK: {
        it = item_new(ITEM_POST, json, json_len);
        dd_event_headers_t h;
        if (it != NULL && dd_event_headers(e, &h) == 0) {
            size_t used = 0;
            for (size_t i = 0; i < h.n; i++) {
                if (strcmp(h.h[i].name, "content-type") == 0)
                    continue;
                /* CloudEvents' HTTP binding: ce-id, ce-type, ... */
                const int n = snprintf(it->headers + used, sizeof it->headers - used, "ce-%s: %s\n",
                                       h.h[i].name + 3, h.h[i].value);
                if (n < 0 || (size_t)n >= sizeof it->headers - used)
                    break;
                used += (size_t)n;
            }
        }
        break;
    }
    case DD_SINK_PAGERDUTY: {
        const size_t need = dd_sink_pagerduty_body(e, s->o.secret, json, json_len, NULL, 0);
        it = calloc(1, sizeof(*it) + need + 1);
        if (it != NULL) {
            dd_sink_pagerduty_body(e, s->o.secret, json, json_len, it->body, need + 1);
            it->kind = ITEM_POST;
            it->len = need;
            it->queued_ms = mono_ms();
        }
        break;
    }
    case DD_SINK_ALERTMANAGER: {
        size_t len = 0;
        char *alert = format_alloc(dd_sink_alertmanager_alert, e, &len);
        if (alert == NULL)
            break;
        const item_kind_t kind = e->type == DD_EVENT_RESOLVED ? ITEM_AM_RESOLVE
                                 : e->type == DD_EVENT_SCHEMA ? ITEM_AM_ONCE
                                                              : ITEM_AM_RAISE;
        it = item_new(kind, alert, len);
        free(alert);
        if (it == NULL)
            break;
        char key[1100];
        dd_event_key(e, key, sizeof key);
        it->key = strdup(key);
        if (it->key == NULL) {
            item_free(it);
            it = NULL;
            break;
        }
        it->starts_ms = kind == ITEM_AM_RESOLVE && e->resolved.raised_at_ms != 0
                            ? e->resolved.raised_at_ms
                            : e->time_ms;
        it->ends_ms = e->time_ms;
        break;
    }
    }
    pthread_mutex_lock(&s->mu);
    if (it == NULL || s->n_queued >= s->o.queue_max) {
        s->st.dropped_full++;
        pthread_mutex_unlock(&s->mu);
        item_free(it);
        return -1;
    }
    push(s, it);
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->mu);
    return 1;
}

/* ---- Delivery --------------------------------------------------------------------------------- */

typedef struct response {
    char text[200];
    size_t len, total;
} response_t;

static size_t on_body(char *data, size_t size, size_t n, void *opaque) {
    response_t *r = opaque;
    const size_t len = size * n;
    if (r->total + len > DD_SINK_RESPONSE_BYTES_MAX)
        return len; /* more than we need: dropped (cutting the transfer would fail a 2xx) */
    r->total += len;
    const size_t room = sizeof r->text - 1 - r->len;
    const size_t take = len < room ? len : room;
    memcpy(r->text + r->len, data, take);
    r->len += take;
    r->text[r->len] = '\0';
    return len;
}

enum { SENT = 0, RETRY = 1, REFUSED = 2 };

/* One POST. SENT, RETRY (a retry may fix it) or REFUSED; why in error. */
static int post(dd_sink_t *s, CURL *c, const char *body, size_t len, const char *extra_headers,
                char *error, size_t error_size) {
    struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: application/json");
    hdrs = curl_slist_append(hdrs, "Expect:"); /* no 100-continue round trip */
    char line[1100];
    for (const char *p = extra_headers; p != NULL && *p;) {
        const char *nl = strchr(p, '\n');
        const size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (n < sizeof line) {
            memcpy(line, p, n);
            line[n] = '\0';
            hdrs = curl_slist_append(hdrs, line);
        }
        p += n + (nl != NULL);
    }
    char ts[24], sig[DD_SINK_SIGNATURE_SIZE];
    if (s->o.kind == DD_SINK_WEBHOOK && s->secret != NULL) {
        snprintf(ts, sizeof ts, "%" PRId64, now_ms() / 1000);
        if (dd_sink_signature(s->secret, ts, body, len, sig) == 0) {
            snprintf(line, sizeof line, "X-Driftd-Timestamp: %s", ts);
            hdrs = curl_slist_append(hdrs, line);
            snprintf(line, sizeof line, "X-Driftd-Signature: %s", sig);
            hdrs = curl_slist_append(hdrs, line);
        }
    }
    response_t resp = {.len = 0};
    char curl_err[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);
    const CURLcode rc = curl_easy_perform(c);
    /* Nothing of this call's stack or body stays pointed to by the handle. */
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, NULL);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, NULL);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
    curl_slist_free_all(hdrs);
    if (rc != CURLE_OK) {
        snprintf(error, error_size, "%s", curl_err[0] ? curl_err : curl_easy_strerror(rc));
        return RETRY;
    }
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    if (code >= 200 && code < 300)
        return SENT;
    /* One line of the answer, control characters as spaces. */
    for (size_t i = 0; i < resp.len; i++)
        if ((unsigned char)resp.text[i] < 0x20)
            resp.text[i] = ' ';
    snprintf(error, error_size, "HTTP %ld%s%.120s", code, resp.len ? ": " : "", resp.text);
    if (code == 408 || code == 429 || code >= 500 || code < 200)
        return RETRY;
    return REFUSED;
}

/* An Alertmanager request body: the alerts given, with times. */
static char *am_body(const active_t *alerts, size_t n, int64_t ends_ms, int64_t now, size_t *len) {
    size_t need = 2;
    for (size_t i = 0; i < n; i++)
        need += strlen(alerts[i].alert) + 2 * DD_EVENT_TIME_SIZE + 40;
    char *text = malloc(need + 1);
    if (text == NULL)
        return NULL;
    size_t used = 0;
    text[used++] = '[';
    for (size_t i = 0; i < n; i++) {
        char starts[DD_EVENT_TIME_SIZE], ends[DD_EVENT_TIME_SIZE];
        dd_event_format_time(alerts[i].starts_ms, starts);
        dd_event_format_time(ends_ms > 0 ? ends_ms : now, ends);
        const size_t al = strlen(alerts[i].alert);
        if (i > 0)
            text[used++] = ',';
        memcpy(text + used, alerts[i].alert, al); /* an object still open (see sinks.h) */
        used += al;
        used += (size_t)snprintf(text + used, need + 1 - used,
                                 ",\"startsAt\":\"%s\",\"endsAt\":\"%s\"}", starts, ends);
    }
    text[used++] = ']';
    text[used] = '\0';
    *len = used;
    return text;
}

/* Under mu: the raised-alert table. */
static void active_put(dd_sink_t *s, const item_t *it) {
    for (size_t i = 0; i < s->n_active; i++)
        if (strcmp(s->active[i].key, it->key) == 0) {
            char *alert = strdup(it->body);
            if (alert != NULL) {
                free(s->active[i].alert);
                s->active[i].alert = alert;
                s->active[i].starts_ms = it->starts_ms;
            }
            return;
        }
    if (s->n_active >= s->o.queue_max)
        return; /* still sent once; only not re-sent */
    if (s->n_active == s->cap_active) {
        const size_t cap = s->cap_active ? 2 * s->cap_active : 16;
        active_t *grown = realloc(s->active, cap * sizeof(*grown));
        if (grown == NULL)
            return;
        s->active = grown;
        s->cap_active = cap;
    }
    active_t a = {strdup(it->key), strdup(it->body), it->starts_ms};
    if (a.key == NULL || a.alert == NULL) {
        free(a.key);
        free(a.alert);
        return;
    }
    s->active[s->n_active++] = a;
}

static void active_remove(dd_sink_t *s, const char *key) {
    for (size_t i = 0; i < s->n_active; i++)
        if (strcmp(s->active[i].key, key) == 0) {
            free(s->active[i].key);
            free(s->active[i].alert);
            s->active[i] = s->active[--s->n_active];
            return;
        }
}

static void note_failure(dd_sink_t *s, const char *error) {
    pthread_mutex_lock(&s->mu);
    s->st.failures++;
    s->st.failing = 1;
    snprintf(s->st.last_error, sizeof s->st.last_error, "%s", error);
    pthread_mutex_unlock(&s->mu);
}

/* Re-sends the raised alerts (a copy taken under mu), DD_SINK_BATCH_MAX per request. A failed
 * re-send is not retried: the next one comes resend_every later, well before endsAt. */
static void resend(dd_sink_t *s, CURL *c) {
    pthread_mutex_lock(&s->mu);
    const size_t n = s->n_active;
    active_t *copy = n ? calloc(n, sizeof(*copy)) : NULL;
    size_t k_all = 0;
    for (size_t i = 0; copy != NULL && i < n; i++) {
        copy[k_all].alert = strdup(s->active[i].alert);
        copy[k_all].starts_ms = s->active[i].starts_ms;
        k_all += copy[k_all].alert != NULL; /* out of memory: that alert waits for the next */
    }
    pthread_mutex_unlock(&s->mu);
    if (copy == NULL)
        return;
    for (size_t off = 0; off < k_all; off += DD_SINK_BATCH_MAX) {
        pthread_mutex_lock(&s->mu);
        const int stop = s->stop;
        pthread_mutex_unlock(&s->mu);
        if (stop)
            break;
        const int64_t now = now_ms();
        const size_t k = k_all - off < DD_SINK_BATCH_MAX ? k_all - off : DD_SINK_BATCH_MAX;
        size_t len = 0;
        char *body = am_body(copy + off, k, now + 4 * s->o.resend_every_ms, now, &len);
        if (body == NULL)
            continue;
        char error[256];
        const int r = post(s, c, body, len, NULL, error, sizeof error);
        free(body);
        if (r != SENT) {
            note_failure(s, error);
        } else {
            pthread_mutex_lock(&s->mu);
            s->st.failing = 0;
            pthread_mutex_unlock(&s->mu);
        }
        pthread_mutex_lock(&s->mu);
        s->st.requests++;
        pthread_mutex_unlock(&s->mu);
    }
    for (size_t i = 0; i < k_all; i++)
        free(copy[i].alert);
    free(copy);
}

static void *sink_thread(void *arg) {
    dd_sink_t *s = arg;
    pthread_setname_np(pthread_self(), "driftd-sink");
    CURL *c = curl_easy_init();
    char url[2200];
    snprintf(url, sizeof url, "%s%s", s->url,
             s->o.kind == DD_SINK_ALERTMANAGER ? "/api/v2/alerts" : "");
    if (c != NULL) {
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)s->o.timeout_ms);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)s->o.connect_timeout_ms);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
        curl_easy_setopt(c, CURLOPT_USERAGENT, "driftd/" DRIFTD_VERSION);
        if (s->userpwd != NULL) {
            curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
            curl_easy_setopt(c, CURLOPT_USERPWD, s->userpwd);
        }
        if (s->ca_file != NULL)
            curl_easy_setopt(c, CURLOPT_CAINFO, s->ca_file);
        if (!s->o.verify_tls) {
            curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
            curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
        }
    }
    pthread_mutex_lock(&s->mu);
    while (!s->stop) {
        const int64_t now = mono_ms();
        item_t *it = s->head;
        /* Queued events first; a re-send when none is due (it never holds them up for longer
         * than one batch per DD_SINK_BATCH_MAX alerts). */
        const int head_due = it != NULL && it->next_try_ms <= now;
        const int resend_due = !head_due && s->o.kind == DD_SINK_ALERTMANAGER &&
                               s->n_active > 0 && now >= s->next_resend_ms;
        if (resend_due) {
            s->busy = 1;
            pthread_mutex_unlock(&s->mu);
            if (c != NULL)
                resend(s, c);
            pthread_mutex_lock(&s->mu);
            s->busy = 0;
            s->next_resend_ms = mono_ms() + s->o.resend_every_ms; /* from its end */
            continue;
        }
        if (it == NULL || it->next_try_ms > now) {
            int64_t until = it != NULL ? it->next_try_ms : INT64_MAX;
            if (s->o.kind == DD_SINK_ALERTMANAGER && s->n_active > 0 && s->next_resend_ms < until)
                until = s->next_resend_ms;
            if (it == NULL)
                pthread_cond_broadcast(&s->idle);
            if (until == INT64_MAX) {
                pthread_cond_wait(&s->wake, &s->mu);
            } else { /* wake's clock is CLOCK_MONOTONIC, as mono_ms: a clock step changes nothing */
                const struct timespec ts = {(time_t)(until / 1000), (long)(until % 1000) * 1000000L};
                pthread_cond_timedwait(&s->wake, &s->mu, &ts);
            }
            continue;
        }
        s->busy = 1;
        pthread_mutex_unlock(&s->mu);
        /* The request, outside the lock; the item stays at the head. */
        char error[256] = "out of memory";
        int r = RETRY;
        if (c != NULL) {
            if (it->kind == ITEM_POST) {
                r = post(s, c, it->body, it->len, it->headers, error, sizeof error);
            } else {
                const active_t one = {it->key, it->body, it->starts_ms};
                const int64_t wall = now_ms();
                const int64_t ends = it->kind == ITEM_AM_RESOLVE
                                         ? (it->ends_ms < wall ? it->ends_ms : wall)
                                         : wall + 4 * s->o.resend_every_ms;
                size_t len = 0;
                char *body = am_body(&one, 1, ends, wall, &len);
                if (body != NULL) {
                    r = post(s, c, body, len, NULL, error, sizeof error);
                    free(body);
                }
            }
        }
        pthread_mutex_lock(&s->mu);
        s->busy = 0;
        s->st.requests++;
        it->attempts++;
        const int64_t after = mono_ms();
        int done = 0;
        if (r == SENT) {
            s->st.delivered++;
            s->st.failing = 0;
            if (it->kind == ITEM_AM_RAISE) {
                active_put(s, it);
                if (s->n_active == 1)
                    s->next_resend_ms = after + s->o.resend_every_ms;
            } else if (it->kind == ITEM_AM_RESOLVE) {
                active_remove(s, it->key);
            }
            done = 1;
        } else {
            s->st.failures++;
            s->st.failing = 1;
            snprintf(s->st.last_error, sizeof s->st.last_error, "%s", error);
            if (r == REFUSED) {
                s->st.dropped_rejected++;
                if (it->kind == ITEM_AM_RESOLVE)
                    active_remove(s, it->key);
                done = 1;
            } else if (after - it->queued_ms >= s->o.retry_for_ms) {
                s->st.dropped_expired++;
                if (it->kind == ITEM_AM_RESOLVE)
                    active_remove(s, it->key);
                done = 1;
            } else {
                /* Exponential backoff with full jitter over its upper half. */
                const uint32_t shift = it->attempts < 16 ? it->attempts - 1 : 15;
                int64_t backoff = (int64_t)DD_SINK_BACKOFF_MIN_MS << shift;
                if (backoff > DD_SINK_BACKOFF_MAX_MS)
                    backoff = DD_SINK_BACKOFF_MAX_MS;
                s->rng = s->rng * 6364136223846793005ull + 1442695040888963407ull;
                const int64_t jitter = (int64_t)((s->rng >> 33) % (uint64_t)(backoff / 2 + 1));
                it->next_try_ms = after + backoff / 2 + jitter;
            }
        }
        if (done) {
            s->head = it->next;
            if (s->head == NULL)
                s->tail = NULL;
            s->n_queued--;
            item_free(it);
        }
    }
    pthread_mutex_unlock(&s->mu);
    if (c != NULL)
        curl_easy_cleanup(c);
    return NULL;
}

/* ---- Life --------------------------------------------------------------------------------------- */

static char *dup_or_null(const char *s) {
    return s != NULL ? strdup(s) : NULL;
}

int dd_sink_start(const dd_sink_options_t *o, dd_sink_t **out, char *errstr, size_t errstr_size) {
    *out = NULL;
    static int curl_ready;
    if (!curl_ready) { /* the owner builds sinks before any of their threads runs */
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            snprintf(errstr, errstr_size, "%s: libcurl did not start", dd_sink_kind_name(o->kind));
            return -1;
        }
        curl_ready = 1;
    }
    dd_sink_t *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        snprintf(errstr, errstr_size, "%s: out of memory", dd_sink_kind_name(o->kind));
        return -1;
    }
    s->o = *o;
    if (s->o.queue_max == 0)
        s->o.queue_max = 1;
    if (s->o.resend_every_ms <= 0)
        s->o.resend_every_ms = 60000;
    size_t n = o->url != NULL ? strlen(o->url) : 0;
    while (n > 0 && o->kind == DD_SINK_ALERTMANAGER && o->url[n - 1] == '/')
        n--;
    s->url = o->url != NULL ? strndup(o->url, n) : NULL;
    s->secret = dup_or_null(o->secret);
    s->o.secret = s->secret;
    s->ca_file = dup_or_null(o->ca_file);
    if (o->username != NULL && o->password != NULL) {
        const size_t len = strlen(o->username) + strlen(o->password) + 2;
        s->userpwd = malloc(len);
        if (s->userpwd != NULL)
            snprintf(s->userpwd, len, "%s:%s", o->username, o->password);
    }
    s->rng = (uint64_t)mono_ms() ^ (uint64_t)(uintptr_t)s;
    pthread_mutex_init(&s->mu, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&s->wake, &attr);
    pthread_cond_init(&s->idle, &attr);
    pthread_condattr_destroy(&attr);
    if (s->url == NULL || pthread_create(&s->thread, NULL, sink_thread, s) != 0) {
        snprintf(errstr, errstr_size, "%s: cannot start its thread", dd_sink_kind_name(o->kind));
        dd_sink_stop(s);
        return -1;
    }
    s->started = 1;
    *out = s;
    return 0;
}

void dd_sink_stats(dd_sink_t *s, dd_sink_stats_t *out) {
    pthread_mutex_lock(&s->mu);
    *out = s->st;
    out->queued = s->n_queued;
    out->active = s->n_active;
    pthread_mutex_unlock(&s->mu);
}

dd_sink_kind_t dd_sink_kind(const dd_sink_t *s) {
    return s->o.kind;
}

int dd_sink_drain(dd_sink_t *s, int64_t timeout_ms) {
    const int64_t until = mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    pthread_mutex_lock(&s->mu);
    while ((s->head != NULL || s->busy) && mono_ms() < until) {
        pthread_cond_signal(&s->wake);
        const int64_t at = mono_ms() + 50; /* idle's clock is CLOCK_MONOTONIC */
        const struct timespec ts = {(time_t)(at / 1000), (long)(at % 1000) * 1000000L};
        pthread_cond_timedwait(&s->idle, &s->mu, &ts);
    }
    const int empty = s->head == NULL;
    pthread_mutex_unlock(&s->mu);
    return empty ? 0 : -1;
}

void dd_sink_stop(dd_sink_t *s) {
    if (s == NULL)
        return;
    if (s->started) {
        pthread_mutex_lock(&s->mu);
        s->stop = 1;
        pthread_cond_broadcast(&s->wake);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->thread, NULL);
    }
    for (item_t *it = s->head; it != NULL;) {
        item_t *next = it->next;
        item_free(it);
        it = next;
    }
    for (size_t i = 0; i < s->n_active; i++) {
        free(s->active[i].key);
        free(s->active[i].alert);
    }
    free(s->active);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->wake);
    pthread_cond_destroy(&s->idle);
    free(s->url);
    free(s->secret);
    free(s->ca_file);
    if (s->userpwd != NULL)
        memset(s->userpwd, 0, strlen(s->userpwd));
    free(s->userpwd);
    free(s);
}
