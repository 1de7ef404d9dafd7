"""Migdal effect in the photo-absorption approximation for germanium (seed 000:478–530; Liu et al., PRD 102, 121303;
Atzori Corona et al., arXiv:2307.12911), as an optional signal component of Dresden-II (``dresden-ii:migdal=on``).

    d²σ/dT dE_r = (G_F² M/π)(1 − M T/2E²) Q_W² · (1/(2π²α)) (m_e²/M) (T/E_r) σ_γ^Ge(E_r)        (000:508)

with Q_W the CEvNS weak charge of the code (Q = g_V^p Z F_p + g_V^n N F_n, so that the first factor is the CEvNS
dσ/dT of seed 000:29 without the T/E term, as the seed writes it), E_r the ionisation energy (observed unquenched),
σ_γ^Ge the measured photo-absorption cross section per atom (bundled Chantler table, scanner/data/ge-photoabsorption).
The observed energy is E_r + f_Q(T) T (the quenched nuclear recoil), folded through the Dresden-II resolution.

Precomputed response (design rule): the parameter dependence is the same Q(T)² as CEvNS, so the Migdal term is a set
of extra recoil nodes k for :func:`cevns.kernels.rates.cevns_source_spectra_bsm`, with
    B^M_ak = w_k n_a Φ (G_F² M_a/π)(ħc)² [Φ0 − (M_a T_k/2) Φ2](T_k) · m_e² T_k/(2π²α M_a),
    A^M_ik = Σ_j u_j σ_γ(E_j)/E_j R_i(E_j + f_Q(T_k) T_k),
(E_j, u_j: Gauss–Legendre nodes between the table's nodes from 9.86 eV to E_MAX; σ_γ interpolated log–log).
"""

from __future__ import annotations

import math

import numpy as np

from cevns.kernels.constants import ALPHA_EM, HBARC2_MEV2_CM2, M_ELECTRON
from cevns.kernels.constants import HBARC_MEV_FM as HBARC
from cevns.kernels.cross_sections import CEVNS_PREFACTOR, e_min, momentum_transfer, t_max
from cevns.kernels.form_factors import HELM_S, helm
from cevns.kernels.quadrature import gauss_legendre, piecewise_gauss_legendre
from cevns.kernels.reactor import pl_moments_at

from . import datasets

__all__ = ["DATASET", "TABLE", "photoabsorption_table", "sigma_gamma", "migdal_nodes", "E_MAX_MEV"]

DATASET = "ge-photoabsorption"
TABLE = "ge_photoabsorption_chantler.txt"
# Upper end of the ionisation-energy integral [MeV]: the last Dresden-II bin (1.5 keVee) + 8 σ of the resolution.
E_MAX_MEV = 2.5e-3


def photoabsorption_table():
    """(E [MeV], σ_γ [cm²] per Ge atom) at the Chantler nodes (checksum-verified bundled table)."""
    d = datasets.load_table(DATASET, TABLE)
    return d[:, 0] * 1e-6, d[:, 2] * 1e-24


def sigma_gamma(e_mev, table=None):
    """σ_γ^Ge(E) [cm²], log–log interpolation of the table; 0 outside it."""
    e_tab, s_tab = table if table is not None else photoabsorption_table()
    e = np.asarray(e_mev, dtype=float)
    out = np.exp(np.interp(np.log(np.clip(e, e_tab[0], e_tab[-1])), np.log(e_tab), np.log(s_tab)))
    return np.where((e >= e_tab[0]) & (e <= e_tab[-1]), out, 0.0)


def _er_nodes(table, n=2):
    e_tab = table[0]
    breaks = np.concatenate([e_tab[e_tab < E_MAX_MEV], [E_MAX_MEV]])
    x, w = [], []
    gx, gw = gauss_legendre(n, 0.0, 1.0)
    for a, b in zip(breaks[:-1], breaks[1:]):
        x.append(a + (b - a) * gx)
        w.append((b - a) * gw)
    return np.concatenate(x), np.concatenate(w)


def migdal_nodes(exp, n_per_piece=8):
    """Extra node arrays (base, fp, q, gauss, q2, resp) of the Migdal term for a :class:`DresdenII` ``exp``.

    Recoil nodes from 1e-8 MeV (the Migdal electron is observed even when the recoil makes no charge) to T_max.
    """
    tg = exp.targets
    table = photoabsorption_table()
    tmax = [t_max(exp.e_nu[-1], m) for m in tg.mass]
    t, tw = piecewise_gauss_legendre([1e-8, 1e-6, 1e-5, 1e-4, 3e-4, 8e-4, *tmax], n_per_piece, 4)
    n_iso = len(tg.names)
    base = np.zeros((n_iso, 1, t.size))
    q = np.empty((n_iso, t.size))
    fp = np.empty((n_iso, t.size))
    for a in range(n_iso):
        m = tg.mass[a]
        mom = pl_moments_at(exp.e_nu, exp.spectrum, np.array([e_min(x, m) for x in t]))
        kin = np.maximum(mom[0] - 0.5 * m * t * mom[2], 0.0)  # (1 − MT/2E²), 000:508
        base[a, 0] = (tw * tg.count[a] * exp.exposure * CEVNS_PREFACTOR * m * kin
                      * M_ELECTRON**2 * t / (2.0 * math.pi**2 * ALPHA_EM * m))
        q[a] = [momentum_transfer(x, m) for x in t]
        fp[a] = [helm(qq, tg.rp[a]) for qq in q[a]]
    gauss = np.exp(-0.5 * q * q * HELM_S * HELM_S)
    q2 = (q * HBARC) ** 2
    er, uw = _er_nodes(table)
    weight = uw * sigma_gamma(er, table) / HBARC2_MEV2_CM2 / er  # MeV⁻²
    e_nr = 1e3 * t * exp.quenching(1e3 * t)  # keVee
    resp = np.empty((exp.edges.size - 1, t.size))
    for k in range(t.size):
        resp[:, k] = exp._response(1e3 * er + e_nr[k]) @ weight
    return base, fp, q, gauss, q2, resp
