#!/usr/bin/env python3
"""Peer measurements for `driftd-bench detectors`: River's drift detectors on the same values
driftd-bench measured, printed as `key value` lines for it to read.

Usage: detectors.py NUMERIC.f64 BINARY.f64 KSWIN_VALUES
  NUMERIC.f64    values for ADWIN, Page-Hinkley and KSWIN (KSWIN: the first KSWIN_VALUES only; it
                 runs a scipy KS test per value)
  BINARY.f64     error indicators (0/1) for DDM, EDDM, HDDM-A and HDDM-W
Each figure is the median of 3 timed runs of one update() per value with default parameters (KSWIN:
seed 1), a fresh detector per run, one thread; with it the drift count of the run.
"""
import statistics
import sys
import time

import numpy as np
from river import drift
from river.drift import binary

REPEATS = 3

MAKERS = {
    "adwin": (lambda: drift.ADWIN(), "numeric"),
    "ddm": (lambda: binary.DDM(), "binary"),
    "eddm": (lambda: binary.EDDM(), "binary"),
    "page_hinkley": (lambda: drift.PageHinkley(), "numeric"),
    "hddm_a": (lambda: binary.HDDMA(), "binary"),
    "hddm_w": (lambda: binary.HDDMW(), "binary"),
    "kswin": (lambda: drift.KSWIN(seed=1), "numeric"),
}


def run(make, values):
    d = make()
    drifts = 0
    t0 = time.perf_counter_ns()
    for v in values:
        d.update(v)
        if d.drift_detected:
            drifts += 1
    return (time.perf_counter_ns() - t0) / len(values), drifts


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    data = {"numeric": np.fromfile(sys.argv[1], dtype="<f8").tolist(),
            "binary": np.fromfile(sys.argv[2], dtype="<f8").tolist()}
    kswin_values = int(sys.argv[3])
    for name, (make, which) in MAKERS.items():
        values = data[which][:kswin_values] if name == "kswin" else data[which]
        times, drifts = [], 0
        for _ in range(REPEATS):
            ns, drifts = run(make, values)
            times.append(ns)
        print("river_%s_ns_per_value %.3f" % (name, statistics.median(times)))
        print("river_%s_drifts_first_%d %d" % (name, len(values), drifts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
