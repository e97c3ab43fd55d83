/* cpu.c — run-time choice of the SIMD level.
 *
 * __builtin_cpu_supports checks the CPUID bits; it does not check that the OS saves the wider
 * registers on a context switch, so XGETBV is read too (a hypervisor can hide AVX state). */
#include "sketches.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static uint64_t read_xcr0(void) {
    uint32_t eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((uint64_t)edx << 32) | eax;
}

static dd_simd_level_t detect_hardware(void) {
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx))
        return DD_SIMD_SCALAR;
    const int osxsave = (ecx >> 27) & 1;
    if (!osxsave)
        return DD_SIMD_SCALAR;
    const uint64_t xcr0 = read_xcr0();
    const int ymm_saved = (xcr0 & 0x6) == 0x6;     /* SSE + AVX state */
    const int zmm_saved = (xcr0 & 0xe6) == 0xe6;   /* + opmask, ZMM_Hi256, Hi16_ZMM */
    __builtin_cpu_init();
    if (zmm_saved && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl"))
        return DD_SIMD_AVX512;
    if (ymm_saved && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return DD_SIMD_AVX2;
    return DD_SIMD_SCALAR;
}
#else
static dd_simd_level_t detect_hardware(void) {
    return DD_SIMD_SCALAR;
}
#endif

/* The cap from DRIFTD_SIMD; an unknown value is ignored (no cap) rather than failing start-up. */
static dd_simd_level_t cap_from_env(void) {
    const char *cap = getenv("DRIFTD_SIMD");
    if (cap == NULL)
        return DD_SIMD_AVX512;
    if (strcmp(cap, "scalar") == 0)
        return DD_SIMD_SCALAR;
    if (strcmp(cap, "avx2") == 0)
        return DD_SIMD_AVX2;
    return DD_SIMD_AVX512;
}

dd_simd_level_t dd_simd_level(void) {
    /* Computed once; a benign race only recomputes the same value. */
    static volatile int cached = -1;
    int level = cached;
    if (level < 0) {
        dd_simd_level_t hw = detect_hardware();
        dd_simd_level_t cap = cap_from_env();
        level = (int)(hw < cap ? hw : cap);
        cached = level;
    }
    return (dd_simd_level_t)level;
}

const char *dd_simd_level_name(dd_simd_level_t level) {
    switch (level) {
    case DD_SIMD_SCALAR:
        return "scalar";
    case DD_SIMD_AVX2:
        return "avx2";
    case DD_SIMD_AVX512:
        return "avx512";
    }
    return "unknown";
}
