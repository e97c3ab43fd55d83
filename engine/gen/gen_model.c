/* gen_model.c — the predictions of a model and the ground-truth labels of the feature records
 * (docs/gen.md, "Predictions and labels").
 *
 * The model is a fixed logistic function of four standardised features of record i, computed
 * from the values the feature record holds (shift and null injection applied; a null counts as
 * the feature's mean), so its score is a pure function of the options and i like the record
 * itself. The label of record i is a Bernoulli draw from the true rule's probability, from a
 * random stream of its own keyed by (seed, i): before a concept drift the true rule is the
 * model's, so the model is calibrated; inside it one coefficient changes sign, and since the
 * draw is the same, a label can differ only where the two rules' probabilities part. */
#include "gen_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MODEL_TERMS 4
#define MODEL_INTERCEPT (-1.58) /* E[score] ≈ 0.30 over the unshifted features */

/* score = 1 / (1 + exp(−(intercept + Σ coef × (x − mean) / stddev))), the means and standard
 * deviations of the unshifted distributions (is_returning as 1 or 0). The true rule inside a
 * concept drift takes coef_drifted: latency's coefficient changes sign, and as its
 * standardised value is symmetric about 0 the share of positive labels stays the same. */
static const struct {
    field_id_t field;
    double coef, coef_drifted;
} model_terms[MODEL_TERMS] = {
    {F_LATENCY_MS, 2.0, -2.0},
    {F_AMOUNT, 1.0, 1.0},
    {F_ACCOUNT_DAYS, -1.0, -1.0},
    {F_IS_RETURNING, -0.5, -0.5},
};

static const char ts_field[] =
    "{\"name\":\"ts\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}},"
    "{\"name\":\"id\",\"type\":\"long\"},";
static const char predictions_schema_head[] =
    "{\"type\":\"record\",\"name\":\"Predictions\",\"namespace\":\"driftd.gen\",\"fields\":[";
static const char predictions_schema_tail[] =
    "{\"name\":\"score\",\"type\":\"double\"},{\"name\":\"prediction\",\"type\":\"int\"}]}";
static const char labels_schema_head[] =
    "{\"type\":\"record\",\"name\":\"Labels\",\"namespace\":\"driftd.gen\",\"fields\":[";
static const char labels_schema_tail[] = "{\"name\":\"label\",\"type\":\"int\"}]}";

static const char *const prediction_names[] = {"ts", "id", "score", "prediction"};
static const int prediction_numeric[] = {1, 1, 1, 1};
static const char *const label_names[] = {"ts", "id", "label"};
static const int label_numeric[] = {1, 1, 1};

static int in_concept_drift(const dd_gen_t *g, uint64_t i) {
    return g->o.concept_drift && i >= g->o.concept_drift_from &&
           (g->o.concept_drift_until == 0 || i < g->o.concept_drift_until);
}

/* The probability of the positive class for record i: the model's, or the true rule's. */
static double probability(const dd_gen_t *g, uint64_t i, uint64_t key, int truth) {
    const int drifted = truth && in_concept_drift(g, i);
    double eta = MODEL_INTERCEPT;
    for (size_t k = 0; k < MODEL_TERMS; k++) {
        const field_id_t f = model_terms[k].field;
        int is_null = 0;
        const double x = gen_feature_number(g, i, key, f, &is_null);
        const double z = is_null ? 0.0 : (x - g->mean[f]) / g->stddev[f];
        eta += (drifted ? model_terms[k].coef_drifted : model_terms[k].coef) * z;
    }
    return 1.0 / (1.0 + exp(-eta)); /* in [0, 1]: exp(−eta) may be 0 or +inf, never NaN */
}

int64_t gen_model_ts(const dd_gen_t *g, uint64_t i, uint64_t key) {
    const int64_t ts = dd_gen_ts(g, i);
    if (g->o.stream != DD_GEN_LABELS)
        return ts;
    uint64_t delay = g->o.label_delay_ms;
    if (g->o.label_jitter_ms > 0) {
        gen_rng_t r = gen_rng_stream(key, GEN_STREAM_LABEL_DELAY);
        /* u × jitter can round up to jitter when u is within 2^-53 of 1 */
        uint64_t jitter = (uint64_t)(gen_uniform(&r) * (double)g->o.label_jitter_ms);
        delay += jitter < g->o.label_jitter_ms ? jitter : g->o.label_jitter_ms - 1;
    }
    return (int64_t)((uint64_t)ts + delay); /* unsigned: wraps rather than overflows */
}

void gen_model_write(const dd_gen_t *g, uint64_t i, uint64_t key, gen_out_t *w) {
    const int json = g->o.format == DD_GEN_JSON;
    const int64_t ts = gen_model_ts(g, i, key);
    double score = 0.0;
    int64_t category;
    if (g->o.stream == DD_GEN_PREDICTIONS) {
        score = probability(g, i, key, 0);
        category = score >= 0.5;
    } else {
        gen_rng_t r = gen_rng_stream(key, GEN_STREAM_LABEL);
        category = gen_uniform(&r) < probability(g, i, key, 1);
    }
    if (!json) {
        gen_avro_long(w, ts);
        gen_avro_long(w, (int64_t)i);
        if (g->o.stream == DD_GEN_PREDICTIONS)
            gen_avro_double(w, score);
        gen_avro_long(w, category);
        return;
    }
    gen_put_cstr(w, "{\"ts\":");
    gen_json_integer(w, ts);
    gen_put_cstr(w, ",\"id\":");
    gen_json_integer(w, (int64_t)i);
    if (g->o.stream == DD_GEN_PREDICTIONS) {
        gen_put_cstr(w, ",\"score\":");
        gen_json_double(w, score);
        gen_put_cstr(w, ",\"prediction\":");
    } else {
        gen_put_cstr(w, ",\"label\":");
    }
    gen_json_integer(w, category);
    gen_put_byte(w, '}');
}

int gen_model_setup(dd_gen_t *g, char *errstr, size_t errstr_size) {
    const dd_gen_options_t *o = &g->o;
    if (o->label_delay_ms > DD_GEN_LABEL_DELAY_MS_MAX ||
        o->label_jitter_ms > DD_GEN_LABEL_DELAY_MS_MAX) {
        snprintf(errstr, errstr_size, "a label's delay and its jitter are at most %llu ms",
                 (unsigned long long)DD_GEN_LABEL_DELAY_MS_MAX);
        return -1;
    }
    if (o->concept_drift && o->concept_drift_until != 0 &&
        o->concept_drift_until <= o->concept_drift_from) {
        snprintf(errstr, errstr_size, "the concept drift range [%llu, %llu) is empty",
                 (unsigned long long)o->concept_drift_from,
                 (unsigned long long)o->concept_drift_until);
        return -1;
    }
    if (o->stream == DD_GEN_FEATURES)
        return 0;
    const int predictions = o->stream == DD_GEN_PREDICTIONS;
    const char *head = predictions ? predictions_schema_head : labels_schema_head;
    const char *tail = predictions ? predictions_schema_tail : labels_schema_tail;
    const size_t cap = strlen(head) + sizeof ts_field + strlen(tail);
    char *schema = malloc(cap);
    if (schema == NULL) {
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    snprintf(schema, cap, "%s%s%s", head, ts_field, tail);
    free(g->schema);
    g->schema = schema;
    g->names = predictions ? prediction_names : label_names;
    g->numeric = predictions ? prediction_numeric : label_numeric;
    g->n_fields = predictions ? 4 : 3;
    return 0;
}
