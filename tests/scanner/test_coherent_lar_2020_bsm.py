"""coherent-lar-2020 beyond the SM: every model through cevns_source_spectra_bsm, and predict_with_nuisances.

SM defaults against the SM kernel (exact), the magnetic-moment term against an independent scipy quad of the
energy bins, zero Z' coupling = SM, combinations with CsI 2021, and the nuisance-applied prediction against the
likelihood's own μ.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate

from cevns.kernels.rates import cevns_source_spectra
from cevns.kernels.shape_nuisances import binned_cevns_shape_chi2_points
from cevns.scanner.errors import ConfigError
from cevns.scanner.experiments import get_experiment
from cevns.scanner.experiments.coherent_lar_2020 import energy_response, time_major
from cevns.scanner.experiments.sns import SNS_SOURCE_FLAVOUR
from cevns.scanner.registry import make_likelihood

# Independent constants (CODATA 2018 / PDG), not imported from the package.
ALPHA = 1 / 137.035999084
M_E = 0.51099895
M_MU = 105.6583755
M_PI = 139.57039
HBARC_CM = 197.3269804e-13


@pytest.fixture(scope="module")
def lar():
    return get_experiment("coherent-lar-2020")


def _sm_counts(lar, rn=None):
    th = lar.theta({} if rn is None else {"rn_ar": rn})
    return cevns_source_spectra(lar.base, lar.fp, lar.q, lar.gauss, lar.targets.z, lar.targets.n,
                                SNS_SOURCE_FLAVOUR, th[0], np.ascontiguousarray(th[2:]), lar.resp) * th[1]


def test_defaults_reproduce_the_sm(lar):
    for rn in (None, 3.0, 4.5):
        params = {} if rn is None else {"rn_ar": rn}
        np.testing.assert_allclose(lar.source_energy_counts(params), _sm_counts(lar, rn), rtol=1e-12, atol=0)
    # χ² through the BSM kernel at the defaults equals the SM kernel's.
    lik = lar.likelihood(["rn_ar", "mu_nu_mu", "rch2_ee"])
    pts = np.array([[3.0, 0.0, -0.82], [4.2, 0.0, -0.82]])
    c_bsm, e_bsm = lik.evaluate(pts)
    sm_arrays = (lar.base, lar.fp, lar.q, lar.gauss, lar.targets.z, lar.targets.n, SNS_SOURCE_FLAVOUR, lar.resp,
                 *lik.arrays[13:])
    th = np.array([[0.23857, 1.0, 3.0], [0.23857, 1.0, 4.2]])
    th[:, 0] = lar.defaults()["sin2w"]
    c_sm, e_sm, st = binned_cevns_shape_chi2_points(th, *sm_arrays, lik.x_start)
    assert np.all(st == 0)
    np.testing.assert_allclose(c_bsm, c_sm, rtol=1e-12)
    np.testing.assert_allclose(e_bsm, e_sm, atol=1e-9)
    # ... and a coupling moves it.
    assert lik.evaluate([[3.0, 30.0, -0.82]])[0][0] != pytest.approx(c_bsm[0], abs=1e-3)


def _michel(src, e):
    """Normalised Michel spectra of the delayed ν̄_μ and ν_e [MeV⁻¹]."""
    x = e / M_MU
    if src == "numubar":
        return 64.0 / M_MU * x * x * (0.75 - x)
    return 192.0 / M_MU * x * x * (0.5 - x)


def _mm_quad(lar, src, mu_b):
    """ΔE_i = N Φ ∫dT A_i(T) Z² F_p²(T) (πα²/m_e²)(ħc)² μ² ∫dE f(E)(1/T − 1/E), by scipy quad."""
    m = lar.targets.mass[0]
    z = lar.targets.z[0]
    rp = lar.rp
    s_helm = 0.9
    r0 = math.sqrt(5.0 / 3.0 * (rp * rp - 3 * s_helm * s_helm))
    pref = math.pi * ALPHA**2 / M_E**2 * HBARC_CM**2 * (mu_b * 1e-10) ** 2
    eff = lar.eff_table
    e_pi = (M_PI**2 - M_MU**2) / (2 * M_PI)
    e_max = e_pi if src == "numu" else M_MU / 2

    def integrand(t):
        q = math.sqrt(2 * m * t + t * t) / 197.3269804
        x = q * r0
        fp = 3 * (math.sin(x) - x * math.cos(x)) / x**3 * math.exp(-0.5 * q * q * s_helm**2)
        emin = 0.5 * (t + math.sqrt(t * t + 2 * m * t))
        if emin >= e_max:
            return np.zeros(12)
        if src == "numu":
            flux = 1 / t - 1 / e_pi
        else:
            flux = integrate.quad(lambda e: _michel(src, e) * (1 / t - 1 / e), emin, e_max, epsrel=1e-11)[0]
        ee = (lar.qf[0] + lar.qf[1] * 1e3 * t) * 1e3 * t
        a = energy_response(np.array([ee]), eff[:, 0], eff[:, 2], "true", lar.res_a)[:, 0]
        return a * flux * z * z * fp * fp

    tmax = 2 * e_max**2 / (m + 2 * e_max)
    # Kinks of the response at the efficiency-table points (true-energy efficiency).
    t_tab = [1e-3 * v for v in eff[:, 1] if 1e-3 * v < tmax]
    edges = [1e-3, *t_tab, tmax]
    total = np.zeros(12)
    for a, b in zip(edges[:-1], edges[1:]):
        total += integrate.quad_vec(integrand, a, b, epsrel=1e-9)[0]
    return lar.targets.count[0] * lar.fluence * pref * total


@pytest.mark.parametrize("src, param, k", [("numu", "mu_nu_mu", 0), ("numubar", "mu_nu_mu", 2),
                                           ("nue", "mu_nu_e", 1)])
def test_magnetic_moment_term_matches_quad(lar, src, param, k):
    mu = 40.0  # 1e-10 μ_B
    fast = lar.source_energy_counts({param: mu})[k] - lar.source_energy_counts({})[k]
    slow = _mm_quad(lar, src, mu)
    mask = slow > 0.01 * slow.max()
    assert mask.sum() >= 2
    np.testing.assert_allclose(fast[mask], slow[mask], rtol=1e-3)
    assert fast.sum() == pytest.approx(slow.sum(), rel=1e-3)


def test_zprime_zero_coupling_is_the_sm(lar):
    sm = lar.predict()["cevns"]
    for model in ("zprime-universal", "zprime-b-l", "zprime-lmu-ltau"):
        z0 = lar.predict({"g_zp": 0.0, "m_zp": 100.0}, model=model)["cevns"]
        np.testing.assert_array_equal(z0, sm)
    lik_sm = lar.likelihood(["rn_ar"])
    lik_z = lar.likelihood(["rn_ar", "g_zp"], {"m_zp": 100.0}, model="zprime-universal")
    c_sm = lik_sm.evaluate([[3.5], [4.5]])[0]
    c_z = lik_z.evaluate([[3.5, 0.0], [4.5, 0.0]])[0]
    np.testing.assert_array_equal(c_sm, c_z)
    assert lik_z.evaluate([[3.5, 1e-4]])[0][0] > c_sm[0] + 1.0


def test_parameters_and_models(lar):
    assert "zprime-universal" in lar.models and "scalar-universal" in lar.models
    for p in ("eps_u_ee", "eps_d_mutau", "mu_nu_mu", "rch2_emu", "q_nu_e"):
        assert p in lar.parameters
    with pytest.raises(ConfigError):
        lar.likelihood(["g_zp"])  # Z' parameter without a Z' model
    with pytest.raises(ConfigError):
        make_likelihood("coherent-lar-2020", names=["rn_cs"])


def test_combination_with_csi_sums_chi2():
    comb = make_likelihood("coherent-csi-2021+coherent-lar-2020", "zprime-universal", {"m_zp": 50.0},
                           names=["g_zp"])
    csi = make_likelihood("coherent-csi-2021", "zprime-universal", {"m_zp": 50.0}, names=["g_zp"])
    ar = make_likelihood("coherent-lar-2020", "zprime-universal", {"m_zp": 50.0}, names=["g_zp"])
    pts = np.array([[0.0], [2e-5], [6e-5]])
    np.testing.assert_allclose(comb.evaluate(pts)[0], csi.evaluate(pts)[0] + ar.evaluate(pts)[0], rtol=1e-12)


def test_predict_with_nuisances_is_the_likelihood_mu(lar):
    params = {"rn_ar": 3.2, "mu_nu_mu": 20.0}
    chi2, eta = lar.chi2(params)
    comps = lar.predict_with_nuisances(params, eta)
    assert set(comps) == {"cevns", "brn", "delbrn", "ss"}
    mu = sum(comps.values())
    n = lar.observed()
    pos = n > 0
    c = 2 * np.sum(mu - n) + 2 * np.sum(n[pos] * np.log(n[pos] / mu[pos])) + np.sum((eta / lar.sigmas) ** 2)
    assert c == pytest.approx(chi2, rel=1e-10)
    # Zero nuisances give predict(); a normalisation nuisance scales its component only.
    zero = lar.predict_with_nuisances(params, np.zeros(9))
    pred = lar.predict(params)
    for k in pred:
        np.testing.assert_allclose(zero[k], pred[k], rtol=1e-14)
    x = np.zeros(9)
    x[3] = 0.5
    one = lar.predict_with_nuisances(params, x)
    np.testing.assert_allclose(one["brn"], 1.5 * pred["brn"], rtol=1e-14)
    np.testing.assert_allclose(one["cevns"], pred["cevns"], rtol=1e-14)
    # Time-major kernel order round trip used by the likelihood.
    assert np.array_equal(time_major(lar.obs.ravel()).sum(), lar.obs.sum())
    with pytest.raises(ConfigError):
        lar.predict_with_nuisances(params, np.zeros(3))
