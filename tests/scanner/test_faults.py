"""Faults during a scan (issue 8): SIGKILL, SIGTERM, a full disk, failing and dying workers, non-convergence.

Each case ends in a state from which a rerun gives the uninterrupted result bit for bit, or in one clear error.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import psutil  # (a dependency of dask.distributed, in the test extras)
import pytest

from cevns.grids import Axis
from cevns.scanner import checkpoint as ck
from cevns.scanner import results as results_mod
from cevns.scanner.errors import OutputError
from cevns.scanner.likelihood import Likelihood
from cevns.scanner.scan import WorkerError, run_scan

TOY = """
import os
import time
import numpy as np
from cevns.scanner.likelihood import Likelihood


class SlowToy(Likelihood):
    \"\"\"With `gate`, it never finishes chunk `gate` or a later one (chunk i is the row x = X[i]): a scan is still
    running whenever the test signals it, however loaded the machine. A worker blocked there leaves without a
    result (so it writes nothing) once the process that started it is gone.\"\"\"

    names = ("x", "y")
    nuisance_names = ("a", "b")

    def __init__(self, delay=0.0, gate=None):
        self.delay, self.gate = delay, gate

    def fingerprint(self):  # neither the delay nor the gate changes a χ² value
        return "faults-slowtoy-1"

    def evaluate(self, p):
        if self.gate is not None and np.any(p[:, 0] >= X[self.gate]):
            parent, deadline = os.getppid(), time.monotonic() + 600
            while os.getppid() == parent and time.monotonic() < deadline:
                time.sleep(0.01)
            os._exit(0)
        time.sleep(self.delay)
        x, y = p[:, 0], p[:, 1]
        chi2 = np.sin(3 * x) * np.cos(2 * y) + x**2 + np.log(y) ** 2
        return chi2, np.stack([x * y, np.exp(-x)], axis=1)


class Flaky(SlowToy):
    \"\"\"Raises (mode "raise") or kills its process (mode "die") the first time it sees point `at`; a marker
    file remembers that it did (across worker processes).\"\"\"

    def __init__(self, marker, at=777, mode="raise", always=False):
        super().__init__(0.0)
        self.marker, self.at, self.mode, self.always = marker, at, mode, always

    def evaluate(self, p):
        hit = np.any((p[:, 0] == X[self.at // 50]) & (p[:, 1] == Y[self.at % 50]))
        if hit and (self.always or not os.path.exists(self.marker)):
            open(self.marker, "a").close()
            if self.mode == "die":
                os._exit(3)
            raise ValueError("flaky evaluation\\nsecond line")
        return super().evaluate(p)


X = np.linspace(-2.0, 2.0, 40)
Y = np.geomspace(0.1, 10.0, 50)
Y[0], Y[-1] = 0.1, 10.0
"""

AXES = [Axis("x", -2.0, 2.0, 40), Axis("y", 0.1, 10.0, 50, "log")]
CHUNK = 50  # 40 chunks
N_CHUNKS = 40


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    d = tmp_path_factory.mktemp("toymod")
    (d / "faulttoy.py").write_text(TOY)
    sys.path.insert(0, str(d))
    import faulttoy

    yield faulttoy, d
    sys.path.remove(str(d))


@pytest.fixture(scope="module")
def reference(toy):
    return run_scan(toy[0].SlowToy(), AXES, chunk_size=CHUNK, progress=False)


def same(a, b):
    for key in ("chi2", "dchi2", "eta"):
        assert np.asarray(getattr(a, key)).tobytes() == np.asarray(getattr(b, key)).tobytes(), key
    assert a.chi2_min == b.chi2_min


def n_chunks(out: Path) -> int:
    d = out / "chunks"
    return len(list(d.glob("chunk_*.npz"))) if d.is_dir() else 0


def verify_all_present(out: Path, spec_hash: str) -> int:
    """Every chunk file present is valid; returns how many there are."""
    n = 0
    for i in range(N_CHUNKS):
        p = ck.chunk_path(out, i)
        if p.exists():
            ck.read_chunk(p, start=i * CHUNK, stop=(i + 1) * CHUNK, spec_hash=spec_hash, n_nuisances=2)
            n += 1
    return n


WAIT = 120  # s: deadline of every wait on a scan subprocess (generous: the machine may be loaded)


def _spawn(code: str, moddir: Path, stderr: Path) -> subprocess.Popen:
    """Start ``code`` in a new interpreter; its stderr goes to a file, not a pipe (loky workers and resource
    trackers inherit it, so a pipe would reach EOF only when the last of them exits, and could fill up)."""
    pre = f"import sys; sys.path.insert(0, {str(moddir)!r})\n"
    with open(stderr, "wb") as err:
        return subprocess.Popen([sys.executable, "-c", pre + textwrap.dedent(code)], stderr=err)


def _workers(proc) -> list[psutil.Process]:
    """The processes ``proc`` started, less the resource trackers (left alone: once the workers are gone they
    exit on their own and clean up the semaphores)."""
    try:
        kids = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    out = []
    for k in kids:
        with contextlib.suppress(psutil.Error):
            if not any("resource_tracker" in a for a in k.cmdline()):
                out.append(k)
    return out


def _gone(procs, timeout: float = WAIT) -> bool:
    """Wait until none of ``procs`` runs (a zombie has stopped running); False at the deadline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = []
        for p in procs:
            with contextlib.suppress(psutil.Error):
                if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                    alive.append(p)
        if not alive:
            return True
        time.sleep(0.02)
    return False


def _kill_all(proc, workers=()) -> None:
    """Cleanup: SIGKILL ``proc`` and its workers (those listed now and ``workers``), and wait until they are gone."""
    victims = list(workers)
    if proc.poll() is None:
        with contextlib.suppress(OSError):
            os.kill(proc.pid, signal.SIGSTOP)  # it cannot start another worker while they are listed
        victims += _workers(proc)
        proc.kill()
        proc.wait(WAIT)
    for w in victims:
        with contextlib.suppress(psutil.Error):
            w.kill()
    _gone(victims)


def _own_lines(err: str) -> list[str]:
    """The lines of a scan's stderr, less the warnings of loky's resource tracker: a process of its own that
    shares the stream and may report semaphores of the stopped workers (already unlinked: harmless) after the
    scan process wrote its last line."""
    lines, in_warning = [], False
    for ln in err.strip().splitlines():
        if "UserWarning: resource_tracker" in ln:
            in_warning = True
        elif not (in_warning and ln.startswith("  ")):  # (the warning's second line: its source line)
            in_warning = False
            lines.append(ln)
    return lines


def _wait_chunks(proc, out: Path, at_least: int, stderr: Path) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if proc.poll() is not None:  # (checked first: a scan that ended is an error, whatever it left on disk)
            raise AssertionError(f"scan ended early (exit {proc.returncode}): {stderr.read_text()}")
        if n_chunks(out) >= at_least:
            return
        time.sleep(0.01)
    raise AssertionError(f"scan too slow: {n_chunks(out)} of {at_least} chunks after {WAIT} s")


def test_sigkill_at_three_random_points_then_resume_is_identical(toy, reference, tmp_path):
    mod, moddir = toy
    out = tmp_path / "killed"
    rng = random.Random(int(os.environ.get("CEVNS_FAULT_SEED", "8")))
    points = sorted(rng.sample(range(3, N_CHUNKS - 4), 3))
    for target in points:
        # chunks from target + 2 on never finish: the scan is still running when it is killed
        code = f"""
            from faulttoy import SlowToy
            from cevns.grids import Axis
            from cevns.scanner.scan import run_scan
            axes = [Axis("x", -2.0, 2.0, 40), Axis("y", 0.1, 10.0, 50, "log")]
            run_scan(SlowToy(0.03, gate={target + 2}), axes, output={str(out)!r}, chunk_size={CHUNK}, n_jobs=2,
                     progress=False)
        """
        proc, workers = _spawn(code, moddir, tmp_path / "stderr"), []
        try:
            _wait_chunks(proc, out, target, tmp_path / "stderr")
            time.sleep(rng.uniform(0, 0.03))  # somewhere inside the next chunk
            os.kill(proc.pid, signal.SIGSTOP)  # (list its workers before it can start another)
            workers = _workers(proc)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(WAIT)
            # The orphaned loky workers go on with the chunks they hold (and would idle for minutes): they are
            # SIGKILLed a random moment later, wherever they are, even inside a chunk write. Once they are gone
            # the folder can no longer change, so what is counted below is what the resume finds.
            time.sleep(rng.uniform(0, 0.05))
            for w in workers:
                with contextlib.suppress(psutil.Error):
                    w.kill()
            assert _gone(workers), "the killed scan's workers still run"
        finally:
            _kill_all(proc, workers)
        assert proc.returncode == -signal.SIGKILL
        assert not (out / "result.npz").exists()
        assert verify_all_present(out, reference.spec_hash) == n_chunks(out) >= target
    before = n_chunks(out)
    resumed = run_scan(mod.SlowToy(), AXES, output=out, chunk_size=CHUNK, resume=True, progress=False)
    # SIGKILL loses at most the chunks in flight: everything on disk was reused
    assert resumed.metadata["timings"]["evaluated_this_run"] == (N_CHUNKS - before) * CHUNK
    same(resumed, reference)


def test_sigterm_stops_cleanly_exit_143_then_resume_is_identical(toy, reference, tmp_path, monkeypatch):
    mod, moddir = toy
    out = tmp_path / "termed"
    scan = tmp_path / "toy.toml"
    scan.write_text(textwrap.dedent(f"""
        [scan]
        experiments = "toy"
        output = {str(out)!r}
        chunk_size = {CHUNK}
        [[scan.axes]]
        name = "x"
        min = -2.0
        max = 2.0
        points = 40
        [[scan.axes]]
        name = "y"
        min = 0.1
        max = 10.0
        points = 50
        spacing = "log"
    """))
    # chunks from 10 on never finish: the scan is still running when SIGTERM comes
    code = f"""
        import sys
        from faulttoy import SlowToy
        from cevns.scanner import registry, scan
        registry.validate = lambda spec: None
        scan.make_likelihood_for = lambda spec: SlowToy(0.03, gate=10)
        from cevns.scanner.cli import main
        sys.exit(main(["scan", {str(scan)!r}, "--quiet", "--n-jobs", "2"]))
    """
    stderr = tmp_path / "stderr"
    proc, workers = _spawn(code, moddir, stderr), []
    try:
        _wait_chunks(proc, out, 8, stderr)
        workers = _workers(proc)  # (all started: they wrote the chunks)
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(WAIT)
        # the scan stops its workers: none is left to write a chunk after the exit
        assert _gone(workers), "workers still run after the scan exited"
    finally:
        _kill_all(proc, workers)
    err = stderr.read_text()
    assert proc.returncode == 143, err
    assert _own_lines(err)[-1] == "cevns: interrupted; resume with --resume", err
    assert not (out / "result.npz").exists()
    spec_hash = ck.read_manifest(out)["spec_hash"]
    done = verify_all_present(out, spec_hash)
    assert 8 <= done < N_CHUNKS
    with ck.output_lock(out):  # the lock was released
        pass
    from cevns.scanner import scan as scan_mod
    from cevns.scanner.scanfile import load_scan_file

    monkeypatch.setattr(scan_mod, "make_likelihood_for", lambda spec: mod.SlowToy())
    resumed = run_scan(load_scan_file(scan, check_registry=False), resume=True, progress=False)
    assert resumed.metadata["timings"]["evaluated_this_run"] == (N_CHUNKS - done) * CHUNK
    same(resumed, reference)


def test_signal_handlers_are_restored(toy):
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    run_scan(toy[0].SlowToy(), AXES, chunk_size=500, progress=False)
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before


def test_disk_full_while_writing_a_chunk_keeps_previous_state(toy, reference, tmp_path, monkeypatch):
    out = tmp_path / "full"
    real, calls = ck._write_npz, [0]

    def writer(f, **arrays):
        calls[0] += 1
        if calls[0] > 5:
            f.write(b"partial bytes")
            raise OSError(errno.ENOSPC, "No space left on device")
        real(f, **arrays)

    monkeypatch.setattr(ck, "_write_npz", writer)
    with pytest.raises(OutputError) as info:
        run_scan(toy[0].SlowToy(), AXES, output=out, chunk_size=CHUNK, progress=False)
    msg = str(info.value)
    assert "disk full" in msg and "chunk_000005.npz" in msg and "\n" not in msg
    assert verify_all_present(out, reference.spec_hash) == 5  # the five written before are intact
    assert not list((out / "chunks").glob(".*tmp"))  # no partial file left
    assert ck.read_manifest(out)["spec_hash"] == reference.spec_hash
    monkeypatch.setattr(ck, "_write_npz", real)
    resumed = run_scan(toy[0].SlowToy(), AXES, output=out, chunk_size=CHUNK, progress=False)
    assert resumed.metadata["timings"]["evaluated_this_run"] == (N_CHUNKS - 5) * CHUNK
    same(resumed, reference)


def test_disk_full_while_writing_the_result_keeps_chunks_and_old_result(toy, reference, tmp_path, monkeypatch):
    out = tmp_path / "full2"
    first = run_scan(toy[0].SlowToy(), AXES, output=out, chunk_size=CHUNK, progress=False)
    old_bytes = (out / "result.npz").read_bytes()
    del first
    (out / "result.npz").write_bytes(old_bytes[:-100])  # damaged: the rerun must assemble it again
    real = results_mod.NpzStreamWriter.stream

    def stream(self, name, *a, **k):
        if name == "eta":
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, name, *a, **k)

    monkeypatch.setattr(results_mod.NpzStreamWriter, "stream", stream)
    with pytest.raises(OutputError, match="disk full"):
        run_scan(toy[0].SlowToy(), AXES, output=out, chunk_size=CHUNK, progress=False)
    assert verify_all_present(out, reference.spec_hash) == N_CHUNKS
    assert not list(out.glob(".*tmp"))
    monkeypatch.setattr(results_mod.NpzStreamWriter, "stream", real)
    again = run_scan(toy[0].SlowToy(), AXES, output=out, chunk_size=CHUNK, progress=False)
    assert again.metadata["timings"]["evaluated_this_run"] == 0
    same(again, reference)
    assert results_mod.verify_result(out / "result.npz") is True


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_worker_that_raises_once_is_retried_and_result_identical(toy, reference, tmp_path, n_jobs, caplog):
    marker = tmp_path / "raised"
    lik = toy[0].Flaky(str(marker))
    with caplog.at_level(logging.WARNING, logger="cevns"):
        r = run_scan(lik, AXES, output=tmp_path / "o", chunk_size=CHUNK, n_jobs=n_jobs, progress=False)
    assert marker.exists()  # it did fail once
    same(r, reference)
    if n_jobs == 1:
        assert any("retrying once" in m and "chunk 15" in m for m in caplog.messages)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_worker_that_always_raises_is_reported_in_one_line(toy, tmp_path, n_jobs):
    lik = toy[0].Flaky(str(tmp_path / "m"), always=True)
    with pytest.raises(WorkerError) as info:
        run_scan(lik, AXES, output=tmp_path / "o", chunk_size=CHUNK, n_jobs=n_jobs, progress=False)
    msg = str(info.value)
    assert "\n" not in msg and "chunk 15" in msg and "failed twice" in msg and "ValueError" in msg


def test_always_raising_worker_from_the_cli_exit_2_one_line(toy, tmp_path, monkeypatch, capsys):
    from cevns.scanner import registry, scan
    from cevns.scanner.cli import main

    f = tmp_path / "t.toml"
    f.write_text('[scan]\nexperiments = "toy"\noutput = "o"\nchunk_size = 50\n'
                 '[[scan.axes]]\nname = "x"\nmin = -2.0\nmax = 2.0\npoints = 40\n'
                 '[[scan.axes]]\nname = "y"\nmin = 0.1\nmax = 10.0\npoints = 50\nspacing = "log"\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(registry, "validate", lambda spec: None)
    monkeypatch.setattr(scan, "make_likelihood_for", lambda spec: toy[0].Flaky(str(tmp_path / "m"), always=True))
    assert main(["scan", str(f), "--quiet"]) == 2
    err = [ln for ln in capsys.readouterr().err.splitlines() if "cevns: error" in ln]
    assert len(err) == 1 and "failed twice" in err[0]


def test_worker_process_that_dies_once_is_retried(toy, reference, tmp_path, caplog):
    marker = tmp_path / "died"
    lik = toy[0].Flaky(str(marker), mode="die")
    with caplog.at_level(logging.WARNING, logger="cevns"):
        r = run_scan(lik, AXES, output=tmp_path / "o", chunk_size=CHUNK, n_jobs=2, progress=False)
    assert marker.exists()
    assert any("worker process died" in m for m in caplog.messages)
    same(r, reference)


def test_worker_process_that_always_dies_is_reported(toy, tmp_path):
    lik = toy[0].Flaky(str(tmp_path / "m"), mode="die", always=True)
    with pytest.raises(WorkerError, match="died twice") as info:
        run_scan(lik, AXES, output=tmp_path / "o", chunk_size=CHUNK, n_jobs=2, progress=False)
    assert "\n" not in str(info.value)


class _Unconverged(Likelihood):
    """Reports profiler status 1 where x > 1.5 (like kernels/likelihood.py profile_into's iteration limit)."""

    names = ("x", "y")
    nuisance_names = ("a",)

    def fingerprint(self):
        return "unconverged-1"

    def evaluate(self, p):
        self.last_status = (p[:, 0] > 1.5).astype(np.int64)
        return p[:, 0] ** 2 + p[:, 1] ** 2, p[:, :1] * 0


@pytest.mark.parametrize("adaptive", [False, True])
def test_non_convergence_is_counted_and_warned(tmp_path, caplog, adaptive):
    axes = [Axis("x", -2.0, 2.0, 41), Axis("y", -1.0, 1.0, 21)]
    with caplog.at_level(logging.WARNING, logger="cevns"):
        r = run_scan(_Unconverged(), axes, output=tmp_path / "o", chunk_size=100, progress=False,
                     adaptive=adaptive)
    xs = axes[0].values
    if adaptive:
        assert 0 < r.metadata["n_unconverged"] <= int((xs > 1.5).sum()) * 21
    else:
        assert r.metadata["n_unconverged"] == int((xs > 1.5).sum()) * 21
        first = int(np.flatnonzero(xs > 1.5)[0]) * 21
        assert r.metadata["unconverged_points"][0] == first
    assert any("did not converge" in m for m in caplog.messages)
    if not adaptive:  # resumed from the checkpoints: the same count
        (tmp_path / "o" / "result.npz").unlink()
        again = run_scan(_Unconverged(), axes, output=tmp_path / "o", chunk_size=100, progress=False)
        assert again.metadata["n_unconverged"] == r.metadata["n_unconverged"]
        assert again.metadata["timings"]["evaluated_this_run"] == 0


def test_results_and_checkpoints_carry_checksums_and_scan_file_hash(tmp_path):
    import hashlib
    import json

    from cevns.scanner.scanfile import parse_scan_text

    text = ('[scan]\nexperiments = "toy"\noutput = "o"\n[[scan.axes]]\nname = "x"\nmin = -2.0\nmax = 2.0\n'
            'points = 5\n[[scan.axes]]\nname = "y"\nmin = -1.0\nmax = 1.0\npoints = 5\n')
    spec = parse_scan_text(text, check_registry=False)
    from cevns.scanner import scan as scan_mod

    orig = scan_mod.make_likelihood_for
    scan_mod.make_likelihood_for = lambda s: _Unconverged()
    try:
        r = run_scan(spec, output=tmp_path / "o", progress=False)
    finally:
        scan_mod.make_likelihood_for = orig
    sha = hashlib.sha256(text.encode()).hexdigest()
    assert r.metadata["scan_file_sha256"] == sha
    assert json.loads((tmp_path / "o" / "scan.json").read_text())["scan_file_sha256"] == sha
    assert results_mod.verify_result(r.path) is True
    p = Path(r.path)
    b = bytearray(p.read_bytes())
    i = b.find(b"\x93NUMPY", b.find(b"chi2.npy")) + 140
    b[i] ^= 0x01
    p.write_bytes(bytes(b))
    assert results_mod.verify_result(p) is False
    with pytest.raises(OutputError, match="checksum"):
        results_mod.load_result(p)


class _SelfInterrupting(Likelihood):
    """Sends SIGINT to its own process while evaluating chunk ``at`` (in-process: n_jobs = 1)."""

    names = ("x", "y")
    nuisance_names = ("a",)

    def __init__(self, at):
        self.at, self.calls = at, 0

    def fingerprint(self):
        return "self-interrupting"

    def evaluate(self, p):
        self.calls += 1
        if self.calls == self.at + 1:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.5)  # the handler raises here
        return p[:, 0] ** 2 + p[:, 1] ** 2, p[:, :1] * 0


def test_sigint_in_process_stops_after_finished_chunks_and_cli_exits_130(tmp_path, monkeypatch, capsys):
    from cevns.scanner import registry, scan
    from cevns.scanner.cli import main
    from cevns.scanner.scan import ScanInterrupted

    axes = [Axis("x", -2.0, 2.0, 40), Axis("y", -1.0, 1.0, 50)]
    out = tmp_path / "o"
    with pytest.raises(ScanInterrupted) as info:
        run_scan(_SelfInterrupting(5), axes, output=out, chunk_size=CHUNK, progress=False)
    assert info.value.signum == signal.SIGINT
    assert n_chunks(out) == 5 and not list((out / "chunks").glob(".*tmp"))
    f = tmp_path / "t.toml"
    f.write_text('[scan]\nexperiments = "toy"\noutput = "c"\nchunk_size = 50\n'
                 '[[scan.axes]]\nname = "x"\nmin = -2.0\nmax = 2.0\npoints = 40\n'
                 '[[scan.axes]]\nname = "y"\nmin = -1.0\nmax = 1.0\npoints = 50\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(registry, "validate", lambda spec: None)
    monkeypatch.setattr(scan, "make_likelihood_for", lambda spec: _SelfInterrupting(3))
    assert main(["scan", str(f), "--quiet"]) == 130
    assert capsys.readouterr().err.strip().splitlines()[-1] == "cevns: interrupted; resume with --resume"


def test_fit_raises_fit_error_when_profiling_does_not_converge(monkeypatch):
    from cevns.scanner import fit as fit_mod
    from cevns.scanner.errors import FitError

    class NoConv(Likelihood):
        names = ("sin2w",)
        nuisance_names = ("a",)

        def evaluate(self, p):
            self.last_status = np.ones(len(p), dtype=np.int64)
            return (p[:, 0] - 0.23) ** 2 * 1e3, p * 0

    monkeypatch.setattr(fit_mod, "make_likelihood", lambda *a, **k: NoConv())
    with pytest.raises(FitError, match="did not converge"):
        fit_mod.fit("coherent-csi-2021", ["sin2w"])
