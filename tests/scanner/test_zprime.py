"""Light vector Z' models on CsI 2021 (seed 000:299, 000:321–330, 000:1051; 002:310–314)."""

import math

import numpy as np
import pytest

from cevns.kernels.constants import G_FERMI, M_MUON
from cevns.kernels.mediators import M_TAU, ZPRIME_CHARGES, kinetic_mixing_loop, zprime_coefficients
from cevns.scanner.errors import ConfigError
from cevns.scanner.experiments import get_experiment
from cevns.scanner.registry import make_likelihood


@pytest.fixture(scope="module")
def csi():
    return get_experiment("coherent-csi-2021")


def total(exp, params=None, model="sm"):
    return exp.predict(params or {}, model=model)["cevns"].sum()


@pytest.mark.parametrize("model", [f"zprime-{k}" for k in ZPRIME_CHARGES])
def test_zero_coupling_is_sm(csi, model):
    assert total(csi, {"g_zp": 0.0, "m_zp": 50.0}, model) == pytest.approx(total(csi), rel=1e-13)


def test_universal_destructive_interference_matches_seed(csi):
    # 002:310-314: the rate cancels at g ≈ 1.4e-6 M/MeV and is back to the SM at g ≈ 2e-6 M/MeV.
    m = 100.0
    gs = np.linspace(0.8e-4, 2.4e-4, 161)
    rates = np.array([total(csi, {"g_zp": g, "m_zp": m}, "zprime-universal") for g in gs])
    sm = total(csi)
    g_min = gs[np.argmin(rates)]
    assert g_min / m == pytest.approx(1.4e-6, rel=0.1)
    assert rates.min() / sm < 0.02
    back = gs[(gs > g_min) & (rates >= sm)][0]
    assert back / m == pytest.approx(2e-6, rel=0.15)


def test_b_minus_l_is_constructive(csi):
    sm = total(csi)
    assert total(csi, {"g_zp": 1e-4, "m_zp": 100.0}, "zprime-b-l") > 1.2 * sm
    # B − 3L_μ couples only ν_μ: the ν_e share of the rate is unchanged
    by = csi.predict_cevns_by_flavour({"g_zp": 1e-4, "m_zp": 100.0}, model="zprime-b-3lmu")
    by_sm = csi.predict_cevns_by_flavour()
    assert by["nue"].sum() == pytest.approx(by_sm["nue"].sum(), rel=1e-12)
    assert by["numu"].sum() != pytest.approx(by_sm["numu"].sum(), rel=1e-3)


def test_heavy_mediator_matches_nsi(csi):
    # For M ≫ |q| the Z' is a contact interaction: ε^q_ℓℓ = g² Q'_ℓ Q'_q / (√2 G_F M²) (issue 5).
    g, m = 0.25, 1e5
    qu, qd, qe, qmu, _ = ZPRIME_CHARGES["b-l"]
    eps = {}
    for fl, qnu in (("ee", qe), ("mumu", qmu)):  # no ν_τ at the SNS: ε_ττ does not apply (refused)
        eps[f"eps_u_{fl}"] = g * g * qnu * qu / (math.sqrt(2) * G_FERMI * m * m)
        eps[f"eps_d_{fl}"] = g * g * qnu * qd / (math.sqrt(2) * G_FERMI * m * m)
    zp = csi.predict({"g_zp": g, "m_zp": m}, model="zprime-b-l")["cevns"]
    nsi = csi.predict(eps)["cevns"]
    assert abs(eps["eps_u_ee"]) > 0.05  # a visible effect, not a trivial comparison
    np.testing.assert_allclose(zp, nsi, rtol=1e-5)


def test_kinetic_mixing_loop_limit_and_antisymmetry():
    # |q| → 0: ∫ x(1−x) ln(m_β²/m_α²) = ln(m_β²/m_α²)/6
    assert kinetic_mixing_loop(1e-6, M_MUON, M_TAU) == pytest.approx(math.log(M_TAU**2 / M_MUON**2) / 6, rel=1e-9)
    cp, cn = zprime_coefficients("lmu-ltau", np.array([1.0, 30.0, 100.0]))
    np.testing.assert_allclose(cp[1], -cp[2])
    assert np.all(cp[0] == 0) and np.all(cn == 0)
    # |q| dependence: the loop decreases as |q| grows past m_μ
    assert cp[1][2] < cp[1][0]


def test_model_parameters_refused_without_model():
    with pytest.raises(ConfigError, match="g_zp"):
        make_likelihood("coherent-csi-2021", "sm", {}, ["g_zp"])
    with pytest.raises(ConfigError, match="unknown model"):
        make_likelihood("coherent-csi-2021", "zprime-univeral", {}, ["g_zp"])


def test_fixed_and_scanned_mass_agree(csi):
    lik = make_likelihood("coherent-csi-2021", "zprime-universal", {"m_zp": 40.0}, ["g_zp"])
    chi2, _ = lik.evaluate(np.array([[3e-5]]))
    # the same point with the mass scanned instead of fixed
    lik2 = make_likelihood("coherent-csi-2021", "zprime-universal", {}, ["g_zp", "m_zp"])
    chi2b, _ = lik2.evaluate(np.array([[3e-5, 40.0]]))
    assert chi2[0] == chi2b[0]
    sm, _ = make_likelihood("coherent-csi-2021", "sm", {}, ["sin2w"]).evaluate(np.array([[0.23857]]))
    assert chi2[0] != pytest.approx(sm[0], rel=1e-6)
