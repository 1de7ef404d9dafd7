"""Dresden-II ν̄_e–e through the light mediators (Z' models, scalar-universal, dark Z): SM limit, contact limit,
independent scipy double quads of one bin, (no) interference, models without an electron coupling, binned = per-node;
the dark Z's electron shift against its proton shift and against a shifted sin²θ_W."""

import json
import math

import numpy as np
import pytest
from dresden_quad_helpers import bin_prob as _bin_prob
from dresden_quad_helpers import interp as _interp
from scipy import integrate

from cevns.kernels.constants import (
    ALPHA_EM,
    G_FERMI,
    HBARC2_MEV2_CM2,
    M_ELECTRON,
    M_MUON,
    M_W,
    RHO_NC,
    SIN2W_LOW_ENERGY,
)
from cevns.kernels.couplings import FLAVOUR_E
from cevns.kernels.mediators import zprime_coefficients
from cevns.kernels.rates import N_COUPLINGS
from cevns.kernels.reactor import ES_MED_BINNED, ES_MED_NODES, ES_MED_OFF
from cevns.scanner.cli import main as cli_main
from cevns.scanner.experiments import get_experiment
from cevns.scanner.experiments.dresden_ii import electron_zprime_coefficient
from cevns.scanner.registry import make_likelihood

# Ge shells (binding energies [keV], electrons), written out independently of cevns.kernels.atomic.
THR = np.array([11.1031, 1.4143, 1.2478, 1.2167, 0.18, 0.1249, 0.1208, 0.0298, 0.015, 0.008]) * 1e-3
CNT = np.array([2, 2, 2, 4, 2, 2, 4, 10, 2, 2], dtype=float)
SQ2GF = math.sqrt(2.0) * G_FERMI
ES_PREF = G_FERMI**2 * M_ELECTRON / (2 * math.pi) * HBARC2_MEV2_CM2  # G_F² m_e/(2π) [cm²/MeV]


@pytest.fixture(scope="module")
def fef():
    return get_experiment("dresden-ii")


def _rows(exp, model, params):
    return exp.theta_rows(params, 1, model)[0]


def _es(exp, model, params):
    return exp._signal(None, norm=0.0, model=model, row=_rows(exp, model, params))


def _cevns(exp, model, params):
    return exp._signal(None, es=False, model=model, row=_rows(exp, model, params))


# -- limits -----------------------------------------------------------------------------------------------------------
def test_zero_coupling_is_the_sm(fef):
    """g = 0 gives the SM signal and χ² exactly, through the per-node and the binned (fixed-mass) paths."""
    sm_es, sm_cev = _es(fef, "sm", {}), _cevns(fef, "sm", {})
    c_sm = fef.likelihood([], {}).evaluate(np.zeros((1, 0)))[0][0]
    for model, g, m in (("zprime-universal", "g_zp", "m_zp"), ("zprime-le-lmu", "g_zp", "m_zp"),
                        ("scalar-universal", "g_phi", "m_phi")):
        assert np.array_equal(_es(fef, model, {g: 0.0, m: 1.0}), sm_es), model
        assert np.array_equal(_cevns(fef, model, {g: 0.0, m: 1.0}), sm_cev), model
        binned = make_likelihood("dresden-ii", model, {m: 1.0}, [g])
        nodes = make_likelihood("dresden-ii", model, {}, [g, m])
        assert binned.arrays[15] == ES_MED_BINNED and nodes.arrays[15] == ES_MED_NODES
        assert binned.evaluate(np.array([[0.0]]))[0][0] == c_sm, model
        assert nodes.evaluate(np.array([[0.0, 1.0]]))[0][0] == c_sm, model


def _loop0():
    """ε_μe(0) = (1/6) ln(m_μ²/m_e²) (the |q| → 0 limit of the loop integral of 000:1051)."""
    return math.log(M_MUON**2 / M_ELECTRON**2) / 6.0


def test_electron_coefficients():
    """c_e = Q'_e²/(√2 G_F) at tree level; L_e − L_μ also carries −(2α/π) ε_μe(|q|) (electron charge −1), checked
    at |q| → 0 and against a scipy quad of the loop integral at |q|² = 2 m_e T."""
    t = np.array([1e-6, 1e-4, 2e-3])
    for model, q2 in (("universal", 1.0), ("b-l", 1.0), ("b-3le", 9.0), ("b-2le-lmu", 4.0), ("b-le-2lmu", 1.0),
                      ("b-3lmu", 0.0), ("by-lmu-ltau", 0.0), ("lmu-ltau", 0.0)):
        np.testing.assert_allclose(electron_zprime_coefficient(f"zprime-{model}", t), q2 / SQ2GF, rtol=1e-14,
                                   err_msg=model)
    assert np.all(electron_zprime_coefficient("scalar-universal", t) == 0)
    # the dark Z: Δg_V^e = +2Δs² = −Δg_V^p/ρ with the proton's coefficient 1/(√2 G_F) (test_darkz_* below)
    np.testing.assert_allclose(electron_zprime_coefficient("darkz", t), -1.0 / (RHO_NC * SQ2GF), rtol=1e-15)
    for model, heavy in (("le-lmu", M_MUON), ("le-ltau", 1776.93)):
        c = electron_zprime_coefficient(f"zprime-{model}", t)
        for k, tk in enumerate(t):
            q2 = 2 * M_ELECTRON * tk
            eps = integrate.quad(lambda x, q2=q2, mh=heavy: x * (1 - x) * math.log((mh**2 + x * (1 - x) * q2)
                                                                              / (M_ELECTRON**2 + x * (1 - x) * q2)),
                                 0, 1, epsabs=0, epsrel=1e-12)[0]
            assert c[k] * SQ2GF == pytest.approx(1.0 - 2 * ALPHA_EM / math.pi * eps, rel=1e-9), (model, tk)
    # the loop makes the L_e − L_μ electron charge 1 − (2α/π) ε ≈ 0.9917 at these |q|
    assert electron_zprime_coefficient("zprime-le-lmu", 1e-4) * SQ2GF == pytest.approx(
        1 - 2 * ALPHA_EM / math.pi * _loop0(), rel=1e-5)


def test_heavy_mediator_is_the_contact_shift(fef):
    """M = 10⁶ MeV: the Z' is the contact shift Δg_V = g² c_e/M² (here via the diagonal charge-radius column,
    g_V → g_V + (2/3) m_W² s_W² Δ⟨r²⟩); B − L (Q'_e = −1) equals the universal model, B − 3L_e is 9× in Δg_V."""
    cr = 2.0 / 3.0 * M_W**2 * SIN2W_LOW_ENERGY * 1e-32 / HBARC2_MEV2_CM2  # Δg_V per 1e-32 cm² of Δ⟨r²⟩
    m = 1e6
    for model, g, charge in (("zprime-universal", 3e-1, 1.0), ("zprime-b-l", 3e-1, 1.0), ("zprime-b-3le", 1e-1, 9.0),
                             ("zprime-le-lmu", 3e-1, 1 - 2 * ALPHA_EM / math.pi * _loop0())):
        dgv = g * g * charge / (SQ2GF * m * m)
        assert 1e-3 < abs(dgv) < 0.1
        ref = _es(fef, "sm", {"rch2_ee": -0.82 + dgv / cr})
        np.testing.assert_allclose(_es(fef, model, {"g_zp": g, "m_zp": m}), ref, rtol=2e-6, err_msg=model)


# -- independent double quads -----------------------------------------------------------------------------------------




def _quad_bin(exp, i, dsigma):
    """Counts per day in bin i of ∫dT R_i(T) Z_eff(T) ∫dE f(E) dsigma(E, T), T from 0 to 2.5 keV."""
    f = _interp(exp.e_nu, exp.spectrum)
    lo, hi = exp.edges[i], exp.edges[i + 1]
    e_top = exp.e_nu[-1]

    def inner(t):
        emin = 0.5 * (t + math.sqrt(t * t + 2 * M_ELECTRON * t))
        pts = [p for p in (0.05, 0.3, 1.0, 2.0, 4.0) if emin < p < e_top]
        return integrate.quad(lambda e: f(e) * dsigma(e, t), emin, e_top, points=pts or None, limit=400,
                              epsrel=1e-7)[0]

    def outer(t):
        return _bin_prob(1e3 * t, lo, hi) * CNT[THR < t].sum() * inner(t)

    pts = sorted(t for t in THR if t < 2.5e-3)
    val = integrate.quad(outer, 0.0, 2.5e-3, points=pts, limit=400, epsrel=1e-6)[0]
    return 86400 * exp.fission_density * exp.n_ge * val


@pytest.mark.filterwarnings("ignore::scipy.integrate.IntegrationWarning")
@pytest.mark.parametrize("g, m", [(1e-6, 1.0), (6e-6, 1.0), (1e-3, 1e3)])
def test_vector_es_vs_quad(fef, g, m):
    """Z' (universal) increment of the ν̄_e–e counts in one bin vs a double quad of
    G_F² m_e/(2π)[(g_V+g_A)² + (g_V−g_A)²(1−T/E)² − (g_V²−g_A²) m_e T/E²] with g_V = 1/2 + 2s_W² + Δ(T),
    Δ = g²/(√2 G_F (2 m_e T + M²)), g_A = −1/2 (ν̄_e), minus the same at Δ = 0. (g, M) = (1e-6, 1): interference
    dominated; (6e-6, 1): Δ ≈ 2, the square dominates; (1e-3, 1e3): heavy."""
    i = 4
    gv0, ga = 0.5 + 2 * SIN2W_LOW_ENERGY, -0.5

    def bracket(e, t, gv):
        return (gv + ga) ** 2 + (gv - ga) ** 2 * (1 - t / e) ** 2 - (gv * gv - ga * ga) * M_ELECTRON * t / e**2

    def dsigma(e, t):
        gv = gv0 + g * g / (SQ2GF * (2 * M_ELECTRON * t + m * m))
        return ES_PREF * (bracket(e, t, gv) - bracket(e, t, gv0))

    ref = _quad_bin(fef, i, dsigma)
    fast = _es(fef, "zprime-universal", {"g_zp": g, "m_zp": m, "sin2w": SIN2W_LOW_ENERGY}) - _es(fef, "sm", {})
    assert ref > 0
    assert fast[i] == pytest.approx(ref, rel=1e-3)


@pytest.mark.filterwarnings("ignore::scipy.integrate.IntegrationWarning")
@pytest.mark.parametrize("m", [1.0, 1e3])
def test_scalar_es_vs_quad(fef, m):
    """scalar-universal increment of one bin vs a double quad of g⁴ m_e² T/(4π E² (2 m_e T + M²)²) (ħc)²."""
    i = 4
    g = 1e-5 if m < 10 else 1e-3

    def dsigma(e, t):
        return g**4 * M_ELECTRON**2 * t / (4 * math.pi * e * e * (2 * M_ELECTRON * t + m * m) ** 2) * HBARC2_MEV2_CM2

    ref = _quad_bin(fef, i, dsigma)
    fast = _es(fef, "scalar-universal", {"g_phi": g, "m_phi": m}) - _es(fef, "sm", {})
    assert ref > 0
    assert fast[i] == pytest.approx(ref, rel=1e-3)


# -- interference and models without an electron coupling -------------------------------------------------------------
def test_scalar_has_no_interference_vector_interferes_constructively(fef):
    """Scalar: ES(g) − SM ∝ g⁴ exactly (≥ 0). Universal Z': ES(g) − SM = a g² + b g⁴ with a > 0 (constructive with
    g_V = 1/2 + 2 s_W² of ν̄_e–e), while on CEvNS the same model interferes destructively (neutron g_V = −1/2)."""
    sm = _es(fef, "sm", {})
    d1 = _es(fef, "scalar-universal", {"g_phi": 1e-5, "m_phi": 1.0}) - sm
    d2 = _es(fef, "scalar-universal", {"g_phi": 2e-5, "m_phi": 1.0}) - sm
    assert np.all(d1 >= 0) and d1.sum() > 0
    np.testing.assert_allclose(d2, 16 * d1, rtol=1e-6, atol=1e-12 * sm.max())
    g, m = 1e-6, 1.0
    v1 = _es(fef, "zprime-universal", {"g_zp": g, "m_zp": m}) - sm
    v2 = _es(fef, "zprime-universal", {"g_zp": 2 * g, "m_zp": m}) - sm
    quad_part = (v2 - 4 * v1) / 12  # b g⁴
    lin_part = v1 - quad_part  # a g²
    assert np.all(lin_part[:60] > 0) and np.all(quad_part[:60] > 0)
    assert lin_part.sum() > 10 * quad_part.sum()
    sm_c = _cevns(fef, "sm", {})
    dc = _cevns(fef, "zprime-universal", {"g_zp": 1e-6, "m_zp": 10.0}) - sm_c
    assert dc.sum() < 0


def test_models_without_electron_coupling_leave_es_unchanged(fef):
    """Q'_e = 0 (B − 3L_μ, B_y + L_μ + L_τ) or Q'_νe = 0 with no ν_e loop (L_μ − L_τ): ν̄_e–e is the SM exactly."""
    sm = _es(fef, "sm", {})
    for model in ("zprime-b-3lmu", "zprime-by-lmu-ltau", "zprime-lmu-ltau"):
        assert fef.es_mediator_arrays(model)[0] == ES_MED_OFF
        assert np.array_equal(_es(fef, model, {"g_zp": 1e-4, "m_zp": 1.0}), sm), model
    assert not np.array_equal(_es(fef, "zprime-b-3le", {"g_zp": 1e-6, "m_zp": 1.0}), sm)
    # channels=cevns: no ν–e at all, for every model
    cev = get_experiment("dresden-ii:channels=cevns")
    assert cev.es_mediator_arrays("zprime-universal")[0] == ES_MED_OFF
    assert np.all(_es(cev, "zprime-universal", {"g_zp": 1e-5, "m_zp": 1.0}) == 0)


def test_binned_equals_per_node(fef):
    """The fixed-mass likelihood (pieces binned once) and the mass-scanning one (per-node fold) agree, also with the
    millicharge's 1/T cross term and a charge-radius shift."""
    for model, g, m, gv in (("zprime-universal", "g_zp", "m_zp", (3e-7, 1e-6, 3e-6)),
                            ("zprime-le-lmu", "g_zp", "m_zp", (1e-6, 3e-6)),
                            ("scalar-universal", "g_phi", "m_phi", (1e-6, 3e-6))):
        for mass in (0.05, 1.0, 100.0):
            for extra in ({}, {"q_nu_e": 1e-3, "rch2_ee": 2.0}):
                binned = make_likelihood("dresden-ii", model, {m: mass, **extra}, [g])
                nodes = make_likelihood("dresden-ii", model, dict(extra), [g, m])
                pts = np.array(gv)[:, None] * max(mass, 1.0)
                c1 = binned.evaluate(pts)[0]
                c2 = nodes.evaluate(np.column_stack([pts[:, 0], np.full(len(gv), mass)]))[0]
                np.testing.assert_allclose(c1, c2, rtol=1e-9, err_msg=f"{model} {mass} {extra}")
    # and the predictions: ES changes by more than round-off at these couplings
    p = fef.predict({"g_zp": 1e-6, "m_zp": 1.0}, model="zprime-universal")
    assert p["es"].sum() > 1.05 * fef.predict({})["es"].sum()


# -- dark Z (darkz): sin²θ_W → κ_d(|q|²) sin²θ_W on electrons ----------------------------------------------------------
M_Z = 91187.6  # MeV (PDG 2024), written out independently of cevns.kernels.darkz


def _dlm_ds2(q2, eps, delta, m_zd, s2):
    """Δsin²θ_W(|q|²) = s²(κ_d − 1) = −ε δ (M_Z/m_Zd) s_W c_W m_Zd²/(|q|² + m_Zd²) (DLM 2012, arXiv:1203.2947)."""
    return -eps * delta * (M_Z / m_zd) * math.sqrt(s2 * (1 - s2)) * m_zd**2 / (q2 + m_zd**2)


def test_darkz_zero_coupling_is_the_sm(fef):
    """ε = 0 gives the SM signal and χ² exactly on the default channels, through the binned (m_Zd fixed) and the
    per-node (m_Zd scanned) paths; the dark Z is no longer refused with ν–e on."""
    sm_es, sm_cev = _es(fef, "sm", {}), _cevns(fef, "sm", {})
    c_sm = fef.likelihood([], {}).evaluate(np.zeros((1, 0)))[0][0]
    for m in (0.05, 10.0):
        assert np.array_equal(_es(fef, "darkz", {"eps_dark": 0.0, "m_zd": m}), sm_es)
        assert np.array_equal(_cevns(fef, "darkz", {"eps_dark": 0.0, "m_zd": m}), sm_cev)
        binned = make_likelihood("dresden-ii", "darkz", {"m_zd": m}, ["eps_dark"])
        nodes = make_likelihood("dresden-ii", "darkz", {}, ["eps_dark", "m_zd"])
        assert binned.arrays[15] == ES_MED_BINNED and nodes.arrays[15] == ES_MED_NODES
        assert binned.evaluate(np.array([[0.0]]))[0][0] == c_sm
        assert nodes.evaluate(np.array([[0.0, m]]))[0][0] == c_sm
    # and a non-zero ε moves ν–e (m_Zd = 1 MeV, ε δ = 1e-5: Δg_V ≈ −0.78 at T → 0)
    d = _es(fef, "darkz", {"eps_dark": 1e-2, "m_zd": 1.0}) - sm_es
    assert np.all(d[:60] < 0) and abs(d.sum()) > 0.3 * sm_es.sum()


@pytest.mark.parametrize("eps, delta, m_zd, s2", [(3e-3, 1e-3, 10.0, SIN2W_LOW_ENERGY), (-7e-3, 4e-3, 0.3, 0.25)])
def test_darkz_electron_shift_is_opposite_to_the_proton_shift(fef, eps, delta, m_zd, s2):
    """At one |q| the package's proton shift (CEvNS Z' slots 6–7 × the dark-Z c_p) and electron shift (ES columns
    4–5 × c_e) are −2ρΔs² and +2Δs² of DLM's Δs²(|q|): equal and opposite per unit charge (Δg_V^f = −2Q_f Δs²;
    the proton coupling carries the radiative ρ, the tree-level ν–e coupling does not, hence the factor ρ)."""
    n_iso = len(fef.targets.names)
    row = _rows(fef, "darkz", {"eps_dark": eps, "delta_zd": delta, "m_zd": m_zd, "sin2w": s2})
    c0 = 2 + n_iso
    g_p, m2_p = row[c0 + 6], row[c0 + 7]
    g_e, m2_e = row[c0 + N_COUPLINGS + 4], row[c0 + N_COUPLINGS + 5]
    assert g_e == g_p and m2_e == m2_p == m_zd**2
    for q2 in (1e-5, 2e-3, 0.1, 50.0, 140.0):  # MeV²: ν–e (2 m_e T) and CEvNS |q|² ranges
        cp = zprime_coefficients("darkz", np.array([math.sqrt(q2)]))[0][FLAVOUR_E, 0]
        ce = electron_zprime_coefficient("darkz", q2 / (2 * M_ELECTRON))
        dgp = g_p * cp / (q2 + m2_p)
        dge = g_e * ce / (q2 + m2_e)
        ds2 = _dlm_ds2(q2, eps, delta, m_zd, s2)
        assert abs(ds2) > 1e-6
        assert dgp == pytest.approx(-2 * RHO_NC * ds2, rel=1e-12)
        assert dge == pytest.approx(2 * ds2, rel=1e-12)
        # per unit charge, Δg_V^f/(−2Q_f) = Δs² seen by f: Q_p = +1, Q_e = −1 (the proton's with ρ divided out)
        assert dge / (-2 * -1) == pytest.approx(dgp / (-2 * 1) / RHO_NC, rel=1e-12)
        assert np.sign(dge) == -np.sign(dgp)


@pytest.mark.parametrize("eps", [1e-2, -1e-2])
def test_darkz_heavy_is_a_shifted_sin2w_on_electrons(fef, eps):
    """m_Zd = 1 GeV ≫ |q| (2 m_e T < 3e-3 MeV²): the dark Z's ν–e increment equals that of the SM ν–e rate at
    sin²θ_W → κ_d(0) sin²θ_W (the `sin2w` parameter; ν–e part only, norm = 0, since `sin2w` also moves CEvNS)."""
    delta, m = 1e-2, 1e3
    sm = _es(fef, "sm", {})
    ds2 = _dlm_ds2(0.0, eps, delta, m, SIN2W_LOW_ENERGY)
    assert 3e-3 < abs(ds2) < 5e-3
    got = _es(fef, "darkz", {"eps_dark": eps, "delta_zd": delta, "m_zd": m}) - sm
    ref = _es(fef, "sm", {"sin2w": SIN2W_LOW_ENERGY + ds2}) - sm
    assert abs(ref.sum()) > 5e-3 * sm.sum()
    np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-12 * sm.max())


@pytest.mark.filterwarnings("ignore::scipy.integrate.IntegrationWarning")
@pytest.mark.parametrize("eps, delta, m_zd", [(1e-2, 1e-3, 1.0), (-1e-4, 1e-3, 0.05), (-3e-3, 4e-3, 30.0)])
def test_darkz_es_vs_quad(fef, eps, delta, m_zd):
    """Dark-Z increment of the ν̄_e–e counts in one bin vs a double quad of the SM bracket with g_V = 1/2 + 2κ_d s²,
    κ_d s² = s² + Δs²(2 m_e T) from DLM, minus the same at Δs² = 0. m_Zd = 1 MeV: Δg_V ≈ −0.78 (contact-like);
    50 keV: the propagator varies across the bin's recoils (2 m_e T ≈ m_Zd²); 30 MeV: a small shift."""
    i = 4
    s2 = SIN2W_LOW_ENERGY
    gv0, ga = 0.5 + 2 * s2, -0.5

    def bracket(e, t, gv):
        return (gv + ga) ** 2 + (gv - ga) ** 2 * (1 - t / e) ** 2 - (gv * gv - ga * ga) * M_ELECTRON * t / e**2

    def dsigma(e, t):
        gv = gv0 + 2 * _dlm_ds2(2 * M_ELECTRON * t, eps, delta, m_zd, s2)
        return ES_PREF * (bracket(e, t, gv) - bracket(e, t, gv0))

    ref = _quad_bin(fef, i, dsigma)
    fast = _es(fef, "darkz", {"eps_dark": eps, "delta_zd": delta, "m_zd": m_zd}) - _es(fef, "sm", {})
    assert abs(ref) > 1e-6
    assert fast[i] == pytest.approx(ref, rel=1e-3)


def test_darkz_binned_equals_per_node():
    """Fixed-m_Zd likelihood (pieces binned once) = m_Zd-scanning one (per-node fold) to 1e-9."""
    for m in (0.05, 1.0, 47.0):
        binned = make_likelihood("dresden-ii", "darkz", {"m_zd": m}, ["eps_dark"])
        nodes = make_likelihood("dresden-ii", "darkz", {}, ["eps_dark", "m_zd"])
        eps = np.array([-3e-3, 1e-4, 2e-3]) * m
        c1 = binned.evaluate(eps[:, None])[0]
        c2 = nodes.evaluate(np.column_stack([eps, np.full(eps.size, m)]))[0]
        np.testing.assert_allclose(c1, c2, rtol=1e-9, err_msg=str(m))


def test_darkz_cli_fit_default_channels(capsys):
    """`cevns fit dresden-ii --model darkz --free eps_dark` runs with ν–e on; its χ² at the best fit is the default
    likelihood's (CEvNS + ν–e), not the CEvNS-only one."""
    assert cli_main(["fit", "dresden-ii", "--model", "darkz", "--free", "eps_dark", "--fix", "m_zd=1", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    best = res["best"]["eps_dark"]
    pt = np.array([[best]])
    both = make_likelihood("dresden-ii", "darkz", {"m_zd": 1.0}, ["eps_dark"]).evaluate(pt)[0][0]
    cev = make_likelihood("dresden-ii:channels=cevns", "darkz", {"m_zd": 1.0}, ["eps_dark"]).evaluate(pt)[0][0]
    assert res["chi2_min"] == pytest.approx(both, rel=1e-9)
    assert abs(both - cev) > 1e-4
    sm = make_likelihood("dresden-ii", "sm", {}, []).evaluate(np.zeros((1, 0)))[0][0]
    assert res["chi2_min"] <= sm + 1e-9
