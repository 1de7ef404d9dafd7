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
