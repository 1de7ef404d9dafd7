"""Inputs that used to pass silently or fail with a traceback (found by a sweep of the CLI and the API): each is
now either understood as meant or refused with a ConfigError. The one-line CLI behaviour of the refusals is in
tests/test_bad_inputs.py."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from cevns.grids import Axis
from cevns.scanner.contour import extract_contours, to_plane
from cevns.scanner.errors import ConfigError
from cevns.scanner.experiments import get_experiment, split_combination
from cevns.scanner.likelihood import Paraboloid
from cevns.scanner.registry import make_likelihood, split_experiments
from cevns.scanner.scan import run_scan

CSI = "coherent-csi-2021"


@pytest.mark.parametrize("text, parts", [
    ("a+b", ["a", "b"]),
    (f"{CSI}:channels=cevns+es", [f"{CSI}:channels=cevns+es"]),
    (f"{CSI}:channels=cevns+es+dresden-ii:qf=ybe", [f"{CSI}:channels=cevns+es", "dresden-ii:qf=ybe"]),
    (f"dresden-ii:channels=cevns+es + {CSI}", ["dresden-ii:channels=cevns+es", CSI]),
    ("es+coherent-lar-2020", ["es", "coherent-lar-2020"]),  # no options before: not an option value
])
def test_a_plus_inside_an_option_value_stays_with_its_experiment(text, parts):
    assert split_combination(text) == parts


def test_option_value_with_plus_works_in_a_combined_likelihood():
    assert split_experiments(f"{CSI}:channels=cevns+es+coherent-lar-2020") == [f"{CSI}:channels=cevns+es",
                                                                             "coherent-lar-2020"]
    lik = make_likelihood(f"{CSI}:channels=cevns+es+coherent-lar-2020", names=["sin2w"])
    alone = make_likelihood(CSI, names=["sin2w"]).evaluate(np.array([[0.24]]))[0]
    lar = make_likelihood("coherent-lar-2020", names=["sin2w"]).evaluate(np.array([[0.24]]))[0]
    assert lik.evaluate(np.array([[0.24]]))[0] == pytest.approx(alone + lar, rel=1e-12)


@pytest.mark.parametrize("points, shape", [
    (np.array([0.23, 0.24, 0.25]), (3, 1)),  # one parameter: a 1-D array is n points
    (0.23, (1, 1)),
    (np.array([[0.23], [0.24]]), (2, 1)),
])
def test_points_array_accepts_the_documented_shapes(points, shape):
    lik = get_experiment(CSI).likelihood(["sin2w"])
    assert lik.points_array(points).shape == shape
    assert lik.evaluate(points)[0].shape == (shape[0],)


@pytest.mark.parametrize("points", [np.array([[0.23, 0.24]]), np.zeros((2, 2, 1)), np.zeros((2, 3))])
def test_points_of_the_wrong_shape_are_refused(points):
    for lik in (get_experiment(CSI).likelihood(["sin2w"]), make_likelihood(f"{CSI}+apv-cs", names=["sin2w"])):
        with pytest.raises(ConfigError, match="expected shape"):
            lik.evaluate(points)


def test_two_parameter_point_as_1d_array_is_one_point():
    lik = get_experiment(CSI).likelihood(["rn", "sin2w"])
    c1 = lik.evaluate(np.array([5.5, 0.24]))[0]
    c2 = lik.evaluate(np.array([[5.5, 0.24]]))[0]
    assert c1.shape == (1,) and c1[0] == c2[0]


def test_a_name_given_twice_is_refused():
    with pytest.raises(ConfigError, match="given twice"):
        get_experiment(CSI).likelihood(["sin2w", "sin2w"])
    with pytest.raises(ConfigError, match="given twice"):
        make_likelihood(f"{CSI}+coherent-lar-2020", names=["sin2w", "sin2w"])


def test_predict_with_an_unknown_model_names_it():
    for name in (CSI, "coherent-csi-2017", "coherent-lar-2020", "dresden-ii", "xenonnt-er-2022", "future-conus"):
        with pytest.raises(ConfigError, match="zprime-univrsal"):
            get_experiment(name).predict({}, model="zprime-univrsal")


def test_common_and_per_isotope_radius_together_are_refused_by_predict():
    for name in (CSI, "coherent-csi-2017"):
        with pytest.raises(ConfigError, match="either 'rn'"):
            get_experiment(name).predict({"rn": 5.0, "rn_cs": 6.0})


def test_sin2w_outside_0_1_is_refused():
    for v in (0.0, 1.0, 1.5, -0.2):
        with pytest.raises(ConfigError, match="sin²θ_W"):
            get_experiment(CSI).predict({"sin2w": v})


def test_adaptive_rerun_keeps_a_dense_result(tmp_path):
    lik = Paraboloid(["a", "b"], [0.0, 0.0], np.eye(2))
    axes = [Axis("a", -3, 3, 41), Axis("b", -3, 3, 41)]
    dense = run_scan(lik, axes, output=tmp_path / "s", cl=[0.9], progress=False)
    again = run_scan(lik, axes, output=tmp_path / "s", cl=[0.9], progress=False, adaptive=True)
    assert again.metadata["mode"] == "dense"
    assert np.array_equal(np.asarray(again.chi2), np.asarray(dense.chi2))


def test_3d_adaptive_plane_warns_at_a_level_that_was_not_refined(caplog):
    lik = Paraboloid(["a", "b", "c"], [0.0, 0.0, 0.0], np.eye(3))
    axes = [Axis("a", -4, 4, 33), Axis("b", -4, 4, 33), Axis("c", -4, 4, 33)]
    res = run_scan(lik, axes, cl=[0.9], adaptive=True, progress=False)
    plane = to_plane(res, profile="c")
    with caplog.at_level(logging.WARNING, logger="cevns.scanner.contour"):
        extract_contours(plane, [0.9], 3)  # the refined level (6.25, 3 dof): no warning
    assert not caplog.records
    with caplog.at_level(logging.WARNING, logger="cevns.scanner.contour"):
        extract_contours(plane, [0.68], 2)
    assert any("not a refinement level" in r.getMessage() for r in caplog.records)


def test_result_files_follow_the_umask_not_mkstemp_0600(tmp_path):
    import os

    old = os.umask(0o022)
    try:
        from cevns.scanner import checkpoint as ck

        path = tmp_path / "x.json"
        with ck.atomic_file(path, "w") as f:
            f.write("{}")
        assert (path.stat().st_mode & 0o777) == (0o666 & ~0o022) == ck.FILE_MODE
    finally:
        os.umask(old)
