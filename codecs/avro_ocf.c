/* avro_ocf.c — Avro object container files: header, blocks, sync markers, block codecs.
 *
 * The file is a buffer the caller owns (usually memory-mapped). The header's metadata map is
 * read with the same bounds rules as record bodies; a block's record count and byte size are
 * checked against the bytes left before anything is touched, and a compressed block inflates
 * into one reusable buffer whose size is capped (block_bytes_max), so a small hostile file cannot
 * make the reader allocate much. avro-c's own file reader is not used: it trusts the block size
 * (a negative one reads out of bounds before 1.11.2). */
#include "avro_int.h"

#include <snappy-c.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#define META_ENTRIES_MAX 1024
#define SCHEMA_TEXT_MAX ((size_t)4 << 20)

typedef enum ocf_codec { CODEC_NULL, CODEC_DEFLATE, CODEC_SNAPPY, CODEC_ZSTD } ocf_codec_t;

struct dd_avro_ocf {
    const uint8_t *data, *pos, *end;
    uint8_t sync[16];
    ocf_codec_t codec;
    char codec_name[32];
    char *schema_json;
    size_t schema_len;
    uint8_t *scratch; /* decompressed block */
    size_t scratch_cap;
    size_t block_bytes_max;
    uint64_t blocks;
};

__attribute__((format(printf, 3, 4))) static void say(char *errstr, size_t size, const char *fmt,
                                                      ...) {
    if (errstr == NULL || size == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errstr, size, fmt, ap);
    va_end(ap);
}

void dd_avro_ocf_destroy(dd_avro_ocf_t *f) {
    if (f == NULL)
        return;
    free(f->schema_json);
    free(f->scratch);
    free(f);
}

/* A length-prefixed byte string inside [*p, end). */
static dd_codec_err_t read_span(const uint8_t **p, const uint8_t *end, const uint8_t **s,
                                size_t *len) {
    int64_t n;
    dd_codec_err_t err = dd_codec_avro_read_long(p, end, &n);
    if (err != DD_CODEC_OK)
        return err;
    if (n < 0)
        return DD_CODEC_ERR_NEGATIVE_LENGTH;
    if ((uint64_t)n > (uint64_t)(end - *p))
        return DD_CODEC_ERR_TRUNCATED;
    *s = *p;
    *len = (size_t)n;
    *p += n;
    return DD_CODEC_OK;
}

static dd_codec_err_t read_meta(dd_avro_ocf_t *f, char *errstr, size_t errstr_size) {
    const uint8_t *p = f->pos;
    size_t entries = 0;
    const uint8_t *codec = NULL;
    size_t codec_len = 0;
    for (;;) {
        int64_t count;
        dd_codec_err_t err = dd_codec_avro_read_long(&p, f->end, &count);
        if (err != DD_CODEC_OK)
            goto bad;
        if (count == 0)
            break;
        if (count < 0) { /* a sized block: its byte size follows */
            if (count == INT64_MIN) {
                err = DD_CODEC_ERR_TOO_MANY_ITEMS;
                goto bad;
            }
            count = -count;
            int64_t size;
            if ((err = dd_codec_avro_read_long(&p, f->end, &size)) != DD_CODEC_OK)
                goto bad;
        }
        if ((uint64_t)count > META_ENTRIES_MAX - entries) {
            say(errstr, errstr_size, "header metadata has more than %d entries",
                META_ENTRIES_MAX);
            return DD_CODEC_ERR_TOO_MANY_ITEMS;
        }
        entries += (size_t)count;
        for (int64_t i = 0; i < count; i++) {
            const uint8_t *key, *value;
            size_t key_len, value_len;
            if ((err = read_span(&p, f->end, &key, &key_len)) != DD_CODEC_OK ||
                (err = read_span(&p, f->end, &value, &value_len)) != DD_CODEC_OK)
                goto bad;
            if (key_len == 11 && memcmp(key, "avro.schema", 11) == 0) {
                if (value_len > SCHEMA_TEXT_MAX) {
                    say(errstr, errstr_size, "schema in the header is %zu bytes (limit %zu)",
                        value_len, SCHEMA_TEXT_MAX);
                    return DD_CODEC_ERR_LENGTH_TOO_LARGE;
                }
                free(f->schema_json);
                if ((f->schema_json = malloc(value_len + 1)) == NULL)
                    return DD_CODEC_ERR_NO_MEMORY;
                memcpy(f->schema_json, value, value_len);
                f->schema_json[value_len] = '\0';
                f->schema_len = value_len;
            } else if (key_len == 10 && memcmp(key, "avro.codec", 10) == 0) {
                codec = value;
                codec_len = value_len;
            }
        }
        continue;
    bad:
        say(errstr, errstr_size, "header metadata at byte %zu: %s", (size_t)(p - f->data),
            dd_codec_strerror(err));
        return err;
    }
    if (f->schema_json == NULL) {
        say(errstr, errstr_size, "header has no avro.schema");
        return DD_CODEC_ERR_BAD_MAGIC;
    }
    static const struct {
        const char *name;
        ocf_codec_t codec;
    } codecs[] = {{"null", CODEC_NULL},
                  {"deflate", CODEC_DEFLATE},
                  {"snappy", CODEC_SNAPPY},
                  {"zstandard", CODEC_ZSTD}};
    f->codec = CODEC_NULL;
    snprintf(f->codec_name, sizeof f->codec_name, "null");
    if (codec != NULL) {
        size_t i = 0;
        for (; i < sizeof codecs / sizeof codecs[0]; i++)
            if (strlen(codecs[i].name) == codec_len &&
                memcmp(codecs[i].name, codec, codec_len) == 0)
                break;
        if (i == sizeof codecs / sizeof codecs[0]) {
            say(errstr, errstr_size,
                "block codec '%.*s' is not supported (null, deflate, snappy, zstandard are)",
                (int)(codec_len < 64 ? codec_len : 64), (const char *)codec);
            return DD_CODEC_ERR_UNSUPPORTED;
        }
        f->codec = codecs[i].codec;
        snprintf(f->codec_name, sizeof f->codec_name, "%s", codecs[i].name);
    }
    if ((size_t)(f->end - p) < 16) {
        say(errstr, errstr_size, "file ends before the header's sync marker");
        return DD_CODEC_ERR_TRUNCATED;
    }
    memcpy(f->sync, p, 16);
    f->pos = p + 16;
    return DD_CODEC_OK;
}

void dd_avro_ocf_options_default(dd_avro_ocf_options_t *o) {
    o->block_bytes_max = (size_t)64 << 20;
}

dd_codec_err_t dd_avro_ocf_open(const uint8_t *data, size_t len, const dd_avro_ocf_options_t *opts,
                                dd_avro_ocf_t **out, char *errstr, size_t errstr_size) {
    if (out == NULL || (data == NULL && len > 0))
        return DD_CODEC_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (len < 4 || memcmp(data, "Obj\x01", 4) != 0) {
        say(errstr, errstr_size, "not an Avro object container file (no 'Obj\\x01' magic)");
        return len < 4 && len > 0 && memcmp(data, "Obj\x01", len) == 0 ? DD_CODEC_ERR_TRUNCATED
                                                                       : DD_CODEC_ERR_BAD_MAGIC;
    }
    dd_avro_ocf_t *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return DD_CODEC_ERR_NO_MEMORY;
    f->data = data;
    f->pos = data + 4;
    f->end = data + len;
    dd_avro_ocf_options_t o;
    if (opts)
        o = *opts;
    else
        dd_avro_ocf_options_default(&o);
    f->block_bytes_max = o.block_bytes_max;
    dd_codec_err_t err = read_meta(f, errstr, errstr_size);
    if (err != DD_CODEC_OK) {
        dd_avro_ocf_destroy(f);
        return err;
    }
    *out = f;
    return DD_CODEC_OK;
}

const char *dd_avro_ocf_schema(const dd_avro_ocf_t *f, size_t *len) {
    if (len)
        *len = f ? f->schema_len : 0;
    return f ? f->schema_json : NULL;
}

const char *dd_avro_ocf_codec(const dd_avro_ocf_t *f) {
    return f ? f->codec_name : NULL;
}

static int ensure_scratch(dd_avro_ocf_t *f, size_t need) {
    if (need <= f->scratch_cap)
        return 0;
    size_t cap = f->scratch_cap ? f->scratch_cap : 64 * 1024;
    while (cap < need)
        cap *= 2;
    if (cap > f->block_bytes_max)
        cap = f->block_bytes_max;
    uint8_t *s = realloc(f->scratch, cap);
    if (s == NULL)
        return -1;
    f->scratch = s;
    f->scratch_cap = cap;
    return 0;
}

static dd_codec_err_t inflate_block(dd_avro_ocf_t *f, const uint8_t *in, size_t in_len,
                                    size_t *out_len) {
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, -15) != Z_OK) /* raw deflate (RFC 1951), as the spec says */
        return DD_CODEC_ERR_NO_MEMORY;
    z.next_in = (Bytef *)(uintptr_t)in;
    size_t done = 0;
    dd_codec_err_t err = DD_CODEC_OK;
    size_t in_left = in_len;
    for (;;) {
        if (done == f->scratch_cap) {
            if (f->scratch_cap >= f->block_bytes_max) {
                err = DD_CODEC_ERR_LENGTH_TOO_LARGE;
                break;
            }
            if (ensure_scratch(f, f->scratch_cap ? f->scratch_cap * 2 : 64 * 1024) != 0) {
                err = DD_CODEC_ERR_NO_MEMORY;
                break;
            }
        }
        const uInt in_chunk = in_left > 1u << 30 ? 1u << 30 : (uInt)in_left;
        const size_t room = f->scratch_cap - done;
        const uInt out_chunk = room > 1u << 30 ? 1u << 30 : (uInt)room;
        z.avail_in = in_chunk;
        z.next_out = f->scratch + done;
        z.avail_out = out_chunk;
        const int rc = inflate(&z, Z_NO_FLUSH);
        in_left -= in_chunk - z.avail_in;
        done += out_chunk - z.avail_out;
        if (rc == Z_STREAM_END)
            break;
        if (rc != Z_OK && !(rc == Z_BUF_ERROR && z.avail_out == 0)) {
            err = DD_CODEC_ERR_CORRUPT_BLOCK;
            break;
        }
        if (rc == Z_OK && in_left == 0 && z.avail_out > 0) {
            err = DD_CODEC_ERR_CORRUPT_BLOCK; /* input ended before the stream did */
            break;
        }
    }
    inflateEnd(&z);
    *out_len = done;
    return err;
}

/* Streaming, so the buffer grows with what the frame really holds, not what it claims. */
static dd_codec_err_t unzstd_block(dd_avro_ocf_t *f, const uint8_t *in, size_t in_len,
                                   size_t *out_len) {
    ZSTD_DStream *z = ZSTD_createDStream();
    if (z == NULL)
        return DD_CODEC_ERR_NO_MEMORY;
    ZSTD_inBuffer src = {in, in_len, 0};
    size_t done = 0;
    dd_codec_err_t err = DD_CODEC_OK;
    for (;;) {
        if (done == f->scratch_cap) {
            if (f->scratch_cap >= f->block_bytes_max) {
                err = DD_CODEC_ERR_LENGTH_TOO_LARGE;
                break;
            }
            if (ensure_scratch(f, f->scratch_cap ? f->scratch_cap * 2 : 64 * 1024) != 0) {
                err = DD_CODEC_ERR_NO_MEMORY;
                break;
            }
        }
        ZSTD_outBuffer dst = {f->scratch + done, f->scratch_cap - done, 0};
        const size_t rc = ZSTD_decompressStream(z, &dst, &src);
        done += dst.pos;
        if (ZSTD_isError(rc)) {
            err = DD_CODEC_ERR_CORRUPT_BLOCK;
            break;
        }
        if (rc == 0 && src.pos == src.size)
            break; /* a frame ended where the block ends */
        if (src.pos == src.size && dst.pos < dst.size) {
            err = DD_CODEC_ERR_CORRUPT_BLOCK; /* input ended inside a frame */
            break;
        }
    }
    ZSTD_freeDStream(z);
    *out_len = done;
    return err;
}

static uint32_t crc32_be(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static dd_codec_err_t decompress(dd_avro_ocf_t *f, const uint8_t *in, size_t in_len,
                                 const uint8_t **out, size_t *out_len) {
    switch (f->codec) {
    case CODEC_NULL:
        *out = in;
        *out_len = in_len;
        return DD_CODEC_OK;
    case CODEC_DEFLATE: {
        dd_codec_err_t err = inflate_block(f, in, in_len, out_len);
        *out = f->scratch;
        return err;
    }
    case CODEC_SNAPPY: {
        /* Snappy data, then the CRC-32 of the uncompressed bytes, big-endian. */
        if (in_len < 4)
            return DD_CODEC_ERR_CORRUPT_BLOCK;
        size_t n = 0;
        if (snappy_uncompressed_length((const char *)in, in_len - 4, &n) != SNAPPY_OK)
            return DD_CODEC_ERR_CORRUPT_BLOCK;
        if (n > f->block_bytes_max)
            return DD_CODEC_ERR_LENGTH_TOO_LARGE;
        if (ensure_scratch(f, n ? n : 1) != 0)
            return DD_CODEC_ERR_NO_MEMORY;
        size_t got = f->scratch_cap;
        if (snappy_uncompress((const char *)in, in_len - 4, (char *)f->scratch, &got) !=
                SNAPPY_OK ||
            got != n)
            return DD_CODEC_ERR_CORRUPT_BLOCK;
        if ((uint32_t)crc32(0L, f->scratch, (uInt)n) != crc32_be(in + in_len - 4))
            return DD_CODEC_ERR_CORRUPT_BLOCK;
        *out = f->scratch;
        *out_len = n;
        return DD_CODEC_OK;
    }
    case CODEC_ZSTD: {
        dd_codec_err_t err = unzstd_block(f, in, in_len, out_len);
        *out = f->scratch;
        return err;
    }
    }
    return DD_CODEC_ERR_UNSUPPORTED;
}

dd_codec_err_t dd_avro_ocf_next_block(dd_avro_ocf_t *f, const uint8_t **block, size_t *block_len,
                                      uint64_t *records, size_t *offset) {
    if (f == NULL || block == NULL || block_len == NULL || records == NULL)
        return DD_CODEC_ERR_INVALID_ARGUMENT;
    const uint8_t *p = f->pos;
    if (offset)
        *offset = (size_t)(p - f->data);
    if (p == f->end)
        return DD_CODEC_END;
    int64_t count, size;
    dd_codec_err_t err = dd_codec_avro_read_long(&p, f->end, &count);
    if (err == DD_CODEC_OK)
        err = dd_codec_avro_read_long(&p, f->end, &size);
    if (err != DD_CODEC_OK)
        return err;
    if (count < 0 || size < 0)
        return DD_CODEC_ERR_NEGATIVE_LENGTH;
    if ((uint64_t)size > (uint64_t)(f->end - p))
        return DD_CODEC_ERR_TRUNCATED;
    if ((uint64_t)(f->end - p) - (uint64_t)size < 16)
        return DD_CODEC_ERR_TRUNCATED;
    if (memcmp(p + size, f->sync, 16) != 0)
        return DD_CODEC_ERR_BAD_SYNC;
    const uint8_t *data;
    size_t len;
    if ((err = decompress(f, p, (size_t)size, &data, &len)) != DD_CODEC_OK)
        return err;
    /* Each record takes at least one byte, except records of zero-byte schemas; the caller's
     * plan bounds the work per record, this bounds the count against the block. */
    if ((uint64_t)count > (uint64_t)len + 1000000u)
        return DD_CODEC_ERR_TOO_MANY_ITEMS;
    f->pos = p + size + 16;
    f->blocks++;
    *block = data;
    *block_len = len;
    *records = (uint64_t)count;
    return DD_CODEC_OK;
}
