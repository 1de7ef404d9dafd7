"""Neutrino spectra and their inverse-energy moments.

SNS π⁺ decay at rest (e.g. COHERENT, Science 357, 1123 (2017); seed 000:662–664): a monochromatic prompt ν_μ
at E_π = (m_π² − m_μ²)/(2 m_π) = 29.79 MeV, and delayed ν_e and ν̄_μ with the Michel spectra
    f_νe(E)  = (192/m_μ) (E/m_μ)² (1/2 − E/m_μ),
    f_ν̄μ(E) = (64/m_μ)  (E/m_μ)² (3/4 − E/m_μ),   0 ≤ E ≤ m_μ/2,
each normalised to one neutrino. Spectra are in MeV⁻¹.

The parameter dependence of every rate factorises into functions of T times the moments
Φ_k(E_min) = ∫_{E_min}^{E_max} dE f(E) E^(−k), which this module gives in closed form.
"""

import math

import numpy as np

from ._jit import jit
from .constants import M_MUON, M_PION

__all__ = [
    "E_PROMPT", "E_MICHEL_MAX", "SNS_PROMPT_NUMU", "SNS_DELAYED_NUE", "SNS_DELAYED_NUMUBAR",
    "sns_spectrum", "sns_moment", "michel_nue", "michel_numubar",
]

E_PROMPT = (M_PION * M_PION - M_MUON * M_MUON) / (2.0 * M_PION)
E_MICHEL_MAX = 0.5 * M_MUON

# Source indices of the SNS components.
SNS_PROMPT_NUMU = 0
SNS_DELAYED_NUE = 1
SNS_DELAYED_NUMUBAR = 2


@jit
def michel_nue(e):
    """Delayed ν_e spectrum from μ⁺ decay at rest [MeV⁻¹], normalised to 1 (Michel spectrum, module docstring;
    the dN_ν/dE of seed 000:662–664)."""
    if e < 0.0 or e > E_MICHEL_MAX:
        return 0.0
    x = e / M_MUON
    return 192.0 / M_MUON * x * x * (0.5 - x)


@jit
def michel_numubar(e):
    """Delayed ν̄_μ spectrum from μ⁺ decay at rest [MeV⁻¹], normalised to 1 (Michel spectrum, module docstring;
    the dN_ν/dE of seed 000:662–664)."""
    if e < 0.0 or e > E_MICHEL_MAX:
        return 0.0
    x = e / M_MUON
    return 64.0 / M_MUON * x * x * (0.75 - x)


@jit
def sns_spectrum(source, e):
    """Continuous part of SNS source ``source`` at energy e [MeV⁻¹] (the prompt line has none: returns 0)."""
    if source == SNS_DELAYED_NUE:
        return michel_nue(e)
    if source == SNS_DELAYED_NUMUBAR:
        return michel_numubar(e)
    return 0.0


@jit
def _power_integral(p, a, b):
    """∫_a^b E^p dE for integer p (p = −1 gives the logarithm); 0 < a ≤ b."""
    if p == -1:
        return math.log(b / a)
    return (b ** (p + 1) - a ** (p + 1)) / (p + 1)


@jit
def sns_moment(source, k, emin):
    """Φ_k = ∫_{max(E_min, 0)} dE f(E) E^(−k) for SNS source ``source`` (k = 0, 1, 2, …) [MeV^(−k)].

    Closed forms: prompt line E_π^(−k) θ(E_π − E_min); Michel spectra are cubic polynomials in E.
    """
    if source == SNS_PROMPT_NUMU:
        return E_PROMPT ** (-k) if emin <= E_PROMPT else 0.0
    lo = emin if emin > 1e-12 else 1e-12
    if lo >= E_MICHEL_MAX:
        return 0.0
    hi = E_MICHEL_MAX
    m = M_MUON
    if source == SNS_DELAYED_NUE:
        # 192/m⁴ · (E²/2 · m^0 ... ): f = (96/m³) E² − (192/m⁴) E³
        c2, c3 = 96.0 / m**3, -192.0 / m**4
    else:
        # f = (48/m³) E² − (64/m⁴) E³
        c2, c3 = 48.0 / m**3, -64.0 / m**4
    return c2 * _power_integral(2 - k, lo, hi) + c3 * _power_integral(3 - k, lo, hi)


def sns_fluence(nu_per_pot_per_flavour, pot, baseline_m):
    """Time-integrated fluence per flavour [cm⁻²] = r · POT / (4π L²) (isotropic source; r ν per flavour per
    proton, e.g. 0.08 in COHERENT, Science 357, 1123 (2017))."""
    return nu_per_pot_per_flavour * pot / (4.0 * np.pi * (baseline_m * 100.0) ** 2)
