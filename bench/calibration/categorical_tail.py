#!/usr/bin/env python3
"""categorical_tail.py — how far into the tail the categorical verdict's test holds its level.

The verdict's categorical test pools the categories expected fewer than 5 times in either row and
refers a statistic of the 2 x k table to chi-square with (cells - 1) degrees of freedom
(docs/judging.md). This measures, by simulation under no change (reference of m and window of n
values, both drawn afresh from the same distribution in every replicate), the rate at which
p < alpha divided by alpha, for Pearson's chi-square and for Cressie-Read's power divergence at
lambda = 2/3 (the one driftd uses; oracle_judge checks that driftd's statistic equals
scipy.stats.chi2_contingency(lambda_="cressie-read") of the pooled table).

    build/venv/bin/python bench/calibration/categorical_tail.py [--replicates N] [--seed S]

Prints one row per (distribution, n): the ratio and, in parentheses, the count of p < alpha.
"""
import argparse

import numpy as np
from scipy import stats

ALPHAS = (1e-3, 1e-4, 1e-5)
MIN_EXPECTED = 5.0


def term(o, e, kind):
    if kind == "pearson":
        return (o - e) ** 2 / e
    lam = 2.0 / 3.0
    return 2.0 / (lam * (lam + 1.0)) * (o * ((o / e) ** lam - 1.0) + lam * (e - o))


def rates(rng, p, n, m, replicates, chunk=250_000):
    counts = {k: np.zeros(len(ALPHAS)) for k in ("pearson", "cressie-read")}
    done = 0
    while done < replicates:
        r = min(chunk, replicates - done)
        cur = rng.multinomial(n, p, size=r).astype(float)
        ref = rng.multinomial(m, p, size=r).astype(float)
        big_n = n + m
        both = cur + ref
        er, ec = m * both / big_n, n * both / big_n
        keep = np.minimum(er, ec) >= MIN_EXPECTED
        pr, pc = np.where(~keep, ref, 0).sum(1), np.where(~keep, cur, 0).sum(1)
        per, pec = m * (pr + pc) / big_n, n * (pr + pc) / big_n
        pool = np.minimum(per, pec) >= MIN_EXPECTED
        dof = keep.sum(1) + pool - 1
        ER, EC = np.where(keep, er, 1.0), np.where(keep, ec, 1.0)
        for kind in counts:
            with np.errstate(divide="ignore", invalid="ignore"):
                s = np.where(keep, term(ref, ER, kind) + term(cur, EC, kind), 0.0).sum(1)
                s += np.where(pool, term(pr, np.where(pool, per, 1.0), kind)
                              + term(pc, np.where(pool, pec, 1.0), kind), 0.0)
            pv = np.where(dof > 0, stats.chi2.sf(s, np.maximum(dof, 1)), 1.0)
            counts[kind] += [(pv < a).sum() for a in ALPHAS]
        done += r
    return counts


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--replicates", type=int, default=2_000_000)
    ap.add_argument("--seed", type=int, default=3)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    country = np.array([30, 15, 10, 8, 8, 7, 7, 6, 5, 4], float)
    zipf = 1.0 / np.arange(1, 51)
    cases = [("10 categories, 4-30%", country / country.sum(), (50, 100, 200)),
             ("20 equal categories", np.full(20, 0.05), (100, 300)),
             ("50 Zipf categories", zipf / zipf.sum(), (100, 300, 1000))]
    m = 20000
    print("replicates %d per row, reference m = %d; rate of p < alpha over alpha (count)" % (a.replicates, m))
    print("| distribution | n | statistic | " + " | ".join("alpha %g" % x for x in ALPHAS) + " |")
    print("|---|---|---|" + "---|" * len(ALPHAS))
    for name, p, ns in cases:
        for n in ns:
            c = rates(rng, p, n, m, a.replicates)
            for kind in ("pearson", "cressie-read"):
                print("| %s | %d | %s | " % (name, n, kind) + " | ".join(
                    "%.2f (%d)" % (c[kind][i] / a.replicates / ALPHAS[i], c[kind][i]) for i in range(len(ALPHAS))) + " |",
                    flush=True)


if __name__ == "__main__":
    main()
