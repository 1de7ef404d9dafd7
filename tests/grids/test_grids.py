"""Axes, grids, chunks and the adaptive refinement algorithm (pure index-space tests)."""

import numpy as np
import pytest

from cevns.grids import Axis, Grid, default_chunk_size, make_chunks
from cevns.grids.refine import lattice, refine, upsample
from cevns.scanner.errors import ConfigError


def test_linear_and_log_values_have_exact_endpoints():
    a = Axis("x", -1.0, 2.0, 4)
    np.testing.assert_array_equal(a.values, [-1.0, 0.0, 1.0, 2.0])
    b = Axis("m", 1.0, 1e4, 5, "log")
    assert b.values[0] == 1.0 and b.values[-1] == 1e4
    np.testing.assert_allclose(b.values, [1, 10, 100, 1000, 1e4], rtol=1e-13)


@pytest.mark.parametrize(
    "kw, msg",
    [
        ({"min": 1.0, "max": 1.0}, "min must be < max"),
        ({"min": 2.0, "max": 1.0}, "min must be < max"),
        ({"points": 1}, "points must be >= 2"),
        ({"points": 2.5}, "points must be an integer"),
        ({"min": float("nan")}, "min must be finite"),
        ({"max": float("inf")}, "max must be finite"),
        ({"spacing": "log", "min": 0.0}, "log axis needs min > 0"),
        ({"spacing": "log", "min": -1.0}, "log axis needs min > 0"),
        ({"spacing": "cubic"}, "spacing must be one of"),
    ],
)
def test_axis_validation_names_field_and_value(kw, msg):
    args = {"name": "g", "min": 0.0, "max": 1.0, "points": 3, "spacing": "linear", **kw}
    with pytest.raises(ConfigError, match=msg) as e:
        Axis(**args)
    assert "'g'" in str(e.value) and "\n" not in str(e.value)


def test_index_maps_are_inverse_and_log_axes_are_linear_in_log10():
    a = Axis("m", 1.0, 1e4, 5, "log")
    assert a.to_index(100.0) == pytest.approx(2.0)
    assert a.from_index(1.5) == pytest.approx(10**1.5)
    x = np.array([1.3, 77.0, 9999.0])
    np.testing.assert_allclose(a.from_index(a.to_index(x)), x, rtol=1e-13)


def test_grid_points_c_order_and_chunk_independence():
    g = Grid([Axis("a", 0, 1, 3), Axis("b", 10, 100, 4, "log"), Axis("c", -1, 1, 2)])
    assert g.shape == (3, 4, 2) and g.size == 24 and g.names == ("a", "b", "c")
    pts = g.points()
    mesh = np.stack([m.ravel() for m in g.meshgrid()], axis=1)
    np.testing.assert_array_equal(pts, mesh)  # last axis fastest
    np.testing.assert_array_equal(pts[1], [0.0, 10.0, 1.0])
    parts = np.concatenate([g.points(c.start, c.stop) for c in make_chunks(g.size, 5)])
    assert parts.tobytes() == pts.tobytes()
    np.testing.assert_array_equal(g.points_at([23, 0]), pts[[23, 0]])


def test_grid_refuses_duplicates_and_too_many_axes():
    with pytest.raises(ConfigError, match="duplicate"):
        Grid([Axis("a", 0, 1, 2), Axis("a", 0, 1, 2)])
    with pytest.raises(ConfigError, match="1 to 3 axes"):
        Grid([Axis(n, 0, 1, 2) for n in "abcd"])


def test_chunks_cover_range_in_order():
    ch = make_chunks(10, 4)
    assert [(c.index, c.start, c.stop) for c in ch] == [(0, 0, 4), (1, 4, 8), (2, 8, 10)]
    assert make_chunks(0, 4) == []
    with pytest.raises(ConfigError, match="chunk_size"):
        make_chunks(10, 0)
    assert 1024 <= default_chunk_size(10**6, 2) <= 65536
    assert default_chunk_size(10, 2) == 10


def test_lattice_and_upsample_reproduce_multilinear_functions():
    assert lattice(10, 4).tolist() == [0, 4, 8, 9]
    shape = (13, 10)
    lats = [lattice(n, 4) for n in shape]
    f = lambda i, j: 2.0 * i - 3.0 * j + 0.5 * i * j + 1.0
    vals = f(*np.meshgrid(*lats, indexing="ij"))
    dense = f(*np.meshgrid(*[np.arange(n) for n in shape], indexing="ij"))
    np.testing.assert_allclose(upsample(vals, lats, shape), dense, atol=1e-12)


def _ellipse_chi2(shape):
    def chi2_of(flat):
        i, j = np.unravel_index(flat, shape)
        x, y = (i - 0.37 * shape[0]) / 40.0, (j - 0.55 * shape[1]) / 25.0
        return x**2 + y**2 + 0.6 * x * y + 3.0

    return chi2_of


def test_refine_matches_dense_inside_region_with_far_fewer_points():
    shape = (256, 256)
    f = _ellipse_chi2(shape)
    dense = f(np.arange(shape[0] * shape[1])).reshape(shape)
    calls = []
    rr = refine(lambda flat: (calls.append(flat.size), f(flat))[1], shape, [4.61])
    assert rr.n_evaluations == sum(calls) == rr.evaluated.sum()
    assert rr.n_evaluations * 5 < dense.size
    assert rr.chi2_min == dense.min()
    # every dense point next to the contour was evaluated, so the region is identical
    np.testing.assert_array_equal(rr.dchi2 < 4.61, dense - dense.min() < 4.61)
    ev = rr.evaluated
    np.testing.assert_array_equal(rr.chi2[ev], dense[ev])


def test_refine_is_deterministic_and_3d_works():
    shape = (33, 20, 17)

    def f(flat):
        i, j, k = np.unravel_index(flat, shape)
        return ((i - 15) / 5.0) ** 2 + ((j - 9) / 4.0) ** 2 + ((k - 8) / 3.0) ** 2

    a = refine(f, shape, [6.25], coarse_factor=4)
    b = refine(f, shape, [6.25], coarse_factor=4)
    assert a.chi2.tobytes() == b.chi2.tobytes() and a.n_evaluations == b.n_evaluations
    dense = f(np.arange(np.prod(shape))).reshape(shape)
    np.testing.assert_array_equal(a.dchi2 < 6.25, dense - dense.min() < 6.25)
    assert a.n_evaluations < dense.size
