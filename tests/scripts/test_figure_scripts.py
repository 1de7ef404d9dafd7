"""The seed-figure scripts (scripts/fig_*.py) run on their own with --quick and write the figure (PNG + PDF), the
contour data (JSON + CSV, one file per scanned result, as many contour sets as confidence levels) and a summary
with the key numbers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = REPO / "scripts"


def run(script: str, out: Path, *extra: str) -> str:
    proc = subprocess.run(
        [sys.executable, str(SCRIPTS / script), "--quick", "--n-jobs", "1", "--out", str(out), *extra],
        capture_output=True, text=True, timeout=240, cwd=REPO,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    assert f"in {out}" in proc.stdout  # it says where it wrote
    return proc.stdout


def check_figure(out: Path, stem: str) -> None:
    png, pdf = out / f"{stem}.png", out / f"{stem}.pdf"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert png.stat().st_size > 10_000  # not an empty canvas


def contours(path: Path) -> list[dict]:
    doc = json.loads(path.read_text())
    assert path.with_suffix(".csv").read_text().startswith("cl,dof,level,line,")
    return doc["contours"]


def test_fig_zprime(tmp_path):
    stdout = run("fig_zprime.py", tmp_path)
    check_figure(tmp_path, "fig_zprime")
    check_figure(tmp_path, "fig_zprime-all")
    models = ["universal", "b-l", "b-3le", "b-3lmu", "b-2le-lmu", "b-le-2lmu", "by-lmu-ltau", "le-lmu", "le-ltau",
              "lmu-ltau"]
    for m in models:
        cs = contours(tmp_path / f"fig_zprime-{m}.json")
        assert len(cs) == 1
        assert cs[0]["names"] == ["m_zp", "g_zp"] and cs[0]["dof"] == 2 and abs(cs[0]["cl"] - 0.9) < 1e-12
        assert cs[0]["lines"], m
    summary = json.loads((tmp_path / "fig_zprime-summary.json").read_text())
    lim = summary["limits_g_at_mass_MeV"]
    assert set(lim) == set(models)
    # universal: the flat light-mediator limit lies in the seed's decade (000:341: 2e-5 < g < 1e-4), B−L weaker,
    # L_mu − L_tau (loop-induced quark coupling) far weaker; the limit rises with the mass above ~30 MeV
    assert 1e-5 < lim["universal"]["1"] < 5e-5
    assert lim["universal"]["1"] < lim["b-l"]["1"] < lim["lmu-ltau"]["1"]
    assert lim["lmu-ltau"]["1"] > 10 * lim["universal"]["1"]
    assert lim["universal"]["1000"] > 5 * lim["universal"]["10"]
    assert "g_Z' excluded above" in stdout


def test_fig_em_properties(tmp_path):
    run("fig_em_properties.py", tmp_path)
    check_figure(tmp_path, "fig_em_properties")
    names = {"mu-coherent": ["mu_nu_e", "mu_nu_mu"], "mu-coherent-dresden": ["mu_nu_e", "mu_nu_mu"],
             "rch2-coherent": ["rch2_ee", "rch2_mumu"], "rch2-coherent-dresden": ["rch2_ee", "rch2_mumu"]}
    for tag, nm in names.items():
        cs = contours(tmp_path / f"fig_em_properties-{tag}.json")
        assert len(cs) == 1 and cs[0]["names"] == nm and cs[0]["lines"]
    # charge radii: the near-SM island and the degenerate one (weak charge reversed), in each flavour
    assert len(contours(tmp_path / "fig_em_properties-rch2-coherent.json")[0]["lines"]) >= 2
    iv = json.loads((tmp_path / "fig_em_properties-summary.json").read_text())["intervals_90_1dof"]
    assert len(iv["rch2-coherent"]["rch2_ee"]) == 2
    # Dresden-II sees ν̄_e only: it tightens μ_νe by an order of magnitude, not μ_νμ
    mu_e = iv["mu-coherent"]["mu_nu_e"][0][1]
    mu_e_d = iv["mu-coherent-dresden"]["mu_nu_e"][0][1]
    assert mu_e_d < 0.2 * mu_e
    assert iv["mu-coherent-dresden"]["mu_nu_mu"][0][1] == pytest.approx(iv["mu-coherent"]["mu_nu_mu"][0][1], rel=0.3)


def test_fig_rn_sin2w(tmp_path):
    run("fig_rn_sin2w.py", tmp_path)
    check_figure(tmp_path, "fig_rn_sin2w")
    for tag in ("csi", "csi-apv-pdg", "csi-apv-2021"):
        cs = contours(tmp_path / f"fig_rn_sin2w-{tag}.json")
        assert [round(c["cl"], 4) for c in cs] == [0.6827, 0.9, 0.9545]
        assert all(c["dof"] == 2 and c["names"] == ["rn", "sin2w"] and c["lines"] for c in cs)
    fits = json.loads((tmp_path / "fig_rn_sin2w-summary.json").read_text())["fits"]
    # APV pins sin²θ_W: its 1σ interval is far narrower than CsI alone (000:964 vs 000:974)
    width = {t: f["sin2w"]["plus"] + f["sin2w"]["minus"] for t, f in fits.items()}
    assert width["csi-apv-pdg"] < 0.2 * width["csi"]
    assert fits["csi-apv-pdg"]["sin2w"]["best"] == pytest.approx(0.2397, abs=0.004)


def test_fig_tmm(tmp_path):
    run("fig_tmm.py", tmp_path)
    check_figure(tmp_path, "fig_tmm")
    cells = json.loads((tmp_path / "fig_tmm.json").read_text())
    assert len(cells) == 18  # quick: LAr prompt, LAr delayed, CONUS × current/future × Λ1..3
    assert (tmp_path / "fig_tmm.csv").read_text().count("\n") == 19
    lar = [c for c in cells if c["row"] == "LAr"]
    assert all(abs(c["ratio"] - 1) < 0.25 for c in lar)  # the seed's SNS rows are reproduced


@pytest.fixture(scope="module")
def spectra_out(tmp_path_factory):
    """fig_spectra.py writes both spectrum figures in one run; the two tests below read it."""
    out = tmp_path_factory.mktemp("fig_spectra")
    run("fig_spectra.py", out)
    return out


def test_fig_spectra(spectra_out):
    check_figure(spectra_out, "fig_spectra")
    doc = json.loads((spectra_out / "fig_spectra-data.json").read_text())
    assert set(doc) == {"coherent-csi-2021", "coherent-lar-2020"}
    csi = doc["coherent-csi-2021"]
    assert len(csi["energy"]["observed"]) == 9 and len(csi["time"]["observed"]) == 11
    assert sum(csi["energy"]["observed"]) == pytest.approx(sum(csi["time"]["observed"]))
    assert set(csi["energy"]["components"]) == {"cevns", "brn", "nin", "ss"}
    s = json.loads((spectra_out / "fig_spectra-summary.json").read_text())["experiments"]
    assert 300 < s["coherent-csi-2021"]["predicted"]["cevns"] < 380  # 341 ± 11 ± 42 (000:143)


def test_fig_spectra_1d(spectra_out):
    check_figure(spectra_out, "fig_spectra_1d")
    doc = json.loads((spectra_out / "fig_spectra_1d-data.json").read_text())
    assert set(doc) == {"dresden-ii", "xenonnt-er-2022"}
    d2 = doc["dresden-ii"]
    assert len(d2["energy"]["observed"]) == 130 and len(d2["errors"]) == 130
    assert d2["energy"]["edges"][0] == pytest.approx(0.2)
    xe = doc["xenonnt-er-2022"]
    assert xe["errors"] is None and sum(xe["energy"]["observed"]) == 433 and "time" not in xe
    s = json.loads((spectra_out / "fig_spectra-summary.json").read_text())["experiments"]
    # Dresden-II SM CEvNS per day in 0.2–1.5 keVee (docs/physics/dresden-ii.md: 95.4 at the nominal flux)
    assert 80 < s["dresden-ii"]["predicted"]["cevns"] < 110
