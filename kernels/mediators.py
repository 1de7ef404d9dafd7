"""Light vector mediators (Z') of the seeds' U(1)' models and their CEvNS weak-charge terms.

Seed 000:299 (Atzori Corona et al., JHEP 05 (2022) 109, arXiv:2202.11002): a Z' with couplings g_Z' Q'_f adds to
the weak charge of flavour ℓ
    ΔQ_ℓ = g_Z'² Q'_ℓ / (√2 G_F (|q|² + M_Z'²)) · [(2Q'_u + Q'_d) Z F_Z + (Q'_u + 2Q'_d) N F_N].
In the L_α − L_β models the Z' couples to quarks only through one-loop kinetic mixing with the photon (000:1051):
    ΔQ_ℓ = √2 α g_Z'² (δ_ℓα ε_βα(|q|) + δ_ℓβ ε_αβ(|q|)) / (π G_F (|q|² + M_Z'²)) · Z F_Z,
with the dimensionless loop integral ε_βα(|q|) = ∫₀¹ dx x(1−x) ln[(m_β² + x(1−x)|q|²)/(m_α² + x(1−x)|q|²)]
= −ε_αβ (the photon–Z' mixing of a lepton loop with charges +1 for α and −1 for β; its prefactor e g_Z'/(2π²)
and the proton charge e combine into the √2 α/(π G_F) above).
"""

import math

import numpy as np

from ._jit import jit
from .constants import ALPHA_EM, G_FERMI, M_ELECTRON, M_MUON

__all__ = ["ZPRIME_CHARGES", "M_TAU", "kinetic_mixing_loop", "zprime_coefficients"]

# Tau mass, PDG 2024 [MeV].
M_TAU = 1776.93

# Model: (Q'_u, Q'_d, Q'_e, Q'_μ, Q'_τ), seed 000:321–330.
ZPRIME_CHARGES = {
    "universal": (1.0, 1.0, 1.0, 1.0, 1.0),
    "b-l": (1 / 3, 1 / 3, -1.0, -1.0, -1.0),
    "b-3le": (1 / 3, 1 / 3, -3.0, 0.0, 0.0),
    "b-3lmu": (1 / 3, 1 / 3, 0.0, -3.0, 0.0),
    "b-2le-lmu": (1 / 3, 1 / 3, -2.0, -1.0, 0.0),
    "b-le-2lmu": (1 / 3, 1 / 3, -1.0, -2.0, 0.0),
    "by-lmu-ltau": (1 / 3, 1 / 3, 0.0, 1.0, 1.0),
    "le-lmu": (0.0, 0.0, 1.0, -1.0, 0.0),
    "le-ltau": (0.0, 0.0, 1.0, 0.0, -1.0),
    "lmu-ltau": (0.0, 0.0, 0.0, 1.0, -1.0),
}

_LEPTON_MASS = (M_ELECTRON, M_MUON, M_TAU)
_GL_X, _GL_W = np.polynomial.legendre.leggauss(32)
_GL_X = 0.5 * (_GL_X + 1.0)
_GL_W = 0.5 * _GL_W


@jit
def kinetic_mixing_loop(q_mev, m_alpha, m_beta):
    """ε_βα(|q|) = ∫₀¹ dx x(1−x) ln[(m_β² + x(1−x)|q|²)/(m_α² + x(1−x)|q|²)] (module docstring); MeV.

    At |q| → 0 it tends to (1/6) ln(m_β²/m_α²)."""
    q2 = q_mev * q_mev
    s = 0.0
    for i in range(_GL_X.size):
        x = _GL_X[i]
        y = x * (1.0 - x)
        s += _GL_W[i] * y * math.log((m_beta * m_beta + y * q2) / (m_alpha * m_alpha + y * q2))
    return s


def zprime_coefficients(model, q_mev):
    """Per-flavour coefficients of g_Z'²/(|q|² + M²) in the proton and neutron couplings (g_V normalisation;
    seed 000:299 and, for the L_α − L_β models, 000:1049–1051; module docstring).

    Returns (cp, cn): cp has shape (3,) + q.shape (it depends on |q| for the loop-induced models), cn shape (3,).
    ΔQ_ℓ = g²/(|q|² + M²) [cp_ℓ Z F_Z + cn_ℓ N F_N].
    """
    if model == "darkz":  # dark Z through the same slots (cevns.kernels.darkz)
        from .darkz import darkz_coefficients

        return darkz_coefficients(q_mev)
    qu, qd, *qnu = ZPRIME_CHARGES[model]
    q = np.asarray(q_mev, dtype=float)
    cp = np.zeros((3,) + q.shape)
    cn = np.zeros(3)
    if qu != 0.0 or qd != 0.0:
        for ell in range(3):
            cp[ell] = qnu[ell] * (2 * qu + qd) / (math.sqrt(2.0) * G_FERMI)
            cn[ell] = qnu[ell] * (qu + 2 * qd) / (math.sqrt(2.0) * G_FERMI)
        return cp, cn
    # L_α − L_β: α has charge +1, β charge −1.
    alpha = qnu.index(1.0)
    beta = qnu.index(-1.0)
    flat = q.reshape(-1)
    loop_ba = np.array([kinetic_mixing_loop(x, _LEPTON_MASS[alpha], _LEPTON_MASS[beta]) for x in flat])
    pref = math.sqrt(2.0) * ALPHA_EM / (math.pi * G_FERMI)
    # ℓ = α gets ε_βα, ℓ = β gets ε_αβ = −ε_βα (000:1051).
    cp[alpha] = (pref * loop_ba).reshape(q.shape)
    cp[beta] = -cp[alpha]
    return cp, cn
