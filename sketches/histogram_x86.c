/* histogram_x86.c — AVX2 and AVX-512 kernels for the fixed-edge histogram.
 *
 * Per 4 or 8 values: the bucket J(x) with exactly the scalar definition's operations
 * (dd_histogram_bucket: subtract, multiply, max against 0, min against the last bucket, truncate;
 * maxpd/minpd return their second operand when the first is NaN, as C's `t > 0 ? t : 0` does),
 * two gathers (bucket_info, bucket_split), one compare, and the top-edge and NaN adjustments.
 * Lanes whose bucket is crowded are finished by the scalar bisection. Every step is the scalar
 * path's comparison on the same operands, so counts are bit-identical at every level.
 * Compiled for baseline x86-64; the target attributes enable the instructions per function and
 * dd_simd_level() decides at run time whether they may be called. */
#include "histogram_int.h"

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx2,fma"))) void
dd_histogram_slots_avx2(const struct dd_histogram *h, const double *v, size_t n, uint32_t *out) {
    const __m256d e0 = _mm256_set1_pd(h->edges[0]);
    const __m256d top = _mm256_set1_pd(h->edges[h->n_bins]);
    const __m256d scale = _mm256_set1_pd(h->scale);
    const __m256d zero = _mm256_setzero_pd();
    const __m256d last = _mm256_set1_pd(h->last_bucket);
    const __m128i below_mask = _mm_set1_epi32((int)DD_BUCKET_BELOW_MASK);
    const __m128i crowded_bit = _mm_set1_epi32((int)DD_BUCKET_CROWDED);
    const __m256i nan_slot = _mm256_set1_epi64x((long long)h->n_bins + 2);
    const __m256i pack = _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6);
    const int *info_table = (const int *)(const void *)h->bucket_info;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const __m256d x = _mm256_loadu_pd(v + i);
        __m256d t = _mm256_mul_pd(_mm256_sub_pd(x, e0), scale);
        t = _mm256_max_pd(t, zero);
        t = _mm256_min_pd(t, last);
        const __m128i j = _mm256_cvttpd_epi32(t);
        const __m128i info = _mm_i32gather_epi32(info_table, j, 4);
        const __m256d split = _mm256_i32gather_pd(h->bucket_split, j, 8);
        const __m256i below = _mm256_cvtepu32_epi64(_mm_and_si128(info, below_mask));
        /* Compare masks are all-ones (−1) where true: count = below + le − at_top. */
        const __m256i le = _mm256_castpd_si256(_mm256_cmp_pd(split, x, _CMP_LE_OQ));
        const __m256i at_top = _mm256_castpd_si256(_mm256_cmp_pd(x, top, _CMP_EQ_OQ));
        __m256i slot = _mm256_add_epi64(_mm256_sub_epi64(below, le), at_top);
        const __m256i is_nan = _mm256_castpd_si256(_mm256_cmp_pd(x, x, _CMP_UNORD_Q));
        slot = _mm256_blendv_epi8(slot, nan_slot, is_nan);
        const __m256i packed = _mm256_permutevar8x32_epi32(slot, pack);
        _mm_storeu_si128((__m128i *)(void *)(out + i), _mm256_castsi256_si128(packed));
        const __m128i crowded = _mm_cmpeq_epi32(_mm_and_si128(info, crowded_bit), crowded_bit);
        int lanes = _mm_movemask_ps(_mm_castsi128_ps(crowded));
        while (lanes != 0) {
            const int l = __builtin_ctz((unsigned)lanes);
            lanes &= lanes - 1;
            const double xl = v[i + (size_t)l];
            const uint32_t jl = dd_histogram_bucket(h, xl);
            out[i + (size_t)l] = dd_histogram_slot_of(h, xl, dd_histogram_count_crowded(h, xl, jl));
        }
    }
    if (i < n)
        dd_histogram_slots_scalar(h, v + i, n - i, out + i);
}

__attribute__((target("avx2,fma,avx512f,avx512bw,avx512vl"))) void
dd_histogram_slots_avx512(const struct dd_histogram *h, const double *v, size_t n,
                          uint32_t *out) {
    const __m512d e0 = _mm512_set1_pd(h->edges[0]);
    const __m512d top = _mm512_set1_pd(h->edges[h->n_bins]);
    const __m512d scale = _mm512_set1_pd(h->scale);
    const __m512d zero = _mm512_setzero_pd();
    const __m512d last = _mm512_set1_pd(h->last_bucket);
    const __m256i below_mask = _mm256_set1_epi32((int)DD_BUCKET_BELOW_MASK);
    const __m256i crowded_bit = _mm256_set1_epi32((int)DD_BUCKET_CROWDED);
    const __m256i one = _mm256_set1_epi32(1);
    const __m256i nan_slot = _mm256_set1_epi32((int)h->n_bins + 2);
    const int *info_table = (const int *)(const void *)h->bucket_info;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m512d x = _mm512_loadu_pd(v + i);
        __m512d t = _mm512_mul_pd(_mm512_sub_pd(x, e0), scale);
        t = _mm512_max_pd(t, zero);
        t = _mm512_min_pd(t, last);
        const __m256i j = _mm512_cvttpd_epi32(t);
        const __m256i info = _mm256_i32gather_epi32(info_table, j, 4);
        const __m512d split = _mm512_i32gather_pd(j, h->bucket_split, 8);
        __m256i slot = _mm256_and_si256(info, below_mask);
        slot = _mm256_mask_add_epi32(slot, _mm512_cmp_pd_mask(split, x, _CMP_LE_OQ), slot, one);
        slot = _mm256_mask_sub_epi32(slot, _mm512_cmp_pd_mask(x, top, _CMP_EQ_OQ), slot, one);
        slot = _mm256_mask_mov_epi32(slot, _mm512_cmp_pd_mask(x, x, _CMP_UNORD_Q), nan_slot);
        _mm256_storeu_si256((__m256i *)(void *)(out + i), slot);
        unsigned lanes = _mm256_test_epi32_mask(info, crowded_bit);
        while (lanes != 0) {
            const int l = __builtin_ctz(lanes);
            lanes &= lanes - 1;
            const double xl = v[i + (size_t)l];
            const uint32_t jl = dd_histogram_bucket(h, xl);
            out[i + (size_t)l] = dd_histogram_slot_of(h, xl, dd_histogram_count_crowded(h, xl, jl));
        }
    }
    if (i < n)
        dd_histogram_slots_scalar(h, v + i, n - i, out + i);
}
#endif
