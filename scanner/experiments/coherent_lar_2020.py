"""COHERENT CENNS-10 liquid argon, Analysis A (Akimov et al., PRL 126, 012002 (2021), arXiv:2003.10630).

The full specification, with every input and choice, is docs/physics/coherent-lar-2020.md. In short: 24.4 kg ⁴⁰Ar
at 27.5 m, 13.8e22 POT, 0.09 ν per flavour per POT (release yaml); QF = 0.246 + 0.00078 T[keVnr], σ/E = 0.58/√E,
release efficiency table; 12 energy × 8 F90 × 10 time bins. The CEvNS energy and time dependence is predicted from
the kernels; its F90 distribution in each energy bin is the released one. BRN, delayed BRN and steady state are
the released PDFs; the released ±1σ BRN variants, the released CEvNS F90 variants and our own CEvNS timing shift
(POT trace mean ± 200 ns) are piecewise-linear shape nuisances with unit-Gaussian priors, profiled with the
normalisation nuisances (priors from the yaml) in
:func:`cevns.kernels.shape_nuisances.binned_cevns_shape_chi2_points_bsm`. Every CEvNS model of
:mod:`cevns.scanner.models` (NSI, magnetic moments, charge radii, millicharges, Z', scalar) enters through
:func:`cevns.kernels.rates.cevns_source_spectra_bsm`, as for CsI 2021.

Two analyses (option ``analysis``):

- ``release-3d`` (default): the Poisson likelihood above on the 960 bins of the release;
- ``energy-1d``: the seeds' CENNS-10 energy-spectrum χ² (the kind used by Miranda et al., JHEP 05 (2020) 130,
  arXiv:2003.12050, for R_n(⁴⁰Ar) < 4.33 fm at 001:380) on the released 1-D projection ``energydata1d.txt``
  (steady-state-subtracted data D_i, statistical errors σ_i, the collaboration's BRN projection B_i):
  χ² = min_{α,β} Σ_i [(D_i − (1 + α) C_i − (1 + β) B_i)/σ_i]² + (α/σ_α)² + (β/σ_β)², σ_α = 17/128,
  σ_β = 160/497 (yaml priors), profiled in closed form (:func:`energy_1d_chi2`). C_i is our CEvNS prediction
  summed over F90 and time (same BSM kernel as the 3-D likelihood).
"""

from __future__ import annotations

import re

import numpy as np
from scipy.special import ndtr

from cevns.kernels._jit import jit
from cevns.kernels.constants import HBARC_MEV_FM as HBARC
from cevns.kernels.constants import N_AVOGADRO
from cevns.kernels.detector import time_bin_fractions
from cevns.kernels.nuclear import isotope
from cevns.kernels.quadrature import gauss_legendre
from cevns.kernels.rates import N_COUPLINGS, cevns_source_spectra_bsm, fn_cache_for, theta_row_spectra
from cevns.kernels.shape_nuisances import binned_cevns_shape_chi2_points_bsm

from .. import datasets
from ..errors import ConfigError
from ..models import MODELS, coupling_columns
from .base import ModelExperiment, ModelLikelihood
from .sns import (
    SNS_FLAVOURS,
    SNS_PARAMETERS,
    SNS_SOURCE_FLAVOUR,
    SNS_SOURCE_LABEL,
    SNS_SOURCES,
    Targets,
    recoil_nodes,
    sns_fluence,
    sns_incoherent_weights,
    sns_node_arrays,
    sns_node_weights,
)

__all__ = [
    "CoherentLAr2020", "LArLikelihood", "LArEnergy1DLikelihood", "read_release_yaml", "load_3d", "energy_response",
    "energy_1d_chi2", "energy_1d_chi2_points_bsm",
]

DATASET = "coherent-cenns10-lar-2020"

# Binning of the release (PROVENANCE): 12 × 10 keVee, 8 × 0.05 F90, 10 × 0.5 µs from −0.1 µs.
E_EDGES = np.linspace(0.0, 120.0, 13)
F90_EDGES = np.linspace(0.5, 0.9, 9)
TIME_EDGES = np.linspace(-0.1, 4.9, 11)
SHAPE = (12, 8, 10)

# Default ⁴⁰Ar neutron skin R_n − R_p [fm]: mean of the eleven Sky3D Skyrme models of seed 000:579–589
# (0.08–0.10 fm, mean 0.089).
AR_SKIN_FM = 0.09

EFF_BREAKS_BELOW_KEVEE = 20.0

# Lowest recoil-energy node [MeV]: 1 keVnr gives 0.25 keVee, where the release efficiency is 0.
T_LO = 1e-3

# (flavour index, antineutrino) of the SNS sources (prompt ν_μ, delayed ν_e, delayed ν̄_μ), for the tmm model's μ_eff².
TMM_SOURCES = tuple((int(f), anti) for f, anti in zip(SNS_SOURCE_FLAVOUR, (False, False, True)))

NUISANCES = (
    "eta_cevns", "delta_cevns_f90", "delta_cevns_timing",
    "eta_brn", "eta_delbrn", "eta_ss",
    "delta_brn_energy", "delta_brn_timing_mean", "delta_brn_timing_width",
)

# Analyses (option ``analysis``): the release's 3-D likelihood, or the seeds' 1-D energy χ² (module docstring).
ANALYSES = ("release-3d", "energy-1d")
# Nuisances of the 1-D energy χ²: α scales our CEvNS prediction, β the released BRN projection.
NUISANCES_1D = ("alpha_cevns", "beta_brn")


def read_release_yaml(text: str) -> dict:
    """Numbers of ``LArParametersAnlA.yaml`` without a YAML library.

    Returns {block: {"value": v, "uncertainty": u, ...}} for top-level blocks with scalar fields, and
    {block: {param_name: {"value": v, "uncertainty": u}}} for blocks with a ``parameters`` list. Non-numeric
    fields (``negligible``, units, comments) are skipped.
    """
    out: dict = {}
    block = None
    param = None
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = re.match(r"^([A-Za-z0-9_]+):\s*$", line)
        if m:
            block, param = m.group(1), None
            out[block] = {}
            continue
        if block is None:
            continue
        m = re.match(r"^\s*-\s*name:\s*(\S+)\s*$", line)
        if m:
            param = m.group(1)
            out[block][param] = {}
            continue
        m = re.match(r"^\s*([A-Za-z_]+):\s*([-+0-9.eE]+)\s*$", line)
        if m:
            try:
                v = float(m.group(2))
            except ValueError:
                continue
            (out[block][param] if param is not None else out[block])[m.group(1)] = v
    return out


def load_3d(name: str) -> np.ndarray:
    """A released 960-row file as a (12 E, 8 F90, 10 t) array (rows ordered E, then F90, then time)."""
    a = datasets.load_table(DATASET, name)
    if a.shape != (960, 4):
        raise ValueError(f"{name}: expected 960 rows × 4 columns, got {a.shape}")
    return a[:, 3].reshape(SHAPE)


def energy_response(e_true_kevee, eff_kevee, eff_values, mode="true", a_res=0.58):
    """A_i(E) = probability that a recoil quenched to E [keVee] is accepted and reconstructed in energy bin i.

    Resolution: Gaussian, σ = a √E (release yaml ``energyResolution``). Efficiency ε: the release table,
    linearly interpolated, 0 below its first point and its last value (0.963) above 39.75 keVee.
    ``mode="true"``: ε(E) at the true quenched energy, A_i = ε(E) [Φ(u_{i+1}) − Φ(u_i)], u = (x − E)/σ.
    ``mode="reconstructed"``: A_i = ∫_bin ε(x) N(x; E, σ) dx, exact for the piecewise-linear ε:
    ∫ (α + βx) N dx = (α + βE)[Φ(u)] − βσ[φ(u)].
    """
    e = np.atleast_1d(np.asarray(e_true_kevee, dtype=float))
    out = np.zeros((E_EDGES.size - 1, e.size))
    for k, ek in enumerate(e):
        if ek <= 0.0:
            continue
        sig = a_res * np.sqrt(ek)
        if mode == "true":
            eps = np.interp(ek, eff_kevee, eff_values, left=0.0, right=eff_values[-1])
            out[:, k] = eps * np.diff(ndtr((E_EDGES - ek) / sig))
            continue
        # Segments where ε is linear: table intervals, then constant to the top edge.
        knots = np.concatenate([eff_kevee, [E_EDGES[-1] + 1.0]])
        vals = np.concatenate([eff_values, [eff_values[-1]]])
        for i in range(E_EDGES.size - 1):
            lo, hi = E_EDGES[i], E_EDGES[i + 1]
            acc = 0.0
            for j in range(knots.size - 1):
                a, b = max(lo, knots[j]), min(hi, knots[j + 1])
                if b <= a:
                    continue
                beta = (vals[j + 1] - vals[j]) / (knots[j + 1] - knots[j])
                alpha = vals[j] - beta * knots[j]
                ua, ub = (a - ek) / sig, (b - ek) / sig
                phi = np.exp(-0.5 * np.array([ua, ub]) ** 2) / np.sqrt(2.0 * np.pi)
                acc += (alpha + beta * ek) * (ndtr(ub) - ndtr(ua)) - beta * sig * (phi[1] - phi[0])
            out[i, k] = acc
    return out


# -- 1-D energy χ² (analysis="energy-1d") ------------------------------------------------------------------------
@jit
def energy_1d_chi2(c, data, err, brn, s_alpha, s_beta, profile):
    """χ² = min_{α,β} Σ_i [(D_i − (1 + α) C_i − (1 + β) B_i)/σ_i]² + (α/σ_α)² + (β/σ_β)² and its (α, β).

    ``c``, ``data``, ``err``, ``brn``: C_i, D_i, σ_i, B_i per energy bin (events). The bracket is quadratic in
    (α, β), so the minimum is the solution of the 2×2 normal equations (w_i = 1/σ_i², r_i = D_i − C_i − B_i):
    [Σw C² + 1/σ_α², Σw C B; Σw C B, Σw B² + 1/σ_β²] (α, β) = (Σw C r, Σw B r), solved by Cramer's rule (the
    matrix is positive definite: the priors keep its determinant > 0). ``profile`` False holds α = β = 0.
    Returns (χ², α, β).
    """
    n = c.size
    scc = 0.0
    scb = 0.0
    sbb = 0.0
    scr = 0.0
    sbr = 0.0
    for i in range(n):
        w = 1.0 / (err[i] * err[i])
        r = data[i] - c[i] - brn[i]
        scc += w * c[i] * c[i]
        scb += w * c[i] * brn[i]
        sbb += w * brn[i] * brn[i]
        scr += w * c[i] * r
        sbr += w * brn[i] * r
    a = 0.0
    b = 0.0
    if profile:
        a11 = scc + 1.0 / (s_alpha * s_alpha)
        a22 = sbb + 1.0 / (s_beta * s_beta)
        det = a11 * a22 - scb * scb
        a = (a22 * scr - scb * sbr) / det
        b = (a11 * sbr - scb * scr) / det
    # χ² from the residuals (not from the normal-equation shortcut χ²₀ − x·rhs, which cancels digits).
    chi2 = (a / s_alpha) ** 2 + (b / s_beta) ** 2 if profile else 0.0
    for i in range(n):
        res = (data[i] - (1.0 + a) * c[i] - (1.0 + b) * brn[i]) / err[i]
        chi2 += res * res
    return chi2, a, b


@jit
def energy_1d_chi2_points_bsm(theta, base, base_mm, base_s, fp, q, gauss, q2, z, n, src_flavour, resp, tw, zp_cp,
                              zp_cn, data, err, brn, s_alpha, s_beta, profile):
    """:func:`energy_1d_chi2` for each row θ = [sin²θ_W, norm, R_n(Ar), coupling vector (N_COUPLINGS)].

    C_i = norm · Σ_s E_si(θ) W_s: E_si the energy-binned counts of source s from
    :func:`cevns.kernels.rates.cevns_source_spectra_bsm` (every CEvNS model), W_s = Σ_j P_sj its fraction inside
    the release's time window (the F90 pattern sums to 1 in each energy bin, so the F90 sum is 1).
    Returns chi2 (n,), eta (n, 2) = (α, β), c (n, n_E).
    """
    n_pts = theta.shape[0]
    n_e = resp.shape[0]
    chi2 = np.empty(n_pts)
    eta = np.empty((n_pts, 2))
    cs = np.empty((n_pts, n_e))
    rn = np.empty(1)
    cpl = np.empty(N_COUPLINGS)
    fn_cache = fn_cache_for(base)
    no_es = np.empty((0, 0))  # Analysis A has no ν–e channel
    for p in range(n_pts):
        e = theta_row_spectra(theta, p, base, base_mm, base_s, fp, q, gauss, q2, z, n, src_flavour, resp, zp_cp,
                              zp_cn, no_es, rn, cpl, fn_cache)
        for i in range(n_e):
            acc = 0.0
            for s in range(e.shape[0]):
                acc += e[s, i] * tw[s]
            cs[p, i] = theta[p, 1] * acc
        chi2[p], eta[p, 0], eta[p, 1] = energy_1d_chi2(cs[p], data, err, brn, s_alpha, s_beta, profile)
    return chi2, eta, cs


class CoherentLAr2020(ModelExperiment):
    """COHERENT CENNS-10 Analysis A: 12 E × 8 F90 × 10 t bins, CEvNS + BRN + delayed BRN + SS with shape nuisances
    (``analysis="release-3d"``), or the seeds' 1-D energy χ² with CEvNS and BRN normalisations
    (``analysis="energy-1d"``)."""

    name = "coherent-lar-2020"
    description = "COHERENT CENNS-10 liquid argon Analysis A, 24.4 kg at 27.5 m (arXiv:2003.10630)"
    # Every CEvNS model of cevns.scanner.models through cevns_source_spectra_bsm (docs/physics/models.md). The
    # magnetic moment acts on CEvNS only: Analysis A has no ν–e channel (electron recoils fail the F90 cut).
    parameters = ("sin2w", "cevns_norm", "rn_ar", *SNS_PARAMETERS)
    source_flavours, source_label = SNS_FLAVOURS, SNS_SOURCE_LABEL
    models = tuple(MODELS)
    nuisance_names = NUISANCES
    components = ("cevns", "brn", "delbrn", "ss")
    isotopes = ("Ar40",)
    coupling_sources = TMM_SOURCES  # kernel row: [sin²θ_W, norm, R_n(Ar), coupling vector] (theta_row)
    OPTIONS: dict = {"efficiency": ("true", ("true", "reconstructed")), "analysis": ("release-3d", ANALYSES)}

    def __init__(self, efficiency: str = "true", analysis: str = "release-3d", n_per_piece: int = 24,
                 n_min: int = 4):
        if efficiency not in self.OPTIONS["efficiency"][1]:
            raise ConfigError(f"experiment '{self.name}': efficiency={efficiency} not one of true, reconstructed")
        if analysis not in ANALYSES:
            raise ConfigError(f"experiment '{self.name}': option analysis={analysis} not one of {', '.join(ANALYSES)}")
        self.analysis = analysis
        if analysis == "energy-1d":  # for cevns.plots.spectra: its data are not counts
            self.spectrum_refusal = ("the energy-1d analysis fits steady-state-subtracted counts with Gaussian "
                                     "errors, not a binned Poisson spectrum; draw the default analysis")
        self.options = {"efficiency": efficiency, "analysis": analysis}
        if analysis == "energy-1d":
            self.nuisance_names = NUISANCES_1D
            self.components = ("cevns", "brn")
        y = read_release_yaml(datasets.read_text(DATASET, "LArParametersAnlA.yaml"))
        self.yaml = y
        self.mass_kg = y["fiducialMass"]["value"]
        self.baseline_m = y["distanceToTarget"]["value"]
        self.pot = y["beamExposure"]["value"] * 1e22
        self.nu_per_pot = y["neutrinosPerProton"]["value"]
        self.qf = (y["larQF"]["a"]["value"], y["larQF"]["b"]["value"])
        self.res_a = y["energyResolution"]["a"]["value"]
        self.trace_mu = y["snsPOTTraceTiming"]["a"]["value"] * 1e-3  # ns → µs
        self.trace_mu_err = y["snsPOTTraceTiming"]["a"]["uncertainty"] * 1e-3
        self.trace_sigma = y["snsPOTTraceTiming"]["b"]["value"] * 1e-3
        pred = {k: y[f"{k}PredictionNormalization"] for k in
                ("cevns", "promptBeamRelatedNeutron", "delayedBeamRelatedNeutron", "ssBackground")}
        self.prior_events = {k: v["value"] for k, v in pred.items()}
        self.sigmas = np.array([
            pred["cevns"]["uncertainty"] / pred["cevns"]["value"], 1.0, 1.0,
            pred["promptBeamRelatedNeutron"]["uncertainty"] / pred["promptBeamRelatedNeutron"]["value"],
            pred["delayedBeamRelatedNeutron"]["uncertainty"] / pred["delayedBeamRelatedNeutron"]["value"],
            pred["ssBackground"]["uncertainty"] / pred["ssBackground"]["value"],
            1.0, 1.0, 1.0,
        ])

        ar = isotope("Ar40")
        self.rp = ar.proton_radius
        self.rn_default = self.rp + AR_SKIN_FM
        n_ar = self.mass_kg * 1e3 / ar.atomic_mass_u * N_AVOGADRO
        self.targets = Targets([ar], [n_ar], [self.rp])
        self.fluence = sns_fluence(self.nu_per_pot, self.pot, self.baseline_m)
        eff = datasets.load_table(DATASET, "CENNS10AnlAEfficiency.txt")
        self.eff_table = eff
        # With the efficiency at the true energy, A_i(T) has a kink at every table point: put node breaks at the
        # table's keVnr column up to 20 keVee (above, ε is flat to ±1 % and smooth pieces of 24 nodes suffice).
        breaks = tuple(1e-3 * eff[eff[:, 0] <= EFF_BREAKS_BELOW_KEVEE, 1]) if efficiency == "true" else ()
        self.t_nodes, self.t_weights = recoil_nodes(self.targets, T_LO, breaks, n_per_piece, n_min)
        self.base, self.fp, self.q, self.gauss = sns_node_weights(
            self.targets, self.fluence, self.t_nodes, self.t_weights
        )
        self.q2 = (self.q * HBARC) ** 2  # |q|² [MeV²]
        self.base_mm, self.base_s = sns_incoherent_weights(self.targets, self.fluence, self.t_nodes, self.t_weights)
        t_kevnr = 1e3 * self.t_nodes
        self.e_kevee = (self.qf[0] + self.qf[1] * t_kevnr) * t_kevnr
        self.resp = energy_response(self.e_kevee, eff[:, 0], eff[:, 2], efficiency, self.res_a)
        self.time_frac = self.time_fractions(self.trace_mu)
        self.time_up = self.time_fractions(self.trace_mu + self.trace_mu_err)
        self.time_dn = self.time_fractions(self.trace_mu - self.trace_mu_err)

        # Released templates.
        self.cevns_release = load_3d("cevnspdf.txt")
        self.pat_nom, self.pat_up, self.pat_dn = self._f90_patterns()
        norm_ss = self.prior_events["ssBackground"]
        brn = load_3d("brnpdf.txt")
        self.brn = brn * (self.prior_events["promptBeamRelatedNeutron"] / brn.sum())
        delbrn = load_3d("delbrnpdf.txt")
        self.delbrn = delbrn * (self.prior_events["delayedBeamRelatedNeutron"] / delbrn.sum())
        ss = load_3d("bkgpdf.txt")
        self.ss = ss * (norm_ss / ss.sum())
        scale = self.brn.sum() / brn.sum()
        b_e_up, b_e_dn = load_3d("brnpdf+1sigEnergy.txt"), load_3d("brnpdf-1sigEnergy.txt")
        b_t_up, b_t_dn = load_3d("brnpdf+1sigBRNTimingMean.txt"), load_3d("brnpdf-1sigBRNTimingMean.txt")
        b_w = load_3d("brnpdfBRNTimingWidthSyst.txt")
        # Shape slopes U = P − N, D = N − M; the one-sided timing-width variant is mirrored (D = U).
        self.bkg_up = np.vstack([
            self.brn.ravel(), self.delbrn.ravel(), self.ss.ravel(),
            scale * (b_e_up - brn).ravel(), scale * (b_t_up - brn).ravel(), scale * (b_w - brn).ravel(),
        ])
        self.bkg_down = self.bkg_up.copy()
        self.bkg_down[3] = scale * (brn - b_e_dn).ravel()
        self.bkg_down[4] = scale * (brn - b_t_dn).ravel()
        self.bkg_base = (self.brn + self.delbrn + self.ss).ravel()
        self.obs = load_3d("datanobkgsub.txt")

        # 1-D energy projection (analysis="energy-1d"): steady-state-subtracted data, its statistical error and the
        # collaboration's BRN projection per 10-keVee bin (PROVENANCE: columns 2, 3, 5); priors σ_α, σ_β from the yaml.
        e1d = datasets.load_table(DATASET, "energydata1d.txt", skiprows=1)
        if e1d.shape != (12, 8) or not np.allclose(e1d[:, 0], 0.5 * (E_EDGES[1:] + E_EDGES[:-1])):
            raise ValueError(f"energydata1d.txt: expected 12 rows × 8 columns at the bin centres, got {e1d.shape}")
        self.obs_1d = np.ascontiguousarray(e1d[:, 1])
        self.err_1d = np.ascontiguousarray(e1d[:, 2])
        self.brn_1d = np.ascontiguousarray(e1d[:, 4])
        self.sigmas_1d = np.array([self.sigmas[0], self.sigmas[3]])  # 17/128, 160/497
        self.time_window = np.ascontiguousarray(self.time_frac.sum(axis=1))  # W_s: fraction in −0.1–4.9 µs

    # -- response construction (once) ---------------------------------------------------------------------------
    def time_fractions(self, trace_mu):
        """P_sj: fraction of SNS source s arriving in time bin j (no timing efficiency in CENNS-10)."""
        tn, tw = gauss_legendre(48, 0.0, 1.0)
        args = (TIME_EDGES, tn, tw, trace_mu, self.trace_sigma, 1e9, 0.0)
        prompt = time_bin_fractions(0, *args)
        delayed = time_bin_fractions(1, *args)
        return np.vstack([prompt, delayed, delayed])

    def _f90_patterns(self):
        """G_if: F90 distribution of CEvNS in each energy bin, from the released nominal and ±1σ F90 PDFs.

        G⁰ sums to 1 over F90 in each energy bin; the variants are divided by the nominal energy marginal (they
        also move events between energy bins through the F90 window, which this keeps). Energy bins where the
        released CEvNS PDF is empty take the pattern of the highest non-empty bin.
        """
        nom = self.cevns_release.sum(axis=2)
        up = load_3d("cevnspdf+1sigF90.txt").sum(axis=2)
        dn = load_3d("cevnspdf-1sigF90.txt").sum(axis=2)
        marg = nom.sum(axis=1)
        good = np.nonzero(marg > 1e-3)[0]
        out = []
        for arr in (nom, up, dn):
            g = np.empty_like(arr)
            for i in range(arr.shape[0]):
                src = i if marg[i] > 1e-3 else good[-1]
                g[i] = arr[src] / marg[src]
            out.append(g)
        return out

    # -- parameters -----------------------------------------------------------------------------------------------
    def defaults(self):
        d = super().defaults()
        d["rn_ar"] = self.rn_default
        return d

    def theta(self, params: dict | None = None) -> np.ndarray:
        """Kernel parameter row [sin²θ_W, norm, R_n(Ar)] from a parameter dictionary (base parameters only)."""
        p = self.defaults()
        p.update(self.check_params(params or {}))
        return np.array([p["sin2w"], p["cevns_norm"], p["rn_ar"]])

    # -- predictions ----------------------------------------------------------------------------------------------
    def source_energy_counts(self, params: dict | None = None, model: str = "sm") -> np.ndarray:
        """E_si: CEvNS counts per SNS source and energy bin, all arrival times (no time window)."""
        return theta_counts(self, self.theta_row(params, model), model)

    def predict_cevns_by_flavour(self, params: dict | None = None, model: str = "sm") -> dict[str, np.ndarray]:
        """CEvNS counts (12, 8, 10) of each SNS source: "numu" (prompt), "nue", "numubar" (delayed).

        ``analysis="energy-1d"``: the (12,) energy spectra, summed over F90 and the time window.
        """
        e = self.source_energy_counts(params, model)
        if self.analysis == "energy-1d":
            return {name: e[s] * self.time_window[s] for s, name in enumerate(SNS_SOURCES)}
        return {
            name: e[s][:, None, None] * self.pat_nom[:, :, None] * self.time_frac[s][None, None, :]
            for s, name in enumerate(SNS_SOURCES)
        }

    def predict(self, params: dict | None = None, model: str = "sm") -> dict[str, np.ndarray]:
        """Expected counts (12 E × 8 F90 × 10 t) of each component at zero nuisances.

        ``analysis="energy-1d"``: (12,) energy spectra of our CEvNS and of the released BRN projection.
        """
        cevns = sum(self.predict_cevns_by_flavour(params, model).values())
        if self.analysis == "energy-1d":
            return {"cevns": cevns, "brn": self.brn_1d.copy()}
        return {"cevns": cevns, "brn": self.brn.copy(), "delbrn": self.delbrn.copy(), "ss": self.ss.copy()}

    def predict_with_nuisances(self, params: dict | None, eta, model: str = "sm") -> dict[str, np.ndarray]:
        """Expected counts (12 E × 8 F90 × 10 t) of each component with the nuisances ``eta`` applied.

        ``eta`` in :attr:`nuisance_names` order (e.g. the profiled values of :meth:`chi2`). Exactly the μ of the
        likelihood (cevns.kernels.shape_nuisances): each nuisance x_z adds x_z U_z (x_z ≥ 0) or x_z D_z (x_z < 0);
        the CEvNS rows (normalisation, F90 and timing shapes) go to "cevns", the prompt-BRN normalisation and
        shape rows to "brn", the others to "delbrn" and "ss". The components sum to the kernel's μ.
        """
        x = np.asarray(eta, dtype=float).reshape(-1)
        if x.size != len(self.nuisance_names):
            raise ConfigError(f"{x.size} nuisance value(s) for the {len(self.nuisance_names)} of '{self.name}'")
        if self.analysis == "energy-1d":  # (1 + α) C_i, (1 + β) B_i
            pred = self.predict(params, model)
            return {"cevns": (1.0 + x[0]) * pred["cevns"], "brn": (1.0 + x[1]) * pred["brn"]}
        e = self.source_energy_counts(params, model) * self.theta_row(params, model)[1]
        pred = self.predict(params, model)
        tn = np.einsum("si,sj->ij", e, self.time_frac)
        tu = np.einsum("si,sj->ij", e, self.time_up) - tn
        td = tn - np.einsum("si,sj->ij", e, self.time_dn)
        g0 = self.pat_nom[:, :, None]
        c_up = np.stack([pred["cevns"], (self.pat_up - self.pat_nom)[:, :, None] * tn[:, None, :],
                         g0 * tu[:, None, :]])
        c_dn = np.stack([pred["cevns"], (self.pat_nom - self.pat_dn)[:, :, None] * tn[:, None, :],
                         g0 * td[:, None, :]])
        nb = self.bkg_up.shape[1]
        rows_up = np.vstack([c_up.reshape(3, nb), self.bkg_up])
        rows_dn = np.vstack([c_dn.reshape(3, nb), self.bkg_down])
        owner = ("cevns", "cevns", "cevns", "brn", "delbrn", "ss", "brn", "brn", "brn")
        out = {k: v.ravel().copy() for k, v in pred.items()}
        for z, comp in enumerate(owner):
            out[comp] += x[z] * (rows_up[z] if x[z] >= 0.0 else rows_dn[z])
        return {k: v.reshape(SHAPE) for k, v in out.items()}

    def observed(self) -> np.ndarray:
        """Observed counts (12, 8, 10); ``analysis="energy-1d"``: the (12,) steady-state-subtracted energy data."""
        if self.analysis == "energy-1d":
            return self.obs_1d.copy()
        return self.obs.copy()

    def likelihood(self, names=(), fixed=None, model: str = "sm") -> LArLikelihood:
        cls = LArEnergy1DLikelihood if self.analysis == "energy-1d" else LArLikelihood
        return cls(self, list(names), dict(fixed or {}), model)

    def data_checksums(self):
        return datasets.dataset_checksums(DATASET)


def theta_counts(exp: CoherentLAr2020, th, model: str = "sm") -> np.ndarray:
    """E_si (n_src, 12) of a kernel row ``th`` (see :meth:`CoherentLAr2020.theta_row`), times the normalisation."""
    cp, cn = exp.zprime_arrays(model)
    return cevns_source_spectra_bsm(
        *sns_node_arrays(exp), th[0], np.ascontiguousarray(th[2:3]), exp.resp, np.ascontiguousarray(th[3:]), cp, cn,
    ) * th[1]


def time_major(a):
    """(…, 960) arrays in the release order (E, F90, t) → the kernel's time-major order (t, E, F90)."""
    a = np.asarray(a, dtype=float)
    lead = a.shape[:-1]
    return np.ascontiguousarray(np.moveaxis(a.reshape(*lead, *SHAPE), -1, len(lead)).reshape(*lead, -1))


class LArLikelihood(ModelLikelihood):
    """Profiled χ² of :class:`CoherentLAr2020` over points whose columns are ``names`` (rest: ``fixed``)."""

    def __init__(self, exp: CoherentLAr2020, names, fixed, model="sm"):
        self.bind(exp, names, fixed, model)
        self.theta0 = self.theta(np.array([[self._start_value(n) for n in self.names]]).reshape(1, -1))[0]
        cp, cn = exp.zprime_arrays(model)
        self.arrays = (
            *sns_node_arrays(exp), exp.resp, cp, cn,
            exp.pat_nom, exp.pat_up, exp.pat_dn, exp.time_frac, exp.time_up, exp.time_dn,
            time_major(exp.bkg_base), time_major(exp.bkg_up), time_major(exp.bkg_down), time_major(exp.obs.ravel()),
            exp.sigmas,
        )
        # Every point starts the profiling from the best-fit nuisances at θ₀ (fixed values, defaults, and the SM
        # value of every scanned coupling): the same start for all points keeps results independent of their
        # order, and saves Newton iterations.
        zero = np.zeros(len(exp.nuisance_names))
        _, x0, st = binned_cevns_shape_chi2_points_bsm(self.theta0[None, :], *self.arrays, zero)
        self.x_start = x0[0] if st[0] == 0 else zero

    def _start_value(self, name):
        """Value of a scanned parameter at θ₀: its fixed/default value, else the SM (zero coupling)."""
        if name in self.defaults:
            return self.defaults[name]
        from ..params import parameter

        d = parameter(name).default
        return 0.0 if d is None else d

    def theta(self, points) -> np.ndarray:
        """Kernel rows [sin²θ_W, norm, R_n(Ar), coupling vector] for an (n, len(names)) array."""
        pts = self.points_array(points)
        n = pts.shape[0]
        vals = {**self.defaults, **self.fixed, **{k: pts[:, c] for c, k in enumerate(self.names)}}
        theta = np.empty((n, 3 + N_COUPLINGS))
        for c, k in enumerate(("sin2w", "cevns_norm", "rn_ar")):
            theta[:, c] = vals[k]
        theta[:, 3:] = coupling_columns(self.model, vals, n, sources=TMM_SOURCES)
        return theta

    def evaluate(self, points):
        theta = self.theta(points)
        chi2, eta, status = binned_cevns_shape_chi2_points_bsm(theta, *self.arrays, self.x_start)
        self.last_status = status
        return chi2, eta


class LArEnergy1DLikelihood(LArLikelihood):
    """The 1-D energy χ² of :class:`CoherentLAr2020` (``analysis="energy-1d"``) over points whose columns are
    ``names`` (rest: ``fixed``): one BSM kernel call and a 2×2 solve per point (:func:`energy_1d_chi2_points_bsm`).
    ``profile`` False (scan files' ``nuisances = "fixed"``) holds α = β = 0."""

    def __init__(self, exp: CoherentLAr2020, names, fixed, model="sm"):
        self.bind(exp, names, fixed, model)
        self.profile = True
        cp, cn = exp.zprime_arrays(model)
        self.arrays = (*sns_node_arrays(exp), exp.resp, exp.time_window, cp, cn, exp.obs_1d, exp.err_1d, exp.brn_1d,
                       float(exp.sigmas_1d[0]), float(exp.sigmas_1d[1]))

    def evaluate(self, points):
        theta = self.theta(points)
        chi2, eta, _ = energy_1d_chi2_points_bsm(theta, *self.arrays, bool(self.profile))
        self.last_status = np.zeros(theta.shape[0], dtype=np.int64)  # closed form: always converged
        return chi2, eta
