#!/usr/bin/env python3
"""Oracle test: driftd's KLL quantile sketch against exact ranks computed by numpy.

Property: counts of nulls/NaN/+inf/-inf, the finite count, min and max are exact; every estimated
rank (fraction of finite values <= x) is within eps of the exact rank, and every quantile answer y
for level q has an exact rank interval [#{< y}, #{<= y}] / n within eps of q, where eps is what
dd_kll_rank_error() reports for the sketch (printed by the tool). eps is the 99th percentile of the
largest single-sided rank error of a sketch of that k (docs/sketch-kll.md): each case may exceed
it with probability at most 1%; the seeds are fixed, so the run is deterministic. While the
sketch is exact (eps = 0) the answers must be exact. Quantile levels 0 and 1 must give min and
max. Cases: uniform, normal, lognormal and a two-mode mixture from 50 to 1,000,000 values, one
pass and 4 sketches built on quarters then merged, two values of k, heavy ties, NaN/inf/nulls.
At the default k the sketch must also hold at most 32 KiB (dd_kll_bytes).
Usage: test_kll.py KLL_TOOL
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

DEFAULT_K = 800  # DD_KLL_K_DEFAULT
ROUNDING = 1e-12  # ranks are count/n in double precision on both sides


def run_tool(tool, values, nulls, batch, k, seed, parts, points, levels, workdir):
    paths = {name: os.path.join(workdir, name) for name in ("v.f64", "n.u8", "p.f64", "q.f64")}
    values.astype("<f8").tofile(paths["v.f64"])
    points.astype("<f8").tofile(paths["p.f64"])
    levels.astype("<f8").tofile(paths["q.f64"])
    npath = "-"
    if nulls is not None:
        npath = paths["n.u8"]
        nulls.astype(np.uint8).tofile(npath)
    args = [tool, paths["v.f64"], npath, str(batch), str(k), str(seed), str(parts),
            paths["p.f64"], paths["q.f64"]]
    out = subprocess.run(args, check=True, capture_output=True, text=True)
    got = json.loads(out.stdout)
    for key in ("min", "max", "rank_error"):
        got[key] = float(got[key])
    got["ranks"] = np.array([float(r) for r in got["ranks"]])
    got["quantiles"] = np.array([float(q) for q in got["quantiles"]])
    return got


def query_points(finite, rng):
    """Where ranks are checked: the data's own quantiles, each finite value's neighbourhood at the
    extremes, and random points across (and beyond) the range."""
    if finite.size == 0:
        return np.array([0.0, 1.0])
    lo, hi = float(finite.min()), float(finite.max())
    qs = np.quantile(finite, np.linspace(0.0, 1.0, 1001))
    extra = [lo, hi, np.nextafter(lo, -np.inf), np.nextafter(hi, np.inf), lo - 1.0, hi + 1.0]
    spread = rng.uniform(lo, hi, 500) if hi > lo else np.full(10, lo)
    return np.concatenate([qs, np.nextafter(qs, -np.inf), extra, spread, finite[:200]])


def check_case(name, tool, values, nulls, k, parts, batch, seed, workdir, rng):
    mask = np.zeros(values.size, dtype=bool) if nulls is None else nulls.astype(bool)
    live = values[~mask]
    finite = np.sort(live[np.isfinite(live)])
    n = finite.size
    points = query_points(finite, rng)
    levels = np.concatenate([[0.0, 1.0], np.linspace(0.0, 1.0, 201)[1:-1], rng.uniform(0, 1, 50)])
    got = run_tool(tool, values, nulls, batch, k, seed, parts, points, levels, workdir)
    errors = []

    def expect_equal(key, want):
        if got[key] != want:
            errors.append("%s: got %r, want %r" % (key, got[key], want))

    expect_equal("count", int(n))
    expect_equal("nulls", int(mask.sum()))
    expect_equal("nans", int(np.isnan(live).sum()))
    expect_equal("pos_inf", int(np.isposinf(live).sum()))
    expect_equal("neg_inf", int(np.isneginf(live).sum()))
    if k == DEFAULT_K and got["bytes"] > 32 * 1024:
        errors.append("sketch memory %d bytes > 32 KiB at the default k" % got["bytes"])
    eps = got["rank_error"]
    worst_rank = worst_quantile = 0.0
    if n == 0:
        if not (np.isnan(got["min"]) and np.all(np.isnan(got["ranks"])) and
                np.all(np.isnan(got["quantiles"]))):
            errors.append("empty sketch: want NaN min, ranks and quantiles")
    else:
        expect_equal("min", float(finite[0]))
        expect_equal("max", float(finite[-1]))
        exact = np.searchsorted(finite, points, side="right") / n
        worst_rank = float(np.max(np.abs(got["ranks"] - exact)))
        y = got["quantiles"]
        below = np.searchsorted(finite, y, side="left") / n
        at_most = np.searchsorted(finite, y, side="right") / n
        distance = np.maximum(below - levels, 0.0) + np.maximum(levels - at_most, 0.0)
        worst_quantile = float(np.max(distance))
        if worst_rank > eps + ROUNDING:
            i = int(np.argmax(np.abs(got["ranks"] - exact)))
            errors.append("rank(%.17g) = %.6f, exact %.6f: error %.5f > eps %.5f"
                          % (points[i], got["ranks"][i], exact[i], worst_rank, eps))
        if worst_quantile > eps + ROUNDING:
            i = int(np.argmax(distance))
            errors.append("quantile(%.4f) = %.17g has exact rank [%.6f, %.6f]: off by %.5f > "
                          "eps %.5f" % (levels[i], y[i], below[i], at_most[i], worst_quantile, eps))
        if y[0] != finite[0] or y[1] != finite[-1]:
            errors.append("quantile(0), quantile(1) = %r, %r; want min, max" % (y[0], y[1]))
    status = "ok" if not errors else "FAIL"
    print("%-4s %-38s n=%-8d k=%-4d parts=%d batch=%-6d eps=%.5f rank err=%.5f quantile err=%.5f %s"
          % (status, name, values.size, k, parts, batch, eps, worst_rank, worst_quantile,
             "; ".join(errors)))
    return not errors


def mixture(rng, n):
    return np.where(rng.random(n) < 0.3, rng.normal(-5.0, 1.0, n), rng.normal(10.0, 3.0, n))


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    tool = sys.argv[1]
    rng = np.random.default_rng(20261123)
    generators = [
        ("uniform(-1e6,1e6)", lambda n: rng.uniform(-1e6, 1e6, n)),
        ("normal(0,1)", lambda n: rng.normal(0.0, 1.0, n)),
        ("lognormal(0,2)", lambda n: rng.lognormal(0.0, 2.0, n)),
        ("two-mode mixture", lambda n: mixture(rng, n)),
    ]
    cases = []  # name, values, nulls, k, parts, batch
    for name, gen in generators:
        for n in (50, 1000, 100_000, 1_000_000):
            values = gen(n)
            cases.append((name, values, None, DEFAULT_K, 1, 1024))
            if n >= 1000:
                cases.append((name + ", quarters merged", values, None, DEFAULT_K, 4, 65536))
        cases.append((name, gen(100_000), None, 64, 1, 4096))
    cases.append(("poisson(3): heavy ties", rng.poisson(3.0, 300_000).astype(float), None,
                  DEFAULT_K, 1, 8192))
    ties = rng.poisson(3.0, 300_000).astype(float)
    cases.append(("poisson(3): heavy ties, quarters merged", ties, None, 64, 4, 8192))
    for n in (50, 20_000, 500_000):
        v = rng.normal(100.0, 20.0, n)
        special = rng.random(n)
        v[special < 0.01] = np.nan
        v[(special >= 0.01) & (special < 0.015)] = np.inf
        v[(special >= 0.015) & (special < 0.02)] = -np.inf
        nulls = (rng.random(n) < 0.1).astype(np.uint8)
        v[nulls.astype(bool) & (rng.random(n) < 0.5)] = np.nan  # a null's slot may hold anything
        cases.append(("normal with NaN, +-inf and 10% nulls", v, nulls, DEFAULT_K, 1, 1024))
        cases.append(("normal with NaN, +-inf, nulls, merged", v, nulls, DEFAULT_K, 4, 1024))
    cases.append(("all null", np.zeros(100), np.ones(100, dtype=np.uint8), DEFAULT_K, 1, 1024))
    cases.append(("constant 7.5", np.full(100_000, 7.5), None, DEFAULT_K, 1, 1024))
    passed = failed = 0
    with tempfile.TemporaryDirectory() as workdir:
        for seed, (name, values, nulls, k, parts, batch) in enumerate(cases, start=1):
            if check_case(name, tool, values, nulls, k, parts, batch, seed, workdir, rng):
                passed += 1
            else:
                failed += 1
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
