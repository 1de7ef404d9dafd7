"""Reactor-neutrino kernels: moments of tabulated spectra, Ge quenching and resolution, the Dresden-II fit.

Flux moments (piecewise-LINEAR interpolant in E of a tabulated dN/dE on nodes x_0 < … < x_n, exact integrals):
    Φ_k(E_min) = ∫_{E_min}^{x_n} f(E) E^(−k) dE,  k = 0, 1, 2,
on a segment [a, b] where f = α + β E:
    k = 0: α (b − a) + β (b² − a²)/2;  k = 1: α ln(b/a) + β (b − a);  k = 2: α (1/a − 1/b) + β ln(b/a).
These are the moments the SM CEvNS rate (Φ0 − TΦ1 − (MT/2)Φ2, seed 000:29), the ν–e rate
(:func:`cevns.kernels.electron_scattering.es_sm_moment_kernel`) and the magnetic-moment rate (Φ0/T − Φ1,
000:1384; 004:280) need. The loader (:mod:`cevns.scanner.reactor_fluxes`) puts each spectrum on a fine grid first,
so the piecewise-linear interpolant here is the model, not an approximation of it.

Lindhard quenching (J. Lindhard et al., Mat. Fys. Medd. Dan. Vid. Selsk. 33, 10 (1963); k = 0.157 for Ge as in
seed 000:486): f = k g(ε)/(1 + k g(ε)), g = 3ε^0.15 + 0.7ε^0.6 + ε, ε = 11.5 Z^(−7/3) T_nr[keV].

Ge resolution (Dresden-II release, PROVENANCE of scanner/data/dresden-ii-2022): σ(E)² = σ_n² + η F E with
σ_n = 68.5 eV, η = 2.96 eV per e–h pair, F = 0.11 (E in eV); a Gaussian truncated at zero (renormalised above it in
the Dresden-II experiment's default smearing; :func:`gauss_bin_response`).

Dresden-II background (Colaresi et al., PRL 129, 211802 (2022); reanalysis code of arXiv:2202.10829, see
PROVENANCE): per 10-eV bin at ionisation energy E [keVee]
    B(E) = A + B e^(−C E) + h [G(E; μ, s) + 0.008 G(E; 1.142, s) + 0.16 a_M (s/σ_n) G(E; 0.158, σ_n)],
G(E; c, w) = exp(−(E − c)²/(2w²)) (unit height): epithermal neutrons, ⁷¹Ge L1 EC peak (height h, centre μ,
width s), L2 peak (height 0.008 h, same width) and M peak (width σ_n, area 0.16 a_M × L1 area). The χ² is
Σ_i (d_i − m_i)²/σ_i² over the released Rx-ON bins + ((a_M − 1)/0.03)² + (η_f/0.05)², m = B + (1 + η_f) S.
"""

import math

import numpy as np

from ._jit import jit
from .electron_scattering import es_couplings
from .likelihood import cholesky_solve
from .rates import cevns_source_spectra, cevns_source_spectra_bsm_cached, fn_cache_for

__all__ = [
    "pl_segment_moment", "pl_suffix_moments", "pl_moment", "pl_moments_at",
    "lindhard_quenching", "ge_resolution", "gauss_bin_response",
    "N_BKG_PARAMS", "dresden_background", "dresden_fit", "dresden_fit_two_starts", "dresden_signal",
    "dresden_chi2_points",
    "N_ES_COLS", "dresden_es_bsm", "dresden_signal_bsm", "dresden_chi2_points_bsm",
    "N_ES_NODE_ROWS", "N_ES_MED_ROWS", "ES_MED_OFF", "ES_MED_BINNED", "ES_MED_NODES", "es_mediator_bins",
    "dresden_es_mediator",
]


@jit
def pl_segment_moment(a, b, xa, ya, xb, yb, k):
    """Exact ∫_a^b f(E) E^(−k) dE for the line f through (xa, ya), (xb, yb); 0 < a ≤ b, k ∈ {0, 1, 2}."""
    if b <= a:
        return 0.0
    beta = (yb - ya) / (xb - xa)
    alpha = ya - beta * xa
    if k == 0:
        return (b - a) * (alpha + 0.5 * beta * (a + b))
    lg = math.log1p((b - a) / a)
    if k == 1:
        return alpha * lg + beta * (b - a)
    return alpha * (b - a) / (a * b) + beta * lg


@jit
def pl_suffix_moments(x, y):
    """S[k, j] = ∫_{x_j}^{x_n} f E^(−k) dE for k = 0, 1, 2 (f piecewise linear on the nodes; x_0 > 0)."""
    n = x.size
    s = np.zeros((3, n))
    for j in range(n - 2, -1, -1):
        for k in range(3):
            s[k, j] = s[k, j + 1] + pl_segment_moment(x[j], x[j + 1], x[j], y[j], x[j + 1], y[j + 1], k)
    return s


@jit
def pl_moment(x, y, suffix, e_min, k):
    """Φ_k(E_min) = ∫_{max(E_min, x_0)}^{x_n} f E^(−k) dE of the piecewise-linear f (0 above x_n)."""
    n = x.size
    if e_min >= x[n - 1]:
        return 0.0
    if e_min <= x[0]:
        return suffix[k, 0]
    j = np.searchsorted(x, e_min, side="right") - 1
    return suffix[k, j + 1] + pl_segment_moment(e_min, x[j + 1], x[j], y[j], x[j + 1], y[j + 1], k)


@jit
def pl_moments_at(x, y, e_mins):
    """(3, n) array of Φ0, Φ1, Φ2 at each E_min of ``e_mins`` (see :func:`pl_moment`)."""
    suffix = pl_suffix_moments(x, y)
    out = np.empty((3, e_mins.size))
    for i in range(e_mins.size):
        for k in range(3):
            out[k, i] = pl_moment(x, y, suffix, e_mins[i], k)
    return out


@jit
def lindhard_quenching(t_kev, z, k):
    """Lindhard quenching factor f(T_nr) = k g/(1 + k g), g = 3ε^0.15 + 0.7ε^0.6 + ε, ε = 11.5 Z^(−7/3) T[keV]
    (Lindhard et al., Mat. Fys. Medd. Dan. Vid. Selsk. 33, 10 (1963); k = 0.157 for Ge, seed 000:486)."""
    if t_kev <= 0.0:
        return 0.0
    eps = 11.5 * z ** (-7.0 / 3.0) * t_kev
    g = 3.0 * eps**0.15 + 0.7 * eps**0.6 + eps
    return k * g / (1.0 + k * g)


@jit
def ge_resolution(e_kev, sigma_n_kev, eta_kev, fano):
    """Gaussian width σ(E) = sqrt(σ_n² + η F E) [keV] at true ionisation energy E [keVee] (E < 0 → σ_n);
    Dresden-II: σ_n = 68.5 eV, η = 2.96 eV, F = 0.11 (Colaresi et al., PRL 129, 211802 (2022))."""
    return math.sqrt(sigma_n_kev * sigma_n_kev + eta_kev * fano * max(e_kev, 0.0))


@jit
def gauss_bin_response(mean, sigma, edges, out, renormalise=False):
    """out_i = ∫_{edges_i}^{edges_{i+1}} N(E; mean, σ) dE (exact, erf); the Gaussian is truncated at E = 0.

    ``renormalise``: divide by P(E > 0) = [1 + erf(mean/(√2 σ))]/2, i.e. every event keeps a positive reconstructed
    energy (the public Dresden-II reanalysis, arXiv:2202.10829 code: ``AA = 2/(1 + erf(E/(√2σ)))``); otherwise the
    part of the Gaussian below 0 is lost. Matters only for true energies within a few σ of 0.
    """
    r = 1.0 / (math.sqrt(2.0) * sigma)
    norm = 2.0 / (1.0 + math.erf(mean * r)) if renormalise else 1.0
    for i in range(edges.size - 1):
        lo = max(edges[i], 0.0)
        hi = max(edges[i + 1], 0.0)
        out[i] = 0.5 * norm * (math.erf((hi - mean) * r) - math.erf((lo - mean) * r))
    return out


# ---------------------------------------------------------------------------------------------------------------
# Dresden-II background model and profiled χ²
# p = [A, B, C, h, μ, s, a_M, η_f]
N_BKG_PARAMS = 8
L2_CENTRE = 1.142  # keVee (PROVENANCE)
L2_RATIO = 0.008
M_CENTRE = 0.158  # keVee
M_AREA_RATIO = 0.16
A_M_SIGMA = 0.03
FLUX_SIGMA = 0.05


@jit
def dresden_background(e, p, sigma_n, out):
    """Background rate per bin at bin centres ``e`` [keVee] for parameters p (module docstring)."""
    a, b, c, h, mu, s, am = p[0], p[1], p[2], p[3], p[4], p[5], p[6]
    mh = M_AREA_RATIO * am * s / sigma_n
    for i in range(e.size):
        x = e[i]
        g1 = math.exp(-0.5 * ((x - mu) / s) ** 2)
        g2 = math.exp(-0.5 * ((x - L2_CENTRE) / s) ** 2)
        gm = math.exp(-0.5 * ((x - M_CENTRE) / sigma_n) ** 2)
        out[i] = a + b * math.exp(-c * x) + h * (g1 + L2_RATIO * g2 + mh * gm)
    return out


@jit
def _residuals_jacobian(e, data, err, signal, p, sigma_n, gm, r, jac):
    """Scaled residuals r (n_bins + 2) and Jacobian, stored parameter-major (8, n_bins + 2); returns χ² = Σ r².

    ``gm``: the M-peak Gaussian G(E_i; 0.158, σ_n) per bin (no fitted parameter in it: computed once per fit)."""
    a, b, c, h, mu, s, am, eta = p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]
    nb = e.size
    chi2 = 0.0
    for i in range(nb):
        x = e[i]
        w = 1.0 / err[i]
        ex = math.exp(-c * x)
        d1 = x - mu
        d2 = x - L2_CENTRE
        g1 = math.exp(-0.5 * (d1 / s) ** 2)
        g2 = math.exp(-0.5 * (d2 / s) ** 2)
        mterm = M_AREA_RATIO * am * s / sigma_n * gm[i]
        model = a + b * ex + h * (g1 + L2_RATIO * g2 + mterm) + (1.0 + eta) * signal[i]
        r[i] = (model - data[i]) * w
        chi2 += r[i] * r[i]
        jac[0, i] = w
        jac[1, i] = ex * w
        jac[2, i] = -b * x * ex * w
        jac[3, i] = (g1 + L2_RATIO * g2 + mterm) * w
        jac[4, i] = h * g1 * d1 / (s * s) * w
        jac[5, i] = h * (g1 * d1 * d1 / s**3 + L2_RATIO * g2 * d2 * d2 / s**3 + mterm / s) * w
        jac[6, i] = h * M_AREA_RATIO * s / sigma_n * gm[i] * w
        jac[7, i] = signal[i] * w
    for j in range(N_BKG_PARAMS):
        jac[j, nb] = 0.0
        jac[j, nb + 1] = 0.0
    r[nb] = (am - 1.0) / A_M_SIGMA
    jac[6, nb] = 1.0 / A_M_SIGMA
    r[nb + 1] = eta / FLUX_SIGMA
    jac[7, nb + 1] = 1.0 / FLUX_SIGMA
    return chi2 + r[nb] * r[nb] + r[nb + 1] * r[nb + 1]


@jit(fastmath={"reassoc", "contract"})
def _normal_equations(jac, r, grad, hess):
    """grad = Jᵀr and hess = JᵀJ for the parameter-major Jacobian of :func:`_residuals_jacobian` (contiguous rows:
    the sums vectorise)."""
    npar, n = jac.shape
    for j in range(npar):
        acc = 0.0
        for i in range(n):
            acc += jac[j, i] * r[i]
        grad[j] = acc
        for m in range(j + 1):
            acc = 0.0
            for i in range(n):
                acc += jac[j, i] * jac[m, i]
            hess[j, m] = acc
            hess[m, j] = acc


@jit
def _project(p):
    """Keep A, B, C, h ≥ 0 and the L1 width ≥ 1 eV."""
    for j in range(4):
        if p[j] < 0.0:
            p[j] = 0.0
    if p[5] < 1e-3:
        p[5] = 1e-3


@jit
def dresden_fit(e, data, err, signal, p, sigma_n, tol=1e-10, max_iter=400):
    """Minimise the Dresden-II χ² over the 8 background/flux nuisances p (overwritten) for a fixed signal.

    Levenberg–Marquardt (Marquardt diagonal scaling; the damped normal equations, symmetric positive definite,
    solved by Cholesky) with the bounds of :func:`_project` applied to each trial step. Stops when an accepted step
    lowers χ² by less than tol·(1 + χ²) or when no step improves χ² (λ > 1e12).
    Returns (χ²_min, status): 0 converged, 1 iteration limit.
    """
    nb = e.size
    npar = N_BKG_PARAMS
    r = np.empty(nb + 2)
    jac = np.empty((npar, nb + 2))
    r_t = np.empty(nb + 2)
    jac_t = np.empty((npar, nb + 2))
    trial = np.empty(npar)
    hess = np.empty((npar, npar))
    damped = np.empty((npar, npar))
    low = np.empty((npar, npar))
    grad = np.empty(npar)
    step = np.empty(npar)
    gm = np.empty(nb)
    for i in range(nb):
        gm[i] = math.exp(-0.5 * ((e[i] - M_CENTRE) / sigma_n) ** 2)
    _project(p)
    chi2 = _residuals_jacobian(e, data, err, signal, p, sigma_n, gm, r, jac)
    lam = 1e-3
    for it in range(max_iter):
        _normal_equations(jac, r, grad, hess)
        while True:
            for j in range(npar):
                for m in range(npar):
                    damped[j, m] = hess[j, m]
                damped[j, j] += lam * max(hess[j, j], 1e-12)
            if cholesky_solve(damped, grad, step, low, npar):
                for j in range(npar):
                    trial[j] = p[j] - step[j]
                _project(trial)
                chi2_t = _residuals_jacobian(e, data, err, signal, trial, sigma_n, gm, r_t, jac_t)
                if chi2_t < chi2:
                    break
            lam *= 10.0
            if lam > 1e12:
                return chi2, 0
        gain = chi2 - chi2_t
        p[:] = trial
        r[:] = r_t
        jac[:, :] = jac_t
        chi2 = chi2_t
        lam = max(lam * 0.1, 1e-12)
        if gain < tol * (1.0 + chi2):
            return chi2, 0
    return chi2, 1


@jit
def _chi2_at(e, data, err, signal, p, sigma_n, bkg):
    """χ² of :func:`_residuals_jacobian` at p without the Jacobian (a start-point comparison)."""
    dresden_background(e, p, sigma_n, bkg)
    eta = p[7]
    chi2 = ((p[6] - 1.0) / A_M_SIGMA) ** 2 + (eta / FLUX_SIGMA) ** 2
    for i in range(e.size):
        r = (bkg[i] + (1.0 + eta) * signal[i] - data[i]) / err[i]
        chi2 += r * r
    return chi2


@jit
def dresden_fit_two_starts(e, data, err, signal, p0, p, sigma_n, gap=1.0):
    """:func:`dresden_fit` from p0 and, for a signal far from the data, also from p0 with the flux nuisance η_f at
    its exact 1-D minimum (χ² is quadratic in η_f); p receives the better fit.

    Why: a signal many σ above the data (a large magnetic moment, a light mediator) is absorbed by η_f → −1 at a
    cost (1/0.05)² = 400, but from η_f = 0 the Levenberg–Marquardt steps first bend the bounded background
    (A, B, h ≥ 0) and stall at the iteration limit with χ² far above the true profile (e.g. 2.6e4 instead of 500).
    The second start is taken only when it lowers the starting χ² by more than ``gap``, so points near the data
    keep the single start (and their exact χ²). Returns (χ²_min, status) of the fit kept.
    """
    nb = e.size
    bkg = np.empty(nb)
    p[:] = p0
    _project(p)
    c_start = _chi2_at(e, data, err, signal, p, sigma_n, bkg)
    # exact η_f minimum with the background of p0: d/dη [Σ ((B + S − D + ηS)/σ)² + (η/σ_f)²] = 0
    num = 0.0
    den = 1.0 / FLUX_SIGMA**2
    for i in range(nb):
        w2 = 1.0 / (err[i] * err[i])
        num += w2 * signal[i] * (bkg[i] + signal[i] - data[i])
        den += w2 * signal[i] * signal[i]
    q = p.copy()
    q[7] = -num / den
    c_eta = _chi2_at(e, data, err, signal, q, sigma_n, bkg)
    c1, st1 = dresden_fit(e, data, err, signal, p, sigma_n)
    if c_start - c_eta <= gap:
        return c1, st1
    # Far from the data the profile valley is long and flat: allow this start more steps (≈ 10 ms at worst).
    c2, st2 = dresden_fit(e, data, err, signal, q, sigma_n, 1e-10, 3000)
    if c2 < c1:
        p[:] = q
        return c2, st2
    return c1, st1


@jit(fastmath={"reassoc", "contract"})
def dresden_signal(base, fp, q, gauss, z, n, src_flavour, sin2w, norm, rn, resp, es_arr, out):
    """Signal per bin: norm × CEvNS (via :func:`cevns.kernels.rates.cevns_source_spectra`) + SM ν̄_e–e.

    ``es_arr`` (3, n_bins) holds the binned ES pieces [Φ0, Φ0 − 2TΦ1 + T²Φ2, m_e T Φ2] so that
    ES = (g_V + g_A)² es0 + (g_V − g_A)² es1 − (g_V² − g_A²) es2 with ν̄_e couplings at sin²θ_W.
    """
    cev = cevns_source_spectra(base, fp, q, gauss, z, n, src_flavour, sin2w, rn, resp)
    gv, ga = es_couplings(0, True, sin2w)
    c0 = (gv + ga) ** 2
    c1 = (gv - ga) ** 2
    c2 = gv * gv - ga * ga
    for i in range(out.size):
        out[i] = norm * cev[0, i] + c0 * es_arr[0, i] + c1 * es_arr[1, i] - c2 * es_arr[2, i]
    return out


@jit
def dresden_chi2_points(theta, base, fp, q, gauss, z, n, src_flavour, resp, es_arr, e, data, err, p0, sigma_n):
    """Profiled χ² for each row θ = [sin²θ_W, CEvNS norm, R_n of each isotope]; every point starts from p0.

    Returns chi2 (n_pts,), nuisances (n_pts, 8), status (n_pts,).
    """
    n_pts = theta.shape[0]
    n_iso = base.shape[0]
    chi2 = np.empty(n_pts)
    eta = np.empty((n_pts, N_BKG_PARAMS))
    status = np.empty(n_pts, dtype=np.int64)
    sig = np.empty(e.size)
    rn = np.empty(n_iso)
    p = np.empty(N_BKG_PARAMS)
    for k in range(n_pts):
        for a in range(n_iso):
            rn[a] = theta[k, 2 + a]
        dresden_signal(base, fp, q, gauss, z, n, src_flavour, theta[k, 0], theta[k, 1], rn, resp, es_arr, sig)
        c, st = dresden_fit_two_starts(e, data, err, sig, p0, p, sigma_n)
        chi2[k] = c
        eta[k, :] = p
        status[k] = st
    return chi2, eta, status


# ---------------------------------------------------------------------------------------------------------------
# Beyond-SM signal: every CEvNS model through cevns_source_spectra_bsm, plus ν̄_e–e with EM properties and mediators.
# Per-point ES coefficients ``es_cols`` = [d, m, τ, μ², G, M_V², S, M_φ²] (built by
# cevns.scanner.experiments.dresden_ii.es_columns):
#   g_V(T) = g_V^SM + d + m/T  (diagonal charge-radius shift d = (2/3) m_W² s_W² Δ⟨r²_ee⟩, 002:126; the millicharge
#   as the photon exchange (√2πα/3G_F) ⟨r²⟩_eff, ⟨r²⟩_eff = −6 q_ν/|q|², |q|² = 2 m_e T: m = −√2πα q_ν/(G_F m_e),
#   whose square is the standard 2πα² q_ν²/(m_e T²) at T ≪ E; arXiv:2205.09484),
#   τ = Σ_{β≠e} [(2/3) m_W² s_W² ⟨r²_eβ⟩]² (transition radii: ν̄_e e → ν̄_β e, pure vector, incoherent),
#   μ² the magnetic moment squared [μ_B²] (000:1384),
#   G = g_Z'² and M_V² [MeV²] of a vector mediator, S = g_ν² g_e² and M_φ² [MeV²] of a scalar one
#   (:func:`dresden_es_mediator`).
N_ES_COLS = 8

@jit(fastmath={"reassoc", "contract"})
def dresden_es_bsm(sin2w, es_pow, es_mm, es_cols, out):
    """ν̄_e–e counts per bin with EM properties, added to ``out``.

    ``es_pow`` (3, 3, n_bins): ES pieces [Φ0, Φ0 − 2TΦ1 + T²Φ2, m_e T Φ2] (000:1379) binned with weights T^(−j),
    j = 0, 1, 2 (first index). With g_V = u + m/T (u = g_V^SM + d) the bracket
    (g_V + g_A)² P0 + (g_V − g_A)² P1 − (g_V² − g_A²) P2 is a polynomial in 1/T whose coefficients multiply
    es_pow[j]. Transition radii add τ (P0 + P1 − P2) (g_V = δ, g_A = 0); the magnetic moment adds μ² es_mm.
    For m = d = τ = μ = 0 this is the SM ES of :func:`dresden_signal` exactly.
    """
    gv0, ga = es_couplings(0, True, sin2w)
    u = gv0 + es_cols[0]
    m = es_cols[1]
    tr = es_cols[2]
    mu2 = es_cols[3]
    up = u + ga
    um = u - ga
    c00 = up * up + tr
    c01 = um * um + tr
    c02 = -(u * u - ga * ga) - tr
    c10 = 2.0 * up * m
    c11 = 2.0 * um * m
    c12 = -2.0 * u * m
    c2 = m * m
    for i in range(out.size):
        acc = c00 * es_pow[0, 0, i] + c01 * es_pow[0, 1, i] + c02 * es_pow[0, 2, i]
        if m != 0.0:
            acc += c10 * es_pow[1, 0, i] + c11 * es_pow[1, 1, i] + c12 * es_pow[1, 2, i]
            acc += c2 * (es_pow[2, 0, i] + es_pow[2, 1, i] - es_pow[2, 2, i])
        if mu2 != 0.0:
            acc += mu2 * es_mm[i]
        out[i] += acc
    return out


# ν̄_e–e through a light mediator. Vector (000:299 for the charges; Atzori Corona et al., JHEP 05 (2022) 109; the
# standard form, e.g. Coloma et al., arXiv:2202.10829): a Z' coupling g Q'_ν to ν_L and g Q'_e vectorially to e adds
#   Δg_V(T) = g² c_e(T)/(2 m_e T + M²),  c_e = Q'_ν Q'_e/(√2 G_F)   [MeV⁻² · MeV² → dimensionless]
# to g_V in the same bracket as the SM, (g_V+g_A)² P0 + (g_V−g_A)² P1 − (g_V²−g_A²) P2 (ν̄: g_A flipped, full
# interference); |q|² = 2 m_e T is the invariant momentum transfer on a free electron. c_e(T) depends on T only
# through the loop (kinetic-mixing) charge of L_α − L_β models (000:1051). Scalar (000:357, 1073 with M → m_e;
# Cerdeño et al., JHEP 05 (2016) 118): dσ/dT = Z_eff S m_e² T/(4π E² (2 m_e T + M_φ²)²), S = g_ν² g_e², no
# interference (helicity flip). The propagators are not powers of T, so the per-node table ``es_nodes``
# (N_ES_NODE_ROWS, n_Te) keeps the pieces on the electron-recoil nodes:
#   rows 0–2: ES_SM_PREFACTOR w_k P_j(T_k), P = [Φ0, Φ0 − 2TΦ1 + T²Φ2, m_e T Φ2] (the bracket's pieces),
#   row 3: w_k (ħc)² m_e² T_k Φ2(T_k)/(4π) (the scalar piece), row 4: 1/T_k, row 5: 2 m_e T_k, row 6: c_e(T_k),
# w_k = quadrature weight × electrons × exposure × Z_eff(T_k). Two ways to evaluate a point:
#   ES_MED_NODES: node rates from the table folded through resp_ee (n_bins × n_Te per point; masses free);
#   ES_MED_BINNED: masses fixed for the whole likelihood, so the pieces weighted by h = c_e/(2 m_e T + M²),
#   h/T and h² and the scalar piece over (2 m_e T + M_φ²)² are binned once (:func:`es_mediator_bins`) and a point
#   costs dot products like the EM terms.
N_ES_NODE_ROWS = 7
N_ES_MED_ROWS = 10  # binned pieces: 0–2 h P_j, 3–5 (h/T) P_j, 6–8 h² P_j, 9 scalar
ES_MED_OFF, ES_MED_BINNED, ES_MED_NODES = 0, 1, 2


@jit
def es_mediator_bins(es_nodes, resp_ee, m2_v, m2_s, out):
    """Binned mediator pieces (N_ES_MED_ROWS, n_bins) at fixed M_V² and M_φ² [MeV²] into ``out`` (comment above):
    out[j] = Σ_k R_ik h_k P_jk, out[3 + j] = Σ_k R_ik (h_k/T_k) P_jk, out[6 + j] = Σ_k R_ik h_k² P_jk (j = 0, 1, 2),
    out[9] = Σ_k R_ik s_k/(2 m_e T_k + M_φ²)², with h = c_e/(2 m_e T + M_V²) and s the scalar piece (row 3)."""
    n_t = es_nodes.shape[1]
    w = np.empty((N_ES_MED_ROWS, n_t))
    for k in range(n_t):
        h = es_nodes[6, k] / (es_nodes[5, k] + m2_v)
        ds = es_nodes[5, k] + m2_s
        for j in range(3):
            w[j, k] = h * es_nodes[j, k]
            w[3 + j, k] = h * es_nodes[4, k] * es_nodes[j, k]
            w[6 + j, k] = h * h * es_nodes[j, k]
        w[9, k] = es_nodes[3, k] / (ds * ds)
    for r in range(N_ES_MED_ROWS):
        for i in range(resp_ee.shape[0]):
            acc = 0.0
            for k in range(n_t):
                acc += resp_ee[i, k] * w[r, k]
            out[r, i] = acc
    return out


@jit(fastmath={"reassoc", "contract"})
def dresden_es_mediator(sin2w, es_cols, mode, es_nodes, resp_ee, med_bins, out):
    """ν̄_e–e counts per bin added by a vector (G = es_cols[4], M_V² = es_cols[5]) or scalar (S = es_cols[6],
    M_φ² = es_cols[7]) mediator, added to ``out`` (module comment above for the formulas and the two modes).

    With v = g_V^SM + d + m/T the vector adds Δ[2(v+g_A)P0 + 2(v−g_A)P1 − 2v P2] + Δ²(P0 + P1 − P2),
    Δ = G c_e(T)/(2 m_e T + M_V²) (the cross terms with the millicharge m/T kept); the scalar adds
    S m_e² T Φ2 (ħc)²/(4π (2 m_e T + M_φ²)²) × Z_eff. Nothing is added for G = S = 0 or mode ES_MED_OFF.
    """
    g = es_cols[4]
    s = es_cols[6]
    if mode == ES_MED_OFF or (g == 0.0 and s == 0.0):
        return out
    gv0, ga = es_couplings(0, True, sin2w)
    u = gv0 + es_cols[0]
    m = es_cols[1]
    if mode == ES_MED_BINNED:
        a0 = 2.0 * g * (u + ga)
        a1 = 2.0 * g * (u - ga)
        a2 = -2.0 * g * u
        b = 2.0 * g * m
        g2 = g * g
        for i in range(out.size):
            acc = a0 * med_bins[0, i] + a1 * med_bins[1, i] + a2 * med_bins[2, i]
            acc += b * (med_bins[3, i] + med_bins[4, i] - med_bins[5, i])
            acc += g2 * (med_bins[6, i] + med_bins[7, i] - med_bins[8, i])
            out[i] += acc + s * med_bins[9, i]
        return out
    m2v = es_cols[5]
    m2s = es_cols[7]
    n_t = es_nodes.shape[1]
    spec = np.empty(n_t)
    for k in range(n_t):
        r = 0.0
        if g != 0.0:
            v = u + m * es_nodes[4, k]
            dl = g * es_nodes[6, k] / (es_nodes[5, k] + m2v)
            p0 = es_nodes[0, k]
            p1 = es_nodes[1, k]
            p2 = es_nodes[2, k]
            r = dl * (2.0 * (v + ga) * p0 + 2.0 * (v - ga) * p1 - 2.0 * v * p2 + dl * (p0 + p1 - p2))
        if s != 0.0:
            ds = es_nodes[5, k] + m2s
            r += s * es_nodes[3, k] / (ds * ds)
        spec[k] = r
    for i in range(out.size):
        acc = 0.0
        for k in range(n_t):
            acc += resp_ee[i, k] * spec[k]
        out[i] += acc
    return out


@jit(fastmath={"reassoc", "contract"})
def dresden_signal_bsm(base, base_mm, base_s, fp, q, gauss, q2, z, n, src_flavour, sin2w, norm, rn, resp, cpl,
                       zp_cp, zp_cn, es_pow, es_mm, es_mode, es_nodes, resp_ee, med_bins, es_cols, out, fn_cache):
    """Signal per bin: norm × CEvNS of any model (:func:`cevns.kernels.rates.cevns_source_spectra_bsm_cached`,
    coupling vector ``cpl``, form-factor cache ``fn_cache``) + ν̄_e–e with EM properties (:func:`dresden_es_bsm`)
    and mediators (:func:`dresden_es_mediator`, mode ``es_mode``)."""
    cev = cevns_source_spectra_bsm_cached(base, base_mm, base_s, fp, q, gauss, q2, z, n, src_flavour, sin2w, rn, resp,
                                          cpl, zp_cp, zp_cn, fn_cache)
    for i in range(out.size):
        out[i] = norm * cev[0, i]
    dresden_es_bsm(sin2w, es_pow, es_mm, es_cols, out)
    return dresden_es_mediator(sin2w, es_cols, es_mode, es_nodes, resp_ee, med_bins, out)


@jit
def dresden_chi2_points_bsm(theta, base, base_mm, base_s, fp, q, gauss, q2, z, n, src_flavour, resp, zp_cp, zp_cn,
                            es_pow, es_mm, es_mode, es_nodes, resp_ee, med_bins, e, data, err, p0, sigma_n):
    """Profiled χ² per row θ = [sin²θ_W, norm, R_n of each isotope, coupling vector (N_COUPLINGS), ES columns
    (N_ES_COLS)]; every point starts from p0. Returns chi2 (n_pts,), nuisances (n_pts, 8), status (n_pts,)."""
    n_pts = theta.shape[0]
    n_iso = base.shape[0]
    n_cpl = theta.shape[1] - 2 - n_iso - N_ES_COLS
    chi2 = np.empty(n_pts)
    eta = np.empty((n_pts, N_BKG_PARAMS))
    status = np.empty(n_pts, dtype=np.int64)
    sig = np.empty(e.size)
    rn = np.empty(n_iso)
    cpl = np.empty(n_cpl)
    cols = np.empty(N_ES_COLS)
    p = np.empty(N_BKG_PARAMS)
    fn_cache = fn_cache_for(base)
    for k in range(n_pts):
        for a in range(n_iso):
            rn[a] = theta[k, 2 + a]
        for j in range(n_cpl):
            cpl[j] = theta[k, 2 + n_iso + j]
        for j in range(N_ES_COLS):
            cols[j] = theta[k, 2 + n_iso + n_cpl + j]
        dresden_signal_bsm(base, base_mm, base_s, fp, q, gauss, q2, z, n, src_flavour, theta[k, 0], theta[k, 1],
                           rn, resp, cpl, zp_cp, zp_cn, es_pow, es_mm, es_mode, es_nodes, resp_ee, med_bins, cols,
                           sig, fn_cache)
        c, st = dresden_fit_two_starts(e, data, err, sig, p0, p, sigma_n)
        chi2[k] = c
        eta[k, :] = p
        status[k] = st
    return chi2, eta, status
