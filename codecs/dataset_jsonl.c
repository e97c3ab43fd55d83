/* dataset_jsonl.c — a JSON Lines file as typed columns, for `driftd compare` and reference files.
 *
 * Two passes over the memory-mapped file with the JSON walker (json.c): the first validates every
 * line, finds the columns (every leaf path, in first-seen order) and each one's kind, the second
 * fills arrays sized from the first. Same column model as the CSV loader (dataset.c), so a CSV
 * file and a JSON Lines file with the same data give the same dataset. */
#include "codecs.h"
#include "dataset_int.h"
#include "json_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define COLUMNS_MAX 16384
#define PATH_BYTES_MAX 65536

enum { SEEN_NUMBER = 1, SEEN_STRING = 2, SEEN_BOOLEAN = 4 };

typedef struct loader {
    dd_dataset_t *d;
    const char *file;
    const dd_column_hint_t *hints;
    size_t n_hints;
    size_t cols_cap;
    uint8_t *seen; /* per column, SEEN_* */
    size_t *index; /* path hash table: column + 1, 0 = empty */
    uint64_t *index_hash;
    size_t index_cap; /* power of two */
    unsigned long long line;
    size_t row;
    uint8_t *scratch; /* unescaped strings */
    size_t scratch_cap;
    char *errstr;
    size_t errstr_size;
    int said; /* errstr already holds the message */
} loader_t;

__attribute__((format(printf, 3, 4))) static void say(char *errstr, size_t size, const char *fmt,
                                                      ...) {
    if (errstr == NULL || size == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errstr, size, fmt, ap);
    va_end(ap);
}

static long find_path(const loader_t *l, const char *path, size_t len, uint64_t h) {
    if (l->index_cap == 0)
        return -1;
    for (size_t i = (size_t)h & (l->index_cap - 1);; i = (i + 1) & (l->index_cap - 1)) {
        const size_t c = l->index[i];
        if (c == 0)
            return -1;
        if (l->index_hash[i] == h && strlen(l->d->cols[c - 1].name) == len &&
            memcmp(l->d->cols[c - 1].name, path, len) == 0)
            return (long)(c - 1);
    }
}

static int index_insert(loader_t *l, size_t column, uint64_t h) {
    if ((l->d->n_cols + 1) * 2 > l->index_cap) {
        const size_t cap = l->index_cap ? l->index_cap * 2 : 64;
        size_t *index = calloc(cap, sizeof(*index));
        uint64_t *hashes = calloc(cap, sizeof(*hashes));
        if (index == NULL || hashes == NULL) {
            free(index);
            free(hashes);
            return -1;
        }
        for (size_t i = 0; i < l->index_cap; i++) {
            if (l->index[i] == 0)
                continue;
            size_t j = (size_t)l->index_hash[i] & (cap - 1);
            while (index[j] != 0)
                j = (j + 1) & (cap - 1);
            index[j] = l->index[i];
            hashes[j] = l->index_hash[i];
        }
        free(l->index);
        free(l->index_hash);
        l->index = index;
        l->index_hash = hashes;
        l->index_cap = cap;
    }
    size_t j = (size_t)h & (l->index_cap - 1);
    while (l->index[j] != 0)
        j = (j + 1) & (l->index_cap - 1);
    l->index[j] = column + 1;
    l->index_hash[j] = h;
    return 0;
}

static dd_codec_err_t add_column(loader_t *l, const json_leaf_t *leaf, uint64_t h, long *out) {
    dd_dataset_t *d = l->d;
    if (d->n_cols >= COLUMNS_MAX) {
        say(l->errstr, l->errstr_size, "%s:%llu:%zu: more than %d distinct fields (at '%s')",
            l->file, l->line, leaf->offset + 1, COLUMNS_MAX, leaf->path);
        l->said = 1;
        return DD_CODEC_ERR_TOO_MANY_FIELDS;
    }
    if (d->n_cols == l->cols_cap) {
        const size_t cap = l->cols_cap ? l->cols_cap * 2 : 16;
        dataset_column_t *cols = realloc(d->cols, cap * sizeof(*cols));
        if (cols == NULL)
            return DD_CODEC_ERR_NO_MEMORY;
        d->cols = cols;
        uint8_t *seen = realloc(l->seen, cap);
        if (seen == NULL)
            return DD_CODEC_ERR_NO_MEMORY;
        l->seen = seen;
        l->cols_cap = cap;
    }
    dataset_column_t *col = &d->cols[d->n_cols];
    memset(col, 0, sizeof(*col));
    col->name = malloc(leaf->path_len + 1);
    if (col->name == NULL)
        return DD_CODEC_ERR_NO_MEMORY;
    memcpy(col->name, leaf->path, leaf->path_len + 1);
    col->kind = DD_COLUMN_NUMERIC;
    for (size_t i = 0; i < l->n_hints; i++)
        if (strcmp(l->hints[i].name, col->name) == 0) {
            col->kind = l->hints[i].kind;
            col->hinted = 1;
            col->boolean_hint = l->hints[i].boolean;
        }
    l->seen[d->n_cols] = 0;
    d->n_cols++;
    if (index_insert(l, d->n_cols - 1, h) != 0)
        return DD_CODEC_ERR_NO_MEMORY;
    *out = (long)(d->n_cols - 1);
    return DD_CODEC_OK;
}

/* Pass 1: columns, kinds, and hinted numeric columns checked. */
static dd_codec_err_t shape_leaf(void *ctx, const json_leaf_t *leaf) {
    loader_t *l = ctx;
    const uint64_t h = dd_codec_hash(leaf->path, leaf->path_len);
    long c = find_path(l, leaf->path, leaf->path_len, h);
    if (c < 0) {
        const dd_codec_err_t err = add_column(l, leaf, h, &c);
        if (err != DD_CODEC_OK)
            return err;
    }
    dataset_column_t *col = &l->d->cols[c];
    switch (leaf->type) {
    case JSON_LEAF_NUMBER:
        l->seen[c] |= SEEN_NUMBER;
        break;
    case JSON_LEAF_STRING:
        l->seen[c] |= SEEN_STRING;
        if (col->hinted && col->kind == DD_COLUMN_NUMERIC) {
            say(l->errstr, l->errstr_size, "%s:%llu:%zu: field '%s': \"%.*s\" is not a number",
                l->file, l->line, leaf->offset + 1, col->name,
                (int)(leaf->text_len > 40 ? 40 : leaf->text_len), (const char *)leaf->text);
            l->said = 1;
            return DD_CODEC_ERR_BAD_NUMBER;
        }
        break;
    case JSON_LEAF_TRUE:
    case JSON_LEAF_FALSE:
        l->seen[c] |= SEEN_BOOLEAN;
        break;
    case JSON_LEAF_NULL:
        break;
    }
    return DD_CODEC_OK;
}

/* Pass 2: values. Columns and kinds are fixed; a later duplicate member overwrites an earlier. */
static dd_codec_err_t fill_leaf(void *ctx, const json_leaf_t *leaf) {
    loader_t *l = ctx;
    const long c =
        find_path(l, leaf->path, leaf->path_len, dd_codec_hash(leaf->path, leaf->path_len));
    if (c < 0)
        return DD_CODEC_ERR_IO; /* the file changed between the passes */
    dataset_column_t *col = &l->d->cols[c];
    const size_t row = l->row;
    const uint8_t bit = (uint8_t)(1u << (row % 8));
    if (leaf->type == JSON_LEAF_NULL) {
        col->nulls[row / 8] |= bit;
        return DD_CODEC_OK;
    }
    if (col->kind == DD_COLUMN_NUMERIC) {
        if (leaf->type == JSON_LEAF_STRING)
            return DD_CODEC_ERR_IO;
        col->numbers[row] =
            leaf->type == JSON_LEAF_NUMBER ? leaf->number : leaf->type == JSON_LEAF_TRUE;
        col->nulls[row / 8] &= (uint8_t)~bit;
        return DD_CODEC_OK;
    }
    col->hashes[row] = leaf->hash;
    col->nulls[row / 8] &= (uint8_t)~bit;
    const char *name = (const char *)leaf->text;
    size_t len = leaf->text_len;
    if (leaf->escaped) {
        if (len > l->scratch_cap) {
            uint8_t *s = realloc(l->scratch, len);
            if (s == NULL)
                return DD_CODEC_ERR_NO_MEMORY;
            l->scratch = s;
            l->scratch_cap = len;
        }
        len = json_unescape(leaf->text, leaf->text_len, l->scratch);
        name = (const char *)l->scratch;
    }
    if (dataset_names_add(&col->names, leaf->hash, name, len) != 0)
        return DD_CODEC_ERR_NO_MEMORY;
    return DD_CODEC_OK;
}

static int is_blank(const uint8_t *s, const uint8_t *e) {
    for (; s < e; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r')
            return 0;
    return 1;
}

/* Walks every non-blank line with fn; counts them in l->row. */
static dd_codec_err_t each_record(loader_t *l, const uint8_t *data, size_t len,
                                  const dd_json_options_t *opt, char *path_buf, json_leaf_fn fn) {
    const uint8_t *p = data, *end = data + len;
    if (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
        p += 3; /* UTF-8 byte-order mark */
    l->line = 0;
    l->row = 0;
    while (p < end) {
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        const uint8_t *line_end = nl ? nl : end;
        l->line++;
        if (!is_blank(p, line_end)) {
            size_t off;
            const dd_codec_err_t err =
                json_walk(p, (size_t)(line_end - p), opt, path_buf, PATH_BYTES_MAX, fn, l, &off);
            if (err != DD_CODEC_OK) {
                if (!l->said && err != DD_CODEC_ERR_NO_MEMORY && err != DD_CODEC_ERR_IO) {
                    say(l->errstr, l->errstr_size, "%s:%llu:%zu: %s", l->file, l->line, off + 1,
                        dd_codec_strerror(err));
                    l->said = 1;
                }
                return err;
            }
            l->row++;
        }
        p = nl ? nl + 1 : end;
    }
    return DD_CODEC_OK;
}

static dd_codec_err_t allocate_columns(dd_dataset_t *d) {
    for (size_t c = 0; c < d->n_cols; c++) {
        dataset_column_t *col = &d->cols[c];
        col->nulls = malloc(d->rows / 8 + 1);
        if (col->kind == DD_COLUMN_NUMERIC)
            col->numbers = calloc(d->rows + 1, sizeof(double));
        else
            col->hashes = calloc(d->rows + 1, sizeof(uint64_t));
        if (col->nulls == NULL || (col->numbers == NULL && col->hashes == NULL))
            return DD_CODEC_ERR_NO_MEMORY;
        memset(col->nulls, 0xFF, d->rows / 8 + 1); /* absent until a value says otherwise */
    }
    return DD_CODEC_OK;
}

dd_codec_err_t dd_dataset_load_jsonl(const char *path, const dd_json_options_t *opts,
                                     const dd_column_hint_t *hints, size_t n_hints,
                                     dd_dataset_t **out, char *errstr, size_t errstr_size) {
    if (path == NULL || out == NULL || (hints == NULL && n_hints > 0))
        return DD_CODEC_ERR_INVALID_ARGUMENT;
    *out = NULL;
    dd_json_options_t opt;
    dd_json_options_default(&opt);
    if (opts != NULL)
        opt = *opts;
    const uint8_t *data;
    size_t len;
    dd_codec_err_t err = dataset_map_file(path, &data, &len, errstr, errstr_size);
    if (err != DD_CODEC_OK)
        return err;
    loader_t l = {0};
    l.file = path;
    l.hints = hints;
    l.n_hints = n_hints;
    l.errstr = errstr;
    l.errstr_size = errstr_size;
    char *path_buf = malloc(PATH_BYTES_MAX);
    l.d = calloc(1, sizeof(*l.d));
    if (l.d == NULL || path_buf == NULL) {
        err = DD_CODEC_ERR_NO_MEMORY;
        goto done;
    }
    if ((err = each_record(&l, data, len, &opt, path_buf, shape_leaf)) != DD_CODEC_OK)
        goto done;
    l.d->rows = l.row;
    if (l.d->rows == 0 || l.d->n_cols == 0) {
        say(errstr, errstr_size, "%s: %s", path,
            l.d->rows == 0 ? "empty file (no records)" : "no fields in any record");
        err = DD_CODEC_ERR_EMPTY;
        goto done;
    }
    for (size_t h = 0; h < n_hints; h++)
        if (dd_dataset_find_column(l.d, hints[h].name) < 0) {
            say(errstr, errstr_size, "%s: the schema names column '%s', which is in no record",
                path, hints[h].name);
            err = DD_CODEC_ERR_UNKNOWN_COLUMN;
            goto done;
        }
    for (size_t c = 0; c < l.d->n_cols; c++)
        if (!l.d->cols[c].hinted)
            l.d->cols[c].kind = (l.seen[c] & (SEEN_STRING | SEEN_BOOLEAN)) ? DD_COLUMN_CATEGORICAL
                                                                           : DD_COLUMN_NUMERIC;
    if ((err = allocate_columns(l.d)) != DD_CODEC_OK)
        goto done;
    err = each_record(&l, data, len, &opt, path_buf, fill_leaf);
    if (err == DD_CODEC_OK && l.row != l.d->rows)
        err = DD_CODEC_ERR_IO;
    if (err == DD_CODEC_OK && dataset_booleans(l.d) != 0)
        err = DD_CODEC_ERR_NO_MEMORY;
    if (err == DD_CODEC_ERR_IO)
        say(errstr, errstr_size, "%s: the file changed while it was read", path);
done:
    if (data != NULL)
        munmap((void *)(uintptr_t)data, len);
    if (err == DD_CODEC_ERR_NO_MEMORY)
        say(errstr, errstr_size, "%s: out of memory", path);
    free(path_buf);
    free(l.seen);
    free(l.index);
    free(l.index_hash);
    free(l.scratch);
    if (err != DD_CODEC_OK) {
        dd_dataset_destroy(l.d);
        return err;
    }
    *out = l.d;
    return DD_CODEC_OK;
}
