"""Nuclear form factors F(q) with F(0) = 1, q in fm⁻¹, radii in fm.

- Helm: R. H. Helm, Phys. Rev. 104, 1466 (1956); seed 000:1156, surface thickness s = 0.9 fm (000:628).
- Symmetrized Fermi: analytic transform of the symmetrized two-parameter Fermi density, Sprung & Martorell,
  J. Phys. A 30, 6525 (1997); surface thickness t = 4 a ln 3 = 2.3 fm (000:628, 000:1272).
- Klein–Nystrand: hard sphere ⊗ Yukawa of range a_k = 0.7 fm, Klein & Nystrand, PRC 60, 014903 (1999).

Each is parameterised by the rms radius R of the distribution it describes (protons or neutrons), so the same
kernel serves F_Z(q; R_p) and F_N(q; R_n).
"""

import math

import numpy as np

from ._jit import jit

__all__ = [
    "HELM_S", "SF_T", "KN_AK",
    "helm", "helm_r0", "symmetrized_fermi", "sf_half_density_radius", "klein_nystrand", "kn_radius",
    "helm_array", "spherical_j1_over_x",
]

HELM_S = 0.9  # fm, 000:628
SF_T = 2.3  # fm, 000:628, 000:1272
KN_AK = 0.7  # fm, Klein & Nystrand (1999)


@jit
def spherical_j1_over_x(x):
    """3 j₁(x)/x, with its Taylor series 1 − x²/10 + x⁴/280 − x⁶/15120 below x = 0.01 (cancellation)."""
    if abs(x) < 0.01:
        x2 = x * x
        return 1.0 - x2 / 10.0 + x2 * x2 / 280.0 - x2 * x2 * x2 / 15120.0
    return 3.0 * (math.sin(x) - x * math.cos(x)) / (x * x * x)


@jit
def helm_r0(rms, s=HELM_S):
    """Helm box radius R₀ [fm] from the rms radius: R² = (3/5) R₀² + 3 s² (Helm, Phys. Rev. 104, 1466 (1956);
    seed 000:1156)."""
    return math.sqrt(5.0 / 3.0 * (rms * rms - 3.0 * s * s))


@jit
def helm(q, rms, s=HELM_S):
    """Helm form factor F(q) = 3 j₁(qR₀)/(qR₀) exp(−q² s²/2) (000:1156); q [fm⁻¹], rms radius [fm]."""
    r0 = helm_r0(rms, s)
    return spherical_j1_over_x(q * r0) * math.exp(-0.5 * q * q * s * s)


@jit
def helm_array(q, rms, s=HELM_S):
    """:func:`helm` on an array of q [fm⁻¹]."""
    out = np.empty_like(q)
    r0 = helm_r0(rms, s)
    for i in range(q.size):
        out[i] = spherical_j1_over_x(q[i] * r0) * math.exp(-0.5 * q[i] * q[i] * s * s)
    return out


@jit
def sf_half_density_radius(rms, t=SF_T):
    """Half-density radius c [fm] of the symmetrized Fermi density: R² = (3/5) c² + (7/5) π² a², a = t/(4 ln 3)
    (Sprung & Martorell, J. Phys. A 30, 6525 (1997); t of seed 000:628)."""
    a = t / (4.0 * math.log(3.0))
    return math.sqrt(5.0 / 3.0 * (rms * rms - 7.0 / 5.0 * math.pi**2 * a * a))


@jit
def symmetrized_fermi(q, rms, t=SF_T):
    """Symmetrized-Fermi form factor (Sprung & Martorell 1997, eq. (12)); q [fm⁻¹], rms radius [fm].

    Domain: rms > sqrt(7/5) π a (≈ 1.95 fm for t = 2.3 fm), where the half-density radius c is real; NaN below.

    F(q) = 3/(qc[(qc)² + (πqa)²]) · (πqa/sinh(πqa)) · [πqa/tanh(πqa) sin(qc) − qc cos(qc)].
    """
    a = t / (4.0 * math.log(3.0))
    c = sf_half_density_radius(rms, t)
    if q * c < 0.02:
        # Moment series 1 − q²⟨r²⟩/6 + q⁴⟨r⁴⟩/120 (the closed form cancels catastrophically at small qc);
        # ⟨r⁴⟩ = (3/7)c⁴ + (18/7)π²a²c² + (31/7)π⁴a⁴ (Sprung & Martorell 1997). Truncation < 1e-13 here.
        pa2 = (math.pi * a) ** 2
        r4 = 3.0 / 7.0 * c**4 + 18.0 / 7.0 * pa2 * c * c + 31.0 / 7.0 * pa2 * pa2
        q2 = q * q
        return 1.0 - q2 * rms * rms / 6.0 + q2 * q2 * r4 / 120.0
    x = math.pi * q * a
    qc = q * c
    pref = 3.0 / (qc * (qc * qc + x * x))
    return pref * (x / math.sinh(x)) * (x / math.tanh(x) * math.sin(qc) - qc * math.cos(qc))


@jit
def kn_radius(rms, ak=KN_AK):
    """Klein–Nystrand sphere radius R_A [fm] from the rms radius: R² = (3/5) R_A² + 6 a_k² (Klein & Nystrand,
    PRC 60, 014903 (1999))."""
    return math.sqrt(5.0 / 3.0 * (rms * rms - 6.0 * ak * ak))


@jit
def klein_nystrand(q, rms, ak=KN_AK):
    """Klein–Nystrand form factor F(q) = 3 j₁(qR_A)/(qR_A) · 1/(1 + q² a_k²); q [fm⁻¹], rms radius [fm]
    (Klein & Nystrand, PRC 60, 014903 (1999); seed 003:457).

    Domain: rms > sqrt(6) a_k (≈ 1.71 fm), where R_A is real; NaN below (Helm: rms > sqrt(3) s ≈ 1.56 fm).
    """
    ra = kn_radius(rms, ak)
    return spherical_j1_over_x(q * ra) / (1.0 + q * q * ak * ak)
