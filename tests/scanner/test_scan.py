"""The scan runner: bit-identical results (chunking, n_jobs, disk vs memory), checkpoint verification and
recomputation of corrupted chunks, refusal of a different scan's folder, results file, progress, CLI."""

import argparse
import io
import json
import logging

import numpy as np
import pytest

from cevns.grids import Axis
from cevns.scanner import checkpoint as ck
from cevns.scanner.cli_scan import register
from cevns.scanner.errors import ConfigError, OutputError
from cevns.scanner.likelihood import Likelihood, Paraboloid
from cevns.scanner.results import load_result
from cevns.scanner.scan import Progress, run_scan


class Wavy(Likelihood):
    """A non-convex toy with two nuisances; counts its evaluations (in this process)."""

    names = ("x", "y")
    nuisance_names = ("nx", "ny")
    calls = 0

    def evaluate(self, p):
        Wavy.calls += len(p)
        x, y = p[:, 0], p[:, 1]
        chi2 = (x - 0.2) ** 2 + 2 * (y + 0.1) ** 2 + 0.3 * np.sin(5 * x) * np.cos(3 * y)
        return chi2, np.stack([np.tanh(x * y), np.exp(-x)], axis=1)

    def data_checksums(self):
        return {"toy.txt": "0" * 64}


AXES = [Axis("x", -2.0, 2.0, 37), Axis("y", 1e-2, 10.0, 29, "log")]


class NoNuisance(Likelihood):
    """A paraboloid without nuisances (η of shape (n, 0), like apv-cs)."""

    names = ("a", "b")
    nuisance_names = ()

    def evaluate(self, p):
        return (p[:, 0] - 0.3) ** 2 + (p[:, 1] + 0.1) ** 2, np.zeros((len(p), 0))


def same_bytes(a, b):
    return np.asarray(a).tobytes() == np.asarray(b).tobytes()


@pytest.fixture(scope="module")
def reference():
    return run_scan(Wavy(), AXES, progress=False)


def test_in_memory_result_is_the_grid(reference):
    r = reference
    assert r.chi2.shape == (37, 29) and r.eta.shape == (37, 29, 2) and r.nuisance_names == ("nx", "ny")
    x, y = np.meshgrid(*r.values, indexing="ij")
    chi2, eta = Wavy().evaluate(np.stack([x.ravel(), y.ravel()], 1))
    np.testing.assert_array_equal(r.chi2, chi2.reshape(37, 29))
    np.testing.assert_array_equal(r.eta, eta.reshape(37, 29, 2))
    assert r.chi2_min == chi2.min()
    assert same_bytes(r.dchi2, r.chi2 - chi2.min())
    i = int(np.argmin(chi2))
    assert r.best_fit_index == np.unravel_index(i, (37, 29))
    np.testing.assert_array_equal(r.best_fit, [x.ravel()[i], y.ravel()[i]])
    np.testing.assert_array_equal(r.best_fit_nuisances, eta[i])


@pytest.mark.parametrize("chunk_size", [13, 50, 1000, 5000])
def test_disk_result_identical_for_any_chunk_size(tmp_path, reference, chunk_size):
    r = run_scan(Wavy(), AXES, output=tmp_path / "o", chunk_size=chunk_size, progress=False)
    for k in ("chi2", "dchi2", "eta"):
        assert same_bytes(getattr(r, k), getattr(reference, k)), k
    assert r.chi2_min == reference.chi2_min and same_bytes(r.best_fit, reference.best_fit)
    files = sorted((tmp_path / "o" / "chunks").glob("chunk_*.npz"))
    assert len(files) == -(-37 * 29 // chunk_size)


def test_result_file_contents_and_metadata(tmp_path, reference):
    out = tmp_path / "o"
    run_scan(Wavy(), AXES, output=out, chunk_size=100, n_jobs=1, progress=False)
    with np.load(out / "result.npz") as z:  # a plain npz
        assert list(z["axis_names"]) == ["x", "y"] and list(z["axis_spacing"]) == ["linear", "log"]
        np.testing.assert_array_equal(z["axis_1"], AXES[1].values)
        assert same_bytes(z["chi2"], reference.chi2) and same_bytes(z["eta"], reference.eta)
        assert list(z["nuisance_names"]) == ["nx", "ny"]
        meta = json.loads(str(z["metadata"]))
    assert meta["version"] == "0.1.0" and meta["n_jobs"] == 1 and meta["backend"] == "loky"
    assert meta["data_checksums"] == {"toy.txt": "0" * 64} and len(meta["spec_hash"]) == 64
    assert meta["timings"]["evaluated_this_run"] == 37 * 29 and meta["timings"]["wall_s"] > 0
    for mmap in (False, True):
        r = load_result(out, mmap=mmap)
        assert isinstance(r.chi2, np.memmap) == mmap
        assert same_bytes(r.chi2, reference.chi2) and r.axes == tuple(AXES)
        assert r.best_fit_dict == pytest.approx(reference.best_fit_dict)


def test_n_jobs_2_identical_to_1(tmp_path):
    lik = Paraboloid(["a", "b"], [0.1, 0.2], [[1.0, 0.3], [0.3, 2.0]], chi2_min=2.0)
    axes = [Axis("a", -3, 3, 60), Axis("b", 0.1, 30, 50, "log")]
    one = run_scan(lik, axes, output=tmp_path / "one", chunk_size=256, progress=False)
    two = run_scan(lik, axes, output=tmp_path / "two", n_jobs=2, chunk_size=97, progress=False)
    assert (
        same_bytes(one.chi2, two.chi2) and same_bytes(one.eta, two.eta) and same_bytes(one.dchi2, two.dchi2)
    )
    assert two.metadata["n_jobs"] == 2


def _corrupt(path):
    b = bytearray(path.read_bytes())
    i = b.find(b"\x93NUMPY") + 200  # inside the chi2 array data
    b[i] ^= 0xFF
    path.write_bytes(bytes(b))


def test_corrupted_truncated_and_foreign_chunks_are_detected_and_recomputed(tmp_path, reference, caplog):
    out = tmp_path / "o"
    run_scan(Wavy(), AXES, output=out, chunk_size=100, progress=False)
    (out / "result.npz").unlink()  # as if the run had died before assembling
    _corrupt(ck.chunk_path(out, 2))
    p3 = ck.chunk_path(out, 3)  # altered consistently at the zip level: only our checksum sees it
    with np.load(p3) as z:
        d = dict(z)
    d["chi2"][5] += 1e-12
    np.savez(p3, **d)
    p5 = ck.chunk_path(out, 5)
    p5.write_bytes(p5.read_bytes()[:300])
    # a chunk file of another scan, same bounds
    other = run_scan(
        Paraboloid(["x", "y"], [0, 1], np.eye(2)), AXES, output=tmp_path / "p", chunk_size=100, progress=False
    )
    assert other.nuisance_names == ("offset",)
    ck.chunk_path(out, 7).write_bytes(ck.chunk_path(tmp_path / "p", 7).read_bytes())
    Wavy.calls = 0
    with caplog.at_level(logging.INFO, logger="cevns"):
        r = run_scan(Wavy(), AXES, output=out, chunk_size=100, resume=True, progress=False)
    msgs = [m for m in caplog.messages if "invalid checkpoint" in m]
    assert len(msgs) == 4
    assert "chunk_000002.npz" in msgs[0] and "unreadable" in msgs[0] and "CRC" in msgs[0]
    assert "chunk_000003.npz" in msgs[1] and "checksum mismatch" in msgs[1]
    assert "chunk_000005.npz" in msgs[2] and "unreadable" in msgs[2]
    assert "chunk_000007.npz" in msgs[3] and "spec hash" in msgs[3]
    assert Wavy.calls == 400  # only the four bad chunks were evaluated again
    assert same_bytes(r.chi2, reference.chi2) and same_bytes(r.eta, reference.eta)
    ck.read_chunk(ck.chunk_path(out, 2), start=200, stop=300, spec_hash=r.spec_hash)  # rewritten, valid


def test_rerun_of_finished_scan_loads_result_without_evaluating(tmp_path):
    out = tmp_path / "o"
    a = run_scan(Wavy(), AXES, output=out, progress=False)
    Wavy.calls = 0
    b = run_scan(Wavy(), AXES, output=out, n_jobs=1, chunk_size=7, progress=False)
    assert Wavy.calls == 0 and same_bytes(a.chi2, b.chi2)


def test_likelihood_without_nuisances_scans_checkpoints_and_resumes(tmp_path):
    """An experiment with no nuisances (apv-cs: η of shape (n, 0)) goes through chunk checksums, the streamed result
    and a resume from the checkpoints (memoryview cannot cast an empty (n, 0) array: the scan used to crash)."""

    axes = [Axis("a", -1.0, 1.0, 11), Axis("b", -1.0, 1.0, 9)]
    out = tmp_path / "o"
    r = run_scan(NoNuisance(), axes, output=out, chunk_size=20, progress=False)
    assert r.eta.shape == (11, 9, 0) and r.chi2_min == pytest.approx(0.02, abs=1e-12)  # grid node (0.2|0.4, 0)
    (out / "result.npz").unlink()  # resume from the verified chunks
    r2 = run_scan(NoNuisance(), axes, output=out, chunk_size=20, progress=False)
    assert same_bytes(r.chi2, r2.chi2) and load_result(out).eta.shape == (11, 9, 0)


def test_different_scan_refused_without_force(tmp_path):
    out = tmp_path / "o"
    run_scan(Wavy(), AXES, output=out, progress=False)
    axes2 = [AXES[0], Axis("y", 1e-2, 10.0, 30, "log")]
    with pytest.raises(OutputError, match="holds the result of a different scan") as e:
        run_scan(Wavy(), axes2, output=out, progress=False)
    assert "\n" not in str(e.value) and "--force" in str(e.value)
    (out / "result.npz").unlink()
    with pytest.raises(OutputError, match="holds checkpoints of a different scan"):
        run_scan(Wavy(), axes2, output=out, resume=True, progress=False)
    r = run_scan(Wavy(), axes2, output=out, force=True, progress=False)
    assert same_bytes(r.chi2, run_scan(Wavy(), axes2, progress=False).chi2)
    assert json.loads((out / "scan.json").read_text())["spec_hash"] == r.spec_hash


def test_argument_validation():
    with pytest.raises(ConfigError, match="backend"):
        run_scan(Wavy(), AXES, backend="mpi")
    with pytest.raises(ConfigError, match="n_jobs"):
        run_scan(Wavy(), AXES, n_jobs=0)
    with pytest.raises(ConfigError, match="axes"):
        run_scan(Wavy(), None)
    with pytest.raises(ConfigError, match="differ from the scan axes"):
        run_scan(Wavy(), AXES[::-1])


def test_progress_plain_lines_and_tty_bar():
    s = io.StringIO()
    p = Progress(1000, stream=s)
    for _ in range(100):
        p.update(10)
    lines = s.getvalue().splitlines()
    assert 18 <= len(lines) <= 21 and "1000/1000 points (100.0 %)" in lines[-1] and "points/s" in lines[-1]

    class Tty(io.StringIO):
        def isatty(self):
            return True

    t = Tty()
    p = Progress(10, stream=t)
    p.update(10)
    p.close()
    assert t.getvalue().startswith("\rscan [") and "10/10 points" in t.getvalue() and "left" in t.getvalue()


SCAN_FILE = """
[scan]
experiments = "toy-experiment"
output = "{out}"
cl = [0.68, 0.9]

[scan.fixed]
z = 1.0

[[scan.axes]]
name = "x"
min = -3.0
max = 3.0
points = 40

[[scan.axes]]
name = "y"
min = -2.0
max = 2.0
points = 30
"""


@pytest.fixture
def toy_registry(monkeypatch):
    registry = pytest.importorskip("cevns.scanner.registry")
    seen = []

    def make_likelihood(experiments, model="sm", fixed=None, names=()):
        seen.append((experiments, model, dict(fixed), list(names)))
        return Paraboloid(names, [0.5, -0.3], [[1.0, 0.2], [0.2, 0.4]])

    monkeypatch.setattr(registry, "make_likelihood", make_likelihood)
    monkeypatch.setattr(registry, "validate", lambda spec: None, raising=False)
    return seen


def _parser():
    parser = argparse.ArgumentParser(prog="cevns")
    register(parser.add_subparsers(dest="command", required=True))
    return parser


def test_scan_cli_end_to_end(tmp_path, toy_registry, capsys):
    f = tmp_path / "toy.toml"
    f.write_text(SCAN_FILE.format(out=tmp_path / "res"))
    args = _parser().parse_args(["scan", str(f), "--n-jobs", "1", "--chunk-size", "100", "--quiet"])
    assert args.func(args) == 0
    assert toy_registry == [("toy-experiment", "sm", {"z": 1.0}, ["x", "y"])]
    out = capsys.readouterr().out
    assert "chi2_min = " in out and "x = 0.538462" in out
    r = load_result(tmp_path / "res")
    assert r.metadata["scan_file"] == f.read_text() and r.metadata["cl"] == [0.68, 0.9]
    doc = json.loads((tmp_path / "res" / "contours.json").read_text())
    assert [c["cl"] for c in doc["contours"]] == [0.68, 0.9] and doc["contours"][1]["dof"] == 2
    # a changed scan file into the same folder is refused, --force replaces
    f.write_text(SCAN_FILE.format(out=tmp_path / "res").replace("points = 30", "points = 31"))
    args = _parser().parse_args(["scan", str(f), "--quiet"])
    with pytest.raises(OutputError, match="different scan"):
        args.func(args)
    args = _parser().parse_args(["scan", str(f), "--quiet", "--force", "--adaptive"])
    assert args.func(args) == 0
    r = load_result(tmp_path / "res")
    assert r.shape == (40, 31) and r.metadata["mode"] == "adaptive" and r.evaluated is not None
    for bad in (["scan", str(f), "--n-jobs", "0"], ["scan", str(f), "--backend", "mpi"]):
        with pytest.raises(SystemExit):
            _parser().parse_args(bad)
