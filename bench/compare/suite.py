"""The `compare` suite: `driftd compare` beside scipy and Evidently's data drift preset on the same
two CSV files (bench/compare/generate.py: 1,000,000 rows x 20 columns by default).

Each tool is a separate process, timed from start to exit, so every figure includes starting up
and reading both files. The runs go round-robin (driftd, scipy, Evidently, then again), so a change
in the machine's load touches every tool alike; each figure is the median of --repeats runs. Peak
RSS is each child's own (wait4). A run longer than --timeout is killed and reported as "> N s";
a repeat that would push the suite past --budget is skipped and said so.
"""
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import benchlib  # noqa: E402

TOOLS = ("driftd", "scipy", "evidently")
LABELS = {"driftd": "driftd compare", "scipy": "pandas + scipy",
          "evidently": "Evidently DataDriftPreset"}
ALPHA = 0.05
DISTANCE_THRESHOLD = 0.1
# driftd's method names and Evidently's, for the same test
EVIDENTLY_METHOD = {"wasserstein": "Wasserstein distance (normed)",
                    "jensen_shannon": "Jensen-Shannon distance",
                    "ks": "K-S p_value", "chi2": "chi-square p_value"}


def _rel(path, root):
    p = os.path.relpath(path, root)
    return path if p.startswith("..") else p


def _generate(ctx, data_dir):
    a = ctx.args
    argv = [ctx.python, os.path.join(HERE, "generate.py"), data_dir, "--rows", str(a.rows),
            "--seed", str(a.seed)]
    t0 = time.perf_counter()
    subprocess.run(argv, check=True)
    with open(os.path.join(data_dir, "truth.json")) as f:
        truth = json.load(f)
    return truth, time.perf_counter() - t0


def _warm_page_cache(paths):
    for p in paths:
        with open(p, "rb") as f:
            while f.read(1 << 24):
                pass


def _commands(ctx, ref, cur, out_dir):
    return {
        "driftd": [os.path.join(ctx.build, "driftd"), "compare", "--reference", ref, "--current", cur,
                   "--format", "json", "--output", os.path.join(out_dir, "driftd.json")],
        "scipy": [ctx.python, os.path.join(HERE, "scipy_peer.py"), ref, cur,
                  os.path.join(out_dir, "scipy.json")],
        "evidently": [ctx.python, os.path.join(HERE, "evidently_peer.py"), ref, cur,
                      os.path.join(out_dir, "evidently.json")],
    }


def _succeeded(tool, run, out_path):
    if run["timed_out"]:
        return False
    ok_exit = run["exit"] in (0, 1) if tool == "driftd" else run["exit"] == 0
    return ok_exit and os.path.exists(out_path)


def _load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _rel_diff(a, b):
    if a is None or b is None:
        return None
    if a == b:
        return 0.0
    return abs(a - b) / max(abs(a), abs(b))


def agreement(driftd, scipy, evidently, truth):
    """Per column: each tool's verdict, the expected one, and where two tools ran the same test,
    whether they agree. Disagreements are listed, never fatal."""
    rows, disagreements, unexpected, not_compared = [], [], [], []
    big = truth["rows"] > 1000  # the default tests are distances only above 1000 reference rows
    max_diff = {}
    checked = {"driftd_vs_scipy": 0, "driftd_vs_evidently": 0}

    def note_diff(key, a, b):
        d = _rel_diff(a, b)
        if d is not None:
            max_diff[key] = max(max_diff.get(key, 0.0), d)

    def compare(pair, column, test, a, b):
        checked[pair] += 1
        if a != b:
            disagreements.append("%s: %s %s says %s, %s says %s" % (
                column, test, pair.split("_vs_")[0], "drift" if a else "stable",
                pair.split("_vs_")[1], "drift" if b else "stable"))

    features = {f["name"]: f for f in (driftd or {}).get("features", [])}
    names = list(truth["numeric"]) + list(truth["categorical"])
    for name in names:
        f = features.get(name)
        s = (scipy or {}).get("columns", {}).get(name)
        e = (evidently or {}).get("columns", {}).get(name)
        row = {"column": name, "kind": "numeric" if name in truth["numeric"] else "categorical",
               "expected": name in truth["shifted_by_distance"],
               "driftd": None if f is None else f.get("drift"),
               "driftd_method": None if f is None else f.get("method"),
               "driftd_value": None if f is None else f.get("value"),
               "scipy": None if s is None else s.get("drift"),
               "evidently": None if e is None else e.get("drift"),
               "evidently_method": None if e is None else e.get("method"),
               "evidently_value": None if e is None else e.get("score")}
        st = (f or {}).get("stats", {})
        if f is not None and s is not None:
            if row["kind"] == "numeric":
                ks, w = st.get("ks", {}), st.get("wasserstein", {})
                if ks.get("p_value") is not None and s.get("ks_p_value") is not None:
                    row["ks_p_driftd"], row["ks_p_scipy"] = ks["p_value"], s["ks_p_value"]
                    compare("driftd_vs_scipy", name, "KS p<0.05",
                            ks["p_value"] < ALPHA, s["ks_p_value"] < ALPHA)
                    note_diff("ks_statistic", ks.get("statistic"), s.get("ks_statistic"))
                if w.get("normed") is not None and s.get("wasserstein_normed") is not None:
                    compare("driftd_vs_scipy", name, "normed Wasserstein>=0.1",
                            w["normed"] >= DISTANCE_THRESHOLD,
                            s["wasserstein_normed"] >= DISTANCE_THRESHOLD)
                    note_diff("wasserstein_distance", w.get("distance"), s.get("wasserstein_distance"))
                    note_diff("wasserstein_normed", w.get("normed"), s.get("wasserstein_normed"))
            else:
                c, js = st.get("chi2", {}), st.get("jensen_shannon", {})
                if c.get("p_value") is not None and s.get("chi2_p_value") is not None:
                    compare("driftd_vs_scipy", name, "chi-square p<0.05",
                            c["p_value"] < ALPHA, s["chi2_p_value"] < ALPHA)
                    note_diff("chi2_statistic", c.get("statistic"), s.get("chi2_statistic"))
                if js.get("distance") is not None and s.get("jensen_shannon") is not None:
                    compare("driftd_vs_scipy", name, "Jensen-Shannon>=0.1",
                            js["distance"] >= DISTANCE_THRESHOLD,
                            s["jensen_shannon"] >= DISTANCE_THRESHOLD)
                    note_diff("jensen_shannon", js.get("distance"), s.get("jensen_shannon"))
        if f is not None and e is not None:
            if EVIDENTLY_METHOD.get(f.get("method")) == e.get("method"):
                compare("driftd_vs_evidently", name, e["method"], f.get("drift"), e.get("drift"))
                note_diff("driftd_vs_evidently_score", f.get("value"), e.get("score"))
            else:
                not_compared.append("%s: driftd uses %s, Evidently %s" % (
                    name, f.get("method"), e.get("method")))
        for tool in ("driftd", "scipy", "evidently"):
            if big and row[tool] is not None and row[tool] != row["expected"]:
                unexpected.append("%s: %s says %s, the generator shifted it %s" % (
                    name, tool, "drift" if row[tool] else "stable",
                    "past the distance threshold" if row["expected"] else "less or not at all"))
        rows.append(row)
    return {"columns": rows, "checked": checked, "disagreements": disagreements,
            "unexpected_verdicts": unexpected, "not_compared": not_compared,
            "max_relative_difference": {k: float("%.3g" % v) for k, v in max_diff.items()}}


def run(ctx):
    a = ctx.args
    tools = [t for t in TOOLS if t in a.tools]
    work = os.path.join(ctx.build, "bench-compare")
    data_dir = os.path.join(work, "rows-%d-seed-%d" % (a.rows, a.seed))
    out_dir = os.path.join(work, "out")
    os.makedirs(out_dir, exist_ok=True)
    suite_t0 = time.perf_counter()

    truth, gen_s = _generate(ctx, data_dir)
    ref = os.path.join(data_dir, "reference.csv")
    cur = os.path.join(data_dir, "current.csv")
    _warm_page_cache([ref, cur])
    size = os.path.getsize(ref) + os.path.getsize(cur)

    argvs = _commands(ctx, ref, cur, out_dir)
    env = dict(os.environ, DO_NOT_TRACK="1", ITERATIVE_DO_NOT_TRACK="1")
    results = {t: {"label": LABELS[t], "command": " ".join(_rel(x, ctx.root) for x in argvs[t]),
                   "runs": [], "skipped_runs": 0} for t in tools}
    driftd_bin = os.path.join(ctx.build, "driftd")
    binary_mtime = os.path.getmtime(driftd_bin)
    timing_t0 = time.perf_counter()
    for rep in range(a.repeats):
        for t in tools:
            r = results[t]
            last = max((x["seconds"] for x in r["runs"]), default=0.0)
            if any(x["timed_out"] for x in r["runs"]):
                r["skipped_runs"] += 1
                continue
            if rep > 0 and time.perf_counter() - timing_t0 + last > a.budget:
                r["skipped_runs"] += 1
                continue
            out_path = argvs[t][-1]
            if os.path.exists(out_path):
                os.remove(out_path)
            print("compare: %s, run %d of %d" % (LABELS[t], rep + 1, a.repeats), file=sys.stderr,
                  flush=True)
            run_ = benchlib.run_timed(argvs[t], os.path.join(out_dir, t + ".stdout"),
                                      os.path.join(out_dir, t + ".stderr"), a.timeout, env=env)
            run_["ok"] = _succeeded(t, run_, out_path)
            if run_["ok"] and t != "driftd":
                run_["phases"] = (_load(out_path) or {}).get("seconds")
            if not run_["ok"] and not run_["timed_out"]:
                with open(os.path.join(out_dir, t + ".stderr"), errors="replace") as f:
                    run_["stderr_tail"] = f.read()[-2000:]
            r["runs"].append(run_)

    binary_changed = os.path.getmtime(driftd_bin) != binary_mtime
    if binary_changed:
        print("compare: warning: %s was rebuilt while the suite ran; its runs may mix two builds"
              % driftd_bin, file=sys.stderr)
    for t in tools:
        r = results[t]
        ok = [x for x in r["runs"] if x["ok"]]
        r["timed_out"] = any(x["timed_out"] for x in r["runs"])
        r["failed"] = not ok and not r["timed_out"]
        r["median_s"] = benchlib.median([x["seconds"] for x in ok])
        r["min_s"] = min((x["seconds"] for x in ok), default=None)
        r["max_s"] = max((x["seconds"] for x in ok), default=None)
        r["peak_rss_kib"] = max((x["peak_rss_kib"] for x in r["runs"]), default=None)
        r["cpu_s_median"] = benchlib.median([x["user_s"] + x["sys_s"] for x in ok])
        if r["median_s"]:
            r["mb_per_s"] = round(size / 1e6 / r["median_s"], 2)
            r["rows_per_s"] = round(2 * a.rows / r["median_s"])
        phases = [x["phases"] for x in ok if x.get("phases")]
        if phases:
            r["phases_median_s"] = {k: round(benchlib.median([p[k] for p in phases]), 3)
                                    for k in phases[0]}
    base = results.get("driftd", {}).get("median_s")
    for t in tools:
        r = results[t]
        if base and r["median_s"]:
            r["ratio_vs_driftd"] = round(r["median_s"] / base, 2)
        elif base and r["timed_out"]:
            r["ratio_vs_driftd_at_least"] = int(a.timeout / base * 10) / 10

    outputs = {t: _load(argvs[t][-1]) if t in results and any(
        x["ok"] for x in results[t]["runs"]) else None for t in TOOLS}
    agree = agreement(outputs["driftd"], outputs["scipy"], outputs["evidently"], truth)
    versions = {}
    for t in ("scipy", "evidently"):
        if outputs.get(t):
            versions.update(outputs[t].get("versions", {}))
    if outputs.get("driftd"):
        d = outputs["driftd"]["dataset"]
        agree["driftd_dataset"] = d
    return {
        "config": {"rows": a.rows, "columns": len(truth["numeric"]) + len(truth["categorical"]),
                   "numeric": len(truth["numeric"]), "categorical": len(truth["categorical"]),
                   "seed": a.seed, "repeats": a.repeats, "timeout_s": a.timeout,
                   "budget_s": a.budget, "tools": tools},
        "data": {"dir": _rel(data_dir, ctx.root), "bytes": size,
                 "generate_s": round(gen_s, 1), "truth": truth},
        "versions": versions,
        "tools": results,
        "agreement": agree,
        "driftd_rebuilt_during_suite": binary_changed,
        "timing_s": round(time.perf_counter() - timing_t0, 1),
        "suite_s": round(time.perf_counter() - suite_t0, 1),
    }


def _seconds_cell(r, timeout):
    if r["timed_out"]:
        return "> %d s (killed)" % timeout
    if r["failed"]:
        return "failed"
    s = benchlib.fmt_seconds(r["median_s"])
    ok = [x["seconds"] for x in r["runs"] if x["ok"]]
    if len(ok) > 1:
        s += " (%s–%s)" % (benchlib.fmt_seconds(min(ok)).replace(" s", ""), benchlib.fmt_seconds(max(ok)))
    return s


def markdown(res):
    c = res["config"]
    lines = ["Two CSV files of %s rows × %d columns (%d numeric, %d categorical), %.0f MB together; "
             "median of %d runs (min–max), each a whole process from start to exit."
             % ("{:,}".format(c["rows"]), c["columns"], c["numeric"], c["categorical"],
                res["data"]["bytes"] / 1e6, c["repeats"]), ""]
    rows = []
    for t in c["tools"]:
        r = res["tools"][t]
        ok = sum(1 for x in r["runs"] if x["ok"])
        ratio = ("%.2f×" % r["ratio_vs_driftd"]) if r.get("ratio_vs_driftd") else (
            "> %.1f×" % r["ratio_vs_driftd_at_least"] if r.get("ratio_vs_driftd_at_least") else "–")
        ph = r.get("phases_median_s")
        phase = "%.1f / %.1f / %.1f s" % (ph["import"], ph["read"], ph["compute"]) if ph else ""
        cpu = benchlib.fmt_seconds(r["cpu_s_median"]) if r["cpu_s_median"] else "–"
        rows.append([r["label"], _seconds_cell(r, c["timeout_s"]), ratio,
                     benchlib.fmt_mib(r["peak_rss_kib"]), cpu,
                     "%.1f" % r["mb_per_s"] if r.get("mb_per_s") else "–", phase,
                     "%d%s" % (ok, " (+%d skipped)" % r["skipped_runs"] if r["skipped_runs"] else "")])
    lines.append(benchlib.md_table(
        ["tool", "wall time, median", "ratio vs driftd", "peak RSS", "CPU time", "CSV MB/s",
         "import / read / compute", "runs"], rows))
    lines += ["", "Commands (from the repository's root):", "", "```sh"]
    lines += [res["tools"][t]["command"] for t in c["tools"]]
    lines += ["```", ""]
    ag = res["agreement"]
    verdict = {True: "drift", False: "stable", None: "–"}
    vrows = []
    for r in ag["columns"]:
        ks_flags = r.get("ks_p_driftd") is not None and r["ks_p_driftd"] < ALPHA
        if not (r["expected"] or r["driftd"] or r["scipy"] or r["evidently"] or ks_flags):
            continue
        vrows.append([r["column"], r["kind"], verdict[r["expected"]],
                      "%s (%s %.3g)" % (verdict[r["driftd"]], r["driftd_method"], r["driftd_value"])
                      if r["driftd"] is not None else "–",
                      verdict[r["scipy"]],
                      "%s (%.3g)" % (verdict[r["evidently"]], r["evidently_value"])
                      if r["evidently"] is not None else "–",
                      ("%.3g / %.3g" % (r["ks_p_driftd"], r["ks_p_scipy"])) if "ks_p_driftd" in r else ""])
    quiet = sum(1 for r in ag["columns"]) - len(vrows)
    lines.append("Verdicts (default test: normed Wasserstein ≥ 0.1 for numeric, Jensen–Shannon ≥ 0.1 "
                 "for categorical columns); left out: the %d columns every tool calls stable and "
                 "whose KS p-value is ≥ 0.05:" % quiet)
    lines += ["", benchlib.md_table(["column", "kind", "generator", "driftd", "scipy", "Evidently",
                                     "KS p-value driftd / scipy"], vrows), ""]
    ch = ag["checked"]
    lines.append("Same test, same verdict: driftd vs scipy %d checks, driftd vs Evidently %d checks; "
                 "%s." % (ch["driftd_vs_scipy"], ch["driftd_vs_evidently"],
                          "no disagreement" if not ag["disagreements"] else
                          "%d disagreement(s): %s" % (len(ag["disagreements"]),
                                                     "; ".join(ag["disagreements"]))))
    if res.get("driftd_rebuilt_during_suite"):
        lines.append("Warning: build/driftd was rebuilt while the suite ran; its runs may mix two builds.")
    if ag["unexpected_verdicts"]:
        lines.append("Verdicts unlike the generator's shift: " + "; ".join(ag["unexpected_verdicts"]) + ".")
    if ag["not_compared"]:
        lines.append("Not compared (different tests): " + "; ".join(ag["not_compared"]) + ".")
    if ag["max_relative_difference"]:
        lines.append("Largest relative difference of a statistic: " + ", ".join(
            "%s %.2g" % (k, v) for k, v in sorted(ag["max_relative_difference"].items())) + ".")
    return "\n".join(lines)


def plot(res, png_path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    c = res["config"]
    tools = [t for t in c["tools"]]
    labels = [res["tools"][t]["label"].replace(" ", "\n", 1) for t in tools]
    secs = [res["tools"][t]["median_s"] or (c["timeout_s"] if res["tools"][t]["timed_out"] else 0)
            for t in tools]
    mbs = [res["tools"][t].get("mb_per_s") or 0 for t in tools]
    rss = [(res["tools"][t]["peak_rss_kib"] or 0) / 1024 for t in tools]
    colours = ["#1f77b4", "#ff7f0e", "#2ca02c"][:len(tools)]
    fig, axes = plt.subplots(1, 3, figsize=(13, 4.2))
    for ax, values, title, unit in ((axes[0], secs, "wall time (median)", "s"),
                                    (axes[1], mbs, "throughput (CSV read and compared)", "MB/s"),
                                    (axes[2], rss, "peak RSS", "MiB")):
        bars = ax.bar(labels, values, color=colours)
        ax.set_title(title)
        ax.set_ylabel(unit)
        for b, v in zip(bars, values):
            ax.annotate("%.2f" % v if v < 1 else "%.1f" % v if v < 100 else "%.0f" % v, (b.get_x() + b.get_width() / 2, v),
                        ha="center", va="bottom", fontsize=9)
        ax.tick_params(axis="x", labelsize=8)
    fig.suptitle("driftd compare vs scipy vs Evidently: %s rows × %d columns, two CSV files"
                 % ("{:,}".format(c["rows"]), c["columns"]))
    fig.tight_layout()
    fig.savefig(png_path, dpi=100)
    plt.close(fig)
