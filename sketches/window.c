/* window.c — a rolling window as a ring of panes of sketch sets.
 *
 * Pane p covers [p·pane_ms, (p+1)·pane_ms). The ring keeps the newest n_panes panes; pane p lives
 * in slot p mod n_panes, and pane_index[slot] says which pane the slot holds now. Moving the window
 * forward resets the slots of the panes that fall out, so expiry costs the size of the sketches,
 * never the number of records they summarise. */
#include "sketches.h"

#include <stdlib.h>

#define NO_PANE INT64_MIN

struct dd_window {
    uint32_t n_panes;
    int64_t pane_ms;
    dd_sketch_set_t **panes;
    int64_t *pane_index;
    int64_t newest; /* NO_PANE before the first record or advance */
};

static int64_t floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

static size_t slot_of(const dd_window_t *w, int64_t pane) {
    int64_t m = pane % (int64_t)w->n_panes;
    return (size_t)(m < 0 ? m + (int64_t)w->n_panes : m);
}

void dd_window_destroy(dd_window_t *w) {
    if (w == NULL)
        return;
    for (uint32_t i = 0; w->panes != NULL && i < w->n_panes; i++)
        dd_sketch_set_destroy(w->panes[i]);
    free(w->panes);
    free(w->pane_index);
    free(w);
}

dd_sketch_err_t dd_window_new(const dd_field_spec_t *fields, size_t n_fields, uint32_t n_panes,
                              int64_t pane_ms, uint64_t seed, dd_window_t **out) {
    if (out == NULL)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    *out = NULL;
    /* pane_ms up to ~31 years keeps pane arithmetic far from int64 overflow for any real clock. */
    if (n_panes == 0 || n_panes > DD_WINDOW_PANES_MAX || pane_ms <= 0 ||
        pane_ms > (int64_t)1000 * 1000 * 1000 * 1000)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    dd_window_t *w = calloc(1, sizeof(*w));
    if (w == NULL)
        return DD_SKETCH_ERR_NO_MEMORY;
    w->n_panes = n_panes;
    w->pane_ms = pane_ms;
    w->newest = NO_PANE;
    w->panes = calloc(n_panes, sizeof(dd_sketch_set_t *));
    w->pane_index = malloc(n_panes * sizeof(int64_t));
    if (w->panes == NULL || w->pane_index == NULL) {
        dd_window_destroy(w);
        return DD_SKETCH_ERR_NO_MEMORY;
    }
    for (uint32_t i = 0; i < n_panes; i++) {
        w->pane_index[i] = NO_PANE;
        /* Every pane gets the same seed: KLL compaction randomness need not differ per pane, and
         * equal seeds keep merges reproducible. */
        dd_sketch_err_t err = dd_sketch_set_new(fields, n_fields, seed, &w->panes[i]);
        if (err != DD_SKETCH_OK) {
            dd_window_destroy(w);
            return err;
        }
    }
    *out = w;
    return DD_SKETCH_OK;
}

/* Makes `pane` the newest, opening the panes in between and expiring what falls out. */
static void advance_to(dd_window_t *w, int64_t pane) {
    if (w->newest != NO_PANE && pane <= w->newest)
        return;
    int64_t first = pane - (int64_t)w->n_panes + 1; /* oldest pane that stays live */
    if (w->newest != NO_PANE && w->newest + 1 > first)
        first = w->newest + 1;
    /* Only panes first..pane change slot; at most n_panes resets however far time jumps. */
    for (int64_t p = first; p <= pane; p++) {
        const size_t slot = slot_of(w, p);
        if (w->pane_index[slot] != NO_PANE)
            dd_sketch_set_reset(w->panes[slot]);
        w->pane_index[slot] = p;
    }
    w->newest = pane;
}

dd_sketch_set_t *dd_window_pane_for(dd_window_t *w, int64_t t_ms) {
    const int64_t pane = floor_div(t_ms, w->pane_ms);
    if (w->newest == NO_PANE || pane > w->newest)
        advance_to(w, pane);
    else if (pane <= w->newest - (int64_t)w->n_panes)
        return NULL; /* late: older than the oldest live pane */
    /* advance_to has assigned every live pane its slot. */
    return w->panes[slot_of(w, pane)];
}

void dd_window_advance(dd_window_t *w, int64_t now_ms) {
    advance_to(w, floor_div(now_ms, w->pane_ms));
}

static int is_live(const dd_window_t *w, int64_t pane) {
    return pane != NO_PANE && w->newest != NO_PANE && pane <= w->newest &&
           pane > w->newest - (int64_t)w->n_panes;
}

dd_sketch_err_t dd_window_merge_live(const dd_window_t *w, dd_sketch_set_t *out) {
    if (w == NULL || out == NULL)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    dd_sketch_set_reset(out);
    for (uint32_t i = 0; i < w->n_panes; i++) {
        if (!is_live(w, w->pane_index[i]))
            continue;
        dd_sketch_err_t err = dd_sketch_set_merge(out, w->panes[i]);
        if (err != DD_SKETCH_OK)
            return err;
    }
    return DD_SKETCH_OK;
}

dd_sketch_err_t dd_window_new_set(const dd_window_t *w, dd_sketch_set_t **out) {
    if (w == NULL)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    return dd_sketch_set_new_like(w->panes[0], out);
}

int64_t dd_window_start_ms(const dd_window_t *w) {
    return w->newest == NO_PANE ? 0 : (w->newest - (int64_t)w->n_panes + 1) * w->pane_ms;
}

int64_t dd_window_end_ms(const dd_window_t *w) {
    return w->newest == NO_PANE ? 0 : (w->newest + 1) * w->pane_ms;
}

uint32_t dd_window_live_panes(const dd_window_t *w) {
    uint32_t live = 0;
    for (uint32_t i = 0; i < w->n_panes; i++)
        live += is_live(w, w->pane_index[i]) != 0;
    return live;
}
