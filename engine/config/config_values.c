/* config_values.c — typed values of the config: strings with ${ENV:...}/${FILE:...}
 * substitution, integers, numbers, durations, timestamps, enums; the arena they are copied into;
 * and the messages that say what was wrong and what was expected. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_int.h"

/* ---- Arena ---------------------------------------------------------------------------------- */

typedef union cfg_align {
    long double ld;
    void *p;
    long long ll;
} cfg_align_t;

typedef struct cfg_block {
    struct cfg_block *next;
    size_t used, cap; /* in cfg_align_t units */
    cfg_align_t data[];
} cfg_block_t;

struct cfg_arena {
    cfg_block_t *head;
};

enum { ARENA_BLOCK_UNITS = 4096 };

cfg_arena_t *cfg_arena_new(void) {
    return calloc(1, sizeof(cfg_arena_t));
}

void *cfg_arena_alloc(cfg_arena_t *a, size_t size) {
    const size_t units = (size + sizeof(cfg_align_t) - 1) / sizeof(cfg_align_t);
    if (size > ((size_t)1 << 40))
        return NULL;
    cfg_block_t *b = a->head;
    if (b == NULL || b->cap - b->used < units) {
        const size_t cap = units > ARENA_BLOCK_UNITS ? units : ARENA_BLOCK_UNITS;
        b = calloc(1, sizeof(cfg_block_t) + cap * sizeof(cfg_align_t));
        if (b == NULL)
            return NULL;
        b->cap = cap;
        if (units > ARENA_BLOCK_UNITS && a->head != NULL) {
            /* A large allocation gets its own block behind the current one, which stays open. */
            b->next = a->head->next;
            a->head->next = b;
        } else {
            b->next = a->head;
            a->head = b;
        }
    }
    void *p = &b->data[b->used];
    b->used += units;
    return p;
}

char *cfg_arena_strndup(cfg_arena_t *a, const char *s, size_t len) {
    char *p = cfg_arena_alloc(a, len + 1);
    if (p != NULL) {
        memcpy(p, s, len);
        p[len] = '\0';
    }
    return p;
}

void cfg_arena_free(cfg_arena_t *a) {
    if (a == NULL)
        return;
    cfg_block_t *b = a->head;
    while (b != NULL) {
        cfg_block_t *next = b->next;
        free(b);
        b = next;
    }
    free(a);
}

/* ---- Messages ------------------------------------------------------------------------------- */

int cfg_vfail(cfg_ctx_t *c, const cfg_node_t *node, const char *fmt, va_list ap) {
    char msg[768];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    const char *sep = c->path_len > 0 ? ": " : "";
    if (node != NULL)
        snprintf(c->err, c->err_size, "%s:%u:%u: %s%s%s", c->name, node->line, node->column,
                 c->path, sep, msg);
    else
        snprintf(c->err, c->err_size, "%s: %s%s%s", c->name, c->path, sep, msg);
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

int cfg_is_null(const cfg_node_t *n) {
    if (n->type != CFG_SCALAR || !n->plain)
        return 0;
    return n->len == 0 || strcmp(n->text, "~") == 0 || strcmp(n->text, "null") == 0 ||
           strcmp(n->text, "Null") == 0 || strcmp(n->text, "NULL") == 0;
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

/* Fails with "expected WHAT, got DESCRIPTION". */
static int expected(cfg_ctx_t *c, const cfg_node_t *n, const char *what) {
    char got[128];
    cfg_describe(n, got, sizeof(got));
    return cfg_fail(c, n, "expected %s, got %s", what, got);
}

int cfg_is_secret_name(const char *name) {
    static const char *const words[] = {"password", "secret", "key", "token", "sasl.jaas"};
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

int cfg_mark_substituted(cfg_ctx_t *c, const char *value) {
    struct dd_config_private *p = c->cfg->priv;
    if (p->n_substituted == p->cap_substituted) {
        const size_t cap = p->cap_substituted ? 2 * p->cap_substituted : 16;
        const char **grown = cfg_arena_alloc(c->arena, cap * sizeof(*grown));
        if (grown == NULL)
            return -1;
        if (p->n_substituted > 0)
            memcpy(grown, p->substituted, p->n_substituted * sizeof(*grown));
        p->substituted = grown;
        p->cap_substituted = cap;
    }
    p->substituted[p->n_substituted++] = value;
    return 0;
}

/* ---- Strings and substitution ------------------------------------------------------------- */

typedef struct strbuf {
    char *data;
    size_t len, cap;
} strbuf_t;

static int sb_append(strbuf_t *b, const char *s, size_t n) {
    if (b->len + n > DD_CONFIG_SCALAR_BYTES_MAX)
        return -1;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (d == NULL)
            return -1;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

/* base_dir + "/" + path for a relative path (when there is a base). Caller frees. */
static char *resolve_path(const cfg_ctx_t *c, const char *path, size_t len) {
    const size_t base = path[0] == '/' ? 0 : strlen(c->base_dir);
    char *out = malloc(base + 1 + len + 1);
    if (out == NULL)
        return NULL;
    size_t o = 0;
    if (base > 0) {
        memcpy(out, c->base_dir, base);
        o = base;
        if (out[o - 1] != '/')
            out[o++] = '/';
    }
    memcpy(out + o, path, len);
    out[o + len] = '\0';
    return out;
}

/* Reads a ${FILE:...} file: a regular file of at most DD_CONFIG_SUBST_FILE_BYTES_MAX bytes, one
 * trailing newline (\n or \r\n) dropped, no NUL. */
static int read_secret_file(cfg_ctx_t *c, const cfg_node_t *n, const char *path, strbuf_t *out) {
    char shown[160];
    cfg_quote(shown, sizeof(shown), path, strlen(path), 120);
    /* O_NONBLOCK: a FIFO must not hang the process; it is refused below anyway. */
    const int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return cfg_fail(c, n, "cannot read %s (from ${FILE:...}): %s", shown, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return cfg_fail(c, n, "cannot read %s (from ${FILE:...}): not a regular file", shown);
    }
    char *buf = malloc(DD_CONFIG_SUBST_FILE_BYTES_MAX + 1);
    if (buf == NULL) {
        close(fd);
        return cfg_fail(c, n, "out of memory");
    }
    size_t got = 0;
    while (got < DD_CONFIG_SUBST_FILE_BYTES_MAX + 1) {
        const ssize_t r = read(fd, buf + got, DD_CONFIG_SUBST_FILE_BYTES_MAX + 1 - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            const int e = errno;
            close(fd);
            free(buf);
            return cfg_fail(c, n, "cannot read %s (from ${FILE:...}): %s", shown, strerror(e));
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    int rc = 0;
    if (got > DD_CONFIG_SUBST_FILE_BYTES_MAX) {
        rc = cfg_fail(c, n,
                      "%s (from ${FILE:...}) is larger than %u bytes; expected a small "
                      "secret file",
                      shown, DD_CONFIG_SUBST_FILE_BYTES_MAX);
    } else if (memchr(buf, '\0', got) != NULL) {
        rc = cfg_fail(c, n, "%s (from ${FILE:...}) contains a NUL byte; expected text", shown);
    } else {
        if (got > 0 && buf[got - 1] == '\n') {
            got--;
            if (got > 0 && buf[got - 1] == '\r')
                got--;
        }
        if (sb_append(out, buf, got) != 0)
            rc = cfg_fail(c, n, "the value after substitution is longer than %u bytes",
                          DD_CONFIG_SCALAR_BYTES_MAX);
    }
    free(buf);
    return rc;
}

static int valid_env_name(const char *s, size_t len) {
    if (len == 0 || len > 255 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
        return 0;
    for (size_t i = 1; i < len; i++)
        if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
            return 0;
    return 1;
}

static const char subst_expected[] =
    "expected ${ENV:NAME} or ${FILE:PATH} ($${ writes a literal ${)";

/* Replaces every ${ENV:NAME} and ${FILE:PATH} of the scalar. *substituted = 1 when one was. */
static int substitute(cfg_ctx_t *c, const cfg_node_t *n, strbuf_t *out, int *substituted) {
    const char *s = n->text;
    const size_t len = n->len;
    *substituted = 0;
    size_t i = 0;
    while (i < len) {
        const char *dollar = memchr(s + i, '$', len - i);
        const size_t lit = dollar ? (size_t)(dollar - (s + i)) : len - i;
        if (sb_append(out, s + i, lit) != 0)
            return cfg_fail(c, n, "the value after substitution is longer than %u bytes",
                            DD_CONFIG_SCALAR_BYTES_MAX);
        i += lit;
        if (i >= len)
            break;
        if (i + 2 < len && s[i + 1] == '$' && s[i + 2] == '{') { /* $${ → ${ */
            if (sb_append(out, "${", 2) != 0)
                return cfg_fail(c, n, "the value is longer than %u bytes",
                                DD_CONFIG_SCALAR_BYTES_MAX);
            i += 3;
            continue;
        }
        if (i + 1 >= len || s[i + 1] != '{') {
            if (sb_append(out, "$", 1) != 0)
                return cfg_fail(c, n, "the value is longer than %u bytes",
                                DD_CONFIG_SCALAR_BYTES_MAX);
            i++;
            continue;
        }
        const char *body = s + i + 2;
        const char *close = memchr(body, '}', len - (i + 2));
        if (close == NULL)
            return cfg_fail(c, n, "an unterminated ${; %s", subst_expected);
        const size_t body_len = (size_t)(close - body);
        if (body_len > 4 && memcmp(body, "ENV:", 4) == 0) {
            const char *name = body + 4;
            const size_t name_len = body_len - 4;
            char shown[80];
            cfg_quote(shown, sizeof(shown), name, name_len, 60);
            if (!valid_env_name(name, name_len))
                return cfg_fail(c, n,
                                "'%s' is not an environment variable name; expected "
                                "letters, digits and _, not starting with a digit",
                                shown);
            char var[256];
            memcpy(var, name, name_len);
            var[name_len] = '\0';
            const char *value = getenv(var);
            if (value == NULL)
                return cfg_fail(c, n, "environment variable %s is not set (from ${ENV:%s})", shown,
                                shown);
            if (sb_append(out, value, strlen(value)) != 0)
                return cfg_fail(c, n, "the value after substitution is longer than %u bytes",
                                DD_CONFIG_SCALAR_BYTES_MAX);
        } else if (body_len > 5 && memcmp(body, "FILE:", 5) == 0) {
            char *path = resolve_path(c, body + 5, body_len - 5);
            if (path == NULL)
                return cfg_fail(c, n, "out of memory");
            const int rc = read_secret_file(c, n, path, out);
            free(path);
            if (rc != 0)
                return rc;
        } else {
            char shown[80];
            cfg_quote(shown, sizeof(shown), body, body_len, 60);
            return cfg_fail(c, n, "unknown substitution '${%s}'; %s", shown, subst_expected);
        }
        *substituted = 1;
        i = (size_t)(close - s) + 1;
    }
    if (out->data == NULL && sb_append(out, "", 0) != 0)
        return cfg_fail(c, n, "out of memory");
    return 0;
}

int cfg_get_string(cfg_ctx_t *c, const cfg_node_t *n, unsigned flags, size_t max_len,
                   const char **out) {
    *out = NULL;
    if (n->type != CFG_SCALAR)
        return expected(c, n, "a string");
    if (cfg_is_null(n)) {
        if (flags & CFG_STR_NULLABLE)
            return 0;
        return expected(c, n, "a string");
    }
    strbuf_t b = {0};
    int substituted = 0;
    if (flags & CFG_STR_SUBST) {
        if (substitute(c, n, &b, &substituted) != 0) {
            free(b.data);
            return -1;
        }
    } else {
        if (strstr(n->text, "${ENV:") != NULL || strstr(n->text, "${FILE:") != NULL)
            return cfg_fail(c, n,
                            "${ENV:...} and ${FILE:...} are not allowed here; expected "
                            "the value itself (substitution works in kafka and schema_registry "
                            "values, topics, paths and addresses)");
        if (sb_append(&b, n->text, n->len) != 0)
            return cfg_fail(c, n, "out of memory");
    }
    int rc = 0;
    if (b.len == 0 && !(flags & CFG_STR_EMPTY_OK)) {
        rc = substituted ? cfg_fail(c, n,
                                    "the substituted value is empty; expected a non-empty "
                                    "string")
                         : cfg_fail(c, n, "expected a non-empty string, got an empty string");
    } else if (b.len > max_len) {
        rc = cfg_fail(c, n, "%s is %zu bytes long; at most %zu are allowed",
                      substituted ? "the substituted value" : "the value", b.len, max_len);
    }
    char *resolved = NULL;
    if (rc == 0 && (flags & CFG_STR_PATH) && b.len > 0) {
        resolved = resolve_path(c, b.data, b.len);
        if (resolved == NULL)
            rc = cfg_fail(c, n, "out of memory");
        else if (strlen(resolved) > DD_CONFIG_PATH_BYTES_MAX)
            rc = cfg_fail(c, n,
                          "the path is longer than %u bytes after joining it to the "
                          "config file's directory",
                          DD_CONFIG_PATH_BYTES_MAX);
    }
    if (rc == 0) {
        const char *src = resolved ? resolved : b.data;
        *out = cfg_arena_strndup(c->arena, src, strlen(src));
        if (*out == NULL)
            rc = cfg_fail(c, n, "out of memory");
        else if (substituted && cfg_mark_substituted(c, *out) != 0)
            rc = cfg_fail(c, n, "out of memory");
    }
    free(resolved);
    free(b.data);
    if (rc != 0)
        *out = NULL;
    return rc;
}

/* ---- Scalars -------------------------------------------------------------------------------- */

int cfg_get_bool(cfg_ctx_t *c, const cfg_node_t *n, int *out) {
    if (n->type == CFG_SCALAR && strcmp(n->text, "true") == 0)
        *out = 1;
    else if (n->type == CFG_SCALAR && strcmp(n->text, "false") == 0)
        *out = 0;
    else
        return expected(c, n, "true or false");
    return 0;
}

int cfg_get_u64(cfg_ctx_t *c, const cfg_node_t *n, uint64_t min, uint64_t max, uint64_t *out) {
    char what[96];
    snprintf(what, sizeof(what), "an integer from %llu to %llu", (unsigned long long)min,
             (unsigned long long)max);
    if (n->type != CFG_SCALAR || n->len == 0 || n->len > 20 || cfg_is_null(n))
        return expected(c, n, what);
    for (size_t i = 0; i < n->len; i++)
        if (n->text[i] < '0' || n->text[i] > '9')
            return expected(c, n, what);
    if (n->len > 1 && n->text[0] == '0')
        return expected(c, n, what);
    errno = 0;
    const unsigned long long v = strtoull(n->text, NULL, 10);
    if (errno != 0 || v < min || v > max)
        return expected(c, n, what);
    *out = (uint64_t)v;
    return 0;
}

/* Decimal notation only: -?digits[.digits][e±digits], at least one mantissa digit. No inf, nan,
 * hex floats or YAML's .inf. */
static int number_syntax(const char *s, size_t len) {
    size_t i = 0, digits = 0;
    if (i < len && (s[i] == '-' || s[i] == '+'))
        i++;
    while (i < len && s[i] >= '0' && s[i] <= '9') {
        i++;
        digits++;
    }
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            i++;
            digits++;
        }
    }
    if (digits == 0)
        return 0;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '-' || s[i] == '+'))
            i++;
        size_t exp_digits = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            i++;
            exp_digits++;
        }
        if (exp_digits == 0)
            return 0;
    }
    return i == len && len <= 64;
}

int cfg_get_double(cfg_ctx_t *c, const cfg_node_t *n, double *out) {
    if (n->type != CFG_SCALAR || !number_syntax(n->text, n->len))
        return expected(c, n, "a number such as 0.05 or 1e-3");
    errno = 0;
    const double v = strtod(n->text, NULL);
    if (!isfinite(v))
        return expected(c, n, "a finite number");
    *out = v;
    return 0;
}

int cfg_get_enum(cfg_ctx_t *c, const cfg_node_t *n, const char *const *names, size_t count,
                 size_t *out) {
    if (n->type == CFG_SCALAR)
        for (size_t i = 0; i < count; i++)
            if (strcmp(n->text, names[i]) == 0) {
                *out = i;
                return 0;
            }
    char what[256];
    size_t o = 0;
    for (size_t i = 0; i < count && o < sizeof(what); i++) {
        const char *sep = i == 0 ? "" : i + 1 == count ? " or " : ", ";
        const int w = snprintf(what + o, sizeof(what) - o, "%s%s", sep, names[i]);
        if (w < 0)
            break;
        o += (size_t)w;
    }
    return expected(c, n, what);
}

/* ---- Durations ------------------------------------------------------------------------------ */

static const struct {
    const char *name;
    int64_t ms;
} duration_units[] = {{"d", 86400000}, {"h", 3600000}, {"m", 60000}, {"s", 1000}, {"ms", 1}};
enum { DURATION_UNITS = 5 };

int cfg_parse_duration(const char *s, size_t len, int64_t *out_ms) {
    int64_t total = 0;
    size_t i = 0;
    int last_unit = -1;
    if (len == 0)
        return -1;
    while (i < len) {
        int64_t v = 0;
        size_t digits = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            if (++digits > 12)
                return -1;
            v = v * 10 + (s[i] - '0');
            i++;
        }
        if (digits == 0)
            return -1;
        int unit = -1;
        if (i + 1 < len && s[i] == 'm' && s[i + 1] == 's') {
            unit = 4;
            i += 2;
        } else if (i < len) {
            for (int u = 0; u < 4; u++)
                if (s[i] == duration_units[u].name[0]) {
                    unit = u;
                    break;
                }
            if (unit < 0)
                return -1;
            i++;
        } else {
            return -1; /* a number without a unit */
        }
        if (unit <= last_unit)
            return -1; /* units from largest to smallest, each once */
        last_unit = unit;
        if (v > DD_CONFIG_DURATION_MS_MAX / duration_units[unit].ms)
            return -1;
        total += v * duration_units[unit].ms;
        if (total > DD_CONFIG_DURATION_MS_MAX)
            return -1;
    }
    *out_ms = total;
    return 0;
}

void cfg_format_duration(int64_t ms, char *buf, size_t size) {
    size_t o = 0;
    buf[0] = '\0';
    if (ms <= 0) {
        snprintf(buf, size, "0s");
        return;
    }
    for (int u = 0; u < DURATION_UNITS && o < size; u++) {
        const int64_t v = ms / duration_units[u].ms;
        if (v == 0)
            continue;
        ms -= v * duration_units[u].ms;
        const int w = snprintf(buf + o, size - o, "%lld%s", (long long)v, duration_units[u].name);
        if (w < 0)
            return;
        o += (size_t)w;
    }
}

int cfg_get_duration(cfg_ctx_t *c, const cfg_node_t *n, int64_t min_ms, int64_t max_ms,
                     int64_t *out) {
    char lo[32], hi[32];
    cfg_format_duration(min_ms, lo, sizeof(lo));
    cfg_format_duration(max_ms, hi, sizeof(hi));
    char what[160];
    snprintf(what, sizeof(what), "a duration from %s to %s such as 500ms, 30s, 5m, 1h, 1d or 1h30m",
             lo, hi);
    int64_t v;
    if (n->type != CFG_SCALAR || cfg_parse_duration(n->text, n->len, &v) != 0 || v < min_ms ||
        v > max_ms)
        return expected(c, n, what);
    *out = v;
    return 0;
}

/* ---- Timestamps ----------------------------------------------------------------------------- */

/* The codecs' RFC 3339 parser, with the configuration's narrower form: `T` (or `t`) between date
 * and time, no leap second, a year from 1970. */
static int parse_rfc3339(const char *s, size_t len, int64_t *out_ms) {
    if (len < 20 || (s[10] != 'T' && s[10] != 't') || (s[17] == '6' && s[18] == '0') ||
        memcmp(s, "1970", 4) < 0)
        return -1;
    return dd_parse_rfc3339((const uint8_t *)s, len, out_ms);
}

int cfg_get_timestamp(cfg_ctx_t *c, const cfg_node_t *n, int64_t *out) {
    if (n->type != CFG_SCALAR || parse_rfc3339(n->text, n->len, out) != 0)
        return expected(c, n, "an RFC 3339 time such as 2024-05-01T00:00:00Z (1970 or later)");
    return 0;
}

/* ---- Mappings and sequences ----------------------------------------------------------------- */

const cfg_node_t *cfg_map_get(const cfg_node_t *map, const char *key) {
    const size_t len = strlen(key);
    for (size_t i = 0; i < map->n; i++) {
        const cfg_node_t *k = map->items[2 * i];
        if (k->len == len && memcmp(k->text, key, len) == 0)
            return map->items[2 * i + 1];
    }
    return NULL;
}

static void list_names(char *buf, size_t size, const char *const *names, size_t count) {
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < count && o < size; i++) {
        const int w = snprintf(buf + o, size - o, "%s%s", i ? ", " : "", names[i]);
        if (w < 0)
            return;
        o += (size_t)w;
    }
}

int cfg_check_keys(cfg_ctx_t *c, const cfg_node_t *map, const char *const *known, size_t count,
                   const char *context) {
    for (size_t i = 0; i < map->n; i++) {
        const cfg_node_t *k = map->items[2 * i];
        size_t j = 0;
        while (j < count && !(strlen(known[j]) == k->len && memcmp(known[j], k->text, k->len) == 0))
            j++;
        if (j < count)
            continue;
        char key[96], names[400];
        cfg_quote(key, sizeof(key), k->text, k->len, 60);
        list_names(names, sizeof(names), known, count);
        return cfg_fail(c, k, "unknown key '%s'%s%s; expected one of %s", key, context ? " " : "",
                        context ? context : "", names);
    }
    return 0;
}

int cfg_missing(cfg_ctx_t *c, const cfg_node_t *map, const char *key, const char *expected_text) {
    return cfg_fail(c, map, "missing key '%s'; expected %s", key, expected_text);
}

int cfg_expect_mapping(cfg_ctx_t *c, const cfg_node_t *n, const char *what) {
    if (n->type == CFG_MAPPING)
        return 0;
    return expected(c, n, what);
}

int cfg_expect_sequence(cfg_ctx_t *c, const cfg_node_t *n, size_t min, size_t max,
                        const char *items) {
    char what[160];
    if (n->type != CFG_SEQUENCE) {
        snprintf(what, sizeof(what), "a sequence of %s", items);
        return expected(c, n, what);
    }
    if (n->n < min)
        return cfg_fail(c, n, "%zu %s; expected at least %zu", n->n, items, min);
    if (n->n > max)
        return cfg_fail(c, n, "%zu %s; expected at most %zu", n->n, items, max);
    return 0;
}

/* Looks the key up and extends the path; NULL when absent. */
static const cfg_node_t *enter(cfg_ctx_t *c, const cfg_node_t *map, const char *key, size_t *mark) {
    const cfg_node_t *v = cfg_map_get(map, key);
    if (v != NULL)
        *mark = cfg_path_key(c, key);
    return v;
}

int cfg_opt_string(cfg_ctx_t *c, const cfg_node_t *map, const char *key, unsigned flags,
                   size_t max_len, const char **out) {
    size_t mark;
    const cfg_node_t *v = enter(c, map, key, &mark);
    if (v == NULL)
        return 0;
    if (cfg_get_string(c, v, flags, max_len, out) != 0)
        return -1;
    cfg_path_pop(c, mark);
    return 1;
}

int cfg_opt_bool(cfg_ctx_t *c, const cfg_node_t *map, const char *key, int *out) {
    size_t mark;
    const cfg_node_t *v = enter(c, map, key, &mark);
    if (v == NULL)
        return 0;
    if (cfg_get_bool(c, v, out) != 0)
        return -1;
    cfg_path_pop(c, mark);
    return 1;
}

int cfg_opt_u64(cfg_ctx_t *c, const cfg_node_t *map, const char *key, uint64_t min, uint64_t max,
                uint64_t *out) {
    size_t mark;
    const cfg_node_t *v = enter(c, map, key, &mark);
    if (v == NULL)
        return 0;
    if (cfg_get_u64(c, v, min, max, out) != 0)
        return -1;
    cfg_path_pop(c, mark);
    return 1;
}

int cfg_opt_u32(cfg_ctx_t *c, const cfg_node_t *map, const char *key, uint32_t min, uint32_t max,
                uint32_t *out) {
    uint64_t v = 0;
    const int rc = cfg_opt_u64(c, map, key, min, max, &v);
    if (rc == 1)
        *out = (uint32_t)v;
    return rc;
}

int cfg_opt_double(cfg_ctx_t *c, const cfg_node_t *map, const char *key, double *out) {
    size_t mark;
    const cfg_node_t *v = enter(c, map, key, &mark);
    if (v == NULL)
        return 0;
    if (cfg_get_double(c, v, out) != 0)
        return -1;
    cfg_path_pop(c, mark);
    return 1;
}

int cfg_opt_duration(cfg_ctx_t *c, const cfg_node_t *map, const char *key, int64_t min_ms,
                     int64_t max_ms, int64_t *out) {
    size_t mark;
    const cfg_node_t *v = enter(c, map, key, &mark);
    if (v == NULL)
        return 0;
    if (cfg_get_duration(c, v, min_ms, max_ms, out) != 0)
        return -1;
    cfg_path_pop(c, mark);
    return 1;
}

int cfg_opt_enum(cfg_ctx_t *c, const cfg_node_t *map, const char *key, const char *const *names,
                 size_t count, size_t *out) {
    size_t mark;
    const cfg_node_t *v = enter(c, map, key, &mark);
    if (v == NULL)
        return 0;
    if (cfg_get_enum(c, v, names, count, out) != 0)
        return -1;
    cfg_path_pop(c, mark);
    return 1;
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

int cfg_get_topic(cfg_ctx_t *c, const cfg_node_t *n, int allow_regex, const char **out) {
    const char *t;
    if (cfg_get_string(c, n, CFG_STR_SUBST, allow_regex ? 1024 : DD_CONFIG_SCALAR_BYTES_MAX, &t) !=
        0)
        return -1;
    const size_t len = strlen(t);
    if (allow_regex && t[0] == '^') {
        *out = t;
        return 0;
    }
    int ok = len <= DD_CONFIG_TOPIC_BYTES_MAX && strcmp(t, ".") != 0 && strcmp(t, "..") != 0;
    for (size_t i = 0; ok && i < len; i++)
        ok = isalnum((unsigned char)t[i]) || t[i] == '.' || t[i] == '_' || t[i] == '-';
    if (!ok) {
        char shown[128];
        cfg_shown(c, t, shown, sizeof(shown));
        return cfg_fail(c, n,
                        "%s is not a Kafka topic name; expected 1 to 249 of A-Z a-z 0-9 . _ "
                        "-%s",
                        shown, allow_regex ? " (or a ^regex subscription)" : "");
    }
    *out = t;
    return 0;
}
