/* http.c — /metrics, /healthz and /readyz on libmicrohttpd (http.h).
 *
 * The published metrics text is an immutable, reference-counted snapshot: publishing swaps the
 * pointer under the mutex, and a response holds a reference until libmicrohttpd has sent it, so
 * the HTTP thread never copies the text under the lock and never sees half of a publish. The
 * mutex guards only pointer swaps, counts and short strings; the heartbeat is a relaxed atomic
 * because the loop stamps it every iteration.
 *
 * The listening socket is bound here rather than by libmicrohttpd, so a bad address or a busy
 * port comes back as a precise message with strerror instead of a NULL daemon. */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "prom.h"

#define LISTEN_BACKLOG 128
#define HOST_BYTES_MAX 255u
/* A heartbeat this far ahead of CLOCK_MONOTONIC was stamped with another clock. */
#define CLOCK_SKEW_TOLERANCE_MS 1000
#define TEXT_PLAIN "text/plain; charset=utf-8"

#ifndef MHD_HTTP_CONTENT_TOO_LARGE /* libmicrohttpd before 0.9.74 */
#define MHD_HTTP_CONTENT_TOO_LARGE 413
#endif

typedef struct snapshot {
    dd_http_t *owner;
    size_t refs; /* under owner->lock */
    size_t len;
    char data[]; /* len bytes and a NUL */
} snapshot_t;

struct dd_http {
    struct MHD_Daemon *daemon;
    uint16_t port;
    _Atomic int64_t heartbeat_ms;
    pthread_mutex_t lock; /* guards the fields below */
    snapshot_t *metrics;  /* NULL before the first publish */
    int64_t stale_ms;
    int live, ready;
    char live_reason[DD_HTTP_REASON_BYTES_MAX + 1];
    char ready_reason[DD_HTTP_REASON_BYTES_MAX + 1];
    char mhd_error[256]; /* libmicrohttpd's latest message, for a failed start */
    /* Open connections and when their request must have arrived (INT64_MAX: it did). fd is a
     * dup of the connection's socket, ours until the connection closes, so the sweep can shut
     * the socket down without racing libmicrohttpd's close and a reuse of its number. */
    struct {
        struct MHD_Connection *c;
        int fd;
        int64_t deadline_ms;
    } conns[DD_HTTP_CONNECTIONS_MAX + 16];
    int64_t next_sweep_ms;
    uint64_t cut; /* connections cut at their request deadline */
};

__attribute__((format(printf, 3, 4))) static void say(char *errstr, size_t size, const char *fmt,
                                                      ...) {
    if (errstr == NULL || size == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errstr, size, fmt, ap);
    va_end(ap);
}

int64_t dd_http_clock_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + (int64_t)(ts.tv_nsec / 1000000);
}

/* A reason as one printable line of at most DD_HTTP_REASON_BYTES_MAX bytes: control characters
 * become spaces and a cut never splits a UTF-8 sequence. */
static void copy_reason(char *dst, const char *reason) {
    const char *src = reason != NULL ? reason : "unspecified";
    size_t n = strlen(src);
    if (n > DD_HTTP_REASON_BYTES_MAX) {
        n = DD_HTTP_REASON_BYTES_MAX;
        while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
            n--;
    }
    for (size_t i = 0; i < n; i++) {
        const unsigned char c = (unsigned char)src[i];
        dst[i] = c < 0x20 || c == 0x7F ? ' ' : (char)c;
    }
    dst[n] = '\0';
}

/* ---- the metrics snapshot -------------------------------------------------------------------- */

static void snapshot_release(void *cls) {
    snapshot_t *s = cls;
    dd_http_t *h = s->owner;
    pthread_mutex_lock(&h->lock);
    const int last = --s->refs == 0;
    pthread_mutex_unlock(&h->lock);
    if (last)
        free(s);
}

void dd_http_publish_metrics(dd_http_t *h, const char *text, size_t len) {
    if (h == NULL || (text == NULL && len > 0) || len > SIZE_MAX - sizeof(snapshot_t) - 1)
        return;
    snapshot_t *s = malloc(sizeof(snapshot_t) + len + 1);
    if (s == NULL)
        return; /* the previous text stays served */
    s->owner = h;
    s->refs = 1;
    s->len = len;
    if (len > 0)
        memcpy(s->data, text, len);
    s->data[len] = '\0';
    pthread_mutex_lock(&h->lock);
    snapshot_t *old = h->metrics;
    h->metrics = s;
    pthread_mutex_unlock(&h->lock);
    if (old != NULL)
        snapshot_release(old);
}

/* ---- state set by the loop ------------------------------------------------------------------- */

void dd_http_heartbeat(dd_http_t *h, int64_t now_ms) {
    if (h == NULL)
        return;
    atomic_store_explicit(&h->heartbeat_ms, now_ms, memory_order_relaxed);
    if (now_ms < h->next_sweep_ms) /* the loop's thread only: no lock for this */
        return;
    h->next_sweep_ms = now_ms + 500;
    const int64_t now = dd_http_clock_ms();
    pthread_mutex_lock(&h->lock);
    for (size_t i = 0; i < sizeof h->conns / sizeof h->conns[0]; i++)
        if (h->conns[i].c != NULL && h->conns[i].deadline_ms < now) {
            shutdown(h->conns[i].fd, SHUT_RDWR); /* libmicrohttpd then closes it */
            h->conns[i].deadline_ms = INT64_MAX;
            h->cut++;
        }
    pthread_mutex_unlock(&h->lock);
}

/* The connection's slot; NULL when none (more connections than slots: not watched). Under
 * h->lock. */
static int conn_slot(dd_http_t *h, const struct MHD_Connection *c) {
    for (size_t i = 0; i < sizeof h->conns / sizeof h->conns[0]; i++)
        if (h->conns[i].c == c)
            return (int)i;
    return -1;
}

static void set_deadline(dd_http_t *h, const struct MHD_Connection *c, int64_t deadline_ms) {
    pthread_mutex_lock(&h->lock);
    const int i = conn_slot(h, c);
    if (i >= 0)
        h->conns[i].deadline_ms = deadline_ms;
    pthread_mutex_unlock(&h->lock);
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code) {
    dd_http_t *h = cls;
    (void)socket_context;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *info =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        const int fd = info != NULL ? fcntl(info->connect_fd, F_DUPFD_CLOEXEC, 0) : -1;
        if (fd < 0)
            return;
        pthread_mutex_lock(&h->lock);
        const int i = conn_slot(h, NULL);
        if (i >= 0) {
            h->conns[i].c = c;
            h->conns[i].fd = fd;
            h->conns[i].deadline_ms =
                dd_http_clock_ms() + (int64_t)DD_HTTP_REQUEST_DEADLINE_S * 1000;
        }
        pthread_mutex_unlock(&h->lock);
        if (i < 0)
            close(fd);
    } else {
        pthread_mutex_lock(&h->lock);
        const int i = conn_slot(h, c);
        if (i >= 0) {
            close(h->conns[i].fd);
            h->conns[i].c = NULL;
        }
        pthread_mutex_unlock(&h->lock);
    }
}

/* A response sent: on a kept-alive connection the next request has its own deadline. */
static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe) {
    (void)req_cls;
    (void)toe;
    set_deadline(cls, c, dd_http_clock_ms() + (int64_t)DD_HTTP_REQUEST_DEADLINE_S * 1000);
}

void dd_http_set_stale_ms(dd_http_t *h, int64_t stale_ms) {
    if (h == NULL)
        return;
    pthread_mutex_lock(&h->lock);
    h->stale_ms = stale_ms < 1 ? 1 : stale_ms;
    pthread_mutex_unlock(&h->lock);
}

void dd_http_set_live(dd_http_t *h, int live, const char *reason) {
    if (h == NULL)
        return;
    pthread_mutex_lock(&h->lock);
    h->live = live != 0;
    copy_reason(h->live_reason, live ? "" : reason);
    pthread_mutex_unlock(&h->lock);
}

void dd_http_set_ready(dd_http_t *h, int ready, const char *reason) {
    if (h == NULL)
        return;
    pthread_mutex_lock(&h->lock);
    h->ready = ready != 0;
    copy_reason(h->ready_reason, ready ? "" : reason);
    pthread_mutex_unlock(&h->lock);
}

uint16_t dd_http_port(const dd_http_t *h) {
    return h != NULL ? h->port : 0;
}

/* ---- requests -------------------------------------------------------------------------------- */

static enum MHD_Result send_response(struct MHD_Connection *c, unsigned status,
                                     struct MHD_Response *r, const char *content_type,
                                     int allow_header) {
    if (r == NULL)
        return MHD_NO; /* out of memory: libmicrohttpd closes the connection */
    enum MHD_Result ok =
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type) == MHD_YES &&
                MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") == MHD_YES &&
                (!allow_header ||
                 MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD") == MHD_YES)
            ? MHD_YES
            : MHD_NO;
    if (ok == MHD_YES)
        ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned status, const char *text) {
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
    return send_response(c, status, r, TEXT_PLAIN, status == MHD_HTTP_METHOD_NOT_ALLOWED);
}

static enum MHD_Result send_metrics(dd_http_t *h, struct MHD_Connection *c) {
    pthread_mutex_lock(&h->lock);
    snapshot_t *s = h->metrics;
    if (s != NULL)
        s->refs++;
    pthread_mutex_unlock(&h->lock);
    if (s == NULL)
        return send_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "no metrics published yet\n");
#if MHD_VERSION >= 0x00097302
    struct MHD_Response *r = MHD_create_response_from_buffer_with_free_callback_cls(
        s->len, s->data, snapshot_release, s);
    if (r == NULL) {
        snapshot_release(s);
        return MHD_NO;
    }
#else /* no free callback with a closure: copy the text instead */
    struct MHD_Response *r =
        MHD_create_response_from_buffer(s->len, s->data, MHD_RESPMEM_MUST_COPY);
    snapshot_release(s);
#endif
    return send_response(c, MHD_HTTP_OK, r, DD_PROM_CONTENT_TYPE, 0);
}

static enum MHD_Result send_health(dd_http_t *h, struct MHD_Connection *c) {
    char text[DD_HTTP_REASON_BYTES_MAX + 128];
    pthread_mutex_lock(&h->lock);
    const int live = h->live;
    const int64_t stale_ms = h->stale_ms;
    if (!live)
        snprintf(text, sizeof text, "not live: %s\n", h->live_reason);
    pthread_mutex_unlock(&h->lock);
    if (!live)
        return send_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, text);
    const int64_t age_ms =
        dd_http_clock_ms() - atomic_load_explicit(&h->heartbeat_ms, memory_order_relaxed);
    if (age_ms < -CLOCK_SKEW_TOLERANCE_MS) {
        snprintf(text, sizeof text,
                 "heartbeat %" PRId64 " ms ahead of CLOCK_MONOTONIC: stamped with another clock\n",
                 -age_ms);
        return send_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, text);
    }
    if (age_ms > stale_ms) {
        snprintf(text, sizeof text, "stale: main loop silent for %" PRId64 " ms\n", age_ms);
        return send_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, text);
    }
    return send_text(c, MHD_HTTP_OK, "ok\n");
}

static enum MHD_Result send_ready(dd_http_t *h, struct MHD_Connection *c) {
    char text[DD_HTTP_REASON_BYTES_MAX + 32];
    pthread_mutex_lock(&h->lock);
    const int ready = h->ready;
    if (!ready)
        snprintf(text, sizeof text, "not ready: %s\n", h->ready_reason);
    pthread_mutex_unlock(&h->lock);
    return ready ? send_text(c, MHD_HTTP_OK, "ready\n")
                 : send_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, text);
}

static int has_body(struct MHD_Connection *c) {
    const char *length = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (length != NULL && strspn(length, "0") != strlen(length))
        return 1;
    return MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING) !=
           NULL;
}

/* libmicrohttpd calls this at least twice per request: once with the headers, then with the
 * body (none here) and finally with *upload_data_size 0. A refusal (method, body) is queued on
 * the first call, which makes libmicrohttpd close the connection instead of reading a body;
 * answers are queued on the last call, which keeps the connection reusable for the next scrape. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **req_cls) {
    static char headers_seen; /* its address marks a request past its first call */
    dd_http_t *h = cls;
    (void)version;
    (void)upload_data;
    if (*req_cls == NULL) {
        if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
            strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
            return send_text(c, MHD_HTTP_METHOD_NOT_ALLOWED,
                             "method not allowed: use GET or HEAD\n");
        if (has_body(c))
            return send_text(c, MHD_HTTP_CONTENT_TOO_LARGE, "request bodies are not accepted\n");
        *req_cls = &headers_seen;
        set_deadline(h, c, INT64_MAX); /* the request arrived whole: no deadline while served */
        return MHD_YES;
    }
    if (*upload_data_size != 0) /* a body after all: refuse it (the connection is closed) */
        return send_text(c, MHD_HTTP_CONTENT_TOO_LARGE, "request bodies are not accepted\n");
    if (strcmp(url, "/metrics") == 0)
        return send_metrics(h, c);
    if (strcmp(url, "/healthz") == 0)
        return send_health(h, c);
    if (strcmp(url, "/readyz") == 0)
        return send_ready(h, c);
    return send_text(c, MHD_HTTP_NOT_FOUND, "not found: try /metrics, /healthz or /readyz\n");
}

__attribute__((format(printf, 2, 0))) static void on_mhd_log(void *cls, const char *fmt,
                                                              va_list ap) {
    dd_http_t *h = cls;
    vsnprintf(h->mhd_error, sizeof h->mhd_error, fmt, ap);
    /* libmicrohttpd's messages end with a newline; errstr texts do not. */
    const size_t n = strlen(h->mhd_error);
    if (n > 0 && h->mhd_error[n - 1] == '\n')
        h->mhd_error[n - 1] = '\0';
}

/* ---- start and stop ---------------------------------------------------------------------------- */

/* The listen string for a message: control characters as '?', cut with "..." when long. */
static void show(const char *listen, char *out, size_t size) {
    const char *src = listen != NULL ? listen : "(null)";
    size_t n = 0;
    for (; src[n] != '\0' && n + 1 < size; n++)
        out[n] = (unsigned char)src[n] < 0x20 || src[n] == 0x7F ? '?' : src[n];
    out[n] = '\0';
    if (src[n] != '\0' && size >= 4)
        memcpy(out + size - 4, "...", 4);
}

/* Splits "HOST:PORT" / "[HOST]:PORT"; returns 0, or -1 when it is neither. */
static int split_listen(const char *listen, char *host, size_t host_size, int *bracketed,
                        uint16_t *port) {
    const char *colon, *host_start = listen;
    size_t host_len;
    *bracketed = listen[0] == '[';
    if (*bracketed) {
        const char *close = strchr(listen, ']');
        if (close == NULL || close[1] != ':')
            return -1;
        host_start = listen + 1;
        host_len = (size_t)(close - host_start);
        colon = close + 1;
    } else {
        colon = strrchr(listen, ':');
        if (colon == NULL)
            return -1;
        host_len = (size_t)(colon - listen);
        if (memchr(listen, ':', host_len) != NULL) /* an IPv6 address needs its brackets */
            return -1;
    }
    if (host_len == 0 || host_len >= host_size || host_len > HOST_BYTES_MAX)
        return -1;
    const char *digits = colon + 1;
    const size_t n = strlen(digits);
    if (n == 0 || n > 5 || strspn(digits, "0123456789") != n)
        return -1;
    const unsigned long value = strtoul(digits, NULL, 10);
    if (value > 65535)
        return -1;
    memcpy(host, host_start, host_len);
    host[host_len] = '\0';
    for (size_t i = 0; i < host_len; i++)
        if ((unsigned char)host[i] <= 0x20 || (unsigned char)host[i] == 0x7F)
            return -1;
    *port = (uint16_t)value;
    return 0;
}

static void set_port(struct sockaddr *sa, uint16_t port) {
    if (sa->sa_family == AF_INET)
        ((struct sockaddr_in *)(void *)sa)->sin_port = htons(port);
    else
        ((struct sockaddr_in6 *)(void *)sa)->sin6_port = htons(port);
}

static const char *address_text(const struct sockaddr *sa, char *text, size_t size) {
    const void *addr = sa->sa_family == AF_INET
                           ? (const void *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr
                           : (const void *)&((const struct sockaddr_in6 *)(const void *)sa)
                                 ->sin6_addr;
    if (inet_ntop(sa->sa_family, addr, text, (socklen_t)size) == NULL)
        snprintf(text, size, "?");
    return text;
}

/* A bound, listening, non-blocking, close-on-exec socket, or -1 with errno set. */
static int open_listener(const struct sockaddr *sa, socklen_t sa_len) {
    const int fd = socket(sa->sa_family, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    const int one = 1;
    if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0 ||
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, sa, sa_len) != 0 || listen(fd, LISTEN_BACKLOG) != 0) {
        const int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

/* After a failed MHD_start_daemon the socket may or may not have been closed by it (that
 * depends on how far it got): close it only if the descriptor is still our listener. */
static void close_if_still_ours(int fd, const struct sockaddr_storage *bound, socklen_t len) {
    struct sockaddr_storage now;
    socklen_t now_len = sizeof now;
    int accepting = 0;
    socklen_t opt_len = sizeof accepting;
    if (getsockname(fd, (struct sockaddr *)&now, &now_len) == 0 && now_len == len &&
        memcmp(&now, bound, len) == 0 &&
        getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &opt_len) == 0 && accepting)
        close(fd);
}

int dd_http_start(const char *listen, dd_http_t **out, char *errstr, size_t errstr_size) {
    *out = NULL;
    char host[HOST_BYTES_MAX + 1];
    int bracketed = 0;
    uint16_t port = 0;
    if (listen == NULL || split_listen(listen, host, sizeof host, &bracketed, &port) != 0) {
        char shown[128];
        show(listen, shown, sizeof shown);
        say(errstr, errstr_size,
            "http.listen: '%s' is not HOST:PORT (HOST an IPv4 address, a bracketed IPv6 "
            "address or a host name; PORT 0-65535), e.g. 127.0.0.1:9464 or [::1]:9464",
            shown);
        return -1;
    }

    /* The candidate addresses: literals are parsed, never looked up; localhost is always
     * IPv4 loopback, whatever /etc/hosts lists first. */
    struct addrinfo hints, *found = NULL;
    struct sockaddr_in v4;
    struct addrinfo localhost;
    memset(&localhost, 0, sizeof localhost);
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    memset(&v4, 0, sizeof v4);
    v4.sin_family = AF_INET;
    const int is_v4 = !bracketed && inet_pton(AF_INET, host, &v4.sin_addr) == 1;
    if (!bracketed && !is_v4 && strcmp(host, "localhost") == 0)
        v4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (!bracketed && (is_v4 || strcmp(host, "localhost") == 0)) {
        localhost.ai_family = AF_INET;
        localhost.ai_socktype = SOCK_STREAM;
        localhost.ai_addr = (struct sockaddr *)&v4;
        localhost.ai_addrlen = sizeof v4;
    } else if (!bracketed && strspn(host, "0123456789.") == strlen(host)) {
        say(errstr, errstr_size, "http.listen: '%s' is not an IPv4 address", host);
        return -1;
    } else {
        hints.ai_family = bracketed ? AF_INET6 : AF_UNSPEC;
        hints.ai_flags |= bracketed ? AI_NUMERICHOST : AI_ADDRCONFIG;
        const int rc = getaddrinfo(host, NULL, &hints, &found);
        if (rc != 0 || found == NULL) {
            say(errstr, errstr_size,
                bracketed ? "http.listen: '[%s]' is not an IPv6 address (%s)"
                          : "http.listen: cannot resolve '%s': %s",
                host, rc != 0 ? gai_strerror(rc) : "no address");
            return -1;
        }
    }

    dd_http_t *h = calloc(1, sizeof *h);
    if (h == NULL) {
        if (found != NULL)
            freeaddrinfo(found);
        say(errstr, errstr_size, "http.listen: out of memory");
        return -1;
    }
    if (pthread_mutex_init(&h->lock, NULL) != 0) {
        free(h);
        if (found != NULL)
            freeaddrinfo(found);
        say(errstr, errstr_size, "http.listen: cannot create a mutex");
        return -1;
    }
    h->stale_ms = DD_HTTP_STALE_MS_DEFAULT;
    h->live = 1;
    h->ready = 0;
    copy_reason(h->ready_reason, "starting");
    atomic_init(&h->heartbeat_ms, dd_http_clock_ms());

    int fd = -1, bind_errno = 0;
    struct sockaddr_storage bound;
    socklen_t bound_len = 0;
    char addr_text[INET6_ADDRSTRLEN] = "?";
    for (const struct addrinfo *a = found != NULL ? found : &localhost; a != NULL;
         a = a->ai_next) {
        if ((a->ai_family != AF_INET && a->ai_family != AF_INET6) ||
            a->ai_addrlen > sizeof bound)
            continue;
        memcpy(&bound, a->ai_addr, a->ai_addrlen);
        set_port((struct sockaddr *)&bound, port);
        address_text((struct sockaddr *)&bound, addr_text, sizeof addr_text);
        fd = open_listener((struct sockaddr *)&bound, a->ai_addrlen);
        if (fd >= 0)
            break;
        bind_errno = errno;
    }
    const int resolved = found != NULL && !bracketed;
    if (found != NULL)
        freeaddrinfo(found);
    bound_len = sizeof bound;
    if (fd < 0 || getsockname(fd, (struct sockaddr *)&bound, &bound_len) != 0) {
        if (fd >= 0) {
            bind_errno = errno;
            close(fd);
        }
        if (resolved)
            say(errstr, errstr_size, "http.listen: cannot bind %s (address %s): %s", listen,
                addr_text, strerror(bind_errno != 0 ? bind_errno : EADDRNOTAVAIL));
        else
            say(errstr, errstr_size, "http.listen: cannot bind %s: %s", listen,
                strerror(bind_errno != 0 ? bind_errno : EADDRNOTAVAIL));
        pthread_mutex_destroy(&h->lock);
        free(h);
        return -1;
    }
    h->port = ntohs(bound.ss_family == AF_INET
                        ? ((struct sockaddr_in *)(void *)&bound)->sin_port
                        : ((struct sockaddr_in6 *)(void *)&bound)->sin6_port);

    /* The server thread inherits this thread's signal mask: with the asynchronous signals
     * blocked there, SIGTERM and friends reach the loop's thread, never the HTTP thread. The
     * synchronous ones stay open so a fault there still reaches its handler (sanitizers). */
    sigset_t blocked, saved;
    sigfillset(&blocked);
    static const int faults[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS};
    for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++)
        sigdelset(&blocked, faults[i]);
    pthread_sigmask(SIG_SETMASK, &blocked, &saved);
    h->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ITC | MHD_USE_ERROR_LOG, 0, NULL,
        NULL, on_request, h, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, h, MHD_OPTION_LISTEN_SOCKET,
        (MHD_socket)fd, MHD_OPTION_CONNECTION_LIMIT, (unsigned)DD_HTTP_CONNECTIONS_MAX,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)DD_HTTP_CONNECTION_TIMEOUT_S,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)DD_HTTP_CONNECTIONS_PER_IP,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, h, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
        h, MHD_OPTION_END);
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    if (h->daemon == NULL) {
        close_if_still_ours(fd, &bound, bound_len);
        say(errstr, errstr_size, "http.listen: cannot start the HTTP server on %s: %s", listen,
            h->mhd_error[0] != '\0' ? h->mhd_error : "libmicrohttpd refused to start");
        pthread_mutex_destroy(&h->lock);
        free(h);
        return -1;
    }
    *out = h;
    return 0;
}

void dd_http_stop(dd_http_t *h) {
    if (h == NULL)
        return;
    /* Closes every connection (their responses release their snapshots) and joins the thread;
     * libmicrohttpd also closes the listening socket it was given. */
    MHD_stop_daemon(h->daemon);
    if (h->metrics != NULL)
        snapshot_release(h->metrics);
    pthread_mutex_destroy(&h->lock);
    free(h);
}
