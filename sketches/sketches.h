/* sketches.h — driftd's sketch library: the one header other folders may include.
 *
 * Mergeable summaries of a column of values, updated a batch at a time, and the CPU feature
 * detection that picks their SIMD paths. No I/O, no allocation on update paths, libc and libm only.
 *
 * Column batches: values are `const double *v` with an optional null bitmap `const uint8_t *nulls`
 * (bit i, least significant bit first, set = value i is null; NULL = no nulls). A null's slot in
 * `v` must be readable memory but its value is never used: any bits, NaN included, are fine.
 *
 * Thread-safety: a sketch is owned by one thread; distinct sketches may be used concurrently.
 */
#ifndef DRIFTD_SKETCHES_H
#define DRIFTD_SKETCHES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Errors are values: functions that can fail return one of these; 0 is success. */
typedef enum dd_sketch_err {
    DD_SKETCH_OK = 0,
    DD_SKETCH_ERR_INVALID_ARGUMENT, /* a NULL pointer, or a size outside its documented range */
    DD_SKETCH_ERR_NO_MEMORY,        /* an allocation at set-up failed */
    DD_SKETCH_ERR_INCOMPATIBLE,     /* merge of sketches with different parameters (edges, k, ...) */
    DD_SKETCH_ERR_BUFFER_TOO_SMALL, /* serialize: the output buffer cannot hold the result */
    DD_SKETCH_ERR_TRUNCATED,        /* deserialize: input shorter than its header says */
    DD_SKETCH_ERR_BAD_MAGIC,        /* deserialize: not a driftd sketch */
    DD_SKETCH_ERR_BAD_VERSION,      /* deserialize: a format version this build cannot read */
    DD_SKETCH_ERR_BAD_CHECKSUM,     /* deserialize: CRC-32C mismatch */
    DD_SKETCH_ERR_CORRUPT,          /* deserialize: fields inconsistent or out of range */
    DD_SKETCH_ERR_TOO_LARGE,        /* deserialize: sizes beyond the documented limits */
    DD_SKETCH_ERR_WRONG_TYPE,       /* deserialize: a different sketch type than asked for */
} dd_sketch_err_t;

/* A static, human-readable name for err; never NULL (unknown codes get a generic text). */
const char *dd_sketch_strerror(dd_sketch_err_t err);

/* ---- CPU features ----------------------------------------------------------------------------
 * SIMD paths are chosen once, at run time, from what the CPU and OS support; binaries are built
 * for baseline x86-64 and never with -march=native. */
typedef enum dd_simd_level {
    DD_SIMD_SCALAR = 0,
    DD_SIMD_AVX2 = 1,   /* AVX2 + FMA, OS saves YMM state */
    DD_SIMD_AVX512 = 2, /* AVX-512 F + BW + VL, OS saves ZMM state */
} dd_simd_level_t;

/* The best level this CPU supports. Cheap after the first call; safe from any thread.
 * The environment variable DRIFTD_SIMD=scalar|avx2|avx512 caps it (for tests and comparisons). */
dd_simd_level_t dd_simd_level(void);

/* "scalar", "avx2" or "avx512". */
const char *dd_simd_level_name(dd_simd_level_t level);

/* ---- Moments ---------------------------------------------------------------------------------
 * Count, mean, variance, min and max of the finite values of a column, with nulls, NaN, +inf and
 * -inf counted apart (they never enter the mean or variance).
 *
 * Accuracy: each batch is summarised with the two-pass algorithm (mean, then the sum of squared
 * deviations from it), which is more accurate than Welford's per-value update and vectorises;
 * batches and sketches are combined with the parallel formula of Chan, Golub and LeVeque (1979).
 * Relative error of the variance is O(n·u + (n·u·κ)²), with u = 2⁻⁵³ and κ the condition number
 * sqrt(1 + n·mean²/M2); merge order changes results only by rounding.
 *
 * A plain value type: no allocation, copy it freely; a zeroed struct is NOT valid, use
 * dd_moments_init (min/max start at +inf/-inf). */
typedef struct dd_moments {
    uint64_t count;   /* finite values */
    uint64_t nulls;   /* values marked null in the bitmap */
    uint64_t nans;    /* NaN values (not null) */
    uint64_t pos_inf; /* +inf values */
    uint64_t neg_inf; /* -inf values */
    double mean;      /* of the finite values; 0 when count == 0 */
    double m2;        /* sum of squared deviations from mean */
    double min;       /* +inf when count == 0 */
    double max;       /* -inf when count == 0 */
} dd_moments_t;

void dd_moments_init(dd_moments_t *m);

/* Adds n values (see "Column batches" above). O(n), no allocation. */
void dd_moments_update(dd_moments_t *m, const double *v, const uint8_t *nulls, size_t n);

/* into := into ∪ from. from is unchanged. */
void dd_moments_merge(dd_moments_t *into, const dd_moments_t *from);

/* Population variance (M2/n) and sample variance (M2/(n-1)); NaN when undefined (n < 1, n < 2). */
double dd_moments_variance_population(const dd_moments_t *m);
double dd_moments_variance_sample(const dd_moments_t *m);

/* Sum of the finite values (mean × count; exact to the mean's rounding). */
double dd_moments_sum(const dd_moments_t *m);

/* ---- Serialization (every sketch) ------------------------------------------------------------
 * Each sketch X has:
 *   size_t          dd_X_serialized_size(const X *s);
 *   dd_sketch_err_t dd_X_serialize(const X *s, uint8_t *buf, size_t cap, size_t *written);
 *   dd_sketch_err_t dd_X_deserialize(const uint8_t *buf, size_t len, X **out);  (or X *out for
 *                   value types) — rejects truncated, corrupt, wrong-version, wrong-type or
 *                   over-sized input with an error code and never reads outside [buf, buf+len).
 * The form is versioned, little-endian and checksummed (CRC-32C); docs/sketch-format.md has it.
 * Round trips are exact: deserialize(serialize(s)) answers every query exactly as s does. */
size_t dd_moments_serialized_size(const dd_moments_t *m);
dd_sketch_err_t dd_moments_serialize(const dd_moments_t *m, uint8_t *buf, size_t cap,
                                     size_t *written);
dd_sketch_err_t dd_moments_deserialize(const uint8_t *buf, size_t len, dd_moments_t *out);

/* ---- Fixed-edge histogram ----------------------------------------------------------------------
 * Bins from n_edges strictly increasing finite edges e[0] < ... < e[k], k = n_edges-1 bins,
 * 1 ≤ k ≤ DD_HISTOGRAM_BINS_MAX. Bin i holds e[i] ≤ x < e[i+1]; the last bin also holds x == e[k]
 * (numpy.histogram's convention). x < e[0] (and -inf) is underflow, x > e[k] (and +inf) overflow;
 * NaN and nulls are counted apart. The bin search is vectorised (AVX2 / AVX-512, chosen at run
 * time) and every level gives bit-identical counts to the scalar path. */
#define DD_HISTOGRAM_BINS_MAX 4096u

typedef struct dd_histogram dd_histogram_t;

/* Copies the edges. Errors: INVALID_ARGUMENT naming nothing further when edges are not finite,
 * not strictly increasing, or k is out of range; NO_MEMORY. *out is owned by the caller. */
dd_sketch_err_t dd_histogram_new(const double *edges, size_t n_edges, dd_histogram_t **out);
void dd_histogram_destroy(dd_histogram_t *h); /* NULL is fine */
void dd_histogram_reset(dd_histogram_t *h);   /* all counts to zero, edges kept */
/* A new histogram with the same edges and counts. */
dd_sketch_err_t dd_histogram_clone(const dd_histogram_t *h, dd_histogram_t **out);

/* Adds a column batch at the best SIMD level. O(n log k), no allocation. */
void dd_histogram_update(dd_histogram_t *h, const double *v, const uint8_t *nulls, size_t n);
/* The same at an explicit level (tests, benchmarks); INVALID_ARGUMENT if the CPU lacks it. */
dd_sketch_err_t dd_histogram_update_at(dd_histogram_t *h, const double *v, const uint8_t *nulls,
                                       size_t n, dd_simd_level_t level);
/* into += from; INCOMPATIBLE unless the edges are identical. */
dd_sketch_err_t dd_histogram_merge(dd_histogram_t *into, const dd_histogram_t *from);

size_t dd_histogram_bins(const dd_histogram_t *h);
const double *dd_histogram_edges(const dd_histogram_t *h); /* n_bins + 1 edges, owned by h */
const uint64_t *dd_histogram_counts(const dd_histogram_t *h); /* n_bins counts, owned by h */
uint64_t dd_histogram_underflow(const dd_histogram_t *h);
uint64_t dd_histogram_overflow(const dd_histogram_t *h);
uint64_t dd_histogram_nans(const dd_histogram_t *h);
uint64_t dd_histogram_nulls(const dd_histogram_t *h);
/* Values placed in a bin, underflow or overflow (not NaN, not null). */
uint64_t dd_histogram_total(const dd_histogram_t *h);

size_t dd_histogram_serialized_size(const dd_histogram_t *h);
dd_sketch_err_t dd_histogram_serialize(const dd_histogram_t *h, uint8_t *buf, size_t cap,
                                       size_t *written);
dd_sketch_err_t dd_histogram_deserialize(const uint8_t *buf, size_t len, dd_histogram_t **out);

/* ---- Quantile sketch (KLL) ---------------------------------------------------------------------
 * Karnin, Lang & Liberty's sketch (2016) with lazy compaction, as Apache DataSketches describes it,
 * for values whose range is not known in advance: rank, CDF and quantile queries with a rank error
 * that depends on k only, not on n or the data. Only finite values enter; nulls, NaN and ±inf are
 * counted apart (as in dd_moments_t); min and max are exact. Compaction draws from the sketch's
 * own generator (splitmix64 seeded with `seed`, no global state): the same k, seed and sequence of
 * batches and merges give the same sketch, bit for bit, and a clone or a serialization round trip
 * continues exactly as the original would. The sketch is exact (every value kept) while it holds
 * at most k finite values. Memory: about 3k retained values, 19.6 KiB at the default k after 10^6
 * values and never more than 23 KiB.
 *
 * Rank error: dd_kll_rank_error() returns ε = 2.296 / k^0.9723, DataSketches' fit to the 99th
 * percentile of the largest single-sided normalised rank error over thousands of trials: with
 * probability ≥ 99%, every rank query (and the rank of every quantile answer) is within ε·n of
 * the truth, after one pass or any merges. docs/sketch-kll.md has the bound, its check against
 * this implementation and the serialized form. DD_KLL_K_DEFAULT = 800 gives ε = 0.35% (the goal
 * is ≤ 0.5%) in at most 23 KiB (the goal is ≤ 32 KiB).
 * Getters given NULL return 0 (NaN for those returning double); update ignores a NULL sketch, and
 * `v` may be NULL only when n == 0. */
#define DD_KLL_K_MIN 8u
#define DD_KLL_K_MAX 65535u
#define DD_KLL_K_DEFAULT 800u

typedef struct dd_kll dd_kll_t;

/* INVALID_ARGUMENT when k is outside [DD_KLL_K_MIN, DD_KLL_K_MAX] or out is NULL; NO_MEMORY.
 * *out is the caller's, freed with dd_kll_destroy. */
dd_sketch_err_t dd_kll_new(uint32_t k, uint64_t seed, dd_kll_t **out);
void dd_kll_destroy(dd_kll_t *s); /* NULL is fine */
/* A new sketch identical to s (same items, counters and generator state). */
dd_sketch_err_t dd_kll_clone(const dd_kll_t *s, dd_kll_t **out);
/* Back to empty, as dd_kll_new(k, seed) made it; the memory is kept. */
void dd_kll_reset(dd_kll_t *s);

/* Adds a column batch (see "Column batches"; a null's slot is never read). Amortised O(log k)
 * comparisons per value (about 17 ns per value at the default k), 8 KiB of stack; allocation only
 * when the sketch grows after it gained a level (about log2(n/k) times over its life). Should
 * that allocation fail, the sketch compacts early (a little more error) rather than drop values. */
void dd_kll_update(dd_kll_t *s, const double *v, const uint8_t *nulls, size_t n);
/* into := into ∪ from (from unchanged; into == from is allowed); the error bound holds for the
 * result. INCOMPATIBLE when k differs; TOO_LARGE if the count would overflow 64 bits; NO_MEMORY
 * (into is then unchanged). O(k), with a temporary buffer for both sketches' items. */
dd_sketch_err_t dd_kll_merge(dd_kll_t *into, const dd_kll_t *from);

uint32_t dd_kll_k(const dd_kll_t *s);
uint64_t dd_kll_count(const dd_kll_t *s); /* finite values seen */
uint64_t dd_kll_nulls(const dd_kll_t *s);
uint64_t dd_kll_nans(const dd_kll_t *s);
uint64_t dd_kll_pos_inf(const dd_kll_t *s);
uint64_t dd_kll_neg_inf(const dd_kll_t *s);
double dd_kll_min(const dd_kll_t *s); /* exact; NaN when empty */
double dd_kll_max(const dd_kll_t *s);
/* Estimated fraction of values ≤ x, in [0, 1]: 0 below min, 1 from max on, non-decreasing in x;
 * NaN when empty or x is NaN. O(k), no allocation. */
double dd_kll_rank(const dd_kll_t *s, double x);
/* The smallest retained value whose estimated rank is ≥ q (q = 0 → min, q = 1 → max, exactly),
 * non-decreasing in q; NaN when empty or q outside [0, 1]. At most 64 rank evaluations (a
 * bisection over the doubles in [min, max]), no allocation. */
double dd_kll_quantile(const dd_kll_t *s, double q);
/* ε as defined above, for this sketch's k; 0 while the sketch is exact (nothing compacted yet). */
double dd_kll_rank_error(const dd_kll_t *s);
/* Bytes of memory the sketch holds (struct and buffers). */
size_t dd_kll_bytes(const dd_kll_t *s);

/* The retained values sorted ascending with their weights (each stands for `weight` input
 * values; weights sum to dd_kll_count). Writes min(n_max, dd_kll_retained(s)) entries; returns
 * the number written. Equal values are ordered by weight, so a short output is a prefix of the
 * full one. This is the sorted view from which CDF distances are computed. No allocation (8 KiB
 * of stack); O(retained × levels). */
size_t dd_kll_retained(const dd_kll_t *s);
size_t dd_kll_sorted(const dd_kll_t *s, double *values, uint64_t *weights, size_t n_max);

/* Payload: docs/sketch-kll.md. Deserialize allocates for the items it read (at least 65) and
 * the sketch grows to its capacity on the next update that needs room. */
size_t dd_kll_serialized_size(const dd_kll_t *s);
dd_sketch_err_t dd_kll_serialize(const dd_kll_t *s, uint8_t *buf, size_t cap, size_t *written);
dd_sketch_err_t dd_kll_deserialize(const uint8_t *buf, size_t len, dd_kll_t **out);

/* ---- Distinct counts (HyperLogLog) ---------------------------------------------------------------
 * Input values are 64-bit hashes (the codec hashes categorical values once); they are used as they
 * are: the register index is the top p bits, the rank 1 + the leading zeros of the other 64 - p.
 * 2^p registers of one byte, 4 ≤ p ≤ 18; relative standard error ≈ 1.04/sqrt(2^p) (0.81% at the
 * default p = 14, 16 KiB). The estimate uses Ertl's improved estimator (2017), which needs no
 * empirical bias tables and is accurate from 0 to beyond 2^50 distinct; it is 0 for an empty
 * sketch, and well below 2^p distinct its error is smaller still (a few register collisions).
 * Duplicates and order never matter: the registers are a function of the set of hashes.
 * Serialized payloads: docs/sketch-hll-frequent.md (sparse form for sparsely filled sketches).
 * Getters given NULL return 0 (NaN for the estimate and standard error); update ignores a NULL
 * sketch, and `hashes` may be NULL only when n == 0. */
#define DD_HLL_P_MIN 4u
#define DD_HLL_P_MAX 18u
#define DD_HLL_P_DEFAULT 14u

typedef struct dd_hll dd_hll_t;

/* INVALID_ARGUMENT when p is out of range or out is NULL; NO_MEMORY. *out is the caller's. */
dd_sketch_err_t dd_hll_new(uint32_t p, dd_hll_t **out);
void dd_hll_destroy(dd_hll_t *h); /* NULL is fine */
dd_sketch_err_t dd_hll_clone(const dd_hll_t *h, dd_hll_t **out);
void dd_hll_reset(dd_hll_t *h);
/* Adds a batch of hashes (see "Column batches"; a null's slot is never read). O(n), no
 * allocation. */
void dd_hll_update(dd_hll_t *h, const uint64_t *hashes, const uint8_t *nulls, size_t n);
/* into := into ∪ from, register-wise max: exactly the sketch of the concatenated input.
 * INCOMPATIBLE if p differs; TOO_LARGE if the null count would pass 2^63 - 1. */
dd_sketch_err_t dd_hll_merge(dd_hll_t *into, const dd_hll_t *from);
uint32_t dd_hll_p(const dd_hll_t *h);
double dd_hll_estimate(const dd_hll_t *h); /* O(2^p) */
double dd_hll_standard_error(const dd_hll_t *h); /* relative: 1.04/sqrt(2^p) */
uint64_t dd_hll_nulls(const dd_hll_t *h);
size_t dd_hll_serialized_size(const dd_hll_t *h);
dd_sketch_err_t dd_hll_serialize(const dd_hll_t *h, uint8_t *buf, size_t cap, size_t *written);
dd_sketch_err_t dd_hll_deserialize(const uint8_t *buf, size_t len, dd_hll_t **out);

/* ---- Category counts (exact, then SpaceSaving) --------------------------------------------------
 * Counts of 64-bit category hashes: exact while at most `capacity` distinct hashes have been seen;
 * past that, a SpaceSaving summary with `capacity` counters (Metwally et al. 2005; merged as in
 * Agarwal et al., "Mergeable summaries", 2012). In SpaceSaving mode every reported count c of an
 * item satisfies true ≤ c ≤ true + error(item), error(item) ≤ dd_frequent_max_error() ≤ total /
 * capacity, and every item with true count > total / capacity is reported; an unreported item's
 * true count is at most dd_frequent_max_error(). These hold after any sequence of updates and
 * merges (docs/sketch-hll-frequent.md has the merge rule and the proof).
 * Memory: 136 to 200 bytes per unit of capacity (136 KiB at the default), all allocated by _new.
 * Update: O(1) expected per value, evictions included (the minimum comes from a stream summary).
 * Results depend only on the input sequence, never on memory layout: a clone or a serialization
 * round trip behaves exactly like the original under further updates and merges.
 * DD_FREQUENT_CAPACITY_MAX is set so that a full sketch fits one envelope (DD_WIRE_PAYLOAD_MAX).
 * Getters given NULL return 0; update ignores a NULL sketch, and `hashes` may be NULL only when
 * n == 0. */
#define DD_FREQUENT_CAPACITY_MIN 2u
#define DD_FREQUENT_CAPACITY_MAX (1u << 21)
#define DD_FREQUENT_CAPACITY_DEFAULT 1024u

typedef struct dd_frequent dd_frequent_t;
typedef struct dd_frequent_item {
    uint64_t hash;
    uint64_t count; /* estimate: an upper bound on the true count */
    uint64_t error; /* count - error is a lower bound; 0 while exact */
} dd_frequent_item_t;

/* INVALID_ARGUMENT when capacity is out of range or out is NULL; NO_MEMORY. */
dd_sketch_err_t dd_frequent_new(uint32_t capacity, dd_frequent_t **out);
void dd_frequent_destroy(dd_frequent_t *f); /* NULL is fine */
dd_sketch_err_t dd_frequent_clone(const dd_frequent_t *f, dd_frequent_t **out);
void dd_frequent_reset(dd_frequent_t *f); /* back to empty and exact; capacity kept */
/* Adds a batch of hashes. No allocation (tables are sized at creation). */
void dd_frequent_update(dd_frequent_t *f, const uint64_t *hashes, const uint8_t *nulls, size_t n);
/* into := into ∪ from (from unchanged; into == from is allowed). INCOMPATIBLE unless the
 * capacities are equal; TOO_LARGE if the total or null count would pass 2^63 - 1; NO_MEMORY
 * (into is then unchanged). Exact ∪ exact stays exact while the union has at most `capacity`
 * hashes. O(capacity log capacity), with scratch memory for 2 × capacity items. */
dd_sketch_err_t dd_frequent_merge(dd_frequent_t *into, const dd_frequent_t *from);
uint32_t dd_frequent_capacity(const dd_frequent_t *f);
int dd_frequent_is_exact(const dd_frequent_t *f);
uint64_t dd_frequent_total(const dd_frequent_t *f); /* non-null values counted */
uint64_t dd_frequent_nulls(const dd_frequent_t *f);
uint64_t dd_frequent_max_error(const dd_frequent_t *f); /* 0 while exact */
/* Count estimate of a tracked hash and its error (error may be NULL). For a hash not tracked,
 * returns 0 and sets *error to dd_frequent_max_error(): its true count is at most that. */
uint64_t dd_frequent_estimate(const dd_frequent_t *f, uint64_t hash, uint64_t *error);
/* Tracked items sorted by count descending (ties by hash ascending); writes min(n_max, tracked);
 * returns the number written. dd_frequent_tracked() says how many there are. No allocation. */
size_t dd_frequent_tracked(const dd_frequent_t *f);
size_t dd_frequent_items(const dd_frequent_t *f, dd_frequent_item_t *out, size_t n_max);
size_t dd_frequent_serialized_size(const dd_frequent_t *f);
dd_sketch_err_t dd_frequent_serialize(const dd_frequent_t *f, uint8_t *buf, size_t cap,
                                      size_t *written);
dd_sketch_err_t dd_frequent_deserialize(const uint8_t *buf, size_t len, dd_frequent_t **out);

/* ---- Joint numeric summary -----------------------------------------------------------------------
 * The joint distribution of d numeric fields taken row by row (for multivariate drift: PCA
 * reconstruction error, correlation changes), mergeable, in one of two modes fixed at creation:
 * - exact (d ≤ DD_JOINT_EXACT_MAX): the row count, each field's mean and the comoment matrix
 *   C = Σ (x − mean)(x − mean)ᵀ, exact up to rounding. Batches are taken in chunks of 256 rows
 *   (the chunk's mean and centred comoment, then Chan, Golub and LeVeque's merge); summaries merge
 *   the same way. Update: d²/2 products per row.
 *   Memory (dd_joint_memory_bound): 38 KiB at d = 16, 459 KiB at d = 128, most of it the
 *   scratch of one chunk; serialized 8·(d + d(d+1)/2) + 44 bytes.
 * - Frequent Directions (d > DD_JOINT_EXACT_MAX; Ghashami, Liberty, Phillips & Woodruff 2016):
 *   exact means and per-field sums of squared deviations (M2), and a sketch B of at most 2ℓ − 1
 *   rows (ℓ = fd_rows) of the centred comoment in a scaled space: with S = diag(scale),
 *   BᵀB estimates S⁻¹CS⁻¹ and, whatever the updates and merges,
 *       0 ≼ S⁻¹CS⁻¹ − BᵀB ≼ Δ·I,
 *   Δ a bound the sketch computes as it goes (≤ ‖A − A_k‖²_F/(ℓ − k) for every k < ℓ while
 *   every merge was between equal scales; A is any matrix with AᵀA = S⁻¹CS⁻¹). A field's scale is
 *   the power of two nearest the standard deviation of its values in the first chunk (1 when that
 *   is 0), so that no field dominates the sketch by its units alone; powers of two make scaling
 *   and rescaling exact. A merge rescales the other summary's rows to this one's scales, and
 *   adds its Δ times the largest squared ratio of the two scales (so a summary whose first
 *   chunk was one row, scales all 1, inflates the bound of what is merged into it). Update: O(ℓ·d)
 *   per row amortised (a shrink every ℓ + 1 rows costs O(ℓ²·d + ℓ³)). Memory 8·(4 + 2ℓ)·d
 *   bytes (0.5 MiB at d = 1000 and ℓ = 32) besides the thread's scratch; serialized 8·(3d + rows·d) + 52 bytes.
 * A row with a missing value in any field — null, non-finite or beyond ±DD_JOINT_VALUE_MAX (its
 * products would leave double range) — is left out of everything and counted
 * (dd_joint_incomplete). Deterministic: the same batches and merges give the same bits, at every
 * SIMD level (the kernels use no FMA, whose rounding differs). A summary's memory is allocated
 * by _new and never after (queries that allocate say so); the scratch of an update or a merge
 * (a chunk of rows, and FD's shrink) is this thread's, shared by every summary it updates,
 * allocated when the thread first needs it or needs more (so NO_MEMORY is possible there) and
 * freed when the thread ends. docs/sketches.md has the guarantee's argument;
 * docs/sketch-format.md the serialized form. */
#define DD_JOINT_FIELDS_MAX 4096u
#define DD_JOINT_EXACT_MAX 128u
#define DD_JOINT_FD_ROWS_MIN 2u
#define DD_JOINT_FD_ROWS_MAX 256u
#define DD_JOINT_FD_ROWS_DEFAULT 32u
#define DD_JOINT_VALUE_MAX 0x1p200 /* ≈ 1.6e60 */

typedef struct dd_joint dd_joint_t;

/* d fields, 1 ≤ d ≤ DD_JOINT_FIELDS_MAX; fd_rows = ℓ in [DD_JOINT_FD_ROWS_MIN,
 * DD_JOINT_FD_ROWS_MAX], 0 for the default, ignored when d ≤ DD_JOINT_EXACT_MAX (exact mode).
 * INVALID_ARGUMENT for sizes out of range or out NULL; NO_MEMORY. *out is the caller's. */
dd_sketch_err_t dd_joint_new(uint32_t d, uint32_t fd_rows, dd_joint_t **out);
/* An empty summary with j's d, mode and ℓ. */
dd_sketch_err_t dd_joint_new_like(const dd_joint_t *j, dd_joint_t **out);
void dd_joint_destroy(dd_joint_t *j); /* NULL is fine */
/* Back to empty (counts, means, scales, rows, Δ); nothing is allocated or freed. */
void dd_joint_reset(dd_joint_t *j);

/* Adds n rows: cols[f][i] is field f of row i (d columns, none NULL when n > 0); nulls may be
 * NULL (no nulls), and so may nulls[f]; otherwise nulls[f] is field f's null bitmap as in "Column
 * batches" (bit i set: row i's value is missing, its slot is not used). No allocation. TOO_LARGE
 * when the rows seen (complete + incomplete) would pass 2^63 − 1; INVALID_ARGUMENT for NULLs. */
dd_sketch_err_t dd_joint_update(dd_joint_t *j, const double *const *cols,
                                const uint8_t *const *nulls, size_t n);
/* into := into ∪ from; from unchanged. INCOMPATIBLE unless d, mode and ℓ agree;
 * INVALID_ARGUMENT for NULL or into == from; TOO_LARGE as in update. Exact mode: Chan's merge.
 * FD: into takes from's scales when it is empty (the merge is then a copy), else appends from's
 * rescaled rows and one row for the two means, shrinking as it fills. No allocation. */
dd_sketch_err_t dd_joint_merge(dd_joint_t *into, const dd_joint_t *from);

uint32_t dd_joint_fields(const dd_joint_t *j);
uint32_t dd_joint_fd_rows(const dd_joint_t *j);    /* ℓ; 0 in exact mode */
uint64_t dd_joint_count(const dd_joint_t *j);      /* complete rows summarised */
uint64_t dd_joint_incomplete(const dd_joint_t *j); /* rows left out */
/* Each field's mean and population variance (M2/n) over the complete rows, into d doubles; exact
 * (to rounding) in both modes; NaN when the count is 0. */
void dd_joint_mean(const dd_joint_t *j, double *mean);
void dd_joint_variance(const dd_joint_t *j, double *var);
/* The population covariance (C/n) as a d×d row-major matrix. FD: the estimate S·BᵀB·S/n, diagonal
 * included (the exact variances in its place could break the lower bound below; read them from
 * dd_joint_variance). NaN everywhere when the count is 0. INVALID_ARGUMENT for NULL. O(d²), FD
 * O(ℓ·d²). */
dd_sketch_err_t dd_joint_covariance(const dd_joint_t *j, double *cov);
/* The bound of the covariance estimate: for every vector u,
 *     0 ≤ uᵀ(Cov − estimate)u ≤ bound · Σ_a (u_a·scale_a)²,
 * bound = Δ/n (0 when the count is 0, and always 0 in exact mode). Writes the d scales when scale
 * is not NULL (all 1 in exact mode and while empty). */
double dd_joint_covariance_bound(const dd_joint_t *j, double *scale);
/* E[(x − c)ᵀ Q (x − c)] over the summarised rows = ⟨Q, Cov⟩ + (mean − c)ᵀ Q (mean − c), with Q a
 * d×d row-major matrix (symmetric for the formula to be a quadratic form) and c d doubles (NULL:
 * the origin). FD: from the covariance estimate, so it errs by at most bound·Σ_a λ⁺_a(S Q S)
 * (the sum of S·Q·S's positive eigenvalues), from below for a positive semidefinite Q. NaN
 * when the count is 0 or j or Q is NULL. Exact O(d²), FD O(ℓ·d²); no allocation. */
double dd_joint_quadratic_mean(const dd_joint_t *j, const double *c, const double *Q);
/* Principal components of W·Cov·W, W = diag(w) (w NULL: all 1; w = 1/standard deviation gives the
 * correlation matrix's; w_a = 0 drops field a): up to max_k eigenpairs in descending order of
 * eigenvalue, eigenvalues to values[0..k), unit eigenvectors to vectors[i·d .. i·d + d) (each with
 * its largest component positive); *k_out pairs written. Exact mode: min(max_k, d) pairs, from the
 * d×d matrix. FD: from the Gram matrix of B·diag(scale·w) (B's rows in use, at most 2ℓ − 1):
 * eigenvalues of the estimate, each within [true − bound·max_a (w_a·scale_a)², true] of the true
 * one (Weyl), and only those above 64·rows·u times the largest (u = 2⁻⁵³; the rest are rounding,
 * their directions meaningless). *k_out = 0 when the count is 0. INVALID_ARGUMENT for NULL
 * arguments (values and vectors may be NULL when max_k is 0) or a non-finite w or W·Cov·W;
 * NO_MEMORY. Allocates its scratch (O(d²), FD O(ℓ² + d)) and frees it. */
dd_sketch_err_t dd_joint_pca(const dd_joint_t *j, const double *w, size_t max_k, double *values,
                             double *vectors, size_t *k_out);
/* Bytes dd_joint_new(d, fd_rows) allocates (struct, arrays and scratch); 0 for sizes out of
 * range. What deserialization takes from the decode budget. */
uint64_t dd_joint_memory_bound(uint32_t d, uint32_t fd_rows);

/* One envelope (type DD_WIRE_JOINT). Deserialize validates every size against the bytes present
 * and the budget before allocating, and every number against what values within
 * ±DD_JOINT_VALUE_MAX can produce, so a summary it accepts merges, shrinks and answers in finite
 * arithmetic; a round trip answers every query with the same bits and serializes to the same
 * bytes. At most 16.8 MB (d = 4096, ℓ = 256). */
size_t dd_joint_serialized_size(const dd_joint_t *j);
dd_sketch_err_t dd_joint_serialize(const dd_joint_t *j, uint8_t *buf, size_t cap, size_t *written);
dd_sketch_err_t dd_joint_deserialize(const uint8_t *buf, size_t len, dd_joint_t **out);

/* ---- Symmetric eigenproblems ------------------------------------------------------------------ */
/* Every eigenpair of a symmetric n×n matrix (row-major; only its upper triangle is read, and all
 * of `a` is overwritten), 1 ≤ n ≤ DD_SYM_EIGEN_MAX: eigenvalues to values[n] in descending order,
 * unit eigenvectors as the rows of `vectors` (n×n: vectors[i·n + k] is component k of the i-th),
 * each with its largest component positive. Householder tridiagonalisation, implicit QR steps with
 * Wilkinson's shift, then Jacobi sweeps that confirm every off-diagonal entry negligible
 * (sketches/linalg.c): backward stable, eigenvalues within a small multiple of n·u·‖A‖ (u = 2⁻⁵³),
 * eigenvectors orthonormal to working precision. About 4n³ flops (0.3 ms at n = 64, 22 ms at
 * n = 300); no allocation. INVALID_ARGUMENT for NULL, n out of range or a non-finite entry in the
 * upper triangle. */
#define DD_SYM_EIGEN_MAX 4096u
dd_sketch_err_t dd_sym_eigen(double *a, size_t n, double *values, double *vectors);

/* ---- Statistics between two distributions --------------------------------------------------------
 * Computed from sketches (or raw data) at evaluation time, never per record. Inputs are read-only;
 * no allocation. Conventions follow scipy and Evidently, so results can be checked against them;
 * docs/statistics.md states each formula, its smoothing and, for sketch inputs, its error bound.
 *
 * A weighted sorted sample is what a quantile sketch's sorted view gives (dd_kll_sorted), or raw
 * data sorted ascending with weights NULL (all 1). Values must be sorted ascending and finite. */
typedef struct dd_weighted_sample {
    const double *values;
    const uint64_t *weights; /* NULL = every weight is 1 */
    size_t n;
} dd_weighted_sample_t;

/* Kolmogorov–Smirnov statistic: sup over x of |F_a(x) − F_b(x)| of the weighted empirical CDFs
 * (scipy.stats.ks_2samp's statistic). INVALID_ARGUMENT for an empty sample or zero total weight. */
dd_sketch_err_t dd_stat_ks(const dd_weighted_sample_t *a, const dd_weighted_sample_t *b,
                           double *statistic);
/* Wasserstein-1 distance ∫|F_a − F_b| dx (scipy.stats.wasserstein_distance with weights). */
dd_sketch_err_t dd_stat_wasserstein1(const dd_weighted_sample_t *a, const dd_weighted_sample_t *b,
                                     double *distance);

/* The same two statistics between two quantile sketches, with a bound on how far the sketched
 * value can be from the one on the full data: ε_ref + ε_cur for KS and (ε_ref + ε_cur)·(max − min)
 * for W1, ε = dd_kll_rank_error (docs/statistics.md). Allocates the sorted views (evaluation
 * time, not per record). INVALID_ARGUMENT when a sketch is empty; NO_MEMORY. */
dd_sketch_err_t dd_stat_ks_kll(const dd_kll_t *ref, const dd_kll_t *cur, double *statistic,
                               double *error_bound);
dd_sketch_err_t dd_stat_wasserstein1_kll(const dd_kll_t *ref, const dd_kll_t *cur,
                                         double *distance, double *error_bound);

/* Every two-sample statistic of a numeric field in one merge walk (ref = the reference, cur = the
 * current sample; weighted sorted samples as above). For KS and W1 an entry of weight w counts as
 * w values at its value. For the ranks, several entries with one value are a tie (each member
 * gets the group's mid-rank), but a single entry of weight w takes w consecutive ranks: a sketch
 * entry stands for w distinct nearby values the sketch merged, not for a repeated value:
 * - ks, wasserstein: as dd_stat_ks and dd_stat_wasserstein1;
 * - location: the Wilcoxon–Mann–Whitney rank sum of the current sample among the pooled one
 *   (mid-ranks for ties), as location_z = (sum − E)/sd under its exact permutation moments, so
 *   z > 0 when the current values are larger; auc = U / (n·m) = P(cur > ref) + ½·P(cur = ref),
 *   auc_sd its standard deviation under the permutation distribution;
 * - scale: the sum of |mid-rank − (N+1)/2| over the current sample (an Ansari–Bradley-type
 *   statistic: large when the current values sit further out in the pooled order), as scale_z
 *   likewise, z > 0 when the current sample is more spread; dispersion = mean |rank − centre| / N
 *   (1/4 without ties when nothing changed), dispersion_sd likewise;
 * - *_skew, *_kurtosis: bounds on the skewness (absolute) and excess kurtosis of each rank sum's
 *   permutation distribution, from its score population: the normal approximation of a z is
 *   trusted only where both are small (heavy ties in few values make them large);
 * - max_tie_share: the largest share of the pooled sample at one value.
 * O(ref->n + cur->n), no allocation. INVALID_ARGUMENT for an empty sample or zero total weight. */
#define DD_TWO_SAMPLE_VALUES_MAX 64u

typedef struct dd_two_sample_stats {
    double n_reference, n_current; /* total weights */
    double ks, wasserstein;
    double auc, auc_sd, location_z, location_skew, location_kurtosis;
    double dispersion, dispersion_sd, scale_z, scale_skew, scale_kurtosis;
    double max_tie_share;
    /* Few distinct values (a count, a 0/1 flag): each value's weight on each side, when there
     * are at most DD_TWO_SAMPLE_VALUES_MAX of them (n_values 0 otherwise), for a test over the
     * values themselves where ties make the rank tests unusable. */
    size_t n_values;
    double value_ref[DD_TWO_SAMPLE_VALUES_MAX], value_cur[DD_TWO_SAMPLE_VALUES_MAX];
} dd_two_sample_stats_t;

dd_sketch_err_t dd_stat_two_sample(const dd_weighted_sample_t *ref, const dd_weighted_sample_t *cur,
                                   dd_two_sample_stats_t *out);

/* ∫ √(F(x)(1 − F(x))) dx of a sample's empirical CDF: by del Barrio, Giné and Matrán (1999) the
 * mean of √(n·m/(n+m))·W1 between two samples of this distribution tends to √(2/π) times it, the
 * centre of Wasserstein-1's noise floor. NaN for an empty sample. O(n). */
double dd_stat_reference_spread(const dd_weighted_sample_t *ref);

/* Category counts of two category-count sketches, aligned for dd_stat_binned / dd_stat_chi2:
 * entry i < *n − 1 is category hashes[i] (the union of both sketches' tracked categories, sorted
 * by hash), entry *n − 1 is "other" (hash 0): what a sketch counted but does not track. n_max must
 * be ≥ dd_frequent_tracked(ref) + dd_frequent_tracked(cur) + 1. *share_error bounds, for both
 * sketches, how far any entry's share of its total can be from the true share: 0 while both are
 * exact, else max_error / total (docs/statistics.md carries it into the statistics).
 * INVALID_ARGUMENT when n_max is too small or a sketch is empty; NO_MEMORY. */
dd_sketch_err_t dd_stat_align_categories(const dd_frequent_t *ref, const dd_frequent_t *cur,
                                         uint64_t *hashes, uint64_t *ref_counts,
                                         uint64_t *cur_counts, size_t n_max, size_t *n,
                                         double *share_error);

/* Divergences between two histograms over the same bins (counts; each total must be > 0).
 * p = reference proportions, q = current proportions. */
typedef struct dd_binned_stats {
    double psi;             /* Σ (q'−p') ln(q'/p'), zero proportions replaced by `smoothing` */
    double kl;              /* KL(p'‖q') of the smoothed proportions renormalised (scipy entropy) */
    double jensen_shannon;  /* JS distance, natural log (scipy.spatial.distance.jensenshannon) */
    double hellinger;       /* sqrt(½ Σ (√p − √q)²) */
    double total_variation; /* ½ Σ |p − q| */
} dd_binned_stats_t;

#define DD_STAT_SMOOTHING_DEFAULT 1e-4 /* Evidently's replacement for an empty bin's share */

dd_sketch_err_t dd_stat_binned(const uint64_t *reference, const uint64_t *current, size_t n_bins,
                               double smoothing, dd_binned_stats_t *out);

/* Pearson's chi-square statistic of the 2×k contingency table [reference; current] over k
 * categories (categories empty in both rows are left out, as they carry no information), with
 * degrees of freedom k'−1; `yates` applies Yates' continuity correction when dof == 1, as
 * scipy.stats.chi2_contingency does by default. INVALID_ARGUMENT when a row total is 0. */
dd_sketch_err_t dd_stat_chi2(const uint64_t *reference, const uint64_t *current, size_t k,
                             int yates, double *statistic, uint32_t *dof);

/* ---- P-values ----------------------------------------------------------------------------------
 * Tails computed directly, never as 1 − cdf, so a small p-value keeps its relative precision until
 * it leaves the doubles (below ~4.9e-324 it is 0); the dd_log_pvalue_* forms return the natural
 * log and stay finite beyond. Results lie in [0, 1] and are never NaN: an argument outside the
 * domain (NaN statistic, non-positive or NaN dof, an empty sample) gives 1.0 (log form 0.0),
 * "no evidence". Pure functions of their arguments: thread-safe, no global state. libm only;
 * docs/statistics.md, "P-values", has the methods, their regimes and the scipy oracle's
 * tolerances. */

/* Two-sided p-value of a standard normal z: 2·Φ(−|z|) = erfc(|z|/√2), which equals
 * 2·scipy.stats.norm.sf(|z|). Symmetric in z; 1.0 at z = 0; 0.0 (log form −inf) only at ±inf.
 * The log form uses log(erfc) while erfc is a normal double (|z| < 26·√2) and the asymptotic
 * series of log erfc beyond, so it is finite for every finite z (≈ −z²/2 − log|z| − ½·log(π/2)).
 * O(1). */
double dd_pvalue_normal_two_sided(double z);
double dd_log_pvalue_normal_two_sided(double z);

/* Two-sided p-value of Student's t with `dof` > 0 (real) degrees of freedom: P(|T| > |t|) =
 * 2·scipy.stats.t.sf(|t|, dof), from the regularized incomplete beta I_{ν/(ν+t²)}(ν/2, 1/2) by its
 * continued fraction. 1.0 for t = 0 or NaN, for dof ≤ 0 or NaN; 0.0 at t = ±inf; the normal's at
 * dof = +inf. O(√dof + 1) iterations. */
double dd_pvalue_t_two_sided(double t, double dof);

/* Upper tail of the chi-square distribution with `dof` > 0 (real) degrees of freedom at
 * `statistic`: the regularized upper incomplete gamma Q(dof/2, statistic/2) (scipy's chi2.sf and
 * chi2.logsf). 1.0 (log 0.0) for statistic ≤ 0 or NaN, and for dof ≤ 0, NaN or +inf; 0.0 (log
 * −inf) for statistic = +inf. O(√dof + 1) iterations. */
double dd_pvalue_chi2(double statistic, double dof);
double dd_log_pvalue_chi2(double statistic, double dof);

/* Two-sided p-value of the two-sample KS statistic d (dd_stat_ks) for sample sizes n and m, as
 * scipy.stats.ks_2samp(method='auto') computes it. While max(n, m) ≤ 10,000 it is exact: d is
 * snapped to the nearest multiple of 1/lcm(n, m) and the probability of a lattice path leaving
 * the band is computed (O(n) when n = m, else O(max(n, m) × band) time and O(min(n, m)) memory,
 * allocated per call). Above, it is the one-sample two-sided distribution of D_N (scipy's kstwo)
 * at N = round(n·m/(n+m)), whose far tail is summed in log form where scipy returns 0; d = 1
 * there gives the exact 2/C(n+m, n). 1.0 for d ≤ 0 or NaN, or n or m = 0; d > 1 counts as 1.
 * Up to ~10^8 arithmetic steps at max(n, m) = 10,000 and d near 1; should an allocation fail,
 * the result comes from the kstwo approximation instead. */
double dd_pvalue_ks_2samp(double d, uint64_t n, uint64_t m);

/* dd_pvalue_ks_2samp's large-sample branch at any size: the one-sample distribution of D_N at N =
 * round(n·m/(n+m)) (scipy's kstwo), exact at d = 1. Cheap in the tail (p below about 0.02), a
 * matrix power above. */
double dd_pvalue_ks_2samp_large(double d, uint64_t n, uint64_t m);
/* Kolmogorov's limit P(K > λ) = 2 Σ_{k≥1} (−1)^{k−1} e^{−2k²λ²} (scipy.special.kolmogorov),
 * 1 for λ < 0.2. O(1). */
double dd_pvalue_kolmogorov(double lambda);

/* Inverses, for noise floors: the x with 2·Φ(−x)/2 = p, i.e. the standard normal's upper-tail
 * quantile (scipy.stats.norm.isf(p)), and the chi-square's upper-tail quantile with `dof` > 0
 * (scipy.stats.chi2.isf(p, dof)). +inf at p = 0; NaN for dof ≤ 0. A few refinement steps each,
 * no allocation. */
double dd_quantile_normal_upper(double p);
double dd_quantile_chi2_upper(double p, double dof);

/* Two-sided Fisher exact test of the 2×2 table [[a, b], [c, d]] with scipy.stats.fisher_exact's
 * rule: the probability, under fixed margins, of the tables no more likely than the observed one
 * (within a relative 1e-14); 1.0 when a row or column sums to 0. O(√(variance of a) + |a −
 * mode|) steps, no allocation; cell counts up to 2^26 keep every step exact in its integers. */
double dd_pvalue_fisher_exact_2x2(uint64_t a, uint64_t b, uint64_t c, uint64_t d);

/* ---- Sketch sets: every field of a stream, one pane or one reference --------------------------
 * A numeric field keeps moments, a quantile sketch and (when edges are given, e.g. the reference's
 * quantiles) a fixed-edge histogram; a categorical field keeps category counts and a distinct
 * count. Two sets merge when they were made from the same field specs (same kinds and parameters,
 * same histogram edges). */
typedef enum dd_field_kind {
    DD_FIELD_NUMERIC = 1,
    DD_FIELD_CATEGORICAL = 2,
} dd_field_kind_t;

typedef struct dd_field_spec {
    dd_field_kind_t kind;
    const double *edges;        /* numeric: histogram edges (copied), or NULL for none */
    size_t n_edges;             /* 0 with edges == NULL */
    uint32_t kll_k;             /* numeric: 0 = DD_KLL_K_DEFAULT */
    uint32_t hll_p;             /* categorical: 0 = DD_HLL_P_DEFAULT */
    uint32_t frequent_capacity; /* categorical: 0 = DD_FREQUENT_CAPACITY_DEFAULT */
    uint8_t joint;              /* numeric: 1 = one of the fields of the set's joint summary */
} dd_field_spec_t;

#define DD_SKETCH_SET_FIELDS_MAX 65536u

/* Deserializing can take far more memory than the bytes read: a sparse HyperLogLog of a few
 * bytes becomes 2^p registers, an empty category sketch its whole capacity. For untrusted input
 * (state files) a caller sets a budget on its thread: every sketch deserialized on it until
 * dd_sketch_decode_budget_clear takes its in-memory size from the budget, and one that does not
 * fit fails with DD_SKETCH_ERR_TOO_LARGE before allocating. No budget is set by default. */
void dd_sketch_decode_budget_set(uint64_t bytes);
void dd_sketch_decode_budget_clear(void);
int dd_sketch_decode_budget_active(void);

typedef struct dd_sketch_set dd_sketch_set_t;

/* Creates the sketches of n_fields fields (1 ≤ n_fields ≤ DD_SKETCH_SET_FIELDS_MAX). The quantile
 * sketches' seeds derive from `seed` and the field index. INVALID_ARGUMENT for a bad spec. */
dd_sketch_err_t dd_sketch_set_new(const dd_field_spec_t *fields, size_t n_fields, uint64_t seed,
                                  dd_sketch_set_t **out);
void dd_sketch_set_destroy(dd_sketch_set_t *set); /* NULL is fine */
/* Empties every sketch: O(total sketch size), not O(records); nothing is allocated or freed. */
void dd_sketch_set_reset(dd_sketch_set_t *set);
/* A set with the same specs and no data (what dd_window_merge_live writes into). */
dd_sketch_err_t dd_sketch_set_new_like(const dd_sketch_set_t *set, dd_sketch_set_t **out);

/* The spec field `field` was made from (its edges point into the set: valid while it lives), and
 * the seed the set was made with: dd_sketch_set_new(specs, n, seed) makes a set like this one. */
dd_sketch_err_t dd_sketch_set_spec(const dd_sketch_set_t *set, size_t field, dd_field_spec_t *out);
uint64_t dd_sketch_set_seed(const dd_sketch_set_t *set);

size_t dd_sketch_set_fields(const dd_sketch_set_t *set);
dd_field_kind_t dd_sketch_set_kind(const dd_sketch_set_t *set, size_t field);
/* Rows seen: the caller adds them once per record batch (fields may be absent in some records). */
void dd_sketch_set_add_rows(dd_sketch_set_t *set, uint64_t rows);
uint64_t dd_sketch_set_rows(const dd_sketch_set_t *set);

/* Adds a column batch to a field. INVALID_ARGUMENT for a wrong field index or kind. */
dd_sketch_err_t dd_sketch_set_update_numeric(dd_sketch_set_t *set, size_t field, const double *v,
                                             const uint8_t *nulls, size_t n);
dd_sketch_err_t dd_sketch_set_update_categorical(dd_sketch_set_t *set, size_t field,
                                                 const uint64_t *hashes, const uint8_t *nulls,
                                                 size_t n);
/* The most memory a set with these sketches can take (every sketch at its largest), for
 * budgets: the set's own parameters (p, capacity, k, edges), not its contents. */
uint64_t dd_sketch_set_memory_bound(const dd_sketch_set_t *set);
/* into := into ∪ from; INCOMPATIBLE unless both come from the same specs. */
dd_sketch_err_t dd_sketch_set_merge(dd_sketch_set_t *into, const dd_sketch_set_t *from);

/* ---- The joint summary of a set -----------------------------------------------------------
 * When two or more numeric fields have `joint` set in their specs, the set also keeps a joint
 * summary (dd_joint_t, exact up to DD_JOINT_EXACT_MAX fields, Frequent Directions of
 * DD_JOINT_FD_ROWS_DEFAULT rows above) of asinh of those fields' values (the identity near 0, a
 * logarithm far from it: heavy tails, which second moments cannot be judged on at any sample
 * size a window has, become light), in the order of the set, in two halves:
 * each batch's rows are cut in two parts at a multiple of 8 and the larger part goes to the half
 * that holds fewer rows so far. Halves merge with halves, so a merged window keeps them: a model
 * fitted on one half scores the other's rows as new data (docs/multivariate.md). */
/* The number of joint fields (0: no joint summary) and the set's index of the i-th. */
size_t dd_sketch_set_joint_fields(const dd_sketch_set_t *set);
size_t dd_sketch_set_joint_field(const dd_sketch_set_t *set, size_t i);
/* Adds a batch of n rows: numbers[f] and nulls[f] are set field f's column and null bitmap, for
 * every field f of the set (those not joint are not read and may be NULL; nulls may be NULL).
 * A no-op for a set without a joint summary. The transformed columns go through this thread's
 * buffer, allocated when the thread first needs it or a larger one (NO_MEMORY then possible). */
dd_sketch_err_t dd_sketch_set_update_joint(dd_sketch_set_t *set, const double *const *numbers,
                                           const uint8_t *const *nulls, size_t n);
/* Half 0 or 1 of the joint summary (owned by the set); NULL without one. */
const dd_joint_t *dd_sketch_set_joint(const dd_sketch_set_t *set, int half);

/* The field's sketches, owned by the set; NULL when the field has no such sketch. */
const dd_moments_t *dd_sketch_set_moments(const dd_sketch_set_t *set, size_t field);
const dd_histogram_t *dd_sketch_set_histogram(const dd_sketch_set_t *set, size_t field);
const dd_kll_t *dd_sketch_set_kll(const dd_sketch_set_t *set, size_t field);
const dd_hll_t *dd_sketch_set_hll(const dd_sketch_set_t *set, size_t field);
const dd_frequent_t *dd_sketch_set_frequent(const dd_sketch_set_t *set, size_t field);

/* One envelope (type DD_WIRE_SKETCH_SET) holding the row count and each field's sketches as nested
 * envelopes; deserialize validates every nested sketch and caps the field count. */
size_t dd_sketch_set_serialized_size(const dd_sketch_set_t *set);
dd_sketch_err_t dd_sketch_set_serialize(const dd_sketch_set_t *set, uint8_t *buf, size_t cap,
                                        size_t *written);
dd_sketch_err_t dd_sketch_set_deserialize(const uint8_t *buf, size_t len, dd_sketch_set_t **out);

/* ---- Windows: a ring of panes ------------------------------------------------------------------
 * Time is cut into panes of pane_ms; the window is the last n_panes panes. Records go to the pane
 * of their timestamp; a pane's sketch set is made when its first records arrive and freed when it
 * falls out of the window, at O(sketch size) whatever the number of records, so a window costs
 * memory for the panes that have data only. The rolling window's distribution is the merge of
 * the live panes. */
#define DD_WINDOW_PANES_MAX 10000u

typedef struct dd_window dd_window_t;

dd_sketch_err_t dd_window_new(const dd_field_spec_t *fields, size_t n_fields, uint32_t n_panes,
                              int64_t pane_ms, uint64_t seed, dd_window_t **out);
void dd_window_destroy(dd_window_t *w); /* NULL is fine */

/* The pane holding time t_ms, opening it (and expiring the panes it pushes out) when t_ms is past
 * the newest pane; the pane's set is made on its first call (an allocation per pane, not per
 * record). NULL when t_ms is older than the oldest live pane: the record is late and the caller
 * counts it (also when the pane's set could not be allocated). */
dd_sketch_set_t *dd_window_pane_for(dd_window_t *w, int64_t t_ms);
/* Moves the window's end to cover now_ms, expiring panes that fall out, without adding data. */
void dd_window_advance(dd_window_t *w, int64_t now_ms);
/* out := merge of the live panes (out must come from dd_window_new_set or share the specs). */
dd_sketch_err_t dd_window_merge_live(const dd_window_t *w, dd_sketch_set_t *out);
/* Adds every live pane of `from`, oldest first, to the pane of the same time in `to` (same pane
 * length and field specs; `to` is usually empty): a ring of another size carried over, the
 * newest panes kept if `to` is smaller. INCOMPATIBLE when pane lengths or fields differ. */
dd_sketch_err_t dd_window_copy_panes(dd_window_t *from, dd_window_t *to);
/* out := merge of the live panes that lie within [from_ms, to_ms) (a window can keep a few panes
 * more than it compares, for the records of an event-time watermark's delay). */
dd_sketch_err_t dd_window_merge_range(const dd_window_t *w, int64_t from_ms, int64_t to_ms,
                                      dd_sketch_set_t *out);
/* A set with the window's specs, to merge into. */
dd_sketch_err_t dd_window_new_set(const dd_window_t *w, dd_sketch_set_t **out);
/* [start, end) of the live window in ms; both 0 before the first pane opens. */
int64_t dd_window_start_ms(const dd_window_t *w);
int64_t dd_window_end_ms(const dd_window_t *w);
uint32_t dd_window_live_panes(const dd_window_t *w);
/* Sum of dd_sketch_set_rows over the live panes (0 for NULL); _range: over those within
 * [from_ms, to_ms), as dd_window_merge_range takes them. */
uint64_t dd_window_rows(const dd_window_t *w);
uint64_t dd_window_rows_range(const dd_window_t *w, int64_t from_ms, int64_t to_ms);
/* The live panes within [from_ms, to_ms) that have a set, as dd_window_merge_range takes them,
 * in slot order (not time order), up to cap of them; returns how many were written. The sets
 * are the window's: valid until it next changes. */
size_t dd_window_panes_range(const dd_window_t *w, int64_t from_ms, int64_t to_ms,
                             const dd_sketch_set_t **out, size_t cap);
int64_t dd_window_pane_ms(const dd_window_t *w);   /* 0 for NULL */
uint32_t dd_window_n_panes(const dd_window_t *w); /* 0 for NULL */
/* Pane sets the window holds now: one per live pane that has had data (a pane's set is made with
 * its first batch and freed when it falls out), never more than n_panes. Blocks of the merge
 * cache are not counted. O(n_panes). */
size_t dd_window_pane_sets(const dd_window_t *w);
/* Sets a window of n_panes panes may add for its cache of merged blocks (window.c: merges cost
 * O(log n_panes) sets, not n_panes), each as large as a pane's at most; 0 below 32 panes. */
size_t dd_window_cache_sets(uint32_t n_panes);

/* Time range: timestamps t_ms with |t_ms| > DD_WINDOW_TIME_MS_MAX (about 146 million years from
 * 1970) are refused, so pane arithmetic never overflows: dd_window_pane_for returns NULL for them
 * (the caller counts the record as late) and dd_window_advance ignores them. */
#define DD_WINDOW_TIME_MS_MAX ((int64_t)1 << 62)

/* One envelope (type DD_WIRE_WINDOW, docs/sketch-format.md) holding pane_ms, n_panes, the newest
 * pane and every slot's pane index and sketch set (nested DD_WIRE_SKETCH_SET envelopes).
 * Deserialize validates it all: the limits of dd_window_new, every slot holding the pane the ring
 * puts there, every pane made from the same specs and seed; it allocates the window (*out, the
 * caller's) with sets for the panes that hold data only (an empty pane is written as a new set). A round trip behaves exactly as the original: pane_for, advance, merge_live,
 * start/end, live panes and rows, and serializes to the same bytes. The envelope may carry up to
 * 1 GiB (DD_WIRE_WINDOW_PAYLOAD_MAX); serialize returns TOO_LARGE beyond. */
size_t dd_window_serialized_size(const dd_window_t *w);
dd_sketch_err_t dd_window_serialize(const dd_window_t *w, uint8_t *buf, size_t cap,
                                    size_t *written);
dd_sketch_err_t dd_window_deserialize(const uint8_t *buf, size_t len, dd_window_t **out);

/* ---- Sequential change detectors ----------------------------------------------------------------
 * Detectors of a change in a stream of numbers (an error indicator, a loss, a residual, a value),
 * fed in order a batch at a time, with the algorithms and parameters of River's drift detectors
 * (docs/detectors.md): ADWIN, DDM, EDDM, Page-Hinkley, HDDM-A, HDDM-W and KSWIN. On the same
 * values and parameters they flag the same positions as River 0.26 (tests/oracle checks it; KSWIN
 * with a seed). After a drift a detector starts afresh with the next value, as River's do.
 *
 * Values: DDM and EDDM read an error indicator (0: right, any other finite value: wrong); HDDM-A
 * and HDDM-W values in [0, 1]; the others any finite number. A non-finite value (NaN, ±inf) is
 * skipped: it changes nothing, is counted (dd_detector_skipped) and keeps its position. Memory is
 * fixed at dd_detector_new except ADWIN's buckets, O(max_buckets × log2(width)); an update never
 * allocates, except ADWIN's when its window doubles. Not thread-safe: one thread per detector. */
typedef enum dd_detector_kind {
    DD_DETECTOR_ADWIN,
    DD_DETECTOR_DDM,
    DD_DETECTOR_EDDM,
    DD_DETECTOR_PAGE_HINKLEY,
    DD_DETECTOR_HDDM_A,
    DD_DETECTOR_HDDM_W,
    DD_DETECTOR_KSWIN,
    DD_DETECTOR_KINDS
} dd_detector_kind_t;

typedef enum dd_detector_mode { /* Page-Hinkley: which direction of change it looks for */
    DD_DETECTOR_BOTH,
    DD_DETECTOR_UP,
    DD_DETECTOR_DOWN
} dd_detector_mode_t;

/* One detector's parameters; dd_detector_params_init gives River's defaults for the kind (in
 * brackets), and only the kind's own fields are read. */
typedef struct dd_detector_params {
    dd_detector_kind_t kind;
    double delta;               /* ADWIN: confidence [0.002]; Page-Hinkley: tolerated change [0.005] */
    uint32_t clock;             /* ADWIN: values between checks for a change [32] */
    uint32_t max_buckets;       /* ADWIN: buckets of each size before two merge [5] */
    uint32_t min_window_length; /* ADWIN: shortest sub-window compared [5] */
    uint32_t grace_period;      /* ADWIN: values before the first check [10] */
    uint32_t warm_start;        /* DDM, EDDM: values before the first check [30] */
    double warning_threshold;   /* DDM: standard deviations to a warning [2] */
    double drift_threshold;     /* DDM: standard deviations to a drift [3] */
    double alpha;               /* EDDM: warning ratio [0.95]; Page-Hinkley: forgetting factor
                                   [1 − 0.0001]; KSWIN: level of the KS test [0.005] */
    double beta;                /* EDDM: drift ratio [0.9] */
    uint32_t min_instances;     /* Page-Hinkley: values before the first check [30] */
    double threshold;           /* Page-Hinkley: cumulative deviation to a drift [50] */
    dd_detector_mode_t mode;    /* Page-Hinkley [both] */
    double drift_confidence;    /* HDDM-A, HDDM-W [0.001] */
    double warning_confidence;  /* HDDM-A, HDDM-W [0.005] */
    double lambda;              /* HDDM-W: weight of the newest value [0.05] */
    int two_sided;              /* HDDM-A, HDDM-W: a decrease is a change too [0] */
    uint32_t window_size;       /* KSWIN: values kept [100] */
    uint32_t stat_size;         /* KSWIN: newest values tested against a sample of the rest [30] */
    uint64_t seed;              /* KSWIN: seed of the sample's generator (Python's random) [0] */
} dd_detector_params_t;

typedef struct dd_detector dd_detector_t;

/* Flags of one value (dd_detector_update's `flags`). */
#define DD_DETECTOR_FLAG_DRIFT 1u
#define DD_DETECTOR_FLAG_WARNING 2u /* DDM, EDDM, HDDM-A, HDDM-W: in the warning zone */

void dd_detector_params_init(dd_detector_kind_t kind, dd_detector_params_t *p);
const char *dd_detector_kind_name(dd_detector_kind_t kind); /* "adwin", "ddm", ...; NULL if none */
/* The kind named (as dd_detector_kind_name spells it); DD_DETECTOR_KINDS for an unknown name. */
dd_detector_kind_t dd_detector_kind_from_name(const char *name);
/* INVALID_ARGUMENT, naming the parameter in errstr (may be NULL), for parameters River refuses
 * or that would make no sense (a confidence outside (0, 1), KSWIN's stat_size ≥ window_size,
 * EDDM's alpha < beta, ...) or sizes over 2^24; NO_MEMORY. *out is the caller's. */
dd_sketch_err_t dd_detector_new(const dd_detector_params_t *p, dd_detector_t **out, char *errstr,
                                size_t errstr_size);
void dd_detector_destroy(dd_detector_t *d); /* NULL is fine */
void dd_detector_reset(dd_detector_t *d);   /* as new; the counters too */
/* Feeds x[0..n) in order. flags (may be NULL) gets each value's DD_DETECTOR_FLAG_* bits. Returns
 * the drifts among them. */
size_t dd_detector_update(dd_detector_t *d, const double *x, size_t n, uint8_t *flags);
uint64_t dd_detector_values(const dd_detector_t *d);  /* fed since new or reset, skipped included */
uint64_t dd_detector_drifts(const dd_detector_t *d);  /* drifts since new or reset */
uint64_t dd_detector_skipped(const dd_detector_t *d); /* non-finite values skipped */
const dd_detector_params_t *dd_detector_params(const dd_detector_t *d);

#ifdef __cplusplus
}
#endif

#endif /* DRIFTD_SKETCHES_H */
