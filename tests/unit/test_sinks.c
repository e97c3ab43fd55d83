/* test_sinks.c — the alert sinks (engine/out/sinks.c) against a small HTTP server in this
 * process on 127.0.0.1 that answers from a script of status codes and records each request:
 * - a webhook that answers 503 twice: the event is sent again (backoff) until taken, events stay
 *   in order, each body is the event's JSON, signed (the signature checked against Python's
 *   hmac for a known input), with CloudEvents headers; the counters say so; offer never waits;
 * - a 400 drops the event at once (refused), no retry;
 * - an endpoint that never takes it: dropped once retry_for has passed (expired);
 * - a full queue drops new events (queue_full) while the endpoint is down;
 * - Alertmanager: a raise is sent, then re-sent every resend_every with endsAt moved on; its
 *   resolve is sent with endsAt = the resolve's time, and the re-sends stop;
 * - PagerDuty payloads and Alertmanager labels parse as JSON with the documented members;
 * - below min_severity nothing is queued; drain and stop return with events in flight.
 * Also built under ThreadSanitizer (the sink's thread against the owner's calls). */
#define _GNU_SOURCE 1 /* strcasestr */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sinks.h"

#define REQUESTS_MAX 64

typedef struct request {
    char head[4096];
    char *body;
    int status;
} request_t;

static struct {
    int fd, port;
    pthread_t thread;
    pthread_mutex_t mu;
    int script[REQUESTS_MAX]; /* status of the i-th request; 0 after the script: 200 */
    int n_script;
    request_t req[REQUESTS_MAX];
    int n_req;
} srv = {.fd = -1, .mu = PTHREAD_MUTEX_INITIALIZER};

static void *serve(void *arg) {
    (void)arg;
    for (;;) {
        const int fd = accept(srv.fd, NULL, NULL);
        if (fd < 0)
            return NULL;
        /* keep-alive: several requests per connection */
        for (;;) {
            char buf[65536];
            size_t n = 0;
            char *end = NULL;
            while (n < sizeof buf - 1 && end == NULL) {
                const ssize_t got = read(fd, buf + n, sizeof buf - 1 - n);
                if (got <= 0)
                    break;
                n += (size_t)got;
                buf[n] = '\0';
                end = strstr(buf, "\r\n\r\n");
            }
            if (end == NULL)
                break;
            size_t clen = 0;
            const char *cl = strcasestr(buf, "Content-Length:");
            if (cl != NULL)
                clen = strtoul(cl + 15, NULL, 10);
            const size_t head = (size_t)(end + 4 - buf);
            while (n < head + clen && n < sizeof buf - 1) {
                const ssize_t got = read(fd, buf + n, sizeof buf - 1 - n);
                if (got <= 0)
                    break;
                n += (size_t)got;
            }
            buf[n] = '\0';
            pthread_mutex_lock(&srv.mu);
            int status = 200;
            if (srv.n_req < REQUESTS_MAX) {
                request_t *r = &srv.req[srv.n_req];
                snprintf(r->head, sizeof r->head, "%.*s", (int)head, buf);
                r->body = strndup(buf + head, clen);
                status = srv.n_req < srv.n_script && srv.script[srv.n_req] ? srv.script[srv.n_req]
                                                                           : 200;
                r->status = status;
                srv.n_req++;
            }
            pthread_mutex_unlock(&srv.mu);
            char reply[256];
            const int len = snprintf(reply, sizeof reply,
                                     "HTTP/1.1 %d X\r\nContent-Length: 2\r\nContent-Type: "
                                     "application/json\r\n\r\n{}",
                                     status);
            if (send(fd, reply, (size_t)len, MSG_NOSIGNAL) < 0)
                break;
        }
        close(fd);
    }
}

static void script(const int *statuses, int n) {
    pthread_mutex_lock(&srv.mu);
    for (int i = 0; i < srv.n_req; i++)
        free(srv.req[i].body);
    srv.n_req = 0;
    srv.n_script = n;
    for (int i = 0; i < n; i++)
        srv.script[i] = statuses[i];
    pthread_mutex_unlock(&srv.mu);
}

static int requests(void) {
    pthread_mutex_lock(&srv.mu);
    const int n = srv.n_req;
    pthread_mutex_unlock(&srv.mu);
    return n;
}

static int setup(void **state) {
    (void)state;
    srv.fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(srv.fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(srv.fd, 16) != 0)
        return -1;
    socklen_t len = sizeof a;
    getsockname(srv.fd, (struct sockaddr *)&a, &len);
    srv.port = ntohs(a.sin_port);
    return pthread_create(&srv.thread, NULL, serve, NULL);
}

static int teardown(void **state) {
    (void)state;
    shutdown(srv.fd, SHUT_RDWR);
    close(srv.fd);
    pthread_join(srv.thread, NULL);
    script(NULL, 0);
    return 0;
}

static void options(dd_sink_options_t *o, dd_sink_kind_t kind, const char *path) {
    static char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", srv.port, path);
    memset(o, 0, sizeof *o);
    o->kind = kind;
    o->url = url;
    o->verify_tls = 1;
    o->timeout_ms = 2000;
    o->connect_timeout_ms = 1000;
    o->queue_max = 100;
    o->retry_for_ms = 60000;
    o->resend_every_ms = 60000;
    o->min_severity = DD_SEVERITY_WARNING;
}

static void event(dd_event_t *e, dd_event_type_t type, const char *field, int64_t time_ms) {
    dd_event_init(e, type);
    e->time_ms = time_ms;
    e->instance = "test";
    e->stream = "features";
    e->role = "features";
    e->field = field;
    e->severity = DD_SEVERITY_CRITICAL;
    e->window_start_ms = time_ms - 60000;
    e->window_end_ms = time_ms;
    e->drift.kind = "numeric";
    e->drift.statistic = "wasserstein";
}

static void offer(dd_sink_t *s, const dd_event_t *e, char *json, size_t cap) {
    const size_t len = dd_event_format(e, json, cap);
    assert_true(len < cap);
    assert_int_equal(dd_sink_offer(s, e, json, len), 1);
}

static void test_signature_known_answer(void **state) {
    (void)state;
    char sig[DD_SINK_SIGNATURE_SIZE];
    const char body[] = "{\"a\":1}";
    assert_int_equal(dd_sink_signature("s3cr3t", "1700000000", body, strlen(body), sig), 0);
    /* python3: hmac.new(b"s3cr3t", b"1700000000.{\"a\":1}", hashlib.sha256).hexdigest() */
    assert_string_equal(sig,
                        "sha256=8dbbbbf4523b10bbb793e74d854144c45acccc2d233667b1c06b805b6ded8a84");
}

static void test_webhook_retries_in_order(void **state) {
    (void)state;
    const int statuses[] = {503, 503};
    script(statuses, 2);
    dd_sink_options_t o;
    options(&o, DD_SINK_WEBHOOK, "/hook");
    o.secret = "s3cr3t";
    dd_sink_t *s = NULL;
    char err[256];
    assert_int_equal(dd_sink_start(&o, &s, err, sizeof err), 0);
    dd_event_t a, b;
    char ja[4096], jb[4096];
    event(&a, DD_EVENT_DRIFT, "price", 1714564800000);
    event(&b, DD_EVENT_DRIFT, "age", 1714564801000);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    offer(s, &a, ja, sizeof ja);
    offer(s, &b, jb, sizeof jb);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    /* offering formats and queues; it never waits for the endpoint */
    assert_true((double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9 < 0.5);
    assert_int_equal(dd_sink_drain(s, 15000), 0);
    dd_sink_stats_t st;
    dd_sink_stats(s, &st);
    assert_int_equal(st.delivered, 2);
    assert_int_equal(st.failures, 2);
    assert_int_equal(st.requests, 4);
    assert_int_equal(st.dropped_full + st.dropped_expired + st.dropped_rejected, 0);
    assert_int_equal(st.queued, 0);
    dd_sink_stop(s);
    assert_int_equal(requests(), 4);
    /* a, a (retries), a (taken), b: in order, bodies as formatted, each signed */
    const char *want[] = {ja, ja, ja, jb};
    for (int i = 0; i < 4; i++) {
        const request_t *r = &srv.req[i];
        assert_string_equal(r->body, want[i]);
        assert_non_null(strstr(r->head, "POST /hook HTTP/1.1"));
        assert_non_null(strcasestr(r->head, "Content-Type: application/json"));
        assert_non_null(strcasestr(r->head, "ce-specversion: 1.0"));
        assert_non_null(strcasestr(r->head, "ce-type: io.driftd.drift.v3"));
        const char *ts = strcasestr(r->head, "X-Driftd-Timestamp: ");
        const char *sg = strcasestr(r->head, "X-Driftd-Signature: ");
        assert_non_null(ts);
        assert_non_null(sg);
        char tsv[32] = "", sgv[DD_SINK_SIGNATURE_SIZE] = "", expect[DD_SINK_SIGNATURE_SIZE];
        sscanf(ts + 20, "%31[0-9]", tsv);
        sscanf(sg + 20, "%71[a-z0-9=]", sgv); /* DD_SINK_SIGNATURE_SIZE - 1 */
        assert_int_equal(dd_sink_signature("s3cr3t", tsv, r->body, strlen(r->body), expect), 0);
        assert_string_equal(sgv, expect);
    }
}

static void test_refused_and_expired(void **state) {
    (void)state;
    const int refuse[] = {400};
    script(refuse, 1);
    dd_sink_options_t o;
    options(&o, DD_SINK_WEBHOOK, "/");
    dd_sink_t *s = NULL;
    char err[256], json[4096];
    assert_int_equal(dd_sink_start(&o, &s, err, sizeof err), 0);
    dd_event_t e;
    event(&e, DD_EVENT_DRIFT, "price", 1714564800000);
    offer(s, &e, json, sizeof json);
    assert_int_equal(dd_sink_drain(s, 5000), 0);
    dd_sink_stats_t st;
    dd_sink_stats(s, &st);
    assert_int_equal(st.dropped_rejected, 1);
    assert_int_equal(st.delivered, 0);
    assert_int_equal(requests(), 1); /* no retry for a 4xx */
    assert_non_null(strstr(st.last_error, "HTTP 400"));
    dd_sink_stop(s);

    const int down[] = {503, 503, 503, 503, 503, 503, 503, 503};
    script(down, 8);
    o.retry_for_ms = 1200;
    assert_int_equal(dd_sink_start(&o, &s, err, sizeof err), 0);
    offer(s, &e, json, sizeof json);
    assert_int_equal(dd_sink_drain(s, 10000), 0);
    dd_sink_stats(s, &st);
    assert_int_equal(st.dropped_expired, 1);
    assert_true(st.failures >= 2);
    dd_sink_stop(s);
}

static void test_queue_full_and_min_severity(void **state) {
    (void)state;
    script(NULL, 0);
    dd_sink_options_t o;
    options(&o, DD_SINK_PAGERDUTY, "/v2/enqueue");
    static char dead[64];
    snprintf(dead, sizeof dead, "http://127.0.0.1:1/"); /* nothing listens: refused at once */
    o.url = dead;
    o.secret = "R0UTING";
    o.queue_max = 2;
    o.min_severity = DD_SEVERITY_CRITICAL;
    dd_sink_t *s = NULL;
    char err[256], json[4096];
    assert_int_equal(dd_sink_start(&o, &s, err, sizeof err), 0);
    dd_event_t e;
    event(&e, DD_EVENT_DRIFT, "price", 1714564800000);
    e.severity = DD_SEVERITY_WARNING;
    const size_t len = dd_event_format(&e, json, sizeof json);
    assert_int_equal(dd_sink_offer(s, &e, json, len), 0); /* below min_severity */
    e.severity = DD_SEVERITY_CRITICAL;
    int queued = 0, dropped = 0;
    for (int i = 0; i < 5; i++) {
        const int r = dd_sink_offer(s, &e, json, len);
        queued += r == 1;
        dropped += r == -1;
    }
    assert_true(queued >= 2 && queued <= 3); /* the thread may hold one out of the queue */
    dd_sink_stats_t st;
    dd_sink_stats(s, &st);
    assert_int_equal(st.dropped_full, (uint64_t)dropped);
    assert_true(dropped >= 2);
    assert_int_equal(dd_sink_drain(s, 200), -1); /* the endpoint is down: events are left */
    dd_sink_stop(s);                            /* and stop still returns */
}

static json_t *body_json(int i) {
    json_error_t je;
    json_t *j = json_loads(srv.req[i].body, 0, &je);
    if (j == NULL)
        fail_msg("request %d is not JSON (%s): %s", i, je.text, srv.req[i].body);
    return j;
}

static void test_alertmanager_resend_and_resolve(void **state) {
    (void)state;
    script(NULL, 0);
    dd_sink_options_t o;
    options(&o, DD_SINK_ALERTMANAGER, "/");
    o.resend_every_ms = 700;
    dd_sink_t *s = NULL;
    char err[256], json[4096];
    assert_int_equal(dd_sink_start(&o, &s, err, sizeof err), 0);
    static const char *const ln[] = {"team"};
    static const char *const lv[] = {"ml"};
    dd_event_t e;
    event(&e, DD_EVENT_DRIFT, "price", 1714564800000);
    e.label_names = ln;
    e.label_values = lv;
    e.n_labels = 1;
    e.runbook_url = "https://runbooks.example.com/price";
    offer(s, &e, json, sizeof json);
    struct timespec wait = {2, 0};
    nanosleep(&wait, NULL); /* the raise, then about two re-sends */
    const int before_resolve = requests();
    assert_true(before_resolve >= 3);
    dd_event_t r;
    event(&r, DD_EVENT_RESOLVED, "price", 1714564900000);
    r.resolved.resolves = DD_EVENT_DRIFT;
    r.resolved.severity = DD_SEVERITY_CRITICAL;
    r.resolved.raised_at_ms = 1714564800000;
    r.label_names = ln; /* as driftd builds it: the raise's labels and runbook */
    r.label_values = lv;
    r.n_labels = 1;
    r.runbook_url = e.runbook_url;
    offer(s, &r, json, sizeof json);
    assert_int_equal(dd_sink_drain(s, 5000), 0);
    nanosleep(&wait, NULL); /* no re-send after the resolve */
    const int after = requests();
    dd_sink_stop(s);
    char prev_ends[40] = "";
    for (int i = 0; i < after; i++) {
        assert_non_null(strstr(srv.req[i].head, "POST /api/v2/alerts HTTP/1.1"));
        json_t *arr = body_json(i);
        assert_true(json_is_array(arr) && json_array_size(arr) == 1);
        json_t *a = json_array_get(arr, 0);
        json_t *l = json_object_get(a, "labels"), *an = json_object_get(a, "annotations");
        assert_string_equal(json_string_value(json_object_get(l, "alertname")), "DriftdDrift");
        assert_string_equal(json_string_value(json_object_get(l, "field")), "price");
        assert_string_equal(json_string_value(json_object_get(l, "severity")), "critical");
        assert_string_equal(json_string_value(json_object_get(l, "team")), "ml");
        assert_string_equal(json_string_value(json_object_get(l, "instance")), "test");
        assert_string_equal(json_string_value(json_object_get(an, "runbook_url")),
                            "https://runbooks.example.com/price");
        assert_string_equal(json_string_value(json_object_get(a, "startsAt")),
                            "2024-05-01T12:00:00.000Z");
        const char *ends = json_string_value(json_object_get(a, "endsAt"));
        assert_non_null(ends);
        if (i == after - 1) { /* the resolve: endsAt its time (before the wall clock) */
            assert_string_equal(ends, "2024-05-01T12:01:40.000Z");
        } else { /* firing: endsAt ahead of now, moved on by each re-send */
            assert_true(strcmp(ends, "2026-01-01") > 0);
            assert_true(strcmp(ends, prev_ends) >= 0);
            snprintf(prev_ends, sizeof prev_ends, "%s", ends);
        }
        json_decref(arr);
    }
}

static void test_pagerduty_payload(void **state) {
    (void)state;
    dd_event_t e;
    event(&e, DD_EVENT_DRIFT, "price", 1714564800000);
    char json[4096], body[8192];
    const size_t len = dd_event_format(&e, json, sizeof json);
    assert_true(dd_sink_pagerduty_body(&e, "RK", json, len, body, sizeof body) < sizeof body);
    json_error_t je;
    json_t *b = json_loads(body, 0, &je);
    assert_non_null(b);
    assert_string_equal(json_string_value(json_object_get(b, "event_action")), "trigger");
    assert_string_equal(json_string_value(json_object_get(b, "dedup_key")), "test/features/price");
    json_t *p = json_object_get(b, "payload");
    assert_string_equal(json_string_value(json_object_get(p, "severity")), "critical");
    assert_string_equal(json_string_value(json_object_get(p, "source")), "test");
    assert_true(strlen(json_string_value(json_object_get(p, "summary"))) <= 1024);
    assert_true(json_is_object(json_object_get(p, "custom_details")));
    json_decref(b);
    /* a key longer than PagerDuty's 255: cut, and made unique by its hash */
    char longfield[400];
    memset(longfield, 'f', sizeof longfield - 1);
    longfield[sizeof longfield - 1] = '\0';
    e.field = longfield;
    event(&e, DD_EVENT_RESOLVED, longfield, 1714564800000);
    e.resolved.resolves = DD_EVENT_DRIFT;
    dd_sink_pagerduty_body(&e, "RK", NULL, 0, body, sizeof body);
    b = json_loads(body, 0, &je);
    assert_non_null(b);
    assert_string_equal(json_string_value(json_object_get(b, "event_action")), "resolve");
    assert_true(strlen(json_string_value(json_object_get(b, "dedup_key"))) <= 255);
    assert_null(json_object_get(b, "payload"));
    json_decref(b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signature_known_answer),
        cmocka_unit_test(test_webhook_retries_in_order),
        cmocka_unit_test(test_refused_and_expired),
        cmocka_unit_test(test_queue_full_and_min_severity),
        cmocka_unit_test(test_alertmanager_resend_and_resolve),
        cmocka_unit_test(test_pagerduty_payload),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
