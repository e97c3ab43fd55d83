/* test_checkpoint.c — the state file and snapshot format (engine/state/, docs/state.md).
 *
 * - a state with 3 streams (numeric and categorical fields, data in several panes, references,
 *   offsets, opaque bytes, a stream without window) decodes to the same contents and encodes
 *   back to the same bytes; the restored windows have the same rows and merge to the same
 *   sketches; windows and references can be taken out and outlive the loaded file;
 * - a snapshot round-trips; a snapshot with a window or offsets is refused at encoding;
 * - every truncation and random bit flips of a small file give a clean error naming the file and
 *   a byte offset (checksum or structure), never a crash or leak (ASan/LSan builds);
 * - structure errors behind a valid checksum are found and located: counts beyond the bounds,
 *   unknown flags and kinds, duplicate streams, a stream's fields that differ from its window's;
 * - bounds are enforced when writing: too many streams, too many fields, an over-long name;
 * - writing is atomic: the new file replaces the old one with mode 0600 and no PATH.tmp left; a
 *   leftover PATH.tmp from a crash is overwritten; when the write fails (PATH.tmp cannot be
 *   created; the directory is read-only, when not running as root) the old file stays intact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "checkpoint.h"

static const double edges[] = {-1.0, 0.0, 1.0, 2.0};

static uint64_t mix(uint64_t x) {
    uint64_t z = x + 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Adds rows [from, to) to set: every numeric field gets (i % 37) / 9 − 1, every categorical one
 * hash i % 11, with every 13th value null. */
static void feed(dd_sketch_set_t *set, uint64_t from, uint64_t to) {
    for (uint64_t i = from; i < to; i++) {
        const uint8_t null = (i % 13 == 0) ? 1 : 0;
        for (size_t f = 0; f < dd_sketch_set_fields(set); f++) {
            if (dd_sketch_set_kind(set, f) == DD_FIELD_NUMERIC) {
                const double v = (double)(i % 37) / 9.0 - 1.0;
                assert_int_equal(dd_sketch_set_update_numeric(set, f, &v, &null, 1), DD_SKETCH_OK);
            } else {
                const uint64_t h = mix(i % 11);
                assert_int_equal(dd_sketch_set_update_categorical(set, f, &h, &null, 1),
                                 DD_SKETCH_OK);
            }
        }
        dd_sketch_set_add_rows(set, 1);
    }
}

typedef struct fixture {
    dd_window_t *windows[3];
    dd_sketch_set_t *refs[3];
    dd_ckpt_stream_t streams[3];
    dd_ckpt_offset_t offsets[3];
    dd_ckpt_contents_t c;
} fixture_t;

static const char *const paths0[] = {"amount", "country"};
static const dd_field_kind_t kinds0[] = {DD_FIELD_NUMERIC, DD_FIELD_CATEGORICAL};
static const char *const paths1[] = {"device.os"};
static const dd_field_kind_t kinds1[] = {DD_FIELD_CATEGORICAL};
static const char *const paths2[] = {"score", "latency_ms", "label"};
static const dd_field_kind_t kinds2[] = {DD_FIELD_NUMERIC, DD_FIELD_NUMERIC, DD_FIELD_CATEGORICAL};
static const uint8_t opaque0[] = {1, 2, 3, 0, 255, 7};

static void specs_for(const dd_field_kind_t *kinds, size_t n, dd_field_spec_t *specs) {
    memset(specs, 0, n * sizeof(*specs));
    for (size_t f = 0; f < n; f++) {
        specs[f].kind = kinds[f];
        if (kinds[f] == DD_FIELD_NUMERIC) {
            specs[f].kll_k = 16;
            if (f == 0) {
                specs[f].edges = edges;
                specs[f].n_edges = 4;
            }
        } else {
            specs[f].hll_p = 8;
            specs[f].frequent_capacity = 8;
        }
    }
}

/* A state file's contents: stream 0 has a window with data in several panes, a reference and
 * opaque bytes; stream 1 a window only; stream 2 no window and a reference. */
static void fixture_build(fixture_t *fx, dd_ckpt_kind_t kind) {
    memset(fx, 0, sizeof *fx);
    const char *const *paths[3] = {paths0, paths1, paths2};
    const dd_field_kind_t *kinds[3] = {kinds0, kinds1, kinds2};
    const size_t nf[3] = {2, 1, 3};
    const char *names[3] = {"payments", "clicks", "model.out"};
    for (int s = 0; s < 3; s++) {
        dd_field_spec_t specs[3];
        specs_for(kinds[s], nf[s], specs);
        if (kind == DD_CKPT_STATE && s < 2) {
            assert_int_equal(dd_window_new(specs, nf[s], 4, 1000, 5, &fx->windows[s]),
                             DD_SKETCH_OK);
            for (int64_t t = 0; t < 7000; t += 10 + s) {
                dd_sketch_set_t *p = dd_window_pane_for(fx->windows[s], t);
                assert_non_null(p);
                feed(p, (uint64_t)t, (uint64_t)t + 3);
            }
        }
        if (s != 1 || kind == DD_CKPT_SNAPSHOT) {
            assert_int_equal(dd_sketch_set_new(specs, nf[s], 5, &fx->refs[s]), DD_SKETCH_OK);
            feed(fx->refs[s], 100, 700 + 50 * (uint64_t)s);
        }
        fx->streams[s] = (dd_ckpt_stream_t){
            .name = names[s],
            .n_fields = nf[s],
            .field_paths = paths[s],
            .kinds = kinds[s],
            .window = fx->windows[s],
            .reference = fx->refs[s],
            .reference_time_ms = fx->refs[s] ? 1700000000000 + s : 0,
        };
        for (int k = 0; k < DD_CKPT_COUNTERS; k++)
            fx->streams[s].counters[k] = (uint64_t)(s * 100 + k);
    }
    fx->streams[0].opaque = opaque0;
    fx->streams[0].opaque_len = sizeof opaque0;
    fx->offsets[0] = (dd_ckpt_offset_t){"features", 0, 1234};
    fx->offsets[1] = (dd_ckpt_offset_t){"features", 1, 0};
    fx->offsets[2] = (dd_ckpt_offset_t){"predictions", 0, 99};
    fx->c = (dd_ckpt_contents_t){
        .kind = kind,
        .created_ms = 1790000000123,
        .instance = "driftd.yaml",
        .offsets = kind == DD_CKPT_STATE ? fx->offsets : NULL,
        .n_offsets = kind == DD_CKPT_STATE ? 3 : 0,
        .streams = fx->streams,
        .n_streams = 3,
    };
}

static void fixture_free(fixture_t *fx) {
    for (int s = 0; s < 3; s++) {
        dd_window_destroy(fx->windows[s]);
        dd_sketch_set_destroy(fx->refs[s]);
    }
}

static void assert_same_set_bytes(const dd_sketch_set_t *a, const dd_sketch_set_t *b) {
    const size_t na = dd_sketch_set_serialized_size(a), nb = dd_sketch_set_serialized_size(b);
    assert_int_equal(na, nb);
    uint8_t *x = malloc(na), *y = malloc(nb);
    assert_int_equal(dd_sketch_set_serialize(a, x, na, NULL), DD_SKETCH_OK);
    assert_int_equal(dd_sketch_set_serialize(b, y, nb, NULL), DD_SKETCH_OK);
    assert_memory_equal(x, y, na);
    free(x);
    free(y);
}

static void assert_windows_merge_alike(const dd_window_t *a, const dd_window_t *b) {
    assert_int_equal(dd_window_rows(a), dd_window_rows(b));
    assert_int_equal(dd_window_start_ms(a), dd_window_start_ms(b));
    assert_int_equal(dd_window_end_ms(a), dd_window_end_ms(b));
    dd_sketch_set_t *ma, *mb;
    assert_int_equal(dd_window_new_set(a, &ma), DD_SKETCH_OK);
    assert_int_equal(dd_window_new_set(b, &mb), DD_SKETCH_OK);
    assert_int_equal(dd_window_merge_live(a, ma), DD_SKETCH_OK);
    assert_int_equal(dd_window_merge_live(b, mb), DD_SKETCH_OK);
    assert_same_set_bytes(ma, mb);
    dd_sketch_set_destroy(ma);
    dd_sketch_set_destroy(mb);
}

static void test_state_roundtrip(void **state) {
    (void)state;
    fixture_t fx;
    fixture_build(&fx, DD_CKPT_STATE);
    uint8_t *bytes = NULL, *again = NULL;
    size_t len = 0, len2 = 0;
    char err[512] = "";
    assert_int_equal(dd_ckpt_encode(&fx.c, &bytes, &len, err, sizeof err), 0);
    assert_memory_equal(bytes, "DRIFTDCK", 8);
    dd_ckpt_t *ck = NULL;
    assert_int_equal(dd_ckpt_decode(bytes, len, "mem", &ck, err, sizeof err), 0);
    const dd_ckpt_contents_t *c = dd_ckpt_contents(ck);
    assert_int_equal(c->kind, DD_CKPT_STATE);
    assert_int_equal(c->created_ms, 1790000000123);
    assert_string_equal(c->instance, "driftd.yaml");
    assert_int_equal(c->n_offsets, 3);
    assert_string_equal(c->offsets[2].topic, "predictions");
    assert_int_equal(c->offsets[1].partition, 1);
    assert_int_equal(c->offsets[0].offset, 1234);
    assert_int_equal(c->n_streams, 3);
    for (size_t s = 0; s < 3; s++) {
        const dd_ckpt_stream_t *a = &fx.streams[s], *b = &c->streams[s];
        assert_string_equal(a->name, b->name);
        assert_int_equal(a->n_fields, b->n_fields);
        for (size_t f = 0; f < a->n_fields; f++) {
            assert_string_equal(a->field_paths[f], b->field_paths[f]);
            assert_int_equal(a->kinds[f], b->kinds[f]);
        }
        assert_memory_equal(a->counters, b->counters, sizeof a->counters);
        assert_int_equal(a->reference_time_ms, b->reference_time_ms);
        assert_int_equal(a->window == NULL, b->window == NULL);
        assert_int_equal(a->reference == NULL, b->reference == NULL);
        if (a->window != NULL)
            assert_windows_merge_alike(a->window, b->window);
        if (a->reference != NULL)
            assert_same_set_bytes(a->reference, b->reference);
        assert_int_equal(a->opaque_len, b->opaque_len);
        if (a->opaque_len > 0)
            assert_memory_equal(a->opaque, b->opaque, a->opaque_len);
    }
    assert_true(dd_window_rows(c->streams[0].window) > 0);
    /* Decoded, then encoded again: the same bytes. */
    assert_int_equal(dd_ckpt_encode(c, &again, &len2, err, sizeof err), 0);
    assert_int_equal(len, len2);
    assert_memory_equal(bytes, again, len);
    free(again);
    /* Taken objects outlive the loaded file; taking twice gives NULL. */
    dd_window_t *w = dd_ckpt_take_window(ck, 0);
    dd_sketch_set_t *ref = dd_ckpt_take_reference(ck, 2);
    assert_non_null(w);
    assert_non_null(ref);
    assert_null(dd_ckpt_take_window(ck, 0));
    assert_null(dd_ckpt_contents(ck)->streams[0].window);
    assert_null(dd_ckpt_take_window(ck, 2));
    assert_null(dd_ckpt_take_window(ck, 3));
    dd_ckpt_free(ck);
    assert_windows_merge_alike(fx.windows[0], w);
    /* The restored window goes on exactly as the original. */
    for (int64_t t = 6500; t < 9000; t += 7) {
        dd_sketch_set_t *pa = dd_window_pane_for(fx.windows[0], t), *pb = dd_window_pane_for(w, t);
        assert_true((pa == NULL) == (pb == NULL));
        if (pa != NULL) {
            feed(pa, (uint64_t)t, (uint64_t)t + 1);
            feed(pb, (uint64_t)t, (uint64_t)t + 1);
        }
    }
    assert_windows_merge_alike(fx.windows[0], w);
    assert_same_set_bytes(fx.refs[2], ref);
    dd_window_destroy(w);
    dd_sketch_set_destroy(ref);
    free(bytes);
    dd_ckpt_free(NULL);
    fixture_free(&fx);
}

static void test_snapshot(void **state) {
    (void)state;
    fixture_t fx;
    fixture_build(&fx, DD_CKPT_SNAPSHOT);
    fx.c.instance = NULL;
    uint8_t *bytes = NULL, *again = NULL;
    size_t len = 0, len2 = 0;
    char err[512] = "";
    assert_int_equal(dd_ckpt_encode(&fx.c, &bytes, &len, err, sizeof err), 0);
    dd_ckpt_t *ck = NULL;
    assert_int_equal(dd_ckpt_decode(bytes, len, "snap", &ck, err, sizeof err), 0);
    const dd_ckpt_contents_t *c = dd_ckpt_contents(ck);
    assert_int_equal(c->kind, DD_CKPT_SNAPSHOT);
    assert_null(c->instance);
    assert_int_equal(c->n_offsets, 0);
    for (size_t s = 0; s < 3; s++) {
        assert_null(c->streams[s].window);
        assert_non_null(c->streams[s].reference);
        assert_same_set_bytes(fx.refs[s], c->streams[s].reference);
    }
    assert_int_equal(dd_ckpt_encode(c, &again, &len2, err, sizeof err), 0);
    assert_int_equal(len, len2);
    assert_memory_equal(bytes, again, len);
    free(again);
    dd_ckpt_free(ck);
    free(bytes);
    /* A snapshot has neither offsets nor windows. */
    fx.c.offsets = fx.offsets;
    fx.c.n_offsets = 1;
    assert_int_equal(dd_ckpt_encode(&fx.c, &bytes, &len, err, sizeof err), -1);
    assert_null(bytes);
    fx.c.n_offsets = 0;
    dd_field_spec_t specs[2];
    specs_for(kinds0, 2, specs);
    dd_window_t *w;
    assert_int_equal(dd_window_new(specs, 2, 2, 1000, 5, &w), DD_SKETCH_OK);
    fx.streams[0].window = w;
    assert_int_equal(dd_ckpt_encode(&fx.c, &bytes, &len, err, sizeof err), -1);
    assert_non_null(strstr(err, "snapshot"));
    dd_window_destroy(w);
    fixture_free(&fx);
}

/* A small state file: one stream, one field, a window of 2 panes and a reference. */
static uint8_t *small_file(size_t *len) {
    dd_field_spec_t spec = {DD_FIELD_NUMERIC, NULL, 0, 8, 0, 0, 0};
    dd_window_t *w;
    dd_sketch_set_t *ref;
    assert_int_equal(dd_window_new(&spec, 1, 2, 1000, 1, &w), DD_SKETCH_OK);
    feed(dd_window_pane_for(w, 500), 0, 20);
    feed(dd_window_pane_for(w, 1500), 20, 30);
    assert_int_equal(dd_sketch_set_new(&spec, 1, 1, &ref), DD_SKETCH_OK);
    feed(ref, 0, 5);
    static const char *const path[] = {"x"};
    static const dd_field_kind_t kind[] = {DD_FIELD_NUMERIC};
    static const uint8_t op[] = {9, 9};
    dd_ckpt_stream_t s = {.name = "s", .n_fields = 1, .field_paths = path, .kinds = kind,
                          .window = w, .reference = ref, .opaque = op, .opaque_len = 2};
    dd_ckpt_offset_t o = {"t", 0, 5};
    dd_ckpt_contents_t c = {DD_CKPT_STATE, 1, "i", &o, 1, &s, 1};
    uint8_t *bytes = NULL;
    char err[256];
    assert_int_equal(dd_ckpt_encode(&c, &bytes, len, err, sizeof err), 0);
    dd_window_destroy(w);
    dd_sketch_set_destroy(ref);
    return bytes;
}

static void assert_decode_fails(const uint8_t *bytes, size_t len, const char *want) {
    dd_ckpt_t *ck = (dd_ckpt_t *)1;
    char err[512] = "";
    assert_int_equal(dd_ckpt_decode(bytes, len, "f.state", &ck, err, sizeof err), -1);
    assert_null(ck);
    if (strncmp(err, "f.state: offset ", 16) != 0 || (want != NULL && strstr(err, want) == NULL))
        fail_msg("unexpected error text: '%s' (wanted '%s')", err, want ? want : "");
}

static void test_truncations_and_flips(void **state) {
    (void)state;
    size_t len;
    uint8_t *bytes = small_file(&len);
    assert_true(len < 4096);
    for (size_t cut = 0; cut < len; cut++) {
        uint8_t *exact = malloc(cut > 0 ? cut : 1); /* ASan sees any read past the cut */
        memcpy(exact, bytes, cut);
        assert_decode_fails(exact, cut, NULL);
        free(exact);
    }
    uint64_t rng = 42;
    for (int trial = 0; trial < 4000; trial++) {
        rng = mix(rng);
        const size_t at = (size_t)(rng % len);
        const uint8_t bit = (uint8_t)(1u << ((rng >> 32) % 8));
        bytes[at] ^= bit;
        assert_decode_fails(bytes, len, NULL);
        bytes[at] ^= bit;
    }
    /* Two flips in one trial, anywhere. */
    for (int trial = 0; trial < 1000; trial++) {
        rng = mix(rng);
        const size_t a = (size_t)(rng % len), b = (size_t)((rng >> 20) % len);
        bytes[a] ^= 0x10;
        bytes[b] ^= 0x01;
        if (a != b || 0x11 != 0)
            assert_decode_fails(bytes, len, NULL);
        bytes[a] ^= 0x10;
        bytes[b] ^= 0x01;
    }
    free(bytes);
}

/* Re-seals an edited file: its length field and checksum. */
static void reseal(uint8_t *bytes, size_t len) {
    for (int i = 0; i < 8; i++)
        bytes[16 + i] = (uint8_t)((uint64_t)len >> (8 * i));
    const uint64_t h = XXH64(bytes, len - 8, 0);
    for (int i = 0; i < 8; i++)
        bytes[len - 8 + (size_t)i] = (uint8_t)(h >> (8 * i));
}

static void put32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void test_structure_errors(void **state) {
    (void)state;
    size_t len;
    uint8_t *bytes = small_file(&len);
    uint8_t *copy = malloc(len + 16);
    /* Layout of the small file: header 32 bytes; instance u32 1 + "i" (32..36); n_offsets at 37;
     * topic u32 1 + "t" at 41; partition at 46; offset at 50; n_streams at 58; name at 62 (u32
     * 1 + "s"); flags at 67; n_fields at 71; path at 75 (u32 1 + "x"); kind at 80. */
    struct {
        size_t at;
        uint32_t value;
        int width;
        const char *want;
    } edits[] = {
        {8, 2, 4, "format version 2"},
        {12, 3, 4, "unknown kind 3"},
        {12, DD_CKPT_SNAPSHOT, 4, "offset 37: 1 offsets"},
        {37, DD_CKPT_OFFSETS_MAX + 1, 4, "offset 37: 100001 offsets"},
        {37, 5000, 4, "cannot fit"},
        {41, 0, 4, "offset 41: topic name: length 0"},
        {41, 300, 4, "offset 41: topic name: length 300"},
        {46, 0xffffffffu, 4, "offset 46: topic t: partition -1 is negative"},
        {58, DD_CKPT_STREAMS_MAX + 1, 4, "offset 58: 100001 streams"},
        {58, 20, 4, "offset 58: 20 streams cannot fit"},
        {62, 0, 4, "offset 62: stream name"},
        {67, 4, 4, "offset 67: stream s: unknown flags 0x4"},
        {71, DD_CKPT_FIELDS_MAX + 1, 4, "offset 71: stream s: 10001 fields"},
        {71, 0, 4, "offset 71: stream s: 0 fields"},
        {80, 2, 1, "its fields differ from the stream's"},
        {80, 7, 1, "offset 80: stream s: field x: unknown kind 7"},
        {79, 0, 1, "offset 79: field path: contains a NUL byte"},
    };
    for (size_t e = 0; e < sizeof(edits) / sizeof(edits[0]); e++) {
        memcpy(copy, bytes, len);
        if (edits[e].width == 4)
            put32(copy + edits[e].at, edits[e].value);
        else
            copy[edits[e].at] = (uint8_t)edits[e].value;
        reseal(copy, len);
        assert_decode_fails(copy, len, edits[e].want);
    }
    /* Length field: truncated or trailing bytes, named as such. */
    memcpy(copy, bytes, len);
    assert_decode_fails(copy, len - 1, "truncated");
    memcpy(copy, bytes, len);
    copy[len] = 0;
    assert_decode_fails(copy, len + 1, "trailing bytes");
    /* Checksum. */
    memcpy(copy, bytes, len);
    copy[len - 1] ^= 1;
    assert_decode_fails(copy, len, "checksum mismatch");
    /* Not a state file at all. */
    assert_decode_fails((const uint8_t *)"hello", 5, "offset 0: not a driftd state file");
    /* The window blob's bytes are checked by the window's own reader. */
    memcpy(copy, bytes, len);
    copy[len - 8 - 8 - 2 - 30] ^= 0x40; /* inside the reference blob, near its end */
    reseal(copy, len);
    assert_decode_fails(copy, len, "stream s: reference");
    free(copy);
    free(bytes);
}

static uint8_t *find(uint8_t *hay, size_t n, const char *needle) {
    const size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(hay + i, needle, k) == 0)
            return hay + i;
    return NULL;
}

static void test_duplicates(void **state) {
    (void)state;
    fixture_t fx;
    fixture_build(&fx, DD_CKPT_STATE);
    uint8_t *bytes = NULL;
    size_t len;
    char err[512];
    /* The writer refuses repeated names... */
    fx.streams[1].name = "payments";
    assert_int_equal(dd_ckpt_encode(&fx.c, &bytes, &len, err, sizeof err), -1);
    assert_non_null(strstr(err, "stream payments appears twice"));
    fx.offsets[1].partition = 0;
    fx.streams[1].name = "clicks";
    assert_int_equal(dd_ckpt_encode(&fx.c, &bytes, &len, err, sizeof err), -1);
    assert_non_null(strstr(err, "topic features [0] appears twice"));
    fx.offsets[1].partition = 1;
    static const char *const twice[] = {"score", "score", "label"};
    fx.streams[2].field_paths = twice;
    assert_int_equal(dd_ckpt_encode(&fx.c, &bytes, &len, err, sizeof err), -1);
    assert_non_null(strstr(err, "field score appears twice"));
    fx.streams[2].field_paths = paths2;
    /* ...and the reader finds them in a file edited behind a valid checksum. */
    fx.streams[1].name = "paymentz";
    assert_int_equal(dd_ckpt_encode(&fx.c, &bytes, &len, err, sizeof err), 0);
    uint8_t *z = find(bytes, len, "paymentz");
    assert_non_null(z);
    z[7] = 's';
    reseal(bytes, len);
    assert_decode_fails(bytes, len, "stream payments appears twice");
    z[7] = 'z';
    /* Partition 1 of "features" becomes 0: the second "features" is followed by it. */
    uint8_t *first = find(bytes, len, "features");
    uint8_t *second = find(first + 8, len - (size_t)(first + 8 - bytes), "features");
    assert_non_null(second);
    assert_int_equal(second[8], 1);
    second[8] = 0;
    reseal(bytes, len);
    assert_decode_fails(bytes, len, "topic features [0] appears twice");
    free(bytes);
    fixture_free(&fx);
}

static void test_bounds_on_write(void **state) {
    (void)state;
    fixture_t fx;
    fixture_build(&fx, DD_CKPT_STATE);
    uint8_t *bytes = NULL;
    size_t len;
    char err[512] = "";
    dd_ckpt_stream_t *many = calloc(DD_CKPT_STREAMS_MAX + 1, sizeof(*many));
    for (size_t i = 0; i <= DD_CKPT_STREAMS_MAX; i++)
        many[i] = fx.streams[2];
    dd_ckpt_contents_t c = fx.c;
    c.streams = many;
    c.n_streams = DD_CKPT_STREAMS_MAX + 1;
    assert_int_equal(dd_ckpt_encode(&c, &bytes, &len, err, sizeof err), -1);
    assert_non_null(strstr(err, "100001 streams"));
    free(many);
    /* Too many fields. */
    const char **paths = calloc(DD_CKPT_FIELDS_MAX + 1, sizeof(char *));
    dd_field_kind_t *kinds = calloc(DD_CKPT_FIELDS_MAX + 1, sizeof(*kinds));
    for (size_t i = 0; i <= DD_CKPT_FIELDS_MAX; i++) {
        paths[i] = "f";
        kinds[i] = DD_FIELD_NUMERIC;
    }
    dd_ckpt_stream_t wide = {.name = "wide", .n_fields = DD_CKPT_FIELDS_MAX + 1,
                             .field_paths = paths, .kinds = kinds};
    c = fx.c;
    c.streams = &wide;
    c.n_streams = 1;
    assert_int_equal(dd_ckpt_encode(&c, &bytes, &len, err, sizeof err), -1);
    assert_non_null(strstr(err, "10001 fields"));
    free(paths);
    free(kinds);
    /* An over-long name, and an empty one. */
    char long_name[DD_CKPT_NAME_BYTES_MAX + 2];
    memset(long_name, 'n', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    fx.streams[1].name = long_name;
    assert_int_equal(dd_ckpt_encode(&fx.c, &bytes, &len, err, sizeof err), -1);
    assert_non_null(strstr(err, "stream 1: the name"));
    long_name[DD_CKPT_NAME_BYTES_MAX] = '\0'; /* exactly the limit is fine */
    assert_int_equal(dd_ckpt_encode(&fx.c, &bytes, &len, err, sizeof err), 0);
    free(bytes);
    fx.streams[1].name = "";
    assert_int_equal(dd_ckpt_encode(&fx.c, &bytes, &len, err, sizeof err), -1);
    fx.streams[1].name = "clicks";
    /* A topic name too long, a negative offset. */
    fx.offsets[0].topic = long_name;
    long_name[DD_CKPT_NAME_BYTES_MAX] = 'n';
    assert_int_equal(dd_ckpt_encode(&fx.c, &bytes, &len, err, sizeof err), -1);
    fx.offsets[0].topic = "features";
    fx.offsets[0].offset = -1;
    assert_int_equal(dd_ckpt_encode(&fx.c, &bytes, &len, err, sizeof err), -1);
    fx.offsets[0].offset = 0;
    /* Field kinds that differ from the window's. */
    static const dd_field_kind_t wrong[] = {DD_FIELD_CATEGORICAL, DD_FIELD_CATEGORICAL};
    fx.streams[0].kinds = wrong;
    assert_int_equal(dd_ckpt_encode(&fx.c, &bytes, &len, err, sizeof err), -1);
    assert_non_null(strstr(err, "payments"));
    fx.streams[0].kinds = kinds0;
    /* Opaque length without bytes. */
    fx.streams[1].opaque_len = 3;
    assert_int_equal(dd_ckpt_encode(&fx.c, &bytes, &len, err, sizeof err), -1);
    fixture_free(&fx);
}

static char *read_whole(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = malloc(1 << 20);
    *len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

static void test_atomic_write(void **state) {
    (void)state;
    char dir[] = "/tmp/dd_ckpt_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256], tmp[300];
    snprintf(path, sizeof path, "%s/driftd.state", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    fixture_t fx;
    fixture_build(&fx, DD_CKPT_STATE);
    char err[512] = "";
    /* A leftover PATH.tmp from a crash is overwritten, not appended to. */
    FILE *junk = fopen(tmp, "wb");
    assert_non_null(junk);
    for (int i = 0; i < 100000; i++)
        fputc('j', junk);
    fclose(junk);
    assert_int_equal(dd_ckpt_write(path, &fx.c, err, sizeof err), 0);
    assert_int_equal(access(tmp, F_OK), -1);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    dd_ckpt_t *ck = NULL;
    assert_int_equal(dd_ckpt_read(path, &ck, err, sizeof err), 0);
    assert_int_equal(dd_ckpt_contents(ck)->n_streams, 3);
    dd_ckpt_free(ck);
    size_t old_len;
    char *old = read_whole(path, &old_len);

    /* A second write replaces it. */
    fx.c.created_ms = 42;
    assert_int_equal(dd_ckpt_write(path, &fx.c, err, sizeof err), 0);
    assert_int_equal(dd_ckpt_read(path, &ck, err, sizeof err), 0);
    assert_int_equal(dd_ckpt_contents(ck)->created_ms, 42);
    dd_ckpt_free(ck);
    assert_int_equal(access(tmp, F_OK), -1);
    free(old);
    old = read_whole(path, &old_len);

    /* Failure: PATH.tmp cannot be created (a directory stands there). The old file stays. */
    assert_int_equal(mkdir(tmp, 0700), 0);
    fx.c.created_ms = 43;
    assert_int_equal(dd_ckpt_write(path, &fx.c, err, sizeof err), -1);
    assert_non_null(strstr(err, path));
    size_t now_len;
    char *now = read_whole(path, &now_len);
    assert_int_equal(now_len, old_len);
    assert_memory_equal(now, old, old_len);
    free(now);
    assert_int_equal(rmdir(tmp), 0);

    /* Failure: invalid contents. Nothing is written. */
    fx.c.kind = (dd_ckpt_kind_t)9;
    assert_int_equal(dd_ckpt_write(path, &fx.c, err, sizeof err), -1);
    assert_int_equal(access(tmp, F_OK), -1);
    fx.c.kind = DD_CKPT_STATE;

    /* Failure: the directory is read-only. Root writes anyway, so only check it otherwise. */
    if (geteuid() != 0) {
        assert_int_equal(chmod(dir, 0500), 0);
        assert_int_equal(dd_ckpt_write(path, &fx.c, err, sizeof err), -1);
        assert_non_null(strstr(err, "open"));
        assert_int_equal(chmod(dir, 0700), 0);
        now = read_whole(path, &now_len);
        assert_int_equal(now_len, old_len);
        assert_memory_equal(now, old, old_len);
        free(now);
        assert_int_equal(access(tmp, F_OK), -1);
    }
    free(old);

    /* Reading: missing file, a directory. */
    snprintf(tmp, sizeof tmp, "%s/missing", dir);
    assert_int_equal(dd_ckpt_read(tmp, &ck, err, sizeof err), -1);
    assert_non_null(strstr(err, strerror(ENOENT)));
    assert_int_equal(dd_ckpt_read(dir, &ck, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a regular file"));
    /* A file that is not a state file names itself and offset 0. */
    FILE *f = fopen(path, "wb");
    fputs("DRIFTDC", f);
    fclose(f);
    assert_int_equal(dd_ckpt_read(path, &ck, err, sizeof err), -1);
    assert_non_null(strstr(err, "driftd.state: offset 0:"));
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
    fixture_free(&fx);
}

/* Memory: a file of a few kilobytes whose sketches decode to far more (a category sketch of the
 * largest capacity and a HyperLogLog of the largest p, both empty) reads back within the default
 * budget, fails with TOO_LARGE and a message saying so under a smaller one set by the caller,
 * and reads back again once the caller's budget covers it; the budget is the caller's to clear. */
static void test_decode_memory_budget(void **state) {
    (void)state;
    dd_field_spec_t spec = {DD_FIELD_CATEGORICAL, NULL, 0, 0, DD_HLL_P_MAX,
                            DD_FREQUENT_CAPACITY_MAX, 0};
    dd_window_t *w;
    assert_int_equal(dd_window_new(&spec, 1, 3, 1000, 1, &w), DD_SKETCH_OK);
    static const char *const path[] = {"c"};
    static const dd_field_kind_t kind[] = {DD_FIELD_CATEGORICAL};
    dd_ckpt_stream_t st = {.name = "s", .n_fields = 1, .field_paths = path, .kinds = kind,
                           .window = w};
    dd_ckpt_contents_t c = {DD_CKPT_STATE, 1, "i", NULL, 0, &st, 1};
    uint8_t *bytes = NULL;
    size_t len = 0;
    char err[512];
    assert_int_equal(dd_ckpt_encode(&c, &bytes, &len, err, sizeof err), 0);
    dd_sketch_set_t *set;
    assert_int_equal(dd_window_new_set(w, &set), DD_SKETCH_OK);
    const uint64_t per_pane = dd_sketch_set_memory_bound(set);
    assert_true(len * 1000 < 3 * per_pane); /* the amplification this guards against */
    dd_sketch_set_destroy(set);
    dd_window_destroy(w);

    dd_ckpt_t *ck = NULL;
    assert_false(dd_sketch_decode_budget_active());
    assert_int_equal(dd_ckpt_decode(bytes, len, "f.state", &ck, err, sizeof err), 0);
    dd_ckpt_free(ck);
    assert_false(dd_sketch_decode_budget_active()); /* the default one is cleared again */

    dd_sketch_decode_budget_set(2 * per_pane); /* two of the three panes */
    ck = (dd_ckpt_t *)1;
    assert_int_equal(dd_ckpt_decode(bytes, len, "f.state", &ck, err, sizeof err), -1);
    assert_null(ck);
    if (strstr(err, "more memory than this reader allows") == NULL)
        fail_msg("unexpected error text: '%s'", err);
    assert_true(dd_sketch_decode_budget_active());
    dd_sketch_decode_budget_set(3 * per_pane);
    assert_int_equal(dd_ckpt_decode(bytes, len, "f.state", &ck, err, sizeof err), 0);
    dd_ckpt_free(ck);
    dd_sketch_decode_budget_clear();
    free(bytes);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_state_roundtrip),
        cmocka_unit_test(test_snapshot),
        cmocka_unit_test(test_truncations_and_flips),
        cmocka_unit_test(test_structure_errors),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_bounds_on_write),
        cmocka_unit_test(test_atomic_write),
        cmocka_unit_test(test_decode_memory_budget),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
