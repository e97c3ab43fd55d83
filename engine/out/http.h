/* http.h — public header of engine/out/: the /metrics, /healthz and /readyz endpoint of `driftd
 * run` (libmicrohttpd, one internal polling thread; docs/metrics.md).
 *
 * The main loop owns every counter. About once a second it renders the Prometheus text (prom.h)
 * and publishes it here; the HTTP thread only ever serves the latest published copy, so nothing
 * on the loop's hot path takes a lock or touches an atomic. Requests: GET and HEAD only (others
 * 405 with an Allow header), request bodies refused (413), unknown paths 404, query strings
 * ignored; at most 64 connections, each closed after 10 s of inactivity.
 *
 *   /metrics  200 with the latest text, Content-Type DD_PROM_CONTENT_TYPE; 503 before the first
 *             publish.
 *   /healthz  200 "ok\n" while the latest heartbeat is at most stale_ms old (default 30,000);
 *             503 "stale: main loop silent for N ms\n" after that, or "not live: REASON\n"
 *             while dd_http_set_live(h, 0, REASON) holds. The handle's start counts as the
 *             first heartbeat.
 *   /readyz   200 "ready\n", or 503 "not ready: REASON\n" (not ready, "starting", until
 *             dd_http_set_ready says otherwise).
 *
 * Thread-safety: dd_http_start and dd_http_stop belong to one thread (the owner); every other
 * function may be called from any thread while the handle lives. Heartbeats are stamped in
 * CLOCK_MONOTONIC milliseconds (dd_http_clock_ms), the clock /healthz reads; a heartbeat far
 * ahead of that clock is reported by /healthz as a wrong clock rather than taken as fresh.
 * Strings passed in are copied; nothing returned needs freeing. */
#ifndef DRIFTD_ENGINE_HTTP_H
#define DRIFTD_ENGINE_HTTP_H

#include <stddef.h>
#include <stdint.h>

typedef struct dd_http dd_http_t;

#define DD_HTTP_STALE_MS_DEFAULT 30000
#define DD_HTTP_CONNECTIONS_MAX 64u
#define DD_HTTP_CONNECTION_TIMEOUT_S 10u
/* A request must have arrived whole within this of its connection's start (or of the previous
 * response on a kept-alive connection): slow senders cannot hold connections by dribbling
 * header lines. Enforced by dd_http_heartbeat's sweep. */
#define DD_HTTP_REQUEST_DEADLINE_S 10u
#define DD_HTTP_CONNECTIONS_PER_IP 16u
#define DD_HTTP_REASON_BYTES_MAX 200u /* longer reasons are cut (at a UTF-8 boundary) */

/* Binds `listen`, "HOST:PORT" — HOST an IPv4 literal, a bracketed IPv6 literal ("[::1]"),
 * "localhost" (127.0.0.1) or another host name (resolved; the first address that binds wins);
 * PORT 0–65535, 0 for any free port — and starts serving. Returns 0 and a handle in *out (to be
 * freed with dd_http_stop), or -1 with the reason in errstr, e.g. "http.listen: '…' is not
 * HOST:PORT" or "http.listen: cannot bind 127.0.0.1:9464: Address already in use". */
int dd_http_start(const char *listen, dd_http_t **out, char *errstr, size_t errstr_size);

/* The port actually bound (the one the kernel chose when 0 was asked). */
uint16_t dd_http_port(const dd_http_t *h);

/* Replaces the text /metrics serves with a copy of text[0..len). Responses already being sent
 * keep the copy they started with. Out of memory keeps the previous text. */
void dd_http_publish_metrics(dd_http_t *h, const char *text, size_t len);

/* CLOCK_MONOTONIC in milliseconds: the clock of heartbeats and of /healthz. */
int64_t dd_http_clock_ms(void);

/* The main loop is alive at now_ms (CLOCK_MONOTONIC ms, see dd_http_clock_ms). One relaxed
 * atomic store: cheap enough for every loop iteration. */
void dd_http_heartbeat(dd_http_t *h, int64_t now_ms);

/* How old the latest heartbeat may be before /healthz answers 503 (values < 1 mean 1). */
void dd_http_set_stale_ms(dd_http_t *h, int64_t stale_ms);

/* live 0 forces /healthz to 503 with reason (NULL reads as "unspecified"); live 1 returns it
 * to the heartbeat rule. */
void dd_http_set_live(dd_http_t *h, int live, const char *reason);

/* /readyz: 200 when ready, else 503 with reason (NULL reads as "unspecified"). */
void dd_http_set_ready(dd_http_t *h, int ready, const char *reason);

/* Closes every connection, stops the thread and frees everything; returns within about a
 * second even with clients connected. h NULL is fine. */
void dd_http_stop(dd_http_t *h);

#endif /* DRIFTD_ENGINE_HTTP_H */
