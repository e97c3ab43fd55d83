/* detectors_tool.c — feeds a stream of values to one sequential change detector and prints the
 * positions it flagged, for the River oracle (test_detectors.py).
 *
 *   detectors_tool KIND VALUES.f64 BATCH [name=value ...]
 *
 * KIND as dd_detector_kind_name spells it; VALUES.f64 little-endian doubles, fed in batches of
 * BATCH values; the parameters by their dd_detector_params_t names (mode=both|up|down). Prints
 * {"drifts":[...],"warnings":[...]} (0-based positions); exit 3 with the message when the
 * parameters are refused. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sketches.h"

static int set_param(dd_detector_params_t *p, const char *arg) {
    const char *eq = strchr(arg, '=');
    if (eq == NULL)
        return -1;
    const size_t len = (size_t)(eq - arg);
    const char *v = eq + 1;
#define IS(name) (len == strlen(name) && strncmp(arg, name, len) == 0)
    if (IS("delta"))
        p->delta = strtod(v, NULL);
    else if (IS("clock"))
        p->clock = (uint32_t)strtoul(v, NULL, 10);
    else if (IS("max_buckets"))
        p->max_buckets = (uint32_t)strtoul(v, NULL, 10);
    else if (IS("min_window_length"))
        p->min_window_length = (uint32_t)strtoul(v, NULL, 10);
    else if (IS("grace_period"))
        p->grace_period = (uint32_t)strtoul(v, NULL, 10);
    else if (IS("warm_start"))
        p->warm_start = (uint32_t)strtoul(v, NULL, 10);
    else if (IS("warning_threshold"))
        p->warning_threshold = strtod(v, NULL);
    else if (IS("drift_threshold"))
        p->drift_threshold = strtod(v, NULL);
    else if (IS("alpha"))
        p->alpha = strtod(v, NULL);
    else if (IS("beta"))
        p->beta = strtod(v, NULL);
    else if (IS("min_instances"))
        p->min_instances = (uint32_t)strtoul(v, NULL, 10);
    else if (IS("threshold"))
        p->threshold = strtod(v, NULL);
    else if (IS("mode"))
        p->mode = strcmp(v, "up") == 0     ? DD_DETECTOR_UP
                  : strcmp(v, "down") == 0 ? DD_DETECTOR_DOWN
                                           : DD_DETECTOR_BOTH;
    else if (IS("drift_confidence"))
        p->drift_confidence = strtod(v, NULL);
    else if (IS("warning_confidence"))
        p->warning_confidence = strtod(v, NULL);
    else if (IS("lambda"))
        p->lambda = strtod(v, NULL);
    else if (IS("two_sided"))
        p->two_sided = atoi(v);
    else if (IS("window_size"))
        p->window_size = (uint32_t)strtoul(v, NULL, 10);
    else if (IS("stat_size"))
        p->stat_size = (uint32_t)strtoul(v, NULL, 10);
    else if (IS("seed"))
        p->seed = strtoull(v, NULL, 10);
    else
        return -1;
#undef IS
    return 0;
}

static void print_list(const uint8_t *flags, size_t n, uint8_t bit) {
    int first = 1;
    putchar('[');
    for (size_t i = 0; i < n; i++)
        if (flags[i] & bit) {
            printf(first ? "%zu" : ",%zu", i);
            first = 0;
        }
    putchar(']');
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: detectors_tool KIND VALUES.f64 BATCH [name=value ...]\n");
        return 2;
    }
    const dd_detector_kind_t kind = dd_detector_kind_from_name(argv[1]);
    if (kind == DD_DETECTOR_KINDS) {
        fprintf(stderr, "detectors_tool: no detector %s\n", argv[1]);
        return 2;
    }
    dd_detector_params_t p;
    dd_detector_params_init(kind, &p);
    for (int i = 4; i < argc; i++)
        if (set_param(&p, argv[i]) != 0) {
            fprintf(stderr, "detectors_tool: bad parameter %s\n", argv[i]);
            return 2;
        }
    FILE *f = fopen(argv[2], "rb");
    if (f == NULL) {
        fprintf(stderr, "detectors_tool: cannot open %s\n", argv[2]);
        return 2;
    }
    fseek(f, 0, SEEK_END);
    const long bytes = ftell(f);
    fseek(f, 0, SEEK_SET);
    const size_t n = bytes > 0 ? (size_t)bytes / sizeof(double) : 0;
    double *x = malloc((n ? n : 1) * sizeof(double));
    uint8_t *flags = malloc(n ? n : 1);
    if (x == NULL || flags == NULL || fread(x, sizeof(double), n, f) != n) {
        fprintf(stderr, "detectors_tool: cannot read %s\n", argv[2]);
        return 2;
    }
    fclose(f);
    const size_t batch = (size_t)strtoul(argv[3], NULL, 10);
    dd_detector_t *d = NULL;
    char err[256];
    if (dd_detector_new(&p, &d, err, sizeof err) != DD_SKETCH_OK) {
        printf("{\"error\":\"%s\"}\n", err);
        return 3;
    }
    for (size_t i = 0; i < n; i += batch ? batch : n) {
        const size_t len = batch && n - i > batch ? batch : n - i;
        dd_detector_update(d, x + i, len, flags + i);
    }
    printf("{\"drifts\":");
    print_list(flags, n, DD_DETECTOR_FLAG_DRIFT);
    printf(",\"warnings\":");
    print_list(flags, n, DD_DETECTOR_FLAG_WARNING);
    printf(",\"skipped\":%" PRIu64 "}\n", dd_detector_skipped(d));
    dd_detector_destroy(d);
    free(x);
    free(flags);
    return 0;
}
