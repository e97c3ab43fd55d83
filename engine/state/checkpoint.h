/* checkpoint.h — public header of engine/state/: the state file of `driftd run` and the snapshot
 * file of `driftd baseline`, one versioned binary format (docs/state.md).
 *
 * A state file holds, together and consistently, the consumed offsets (the next offset to read
 * of every topic-partition) and for every stream its window (all panes, as dd_window_serialize
 * writes it), its reference sketch set when it has one, a few counters, and an opaque blob the
 * engine uses for its alert states. A snapshot holds streams with a reference set only (no
 * window, no offsets). Restoring a state file and resuming from its offsets counts every record
 * exactly once.
 *
 * Writing is atomic: the file is written to PATH.tmp, fsync'd, renamed over PATH and the
 * directory fsync'd, so a crash at any moment leaves either the old file or the new one. Reading
 * treats the file as untrusted: sizes, counts and string lengths are bounded, every nested
 * sketch is validated by its own deserializer, a checksum covers the whole file, and errors name
 * the file, the byte offset and what was wrong. No global state. */
#ifndef DRIFTD_ENGINE_CHECKPOINT_H
#define DRIFTD_ENGINE_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "sketches.h"

#define DD_CKPT_VERSION 1u
#define DD_CKPT_BYTES_MAX ((uint64_t)4 << 30) /* whole file */
/* Memory the sketches of one file may decode to, unless the caller set a budget of its own
 * (dd_sketch_decode_budget_set: driftd run sets one from its configuration). */
#define DD_CKPT_MEMORY_DEFAULT ((uint64_t)4 << 30)
#define DD_CKPT_STREAMS_MAX 100000u /* streams and their keys' windows */
#define DD_CKPT_FIELDS_MAX 10000u   /* per stream */
#define DD_CKPT_OFFSETS_MAX 100000u /* topic-partitions */
#define DD_CKPT_NAME_BYTES_MAX 255u /* stream names, field paths, topic names */
#define DD_CKPT_INSTANCE_BYTES_MAX 4096u /* the instance name (a config path may be long) */

typedef enum dd_ckpt_kind {
    DD_CKPT_STATE = 1,    /* driftd run: offsets + windows (+ references) */
    DD_CKPT_SNAPSHOT = 2, /* driftd baseline: reference sets only */
} dd_ckpt_kind_t;

enum { DD_CKPT_COUNTERS = 8 };
/* Counter slots (the engine may leave any at 0). */
enum {
    DD_CKPT_C_RECORDS = 0,       /* records counted into the window state, ever */
    DD_CKPT_C_LATE = 1,          /* records later than the window, counted only */
    DD_CKPT_C_DECODE_ERRORS = 2, /* records that failed to decode */
    DD_CKPT_C_EVALUATIONS = 3,
    DD_CKPT_C_EVENTS = 4,
    DD_CKPT_C_UNTRACKED = 5,     /* records of key values beyond max_key_values (keys:) */
};

typedef struct dd_ckpt_offset {
    const char *topic;
    int32_t partition;
    int64_t offset; /* the next offset to consume */
} dd_ckpt_offset_t;

typedef struct dd_ckpt_stream {
    const char *name;
    size_t n_fields;
    const char *const *field_paths; /* n_fields */
    const dd_field_kind_t *kinds;   /* n_fields */
    const dd_window_t *window;      /* NULL in snapshots; may be NULL in state files */
    const dd_sketch_set_t *reference; /* NULL: none yet */
    int64_t reference_time_ms;      /* when the reference was built; 0 = unknown */
    uint64_t counters[DD_CKPT_COUNTERS];
    const uint8_t *opaque; /* engine-private bytes (alert states), or NULL */
    size_t opaque_len;
} dd_ckpt_stream_t;

typedef struct dd_ckpt_contents {
    dd_ckpt_kind_t kind;
    int64_t created_ms; /* Unix ms */
    const char *instance; /* the writer's name (config file name or group), may be NULL */
    const dd_ckpt_offset_t *offsets;
    size_t n_offsets;
    const dd_ckpt_stream_t *streams;
    size_t n_streams;
} dd_ckpt_contents_t;

/* Writes c to path atomically (see above). 0, or −1 with "PATH: what failed (strerror)" in
 * errstr. The contents are checked first against everything the reader enforces (the bounds
 * above; names and paths 1 to DD_CKPT_NAME_BYTES_MAX bytes, unique per file / stream; partitions
 * and offsets ≥ 0; 1 to DD_CKPT_FIELDS_MAX fields whose kinds match the window's and reference's
 * sets; no window or offsets in a snapshot), so a file written always reads back. An empty or
 * NULL instance reads back as NULL. On failure PATH is untouched and PATH.tmp removed. */
int dd_ckpt_write(const char *path, const dd_ckpt_contents_t *c, char *errstr, size_t errstr_size);

/* The same encoding into memory: *out (malloc'd, the caller frees) and *len. 0 or −1. */
int dd_ckpt_encode(const dd_ckpt_contents_t *c, uint8_t **out, size_t *len, char *errstr,
                   size_t errstr_size);

/* A file read back: contents whose strings, offsets and streams are owned by the loaded
 * object, and whose windows and reference sets are owned too (take them with the _take
 * functions to keep them past dd_ckpt_free). */
typedef struct dd_ckpt dd_ckpt_t;

/* Reads and validates the file at path. 0 and *out (dd_ckpt_free), or −1 with
 * "PATH: offset N: what was wrong" in errstr. A missing file is −1 with errno-style text; callers
 * that treat "no file yet" as normal check for it before calling. */
int dd_ckpt_read(const char *path, dd_ckpt_t **out, char *errstr, size_t errstr_size);
/* The same from memory; `name` stands for the file in messages. */
int dd_ckpt_decode(const uint8_t *data, size_t len, const char *name, dd_ckpt_t **out,
                   char *errstr, size_t errstr_size);
void dd_ckpt_free(dd_ckpt_t *ck); /* NULL is fine */

/* The contents; pointers valid until dd_ckpt_free. windows/references point to objects the
 * dd_ckpt_t owns (or NULL once taken). */
const dd_ckpt_contents_t *dd_ckpt_contents(const dd_ckpt_t *ck);
/* Transfers ownership of stream i's window / reference to the caller (NULL if none or taken). */
dd_window_t *dd_ckpt_take_window(dd_ckpt_t *ck, size_t stream);
dd_sketch_set_t *dd_ckpt_take_reference(dd_ckpt_t *ck, size_t stream);

#endif /* DRIFTD_ENGINE_CHECKPOINT_H */
