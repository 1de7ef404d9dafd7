"""Asimov sensitivity experiments for current and future CEvNS setups (seed 003 configuration table and the
COHERENT / ESS plans of seeds 000 and 001).

Every setup is plain data (:data:`SETUPS`): target, source, and for ``config = current`` / ``future`` the mass,
nuclear-recoil threshold, efficiency, exposure and baseline of seed 003:249–260 (the [bracketed] numbers are the
future setups). One class, :class:`FutureSetup`, turns a setup into a one-bin counting experiment:

N_theor = Σ_sources Σ_isotopes n_a Φ ∫_{T_th} dT ε(T) (G_F² M_a/π)[Φ0 − TΦ1 − (M_a T/2)Φ2](T) Q_a(T)²   (003:264–267)

with the flux moments Φ_k of the SNS π-DAR spectra (:mod:`cevns.kernels.fluxes`) or of a reactor ν̄_e spectrum,
precomputed once on Gauss–Legendre nodes in T, so a parameter point costs one weak-charge evaluation per node.
The Asimov data are the SM expectation, N_meas = N_theor(SM), and the χ² is seed 003:280–284 with the one
nuisance profiled in closed form:
    χ² = min_a [(N_meas − N_theor(1 + a))²/((1 + σ_stat) N_meas) + (a/σ_sys)²]
       = (N_meas − N_theor)²/((1 + σ_stat) N_meas + σ_sys² N_theor²),
σ_stat = σ_sys = 0.2 (current), 0.1 (future) (003:284); the denominator is implemented as printed.

Every number and choice with its source: docs/physics/future-setups.md.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from cevns.kernels._jit import jit
from cevns.kernels.constants import N_AVOGADRO
from cevns.kernels.couplings import FLAVOUR_E
from cevns.kernels.cross_sections import CEVNS_PREFACTOR, e_min, momentum_transfer, t_max
from cevns.kernels.form_factors import HELM_S, helm
from cevns.kernels.nuclear import element
from cevns.kernels.quadrature import piecewise_gauss_legendre
from cevns.kernels.rates import cevns_source_spectra

from .. import datasets
from ..likelihood import Likelihood
from ..params import parameter
from .base import Experiment
from .sns import SNS_SOURCE_FLAVOUR, SNS_SOURCES, Targets, recoil_nodes, sns_fluence, sns_node_weights

__all__ = [
    "SETUPS", "FutureSetup", "FutureLikelihood", "asimov_chi2_points", "reactor_spectrum", "reactor_moments",
    "reactor_flux", "FISSION_FRACTIONS", "ENERGY_PER_FISSION_MEV",
]

DAYS_PER_YEAR = 365.25
SECONDS_PER_YEAR = DAYS_PER_YEAR * 86400.0

# --- SNS / ESS sources ------------------------------------------------------------------------------------------
# COHERENT 2017 (Science 357, 1123): 1.76e23 POT in 308.1 live days, 0.08 ν per flavour per POT (release yaml,
# scanner/data/coherent-csi-2017/coherent_parameters.yaml). "1 yr" of SNS = 365.25 live days at that rate.
SNS_NU_PER_POT = 0.08
SNS_POT_PER_DAY = 1.76e23 / 308.1
# ESS: 8.5e22 ν per flavour per year (seed 001:900, 904; Baxter et al., JHEP 02 (2020) 123).
ESS_NU_PER_YEAR = 8.5e22
# COHERENT CsI 2017 acceptance in PE (release yaml): a/(1 + exp(−k(x − x0))) H(x − 5), H = 0, 1/2, 1 below 5,
# in [5, 6), above 6 PE; PE = T[keVnr] × QF 0.0878 × 13.348 PE/keVee.
CSI2017_ACCEPTANCE = (0.6655, 0.4942, 10.8507)
CSI2017_PE_PER_KEVNR = 0.0878 * 13.348

# --- reactor source ---------------------------------------------------------------------------------------------
# Fission fractions of a typical PWR at mid-cycle (²³⁵U, ²³⁸U, ²³⁹Pu, ²⁴¹Pu), e.g. Daya Bay, PRL 118, 251801 (2017)
# average: 0.58, 0.07, 0.30, 0.05 (rounded; sum 1).
FISSION_ISOTOPES = ("u235", "u238", "pu239", "pu241")
FISSION_FRACTIONS = np.array([0.58, 0.07, 0.30, 0.05])
# Energy released per fission [MeV] (X. B. Ma et al., PRC 88, 014605 (2013)).
ENERGY_PER_FISSION_MEV = np.array([202.36, 205.99, 211.12, 214.26])
REACTOR_DATASET = "reactor-antineutrino-fluxes"
MEV_J = 1.602176634e-13

# --- targets ----------------------------------------------------------------------------------------------------
# Compounds: (element, atoms per formula unit); MINER's 2Ge:1Si is by mass (two thirds Ge, one third Si).
TARGETS = {
    "CsI": (("Cs", 1), ("I", 1)),
    "NaI": (("Na", 1), ("I", 1)),
    "Ge": (("Ge", 1),),
    "Si": (("Si", 1),),
    "Ar": (("Ar", 1),),
    "Xe": (("Xe", 1),),
}
# Neutron rms radii: Cs and I from the parameter defaults (nuclear models, 000:915); all other nuclei R_n = R_p
# (no neutron skin; sensitivity studies only, the effect is < 1 % at reactor and < 3 % at SNS energies).
RN_DEFAULTS = {"Cs133": parameter("rn_cs").default, "I127": parameter("rn_i").default}


def _cfg(mass_kg, threshold_kev, efficiency, exposure_yr, baseline_m, sigma):
    return {"mass_kg": mass_kg, "threshold_kev": threshold_kev, "efficiency": efficiency,
            "exposure_yr": exposure_yr, "baseline_m": baseline_m, "sigma": sigma}


SNS_CURRENT_YR = 308.1 / DAYS_PER_YEAR

# name -> setup. "current" = unbracketed, "future" = [bracketed] columns of 003:249–260; σ = σ_stat = σ_sys (003:284).
SETUPS = {
    "future-coherent-csi": dict(
        title="COHERENT CsI[Na] (003:250)", source="sns", target="CsI",
        current=_cfg(14.57, 5.0, "csi2017", SNS_CURRENT_YR, 19.3, 0.2),
        future=_cfg(100.0, 1.0, 1.0, 10.0, 19.3, 0.1)),
    "future-coherent-hpge": dict(
        title="COHERENT HPGe (003:252)", source="sns", target="Ge",
        current=_cfg(15.0, 5.0, 0.5, SNS_CURRENT_YR, 22.0, 0.2),
        future=_cfg(100.0, 1.0, 1.0, 10.0, 22.0, 0.1)),
    "future-coherent-lar": dict(
        title="COHERENT LAr (003:253)", source="sns", target="Ar",
        current=_cfg(1000.0, 20.0, 0.5, SNS_CURRENT_YR, 29.0, 0.2),
        future=_cfg(10000.0, 10.0, 1.0, 10.0, 29.0, 0.1)),
    "future-coherent-nai": dict(
        title="COHERENT NaI[Tl] (003:254)", source="sns", target="NaI",
        current=_cfg(2000.0, 13.0, 0.5, SNS_CURRENT_YR, 28.0, 0.2),
        future=_cfg(10000.0, 5.0, 1.0, 10.0, 28.0, 0.1)),
    "future-conus": dict(
        title="CONUS Ge at Brokdorf, 3.9 GW (003:256)", source="reactor", target="Ge", power_gw=3.9,
        current=_cfg(3.85, 0.1, 0.5, 1.0, 17.0, 0.2),
        future=_cfg(100.0, 0.1, 1.0, 10.0, 17.0, 0.1)),
    "future-connie": dict(
        title="CONNIE Si at Angra 2, 3.8 GW (003:257)", source="reactor", target="Si", power_gw=3.8,
        current=_cfg(1.0, 0.028, 0.5, 1.0, 30.0, 0.2),
        future=_cfg(100.0, 0.028, 1.0, 10.0, 30.0, 0.1)),
    "future-miner": dict(
        title="MINER 2Ge:1Si at the TAMU TRIGA reactor, 1 MW (003:258)", source="reactor", target="2Ge:1Si",
        power_gw=0.001,
        current=_cfg(1.0, 0.1, 0.5, 1.0, 2.0, 0.2),
        future=_cfg(100.0, 0.1, 1.0, 10.0, 2.0, 0.1)),
    "future-texono": dict(
        title="TEXONO Ge at Kuo-Sheng, 2.9 GW (003:259)", source="reactor", target="Ge", power_gw=2.9,
        current=_cfg(1.0, 0.1, 0.5, 1.0, 28.0, 0.2),
        future=_cfg(100.0, 0.1, 1.0, 10.0, 28.0, 0.1)),
    "future-red100": dict(
        title="RED100 Xe at Kalinin, 3.0 GW (003:260)", source="reactor", target="Xe", power_gw=3.0,
        current=_cfg(100.0, 0.5, 0.5, 1.0, 19.0, 0.2),
        future=_cfg(100.0, 0.5, 1.0, 10.0, 19.0, 0.1)),
    # Seeds 000/001: COHERENT plans and ESS (1 yr "current", 10 yr "future"; σ as in 003:284).
    "future-coh-cryocsi": dict(
        title="COH-CryoCsI-I 10 kg, 0.5 keVnr [COH-CryoCsI-II 700 kg, 1.4 keVnr] (000:400, 538–540, 1025–1026)",
        source="sns", target="CsI",
        current=_cfg(10.0, 0.5, 1.0, 1.0, 19.3, 0.2),
        future=_cfg(700.0, 1.4, 1.0, 1.0, 19.3, 0.1)),
    "future-coh-ar-750": dict(
        title="COH-Ar-750, 610 kg fiducial LAr, 20 keVnr (000:604–605: 3000 CEvNS/yr)", source="sns", target="Ar",
        current=_cfg(610.0, 20.0, 1.0, 1.0, 27.5, 0.2),
        future=_cfg(610.0, 20.0, 1.0, 10.0, 27.5, 0.1)),
    "future-ess": dict(
        title="ESS (8.5e22 ν/flavour/yr, 001:900): 22.5 kg CsI at 20 m, 1 keVnr", source="ess", target="CsI",
        current=_cfg(22.5, 1.0, 1.0, 1.0, 20.0, 0.2),
        future=_cfg(22.5, 1.0, 1.0, 10.0, 20.0, 0.1)),
}


# --- reactor spectrum -------------------------------------------------------------------------------------------
def _bestiole(iso):
    tab = datasets.load_table(REACTOR_DATASET, f"bestiole2023/bestiole_{iso}.txt", delimiter=",")
    return tab[:, 0], tab[:, 1]


def reactor_spectrum(fractions=FISSION_FRACTIONS):
    """(bin lower edges, upper edges, dN/dE per fission [MeV⁻¹]) of the fission-fraction-weighted BESTIOLE 2023
    summation spectra (25-keV histogram bins, 0–12.5 MeV; scanner/data/reactor-antineutrino-fluxes)."""
    return _reactor_spectrum(tuple(float(f) for f in fractions))


@functools.cache
def _reactor_spectrum(fractions):
    dens = None
    for f, iso in zip(fractions, FISSION_ISOTOPES):
        centre, val = _bestiole(iso)
        dens = f * val if dens is None else dens + f * val
    half = 0.5 * (centre[1] - centre[0])
    out = (centre - half, centre + half, dens)
    for a in out:
        a.setflags(write=False)
    return out


def reactor_flux(power_gw, baseline_m, fractions=FISSION_FRACTIONS):
    """ν̄_e flux [cm⁻² s⁻¹] = P/⟨E_fission⟩ × ν̄ per fission/(4π L²)."""
    lo, hi, dens = reactor_spectrum(fractions)
    per_fission = float(np.sum(dens * (hi - lo)))
    fissions = power_gw * 1e9 / (float(np.dot(fractions, ENERGY_PER_FISSION_MEV)) * MEV_J)
    return fissions * per_fission / (4.0 * math.pi * (baseline_m * 100.0) ** 2)


def reactor_moments(emin, fractions=FISSION_FRACTIONS):
    """Normalised moments Φ_k(E_min) = ∫_{E_min} f(E) E^(−k) dE, k = 0, 1, 2 (f integrates to 1), exact for the
    histogram spectrum (constant within each bin)."""
    lo, hi, dens = reactor_spectrum(fractions)
    norm = float(np.sum(dens * (hi - lo)))
    a = np.maximum(lo, max(emin, 1e-12))
    ok = hi > a
    a, b, d = a[ok], hi[ok], dens[ok] / norm
    return np.array([np.sum(d * (b - a)), np.sum(d * np.log(b / a)), np.sum(d * (1.0 / a - 1.0 / b))])


# --- likelihood kernel ------------------------------------------------------------------------------------------
@jit
def asimov_chi2_points(theta, base, fp, q, gauss, z, n, src_flavour, rn, resp, n_meas, sig_stat, sig_sys):
    """χ² of seed 003:280–284 with the nuisance a profiled in closed form, per row θ = [sin²θ_W, norm].

    x = norm × N_theor(sin²θ_W); χ² = (N − x)²/((1 + σ_stat) N + σ_sys² x²); a = x (N − x)/(x² + D/σ_sys²).
    """
    n_pts = theta.shape[0]
    chi2 = np.empty(n_pts)
    eta = np.empty((n_pts, 1))
    d = (1.0 + sig_stat) * n_meas
    for p in range(n_pts):
        e = cevns_source_spectra(base, fp, q, gauss, z, n, src_flavour, theta[p, 0], rn, resp)
        x = theta[p, 1] * e.sum()
        r = n_meas - x
        if sig_sys > 0.0:
            chi2[p] = r * r / (d + sig_sys * sig_sys * x * x)
            eta[p, 0] = x * r / (x * x + d / (sig_sys * sig_sys))
        else:
            chi2[p] = r * r / d
            eta[p, 0] = 0.0
    return chi2, eta


# --- experiment -------------------------------------------------------------------------------------------------
def _targets(target, mass_kg):
    """:class:`Targets` for ``mass_kg`` of a target ("CsI", "Ge", "2Ge:1Si", …); isotopic abundances from
    :mod:`cevns.kernels.nuclear`."""
    if target == "2Ge:1Si":
        parts = [("Ge", 2.0 / 3.0), ("Si", 1.0 / 3.0)]  # mass fractions
        comp = [(el, 1, frac) for el, frac in parts]
    else:
        formula = TARGETS[target]
        mol_mass = sum(k * sum(f * iso.atomic_mass_u for iso, f in element(el)) for el, k in formula)
        comp = [(el, k, None) for el, k in formula]
    isotopes, counts, rp = [], [], []
    for el, k, frac in comp:
        iso_list = element(el)
        if frac is not None:
            el_mass = sum(f * iso.atomic_mass_u for iso, f in iso_list)
            units = mass_kg * 1e3 * frac / el_mass * N_AVOGADRO
        else:
            units = mass_kg * 1e3 / mol_mass * N_AVOGADRO * k
        for iso, f in iso_list:
            isotopes.append(iso)
            counts.append(units * f)
            rp.append(iso.proton_radius)
    return Targets(isotopes, counts, rp)


def _csi2017_efficiency(t_mev):
    a, k, x0 = CSI2017_ACCEPTANCE
    pe = 1e3 * t_mev * CSI2017_PE_PER_KEVNR
    h = 0.0 if pe < 5.0 else (0.5 if pe < 6.0 else 1.0)
    return h * a / (1.0 + math.exp(-k * (pe - x0)))


class FutureSetup(Experiment):
    """One-bin Asimov sensitivity experiment built from a :data:`SETUPS` entry (subclasses set ``setup``)."""

    setup: str = ""
    parameters = ("sin2w", "cevns_norm")
    nuisance_names = ("a_norm",)
    components = ("cevns",)
    OPTIONS = {"config": ("current", ("current", "future"))}

    def __init__(self, config: str = "current", n_per_piece: int = 24, n_min: int = 6, spec: dict | None = None):
        if config not in ("current", "future"):
            from ..errors import ConfigError

            raise ConfigError(f"{self.setup}: config must be 'current' or 'future', got {config!r}")
        self.options = {"config": config}
        base_spec = spec if spec is not None else SETUPS[self.setup]
        self.spec = base_spec
        self.cfg = dict(base_spec[config])
        self.name = self.setup or "future-custom"
        self.description = f"Asimov: {base_spec['title']}, {config} setup"
        c = self.cfg
        self.targets = _targets(base_spec["target"], c["mass_kg"])
        self.rn = np.array([RN_DEFAULTS.get(nm, rp) for nm, rp in zip(self.targets.names, self.targets.rp)])
        t_th = 1e-3 * c["threshold_kev"]
        source = base_spec["source"]
        if source in ("sns", "ess"):
            if source == "sns":
                self.fluence = sns_fluence(SNS_NU_PER_POT, SNS_POT_PER_DAY * DAYS_PER_YEAR * c["exposure_yr"],
                                           c["baseline_m"])
            else:
                self.fluence = ESS_NU_PER_YEAR * c["exposure_yr"] / (4.0 * math.pi * (c["baseline_m"] * 100.0) ** 2)
            self.sources = SNS_SOURCES
            self.src_flavour = SNS_SOURCE_FLAVOUR.copy()
            extra = (1.5 * t_th, 3.0 * t_th)
            self.t_nodes, self.t_weights = recoil_nodes(self.targets, t_th, extra, n_per_piece, n_min)
            self.base, self.fp, self.q, self.gauss = sns_node_weights(
                self.targets, self.fluence, self.t_nodes, self.t_weights)
        else:
            self.flux = reactor_flux(base_spec["power_gw"], c["baseline_m"])
            self.fluence = self.flux * SECONDS_PER_YEAR * c["exposure_yr"]
            self.sources = ("nuebar",)
            self.src_flavour = np.array([FLAVOUR_E], dtype=np.int64)
            self._reactor_nodes(t_th, n_per_piece, n_min)
        eff = c["efficiency"]
        if eff == "csi2017":
            self.eff_nodes = np.array([_csi2017_efficiency(t) for t in self.t_nodes])
        else:
            self.eff_nodes = np.full(self.t_nodes.size, float(eff))
        self.resp = self.eff_nodes[None, :].copy()  # one bin: efficiency above threshold
        self.n_asimov = self._counts(self.theta({})).sum()

    def _reactor_nodes(self, t_th, n_per_piece, n_min):
        lo, hi, dens = reactor_spectrum()
        e_max = float(hi[dens > 0].max())
        kinks = [t_max(e, m) for m in self.targets.mass for e in (2.0, 4.0, 6.0, 8.0, e_max)]
        breaks = [t_th, 1.5 * t_th, 3.0 * t_th, *[x for x in kinks if x > t_th]]
        self.t_nodes, self.t_weights = piecewise_gauss_legendre(breaks, n_per_piece, n_min)
        n_iso, n_t = len(self.targets.names), self.t_nodes.size
        self.base = np.zeros((n_iso, 1, n_t))
        self.fp = np.empty((n_iso, n_t))
        self.q = np.empty((n_iso, n_t))
        for a in range(n_iso):
            m = self.targets.mass[a]
            for k, t in enumerate(self.t_nodes):
                phi = reactor_moments(e_min(t, m))
                mom = phi[0] - t * phi[1] - 0.5 * m * t * phi[2]
                self.q[a, k] = momentum_transfer(t, m)
                self.fp[a, k] = helm(self.q[a, k], self.targets.rp[a])
                self.base[a, 0, k] = (self.t_weights[k] * self.targets.count[a] * self.fluence * CEVNS_PREFACTOR
                                      * m * max(mom, 0.0))
        self.gauss = np.exp(-0.5 * self.q * self.q * HELM_S * HELM_S)

    # -- parameters and predictions ---------------------------------------------------------------------------
    def theta(self, params: dict | None = None) -> np.ndarray:
        p = self.defaults()
        p.update(self.check_params(params or {}))
        return np.array([p["sin2w"], p["cevns_norm"]])

    def _counts(self, theta):
        """CEvNS counts per source over the configured exposure."""
        e = cevns_source_spectra(self.base, self.fp, self.q, self.gauss, self.targets.z, self.targets.n,
                                 self.src_flavour, theta[0], self.rn, self.resp)
        return e[:, 0] * theta[1]

    def predict(self, params: dict | None = None) -> dict[str, np.ndarray]:
        """Expected CEvNS counts above threshold over the configured exposure (one bin)."""
        return {"cevns": np.array([self._counts(self.theta(params)).sum()])}

    def predict_cevns_by_flavour(self, params: dict | None = None) -> dict[str, np.ndarray]:
        """CEvNS events per year above threshold: first the sum ("total per yr"), then each source
        ("<source> per yr"); ``cevns rate`` prints these next to the counts over the configured exposure."""
        per = self._counts(self.theta(params)) / self.cfg["exposure_yr"]
        out = {"total per yr": np.array([per.sum()])}
        out.update({f"{s} per yr": np.array([v]) for s, v in zip(self.sources, per)})
        return out

    def events_per_year(self, params: dict | None = None) -> float:
        """Expected CEvNS events per year above threshold."""
        return float(self._counts(self.theta(params)).sum() / self.cfg["exposure_yr"])

    def observed(self) -> np.ndarray:
        """Asimov data: the SM expectation."""
        return np.array([self.n_asimov])

    def likelihood(self, names=(), fixed=None) -> FutureLikelihood:
        return FutureLikelihood(self, list(names), dict(fixed or {}))

    def data_checksums(self):
        if self.spec["source"] == "reactor":
            return datasets.dataset_checksums(REACTOR_DATASET)
        return {}


class FutureLikelihood(Likelihood):
    """χ² of seed 003:280–284 for a :class:`FutureSetup` over points whose columns are ``names``."""

    def __init__(self, exp: FutureSetup, names, fixed):
        for nm in (*names, *fixed):
            exp.check_params({nm: 0.2})
        dup = set(names) & set(fixed)
        if dup:
            from ..errors import ConfigError

            raise ConfigError(f"parameter(s) {sorted(dup)} both scanned and fixed")
        self.names = tuple(names)
        self.nuisance_names = exp.nuisance_names
        self.experiment_name = exp.name
        self.theta0 = exp.theta(fixed)
        self.columns = [{"sin2w": 0, "cevns_norm": 1}[nm] for nm in self.names]
        self.arrays = (exp.base, exp.fp, exp.q, exp.gauss, exp.targets.z, exp.targets.n, exp.src_flavour, exp.rn,
                       exp.resp)
        self.n_meas = float(exp.n_asimov)
        self.sigma = float(exp.cfg["sigma"])
        self.profile = True  # False: nuisance a held at 0
        self._checksums = exp.data_checksums()

    def data_checksums(self):
        return dict(self._checksums)

    def evaluate(self, points):
        pts = np.atleast_2d(np.asarray(points, dtype=float))
        theta = np.tile(self.theta0, (pts.shape[0], 1))
        for c, col in enumerate(self.columns):
            theta[:, col] = pts[:, c]
        chi2, eta = asimov_chi2_points(theta, *self.arrays, self.n_meas, self.sigma,
                                       self.sigma if self.profile else 0.0)
        self.last_status = np.zeros(pts.shape[0], dtype=np.int64)
        return chi2, eta


def _make_class(setup_name):
    cls_name = "Future" + "".join(part.capitalize() for part in setup_name.split("-")[1:]).replace("_", "")
    return type(cls_name, (FutureSetup,), {"setup": setup_name, "name": setup_name,
                                           "description": f"Asimov sensitivity: {SETUPS[setup_name]['title']}",
                                           "__module__": __name__})


# One class per setup (the registry maps a name to module:Class): FutureCoherentCsi, FutureConus, …
CLASSES = {name: _make_class(name) for name in SETUPS}
globals().update({cls.__name__: cls for cls in CLASSES.values()})
__all__ += [cls.__name__ for cls in CLASSES.values()]
