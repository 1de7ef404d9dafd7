"""Fits: minimise the profiled χ² over free parameters and report Δχ² intervals.

Intervals are the points where the profiled Δχ² crosses 1 (68.27 %), 2.706 (90 %) and 4 (95.45 %) for one
parameter of interest (Wilks); with several free parameters each interval profiles over the others.
``interval_*`` is the connected interval that holds the best fit; ``regions_*`` lists every connected region of
Δχ² ≤ level found on the search grid (e.g. the second solution where a new interaction flips the weak charge).
"""

from __future__ import annotations

import numpy as np
from scipy import optimize

from .errors import FitError
from .params import PARAMETERS
from .registry import make_likelihood

__all__ = ["fit", "LEVELS"]

LEVELS = {"1sigma": 1.0, "90": 2.705543454095404, "2sigma": 4.0}


def _crossing(f, x0, x1, level):
    """Root of f(x) = level between x0 and x1 (f − level changes sign there), to 1e-9 of the bracket: parameters
    live on scales from 1e-7 (a light Z' coupling) to 10 (radii), so no absolute tolerance fits all."""
    return optimize.brentq(lambda x: f(x) - level, x0, x1, xtol=1e-9 * abs(x1 - x0), rtol=1e-12)


def _walk_crossing(excess, xs, chis, chi_min, best_x, order, level):
    """First crossing of ``level`` walking from the best fit over the grid indices ``order``; None if none."""
    inner, inner_val = best_x, min(excess(best_x), 0.0)
    for i in order:
        x = xs[i]
        # The grid profile lies above the true one: below the level there, the true profile is too.
        if chis[i] - chi_min <= level:
            inner, inner_val = x, None
            continue
        val = excess(x)
        if val <= level:
            inner, inner_val = x, val
            continue
        if inner_val is None:
            inner_val = excess(inner)
        if inner_val > level:  # the inner minimiser disagreed with the grid: step back onto the grid profile
            return float(x)
        return _crossing(excess, min(x, inner), max(x, inner), level)
    return None


def _interval(profile, xs, chis, best_x, chi_min, level):
    """[lo, hi] where profile(x) − χ²_min = level; range edges where it is not crossed.

    ``chis`` is the profile on the grid ``xs`` (exact in 1D; in several dimensions the minimum over a grid of the
    other parameters, which can only lie above the true profile). It is used to skip points cheaply: a crossing is
    accepted only once the true ``profile`` exceeds the level, and then located with brentq between that point and
    the last point known to lie below.
    """

    def excess(x):
        return profile(x) - chi_min

    left = [i for i in range(len(xs) - 1, -1, -1) if xs[i] < best_x]
    right = [i for i in range(len(xs)) if xs[i] > best_x]
    lo = _walk_crossing(excess, xs, chis, chi_min, best_x, left, level)
    hi = _walk_crossing(excess, xs, chis, chi_min, best_x, right, level)
    return [float(xs[0] if lo is None else lo), float(xs[-1] if hi is None else hi)]


def _regions(profile, xs, prof, chi_min, level, main):
    """Every connected region of Δχ² ≤ level, sorted: ``main`` (the interval holding the best fit, from
    :func:`_interval`) plus each run of grid points below the level that lies outside it, its ends refined with brentq
    on the true ``profile`` where it crosses between grid points (a range edge is kept as is)."""

    def excess(x):
        return profile(x) - chi_min

    below = np.asarray(prof) - chi_min <= level
    out = [list(main)]
    n = len(xs)
    i = 0
    while i < n:
        if not below[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and below[j + 1]:
            j += 1
        if xs[j] < main[0] or xs[i] > main[1]:
            ends = []
            for inside, outside in ((i, i - 1), (j, j + 1)):
                if outside < 0 or outside >= n:
                    ends.append(float(xs[inside]))
                    continue
                a, b = sorted((xs[inside], xs[outside]))
                if (excess(a) - level) * (excess(b) - level) < 0.0:
                    ends.append(_crossing(excess, a, b, level))
                else:
                    ends.append(float(xs[inside]))
            out.append(sorted(ends))
        i = j + 1
    return sorted(out)


def fit(experiments: str, free, model: str = "sm", fixed=None, n_grid: int = 241) -> dict:
    """Best fit, 1σ / 90 % / 2σ intervals and χ²_min of the profiled χ² over ``free`` parameters.

    Returns a dict: ``best`` and ``search_range`` (name → value, [lo, hi]); ``chi2_min``; ``nuisances`` at the best
    fit; for each level in LEVELS (``1sigma``, ``90``, ``2sigma``) ``interval_<level>`` (name → [lo, hi], the
    connected region holding the best fit; an end equal to the search range means "not bounded there") and
    ``regions_<level>`` (name → every connected region of Δχ² ≤ level, sorted). Among exactly degenerate minima
    the parameter's default (SM) value is reported; an even χ² reports its non-negative minimum."""
    free = list(free)
    if not free:
        raise FitError("fit: give at least one free parameter (--free NAME)")
    lik = make_likelihood(experiments, model, fixed or {}, free)
    ranges = [(PARAMETERS[n].lo, PARAMETERS[n].hi) for n in free]

    def chi2_at(x):
        return float(lik.evaluate(np.asarray(x, dtype=float)[None, :])[0][0])

    # Coarse grid (vectorised), then a local minimiser.
    n_side = n_grid if len(free) == 1 else max(11, int(round(20000 ** (1.0 / len(free)))))
    axes = [np.linspace(lo, hi, n_side) for lo, hi in ranges]
    mesh = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, len(free))
    chis = lik.evaluate(mesh)[0]
    if not np.all(np.isfinite(chis)):
        raise FitError("fit: the χ² is not finite on part of the search range")
    start = mesh[int(np.argmin(chis))]
    steps = np.array([(hi - lo) / (n_side - 1) for lo, hi in ranges])
    bounds = [(max(lo, s - 2 * st), min(hi, s + 2 * st)) for (lo, hi), s, st in zip(ranges, start, steps)]
    if len(free) == 1:
        res = optimize.minimize_scalar(lambda x: chi2_at([x]), bounds=bounds[0], method="bounded",
                                       options={"xatol": min(1e-8, 1e-7 * steps[0])})
        best = np.array([res.x])
        # A χ² even in the parameter (magnetic moments, transition radii) has mirror minima: report the one ≥ 0.
        if best[0] < 0.0 and ranges[0][0] <= -best[0] <= ranges[0][1] and chi2_at(-best) <= res.fun + 1e-9:
            best = -best
        # Degenerate minima (an Asimov data set is fitted exactly by the SM and, e.g., by the charge radius that
        # flips the weak charge): among equally good points report the parameter's default (SM) value.
        default = PARAMETERS[free[0]].default
        if (default is not None and ranges[0][0] <= default <= ranges[0][1] and best[0] != default
                and chi2_at([default]) <= res.fun + 1e-9):
            best = np.array([float(default)])
    else:
        # Nelder–Mead in coordinates scaled by each search range (xatol is absolute; scales differ by 1e8).
        span = np.array([hi - lo for lo, hi in ranges])
        unit_bounds = [(lo / w, hi / w) for (lo, hi), w in zip(ranges, span)]
        res = optimize.minimize(lambda y: chi2_at(y * span), start / span, method="Nelder-Mead",
                                bounds=unit_bounds,
                                options={"xatol": 1e-8, "fatol": 1e-9, "maxiter": 4000})
        if not res.success:
            raise FitError(f"fit: minimiser did not converge ({res.message})")
        best = res.x * span
    chi_min = chi2_at(best)
    _, eta = lik.evaluate(best[None, :])
    status = getattr(lik, "last_status", np.zeros(1, dtype=int))
    if np.any(status != 0):
        raise FitError("fit: nuisance profiling did not converge at the best-fit point")

    out = {
        "experiments": experiments, "model": model, "free": free, "fixed": dict(fixed or {}),
        "best": {n: float(v) for n, v in zip(free, best)},
        "search_range": {n: [float(lo), float(hi)] for n, (lo, hi) in zip(free, ranges)},
        "chi2_min": chi_min,
        "nuisances": {n: float(v) for n, v in zip(lik.nuisance_names, eta[0])},
    }
    for label, level in LEVELS.items():
        out[f"interval_{label}"] = {}
        out[f"regions_{label}"] = {}
    for k, name in enumerate(free):
        xs = axes[k]
        if len(free) == 1:
            def profile(x):
                return chi2_at([x])
            prof = chis
        else:
            others = [j for j in range(len(free)) if j != k]
            grid = chis.reshape([n_side] * len(free))
            moved = np.moveaxis(grid, k, 0).reshape(n_side, -1)
            prof = moved.min(axis=1)
            # Best grid point of the other parameters at each grid value of this one: a second start for the
            # inner minimiser, so the profile never lies above the grid profile (long, narrow valleys).
            other_axes = [axes[j] for j in others]
            other_mesh = np.stack(np.meshgrid(*other_axes, indexing="ij"), axis=-1).reshape(-1, len(others))
            grid_start = other_mesh[moved.argmin(axis=1)]

            def profile(x, k=k, others=others, grid_start=grid_start, xs=xs):
                def inner(y):
                    p = best.copy()
                    p[k] = x
                    p[others] = y
                    return chi2_at(p)
                i = int(np.argmin(np.abs(xs - x)))
                w = span[others]
                vals = []
                for y0 in (best[others], grid_start[i]):
                    r = optimize.minimize(lambda u: inner(u * w), y0 / w, method="Nelder-Mead",
                                          bounds=[unit_bounds[j] for j in others],
                                          options={"xatol": 1e-8, "fatol": 1e-9})
                    vals.append(float(r.fun))
                return min(vals)
        for label, level in LEVELS.items():
            main = _interval(profile, xs, prof, best[k], chi_min, level)
            out[f"interval_{label}"][name] = main
            out[f"regions_{label}"][name] = _regions(profile, xs, prof, chi_min, level, main)
    return out
