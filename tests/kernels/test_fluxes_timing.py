"""SNS π⁺-DAR spectra, inverse-energy moments, the SNOwGLoBES table cross-check, arrival-time PDFs."""

import math

import numpy as np
import pytest
import scipy.special
from scipy import integrate

from cevns.kernels.constants import M_MUON, M_PION, TAU_MUON_US, TAU_PION_US
from cevns.kernels.fluxes import (
    E_MICHEL_MAX,
    E_PROMPT,
    SNS_DELAYED_NUE,
    SNS_DELAYED_NUMUBAR,
    SNS_PROMPT_NUMU,
    michel_nue,
    michel_numubar,
    sns_moment,
    sns_spectrum,
)
from cevns.kernels.timing import erfcx, sns_delayed_time_pdf, sns_prompt_time_pdf
from cevns.scanner.datasets import load_table

MICHEL = {SNS_DELAYED_NUE: michel_nue, SNS_DELAYED_NUMUBAR: michel_numubar}
MU, SIGMA = 0.53, 0.15  # POT trace of the CsI analysis [µs]


def test_prompt_energy():
    assert abs(E_PROMPT - 29.79) < 0.01
    assert abs(E_PROMPT - (M_PION**2 - M_MUON**2) / (2 * M_PION)) < 1e-12
    assert abs(E_MICHEL_MAX - M_MUON / 2) < 1e-12


@pytest.mark.parametrize("source", MICHEL)
def test_michel_normalised(source):
    f = MICHEL[source]
    total = integrate.quad(f, 0, E_MICHEL_MAX, epsabs=0, epsrel=1e-13)[0]
    assert abs(total - 1.0) < 1e-12
    assert f(-1.0) == 0.0 and f(E_MICHEL_MAX * 1.0001) == 0.0
    assert sns_spectrum(source, 20.0) == f(20.0)


def test_michel_closed_forms():
    # SNOwGLoBES form (PROVENANCE): x = 2E/m_μ, νe 12x²(1−x)(2/m_μ), ν̄μ 2x²(3−2x)(2/m_μ).
    for e in (1.0, 10.0, 29.0, 50.0):
        x = 2 * e / M_MUON
        assert abs(michel_nue(e) / (12 * x * x * (1 - x) * 2 / M_MUON) - 1) < 1e-12
        assert abs(michel_numubar(e) / (2 * x * x * (3 - 2 * x) * 2 / M_MUON) - 1) < 1e-12
    assert sns_spectrum(SNS_PROMPT_NUMU, E_PROMPT) == 0.0


@pytest.mark.parametrize("source", MICHEL)
@pytest.mark.parametrize("k", [0, 1, 2])
@pytest.mark.parametrize("emin", [0.0, 0.5, 5.0, 16.0, 29.79, 45.0, 52.0])
def test_moments_match_quadrature(source, k, emin):
    f = MICHEL[source]
    expect = integrate.quad(lambda e: f(e) * e ** (-k), emin, E_MICHEL_MAX, epsabs=0, epsrel=1e-13)[0]
    got = sns_moment(source, k, emin)
    assert abs(got / expect - 1) < 1e-10, (source, k, emin, got, expect)


@pytest.mark.parametrize("source", MICHEL)
def test_moments_above_endpoint_vanish(source):
    for k in (0, 1, 2):
        assert sns_moment(source, k, E_MICHEL_MAX) == 0.0
        assert sns_moment(source, k, 60.0) == 0.0


@pytest.mark.parametrize("k", [0, 1, 2])
def test_prompt_line_moments(k):
    assert abs(sns_moment(SNS_PROMPT_NUMU, k, 0.0) - E_PROMPT ** (-k)) < 1e-15
    assert abs(sns_moment(SNS_PROMPT_NUMU, k, E_PROMPT - 1e-9) - E_PROMPT ** (-k)) < 1e-15
    assert sns_moment(SNS_PROMPT_NUMU, k, E_PROMPT + 1e-9) == 0.0


def test_analytic_spectra_match_snowglobes_table():
    # stpi.dat: E [GeV] at bin centres (bin width 0.4975 MeV), columns νe, νμ, ντ, ν̄e, ν̄μ, ν̄τ; the table holds
    # the Michel densities at the bin centres. Normalise each column to unit area, compare per bin, dropping
    # the bins within one width of the endpoint m_μ/2.
    tab = load_table("sns-stopped-pion-flux", "stpi.dat")
    e = tab[:, 0] * 1e3
    width = 0.4975
    assert np.allclose(np.diff(e), width, rtol=1e-9, atol=1e-9)
    keep = e + 0.5 * width < E_MICHEL_MAX - width
    assert keep.sum() > 90
    for col, f in ((1, michel_nue), (5, michel_numubar)):
        dens = tab[:, col] / (tab[:, col].sum() * width)
        model = np.array([f(x) for x in e])
        ratio = dens[keep] / model[keep]
        assert np.max(np.abs(ratio - 1)) < 0.01, (col, np.max(np.abs(ratio - 1)))
    # Prompt νμ: one line in the bin holding E_π, carrying the same number of neutrinos as νe (to 0.1 %).
    numu = tab[:, 2]
    (nz,) = np.nonzero(numu)
    assert nz.size == 1
    assert abs(e[nz[0]] - E_PROMPT) < width
    assert abs(numu.sum() / tab[:, 1].sum() - 1) < 1e-3
    # Unused flavours are empty.
    assert not np.any(tab[:, [3, 4, 6]])


def _quad_pdf(pdf):
    lo = MU - 12 * SIGMA
    pts = [MU, MU + 1.0, 5.0]
    a = integrate.quad(pdf, lo, 20.0, points=pts, epsabs=1e-13, epsrel=1e-12, limit=400)[0]
    b = integrate.quad(pdf, 20.0, np.inf, epsabs=1e-14, limit=200)[0]
    return a + b


def test_time_pdfs_normalised():
    assert abs(_quad_pdf(lambda t: sns_prompt_time_pdf(t, MU, SIGMA)) - 1) < 1e-9
    assert abs(_quad_pdf(lambda t: sns_delayed_time_pdf(t, MU, SIGMA)) - 1) < 1e-9


def test_prompt_pdf_mean():
    # Mean of Gauss ⊗ Exp(τ_π) is μ + τ_π (0.556 µs for the CsI trace).
    m = _quad_pdf(lambda t: t * sns_prompt_time_pdf(t, MU, SIGMA))
    assert abs(m - (MU + TAU_PION_US)) < 1e-8


@pytest.mark.parametrize("t", [0.1, 0.4, 0.6, 1.0, 2.5, 5.0])
def test_delayed_is_prompt_convolved_with_muon_decay(t):
    def integrand(s):
        return sns_prompt_time_pdf(t - s, MU, SIGMA) * math.exp(-s / TAU_MUON_US) / TAU_MUON_US

    upper = t - MU + 12 * SIGMA + 40 * TAU_PION_US
    pts = [p for p in (t - MU, t - MU - TAU_PION_US) if 0 < p < upper]
    conv = integrate.quad(integrand, 0.0, upper, points=pts or None, epsabs=1e-13, epsrel=1e-12, limit=400)[0]
    got = sns_delayed_time_pdf(t, MU, SIGMA)
    assert abs(got - conv) < 1e-6 * max(conv, 1e-3), (t, got, conv)


def test_erfcx_matches_scipy():
    u = np.concatenate([np.linspace(-5, 100, 4001), [24.999999, 25.0, 25.000001, 0.0]])
    ours = np.array([erfcx(x) for x in u])
    ref = scipy.special.erfcx(u)
    assert np.max(np.abs(ours / ref - 1)) < 1e-10
