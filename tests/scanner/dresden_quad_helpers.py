"""Pieces of the independent Dresden-II quad references shared by the Dresden test files (pure Python and scipy,
no package code): a scalar interpolant of the reactor spectrum and the Gaussian bin probability of the detector."""

import bisect
import math

from scipy import stats


def interp(x, y):
    """Scalar piecewise-linear interpolant of the nodes (pure Python, fast inside quad; right-continuous)."""
    xs, ys = list(x), list(y)

    def f(e):
        j = min(max(bisect.bisect_right(xs, e) - 1, 0), len(xs) - 2)
        return ys[j] + (ys[j + 1] - ys[j]) * (e - xs[j]) / (xs[j + 1] - xs[j])
    return f


def bin_prob(e_true, lo, hi, renormalise=True):
    """P(lo < E_rec < hi) for the Ge resolution σ² = σ_n² + η F E (σ_n 68.5 eV, η 2.96 eV, F 0.11; keV), the Gaussian
    cut at 0 and (default, the experiment's smearing=renormalised) rescaled to unit probability above 0."""
    sig = math.sqrt(0.0685**2 + 2.96e-3 * 0.11 * max(e_true, 0.0))
    p = stats.norm.cdf(hi, e_true, sig) - stats.norm.cdf(lo, e_true, sig)
    return p / stats.norm.sf(0.0, e_true, sig) if renormalise else p
