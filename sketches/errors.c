/* errors.c — names for dd_sketch_err_t, and DD_ASSERT's failure report. */
#include "sketches.h"

const char *dd_sketch_strerror(dd_sketch_err_t err) {
    switch (err) {
    case DD_SKETCH_OK:
        return "success";
    case DD_SKETCH_ERR_INVALID_ARGUMENT:
        return "invalid argument";
    case DD_SKETCH_ERR_NO_MEMORY:
        return "out of memory";
    case DD_SKETCH_ERR_INCOMPATIBLE:
        return "sketches have different parameters";
    case DD_SKETCH_ERR_BUFFER_TOO_SMALL:
        return "output buffer too small";
    case DD_SKETCH_ERR_TRUNCATED:
        return "input truncated";
    case DD_SKETCH_ERR_BAD_MAGIC:
        return "not a driftd sketch (bad magic)";
    case DD_SKETCH_ERR_BAD_VERSION:
        return "unsupported sketch format version";
    case DD_SKETCH_ERR_BAD_CHECKSUM:
        return "checksum mismatch";
    case DD_SKETCH_ERR_CORRUPT:
        return "corrupt sketch data";
    case DD_SKETCH_ERR_TOO_LARGE:
        return "sketch larger than the allowed limits";
    case DD_SKETCH_ERR_WRONG_TYPE:
        return "a different sketch type than expected";
    }
    return "unknown sketch error";
}

#if defined(DD_ASSERTS) && DD_ASSERTS
#include <stdio.h>
#include <stdlib.h>

#include "dd_base.h"

/* DD_ASSERT's failure path: the only output of this library, in builds that check invariants. */
_Noreturn void dd_assert_fail(const char *expr, const char *file, int line, const char *func) {
    fprintf(stderr, "driftd: invariant violated: %s (%s:%d, %s)\n", expr, file, line, func);
    fflush(stderr);
    abort();
}
#endif
