#!/usr/bin/env python3
"""Writes the two CSV files of the `compare` suite: reference.csv and current.csv.

Usage: generate.py OUT_DIR [--rows N] [--seed S]

20 columns: 15 numeric (num_00..num_14) and 5 categorical (cat_0..cat_4, 10 to 50 categories).
The current file differs from the reference in a known way, listed in truth.json beside the files:

  num_00  normal, mean shifted by 0.5 sd              drifts by every test
  num_01  lognormal, scale x1.5                       drifts by every test
  num_02  normal, mean shifted by 0.03 sd             KS p-value drifts at large n; normed
                                                      Wasserstein (0.03) stays under 0.1
  num_03  exponential, scale x1.3                     drifts by every test
  num_04  Poisson(4) counts, unchanged                ties everywhere, no drift
  num_05  normal with 1% empty cells, unchanged       nulls, no drift
  num_06..num_14  normal / uniform / lognormal / gamma, unchanged
  cat_2   30 categories, the top four shares swapped with the bottom four   drifts
  cat_4   50 categories, reference shares, 0.5% empty cells                 nulls, no drift
  cat_0, cat_1, cat_3 unchanged

The same rows and seed give byte-identical files. Numbers are written with 7 significant digits.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import pandas as pd

GENERATOR_VERSION = 1
NUMERIC = 15
CATEGORY_COUNTS = (10, 20, 30, 40, 50)


def zipf_shares(k, s=1.1):
    w = np.arange(1, k + 1, dtype=np.float64) ** -s
    return w / w.sum()


def numeric_columns(rng, n, current):
    """Returns {name: array}. `current` applies the documented shifts."""
    cols = {}
    shift = 0.5 if current else 0.0
    cols["num_00"] = rng.normal(10.0 + shift * 2.0, 2.0, n)
    cols["num_01"] = rng.lognormal(0.0, 0.75, n) * (1.5 if current else 1.0)
    cols["num_02"] = rng.normal(100.0 + (0.03 * 15.0 if current else 0.0), 15.0, n)
    cols["num_03"] = rng.exponential(3.0 * (1.3 if current else 1.0), n)
    cols["num_04"] = rng.poisson(4.0, n).astype(np.float64)
    v = rng.normal(0.0, 1.0, n)
    v[rng.random(n) < 0.01] = np.nan
    cols["num_05"] = v
    for i in range(6, NUMERIC):
        kind = i % 4
        if kind == 0:
            cols["num_%02d" % i] = rng.normal(i, 1.0 + i / 10.0, n)
        elif kind == 1:
            cols["num_%02d" % i] = rng.uniform(-i, i, n)
        elif kind == 2:
            cols["num_%02d" % i] = rng.lognormal(1.0, 0.5, n)
        else:
            cols["num_%02d" % i] = rng.gamma(2.0, 2.0, n)
    return cols


def categorical_columns(rng, n, current):
    cols = {}
    for j, k in enumerate(CATEGORY_COUNTS):
        labels = np.array(["c%d_%02d" % (j, c) for c in range(k)], dtype=object)
        p = zipf_shares(k)
        if current and j == 2:
            order = np.arange(k)
            order[:4], order[-4:] = order[-4:].copy(), order[:4].copy()
            p = p[order]
        v = labels[rng.choice(k, size=n, p=p)]
        if j == 4:
            v[rng.random(n) < 0.005] = ""
        cols["cat_%d" % j] = v
    return cols


def write(path, rng, n, current):
    cols = numeric_columns(rng, n, current)
    cols.update(categorical_columns(rng, n, current))
    frame = pd.DataFrame(cols)
    tmp = path + ".tmp"
    frame.to_csv(tmp, index=False, float_format="%.7g", na_rep="")
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=20261122)
    a = ap.parse_args()
    if a.rows < 100:
        print("generate.py: --rows must be at least 100", file=sys.stderr)
        return 2
    os.makedirs(a.out_dir, exist_ok=True)
    truth_path = os.path.join(a.out_dir, "truth.json")
    truth = {
        "generator_version": GENERATOR_VERSION, "rows": a.rows, "seed": a.seed,
        "numeric": ["num_%02d" % i for i in range(NUMERIC)],
        "categorical": ["cat_%d" % j for j in range(len(CATEGORY_COUNTS))],
        "shifted": ["num_00", "num_01", "num_02", "num_03", "cat_2"],
        "shifted_by_distance": ["num_00", "num_01", "num_03", "cat_2"],
    }
    # Reuse files made earlier by the same generator with the same rows and seed.
    try:
        with open(truth_path) as f:
            if json.load(f) == truth and all(
                    os.path.exists(os.path.join(a.out_dir, n)) for n in ("reference.csv", "current.csv")):
                print("generate.py: %s is up to date" % a.out_dir, file=sys.stderr)
                return 0
    except (OSError, ValueError):
        pass
    t0 = time.perf_counter()
    ss = np.random.SeedSequence(a.seed)
    ref_seed, cur_seed = ss.spawn(2)
    write(os.path.join(a.out_dir, "reference.csv"), np.random.default_rng(ref_seed), a.rows, False)
    write(os.path.join(a.out_dir, "current.csv"), np.random.default_rng(cur_seed), a.rows, True)
    with open(truth_path, "w") as f:
        json.dump(truth, f, indent=1)
    print("generate.py: wrote %d rows x 20 columns twice in %.1f s to %s"
          % (a.rows, time.perf_counter() - t0, a.out_dir), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
