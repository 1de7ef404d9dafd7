"""Axial-current CEvNS term (seed 003:92) for the odd-proton nuclei of CsI."""

import math

import numpy as np
import pytest
from scipy import integrate

from cevns.kernels.cross_sections import CEVNS_PREFACTOR, axial_charge, cevns_axial_dsigma_dt, t_max
from cevns.kernels.fluxes import E_PROMPT
from cevns.kernels.form_factors import helm
from cevns.kernels.nuclear import isotope, spin_excess
from cevns.scanner.experiments import get_experiment


def test_axial_charge_single_particle():
    # Q_A = (δZ − δN)/2 (003:105 with tree-level chiral couplings): odd proton +1/2, odd neutron −1/2
    assert axial_charge(*spin_excess("Cs133")[1:]) == 0.5
    assert axial_charge(*spin_excess("Ge73")[1:]) == -0.5
    assert axial_charge(*spin_excess("Ar40")[1:]) == 0.0


@pytest.mark.parametrize("e, t", [(29.79, 1e-3), (50.0, 2e-2), (10.0, 5e-4)])
def test_axial_closed_form(e, t):
    m = isotope("Cs133").mass
    fa = 0.8
    want = CEVNS_PREFACTOR * m * (1 + m * t / (2 * e * e)) * 0.25 * fa * fa if t <= t_max(e, m) else 0.0
    assert cevns_axial_dsigma_dt(e, t, m, 0.5, fa) == pytest.approx(want, rel=1e-12, abs=0.0)
    assert cevns_axial_dsigma_dt(e, 1.01 * t_max(e, m), m, 0.5, fa) == 0.0


def test_axial_option_adds_the_integrated_term():
    off = get_experiment("coherent-csi-2021")
    on = get_experiment("coherent-csi-2021:axial=on")
    extra = on.predict()["cevns"].sum() - off.predict()["cevns"].sum()
    # Upper bound without detector response: prompt line on Cs + I, full efficiency, F_A from R_p.
    bound = 0.0
    for name, ntarget in zip(off.isotopes, off.targets.count):
        iso = isotope(name)
        m = iso.mass

        def f(t, m=m, rp=off.targets.rp[list(off.isotopes).index(name)]):
            q = math.sqrt(2 * m * t + t * t) / 197.3269804
            return cevns_axial_dsigma_dt(E_PROMPT, t, m, 0.5, helm(q, rp))

        bound += ntarget * off.fluence * integrate.quad(f, 0, t_max(E_PROMPT, m))[0]
    assert 0.0 < extra
    # Prompt flux is 1/3 of the total; delayed flavours at most ~2× the prompt axial yield; response < 1.
    assert extra < 3 * bound
    assert extra / off.predict()["cevns"].sum() == pytest.approx(1e-3, rel=0.9)
    assert np.all(on.axial >= 0)
