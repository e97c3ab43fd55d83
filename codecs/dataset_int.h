/* dataset_int.h — private to codecs/: the dataset struct and the helpers its loaders share
 * (dataset.c for CSV, dataset_jsonl.c for JSON Lines). */
#ifndef DRIFTD_CODECS_DATASET_INT_H
#define DRIFTD_CODECS_DATASET_INT_H

#include <stddef.h>
#include <stdint.h>

#include "codecs.h"

/* First spellings of category hashes, open addressing; at most 2^20 per column. */
typedef struct dataset_names {
    uint64_t *hashes;
    char **names; /* NULL = empty slot */
    size_t cap;   /* power of two */
    size_t used;
} dataset_names_t;

typedef struct dataset_column {
    char *name;
    dd_column_kind_t kind;
    int hinted;
    int boolean_hint; /* DD_BOOLEAN_* from the caller's hint */
    int boolean;      /* 1: a boolean column, categories "true"/"false" (dataset_booleans) */
    double *numbers;
    uint64_t *hashes;
    uint8_t *nulls;
    dataset_names_t names;
} dataset_column_t;

struct dd_dataset {
    size_t rows;
    size_t n_cols;
    dataset_column_t *cols;
};

/* Keeps the first spelling of a hash (len bytes, copied with a NUL); stops adding past the cap
 * silently (names are for reports only). 0, or −1 when out of memory. */
int dataset_names_add(dataset_names_t *t, uint64_t hash, const char *s, size_t len);

/* "true"/"false" in any letter case, blanks around allowed: 1 or 0; "1"/"0": 3 or 2 (digits,
 * booleans only beside a word or by hint); anything else −1. */
int dataset_boolean_spelling(const char *s, size_t len);
/* A numeric cell's text (blanks around it allowed) as strtod reads it in the "C" locale, all of
 * it: 0 with *out set, −1 when it is not a number. Common spellings convert without strtod
 * (Clinger's exact fast path), to the same bits. */
int dataset_parse_number(const char *s, size_t len, double *out);

/* Makes every categorical column whose values are all boolean spellings a boolean column
 * (codecs.h, "Datasets"): its hashes become those of "true"/"false" and its names just these.
 * Every loader calls it once the columns are filled. 0, or −1 when out of memory. */
int dataset_booleans(dd_dataset_t *d);

/* Memory-maps path read-only (*len 0 gives a NULL map); errors name the file. Unmap with
 * munmap((void *)data, len) when len > 0. */
dd_codec_err_t dataset_map_file(const char *path, const uint8_t **data, size_t *len, char *errstr,
                                size_t errstr_size);

#endif /* DRIFTD_CODECS_DATASET_INT_H */
