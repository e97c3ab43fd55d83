/* checkpoint_read.c — a bounds-checked reader for state files and snapshots, which are untrusted:
 * every length is checked against what is left of the file before use, every count against the
 * fewest bytes an item takes, sketches decode within the caller's memory budget, and every
 * failure names the byte offset. Format: docs/state.md. */
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

/* ---- reading -------------------------------------------------------------------------------- */

typedef struct owned_stream {
    char **paths;
    dd_field_kind_t *kinds;
    dd_window_t *window;
    dd_sketch_set_t *reference;
    uint8_t *opaque;
} owned_stream_t;

/* Strings live in chunks of one arena, freed together. */
typedef struct chunk {
    struct chunk *next;
    size_t used, cap;
    char data[];
} chunk_t;

struct dd_ckpt {
    dd_ckpt_contents_t c;
    dd_ckpt_offset_t *offsets;
    dd_ckpt_stream_t *streams;
    owned_stream_t *owned;
    size_t n_owned;
    chunk_t *strings;
};

typedef struct reader {
    const uint8_t *data;
    size_t pos, end;
    const char *name;
    char *errstr;
    size_t errstr_size;
    int failed;
} reader_t;

static void fail_at(reader_t *r, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail_at(reader_t *r, size_t at, const char *fmt, ...) {
    if (r->failed)
        return;
    r->failed = 1;
    if (r->errstr == NULL || r->errstr_size == 0)
        return;
    const int n = snprintf(r->errstr, r->errstr_size, "%s: offset %zu: ", r->name, at);
    if (n < 0 || (size_t)n >= r->errstr_size)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->errstr + n, r->errstr_size - (size_t)n, fmt, ap);
    va_end(ap);
}

static uint64_t get_le(reader_t *r, unsigned n, const char *what) {
    if (r->failed)
        return 0;
    if (r->end - r->pos < n) {
        fail_at(r, r->pos, "%s: the file ends (%zu bytes left, %u needed)", what, r->end - r->pos,
                n);
        return 0;
    }
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)r->data[r->pos + i] << (8 * i);
    r->pos += n;
    return v;
}

static char *arena_alloc(dd_ckpt_t *ck, size_t n) {
    chunk_t *c = ck->strings;
    if (c == NULL || c->cap - c->used < n) {
        const size_t cap = n > 65536 ? n : 65536;
        chunk_t *fresh = malloc(sizeof(chunk_t) + cap);
        if (fresh == NULL)
            return NULL;
        fresh->next = c;
        fresh->used = 0;
        fresh->cap = cap;
        ck->strings = c = fresh;
    }
    char *p = c->data + c->used;
    c->used += n;
    return p;
}

/* A u32-length string of min..max bytes without NUL; NULL with r->failed on error, NULL without
 * for an allowed empty string. */
static const char *get_string(reader_t *r, dd_ckpt_t *ck, size_t min, size_t max,
                              const char *what) {
    const size_t at = r->pos;
    const uint32_t n = (uint32_t)get_le(r, 4, what);
    if (r->failed)
        return NULL;
    if (n < min || n > max) {
        fail_at(r, at, "%s: length %u, expected %zu to %zu bytes", what, n, min, max);
        return NULL;
    }
    if (n > r->end - r->pos) {
        fail_at(r, at, "%s: length %u, but only %zu bytes left", what, n, r->end - r->pos);
        return NULL;
    }
    if (memchr(r->data + r->pos, 0, n) != NULL) {
        fail_at(r, r->pos, "%s: contains a NUL byte", what);
        return NULL;
    }
    if (n == 0)
        return NULL;
    char *s = arena_alloc(ck, (size_t)n + 1);
    if (s == NULL) {
        fail_at(r, at, "%s: out of memory", what);
        return NULL;
    }
    memcpy(s, r->data + r->pos, n);
    s[n] = '\0';
    r->pos += n;
    return s;
}

/* A u64-length blob; its bounds in *at, *n. */
static int get_blob(reader_t *r, size_t *at, size_t *n, const char *what) {
    const size_t len_at = r->pos;
    const uint64_t len = get_le(r, 8, what);
    if (r->failed)
        return -1;
    if (len > r->end - r->pos) {
        fail_at(r, len_at, "%s: length %" PRIu64 ", but only %zu bytes left", what, len,
                r->end - r->pos);
        return -1;
    }
    *at = r->pos;
    *n = (size_t)len;
    r->pos += (size_t)len;
    return 0;
}

static void read_offsets(reader_t *r, dd_ckpt_t *ck) {
    const size_t at = r->pos;
    const uint32_t n = (uint32_t)get_le(r, 4, "offset count");
    if (r->failed)
        return;
    if (n > DD_CKPT_OFFSETS_MAX || (n > 0 && ck->c.kind == DD_CKPT_SNAPSHOT)) {
        fail_at(r, at, "%u offsets (at most %u, none in a snapshot)", n, DD_CKPT_OFFSETS_MAX);
        return;
    }
    if (n > (r->end - r->pos) / OFFSET_MIN_BYTES) {
        fail_at(r, at, "%u offsets cannot fit in the %zu bytes left", n, r->end - r->pos);
        return;
    }
    ck->offsets = calloc((size_t)n + 1, sizeof(*ck->offsets));
    name_key_t *keys = calloc((size_t)n + 1, sizeof(*keys));
    size_t *where = calloc((size_t)n + 1, sizeof(*where));
    if (ck->offsets == NULL || keys == NULL || where == NULL) {
        fail_at(r, at, "out of memory for %u offsets", n);
        goto done;
    }
    for (uint32_t i = 0; i < n && !r->failed; i++) {
        dd_ckpt_offset_t *o = &ck->offsets[i];
        where[i] = r->pos;
        o->topic = get_string(r, ck, 1, DD_CKPT_NAME_BYTES_MAX, "topic name");
        const size_t part_at = r->pos;
        o->partition = (int32_t)(uint32_t)get_le(r, 4, "partition");
        const size_t off_at = r->pos;
        o->offset = (int64_t)get_le(r, 8, "offset");
        if (!r->failed && o->partition < 0)
            fail_at(r, part_at, "topic %s: partition %" PRId32 " is negative", o->topic,
                    o->partition);
        if (!r->failed && o->offset < 0)
            fail_at(r, off_at, "topic %s [%" PRId32 "]: offset %" PRId64 " is negative",
                    o->topic, o->partition, o->offset);
        keys[i] = (name_key_t){o->topic, o->partition, i};
    }
    if (r->failed)
        goto done;
    ck->c.offsets = ck->offsets;
    ck->c.n_offsets = n;
    const size_t dup = ckpt_find_duplicate(keys, n);
    if (dup != SIZE_MAX)
        fail_at(r, where[dup], "topic %s [%" PRId32 "] appears twice", ck->offsets[dup].topic,
                ck->offsets[dup].partition);
done:
    free(keys);
    free(where);
}

static void read_stream(reader_t *r, dd_ckpt_t *ck, size_t i) {
    dd_ckpt_stream_t *s = &ck->streams[i];
    owned_stream_t *o = &ck->owned[i];
    s->name = get_string(r, ck, 1, DD_CKPT_NAME_BYTES_MAX, "stream name");
    const size_t flags_at = r->pos;
    const uint32_t flags = (uint32_t)get_le(r, 4, "stream flags");
    if (r->failed)
        return;
    if ((flags & ~(uint32_t)FLAGS_KNOWN) != 0) {
        fail_at(r, flags_at, "stream %s: unknown flags 0x%x", s->name, flags);
        return;
    }
    if ((flags & FLAG_WINDOW) && ck->c.kind == DD_CKPT_SNAPSHOT) {
        fail_at(r, flags_at, "stream %s: a snapshot holds no window", s->name);
        return;
    }
    const size_t nf_at = r->pos;
    const uint32_t nf = (uint32_t)get_le(r, 4, "field count");
    if (r->failed)
        return;
    if (nf == 0 || nf > DD_CKPT_FIELDS_MAX) {
        fail_at(r, nf_at, "stream %s: %u fields, expected 1 to %u", s->name, nf,
                DD_CKPT_FIELDS_MAX);
        return;
    }
    if (nf > (r->end - r->pos) / FIELD_MIN_BYTES) {
        fail_at(r, nf_at, "stream %s: %u fields cannot fit in the %zu bytes left", s->name, nf,
                r->end - r->pos);
        return;
    }
    o->paths = calloc(nf, sizeof(char *));
    o->kinds = calloc(nf, sizeof(dd_field_kind_t));
    name_key_t *keys = calloc(nf, sizeof(*keys));
    size_t *where = calloc(nf, sizeof(*where));
    if (o->paths == NULL || o->kinds == NULL || keys == NULL || where == NULL) {
        fail_at(r, nf_at, "stream %s: out of memory for %u fields", s->name, nf);
        goto done;
    }
    for (uint32_t f = 0; f < nf && !r->failed; f++) {
        where[f] = r->pos;
        o->paths[f] = (char *)get_string(r, ck, 1, DD_CKPT_NAME_BYTES_MAX, "field path");
        const size_t kind_at = r->pos;
        const uint8_t kind = (uint8_t)get_le(r, 1, "field kind");
        if (!r->failed && kind != DD_FIELD_NUMERIC && kind != DD_FIELD_CATEGORICAL)
            fail_at(r, kind_at, "stream %s: field %s: unknown kind %u", s->name, o->paths[f],
                    kind);
        o->kinds[f] = (dd_field_kind_t)kind;
        keys[f] = (name_key_t){o->paths[f], 0, f};
    }
    if (r->failed)
        goto done;
    s->n_fields = nf;
    s->field_paths = (const char *const *)o->paths;
    s->kinds = o->kinds;
    const size_t dup = ckpt_find_duplicate(keys, nf);
    if (dup != SIZE_MAX) {
        fail_at(r, where[dup], "stream %s: field %s appears twice", s->name, o->paths[dup]);
        goto done;
    }
    s->reference_time_ms = (int64_t)get_le(r, 8, "reference time");
    for (int k = 0; k < DD_CKPT_COUNTERS; k++)
        s->counters[k] = get_le(r, 8, "counter");
    size_t at, n;
    if ((flags & FLAG_WINDOW) && get_blob(r, &at, &n, "window") == 0) {
        const dd_sketch_err_t err = dd_window_deserialize(r->data + at, n, &o->window);
        if (err != DD_SKETCH_OK)
            fail_at(r, at, "stream %s: window: %s%s", s->name, dd_sketch_strerror(err),
                    ckpt_budget_note(err));
        else if (dd_window_serialized_size(o->window) != n)
            fail_at(r, at, "stream %s: window: %zu bytes after its envelope", s->name,
                    n - dd_window_serialized_size(o->window));
        else {
            const int ok = ckpt_window_matches(o->window, s);
            if (ok != 1)
                fail_at(r, at, "stream %s: window: %s", s->name,
                        ok < 0 ? "out of memory" : "its fields differ from the stream's");
        }
        s->window = o->window;
    }
    if (!r->failed && (flags & FLAG_REFERENCE) && get_blob(r, &at, &n, "reference") == 0) {
        const dd_sketch_err_t err = dd_sketch_set_deserialize(r->data + at, n, &o->reference);
        if (err != DD_SKETCH_OK)
            fail_at(r, at, "stream %s: reference: %s%s", s->name, dd_sketch_strerror(err),
                    ckpt_budget_note(err));
        else if (dd_sketch_set_serialized_size(o->reference) != n)
            fail_at(r, at, "stream %s: reference: bytes after its envelope", s->name);
        else if (!ckpt_set_matches(o->reference, s))
            fail_at(r, at, "stream %s: reference: its fields differ from the stream's", s->name);
        s->reference = o->reference;
    }
    if (!r->failed && get_blob(r, &at, &n, "opaque bytes") == 0 && n > 0) {
        o->opaque = malloc(n);
        if (o->opaque == NULL) {
            fail_at(r, at, "stream %s: out of memory for %zu opaque bytes", s->name, n);
        } else {
            memcpy(o->opaque, r->data + at, n);
            s->opaque = o->opaque;
            s->opaque_len = n;
        }
    }
done:
    free(keys);
    free(where);
}

static void read_streams(reader_t *r, dd_ckpt_t *ck) {
    const size_t at = r->pos;
    const uint32_t n = (uint32_t)get_le(r, 4, "stream count");
    if (r->failed)
        return;
    if (n > DD_CKPT_STREAMS_MAX) {
        fail_at(r, at, "%u streams, at most %u", n, DD_CKPT_STREAMS_MAX);
        return;
    }
    if (n > (r->end - r->pos) / STREAM_MIN_BYTES) {
        fail_at(r, at, "%u streams cannot fit in the %zu bytes left", n, r->end - r->pos);
        return;
    }
    ck->streams = calloc((size_t)n + 1, sizeof(*ck->streams));
    ck->owned = calloc((size_t)n + 1, sizeof(*ck->owned));
    name_key_t *keys = calloc((size_t)n + 1, sizeof(*keys));
    size_t *where = calloc((size_t)n + 1, sizeof(*where));
    if (ck->streams == NULL || ck->owned == NULL || keys == NULL || where == NULL) {
        fail_at(r, at, "out of memory for %u streams", n);
        goto done;
    }
    ck->n_owned = n;
    ck->c.streams = ck->streams;
    for (uint32_t i = 0; i < n && !r->failed; i++) {
        where[i] = r->pos;
        read_stream(r, ck, i);
        keys[i] = (name_key_t){ck->streams[i].name, 0, i};
    }
    if (r->failed)
        goto done;
    ck->c.n_streams = n;
    const size_t dup = ckpt_find_duplicate(keys, n);
    if (dup != SIZE_MAX)
        fail_at(r, where[dup], "stream %s appears twice", ck->streams[dup].name);
done:
    free(keys);
    free(where);
}

void dd_ckpt_free(dd_ckpt_t *ck) {
    if (ck == NULL)
        return;
    for (size_t i = 0; ck->owned != NULL && i < ck->n_owned; i++) {
        free(ck->owned[i].paths);
        free(ck->owned[i].kinds);
        dd_window_destroy(ck->owned[i].window);
        dd_sketch_set_destroy(ck->owned[i].reference);
        free(ck->owned[i].opaque);
    }
    free(ck->owned);
    free(ck->streams);
    free(ck->offsets);
    while (ck->strings != NULL) {
        chunk_t *next = ck->strings->next;
        free(ck->strings);
        ck->strings = next;
    }
    free(ck);
}

static int decode(const uint8_t *data, size_t len, const char *name, dd_ckpt_t **out,
                  char *errstr, size_t errstr_size);

int dd_ckpt_decode(const uint8_t *data, size_t len, const char *name, dd_ckpt_t **out,
                   char *errstr, size_t errstr_size) {
    /* The sketches may decode to far more memory than the file's bytes: bounded by the
     * caller's budget, or by the default one. */
    if (dd_sketch_decode_budget_active())
        return decode(data, len, name, out, errstr, errstr_size);
    dd_sketch_decode_budget_set(DD_CKPT_MEMORY_DEFAULT);
    const int rc = decode(data, len, name, out, errstr, errstr_size);
    dd_sketch_decode_budget_clear();
    return rc;
}

static int decode(const uint8_t *data, size_t len, const char *name, dd_ckpt_t **out,
                  char *errstr, size_t errstr_size) {
    if (name == NULL)
        name = "(memory)";
    reader_t r = {data, 0, len, name, errstr, errstr_size, 0};
    if (out == NULL || (data == NULL && len > 0)) {
        ckpt_set_err(errstr, errstr_size, "%s: invalid argument", name);
        return -1;
    }
    *out = NULL;
    if (len < MAGIC_BYTES || memcmp(data, MAGIC, MAGIC_BYTES) != 0) {
        fail_at(&r, 0, "not a driftd state file or snapshot (no DRIFTDCK magic)");
        return -1;
    }
    r.pos = MAGIC_BYTES;
    const uint32_t version = (uint32_t)get_le(&r, 4, "format version");
    if (!r.failed && version != DD_CKPT_VERSION)
        fail_at(&r, 8, "format version %u, this build reads version %u", version,
                DD_CKPT_VERSION);
    const uint32_t kind = (uint32_t)get_le(&r, 4, "kind");
    if (!r.failed && kind != DD_CKPT_STATE && kind != DD_CKPT_SNAPSHOT)
        fail_at(&r, 12, "unknown kind %u (1 state, 2 snapshot)", kind);
    const uint64_t total = get_le(&r, 8, "file length");
    if (!r.failed && total != len)
        fail_at(&r, 16, "the header says %" PRIu64 " bytes but there are %zu (%s)", total, len,
                total > len ? "truncated" : "trailing bytes");
    if (!r.failed && len < HEADER_BYTES + CHECKSUM_BYTES)
        fail_at(&r, len, "too short for a header and checksum");
    if (r.failed)
        return -1;
    /* The checksum first: a damaged file is reported as damaged, not by its first odd value. */
    reader_t sum = {data, len - CHECKSUM_BYTES, len, name, NULL, 0, 0};
    const uint64_t want = get_le(&sum, 8, "checksum");
    if (want != XXH64(data, len - CHECKSUM_BYTES, 0)) {
        fail_at(&r, len - CHECKSUM_BYTES, "checksum mismatch (the file is damaged)");
        return -1;
    }
    r.end = len - CHECKSUM_BYTES;
    dd_ckpt_t *ck = calloc(1, sizeof(*ck));
    if (ck == NULL) {
        fail_at(&r, 0, "out of memory");
        return -1;
    }
    ck->c.kind = (dd_ckpt_kind_t)kind;
    ck->c.created_ms = (int64_t)get_le(&r, 8, "creation time");
    ck->c.instance = get_string(&r, ck, 0, DD_CKPT_INSTANCE_BYTES_MAX, "instance name");
    read_offsets(&r, ck);
    read_streams(&r, ck);
    if (!r.failed && r.pos != r.end)
        fail_at(&r, r.pos, "%zu unexpected bytes before the checksum", r.end - r.pos);
    if (r.failed) {
        dd_ckpt_free(ck);
        return -1;
    }
    *out = ck;
    return 0;
}

int dd_ckpt_read(const char *path, dd_ckpt_t **out, char *errstr, size_t errstr_size) {
    if (path == NULL || out == NULL) {
        ckpt_set_err(errstr, errstr_size, "invalid argument");
        return -1;
    }
    *out = NULL;
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        ckpt_set_err(errstr, errstr_size, "%s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        ckpt_set_err(errstr, errstr_size, "%s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        ckpt_set_err(errstr, errstr_size, "%s: not a regular file", path);
        close(fd);
        return -1;
    }
    if (st.st_size < 0 || (uint64_t)st.st_size > DD_CKPT_BYTES_MAX ||
        (uint64_t)st.st_size > SIZE_MAX - 1) {
        ckpt_set_err(errstr, errstr_size, "%s: %jd bytes, more than a state file may have (%" PRIu64
                ")", path, (intmax_t)st.st_size, DD_CKPT_BYTES_MAX);
        close(fd);
        return -1;
    }
    const size_t size = (size_t)st.st_size;
    /* One byte more than fstat said, to notice a file that grew while being read. */
    uint8_t *buf = malloc(size + 1);
    if (buf == NULL) {
        ckpt_set_err(errstr, errstr_size, "%s: out of memory (%zu bytes)", path, size);
        close(fd);
        return -1;
    }
    size_t got = 0;
    while (got < size + 1) {
        const size_t want = size + 1 - got < ((size_t)1 << 30) ? size + 1 - got : ((size_t)1 << 30);
        const ssize_t k = read(fd, buf + got, want);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            ckpt_set_err(errstr, errstr_size, "%s: read failed at byte %zu (%s)", path, got,
                    strerror(errno));
            free(buf);
            close(fd);
            return -1;
        }
        if (k == 0)
            break;
        got += (size_t)k;
    }
    close(fd);
    if (got != size) {
        ckpt_set_err(errstr, errstr_size, "%s: the file changed size while being read (%zu bytes, "
                "then %zu%s)", path, size, got, got > size ? " or more" : "");
        free(buf);
        return -1;
    }
    const int rc = dd_ckpt_decode(buf, size, path, out, errstr, errstr_size);
    free(buf);
    return rc;
}

const dd_ckpt_contents_t *dd_ckpt_contents(const dd_ckpt_t *ck) {
    return ck == NULL ? NULL : &ck->c;
}

dd_window_t *dd_ckpt_take_window(dd_ckpt_t *ck, size_t stream) {
    if (ck == NULL || stream >= ck->c.n_streams)
        return NULL;
    dd_window_t *w = ck->owned[stream].window;
    ck->owned[stream].window = NULL;
    ck->streams[stream].window = NULL;
    return w;
}

dd_sketch_set_t *dd_ckpt_take_reference(dd_ckpt_t *ck, size_t stream) {
    if (ck == NULL || stream >= ck->c.n_streams)
        return NULL;
    dd_sketch_set_t *s = ck->owned[stream].reference;
    ck->owned[stream].reference = NULL;
    ck->streams[stream].reference = NULL;
    return s;
}

