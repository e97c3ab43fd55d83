/* errors.c — names for dd_sketch_err_t. */
#include "sketches.h"

const char *dd_sketch_strerror(dd_sketch_err_t err) {
    switch (err) {
    case DD_SKETCH_OK:
        return "success";
    case DD_SKETCH_ERR_INVALID_ARGUMENT:
        return "invalid argument";
    case DD_SKETCH_ERR_NO_MEMORY:
        return "out of memory";
    }
    return "unknown sketch error";
}
