"""Reactor ν̄_e spectra per fission from the bundled tables, and the seeds' flux combinations HMVE, HMK, EFK.

Data: scanner/data/reactor-antineutrino-fluxes/ (PROVENANCE.md there) and the ²³⁸U neutron-capture spectrum of
scanner/data/dresden-ii-2022/. Every spectrum is dN/dE [ν̄ MeV⁻¹ fission⁻¹], E in MeV.

Combinations (seed 000:1418–1423, 002:146–153; choices in docs/physics/dresden-ii.md):

- ``hmve``: Huber (2011) ²³⁵U, ²³⁹Pu, ²⁴¹Pu and Mueller (2011) ²³⁸U for E ≥ 2 MeV; Vogel & Engel (1989)
  exp(a₀ − a₁E − a₂E²) of each isotope below 2 MeV; plus the ²³⁸U neutron-capture ν̄ (²³⁹U and ²³⁹Np β decays).
- ``hmk``: the same Huber–Mueller spectra for E ≥ 2 MeV; below 2 MeV the Kopeikin (2012) total reactor spectrum
  per fission (``kopeikin_spectrum.txt``), which already contains the capture ν̄ (its edges at 0.44 and 1.19 MeV
  are the ²³⁹Np and ²³⁹U endpoints), so no capture spectrum is added.
- ``efk``: Estienne–Fallot summation spectra (GLoBESfit ``Pure_*_SM.dat``, identified with Estienne et al.,
  PRL 123, 022502 (2019)) for E ≥ 0.44 MeV plus the capture ν̄ there; Kopeikin (2012) total below 0.44 MeV.

Tables are interpolated log-linearly (linear in ln dN/dE; linearly where a value is zero) onto a fine energy
grid that contains every table node; the kernels then integrate the piecewise-linear interpolant on that grid
exactly (:mod:`cevns.kernels.reactor`). Below its first node each table falls linearly to 0 at E = 0.
"""

from __future__ import annotations

import numpy as np

from . import datasets

__all__ = [
    "DATASET", "ISOTOPES", "DRESDEN_FRACTIONS", "ENERGY_PER_FISSION_MEV", "VOGEL_ENGEL", "FLUXES",
    "table", "huber_mueller", "vogel_engel", "estienne_fallot", "kopeikin_total", "capture_spectrum",
    "reactor_spectrum", "fission_rate_density", "MEV_J",
]

DATASET = "reactor-antineutrino-fluxes"
CAPTURE_DATASET = "dresden-ii-2022"
ISOTOPES = ("U235", "U238", "Pu239", "Pu241")
# Dresden-II average fission fractions and ²³⁸U captures per fission (PROVENANCE of dresden-ii-2022).
DRESDEN_FRACTIONS = {"U235": 0.58, "Pu239": 0.29, "U238": 0.08, "Pu241": 0.05}
DRESDEN_CAPTURES_PER_FISSION = 0.6
# Energy released per fission [MeV]: X. B. Ma et al., Phys. Rev. C 88, 014605 (2013), Table VIII.
ENERGY_PER_FISSION_MEV = {"U235": 202.36, "U238": 205.99, "Pu239": 211.12, "Pu241": 214.26}
MEV_J = 1.602176634e-13
# Vogel & Engel, PRD 39, 3378 (1989), Table I (also arXiv:0807.3203 eq. (2)): dN/dE = exp(a0 − a1 E − a2 E²).
VOGEL_ENGEL = {
    "U235": (0.870, 0.160, 0.091), "Pu239": (0.896, 0.239, 0.0981),
    "U238": (0.976, 0.162, 0.0790), "Pu241": (0.793, 0.080, 0.1085),
}
FLUXES = ("hmve", "hmk", "efk")
HM_SWITCH = 2.0  # MeV, below: VE or Kopeikin (seed 000:1419, 1421)
EF_SWITCH = 0.44  # MeV, below: Kopeikin (seed 000:1423)
E_LOW = 1e-3  # MeV, lowest node of the fine grid
FINE_STEP = 0.005  # MeV
E_MAX = {"hmve": 8.0, "hmk": 8.0, "efk": 10.0}  # end of the tables used (Huber: 8 MeV)


def _csv(dataset, name):
    return datasets.load_table(dataset, name, delimiter=",")


def table(name: str) -> np.ndarray:
    """(n, 2) table [E MeV, dN/dE] of a bundled file, parsed in its own format (see PROVENANCE)."""
    if name.startswith("huber2011/"):
        return datasets.load_table(DATASET, name, usecols=(0, 1))
    if name == "kopeikin/kopeikin_u238.txt":  # last row ends in a stray " n" (PROVENANCE)
        text = datasets.read_text(DATASET, name)
        rows = [ln.replace(" n", "").split(",") for ln in text.splitlines() if ln and not ln.startswith("#")]
        return np.array(rows, dtype=float)
    if name.startswith("globesfit-hm-sm-hkss/"):
        t = datasets.load_table(DATASET, name)
        return np.column_stack([t[:, 0] * 1e3, t[:, 4]])  # GeV -> MeV; column 5 is ν̄e per MeV
    if name == "kopeikin/kopeikin_spectrum.txt":
        return datasets.load_table(DATASET, name, usecols=(0, 1))
    return _csv(DATASET, name)


def _loglin(x, xt, yt):
    """Log-linear interpolation of (xt, yt) at x; linear where a neighbour is 0; 0 outside [0, xt[-1]]
    with a linear fall to 0 at E = 0 below the first node."""
    x = np.asarray(x, dtype=float)
    out = np.zeros_like(x)
    j = np.clip(np.searchsorted(xt, x, side="right") - 1, 0, xt.size - 2)
    x0, x1, y0, y1 = xt[j], xt[j + 1], yt[j], yt[j + 1]
    u = (x - x0) / (x1 - x0)
    pos = (y0 > 0) & (y1 > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        lg = np.exp(np.log(np.where(pos, y0, 1.0)) * (1 - u) + np.log(np.where(pos, y1, 1.0)) * u)
    inside = (x >= xt[0]) & (x <= xt[-1])
    out[inside] = np.where(pos, lg, y0 + (y1 - y0) * u)[inside]
    below = (x < xt[0]) & (x >= 0)
    out[below] = yt[0] * x[below] / xt[0]
    return out


def huber_mueller(iso: str) -> np.ndarray:
    """Huber (2011) table for ²³⁵U, ²³⁹Pu, ²⁴¹Pu; Mueller (2011) ²³⁸U restricted to 2–8 MeV."""
    if iso == "U238":
        t = table("mueller2011/mueller_u238.txt")
        return t[(t[:, 0] >= 2.0 - 1e-9) & (t[:, 0] <= 8.0 + 1e-9)]
    return table(f"huber2011/{iso}-anti-neutrino-flux-250keV.dat")


def vogel_engel(iso: str, e):
    """Vogel–Engel (1989) exp(a0 − a1 E − a2 E²) [ν̄ MeV⁻¹ fission⁻¹]."""
    a0, a1, a2 = VOGEL_ENGEL[iso]
    e = np.asarray(e, dtype=float)
    return np.exp(a0 - a1 * e - a2 * e * e)


def estienne_fallot(iso: str) -> np.ndarray:
    """Summation-model spectrum of the GLoBESfit release (bin centres 0.05 … 19.85 MeV)."""
    return table(f"globesfit-hm-sm-hkss/Pure_{iso}_SM.dat")


def kopeikin_total() -> np.ndarray:
    """Kopeikin (2012) total commercial-reactor spectrum per fission, 0.01–9 MeV (includes capture ν̄)."""
    return table("kopeikin/kopeikin_spectrum.txt")


def capture_spectrum() -> np.ndarray:
    """ν̄ per ²³⁸U capture: the release's unit spectrum rescaled to 2 ν̄ per capture (²³⁹U and ²³⁹Np decays).

    The release file integrates to 1.01 (trapezoid) and has the shape of the mean of the ²³⁹U and ²³⁹Np
    spectra (BESTIOLE cross-check), i.e. it is normalised per ν̄; each capture gives two ν̄.
    """
    t = datasets.load_table(CAPTURE_DATASET, "spectraMeVU238Ncapture.txt")
    t = t[np.argsort(t[:, 0])]
    return np.column_stack([t[:, 0], 2.0 * t[:, 1] / np.trapezoid(t[:, 1], t[:, 0])])


def _grid(e_max, tables):
    fine = np.concatenate([np.geomspace(E_LOW, 0.05, 40), np.arange(0.05, e_max + 1e-12, FINE_STEP)])
    nodes = [t[:, 0] for t in tables]
    g = np.unique(np.concatenate([fine, *nodes, [HM_SWITCH, EF_SWITCH, e_max]]))
    return g[(g >= E_LOW) & (g <= e_max)]


def _split(grid, e_switch, low, high):
    """Piecewise spectrum: ``low(E)`` below e_switch, ``high(E)`` from it; a duplicated node keeps the jump."""
    lo = grid[grid < e_switch]
    hi = grid[grid >= e_switch]
    e = np.concatenate([lo, [e_switch], hi])
    y = np.concatenate([low(lo), low(np.array([e_switch])), high(hi)])
    return e, y


def reactor_spectrum(flux: str = "hmve", fractions=None, captures: float = DRESDEN_CAPTURES_PER_FISSION):
    """(E nodes [MeV], dN/dE per fission) of a flux combination; nodes may repeat at a switch (a jump).

    ``fractions``: fission fractions {isotope: f} (default Dresden-II); ``captures``: ²³⁸U captures per fission.
    """
    if flux not in FLUXES:
        raise ValueError(f"unknown reactor flux '{flux}'; valid: {', '.join(FLUXES)}")
    fr = dict(DRESDEN_FRACTIONS if fractions is None else fractions)
    cap = capture_spectrum()
    kop = kopeikin_total()
    e_max = E_MAX[flux]

    def capture(e):
        return captures * _loglin(e, cap[:, 0], cap[:, 1])

    if flux in ("hmve", "hmk"):
        hm = {i: huber_mueller(i) for i in ISOTOPES}
        grid = _grid(e_max, [*hm.values(), cap, kop])

        def high(e):
            return sum(fr[i] * _loglin(e, hm[i][:, 0], hm[i][:, 1]) for i in ISOTOPES)

        if flux == "hmve":
            def low(e):
                return sum(fr[i] * vogel_engel(i, e) for i in ISOTOPES) + capture(e)
        else:
            def low(e):
                return _loglin(e, kop[:, 0], kop[:, 1])
        return _split(grid, HM_SWITCH, low, high)

    ef = {i: estienne_fallot(i) for i in ISOTOPES}
    grid = _grid(e_max, [*(t[t[:, 0] <= e_max] for t in ef.values()), cap, kop])

    def high(e):
        return sum(fr[i] * _loglin(e, ef[i][:, 0], ef[i][:, 1]) for i in ISOTOPES) + capture(e)

    def low(e):
        return _loglin(e, kop[:, 0], kop[:, 1])

    return _split(grid, EF_SWITCH, low, high)


def fission_rate_density(power_w: float, distance_m: float, fractions=None) -> float:
    """Fissions per cm² per s at the detector: P / (Σ_i f_i E_i) / (4π L²), E_i of Ma et al. (2013)."""
    fr = dict(DRESDEN_FRACTIONS if fractions is None else fractions)
    e_fis = sum(fr[i] * ENERGY_PER_FISSION_MEV[i] for i in ISOTOPES) * MEV_J
    return power_w / e_fis / (4.0 * np.pi * (distance_m * 100.0) ** 2)
