"""Poisson χ² with Gaussian-constrained normalisation nuisances, profiled inside the kernel.

Seed 000:1094, eq. (10):
χ² = 2 Σ_b [ μ_b − n_b + n_b ln(n_b/μ_b) ] + Σ_z (η_z/σ_z)²,  μ_b = Σ_z (1 + η_z) N_zb.
The χ² is convex in η (μ is linear in η), so Newton steps with a line search that keeps every μ_b > 0 converge
to the unique minimum; the kernel reports non-convergence instead of a wrong minimum.
"""

import math

import numpy as np

from ._jit import jit

__all__ = ["poisson_chi2", "profile_normalisations", "profile_into", "cholesky_solve"]


@jit
def poisson_chi2(obs, mu):
    """2 Σ_b [μ_b − n_b + n_b ln(n_b/μ_b)] (Baker–Cousins), with n_b ln(n_b/μ_b) = 0 for n_b = 0; +inf if any
    μ_b < 0, or μ_b = 0 where n_b > 0."""
    s = 0.0
    for b in range(obs.size):
        m = mu[b]
        n = obs[b]
        if m < 0.0:
            return np.inf  # negative expected counts are unphysical, also in empty bins
        if n > 0.0:
            if m == 0.0:
                return np.inf
            s += m - n + n * math.log(n / m)
        else:
            s += m
    return 2.0 * s


@jit(fastmath={"reassoc", "contract"})
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
def cholesky_solve(a, b, out, low, n):
    """Solve the leading n × n block a x = b of a small symmetric positive-definite ``a`` (no LAPACK call
    overhead); ``low`` is scratch. Returns False if the block is not positive definite."""
    for i in range(n):
        for j in range(i + 1):
            s = a[i, j]
            for k in range(j):
                s -= low[i, k] * low[j, k]
            if i == j:
                if s <= 0.0:
                    return False
                low[i, i] = np.sqrt(s)
            else:
                low[i, j] = s / low[j, j]
    for i in range(n):
        s = b[i]
        for k in range(i):
            s -= low[i, k] * out[k]
        out[i] = s / low[i, i]
    for i in range(n - 1, -1, -1):
        s = out[i]
        for k in range(i + 1, n):
            s -= low[k, i] * out[k]
        out[i] = s / low[i, i]
    return True


@jit(fastmath={"reassoc", "contract"})
def _directional_derivative(obs, comps, sigmas, eta, mu, step):
    """−Δη·∇χ²(η) with μ = μ(η) given: the slope of α ↦ χ²(η₀ − αΔη) at the point η."""
    nz = comps.shape[0]
    d = 0.0
    for b in range(obs.size):
        r = 1.0 - obs[b] / mu[b]
        cs = 0.0
        for z in range(nz):
            cs += comps[z, b] * step[z]
        d += cs * r
    d = 2.0 * d
    for z in range(nz):
        if sigmas[z] > 0.0:
            d += 2.0 * eta[z] * step[z] / (sigmas[z] * sigmas[z])
    return -d


@jit
def _linear_mu(comps, eta, mu):
    nz = comps.shape[0]
    ok = True
    for b in range(mu.size):
        m = 0.0
        for z in range(nz):
            m += (1.0 + eta[z]) * comps[z, b]
        mu[b] = m
        if m <= 0.0:
            ok = False
    return ok


@jit
def profile_normalisations(obs, comps, sigmas, eta0, tol=1e-9, max_iter=50):
    """Minimise eq. (10) over the nuisances η_z; see :func:`profile_into` (this wrapper allocates its scratch)."""
    nz = comps.shape[0]
    eta = eta0.copy()
    work = np.empty((6 + 2 * nz, max(nz, obs.size)))
    chi2, status = profile_into(obs, comps, sigmas, eta, work, tol, max_iter)
    return chi2, eta, status


# Reassociation lets LLVM vectorise the bin sums; results stay deterministic for a given build (the same
# point always gives the same bits, whatever the order or grouping of points).
@jit(fastmath={"reassoc", "contract"})
def profile_into(obs, comps, sigmas, eta, work, tol=1e-9, max_iter=50):
    """Minimise eq. (10) over the nuisances η_z (one per row of ``comps``).

    Damped Newton: the objective is self-concordant (each −n ln μ term is, and μ is linear in η), so a full
    Newton step is taken without evaluating the objective once the Newton decrement λ² is below 0.1 (inside the
    quadratic-convergence region λ < 0.38 of a self-concordant function); larger steps use a line search on the
    directional derivative (convexity: a non-positive slope at the trial point proves a decrease). Stops when
    λ²/2 < tol, which bounds χ² − χ²_min.

    Parameters
    ----------
    obs : (n_bins,) observed counts.
    comps : (n_z, n_bins) predicted counts of each component at η = 0.
    sigmas : (n_z,) prior widths; a width ≤ 0 fixes that η at its start value.
    eta : (n_z,) starting point, overwritten with the best fit.
    work : scratch array of shape (6 + 2 n_z, ≥ max(n_z, n_bins)), reused across calls to avoid allocations.

    Returns
    -------
    chi2_min, status (0 converged, 1 iteration limit, 2 line search failed).
    """
    nz = comps.shape[0]
    nb = obs.size
    mu = work[0, :nb]
    trial = work[1, :nz]
    grad = work[2, :nz]
    step = work[3, :nz]
    hess = work[4:4 + nz, :nz]
    low = work[4 + nz:4 + 2 * nz, :nz]
    resid = work[4 + 2 * nz, :nb]
    wgt = work[5 + 2 * nz, :nb]
    ok = _linear_mu(comps, eta, mu)
    if not ok:
        return np.inf, 2
    status = 1
    for it in range(max_iter):
        # Per-bin weights first, then dot products over bins (vectorisable with reassociation).
        for b in range(nb):
            inv = 1.0 / mu[b]
            r = obs[b] * inv
            resid[b] = 1.0 - r
            wgt[b] = r * inv
        for z in range(nz):
            acc = 0.0
            for b in range(nb):
                acc += comps[z, b] * resid[b]
            grad[z] = 2.0 * acc
            for y in range(z + 1):
                acc = 0.0
                for b in range(nb):
                    acc += comps[z, b] * comps[y, b] * wgt[b]
                hess[z, y] = 2.0 * acc
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
        if not cholesky_solve(hess, grad, step, low, nz):
            status = 2
            break
        decrement = 0.0
        for z in range(nz):
            decrement += grad[z] * step[z]
        if decrement < 2.0 * tol:
            status = 0
            break
        if decrement < 0.1:
            for z in range(nz):
                trial[z] = eta[z] - step[z]
            if _linear_mu(comps, trial, mu):
                eta[:] = trial
                # Self-concordance: after a full step from λ the new decrement is ≤ (λ²/(1 − λ)²)²; when that
                # bound is already below the tolerance, the next iteration is not needed.
                lam = math.sqrt(decrement)
                if (decrement / ((1.0 - lam) * (1.0 - lam))) ** 2 < 2.0 * tol:
                    status = 0
                    break
                continue
        # Line search on the derivative φ'(α) = −Δη·∇f(η − αΔη), φ'(0) = −λ² (no logarithms): φ is convex, so
        # φ'(α) ≤ 0 proves f(η − αΔη) < f(η); secant steps on φ' find such an α (exact for a quadratic f).
        alpha = 1.0
        accepted = False
        for ls in range(30):
            for z in range(nz):
                trial[z] = eta[z] - alpha * step[z]
            if _linear_mu(comps, trial, mu):
                dphi = _directional_derivative(obs, comps, sigmas, trial, mu, step)
                if dphi <= 0.0:
                    accepted = True
                    break
                alpha = alpha * decrement / (decrement + dphi / alpha) if ls < 20 else 0.5 * alpha
            else:
                alpha *= 0.5
        if not accepted:
            _linear_mu(comps, eta, mu)
            status = 2
            break
        eta[:] = trial
    f = _objective(obs, comps, sigmas, eta, mu)
    return f, status
