/* joint.c — the joint numeric summary (sketches.h, "Joint numeric summary"): creation, batch
 * updates and merges, in exact and Frequent Directions mode.
 *
 * A batch is taken in chunks of complete rows, copied row-major. Exact mode: the chunk's mean,
 * its centred comoment (joint_kernels.h: four rows of the chunk against four rows of a block
 * triangle per pass, vectorised at the CPU's SIMD level with the same bits at every level), then
 * Chan, Golub and LeVeque's merge into the summary. FD mode: the chunk's centred, scaled rows and
 * one row carrying the shift of the mean enter the sketch B of Ghashami, Liberty, Phillips and
 * Woodruff (2016); B holds up to 2ℓ rows and is shrunk to at most ℓ − 1 when it fills.
 * docs/sketches.md has the guarantee and why each row keeps it. */
#include "sketches.h"

#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "dd_base.h"
#include "joint_int.h"
#include "joint_kernels.h"

/* ---- layout ---------------------------------------------------------------------------------- */

static uint32_t chunk_rows_for(uint32_t d, uint32_t fd_rows) {
    if (fd_rows == 0)
        return DD_JOINT_CHUNK_ROWS;
    const uint32_t fit = DD_JOINT_CHUNK_BYTES / (uint32_t)(d * sizeof(double));
    return fit < DD_JOINT_CHUNK_ROWS_MIN ? DD_JOINT_CHUNK_ROWS_MIN
           : fit > DD_JOINT_CHUNK_ROWS   ? DD_JOINT_CHUNK_ROWS
                                         : fit;
}

/* The next 64-byte aligned piece of `bytes` at *at, as a pointer into base (NULL when only
 * measuring or when the piece is empty). */
static void *carve(char *base, size_t *at, size_t bytes) {
    const size_t start = (*at + 63) & ~(size_t)63;
    *at = start + bytes;
    return base != NULL && bytes > 0 ? base + start : NULL;
}

/* Bytes of a summary of (d, ℓ); when j is not NULL, also points its arrays into it. The one
 * description of the allocation, so dd_joint_memory_bound is what dd_joint_new takes. The
 * scratch of an update or a merge is not in it (work_layout): a window keeps a summary per pane,
 * and only one of them is being updated at a time on a thread. */
static size_t layout(uint32_t d, uint32_t fd_rows, dd_joint_t *j) {
    char *base = (char *)j;
    size_t at = sizeof(dd_joint_t);
    const size_t dd = d, l = fd_rows, w = 2 * l;
    const size_t dp = dd_joint_stride(dd);
    const size_t tri = fd_rows == 0 ? dd_joint_tri_size(dd) : 0;
    double *mean = carve(base, &at, dd * sizeof(double));
    double *comoment = carve(base, &at, tri * sizeof(double));
    double *m2 = carve(base, &at, (l ? dd : 0) * sizeof(double));
    double *scale = carve(base, &at, (l ? dd : 0) * sizeof(double));
    double *inv_scale = carve(base, &at, (l ? dd : 0) * sizeof(double));
    double *rows = carve(base, &at, w * dd * sizeof(double));
    at = (at + 63) & ~(size_t)63;
    if (j != NULL) {
        j->mean = mean;
        j->comoment = comoment;
        j->m2 = m2;
        j->scale = scale;
        j->inv_scale = inv_scale;
        j->rows = rows;
        j->chunk_rows = chunk_rows_for(d, fd_rows);
        j->stride = (uint32_t)dp;
        j->bytes = at;
    }
    return at;
}

/* Bytes of the scratch an update or merge of a (d, ℓ) summary needs; when j is not NULL, points
 * its scratch arrays into base. */
static size_t work_layout(uint32_t d, uint32_t fd_rows, char *base, dd_joint_t *j) {
    size_t at = 0;
    const size_t dd = d, l = fd_rows, chunk = chunk_rows_for(d, fd_rows), w = 2 * l;
    const size_t dp = dd_joint_stride(dd);
    const size_t tri = fd_rows == 0 ? dd_joint_tri_size(dd) : 0;
    const size_t block = fd_rows == 0 ? dd_joint_block_size(dp) : 0;
    double *chunk_values = carve(base, &at, chunk * dp * sizeof(double));
    double *chunk_comoment = carve(base, &at, tri * sizeof(double));
    double *chunk_block = carve(base, &at, block * sizeof(double));
    double *shrunk = carve(base, &at, (l ? l - 1 : 0) * dd * sizeof(double));
    double *gram = carve(base, &at, w * w * sizeof(double));
    double *eigvec = carve(base, &at, w * w * sizeof(double));
    double *eigval = carve(base, &at, w * sizeof(double));
    double *chunk_mean = carve(base, &at, dd * sizeof(double));
    double *chunk_sum = carve(base, &at, dd * sizeof(double));
    double *chunk_aux = carve(base, &at, dd * sizeof(double));
    uint32_t *chunk_index = carve(base, &at, chunk * sizeof(uint32_t));
    uint8_t *chunk_ok = carve(base, &at, chunk);
    at = (at + 63) & ~(size_t)63;
    if (j != NULL) {
        j->chunk = chunk_values;
        j->chunk_comoment = chunk_comoment;
        j->chunk_block = chunk_block;
        j->shrunk = shrunk;
        j->gram = gram;
        j->eigvec = eigvec;
        j->eigval = eigval;
        j->chunk_mean = chunk_mean;
        j->chunk_sum = chunk_sum;
        j->chunk_aux = chunk_aux;
        j->chunk_index = chunk_index;
        j->chunk_ok = chunk_ok;
    }
    return at;
}

/* The scratch of this thread, kept for its life (freed by the key's destructor when it ends)
 * and grown to the largest summary it has updated: every summary updated on a thread shares it,
 * so a window of many panes pays for one. */
static pthread_key_t work_key;
static pthread_once_t work_once = PTHREAD_ONCE_INIT;
static int work_key_ok;
static __thread char *work_base;
static __thread size_t work_cap;

static void work_key_make(void) {
    work_key_ok = pthread_key_create(&work_key, free) == 0;
}

/* Points j's scratch into this thread's, growing it when it is too small. NO_MEMORY when it
 * cannot. The padding beyond d of every chunk row must be zero, and a summary with more fields
 * may have written there: cleared on every call (at most 7 doubles a row). */
static dd_sketch_err_t bind_work(dd_joint_t *j) {
    const size_t need = work_layout(j->d, j->fd_rows, NULL, NULL);
    if (need > work_cap) {
        (void)pthread_once(&work_once, work_key_make);
        void *p = NULL;
        if (!work_key_ok || posix_memalign(&p, 64, need) != 0)
            return DD_SKETCH_ERR_NO_MEMORY;
        free(work_base);
        work_base = p;
        work_cap = need;
        memset(work_base, 0, need);
        (void)pthread_setspecific(work_key, work_base);
    }
    work_layout(j->d, j->fd_rows, work_base, j);
    for (size_t i = 0; i < j->chunk_rows && j->stride > j->d; i++)
        memset(j->chunk + i * j->stride + j->d, 0, (j->stride - j->d) * sizeof(double));
    return DD_SKETCH_OK;
}

uint32_t dd_joint_resolve_rows(uint32_t d, uint32_t fd_rows) {
    if (d == 0 || d > DD_JOINT_FIELDS_MAX)
        return UINT32_MAX;
    if (d <= DD_JOINT_EXACT_MAX)
        return 0;
    if (fd_rows == 0)
        return DD_JOINT_FD_ROWS_DEFAULT;
    if (fd_rows < DD_JOINT_FD_ROWS_MIN || fd_rows > DD_JOINT_FD_ROWS_MAX)
        return UINT32_MAX;
    return fd_rows;
}

uint64_t dd_joint_memory_bound(uint32_t d, uint32_t fd_rows) {
    const uint32_t l = dd_joint_resolve_rows(d, fd_rows);
    return l == UINT32_MAX ? 0 : (uint64_t)layout(d, l, NULL);
}

/* ---- life cycle ------------------------------------------------------------------------------ */

dd_sketch_err_t dd_joint_alloc(uint32_t d, uint32_t fd_rows, dd_joint_t **out) {
    const size_t bytes = layout(d, fd_rows, NULL);
    void *p = NULL;
    if (posix_memalign(&p, 64, bytes) != 0)
        return DD_SKETCH_ERR_NO_MEMORY;
    memset(p, 0, bytes);
    dd_joint_t *j = p;
    j->kernels = dd_joint_kernels_for(dd_simd_level());
    j->d = d;
    j->fd_rows = fd_rows;
    layout(d, fd_rows, j);
    dd_joint_reset(j);
    *out = j;
    return DD_SKETCH_OK;
}

dd_sketch_err_t dd_joint_new(uint32_t d, uint32_t fd_rows, dd_joint_t **out) {
    const uint32_t l = dd_joint_resolve_rows(d, fd_rows);
    if (out == NULL || l == UINT32_MAX)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    return dd_joint_alloc(d, l, out);
}

dd_sketch_err_t dd_joint_new_like(const dd_joint_t *j, dd_joint_t **out) {
    if (j == NULL || out == NULL)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    return dd_joint_alloc(j->d, j->fd_rows, out);
}

void dd_joint_destroy(dd_joint_t *j) {
    free(j);
}

void dd_joint_reset(dd_joint_t *j) {
    if (j == NULL)
        return;
    const size_t d = j->d;
    j->n = 0;
    j->incomplete = 0;
    j->delta = 0.0;
    j->rows_used = 0;
    memset(j->mean, 0, d * sizeof(double));
    if (j->fd_rows == 0) {
        memset(j->comoment, 0, dd_joint_tri_size(d) * sizeof(double));
        return;
    }
    memset(j->m2, 0, d * sizeof(double));
    for (size_t f = 0; f < d; f++)
        j->scale[f] = j->inv_scale[f] = 1.0;
}

uint32_t dd_joint_fields(const dd_joint_t *j) {
    return j != NULL ? j->d : 0;
}
uint32_t dd_joint_fd_rows(const dd_joint_t *j) {
    return j != NULL ? j->fd_rows : 0;
}
uint64_t dd_joint_count(const dd_joint_t *j) {
    return j != NULL ? j->n : 0;
}
uint64_t dd_joint_incomplete(const dd_joint_t *j) {
    return j != NULL ? j->incomplete : 0;
}

/* ---- scales ---------------------------------------------------------------------------------- */

double dd_joint_scale_of(double sd) {
    if (!(sd > 0.0) || !isfinite(sd))
        return 1.0;
    /* The power of two nearest sd in the log: sd = m·2^e with m in [0.5, 1). */
    int e;
    const double m = frexp(sd, &e);
    if (m < 0.70710678118654752440) /* 1/√2 */
        e--;
    if (e > DD_JOINT_SCALE_EXP_MAX)
        e = DD_JOINT_SCALE_EXP_MAX;
    if (e < -DD_JOINT_SCALE_EXP_MAX)
        e = -DD_JOINT_SCALE_EXP_MAX;
    return ldexp(1.0, e);
}

int dd_joint_is_scale(double x) {
    if (!(x > 0.0) || !isfinite(x))
        return 0;
    int e;
    return frexp(x, &e) == 0.5 && e - 1 >= -DD_JOINT_SCALE_EXP_MAX &&
           e - 1 <= DD_JOINT_SCALE_EXP_MAX;
}

/* ---- kernels --------------------------------------------------------------------------------- */

DD_JOINT_KERNELS(scalar, )

const dd_joint_kernels_t *dd_joint_kernels_for(dd_simd_level_t level) {
#if defined(__x86_64__)
    if (level >= DD_SIMD_AVX512)
        return &dd_joint_kernels_avx512;
    if (level >= DD_SIMD_AVX2)
        return &dd_joint_kernels_avx2;
#else
    (void)level;
#endif
    return &dd_joint_kernels_scalar;
}

/* ---- chunks ---------------------------------------------------------------------------------- */

/* Copies rows [start, start + len) into the chunk, row-major, and keeps the complete ones at its
 * front; returns how many there are. A row is complete when no field is null, non-finite or
 * beyond DD_JOINT_VALUE_MAX (NaN fails the comparison). The copy takes eight fields at a time, so
 * each row is written a cache line at a time, and the check then runs along contiguous rows. */
static size_t gather(dd_joint_t *j, const double *const *cols, const uint8_t *const *nulls,
                     size_t start, size_t len) {
    const size_t d = j->d, dp = j->stride;
    double *x = j->chunk;
    for (size_t f0 = 0; f0 < d; f0 += 8) {
        const size_t width = d - f0 < 8 ? d - f0 : 8;
        for (size_t i = 0; i < len; i++) {
            double *row = x + i * dp + f0;
            for (size_t q = 0; q < width; q++)
                row[q] = cols[f0 + q][start + i];
        }
    }
    uint8_t *ok = j->chunk_ok;
    memset(ok, 1, len);
    for (size_t f = 0; nulls != NULL && f < d; f++) {
        const uint8_t *bits = nulls[f];
        if (bits != NULL)
            for (size_t i = 0; i < len; i++) {
                const size_t p = start + i;
                ok[i] = (uint8_t)(ok[i] & ~(unsigned)(bits[p >> 3] >> (p & 7)) & 1u);
            }
    }
    /* |x| ≤ DD_JOINT_VALUE_MAX on the bit patterns: with the sign cleared, a double's bits order
     * like its magnitude, and NaN and ±inf lie above every finite value. (limit − bits) wraps
     * past 2^63 exactly when bits > limit: integer operations only, which vectorise. */
    uint64_t limit;
    const double value_max = DD_JOINT_VALUE_MAX;
    memcpy(&limit, &value_max, sizeof(limit));
    size_t m = 0;
    for (size_t i = 0; i < len; i++) {
        const double *row = x + i * dp;
        uint64_t bad = !ok[i];
        for (size_t f = 0; f < d; f++) {
            uint64_t bits;
            memcpy(&bits, row + f, sizeof(bits));
            bad |= (limit - (bits & 0x7fffffffffffffffull)) >> 63;
        }
        if (bad)
            continue;
        if (m != i) /* the padding beyond d is zero in every row, moved or not */
            memmove(x + m * dp, row, d * sizeof(double));
        m++;
    }
    return m;
}

/* The chunk's provisional mean, into chunk_mean: the corrected two-pass algorithm then sums the
 * deviations from it and moves the mean by their average, as dd_moments_update does. */
static void chunk_mean_provisional(dd_joint_t *j, size_t m) {
    const size_t d = j->d, dp = j->stride;
    const double *x = j->chunk;
    double *mu = j->chunk_mean;
    memset(mu, 0, d * sizeof(double));
    for (size_t r = 0; r < m; r++)
        for (size_t f = 0; f < d; f++)
            mu[f] += x[r * dp + f];
    for (size_t f = 0; f < d; f++)
        mu[f] /= (double)m;
}

/* C += C_b + (n_a·n_b/n)·δδᵀ and mean += δ·n_b/n, δ = mean_b − mean (Chan et al.), for exact
 * mode. delta is d doubles of scratch. */
static void exact_combine(dd_joint_t *j, uint64_t n_b, const double *mean_b, const double *tri_b,
                          double *delta) {
    const size_t d = j->d;
    if (j->n == 0) {
        memcpy(j->mean, mean_b, d * sizeof(double));
        memcpy(j->comoment, tri_b, dd_joint_tri_size(d) * sizeof(double));
        return;
    }
    const double na = (double)j->n, nb = (double)n_b, n = na + nb;
    const double weight = na * nb / n;
    for (size_t a = 0; a < d; a++)
        delta[a] = mean_b[a] - j->mean[a];
    for (size_t a = 0; a < d; a++) {
        double *restrict t = j->comoment + dd_joint_tri_offset(d, a) - a;
        const double *restrict tb = tri_b + dd_joint_tri_offset(d, a) - a;
        const double wa = weight * delta[a];
        for (size_t b = a; b < d; b++)
            t[b] += tb[b] + wa * delta[b];
    }
    for (size_t a = 0; a < d; a++)
        j->mean[a] += delta[a] * (nb / n);
}

static void exact_chunk(dd_joint_t *j, size_t m) {
    const size_t d = j->d, dp = j->stride;
    double *x = j->chunk, *mu = j->chunk_mean, *sum = j->chunk_sum;
    chunk_mean_provisional(j, m);
    memset(sum, 0, d * sizeof(double));
    for (size_t r = 0; r < m; r++)
        for (size_t f = 0; f < d; f++) {
            x[r * dp + f] -= mu[f];
            sum[f] += x[r * dp + f];
        }
    memset(j->chunk_block, 0, dd_joint_block_size(dp) * sizeof(double));
    j->kernels->comoment_rows(j->chunk_block, x, m, d);
    /* Deviations from the provisional mean sum to s, not 0: the comoment about the true chunk
     * mean is Σ x xᵀ − s sᵀ/m (packed here for the merge), and that mean is the provisional
     * one + s/m. */
    for (size_t a = 0; a < d; a++) {
        const double *restrict src = dd_joint_block_row(j->chunk_block, dp, a);
        double *restrict t = j->chunk_comoment + dd_joint_tri_offset(d, a) - a;
        const double sa = sum[a] / (double)m;
        for (size_t b = a; b < d; b++)
            t[b] = src[b] - sa * sum[b];
    }
    for (size_t f = 0; f < d; f++)
        mu[f] += sum[f] / (double)m;
    exact_combine(j, m, mu, j->chunk_comoment, sum);
    j->n += m;
}

/* Shrinks a full FD buffer (2ℓ rows) to at most ℓ − 1: with B Bᵀ = U Λ Uᵀ and δ = λ_ℓ (the ℓ-th
 * largest), row i becomes sqrt(max(λ_i − δ, 0)/λ_i)·(Bᵀu_i)ᵀ, which is sqrt(λ_i − δ)·v_iᵀ for the
 * right singular vector v_i. Then BᵀB loses Σ_i min(λ_i, δ)·v_i v_iᵀ ≼ δ·I, a PSD amount: the
 * removed part is Bᵀ U diag(1 − c_i²) Uᵀ B whatever the rounding of U, as long as U is orthogonal,
 * which the eigen solver's reflections and rotations keep it. */
static void fd_shrink(dd_joint_t *j) {
    const size_t d = j->d, l = j->fd_rows, k = j->rows_used;
    DD_ASSERT(k == 2 * l);
    double *g = j->gram, *u = j->eigvec, *lambda = j->eigval;
    const double *b = j->rows;
    for (size_t p = 0; p < k; p++)
        for (size_t q = p; q < k; q++)
            g[p * k + q] = j->kernels->dot(b + p * d, b + q * d, d);
    const dd_sketch_err_t err = dd_sym_eigen(g, k, lambda, u);
    DD_ASSERT(err == DD_SKETCH_OK); /* the rows are finite and bounded: so is their Gram matrix */
    (void)err;
    const double delta = lambda[l - 1] > 0.0 ? lambda[l - 1] : 0.0;
    size_t kept = 0;
    for (size_t i = 0; i + 1 < l && lambda[i] > delta; i++) {
        const double c = sqrt((lambda[i] - delta) / lambda[i]);
        double *coef = g; /* the Gram matrix is spent: its first row holds the coefficients */
        for (size_t q = 0; q < k; q++)
            coef[q] = c * u[i * k + q];
        j->kernels->combine_rows(j->shrunk + i * d, coef, b, k, d);
        kept++;
    }
    memcpy(j->rows, j->shrunk, kept * d * sizeof(double));
    j->rows_used = (uint32_t)kept;
    /* Saturates: past DBL_MAX the bound says nothing, but it stays a number that serializes. */
    j->delta = fmin(j->delta + delta, DBL_MAX);
}

/* The next free row of the buffer; fd_row_added after writing it shrinks a full buffer, so fewer
 * than 2ℓ rows are in use between calls. */
static double *fd_row_next(dd_joint_t *j) {
    DD_ASSERT(j->rows_used < 2 * j->fd_rows);
    return j->rows + (size_t)j->rows_used * j->d;
}
static void fd_row_added(dd_joint_t *j) {
    if (++j->rows_used == 2 * j->fd_rows)
        fd_shrink(j);
}

/* Adds the row sqrt(n_a·n_b/n)·(mean_a − mean_b)/s that carries the comoment's Chan term, and
 * updates the exact means and M2 per field: n_b rows of mean mean_b and sums of squared
 * deviations m2_b join the summary's n. */
static void fd_combine_moments(dd_joint_t *j, uint64_t n_b, const double *mean_b,
                               const double *m2_b) {
    const size_t d = j->d;
    if (j->n == 0) {
        memcpy(j->mean, mean_b, d * sizeof(double));
        memcpy(j->m2, m2_b, d * sizeof(double));
        return;
    }
    const double na = (double)j->n, nb = (double)n_b, n = na + nb;
    const double coef = sqrt(na * nb / n), weight = na * nb / n;
    double *row = fd_row_next(j);
    for (size_t f = 0; f < d; f++) {
        const double delta = mean_b[f] - j->mean[f];
        row[f] = coef * -delta * j->inv_scale[f];
        j->m2[f] += m2_b[f] + weight * delta * delta;
        j->mean[f] += delta * (nb / n);
    }
    fd_row_added(j);
}

static void fd_chunk(dd_joint_t *j, size_t m) {
    const size_t d = j->d, dp = j->stride;
    const double *x = j->chunk;
    double *mu = j->chunk_mean, *sum = j->chunk_sum, *m2 = j->chunk_aux;
    chunk_mean_provisional(j, m);
    memset(sum, 0, d * sizeof(double));
    memset(m2, 0, d * sizeof(double));
    for (size_t r = 0; r < m; r++)
        for (size_t f = 0; f < d; f++) {
            const double dev = x[r * dp + f] - mu[f];
            sum[f] += dev;
            m2[f] += dev * dev;
        }
    for (size_t f = 0; f < d; f++) {
        m2[f] -= sum[f] * (sum[f] / (double)m);
        m2[f] = m2[f] > 0.0 ? m2[f] : 0.0;
        mu[f] += sum[f] / (double)m;
    }
    if (j->n == 0)
        for (size_t f = 0; f < d; f++) {
            j->scale[f] = dd_joint_scale_of(sqrt(m2[f] / (double)m));
            j->inv_scale[f] = 1.0 / j->scale[f];
        }
    for (size_t r = 0; r < m; r++) {
        double *restrict row = fd_row_next(j);
        const double *restrict xr = x + r * dp;
        for (size_t f = 0; f < d; f++)
            row[f] = (xr[f] - mu[f]) * j->inv_scale[f];
        fd_row_added(j);
    }
    fd_combine_moments(j, m, mu, m2);
    j->n += m;
}

/* ---- update and merge ------------------------------------------------------------------------ */

dd_sketch_err_t dd_joint_update(dd_joint_t *j, const double *const *cols,
                                const uint8_t *const *nulls, size_t n) {
    if (j == NULL || (n > 0 && cols == NULL))
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    if (n == 0)
        return DD_SKETCH_OK;
    for (size_t f = 0; f < j->d; f++)
        if (cols[f] == NULL)
            return DD_SKETCH_ERR_INVALID_ARGUMENT;
    if (n > DD_JOINT_COUNT_MAX - j->n - j->incomplete)
        return DD_SKETCH_ERR_TOO_LARGE;
    const dd_sketch_err_t err = bind_work(j);
    if (err != DD_SKETCH_OK)
        return err;
    for (size_t start = 0; start < n; start += j->chunk_rows) {
        const size_t len = n - start < j->chunk_rows ? n - start : j->chunk_rows;
        const size_t m = gather(j, cols, nulls, start, len);
        j->incomplete += len - m;
        if (m == 0)
            continue;
        if (j->fd_rows == 0)
            exact_chunk(j, m);
        else
            fd_chunk(j, m);
    }
    return DD_SKETCH_OK;
}

dd_sketch_err_t dd_joint_merge(dd_joint_t *into, const dd_joint_t *from) {
    if (into == NULL || from == NULL || into == from)
        return DD_SKETCH_ERR_INVALID_ARGUMENT;
    if (into->d != from->d || into->fd_rows != from->fd_rows)
        return DD_SKETCH_ERR_INCOMPATIBLE;
    const uint64_t seen = into->n + into->incomplete; /* ≤ COUNT_MAX each: no wrap */
    if (from->n + from->incomplete > DD_JOINT_COUNT_MAX - seen)
        return DD_SKETCH_ERR_TOO_LARGE;
    const size_t d = into->d;
    const dd_sketch_err_t err = bind_work(into);
    if (err != DD_SKETCH_OK)
        return err;
    into->incomplete += from->incomplete;
    if (from->n == 0)
        return DD_SKETCH_OK;
    if (into->fd_rows == 0) {
        exact_combine(into, from->n, from->mean, from->comoment, into->chunk_aux);
    } else if (into->n == 0) {
        /* An empty summary takes the other's scales: the merge is then an exact copy. */
        memcpy(into->scale, from->scale, d * sizeof(double));
        memcpy(into->inv_scale, from->inv_scale, d * sizeof(double));
        memcpy(into->rows, from->rows, (size_t)from->rows_used * d * sizeof(double));
        into->rows_used = from->rows_used;
        into->delta = from->delta;
        fd_combine_moments(into, from->n, from->mean, from->m2);
    } else {
        /* from's rows, in into's scaled space: B_from·diag(s_from/s_into), exact (powers of
         * two). Its bound scales by at most the largest ratio squared. */
        double ratio_max = 0.0;
        double *ratio = into->chunk_aux;
        for (size_t f = 0; f < d; f++) {
            ratio[f] = from->scale[f] * into->inv_scale[f];
            ratio_max = ratio[f] > ratio_max ? ratio[f] : ratio_max;
        }
        for (uint32_t r = 0; r < from->rows_used; r++) {
            double *restrict row = fd_row_next(into);
            const double *restrict src = from->rows + (size_t)r * d;
            for (size_t f = 0; f < d; f++)
                row[f] = src[f] * ratio[f];
            fd_row_added(into);
        }
        into->delta = fmin(into->delta + from->delta * (ratio_max * ratio_max), DBL_MAX);
        fd_combine_moments(into, from->n, from->mean, from->m2);
    }
    into->n += from->n;
    return DD_SKETCH_OK;
}
