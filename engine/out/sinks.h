/* sinks.h — public header of engine/out/: alert sinks over HTTP beside the Kafka alerts topic
 * (docs/alerting.md): Alertmanager (POST /api/v2/alerts), a webhook (the event's JSON, optionally
 * HMAC-signed) and PagerDuty's Events API v2.
 *
 * Each sink owns one thread and a bounded queue. dd_sink_offer formats the event into the
 * sink's payload on the caller's thread and queues it: it never touches the network, so a slow
 * or dead endpoint never stalls the caller. The thread delivers the queue in order, one request
 * at a time, each bounded by the sink's timeout; a request that fails in a way a retry can fix
 * (no connection, a timeout, HTTP 408, 429 or 5xx) is tried again after an exponential backoff
 * with jitter (0.5 s doubling to 30 s) until it is retry_for old, then dropped and counted; a
 * request the endpoint refuses (any other 4xx) is dropped at once and counted. A full queue drops
 * the new event and counts it.
 *
 * Alertmanager: a raised condition is re-sent every resend_every with endsAt four of those ahead
 * (as Prometheus does), so Alertmanager keeps it firing while driftd runs and resolves it on its
 * own if driftd stops for good; its `resolved` event is sent with endsAt = its time. Schema
 * changes, which are never resolved, are sent once with endsAt four resend_every ahead.
 *
 * Thread-safety: every function belongs to one thread (the owner), except that the sink's own
 * thread runs inside. Strings passed in are copied. */
#ifndef DRIFTD_ENGINE_SINKS_H
#define DRIFTD_ENGINE_SINKS_H

#include <stddef.h>
#include <stdint.h>

#include "events.h"

typedef enum dd_sink_kind {
    DD_SINK_ALERTMANAGER = 1,
    DD_SINK_WEBHOOK,
    DD_SINK_PAGERDUTY,
} dd_sink_kind_t;

/* "alertmanager", "webhook", "pagerduty" ("?" otherwise). */
const char *dd_sink_kind_name(dd_sink_kind_t k);

typedef struct dd_sink_options {
    dd_sink_kind_t kind;
    const char *url;      /* the URL posted to (Alertmanager: its base; /api/v2/alerts is added) */
    const char *secret;   /* webhook: HMAC-SHA256 key, NULL unsigned; PagerDuty: routing key */
    const char *username, *password; /* HTTP basic authentication, or NULL */
    const char *ca_file;  /* NULL: the system's CAs */
    int verify_tls;
    uint32_t timeout_ms, connect_timeout_ms;
    uint32_t queue_max;     /* events waiting at most (Alertmanager: also raised alerts kept) */
    int64_t retry_for_ms;   /* an event not delivered this long after it was queued is dropped */
    int64_t resend_every_ms; /* Alertmanager: raised alerts are sent again this often */
    dd_severity_t min_severity; /* events below it are not sent (resolved: the severity it had) */
} dd_sink_options_t;

#define DD_SINK_BACKOFF_MIN_MS 500
#define DD_SINK_BACKOFF_MAX_MS 30000
#define DD_SINK_RESPONSE_BYTES_MAX 65536u /* more of a response body is not read */
#define DD_SINK_BATCH_MAX 100u            /* Alertmanager: alerts per re-send request */

typedef struct dd_sink_stats {
    uint64_t delivered;        /* events the endpoint took (re-sends not counted) */
    uint64_t requests;         /* requests made, re-sends and retries included */
    uint64_t failures;         /* requests that failed (each retry counts) */
    uint64_t dropped_full;     /* events dropped because the queue was full */
    uint64_t dropped_expired;  /* events dropped after retry_for without success */
    uint64_t dropped_rejected; /* events the endpoint refused (4xx other than 408, 429) */
    uint64_t queued;           /* events waiting now */
    uint64_t active;           /* Alertmanager: raised alerts being re-sent */
    int failing;               /* the latest request failed */
    char last_error[256];      /* why, when failing */
} dd_sink_stats_t;

typedef struct dd_sink dd_sink_t;

/* Starts the sink's thread. 0 and *out, or −1 with the reason in errstr. */
int dd_sink_start(const dd_sink_options_t *o, dd_sink_t **out, char *errstr, size_t errstr_size);

/* Queues e (json: its text from dd_event_format, the webhook's body). 1 queued, 0 not for this
 * sink (below min_severity), −1 dropped (queue full or out of memory; counted). */
int dd_sink_offer(dd_sink_t *s, const dd_event_t *e, const char *json, size_t json_len);

void dd_sink_stats(dd_sink_t *s, dd_sink_stats_t *out);
dd_sink_kind_t dd_sink_kind(const dd_sink_t *s);

/* Waits until every queued event is delivered or dropped, at most timeout_ms. 0 when the queue
 * is empty, −1 when events were left. */
int dd_sink_drain(dd_sink_t *s, int64_t timeout_ms);

/* Stops the thread (within the sink's timeout) and frees everything; events still queued are
 * dropped. NULL is fine. */
void dd_sink_stop(dd_sink_t *s);

/* The payloads, for the sink and its tests. snprintf-style: the length the whole text needs.
 * Alertmanager: one alert object without startsAt and endsAt (the sink adds them when sending):
 * "{\"labels\":{...},\"annotations\":{...}". PagerDuty: the whole request body. */
size_t dd_sink_alertmanager_alert(const dd_event_t *e, char *buf, size_t cap);
size_t dd_sink_pagerduty_body(const dd_event_t *e, const char *routing_key, const char *json,
                              size_t json_len, char *buf, size_t cap);
/* The alert's name for Alertmanager: DriftdDrift, DriftdQuality, DriftdSchema, DriftdFreshness,
 * DriftdVolume (a resolved event: that of what it resolves). */
const char *dd_sink_alertname(const dd_event_t *e);

/* Webhook signature: "sha256=" and the lower-case hex HMAC-SHA256 of "TIMESTAMP.BODY" under
 * key, into out (72 bytes). */
#define DD_SINK_SIGNATURE_SIZE 72
int dd_sink_signature(const char *key, const char *timestamp, const char *body, size_t len,
                      char out[DD_SINK_SIGNATURE_SIZE]);

#endif /* DRIFTD_ENGINE_SINKS_H */
