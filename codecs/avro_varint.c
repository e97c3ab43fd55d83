/* avro_varint.c — bounds-checked zig-zag varints (Avro int and long).
 *
 * The byte limit is checked before the shift, so a hostile run of continuation bytes can neither
 * read past `end` nor shift by 64 or more (undefined behaviour in C). */
#include "codecs.h"

/* Reads an unsigned base-128 varint of at most max_bytes into *out (no zig-zag). */
static dd_codec_err_t read_uvarint(const uint8_t **pos, const uint8_t *end, unsigned max_bytes,
                                   uint64_t *out) {
    const uint8_t *p = *pos;
    uint64_t value = 0;
    for (unsigned i = 0; i < max_bytes; i++) {
        if (p >= end)
            return DD_CODEC_ERR_TRUNCATED;
        const uint8_t byte = *p++;
        const unsigned shift = 7u * i;
        const uint64_t bits = (uint64_t)(byte & 0x7fu);
        /* Bits that would fall off the top of 64 bits mean the value does not fit. */
        if (shift > 57 && (bits >> (64 - shift)) != 0)
            return DD_CODEC_ERR_VARINT_OVERFLOW;
        value |= bits << shift;
        if ((byte & 0x80u) == 0) {
            *pos = p;
            *out = value;
            return DD_CODEC_OK;
        }
    }
    return DD_CODEC_ERR_VARINT_OVERLONG;
}

static inline int64_t zigzag_decode(uint64_t u) {
    /* (u >> 1) ^ -(u & 1), written without signed overflow. */
    return (int64_t)((u >> 1) ^ (~(u & 1u) + 1u));
}

dd_codec_err_t dd_codec_avro_read_long(const uint8_t **pos, const uint8_t *end, int64_t *out) {
    if (pos == NULL || *pos == NULL || end == NULL || out == NULL)
        return DD_CODEC_ERR_INVALID_ARGUMENT;
    const uint8_t *p = *pos;
    uint64_t u;
    dd_codec_err_t err = read_uvarint(&p, end, 10, &u);
    if (err != DD_CODEC_OK)
        return err;
    *out = zigzag_decode(u);
    *pos = p;
    return DD_CODEC_OK;
}

dd_codec_err_t dd_codec_avro_read_int(const uint8_t **pos, const uint8_t *end, int32_t *out) {
    if (pos == NULL || *pos == NULL || end == NULL || out == NULL)
        return DD_CODEC_ERR_INVALID_ARGUMENT;
    const uint8_t *p = *pos;
    uint64_t u;
    dd_codec_err_t err = read_uvarint(&p, end, 5, &u);
    if (err != DD_CODEC_OK)
        return err;
    if (u > UINT32_MAX)
        return DD_CODEC_ERR_VARINT_OVERFLOW;
    *out = (int32_t)zigzag_decode(u);
    *pos = p;
    return DD_CODEC_OK;
}
