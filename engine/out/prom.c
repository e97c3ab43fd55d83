/* prom.c — Prometheus text exposition format 0.0.4 (prom.h).
 *
 * Every line is appended in pieces and committed only when the whole line fits: a failure in the
 * middle of a line rolls `len` back to the line's start, which is what keeps the text valid up to
 * the last complete line. */
#include "prom.h"

#include "json.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INITIAL_CAP 4096u

void dd_prom_init(dd_prom_t *p) {
    p->data = NULL;
    p->len = 0;
    p->cap = 0;
    p->failed = 0;
    p->const_names = p->const_values = NULL;
    p->n_const = 0;
}

void dd_prom_free(dd_prom_t *p) {
    if (p == NULL)
        return;
    free(p->data);
    dd_prom_init(p);
}

void dd_prom_reset(dd_prom_t *p) {
    p->len = 0;
    p->failed = 0;
    if (p->data != NULL)
        p->data[0] = '\0';
}

/* Room for n more bytes and the NUL; on failure sets `failed` and returns -1. */
static int reserve(dd_prom_t *p, size_t n) {
    if (p->failed)
        return -1;
    if (p->cap > p->len && n < p->cap - p->len)
        return 0;
    if (n > SIZE_MAX / 4 - p->len) { /* keeps the doubling below from overflowing */
        p->failed = 1;
        return -1;
    }
    const size_t need = p->len + n + 1;
    size_t cap = p->cap > 0 ? p->cap : INITIAL_CAP;
    while (cap < need)
        cap *= 2;
    char *data = realloc(p->data, cap);
    if (data == NULL) {
        p->failed = 1;
        return -1;
    }
    p->data = data;
    p->cap = cap;
    return 0;
}

static void put(dd_prom_t *p, const char *s, size_t n) {
    if (reserve(p, n) != 0)
        return;
    memcpy(p->data + p->len, s, n);
    p->len += n;
    p->data[p->len] = '\0';
}

static void put_cstr(dd_prom_t *p, const char *s) {
    put(p, s, strlen(s));
}

/* Untrusted text: backslash and newline always escaped, the double quote too inside a label
 * value; invalid UTF-8 becomes U+FFFD, since Prometheus rejects a page with one such byte. */
static void put_escaped(dd_prom_t *p, const char *text, int quote) {
    const unsigned char *s = (const unsigned char *)(text != NULL ? text : "");
    const size_t len = strlen((const char *)s);
    size_t run = 0; /* bytes copied as they are, flushed in one piece */
    for (size_t i = 0; i < len;) {
        const unsigned char c = s[i];
        const char *esc = NULL;
        size_t n = 0;
        if (c == '\\')
            esc = "\\\\";
        else if (c == '\n')
            esc = "\\n";
        else if (c == '"' && quote)
            esc = "\\\"";
        else if ((n = dd_utf8_sequence(s + i, len - i)) == 0)
            esc = "\xEF\xBF\xBD";
        if (esc != NULL) {
            put(p, (const char *)s + i - run, run);
            run = 0;
            put_cstr(p, esc);
            i++;
        } else {
            run += n;
            i += n;
        }
    }
    put(p, (const char *)s + len - run, run);
}

int dd_prom_metric_name_ok(const char *name) {
    if (name == NULL || name[0] == '\0')
        return 0;
    for (const char *c = name; *c != '\0'; c++) {
        const int alpha = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || *c == '_' ||
                          *c == ':';
        const int digit = *c >= '0' && *c <= '9';
        if (!alpha && !(digit && c != name))
            return 0;
    }
    return 1;
}

int dd_prom_label_name_ok(const char *name) {
    if (name == NULL || name[0] == '\0')
        return 0;
    for (const char *c = name; *c != '\0'; c++) {
        const int alpha = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || *c == '_';
        const int digit = *c >= '0' && *c <= '9';
        if (!alpha && !(digit && c != name))
            return 0;
    }
    return 1;
}

/* Ends a line: keeps it when everything fitted, else drops the partial line. */
static void commit_line(dd_prom_t *p, size_t line_start) {
    put(p, "\n", 1);
    if (p->failed) {
        p->len = line_start;
        if (p->data != NULL)
            p->data[p->len] = '\0';
    }
}

void dd_prom_family(dd_prom_t *p, const char *name, const char *type, const char *help) {
    static const char *const types[] = {"counter", "gauge", "histogram", "summary", "untyped"};
    if (p->failed)
        return;
    int type_ok = 0;
    for (size_t i = 0; type != NULL && i < sizeof(types) / sizeof(types[0]); i++)
        type_ok |= strcmp(type, types[i]) == 0;
    if (!dd_prom_metric_name_ok(name) || !type_ok) {
        p->failed = 1;
        return;
    }
    const size_t start = p->len;
    if (help != NULL) {
        put_cstr(p, "# HELP ");
        put_cstr(p, name);
        put(p, " ", 1);
        put_escaped(p, help, 0);
        commit_line(p, start);
    }
    const size_t type_start = p->len;
    put_cstr(p, "# TYPE ");
    put_cstr(p, name);
    put(p, " ", 1);
    put_cstr(p, type);
    commit_line(p, type_start);
    /* A HELP line without its TYPE would leave a half-declared family; drop both. */
    if (p->failed) {
        p->len = start;
        if (p->data != NULL)
            p->data[p->len] = '\0';
    }
}

/* Writes name{labels} and a space; returns the line's start, or SIZE_MAX when nothing may be
 * written (failed before, or a bad name now). */
static size_t sample_head(dd_prom_t *p, const char *name, const char *const *label_names,
                          const char *const *label_values, size_t n_labels) {
    if (p->failed)
        return SIZE_MAX;
    int ok = dd_prom_metric_name_ok(name) && (n_labels == 0 || label_names != NULL);
    for (size_t i = 0; ok && i < n_labels; i++) {
        ok = dd_prom_label_name_ok(label_names[i]);
        for (size_t j = 0; ok && j < i; j++)
            ok = strcmp(label_names[i], label_names[j]) != 0;
    }
    if (!ok) {
        p->failed = 1;
        return SIZE_MAX;
    }
    const size_t start = p->len;
    put_cstr(p, name);
    size_t written = 0;
    for (size_t i = 0; i < n_labels + p->n_const; i++) {
        const int own = i < n_labels;
        const char *ln = own ? label_names[i] : p->const_names[i - n_labels];
        const char *lv = own ? (label_values != NULL ? label_values[i] : NULL)
                             : p->const_values[i - n_labels];
        int repeated = 0;
        for (size_t j = 0; !own && j < n_labels; j++)
            repeated |= strcmp(label_names[j], ln) == 0;
        if (repeated)
            continue;
        put(p, written == 0 ? "{" : ",", 1);
        put_cstr(p, ln);
        put(p, "=\"", 2);
        put_escaped(p, lv, 1);
        put(p, "\"", 1);
        written++;
    }
    if (written > 0)
        put(p, "}", 1);
    put(p, " ", 1);
    return start;
}

void dd_prom_set_const_labels(dd_prom_t *p, const char *const *names, const char *const *values,
                              size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!dd_prom_label_name_ok(names[i])) {
            p->failed = 1;
            return;
        }
    p->const_names = names;
    p->const_values = values;
    p->n_const = n;
}

void dd_prom_sample(dd_prom_t *p, const char *name, const char *const *label_names,
                    const char *const *label_values, size_t n_labels, double value) {
    const size_t start = sample_head(p, name, label_names, label_values, n_labels);
    if (start == SIZE_MAX)
        return;
    char text[32];
    if (isnan(value)) {
        put_cstr(p, "NaN");
    } else if (isinf(value)) {
        put_cstr(p, value > 0 ? "+Inf" : "-Inf");
    } else {
        int n = 0;
        for (int digits = 15; digits <= 17; digits++) {
            n = snprintf(text, sizeof(text), "%.*g", digits, value);
            if (strtod(text, NULL) == value)
                break;
        }
        put(p, text, (size_t)n);
    }
    commit_line(p, start);
}

void dd_prom_sample_u64(dd_prom_t *p, const char *name, const char *const *label_names,
                        const char *const *label_values, size_t n_labels, uint64_t value) {
    const size_t start = sample_head(p, name, label_names, label_values, n_labels);
    if (start == SIZE_MAX)
        return;
    char text[24];
    const int n = snprintf(text, sizeof(text), "%" PRIu64, value);
    put(p, text, (size_t)n);
    commit_line(p, start);
}
