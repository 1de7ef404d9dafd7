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


def _node_es_rate(xe, t_index, gv_shift, flavour_class):
    """Independent dR/dT [per t·yr·keV] of SM-like ν–e scattering with g_V → g_V + δ at one node, for the solar
    ν_e (class 0) or ν_μ+ν_τ (class 1) flux at Earth: scipy quad over E_ν of the textbook bracket
    (g_V+g_A)² + (g_V−g_A)²(1 − T/E)² − (g_V² − g_A²) m_e T/E² (000:1379), lines added by hand."""
    from cevns.kernels.constants import G_FERMI, SIN2W_LOW_ENERGY

    t = xe.t_nodes[t_index]
    gv = (0.5 if flavour_class == 0 else -0.5) + 2 * SIN2W_LOW_ENERGY + gv_shift
    ga = 0.5 if flavour_class == 0 else -0.5
    emin = 0.5 * (t + math.sqrt(t * t + 2 * M_ELECTRON * t))

    def bracket(e):
        return (gv + ga) ** 2 + (gv - ga) ** 2 * (1 - t / e) ** 2 - (gv * gv - ga * ga) * M_ELECTRON * t / e**2

    def frac(e):
        pe = float(solar.survival_probability(e))
        return pe if flavour_class == 0 else 1.0 - pe

    tot = 0.0
    for s, q in solar.CONTINUOUS.items():
        tot += solar.FLUXES[s] * integrate.quad(lambda e, s=s: float(solar.spectrum(s, e)) * frac(e) * bracket(e),
                                                emin, q, limit=200, epsabs=0)[0]
    for s, e in solar.LINES.items():
        if e >= emin:
            tot += solar.FLUXES[s] * frac(e) * bracket(e)
    pref = G_FERMI**2 * M_ELECTRON * HBARC2_MEV2_CM2 / (2 * math.pi)
    return xenon_atoms_per_tonne() * SECONDS_PER_YEAR * 1e-3 * pref * xe.zeff[t_index] * tot


def test_charge_radius_and_millicharge_vs_quad(xe):
    """The g_V-shift arrays (sin²θ_W, ⟨r²⟩, q_ν on ν–e; module docstring) against an independent quad: unsmeared
    node rates for ν_e with ⟨r²_ee⟩ = 30 and q_νe = 2e-5 (× 1e-8 e), for ν_μ with ⟨r²_μμ⟩ = −20 (weight cos²θ23), at
    three nodes; a millicharge's square is the textbook 2πα² q²/(m_e T²) at T ≪ E_ν."""
    from cevns.kernels.constants import G_FERMI
    from cevns.scanner.experiments.xenonnt_er_2022 import COS2_THETA23

    vals = {"rch2_ee": 30.0, "q_nu_e": 2e-5, "rch2_mumu": -20.0}
    d, m, tau = xe.gv_shifts(vals)
    assert np.all(tau == 0) and d[0, 2] == 0 and m[0, 1] == 0
    assert xe.gv_shift_bins.shape == (2, 5, 29)
    for k in (8, 60, 120):
        t = xe.t_nodes[k]
        got = []
        for c, dd, mm in ((0, d[0, 0], m[0, 0]), (1, d[0, 1], 0.0)):
            ref = _node_es_rate(xe, k, dd + mm / t, c) - _node_es_rate(xe, k, 0.0, c)
            got.append(ref)
        ref = got[0] + COS2_THETA23 * got[1]
        # ours, unsmeared: the same expansion as em_interference_counts with the node instead of the response
        one = np.zeros(xe.t_nodes.size)
        one[k] = 1.0
        resp = xe.resp
        xe.resp = one[None, :]
        try:
            bins = xe._gv_shift_bins()
            saved, xe.gv_shift_bins = xe.gv_shift_bins, bins
            ours = xe.em_interference_counts(vals)[0, 0] / xe.t_weights[k] * 1e-3 / 1.16
        finally:
            xe.resp, xe.gv_shift_bins = resp, saved
        assert ours == pytest.approx(ref, rel=1e-3), k
    # the millicharge's square is the textbook cross section at T ≪ E
    q = 1e-12
    mq = -math.sqrt(2) * math.pi * ALPHA_EM / (G_FERMI * M_ELECTRON) * q
    assert (G_FERMI**2 * M_ELECTRON / (2 * math.pi)) * 2 * mq**2 == pytest.approx(
        2 * math.pi * ALPHA_EM**2 * q * q / M_ELECTRON, rel=1e-12)


def test_em_parameters_sm_limit_and_fit(xe):
    """At the SM values the shift is exactly 0 and the χ² equals the magnetic-moment path's; a transition radius
    adds τ K₂ ≥ 0; the millicharge has a finite 90 % interval well inside its range, and a ν_τ radius is felt only
    through the ν_μ+ν_τ flux."""
    from cevns.scanner.fit import fit

    assert np.all(xe.em_interference_counts({}) == 0.0)
    assert np.all(xe.predict({"rch2_ee": -0.82, "q_nu_e": 0.0, "sin2w": 0.23857})["em_interference"] == 0.0)
    lik_em = xe.likelihood(["q_nu_e"])
    lik_mm = xe.likelihood(["mu_nu_eff"])
    assert lik_em.evaluate([[0.0]])[0][0] == pytest.approx(lik_mm.evaluate([[0.0]])[0][0], abs=1e-9)
    tr = xe.predict({"rch2_emu": 40.0})["em_interference"]
    assert np.all(tr > 0)
    r = fit("xenonnt-er-2022", ["q_nu_e"], n_grid=121)
    lo, hi = r["interval_90"]["q_nu_e"]
    assert -1e-3 < lo < 0 < hi < 1e-3  # |q_νe| ≲ 1e-12 e
    tt = xe.predict({"rch2_tautau": -0.30 + 40.0})["em_interference"]  # the same shift from each SM value
    mm = xe.predict({"rch2_mumu": -0.48 + 40.0})["em_interference"]
    from cevns.scanner.experiments.xenonnt_er_2022 import COS2_THETA23, SIN2_THETA23

    np.testing.assert_allclose(tt / SIN2_THETA23, mm / COS2_THETA23, rtol=1e-12)


def test_models_reduce_to_the_sm_and_heavy_zprime_is_a_sin2w_shift(xe):
    """Every model acting here is exactly the SM at zero coupling; a universal Z' far heavier than √(2 m_e T)
    shifts g_V of every flavour by g²/(√2 G_F M²), i.e. it equals sin²θ_W + g²/(2√2 G_F M²) (g_V = ±1/2 + 2 s²)."""
    from cevns.kernels.constants import G_FERMI, SIN2W_LOW_ENERGY
    from cevns.scanner.experiments.xenonnt_er_2022 import ER_MODELS

    for model in ER_MODELS:
        pred = xe.predict({}, model=model)
        assert np.all(pred["em_interference"] == 0.0) and np.all(pred["magnetic_moment"] == 0.0), model
    g, m = 1e-2, 1e4  # Δs² = 0.03
    zp = xe.predict({"g_zp": g, "m_zp": m}, model="zprime-universal")["em_interference"]
    ds2 = g * g / (2 * math.sqrt(2) * G_FERMI * m * m)
    sw = xe.predict({"sin2w": SIN2W_LOW_ENERGY + ds2})["em_interference"]
    assert np.max(np.abs(sw)) > 0.1  # a visible effect, not 0 = 0
    np.testing.assert_allclose(zp, sw, rtol=1e-6)
    # L_μ − L_τ: no tree coupling of ν_e to electrons; ν_μ and ν_τ see opposite charges
    lml = xe.predict({"g_zp": 1e-4, "m_zp": 0.05}, model="zprime-lmu-ltau")["em_interference"]
    assert np.all(np.isfinite(lml)) and np.max(np.abs(lml)) > 0


def test_scalar_node_rate_vs_quad(xe):
    """Scalar ν–e (Cerdeño et al. 2016; no interference): dσ/dT = Z_eff g⁴ m_e² T/(4π E² (2 m_e T + M²)²) at three
    nodes against an independent quad over the solar spectra (all flavours couple alike)."""
    g, mphi = 1e-5, 0.3
    model = "scalar-universal"
    from cevns.scanner.experiments.xenonnt_er_2022 import ModelArrays

    arr = ModelArrays.of(xe, model)
    for k in (8, 60, 120):
        t = xe.t_nodes[k]
        emin = 0.5 * (t + math.sqrt(t * t + 2 * M_ELECTRON * t))
        tot = 0.0
        for s, q in solar.CONTINUOUS.items():
            tot += solar.FLUXES[s] * integrate.quad(lambda e, s=s: float(solar.spectrum(s, e)) / e**2, emin, q,
                                                    limit=200, epsabs=0)[0]
        for s, e in solar.LINES.items():
            if e >= emin:
                tot += solar.FLUXES[s] / e**2
        ref = (g**4 * M_ELECTRON**2 * t / (4 * math.pi * (2 * M_ELECTRON * t + mphi**2) ** 2) * HBARC2_MEV2_CM2
               * tot * xe.zeff[k] * xenon_atoms_per_tonne() * SECONDS_PER_YEAR * 1.16 * xe.t_weights[k])
        one = np.zeros((1, xe.t_nodes.size))
        one[0, k] = 1.0
        arr.resp = one
        ours = arr._mediator_counts({"g_phi": g, "m_phi": mphi}, 1)[0, 0]
        assert ours == pytest.approx(ref, rel=1e-3), k


def test_transition_moments_on_solar_neutrinos(xe):
    """tmm (003:323–334): equal |Λ_i| = λ give μ²_sol = 2λ² at every energy; Λ_3 alone gives c13² Λ_3², so its limit
    is the effective-moment limit / c13; Λ_1 alone weighs 1 − c13² P_e1 with P_e1 of pp/⁷Be neutrinos (0.55–0.70)."""
    from cevns.scanner.fit import fit

    u, w = xe.tmm_templates()
    lam = 0.05  # 1e-10 μ_B
    mm = xe.predict({"tmm_l1": lam, "tmm_l2": lam, "tmm_l3": lam}, model="tmm")["magnetic_moment"]
    np.testing.assert_allclose(mm, 2 * (lam * 100) ** 2 * u, rtol=1e-12)
    assert np.all((w / u > 0.55) & (w / u < 0.72))
    c13 = math.sqrt(1 - solar.SIN2_THETA13)
    mu = fit("xenonnt-er-2022", ["mu_nu_eff"])["interval_90"]["mu_nu_eff"][1] / 100  # in 1e-10 μ_B
    l3 = fit("xenonnt-er-2022", ["tmm_l3"], model="tmm")["interval_90"]["tmm_l3"][1]
    assert l3 == pytest.approx(mu / c13, rel=2e-3)
    l1 = fit("xenonnt-er-2022", ["tmm_l1"], model="tmm")["interval_90"]["tmm_l1"][1]
    assert 1 / math.sqrt(1 - c13**2 * 0.55) < l1 / mu < 1 / math.sqrt(1 - c13**2 * 0.72)
    with pytest.raises(Exception, match="without their phases"):
        fit("xenonnt-er-2022", ["tmm_z1"], model="tmm")
