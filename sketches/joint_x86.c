/* joint_x86.c — the joint summary's hot loops (joint_kernels.h) compiled with AVX2 and with
 * AVX-512 enabled, for dd_joint_kernels_for to choose at run time. No FMA: the bodies are ISO C,
 * which GCC does not contract, so each level computes the same bits as the baseline build. */
#include "joint_kernels.h"

#if defined(__x86_64__)
DD_JOINT_KERNELS(avx2, __attribute__((target("avx2"))))
DD_JOINT_KERNELS(avx512, __attribute__((target("avx2,avx512f,avx512vl,avx512bw,prefer-vector-width=512"))))
#endif
