/* config.c — loading the `driftd run` configuration: the file, the top-level sections (kafka,
 * schema_registry, window, alerts, events, state, http, log) and the checks that span sections.
 * Streams and references are in config_streams.c, typed values in config_values.c, the YAML tree
 * in config_yaml.c. docs/config.md is the reference for every key. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_int.h"
#include "sketches.h"

int dd_config_is_substituted(const dd_config_t *cfg, const char *value) {
    if (cfg == NULL || cfg->priv == NULL || value == NULL)
        return 0;
    for (size_t i = 0; i < cfg->priv->n_substituted; i++)
        if (cfg->priv->substituted[i] == value)
            return 1;
    return 0;
}

void dd_config_free(dd_config_t *cfg) {
    if (cfg == NULL)
        return;
    cfg_arena_t *arena = cfg->priv ? cfg->priv->arena : NULL;
    free(cfg->priv);
    free(cfg);
    cfg_arena_free(arena);
}

/* ---- kafka ---------------------------------------------------------------------------------- */

static int kafka_name_ok(const char *s, size_t len) {
    if (len == 0 || len > 128)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
              s[i] == '_' || s[i] == '-'))
            return 0;
    return 1;
}

/* Each property is handed to librdkafka's own parser now, so a misspelt name or a bad value is
 * reported with its line here rather than when the client starts. */
static int read_kafka(cfg_ctx_t *c, const cfg_node_t *n) {
    if (cfg_expect_mapping(c, n,
                           "a mapping of librdkafka properties, e.g. bootstrap.servers: "
                           "127.0.0.1:9092") != 0)
        return -1;
    if (n->n > DD_CONFIG_KAFKA_PROPERTIES_MAX)
        return cfg_fail(c, n, "%zu properties; expected at most %u", n->n,
                        DD_CONFIG_KAFKA_PROPERTIES_MAX);
    dd_config_t *cfg = c->cfg;
    cfg->kafka = cfg_arena_alloc(c->arena, (n->n + 1) * sizeof(*cfg->kafka));
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (cfg->kafka == NULL || conf == NULL) {
        if (conf != NULL)
            rd_kafka_conf_destroy(conf);
        return cfg_fail(c, n, "out of memory");
    }
    int rc = 0, has_servers = 0, has_group = 0;
    for (size_t i = 0; i < n->n && rc == 0; i++) {
        const cfg_node_t *k = n->items[2 * i], *v = n->items[2 * i + 1];
        char key[160];
        cfg_quote(key, sizeof(key), k->text, k->len, 128);
        if (!kafka_name_ok(k->text, k->len)) {
            rc = cfg_fail(c, k,
                          "'%s' is not a librdkafka property name; expected lower-case "
                          "letters, digits, '.', '_' and '-', e.g. security.protocol",
                          key);
            break;
        }
        const size_t mark = cfg_path_key(c, k->text);
        if (strcmp(k->text, "plugin.library.paths") == 0) {
            rc = cfg_fail(c, k,
                          "librdkafka plugins are not supported; expected no "
                          "plugin.library.paths");
            break;
        }
        if (v->type != CFG_SCALAR || cfg_is_null(v)) {
            char got[64];
            cfg_describe(v, got, sizeof(got));
            rc = cfg_fail(c, v,
                          "expected a string, number or boolean, got %s (librdkafka takes "
                          "lists as comma-separated text)",
                          got);
            break;
        }
        dd_config_property_t *p = &cfg->kafka[cfg->n_kafka];
        p->name = cfg_arena_strndup(c->arena, k->text, k->len);
        if (p->name == NULL) {
            rc = cfg_fail(c, k, "out of memory");
            break;
        }
        if (cfg_get_string(c, v, CFG_STR_SUBST | CFG_STR_EMPTY_OK, DD_CONFIG_SCALAR_BYTES_MAX,
                           &p->value) != 0) {
            rc = -1;
            break;
        }
        char errstr[512];
        const rd_kafka_conf_res_t res =
            rd_kafka_conf_set(conf, p->name, p->value, errstr, sizeof(errstr));
        if (res == RD_KAFKA_CONF_UNKNOWN) {
            rc = cfg_fail(c, k,
                          "'%s' is not a librdkafka property; expected a name from "
                          "librdkafka's CONFIGURATION.md",
                          key);
            break;
        }
        if (res != RD_KAFKA_CONF_OK) {
            /* librdkafka's message may quote the value: for a secret or a substituted value
             * it is shown only when it does not contain the value's start. */
            char start[9];
            snprintf(start, sizeof(start), "%s", p->value);
            const int hide =
                (cfg_is_secret_name(p->name) || dd_config_is_substituted(cfg, p->value)) &&
                (strlen(p->value) < 4 || strstr(errstr, start) != NULL);
            if (hide)
                rc = cfg_fail(c, v,
                              "librdkafka rejects the value; expected a valid value for "
                              "%s",
                              key);
            else {
                /* Some of librdkafka's messages end in a newline; ours are one line. */
                size_t elen = strlen(errstr);
                while (elen > 0 && (errstr[elen - 1] == '\n' || errstr[elen - 1] == ' '))
                    elen--;
                char shown[600];
                cfg_quote(shown, sizeof(shown), errstr, elen, 500);
                rc = cfg_fail(c, v, "librdkafka rejects the value: %s", shown);
            }
            break;
        }
        cfg_path_pop(c, mark);
        has_servers |= strcmp(p->name, "bootstrap.servers") == 0 ||
                       strcmp(p->name, "metadata.broker.list") == 0;
        has_group |= strcmp(p->name, "group.id") == 0;
        cfg->n_kafka++;
    }
    rd_kafka_conf_destroy(conf);
    if (rc != 0)
        return -1;
    if (!has_servers)
        return cfg_missing(c, n, "bootstrap.servers",
                           "the brokers, e.g. bootstrap.servers: "
                           "127.0.0.1:9092");
    if (!has_group) {
        cfg->kafka[cfg->n_kafka].name = "group.id";
        cfg->kafka[cfg->n_kafka].value = "driftd";
        cfg->n_kafka++;
    }
    return 0;
}

/* ---- schema_registry ------------------------------------------------------------------------ */

static int url_ok(const char *u) {
    const char *rest = strncmp(u, "http://", 7) == 0    ? u + 7
                       : strncmp(u, "https://", 8) == 0 ? u + 8
                                                        : NULL;
    if (rest == NULL || *rest == '\0' || *rest == '/')
        return 0;
    for (const char *p = u; *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7F)
            return 0;
    return 1;
}

static int read_registry(cfg_ctx_t *c, const cfg_node_t *n) {
    static const char *const keys[] = {
        "url",      "username",   "password", "ca_file",         "cert_file",
        "key_file", "verify_tls", "timeout",  "connect_timeout", "retries"};
    if (cfg_expect_mapping(c, n, "a mapping with a url, e.g. {url: http://127.0.0.1:8081}") != 0 ||
        cfg_check_keys(c, n, keys, sizeof(keys) / sizeof(keys[0]), NULL) != 0)
        return -1;
    dd_config_registry_t *r = &c->cfg->schema_registry;
    r->verify_tls = 1;
    r->retries = 3;
    int64_t timeout = 5000, connect_timeout = 2000;
    const unsigned subst = CFG_STR_SUBST;
    const int has_url = cfg_opt_string(c, n, "url", subst, 2048, &r->url);
    if (has_url < 0)
        return -1;
    if (has_url == 0)
        return cfg_missing(c, n, "url", "the registry's http:// or https:// address");
    if (!url_ok(r->url)) {
        char shown[128];
        cfg_shown(c, r->url, shown, sizeof(shown));
        cfg_path_key(c, "url");
        return cfg_fail(c, cfg_map_get(n, "url"),
                        "%s is not a URL; expected http://HOST[:PORT] "
                        "or https://HOST[:PORT]",
                        shown);
    }
    const int has_user = cfg_opt_string(c, n, "username", subst, 1024, &r->username);
    const int has_password =
        has_user < 0 ? -1 : cfg_opt_string(c, n, "password", subst, 4096, &r->password);
    if (has_user < 0 || has_password < 0)
        return -1;
    if (has_user != has_password)
        return cfg_fail(c, n, "%s; expected both username and password, or neither",
                        has_user ? "a username without a password"
                                 : "a password without a "
                                   "username");
    if (cfg_opt_string(c, n, "ca_file", subst | CFG_STR_PATH, DD_CONFIG_PATH_BYTES_MAX,
                       &r->ca_file) < 0 ||
        cfg_opt_string(c, n, "cert_file", subst | CFG_STR_PATH, DD_CONFIG_PATH_BYTES_MAX,
                       &r->cert_file) < 0 ||
        cfg_opt_string(c, n, "key_file", subst | CFG_STR_PATH, DD_CONFIG_PATH_BYTES_MAX,
                       &r->key_file) < 0 ||
        cfg_opt_bool(c, n, "verify_tls", &r->verify_tls) < 0 ||
        cfg_opt_duration(c, n, "timeout", 100, 600000, &timeout) < 0 ||
        cfg_opt_duration(c, n, "connect_timeout", 100, 600000, &connect_timeout) < 0 ||
        cfg_opt_u32(c, n, "retries", 0, 10, &r->retries) < 0)
        return -1;
    if ((r->cert_file == NULL) != (r->key_file == NULL))
        return cfg_fail(c, n, "%s; expected both cert_file and key_file, or neither",
                        r->cert_file ? "a cert_file without a key_file"
                                     : "a key_file without a cert_file");
    r->timeout_ms = (uint32_t)timeout;
    r->connect_timeout_ms = (uint32_t)connect_timeout;
    return 0;
}

/* ---- window --------------------------------------------------------------------------------- */

static int read_window(cfg_ctx_t *c, const cfg_node_t *n) {
    dd_config_window_t *w = &c->cfg->window;
    w->length_ms = 3600000;
    w->pane_ms = 60000;
    w->time = DD_CONFIG_WINDOW_EVENT_TIME;
    w->watermark_ms = 30000;
    w->allowed_lateness_ms = 0;
    if (n == NULL) {
        w->n_panes = 60;
        w->evaluate_every_ms = w->pane_ms;
        return 0;
    }
    static const char *const keys[] = {"length",           "pane",          "time", "watermark",
                                       "allowed_lateness", "evaluate_every"};
    if (cfg_expect_mapping(c, n, "a mapping, e.g. {length: 1h, pane: 1m}") != 0 ||
        cfg_check_keys(c, n, keys, sizeof(keys) / sizeof(keys[0]), NULL) != 0)
        return -1;
    static const char *const times[] = {"event", "processing"};
    size_t time = 0;
    if (cfg_opt_duration(c, n, "length", 1000, DD_CONFIG_DURATION_MS_MAX, &w->length_ms) < 0 ||
        cfg_opt_duration(c, n, "pane", 100, DD_CONFIG_DURATION_MS_MAX, &w->pane_ms) < 0 ||
        cfg_opt_enum(c, n, "time", times, 2, &time) < 0)
        return -1;
    w->time = time == 0 ? DD_CONFIG_WINDOW_EVENT_TIME : DD_CONFIG_WINDOW_PROCESSING_TIME;
    const cfg_node_t *length = cfg_map_get(n, "length"), *pane = cfg_map_get(n, "pane");
    char len_text[48], pane_text[48];
    cfg_format_duration(w->length_ms, len_text, sizeof(len_text));
    cfg_format_duration(w->pane_ms, pane_text, sizeof(pane_text));
    if (w->length_ms % w->pane_ms != 0) {
        if (pane != NULL) {
            cfg_path_key(c, "pane");
            return cfg_fail(c, pane,
                            "%s does not divide the window length %s; expected a pane "
                            "length that does, e.g. 1m for 1h",
                            pane_text, len_text);
        }
        cfg_path_key(c, "length");
        return cfg_fail(c, length,
                        "%s is not a whole number of panes of %s (the default); "
                        "expected a multiple of it, or window.pane set",
                        len_text, pane_text);
    }
    const int64_t panes = w->length_ms / w->pane_ms;
    if (panes > (int64_t)DD_WINDOW_PANES_MAX) {
        cfg_path_key(c, pane != NULL ? "pane" : "length");
        return cfg_fail(c, pane != NULL ? pane : length,
                        "%lld panes of %s in %s; expected at most %u panes per window (a longer "
                        "pane)",
                        (long long)panes, pane_text, len_text, DD_WINDOW_PANES_MAX);
    }
    w->n_panes = (uint32_t)panes;
    const cfg_node_t *watermark = cfg_map_get(n, "watermark");
    const cfg_node_t *lateness = cfg_map_get(n, "allowed_lateness");
    if (w->time == DD_CONFIG_WINDOW_PROCESSING_TIME && (watermark != NULL || lateness != NULL)) {
        const cfg_node_t *bad = watermark != NULL ? watermark : lateness;
        cfg_path_key(c, watermark != NULL ? "watermark" : "allowed_lateness");
        return cfg_fail(c, bad,
                        "applies to event time only; expected it absent with time: "
                        "processing");
    }
    if (w->time == DD_CONFIG_WINDOW_PROCESSING_TIME)
        w->watermark_ms = 0;
    else if (w->watermark_ms > w->length_ms)
        w->watermark_ms = w->length_ms; /* the default, for windows shorter than 30s */
    if (cfg_opt_duration(c, n, "watermark", 0, w->length_ms, &w->watermark_ms) < 0 ||
        cfg_opt_duration(c, n, "allowed_lateness", 0, w->length_ms, &w->allowed_lateness_ms) < 0)
        return -1;
    w->evaluate_every_ms = w->pane_ms;
    const int has_every =
        cfg_opt_duration(c, n, "evaluate_every", w->pane_ms, w->length_ms, &w->evaluate_every_ms);
    if (has_every < 0)
        return -1;
    if (w->evaluate_every_ms % w->pane_ms != 0) {
        char every[48];
        cfg_format_duration(w->evaluate_every_ms, every, sizeof(every));
        cfg_path_key(c, "evaluate_every");
        return cfg_fail(c, cfg_map_get(n, "evaluate_every"),
                        "%s is not a whole number of panes of %s; expected a multiple of the "
                        "pane (evaluations happen as panes close)",
                        every, pane_text);
    }
    return 0;
}

/* ---- alerts --------------------------------------------------------------------------------- */

static int read_severity(cfg_ctx_t *c, const cfg_node_t *n) {
    dd_config_alerts_t *a = &c->cfg->alerts;
    static const char *const keys[] = {"warning", "critical"};
    if (cfg_expect_mapping(c, n, "{warning: SCORE, critical: SCORE}") != 0 ||
        cfg_check_keys(c, n, keys, 2, NULL) != 0)
        return -1;
    static const char *const names[] = {"warning", "critical"};
    double *values[] = {&a->severity_warning, &a->severity_critical};
    for (int i = 0; i < 2; i++) {
        const cfg_node_t *v = cfg_map_get(n, names[i]);
        if (v == NULL)
            continue;
        const size_t mark = cfg_path_key(c, names[i]);
        if (cfg_get_double(c, v, values[i]) != 0)
            return -1;
        if (!(*values[i] >= 1 && *values[i] <= 1e6))
            return cfg_fail(c, v,
                            "%g is out of range; expected a drift score from 1 (the "
                            "test's threshold) to 1e6",
                            *values[i]);
        cfg_path_pop(c, mark);
    }
    if (a->severity_critical < a->severity_warning) {
        const cfg_node_t *v = cfg_map_get(n, "critical") ? cfg_map_get(n, "critical") : n;
        cfg_path_key(c, "critical");
        return cfg_fail(c, v, "critical (%g) is below warning (%g); expected critical >= warning",
                        a->severity_critical, a->severity_warning);
    }
    return 0;
}

static int stream_name_compare(const void *pa, const void *pb) {
    const dd_config_stream_t *a = *(const dd_config_stream_t *const *)pa;
    const dd_config_stream_t *b = *(const dd_config_stream_t *const *)pb;
    return strcmp(a->name, b->name);
}

/* The stream named by the first len bytes of name, or NULL; `sorted` is ordered by name. */
static dd_config_stream_t *find_stream(dd_config_stream_t *const *sorted, size_t count,
                                       const char *name, size_t len) {
    size_t lo = 0, hi = count;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        const char *m = sorted[mid]->name;
        int cmp = strncmp(m, name, len);
        if (cmp == 0 && m[len] != '\0')
            cmp = 1;
        if (cmp == 0)
            return sorted[mid];
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* alerts.mute: "STREAM" mutes a stream, "STREAM.PATH" one of its fields; both must exist. */
static int read_mute(cfg_ctx_t *c, const cfg_node_t *n) {
    dd_config_t *cfg = c->cfg;
    if (cfg_expect_sequence(c, n, 0, 100000, "stream or stream.field names") != 0)
        return -1;
    const char **mute = cfg_arena_alloc(c->arena, (n->n ? n->n : 1) * sizeof(*mute));
    dd_config_stream_t **sorted =
        cfg_arena_alloc(c->arena, (cfg->n_streams ? cfg->n_streams : 1) * sizeof(*sorted));
    if (mute == NULL || sorted == NULL)
        return cfg_fail(c, n, "out of memory");
    for (size_t i = 0; i < cfg->n_streams; i++)
        sorted[i] = &cfg->streams[i];
    qsort(sorted, cfg->n_streams, sizeof(*sorted), stream_name_compare);
    for (size_t i = 0; i < n->n; i++) {
        const size_t mark = cfg_path_index(c, i);
        if (cfg_get_string(c, n->items[i], 0,
                           DD_CONFIG_NAME_BYTES_MAX + 1 + DD_CONFIG_FIELD_PATH_BYTES_MAX,
                           &mute[i]) != 0)
            return -1;
        const char *dot = strchr(mute[i], '.');
        const size_t name_len = dot ? (size_t)(dot - mute[i]) : strlen(mute[i]);
        const dd_config_stream_t *found = find_stream(sorted, cfg->n_streams, mute[i], name_len);
        const size_t si = found ? (size_t)(found - cfg->streams) : 0;
        char shown[160];
        cfg_quote(shown, sizeof(shown), mute[i], strlen(mute[i]), 100);
        if (found == NULL)
            return cfg_fail(c, n->items[i],
                            "'%s' names no stream; expected STREAM or "
                            "STREAM.FIELD_PATH of a declared stream",
                            shown);
        if (dot == NULL) {
            cfg->streams[si].muted = 1;
            for (size_t f = 0; f < cfg->streams[si].n_fields; f++)
                cfg->streams[si].fields[f].muted = 1;
        } else {
            const long f = cfg_find_field(c, si, dot + 1);
            if (f < 0)
                return cfg_fail(c, n->items[i],
                                "'%s' names no field of stream %s; expected "
                                "STREAM.FIELD_PATH with a path from its fields",
                                shown, cfg->streams[si].name);
            cfg->streams[si].fields[f].muted = 1;
        }
        cfg_path_pop(c, mark);
    }
    cfg->alerts.mute = mute;
    cfg->alerts.n_mute = n->n;
    return 0;
}

static int read_alerts(cfg_ctx_t *c, const cfg_node_t *n) {
    dd_config_alerts_t *a = &c->cfg->alerts;
    a->topic = "driftd.alerts";
    a->min_samples = 100;
    a->raise_after = 2;
    a->clear_after = 3;
    a->severity_warning = 1.0;
    a->severity_critical = 2.0;
    if (n == NULL)
        return 0;
    static const char *const keys[] = {"topic",       "dead_letter_topic", "min_samples",
                                       "raise_after", "clear_after",       "severity",
                                       "mute",        "max_lag",           "max_idle"};
    if (cfg_expect_mapping(c, n, "a mapping, e.g. {topic: driftd.alerts}") != 0 ||
        cfg_check_keys(c, n, keys, sizeof(keys) / sizeof(keys[0]), NULL) != 0)
        return -1;
    static const char *const topic_keys[] = {"topic", "dead_letter_topic"};
    const char **topics[] = {&a->topic, &a->dead_letter_topic};
    for (int i = 0; i < 2; i++) {
        const cfg_node_t *v = cfg_map_get(n, topic_keys[i]);
        if (v == NULL)
            continue;
        const size_t mark = cfg_path_key(c, topic_keys[i]);
        if (cfg_is_null(v))
            *topics[i] = NULL;
        else if (cfg_get_topic(c, v, 0, topics[i]) != 0)
            return -1;
        cfg_path_pop(c, mark);
    }
    if (a->topic != NULL && a->dead_letter_topic != NULL &&
        strcmp(a->topic, a->dead_letter_topic) == 0) {
        cfg_path_key(c, "dead_letter_topic");
        return cfg_fail(c, cfg_map_get(n, "dead_letter_topic"),
                        "the same topic as alerts.topic; expected a topic of its own");
    }
    if (cfg_opt_u64(c, n, "min_samples", 1, 1000000000, &a->min_samples) < 0 ||
        cfg_opt_u32(c, n, "raise_after", 1, 1000, &a->raise_after) < 0 ||
        cfg_opt_u32(c, n, "clear_after", 1, 1000, &a->clear_after) < 0 ||
        cfg_opt_duration(c, n, "max_lag", 1000, DD_CONFIG_DURATION_MS_MAX, &a->max_lag_ms) < 0 ||
        cfg_opt_duration(c, n, "max_idle", 1000, DD_CONFIG_DURATION_MS_MAX, &a->max_idle_ms) < 0)
        return -1;
    const cfg_node_t *severity = cfg_map_get(n, "severity");
    if (severity != NULL) {
        const size_t mark = cfg_path_key(c, "severity");
        if (read_severity(c, severity) != 0)
            return -1;
        cfg_path_pop(c, mark);
    }
    const cfg_node_t *mute = cfg_map_get(n, "mute");
    if (mute != NULL) {
        const size_t mark = cfg_path_key(c, "mute");
        if (read_mute(c, mute) != 0)
            return -1;
        cfg_path_pop(c, mark);
    }
    return 0;
}

/* The alerts and dead-letter topics must not be read back as input. */
static int check_topic_loops(cfg_ctx_t *c, const cfg_node_t *alerts) {
    const dd_config_t *cfg = c->cfg;
    static const char *const keys[] = {"topic", "dead_letter_topic"};
    const char *const outs[] = {cfg->alerts.topic, cfg->alerts.dead_letter_topic};
    for (int k = 0; k < 2; k++) {
        if (outs[k] == NULL)
            continue;
        for (size_t s = 0; s < cfg->n_streams; s++)
            for (size_t t = 0; t < cfg->streams[s].n_topics; t++)
                if (strcmp(cfg->streams[s].topics[t], outs[k]) == 0) {
                    const cfg_node_t *at = alerts ? cfg_map_get(alerts, keys[k]) : NULL;
                    cfg_path_key(c, "alerts");
                    cfg_path_key(c, keys[k]);
                    return cfg_fail(c, at ? at : alerts,
                                    "stream %s reads this topic too; expected a topic driftd "
                                    "does not consume",
                                    cfg->streams[s].name);
                }
    }
    return 0;
}

/* ---- events, state, http, log --------------------------------------------------------------- */

static int read_events(cfg_ctx_t *c, const cfg_node_t *n) {
    static const char *const keys[] = {"stdout", "file"};
    if (cfg_expect_mapping(c, n, "a mapping, e.g. {stdout: true}") != 0 ||
        cfg_check_keys(c, n, keys, 2, NULL) != 0)
        return -1;
    if (cfg_opt_bool(c, n, "stdout", &c->cfg->events.to_stdout) < 0 ||
        cfg_opt_string(c, n, "file", CFG_STR_SUBST | CFG_STR_PATH | CFG_STR_NULLABLE,
                       DD_CONFIG_PATH_BYTES_MAX, &c->cfg->events.file) < 0)
        return -1;
    return 0;
}

static int read_state(cfg_ctx_t *c, const cfg_node_t *n) {
    static const char *const keys[] = {"dir", "checkpoint_every"};
    if (cfg_expect_mapping(c, n, "a mapping, e.g. {dir: /var/lib/driftd}") != 0 ||
        cfg_check_keys(c, n, keys, 2, NULL) != 0)
        return -1;
    if (cfg_opt_string(c, n, "dir", CFG_STR_SUBST | CFG_STR_PATH | CFG_STR_NULLABLE,
                       DD_CONFIG_PATH_BYTES_MAX, &c->cfg->state.dir) < 0 ||
        cfg_opt_duration(c, n, "checkpoint_every", 1000, 86400000,
                         &c->cfg->state.checkpoint_every_ms) < 0)
        return -1;
    return 0;
}

/* HOST:PORT with HOST an IPv4 address, [IPv6] or a host name, PORT 1 to 65535. */
static int listen_ok(const char *s) {
    const char *colon = strrchr(s, ':');
    if (colon == NULL || colon == s || colon[1] == '\0' || strlen(colon + 1) > 5)
        return 0;
    unsigned long port = 0;
    for (const char *p = colon + 1; *p; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        port = port * 10 + (unsigned long)(*p - '0');
    }
    if (port > 65535) /* 0: any free port (the log says which) */
        return 0;
    const size_t host_len = (size_t)(colon - s);
    char host[256];
    if (host_len >= sizeof(host))
        return 0;
    memcpy(host, s, host_len);
    host[host_len] = '\0';
    unsigned char addr[16];
    if (host[0] == '[') {
        if (host_len < 3 || host[host_len - 1] != ']')
            return 0;
        host[host_len - 1] = '\0';
        return inet_pton(AF_INET6, host + 1, addr) == 1;
    }
    if (inet_pton(AF_INET, host, addr) == 1)
        return 1;
    /* A host name: labels of letters, digits and '-', not starting or ending with '-'. */
    size_t label = 0;
    for (size_t i = 0; i <= host_len; i++) {
        const char ch = host[i];
        if (ch == '.' || ch == '\0') {
            if (label == 0 || label > 63 || host[i - 1] == '-')
                return 0;
            label = 0;
        } else if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                   (ch >= '0' && ch <= '9') || (ch == '-' && label > 0)) {
            label++;
        } else {
            return 0;
        }
    }
    /* All-numeric dotted names are malformed IPv4 addresses, not host names. */
    return strspn(host, "0123456789.") != host_len;
}

static int read_http(cfg_ctx_t *c, const cfg_node_t *n) {
    static const char *const keys[] = {"listen"};
    if (cfg_expect_mapping(c, n, "a mapping, e.g. {listen: 127.0.0.1:9464}") != 0 ||
        cfg_check_keys(c, n, keys, 1, NULL) != 0)
        return -1;
    const int rc =
        cfg_opt_string(c, n, "listen", CFG_STR_SUBST | CFG_STR_NULLABLE, 300, &c->cfg->http.listen);
    if (rc < 0)
        return -1;
    if (rc == 1 && c->cfg->http.listen != NULL && !listen_ok(c->cfg->http.listen)) {
        char shown[128];
        cfg_shown(c, c->cfg->http.listen, shown, sizeof(shown));
        cfg_path_key(c, "listen");
        return cfg_fail(c, cfg_map_get(n, "listen"),
                        "%s is not an address; expected HOST:PORT, "
                        "e.g. 127.0.0.1:9464 or [::1]:9464",
                        shown);
    }
    return 0;
}

static int read_log(cfg_ctx_t *c, const cfg_node_t *n) {
    static const char *const keys[] = {"level", "format"};
    if (cfg_expect_mapping(c, n, "a mapping, e.g. {level: info}") != 0 ||
        cfg_check_keys(c, n, keys, 2, NULL) != 0)
        return -1;
    static const char *const levels[] = {"error", "warn", "info", "debug"};
    static const char *const formats[] = {"text", "json"};
    size_t level = 2, format = 0;
    if (cfg_opt_enum(c, n, "level", levels, 4, &level) < 0 ||
        cfg_opt_enum(c, n, "format", formats, 2, &format) < 0)
        return -1;
    c->cfg->log.level = (dd_config_log_level_t)(DD_CONFIG_LOG_ERROR + (int)level);
    c->cfg->log.format = (dd_config_log_format_t)(DD_CONFIG_LOG_TEXT + (int)format);
    return 0;
}

/* ---- The document --------------------------------------------------------------------------- */

/* Reads an optional section with fn, extending the key path. */
static int section(cfg_ctx_t *c, const cfg_node_t *root, const char *key,
                   int (*fn)(cfg_ctx_t *, const cfg_node_t *)) {
    const cfg_node_t *n = cfg_map_get(root, key);
    if (n == NULL)
        return 0;
    const size_t mark = cfg_path_key(c, key);
    if (fn(c, n) != 0)
        return -1;
    cfg_path_pop(c, mark);
    return 0;
}

static int read_top_reference(cfg_ctx_t *c, const cfg_node_t *n) {
    return cfg_read_reference(c, n, &c->cfg->reference);
}

static int read_streams_section(cfg_ctx_t *c, const cfg_node_t *n) {
    return cfg_read_streams(c, n);
}

static int convert(cfg_ctx_t *c, const cfg_node_t *root) {
    static const char *const keys[] = {
        "version", "kafka",  "schema_registry", "streams", "window", "reference",
        "alerts",  "events", "state",           "http",    "log"};
    if (cfg_check_keys(c, root, keys, sizeof(keys) / sizeof(keys[0]), NULL) != 0)
        return -1;
    dd_config_t *cfg = c->cfg;
    cfg->version = 1;
    cfg->reference.type = DD_CONFIG_REFERENCE_FIRST_WINDOW;
    cfg->state.checkpoint_every_ms = 30000;
    cfg->http.listen = "127.0.0.1:9464";
    cfg->log.level = DD_CONFIG_LOG_INFO;
    cfg->log.format = DD_CONFIG_LOG_TEXT;
    if (cfg_opt_u32(c, root, "version", 1, 1, &cfg->version) < 0)
        return -1;
    const cfg_node_t *kafka = cfg_map_get(root, "kafka");
    if (kafka == NULL)
        return cfg_missing(c, root, "kafka", "a kafka section with at least bootstrap.servers");
    const cfg_node_t *streams = cfg_map_get(root, "streams");
    if (streams == NULL)
        return cfg_missing(c, root, "streams",
                           "a sequence of streams, each with name, topics, "
                           "codec and fields");
    if (section(c, root, "kafka", read_kafka) != 0 ||
        section(c, root, "schema_registry", read_registry) != 0)
        return -1;
    const cfg_node_t *window = cfg_map_get(root, "window");
    size_t mark = window ? cfg_path_key(c, "window") : 0;
    if (read_window(c, window) != 0)
        return -1;
    if (window)
        cfg_path_pop(c, mark);
    if (section(c, root, "reference", read_top_reference) != 0 ||
        section(c, root, "streams", read_streams_section) != 0)
        return -1;
    const cfg_node_t *alerts = cfg_map_get(root, "alerts");
    mark = alerts ? cfg_path_key(c, "alerts") : 0;
    if (read_alerts(c, alerts) != 0)
        return -1;
    if (alerts)
        cfg_path_pop(c, mark);
    if (check_topic_loops(c, alerts ? alerts : root) != 0)
        return -1;
    if (section(c, root, "events", read_events) != 0 ||
        section(c, root, "state", read_state) != 0 || section(c, root, "http", read_http) != 0 ||
        section(c, root, "log", read_log) != 0)
        return -1;
    if (cfg->alerts.topic == NULL && !cfg->events.to_stdout && cfg->events.file == NULL) {
        const cfg_node_t *at = alerts ? cfg_map_get(alerts, "topic") : NULL;
        if (at != NULL) {
            cfg_path_key(c, "alerts");
            cfg_path_key(c, "topic");
        }
        return cfg_fail(c, at ? at : root,
                        "events go nowhere: no alerts topic, and events has neither stdout: true "
                        "nor a file; expected at least one destination");
    }
    return 0;
}

int dd_config_parse(const char *text, size_t len, const char *name, dd_config_t **out, char *errstr,
                    size_t errstr_size) {
    char scratch[8];
    if (errstr == NULL || errstr_size == 0) {
        errstr = scratch;
        errstr_size = sizeof(scratch);
    }
    errstr[0] = '\0';
    *out = NULL;
    if (name == NULL)
        name = "config";
    if (len > DD_CONFIG_BYTES_MAX) {
        snprintf(errstr, errstr_size, "%s: %zu bytes; a driftd config is at most %zu bytes (1 MiB)",
                 name, len, DD_CONFIG_BYTES_MAX);
        return -1;
    }
    cfg_tree_t tree;
    if (cfg_yaml_parse(text, len, name, &tree, errstr, errstr_size) != 0) {
        cfg_tree_free(&tree);
        return -1;
    }
    const cfg_node_t *root = tree.root;
    if (root == NULL || cfg_is_null(root)) {
        snprintf(errstr, errstr_size,
                 "%s:%u:%u: %s; expected a mapping with at least the keys "
                 "kafka and streams",
                 name, root ? root->line : 1u, root ? root->column : 1u,
                 root ? "the document is empty" : "empty file");
        cfg_tree_free(&tree);
        return -1;
    }
    if (root->type != CFG_MAPPING) {
        char got[128];
        cfg_describe(root, got, sizeof(got));
        snprintf(errstr, errstr_size,
                 "%s:%u:%u: the top level is %s; expected a mapping of "
                 "sections (kafka, streams, window, ...)",
                 name, root->line, root->column, got);
        cfg_tree_free(&tree);
        return -1;
    }
    dd_config_t *cfg = calloc(1, sizeof(*cfg));
    struct dd_config_private *priv = calloc(1, sizeof(*priv));
    cfg_arena_t *arena = cfg_arena_new();
    if (cfg == NULL || priv == NULL || arena == NULL) {
        free(cfg);
        free(priv);
        cfg_arena_free(arena);
        cfg_tree_free(&tree);
        snprintf(errstr, errstr_size, "%s: out of memory", name);
        return -1;
    }
    cfg->priv = priv;
    priv->arena = arena;
    cfg_ctx_t ctx = {.name = name,
                     .base_dir = "",
                     .err = errstr,
                     .err_size = errstr_size,
                     .cfg = cfg,
                     .arena = arena};
    const char *slash = strrchr(name, '/');
    int rc = 0;
    cfg->name = cfg_arena_strndup(arena, name, strlen(name));
    if (slash != NULL) {
        char *dir = cfg_arena_strndup(arena, name, slash == name ? 1 : (size_t)(slash - name));
        ctx.base_dir = dir ? dir : "";
        rc = dir == NULL;
    }
    if (cfg->name == NULL || rc != 0) {
        snprintf(errstr, errstr_size, "%s: out of memory", name);
        rc = -1;
    } else {
        rc = convert(&ctx, root);
    }
    cfg_tree_free(&tree);
    if (rc != 0) {
        dd_config_free(cfg);
        return -1;
    }
    *out = cfg;
    return 0;
}

int dd_config_load(const char *path, dd_config_t **out, char *errstr, size_t errstr_size) {
    char scratch[8];
    if (errstr == NULL || errstr_size == 0) {
        errstr = scratch;
        errstr_size = sizeof(scratch);
    }
    *out = NULL;
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        snprintf(errstr, errstr_size, "%s: %s", path, strerror(EISDIR));
        return -1;
    }
    /* One byte more than allowed tells "too large" without trusting st_size (pipes have none). */
    char *buf = malloc(DD_CONFIG_BYTES_MAX + 1);
    if (buf == NULL) {
        close(fd);
        snprintf(errstr, errstr_size, "%s: out of memory", path);
        return -1;
    }
    size_t got = 0;
    while (got < DD_CONFIG_BYTES_MAX + 1) {
        const ssize_t r = read(fd, buf + got, DD_CONFIG_BYTES_MAX + 1 - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            const int e = errno;
            close(fd);
            free(buf);
            snprintf(errstr, errstr_size, "%s: %s", path, strerror(e));
            return -1;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (got > DD_CONFIG_BYTES_MAX) {
        free(buf);
        snprintf(errstr, errstr_size,
                 "%s: larger than %zu bytes (1 MiB); a driftd config is at "
                 "most that",
                 path, DD_CONFIG_BYTES_MAX);
        return -1;
    }
    const int rc = dd_config_parse(buf, got, path, out, errstr, errstr_size);
    free(buf);
    return rc;
}
