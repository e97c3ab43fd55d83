#!/usr/bin/env python3
"""Oracle test: driftd's moment sketch against numpy on the same samples.

Property: for every distribution and size, counts of nulls/NaN/±inf and min/max match exactly,
and mean and variance agree within the error bound of the algorithms on both sides:
  mean: each side's summation error is at most gamma_n * sum|x| / n (gamma_n = n*u / (1 - n*u),
        u = 2**-53, Higham's bound for recursive summation; numpy's pairwise sum is tighter), so the
        two may differ by twice that;
  M2:   the two-pass algorithm's relative error is at most n*u + (n*u*kappa)**2 with
        kappa = sqrt(1 + n*mean**2/M2) (Chan, Golub & LeVeque 1983); our batches add Chan merges,
        each exact to a few u, so the two may differ by twice the bound plus 16u.
Usage: test_moments.py MOMENTS_TOOL
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

U = 2.0 ** -53


def gamma(n):
    return n * U / (1.0 - n * U)


def run_tool(tool, values, nulls, batch, workdir):
    vpath = os.path.join(workdir, "v.f64")
    values.astype("<f8").tofile(vpath)
    npath = "-"
    if nulls is not None:
        npath = os.path.join(workdir, "n.u8")
        nulls.astype(np.uint8).tofile(npath)
    out = subprocess.run([tool, vpath, npath, str(batch)], check=True, capture_output=True, text=True)
    return {k: float(v) if isinstance(v, str) else v for k, v in json.loads(out.stdout).items()}


def check_case(name, tool, values, nulls, batch, workdir):
    got = run_tool(tool, values, nulls, batch, workdir)
    mask = np.zeros(len(values), dtype=bool) if nulls is None else nulls.astype(bool)
    live = values[~mask]
    finite = live[np.isfinite(live)]
    errors = []

    def expect_equal(key, want):
        if got[key] != want:
            errors.append("%s: got %r, want %r" % (key, got[key], want))

    expect_equal("count", int(finite.size))
    expect_equal("nulls", int(mask.sum()))
    expect_equal("nans", int(np.isnan(live).sum()))
    expect_equal("pos_inf", int(np.isposinf(live).sum()))
    expect_equal("neg_inf", int(np.isneginf(live).sum()))
    n = finite.size
    if n == 0:
        if not (np.isnan(got["var_population"]) and got["min"] == np.inf and got["max"] == -np.inf):
            errors.append("empty column: want NaN variance and +inf/-inf min/max, got %r" % got)
    else:
        expect_equal("min", float(finite.min()))
        expect_equal("max", float(finite.max()))
        mean = float(np.mean(finite))
        m2 = float(np.sum((finite - mean) ** 2))
        abs_sum = float(np.sum(np.abs(finite)))
        mean_tol = 2.0 * gamma(n) * abs_sum / n + 4.0 * U * abs(mean)
        if abs(got["mean"] - mean) > mean_tol:
            errors.append("mean: got %.17g, numpy %.17g, |diff| %.3g > bound %.3g"
                          % (got["mean"], mean, abs(got["mean"] - mean), mean_tol))
        var_pop = float(np.var(finite))
        if m2 > 0:
            kappa = np.sqrt(1.0 + n * mean * mean / m2)
            rel = 2.0 * (gamma(n) + (gamma(n) * kappa) ** 2) + 16.0 * U
            diff = abs(got["var_population"] - var_pop)
            if diff > rel * var_pop:
                errors.append("var_population: got %.17g, numpy %.17g, relative diff %.3g > bound %.3g"
                              % (got["var_population"], var_pop, diff / var_pop, rel))
            if n >= 2:
                var_s = float(np.var(finite, ddof=1))
                if abs(got["var_sample"] - var_s) > rel * var_s:
                    errors.append("var_sample: got %.17g, numpy %.17g" % (got["var_sample"], var_s))
        elif got["var_population"] != 0.0:
            errors.append("constant column: want variance 0, got %r" % got["var_population"])
    status = "ok" if not errors else "FAIL"
    print("%-4s %-44s n=%-8d batch=%-6d %s" % (status, name, len(values), batch, "; ".join(errors)))
    return not errors


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    tool = sys.argv[1]
    rng = np.random.default_rng(20261122)
    cases = []
    for n in (1, 2, 50, 1000, 100_000, 1_000_000):
        cases.append(("normal(0,1)", rng.normal(0.0, 1.0, n), None))
        cases.append(("lognormal(0,2)", rng.lognormal(0.0, 2.0, n), None))
        cases.append(("uniform(-1e6,1e6)", rng.uniform(-1e6, 1e6, n), None))
        # Large offset, tiny spread: the case that breaks E[x^2]-E[x]^2.
        cases.append(("1e9 + normal(0,1e-3)", 1e9 + rng.normal(0.0, 1e-3, n), None))
        mix = np.where(rng.random(n) < 0.3, rng.normal(-5, 1, n), rng.normal(10, 3, n))
        cases.append(("two-mode mixture", mix, None))
    for n in (50, 10_000, 300_000):
        v = rng.normal(100.0, 20.0, n)
        special = rng.random(n)
        v[special < 0.01] = np.nan
        v[(special >= 0.01) & (special < 0.015)] = np.inf
        v[(special >= 0.015) & (special < 0.02)] = -np.inf
        nulls = (rng.random(n) < 0.1).astype(np.uint8)
        v[nulls.astype(bool) & (rng.random(n) < 0.5)] = np.nan  # a null's slot may hold anything
        cases.append(("normal with NaN, ±inf and 10% nulls", v, nulls))
    cases.append(("all null", np.zeros(100), np.ones(100, dtype=np.uint8)))
    cases.append(("constant 7.5", np.full(10_000, 7.5), None))
    cases.append(("denormals", np.full(1000, 5e-324) * rng.integers(1, 100, 1000), None))
    passed = failed = 0
    with tempfile.TemporaryDirectory() as workdir:
        for name, values, nulls in cases:
            for batch in (1024, 65536):
                if check_case(name, tool, values, nulls, batch, workdir):
                    passed += 1
                else:
                    failed += 1
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
