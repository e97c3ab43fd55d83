#!/usr/bin/env python3
"""Oracle test: the joint numeric summary (dd_joint_t) against numpy on the same rows.

Data: correlated Gaussian fields from a random loading matrix plus noise, some turned lognormal,
each multiplied by a unit from 1e-3 to 1e6 and shifted by a few units; 0.3% of the values missing
(nulls whose slot holds garbage, NaN, +-inf). The tool summarises uneven parts and merges them.
The reference uses the complete rows only; u = 2**-53.

Exact mode (d = 16, 64, 128), against numpy's mean and centred X'X/n:
  mean, variance, covariance: the summary rounds an entry by at most 4*(256 + steps + 8)*u
    times (1 + kappa_a)(1 + kappa_b)*sd_a*sd_b (steps = chunks + merges, kappa = |mean|/sd;
    docs/sketches.md), numpy by at most (n + 2)*u times the same (Higham's bound for a sum of n
    terms, which covers numpy's pairwise sums and BLAS); the test also asserts that this
    tolerance is within 1e-9 of sd_a*sd_b, the goal for exact mode.
  PCA of the correlation matrix (w = 1/sd from the summary's variances, on both sides): the two
    matrices differ by E with ||E||_F <= the Frobenius norm of the entries' tolerances; each
    eigenvalue within ||E||_F + 16*d*u*||M||_F (Weyl, plus both solvers' backward error); the
    top-k subspace (k covering 90% of the variance, and k = the number of factors) within
    sin(largest principal angle) <= e/(gap - e), e that same bound, gap = lambda_k - lambda_k+1
    (Davis-Kahan); the mean reconstruction error with those k components (the tool's
    dd_joint_quadratic_mean) within sum_a |E_aa| + k*||E||_F + rounding of the sum of the
    remaining eigenvalues.
Frequent Directions (d = 200 and 1000, l = 32), against the same reference, in the sketch's
scaled space (A = centred complete rows / scale, so A'A/n = S^-1 Cov S^-1):
  the error is positive semidefinite within the bound: every eigenvalue of
    S^-1 (Cov - estimate) S^-1 in [-slack, bound + slack], slack = 8*(shrinks + 1)*(d + 2l)*u*
    tr(S^-1 Cov S^-1) for the shrinks' rounding, plus numpy's;
  Weyl: each eigenvalue of the estimated W Cov W in [true - bound*max(w*s)^2 - slack', true +
    slack'];
  projection on the sketch's top k right singular vectors: ||A - A pi_k||_F^2 <= ||A - A_k||_F^2
    + k*Delta (Delta = bound*n) for every run, and <= (1 + k/(l - k))*||A - A_k||_F^2 (Ghashami
    et al., Theorem 3.1 and its corollary) for a run without merges, where Delta <=
    ||A - A_k||_F^2/(l - k) holds; plus (n + d)*u*||A||_F^2 for the sums' rounding.
  Means and variances exact, as in exact mode.
Usage: test_joint.py JOINT_TOOL
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

U = 2.0 ** -53
VALUE_MAX = 2.0 ** 200


def generate(rng, n, d, factors, missing):
    loading = rng.standard_normal((factors, d))
    x = rng.standard_normal((n, factors)) @ loading + 0.5 * rng.standard_normal((n, d))
    lognormal = rng.random(d) < 0.3
    x[:, lognormal] = np.exp(x[:, lognormal] / x[:, lognormal].std(axis=0))
    unit = 10.0 ** rng.uniform(-3.0, 6.0, d)
    x = x * unit + unit * rng.normal(0.0, 3.0, d)
    flags = np.zeros((n, d), dtype=np.uint8)
    if missing > 0:
        hit = rng.random((n, d)) < missing
        kind = rng.integers(0, 4, (n, d))
        flags[hit & (kind == 0)] = 1
        x[hit & (kind == 0)] = np.nan  # a null's slot holds garbage
        x[hit & (kind == 1)] = np.nan
        x[hit & (kind == 2)] = np.inf
        x[hit & (kind == 3)] = -np.inf
    return x, flags


def run_tool(tool, x, flags, fd_rows, batch, parts, workdir):
    n, d = x.shape
    vpath, fpath = os.path.join(workdir, "v.f64"), os.path.join(workdir, "f.u8")
    np.ascontiguousarray(x.T).astype("<f8").tofile(vpath)
    np.ascontiguousarray(flags.T).tofile(fpath)
    out = subprocess.run([tool, vpath, fpath, str(d), str(fd_rows), str(batch), str(parts), workdir],
                         check=True, capture_output=True, text=True)
    res = json.loads(out.stdout)

    def load(name, shape):
        return np.fromfile(os.path.join(workdir, name), dtype="<f8").reshape(shape)

    res["mean"], res["var"], res["scale"] = load("mean.f64", d), load("var.f64", d), load("scale.f64", d)
    res["cov"] = load("cov.f64", (d, d))
    res["corr_values"] = load("corr_values.f64", res["k_corr"])
    res["corr_vectors"] = load("corr_vectors.f64", (res["k_corr"], d))
    if res["fd_rows"] > 0:
        res["sketch_values"] = load("sketch_values.f64", res["k_sketch"])
        res["sketch_vectors"] = load("sketch_vectors.f64", (res["k_sketch"], d))
    return res


def reference(x, flags):
    complete = ~flags.any(axis=1) & (np.abs(x) <= VALUE_MAX).all(axis=1)  # NaN fails too
    rows = x[complete]
    mean = rows.mean(axis=0)
    dev = rows - mean
    return complete, mean, dev, dev.T @ dev / len(rows)


class Checks:
    def __init__(self, name):
        self.name, self.errors, self.notes = name, [], []

    def expect(self, ok, message):
        if not ok:
            self.errors.append(message)

    def report(self):
        status = "ok" if not self.errors else "FAIL"
        print("%-4s %s %s" % (status, self.name, "; ".join(self.errors + self.notes)))
        return not self.errors


def moment_tolerances(ref_mean, cov, n, steps):
    """Per-entry tolerances of the mean and covariance (the docstring derives them)."""
    sd = np.sqrt(np.diag(cov))
    rounding = (4.0 * (256.0 + steps + 8.0) + (n + 2.0)) * U
    spread = sd + np.abs(ref_mean)  # sd * (1 + kappa)
    return rounding * spread, rounding * np.outer(spread, spread), sd


def check_moments(c, res, ref_mean, cov, n, steps):
    mean_tol, cov_tol, sd = moment_tolerances(ref_mean, cov, n, steps)
    c.expect(np.all(np.abs(res["mean"] - ref_mean) <= mean_tol),
             "mean: worst |diff|/tol %.3g" % np.max(np.abs(res["mean"] - ref_mean) / mean_tol))
    var_tol = np.diag(cov_tol)
    c.expect(np.all(np.abs(res["var"] - np.diag(cov)) <= var_tol),
             "variance: worst |diff|/tol %.3g" % np.max(np.abs(res["var"] - np.diag(cov)) / var_tol))
    return cov_tol, sd


def check_exact(tool, rng, d, factors, n, workdir):
    x, flags = generate(rng, n, d, factors, 0.003 / d * 16)
    batch, parts = 1000, 3
    res = run_tool(tool, x, flags, 0, batch, parts, workdir)
    complete, ref_mean, dev, cov = reference(x, flags)
    m = int(complete.sum())
    c = Checks("exact d=%d n=%d (complete %d, %d parts)" % (d, n, m, parts))
    c.expect(res["fd_rows"] == 0, "not in exact mode")
    c.expect(res["count"] == m and res["incomplete"] == n - m,
             "counts %d/%d, want %d/%d" % (res["count"], res["incomplete"], m, n - m))
    steps = n / 256.0 + n / batch + parts + 2
    cov_tol, sd = check_moments(c, res, ref_mean, cov, m, steps)
    rel_tol = cov_tol / np.outer(sd, sd)
    c.expect(np.max(rel_tol) <= 1e-9, "derived tolerance %.3g exceeds the 1e-9 goal" % np.max(rel_tol))
    diff = np.abs(res["cov"] - cov)
    c.expect(np.all(diff <= cov_tol), "covariance: worst |diff|/tol %.3g" % np.max(diff / cov_tol))
    c.notes.append("cov worst relative diff %.2g (tolerance %.2g)" % (np.max(diff / np.outer(sd, sd)),
                                                                     np.max(rel_tol)))
    # The correlation matrix's PCA, with the summary's w on both sides.
    w = 1.0 / np.sqrt(res["var"])
    mat = cov * np.outer(w, w)
    e_tol = cov_tol * np.outer(w, w)
    e_norm = np.sqrt(np.sum(e_tol ** 2)) + 16.0 * d * U * np.linalg.norm(mat)
    lam, vec = np.linalg.eigh(mat)
    lam, vec = lam[::-1], vec[:, ::-1]
    got = res["corr_values"]
    c.expect(res["k_corr"] == d, "%d pairs, want %d" % (res["k_corr"], d))
    c.expect(np.all(np.abs(got - lam) <= e_norm),
             "eigenvalues: worst |diff| %.3g > %.3g" % (np.max(np.abs(got - lam)), e_norm))
    for k in sorted({res["k90"], factors}):
        if k >= d:
            continue
        gap = lam[k - 1] - lam[k]
        if gap <= 2 * e_norm:
            c.notes.append("k=%d: gap %.3g too small to bound the subspace" % (k, gap))
            continue
        # The sines of the principal angles are the singular values of the part of the tool's
        # subspace outside numpy's (not sqrt(1 - cos^2), which keeps only half the digits).
        mine = res["corr_vectors"][:k]
        sine = float(np.linalg.norm(mine - (mine @ vec[:, :k]) @ vec[:, :k].T, 2))
        c.expect(sine <= e_norm / (gap - e_norm) + 64 * d * U,
                 "k=%d subspace: sin %.3g > %.3g" % (k, sine, e_norm / (gap - e_norm)))
    # Reconstruction error with the tool's k: E||(I - VV')W(x - mean)||^2, from the data itself.
    k = res["k90"]
    c.expect(k > 0 and np.sum(got[:k]) >= 0.9 * np.sum(got) and np.sum(got[:k - 1]) < 0.9 * np.sum(got),
             "k90 = %d does not reach 90%% of the eigenvalues exactly there" % k)
    z = dev * w
    vk = vec[:, :k]
    resid = z - (z @ vk) @ vk.T
    recon_np = float(np.mean(np.sum(resid * resid, axis=1)))
    recon_tol = (np.sum(np.diag(e_tol)) + k * e_norm
                 + 8.0 * (d * d + m) * U * float(np.trace(mat)))
    c.expect(abs(res["recon90"] - recon_np) <= recon_tol,
             "reconstruction error %.12g, numpy %.12g (tolerance %.3g)" % (res["recon90"], recon_np, recon_tol))
    c.notes.append("k90=%d recon %.6g" % (k, recon_np))
    return c.report()


def check_fd(tool, rng, d, fd_rows, factors, n, parts, workdir):
    x, flags = generate(rng, n, d, factors, 0.003 / d * 16)
    batch = 1000
    res = run_tool(tool, x, flags, fd_rows, batch, parts, workdir)
    complete, ref_mean, dev, cov = reference(x, flags)
    m = int(complete.sum())
    c = Checks("FD d=%d l=%d n=%d (complete %d, %d parts)" % (d, fd_rows, n, m, parts))
    c.expect(res["fd_rows"] == fd_rows, "l = %d, want %d" % (res["fd_rows"], fd_rows))
    c.expect(res["count"] == m and res["incomplete"] == n - m,
             "counts %d/%d, want %d/%d" % (res["count"], res["incomplete"], m, n - m))
    chunks = n / 16.0  # the smallest FD chunk, an upper bound on the chunks and their rows
    rows_added = m + chunks + parts * 2 * fd_rows
    shrinks = rows_added / (fd_rows + 1.0) + parts
    cov_tol, sd = check_moments(c, res, ref_mean, cov, m, chunks + parts + 2)
    s = res["scale"]
    c.expect(np.all(np.frexp(s)[0] == 0.5), "scales are not powers of two")
    bound = res["bound"]
    scaled_cov = cov / np.outer(s, s)
    trace = float(np.trace(scaled_cov))
    slack = (8.0 * (shrinks + 1.0) * (d + 2.0 * fd_rows) * U * trace
             + np.sqrt(np.sum((cov_tol / np.outer(s, s)) ** 2)) + 16.0 * d * U * np.linalg.norm(scaled_cov))
    err = np.linalg.eigvalsh((cov - res["cov"]) / np.outer(s, s))
    c.expect(err[0] >= -slack and err[-1] <= bound + slack,
             "scaled error's eigenvalues [%.3g, %.3g], bound %.3g, slack %.3g" % (err[0], err[-1], bound, slack))
    c.notes.append("bound %.3g, error eigenvalues [%.2g, %.3g]" % (bound, err[0], err[-1]))
    # Weyl in the correlation's scaled space.
    w = 1.0 / np.sqrt(res["var"])
    ws2 = float(np.max(w * s)) ** 2
    lam = np.linalg.eigvalsh(cov * np.outer(w, w))[::-1]
    got = res["corr_values"]
    k = len(got)
    c.expect(0 < k < 2 * fd_rows, "%d components, want 1 to 2l - 1" % k)
    lo, hi = lam[:k] - (bound + slack) * ws2, lam[:k] + slack * ws2
    c.expect(np.all((got >= lo) & (got <= hi)),
             "eigenvalues outside [true - bound*max(ws)^2, true]: worst %.3g below, %.3g above"
             % (np.max(lo - got), np.max(got - hi)))
    # Projections on the sketch's own top-k right singular vectors, in the scaled space.
    a = dev / s
    sigma2 = np.linalg.eigvalsh(a.T @ a)[::-1]
    total = float(np.sum(a * a))
    v = res["sketch_vectors"]
    delta = bound * m
    for k in (1, 2, 5, 10, 20, fd_rows - 1):
        if k > len(v):
            continue
        proj_err = total - float(np.sum((a @ v[:k].T) ** 2))
        best = float(np.sum(sigma2[k:]))
        tol = 4.0 * (m + d) * U * total
        c.expect(proj_err <= best + k * delta + tol,
                 "k=%d: ||A - A pi_k||^2 = %.6g > ||A - A_k||^2 + k*Delta = %.6g" % (k, proj_err, best + k * delta))
        if parts == 1:
            ghashami = (1.0 + k / (fd_rows - k)) * best
            c.expect(proj_err <= ghashami + tol,
                     "k=%d: ||A - A pi_k||^2 = %.6g > (1 + k/(l - k))||A - A_k||^2 = %.6g" % (k, proj_err, ghashami))
            c.expect(delta <= best / (fd_rows - k) + slack * m,
                     "k=%d: Delta %.6g > ||A - A_k||^2/(l - k) = %.6g" % (k, delta, best / (fd_rows - k)))
        if k == 10:
            c.notes.append("k=10 projection error / optimum %.4f" % (proj_err / best))
    return c.report()


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    tool = sys.argv[1]
    rng = np.random.default_rng(20261208)
    results = []
    with tempfile.TemporaryDirectory() as workdir:
        for d, factors, n in ((16, 3, 200_000), (64, 6, 100_000), (128, 8, 60_000)):
            results.append(check_exact(tool, rng, d, factors, n, workdir))
        for d, n, parts in ((200, 30_000, 1), (200, 30_000, 4), (1000, 12_000, 1), (1000, 12_000, 3)):
            results.append(check_fd(tool, rng, d, 32, 10, n, parts, workdir))
    print("%d passed, %d failed" % (sum(results), len(results) - sum(results)))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
