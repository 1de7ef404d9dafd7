"""coherent-lar-2020:analysis=energy-1d, the seeds' CENNS-10 1-D energy χ² (docs/physics/coherent-lar-2020.md).

The kernel's profiled χ² against an independent numpy closed form (np.linalg.solve of the normal equations) on C_i
from the 3-D analysis' prediction summed over F90 and time, for every model; against a brute-force (α, β) grid; the
cross-check numbers of scripts/lar_rn_crosscheck.py; the R_n(⁴⁰Ar) 90 % limit against the seeds' 4.33 fm (001:380);
options, 1-D predict/observed, `cevns rate`, fixed nuisances and the combination with CsI 2021.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from cevns.scanner import datasets
from cevns.scanner.cli import main as cli_main
from cevns.scanner.errors import ConfigError
from cevns.scanner.experiments import get_experiment
from cevns.scanner.experiments.coherent_lar_2020 import DATASET, CoherentLAr2020
from cevns.scanner.fit import fit
from cevns.scanner.registry import make_likelihood

E1D = "coherent-lar-2020:analysis=energy-1d"
# Priors of the seeds' χ² (yaml cevnsPredictionNormalization 128 ± 17, promptBeamRelatedNeutron 497 ± 160), typed in
# here rather than read from the experiment.
SIG_ALPHA, SIG_BETA = 17.0 / 128.0, 160.0 / 497.0

# One point per model, each away from the SM; parameters not given are at their defaults.
MODEL_POINTS = [
    ("sm", {}),
    ("sm", {"rn_ar": 2.0}),
    ("sm", {"rn_ar": 4.5}),
    ("sm", {"rn_ar": 6.5, "cevns_norm": 1.3}),
    ("sm", {"sin2w": 0.25, "eps_u_ee": 0.1, "eps_d_emu": 0.05}),
    ("sm", {"mu_nu_mu": 30.0, "rch2_ee": -5.0, "q_nu_e": 3.0}),
    ("zprime-universal", {"g_zp": 1e-4, "m_zp": 20.0}),
    ("zprime-b-l", {"g_zp": 3e-4, "m_zp": 50.0, "rn_ar": 4.0}),
    ("zprime-lmu-ltau", {"g_zp": 1e-3, "m_zp": 10.0}),
    ("scalar-universal", {"g_phi": 3e-5, "m_phi": 10.0}),
    ("darkz", {"eps_dark": 3e-3, "m_zd": 30.0}),
    ("tmm", {"tmm_l1": 40.0, "tmm_z1": 0.5}),
]


@pytest.fixture(scope="module")
def lar1d():
    return get_experiment(E1D)


@pytest.fixture(scope="module")
def lar3d():
    return get_experiment("coherent-lar-2020")


@pytest.fixture(scope="module")
def table():
    return datasets.load_table(DATASET, "energydata1d.txt", skiprows=1)


def numpy_chi2(data, err, cevns, brn):
    """(χ², α, β) of the seeds' 1-D χ² by np.linalg.solve (the formula of scripts/lar_rn_crosscheck.py)."""
    w = 1.0 / err**2
    r0 = data - cevns - brn
    a = np.array([[np.sum(w * cevns * cevns) + 1 / SIG_ALPHA**2, np.sum(w * cevns * brn)],
                  [np.sum(w * cevns * brn), np.sum(w * brn * brn) + 1 / SIG_BETA**2]])
    b = np.array([np.sum(w * cevns * r0), np.sum(w * brn * r0)])
    x = np.linalg.solve(a, b)
    res = r0 - x[0] * cevns - x[1] * brn
    return float(np.sum(w * res * res) + (x[0] / SIG_ALPHA) ** 2 + (x[1] / SIG_BETA) ** 2), x[0], x[1]


def _chi2(model, params):
    lik = make_likelihood(E1D, model=model, names=list(params))
    chi2, eta = lik.evaluate(np.array([list(params.values())]))
    return float(chi2[0]), eta[0]


# -- options -----------------------------------------------------------------------------------------------------
def test_option_values_and_default():
    with pytest.raises(ConfigError, match="release-3d, energy-1d"):
        get_experiment("coherent-lar-2020:analysis=energy-2d")
    with pytest.raises(ConfigError, match="release-3d, energy-1d"):
        CoherentLAr2020(analysis="1d")
    assert get_experiment("coherent-lar-2020").options["analysis"] == "release-3d"
    assert len(get_experiment("coherent-lar-2020").nuisance_names) == 9
    both = get_experiment("coherent-lar-2020:analysis=energy-1d,efficiency=reconstructed")
    assert both.options == {"efficiency": "reconstructed", "analysis": "energy-1d"}
    assert both.predict()["cevns"].sum() == pytest.approx(121.10, abs=0.05)  # the 3-D total, as for the default


def test_same_parameters_and_models(lar1d, lar3d):
    assert lar1d.parameters == lar3d.parameters and lar1d.models == lar3d.models
    assert lar1d.nuisance_names == ("alpha_cevns", "beta_brn")
    assert make_likelihood(E1D, names=["rn_ar"]).nuisance_names == ("alpha_cevns", "beta_brn")


# -- predict / observed ------------------------------------------------------------------------------------------
def test_predict_and_observed_are_1d(lar1d, lar3d, table):
    pred = lar1d.predict({"rn_ar": 4.0})
    assert set(pred) == set(lar1d.components) == {"cevns", "brn"}
    assert all(v.shape == (12,) for v in pred.values()) and lar1d.observed().shape == (12,)
    np.testing.assert_allclose(pred["cevns"], lar3d.predict({"rn_ar": 4.0})["cevns"].sum(axis=(1, 2)),
                               rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(pred["brn"], table[:, 4])
    np.testing.assert_array_equal(lar1d.observed(), table[:, 1])
    by_src = lar1d.predict_cevns_by_flavour({"rn_ar": 4.0})
    assert all(v.shape == (12,) for v in by_src.values())
    np.testing.assert_allclose(sum(by_src.values()), pred["cevns"], rtol=1e-14)
    # predict_with_nuisances at the profiled (α, β): the χ² of the sum plus the priors is the profiled χ².
    chi2, eta = lar1d.chi2({"rn_ar": 4.0})
    mu = sum(lar1d.predict_with_nuisances({"rn_ar": 4.0}, eta).values())
    direct = np.sum(((table[:, 1] - mu) / table[:, 2]) ** 2) + (eta[0] / SIG_ALPHA) ** 2 + (eta[1] / SIG_BETA) ** 2
    assert direct == pytest.approx(chi2, rel=1e-12)


def test_cevns_rate_cli(capsys):
    assert cli_main(["rate", E1D, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["counts"]) == {"cevns", "brn"}
    assert out["counts"]["cevns"] == pytest.approx(122.45, abs=0.01)  # the 3-D window total (spec page)
    assert out["counts"]["brn"] == pytest.approx(563.53, abs=0.01)  # Σ BRN column of energydata1d.txt
    assert out["observed"] == pytest.approx(620.25, abs=0.01)  # Σ steady-state-subtracted data
    assert sum(out["cevns_by_flavour"].values()) == pytest.approx(out["counts"]["cevns"], rel=1e-12)


# -- the χ² ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("model, params", MODEL_POINTS)
def test_kernel_equals_numpy_closed_form(lar3d, table, model, params):
    # C_i from the 3-D analysis' prediction (E × F90 × t) summed over F90 and time, not from the 1-D code path.
    c = lar3d.predict(params, model)["cevns"].sum(axis=(1, 2))
    ref, a_ref, b_ref = numpy_chi2(table[:, 1], table[:, 2], c, table[:, 4])
    names = dict(params) or {"rn_ar": lar3d.rn_default}
    chi2, eta = _chi2(model, names)
    assert chi2 == pytest.approx(ref, rel=1e-10)
    np.testing.assert_allclose(eta, [a_ref, b_ref], rtol=1e-9, atol=1e-12)
    if params:  # every other point is away from the SM defaults: its χ² differs from theirs (9.44)
        assert abs(chi2 - 9.4418) > 1e-2


@pytest.mark.parametrize("model, params", [("sm", {"rn_ar": 3.0}), ("sm", {"rn_ar": 7.0, "cevns_norm": 1.5}),
                                           ("zprime-universal", {"g_zp": 1e-4, "m_zp": 20.0})])
def test_brute_force_minimum_over_alpha_beta(lar3d, table, model, params):
    d, err, b = table[:, 1], table[:, 2], table[:, 4]
    c = lar3d.predict(params, model)["cevns"].sum(axis=(1, 2))
    chi2, (alpha, beta) = _chi2(model, params)

    def on_grid(al, be):
        res = (d[None, None, :] - (1 + al[:, None, None]) * c - (1 + be[None, :, None]) * b) / err
        return np.sum(res**2, axis=2) + (al[:, None] / SIG_ALPHA) ** 2 + (be[None, :] / SIG_BETA) ** 2

    # Wide grid (step 0.005 over α ∈ [−1, 1], β ∈ [−1, 1]): nothing below the kernel's minimum, the grid's best
    # cell holds it.
    al = be = np.linspace(-1.0, 1.0, 401)
    g = on_grid(al, be)
    i, j = np.unravel_index(np.argmin(g), g.shape)
    assert g.min() >= chi2 - 1e-9
    assert abs(al[i] - alpha) <= 0.005 and abs(be[j] - beta) <= 0.005
    assert g.min() - chi2 < 0.05
    # Fine grid (step 1e-4) around the kernel's (α, β): minimum within 1e-4 of it and only above it.
    fa, fb = alpha + np.linspace(-0.01, 0.01, 201), beta + np.linspace(-0.01, 0.01, 201)
    g = on_grid(fa, fb)
    assert g.min() >= chi2 - 1e-9 and g.min() - chi2 < 1e-4
    i, j = np.unravel_index(np.argmin(g), g.shape)
    assert abs(fa[i] - alpha) <= 1e-4 and abs(fb[j] - beta) <= 1e-4


def test_sm_defaults_reproduce_the_crosscheck(lar1d):
    # scripts/lar_rn_crosscheck.py numbers (docs: cross-check table): χ² 9.44 at the default 3.538 fm with
    # α = +0.047, β = −0.153; 8.09 at the 2.0 fm range edge.
    chi2, eta = lar1d.chi2({})
    assert chi2 == pytest.approx(9.4418, abs=1e-3)
    np.testing.assert_allclose(eta, [0.04685, -0.15346], atol=1e-4)
    assert _chi2("sm", {"rn_ar": 2.0})[0] == pytest.approx(8.0893, abs=1e-3)
    # The script's R_n scan on 1.65–8 fm: 90 % limits 4.61 fm (from 2 fm) and 4.47 fm (from 1.65 fm).
    lik = make_likelihood(E1D, names=["rn_ar"])
    grid = np.linspace(1.65, 8.0, 636)
    chi2s = lik.evaluate(grid[:, None])[0]
    assert np.all(np.diff(chi2s) > 0)  # rising in R_n: the minimum is at the lower edge
    for lo, expect in ((2.0, 4.61), (1.65, 4.47)):
        sel = grid >= lo - 1e-12
        d = chi2s[sel] - chi2s[sel].min()
        assert np.interp(2.71, d, grid[sel]) == pytest.approx(expect, abs=0.005)


def test_fit_rn_ar_upper_limit_vs_seeds():
    r = fit(E1D, ["rn_ar"])
    ul = r["interval_90"]["rn_ar"][1]
    # Seeds: R_n(⁴⁰Ar) < 4.33 fm at 90 % CL (001:380, Miranda et al., the same kind of χ²); goal: within 0.4 fm.
    assert abs(ul - 4.33) < 0.4
    assert ul == pytest.approx(4.606, abs=0.01)  # measured; 3-D release likelihood: 4.89 fm
    assert r["best"]["rn_ar"] == pytest.approx(2.0, abs=1e-6)  # at the range edge (data favour more CEvNS)


def test_fixed_nuisances(table, lar1d):
    lik = make_likelihood(E1D, names=["rn_ar"], nuisances="fixed")
    chi2, eta = lik.evaluate(np.array([[4.0]]))
    c = lar1d.predict({"rn_ar": 4.0})["cevns"]
    direct = np.sum(((table[:, 1] - c - table[:, 4]) / table[:, 2]) ** 2)
    assert np.all(eta == 0.0) and chi2[0] == pytest.approx(direct, rel=1e-12)
    assert chi2[0] > make_likelihood(E1D, names=["rn_ar"]).evaluate(np.array([[4.0]]))[0][0] + 1.0


def test_combination_with_csi_2021():
    comb = make_likelihood("coherent-csi-2021+" + E1D, names=["sin2w"])
    csi = make_likelihood("coherent-csi-2021", names=["sin2w"])
    ar = make_likelihood(E1D, names=["sin2w"])
    pts = np.array([[0.2], [0.23857], [0.27]])
    np.testing.assert_allclose(comb.evaluate(pts)[0], csi.evaluate(pts)[0] + ar.evaluate(pts)[0], rtol=1e-12)
    assert comb.nuisance_names[-2:] == ("coherent-lar-2020:alpha_cevns", "coherent-lar-2020:beta_brn")
    assert len(comb.nuisance_names) == 4 + 2
    r = fit("coherent-csi-2021+" + E1D, ["sin2w"])
    assert 0.15 < r["best"]["sin2w"] < 0.32 and np.isfinite(r["chi2_min"])
