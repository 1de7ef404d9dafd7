"""Electromagnetic properties, off-diagonal NSI and the scalar mediator on CsI 2021 (issue 5 models).

The magnetic-moment term is checked against an independent quad computation built on the slow reference's
detector response (cevns.scanner.quad_reference), the others against exact algebraic properties.
"""

import math

import numpy as np
import pytest
from scipy import integrate

from cevns.scanner import quad_reference as ref
from cevns.scanner.experiments import get_experiment

ALPHA = 1 / 137.035999084
M_E = 0.51099895


@pytest.fixture(scope="module")
def csi():
    return get_experiment("coherent-csi-2021")


def flavour_totals(exp, params, model="sm"):
    return {k: v.sum() for k, v in exp.predict_cevns_by_flavour(params, model=model).items()}


def test_charge_radius_default_is_the_sm(csi):
    sm = csi.predict()["cevns"]
    same = csi.predict({"rch2_ee": -0.82, "rch2_mumu": -0.48})["cevns"]
    np.testing.assert_allclose(same, sm, rtol=1e-13)
    shifted = flavour_totals(csi, {"rch2_ee": 5.0})
    base = flavour_totals(csi, {})
    assert shifted["numu"] == pytest.approx(base["numu"], rel=1e-13)
    assert shifted["nue"] != pytest.approx(base["nue"], rel=1e-3)


def _mm_energy_counts_quad(mu_over_mub, flavour):
    """ΔN_i = N Φ Σ_nuc ∫dT A_i(T) ∫dE f(E) (πα²/m_e²)(ħc)² (1/T − 1/E) Z² F_p² μ², independent of the fast path."""
    pref = math.pi * ALPHA**2 / M_E**2 * ref.HBARC_MEV_CM**2 * mu_over_mub**2
    total = np.zeros(ref.N_PE)
    for nuc in ("cs", "i"):
        amu, z, n, rp = ref.NUCLEI[nuc]
        m = ref.nuclear_mass(nuc)

        def integrand(t, m=m, z=z, rp=rp):
            q = math.sqrt(2 * m * t + t * t) / ref.HBARC_MEV_FM
            fp = ref.helm(q, rp)
            emin = ref.e_min(t, m)
            if flavour == "numu":
                flux = (1 / t - 1 / ref.E_PI) if emin <= ref.E_PI else 0.0
            else:
                f = ref._SPECTRUM[flavour]
                if emin >= ref.E_MICHEL_MAX:
                    return np.zeros(ref.N_PE)
                flux = integrate.quad(lambda e: f(e) * (1 / t - 1 / e), emin, ref.E_MICHEL_MAX, epsrel=1e-10)[0]
            return ref.response(t) * flux * z * z * fp * fp

        tmax = ref.t_max(ref.E_PI if flavour == "numu" else ref.E_MICHEL_MAX, m)
        val, _ = integrate.quad_vec(integrand, ref.T_LOW, tmax, epsrel=1e-8)
        total += val
    return ref.N_CSI * ref.FLUENCE * pref * total


@pytest.mark.parametrize("flavour, param", [("numu", "mu_nu_mu"), ("nue", "mu_nu_e")])
def test_magnetic_moment_term_matches_quad(flavour, param):
    csi = get_experiment("coherent-csi-2021:channels=cevns")  # nuclear term only; ν–e below
    mu = 50.0  # 1e-10 μ_B
    fast = csi.predict_cevns_by_flavour({param: mu})[flavour] - csi.predict_cevns_by_flavour({})[flavour]
    slow = np.outer(_mm_energy_counts_quad(mu * 1e-10, flavour), ref.time_fractions(flavour))
    mask = slow > 0.05
    assert mask.sum() > 10
    np.testing.assert_allclose(fast[mask], slow[mask], rtol=1e-3)
    assert fast.sum() == pytest.approx(slow.sum(), rel=1e-4)


def test_magnetic_moment_is_quadratic_and_incoherent(csi):
    base = csi.predict()["cevns"].sum()
    d1 = csi.predict({"mu_nu_mu": 10.0})["cevns"].sum() - base
    d2 = csi.predict({"mu_nu_mu": -20.0})["cevns"].sum() - base
    assert d1 > 0
    assert d2 == pytest.approx(4 * d1, rel=1e-9)


def test_scalar_has_no_interference(csi):
    base = csi.predict(model="scalar-universal")["cevns"].sum()
    assert base == pytest.approx(csi.predict()["cevns"].sum(), rel=1e-13)
    d1 = csi.predict({"g_phi": 2e-5, "m_phi": 50.0}, model="scalar-universal")["cevns"].sum() - base
    d2 = csi.predict({"g_phi": 4e-5, "m_phi": 50.0}, model="scalar-universal")["cevns"].sum() - base
    assert d1 > 0
    assert d2 == pytest.approx(16 * d1, rel=1e-9)  # pure g⁴ term: no interference with the SM


def test_off_diagonal_nsi_is_incoherent(csi):
    base = flavour_totals(csi, {})
    plus = flavour_totals(csi, {"eps_u_emu": 0.2})
    minus = flavour_totals(csi, {"eps_u_emu": -0.2})
    for k in base:
        assert plus[k] == pytest.approx(minus[k], rel=1e-12)
        assert plus[k] > base[k]
    tau = flavour_totals(csi, {"eps_d_mutau": 0.2})
    assert tau["nue"] == pytest.approx(base["nue"], rel=1e-13)
    assert tau["numu"] > base["numu"]


def test_millicharge_enters_as_one_over_q2(csi):
    base = flavour_totals(csi, {})
    a = flavour_totals(csi, {"q_nu_e": 5.0})
    b = flavour_totals(csi, {"q_nu_e": -5.0})
    assert a["numu"] == pytest.approx(base["numu"], rel=1e-13)
    # interference: the two signs move the ν_e rate in opposite directions around the SM
    assert (a["nue"] - base["nue"]) * (b["nue"] - base["nue"]) < 0


def _electron_response(e_kevee):
    """Independent PE-bin response for an unquenched deposit: Gamma(1 + b, rate a(1 + b)) × efficiency (000:668)."""
    from scipy import stats

    a = ref.RES_A / e_kevee
    b = ref.RES_B * e_kevee
    dist = stats.gamma(1 + b, scale=1 / (a * (1 + b)))
    out = np.zeros(ref.N_PE)
    for i in range(ref.N_PE):
        lo, hi = max(ref.PE_EDGES[i], ref.X_EFF_ZERO), ref.PE_EDGES[i + 1]
        if hi > lo:
            out[i] = integrate.quad(lambda x: dist.pdf(x) * ref.efficiency(x), lo, hi, epsrel=1e-10)[0]
    return out


def test_electron_magnetic_moment_matches_quad():
    # ν–e MM on the Cs + I electrons: Z_eff(T) (πα²/m_e²)(1/T − 1/E) μ² (000:1384), prompt ν_μ line only
    from cevns.kernels.atomic import shell_arrays
    from cevns.kernels.electron_scattering import z_eff

    with_es = get_experiment("coherent-csi-2021")
    without = get_experiment("coherent-csi-2021:channels=cevns")
    mu = 40.0
    fast = (with_es.predict_cevns_by_flavour({"mu_nu_mu": mu})["numu"]
            - without.predict_cevns_by_flavour({"mu_nu_mu": mu})["numu"]).sum(axis=1)
    shells = [shell_arrays("Cs"), shell_arrays("I")]
    pref = math.pi * ALPHA**2 / M_E**2 * ref.HBARC_MEV_CM**2 * (mu * 1e-10) ** 2

    def integrand(t):
        zeff = sum(z_eff(t, *sh) for sh in shells)
        return _electron_response(1e3 * t) * zeff * (1 / t - 1 / ref.E_PI)

    edges = sorted({1e-4, 1.2e-2, *[x for th, _ in shells for x in th if 1e-4 < x < 1.2e-2]})
    slow = sum(integrate.quad_vec(integrand, a, b, epsrel=1e-7)[0] for a, b in zip(edges[:-1], edges[1:]))
    slow = slow * ref.N_CSI * ref.FLUENCE * pref * ref.time_fractions("numu").sum()
    mask = slow > 0.02
    assert mask.sum() >= 5
    np.testing.assert_allclose(fast[mask], slow[mask], rtol=2e-3)


def test_transition_moments_project_per_source(csi):
    # tmm with only Λ_3: the SNS sources see different μ_eff² (003:211, 223, 236), all from the same |Λ_3|
    from cevns.kernels.tmm import mu2_eff_points  # noqa: F401  (the model's projection, tested in test_tmm)

    base = flavour_totals(csi, {}, model="tmm")
    assert base == pytest.approx(flavour_totals(csi, {}), rel=1e-13)
    t = flavour_totals(csi, {"tmm_l3": 30.0}, model="tmm")
    for k in base:
        assert t[k] > base[k]
    # a flavour moment equal to the projected one reproduces the prompt ν_μ source exactly
    d_prompt = t["numu"] - base["numu"]
    ratio = d_prompt / (flavour_totals(csi, {"mu_nu_mu": 30.0})["numu"] - base["numu"])
    assert 0.0 < ratio <= 1.0 + 1e-12  # μ_eff²(ν_μ) = |Λ_3|² (c23² + s13² s23²) ≤ |Λ_3|²


def test_millicharge_and_radius_enter_with_opposite_signs():
    # g_V^p → g_V^p − (2/3) m_W² s_W² (⟨r²⟩ − 6 q_ν/|q|²) (Kouzakov & Studenikin 2017): at a node with
    # |q|² = Q2 a millicharge q equals the radius shift Δ⟨r²⟩ = −6 q/Q2.
    from cevns.kernels.constants import HBARC2_MEV2_CM2
    from cevns.scanner.models import CHARGE_RADIUS_UNIT_CM2, MILLICHARGE_UNIT, coupling_columns

    q, q2 = 2.0, 900.0  # 1e-8 e, MeV²
    mc = coupling_columns("sm", {"q_nu_e": q}, 1)[0, 14] / q2
    dr2_mev = -6 * q * MILLICHARGE_UNIT / q2  # MeV⁻²
    dr2_units = dr2_mev * HBARC2_MEV2_CM2 / CHARGE_RADIUS_UNIT_CM2
    cr = coupling_columns("sm", {"rch2_ee": -0.82 + dr2_units}, 1)[0, 0]
    assert mc == pytest.approx(cr, rel=1e-12)
    assert mc > 0


@pytest.mark.parametrize("name", ["coherent-csi-2021", "coherent-csi-2017", "coherent-lar-2020", "dresden-ii",
                                  "future-conus", "future-coherent-nai"])
def test_listed_parameters_act_and_the_others_are_refused(name):
    """Issue 5: every NSI / EM parameter an experiment lists changes its prediction (a flat χ² would print the
    parameter's range as a "limit"), and the flavour-labelled ones its source does not deliver are refused with
    the reason (ε_ττ, μ_ντ at the SNS; every ν_μ, ν_τ parameter at a reactor)."""
    from cevns.scanner.errors import ConfigError
    from cevns.scanner.experiments import get_experiment
    from cevns.scanner.models import EM_PARAMETERS, NSI_PARAMETERS, parameter_flavours

    exp = get_experiment(name)
    ref = np.concatenate([np.ravel(v) for v in exp.predict({}).values()])
    delivered = set(exp.source_flavours)
    assert delivered and delivered <= {0, 1}
    for nm in (*NSI_PARAMETERS, *EM_PARAMETERS):
        applies = bool(parameter_flavours(nm) & delivered)
        assert (nm in exp.parameters) == applies, nm
        if applies:
            default = exp.defaults().get(nm, 0.0)
            out = np.concatenate([np.ravel(v) for v in exp.predict({nm: default + 0.5}).values()])
            assert np.max(np.abs(out - ref)) > 1e-9 * np.max(np.abs(ref)), nm
        else:
            with pytest.raises(ConfigError, match="only, which the"):
                exp.check_params({nm: 0.1})
