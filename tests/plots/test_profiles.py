"""Δχ² profile figures: profile values, the 1σ / 90 % / 2σ lines, labels, log axes."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cevns.grids.axes import Axis  # noqa: E402
from cevns.plots import LEVELS, plot_profile, profile_from_result, save  # noqa: E402
from cevns.scanner.errors import ConfigError  # noqa: E402
from cevns.scanner.fit import LEVELS as FIT_LEVELS  # noqa: E402
from cevns.scanner.likelihood import Paraboloid  # noqa: E402
from cevns.scanner.scan import run_scan  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


COV = np.array([[0.5, 0.3], [0.3, 0.8]])


@pytest.fixture(scope="module")
def result():
    lik = Paraboloid(["sin2w", "rn"], [0.24, 5.5], COV * [[1e-4, 1e-2], [1e-2, 1]])
    return run_scan(lik, [Axis("sin2w", 0.2, 0.28, 41), Axis("rn", 3.0, 8.0, 401)], progress=False)


def test_levels_match_fit_module():
    assert LEVELS == FIT_LEVELS
    assert LEVELS["90"] == pytest.approx(2.706, abs=1e-3)


def test_profile_from_result_is_analytic(result):
    x, d = profile_from_result(result, "sin2w")
    assert np.array_equal(x, result.axes[0].values)
    # profiling a Gaussian over rn: Δχ²(sin²θ_W) = (x − x₀)² / C₀₀ (fine rn grid: within 1e-3 absolute)
    expected = (x - 0.24) ** 2 / (0.5e-4)
    assert np.allclose(d, expected, atol=2e-3)
    assert d.min() == pytest.approx(0.0, abs=1e-12)
    x2, d2 = profile_from_result(result, "rn")
    assert np.allclose(d2, np.nanmin(result.dchi2, axis=0))
    with pytest.raises(ConfigError, match="not in the result"):
        profile_from_result(result, "g_zp")


def test_plot_profile_lines_and_labels(result, tmp_path):
    x, d = profile_from_result(result, "rn")
    art = plot_profile(x, d, "rn")
    ax = art.ax
    assert [ln.get_ydata()[0] for ln in art.level_lines] == pytest.approx([1.0, 2.705543, 4.0], rel=1e-6)
    assert all(ln.get_ydata()[0] == ln.get_ydata()[1] for ln in art.level_lines)  # horizontal
    assert [t.get_text() for t in art.level_texts] == [r"1$\sigma$", "90 % CL", r"2$\sigma$"]
    assert [t.get_position()[1] for t in art.level_texts] == pytest.approx([1.0, 2.705543, 4.0], rel=1e-6)
    assert np.allclose(art.curve.get_xdata(), x) and np.allclose(art.curve.get_ydata(), d)
    assert ax.get_xlabel() == "$R_n$ [fm]" and ax.get_ylabel() == r"$\Delta\chi^2$"
    assert ax.get_xscale() == "linear"
    assert ax.get_ylim()[0] == 0.0 and ax.get_ylim()[1] > 4.0
    assert set(art.level_lines) <= set(ax.lines) and art.curve in ax.lines
    png, pdf = save(ax.figure, tmp_path / "profile")
    assert png.stat().st_size > 3000 and pdf.read_bytes()[:5] == b"%PDF-"


def test_custom_levels_and_log_axis():
    x = np.geomspace(1.0, 1e4, 50)
    d = (np.log10(x) - 2) ** 2
    art = plot_profile(x, d, "m_zp", levels=("90", 9.0), label="toy")
    assert [ln.get_ydata()[0] for ln in art.level_lines] == pytest.approx([2.705543, 9.0], rel=1e-6)
    assert art.level_texts[1].get_text() == r"$\Delta\chi^2 = 9$"
    assert art.ax.get_xscale() == "log" and art.ax.get_xlabel() == r"$M_{Z'}$ [MeV]"
    assert [t.get_text() for t in art.ax.get_legend().get_texts()] == ["toy"]
    with pytest.raises(ConfigError):
        plot_profile(x, d, "m_zp", levels=("3sigma",))
    with pytest.raises(ConfigError):
        plot_profile(x, d[:-1], "m_zp")


def test_csi_profile_from_2d_scan():
    from cevns.scanner.experiments import get_experiment

    lik = get_experiment("coherent-csi-2021").likelihood(["rn", "sin2w"])
    res = run_scan(lik, [Axis("rn", 3.0, 8.0, 30), Axis("sin2w", 0.15, 0.35, 30)], progress=False)
    x, d = profile_from_result(res, "rn")
    i = int(np.argmin(d))
    assert d[i] == 0.0 and x[i] == pytest.approx(res.best_fit_dict["rn"])
    # the profile is below every row of the grid (a minimum over sin²θ_W)
    assert np.all(d[:, None] <= res.dchi2 + 1e-12)
    art = plot_profile(x, d, "rn")
    assert len(art.level_lines) == 3
