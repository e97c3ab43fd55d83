/* run_names.c — category names for events: sketches keep only 64-bit hashes, so a stream
 * remembers, per categorical field, the spelling of a bounded number of them (from a reference
 * file, and from a sample of the records it decodes) to name the categories that moved or
 * appeared. Bounded: RUN_NAMES_MAX names of at most RUN_NAME_BYTES_MAX bytes per field; once a
 * field's table is full, further categories stay unnamed (events then carry the hash only). */
#include <stdlib.h>
#include <string.h>

#include "run_int.h"

#define SLOTS (2u * RUN_NAMES_MAX) /* a power of two: at most half full */

typedef struct name_slot {
    uint64_t hash;
    uint32_t offset; /* into the arena, + 1 (0 = empty slot) */
} name_slot_t;

typedef struct field_names {
    name_slot_t *slots;
    char *arena;
    size_t used, count;
} field_names_t;

struct run_names {
    size_t n_fields;
    field_names_t *fields;
};

run_names_t *run_names_new(size_t n_fields) {
    run_names_t *n = calloc(1, sizeof(*n));
    if (n == NULL)
        return NULL;
    n->fields = calloc(n_fields > 0 ? n_fields : 1, sizeof(*n->fields));
    if (n->fields == NULL) {
        free(n);
        return NULL;
    }
    n->n_fields = n_fields;
    return n;
}

void run_names_free(run_names_t *n) {
    if (n == NULL)
        return;
    for (size_t i = 0; i < n->n_fields; i++) {
        free(n->fields[i].slots);
        free(n->fields[i].arena);
    }
    free(n->fields);
    free(n);
}

static name_slot_t *find(const field_names_t *f, uint64_t hash) {
    for (uint32_t i = (uint32_t)(hash * 0x9e3779b97f4a7c15ull >> 40) & (SLOTS - 1);;
         i = (i + 1) & (SLOTS - 1))
        if (f->slots[i].offset == 0 || f->slots[i].hash == hash)
            return &f->slots[i];
}

void run_names_put(run_names_t *n, size_t field, uint64_t hash, const void *bytes, size_t len) {
    if (n == NULL || field >= n->n_fields || len > RUN_NAME_BYTES_MAX)
        return;
    field_names_t *f = &n->fields[field];
    if (f->count >= RUN_NAMES_MAX)
        return;
    if (f->slots == NULL) {
        f->slots = calloc(SLOTS, sizeof(*f->slots));
        f->arena = malloc((size_t)RUN_NAMES_MAX * (RUN_NAME_BYTES_MAX + 1));
        if (f->slots == NULL || f->arena == NULL) {
            free(f->slots);
            free(f->arena);
            f->slots = NULL;
            f->arena = NULL;
            return;
        }
    }
    name_slot_t *slot = find(f, hash);
    if (slot->offset != 0)
        return;
    memcpy(f->arena + f->used, bytes, len);
    f->arena[f->used + len] = '\0';
    slot->hash = hash;
    slot->offset = (uint32_t)f->used + 1;
    f->used += len + 1;
    f->count++;
}

const char *run_names_get(const run_names_t *n, size_t field, uint64_t hash) {
    if (n == NULL || field >= n->n_fields || n->fields[field].slots == NULL)
        return NULL;
    const name_slot_t *slot = find(&n->fields[field], hash);
    return slot->offset != 0 ? n->fields[field].arena + slot->offset - 1 : NULL;
}
