"""Solar neutrinos at Earth: fluxes, spectral shapes, ν_e survival probability and flavour composition.

Used by ν–e elastic-scattering experiments (``xenonnt-er-2022``). Everything here is precomputation (called once
per detector), so it is plain numpy.

Fluxes (cm⁻² s⁻¹ at 1 AU): B16-GS98 standard solar model, N. Vinyoles et al., ApJ 835, 202 (2017), Table 6:
pp 5.98e10, pep 1.44e8, ⁷Be 4.93e9, ¹³N 2.78e8, ¹⁵O 2.05e8, ⁸B 5.46e6 (hep 7.98e3 and ¹⁷F 5.29e6 are omitted:
below 1e-4 of the ES rate in any keV bin). The ⁷Be flux splits into the 0.8618 MeV line (89.7 %) and the
0.3843 MeV line (10.3 %) (J. N. Bahcall, Neutrino Astrophysics (1989), Table 6.4); pep is a line at 1.442 MeV.

Continuous spectra: allowed β⁺ shapes (J. N. Bahcall, Neutrino Astrophysics, eq. (6.9); Bahcall & Ulrich,
Rev. Mod. Phys. 60, 297 (1988)): with positron total energy W = Q − E + m_e,
    f(E) ∝ E² W sqrt(W² − m_e²),  0 ≤ E ≤ Q,
endpoints Q = 0.42341 MeV (pp), 1.19852 MeV (¹³N), 1.73230 MeV (¹⁵O) (Bahcall, Table 6.1). The Coulomb (Fermi)
factor of the positron is neglected; for pp it changes the mean energy by < 1 % (Bahcall's pp mean energy is
0.2668 MeV, this shape gives 0.2679 MeV; ¹³N 0.7145 vs 0.7063, ¹⁵O 1.0057 vs 0.9964). ⁸B decays to the broad
3-MeV ⁸Be* level and has no allowed shape; we use the allowed shape with an effective endpoint Q = 13.006 MeV,
chosen so that the mean energy equals Bahcall's 6.735 MeV (Table 6.1). The true spectrum extends to ~16 MeV;
⁸B contributes < 1e-3 of the ES rate below 30 keV, so the approximation is irrelevant there.

Survival probability (MSW-LMA, adiabatic, three flavours with θ13; e.g. the PDG review "Neutrino mixing",
eq. (14.55)): P_ee(E) = c13⁴ [1/2 + 1/2 cos 2θ12^m cos 2θ12] + s13⁴, with the mixing angle at production
cos 2θ12^m = (cos 2θ12 − β)/sqrt((cos 2θ12 − β)² + sin² 2θ12), β = 2√2 G_F c13² n_e E/Δm²21.
Oscillation parameters NuFIT 5.2 (2022, normal ordering, with SK atmospheric data): sin²θ12 = 0.303,
sin²θ13 = 0.02225, Δm²21 = 7.41e-5 eV². Production density: one effective n_e = 100 N_A cm⁻³ (the solar
centre has about 100 N_A cm⁻³; pp and ⁷Be are produced at β < 0.1 where P_ee is the vacuum value within 1 %).
The non-ν_e part 1 − P_ee is ν_μ + ν_τ (they scatter on electrons through the neutral current alone, with
identical couplings, so they are not split).
"""

from __future__ import annotations

import math

import numpy as np

from cevns.kernels.constants import G_FERMI, HBARC_MEV_CM, M_ELECTRON, N_AVOGADRO
from cevns.kernels.electron_scattering import es_e_min
from cevns.kernels.quadrature import gauss_legendre

__all__ = [
    "FLUXES", "LINES", "CONTINUOUS", "SIN2_THETA12", "SIN2_THETA13", "DM2_21_EV2", "N_E_CORE",
    "beta_shape", "spectrum", "survival_probability", "flavour_fractions", "es_moments", "mean_energy",
]

# B16-GS98 fluxes at Earth [cm⁻² s⁻¹] (Vinyoles et al. 2017, Table 6).
FLUXES = {
    "pp": 5.98e10,
    "pep": 1.44e8,
    "be7_384": 4.93e9 * 0.103,
    "be7_862": 4.93e9 * 0.897,
    "n13": 2.78e8,
    "o15": 2.05e8,
    "b8": 5.46e6,
}
# Monochromatic sources: energy [MeV].
LINES = {"pep": 1.442, "be7_384": 0.3843, "be7_862": 0.8618}
# Continuous sources: endpoint Q [MeV] of the allowed β⁺ shape.
CONTINUOUS = {"pp": 0.42341, "n13": 1.19852, "o15": 1.73230, "b8": 13.006}

# NuFIT 5.2 (2022), normal ordering.
SIN2_THETA12 = 0.303
SIN2_THETA13 = 0.02225
DM2_21_EV2 = 7.41e-5
# Effective electron density at production [cm⁻³].
N_E_CORE = 100.0 * N_AVOGADRO

_N_QUAD = 96


def beta_shape(e, q):
    """Unnormalised allowed β⁺ neutrino spectrum E² W sqrt(W² − m_e²), W = Q − E + m_e (0 outside [0, Q])."""
    e = np.asarray(e, dtype=float)
    w = q - e + M_ELECTRON
    inside = (e >= 0) & (e <= q)
    return np.where(inside, e * e * w * np.sqrt(np.clip(w * w - M_ELECTRON**2, 0.0, None)), 0.0)


def _norm(q):
    x, w = gauss_legendre(_N_QUAD, 0.0, q)
    return float(np.sum(w * beta_shape(x, q)))


_NORMS = {k: _norm(q) for k, q in CONTINUOUS.items()}


def spectrum(source, e):
    """Normalised spectrum [MeV⁻¹] (∫ dE = 1) of a continuous source ``pp``, ``n13``, ``o15``, ``b8``."""
    q = CONTINUOUS[source]
    return beta_shape(e, q) / _NORMS[source]


def mean_energy(source):
    """Mean neutrino energy [MeV] of a source (line energy for lines)."""
    if source in LINES:
        return LINES[source]
    x, w = gauss_legendre(_N_QUAD, 0.0, CONTINUOUS[source])
    return float(np.sum(w * x * spectrum(source, x)))


def survival_probability(e, sin2_12=SIN2_THETA12, sin2_13=SIN2_THETA13, dm2_ev2=DM2_21_EV2, n_e=N_E_CORE):
    """MSW-LMA adiabatic ν_e survival probability P_ee(E) (E in MeV; see module docstring)."""
    e = np.asarray(e, dtype=float)
    c13sq = 1.0 - sin2_13
    cos2 = 1.0 - 2.0 * sin2_12
    sin2_2 = 4.0 * sin2_12 * (1.0 - sin2_12)
    # β = 2√2 G_F c13² n_e E/Δm²: G_F n_e in MeV (n_e in cm⁻³ × (ħc)³), E in MeV, Δm² in MeV².
    v = math.sqrt(2.0) * G_FERMI * n_e * HBARC_MEV_CM**3
    beta = 2.0 * v * c13sq * e / (dm2_ev2 * 1e-12)
    cos2m = (cos2 - beta) / np.sqrt((cos2 - beta) ** 2 + sin2_2)
    return c13sq**2 * (0.5 + 0.5 * cos2m * cos2) + sin2_13**2


def flavour_fractions(e, **osc):
    """(ν_e, ν_μ + ν_τ) fractions of the solar flux at energy E: (P_ee, 1 − P_ee)."""
    p = survival_probability(e, **osc)
    return p, 1.0 - p


def es_moments(t, sources=None, **osc):
    """Flux moments for ν–e scattering at electron recoils ``t`` [MeV] (array).

    Returns a dict source → array (2, 3, n_T): flavour (0 = ν_e, 1 = ν_μ+ν_τ) × k = 0, 1, 2 of
    Φ_k(T) = Φ_source ∫_{E_min(T)} dE f(E) P_flavour(E) E^(−k)  [cm⁻² s⁻¹ MeV^(−k)],
    with E_min(T) = (T + sqrt(T² + 2 m_e T))/2. The SM rate per electron is then
    (G_F² m_e/2π) Σ_flavour es_sm_moment_kernel(T, Φ0, Φ1, Φ2, g_V, g_A) and the magnetic-moment rate
    (πα²/m_e²)(μ/μ_B)² Σ_flavour (Φ0/T − Φ1) (see :mod:`cevns.kernels.electron_scattering`).
    """
    t = np.atleast_1d(np.asarray(t, dtype=float))
    sources = list(FLUXES) if sources is None else list(sources)
    emin = np.array([es_e_min(x) for x in t])
    out = {}
    for s in sources:
        res = np.zeros((2, 3, t.size))
        if s in LINES:
            e = LINES[s]
            pe = float(survival_probability(e, **osc))
            above = emin <= e
            for k in range(3):
                res[0, k] = np.where(above, FLUXES[s] * pe * e ** (-k), 0.0)
                res[1, k] = np.where(above, FLUXES[s] * (1.0 - pe) * e ** (-k), 0.0)
        else:
            q = CONTINUOUS[s]
            for j, lo in enumerate(emin):
                if lo >= q:
                    continue
                x, w = gauss_legendre(_N_QUAD, lo, q)
                f = FLUXES[s] * w * spectrum(s, x)
                pe = survival_probability(x, **osc)
                for k in range(3):
                    res[0, k, j] = np.sum(f * pe * x ** (-k))
                    res[1, k, j] = np.sum(f * (1.0 - pe) * x ** (-k))
        out[s] = res
    return out
