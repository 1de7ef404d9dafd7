"""Neutrino–nucleon neutral-current vector couplings.

Tree level (seed 000:41–43): g_V^p = 1/2 − 2 sin²θ_W, g_V^n = −1/2.
Radiatively corrected, flavour dependent (000:49, eq. (2) at 000:1084–1086): g_V^p(ν_e) = 0.0382,
g_V^p(ν_μ) = 0.0300, g_V^n = −0.5117 at sin²θ̂_W(0) = 0.23857. Eq. (2) depends on sin²θ_W only through
ρ(1/2 − 2 sin²θ_W), so with sin²θ_W free: g_V^p(ν_ℓ; s²) = g_V^p(ν_ℓ) − 2ρ (s² − 0.23857), g_V^n unchanged.
Antineutrinos have the same vector couplings.
"""

from ._jit import jit
from .constants import GV_N, GV_P_NUE, GV_P_NUMU, RHO_NC, SIN2W_LOW_ENERGY

__all__ = ["FLAVOUR_E", "FLAVOUR_MU", "FLAVOUR_TAU", "gv_proton_tree", "gv_neutron_tree", "gv_proton", "gv_neutron"]

# Flavour indices used by every kernel (antineutrinos share the index of their neutrino).
FLAVOUR_E = 0
FLAVOUR_MU = 1
FLAVOUR_TAU = 2


@jit
def gv_proton_tree(sin2w):
    """Tree-level proton vector coupling 1/2 − 2 sin²θ_W (000:41)."""
    return 0.5 - 2.0 * sin2w


@jit
def gv_neutron_tree():
    """Tree-level neutron vector coupling −1/2 (000:43)."""
    return -0.5


@jit
def gv_proton(flavour, sin2w):
    """Radiatively corrected g_V^p(ν_ℓ) at sin²θ_W = ``sin2w`` (000:49, 000:1084–1086).

    ``flavour``: 0 = e, 1 = μ. The ν_τ value is not given in the seeds; τ uses the μ value (the charge-radius
    difference between μ and τ changes g_V^p by less than 0.003) until the EM-properties issue adds it.
    """
    base = GV_P_NUE if flavour == FLAVOUR_E else GV_P_NUMU
    return base - 2.0 * RHO_NC * (sin2w - SIN2W_LOW_ENERGY)


@jit
def gv_neutron():
    """Radiatively corrected neutron vector coupling g_V^n = −0.5117 (000:49)."""
    return GV_N
