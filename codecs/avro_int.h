/* avro_int.h — private to codecs/: the parsed Avro schema graph and the inline varint reader the
 * plan decoder runs on. */
#ifndef DRIFTD_CODECS_AVRO_INT_H
#define DRIFTD_CODECS_AVRO_INT_H

#include <stddef.h>
#include <stdint.h>

#include "codecs.h"

typedef enum avro_kind {
    AVRO_K_NULL,
    AVRO_K_BOOLEAN,
    AVRO_K_INT,
    AVRO_K_LONG,
    AVRO_K_FLOAT,
    AVRO_K_DOUBLE,
    AVRO_K_BYTES,
    AVRO_K_STRING,
    AVRO_K_RECORD,
    AVRO_K_ENUM,
    AVRO_K_ARRAY,
    AVRO_K_MAP,
    AVRO_K_UNION,
    AVRO_K_FIXED,
} avro_kind_t;

/* Logical types driftd turns into numbers; others (uuid, time-of-day…) keep the underlying type. */
typedef enum avro_logical {
    AVRO_L_NONE,
    AVRO_L_DATE,             /* int: days since 1970-01-01 */
    AVRO_L_TIMESTAMP_MILLIS, /* long: ms since the epoch (also local-timestamp-millis) */
    AVRO_L_TIMESTAMP_MICROS, /* long: µs since the epoch (also local-timestamp-micros) */
    AVRO_L_DECIMAL,          /* bytes or fixed: big-endian two's-complement unscaled value */
} avro_logical_t;

typedef struct avro_type avro_type_t;

typedef struct avro_field {
    char *name;
    avro_type_t *type;
    int has_default; /* the field declares "default" (a reader may then lack it in the writer) */
} avro_field_t;

struct avro_type {
    avro_kind_t kind;
    avro_logical_t logical;
    int decimal_scale;
    char *fullname;        /* named types (record, enum, fixed), else NULL */
    size_t n;              /* fields, symbols or branches */
    avro_field_t *fields;  /* record */
    char **symbols;        /* enum */
    int has_default;       /* enum: declares "default" (unknown writer symbols resolve to it) */
    avro_type_t **branches; /* union */
    avro_type_t *items;    /* array items, map values */
    int64_t fixed_size;    /* fixed */
};

struct dd_avro_schema {
    avro_type_t *root;
    avro_type_t **all; /* every node, for freeing */
    size_t n_all, cap_all;
};

/* Zig-zag varints as avro_varint.c reads them (same limits, same errors), inline for the
 * decoder's loop: with 10 bytes left no per-byte bounds check is needed. Returns 0 or a
 * dd_codec_err_t; *pos advances only on success. */
static inline dd_codec_err_t avro_read_long_inline(const uint8_t **pos, const uint8_t *end,
                                                   int64_t *out) {
    const uint8_t *p = *pos;
    if (end - p >= 10) {
        uint64_t u = 0;
        for (unsigned i = 0; i < 10; i++) {
            const uint64_t b = p[i];
            u |= (b & 0x7fu) << (7u * i);
            if ((b & 0x80u) == 0) {
                if (i == 9 && b > 1)
                    return DD_CODEC_ERR_VARINT_OVERFLOW; /* bits beyond 64 */
                *out = (int64_t)((u >> 1) ^ (~(u & 1u) + 1u));
                *pos = p + i + 1;
                return DD_CODEC_OK;
            }
        }
        return DD_CODEC_ERR_VARINT_OVERLONG;
    }
    return dd_codec_avro_read_long(pos, end, out);
}

/* An int: at most 5 bytes and 32 bits. */
static inline dd_codec_err_t avro_read_int_inline(const uint8_t **pos, const uint8_t *end,
                                                  int32_t *out) {
    const uint8_t *p = *pos;
    if (end - p >= 5) {
        uint64_t u = 0;
        for (unsigned i = 0; i < 5; i++) {
            const uint64_t b = p[i];
            u |= (b & 0x7fu) << (7u * i);
            if ((b & 0x80u) == 0) {
                if (u > UINT32_MAX)
                    return DD_CODEC_ERR_VARINT_OVERFLOW;
                *out = (int32_t)(uint32_t)((u >> 1) ^ (~(u & 1u) + 1u));
                *pos = p + i + 1;
                return DD_CODEC_OK;
            }
        }
        return DD_CODEC_ERR_VARINT_OVERLONG;
    }
    return dd_codec_avro_read_int(pos, end, out);
}

#endif /* DRIFTD_CODECS_AVRO_INT_H */
