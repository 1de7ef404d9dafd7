"""XENONnT ER 2022: loader sums, solar inputs, magnetic-moment response vs scipy quad, and the μ_ν limit."""

import math

import numpy as np
import pytest
from scipy import integrate

from cevns.kernels.constants import ALPHA_EM, HBARC2_MEV2_CM2, M_ELECTRON
from cevns.scanner import datasets, solar
from cevns.scanner.experiments import get_experiment
from cevns.scanner.experiments.xenonnt_er_2022 import (
    SECONDS_PER_YEAR,
    resolution_sigma,
    xenon_atoms_per_tonne,
)


@pytest.fixture(scope="module")
def xe():
    return get_experiment("xenonnt-er-2022")


def test_loader_matches_provenance(xe):
    ev = datasets.load_table("xenonnt-er-2022", "data_unbinned_1to30kev.txt").ravel()
    assert ev.size == 433
    assert ev.min() == pytest.approx(1.70, abs=0.005) and ev.max() == pytest.approx(29.98, abs=0.005)
    assert xe.obs.sum() == 433
    bkg = datasets.load_table("xenonnt-er-2022", "bkg_model.txt")
    assert bkg.shape == (300, 2)
    sel = (bkg[:, 0] > 1) & (bkg[:, 0] < 30)
    assert bkg[sel, 1].mean() == pytest.approx(12.7, abs=0.05)  # PROVENANCE: mean B0 12.7 /(t yr keV)
    eff = datasets.load_table("xenonnt-er-2022", "efficiency.txt")
    assert eff.shape == (787, 2)
    assert xe.efficiency(2.0) == pytest.approx(0.70, abs=0.02) and xe.efficiency(10.0) == pytest.approx(0.80, abs=0.02)
    # PROVENANCE: ≈ 427 expected from B0 × 29 keV × 1.16 t·yr.
    assert xe.b0.sum() == pytest.approx(427, rel=0.01)
    assert xe.b0.shape == (29,)


def test_solar_inputs():
    # pp mean energy (Bahcall 0.2668 MeV; allowed shape without the Fermi function: within 1 %).
    assert solar.mean_energy("pp") == pytest.approx(0.2668, rel=0.01)
    assert solar.mean_energy("b8") == pytest.approx(6.735, rel=1e-3)
    for s in solar.CONTINUOUS:
        val, _ = integrate.quad(lambda e, s=s: float(solar.spectrum(s, e)), 0, solar.CONTINUOUS[s], limit=200)
        assert val == pytest.approx(1.0, rel=1e-6)
    s12, s13 = solar.SIN2_THETA12, solar.SIN2_THETA13
    vac = (1 - s13) ** 2 * (1 - 2 * s12 * (1 - s12)) + s13**2
    assert solar.survival_probability(1e-4) == pytest.approx(vac, rel=1e-4)
    assert solar.survival_probability(1e4) == pytest.approx((1 - s13) ** 2 * s12 + s13**2, rel=1e-3)
    assert 0.28 < solar.survival_probability(10.0) < 0.36  # ⁸B region (SNO/SK measure ≈ 0.3)
    pe, px = solar.flavour_fractions(np.array([0.3, 5.0]))
    assert np.allclose(pe + px, 1.0)


def test_mm_rate_vs_quad(xe):
    """Unsmeared dR/dT at three nodes against an independent double integral (scipy quad over E_ν)."""
    pref = math.pi * ALPHA_EM**2 * HBARC2_MEV2_CM2 / M_ELECTRON**2 * 1e-24  # μ = 1e-12 μ_B
    per = xenon_atoms_per_tonne() * SECONDS_PER_YEAR * 1e-3  # per t·yr·keV
    for k in (5, 60, 110):
        t = xe.t_nodes[k]
        emin = 0.5 * (t + math.sqrt(t * t + 2 * M_ELECTRON * t))
        tot = 0.0
        for s, q in solar.CONTINUOUS.items():
            def f(e, s=s, t=t):
                return float(solar.spectrum(s, e) * (1 / t - 1 / e))
            tot += solar.FLUXES[s] * integrate.quad(f, emin, q, limit=200, epsabs=0)[0]
        for s, e in solar.LINES.items():
            if e >= emin:
                tot += solar.FLUXES[s] * (1 / t - 1 / e)
        ref = per * pref * xe.zeff[k] * tot  # flavour-blind μ: P_ee sums out
        assert xe.mm_rate_true(t) == pytest.approx(ref, rel=1e-3)


def test_energy_response_vs_quad(xe):
    t_kev = 1e3 * xe.t_nodes
    for k in (10, 70):
        for i in (0, 4, 20):
            lo, hi = xe.edges[i], xe.edges[i + 1]
            s, tk = float(resolution_sigma(t_kev[k])), t_kev[k]

            def g(e, s=s, tk=tk):
                return xe.efficiency(e) * math.exp(-0.5 * ((e - tk) / s) ** 2) / (math.sqrt(2 * math.pi) * s)
            ref = integrate.quad(g, lo, hi, limit=200)[0]
            assert xe.resp[i, k] == pytest.approx(ref, rel=1e-3, abs=1e-9)


def test_signal_scales_and_no_double_counting(xe):
    p0, p1 = xe.predict({}), xe.predict({"mu_nu_eff": 2.0})
    assert np.all(p0["magnetic_moment"] == 0)
    assert np.allclose(xe.predict({"mu_nu_eff": 4.0})["magnetic_moment"], 4 * p1["magnetic_moment"])
    assert np.allclose(p1["b0"], p0["b0"])
    # The SM solar ES (inside B0) is a small part of B0: 10–40 % per bin, never more than B0.
    sm = xe.solar_sm_counts()
    assert np.all(sm < xe.b0) and 50 < sm.sum() < 120
    assert xe.mm_by_flavour.shape == (2, 29)
    assert np.all(xe.mm > 0)


def test_mu_limit_near_published(xe):
    """Δχ² = 2.71 upper limit; XENONnT 6.3e-12 μ_B (LZ 6.2e-12, 000:1469, not public). Tolerance ±30 %."""
    from cevns.scanner.fit import fit

    res = fit("xenonnt-er-2022", ["mu_nu_eff"], n_grid=101)
    hi = res["interval_90"]["mu_nu_eff"][1]
    assert 6.3 * 0.7 < hi < 6.3 * 1.3
    lik = xe.likelihood(["mu_nu_eff"], {})
    chi, _ = lik.evaluate(np.array([[0.0], [hi]]))
    assert chi[1] - res["chi2_min"] == pytest.approx(2.7055, abs=1e-3)
    assert np.all(lik.last_status == 0)


def test_flavour_moments_split_the_solar_flux():
    # moment=flavour: μ_α = μ for every flavour equals μ_eff; μ_e alone sees only the ν_e part (P_ee)
    from cevns.scanner.experiments import get_experiment

    xe = get_experiment("xenonnt-er-2022:moment=flavour")
    eff = xe.predict({"mu_nu_eff": 5.0})["magnetic_moment"]
    flav = xe.predict({"mu_nu_e": 0.05, "mu_nu_mu": 0.05, "mu_nu_tau": 0.05})["magnetic_moment"]
    np.testing.assert_allclose(flav, eff, rtol=1e-12)
    only_e = xe.predict({"mu_nu_e": 0.05})["magnetic_moment"]
    assert 0.3 < only_e.sum() / eff.sum() < 0.7  # P_ee of pp/7Be neutrinos ≈ 0.55
    lik = xe.likelihood(["mu_nu_e"], {})
    import pickle

    assert len(pickle.dumps(lik)) < 20_000  # the likelihood does not drag the experiment along


def test_effective_moment_is_labelled_by_the_production_flavour(xe):
    """Default moment=effective: mu_nu_e is the effective moment of the solar beam (all produced as ν_e, seed
    002:202), i.e. the whole flux: mu_nu_e = 0.05 (1e-10 μ_B) is mu_nu_eff = 5 (1e-12 μ_B); ν_μ, ν_τ moments are
    refused with a pointer to the flavour option, and the limits agree in their units."""
    from cevns.scanner.errors import ConfigError
    from cevns.scanner.fit import fit

    np.testing.assert_allclose(xe.predict({"mu_nu_e": 0.05})["magnetic_moment"],
                               xe.predict({"mu_nu_eff": 5.0})["magnetic_moment"], rtol=1e-12)
    with pytest.raises(ConfigError, match="moment=flavour"):
        xe.likelihood(["mu_nu_mu"], {})
    with pytest.raises(ConfigError, match="produced as ν_e"):
        fit("xenonnt-er-2022", ["mu_nu_tau"])
    res_e = fit("xenonnt-er-2022", ["mu_nu_e"], n_grid=101)
    res_eff = fit("xenonnt-er-2022", ["mu_nu_eff"], n_grid=101)
    assert res_e["interval_90"]["mu_nu_e"][1] * 100 == pytest.approx(res_eff["interval_90"]["mu_nu_eff"][1], rel=2e-3)
