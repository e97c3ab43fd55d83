/* config_yaml.c — the configuration file's text into memory, where no input may make it
 * expensive: the file read with a size bound (dd_config_load); one YAML document into a node
 * tree, refusing anchors and aliases (the "billion laughs"), tags, nesting past
 * DD_CONFIG_DEPTH_MAX, more than DD_CONFIG_NODES_MAX nodes, scalars over
 * DD_CONFIG_SCALAR_BYTES_MAX, NUL bytes from escapes, duplicate and non-scalar keys (libyaml's own
 * state grows with nesting only, and parsing stops at the first refused event); ${ENV:...} and
 * ${FILE:...} in scalar text, bounded the same way. What the text means is config_values.c's. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "config_int.h"

enum { CHUNK_NODES = 256 };

struct cfg_node_chunk {
    struct cfg_node_chunk *next;
    size_t used;
    cfg_node_t nodes[CHUNK_NODES];
};

void cfg_tree_free(cfg_tree_t *tree) {
    struct cfg_node_chunk *ch = tree->chunks;
    while (ch != NULL) {
        for (size_t i = 0; i < ch->used; i++) {
            free(ch->nodes[i].text);
            free(ch->nodes[i].items);
        }
        struct cfg_node_chunk *next = ch->next;
        free(ch);
        ch = next;
    }
    memset(tree, 0, sizeof(*tree));
}

static cfg_node_t *node_new(cfg_tree_t *tree) {
    struct cfg_node_chunk *ch = tree->chunks;
    if (ch == NULL || ch->used == CHUNK_NODES) {
        ch = calloc(1, sizeof(*ch));
        if (ch == NULL)
            return NULL;
        ch->next = tree->chunks;
        tree->chunks = ch;
    }
    tree->n_nodes++;
    return &ch->nodes[ch->used++];
}

void cfg_quote(char *buf, size_t size, const char *s, size_t len, size_t max) {
    static const char hex[] = "0123456789abcdef";
    if (size == 0)
        return;
    size_t o = 0;
    size_t i = 0;
    for (; i < len && o + 8 < size; i++) {
        const unsigned char ch = (unsigned char)s[i];
        if (i >= max && (ch & 0xC0) != 0x80)
            break;
        if (ch < 0x20 || ch == 0x7F || ch == '\\') {
            if (ch == '\\') {
                buf[o++] = '\\';
                buf[o++] = '\\';
            } else {
                buf[o++] = '\\';
                buf[o++] = 'x';
                buf[o++] = hex[ch >> 4];
                buf[o++] = hex[ch & 15];
            }
        } else {
            buf[o++] = (char)ch;
        }
    }
    if (i < len) {
        /* Cut on a character boundary. */
        while (o > 0 && ((unsigned char)buf[o - 1] & 0xC0) == 0x80)
            o--;
        if (o > 0 && ((unsigned char)buf[o - 1] & 0x80) != 0)
            o--;
        if (o + 4 <= size) {
            memcpy(buf + o, "...", 3);
            o += 3;
        }
    }
    buf[o < size ? o : size - 1] = '\0';
}

/* ---- Builder ------------------------------------------------------------------------------- */

typedef struct builder {
    const char *name;
    const char *text;
    size_t text_len;
    char *err;
    size_t err_size;
    cfg_tree_t *tree;
    cfg_node_t *stack[DD_CONFIG_DEPTH_MAX];
    size_t depth;
    int documents;
} builder_t;

/* The key path of the position being built: "streams[0].fields[3]". */
static void stack_path(const builder_t *b, char *buf, size_t size) {
    size_t o = 0;
    buf[0] = '\0';
    for (size_t d = 0; d < b->depth && o + 1 < size; d++) {
        /* Below the top, each collection's last item is the one being built; at the top, the
         * next item (a sequence's) or the value of the last key (when it has none yet). */
        const cfg_node_t *p = b->stack[d];
        const int top = d + 1 == b->depth;
        int w = 0;
        if (p->type == CFG_SEQUENCE) {
            w = snprintf(buf + o, size - o, "[%zu]", top ? p->n : p->n - 1);
        } else if (p->n > 0 && (!top || p->items[2 * (p->n - 1) + 1] == NULL)) {
            char key[80];
            const cfg_node_t *k = p->items[2 * (p->n - 1)];
            cfg_quote(key, sizeof(key), k->text, k->len, 60);
            w = snprintf(buf + o, size - o, "%s%s", o > 0 ? "." : "", key);
        }
        if (w < 0)
            break;
        o += (size_t)w;
        if (o >= size)
            o = size - 1;
    }
}

static int fail_at(builder_t *b, size_t line, size_t column, int with_path, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int fail_at(builder_t *b, size_t line, size_t column, int with_path, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    char path[256] = "";
    if (with_path)
        stack_path(b, path, sizeof(path));
    snprintf(b->err, b->err_size, "%s:%zu:%zu: %s%s%s", b->name, line + 1, column + 1, path,
             path[0] ? ": " : "", msg);
    return -1;
}

/* Line and column (0-based, in characters) of a byte offset, for reader errors, which carry an
 * offset only. */
static void offset_position(const builder_t *b, size_t offset, size_t *line, size_t *column) {
    size_t l = 0, c = 0;
    for (size_t i = 0; i < offset && i < b->text_len; i++) {
        const unsigned char ch = (unsigned char)b->text[i];
        if (ch == '\n') {
            l++;
            c = 0;
        } else if ((ch & 0xC0) != 0x80) {
            c++;
        }
    }
    *line = l;
    *column = c;
}

static int syntax_error(builder_t *b, const yaml_parser_t *p) {
    if (p->error == YAML_MEMORY_ERROR) {
        snprintf(b->err, b->err_size, "%s: out of memory while parsing", b->name);
        return -1;
    }
    const char *problem = p->problem ? p->problem : "unknown error";
    if (p->error == YAML_READER_ERROR) {
        size_t line, column;
        offset_position(b, p->problem_offset, &line, &column);
        return fail_at(b, line, column, 0, "invalid text: %s (byte 0x%02x); expected UTF-8 text",
                       problem, (unsigned)p->problem_value & 0xFFu);
    }
    if (p->context != NULL)
        return fail_at(b, p->problem_mark.line, p->problem_mark.column, 0,
                       "invalid YAML: %s (%s that starts at line %zu, column %zu)", problem,
                       p->context, p->context_mark.line + 1, p->context_mark.column + 1);
    return fail_at(b, p->problem_mark.line, p->problem_mark.column, 0, "invalid YAML: %s", problem);
}

static int add_child(builder_t *b, cfg_node_t *child, const yaml_mark_t *mark) {
    if (b->depth == 0) {
        b->tree->root = child;
        return 0;
    }
    cfg_node_t *parent = b->stack[b->depth - 1];
    if (parent->type == CFG_MAPPING) {
        const int is_key = parent->n == 0 || parent->items[2 * (parent->n - 1) + 1] != NULL;
        if (is_key) {
            if (child->type != CFG_SCALAR)
                return fail_at(b, mark->line, mark->column, 1,
                               "a mapping key must be a plain or quoted string, not %s",
                               child->type == CFG_MAPPING ? "a mapping" : "a sequence");
            if (parent->n == parent->cap) {
                const size_t cap = parent->cap ? 2 * parent->cap : 4;
                cfg_node_t **items = realloc(parent->items, 2 * cap * sizeof(*items));
                if (items == NULL)
                    return fail_at(b, mark->line, mark->column, 0, "out of memory");
                parent->items = items;
                parent->cap = cap;
            }
            parent->items[2 * parent->n] = child;
            parent->items[2 * parent->n + 1] = NULL;
            parent->n++;
        } else {
            parent->items[2 * (parent->n - 1) + 1] = child;
        }
        return 0;
    }
    if (parent->n == parent->cap) {
        const size_t cap = parent->cap ? 2 * parent->cap : 4;
        cfg_node_t **items = realloc(parent->items, cap * sizeof(*items));
        if (items == NULL)
            return fail_at(b, mark->line, mark->column, 0, "out of memory");
        parent->items = items;
        parent->cap = cap;
    }
    parent->items[parent->n++] = child;
    return 0;
}

static int key_compare(const cfg_node_t *a, const cfg_node_t *b) {
    if (a->len != b->len)
        return a->len < b->len ? -1 : 1;
    return memcmp(a->text, b->text, a->len);
}

/* Finds the duplicate key that comes first in the file: the second occurrence with the smallest
 * index. Small mappings are compared pairwise; large ones (kafka properties) through a sorted
 * index so a hostile file cannot make this quadratic. */
static int check_duplicates(builder_t *b, const cfg_node_t *map) {
    size_t best_dup = (size_t)-1, best_first = 0;
    if (map->n <= 16) {
        for (size_t j = 1; j < map->n && best_dup == (size_t)-1; j++)
            for (size_t i = 0; i < j; i++)
                if (key_compare(map->items[2 * i], map->items[2 * j]) == 0) {
                    best_dup = j;
                    best_first = i;
                    break;
                }
    } else {
        /* Merge sort of indices by (key, index): stable and without a global comparator. */
        size_t *idx = malloc(2 * map->n * sizeof(size_t));
        if (idx == NULL)
            return fail_at(b, map->line - 1, map->column - 1, 0, "out of memory");
        size_t *tmp = idx + map->n;
        for (size_t i = 0; i < map->n; i++)
            idx[i] = i;
        for (size_t width = 1; width < map->n; width *= 2) {
            for (size_t lo = 0; lo < map->n; lo += 2 * width) {
                const size_t mid = lo + width < map->n ? lo + width : map->n;
                const size_t hi = lo + 2 * width < map->n ? lo + 2 * width : map->n;
                size_t i = lo, j = mid, k = lo;
                while (i < mid && j < hi) {
                    const int cmp = key_compare(map->items[2 * idx[i]], map->items[2 * idx[j]]);
                    tmp[k++] = (cmp < 0 || (cmp == 0 && idx[i] < idx[j])) ? idx[i++] : idx[j++];
                }
                while (i < mid)
                    tmp[k++] = idx[i++];
                while (j < hi)
                    tmp[k++] = idx[j++];
            }
            memcpy(idx, tmp, map->n * sizeof(size_t));
        }
        for (size_t i = 1; i < map->n; i++) {
            if (key_compare(map->items[2 * idx[i - 1]], map->items[2 * idx[i]]) != 0)
                continue;
            /* idx[i - 1] is the earlier occurrence of a run; idx[i] the next one. */
            if (best_dup == (size_t)-1 || idx[i] < best_dup) {
                best_dup = idx[i];
                best_first = idx[i - 1];
            }
        }
        free(idx);
    }
    if (best_dup == (size_t)-1)
        return 0;
    const cfg_node_t *k = map->items[2 * best_dup];
    const cfg_node_t *first = map->items[2 * best_first];
    char key[80];
    cfg_quote(key, sizeof(key), k->text, k->len, 60);
    /* The path is that of the mapping: the builder has popped it already. */
    return fail_at(b, k->line - 1, k->column - 1, 1,
                   "duplicate key '%s' (first at line %u, column %u); each key may appear once "
                   "in a mapping",
                   key, first->line, first->column);
}

static int on_event(builder_t *b, const yaml_event_t *ev) {
    const yaml_mark_t *m = &ev->start_mark;
    const unsigned char *anchor = NULL, *tag = NULL;
    switch (ev->type) {
    case YAML_STREAM_START_EVENT:
    case YAML_STREAM_END_EVENT:
    case YAML_NO_EVENT:
        return 0;
    case YAML_DOCUMENT_START_EVENT:
        if (++b->documents > 1)
            return fail_at(b, m->line, m->column, 0,
                           "a second YAML document; a driftd config is one document");
        return 0;
    case YAML_DOCUMENT_END_EVENT:
        return 0;
    case YAML_ALIAS_EVENT:
        return fail_at(b, m->line, m->column, 1,
                       "YAML aliases (*%.40s) are not supported; write the value out",
                       (const char *)ev->data.alias.anchor);
    case YAML_SCALAR_EVENT:
        anchor = ev->data.scalar.anchor;
        tag = ev->data.scalar.tag;
        break;
    case YAML_SEQUENCE_START_EVENT:
        anchor = ev->data.sequence_start.anchor;
        tag = ev->data.sequence_start.tag;
        break;
    case YAML_MAPPING_START_EVENT:
        anchor = ev->data.mapping_start.anchor;
        tag = ev->data.mapping_start.tag;
        break;
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT: {
        if (b->depth == 0)
            return fail_at(b, m->line, m->column, 0, "invalid YAML: unbalanced end of collection");
        cfg_node_t *done = b->stack[--b->depth];
        if (done->type == CFG_MAPPING && done->n > 1) {
            b->stack[b->depth++] = done; /* so the message names the mapping's path */
            const int rc = check_duplicates(b, done);
            b->depth--;
            if (rc != 0)
                return rc;
        }
        return 0;
    }
    }
    if (anchor != NULL)
        return fail_at(b, m->line, m->column, 1,
                       "YAML anchors (&%.40s) are not supported; write the value out",
                       (const char *)anchor);
    if (tag != NULL)
        return fail_at(b, m->line, m->column, 1,
                       "YAML tags (%.40s) are not supported; quote a value to make it a string",
                       (const char *)tag);
    if (b->tree->n_nodes >= DD_CONFIG_NODES_MAX)
        return fail_at(b, m->line, m->column, 0,
                       "more than %u YAML nodes; a driftd config is far smaller",
                       DD_CONFIG_NODES_MAX);
    if (ev->type != YAML_SCALAR_EVENT && b->depth >= DD_CONFIG_DEPTH_MAX)
        return fail_at(b, m->line, m->column, 1,
                       "nesting deeper than %u levels; a driftd config needs at most 6",
                       DD_CONFIG_DEPTH_MAX);
    cfg_node_t *n = node_new(b->tree);
    if (n == NULL)
        return fail_at(b, m->line, m->column, 0, "out of memory");
    n->line = (uint32_t)(m->line + 1 > UINT32_MAX ? UINT32_MAX : m->line + 1);
    n->column = (uint32_t)(m->column + 1 > UINT32_MAX ? UINT32_MAX : m->column + 1);
    if (ev->type == YAML_SCALAR_EVENT) {
        n->type = CFG_SCALAR;
        const size_t len = ev->data.scalar.length;
        if (len > DD_CONFIG_SCALAR_BYTES_MAX)
            return fail_at(b, m->line, m->column, 1,
                           "a value of %zu bytes; at most %u bytes are allowed", len,
                           DD_CONFIG_SCALAR_BYTES_MAX);
        if (memchr(ev->data.scalar.value, '\0', len) != NULL)
            return fail_at(b, m->line, m->column, 1,
                           "a value with a NUL character (\\0); expected text without it");
        n->text = malloc(len + 1);
        if (n->text == NULL)
            return fail_at(b, m->line, m->column, 0, "out of memory");
        memcpy(n->text, ev->data.scalar.value, len);
        n->text[len] = '\0';
        n->len = len;
        n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        return add_child(b, n, m);
    }
    n->type = ev->type == YAML_MAPPING_START_EVENT ? CFG_MAPPING : CFG_SEQUENCE;
    if (add_child(b, n, m) != 0)
        return -1;
    b->stack[b->depth++] = n;
    return 0;
}

int cfg_yaml_parse(const char *text, size_t len, const char *name, cfg_tree_t *tree, char *err,
                   size_t err_size) {
    memset(tree, 0, sizeof(*tree));
    builder_t b = {.name = name,
                   .text = text,
                   .text_len = len,
                   .err = err,
                   .err_size = err_size,
                   .tree = tree};
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        snprintf(err, err_size, "%s: out of memory", name);
        return -1;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    int rc = 0;
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            rc = syntax_error(&b, &parser);
            break;
        }
        const int end = ev.type == YAML_STREAM_END_EVENT;
        rc = on_event(&b, &ev);
        yaml_event_delete(&ev);
        if (rc != 0 || end)
            break;
    }
    yaml_parser_delete(&parser);
    return rc;
}

/* ---- Files ---------------------------------------------------------------------------------- */

int cfg_is_null(const cfg_node_t *n) {
    if (n->type != CFG_SCALAR || !n->plain)
        return 0;
    return n->len == 0 || strcmp(n->text, "~") == 0 || strcmp(n->text, "null") == 0 ||
           strcmp(n->text, "Null") == 0 || strcmp(n->text, "NULL") == 0;
}

/* ---- ${ENV:...} and ${FILE:...} ------------------------------------------------------------- */

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

char *cfg_resolve_path(const cfg_ctx_t *c, const char *path, size_t len) {
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
    char *buf = NULL;
    size_t got = 0;
    const int e = cfg_read_bounded(fd, DD_CONFIG_SUBST_FILE_BYTES_MAX, &buf, &got);
    close(fd);
    if (e == ENOMEM)
        return cfg_fail(c, n, "out of memory");
    if (e != 0)
        return cfg_fail(c, n, "cannot read %s (from ${FILE:...}): %s", shown, strerror(e));
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

/* Appends the scalar's text to out, each ${ENV:NAME} and ${FILE:PATH} replaced. */
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
            char *path = cfg_resolve_path(c, body + 5, body_len - 5);
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

int cfg_substitute(cfg_ctx_t *c, const cfg_node_t *n, char **out, size_t *len, int *substituted) {
    strbuf_t b = {0};
    if (substitute(c, n, &b, substituted) != 0) {
        free(b.data);
        return -1;
    }
    *out = b.data;
    *len = b.len;
    return 0;
}
