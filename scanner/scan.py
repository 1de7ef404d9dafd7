"""The scan runner: a grid cut into chunks, evaluated in parallel (joblib loky or dask), checkpointed,
assembled.

Entry point: :func:`run_scan`. Every point's χ² depends only on its own coordinates (the likelihood must
evaluate rows independently; nothing is warm-started across points), chunks are written as verified,
atomic checkpoints, and the result is assembled from them in flat-index order, so the result is identical
bit for bit whatever ``n_jobs``, backend, chunk size or number of interruptions.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import importlib.util
import inspect
import json
import logging
import math
import os
import pickle
import platform
import shutil
import signal
import sys
import threading
import time
import zipfile
from collections.abc import Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cevns.grids.axes import Axis
from cevns.grids.chunks import default_chunk_size, make_chunks
from cevns.grids.grid import Grid
from cevns.scanner import checkpoint as ck
from cevns.scanner.errors import CevnsError, ConfigError, FitError, OutputError
from cevns.scanner.results import (
    RESULT_NAME,
    NpzStreamWriter,
    ScanResult,
    axes_arrays,
    load_result,
    result_checksum,
    verify_result,
    write_result,
)
from cevns.scanner.scanfile import ScanSpec, canonical_hash, load_scan_file

log = logging.getLogger(__name__)

BACKENDS = ("loky", "dask")
ADAPTIVE_DIR = "adaptive"
MAX_LISTED = 20  # non-converged points listed by flat index in the metadata


class ScanInterrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived during :func:`run_scan`: the finished chunks are on disk, the workers were
    stopped; rerunning the scan (``--resume``) continues. ``signum`` gives the CLI its exit status 128 + n."""

    def __init__(self, signum: int):
        super().__init__(f"interrupted by signal {int(signum)}")
        self.signum = int(signum)


class WorkerError(CevnsError, RuntimeError):
    """A chunk failed twice (the likelihood raised, or its worker process died); finished chunks are kept."""


@contextlib.contextmanager
def _stop_on_signals():
    """For the duration of a scan, SIGINT and SIGTERM raise :class:`ScanInterrupted` in the main thread (joblib
    then terminates the workers; atomic writes leave no partial file); the previous handlers come back after."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise ScanInterrupted(signum)

    old = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(ValueError, OSError):
            old[sig] = signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, h in old.items():
            signal.signal(sig, h)


def _one_line(e: BaseException) -> str:
    return " ".join(f"{type(e).__name__}: {e}".split())


# ----------------------------------------------------------------------------------------------- resolving


@dataclass
class _Plan:
    likelihood: object
    grid: Grid
    spec: ScanSpec | None
    spec_hash: str
    canonical: dict
    output: Path | None
    cl: tuple[float, ...]
    text: str | None
    chunk_size: int | None


def likelihood_fingerprint(likelihood) -> str:
    """``likelihood.fingerprint()`` when it has one, else the sha256 of its pickle."""
    fp = getattr(likelihood, "fingerprint", None)
    if callable(fp):
        return str(fp())
    return hashlib.sha256(pickle.dumps(likelihood, protocol=4)).hexdigest()


def make_likelihood_for(spec: ScanSpec):
    """Build the likelihood of ``spec`` through ``cevns.scanner.registry.make_likelihood``."""
    try:
        from cevns.scanner import registry
        from cevns.scanner.registry import make_likelihood
    except ImportError as e:
        raise ConfigError(f"cannot build likelihoods: cevns.scanner.registry unavailable ({e})") from None
    kwargs = {"model": spec.model, "fixed": spec.fixed_dict, "names": spec.names}
    params = inspect.signature(make_likelihood).parameters
    if "nuisances" in params or any(p.kind is p.VAR_KEYWORD for p in params.values()):
        kwargs["nuisances"] = spec.nuisances
    elif spec.nuisances != "profiled":
        raise ConfigError(
            f"[scan] nuisances = {spec.nuisances!r} is not supported by this registry "
            "(make_likelihood has no nuisances option)"
        )
    check_axes = getattr(registry, "check_axes", None)
    if callable(check_axes):
        check_axes(spec.axes)  # axis ends inside each parameter's domain (a file's hook did this already)
    lik = make_likelihood(spec.experiments, **kwargs)
    _check_likelihood(lik, spec.names)
    return lik


def _check_likelihood(lik, names) -> None:
    if not callable(getattr(lik, "evaluate", None)):
        raise ConfigError(f"{lik!r} is not a likelihood (no evaluate method)")
    if tuple(getattr(lik, "names", ())) != tuple(names):
        raise ConfigError(
            f"likelihood parameters {list(getattr(lik, 'names', ()))} differ from the scan axes "
            f"{list(names)} (same names, same order)"
        )


def _resolve(target, axes, output, cl, chunk_size) -> _Plan:
    if isinstance(target, (str, os.PathLike)):
        target = load_scan_file(target)
    if isinstance(target, ScanSpec):
        spec = target
        if axes is not None:
            raise ConfigError("axes come from the scan spec; do not pass axes as well")
        lik = make_likelihood_for(spec)
        out = Path(output if output is not None else spec.output)
        return _Plan(
            lik,
            spec.grid,
            spec,
            spec.hash,
            spec.canonical(),
            out,
            tuple(cl) if cl is not None else spec.cl,
            spec.text or spec.to_toml(),
            chunk_size if chunk_size is not None else spec.chunk_size,
        )
    lik = target
    if axes is None:
        raise ConfigError("run_scan(likelihood, axes, ...): axes are required with a likelihood")
    grid = (
        axes
        if isinstance(axes, Grid)
        else Grid([a if isinstance(a, Axis) else Axis.from_dict(a) for a in axes])
    )
    _check_likelihood(lik, grid.names)
    canonical = {
        "format": 1,
        "likelihood": f"{type(lik).__module__}.{type(lik).__qualname__}",
        "fingerprint": likelihood_fingerprint(lik),
        "nuisance_names": list(getattr(lik, "nuisance_names", ())),
        "axes": grid.to_dict(),
    }
    cls = tuple(cl) if cl is not None else (0.9,)
    return _Plan(
        lik,
        grid,
        None,
        canonical_hash(canonical),
        canonical,
        None if output is None else Path(output),
        cls,
        None,
        chunk_size,
    )


# ----------------------------------------------------------------------------------------------- workers


def _limit_threads():
    """One thread for numba (and BLAS when threadpoolctl is there) while a chunk runs; returns a restorer."""
    restore = []
    try:
        import numba

        prev = numba.get_num_threads()
        numba.set_num_threads(1)
        restore.append(lambda: numba.set_num_threads(prev))
    except (ImportError, RuntimeError, ValueError) as e:  # numba missing or not initialisable
        log.debug("numba threads not limited: %s", e)
    if importlib.util.find_spec("threadpoolctl") is not None:
        from threadpoolctl import threadpool_limits

        lim = threadpool_limits(1)
        restore.append(lim.restore_original_limits)
    return restore


def _status(likelihood, n: int) -> np.ndarray:
    """The profiler's per-point status after an evaluate (0: converged), int8 (n,); zeros when not reported."""
    st = getattr(likelihood, "last_status", None)
    if st is None:
        return np.zeros(n, dtype=np.int8)
    st = np.asarray(st).reshape(-1)
    if st.size == n:
        return (st != 0).astype(np.int8)
    if st.size == 1:
        return np.full(n, int(st[0] != 0), dtype=np.int8)
    return np.zeros(n, dtype=np.int8)


def _evaluate_retry(likelihood, pts, tid: int, what: str):
    """``likelihood.evaluate(pts)``, retried once when it raises; a second failure is a WorkerError."""
    for attempt in (1, 2):
        try:
            t0 = time.perf_counter()
            chi2, eta = likelihood.evaluate(pts)
            return chi2, eta, _status(likelihood, len(pts)), time.perf_counter() - t0
        except CevnsError:
            raise
        except Exception as e:
            if attempt == 2:
                raise WorkerError(f"chunk {tid} ({what}) failed twice: {_one_line(e)}") from None
            log.warning("chunk %d (%s) failed (%s); retrying once", tid, what, _one_line(e))
    raise AssertionError("unreachable")


def _task(likelihood, grid: Grid, tid: int, start: int, stop: int, flat=None):
    """Evaluate one chunk (flat indices start…stop−1, or the given ``flat`` indices); returns
    ``(tid, chi2, eta, seconds, status)``."""
    restore = _limit_threads()
    try:
        pts = grid.points(start, stop) if flat is None else grid.points_at(flat)
        what = f"points {start}…{stop - 1}" if flat is None else f"{len(pts)} points"
        chi2, eta, status, dt = _evaluate_retry(likelihood, pts, tid, what)
    finally:
        for r in reversed(restore):
            r()
    n = len(pts)
    chi2 = np.ascontiguousarray(np.asarray(chi2, dtype=np.float64).reshape(-1))
    eta = np.asarray(eta, dtype=np.float64)
    eta = np.ascontiguousarray(eta.reshape(n, -1) if eta.ndim != 2 else eta)
    if chi2.shape != (n,) or eta.shape[0] != n:
        raise FitError(f"likelihood returned chi2 {chi2.shape} and eta {eta.shape} for {n} points")
    return tid, chi2, eta, dt, status


def _dask_client(scheduler, n_jobs):
    try:
        import distributed
    except ImportError:
        raise ConfigError("backend 'dask' needs dask.distributed: pip install 'dask[distributed]'") from None
    if scheduler is not None and isinstance(scheduler, distributed.Client):
        return scheduler, []
    if scheduler is None:
        n = n_jobs if n_jobs and n_jobs > 0 else (os.cpu_count() or 1)
        cluster = distributed.LocalCluster(
            n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = distributed.Client(cluster)
        return client, [client, cluster]
    try:
        client = distributed.Client(scheduler, timeout=30)
    except OSError as e:
        raise OutputError(f"cannot reach the dask scheduler {scheduler!r}: {e}") from None
    return client, [client]


def _task_to_disk(likelihood, grid: Grid, tid: int, start: int, stop: int, output, spec_hash: str, k: int):
    """Evaluate a chunk and write its checkpoint in the worker (loky: same machine, same file system), so
    that a likelihood much faster than the parent's writes cannot pile results up in the parent."""
    tid, chi2, eta, dt, status = _task(likelihood, grid, tid, start, stop)
    if eta.shape[1] != k:
        raise FitError(f"likelihood returned {eta.shape[1]} nuisances, nuisance_names has {k}")
    ck.write_chunk(Path(output), tid, start, stop, chi2, eta, spec_hash, status)
    return tid, None, None, dt, None


def _execute(tasks, likelihood, grid, n_jobs: int, backend: str, scheduler, to_disk=None):
    """Yield ``(tid, chi2, eta, seconds, status)`` as tasks finish (any order). ``tasks``: (tid, start, stop,
    flat). With ``to_disk = (output, spec_hash, k)`` loky workers write the chunk checkpoints themselves and
    yield ``(tid, None, None, seconds, None)``."""
    if backend == "loky" and n_jobs == 1:
        for t in tasks:
            yield _task(likelihood, grid, *t)
        return
    from joblib import Parallel, delayed, parallel_config

    if backend == "loky" and to_disk is not None:
        calls = (delayed(_task_to_disk)(likelihood, grid, *t[:3], *to_disk) for t in tasks)
    else:
        calls = (delayed(_task)(likelihood, grid, *t) for t in tasks)
    if backend == "loky":
        with parallel_config(backend="loky", inner_max_num_threads=1):
            yield from Parallel(n_jobs=n_jobs, return_as="generator_unordered", batch_size=1)(calls)
        return
    client, closers = _dask_client(scheduler, n_jobs)
    try:
        with parallel_config(backend="dask", client=client, scatter=[likelihood, grid]):
            jobs = n_jobs if n_jobs and n_jobs > 1 else -1
            yield from Parallel(n_jobs=jobs, return_as="generator_unordered", batch_size=1)(calls)
    finally:
        for c in closers:
            with contextlib.suppress(Exception):
                c.close()


# ----------------------------------------------------------------------------------------------- progress


def _fmt_time(s: float) -> str:
    if not math.isfinite(s):
        return "?"
    s = round(s)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


class Progress:
    """Points done, rate and time left: an updating one-line bar on a terminal, log lines (every 5 % or
    10 s) otherwise."""

    def __init__(self, total: int, done: int = 0, *, enabled: bool = True, stream=None, label: str = "scan"):
        self.total, self.done, self.start_done = total, done, done
        self.enabled = enabled and total > 0
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.label = label
        self.t0 = self.t_last = time.monotonic()
        self.last_frac = done / total if total else 1.0
        self.lines = []  # what was written (non-TTY), for tests

    def _text(self) -> tuple[str, float, float]:
        el = time.monotonic() - self.t0
        rate = (self.done - self.start_done) / el if el > 0 else float("nan")
        left = (self.total - self.done) / rate if rate and rate > 0 else float("inf")
        return (
            (
                f"{self.done}/{self.total} points ({100 * self.done / self.total:5.1f} %), "
                f"{rate:,.0f} points/s, {_fmt_time(left)} left"
            ),
            rate,
            left,
        )

    def update(self, n: int) -> None:
        self.done += n
        if not self.enabled:
            return
        now = time.monotonic()
        frac = self.done / self.total
        if self.tty:
            if now - self.t_last < 0.2 and self.done < self.total:
                return
            text, _, _ = self._text()
            width = 30
            bar = "#" * int(width * frac) + "." * (width - int(width * frac))
            self.stream.write(f"\r{self.label} [{bar}] {text}\x1b[K")
            self.stream.flush()
            self.t_last = now
        elif frac - self.last_frac >= 0.05 or now - self.t_last >= 10 or self.done >= self.total:
            text, _, _ = self._text()
            line = f"{_dt.datetime.now().strftime('%H:%M:%S')} {self.label}: {text}"
            self.lines.append(line)
            self.stream.write(line + "\n")
            self.stream.flush()
            self.t_last, self.last_frac = now, frac

    def close(self) -> None:
        if self.enabled and self.tty:
            self.stream.write("\n")
            self.stream.flush()


# ------------------------------------------------------------------------------------------- output folder


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cevns-scan")
    except PackageNotFoundError:
        return "unknown"


def _result_hash(path: Path) -> tuple[str | None, dict]:
    try:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["metadata"]))
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None, {}
    return meta.get("spec_hash"), meta


def _refuse_foreign(plan: _Plan) -> None:
    """Raise OutputError when ``plan.output`` holds a result or checkpoints of a different scan (read only)."""
    out = plan.output
    result = out / RESULT_NAME
    man = ck.read_manifest(out)
    ours = man is not None and man.get("spec_hash") == plan.spec_hash
    if result.exists():
        h, _ = _result_hash(result)
        if h is None and ours:
            log.warning("%s: unreadable result of this scan; assembling it again", result)
        elif h != plan.spec_hash:
            raise OutputError(
                f"{out}: holds the result of a different scan (spec hash {str(h)[:12]}, this scan "
                f"{plan.spec_hash[:12]}); use --force to replace it, or another output"
            )
    if man is not None and not ours:
        raise OutputError(
            f"{out}: holds checkpoints of a different scan (spec hash "
            f"{str(man.get('spec_hash'))[:12]}, this scan {plan.spec_hash[:12]}); use --force to "
            "discard them, or another output"
        )


def _claim_output(plan: _Plan, force: bool, resume: bool) -> dict | None:
    """Check that ``plan.output`` holds nothing of another scan (or clear it with force); write the manifest.
    Returns the metadata of an existing, intact result of this very scan, else None."""
    out = plan.output
    if not force:
        _refuse_foreign(plan)
    result = out / RESULT_NAME
    existing = None
    if result.exists():
        h, meta = _result_hash(result)
        if h != plan.spec_hash:
            result.unlink()
            log.warning("%s: --force: removed the result of a different scan", out)
        elif verify_result(result) is False:
            log.warning("%s: checksum mismatch (altered or truncated); assembling it again", result)
            result.unlink()
        else:
            existing = meta
    man = ck.read_manifest(out)
    if man is not None and man.get("spec_hash") != plan.spec_hash:
        n = ck.clear_chunks(out)
        shutil.rmtree(out / ADAPTIVE_DIR, ignore_errors=True)
        log.warning("%s: --force: discarded %d checkpoint(s) of a different scan", out, n)
    elif man is None and resume:
        log.info("%s: nothing to resume, starting a new scan", out)
    if man is None or man.get("spec_hash") != plan.spec_hash:
        ck.write_manifest(
            out, plan.spec_hash, plan.canonical,
            {"package_version": _version(), "scan_file_sha256": _text_hash(plan.text)},
        )
    return existing


def _text_hash(text: str | None) -> str | None:
    return None if text is None else hashlib.sha256(text.encode()).hexdigest()


def _metadata(plan: _Plan, **extra) -> dict:
    lik = plan.likelihood
    checksums = None
    if callable(getattr(lik, "data_checksums", None)):
        checksums = lik.data_checksums()
    meta = {
        "package": "cevns-scan",
        "version": _version(),
        "spec_hash": plan.spec_hash,
        "spec": plan.canonical,
        "scan_file": plan.text,
        "scan_file_sha256": _text_hash(plan.text),
        "source": plan.spec.source if plan.spec is not None else None,
        "cl": list(plan.cl),
        "likelihood": f"{type(lik).__module__}.{type(lik).__qualname__}",
        "data_checksums": checksums,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "host": platform.node(),
    }
    meta.update(extra)
    return json.loads(json.dumps(meta, default=str))


# ----------------------------------------------------------------------------------------------- dense scans


def _chunk_reader(output: Path | None, store: dict | None):
    def read(c, key):
        if store is not None:
            return store[c.index][("chi2", "eta", "status").index(key)]
        with np.load(ck.chunk_path(output, c.index), allow_pickle=False) as z:
            if key == "status" and "status" not in z.files:  # checkpoints of older versions
                return np.zeros(c.size, dtype=np.int8)
            return z[key]

    return read


def _convergence(n_bad: int, bad: list, total: int) -> dict:
    """Metadata on the profiler's non-convergence, and one warning line when there is any."""
    if n_bad:
        log.warning(
            "%d of %d points: nuisance profiling did not converge (status != 0; their χ² may be too high); "
            "flat indices %s%s in metadata['unconverged_points']",
            n_bad, total, bad[:5], "…" if n_bad > 5 else "",
        )
    return {"n_unconverged": int(n_bad), "unconverged_points": [int(i) for i in bad[:MAX_LISTED]]}


def _assemble(plan: _Plan, chunks, k: int, read, meta: dict) -> ScanResult:
    """Global minimum, then Δχ² and nuisances, streamed chunk by chunk (to result.npz, or into memory)."""
    best_val, best_flat = math.inf, -1
    n_bad, bad = 0, []
    for c in chunks:
        chi2 = read(c, "chi2")
        if chi2.size and not np.all(np.isnan(chi2)):
            i = int(np.nanargmin(chi2))
            if chi2[i] < best_val:
                best_val, best_flat = float(chi2[i]), c.start + i
        del chi2
        idx = np.flatnonzero(read(c, "status"))
        n_bad += idx.size
        bad.extend((c.start + idx[: MAX_LISTED - len(bad)]).tolist())
    meta = dict(meta, **_convergence(n_bad, bad, plan.grid.size))
    if best_flat < 0:
        raise FitError("every χ² value of the scan is NaN")
    bc = next(c for c in chunks if c.start <= best_flat < c.stop)
    best_eta = np.array(read(bc, "eta")[best_flat - bc.start], dtype=np.float64)
    grid = plan.grid
    best_index = tuple(int(i) for i in np.unravel_index(best_flat, grid.shape))
    best_fit = grid.points_at([best_flat])[0]
    names = tuple(getattr(plan.likelihood, "nuisance_names", ()))
    meta = dict(meta, chi2_min=best_val, best_fit=dict(zip(grid.names, best_fit.tolist())))
    if plan.output is None:
        chi2 = np.concatenate([read(c, "chi2") for c in chunks]).reshape(grid.shape)
        eta = np.concatenate([read(c, "eta") for c in chunks]).reshape(grid.shape + (k,))
        return ScanResult(
            grid.axes,
            chi2,
            chi2 - best_val,
            best_val,
            best_fit,
            best_index,
            eta,
            names,
            best_eta,
            None,
            meta,
            None,
        )
    path = plan.output / RESULT_NAME
    checksum = result_checksum()
    with ck.atomic_file(path) as f:
        w = NpzStreamWriter(f)
        try:
            _write_assembled(w, grid, chunks, k, read, checksum, best_val, names, best_fit, best_index, best_eta,
                             meta)
        except BaseException:
            w.abort()
            raise
    return load_result(path, mmap=True)


def _write_assembled(w, grid, chunks, k, read, checksum, best_val, names, best_fit, best_index, best_eta, meta):
    for key, v in axes_arrays(grid.axes).items():
        w.add(key, v)
    w.stream("chi2", np.float64, grid.shape, checksum.blocks("chi2", (read(c, "chi2") for c in chunks)))
    w.stream("dchi2", np.float64, grid.shape, (read(c, "chi2") - best_val for c in chunks))
    w.stream("eta", np.float64, grid.shape + (k,), checksum.blocks("eta", (read(c, "eta") for c in chunks)))
    w.add("checksum", np.array(checksum.hexdigest()))
    w.add("nuisance_names", np.array(list(names), dtype="U64"))
    w.add("chi2_min", np.float64(best_val))
    w.add("best_fit", best_fit)
    w.add("best_fit_index", np.array(best_index, dtype=np.int64))
    w.add("best_fit_nuisances", best_eta)
    w.add("metadata", np.array(json.dumps(meta, sort_keys=True)))
    w.close()


def _run_dense(plan: _Plan, *, n_jobs, backend, scheduler, progress, t_wall) -> ScanResult:
    grid = plan.grid
    k = len(getattr(plan.likelihood, "nuisance_names", ()))
    workers = n_jobs if n_jobs > 0 else (os.cpu_count() or 1)
    cs = plan.chunk_size or default_chunk_size(grid.size, workers)
    chunks = make_chunks(grid.size, cs)
    out = plan.output
    store = {} if out is None else None
    todo = []
    if out is not None:
        (out / ck.CHUNK_DIR).mkdir(exist_ok=True)
        for stale in (out / ck.CHUNK_DIR).glob(".chunk_*.tmp"):  # left by a killed run
            stale.unlink(missing_ok=True)
        for c in chunks:
            p = ck.chunk_path(out, c.index)
            if not p.exists():
                todo.append(c)
                continue
            try:
                ck.read_chunk(p, start=c.start, stop=c.stop, spec_hash=plan.spec_hash, n_nuisances=k)
            except ck.ChunkInvalid as e:
                log.warning("%s: invalid checkpoint (%s); recomputing chunk %d", p, e, c.index)
                todo.append(c)
        if len(todo) < len(chunks):
            log.info("%s: %d of %d chunks verified and reused", out, len(chunks) - len(todo), len(chunks))
    else:
        todo = list(chunks)
    bar = Progress(grid.size, grid.size - sum(c.size for c in todo), enabled=progress)
    eval_s, n_eval = 0.0, 0
    done: set[int] = set()
    died = 0
    try:
        to_disk = None if out is None else (str(out), plan.spec_hash, k)
        while len(done) < len(todo):
            try:
                for tid, chi2, eta, dt, status in _execute(
                    [(c.index, c.start, c.stop) for c in todo if c.index not in done],
                    plan.likelihood,
                    grid,
                    n_jobs,
                    backend,
                    scheduler,
                    to_disk,
                ):
                    c = chunks[tid]
                    if chi2 is not None:  # (None: the worker wrote the checkpoint)
                        if eta.shape[1] != k:
                            raise FitError(
                                f"likelihood returned {eta.shape[1]} nuisances, nuisance_names has {k}"
                            )
                        if out is None:
                            store[tid] = (chi2, eta, status)
                        else:
                            ck.write_chunk(out, tid, c.start, c.stop, chi2, eta, plan.spec_hash, status)
                    done.add(tid)
                    eval_s += dt
                    n_eval += c.size
                    bar.update(c.size)
            except BrokenProcessPool as e:  # a worker process died (segfault, OOM kill): one more round
                died += 1
                if died > 1:
                    raise WorkerError(
                        f"worker processes died twice ({_one_line(e)}); {len(done)} of {len(todo)} chunks "
                        "finished and saved, rerun to resume"
                    ) from None
                log.warning("a worker process died (%s); retrying the %d unfinished chunk(s) once",
                            _one_line(e), len(todo) - len(done))
    finally:
        bar.close()
    meta = _metadata(
        plan,
        mode="dense",
        n_jobs=n_jobs,
        backend=backend,
        chunk_size=cs,
        n_chunks=len(chunks),
        n_evaluations=grid.size,
        timings={
            "started": _dt.datetime.fromtimestamp(t_wall[0]).isoformat(timespec="seconds"),
            "evaluated_this_run": n_eval,
            "eval_cpu_s": eval_s,
            "wall_s": time.time() - t_wall[0],
            "points_per_s": n_eval / max(time.time() - t_wall[0], 1e-9),
        },
    )
    return _assemble(plan, chunks, k, _chunk_reader(out, store), meta)


# ------------------------------------------------------------------------------------------ adaptive scans


def _adaptive_levels(plan: _Plan, levels, dof) -> list[float]:
    if levels is not None:
        return sorted(float(v) for v in levels)
    from cevns.scanner.contour import contour_levels

    dofs = [plan.grid.ndim] if dof is None else ([dof] if np.ndim(dof) == 0 else list(dof))
    return sorted({float(contour_levels(c, d)) for c in plan.cl for d in dofs})


def _run_adaptive(
    plan: _Plan, *, n_jobs, backend, scheduler, progress, t_wall, levels, dof, coarse_factor
) -> ScanResult:
    from cevns.grids.refine import refine

    grid = plan.grid
    k = len(getattr(plan.likelihood, "nuisance_names", ()))
    levels = _adaptive_levels(plan, levels, dof)
    chi2_all = np.full(grid.size, np.nan)
    eta_all = np.full((grid.size, k), np.nan)
    known = np.zeros(grid.size, dtype=bool)
    status_all = np.zeros(grid.size, dtype=np.int8)
    out = plan.output
    adir = None if out is None else out / ADAPTIVE_DIR
    seq = [0]
    if adir is not None:
        adir.mkdir(exist_ok=True)
        for p in sorted(adir.glob("points_*.npz")):
            try:
                with np.load(p, allow_pickle=False) as z:
                    flat, c2, e = z["flat"], z["chi2"], z["eta"]
                    st = z["status"] if "status" in z.files else None
                    covered = (flat, c2, e) if st is None else (flat, c2, e, st)
                    ok = (
                        str(z["spec_hash"]) == plan.spec_hash
                        and str(z["checksum"]) == ck.array_checksum(*covered)
                        and e.shape == (len(flat), k)
                        and flat.size
                        and flat.max() < grid.size
                    )
            except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
                ok, flat = False, None
                log.warning("%s: unreadable checkpoint (%s); ignored", p, exc)
            if ok:
                chi2_all[flat], eta_all[flat], known[flat] = c2, e, True
                if st is not None:
                    status_all[flat] = st
            elif flat is not None:
                log.warning("%s: invalid checkpoint (spec hash or checksum); ignored", p)
            seq[0] = max(seq[0], int(p.stem.split("_")[1]) + 1)
        if known.any():
            log.info("%s: %d evaluated points verified and reused", adir, int(known.sum()))
    workers = n_jobs if n_jobs > 0 else (os.cpu_count() or 1)
    n_eval = [0]
    eval_s = [0.0]

    def evaluate(flat: np.ndarray) -> np.ndarray:
        new = flat[~known[flat]]
        if new.size:
            cs = plan.chunk_size or default_chunk_size(new.size, workers, min_size=256)
            pieces = [new[i : i + cs] for i in range(0, new.size, cs)]
            bar = Progress(new.size, enabled=progress, label="adaptive")
            try:
                for tid, c2, e, dt, st in _execute(
                    [(i, 0, 0, p) for i, p in enumerate(pieces)],
                    plan.likelihood,
                    grid,
                    n_jobs,
                    backend,
                    scheduler,
                ):
                    p = pieces[tid]
                    if adir is not None:
                        path = adir / f"points_{seq[0]:06d}.npz"
                        seq[0] += 1
                        with ck.atomic_file(path) as f:
                            np.savez(
                                f,
                                flat=p,
                                chi2=c2,
                                eta=e,
                                status=st,
                                spec_hash=np.array(plan.spec_hash),
                                checksum=np.array(ck.array_checksum(p, c2, e, st)),
                            )
                    chi2_all[p], eta_all[p], known[p], status_all[p] = c2, e, True, st
                    n_eval[0] += p.size
                    eval_s[0] += dt
                    bar.update(p.size)
            finally:
                bar.close()
        return chi2_all[flat]

    rr = refine(evaluate, grid.shape, levels, coarse_factor=coarse_factor)
    best_flat = int(np.nanargmin(np.where(rr.evaluated.ravel(), chi2_all, np.nan)))
    best_val = float(chi2_all[best_flat])
    best_index = tuple(int(i) for i in np.unravel_index(best_flat, grid.shape))
    best_fit = grid.points_at([best_flat])[0]
    meta = _metadata(
        plan,
        mode="adaptive",
        n_jobs=n_jobs,
        backend=backend,
        chunk_size=plan.chunk_size,
        n_evaluations=rr.n_evaluations,
        dense_points=grid.size,
        adaptive={
            "levels": levels,
            "coarse_factor": coarse_factor,
            "evaluation_ratio": grid.size / rr.n_evaluations,
            "history": [list(map(int, h)) for h in rr.history],
        },
        chi2_min=best_val,
        best_fit=dict(zip(grid.names, best_fit.tolist())),
        **_convergence(int(np.count_nonzero(status_all)), np.flatnonzero(status_all)[:MAX_LISTED].tolist(),
                       rr.n_evaluations),
        timings={
            "started": _dt.datetime.fromtimestamp(t_wall[0]).isoformat(timespec="seconds"),
            "evaluated_this_run": n_eval[0],
            "eval_cpu_s": eval_s[0],
            "wall_s": time.time() - t_wall[0],
        },
    )
    chi2 = rr.chi2
    res = ScanResult(
        grid.axes,
        chi2,
        chi2 - best_val,
        best_val,
        best_fit,
        best_index,
        eta_all.reshape(grid.shape + (k,)),
        tuple(getattr(plan.likelihood, "nuisance_names", ())),
        eta_all[best_flat].copy(),
        rr.evaluated,
        meta,
        None,
    )
    if out is not None:
        res.path = write_result(out / RESULT_NAME, res)
    return res


# ----------------------------------------------------------------------------------------------- entry point


def run_scan(
    target,
    axes: Sequence[Axis] | Grid | None = None,
    *,
    output=None,
    cl: Sequence[float] | None = None,
    n_jobs: int = 1,
    backend: str = "loky",
    scheduler=None,
    resume: bool = False,
    force: bool = False,
    chunk_size: int | None = None,
    progress: bool = True,
    adaptive: bool = False,
    levels: Sequence[float] | None = None,
    dof: int | Sequence[int] | None = None,
    coarse_factor: int = 8,
) -> ScanResult:
    """Run (or resume) a scan and return its :class:`ScanResult`.

    ``target``: a :class:`ScanSpec`, the path of a scan file, or a likelihood object (then ``axes`` is
    required, ``output`` optional: without it nothing is written and the scan runs in memory).
    ``n_jobs``: worker processes (-1: all cores; with dask: concurrent tasks, -1 = all workers).
    ``backend``: "loky" (this machine) or "dask" (``scheduler``: address "tcp://host:8786", a
    ``distributed.Client``, or None for a LocalCluster of ``n_jobs`` workers).
    Finished chunks in ``output`` are verified and reused (``resume`` only makes it explicit); a folder of a
    different scan is refused unless ``force``. ``adaptive``: refine only around the Δχ² contours of ``cl``
    (``dof`` default: the number of axes; or explicit ``levels``), starting on a lattice ``coarse_factor``
    times coarser.
    """
    if backend not in BACKENDS:
        raise ConfigError(f"backend must be one of {list(BACKENDS)}, got {backend!r}")
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0 or n_jobs < -1:
        raise ConfigError(f"n_jobs must be a positive integer or -1, got {n_jobs!r}")
    if n_jobs == -1 and backend == "loky":
        n_jobs = os.cpu_count() or 1
    if chunk_size is not None and (
        isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1
    ):
        raise ConfigError(f"chunk_size must be a positive integer, got {chunk_size!r}")
    plan = _resolve(target, axes, output, cl, chunk_size)
    if plan.output is not None and not force:
        _refuse_foreign(plan)  # before anything is created or locked
    with _stop_on_signals():
        return _run(plan, adaptive, levels, dof, coarse_factor, force, resume,
                    n_jobs=n_jobs, backend=backend, scheduler=scheduler, progress=progress)


def _run(plan: _Plan, adaptive, levels, dof, coarse_factor, force, resume, **kw) -> ScanResult:
    t_wall = [time.time()]
    kw["t_wall"] = t_wall
    mode = "adaptive" if adaptive else "dense"
    if plan.output is None:
        with _backend_session(kw):
            if adaptive:
                return _run_adaptive(plan, levels=levels, dof=dof, coarse_factor=coarse_factor, **kw)
            return _run_dense(plan, **kw)
    try:
        plan.output.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        why = ck.folder_error(plan.output, e)
        raise OutputError(f"{plan.output}: cannot create the output folder ({why})") from None
    if not os.access(plan.output, os.W_OK | os.X_OK):
        raise OutputError(f"{plan.output}: output folder not writable")
    with ck.output_lock(plan.output):
        existing = _claim_output(plan, force, resume)
        if existing is not None and existing.get("mode") == "dense":
            # every point evaluated: also what an adaptive run asks for, so an interpolated result never replaces it
            log.info("%s: this scan is already complete%s; loading its result", plan.output,
                     " on the dense grid (no refinement needed)" if adaptive else "")
            return load_result(plan.output / RESULT_NAME, mmap=True)
        if (
            existing is not None
            and existing.get("mode") == mode
            and existing.get("adaptive", {}).get("levels") == _adaptive_levels(plan, levels, dof)
        ):
            log.info("%s: this scan is already complete; loading its result", plan.output)
            return load_result(plan.output / RESULT_NAME, mmap=True)
        with _backend_session(kw):
            if adaptive:
                return _run_adaptive(plan, levels=levels, dof=dof, coarse_factor=coarse_factor, **kw)
            return _run_dense(plan, **kw)


@contextlib.contextmanager
def _backend_session(kw: dict):
    """With dask, connect (or start a local cluster) once per scan: adaptive scans submit many rounds."""
    if kw["backend"] != "dask":
        yield
        return
    client, closers = _dask_client(kw["scheduler"], kw["n_jobs"])
    kw["scheduler"] = client
    try:
        yield
    finally:
        for c in closers:
            with contextlib.suppress(Exception):
                c.close()


# ----------------------------------------------------------------------------------------------- benchmarks


def adaptive_vs_dense(
    likelihood,
    axes,
    cl=0.9,
    *,
    dof: int | None = None,
    coarse_factor: int = 8,
    n_jobs: int = 1,
    dense: bool = True,
) -> dict:
    """Adaptive vs dense scan of ``likelihood`` on ``axes`` (in memory): evaluation counts, their ratio and
    (with ``dense``) the relative difference of the contour areas (in index space) at ``cl``."""
    from cevns.scanner.contour import contour_levels, polygon_area, trace_index_space

    grid = axes if isinstance(axes, Grid) else Grid(axes)
    cls = (cl,) if np.ndim(cl) == 0 else tuple(cl)
    ad = run_scan(
        likelihood,
        grid,
        cl=cls,
        n_jobs=n_jobs,
        adaptive=True,
        dof=dof,
        coarse_factor=coarse_factor,
        progress=False,
    )
    out = {
        "dense_evaluations": grid.size,
        "adaptive_evaluations": int(ad.metadata["n_evaluations"]),
        "ratio": grid.size / ad.metadata["n_evaluations"],
    }
    if dense and grid.ndim == 2:
        de = run_scan(likelihood, grid, n_jobs=n_jobs, progress=False)
        diffs = []
        for c in cls:
            lev = contour_levels(c, dof or grid.ndim)
            a_d = sum(polygon_area(x) for x in trace_index_space(de.dchi2, lev))
            a_a = sum(polygon_area(x) for x in trace_index_space(ad.dchi2, lev))
            diffs.append(abs(a_a - a_d) / a_d if a_d else float("nan"))
        out["area_rel_diff"] = max(diffs)
    return out


def adaptive_vs_dense_ratio(likelihood, axes, cl=0.9) -> float:
    """Dense-grid evaluations / adaptive evaluations for ``likelihood`` on ``axes`` (for benchmarks)."""
    return adaptive_vs_dense(likelihood, axes, cl, dense=False)["ratio"]
