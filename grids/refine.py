"""Adaptive refinement: evaluate a dense grid only where a Δχ² contour runs.

Work happens in index space of the dense grid (shape ``N``). Level ``h`` (a power of two) is the lattice
``{0, h, 2h, …} ∪ {N−1}`` per axis. The scan starts on the coarse lattice (``h = coarse_factor``), and
at every level:

1. a cell is *active* when its corner Δχ² values straddle a level (``min ≤ level ≤ max``, Δχ² relative to the
   lowest χ² evaluated so far), or when it touches the current best point (so χ²_min converges too);
2. active cells are dilated by ``margin`` cells (the safety margin) and every unevaluated corner of the
   resulting cells is evaluated; 1–2 repeat until no new point is needed (a contour leaving the refined
   region pulls the region after it);
3. the refined cells are split in two along every axis (``h → h/2``) and their new corners evaluated.

At ``h = 1`` every cell the contours cross (plus the margin) has been evaluated at dense resolution. The dense
χ² array is then filled by multilinear interpolation, level by level from coarse to fine, and overwritten
with the evaluated values; ``evaluated`` flags the points actually computed. Decisions depend only on χ²
values, so a rerun (e.g. a resumed scan) takes the same decisions and asks for the same points.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass
class RefineResult:
    chi2: np.ndarray  # dense χ², interpolated where not evaluated
    evaluated: np.ndarray  # bool, True where chi2 was computed
    chi2_min: float
    n_evaluations: int
    history: list  # (h, points evaluated at that level)

    @property
    def dchi2(self) -> np.ndarray:
        return self.chi2 - self.chi2_min


def lattice(n: int, h: int) -> np.ndarray:
    """Indices ``0, h, 2h, …`` and ``n−1`` (sorted, unique)."""
    return np.unique(np.append(np.arange(0, n, h, dtype=np.int64), n - 1))


def _cell_corner_reduce(v: np.ndarray, func) -> np.ndarray:
    """Reduce ``func`` (np.minimum, np.maximum, np.logical_and) over the 2^d corners of every lattice cell."""
    d = v.ndim
    out = None
    for o in itertools.product((0, 1), repeat=d):
        sl = tuple(slice(oi, oi + n - 1) for oi, n in zip(o, v.shape))
        out = v[sl].copy() if out is None else func(out, v[sl])
    return out


def _dilate(mask: np.ndarray, r: int) -> np.ndarray:
    """Binary dilation by ``r`` cells with a full (3^d) neighbourhood."""
    out = mask.copy()
    for _ in range(r):
        pad = np.pad(out, 1)
        acc = np.zeros_like(out)
        for o in itertools.product((0, 1, 2), repeat=out.ndim):
            acc |= pad[tuple(slice(oi, oi + n) for oi, n in zip(o, out.shape))]
        out = acc
    return out


def _corners_of(cells: np.ndarray) -> np.ndarray:
    """Lattice-point mask of the corners of the cells in ``cells``."""
    pad = np.pad(cells, 1)
    out = np.zeros(tuple(n + 1 for n in cells.shape), dtype=bool)
    for o in itertools.product((0, 1), repeat=cells.ndim):
        out |= pad[tuple(slice(oi, oi + n + 1) for oi, n in zip(o, cells.shape))]
    return out


def upsample(values: np.ndarray, lattices: Sequence[np.ndarray], shape: Sequence[int]) -> np.ndarray:
    """Multilinear interpolation of lattice ``values`` onto the full index grid of ``shape`` (separable)."""
    out = values
    for a, (lat, n) in enumerate(zip(lattices, shape)):
        x = np.arange(n, dtype=np.int64)
        j = np.clip(np.searchsorted(lat, x, side="right") - 1, 0, len(lat) - 2)
        w = (x - lat[j]) / (lat[j + 1] - lat[j])
        bshape = [1] * out.ndim
        bshape[a] = n
        w = w.reshape(bshape)
        out = np.take(out, j, axis=a) * (1.0 - w) + np.take(out, j + 1, axis=a) * w
    return out


def refine(
    evaluate: Callable[[np.ndarray], np.ndarray],
    shape: Sequence[int],
    levels: Sequence[float],
    *,
    coarse_factor: int = 8,
    margin: int = 1,
) -> RefineResult:
    """Adaptive scan of a dense grid of ``shape``.

    ``evaluate(flat)`` receives sorted, new flat indices (C order) and returns their χ² (1D, same length).
    ``levels`` are the Δχ² levels whose contours must be resolved. ``coarse_factor`` (a power of two) is the
    initial lattice step.
    """
    shape = tuple(int(n) for n in shape)
    if coarse_factor < 1 or coarse_factor & (coarse_factor - 1):
        raise ValueError(f"coarse_factor must be a power of two, got {coarse_factor}")
    levels = np.asarray(sorted(levels), dtype=float)
    size = int(np.prod(shape))
    chi2 = np.full(size, np.nan)
    known = np.zeros(size, dtype=bool)
    history = []

    def run(flat: np.ndarray) -> int:
        flat = np.unique(flat)
        flat = flat[~known[flat]]
        if flat.size:
            v = np.asarray(evaluate(flat), dtype=float).reshape(-1)
            if v.shape != flat.shape:
                raise ValueError(f"evaluate returned {v.shape} values for {flat.size} points")
            chi2[flat] = v
            known[flat] = True
        return int(flat.size)

    def lattice_flat(lats, mask=None) -> np.ndarray:
        grids = np.meshgrid(*lats, indexing="ij")
        flat = np.ravel_multi_index(tuple(grids), shape)
        return flat[mask] if mask is not None else flat.ravel()

    h = coarse_factor
    lats = [lattice(n, h) for n in shape]
    n_new = run(lattice_flat(lats))
    prev_lats = None
    refined = None  # cells (at the previous, coarser level) to split
    while True:
        if refined is not None:
            parents = [
                np.clip(np.searchsorted(prev, lat[:-1], side="right") - 1, 0, len(prev) - 2)
                for prev, lat in zip(prev_lats, lats)
            ]
            cells = refined[np.ix_(*parents)]
            n_new += run(lattice_flat(lats, _corners_of(cells)))
        while True:
            lflat = lattice_flat(lats).reshape(tuple(len(x) for x in lats))
            v = chi2[lflat]
            k = known[lflat]
            gmin = np.nanmin(chi2)
            allk = _cell_corner_reduce(k, np.logical_and)
            cmin = _cell_corner_reduce(np.where(k, v, np.inf), np.minimum) - gmin
            cmax = _cell_corner_reduce(np.where(k, v, -np.inf), np.maximum) - gmin
            active = np.zeros(allk.shape, dtype=bool)
            for lev in levels:
                active |= (cmin <= lev) & (cmax >= lev)
            active &= allk
            # the cells around the best point, so that χ²_min is found at dense resolution
            best = np.unravel_index(int(np.nanargmin(chi2)), shape)
            sl = []
            for lat, b in zip(lats, best):
                c = int(np.clip(np.searchsorted(lat, b, side="right") - 1, 0, len(lat) - 2))
                lo = c - 1 if lat[c] == b and c > 0 else c
                sl.append(slice(lo, c + 1))
            active[tuple(sl)] = True
            cells = _dilate(active, margin)
            added = run(lattice_flat(lats, _corners_of(cells)))
            n_new += added
            if not added:
                break
        history.append((h, n_new))
        if h == 1:
            break
        refined, prev_lats = cells, lats
        h //= 2
        lats = [lattice(n, h) for n in shape]
        n_new = 0

    # dense fill: interpolate level by level, coarse to fine, then put the evaluated values back
    fill = None
    chi2_nd = chi2.reshape(shape)
    known_nd = known.reshape(shape)
    h = coarse_factor
    while h >= 1:
        lats = [lattice(n, h) for n in shape]
        ix = np.ix_(*lats)
        w = chi2_nd[ix]
        if fill is not None:
            w = np.where(known_nd[ix], w, fill[ix])
        fill = upsample(w, lats, shape)
        h //= 2
    fill = np.where(known_nd, chi2_nd, fill)
    return RefineResult(
        chi2=fill,
        evaluated=known_nd.copy(),
        chi2_min=float(np.nanmin(chi2)),
        n_evaluations=int(known.sum()),
        history=history,
    )
