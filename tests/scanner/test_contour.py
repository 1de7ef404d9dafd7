"""Contours: levels, the paraboloid's exact ellipse, log axes, 3D profile/slice, JSON/CSV, the contour CLI."""

import argparse
import csv
import io
import json

import numpy as np
import pytest

from cevns.grids import Axis
from cevns.scanner.cli_scan import register
from cevns.scanner.contour import (
    contour_levels,
    extract_contours,
    normalize_cl,
    polygon_area,
    to_plane,
    write_contours,
)
from cevns.scanner.errors import ConfigError
from cevns.scanner.likelihood import Paraboloid
from cevns.scanner.scan import run_scan

CENTRE = np.array([0.3, -0.2])
COV = np.array([[1.0, 0.4], [0.4, 0.5]])


def test_levels_are_chi2_quantiles():
    assert contour_levels(0.9, 1) == pytest.approx(2.705543454)
    assert contour_levels(90, 2) == pytest.approx(4.605170186)
    assert contour_levels(0.9, 3) == pytest.approx(6.251388631)
    np.testing.assert_allclose(contour_levels([0.6827, 0.9545], 1), [1.0, 4.0], rtol=1e-3)
    assert normalize_cl(95) == 0.95 and normalize_cl("0.68") == 0.68
    for bad in (0, 100, -3, "x"):
        with pytest.raises(ConfigError, match="cl"):
            normalize_cl(bad)
    with pytest.raises(ConfigError, match="dof"):
        contour_levels(0.9, 0)


@pytest.fixture(scope="module")
def paraboloid_result():
    lik = Paraboloid(["x", "y"], CENTRE, COV, chi2_min=1.5)
    axes = [Axis("x", -3.5, 4.0, 400), Axis("y", -2.9, 2.6, 400)]
    return run_scan(lik, axes, progress=False)


def test_paraboloid_contour_is_the_exact_ellipse(paraboloid_result):
    inv = np.linalg.inv(COV)
    for dof in (1, 2):
        (c,) = extract_contours(paraboloid_result, 0.9, dof)
        level = contour_levels(0.9, dof)
        assert len(c.lines) == 1 and c.names == ("x", "y")
        line = c.lines[0]
        assert np.array_equal(line[0], line[-1])  # closed
        d = line - CENTRE
        r = np.sqrt(np.einsum("ni,ij,nj->n", d, inv, d) / level)  # 1 on the exact ellipse
        assert np.max(np.abs(r - 1)) < 1e-3
        exact = np.pi * level * np.sqrt(np.linalg.det(COV))
        assert abs(polygon_area(line) / exact - 1) < 1e-3


def test_log_axes_interpolate_in_log_space():
    # χ² is a paraboloid in (log10 g, log10 m): the contour must be that ellipse mapped by 10**
    lik = _LogParaboloid()
    axes = [Axis("g", 1e-6, 1e-3, 300, "log"), Axis("m", 1.0, 1e4, 300, "log")]
    (c,) = extract_contours(run_scan(lik, axes, progress=False), 0.9, 2)
    u = np.log10(c.lines[0]) - lik.centre
    r = np.sqrt(np.sum((u / lik.scale) ** 2, axis=1) / contour_levels(0.9, 2))
    assert np.max(np.abs(r - 1)) < 1e-3


class _LogParaboloid:
    names = ("g", "m")
    nuisance_names = ()
    centre = np.array([-4.5, 2.0])
    scale = np.array([0.4, 0.6])

    def evaluate(self, points):
        u = (np.log10(points) - self.centre) / self.scale
        return np.sum(u**2, axis=1), np.zeros((len(points), 0))


@pytest.fixture(scope="module")
def result3d(tmp_path_factory):
    cov = np.diag([1.0, 0.5, 2.0])
    lik = Paraboloid(["a", "b", "c"], [0.0, 0.0, 0.5], cov)
    axes = [Axis("a", -3, 3, 41), Axis("b", -2, 2, 31), Axis("c", -4, 5, 37)]
    return run_scan(lik, axes, output=tmp_path_factory.mktemp("r3") / "out", progress=False)


def test_3d_profile_and_slice(result3d):
    p = to_plane(result3d, profile="c")
    assert [a.name for a in p.axes] == ["a", "b"] and p.dchi2.shape == (41, 31)
    np.testing.assert_array_equal(p.dchi2, np.min(np.asarray(result3d.dchi2), axis=2))
    s = to_plane(result3d, slice="a=0.05")
    assert s.reduction == {"slice": "a", "index": 20, "value": 0.0} and s.dchi2.shape == (31, 37)
    np.testing.assert_array_equal(s.dchi2, np.asarray(result3d.dchi2)[20])
    # profiled over c (a paraboloid): the (a, b) ellipse with covariance diag(1, 0.5)
    (c,) = extract_contours(result3d, 0.9, 2, profile="c")
    area = sum(polygon_area(line) for line in c.lines)
    assert area == pytest.approx(np.pi * contour_levels(0.9, 2) * np.sqrt(0.5), rel=0.02)
    with pytest.raises(ConfigError, match="profile=AXIS or slice"):
        extract_contours(result3d, 0.9)
    with pytest.raises(ConfigError, match="'z' is not in the result"):
        to_plane(result3d, profile="z")
    with pytest.raises(ConfigError, match="outside the axis range"):
        to_plane(result3d, slice=("a", 7.0))


def test_json_and_csv_writers_round_trip(paraboloid_result, tmp_path):
    cs = extract_contours(paraboloid_result, [0.68, 0.9], 2)
    j = write_contours(cs, tmp_path / "c.json")
    doc = json.loads(j.read_text())
    assert [c["cl"] for c in doc["contours"]] == [0.68, 0.9]
    np.testing.assert_array_equal(np.array(doc["contours"][1]["lines"][0]), cs[1].lines[0])
    rows = list(csv.DictReader(io.StringIO(write_contours(cs, tmp_path / "c.csv").read_text())))
    assert list(rows[0]) == ["cl", "dof", "level", "line", "x", "y"]
    xy = np.array([[float(r["x"]), float(r["y"])] for r in rows if r["cl"] == "0.9"])
    np.testing.assert_array_equal(xy, cs[1].lines[0])


def _parser():
    parser = argparse.ArgumentParser(prog="cevns")
    register(parser.add_subparsers(dest="command", required=True))
    return parser


def test_contour_cli(result3d, tmp_path, capsys):
    out = tmp_path / "c.csv"
    args = _parser().parse_args(
        ["contour", str(result3d.path), "--cl", "90", "--dof", "2", "--profile", "c", "--out", str(out)]
    )
    assert args.func(args) == 0
    assert str(out) in capsys.readouterr().out
    rows = list(csv.DictReader(out.open()))
    assert rows and {r["cl"] for r in rows} == {"0.9"} and list(rows[0])[4:] == ["a", "b"]
    args = _parser().parse_args(
        [
            "contour",
            str(result3d.path.parent),
            "--cl",
            "0.68",
            "--cl",
            "95",
            "--slice",
            "c=0.5",
            "--format",
            "json",
            "--out",
            "-",
        ]
    )
    assert args.func(args) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [c["cl"] for c in doc["contours"]] == [0.68, 0.95]
    assert doc["reduction"]["slice"] == "c" and doc["contours"][0]["names"] == ["a", "b"]
    with pytest.raises(SystemExit):
        _parser().parse_args(["contour", "x", "--profile", "a", "--slice", "b=1"])
