/* test_random.h — a seeded generator for unit tests: splitmix64 (dd_base.h's dd_mix64 over a
 * Weyl sequence), uniform on (0, 1) and standard normal (Box–Muller). Each test keeps its own
 * state, so every run draws the same numbers. */
#ifndef DRIFTD_TEST_RANDOM_H
#define DRIFTD_TEST_RANDOM_H

#include <math.h>
#include <stdint.h>

#include "dd_base.h"

static inline uint64_t test_u64(uint64_t *state) {
    return dd_mix64(*state += 0x9e3779b97f4a7c15ull);
}
static inline double test_uniform(uint64_t *state) {
    return ((double)(test_u64(state) >> 11) + 0.5) * 0x1.0p-53;
}
static inline double test_normal(uint64_t *state) {
    const double r = sqrt(-2.0 * log(test_uniform(state)));
    return r * cos(6.283185307179586 * test_uniform(state));
}

#endif /* DRIFTD_TEST_RANDOM_H */
