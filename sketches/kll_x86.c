/* kll_x86.c — the quantile sketch's merge of two sorted runs of doubles with AVX-512.
 *
 * Compiled for baseline x86-64; the target attribute enables the instructions for this function
 * only, and kll.c calls it only when dd_simd_level() reports AVX-512. The result is the same as
 * the scalar merge's: runs of finite doubles without −0 (dd_kll_update stores +0 for it), whose
 * sorted order is unique up to equal values, which are then equal bit for bit.
 *
 * The kernel is the bitonic merge network of Chhugani et al. (VLDB 2008): two sorted vectors of
 * eight merge into sixteen sorted values, the lower eight go out, and the next eight come from
 * the run whose next value is smaller. Every value that goes out is at most every value not yet
 * loaded: of the sixteen, only values of the block just loaded (from run X) can exceed the next
 * value of the other run, and at most seven of them do, since the block's first value did not;
 * and the lower eight are at most the block's largest, which is at most what follows it in X. */
#include "kll_int.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define KLL_X86_TARGET __attribute__((target("avx512f")))

/* Sorts a bitonic vector of eight: compare at distance 4, 2, 1. */
KLL_X86_TARGET static inline __m512d bitonic8(__m512d v) {
    const __m512i d4 = _mm512_set_epi64(3, 2, 1, 0, 7, 6, 5, 4);
    const __m512i d2 = _mm512_set_epi64(5, 4, 7, 6, 1, 0, 3, 2);
    const __m512i d1 = _mm512_set_epi64(6, 7, 4, 5, 2, 3, 0, 1);
    __m512d p = _mm512_permutexvar_pd(d4, v);
    v = _mm512_mask_blend_pd(0xF0, _mm512_min_pd(v, p), _mm512_max_pd(v, p));
    p = _mm512_permutexvar_pd(d2, v);
    v = _mm512_mask_blend_pd(0xCC, _mm512_min_pd(v, p), _mm512_max_pd(v, p));
    p = _mm512_permutexvar_pd(d1, v);
    v = _mm512_mask_blend_pd(0xAA, _mm512_min_pd(v, p), _mm512_max_pd(v, p));
    return v;
}

/* Two sorted vectors in, the lower eight of their union sorted in *lo and the upper in *hi. */
KLL_X86_TARGET static inline void merge16(__m512d *lo, __m512d *hi) {
    const __m512i rev = _mm512_set_epi64(0, 1, 2, 3, 4, 5, 6, 7);
    const __m512d r = _mm512_permutexvar_pd(rev, *hi);
    *hi = bitonic8(_mm512_max_pd(*lo, r));
    *lo = bitonic8(_mm512_min_pd(*lo, r));
}

static void merge_one_ended(const double *a, size_t na, const double *b, size_t nb, double *out);

/* From both ends at once: two independent chains of merge16, as merge_two_ended does for the
 * scalar merge. The front emits the lower eight and loads from the run whose next value is
 * smaller; the back emits the upper eight and loads from the run whose last unread value is
 * larger. Each side's proof above holds if the other side's loads are taken for unread values
 * of the runs, so each side chooses its run by the runs themselves, values the other side has
 * taken included, and stops when the run it must load from has fewer than eight values left in
 * the middle (or none: the other side holds them). What is left then — the front's upper
 * eight, the back's lower eight and the middles of both runs — lies between the two emitted ends
 * and is merged into the gap. */
KLL_X86_TARGET void dd_kll_merge_runs_avx512(const double *a, size_t na, const double *b,
                                             size_t nb, double *out) {
    if (na < 16 || nb < 16) {
        merge_one_ended(a, na, b, nb, out);
        return;
    }
    __m512d f_lo = _mm512_loadu_pd(a), f_hi = _mm512_loadu_pd(b);
    __m512d b_lo = _mm512_loadu_pd(a + na - 8), b_hi = _mm512_loadu_pd(b + nb - 8);
    size_t fa = 8, fb = 8, ea = na - 8, eb = nb - 8; /* unread middles [fa, ea) and [fb, eb) */
    size_t of = 0, ob = na + nb;
    for (;;) {
        merge16(&f_lo, &f_hi);
        merge16(&b_lo, &b_hi);
        _mm512_storeu_pd(out + of, f_lo);
        of += 8;
        ob -= 8;
        _mm512_storeu_pd(out + ob, b_hi);
        /* front: the run with the smaller next value (a on a tie); back: the one with the larger
         * last value not yet taken from the back (b on a tie); fa < na and eb > 0 always hold */
        const int front_a = fb >= nb || !(b[fb] < a[fa]);
        const int back_a = eb == 0 || (ea > 0 && a[ea - 1] > b[eb - 1]);
        const size_t front_left = front_a ? (ea > fa ? ea - fa : 0) : (eb > fb ? eb - fb : 0);
        if (front_left < 8)
            break;
        size_t back_left = back_a ? (ea > fa ? ea - fa : 0) : (eb > fb ? eb - fb : 0);
        if (back_a == front_a) /* the same run: the front's block comes off its middle first */
            back_left -= 8;
        if (back_left < 8)
            break;
        if (front_a) {
            f_lo = _mm512_loadu_pd(a + fa);
            fa += 8;
        } else {
            f_lo = _mm512_loadu_pd(b + fb);
            fb += 8;
        }
        if (back_a) {
            ea -= 8;
            b_hi = _mm512_loadu_pd(a + ea);
        } else {
            eb -= 8;
            b_hi = _mm512_loadu_pd(b + eb);
        }
    }
    /* The gap [of, ob): the middles merged into its tail, then the sixteen carried values (the
     * front's upper and the back's lower eight, one sorted run) merged in from its start. The
     * in-place merge never overtakes its reads: it writes at most as far as it has read. */
    merge16(&f_hi, &b_lo);
    double carried[16];
    _mm512_storeu_pd(carried, f_hi);
    _mm512_storeu_pd(carried + 8, b_lo);
    const size_t mid = (ea - fa) + (eb - fb);
    double *rest = out + of + 16;
    merge_one_ended(a + fa, ea - fa, b + fb, eb - fb, rest);
    size_t i = 0, j = 0, o = of;
    while (i < 16 && j < mid)
        out[o++] = rest[j] < carried[i] ? rest[j++] : carried[i++];
    while (i < 16)
        out[o++] = carried[i++];
    /* what is left of rest is already in place */
}

KLL_X86_TARGET static void merge_one_ended(const double *a, size_t na, const double *b,
                                           size_t nb, double *out) {
    if (na < 8 || nb < 8) {
        dd_kll_merge_runs_scalar(a, na, b, nb, out);
        return;
    }
    __m512d lo = _mm512_loadu_pd(a), hi = _mm512_loadu_pd(b);
    size_t i = 8, j = 8, o = 0;
    for (;;) {
        merge16(&lo, &hi);
        _mm512_storeu_pd(out + o, lo);
        o += 8;
        /* The next block comes from the run whose next value is smaller (a on a tie). */
        const int from_a = i < na && (j >= nb || !(b[j] < a[i]));
        if (from_a) {
            if (na - i < 8)
                break;
            lo = _mm512_loadu_pd(a + i);
            i += 8;
        } else {
            if (j >= nb || nb - j < 8)
                break;
            lo = _mm512_loadu_pd(b + j);
            j += 8;
        }
    }
    /* The rest: the eight in `hi` and what is left of each run, three sorted runs. */
    double rest[8];
    _mm512_storeu_pd(rest, hi);
    size_t k = 0;
    while (k < 8 || i < na || j < nb) {
        const double x = k < 8 ? rest[k] : 0, y = i < na ? a[i] : 0, z = j < nb ? b[j] : 0;
        if (k < 8 && (i >= na || !(y < x)) && (j >= nb || !(z < x))) {
            out[o++] = x;
            k++;
        } else if (i < na && (j >= nb || !(z < y))) {
            out[o++] = y;
            i++;
        } else {
            out[o++] = z;
            j++;
        }
    }
}

#endif
