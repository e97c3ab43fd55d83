"""The `sketches` suite: `driftd-bench sketches --json` with the Python peers (Apache DataSketches,
numpy) on the same data. driftd-bench does the measuring (bench/sketches.c); this turns its JSON
into the results table and plot."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import benchlib  # noqa: E402

# (measure, driftd key, peer label, peer key, speedup key)
SPEED = [
    ("histogram, 64 bins", "histogram_ns_per_value_64", "numpy.histogram",
     "numpy_histogram_ns_per_value_64", "speedup_vs_numpy_histogram_64"),
    ("histogram, 1024 bins", "histogram_ns_per_value_1024", "numpy.histogram",
     "numpy_histogram_ns_per_value_1024", "speedup_vs_numpy_histogram_1024"),
    ("quantile sketch (KLL k=800) vs DataSketches k=200", "quantile_ns_per_value",
     "DataSketches KLL k=200", "datasketches_kll_ns_per_value", "speedup_vs_datasketches_kll"),
    ("quantile sketch (KLL k=800) vs DataSketches k=800", "quantile_ns_per_value",
     "DataSketches KLL k=800", "datasketches_kll_k800_ns_per_value",
     "speedup_vs_datasketches_kll_k800"),
    ("HyperLogLog (p=14)", "hll_ns_per_value", "DataSketches HLL_8",
     "datasketches_hll_ns_per_value", "speedup_vs_datasketches_hll"),
    ("category counts (capacity 1024)", "frequent_ns_per_value", "DataSketches frequent items",
     "datasketches_frequent_ns_per_value", "speedup_vs_datasketches_frequent"),
    ("moments", "moments_ns_per_value", None, None, None),
]

# The joint summary, per row of d fields (measure, driftd key, memory key).
JOINT = [
    ("joint summary, 16 fields (exact)", "joint_exact16_ns_per_row", "joint_exact16_bytes"),
    ("joint summary, 100 fields (exact)", "joint_exact100_ns_per_row", "joint_exact100_bytes"),
    ("joint summary, 1,000 fields (Frequent Directions, l = 32)", "joint_fd1000_ns_per_row",
     "joint_fd1000_bytes"),
]


def run(ctx):
    a = ctx.args
    out_dir = os.path.join(ctx.build, "bench-sketches")
    os.makedirs(out_dir, exist_ok=True)
    argv = [os.path.join(ctx.build, "driftd-bench"), "sketches", "--json",
            "--peer-python", ctx.python]
    if a.sketches_values:
        argv += ["--values", str(a.sketches_values)]
    if a.sketches_repeats:
        argv += ["--repeats", str(a.sketches_repeats)]
    return benchlib.run_bench_json("sketches", argv, out_dir, a.timeout, ctx.root)

def _ns(v):
    return "–" if v is None else "%.2f ns" % v if v < 10 else "%.1f ns" % v


def _per_row(v):
    return "–" if v is None else "%.0f ns/row" % v if v < 1000 else "%.1f µs/row" % (v / 1000)


def markdown(res):
    f = res["figures"]
    if not f:
        return "driftd-bench failed (exit %s); see the JSON file's stderr.\n\n```sh\n%s\n```" % (
            res["run"]["exit"], res["command"])
    rows = []
    for measure, key, peer, pkey, skey in SPEED:
        rows.append([measure, _ns(f.get(key)) + "/value", peer or "",
                     _ns(f.get(pkey)) + "/value" if pkey and f.get(pkey) is not None else "",
                     "%.1f×" % f[skey] if skey and f.get(skey) is not None else ""])
    rows.append(["quantile max rank error (4 distributions)",
                 "%.3f%%" % (100 * f["quantile_max_rank_error"]), "DataSketches KLL k=800",
                 "%.3f%%" % (100 * f["datasketches_kll_k800_max_rank_error"])
                 if "datasketches_kll_k800_max_rank_error" in f else "", ""])
    rows.append(["quantile sketch size, %s values" % "{:,}".format(int(f.get("values", 0))),
                 "{:,} bytes".format(int(f["quantile_bytes"])),
                 "DataSketches KLL k=800",
                 "{:,} bytes".format(int(f["datasketches_kll_k800_bytes"]))
                 if "datasketches_kll_k800_bytes" in f else "", ""])
    for measure, key, bytes_key in JOINT:
        memory = " ({:,} KiB)".format(int(f[bytes_key] / 1024)) if f.get(bytes_key) else ""
        rows.append([measure + memory, _per_row(f.get(key)), "", "", ""])
    rows.append(["window merge, %d panes" % int(f.get("window_panes", 0)),
                 "%.1f ms" % (f["window_merge_ns"] / 1e6), "", "", ""])
    lines = ["SIMD level %s; %s values per batch, median of %s timed runs; the suite took %s." % (
        f.get("simd_level"), "{:,}".format(int(f.get("values", 0))), f.get("repeats"),
        benchlib.fmt_seconds(res["run"]["seconds"])), "",
        benchlib.md_table(["measure", "driftd", "peer", "peer, same run", "speedup"], rows),
        "", "```sh", res["command"], "```"]
    return "\n".join(lines)


def plot(res, png_path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    f = res["figures"]
    if not f:
        return
    speed = [(m, f.get(k), f.get(pk)) for m, k, _, pk, _ in SPEED if pk and f.get(k)]
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.5), gridspec_kw={"width_ratios": [3, 1]})
    ax = axes[0]
    xs = range(len(speed))
    ax.bar([x - 0.2 for x in xs], [1e3 / s[1] for s in speed], 0.4, label="driftd")
    ax.bar([x + 0.2 for x in xs], [1e3 / s[2] if s[2] else 0 for s in speed], 0.4,
           label="peer (numpy / DataSketches)")
    ax.set_xticks(list(xs))
    ax.set_xticklabels([s[0].replace(" vs ", "\nvs ").replace(" (", "\n(") for s in speed], fontsize=7)
    ax.set_ylabel("million values / s (one thread)")
    ax.set_yscale("log")
    ax.set_title("sketch update throughput")
    ax.legend(fontsize=8)
    ax = axes[1]
    mem = [("driftd\nKLL k=800", f.get("quantile_bytes")),
           ("DataSketches\nk=200", f.get("datasketches_kll_bytes")),
           ("DataSketches\nk=800", f.get("datasketches_kll_k800_bytes"))]
    mem = [m for m in mem if m[1]]
    ax.bar([m[0] for m in mem], [m[1] / 1024 for m in mem], color=["#1f77b4"] + ["#ff7f0e"] * (len(mem) - 1))
    ax.set_ylabel("KiB")
    ax.set_title("quantile sketch memory, %s values" % "{:,}".format(int(f.get("values", 0))))
    ax.tick_params(axis="x", labelsize=8)
    fig.tight_layout()
    fig.savefig(png_path, dpi=100)
    plt.close(fig)
