"""CEvNS cross-section kernels against closed forms written out here (seed 000:29, 000:33, 000:155)."""

import math

import pytest

from cevns.kernels.cross_sections import (
    cevns_dsigma_dt,
    e_min,
    kinematic_factor,
    momentum_transfer,
    t_max,
    weak_charge,
)
from cevns.kernels.nuclear import isotope

G_F = 1.1663788e-11  # MeV^-2
HBARC = 197.3269804  # MeV fm
M_CS = isotope("Cs133").mass
MASSES = [M_CS, isotope("I127").mass, isotope("Ar40").mass, isotope("Na23").mass]
ENERGIES = [5.0, 16.3, 29.79, 52.8]


def ref_tmax(e, m):
    return 2 * e * e / (m + 2 * e)


def ref_kin(e, t, m):
    return max(0.0, 1 - t / e - m * t / (2 * e * e))


def ref_dsigma(e, t, m, qw):
    # (G_F^2 M / pi) [1 - T/E - MT/(2E^2)] Q^2 in MeV^-3, times (hbar c)^2 in cm^2 MeV^2.
    return G_F**2 * m / math.pi * ref_kin(e, t, m) * qw**2 * (HBARC * 1e-13) ** 2


def rel(a, b):
    return abs(a - b) / abs(b)


def test_cs133_mass_from_ame2020():
    # 132.905451961 u * 931.49410242 MeV/u - 55 m_e = 123772.540 MeV.
    assert abs(M_CS - 123772.540) < 1e-2, M_CS


@pytest.mark.parametrize("m", MASSES)
@pytest.mark.parametrize("e", ENERGIES)
def test_tmax_closed_form(e, m):
    assert rel(t_max(e, m), ref_tmax(e, m)) < 1e-10


@pytest.mark.parametrize("m", MASSES)
@pytest.mark.parametrize("e", ENERGIES)
@pytest.mark.parametrize("frac", [1e-3, 0.1, 0.5, 0.9, 0.999])
def test_dsigma_and_kinematic_factor_closed_form(e, m, frac):
    t = frac * ref_tmax(e, m)
    assert rel(kinematic_factor(e, t, m), ref_kin(e, t, m)) < 1e-10
    for qw in (-39.4, -30.1, 1.0, 7.3):
        assert rel(cevns_dsigma_dt(e, t, m, qw), ref_dsigma(e, t, m, qw)) < 1e-10


def test_dsigma_cs133_absolute_value():
    # Independent number: E = 30 MeV, T = 10 keV, Q = -N/2 = -39 on 133Cs.
    e, t, qw = 30.0, 0.01, -39.0
    k = 1 - t / e - M_CS * t / (2 * e * e)
    expect = 1.1663788e-11**2 * M_CS / math.pi * k * qw * qw * (197.3269804e-13) ** 2
    assert rel(cevns_dsigma_dt(e, t, M_CS, qw), expect) < 1e-10
    # Order of magnitude sanity: ~1e-37..1e-36 cm^2/MeV for CsI at 30 MeV.
    assert 1e-38 < cevns_dsigma_dt(e, t, M_CS, qw) < 1e-35


@pytest.mark.parametrize("m", MASSES)
@pytest.mark.parametrize("e", ENERGIES)
def test_zero_above_tmax_and_vanishes_at_tmax(e, m):
    tm = ref_tmax(e, m)
    assert abs(kinematic_factor(e, tm, m)) < 1e-12
    for f in (1.0 + 1e-9, 1.001, 1.5, 10.0):
        assert kinematic_factor(e, f * tm, m) == 0.0
        assert cevns_dsigma_dt(e, f * tm, m, -39.0) == 0.0
    # Just below T_max the factor is positive and linear in the distance to T_max.
    d = 1e-6 * tm
    slope = 1 / e + m / (2 * e * e)
    assert rel(kinematic_factor(e, tm - d, m), slope * d) < 1e-4


@pytest.mark.parametrize("m", MASSES)
@pytest.mark.parametrize("e", [0.5, 5.0, 29.79, 52.8, 300.0])
def test_emin_inverts_tmax(e, m):
    assert rel(e_min(t_max(e, m), m), e) < 1e-12
    t = 1e-3 * ref_tmax(e, m)
    assert rel(t_max(e_min(t, m), m), t) < 1e-12
    # Closed form of the inverse.
    assert rel(e_min(t, m), 0.5 * (t + math.sqrt(t * t + 2 * m * t))) < 1e-12


@pytest.mark.parametrize("m", MASSES)
@pytest.mark.parametrize("t", [1e-4, 1e-3, 0.01, 0.05])
def test_momentum_transfer(t, m):
    assert rel(momentum_transfer(t, m), math.sqrt(2 * m * t + t * t) / HBARC) < 1e-10


def test_momentum_transfer_cs_value():
    # 133Cs at 10 keVnr: |q| = sqrt(2 * 123772.54 * 0.01) MeV = 49.754 MeV = 0.2521394 fm^-1.
    assert abs(momentum_transfer(0.01, M_CS) - 0.2521394) < 1e-6


@pytest.mark.parametrize("gvp,gvn,z,n,fp,fn", [
    (0.0382, -0.5117, 55, 78, 0.9, 0.8),
    (0.0300, -0.5117, 53, 74, 1.0, 1.0),
    (0.5 - 2 * 0.23857, -0.5, 18, 22, 0.37, 0.21),
])
def test_weak_charge(gvp, gvn, z, n, fp, fn):
    assert rel(weak_charge(gvp, gvn, z, n, fp, fn), gvp * z * fp + gvn * n * fn) < 1e-10


def test_weak_charge_cs_sm_value():
    # F = 1: Q(Cs, nu_mu) = 0.0300*55 - 0.5117*78 = -38.2626.
    assert abs(weak_charge(0.0300, -0.5117, 55, 78, 1.0, 1.0) - (-38.2626)) < 1e-10
