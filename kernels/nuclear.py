"""Nuclear data of the target isotopes of the seed talks: Z, N, atomic mass, charge radius, abundance.

Atomic masses: AME2020 (Wang et al., Chin. Phys. C 45, 030003 (2021)), in u.
Charge radii: Angeli & Marinova, At. Data Nucl. Data Tables 99, 69 (2013), in fm; for ¹³³Cs and ¹²⁷I the
muonic-atom values of Fricke et al. (1995) quoted in seed 000:1183–1185 (4.804 and 4.749 fm).
Natural abundances: IUPAC 2013 (Meija et al., Pure Appl. Chem. 88, 293 (2016)), number fractions.

Proton rms radii follow from the charge radii (seed 000:1209, 1237):
R_p² = R_ch² − (N/Z)⟨r_n²⟩ − (3/4)(ħc/m_p)² δ_DF, with ⟨r_n²⟩ = −0.1161 fm². The seeds' R_p(Cs) = 4.821 fm and
R_p(I) = 4.766 fm (000:1192–1194) are reproduced without the Darwin–Foldy term (δ_DF = 0); with it the radii are
0.0035 fm smaller. We use the seeds' convention (δ_DF = 0) by default.
"""

import math

from .constants import AMU_MEV, HBARC_MEV_FM, M_ELECTRON, M_PROTON, R2_NEUTRON_CHARGE

__all__ = [
    "ISOTOPES", "ELEMENTS", "SPINS", "Isotope", "nuclear_mass", "proton_rms_radius", "isotope", "element",
    "spin_excess",
]


class Isotope:
    """One nuclide: name, Z, N, atomic mass [u], rms charge radius [fm]."""

    __slots__ = ("name", "Z", "N", "atomic_mass_u", "charge_radius")

    def __init__(self, name, Z, N, atomic_mass_u, charge_radius):
        self.name = name
        self.Z = Z
        self.N = N
        self.atomic_mass_u = atomic_mass_u
        self.charge_radius = charge_radius

    @property
    def A(self):
        return self.Z + self.N

    @property
    def mass(self):
        """Nuclear mass [MeV]."""
        return nuclear_mass(self.atomic_mass_u, self.Z)

    @property
    def proton_radius(self):
        """Point-proton-distribution rms radius R_p [fm], seed convention (see module docstring)."""
        return proton_rms_radius(self.charge_radius, self.Z, self.N)

    def __repr__(self):
        return f"Isotope({self.name}: Z={self.Z}, N={self.N}, M={self.mass:.3f} MeV, R_ch={self.charge_radius} fm)"


def nuclear_mass(atomic_mass_u, Z):
    """Nuclear mass [MeV] = atomic mass × u − Z m_e (electron binding energies, < 1e-6 relative, neglected)."""
    return atomic_mass_u * AMU_MEV - Z * M_ELECTRON


def proton_rms_radius(charge_radius, Z, N, darwin_foldy=False, spin_orbit=0.0):
    """Proton rms radius [fm] from the charge radius (seed 000:1237).

    R_p = sqrt(R_ch² − (N/Z)⟨r_n²⟩ − 3/(4 m_p²) − ⟨r²⟩_SO), the Darwin–Foldy term 3/(4 m_p²) (0.033 fm²) only
    when ``darwin_foldy`` is true. ``spin_orbit`` is ⟨r²⟩_SO in fm².
    """
    r2 = charge_radius**2 - (N / Z) * R2_NEUTRON_CHARGE - spin_orbit
    if darwin_foldy:
        r2 -= 0.75 * (HBARC_MEV_FM / M_PROTON) ** 2
    return math.sqrt(r2)


_DATA = [
    # name, Z, N, atomic mass [u] (AME2020), charge radius [fm]
    ("Na23", 11, 12, 22.9897692820, 2.9936),
    ("Si28", 14, 14, 27.9769265350, 3.1224),
    ("Si29", 14, 15, 28.9764946653, 3.1176),
    ("Si30", 14, 16, 29.973770137, 3.1336),
    ("Ar40", 18, 22, 39.9623831237, 3.4274),
    ("Ge70", 32, 38, 69.92424875, 4.0414),
    ("Ge72", 32, 40, 71.922075826, 4.0576),
    ("Ge73", 32, 41, 72.923458956, 4.0632),
    ("Ge74", 32, 42, 73.921177761, 4.0742),
    ("Ge76", 32, 44, 75.921402726, 4.0811),
    ("I127", 53, 74, 126.9044719, 4.749),
    ("Xe124", 54, 70, 123.905892, 4.7664),
    ("Xe126", 54, 72, 125.904298, 4.7725),
    ("Xe128", 54, 74, 127.903531, 4.7774),
    ("Xe129", 54, 75, 128.9047808611, 4.7775),
    ("Xe130", 54, 76, 129.903509349, 4.7818),
    ("Xe131", 54, 77, 130.90508406, 4.7808),
    ("Xe132", 54, 78, 131.9041550856, 4.7859),
    ("Xe134", 54, 80, 133.90539466, 4.7899),
    ("Xe136", 54, 82, 135.907214484, 4.7964),
    ("Cs133", 55, 78, 132.905451961, 4.804),
]

ISOTOPES = {row[0]: Isotope(*row) for row in _DATA}

# Ground-state spin J and unpaired-nucleon spin excess (δZ, δN) in the single-particle (odd-group) model,
# Barranco et al., JHEP 0512, 021 (2005); even-even nuclei have J = 0 and no axial term. Spins: NUBASE2020.
SPINS = {
    "Na23": (1.5, 1, 0), "Si29": (0.5, 0, 1), "Ge73": (4.5, 0, 1), "I127": (2.5, 1, 0),
    "Xe129": (0.5, 0, 1), "Xe131": (1.5, 0, 1), "Cs133": (3.5, 1, 0),
}


def spin_excess(name):
    """(J, δZ, δN) of isotope ``name``; (0, 0, 0) for even-even nuclei."""
    return SPINS.get(name, (0.0, 0, 0))

# Natural composition by number fraction (IUPAC 2013). Argon targets are taken as pure ⁴⁰Ar (99.6 %), as in the seeds.
ELEMENTS = {
    "Na": (("Na23", 1.0),),
    "Si": (("Si28", 0.92223), ("Si29", 0.04685), ("Si30", 0.03092)),
    "Ar": (("Ar40", 1.0),),
    "Ge": (("Ge70", 0.2057), ("Ge72", 0.2745), ("Ge73", 0.0775), ("Ge74", 0.3650), ("Ge76", 0.0773)),
    "I": (("I127", 1.0),),
    "Xe": (
        ("Xe124", 0.000952), ("Xe126", 0.000890), ("Xe128", 0.019102), ("Xe129", 0.264006), ("Xe130", 0.040710),
        ("Xe131", 0.212324), ("Xe132", 0.269086), ("Xe134", 0.104357), ("Xe136", 0.088573),
    ),
    "Cs": (("Cs133", 1.0),),
}


def isotope(name):
    """The :class:`Isotope` called ``name`` (e.g. ``"Cs133"``)."""
    return ISOTOPES[name]


def element(symbol):
    """List of (Isotope, number fraction) of a natural element; fractions are renormalised to sum to 1."""
    rows = ELEMENTS[symbol]
    total = sum(f for _, f in rows)
    return [(ISOTOPES[n], f / total) for n, f in rows]
