"""Dark Z (cevns.kernels.darkz): κ_d closed form, the Z'-slot mapping, limits."""

import math

import numpy as np
import pytest

from cevns.kernels import darkz as dz
from cevns.kernels.constants import G_FERMI, RHO_NC, SIN2W_LOW_ENERGY
from cevns.kernels.mediators import zprime_coefficients

S2 = SIN2W_LOW_ENERGY


def test_kappa_closed_form_and_dlm_042():
    eps, delta, m = 2.3e-3, 7e-4, 47.0
    q2 = np.array([0.0, 2.4**2, 30.0**2, 1e4])
    k = dz.kappa_d(q2, eps, delta, m, S2)
    expect = 1.0 - eps * delta * (dz.M_Z / m) * math.sqrt((1 - S2) / S2) * m * m / (q2 + m * m)
    np.testing.assert_allclose(k, expect, rtol=0, atol=1e-15)
    # DLM: Δsin²θ_W ≈ −0.42 ε δ (M_Z/m_Zd) f (s_W c_W = 0.426 at sin²θ_W = 0.23857)
    ds2 = dz.sin2w_eff(0.0, eps, delta, m, S2) - S2
    assert ds2 == pytest.approx(-0.4262 * eps * delta * dz.M_Z / m, rel=1e-3)
    assert np.all(dz.kappa_d(q2, 0.0, delta, m, S2) == 1.0)


def test_g2_slot_reproduces_delta_gvp():
    """g²/(|q|² + m²) · c_p with c_p from darkz_coefficients equals Δg_V^p = −2ρ s²(κ_d − 1) at every |q|."""
    q = np.array([0.5, 2.4, 10.0, 47.0, 120.0])
    for eps, delta, m, s2 in ((2.3e-3, 1e-3, 47.0, S2), (-4e-3, 2e-3, 12.0, 0.25)):
        cp, cn = dz.darkz_coefficients(q)
        assert cp.shape == (3, q.size) and np.all(cn == 0.0)
        slot = dz.darkz_g2(eps, delta, m, s2) / (q**2 + m * m) * cp
        ref = -2.0 * RHO_NC * s2 * (dz.kappa_d(q**2, eps, delta, m, s2) - 1.0)
        for f in range(3):
            np.testing.assert_allclose(slot[f], ref, rtol=1e-12)
        np.testing.assert_allclose(dz.delta_gvp(q**2, eps, delta, m, s2), ref, rtol=1e-14)
    assert cp[0, 0] == pytest.approx(1.0 / (math.sqrt(2.0) * G_FERMI))


def test_mediators_route_darkz():
    q = np.linspace(1.0, 80.0, 7).reshape(7, 1)
    cp, cn = zprime_coefficients("darkz", q)
    cp2, cn2 = dz.darkz_coefficients(q)
    assert cp.shape == (3, 7, 1)
    np.testing.assert_array_equal(cp, cp2)
    np.testing.assert_array_equal(cn, cn2)


def test_heavy_mass_is_constant_shift():
    """m_Zd ≫ |q|: Δg_V^p no longer depends on q (a shift of sin²θ_W by −ε δ (M_Z/m) s c)."""
    m = 1e6
    d = dz.delta_gvp(np.array([0.0, 100.0**2]), 1e-2, 1e-2, m, S2)
    assert d[1] == pytest.approx(d[0], rel=1e-7)
    assert d[0] == pytest.approx(2 * RHO_NC * 1e-4 * dz.M_Z / m * math.sqrt(S2 * (1 - S2)), rel=1e-12)
