"""Poisson χ² with Gaussian-constrained normalisation nuisances, profiled inside the kernel.

Seed 000:1094, eq. (10):
χ² = 2 Σ_b [ μ_b − n_b + n_b ln(n_b/μ_b) ] + Σ_z (η_z/σ_z)²,  μ_b = Σ_z (1 + η_z) N_zb.
The χ² is convex in η (μ is linear in η), so Newton steps with a backtracking line search that keeps every
μ_b > 0 converge to the unique minimum; the kernel reports non-convergence instead of a wrong minimum.
"""

import math

import numpy as np

from ._jit import jit

__all__ = ["poisson_chi2", "profile_normalisations"]


@jit
def poisson_chi2(obs, mu):
    """2 Σ_b [μ_b − n_b + n_b ln(n_b/μ_b)] (Baker–Cousins), with n_b ln(n_b/μ_b) = 0 for n_b = 0."""
    s = 0.0
    for b in range(obs.size):
        m = mu[b]
        n = obs[b]
        if n > 0.0:
            if m <= 0.0:
                return np.inf
            s += m - n + n * math.log(n / m)
        else:
            s += m
    return 2.0 * s


@jit
def _objective(obs, comps, sigmas, eta, mu):
    nz = comps.shape[0]
    for b in range(obs.size):
        m = 0.0
        for z in range(nz):
            m += (1.0 + eta[z]) * comps[z, b]
        mu[b] = m
    c = poisson_chi2(obs, mu)
    for z in range(nz):
        if sigmas[z] > 0.0:
            c += (eta[z] / sigmas[z]) ** 2
    return c


@jit
def profile_normalisations(obs, comps, sigmas, eta0, tol=1e-9, max_iter=50):
    """Minimise eq. (10) over the nuisances η_z (one per row of ``comps``).

    Parameters
    ----------
    obs : (n_bins,) observed counts.
    comps : (n_z, n_bins) predicted counts of each component at η = 0.
    sigmas : (n_z,) prior widths; a width ≤ 0 fixes that η at its start value.
    eta0 : (n_z,) starting point.

    Returns
    -------
    chi2_min, eta (n_z,), status (0 converged, 1 iteration limit, 2 line search failed).
    """
    nz = comps.shape[0]
    nb = obs.size
    eta = eta0.copy()
    mu = np.empty(nb)
    trial = np.empty(nz)
    grad = np.empty(nz)
    hess = np.empty((nz, nz))
    f = _objective(obs, comps, sigmas, eta, mu)
    for it in range(max_iter):
        grad[:] = 0.0
        hess[:, :] = 0.0
        for b in range(nb):
            m = mu[b]
            if m <= 0.0:
                continue
            r = obs[b] / m
            w = obs[b] / (m * m)
            for z in range(nz):
                cz = comps[z, b]
                grad[z] += 2.0 * cz * (1.0 - r)
                for y in range(z + 1):
                    hess[z, y] += 2.0 * cz * comps[y, b] * w
        for z in range(nz):
            if sigmas[z] > 0.0:
                grad[z] += 2.0 * eta[z] / (sigmas[z] * sigmas[z])
                hess[z, z] += 2.0 / (sigmas[z] * sigmas[z])
            else:
                grad[z] = 0.0
                for y in range(nz):
                    hess[z, y] = 0.0
                    hess[y, z] = 0.0
                hess[z, z] = 1.0
            for y in range(z):
                hess[y, z] = hess[z, y]
        step = np.linalg.solve(hess, grad)
        # Newton decrement: gradᵀ H⁻¹ grad / 2 bounds f − f_min for a self-concordant convex objective.
        decrement = 0.0
        for z in range(nz):
            decrement += grad[z] * step[z]
        if decrement < 2.0 * tol:
            return f, eta, 0
        alpha = 1.0
        accepted = False
        for ls in range(40):
            for z in range(nz):
                trial[z] = eta[z] - alpha * step[z]
            ft = _objective(obs, comps, sigmas, trial, mu)
            if ft <= f - 0.25 * alpha * decrement:
                accepted = True
                break
            alpha *= 0.5
        if not accepted:
            f = _objective(obs, comps, sigmas, eta, mu)
            return f, eta, 2
        eta[:] = trial
        f = ft
    return f, eta, 1
