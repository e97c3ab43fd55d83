/* checkpoint_write.c — the state file of `driftd run` and the snapshot of `driftd baseline`:
 * validation of what is to be written (everything the reader checks), encoding, and atomic
 * replacement of the file (a temporary file, fsync, rename, fsync of the directory), so a crash
 * leaves the old file or the new one, never a mix. Format: docs/state.md.
 *
 * The checksum is XXH64 (seed 0) from libxxhash, which engine already links through codecs: it
 * runs at memory speed on files of gigabytes, where a byte-at-a-time CRC would not. */
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

/* ---- writing ------------------------------------------------------------------------------- */

typedef struct writer {
    uint8_t *buf; /* NULL: only measure */
    size_t len;
} writer_t;

static void put_le(writer_t *w, uint64_t v, unsigned n) {
    if (w->buf != NULL)
        for (unsigned i = 0; i < n; i++)
            w->buf[w->len + i] = (uint8_t)(v >> (8 * i));
    w->len += n;
}

static void put_bytes(writer_t *w, const void *p, size_t n) {
    if (w->buf != NULL && n > 0)
        memcpy(w->buf + w->len, p, n);
    w->len += n;
}

static void put_string(writer_t *w, const char *s) {
    const size_t n = s == NULL ? 0 : strlen(s);
    put_le(w, n, 4);
    put_bytes(w, s, n);
}

static int name_ok(const char *s, size_t max) {
    if (s == NULL)
        return 0;
    const size_t n = strlen(s);
    return n >= 1 && n <= max;
}

/* Reports the first entry that repeats an earlier one; keys[i].name = NULL for n == 0. */
static int unique(name_key_t *keys, size_t n, size_t *dup) {
    *dup = ckpt_find_duplicate(keys, n);
    return *dup == SIZE_MAX;
}

static int field_names_unique(const dd_ckpt_stream_t *s, char *errstr, size_t errstr_size) {
    name_key_t *keys = calloc(s->n_fields, sizeof(*keys));
    if (keys == NULL) {
        ckpt_set_err(errstr, errstr_size, "out of memory");
        return -1;
    }
    for (size_t f = 0; f < s->n_fields; f++)
        keys[f] = (name_key_t){s->field_paths[f], 0, f};
    size_t dup;
    const int ok = unique(keys, s->n_fields, &dup);
    free(keys);
    if (!ok) {
        ckpt_set_err(errstr, errstr_size, "stream %s: field %s appears twice", s->name,
                s->field_paths[dup]);
        return -1;
    }
    return 0;
}

/* Checks everything the reader will check, so a file written is a file that reads back. */
static int validate(const dd_ckpt_contents_t *c, char *errstr, size_t errstr_size) {
    if (c->kind != DD_CKPT_STATE && c->kind != DD_CKPT_SNAPSHOT) {
        ckpt_set_err(errstr, errstr_size, "unknown kind %d", (int)c->kind);
        return -1;
    }
    if (c->instance != NULL && strlen(c->instance) > DD_CKPT_INSTANCE_BYTES_MAX) {
        ckpt_set_err(errstr, errstr_size, "instance name longer than %u bytes",
                DD_CKPT_INSTANCE_BYTES_MAX);
        return -1;
    }
    if (c->n_offsets > DD_CKPT_OFFSETS_MAX || (c->n_offsets > 0 && c->offsets == NULL) ||
        (c->kind == DD_CKPT_SNAPSHOT && c->n_offsets > 0)) {
        ckpt_set_err(errstr, errstr_size, "%zu offsets (at most %u, none in a snapshot)", c->n_offsets,
                DD_CKPT_OFFSETS_MAX);
        return -1;
    }
    for (size_t i = 0; i < c->n_offsets; i++) {
        const dd_ckpt_offset_t *o = &c->offsets[i];
        if (!name_ok(o->topic, DD_CKPT_NAME_BYTES_MAX) || o->partition < 0 || o->offset < 0) {
            ckpt_set_err(errstr, errstr_size,
                    "offset %zu: topic must be 1 to %u bytes, partition and offset ≥ 0", i,
                    DD_CKPT_NAME_BYTES_MAX);
            return -1;
        }
    }
    name_key_t *keys = calloc(c->n_offsets + 1, sizeof(*keys));
    if (keys == NULL) {
        ckpt_set_err(errstr, errstr_size, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < c->n_offsets; i++)
        keys[i] = (name_key_t){c->offsets[i].topic, c->offsets[i].partition, i};
    size_t dup;
    const int offsets_unique = unique(keys, c->n_offsets, &dup);
    free(keys);
    if (!offsets_unique) {
        ckpt_set_err(errstr, errstr_size, "topic %s [%" PRId32 "] appears twice",
                c->offsets[dup].topic, c->offsets[dup].partition);
        return -1;
    }
    if (c->n_streams > DD_CKPT_STREAMS_MAX || (c->n_streams > 0 && c->streams == NULL)) {
        ckpt_set_err(errstr, errstr_size, "%zu streams (at most %u)", c->n_streams,
                DD_CKPT_STREAMS_MAX);
        return -1;
    }
    for (size_t i = 0; i < c->n_streams; i++) {
        const dd_ckpt_stream_t *s = &c->streams[i];
        if (!name_ok(s->name, DD_CKPT_NAME_BYTES_MAX)) {
            ckpt_set_err(errstr, errstr_size, "stream %zu: the name must be 1 to %u bytes", i,
                    DD_CKPT_NAME_BYTES_MAX);
            return -1;
        }
        if (s->n_fields == 0 || s->n_fields > DD_CKPT_FIELDS_MAX || s->field_paths == NULL ||
            s->kinds == NULL) {
            ckpt_set_err(errstr, errstr_size, "stream %s: %zu fields (1 to %u)", s->name, s->n_fields,
                    DD_CKPT_FIELDS_MAX);
            return -1;
        }
        for (size_t f = 0; f < s->n_fields; f++)
            if (!name_ok(s->field_paths[f], DD_CKPT_NAME_BYTES_MAX) ||
                (s->kinds[f] != DD_FIELD_NUMERIC && s->kinds[f] != DD_FIELD_CATEGORICAL)) {
                ckpt_set_err(errstr, errstr_size,
                        "stream %s: field %zu: a path of 1 to %u bytes and a known kind needed",
                        s->name, f, DD_CKPT_NAME_BYTES_MAX);
                return -1;
            }
        if (field_names_unique(s, errstr, errstr_size) != 0)
            return -1;
        if (s->window != NULL && c->kind == DD_CKPT_SNAPSHOT) {
            ckpt_set_err(errstr, errstr_size, "stream %s: a snapshot holds no window", s->name);
            return -1;
        }
        if (s->window != NULL) {
            const int ok = ckpt_window_matches(s->window, s);
            if (ok != 1) {
                ckpt_set_err(errstr, errstr_size, "stream %s: %s", s->name,
                        ok < 0 ? "out of memory" : "the window's fields differ from the stream's");
                return -1;
            }
        }
        if (s->reference != NULL && !ckpt_set_matches(s->reference, s)) {
            ckpt_set_err(errstr, errstr_size, "stream %s: the reference's fields differ from the "
                    "stream's", s->name);
            return -1;
        }
        if (s->opaque == NULL && s->opaque_len > 0) {
            ckpt_set_err(errstr, errstr_size, "stream %s: opaque bytes missing", s->name);
            return -1;
        }
    }
    keys = calloc(c->n_streams + 1, sizeof(*keys));
    if (keys == NULL) {
        ckpt_set_err(errstr, errstr_size, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < c->n_streams; i++)
        keys[i] = (name_key_t){c->streams[i].name, 0, i};
    const int streams_unique = unique(keys, c->n_streams, &dup);
    free(keys);
    if (!streams_unique) {
        ckpt_set_err(errstr, errstr_size, "stream %s appears twice", c->streams[dup].name);
        return -1;
    }
    return 0;
}

/* Writes (or with w->buf NULL, measures) everything before the checksum. */
static int encode_body(const dd_ckpt_contents_t *c, writer_t *w, char *errstr,
                       size_t errstr_size) {
    put_bytes(w, MAGIC, MAGIC_BYTES);
    put_le(w, DD_CKPT_VERSION, 4);
    put_le(w, (uint32_t)c->kind, 4);
    put_le(w, 0, 8); /* file length, patched by the caller */
    put_le(w, (uint64_t)c->created_ms, 8);
    put_string(w, c->instance);
    put_le(w, c->n_offsets, 4);
    for (size_t i = 0; i < c->n_offsets; i++) {
        put_string(w, c->offsets[i].topic);
        put_le(w, (uint32_t)c->offsets[i].partition, 4);
        put_le(w, (uint64_t)c->offsets[i].offset, 8);
    }
    put_le(w, c->n_streams, 4);
    for (size_t i = 0; i < c->n_streams; i++) {
        const dd_ckpt_stream_t *s = &c->streams[i];
        put_string(w, s->name);
        put_le(w, (s->window ? FLAG_WINDOW : 0u) | (s->reference ? FLAG_REFERENCE : 0u), 4);
        put_le(w, s->n_fields, 4);
        for (size_t f = 0; f < s->n_fields; f++) {
            put_string(w, s->field_paths[f]);
            put_le(w, (uint8_t)s->kinds[f], 1);
        }
        put_le(w, (uint64_t)s->reference_time_ms, 8);
        for (int k = 0; k < DD_CKPT_COUNTERS; k++)
            put_le(w, s->counters[k], 8);
        if (s->window != NULL) {
            const size_t n = dd_window_serialized_size(s->window);
            put_le(w, n, 8);
            if (w->buf != NULL) {
                size_t written = 0;
                const dd_sketch_err_t err =
                    dd_window_serialize(s->window, w->buf + w->len, n, &written);
                if (err != DD_SKETCH_OK || written != n) {
                    ckpt_set_err(errstr, errstr_size, "stream %s: window: %s", s->name,
                            dd_sketch_strerror(err));
                    return -1;
                }
            }
            w->len += n;
        }
        if (s->reference != NULL) {
            const size_t n = dd_sketch_set_serialized_size(s->reference);
            put_le(w, n, 8);
            if (w->buf != NULL) {
                size_t written = 0;
                const dd_sketch_err_t err =
                    dd_sketch_set_serialize(s->reference, w->buf + w->len, n, &written);
                if (err != DD_SKETCH_OK || written != n) {
                    ckpt_set_err(errstr, errstr_size, "stream %s: reference: %s", s->name,
                            dd_sketch_strerror(err));
                    return -1;
                }
            }
            w->len += n;
        }
        put_le(w, s->opaque_len, 8);
        put_bytes(w, s->opaque, s->opaque_len);
    }
    return 0;
}

int dd_ckpt_encode(const dd_ckpt_contents_t *c, uint8_t **out, size_t *len, char *errstr,
                   size_t errstr_size) {
    if (out == NULL || len == NULL || c == NULL) {
        ckpt_set_err(errstr, errstr_size, "invalid argument");
        return -1;
    }
    *out = NULL;
    *len = 0;
    if (validate(c, errstr, errstr_size) != 0)
        return -1;
    writer_t m = {NULL, 0};
    if (encode_body(c, &m, errstr, errstr_size) != 0)
        return -1;
    const size_t total = m.len + CHECKSUM_BYTES;
    if ((uint64_t)total > DD_CKPT_BYTES_MAX) {
        ckpt_set_err(errstr, errstr_size, "%zu bytes, more than the %" PRIu64 " a file may have", total,
                DD_CKPT_BYTES_MAX);
        return -1;
    }
    uint8_t *buf = malloc(total);
    if (buf == NULL) {
        ckpt_set_err(errstr, errstr_size, "out of memory (%zu bytes)", total);
        return -1;
    }
    writer_t w = {buf, 0};
    if (encode_body(c, &w, errstr, errstr_size) != 0) {
        free(buf);
        return -1;
    }
    if (w.len != m.len) { /* the contents changed between the two passes */
        free(buf);
        ckpt_set_err(errstr, errstr_size, "contents changed while encoding");
        return -1;
    }
    writer_t patch = {buf, 16};
    put_le(&patch, total, 8);
    writer_t tail = {buf, m.len};
    put_le(&tail, XXH64(buf, m.len, 0), 8);
    *out = buf;
    *len = total;
    return 0;
}

/* ---- atomic file writing -------------------------------------------------------------------- */

static int write_all(int fd, const uint8_t *p, size_t n) {
    while (n > 0) {
        const size_t chunk = n < ((size_t)1 << 30) ? n : ((size_t)1 << 30);
        const ssize_t k = write(fd, p, chunk);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (k == 0) {
            errno = EIO;
            return -1;
        }
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

static int fsync_dir_of(const char *path) {
    const char *slash = strrchr(path, '/');
    char *dir;
    if (slash == NULL)
        dir = strdup(".");
    else if (slash == path)
        dir = strdup("/");
    else
        dir = strndup(path, (size_t)(slash - path));
    if (dir == NULL) {
        errno = ENOMEM;
        return -1;
    }
    const int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(dir);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    /* Some file systems cannot fsync a directory; the rename is then as durable as they allow. */
    if (rc != 0 && (errno == EINVAL || errno == ENOTSUP))
        rc = 0;
    const int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

int dd_ckpt_write(const char *path, const dd_ckpt_contents_t *c, char *errstr,
                  size_t errstr_size) {
    if (path == NULL || c == NULL) {
        ckpt_set_err(errstr, errstr_size, "invalid argument");
        return -1;
    }
    uint8_t *data = NULL;
    size_t len = 0;
    char detail[512];
    if (dd_ckpt_encode(c, &data, &len, detail, sizeof detail) != 0) {
        ckpt_set_err(errstr, errstr_size, "%s: %s", path, detail);
        return -1;
    }
    const size_t plen = strlen(path);
    char *tmp = malloc(plen + 5);
    if (tmp == NULL) {
        free(data);
        ckpt_set_err(errstr, errstr_size, "%s: out of memory", path);
        return -1;
    }
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp", 5);
    const char *step = "open";
    /* O_NOFOLLOW: a symbolic link left at PATH.tmp must not redirect the write elsewhere. */
    int fd = open(tmp, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
    int ok = fd >= 0;
    if (ok && (step = "chmod", fchmod(fd, 0600) != 0))
        ok = 0;
    if (ok && (step = "write", write_all(fd, data, len) != 0))
        ok = 0;
    if (ok && (step = "fsync", fsync(fd) != 0))
        ok = 0;
    if (fd >= 0) {
        const int saved = errno;
        if (close(fd) != 0 && ok) {
            step = "close";
            ok = 0;
        } else {
            errno = saved;
        }
    }
    if (ok && (step = "rename", rename(tmp, path) != 0))
        ok = 0;
    free(data);
    if (!ok) {
        const int saved = errno;
        if (fd >= 0 || strcmp(step, "open") != 0)
            unlink(tmp);
        ckpt_set_err(errstr, errstr_size, "%s: %s of %s failed (%s)", path, step, tmp,
                strerror(saved));
        free(tmp);
        return -1;
    }
    free(tmp);
    if (fsync_dir_of(path) != 0) {
        ckpt_set_err(errstr, errstr_size, "%s: written, but fsync of its directory failed (%s)", path,
                strerror(errno));
        return -1;
    }
    return 0;
}

