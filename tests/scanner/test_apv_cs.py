"""APV(Cs): weak charge, neutron-skin correction, published sin²θ_W rows (000:248–251), combination with CsI 2021."""

import math

import numpy as np
import pytest
from scipy import integrate

from cevns.kernels import apv
from cevns.scanner.errors import ConfigError
from cevns.scanner.experiments import get_experiment
from cevns.scanner.fit import fit
from cevns.scanner.registry import make_likelihood


@pytest.fixture(scope="module")
def table():
    from cevns.scanner.experiments.apv_cs import skin_table

    return skin_table()


def test_qw_sm_radiative():
    # seed 000:809: Q_W^SM(sin²θ̂_W(0) = 0.23857) = −73.23(1)
    assert abs(float(apv.qw_theory(0.23857)) + 73.23) < 0.02
    # the PDG bracket with the PDG 2022 SM couplings g_AV^ep = −0.0357, g_AV^en = 0.4950
    assert abs(apv.qw_sm_radiative(-0.0357, 0.4950) + 73.23) < 0.02
    # slope: ≈ −4Z (Q_W ≈ Z(1 − 4 sin²θ_W) − N)
    assert abs(apv.dqw_dsin2w() / (-4 * 55) - 1) < 2e-3
    # H29: Q_W = −72.58(29)(32) → sin²θ_W = 0.2356(20) (004:724–726)
    assert abs(float(apv.sin2w_from_qw(-72.58)) - 0.2356) < 1e-4
    assert abs(math.hypot(0.29, 0.32) / abs(apv.dqw_dsin2w()) - 0.0020) < 1e-4


def test_measured_weak_charge_pdg():
    # 000:815: Q_W^exp = −72.82(42) from Im(E_PNC/β) = −1.5924(55) mV/cm, β = 27.064(33), Im E_PNC = 0.8977(40)
    a, rel = apv.measured_amplitude()
    qw = 78 * a / 0.8977
    assert abs(qw + 72.82) < 0.005
    assert abs(abs(qw) * math.hypot(rel, 0.0040 / 0.8977) - 0.42) < 0.005


def test_helm_density_normalised():
    r = np.linspace(0, 25, 20001)
    for rms in (4.8, 5.5):
        rho = apv.helm_density(r, rms)
        assert abs(4 * np.pi * np.trapezoid(rho * r**2, r) - 1) < 1e-6
        assert abs(math.sqrt(4 * np.pi * np.trapezoid(rho * r**4, r)) - rms) < 1e-5


def test_axial_overlap_small_r_closed_form():
    # uniform charge sphere: V = V0 const near 0 with V0 = 3Zα/(2R); f ≈ 1 − (2/9) V0² r²
    R = 6.0
    r = np.linspace(0, 3, 30001)
    r_full = np.linspace(0, 20, 200001)
    rho_full = np.where(r_full < R, 3 / (4 * np.pi * R**3), 0.0)
    f = np.interp(r, r_full, apv.axial_overlap_f(r_full, rho_full))
    v0 = 1.5 * 55 * apv.ALPHA_EM / R
    # exact inside a uniform sphere: V = V0 (1 − r²/3R²); check at r = 1 fm to O(V0² r⁴/R²)
    assert f[0] == 1.0
    assert abs(f[10000] - (1 - 2 / 9 * v0**2)) < 5e-4


def test_skin_correction_vanishes_at_rn_eq_rp(table):
    assert abs(float(table.ratio(apv.RP_CS)) - 1) < 1e-8
    assert abs(float(apv.qw_exp(table.ratio(apv.RP_CS))) - float(apv.qw_exp(1.0))) < 1e-6
    # a larger neutron radius lowers q_n (f decreases outwards) → more negative Q_W^exp
    assert float(table.ratio(5.5)) < 1


def test_skin_table_vs_quad(table):
    # q_n/q_p by scipy quad on the tabulated f(r), at points between table nodes (1e-6 absolute)
    def q(rms):
        fun = lambda x: 4 * np.pi * apv.helm_density(np.array([x]), rms)[0] * np.interp(x, table.r, table.f) * x * x
        return integrate.quad(fun, 0, 25, limit=400, points=[rms])[0]
    qp = q(apv.RP_CS)
    for rn in (4.6013, 5.0937, 6.2071):
        assert abs(float(table.ratio(rn)) - q(rn) / qp) < 2e-6


def test_dzuba_skin_term(table):
    # 004:719: the neutron-skin term of Im E_PNC is −0.0018(5) for the extrapolated skin 0.13 fm (000:844)
    x = float(table.ratio(apv.RP_CS + 0.13))
    qw = float(apv.qw_exp(x))
    d_e = (78 / qw) * (1 - x) * apv.EPNC_INPUTS["pdg"]["wns"]
    assert abs(d_e + 0.0018) < 0.0005


@pytest.mark.parametrize("exp, best, err", [("apv-cs", 0.2375, 0.0019), ("apv-cs:epnc=2021", 0.2399, 0.0016)])
def test_apv_alone_sin2w(exp, best, err):
    # seed 000:248–249, R_n(Cs) = 5.09 fm (nuclear models, 000:915)
    r = fit(exp, ["sin2w"])
    assert abs(r["best"]["sin2w"] - best) < 2e-4
    lo, hi = r["interval_1sigma"]["sin2w"]
    assert abs(hi - r["best"]["sin2w"] - err) < 2e-4
    assert r["chi2_min"] < 1e-8


def test_predict_observed_options():
    e = get_experiment("apv-cs")
    p = e.predict({"sin2w": 0.23857, "rn_cs": apv.RP_CS})
    assert set(p) == {"qw_th", "qw_exp", "sigma"}
    assert abs(float(p["qw_th"]) + 73.23) < 1e-9
    assert abs(float(p["qw_exp"]) - float(e.observed())) < 1e-6
    assert float(e.predict({"rn": 5.5})["qw_exp"]) == float(e.predict({"rn_cs": 5.5})["qw_exp"])
    with pytest.raises(ConfigError):
        get_experiment("apv-cs:epnc=2019")
    with pytest.raises(ConfigError):
        make_likelihood("apv-cs", "sm", {"rn": 5.0}, ["rn_cs"])
    with pytest.raises(ConfigError):
        make_likelihood("apv-cs", "sm", {}, ["cevns_norm"])


def test_chi2_closed_form_and_pickle():
    import pickle

    lik = make_likelihood("apv-cs", "sm", {}, ["rn", "sin2w"])
    pts = np.array([[5.09, 0.2375], [5.6, 0.241], [4.9, 0.236]])
    chi2, eta = lik.evaluate(pts)
    assert eta.shape == (3, 0)
    tab = get_experiment("apv-cs").table
    for (rn, s), c in zip(pts, chi2):
        qe = float(apv.qw_exp(tab.ratio_direct(rn)))
        sig = abs(qe) * math.hypot(apv.measured_amplitude()[1], 0.0040 / 0.8995)
        assert abs(c - ((qe - float(apv.qw_theory(s))) / sig) ** 2) < 1e-5
    assert np.allclose(pickle.loads(pickle.dumps(lik)).evaluate(pts)[0], chi2)


def test_combination_is_sum_of_parts():
    names = ["rn", "sin2w"]
    pts = np.array([[5.09, 0.2375], [5.5, 0.24], [4.7, 0.23]])
    comb = make_likelihood("coherent-csi-2021+apv-cs", "sm", {}, names)
    c, eta = comb.evaluate(pts)
    c_apv = make_likelihood("apv-cs", "sm", {}, names).evaluate(pts)[0]
    c_csi, eta_csi = make_likelihood("coherent-csi-2021", "sm", {}, names).evaluate(pts)
    assert np.allclose(c, c_apv + c_csi, rtol=1e-12, atol=1e-10)
    assert np.allclose(eta, eta_csi)
    # rn_cs and rn_i of CsI with APV: rn_cs shared by name
    c2 = make_likelihood("coherent-csi-2021+apv-cs", "sm", {}, ["rn_cs", "rn_i"]).evaluate([[5.3, 5.6]])[0]
    c2_parts = (make_likelihood("apv-cs", "sm", {}, ["rn_cs"]).evaluate([[5.3]])[0]
                + make_likelihood("coherent-csi-2021", "sm", {}, ["rn_cs", "rn_i"]).evaluate([[5.3, 5.6]])[0])
    assert np.allclose(c2, c2_parts)


def test_models_without_effect_on_apv_keep_its_sm_chi2_in_combinations():
    """A vector Z', the scalar and tmm leave Q_W unchanged: CsI 2021 + APV under a Z' model is the CsI Z' χ² plus
    the APV SM χ² (shared sin²θ_W), and a Z' parameter on APV alone is refused with that reason."""
    import numpy as np

    from cevns.scanner.errors import ConfigError
    from cevns.scanner.registry import make_likelihood

    comb = make_likelihood("coherent-csi-2021+apv-cs", "zprime-universal", {"m_zp": 10.0}, ["g_zp", "sin2w"])
    csi = make_likelihood("coherent-csi-2021", "zprime-universal", {"m_zp": 10.0}, ["g_zp", "sin2w"])
    apv = make_likelihood("apv-cs", "sm", {}, ["sin2w"])
    pts = np.array([[0.0, 0.2386], [3e-5, 0.235], [6e-5, 0.240]])
    np.testing.assert_allclose(comb.evaluate(pts)[0], csi.evaluate(pts)[0] + apv.evaluate(pts[:, 1:])[0],
                               rtol=1e-12)
    with pytest.raises(ConfigError, match="couples vectorially"):
        make_likelihood("apv-cs", "zprime-universal", {"m_zp": 10.0}, ["g_zp"])
