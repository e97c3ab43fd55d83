/* registry.c — a Confluent-compatible schema registry client: writer schemas by id, cached.
 *
 * A schema id names one schema forever, so a fetched schema is cached for the life of the client
 * and the registry is asked about each id at most once while it answers: when it is down, every
 * id already seen keeps decoding. Ids the registry says it does not know are remembered as
 * unknown for a while (negative cache), so a stream of poison messages with random ids does not
 * become a stream of HTTP requests; the cache of either kind is capped. Requests have a total
 * timeout and are retried with exponential backoff on connection errors and 5xx/429 answers;
 * the body is capped before it is buffered. dd_registry_get blocks for the request;
 * dd_registry_get_nowait never does: an id not cached is fetched by the client's own thread
 * (started on first use), and the caller asks again later. The cache is behind a mutex, taken
 * only on the way in and out of a lookup (never across a request). */
#include "avro_int.h"

#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RESPONSE_BYTES_MAX ((size_t)4 << 20)

typedef struct entry {
    uint32_t id;
    int known;               /* 1: schema; 0: unknown until retry_at_ms */
    uint64_t retry_at_ms;
    dd_avro_schema_t *schema;
    char *text;
    size_t text_len;
} entry_t;

struct dd_registry {
    CURL *curl;
    char *base_url;
    char shown_url[512]; /* base_url without credentials, for messages */
    /* The circuit breaker: after the registry did not answer (or answered 5xx / 429), ids not
     * cached fail at once until open_until_ms, without a request; the pause doubles from
     * backoff_ms up to DD_REGISTRY_BREAKER_MAX_MS with each failure in a row, the request that
     * probes it is one attempt, and an answer closes it. */
    uint64_t open_until_ms, open_for_ms;
    dd_registry_options_t opt;
    char *userpwd;
    pthread_mutex_t lock;  /* guards the cache, the breaker and the queue below */
    pthread_mutex_t fetch; /* one request at a time (the curl handle) */
    entry_t *entries;      /* open addressing by id */
    size_t cap, used;
    _Atomic uint64_t requests;
    /* dd_registry_get_nowait's fetcher: ids to ask for, its thread, and its stop flag. */
    uint32_t queue[64];
    size_t queued;
    pthread_cond_t wake;
    pthread_t thread;
    int thread_started;
    atomic_int stopping; /* set by destroy: a request in flight and its retries give up */
};

typedef struct body {
    char *data;
    size_t len, cap;
    int too_large;
} body_t;

__attribute__((format(printf, 3, 4))) static void say(char *errstr, size_t size, const char *fmt,
                                                      ...) {
    if (errstr == NULL || size == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errstr, size, fmt, ap);
    va_end(ap);
}

static uint64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sleep_ms(uint64_t ms) {
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

void dd_registry_options_default(dd_registry_options_t *o) {
    memset(o, 0, sizeof *o);
    o->timeout_ms = 5000;
    o->connect_timeout_ms = 2000;
    o->retries = 3;
    o->backoff_ms = 200;
    o->backoff_max_ms = 2000;
    o->unknown_ttl_ms = 60000;
    o->schemas_max = 10000;
    o->verify_tls = 1;
}

static char *dup_or_null(const char *s) {
    return s ? strdup(s) : NULL;
}

void dd_registry_destroy(dd_registry_t *r) {
    if (r == NULL)
        return;
    if (r->thread_started) {
        pthread_mutex_lock(&r->lock);
        r->stopping = 1;
        pthread_cond_signal(&r->wake);
        pthread_mutex_unlock(&r->lock);
        pthread_join(r->thread, NULL);
    }
    pthread_mutex_destroy(&r->lock);
    pthread_mutex_destroy(&r->fetch);
    pthread_cond_destroy(&r->wake);
    for (size_t i = 0; r->entries != NULL && i < r->cap; i++) {
        dd_avro_schema_destroy(r->entries[i].schema);
        free(r->entries[i].text);
    }
    free(r->entries);
    if (r->curl)
        curl_easy_cleanup(r->curl);
    free(r->base_url);
    free(r->userpwd);
    free((char *)r->opt.username);
    free((char *)r->opt.password);
    free((char *)r->opt.ca_file);
    free((char *)r->opt.cert_file);
    free((char *)r->opt.key_file);
    free(r);
}

dd_codec_err_t dd_registry_new(const char *url, const dd_registry_options_t *opts,
                               dd_registry_t **out, char *errstr, size_t errstr_size) {
    if (out == NULL || url == NULL)
        return DD_CODEC_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
        char shown[512];
        say(errstr, errstr_size, "registry url '%s' must start with http:// or https://",
            dd_url_redact(url, shown, sizeof shown));
        return DD_CODEC_ERR_INVALID_ARGUMENT;
    }
    static int curl_ready;
    if (!curl_ready) { /* once per process; the program is single-threaded when it builds clients */
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
            return DD_CODEC_ERR_NO_MEMORY;
        curl_ready = 1;
    }
    dd_registry_t *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return DD_CODEC_ERR_NO_MEMORY;
    pthread_mutex_init(&r->lock, NULL);
    pthread_mutex_init(&r->fetch, NULL);
    pthread_cond_init(&r->wake, NULL);
    if (opts)
        r->opt = *opts;
    else
        dd_registry_options_default(&r->opt);
    r->opt.username = dup_or_null(r->opt.username);
    r->opt.password = dup_or_null(r->opt.password);
    r->opt.ca_file = dup_or_null(r->opt.ca_file);
    r->opt.cert_file = dup_or_null(r->opt.cert_file);
    r->opt.key_file = dup_or_null(r->opt.key_file);
    size_t n = strlen(url);
    while (n > 0 && url[n - 1] == '/')
        n--;
    r->base_url = strndup(url, n);
    if (r->base_url != NULL)
        dd_url_redact(r->base_url, r->shown_url, sizeof r->shown_url);
    r->cap = 64;
    r->entries = calloc(r->cap, sizeof(*r->entries));
    r->curl = curl_easy_init();
    if (r->base_url == NULL || r->entries == NULL || r->curl == NULL) {
        dd_registry_destroy(r);
        return DD_CODEC_ERR_NO_MEMORY;
    }
    if (r->opt.username) {
        const size_t len = strlen(r->opt.username) + 1 + (r->opt.password ? strlen(r->opt.password) : 0) + 1;
        if ((r->userpwd = malloc(len)) == NULL) {
            dd_registry_destroy(r);
            return DD_CODEC_ERR_NO_MEMORY;
        }
        snprintf(r->userpwd, len, "%s:%s", r->opt.username, r->opt.password ? r->opt.password : "");
    }
    *out = r;
    return DD_CODEC_OK;
}

/* Called by curl while a request runs: non-zero aborts it (the client is being destroyed). */
static int on_progress(void *user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow) {
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    const dd_registry_t *r = user;
    return atomic_load(&r->stopping) ? 1 : 0;
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *user) {
    body_t *b = user;
    const size_t n = size * nmemb;
    if (b->len + n > RESPONSE_BYTES_MAX) {
        b->too_large = 1;
        return 0; /* aborts the transfer */
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (d == NULL)
            return 0;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, ptr, n);
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

static entry_t *slot(dd_registry_t *r, uint32_t id) {
    size_t i = (size_t)(id * 2654435761u) & (r->cap - 1);
    while (r->entries[i].schema != NULL || r->entries[i].retry_at_ms != 0) {
        if (r->entries[i].id == id)
            return &r->entries[i];
        i = (i + 1) & (r->cap - 1);
    }
    return &r->entries[i];
}

static int grow(dd_registry_t *r) {
    const size_t cap = r->cap * 2;
    entry_t *old = r->entries;
    const size_t old_cap = r->cap;
    entry_t *e = calloc(cap, sizeof(*e));
    if (e == NULL)
        return -1;
    r->entries = e;
    r->cap = cap;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].schema != NULL || old[i].retry_at_ms != 0)
            *slot(r, old[i].id) = old[i];
    free(old);
    return 0;
}

/* One GET with the client's options. Returns the HTTP status (0 when no answer) and the body. */
static long get(dd_registry_t *r, const char *url, body_t *body, char *curl_err) {
    CURL *c = r->curl;
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)r->opt.timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)r->opt.connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, r);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "driftd");
    if (r->userpwd) {
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERPWD, r->userpwd);
    }
    if (r->opt.ca_file)
        curl_easy_setopt(c, CURLOPT_CAINFO, r->opt.ca_file);
    if (r->opt.cert_file)
        curl_easy_setopt(c, CURLOPT_SSLCERT, r->opt.cert_file);
    if (r->opt.key_file)
        curl_easy_setopt(c, CURLOPT_SSLKEY, r->opt.key_file);
    if (!r->opt.verify_tls) {
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    struct curl_slist *headers =
        curl_slist_append(NULL, "Accept: application/vnd.schemaregistry.v1+json, application/json");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_err[0] = '\0';
    const CURLcode rc = curl_easy_perform(c);
    curl_slist_free_all(headers);
    r->requests++;
    long status = 0;
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    else if (curl_err[0] == '\0')
        snprintf(curl_err, CURL_ERROR_SIZE, "%s", curl_easy_strerror(rc));
    return status;
}

/* What the cache and the breaker say of id, under r->lock: OK (a schema), an error, or
 * DD_CODEC_ERR_UNSUPPORTED meaning "ask the registry". */
static dd_codec_err_t cached(dd_registry_t *r, uint32_t id, const dd_avro_schema_t **schema,
                             char *errstr, size_t errstr_size) {
    const entry_t *e = slot(r, id);
    if (e->schema != NULL) {
        *schema = e->schema;
        return DD_CODEC_OK;
    }
    const uint64_t now = now_ms();
    if (e->retry_at_ms != 0 && now < e->retry_at_ms) {
        say(errstr, errstr_size, "schema id %u: %s (asking again in %llu ms)", id,
            e->known ? "the registry did not answer" : "unknown to the registry",
            (unsigned long long)(e->retry_at_ms - now));
        return e->known ? DD_CODEC_ERR_REGISTRY : DD_CODEC_ERR_UNKNOWN_SCHEMA;
    }
    if (r->open_until_ms != 0 && now < r->open_until_ms) {
        say(errstr, errstr_size,
            "schema id %u: the registry did not answer lately (asking again in %llu ms)", id,
            (unsigned long long)(r->open_until_ms - now));
        return DD_CODEC_ERR_REGISTRY;
    }
    return DD_CODEC_ERR_UNSUPPORTED;
}

static dd_codec_err_t fetch(dd_registry_t *r, uint32_t id, const dd_avro_schema_t **schema,
                            char *errstr, size_t errstr_size);

dd_codec_err_t dd_registry_get(dd_registry_t *r, uint32_t id, const dd_avro_schema_t **schema,
                               char *errstr, size_t errstr_size) {
    if (r == NULL || schema == NULL)
        return DD_CODEC_ERR_INVALID_ARGUMENT;
    *schema = NULL;
    pthread_mutex_lock(&r->fetch); /* one request at a time; a second asker finds it cached */
    pthread_mutex_lock(&r->lock);
    dd_codec_err_t err = cached(r, id, schema, errstr, errstr_size);
    pthread_mutex_unlock(&r->lock);
    if (err == DD_CODEC_ERR_UNSUPPORTED)
        err = fetch(r, id, schema, errstr, errstr_size);
    pthread_mutex_unlock(&r->fetch);
    return err;
}

static void *fetcher(void *p) {
    dd_registry_t *r = p;
    pthread_mutex_lock(&r->lock);
    while (!r->stopping) {
        if (r->queued == 0) {
            pthread_cond_wait(&r->wake, &r->lock);
            continue;
        }
        const uint32_t id = r->queue[0];
        memmove(r->queue, r->queue + 1, (r->queued - 1) * sizeof r->queue[0]);
        r->queued--;
        pthread_mutex_unlock(&r->lock);
        const dd_avro_schema_t *schema = NULL;
        char ignored[256];
        dd_registry_get(r, id, &schema, ignored, sizeof ignored); /* fills the cache */
        pthread_mutex_lock(&r->lock);
    }
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

dd_codec_err_t dd_registry_get_nowait(dd_registry_t *r, uint32_t id,
                                      const dd_avro_schema_t **schema, char *errstr,
                                      size_t errstr_size) {
    if (r == NULL || schema == NULL)
        return DD_CODEC_ERR_INVALID_ARGUMENT;
    *schema = NULL;
    pthread_mutex_lock(&r->lock);
    dd_codec_err_t err = cached(r, id, schema, errstr, errstr_size);
    if (err == DD_CODEC_ERR_UNSUPPORTED) {
        if (!r->thread_started) {
            /* The fetcher takes no asynchronous signal: they stay the caller's thread's. */
            sigset_t all, saved;
            sigfillset(&all);
            pthread_sigmask(SIG_SETMASK, &all, &saved);
            r->thread_started = pthread_create(&r->thread, NULL, fetcher, r) == 0;
            pthread_sigmask(SIG_SETMASK, &saved, NULL);
        }
        int queued = 0;
        for (size_t i = 0; i < r->queued && !queued; i++)
            queued = r->queue[i] == id;
        if (!queued && r->queued < sizeof r->queue / sizeof r->queue[0])
            r->queue[r->queued++] = id;
        pthread_cond_signal(&r->wake);
        say(errstr, errstr_size, "schema id %u: asked the registry, waiting for its answer", id);
        err = r->thread_started ? DD_CODEC_ERR_REGISTRY : DD_CODEC_ERR_NO_MEMORY;
    }
    pthread_mutex_unlock(&r->lock);
    return err;
}

/* Asks the registry for id (r->fetch held): the request without the cache lock, then the answer
 * into the cache and the breaker under it. */
static dd_codec_err_t fetch(dd_registry_t *r, uint32_t id, const dd_avro_schema_t **schema,
                            char *errstr, size_t errstr_size) {
    char url[2048];
    snprintf(url, sizeof url, "%s/schemas/ids/%u", r->base_url, id);
    char curl_err[CURL_ERROR_SIZE];
    body_t body = {0};
    long status = 0;
    uint64_t backoff = r->opt.backoff_ms;
    for (unsigned attempt = 0;; attempt++) {
        body.len = 0;
        body.too_large = 0;
        status = get(r, url, &body, curl_err);
        const int retryable = status == 0 ? !body.too_large : (status >= 500 || status == 429);
        /* A probe of an open breaker is one attempt: the registry failed lately, and each
         * attempt may cost a whole timeout of the caller's loop. */
        if (!retryable || attempt >= r->opt.retries || r->open_for_ms > 0 ||
            atomic_load(&r->stopping))
            break;
        sleep_ms(backoff);
        backoff = backoff * 2 > r->opt.backoff_max_ms ? r->opt.backoff_max_ms : backoff * 2;
    }
    pthread_mutex_lock(&r->lock);
    if ((status == 0 && !body.too_large) || status >= 500 || status == 429) {
        const uint64_t first = r->opt.backoff_ms ? r->opt.backoff_ms : 1;
        r->open_for_ms = r->open_for_ms == 0 ? first : r->open_for_ms * 2;
        if (r->open_for_ms > DD_REGISTRY_BREAKER_MAX_MS)
            r->open_for_ms = DD_REGISTRY_BREAKER_MAX_MS > first ? DD_REGISTRY_BREAKER_MAX_MS : first;
        r->open_until_ms = now_ms() + r->open_for_ms;
    } else {
        r->open_for_ms = 0;
        r->open_until_ms = 0;
    }
    pthread_mutex_unlock(&r->lock);
    dd_codec_err_t err = DD_CODEC_OK;
    if (body.too_large) {
        say(errstr, errstr_size, "schema id %u: the registry's answer is over %zu bytes", id,
            RESPONSE_BYTES_MAX);
        err = DD_CODEC_ERR_REGISTRY;
    } else if (status == 0) {
        say(errstr, errstr_size, "schema id %u: %s: %s", id, r->shown_url, curl_err);
        err = DD_CODEC_ERR_REGISTRY;
    } else if (status == 404) {
        say(errstr, errstr_size, "schema id %u: not found in the registry", id);
        err = DD_CODEC_ERR_UNKNOWN_SCHEMA;
    } else if (status != 200) {
        say(errstr, errstr_size, "schema id %u: the registry answered HTTP %ld", id, status);
        err = DD_CODEC_ERR_REGISTRY;
    }
    dd_avro_schema_t *parsed = NULL;
    char *text = NULL;
    size_t text_len = 0;
    if (err == DD_CODEC_OK) {
        json_error_t jerr;
        json_t *doc = json_loadb(body.data ? body.data : "", body.len, 0, &jerr);
        const char *s = json_string_value(json_object_get(doc, "schema"));
        const char *type = json_string_value(json_object_get(doc, "schemaType"));
        char detail[256] = "";
        if (s == NULL) {
            say(errstr, errstr_size, "schema id %u: the registry's answer has no \"schema\"", id);
            err = DD_CODEC_ERR_REGISTRY;
        } else if (type != NULL && strcmp(type, "AVRO") != 0) {
            say(errstr, errstr_size, "schema id %u: a %s schema, not Avro", id, type);
            err = DD_CODEC_ERR_UNSUPPORTED;
        } else if ((err = dd_avro_schema_parse(s, strlen(s), &parsed, detail, sizeof detail)) !=
                   DD_CODEC_OK) {
            say(errstr, errstr_size, "schema id %u: %s", id, detail);
        } else {
            text_len = strlen(s);
            text = strdup(s);
        }
        json_decref(doc);
    }
    free(body.data);
    /* Remember the answer. Errors that say nothing about the id (the registry down) are kept
     * only briefly, so a burst of messages does not become a burst of requests. */
    pthread_mutex_lock(&r->lock);
    if ((r->used + 1) * 2 > r->cap && r->used < r->opt.schemas_max) {
        if (grow(r) != 0) {
            pthread_mutex_unlock(&r->lock);
            dd_avro_schema_destroy(parsed);
            free(text);
            return DD_CODEC_ERR_NO_MEMORY;
        }
    }
    entry_t *e = slot(r, id);
    if ((r->used + 1) * 2 > r->cap) { /* at the cap: answer, but do not remember */
        pthread_mutex_unlock(&r->lock);
        if (err == DD_CODEC_OK) {
            say(errstr, errstr_size, "schema id %u: more than %zu schemas cached", id,
                r->opt.schemas_max);
            dd_avro_schema_destroy(parsed);
            free(text);
            return DD_CODEC_ERR_REGISTRY;
        }
        return err;
    }
    const int fresh = e->schema == NULL && e->retry_at_ms == 0;
    e->id = id;
    if (err == DD_CODEC_OK) {
        e->schema = parsed;
        e->text = text;
        e->text_len = text_len;
        e->known = 1;
        e->retry_at_ms = 0;
        *schema = parsed;
    } else {
        e->known = err != DD_CODEC_ERR_UNKNOWN_SCHEMA;
        const uint64_t ttl = e->known ? r->opt.backoff_max_ms : r->opt.unknown_ttl_ms;
        e->retry_at_ms = now_ms() + (ttl ? ttl : 1);
    }
    r->used += (size_t)fresh;
    pthread_mutex_unlock(&r->lock);
    return err;
}

const char *dd_registry_schema_text(dd_registry_t *r, uint32_t id, size_t *len) {
    if (r == NULL)
        return NULL;
    pthread_mutex_lock(&r->lock);
    const entry_t *e = slot(r, id);
    const char *text = e->schema != NULL ? e->text : NULL; /* a cached text lives as long as r */
    if (text != NULL && len)
        *len = e->text_len;
    pthread_mutex_unlock(&r->lock);
    return text;
}

int64_t dd_registry_retry_in_ms(dd_registry_t *r) {
    if (r == NULL)
        return 0;
    pthread_mutex_lock(&r->lock);
    const uint64_t until = r->open_until_ms, now = now_ms();
    pthread_mutex_unlock(&r->lock);
    return until != 0 && now < until ? (int64_t)(until - now) : 0;
}

uint64_t dd_registry_requests(const dd_registry_t *r) {
    return r ? r->requests : 0;
}

char *dd_url_redact(const char *url, char *out, size_t size) {
    if (size == 0)
        return out;
    const char *scheme = strstr(url, "://");
    const char *host = scheme != NULL ? scheme + 3 : NULL;
    const char *end = host != NULL ? host + strcspn(host, "/?#") : NULL;
    const char *at = NULL;
    for (const char *p = host; p != NULL && p < end; p++)
        if (*p == '@')
            at = p; /* the last @ of the authority ends its credentials */
    if (at == NULL)
        snprintf(out, size, "%s", url);
    else
        snprintf(out, size, "%.*s***%s", (int)(host - url), url, at);
    return out;
}

