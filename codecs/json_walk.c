/* json_walk.c — the JSON walker (json_int.h): one object validated like dd_json_decode does, every
 * leaf reported with its dotted path. The JSON Lines dataset loader runs on it. */
#include "codecs.h"
#include "json_int.h"
#include "json_scan.h"

#include <string.h>

size_t json_unescape(const uint8_t *raw, size_t raw_len, uint8_t *out) {
    const uint8_t *s = raw, *e = raw + raw_len;
    size_t n = 0;
    while (s < e) {
        if (*s != '\\') {
            out[n++] = *s++;
            continue;
        }
        size_t k;
        s = unescape_one(s, out + n, &k);
        n += k;
    }
    return n;
}

typedef struct walker {
    cursor_t cur;
    char *path;
    size_t path_cap, path_len;
    json_leaf_fn fn;
    void *ctx;
    uint64_t hash_true, hash_false;
} walker_t;

static int path_put(walker_t *w, uint8_t ch) {
    const int escape = ch == '.' || ch == '\\';
    if (w->path_len + 1 + (size_t)escape >= w->path_cap) /* keep room for the NUL */
        return -1;
    if (escape)
        w->path[w->path_len++] = '\\';
    w->path[w->path_len++] = (char)ch;
    return 0;
}

/* Appends ".name" (or "name" at the top) to the path, escaping '.' and '\'. */
static int path_push(walker_t *w, const uint8_t *raw, size_t raw_len, int escaped) {
    if (w->path_len > 0) {
        if (w->path_len + 1 >= w->path_cap)
            return -1;
        w->path[w->path_len++] = '.';
    }
    const uint8_t *s = raw, *e = raw + raw_len;
    while (s < e) {
        uint8_t buf[4];
        size_t k = 1;
        if (escaped && *s == '\\')
            s = unescape_one(s, buf, &k);
        else
            buf[0] = *s++;
        for (size_t i = 0; i < k; i++)
            if (path_put(w, buf[i]) != 0)
                return -1;
    }
    w->path[w->path_len] = '\0';
    return 0;
}

static const uint8_t *walk_object(walker_t *w, const uint8_t *p, unsigned depth) {
    cursor_t *c = &w->cur;
    const uint8_t *end = c->end;
    p = skip_ws(p + 1, end);
    if (p >= end)
        return truncated(c);
    if (*p == '}')
        return p + 1;
    const size_t parent_len = w->path_len;
    for (;;) {
        if (*p != '"')
            return fail(c, DD_CODEC_ERR_JSON_SYNTAX, p);
        int esc;
        const uint8_t *key = p;
        if ((p = scan_string(c, p, &esc)) == NULL)
            return NULL;
        if (path_push(w, key + 1, (size_t)(p - 1 - (key + 1)), esc) != 0)
            return fail(c, DD_CODEC_ERR_LENGTH_TOO_LARGE, key);
        p = skip_ws(p, end);
        if (p >= end)
            return truncated(c);
        if (*p != ':')
            return fail(c, DD_CODEC_ERR_JSON_SYNTAX, p);
        p = skip_ws(p + 1, end);
        if (p >= end)
            return truncated(c);
        json_leaf_t leaf = {JSON_LEAF_NULL,        w->path, w->path_len, p, 0, 0, 0.0, 0,
                            (size_t)(p - c->start)};
        const uint8_t *q;
        switch (*p) {
        case '{':
            if (depth + 1 > c->opt->depth_max)
                return fail(c, DD_CODEC_ERR_TOO_DEEP, p);
            q = walk_object(w, p, depth + 1);
            leaf.path = NULL; /* not a leaf */
            break;
        case '[':
            q = skip_container(c, p, depth + 1);
            leaf.path = NULL;
            break;
        case '"':
            if ((q = scan_string(c, p, &leaf.escaped)) == NULL)
                return NULL;
            leaf.type = JSON_LEAF_STRING;
            leaf.text = p + 1;
            leaf.text_len = (size_t)(q - 1 - (p + 1));
            leaf.hash =
                leaf.escaped ? hash_escaped(p + 1, q - 1) : hash_bytes(p + 1, leaf.text_len);
            break;
        case 't':
            q = scan_literal(c, p, "true", 4);
            leaf.type = JSON_LEAF_TRUE;
            leaf.hash = w->hash_true;
            break;
        case 'f':
            q = scan_literal(c, p, "false", 5);
            leaf.type = JSON_LEAF_FALSE;
            leaf.hash = w->hash_false;
            break;
        case 'n':
            q = scan_literal(c, p, "null", 4);
            break;
        default:
            if (*p != '-' && (*p < '0' || *p > '9'))
                return fail(c, DD_CODEC_ERR_JSON_SYNTAX, p);
            if ((q = scan_number(c, p, &leaf.number)) == NULL)
                return NULL;
            leaf.type = JSON_LEAF_NUMBER;
            leaf.hash = hash_bytes(p, (size_t)(q - p));
        }
        if (q == NULL)
            return NULL;
        if (leaf.path != NULL) {
            if (leaf.type != JSON_LEAF_STRING)
                leaf.text_len = (size_t)(q - p);
            const dd_codec_err_t err = w->fn(w->ctx, &leaf);
            if (err != DD_CODEC_OK)
                return fail(c, err, p);
        }
        w->path_len = parent_len;
        w->path[parent_len] = '\0';
        p = skip_ws(q, end);
        if (p >= end)
            return truncated(c);
        if (*p == ',') {
            p = skip_ws(p + 1, end);
            if (p >= end)
                return truncated(c);
            continue;
        }
        if (*p == '}')
            return p + 1;
        return fail(c, DD_CODEC_ERR_JSON_SYNTAX, p);
    }
}

dd_codec_err_t json_walk(const uint8_t *data, size_t len, const dd_json_options_t *opt,
                         char *path_buf, size_t path_cap, json_leaf_fn fn, void *ctx,
                         size_t *err_offset) {
    if (err_offset != NULL)
        *err_offset = 0;
    if (opt == NULL || path_buf == NULL || path_cap == 0 || fn == NULL ||
        (data == NULL && len > 0) || !options_valid(opt))
        return DD_CODEC_ERR_INVALID_ARGUMENT;
    if (len > opt->record_bytes_max) {
        if (err_offset != NULL)
            *err_offset = opt->record_bytes_max;
        return DD_CODEC_ERR_RECORD_TOO_LARGE;
    }
    walker_t w = {{data, data + len, opt, DD_CODEC_OK, NULL},
                  path_buf,
                  path_cap,
                  0,
                  fn,
                  ctx,
                  hash_bytes("true", 4),
                  hash_bytes("false", 5)};
    path_buf[0] = '\0';
    const uint8_t *p = skip_ws(data, data + len);
    if (check_root(&w.cur, p) == DD_CODEC_OK && (p = walk_object(&w, p, 1)) != NULL) {
        p = skip_ws(p, data + len);
        if (p < data + len)
            fail(&w.cur, DD_CODEC_ERR_TRAILING_BYTES, p);
    }
    if (w.cur.err != DD_CODEC_OK && err_offset != NULL)
        *err_offset = (size_t)(w.cur.err_at - data);
    return w.cur.err;
}
