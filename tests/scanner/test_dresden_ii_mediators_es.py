"""Dresden-II ν̄_e–e through the light mediators (Z' models, scalar-universal): SM limit, contact limit, independent
scipy double quads of one bin, (no) interference, models without an electron coupling, binned = per-node."""

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
    SIN2W_LOW_ENERGY,
)
from cevns.kernels.reactor import ES_MED_BINNED, ES_MED_NODES, ES_MED_OFF
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
    assert np.all(electron_zprime_coefficient("darkz", t) == 0)
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
