"""CEvNS differential cross sections.

dσ/dT(E, T) = (G_F² M/π) [1 − T/E − M T/(2E²)] Q², for 0 ≤ T ≤ T_max = 2E²/(M + 2E)   (seed 000:29, 000:155)
with Q = g_V^p Z F_p(q) + g_V^n N F_n(q) (000:33). The −T/E term (< 1e-3 for CEvNS) makes the kinematic factor
vanish exactly at T_max. Units: E, T, M in MeV; results in cm²/MeV.
"""

import math

from ._jit import jit
from .constants import G_FERMI, HBARC2_MEV2_CM2, HBARC_MEV_FM

__all__ = [
    "t_max", "e_min", "momentum_transfer", "kinematic_factor", "weak_charge", "cevns_dsigma_dt",
    "CEVNS_PREFACTOR", "axial_charge", "cevns_axial_dsigma_dt",
]

# G_F² (ħc)² / π in cm² MeV⁻²: dσ/dT = CEVNS_PREFACTOR · M · kinematic factor · Q².
CEVNS_PREFACTOR = G_FERMI * G_FERMI * HBARC2_MEV2_CM2 / math.pi


@jit
def t_max(e_nu, mass):
    """Maximum recoil energy T_max = 2E²/(M + 2E) [MeV] of a target of mass M [MeV] (elastic two-body kinematics;
    the range of seed 000:29)."""
    return 2.0 * e_nu * e_nu / (mass + 2.0 * e_nu)


@jit
def e_min(t, mass):
    """Minimum neutrino energy E_min = (T + sqrt(T² + 2MT))/2 [MeV] giving recoil T (inverse of :func:`t_max`)."""
    return 0.5 * (t + math.sqrt(t * t + 2.0 * mass * t))


@jit
def momentum_transfer(t, mass):
    """|q| [fm⁻¹] for recoil T [MeV] of a nucleus of mass M [MeV] at rest: |q|² = 2MT + T²."""
    return math.sqrt(2.0 * mass * t + t * t) / HBARC_MEV_FM


@jit
def kinematic_factor(e_nu, t, mass):
    """1 − T/E − MT/(2E²), clipped at 0 above T_max (seed 000:29, 000:155, with the −T/E term of the module
    docstring)."""
    k = 1.0 - t / e_nu - mass * t / (2.0 * e_nu * e_nu)
    return k if k > 0.0 else 0.0


@jit
def weak_charge(gvp, gvn, z, n, fp, fn):
    """Q = g_V^p Z F_p + g_V^n N F_n (000:33), in the g_V normalisation (the SM value is ≈ −N/2)."""
    return gvp * z * fp + gvn * n * fn


@jit
def cevns_dsigma_dt(e_nu, t, mass, q_weak):
    """SM-like CEvNS dσ/dT [cm²/MeV] = (G_F² M/π)(1 − T/E − MT/(2E²)) Q² (000:29); 0 above T_max."""
    return CEVNS_PREFACTOR * mass * kinematic_factor(e_nu, t, mass) * q_weak * q_weak


@jit
def axial_charge(delta_z, delta_n):
    """Tree-level axial charge Q_A = (δZ − δN)/2 of seed 003:105 with g_u^L − g_u^R = 1/2, g_d^L − g_d^R = −1/2;
    δZ (δN) = protons (neutrons) with spin up minus spin down (Barranco et al., JHEP 0512, 021 (2005))."""
    return 0.5 * (delta_z - delta_n)


@jit
def cevns_axial_dsigma_dt(e_nu, t, mass, q_axial, f_axial):
    """Axial-current CEvNS term (G_F² M/π) Q_A² (1 + M T/(2E²)) F_A² [cm²/MeV] (seed 003:92), 0 above T_max.

    It adds incoherently to the vector term; for odd nuclei with one unpaired nucleon Q_A² = 1/4, a 1e-4
    correction to CsI.
    """
    if t > t_max(e_nu, mass):
        return 0.0
    return CEVNS_PREFACTOR * mass * (1.0 + mass * t / (2.0 * e_nu * e_nu)) * q_axial * q_axial * f_axial * f_axial
