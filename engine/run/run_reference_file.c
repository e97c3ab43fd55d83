/* run_reference_file.c — references from a dataset file (`reference: {type: file}`) and from a
 * snapshot (`{type: snapshot}`, written by `driftd baseline` through the same code).
 *
 * A file is read in two passes: the first picks each numeric field's reference deciles, which
 * become the histogram edges of the stream's specs, so the reference and every pane made
 * afterwards share edges and binned statistics are exact between them; the second builds the
 * reference set with those edges. Category spellings seen in the file are remembered for
 * events. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "run_int.h"

/* Writes the message and evaluates to −1 (errstr and errstr_size must be in scope). */
#define FAIL(...) (snprintf(errstr, errstr_size, __VA_ARGS__), -1)

/* The reference deciles of each numeric field of `set`, as strictly increasing finite edges. */
static size_t deciles(const dd_sketch_set_t *set, size_t field, double *out) {
    const dd_kll_t *k = dd_sketch_set_kll(set, field);
    if (k == NULL || dd_kll_count(k) == 0)
        return 0;
    size_t n = 0;
    for (unsigned i = 1; i <= RUN_EDGES_PER_FIELD; i++) {
        const double q = dd_kll_quantile(k, (double)i / (RUN_EDGES_PER_FIELD + 1));
        if (!isfinite(q) || (n > 0 && q <= out[n - 1]))
            continue;
        out[n++] = q;
    }
    return n >= 2 ? n : 0;
}

/* Fills the specs' histogram edges from a reference set's deciles (numeric fields). */
static void edges_from(run_stream_t *s, const dd_sketch_set_t *ref) {
    for (size_t i = 0; i < s->n_fields; i++) {
        s->specs[i].edges = NULL;
        s->specs[i].n_edges = 0;
        if (s->kinds[i] != DD_FIELD_NUMERIC)
            continue;
        double *e = s->edges + i * RUN_EDGES_PER_FIELD;
        const size_t n = deciles(ref, i, e);
        if (n > 0) {
            s->specs[i].edges = e;
            s->specs[i].n_edges = n;
        }
    }
}

static int set_from_dataset(run_stream_t *s, const dd_dataset_t *d, const char *path,
                            dd_sketch_set_t **out, char *errstr, size_t errstr_size) {
    dd_sketch_err_t err = dd_sketch_set_new(s->specs, s->n_fields, 0x5eedu, out);
    if (err != DD_SKETCH_OK)
        return FAIL("%s: %s", path, dd_sketch_strerror(err));
    const size_t rows = dd_dataset_rows(d);
    for (size_t i = 0; i < s->n_fields; i++) {
        const long c = dd_dataset_find_column(d, s->paths[i]);
        if (c < 0) {
            snprintf(errstr, errstr_size, "%s: the reference has no column '%s' (stream %s)", path,
                     s->paths[i], s->cfg->name);
            return -1;
        }
        if (s->kinds[i] == DD_FIELD_NUMERIC) {
            const double *v = dd_dataset_numbers(d, (size_t)c);
            if (v == NULL) {
                snprintf(errstr, errstr_size, "%s: column '%s' is not numeric in the reference",
                         path, s->paths[i]);
                return -1;
            }
            err = dd_sketch_set_update_numeric(*out, i, v, dd_dataset_nulls(d, (size_t)c), rows);
        } else {
            const uint64_t *h = dd_dataset_hashes(d, (size_t)c);
            if (h == NULL) {
                snprintf(errstr, errstr_size, "%s: column '%s' is not categorical in the reference",
                         path, s->paths[i]);
                return -1;
            }
            err = dd_sketch_set_update_categorical(*out, i, h, dd_dataset_nulls(d, (size_t)c),
                                                   rows);
        }
        if (err != DD_SKETCH_OK)
            return FAIL("%s: %s", path, dd_sketch_strerror(err));
    }
    if (s->mv_fields > 0) {
        /* the joint summary in batches of the stream's size, so that its two halves take rows
         * from all over the file (a batch's parts go to either half) */
        for (size_t off = 0; off < rows; off += RUN_BATCH_ROWS) {
            for (size_t i = 0; i < s->n_fields; i++) {
                const long c = dd_dataset_find_column(d, s->paths[i]);
                const double *v = dd_dataset_numbers(d, (size_t)c);
                const uint8_t *nulls = dd_dataset_nulls(d, (size_t)c);
                s->mv_numbers[i] = v != NULL ? v + off : NULL;
                s->mv_nulls[i] = nulls != NULL ? nulls + off / 8 : NULL;
            }
            const size_t n = rows - off < RUN_BATCH_ROWS ? rows - off : RUN_BATCH_ROWS;
            err = dd_sketch_set_update_joint(*out, s->mv_numbers, s->mv_nulls, n);
            if (err != DD_SKETCH_OK)
                return FAIL("%s: %s", path, dd_sketch_strerror(err));
        }
    }
    dd_sketch_set_add_rows(*out, rows);
    return 0;
}

/* The spellings of the reference's tracked categories, for events. */
static void names_from_dataset(run_stream_t *s, const dd_dataset_t *d, const dd_sketch_set_t *ref) {
    for (size_t i = 0; s->names != NULL && i < s->n_fields; i++) {
        const dd_frequent_t *f = dd_sketch_set_frequent(ref, i);
        const long c = dd_dataset_find_column(d, s->paths[i]);
        if (f == NULL || c < 0)
            continue;
        const size_t n = dd_frequent_tracked(f);
        dd_frequent_item_t *items = malloc((n > 0 ? n : 1) * sizeof(*items));
        if (items == NULL)
            continue;
        const size_t got = dd_frequent_items(f, items, n);
        for (size_t k = 0; k < got && k < RUN_NAMES_MAX; k++) {
            const char *name = dd_dataset_category_name(d, (size_t)c, items[k].hash);
            if (name != NULL)
                run_names_put(s->names, i, items[k].hash, name, strlen(name));
        }
        free(items);
    }
}

int run_reference_from_file(run_stream_t *s, const dd_config_reference_t *ref,
                            dd_sketch_set_t **out, char *errstr, size_t errstr_size) {
    dd_column_hint_t *hints = calloc(s->n_fields, sizeof(*hints));
    if (hints == NULL)
        return FAIL("%s%s: out of memory", ref->path, "");
    for (size_t i = 0; i < s->n_fields; i++) {
        hints[i].name = s->paths[i];
        hints[i].kind = s->fields[i].kind;
    }
    dd_dataset_t *d = NULL;
    char detail[1024] = "";
    dd_codec_err_t err;
    switch (ref->file_format) {
    case DD_CONFIG_FILE_AVRO:
        err = dd_dataset_load_avro(ref->path, hints, s->n_fields, &d, detail, sizeof detail);
        break;
    case DD_CONFIG_FILE_JSONL:
        err = dd_dataset_load_jsonl(ref->path, NULL, hints, s->n_fields, &d, detail,
                                    sizeof detail);
        break;
    default:
        err = dd_dataset_load_csv(ref->path, NULL, hints, s->n_fields, &d, detail, sizeof detail);
        break;
    }
    free(hints);
    if (err != DD_CODEC_OK) {
        snprintf(errstr, errstr_size, "reference of stream %s: %s", s->cfg->name,
                 detail[0] ? detail : dd_codec_strerror(err));
        return -1;
    }
    /* Two passes: quantile sketches first, for the deciles that become every pane's histogram
     * edges; then the reference again with those histograms, so binned statistics are exact. */
    dd_sketch_set_t *first = NULL;
    int rc = set_from_dataset(s, d, ref->path, &first, errstr, errstr_size);
    if (rc == 0) {
        edges_from(s, first);
        rc = set_from_dataset(s, d, ref->path, out, errstr, errstr_size);
    }
    if (rc == 0)
        names_from_dataset(s, d, *out);
    dd_sketch_set_destroy(first);
    dd_dataset_destroy(d);
    return rc;
}

int run_reference_from_snapshot(run_stream_t *s, const dd_config_reference_t *ref,
                                   dd_sketch_set_t **out, char *errstr, size_t errstr_size) {
    dd_ckpt_t *ck = NULL;
    if (dd_ckpt_read(ref->path, &ck, errstr, errstr_size) != 0)
        return -1;
    const dd_ckpt_contents_t *c = dd_ckpt_contents(ck);
    int rc = -1;
    size_t found = SIZE_MAX;
    for (size_t i = 0; i < c->n_streams; i++)
        if (strcmp(c->streams[i].name, s->cfg->name) == 0)
            found = i;
    if (found == SIZE_MAX) {
        snprintf(errstr, errstr_size, "%s: the snapshot has no stream '%s'", ref->path,
                 s->cfg->name);
        goto done;
    }
    const dd_ckpt_stream_t *cs = &c->streams[found];
    for (size_t i = 0; i < s->n_fields; i++) {
        size_t j = 0;
        while (j < cs->n_fields && strcmp(cs->field_paths[j], s->paths[i]) != 0)
            j++;
        if (j == cs->n_fields || cs->kinds[j] != s->kinds[i] || j != i) {
            snprintf(errstr, errstr_size,
                     "%s: stream '%s' in the snapshot does not have field '%s' as field %zu of the "
                     "same kind (rebuild it with driftd baseline)",
                     ref->path, s->cfg->name, s->paths[i], i + 1);
            goto done;
        }
    }
    if (cs->n_fields != s->n_fields || cs->reference == NULL) {
        snprintf(errstr, errstr_size, "%s: stream '%s' in the snapshot has %zu fields and %s",
                 ref->path, s->cfg->name, cs->n_fields,
                 cs->reference == NULL ? "no reference" : "the config another number");
        goto done;
    }
    *out = dd_ckpt_take_reference(ck, found);
    s->reference_time_ms = cs->reference_time_ms;
    edges_from(s, *out);
    rc = 0;
done:
    dd_ckpt_free(ck);
    return rc;
}

