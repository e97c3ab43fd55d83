/* json_candidates.c — a JSON parser driftd's decoder was chosen against, timed on the same
 * records as `driftd-bench codecs` (bench/records.c: 16 fields, ~300 bytes, flat), next to
 * driftd's own decoder in the same run. Built once per candidate (json_candidate_jansson,
 * _jsonc, _cjson, _simdjson: jansson and json-c cannot share a process):
 *
 *   json_candidate_NAME [--json] [--records N] [--repeats N] [--only NAME]
 *
 * Every candidate does the same job as dd_json_decode: one record in, one batch row out (numbers
 * as doubles, the string as its XXH3 hash, nulls marked), member names matched through the same
 * hash table. DOM parsers (jansson, json-c, cJSON) build a tree per record and free it; simdjson's
 * On Demand API reuses one parser and copies each record into a padded buffer. Each figure is the
 * median of `repeats` timed runs over all records after a warm-up run, on one thread.
 * docs/codecs-json.md has the figures and the choice. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "candidates.h"
#include "codecs.h"

#ifdef HAVE_JANSSON
#include <jansson.h>
#endif
#ifdef HAVE_JSONC
#include <json-c/json.h>
#endif
#ifdef HAVE_CJSON
#include <cjson/cJSON.h>
#endif

enum { BATCH_ROWS = 4096 };
#define RECORDS_SEED 0x5eed0f1e1d5ull

int cand_field_index(const cand_fields_t *f, const char *key, size_t len) {
    const uint64_t h = dd_codec_hash(key, len);
    for (size_t i = (size_t)h & 255;; i = (i + 1) & 255) {
        const int c = f->slot_column[i];
        if (c < 0)
            return -1;
        if (f->hashes[c] == h && f->lens[c] == len && memcmp(f->names[c], key, len) == 0)
            return c;
    }
}

void cand_row_nulls(dd_column_batch_t *b, size_t row) {
    for (size_t i = 0; i < b->n_columns; i++)
        dd_batch_set_null(&b->columns[i], row);
}

static void fields_init(cand_fields_t *f) {
    for (size_t i = 0; i < 256; i++)
        f->slot_column[i] = -1;
    for (int c = 0; c < BENCH_RECORD_FIELDS; c++) {
        f->names[c] = bench_record_paths[c];
        f->lens[c] = strlen(bench_record_paths[c]);
        f->hashes[c] = dd_codec_hash(f->names[c], f->lens[c]);
        size_t i = (size_t)f->hashes[c] & 255;
        while (f->slot_column[i] >= 0)
            i = (i + 1) & 255;
        f->slot_column[i] = c;
    }
}

typedef struct run {
    const bench_json_records_t *recs;
    const cand_fields_t *fields;
    dd_column_batch_t *batch;
    dd_json_plan_t *plan;
    void *state;
    int (*decode)(struct run *r, const char *rec, size_t len);
    size_t failed;
} run_t;

static void run_all(void *ctx) {
    run_t *r = ctx;
    dd_batch_clear(r->batch);
    for (size_t i = 0; i < r->recs->n; i++) {
        if (r->batch->rows == r->batch->capacity)
            dd_batch_clear(r->batch);
        const char *rec = r->recs->text + r->recs->offsets[i];
        r->failed += r->decode(r, rec, r->recs->offsets[i + 1] - r->recs->offsets[i]) != 0;
    }
}

static int decode_driftd(run_t *r, const char *rec, size_t len) {
    return dd_json_decode(r->plan, (const uint8_t *)rec, len, r->batch, NULL) != DD_CODEC_OK;
}

#ifdef HAVE_JANSSON
static int decode_jansson(run_t *r, const char *rec, size_t len) {
    json_error_t error;
    json_t *root = json_loadb(rec, len, 0, &error);
    if (root == NULL || !json_is_object(root)) {
        json_decref(root);
        return -1;
    }
    dd_column_batch_t *b = r->batch;
    const size_t row = b->rows;
    cand_row_nulls(b, row);
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v) {
        const int c = cand_field_index(r->fields, key, strlen(key));
        if (c < 0 || json_is_null(v))
            continue;
        dd_batch_column_t *col = &b->columns[c];
        if (col->kind == DD_COLUMN_NUMERIC && json_is_number(v))
            dd_batch_set_number(col, row, json_number_value(v));
        else if (col->kind == DD_COLUMN_CATEGORICAL && json_is_string(v))
            dd_batch_set_hash(col, row, dd_codec_hash(json_string_value(v), json_string_length(v)));
        else
            col->type_errors++;
    }
    json_decref(root);
    b->rows = row + 1;
    return 0;
}
#endif

#ifdef HAVE_JSONC
static int decode_jsonc(run_t *r, const char *rec, size_t len) {
    struct json_tokener *tok = r->state;
    json_tokener_reset(tok);
    struct json_object *root = json_tokener_parse_ex(tok, rec, (int)len);
    if (root == NULL || json_tokener_get_error(tok) != json_tokener_success ||
        !json_object_is_type(root, json_type_object)) {
        json_object_put(root);
        return -1;
    }
    dd_column_batch_t *b = r->batch;
    const size_t row = b->rows;
    cand_row_nulls(b, row);
    json_object_object_foreach(root, key, v) {
        const int c = cand_field_index(r->fields, key, strlen(key));
        if (c < 0 || v == NULL)
            continue;
        dd_batch_column_t *col = &b->columns[c];
        const enum json_type t = json_object_get_type(v);
        if (col->kind == DD_COLUMN_NUMERIC && (t == json_type_double || t == json_type_int))
            dd_batch_set_number(col, row, json_object_get_double(v));
        else if (col->kind == DD_COLUMN_CATEGORICAL && t == json_type_string)
            dd_batch_set_hash(
                col, row,
                dd_codec_hash(json_object_get_string(v), (size_t)json_object_get_string_len(v)));
        else
            col->type_errors++;
    }
    json_object_put(root);
    b->rows = row + 1;
    return 0;
}
#endif

#ifdef HAVE_CJSON
static int decode_cjson(run_t *r, const char *rec, size_t len) {
    cJSON *root = cJSON_ParseWithLength(rec, len);
    if (root == NULL || !cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return -1;
    }
    dd_column_batch_t *b = r->batch;
    const size_t row = b->rows;
    cand_row_nulls(b, row);
    for (const cJSON *v = root->child; v != NULL; v = v->next) {
        const int c = cand_field_index(r->fields, v->string, strlen(v->string));
        if (c < 0 || cJSON_IsNull(v))
            continue;
        dd_batch_column_t *col = &b->columns[c];
        if (col->kind == DD_COLUMN_NUMERIC && cJSON_IsNumber(v))
            dd_batch_set_number(col, row, v->valuedouble);
        else if (col->kind == DD_COLUMN_CATEGORICAL && cJSON_IsString(v))
            dd_batch_set_hash(col, row, dd_codec_hash(v->valuestring, strlen(v->valuestring)));
        else
            col->type_errors++;
    }
    cJSON_Delete(root);
    b->rows = row + 1;
    return 0;
}
#endif

#ifdef HAVE_SIMDJSON
static int decode_simdjson(run_t *r, const char *rec, size_t len) {
    return cand_simdjson_decode(r->state, rec, len, r->batch);
}
#endif

typedef struct candidate {
    const char *name;
    char version[48];
    int (*decode)(run_t *r, const char *rec, size_t len);
} candidate_t;

int main(int argc, char **argv) {
    size_t records = 200000, repeats = 9;
    int json = 0;
    const char *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (strcmp(argv[i], "--records") == 0 && i + 1 < argc)
            records = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--repeats") == 0 && i + 1 < argc)
            repeats = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
            only = argv[++i];
        else {
            fprintf(stderr, "usage: json_candidate_NAME [--json] [--records N] [--repeats N] "
                            "[--only NAME]\n");
            return 2;
        }
    }
    if (records < 1 || repeats < 1)
        return 2;
    candidate_t cands[5];
    size_t n_cands = 0;
    cands[n_cands++] = (candidate_t){"driftd", DRIFTD_VERSION, decode_driftd};
#ifdef HAVE_SIMDJSON
    cands[n_cands] = (candidate_t){"simdjson_ondemand", "", decode_simdjson};
    snprintf(cands[n_cands++].version, 48, "%s/%s", cand_simdjson_version(),
             cand_simdjson_implementation());
#endif
#ifdef HAVE_JANSSON
    cands[n_cands] = (candidate_t){"jansson", JANSSON_VERSION, decode_jansson};
    n_cands++;
#endif
#ifdef HAVE_JSONC
    cands[n_cands] = (candidate_t){"json_c", JSON_C_VERSION, decode_jsonc};
    n_cands++;
#endif
#ifdef HAVE_CJSON
    cands[n_cands] = (candidate_t){"cjson", "", decode_cjson};
    snprintf(cands[n_cands++].version, 48, "%d.%d.%d", CJSON_VERSION_MAJOR, CJSON_VERSION_MINOR,
             CJSON_VERSION_PATCH);
#endif
    bench_json_records_t recs;
    if (bench_records_json(records, RECORDS_SEED, &recs) != 0)
        return 1;
    cand_fields_t fields;
    fields_init(&fields);
    dd_column_batch_t *batch = NULL;
    dd_json_plan_t *plan = NULL;
    if (dd_batch_new(bench_record_kinds, BENCH_RECORD_FIELDS, BATCH_ROWS, &batch) != DD_CODEC_OK ||
        dd_json_plan_new(bench_record_paths, bench_record_kinds, BENCH_RECORD_FIELDS, NULL,
                         &plan) != DD_CODEC_OK)
        return 1;
    const double bytes = (double)recs.offsets[recs.n] / (double)recs.n;
    if (json)
        printf("{\"command\":\"%s --records %zu --repeats %zu\",\"records\":%zu,"
               "\"record_bytes_mean\":%.1f",
               argv[0], records, repeats, records, bytes);
    else
        printf("%s --records %zu --repeats %zu  (%.1f bytes/record, one thread)\n"
               "%-20s %-22s %14s %14s\n",
               argv[0], records, repeats, bytes, "parser", "version", "ns/record", "records/s");
    int status = 0;
    for (size_t k = 0; k < n_cands; k++) {
        if (only != NULL && strcmp(only, cands[k].name) != 0)
            continue;
        run_t r = {&recs, &fields, batch, plan, NULL, cands[k].decode, 0};
#ifdef HAVE_JSONC
        if (cands[k].decode == decode_jsonc)
            r.state = json_tokener_new();
#endif
#ifdef HAVE_SIMDJSON
        if (cands[k].decode == decode_simdjson)
            r.state = cand_simdjson_new(&fields);
#endif
        const double ns = bench_time_per_item(run_all, &r, recs.n, repeats);
#ifdef HAVE_JSONC
        if (cands[k].decode == decode_jsonc)
            json_tokener_free(r.state);
#endif
#ifdef HAVE_SIMDJSON
        if (cands[k].decode == decode_simdjson)
            cand_simdjson_free(r.state);
#endif
        if (r.failed != 0) {
            fprintf(stderr, "json_candidates: %s failed on %zu records\n", cands[k].name, r.failed);
            status = 1;
        }
        if (json)
            printf(",\"%s_version\":\"%s\",\"%s_ns_per_record\":%.1f,\"%s_records_per_s\":%.0f",
                   cands[k].name, cands[k].version, cands[k].name, ns, cands[k].name, 1e9 / ns);
        else
            printf("%-20s %-22s %14.1f %14.0f\n", cands[k].name, cands[k].version, ns, 1e9 / ns);
    }
    if (json)
        printf("}\n");
    dd_json_plan_destroy(plan);
    dd_batch_destroy(batch);
    bench_records_json_free(&recs);
    return status;
}
