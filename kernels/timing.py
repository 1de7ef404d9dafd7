"""Arrival-time PDFs of SNS neutrinos (t in µs).

The proton-on-target trace is a Gaussian (mean μ, width σ; CENNS-10 release `snsPOTTraceTiming`: 0.44, 0.15 µs).
Prompt ν_μ (π⁺ decay): g ⊗ Exp(τ_π). Delayed ν_e, ν̄_μ (μ⁺ decay): g ⊗ Exp(τ_π) ⊗ Exp(τ_μ), which equals
[τ_μ EMG(τ_μ) − τ_π EMG(τ_π)]/(τ_μ − τ_π), EMG(τ) = g ⊗ Exp(τ) the exponentially modified Gaussian
(Exp(a) ⊗ Exp(b) = (e^(−t/b) − e^(−t/a))/(b − a)).
"""

import math

from ._jit import jit
from .constants import TAU_MUON_US, TAU_PION_US

__all__ = ["emg_pdf", "sns_prompt_time_pdf", "sns_delayed_time_pdf", "erfcx"]

_SQRT2 = math.sqrt(2.0)
_SQRTPI = math.sqrt(math.pi)


@jit
def erfcx(u):
    """Scaled complementary error function exp(u²) erfc(u), stable for large positive u."""
    if u < 25.0:
        return math.exp(u * u) * math.erfc(u)
    iu2 = 1.0 / (u * u)
    return (1.0 - 0.5 * iu2 + 0.75 * iu2 * iu2 - 1.875 * iu2 * iu2 * iu2) / (u * _SQRTPI)


@jit
def emg_pdf(t, mu, sigma, tau):
    """Exponentially modified Gaussian: Gauss(μ, σ) ⊗ e^(−t/τ)/τ, evaluated without overflow."""
    z = (t - mu) / sigma
    u = (sigma / tau - z) / _SQRT2
    if u >= 0.0:
        return 0.5 / tau * math.exp(-0.5 * z * z) * erfcx(u)
    return 0.5 / tau * math.exp(0.5 * (sigma / tau) ** 2 - (t - mu) / tau) * math.erfc(u)


@jit
def sns_prompt_time_pdf(t, mu, sigma):
    """Arrival-time PDF of prompt ν_μ [µs⁻¹]: POT trace ⊗ Exp(τ_π) (module docstring)."""
    return emg_pdf(t, mu, sigma, TAU_PION_US)


@jit
def sns_delayed_time_pdf(t, mu, sigma):
    """Arrival-time PDF of delayed ν_e and ν̄_μ [µs⁻¹]: POT trace ⊗ Exp(τ_π) ⊗ Exp(τ_μ) (module docstring)."""
    a = TAU_PION_US
    b = TAU_MUON_US
    return (b * emg_pdf(t, mu, sigma, b) - a * emg_pdf(t, mu, sigma, a)) / (b - a)
