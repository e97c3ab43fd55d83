/* budget.c — the per-thread memory budget of deserialization (sketches.h). */
#include "sketches.h"
#include "wire.h"

static _Thread_local int budget_on;
static _Thread_local uint64_t budget_left;

void dd_sketch_decode_budget_set(uint64_t bytes) {
    budget_on = 1;
    budget_left = bytes;
}

void dd_sketch_decode_budget_clear(void) {
    budget_on = 0;
    budget_left = 0;
}

int dd_sketch_decode_budget_active(void) {
    return budget_on;
}

int dd_sketch_decode_budget_take(uint64_t bytes) {
    if (!budget_on)
        return 1;
    if (bytes > budget_left)
        return 0;
    budget_left -= bytes;
    return 1;
}
