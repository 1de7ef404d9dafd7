"""One-parameter Δχ² profiles with the 1σ / 90 % / 2σ lines (Δχ² = 1, 2.706, 4 for one parameter, Wilks).

:func:`profile_from_result` reduces a 1D/2D/3D scan result to the profile of one axis (minimum of Δχ² over the
others); :func:`plot_profile` draws it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from cevns.scanner.errors import ConfigError

from . import style

__all__ = ["LEVELS", "LEVEL_LABELS", "profile_from_result", "plot_profile", "ProfileArtists"]

# Δχ² of the 68.27 %, 90 % and 95.45 % intervals of one parameter (same values as cevns.scanner.fit.LEVELS).
LEVELS = {"1sigma": 1.0, "90": 2.705543454095404, "2sigma": 4.0}
LEVEL_LABELS = {"1sigma": r"1$\sigma$", "90": "90 % CL", "2sigma": r"2$\sigma$"}


@dataclass
class ProfileArtists:
    """What :func:`plot_profile` drew: the curve, one horizontal line and one text per level."""

    ax: object
    curve: object
    levels: list[float] = field(default_factory=list)
    level_lines: list = field(default_factory=list)
    level_texts: list = field(default_factory=list)


def profile_from_result(result, axis: str) -> tuple[np.ndarray, np.ndarray]:
    """(values of ``axis``, Δχ² profiled over the other axes) of a scan result (or a contour Plane).

    The profile is the minimum of the result's Δχ² (relative to its global minimum) over every other axis, so
    a 2D/3D result gives the one-parameter profile that Wilks' theorem turns into 1-dof intervals.
    """
    axes = tuple(result.axes)
    names = [a.name for a in axes]
    if axis not in names:
        raise ConfigError(f"axis {axis!r} is not in the result; axes: {names}")
    k = names.index(axis)
    d = np.asarray(result.dchi2, dtype=float)
    other = tuple(i for i in range(d.ndim) if i != k)
    prof = np.nanmin(d, axis=other) if other else d.copy()
    return axes[k].values, np.asarray(prof, dtype=float)


def _level_values(levels):
    out = []
    for lv in levels or ():
        if isinstance(lv, str):
            if lv not in LEVELS:
                raise ConfigError(f"level {lv!r}: give one of {list(LEVELS)} or a number")
            out.append((LEVELS[lv], LEVEL_LABELS[lv]))
        else:
            v = float(lv)
            if not v > 0:
                raise ConfigError(f"level {lv!r} must be a positive Δχ²")
            out.append((v, rf"$\Delta\chi^2 = {v:g}$"))
    return out


def _geometric(x: np.ndarray) -> bool:
    """True for positive values evenly spaced in log (a log scan axis) that are not evenly spaced linearly."""
    if x.size < 3 or not np.all(x > 0):
        return False
    lx = np.log(x)
    return bool(np.allclose(np.diff(lx), lx[1] - lx[0], rtol=1e-6)) and not np.allclose(
        np.diff(x), x[1] - x[0], rtol=1e-6
    )


def plot_profile(
    x,
    dchi2,
    name: str,
    ax=None,
    levels=("1sigma", "90", "2sigma"),
    *,
    label: str | None = None,
    color=None,
    xscale: str = "auto",
    ymax: float | None = None,
) -> ProfileArtists:
    """Draw a Δχ² profile of parameter ``name`` with labelled horizontal lines at the ``levels``.

    Parameters
    ----------
    x, dchi2
        Parameter values and Δχ² (same length; NaN points are left out).
    name
        Parameter name (axis label with unit from the parameter registry).
    levels
        Keys of :data:`LEVELS` ("1sigma" → 1, "90" → 2.706, "2sigma" → 4) or positive numbers.
    label
        Legend label of the curve (a legend is drawn only when given).
    xscale
        "auto" (log when ``x`` is a log-spaced grid), "log" or "linear".
    ymax
        Upper y limit (default: a little above the highest level, or the curve's maximum when lower; without
        levels the top is left to autoscaling).

    Returns
    -------
    ProfileArtists
        ``curve`` (Line2D), ``level_lines`` (Line2D per level), ``level_texts``, ``levels`` (their Δχ²).
    """
    from matplotlib.transforms import blended_transform_factory

    x = np.asarray(x, dtype=float)
    d = np.asarray(dchi2, dtype=float)
    if x.ndim != 1 or x.shape != d.shape:
        raise ConfigError(f"x and dchi2 must be 1D arrays of equal length, got {x.shape} and {d.shape}")
    lv = _level_values(levels)
    with style.context(ax is None):
        ax = style.new_axes(ax)
        ok = np.isfinite(d)
        (curve,) = ax.plot(x[ok], d[ok], color=color or "k", label=label or "_nolegend_")
        out = ProfileArtists(ax, curve)
        trans = blended_transform_factory(ax.transAxes, ax.transData)
        for v, text in lv:
            ln = ax.axhline(v, color="0.45", ls=":", lw=0.8)
            tx = ax.text(0.98, v, text, transform=trans, ha="right", va="bottom", fontsize="small", color="0.3")
            out.levels.append(v)
            out.level_lines.append(ln)
            out.level_texts.append(tx)
        if xscale == "auto":
            xscale = "log" if _geometric(x) else "linear"
        if xscale not in ("log", "linear"):
            raise ConfigError(f"xscale must be 'auto', 'log' or 'linear', got {xscale!r}")
        ax.set_xscale(xscale)
        if ok.any():
            ax.set_xlim(x[ok].min(), x[ok].max())
        if lv and ymax is None:
            top = max(v for v, _ in lv)
            dmax = float(np.max(d[ok])) if ok.any() else top
            ymax = max(1.5 * top, min(dmax, 3.0 * top))
        ax.set_ylim(0.0, ymax)  # ymax None (no levels, none given): autoscaled top
        ax.set_xlabel(style.axis_label(name))
        ax.set_ylabel(r"$\Delta\chi^2$")
        if label:
            ax.legend()
    return out
