/* test_registry.c — the schema registry client (codecs/registry.c) against a small HTTP server
 * in this process, on 127.0.0.1 (an ephemeral port):
 * - a schema is fetched once and then served from the cache;
 * - 404 is unknown_schema and is not asked again within unknown_ttl_ms;
 * - 503 answers are retried with backoff until a 200;
 * - a slow registry hits the timeout; an oversized answer, a non-registry document, a Protobuf
 *   schema and a schema that does not parse each give their reason;
 * - basic auth is sent when configured (401 without it);
 * - with the registry gone, cached ids still resolve and a new id fails fast, then from cache;
 * - a registry that accepts connections and never answers costs one timeout, not one per id: the
 *   circuit breaker fails the other ids at once (no request) for backoff_ms, then lets one
 *   request through, and after another failure stays open twice as long;
 * - dd_registry_get_nowait never waits: a first ask is pending while the client's thread asks,
 *   then the schema (or a remembered 404, or the breaker's answer for a silent registry);
 * - credentials in the registry URL never appear in a message: dd_url_redact shows them as ***
 *   (the last @ of the authority ends them), and an unreachable registry's error names the URL
 *   without them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "codecs.h"

static int listen_fd = -1;
static int port;
static volatile int hits[16];
static pthread_t server;

static const char SCHEMA_DOC[] =
    "{\"schema\":\"{\\\"type\\\":\\\"record\\\",\\\"name\\\":\\\"R\\\",\\\"fields\\\":"
    "[{\\\"name\\\":\\\"x\\\",\\\"type\\\":\\\"double\\\"}]}\"}";

static void reply(int fd, int status, const char *body, size_t len) {
    char head[256];
    const int n = snprintf(head, sizeof head,
                           "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu"
                           "\r\nConnection: close\r\n\r\n",
                           status, len);
    ssize_t w = send(fd, head, (size_t)n, MSG_NOSIGNAL); /* the client may have given up */
    for (size_t off = 0; w >= 0 && off < len; off += (size_t)w)
        w = send(fd, body + off, len - off, MSG_NOSIGNAL);
}

static void *serve(void *arg) {
    (void)arg;
    for (;;) {
        const int fd = accept(listen_fd, NULL, NULL);
        if (fd < 0)
            return NULL; /* the socket was shut down: the registry is "down" */
        char req[4096];
        size_t n = 0;
        while (n < sizeof req - 1) {
            const ssize_t got = read(fd, req + n, sizeof req - 1 - n);
            if (got <= 0)
                break;
            n += (size_t)got;
            req[n] = '\0';
            if (strstr(req, "\r\n\r\n"))
                break;
        }
        req[n] = '\0';
        unsigned id = 0;
        sscanf(req, "GET /schemas/ids/%u", &id);
        if (id < 16)
            hits[id]++;
        switch (id) {
        case 1:
            reply(fd, 200, SCHEMA_DOC, strlen(SCHEMA_DOC));
            break;
        case 3:
            if (hits[3] < 3)
                reply(fd, 503, "{}", 2);
            else
                reply(fd, 200, SCHEMA_DOC, strlen(SCHEMA_DOC));
            break;
        case 4: {
            struct timespec ts = {1, 0};
            nanosleep(&ts, NULL);
            reply(fd, 200, SCHEMA_DOC, strlen(SCHEMA_DOC));
            break;
        }
        case 5: {
            const size_t big = (size_t)5 << 20;
            char *body = malloc(big);
            memset(body, ' ', big);
            reply(fd, 200, body, big);
            free(body);
            break;
        }
        case 6:
            reply(fd, 200, "<html>proxy error</html>", 24);
            break;
        case 7: {
            const char *doc = "{\"schemaType\":\"PROTOBUF\",\"schema\":\"syntax = \\\"proto3\\\";\"}";
            reply(fd, 200, doc, strlen(doc));
            break;
        }
        case 8: {
            const char *doc = "{\"schema\":\"{\\\"type\\\":\\\"Nope\\\"}\"}";
            reply(fd, 200, doc, strlen(doc));
            break;
        }
        case 9: /* user:pass */
            if (strstr(req, "Authorization: Basic dXNlcjpwYXNz") != NULL)
                reply(fd, 200, SCHEMA_DOC, strlen(SCHEMA_DOC));
            else
                reply(fd, 401, "{\"error_code\":401}", 18);
            break;
        default:
            reply(fd, 404, "{\"error_code\":40403,\"message\":\"Schema not found\"}", 49);
        }
        close(fd);
    }
}

static int start_server(void **state) {
    (void)state;
    listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listen_fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(listen_fd, 16) != 0)
        return -1;
    socklen_t len = sizeof a;
    getsockname(listen_fd, (struct sockaddr *)&a, &len);
    port = ntohs(a.sin_port);
    return pthread_create(&server, NULL, serve, NULL);
}

static dd_registry_t *client(const char *user, const char *pass) {
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
    dd_registry_options_t o;
    dd_registry_options_default(&o);
    o.timeout_ms = 400;
    o.backoff_ms = 10;
    o.backoff_max_ms = 50;
    o.username = user;
    o.password = pass;
    dd_registry_t *r = NULL;
    char err[256] = "";
    assert_int_equal(dd_registry_new(url, &o, &r, err, sizeof err), DD_CODEC_OK);
    return r;
}

static double since(const struct timespec *t0) {
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void test_registry(void **state) {
    (void)state;
    dd_registry_t *r = client(NULL, NULL);
    const dd_avro_schema_t *s = NULL;
    char err[512] = "";

    assert_int_equal(dd_registry_get(r, 1, &s, err, sizeof err), DD_CODEC_OK);
    assert_non_null(s);
    assert_int_equal(dd_registry_get(r, 1, &s, err, sizeof err), DD_CODEC_OK);
    assert_int_equal(hits[1], 1);
    size_t len = 0;
    assert_non_null(strstr(dd_registry_schema_text(r, 1, &len), "\"double\""));

    assert_int_equal(dd_registry_get(r, 2, &s, err, sizeof err), DD_CODEC_ERR_UNKNOWN_SCHEMA);
    assert_non_null(strstr(err, "not found"));
    assert_int_equal(dd_registry_get(r, 2, &s, err, sizeof err), DD_CODEC_ERR_UNKNOWN_SCHEMA);
    assert_int_equal(hits[2], 1);

    assert_int_equal(dd_registry_get(r, 3, &s, err, sizeof err), DD_CODEC_OK);
    assert_int_equal(hits[3], 3);

    /* Without waiting: a new client's first ask is pending while its own thread asks; then the
     * schema, or the 404 remembered as for dd_registry_get. */
    dd_registry_t *quick = client(NULL, NULL);
    assert_int_equal(dd_registry_get_nowait(quick, 1, &s, err, sizeof err), DD_CODEC_ERR_REGISTRY);
    assert_non_null(strstr(err, "waiting for its answer"));
    dd_codec_err_t got = DD_CODEC_ERR_REGISTRY;
    for (int i = 0; i < 300 && got == DD_CODEC_ERR_REGISTRY; i++) {
        struct timespec tick = {0, 10000000};
        nanosleep(&tick, NULL);
        got = dd_registry_get_nowait(quick, 1, &s, err, sizeof err);
    }
    assert_int_equal(got, DD_CODEC_OK);
    assert_non_null(s);
    got = dd_registry_get_nowait(quick, 2, &s, err, sizeof err);
    for (int i = 0; i < 300 && got == DD_CODEC_ERR_REGISTRY; i++) {
        struct timespec tick = {0, 10000000};
        nanosleep(&tick, NULL);
        got = dd_registry_get_nowait(quick, 2, &s, err, sizeof err);
    }
    assert_int_equal(got, DD_CODEC_ERR_UNKNOWN_SCHEMA);
    dd_registry_destroy(quick);

    /* A registry that answers after 1 s, to a client that waits 400 ms and does not retry; then
     * the test waits for the server to be free again (it answers one request at a time). */
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
    dd_registry_options_t o;
    dd_registry_options_default(&o);
    o.timeout_ms = 400;
    o.retries = 0;
    dd_registry_t *impatient = NULL;
    assert_int_equal(dd_registry_new(url, &o, &impatient, err, sizeof err), DD_CODEC_OK);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(dd_registry_get(impatient, 4, &s, err, sizeof err), DD_CODEC_ERR_REGISTRY);
    assert_true(since(&t0) < 0.9);
    assert_non_null(strstr(err, "schema id 4"));
    if (strstr(err, "timed out") == NULL) /* curl: "Operation timed out after ..." */
        fail_msg("%s", err);
    dd_registry_destroy(impatient);
    struct timespec pause = {1, 200000000};
    nanosleep(&pause, NULL);

    assert_int_equal(dd_registry_get(r, 5, &s, err, sizeof err), DD_CODEC_ERR_REGISTRY);
    assert_non_null(strstr(err, "over"));
    assert_int_equal(dd_registry_get(r, 6, &s, err, sizeof err), DD_CODEC_ERR_REGISTRY);
    assert_non_null(strstr(err, "no \"schema\""));
    assert_int_equal(dd_registry_get(r, 7, &s, err, sizeof err), DD_CODEC_ERR_UNSUPPORTED);
    assert_non_null(strstr(err, "PROTOBUF"));
    assert_int_equal(dd_registry_get(r, 8, &s, err, sizeof err), DD_CODEC_ERR_BAD_SCHEMA);
    assert_non_null(strstr(err, "Nope"));

    assert_int_equal(dd_registry_get(r, 9, &s, err, sizeof err), DD_CODEC_ERR_REGISTRY);
    assert_non_null(strstr(err, "HTTP 401"));
    dd_registry_t *authed = client("user", "pass");
    assert_int_equal(dd_registry_get(authed, 9, &s, err, sizeof err), DD_CODEC_OK);
    dd_registry_destroy(authed);

    /* The registry goes away. */
    shutdown(listen_fd, SHUT_RDWR);
    pthread_join(server, NULL);
    close(listen_fd);
    assert_int_equal(dd_registry_get(r, 1, &s, err, sizeof err), DD_CODEC_OK);
    const uint64_t before = dd_registry_requests(r);
    assert_int_equal(dd_registry_get(r, 10, &s, err, sizeof err), DD_CODEC_ERR_REGISTRY);
    assert_int_equal(dd_registry_requests(r), before + 4); /* the first try and 3 retries */
    assert_int_equal(dd_registry_get(r, 10, &s, err, sizeof err), DD_CODEC_ERR_REGISTRY);
    assert_int_equal(dd_registry_requests(r), before + 4); /* remembered for backoff_max_ms */
    assert_non_null(strstr(err, "did not answer"));
    dd_registry_destroy(r);

    dd_registry_t *bad = NULL;
    assert_int_equal(dd_registry_new("ftp://127.0.0.1/", NULL, &bad, err, sizeof err),
                     DD_CODEC_ERR_INVALID_ARGUMENT);
    assert_null(bad);
}

static void test_url_credentials_hidden(void **state) {
    (void)state;
    char out[128];
    assert_string_equal(dd_url_redact("https://user:pw@reg.example:8081/x", out, sizeof out),
                        "https://***@reg.example:8081/x");
    assert_string_equal(dd_url_redact("https://a@b:c@host/p@q?r@s", out, sizeof out),
                        "https://***@host/p@q?r@s");
    assert_string_equal(dd_url_redact("http://reg.example:8081/a@b", out, sizeof out),
                        "http://reg.example:8081/a@b");
    assert_string_equal(dd_url_redact("not a url @ all", out, sizeof out), "not a url @ all");
    char tiny[12];
    dd_url_redact("https://user:secret@host", tiny, sizeof tiny);
    assert_null(strstr(tiny, "secret"));
    assert_null(strstr(tiny, "user"));

    /* Nothing listens on port 1 of 127.0.0.1: the error names the registry, not its password. */
    dd_registry_options_t o;
    dd_registry_options_default(&o);
    o.timeout_ms = 400;
    o.retries = 0;
    char err[512];
    dd_registry_t *r = NULL;
    assert_int_equal(dd_registry_new("http://user:s3cret-pw@127.0.0.1:1", &o, &r, err, sizeof err),
                     DD_CODEC_OK);
    const dd_avro_schema_t *s = NULL;
    assert_int_equal(dd_registry_get(r, 1, &s, err, sizeof err), DD_CODEC_ERR_REGISTRY);
    assert_non_null(strstr(err, "http://***@127.0.0.1:1"));
    assert_null(strstr(err, "s3cret"));
    dd_registry_destroy(r);
    assert_int_equal(dd_registry_new("ftp://user:s3cret-pw@127.0.0.1/", NULL, &r, err, sizeof err),
                     DD_CODEC_ERR_INVALID_ARGUMENT);
    assert_null(strstr(err, "s3cret"));
}

static void test_circuit_breaker(void **state) {
    (void)state;
    /* Accepts (the kernel completes the handshakes into the backlog) and never answers. */
    const int hole = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(hole >= 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(hole, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(hole, 64), 0);
    socklen_t alen = sizeof a;
    assert_int_equal(getsockname(hole, (struct sockaddr *)&a, &alen), 0);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u", (unsigned)ntohs(a.sin_port));
    dd_registry_options_t o;
    dd_registry_options_default(&o);
    o.timeout_ms = 300;
    o.retries = 0;
    o.backoff_ms = 1000;
    o.backoff_max_ms = 4000;
    dd_registry_t *r = NULL;
    char err[512];
    assert_int_equal(dd_registry_new(url, &o, &r, err, sizeof err), DD_CODEC_OK);
    const dd_avro_schema_t *s = NULL;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (uint32_t id = 100; id < 110; id++)
        assert_int_equal(dd_registry_get(r, id, &s, err, sizeof err), DD_CODEC_ERR_REGISTRY);
    const double ten = since(&t0);
    assert_int_equal(dd_registry_requests(r), 1); /* one timed out; nine failed at once */
    if (ten > 0.9)
        fail_msg("10 unknown ids took %.2f s against a registry that does not answer", ten);
    assert_non_null(strstr(err, "did not answer lately"));
    /* Past the pause: one request goes through (and times out); then open for 2 s. */
    struct timespec pause = {1, 100000000};
    nanosleep(&pause, NULL);
    assert_int_equal(dd_registry_get(r, 200, &s, err, sizeof err), DD_CODEC_ERR_REGISTRY);
    assert_int_equal(dd_registry_requests(r), 2);
    nanosleep(&pause, NULL); /* 1.1 s: still within the doubled pause */
    assert_int_equal(dd_registry_get(r, 201, &s, err, sizeof err), DD_CODEC_ERR_REGISTRY);
    assert_int_equal(dd_registry_requests(r), 2);
    dd_registry_destroy(r);

    /* Without waiting, against the same silent registry: every ask returns at once, the first
     * ones pending, then (the client's thread timed out) "did not answer". */
    assert_int_equal(dd_registry_new(url, &o, &r, err, sizeof err), DD_CODEC_OK);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    double slowest = 0;
    int open = 0;
    for (int i = 0; i < 100 && !open; i++) {
        struct timespec ask;
        clock_gettime(CLOCK_MONOTONIC, &ask);
        assert_int_equal(dd_registry_get_nowait(r, 300, &s, err, sizeof err),
                         DD_CODEC_ERR_REGISTRY);
        const double took = since(&ask);
        slowest = took > slowest ? took : slowest;
        open = strstr(err, "did not answer") != NULL; /* remembered, or the breaker */
        struct timespec tick = {0, 20000000};
        nanosleep(&tick, NULL);
    }
    assert_true(open);
    if (slowest > 0.1)
        fail_msg("an ask that does not wait took %.3f s", slowest);
    dd_registry_destroy(r); /* joins the client's thread, which gave up after 300 ms */
    close(hole);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_registry),
                                       cmocka_unit_test(test_circuit_breaker),
                                       cmocka_unit_test(test_url_credentials_hidden)};
    return cmocka_run_group_tests(tests, start_server, NULL);
}
