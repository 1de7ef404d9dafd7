"""Profiled χ² of a binned CEvNS experiment over many parameter points (the scan kernel).

Each point is a row θ = [sin²θ_W, CEvNS normalisation, R_n of isotope 0, R_n of isotope 1, …]. For every row the
CEvNS counts come from :func:`cevns.kernels.rates.cevns_source_spectra` on the precomputed response, the fixed
background components are appended, and the normalisation nuisances are profiled with
:func:`cevns.kernels.likelihood.profile_into` (seed 000:1094, eq. (10)). Every point starts the profiling
from η = 0, so a result does not depend on the order or grouping of points (scans are reproducible bit for bit).
"""

import numpy as np

from ._jit import jit
from .likelihood import profile_into
from .rates import N_COUPLINGS, cevns_source_spectra_cached, fn_cache_for, fold_time, theta_row_spectra

__all__ = ["binned_cevns_chi2_points", "binned_cevns_chi2_points_extra", "binned_cevns_chi2_points_bsm"]


@jit
def _buffers(n_pts, bkg, n_e, n_tb):
    """Per-call buffers of the binned kernels: components (CEvNS row first, backgrounds filled in), time-folded
    counts, outputs (χ², η, status) and the profiler's nuisance vector and scratch."""
    nz = 1 + bkg.shape[0]
    comps = np.empty((nz, n_e * n_tb))
    for zz in range(bkg.shape[0]):
        comps[1 + zz, :] = bkg[zz, :]
    return (comps, np.empty((n_e, n_tb)), np.empty(n_pts), np.empty((n_pts, nz)), np.empty(n_pts, dtype=np.int64),
            np.empty(nz), np.empty((6 + 2 * nz, max(nz, n_e * n_tb))))


@jit
def _profile_point(e, time_frac, norm, extra, counts, comps, obs, sigmas, eta_p, work):
    """Fold the energy-binned counts ``e`` in time, scale by ``norm``, add ``extra``, profile; returns (χ², status)."""
    fold_time(e, time_frac, counts)
    n_e, n_tb = counts.shape
    for i in range(n_e):
        for j in range(n_tb):
            comps[0, i * n_tb + j] = norm * (counts[i, j] + extra[i * n_tb + j])
    eta_p[:] = 0.0
    return profile_into(obs, comps, sigmas, eta_p, work)


@jit
def binned_cevns_chi2_points(theta, base, fp, q, gauss, z, n, src_flavour, resp, time_frac, bkg, obs, sigmas):
    """χ²_min and best-fit nuisances for each row of ``theta``.

    ``bkg`` (n_bkg, n_bins) are the background components (flattened E × time bins); ``sigmas`` has
    1 + n_bkg prior widths, the first for the CEvNS normalisation nuisance.

    Returns chi2 (n_points,), eta (n_points, 1 + n_bkg), status (n_points,) int (0 = converged).
    """
    extra = np.zeros(obs.size)
    return binned_cevns_chi2_points_extra(
        theta, base, fp, q, gauss, z, n, src_flavour, resp, time_frac, extra, bkg, obs, sigmas
    )


@jit
def binned_cevns_chi2_points_extra(theta, base, fp, q, gauss, z, n, src_flavour, resp, time_frac, extra, bkg, obs,
                                   sigmas):
    """As :func:`binned_cevns_chi2_points`, with a parameter-independent CEvNS part ``extra`` (n_bins,)
    added to the vector-current counts before the normalisation (e.g. the axial-current term of odd nuclei)."""
    n_iso = base.shape[0]
    comps, counts, chi2, eta, status, eta_p, work = _buffers(theta.shape[0], bkg, resp.shape[0], time_frac.shape[1])
    rn = np.empty(n_iso)
    fn_cache = fn_cache_for(base)
    for p in range(theta.shape[0]):
        for a in range(n_iso):
            rn[a] = theta[p, 2 + a]
        e = cevns_source_spectra_cached(base, fp, q, gauss, z, n, src_flavour, theta[p, 0], rn, resp, fn_cache)
        c, st = _profile_point(e, time_frac, theta[p, 1], extra, counts, comps, obs, sigmas, eta_p, work)
        chi2[p] = c
        eta[p, :] = eta_p
        status[p] = st
    return chi2, eta, status


@jit
def binned_cevns_chi2_points_bsm(theta, base, base_mm, base_s, fp, q, gauss, q2, z, n, src_flavour, resp, time_frac,
                                 extra, es_mm, zp_cp, zp_cn, bkg, obs, sigmas):
    """Profiled χ² with every CEvNS model of :func:`cevns.kernels.rates.cevns_source_spectra_bsm`.

    θ rows: [sin²θ_W, norm, R_n (n_iso), coupling vector (N_COUPLINGS)]. ``es_mm`` (n_src, n_E) are the
    energy-binned ν–e magnetic-moment counts per μ_B² of each source (zeros to leave ν–e scattering out); they
    are added with μ_ℓ² of the source's flavour and, like the CEvNS counts, scaled by the normalisation.
    Returns chi2 (n_points,), eta (n_points, 1 + n_bkg), status (n_points,).
    """
    comps, counts, chi2, eta, status, eta_p, work = _buffers(theta.shape[0], bkg, resp.shape[0], time_frac.shape[1])
    rn = np.empty(base.shape[0])
    cpl = np.empty(N_COUPLINGS)
    fn_cache = fn_cache_for(base)
    for p in range(theta.shape[0]):
        e = theta_row_spectra(theta, p, base, base_mm, base_s, fp, q, gauss, q2, z, n, src_flavour, resp, zp_cp,
                              zp_cn, es_mm, rn, cpl, fn_cache)
        cc, st = _profile_point(e, time_frac, theta[p, 1], extra, counts, comps, obs, sigmas, eta_p, work)
        chi2[p] = cc
        eta[p, :] = eta_p
        status[p] = st
    return chi2, eta, status
