"""Contour figures: lines drawn = contour segments, legend text, axis labels/scales, references, fills, output."""

import json

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cevns.grids.axes import Axis  # noqa: E402
from cevns.plots import load_reference, plot_contours, save  # noqa: E402
from cevns.plots.style import axis_label, cl_label, experiment_label  # noqa: E402
from cevns.scanner.contour import extract_contours, to_plane, write_contours  # noqa: E402
from cevns.scanner.errors import ConfigError, OutputError  # noqa: E402
from cevns.scanner.likelihood import Likelihood, Paraboloid  # noqa: E402
from cevns.scanner.results import write_result  # noqa: E402
from cevns.scanner.scan import run_scan  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


class TwoWells(Likelihood):
    """χ² = 10 · min((x − 1)² + y², (x + 1)² + y²): two separate islands below Δχ² ≈ 10."""

    names = ("x", "y")
    nuisance_names = ()

    def evaluate(self, points):
        p = np.atleast_2d(points)
        a = (p[:, 0] - 1) ** 2 + p[:, 1] ** 2
        b = (p[:, 0] + 1) ** 2 + p[:, 1] ** 2
        return 10 * np.minimum(a, b), np.zeros((len(p), 0))


@pytest.fixture(scope="module")
def log_result():
    """Paraboloid in (g_zp, m_zp) on log axes."""
    lik = Paraboloid(["g_zp", "m_zp"], [3e-4, 300.0], [[1e-8, 0.0], [0.0, 1e4]])
    axes = [Axis("g_zp", 1e-5, 1e-3, 41, "log"), Axis("m_zp", 10.0, 1e4, 41, "log")]
    return run_scan(lik, axes, progress=False)


@pytest.fixture(scope="module")
def csi_result():
    from cevns.scanner.experiments import get_experiment

    lik = get_experiment("coherent-csi-2021").likelihood(["rn", "sin2w"])
    return run_scan(lik, [Axis("rn", 3.0, 8.0, 30), Axis("sin2w", 0.15, 0.35, 30)], progress=False)


def _legend_texts(art):
    return [t.get_text() for t in art.legend.get_texts()]


def test_lines_equal_contour_segments_and_data(log_result):
    cls = (0.68, 0.9, 0.99)
    art = plot_contours(log_result, cl=cls, dof=2)
    ref = extract_contours(log_result, cls, 2)
    assert [len(e.lines) for e in art.entries] == [len(c.lines) for c in ref]
    assert len(art.lines) == sum(len(c.lines) for c in ref) >= 3
    for e, c in zip(art.entries, ref):
        for ln, poly in zip(e.lines, c.lines):
            assert np.allclose(ln.get_xdata(), poly[:, 0]) and np.allclose(ln.get_ydata(), poly[:, 1])
    # three CLs → three line styles
    assert len({e.lines[0].get_linestyle() for e in art.entries}) == 3
    ax = art.ax
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert ax.get_xlabel() == r"$g_{Z'}$" and ax.get_ylabel() == r"$M_{Z'}$ [MeV]"
    assert _legend_texts(art) == [f"scan — {p} % CL (2 dof)" for p in ("68", "90", "99")]
    assert len(art.best_fit) == 1
    bx, by = art.best_fit[0].get_xdata()[0], art.best_fit[0].get_ydata()[0]
    assert abs(np.log10(bx / 3e-4)) < 0.03 and abs(np.log10(by / 300)) < 0.05


def test_several_segments_per_cl():
    res = run_scan(TwoWells(), [Axis("x", -2.5, 2.5, 51), Axis("y", -1.5, 1.5, 31)], progress=False)
    art = plot_contours(res, cl=(0.9, 0.95), labels=["two wells"])
    ref = extract_contours(res, (0.9, 0.95), 2)
    assert [len(c.lines) for c in ref] == [2, 2]
    assert [len(e.lines) for e in art.entries] == [2, 2]
    # one legend entry per (result, CL), not per segment
    assert _legend_texts(art) == ["two wells — 90 % CL (2 dof)", "two wells — 95 % CL (2 dof)"]
    assert art.ax.get_xscale() == "linear"
    assert art.ax.get_xlabel() == "x" and art.ax.get_ylabel() == "y"


def test_csi_two_experiments_one_figure(csi_result, log_result):
    # the CsI likelihood's module is found in the experiment registry: label "CsI 2021"
    other = run_scan(
        Paraboloid(["rn", "sin2w"], [5.5, 0.24], [[0.2, 0.0], [0.0, 4e-4]]),
        [Axis("rn", 3.0, 8.0, 30), Axis("sin2w", 0.15, 0.35, 30)],
        progress=False,
    )
    art = plot_contours([csi_result, other], cl=(0.9, 0.99))
    texts = _legend_texts(art)
    assert texts == [
        "CsI 2021 — 90 % CL (2 dof)",
        "CsI 2021 — 99 % CL (2 dof)",
        "scan — 90 % CL (2 dof)",
        "scan — 99 % CL (2 dof)",
    ]
    n_expected = sum(len(c.lines) for r in (csi_result, other) for c in extract_contours(r, (0.9, 0.99), 2))
    assert len(art.lines) == n_expected
    # one colour per result
    c0 = {ln.get_color() for e in art.entries[:2] for ln in e.lines}
    c1 = {ln.get_color() for e in art.entries[2:] for ln in e.lines}
    assert len(c0) == 1 and len(c1) == 1 and c0 != c1
    ax = art.ax
    assert ax.get_xlabel() == "$R_n$ [fm]" and ax.get_ylabel() == r"$\sin^2\theta_W$"
    assert ax.get_xscale() == "linear" and ax.get_yscale() == "linear"
    assert ax.get_xlim() == (3.0, 8.0)
    with pytest.raises(ConfigError, match="differ"):
        plot_contours([csi_result, log_result])


def test_dict_labels_and_dof(csi_result):
    art = plot_contours({"CsI (ours)": csi_result}, cl=90, dof=1)
    assert _legend_texts(art) == ["CsI (ours) — 90 % CL (1 dof)"]
    assert len(art.lines) == len(extract_contours(csi_result, 0.9, 1)[0].lines)


def test_reference_files(tmp_path, csi_result):
    # the contour writer's JSON and CSV, and a two-column x,y CSV with two polylines
    cont = extract_contours(csi_result, 0.9, 2)
    write_contours(cont, tmp_path / "ours.json", source="test")
    write_contours(cont, tmp_path / "ours.csv")
    xy = tmp_path / "seed_limit.csv"
    xy.write_text("rn,sin2w\n4.0,0.20\n5.0,0.22\n6.0,0.25\n\n4.5,0.30\n5.5,0.31\n")
    for f in ("ours.json", "ours.csv"):
        lines = load_reference(tmp_path / f)
        assert len(lines) == len(cont[0].lines)
        assert all(np.allclose(a, b) for a, b in zip(lines, cont[0].lines))
    two = load_reference(xy)
    assert [len(line) for line in two] == [3, 2] and np.allclose(two[1][1], [5.5, 0.31])

    art = plot_contours(csi_result, cl=0.9, reference=[xy, tmp_path / "ours.json"])
    assert len(art.references) == 2 + len(cont[0].lines)
    assert np.allclose(art.references[0].get_xdata(), [4.0, 5.0, 6.0])
    assert _legend_texts(art) == ["CsI 2021 — 90 % CL (2 dof)", "seed_limit", "ours"]
    assert all(ln not in art.lines for ln in art.references)

    art = plot_contours(csi_result, cl=0.9, reference={"Seed 000 Fig. 5": xy})
    assert "Seed 000 Fig. 5" in _legend_texts(art)

    bad = tmp_path / "bad.csv"
    bad.write_text("1,2,3\n4,5,6\n")
    with pytest.raises(ConfigError, match="two columns"):
        load_reference(bad)
    with pytest.raises(ConfigError, match="not found"):
        plot_contours(csi_result, reference=tmp_path / "missing.csv")


def test_precomputed_contours_and_contour_files(tmp_path, log_result):
    cont = extract_contours(log_result, (0.68, 0.9), 2)
    art = plot_contours(cont, cl=0.9)  # the 90 % one only
    assert len(art.entries) == 1 and art.entries[0].cl == 0.9
    assert art.ax.get_xscale() == "log" and art.ax.get_yscale() == "log"  # g_zp, m_zp: log parameters
    path = write_contours(cont, tmp_path / "c.csv")
    art = plot_contours(path, cl=(0.68, 0.9), labels="from file")
    assert [len(e.lines) for e in art.entries] == [len(c.lines) for c in cont]
    assert _legend_texts(art) == ["from file — 68 % CL (2 dof)", "from file — 90 % CL (2 dof)"]


def test_filled_regions_inside_contour():
    res = run_scan(
        Paraboloid(["x", "y"], [0, 0], [[1, 0], [0, 1]]), [Axis("x", -4, 4, 41), Axis("y", -4, 4, 41)], progress=False
    )
    art = plot_contours(res, cl=0.9, filled=True)
    (entry,) = art.entries
    assert len(entry.fills) == 1 and len(entry.lines) == 1
    verts = entry.fills[0].get_path().vertices
    r2 = np.sum(verts**2, axis=1)
    level = 4.605170185988091  # chi2.ppf(0.9, 2)
    assert np.allclose(r2, level, rtol=0.02)  # the boundary of the filled disc is the Δχ² = level circle


def test_3d_profile_and_slice():
    lik = Paraboloid(["x", "y", "z"], [0, 0, 0], [[1, 0.5, 0], [0.5, 1, 0], [0, 0, 1]])
    res = run_scan(lik, [Axis("x", -4, 4, 21), Axis("y", -4, 4, 21), Axis("z", -3, 3, 13)], progress=False)
    with pytest.raises(ConfigError, match="profile"):
        plot_contours(res)
    art = plot_contours(res, cl=0.9, profile="z")
    ref = extract_contours(to_plane(res, profile="z"), 0.9, 2)
    assert len(art.lines) == len(ref[0].lines) == 1
    assert np.allclose(art.lines[0].get_xydata(), ref[0].lines[0])
    art = plot_contours(res, cl=0.9, slice="x=0")
    assert art.ax.get_xlabel() == "y" and art.ax.get_ylabel() == "z"


def test_missing_result_and_bad_args(tmp_path, csi_result):
    with pytest.raises(OutputError):
        plot_contours(tmp_path / "nothing-here")
    with pytest.raises(ConfigError):
        plot_contours(csi_result, cl=150)
    with pytest.raises(ConfigError):
        plot_contours(csi_result, labels=["a", "b"])
    with pytest.raises(ConfigError):
        plot_contours(csi_result, xscale="symlog")


def test_save_png_pdf(tmp_path, csi_result):
    fig = plot_contours(csi_result, cl=0.9).ax.figure
    assert fig.get_size_inches()[0] == pytest.approx(3.4)
    both = save(fig, tmp_path / "sub" / "fig")
    assert [p.name for p in both] == ["fig.png", "fig.pdf"]
    assert both[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and both[0].stat().st_size > 5000
    assert both[1].read_bytes()[:5] == b"%PDF-" and both[1].stat().st_size > 2000
    (one,) = save(fig, tmp_path / "only.pdf")
    assert one.read_bytes()[:5] == b"%PDF-" and not (tmp_path / "only.png").exists()
    with pytest.raises(ConfigError, match="suffix"):
        save(fig, tmp_path / "fig.jpeg")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError):
        save(fig, blocker / "fig.png")
    # result written to disk and plotted by path: same lines
    write_result(tmp_path / "r.npz", csi_result)
    assert len(plot_contours(tmp_path / "r.npz", cl=0.9).lines) == len(extract_contours(csi_result, 0.9)[0].lines)


def test_labels():
    assert axis_label("rn_cs") == r"$R_n(\mathrm{Cs})$ [fm]"
    assert axis_label("eps_u_ee") == r"$\varepsilon^{uV}_{ee}$"
    assert axis_label("eps_d_mumu") == r"$\varepsilon^{dV}_{\mu\mu}$"
    assert axis_label("mu_nu_eff") == r"$\mu_\nu^\mathrm{eff}$ [$10^{-12}\,\mu_B$]"
    assert axis_label("m_zp") == r"$M_{Z'}$ [MeV]"
    assert experiment_label("coherent-csi-2021+coherent-lar-2020") == "CsI 2021 + LAr 2020"
    assert experiment_label("dresden-ii:flux=hmk") == "Dresden-II"
    assert cl_label(0.9, 2) == "90 % CL (2 dof)"
    assert json.dumps(cl_label(0.6827, 1)) == '"68.27 % CL (1 dof)"'
