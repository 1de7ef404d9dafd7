"""Regular N-dimensional grids (2D and 3D for scans) built from :class:`~cevns.grids.axes.Axis` objects.

Points are numbered in C order (the last axis varies fastest): flat index ``f`` is the point
``(v0[i0], v1[i1], …)`` with ``(i0, i1, …) = np.unravel_index(f, shape)``. A point's coordinates depend
only on its flat index, never on which chunk or batch asks for it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from cevns.grids.axes import Axis
from cevns.scanner.errors import ConfigError

# Largest grid a scan accepts: its result holds 8 bytes × (2 + nuisances) per point (8 GB per array at 1e9).
MAX_GRID_POINTS = 10**9


def check_axes(axes, min_axes: int, what: str, where: str = "axes", name_where: str | None = None,
               expected: str = "Axis objects") -> tuple[Axis, ...]:
    """``axes`` as a tuple after checking their number (``min_axes`` to 3), type and distinct names; a ConfigError
    names ``where`` (``name_where`` for duplicate names) and says what a ``what`` needs."""
    axes = tuple(axes)
    if not min_axes <= len(axes) <= 3:
        span = "1 to 3" if min_axes == 1 else f"{min_axes} or 3"
        raise ConfigError(f"{where}: a {what} needs {span} axes, got {len(axes)}")
    for a in axes:
        if not isinstance(a, Axis):
            raise ConfigError(f"{where}: expected {expected}, got {a!r}")
    names = [a.name for a in axes]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ConfigError(f"{name_where or where}: duplicate axis name(s) {dup}")
    total = math.prod(a.points for a in axes)
    if total > MAX_GRID_POINTS:
        raise ConfigError(f"{where}: the grid has {total:.3g} points, more than {MAX_GRID_POINTS:.0e} (its result "
                          f"would need {8 * total / 2**30:.3g} GiB per array); use fewer points")
    return axes


class AxesView:
    """Names, dimension and shape of an object holding ``axes`` (a grid, a scan result)."""

    axes: tuple[Axis, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.axes)

    @property
    def ndim(self) -> int:
        return len(self.axes)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(a.points for a in self.axes)


class Grid(AxesView):
    """The product of ``axes`` (1 to 3 of them, distinct names)."""

    def __init__(self, axes: Sequence[Axis]):
        axes = check_axes(axes, 1, "grid")
        self.axes = axes
        self._values = tuple(a.values for a in axes)
        for v in self._values:
            v.flags.writeable = False

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def values(self) -> tuple[np.ndarray, ...]:
        """Per-axis coordinate arrays (read-only)."""
        return self._values

    def points_at(self, flat) -> np.ndarray:
        """Coordinates of the points with the given flat indices, shape (n, ndim) float64."""
        flat = np.asarray(flat, dtype=np.int64).ravel()
        if flat.size and (flat.min() < 0 or flat.max() >= self.size):
            raise IndexError(f"flat index out of range 0..{self.size - 1}")
        idx = np.unravel_index(flat, self.shape)
        out = np.empty((flat.size, self.ndim), dtype=np.float64)
        for k, (v, i) in enumerate(zip(self._values, idx)):
            out[:, k] = v[i]
        return out

    def points(self, start: int = 0, stop: int | None = None) -> np.ndarray:
        """Coordinates of flat indices ``start`` … ``stop``−1 (default: every point), shape (n, ndim)."""
        stop = self.size if stop is None else stop
        if not 0 <= start <= stop <= self.size:
            raise IndexError(f"range {start}:{stop} outside 0:{self.size}")
        return self.points_at(np.arange(start, stop, dtype=np.int64))

    def meshgrid(self) -> tuple[np.ndarray, ...]:
        return tuple(np.meshgrid(*self._values, indexing="ij"))

    def to_index(self, point) -> np.ndarray:
        """Fractional per-axis indices of coordinate vector(s) ``point`` (…, ndim)."""
        p = np.asarray(point, dtype=float)
        return np.stack([a.to_index(p[..., k]) for k, a in enumerate(self.axes)], axis=-1)

    def to_dict(self) -> list[dict]:
        return [a.to_dict() for a in self.axes]

    def __eq__(self, other) -> bool:
        return isinstance(other, Grid) and self.axes == other.axes

    def __hash__(self) -> int:
        return hash(self.axes)

    def __repr__(self) -> str:
        return f"Grid({list(self.axes)!r})"
