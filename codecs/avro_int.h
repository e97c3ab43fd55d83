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

/* Unsigned base-128 varint with zig-zag, as avro_varint.c but inline for the decoder's loop.
 * Returns 0, or a dd_codec_err_t; *pos advances only on success. */
static inline dd_codec_err_t avro_read_long_inline(const uint8_t **pos, const uint8_t *end,
                                                   int64_t *out) {
    const uint8_t *p = *pos;
    if (p < end && (*p & 0x80u) == 0) { /* one byte: the common case for small values */
        const uint64_t u = *p;
        *out = (int64_t)((u >> 1) ^ (~(u & 1u) + 1u));
        *pos = p + 1;
        return DD_CODEC_OK;
    }
    return dd_codec_avro_read_long(pos, end, out);
}

#endif /* DRIFTD_CODECS_AVRO_INT_H */
