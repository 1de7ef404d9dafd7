"""Dark Z boson Z_d: running of the low-energy weak mixing angle (seed 000:277–285; H30 of seed-benchmarks).

Model (H. Davoudiasl, H.-S. Lee, W. J. Marciano, PRD 85, 115019 (2012), arXiv:1203.2947, and PRL 109, 031802
(2012), arXiv:1205.2709; used by M. Cadeddu, N. Cargioli, F. Dordei, C. Giunti, E. Picciau, PRD 104, 011701
(2021), arXiv:2104.03280, the fit the seed quotes at 000:281–285): a U(1)_d gauge boson of mass m_Zd couples to
the electromagnetic current through kinetic mixing ε and to the weak neutral current through Z–Z_d mass mixing
ε_Z = (m_Zd/M_Z) δ. Exchanged between a weak neutral current and the electromagnetic current it shifts the
low-energy weak mixing angle seen at momentum transfer Q:

    sin²θ_W(Q²) → κ_d(Q²) sin²θ_W(Q²),
    κ_d(Q²) = 1 − ε δ (M_Z/m_Zd) (cos θ_W/sin θ_W) f(Q²/m_Zd²),     f(x) = 1/(1 + x),

i.e. Δsin²θ_W = −ε δ (M_Z/m_Zd) sin θ_W cos θ_W f ≈ −0.42 ε δ (M_Z/m_Zd) f (DLM). The Z_d exchange between two
neutral currents rescales G_F by ρ_d = 1 + δ² f; with δ² < 2e-5 (DLM's APV bound) this changes rates by < 4e-5
and is left out. Only the product ε δ enters: with δ fixed (parameter ``delta_zd``, default 1e-3) the fitted
``eps_dark`` scales as 1/δ.

CEvNS (ν couples to Z_d only through ε_Z, the nucleus through ε e J_em and ε_Z J_NC): the radiatively corrected
g_V^p(ν_ℓ; s²) = g_V^p(ν_ℓ) − 2ρ (s² − s²_0) (cevns.kernels.couplings) with s² → κ_d(|q|²) s² gives the
node-dependent proton-coupling shift

    Δg_V^p(|q|) = −2ρ s² (κ_d − 1) = 2ρ ε δ M_Z m_Zd s_W c_W / (|q|² + m_Zd²),

which has the form of a Z' term g²/(|q|² + M²) · c_p Z F_p with c_p = 1/(√2 G_F), c_n = 0 (a Z' with the photon's
quark charges (2/3, −1/3) and unit neutrino charge) and g² = √2 G_F · 2ρ ε δ M_Z m_Zd s_W c_W. It therefore goes
through the Z' slots of :func:`cevns.kernels.rates.cevns_source_spectra_bsm` (coupling columns 6, 7 and the
per-node array ``zp_cp`` from :func:`darkz_coefficients`); no kernel change.

APV(Cs): Q_W^th(κ_d(Q²_APV) s²) with Q_APV ≈ 2.4 MeV (DLM; Bouchiat & Piketty 1983).
"""

from __future__ import annotations

import math

import numpy as np

from .constants import G_FERMI, RHO_NC

__all__ = ["M_Z", "Q_APV_MEV", "DELTA_DEFAULT", "darkz_f", "kappa_d", "sin2w_eff", "delta_gvp", "darkz_g2",
           "darkz_coefficients"]

# Z boson mass, PDG 2024: 91.1876(21) GeV [MeV].
M_Z = 91187.6
# Typical momentum transfer of the Cs 6S–7S APV transition (DLM 2012, after Bouchiat & Piketty 1983) [MeV].
Q_APV_MEV = 2.4
# Default Z–Z_d mass-mixing parameter δ (ε_Z = (m_Zd/M_Z) δ); DLM's APV bound is δ² < 2e-5 (|δ| < 4.5e-3).
DELTA_DEFAULT = 1e-3


def darkz_f(x):
    """f(x) = 1/(1 + x), x = Q²/m_Zd² (DLM 2012): the Z_d propagator relative to its value at Q = 0."""
    return 1.0 / (1.0 + np.asarray(x, dtype=float))


def kappa_d(q2_mev2, eps, delta, m_zd, sin2w):
    """κ_d(Q²) = 1 − ε δ (M_Z/m_Zd) (cos θ_W/sin θ_W) f(Q²/m_Zd²) (DLM 2012; module docstring). Vectorised;
    Q² in MeV², m_Zd in MeV; cos θ_W/sin θ_W from ``sin2w``."""
    s2 = np.asarray(sin2w, dtype=float)
    m = np.asarray(m_zd, dtype=float)
    cot = np.sqrt((1.0 - s2) / s2)
    return 1.0 - np.asarray(eps, dtype=float) * np.asarray(delta, dtype=float) * (M_Z / m) * cot * darkz_f(
        np.asarray(q2_mev2, dtype=float) / (m * m))


def sin2w_eff(q2_mev2, eps, delta, m_zd, sin2w):
    """The weak mixing angle seen at momentum transfer Q: κ_d(Q²) sin²θ_W."""
    return kappa_d(q2_mev2, eps, delta, m_zd, sin2w) * np.asarray(sin2w, dtype=float)


def delta_gvp(q2_mev2, eps, delta, m_zd, sin2w):
    """Δg_V^p(|q|) = −2ρ sin²θ_W (κ_d − 1): shift of the radiatively corrected ν–p vector coupling (module
    docstring; g_V^p depends on sin²θ_W as −2ρ sin²θ_W, 000:1084–1086)."""
    s2 = np.asarray(sin2w, dtype=float)
    return -2.0 * RHO_NC * s2 * (kappa_d(q2_mev2, eps, delta, m_zd, sin2w) - 1.0)


def darkz_g2(eps, delta, m_zd, sin2w):
    """Effective Z'-slot coupling g² = √2 G_F · 2ρ ε δ M_Z m_Zd s_W c_W, such that g²/(|q|² + m_Zd²) · 1/(√2 G_F)
    = :func:`delta_gvp` (coupling column 6 of cevns.kernels.rates.N_COUPLINGS; column 7 is m_Zd²)."""
    s2 = np.asarray(sin2w, dtype=float)
    return (math.sqrt(2.0) * G_FERMI * 2.0 * RHO_NC * np.asarray(eps, dtype=float) * np.asarray(delta, dtype=float)
            * M_Z * np.asarray(m_zd, dtype=float) * np.sqrt(s2 * (1.0 - s2)))


def darkz_coefficients(q_mev):
    """(cp, cn) of the dark Z in the layout of :func:`cevns.kernels.mediators.zprime_coefficients`: cp = 1/(√2 G_F)
    for every flavour and node (shape (3,) + q.shape), cn = 0 (3,): Z_d couples to the nucleus through its charge."""
    q = np.asarray(q_mev, dtype=float)
    return np.full((3,) + q.shape, 1.0 / (math.sqrt(2.0) * G_FERMI)), np.zeros(3)
