/* dd_base.h — what every library of driftd shares: invariant checks and one 64-bit mixer.
 * Public with sketches.h (the lowest library, libc only), so codecs/ and engine/ have it too.
 *
 * DD_ASSERT(cond) states an invariant the code relies on: one thread owns a structure, a batch
 * never holds more rows than it has room for, a ring index stays inside its ring. It is checked
 * in the builds that look for bugs (DRIFTD_SANITIZE, DRIFTD_FUZZ, DRIFTD_TSAN and Debug define
 * DD_ASSERTS=1): a failure prints the condition, file, line and function and aborts. In Release
 * it compiles to nothing (the condition is type-checked, never evaluated), so it may sit on hot
 * paths. Never put an effect the program needs inside one. */
#ifndef DRIFTD_DD_BASE_H
#define DRIFTD_DD_BASE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(DD_ASSERTS) && DD_ASSERTS
_Noreturn void dd_assert_fail(const char *expr, const char *file, int line, const char *func);
#define DD_ASSERT(cond) ((cond) ? (void)0 : dd_assert_fail(#cond, __FILE__, __LINE__, __func__))
#else
#define DD_ASSERT(cond) ((void)sizeof(!(cond)))
#endif

/* splitmix64's finalizer: a bijective mix of 64 bits (random streams, ids, key hashes). */
static inline uint64_t dd_mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

#ifdef __cplusplus
}
#endif

#endif /* DRIFTD_DD_BASE_H */
