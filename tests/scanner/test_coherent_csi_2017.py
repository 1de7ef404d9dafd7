"""COHERENT CsI 2017 (`coherent-csi-2017`): loaders, response, single-bin χ², published numbers.

Spec: docs/physics/coherent-csi-2017.md. The quad check uses the independent CEvNS cross section and flux
folding of :mod:`cevns.scanner.quad_reference` (no cevns kernels) with its own Poisson × acceptance response.
"""

from __future__ import annotations

import itertools
import math
import re

import numpy as np
import pytest
from scipy import integrate, optimize, stats

from cevns.scanner import datasets
from cevns.scanner import quad_reference as ref
from cevns.scanner.errors import ConfigError
from cevns.scanner.experiments import coherent_csi_2017 as mod
from cevns.scanner.experiments import get_experiment
from cevns.scanner.fit import fit

DATASET = "coherent-csi-2017"


@pytest.fixture(scope="module")
def binned():
    return get_experiment("coherent-csi-2017")


@pytest.fixture(scope="module")
def single():
    return get_experiment("coherent-csi-2017:analysis=single-bin")


# -- loaders vs PROVENANCE ---------------------------------------------------------------------------------------
def test_data_totals_match_provenance(binned):
    # PROVENANCE: C-on 1207, AC-on 1032, C-off 507, AC-off 507.
    totals = {k: binned.data[k].sum() for k in ("c_on", "ac_on", "c_off", "ac_off")}
    assert totals == {"c_on": 1207, "ac_on": 1032, "c_off": 507, "ac_off": 507}
    # Every released row lands in its own bin (600 rows → 25 × 24, none dropped or doubled).
    for name in mod.DATA_FILES.values():
        skip = 1 if "beamOff" in name else 0
        tab = datasets.load_table(DATASET, name, delimiter=",", skiprows=skip)
        assert tab.shape == (600, 3)


def test_roi_counts_match_provenance_and_seed(binned):
    # PROVENANCE: 6 ≤ PE < 30, 0 ≤ t < 6 µs: C 547, AC 405, excess 142 = the seed's N_meas and B_ss (003:275–277).
    roi = np.ix_(binned.roi_pe, binned.roi_t)
    c, ac = binned.data["c_on"][roi].sum(), binned.data["ac_on"][roi].sum()
    assert (c, ac) == (547, 405)
    assert c - ac == mod.N_MEAS and ac == mod.B_SS


def test_pdfs_match_provenance():
    for kind in ("promptNeutrinos", "delayedNeutrinos", "promptNeutrons"):
        tab = datasets.load_table(DATASET, f"arrivalTimePDF_{kind}.txt", delimiter=",")
        assert tab.shape == (24, 2)
        assert abs(tab[:, 1].sum() - 1.0) < 1e-9
    prompt = datasets.load_table(DATASET, "arrivalTimePDF_promptNeutrinos.txt", delimiter=",")[:3, 1]
    np.testing.assert_allclose(prompt, [0.065, 0.909, 0.026], atol=5e-4)
    pn = datasets.load_table(DATASET, "promptPDF.txt", delimiter=",")
    assert pn.shape == (50, 2)
    assert abs(pn[:, 1].sum() - 3.995) < 1e-3  # /GWh
    assert abs(pn[:, 1].sum() * mod.EXPOSURE_GWH - 29.9) < 0.05


def test_constants_match_release_yaml():
    text = datasets.read_text(DATASET, "coherent_parameters.yaml")

    def value(key, sub=None):
        block = text[text.index(key + ":"):]
        if sub:
            block = block[block.index(f"name: {sub}"):]
        return float(re.search(r"value:\s*([0-9.eE+-]+)", block).group(1))

    assert value("beamExposure") == mod.EXPOSURE_GWH
    assert value("distanceToTarget") == mod.BASELINE_M
    assert value("csiQF") == mod.QF
    assert value("csiLightYield") == mod.LIGHT_YIELD
    assert value("neutrinosPerProton") == mod.NU_PER_POT
    assert (value("acceptanceEfficiency", "a"), value("acceptanceEfficiency", "k"),
            value("acceptanceEfficiency", "x_0")) == (mod.ACC_A, mod.ACC_K, mod.ACC_X0)


# -- response ---------------------------------------------------------------------------------------------------
def _acceptance(x):
    """yaml acceptanceEfficiency, written independently of the module."""
    h = 0.0 if x < 5 else (0.5 if x < 6 else 1.0)
    return 0.6655 / (1.0 + math.exp(-0.4942 * (x - 10.8507))) * h


def test_acceptance_steps():
    assert mod.acceptance(4.5) == 0.0
    assert abs(mod.acceptance(5.5) - 0.5 * 0.6655 / (1.0 + math.exp(-0.4942 * (5.5 - 10.8507)))) < 1e-15
    assert abs(mod.acceptance(6.5) - 0.6655 / (1.0 + math.exp(-0.4942 * (6.5 - 10.8507)))) < 1e-15
    assert abs(mod.acceptance(30.5) - _acceptance(30.5)) < 1e-15


@pytest.mark.parametrize("mu", [0.3, 4.0, 17.5, 48.0])
def test_pe_bin_weights_closed_form(mu):
    w = mod.pe_bin_weights(mu)
    for b in (5, 6, 12, 29, 49):
        expect = _acceptance(b + 0.5) * 0.5 * (stats.poisson.pmf(b, mu) + stats.poisson.pmf(b + 1, mu))
        assert abs(w[b] - expect) <= 1e-12 + 1e-10 * expect


def _ref_energy_counts(bins, rn=5.0, sin2w=0.23857):
    """Independent quad: N_CsI Φ Σ_nuclei ∫ dT A_i(T) ∫ dE f_s(E) dσ/dT for 2-PE bins ``bins`` (per source)."""
    fluence = 0.08 * 1.76e23 / (4.0 * math.pi * 1930.0**2)
    norm = ref.N_CSI * fluence
    fl = ("numu", "nue", "numubar")

    def resp(t_mev):
        mu = t_mev * 1e3 * 0.0878 * 13.348
        out = []
        for i in bins:
            acc = 0.0
            for b in (2 * i, 2 * i + 1):
                acc += _acceptance(b + 0.5) * 0.5 * (stats.poisson.pmf(b, mu) + stats.poisson.pmf(b + 1, mu))
            out.append(acc)
        return np.array(out)

    def integrand(t_kev):
        t = 1e-3 * t_kev
        g = np.array([sum(ref.folded_dsigma(t, nuc, rn, f, sin2w) for nuc in ("cs", "i")) for f in fl])
        return norm * 1e-3 * np.outer(g, resp(t))

    ends = sorted({ref.t_max(e, ref.nuclear_mass(n)) for e in (ref.E_PI, ref.E_MICHEL_MAX) for n in ("cs", "i")})
    pieces = [1e-4, 3e-3, 1e-2, *ends]
    total = 0.0
    for lo, hi in itertools.pairwise(pieces):
        val, _ = integrate.quad_vec(integrand, lo * 1e3, hi * 1e3, epsrel=1e-7, epsabs=1e-10, limit=400)
        total = total + val
    return total


def test_cevns_energy_counts_vs_quad(binned):
    bins = [3, 5, 10, 15]  # 6–8, 10–12, 20–22, 30–32 PE
    fast = binned.sm_source_energy_counts({"rn": 5.0})[:, bins]
    slow = _ref_energy_counts(bins)
    np.testing.assert_allclose(fast, slow, rtol=1e-3)


# -- single-bin χ² (003:275–277) -------------------------------------------------------------------------------
def test_single_bin_chi2_by_hand():
    # N_th = 130: r = 142 − 130 − 6 = 6; D = (142 + 6 + 810) + 130² 0.28² + 6² 0.25² = 2285.21.
    chi2, a1, a2 = mod.single_bin_chi2(130.0, 142.0, 6.0, 405.0, 0.28, 0.25)
    assert abs(chi2 - 36.0 / 2285.21) < 1e-12
    # Direct minimisation of the seed's bracket over (a1, a2).
    def bracket(a):
        return (142 - 130 * (1 + a[0]) - 6 * (1 + a[1])) ** 2 / 958.0 + (a[0] / 0.28) ** 2 + (a[1] / 0.25) ** 2
    res = optimize.minimize(bracket, [0.0, 0.0], method="BFGS", options={"gtol": 1e-12})
    assert abs(res.fun - chi2) < 1e-9
    np.testing.assert_allclose([a1, a2], res.x, atol=1e-6)


def test_single_bin_likelihood_uses_prediction(single):
    lik = single.likelihood(["rn"], {})
    chi2, eta = lik.evaluate(np.array([[4.0], [6.0]]))
    for k, rn in enumerate((4.0, 6.0)):
        n_th = single.predict({"rn": rn})["cevns"][0]
        expect = mod.single_bin_chi2(n_th, 142.0, 6.0, 405.0, 0.28, 0.25)
        assert abs(chi2[k] - expect[0]) < 1e-10
        np.testing.assert_allclose(eta[k], expect[1:], atol=1e-12)
    assert single.observed().tolist() == [142.0]


# -- options -----------------------------------------------------------------------------------------------------
def test_options_refused():
    with pytest.raises(ConfigError, match="not one of"):
        get_experiment("coherent-csi-2017:analysis=unbinned")
    with pytest.raises(ConfigError, match="unknown option"):
        get_experiment("coherent-csi-2017:qf=0.1")


def test_cevns_norm_scales(binned):
    a = binned.predict({"cevns_norm": 1.0})["cevns"].sum()
    b = binned.predict({"cevns_norm": 0.5})["cevns"].sum()
    assert abs(b / a - 0.5) < 1e-12


# -- published numbers ---------------------------------------------------------------------------------------------
def test_sm_prediction_vs_collaboration(binned):
    # Collaboration SM: 173 ± 48 (001:204). Same flux, QF, light yield and acceptance as theirs: 5 % tolerance
    # (the photoelectron convention of the spec page moves the count by ±7 % between its two extremes).
    total = binned.predict_binned()["cevns"].sum()
    assert abs(total / 173.0 - 1.0) < 0.05
    # Prompt neutrons in the ROI (6–30 PE, 0–6 µs) vs the seed's B_0n = 6: 15 % (6 is a rounded number).
    brn = binned.predict_binned()["brn"][np.ix_(binned.roi_pe, binned.roi_t)].sum()
    assert abs(brn / 6.0 - 1.0) < 0.15


def test_single_bin_rn_vs_seed():
    # Seed 003:438: R_n = 5.64 +0.99/−1.2 fm. The seed's detector response is not printed (acceptance as a
    # function of T, no photoelectron statistics?), so: centre within 0.15 fm, each 1σ width within 0.2 fm.
    res = fit("coherent-csi-2017:analysis=single-bin", ["rn"], n_grid=81)
    best = res["best"]["rn"]
    lo, hi = res["interval_1sigma"]["rn"]
    assert abs(best - 5.64) < 0.15
    assert abs((hi - best) - 0.99) < 0.2 and abs((best - lo) - 1.2) < 0.2


def test_binned_rn_vs_published():
    # 2017-era R_n(CsI) = 5.5 +0.9/−1.1 fm (004:81; Cadeddu et al., energy spectrum only, no timing). Ours is the
    # full PE × time likelihood with a different background model: centre within the published 1σ, widths 0.6–1.5.
    res = fit("coherent-csi-2017", ["rn"], n_grid=81)
    best = res["best"]["rn"]
    lo, hi = res["interval_1sigma"]["rn"]
    assert 5.5 - 1.1 < best < 5.5 + 0.9
    assert 0.6 < hi - best < 1.5 and 0.6 < best - lo < 1.5
    assert res["chi2_min"] < 1.3 * 528  # 22 × 24 bins: a sane goodness of fit


def test_binned_cevns_events_vs_collaboration(binned):
    # Collaboration fit: 134 ± 22 CEvNS events (001:203). Fitted norm × SM prediction within that 1σ.
    res = fit("coherent-csi-2017", ["cevns_norm"], n_grid=81)
    events = res["best"]["cevns_norm"] * binned.predict()["cevns"].sum()
    assert abs(events - 134.0) < 22.0
