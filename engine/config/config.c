/* config.c — the document: dd_config_parse, the top-level keys (cfg_sections, one entry per key
 * of the file), kafka (whose keys are librdkafka's, so librdkafka's own parser checks them), the
 * descriptor tables of the sections of scalars (schema_registry, window, alerts, events, state,
 * http, log) with the checks that span their keys, and the checks that span sections. The tables
 * are where a key, its default, bounds and doc live; docs/config.md follows them, and
 * tests/unit/test_config.c fails when it does not. */
#include <arpa/inet.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

size_t dd_config_secret_values(const dd_config_t *cfg, const char **out, size_t max) {
    size_t n = 0;
    if (cfg == NULL)
        return 0;
    for (size_t i = 0; cfg->priv != NULL && i < cfg->priv->n_substituted; i++)
        if (n < max)
            out[n++] = cfg->priv->substituted[i];
    for (size_t i = 0; i < cfg->n_kafka; i++)
        if (cfg_is_secret_name(cfg->kafka[i].name) && cfg->kafka[i].value != NULL && n < max)
            out[n++] = cfg->kafka[i].value;
    return n;
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

/* ---- Sections of scalars: the tables -------------------------------------------------------- */

int cfg_url_ok(const char *u) {
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

int cfg_check_runbook(cfg_ctx_t *c, const cfg_node_t *map, const char *key, const char *url) {
    if (url == NULL || cfg_url_ok(url))
        return 0;
    char shown[128];
    cfg_shown(c, url, shown, sizeof(shown));
    return cfg_fail_key(c, map, key,
                        "%s is not a URL; expected http://... or https://..., e.g. "
                        "https://wiki.example.com/runbooks/driftd",
                        shown);
}

static int registry_url(cfg_ctx_t *c, const cfg_node_t *n, void *section) {
    const dd_config_registry_t *r = section;
    if (cfg_url_ok(r->url))
        return 0;
    char shown[128];
    cfg_shown(c, r->url, shown, sizeof(shown));
    return cfg_fail_key(
        c, n, "url", "%s is not a URL; expected http://HOST[:PORT] or https://HOST[:PORT]", shown);
}

static int both_or_neither(cfg_ctx_t *c, const cfg_node_t *n, const char *a, const char *a_value,
                           const char *b, const char *b_value) {
    if ((a_value == NULL) == (b_value == NULL))
        return 0;
    return cfg_fail(c, n, "a %s without a %s; expected both %s and %s, or neither", a_value ? a : b,
                    a_value ? b : a, a, b);
}

static int registry_login(cfg_ctx_t *c, const cfg_node_t *n, void *section) {
    const dd_config_registry_t *r = section;
    return both_or_neither(c, n, "username", r->username, "password", r->password);
}

static int registry_client_cert(cfg_ctx_t *c, const cfg_node_t *n, void *section) {
    const dd_config_registry_t *r = section;
    return both_or_neither(c, n, "cert_file", r->cert_file, "key_file", r->key_file);
}

static int no_registry(const dd_config_t *cfg, const void *section) {
    (void)cfg;
    return ((const dd_config_registry_t *)section)->url == NULL;
}

#define REGISTRY(member) CFG_AT(dd_config_registry_t, member)
static const cfg_key_t registry_keys[] = {
    {"url", CFG_T_STRING, CFG_K_SUBST | CFG_K_REQUIRED, REGISTRY(url), .max_len = 2048,
     .check = registry_url, .doc_default = "**required**",
     .doc = "the registry's http:// or https:// address"},
    {"username", CFG_T_STRING, CFG_K_SUBST | CFG_K_NO_DEFAULT, REGISTRY(username), .max_len = 1024,
     .doc_default = "none", .doc = "HTTP basic authentication, with password"},
    {"password", CFG_T_STRING, CFG_K_SUBST | CFG_K_NO_DEFAULT | CFG_K_SECRET, REGISTRY(password),
     .max_len = 4096, .check = registry_login, .doc_default = "none",
     .doc = "HTTP basic authentication, with username"},
    {"ca_file", CFG_T_PATH, CFG_K_NO_DEFAULT, REGISTRY(ca_file), .doc_default = "system CAs",
     .doc = "the CA certificates the registry's certificate is checked against"},
    {"cert_file", CFG_T_PATH, CFG_K_NO_DEFAULT, REGISTRY(cert_file), .doc_default = "none",
     .doc = "a TLS client certificate, with key_file"},
    {"key_file", CFG_T_PATH, CFG_K_NO_DEFAULT | CFG_K_SECRET, REGISTRY(key_file),
     .check = registry_client_cert, .doc_default = "none",
     .doc = "the client certificate's private key"},
    {"verify_tls", CFG_T_BOOL, 0, REGISTRY(verify_tls), .def = 1, .doc_default = "`true`",
     .doc = "whether the registry's certificate is verified"},
    {"timeout", CFG_T_DURATION, 0, REGISTRY(timeout_ms), .def = 5000, .min = 100, .max = 600000,
     .doc_default = "`5s`", .doc = "for a whole request"},
    {"connect_timeout", CFG_T_DURATION, 0, REGISTRY(connect_timeout_ms), .def = 2000, .min = 100,
     .max = 600000, .doc_default = "`2s`", .doc = "for connecting"},
    {"retries", CFG_T_INT, 0, REGISTRY(retries), .def = 3, .min = 0, .max = 10,
     .doc_default = "`3`", .doc = "attempts after the first"},
};

/* Length, pane and time decide the rest: panes per window, which keys apply, their defaults. */
static int window_shape(cfg_ctx_t *c, const cfg_node_t *n, void *section) {
    dd_config_window_t *w = section;
    const cfg_node_t *pane = cfg_map_get(n, "pane");
    char len_text[48], pane_text[48];
    cfg_format_duration(w->length_ms, len_text, sizeof(len_text));
    cfg_format_duration(w->pane_ms, pane_text, sizeof(pane_text));
    if (w->length_ms % w->pane_ms != 0) {
        if (pane != NULL)
            return cfg_fail_key(c, n, "pane",
                                "%s does not divide the window length %s; expected a pane "
                                "length that does, e.g. 1m for 1h",
                                pane_text, len_text);
        return cfg_fail_key(c, n, "length",
                            "%s is not a whole number of panes of %s (the default); "
                            "expected a multiple of it, or window.pane set",
                            len_text, pane_text);
    }
    const int64_t panes = w->length_ms / w->pane_ms;
    if (panes > (int64_t)DD_WINDOW_PANES_MAX) {
        return cfg_fail_key(
            c, n, pane != NULL ? "pane" : "length",
            "%lld panes of %s in %s; expected at most %u panes per window (a longer "
            "pane)",
            (long long)panes, pane_text, len_text, DD_WINDOW_PANES_MAX);
    }
    w->n_panes = (uint32_t)panes;
    if (w->time != DD_CONFIG_WINDOW_PROCESSING_TIME)
        return 0;
    if (cfg_map_get(n, "watermark") != NULL || cfg_map_get(n, "allowed_lateness") != NULL)
        return cfg_fail_key(c, n,
                            cfg_map_get(n, "watermark") != NULL ? "watermark" : "allowed_lateness",
                            "applies to event time only; expected it absent with time: "
                            "processing");
    w->watermark_ms = 0;
    return 0;
}

static int window_every(cfg_ctx_t *c, const cfg_node_t *n, void *section) {
    const dd_config_window_t *w = section;
    if (w->evaluate_every_ms % w->pane_ms == 0)
        return 0;
    char every[48], pane[48];
    cfg_format_duration(w->evaluate_every_ms, every, sizeof(every));
    cfg_format_duration(w->pane_ms, pane, sizeof(pane));
    return cfg_fail_key(c, n, "evaluate_every",
                        "%s is not a whole number of panes of %s; expected a multiple of the "
                        "pane (evaluations happen as panes close)",
                        every, pane);
}

static int processing_time(const dd_config_t *cfg, const void *section) {
    (void)cfg;
    return ((const dd_config_window_t *)section)->time == DD_CONFIG_WINDOW_PROCESSING_TIME;
}

static const char *const window_times[] = {"event", "processing", NULL};

#define WINDOW(member) CFG_AT(dd_config_window_t, member)
static const cfg_key_t window_keys[] = {
    {"length", CFG_T_DURATION, 0, WINDOW(length_ms), .def = 3600000, .min = 1000,
     .max = DD_CONFIG_DURATION_MS_MAX, .doc_default = "`1h`",
     .doc = "the span of time a window covers"},
    {"pane", CFG_T_DURATION, 0, WINDOW(pane_ms), .def = 60000, .min = 100,
     .max = DD_CONFIG_DURATION_MS_MAX, .doc_default = "`1m`",
     .doc = "the slices a window is kept in; divides length"},
    {"time", CFG_T_ENUM, 0, WINDOW(time), .def = DD_CONFIG_WINDOW_EVENT_TIME, .names = window_times,
     .check = window_shape, .doc_default = "`event`",
     .doc = "record timestamps (event) or arrival (processing)"},
    {"watermark", CFG_T_DURATION, 0, WINDOW(watermark_ms), .def = 30000, .max_key = "length",
     .omit = processing_time, .doc_default = "`30s` (or `length` if shorter)",
     .doc = "how far event time may trail the newest timestamp seen"},
    {"allowed_lateness", CFG_T_DURATION, 0, WINDOW(allowed_lateness_ms), .max_key = "length",
     .omit = processing_time, .doc_default = "`0s`",
     .doc = "how far behind the watermark records still count"},
    {"evaluate_every", CFG_T_DURATION, 0, WINDOW(evaluate_every_ms), .def_key = "pane",
     .min_key = "pane", .max_key = "length", .check = window_every, .doc_default = "`pane`",
     .doc = "how often the window is compared with the reference"},
};

#define ALERTS(member) CFG_AT(dd_config_alerts_t, member)

static int dead_letter_own(cfg_ctx_t *c, const cfg_node_t *n, void *section) {
    const dd_config_alerts_t *a = section;
    if (a->topic == NULL || a->dead_letter_topic == NULL ||
        strcmp(a->topic, a->dead_letter_topic) != 0)
        return 0;
    return cfg_fail_key(c, n, "dead_letter_topic",
                        "the same topic as alerts.topic; expected a topic of its own");
}

/* Label names a user may set: Prometheus's [a-zA-Z_][a-zA-Z0-9_]*, not __reserved, and not one
 * driftd sets itself on alerts and metrics. */
static const char *const reserved_labels[] = {
    "alertname", "instance", "stream", "keys", "field", "condition", "severity", "role",
    "job", "sink", "topic", "partition", "reason", "kind", "le", "quantile", NULL};

static int label_name_ok(const char *s, size_t len) {
    if (len == 0 || len > 100 || (len >= 2 && s[0] == '_' && s[1] == '_'))
        return 0;
    for (size_t i = 0; i < len; i++) {
        const char ch = s[i];
        const int alpha = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_';
        if (!alpha && !(i > 0 && ch >= '0' && ch <= '9'))
            return 0;
    }
    return 1;
}

static int read_labels(cfg_ctx_t *c, const cfg_node_t *alerts, void *section) {
    dd_config_alerts_t *a = section;
    const cfg_node_t *n = cfg_map_get(alerts, "labels");
    if (n == NULL)
        return 0;
    const size_t mark = cfg_path_key(c, "labels");
    if (cfg_expect_mapping(c, n, "a mapping of label names to values, e.g. {team: ml, model: "
                                 "churn}") != 0)
        return -1;
    if (n->n > DD_CONFIG_LABELS_MAX)
        return cfg_fail(c, n, "%zu labels; expected at most %u", n->n, DD_CONFIG_LABELS_MAX);
    const char **names = cfg_arena_alloc(c->arena, (n->n ? n->n : 1) * sizeof(*names));
    const char **values = cfg_arena_alloc(c->arena, (n->n ? n->n : 1) * sizeof(*values));
    if (names == NULL || values == NULL)
        return cfg_fail(c, n, "out of memory");
    for (size_t i = 0; i < n->n; i++) {
        const cfg_node_t *k = n->items[2 * i], *v = n->items[2 * i + 1];
        char shown[160];
        cfg_quote(shown, sizeof(shown), k->text, k->len, 100);
        if (!label_name_ok(k->text, k->len))
            return cfg_fail(c, k,
                            "'%s' is not a label name; expected letters, digits and '_', not "
                            "starting with a digit or '__', e.g. team",
                            shown);
        for (const char *const *r = reserved_labels; *r != NULL; r++)
            if (strlen(*r) == k->len && memcmp(*r, k->text, k->len) == 0)
                return cfg_fail(c, k,
                                "'%s' is a label driftd sets itself; expected another name, e.g. "
                                "team, model, owner or environment",
                                shown);
        const size_t km = cfg_path_key(c, k->text);
        names[i] = cfg_arena_strndup(c->arena, k->text, k->len);
        if (names[i] == NULL)
            return cfg_fail(c, k, "out of memory");
        if (cfg_get_string(c, v, CFG_STR_SUBST | CFG_STR_EMPTY_OK, DD_CONFIG_LABEL_BYTES_MAX,
                           &values[i]) != 0)
            return -1;
        cfg_path_pop(c, km);
    }
    a->label_names = names;
    a->label_values = values;
    a->n_labels = n->n;
    cfg_path_pop(c, mark);
    return 0;
}

/* A name for events, keys and alerts: printable, no '/' needed (it is percent-encoded), 1 to
 * 128 bytes. */
static int alerts_instance(cfg_ctx_t *c, const cfg_node_t *n, void *section) {
    const char *inst = ((const dd_config_alerts_t *)section)->instance;
    if (inst == NULL)
        return 0;
    for (const unsigned char *p = (const unsigned char *)inst; *p; p++)
        if (*p < 0x20 || *p == 0x7F)
            return cfg_fail_key(c, n, "instance",
                                "contains a control character; expected a printable name, e.g. "
                                "churn-model-prod");
    return 0;
}

static int alerts_runbook(cfg_ctx_t *c, const cfg_node_t *n, void *section) {
    return cfg_check_runbook(c, n, "runbook_url",
                             ((const dd_config_alerts_t *)section)->runbook_url);
}

static const cfg_key_t alerts_keys[] = {
    {"topic", CFG_T_TOPIC, CFG_K_NULLABLE, ALERTS(topic), .def_string = "driftd.alerts",
     .doc_default = "`driftd.alerts`", .doc = "receives drift, schema and data-quality events"},
    {"dead_letter_topic", CFG_T_TOPIC, CFG_K_NULLABLE, ALERTS(dead_letter_topic),
     .check = dead_letter_own, .doc_default = "null",
     .doc = "receives the records that cannot be decoded"},
    {"false_alarm_rate", CFG_T_DOUBLE, 0, ALERTS(false_alarm_rate), .def_double = 0.05,
     .min_double = 1e-12, .max_double = 0.5,
     .out_of_range = "is out of range; expected a probability from 1e-12 to 0.5",
     .doc_default = "`0.05`",
     .doc = "the probability of any false alarm per stream per window of data"},
    {"min_samples", CFG_T_INT, 0, ALERTS(min_samples), .def = 1, .min = 1, .max = 1000000000,
     .doc_default = "`1`", .doc = "no verdict on fewer non-null values, whatever the model says"},
    {"raise_after", CFG_T_INT, 0, ALERTS(raise_after), .def = 1, .min = 1, .max = 1000,
     .doc_default = "`1`", .doc = "consecutive drifted evaluations that raise an alert"},
    {"clear_after", CFG_T_INT, 0, ALERTS(clear_after), .def = 3, .min = 1, .max = 1000,
     .doc_default = "`3`", .doc = "consecutive calm evaluations that clear it"},
    {"mute", CFG_T_CUSTOM, 0, ALERTS(mute), .read = cfg_read_mute, .print = cfg_print_mute,
     .doc_default = "`[]`", .doc = "streams and fields that are judged but raise no alert"},
    {"max_lag", CFG_T_DURATION, CFG_K_NO_DEFAULT, ALERTS(max_lag_ms), .min = 1000,
     .max = DD_CONFIG_DURATION_MS_MAX, .doc_default = "none (not checked)",
     .doc = "freshness: how far event time may trail the clock"},
    {"max_idle", CFG_T_DURATION, CFG_K_NO_DEFAULT, ALERTS(max_idle_ms), .min = 1000,
     .max = DD_CONFIG_DURATION_MS_MAX, .doc_default = "the window's `length`",
     .doc = "freshness: the longest time without a record"},
    {"instance", CFG_T_STRING, CFG_K_SUBST | CFG_K_NO_DEFAULT, ALERTS(instance), .max_len = 128,
     .check = alerts_instance, .doc_default = "the consumer group (`kafka.group.id`)",
     .doc = "this deployment's name: first part of every event key, label of every alert"},
    {"labels", CFG_T_CUSTOM, 0, ALERTS(label_names), .read = read_labels,
     .print = cfg_print_labels, .doc_default = "`{}`",
     .doc = "labels on every event, alert and metric, e.g. {team: ml, model: churn}"},
    {"runbook_url", CFG_T_STRING, CFG_K_SUBST | CFG_K_NO_DEFAULT, ALERTS(runbook_url),
     .max_len = 2048, .check = alerts_runbook, .doc_default = "none",
     .doc = "a page that says what to do about an alert (streams and fields may set their own)"},
};

/* ---- Alert sinks over HTTP ------------------------------------------------------------------ */

#define SINK(member) CFG_AT(dd_config_sink_t, member)

static int sink_url(cfg_ctx_t *c, const cfg_node_t *n, void *section) {
    const dd_config_sink_t *k = section;
    if (k->url == NULL || cfg_url_ok(k->url))
        return 0;
    char shown[128];
    cfg_shown(c, k->url, shown, sizeof(shown));
    return cfg_fail_key(c, n, "url",
                        "%s is not a URL; expected http://HOST[:PORT][/PATH] or https://...",
                        shown);
}

static int sink_login(cfg_ctx_t *c, const cfg_node_t *n, void *section) {
    const dd_config_sink_t *k = section;
    return both_or_neither(c, n, "username", k->username, "password", k->password);
}

static int no_sink_url(const dd_config_t *cfg, const void *section) {
    (void)cfg;
    return ((const dd_config_sink_t *)section)->url == NULL;
}

static int no_sink_secret(const dd_config_t *cfg, const void *section) {
    (void)cfg;
    return ((const dd_config_sink_t *)section)->secret == NULL;
}

static const char *const severities[] = {"warning", "critical", NULL};

/* The rows every sink has; MIN_SEVERITY its default (1 warning, 2 critical). */
#define SINK_COMMON_ROWS(sev_default, sev_doc)                                           \
    {"username", CFG_T_STRING, CFG_K_SUBST | CFG_K_NO_DEFAULT, SINK(username), .max_len = 1024,  \
     .doc_default = "none", .doc = "HTTP basic authentication, with password"},                   \
        {"password", CFG_T_STRING, CFG_K_SUBST | CFG_K_NO_DEFAULT | CFG_K_SECRET, SINK(password), \
         .max_len = 4096, .check = sink_login, .doc_default = "none",                             \
         .doc = "HTTP basic authentication, with username"},                                      \
        {"ca_file", CFG_T_PATH, CFG_K_NO_DEFAULT, SINK(ca_file), .doc_default = "system CAs",     \
         .doc = "the CA certificates the endpoint's certificate is checked against"},             \
        {"verify_tls", CFG_T_BOOL, 0, SINK(verify_tls), .def = 1, .doc_default = "`true`",       \
         .doc = "whether the endpoint's certificate is verified"},                                \
        {"timeout", CFG_T_DURATION, 0, SINK(timeout_ms), .def = 5000, .min = 100, .max = 120000, \
         .doc_default = "`5s`", .doc = "for a whole request"},                                    \
        {"connect_timeout", CFG_T_DURATION, 0, SINK(connect_timeout_ms), .def = 2000, .min = 100, \
         .max = 120000, .doc_default = "`2s`", .doc = "for connecting"},                          \
        {"queue", CFG_T_INT, 0, SINK(queue), .def = 10000, .min = 1, .max = 1000000,             \
         .doc_default = "`10000`", .doc = "events waiting for delivery at most; more are dropped"}, \
        {"retry_for", CFG_T_DURATION, 0, SINK(retry_for_ms), .def = 3600000, .min = 1000,        \
         .max = 7 * 86400000LL, .doc_default = "`1h`",                                           \
         .doc = "how long an event is retried before it is dropped"},                             \
        {"min_severity", CFG_T_ENUM, 0, SINK(min_severity), .def = sev_default,                \
         .names = severities, .doc_default = sev_doc,                                     \
         .doc = "events below it are not sent (a resolved event: the severity it clears)"}

static const cfg_key_t alertmanager_keys[] = {
    {"url", CFG_T_STRING, CFG_K_SUBST | CFG_K_REQUIRED, SINK(url), .max_len = 2048,
     .check = sink_url, .doc_default = "**required**",
     .doc = "Alertmanager's address, e.g. http://alertmanager:9093 (alerts go to /api/v2/alerts)"},
    {"resend_every", CFG_T_DURATION, 0, SINK(resend_every_ms), .def = 60000, .min = 1000,
     .max = 3600000, .doc_default = "`1m`",
     .doc = "raised alerts are sent again this often, with endsAt four of these ahead"},
    SINK_COMMON_ROWS(DD_CONFIG_SEVERITY_WARNING, "`warning`"),
};

static const cfg_key_t webhook_keys[] = {
    {"url", CFG_T_STRING, CFG_K_SUBST | CFG_K_REQUIRED, SINK(url), .max_len = 2048,
     .check = sink_url, .doc_default = "**required**",
     .doc = "where each event's JSON is POSTed"},
    {"secret", CFG_T_STRING, CFG_K_SUBST | CFG_K_NO_DEFAULT | CFG_K_SECRET, SINK(secret),
     .max_len = 4096, .doc_default = "none (unsigned)",
     .doc = "HMAC-SHA256 key: X-Driftd-Signature signs X-Driftd-Timestamp and the body"},
    SINK_COMMON_ROWS(DD_CONFIG_SEVERITY_WARNING, "`warning`"),
};

static const cfg_key_t pagerduty_keys[] = {
    {"routing_key", CFG_T_STRING, CFG_K_SUBST | CFG_K_REQUIRED | CFG_K_SECRET, SINK(secret),
     .max_len = 128, .doc_default = "**required**",
     .doc = "the integration key of a PagerDuty service (Events API v2)"},
    {"url", CFG_T_STRING, CFG_K_SUBST, SINK(url), .max_len = 2048, .check = sink_url,
     .def_string = "https://events.pagerduty.com/v2/enqueue",
     .doc_default = "`https://events.pagerduty.com/v2/enqueue`",
     .doc = "the Events API v2 endpoint"},
    SINK_COMMON_ROWS(DD_CONFIG_SEVERITY_CRITICAL, "`critical`"),
};

static const cfg_key_t events_keys[] = {
    {"stdout", CFG_T_BOOL, 0, CFG_AT(dd_config_events_t, to_stdout), .doc_default = "`false`",
     .doc = "events to standard output, one JSON object per line"},
    {"file", CFG_T_PATH, CFG_K_NULLABLE, CFG_AT(dd_config_events_t, file), .doc_default = "null",
     .doc = "events appended to this file, one JSON object per line"},
};

static const cfg_key_t state_keys[] = {
    {"dir", CFG_T_PATH, CFG_K_NULLABLE, CFG_AT(dd_config_state_t, dir), .doc_default = "null",
     .doc = "where checkpoints are written"},
    {"checkpoint_every", CFG_T_DURATION, 0, CFG_AT(dd_config_state_t, checkpoint_every_ms),
     .def = 30000, .min = 1000, .max = 86400000, .doc_default = "`30s`",
     .doc = "how often sketches and offsets are checkpointed together"},
    {"shutdown_timeout", CFG_T_DURATION, 0, CFG_AT(dd_config_state_t, shutdown_timeout_ms),
     .def = 25000, .min = 1000, .max = 3600000, .doc_default = "`25s`",
     .doc = "the longest SIGTERM's drain may take before the process ends anyway"},
};

/* Nothing to print when limits.memory is left to its default. */
static int no_limits(const dd_config_t *cfg, const void *section) {
    (void)cfg;
    return ((const dd_config_limits_t *)section)->memory == 0;
}

static const cfg_key_t limits_keys[] = {
    {"memory", CFG_T_SIZE, CFG_K_NO_DEFAULT, CFG_AT(dd_config_limits_t, memory), .min = 1 << 20,
     .max = (int64_t)1 << 50, .doc_default = "half the machine's memory, or of its cgroup's limit",
     .doc = "the most memory the windows may take at worst; a config past it is refused"},
};

/* HOST:PORT with HOST an IPv4 address, [IPv6] or a host name, PORT 0 to 65535. */
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

static int http_listen(cfg_ctx_t *c, const cfg_node_t *n, void *section) {
    const char *listen = ((const dd_config_http_t *)section)->listen;
    if (listen == NULL || listen_ok(listen))
        return 0;
    char shown[128];
    cfg_shown(c, listen, shown, sizeof(shown));
    return cfg_fail_key(
        c, n, "listen",
        "%s is not an address; expected HOST:PORT, e.g. 127.0.0.1:9464 or [::1]:9464", shown);
}

static const cfg_key_t http_keys[] = {
    {"listen", CFG_T_STRING, CFG_K_SUBST | CFG_K_NULLABLE, CFG_AT(dd_config_http_t, listen),
     .def_string = "127.0.0.1:9464", .max_len = 300, .check = http_listen,
     .doc_default = "`127.0.0.1:9464`", .doc = "serves /metrics, /healthz and /readyz"},
};

static const char *const log_levels[] = {"error", "warn", "info", "debug", NULL};
static const char *const log_formats[] = {"text", "json", NULL};
static const cfg_key_t log_keys[] = {
    {"level", CFG_T_ENUM, 0, CFG_AT(dd_config_log_t, level), .def = DD_CONFIG_LOG_INFO,
     .names = log_levels, .doc_default = "`info`", .doc = "the least severe message logged"},
    {"format", CFG_T_ENUM, 0, CFG_AT(dd_config_log_t, format), .def = DD_CONFIG_LOG_TEXT,
     .names = log_formats, .doc_default = "`text`", .doc = "lines of text, or JSON objects"},
};

static int read_version(cfg_ctx_t *c, const cfg_node_t *n) {
    uint64_t v = 0;
    if (cfg_get_u64(c, n, 1, 1, &v) != 0) /* the one version there is */
        return -1;
    c->cfg->version = (uint32_t)v;
    return 0;
}

/* A section of scalars: its key is its member of dd_config_t and its heading in docs/config.md. */
#define SECTION(member, rows, what)                                                                \
    {                                                                                              \
#member,                                                                                   \
            .table = &(const cfg_table_t)CFG_TABLE(rows, .expected = what,                         \
                                                   .doc_heading = "## `" #member "`"),             \
            .offset = offsetof(dd_config_t, member)                                                \
    }
const cfg_section_t cfg_sections[] = {
    {"version", .read = read_version, .print = cfg_print_version},
    {"kafka", .read = read_kafka, .print = cfg_print_kafka},
    {"schema_registry",
     .table = &(const cfg_table_t)CFG_TABLE(
         registry_keys, .expected = "a mapping with a url, e.g. {url: http://127.0.0.1:8081}",
         .doc_heading = "## `schema_registry`"),
     .offset = offsetof(dd_config_t, schema_registry), .optional = 1, .omit = no_registry},
    {"streams", .read = cfg_read_streams, .print = cfg_print_streams},
    SECTION(window, window_keys, "a mapping, e.g. {length: 1h, pane: 1m}"),
    {"reference", .table = &cfg_reference_table, .offset = offsetof(dd_config_t, reference),
     .optional = 1},
    SECTION(alerts, alerts_keys, "a mapping, e.g. {topic: driftd.alerts}"),
    {"alertmanager",
     .table = &(const cfg_table_t)CFG_TABLE(
         alertmanager_keys, .expected = "a mapping with a url, e.g. {url: http://127.0.0.1:9093}",
         .doc_heading = "## `alertmanager`"),
     .offset = offsetof(dd_config_t, alertmanager), .optional = 1, .omit = no_sink_url},
    {"webhook",
     .table = &(const cfg_table_t)CFG_TABLE(
         webhook_keys, .expected = "a mapping with a url, e.g. {url: https://hooks.example.com/x}",
         .doc_heading = "## `webhook`"),
     .offset = offsetof(dd_config_t, webhook), .optional = 1, .omit = no_sink_url},
    {"pagerduty",
     .table = &(const cfg_table_t)CFG_TABLE(
         pagerduty_keys, .expected = "a mapping with a routing_key, e.g. {routing_key: ${ENV:PD_KEY}}",
         .doc_heading = "## `pagerduty`"),
     .offset = offsetof(dd_config_t, pagerduty), .optional = 1, .omit = no_sink_secret},
    SECTION(events, events_keys, "a mapping, e.g. {stdout: true}"),
    SECTION(state, state_keys, "a mapping, e.g. {dir: /var/lib/driftd}"),
    SECTION(http, http_keys, "a mapping, e.g. {listen: 127.0.0.1:9464}"),
    SECTION(log, log_keys, "a mapping, e.g. {level: info}"),
    {"limits",
     .table = &(const cfg_table_t)CFG_TABLE(limits_keys, .expected = "a mapping, e.g. {memory: 2GiB}",
                                            .doc_heading = "## `limits`"),
     .offset = offsetof(dd_config_t, limits), .omit = no_limits},
};
const size_t cfg_n_sections = sizeof(cfg_sections) / sizeof(cfg_sections[0]);

/* A top-level key, with its path: a table's mapping, or the section's own reader. An absent
 * table section gets its defaults, unless it is optional; other absent sections are not read. */
static int read_section(cfg_ctx_t *c, const cfg_node_t *root, const char *key) {
    static const cfg_node_t absent = {.type = CFG_MAPPING};
    const cfg_section_t *s = cfg_sections;
    while (strcmp(s->key, key) != 0)
        s++;
    const cfg_node_t *n = cfg_map_get(root, key);
    if (n == NULL && (s->table == NULL || s->optional))
        return 0;
    const size_t before = c->path_len;
    const size_t mark = n != NULL ? cfg_path_key(c, key) : c->path_len;
    if (s->table != NULL
            ? cfg_read_table(c, n != NULL ? n : &absent, s->table, (char *)c->cfg + s->offset)
            : s->read(c, n)) {
        cfg_path_pop(c, before); /* the next section starts from the top */
        return -1;
    }
    cfg_path_pop(c, mark);
    return 0;
}

/* ---- Checks across sections ----------------------------------------------------------------- */

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
                    cfg_path_key(c, "alerts");
                    return cfg_fail_key(c, alerts, keys[k],
                                        "stream %s reads this topic too; expected a topic driftd "
                                        "does not consume",
                                        cfg->streams[s].name);
                }
    }
    return 0;
}

/* ---- The document --------------------------------------------------------------------------- */

static int convert(cfg_ctx_t *c, const cfg_node_t *root) {
    const char *keys[sizeof(cfg_sections) / sizeof(cfg_sections[0])];
    for (size_t i = 0; i < cfg_n_sections; i++)
        keys[i] = cfg_sections[i].key;
    if (cfg_check_keys(c, root, keys, cfg_n_sections, NULL) != 0)
        return -1;
    dd_config_t *cfg = c->cfg;
    cfg->version = 1;
    cfg->reference.type = DD_CONFIG_REFERENCE_FIRST_WINDOW;
    if (read_section(c, root, "version") != 0)
        return -1;
    if (cfg_map_get(root, "kafka") == NULL && !(c->flags & DD_CONFIG_NO_KAFKA))
        return cfg_missing(c, root, "kafka", "a kafka section with at least bootstrap.servers");
    if (cfg_map_get(root, "streams") == NULL)
        return cfg_missing(c, root, "streams",
                           "a sequence of streams, each with name, topics, "
                           "codec and fields");
    const cfg_node_t *alerts = cfg_map_get(root, "alerts");
    /* Every section is read, so that one run reports every error, except those that build on a
     * section that failed: the streams need the registry, window and reference; mute and the
     * topic checks need the streams. */
    int failed = 0;
    failed |= !(c->flags & DD_CONFIG_NO_KAFKA) && read_section(c, root, "kafka") != 0;
    int before_streams = read_section(c, root, "schema_registry") != 0;
    before_streams |= read_section(c, root, "window") != 0;
    before_streams |= read_section(c, root, "reference") != 0;
    failed |= before_streams;
    int streams_failed = before_streams || read_section(c, root, "streams") != 0;
    failed |= streams_failed;
    if (!streams_failed)
        failed |= read_section(c, root, "alerts") != 0 ||
                  check_topic_loops(c, alerts ? alerts : root) != 0;
    static const char *const rest[] = {"alertmanager", "webhook", "pagerduty", "events",
                                       "state",        "http",    "log",       "limits"};
    for (size_t i = 0; i < sizeof(rest) / sizeof(rest[0]); i++) {
        c->path_len = 0;
        c->path[0] = '\0';
        failed |= read_section(c, root, rest[i]) != 0;
    }
    if (failed)
        return -1;
    if (cfg->alerts.topic == NULL && !cfg->events.to_stdout && cfg->events.file == NULL &&
        cfg->alertmanager.url == NULL && cfg->webhook.url == NULL &&
        cfg->pagerduty.secret == NULL) {
        const cfg_node_t *at = alerts ? cfg_map_get(alerts, "topic") : NULL;
        if (at != NULL) {
            cfg_path_key(c, "alerts");
            cfg_path_key(c, "topic");
        }
        return cfg_fail(c, at ? at : root,
                        "events go nowhere: no alerts topic, no alertmanager, webhook or "
                        "pagerduty, and events has neither stdout: true nor a file; expected at "
                        "least one destination");
    }
    return 0;
}

int dd_config_parse(const char *text, size_t len, const char *name, dd_config_t **out, char *errstr,
                    size_t errstr_size) {
    return dd_config_parse_flags(text, len, name, 0, out, errstr, errstr_size);
}

int dd_config_parse_flags(const char *text, size_t len, const char *name, unsigned flags,
                          dd_config_t **out, char *errstr, size_t errstr_size) {
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
                     .arena = arena,
                     .flags = flags};
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
    if (rc != 0 && ctx.n_errors > CFG_ERRORS_MAX) {
        const size_t used = strlen(errstr);
        snprintf(errstr + used, errstr_size - used, "\n%s: and %u more errors", name,
                 ctx.n_errors - CFG_ERRORS_MAX);
    }
    if (rc != 0) {
        dd_config_free(cfg);
        return -1;
    }
    *out = cfg;
    return 0;
}
