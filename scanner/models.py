"""Physics models: a model name → its parameters and the map from parameters to the kernels' coupling columns.

The base parameters (SM inputs, radii, sin²θ_W, NSI ε's, EM properties) are always available and default to the
SM; a mediator model adds its coupling and mass. The kernels take, per point, the coupling vector described at
:data:`cevns.kernels.rates.N_COUPLINGS`, built by :func:`coupling_columns`.
"""

from __future__ import annotations

import math

import numpy as np

from cevns.kernels.constants import G_FERMI, HBARC2_MEV2_CM2, M_ELECTRON, M_W, RHO_NC, SIN2W_LOW_ENERGY
from cevns.kernels.mediators import ZPRIME_CHARGES, zprime_coefficients
from cevns.kernels.rates import N_COUPLINGS

from .errors import ConfigError

__all__ = [
    "MODELS", "NSI_PARAMETERS", "EM_PARAMETERS", "model_parameters", "check_model",
    "coupling_columns", "zprime_name", "SM_CHARGE_RADII", "CHARGE_RADIUS_UNIT_CM2", "MAGNETIC_MOMENT_UNIT",
    "MILLICHARGE_UNIT", "SIGMA_PIN_OVER_MUD", "parameter_flavours", "flavour_parameters", "flavour_hint",
    "electron_zprime_coefficient", "mediator_columns",
]

FLAVOURS = ("ee", "mumu", "tautau")
PAIRS = ("emu", "etau", "mutau")  # order of the off-diagonal blocks (kernels.rates.PAIR_INDEX)
NSI_PARAMETERS = (*(f"eps_{q}_{f}" for q in ("u", "d") for f in FLAVOURS),
                  *(f"eps_{q}_{p}" for q in ("u", "d") for p in PAIRS))
EM_PARAMETERS = (
    "mu_nu_e", "mu_nu_mu", "mu_nu_tau",
    *(f"rch2_{f}" for f in FLAVOURS), *(f"rch2_{p}" for p in PAIRS),
    "q_nu_e", "q_nu_mu", "q_nu_tau",
)

# Flavours (0 e, 1 μ, 2 τ) a flavour-labelled NSI / EM parameter acts on, from its name's last part
# (eps_u_emu → e and μ: an off-diagonal ε or a transition radius acts on either flavour).
_FLAVOUR_SUFFIX = {"e": {0}, "mu": {1}, "tau": {2}, "ee": {0}, "mumu": {1}, "tautau": {2}, "emu": {0, 1},
                   "etau": {0, 2}, "mutau": {1, 2}}
_FLAVOUR_NAMES = ("ν_e", "ν_μ", "ν_τ")


def parameter_flavours(name: str) -> set[int]:
    """Flavour indices (0 e, 1 μ, 2 τ) the NSI / EM parameter ``name`` acts on; empty for any other parameter."""
    if name not in NSI_PARAMETERS and name not in EM_PARAMETERS:
        return set()
    return set(_FLAVOUR_SUFFIX[name.rsplit("_", 1)[1]])


def flavour_parameters(flavours) -> tuple[str, ...]:
    """The NSI and EM parameters that act on at least one of the neutrino flavours ``flavours`` (indices) a
    source delivers; the others (e.g. ε_ττ, μ_ντ at a stopped-pion source) leave every prediction unchanged."""
    fl = {int(f) for f in flavours}
    return tuple(nm for nm in (*NSI_PARAMETERS, *EM_PARAMETERS) if parameter_flavours(nm) & fl)


def flavour_hint(name: str, flavours, source: str) -> str:
    """Why a flavour-labelled parameter does not apply to a ``source`` delivering ``flavours`` ('' otherwise)."""
    need = parameter_flavours(name)
    if not need or need & {int(f) for f in flavours}:
        return ""
    acts = " and ".join(_FLAVOUR_NAMES[f] for f in sorted(need))
    return f"it acts on {acts} only, which the {source} does not deliver"


# Units of the EM parameters: μ in 1e-10 μ_B, ⟨r²⟩ in 1e-32 cm², q in 1e-8 e (the seeds' tables).
MAGNETIC_MOMENT_UNIT = 1e-10
CHARGE_RADIUS_UNIT_CM2 = 1e-32
MILLICHARGE_UNIT = 1e-8
# SM charge radii ⟨r²_νℓ⟩ (000:1110; 002:120) in 1e-32 cm²: already inside the radiatively corrected g_V^p,
# so only the difference from them shifts the coupling.
SM_CHARGE_RADII = {"ee": -0.82, "mumu": -0.48, "tautau": -0.30}
# (2/3) m_W² sin²θ_W of 002:126 (sin²θ_W at its low-energy value) [MeV²], and 1e-32 cm² in MeV⁻².
_CR_PREF = 2.0 / 3.0 * M_W * M_W * SIN2W_LOW_ENERGY
_CR_UNIT_MEV = CHARGE_RADIUS_UNIT_CM2 / HBARC2_MEV2_CM2
# (σ_πN / m̄_ud) reference value of the scalar nucleon coupling, 000:1073–1075 (PRL 115, 092301): ≈ 17.3.
SIGMA_PIN_OVER_MUD = 17.3
# δ_CP default of the tmm model (de Salas et al. 2018, NO; cevns.kernels.tmm.OSC_DESALAS2018_NO).
_DELTA_CP_DEFAULT = 1.32 * np.pi

MODELS = {
    "sm": ("Standard Model couplings; base parameters (sin2w, radii, normalisation, NSI ε, EM properties) free",
           ()),
    "scalar-universal": ("light scalar with universal couplings, σ_πN-based nucleon coupling, no interference "
                         "(000:1073)", ("g_phi", "m_phi")),
    "darkz": ("dark Z boson: sin²θ_W(q²) → κ_d(q²) sin²θ_W with κ_d = 1 − ε δ (M_Z/m_Zd) cot θ_W m_Zd²/(q² + m_Zd²) "
              "(000:277–285; Davoudiasl, Lee, Marciano PRD 85, 115019), on CEvNS and APV",
              ("eps_dark", "m_zd", "delta_zd")),
    "tmm": ("Majorana transition magnetic moments Λ_1..3 (mass basis) with phases ζ_i and δ_CP, projected on each "
            "source's flavour and helicity (003:160–185)",
            ("tmm_l1", "tmm_l2", "tmm_l3", "tmm_z1", "tmm_z2", "tmm_z3", "delta_cp")),
}
for _key in ZPRIME_CHARGES:
    _loop = _key.startswith("l")
    MODELS[f"zprime-{_key}"] = (
        f"light vector Z' of the {_key.upper().replace('-', '−')} model"
        + (" (quark coupling through one-loop kinetic mixing, 000:1051)" if _loop else " (000:299)")
        + ", full interference with the SM; charges 000:321–330",
        ("g_zp", "m_zp"),
    )


def zprime_name(model: str) -> str | None:
    """The ZPRIME_CHARGES key of a Z' model name ("darkz" for the dark Z, which uses the same slots), or None."""
    if model == "darkz":
        return "darkz"
    return model[len("zprime-"):] if model.startswith("zprime-") else None


def check_model(model: str) -> None:
    if model not in MODELS:
        import difflib

        close = difflib.get_close_matches(str(model), MODELS, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise ConfigError(f"unknown model '{model}'{hint}; known: {', '.join(MODELS)}")


def model_parameters(model: str) -> tuple[str, ...]:
    """Parameters the model adds to the base set."""
    check_model(model)
    return MODELS[model][1]


def coupling_columns(model: str, values: dict, n: int, sources=None) -> np.ndarray:
    """(n, N_COUPLINGS) coupling vectors of :func:`cevns.kernels.rates.cevns_source_spectra_bsm`.

    ``values``: parameter name → scalar or (n,) array; names not given take their SM value. ``sources``: the
    experiment's (flavour index, antineutrino) per source, needed by ``tmm`` (slots 22–24: μ_eff² per source,
    :func:`cevns.kernels.tmm.mu2_eff_points`).
    """
    out = np.zeros((n, N_COUPLINGS))

    def get(name, default=0.0):
        return np.broadcast_to(np.asarray(values.get(name, default), dtype=float), (n,))

    for f, fl in enumerate(FLAVOURS):
        eu, ed = get(f"eps_u_{fl}"), get(f"eps_d_{fl}")
        d_r2 = (get(f"rch2_{fl}", SM_CHARGE_RADII[fl]) - SM_CHARGE_RADII[fl]) * _CR_UNIT_MEV
        out[:, f] = 2.0 * eu + ed - _CR_PREF * d_r2  # 002:126
        out[:, 3 + f] = eu + 2.0 * ed
    # The photon exchange carries F(q²)/q² = q_ν/q² + ⟨r²⟩/6 with spacelike q² = −|q|²: the radius term shifts
    # g_V^p by −(2/3) m_W² s_W² ⟨r²⟩ (002:126), so the charge shifts it by +6 (2/3) m_W² s_W² q_ν/|q|², i.e.
    # g_V^p → g_V^p − (2/3) m_W² s_W² (⟨r²⟩ − 6 q_ν/|q|²) (Kouzakov & Studenikin, PRD 95, 055013 (2017)).
    for f, name in enumerate(("e", "mu", "tau")):
        out[:, 14 + f] = 6.0 * _CR_PREF * get(f"q_nu_{name}") * MILLICHARGE_UNIT
        out[:, 17 + f] = (get(f"mu_nu_{name}") * MAGNETIC_MOMENT_UNIT) ** 2
    for k, pair in enumerate(PAIRS):
        eu, ed = get(f"eps_u_{pair}"), get(f"eps_d_{pair}")
        out[:, 8 + k] = 2.0 * eu + ed - _CR_PREF * get(f"rch2_{pair}") * _CR_UNIT_MEV
        out[:, 11 + k] = eu + 2.0 * ed
    if model == "darkz":  # Z' slots with g² = √2 G_F 2ρ ε δ M_Z m_Zd s_W c_W (cevns.kernels.darkz)
        from cevns.kernels.darkz import darkz_g2

        from .params import PARAMETERS

        m_zd = get("m_zd", PARAMETERS["m_zd"].default)
        out[:, 6] = darkz_g2(get("eps_dark"), get("delta_zd", PARAMETERS["delta_zd"].default), m_zd,
                             get("sin2w", SIN2W_LOW_ENERGY))
        out[:, 7] = m_zd**2
    elif zprime_name(model) is not None:
        out[:, 6] = get("g_zp") ** 2
        out[:, 7] = get("m_zp") ** 2
    else:
        out[:, 7] = 1.0  # no Z': g² = 0 (any M² > 0 avoids 0/0)
    if model == "tmm":
        if sources is None:
            raise ConfigError("model 'tmm' needs the experiment's sources (flavour, antineutrino) for μ_eff²")
        if len(sources) > 3:
            raise ConfigError("model 'tmm': at most 3 sources per experiment")
        from cevns.kernels.tmm import mu2_eff_points

        abs_l = np.stack([get(f"tmm_l{i}") for i in (1, 2, 3)], axis=1) * MAGNETIC_MOMENT_UNIT
        zeta = np.stack([get(f"tmm_z{i}") for i in (1, 2, 3)], axis=1)
        delta = get("delta_cp", _DELTA_CP_DEFAULT)
        for s, (flavour, anti) in enumerate(sources):
            out[:, 22 + s] = mu2_eff_points(abs_l, zeta, delta, int(flavour), bool(anti))
    if model == "scalar-universal":
        out[:, 20] = get("g_phi") ** 4 * SIGMA_PIN_OVER_MUD**2
        out[:, 21] = get("m_phi") ** 2
    else:
        out[:, 21] = 1.0
    return out


def electron_zprime_coefficient(model: str, t_mev, flavour: int = 0) -> np.ndarray:
    """c_α(T) [MeV⁻²] of the ν_α–e (and ν̄_α–e) shift Δg_V = g_Z'² c_α(T)/(2 m_e T + M_Z'²) for a Z' model (zero
    for others); ``flavour`` α: 0 e, 1 μ, 2 τ.

    Tree level: c_α = Q'_να Q'_e/(√2 G_F) (a neutrino shares its lepton doublet's charge, 000:321–330); for ν_e,
    c_e = Q'_e²/(√2 G_F) ≥ 0, so the Z' always adds to g_V = 1/2 + 2 s_W² of ν̄_e–e (constructive): the same
    sign convention as the CEvNS proton shift g² Q'_ν (2Q'_u + Q'_d)/(√2 G_F (|q|² + M²)) of 000:299, i.e.
    Δg_V^f = g² Q'_ν Q'_f/(√2 G_F (|q|² + M²)) for any fermion f with g_V^f = T₃ − 2Q s_W². L_α − L_β models add the
    loop (kinetic-mixing) charge of 000:1051: on the proton it is +(2α/π) ε_βα(|q|) per unit Q'_ν
    (:func:`cevns.kernels.mediators.zprime_coefficients`), so on the electron (electric charge −1) it is the
    negative of the ν_α row of those proton coefficients, at |q| = √(2 m_e T). Quark models (B − L, …) get no loop
    term, as in CEvNS.

    Dark Z (``darkz``, :mod:`cevns.kernels.darkz`): sin²θ_W → κ_d(|q|²) sin²θ_W in every neutral-current coupling,
    each through its own sin²θ_W dependence. The CEvNS proton coupling (radiatively corrected, ∂g_V^p/∂s² = −2ρ) gets
    Δg_V^p = −2ρ s²(κ_d − 1) = G/(√2 G_F (|q|² + m_Zd²)) (the Z' slots with c_p = 1/(√2 G_F)); the ν̄_e–e coupling
    g_V = 1/2 + 2 s² of :func:`cevns.kernels.electron_scattering.es_couplings` (tree level, ∂g_V/∂s² = 2: the
    electron's NC coupling −1/2 + 2 s², Q_e = −1, plus the charged current) gets Δg_V^e = +2 s²(κ_d − 1) =
    −Δg_V^p/ρ at the same |q|, i.e. c_e = −1/(ρ √2 G_F) with the same G and M² = m_Zd². Per unit electric charge the
    two shifts are equal up to ρ − 1 = 6.3e-4, which keeps a heavy dark Z exactly equal to a shift of the ``sin2w``
    parameter in each channel. ``t_mev``: electron recoil energies [MeV].
    """
    t = np.asarray(t_mev, dtype=float)
    key = zprime_name(model)
    if key is None:
        return np.zeros(t.shape)
    if key == "darkz":
        return np.full(t.shape, -1.0 / (RHO_NC * math.sqrt(2.0) * G_FERMI))
    qu, qd, q_e = ZPRIME_CHARGES[key][:3]
    q_nu = ZPRIME_CHARGES[key][2 + flavour]
    c = np.full(t.shape, q_nu * q_e / (math.sqrt(2.0) * G_FERMI))
    if qu == 0.0 and qd == 0.0:
        cp, _ = zprime_coefficients(key, np.sqrt(2.0 * M_ELECTRON * t))
        c = c - cp[flavour]
    return c


def mediator_columns(model: str, values: dict, n: int) -> np.ndarray:
    """(n, 4) per-point mediator couplings of ν–e scattering [G, M_V², S, M_φ²]: G = g_Z'² and M_V² = m_Z'² of the
    Z' models (electron charges: :func:`electron_zprime_coefficient`); for ``darkz`` G and M_V² are the CEvNS
    Z'-slot values of :func:`coupling_columns` (one dark Z in both channels); S = g_φ⁴ (g_ν = g_e = g_φ: the seeds'
    scalar couples universally, 000:357) and M_φ² of ``scalar-universal``. Absent masses are 1 (no 0/0), absent
    couplings 0. ``values``: name → scalar or (n,) array."""
    def get(name):
        return np.broadcast_to(np.asarray(values.get(name, 0.0), dtype=float), (n,))

    out = np.zeros((n, 4))
    out[:, 1] = out[:, 3] = 1.0
    if model == "darkz":
        zd = coupling_columns(model, values, n)
        out[:, 0] = zd[:, 6]
        out[:, 1] = zd[:, 7]
    elif zprime_name(model) is not None:
        out[:, 0] = get("g_zp") ** 2
        out[:, 1] = get("m_zp") ** 2
    elif model == "scalar-universal":
        out[:, 2] = get("g_phi") ** 4
        out[:, 3] = get("m_phi") ** 2
    return out
