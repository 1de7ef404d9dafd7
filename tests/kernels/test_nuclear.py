"""Nuclear data: proton radii in the seed convention (000:1192–1194, 000:1237), masses, abundances."""

import math

import pytest

from cevns.kernels.constants import AMU_MEV, M_ELECTRON
from cevns.kernels.nuclear import ELEMENTS, ISOTOPES, element, isotope, nuclear_mass, proton_rms_radius


@pytest.mark.parametrize("name,rch,rp_seed", [("Cs133", 4.804, 4.821), ("I127", 4.749, 4.766)])
def test_proton_radius_seed_convention(name, rch, rp_seed):
    iso = isotope(name)
    assert iso.charge_radius == rch
    rp = proton_rms_radius(rch, iso.Z, iso.N)
    assert abs(rp - rp_seed) < 1e-3, (name, rp, "seed 000:1192-1194")
    assert iso.proton_radius == rp
    # Closed form: R_p² = R_ch² − (N/Z) <r_n²>, <r_n²> = −0.1161 fm².
    assert abs(rp - math.sqrt(rch**2 + iso.N / iso.Z * 0.1161)) < 1e-12


@pytest.mark.parametrize("name", ["Cs133", "I127"])
def test_darwin_foldy_term(name):
    iso = isotope(name)
    plain = proton_rms_radius(iso.charge_radius, iso.Z, iso.N)
    df = proton_rms_radius(iso.charge_radius, iso.Z, iso.N, darwin_foldy=True)
    assert abs((plain - df) - 0.0035) < 3e-4, plain - df
    # 3/4 (ħc/m_p)² = 0.0331 fm² exactly removed from R_p².
    assert abs((plain**2 - df**2) - 0.75 * (197.3269804 / 938.27208816) ** 2) < 1e-12


def test_spin_orbit_term():
    iso = isotope("Cs133")
    r = proton_rms_radius(iso.charge_radius, iso.Z, iso.N, spin_orbit=-0.1)
    assert abs(r**2 - (proton_rms_radius(iso.charge_radius, iso.Z, iso.N) ** 2 + 0.1)) < 1e-12


@pytest.mark.parametrize("symbol", ELEMENTS)
def test_abundances_sum_to_one(symbol):
    assert abs(sum(f for _, f in ELEMENTS[symbol]) - 1.0) < 2e-5, symbol
    assert abs(sum(f for _, f in element(symbol)) - 1.0) < 1e-14


@pytest.mark.parametrize("name,expect", [("Cs133", 123772.540), ("I127", 118183.684)])
def test_nuclear_masses(name, expect):
    # A·u − Z m_e from AME2020 atomic masses: 132.905451961 u and 126.9044719 u.
    iso = isotope(name)
    assert abs(iso.mass - expect) < 1e-2, iso.mass
    assert abs(iso.mass - (iso.atomic_mass_u * AMU_MEV - iso.Z * M_ELECTRON)) < 1e-9
    assert abs(nuclear_mass(iso.atomic_mass_u, iso.Z) - iso.mass) == 0.0


@pytest.mark.parametrize("name", ISOTOPES)
def test_isotope_consistency(name):
    iso = isotope(name)
    # Mass number agrees with the atomic mass to 0.1 u and the name.
    assert abs(iso.atomic_mass_u - iso.A) < 0.1
    assert name.endswith(str(iso.A))
    # Charge radii follow roughly 1.2 A^(1/3) fm (within 25 %).
    assert abs(iso.charge_radius / (1.2 * iso.A ** (1 / 3)) - 1) < 0.25
