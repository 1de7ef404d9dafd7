"""XENONnT first electronic-recoil search (E. Aprile et al., PRL 129, 161805 (2022), arXiv:2207.11330) as a
neutrino magnetic-moment experiment on its public release.

The full specification is docs/physics/xenonnt-er-2022.md. In short: the 433 released events in 29 bins of
1 keV from 1 to 30 keV; the released best-fit background model B0 (which already contains the SM solar-ν–e
scattering and the efficiency) × 1.16 t·yr, with a free (unconstrained) normalisation; the signal is the
magnetic-moment part of ν–e scattering of solar neutrinos on xenon with the stepped Z_eff(T) (seed 000:1384, 466),
smeared with the XENON energy resolution and multiplied by the released efficiency. The parameter is
``mu_nu_eff`` in units of 1e-12 μ_B; the response is precomputed at μ = 1e-12 μ_B, so a parameter point costs
μ² × (29-vector) and the profiled Poisson χ² of seed 000:1094 with one nuisance.

The seeds quote LZ (< 6.2e-12 μ_B, 000:1469), whose spectra are not public; XENONnT's own limit on this data is
6.3e-12 μ_B (90 % CL).

The other EM properties that act on ν–e scattering (000:452–466: "LZ, XENONnT … are sensitive to these
quantities") shift g_V of the SM solar-ν–e rate inside B0 (seed 002:126; kernels.electron_scattering):
g_V → g_V + d_α + m_α/T with d_α = (2/3) m_W² s_W² Δ⟨r²_αα⟩ + 2 Δsin²θ_W and m_α = −√2πα q_α/(G_F m_e), plus the
incoherent transition radii τ_α = Σ_β [(2/3) m_W² s_W² ⟨r²_αβ⟩]². The signal is the change of that rate,
Σ_α w_α [K(g_V + δ_α) − K(g_V)] + τ_α ∂²K/∂g_V²/2, with K the SM bracket of es_sm_moment_kernel (quadratic in g_V),
so five binned arrays per flavour class are precomputed and a point costs a few 29-vectors. Flavour α is the one
the neutrino *arrives* with (weights P_ee for ν_e and (1 − P_ee)(cos²θ23, sin²θ23) for ν_μ, ν_τ, the
approximation of the Borexino and XENONnT flavour analyses).

Models (``--model``): the Z' models, ``darkz`` and ``scalar-universal`` act on ν–e scattering through the electron
coupling (cevns.scanner.models.electron_zprime_coefficient and mediator_columns, as for Dresden-II's ν̄_e–e):
a vector adds Δg_V = G c_α(T)/(2 m_e T + M²) to the shift above, per node (the mass may be scanned); the scalar adds
S m_e² T Φ2 (ħc)²/(4π (2 m_e T + M_φ²)²) (no interference). ``tmm``: Majorana transition moments seen by solar
neutrinos, an incoherent admixture of mass states (003:323–334, Cañas et al., PLB 753 (2016)):
μ²_sol(E) = |Λ|² − c13²|Λ2|² + (c13² − 1)|Λ3|² + c13² P_e1(E) (|Λ2|² − |Λ1|²), no phase dependence; P_e1(E), the
2ν probability of arriving as ν_1, follows from the P_ee(E) inside the flavour templates
(P_ee = c13⁴ (s12² + cos2θ12 P_e1) + s13⁴), so the P_e1-weighted template is a fixed combination of the two.
"""

from __future__ import annotations

import math

import numpy as np

from cevns.kernels._jit import jit
from cevns.kernels.atomic import shell_arrays
from cevns.kernels.constants import HBARC2_MEV2_CM2, M_ELECTRON, N_AVOGADRO, SIN2W_LOW_ENERGY
from cevns.kernels.electron_scattering import (
    ES_MILLICHARGE_SHIFT,
    ES_MM_PREFACTOR,
    ES_RADIUS_SHIFT,
    ES_SM_PREFACTOR,
    es_couplings,
    es_mm_moment_kernel,
    es_sm_moment_kernel,
    z_eff,
)
from cevns.kernels.likelihood import profile_into
from cevns.kernels.nuclear import element
from cevns.kernels.quadrature import gauss_legendre, piecewise_gauss_legendre

from .. import datasets, solar
from ..likelihood import Likelihood
from ..models import (
    CHARGE_RADIUS_UNIT_CM2,
    MAGNETIC_MOMENT_UNIT,
    MILLICHARGE_UNIT,
    MODELS,
    SM_CHARGE_RADII,
    electron_zprime_coefficient,
    mediator_columns,
    model_parameters,
)
from .base import Experiment
from .coherent_csi_2021 import rebin

__all__ = ["XenonNTER2022", "ERLikelihood", "er_signal_chi2_points", "resolution_sigma",
           "EM_EE_PARAMETERS", "em_interference_counts", "TMM_SOLAR_PARAMETERS"]

DATASET = "xenonnt-er-2022"

# Exposure 1.16 t·yr (PRL 129, 161805, abstract; not in the release files, see PROVENANCE.md).
EXPOSURE_T_YR = 1.16
SECONDS_PER_YEAR = 365.25 * 86400.0
# Energy resolution σ(E) = a sqrt(E) + b E [keV], XENON1T ER fit (E. Aprile et al., PRD 102, 072004 (2020),
# Sec. III: a = 0.310 sqrt(keV), b = 0.0037); XENONnT's PRL states a comparable resolution without printing the
# parameters (see the spec page).
RES_A, RES_B = 0.310, 0.0037
# Analysis bins [keV]: 1-keV bins from 1 to 30 keV (the release's unbinned range).
EDGES_KEV = np.arange(1.0, 31.0, 1.0)
# True recoil-energy node range [keV]: σ(1 keV) = 0.31 keV, σ(30 keV) = 1.8 keV; 0.3 and 36 keV are > 2.2σ and
# > 3.3σ outside the analysis range (where the efficiency is < 1 % at 0.3 keV + 2.2σ).
T_LO_KEV, T_HI_KEV = 0.3, 36.0
# sin²θ23 (NuFIT 5.2, normal ordering) splits the non-ν_e solar flux into ν_μ and ν_τ (θ13 neglected here).
SIN2_THETA23 = 0.572
COS2_THETA23 = 1.0 - SIN2_THETA23
# Unit of mu_nu_eff.
MU_UNIT = 1e-12
# B0 normalisation nuisance: unconstrained (the release gives no prior); a prior width of 1e3 is numerically free.
SIGMA_B0 = 1e3
# EM parameters acting on ν–e scattering besides the magnetic moment, and sin²θ_W (docstring).
EM_EE_PARAMETERS = ("sin2w", "rch2_ee", "rch2_mumu", "rch2_tautau", "rch2_emu", "rch2_etau", "rch2_mutau",
                    "q_nu_e", "q_nu_mu", "q_nu_tau")
_FLAVOURS = ("ee", "mumu", "tautau")
# The tmm parameters that act on solar neutrinos: the moduli only (no phase dependence, 003:323).
TMM_SOLAR_PARAMETERS = ("tmm_l1", "tmm_l2", "tmm_l3")
# Models here: every model of the seeds acts on ν–e scattering (mediators through the electron coupling, tmm
# through the solar mass-state admixture).
ER_MODELS = ("sm", "tmm", "darkz", "scalar-universal", *(m for m in MODELS if m.startswith("zprime-")))
_CR_UNIT_MEV = CHARGE_RADIUS_UNIT_CM2 / HBARC2_MEV2_CM2


def resolution_sigma(e_kev):
    """Gaussian energy resolution σ(E) [keV] = a sqrt(E) + b E (see RES_A, RES_B)."""
    e = np.asarray(e_kev, dtype=float)
    return RES_A * np.sqrt(e) + RES_B * e


def xenon_atoms_per_tonne():
    """Xe atoms per tonne of natural xenon (isotopic abundances × AME2020 masses)."""
    mass_u = sum(f * iso.atomic_mass_u for iso, f in element("Xe"))
    return 1e6 / mass_u * N_AVOGADRO


@jit
def er_signal_chi2_points(signal, b0, obs, sigmas):
    """χ²_min over the B0 normalisation for a signal per point and bin (n_pts, n_bins):
    μ_b = (1 + η) B0_b + S_b (seed 000:1094 Poisson χ²; the signal row has prior width 0).
    Returns chi2 (n,), eta (n, 1), status (n,)."""
    n_pts, nb = signal.shape
    comps = np.empty((2, nb))
    comps[0, :] = b0
    chi2 = np.empty(n_pts)
    eta = np.empty((n_pts, 1))
    status = np.empty(n_pts, dtype=np.int64)
    eta_p = np.zeros(2)
    work = np.empty((10, max(2, nb)))
    for p in range(n_pts):
        comps[1, :] = signal[p]
        eta_p[:] = 0.0
        c, st = profile_into(obs, comps, sigmas, eta_p, work)
        chi2[p] = c
        eta[p, 0] = eta_p[0]
        status[p] = st
    return chi2, eta, status


class XenonNTER2022(Experiment):
    """XENONnT ER 2022: B0 + magnetic-moment ν–e scattering of solar neutrinos, 29 × 1-keV bins.

    Magnetic moments (option ``moment``):

    - ``effective`` (default): the moment is labelled by the flavour the neutrino is *produced* with, the effective
      magnetic moment μ_{ν_ℓ} of seed 002:202 (Giunti & Studenikin, RMP 87, 531 (2015), § "effective magnetic
      moment": μ²_{ν_ℓ}(L, E) = Σ_j |Σ_k U*_{ℓk} e^{−iE_k L} μ_jk|², a property of the beam that starts as ν_ℓ). All
      solar neutrinos are produced as ν_e, so ``mu_nu_e`` [1e-10 μ_B] multiplies the whole solar flux; it is the
      quantity solar experiments quote as μ_ν^eff (XENONnT, LZ, Borexino), also available as ``mu_nu_eff``
      [1e-12 μ_B] (the two add in quadrature if both are given). At the short baselines of reactors and the SNS
      this label coincides with the detected flavour, so ``mu_nu_e`` means the same everywhere.
      ``mu_nu_mu`` / ``mu_nu_tau`` do not apply (no solar ν_μ, ν_τ are produced) and are refused.
    - ``flavour``: flavour-diagonal moments μ_α of the neutrino *arriving* as ν_α, weighted by the oscillation
      probabilities: μ_eff² = P_ee μ_e² + (1 − P_ee)(cos²θ23 μ_μ² + sin²θ23 μ_τ²) (Borexino-style flavour limits).
    """

    name = "xenonnt-er-2022"
    description = ("XENONnT first ER search, 1.16 t·yr, 1–30 keV (PRL 129, 161805); solar ν–e: magnetic and transition "
                   "moments, charge radii, millicharges, light mediators")
    # mu_nu_eff: the effective moment of the solar flux [1e-12 μ_B]; mu_nu_e/mu/tau [1e-10 μ_B]: see the docstring.
    PARAMETERS_BY_MOMENT = {"effective": ("mu_nu_eff", "mu_nu_e", *EM_EE_PARAMETERS),
                            "flavour": ("mu_nu_eff", "mu_nu_e", "mu_nu_mu", "mu_nu_tau", *EM_EE_PARAMETERS)}
    parameters = PARAMETERS_BY_MOMENT["effective"]
    nuisance_names = ("eta_b0",)
    components = ("b0", "magnetic_moment", "em_interference")
    models = ER_MODELS
    OPTIONS: dict = {"moment": ("effective", ("effective", "flavour"))}

    def __init__(self, moment: str = "effective", n_per_piece: int = 24, n_min: int = 6):
        if moment not in self.PARAMETERS_BY_MOMENT:
            from ..errors import ConfigError

            raise ConfigError(f"experiment '{self.name}': option moment={moment} not one of effective, flavour")
        self.options = {"moment": moment}
        self.parameters = self.PARAMETERS_BY_MOMENT[moment]
        self.edges = EDGES_KEV.copy()
        self.n_atoms = xenon_atoms_per_tonne() * EXPOSURE_T_YR  # atom·yr
        self.efficiency_table = datasets.load_table(DATASET, "efficiency.txt")
        self.events = datasets.load_table(DATASET, "data_unbinned_1to30kev.txt").ravel()
        self.obs = np.histogram(self.events, bins=self.edges)[0].astype(float)
        bkg = datasets.load_table(DATASET, "bkg_model.txt")
        # Rows are 0.1-keV bins (centres 0.05 … 29.95) in events/(t·yr·keV): counts = rate × 0.1 keV × exposure.
        self.b0 = rebin(bkg[:, 0], bkg[:, 1] * 0.1 * EXPOSURE_T_YR, 0.1, self.edges)

        thr, cnt = shell_arrays("Xe")
        self.shell_thresholds, self.shell_counts = thr, cnt
        edges_in = [1e3 * x for x in thr if T_LO_KEV < 1e3 * x < T_HI_KEV]
        breaks = [T_LO_KEV, 1.0, 2.0, 5.0, 10.0, 20.0, T_HI_KEV, *edges_in]
        t_kev, w_kev = piecewise_gauss_legendre(breaks, n_per_piece, n_min)
        self.t_nodes, self.t_weights = 1e-3 * t_kev, 1e-3 * w_kev  # MeV
        self.zeff = np.array([z_eff(t, thr, cnt) for t in self.t_nodes])
        self.moments = solar.es_moments(self.t_nodes)  # source -> (2 flavours, 3 k, n_T)
        self.resp = self._energy_response(t_kev)

        mom = sum(self.moments.values())  # (2, 3, n_T), summed over sources
        # Electrons × exposure × quadrature weight per node: every per-node rate below is multiplied by it.
        self.node_scale = self.n_atoms * SECONDS_PER_YEAR * self.t_weights * self.zeff
        # Magnetic-moment counts per node and flavour at μ = 1e-12 μ_B (coefficient Φ0/T − Φ1).
        self.mm_nodes = np.array([
            self.node_scale * ES_MM_PREFACTOR * MU_UNIT**2
            * np.array([es_mm_moment_kernel(t, mom[f, 0, k], mom[f, 1, k]) for k, t in enumerate(self.t_nodes)])
            for f in range(2)
        ])
        self.mm_by_flavour = self.mm_nodes @ self.resp.T  # (2, n_bins)
        self.mm = self.mm_by_flavour.sum(axis=0)
        self.node_arrays = self._node_arrays(mom)
        self.gv_shift_bins = self._gv_shift_bins()

    def _node_arrays(self, mom):
        """Per-node pieces for points whose shift depends on T beyond 1/T (a mediator of free mass), counts before
        the energy response: rows [∂K/∂g_V (ν_e), ∂K/∂g_V (ν_μτ), K₂ (ν_e), K₂ (ν_μτ), scalar piece, 2 m_e T,
        1/T], the scalar piece n_e t w Z_eff (ħc)² m_e² T Φ2/(4π) over both flavour classes."""
        t = self.t_nodes
        base = self.node_scale
        out = np.empty((7, t.size))
        for c in range(2):
            gv, ga = es_couplings(c, False, SIN2W_LOW_ENERGY)
            phi0, phi1, phi2 = mom[c]
            psi = phi0 - 2.0 * t * phi1 + t * t * phi2
            k2 = phi0 + psi - M_ELECTRON * t * phi2
            out[c] = base * ES_SM_PREFACTOR * (2.0 * gv * k2 + 2.0 * ga * (phi0 - psi))
            out[2 + c] = base * ES_SM_PREFACTOR * k2
        out[4] = base * HBARC2_MEV2_CM2 * M_ELECTRON**2 * t * (mom[0, 2] + mom[1, 2]) / (4.0 * math.pi)
        out[5] = 2.0 * M_ELECTRON * t
        out[6] = 1.0 / t
        return out

    def _gv_shift_bins(self):
        """(2 flavour classes, 5, n_bins): the node pieces ∂K/∂g_V and K₂ of :meth:`_node_arrays`, binned as
        [∂K/∂g_V, ∂K/∂g_V /T, K₂, K₂/T, K₂/T²]; K = es_sm_moment_kernel = K₂ g_V² + K₁ g_V + K₀ at the SM couplings.
        A shift δ = d + m/T changes the counts by d·A0 + m·A1 + d²·A2 + 2dm·A3 + m²·A4 (module docstring)."""
        na = self.node_arrays
        inv_t = na[6]
        return np.array([np.array([lin, lin * inv_t, k2, k2 * inv_t, k2 * inv_t * inv_t]) @ self.resp.T
                         for lin, k2 in ((na[0], na[2]), (na[1], na[3]))])

    def zprime_node_coefficients(self, model: str) -> np.ndarray:
        """(3, n_T) c_α(T_k) of the electron coupling of ``model`` for α = e, μ, τ (zeros for non-vector models)."""
        if model not in ("darkz",) and not model.startswith("zprime-"):
            return np.zeros((3, self.t_nodes.size))
        return np.array([electron_zprime_coefficient(model, self.t_nodes, f) for f in range(3)])

    @staticmethod
    def tmm_solar_moment(values: dict, n: int = 1):
        """(A, B) per point [MU_UNIT²] of μ²_sol(E) = A + B P_e1(E) (module docstring; Λ_i in 1e-10 μ_B)."""
        def get(k):
            return np.broadcast_to(np.asarray(values.get(k, 0.0), dtype=float), (n,))

        c13sq = 1.0 - solar.SIN2_THETA13
        l1, l2, l3 = (get(k) ** 2 for k in TMM_SOLAR_PARAMETERS)
        unit = (MAGNETIC_MOMENT_UNIT / MU_UNIT) ** 2
        a = (l1 + l2 + l3) - c13sq * l2 + (c13sq - 1.0) * l3
        b = c13sq * (l2 - l1)
        return a * unit, b * unit

    def tmm_templates(self):
        """(U, W): the magnetic-moment counts per MU_UNIT² of the whole solar flux and of its P_e1-weighted part,
        W from the P_ee-weighted template: P_e1 = ((P_ee − s13⁴)/c13⁴ − s12²)/cos2θ12 (module docstring)."""
        s12, s13 = solar.SIN2_THETA12, solar.SIN2_THETA13
        u = self.mm_by_flavour.sum(axis=0)
        w = ((self.mm_by_flavour[0] - s13**2 * u) / (1.0 - s13) ** 2 - s12 * u) / (1.0 - 2.0 * s12)
        return u, w

    @staticmethod
    def gv_shifts(values: dict, n: int = 1):
        """Per point and flavour (e, μ, τ): d [-] and m [MeV] of g_V → g_V + d + m/T, and τ [-] of the transition
        radii (module docstring); ``values``: name → scalar or (n,) array (SM if absent). Returns three (n, 3)."""
        def get(k, default=0.0):
            return np.broadcast_to(np.asarray(values.get(k, default), dtype=float), (n,))

        ds2 = 2.0 * (get("sin2w", SIN2W_LOW_ENERGY) - SIN2W_LOW_ENERGY)
        d = np.stack([ES_RADIUS_SHIFT * _CR_UNIT_MEV * (get(f"rch2_{f}", SM_CHARGE_RADII[f]) - SM_CHARGE_RADII[f])
                      + ds2 for f in _FLAVOURS], axis=1)
        m = np.stack([ES_MILLICHARGE_SHIFT * MILLICHARGE_UNIT * get(f"q_nu_{f}") for f in ("e", "mu", "tau")], axis=1)
        r = {p: (ES_RADIUS_SHIFT * _CR_UNIT_MEV * get(f"rch2_{p}")) ** 2 for p in ("emu", "etau", "mutau")}
        tau = np.stack([r["emu"] + r["etau"], r["emu"] + r["mutau"], r["etau"] + r["mutau"]], axis=1)
        return d, m, tau

    def em_interference_counts(self, values: dict, n: int = 1) -> np.ndarray:
        """(n, n_bins) change of the solar-ν–e counts from the g_V shifts of :meth:`gv_shifts` (0 at the SM)."""
        return em_interference_counts(self.gv_shift_bins, values, n)

    # -- response construction (once) ---------------------------------------------------------------------------
    def efficiency(self, e_kev):
        """Released total efficiency at reconstructed energy E [keV] (linear interpolation, held at the ends)."""
        tab = self.efficiency_table
        return np.interp(e_kev, tab[:, 0], tab[:, 1])

    def _energy_response(self, t_kev, n_gl=16):
        """A_ik = ∫_{bin i} ε(E) N(E; T_k, σ(T_k)) dE (Gaussian smearing, then the released efficiency)."""
        xs, ws = gauss_legendre(n_gl, 0.0, 1.0)
        sig = resolution_sigma(t_kev)
        resp = np.zeros((self.edges.size - 1, t_kev.size))
        for i, (lo, hi) in enumerate(zip(self.edges[:-1], self.edges[1:])):
            e = lo + (hi - lo) * xs
            w = (hi - lo) * ws * self.efficiency(e)
            z = (e[:, None] - t_kev[None, :]) / sig[None, :]
            resp[i] = np.sum(w[:, None] * np.exp(-0.5 * z * z) / (math.sqrt(2 * math.pi) * sig[None, :]), axis=0)
        return resp

    # -- physics helpers --------------------------------------------------------------------------------------------
    def mm_rate_true(self, t_mev, mu=1.0):
        """Unsmeared magnetic-moment rate dR/dT [events/(t·yr·keV)] at the nodes' T (μ in 1e-12 μ_B)."""
        idx = np.searchsorted(self.t_nodes, t_mev)
        assert np.allclose(self.t_nodes[idx], t_mev)
        per_mev = self.mm_nodes[:, idx].sum(axis=0) / self.t_weights[idx]
        return per_mev * 1e-3 / EXPOSURE_T_YR * mu * mu

    def solar_sm_counts(self, sin2w=None):
        """SM solar-ν–e counts per bin (smeared, efficiency applied). Already inside B0: for checks only."""
        from cevns.kernels.constants import SIN2W_LOW_ENERGY

        s2 = SIN2W_LOW_ENERGY if sin2w is None else sin2w
        mom = sum(self.moments.values())
        scale = self.node_scale * ES_SM_PREFACTOR
        nodes = np.zeros(self.t_nodes.size)
        for f, flav in enumerate((0, 1)):
            gv, ga = es_couplings(flav, False, s2)
            nodes += np.array([es_sm_moment_kernel(t, mom[f, 0, k], mom[f, 1, k], mom[f, 2, k], gv, ga)
                               for k, t in enumerate(self.t_nodes)])
        return self.resp @ (scale * nodes)

    # -- interface ----------------------------------------------------------------------------------------------------
    def model_parameter_names(self, model: str) -> tuple[str, ...]:
        """The parameters ``model`` adds here: for tmm only the moduli |Λ_i| (solar ν: no phases)."""
        return TMM_SOLAR_PARAMETERS if model == "tmm" else model_parameters(model)

    def parameter_hint(self, name: str) -> str:
        if name in ("tmm_z1", "tmm_z2", "tmm_z3", "delta_cp"):
            return ("solar neutrinos arrive as an incoherent admixture of mass states, so the transition moments "
                    "enter without their phases (003:323)")
        if self.options["moment"] == "effective" and name in ("mu_nu_mu", "mu_nu_tau"):
            return (f"solar neutrinos are produced as ν_e, whose effective moment is mu_nu_e; for flavour-basis "
                    f"moments use '{self.name}:moment=flavour'")
        return ""

    def mu(self, params: dict | None = None) -> float:
        p = self.defaults()
        p.update(self.check_params(params or {}))
        return float(p["mu_nu_eff"])

    @staticmethod
    def moment_squares(values: dict, n: int = 1, moment: str = "effective"):
        """(μ_e², μ_μτ²) per point in units of MU_UNIT² for the two flavour templates of ``mm_by_flavour``
        (the ν_e and the ν_μ + ν_τ parts of the solar flux at Earth); ``moment`` as in the class docstring."""
        def get(k):
            return np.broadcast_to(np.asarray(values.get(k, 0.0), dtype=float), (n,))

        per_flavour = 1e-10 / MU_UNIT  # parameter units of mu_nu_e/mu/tau in template units
        eff2 = get("mu_nu_eff") ** 2
        if moment == "effective":
            m2 = eff2 + (get("mu_nu_e") * per_flavour) ** 2
            return m2, m2
        m2_e = eff2 + (get("mu_nu_e") * per_flavour) ** 2
        m2_mt = eff2 + (COS2_THETA23 * get("mu_nu_mu") ** 2 + SIN2_THETA23 * get("mu_nu_tau") ** 2) * per_flavour**2
        return m2_e, m2_mt

    def check_params(self, params: dict, model: str = "sm") -> dict[str, float]:
        """Validate ``params`` under ``model`` (its own parameters allowed where they act here)."""
        from ..errors import ConfigError
        from ..params import check_value, parameter

        self.check_model(model)
        own = self.model_parameter_names(model) if model != "sm" else ()
        extra = {k: v for k, v in params.items() if k in own}
        for k in params:
            if k not in own and k not in self.parameters and k in model_parameters(model):
                parameter(k)
                raise ConfigError(f"parameter '{k}' does not apply to experiment '{self.name}': "
                                  f"{self.parameter_hint(k) or 'no effect here'}")
        out = super().check_params({k: v for k, v in params.items() if k not in extra})
        out.update({k: check_value(k, v) for k, v in extra.items()})
        return out

    def predict(self, params: dict | None = None, model: str = "sm") -> dict[str, np.ndarray]:
        """Expected counts per 1-keV bin (η = 0): B0 (which holds the SM solar-ν–e rate), the magnetic-moment signal
        (with the transition moments of ``tmm``) and the change of the ν–e rate from sin²θ_W, charge radii,
        millicharges and mediators (may be negative)."""
        p = self.defaults()
        p.update(self.check_params(params or {}, model))
        arrays = ModelArrays.of(self, model)
        mm, em = arrays.signal_parts(p, 1)
        return {"b0": self.b0.copy(), "magnetic_moment": mm[0], "em_interference": em[0]}

    def observed(self) -> np.ndarray:
        return self.obs.copy()

    def likelihood(self, names=(), fixed=None, model: str = "sm") -> ERLikelihood:
        return ERLikelihood(self, list(names), dict(fixed or {}), model)

    def data_checksums(self):
        return datasets.dataset_checksums(DATASET)


def em_interference_counts(gv_shift_bins, values: dict, n: int = 1) -> np.ndarray:
    """(n, n_bins) change of the solar-ν–e counts for the g_V shifts of :meth:`XenonNTER2022.gv_shifts`, from the
    precomputed ``gv_shift_bins`` (2 flavour classes, 5, n_bins) of :meth:`XenonNTER2022._gv_shift_bins`."""
    d, m, tau = XenonNTER2022.gv_shifts(values, n)
    weights = ((0, 1.0), (1, COS2_THETA23), (1, SIN2_THETA23))  # (flavour class, weight) of e, μ, τ
    out = np.zeros((n, gv_shift_bins.shape[2]))
    for f, (c, w) in enumerate(weights):
        a = gv_shift_bins[c]
        df, mf = d[:, f:f + 1], m[:, f:f + 1]
        out += w * (df * a[0] + mf * a[1] + (df * df + tau[:, f:f + 1]) * a[2] + 2.0 * df * mf * a[3]
                    + mf * mf * a[4])
    return out


class ModelArrays:
    """The precomputed arrays one model needs (picklable, without the experiment) and the signal per point."""

    def __init__(self, moment, model, mm_e, mm_mt, gv_shift_bins, node_arrays=None, resp=None, zcoef=None, tmm=None):
        self.moment, self.model = moment, model
        self.mm_e, self.mm_mt, self.gv_shift_bins = mm_e, mm_mt, gv_shift_bins
        self.node_arrays, self.resp, self.zcoef, self.tmm = node_arrays, resp, zcoef, tmm

    @classmethod
    def of(cls, exp: XenonNTER2022, model: str = "sm") -> ModelArrays:
        mediator = model not in ("sm", "tmm")
        return cls(exp.options["moment"], model, exp.mm_by_flavour[0].copy(), exp.mm_by_flavour[1].copy(),
                   exp.gv_shift_bins.copy(),
                   node_arrays=exp.node_arrays.copy() if mediator else None,
                   resp=exp.resp.copy() if mediator else None,
                   zcoef=exp.zprime_node_coefficients(model) if mediator else None,
                   tmm=np.array(exp.tmm_templates()) if model == "tmm" else None)

    def signal_parts(self, values: dict, n: int, em: bool = True):
        """(magnetic moment, ν–e change) counts (n, n_bins) for ``values`` (name → scalar or (n,) array); with
        ``em=False`` (no g_V-shifting parameter, no mediator) the change is None."""
        m2_e, m2_mt = XenonNTER2022.moment_squares(values, n, self.moment)
        mm = m2_e[:, None] * self.mm_e[None, :] + m2_mt[:, None] * self.mm_mt[None, :]
        if self.tmm is not None:
            a, b = XenonNTER2022.tmm_solar_moment(values, n)
            mm = mm + a[:, None] * self.tmm[0][None, :] + b[:, None] * self.tmm[1][None, :]
        if not em:
            return mm, None
        if self.node_arrays is None:
            return mm, em_interference_counts(self.gv_shift_bins, values, n)
        return mm, self._mediator_counts(values, n)

    def _mediator_counts(self, values: dict, n: int, block: int = 2048):
        """Node-level ν–e change with a mediator of any mass: δ_α(T) = d_α + m_α/T + G c_α(T)/(2 m_e T + M_V²) per
        flavour, plus τ_α K₂ and the scalar; folded through the energy response."""
        d, m, tau = XenonNTER2022.gv_shifts(values, n)
        med = mediator_columns(self.model, values, n)
        na, z = self.node_arrays, self.zcoef
        weights = ((0, 1.0), (1, COS2_THETA23), (1, SIN2_THETA23))
        out = np.empty((n, self.resp.shape[0]))
        for lo in range(0, n, block):
            sl = slice(lo, min(n, lo + block))
            prop_v = 1.0 / (na[5][None, :] + med[sl, 1:2])
            prop_s = 1.0 / (na[5][None, :] + med[sl, 3:4]) ** 2
            nodes = med[sl, 2:3] * na[4][None, :] * prop_s
            for f, (c, w) in enumerate(weights):
                delta = d[sl, f:f + 1] + m[sl, f:f + 1] * na[6][None, :] + med[sl, 0:1] * z[f][None, :] * prop_v
                nodes = nodes + w * (na[c][None, :] * delta + na[2 + c][None, :] * (delta * delta + tau[sl, f:f + 1]))
            out[sl] = nodes @ self.resp.T
        return out


class ERLikelihood(Likelihood):
    """Profiled χ² of :class:`XenonNTER2022` over its parameters under a model (magnetic moments through two flavour
    templates; the g_V-shifting parameters and mediators through :class:`ModelArrays`)."""

    def __init__(self, exp: XenonNTER2022, names, fixed, model: str = "sm"):
        exp.check_params({n: 1.0 for n in (*names, *fixed)}, model)
        dup = set(names) & set(fixed)
        if dup:
            from ..errors import ConfigError

            raise ConfigError(f"parameter(s) {sorted(dup)} both scanned and fixed")
        self.names = tuple(names)
        self.nuisance_names = exp.nuisance_names
        self.experiment_name = exp.name
        self.model = model
        self.moment = exp.options["moment"]
        self.fixed = exp.check_params(dict(fixed), model)
        self.b0 = exp.b0.copy()
        self.obs = exp.obs.copy()
        self.arrays = ModelArrays.of(exp, model)
        # Magnetic moments alone leave the SM ν–e rate (inside B0) as it is: no change to compute.
        self.shifts_gv = model not in ("sm", "tmm") or any(k in EM_EE_PARAMETERS for k in (*self.names, *self.fixed))
        self.profile = True  # False: B0 normalisation held at 1 (scan files' nuisances = "fixed")
        self._checksums = exp.data_checksums()

    def data_checksums(self):
        return dict(self._checksums)

    def evaluate(self, points):
        pts = self.points_array(points)
        n = pts.shape[0]
        vals = {**self.fixed, **{k: pts[:, c] for c, k in enumerate(self.names)}}
        sigmas = np.array([SIGMA_B0 if self.profile else 0.0, 0.0])
        mm, em = self.arrays.signal_parts(vals, n, em=self.shifts_gv)
        signal = mm if em is None else mm + em
        chi2, eta, status = er_signal_chi2_points(np.ascontiguousarray(signal), self.b0, self.obs, sigmas)
        self.last_status = status
        return chi2, eta
