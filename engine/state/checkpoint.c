/* checkpoint.c — what the writer and the reader of state files both check: layouts that must
 * match, names that must be unique, and the error text. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "checkpoint_int.h"

void ckpt_set_err(char *errstr, size_t errstr_size, const char *fmt, ...) {
    if (errstr == NULL || errstr_size == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errstr, errstr_size, fmt, ap);
    va_end(ap);
}

/* A sketch that did not fit the decode budget: say so. */
const char *ckpt_budget_note(dd_sketch_err_t err) {
    return err == DD_SKETCH_ERR_TOO_LARGE && dd_sketch_decode_budget_active()
               ? " (or more memory than this reader allows for the file's sketches)"
               : "";
}

/* The sketch set layout of a stream's fields must be what its window and reference hold. */
int ckpt_set_matches(const dd_sketch_set_t *set, const dd_ckpt_stream_t *s) {
    if (dd_sketch_set_fields(set) != s->n_fields)
        return 0;
    for (size_t f = 0; f < s->n_fields; f++)
        if (dd_sketch_set_kind(set, f) != s->kinds[f])
            return 0;
    return 1;
}

int ckpt_window_matches(const dd_window_t *w, const dd_ckpt_stream_t *s) {
    dd_sketch_set_t *set = NULL;
    if (dd_window_new_set(w, &set) != DD_SKETCH_OK)
        return -1;
    const int ok = ckpt_set_matches(set, s);
    dd_sketch_set_destroy(set);
    return ok;
}


static int cmp_key(const void *a, const void *b) {
    const name_key_t *x = a, *y = b;
    const int c = strcmp(x->name, y->name);
    if (c != 0)
        return c;
    return (x->number > y->number) - (x->number < y->number);
}

/* Index of an entry that repeats an earlier one (by name and number), or SIZE_MAX. */
size_t ckpt_find_duplicate(name_key_t *keys, size_t n) {
    qsort(keys, n, sizeof(*keys), cmp_key);
    size_t dup = SIZE_MAX;
    for (size_t i = 1; i < n; i++)
        if (cmp_key(&keys[i - 1], &keys[i]) == 0) {
            const size_t later =
                keys[i].index > keys[i - 1].index ? keys[i].index : keys[i - 1].index;
            if (later < dup)
                dup = later;
        }
    return dup;
}

