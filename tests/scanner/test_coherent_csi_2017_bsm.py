"""coherent-csi-2017 beyond the SM: every model through cevns_source_spectra_bsm, both analyses.

SM defaults against the SM kernels (prediction and χ², 1e-12), the ν–e magnetic-moment response against an
independent scipy quad (own constants, Michel spectra and Poisson × acceptance), zero Z' coupling = SM, the
single-bin BSM χ² against the closed form of its own prediction, options and combinations.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from cevns.kernels.atomic import shell_arrays
from cevns.scanner.errors import ConfigError
from cevns.scanner.experiments import coherent_csi_2017 as mod
from cevns.scanner.experiments import get_experiment
from cevns.scanner.registry import make_likelihood

# Independent constants (CODATA 2018 / PDG), not imported from the package.
ALPHA = 1 / 137.035999084
M_E = 0.51099895
M_MU = 105.6583755
M_PI = 139.57039
HBARC_CM = 197.3269804e-13


@pytest.fixture(scope="module")
def binned():
    return get_experiment("coherent-csi-2017")


@pytest.fixture(scope="module")
def single():
    return get_experiment("coherent-csi-2017:analysis=single-bin")


@pytest.mark.parametrize("params", [{}, {"rn": 4.5}, {"rn_cs": 5.2, "rn_i": 4.9, "sin2w": 0.25}])
def test_defaults_reproduce_the_sm_prediction(binned, single, params):
    e_bsm = binned._source_energy_counts(params)
    e_sm = binned.sm_source_energy_counts(params)
    np.testing.assert_allclose(e_bsm, e_sm, rtol=1e-12, atol=0)
    assert np.all(binned.es_mm[:, binned.fit_pe] > 0)  # the ν–e channel is there, and does not act at μ = 0
    for exp in (binned, single):
        a = exp.predict(params)["cevns"]
        b = exp.predict({**params, "mu_nu_mu": 0.0, "rch2_ee": -0.82, "eps_u_ee": 0.0})["cevns"]
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=0)


@pytest.mark.parametrize("analysis", ["binned", "single-bin"])
def test_defaults_reproduce_the_sm_chi2(analysis):
    exp = get_experiment(f"coherent-csi-2017:analysis={analysis}")
    sm = exp.likelihood(["rn", "sin2w"])
    bsm = exp.likelihood(["rn", "sin2w", "mu_nu_mu", "rch2_ee", "eps_d_mumu"])
    assert sm._sm_only() and not bsm._sm_only()
    pts = np.array([[4.5, 0.23], [5.5, 0.24], [6.5, 0.22]])
    c_sm, e_sm = sm.evaluate(pts)
    c_bsm, e_bsm = bsm.evaluate(np.column_stack([pts, np.zeros(3), np.full(3, -0.82), np.zeros(3)]))
    np.testing.assert_allclose(c_bsm, c_sm, rtol=1e-12)
    np.testing.assert_allclose(e_bsm, e_sm, atol=1e-9)
    # ... and each coupling moves it.
    for col, val in ((2, 30.0), (3, 20.0), (4, 0.3)):
        p = np.column_stack([pts, np.zeros(3), np.full(3, -0.82), np.zeros(3)])[:1].copy()
        p[0, col] = val
        assert abs(bsm.evaluate(p)[0][0] - c_sm[0]) > 1e-3


def _michel(s, e):
    """Normalised delayed spectra [MeV⁻¹]: s = 1 ν_e, s = 2 ν̄_μ."""
    x = e / M_MU
    return 192.0 / M_MU * x * x * (0.5 - x) if s == 1 else 64.0 / M_MU * x * x * (0.75 - x)


def _es_quad(binned, bins):
    """Per-μ_B² ν–e magnetic-moment counts per source in 2-PE bins ``bins``, by scipy quad.

    N = n_CsI Φ ∫dT Z_eff(T) (πα²/m_e²)(ħc)² ∫dE f(E)(1/T − 1/E) Σ_b∈bin f_acc(b + ½) ½[P(b|μ) + P(b+1|μ)],
    μ = 13.348 PE/keV × T; Z_eff counts the Cs and I electrons bound below T.
    """
    thr = np.concatenate([shell_arrays("Cs")[0], shell_arrays("I")[0]])
    cnt = np.concatenate([shell_arrays("Cs")[1], shell_arrays("I")[1]])
    pref = math.pi * ALPHA**2 / M_E**2 * HBARC_CM**2
    e_pi = (M_PI**2 - M_MU**2) / (2 * M_PI)
    n_mol = binned.targets.count[0]

    def flux_term(s, t):
        emin = 0.5 * (t + math.sqrt(t * t + 2 * M_E * t))
        if s == 0:
            return (1 / t - 1 / e_pi) if emin < e_pi else 0.0
        if emin >= M_MU / 2:
            return 0.0
        return integrate.quad(lambda e: _michel(s, e) * (1 / t - 1 / e), emin, M_MU / 2, epsrel=1e-10)[0]

    def weights(t):
        mu = 1e3 * t * mod.LIGHT_YIELD
        n = np.arange(51)
        p = stats.poisson.pmf(n, mu)
        b = np.arange(50)
        xb = b + 0.5
        acc = 0.6655 / (1 + np.exp(-0.4942 * (xb - 10.8507))) * np.where(xb < 5, 0, np.where(xb < 6, 0.5, 1))
        fine = acc * 0.5 * (p[:-1] + p[1:])
        return np.array([fine[2 * i:2 * i + 2].sum() for i in bins])

    def integrand(t):
        zeff = cnt[thr < t].sum()
        return np.array([zeff * pref * flux_term(s, t) * weights(t) for s in range(3)]).ravel()

    pts = sorted({1e-4, 1e-3, 3e-3, 6e-3, 2e-2, *[x for x in thr if 1e-4 < x < 2e-2]})
    total = 0.0
    for lo, hi in zip(pts[:-1], pts[1:]):
        total = total + integrate.quad_vec(integrand, lo, hi, epsrel=1e-8, epsabs=0.0, limit=200)[0]
    return total.reshape(3, len(bins)) * n_mol * binned.fluence


def test_electron_mm_response_vs_quad(binned):
    bins = [3, 5, 9]  # 6–8, 10–12, 18–20 PE
    np.testing.assert_allclose(binned.es_mm[:, bins], _es_quad(binned, bins), rtol=1e-3)


def test_channels_option(single):
    off = get_experiment("coherent-csi-2017:channels=cevns")
    assert not np.any(off.es_mm)
    on = get_experiment("coherent-csi-2017")
    p = {"mu_nu_mu": 40.0}
    d_on = on.predict(p)["cevns"].sum() - off.predict(p)["cevns"].sum()
    # μ² × Σ_s∈(prompt ν_μ, delayed ν̄_μ) ν–e counts in the 6–50 PE window, all times.
    expect = (40e-10) ** 2 * on.es_mm[[0, 2]][:, on.fit_pe].sum()
    assert d_on == pytest.approx(expect, rel=1e-9) and d_on > 1.0
    # ν_e moment: only the delayed ν_e source.
    d_e = on.predict({"mu_nu_e": 40.0})["cevns"].sum() - off.predict({"mu_nu_e": 40.0})["cevns"].sum()
    assert d_e == pytest.approx((40e-10) ** 2 * on.es_mm[1][on.fit_pe].sum(), rel=1e-9)
    with pytest.raises(ConfigError, match="not one of"):
        get_experiment("coherent-csi-2017:channels=es")


def test_single_bin_bsm_matches_its_prediction(single):
    lik = single.likelihood(["rn", "mu_nu_e", "q_nu_mu"])
    pts = np.array([[5.0, 20.0, 0.0], [5.5, 0.0, 5.0], [4.5, 30.0, -3.0]])
    chi2, eta = lik.evaluate(pts)
    for k, (rn, mu, q) in enumerate(pts):
        n_th = single.predict({"rn": rn, "mu_nu_e": mu, "q_nu_mu": q})["cevns"][0]
        expect = mod.single_bin_chi2(n_th, 142.0, 6.0, 405.0, 0.28, 0.25)
        assert abs(chi2[k] - expect[0]) < 1e-10
        np.testing.assert_allclose(eta[k], expect[1:], atol=1e-12)


def test_binned_bsm_chi2_matches_direct_poisson(binned):
    # With all nuisances fixed at 0 (σ → tiny), χ² is the Poisson χ² of predict() + priors: check at a BSM point.
    lik = binned.likelihood(["mu_nu_mu", "rch2_ee"])
    lik.sigmas = np.full(3, 1e-9)
    c, eta = lik.evaluate(np.array([[25.0, 5.0]]))
    pred = binned.predict({"mu_nu_mu": 25.0, "rch2_ee": 5.0})
    mu = (pred["cevns"] + pred["brn"] + pred["ss"]).ravel()
    n = binned.observed().ravel()
    direct = 2 * np.sum(mu - n + np.where(n > 0, n * np.log(np.where(n > 0, n, 1) / mu), 0.0))
    assert np.all(np.abs(eta) < 1e-6)
    assert c[0] == pytest.approx(direct, rel=1e-6)


def test_zprime_zero_coupling_is_sm(binned):
    base = binned.predict({})["cevns"]
    z0 = binned.predict({"g_zp": 0.0, "m_zp": 50.0}, model="zprime-universal")["cevns"]
    np.testing.assert_allclose(z0, base, rtol=1e-12)
    z1 = binned.predict({"g_zp": 1e-4, "m_zp": 50.0}, model="zprime-universal")["cevns"]
    assert abs(z1.sum() / base.sum() - 1) > 1e-3
    lik = binned.likelihood(["g_zp"], {"m_zp": 50.0}, model="zprime-universal")
    sm = binned.likelihood(["cevns_norm"]).evaluate([[1.0]])[0][0]
    assert lik.evaluate([[0.0]])[0][0] == pytest.approx(sm, rel=1e-10)


def test_models_and_refusals(binned):
    assert "tmm" in binned.models and "zprime-b-l" in binned.models
    with pytest.raises(ConfigError, match="does not apply"):
        binned.likelihood(["rn_ar"])
    with pytest.raises(ConfigError):
        binned.likelihood(["g_zp"])  # Z' parameter without its model
    with pytest.raises(ConfigError, match="not both"):
        binned.likelihood(["rn", "rn_cs"])


def test_combination_with_lar():
    lik = make_likelihood("coherent-csi-2017+coherent-lar-2020", "sm", {}, ["mu_nu_mu"])
    c, _ = lik.evaluate(np.array([[0.0], [40.0]]))
    assert c[1] > c[0] + 2.7
