#!/usr/bin/env python3
"""bench/calibration/run.py — the full measurement of the judging model's acceptance floors
(docs/judging.md): false alarms on stationary data and detection of small changes, by the code of
`driftd compare` and of `driftd run`.

    cmake --build build --target oracle_verdict_tool driftd     # the tool (tests/oracle/)
    build/venv/bin/python bench/calibration/run.py               # the oracle venv (numpy, scipy)
    build/venv/bin/python bench/calibration/run.py --seeds 20 --seeds-large 2   # a quick look

The data, the tool and the checks are tests/oracle/test_calibration.py's (CTest runs that with
12 seeds at 1,000,000 rows); this runs every size with --seeds (200) seeds, 1,000,000 rows
included, every change of (b) with --seeds-changes (50), also the unasserted ones, and a
diagnosis path `run_point` (run's window judged on the sketches' point estimates, without
their error bounds). It prints the tables in Markdown with the command, the machine, the load
average before and after and the time taken, and writes every count to --out (JSON). Not a CTest
assertion: a floor that does not hold is printed, the exit status is 0.
"""
import argparse
import datetime
import json
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "oracle"))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import benchlib  # noqa: E402
import test_calibration as tc  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"), help="build tree (default build/)")
    ap.add_argument("--tool", help="verdict_tool (default BUILD/tests/oracle_verdict_tool)")
    ap.add_argument("--seeds", type=int, default=tc.SEEDS, help="seeds per size (200)")
    ap.add_argument("--seeds-large", type=int, default=tc.SEEDS,
                    help="seeds at 1,000,000 rows (default: --seeds)")
    ap.add_argument("--seeds-changes", type=int, default=tc.SEEDS_CHANGES, help="seeds per change (50)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="tool processes (cores)")
    ap.add_argument("--no-point", action="store_true", help="skip the run_point diagnosis")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results", "calibration.json"))
    args = ap.parse_args()
    tool = args.tool or os.path.join(args.build, "tests", "oracle_verdict_tool")
    if not os.access(tool, os.X_OK):
        sys.exit("bench/calibration: %s not found; build it with: cmake --build %s --target oracle_verdict_tool"
                 % (tool, args.build))
    command = " ".join([os.path.relpath(sys.executable, ROOT) if sys.executable.startswith(ROOT) else sys.executable,
                        "bench/calibration/run.py"] + sys.argv[1:])
    paths = ("compare", "run") + (() if args.no_point else ("run_point",))
    plan = []
    for seed in range(max(args.seeds, args.seeds_large, args.seeds_changes)):
        sizes = tuple(s for s in tc.SIZES if (seed < args.seeds_large if s == tc.LARGE else seed < args.seeds))
        changes = tc.CHANGES if seed < args.seeds_changes else ()
        plan.append((seed, sizes, changes))
    load_before = benchlib.load_average()
    started = datetime.datetime.now().astimezone()
    t0 = time.time()

    def progress(done, total):
        if done % 10 == 0 or done == total:
            print("  %d/%d seeds, %.0f s" % (done, total, time.time() - t0), file=sys.stderr, flush=True)

    results = tc.run_all(tool, plan, args.jobs, paths, progress)
    seconds = time.time() - t0
    load_after = benchlib.load_average()
    cells, dataset, alpha, detect = tc.tally(results)
    failures = tc.check_stationary(cells, dataset, alpha) + tc.check_changes(detect)
    # the diagnosis path is not a floor
    failures = [f for f in failures if not f.startswith("run_point")]
    machine = benchlib.machine_info(ROOT, args.build, sys.executable)

    print("# Calibration of the judging model (bench/calibration/run.py)\n")
    print("`%s`, %s, %.1f minutes; %s, %d cores; load average %s before, %s after; %s, "
          "git %s%s\n" % (command, started.strftime("%Y-%m-%d %H:%M %Z"), seconds / 60,
                          machine["cpu_model"] or "CPU ?", machine["cores"],
                          " / ".join(map(str, load_before)), " / ".join(map(str, load_after)),
                          (machine["driftd_version"] or "?").splitlines()[0], machine["git_commit"][:8],
                          " (modified tree)" if machine["git_modified_files"] else ""))
    print("Data: reference %s rows, fields %s, %.0f%% nulls each; seeds: %d per size (%d at %s rows), "
          "%d per change; paths: %s.\n" % ("{:,}".format(tc.REFERENCE_ROWS), ", ".join(tc.FIELD_NAMES),
                                          100 * tc.NULL_RATE, args.seeds, args.seeds_large,
                                          "{:,}".format(tc.LARGE), args.seeds_changes, ", ".join(paths)))
    tc.print_tables(cells, dataset, alpha, detect)
    print()
    if failures:
        for f in failures:
            print("floor does not hold: " + f)
    else:
        print("every floor holds")

    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump({
            "command": command, "started": started.isoformat(), "seconds": round(seconds, 1),
            "load_before": load_before, "load_after": load_after, "machine": machine,
            "reference_rows": tc.REFERENCE_ROWS, "fields": tc.FIELD_NAMES, "null_rate": tc.NULL_RATE,
            "seeds": args.seeds, "seeds_large": args.seeds_large, "seeds_changes": args.seeds_changes,
            "alpha": alpha,
            "stationary": [{"path": p, "size": s, "runs": c["runs"],
                            "dataset_drift": dataset[s][1] if p == "compare" else None,
                            "bound": tc.binomial_bound(c["runs"], min(1.0, tc.CONDITIONS * alpha[p]),
                                                       tc.cell_level(cells)),
                            "false_alarms": c["alarms"], "raised": c["by"], "insufficient": c["insufficient"]}
                           for (p, s), c in sorted(cells.items())],
            "changes": [{"change": k, "path": p, **{x: v for x, v in t.items()}}
                        for (k, p), t in sorted(detect.items())],
            "failures": failures,
        }, f, indent=1)
    print("\nwritten: %s" % os.path.relpath(args.out, ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
