"""`cevns plot`: contours / profiles / spectra written as PNG+PDF, figure content, one-line errors (status 2)."""

import argparse

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import cevns.plots  # noqa: E402
from cevns.grids.axes import Axis  # noqa: E402
from cevns.scanner import cli_plot  # noqa: E402
from cevns.scanner.contour import extract_contours, write_contours  # noqa: E402
from cevns.scanner.errors import CevnsError, ConfigError, OutputError  # noqa: E402
from cevns.scanner.likelihood import Paraboloid  # noqa: E402
from cevns.scanner.results import write_result  # noqa: E402
from cevns.scanner.scan import run_scan  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _parser():
    p = argparse.ArgumentParser(prog="cevns")
    cli_plot.register(p.add_subparsers(dest="command", required=True))
    return p


def run(argv):
    """Parse and run like cevns.scanner.cli.main (CevnsError → status 2)."""
    args = _parser().parse_args(argv)
    try:
        return args.func(args)
    except CevnsError:
        return 2


@pytest.fixture()
def figures(monkeypatch):
    """Record the figures the command saves."""
    saved = []
    real = cevns.plots.save

    def spy(fig, path, **kw):
        saved.append(fig)
        return real(fig, path, **kw)

    monkeypatch.setattr(cevns.plots, "save", spy)
    return saved


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    d = tmp_path_factory.mktemp("results")
    lik = Paraboloid(["rn", "sin2w"], [5.5, 0.24], [[0.2, 0.002], [0.002, 4e-4]])
    res = run_scan(lik, [Axis("rn", 3.0, 8.0, 31), Axis("sin2w", 0.15, 0.35, 31)], progress=False)
    res.metadata["spec"] = {"experiments": "coherent-csi-2021"}  # as a scan file would record it
    (d / "scan").mkdir()
    write_result(d / "scan" / "result.npz", res)
    lik3 = Paraboloid(["rn", "sin2w", "cevns_norm"], [5.5, 0.24, 1.0], np.diag([0.2, 4e-4, 0.01]))
    res3 = run_scan(
        lik3,
        [Axis("rn", 3.0, 8.0, 15), Axis("sin2w", 0.15, 0.35, 15), Axis("cevns_norm", 0.5, 1.5, 11)],
        progress=False,
    )
    write_result(d / "r3.npz", res3)
    return d, res, res3


def test_contours_png_pdf(results, figures, capsys):
    d, res, _ = results
    out = d / "fig" / "rn-sin2w"
    assert run(["plot", str(d / "scan"), "--cl", "68", "--cl", "90", "--out", str(out)]) == 0
    png, pdf = out.with_name("rn-sin2w.png"), out.with_name("rn-sin2w.pdf")
    assert png.read_bytes()[:4] == b"\x89PNG" and pdf.read_bytes()[:5] == b"%PDF-"
    (fig,) = figures
    ax = fig.axes[0]
    n = sum(len(c.lines) for c in extract_contours(res, (0.68, 0.9), 2))
    contour_lines = [ln for ln in ax.lines if ln.get_linestyle() != "None"]  # not the best-fit marker
    assert len(contour_lines) == n >= 2
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "CsI 2021 — 68 % CL (2 dof)",
        "CsI 2021 — 90 % CL (2 dof)",
    ]
    assert ax.get_xlabel() == "$R_n$ [fm]"
    assert f"{n} contour line(s)" in capsys.readouterr().out


def test_default_out_reference_and_labels(results, figures, tmp_path):
    d, res, _ = results
    ref = tmp_path / "seed.csv"
    ref.write_text("x,y\n4,0.2\n5,0.25\n6,0.3\n")
    cont = tmp_path / "other.json"
    write_contours(extract_contours(res, 0.9, 2), cont)
    argv = ["plot", str(d / "scan"), str(cont), "--label", "ours", "--label", "file", "--reference", str(ref)]
    assert run([*argv, "--filled"]) == 0
    assert (d / "scan" / "contours.png").stat().st_size > 0 and (d / "scan" / "contours.pdf").exists()
    texts = [t.get_text() for t in figures[0].axes[0].get_legend().get_texts()]
    assert texts == ["ours — 90 % CL (2 dof)", "file — 90 % CL (2 dof)", "seed"]


def test_profile_1d_and_3d(results, figures, tmp_path):
    d, res, res3 = results
    assert run(["plot", str(d / "scan"), "--profile-1d", "sin2w", "--out", str(tmp_path / "p.pdf")]) == 0
    ax = figures[0].axes[0]
    assert ax.get_xlabel() == r"$\sin^2\theta_W$"
    hlines = sorted(ln.get_ydata()[0] for ln in ax.lines if len(set(ln.get_ydata())) == 1)
    assert hlines == pytest.approx([1.0, 2.705543, 4.0], rel=1e-6)
    assert (tmp_path / "p.pdf").read_bytes()[:5] == b"%PDF-"
    assert run(["plot", str(d / "r3.npz"), "--profile", "cevns_norm", "--out", str(tmp_path / "c3.png")]) == 0
    assert figures[1].axes[0].get_ylabel() == r"$\sin^2\theta_W$"
    assert run(["plot", str(d / "r3.npz"), "--slice", "rn=5.5", "--out", str(tmp_path / "s3.png")]) == 0
    assert figures[2].axes[0].get_xlabel() == r"$\sin^2\theta_W$"


def test_spectrum(figures, tmp_path, capsys):
    out = tmp_path / "csi.png"
    assert run(["plot", "--spectrum", "coherent-csi-2021", "--set", "rn=5.5", "--out", str(out)]) == 0
    assert out.read_bytes()[:4] == b"\x89PNG"
    (fig,) = figures
    assert len(fig.axes) == 4
    assert "eta_cevns=" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, error",
    [
        (["plot", "{d}/missing.npz"], OutputError),
        (["plot", "{d}/scan", "--out", "{d}/scan/result.npz/fig.png"], OutputError),
        (["plot", "{d}/scan", "--out", "{d}/fig.svg"], ConfigError),
        (["plot", "{d}/scan", "--cl", "150"], ConfigError),
        (["plot", "{d}/scan", "--profile", "rn"], ConfigError),
        (["plot", "{d}/r3.npz"], ConfigError),
        (["plot", "{d}/scan", "--profile-1d", "g_zp"], ConfigError),
        (["plot", "{d}/scan", "--label", "a", "--label", "b"], ConfigError),
        (["plot", "{d}/scan", "--reference", "{d}/nope.csv"], ConfigError),
        (["plot", "{d}/scan", "--set", "rn=5"], ConfigError),
        (["plot", "{d}/scan", "--spectrum", "coherent-csi-2021"], ConfigError),
        (["plot"], ConfigError),
        (["plot", "--spectrum", "coherent-csi-2022"], ConfigError),
        (["plot", "--spectrum", "coherent-csi-2021", "--set", "rn"], ConfigError),
        (["plot", "--spectrum", "coherent-csi-2021", "--cl", "90"], ConfigError),
        (["plot", "{d}/scan", "--nuisances", "zero"], ConfigError),
        (["plot", "--spectrum", "coherent-lar-2020:analysis=energy-1d"], ConfigError),
        (["plot", "--spectrum", "dresden-ii", "--nuisances", "zero"], ConfigError),
    ],
)
def test_errors(results, argv, error, tmp_path):
    d = results[0]
    args = _parser().parse_args([a.format(d=d) for a in argv])
    with pytest.raises(error) as e:
        args.func(args)
    assert "\n" not in str(e.value)
    assert run([a.format(d=d) for a in argv]) == 2


def test_main_entry_when_registered(results, tmp_path, capsys):
    from cevns.scanner import cli

    sub = next(a for a in cli.build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    if "plot" not in sub.choices:
        pytest.skip("`plot` is not registered in scanner/cli.py build_parser yet")
    d = results[0]
    assert cli.main(["plot", str(d / "missing")]) == 2
    assert capsys.readouterr().err.startswith("cevns: error:")
    assert cli.main(["plot", str(d / "scan"), "--out", str(tmp_path / "f.png")]) == 0
