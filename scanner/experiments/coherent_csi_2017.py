"""COHERENT CsI[Na] 2017, the first observation (Akimov et al., Science 357, 1123 (2017), arXiv:1708.01294), on its
public data release (arXiv:1804.09459, Zenodo 1228631).

The full specification, with every input and choice, is docs/physics/coherent-csi-2017.md. In short: 14.6 kg CsI
at 19.3 m, 1.76e23 POT (7.47594 GWh), 0.08 ν per flavour per POT; quenching 0.0878 × light yield 13.348 PE/keVee,
Poisson photoelectron statistics, the released acceptance curve and arrival-time PDFs. Two analyses (option
``analysis``):

- ``binned`` (default): Poisson χ² (seed 000:1094, eq. (10)) on the released 25 PE × 24 time bins of the
  coincidence beam-on data, with CEvNS, prompt neutrons (released PDF) and steady state (anti-coincidence data)
  and three profiled normalisation nuisances;
- ``single-bin``: the Gaussian single-bin χ² of seed 003:275–277 (N_meas = 142, B_0n = 6, B_ss = 405,
  σ_a1 = 0.28, σ_a2 = 0.25), with both pulls profiled in closed form.

Every CEvNS model of :mod:`cevns.scanner.models` (NSI, magnetic moments, charge radii, millicharges, Z', scalar,
tmm, darkz) enters both analyses through :func:`cevns.kernels.rates.cevns_source_spectra_bsm`, as for CsI 2021;
with option ``channels="cevns+es"`` (default) the ν–e magnetic-moment scattering on the 108 electrons of a CsI
molecule is added (000:1384; unquenched, 13.348 PE/keVee, the same Poisson × acceptance response).
"""

from __future__ import annotations

import math

import numpy as np

from cevns.kernels._jit import jit
from cevns.kernels.binned import binned_cevns_chi2_points, binned_cevns_chi2_points_bsm
from cevns.kernels.constants import HBARC_MEV_FM as HBARC
from cevns.kernels.constants import N_AVOGADRO
from cevns.kernels.nuclear import isotope
from cevns.kernels.rates import (
    N_COUPLINGS,
    cevns_source_spectra,
    cevns_source_spectra_bsm,
    cevns_source_spectra_cached,
    fn_cache_for,
    fold_time,
    theta_row_spectra,
)

from .. import datasets
from ..errors import ConfigError
from ..models import MODELS
from .base import ModelExperiment, ModelLikelihood
from .coherent_csi_2021 import CsIKernelRows, CsIParameters
from .sns import (
    SNS_FLAVOURS,
    SNS_PARAMETERS,
    SNS_SOURCE_FLAVOUR,
    SNS_SOURCE_LABEL,
    SNS_SOURCE_SPEC,
    SNS_SOURCES,
    Targets,
    recoil_nodes,
    sns_electron_mm_rate,
    sns_fluence,
    sns_incoherent_weights,
    sns_node_arrays,
    sns_node_weights,
)

__all__ = [
    "CoherentCsI2017", "pe_bin_weights", "acceptance", "single_bin_chi2", "single_bin_chi2_points",
    "single_bin_chi2_points_bsm",
]

DATASET = "coherent-csi-2017"

# Exposure and detector (coherent_parameters.yaml; POT from the Science paper: 1.76e23 POT = 7.47594 GWh).
MASS_KG = 14.6
BASELINE_M = 19.3
EXPOSURE_GWH = 7.47594
POT = 1.76e23
NU_PER_POT = 0.08
QF = 0.0878
LIGHT_YIELD = 13.348  # PE/keVee
# Acceptance f(x) = a/(1 + exp(−k(x − x0))) · H(x − 5) (yaml acceptanceEfficiency).
ACC_A, ACC_K, ACC_X0 = 0.6655, 0.4942, 10.8507

# Proton rms radii of ¹³³Cs and ¹²⁷I (seed 000:1192–1194; as for CsI 2021).
RP_CS, RP_I = 4.821, 4.766

# Released binning: 2-PE bins 0–50 PE, 0.5-µs bins 0–12 µs.
PE_EDGES = np.arange(0.0, 50.0 + 1e-9, 2.0)
TIME_EDGES = np.arange(0.0, 12.0 + 1e-9, 0.5)
N_PE, N_TIME = PE_EDGES.size - 1, TIME_EDGES.size - 1
# Window of the binned likelihood: 6–50 PE (the acceptance is 0 below 5 PE and ½ f(5.5) = 0.022 in 5–6 PE, so the
# three lowest bins carry no CEvNS information, only sub-threshold steady state), all 24 time bins.
BINNED_PE = (6.0, 50.0)
# Region of interest of the single-bin count (PROVENANCE: 6 ≤ PE < 30, 0 ≤ t < 6 µs → 547 − 405 = 142).
ROI_PE = (6.0, 30.0)
ROI_T = (0.0, 6.0)
# Time window of the single-bin N_th: 003:262 integrates the flux over all arrival times (no timing), so N_th is
# the CEvNS count in 6–30 PE over the whole released 0–12 µs window (spec page, "Single-bin analysis").
SINGLE_BIN_T = (0.0, 12.0)

# Priors of the binned analysis: CEvNS 28 % (the 2017 total systematic, 001:228; also the seed's σ_a1),
# prompt neutrons 25 % (yaml promptNeutronNormalization); steady state 1/√N_AC (counting statistics of the
# anti-coincidence sample that fixes its normalisation).
SIGMA_CEVNS, SIGMA_BRN = 0.28, 0.25

# Single-bin χ² of seed 003:275–277.
N_MEAS, B_0N, B_SS = 142.0, 6.0, 405.0
SIGMA_A1, SIGMA_A2 = 0.28, 0.25

# Recoil node grid [MeV]: 0.1 keVnr (0.12 mean PE: P(n ≥ 5) < 2e-8, and the acceptance vanishes below 5 PE);
# extra breaks resolve the Poisson structure where the acceptance turns on (3–15 keVnr ≈ 3.5–18 PE).
T_LO = 1e-4
T_BREAKS = (1e-3, 3e-3, 6e-3, 1e-2, 1.5e-2, 2.5e-2)
# Photoelectron counts summed up to this value (mean PE ≤ 53 at the Cs endpoint: the Poisson tail beyond is < 1e-12).
N_PE_MAX = 160
# ν–e magnetic-moment response: electron recoils 0.1 keV (1.3 mean PE, below the 5-PE acceptance step) to 12 keV
# (160 mean PE: P(n < 50) < 1e-12), with breaks at the Cs and I shell edges inside.
ES_T_LO, ES_T_HI = 1e-4, 1.2e-2


def acceptance(x):
    """Analysis acceptance of the 2017 release at PE value ``x`` (yaml acceptanceEfficiency).

    f(x) = a / (1 + exp(−k (x − x0))) · H(x − 5), H = 0 for x < 5, ½ for 5 ≤ x < 6, 1 for x ≥ 6.
    """
    x = np.asarray(x, dtype=float)
    h = np.where(x < 5.0, 0.0, np.where(x < 6.0, 0.5, 1.0))
    return ACC_A / (1.0 + np.exp(-ACC_K * (x - ACC_X0))) * h


def poisson_pmf(n, mu):
    """P(n | μ) = μⁿ e^(−μ) / n! for integer arrays n ≥ 0 (log form, stable for large n)."""
    n = np.asarray(n, dtype=float)
    if mu <= 0.0:
        return (n == 0).astype(float)
    lg = np.array([math.lgamma(v + 1.0) for v in n.ravel()]).reshape(n.shape)
    return np.exp(n * math.log(mu) - mu - lg)


def pe_bin_weights(mu, n_bins=50):
    """Accepted probability in each 1-PE bin [b, b+1), b = 0 … n_bins−1, for a mean of ``mu`` photoelectrons.

    The number of photoelectrons n is Poisson(μ); the reconstructed (integrated-charge) PE value of an event with
    n photoelectrons is spread equally over the two 1-PE bins that meet at n, [n−1, n) and [n, n+1) (mean n);
    the acceptance of a 1-PE bin is f at its centre (yaml: "evaluated at 0.5 for the 1-PE bin").
    w_b = f(b + ½) · ½ [P(b | μ) + P(b + 1 | μ)].
    """
    n = np.arange(n_bins + 1)
    p = poisson_pmf(n, mu)
    b = np.arange(n_bins)
    return acceptance(b + 0.5) * 0.5 * (p[:-1] + p[1:])


def _fine_to_coarse(fine, edges=PE_EDGES):
    """Sum 1-PE bins [b, b+1) (last axis) into the bins ``edges`` (integer edges)."""
    out = np.zeros(fine.shape[:-1] + (edges.size - 1,))
    for i in range(edges.size - 1):
        out[..., i] = fine[..., int(edges[i]):int(edges[i + 1])].sum(axis=-1)
    return out


def _in_window(centres, window):
    return (centres > window[0]) & (centres < window[1])


# -- single-bin χ² (seed 003:275–277) ---------------------------------------------------------------------------
@jit
def single_bin_chi2(n_th, n_meas, b_0n, b_ss, s1, s2):
    """χ² = min_{a1,a2} [(N_meas − N_th(1+a1) − B_0n(1+a2))²/σ_stat² + (a1/σ_a1)² + (a2/σ_a2)²] (003:275–277).

    σ_stat² = N_meas + B_0n + 2 B_ss. The bracket is quadratic in (a1, a2), so the minimum is exact:
    with r = N_meas − N_th − B_0n and D = σ_stat² + N_th² σ_a1² + B_0n² σ_a2²,
    χ²_min = r²/D, a1 = r N_th σ_a1²/D, a2 = r B_0n σ_a2²/D.
    Returns (χ²_min, a1, a2).
    """
    var = n_meas + b_0n + 2.0 * b_ss
    r = n_meas - n_th - b_0n
    d = var + n_th * n_th * s1 * s1 + b_0n * b_0n * s2 * s2
    return r * r / d, r * n_th * s1 * s1 / d, r * b_0n * s2 * s2 / d


@jit
def _single_bin_profile(n_th, n_meas, b_0n, b_ss, s1, s2):
    """:func:`single_bin_chi2` at each N_th of ``n_th`` (n,): chi2 (n,), eta (n, 2) = (a1, a2)."""
    chi2 = np.empty(n_th.size)
    eta = np.empty((n_th.size, 2))
    for p in range(n_th.size):
        chi2[p], eta[p, 0], eta[p, 1] = single_bin_chi2(n_th[p], n_meas, b_0n, b_ss, s1, s2)
    return chi2, eta


@jit
def single_bin_chi2_points(theta, base, fp, q, gauss, z, n, src_flavour, resp, tfrac, n_meas, b_0n, b_ss, s1, s2):
    """Profiled single-bin χ² for each row θ = [sin²θ_W, norm, R_n(Cs), R_n(I)].

    N_th = norm · Σ_s P_s Σ_k A_k Σ_a B_ask Q_as² with ``resp`` (1, n_T) the accepted ROI response and
    ``tfrac`` (n_src,) each source's fraction in the ROI time window. Returns chi2 (n,), eta (n, 2), n_th (n,).
    """
    n_pts = theta.shape[0]
    n_iso = base.shape[0]
    n_th = np.empty(n_pts)
    rn = np.empty(n_iso)
    fn_cache = fn_cache_for(base)
    for p in range(n_pts):
        for a in range(n_iso):
            rn[a] = theta[p, 2 + a]
        e = cevns_source_spectra_cached(base, fp, q, gauss, z, n, src_flavour, theta[p, 0], rn, resp, fn_cache)
        acc = 0.0
        for s in range(e.shape[0]):
            acc += e[s, 0] * tfrac[s]
        n_th[p] = theta[p, 1] * acc
    chi2, eta = _single_bin_profile(n_th, n_meas, b_0n, b_ss, s1, s2)
    return chi2, eta, n_th


@jit
def single_bin_chi2_points_bsm(theta, base, base_mm, base_s, fp, q, gauss, q2, z, n, src_flavour, resp, tfrac, es_mm,
                               zp_cp, zp_cn, n_meas, b_0n, b_ss, s1, s2):
    """As :func:`single_bin_chi2_points` with every CEvNS model of
    :func:`cevns.kernels.rates.cevns_source_spectra_bsm`: θ rows [sin²θ_W, norm, R_n(Cs), R_n(I), coupling vector
    (N_COUPLINGS)]; ``es_mm`` (n_src, 1) the accepted ROI ν–e magnetic-moment counts per μ_B² of each source,
    added with μ² = cpl[17 + ℓ] + cpl[22 + s] before the normalisation (as in the binned BSM kernel).
    Returns chi2 (n,), eta (n, 2), n_th (n,).
    """
    n_pts = theta.shape[0]
    n_th = np.empty(n_pts)
    rn = np.empty(base.shape[0])
    cpl = np.empty(N_COUPLINGS)
    fn_cache = fn_cache_for(base)
    for p in range(n_pts):
        e = theta_row_spectra(theta, p, base, base_mm, base_s, fp, q, gauss, q2, z, n, src_flavour, resp, zp_cp,
                              zp_cn, es_mm, rn, cpl, fn_cache)
        acc = 0.0
        for s in range(e.shape[0]):
            acc += e[s, 0] * tfrac[s]
        n_th[p] = theta[p, 1] * acc
    chi2, eta = _single_bin_profile(n_th, n_meas, b_0n, b_ss, s1, s2)
    return chi2, eta, n_th


class CoherentCsI2017(CsIParameters, ModelExperiment):
    """COHERENT CsI 2017: binned PE × time Poisson likelihood (default) or the single-bin χ² of seed 003."""

    name = "coherent-csi-2017"
    description = "COHERENT CsI[Na] 2017 first observation, 14.6 kg at 19.3 m (arXiv:1708.01294, 1804.09459)"
    parameters = ("sin2w", "cevns_norm", "rn", "rn_cs", "rn_i", *SNS_PARAMETERS)
    source_flavours, source_label = SNS_FLAVOURS, SNS_SOURCE_LABEL
    models = tuple(MODELS)
    isotopes = ("Cs133", "I127")
    coupling_sources = SNS_SOURCE_SPEC  # kernel row: [sin²θ_W, norm, R_n(Cs), R_n(I), coupling vector] (theta_row)
    # channels: with "cevns+es" the ν–e magnetic-moment scattering on the Cs and I electrons is added (000:1384), as
    # for CsI 2021; the SM ν–e rate is negligible (< 1e-4 of CEvNS, 000:1415) and left out.
    OPTIONS = {"analysis": ("binned", ("binned", "single-bin")), "channels": ("cevns+es", ("cevns+es", "cevns"))}

    def __init__(self, analysis: str = "binned", n_per_piece: int = 16, n_min: int = 6, channels: str = "cevns+es"):
        if analysis not in self.OPTIONS["analysis"][1]:
            raise ConfigError(f"experiment '{self.name}': option analysis={analysis} not one of binned, single-bin")
        if channels not in self.OPTIONS["channels"][1]:
            raise ConfigError(f"experiment '{self.name}': option channels={channels} not one of cevns+es, cevns")
        self.analysis = analysis
        self.channels = channels
        self.options = {"analysis": analysis, "channels": channels}
        if analysis == "binned":
            self.nuisance_names = ("eta_cevns", "eta_brn", "eta_ss")
            self.components = ("cevns", "brn", "ss")
        else:
            self.nuisance_names = ("a1", "a2")
            self.components = ("cevns", "brn")
        cs, io = isotope("Cs133"), isotope("I127")
        n_csi = MASS_KG * 1e3 / (cs.atomic_mass_u + io.atomic_mass_u) * N_AVOGADRO
        self.targets = Targets([cs, io], [n_csi, n_csi], [RP_CS, RP_I])
        self.fluence = sns_fluence(NU_PER_POT, POT, BASELINE_M)

        self.t_nodes, self.t_weights = recoil_nodes(self.targets, T_LO, T_BREAKS, n_per_piece, n_min)
        self.base, self.fp, self.q, self.gauss = sns_node_weights(
            self.targets, self.fluence, self.t_nodes, self.t_weights
        )
        self.q2 = (self.q * HBARC) ** 2  # |q|² [MeV²]
        self.base_mm, self.base_s = sns_incoherent_weights(self.targets, self.fluence, self.t_nodes, self.t_weights)
        self.resp_fine = self._energy_response()  # (50, n_T) accepted 1-PE bins
        self.resp = np.ascontiguousarray(_fine_to_coarse(self.resp_fine.T).T)  # (25, n_T)
        self.time_frac = self._time_response()  # (3, 24)

        self.data = {key: self._load_counts(f) for key, f in DATA_FILES.items()}
        self.obs = self.data["c_on"].copy()
        self.ss = self._steady_state()
        self.brn = self._prompt_neutrons()
        self.sigmas = np.array([SIGMA_CEVNS, SIGMA_BRN, 1.0 / math.sqrt(self.data["ac_on"].sum())])

        # Single-bin ROI pieces.
        pe_c = 0.5 * (PE_EDGES[:-1] + PE_EDGES[1:])
        t_c = 0.5 * (TIME_EDGES[:-1] + TIME_EDGES[1:])
        self.roi_pe = _in_window(pe_c, ROI_PE)
        self.roi_t = _in_window(t_c, ROI_T)
        self.single_bin_t = _in_window(t_c, SINGLE_BIN_T)
        self.resp_roi = np.ascontiguousarray(self.resp[self.roi_pe].sum(axis=0)[None, :])
        self.tfrac_roi = np.ascontiguousarray(self.time_frac[:, self.single_bin_t].sum(axis=1))
        self.fit_pe = _in_window(pe_c, BINNED_PE)

        # ν–e magnetic-moment counts per μ_B² (3 sources, 25 PE bins; all arrival times): zeros without the channel.
        self.es_mm = (self._electron_mm_response(n_csi) if channels == "cevns+es" else np.zeros((3, N_PE)))
        self.es_mm_roi = np.ascontiguousarray(self.es_mm[:, self.roi_pe].sum(axis=1)[:, None])

    # -- inputs -------------------------------------------------------------------------------------------------
    @staticmethod
    def _load_counts(name):
        """(25, 24) counts of a released data file (rows PE-major, as released; beam-off files have a header)."""
        skip = 1 if "beamOff" in name else 0
        tab = datasets.load_table(DATASET, name, delimiter=",", skiprows=skip)
        pe_idx = np.rint((tab[:, 0] - 1.0) / 2.0).astype(int)
        t_idx = np.rint((tab[:, 1] - 0.25) / 0.5).astype(int)
        out = np.zeros((N_PE, N_TIME))
        np.add.at(out, (pe_idx, t_idx), tab[:, 2])
        return out

    def _energy_response(self):
        """A_bk: accepted probability that a recoil T_k lands in 1-PE bin b (mean PE = 1e3 T · QF · LY)."""
        out = np.empty((50, self.t_nodes.size))
        for k, t in enumerate(self.t_nodes):
            out[:, k] = pe_bin_weights(1e3 * t * QF * LIGHT_YIELD)
        return out

    def _electron_mm_response(self, n_molecules):
        """ν–e magnetic-moment counts per μ_B² (3 sources, 25 PE bins) on the 55 + 53 electrons of CsI.

        dσ/dT = Z_eff(T) (πα²/m_e²)(1/T − 1/E) (000:1384) with the stepped Z_eff of Cs and I (as CsI 2021,
        :func:`~cevns.scanner.experiments.sns.sns_electron_mm_rate`);
        electron recoils are not quenched: mean PE = 1e3 T · 13.348 (light yield in PE/keVee), then the same
        Poisson × acceptance 1-PE response as the nuclear recoils (:func:`pe_bin_weights`).
        """
        t_nodes, rate = sns_electron_mm_rate(("Cs", "I"), n_molecules, self.fluence, ES_T_LO, ES_T_HI)
        fine = np.empty((50, t_nodes.size))
        for k, t in enumerate(t_nodes):
            fine[:, k] = pe_bin_weights(1e3 * t * LIGHT_YIELD)
        return np.ascontiguousarray(_fine_to_coarse(rate @ fine.T))

    @staticmethod
    def _time_response():
        """P_sj from the released 0.5-µs arrival-time PDFs (prompt ν_μ; delayed ν_e and ν̄_μ share one PDF)."""
        prompt = datasets.load_table(DATASET, "arrivalTimePDF_promptNeutrinos.txt", delimiter=",")[:, 1]
        delayed = datasets.load_table(DATASET, "arrivalTimePDF_delayedNeutrinos.txt", delimiter=",")[:, 1]
        return np.ascontiguousarray(np.vstack([prompt, delayed, delayed]))

    def _steady_state(self):
        """Steady-state template: normalisation = AC beam-on total (same window length as the C data);
        shape = PE projection ⊗ time projection of all steady-state samples (AC beam-on, C and AC beam-off).

        Factorised so that the template carries no bin-by-bin Poisson noise; the time projection keeps the
        early-window excess that all three samples show (spec page, "Steady state").
        """
        ss = self.data["ac_on"] + self.data["c_off"] + self.data["ac_off"]
        pe = ss.sum(axis=1)
        tt = ss.sum(axis=0)
        return self.data["ac_on"].sum() * np.outer(pe / pe.sum(), tt / tt.sum())

    def _prompt_neutrons(self):
        """Prompt (beam-related) neutrons: released PE PDF × 7.47594 GWh × acceptance at the 1-PE bin centres,
        summed into 2-PE bins, × the released prompt-neutron arrival-time PDF."""
        pdf = datasets.load_table(DATASET, "promptPDF.txt", delimiter=",")
        fine = np.zeros(50)
        idx = np.rint(pdf[:, 0] - 0.5).astype(int)
        fine[idx] = pdf[:, 1] * EXPOSURE_GWH * acceptance(pdf[:, 0])
        tpdf = datasets.load_table(DATASET, "arrivalTimePDF_promptNeutrons.txt", delimiter=",")[:, 1]
        return np.outer(_fine_to_coarse(fine), tpdf)

    # -- predictions ----------------------------------------------------------------------------------------------
    def _source_energy_counts(self, params=None, model="sm"):
        """E_si (3, 25): CEvNS (+ ν–e magnetic moment) counts per source and PE bin, all arrival times, × norm."""
        th = self.theta_row(params, model)
        cpl = np.ascontiguousarray(th[4:])
        cp, cn = self.zprime_arrays(model)
        e = cevns_source_spectra_bsm(
            *sns_node_arrays(self), th[0], np.ascontiguousarray(th[2:4]), self.resp, cpl, cp, cn,
        )
        e += (cpl[17 + SNS_SOURCE_FLAVOUR] + cpl[22:25])[:, None] * self.es_mm  # ν–e magnetic moment
        return e * th[1]

    def sm_source_energy_counts(self, params: dict | None = None) -> np.ndarray:
        """E_si of the SM kernel :func:`cevns.kernels.rates.cevns_source_spectra` (base parameters only)."""
        theta = self.theta(params)
        return cevns_source_spectra(
            self.base, self.fp, self.q, self.gauss, self.targets.z, self.targets.n, SNS_SOURCE_FLAVOUR,
            theta[0], np.ascontiguousarray(theta[2:]), self.resp,
        ) * theta[1]

    def predict_binned(self, params: dict | None = None, model: str = "sm") -> dict[str, np.ndarray]:
        """Expected counts (25 PE × 24 time bins, 0–50 PE, 0–12 µs) of CEvNS, prompt neutrons, steady state."""
        e = self._source_energy_counts(params, model)
        cevns = fold_time(e, self.time_frac, np.empty((N_PE, N_TIME)))
        return {"cevns": cevns, "brn": self.brn.copy(), "ss": self.ss.copy()}

    def predict_cevns_by_flavour(self, params: dict | None = None, model: str = "sm") -> dict[str, np.ndarray]:
        """CEvNS counts of each SNS source, in the shape of :meth:`predict` for the selected analysis."""
        e = self._source_energy_counts(params, model)
        out = {}
        for s, name in enumerate(SNS_SOURCES):
            full = np.outer(e[s], self.time_frac[s])
            out[name] = full[self.fit_pe] if self.analysis == "binned" else np.array([self._single_bin(full)])
        return out

    def _single_bin(self, arr):
        """Sum of a (25, 24) array over the single-bin window (6–30 PE, 0–12 µs)."""
        return float(arr[np.ix_(self.roi_pe, self.single_bin_t)].sum())

    def predict(self, params: dict | None = None, model: str = "sm") -> dict[str, np.ndarray]:
        """Binned: (22, 24) arrays (6–50 PE, 0–12 µs) of cevns, brn (prompt neutrons), ss. Single-bin:
        one-element arrays of the CEvNS count N_th (6–30 PE, 0–12 µs) and the seed's B_0n = 6."""
        pred = self.predict_binned(params, model)
        if self.analysis == "binned":
            return {k: v[self.fit_pe] for k, v in pred.items()}
        return {"cevns": np.array([self._single_bin(pred["cevns"])]), "brn": np.array([B_0N])}

    def observed(self) -> np.ndarray:
        """Binned: C beam-on counts (22, 24) in 6–50 PE. Single-bin: the seed's N_meas = 142 (= C − AC in the ROI)."""
        if self.analysis == "binned":
            return self.obs[self.fit_pe].copy()
        return np.array([N_MEAS])

    def likelihood(self, names=(), fixed=None, model: str = "sm") -> CsI2017Likelihood:
        return CsI2017Likelihood(self, list(names), dict(fixed or {}), model)

    def data_checksums(self):
        return datasets.dataset_checksums(DATASET)


DATA_FILES = {
    "c_on": "data_coincidence_beamOn.txt",
    "ac_on": "data_anticoincidence_beamOn.txt",
    "c_off": "data_coincidence_beamOff.txt",
    "ac_off": "data_anticoincidence_beamOff.txt",
}


class CsI2017Likelihood(CsIKernelRows, ModelLikelihood):
    """Profiled χ² of :class:`CoherentCsI2017` over points whose columns are ``names`` (rest: ``fixed``).

    Points whose BSM couplings are all at their SM values go through the SM kernels (same numbers, faster); any
    other model or parameter through the BSM kernels (binned: :func:`binned_cevns_chi2_points_bsm`; single-bin:
    :func:`single_bin_chi2_points_bsm`).
    """

    def __init__(self, exp: CoherentCsI2017, names, fixed, model="sm"):
        self.bind(exp, names, fixed, model)
        self.analysis = exp.analysis
        common = (exp.base, exp.fp, exp.q, exp.gauss, exp.targets.z, exp.targets.n, SNS_SOURCE_FLAVOUR)
        cp, cn = exp.zprime_arrays(model)
        bsm = sns_node_arrays(exp)
        if self.analysis == "binned":
            rows = exp.fit_pe
            resp = np.ascontiguousarray(exp.resp[rows])
            self.arrays = (*common, resp, exp.time_frac)
            self.arrays_bsm = (*bsm, resp, exp.time_frac, np.zeros(int(rows.sum()) * N_TIME),
                               np.ascontiguousarray(exp.es_mm[:, rows]), cp, cn)
            self.bkg = np.vstack([exp.brn[rows].ravel(), exp.ss[rows].ravel()])
            self.obs = exp.obs[rows].ravel().copy()
            self.sigmas = exp.sigmas.copy()
        else:
            self.arrays = (*common, exp.resp_roi, exp.tfrac_roi)
            self.arrays_bsm = (*bsm, exp.resp_roi, exp.tfrac_roi, exp.es_mm_roi, cp, cn)

    def evaluate(self, points):
        theta = self.theta(points)
        sm = self._sm_only()
        th_sm = np.ascontiguousarray(theta[:, :4])
        if self.analysis == "binned":
            if sm:
                chi2, eta, status = binned_cevns_chi2_points(th_sm, *self.arrays, self.bkg, self.obs, self.sigmas)
            else:
                chi2, eta, status = binned_cevns_chi2_points_bsm(theta, *self.arrays_bsm, self.bkg, self.obs,
                                                                 self.sigmas)
        else:
            consts = (N_MEAS, B_0N, B_SS, SIGMA_A1, SIGMA_A2)
            if sm:
                chi2, eta, _ = single_bin_chi2_points(th_sm, *self.arrays, *consts)
            else:
                chi2, eta, _ = single_bin_chi2_points_bsm(theta, *self.arrays_bsm, *consts)
            status = np.zeros(theta.shape[0], dtype=np.int64)
        self.last_status = status
        return chi2, eta
