"""Fast CsI-2021 CEvNS prediction vs the independent slow quad reference (tests/reference/quad_csi2021.py).

Both implement docs/physics/coherent-csi-2021.md independently.  Criteria: every (PE, time) bin with more than
0.05 expected events agrees to < 1e-3 relative, the totals to < 1e-4 relative, for each flavour and their sum.
"""

from __future__ import annotations

import importlib.util
import math

import numpy as np
import pytest
from scipy import integrate, optimize, special

from cevns.scanner import quad_reference as ref

FAST_MODULE = "cevns.scanner.experiments.coherent_csi_2021"

POINTS = [
    (5.09, 5.03, 0.23857),
    (4.5, 4.5, 0.20),
    (6.5, 5.5, 0.26),
    (5.5, 6.5, 0.23857),
]
FLAVOURS = ["numu", "nue", "numubar", None]

BIN_MIN_EVENTS = 0.05
BIN_RTOL = 1e-3
TOTAL_RTOL = 1e-4


def _fast_path_available() -> bool:
    try:
        return importlib.util.find_spec(FAST_MODULE) is not None
    except ModuleNotFoundError:
        return False


needs_fast_path = pytest.mark.skipif(
    not _fast_path_available(), reason=f"fast path {FAST_MODULE} does not exist yet"
)


@pytest.fixture(scope="module")
def experiment():
    from cevns.scanner.experiments import get_experiment

    return get_experiment("coherent-csi-2021")


@pytest.fixture(scope="module", params=POINTS, ids=lambda p: "rn_cs={}-rn_i={}-sin2w={}".format(*p))
def point_predictions(request, experiment):
    """Reference and fast predictions at one parameter point, each computed once per module."""
    rn_cs, rn_i, sin2w = request.param
    params = {"rn_cs": rn_cs, "rn_i": rn_i, "sin2w": sin2w}
    reference = {fl: ref.cevns_counts(rn_cs, rn_i, sin2w, fl) for fl in FLAVOURS}
    by_flavour = experiment.predict_cevns_by_flavour(params)
    fast = {fl: np.asarray(by_flavour[fl], dtype=float) for fl in FLAVOURS if fl is not None}
    fast[None] = np.asarray(experiment.predict(params)["cevns"], dtype=float)
    return reference, fast


@needs_fast_path
@pytest.mark.parametrize("flavour", FLAVOURS, ids=lambda f: f or "sum")
def test_fast_matches_quad_reference(point_predictions, flavour):
    reference, fast = point_predictions
    r, f = reference[flavour], fast[flavour]
    assert f.shape == r.shape == (ref.N_PE, ref.N_TIME)
    assert np.all(np.isfinite(f))

    total_rel = f.sum() / r.sum() - 1.0
    mask = r > BIN_MIN_EVENTS
    rel = np.zeros_like(r)
    rel[mask] = f[mask] / r[mask] - 1.0
    worst = np.unravel_index(np.argmax(np.abs(rel)), rel.shape)
    bad = [
        f"  PE bin {i}, t bin {j}: fast {f[i, j]:.8g} ref {r[i, j]:.8g} rel {rel[i, j]:+.3e}"
        for i, j in zip(*np.nonzero(np.abs(rel) >= BIN_RTOL))
    ]
    summary = (
        f"flavour {flavour or 'sum'}: total fast {f.sum():.8g} ref {r.sum():.8g} rel {total_rel:+.3e}; "
        f"worst bin {worst} rel {rel[worst]:+.3e} ({mask.sum()} bins > {BIN_MIN_EVENTS} events)"
    )
    assert not bad, summary + "\n" + "\n".join(bad)
    assert abs(total_rel) < TOTAL_RTOL, summary


# ---------------------------------------------------------------------------------------------------------------
# Self-checks of the reference (need no fast path)
# ---------------------------------------------------------------------------------------------------------------
def _emg_pdf(t, tau):
    """Gaussian POT trace convolved with Exp(tau), closed form (used here only to check the reference)."""
    mu, s = ref.POT_TRACE_MEAN, ref.POT_TRACE_SIGMA
    lam = 1.0 / tau
    return (
        0.5
        * lam
        * np.exp(0.5 * lam * (2 * mu + lam * s * s - 2 * t))
        * special.erfc((mu + lam * s * s - t) / (math.sqrt(2.0) * s))
    )


def _closed_form_fractions(source):
    tp, tm = ref.TAU_PI, ref.TAU_MU
    if source == "prompt":

        def pdf(t):
            return _emg_pdf(t, tp)
    else:

        def pdf(t):
            return (tm * _emg_pdf(t, tm) - tp * _emg_pdf(t, tp)) / (tm - tp)

    out = []
    for lo, hi in zip(ref.TIME_EDGES[:-1], ref.TIME_EDGES[1:]):
        pts = [ref.TEFF_T0] if lo < ref.TEFF_T0 < hi else None
        val, _ = integrate.quad(
            lambda t: pdf(t) * ref.timing_efficiency(t), lo, hi, points=pts, epsabs=1e-16, epsrel=1e-13
        )
        out.append(val)
    return np.array(out)


@pytest.mark.parametrize("source", ["prompt", "delayed"])
def test_reference_time_fractions_match_closed_form(source):
    np.testing.assert_allclose(
        ref.time_fractions(source), _closed_form_fractions(source), rtol=1e-9, atol=1e-14
    )


def test_reference_time_fraction_sums():
    # prompt: ~0.17 % before t = 0 plus the timing-efficiency loss; delayed: 6-us window and efficiency
    assert ref.time_fractions("prompt").sum() == pytest.approx(0.99593, abs=1e-5)
    assert ref.time_fractions("delayed").sum() == pytest.approx(0.84254, abs=1e-5)


def test_reference_insensitive_to_low_recoil_cut():
    rn_cs, rn_i, sin2w = POINTS[0]
    t_low = optimize.brentq(lambda t: ref.mean_pe(t) - 0.25, 1e-8, 1e-2, xtol=1e-16, rtol=1e-14)
    lower = ref._energy_counts_all(rn_cs, rn_i, sin2w, t_low=t_low)
    nominal = ref._energy_counts_all(rn_cs, rn_i, sin2w)
    np.testing.assert_allclose(nominal, lower, rtol=1e-7)


def test_reference_sanity_at_default_radii():
    counts = ref.cevns_counts(*POINTS[0])
    assert counts.shape == (ref.N_PE, ref.N_TIME)
    # COHERENT's SM prediction is 333 +- 11 +- 42 events
    assert 280.0 < counts.sum() < 380.0
    parts = sum(ref.cevns_counts(*POINTS[0], fl) for fl in ("numu", "nue", "numubar"))
    np.testing.assert_allclose(parts, counts, rtol=1e-14)
