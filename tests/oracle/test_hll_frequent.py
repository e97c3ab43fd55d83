#!/usr/bin/env python3
"""Oracle test: driftd's HyperLogLog and category-count sketches against exact counts from numpy.

numpy generates columns of 64-bit hashes (uniform distinct sets from 10 to 1M values, with
duplicates; Zipf-skewed categories; nulls whose slots hold garbage hashes), the C tool feeds them
to the sketches (in pieces, each serialized, merged as a tree, serialized again) and prints JSON,
and this script compares with numpy.unique on the non-null values.

HyperLogLog tolerance: |estimate - distinct| <= 4 * SE * distinct + 1, SE = 1.04 / sqrt(2^p),
the relative standard error of HLL with Ertl's improved estimator (Ertl 2017, section 4; it is
unbiased over the whole range, so no bias term). The estimate is roughly normal, so one case
misses the band with probability about 6e-5; the seed is fixed, so the test is deterministic,
and with a fresh seed all 42 cases would pass in about 997 runs out of 1000. The "+ 1" is for
tiny sets, where the error comes in whole units: two of 10 hashes share one of 2^14 registers
with probability ~0.3%, and the estimate is then 9, far outside 4 SE but exactly as designed.
A systematic error of a few percent (a wrong constant, a biased rank, a missing correction)
fails at p >= 14.

Category counts: the guarantees are checked exactly, no tolerance:
  every reported item: true <= count <= true + error, error <= max_error;
  max_error * capacity <= total (max_error <= total / capacity);
  every hash with true count * capacity > total is reported, every unreported hash has
  true count <= max_error;
  items sorted by count descending, ties by hash ascending;
  exact mode iff distinct <= capacity, and then every count equals numpy's, error 0.
Totals and null counts must match exactly for both sketches.

Prints one line per case and "N passed, M failed"; exits non-zero on any failure.
Usage: test_hll_frequent.py HLL_FREQUENT_TOOL
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

SE_BAND = 4.0


def splitmix64(x):
    """Vectorised splitmix64 finaliser: category ids -> 64-bit hashes (wrapping uint64)."""
    z = x.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def run_tool(tool, hashes, nulls, p, capacity, batch, pieces, workdir):
    hpath = os.path.join(workdir, "h.u64")
    hashes.astype("<u8").tofile(hpath)
    npath = "-"
    if nulls is not None:
        npath = os.path.join(workdir, "n.u8")
        nulls.astype(np.uint8).tofile(npath)
    out = subprocess.run([tool, hpath, npath, str(p), str(capacity), str(batch), str(pieces)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def check_case(name, tool, hashes, nulls, p, capacity, pieces, workdir):
    got = run_tool(tool, hashes, nulls, p, capacity, 4096, pieces, workdir)
    mask = np.zeros(len(hashes), dtype=bool) if nulls is None else nulls.astype(bool)
    live = hashes[~mask]
    uniq, counts = np.unique(live, return_counts=True)
    distinct = len(uniq)
    total = int(live.size)
    n_nulls = int(mask.sum())
    errors = []

    # ---- HyperLogLog
    est, se = got["hll_estimate"], got["hll_standard_error"]
    if abs(se - 1.04 / np.sqrt(2.0 ** p)) > 1e-12:
        errors.append("hll standard error %r for p=%d" % (se, p))
    if got["hll_nulls"] != n_nulls:
        errors.append("hll nulls %d, want %d" % (got["hll_nulls"], n_nulls))
    rel = 0.0
    if distinct == 0:
        if est != 0.0:
            errors.append("hll estimate %r for an empty column" % est)
    else:
        rel = (est - distinct) / distinct
        if abs(est - distinct) > SE_BAND * se * distinct + 1.0:
            errors.append("hll estimate %.1f for %d distinct: relative error %.4f > %.1f SE = %.4f"
                          % (est, distinct, rel, SE_BAND, SE_BAND * se))

    # ---- category counts
    u = got["frequent_max_error"]
    items = got["frequent_items"]
    if got["frequent_total"] != total:
        errors.append("frequent total %d, want %d" % (got["frequent_total"], total))
    if got["frequent_nulls"] != n_nulls:
        errors.append("frequent nulls %d, want %d" % (got["frequent_nulls"], n_nulls))
    if u * capacity > total:
        errors.append("max_error %d > total / capacity = %d / %d" % (u, total, capacity))
    if got["frequent_exact"] != (distinct <= capacity):
        errors.append("exact flag %r with %d distinct, capacity %d"
                      % (got["frequent_exact"], distinct, capacity))
    item_hash = np.array([it[0] for it in items], dtype=np.uint64)
    item_count = np.array([it[1] for it in items], dtype=np.int64)
    item_error = np.array([it[2] for it in items], dtype=np.int64)
    if len(items) > capacity or len(set(item_hash.tolist())) != len(items):
        errors.append("%d items reported (capacity %d), or duplicates" % (len(items), capacity))
    truth = np.zeros(len(items), dtype=np.int64)  # 0 for a hash numpy never saw
    if distinct and len(items):
        idx = np.minimum(np.searchsorted(uniq, item_hash), distinct - 1)
        present = uniq[idx] == item_hash
        truth[present] = counts[idx[present]]
    bad = (truth > item_count) | (item_count - item_error > truth) | (item_error > u)
    if bad.any():
        k = int(np.argmax(bad))
        errors.append("%d items break true <= count <= true + error <= true + max_error, e.g. "
                      "hash %d: true %d, count %d, error %d, max_error %d"
                      % (int(bad.sum()), int(item_hash[k]), int(truth[k]), int(item_count[k]),
                         int(item_error[k]), u))
    order_ok = all(items[i - 1][1] > items[i][1]
                   or (items[i - 1][1] == items[i][1] and items[i - 1][0] < items[i][0])
                   for i in range(1, len(items)))
    if not order_ok:
        errors.append("items not sorted by count desc, hash asc")
    reported = np.isin(uniq, item_hash)
    heavy_missing = (~reported) & (counts * capacity > total)
    if heavy_missing.any():
        errors.append("%d hashes with count > total/capacity not reported (largest %d)"
                      % (int(heavy_missing.sum()), int(counts[heavy_missing].max())))
    if (~reported).any() and counts[~reported].max() > u:
        errors.append("an unreported hash has count %d > max_error %d"
                      % (int(counts[~reported].max()), u))
    if got["frequent_exact"]:
        if u != 0 or len(items) != distinct or (item_error != 0).any() or \
                not np.array_equal(item_count, truth):
            errors.append("exact mode but counts differ from numpy.unique")

    status = "ok" if not errors else "FAIL"
    print("%-4s %-34s n=%-8d distinct=%-8d p=%-2d cap=%-5d pieces=%d hll_rel_err=%+.5f (SE %.4f) "
          "max_error=%d total/cap=%d %s"
          % (status, name, len(hashes), distinct, p, capacity, pieces, rel, se, u,
             total // capacity, "; ".join(errors)))
    return not errors


def uniform_distinct(rng, distinct, null_rate):
    """`distinct` random hashes, each repeated 1-3 times, shuffled; nulls hold fresh garbage."""
    base = rng.integers(0, 2 ** 64, size=distinct, dtype=np.uint64, endpoint=False)
    column = rng.permutation(np.repeat(base, rng.integers(1, 4, size=distinct)))
    nulls = None
    if null_rate > 0:
        nulls = (rng.random(column.size) < null_rate).astype(np.uint8)
        column = column.copy()
        column[nulls.astype(bool)] = rng.integers(0, 2 ** 64, size=int(nulls.sum()),
                                                   dtype=np.uint64, endpoint=False)
    return column, nulls


def zipf_column(rng, a, n, null_rate):
    categories = rng.zipf(a, n).astype(np.uint64)
    column = splitmix64(categories)
    nulls = (rng.random(n) < null_rate).astype(np.uint8)
    column[nulls.astype(bool)] = splitmix64(np.arange(int(nulls.sum()), dtype=np.uint64)
                                            + np.uint64(1 << 40))
    return column, nulls


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    tool = sys.argv[1]
    rng = np.random.default_rng(20261123)
    cases = []
    for distinct in (10, 100, 1000, 10_000, 100_000, 1_000_000):
        column, nulls = uniform_distinct(rng, distinct, 0.05)
        cases.append(("uniform distinct, 5% nulls", column, nulls, 14, 1024, 1))
        cases.append(("uniform distinct, 5% nulls", column, nulls, 14, 1024, 4))
        if distinct in (1000, 100_000, 1_000_000):
            cases.append(("uniform distinct, 5% nulls", column, nulls, 10, 1024, 1))
            cases.append(("uniform distinct, 5% nulls", column, nulls, 18, 1024, 8))
    column, _ = uniform_distinct(rng, 1_000_000, 0.0)
    cases.append(("uniform distinct, no nulls", column, None, 14, 1024, 1))
    for a in (1.1, 1.5, 2.0):
        for n in (10_000, 300_000, 1_000_000):
            column, nulls = zipf_column(rng, a, n, 0.03)
            cases.append(("zipf(%.1f), 3%% nulls" % a, column, nulls, 14, 1024, 1))
            cases.append(("zipf(%.1f), 3%% nulls" % a, column, nulls, 14, 64, 8))
    column, nulls = zipf_column(rng, 1.3, 200_000, 0.0)
    cases.append(("zipf(1.3) capacity 2", column, None, 12, 2, 3))
    small = splitmix64(rng.integers(0, 50, size=100_000, dtype=np.uint64))
    cases.append(("50 categories (stays exact)", small, None, 14, 1024, 1))
    cases.append(("50 categories (stays exact)", small, None, 14, 1024, 8))
    cases.append(("all null", np.zeros(1000, dtype=np.uint64), np.ones(1000, dtype=np.uint8),
                  14, 1024, 2))
    cases.append(("empty", np.zeros(0, dtype=np.uint64), None, 14, 1024, 1))
    passed = failed = 0
    with tempfile.TemporaryDirectory() as workdir:
        for name, column, nulls, p, capacity, pieces in cases:
            if check_case(name, tool, column, nulls, p, capacity, pieces, workdir):
                passed += 1
            else:
                failed += 1
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
