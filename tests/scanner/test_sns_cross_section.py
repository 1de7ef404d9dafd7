"""Flux-averaged CEvNS cross section of the SNS experiments (COHERENT's ⟨σ⟩, seed 001:221–222, 004:383)."""

import pytest
from scipy import integrate

from cevns.scanner import quad_reference as ref
from cevns.scanner.experiments import get_experiment
from cevns.scanner.experiments.sns import flux_averaged_cross_section


def test_csi_flux_averaged_cross_section_vs_quad():
    """CsI at the SM: the node sum against the independent double quad of scanner.quad_reference (dσ/dT folded with
    each spectrum, integrated over 0 … T_max), averaged over Cs and I and the three flavours; 1e-4."""
    csi = get_experiment("coherent-csi-2021")
    ours = flux_averaged_cross_section(csi)
    tot = 0.0
    for nucleus, rn in (("cs", 5.09), ("i", 5.03)):
        m = ref.nuclear_mass(nucleus)
        for flavour in ("numu", "nue", "numubar"):
            tmax = ref.t_max(ref._max_energy(flavour), m)
            f = lambda t, nucleus=nucleus, rn=rn, flavour=flavour: ref.folded_dsigma(t, nucleus, rn, flavour, 0.23857)
            tot += integrate.quad(f, 0.0, tmax, limit=400, epsrel=1e-9)[0]
    want = tot / 6.0
    assert ours == pytest.approx(want, rel=1e-4)
    # COHERENT's SM value 189 ± 6 × 10⁻⁴⁰ cm² (001:222): ours within the quoted uncertainty
    assert abs(ours / 1e-40 - 189.0) < 6.0
    assert flux_averaged_cross_section(csi, {"cevns_norm": 0.5}) == pytest.approx(0.5 * ours, rel=1e-12)


def test_lar_flux_averaged_cross_section():
    """CENNS-10 SM ⟨σ⟩ = 1.8 × 10⁻³⁹ cm² (004:383, two digits): ours within half a unit of the last digit."""
    lar = get_experiment("coherent-lar-2020")
    assert abs(flux_averaged_cross_section(lar) / 1e-39 - 1.8) < 0.05
