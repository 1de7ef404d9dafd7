"""Binned CEvNS counts from a precomputed detector response (the fast path).

Counts in analysis bin (i, j) (seed 000:662–664 with the time factorisation of 000:650):
N_ij = Σ_s P_sj Σ_k A_ik Σ_a B_ask Q_as(T_k)²,
where k runs over Gauss–Legendre nodes in recoil energy T, a over target isotopes, s over neutrino sources.
B_ask = w_k n_a Φ_s (G_F² M_a/π)(ħc)² [Φ0 − T Φ1 − (M_a T/2) Φ2]_s(T_k) holds everything that does not depend on
the scanned parameters (flux moments Φ_k of :mod:`cevns.kernels.fluxes`, target count, exposure); A_ik is the
energy response (quenching, resolution, efficiency) and P_sj the time response of source s. Only the weak charge
Q = g_V^p Z F_p + g_V^n N F_n(R_n) is evaluated per parameter point.
"""

import numpy as np

from ._jit import jit
from .couplings import gv_neutron, gv_proton
from .cross_sections import weak_charge
from .form_factors import helm_r0, spherical_j1_over_x

__all__ = [
    "cevns_source_spectra", "cevns_source_spectra_cached", "cevns_source_spectra_bsm",
    "cevns_source_spectra_bsm_cached", "fn_cache_for",
    "theta_row_spectra", "fold_time", "fold_energy", "cevns_counts", "N_COUPLINGS", "PAIR_INDEX",
]

# Per-point coupling vector of :func:`cevns_source_spectra_bsm` (built by cevns.scanner.models.coupling_columns):
#  0-2  δg^p per flavour (NSI 2ε^u + ε^d, charge radius), 3-5 δg^n per flavour (NSI ε^u + 2ε^d),
#  6    g_Z'², 7 M_Z'² [MeV²],
#  8-10 off-diagonal proton couplings of the pairs (eμ, eτ, μτ) (NSI and transition charge radii),
#  11-13 off-diagonal neutron couplings of the pairs, 14-16 millicharge coefficient c_ℓ of Z F_p/|q|² [MeV²],
#  17-19 μ_ℓ² [μ_B²] per flavour ℓ, 20 scalar strength g_φ⁴ (σ_πN/m̄_ud)², 21 M_φ² [MeV²],
#  22-24 extra μ_eff² [μ_B²] per source s (0, 1, 2) of the experiment, e.g. Majorana transition moments projected
#  on each source's flavour and helicity (seed 003); added to the per-flavour μ_ℓ².
N_COUPLINGS = 25
# PAIR_INDEX[α, β]: index of the flavour pair in the off-diagonal blocks (−1 on the diagonal).
PAIR_INDEX = np.array([[-1, 0, 1], [0, -1, 2], [1, 2, -1]], dtype=np.int64)


# Reassociation vectorises the node sums; deterministic for a given build (see kernels/likelihood.py).
@jit(fastmath={"reassoc", "contract"})
def cevns_source_spectra(base, fp, q, gauss, z, n, src_flavour, sin2w, rn, resp):
    """:func:`cevns_source_spectra_cached` with a fresh neutron form-factor cache."""
    return cevns_source_spectra_cached(base, fp, q, gauss, z, n, src_flavour, sin2w, rn, resp, fn_cache_for(base))


@jit(fastmath={"reassoc", "contract"})
def cevns_source_spectra_cached(base, fp, q, gauss, z, n, src_flavour, sin2w, rn, resp, fn_cache):
    """Energy-binned CEvNS counts per source, E_si = Σ_k A_ik Σ_a B_ask Q_as(T_k)².

    Parameters
    ----------
    base : (n_iso, n_src, n_T) counts per unit Q² at each node, B_ask.
    fp : (n_iso, n_T) proton form factors at the nodes (fixed R_p).
    q : (n_iso, n_T) momentum transfer [fm⁻¹]; gauss : (n_iso, n_T) Helm factor exp(−q² s²/2).
    z, n : (n_iso,) proton and neutron numbers; src_flavour : (n_src,) flavour index of each source.
    sin2w : weak mixing angle; rn : (n_iso,) neutron rms radii [fm] (Helm, s = 0.9 fm).
    resp : (n_E, n_T) energy response A_ik.
    fn_cache : (n_iso, n_T + 1) neutron form factors kept with their R_n across calls (:func:`fn_cache_for`;
        see :func:`cevns_source_spectra_bsm_cached`).
    """
    n_iso, n_src, n_t = base.shape
    spec = np.zeros((n_src, n_t))
    fn = np.empty(n_t)
    gn = gv_neutron()
    for a in range(n_iso):
        _neutron_form_factor(fn_cache, a, rn[a], q, gauss, fn)
        for s in range(n_src):
            gp = gv_proton(src_flavour[s], sin2w)
            for k in range(n_t):
                qw = weak_charge(gp, gn, z[a], n[a], fp[a, k], fn[k])
                spec[s, k] += base[a, s, k] * qw * qw
    return fold_energy(spec, resp)


@jit
def _neutron_form_factor(fn_cache, a, rn_a, q, gauss, fn):
    """Helm F_n of isotope ``a`` at radius ``rn_a`` into ``fn`` (n_T,), from ``fn_cache`` when it holds that radius
    (else computed and kept there). A local copy, so the node loops of the callers vectorise as without a cache."""
    n_t = fn.size
    if fn_cache[a, n_t] != rn_a:
        r0 = helm_r0(rn_a)
        for k in range(n_t):
            fn_cache[a, k] = spherical_j1_over_x(q[a, k] * r0) * gauss[a, k]
        fn_cache[a, n_t] = rn_a
    for k in range(n_t):
        fn[k] = fn_cache[a, k]


@jit
def fn_cache_for(base):
    """Scratch for :func:`cevns_source_spectra_bsm_cached`: row a holds [F_n at every node, R_n] of isotope a
    (R_n = NaN: not computed yet)."""
    return np.full((base.shape[0], base.shape[2] + 1), np.nan)


@jit(fastmath={"reassoc", "contract"})
def cevns_source_spectra_bsm(base, base_mm, base_s, fp, q, gauss, q2, z, n, src_flavour, sin2w, rn, resp, cpl, zp_cp,
                             zp_cn):
    """:func:`cevns_source_spectra_bsm_cached` with a fresh neutron form-factor cache."""
    return cevns_source_spectra_bsm_cached(base, base_mm, base_s, fp, q, gauss, q2, z, n, src_flavour, sin2w, rn,
                                           resp, cpl, zp_cp, zp_cn, fn_cache_for(base))


@jit(fastmath={"reassoc", "contract"})
def cevns_source_spectra_bsm_cached(base, base_mm, base_s, fp, q, gauss, q2, z, n, src_flavour, sin2w, rn, resp, cpl,
                                    zp_cp, zp_cn, fn_cache):
    """Energy-binned CEvNS counts per source with every model of the seeds that acts on CEvNS.

    ``fn_cache`` (:func:`fn_cache_for`) keeps the neutron form factor of each isotope with the R_n it was computed
    for; a point with the same R_n reuses it (the same numbers, so results do not depend on the order of points;
    in a scan that does not vary R_n the Helm factors are computed once per chunk instead of once per point).

    Rate per node (flavour ℓ of source s, isotope a):
      B_ask Σ_β |Q_ℓβ|² + B^MM_ask μ_ℓ² Z² F_p² + B^S_ask S_φ (Z F_p + N F_n)²/(|q|² + M_φ²)²
    Q_ℓℓ = Z F_p [g_V^p(ℓ) + δg^p_ℓ + g²/(|q|²+M²) c^p + c^mc_ℓ/|q|²] + N F_n [g_V^n + δg^n_ℓ + g²/(|q|²+M²) c^n]
    (000:299 Z'; 000:1051 L_α−L_β; 002:126 diagonal charge radii and millicharge as the q⁰ and q⁻² terms of the
    neutrino charge form factor); Q_ℓβ (β ≠ ℓ) = Z F_p c^p_ℓβ + N F_n c^n_ℓβ (off-diagonal NSI, transition charge
    radii; incoherent, 002:126); B^MM: magnetic moment (000:1374), B^S: scalar mediator (000:1073), both
    incoherent with the SM. ``cpl`` is the coupling vector described by :data:`N_COUPLINGS` (μ² of source s:
    cpl[17 + ℓ] + cpl[22 + s]).
    """
    n_iso, n_src, n_t = base.shape
    spec = np.zeros((n_src, n_t))
    fn = np.empty(n_t)
    prop = np.zeros(n_t)
    inv_q2 = np.empty(n_t)
    gn0 = gv_neutron()
    zp_g2 = cpl[6]
    zp_m2 = cpl[7]
    s_phi = cpl[20]
    m_phi2 = cpl[21]
    # Terms that are zero at this point are skipped (the SM point costs what the SM kernel costs).
    offdiag = False
    for c in range(8, 14):
        if cpl[c] != 0.0:
            offdiag = True
    for a in range(n_iso):
        _neutron_form_factor(fn_cache, a, rn[a], q, gauss, fn)
        for k in range(n_t):
            inv_q2[k] = 1.0 / q2[a, k]
            if zp_g2 != 0.0:
                prop[k] = zp_g2 / (q2[a, k] + zp_m2)
        za = z[a]
        na = n[a]
        for s in range(n_src):
            f = src_flavour[s]
            gp0 = gv_proton(f, sin2w) + cpl[f]
            gn = gn0 + cpl[3 + f]
            mc = cpl[14 + f]
            mu2 = cpl[17 + f] + cpl[22 + s]
            cnf = zp_cn[f]
            for k in range(n_t):
                zf = za * fp[a, k]
                nf = na * fn[k]
                qw = (gp0 + prop[k] * zp_cp[a, f, k] + mc * inv_q2[k]) * zf + (gn + prop[k] * cnf) * nf
                acc = qw * qw
                if offdiag:
                    for b in range(3):
                        if b != f:
                            pr = PAIR_INDEX[f, b]
                            qo = cpl[8 + pr] * zf + cpl[11 + pr] * nf
                            acc += qo * qo
                r = base[a, s, k] * acc
                if mu2 != 0.0:
                    r += base_mm[a, s, k] * mu2 * zf * zf
                if s_phi != 0.0:
                    d = q2[a, k] + m_phi2
                    r += base_s[a, s, k] * s_phi * (zf + nf) * (zf + nf) / (d * d)
                spec[s, k] += r
    return fold_energy(spec, resp)


@jit(fastmath={"reassoc", "contract"})
def theta_row_spectra(theta, p, base, base_mm, base_s, fp, q, gauss, q2, z, n, src_flavour, resp, zp_cp, zp_cn,
                      es_mm, rn, cpl, fn_cache):
    """E_si of row ``p`` of θ = [sin²θ_W, norm, R_n of each isotope, coupling vector (N_COUPLINGS), …] through
    :func:`cevns_source_spectra_bsm`, plus the energy-binned ν–e magnetic-moment counts ``es_mm`` (n_src, n_E) per
    μ_B² times μ² of each source (cpl[17 + ℓ] + cpl[22 + s]; an empty ``es_mm`` leaves ν–e out). The normalisation
    θ[p, 1] is not applied. ``rn`` (n_iso,) and ``cpl`` (N_COUPLINGS,) are scratch, filled from the row;
    ``fn_cache`` the form-factor cache of :func:`cevns_source_spectra_bsm_cached`, kept across the rows."""
    n_iso = rn.size
    for a in range(n_iso):
        rn[a] = theta[p, 2 + a]
    for c in range(cpl.size):
        cpl[c] = theta[p, 2 + n_iso + c]
    e = cevns_source_spectra_bsm_cached(base, base_mm, base_s, fp, q, gauss, q2, z, n, src_flavour, theta[p, 0], rn,
                                        resp, cpl, zp_cp, zp_cn, fn_cache)
    if es_mm.shape[0] == e.shape[0]:
        for s in range(e.shape[0]):
            m2 = cpl[17 + src_flavour[s]] + cpl[22 + s]
            if m2 != 0.0:
                for i in range(e.shape[1]):
                    e[s, i] += m2 * es_mm[s, i]
    return e


@jit(fastmath={"reassoc", "contract"})
def fold_energy(spec, resp):
    """E_si = Σ_k A_ik S_sk: node spectra (n_src, n_T) through the energy response (n_E, n_T)."""
    n_src, n_t = spec.shape
    n_e = resp.shape[0]
    out = np.zeros((n_src, n_e))
    for s in range(n_src):
        for i in range(n_e):
            acc = 0.0
            for k in range(n_t):
                acc += resp[i, k] * spec[s, k]
            out[s, i] = acc
    return out


@jit
def fold_time(energy_counts, time_frac, out):
    """out_ij = Σ_s E_si P_sj, written into ``out`` (n_E, n_time) and returned."""
    n_src, n_e = energy_counts.shape
    n_tb = time_frac.shape[1]
    for i in range(n_e):
        for j in range(n_tb):
            acc = 0.0
            for s in range(n_src):
                acc += energy_counts[s, i] * time_frac[s, j]
            out[i, j] = acc
    return out


@jit
def cevns_counts(base, fp, q, gauss, z, n, src_flavour, sin2w, rn, resp, time_frac):
    """Binned CEvNS counts N_ij (n_E, n_time) for one parameter point (see module docstring)."""
    e = cevns_source_spectra(base, fp, q, gauss, z, n, src_flavour, sin2w, rn, resp)
    return fold_time(e, time_frac, np.empty((resp.shape[0], time_frac.shape[1])))
