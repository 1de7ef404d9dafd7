"""The parameters a user can fit or scan, with defaults, units and fit ranges.

Names are stable (scan files and scripts use them). Each experiment declares which of them apply to it;
`rn` is a shorthand that sets the neutron rms radius of every isotope of an experiment at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from cevns.kernels.constants import SIN2W_LOW_ENERGY

from .errors import ConfigError

__all__ = ["Parameter", "PARAMETERS", "parameter", "check_value"]


@dataclass(frozen=True)
class Parameter:
    """A named physics parameter: default (SM), unit, search range for fits, description with source."""

    name: str
    default: float | None
    lo: float
    hi: float
    unit: str
    description: str


PARAMETERS: dict[str, Parameter] = {
    p.name: p
    for p in [
        Parameter("sin2w", SIN2W_LOW_ENERGY, 0.05, 0.45, "",
                  "weak mixing angle sin²θ_W at low energy (default sin²θ̂_W(0) = 0.23857, PDG 2022)"),
        Parameter("cevns_norm", 1.0, 0.0, 3.0, "", "multiplies the SM CEvNS prediction (1 = SM)"),
        Parameter("rn", None, 2.5, 9.0, "fm", "common neutron rms radius of all isotopes of an experiment"),
        Parameter("rn_cs", 5.09, 2.5, 9.0, "fm", "¹³³Cs neutron rms radius (default: nuclear models, 000:915)"),
        Parameter("rn_i", 5.03, 2.5, 9.0, "fm", "¹²⁷I neutron rms radius (default: nuclear models, 000:915)"),
        *[Parameter(f"eps_{q}_{f}", 0.0, -1.0, 1.0, "",
                    f"flavour-diagonal vector NSI ε^{{{q}V}}_{{{f}}} (seed 002; δg^p = 2ε^u + ε^d, δg^n = ε^u + 2ε^d)")
          for q in ("u", "d") for f in ("ee", "mumu", "tautau")],
        *[Parameter(f"eps_{q}_{f}", 0.0, -1.0, 1.0, "",
                    f"off-diagonal vector NSI ε^{{{q}V}}_{{{f}}} (real; incoherent, seed 002)")
          for q in ("u", "d") for f in ("emu", "etau", "mutau")],
        *[Parameter(f"mu_nu_{f}", 0.0, -100.0, 100.0, "1e-10 μ_B",
                    f"effective ν_{f} magnetic moment (000:1374; CEvNS and ν–e scattering)")
          for f in ("e", "mu", "tau")],
        *[Parameter(f"rch2_{f}", sm, -100.0, 100.0, "1e-32 cm²",
                    f"ν charge radius ⟨r²_{f}⟩ (002:126; default: SM {sm} × 1e-32 cm², 000:1110)")
          for f, sm in (("ee", -0.82), ("mumu", -0.48), ("tautau", -0.30))],
        *[Parameter(f"rch2_{f}", 0.0, -100.0, 100.0, "1e-32 cm²", f"transition charge radius |⟨r²_{f}⟩| (002:126)")
          for f in ("emu", "etau", "mutau")],
        *[Parameter(f"q_nu_{f}", 0.0, -100.0, 100.0, "1e-8 e", f"ν_{f} millicharge (000:452–468)")
          for f in ("e", "mu", "tau")],
        Parameter("g_phi", 0.0, 0.0, 1e-3, "", "scalar coupling g_φ (scalar-universal; 000:1073)"),
        Parameter("m_phi", 1000.0, 0.1, 1e5, "MeV", "scalar mass M_φ (scalar-universal)"),
        Parameter("g_zp", 0.0, 0.0, 1e-3, "", "Z' coupling g_Z' (Z' models; 000:299)"),
        Parameter("m_zp", 1000.0, 0.1, 1e5, "MeV", "Z' mass M_Z' (Z' models)"),
        Parameter("eps_dark", 0.0, -0.01, 0.01, "", "dark Z kinetic mixing ε (darkz; 000:277–285, DLM PRD 85, 115019)"),
        Parameter("m_zd", 100.0, 1.0, 1000.0, "MeV", "dark Z mass m_Zd (darkz)"),
        Parameter("delta_zd", 1e-3, -0.01, 0.01, "",
                  "dark Z–Z mass mixing δ, ε_Z = (m_Zd/M_Z) δ (darkz; only ε δ enters; DLM bound |δ| < 4.5e-3)"),
        Parameter("rn_ar", None, 2.0, 8.0, "fm", "⁴⁰Ar neutron rms radius (default: set by the experiment)"),
        Parameter("rn_na", None, 2.0, 8.0, "fm", "²³Na neutron rms radius (default: set by the experiment)"),
        Parameter("rn_ge", None, 2.0, 8.0, "fm", "Ge neutron rms radius, all isotopes (default: experiment)"),
        Parameter("rn_xe", None, 2.5, 9.0, "fm", "Xe neutron rms radius, all isotopes (default: experiment)"),
        Parameter("mu_nu_eff", 0.0, 0.0, 50.0, "1e-12 mu_B",
                  "effective neutrino magnetic moment seen in ν–e scattering (solar ν: flavour-averaged)"),
        *[Parameter(f"tmm_l{i}", 0.0, 0.0, 200.0, "1e-10 μ_B",
                    f"|Λ_{i}|: modulus of the Majorana transition magnetic moment Λ_{i} (mass basis; tmm, 003:160)")
          for i in (1, 2, 3)],
        *[Parameter(f"tmm_z{i}", 0.0, 0.0, 2.0 * math.pi, "rad",
                    f"phase ζ_{i} of Λ_{i} = |Λ_{i}| e^(iζ_{i}) (tmm, 003:166)")
          for i in (1, 2, 3)],
        Parameter("delta_cp", 1.32 * math.pi, 0.0, 2.0 * math.pi, "rad",
                  "Dirac CP phase of the mixing matrix (tmm; default: de Salas et al. 2018 NO best fit 1.32π)"),
    ]
}


def parameter(name: str) -> Parameter:
    """The :class:`Parameter` called ``name``; unknown names raise :class:`ConfigError` with a suggestion."""
    try:
        return PARAMETERS[name]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(name, PARAMETERS, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise ConfigError(f"unknown parameter '{name}'{hint}; known: {', '.join(PARAMETERS)}") from None


def check_value(name: str, value) -> float:
    """Validate a parameter value: a finite number inside the physical domain of the parameter."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"parameter '{name}': value {value!r} is not a number") from None
    if not math.isfinite(v):
        raise ConfigError(f"parameter '{name}': value {value!r} is not finite")
    if name.startswith("rn") and v <= 1.6:
        raise ConfigError(f"parameter '{name}': radius {v} fm must exceed 1.6 fm (Helm: R² > 3 s²)")
    if name in ("m_zp", "m_phi", "m_zd") and v <= 0:
        raise ConfigError(f"parameter '{name}': mass {v} MeV must be > 0")
    if name == "sin2w" and not 0.0 < v < 1.0:
        raise ConfigError(f"parameter '{name}': sin²θ_W = {v} must lie in (0, 1)")
    if name == "cevns_norm" and v < 0:
        raise ConfigError(f"parameter '{name}': {v} must be >= 0")
    return v
