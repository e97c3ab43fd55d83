/* checkpoint_int.h — private to engine/state/: the file layout and the checks the writer
 * (checkpoint_write.c) and the reader (checkpoint_read.c) share, so a file written is a file that
 * reads back. docs/state.md is the format. */
#ifndef DRIFTD_ENGINE_CHECKPOINT_INT_H
#define DRIFTD_ENGINE_CHECKPOINT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "checkpoint.h"

#define MAGIC "DRIFTDCK"
enum {
    MAGIC_BYTES = 8,
    HEADER_BYTES = 8 + 4 + 4 + 8 + 8, /* magic, version, kind, file length, created_ms */
    CHECKSUM_BYTES = 8,
    FLAG_WINDOW = 1u,
    FLAG_REFERENCE = 2u,
    FLAGS_KNOWN = FLAG_WINDOW | FLAG_REFERENCE,
    OFFSET_MIN_BYTES = 4 + 1 + 4 + 8,                 /* topic length, 1 byte, partition, offset */
    FIELD_MIN_BYTES = 4 + 1 + 1,                      /* path length, 1 byte, kind */
    STREAM_MIN_BYTES = 4 + 1 + 4 + 4 + FIELD_MIN_BYTES + 8 + 8 * DD_CKPT_COUNTERS + 8,
};


/* A name (and number) of something that must be unique: a topic partition, a stream, a field. */
typedef struct name_key {
    const char *name;
    int64_t number;
    size_t index;
} name_key_t;

/* snprintf into errstr (either may be NULL/0). */
void ckpt_set_err(char *errstr, size_t errstr_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* For a sketch that did not fit the decode budget, a note that says so; else "". */
const char *ckpt_budget_note(dd_sketch_err_t err);
/* 1 when the set's fields have the stream's kinds (count and order). */
int ckpt_set_matches(const dd_sketch_set_t *set, const dd_ckpt_stream_t *s);
/* The same for a window's panes: 1, 0, or −1 when out of memory. */
int ckpt_window_matches(const dd_window_t *w, const dd_ckpt_stream_t *s);
/* Sorts keys; the index of an entry that repeats an earlier one (by name and number), or
 * SIZE_MAX. */
size_t ckpt_find_duplicate(name_key_t *keys, size_t n);

#endif /* DRIFTD_ENGINE_CHECKPOINT_INT_H */
