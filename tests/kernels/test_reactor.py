"""Reactor kernels: exact moments of piecewise-linear spectra, Lindhard, Ge resolution response, ν̄_e–e, fit."""

import math

import numpy as np
import pytest
from scipy import integrate, stats

from cevns.kernels.constants import M_ELECTRON
from cevns.kernels.electron_scattering import ES_SM_PREFACTOR, es_couplings, es_sm_dsigma_dt, es_t_max
from cevns.kernels.reactor import (
    dresden_background,
    dresden_fit,
    gauss_bin_response,
    ge_resolution,
    lindhard_quenching,
    pl_moment,
    pl_moments_at,
    pl_suffix_moments,
)


def _table(rng, jump=True):
    x = np.sort(rng.uniform(0.05, 9.0, 25))
    y = np.exp(-0.5 * x) * rng.uniform(0.5, 1.5, x.size)
    if jump:  # a duplicated node is a jump of the spectrum
        x = np.insert(x, 12, x[12])
        y = np.insert(y, 12, 2.0 * y[12])
    return x, y


def _quad_moment(x, y, e_min, k):
    """scipy quad of the piecewise-linear interpolant × E^-k, split at every node."""
    lo = max(e_min, x[0])
    total = 0.0
    for j in range(x.size - 1):
        a, b = max(x[j], lo), x[j + 1]
        if b <= a:
            continue
        beta = (y[j + 1] - y[j]) / (x[j + 1] - x[j])
        total += integrate.quad(lambda e, y0=y[j], x0=x[j], b1=beta: (y0 + b1 * (e - x0)) * e**-k, a, b,
                                epsabs=0, epsrel=1e-13)[0]
    return total


@pytest.mark.parametrize("seed", [1, 2])
def test_moments_match_quad_of_interpolant(seed):
    rng = np.random.default_rng(seed)
    x, y = _table(rng)
    suffix = pl_suffix_moments(x, y)
    for e_min in [0.0, x[0], 0.3, 1.7, x[12], x[12] + 1e-9, 4.44, x[-2], x[-1], 20.0]:
        for k in range(3):
            ref = _quad_moment(x, y, e_min, k)
            got = pl_moment(x, y, suffix, e_min, k)
            assert got == pytest.approx(ref, rel=1e-8, abs=1e-14), (e_min, k)
    got = pl_moments_at(x, y, np.array([0.5, 2.0]))
    assert got[2, 1] == pytest.approx(_quad_moment(x, y, 2.0, 2), rel=1e-8)


def test_moment_of_a_line_closed_form():
    x = np.array([1.0, 3.0])
    y = np.array([2.0, 4.0])  # f = 1 + E
    s = pl_suffix_moments(x, y)
    assert s[0, 0] == pytest.approx(2.0 + 4.0)
    assert s[1, 0] == pytest.approx(math.log(3.0) + 2.0)
    assert s[2, 0] == pytest.approx(2.0 / 3.0 + math.log(3.0))
    # jumps change the moments by the jump × segment, and the kernel sees them
    x2 = np.array([1.0, 2.0, 2.0, 3.0])
    y2 = np.array([1.0, 1.0, 2.0, 2.0])
    assert pl_moment(x2, y2, pl_suffix_moments(x2, y2), 1.5, 0) == pytest.approx(0.5 + 2.0)


def test_lindhard_closed_form():
    z, k = 32.0, 0.157
    for t in [0.1, 0.5, 1.0, 4.5]:
        eps = 11.5 * z ** (-7 / 3) * t
        g = 3 * eps**0.15 + 0.7 * eps**0.6 + eps
        assert lindhard_quenching(t, z, k) == pytest.approx(k * g / (1 + k * g), rel=1e-14)
    # the Fef tabulation of the Dresden-II release joins Lindhard (k = 0.157) at 4.5 keVnr: 0.209
    assert lindhard_quenching(4.5, z, k) == pytest.approx(0.209, abs=1e-3)
    assert lindhard_quenching(0.0, z, k) == 0.0
    assert lindhard_quenching(1.0, z, 0.2) > lindhard_quenching(1.0, z, 0.157)


def test_resolution_and_bin_response():
    # σ² = σ_n² + η F E: 68.5 eV noise, 2.96 eV per pair, F = 0.11 → 71.9 eV at 1 keV
    assert ge_resolution(1.0, 0.0685, 2.96e-3, 0.11) == pytest.approx(math.sqrt(0.0685**2 + 2.96e-3 * 0.11))
    edges = np.linspace(0.2, 1.5, 131)
    out = np.empty(130)
    for mean, sig in [(0.3, 0.07), (0.05, 0.0685), (1.49, 0.072)]:
        gauss_bin_response(mean, sig, edges, out)
        ref = np.diff(stats.norm.cdf(edges, mean, sig))
        np.testing.assert_allclose(out, ref, rtol=1e-9, atol=1e-15)
    # truncation at zero: a bin below 0 gets nothing
    gauss_bin_response(0.0, 0.1, np.array([-1.0, 0.0, 1.0]), out[:2])
    assert out[0] == 0.0 and out[1] == pytest.approx(0.5)
    # renormalised (the reanalysis' convention): unit probability above 0, unchanged far above 0
    gauss_bin_response(0.0, 0.1, np.array([-1.0, 0.0, 1.0]), out[:2], True)
    assert out[0] == 0.0 and out[1] == pytest.approx(1.0)
    gauss_bin_response(0.02, 0.0685, edges, out, True)
    ref = np.diff(stats.norm.cdf(edges, 0.02, 0.0685)) / stats.norm.sf(0.0, 0.02, 0.0685)
    np.testing.assert_allclose(out, ref, rtol=1e-9, atol=1e-15)
    far = np.empty(130)
    gauss_bin_response(0.8, 0.07, edges, far, True)
    gauss_bin_response(0.8, 0.07, edges, out)
    np.testing.assert_allclose(far, out, rtol=1e-12)


def test_es_total_cross_section_nuebar():
    """σ(E) of ν̄_e–e: quad of the kernel vs the closed form of ∫ over 0..T_max."""
    s2 = 0.23857
    gv, ga = es_couplings(0, True, s2)
    assert gv == pytest.approx(0.5 + 2 * s2) and ga == pytest.approx(-0.5)
    for e in [0.5, 2.0, 5.0]:
        tm = es_t_max(e)
        ref = ES_SM_PREFACTOR * ((gv + ga) ** 2 * tm + (gv - ga) ** 2 * e / 3 * (1 - (1 - tm / e) ** 3)
                                 - (gv * gv - ga * ga) * M_ELECTRON * tm**2 / (2 * e * e))
        q = integrate.quad(lambda t, e=e: es_sm_dsigma_dt(e, t, gv, ga, 1.0), 0.0, tm, epsrel=1e-12)[0]
        assert q == pytest.approx(ref, rel=1e-9)
    # textbook size σ(ν̄_e e) ≈ 4e-45 cm² × E/MeV (vs ≈ 9.5e-45 for ν_e e, whose g_A has the other sign)
    assert 3.5e-45 < ref / 5.0 < 4.5e-45
    gv_nu, ga_nu = es_couplings(0, False, s2)
    assert ga_nu == pytest.approx(0.5) and gv_nu == pytest.approx(gv)


def test_dresden_fit_recovers_truth():
    e = np.linspace(0.205, 1.495, 130)
    truth = np.array([14.0, 140.0, 3.9, 85.0, 1.293, 0.07, 1.0, 0.0])
    sig = 20.0 * np.exp(-15 * (e - 0.2))
    data = dresden_background(e, truth, 0.0685, np.empty(130)) + sig
    err = np.sqrt(data) * 0.2
    p = np.array([10.0, 100.0, 3.0, 70.0, 1.3, 0.08, 1.0, 0.0])
    chi2, st = dresden_fit(e, data, err, sig, p, 0.0685)
    assert st == 0 and chi2 < 1e-6
    np.testing.assert_allclose(p[:6], truth[:6], rtol=1e-4)
