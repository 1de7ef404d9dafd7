"""Validation registry: every published number we can reproduce, with the function that computes ours.

``cevns validate`` runs the entries and compares; :func:`run` returns one dict per entry (``id``, ``experiments``,
``quantity``, ``published``, ``ours``, ``difference``, ``pass``, ``tolerance``, ``source``, ``note``, …) and
:func:`to_markdown` writes the table committed as ``docs/validation.md``.

Sources are seed lines ``FILE:LINE`` of ``/work/shared/seeds`` (as collected in
``shared/reference/seed-benchmarks.md``; ``H…`` are that file's headline ids). Tolerances follow one policy,
stated per entry in ``tolerance`` and explained in ``docs/validation.md``:

* a prediction from the same public inputs as the published one: 3 % (binning and convention differences);
* a prediction of a setup whose inputs are only partly given: 10 %, or the published 1σ if one is printed;
* a fitted centre on the same data with the same χ² definition: half the published 1σ error (on the side of the
  difference); with a different analysis of the same data: the full published 1σ;
* the widths of Δχ² intervals: 20 % of each published half-width;
* upper limits and allowed-interval bounds: 20 % of the published limit (or of the published interval length);
* χ²_min of the same χ² on the same data: 2 units;
* a fitted event count or background: the published 1σ; a significance: 1σ (different test statistics);
* an order-of-magnitude theory estimate printed with "≈" (002:310–314, from Q_W^SM ≈ −N/2): half a unit of its
  leading digit, the same for every such number (``≈ 1.4 × 10⁻⁶`` and ``≈ 2 × 10⁻⁶`` both ±0.5 × 10⁻⁶);
* a table of several limits compared as one entry (a row of the TMM table, the +1σ/+90 %/+2σ widths of a row):
  each number within its own tolerance above.

A tolerance is never widened to make an entry pass: failures stay failures with the reason in ``note``.
"""

from __future__ import annotations

import functools
import json
import math
import os
import platform
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

import numpy as np

from .errors import ConfigError

__all__ = ["Entry", "ENTRIES", "entry_ids", "select", "run", "run_entry", "to_markdown", "summary"]

# Δχ² levels for one parameter (Wilks).
DCHI2 = {"1sigma": 1.0, "90": 2.705543454095404, "2sigma": 4.0}
CSI = "coherent-csi-2021"
CSI17 = "coherent-csi-2017"
LAR = "coherent-lar-2020"
DRESDEN = "dresden-ii"
XENON = "xenonnt-er-2022"
RP_CSI = 4.78  # fm, average CsI proton rms radius of seed 000:188 (muonic X-rays), used for ΔR_np (000:193)
APV = "apv-cs"
APV21 = "apv-cs:epnc=2021"
CSI_APV = f"{CSI}+{APV}"
CSI_APV21 = f"{CSI}+{APV21}"
CSI_LAR = f"{CSI}+{LAR}"
CSI_LAR_DRESDEN = f"{CSI}+{LAR}+{DRESDEN}"
CSI17_LAR = f"{CSI17}+{LAR}"
RP_CS = 4.821  # fm, ¹³³Cs proton rms radius (000:1192)
# SM charge radii [1e-32 cm²] (000:421, H28): the point whose connected allowed region is compared.
SM_RCH2 = {"ee": -0.82, "mumu": -0.48}


@dataclass(frozen=True)
class Entry:
    """One published number and how we reproduce it.

    ``kind``: ``value`` (|ours − published| ≤ tol), ``widths`` (published and ours are [minus, plus] interval
    half-widths, or [+1σ, +90 %, +2σ] upper half-widths; each within ``tol`` relative), ``bounds`` ([lower,
    upper] of an allowed interval; each within ``tol`` absolute), ``values`` (a list of limits, e.g. a TMM table
    row; each within ``tol`` relative), ``min`` (pass if ours ≥ published), ``max`` (pass if ours ≤ published).
    ``tol_rel``: ``tol`` is relative to the published value (``value`` kind only). A ``value`` entry may give
    ``tolerance`` as (minus, plus): the allowed difference below and above the published value (half the published
    asymmetric 1σ on each side).
    ``compute`` returns ours (float or list) or ``(ours, note)``.
    ``requires``: (experiment, parameter or None) pairs that must exist at run time, else the entry is skipped.
    """

    id: str
    experiments: tuple
    quantity: str
    published: object
    published_text: str
    cl: str
    dataset: str
    source: str
    tolerance: float
    tolerance_why: str
    compute: Callable
    kind: str = "value"
    tol_rel: bool = False
    unit: str = ""
    slow: bool = False
    requires: tuple = ()
    note: str = ""
    extra: dict = field(default_factory=dict)

    def tolerance_text(self) -> str:
        if self.kind == "widths":
            return f"±{self.tolerance:.0%} of each half-width"
        if self.kind == "values":
            return f"±{self.tolerance:.0%} on each"
        if isinstance(self.tolerance, tuple):
            return f"−{self.tolerance[0]:g}/+{self.tolerance[1]:g}"
        if self.kind in ("min", "max"):
            return "ours ≥ published" if self.kind == "min" else "ours ≤ published"
        if self.tol_rel:
            return f"±{self.tolerance:.0%}"
        if self.kind == "bounds":
            return f"±{self.tolerance:g} on each bound"
        return f"±{self.tolerance:g}"


# -- cached computations (one fit serves several entries) --------------------------------------------------------
def _key(fixed):
    return tuple(sorted((fixed or {}).items()))


@functools.cache
def _fit_cached(experiments, free, model, fixed_key):
    from .fit import fit

    return fit(experiments, list(free), model=model, fixed=dict(fixed_key))


def fit_result(experiments: str, free, model: str = "sm", fixed=None) -> dict:
    """:func:`cevns.scanner.fit.fit`, cached per process (several entries read one fit)."""
    return _fit_cached(experiments, tuple(free), model, _key(fixed))


def centre(experiments, name, free=None, **kw):
    return fit_result(experiments, free or (name,), **kw)["best"][name]


def widths(experiments, name, level, free=None, **kw):
    """[minus, plus] half-widths of the ``level`` interval (1sigma, 90, 2sigma) of ``name``."""
    r = fit_result(experiments, free or (name,), **kw)
    lo, hi = r[f"interval_{level}"][name]
    b = r["best"][name]
    return [b - lo, hi - b]


@functools.cache
def _profile_scan(experiments, name, model, fixed_key, lo, hi, n):
    from .registry import make_likelihood

    lik = make_likelihood(experiments, model, dict(fixed_key), [name])
    xs = np.linspace(lo, hi, n)
    chi2, _ = lik.evaluate(xs[:, None])
    status = getattr(lik, "last_status", None)
    if status is not None and np.any(np.asarray(status) != 0):
        # Unconverged points (far from the minimum, where the prediction misses the data by orders of magnitude)
        # are left out (+inf); a region bound next to one of them is refused by _check_edges.
        chi2 = np.where(np.asarray(status) != 0, np.inf, chi2)
        if not np.any(np.isfinite(chi2)):
            raise RuntimeError(f"nuisance profiling did not converge at any of {n} scan points")
    return xs, chi2


def _check_edges(chi2, i, j):
    """Refuse a region [i, j] whose neighbouring grid point did not converge (its bound would be unreliable)."""
    n = chi2.size
    for k in (i - 1, j + 1):
        if 0 <= k < n and not np.isfinite(chi2[k]):
            raise RuntimeError(f"nuisance profiling did not converge next to a region bound (grid index {k})")


class _Regions:
    """The connected runs of {x : Δχ²(x) ≤ level} on a 1D profiled-χ² scan, with their interpolated bounds."""

    def __init__(self, experiments, name, level, lo, hi, n, model, fixed):
        self.xs, self.chi2 = _profile_scan(experiments, name, model, _key(fixed), float(lo), float(hi), int(n))
        self.n = self.xs.size
        self.level = level
        self.d = self.chi2 - self.chi2.min()
        inside = self.d <= level
        self.runs, i = [], 0
        while i < self.n:
            if not inside[i]:
                i += 1
                continue
            j = i
            while j + 1 < self.n and inside[j + 1]:
                j += 1
            self.runs.append((i, j))
            i = j + 1
        self.i_min = int(np.argmin(self.chi2))

    def _cross(self, a, b):  # linear interpolation of the crossing between grid points a (outside) and b (inside)
        xs, d = self.xs, self.d
        return float(xs[a] + (self.level - d[a]) * (xs[b] - xs[a]) / (d[b] - d[a]))

    def bounds(self, i, j, check=True):
        """[lower, upper] of the run [i, j] (a scan edge is returned as is: the region is not closed there)."""
        if check:
            _check_edges(self.chi2, i, j)
        return [float(self.xs[0]) if i == 0 else self._cross(i - 1, i),
                float(self.xs[-1]) if j == self.n - 1 else self._cross(j + 1, j)]


def allowed_bounds(experiments, name, level, lo, hi, n=2001, model="sm", fixed=None):
    """Outermost [lower, upper] of {x : Δχ²(x) ≤ level} on a 1D profiled-χ² scan (robust to two islands).

    A bound at the scan edge means the region is not closed there (reported in the note by the caller).
    """
    r = _Regions(experiments, name, level, lo, hi, n, model, fixed)
    return r.bounds(r.runs[0][0], r.runs[-1][1])


def islands(experiments, name, level, lo, hi, n=2001, model="sm", fixed=None):
    """Connected intervals of {x : Δχ²(x) ≤ level} on a 1D profiled-χ² scan, the one holding the minimum first."""
    r = _Regions(experiments, name, level, lo, hi, n, model, fixed)
    out = sorted(r.runs, key=lambda run: not run[0] <= r.i_min <= run[1])
    return [tuple(r.bounds(i, j)) for i, j in out]


def central_island(experiments, name, level, lo, hi, **kw):
    """[lower, upper] of the allowed interval that holds the best fit; other islands go into the note."""
    isl = islands(experiments, name, level, lo, hi, **kw)
    note = ""
    if len(isl) > 1:
        note = "Δχ² ≤ level also on " + ", ".join(f"[{a:.1f}, {b:.1f}]" for a, b in isl[1:]) + \
            " (the degenerate solution where the charge-radius shift reverses the weak charge)"
    return list(isl[0]), note


def sm_island(experiments, name, level, lo, hi, sm, n=2001, model="sm", fixed=None, what="interval"):
    """Connected region of {x : Δχ²(x) ≤ level} (Δχ² relative to the global minimum of a 1D profiled-χ² scan on
    ``n`` points of [lo, hi]) that contains the SM value ``sm``: a published single range around the SM is the
    allowed region holding the SM, whatever island holds the global minimum.

    Returns ([lower, upper], note); the note gives the global minimum, Δχ²(SM), every other island and the
    largest Δχ² between them, and says when a bound is the scan edge. ``what="abs"`` returns max(|lower|,
    |upper|) instead (a two-sided limit on |x|, e.g. a magnetic moment).
    If Δχ²(SM) > level the SM is excluded and the island nearest to the SM is reported (said in the note).
    """
    r = _Regions(experiments, name, level, lo, hi, n, model, fixed)
    xs, d, runs = r.xs, r.d, r.runs
    d_sm = float(np.interp(sm, xs, d))
    dist = [0.0 if xs[i] <= sm <= xs[j] else min(abs(xs[i] - sm), abs(xs[j] - sm)) for i, j in runs]
    k = int(np.argmin(dist))
    bounds = [r.bounds(i, j, check=(m == k)) for m, (i, j) in enumerate(runs)]
    x_min = float(xs[r.i_min])
    parts = [f"global minimum at {x_min:.3g} (Δχ²(SM = {sm:g}) = {d_sm:.2f})"]
    if dist[k] > 0.0:
        parts.append("the SM is outside every allowed region: reported the island nearest to it")
    others = [b for m, b in enumerate(bounds) if m != k]
    if others:
        gaps = [float(d[runs[m][1] + 1:runs[m + 1][0]].max()) for m in range(len(runs) - 1)]
        parts.append("Δχ² ≤ level also on " + ", ".join(f"[{a:.1f}, {b:.1f}]" for a, b in others)
                     + f" (not connected to the SM region: Δχ² between the islands up to {max(gaps):.1f})")
    edge = [e for e, at in (("lower", runs[k][0] == 0), ("upper", runs[k][1] == r.n - 1)) if at]
    if edge:
        parts.append(f"{' and '.join(edge)} bound at the scan edge (region not closed)")
    note = "connected region holding the SM; " + "; ".join(parts)
    if what == "abs":
        return max(abs(bounds[k][0]), abs(bounds[k][1])), note
    return bounds[k], note


def chi2_at(experiments, point: dict, model="sm", fixed=None) -> float:
    from .registry import make_likelihood

    names = list(point)
    lik = make_likelihood(experiments, model, fixed or {}, names)
    c, _ = lik.evaluate(np.array([[point[k] for k in names]], dtype=float))
    status = getattr(lik, "last_status", None)
    if status is not None and np.any(np.asarray(status) != 0):
        raise RuntimeError(f"nuisance profiling did not converge at {point}")
    return float(c[0])


def no_cevns_significance(experiments) -> float:
    """√(χ²(CEvNS = 0) − χ²_min(CEvNS normalisation free)), the background-only rejection in σ (Wilks, 1 dof)."""
    best = fit_result(experiments, ("cevns_norm",))["chi2_min"]
    return math.sqrt(max(chi2_at(experiments, {"cevns_norm": 0.0}) - best, 0.0))


def full_coherence_rejection() -> float:
    """√(χ²(F ≡ 1) − χ²_min(R_n free)) on CsI 2021: the rejection of fully coherent scattering (no nuclear form
    factor, protons and neutrons), seed 000:169 (Atzori Corona et al., EPJC 83, 683 (2023)). F ≡ 1 is the Helm
    form with R₀ = 0 and no Gaussian surface factor: F_p = 1 and exp(−q²s²/2) = 1 at the nodes, R_n = √3 s."""
    from cevns.kernels.binned import binned_cevns_chi2_points_extra
    from cevns.kernels.form_factors import HELM_S

    from .experiments import get_experiment
    from .experiments.coherent_csi_2021 import SIGMAS

    exp = get_experiment(CSI)
    lik = exp.likelihood(())
    a = lik.arrays  # (base, base_mm, base_s, fp, q, gauss, q2, z, n, flavour, resp, time_frac, extra, ...)
    th = exp.theta({}).copy()
    th[2:4] = math.sqrt(3.0 * HELM_S**2 + 1e-12)  # R₀ ≈ 1e-6 fm: 3 j₁(qR₀)/(qR₀) = 1 to 1e-13
    chi_f1, _, status = binned_cevns_chi2_points_extra(
        np.ascontiguousarray(th[None, :4]), a[0], np.ones_like(a[3]), a[4], np.ones_like(a[5]), a[7], a[8], a[9],
        a[10], a[11], a[12], lik.bkg, lik.obs, SIGMAS)
    assert status[0] == 0
    best = fit_result(CSI, ("rn",))["chi2_min"]
    return math.sqrt(max(float(chi_f1[0]) - best, 0.0))


def sm_events(experiment, params=None, component="cevns") -> float:
    from .experiments import get_experiment

    return float(np.sum(get_experiment(experiment).predict(params or {})[component]))


def fitted_events(experiment) -> float:
    """Best-fit CEvNS normalisation × the SM prediction (the profiled η_cevns is 0 with the norm free)."""
    r = fit_result(experiment, ("cevns_norm",))
    eta = r["nuisances"].get("eta_cevns", 0.0)
    return r["best"]["cevns_norm"] * (1.0 + eta) * sm_events(experiment)


def cross_section(experiment, fitted: bool = False, unit: float = 1e-40) -> float:
    """Flux-averaged CEvNS cross section per nucleus (:func:`cevns.scanner.experiments.sns.flux_averaged_cross_section`)
    at the SM, or × the fitted normalisation (as the collaborations quote the measured ⟨σ⟩), in ``unit`` cm²."""
    from .experiments import get_experiment
    from .experiments.sns import flux_averaged_cross_section

    xs = flux_averaged_cross_section(get_experiment(experiment)) / unit
    if fitted:
        r = fit_result(experiment, ("cevns_norm",))
        xs *= r["best"]["cevns_norm"] * (1.0 + r["nuisances"].get("eta_cevns", 0.0))
    return xs


def fitted_background(experiment, component, eta_name) -> float:
    r = fit_result(experiment, ("cevns_norm",))
    return (1.0 + r["nuisances"][eta_name]) * sm_events(experiment, component=component)


def zprime_point(target: str, m_zp: float = 1000.0) -> float:
    """Universal Z' on CsI 2021 at fixed M: g_Z'/M [1/MeV] of the rate minimum (``cancel``) or of the return
    to the SM rate (``sm``), from the predicted CEvNS counts as a function of g (seed 002:305–314)."""
    from scipy import optimize

    from .experiments import get_experiment

    csi = get_experiment(CSI)

    def rate(g):
        return float(csi.predict({"g_zp": g, "m_zp": m_zp}, model="zprime-universal")["cevns"].sum())

    gs = np.linspace(0.0, 5e-6 * m_zp, 501)
    rs = np.array([rate(g) for g in gs])
    k = int(np.argmin(rs))
    res = optimize.minimize_scalar(rate, bounds=(gs[max(k - 1, 0)], gs[k + 1]), method="bounded",
                                   options={"xatol": 1e-12 * m_zp})
    if target == "cancel":
        return float(res.x) / m_zp, f"rate at the minimum {res.fun:.1f} of {rs[0]:.1f} SM events (M = {m_zp:g} MeV)"
    sm = rs[0]
    j = k + int(np.argmax(rs[k:] >= sm))
    g_sm = optimize.brentq(lambda g: rate(g) - sm, gs[j - 1], gs[j], xtol=1e-12 * m_zp)
    return float(g_sm) / m_zp, f"M = {m_zp:g} MeV"


def zprime_estimate(target: str) -> float:
    """The seed's closed-form estimate (002:310–314) for CsI: −N/2 + 3g²A/(√2 G_F M²) = 0 (``cancel``) or = +N/2
    (``sm``), Z and N averaged over Cs and I; g/M in 1/MeV."""
    from cevns.kernels.constants import G_FERMI as G_F

    n, a = (78 + 74) / 2, (133 + 127) / 2
    k = 1.0 if target == "cancel" else 2.0
    return math.sqrt(k * n * math.sqrt(2.0) * G_F / (6.0 * a))


def _pick(res, i):
    bounds, note = res
    return bounds[i], note


def limit_abs(experiments, name, level, lo, hi, **kw):
    """Largest |x| of the connected region of Δχ² ≤ level that holds x = 0 (a two-sided magnetic-moment limit;
    the χ² is even in x with minima at ±x₀, and any far island is reported in the note)."""
    return sm_island(experiments, name, level, lo, hi, 0.0, what="abs", **kw)


def upper_limit(experiments, name, level, lo, hi, **kw):
    b = allowed_bounds(experiments, name, level, lo, hi, **kw)
    note = f"allowed {b[0]:.3g}–{b[1]:.3g}"
    if b[1] >= hi - 1e-9:
        note += " (not closed at the range edge)"
    return b[1], note


def dresden_p_value():
    from scipy import stats

    best = fit_result(DRESDEN, ("cevns_norm",))["chi2_min"]
    d = chi2_at(DRESDEN, {"cevns_norm": 0.0}) - best
    return float(stats.chi2.sf(d, 1)), f"Δχ²(background only − best fit) = {d:.2f}"


def future_per_year(name):
    from .experiments import get_experiment

    return float(get_experiment(name).events_per_year())


def plus_widths(experiments, name, free=None, **kw):
    """[+1σ, +90 %, +2σ] upper half-widths of ``name`` (the seed's sin²θ_W table prints only these, 000:245)."""
    r = fit_result(experiments, free or (name,), **kw)
    b = r["best"][name]
    return [r[f"interval_{lv}"][name][1] - b for lv in ("1sigma", "90", "2sigma")]


def apv_qw_exp(epnc="pdg", skin=0.13):
    """Q_W^exp(¹³³Cs) and its σ from the PDG2020 amplitude and β with the neutron-skin correction for
    ΔR_np = ``skin`` (Dzuba et al. 2012 quote their Im E_PNC = 0.8977(40) with the skin term for ΔR_np = 0.13 fm,
    docs/physics/apv-cs.md)."""
    from cevns.kernels import apv

    from .experiments.apv_cs import skin_table

    q = float(apv.qw_exp(skin_table().ratio(RP_CS + skin), epnc))
    return q, f"σ(Q_W) = {float(apv.qw_exp_sigma(q, epnc)):.2f} (published 0.42); R_n(Cs) = R_p + {skin:g} fm"


def apv_sin2w_from_qw(qw=-72.58, sigma=math.hypot(0.29, 0.32)):
    """sin²θ_W at which Q_W^th(sin²θ_W) = ``qw`` (000:802 with its radiative corrections) and its 1σ."""
    from cevns.kernels import apv

    s = float(apv.sin2w_from_qw(qw))
    return s, f"σ = σ(Q_W)/|dQ_W/d sin²θ_W| = {sigma / abs(float(apv.dqw_dsin2w())):.4f} (published 0.0020)"


def tmm_row(experiment):
    """90 % CL upper limits on |Λ_1|, |Λ_2|, |Λ_3| [1e-10 μ_B] (the other two zero): the upper ends of the
    Δχ² = 2.706 intervals of ``fit(..., model="tmm")`` (as scripts/tmm_table.py)."""
    out = []
    for i in (1, 2, 3):
        r = fit_result(experiment, (f"tmm_l{i}",), model="tmm")
        out.append(r["interval_90"][f"tmm_l{i}"][1])
    return out


@functools.cache
def _transition_profile(experiments, name, others, lo, hi, n, other_hi, n_other):
    """Δχ² profile of ``name`` with the transition radii ``others`` (≥ 0, they enter squared) profiled.

    Coarse: a (n_other)^k grid of the others per scan point (vectorised). Fine (``true`` below): the grid minimum
    refined by Nelder–Mead. The coarse profile lies above the true one, so the true allowed region contains the
    coarse one; bounds are walked outward on the true profile (docs/physics/dresden-ii.md: "a direct profile").
    """
    from scipy import optimize

    from .registry import make_likelihood

    lik = make_likelihood(experiments, "sm", {}, [name, *others])
    k = len(others)
    g = np.linspace(0.0, other_hi, n_other)
    mesh = np.stack(np.meshgrid(*([g] * k), indexing="ij"), axis=-1).reshape(-1, k)
    xs = np.linspace(lo, hi, n)
    coarse = np.empty(n)
    for i, x in enumerate(xs):
        coarse[i] = lik.evaluate(np.column_stack([np.full(len(mesh), x), mesh]))[0].min()

    def chi2(v):
        return float(lik.evaluate(np.asarray(v, dtype=float)[None, :])[0][0])

    @functools.cache
    def true(x):
        c = lik.evaluate(np.column_stack([np.full(len(mesh), x), mesh]))[0]
        j = int(np.argmin(c))
        res = optimize.minimize(lambda y: chi2([x, *y]), mesh[j], method="Nelder-Mead",
                                bounds=[(0.0, 2 * other_hi)] * k, options={"xatol": 1e-3, "fatol": 1e-5})
        return min(float(c[j]), float(res.fun))

    j = int(np.argmin(coarse))
    res = optimize.minimize_scalar(true, bounds=(xs[max(j - 1, 0)], xs[min(j + 1, n - 1)]), method="bounded",
                                   options={"xatol": 1e-3})
    return xs, coarse, true, min(float(res.fun), true(xs[j]))


def transition_bounds(experiments, name, others, level, lo, hi, n=101, other_hi=60.0, n_other=21, sm=None):
    """[lower, upper] of the connected region of {x : Δχ²(x) ≤ level} that holds the SM value ``sm`` (default:
    the coarse-profile minimum), with the transition radii ``others`` profiled ≥ 0.

    The coarse profile lies above the true one, so the coarse connected region holding ``sm`` lies inside the
    true one: its ends are walked outward on the true (Nelder–Mead refined) profile until Δχ² > level.
    """
    from scipy import optimize

    xs, coarse, true, cmin = _transition_profile(experiments, name, tuple(others), float(lo), float(hi), int(n),
                                                 float(other_hi), int(n_other))
    start = int(np.argmin(coarse)) if sm is None else int(np.argmin(np.abs(xs - sm)))
    if true(xs[start]) - cmin > level:
        raise RuntimeError(f"the SM value {sm} of {name} is outside the allowed region")
    lo_i = hi_i = start
    while lo_i - 1 >= 0 and coarse[lo_i - 1] - cmin <= level:
        lo_i -= 1
    while hi_i + 1 < n and coarse[hi_i + 1] - cmin <= level:
        hi_i += 1
    out = []
    for i, step in ((lo_i, -1), (hi_i, 1)):
        while 0 <= i + step < n and true(xs[i + step]) - cmin <= level:
            i += step
        if not 0 <= i + step < n:
            out.append(float(xs[i]))
            continue
        a, b = sorted((xs[i], xs[i + step]))
        out.append(float(optimize.brentq(lambda x: true(x) - cmin - level, a, b, xtol=1e-3)))
    inside = coarse - cmin <= level
    outside = [float(x) for x, ok in zip(xs, inside) if ok and not out[0] <= x <= out[1]]
    note = (f"connected region holding the SM ({name} = {xs[start]:g}); χ²_min {cmin:.2f}; {', '.join(others)} "
            f"profiled on [0, {other_hi:g}] then Nelder–Mead")
    if outside:
        note += f"; Δχ² ≤ level also at {min(outside):.1f} … {max(outside):.1f} (coarse grid), not connected"
    return out, note


# -- the registry ------------------------------------------------------------------------------------------------
_CSI_DATA = "COHERENT CsI 2021 release, 9 PE × 11 time bins, Poisson χ² eq. (10) with 4 nuisances"
_FIT_SM = "sin²θ_W = 0.23857, radiative g_V"
_TIMING = ("our arrival-time model is built from the proton pulse and decay lifetimes (the release lacks the "
           "energy×time flux file), see docs/physics/coherent-csi-2021.md")


def _e(**kw) -> Entry:
    kw["experiments"] = tuple(kw["experiments"])
    return Entry(**kw)


def _build_entries() -> list[Entry]:
    E = []
    # ---- COHERENT CsI 2021 ---------------------------------------------------------------------------------
    E.append(_e(
        id="csi2021-sm-events", experiments=[CSI], quantity="SM CEvNS events, 0–60 PE, 0–6 µs",
        published=341.0, published_text="341 ± 11 ± 42", cl="1σ", unit="events",
        dataset="collaboration prediction (Table I), same release inputs (flux, QF, efficiencies)",
        source="000:143", tolerance=0.03, tol_rel=True,
        tolerance_why="prediction from the same public inputs: 3 %",
        compute=lambda: sm_events(CSI)))
    E.append(_e(
        id="csi2021-sm-events-001", experiments=[CSI], quantity="SM CEvNS events (later table version)",
        published=333.0, published_text="333 ± 11 (th) ± 42 (ex)", cl="1σ", unit="events",
        dataset="collaboration prediction quoted in seed 001 (inputs of the update not printed)",
        source="001:218", tolerance=43.4,
        tolerance_why="inputs behind the updated number are not given: the published 1σ (11 ⊕ 42)",
        compute=lambda: sm_events(CSI)))
    E.append(_e(
        id="csi2021-fit-events", experiments=[CSI], quantity="fitted CEvNS events",
        published=306.0, published_text="306 ± 20", cl="1σ", unit="events",
        dataset=f"{_CSI_DATA}; cevns_norm free, ours = norm × SM",
        source="000:141", tolerance=20.0, tolerance_why="fitted event count: the published 1σ",
        note="collaboration 2D likelihood vs our eq. (10) χ²; " + _TIMING,
        compute=lambda: fitted_events(CSI)))
    xs_data = ("flux-averaged over the three SNS spectra, full recoil integral, per nucleus (Cs and I alike); "
               "Helm form factors at the default radii")
    E.append(_e(
        id="csi2021-xs-sm", experiments=[CSI], quantity="SM flux-averaged CEvNS cross section",
        published=189.0, published_text="189 ± 6 × 10⁻⁴⁰ cm²", cl="1σ", unit="1e-40 cm²", dataset=xs_data,
        source="001:222", tolerance=6.0, tolerance_why="the published SM uncertainty",
        compute=lambda: cross_section(CSI)))
    E.append(_e(
        id="csi2021-xs-fit", experiments=[CSI], quantity="measured flux-averaged CEvNS cross section",
        published=169.0, published_text="169 +30/−26 × 10⁻⁴⁰ cm²", cl="1σ", unit="1e-40 cm²",
        dataset=f"{_CSI_DATA}; cevns_norm free, ours = norm × SM ⟨σ⟩ ({xs_data})",
        source="001:221", tolerance=28.0, tolerance_why="measured value: the published 1σ (mean of +30/−26)",
        compute=lambda: cross_section(CSI, fitted=True)))
    E.append(_e(
        id="csi2021-no-cevns", experiments=[CSI], quantity="no-CEvNS rejection",
        published=11.6, published_text="11.6σ", cl="", unit="",
        dataset=f"{_CSI_DATA}; √(χ²(norm = 0) − χ²_min)",
        source="001:217", tolerance=1.0, tolerance_why="significance from a different test statistic: 1σ",
        compute=lambda: no_cevns_significance(CSI)))
    E.append(_e(
        id="csi2021-full-coherence", experiments=[CSI], quantity="rejection of full coherence (F ≡ 1)",
        published=6.0, published_text="6σ", cl="", unit="",
        dataset=f"{_CSI_DATA}; √(χ²(F_p = F_n = 1) − χ²_min(R_n free))", source="000:169",
        tolerance=0.5, tolerance_why="the same χ² on the same data, a significance printed to one digit: ±0.5σ",
        compute=full_coherence_rejection))
    for comp, eta, pub, err, line, label in (("ss", "eta_ss", 1273.0, 24.0, 138, "steady-state background"),
                                             ("brn", "eta_brn", 17.3, 4.5, 139, "beam-related neutrons"),
                                             ("nin", "eta_nin", 5.5, 2.0, 140, "neutrino-induced neutrons")):
        E.append(_e(
            id=f"csi2021-fit-{comp}", experiments=[CSI], quantity=f"best-fit {label}",
            published=pub, published_text=f"{pub:g} ± {err:g}", cl="1σ", unit="events",
            dataset=f"{_CSI_DATA}; cevns_norm free, ours = (1 + η) × prior",
            source=f"000:{line}", tolerance=err, tolerance_why="fitted background: the published 1σ",
            compute=functools.partial(fitted_background, CSI, comp, eta)))
    # R_n (H5), ΔR_np (H6)
    rn_data = f"{_CSI_DATA}; R_n(Cs) = R_n(I) free, {_FIT_SM}"
    E.append(_e(
        id="csi2021-rn", experiments=[CSI], quantity="R_n(CsI) best fit", published=5.47,
        published_text="5.47 ± 0.38", cl="1σ", unit="fm", dataset=rn_data, source="000:225", tolerance=0.19,
        tolerance_why="same data and χ²: half the published 1σ", note=_TIMING,
        compute=lambda: centre(CSI, "rn")))
    for level, pub, text, line in (("1sigma", [0.38, 0.38], "−0.38/+0.38", "000:183"),
                                   ("90", [0.72, 0.63], "−0.72/+0.63", "000:225"),
                                   ("2sigma", [0.89, 0.76], "−0.89/+0.76", "000:225")):
        E.append(_e(
            id=f"csi2021-rn-{level}", experiments=[CSI], quantity=f"R_n(CsI) {level.replace('sigma', 'σ')} "
            f"{'CL ' if level == '90' else ''}interval half-widths", published=pub, published_text=text,
            cl={"1sigma": "1σ", "90": "90 %", "2sigma": "2σ"}[level], unit="fm", dataset=rn_data, source=line,
            kind="widths", tolerance=0.2, tolerance_why="interval widths: 20 % of each half-width",
            compute=functools.partial(widths, CSI, "rn", level)))
    E.append(_e(
        id="csi2021-rn-chi2", experiments=[CSI], quantity="χ²_min of the R_n fit", published=85.2,
        published_text="85.2", cl="", unit="", dataset=rn_data, source="000:195", tolerance=2.0,
        tolerance_why="same χ² on the same data: 2 units", note=_TIMING,
        compute=lambda: fit_result(CSI, ("rn",))["chi2_min"]))
    E.append(_e(
        id="csi2021-skin", experiments=[CSI], quantity="neutron skin ΔR_np(CsI) = R_n − 4.78 fm", published=0.69,
        published_text="0.69 ± 0.38", cl="1σ", unit="fm", dataset=rn_data + "; R_p(CsI) = 4.78 fm (000:188)",
        source="000:193", tolerance=0.19, tolerance_why="same data and χ²: half the published 1σ",
        compute=lambda: centre(CSI, "rn") - RP_CSI))
    # sin²θ_W (H7)
    sw_data = f"{_CSI_DATA}; sin²θ_W free, R_n(Cs) = 5.09, R_n(I) = 5.03 fm (nuclear models)"
    E.append(_e(
        id="csi2021-sin2w", experiments=[CSI], quantity="sin²θ_W best fit", published=0.231,
        published_text="0.231 +0.027/−0.024", cl="1σ", dataset=sw_data, source="000:839", tolerance=0.012,
        tolerance_why="same data and χ²: half the published 1σ",
        compute=lambda: centre(CSI, "sin2w")))
    for level, pub, text in (("1sigma", [0.024, 0.027], "−0.024/+0.027"), ("90", [0.039, 0.046], "−0.039/+0.046"),
                             ("2sigma", [0.047, 0.058], "−0.047/+0.058")):
        E.append(_e(
            id=f"csi2021-sin2w-{level}", experiments=[CSI],
            quantity=f"sin²θ_W {level.replace('sigma', 'σ')}{' CL' if level == '90' else ''} interval half-widths",
            published=pub, published_text=text, cl={"1sigma": "1σ", "90": "90 %", "2sigma": "2σ"}[level],
            dataset=sw_data, source="000:839", kind="widths", tolerance=0.2,
            tolerance_why="interval widths: 20 % of each half-width",
            compute=functools.partial(widths, CSI, "sin2w", level)))
    E.append(_e(
        id="csi2021-sin2w-chi2", experiments=[CSI], quantity="χ²_min of the sin²θ_W fit", published=86.0,
        published_text="86.0", cl="", dataset=sw_data, source="000:247", tolerance=2.0,
        tolerance_why="same χ² on the same data: 2 units", note=_TIMING,
        compute=lambda: fit_result(CSI, ("sin2w",))["chi2_min"]))
    # R_n and sin²θ_W both free (H8)
    both = ("rn", "sin2w")
    both_data = f"{_CSI_DATA}; R_n and sin²θ_W both free"
    E.append(_e(
        id="csi2021-rn-sin2w-rn", experiments=[CSI], quantity="R_n(CsI), sin²θ_W free", published=6.6,
        published_text="6.6 +1.4/−1.1", cl="1σ", unit="fm", dataset=both_data, source="000:982",
        tolerance=0.55, tolerance_why="same data and χ²: half the published 1σ (lower side, 1.1/2)",
        note="the (R_n, sin²θ_W) valley is long and shallow: its minimum moves with small shape differences; "
        + _TIMING, compute=lambda: centre(CSI, "rn", free=both)))
    E.append(_e(
        id="csi2021-rn-sin2w-sin2w", experiments=[CSI], quantity="sin²θ_W, R_n free", published=0.31,
        published_text="0.31 +0.08/−0.07", cl="1σ", dataset=both_data, source="000:964", tolerance=0.035,
        tolerance_why="same data and χ²: half the published 1σ (lower side, 0.07/2)",
        compute=lambda: centre(CSI, "sin2w", free=both)))
    E.append(_e(
        id="csi2021-rn-sin2w-chi2", experiments=[CSI], quantity="χ²_min, R_n and sin²θ_W free", published=83.9,
        published_text="83.9", cl="", dataset=both_data, source="000:994", tolerance=2.0,
        tolerance_why="same χ² on the same data: 2 units", note=_TIMING,
        compute=lambda: fit_result(CSI, both)["chi2_min"]))
    # R_n(Cs), R_n(I) separately (H11)
    sep = ("rn_cs", "rn_i")
    sep_data = f"{_CSI_DATA}; R_n(Cs) and R_n(I) free, {_FIT_SM}"
    E.append(_e(
        id="csi2021-rn-cs", experiments=[CSI], quantity="R_n(Cs), R_n(I) free", published=5.3,
        published_text="5.3 +1.3/−1.2", cl="1σ", unit="fm", dataset=sep_data, source="000:1039",
        tolerance=0.6, tolerance_why="same data and χ²: half the published 1σ (lower side, 1.2/2)",
        note="Cs and I are almost degenerate in CsI alone: the split is set by small N²/form-factor differences",
        compute=lambda: centre(CSI, "rn_cs", free=sep)))
    E.append(_e(
        id="csi2021-rn-i", experiments=[CSI], quantity="R_n(I), R_n(Cs) free", published=5.6,
        published_text="5.6 +1.6/−1.2", cl="1σ", unit="fm", dataset=sep_data, source="000:1039",
        tolerance=0.6, tolerance_why="same data and χ²: half the published 1σ (lower side, 1.2/2)",
        compute=lambda: centre(CSI, "rn_i", free=sep)))
    E.append(_e(
        id="csi2021-rn-cs-i-chi2", experiments=[CSI], quantity="χ²_min, R_n(Cs) and R_n(I) free",
        published=85.2, published_text="85.2", cl="", dataset=sep_data, source="000:1039", tolerance=2.0,
        tolerance_why="same χ² on the same data: 2 units", note=_TIMING,
        compute=lambda: fit_result(CSI, sep)["chi2_min"]))
    # Magnetic moment (H22)
    E.append(_e(
        id="coherent-mu-numu", experiments=[CSI, LAR], quantity="|μ_νμ| upper limit, COHERENT CsI + Ar",
        published=18.0, published_text="< 18", cl="90 %", unit="1e-10 μ_B",
        dataset="CsI 2021 (CEvNS + ν–e) + LAr 2020 (CEvNS), μ_νμ free (Δχ² ≤ 2.71, two-sided), as published",
        source="000:1429", tolerance=0.2, tol_rel=True, tolerance_why="upper limit: 20 %",
        requires=((CSI, "mu_nu_mu"), (LAR, "mu_nu_mu")),
        compute=functools.partial(limit_abs, CSI_LAR, "mu_nu_mu", DCHI2["90"], -100.0, 100.0, n=2001)))
    E.append(_e(
        id="coherent-sin2w", experiments=[CSI, LAR], quantity="sin²θ_W best fit, COHERENT CsI + Ar",
        published=0.220, published_text="0.220 +0.028/−0.027", cl="1σ", unit="",
        dataset="CsI 2021 + LAr 2020 (radii at their defaults); the published fit (Cadeddu et al., arXiv:2102.06153) "
        "used the earlier CsI release", source="001:421", tolerance=0.028,
        tolerance_why="a different CsI release: the full published 1σ",
        requires=((CSI, "sin2w"), (LAR, "sin2w")), compute=lambda: centre(CSI_LAR, "sin2w")))
    # Charge radii (H24, H25): seed-000 convention (SM ⟨r²_νe⟩ = −0.82, ⟨r²_νμ⟩ = −0.48 × 10⁻³² cm²)
    cr_conv = ("convention of seed 000 (SM ⟨r²_νe⟩ = −0.82, ⟨r²_νμ⟩ = −0.48 × 10⁻³² cm²); ours: the connected 90 % "
               "CL region (Δχ² ≤ 2.71 above the global minimum) that holds the SM value, as the published single "
               "range around the SM")
    E.append(_e(
        id="coherent-rch2-ee", experiments=[CSI, LAR], quantity="⟨r²_νe⟩ 90 % CL bounds, COHERENT CsI + Ar",
        published=[-7.1, 11.2], published_text="−7.1 < ⟨r²_νe⟩ < 11.2", cl="90 %", unit="1e-32 cm²",
        kind="bounds", dataset="COHERENT CsI 2021 + LAr 2020 (arXiv:2205.09484); rch2_ee free, transition radii 0",
        source="000:1402", tolerance=3.66,
        tolerance_why="bounds of an allowed interval: 20 % of the published length (18.3)",
        note="ours has the published length (16.9 vs 18.3) but sits 3–4.5 lower: our best fit is at the SM (−1.2), "
        "the published range is centred at +2. The cause is the CsI 2021 timing: with the proton-trace mean of the "
        "CENNS-10 yaml (coherent-csi-2021:trace_mean=0.44 instead of our calibrated 0.53 µs) the same fit gives "
        "[−5.84, 10.17], inside the tolerance (docs/physics/coherent-csi-2021.md); " + cr_conv,
        requires=((CSI, "rch2_ee"), (LAR, "rch2_ee")),
        compute=functools.partial(sm_island, CSI_LAR, "rch2_ee", DCHI2["90"], -100.0, 100.0, SM_RCH2["ee"])))
    E.append(_e(
        id="cr-ee-coherent-dresden", experiments=[CSI, LAR, DRESDEN],
        quantity="⟨r²_νe⟩ 90 % CL bounds, COHERENT + Dresden-II (table row)",
        published=[-8.1, 4.3], published_text="−8.1 < ⟨r²_νe⟩ < 4.3", cl="90 %", unit="1e-32 cm²", kind="bounds",
        dataset="CsI 2021 + LAr 2020 + Dresden-II (Fef QF, CEvNS + ES), rch2_ee free, transition radii 0",
        source="000:1403", tolerance=2.48,
        tolerance_why="bounds of an allowed interval: 20 % of the published length (12.4)",
        requires=((CSI, "rch2_ee"), (LAR, "rch2_ee"), (DRESDEN, "rch2_ee")),
        note="the same fit as cr-ee-no-transition (004:807 prints −7.1 < ⟨r²⟩ < 5 for it; seed-benchmarks H25 "
        "flags the table row as a transcription or layout issue); our Dresden-II likelihood prefers 1.25 × the SM "
        "rate, which puts the global minimum on the sign-flipped island (docs/physics/dresden-ii.md); " + cr_conv,
        compute=functools.partial(sm_island, CSI_LAR_DRESDEN, "rch2_ee", DCHI2["90"], -100.0, 100.0, SM_RCH2["ee"])))
    E.append(_e(
        id="cr-ee-no-transition", experiments=[CSI, LAR, DRESDEN],
        quantity="⟨r²_νe⟩ 90 % CL bounds, COHERENT + Dresden-II, no transition radii",
        published=[-7.1, 5.0], published_text="−7.1 < ⟨r²_νe⟩ < 5", cl="90 %", unit="1e-32 cm²", kind="bounds",
        dataset="CsI 2021 + LAr 2020 + Dresden-II (Fef QF, CEvNS + ES), rch2_ee free, transition radii 0",
        source="004:807", tolerance=2.42,
        tolerance_why="bounds of an allowed interval: 20 % of the published length (12.1)",
        requires=((CSI, "rch2_ee"), (LAR, "rch2_ee"), (DRESDEN, "rch2_ee")),
        note="our Dresden-II likelihood prefers 1.25 × the SM rate (±45 %), which puts the global minimum on the "
        "sign-flipped island (docs/physics/dresden-ii.md); " + cr_conv,
        compute=functools.partial(sm_island, CSI_LAR_DRESDEN, "rch2_ee", DCHI2["90"], -100.0, 100.0, SM_RCH2["ee"])))
    E.append(_e(
        id="cr-ee-transition", experiments=[CSI, LAR, DRESDEN],
        quantity="⟨r²_νe⟩ 90 % CL bounds, COHERENT + Dresden-II, with transition radii",
        published=[-56.0, 5.0], published_text="−56 < ⟨r²_νe⟩ < 5", cl="90 %", unit="1e-32 cm²", kind="bounds",
        dataset="CsI 2021 + LAr 2020 + Dresden-II (Fef QF, CEvNS + ES); rch2_ee free, |⟨r²_eμ⟩|, |⟨r²_eτ⟩| "
        "profiled", source="004:808", tolerance=12.2,
        tolerance_why="bounds of an allowed interval: 20 % of the published length (61)",
        requires=((CSI, "rch2_emu"), (LAR, "rch2_emu"), (DRESDEN, "rch2_emu")),
        note="the transition radii fill the gap to the sign-flipped solution; " + cr_conv,
        compute=functools.partial(transition_bounds, CSI_LAR_DRESDEN, "rch2_ee", ("rch2_emu", "rch2_etau"),
                                  DCHI2["90"], -80.0, 20.0, sm=SM_RCH2["ee"])))
    E.append(_e(
        id="cr-mumu-no-transition", experiments=[CSI, LAR],
        quantity="⟨r²_νμ⟩ 90 % CL bounds, COHERENT + Dresden-II, no transition radii",
        published=[-5.9, 4.3], published_text="−5.9 < ⟨r²_νμ⟩ < 4.3", cl="90 %", unit="1e-32 cm²", kind="bounds",
        dataset="CsI 2021 + LAr 2020, rch2_mumu free, transition radii 0 (Dresden-II has no ν_μ: it does not "
        "enter without transition radii)", source="004:809", tolerance=2.04,
        tolerance_why="bounds of an allowed interval: 20 % of the published length (10.2)",
        requires=((CSI, "rch2_mumu"), (LAR, "rch2_mumu")), note=cr_conv,
        compute=functools.partial(sm_island, CSI_LAR, "rch2_mumu", DCHI2["90"], -100.0, 100.0, SM_RCH2["mumu"])))
    E.append(_e(
        id="cr-mumu-transition", experiments=[CSI, LAR, DRESDEN],
        quantity="⟨r²_νμ⟩ 90 % CL bounds, COHERENT + Dresden-II, with transition radii",
        published=[-58.2, 4.0], published_text="−58.2 < ⟨r²_νμ⟩ < 4.0", cl="90 %", unit="1e-32 cm²",
        kind="bounds", dataset="CsI 2021 + LAr 2020 + Dresden-II; rch2_mumu free, |⟨r²_eμ⟩| (all three), "
        "|⟨r²_μτ⟩| (CsI, LAr) profiled", source="004:810", tolerance=12.44,
        tolerance_why="bounds of an allowed interval: 20 % of the published length (62.2)",
        requires=((CSI, "rch2_mutau"), (LAR, "rch2_mutau"), (DRESDEN, "rch2_emu")),
        note=cr_conv,
        compute=functools.partial(transition_bounds, CSI_LAR_DRESDEN, "rch2_mumu", ("rch2_emu", "rch2_mutau"),
                                  DCHI2["90"], -80.0, 20.0, sm=SM_RCH2["mumu"])))
    # EM properties from COHERENT CsI + Ar 2020 data (H26)
    h26 = ("CsI 2017 + LAr 2020, the data set of the published numbers (Cadeddu et al., PRD 102, 015030 (2020)); one "
           "parameter free, the others at their SM values; ours: connected region of Δχ² ≤ 2.71 holding the SM")
    h26_why = ("still differs from the paper: the CL is not printed on the slide (we take 90 %, 1 dof); the paper fits "
               "the CsI 2017 energy spectrum with the refined quenching factor of PRD 101, 033004 (2020), ours the "
               "released PE × time data with the release's QF 0.0878 and 28 % CEvNS prior "
               "(docs/physics/coherent-csi-2017.md); our LAr 2020 is the full Analysis A likelihood")
    q_why = ("; the millicharge enters as ⟨r²⟩_eff = ⟨r²⟩ − 6q/|q|² (Kouzakov & Studenikin 2017, "
             "cevns.scanner.models): our range is skewed to positive q as the published one, but 2.3× narrower; "
             "a charge acts as a radius 6q/|q|², so it weighs the low-|q| events more than the radius does, and "
             "the difference grows with our lower-threshold CsI 2017 PE × time fit")
    # scan ranges: the whole parameter range for the radii; −60…80 × 10⁻⁸ e for the millicharges (beyond
    # q ≈ 98 the profiled χ² is ~10⁴ and its nuisance profiling stops converging, far from any bound)
    for rid, par, pub, text, unit, tol, length, lo, hi, sm in (
            ("coherent2020-rch2-ee", "rch2_ee", [-78.0, 22.0], "−78 < ⟨r²_νe⟩ < 22", "1e-32 cm²", 20.0, 100,
             -100.0, 100.0, SM_RCH2["ee"]),
            ("coherent2020-rch2-mumu", "rch2_mumu", [-71.0, 17.0], "−71 < ⟨r²_νμ⟩ < 17", "1e-32 cm²", 17.6, 88,
             -100.0, 100.0, SM_RCH2["mumu"]),
            ("coherent2020-q-nue", "q_nu_e", [-20.0, 42.0], "−20 < q_νe < 42", "1e-8 e", 12.4, 62, -60.0, 80.0, 0.0),
            ("coherent2020-q-numu", "q_nu_mu", [-12.0, 20.0], "−12 < q_νμ < 20", "1e-8 e", 6.4, 32, -60.0, 80.0,
             0.0)):
        E.append(_e(
            id=rid, experiments=[CSI17, LAR], quantity=f"{par} allowed range, COHERENT CsI 2017 + Ar 2020",
            published=pub, published_text=text, cl="90 % (assumed)", unit=unit, kind="bounds", dataset=h26,
            source="001:636", tolerance=tol,
            tolerance_why=f"bounds of an allowed interval: 20 % of the published length ({length})",
            note=h26_why + (q_why if par.startswith("q_") else ""),
            requires=((CSI17, par), (LAR, par)),
            compute=functools.partial(sm_island, CSI17_LAR, par, DCHI2["90"], lo, hi, sm, n=2001)))
    for rid, par, pub in (("coherent2020-mu-nue", "mu_nu_e", 56.0), ("coherent2020-mu-numu", "mu_nu_mu", 41.0)):
        E.append(_e(
            id=rid, experiments=[CSI17, LAR], quantity=f"|{par}| upper limit, COHERENT CsI 2017 + Ar 2020",
            published=pub, published_text=f"< {pub:g}", cl="90 % (assumed)", unit="1e-10 μ_B", dataset=h26,
            source="001:640", tolerance=0.2, tol_rel=True, tolerance_why="upper limit: 20 %", note=h26_why,
            requires=((CSI17, par), (LAR, par)),
            compute=functools.partial(limit_abs, CSI17_LAR, par, DCHI2["90"], -100.0, 100.0)))
    # Universal Z' (H31)
    zp_note = ("the seed's own approximation (002:310: Q_W^SM ≃ −N/2, M ≫ |q|, −N/2 + 3g²A/(√2 G_F M²) = 0, resp. "
               "= +N/2) evaluated for CsI (Z = 54, N = 76 averaged) gives {} × 10⁻⁶; the seed prints it to one "
               "significant figure with ≈ (\"≈ 2\" for 1.79)")
    E.append(_e(
        id="zprime-universal-cancel", experiments=[CSI], quantity="universal Z′: g_Z′/M_Z′ of the rate cancellation",
        published=1.4e-6, published_text="≈ 1.4 × 10⁻⁶", cl="", unit="MeV⁻¹",
        dataset="CsI 2021 predicted CEvNS counts vs g_Z′ at M_Z′ = 1 GeV (≫ |q| ≈ 30 MeV)", source="002:310",
        tolerance=0.5e-6, tolerance_why="order-of-magnitude theory estimate with ≈: half a unit of its leading "
        "digit (as for ≈ 2 × 10⁻⁶)",
        note=zp_note.format(f"{zprime_estimate('cancel') * 1e6:.2f}"),
        requires=((CSI, None),), compute=functools.partial(zprime_point, "cancel")))
    E.append(_e(
        id="zprime-universal-sm-again", experiments=[CSI],
        quantity="universal Z′: g_Z′/M_Z′ where the rate is back to the SM", published=2e-6,
        published_text="≈ 2 × 10⁻⁶", cl="", unit="MeV⁻¹", dataset="as above", source="002:314",
        tolerance=0.5e-6, tolerance_why="order-of-magnitude theory estimate with ≈: half a unit of its leading digit",
        note=zp_note.format(f"{zprime_estimate('sm') * 1e6:.2f}"),
        requires=((CSI, None),), compute=functools.partial(zprime_point, "sm")))
    # ---- COHERENT CsI 2017 -----------------------------------------------------------------------------------
    E.append(_e(
        id="csi2017-sm-events", experiments=[CSI17], quantity="SM CEvNS events (2017 release window)",
        published=173.0, published_text="173 ± 48", cl="1σ", unit="events",
        dataset="2017 release: flux, QF 0.0878, light yield and acceptance of the collaboration",
        source="001:204", tolerance=0.03, tol_rel=True, tolerance_why="prediction from the same public inputs: 3 %",
        compute=lambda: sm_events(CSI17)))
    E.append(_e(
        id="csi2017-fit-events", experiments=[CSI17], quantity="fitted CEvNS events", published=134.0,
        published_text="134 ± 22", cl="1σ", unit="events",
        dataset="2017 release, binned PE × time Poisson χ², cevns_norm free (ours = norm × SM)",
        source="001:203", tolerance=22.0, tolerance_why="fitted event count: the published 1σ",
        compute=lambda: fitted_events(CSI17)))
    E.append(_e(
        id="csi2017-significance", experiments=[CSI17], quantity="CEvNS observation significance",
        published=6.7, published_text="6.7σ", cl="", unit="",
        dataset="2017 release, binned χ²; √(χ²(norm = 0) − χ²_min)", source="003:77", tolerance=1.0,
        tolerance_why="significance from a different test statistic: 1σ",
        compute=lambda: no_cevns_significance(CSI17)))
    E.append(_e(
        id="csi2017-rn", experiments=[CSI17], quantity="R_n(CsI) from CsI 2017", published=5.5,
        published_text="5.5 +0.9/−1.1", cl="1σ", unit="fm",
        dataset="2017 release; published: energy spectrum only; ours: PE × time binned χ²", source="004:81",
        tolerance=1.1, tolerance_why="different analysis of the same data: the published 1σ (lower side)",
        compute=lambda: centre(CSI17, "rn")))
    E.append(_e(
        id="csi2017-rn-1sigma", experiments=[CSI17], quantity="R_n(CsI) from CsI 2017, 1σ half-widths",
        published=[1.1, 0.9], published_text="−1.1/+0.9", cl="1σ", unit="fm",
        dataset="2017 release; published: energy spectrum only; ours: PE × time binned χ²", source="004:81",
        kind="widths", tolerance=0.2, tolerance_why="interval widths: 20 % of each half-width",
        compute=functools.partial(widths, CSI17, "rn", "1sigma")))
    E.append(_e(
        id="csi2017-skin", experiments=[CSI17], quantity="neutron skin ΔR_np(CsI) from CsI 2017 = R_n − 4.78 fm",
        published=0.7, published_text="0.7 +0.9/−1.1", cl="1σ", unit="fm",
        dataset="2017 release, R_p(CsI) ≈ 4.78 fm (004:94)", source="004:96", tolerance=1.1,
        tolerance_why="different analysis of the same data: the published 1σ (lower side)",
        compute=lambda: centre(CSI17, "rn") - RP_CSI))
    sb = f"{CSI17}:analysis=single-bin"
    E.append(_e(
        id="csi2017-single-bin-rn", experiments=[sb], quantity="R_n(CsI), seed 003 single-bin χ²",
        published=5.64, published_text="5.64 +0.99/−1.2", cl="1σ", unit="fm",
        dataset="N_meas = 142, B_0n = 6, B_ss = 405, σ_a1 = 0.28, σ_a2 = 0.25 (003:275–277)", source="003:438",
        tolerance=0.5, tolerance_why="same data and χ²: half the published 1σ (upper side, 0.99/2)",
        compute=lambda: centre(sb, "rn")))
    E.append(_e(
        id="csi2017-single-bin-rn-1sigma", experiments=[sb], quantity="R_n(CsI) single-bin 1σ half-widths",
        published=[1.2, 0.99], published_text="−1.2/+0.99", cl="1σ", unit="fm",
        dataset="as above", source="003:438", kind="widths", tolerance=0.2,
        tolerance_why="interval widths: 20 % of each half-width",
        note="the seed's detector response (acceptance in T, no PE statistics) is not printed",
        compute=functools.partial(widths, sb, "rn", "1sigma")))
    # ---- COHERENT LAr (CENNS-10) ------------------------------------------------------------------------------
    lar_data = "CENNS-10 Analysis A release, profiled normalisations and shape nuisances"
    E.append(_e(
        id="lar-fit-events", experiments=[LAR], quantity="fitted CEvNS events (Analysis A)", published=159.0,
        published_text="159 ± 43", cl="1σ", unit="events", dataset=lar_data + "; cevns_norm free",
        source="004:384", tolerance=43.0, tolerance_why="fitted event count: the published 1σ",
        requires=((LAR, None),), compute=lambda: fitted_events(LAR)))
    E.append(_e(
        id="lar-xs-sm", experiments=[LAR], quantity="SM flux-averaged CEvNS cross section (Analysis A)",
        published=1.8, published_text="1.8 × 10⁻³⁹ cm²", cl="", unit="1e-39 cm²",
        dataset="flux-averaged over the three SNS spectra, full recoil integral, per ⁴⁰Ar nucleus, Helm",
        source="004:383", tolerance=0.05, tolerance_why="two printed digits: half a unit of the last",
        compute=lambda: cross_section(LAR, unit=1e-39)))
    E.append(_e(
        id="lar-xs-fit", experiments=[LAR], quantity="measured flux-averaged CEvNS cross section (Analysis A)",
        published=2.3, published_text="2.3 ± 0.7 × 10⁻³⁹ cm²", cl="1σ", unit="1e-39 cm²",
        dataset=lar_data + "; cevns_norm free, ours = norm × SM ⟨σ⟩", source="004:393", tolerance=0.7,
        tolerance_why="measured value: the published 1σ", requires=((LAR, None),),
        compute=lambda: cross_section(LAR, fitted=True, unit=1e-39)))
    E.append(_e(
        id="lar-significance", experiments=[LAR], quantity="CEvNS detection significance", published=3.0,
        published_text="> 3σ", cl="", unit="", dataset=lar_data + "; √(χ²(norm = 0) − χ²_min)",
        source="000:556", kind="min", tolerance=0.0, tolerance_why="published lower bound: ours ≥ 3σ",
        requires=((LAR, None),), compute=lambda: no_cevns_significance(LAR)))
    for level, pub, key in (("1sigma", 4.2, 1.0), ("2sigma", 6.2, 4.0)):
        E.append(_e(
            id=f"lar-rn-{level}", experiments=[LAR], quantity=f"R_n(⁴⁰Ar) upper limit ({level.replace('sigma', 'σ')})",
            published=pub, published_text=f"< {pub:g}", cl=level.replace("sigma", "σ"), unit="fm",
            dataset=lar_data + "; rn_ar free (2–8 fm), Δχ² ≤ " + f"{key:g}", source="001:373",
            tolerance=0.2, tol_rel=True, tolerance_why="upper limit: 20 %", requires=((LAR, "rn_ar"),),
            compute=functools.partial(upper_limit, LAR, "rn_ar", key, 2.0, 8.0, n=241)))
    E.append(_e(
        id="lar-rn-3sigma", experiments=[LAR], quantity="R_n(⁴⁰Ar) upper limit (3σ)", published=10.8,
        published_text="< 10.8", cl="3σ", unit="fm", dataset=lar_data + "; rn_ar free (2–14 fm), Δχ² ≤ 9",
        source="001:373", tolerance=0.2, tol_rel=True, tolerance_why="upper limit: 20 %", requires=((LAR, "rn_ar"),),
        note="our Δχ² curve is steeper at large radii than the published one (docs/physics/coherent-lar-2020.md); "
        "the seeds' 1-D energy χ² (coherent-lar-2020:analysis=energy-1d) gives 9.61",
        compute=functools.partial(upper_limit, LAR, "rn_ar", 9.0, 2.0, 14.0, n=241)))
    E.append(_e(
        id="lar-rn-90", experiments=[LAR], quantity="R_n(⁴⁰Ar) upper limit (90 % CL, Miranda et al.)",
        published=4.33, published_text="< 4.33", cl="90 %", unit="fm",
        dataset=lar_data + "; rn_ar free (2–8 fm), Δχ² ≤ 2.71", source="001:380", tolerance=0.2, tol_rel=True,
        tolerance_why="upper limit: 20 %", requires=((LAR, "rn_ar"),),
        compute=functools.partial(upper_limit, LAR, "rn_ar", DCHI2["90"], 2.0, 8.0, n=241)))
    E.append(_e(
        id="lar-rn-90-energy1d", experiments=[LAR + ":analysis=energy-1d"],
        quantity="R_n(⁴⁰Ar) upper limit (90 % CL), the seeds' 1-D energy χ²",
        published=4.33, published_text="< 4.33", cl="90 %", unit="fm",
        dataset="CENNS-10 released energydata1d.txt (steady-state subtracted), our CEvNS spectrum, CEvNS and BRN "
        "normalisations profiled (σ 17/128, 160/497), the χ² of Miranda et al. (JHEP 05 (2020) 130); rn_ar free "
        "(2–8 fm), Δχ² ≤ 2.71", source="001:380", tolerance=0.2, tol_rel=True,
        tolerance_why="upper limit: 20 %", requires=((LAR, "rn_ar"),),
        note="the default 3-D release likelihood (lar-rn-90) gives 4.89; docs/physics/coherent-lar-2020.md",
        compute=functools.partial(upper_limit, LAR + ":analysis=energy-1d", "rn_ar", DCHI2["90"], 2.0, 8.0, n=241)))
    # ---- Dresden-II ---------------------------------------------------------------------------------------------
    E.append(_e(
        id="dresden-cevns-preference", experiments=[DRESDEN], quantity="p-value of background only vs CEvNS",
        published=1.2e-3, published_text="p < 1.2 × 10⁻³ (\"strong preference\")", cl="", unit="",
        dataset="Rx-ON release, Fef QF, HMVE flux, reanalysis background model, cevns_norm free",
        source="000:149", kind="max", tolerance=0.0, tolerance_why="published upper bound on p: ours ≤ 1.2e-3",
        note="public release has Gaussian errors (stat ⊕ acceptance); epithermal background absorbs part of "
        "the excess; see docs/physics/dresden-ii.md", requires=((DRESDEN, None),), compute=dresden_p_value))
    d_note = ("the magnetic-moment terms rise as 1/T, so the limit is set by sub-threshold recoils that the 68.5-eV "
              "noise carries into the first bins: ours start the recoil integral at one e–h pair (nr_min=ion, as the "
              "public reanalysis code) and are 1.25–1.41 × the published ones; integrating from 10 meV "
              "(dresden-ii:nr_min=none) gives 2.15 for Fef but 0.76–0.85 × for the YBe rows: no single choice "
              "reproduces every row (docs/physics/dresden-ii.md)")
    for rid, opts, pub, src, what in (
            ("dresden-mu-nue-fef", "", 2.13, "000:1427", "Fef QF, HMVE, CEvNS + ES"),
            ("dresden-mu-nue-ybe", ":qf=ybe", 3.2, "002:240", "YBe QF, HMVE, CEvNS + ES"),
            ("dresden-mu-nue-ybe-cevns", ":qf=ybe,channels=cevns", 3.7, "002:240", "YBe QF, HMVE, CEvNS only"),
            ("dresden-mu-nue-ybe-efk", ":qf=ybe,flux=efk", 3.3, "002:240", "YBe QF, EFK, CEvNS + ES"),
            ("dresden-mu-nue-ybe-efk-cevns", ":qf=ybe,flux=efk,channels=cevns", 3.8, "002:240",
             "YBe QF, EFK, CEvNS only")):
        E.append(_e(
            id=rid, experiments=[DRESDEN + opts], quantity=f"|μ_νe| upper limit ({what})", published=pub,
            published_text=f"< {pub:g}", cl="90 %", unit="1e-10 μ_B", dataset=f"Dresden-II Rx-ON, {what}",
            source=src, tolerance=0.2, tol_rel=True, tolerance_why="upper limit: 20 %",
            requires=((DRESDEN, "mu_nu_e"),), note=d_note,
            compute=functools.partial(limit_abs, DRESDEN + opts, "mu_nu_e", DCHI2["90"], -100.0, 100.0)))
    # ---- XENONnT -------------------------------------------------------------------------------------------------
    E.append(_e(
        id="xenonnt-mu-eff", experiments=[XENON], quantity="effective magnetic moment μ_ν^eff upper limit",
        published=6.3, published_text="< 6.3", cl="90 %", unit="1e-12 μ_B",
        dataset="XENONnT ER 2022 (1.16 t·yr); collaboration limit, PRL 129, 161805 (seed 000:1469 gives LZ's "
        "6.2 from non-public spectra)", source="000:1469", tolerance=0.2, tol_rel=True,
        tolerance_why="upper limit: 20 %",
        note="we have the summed best-fit background shape with one normalisation; Δχ² = 2.71 at the μ = 0 "
        "boundary instead of their toy-calibrated test",
        requires=((XENON, "mu_nu_eff"),),
        compute=functools.partial(upper_limit, XENON, "mu_nu_eff", DCHI2["90"], 0.0, 50.0, n=1001)))
    E.append(_e(
        id="xenonnt-mu-nue", experiments=[XENON], quantity="|μ_νe| upper limit (solar ν_e beam, effective moment)",
        published=0.063, published_text="< 0.063", cl="90 %", unit="1e-10 μ_B",
        dataset="XENONnT ER 2022; mu_nu_e labels the production flavour (seed 002:202), so on the solar flux it is "
        "the collaboration's μ_ν^eff (option moment=effective, the default)", source="000:1469", tolerance=0.3,
        tol_rel=True, tolerance_why="upper limit: 30 % (the issue's acceptance)",
        note="the same quantity as xenonnt-mu-eff in 1e-10 μ_B", requires=((XENON, "mu_nu_e"),),
        compute=functools.partial(limit_abs, XENON, "mu_nu_e", DCHI2["90"], -0.5, 0.5, n=2001)))
    # ---- future setups -------------------------------------------------------------------------------------------
    E.append(_e(
        id="future-coh-ar-750-rate", experiments=["future-coh-ar-750"], quantity="COH-Ar-750 CEvNS per year",
        published=3000.0, published_text="3000", cl="", unit="events/yr",
        dataset="610 kg fiducial ⁴⁰Ar, 20 keVnr, 100 %, 27.5 m, 365.25 d at the 2017 SNS flux (our choices)",
        source="000:605", tolerance=0.1, tol_rel=True,
        tolerance_why="setup only partly given (threshold, beam year unknown): 10 %",
        note="our year is 365.25 live days; COHERENT's SNS-year (001:822) is ≈ 5000 beam hours, scaled to it "
        "and 1.4 MW ≈ 3100 (docs/physics/future-setups.md)",
        requires=(("future-coh-ar-750", None),), compute=lambda: future_per_year("future-coh-ar-750")))
    E.append(_e(
        id="future-coherent-csi-current", experiments=["future-coherent-csi"],
        quantity="COHERENT CsI current setup (seed 003 table): CEvNS events", published=173.0,
        published_text="173 ± 48", cl="1σ", unit="events",
        dataset="Asimov setup of 003:250 (14.57 kg, 5 keVnr, 2017 acceptance, 308.1 d, 19.3 m)",
        source="003:250", tolerance=0.1, tol_rel=True,
        tolerance_why="setup only partly given (the table's efficiency is \"Eq. (??)\"): 10 %",
        note="published number: the 2017 collaboration prediction (001:204)",
        requires=(("future-coherent-csi", None),), compute=lambda: sm_events("future-coherent-csi")))
    # ---- APV(Cs) and CsI 2021 + APV(Cs) (H9, H10, H29; sin²θ_W table 000:245–251) ------------------------------
    E.append(_e(
        id="apv-qw-exp", experiments=[APV], quantity="Q_W^exp(¹³³Cs) from APV (PDG inputs)", published=-72.82,
        published_text="−72.82(42)", cl="1σ", unit="",
        dataset="Im(E_PNC/β) = −1.5924(55) mV/cm, β = 27.064(33) a_B³ (PDG2020), Im E_PNC = 0.8977(40) (Dzuba et "
        "al. 2012, with its skin term for ΔR_np = 0.13 fm, 000:844)", source="000:815", tolerance=0.21,
        tolerance_why="a central value extracted from the same inputs: half the published 1σ",
        requires=((APV, None),), compute=apv_qw_exp))
    E.append(_e(
        id="apv-sin2w-from-qw", experiments=[APV], quantity="sin²θ_W from APV alone, Q_W = −72.58(29)(32)",
        published=0.2356, published_text="0.2356(20)", cl="1σ", unit="",
        dataset="Q_W^th(sin²θ_W) with the radiative corrections of 000:802 (Q_W^SM = −73.23 at 0.23857) solved for "
        "the printed Q_W^exp", source="004:726", tolerance=0.001,
        tolerance_why="a central value from the same input and formula: half the published 1σ",
        requires=((APV, None),), compute=apv_sin2w_from_qw))
    sw_tab = "sin²θ_W free, R_n(Cs) = 5.09, R_n(I) = 5.03 fm (nuclear models, 000:915)"
    for rid, exp, exps, label, best, tol, w, chi, line in (
            ("apv-pdg-sin2w", APV, [APV], "APV PDG", 0.2375, 0.00095, [0.0019, 0.0031, 0.0038], None, 248),
            ("apv2021-sin2w", APV21, [APV21], "APV 2021", 0.2399, 0.0008, [0.0016, 0.0026, 0.0032], None, 249),
            ("csi-apv-pdg-sin2w", CSI_APV, [CSI, APV], "APV PDG + CsI", 0.2374, 0.0010, [0.0020, 0.0032, 0.0039],
             86.0, 250),
            ("csi-apv2021-sin2w", CSI_APV21, [CSI, APV21], "APV 2021 + CsI", 0.2398, 0.0008,
             [0.0016, 0.0026, 0.0032], 86.0, 251)):
        data = f"{label}: {' + '.join(exps)}; {sw_tab}" + (
            "; APV 2021 = Im E_PNC 0.8930(27) of Sahoo et al. 2021 (not printed in the seeds, "
            "docs/physics/apv-cs.md)" if "2021" in label else "")
        E.append(_e(
            id=rid, experiments=exps, quantity=f"sin²θ_W best fit, {label}", published=best,
            published_text=f"{best:g} +{w[0]:g}", cl="1σ", dataset=data, source=f"000:{line}", tolerance=tol,
            tolerance_why=f"same data and χ²: half the published 1σ ({w[0]:g}/2)",
            requires=((APV, None),), compute=functools.partial(centre, exp, "sin2w")))
        E.append(_e(
            id=f"{rid}-widths", experiments=exps, quantity=f"sin²θ_W +1σ/+90 %/+2σ half-widths, {label}",
            published=w, published_text="/".join(f"+{x:g}" for x in w), cl="1σ, 90 %, 2σ", dataset=data,
            source=f"000:{line}", kind="widths", tolerance=0.2, tolerance_why="interval widths: 20 % of each",
            requires=((APV, None),), compute=functools.partial(plus_widths, exp, "sin2w")))
        if chi is not None:
            E.append(_e(
                id=f"{rid}-chi2", experiments=exps, quantity=f"χ²_min of the sin²θ_W fit, {label}", published=chi,
                published_text=f"{chi:g}", cl="", dataset=data, source=f"000:{line}", tolerance=2.0,
                tolerance_why="same χ² on the same data: 2 units",
                note="the APV term is ≈ 0 at the minimum: the offset is CsI's alone (csi2021-sin2w-chi2); " + _TIMING,
                requires=((APV, None),), compute=lambda e=exp: fit_result(e, ("sin2w",))["chi2_min"]))
    # H9: R_n (common CsI) and sin²θ_W free; H10: R_n(Cs), R_n(I) free
    for tag, exp, exps, line, rows, chi in (
            ("pdg", CSI_APV, [CSI, APV], 974, (("rn", 5.4, 0.4, 0.5, "fm"), ("sin2w", 0.2397, 0.0032, 0.0033, "")),
             85.2),
            ("2021", CSI_APV21, [CSI, APV21], 980, (("rn", 5.5, 0.4, 0.4, "fm"),
                                                   ("sin2w", 0.2423, 0.0029, 0.0032, "")), 85.1)):
        free = ("rn", "sin2w")
        data = f"CsI 2021 + APV(Cs) ({tag}), χ² = χ²_C + APV term (000:920), R_n(CsI) (= R_n(Cs) in APV) and " \
            "sin²θ_W free"
        for name, best, em, ep, unit in rows:
            sym = "R_n(CsI)" if name == "rn" else "sin²θ_W"
            E.append(_e(
                id=f"csi-apv{tag}-2d-{name}", experiments=exps, quantity=f"{sym}, R_n and sin²θ_W free, APV {tag}",
                published=best, published_text=f"{best:g} +{ep:g}/−{em:g}", cl="1σ", unit=unit, dataset=data,
                source=f"000:{line}", tolerance=(em / 2, ep / 2),
                tolerance_why="same data and χ²: half the published 1σ on each side",
                requires=((APV, None),), compute=functools.partial(centre, exp, name, free=free)))
            E.append(_e(
                id=f"csi-apv{tag}-2d-{name}-1sigma", experiments=exps,
                quantity=f"{sym} 1σ interval half-widths, R_n and sin²θ_W free, APV {tag}", published=[em, ep],
                published_text=f"−{em:g}/+{ep:g}", cl="1σ", unit=unit, dataset=data, source=f"000:{line}",
                kind="widths", tolerance=0.2, tolerance_why="interval widths: 20 % of each half-width",
                requires=((APV, None),), compute=functools.partial(widths, exp, name, "1sigma", free=free)))
        E.append(_e(
            id=f"csi-apv{tag}-2d-chi2", experiments=exps, quantity=f"χ²_min, R_n and sin²θ_W free, APV {tag}",
            published=chi, published_text=f"{chi:g}", cl="", dataset=data, source=f"000:{line}", tolerance=2.0,
            tolerance_why="same χ² on the same data: 2 units", note="CsI's offset (csi2021-rn-chi2); " + _TIMING,
            requires=((APV, None),), compute=lambda e=exp, f=free: fit_result(e, f)["chi2_min"]))
    for tag, exp, exps, line, rows, chi in (
            ("pdg", CSI_APV, [CSI, APV], 913, (("rn_cs", 5.29, 0.34, 0.31), ("rn_i", 5.6, 0.8, 1.0)), 85.2),
            ("2021", CSI_APV21, [CSI, APV21], 935, (("rn_cs", 4.85, 0.25, 0.30), ("rn_i", 6.0, 0.9, 0.9)), 85.3)):
        free = ("rn_cs", "rn_i")
        data = f"CsI 2021 + APV(Cs) ({tag}), R_n(Cs) and R_n(I) free, sin²θ_W = 0.23857 (the seed: 0.23863)"
        for name, best, em, ep in rows:
            sym = {"rn_cs": "R_n(Cs)", "rn_i": "R_n(I)"}[name]
            E.append(_e(
                id=f"csi-apv{tag}-{name}", experiments=exps, quantity=f"{sym}, R_n(Cs) and R_n(I) free, APV {tag}",
                published=best, published_text=f"{best:g} +{ep:g}/−{em:g}", cl="1σ", unit="fm", dataset=data,
                source=f"000:{line}", tolerance=(em / 2, ep / 2),
                tolerance_why="same data and χ²: half the published 1σ on each side",
                requires=((APV, None),), compute=functools.partial(centre, exp, name, free=free)))
            E.append(_e(
                id=f"csi-apv{tag}-{name}-1sigma", experiments=exps,
                quantity=f"{sym} 1σ interval half-widths, R_n(Cs) and R_n(I) free, APV {tag}", published=[em, ep],
                published_text=f"−{em:g}/+{ep:g}", cl="1σ", unit="fm", dataset=data, source=f"000:{line}",
                kind="widths", tolerance=0.2, tolerance_why="interval widths: 20 % of each half-width",
                requires=((APV, None),), compute=functools.partial(widths, exp, name, "1sigma", free=free)))
        E.append(_e(
            id=f"csi-apv{tag}-rn-cs-i-chi2", experiments=exps, quantity=f"χ²_min, R_n(Cs) and R_n(I) free, APV {tag}",
            published=chi, published_text=f"{chi:g}", cl="", dataset=data, source=f"000:{line}", tolerance=2.0,
            tolerance_why="same χ² on the same data: 2 units", note="CsI's offset (csi2021-rn-chi2); " + _TIMING,
            requires=((APV, None),), compute=lambda e=exp, f=free: fit_result(e, f)["chi2_min"]))
    # ---- transition magnetic moments, seed 003 table (H27) -----------------------------------------------------
    tmm_rows = (("CsI[Na]", "SNS prompt", "future-coherent-csi", "prompt", (69.2, 70.2, 89.6), (5.0, 5.1, 6.4), 350),
                ("HPGe", "SNS prompt", "future-coherent-hpge", "prompt", (25.9, 26.2, 33.5), (5.1, 5.2, 6.6), 351),
                ("LAr", "SNS prompt", "future-coherent-lar", "prompt", (14.7, 14.9, 19.1), (2.9, 2.9, 3.7), 352),
                ("NaI[Tl]", "SNS prompt", "future-coherent-nai", "prompt", (16.6, 16.8, 21.5), (2.8, 2.8, 3.6), 353),
                ("CsI[Na]", "SNS delayed", "future-coherent-csi", "delayed", (54.5, 48.7, 49.8), (4.2, 3.7, 3.7),
                 355),
                ("HPGe", "SNS delayed", "future-coherent-hpge", "delayed", (21.3, 18.9, 19.1), (4.2, 3.8, 3.8), 356),
                ("LAr", "SNS delayed", "future-coherent-lar", "delayed", (11.3, 10.1, 10.4), (2.3, 2.1, 2.1), 357),
                ("NaI[Tl]", "SNS delayed", "future-coherent-nai", "delayed", (10.0, 9.1, 9.4), (2.3, 2.0, 2.0), 358),
                ("CONUS", "reactor", "future-conus", None, (1.9, 1.3, 1.1), (0.37, 0.26, 0.22), 360),
                ("CONNIE", "reactor", "future-connie", None, (0.90, 0.63, 0.53), (0.13, 0.09, 0.08), 361),
                ("MINER", "reactor", "future-miner", None, (1.7, 1.2, 1.0), (0.58, 0.41, 0.34), 362),
                ("TEXONO", "reactor", "future-texono", None, (3.2, 2.3, 1.9), (0.46, 0.32, 0.27), 363),
                ("RED100", "reactor", "future-red100", None, (1.0, 0.72, 0.61), (0.14, 0.10, 0.08), 364))
    tmm_why = {
        ("CsI[Na]", "current"): "first-phase χ² of 003:273–277 on the measured 142 events (B_0n = 6, B_ss = 405, pulls "
        "σ_a1 = 0.28, σ_a2 = 0.25 profiled as the seed's min over a1, a2); efficiency 'Eq. (??)' read as the 2017 "
        "release acceptance",
        ("CONUS", None): "in-row ratios Λ1:Λ2:Λ3 agree to 2 % (the projection is right); thresholds read as "
        "electron-equivalent (Lindhard); ours 0.78–0.82 of the seed against 0.87–0.91 for TEXONO: the CONUS/TEXONO "
        "flux ratio the paper used (2.4 from its own future rows) differs from the thermal powers here (3.65) and "
        "003 does not print its fluxes (docs/physics/future-setups.md)",
        ("TEXONO", None): "as CONUS: in-row ratios agree; electron-equivalent threshold",
        ("CONNIE", None): "as CONUS: in-row ratios agree; electron-equivalent threshold",
        ("MINER", "future"): "the seed's future MINER row is inconsistent with its own configuration table "
        "(docs/physics/future-setups.md)",
        ("RED100", "future"): "the seed's future RED100 (7× better for 20× exposure) is impossible in any Poisson "
        "scaling (×2.1 expected)"}
    for label, group, name, beam, cur, fut, line in tmm_rows:
        for config, pub in (("current", cur), ("future", fut)):
            from .experiments.future import tmm_seed_options

            extra = tmm_seed_options(name, config, beam)
            first_phase = "sys=off" not in extra  # the first-phase CsI χ², pulls profiled (003:273–277)
            exp = f"{name}:{','.join([f'config={config}'] + ([f'beam={beam}'] if beam else []) + extra)}"
            short = label.split("[")[0].lower()
            why = tmm_why.get((label, config), tmm_why.get((label, None), ""))
            E.append(_e(
                id=f"tmm-{short}-{beam or 'reactor'}-{config}", experiments=[exp],
                quantity=f"TMM |Λ_1|, |Λ_2|, |Λ_3| upper limits, {group} {label} ({config})", published=list(pub),
                published_text=", ".join(f"{x:g}" for x in pub) if config == "current" else
                "[" + ", ".join(f"{x:g}" for x in pub) + "]", cl="90 %", unit="1e-10 μ_B", kind="values",
                dataset=(f"setup of 003:249–260 ({config}) with the first-phase χ² of 003:273–277 on the measured "
                         "142 events (pulls a1, a2 profiled; all SNS sources' SM CEvNS in N, the TMM signal of the "
                         "beam only, sm=all), model tmm, one Λ_i at a time" if first_phase else
                         f"Asimov setup of 003:249–260 ({config}), model tmm, one Λ_i at a time; statistics-only "
                         "variant of the χ² of 003:280 (nuisance a held at 0, sys=off" + (
                             "; all SNS sources' SM CEvNS in N, the TMM signal of the beam only, sm=all" if beam
                             else "") +
                         "), the reading the seed's numbers follow (they scale as exposure^−1/4; the printed χ² with "
                         "a profiled saturates, docs/physics/future-setups.md)"),
                source=f"003:{line}", tolerance=0.2, tolerance_why="upper limits: 20 % on each",
                requires=((name, None),), note=why,
                compute=functools.partial(tmm_row, exp)))
    return E


ENTRIES: list[Entry] = _build_entries()


def entry_ids() -> list[str]:
    return [e.id for e in ENTRIES]


def select(only=None, include_slow=False, entries=None) -> list[Entry]:
    """Entries chosen by id (``only``; each must exist) or all non-slow ones (all with ``include_slow``)."""
    entries = ENTRIES if entries is None else entries
    if only:
        by_id = {e.id: e for e in entries}
        missing = [i for i in only if i not in by_id]
        if missing:
            import difflib

            hints = [difflib.get_close_matches(m, list(by_id), n=1) for m in missing]
            hint = "; ".join(f"'{m}'" + (f" (did you mean '{h[0]}'?)" if h else "") for m, h in zip(missing, hints))
            raise ConfigError(f"validate: unknown entry id {hint}; see cevns validate --list")
        return [by_id[i] for i in dict.fromkeys(only)]
    return [e for e in entries if include_slow or not e.slow]


# -- running and comparing -------------------------------------------------------------------------------------
def _missing_requirement(entry: Entry) -> str | None:
    from .experiments import EXPERIMENTS, experiment_class

    for exp, par in entry.requires:
        name = exp.split(":")[0]
        if name not in EXPERIMENTS:
            return f"experiment '{name}' is not registered in this build"
        if par is not None:
            try:
                params = experiment_class(name).parameters
            except Exception as exc:  # noqa: BLE001 - a half-written experiment module
                return f"experiment '{name}' cannot be loaded ({type(exc).__name__}: {exc})"
            if par not in params:
                return f"experiment '{name}' has no parameter '{par}' yet"
    return None


def _compare(entry: Entry, ours):
    pub = entry.published
    if entry.kind in ("widths", "values"):
        if len(ours) != len(pub):
            raise ValueError(f"{len(ours)} numbers computed for {len(pub)} published")
        diff = [o - p for o, p in zip(ours, pub)]
        ok = all(abs(d) <= entry.tolerance * p for d, p in zip(diff, pub))
        return diff, ok
    if entry.kind == "bounds":
        diff = [o - p for o, p in zip(ours, pub)]
        return diff, all(abs(d) <= entry.tolerance for d in diff)
    diff = float(ours) - float(pub)
    if entry.kind == "min":
        return diff, float(ours) >= float(pub)
    if entry.kind == "max":
        return diff, float(ours) <= float(pub)
    if isinstance(entry.tolerance, tuple):
        return diff, bool(-entry.tolerance[0] <= diff <= entry.tolerance[1])
    tol = entry.tolerance * abs(float(pub)) if entry.tol_rel else entry.tolerance
    return diff, bool(abs(diff) <= tol)


def _clean(x):
    if isinstance(x, (list, tuple, np.ndarray)):
        return [_clean(v) for v in x]
    if isinstance(x, (np.floating, np.integer)):
        return x.item()
    return x


def run_entry(entry: Entry) -> dict:
    """Compute and compare one entry; errors become a failed entry with the error in ``note``."""
    out = {
        "id": entry.id, "experiments": list(entry.experiments), "quantity": entry.quantity,
        "published": _clean(entry.published), "published_text": entry.published_text, "ours": None,
        "difference": None, "pass": None, "status": "", "tolerance": entry.tolerance_text(),
        "tolerance_why": entry.tolerance_why, "unit": entry.unit, "cl": entry.cl, "dataset": entry.dataset,
        "source": entry.source, "slow": entry.slow, "note": entry.note, "seconds": 0.0,
    }
    why = _missing_requirement(entry)
    if why:
        out.update(status="skipped", note=f"skipped: {why}" + (f"; {entry.note}" if entry.note else ""))
        return out
    t0 = time.perf_counter()
    try:
        res = entry.compute()
        extra = ""
        if isinstance(res, tuple) and len(res) == 2 and isinstance(res[1], str):
            res, extra = res
        ours = _clean(res)
        vals = ours if isinstance(ours, list) else [ours]
        if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in vals):
            raise ValueError(f"non-finite result {ours!r}")
        diff, ok = _compare(entry, ours)
        out.update(ours=ours, difference=_clean(diff), status="pass" if ok else "fail")
        out["pass"] = bool(ok)
        if extra:
            out["note"] = f"{extra}; {out['note']}" if out["note"] else extra
    except Exception as exc:  # noqa: BLE001 - one broken entry must not stop the others
        out.update(status="error", note=f"error: {type(exc).__name__}: {exc}")
        out["pass"] = False
    out["seconds"] = round(time.perf_counter() - t0, 3)
    return out


def run(only=None, include_slow=False, progress=None, entries=None) -> list[dict]:
    """Run the selected entries (see :func:`select`) and return their result dicts in registry order."""
    results = []
    for e in select(only, include_slow, entries):
        r = run_entry(e)
        results.append(r)
        if progress is not None:
            progress(r)
    return results


def summary(results) -> dict:
    n_pass = sum(r["status"] == "pass" for r in results)
    n_fail = sum(r["status"] in ("fail", "error") for r in results)
    n_skip = sum(r["status"] == "skipped" for r in results)
    done = n_pass + n_fail
    return {
        "entries": len(results), "passed": n_pass, "failed": n_fail, "skipped": n_skip,
        "pass_fraction": (n_pass / done) if done else None,
        "experiments": sorted({x.split(":")[0] for r in results for x in r["experiments"]}),
        "seconds": round(sum(r["seconds"] for r in results), 1),
    }


# -- formatting ------------------------------------------------------------------------------------------------
def fmt(x, digits=4) -> str:
    if x is None:
        return "—"
    if isinstance(x, list):
        return "[" + ", ".join(fmt(v, digits) for v in x) + "]"
    if isinstance(x, bool):
        return str(x)
    x = float(x)
    if x != 0 and (abs(x) < 1e-3 or abs(x) >= 1e5):
        return f"{x:.{digits - 1}e}"
    return f"{x:.{digits}g}"


def _ours_text(r) -> str:
    o = r["ours"]
    if o is None:
        return "—"
    if isinstance(o, list) and len(o) == 2 and "widths" in r["quantity"] and "+" not in r["quantity"]:
        return f"−{fmt(o[0], 3)}/+{fmt(o[1], 3)}"
    if isinstance(o, list) and "widths" in r["quantity"]:
        return "/".join(f"+{fmt(x, 3)}" for x in o)
    return fmt(o)



def _published_with_unit(r) -> str:
    """The published text with the entry's unit, unless the text already ends in it (e.g. "… × 10⁻⁴⁰ cm²" with the
    unit "1e-40 cm²")."""
    text, unit = r["published_text"], r["unit"]
    if not unit or text.rstrip().endswith(unit.split()[-1]):
        return text
    return f"{text} {unit}"

def format_table(results) -> str:
    """Plain-text table for the terminal."""
    head = ("id", "published", "ours", "difference", "tolerance", "pass")
    rows = [(r["id"], _published_with_unit(r), _ours_text(r),
             fmt(r["difference"], 3), r["tolerance"], {"pass": "PASS", "fail": "FAIL", "error": "ERROR",
                                                        "skipped": "skip"}[r["status"]]) for r in results]
    w = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    lines = ["  ".join(str(x).ljust(n) for x, n in zip(head, w)), "  ".join("-" * n for n in w)]
    lines += ["  ".join(str(x).ljust(n) for x, n in zip(row, w)) for row in rows]
    s = summary(results)
    frac = f"{s['pass_fraction']:.0%}" if s["pass_fraction"] is not None else "—"
    lines.append(f"\n{s['passed']} passed, {s['failed']} failed, {s['skipped']} skipped of {s['entries']} "
                 f"({frac} of those computed) over {len(s['experiments'])} experiments in {s['seconds']} s")
    for r in results:
        if r["status"] in ("fail", "error", "skipped") and r["note"]:
            lines.append(f"  {r['id']}: {r['note']}")
    return "\n".join(lines)


def machine_description() -> str:
    cores = os.cpu_count()
    try:
        aff = len(os.sched_getaffinity(0))
    except AttributeError:
        aff = cores
    return (f"{platform.machine()}, {platform.system()} {platform.release()}, {aff} of {cores} cores, "
            f"Python {platform.python_version()}, numpy {np.__version__}")


def _git_commit() -> str:
    try:
        here = os.path.dirname(os.path.abspath(__file__))
        return subprocess.run(["git", "-C", here, "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, timeout=5).stdout.strip() or "unknown"
    except Exception:  # noqa: BLE001
        return "unknown"


def _md(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def to_markdown(results, date: str | None = None, machine: str | None = None, command: str = "") -> str:
    """The markdown page (committed as docs/validation.md): summary, table, failures, skipped, policy."""
    date = date or datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    machine = machine or machine_description()
    s = summary(results)
    frac = f"{s['pass_fraction']:.0%}" if s["pass_fraction"] is not None else "—"
    out = [
        "# Validation: published numbers reproduced by `cevns validate`",
        "",
        f"Generated {date} on {machine}, commit {_git_commit()}"
        + (f", by `{command}`" if command else "") + ".",
        "",
        f"**{s['passed']} passed, {s['failed']} failed, {s['skipped']} skipped** of {s['entries']} entries "
        f"({frac} of the computed ones pass) over {len(s['experiments'])} experiments "
        f"({', '.join(s['experiments'])}); total {s['seconds']} s.",
        "",
        "Sources are seed transcript lines `FILE:LINE` (`shared/seeds/`, collected in "
        "`shared/reference/seed-benchmarks.md`). Interval entries compare the half-widths −minus/+plus. "
        "Regenerate with `cevns validate --write-md docs/validation.md` (add `--all` for the slow entries).",
        "",
        "| id | quantity | experiments | published | ours | difference | tolerance | pass | source |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    mark = {"pass": "✅ pass", "fail": "❌ FAIL", "error": "❌ ERROR", "skipped": "skipped"}
    for r in results:
        pub = _published_with_unit(r) + (f" ({r['cl']})" if r["cl"] else "")
        out.append("| " + " | ".join(_md(x) for x in (
            f"`{r['id']}`", r["quantity"], ", ".join(r["experiments"]), pub, _ours_text(r),
            fmt(r["difference"], 3), r["tolerance"], mark[r["status"]], r["source"])) + " |")
    fails = [r for r in results if r["status"] in ("fail", "error")]
    out += ["", "## Failures and their reasons (as far as known)", ""]
    out += [f"- `{r['id']}` ({r['quantity']}): published {r['published_text']}, ours {_ours_text(r)}. "
            f"{_md(r['note']) or 'Reason not known.'}" for r in fails] or ["None."]
    skipped = [r for r in results if r["status"] == "skipped"]
    out += ["", "## Skipped", ""]
    out += [f"- `{r['id']}`: {_md(r['note'])}" for r in skipped] or ["None."]
    out += ["", "## Entries: data, assumptions and tolerances", ""]
    for r in results:
        out.append(f"- `{r['id']}` — {_md(r['dataset'])}. Tolerance {r['tolerance']}: {_md(r['tolerance_why'])}."
                   + (f" Note: {_md(r['note'])}." if r["note"] and r["status"] == "pass" else "")
                   + f" ({r['seconds']} s)")
    out += ["", "## Tolerance policy", "", __doc__.split("stated per entry in ``tolerance`` and explained in "
                                                      "``docs/validation.md``:")[1].split("A tolerance is")[0]
            .replace("``", "`").strip(),
            "", "A tolerance is never widened to make an entry pass; a failure stays listed with its reason.", ""]
    return "\n".join(out)


def to_json(results) -> str:
    return json.dumps(results, indent=1, ensure_ascii=False)
