"""Shared pieces of the SNS (COHERENT) experiments: neutrino sources and the recoil-energy node grid.

The three SNS sources (prompt ν_μ, delayed ν_e, delayed ν̄_μ) enter every COHERENT detector the same way; the
per-node weights B_ask of :mod:`cevns.kernels.rates` depend only on the targets and the exposure.
"""

from __future__ import annotations

import numpy as np

from cevns.kernels.atomic import shell_arrays
from cevns.kernels.couplings import FLAVOUR_E, FLAVOUR_MU
from cevns.kernels.cross_sections import CEVNS_PREFACTOR, e_min, momentum_transfer, t_max
from cevns.kernels.electron_scattering import ES_MM_PREFACTOR, es_e_min, z_eff
from cevns.kernels.fluxes import (
    E_MICHEL_MAX,
    E_PROMPT,
    SNS_DELAYED_NUE,
    SNS_DELAYED_NUMUBAR,
    SNS_PROMPT_NUMU,
    sns_fluence,
    sns_moment,
)
from cevns.kernels.form_factors import HELM_S, helm
from cevns.kernels.quadrature import piecewise_gauss_legendre

from ..models import flavour_parameters

__all__ = [
    "SNS_SOURCES", "SNS_SOURCE_FLAVOUR", "SNS_SOURCE_SPEC", "SNS_FLAVOURS", "SNS_SOURCE_LABEL", "SNS_PARAMETERS",
    "recoil_nodes", "sns_node_weights", "sns_axial_weights", "flux_averaged_cross_section",
    "sns_incoherent_weights", "sns_node_arrays", "sns_electron_mm_rate", "Targets", "sns_fluence",
]

SNS_SOURCES = ("numu", "nue", "numubar")  # index = SNS_PROMPT_NUMU, SNS_DELAYED_NUE, SNS_DELAYED_NUMUBAR
SNS_SOURCE_FLAVOUR = np.array([FLAVOUR_MU, FLAVOUR_E, FLAVOUR_MU], dtype=np.int64)
# (flavour, antineutrino) of each SNS source, for models that act per source (transition magnetic moments).
SNS_SOURCE_SPEC = ((FLAVOUR_MU, False), (FLAVOUR_E, False), (FLAVOUR_MU, True))
# Flavours of the stopped-pion beam (no ν_τ: π⁺ → μ⁺ν_μ, μ⁺ → e⁺ν_e ν̄_μ) and the NSI / EM parameters that act
# on them; ε_ττ, μ_ντ, ⟨r²_ντ⟩, q_ντ change nothing at the SNS and are refused with the reason.
SNS_FLAVOURS = tuple(sorted({f for f, _ in SNS_SOURCE_SPEC}))
SNS_SOURCE_LABEL = "SNS stopped-pion beam"
SNS_PARAMETERS = flavour_parameters(SNS_FLAVOURS)
assert (SNS_PROMPT_NUMU, SNS_DELAYED_NUE, SNS_DELAYED_NUMUBAR) == (0, 1, 2)


class Targets:
    """Target isotopes of a detector: names, Z, N, masses [MeV], number of nuclei, proton rms radii [fm]."""

    def __init__(self, isotopes, counts, proton_radii):
        self.names = tuple(i.name for i in isotopes)
        self.z = np.array([i.Z for i in isotopes], dtype=float)
        self.n = np.array([i.N for i in isotopes], dtype=float)
        self.mass = np.array([i.mass for i in isotopes], dtype=float)
        self.count = np.asarray(counts, dtype=float)
        self.rp = np.asarray(proton_radii, dtype=float)


def recoil_nodes(targets: Targets, t_lo: float, extra_breaks=(), n_per_piece: int = 24, n_min=None):
    """Gauss–Legendre nodes in T [MeV] with breaks at every kinematic endpoint of the SNS spectra.

    The prompt line makes the flux moments step at T_max(E_π) of each isotope and the Michel spectra end at
    T_max(m_μ/2), so the rule is exact piecewise between those kinks.
    """
    kinks = [t_max(E_PROMPT, m) for m in targets.mass] + [t_max(E_MICHEL_MAX, m) for m in targets.mass]
    breaks = [t_lo, *extra_breaks, *kinks]
    return piecewise_gauss_legendre([b for b in breaks if b >= t_lo], n_per_piece, n_min)


def sns_node_weights(targets: Targets, fluence: float, t_nodes, t_weights):
    """B_ask = w_k n_a Φ (G_F² M_a/π)(ħc)² [Φ0 − T Φ1 − (M_a T/2) Φ2]_s at E_min(T_k) [counts per unit Q²].

    Also returns the proton form factors F_p (Helm, R_p), momentum transfers q and Helm Gaussian factors.
    """
    n_iso, n_t = len(targets.names), t_nodes.size
    base = np.zeros((n_iso, 3, n_t))
    fp = np.empty((n_iso, n_t))
    q = np.empty((n_iso, n_t))
    for a in range(n_iso):
        m = targets.mass[a]
        for k, t in enumerate(t_nodes):
            emin = e_min(t, m)
            q[a, k] = momentum_transfer(t, m)
            fp[a, k] = helm(q[a, k], targets.rp[a])
            for s in range(3):
                mom = sns_moment(s, 0, emin) - t * sns_moment(s, 1, emin) - 0.5 * m * t * sns_moment(s, 2, emin)
                base[a, s, k] = t_weights[k] * targets.count[a] * fluence * CEVNS_PREFACTOR * m * max(mom, 0.0)
    gauss = np.exp(-0.5 * q * q * HELM_S * HELM_S)
    return base, fp, q, gauss


def sns_axial_weights(targets: Targets, fluence: float, t_nodes, t_weights, q_axial):
    """Axial-current counts per node (n_iso, 3, n_T) of seed 003:92: w_k n_a Φ (G_F² M/π) Q_A² F_A²
    [Φ0 + (M T/2) Φ2] at E_min(T_k), with F_A the Helm form factor of the protons (R_p) for odd-proton
    nuclei; ``q_axial`` is Q_A per isotope (0 for even-even nuclei)."""
    n_iso, n_t = len(targets.names), t_nodes.size
    out = np.zeros((n_iso, 3, n_t))
    for a in range(n_iso):
        if q_axial[a] == 0.0:
            continue
        m = targets.mass[a]
        for k, t in enumerate(t_nodes):
            emin = e_min(t, m)
            fa = helm(momentum_transfer(t, m), targets.rp[a])
            for s in range(3):
                mom = sns_moment(s, 0, emin) + 0.5 * m * t * sns_moment(s, 2, emin)
                out[a, s, k] = (t_weights[k] * targets.count[a] * fluence * CEVNS_PREFACTOR * m
                                * q_axial[a] ** 2 * fa * fa * mom)
    return out


def sns_incoherent_weights(targets: Targets, fluence: float, t_nodes, t_weights):
    """Node weights of the incoherent terms (n_iso, 3, n_T) each:

    magnetic moment (000:1374): w_k n_a Φ (πα²/m_e²)(ħc)² [Φ0/T − Φ1] (per μ_B², times Z² F_p² per point);
    scalar mediator (000:1073): w_k n_a Φ (ħc)² M²/(4π) T Φ2 (times g_φ⁴ (σ_πN/m̄_ud)² (Z F_p + N F_n)²/(|q|² +
    M_φ²)² per point).
    """
    from cevns.kernels.constants import HBARC2_MEV2_CM2

    n_iso, n_t = len(targets.names), t_nodes.size
    mm = np.zeros((n_iso, 3, n_t))
    sc = np.zeros((n_iso, 3, n_t))
    for a in range(n_iso):
        m = targets.mass[a]
        for k, t in enumerate(t_nodes):
            emin = e_min(t, m)
            for s in range(3):
                scale = t_weights[k] * targets.count[a] * fluence
                mm[a, s, k] = scale * ES_MM_PREFACTOR * max(sns_moment(s, 0, emin) / t - sns_moment(s, 1, emin), 0.0)
                sc[a, s, k] = scale * HBARC2_MEV2_CM2 * m * m / (4.0 * np.pi) * t * sns_moment(s, 2, emin)
    return mm, sc


def sns_electron_mm_rate(elements, n_molecules: float, fluence: float, t_lo: float, t_hi: float):
    """ν–e magnetic-moment counts per μ_B² of the three SNS sources at electron-recoil nodes T_k [MeV] in
    [``t_lo``, ``t_hi``], on the electrons of ``n_molecules`` molecules made of one atom of each of ``elements``.

    dσ/dT = Z_eff(T) (πα²/m_e²)(1/T − 1/E) (000:1384) with the stepped Z_eff of each element (summed), so
    rate_sk = w_k n Φ (πα²/m_e²)(ħc)² Z_eff(T_k) [Φ0/T − Φ1]_s at E_min(T_k). The nodes are Gauss–Legendre with
    breaks at 1 and 3 keV and at every shell edge inside the range (Z_eff steps there). Returns
    (t_nodes (n_T,), rate (3, n_T)); the caller folds ``rate`` with its (unquenched) detector response.
    """
    shells = [shell_arrays(el) for el in elements]
    edges = [t for thr, _ in shells for t in thr if t_lo < t < t_hi]
    t_nodes, t_w = piecewise_gauss_legendre([t_lo, 1e-3, 3e-3, t_hi, *edges], 16, 6)
    rate = np.zeros((3, t_nodes.size))
    for k, t in enumerate(t_nodes):
        zeff = 0.0
        for thr, cnt in shells:
            zeff += z_eff(t, thr, cnt)
        emin = es_e_min(t)
        for s in range(3):
            mom = max(sns_moment(s, 0, emin) / t - sns_moment(s, 1, emin), 0.0)
            rate[s, k] = t_w[k] * n_molecules * fluence * ES_MM_PREFACTOR * zeff * mom
    return t_nodes, rate


def sns_node_arrays(exp):
    """(B, B_mm, B_s, F_p, q, Helm Gaussian, |q|², Z, N, source flavours) of an SNS experiment: the leading
    arguments of :func:`cevns.kernels.rates.cevns_source_spectra_bsm` (and of the kernels built on it), from the
    attributes set with :func:`sns_node_weights` and :func:`sns_incoherent_weights`."""
    return (exp.base, exp.base_mm, exp.base_s, exp.fp, exp.q, exp.gauss, exp.q2, exp.targets.z, exp.targets.n,
            SNS_SOURCE_FLAVOUR)


def flux_averaged_cross_section(exp, params: dict | None = None) -> float:
    """Flux-averaged CEvNS cross section per nucleus [cm²] of an SNS experiment's target (COHERENT's definition,
    seed 001:221–222; 004:383): ⟨σ⟩ = Σ_s ∫dE φ_s σ_s(E) / Σ_s ∫dE φ_s over the three stopped-pion spectra, with
    σ_s(E) = ∫_0^{T_max} dT dσ/dT the full recoil integral (no threshold, no efficiency), averaged over the target's
    nuclei (Cs and I equally in CsI). Built from the same node weights as the rates (recoil nodes from 1e-9 MeV),
    at the experiment's parameters ``params`` (SM by default; the normalisation ``cevns_norm`` multiplies it)."""
    from cevns.kernels.rates import cevns_source_spectra

    tg = exp.targets
    t, w = recoil_nodes(tg, 1e-9, (1e-6, 1e-5, 1e-4), 24, 8)
    base, fp, q, gauss = sns_node_weights(tg, 1.0, t, w)  # unit fluence per flavour: ∫ φ_s = 1
    th = exp.theta(params or {})
    n_iso = len(tg.names)
    e = cevns_source_spectra(base, fp, q, gauss, tg.z, tg.n, SNS_SOURCE_FLAVOUR, th[0],
                             np.ascontiguousarray(th[2:2 + n_iso]), np.ones((1, t.size)))
    return float(th[1] * e.sum() / (len(SNS_SOURCES) * tg.count.sum()))
