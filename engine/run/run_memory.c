/* run_memory.c — the most memory a configuration's windows can take (limits.memory): every
 * stream's ring of panes, per key up to max_key_values, each sketch at its largest, plus the
 * merged windows and the reference. `driftd config check` and `driftd run` refuse a
 * configuration past the limit, so no stream of new keys can allocate past it at run time. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run_int.h"

uint64_t run_ring_panes(const dd_config_window_t *w) {
    uint64_t ring = w->n_panes;
    if (w->time == DD_CONFIG_WINDOW_EVENT_TIME) /* the record that moves the watermark past B is
                                                   before B + watermark + evaluate_every, and a
                                                   partition may run the slack ahead of the
                                                   clock (run_align.c) */
        ring += (uint64_t)((w->watermark_ms + w->evaluate_every_ms + run_align_slack_ms(w) +
                            w->pane_ms - 1) /
                           w->pane_ms);
    return ring;
}

/* A number from a small file (cgroup limits): 0 when unreadable or "max". */
static uint64_t read_limit(const char *path) {
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    char buf[64] = "";
    const size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *end = NULL;
    const unsigned long long v = strtoull(buf, &end, 10);
    return end != buf ? (uint64_t)v : 0;
}

int64_t dd_run_memory_limit(const dd_config_t *cfg, char *source, size_t source_size) {
    if (cfg->limits.memory > 0) {
        snprintf(source, source_size, "limits.memory");
        return cfg->limits.memory;
    }
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    uint64_t most = pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page : 0;
    const char *from = "the machine's memory";
    /* cgroup v2, then v1 (whose "no limit" is a number near 2^63, larger than the machine) */
    const uint64_t v2 = read_limit("/sys/fs/cgroup/memory.max");
    const uint64_t v1 = read_limit("/sys/fs/cgroup/memory/memory.limit_in_bytes");
    const uint64_t cg = v2 > 0 ? v2 : v1;
    if (cg > 0 && (most == 0 || cg < most)) {
        most = cg;
        from = "the cgroup's memory limit";
    }
    if (most == 0)
        most = (uint64_t)4 << 30; /* unknown: as for a 4 GiB machine */
    snprintf(source, source_size, "half of %s (limits.memory unset)", from);
    return (int64_t)(most / 2);
}

int dd_run_memory_check(const dd_config_t *cfg, dd_run_memory_t *out, char *errstr,
                        size_t errstr_size) {
    memset(out, 0, sizeof *out);
    out->limit = dd_run_memory_limit(cfg, out->limit_source, sizeof out->limit_source);
    run_t r;
    memset(&r, 0, sizeof r);
    r.cfg = cfg;
    r.log.level = DD_CONFIG_LOG_ERROR;
    const uint64_t ring = run_ring_panes(&cfg->window);
    /* A ring of many panes keeps merged blocks of them too (dd_window_cache_sets). */
    const double sets = (double)ring + (ring <= DD_WINDOW_PANES_MAX
                                            ? (double)dd_window_cache_sets((uint32_t)ring)
                                            : 0.0); /* a larger ring is refused at start */
    for (size_t i = 0; i < cfg->n_streams; i++) {
        const dd_config_stream_t *sc = &cfg->streams[i];
        run_stream_t s;
        dd_sketch_set_t *set = NULL;
        if (run_stream_prepare(&r, &s, sc, i, errstr, errstr_size) != 0)
            return -1;
        const dd_sketch_err_t err = dd_sketch_set_new(s.specs, s.n_fields, 0x5eedu, &set);
        const double bound = err == DD_SKETCH_OK ? (double)dd_sketch_set_memory_bound(set) : 0.0;
        dd_sketch_set_destroy(set);
        run_stream_free(&s);
        if (err != DD_SKETCH_OK) {
            snprintf(errstr, errstr_size, "stream %s: %s", sc->name, dd_sketch_strerror(err));
            return -1;
        }
        /* Each window (one per key) holds its ring; a key's first-window reference is its own.
         * The stream adds its merged window, two shorter spans and its reference. */
        const double windows = sc->n_keys > 0 ? (double)sc->max_key_values : 1.0;
        const double own_reference = sc->n_keys > 0 &&
                                             sc->reference.type == DD_CONFIG_REFERENCE_FIRST_WINDOW
                                         ? 1.0
                                         : 0.0;
        const double bytes = (windows * (sets + own_reference) + 4.0) * bound;
        out->bytes += bytes;
        if (bytes > out->largest_bytes) {
            out->largest_bytes = bytes;
            out->largest_stream = i;
            out->largest_per_window = bound * sets;
        }
    }
    if (out->bytes > (double)out->limit) {
        const dd_config_stream_t *sc = &cfg->streams[out->largest_stream];
        char keys[160] = "";
        if (sc->n_keys > 0)
            snprintf(keys, sizeof keys, " for each of max_key_values %" PRIu32 " keys", sc->max_key_values);
        snprintf(errstr, errstr_size,
                 "the windows may take %.1f MiB of memory at worst, more than %.1f MiB (%s); "
                 "stream %s takes the most: %.1f MiB (%.2f MiB a window of %" PRIu64
                 " panes%s); lower max_key_values, use fewer or longer panes, or raise "
                 "limits.memory",
                 out->bytes / 1048576.0, (double)out->limit / 1048576.0, out->limit_source,
                 sc->name, out->largest_bytes / 1048576.0, out->largest_per_window / 1048576.0,
                 ring, keys);
        return -1;
    }
    return 0;
}
