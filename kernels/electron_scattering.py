"""Neutrino–electron elastic scattering on atoms, SM and magnetic moment, with the stepped Z_eff(T_e).

SM (seed 000:1379; 't Hooft 1971; Vogel & Engel, PRD 39, 3378 (1989)):
dσ/dT = Z_eff(T) (G_F² m_e/2π) [(g_V + g_A)² + (g_V − g_A)² (1 − T/E)² − (g_V² − g_A²) m_e T/E²],
g_V = −1/2 + 2 sin²θ_W + δ_ℓe, g_A = −1/2 + δ_ℓe (the charged current adds 1 to both for ν_e);
antineutrinos: g_A → −g_A.
Magnetic moment (000:1384; Vogel & Engel 1989): dσ/dT = Z_eff(T) (πα²/m_e²)(1/T − 1/E)(μ_ν/μ_B)².
Both vanish above T_max = 2E²/(m_e + 2E). Energies in MeV, cross sections in cm²/MeV.

Z_eff(T) counts the electrons whose binding energy is below the energy transfer T (stepping approximation,
e.g. Chen et al., PLB 731, 159 (2014)); shell energies in :mod:`cevns.kernels.atomic`.
"""

import math

from ._jit import jit
from .constants import ALPHA_EM, G_FERMI, HBARC2_MEV2_CM2, M_ELECTRON, M_W, SIN2W_LOW_ENERGY

__all__ = [
    "es_couplings", "es_t_max", "es_e_min", "z_eff", "es_sm_dsigma_dt", "es_mm_dsigma_dt",
    "ES_SM_PREFACTOR", "ES_MM_PREFACTOR", "es_sm_moment_kernel", "es_mm_moment_kernel",
    "ES_RADIUS_SHIFT", "ES_MILLICHARGE_SHIFT",
]

# G_F² m_e (ħc)²/(2π) [cm²/MeV]
ES_SM_PREFACTOR = G_FERMI * G_FERMI * M_ELECTRON * HBARC2_MEV2_CM2 / (2.0 * math.pi)
# π α² (ħc)²/m_e² [cm²]
ES_MM_PREFACTOR = math.pi * ALPHA_EM * ALPHA_EM * HBARC2_MEV2_CM2 / (M_ELECTRON * M_ELECTRON)
# Charge radius on electrons: g_V → g_V + (2/3) m_W² s_W² ⟨r²⟩ (seed 002:126, s_W² at its low-energy value as in
# cevns.scanner.models; ⟨r²⟩ in MeV⁻²): the prefactor [MeV²].
ES_RADIUS_SHIFT = 2.0 / 3.0 * M_W * M_W * SIN2W_LOW_ENERGY
# Millicharge on electrons, exact photon exchange: the radius enters as ⟨r²⟩_eff = ⟨r²⟩ − 6 q_ν/|q|² (spacelike
# q² = −|q|²; Kouzakov & Studenikin, PRD 95, 055013 (2017)) and g_V → g_V + (√2πα/3G_F)⟨r²⟩_eff, so with
# |q|² = 2 m_e T the charge gives g_V → g_V + ES_MILLICHARGE_SHIFT q_ν/T [MeV], whose square is the standard
# 2πα² q_ν²/(m_e T²) at T ≪ E. A positive q_ν acts on electrons like a negative radius, as on protons in CEvNS.
ES_MILLICHARGE_SHIFT = -math.sqrt(2.0) * math.pi * ALPHA_EM / (G_FERMI * M_ELECTRON)


@jit
def es_couplings(flavour, antineutrino, sin2w):
    """(g_V, g_A) for ν_ℓ–e scattering; flavour 0 = e (CC + NC), 1/2 = μ/τ (NC only); ν̄: g_A → −g_A
    (seed 000:1379; Vogel & Engel, PRD 39, 3378 (1989))."""
    gv = -0.5 + 2.0 * sin2w
    ga = -0.5
    if flavour == 0:
        gv += 1.0
        ga += 1.0
    if antineutrino:
        ga = -ga
    return gv, ga


@jit
def es_t_max(e_nu):
    """Maximum electron recoil T_max = 2E²/(m_e + 2E) [MeV] (elastic two-body kinematics)."""
    return 2.0 * e_nu * e_nu / (M_ELECTRON + 2.0 * e_nu)


@jit
def es_e_min(t):
    """Minimum neutrino energy for electron recoil T: (T + sqrt(T² + 2 m_e T))/2 [MeV] (T_max inverted)."""
    return 0.5 * (t + math.sqrt(t * t + 2.0 * M_ELECTRON * t))


@jit
def z_eff(t, thresholds, counts):
    """Electrons with binding energy below T: Σ counts[i] over thresholds[i] < T (thresholds in MeV); the stepped
    Z_eff(T_e) of seed 000:1379 (stepping approximation, Chen et al., PLB 731, 159 (2014))."""
    z = 0.0
    for i in range(thresholds.size):
        if t > thresholds[i]:
            z += counts[i]
    return z


@jit
def es_sm_dsigma_dt(e_nu, t, gv, ga, zeff):
    """SM ν–e dσ/dT [cm²/MeV] on an atom with ``zeff`` ionisable electrons (000:1379)."""
    if t <= 0.0 or t > es_t_max(e_nu):
        return 0.0
    y = 1.0 - t / e_nu
    return zeff * ES_SM_PREFACTOR * (
        (gv + ga) ** 2 + (gv - ga) ** 2 * y * y - (gv * gv - ga * ga) * M_ELECTRON * t / (e_nu * e_nu)
    )


@jit
def es_mm_dsigma_dt(e_nu, t, mu_over_mub, zeff):
    """Magnetic-moment ν–e dσ/dT [cm²/MeV] (000:1384), μ_ν in units of μ_B."""
    if t <= 0.0 or t > es_t_max(e_nu):
        return 0.0
    return zeff * ES_MM_PREFACTOR * (1.0 / t - 1.0 / e_nu) * mu_over_mub * mu_over_mub


@jit
def es_sm_moment_kernel(t, phi0, phi1, phi2, gv, ga):
    """∫dE f(E) [SM bracket] from flux moments Φ_k = ∫_{E_min(T)} f E^(−k):
    (g_V+g_A)² Φ0 + (g_V−g_A)² (Φ0 − 2TΦ1 + T²Φ2) − (g_V²−g_A²) m_e T Φ2 (the bracket of seed 000:1379)."""
    return ((gv + ga) ** 2 * phi0 + (gv - ga) ** 2 * (phi0 - 2.0 * t * phi1 + t * t * phi2)
            - (gv * gv - ga * ga) * M_ELECTRON * t * phi2)


@jit
def es_mm_moment_kernel(t, phi0, phi1):
    """∫dE f(E) (1/T − 1/E) = Φ0/T − Φ1 over E ≥ E_min(T) (the magnetic-moment term of seed 000:1384)."""
    return phi0 / t - phi1
