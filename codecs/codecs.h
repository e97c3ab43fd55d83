/* codecs.h — driftd's record decoding library: the one header other folders may include.
 *
 * Everything here reads untrusted bytes: every read is bounds-checked against an explicit end
 * pointer, lengths are validated before use, and failures are reported as dd_codec_err_t values
 * (never by crashing or by reading past `end`). Thread-safety: functions without a handle are
 * reentrant.
 */
#ifndef DRIFTD_CODECS_H
#define DRIFTD_CODECS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Reason codes; stable names (dd_codec_err_name) are what a dead-letter record carries. */
typedef enum dd_codec_err {
    DD_CODEC_OK = 0,
    DD_CODEC_ERR_TRUNCATED,       /* the input ended inside a value */
    DD_CODEC_ERR_VARINT_OVERLONG, /* a varint longer than its type allows (> 5 or > 10 bytes) */
    DD_CODEC_ERR_VARINT_OVERFLOW, /* a varint whose value does not fit its type */
    DD_CODEC_ERR_INVALID_ARGUMENT,
} dd_codec_err_t;

/* A sentence for humans, e.g. "input ended inside a value". Never NULL. */
const char *dd_codec_strerror(dd_codec_err_t err);
/* A stable machine name, e.g. "truncated". Never NULL. */
const char *dd_codec_err_name(dd_codec_err_t err);

/* The avro-c version driftd was built against (avro-c has no run-time version query). */
const char *dd_codec_avro_c_version(void);

/* ---- Avro primitives ---------------------------------------------------------------------------
 * Zig-zag varints as the Avro specification defines them. `*pos` points at the first byte; on
 * success it is advanced past the value and the value is stored in *out; on failure neither *pos
 * nor *out is changed. An `int` takes at most 5 bytes and must fit 32 bits; a `long` at most 10
 * bytes and must fit 64 bits. Non-canonical (padded) encodings within those limits are accepted,
 * as avro's own readers accept them. */
dd_codec_err_t dd_codec_avro_read_long(const uint8_t **pos, const uint8_t *end, int64_t *out);
dd_codec_err_t dd_codec_avro_read_int(const uint8_t **pos, const uint8_t *end, int32_t *out);

#ifdef __cplusplus
}
#endif

#endif /* DRIFTD_CODECS_H */
