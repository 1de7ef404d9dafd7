"""Adaptive refinement: the dense grid's contour (area within 1 %) with >= 10x fewer evaluations."""

import numpy as np
import pytest

from cevns.grids import Axis
from cevns.scanner.contour import contour_levels, polygon_area, trace_index_space
from cevns.scanner.likelihood import Likelihood, Paraboloid
from cevns.scanner.scan import adaptive_vs_dense, adaptive_vs_dense_ratio, run_scan


class Banana(Likelihood):
    """Rosenbrock-shaped (non-convex) χ²."""

    names = ("x", "y")
    nuisance_names = ("u",)

    def evaluate(self, p):
        x, y = p[:, 0], p[:, 1]
        return (1 - x) ** 2 / 0.5 + 5 * (y - x**2) ** 2 + 7.0, (y - x**2)[:, None]


CASES = {
    "paraboloid": (
        Paraboloid(["x", "y"], [0.3, -0.2], [[1.0, 0.4], [0.4, 0.5]]),
        [Axis("x", -4, 4, 400), Axis("y", -4, 4, 400)],
    ),
    "banana": (Banana(), [Axis("x", -2, 3, 400), Axis("y", -1, 6, 400)]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_adaptive_reaches_dense_contour_with_10x_fewer_evaluations(case):
    lik, axes = CASES[case]
    cmp = adaptive_vs_dense(lik, axes, 0.9)
    assert cmp["ratio"] >= 10, cmp
    assert cmp["area_rel_diff"] < 0.01, cmp
    assert adaptive_vs_dense_ratio(lik, axes, 0.9) == cmp["ratio"]


def test_adaptive_result_on_disk_resumes_without_new_evaluations(tmp_path):
    lik, axes = CASES["banana"]
    axes = [Axis(a.name, a.min, a.max, 160) for a in axes]
    a = run_scan(lik, axes, output=tmp_path / "o", adaptive=True, cl=[0.68, 0.9], progress=False)
    assert a.evaluated.dtype == bool and a.evaluated.shape == (160, 160)
    n = int(a.evaluated.sum())
    assert a.metadata["n_evaluations"] == n and a.metadata["mode"] == "adaptive"
    assert a.metadata["adaptive"]["levels"] == pytest.approx(sorted(contour_levels([0.68, 0.9], 2)))
    eta = np.asarray(a.eta)[..., 0]
    assert np.all(np.isnan(eta[~a.evaluated])) and not np.any(np.isnan(eta[a.evaluated]))
    dense = run_scan(lik, axes, progress=False)
    ev = np.asarray(a.evaluated)
    np.testing.assert_array_equal(np.asarray(a.chi2)[ev], dense.chi2[ev])
    assert a.chi2_min == dense.chi2_min
    for lev in contour_levels([0.68, 0.9], 2):
        ad = sum(polygon_area(x) for x in trace_index_space(a.dchi2, lev))
        de = sum(polygon_area(x) for x in trace_index_space(dense.dchi2, lev))
        assert abs(ad / de - 1) < 0.01
    (tmp_path / "o" / "result.npz").unlink()
    b = run_scan(lik, axes, output=tmp_path / "o", adaptive=True, cl=[0.68, 0.9], progress=False)
    assert b.metadata["timings"]["evaluated_this_run"] == 0
    assert np.asarray(b.chi2).tobytes() == np.asarray(a.chi2).tobytes()
