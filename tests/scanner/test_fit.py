"""Δχ² intervals of cevns.scanner.fit against analytic profiles."""

import numpy as np
import pytest

from cevns.scanner import fit as fitmod
from cevns.scanner.likelihood import Paraboloid


@pytest.mark.parametrize("rho", [0.0, 0.8])
def test_narrow_correlated_valley_profiles_exactly(monkeypatch, rho):
    # sin2w valley (σ = 0.0019) much narrower than the coarse grid step (0.0028): the grid profile lies above
    # the true one, and the interval search must still find the exact crossings σ·sqrt(level).
    sig = np.array([0.4, 0.0019])
    cov = np.array([[sig[0] ** 2, rho * sig[0] * sig[1]], [rho * sig[0] * sig[1], sig[1] ** 2]])
    centre = np.array([5.4, 0.2397])
    lik = Paraboloid(["rn", "sin2w"], centre, cov, chi2_min=85.0)
    monkeypatch.setattr(fitmod, "make_likelihood", lambda *a, **k: lik)
    res = fitmod.fit("x", ["rn", "sin2w"])
    assert res["chi2_min"] == pytest.approx(85.0, abs=1e-6)
    for k, name in enumerate(("rn", "sin2w")):
        assert res["best"][name] == pytest.approx(centre[k], abs=1e-3 * sig[k])
        for label, level in fitmod.LEVELS.items():
            lo, hi = res[f"interval_{label}"][name]
            half = sig[k] * np.sqrt(level)  # profile of a Gaussian: Δχ² = ((x − x0)/σ)²
            assert lo == pytest.approx(centre[k] - half, abs=2e-3 * sig[k])
            assert hi == pytest.approx(centre[k] + half, abs=2e-3 * sig[k])


def test_one_dimensional_interval_and_edges(monkeypatch):
    lik = Paraboloid(["sin2w"], [0.1], [[0.03**2]])
    monkeypatch.setattr(fitmod, "make_likelihood", lambda *a, **k: lik)
    res = fitmod.fit("x", ["sin2w"])
    lo, hi = res["interval_1sigma"]["sin2w"]
    assert lo == pytest.approx(0.07, abs=1e-6) and hi == pytest.approx(0.13, abs=1e-6)
    # 2σ reaches below the search range (0.05): the interval stops at the edge
    assert res["interval_2sigma"]["sin2w"][0] == pytest.approx(0.05)


def test_disjoint_regions_reported():
    """The ν_e charge radius on CsI 2021 has two allowed regions (the second where the radius term reverses the weak
    charge): regions_90 lists both, the one holding the best fit equals interval_90, and each inner end lies on
    Δχ² = 2.706 of the exact profile."""
    from cevns.scanner.registry import make_likelihood

    res = fitmod.fit("coherent-csi-2021", ["rch2_ee"])
    regions = res["regions_90"]["rch2_ee"]
    assert len(regions) == 2 and regions == sorted(regions)
    assert res["interval_90"]["rch2_ee"] in regions
    assert regions[0][1] < regions[1][0]  # disjoint
    lik = make_likelihood("coherent-csi-2021", "sm", {}, ["rch2_ee"])
    ends = np.array([[x] for r in regions for x in r])
    chi, _ = lik.evaluate(ends)
    np.testing.assert_allclose(chi - res["chi2_min"], fitmod.LEVELS["90"], atol=2e-3)
    mid = 0.5 * (regions[0][1] + regions[1][0])  # between the islands Δχ² is above the level
    assert lik.evaluate(np.array([[mid]]))[0][0] - res["chi2_min"] > fitmod.LEVELS["90"]


def test_even_chi2_reports_the_non_negative_minimum(monkeypatch):
    """χ² = (x² − 4)² + 10 (a magnetic moment's χ² is even in μ): the best fit is +2, not the mirror −2; the 90 %
    regions are the two mirror intervals around ±2 (Δχ² = 2.706 at x² = 4 ± √2.706), and an odd χ² keeps its
    negative minimum."""
    from cevns.scanner.likelihood import Likelihood

    class Even(Likelihood):
        names = ("mu_nu_mu",)
        nuisance_names = ()

        def __init__(self, shift=0.0):
            self.shift = shift

        def evaluate(self, p):
            x = np.asarray(p, dtype=float)[:, 0]
            return (x * x - 4.0) ** 2 + self.shift * x + 10.0, np.zeros((x.size, 0))

    monkeypatch.setattr(fitmod, "make_likelihood", lambda *a, **k: Even())
    res = fitmod.fit("x", ["mu_nu_mu"])
    assert res["best"]["mu_nu_mu"] == pytest.approx(2.0, abs=1e-5)
    d = np.sqrt(fitmod.LEVELS["90"])
    want = [[-np.sqrt(4 + d), -np.sqrt(4 - d)], [np.sqrt(4 - d), np.sqrt(4 + d)]]
    np.testing.assert_allclose(res["regions_90"]["mu_nu_mu"], want, atol=1e-5)
    monkeypatch.setattr(fitmod, "make_likelihood", lambda *a, **k: Even(shift=0.5))  # odd part: minimum near −2
    assert fitmod.fit("x", ["mu_nu_mu"])["best"]["mu_nu_mu"] < 0


def test_degenerate_minima_report_the_default(monkeypatch):
    """Two exact minima χ² = 0 (an Asimov set is fitted exactly by the SM ⟨r²_νe⟩ = −0.82 and by the radius that
    flips the weak charge), narrow wells of width 0.1; the twin sits on a grid node (x = 50) and −0.82 does not:
    the best fit is the default −0.82 on every grid and interval_90 is the region around it. A χ² whose lower
    minimum is elsewhere keeps it."""
    from cevns.scanner.likelihood import Likelihood

    class Twin(Likelihood):
        names = ("rch2_ee",)
        nuisance_names = ()

        def __init__(self, centre=-0.82, gap=0.0):
            self.centre, self.gap = centre, gap

        def evaluate(self, p):
            x = np.asarray(p, dtype=float)[:, 0]
            chi = np.minimum(((x - self.centre) / 0.1) ** 2, ((x - 50.0) / 0.1) ** 2 + self.gap)
            return chi, np.zeros((x.size, 0))

    half = 0.1 * np.sqrt(fitmod.LEVELS["90"])
    monkeypatch.setattr(fitmod, "make_likelihood", lambda *a, **k: Twin())
    for n_grid in (61, 241, 401):
        res = fitmod.fit("x", ["rch2_ee"], n_grid=n_grid)
        assert res["best"]["rch2_ee"] == -0.82
        lo, hi = res["interval_90"]["rch2_ee"]
        assert lo == pytest.approx(-0.82 - half, abs=1e-6) and hi == pytest.approx(-0.82 + half, abs=1e-6)
    monkeypatch.setattr(fitmod, "make_likelihood", lambda *a, **k: Twin(centre=-0.7, gap=-0.5))
    assert fitmod.fit("x", ["rch2_ee"])["best"]["rch2_ee"] == pytest.approx(50.0, abs=1e-5)


@pytest.mark.parametrize("names,centre,sig", [(["g_zp"], [0.0], [5e-8]),
                                              (["g_zp", "sin2w"], [3e-7, 0.24], [1e-7, 0.01])])
def test_tiny_parameter_scales(monkeypatch, names, centre, sig):
    """A light Z' coupling lives at 1e-7 on a 0–1e-3 search range: intervals and best fits must follow the scale
    (absolute tolerances of 1e-7 put the 90 % limit of σ = 5e-8 at 1.0e-7 instead of 8.2e-8)."""
    lik = Paraboloid(names, centre, np.diag(np.square(sig)))
    monkeypatch.setattr(fitmod, "make_likelihood", lambda *a, **k: lik)
    res = fitmod.fit("x", names)
    for k, name in enumerate(names):
        assert res["best"][name] == pytest.approx(centre[k], abs=1e-3 * sig[k])
        lo, hi = res["interval_90"][name]
        half = sig[k] * np.sqrt(fitmod.LEVELS["90"])
        assert hi == pytest.approx(centre[k] + half, rel=1e-4)
        assert lo == pytest.approx(max(centre[k] - half, 0.0 if name == "g_zp" else -1.0), rel=1e-4, abs=1e-12)
