"""Bad inputs (issue 8): each is refused before any work with a one-line error naming the field and the value.

Every row is checked twice: through the library (the subcommand handler ``args.func(args)`` or the named
library call) for the exact error class, and through ``cevns.scanner.cli.main([...])`` for exit status 2,
exactly one line on stderr and an unchanged working folder (nothing created, nothing modified).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from cevns.grids import Axis
from cevns.scanner import checkpoint as ck
from cevns.scanner.cli import build_parser, main
from cevns.scanner.errors import ConfigError, DataChecksumError, OutputError
from cevns.scanner.likelihood import Likelihood
from cevns.scanner.scan import run_scan
from cevns.scanner.scanfile import load_scan_file

CSI = "coherent-csi-2021"


class _Toy(Likelihood):
    names = ("rn", "sin2w")
    nuisance_names = ("a",)

    def fingerprint(self):
        return "bad-inputs-toy"

    def evaluate(self, p):
        return (p[:, 0] - 5.5) ** 2 + 100 * (p[:, 1] - 0.23) ** 2, p[:, :1] * 0.0


def scan_text(axes=None, fixed=None, **scan) -> str:
    """A valid CsI-2021 scan file (rn × sin2w), with ``scan`` keys and axes/fixed replaced."""
    s = {"experiments": f'"{CSI}"', "output": '"out"', "cl": "[0.9]"}
    s.update(scan)
    lines = ["[scan]"] + [f"{k} = {v}" for k, v in s.items() if v is not None]
    if fixed:
        lines += ["[scan.fixed]"] + [f"{k} = {v}" for k, v in fixed.items()]
    axes = axes or [
        {"name": '"rn"', "min": 4.0, "max": 6.5, "points": 3},
        {"name": '"sin2w"', "min": 0.2, "max": 0.26, "points": 3},
    ]
    for a in axes:
        lines += ["[[scan.axes]]"] + [f"{k} = {v}" for k, v in a.items()]
    return "\n".join(lines) + "\n"


def ax(name, lo, hi, n=3, spacing=None):
    d = {"name": f'"{name}"', "min": lo, "max": hi, "points": n}
    if spacing:
        d["spacing"] = f'"{spacing}"'
    return d


RN, S2W = ax("rn", 4.0, 6.5), ax("sin2w", 0.2, 0.26)


def _file(text):
    def setup(tmp):
        (tmp / "bad.toml").write_text(text)

    return setup


def _bytes(data: bytes):
    def setup(tmp):
        (tmp / "bad.toml").write_bytes(data)

    return setup


def _other_manifest(tmp):
    (tmp / "bad.toml").write_text(scan_text())
    (tmp / "out").mkdir()
    ck.write_manifest(tmp / "out", "0" * 64, {"format": 1, "other": True})


def _other_result(tmp):
    (tmp / "bad.toml").write_text(scan_text())
    (tmp / "out").mkdir()
    np.savez(tmp / "out" / "result.npz", metadata=np.array(json.dumps({"spec_hash": "f" * 64})))


def _output_under_file(tmp):
    (tmp / "blocker").write_text("a file, not a folder\n")
    (tmp / "bad.toml").write_text(scan_text(output='"blocker/out"'))


def _toy_result(tmp):
    run_scan(_Toy(), [Axis("rn", 4.0, 7.0, 5), Axis("sin2w", 0.2, 0.26, 5)], output=tmp / "res", progress=False)
    (tmp / "res" / ".lock").unlink(missing_ok=True)


def _garbage_result(tmp):
    (tmp / "junk").mkdir()
    (tmp / "junk" / "result.npz").write_bytes(b"PK\x03\x04 not really a zip")


F = ["fit", CSI]
SCAN = ["scan", "bad.toml", "--quiet"]

# (id, argv, error class, setup(tmp) or None, library call(tmp) or None = the subcommand handler)
ROWS = [
    # ---- cevns fit
    ("fit-unknown-experiment", ["fit", "coherent-csi-2012", "--free", "rn"], ConfigError, None, None),
    ("fit-unknown-parameter", [*F, "--free", "rnn"], ConfigError, None, None),
    ("fit-parameter-not-applicable", [*F, "--free", "rn_ar"], ConfigError, None, None),
    ("fit-tau-parameter-at-the-sns", [*F, "--free", "mu_nu_tau"], ConfigError, None, None),
    ("fit-unknown-model", [*F, "--free", "rn", "--model", "zprime-univrsal"], ConfigError, None, None),
    ("fit-model-parameter-without-model", [*F, "--free", "g_zp"], ConfigError, None, None),
    ("fit-fix-nan", [*F, "--free", "rn", "--fix", "sin2w=nan"], ConfigError, None, None),
    ("fit-fix-inf", [*F, "--free", "rn", "--fix", "sin2w=inf"], ConfigError, None, None),
    ("fit-fix-negative-radius", [*F, "--free", "sin2w", "--fix", "rn_cs=-1"], ConfigError, None, None),
    ("fit-fix-zero-radius", [*F, "--free", "sin2w", "--fix", "rn=0"], ConfigError, None, None),
    ("fit-fix-zero-mass", [*F, "--model", "zprime-universal", "--free", "g_zp", "--fix", "m_zp=0"],
     ConfigError, None, None),
    ("fit-fix-negative-scalar-mass", [*F, "--model", "scalar-universal", "--free", "g_phi", "--fix", "m_phi=-10"],
     ConfigError, None, None),
    ("fit-fix-not-a-number", [*F, "--free", "rn", "--fix", "sin2w=abc"], ConfigError, None, None),
    ("fit-fix-no-equals", [*F, "--free", "rn", "--fix", "sin2w"], ConfigError, None, None),
    ("fit-free-and-fixed", [*F, "--free", "rn", "--fix", "rn=5"], ConfigError, None, None),
    ("fit-experiment-twice", ["fit", f"{CSI}+{CSI}", "--free", "rn"], ConfigError, None, None),
    ("fit-unknown-experiment-option", ["fit", f"{CSI}:colour=red", "--free", "rn"], ConfigError, None, None),
    ("fit-negative-norm", [*F, "--free", "rn", "--fix", "cevns_norm=-0.5"], ConfigError, None, None),
    ("fit-trace-mean-nan", ["fit", f"{CSI}:trace_mean=nan", "--free", "rn"], ConfigError, None, None),
    ("fit-trace-mean-out-of-range", ["fit", f"{CSI}:trace_mean=3", "--free", "rn"], ConfigError, None, None),
    ("fit-lar-unknown-analysis", ["fit", "coherent-lar-2020:analysis=2d", "--free", "rn_ar"], ConfigError, None,
     None),
    ("fit-xenon-unknown-moment", ["fit", "xenonnt-er-2022:moment=mass", "--free", "mu_nu_e"], ConfigError, None,
     None),
    ("fit-xenon-numu-on-solar-nue", ["fit", "xenonnt-er-2022", "--free", "mu_nu_mu"], ConfigError, None, None),
    ("fit-dresden-unknown-smearing", ["fit", "dresden-ii:smearing=none", "--free", "cevns_norm"], ConfigError, None,
     None),
    ("fit-fix-sin2w-negative", [*F, "--free", "rn", "--fix", "sin2w=-0.1"], ConfigError, None, None),
    ("fit-free-twice", [*F, "--free", "rn", "--free", "rn"], ConfigError, None, None),
    # ---- cevns rate
    ("rate-unknown-experiment", ["rate", "coherent-csi-20211"], ConfigError, None, None),
    ("rate-set-nan", ["rate", CSI, "--set", "sin2w=nan"], ConfigError, None, None),
    ("rate-set-unknown-parameter", ["rate", CSI, "--set", "sinw=0.2"], ConfigError, None, None),
    ("rate-set-not-applicable", ["rate", CSI, "--set", "rn_ar=4"], ConfigError, None, None),
    ("rate-set-radius-too-small", ["rate", CSI, "--set", "rn=1.0"], ConfigError, None, None),
    ("rate-unknown-model", ["rate", CSI, "--model", "zprme"], ConfigError, None, None),
    ("rate-model-not-supported", ["rate", "apv-cs", "--model", "tmm"], ConfigError, None, None),
    ("rate-model-parameter-without-model", ["rate", CSI, "--set", "g_zp=1e-4"], ConfigError, None, None),
    ("rate-sin2w-above-one", ["rate", CSI, "--set", "sin2w=1.5"], ConfigError, None, None),
    ("rate-darkz-sin2w-above-one", ["rate", "dresden-ii", "--model", "darkz", "--set", "sin2w=1.2"], ConfigError,
     None, None),
    ("rate-lindhard-k-too-small", ["rate", "dresden-ii:qf=lindhard,k=0.001"], ConfigError, None, None),
    ("rate-k-without-lindhard", ["rate", "dresden-ii:qf=fef,k=0.2"], ConfigError, None, None),
    ("rate-option-twice", ["rate", "dresden-ii:qf=fef,qf=ybe"], ConfigError, None, None),
    ("rate-set-twice", ["rate", CSI, "--set", "rn=5", "--set", "rn=6"], ConfigError, None, None),
    ("rate-common-and-isotope-radius", ["rate", CSI, "--set", "rn=5", "--set", "rn_cs=6"], ConfigError, None, None),
    ("rate-combination", ["rate", f"apv-cs+{CSI}"], ConfigError, None, None),
    # ---- cevns scan: the file
    ("scan-missing-file", ["scan", "nope.toml"], ConfigError, None, None),
    ("scan-invalid-toml", SCAN, ConfigError, _file("[scan\nexperiments = 1\n"), None),
    ("scan-unknown-key", SCAN, ConfigError, _file(scan_text(experiment=f'"{CSI}"', experiments=None)), None),
    ("scan-missing-output", SCAN, ConfigError, _file(scan_text(output=None)), None),
    ("scan-unknown-experiment", SCAN, ConfigError, _file(scan_text(experiments='"coherent-csi-2201"')), None),
    ("scan-unknown-model", SCAN, ConfigError, _file(scan_text(model='"zprime-universl"')), None),
    ("scan-unknown-axis-parameter", SCAN, ConfigError, _file(scan_text(axes=[ax("rnn", 4, 6), S2W])), None),
    ("scan-axis-not-applicable", SCAN, ConfigError, _file(scan_text(axes=[ax("rn_ar", 3, 4), S2W])), None),
    ("scan-min-above-max", SCAN, ConfigError, _file(scan_text(axes=[ax("rn", 6.0, 4.0), S2W])), None),
    ("scan-min-equals-max", SCAN, ConfigError, _file(scan_text(axes=[ax("rn", 5.0, 5.0), S2W])), None),
    ("scan-zero-points", SCAN, ConfigError, _file(scan_text(axes=[ax("rn", 4, 6, 0), S2W])), None),
    ("scan-negative-points", SCAN, ConfigError, _file(scan_text(axes=[ax("rn", 4, 6, -5), S2W])), None),
    ("scan-fractional-points", SCAN, ConfigError, _file(scan_text(axes=[ax("rn", 4, 6, 2.5), S2W])), None),
    ("scan-log-axis-through-zero", SCAN, ConfigError,
     _file(scan_text(axes=[RN, ax("cevns_norm", -1.0, 2.0, 3, "log")])), None),
    ("scan-log-axis-from-zero", SCAN, ConfigError,
     _file(scan_text(axes=[RN, ax("cevns_norm", 0.0, 2.0, 3, "log")])), None),
    ("scan-min-nan", SCAN, ConfigError, _file(scan_text(axes=[ax("rn", "nan", 6.0), S2W])), None),
    ("scan-max-inf", SCAN, ConfigError, _file(scan_text(axes=[ax("rn", 4.0, "inf"), S2W])), None),
    ("scan-cl-percent", SCAN, ConfigError, _file(scan_text(cl="[90]")), None),
    ("scan-cl-zero", SCAN, ConfigError, _file(scan_text(cl="[0.0]")), None),
    ("scan-cl-one", SCAN, ConfigError, _file(scan_text(cl="[0.68, 1.0]")), None),
    ("scan-fixed-nan", SCAN, ConfigError, _file(scan_text(fixed={"cevns_norm": "nan"})), None),
    ("scan-fixed-unknown", SCAN, ConfigError, _file(scan_text(fixed={"cevns_nrom": 1.0})), None),
    ("scan-fixed-negative-radius", SCAN, ConfigError,
     _file(scan_text(axes=[S2W, ax("cevns_norm", 0.5, 1.5)], fixed={"rn": -1.0})), None),
    ("scan-axis-radius-through-zero", SCAN, ConfigError, _file(scan_text(axes=[ax("rn", -2.0, 6.0), S2W])), None),
    ("scan-axis-mass-from-zero", SCAN, ConfigError,
     _file(scan_text(model='"zprime-universal"', axes=[ax("g_zp", 1e-5, 1e-4), ax("m_zp", 0.0, 100.0)])), None),
    ("scan-fixed-negative-mass", SCAN, ConfigError,
     _file(scan_text(model='"zprime-universal"', axes=[RN, ax("g_zp", 1e-5, 1e-4)], fixed={"m_zp": -5.0})), None),
    ("scan-one-axis", SCAN, ConfigError, _file(scan_text(axes=[RN])), None),
    ("scan-axis-also-fixed", SCAN, ConfigError, _file(scan_text(fixed={"rn": 5.0})), None),
    ("scan-bad-nuisances", SCAN, ConfigError, _file(scan_text(nuisances='"maybe"')), None),
    ("scan-chunk-size-zero", SCAN, ConfigError, _file(scan_text(chunk_size=0)), None),
    ("scan-axis-sin2w-above-one", SCAN, ConfigError, _file(scan_text(axes=[RN, ax("sin2w", 0.1, 1.3)])), None),
    ("scan-not-utf8", SCAN, ConfigError, _bytes(b"\xff\xfe[scan]\n"), None),
    ("scan-grid-too-large", SCAN, ConfigError, _file(scan_text(axes=[ax("rn", 4.0, 6.0, 10**11), S2W])), None),
    ("scan-cl-twice", SCAN, ConfigError, _file(scan_text(cl="[0.9, 0.9]")), None),
    ("scan-output-unwritable", SCAN, OutputError, _output_under_file, None),
    ("scan-output-other-scan", SCAN, OutputError, _other_manifest, None),
    ("scan-output-other-result", SCAN, OutputError, _other_result, None),
    # ---- cevns scan: the options (argparse refuses them; the library raises ConfigError)
    ("scan-n-jobs-zero", [*SCAN, "--n-jobs", "0"], ConfigError, _file(scan_text()),
     lambda tmp: run_scan(load_scan_file(tmp / "bad.toml"), n_jobs=0)),
    ("scan-chunk-size-negative", [*SCAN, "--chunk-size", "-3"], ConfigError, _file(scan_text()),
     lambda tmp: run_scan(load_scan_file(tmp / "bad.toml"), chunk_size=-3)),
    ("scan-unknown-backend", [*SCAN, "--backend", "mpi"], ConfigError, _file(scan_text()),
     lambda tmp: run_scan(load_scan_file(tmp / "bad.toml"), backend="mpi")),
    ("scan-scheduler-with-loky", [*SCAN, "--backend", "loky", "--scheduler", "tcp://127.0.0.1:9"], ConfigError,
     _file(scan_text()), None),
    # ---- cevns contour
    ("contour-missing-result", ["contour", "nowhere/result.npz"], OutputError, None, None),
    ("contour-garbage-result", ["contour", "junk"], OutputError, _garbage_result, None),
    ("contour-cl-zero", ["contour", "res", "--cl", "0"], ConfigError, _toy_result, None),
    ("contour-cl-too-big", ["contour", "res", "--cl", "150"], ConfigError, _toy_result, None),
    ("contour-cl-not-a-number", ["contour", "res", "--cl", "ninety"], ConfigError, _toy_result, None),
    ("contour-cl-nan", ["contour", "res", "--cl", "nan"], ConfigError, _toy_result, None),
    ("contour-profile-on-2d", ["contour", "res", "--profile", "rn"], ConfigError, _toy_result, None),
    # ---- cevns plot
    ("plot-nothing", ["plot"], ConfigError, None, None),
    ("plot-missing-result", ["plot", "nowhere"], OutputError, None, None),
    ("plot-cl-zero", ["plot", "res", "--cl", "0"], ConfigError, _toy_result, None),
    ("plot-unknown-experiment", ["plot", "--spectrum", "coherent-csi-20"], ConfigError, None, None),
    ("plot-spectrum-nan", ["plot", "--spectrum", CSI, "--set", "sin2w=nan"], ConfigError, None, None),
    ("plot-spectrum-not-applicable", ["plot", "--spectrum", CSI, "--set", "rn_ar=4"], ConfigError, None, None),
]


def snapshot(folder: Path) -> dict:
    """Every path under ``folder`` with its size and modification time (nanoseconds)."""
    out = {}
    for root, dirs, files in os.walk(folder):
        for n in dirs + files:
            p = Path(root) / n
            st = p.lstat()
            out[str(p.relative_to(folder))] = (st.st_size, st.st_mtime_ns, p.is_dir())
    return out


@pytest.fixture
def work(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    return tmp_path


def test_table_is_big_enough():
    assert len(ROWS) >= 30
    assert len({r[0] for r in ROWS}) == len(ROWS)


@pytest.mark.parametrize("row", ROWS, ids=[r[0] for r in ROWS])
def test_library_raises_exact_class(row, work):
    name, argv, cls, setup, call = row
    if setup:
        setup(work)
    before = snapshot(work)
    with pytest.raises(Exception) as info:
        if call is not None:
            call(work)
        else:
            args = build_parser().parse_args(argv)
            args.func(args)
    assert type(info.value) is cls, f"{name}: {type(info.value).__name__}: {info.value}"
    msg = str(info.value)
    assert msg and "\n" not in msg
    assert snapshot(work) == before


@pytest.mark.parametrize("row", ROWS, ids=[r[0] for r in ROWS])
def test_cli_exit_2_one_line_nothing_written(row, work, capsys):
    name, argv, cls, setup, _ = row
    if setup:
        setup(work)
    before = snapshot(work)
    try:
        code = main(argv)
    except SystemExit as e:  # argparse refusals
        code = e.code
    err = capsys.readouterr().err
    assert code == 2, f"{name}: exit {code}; stderr {err!r}"
    lines = err.strip("\n").split("\n")
    assert len(lines) == 1 and lines[0].startswith("cevns"), f"{name}: {err!r}"
    assert snapshot(work) == before, f"{name}: the folder changed"


# Messages that must name the field and the value (and suggest a name where one is close).
MESSAGES = {
    "fit-unknown-experiment": ["coherent-csi-2012", "did you mean 'coherent-csi-2021'"],
    "fit-unknown-parameter": ["rnn", "did you mean"],
    "fit-parameter-not-applicable": ["rn_ar", "does not apply"],
    "fit-tau-parameter-at-the-sns": ["mu_nu_tau", "acts on ν_τ only", "SNS"],
    "rate-unknown-model": ["zprme", "did you mean"],
    "rate-model-not-supported": ["apv-cs", "tmm", "its models"],
    "rate-model-parameter-without-model": ["g_zp", "--model"],
    "fit-unknown-model": ["zprime-univrsal", "did you mean 'zprime-universal'"],
    "fit-fix-nan": ["sin2w", "nan"],
    "fit-fix-zero-mass": ["m_zp", "0"],
    "scan-unknown-axis-parameter": ["rnn", "did you mean"],
    "scan-min-above-max": ["rn", "min", "6.0", "4.0"],
    "scan-zero-points": ["rn", "points", "0"],
    "scan-log-axis-through-zero": ["cevns_norm", "log", "-1.0"],
    "scan-cl-percent": ["cl", "90"],
    "scan-axis-radius-through-zero": ["rn", "-2.0"],
    "scan-axis-mass-from-zero": ["m_zp", "0.0"],
    "scan-output-other-scan": ["different scan", "--force"],
}


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_messages_name_field_and_value(name, work):
    _, argv, cls, setup, _ = next(r for r in ROWS if r[0] == name)
    if setup:
        setup(work)
    args = build_parser().parse_args(argv)
    with pytest.raises(cls) as info:
        args.func(args)
    for part in MESSAGES[name]:
        assert part in str(info.value), (name, str(info.value))


def test_altered_data_file_is_named(tmp_path, monkeypatch, capsys):
    """A truncated copy of a bundled data file: DataChecksumError naming the file; exit 2 from the CLI."""
    import shutil

    from cevns.scanner import datasets

    src = Path(datasets.__file__).parent / "data"
    dst = tmp_path / "data"
    shutil.copytree(src, dst)
    target = next(p for p in sorted((dst / "coherent-csi-2021").rglob("*")) if p.is_file()
                  and p.name not in ("SHA256SUMS", "PROVENANCE.md"))
    target.write_bytes(target.read_bytes()[:-10])
    monkeypatch.setenv("CEVNS_DATA", str(dst))
    from cevns.scanner.experiments.coherent_csi_2021 import CoherentCsI2021

    with pytest.raises(DataChecksumError) as info:
        CoherentCsI2021()
    assert target.name in str(info.value)
