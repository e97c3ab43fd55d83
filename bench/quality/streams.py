"""The records of the `quality` suite: one stream whose fields are the scenarios, each with a
known change point, written once and read by every tool in the same order.

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
    try:
        with open(meta_path) as f:
            if json.load(f) == meta and os.path.exists(jsonl) and os.path.exists(npz):
                return jsonl, npz
    except (OSError, ValueError):
        pass
    cols = columns(records, seed)
    np.savez(npz, **{k: (v.astype(str) if v.dtype == object else v) for k, v in cols.items()})
    names = [s[0] for s in SCENARIOS]
    kinds = {s[0]: s[1] for s in SCENARIOS}
    with open(jsonl, "w") as f:
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
    with open(meta_path, "w") as f:
        json.dump(meta, f)
    return jsonl, npz


def load(npz):
    """The arrays written by write(), categorical ones as arrays of str."""
    with np.load(npz) as z:
        return {k: z[k] for k in z.files}
