/* test_http.c — the /metrics, /healthz, /readyz endpoint (engine/out/http.c), fetched with libcurl.
 *
 * - /metrics: 503 before the first publish, then exactly the latest published text with the
 *   Prometheus content type; HEAD gives the headers and no body; query strings are ignored;
 * - /healthz: 200 while the heartbeat is fresh, 503 naming the silence once it is stale or when
 *   it was stamped with another clock, 503 with the reason while forced not live;
 * - /readyz: 503 with the reason (bounded, one line) until ready, 200 then;
 * - unknown paths 404, methods other than GET/HEAD 405 with Allow, request bodies 413;
 * - bad listen strings are refused with a message naming them; a busy port names the address
 *   and the system's reason; port 0 reports the port chosen;
 * - publishing from one thread while another fetches: every body is exactly one published
 *   text, never a mix;
 * - stopping with clients connected (idle, mid-request, not reading a large body) returns
 *   quickly and closes them;
 * - slow senders (40 connections each dribbling a header line a second) cannot keep the endpoint
 *   from answering: past DD_HTTP_CONNECTIONS_PER_IP they are refused, and each is cut at its
 *   request deadline (DD_HTTP_REQUEST_DEADLINE_S), so /healthz answers again within it.
 * Everything binds and connects to 127.0.0.1; every wait is bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "prom.h"

/* ---- a small libcurl client ---------------------------------------------------------------- */

typedef struct reply {
    long status;
    char *body;
    size_t len, cap;
    char content_type[128];
    char allow[64];
    long content_length; /* -1 when absent */
    CURLcode rc;
} reply_t;

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *user) {
    reply_t *r = user;
    const size_t n = size * nmemb;
    if (r->len + n + 1 > r->cap) {
        size_t cap = r->cap ? r->cap : 4096;
        while (cap < r->len + n + 1)
            cap *= 2;
        char *b = realloc(r->body, cap);
        if (b == NULL)
            return 0;
        r->body = b;
        r->cap = cap;
    }
    memcpy(r->body + r->len, ptr, n);
    r->len += n;
    r->body[r->len] = '\0';
    return n;
}

/* Copies a header's value (trimmed) when the line is "name: value". */
static void header_value(const char *line, size_t n, const char *name, char *out, size_t size) {
    const size_t k = strlen(name);
    if (n <= k + 1 || strncasecmp(line, name, k) != 0 || line[k] != ':')
        return;
    size_t start = k + 1, end = n;
    while (start < end && line[start] == ' ')
        start++;
    while (end > start && (line[end - 1] == '\r' || line[end - 1] == '\n' || line[end - 1] == ' '))
        end--;
    snprintf(out, size, "%.*s", (int)(end - start), line + start);
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *user) {
    reply_t *r = user;
    const size_t n = size * nmemb;
    char length[32] = "";
    header_value(ptr, n, "Content-Type", r->content_type, sizeof r->content_type);
    header_value(ptr, n, "Allow", r->allow, sizeof r->allow);
    header_value(ptr, n, "Content-Length", length, sizeof length);
    if (length[0] != '\0')
        r->content_length = strtol(length, NULL, 10);
    return n;
}

/* A request to 127.0.0.1:port; body (may be NULL) is sent as the request body. */
static reply_t request(uint16_t port, const char *method, const char *path, const char *body) {
    reply_t r;
    memset(&r, 0, sizeof r);
    r.content_length = -1;
    CURL *c = curl_easy_init();
    assert_non_null(c);
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%u%s", (unsigned)port, path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROXY, "");
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    if (body != NULL)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    else if (body != NULL)
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method); /* GET with a body */
    r.rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_easy_cleanup(c);
    if (r.body == NULL) {
        r.body = calloc(1, 1);
        assert_non_null(r.body);
    }
    return r;
}

static reply_t get(uint16_t port, const char *path) {
    return request(port, "GET", path, NULL);
}

static void reply_free(reply_t *r) {
    free(r->body);
    r->body = NULL;
}

static void expect(uint16_t port, const char *method, const char *path, long status,
                   const char *body) {
    reply_t r = request(port, method, path, NULL);
    if (r.rc != CURLE_OK)
        fail_msg("%s %s: %s", method, path, curl_easy_strerror(r.rc));
    if (r.status != status || (body != NULL && strcmp(r.body, body) != 0))
        fail_msg("%s %s: got %ld '%s', expected %ld '%s'", method, path, r.status, r.body, status,
                 body != NULL ? body : "(any)");
    reply_free(&r);
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static dd_http_t *start_any_port(void) {
    dd_http_t *h = NULL;
    char err[512] = "";
    if (dd_http_start("127.0.0.1:0", &h, err, sizeof err) != 0)
        fail_msg("dd_http_start: %s", err);
    assert_non_null(h);
    assert_true(dd_http_port(h) > 0);
    return h;
}

/* ---- tests ---------------------------------------------------------------------------------- */

static void test_metrics(void **state) {
    (void)state;
    dd_http_t *h = start_any_port();
    const uint16_t port = dd_http_port(h);
    expect(port, "GET", "/metrics", 503, NULL);

    const char *text = "# TYPE a counter\na 1\n";
    dd_http_publish_metrics(h, text, strlen(text));
    reply_t r = get(port, "/metrics");
    assert_int_equal(r.rc, CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, text);
    assert_string_equal(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
    assert_string_equal(r.content_type, DD_PROM_CONTENT_TYPE);
    reply_free(&r);

    /* the latest publish wins; query strings are ignored */
    const char *text2 = "# TYPE a counter\na 2\n";
    dd_http_publish_metrics(h, text2, strlen(text2));
    expect(port, "GET", "/metrics?name[]=a&x=%00", 200, text2);

    /* HEAD: the headers of GET, no body */
    r = request(port, "HEAD", "/metrics", NULL);
    assert_int_equal(r.rc, CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.len, 0);
    assert_int_equal(r.content_length, (long)strlen(text2));
    assert_string_equal(r.content_type, DD_PROM_CONTENT_TYPE);
    reply_free(&r);

    /* a large text, and an empty one */
    const size_t big = (size_t)8 << 20;
    char *large = malloc(big);
    assert_non_null(large);
    for (size_t i = 0; i < big; i++)
        large[i] = (char)('a' + i % 26);
    large[big - 1] = '\n';
    dd_http_publish_metrics(h, large, big);
    r = get(port, "/metrics");
    assert_int_equal(r.status, 200);
    assert_int_equal(r.len, big);
    assert_memory_equal(r.body, large, big);
    reply_free(&r);
    free(large);
    dd_http_publish_metrics(h, "", 0);
    expect(port, "GET", "/metrics", 200, "");
    dd_http_publish_metrics(h, NULL, 0);
    expect(port, "GET", "/metrics", 200, "");
    dd_http_stop(h);
}

/* Answers keep the connection open for the next request (a scraper reuses it); a refused
 * request with a body does not. */
static void test_keepalive(void **state) {
    (void)state;
    dd_http_t *h = start_any_port();
    dd_http_publish_metrics(h, "a 1\n", 4);
    CURL *c = curl_easy_init();
    assert_non_null(c);
    char url[128];
    reply_t r;
    memset(&r, 0, sizeof r);
    static const char *const paths[] = {"/metrics", "/healthz", "/readyz", "/nowhere", "/metrics"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        snprintf(url, sizeof url, "http://127.0.0.1:%u%s", (unsigned)dd_http_port(h), paths[i]);
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_PROXY, "");
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
        assert_int_equal(curl_easy_perform(c), CURLE_OK);
        long connects = -1;
        curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &connects);
        assert_int_equal(connects, i == 0 ? 1 : 0);
    }
    curl_easy_cleanup(c);
    reply_free(&r);
    dd_http_stop(h);
}

static void test_healthz(void **state) {
    (void)state;
    dd_http_t *h = start_any_port();
    const uint16_t port = dd_http_port(h);
    /* the start counts as a heartbeat */
    expect(port, "GET", "/healthz", 200, "ok\n");
    dd_http_heartbeat(h, dd_http_clock_ms());
    expect(port, "GET", "/healthz", 200, "ok\n");
    reply_t r = get(port, "/healthz");
    assert_string_equal(r.content_type, "text/plain; charset=utf-8");
    reply_free(&r);

    /* stale: silent for a minute with the default 30 s limit */
    dd_http_heartbeat(h, dd_http_clock_ms() - 60000);
    r = get(port, "/healthz");
    assert_int_equal(r.status, 503);
    long silent = -1;
    assert_int_equal(sscanf(r.body, "stale: main loop silent for %ld ms\n", &silent), 1);
    assert_true(silent >= 60000 && silent < 70000);
    assert_int_equal(r.body[r.len - 1], '\n');
    reply_free(&r);
    dd_http_set_stale_ms(h, 120000);
    expect(port, "GET", "/healthz", 200, "ok\n");
    dd_http_set_stale_ms(h, 30000);
    expect(port, "GET", "/healthz", 503, NULL);
    dd_http_heartbeat(h, dd_http_clock_ms());
    expect(port, "GET", "/healthz", 200, "ok\n");

    /* goes stale by itself once the loop stops beating */
    dd_http_set_stale_ms(h, 1000);
    dd_http_heartbeat(h, dd_http_clock_ms());
    expect(port, "GET", "/healthz", 200, "ok\n");
    const struct timespec pause = {1, 500 * 1000000L};
    nanosleep(&pause, NULL);
    expect(port, "GET", "/healthz", 503, NULL);
    dd_http_set_stale_ms(h, DD_HTTP_STALE_MS_DEFAULT);
    dd_http_heartbeat(h, dd_http_clock_ms());

    /* a heartbeat stamped with the wall clock is not taken as fresh */
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    dd_http_heartbeat(h, (int64_t)wall.tv_sec * 1000);
    r = get(port, "/healthz");
    assert_int_equal(r.status, 503);
    assert_non_null(strstr(r.body, "another clock"));
    reply_free(&r);
    dd_http_heartbeat(h, dd_http_clock_ms());

    /* forced */
    dd_http_set_live(h, 0, "checkpoint writer stuck");
    expect(port, "GET", "/healthz", 503, "not live: checkpoint writer stuck\n");
    dd_http_set_live(h, 0, NULL);
    expect(port, "GET", "/healthz", 503, "not live: unspecified\n");
    dd_http_set_live(h, 1, NULL);
    expect(port, "GET", "/healthz", 200, "ok\n");
    expect(port, "HEAD", "/healthz", 200, "");
    dd_http_stop(h);
}

static void test_readyz(void **state) {
    (void)state;
    dd_http_t *h = start_any_port();
    const uint16_t port = dd_http_port(h);
    expect(port, "GET", "/readyz", 503, "not ready: starting\n");
    dd_http_set_ready(h, 0, "waiting for a partition assignment");
    expect(port, "GET", "/readyz", 503, "not ready: waiting for a partition assignment\n");
    dd_http_set_ready(h, 1, NULL);
    expect(port, "GET", "/readyz", 200, "ready\n");
    dd_http_set_ready(h, 0, "shutting down");
    expect(port, "GET", "/readyz", 503, "not ready: shutting down\n");

    /* a long reason is cut (never inside a UTF-8 sequence), control characters flattened */
    char reason[1000];
    for (size_t i = 0; i + 2 < sizeof reason; i += 2)
        memcpy(reason + i, "\xc3\xa9", 2);
    reason[sizeof reason - 2] = '\0';
    dd_http_set_ready(h, 0, reason);
    reply_t r = get(port, "/readyz");
    assert_int_equal(r.status, 503);
    assert_int_equal(r.len, strlen("not ready: \n") + DD_HTTP_REASON_BYTES_MAX);
    assert_memory_equal(r.body + strlen("not ready: "), reason, DD_HTTP_REASON_BYTES_MAX);
    reply_free(&r);
    memmove(reason + 1, reason, strlen(reason) + 1); /* shifted by one byte, */
    reason[0] = 'x'; /* byte 200 is inside a sequence: the cut moves back one byte */
    dd_http_set_ready(h, 0, reason);
    r = get(port, "/readyz");
    assert_int_equal(r.len, strlen("not ready: \n") + DD_HTTP_REASON_BYTES_MAX - 1);
    assert_memory_equal(r.body + strlen("not ready: "), reason, DD_HTTP_REASON_BYTES_MAX - 1);
    reply_free(&r);
    dd_http_set_ready(h, 0, "line one\nline two\r\t");
    expect(port, "GET", "/readyz", 503, "not ready: line one line two  \n");
    dd_http_set_ready(h, 0, NULL);
    expect(port, "GET", "/readyz", 503, "not ready: unspecified\n");
    dd_http_stop(h);
}

static void test_paths_and_methods(void **state) {
    (void)state;
    dd_http_t *h = start_any_port();
    const uint16_t port = dd_http_port(h);
    dd_http_publish_metrics(h, "a 1\n", 4);
    static const char *const missing[] = {"/", "/metrics/", "/metric", "/METRICS", "/healthz/x",
                                          "/../metrics", "/favicon.ico"};
    for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++) {
        reply_t r = get(port, missing[i]);
        assert_int_equal(r.rc, CURLE_OK);
        if (r.status != 404 && !(strcmp(missing[i], "/../metrics") == 0 && r.status == 200))
            fail_msg("%s: %ld", missing[i], r.status);
        reply_free(&r);
    }
    static const char *const methods[] = {"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"};
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        reply_t r = request(port, methods[i], "/metrics", NULL);
        assert_int_equal(r.rc, CURLE_OK);
        if (r.status != 405)
            fail_msg("%s: %ld", methods[i], r.status);
        assert_string_equal(r.allow, "GET, HEAD");
        reply_free(&r);
    }
    /* POST with a body: still 405, and the server goes on serving */
    reply_t r = request(port, "POST", "/metrics", "x=1");
    assert_int_equal(r.status, 405);
    reply_free(&r);
    /* GET with a body: refused */
    r = request(port, "GET", "/metrics", "a body");
    assert_int_equal(r.status, 413);
    reply_free(&r);
    expect(port, "GET", "/metrics", 200, "a 1\n");
    dd_http_stop(h);
}

static void test_bad_listen(void **state) {
    (void)state;
    static const char *const bad[] = {
        "", "127.0.0.1", "127.0.0.1:", ":9464", "127.0.0.1:65536", "127.0.0.1:-1",
        "127.0.0.1:80x", "127.0.0.1: 80", "127.0.0.1:123456", "::1:9464", "[::1]9464", "[::1",
        "[::1]:", "[]:80", "999.1.1.1:80", "1.2.3:80", "[not-v6]:80", "[127.0.0.1]:80",
        "host name:80", "a\nb:80"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        dd_http_t *h = (dd_http_t *)&h; /* must be reset to NULL */
        char err[512] = "";
        if (dd_http_start(bad[i], &h, err, sizeof err) == 0) {
            dd_http_stop(h);
            fail_msg("accepted '%s'", bad[i]);
        }
        assert_null(h);
        if (strncmp(err, "http.listen: ", 13) != 0)
            fail_msg("'%s': message '%s'", bad[i], err);
    }
    char err[512] = "";
    dd_http_t *h = NULL;
    assert_int_equal(dd_http_start("nonsense", &h, err, sizeof err), -1);
    assert_non_null(strstr(err, "'nonsense' is not HOST:PORT"));
    assert_int_equal(dd_http_start("bad\nvalue", &h, err, sizeof err), -1);
    assert_non_null(strstr(err, "'bad?value' is not HOST:PORT")); /* one line, always */
    assert_int_equal(dd_http_start(NULL, &h, err, sizeof err), -1);
    assert_int_equal(dd_http_start("nonsense", &h, NULL, 0), -1); /* no errstr: fine */
    /* a tiny errstr is truncated, NUL-terminated */
    char tiny[8];
    assert_int_equal(dd_http_start("nonsense", &h, tiny, sizeof tiny), -1);
    assert_int_equal(strlen(tiny), sizeof tiny - 1);

    /* localhost means 127.0.0.1 */
    assert_int_equal(dd_http_start("localhost:0", &h, err, sizeof err), 0);
    expect(dd_http_port(h), "GET", "/healthz", 200, "ok\n");
    dd_http_stop(h);

    /* NULL handles are fine everywhere */
    dd_http_stop(NULL);
    dd_http_publish_metrics(NULL, "x", 1);
    dd_http_heartbeat(NULL, 0);
    dd_http_set_ready(NULL, 1, NULL);
    dd_http_set_live(NULL, 1, NULL);
    dd_http_set_stale_ms(NULL, 1);
    assert_int_equal(dd_http_port(NULL), 0);
}

static void test_port_in_use(void **state) {
    (void)state;
    dd_http_t *a = start_any_port();
    char listen[64], err[512] = "";
    snprintf(listen, sizeof listen, "127.0.0.1:%u", (unsigned)dd_http_port(a));
    dd_http_t *b = NULL;
    assert_int_equal(dd_http_start(listen, &b, err, sizeof err), -1);
    assert_null(b);
    char want[128];
    snprintf(want, sizeof want, "http.listen: cannot bind %s: %s", listen, strerror(EADDRINUSE));
    assert_string_equal(err, want);
    /* the first one is unharmed */
    expect(dd_http_port(a), "GET", "/healthz", 200, "ok\n");
    const uint16_t port = dd_http_port(a);
    dd_http_stop(a);
    /* and once stopped, its port can be bound again */
    assert_int_equal(dd_http_start(listen, &b, err, sizeof err), 0);
    assert_int_equal(dd_http_port(b), port);
    dd_http_stop(b);
}

/* ---- concurrent publishing ----------------------------------------------------------------- */

#define VERSIONS 64

/* Version v of the text: a first line naming v, then lines whose count and content depend on v
 * (from a few bytes to ~300 KB), so a body mixing two versions cannot pass the check. */
static char *make_text(unsigned v, size_t *len) {
    const size_t lines = 1 + (size_t)(v * 2654435761u % 6000);
    char *t = malloc(32 + lines * 48);
    assert_non_null(t);
    size_t n = (size_t)sprintf(t, "# version %u\n", v);
    for (size_t i = 0; i < lines; i++)
        n += (size_t)sprintf(t + n, "m{v=\"%u\",i=\"%zu\"} %u\n", v, i, v * 7 + (unsigned)i);
    *len = n;
    return t;
}

typedef struct publisher {
    dd_http_t *h;
    char *texts[VERSIONS];
    size_t lens[VERSIONS];
    atomic_int stop;
    unsigned long published;
} publisher_t;

static void *publish_loop(void *arg) {
    publisher_t *p = arg;
    /* bounded: stops when told, or after 10 million publishes */
    for (unsigned long i = 0; i < 10000000ul && !atomic_load(&p->stop); i++) {
        const unsigned v = (unsigned)(i % VERSIONS);
        dd_http_publish_metrics(p->h, p->texts[v], p->lens[v]);
        p->published++;
    }
    return NULL;
}

static void test_concurrent_publish(void **state) {
    (void)state;
    publisher_t p;
    memset(&p, 0, sizeof p);
    p.h = start_any_port();
    for (unsigned v = 0; v < VERSIONS; v++)
        p.texts[v] = make_text(v, &p.lens[v]);
    dd_http_publish_metrics(p.h, p.texts[0], p.lens[0]);
    atomic_init(&p.stop, 0);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, publish_loop, &p), 0);
    unsigned seen[VERSIONS] = {0};
    for (int i = 0; i < 500; i++) {
        reply_t r = get(dd_http_port(p.h), "/metrics");
        assert_int_equal(r.rc, CURLE_OK);
        assert_int_equal(r.status, 200);
        unsigned v = VERSIONS;
        if (sscanf(r.body, "# version %u\n", &v) != 1 || v >= VERSIONS)
            fail_msg("fetch %d: no version line", i);
        if (r.len != p.lens[v] || memcmp(r.body, p.texts[v], r.len) != 0)
            fail_msg("fetch %d: body of %zu bytes is not version %u (%zu bytes)", i, r.len, v,
                     p.lens[v]);
        seen[v]++;
        reply_free(&r);
    }
    atomic_store(&p.stop, 1);
    pthread_join(t, NULL);
    unsigned distinct = 0;
    for (unsigned v = 0; v < VERSIONS; v++)
        distinct += seen[v] > 0;
    print_message("published %lu times, %u distinct versions fetched\n", p.published, distinct);
    assert_true(distinct > 1); /* the publishing really raced with the fetching */
    dd_http_stop(p.h);
    for (unsigned v = 0; v < VERSIONS; v++)
        free(p.texts[v]);
}

/* ---- stopping with clients connected ------------------------------------------------------- */

static int connect_raw(uint16_t port) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

static void send_all(int fd, const char *s) {
    const size_t n = strlen(s);
    assert_int_equal(send(fd, s, n, MSG_NOSIGNAL), (ssize_t)n);
}

/* 1 when the peer closed the connection within timeout_ms (after any pending data). */
static int closed_within(int fd, int timeout_ms) {
    const double deadline = now_s() + timeout_ms / 1000.0;
    char buf[65536];
    while (now_s() < deadline) {
        struct pollfd pfd = {fd, POLLIN, 0};
        const int ms = (int)((deadline - now_s()) * 1000) + 1;
        if (poll(&pfd, 1, ms) <= 0)
            continue;
        const ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
            return 1;
    }
    return 0;
}

static void test_stop_with_clients(void **state) {
    (void)state;
    dd_http_t *h = start_any_port();
    const uint16_t port = dd_http_port(h);
    /* a large text a client asks for and does not read */
    const size_t big = (size_t)32 << 20;
    char *large = malloc(big);
    assert_non_null(large);
    memset(large, 'x', big);
    large[big - 1] = '\n';
    dd_http_publish_metrics(h, large, big);
    free(large);

    const int idle = connect_raw(port);     /* connected, said nothing */
    const int partial = connect_raw(port);  /* half a request */
    const int keepalive = connect_raw(port); /* one answered request, kept open */
    const int slow = connect_raw(port);     /* does not read its 32 MB */
    send_all(partial, "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    send_all(keepalive, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    send_all(slow, "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    char buf[256];
    struct pollfd pfd = {keepalive, POLLIN, 0};
    assert_int_equal(poll(&pfd, 1, 5000), 1);
    const ssize_t n = recv(keepalive, buf, sizeof buf - 1, 0);
    assert_true(n > 0);
    buf[n] = '\0';
    assert_non_null(strstr(buf, "200"));
    /* let the server start sending to the slow reader */
    const struct timespec pause = {0, 200 * 1000000L};
    nanosleep(&pause, NULL);

    const double t0 = now_s();
    dd_http_stop(h);
    const double took = now_s() - t0;
    print_message("stop took %.3f s\n", took);
    assert_true(took < 3.0);
    assert_true(closed_within(idle, 3000));
    assert_true(closed_within(partial, 3000));
    assert_true(closed_within(keepalive, 3000));
    assert_true(closed_within(slow, 3000));
    close(idle);
    close(partial);
    close(keepalive);
    close(slow);
}

static int setup(void **state) {
    (void)state;
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    curl_global_cleanup();
    return 0;
}

typedef struct beat {
    dd_http_t *h;
    atomic_int stop;
} beat_t;

static void *beat_loop(void *p) { /* the run loop's part: heartbeat (and sweep) every 100 ms */
    beat_t *b = p;
    while (!atomic_load(&b->stop)) {
        dd_http_heartbeat(b->h, dd_http_clock_ms());
        struct timespec t = {0, 100000000};
        nanosleep(&t, NULL);
    }
    return NULL;
}

static void test_slow_senders(void **state) {
    (void)state;
    dd_http_t *h = start_any_port();
    beat_t b = {h, 0};
    pthread_t beater;
    assert_int_equal(pthread_create(&beater, NULL, beat_loop, &b), 0);
    enum { SLOW = 40 };
    int fds[SLOW];
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(dd_http_port(h));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int i = 0; i < SLOW; i++) {
        fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        assert_true(fds[i] >= 0);
        if (connect(fds[i], (struct sockaddr *)&a, sizeof a) != 0)
            assert_int_equal(errno, EINPROGRESS);
    }
    const double t0 = now_s();
    int answered = 0;
    double answered_at = 0;
    /* Every second each slow connection sends one more header line; /healthz is asked
     * meanwhile. Bounded: 15 s. */
    for (int second = 0; second < 15 && !answered; second++) {
        for (int i = 0; i < SLOW; i++) {
            const char *line = second == 0 ? "GET /healthz HTTP/1.1\r\n" : "X-Slow: 1\r\n";
            ssize_t unused = send(fds[i], line, strlen(line), MSG_NOSIGNAL);
            (void)unused;
        }
        for (int k = 0; k < 4 && !answered; k++) {
            reply_t r = request(dd_http_port(h), "GET", "/healthz", NULL);
            if (r.rc == CURLE_OK && r.status == 200) {
                answered = 1;
                answered_at = now_s() - t0;
            }
            reply_free(&r);
            struct timespec t = {0, 250000000};
            nanosleep(&t, NULL);
        }
    }
    if (!answered)
        fail_msg("/healthz did not answer within 15 s of 40 slow senders");
    assert_true(answered_at <= DD_HTTP_REQUEST_DEADLINE_S + 3.0);
    /* The slow ones were cut (or refused): reading gives end of file or an error, never waits. */
    int closed = 0;
    for (int i = 0; i < SLOW; i++) {
        struct pollfd pfd = {.fd = fds[i], .events = POLLIN};
        char buf[256];
        if (poll(&pfd, 1, 3000) == 1 && recv(fds[i], buf, sizeof buf, 0) <= 0)
            closed++;
        close(fds[i]);
    }
    assert_int_equal(closed, SLOW);
    atomic_store(&b.stop, 1);
    pthread_join(beater, NULL);
    dd_http_stop(h);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metrics),           cmocka_unit_test(test_keepalive),
        cmocka_unit_test(test_healthz),
        cmocka_unit_test(test_readyz),            cmocka_unit_test(test_paths_and_methods),
        cmocka_unit_test(test_bad_listen),        cmocka_unit_test(test_port_in_use),
        cmocka_unit_test(test_concurrent_publish), cmocka_unit_test(test_stop_with_clients),
        cmocka_unit_test(test_slow_senders),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
