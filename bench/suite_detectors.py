"""The `detectors` suite: `driftd-bench detectors --json` with River's detectors on the same values
(bench/peers/detectors.py). driftd-bench does the measuring (bench/detectors.c); this turns its
JSON into the results table and plot."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import benchlib  # noqa: E402

# (label, driftd-bench kind name, River class)
KINDS = [
    ("ADWIN", "adwin", "drift.ADWIN"),
    ("DDM", "ddm", "drift.binary.DDM"),
    ("EDDM", "eddm", "drift.binary.EDDM"),
    ("Page-Hinkley", "page_hinkley", "drift.PageHinkley"),
    ("HDDM-A", "hddm_a", "drift.binary.HDDMA"),
    ("HDDM-W", "hddm_w", "drift.binary.HDDMW"),
    ("KSWIN", "kswin", "drift.KSWIN"),
]


def run(ctx):
    a = ctx.args
    out_dir = os.path.join(ctx.build, "bench-detectors")
    os.makedirs(out_dir, exist_ok=True)
    argv = [os.path.join(ctx.build, "driftd-bench"), "detectors", "--json",
            "--peer-python", ctx.python]
    res = benchlib.run_bench_json("detectors", argv, out_dir, a.timeout, ctx.root)
    figures = res["figures"]
    ok = res["ok"]
    # the same detections on River's prefix, or the speed figures compare different work
    agree = ok and all(
        figures.get("drifts_%s_first_%d" % (k, n)) == figures.get("river_%s_drifts_first_%d" % (k, n))
        for _, k, _ in KINDS for n in (200000 if k != "kswin" else 20000,)
        if ("river_%s_drifts_first_%d" % (k, n)) in figures)
    res["agree"] = agree
    res["ok"] = ok and agree
    return res


def _rate(ns):
    return "–" if ns is None else "{:,.0f}".format(1e9 / ns)


def markdown(res):
    f = res["figures"]
    if not f:
        return "driftd-bench failed (exit %s); see the JSON file's stderr.\n\n```sh\n%s\n```" % (
            res["run"]["exit"], res["command"])
    rows = []
    for label, k, river in KINDS:
        n = 20000 if k == "kswin" else 200000
        rows.append([label, _rate(f.get("%s_ns_per_value" % k)), river,
                     _rate(f.get("river_%s_ns_per_value" % k)),
                     "%.0f×" % f["speedup_vs_river_%s" % k] if "speedup_vs_river_%s" % k in f else "",
                     "%s / %s" % (int(f.get("drifts_%s_first_%d" % (k, n), -1)),
                                  int(f.get("river_%s_drifts_first_%d" % (k, n), -1)))])
    lines = ["%s values, the law changing every 100,000; median of %s timed runs, one thread; the "
             "suite took %s. River per update() call on the first 200,000 values (KSWIN 20,000); "
             "the last column is the drifts driftd and River flagged on that prefix (%s)." % (
                 "{:,}".format(int(f.get("values", 0))), f.get("repeats"),
                 benchlib.fmt_seconds(res["run"]["seconds"]),
                 "equal" if res.get("agree") else "NOT EQUAL"), "",
             benchlib.md_table(["detector", "driftd updates/s", "River", "River updates/s",
                                "speedup", "drifts driftd / River"], rows),
             "", "```sh", res["command"], "```"]
    return "\n".join(lines)


def plot(res, png_path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    f = res["figures"]
    if not f:
        return
    kinds = [(label, f.get("%s_ns_per_value" % k), f.get("river_%s_ns_per_value" % k))
             for label, k, _ in KINDS if f.get("%s_ns_per_value" % k)]
    fig, ax = plt.subplots(figsize=(9, 4.5))
    xs = range(len(kinds))
    ax.bar([x - 0.2 for x in xs], [1e3 / s[1] for s in kinds], 0.4, label="driftd")
    ax.bar([x + 0.2 for x in xs], [1e3 / s[2] if s[2] else 0 for s in kinds], 0.4, label="River 0.26")
    ax.set_xticks(list(xs))
    ax.set_xticklabels([s[0] for s in kinds], fontsize=8)
    ax.set_ylabel("million updates / s (one thread)")
    ax.set_yscale("log")
    ax.set_title("sequential change detectors")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(png_path, dpi=100)
    plt.close(fig)
