/* candidates.h — shared by the json_candidates program and its simdjson shim. */
#ifndef DRIFTD_BENCH_JSON_CANDIDATES_H
#define DRIFTD_BENCH_JSON_CANDIDATES_H

#include <stddef.h>

#include "codecs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Field names → column, by XXH3 in a small open-addressing table (as driftd's plan does). */
typedef struct cand_fields {
    const char *names[64];
    size_t lens[64];
    uint64_t hashes[64];
    int slot_column[256]; /* -1 = empty */
} cand_fields_t;

int cand_field_index(const cand_fields_t *f, const char *key, size_t len);
/* Marks every column of the row null before the fields fill it. */
void cand_row_nulls(dd_column_batch_t *b, size_t row);

typedef struct cand_simdjson cand_simdjson_t;
cand_simdjson_t *cand_simdjson_new(const cand_fields_t *fields);
void cand_simdjson_free(cand_simdjson_t *s);
int cand_simdjson_decode(cand_simdjson_t *s, const char *rec, size_t len, dd_column_batch_t *b);
const char *cand_simdjson_version(void);
const char *cand_simdjson_implementation(void);

#ifdef __cplusplus
}
#endif

#endif
