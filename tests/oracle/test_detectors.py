#!/usr/bin/env python3
"""Oracle test: driftd's sequential change detectors against River's on the same values.

Property: for every detector, parameter set and stream below, driftd flags a drift (and, for
the detectors that have one, a warning) at exactly the positions River 0.26.1 flags them,
whether the values reach driftd one at a time or in batches of 4,096. All of these algorithms
are deterministic given their input (KSWIN given its seed: driftd replays Python's random.sample
on Mersenne Twister), and both sides compute in IEEE doubles in the same order, so the positions
must be equal, not close. Streams: stationary ones, sudden and gradual changes in mean and in
variance, integer values (ties), large offsets; error indicators at changing rates for the binary
detectors and values in [0, 1] for HDDM; for KSWIN the first 6,000 values of the numeric streams
(River runs a scipy test for every value) and short streams at the corners of its replica of
random.sample and ks_2samp (SHORT_CASES). Non-finite values are driftd's own rule
(skipped; River has none), checked by tests/unit/test_detect.c.
Usage: test_detectors.py DETECTORS_TOOL
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from river import drift
from river.drift import binary

N = 20000
KSWIN_VALUES = 6000  # KSWIN's streams: their first values only (River: ~30 µs a value)


def segments(rng, parts, draw):
    return np.concatenate([draw(rng, size, *args) for size, *args in parts])


def normal(rng, size, mean, sd):
    return rng.normal(mean, sd, size)


def bern(rng, size, p):
    return (rng.random(size) < p).astype(np.float64)


def beta01(rng, size, a, b):
    return rng.beta(a, b, size)


NUMERIC_STREAMS = {
    "stationary": lambda rng: normal(rng, N, 0.0, 1.0),
    "mean_shifts": lambda rng: segments(rng, [(5000, 0.0, 1.0), (5000, 0.5, 1.0), (5000, 3.0, 1.0),
                                              (5000, 2.8, 1.0)], normal),
    "gradual": lambda rng: rng.normal(0.0, 1.0, N) + np.linspace(0.0, 3.0, N),
    "variance": lambda rng: segments(rng, [(8000, 0.0, 1.0), (6000, 0.0, 3.0), (6000, 0.0, 0.3)],
                                     normal),
    "integers": lambda rng: np.concatenate([rng.poisson(3.0, 10000), rng.poisson(4.0, 10000)]
                                           ).astype(np.float64),
    "offset": lambda rng: 1e6 + segments(rng, [(10000, 0.0, 1e-3), (10000, 2e-3, 1e-3)], normal),
}

# ADWIN's extra streams: some values too small for driftd's screen of the cut test (the exact
# formula then decides every split), values whose sum of squares overflows, a stream of zero
# variance that steps, and rare spikes.
ADWIN_STREAMS = {
    **NUMERIC_STREAMS,
    "tiny": lambda rng: np.where(np.arange(N) % 50 == 7, 1e-200,
                                 segments(rng, [(10000, 0.0, 1.0), (10000, 1.0, 1.0)], normal)),
    "huge": lambda rng: 1e160 * segments(rng, [(10000, 0.0, 1.0), (10000, 2.0, 1.0)], normal),
    "constant_step": lambda rng: np.concatenate([np.zeros(6000), np.ones(6000), np.full(8000, 0.5)]),
    "spikes": lambda rng: 100.0 * segments(rng, [(8000, 0.002), (12000, 0.02)], bern),
}

BINARY_STREAMS = {
    "stationary": lambda rng: bern(rng, N, 0.2),
    "rising": lambda rng: segments(rng, [(6000, 0.1), (6000, 0.3), (8000, 0.6)], bern),
    "spike": lambda rng: segments(rng, [(5000, 0.05), (2000, 0.5), (13000, 0.05)], bern),
    "rare": lambda rng: segments(rng, [(10000, 0.01), (10000, 0.04)], bern),
}

BOUNDED_STREAMS = {
    "beta": lambda rng: segments(rng, [(7000, 2.0, 5.0), (7000, 5.0, 2.0), (6000, 2.0, 5.0)], beta01),
}

# kind -> (River constructor from driftd's parameter names, parameter sets, streams)
KINDS = {
    "adwin": (lambda p: drift.ADWIN(delta=p["delta"], clock=p["clock"], max_buckets=p["max_buckets"],
                                    min_window_length=p["min_window_length"],
                                    grace_period=p["grace_period"]),
              [{}, {"delta": 0.05, "clock": 1}, {"clock": 7, "max_buckets": 2, "min_window_length": 20,
                                                 "grace_period": 100},
               {"delta": 0.3, "clock": 1, "min_window_length": 1, "grace_period": 0},
               {"max_buckets": 64, "clock": 5, "min_window_length": 2, "delta": 0.01}],
              ADWIN_STREAMS),
    "page_hinkley": (lambda p: drift.PageHinkley(min_instances=p["min_instances"], delta=p["delta"],
                                                 threshold=p["threshold"], alpha=p["alpha"],
                                                 mode=p["mode"]),
                     [{}, {"threshold": 10.0, "mode": "up"}, {"threshold": 5.0, "mode": "down",
                                                               "alpha": 1.0, "delta": 0.05}],
                     NUMERIC_STREAMS),
    "kswin": (lambda p: drift.KSWIN(alpha=p["alpha"], window_size=p["window_size"],
                                    stat_size=p["stat_size"], seed=p["seed"]),
              [{"seed": 1}, {"seed": 20261207, "alpha": 0.01}, {"seed": 5, "window_size": 200,
                                                                "stat_size": 50}],
              NUMERIC_STREAMS),
    "ddm": (lambda p: binary.DDM(warm_start=p["warm_start"], warning_threshold=p["warning_threshold"],
                                 drift_threshold=p["drift_threshold"]),
            [{}, {"warm_start": 100, "warning_threshold": 1.5, "drift_threshold": 2.5},
             # checks from the first value, warning and drift at one level: a drift every few values
             {"warm_start": 0, "warning_threshold": 1.0, "drift_threshold": 1.0}],
            BINARY_STREAMS),
    "eddm": (lambda p: binary.EDDM(warm_start=p["warm_start"], alpha=p["alpha"], beta=p["beta"]),
             [{}, {"warm_start": 10, "alpha": 0.9, "beta": 0.8},
              {"warm_start": 0, "alpha": 0.85, "beta": 0.85}],  # alpha = beta: River's limit
             BINARY_STREAMS),
    "hddm_a": (lambda p: binary.HDDMA(drift_confidence=p["drift_confidence"],
                                      warning_confidence=p["warning_confidence"],
                                      two_sided_test=bool(p["two_sided"])),
               [{}, {"two_sided": 1, "drift_confidence": 0.01, "warning_confidence": 0.05}],
               {**BINARY_STREAMS, **BOUNDED_STREAMS}),
    "hddm_w": (lambda p: binary.HDDMW(drift_confidence=p["drift_confidence"],
                                      warning_confidence=p["warning_confidence"],
                                      lambda_val=p["lambda"], two_sided_test=bool(p["two_sided"])),
               [{}, {"two_sided": 1, "lambda": 0.1},
                {"two_sided": 1, "lambda": 0.2, "drift_confidence": 0.01,
                 "warning_confidence": 0.05}],
               {**BINARY_STREAMS, **BOUNDED_STREAMS}),
}

# Short KSWIN streams for the corners of its replica of Python's random.sample and scipy's
# ks_2samp (River calls scipy on every value, so these stay a few thousand values long): a seed
# of two 32-bit words; random.sample's set-based branch (population 292 > setsize 85 for k = 8;
# 395 > 21 for k = 5) and its pool branch at k ≤ 5; tied values; and alpha so close to 1 that
# scipy's exact p-value at h = 1, n = 7 (1 + 2^-52, "exact calculation unsuccessful") has to be
# replaced by its asymptotic one as scipy does.
SHORT_STREAMS = {
    "mean_shift": lambda rng: segments(rng, [(1500, 0.0, 1.0), (1500, 0.7, 1.0)], normal),
    "ties": lambda rng: np.round(segments(rng, [(1500, 0.0, 1.0), (1500, 0.7, 1.0)], normal) * 2) / 2,
}
SHORT_CASES = {
    "kswin": [{"seed": 2**40 + 3, "alpha": 0.01, "window_size": 1000, "stat_size": 40},
              {"seed": 7, "alpha": 0.05, "window_size": 300, "stat_size": 8},
              {"seed": 3, "alpha": 0.05, "window_size": 400, "stat_size": 5},
              {"seed": 3, "alpha": 0.05, "window_size": 20, "stat_size": 5},
              {"seed": 4, "alpha": 0.99999, "window_size": 14, "stat_size": 7}],
}

# River's defaults under driftd's names (dd_detector_params_init)
DEFAULTS = {
    "adwin": {"delta": 0.002, "clock": 32, "max_buckets": 5, "min_window_length": 5, "grace_period": 10},
    "page_hinkley": {"min_instances": 30, "delta": 0.005, "threshold": 50.0, "alpha": 1 - 0.0001,
                     "mode": "both"},
    "kswin": {"alpha": 0.005, "window_size": 100, "stat_size": 30, "seed": 0},
    "ddm": {"warm_start": 30, "warning_threshold": 2.0, "drift_threshold": 3.0},
    "eddm": {"warm_start": 30, "alpha": 0.95, "beta": 0.9},
    "hddm_a": {"drift_confidence": 0.001, "warning_confidence": 0.005, "two_sided": 0},
    "hddm_w": {"drift_confidence": 0.001, "warning_confidence": 0.005, "lambda": 0.05, "two_sided": 0},
}


def river_flags(detector, values):
    drifts, warnings = [], []
    has_warning = hasattr(detector, "warning_detected")
    for i, v in enumerate(values.tolist()):
        detector.update(v)
        if detector.drift_detected:
            drifts.append(i)
        if has_warning and detector.warning_detected:
            warnings.append(i)
    return drifts, warnings


def tool_flags(tool, kind, params, path, batch):
    args = [tool, kind, path, str(batch)] + ["%s=%s" % (k, repr(v) if isinstance(v, float) else v)
                                              for k, v in sorted(params.items())]
    out = subprocess.run(args, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError("%s failed (%d): %s %s" % (" ".join(args), out.returncode, out.stdout,
                                                      out.stderr))
    got = json.loads(out.stdout)
    return got["drifts"], got["warnings"]


def first_difference(a, b):
    for x, y in zip(a, b):
        if x != y:
            return "first difference: %d vs %d" % (x, y)
    return "one list is a prefix of the other (%d vs %d positions)" % (len(a), len(b))


def main():
    tool = sys.argv[1]
    only = set(sys.argv[2:])  # optional: the kinds to check
    failures, cases, flagged = [], 0, {}
    with tempfile.TemporaryDirectory() as work:
        for kind, (make, param_sets, streams) in KINDS.items():
            if only and kind not in only:
                continue
            flagged[kind] = 0
            long_cases = [(extra, streams) for extra in param_sets]
            short_cases = [(extra, SHORT_STREAMS) for extra in SHORT_CASES.get(kind, [])]
            for pi, (extra, case_streams) in enumerate(long_cases + short_cases):
                params = dict(DEFAULTS[kind], **extra)
                for si, (sname, gen) in enumerate(sorted(case_streams.items())):
                    rng = np.random.default_rng(20261207 + 1000 * pi + si)
                    values = np.ascontiguousarray(gen(rng), dtype="<f8")
                    if kind == "kswin":  # River runs a scipy test per value: a shorter stretch
                        values = values[:KSWIN_VALUES]
                    path = os.path.join(work, "v.f64")
                    values.tofile(path)
                    want_d, want_w = river_flags(make(params), values)
                    for batch in (1, 4096):
                        cases += 1
                        got_d, got_w = tool_flags(tool, kind, params, path, batch)
                        label = "%s %s stream=%s batch=%d" % (kind, extra or "defaults", sname, batch)
                        if got_d != want_d:
                            failures.append("%s: drifts at %s, River at %s (%s)" % (
                                label, got_d[:10], want_d[:10], first_difference(got_d, want_d)))
                        if got_w != want_w:
                            failures.append("%s: %d warnings, River %d (%s)" % (
                                label, len(got_w), len(want_w), first_difference(got_w, want_w)))
                    flagged[kind] += len(want_d)
    for kind, n in flagged.items():
        print("%s: River flagged %d drifts over its cases" % (kind, n))
        if n == 0:
            failures.append("%s: no case made River flag a drift: the comparison shows nothing" % kind)
    if failures:
        print("\n".join(failures[:40]))
        print("FAIL: %d of %d comparisons differ" % (len(failures), cases))
        return 1
    print("OK: %d comparisons, every drift and warning at River's positions" % cases)
    return 0


if __name__ == "__main__":
    sys.exit(main())
