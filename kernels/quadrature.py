"""Gauss–Legendre nodes on piecewise intervals, used to build response matrices once per detector."""

import numpy as np

__all__ = ["gauss_legendre", "piecewise_gauss_legendre"]


def gauss_legendre(n, a, b):
    """Nodes and weights of the n-point Gauss–Legendre rule on [a, b]."""
    x, w = np.polynomial.legendre.leggauss(n)
    half = 0.5 * (b - a)
    return a + half * (x + 1.0), half * w


def piecewise_gauss_legendre(breaks, n, n_min=None):
    """Gauss–Legendre rules on each [breaks[i], breaks[i+1]] (sorted, duplicates and empty pieces dropped).

    The longest piece gets ``n`` nodes; with ``n_min`` set, a piece of relative length f gets
    max(n_min, ceil(n f)) nodes (short pieces between nearby kinks need few), otherwise every piece gets n.

    Exact for piecewise polynomials of degree 2n − 1 whose kinks sit on the breaks, which is why kinematic
    endpoints (T_max of each line and spectrum endpoint) are passed as breaks.
    """
    b = np.unique(np.asarray(breaks, dtype=float))
    longest = np.max(np.diff(b))
    nodes, weights = [], []
    for lo, hi in zip(b[:-1], b[1:]):
        if hi > lo:
            m = n if n_min is None else max(n_min, int(np.ceil(n * (hi - lo) / longest)))
            x, w = gauss_legendre(m, lo, hi)
            nodes.append(x)
            weights.append(w)
    return np.concatenate(nodes), np.concatenate(weights)
