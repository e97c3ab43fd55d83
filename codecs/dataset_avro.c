/* dataset_avro.c — an Avro object container file as typed columns, for `driftd compare`.
 *
 * One pass: the header's schema gives the columns (every leaf, dotted paths, kinds as
 * dd_avro_schema_leaves says unless a hint overrides), the plan decodes each block into a batch,
 * and the batch is appended to column arrays that grow by doubling. */
#include "dataset_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define BATCH_ROWS 4096
#define LEAVES_MAX 16384

__attribute__((format(printf, 3, 4))) static void say(char *errstr, size_t size, const char *fmt,
                                                      ...) {
    if (errstr == NULL || size == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errstr, size, fmt, ap);
    va_end(ap);
}

static int grow_columns(dd_dataset_t *d, size_t *cap, size_t need) {
    if (need <= *cap)
        return 0;
    size_t cap2 = *cap ? *cap : BATCH_ROWS;
    while (cap2 < need)
        cap2 *= 2;
    for (size_t c = 0; c < d->n_cols; c++) {
        dataset_column_t *col = &d->cols[c];
        uint8_t *nulls = realloc(col->nulls, cap2 / 8 + 1);
        if (nulls == NULL)
            return -1;
        col->nulls = nulls;
        if (col->kind == DD_COLUMN_NUMERIC) {
            double *v = realloc(col->numbers, cap2 * sizeof(double));
            if (v == NULL)
                return -1;
            col->numbers = v;
        } else {
            uint64_t *v = realloc(col->hashes, cap2 * sizeof(uint64_t));
            if (v == NULL)
                return -1;
            col->hashes = v;
        }
    }
    *cap = cap2;
    return 0;
}

/* Appends the batch's rows; category spellings from the spans of the batch's last row only
 * would miss most, so the caller passes the spans of every row it decoded (texts[row][col]). */
static int append_row(dd_dataset_t *d, const dd_column_batch_t *b, size_t row,
                      const dd_codec_span_t *texts) {
    const size_t at = d->rows;
    for (size_t c = 0; c < d->n_cols; c++) {
        dataset_column_t *col = &d->cols[c];
        const dd_batch_column_t *bc = &b->columns[c];
        const int is_null = dd_batch_is_null(bc, row);
        if (is_null)
            col->nulls[at >> 3] = (uint8_t)(col->nulls[at >> 3] | (1u << (at & 7)));
        else
            col->nulls[at >> 3] = (uint8_t)(col->nulls[at >> 3] & ~(1u << (at & 7)));
        if (col->kind == DD_COLUMN_NUMERIC) {
            col->numbers[at] = is_null ? 0.0 : bc->numbers[row];
        } else {
            col->hashes[at] = is_null ? 0 : bc->hashes[row];
            if (!is_null) {
                const dd_codec_span_t *t = &texts[c];
                char num[24];
                if (t->is_integer) {
                    const int n = snprintf(num, sizeof num, "%lld", (long long)t->integer);
                    if (dataset_names_add(&col->names, bc->hashes[row], num, (size_t)n) != 0)
                        return -1;
                } else if (t->data != NULL &&
                           dataset_names_add(&col->names, bc->hashes[row], (const char *)t->data,
                                             t->len) != 0) {
                    return -1;
                }
            }
        }
    }
    d->rows++;
    return 0;
}

dd_codec_err_t dd_dataset_load_avro(const char *path, const dd_column_hint_t *hints,
                                    size_t n_hints, dd_dataset_t **out, char *errstr,
                                    size_t errstr_size) {
    if (path == NULL || out == NULL || (hints == NULL && n_hints > 0))
        return DD_CODEC_ERR_INVALID_ARGUMENT;
    *out = NULL;
    const uint8_t *data = NULL;
    size_t len = 0;
    dd_codec_err_t err = dataset_map_file(path, &data, &len, errstr, errstr_size);
    if (err != DD_CODEC_OK)
        return err;
    dd_avro_ocf_t *f = NULL;
    dd_avro_schema_t *schema = NULL;
    dd_avro_plan_t *plan = NULL;
    dd_column_batch_t *batch = NULL;
    dd_avro_leaf_t *leaves = NULL;
    dd_avro_field_t *fields = NULL;
    dd_codec_span_t *texts = NULL;
    dd_dataset_t *d = NULL;
    size_t cap = 0, n = 0;
    char detail[512] = "";
    if (len == 0) {
        say(errstr, errstr_size, "%s: empty file", path);
        err = DD_CODEC_ERR_EMPTY;
        goto done;
    }
    if ((err = dd_avro_ocf_open(data, len, NULL, &f, detail, sizeof detail)) != DD_CODEC_OK) {
        say(errstr, errstr_size, "%s: %s", path, detail[0] ? detail : dd_codec_strerror(err));
        goto done;
    }
    size_t schema_len;
    const char *json = dd_avro_ocf_schema(f, &schema_len);
    if ((err = dd_avro_schema_parse(json, schema_len, &schema, detail, sizeof detail)) !=
        DD_CODEC_OK) {
        say(errstr, errstr_size, "%s: the schema in the header: %s", path, detail);
        goto done;
    }
    leaves = malloc(LEAVES_MAX * sizeof(*leaves));
    d = calloc(1, sizeof(*d));
    if (leaves == NULL || d == NULL) {
        err = DD_CODEC_ERR_NO_MEMORY;
        goto done;
    }
    n = dd_avro_schema_leaves(schema, leaves, LEAVES_MAX);
    if (n == 0 || n > LEAVES_MAX) {
        say(errstr, errstr_size, "%s: the schema has %s", path,
            n == 0 ? "no numeric or categorical fields" : "more than 16384 fields");
        err = n == 0 ? DD_CODEC_ERR_EMPTY : DD_CODEC_ERR_TOO_MANY_FIELDS;
        goto done;
    }
    fields = calloc(n, sizeof(*fields));
    texts = calloc((size_t)BATCH_ROWS * n, sizeof(*texts));
    d->cols = calloc(n, sizeof(*d->cols));
    if (fields == NULL || texts == NULL || d->cols == NULL) {
        err = DD_CODEC_ERR_NO_MEMORY;
        goto done;
    }
    for (size_t h = 0; h < n_hints; h++) {
        size_t i = 0;
        while (i < n && strcmp(leaves[i].path, hints[h].name) != 0)
            i++;
        if (i == n) {
            say(errstr, errstr_size, "%s: the schema names column '%s', which the file's schema "
                "does not have", path, hints[h].name);
            err = DD_CODEC_ERR_UNKNOWN_COLUMN;
            goto done;
        }
        leaves[i].kind = hints[h].kind;
        d->cols[i].hinted = 1;
        d->cols[i].boolean_hint = hints[h].boolean;
    }
    d->n_cols = n;
    for (size_t i = 0; i < n; i++) {
        fields[i] = (dd_avro_field_t){leaves[i].path, leaves[i].kind, 0};
        d->cols[i].kind = leaves[i].kind;
        if ((d->cols[i].name = strdup(leaves[i].path)) == NULL) {
            err = DD_CODEC_ERR_NO_MEMORY;
            goto done;
        }
    }
    if ((err = dd_avro_plan_new(schema, fields, n, NULL, &plan, detail, sizeof detail)) !=
            DD_CODEC_OK ||
        (err = dd_batch_new(dd_avro_plan_kinds(plan), n, BATCH_ROWS, &batch)) != DD_CODEC_OK) {
        say(errstr, errstr_size, "%s: %s", path, detail[0] ? detail : dd_codec_strerror(err));
        goto done;
    }
    uint64_t record = 0;
    for (;;) {
        const uint8_t *block;
        size_t block_len, offset;
        uint64_t records;
        err = dd_avro_ocf_next_block(f, &block, &block_len, &records, &offset);
        if (err == DD_CODEC_END) {
            err = DD_CODEC_OK;
            break;
        }
        if (err != DD_CODEC_OK) {
            say(errstr, errstr_size, "%s: the block at byte %zu (after record %llu): %s", path,
                offset, (unsigned long long)record, dd_codec_strerror(err));
            goto done;
        }
        size_t pos = 0;
        for (uint64_t r = 0; r < records; r++) {
            size_t used = 0, at = 0;
            err = dd_avro_decode_next(plan, block + pos, block_len - pos, batch, &used, &at,
                                      texts + batch->rows * n);
            if (err != DD_CODEC_OK) {
                say(errstr, errstr_size,
                    "%s: record %llu (block at byte %zu, byte %zu of the block): %s", path,
                    (unsigned long long)(record + 1), offset, pos + at, dd_codec_strerror(err));
                goto done;
            }
            pos += used;
            record++;
            if (batch->rows == batch->capacity || r + 1 == records) {
                if (grow_columns(d, &cap, d->rows + batch->rows) != 0) {
                    err = DD_CODEC_ERR_NO_MEMORY;
                    goto done;
                }
                for (size_t row = 0; row < batch->rows; row++)
                    if (append_row(d, batch, row, texts + row * n) != 0) {
                        err = DD_CODEC_ERR_NO_MEMORY;
                        goto done;
                    }
                dd_batch_clear(batch);
            }
        }
        if (pos != block_len) {
            say(errstr, errstr_size, "%s: the block at byte %zu has %zu bytes after its %llu "
                "records", path, offset, block_len - pos, (unsigned long long)records);
            err = DD_CODEC_ERR_TRAILING_BYTES;
            goto done;
        }
    }
    if (d->rows == 0) {
        say(errstr, errstr_size, "%s: empty file (no records)", path);
        err = DD_CODEC_ERR_EMPTY;
        goto done;
    }
    for (size_t c = 0; c < d->n_cols; c++) {
        const uint64_t type_errors = batch->columns[c].type_errors;
        if (type_errors > 0) {
            say(errstr, errstr_size, "%s: column '%s': %llu values are not %s", path,
                d->cols[c].name, (unsigned long long)type_errors,
                d->cols[c].kind == DD_COLUMN_NUMERIC ? "numbers" : "categories");
            err = DD_CODEC_ERR_BAD_NUMBER;
            goto done;
        }
    }
    if (dataset_booleans(d) != 0)
        err = DD_CODEC_ERR_NO_MEMORY;
done:
    if (data != NULL && len > 0)
        munmap((void *)(uintptr_t)data, len);
    if (err == DD_CODEC_ERR_NO_MEMORY)
        say(errstr, errstr_size, "%s: out of memory", path);
    free(texts);
    free(fields);
    free(leaves);
    dd_batch_destroy(batch);
    dd_avro_plan_destroy(plan);
    dd_avro_schema_destroy(schema);
    dd_avro_ocf_destroy(f);
    if (err != DD_CODEC_OK) {
        dd_dataset_destroy(d);
        return err;
    }
    *out = d;
    return DD_CODEC_OK;
}
