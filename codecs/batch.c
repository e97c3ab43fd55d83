/* batch.c — column batches: the fixed-size struct-of-arrays that decoders fill. */
#include "codecs.h"

#include <stdlib.h>
#include <string.h>

#define BATCH_ROWS_MAX ((size_t)1 << 24)
#define BATCH_COLUMNS_MAX ((size_t)1 << 20)

dd_codec_err_t dd_batch_new(const dd_column_kind_t *kinds, size_t n_columns, size_t capacity,
                            dd_column_batch_t **out) {
    if (out == NULL)
        return DD_CODEC_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (kinds == NULL || n_columns == 0 || n_columns > BATCH_COLUMNS_MAX || capacity == 0 ||
        capacity > BATCH_ROWS_MAX)
        return DD_CODEC_ERR_INVALID_ARGUMENT;
    for (size_t i = 0; i < n_columns; i++)
        if (kinds[i] != DD_COLUMN_NUMERIC && kinds[i] != DD_COLUMN_CATEGORICAL)
            return DD_CODEC_ERR_INVALID_ARGUMENT;
    dd_column_batch_t *b = calloc(1, sizeof(*b));
    if (b == NULL)
        return DD_CODEC_ERR_NO_MEMORY;
    b->columns = calloc(n_columns, sizeof(*b->columns));
    if (b->columns == NULL) {
        free(b);
        return DD_CODEC_ERR_NO_MEMORY;
    }
    b->n_columns = n_columns;
    b->capacity = capacity;
    for (size_t i = 0; i < n_columns; i++) {
        dd_batch_column_t *c = &b->columns[i];
        c->kind = kinds[i];
        c->nulls = calloc((capacity + 7) / 8, 1);
        if (kinds[i] == DD_COLUMN_NUMERIC)
            c->numbers = calloc(capacity, sizeof(double));
        else
            c->hashes = calloc(capacity, sizeof(uint64_t));
        if (c->nulls == NULL || (c->numbers == NULL && c->hashes == NULL)) {
            dd_batch_destroy(b);
            return DD_CODEC_ERR_NO_MEMORY;
        }
    }
    *out = b;
    return DD_CODEC_OK;
}

void dd_batch_destroy(dd_column_batch_t *b) {
    if (b == NULL)
        return;
    for (size_t i = 0; b->columns != NULL && i < b->n_columns; i++) {
        free(b->columns[i].numbers);
        free(b->columns[i].hashes);
        free(b->columns[i].nulls);
    }
    free(b->columns);
    free(b);
}

dd_codec_err_t dd_batch_grow(dd_column_batch_t *b, size_t capacity) {
    if (b == NULL || capacity > BATCH_ROWS_MAX)
        return DD_CODEC_ERR_INVALID_ARGUMENT;
    if (capacity <= b->capacity)
        return DD_CODEC_OK;
    const size_t old_bytes = (b->capacity + 7) / 8, bytes = (capacity + 7) / 8;
    /* Column by column: a failure half-way leaves some columns larger than `capacity` says,
     * which is harmless, and every column at least as large. */
    for (size_t i = 0; i < b->n_columns; i++) {
        dd_batch_column_t *c = &b->columns[i];
        uint8_t *nulls = realloc(c->nulls, bytes);
        if (nulls == NULL)
            return DD_CODEC_ERR_NO_MEMORY;
        memset(nulls + old_bytes, 0, bytes - old_bytes);
        c->nulls = nulls;
        if (c->kind == DD_COLUMN_NUMERIC) {
            double *numbers = realloc(c->numbers, capacity * sizeof(double));
            if (numbers == NULL)
                return DD_CODEC_ERR_NO_MEMORY;
            c->numbers = numbers;
        } else {
            uint64_t *hashes = realloc(c->hashes, capacity * sizeof(uint64_t));
            if (hashes == NULL)
                return DD_CODEC_ERR_NO_MEMORY;
            c->hashes = hashes;
        }
    }
    b->capacity = capacity;
    return DD_CODEC_OK;
}

void dd_batch_clear(dd_column_batch_t *b) {
    if (b != NULL)
        b->rows = 0;
}
