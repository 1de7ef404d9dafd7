"""Nuclear form factors: F(0) = 1, rms radius from the q² slope, closed forms, SF Fourier transform."""

import math

import numpy as np
import pytest
from scipy import integrate
from scipy.special import spherical_jn

from cevns.kernels.form_factors import (
    HELM_S,
    SF_T,
    helm,
    helm_array,
    helm_r0,
    klein_nystrand,
    sf_half_density_radius,
    spherical_j1_over_x,
    symmetrized_fermi,
)

FORM_FACTORS = {"helm": helm, "symmetrized_fermi": symmetrized_fermi, "klein_nystrand": klein_nystrand}
RADII = [3.4, 4.821, 5.09, 5.47, 6.2]


@pytest.mark.parametrize("name", FORM_FACTORS)
@pytest.mark.parametrize("rms", RADII)
def test_unit_at_zero_momentum(name, rms):
    f = FORM_FACTORS[name]
    assert abs(f(1e-6, rms) - 1.0) < 1e-10
    assert abs(f(0.0, rms) - 1.0) < 1e-15


@pytest.mark.parametrize("name", FORM_FACTORS)
@pytest.mark.parametrize("rms", RADII)
def test_q2_slope_gives_rms_radius(name, rms):
    # F(q) = 1 - q² R²/6 + O(q⁴): least-squares fit of a polynomial in q² at small q, R = sqrt(-6 × slope).
    f = FORM_FACTORS[name]
    q = np.linspace(0.005, 0.05, 40)
    y = np.array([f(x, rms) for x in q]) - 1.0
    q2 = q * q
    design = np.vstack([q2, q2**2, q2**3]).T
    coef = np.linalg.lstsq(design, y, rcond=None)[0]
    r_fit = math.sqrt(-6.0 * coef[0])
    assert abs(r_fit / rms - 1.0) < 1e-4, (name, rms, r_fit)


@pytest.mark.parametrize("rms", RADII)
@pytest.mark.parametrize("q", [1e-3, 0.05, 0.2, 0.45, 0.7, 1.0, 1.5])
def test_helm_closed_form(rms, q):
    r0 = math.sqrt(5.0 / 3.0 * (rms**2 - 3 * HELM_S**2))
    x = q * r0
    expect = 3 * spherical_jn(1, x) / x * math.exp(-q * q * HELM_S**2 / 2)
    assert abs(helm(q, rms) - expect) < 1e-12
    assert abs(helm_r0(rms) - r0) < 1e-12


def test_helm_array_matches_scalar():
    q = np.linspace(0.0, 1.2, 57)
    arr = helm_array(q, 5.09)
    assert np.array_equal(arr, np.array([helm(x, 5.09) for x in q]))


def _sf_numerical(q, rms, t=SF_T):
    a = t / (4 * math.log(3))
    c = sf_half_density_radius(rms, t)
    big = c / a

    def rho(r):
        # sinh(c/a)/(cosh(r/a)+cosh(c/a)), written with exponentials scaled by e^{-c/a} to avoid overflow.
        return (1 - math.exp(-2 * big)) / (math.exp(r / a - big) + math.exp(-r / a - big)
                                           + 1 + math.exp(-2 * big))

    upper = c + 60 * a
    norm = integrate.quad(lambda r: r * r * rho(r), 0, upper, epsabs=0, epsrel=1e-13, limit=400)[0]
    # ∫ r² ρ sin(qr)/(qr) dr = (1/q) ∫ r ρ sin(qr) dr (oscillatory weight).
    num = integrate.quad(lambda r: r * rho(r) / q, 0, upper, weight="sin", wvar=q,
                         epsabs=1e-14, epsrel=1e-12, limit=400)[0]
    return num / norm


@pytest.mark.parametrize("rms", [4.821, 5.47])
@pytest.mark.parametrize("q", [0.02, 0.1, 0.3, 0.5, 0.8, 1.2])
def test_symmetrized_fermi_is_fourier_transform_of_density(rms, q):
    assert abs(symmetrized_fermi(q, rms) - _sf_numerical(q, rms)) < 1e-6


@pytest.mark.parametrize("rms", [4.821, 5.47])
def test_sf_half_density_radius_gives_rms(rms):
    # Numerical <r²> of the symmetrized Fermi density equals rms².
    a = SF_T / (4 * math.log(3))
    c = sf_half_density_radius(rms)

    def rho(r):
        return math.sinh(c / a) / (math.cosh(r / a) + math.cosh(c / a))

    up = c + 60 * a
    m2 = integrate.quad(lambda r: r**2 * rho(r), 0, up, epsrel=1e-13, limit=400)[0]
    m4 = integrate.quad(lambda r: r**4 * rho(r), 0, up, epsrel=1e-13, limit=400)[0]
    assert abs(math.sqrt(m4 / m2) - rms) < 1e-8


@pytest.mark.parametrize("rms", [4.821, 5.47])
@pytest.mark.parametrize("q", [0.1, 0.4, 0.9])
def test_klein_nystrand_closed_form(rms, q):
    ak = 0.7
    ra = math.sqrt(5.0 / 3.0 * (rms**2 - 6 * ak**2))
    expect = 3 * spherical_jn(1, q * ra) / (q * ra) / (1 + q * q * ak * ak)
    assert abs(klein_nystrand(q, rms) - expect) < 1e-12


def test_spherical_j1_over_x_continuous_at_series_switch():
    x = 0.01
    below = np.nextafter(x, 0.0)
    above = np.nextafter(x, 1.0)
    assert abs(spherical_j1_over_x(below) - spherical_j1_over_x(x)) < 1e-12
    assert abs(spherical_j1_over_x(above) - spherical_j1_over_x(below)) < 1e-12
    # Both branches agree with the longer series at the switch.
    for y in (below, x, above):
        series = 1 - y * y / 10 + y**4 / 280 - y**6 / 15120 + y**8 / 1330560
        assert abs(spherical_j1_over_x(y) - series) < 1e-12


@pytest.mark.parametrize("x", [0.0, 1e-5, 0.003, 0.02, 0.5, 2.0, 4.4934, 10.0])
def test_spherical_j1_over_x_values(x):
    expect = 1.0 if x == 0 else 3 * spherical_jn(1, x) / x
    assert abs(spherical_j1_over_x(x) - expect) < 1e-12
