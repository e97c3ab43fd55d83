/* run.h — public header of engine/run/: the `driftd run` loop, and the reference snapshot that
 * `driftd baseline` builds with the same code. Everything else of the loop is private
 * (run_int.h); the command line reaches it only through these functions. */
#ifndef DRIFTD_ENGINE_RUN_H
#define DRIFTD_ENGINE_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "events.h"

/* Options for embedding the loop (the demo, tests); NULL means none. */
typedef struct dd_run_options {
    int64_t stop_when_idle_ms; /* > 0: stop once every assigned partition has been read to its
                                  end and no record arrived for this long */
    void (*on_event)(const dd_event_t *e, void *ctx); /* every event, after the sinks */
    void *ctx;
    /* filled in when dd_run returns */
    uint64_t out_records, out_late, out_decode_errors, out_evaluations, out_events;
} dd_run_options_t;

/* Runs the sidecar until SIGTERM or SIGINT (or the idle stop): 0 after a clean drain, 1 when
 * the final checkpoint failed, 2 when it could not start (the reason is logged). */
int dd_run(const dd_config_t *cfg, dd_run_options_t *opt);

/* The most memory the windows of a configuration can take (run_memory.c), against its limit:
 * limits.memory, or half the machine's memory or its cgroup's limit when unset. */
typedef struct dd_run_memory {
    double bytes;           /* at worst, every stream, every key, every sketch at its largest */
    int64_t limit;          /* bytes */
    char limit_source[96];  /* "limits.memory" or where the default came from */
    size_t largest_stream;  /* the stream that takes the most */
    double largest_bytes, largest_per_window;
} dd_run_memory_t;

/* 0 when the bound is within the limit; −1 with the reason in errstr (also for a stream whose
 * sketches cannot be made). `driftd config check` and dd_run refuse such a configuration. */
int dd_run_memory_check(const dd_config_t *cfg, dd_run_memory_t *out, char *errstr,
                        size_t errstr_size);
int64_t dd_run_memory_limit(const dd_config_t *cfg, char *source, size_t source_size);

/* One data file for one configured stream, for dd_run_snapshot. */
typedef struct dd_run_snapshot_input {
    size_t stream;                  /* index into cfg->streams */
    const char *path;               /* the data file */
    dd_config_file_format_t format; /* its format */
    uint64_t out_records;           /* filled by dd_run_snapshot: records in the reference */
    size_t out_fields;              /* and its fields */
} dd_run_snapshot_input_t;

/* Writes a snapshot (`driftd baseline`; `reference: {type: snapshot}` reads it): for each input,
 * the reference sketch set of its stream, built from its file exactly as `reference: {type:
 * file}` is built by dd_run. `instance` is recorded in the file. The file is replaced
 * atomically. 0, or −1 with the reason in errstr (nothing written). */
int dd_run_snapshot(const dd_config_t *cfg, dd_run_snapshot_input_t *in, size_t n,
                    const char *output, const char *instance, char *errstr, size_t errstr_size);

#endif /* DRIFTD_ENGINE_RUN_H */
