"""Asimov sensitivity experiments for current and future CEvNS setups (seed 003 configuration table and the
COHERENT / ESS plans of seeds 000 and 001).

Every setup is plain data (:data:`SETUPS`): target, source, and for ``config = current`` / ``future`` the mass,
threshold, efficiency, exposure and baseline of seed 003:249–260 (the [bracketed] numbers are the future setups).
Thresholds are nuclear-recoil energies except for the ionisation detectors CONUS, TEXONO (Ge) and CONNIE (Si), whose
table thresholds are electron-equivalent and converted with the Lindhard quenching (option ``thr = ee | nr``).
One class, :class:`FutureSetup`, turns a setup into a one-bin counting experiment:

N_theor = Σ_sources Σ_isotopes n_a Φ ∫_{T_th} dT ε(T) (G_F² M_a/π)[Φ0 − TΦ1 − (M_a T/2)Φ2](T) Q_a(T)²   (003:264–267)

with the flux moments Φ_k of the SNS π-DAR spectra (:mod:`cevns.kernels.fluxes`) or of a reactor ν̄_e spectrum,
precomputed once on Gauss–Legendre nodes in T, so a parameter point costs one weak-charge evaluation per node.
Every model of :mod:`cevns.scanner.models` acts through :func:`cevns.kernels.rates.cevns_source_spectra_bsm`
(NSI, charge radii, millicharges, Z', scalar, magnetic moments and the Majorana transition moments ``tmm``, whose
μ_eff² is projected on each source's flavour and helicity, 003:175–223). The SNS setups have the option
``beam = all | prompt | delayed`` (prompt ν_μ only; delayed ν_e and ν̄_μ), the separate rows of the 003 TMM table.
The Asimov data are the SM expectation of the selected sources, N_meas = N_theor(SM), and the χ² is seed
003:280–284 with the one nuisance profiled in closed form:
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
from cevns.kernels.constants import HBARC2_MEV2_CM2, N_AVOGADRO
from cevns.kernels.constants import HBARC_MEV_FM as HBARC
from cevns.kernels.couplings import FLAVOUR_E
from cevns.kernels.cross_sections import CEVNS_PREFACTOR, e_min, momentum_transfer, t_max
from cevns.kernels.electron_scattering import ES_MM_PREFACTOR
from cevns.kernels.form_factors import HELM_S, helm
from cevns.kernels.nuclear import element
from cevns.kernels.quadrature import piecewise_gauss_legendre
from cevns.kernels.rates import (
    N_COUPLINGS,
    cevns_source_spectra,
    cevns_source_spectra_bsm,
    cevns_source_spectra_bsm_cached,
    cevns_source_spectra_cached,
    fn_cache_for,
)
from cevns.kernels.reactor import lindhard_quenching

from .. import datasets
from ..errors import ConfigError
from ..models import EM_PARAMETERS, MODELS, NSI_PARAMETERS, coupling_columns, flavour_parameters
from ..params import parameter
from .base import ModelExperiment, ModelLikelihood
from .coherent_csi_2017 import B_0N as CSI17_B_0N
from .coherent_csi_2017 import B_SS as CSI17_B_SS
from .coherent_csi_2017 import N_MEAS as CSI17_N_MEAS
from .coherent_csi_2017 import SIGMA_A1 as CSI17_SIGMA_A1
from .coherent_csi_2017 import SIGMA_A2 as CSI17_SIGMA_A2
from .coherent_csi_2017 import single_bin_chi2
from .sns import (
    SNS_SOURCE_FLAVOUR,
    SNS_SOURCE_SPEC,
    SNS_SOURCES,
    Targets,
    recoil_nodes,
    sns_fluence,
    sns_incoherent_weights,
    sns_node_weights,
)

__all__ = [
    "SETUPS", "FutureSetup", "FutureLikelihood", "asimov_chi2_points", "asimov_chi2_points_bsm", "reactor_spectrum",
    "reactor_moments", "reactor_flux", "FISSION_FRACTIONS", "ENERGY_PER_FISSION_MEV", "SNS_BEAMS",
    "SNS_SOURCE_HELICITY", "applicable_parameters", "lindhard_k", "ee_to_nr", "threshold_nr_kev", "tmm_seed_options",
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

# --- threshold scale ----------------------------------------------------------------------------------------------
# The 003 table (003:249–260) prints thresholds as "keV"/"eV" without a scale. The ionisation detectors among the
# reactor setups — CONUS and TEXONO (point-contact HPGe) and CONNIE (Si CCDs) — quote electron-equivalent energy
# (their results are given as a function of the quenching parameter k, 001:275–279; CONNIE's recoil spectrum depends
# on the quenching model, 001:874); their setups carry threshold_scale="ee" and the threshold is converted to
# nuclear recoil with the Lindhard quenching (k = 0.157 for Ge, 000:486). MINER (cryogenic phonon readout, total
# recoil energy), RED100 (500 eVee would be 2.86 keVnr, above the largest Xe recoil of the reactor spectrum) and
# the COHERENT rows (keVnr) keep nuclear-recoil thresholds. Evidence: docs/physics/future-setups.md.
LINDHARD_K0 = 0.133  # k = 0.133 Z^(2/3) A^(-1/2) (Lindhard et al., Mat. Fys. Medd. Dan. Vid. Selsk. 33, 10 (1963))


def lindhard_k(element_symbol: str) -> float:
    """Lindhard k = 0.133 Z^(2/3) A^(−1/2) of an element (A: natural mean mass number from
    :mod:`cevns.kernels.nuclear`, abundance-weighted); Ge → 0.157 (the value of seed 000:486), Si → 0.146."""
    isos = element(element_symbol)
    z = isos[0][0].Z
    a = sum(f * iso.A for iso, f in isos)
    return LINDHARD_K0 * z ** (2.0 / 3.0) / math.sqrt(a)


def ee_to_nr(t_ee_kev: float, z: int, k: float) -> float:
    """Nuclear-recoil energy [keV] whose Lindhard ionisation yield f(T) T equals ``t_ee_kev`` [keVee]
    (:func:`cevns.kernels.reactor.lindhard_quenching`; f T increases monotonically, bisection to 1e-12 relative)."""
    lo, hi = t_ee_kev, t_ee_kev
    while lindhard_quenching(hi, z, k) * hi < t_ee_kev:
        hi *= 2.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if lindhard_quenching(mid, z, k) * mid < t_ee_kev:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-12 * hi:
            break
    return 0.5 * (lo + hi)


def threshold_nr_kev(spec: dict, config: str, thr: str = "ee") -> float:
    """Nuclear-recoil threshold [keV] of a setup: the table value, converted from keVee with Lindhard (k of the
    target element) when the setup's ``threshold_scale`` is "ee" and ``thr`` is "ee"."""
    t = spec[config]["threshold_kev"]
    if spec.get("threshold_scale", "nr") != "ee" or thr == "nr":
        return t
    el = spec["target"]
    z = element(el)[0][0].Z
    return ee_to_nr(t, z, spec.get("lindhard_k", lindhard_k(el)))


def _cfg(mass_kg, threshold_kev, efficiency, exposure_yr, baseline_m, sigma):
    return {"mass_kg": mass_kg, "threshold_kev": threshold_kev, "efficiency": efficiency,
            "exposure_yr": exposure_yr, "baseline_m": baseline_m, "sigma": sigma}


SNS_CURRENT_YR = 308.1 / DAYS_PER_YEAR

# Sources of each SNS beam selection (indices into SNS_SOURCES: prompt ν_μ; delayed ν_e, ν̄_μ; 003:201–223) and
# whether each SNS source is an antineutrino (positive helicity, 003:175–185).
SNS_BEAMS = {"all": (0, 1, 2), "prompt": (0,), "delayed": (1, 2)}
SNS_SOURCE_HELICITY = tuple(anti for _, anti in SNS_SOURCE_SPEC)

# name -> setup. "current" = unbracketed, "future" = [bracketed] columns of 003:249–260; σ = σ_stat = σ_sys (003:284).
# threshold_scale "ee": the table threshold is electron-equivalent, converted with Lindhard (lindhard_k, default
# 0.133 Z^(2/3) A^(-1/2)); absent: nuclear recoil.
SETUPS = {
    "future-coherent-csi": dict(
        title="COHERENT CsI[Na] (003:250)", source="sns", target="CsI",
        current={**_cfg(14.57, 5.0, "csi2017", SNS_CURRENT_YR, 19.3, 0.2), "chi2": "first-phase"},
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
        threshold_scale="ee", lindhard_k=0.157,
        current=_cfg(3.85, 0.1, 0.5, 1.0, 17.0, 0.2),
        future=_cfg(100.0, 0.1, 1.0, 10.0, 17.0, 0.1)),
    "future-connie": dict(
        title="CONNIE Si at Angra 2, 3.8 GW (003:257)", source="reactor", target="Si", power_gw=3.8,
        threshold_scale="ee",
        current=_cfg(1.0, 0.028, 0.5, 1.0, 30.0, 0.2),
        future=_cfg(100.0, 0.028, 1.0, 10.0, 30.0, 0.1)),
    "future-miner": dict(
        title="MINER 2Ge:1Si at the TAMU TRIGA reactor, 1 MW (003:258)", source="reactor", target="2Ge:1Si",
        power_gw=0.001,
        current=_cfg(1.0, 0.1, 0.5, 1.0, 2.0, 0.2),
        future=_cfg(100.0, 0.1, 1.0, 10.0, 2.0, 0.1)),
    "future-texono": dict(
        title="TEXONO Ge at Kuo-Sheng, 2.9 GW (003:259)", source="reactor", target="Ge", power_gw=2.9,
        threshold_scale="ee", lindhard_k=0.157,
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


def tmm_seed_options(name: str, config: str, beam: str | None) -> list[str]:
    """Options of the reading the 003 TMM table follows (scripts/tmm_table.py, the validation registry): for SNS rows
    all sources' SM CEvNS in N (sm=all), and the nuisance held at 0 (sys=off), except for the first-phase CsI χ²
    (003:273–277), whose two pulls the seed minimises over."""
    first_phase = SETUPS[name][config].get("chi2") == "first-phase"
    return (["sm=all"] if beam else []) + ([] if first_phase else ["sys=off"])


# --- likelihood kernel ------------------------------------------------------------------------------------------
@jit
def _asimov_profile(x, n_meas, d, sig_sys):
    """(χ², a) of seed 003:280–284 at N_theor = x, D = (1 + σ_stat) N: χ² = (N − x)²/(D + σ_sys² x²),
    a = x (N − x)/(x² + D/σ_sys²); with σ_sys = 0 the nuisance is held at a = 0 and χ² = (N − x)²/D."""
    r = n_meas - x
    if sig_sys > 0.0:
        return r * r / (d + sig_sys * sig_sys * x * x), x * r / (x * x + d / (sig_sys * sig_sys))
    return r * r / d, 0.0


@jit
def _one_bin(x, stats, profile):
    """(χ², a) at N_theor = x for ``stats``: [0, N, σ_stat, σ_sys] → the Asimov χ² of 003:280–284
    (:func:`_asimov_profile`); [1, N_meas, B_0n, B_ss, σ_a1, σ_a2] → the first-phase COHERENT CsI χ² of 003:273–277
    (:func:`cevns.scanner.experiments.coherent_csi_2017.single_bin_chi2`). ``profile`` False holds the pulls at 0."""
    if stats[0] == 0.0:
        n_meas, sig_stat, sig_sys = stats[1], stats[2], stats[3]
        return _asimov_profile(x, n_meas, (1.0 + sig_stat) * n_meas, sig_sys if profile else 0.0)
    s1, s2 = (stats[4], stats[5]) if profile else (0.0, 0.0)
    c, a1, _ = single_bin_chi2(x, stats[1], stats[2], stats[3], s1, s2)
    return c, a1


@jit
def asimov_chi2_points(theta, base, fp, q, gauss, z, n, src_flavour, rn, resp, stats, profile):
    """One-bin χ² of the setup (``stats`` as in :func:`_one_bin`; seed 003:273–284) with its nuisances profiled in
    closed form, per row θ = [sin²θ_W, norm]; x = norm × N_theor(sin²θ_W)."""
    n_pts = theta.shape[0]
    chi2 = np.empty(n_pts)
    eta = np.empty((n_pts, 1))
    fn_cache = fn_cache_for(base)
    for p in range(n_pts):
        e = cevns_source_spectra_cached(base, fp, q, gauss, z, n, src_flavour, theta[p, 0], rn, resp, fn_cache)
        chi2[p], eta[p, 0] = _one_bin(theta[p, 1] * e.sum(), stats, profile)
    return chi2, eta


@jit
def asimov_chi2_points_bsm(theta, cpl, base, base_mm, base_s, fp, q, gauss, q2, z, n, src_flavour, rn, resp, zp_cp,
                           zp_cn, stats, profile):
    """:func:`asimov_chi2_points` with every model: N_theor from
    :func:`cevns.kernels.rates.cevns_source_spectra_bsm` with the coupling vector ``cpl[p]`` of row p; θ = [sin²θ_W,
    norm] (``norm`` multiplies the whole CEvNS prediction, SM and new physics)."""
    n_pts = theta.shape[0]
    chi2 = np.empty(n_pts)
    eta = np.empty((n_pts, 1))
    fn_cache = fn_cache_for(base)
    for p in range(n_pts):
        e = cevns_source_spectra_bsm_cached(base, base_mm, base_s, fp, q, gauss, q2, z, n, src_flavour, theta[p, 0],
                                            rn, resp, cpl[p], zp_cp, zp_cn, fn_cache)
        chi2[p], eta[p, 0] = _one_bin(theta[p, 1] * e.sum(), stats, profile)
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


def applicable_parameters(flavours) -> tuple[str, ...]:
    """The parameters of :class:`FutureSetup` that act on sources of the given flavour indices: sin²θ_W, the
    normalisation, and the NSI / EM parameters whose flavour (or one of whose pair flavours) is among them."""
    return ("sin2w", "cevns_norm", *flavour_parameters(flavours))


def _csi2017_efficiency(t_mev):
    a, k, x0 = CSI2017_ACCEPTANCE
    pe = 1e3 * t_mev * CSI2017_PE_PER_KEVNR
    h = 0.0 if pe < 5.0 else (0.5 if pe < 6.0 else 1.0)
    return h * a / (1.0 + math.exp(-k * (pe - x0)))


class FutureSetup(ModelExperiment):
    """One-bin Asimov sensitivity experiment built from a :data:`SETUPS` entry (subclasses set ``setup``)."""

    setup: str = ""
    parameters = ("sin2w", "cevns_norm", *NSI_PARAMETERS, *EM_PARAMETERS)
    models = tuple(MODELS)
    nuisance_names = ("a_norm",)
    components = ("cevns",)
    # beam (SNS/ESS setups only): all sources, the prompt ν_μ or the delayed ν_e + ν̄_μ (rows of 003:348–366);
    # sm (SNS/ESS only): "beam" keeps only the beam's sources, "all" keeps every source's SM CEvNS in N_theor and
    # N_meas while the tmm signal comes from the beam's sources only.
    # sys: "profiled" (003:282 as printed) or "off" (nuisance a held at 0: the regime the 003 TMM table follows).
    # thr (setups with an electron-equivalent threshold only, CONUS/TEXONO/CONNIE): "ee" (default, Lindhard
    # conversion to nuclear recoil) or "nr" (the table number read as nuclear-recoil energy).
    OPTIONS = {"config": ("current", ("current", "future")), "sys": ("profiled", ("profiled", "off"))}

    def __init__(self, config: str = "current", beam: str = "all", sm: str = "beam", sys: str = "profiled",
                 thr: str | None = None, n_per_piece: int = 24, n_min: int = 6, spec: dict | None = None):
        if config not in ("current", "future"):
            raise ConfigError(f"{self.setup}: config must be 'current' or 'future', got {config!r}")
        base_spec = spec if spec is not None else SETUPS[self.setup]
        source = base_spec["source"]
        label = self.setup or "future-custom"
        if beam not in SNS_BEAMS or (source == "reactor" and beam != "all"):
            raise ConfigError(f"{label}: beam must be one of "
                              f"{', '.join(SNS_BEAMS) if source != 'reactor' else 'all'}, got {beam!r}")
        if sm not in ("beam", "all"):
            raise ConfigError(f"{label}: sm must be 'beam' or 'all', got {sm!r}")
        if sys not in ("profiled", "off"):
            raise ConfigError(f"{label}: sys must be 'profiled' or 'off', got {sys!r}")
        scale = base_spec.get("threshold_scale", "nr")
        thr = scale if thr is None else thr
        if thr not in ("ee", "nr") or (thr == "ee" and scale != "ee"):
            raise ConfigError(f"{label}: thr must be "
                              f"{'ee or nr' if scale == 'ee' else 'nr (nuclear-recoil threshold)'}, got {thr!r}")
        self.options = {"config": config, **({} if beam == "all" else {"beam": beam}),
                        **({} if sm == "beam" else {"sm": sm}), **({} if sys == "profiled" else {"sys": sys}),
                        **({} if thr == scale else {"thr": thr})}
        self.spec = base_spec
        self.cfg = dict(base_spec[config])
        self.name = label
        self.description = f"Asimov: {base_spec['title']}, {config} setup" + ("" if beam == "all" else f", {beam}")
        c = self.cfg
        self.targets = _targets(base_spec["target"], c["mass_kg"])
        self.isotopes = self.targets.names
        self.rn = np.array([RN_DEFAULTS.get(nm, rp) for nm, rp in zip(self.targets.names, self.targets.rp)])
        # Threshold in nuclear-recoil energy [keV]: converted from keVee for the ionisation detectors (thr=ee).
        self.threshold_nr_kev = threshold_nr_kev(base_spec, config, thr)
        t_th = 1e-3 * self.threshold_nr_kev
        if source in ("sns", "ess"):
            if source == "sns":
                self.fluence = sns_fluence(SNS_NU_PER_POT, SNS_POT_PER_DAY * DAYS_PER_YEAR * c["exposure_yr"],
                                           c["baseline_m"])
            else:
                self.fluence = ESS_NU_PER_YEAR * c["exposure_yr"] / (4.0 * math.pi * (c["baseline_m"] * 100.0) ** 2)
            # sm=all: every source's CEvNS stays in N_theor and N_meas, the tmm signal comes from the beam only.
            sel = list(SNS_BEAMS["all" if sm == "all" else beam])
            self.tmm_mask = np.array([i in SNS_BEAMS[beam] for i in sel])
            self.sources = tuple(SNS_SOURCES[i] for i in sel)
            self.src_flavour = SNS_SOURCE_FLAVOUR[sel].copy()
            self.src_antineutrino = tuple(SNS_SOURCE_HELICITY[i] for i in sel)
            extra = (1.5 * t_th, 3.0 * t_th)
            self.t_nodes, self.t_weights = recoil_nodes(self.targets, t_th, extra, n_per_piece, n_min)
            base, self.fp, self.q, self.gauss = sns_node_weights(
                self.targets, self.fluence, self.t_nodes, self.t_weights)
            base_mm, base_s = sns_incoherent_weights(self.targets, self.fluence, self.t_nodes, self.t_weights)
            self.base, self.base_mm, self.base_s = (np.ascontiguousarray(a[:, sel, :]) for a in (base, base_mm, base_s))
        else:
            self.flux = reactor_flux(base_spec["power_gw"], c["baseline_m"])
            self.fluence = self.flux * SECONDS_PER_YEAR * c["exposure_yr"]
            self.sources = ("nuebar",)
            self.src_flavour = np.array([FLAVOUR_E], dtype=np.int64)
            self.src_antineutrino = (True,)
            self.tmm_mask = np.array([True])
            self._reactor_nodes(t_th, n_per_piece, n_min)
        # Parameters acting on the sources present (a ν_μ parameter is refused on a reactor setup).
        self.parameters = applicable_parameters(self.src_flavour)
        self.source_flavours = tuple(sorted({int(f) for f in self.src_flavour}))
        self.source_label = "reactor ν̄_e flux" if self.sources == ("nuebar",) else "SNS stopped-pion beam"
        # (flavour, antineutrino) per source: the tmm model projects μ_eff² on each (003:175–185).
        self.tmm_sources = tuple((int(f), a) for f, a in zip(self.src_flavour, self.src_antineutrino))
        self.q2 = (self.q * HBARC) ** 2  # |q|² [MeV²]
        eff = c["efficiency"]
        if eff == "csi2017":
            self.eff_nodes = np.array([_csi2017_efficiency(t) for t in self.t_nodes])
        else:
            self.eff_nodes = np.full(self.t_nodes.size, float(eff))
        self.resp = self.eff_nodes[None, :].copy()  # one bin: efficiency above threshold
        self.n_asimov = self._counts({}).sum()

    def _reactor_nodes(self, t_th, n_per_piece, n_min):
        """Nodes and weights for the reactor ν̄_e: B_ask as in :mod:`cevns.kernels.rates`, the magnetic-moment
        weights w n Φ (πα²/m_e²)(ħc)² [Φ0/T − Φ1] (003:115, per μ_B²) and the scalar weights
        w n Φ (ħc)² M²/(4π) T Φ2 (000:1073), all with the normalised BESTIOLE moments at E_min(T)."""
        lo, hi, dens = reactor_spectrum()
        e_max = float(hi[dens > 0].max())
        kinks = [t_max(e, m) for m in self.targets.mass for e in (2.0, 4.0, 6.0, 8.0, e_max)]
        breaks = [t_th, 1.5 * t_th, 3.0 * t_th, *[x for x in kinks if x > t_th]]
        self.t_nodes, self.t_weights = piecewise_gauss_legendre(breaks, n_per_piece, n_min)
        n_iso, n_t = len(self.targets.names), self.t_nodes.size
        self.base = np.zeros((n_iso, 1, n_t))
        self.base_mm = np.zeros((n_iso, 1, n_t))
        self.base_s = np.zeros((n_iso, 1, n_t))
        self.fp = np.empty((n_iso, n_t))
        self.q = np.empty((n_iso, n_t))
        for a in range(n_iso):
            m = self.targets.mass[a]
            for k, t in enumerate(self.t_nodes):
                phi = reactor_moments(e_min(t, m))
                mom = phi[0] - t * phi[1] - 0.5 * m * t * phi[2]
                self.q[a, k] = momentum_transfer(t, m)
                self.fp[a, k] = helm(self.q[a, k], self.targets.rp[a])
                scale = self.t_weights[k] * self.targets.count[a] * self.fluence
                self.base[a, 0, k] = scale * CEVNS_PREFACTOR * m * max(mom, 0.0)
                self.base_mm[a, 0, k] = scale * ES_MM_PREFACTOR * max(phi[0] / t - phi[1], 0.0)
                self.base_s[a, 0, k] = scale * HBARC2_MEV2_CM2 * m * m / (4.0 * np.pi) * t * phi[2]
        self.gauss = np.exp(-0.5 * self.q * self.q * HELM_S * HELM_S)

    # -- parameters and predictions ---------------------------------------------------------------------------
    def check_params(self, params: dict, model: str = "sm") -> dict[str, float]:
        """Validate ``params`` for this experiment under ``model`` (the model's own parameters allowed)."""
        self.check_model(model)
        return super().check_params(params, model)

    def theta(self, params: dict | None = None, model: str = "sm") -> np.ndarray:
        """Kernel row [sin²θ_W, norm]."""
        p = self.defaults()
        p.update(self.check_params(params or {}, model))
        return np.array([p["sin2w"], p["cevns_norm"]])

    def couplings(self, params: dict | None = None, model: str = "sm") -> np.ndarray:
        """Coupling vector (N_COUPLINGS,) of ``params`` under ``model`` (models.coupling_columns)."""
        values = {**self.defaults(), **self.check_params(params or {}, model)}
        cpl = coupling_columns(model, values, 1, sources=self.tmm_sources)
        cpl[:, 22:22 + len(self.tmm_sources)] *= self.tmm_mask
        return cpl[0]

    def node_arrays(self):
        """(B, B_mm, B_s, F_p, q, Helm Gaussian, |q|², Z, N, source flavours): the leading arguments of
        :func:`cevns.kernels.rates.cevns_source_spectra_bsm` (and of :func:`asimov_chi2_points_bsm` after ``cpl``)."""
        return (self.base, self.base_mm, self.base_s, self.fp, self.q, self.gauss, self.q2, self.targets.z,
                self.targets.n, self.src_flavour)

    def _counts(self, params, model="sm"):
        """CEvNS counts per source over the configured exposure (SM and every model, one bin)."""
        theta = self.theta(params, model)
        cpl = self.couplings(params, model)
        cp, cn = self.zprime_arrays(model)
        e = cevns_source_spectra_bsm(*self.node_arrays(), theta[0], self.rn, self.resp, cpl, cp, cn)
        return e[:, 0] * theta[1]

    def sm_counts_reference(self, sin2w: float | None = None) -> np.ndarray:
        """SM counts per source through the SM-only kernel :func:`cevns.kernels.rates.cevns_source_spectra`
        (cross-check of the BSM kernel at zero couplings)."""
        s2 = self.defaults()["sin2w"] if sin2w is None else sin2w
        e = cevns_source_spectra(self.base, self.fp, self.q, self.gauss, self.targets.z, self.targets.n,
                                 self.src_flavour, s2, self.rn, self.resp)
        return e[:, 0]

    def predict(self, params: dict | None = None, model: str = "sm") -> dict[str, np.ndarray]:
        """Expected CEvNS counts above threshold over the configured exposure (one bin)."""
        return {"cevns": np.array([self._counts(params, model).sum()])}

    def predict_cevns_by_flavour(self, params: dict | None = None, model: str = "sm") -> dict[str, np.ndarray]:
        """CEvNS events per year above threshold: first the sum ("total per yr"), then each source
        ("<source> per yr"); ``cevns rate`` prints these next to the counts over the configured exposure."""
        per = self._counts(params, model) / self.cfg["exposure_yr"]
        out = {"total per yr": np.array([per.sum()])}
        out.update({f"{s} per yr": np.array([v]) for s, v in zip(self.sources, per)})
        return out

    def events_per_year(self, params: dict | None = None, model: str = "sm") -> float:
        """Expected CEvNS events per year above threshold."""
        return float(self._counts(params, model).sum() / self.cfg["exposure_yr"])

    def observed(self) -> np.ndarray:
        """Asimov data: the SM expectation."""
        return np.array([self.n_asimov])

    def likelihood(self, names=(), fixed=None, model: str = "sm") -> FutureLikelihood:
        return FutureLikelihood(self, list(names), dict(fixed or {}), model)

    def chi2_stats(self) -> np.ndarray:
        """Inputs of the one-bin χ² (:func:`_one_bin`): the Asimov χ² of 003:280–284 with N_meas = the SM
        prediction, or for the current COHERENT CsI row the first-phase χ² of 003:273–277 on the 2017 measurement
        (N_meas = 142, B_0n = 6, B_ss = 405, σ_a1 = 0.28, σ_a2 = 0.25: the seed's "First phase of COHERENT")."""
        if self.cfg.get("chi2") == "first-phase":
            return np.array([1.0, CSI17_N_MEAS, CSI17_B_0N, CSI17_B_SS, CSI17_SIGMA_A1, CSI17_SIGMA_A2])
        return np.array([0.0, float(self.n_asimov), float(self.cfg["sigma"]), float(self.cfg["sigma"])])

    def data_checksums(self):
        if self.spec["source"] == "reactor":
            return datasets.dataset_checksums(REACTOR_DATASET)
        return {}


class FutureLikelihood(ModelLikelihood):
    """χ² of seed 003:280–284 for a :class:`FutureSetup` over points whose columns are ``names``."""

    def __init__(self, exp: FutureSetup, names, fixed, model: str = "sm"):
        self.bind(exp, names, fixed, model)
        self.sources = exp.tmm_sources
        self.tmm_mask = exp.tmm_mask
        cp, cn = exp.zprime_arrays(model)
        self.arrays = (*exp.node_arrays(), exp.rn, exp.resp, cp, cn)
        self.stats = exp.chi2_stats()
        self.profile = exp.options.get("sys", "profiled") == "profiled"  # False: nuisances held at 0

    def theta(self, points):
        """Kernel rows [sin²θ_W, norm] and coupling vectors (n, N_COUPLINGS) for an (n, len(names)) array."""
        pts = self.points_array(points)
        n = pts.shape[0]
        vals = {**self.defaults, **self.fixed, **{k: pts[:, c] for c, k in enumerate(self.names)}}
        theta = np.empty((n, 2))
        theta[:, 0] = vals["sin2w"]
        theta[:, 1] = vals["cevns_norm"]
        cpl = coupling_columns(self.model, vals, n, sources=self.sources)
        cpl[:, 22:22 + len(self.sources)] *= self.tmm_mask  # tmm signal of the selected beam only (option sm)
        assert cpl.shape[1] == N_COUPLINGS
        return theta, cpl

    def evaluate(self, points):
        theta, cpl = self.theta(points)
        chi2, eta = asimov_chi2_points_bsm(theta, cpl, *self.arrays, self.stats, self.profile)
        self.last_status = np.zeros(theta.shape[0], dtype=np.int64)
        return chi2, eta


def _make_class(setup_name):
    cls_name = "Future" + "".join(part.capitalize() for part in setup_name.split("-")[1:]).replace("_", "")
    options = dict(FutureSetup.OPTIONS)
    if SETUPS[setup_name]["source"] != "reactor":
        options["beam"] = ("all", tuple(SNS_BEAMS))
        options["sm"] = ("beam", ("beam", "all"))
    if SETUPS[setup_name].get("threshold_scale") == "ee":
        options["thr"] = ("ee", ("ee", "nr"))
    return type(cls_name, (FutureSetup,), {"setup": setup_name, "name": setup_name,
                                           "description": f"Asimov sensitivity: {SETUPS[setup_name]['title']}",
                                           "OPTIONS": options, "__module__": __name__})


# One class per setup (the registry maps a name to module:Class): FutureCoherentCsi, FutureConus, …
CLASSES = {name: _make_class(name) for name in SETUPS}
globals().update({cls.__name__: cls for cls in CLASSES.values()})
__all__ += [cls.__name__ for cls in CLASSES.values()]
