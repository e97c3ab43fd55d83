#!/usr/bin/env python3
"""Oracle test: driftd's fixed-edge histogram against numpy.histogram on the same samples.

Property: bin counts are exact, so they must equal numpy.histogram's counts (same convention:
half-open bins, last bin closed) for every SIMD level the CPU has; underflow/overflow/NaN/null
counts equal numpy's counts of values below/above the range, NaN and masked. No tolerance: the
histogram is exact by construction. Edges come from equal widths and from quantiles of reference
samples (how driftd bins drift statistics), including heavy-tailed data whose quantile edges
crowd together.
Usage: test_histogram.py HISTOGRAM_TOOL
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np


def run_tool(tool, edges, values, nulls, level, workdir):
    e, v = os.path.join(workdir, "e.f64"), os.path.join(workdir, "v.f64")
    edges.astype("<f8").tofile(e)
    values.astype("<f8").tofile(v)
    npath = "-"
    if nulls is not None:
        npath = os.path.join(workdir, "n.u8")
        nulls.astype(np.uint8).tofile(npath)
    proc = subprocess.run([tool, e, v, npath, level], capture_output=True, text=True)
    if proc.returncode == 3:
        return None  # level not on this CPU
    if proc.returncode != 0:
        raise RuntimeError("histogram_tool failed: %s" % proc.stderr)
    return json.loads(proc.stdout)


def check(name, tool, edges, values, nulls, workdir):
    mask = np.zeros(values.size, dtype=bool) if nulls is None else nulls.astype(bool)
    live = values[~mask]
    finite_or_inf = live[~np.isnan(live)]
    want_counts, _ = np.histogram(finite_or_inf[(finite_or_inf >= edges[0]) & (finite_or_inf <= edges[-1])],
                                  bins=edges)
    want = {
        "underflow": int((finite_or_inf < edges[0]).sum()),
        "overflow": int((finite_or_inf > edges[-1]).sum()),
        "nans": int(np.isnan(live).sum()),
        "nulls": int(mask.sum()),
    }
    results = []
    for level in ("scalar", "avx2", "avx512"):
        got = run_tool(tool, edges, values, nulls, level, workdir)
        if got is None:
            continue
        errors = [k for k in want if got[k] != want[k]]
        if got["counts"] != want_counts.tolist():
            diff = np.nonzero(np.array(got["counts"]) != want_counts)[0]
            errors.append("counts differ in %d bins, first %d: got %d, numpy %d"
                          % (diff.size, diff[0], got["counts"][diff[0]], want_counts[diff[0]]))
        print("%-4s %-46s bins=%-5d n=%-8d %-7s %s" % ("ok" if not errors else "FAIL", name,
              edges.size - 1, values.size, level, "; ".join(map(str, errors))))
        results.append(not errors)
    return results


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    tool = sys.argv[1]
    rng = np.random.default_rng(20261123)
    cases = []
    for bins in (1, 10, 64, 1024, 4096):
        cases.append(("normal, equal-width edges", np.linspace(-3, 3, bins + 1), rng.normal(0, 1.2, 200_000), None))
        ref = rng.lognormal(0, 2, 100_000)
        q = np.unique(np.quantile(ref, np.linspace(0, 1, bins + 1)))
        cases.append(("lognormal, reference-quantile edges", q, rng.lognormal(0.3, 2.2, 200_000), None))
        ref = np.where(rng.random(100_000) < 0.5, rng.normal(-4, 0.01, 100_000), rng.normal(4, 3, 100_000))
        q = np.unique(np.quantile(ref, np.linspace(0, 1, bins + 1)))
        cases.append(("two-mode, crowded quantile edges", q, rng.normal(0, 4, 200_000), None))
    edges = np.linspace(-1, 1, 65)
    v = rng.uniform(-1.5, 1.5, 100_000)
    v[::97] = np.nan
    v[::89] = np.inf
    v[::83] = -np.inf
    v[:65] = edges  # every edge exactly
    nulls = (rng.random(v.size) < 0.05).astype(np.uint8)
    cases.append(("uniform with edges, NaN, ±inf, 5% nulls", edges, v, nulls))
    passed = failed = 0
    with tempfile.TemporaryDirectory() as workdir:
        for name, edges, values, nulls in cases:
            for ok in check(name, tool, edges, values, nulls, workdir):
                passed += ok
                failed += not ok
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
