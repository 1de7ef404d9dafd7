"""COHERENT CsI[Na] 2021 (Akimov et al., PRL 129, 081801 (2022), arXiv:2110.07730) on its public data release.

The full specification, with every input and choice, is docs/physics/coherent-csi-2021.md. In short: 14.6 kg CsI
at 19.3 m, 3.198e23 POT, 0.0848 ν per flavour per POT; release quenching polynomial, gamma PE resolution
(13.35 PE/keVee), release efficiency, timing efficiency; 9 PE × 11 time bins; BRN (18.4) and NIN (5.6) from the
released PDFs; steady state from the anti-coincidence data; Poisson χ² of seed 000:1094 (eq. (10)) with four
profiled normalisation nuisances (0.12, 0.25, 0.35, 0.021).
"""

from __future__ import annotations

import numpy as np

from cevns.kernels.binned import binned_cevns_chi2_points_bsm, binned_cevns_chi2_points_extra
from cevns.kernels.constants import HBARC_MEV_FM as HBARC
from cevns.kernels.constants import N_AVOGADRO
from cevns.kernels.cross_sections import axial_charge
from cevns.kernels.detector import pe_bin_response, polynomial_quenching, time_bin_fractions
from cevns.kernels.nuclear import isotope, spin_excess
from cevns.kernels.quadrature import gauss_legendre
from cevns.kernels.rates import N_COUPLINGS, cevns_source_spectra_bsm, fold_time

from .. import datasets
from ..errors import ConfigError
from ..models import MODELS, coupling_columns, model_parameters
from .base import ModelExperiment, ModelLikelihood
from .sns import (
    SNS_FLAVOURS,
    SNS_PARAMETERS,
    SNS_SOURCE_FLAVOUR,
    SNS_SOURCE_LABEL,
    SNS_SOURCE_SPEC,
    SNS_SOURCES,
    Targets,
    recoil_nodes,
    sns_axial_weights,
    sns_electron_mm_rate,
    sns_fluence,
    sns_incoherent_weights,
    sns_node_weights,
)

__all__ = ["CoherentCsI2021", "CsIKernelRows", "rebin", "bin_events"]

DATASET = "coherent-csi-2021"

# Exposure and detector (PROVENANCE; third-party analysis values, see the spec page).
MASS_KG = 14.6
BASELINE_M = 19.3
POT = 3.198e23
# ν per flavour per POT: 0.09, which reproduces the collaboration's SM expectation of 341 events (000:143) and the
# seed fits; the third-party 0.0848 of PROVENANCE gives 6 % fewer events (see docs/physics/coherent-csi-2021.md).
NU_PER_POT = 0.09
# Seed 000:1192–1194: proton rms radii.
RP_CS, RP_I = 4.821, 4.766
# Resolution coefficients (seed 000:668; PROVENANCE): a = 0.0749/E_ee, b = 9.56 E_ee, E_ee in keVee.
RES_A, RES_B = 0.0749, 9.56
# Timing efficiency (PROVENANCE) and SNS proton trace: Gaussian of width 0.15 µs (CENNS-10 yaml
# snsPOTTraceTiming), mean 0.53 µs calibrated on the CsI data within the yaml's 0.44 ± 0.20 µs
# (scripts/csi2021_timing_calibration.py; spec page "Timing").
TIME_EFF_T0, TIME_EFF_LAMBDA = 0.52, 0.0494
POT_TRACE_MU, POT_TRACE_SIGMA = 0.53, 0.15
# Background priors in the ROI (seed 000:138–140) and nuisance widths of eq. (10) (000:1096).
BRN_EVENTS, NIN_EVENTS = 18.4, 5.6
SIGMAS = np.array([0.12, 0.25, 0.35, 0.021])

PE_EDGES = np.array([0.0, 8, 12, 16, 20, 24, 32, 40, 50, 60])
TIME_EDGES = np.array([0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1.0, 2.0, 4.0, 6.0])

# Lowest recoil energy of the node grid [MeV]: 0.5 keVnr gives 0.35 PE on average, far below the efficiency
# threshold at 7.07 PE (the quad reference finds < 1e-8 relative from below 0.5 mean PE).
T_LO = 5e-4


def bin_events(pe, t, pe_edges=PE_EDGES, t_edges=TIME_EDGES):
    """Count events in half-open [lo, hi) bins of PE × time; events outside the edges are dropped."""
    i = np.searchsorted(pe_edges, pe, side="right") - 1
    j = np.searchsorted(t_edges, t, side="right") - 1
    ok = (i >= 0) & (i < pe_edges.size - 1) & (j >= 0) & (j < t_edges.size - 1)
    out = np.zeros((pe_edges.size - 1, t_edges.size - 1))
    np.add.at(out, (i[ok], j[ok]), 1.0)
    return out


def rebin(centres, values, width, edges):
    """Rebin a fine histogram (bins of ``width`` around ``centres``) onto ``edges`` by overlap fraction."""
    lo = centres - 0.5 * width
    hi = centres + 0.5 * width
    out = np.zeros(edges.size - 1)
    for b in range(edges.size - 1):
        overlap = np.clip(np.minimum(hi, edges[b + 1]) - np.maximum(lo, edges[b]), 0.0, None) / width
        out[b] = np.sum(values * overlap)
    return out


class CsIParameters:
    """The SM kernel row of a CsI experiment (2021 and 2017) from a parameter dictionary."""

    def theta(self, params: dict | None = None) -> np.ndarray:
        """Kernel parameter row [sin²θ_W, norm, R_n(Cs), R_n(I)] from a parameter dictionary."""
        p = self.defaults()
        p.update(self.check_params(params or {}))
        if "rn" in p:
            p["rn_cs"] = p["rn_i"] = p["rn"]
        return np.array([p["sin2w"], p["cevns_norm"], p["rn_cs"], p["rn_i"]])


class CoherentCsI2021(CsIParameters, ModelExperiment):
    """COHERENT CsI 2021: 9 PE × 11 time bins, CEvNS + BRN + NIN + SS, eq. (10) of seed 000."""

    name = "coherent-csi-2021"
    description = "COHERENT CsI[Na] 2021 full dataset, 14.6 kg at 19.3 m (arXiv:2110.07730)"
    parameters = ("sin2w", "cevns_norm", "rn", "rn_cs", "rn_i", *SNS_PARAMETERS)
    source_flavours, source_label = SNS_FLAVOURS, SNS_SOURCE_LABEL
    models = tuple(MODELS)
    nuisance_names = ("eta_cevns", "eta_brn", "eta_nin", "eta_ss")
    components = ("cevns", "brn", "nin", "ss")
    isotopes = ("Cs133", "I127")
    # axial: add the axial-current term of the odd-proton nuclei ¹³³Cs and ¹²⁷I (seed 003:92; ~1e-3 relative).
    # channels: with "cevns+es" the ν–e magnetic-moment scattering on the Cs and I electrons is added (000:1384);
    # the SM ν–e rate is negligible here (< 1e-4 of CEvNS, 000:1415) and left out.
    # trace_mean: mean of the SNS proton trace [µs] behind the arrival-time PDFs (default: the value calibrated on
    # these data, scripts/csi2021_timing_calibration.py; the CENNS-10 yaml gives 0.44 ± 0.20). The ν_e-only
    # parameters (charge radius, millicharge, magnetic moment of ν_e) depend on it through the prompt/delayed split.
    OPTIONS: dict = {"axial": ("off", ("off", "on")), "channels": ("cevns+es", ("cevns+es", "cevns")),
                     "trace_mean": (POT_TRACE_MU, float)}

    def __init__(self, n_per_piece: int = 16, n_min: int = 6, axial: str = "off", channels: str = "cevns+es",
                 trace_mean: float = POT_TRACE_MU):
        trace_mean = float(trace_mean)
        if not 0.0 <= trace_mean <= 2.0:
            raise ConfigError(f"experiment 'coherent-csi-2021': option trace_mean={trace_mean} µs outside [0, 2]")
        self.options = {"axial": axial, "channels": channels,
                        **({} if trace_mean == POT_TRACE_MU else {"trace_mean": trace_mean})}
        self.trace_mean = trace_mean
        cs, io = isotope("Cs133"), isotope("I127")
        n_csi = MASS_KG * 1e3 / (cs.atomic_mass_u + io.atomic_mass_u) * N_AVOGADRO
        self.targets = Targets([cs, io], [n_csi, n_csi], [RP_CS, RP_I])
        self.fluence = sns_fluence(NU_PER_POT, POT, BASELINE_M)
        self.quenching = datasets.load_table(DATASET, "scintRespCoefficients.txt")[0]
        self.efficiency = datasets.load_table(DATASET, "effCoefficients.txt")[0]

        # Recoil nodes; an extra break at 3 keVnr separates the sub-threshold region.
        self.t_nodes, self.t_weights = recoil_nodes(self.targets, T_LO, (3e-3,), n_per_piece, n_min)
        self.base, self.fp, self.q, self.gauss = sns_node_weights(
            self.targets, self.fluence, self.t_nodes, self.t_weights
        )
        self.q2 = (self.q * HBARC) ** 2  # |q|² [MeV²]
        self.base_mm, self.base_s = sns_incoherent_weights(self.targets, self.fluence, self.t_nodes, self.t_weights)
        self.resp = self._energy_response()
        self.time_frac = self._time_response()
        n_csi_targets = self.targets.count[0]
        self.es_mm = (self._electron_mm_response(n_csi_targets) if channels == "cevns+es"
                      else np.zeros((3, PE_EDGES.size - 1)))
        self.axial = np.zeros((PE_EDGES.size - 1, TIME_EDGES.size - 1))
        if axial == "on":
            qa = np.array([axial_charge(*spin_excess(n)[1:]) for n in self.isotopes])
            base_ax = sns_axial_weights(self.targets, self.fluence, self.t_nodes, self.t_weights, qa)
            e_ax = np.einsum("ik,ask->si", self.resp, base_ax)
            self.axial = fold_time(e_ax, self.time_frac, np.empty_like(self.axial))

        c = datasets.load_table(DATASET, "dataBeamOnC.txt")
        ac = datasets.load_table(DATASET, "dataBeamOnAC.txt")
        self.obs = bin_events(c[:, 0], c[:, 1])
        # Steady state is uniform in time: AC PE spectrum × (bin width / 6 µs) (spec page, "Backgrounds").
        ac_pe = bin_events(ac[:, 0], ac[:, 1]).sum(axis=1)
        self.ss = np.outer(ac_pe, np.diff(TIME_EDGES) / (TIME_EDGES[-1] - TIME_EDGES[0]))
        self.brn = BRN_EVENTS * self._background_shape("brnPE.txt", "brnTrec.txt")
        self.nin = NIN_EVENTS * self._background_shape("ninPE.txt", "ninTrec.txt")

    # -- response construction (once) ---------------------------------------------------------------------------
    def _energy_response(self):
        """A_ik: probability that a recoil T_k gives a reconstructed, accepted PE value in bin i."""
        a, b, c, d = self.efficiency
        # Efficiency crosses zero at x₀ (clipped below): split the PE integration there.
        x0 = c - np.log(-a / d - 1.0) / b if d < 0 else 0.0
        sub_edges = np.unique(np.concatenate([PE_EDGES, [x0] if 0 < x0 < PE_EDGES[-1] else []]))
        owner = np.searchsorted(PE_EDGES, sub_edges[:-1], side="right") - 1
        xn, xw = gauss_legendre(48, 0.0, 1.0)
        resp = np.zeros((PE_EDGES.size - 1, self.t_nodes.size))
        for k, t in enumerate(self.t_nodes):
            e_kevee = 1e3 * polynomial_quenching(t, self.quenching)
            sub = pe_bin_response(e_kevee, sub_edges, xn, xw, self.efficiency, RES_A, RES_B)
            np.add.at(resp[:, k], owner, sub)
        return resp

    def _pe_response_at(self, e_kevee):
        """Probability of a reconstructed, accepted PE value in each analysis bin for deposited E_ee [keVee]."""
        a, b, c, d = self.efficiency
        x0 = c - np.log(-a / d - 1.0) / b if d < 0 else 0.0
        sub_edges = np.unique(np.concatenate([PE_EDGES, [x0] if 0 < x0 < PE_EDGES[-1] else []]))
        owner = np.searchsorted(PE_EDGES, sub_edges[:-1], side="right") - 1
        xn, xw = gauss_legendre(48, 0.0, 1.0)
        out = np.zeros(PE_EDGES.size - 1)
        np.add.at(out, owner, pe_bin_response(e_kevee, sub_edges, xn, xw, self.efficiency, RES_A, RES_B))
        return out

    def _electron_mm_response(self, n_molecules):
        """ν–e magnetic-moment counts per μ_B² (3 sources, 9 PE bins) on the 55 + 53 electrons of CsI.

        dσ/dT = Z_eff(T) (πα²/m_e²)(1/T − 1/E) (000:1384) with the stepped Z_eff of Cs and I
        (:func:`~cevns.scanner.experiments.sns.sns_electron_mm_rate`); electron recoils are not quenched (E_ee = T).
        """
        # Recoils 0.1 keV (≈ 1 PE) to 12 keV (160 PE, > 6σ above the 60-PE window).
        t_nodes, rate = sns_electron_mm_rate(("Cs", "I"), n_molecules, self.fluence, 1e-4, 1.2e-2)
        resp = np.array([self._pe_response_at(1e3 * t) for t in t_nodes]).T  # (9, n_T)
        return rate @ resp.T

    def _time_response(self):
        """P_sj: fraction of source s arriving (and accepted by the timing efficiency) in time bin j."""
        tn, tw = gauss_legendre(48, 0.0, 1.0)
        args = (TIME_EDGES, tn, tw, self.trace_mean, POT_TRACE_SIGMA, TIME_EFF_T0, TIME_EFF_LAMBDA)
        prompt = time_bin_fractions(0, *args)
        delayed = time_bin_fractions(1, *args)
        return np.vstack([prompt, delayed, delayed])

    def _background_shape(self, pe_file, t_file):
        pe = datasets.load_table(DATASET, pe_file)
        tr = datasets.load_table(DATASET, t_file)
        e_shape = rebin(pe[:, 0], pe[:, 1], 1.0, PE_EDGES)
        t_shape = rebin(tr[:, 0], tr[:, 1], 0.01, TIME_EDGES)
        return np.outer(e_shape / e_shape.sum(), t_shape / t_shape.sum())

    # -- predictions ----------------------------------------------------------------------------------------------
    def _source_energy_counts(self, params, model="sm"):
        """Vector-current CEvNS counts per source and PE bin (the axial term is added in :meth:`predict`)."""
        params = dict(params or {})
        theta = self.theta({k: v for k, v in params.items() if k not in model_parameters(model)})
        values = self.check_params(params, model)
        cpl = coupling_columns(model, values, 1, sources=SNS_SOURCE_SPEC)[0]
        cp, cn = self.zprime_arrays(model)
        e = cevns_source_spectra_bsm(
            self.base, self.base_mm, self.base_s, self.fp, self.q, self.gauss, self.q2, self.targets.z,
            self.targets.n, SNS_SOURCE_FLAVOUR, theta[0], np.ascontiguousarray(theta[2:]), self.resp, cpl, cp, cn,
        )
        e += (cpl[17 + SNS_SOURCE_FLAVOUR] + cpl[22:25])[:, None] * self.es_mm  # ν–e magnetic moment
        return e * theta[1], theta[1]

    def predict_cevns_by_flavour(self, params: dict | None = None, model: str = "sm") -> dict[str, np.ndarray]:
        """CEvNS counts (9, 11) of each SNS source: "numu" (prompt), "nue", "numubar" (delayed)."""
        e, _ = self._source_energy_counts(params, model)
        return {name: np.outer(e[s], self.time_frac[s]) for s, name in enumerate(SNS_SOURCES)}

    def predict(self, params: dict | None = None, model: str = "sm") -> dict[str, np.ndarray]:
        """Expected counts (9 PE × 11 time bins) of each component at η = 0."""
        e, norm = self._source_energy_counts(params, model)
        cevns = fold_time(e, self.time_frac, np.empty((PE_EDGES.size - 1, TIME_EDGES.size - 1)))
        cevns += norm * self.axial
        return {"cevns": cevns, "brn": self.brn.copy(), "nin": self.nin.copy(), "ss": self.ss.copy()}

    def observed(self) -> np.ndarray:
        return self.obs.copy()

    def likelihood(self, names=(), fixed=None, model: str = "sm") -> CsILikelihood:
        return CsILikelihood(self, list(names), dict(fixed or {}), model)

    def data_checksums(self):
        return datasets.dataset_checksums(DATASET)


class CsIKernelRows:
    """Kernel rows of the CsI likelihoods (2021 and 2017): [sin²θ_W, norm, R_n(Cs), R_n(I), coupling vector], and
    their name check (:meth:`check_names` of :class:`~cevns.scanner.experiments.base.ModelLikelihood`).

    Needs ``names``, ``fixed``, ``defaults`` and ``model`` on the likelihood.
    """

    def check_names(self, names, fixed) -> None:
        """Refuse the common radius ``rn`` together with a per-isotope one (``rn_cs``, ``rn_i``)."""
        if "rn" in (*names, *fixed) and ({"rn_cs", "rn_i"} & {*names, *fixed}):
            raise ConfigError("give either 'rn' (common radius) or 'rn_cs'/'rn_i', not both")

    def theta(self, points) -> np.ndarray:
        """Kernel rows [sin²θ_W, norm, R_n(Cs), R_n(I), coupling vector] for an (n, len(names)) array."""
        pts = self.points_array(points)
        n = pts.shape[0]
        vals = {**self.defaults, **self.fixed, **{k: pts[:, c] for c, k in enumerate(self.names)}}
        if "rn" in vals:
            vals["rn_cs"] = vals["rn_i"] = vals["rn"]
        theta = np.empty((n, 4 + N_COUPLINGS))
        for c, k in enumerate(("sin2w", "cevns_norm", "rn_cs", "rn_i")):
            theta[:, c] = vals[k]
        theta[:, 4:] = coupling_columns(self.model, vals, n, sources=SNS_SOURCE_SPEC)
        return theta

    def _sm_only(self) -> bool:
        """True when no BSM coupling can be non-zero: the SM kernel then gives the same numbers, faster."""
        if self.model != "sm":
            return False
        sm_names = {"sin2w", "cevns_norm", "rn", "rn_cs", "rn_i"}
        if any(n not in sm_names for n in self.names):
            return False
        cpl = coupling_columns("sm", self.fixed, 1, sources=SNS_SOURCE_SPEC)[0]
        return bool(np.all(cpl == coupling_columns("sm", {}, 1, sources=SNS_SOURCE_SPEC)[0]))


class CsILikelihood(CsIKernelRows, ModelLikelihood):
    """Profiled χ² of :class:`CoherentCsI2021` over points whose columns are ``names`` (rest: ``fixed``)."""

    def __init__(self, exp: CoherentCsI2021, names, fixed, model="sm"):
        self.bind(exp, names, fixed, model)
        cp, cn = exp.zprime_arrays(model)
        self.arrays = (exp.base, exp.base_mm, exp.base_s, exp.fp, exp.q, exp.gauss, exp.q2, exp.targets.z,
                       exp.targets.n, SNS_SOURCE_FLAVOUR, exp.resp, exp.time_frac, exp.axial.ravel().copy(), exp.es_mm,
                       cp, cn)
        self.bkg = np.vstack([exp.brn.ravel(), exp.nin.ravel(), exp.ss.ravel()])
        self.obs = exp.obs.ravel().copy()
        self.profile = True  # False: nuisances held at 0 (scan files' nuisances = "fixed")

    def evaluate(self, points):
        theta = self.theta(points)
        sigmas = SIGMAS if self.profile else np.zeros_like(SIGMAS)
        if self._sm_only():
            a = self.arrays  # (base, base_mm, base_s, fp, q, gauss, q2, z, n, flavour, resp, time_frac, extra, ...)
            chi2, eta, status = binned_cevns_chi2_points_extra(
                np.ascontiguousarray(theta[:, :4]), a[0], a[3], a[4], a[5], a[7], a[8], a[9], a[10], a[11], a[12],
                self.bkg, self.obs, sigmas)
        else:
            chi2, eta, status = binned_cevns_chi2_points_bsm(theta, *self.arrays, self.bkg, self.obs, sigmas)
        self.last_status = status
        return chi2, eta
