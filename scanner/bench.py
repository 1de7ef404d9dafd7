"""`cevns bench`: speed of the profiled χ² against the independent quad reference, measured in the same run.

- ``chi2_points_per_s_per_core``: profiled CsI-2021 χ² (CEvNS prediction from the precomputed response plus
  Newton profiling of the four nuisances) at random (R_n, sin²θ_W) points, one thread.
- ``reference_points_per_s``: the same χ² with the CEvNS counts from :mod:`cevns.scanner.quad_reference`
  (scipy quad over T and E) and the nuisances profiled with scipy.optimize.minimize, one thread.
- ``speedup``: the ratio of the two.
- ``chi2_points_per_s_zprime`` / ``chi2_points_per_s_magnetic_moment``: the same profiled χ² for random universal-Z'
  (g, M) and (μ_νe, μ_νμ) points: every model goes through the precomputed response, none integrates per point.
- ``scan_2d_points_per_s``: a dense 1000 × 1000 scan (profiled nuisances) through :func:`run_scan` on all cores
  (joblib loky), wall-clock rate including process start-up and assembly.
- ``scaling_2_cores``: speed of the same 1000 × 1000 scan on 2 workers over 1 worker.
- ``adaptive_vs_dense``: dense-grid χ² evaluations / adaptive-refinement evaluations for the 90 % CL contour
  on a 1000 × 1000 grid (the contour-area agreement is tested in tests/scanner/test_scan_adaptive.py).

The scan benchmarks use the universal-Z' coupling × mass plane (g_Z' 1e-6…1e-3, M_Z' 1…1e4 MeV, log axes) on
CsI 2021 + CENNS-10 LAr, with all nuisances profiled at every point (4 for CsI; 4 normalisation and 5 shape
nuisances for LAr).
"""

from __future__ import annotations

import os
import platform
import time

import numpy as np
from scipy import optimize

from .experiments import get_experiment

__all__ = ["run_bench"]


def _reference_chi2(exp, rn, sin2w):
    from . import quad_reference

    cevns = quad_reference.cevns_counts(rn, rn, sin2w)
    p = exp.predict()
    comps = np.vstack([cevns.ravel(), p["brn"].ravel(), p["nin"].ravel(), p["ss"].ravel()])
    obs = exp.observed().ravel()
    sig = np.array([0.12, 0.25, 0.35, 0.021])

    def chi2(eta):
        mu = (1.0 + eta) @ comps
        if np.any(mu <= 0):
            return np.inf
        with np.errstate(divide="ignore", invalid="ignore"):
            log_term = np.where(obs > 0, obs * np.log(obs / mu), 0.0)
        return 2.0 * np.sum(mu - obs + log_term) + np.sum((eta / sig) ** 2)

    import warnings

    with warnings.catch_warnings():  # BFGS finite differences may probe η where μ ≤ 0 (χ² = inf)
        warnings.simplefilter("ignore", RuntimeWarning)
        return optimize.minimize(chi2, np.zeros(4), method="BFGS").fun


SCAN_EXPERIMENTS = "coherent-csi-2021+coherent-lar-2020"
SCAN_MODEL = "zprime-universal"


def _scan_axes(n):
    from cevns.grids.axes import Axis

    return [Axis("g_zp", 1e-6, 1e-3, n, "log"), Axis("m_zp", 1.0, 1e4, n, "log")]


def scan_bench(n_side: int = 1000, n_scaling: int = 1000, cores: int | None = None) -> dict:
    """Dense 2D scan rate on all cores, 2-vs-1-worker scaling and adaptive-vs-dense evaluation ratio."""
    from .scan import adaptive_vs_dense_ratio, run_scan

    cores = cores or os.cpu_count() or 1
    from .registry import make_likelihood

    lik = make_likelihood(SCAN_EXPERIMENTS, SCAN_MODEL, {}, ["g_zp", "m_zp"])
    run_scan(lik, _scan_axes(20), n_jobs=min(2, cores), progress=False)  # warm the workers' JIT cache

    def rate(n, jobs, repeat=1):
        best = np.inf
        for _ in range(repeat):
            t0 = time.perf_counter()
            run_scan(lik, _scan_axes(n), n_jobs=jobs, progress=False)
            best = min(best, time.perf_counter() - t0)
        return n * n / best

    r_all = rate(n_side, cores)
    out = {"scan_2d_points_per_s": r_all, "scan_2d_points": n_side * n_side, "scan_cores": cores,
           "scan_2d_experiments": SCAN_EXPERIMENTS, "scan_2d_model": SCAN_MODEL}
    # Scaling on the same 1e6-point scan (n_scaling = n_side by default): on a smaller one the fixed cost of a scan
    # (workers, chunk hand-out, results sent back to the parent) weighs more as points get faster (600²: 1.81, 1000²:
    # 1.83–1.92 on this machine, 2026-11-24). Best of two for each, as any other process on a shared machine slows
    # one run; the headline run is one of the two 2-worker runs when it used 2 workers.
    r1 = rate(n_scaling, 1, repeat=2)
    r2 = rate(n_scaling, 2)
    if cores == 2 and n_scaling == n_side:
        r2 = max(r2, r_all)
    else:
        r2 = max(r2, rate(n_scaling, 2))
    out["scaling_2_cores"] = r2 / r1
    out["adaptive_vs_dense"] = adaptive_vs_dense_ratio(lik, _scan_axes(n_side), 0.9)
    return out


def _model_point_rates(rng, n) -> dict:
    """Profiled χ² points/s (one thread) for a Z' point and a magnetic-moment point, to compare with the SM."""
    from .registry import make_likelihood

    cases = {
        "chi2_points_per_s_zprime": ("zprime-universal", ["g_zp", "m_zp"],
                                     np.column_stack([10 ** rng.uniform(-6, -3, n), 10 ** rng.uniform(0, 4, n)])),
        "chi2_points_per_s_magnetic_moment": ("sm", ["mu_nu_e", "mu_nu_mu"], rng.uniform(-50, 50, (n, 2))),
    }
    out = {}
    for key, (model, names, pts) in cases.items():
        lik = make_likelihood("coherent-csi-2021", model, {}, names)
        lik.evaluate(pts[:5])
        t0 = time.perf_counter()
        lik.evaluate(pts)
        out[key] = n / (time.perf_counter() - t0)
    return out


def run_bench(quick: bool = False, seed: int = 1, scans: bool = True) -> dict:
    """Measure and return the benchmark figures (see module docstring)."""
    try:
        import numba

        numba.set_num_threads(1)
    except (ImportError, ValueError):
        pass
    exp = get_experiment("coherent-csi-2021")
    lik = exp.likelihood(["rn", "sin2w"], {})
    rng = np.random.default_rng(seed)
    n = 20_000 if quick else 100_000
    pts = np.column_stack([rng.uniform(4.0, 7.0, n), rng.uniform(0.18, 0.30, n)])
    lik.evaluate(pts[:10])  # compile / load the cache before timing
    best = np.inf
    for _ in range(2 if quick else 3):
        t0 = time.perf_counter()
        chi2, _ = lik.evaluate(pts)
        best = min(best, time.perf_counter() - t0)
    fast = n / best

    n_ref = 2 if quick else 4
    ref_pts = np.column_stack([rng.uniform(4.5, 6.5, n_ref), rng.uniform(0.20, 0.27, n_ref)])
    t0 = time.perf_counter()
    ref_vals = [_reference_chi2(exp, rn, s) for rn, s in ref_pts]
    ref = n_ref / (time.perf_counter() - t0)
    fast_vals = lik.evaluate(ref_pts)[0]
    per_model = _model_point_rates(rng, n // 2)
    out = {
        "chi2_points_per_s_per_core": fast,
        "reference_points_per_s": ref,
        "speedup": fast / ref,
        "max_abs_chi2_difference_vs_reference": float(np.max(np.abs(fast_vals - np.array(ref_vals)))),
        **per_model,
        "points_fast": n,
        "points_reference": n_ref,
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
                   f"Python {platform.python_version()}",
    }
    if scans:
        out.update(scan_bench(n_side=300 if quick else 1000, n_scaling=200 if quick else 1000))
    return out
