"""The likelihood protocol every experiment (and every combination) implements for fits and scans.

A :class:`Likelihood` is picklable (joblib and dask ship it to workers) and evaluates the profiled χ² on
many parameter points at once::

    lik = make_likelihood("coherent-csi-2021", model="sm", fixed={}, names=["rn", "sin2w"])
    chi2, eta = lik.evaluate(points)      # points: (n, len(names)) float64

`chi2` has shape (n,), `eta` (n, len(lik.nuisance_names)) holds the best-fit nuisances at each point.
"""

from __future__ import annotations

import numpy as np

from .errors import ConfigError


class Likelihood:
    """Base class: subclasses set ``names``, ``nuisance_names`` and implement :meth:`evaluate`."""

    names: tuple[str, ...] = ()
    nuisance_names: tuple[str, ...] = ()

    def evaluate(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def points_array(self, points) -> np.ndarray:
        """``points`` as a float (n, len(names)) array. A 1-D array is n points of a single parameter, or one point
        of all of them; any other shape raises :class:`~cevns.scanner.errors.ConfigError`."""
        k = len(self.names)
        pts = np.asarray(points, dtype=float)
        if pts.ndim == 0 and k == 1:
            pts = pts.reshape(1, 1)
        elif pts.ndim == 1:
            pts = pts[:, None] if k == 1 else pts[None, :]
        if pts.ndim != 2 or pts.shape[1] != k:
            raise ConfigError(f"points: expected shape (n, {k}) for the parameters ({', '.join(self.names)}), "
                              f"got {np.shape(points)}")
        return pts


class Paraboloid(Likelihood):
    """Analytic χ² = (x − x₀)ᵀ C⁻¹ (x − x₀) + χ²₀, for tests of grids, contours and scans.

    Its Δχ² = c contour is the exact ellipse {x : (x − x₀)ᵀ C⁻¹ (x − x₀) = c}.
    """

    def __init__(self, names, centre, cov, chi2_min=0.0):
        self.names = tuple(names)
        self.nuisance_names = ("offset",)
        self.centre = np.asarray(centre, dtype=float)
        self.cov = np.asarray(cov, dtype=float)
        self.inv = np.linalg.inv(self.cov)
        self.chi2_min = float(chi2_min)

    def evaluate(self, points):
        d = np.atleast_2d(np.asarray(points, dtype=float)) - self.centre
        chi2 = np.einsum("ni,ij,nj->n", d, self.inv, d) + self.chi2_min
        return chi2, np.zeros((len(chi2), 1))
