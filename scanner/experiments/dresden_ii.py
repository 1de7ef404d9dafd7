"""Dresden-II: reactor ν̄_e on the 2.924 kg Ge detector NCC-1701 (Colaresi et al., PRL 129, 211802 (2022),
arXiv:2202.09672), on the public Rx-ON spectrum (130 bins of 10 eV, 0.2–1.5 keVee).

The full specification, with every input and choice, is docs/physics/dresden-ii.md. In short: natural Ge at
10.39 m from a 2.96 GW_th core, fission fractions 0.58/0.29/0.08/0.05 (²³⁵U/²³⁹Pu/²³⁸U/²⁴¹Pu), 0.6 ²³⁸U captures
per fission; reactor spectra HMVE (default), HMK or EFK (:mod:`cevns.scanner.reactor_fluxes`); quenching Fef
(default), YBe or Lindhard(k); Gaussian resolution σ² = σ_n² + ηFE; CEvNS on the five Ge isotopes (Helm) plus
ν̄_e–e scattering with the stepped Z_eff(T_e) (electron recoils unquenched); background ⁷¹Ge L1/L2/M EC peaks plus
epithermal-neutron exponential with 8 profiled nuisances; Gaussian χ² with the released errors.

Rates are counts per 10-eV bin per day (the release's unit), so every prediction here is per day.
"""

from __future__ import annotations

import numpy as np

from cevns.kernels.atomic import shell_arrays
from cevns.kernels.constants import M_ELECTRON, N_AVOGADRO
from cevns.kernels.couplings import FLAVOUR_E
from cevns.kernels.cross_sections import CEVNS_PREFACTOR, e_min, momentum_transfer, t_max
from cevns.kernels.electron_scattering import ES_MM_PREFACTOR, ES_SM_PREFACTOR, es_e_min, z_eff
from cevns.kernels.form_factors import HELM_S, helm
from cevns.kernels.nuclear import element
from cevns.kernels.quadrature import piecewise_gauss_legendre
from cevns.kernels.reactor import (
    dresden_background,
    dresden_chi2_points,
    dresden_fit,
    dresden_signal,
    gauss_bin_response,
    ge_resolution,
    lindhard_quenching,
    pl_moments_at,
)

from .. import datasets
from .. import reactor_fluxes as rf
from ..errors import ConfigError
from ..likelihood import Likelihood
from .base import Experiment
from .sns import Targets

__all__ = ["DresdenII", "DresdenLikelihood"]

DATASET = "dresden-ii-2022"

# Detector and exposure (PROVENANCE; paper; seed 004:272–281).
MASS_KG = 2.924
BASELINE_M = 10.39
POWER_W = 2.96e9
DAYS_ON, DAYS_OFF = 96.4, 25.0
SECONDS_PER_DAY = 86400.0
# Resolution σ² = σ_n² + η F E (PROVENANCE), in keV.
SIGMA_N_KEV = 0.0685
ETA_KEV = 2.96e-3
FANO = 0.11
BIN_WIDTH_KEV = 0.010
LINDHARD_K = 0.157  # seed 000:486
GE_Z = 32.0
QF_TABLE_MAX_KEV = 4.5

BKG_NAMES = ("bkg_a", "bkg_b", "bkg_c", "l1_height", "l1_centre", "l1_width", "a_m", "eta_flux")


class DresdenII(Experiment):
    """Dresden-II Rx-ON spectrum: CEvNS + ν̄_e–e on natural Ge, ⁷¹Ge EC peaks and epithermal-neutron background."""

    name = "dresden-ii"
    description = "Dresden-II reactor ν̄e on 2.924 kg Ge (NCC-1701) at 10.39 m, Rx-ON 96.4 d (arXiv:2202.09672)"
    parameters = ("sin2w", "cevns_norm", "rn_ge")
    nuisance_names = BKG_NAMES
    OPTIONS = {"qf": ("fef", ("fef", "ybe", "lindhard")), "flux": ("hmve", ("hmve", "hmk", "efk")),
               "k": (LINDHARD_K, float)}

    def __init__(self, qf: str = "fef", flux: str = "hmve", k: float = LINDHARD_K, n_per_piece: int = 24):
        for key, val in (("qf", qf), ("flux", flux)):
            allowed = self.OPTIONS[key][1]
            if val not in allowed:
                raise ConfigError(f"experiment 'dresden-ii': option {key}={val} not one of {', '.join(allowed)}")
        k = float(k)
        if not (np.isfinite(k) and k > 0):
            raise ConfigError(f"experiment 'dresden-ii': option k={k} must be a positive number")
        self.options = {"qf": qf, "flux": flux, "k": k}
        self.qf_model, self.flux_model, self.k = qf, flux, k

        # Targets: natural Ge (IUPAC abundances, kernels/nuclear.py); R_p from the charge radii.
        iso = element("Ge")
        molar = sum(f * i.atomic_mass_u for i, f in iso)  # g/mol
        self.n_ge = MASS_KG * 1e3 / molar * N_AVOGADRO
        self.targets = Targets([i for i, _ in iso], [f * self.n_ge for _, f in iso], [i.proton_radius for i, _ in iso])
        self.rn_default = self.targets.rp.copy()  # default R_n = R_p (Dresden-II is insensitive, spec page)

        # Reactor: fissions cm⁻² s⁻¹ and spectrum per fission.
        self.fission_density = rf.fission_rate_density(POWER_W, BASELINE_M)
        self.e_nu, self.spectrum = rf.reactor_spectrum(flux)
        self.exposure = self.fission_density * SECONDS_PER_DAY  # fissions cm⁻² per day

        # Data (counts per 10-eV bin per day, Rx-ON average over 96.4 d, Rx-OFF over 25 d).
        d = datasets.load_table(DATASET, "data_release.txt")
        self.e_centres = d[:, 0].copy()
        self.edges = np.append(self.e_centres - 0.5 * BIN_WIDTH_KEV, self.e_centres[-1] + 0.5 * BIN_WIDTH_KEV)
        self.obs, self.err = d[:, 1].copy(), d[:, 2].copy()
        self.obs_off, self.err_off = d[:, 3].copy(), d[:, 4].copy()
        self.qf_table = datasets.load_table(DATASET, "QF_Fef_YBe.txt")

        self._build_cevns(n_per_piece)
        self._build_es(n_per_piece)
        self.p0 = self._start_point()

    # -- quenching ------------------------------------------------------------------------------------------------
    def quenching(self, t_kev):
        """f_Q(T_nr) of the chosen model; tables interpolated linearly, Lindhard(k) beyond 4.5 keVnr."""
        t = np.atleast_1d(np.asarray(t_kev, dtype=float))
        lind = np.array([lindhard_quenching(x, GE_Z, self.k if self.qf_model == "lindhard" else LINDHARD_K)
                         for x in t])
        if self.qf_model == "lindhard":
            return lind
        col = 1 if self.qf_model == "fef" else 2
        tab = np.interp(t, self.qf_table[:, 0], self.qf_table[:, col])
        return np.where(t <= QF_TABLE_MAX_KEV, tab, lind)

    # -- response construction (once) ----------------------------------------------------------------------------
    def _nr_nodes(self, n_per_piece):
        tmax = [t_max(self.e_nu[-1], m) for m in self.targets.mass]
        lo = [1e-8, 1e-7, 1e-6, 1e-5, 3e-5, 1e-4, 2e-4]
        mid = np.linspace(3e-4, min(tmax), 9)
        return piecewise_gauss_legendre([*lo, *mid, *tmax], n_per_piece, 8)

    def _build_cevns(self, n_per_piece):
        tg = self.targets
        self.t_nodes, self.t_weights = self._nr_nodes(n_per_piece)
        t = self.t_nodes
        n_iso, n_t = len(tg.names), t.size
        self.base = np.zeros((n_iso, 1, n_t))
        self.fp = np.empty((n_iso, n_t))
        self.q = np.empty((n_iso, n_t))
        mm_nodes = np.zeros(n_t)
        for a in range(n_iso):
            m = tg.mass[a]
            emin = np.array([e_min(x, m) for x in t])
            mom = pl_moments_at(self.e_nu, self.spectrum, emin)
            kin = mom[0] - t * mom[1] - 0.5 * m * t * mom[2]
            self.base[a, 0] = self.t_weights * tg.count[a] * self.exposure * CEVNS_PREFACTOR * m * np.maximum(kin, 0)
            self.q[a] = [momentum_transfer(x, m) for x in t]
            self.fp[a] = [helm(qq, tg.rp[a]) for qq in self.q[a]]
            # Magnetic moment (004:280): (πα²/m_e²)(1/T − 1/E) Z² F_p², flux part Φ0/T − Φ1.
            mm_nodes += (self.t_weights * tg.count[a] * self.exposure * ES_MM_PREFACTOR * tg.z[a] ** 2
                         * self.fp[a] ** 2 * np.maximum(mom[0] / t - mom[1], 0.0))
        self.gauss = np.exp(-0.5 * self.q * self.q * HELM_S * HELM_S)
        self.e_ee_nr = 1e3 * t * self.quenching(1e3 * t)  # keVee
        self.resp_nr = self._response(self.e_ee_nr)
        self.mm_cevns = self.resp_nr @ mm_nodes

    def _build_es(self, n_per_piece):
        thr, cnt = shell_arrays("Ge")
        top = 1e-3 * (self.edges[-1] + 8 * ge_resolution(self.edges[-1], SIGMA_N_KEV, ETA_KEV, FANO))
        breaks = [1e-6, *[b for b in thr if b < top], 3e-5, 6e-5, 1e-4, 2e-4, 4e-4, 7e-4, 1e-3, top]
        self.te_nodes, self.te_weights = piecewise_gauss_legendre(breaks, n_per_piece // 2, 6)
        t = self.te_nodes
        zeff = np.array([z_eff(x, thr, cnt) for x in t])
        mom = pl_moments_at(self.e_nu, self.spectrum, np.array([es_e_min(x) for x in t]))
        w = self.te_weights * self.n_ge * self.exposure * zeff
        pieces = np.vstack([mom[0], mom[0] - 2 * t * mom[1] + t * t * mom[2], M_ELECTRON * t * mom[2]])
        self.resp_ee = self._response(1e3 * t)
        self.es_arr = ES_SM_PREFACTOR * (self.resp_ee @ (w * pieces).T).T.copy()
        self.mm_es = ES_MM_PREFACTOR * self.resp_ee @ (w * np.maximum(mom[0] / t - mom[1], 0.0))

    def _response(self, e_true_kev):
        """R_ik = ∫_{bin i} N(E; E_k, σ(E_k)) dE (Gaussian truncated at 0)."""
        out = np.zeros((self.edges.size - 1, e_true_kev.size))
        col = np.empty(self.edges.size - 1)
        for k, e in enumerate(e_true_kev):
            out[:, k] = gauss_bin_response(e, ge_resolution(e, SIGMA_N_KEV, ETA_KEV, FANO), self.edges, col)
        return out

    def _start_point(self):
        """Start of the nuisance fit for every point: the background fit at the SM signal."""
        e, y = self.e_centres, self.obs
        flat = float(np.median(y[(e > 0.8) & (e < 1.05)]))
        c = 6.0
        b = max(float(y[0]) - flat, 1.0) * np.exp(c * e[0])
        p = np.array([flat, b, c, float(y.max()) - flat, 1.297, 0.08, 1.0, 0.0])
        sig = self._signal(self.theta({}))
        dresden_fit(e, y, self.err, sig, p, SIGMA_N_KEV)
        return p

    # -- parameters -----------------------------------------------------------------------------------------------
    def theta(self, params: dict | None = None) -> np.ndarray:
        """Kernel row [sin²θ_W, norm, R_n of the five Ge isotopes]."""
        p = self.defaults()
        p.update(self.check_params(params or {}))
        rn = np.full(len(self.targets.names), p["rn_ge"]) if "rn_ge" in p else self.rn_default
        return np.concatenate([[p["sin2w"], p["cevns_norm"]], rn])

    def _signal(self, theta, norm=None, es=True):
        out = np.empty(self.e_centres.size)
        es_arr = self.es_arr if es else np.zeros_like(self.es_arr)
        dresden_signal(self.base, self.fp, self.q, self.gauss, self.targets.z, self.targets.n,
                       np.array([FLAVOUR_E]), theta[0], theta[1] if norm is None else norm,
                       np.ascontiguousarray(theta[2:]), self.resp_nr, es_arr, out)
        return out

    # -- predictions ----------------------------------------------------------------------------------------------
    def predict(self, params: dict | None = None) -> dict[str, np.ndarray]:
        """Counts per bin per day: CEvNS and ES at the nominal flux; background components at their profiled
        values for this parameter point."""
        params = self.check_params(params or {})
        th = self.theta(params)
        es = self._signal(th, norm=0.0)
        cevns = self._signal(th, es=False)
        _, p = self.chi2(params)
        e = self.e_centres
        zero = np.array([p[0], p[1], p[2], 0.0, p[4], p[5], 0.0, 0.0])
        epi = dresden_background(e, zero, SIGMA_N_KEV, np.empty(e.size))
        l1 = p[3] * np.exp(-0.5 * ((e - p[4]) / p[5]) ** 2)
        full = dresden_background(e, p, SIGMA_N_KEV, np.empty(e.size))
        l2 = p[3] * 0.008 * np.exp(-0.5 * ((e - 1.142) / p[5]) ** 2)
        return {"cevns": cevns, "es": es, "epithermal": epi, "l1": l1, "l2": l2, "m": full - epi - l1 - l2}

    def rate_summary(self, params: dict | None = None) -> dict:
        """Per-day and per-exposure numbers for `cevns rate` (0.2–1.5 keVee, 130 bins)."""
        pred = self.predict(params)
        per_day = {k: float(v.sum()) for k, v in pred.items()}
        return {"counts_per_day": per_day, "days_on": DAYS_ON,
                "counts_rx_on": {k: v * DAYS_ON for k, v in per_day.items()},
                "observed_per_day": float(self.obs.sum())}

    def observed(self) -> np.ndarray:
        return self.obs.copy()

    def likelihood(self, names=(), fixed=None) -> DresdenLikelihood:
        return DresdenLikelihood(self, list(names), dict(fixed or {}))

    def data_checksums(self):
        out = {f"{DATASET}/{k}": v for k, v in datasets.dataset_checksums(DATASET).items()}
        out.update({f"{rf.DATASET}/{k}": v for k, v in datasets.dataset_checksums(rf.DATASET).items()})
        return out


class DresdenLikelihood(Likelihood):
    """Profiled χ² of :class:`DresdenII` over points whose columns are ``names`` (rest: ``fixed``)."""

    def __init__(self, exp: DresdenII, names, fixed):
        for n in (*names, *fixed):
            exp.check_params({n: 4.0 if n.startswith("rn") else 0.2})
        dup = set(names) & set(fixed)
        if dup:
            raise ConfigError(f"parameter(s) {sorted(dup)} both scanned and fixed")
        self.names = tuple(names)
        self.nuisance_names = exp.nuisance_names
        self.experiment_name = exp.name
        self.theta0 = exp.theta(fixed)
        n_iso = len(exp.targets.names)
        cols = {"sin2w": [0], "cevns_norm": [1], "rn_ge": list(range(2, 2 + n_iso))}
        self.columns = [cols[n] for n in self.names]
        self.arrays = (exp.base, exp.fp, exp.q, exp.gauss, exp.targets.z, exp.targets.n,
                       np.array([FLAVOUR_E]), exp.resp_nr, exp.es_arr, exp.e_centres, exp.obs, exp.err,
                       exp.p0.copy(), SIGMA_N_KEV)
        self._checksums = exp.data_checksums()
        self.last_status = np.zeros(1, dtype=np.int64)

    def data_checksums(self):
        return dict(self._checksums)

    def evaluate(self, points):
        pts = np.atleast_2d(np.asarray(points, dtype=float))
        theta = np.tile(self.theta0, (pts.shape[0], 1))
        for c, cols in enumerate(self.columns):
            for col in cols:
                theta[:, col] = pts[:, c]
        chi2, eta, status = dresden_chi2_points(theta, *self.arrays)
        self.last_status = status
        return chi2, eta
