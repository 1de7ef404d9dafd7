"""Poisson χ² profiled over normalisation and piecewise-linear shape nuisances (template morphing).

Expected counts in bin b for nuisances x_z (seed 000:1094, eq. (10), extended by shape terms):
μ_b = μ⁰_b + Σ_z x_z S_zb,   S_z = U_z for x_z ≥ 0, S_z = D_z for x_z < 0,
χ² = 2 Σ_b [μ_b − n_b + n_b ln(n_b/μ_b)] + Σ_z (x_z/σ_z)².

A normalisation nuisance η_z of component N_z has U_z = D_z = N_z (μ = … + (1 + η_z) N_z). A shape nuisance δ_k
with nominal N, +1σ template P and −1σ template M has U_k = P − N and D_k = N − M: the prediction is the linear
interpolation between the nominal and the ±1σ template on each side (vertical template morphing, "piecewise
linear" interpolation of Cranmer et al., HistFactory, CERN-OPEN-2012-016, eq. (6)), with a unit-Gaussian prior.

Inside each orthant of x the objective is smooth and convex (μ linear in x), so the minimiser is the damped
Newton method of :func:`cevns.kernels.likelihood.profile_into`, with two additions: a step never crosses x_z = 0
(it stops exactly there and the next iteration picks the side from the one-sided derivatives), and a coordinate
sitting at the kink whose both one-sided derivatives point back to 0 is held there for that iteration.
"""

import math

import numpy as np

from ._jit import jit
from .likelihood import cholesky_solve, poisson_chi2
from .rates import N_COUPLINGS, cevns_source_spectra_cached, fn_cache_for, theta_row_spectra

__all__ = [
    "piecewise_mu", "piecewise_objective", "profile_piecewise_into", "profile_piecewise",
    "binned_cevns_shape_chi2_points", "binned_cevns_shape_chi2_points_bsm", "row_supports",
]


@jit(fastmath={"reassoc", "contract"})
def piecewise_mu(base, up, down, x, mu, lo, hi):
    """μ_b = μ⁰_b + Σ_z x_z (U_zb if x_z ≥ 0 else D_zb), written into ``mu``; False if some μ_b ≤ 0.

    Row z of U and D is zero outside bins [lo_z, hi_z) (its support; pass 0 and n_bins for dense rows).
    """
    nz = up.shape[0]
    for b in range(mu.size):
        mu[b] = base[b]
    for z in range(nz):
        xz = x[z]
        if xz == 0.0:
            continue
        src = up if xz > 0.0 else down
        for b in range(np.uint64(lo[z]), np.uint64(hi[z])):
            mu[b] += xz * src[z, b]
    ok = True
    for b in range(mu.size):
        if mu[b] <= 0.0:
            ok = False
    return ok


@jit
def piecewise_objective(obs, base, up, down, sigmas, x, mu, lo, hi):
    """χ² of the module docstring at ``x`` (inf where some μ_b ≤ 0)."""
    if not piecewise_mu(base, up, down, x, mu, lo, hi):
        return np.inf
    c = poisson_chi2(obs, mu)
    for z in range(x.size):
        if sigmas[z] > 0.0:
            c += (x[z] / sigmas[z]) ** 2
    return c


@jit
def _dot_resid(src, z, resid, lo, hi):
    acc = 0.0
    for b in range(np.uint64(lo), np.uint64(hi)):
        acc += src[z, b] * resid[b]
    return acc


@jit
def _normalisation_start(obs, base, up, down, sigmas, x, mu, lo, hi, n_tied, gate=100.0):
    """A better start for points whose component 0 (a normalisation row, U₀ = D₀ = C) misses the data by far.

    When |∂χ²/∂x₀| > ``gate`` at ``x``, a second start is built: the ``n_tied`` shape rows of the same component
    (rows 1 … n_tied, additive, so they cannot shrink with it) at 0 and x₀ at the exact minimum of the χ² along x₀,
    s = 1 + x₀ solving 2 Σ_b C_b (1 − n_b/(R_b + s C_b)) + 2(s − 1)/σ₀² = 0 with R = μ at s = 0 (Newton steps in
    ln(s − s_wall), safeguarded by bisection; s_wall is where the first μ_b reaches 0). ``x`` is replaced by it when
    its χ² is lower. Without it such a point creeps towards x₀ ≈ −1 along a narrow feasible cone (μ > 0 with the
    shape rows still on) for hundreds of Newton steps. Depends on the point only, so results stay order-independent.
    """
    nb = obs.size
    if sigmas[0] <= 0.0 or not piecewise_mu(base, up, down, x, mu, lo, hi):
        return
    g0 = 2.0 * x[0] / (sigmas[0] * sigmas[0])
    for b in range(nb):
        g0 += 2.0 * up[0, b] * (1.0 - obs[b] / mu[b])
    if abs(g0) < gate:
        return
    f_a = piecewise_objective(obs, base, up, down, sigmas, x, mu, lo, hi)
    keep = x.copy()
    x[0] = -1.0
    for z in range(1, n_tied + 1):
        x[z] = 0.0
    if not piecewise_mu(base, up, down, x, mu, lo, hi):  # R_b = μ at s = 0 must be positive
        x[:] = keep
        return
    s_wall = -np.inf
    for b in range(nb):
        c = up[0, b]
        if c > 0.0 and -mu[b] / c > s_wall:
            s_wall = -mu[b] / c
    w = 2.0 / (sigmas[0] * sigmas[0])

    def deriv(s):
        g = w * (s - 1.0)
        h = w
        for b in range(nb):
            c = up[0, b]
            if c != 0.0:
                m = mu[b] + s * c
                g += 2.0 * c * (1.0 - obs[b] / m)
                h += 2.0 * c * c * obs[b] / (m * m)
        return g, h

    # bracket in u = ln(s − s_wall): g < 0 near the wall (unless the data want no component at all), g > 0 above
    u_lo, u_hi = -50.0, math.log(max(1.0 + keep[0], 1e-12) - s_wall + 1.0)
    g_hi, _ = deriv(s_wall + math.exp(u_hi))
    if g_hi <= 0.0:
        x[:] = keep
        return
    u = u_hi
    for it in range(80):
        d = math.exp(u)
        g, h = deriv(s_wall + d)
        if g > 0.0:
            u_hi = u
        else:
            u_lo = u
        if u_hi - u_lo < 1e-6:
            break
        gu = d * g
        hu = d * g + d * d * h
        nxt = u - gu / hu if hu > 0.0 else 0.5 * (u_lo + u_hi)
        if abs(nxt - u) < 1e-12 * (1.0 + abs(u)):
            break  # Newton has converged (the bracket shrinks from one side only, so its width need not)
        if not (u_lo < nxt < u_hi):
            nxt = 0.5 * (u_lo + u_hi)
        u = nxt
    x[0] = s_wall + math.exp(u) - 1.0
    f_b = piecewise_objective(obs, base, up, down, sigmas, x, mu, lo, hi)
    if not f_b < f_a:
        x[:] = keep


@jit(fastmath={"reassoc", "contract"})
# max_iter = 30: converged points need far fewer. Points whose CEvNS prediction misses the data by orders of
# magnitude used to creep along x₀ → −1 for hundreds of steps; the binned kernels now start those from
# :func:`_normalisation_start`, and on the universal-Z' plane of the LAr bench (150², g 1e-6…1e-3, M 1…1e4 MeV) every
# point converges (27 % hit the limit before). A point that still does is returned with status 1 and counted.
def profile_piecewise_into(obs, base, up, down, sigmas, x, work, rows, lo, hi, tol=1e-8, max_iter=30):
    """Minimise the χ² of the module docstring over x (overwritten with the best fit; start from ``x``).

    Parameters
    ----------
    obs : (n_bins,) observed counts; base : (n_bins,) μ⁰ (all components at their nominal values).
    up, down : (n_z, n_bins) slopes U_z (x_z ≥ 0) and D_z (x_z < 0); equal rows for normalisation nuisances.
    sigmas : (n_z,) prior widths (σ ≤ 0 fixes x_z at its start value).
    lo, hi : (n_z,) int, support [lo_z, hi_z) of row z of U and D (zero outside); sums run over supports only.
    work : scratch of shape (8 + 2 n_z, ≥ max(n_z, n_bins)); rows : C-contiguous scratch (n_z, n_bins).

    Returns
    -------
    chi2_min, status (0 converged, 1 iteration limit, 2 line search failed or μ ≤ 0 at the start).
    """
    nz = up.shape[0]
    nb = obs.size
    mu = work[0, :nb]
    resid = work[1, :nb]
    wgt = work[2, :nb]
    trial = work[3, :nz]
    grad = work[4, :nz]
    step = work[5, :nz]
    sel = work[6, :nz]  # +1 use U, −1 use D, 0 held fixed this iteration
    idx = work[7, :nz]  # active coordinate z of each reduced index
    hess = work[8:8 + nz, :nz]
    low = work[8 + nz:8 + 2 * nz, :nz]
    # Unsigned bounds: LLVM then needs no negative-index wraparound and vectorises the bin sums.
    ulo = np.empty(nz, dtype=np.uint64)
    uhi = np.empty(nz, dtype=np.uint64)
    if not piecewise_mu(base, up, down, x, mu, lo, hi):
        return np.inf, 2
    status = 1
    have_f = False
    f = 0.0
    for it in range(max_iter):
        for b in range(nb):
            r = obs[b] / mu[b]
            resid[b] = 1.0 - r
            wgt[b] = r / mu[b]
        # Side of each coordinate and the active set.
        na = 0
        n_free = 0
        for z in range(nz):
            if sigmas[z] <= 0.0:
                sel[z] = 0.0
                continue
            n_free += 1
            if x[z] > 0.0:
                sel[z] = 1.0
            elif x[z] < 0.0:
                sel[z] = -1.0
            else:
                prior = 0.0  # d/dx (x/σ)² vanishes at x = 0
                g_up = 2.0 * _dot_resid(up, z, resid, lo[z], hi[z]) + prior
                if g_up < 0.0:
                    sel[z] = 1.0
                else:
                    g_dn = 2.0 * _dot_resid(down, z, resid, lo[z], hi[z]) + prior
                    sel[z] = -1.0 if g_dn > 0.0 else 0.0
            if sel[z] != 0.0:
                idx[na] = z
                na += 1
        if na == 0:
            status = 0
            break
        for a in range(na):
            z = int(idx[a])
            ulo[a] = np.uint64(lo[z])
            uhi[a] = np.uint64(hi[z])
            src = up if sel[z] > 0.0 else down
            for b in range(ulo[a], uhi[a]):
                rows[a, b] = src[z, b]
        for a in range(na):
            z = int(idx[a])
            b0 = ulo[a]
            b1 = uhi[a]
            acc = 0.0
            for b in range(b0, b1):
                acc += rows[a, b] * resid[b]
            grad[a] = 2.0 * acc + 2.0 * x[z] / (sigmas[z] * sigmas[z])
            for c in range(a + 1):
                c0 = max(b0, ulo[c])
                c1 = min(b1, uhi[c])
                acc = 0.0
                for b in range(c0, c1):
                    acc += rows[a, b] * rows[c, b] * wgt[b]
                hess[a, c] = 2.0 * acc
            hess[a, a] += 2.0 / (sigmas[z] * sigmas[z])
            for c in range(a):
                hess[c, a] = hess[a, c]
        if not cholesky_solve(hess, grad, step, low, na):
            status = 2
            break
        decrement = 0.0
        for a in range(na):
            decrement += grad[a] * step[a]
        if decrement < 2.0 * tol:
            status = 0
            break
        # Largest step that keeps every active coordinate on its side (a coordinate at 0 must move along sel).
        alpha_max = 1.0
        wrong = False
        for a in range(na):
            z = int(idx[a])
            move = -step[a]
            if x[z] == 0.0:
                if move * sel[z] < 0.0:
                    wrong = True
            elif (x[z] > 0.0 and move < 0.0) or (x[z] < 0.0 and move > 0.0):
                lim = -x[z] / move
                if lim < alpha_max:
                    alpha_max = lim
        if wrong:
            # Coupled step drives a kink coordinate to the other side: take a steepest-descent-like step on the
            # diagonal instead (always consistent with the chosen sides), then re-evaluate.
            for a in range(na):
                z = int(idx[a])
                step[a] = grad[a] / hess[a, a]
                move = -step[a]
                if x[z] != 0.0 and ((x[z] > 0.0 and move < 0.0) or (x[z] < 0.0 and move > 0.0)):
                    lim = -x[z] / move
                    if lim < alpha_max:
                        alpha_max = lim
            decrement = 0.0
            for a in range(na):
                decrement += grad[a] * step[a]
        if not wrong:
            # Damped Newton without objective evaluations: the χ² is a standard self-concordant function of x
            # inside an orthant (2 n (−ln μ) with n ≥ 1 and μ linear in x, plus linear and quadratic terms), so the
            # step 1/(1 + λ), λ² = gᵀH⁻¹g, decreases it and keeps μ > 0 (Nesterov, Introductory Lectures on Convex
            # Optimization, Thm 4.1.12); in the quadratic-convergence region (λ² < 0.05) the full step is taken.
            alpha = 1.0 if decrement < 0.05 else 1.0 / (1.0 + math.sqrt(decrement))
            crossing = alpha_max < alpha
            if crossing:
                alpha = alpha_max
            clamped = False
            for a in range(na):
                z = int(idx[a])
                t = x[z] - alpha * step[a]
                if (x[z] > 0.0 and t < 0.0) or (x[z] < 0.0 and t > 0.0) or (crossing and abs(t) < 1e-12):
                    t = 0.0
                    clamped = True
                trial[a] = t
            for a in range(na):
                z = int(idx[a])
                step[a] = x[z]  # keep the old values to undo
                x[z] = trial[a]
            if piecewise_mu(base, up, down, x, mu, lo, hi):
                have_f = False
                # As in likelihood.profile_into: after a full Newton step from λ the new decrement is
                # ≤ (λ²/(1 − λ)²)² (self-concordance); when that is below the tolerance, the next iteration, a
                # Hessian only to confirm it, is skipped. Only inside one orthant with no coordinate held at a kink
                # (a held one could need releasing at the new point).
                if alpha == 1.0 and not crossing and not clamped and na == n_free:
                    lam = math.sqrt(decrement)
                    if (decrement / ((1.0 - lam) * (1.0 - lam))) ** 2 < 2.0 * tol:
                        status = 0
                        break
                continue
            for a in range(na):
                x[int(idx[a])] = step[a]
            piecewise_mu(base, up, down, x, mu, lo, hi)
            status = 2
            break
        if not have_f:
            f = piecewise_objective(obs, base, up, down, sigmas, x, mu, lo, hi)
        alpha = alpha_max
        accepted = False
        for ls in range(40):
            for z in range(nz):
                trial[z] = x[z]
            for a in range(na):
                z = int(idx[a])
                t = x[z] - alpha * step[a]
                if alpha == alpha_max and x[z] != 0.0 and alpha_max < 1.0 and abs(t) < 1e-12 * (1.0 + abs(x[z])):
                    t = 0.0
                if x[z] > 0.0 and t < 0.0 or x[z] < 0.0 and t > 0.0:
                    t = 0.0
                trial[z] = t
            ft = piecewise_objective(obs, base, up, down, sigmas, trial, mu, lo, hi)
            if ft <= f - 0.25 * alpha * decrement:
                accepted = True
                break
            alpha *= 0.5
        if not accepted:
            status = 2
            break
        for z in range(nz):
            x[z] = trial[z]
        f = ft  # mu already holds μ(trial)
        have_f = True
    f = piecewise_objective(obs, base, up, down, sigmas, x, mu, lo, hi)
    return f, status


@jit
def profile_piecewise(obs, base, up, down, sigmas, x0, tol=1e-9, max_iter=60):
    """:func:`profile_piecewise_into` on dense rows with its own scratch; returns (chi2_min, x, status)."""
    nz = up.shape[0]
    x = x0.copy()
    work = np.empty((8 + 2 * nz, max(nz, obs.size)))
    rows = np.empty((nz, obs.size))
    lo, hi = row_supports(up, down)
    chi2, status = profile_piecewise_into(obs, base, up, down, sigmas, x, work, rows, lo, hi, tol, max_iter)
    return chi2, x, status


@jit
def row_supports(up, down):
    """[lo_z, hi_z): smallest bin range outside which rows z of ``up`` and ``down`` are exactly zero."""
    nz, nb = up.shape
    lo = np.zeros(nz, dtype=np.int64)
    hi = np.zeros(nz, dtype=np.int64)
    for z in range(nz):
        first = nb
        last = -1
        for b in range(nb):
            if up[z, b] != 0.0 or down[z, b] != 0.0:
                if b < first:
                    first = b
                last = b
        if last >= 0:
            lo[z] = first
            hi[z] = last + 1
    return lo, hi


@jit
def _shape_setup(bkg_up, bkg_down, nb):
    """Nuisance rows (3 CEvNS rows, filled per point, then the fixed background rows) and their supports."""
    n_bk = bkg_up.shape[0]
    nz = 3 + n_bk
    up = np.zeros((nz, nb))
    down = np.zeros((nz, nb))
    for r in range(n_bk):
        up[3 + r, :] = bkg_up[r, :]
        down[3 + r, :] = bkg_down[r, :]
    lo, hi = row_supports(up, down)  # CEvNS rows: dense (filled per point)
    for r in range(3):
        lo[r] = 0
        hi[r] = nb
    return up, down, lo, hi


@jit
def _shape_buffers(bkg_up, bkg_down, nb, n_pts, n_t, n_e):
    """Nuisance rows (:func:`_shape_setup`) and the scratch and output arrays of the binned shape kernels."""
    up, down, lo, hi = _shape_setup(bkg_up, bkg_down, nb)
    nz = up.shape[0]
    return (up, down, lo, hi, np.empty(nb), np.empty(n_pts), np.empty((n_pts, nz)), np.empty(n_pts, dtype=np.int64),
            np.empty(nz), np.empty((8 + 2 * nz, max(nz, nb))), np.empty((nz, nb)), np.empty((n_t, n_e)),
            np.empty((n_t, n_e)), np.empty((n_t, n_e)))


@jit
def _cevns_rows(e, norm, pat_nom, pat_up, pat_dn, time_nom, time_up, time_dn, bkg_base, up, down, mu0, tn, tu, td):
    """Rows 0–2 of ``up``/``down`` (CEvNS normalisation, pattern and timing shapes) and μ⁰ from E_si (n_src, n_e).

    ``tn``, ``tu``, ``td``: scratch (n_t, n_e) for the time-folded spectra, filled first so that the bin loop writes
    the time-major bins in memory order."""
    n_src, n_e = e.shape
    n_f = pat_nom.shape[1]
    n_t = time_nom.shape[1]
    for j in range(n_t):
        for i in range(n_e):
            sn = 0.0
            su = 0.0
            sd = 0.0
            for s in range(n_src):
                w = norm * e[s, i]
                sn += w * time_nom[s, j]
                su += w * time_up[s, j]
                sd += w * time_dn[s, j]
            tn[j, i] = sn
            tu[j, i] = su - sn
            td[j, i] = sn - sd
    for j in range(n_t):
        for i in range(n_e):
            a = tn[j, i]
            u = tu[j, i]
            d = td[j, i]
            o0 = (j * n_e + i) * n_f
            for f in range(n_f):
                o = o0 + f
                g0 = pat_nom[i, f]
                c = g0 * a
                up[0, o] = c
                down[0, o] = c
                up[1, o] = (pat_up[i, f] - g0) * a
                down[1, o] = (g0 - pat_dn[i, f]) * a
                up[2, o] = g0 * u
                down[2, o] = g0 * d
                mu0[o] = bkg_base[o] + c


@jit
def binned_cevns_shape_chi2_points(theta, base, fp, q, gauss, z, n, src_flavour, resp, pat_nom, pat_up, pat_dn,
                                   time_nom, time_up, time_dn, bkg_base, bkg_up, bkg_down, obs, sigmas, x_start):
    """χ²_min and nuisances for each row θ = [sin²θ_W, CEvNS normalisation, R_n of each isotope].

    CEvNS counts in bin (i, f, j) (energy i, pattern bin f — e.g. F90 —, time j), flattened time-major as
    (j·n_e + i)·n_f + f (so prompt-only backgrounds occupy a leading block of bins; ``bkg_*`` and ``obs`` must
    use the same order):
    C_ifj = norm Σ_s E_si G_if P_sj, with E_si from :func:`cevns.kernels.rates.cevns_source_spectra`, G the
    per-energy-bin pattern (fractions over f) and P_sj the time fractions of source s. Its three rows of the
    nuisance problem are the normalisation (U = D = C), the pattern shape (U from ``pat_up − pat_nom``, D from
    ``pat_nom − pat_dn``) and the timing shape (same with ``time_up``/``time_dn``). The background rows
    ``bkg_up``/``bkg_down`` (their normalisation and shape nuisances) and their nominal sum ``bkg_base`` are fixed.
    ``sigmas``: 3 + n_bkg_rows prior widths. Profiling: :func:`profile_piecewise_into`, from the same start
    ``x_start`` at every point (so a result does not depend on the order or grouping of points).

    Returns chi2 (n_points,), x (n_points, 3 + n_bkg_rows), status (n_points,).
    """
    n_pts = theta.shape[0]
    n_iso = base.shape[0]
    nb = resp.shape[0] * pat_nom.shape[1] * time_nom.shape[1]
    up, down, lo, hi, mu0, chi2, xs, status, x, work, rows, tn, tu, td = _shape_buffers(
        bkg_up, bkg_down, nb, n_pts, time_nom.shape[1], resp.shape[0])
    rn = np.empty(n_iso)
    fn_cache = fn_cache_for(base)
    for p in range(n_pts):
        for a in range(n_iso):
            rn[a] = theta[p, 2 + a]
        e = cevns_source_spectra_cached(base, fp, q, gauss, z, n, src_flavour, theta[p, 0], rn, resp, fn_cache)
        _cevns_rows(e, theta[p, 1], pat_nom, pat_up, pat_dn, time_nom, time_up, time_dn, bkg_base, up, down, mu0,
                    tn, tu, td)
        x[:] = x_start
        _normalisation_start(obs, mu0, up, down, sigmas, x, work[0, :nb], lo, hi, 2)
        chi2[p], status[p] = profile_piecewise_into(obs, mu0, up, down, sigmas, x, work, rows, lo, hi)
        xs[p, :] = x
    return chi2, xs, status


@jit
def binned_cevns_shape_chi2_points_bsm(theta, base, base_mm, base_s, fp, q, gauss, q2, z, n, src_flavour, resp,
                                       zp_cp, zp_cn, pat_nom, pat_up, pat_dn, time_nom, time_up, time_dn, bkg_base,
                                       bkg_up, bkg_down, obs, sigmas, x_start):
    """:func:`binned_cevns_shape_chi2_points` with every CEvNS model of the seeds.

    θ rows: [sin²θ_W, CEvNS normalisation, R_n of each isotope, coupling vector of
    :func:`cevns.kernels.rates.cevns_source_spectra_bsm` (N_COUPLINGS columns)]; E_si comes from that kernel
    (magnetic moments, charge radii, millicharges, NSI, Z', scalar), the rest is unchanged.
    """
    n_pts = theta.shape[0]
    n_iso = base.shape[0]
    nb = resp.shape[0] * pat_nom.shape[1] * time_nom.shape[1]
    up, down, lo, hi, mu0, chi2, xs, status, x, work, rows, tn, tu, td = _shape_buffers(
        bkg_up, bkg_down, nb, n_pts, time_nom.shape[1], resp.shape[0])
    rn = np.empty(n_iso)
    cpl = np.empty(N_COUPLINGS)
    fn_cache = fn_cache_for(base)
    no_es = np.empty((0, 0))  # Analysis A has no ν–e channel
    for p in range(n_pts):
        e = theta_row_spectra(theta, p, base, base_mm, base_s, fp, q, gauss, q2, z, n, src_flavour, resp, zp_cp,
                              zp_cn, no_es, rn, cpl, fn_cache)
        _cevns_rows(e, theta[p, 1], pat_nom, pat_up, pat_dn, time_nom, time_up, time_dn, bkg_base, up, down, mu0,
                    tn, tu, td)
        x[:] = x_start
        _normalisation_start(obs, mu0, up, down, sigmas, x, work[0, :nb], lo, hi, 2)
        chi2[p], status[p] = profile_piecewise_into(obs, mu0, up, down, sigmas, x, work, rows, lo, hi)
        xs[p, :] = x
    return chi2, xs, status
