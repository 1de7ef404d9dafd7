"""Detector response functions: quenching, photoelectron resolution, efficiencies (pure kernels).

COHERENT CsI[Na] 2021 (arXiv:2110.07730 data release; seed 000:642–668):
- quenching E_ee = a T + b T² + c T³ + d T⁴ (T in MeVnr, E_ee in MeVee; release `scintRespCoefficients.txt`);
- reconstructed photoelectrons x ~ Gamma(shape 1 + b_R, rate a_R(1 + b_R)), a_R = 0.0749/E_ee, b_R = 9.56 E_ee
  (E_ee in keVee), seed 000:668; mean 13.35 PE/keVee × E_ee;
- efficiency ε(x) = a/(1 + exp(−b(x − c))) + d, clipped at 0 (release `effCoefficients.txt`);
- timing efficiency 1 for t < t₀, exp(−λ(t − t₀)) above (t₀ = 0.52 µs, λ = 0.0494 µs⁻¹).
"""

import math

import numpy as np

from ._jit import jit
from .timing import sns_delayed_time_pdf, sns_prompt_time_pdf

__all__ = [
    "polynomial_quenching", "gamma_pe_pdf", "sigmoid_efficiency", "exponential_time_efficiency",
    "pe_bin_response", "time_bin_fractions",
]


@jit
def polynomial_quenching(t, coeffs):
    """E_ee = Σ_i c_i T^(i+1) [MeVee] for T [MeVnr] (no constant term); CsI 2021 release quenching
    (arXiv:2110.07730, `scintRespCoefficients.txt`; seed 000:642–668)."""
    s = 0.0
    p = t
    for c in coeffs:
        s += c * p
        p *= t
    return s


@jit
def gamma_pe_pdf(x, e_kevee, a_coef, b_coef):
    """Gamma PE-resolution density R(x | E_ee) of seed 000:668, a = a_coef/E_ee, b = b_coef E_ee [PE⁻¹]."""
    if x <= 0.0 or e_kevee <= 0.0:
        return 0.0
    a = a_coef / e_kevee
    b = b_coef * e_kevee
    k = 1.0 + b
    lam = a * k
    return math.exp(k * math.log(lam) + (k - 1.0) * math.log(x) - lam * x - math.lgamma(k))


@jit
def sigmoid_efficiency(x, coeffs):
    """ε(x) = a/(1 + exp(−b(x − c))) + d, clipped to [0, 1] (CsI 2021 release `effCoefficients.txt`,
    arXiv:2110.07730)."""
    e = coeffs[0] / (1.0 + math.exp(-coeffs[1] * (x - coeffs[2]))) + coeffs[3]
    return min(max(e, 0.0), 1.0)


@jit
def exponential_time_efficiency(t, t0, lam):
    """1 for t < t₀, exp(−λ(t − t₀)) above (CsI 2021 release timing efficiency, arXiv:2110.07730)."""
    return 1.0 if t < t0 else math.exp(-lam * (t - t0))


@jit
def pe_bin_response(e_kevee, pe_edges, x_nodes, x_weights, eff_coeffs, a_coef, b_coef):
    """A_i = ∫_{bin i} R(x | E_ee) ε(x) dx for every PE bin, with a unit Gauss–Legendre rule (nodes on [0, 1]).

    ``x_nodes``/``x_weights`` are the rule on [0, 1]; each bin is mapped onto it.
    """
    nb = pe_edges.size - 1
    out = np.zeros(nb)
    for i in range(nb):
        lo = pe_edges[i]
        width = pe_edges[i + 1] - lo
        s = 0.0
        for m in range(x_nodes.size):
            x = lo + width * x_nodes[m]
            s += x_weights[m] * gamma_pe_pdf(x, e_kevee, a_coef, b_coef) * sigmoid_efficiency(x, eff_coeffs)
        out[i] = s * width
    return out


@jit
def time_bin_fractions(kind, t_edges, t_nodes, t_weights, mu, sigma, t0, lam):
    """P_j = ∫_{bin j} p(t) ε_t(t) dt for SNS time PDF ``kind`` (0 prompt, 1 delayed), unit rule on [0, 1].

    Bins are split at the efficiency kink t₀ so the rule integrates smooth pieces only.
    """
    nb = t_edges.size - 1
    out = np.zeros(nb)
    for j in range(nb):
        a = t_edges[j]
        b = t_edges[j + 1]
        pieces = 1 if (t0 <= a or t0 >= b) else 2
        for p in range(pieces):
            lo = a if p == 0 else t0
            hi = (b if pieces == 1 else t0) if p == 0 else b
            width = hi - lo
            s = 0.0
            for m in range(t_nodes.size):
                t = lo + width * t_nodes[m]
                pdf = sns_prompt_time_pdf(t, mu, sigma) if kind == 0 else sns_delayed_time_pdf(t, mu, sigma)
                s += t_weights[m] * pdf * exponential_time_efficiency(t, t0, lam)
            out[j] += s * width
    return out
