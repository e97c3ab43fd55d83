"""The records of the `quality` suite: one stream whose fields are the scenarios, each with a
known change point, and the multivariate scenario's streams (MV_STREAMS), written once and read by
every tool in the same order.

Record i has event time START_MS + i * STEP_MS (field `ts`), its index (`i`), and one value per
scenario field below. Every field draws from its own numpy generator (one SeedSequence child per
field), so a field's values depend only on the seed, the record count and the field itself.
Values are rounded to 4 decimals before anything is written, and the rounded values are what
every tool sees: driftd reads the JSON text, the Python peers the arrays saved beside it.
"""
import json
import os

import numpy as np

# 2026-01-01T00:00:00Z: a fixed past date, so runs are identical and no record is "ahead of the
# clock"; a multiple of the window length, so the first window is records [0, WINDOW_RECORDS).
START_MS = 1767225600000
STEP_MS = 1

# kind, what changes at the change point (index CHANGE = records // 2), one line for the README.
SCENARIOS = [
    ("mean_shift", "numeric", "sudden mean shift: Normal(0, 1), then Normal(0.5, 1)"),
    ("gradual", "numeric", "gradual drift: Normal(0, 1) whose mean rises linearly to 1.0 over "
                           "the 20,000 records after the change point, then stays"),
    ("variance", "numeric", "variance change: Normal(0, 1), then Normal(0, 1.5)"),
    ("new_mode", "numeric", "new mode: Normal(0, 1), then 15% of the values from Normal(4, 0.5)"),
    ("category_swap", "categorical", "category swap: 8 categories with shares 35/20/15/10/8/6/4/2%; "
                                     "the two largest trade shares with the two smallest"),
    ("null_spike", "numeric", "null spike: Normal(0, 1) with 1% nulls, then 20% nulls"),
    ("stable_normal", "numeric", "stationary control: Normal(0, 1) throughout"),
    ("stable_lognormal", "numeric", "stationary control: lognormal exp(Normal(0, 1)), heavy "
                                    "right tail, throughout"),
    ("stable_category", "categorical", "stationary control: 30 categories, Zipf(1.1) shares, "
                                       "throughout"),
]
RAMP = 20000
CAT_SWAP = ["a", "b", "c", "d", "e", "f", "g", "h"]
CAT_SWAP_P = np.array([0.35, 0.20, 0.15, 0.10, 0.08, 0.06, 0.04, 0.02])
CAT_SWAP_AFTER = CAT_SWAP_P[[7, 6, 2, 3, 4, 5, 1, 0]]  # a<->h, b<->g
CAT_STABLE = ["c%02d" % k for k in range(30)]
_z = 1.0 / np.arange(1, 31) ** 1.1
CAT_STABLE_P = _z / _z.sum()


# The multivariate scenario, in streams of their own (a test of a stream's numeric fields together
# would see the scenarios above change too): the same five numeric fields in each, every marginal
# stationary. In `mv`, mv_b is drawn independently of mv_a from the change point on (r = 0.9, then
# 0); `mv_stable` keeps r = 0.9 throughout, the control for false alarms.
MV_FIELDS = [
    ("mv_a", "Normal(0, 1)"),
    ("mv_b", "Normal(0, 1), correlation 0.9 with mv_a (0.9 mv_a + 0.436 Normal(0, 1))"),
    ("mv_c", "Normal(5, 2), independent"),
    ("mv_d", "Exponential(1), independent (skewed)"),
    ("mv_e", "lognormal exp(Normal(0, 1)), independent (heavy right tail)"),
]
MV_STREAMS = [  # stream, whether it changes at the change point, one line for the README
    ("mv", True, "decorrelation: mv_b independent of mv_a from the change point on (r = 0.9, "
                 "then 0), every marginal unchanged"),
    ("mv_stable", False, "stationary control: the same fields, r = 0.9 throughout"),
]
MV_R = 0.9


def is_stationary(name):
    return name.startswith("stable_")


def change_point(records):
    return records // 2


def columns(records, seed):
    """{field: numpy array} for every scenario: float64 with NaN for null (numeric), or an array of
    str (categorical)."""
    n, cp = records, change_point(records)
    kids = np.random.SeedSequence(seed).spawn(len(SCENARIOS))
    rng = {name: np.random.Generator(np.random.PCG64(k)) for (name, _, _), k in zip(SCENARIOS, kids)}
    idx = np.arange(n)
    after = idx >= cp
    out = {}
    x = rng["mean_shift"].standard_normal(n)
    out["mean_shift"] = x + 0.5 * after
    x = rng["gradual"].standard_normal(n)
    out["gradual"] = x + np.clip((idx - cp) / RAMP, 0.0, 1.0)
    x = rng["variance"].standard_normal(n)
    out["variance"] = np.where(after, 1.5 * x, x)
    g = rng["new_mode"]
    x, pick, mode = g.standard_normal(n), g.random(n), g.normal(4.0, 0.5, n)
    out["new_mode"] = np.where(after & (pick < 0.15), mode, x)
    g = rng["category_swap"]
    u = g.random(n)
    before_i = np.searchsorted(np.cumsum(CAT_SWAP_P), u, side="right").clip(0, 7)
    after_i = np.searchsorted(np.cumsum(CAT_SWAP_AFTER), u, side="right").clip(0, 7)
    out["category_swap"] = np.array(CAT_SWAP, dtype=object)[np.where(after, after_i, before_i)]
    g = rng["null_spike"]
    x, u = g.standard_normal(n), g.random(n)
    out["null_spike"] = np.where(u < np.where(after, 0.20, 0.01), np.nan, x)
    out["stable_normal"] = rng["stable_normal"].standard_normal(n)
    out["stable_lognormal"] = np.exp(rng["stable_lognormal"].standard_normal(n))
    u = rng["stable_category"].random(n)
    out["stable_category"] = np.array(CAT_STABLE, dtype=object)[
        np.searchsorted(np.cumsum(CAT_STABLE_P), u, side="right").clip(0, 29)]
    for name, kind, _ in SCENARIOS:
        if kind == "numeric":
            out[name] = np.round(out[name], 4)
    return out


def mv_columns(records, seed):
    """{stream: {field: float64 array}} for MV_STREAMS. Drawn from generators of their own
    (SeedSequence([seed, 1])), so the scenarios above keep their values for a seed."""
    n, cp = records, change_point(records)
    kids = iter(np.random.SeedSequence([seed, 1]).spawn(len(MV_STREAMS) * len(MV_FIELDS)))
    out = {}
    for stream, changes, _ in MV_STREAMS:
        g = {name: np.random.Generator(np.random.PCG64(next(kids))) for name, _ in MV_FIELDS}
        a, e = g["mv_a"].standard_normal(n), g["mv_b"].standard_normal(n)
        b = MV_R * a + np.sqrt(1.0 - MV_R * MV_R) * e
        if changes:
            b = np.where(np.arange(n) >= cp, e, b)
        cols = {"mv_a": a, "mv_b": b, "mv_c": g["mv_c"].normal(5.0, 2.0, n),
                "mv_d": g["mv_d"].exponential(1.0, n),
                "mv_e": np.exp(g["mv_e"].standard_normal(n))}
        out[stream] = {k: np.round(v, 4) for k, v in cols.items()}
    return out


def _written(meta_path, meta, paths):
    """Whether the files were written before from the same meta (then they are kept)."""
    try:
        with open(meta_path) as f:
            return json.load(f) == meta and all(os.path.exists(p) for p in paths)
    except (OSError, ValueError):
        return False


def _write_jsonl(path, records, cols, names, kinds):
    """One JSON object per record: ts, i and the fields, numbers with 4 decimals, NaN as null."""
    with open(path, "w") as f:
        for i in range(records):
            parts = ['"ts":%d' % (START_MS + i * STEP_MS), '"i":%d' % i]
            for name in names:
                v = cols[name][i]
                if kinds[name] == "categorical":
                    parts.append('"%s":"%s"' % (name, v))
                elif v != v:
                    parts.append('"%s":null' % name)
                else:
                    parts.append('"%s":%.4f' % (name, v))
            f.write("{" + ",".join(parts) + "}\n")


def write(work, records, seed):
    """Writes WORK/records.jsonl (one JSON object per line, the text driftd reads) and
    WORK/columns.npz (the same values for the Python peers); returns their paths. Kept when the
    same records and seed were written before."""
    os.makedirs(work, exist_ok=True)
    jsonl = os.path.join(work, "records.jsonl")
    npz = os.path.join(work, "columns.npz")
    meta_path = os.path.join(work, "records.meta.json")
    meta = {"records": records, "seed": seed, "start_ms": START_MS, "step_ms": STEP_MS,
            "fields": [s[0] for s in SCENARIOS], "format": 1}
    if _written(meta_path, meta, (jsonl, npz)):
        return jsonl, npz
    cols = columns(records, seed)
    np.savez(npz, **{k: (v.astype(str) if v.dtype == object else v) for k, v in cols.items()})
    _write_jsonl(jsonl, records, cols, [s[0] for s in SCENARIOS], {s[0]: s[1] for s in SCENARIOS})
    with open(meta_path, "w") as f:
        json.dump(meta, f)
    return jsonl, npz


def write_mv(work, records, seed):
    """Writes WORK/STREAM.jsonl for every stream of MV_STREAMS and WORK/mv-columns.npz (their
    values, keyed STREAM.FIELD); returns ({stream: jsonl path}, npz path). Kept when the same
    records and seed were written before."""
    os.makedirs(work, exist_ok=True)
    jsonl = {stream: os.path.join(work, stream + ".jsonl") for stream, _, _ in MV_STREAMS}
    npz = os.path.join(work, "mv-columns.npz")
    meta_path = os.path.join(work, "mv.meta.json")
    meta = {"records": records, "seed": seed, "start_ms": START_MS, "step_ms": STEP_MS,
            "streams": [s[0] for s in MV_STREAMS], "fields": [f[0] for f in MV_FIELDS],
            "r": MV_R, "format": 1}
    if _written(meta_path, meta, list(jsonl.values()) + [npz]):
        return jsonl, npz
    cols = mv_columns(records, seed)
    np.savez(npz, **{"%s.%s" % (stream, k): v for stream, c in cols.items() for k, v in c.items()})
    names = [f[0] for f in MV_FIELDS]
    for stream, path in jsonl.items():
        _write_jsonl(path, records, cols[stream], names, {n: "numeric" for n in names})
    with open(meta_path, "w") as f:
        json.dump(meta, f)
    return jsonl, npz


def load(npz):
    """The arrays written by write() (categorical ones as arrays of str) or write_mv()."""
    with np.load(npz) as z:
        return {k: z[k] for k in z.files}
