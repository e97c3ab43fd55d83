/* errors.c — names for dd_codec_err_t, human and machine. */
#include "codecs.h"

const char *dd_codec_strerror(dd_codec_err_t err) {
    switch (err) {
    case DD_CODEC_OK:
        return "success";
    case DD_CODEC_ERR_TRUNCATED:
        return "input ended inside a value";
    case DD_CODEC_ERR_VARINT_OVERLONG:
        return "varint longer than its type allows";
    case DD_CODEC_ERR_VARINT_OVERFLOW:
        return "varint value does not fit its type";
    case DD_CODEC_ERR_INVALID_ARGUMENT:
        return "invalid argument";
    }
    return "unknown codec error";
}

const char *dd_codec_err_name(dd_codec_err_t err) {
    switch (err) {
    case DD_CODEC_OK:
        return "ok";
    case DD_CODEC_ERR_TRUNCATED:
        return "truncated";
    case DD_CODEC_ERR_VARINT_OVERLONG:
        return "varint_overlong";
    case DD_CODEC_ERR_VARINT_OVERFLOW:
        return "varint_overflow";
    case DD_CODEC_ERR_INVALID_ARGUMENT:
        return "invalid_argument";
    }
    return "unknown";
}

const char *dd_codec_avro_c_version(void) {
#ifdef DD_AVRO_C_VERSION
    return DD_AVRO_C_VERSION;
#else
    return "unknown";
#endif
}
