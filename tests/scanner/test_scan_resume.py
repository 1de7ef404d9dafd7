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
import time
import numpy as np
from cevns.scanner.likelihood import Likelihood


class SlowToy(Likelihood):
    names = ("x", "y")
    nuisance_names = ("a", "b")

    def __init__(self, delay=0.0):
        self.delay = delay

    def fingerprint(self):  # the delay does not change a χ² value
        return "slowtoy-1"

    def evaluate(self, p):
        time.sleep(self.delay)
        x, y = p[:, 0], p[:, 1]
        chi2 = np.sin(3 * x) * np.cos(2 * y) + x**2 + np.log(y) ** 2
        return chi2, np.stack([x * y, np.exp(-x)], axis=1)
"""

AXES = [Axis("x", -2.0, 2.0, 40), Axis("y", 0.1, 10.0, 50, "log")]
CHUNK = 50  # 40 chunks


def test_sigkill_then_resume_is_bit_identical(tmp_path):
    (tmp_path / "slowtoy.py").write_text(TOY)
    sys.path.insert(0, str(tmp_path))
    try:
        import slowtoy
    finally:
        sys.path.remove(str(tmp_path))
    out = tmp_path / "killed"
    code = textwrap.dedent(f"""
        import sys; sys.path.insert(0, {str(tmp_path)!r})
        from slowtoy import SlowToy
        from cevns.grids import Axis
        from cevns.scanner.scan import run_scan
        axes = [Axis("x", -2.0, 2.0, 40), Axis("y", 0.1, 10.0, 50, "log")]
        run_scan(SlowToy(0.1), axes, output={str(out)!r}, chunk_size={CHUNK}, progress=False)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE)
    chunks = out / "chunks"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if chunks.is_dir() and len(list(chunks.glob("chunk_*.npz"))) >= 6:
                break
            if proc.poll() is not None:
                raise AssertionError(f"scan ended early: {proc.stderr.read().decode()}")
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stderr.close()
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
