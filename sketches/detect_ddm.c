/* detect_ddm.c — placeholder until implemented: flags nothing. */
#include <stdlib.h>

#include "detect_int.h"

static void *stub_create(const dd_detector_params_t *p) { (void)p; return malloc(1); }
static void stub_reset(void *s, const dd_detector_params_t *p) { (void)s; (void)p; }
static size_t stub_update(void *s, const dd_detector_params_t *p, const double *x, size_t n, uint8_t *flags) {
    (void)s; (void)p; (void)x;
    for (size_t i = 0; flags != NULL && i < n; i++) flags[i] = 0;
    return 0;
}
const detect_ops_t detect_ddm_ops = {stub_create, free, stub_reset, stub_update};
const detect_ops_t detect_eddm_ops = {stub_create, free, stub_reset, stub_update};
