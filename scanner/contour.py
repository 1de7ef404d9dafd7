"""Δχ² contours of scan results: levels, polylines in axis coordinates, 3D → 2D, JSON/CSV writers.

Contours are traced by ``contourpy`` (shipped with matplotlib) in *index space* (marching squares with linear
interpolation between grid points) and mapped back through the axes, so a log axis is interpolated in
log10 space.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from cevns.grids.axes import Axis
from cevns.scanner.errors import ConfigError

log = logging.getLogger(__name__)


def normalize_cl(cl) -> float:
    """A confidence level given as 0.9 or as 90 (per cent) → 0.9."""
    try:
        c = float(cl)
    except (TypeError, ValueError):
        raise ConfigError(f"cl must be a number such as 0.9 or 90, got {cl!r}") from None
    if 1 <= c < 100:
        c = c / 100
    if not 0 < c < 1:
        raise ConfigError(f"cl must be in (0, 1) or a percentage in [1, 100), got {cl!r}")
    return c


def contour_levels(cl, dof: int = 2):
    """Δχ² level(s) of confidence level(s) ``cl`` for ``dof`` degrees of freedom (chi2.ppf)."""
    from scipy.stats import chi2

    if isinstance(dof, bool) or int(dof) != dof or dof < 1:
        raise ConfigError(f"dof must be a positive integer, got {dof!r}")
    if np.ndim(cl) == 0:
        return float(chi2.ppf(normalize_cl(cl), int(dof)))
    return np.array([chi2.ppf(normalize_cl(c), int(dof)) for c in cl])


@dataclass
class Plane:
    """A 2D Δχ² map on two axes: a 2D result, or a 3D result profiled or sliced."""

    axes: tuple[Axis, Axis]
    dchi2: np.ndarray
    reduction: dict = field(default_factory=dict)  # {"profile": name} or {"slice": name, "index", "value"}
    evaluated: np.ndarray | None = None
    metadata: dict = field(default_factory=dict)  # the result's (adaptive refinement levels for the warning)


@dataclass
class Contour:
    cl: float
    dof: int
    level: float
    names: tuple[str, str]
    lines: list  # (m, 2) arrays in axis coordinates; closed lines repeat their first point

    def to_dict(self) -> dict:
        return {
            "cl": self.cl,
            "dof": self.dof,
            "level": self.level,
            "names": list(self.names),
            "lines": [line.tolist() for line in self.lines],
        }


def _axis_index(axes, name) -> int:
    names = [a.name for a in axes]
    if name not in names:
        raise ConfigError(f"axis {name!r} is not in the result; axes: {names}")
    return names.index(name)


def to_plane(
    result,
    *,
    profile: str | None = None,
    slice: tuple[str, float] | str | None = None,
    slice_index: int | None = None,
) -> Plane:
    """Reduce ``result`` (a ScanResult or Plane) to a :class:`Plane`.

    A 3D result needs ``profile=AXIS`` (minimum of Δχ² over that axis) or ``slice=(AXIS, VALUE)`` /
    ``slice="AXIS=VALUE"`` (the grid plane nearest VALUE; or ``slice_index`` to give the index).
    """
    if isinstance(result, Plane):
        return result
    plane = _reduce(result, profile, slice, slice_index)
    plane.metadata = dict(getattr(result, "metadata", None) or {})
    return plane


def _reduce(result, profile, slice, slice_index) -> Plane:
    axes = tuple(result.axes)
    d = result.dchi2
    ev = getattr(result, "evaluated", None)
    if profile is not None and slice is not None:
        raise ConfigError("give either profile or slice, not both")
    if len(axes) == 2:
        if profile is not None or slice is not None:
            raise ConfigError("profile/slice need a 3D result; this one is 2D")
        return Plane(axes, np.asarray(d), {}, None if ev is None else np.asarray(ev))
    if len(axes) != 3:
        raise ConfigError(f"contours need a 2D or 3D result, got {len(axes)} axes")
    if profile is not None:
        k = _axis_index(axes, profile)
        rest = tuple(a for i, a in enumerate(axes) if i != k)
        return Plane(
            rest,
            np.nanmin(np.asarray(d), axis=k),
            {"profile": profile},
            None if ev is None else np.asarray(ev).any(axis=k),
        )
    if slice is None:
        raise ConfigError(
            f"a 3D result needs profile=AXIS or slice=AXIS=VALUE; axes: {[a.name for a in axes]}"
        )
    if isinstance(slice, str):
        if "=" not in slice:
            raise ConfigError(f"slice must look like AXIS=VALUE, got {slice!r}")
        name, val = slice.split("=", 1)
        try:
            slice = (name.strip(), float(val))
        except ValueError:
            raise ConfigError(f"slice value must be a number, got {val!r}") from None
    name, value = slice
    k = _axis_index(axes, name)
    ax = axes[k]
    if slice_index is None:
        if not ax.min <= value <= ax.max:
            raise ConfigError(f"slice {name}={value!r} outside the axis range [{ax.min}, {ax.max}]")
        slice_index = int(np.clip(np.rint(ax.to_index(value)), 0, ax.points - 1))
    rest = tuple(a for i, a in enumerate(axes) if i != k)
    plane = np.take(np.asarray(d), slice_index, axis=k)
    evp = None if ev is None else np.take(np.asarray(ev), slice_index, axis=k)
    return Plane(
        rest, plane, {"slice": name, "index": int(slice_index), "value": float(ax.values[slice_index])}, evp
    )


def trace_index_space(dchi2: np.ndarray, level: float) -> list[np.ndarray]:
    """Polylines (m, 2) of ``dchi2 == level`` in index coordinates (i0, i1) of a 2D array."""
    import contourpy

    z = np.ma.masked_invalid(np.asarray(dchi2, dtype=np.float64).T)  # contourpy: z[y, x]
    gen = contourpy.contour_generator(z=z, line_type=contourpy.LineType.Separate)
    return [np.asarray(line, dtype=np.float64) for line in gen.lines(level)]


def extract_contours(
    result, cl=0.9, dof: int = 2, *, profile: str | None = None, slice=None
) -> list[Contour]:
    """Contours of ``result`` (ScanResult, Plane, or path of a result) at each confidence level in ``cl``
    for ``dof`` degrees of freedom; polylines in axis coordinates."""
    if isinstance(result, (str, Path)):
        from cevns.scanner.results import load_result

        result = load_result(result, mmap=True, nuisances=False)
    plane = to_plane(result, profile=profile, slice=slice)
    cls = [cl] if np.ndim(cl) == 0 else list(cl)
    refined = (getattr(result, "metadata", None) or {}).get("adaptive", {}).get("levels")
    out = []
    for c in cls:
        c = normalize_cl(c)
        level = contour_levels(c, dof)
        if refined is not None and not any(abs(level - r) <= 1e-9 * max(1.0, r) for r in refined):
            log.warning(
                "adaptive result: Δχ² = %.4g (cl %g, %d dof) was not a refinement level %s; the contour "
                "follows interpolated values",
                level,
                c,
                dof,
                [round(r, 4) for r in refined],
            )
        lines = []
        for line in trace_index_space(plane.dchi2, level):
            xy = np.empty_like(line)
            xy[:, 0] = plane.axes[0].from_index(line[:, 0])
            xy[:, 1] = plane.axes[1].from_index(line[:, 1])
            lines.append(xy)
        out.append(Contour(c, int(dof), float(level), (plane.axes[0].name, plane.axes[1].name), lines))
    return out


def polygon_area(line: np.ndarray) -> float:
    """Absolute shoelace area of a closed polyline (m, 2)."""
    x, y = line[:, 0], line[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def contours_to_json(
    contours: list[Contour], *, source: str | None = None, reduction: dict | None = None
) -> str:
    doc = {"source": source, "reduction": reduction or {}, "contours": [c.to_dict() for c in contours]}
    return json.dumps(doc, indent=1) + "\n"


def contours_to_csv(contours: list[Contour]) -> str:
    """CSV with one row per vertex: cl, dof, level, line, x, y (header names the two axes)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    names = contours[0].names if contours else ("x", "y")
    w.writerow(["cl", "dof", "level", "line", names[0], names[1]])
    for c in contours:
        for k, line in enumerate(c.lines):
            for x, y in line:
                w.writerow([repr(c.cl), c.dof, repr(c.level), k, repr(float(x)), repr(float(y))])
    return buf.getvalue()


def write_contours(contours: list[Contour], path, fmt: str | None = None, **json_kw) -> Path:
    """Write contours to ``path`` as JSON or CSV (``fmt``, default from the suffix), atomically."""
    from cevns.scanner.checkpoint import atomic_write_text

    path = Path(path)
    fmt = fmt or ("csv" if path.suffix.lower() == ".csv" else "json")
    if fmt not in ("json", "csv"):
        raise ConfigError(f"format must be json or csv, got {fmt!r}")
    text = contours_to_json(contours, **json_kw) if fmt == "json" else contours_to_csv(contours)
    atomic_write_text(path, text)
    return path
