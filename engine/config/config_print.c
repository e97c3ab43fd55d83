/* config_print.c — what the loader writes. Its one-line messages, which must point at the
 * offending node and key path and never quote a substituted value; and the effective
 * configuration as YAML, secrets hidden (`driftd config check --print`), written through the same
 * descriptor tables that read it, so that it reads back with dd_config_parse into the same
 * configuration (apart from the hidden values) and can serve as a normalised copy. */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codecs.h"
#include "config_int.h"

/* ---- Messages ------------------------------------------------------------------------------- */

int cfg_vfail(cfg_ctx_t *c, const cfg_node_t *node, const char *fmt, va_list ap) {
    char msg[768], line[1400];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    const char *sep = c->path_len > 0 ? ": " : "";
    if (node != NULL)
        snprintf(line, sizeof(line), "%s:%u:%u: %s%s%s", c->name, node->line, node->column,
                 c->path, sep, msg);
    else
        snprintf(line, sizeof(line), "%s: %s%s%s", c->name, c->path, sep, msg);
    /* The first error replaces whatever err held; later ones follow on lines of their own while
     * they fit (dd_config_parse adds the count of those that did not). */
    if (c->n_errors == 0) {
        snprintf(c->err, c->err_size, "%s", line);
    } else if (c->n_errors < CFG_ERRORS_MAX) {
        const size_t used = strlen(c->err);
        if (used + 1 + strlen(line) < c->err_size)
            snprintf(c->err + used, c->err_size - used, "\n%s", line);
        else
            c->n_errors = CFG_ERRORS_MAX; /* no room: the rest are counted */
    }
    c->n_errors++;
    return -1;
}

int cfg_fail(cfg_ctx_t *c, const cfg_node_t *node, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    cfg_vfail(c, node, fmt, ap);
    va_end(ap);
    return -1;
}

size_t cfg_path_key(cfg_ctx_t *c, const char *key) {
    const size_t mark = c->path_len;
    const size_t room = sizeof(c->path) - c->path_len;
    char quoted[96];
    cfg_quote(quoted, sizeof(quoted), key, strlen(key), 64);
    const int w = snprintf(c->path + c->path_len, room, "%s%s", c->path_len ? "." : "", quoted);
    if (w > 0)
        c->path_len += (size_t)w < room ? (size_t)w : room - 1;
    return mark;
}

size_t cfg_path_index(cfg_ctx_t *c, size_t index) {
    const size_t mark = c->path_len;
    const size_t room = sizeof(c->path) - c->path_len;
    const int w = snprintf(c->path + c->path_len, room, "[%zu]", index);
    if (w > 0)
        c->path_len += (size_t)w < room ? (size_t)w : room - 1;
    return mark;
}

void cfg_path_pop(cfg_ctx_t *c, size_t mark) {
    c->path_len = mark;
    c->path[mark] = '\0';
}

void cfg_describe(const cfg_node_t *n, char *buf, size_t size) {
    if (n->type == CFG_MAPPING)
        snprintf(buf, size, "a mapping");
    else if (n->type == CFG_SEQUENCE)
        snprintf(buf, size, "a sequence");
    else if (cfg_is_null(n))
        snprintf(buf, size, "null");
    else if (n->len == 0)
        snprintf(buf, size, "an empty string");
    else {
        char q[96];
        cfg_quote(q, sizeof(q), n->text, n->len, 60);
        snprintf(buf, size, "'%s'", q);
    }
}

int cfg_expected(cfg_ctx_t *c, const cfg_node_t *n, const char *what) {
    char got[128];
    cfg_describe(n, got, sizeof(got));
    return cfg_fail(c, n, "expected %s, got %s", what, got);
}

int cfg_is_secret_name(const char *name) {
    /* sasl.oauthbearer.config holds client secrets; sasl.kerberos.kinit.cmd may hold a keytab
     * path or a password on its command line. */
    static const char *const words[] = {"password", "secret",     "key",      "token",
                                        "sasl.jaas", "oauthbearer", "kinit.cmd"};
    char lower[256];
    size_t i = 0;
    for (; name[i] != '\0' && i + 1 < sizeof(lower); i++)
        lower[i] = (char)tolower((unsigned char)name[i]);
    lower[i] = '\0';
    for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++)
        if (strstr(lower, words[w]) != NULL)
            return 1;
    return 0;
}

int cfg_fail_key(cfg_ctx_t *c, const cfg_node_t *map, const char *key, const char *fmt, ...) {
    const cfg_node_t *v = cfg_map_get(map, key);
    va_list ap;
    cfg_path_key(c, key);
    va_start(ap, fmt);
    cfg_vfail(c, v != NULL ? v : map, fmt, ap);
    va_end(ap);
    return -1;
}

int cfg_missing(cfg_ctx_t *c, const cfg_node_t *map, const char *key, const char *expected_text) {
    return cfg_fail(c, map, "missing key '%s'; expected %s", key, expected_text);
}

void cfg_shown(const cfg_ctx_t *c, const char *value, char *buf, size_t size) {
    if (dd_config_is_substituted(c->cfg, value)) {
        snprintf(buf, size, "the substituted value");
        return;
    }
    char q[96];
    cfg_quote(q, sizeof(q), value, strlen(value), 60);
    snprintf(buf, size, "'%s'", q);
}

/* ---- YAML ----------------------------------------------------------------------------------- */

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
    char url[4096];
    if (v == NULL) {
        fputs("null", out);
    } else if (secret || dd_config_is_substituted(cfg, v)) {
        put_quoted(out, redacted);
    } else if (strstr(v, "://") != NULL && strchr(v, '@') != NULL &&
               strcmp(dd_url_redact(v, url, sizeof url), v) != 0) {
        put_quoted(out, url); /* a URL's credentials (and, unescaped, any ${ after them) */
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

/* ---- Keys of the descriptor tables ---------------------------------------------------------- */

static void put_table(FILE *out, const dd_config_t *cfg, const cfg_table_t *t, const void *section,
                      const char *first, const char *indent);

int cfg_print_key(FILE *out, const dd_config_t *cfg, const cfg_key_t *k, const void *section,
                  const char *prefix) {
    const char *p = (const char *)section + k->offset;
    const char *s = NULL;
    double d = 0;
    switch (k->type) {
    case CFG_T_STRING:
    case CFG_T_PATH:
    case CFG_T_TOPIC:
    case CFG_T_FIELD_PATH:
        memcpy(&s, p, sizeof(s));
        if (s == NULL && !(k->flags & CFG_K_NULLABLE))
            return 0;
        fprintf(out, "%s ", prefix);
        if (k->type == CFG_T_FIELD_PATH || (k->type == CFG_T_STRING && !(k->flags & CFG_K_SUBST)))
            put_quoted(out, s); /* no substitution: a ${ in it is itself */
        else
            put_value(out, cfg, s, (k->flags & CFG_K_SECRET) != 0);
        return 1;
    case CFG_T_DOUBLE:
        memcpy(&d, p, sizeof(d));
        if (isnan(d))
            return 0;
        fprintf(out, "%s ", prefix);
        put_number(out, d);
        return 1;
    case CFG_T_BOOL:
    case CFG_T_INT:
    case CFG_T_DURATION:
    case CFG_T_SIZE:
    case CFG_T_ENUM:
    case CFG_T_TIMESTAMP:
        break;
    case CFG_T_TABLE:
        fprintf(out, "%s ", prefix);
        put_table(out, cfg, k->table, p, NULL, NULL);
        return 1;
    case CFG_T_CUSTOM:
        return k->print(out, cfg, section, prefix);
    }
    const int64_t v = cfg_key_int(k, section);
    if (v == 0 && (k->flags & CFG_K_NO_DEFAULT))
        return 0;
    fprintf(out, "%s ", prefix);
    if (k->type == CFG_T_DURATION) {
        char buf[64];
        cfg_format_duration(v, buf, sizeof(buf));
        fputs(buf, out);
    } else if (k->type == CFG_T_SIZE) {
        char buf[64];
        cfg_format_size(v, buf, sizeof(buf));
        fputs(buf, out);
    } else if (k->type == CFG_T_ENUM) {
        fputs(v >= 1 && (size_t)v <= cfg_enum_count(k->names) ? k->names[v - 1] : "?", out);
    } else if (k->type == CFG_T_TIMESTAMP) {
        put_timestamp(out, v);
    } else if (k->type == CFG_T_BOOL) {
        fputs(v ? "true" : "false", out);
    } else {
        fprintf(out, "%lld", (long long)v);
    }
    return 1;
}

/* Block style, one key a line after `indent` (the first after `first`), or flow style ({k: v})
 * when indent is NULL. Keys that would not read back in this configuration are left out. */
static void put_table(FILE *out, const dd_config_t *cfg, const cfg_table_t *t, const void *section,
                      const char *first, const char *indent) {
    size_t written = 0;
    int64_t variant = 0;
    if (indent == NULL)
        fputc('{', out);
    for (size_t i = 0; i < t->n_keys; i++) {
        const cfg_key_t *k = &t->keys[i];
        if (t->variant_key != NULL && strcmp(k->name, t->variant_key) == 0)
            variant = cfg_key_int(k, section);
        if (!cfg_key_applies(k, variant) || (k->omit != NULL && k->omit(cfg, section)))
            continue;
        char prefix[96];
        snprintf(prefix, sizeof(prefix),
                 "%s%s:", indent == NULL ? (written ? ", " : "") : (written ? indent : first),
                 k->name);
        if (cfg_print_key(out, cfg, k, section, prefix)) {
            written++;
            if (indent != NULL)
                fputc('\n', out);
        }
    }
    if (indent == NULL)
        fputc('}', out);
}

/* ---- Keys with a structure of their own (CUSTOM rows) --------------------------------------- */

int cfg_print_topics(FILE *out, const dd_config_t *cfg, const void *stream, const char *prefix) {
    const dd_config_stream_t *s = stream;
    fprintf(out, "%s ", prefix);
    put_topics(out, cfg, s->topics, s->n_topics);
    return 1;
}

static void put_strings(FILE *out, const char *const *strings, size_t n) {
    fputc('[', out);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            fputs(", ", out);
        put_quoted(out, strings[i]);
    }
    fputc(']', out);
}

int cfg_print_keys(FILE *out, const dd_config_t *cfg, const void *stream, const char *prefix) {
    const dd_config_stream_t *s = stream;
    (void)cfg;
    if (s->n_keys == 0)
        return 0;
    fprintf(out, "%s ", prefix);
    put_strings(out, s->keys, s->n_keys);
    return 1;
}

int cfg_print_fields(FILE *out, const dd_config_t *cfg, const void *stream, const char *prefix) {
    const dd_config_stream_t *s = stream;
    fputs(prefix, out);
    for (size_t i = 0; i < s->n_fields; i++) {
        fputs("\n      - ", out);
        put_table(out, cfg, &cfg_field_table, &s->fields[i], NULL, NULL);
    }
    return 1;
}

int cfg_print_reference_topics(FILE *out, const dd_config_t *cfg, const void *reference,
                               const char *prefix) {
    const dd_config_reference_t *r = reference;
    if (r->n_topics == 0)
        return 0;
    fprintf(out, "%s ", prefix);
    put_topics(out, cfg, r->topics, r->n_topics);
    return 1;
}

int cfg_print_range(FILE *out, const dd_config_t *cfg, const void *field, const char *prefix) {
    const dd_config_field_t *f = field;
    (void)cfg;
    if (!f->has_range)
        return 0;
    fprintf(out, "%s [", prefix);
    put_number(out, f->range_min);
    fputs(", ", out);
    put_number(out, f->range_max);
    fputc(']', out);
    return 1;
}

int cfg_print_mute(FILE *out, const dd_config_t *cfg, const void *alerts, const char *prefix) {
    const dd_config_alerts_t *a = alerts;
    (void)cfg;
    fprintf(out, "%s ", prefix);
    put_strings(out, a->mute, a->n_mute);
    return 1;
}

int cfg_print_labels(FILE *out, const dd_config_t *cfg, const void *alerts, const char *prefix) {
    const dd_config_alerts_t *a = alerts;
    fprintf(out, "%s {", prefix);
    for (size_t i = 0; i < a->n_labels; i++) {
        fputs(i ? ", " : "", out);
        fputs(a->label_names[i], out); /* [a-zA-Z_][a-zA-Z0-9_]*: a plain YAML key */
        fputs(": ", out);
        put_value(out, cfg, a->label_values[i], 0);
    }
    fputc('}', out);
    return 1;
}

/* ---- The document --------------------------------------------------------------------------- */

void cfg_print_version(FILE *out, const dd_config_t *cfg) {
    fprintf(out, "version: %u\n", (unsigned)cfg->version);
}

void cfg_print_kafka(FILE *out, const dd_config_t *cfg) {
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
}

void cfg_print_streams(FILE *out, const dd_config_t *cfg) {
    fputs("streams:\n", out);
    for (size_t i = 0; i < cfg->n_streams; i++)
        put_table(out, cfg, &cfg_stream_table, &cfg->streams[i], "  - ", "    ");
}

void dd_config_print_redacted(const dd_config_t *cfg, FILE *out) {
    fputs("# The effective configuration: defaults filled in, secrets and substituted values "
          "as ***.\n",
          out);
    for (size_t i = 0; i < cfg_n_sections; i++) {
        const cfg_section_t *s = &cfg_sections[i];
        const void *section = (const char *)cfg + s->offset;
        if (s->table == NULL) {
            s->print(out, cfg);
        } else if (s->omit == NULL || !s->omit(cfg, section)) {
            fprintf(out, "%s:\n", s->key);
            put_table(out, cfg, s->table, section, "  ", "  ");
        }
    }
}
