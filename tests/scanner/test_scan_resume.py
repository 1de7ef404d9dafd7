"""Kill a running scan (SIGKILL), resume it, and get the uninterrupted run's result bit for bit."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np

from cevns.grids import Axis
from cevns.scanner import checkpoint as ck
from cevns.scanner.scan import run_scan

TOY = """
import os
import time
import numpy as np
from cevns.scanner.likelihood import Likelihood

X = np.linspace(-2.0, 2.0, 40)


class SlowToy(Likelihood):
    \"\"\"With `gate`, it never finishes chunk `gate` or a later one (chunk i is the row x = X[i]), so a scan is still
    running whenever the test kills it, however loaded the machine.\"\"\"

    names = ("x", "y")
    nuisance_names = ("a", "b")

    def __init__(self, delay=0.0, gate=None):
        self.delay, self.gate = delay, gate

    def fingerprint(self):  # neither the delay nor the gate changes a χ² value
        return "slowtoy-1"

    def evaluate(self, p):
        if self.gate is not None and np.any(p[:, 0] >= X[self.gate]):
            parent, deadline = os.getppid(), time.monotonic() + 600
            while os.getppid() == parent and time.monotonic() < deadline:  # until killed (or the test is gone)
                time.sleep(0.01)
            os._exit(0)
        time.sleep(self.delay)
        x, y = p[:, 0], p[:, 1]
        chi2 = np.sin(3 * x) * np.cos(2 * y) + x**2 + np.log(y) ** 2
        return chi2, np.stack([x * y, np.exp(-x)], axis=1)
"""

AXES = [Axis("x", -2.0, 2.0, 40), Axis("y", 0.1, 10.0, 50, "log")]
CHUNK = 50  # 40 chunks
WAIT = 120  # s: deadline of every wait on the scan subprocess (generous: the machine may be loaded)


def test_sigkill_then_resume_is_bit_identical(tmp_path):
    (tmp_path / "slowtoy.py").write_text(TOY)
    sys.path.insert(0, str(tmp_path))
    try:
        import slowtoy
    finally:
        sys.path.remove(str(tmp_path))
    out = tmp_path / "killed"
    # in-process (n_jobs = 1: no workers outlive the kill); chunks from 8 on never finish, so the scan is still
    # running when it is killed, somewhere in chunk 6 or 7 (evaluating or writing) or blocked at chunk 8
    code = textwrap.dedent(f"""
        import sys; sys.path.insert(0, {str(tmp_path)!r})
        from slowtoy import SlowToy
        from cevns.grids import Axis
        from cevns.scanner.scan import run_scan
        axes = [Axis("x", -2.0, 2.0, 40), Axis("y", 0.1, 10.0, 50, "log")]
        run_scan(SlowToy(0.1, gate=8), axes, output={str(out)!r}, chunk_size={CHUNK}, progress=False)
    """)
    stderr = tmp_path / "stderr"
    with open(stderr, "wb") as err:  # (a file, not a pipe: nothing to drain, no EOF to wait for)
        proc = subprocess.Popen([sys.executable, "-c", code], stderr=err)
    chunks = out / "chunks"
    try:
        deadline = time.monotonic() + WAIT
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"scan ended early (exit {proc.returncode}): {stderr.read_text()}")
            if chunks.is_dir() and len(list(chunks.glob("chunk_*.npz"))) >= 6:
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"scan too slow: fewer than 6 chunks after {WAIT} s")
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(WAIT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(WAIT)
    assert proc.returncode == -signal.SIGKILL
    done = len(list(chunks.glob("chunk_*.npz")))
    assert 6 <= done < 40 and not (out / "result.npz").exists()

    resumed = run_scan(slowtoy.SlowToy(0.0), AXES, output=out, chunk_size=CHUNK, resume=True, progress=False)
    assert resumed.metadata["timings"]["evaluated_this_run"] <= (40 - done) * CHUNK
    assert len(list(chunks.glob("chunk_*.npz"))) == 40
    for i in range(40):
        ck.read_chunk(
            ck.chunk_path(out, i), start=i * CHUNK, stop=(i + 1) * CHUNK, spec_hash=resumed.spec_hash
        )

    whole = run_scan(slowtoy.SlowToy(0.0), AXES, output=tmp_path / "whole", chunk_size=CHUNK, progress=False)
    assert resumed.spec_hash == whole.spec_hash
    for key in ("chi2", "dchi2", "eta"):
        assert np.asarray(getattr(resumed, key)).tobytes() == np.asarray(getattr(whole, key)).tobytes(), key
    assert resumed.chi2_min == whole.chi2_min
    # and the same again when resumed with another chunk size (stale chunks are recomputed)
    (out / "result.npz").unlink()
    again = run_scan(slowtoy.SlowToy(0.0), AXES, output=out, chunk_size=64, progress=False)
    assert np.asarray(again.chi2).tobytes() == np.asarray(whole.chi2).tobytes()
