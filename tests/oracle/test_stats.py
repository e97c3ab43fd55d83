#!/usr/bin/env python3
"""Oracle test: driftd's distribution statistics against scipy on the same inputs.

Properties (inputs are exact, so the only differences are floating-point rounding):
- KS statistic = scipy.stats.ks_2samp(a, b).statistic (weights 1), and the weighted form equals
  ks_2samp on the samples expanded by their weights; both CDFs are ratios of integers, each
  rounded once, so the two agree within 4u (u = 2**-53) of 1;
- Wasserstein-1 = scipy.stats.wasserstein_distance(a, b, wa, wb); a sum of n products of
  |F_a - F_b| <= 1 and gaps, so the two agree within 4*n*u*(max - min);
- PSI, KL (scipy.stats.entropy of smoothed, renormalised proportions), Jensen-Shannon
  (scipy.spatial.distance.jensenshannon), Hellinger and total variation from numpy formulas, and
  chi-square / dof = scipy.stats.chi2_contingency(correction=False and True); sums of k terms,
  so the tolerance is 8*k*u times the sum of the terms' magnitudes.
- KS and W1 computed from two KLL sketches lie within the error bound the library reports
  (eps_ref + eps_cur, and that times max - min for W1, eps from dd_kll_rank_error) of scipy's
  exact values on the full samples; while the sketches are exact (n below k) they are equal.
- dd_stat_two_sample (one walk, ref first, cur second) on the same samples. Weighted samples
  are a KLL sketch's sorted view: for KS and W1 a weight w is w repeated values (ks_2samp and
  wasserstein_distance on the samples expanded by their weights); for the ranks, an entry of
  weight w whose value no other entry has stands for w distinct merged values and takes the w
  consecutive ranks it spans, while entries sharing a value tie (stats_rank.c); the oracle
  expands such an entry into w distinct values inside the gap to the next pooled value.
    ks, wasserstein      as above (4u; 4*n*u*(max - min));
    auc                  = U/(n*m) with U = mannwhitneyu(cur, ref).statistic: the rank sum is a
                         sum of multiples of 1/2 below 2**52, so exact, and both sides divide
                         once: 2u*auc;
    location_z           = (U - nm/2)/s with scipy's tie-corrected s**2 = nm/12*((N+1) -
                         sum(t**3 - t)/(N(N-1))), evaluated in exact rational arithmetic (so the
                         reference carries one rounding), and it must equal the permutation z
                         computed the same way from the pooled mid-ranks; and 2*norm.sf(|z|) must
                         equal mannwhitneyu(method='asymptotic', use_continuity=False).pvalue
                         within scipy's own rounding of s (below);
    scale_z              tie-free data: (mnAB - AB)/sqrt(varAB) from scipy.stats.ansari(cur, ref)'s
                         AB with scipy's no-tie moments (exact arithmetic), which must equal the
                         permutation z of the scores |r - (N+1)/2| (the same z: the two scores
                         differ by a constant), and ansari's p-value where it uses the normal
                         approximation; with ties: the exact permutation z from the pooled
                         mid-ranks;
    *_skew, *_kurtosis   = |gamma|/sqrt(s) and kappa/s of the score population, s = min(n, m),
                         from exact central moments;
    auc_sd, dispersion, dispersion_sd, max_tie_share from the same exact moments (max_tie_share
                         is one correctly rounded division on both sides: equal; 1/N without
                         ties).
  driftd forms the central moments from power sums of the score population (closed forms,
  corrected per tie group); the tolerance of a z is |z|*(rel(var)/2 + 3u) + (error of the sum
  minus its mean)/sd, and of a skewness or kurtosis the same propagation through m3 and m4,
  written out in rank_tolerances below and evaluated on the exact moments.
- dd_stat_reference_spread = the integral of sqrt(F(1 - F)) over the reference's weighted
  empirical CDF F: a step function, integrated exactly (math.fsum of the steps' areas, each area
  rounded once or twice: 4u of the total) and, for small samples, by scipy.integrate.quad with a
  break point at every step (its estimated error added); driftd sums n terms of a few roundings
  each: (n + 10)*u*spread.
Usage: test_stats.py STATS_TOOL
"""
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
from fractions import Fraction

from scipy import integrate, spatial, stats

U = 2.0 ** -53
SMOOTHING = 1e-4


def tool_json(args):
    out = subprocess.run(args, check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def close(got, want, tol):
    return abs(got - want) <= tol


def check_samples(name, tool, a, b, wa, wb, workdir):
    paths = []
    for label, arr, dtype in (("a", a, "<f8"), ("wa", wa, "<u8"), ("b", b, "<f8"), ("wb", wb, "<u8")):
        if arr is None:
            paths.append("-")
            continue
        p = os.path.join(workdir, label)
        np.asarray(arr).astype(dtype).tofile(p)
        paths.append(p)
    got = tool_json([tool, "samples"] + paths)
    errors = []
    if wa is None and wb is None:
        want_ks = stats.ks_2samp(a, b).statistic
    else:
        want_ks = stats.ks_2samp(np.repeat(a, wa), np.repeat(b, wb)).statistic
    if not close(got["ks"], want_ks, 4 * U):
        errors.append("ks %.17g vs scipy %.17g" % (got["ks"], want_ks))
    want_w1 = stats.wasserstein_distance(a, b, wa, wb)
    span = max(a.max(), b.max()) - min(a.min(), b.min())
    tol = 4 * (a.size + b.size) * U * span + 4 * U * abs(want_w1)
    if not close(got["wasserstein"], want_w1, tol):
        errors.append("wasserstein %.17g vs scipy %.17g (tol %.3g)" % (got["wasserstein"], want_w1, tol))
    print("%-4s %-48s %s" % ("ok" if not errors else "FAIL", name, "; ".join(errors)))
    return not errors


def check_kll(name, tool, a, b, k, workdir):
    pa, pb = os.path.join(workdir, "ka"), os.path.join(workdir, "kb")
    a.astype("<f8").tofile(pa)
    b.astype("<f8").tofile(pb)
    got = tool_json([tool, "kll", pa, pb, str(k)])
    errors = []
    want_ks = stats.ks_2samp(a, b).statistic
    want_w1 = stats.wasserstein_distance(a, b)
    span = max(a.max(), b.max()) - min(a.min(), b.min())
    # Rounding on top of the sketch bound, as in the exact cases above.
    if abs(got["ks"] - want_ks) > got["ks_bound"] + 4 * U:
        errors.append("ks %.6g vs scipy %.6g: |diff| %.3g > bound %.3g"
                      % (got["ks"], want_ks, abs(got["ks"] - want_ks), got["ks_bound"]))
    w1_tol = got["wasserstein_bound"] + 4 * (a.size + b.size) * U * span
    if abs(got["wasserstein"] - want_w1) > w1_tol:
        errors.append("wasserstein %.6g vs scipy %.6g: |diff| %.3g > bound %.3g"
                      % (got["wasserstein"], want_w1, abs(got["wasserstein"] - want_w1), w1_tol))
    if max(a.size, b.size) < k and (got["ks_bound"] != 0 or got["wasserstein_bound"] != 0):
        errors.append("sketches below k should be exact (bounds %g, %g)" % (got["ks_bound"], got["wasserstein_bound"]))
    print("%-4s %-48s ks %.4f±%.4f w1 %.4g±%.3g %s" % ("ok" if not errors else "FAIL", name, got["ks"],
          got["ks_bound"], got["wasserstein"], got["wasserstein_bound"], "; ".join(errors)))
    return not errors


def pooled_groups(a, wa, b, wb):
    """Distinct pooled values with their (integer) weights from each sample."""
    wa = np.ones(a.size, dtype=np.int64) if wa is None else np.asarray(wa, dtype=np.int64)
    wb = np.ones(b.size, dtype=np.int64) if wb is None else np.asarray(wb, dtype=np.int64)
    vals, inv = np.unique(np.concatenate([a, b]), return_inverse=True)
    ta = np.zeros(vals.size, dtype=np.int64)
    tb = np.zeros(vals.size, dtype=np.int64)
    np.add.at(ta, inv[: a.size], wa)
    np.add.at(tb, inv[a.size:], wb)
    return vals, [int(v) for v in ta], [int(v) for v in tb]


def exact_rank_stat(scores2, ta, tb):
    """Exact permutation moments of the current sample's score sum; scores2 are twice the
    scores (integers). Returns a dict of Fractions and floats."""
    m, n = sum(ta), sum(tb)
    big_n = m + n
    t = [x + y for x, y in zip(ta, tb)]
    s = [sum(ti * c ** k for ti, c in zip(t, scores2)) for k in range(5)]
    cur = sum(y * c for y, c in zip(tb, scores2))
    mu = Fraction(s[1], big_n)
    e2, e3, e4 = Fraction(s[2], big_n), Fraction(s[3], big_n), Fraction(s[4], big_n)
    m2 = e2 - mu * mu
    m3 = e3 - 3 * mu * e2 + 2 * mu ** 3
    m4 = e4 - 4 * mu * e3 + 6 * mu * mu * e2 - 3 * mu ** 4
    var = Fraction(n * m, big_n - 1) * m2 if big_n > 1 else Fraction(0)
    num = cur - n * mu
    out = {"N": big_n, "n": n, "m": m, "K": len(t), "T": sum(1 for ti in t if ti >= 2), "num": num, "var": var, "mean": n * mu,
           "sum": Fraction(cur), "mu": mu, "e2": e2, "e3": e3, "e4": e4, "m2": m2, "m3": m3,
           "m4": m4}
    out["z"] = (math.copysign(math.sqrt(float(num * num / var)), float(num)) if var > 0 else 0.0)
    return out


def rank_tolerances(ex, scale):
    """Rounding bounds of driftd's z, skewness and kurtosis (see the module docstring), in the
    scores' own units (the ratios are scale-free). driftd takes each power sum of the score
    population from closed forms over the ranks 1..N (at most 8 roundings), corrected once per
    tie group by the difference of two closed-form span sums (6 roundings each, of values no
    larger than the population's sum): relative error eps_sum = (12 T + 14) u, T tie groups.
    The current sample's rank sum is exact (multiples of 1/2 below 2**52); its scale-score sum
    has one closed-form term (the entry across the centre): 10u of the sum."""
    eps_sum = (12 * ex["T"] + 14) * U
    mu, e2, e3, e4 = (float(ex[x]) for x in ("mu", "e2", "e3", "e4"))
    m2, m3, m4 = (float(ex[x]) for x in ("m2", "m3", "m4"))
    if m2 <= 0:
        return 0.0, 0.0, 0.0
    d_m2 = (eps_sum + 4 * U) * (e2 + mu * mu)
    d_m3 = (eps_sum + 6 * U) * (e3 + 3 * mu * e2 + 2 * mu ** 3)
    d_m4 = (eps_sum + 8 * U) * (e4 + 4 * mu * e3 + 6 * mu * mu * e2 + 3 * mu ** 4)
    rel_var = d_m2 / m2 + 3 * U
    sd = math.sqrt(float(ex["var"]))
    z = abs(ex["z"])
    d_num = (eps_sum + 2 * U) * float(ex["mean"]) + U * abs(float(ex["num"]))
    if scale:
        d_num += 10 * U * float(ex["sum"])
    tol_z = z * (rel_var / 2 + 3 * U) + d_num / sd
    gamma = m3 / m2 ** 1.5
    kappa3 = m4 / (m2 * m2)  # kappa + 3
    s = min(ex["n"], ex["m"])
    tol_skew = (d_m3 / m2 ** 1.5 + 1.5 * abs(gamma) * d_m2 / m2 + 4 * U * abs(gamma)) / math.sqrt(s)
    tol_kurt = (d_m4 / (m2 * m2) + 2 * kappa3 * d_m2 / m2 + 4 * U * kappa3) / s
    return tol_z, tol_skew, tol_kurt


def rel_sd(ex):
    """Relative rounding bound of driftd's standard deviation of a score sum: half that of the
    variance (rank_tolerances), and the divisions that scale it."""
    rel_var = ((12 * ex["T"] + 18) * U * float(ex["e2"] + ex["mu"] ** 2) / float(ex["m2"]) + 3 * U)
    return rel_var / 2 + 4 * U


def rank_view(ref, wr, cur, wc):
    """The raw data a weighted pair stands for in dd_stat_two_sample's ranks: an entry of weight w
    whose value no other entry (of either sample) has is w distinct values inside the gap to the
    next pooled value (a sketch item merges distinct values), taking w consecutive ranks; entries
    that share a value are repeated values, one tie group."""
    vals, entries = np.unique(np.concatenate([ref, cur]), return_counts=True)
    lone = dict(zip(vals.tolist(), (entries == 1).tolist()))
    nxt = dict(zip(vals.tolist(), np.append(vals[1:], vals[-1] + 1.0).tolist()))

    def expand(x, w):
        if w is None:
            return np.asarray(x, dtype=float)
        out = []
        for v, k in zip(np.asarray(x).tolist(), np.asarray(w).tolist()):
            if lone[v] and k > 1:
                spread = v + (nxt[v] - v) * np.arange(k) / (k + 1)
                assert np.unique(spread).size == k and spread[-1] < nxt[v]
                out.append(spread)
            else:
                out.append(np.full(k, v))
        return np.concatenate(out)

    return expand(ref, wr), expand(cur, wc)


def check_two_sample(name, tool, ref, cur, wr, wc, workdir, tie_free):
    paths = []
    for label, arr, dtype in (("r", ref, "<f8"), ("wr", wr, "<u8"), ("c", cur, "<f8"), ("wc", wc, "<u8")):
        if arr is None:
            paths.append("-")
            continue
        p = os.path.join(workdir, label)
        np.asarray(arr).astype(dtype).tofile(p)
        paths.append(p)
    got = tool_json([tool, "two_sample"] + paths)
    errors = []

    def bad(key, want, tol):
        g = got[key]
        if isinstance(g, str) or not abs(g - want) <= tol:
            errors.append("%s %r vs %r (tol %.3g)" % (key, g, want, tol))

    # KS and W1: a weight w is w repeated values.
    ref_x = ref if wr is None else np.repeat(ref, wr)
    cur_x = cur if wc is None else np.repeat(cur, wc)
    # Ranks: a lone entry of weight w spans w consecutive ranks; several entries at one value tie.
    ref_r, cur_r = rank_view(ref, wr, cur, wc)
    if tie_free is None:
        tie_free = np.unique(np.concatenate([ref_r, cur_r])).size == ref_r.size + cur_r.size
    m, n = ref_x.size, cur_x.size
    big_n = n + m
    # The rank sums are sums of multiples of 1/2 below 2**52 (each partial sum too): exact.
    assert big_n * (big_n + 1) < 2 ** 52
    bad("ks", stats.ks_2samp(ref_x, cur_x).statistic, 4 * U)
    w1 = stats.wasserstein_distance(ref, cur, wr, wc)
    span = max(ref.max(), cur.max()) - min(ref.min(), cur.min())
    bad("wasserstein", w1, 4 * (ref.size + cur.size) * U * span + 4 * U * abs(w1))
    if got["n_reference"] != m or got["n_current"] != n:
        errors.append("sizes %r, %r" % (got["n_reference"], got["n_current"]))

    vals, ta, tb = pooled_groups(ref_r, None, cur_r, None)
    t = [x + y for x, y in zip(ta, tb)]
    if got["max_tie_share"] != max(t) / big_n:
        errors.append("max_tie_share %r vs %r" % (got["max_tie_share"], max(t) / big_n))
    below, rank2 = 0, []
    for ti in t:  # twice the mid-rank of each tie group: 2*below + t + 1
        rank2.append(2 * below + ti + 1)
        below += ti
    loc = exact_rank_stat(rank2, ta, tb)
    scale2 = [abs(r - (big_n + 1)) for r in rank2]  # twice |r - (N+1)/2|
    sca = exact_rank_stat(scale2, ta, tb)

    # location: scipy's U and tie-corrected variance, in exact arithmetic
    mw = stats.mannwhitneyu(cur_r, ref_r, method="asymptotic", use_continuity=False)
    u1 = Fraction(float(mw.statistic))
    bad("auc", float(u1 / (n * m)), 2 * U * float(u1 / (n * m)))
    tie_term = sum(ti ** 3 - ti for ti in t)
    s2 = Fraction(n * m, 12) * ((big_n + 1) - Fraction(tie_term, big_n * (big_n - 1))) if big_n > 1 else Fraction(0)
    if s2 > 0:
        num = u1 - Fraction(n * m, 2)
        z_mw = math.copysign(math.sqrt(float(num * num / s2)), float(num))
        if abs(z_mw - loc["z"]) > 2 * U * abs(z_mw) + 1e-300:
            errors.append("oracle: scipy's z %r != permutation z %r" % (z_mw, loc["z"]))
        # scipy evaluates s in floats: tie_term (K terms) and the bracket lose up to
        # (K + 8)u * (N + 1)/bracket relatively; p = 2 sf(|z|) moves by |z|^2 times that in log.
        bracket = float((big_n + 1) - Fraction(tie_term, big_n * (big_n - 1)))
        eps_z = (len(t) + 8) * U * (big_n + 1) / bracket + 4 * U
        want_p = 2 * stats.norm.sf(abs(z_mw))
        if want_p > 0 and mw.pvalue > 0:
            if abs(math.log(mw.pvalue) - math.log(want_p)) > z_mw * z_mw * eps_z + 1e-14:
                errors.append("oracle: mannwhitneyu p %r vs 2 sf(|z|) %r" % (mw.pvalue, want_p))
        tol_z, tol_skew, tol_kurt = rank_tolerances(loc, scale=False)
        bad("location_z", z_mw, tol_z + 2 * U * abs(z_mw))
        # auc_sd = sd/(n m); the doubled scores' variance is 4 times the ranks'
        sd = math.sqrt(float(loc["var"])) / 2
        bad("auc_sd", sd / (n * m), rel_sd(loc) * sd / (n * m))
        gamma = float(loc["m3"]) / float(loc["m2"]) ** 1.5
        kappa = float(loc["m4"]) / float(loc["m2"]) ** 2 - 3
        s = min(n, m)
        bad("location_skew", abs(gamma) / math.sqrt(s), tol_skew + 4 * U * abs(gamma))
        bad("location_kurtosis", kappa / s, tol_kurt + 4 * U * abs(kappa))
    else:  # every value equal: no information, z = 0
        for key in ("location_z", "scale_z"):
            if got[key] != 0:
                errors.append("%s %r, want 0 for constant data" % (key, got[key]))

    # scale
    bad("dispersion", float(Fraction(sca["sum"], 2 * n * big_n)), 3 * U * float(Fraction(sca["sum"], 2 * n * big_n)))
    if sca["var"] > 0:
        tol_z, tol_skew, tol_kurt = rank_tolerances(sca, scale=True)
        z_perm = sca["z"]
        if tie_free:
            ab = stats.ansari(cur_r, ref_r)
            AB = Fraction(float(ab.statistic))
            if big_n % 2:
                mn_ab = Fraction(n * (big_n + 1) ** 2, 4 * big_n)
                var_ab = Fraction(n * m * (big_n + 1) * (3 + big_n ** 2), 48 * big_n ** 2)
            else:
                mn_ab = Fraction(n * (big_n + 2), 4)
                var_ab = Fraction(m * n * (big_n + 2) * (big_n - 2), 48 * (big_n - 1))
            num = mn_ab - AB
            z_ab = math.copysign(math.sqrt(float(num * num / var_ab)), float(num))
            if abs(z_ab - z_perm) > 2 * U * abs(z_ab) + 1e-300:
                errors.append("oracle: ansari's z %r != permutation z %r" % (z_ab, z_perm))
            if n >= 55 or m >= 55:  # ansari's normal approximation: its p-value is 2 sf(|z|)
                want_p = 2 * stats.norm.sf(abs(z_ab))
                if want_p > 0 and abs(math.log(ab.pvalue) - math.log(want_p)) > z_ab * z_ab * 16 * U + 1e-14:
                    errors.append("oracle: ansari p %r vs 2 sf(|z|) %r" % (ab.pvalue, want_p))
            want_z = z_ab
        else:
            want_z = z_perm
        bad("scale_z", want_z, tol_z + 2 * U * abs(want_z))
        sd = math.sqrt(float(sca["var"])) / 2
        bad("dispersion_sd", sd / (n * big_n), rel_sd(sca) * sd / (n * big_n))
        gamma = float(sca["m3"]) / float(sca["m2"]) ** 1.5
        kappa = float(sca["m4"]) / float(sca["m2"]) ** 2 - 3
        s = min(n, m)
        bad("scale_skew", abs(gamma) / math.sqrt(s), tol_skew + 4 * U * abs(gamma))
        bad("scale_kurtosis", kappa / s, tol_kurt + 4 * U * abs(kappa))
    elif got["scale_z"] != 0:
        errors.append("scale_z %r, want 0 when every score is equal" % got["scale_z"])
    print("%-4s %-48s z_loc %+.4g z_scale %+.4g skew %.3g/%.3g kurt %.3g/%.3g %s" % (
        "ok" if not errors else "FAIL", name, got["location_z"] if not isinstance(got["location_z"], str) else 0,
        got["scale_z"] if not isinstance(got["scale_z"], str) else 0, got["location_skew"], got["scale_skew"],
        got["location_kurtosis"], got["scale_kurtosis"], "; ".join(errors)))
    return not errors


def check_spread(name, tool, ref, wr, workdir):
    pr = os.path.join(workdir, "sr")
    ref.astype("<f8").tofile(pr)
    paths = [pr, "-"]
    if wr is not None:
        pw = os.path.join(workdir, "swr")
        np.asarray(wr).astype("<u8").tofile(pw)
        paths[1] = pw
    got = tool_json([tool, "spread"] + paths)["spread"]
    w = np.ones(ref.size, dtype=np.int64) if wr is None else np.asarray(wr, dtype=np.int64)
    vals, inv = np.unique(ref, return_inverse=True)
    cnt = np.zeros(vals.size, dtype=np.int64)
    np.add.at(cnt, inv, w)
    total = int(cnt.sum())
    cum = np.cumsum(cnt)[:-1]  # F on [x_i, x_i+1): exact integers over the total
    f = cum / total
    steps = np.sqrt(f * (1 - f)) * np.diff(vals)
    want = math.fsum(steps.tolist())
    errors = []
    tol = (ref.size + 10) * U * want + 4 * U * want
    if not abs(got - want) <= tol:
        errors.append("spread %r vs exact %r (tol %.3g)" % (got, want, tol))
    if 1 < vals.size <= 40:
        def integrand(x):
            i = np.searchsorted(vals, x, side="right")  # values <= x
            c = 0 if i == 0 else int(np.cumsum(cnt)[i - 1])
            return math.sqrt(c / total * (1 - c / total))
        q, q_err = integrate.quad(integrand, vals[0], vals[-1], points=vals[1:-1].tolist(),
                                  limit=200, epsabs=0, epsrel=1e-13)
        if not abs(got - q) <= tol + q_err + 4 * U * q:
            errors.append("spread %r vs quad %r (+- %.3g)" % (got, q, q_err))
    print("%-4s %-48s spread %.10g %s" % ("ok" if not errors else "FAIL", name, got, "; ".join(errors)))
    return not errors


def reference_binned(ref, cur):
    p, q = ref / ref.sum(), cur / cur.sum()
    ps, qs = np.where(p == 0, SMOOTHING, p), np.where(q == 0, SMOOTHING, q)
    psi_terms = (qs - ps) * np.log(qs / ps)
    return {
        "psi": (psi_terms.sum(), np.abs(psi_terms).sum()),
        "kl": (stats.entropy(ps, qs), np.abs(ps * np.log(ps / qs)).sum() + 1),
        "jensen_shannon": (spatial.distance.jensenshannon(p, q), 1.0),
        "hellinger": (np.sqrt(0.5 * np.sum((np.sqrt(p) - np.sqrt(q)) ** 2)), 1.0),
        "total_variation": (0.5 * np.abs(p - q).sum(), 1.0),
    }


def check_counts(name, tool, ref, cur, workdir):
    rp, cp = os.path.join(workdir, "r"), os.path.join(workdir, "c")
    ref.astype("<u8").tofile(rp)
    cur.astype("<u8").tofile(cp)
    got = tool_json([tool, "counts", rp, cp, repr(SMOOTHING)])
    k = ref.size
    errors = []
    for key, (want, scale) in reference_binned(ref.astype(float), cur.astype(float)).items():
        tol = 8 * k * U * max(scale, abs(want))
        # sqrt amplifies rounding near 0: JS and Hellinger take a square root of a sum of terms.
        if key in ("jensen_shannon", "hellinger"):
            tol = max(tol, np.sqrt(8 * k * U))
        if not close(got[key], want, tol):
            errors.append("%s %.17g vs %.17g (tol %.3g)" % (key, got[key], want, tol))
    used = (ref + cur) > 0
    table = np.vstack([ref[used], cur[used]])
    for key, correction in (("chi2", False), ("chi2_yates", True)):
        if table.shape[1] < 2:
            continue
        res = stats.chi2_contingency(table, correction=correction)
        tol = 8 * k * U * max(res.statistic, 1.0)
        if not close(got[key], res.statistic, tol) or got["dof"] != res.dof:
            errors.append("%s %.17g/%d vs scipy %.17g/%d" % (key, got[key], got["dof"], res.statistic, res.dof))
    print("%-4s %-48s %s" % ("ok" if not errors else "FAIL", name, "; ".join(errors)))
    return not errors


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    tool = sys.argv[1]
    rng = np.random.default_rng(7)
    passed = failed = 0
    with tempfile.TemporaryDirectory() as workdir:
        sample_cases = []
        for n, m in ((1, 1), (5, 7), (50, 80), (1000, 1000), (100_000, 30_000)):
            sample_cases.append(("normal vs shifted normal n=%d m=%d" % (n, m),
                                 np.sort(rng.normal(0, 1, n)), np.sort(rng.normal(0.3, 1.2, m)), None, None))
            sample_cases.append(("lognormal vs lognormal n=%d m=%d" % (n, m),
                                 np.sort(rng.lognormal(0, 1, n)), np.sort(rng.lognormal(0, 1, m)), None, None))
            ties_a = np.sort(rng.integers(0, 5, n).astype(float))
            ties_b = np.sort(rng.integers(0, 6, m).astype(float))
            sample_cases.append(("integer ties n=%d m=%d" % (n, m), ties_a, ties_b, None, None))
        for n in (3, 40, 2000):
            a = np.unique(rng.normal(0, 1, n))
            b = np.unique(rng.normal(0.5, 1, n))
            sample_cases.append(("weighted (sketch view) n=%d" % n, a, b,
                                 rng.integers(1, 9, a.size), rng.integers(1, 9, b.size)))
        for case in sample_cases:
            ok = check_samples(case[0], tool, *case[1:], workdir)
            passed += ok
            failed += not ok
        for n, m, shift in ((100, 150, 0.0), (5000, 3000, 0.2), (200_000, 100_000, 0.0),
                            (200_000, 100_000, 0.05), (1_000_000, 500_000, 0.5)):
            for k in (200, 800):
                ok = check_kll("KLL k=%d normal n=%d m=%d shift %.2f" % (k, n, m, shift), tool,
                               rng.normal(0, 1, n), rng.normal(shift, 1, m), k, workdir)
                passed += ok
                failed += not ok
        two_cases = []
        for n, m in ((1, 1), (5, 7), (30, 20), (60, 70), (1000, 1000), (100_000, 30_000)):
            two_cases.append(("location: normal vs +0.3 m=%d n=%d" % (m, n),
                              rng.normal(0, 1, m), rng.normal(0.3, 1, n), None, None, True))
            two_cases.append(("scale: normal vs sd 1.5 m=%d n=%d" % (m, n),
                              rng.normal(0, 1, m), rng.normal(0, 1.5, n), None, None, True))
            two_cases.append(("same: lognormal m=%d n=%d" % (m, n),
                              rng.lognormal(0, 1, m), rng.lognormal(0, 1, n), None, None, True))
            two_cases.append(("integer ties 0..4 vs 0..5 m=%d n=%d" % (m, n),
                              rng.integers(0, 5, m).astype(float), rng.integers(0, 6, n).astype(float),
                              None, None, False))
        for n in (200, 5000, 100_000):
            two_cases.append(("0/1 with 1%% ones m=n=%d" % n, (rng.random(n) < 0.01).astype(float),
                              (rng.random(n) < 0.01).astype(float), None, None, False))
        two_cases.append(("constant, equal", np.full(50, 3.0), np.full(40, 3.0), None, None, False))
        two_cases.append(("total separation", rng.normal(0, 1, 300), rng.normal(0, 1, 200) + 100, None, None, True))
        two_cases.append(("one current value above all", rng.normal(0, 1, 999), np.array([50.0]), None, None, True))
        for n in (3, 40, 2000):
            a = np.unique(rng.normal(0, 1, n))
            b = np.unique(rng.normal(0.5, 1.3, n))
            two_cases.append(("weighted (sketch view) n=%d" % n, a, b, rng.integers(1, 9, a.size),
                              rng.integers(1, 9, b.size), None))
        a = np.unique(rng.normal(0, 1, 500))
        two_cases.append(("weighted, heavy weights", a, a[::3] + 0.01, rng.integers(1, 400, a.size),
                          rng.integers(1, 400, a[::3].size), None))
        # integer values: entries that share a value (ties) next to lone weighted entries
        for n in (12, 300):
            a = rng.integers(0, 40, n).astype(float)
            b = rng.integers(5, 50, n).astype(float)
            two_cases.append(("weighted, shared and lone values n=%d" % n, a, b,
                              rng.integers(1, 6, n), rng.integers(1, 6, n), None))
        two_cases.append(("weighted, one entry across the centre", np.array([0.0, 1.0, 2.0]),
                          np.array([0.5, 1.5]), np.array([5, 1, 1]), np.array([1, 1]), None))
        for name, ref, cur, wr, wc, tie_free in two_cases:
            if tie_free:
                assert np.unique(np.concatenate([ref, cur])).size == ref.size + cur.size
            order_r, order_c = np.argsort(ref, kind="stable"), np.argsort(cur, kind="stable")
            ok = check_two_sample(name, tool, ref[order_r], cur[order_c],
                                  None if wr is None else np.asarray(wr)[order_r],
                                  None if wc is None else np.asarray(wc)[order_c], workdir, tie_free)
            passed += ok
            failed += not ok
        spread_cases = [
            ("two values", np.array([0.0, 1.0]), None),
            ("one value", np.array([2.5]), None),
            ("normal n=30", np.sort(rng.normal(0, 1, 30)), None),
            ("lognormal n=100000", np.sort(rng.lognormal(0, 1, 100_000)), None),
            ("integer ties n=10000", np.sort(rng.integers(0, 20, 10_000).astype(float)), None),
        ]
        a = np.unique(rng.normal(0, 1, 25))
        spread_cases.append(("weighted n=25", a, rng.integers(1, 50, a.size)))
        a = np.unique(rng.exponential(1, 3000))
        spread_cases.append(("weighted n=3000", a, rng.integers(1, 1000, a.size)))
        for name, ref, wr in spread_cases:
            ok = check_spread(name, tool, ref, wr, workdir)
            passed += ok
            failed += not ok
        count_cases = [
            ("2 categories", np.array([30, 70]), np.array([45, 55])),
            ("2 categories, tiny", np.array([3, 1]), np.array([1, 2])),
            ("10 bins, one empty in current", rng.integers(1, 500, 10), np.append(rng.integers(1, 500, 9), 0)),
            ("10 bins, one empty in reference", np.append(0, rng.integers(1, 500, 9)), rng.integers(1, 500, 10)),
            ("bins empty in both", np.array([5, 0, 9, 0, 3]), np.array([4, 0, 12, 0, 1])),
            ("identical", np.full(20, 100), np.full(20, 100)),
        ]
        for k in (64, 1024):
            p = rng.dirichlet(np.ones(k))
            count_cases.append(("%d bins, multinomial same p" % k, rng.multinomial(100_000, p), rng.multinomial(50_000, p)))
            q = rng.dirichlet(np.ones(k))
            count_cases.append(("%d bins, multinomial different p" % k, rng.multinomial(100_000, p), rng.multinomial(50_000, q)))
        for name, ref, cur in count_cases:
            ok = check_counts(name, tool, np.asarray(ref, dtype=np.uint64), np.asarray(cur, dtype=np.uint64), workdir)
            passed += ok
            failed += not ok
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
