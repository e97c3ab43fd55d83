#!/usr/bin/env python3
"""Peer measurements for `driftd-bench sketches`: Apache DataSketches (Python package) and numpy
on the same data driftd-bench measured, printed as `key value` lines for it to read.

Usage: sketches.py VALUES.f64 REF_SORTED.f64 HASHES.u64 ZIPF.u64 DIST_DIR
  VALUES.f64      the 1M normal values driftd's histogram/quantile figures were taken on
  REF_SORTED.f64  the reference sample whose quantiles give the histogram edges
  HASHES.u64      distinct 64-bit hashes (HLL relative error)
  ZIPF.u64        Zipf-distributed category hashes (frequent items)
  DIST_DIR        uniform.f64, normal.f64, lognormal.f64, bimodal.f64 (rank error)
Each figure is the median of 5 timed runs after a warm-up, one thread. Per-item Python calls
(HLL, frequent items: the package has no batch update for them) are timed on the first 200,000
items, which is plenty for a stable per-item figure.
"""
import os
import statistics
import sys
import time

import datasketches as ds
import numpy as np

REPEATS = 5
PER_ITEM_LIMIT = 200_000


def median_ns_per_item(fn, n):
    fn()
    times = []
    for _ in range(REPEATS):
        t0 = time.perf_counter_ns()
        fn()
        times.append((time.perf_counter_ns() - t0) / n)
    return statistics.median(times)


def main():
    if len(sys.argv) != 6:
        print(__doc__, file=sys.stderr)
        return 2
    values = np.fromfile(sys.argv[1], dtype="<f8")
    ref = np.fromfile(sys.argv[2], dtype="<f8")
    hashes = np.fromfile(sys.argv[3], dtype="<u8")
    zipf = np.fromfile(sys.argv[4], dtype="<u8")
    out = {}

    for bins in (64, 1024):
        edges = ref[(np.arange(bins + 1) / bins * (ref.size - 1)).astype(np.int64)]
        out["numpy_histogram_ns_per_value_%d" % bins] = median_ns_per_item(
            lambda e=edges: np.histogram(values, bins=e), values.size)

    # DataSketches' default k (200) and driftd's default (800), so speed can be compared at equal
    # accuracy as well as at each library's default.
    for k in (200, 800):
        def kll_update(k=k):
            sk = ds.kll_doubles_sketch(k)
            sk.update(values)
            return sk
        suffix = "" if k == 200 else "_k800"
        out["datasketches_kll%s_ns_per_value" % suffix] = median_ns_per_item(kll_update, values.size)
        worst = 0.0
        for name in ("uniform", "normal", "lognormal", "bimodal"):
            data = np.fromfile(os.path.join(sys.argv[5], name + ".f64"), dtype="<f8")
            sk = ds.kll_doubles_sketch(k)
            sk.update(data)
            exact = np.sort(data)
            probes = exact[np.linspace(0, exact.size - 1, 2001).astype(np.int64)]
            true_rank = np.searchsorted(exact, probes, side="right") / exact.size
            est = np.array([sk.get_rank(float(x), True) for x in probes])
            worst = max(worst, float(np.max(np.abs(est - true_rank))))
        out["datasketches_kll%s_max_rank_error" % suffix] = worst
        out["datasketches_kll%s_bytes" % suffix] = len(kll_update().serialize())

    distinct = [int(h) for h in hashes]
    sk = ds.hll_sketch(14, ds.tgt_hll_type.HLL_8)
    for h in distinct:
        sk.update(h)
    out["datasketches_hll_relative_error"] = abs(sk.get_estimate() - len(distinct)) / len(distinct)
    sample = distinct[:PER_ITEM_LIMIT]

    def hll_update():
        s = ds.hll_sketch(14, ds.tgt_hll_type.HLL_8)
        for h in sample:
            s.update(h)
    out["datasketches_hll_ns_per_value"] = median_ns_per_item(hll_update, len(sample))

    zsample = [int(h) for h in zipf[:PER_ITEM_LIMIT]]

    def freq_update():
        s = ds.frequent_strings_sketch(10)  # 2^10 = 1024 counters, as driftd's default capacity
        for h in zsample:
            s.update(str(h))
    # Only the package's string sketch takes arbitrary items; str() of the hash is part of its cost.
    out["datasketches_frequent_ns_per_value"] = median_ns_per_item(freq_update, len(zsample))

    out["peer_numpy_version"] = np.__version__
    out["peer_datasketches_version"] = getattr(ds, "__version__", "5.2.0")
    for key, value in out.items():
        print(key, value)
    return 0


if __name__ == "__main__":
    sys.exit(main())
