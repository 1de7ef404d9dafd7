"""Dresden-II: reactor ν̄_e on the 2.924 kg Ge detector NCC-1701 (Colaresi et al., PRL 129, 211802 (2022),
arXiv:2202.09672), on the public Rx-ON spectrum (130 bins of 10 eV, 0.2–1.5 keVee).

The full specification, with every input and choice, is docs/physics/dresden-ii.md. In short: natural Ge at
10.39 m from a 2.96 GW_th core, fission fractions 0.58/0.29/0.08/0.05 (²³⁵U/²³⁹Pu/²³⁸U/²⁴¹Pu), 0.6 ²³⁸U captures
per fission; reactor spectra HMVE (default), HMK or EFK (:mod:`cevns.scanner.reactor_fluxes`); quenching Fef
(default), YBe or Lindhard(k); Gaussian resolution σ² = σ_n² + ηFE; CEvNS on the five Ge isotopes (Helm) plus
ν̄_e–e scattering with the stepped Z_eff(T_e) (electron recoils unquenched); background ⁷¹Ge L1/L2/M EC peaks plus
epithermal-neutron exponential with 8 profiled nuisances; Gaussian χ² with the released errors.

Rates are counts per 10-eV bin per day (the release's unit), so every prediction here is per day.

Beyond the SM (spec page, "Beyond the SM"): every CEvNS model through
:func:`cevns.kernels.rates.cevns_source_spectra_bsm` (ν_e couplings), and ν̄_e–e with the magnetic moment, the
diagonal and transition charge radii and the millicharge through precomputed binned pieces weighted by T⁰, T⁻¹, T⁻²
(:func:`cevns.kernels.reactor.dresden_es_bsm`), and with the Z' and scalar mediators and the dark Z (whose
sin²θ_W(|q|) shift has the Z' propagator form) through per-node pieces, binned once per likelihood when the mediator
mass is fixed (:func:`cevns.kernels.reactor.dresden_es_mediator`). The recoil integral starts at one e–h pair of mean
ionisation.
"""

from __future__ import annotations

import numpy as np

from cevns.kernels.atomic import shell_arrays
from cevns.kernels.constants import (
    HBARC2_MEV2_CM2,
    M_ELECTRON,
    N_AVOGADRO,
)
from cevns.kernels.constants import HBARC_MEV_FM as HBARC
from cevns.kernels.couplings import FLAVOUR_E
from cevns.kernels.cross_sections import CEVNS_PREFACTOR, e_min, momentum_transfer, t_max
from cevns.kernels.electron_scattering import (
    ES_MILLICHARGE_SHIFT,
    ES_MM_PREFACTOR,
    ES_RADIUS_SHIFT,
    ES_SM_PREFACTOR,
    es_e_min,
    z_eff,
)
from cevns.kernels.form_factors import HELM_S, helm
from cevns.kernels.mediators import zprime_coefficients
from cevns.kernels.nuclear import element
from cevns.kernels.quadrature import piecewise_gauss_legendre
from cevns.kernels.rates import N_COUPLINGS, fn_cache_for
from cevns.kernels.reactor import (
    ES_MED_BINNED,
    ES_MED_NODES,
    ES_MED_OFF,
    N_ES_COLS,
    N_ES_MED_ROWS,
    N_ES_NODE_ROWS,
    dresden_background,
    dresden_chi2_points_bsm,
    dresden_fit,
    dresden_signal_bsm,
    es_mediator_bins,
    gauss_bin_response,
    ge_resolution,
    lindhard_quenching,
    pl_moments_at,
)

from .. import datasets
from .. import reactor_fluxes as rf
from ..errors import ConfigError
from ..likelihood import Likelihood
from ..models import (
    CHARGE_RADIUS_UNIT_CM2,
    MAGNETIC_MOMENT_UNIT,
    MILLICHARGE_UNIT,
    MODELS,
    SM_CHARGE_RADII,
    coupling_columns,
    electron_zprime_coefficient,
    mediator_columns,
    model_parameters,
    zprime_name,
)
from .base import Experiment
from .sns import Targets

__all__ = ["DresdenII", "DresdenLikelihood", "es_columns", "electron_zprime_coefficient", "DRESDEN_PARAMETERS"]

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
# Accepted Lindhard k: below 0.01 one e–h pair needs more than a 1-keV recoil (the ionisation-threshold search range).
K_RANGE = (0.01, 1.0)
GE_Z = 32.0
QF_TABLE_MAX_KEV = 4.5

BKG_NAMES = ("bkg_a", "bkg_b", "bkg_c", "l1_height", "l1_centre", "l1_width", "a_m", "eta_flux")

# Parameters that act on a pure ν̄_e source: the ν_e rows of NSI (diagonal and the off-diagonal pairs with e) and
# of the EM properties (docs/physics/dresden-ii.md, "Beyond the SM").
DRESDEN_PARAMETERS = (
    "sin2w", "cevns_norm", "rn_ge",
    "eps_u_ee", "eps_d_ee", "eps_u_emu", "eps_d_emu", "eps_u_etau", "eps_d_etau",
    "mu_nu_e", "rch2_ee", "rch2_emu", "rch2_etau", "q_nu_e",
)
# (flavour, antineutrino) of the one source, for the tmm model's μ_eff² (cevns.scanner.models.coupling_columns).
SOURCES = ((FLAVOUR_E, True),)
# ν–e shifts of g_V per unit charge radius [MeV²] and per unit millicharge × 1/T [MeV] (kernels.electron_scattering).
_CR_PREF = ES_RADIUS_SHIFT
_CR_UNIT_MEV = CHARGE_RADIUS_UNIT_CM2 / HBARC2_MEV2_CM2
_MC_PREF = ES_MILLICHARGE_SHIFT


def es_columns(values: dict, n: int, model: str = "sm") -> np.ndarray:
    """(n, N_ES_COLS) per-point ν̄_e–e coefficients [d, m, τ, μ², G, M_V², S, M_φ²] of
    :func:`cevns.kernels.reactor.dresden_es_bsm` and :func:`cevns.kernels.reactor.dresden_es_mediator`.

    g_V → g_V + (2/3) m_W² s_W² Δ⟨r²_ee⟩ − √2πα q_ν/(G_F m_e T) (the CEvNS shift of cevns.scanner.models with the
    opposite sign, as the electron charge is opposite to the proton's; arXiv:2205.09484), Δ⟨r²⟩ = ⟨r²⟩ − ⟨r²⟩_SM;
    τ = Σ_β [(2/3) m_W² s_W² ⟨r²_eβ⟩]²; μ² = (μ_νe/μ_B)². Mediators: G = g_Z'² and M_V² = m_Z'² of the Z' models
    (the electron charges are in :func:`electron_zprime_coefficient`); for ``darkz`` G and M_V² are the CEvNS Z'-slot
    values of :func:`cevns.scanner.models.coupling_columns` (G = √2 G_F 2ρ ε δ M_Z m_Zd s_W c_W, M_V² = m_Zd²,
    :func:`cevns.kernels.darkz.darkz_g2`), so both channels see one dark Z; S = g_φ⁴ (g_ν = g_e = g_φ: the seeds'
    scalar couples universally to quarks and leptons, 000:357) and M_φ² of ``scalar-universal``. Absent masses are 0,
    as in :func:`cevns.scanner.models.coupling_columns`; other models get G = S = 0 and M² = 1 (no 0/0).
    ``values``: name → scalar or (n,) array (SM if absent).
    """

    def get(name, default=0.0):
        return np.broadcast_to(np.asarray(values.get(name, default), dtype=float), (n,))

    out = np.zeros((n, N_ES_COLS))
    out[:, 0] = _CR_PREF * (get("rch2_ee", SM_CHARGE_RADII["ee"]) - SM_CHARGE_RADII["ee"]) * _CR_UNIT_MEV
    out[:, 1] = _MC_PREF * get("q_nu_e") * MILLICHARGE_UNIT
    out[:, 2] = sum((_CR_PREF * get(f"rch2_{p}") * _CR_UNIT_MEV) ** 2 for p in ("emu", "etau"))
    out[:, 3] = (get("mu_nu_e") * MAGNETIC_MOMENT_UNIT) ** 2
    out[:, 4:8] = mediator_columns(model, values, n)
    return out


def _theta_rows(defaults, rn_default, values, n, model):
    vals = {**defaults, **values}
    n_iso = rn_default.size
    out = np.empty((n, 2 + n_iso + N_COUPLINGS + N_ES_COLS))
    out[:, 0] = vals["sin2w"]
    out[:, 1] = vals["cevns_norm"]
    if "rn_ge" in vals:
        out[:, 2:2 + n_iso] = np.broadcast_to(np.asarray(vals["rn_ge"], dtype=float), (n,))[:, None]
    else:
        out[:, 2:2 + n_iso] = rn_default
    cpl = coupling_columns(model, vals, n, sources=SOURCES)
    out[:, 2 + n_iso:2 + n_iso + N_COUPLINGS] = cpl
    out[:, 2 + n_iso + N_COUPLINGS:] = es_columns(vals, n, model)
    # the tmm model's μ_eff² of the ν̄_e source (coupling slot 22, seed 003) acts on ν–e as well
    out[:, 2 + n_iso + N_COUPLINGS + 3] += cpl[:, 22]
    return out


class DresdenII(Experiment):
    """Dresden-II Rx-ON spectrum: CEvNS + ν̄_e–e on natural Ge, ⁷¹Ge EC peaks and epithermal-neutron background."""

    name = "dresden-ii"
    description = "Dresden-II reactor ν̄e on 2.924 kg Ge (NCC-1701) at 10.39 m, Rx-ON 96.4 d (arXiv:2202.09672)"
    parameters = DRESDEN_PARAMETERS
    source_flavours, source_label = (0,), "reactor ν̄_e flux"
    models = tuple(MODELS)
    nuisance_names = BKG_NAMES
    # channels: "cevns" switches the ν̄_e–e channel off (the CEvNS-only rows of 002:240).
    # nr_min: "ion" starts the recoil integral at one e–h pair of mean ionisation; "none" at 1e-8 MeV (sub-ionisation
    # recoils then leak into the bins through the Gaussian noise; the magnetic-moment term grows as ln(1/T_min)).
    # smearing: the Gaussian is cut at E = 0; "renormalised" (default, the public reanalysis code of
    # arXiv:2202.10829) rescales it to unit probability above 0, "cut" drops the part below 0 (before 2026-11-24).
    # For the spectrum figure (cevns.plots.spectra): rates per day with released errors, 10-eV bins.
    energy_label = "Energy [keVee]"
    count_label = "Counts / day"
    rate_heading = "expected counts per day in 0.2–1.5 keVee"
    zero_nuisances_refusal = ("its nuisances are the background model's parameters (A, B, C, L1 height, centre, "
                              "width, …), which have no value 0 to draw; use --nuisances fit")

    OPTIONS = {"qf": ("fef", ("fef", "ybe", "lindhard")), "flux": ("hmve", ("hmve", "hmk", "efk")),
               "k": (LINDHARD_K, float), "channels": ("cevns+es", ("cevns+es", "cevns")),
               "nr_min": ("ion", ("ion", "none")), "migdal": ("off", ("off", "on")),
               "smearing": ("renormalised", ("renormalised", "cut"))}

    def __init__(self, qf: str = "fef", flux: str = "hmve", k: float = LINDHARD_K, channels: str = "cevns+es",
                 nr_min: str = "ion", n_per_piece: int = 24, migdal: str = "off", smearing: str = "renormalised"):
        for key, val in (("qf", qf), ("flux", flux), ("channels", channels), ("nr_min", nr_min), ("migdal", migdal),
                         ("smearing", smearing)):
            allowed = self.OPTIONS[key][1]
            if val not in allowed:
                raise ConfigError(f"experiment 'dresden-ii': option {key}={val} not one of {', '.join(allowed)}")
        k = float(k)
        if not (np.isfinite(k) and K_RANGE[0] <= k <= K_RANGE[1]):
            raise ConfigError(f"experiment 'dresden-ii': option k={k} must lie in [{K_RANGE[0]}, {K_RANGE[1]}] "
                              f"(Lindhard k; 0.157 for Ge)")
        if qf != "lindhard" and k != LINDHARD_K:
            raise ConfigError(f"experiment 'dresden-ii': option k={k} applies only with qf=lindhard (qf={qf})")
        self.options = {"qf": qf, "flux": flux, "k": k, "channels": channels, "nr_min": nr_min, "migdal": migdal,
                        **({} if smearing == "renormalised" else {"smearing": smearing})}
        self.renormalise = smearing == "renormalised"
        self.nr_min = nr_min
        self.qf_model, self.flux_model, self.k, self.channels = qf, flux, k, channels

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
        self.n_cevns_nodes = self.t_nodes.size
        if migdal == "on":  # Migdal (000:508) as extra recoil nodes of the same kernel (cevns.scanner.migdal)
            from ..migdal import migdal_nodes

            mb, mfp, mq, mg, mq2, mresp = migdal_nodes(self)
            z = np.zeros_like(mb)
            self.base, self.base_mm, self.base_s = (np.concatenate([x, y], axis=2) for x, y in
                                                    ((self.base, mb), (self.base_mm, z), (self.base_s, z)))
            self.fp, self.q, self.gauss, self.q2 = (np.concatenate([x, y], axis=1) for x, y in
                                                    ((self.fp, mfp), (self.q, mq), (self.gauss, mg), (self.q2, mq2)))
            self.resp_nr = np.ascontiguousarray(np.hstack([self.resp_nr, mresp]))
            self.t_nodes = np.concatenate([self.t_nodes, np.zeros(mb.shape[2])])  # node count only
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
    def ionisation_threshold(self) -> float:
        """Nuclear recoil T_ion [MeV] whose mean ionisation f_Q T equals one e–h pair (ε = η = 2.96 eV): recoils
        below it make no charge, so the recoil grid starts there (spec page, "Ionisation threshold")."""
        from scipy.optimize import brentq

        return float(brentq(lambda t: 1e3 * t * self.quenching(1e3 * t)[0] - ETA_KEV, 1e-9, 1e-3, xtol=1e-14))

    def _nr_nodes(self, n_per_piece):
        tmax = [t_max(self.e_nu[-1], m) for m in self.targets.mass]
        self.t_ion = self.ionisation_threshold()
        t_lo = self.t_ion if self.nr_min == "ion" else 1e-8
        lo = [t_lo, *[b for b in (1e-7, 1e-6, 1e-5, 3e-5, 1e-4, 2e-4) if b > 1.5 * t_lo]]
        mid = np.linspace(3e-4, min(tmax), 9)
        return piecewise_gauss_legendre([*lo, *mid, *tmax], n_per_piece, 8)

    def _build_cevns(self, n_per_piece):
        tg = self.targets
        self.t_nodes, self.t_weights = self._nr_nodes(n_per_piece)
        t = self.t_nodes
        n_iso, n_t = len(tg.names), t.size
        self.base = np.zeros((n_iso, 1, n_t))
        self.base_mm = np.zeros((n_iso, 1, n_t))
        self.base_s = np.zeros((n_iso, 1, n_t))
        self.fp = np.empty((n_iso, n_t))
        self.q = np.empty((n_iso, n_t))
        mm_nodes = np.zeros(n_t)
        for a in range(n_iso):
            m = tg.mass[a]
            emin = np.array([e_min(x, m) for x in t])
            mom = pl_moments_at(self.e_nu, self.spectrum, emin)
            kin = mom[0] - t * mom[1] - 0.5 * m * t * mom[2]
            scale = self.t_weights * tg.count[a] * self.exposure
            self.base[a, 0] = scale * CEVNS_PREFACTOR * m * np.maximum(kin, 0)
            self.q[a] = [momentum_transfer(x, m) for x in t]
            self.fp[a] = [helm(qq, tg.rp[a]) for qq in self.q[a]]
            # Magnetic moment (000:1374): (πα²/m_e²)(1/T − 1/E) per μ_B², flux part Φ0/T − Φ1 (× Z² F_p² per point).
            self.base_mm[a, 0] = scale * ES_MM_PREFACTOR * np.maximum(mom[0] / t - mom[1], 0.0)
            # Scalar mediator (000:1073): (ħc)² M²/(4π) T Φ2 (× g_φ⁴ (σ_πN/m̄_ud)² (ZF_p + NF_n)²/(|q|² + M_φ²)²).
            self.base_s[a, 0] = scale * HBARC2_MEV2_CM2 * m * m / (4.0 * np.pi) * t * mom[2]
            mm_nodes += self.base_mm[a, 0] * tg.z[a] ** 2 * self.fp[a] ** 2
        self.gauss = np.exp(-0.5 * self.q * self.q * HELM_S * HELM_S)
        self.q2 = (self.q * HBARC) ** 2  # |q|² [MeV²]
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
        # ES pieces with weights T^(−j), j = 0, 1, 2 (T in MeV) for g_V = u + m/T (millicharge; dresden_es_bsm).
        self.es_pow = np.stack([ES_SM_PREFACTOR * (self.resp_ee @ (w * t ** (-j) * pieces).T).T for j in range(3)])
        # The arrays the likelihood uses: zero without the ES channel (option channels=cevns).
        on = 1.0 if self.channels == "cevns+es" else 0.0
        self.es_pow_used = np.ascontiguousarray(on * self.es_pow)
        self.mm_es_used = on * self.mm_es
        # Mediator pieces per node (cevns.kernels.reactor, comment before es_mediator_bins); row 6 (the model's
        # electron coefficient c_e) is filled per model by es_mediator_arrays.
        nodes = np.zeros((N_ES_NODE_ROWS, t.size))
        nodes[0:3] = ES_SM_PREFACTOR * w * pieces
        nodes[3] = w * HBARC2_MEV2_CM2 * M_ELECTRON**2 * t * mom[2] / (4.0 * np.pi)
        nodes[4] = 1.0 / t
        nodes[5] = 2.0 * M_ELECTRON * t
        self.es_nodes = nodes
        self.resp_ee = np.ascontiguousarray(self.resp_ee)

    def _response(self, e_true_kev):
        """R_ik = ∫_{bin i} N(E; E_k, σ(E_k)) dE (Gaussian truncated at 0; renormalised above 0 unless
        smearing=cut, :func:`cevns.kernels.reactor.gauss_bin_response`)."""
        out = np.zeros((self.edges.size - 1, e_true_kev.size))
        col = np.empty(self.edges.size - 1)
        for k, e in enumerate(e_true_kev):
            out[:, k] = gauss_bin_response(e, ge_resolution(e, SIGMA_N_KEV, ETA_KEV, FANO), self.edges, col,
                                           self.renormalise)
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
    def check_params(self, params: dict, model: str = "sm") -> dict[str, float]:
        """Validate names/values; the model's own parameters (g_zp, m_zp, g_phi, m_phi) are accepted for it."""
        extra = {k: v for k, v in params.items() if k in model_parameters(model)}
        out = super().check_params({k: v for k, v in params.items() if k not in extra})
        from ..params import check_value

        out.update({k: check_value(k, v) for k, v in extra.items()})
        return out

    def theta(self, params: dict | None = None) -> np.ndarray:
        """Kernel row [sin²θ_W, norm, R_n of the five Ge isotopes]."""
        p = self.defaults()
        p.update(self.check_params(params or {}))
        rn = np.full(len(self.targets.names), p["rn_ge"]) if "rn_ge" in p else self.rn_default
        return np.concatenate([[p["sin2w"], p["cevns_norm"]], rn])

    def theta_rows(self, values: dict, n: int, model: str = "sm") -> np.ndarray:
        """(n, 2 + n_iso + N_COUPLINGS + N_ES_COLS) rows of :func:`dresden_chi2_points_bsm`; ``values``: name →
        scalar or (n,) array, merged over the defaults (SM)."""
        return _theta_rows(self.defaults(), self.rn_default, values, n, model)

    def zprime_arrays(self, model: str):
        """(zp_cp (n_iso, 3, n_T), zp_cn (3,)) of a Z' model; zeros for models without a Z'."""
        key = zprime_name(model)
        if key is None:
            return np.zeros((len(self.targets.names), 3, self.t_nodes.size)), np.zeros(3)
        cp, cn = zprime_coefficients(key, np.sqrt(self.q2))  # cp: (3, n_iso, n_T)
        return np.ascontiguousarray(np.moveaxis(cp, 0, 1)), cn

    def es_mediator_arrays(self, model: str = "sm", row=None):
        """(mode, es_nodes, resp_ee, med_bins) of :func:`cevns.kernels.reactor.dresden_es_mediator` for ``model``.

        Mode ES_MED_OFF without the ν̄_e–e channel or for a model with no ν_e–e mediator coupling (c_e ≡ 0: B − 3L_μ,
        B_y + L_μ + L_τ, L_μ − L_τ; sm, tmm); ES_MED_BINNED when a kernel ``row`` is given, i.e. the masses
        are the same for every point (the pieces are binned here at the row's M_V², M_φ²); ES_MED_NODES otherwise.
        """
        nodes = self.es_nodes.copy()
        nodes[6] = electron_zprime_coefficient(model, self.te_nodes)
        med_bins = np.zeros((N_ES_MED_ROWS, self.e_centres.size))
        active = model == "scalar-universal" or bool(np.any(nodes[6] != 0.0))
        if self.channels != "cevns+es" or not active:
            return ES_MED_OFF, nodes, self.resp_ee, med_bins
        if row is None:
            return ES_MED_NODES, nodes, self.resp_ee, med_bins
        cols = np.asarray(row, dtype=float)[-N_ES_COLS:]
        es_mediator_bins(nodes, self.resp_ee, cols[5], cols[7], med_bins)
        return ES_MED_BINNED, nodes, self.resp_ee, med_bins

    def _arrays(self, model: str = "sm", row=None):
        """Kernel arrays of :func:`cevns.kernels.reactor.dresden_chi2_points_bsm` after θ; ``row``: see
        :meth:`es_mediator_arrays`."""
        cp, cn = self.zprime_arrays(model)
        tg = self.targets
        return (self.base, self.base_mm, self.base_s, self.fp, self.q, self.gauss, self.q2, tg.z, tg.n,
                np.array([FLAVOUR_E]), self.resp_nr, cp, cn, self.es_pow_used, self.mm_es_used,
                *self.es_mediator_arrays(model, row))

    def _signal(self, theta, norm=None, es=True, model="sm", row=None):
        """Signal per bin for a kernel row ``row`` (default: SM couplings at the base row ``theta``); ``norm``
        overrides the CEvNS normalisation, ``es=False`` drops ν̄_e–e."""
        if row is None:
            n_iso = len(self.targets.names)
            row = self.theta_rows({}, 1, model)[0]
            row[:2 + n_iso] = theta
        row = np.array(row, dtype=float)
        if norm is not None:
            row[1] = norm
        n_iso = len(self.targets.names)
        (base, base_mm, base_s, fp, q, gauss, q2, z, n, fl, resp, cp, cn, es_pow, es_mm, mode, nodes, resp_ee,
         med_bins) = self._arrays(model)
        if not es:
            es_pow, es_mm, mode = np.zeros_like(es_pow), np.zeros_like(es_mm), ES_MED_OFF
        out = np.empty(self.e_centres.size)
        c0 = 2 + n_iso
        dresden_signal_bsm(base, base_mm, base_s, fp, q, gauss, q2, z, n, fl, row[0], row[1],
                           np.ascontiguousarray(row[2:c0]), resp, np.ascontiguousarray(row[c0:c0 + N_COUPLINGS]),
                           cp, cn, es_pow, es_mm, mode, nodes, resp_ee, med_bins,
                           np.ascontiguousarray(row[c0 + N_COUPLINGS:]), out, fn_cache_for(base))
        return out

    # -- predictions ----------------------------------------------------------------------------------------------
    def predict(self, params: dict | None = None, model: str = "sm") -> dict[str, np.ndarray]:
        """Counts per bin per day: CEvNS (× cevns_norm, any model) and ν̄_e–e (EM properties; zero with
        channels=cevns) at the nominal flux; background components at their profiled values for this point."""
        if model != "sm":
            self.check_model(model)
        params = self.check_params(params or {}, model)
        row = self.theta_rows(params, 1, model)[0]
        _, p = self._chi2_row(row, model)
        return self._components(row, model, p, flux_scale=1.0)

    def predict_with_nuisances(self, params: dict | None, eta, model: str = "sm") -> dict[str, np.ndarray]:
        """Components per bin per day at given nuisances ``eta`` (BKG_NAMES order): the background model at those
        parameters and the signal scaled by the flux nuisance (1 + η_f), i.e. what the χ² compares with the data
        (for `cevns plot --spectrum`)."""
        params = self.check_params(params or {}, model)
        row = self.theta_rows(params, 1, model)[0]
        eta = np.asarray(eta, dtype=float)
        return self._components(row, model, eta, flux_scale=1.0 + float(eta[7]))

    def observed_errors(self) -> np.ndarray:
        """The released 1σ errors of the Rx-ON rates (statistics and acceptance; the χ² uses them as Gaussian σ)."""
        return self.err.copy()

    def _components(self, row, model, p, flux_scale):
        """Signal (× ``flux_scale``) and background components per bin per day at background parameters ``p``."""
        es = flux_scale * self._signal(None, norm=0.0, model=model, row=row)
        cevns = flux_scale * self._signal(None, es=False, model=model, row=row)
        e = self.e_centres
        zero = np.array([p[0], p[1], p[2], 0.0, p[4], p[5], 0.0, 0.0])
        epi = dresden_background(e, zero, SIGMA_N_KEV, np.empty(e.size))
        l1 = p[3] * np.exp(-0.5 * ((e - p[4]) / p[5]) ** 2)
        full = dresden_background(e, p, SIGMA_N_KEV, np.empty(e.size))
        l2 = p[3] * 0.008 * np.exp(-0.5 * ((e - 1.142) / p[5]) ** 2)
        if self.options["migdal"] == "on":  # CEvNS and Migdal parts: the kernel on each node block alone
            cevns, mig = (flux_scale * self._node_block_signal(row, model, sl) for sl in
                          (slice(0, self.n_cevns_nodes), slice(self.n_cevns_nodes, None)))
            return {"cevns": cevns, "migdal": mig, "es": es, "epithermal": epi, "l1": l1, "l2": l2,
                    "m": full - epi - l1 - l2}
        return {"cevns": cevns, "es": es, "epithermal": epi, "l1": l1, "l2": l2, "m": full - epi - l1 - l2}

    def _node_block_signal(self, row, model, sl):
        """norm × CEvNS-kernel counts per bin of the recoil nodes ``sl`` only (no ν–e)."""
        arr = list(self._arrays(model))
        for i in (0, 1, 2, 11):
            arr[i] = np.ascontiguousarray(arr[i][:, :, sl])
        for i in (3, 4, 5, 6, 10):
            arr[i] = np.ascontiguousarray(arr[i][:, sl] if arr[i].ndim == 2 else arr[i][..., sl])
        c0 = 2 + len(self.targets.names)
        out = np.empty(self.e_centres.size)
        dresden_signal_bsm(*arr[:10], row[0], row[1], np.ascontiguousarray(row[2:c0]), arr[10],
                           np.ascontiguousarray(row[c0:c0 + N_COUPLINGS]), arr[11], arr[12], np.zeros_like(arr[13]),
                           np.zeros_like(arr[14]), ES_MED_OFF, *arr[16:19],
                           np.ascontiguousarray(row[c0 + N_COUPLINGS:]), out, fn_cache_for(arr[0]))
        return out

    def _chi2_row(self, row, model="sm"):
        chi2, eta, _ = dresden_chi2_points_bsm(row[None, :], *self._arrays(model), self.e_centres, self.obs,
                                               self.err, self.p0.copy(), SIGMA_N_KEV)
        return float(chi2[0]), eta[0]

    def rate_summary(self, params: dict | None = None, model: str = "sm") -> dict:
        """Per-day and per-exposure numbers for `cevns rate` (0.2–1.5 keVee, 130 bins)."""
        pred = self.predict(params, model=model)
        per_day = {k: float(v.sum()) for k, v in pred.items()}
        return {"counts_per_day": per_day, "days_on": DAYS_ON,
                "counts_rx_on": {k: v * DAYS_ON for k, v in per_day.items()},
                "observed_per_day": float(self.obs.sum())}

    def observed(self) -> np.ndarray:
        return self.obs.copy()

    @property
    def energy_edges(self) -> np.ndarray:
        return self.edges

    def likelihood(self, names=(), fixed=None, model: str = "sm") -> DresdenLikelihood:
        return DresdenLikelihood(self, list(names), dict(fixed or {}), model)

    def data_checksums(self):
        out = {f"{DATASET}/{k}": v for k, v in datasets.dataset_checksums(DATASET).items()}
        out.update({f"{rf.DATASET}/{k}": v for k, v in datasets.dataset_checksums(rf.DATASET).items()})
        return out


class DresdenLikelihood(Likelihood):
    """Profiled χ² of :class:`DresdenII` over points whose columns are ``names`` (rest: ``fixed``)."""

    def __init__(self, exp: DresdenII, names, fixed, model="sm"):
        exp.check_model(model)
        allowed = (*exp.parameters, *model_parameters(model))
        for nm in (*names, *fixed):
            if nm not in allowed:
                exp.check_params({nm: 0.0}, model)  # unknown names: error with suggestion
                raise ConfigError(f"parameter '{nm}' does not apply to '{exp.name}' with model '{model}'")
        dup = set(names) & set(fixed)
        if dup:
            raise ConfigError(f"parameter(s) {sorted(dup)} both scanned and fixed")
        self.names = tuple(names)
        self.model = model
        self.nuisance_names = exp.nuisance_names
        self.experiment_name = exp.name
        self.fixed = exp.check_params(dict(fixed), model)
        self.row0 = exp.theta_rows(self.fixed, 1, model)[0]
        self.defaults = exp.defaults()
        self.rn_default = exp.rn_default.copy()
        # ν̄_e–e mediator pieces binned once when the mediator mass is not scanned (cevns.kernels.reactor,
        # ES_MED_BINNED); per-node fold otherwise.
        mass_free = any(nm in self.names for nm in ("m_zp", "m_phi", "m_zd"))
        self.arrays = (*exp._arrays(model, None if mass_free else self.row0), exp.e_centres, exp.obs, exp.err,
                       exp.p0.copy(), SIGMA_N_KEV)
        self._checksums = exp.data_checksums()
        self.last_status = np.zeros(1, dtype=np.int64)

    def data_checksums(self):
        return dict(self._checksums)

    def theta(self, points) -> np.ndarray:
        pts = self.points_array(points)
        if not self.names:
            return np.tile(self.row0, (pts.shape[0], 1))
        vals = {**self.fixed, **{k: pts[:, c] for c, k in enumerate(self.names)}}
        return _theta_rows(self.defaults, self.rn_default, vals, pts.shape[0], self.model)

    def evaluate(self, points):
        theta = self.theta(points)
        chi2, eta, status = dresden_chi2_points_bsm(theta, *self.arrays)
        self.last_status = status
        return chi2, eta
