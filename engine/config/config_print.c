/* config_print.c — the effective configuration as YAML, secrets hidden: what
 * `driftd config check --print` shows. The output reads back with dd_config_parse into the same
 * configuration (apart from the hidden values), so it can also serve as a normalised copy. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"

static const char redacted[] = "***";

/* A YAML double-quoted string. Characters YAML would not keep as they are inside quotes (control
 * characters, C1 controls, line and paragraph separators, BOM, non-characters) are escaped;
 * bytes that are not UTF-8 become \xNN. */
static void put_quoted(FILE *out, const char *s) {
    const unsigned char *p = (const unsigned char *)s;
    fputc('"', out);
    while (*p) {
        const unsigned c0 = p[0];
        if (c0 == '"' || c0 == '\\') {
            fprintf(out, "\\%c", c0);
            p++;
            continue;
        }
        if (c0 < 0x20 || c0 == 0x7F) {
            fprintf(out, "\\x%02x", c0);
            p++;
            continue;
        }
        if (c0 < 0x80) {
            fputc((int)c0, out);
            p++;
            continue;
        }
        size_t n = 0;
        unsigned cp = 0, min = 0;
        if (c0 >= 0xC2 && c0 <= 0xDF) {
            n = 2;
            cp = c0 & 0x1F;
            min = 0x80;
        } else if (c0 >= 0xE0 && c0 <= 0xEF) {
            n = 3;
            cp = c0 & 0x0F;
            min = 0x800;
        } else if (c0 >= 0xF0 && c0 <= 0xF4) {
            n = 4;
            cp = c0 & 0x07;
            min = 0x10000;
        }
        size_t i = 1;
        for (; n > 0 && i < n; i++) {
            if ((p[i] & 0xC0) != 0x80)
                break;
            cp = (cp << 6) | (p[i] & 0x3Fu);
        }
        if (n == 0 || i < n || cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            fprintf(out, "\\x%02x", c0);
            p++;
            continue;
        }
        if (cp <= 0x9F || cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF || cp == 0xFFFE ||
            cp == 0xFFFF)
            fprintf(out, cp <= 0xFF ? "\\x%02x" : "\\u%04x", cp);
        else
            fwrite(p, 1, n, out);
        p += n;
    }
    fputc('"', out);
}

/* A value of a key that takes substitution, or *** when it was substituted or `secret` is set;
 * null for NULL. A literal ${ in it is written $${ so that it reads back as itself. */
static void put_value(FILE *out, const dd_config_t *cfg, const char *v, int secret) {
    if (v == NULL) {
        fputs("null", out);
    } else if (secret || dd_config_is_substituted(cfg, v)) {
        put_quoted(out, redacted);
    } else if (strstr(v, "${") == NULL) {
        put_quoted(out, v);
    } else {
        size_t n = 0;
        for (const char *p = strstr(v, "${"); p != NULL; p = strstr(p + 2, "${"))
            n++;
        char *escaped = malloc(strlen(v) + n + 1);
        if (escaped == NULL) {
            put_quoted(out, redacted); /* out of memory: show nothing rather than a wrong value */
            return;
        }
        char *o = escaped;
        for (const char *p = v; *p; p++) {
            if (p[0] == '$' && p[1] == '{')
                *o++ = '$';
            *o++ = *p;
        }
        *o = '\0';
        put_quoted(out, escaped);
        free(escaped);
    }
}

/* The shortest %g form that reads back as the same double. */
static void put_number(FILE *out, double v) {
    char buf[40];
    if (v == floor(v) && fabs(v) < 1e15) {
        fprintf(out, "%.0f", v);
        return;
    }
    for (int precision = 1; precision <= 17; precision++) {
        snprintf(buf, sizeof(buf), "%.*g", precision, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    fputs(buf, out);
}

static void put_duration(FILE *out, int64_t ms) {
    char buf[64];
    cfg_format_duration(ms, buf, sizeof(buf));
    fputs(buf, out);
}

/* y-m-d of days since 1970-01-01 (Howard Hinnant's civil_from_days). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static void put_timestamp(FILE *out, int64_t ms) {
    int64_t days = ms / 86400000, rem = ms % 86400000;
    if (rem < 0) {
        rem += 86400000;
        days--;
    }
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    const unsigned h = (unsigned)(rem / 3600000), mi = (unsigned)(rem / 60000 % 60),
                   s = (unsigned)(rem / 1000 % 60), frac = (unsigned)(rem % 1000);
    fprintf(out, "%04lld-%02u-%02uT%02u:%02u:%02u", (long long)y, m, d, h, mi, s);
    if (frac != 0)
        fprintf(out, ".%03u", frac);
    fputc('Z', out);
}

static void put_topics(FILE *out, const dd_config_t *cfg, const char *const *topics, size_t n) {
    fputc('[', out);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            fputs(", ", out);
        put_value(out, cfg, topics[i], 0);
    }
    fputc(']', out);
}

static void put_reference(FILE *out, const dd_config_t *cfg, const dd_config_reference_t *r) {
    static const char *const formats[] = {"?", "avro", "jsonl", "csv"};
    fprintf(out, "{type: %s", dd_config_reference_type_name(r->type));
    switch (r->type) {
    case DD_CONFIG_REFERENCE_FILE:
        fputs(", path: ", out);
        put_value(out, cfg, r->path, 0);
        fprintf(out, ", format: %s",
                formats[r->file_format <= DD_CONFIG_FILE_CSV ? r->file_format : 0]);
        break;
    case DD_CONFIG_REFERENCE_SNAPSHOT:
        fputs(", path: ", out);
        put_value(out, cfg, r->path, 0);
        break;
    case DD_CONFIG_REFERENCE_TOPIC:
        if (r->n_topics > 0) {
            fputs(", topics: ", out);
            put_topics(out, cfg, r->topics, r->n_topics);
        }
        fputs(", from: ", out);
        put_timestamp(out, r->from_ms);
        fputs(", to: ", out);
        put_timestamp(out, r->to_ms);
        break;
    case DD_CONFIG_REFERENCE_FIRST_WINDOW:
    case DD_CONFIG_REFERENCE_TRAILING:
        break;
    }
    fputc('}', out);
}

static void put_field(FILE *out, const dd_config_field_t *f) {
    fputs("      - {path: ", out);
    put_quoted(out, f->path);
    if (f->kind != 0)
        fprintf(out, ", kind: %s", f->kind == DD_COLUMN_NUMERIC ? "numeric" : "categorical");
    if (f->test != DD_METHOD_AUTO)
        fprintf(out, ", test: %s", dd_method_name(f->test));
    if (!isnan(f->threshold)) {
        fputs(", threshold: ", out);
        put_number(out, f->threshold);
    }
    if (f->has_range) {
        fputs(", range: [", out);
        put_number(out, f->range_min);
        fputs(", ", out);
        put_number(out, f->range_max);
        fputc(']', out);
    }
    fputs(", max_null_rate: ", out);
    put_number(out, f->max_null_rate);
    fputs("}\n", out);
}

static void put_stream(FILE *out, const dd_config_t *cfg, const dd_config_stream_t *s) {
    static const char *const time_formats[] = {"?",      "seconds", "millis",
                                               "micros", "nanos",   "iso8601"};
    fputs("  - name: ", out);
    put_quoted(out, s->name);
    fputs("\n    topics: ", out);
    put_topics(out, cfg, s->topics, s->n_topics);
    fprintf(out, "\n    role: %s\n    codec: %s\n", dd_config_role_name(s->role),
            dd_config_codec_name(s->codec));
    if (s->schema_file != NULL) {
        fputs("    schema: {file: ", out);
        put_value(out, cfg, s->schema_file, 0);
        fputs("}\n", out);
    } else if (s->has_schema_id) {
        fprintf(out, "    schema: {registry_id: %u}\n", (unsigned)s->schema_id);
    }
    if (cfg->window.time == DD_CONFIG_WINDOW_EVENT_TIME) {
        if (s->time_source == DD_CONFIG_TIME_FIELD) {
            fputs("    timestamp: {source: field, field: ", out);
            put_quoted(out, s->time_field);
            fprintf(out, ", format: %s}\n",
                    time_formats[s->time_format <= DD_CONFIG_TIME_ISO8601 ? s->time_format : 0]);
        } else {
            fputs("    timestamp: {source: kafka}\n", out);
        }
    }
    if (s->n_keys > 0) {
        fputs("    keys: [", out);
        for (size_t i = 0; i < s->n_keys; i++) {
            if (i > 0)
                fputs(", ", out);
            put_quoted(out, s->keys[i]);
        }
        fprintf(out, "]\n    max_key_values: %u\n", (unsigned)s->max_key_values);
    }
    fputs("    reference: ", out);
    put_reference(out, cfg, &s->reference);
    fputs("\n    fields:\n", out);
    for (size_t i = 0; i < s->n_fields; i++)
        put_field(out, &s->fields[i]);
}

void dd_config_print_redacted(const dd_config_t *cfg, FILE *out) {
    static const char *const levels[] = {"?", "error", "warn", "info", "debug"};
    static const char *const log_formats[] = {"?", "text", "json"};
    fputs("# The effective configuration: defaults filled in, secrets and substituted values "
          "as ***.\n",
          out);
    fprintf(out, "version: %u\n", (unsigned)cfg->version);

    fputs("kafka:\n", out);
    for (size_t i = 0; i < cfg->n_kafka; i++) {
        /* Names are [a-z0-9._-]; one starting with punctuation is quoted so YAML keeps it a key. */
        const char *name = cfg->kafka[i].name;
        fputs("  ", out);
        if ((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= '0' && name[0] <= '9'))
            fputs(name, out);
        else
            put_quoted(out, name);
        fputs(": ", out);
        put_value(out, cfg, cfg->kafka[i].value, cfg_is_secret_name(cfg->kafka[i].name));
        fputc('\n', out);
    }

    const dd_config_registry_t *r = &cfg->schema_registry;
    if (r->url != NULL) {
        static const char *const names[] = {"url",     "username",  "password",
                                            "ca_file", "cert_file", "key_file"};
        const char *const values[] = {r->url,     r->username,  r->password,
                                      r->ca_file, r->cert_file, r->key_file};
        fputs("schema_registry:\n", out);
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
            if (values[i] == NULL)
                continue;
            fprintf(out, "  %s: ", names[i]);
            put_value(out, cfg, values[i], cfg_is_secret_name(names[i]));
            fputc('\n', out);
        }
        fprintf(out, "  verify_tls: %s\n  timeout: ", r->verify_tls ? "true" : "false");
        put_duration(out, r->timeout_ms);
        fputs("\n  connect_timeout: ", out);
        put_duration(out, r->connect_timeout_ms);
        fprintf(out, "\n  retries: %u\n", (unsigned)r->retries);
    }

    const dd_config_window_t *w = &cfg->window;
    fputs("window:\n  length: ", out);
    put_duration(out, w->length_ms);
    fputs("\n  pane: ", out);
    put_duration(out, w->pane_ms);
    if (w->time == DD_CONFIG_WINDOW_EVENT_TIME) {
        fputs("\n  time: event\n  watermark: ", out);
        put_duration(out, w->watermark_ms);
        fputs("\n  allowed_lateness: ", out);
        put_duration(out, w->allowed_lateness_ms);
    } else {
        fputs("\n  time: processing", out);
    }
    fputs("\n  evaluate_every: ", out);
    put_duration(out, w->evaluate_every_ms);
    fputs("\nreference: ", out);
    put_reference(out, cfg, &cfg->reference);
    fputc('\n', out);

    fputs("streams:\n", out);
    for (size_t i = 0; i < cfg->n_streams; i++)
        put_stream(out, cfg, &cfg->streams[i]);

    const dd_config_alerts_t *a = &cfg->alerts;
    fputs("alerts:\n  topic: ", out);
    put_value(out, cfg, a->topic, 0);
    fputs("\n  dead_letter_topic: ", out);
    put_value(out, cfg, a->dead_letter_topic, 0);
    fprintf(out, "\n  min_samples: %llu\n  raise_after: %u\n  clear_after: %u\n",
            (unsigned long long)a->min_samples, (unsigned)a->raise_after, (unsigned)a->clear_after);
    if (a->max_lag_ms > 0) {
        fputs("  max_lag: ", out);
        put_duration(out, a->max_lag_ms);
        fputc('\n', out);
    }
    if (a->max_idle_ms > 0) {
        fputs("  max_idle: ", out);
        put_duration(out, a->max_idle_ms);
        fputc('\n', out);
    }
    fputs("  severity: {warning: ", out);
    put_number(out, a->severity_warning);
    fputs(", critical: ", out);
    put_number(out, a->severity_critical);
    fputs("}\n  mute: [", out);
    for (size_t i = 0; i < a->n_mute; i++) {
        if (i > 0)
            fputs(", ", out);
        put_quoted(out, a->mute[i]);
    }
    fputs("]\n", out);

    fprintf(out, "events:\n  stdout: %s\n  file: ", cfg->events.to_stdout ? "true" : "false");
    put_value(out, cfg, cfg->events.file, 0);
    fputs("\nstate:\n  dir: ", out);
    put_value(out, cfg, cfg->state.dir, 0);
    fputs("\n  checkpoint_every: ", out);
    put_duration(out, cfg->state.checkpoint_every_ms);
    fputs("\nhttp:\n  listen: ", out);
    put_value(out, cfg, cfg->http.listen, 0);
    fprintf(out, "\nlog:\n  level: %s\n  format: %s\n",
            levels[cfg->log.level <= DD_CONFIG_LOG_DEBUG ? cfg->log.level : 0],
            log_formats[cfg->log.format <= DD_CONFIG_LOG_JSON ? cfg->log.format : 0]);
}
