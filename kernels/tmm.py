"""Majorana neutrino transition magnetic moments (TMM): mixing matrix, TMM matrix and per-source μ_eff².

Seed 003:150–185 (Miranda, Papoulias, Tórtola, Valle, JHEP 07 (2019) 103; Grimus, Schwetz, NPB 587 (2000) 45):
the Majorana TMM matrix is antisymmetric, in the mass basis λ̃_ij = ε_ijk Λ_k with Λ_k = |Λ_k| e^{iζ_k}
(003:160–168), and a beam whose neutrinos leave the source as the flavour state α with negative helicity
(a neutrino, amplitude vector α_- = e_α) or positive helicity (an antineutrino, α_+ = e_α) sees

    μ_eff² = α̃_-† λ̃† λ̃ α̃_- + α̃_+† λ̃ λ̃† α̃_+ ,   α̃_- = U† α_-, α̃_+ = U^T α_+, λ̃ = U^T λ U     (003:175–185)

i.e. μ² = ||λ̃ U† e_α||² for a neutrino and ||λ̃† U^T e_α||² for an antineutrino. Both equal
|Λ|² − |Σ_i U_αi Λ_i|² (the flavour-basis Λ_α up to a phase), e.g. |Λ_μ|² + |Λ_τ|² for reactor ν̄_e (003:189).
U is the PDG-parametrised lepton mixing matrix without Majorana phases (they can be absorbed in the ζ_i).

Oscillation parameters: global fit of de Salas, Forero, Ternes, Tórtola, Valle, PLB 782 (2018) 633
(arXiv:1708.01186), normal ordering best fit, the fit seed 003's paper uses (:data:`OSC_DESALAS2018_NO`).
Pure NumPy, vectorised over parameter points (called once per batch by cevns.scanner.models.coupling_columns).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["OSC_DESALAS2018_NO", "pmns", "lambda_tilde", "mu2_eff", "mu2_eff_points", "FLAVOURS"]

FLAVOURS = ("e", "mu", "tau")

# de Salas et al., PLB 782 (2018) 633, Table 3, normal ordering best fit: sin²θ12 = 0.320, sin²θ23 = 0.547,
# sin²θ13 = 0.02160, δ_CP = 1.32π (the PDG "fit" listing of δ quotes 1.32 +0.21/−0.15 π for this analysis).
OSC_DESALAS2018_NO = {"s12sq": 0.320, "s23sq": 0.547, "s13sq": 0.02160, "delta_cp": 1.32 * math.pi}


def pmns(s12sq, s23sq, s13sq, delta):
    """PDG lepton mixing matrix U = R23 U13(δ) R12 (no Majorana phases); ``delta`` scalar or (n,) → (3, 3) or
    (n, 3, 3) complex; U_e3 = s13 e^{−iδ}."""
    d = np.asarray(delta, dtype=float)
    s12, s23, s13 = math.sqrt(s12sq), math.sqrt(s23sq), math.sqrt(s13sq)
    c12, c23, c13 = math.sqrt(1 - s12sq), math.sqrt(1 - s23sq), math.sqrt(1 - s13sq)
    ep = np.exp(1j * d)
    em = np.exp(-1j * d)
    u = np.empty(d.shape + (3, 3), dtype=complex)
    u[..., 0, 0] = c12 * c13
    u[..., 0, 1] = s12 * c13
    u[..., 0, 2] = s13 * em
    u[..., 1, 0] = -s12 * c23 - c12 * s23 * s13 * ep
    u[..., 1, 1] = c12 * c23 - s12 * s23 * s13 * ep
    u[..., 1, 2] = s23 * c13
    u[..., 2, 0] = s12 * s23 - c12 * c23 * s13 * ep
    u[..., 2, 1] = -c12 * s23 - s12 * c23 * s13 * ep
    u[..., 2, 2] = c23 * c13
    return u


def lambda_tilde(abs_l, zeta):
    """Mass-basis TMM matrix λ̃ = ((0, Λ3, −Λ2), (−Λ3, 0, Λ1), (Λ2, −Λ1, 0)), Λ_i = |Λ_i| e^{iζ_i} (003:160);
    ``abs_l``, ``zeta``: (3,) or (n, 3) → (3, 3) or (n, 3, 3)."""
    lam = np.asarray(abs_l, dtype=float) * np.exp(1j * np.asarray(zeta, dtype=float))
    out = np.zeros(lam.shape[:-1] + (3, 3), dtype=complex)
    l1, l2, l3 = lam[..., 0], lam[..., 1], lam[..., 2]
    out[..., 0, 1], out[..., 0, 2] = l3, -l2
    out[..., 1, 0], out[..., 1, 2] = -l3, l1
    out[..., 2, 0], out[..., 2, 1] = l2, -l1
    return out


def mu2_eff(u, lam, flavour: int, antineutrino: bool):
    """μ_eff² of a source of flavour index ``flavour`` (0 e, 1 μ, 2 τ) and helicity (003:185):
    neutrino: α̃_- = U† e_α, μ² = ||λ̃ α̃_-||²; antineutrino: α̃_+ = U^T e_α, μ² = ||λ̃† α̃_+||².
    ``u``, ``lam``: (3, 3) or (n, 3, 3); result in the squared unit of Λ, scalar or (n,)."""
    row = u[..., flavour, :]  # U_αi
    if antineutrino:
        vec = np.einsum("...ji,...j->...i", lam.conj(), row)  # (λ̃†)_ij (U^T e_α)_j = conj(λ̃_ji) U_αj
    else:
        vec = np.einsum("...ij,...j->...i", lam, row.conj())  # λ̃_ij (U† e_α)_j = λ̃_ij conj(U_αj)
    return np.sum(vec.real ** 2 + vec.imag ** 2, axis=-1)


def mu2_eff_points(abs_l, zeta, delta, flavour: int, antineutrino: bool, osc=None):
    """μ_eff² at n points: ``abs_l``, ``zeta`` (n, 3), ``delta`` (n,); mixing angles from ``osc`` (default
    :data:`OSC_DESALAS2018_NO`; its δ is ignored, ``delta`` is used)."""
    o = OSC_DESALAS2018_NO if osc is None else osc
    u = pmns(o["s12sq"], o["s23sq"], o["s13sq"], delta)
    return mu2_eff(u, lambda_tilde(abs_l, zeta), flavour, antineutrino)
