/* prom.h — public header of engine/out/: Prometheus text exposition format 0.0.4 into a growing
 * buffer.
 *
 * The loop renders every metric family into one dd_prom_t about once a second and hands the text
 * to http.h; nothing here touches a socket or a clock. The buffer is a plain value owned by the
 * caller: dd_prom_init, then reset/family/sample as often as wanted, then dd_prom_free. `data`
 * is NUL-terminated after every call (when not NULL) and `len` excludes the NUL.
 *
 * Names are the caller's constants: a metric name that does not match [a-zA-Z_:][a-zA-Z0-9_:]*,
 * a label name that does not match [a-zA-Z_][a-zA-Z0-9_]* (or repeats within a sample), or an
 * unknown type is a programming error and sets `failed`. Label values and HELP text may come
 * from configuration or data (field paths, topic names) and are never rejected: they are
 * escaped (\\, \" and \n in label values; \\ and \n in HELP), NULL reads as "", and bytes that
 * are not valid UTF-8 are written as U+FFFD so a scraper never refuses the whole page.
 *
 * `failed` is sticky until dd_prom_reset: after a bad name or an allocation failure every later
 * call writes nothing, and `data` holds valid exposition text up to the last complete line (the
 * line being written when it failed is dropped). Keeping the samples of one family together,
 * right after its dd_prom_family, is the caller's part. Not thread-safe; no global state. */
#ifndef DRIFTD_ENGINE_PROM_H
#define DRIFTD_ENGINE_PROM_H

#include <stddef.h>
#include <stdint.h>

#define DD_PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

typedef struct dd_prom {
    char *data; /* NULL until something is written; owned by the dd_prom_t */
    size_t len, cap;
    int failed; /* an invalid name, an unknown type or out of memory (see above) */
    /* Labels added after the given ones to every sample (dd_prom_set_const_labels); borrowed. */
    const char *const *const_names;
    const char *const *const_values;
    size_t n_const;
} dd_prom_t;

void dd_prom_init(dd_prom_t *p);
/* Frees the buffer and re-initializes p; p NULL is fine. */
void dd_prom_free(dd_prom_t *p);
/* Empties the text and clears `failed`; keeps the memory for the next rendering. */
void dd_prom_reset(dd_prom_t *p);

/* Labels written after the given ones on every later sample (e.g. team="ml" from the
 * configuration), until set again; a sample's own label of the same name wins. The arrays are
 * borrowed: they must outlive the samples' writing. Names are checked as label names. */
void dd_prom_set_const_labels(dd_prom_t *p, const char *const *names, const char *const *values,
                              size_t n);

/* "# HELP name help" (skipped when help is NULL) and "# TYPE name type", type one of "counter",
 * "gauge", "histogram", "summary", "untyped". */
void dd_prom_family(dd_prom_t *p, const char *name, const char *type, const char *help);

/* One sample line: name{label_names[i]="label_values[i]",...} value. The labels are written in
 * the order given (none and no braces when n_labels is 0; the arrays may then be NULL). The
 * value is written as Go's strconv.ParseFloat reads it: NaN, +Inf, -Inf, else the shortest
 * decimal form that reads back as the same double (integers up to 2^53 print as integers). */
void dd_prom_sample(dd_prom_t *p, const char *name, const char *const *label_names,
                    const char *const *label_values, size_t n_labels, double value);

/* The same with an exact unsigned integer value (counters beyond 2^53 stay exact in the text;
 * a scraper stores them as doubles). */
void dd_prom_sample_u64(dd_prom_t *p, const char *name, const char *const *label_names,
                        const char *const *label_values, size_t n_labels, uint64_t value);

/* 1 when name is a valid metric name / label name (exposed for the tests and for callers that
 * build names from configuration and want to check them before use). */
int dd_prom_metric_name_ok(const char *name);
int dd_prom_label_name_ok(const char *name);

#endif /* DRIFTD_ENGINE_PROM_H */
