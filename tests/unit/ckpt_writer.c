/* ckpt_writer.c — writes known state files, snapshots and window blobs for the tests of
 * `driftd inspect` (test_inspect_cli.sh) and the seed corpora of fuzz_checkpoint and
 * fuzz_window_deserialize. Built only with the tests.
 *
 *   ckpt_writer state PATH     a state file: stream "payments" (amount numeric, country
 *                              categorical; 4 panes of 60 s holding 240 rows, amount = i % 10,
 *                              3 countries; a reference of 100 rows; counters 240, 3, 1, 2, 1;
 *                              4 opaque bytes) and stream "clicks" (page categorical; an empty
 *                              window of 2 panes of 1 s; no reference); offsets features [0] 100,
 *                              features [1] 200; instance "ckpt_writer"; created 1790000000000
 *   ckpt_writer snapshot PATH  a snapshot: stream "payments" with the same reference only
 *   ckpt_writer small PATH     a small state file (one stream, one field, 2 panes)
 *   ckpt_writer window PATH    the window of "payments" alone, as dd_window_serialize writes it
 *   ckpt_writer fresh-window PATH   a window with no pane open yet */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"

static uint64_t mix(uint64_t x) {
    uint64_t z = x + 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void add(dd_sketch_set_t *set, double amount, uint64_t country) {
    const uint64_t h = mix(country);
    if (dd_sketch_set_update_numeric(set, 0, &amount, NULL, 1) != DD_SKETCH_OK ||
        dd_sketch_set_update_categorical(set, 1, &h, NULL, 1) != DD_SKETCH_OK)
        abort();
    dd_sketch_set_add_rows(set, 1);
}

static int write_blob(const char *path, const uint8_t *p, size_t n) {
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "ckpt_writer: cannot write %s\n", path);
        return 1;
    }
    return 0;
}

static int write_window(const char *path, const dd_window_t *w) {
    const size_t n = dd_window_serialized_size(w);
    uint8_t *buf = malloc(n);
    if (buf == NULL || dd_window_serialize(w, buf, n, NULL) != DD_SKETCH_OK)
        abort();
    const int rc = write_blob(path, buf, n);
    free(buf);
    return rc;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: ckpt_writer state|snapshot|small|window|fresh-window PATH\n");
        return 2;
    }
    const char *mode = argv[1], *path = argv[2];
    dd_field_spec_t specs[2];
    memset(specs, 0, sizeof specs);
    specs[0].kind = DD_FIELD_NUMERIC;
    specs[0].kll_k = 64;
    specs[1].kind = DD_FIELD_CATEGORICAL;
    specs[1].hll_p = 8;
    specs[1].frequent_capacity = 16;
    static const char *const pay_paths[] = {"amount", "country"};
    static const dd_field_kind_t pay_kinds[] = {DD_FIELD_NUMERIC, DD_FIELD_CATEGORICAL};
    static const char *const click_paths[] = {"page"};
    static const dd_field_kind_t click_kinds[] = {DD_FIELD_CATEGORICAL};
    static const uint8_t opaque[] = {0xde, 0xad, 0xbe, 0xef};
    const int small = strcmp(mode, "small") == 0;

    dd_window_t *pay_window = NULL, *click_window = NULL;
    dd_sketch_set_t *ref = NULL;
    if (dd_window_new(specs, small ? 1 : 2, small ? 2 : 4, small ? 1000 : 60000, 1,
                      &pay_window) != DD_SKETCH_OK ||
        dd_window_new(&specs[1], 1, 2, 1000, 1, &click_window) != DD_SKETCH_OK ||
        dd_sketch_set_new(specs, 2, 1, &ref) != DD_SKETCH_OK)
        abort();
    if (strcmp(mode, "fresh-window") == 0) {
        const int rc = write_window(path, click_window);
        dd_window_destroy(pay_window);
        dd_window_destroy(click_window);
        dd_sketch_set_destroy(ref);
        return rc;
    }
    /* 240 records one second apart from a minute boundary: 4 panes of 60 s, all live. */
    const int64_t base = (int64_t)29833333 * 60000;
    for (int64_t i = 0; i < (small ? 6 : 240); i++) {
        dd_sketch_set_t *pane = dd_window_pane_for(pay_window, small ? i * 300 : base + i * 1000);
        if (small) {
            const double v = (double)i;
            dd_sketch_set_update_numeric(pane, 0, &v, NULL, 1);
            dd_sketch_set_add_rows(pane, 1);
        } else {
            add(pane, (double)(i % 10), (uint64_t)(i % 3));
        }
    }
    for (int i = 0; i < 100; i++)
        add(ref, (double)(i % 5), (uint64_t)(i % 2));

    int rc = 0;
    if (strcmp(mode, "window") == 0) {
        rc = write_window(path, pay_window);
    } else {
        dd_ckpt_stream_t streams[2];
        memset(streams, 0, sizeof streams);
        streams[0] = (dd_ckpt_stream_t){
            .name = "payments",
            .n_fields = small ? 1 : 2,
            .field_paths = pay_paths,
            .kinds = pay_kinds,
            .window = pay_window,
            .reference = small ? NULL : ref,
            .reference_time_ms = 1789999000000,
            .opaque = opaque,
            .opaque_len = sizeof opaque,
        };
        const uint64_t counters[5] = {240, 3, 1, 2, 1};
        memcpy(streams[0].counters, counters, sizeof counters);
        streams[1] = (dd_ckpt_stream_t){
            .name = "clicks",
            .n_fields = 1,
            .field_paths = click_paths,
            .kinds = click_kinds,
            .window = click_window,
        };
        const dd_ckpt_offset_t offsets[2] = {{"features", 0, 100}, {"features", 1, 200}};
        dd_ckpt_contents_t c = {
            .kind = DD_CKPT_STATE,
            .created_ms = 1790000000000,
            .instance = "ckpt_writer",
            .offsets = offsets,
            .n_offsets = small ? 1 : 2,
            .streams = streams,
            .n_streams = small ? 1 : 2,
        };
        if (strcmp(mode, "snapshot") == 0) {
            c.kind = DD_CKPT_SNAPSHOT;
            c.n_offsets = 0;
            c.n_streams = 1;
            streams[0].window = NULL;
            streams[0].opaque = NULL;
            streams[0].opaque_len = 0;
        } else if (!small && strcmp(mode, "state") != 0) {
            fprintf(stderr, "ckpt_writer: unknown mode %s\n", mode);
            rc = 2;
        }
        char err[512];
        if (rc == 0 && dd_ckpt_write(path, &c, err, sizeof err) != 0) {
            fprintf(stderr, "ckpt_writer: %s\n", err);
            rc = 1;
        }
    }
    dd_window_destroy(pay_window);
    dd_window_destroy(click_window);
    dd_sketch_set_destroy(ref);
    return rc;
}
