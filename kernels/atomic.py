"""Atomic shell binding energies for the stepped Z_eff(T) of ν–e scattering.

Binding energies: X-ray Data Booklet (A. Thompson et al., LBNL, 2009), Table 1-1, in keV here; electron counts
per (sub)shell from the ground-state configurations. Z_eff(T) = Σ electrons of shells with binding < T.
"""

import numpy as np

__all__ = ["SHELLS", "shell_arrays"]

# element: ((binding energy keV, electrons), ...) from the innermost shell outwards
SHELLS = {
    # Ge (Z = 32): K, L1, L2, L3, M1, M2, M3, M4,5, N1, N2,3 (outer levels < 30 eV lumped at their edge)
    "Ge": ((11.1031, 2), (1.4143, 2), (1.2478, 2), (1.2167, 4), (0.1800, 2), (0.1249, 2), (0.1208, 4),
           (0.0298, 10), (0.0150, 2), (0.0080, 2)),
    # Xe (Z = 54): K, L1, L2, L3, M1, M2, M3, M4, M5, N1, N2, N3, N4,5, O1, O2,3
    "Xe": ((34.5614, 2), (5.4528, 2), (5.1037, 2), (4.7822, 4), (1.1487, 2), (1.0021, 2), (0.9406, 4),
           (0.6890, 4), (0.6761, 6), (0.2133, 2), (0.1467, 2), (0.1455, 4), (0.0695, 10), (0.0233, 2),
           (0.0134, 6)),
    # Cs (Z = 55): K … O2,3 and the 6s electron
    "Cs": ((35.9846, 2), (5.7143, 2), (5.3594, 2), (5.0119, 4), (1.2171, 2), (1.0650, 2), (0.9976, 4),
           (0.7315, 4), (0.7259, 6), (0.2304, 2), (0.1723, 2), (0.1616, 4), (0.0788, 10), (0.0227, 2),
           (0.0131, 6), (0.0039, 1)),
    # I (Z = 53): K … O2,3 (5p⁵)
    "I": ((33.1694, 2), (5.1881, 2), (4.8521, 2), (4.5571, 4), (1.0721, 2), (0.9305, 2), (0.8751, 4),
          (0.6310, 4), (0.6193, 6), (0.1861, 2), (0.1227, 2), (0.1227, 4), (0.0496, 10), (0.0140, 2),
          (0.0030, 5)),
}


def shell_arrays(element):
    """(thresholds [MeV], counts) arrays of an element for :func:`cevns.kernels.electron_scattering.z_eff`."""
    rows = SHELLS[element]
    return np.array([b * 1e-3 for b, _ in rows]), np.array([float(n) for _, n in rows])
