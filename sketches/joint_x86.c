/* joint_x86.c — the joint summary's hot loops (joint_kernels.h) compiled with AVX2 and with
 * AVX-512 enabled, for dd_joint_kernels_for to choose at run time. No FMA (joint_kernels.h), so
 * each level computes the same bits as the baseline build.
 * Compilers keep to 256-bit vectors with AVX-512 unless asked: GCC by prefer-vector-width, clang
 * by min_vector_width. */
#include "joint_kernels.h"

#if defined(__x86_64__)
#if defined(__clang__)
#define DD_JOINT_AVX512 \
    __attribute__((target("avx2,avx512f,avx512vl,avx512bw"), min_vector_width(512)))
#else
#define DD_JOINT_AVX512 \
    __attribute__((target("avx2,avx512f,avx512vl,avx512bw,prefer-vector-width=512")))
#endif
DD_JOINT_KERNELS(avx2, __attribute__((target("avx2"))))
DD_JOINT_KERNELS(avx512, DD_JOINT_AVX512)
#endif
