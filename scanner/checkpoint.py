"""Checkpoints of a running scan: one verified ``.npz`` file per finished chunk, written atomically.

Layout of an output folder::

    <output>/scan.json              the spec hash and canonical spec of the scan that owns the folder
    <output>/chunks/chunk_<i>.npz   chi2 (n,), eta (n, k), start, stop, spec_hash, checksum, best min/argmin
    <output>/result.npz             the assembled result (see cevns.scanner.results)

A chunk file is written to a temporary file in the same folder, flushed, fsync'ed and moved into place with
``os.replace``, so a crash leaves either the complete file or none. On resume every chunk file is verified
(readable, spec hash, bounds, shapes, sha256 of the array bytes) before it is trusted.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from cevns.scanner.errors import OutputError

MANIFEST = "scan.json"
CHUNK_DIR = "chunks"
LOCK = ".lock"


def raw_bytes(a: np.ndarray):
    """The C-order bytes of a contiguous array without a copy (b"" for an empty one: memoryview cannot cast a shape
    with a zero, e.g. the (n, 0) nuisances of an experiment without nuisances)."""
    return memoryview(a).cast("B") if a.size else b""


def array_checksum(*arrays: np.ndarray) -> str:
    """sha256 over the C-order bytes, dtype and shape of ``arrays``."""
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(f"{a.dtype.str}{a.shape}".encode())
        h.update(raw_bytes(a))
    return h.hexdigest()


def fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_failed(path: Path, e: OSError) -> OutputError:
    what = "disk full" if e.errno == errno.ENOSPC else (e.strerror or str(e))
    return OutputError(f"{path}: cannot write ({what}); nothing was replaced (a previous {path.name}, if any, is "
                       "intact)")


def _file_mode() -> int:
    """Permissions of a new file under the process umask (mkstemp makes 0600 files; results are meant to be shared
    like any file the user writes)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


FILE_MODE = _file_mode()


@contextlib.contextmanager
def atomic_file(path, mode: str = "wb"):
    """Yield a file object on a temporary file beside ``path``; on success fsync it and ``os.replace`` it onto
    ``path``; on failure remove it. An OSError while writing (disk full, permissions) becomes a one-line
    :class:`OutputError`; ``path`` itself is untouched until the new content is complete."""
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as e:
        raise _write_failed(path, e) from None
    try:
        with os.fdopen(fd, mode) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(e, OSError) and not isinstance(e, OutputError):
            raise _write_failed(path, e) from e
        raise
    fsync_dir(path.parent)


def atomic_write_text(path, text: str) -> None:
    with atomic_file(path, "w") as f:
        f.write(text)


def chunk_path(output: Path, index: int) -> Path:
    return Path(output) / CHUNK_DIR / f"chunk_{index:06d}.npz"


def _best(chi2: np.ndarray) -> tuple[float, int]:
    """(min, first argmin) ignoring NaN; (nan, -1) when every value is NaN."""
    if chi2.size == 0 or np.all(np.isnan(chi2)):
        return float("nan"), -1
    i = int(np.nanargmin(chi2))
    return float(chi2[i]), i


def _write_npz(f, **arrays) -> None:
    """The one writer of checkpoint files (tests patch it to simulate a full disk)."""
    np.savez(f, **arrays)


def write_chunk(
    output: Path,
    index: int,
    start: int,
    stop: int,
    chi2: np.ndarray,
    eta: np.ndarray,
    spec_hash: str,
    status: np.ndarray | None = None,
) -> Path:
    """Write the checkpoint of chunk ``index`` (flat indices start … stop−1) atomically. ``status``: the
    profiler's per-point convergence flag (0 converged), stored as int8 and covered by the checksum."""
    chi2 = np.ascontiguousarray(chi2, dtype=np.float64)
    eta = np.ascontiguousarray(eta, dtype=np.float64)
    status = np.zeros(chi2.shape, dtype=np.int8) if status is None else np.ascontiguousarray(status, dtype=np.int8)
    if chi2.shape != (stop - start,) or eta.ndim != 2 or eta.shape[0] != stop - start:
        raise ValueError(
            f"chunk {index}: shapes chi2 {chi2.shape}, eta {eta.shape} do not match {stop - start}"
        )
    mn, arg = _best(chi2)
    path = chunk_path(output, index)
    if status.shape != chi2.shape:
        raise ValueError(f"chunk {index}: status shape {status.shape} differs from chi2 {chi2.shape}")
    with atomic_file(path) as f:
        _write_npz(
            f,
            chi2=chi2,
            eta=eta,
            status=status,
            start=np.int64(start),
            stop=np.int64(stop),
            spec_hash=np.array(spec_hash),
            checksum=np.array(array_checksum(chi2, eta, status)),
            best_min=np.float64(mn),
            best_arg=np.int64(arg),
        )
    return path


class ChunkInvalid(Exception):
    """A chunk file is unreadable or does not match what the scan expects (message says why)."""


def read_chunk(path, *, start: int, stop: int, spec_hash: str, n_nuisances: int | None = None) -> dict:
    """Load and verify a chunk file; raise :class:`ChunkInvalid` naming the problem."""
    try:
        with np.load(path, allow_pickle=False) as z:
            d = {
                k: z[k]
                for k in ("chi2", "eta", "start", "stop", "spec_hash", "checksum", "best_min", "best_arg")
            }
            d["status"] = z["status"] if "status" in z.files else None  # files of older versions: none
    except FileNotFoundError:
        raise
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as e:  # zip/npy damage of any kind
        raise ChunkInvalid(f"unreadable ({type(e).__name__}: {e})") from None
    if str(d["spec_hash"]) != spec_hash:
        raise ChunkInvalid(f"spec hash {str(d['spec_hash'])[:12]}… differs from the scan's {spec_hash[:12]}…")
    if int(d["start"]) != start or int(d["stop"]) != stop:
        raise ChunkInvalid(f"bounds {int(d['start'])}:{int(d['stop'])} differ from expected {start}:{stop}")
    chi2, eta = d["chi2"], d["eta"]
    if chi2.dtype != np.float64 or chi2.shape != (stop - start,) or eta.ndim != 2 or len(eta) != stop - start:
        raise ChunkInvalid(
            f"array shapes chi2 {chi2.shape}, eta {eta.shape} do not match {stop - start} points"
        )
    if n_nuisances is not None and eta.shape[1] != n_nuisances:
        raise ChunkInvalid(f"{eta.shape[1]} nuisances, expected {n_nuisances}")
    status = d["status"]
    if status is not None and (status.dtype != np.int8 or status.shape != chi2.shape):
        raise ChunkInvalid(f"status array {status.dtype} {status.shape} does not match {stop - start} points")
    covered = (chi2, eta) if status is None else (chi2, eta, status)
    if array_checksum(*covered) != str(d["checksum"]):
        raise ChunkInvalid("checksum mismatch (file altered or truncated)")
    if status is None:
        status = np.zeros(chi2.shape, dtype=np.int8)
    return {"chi2": chi2, "eta": eta, "status": status, "best_min": float(d["best_min"]),
            "best_arg": int(d["best_arg"])}


def read_manifest(output: Path) -> dict | None:
    p = Path(output) / MANIFEST
    if not p.exists():
        return None
    try:
        return json.loads(p.read_text())
    except (OSError, ValueError) as e:
        raise OutputError(f"{p}: unreadable scan manifest ({e}); remove it or use --force") from None


def write_manifest(output: Path, spec_hash: str, canonical: dict, extra: dict | None = None) -> None:
    doc = {"spec_hash": spec_hash, "spec": canonical, **(extra or {})}
    atomic_write_text(Path(output) / MANIFEST, json.dumps(doc, indent=1, sort_keys=True) + "\n")


@contextlib.contextmanager
def output_lock(output: Path):
    """An exclusive advisory lock on ``<output>/.lock`` (released automatically if the process dies)."""
    import fcntl

    try:
        f = open(Path(output) / LOCK, "a+")  # noqa: SIM115 (closed below)
    except OSError as e:
        raise OutputError(f"{output}: output folder not writable ({e.strerror or e})") from None
    with f:
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise OutputError(f"{output}: another scan is running in this folder") from None
        yield


def clear_chunks(output: Path) -> int:
    """Remove every chunk file (and stale temporaries) of ``output``; return how many were removed."""
    d = Path(output) / CHUNK_DIR
    n = 0
    if d.is_dir():
        for p in d.iterdir():
            if p.name.startswith("chunk_") or p.name.startswith(".chunk_"):
                p.unlink()
                n += 1
    return n


def folder_error(folder: Path, e: OSError) -> str:
    """Why ``folder`` could not be created, in words: names an existing file in the way (mkdir says only
    'File exists' or 'Not a directory')."""
    for parent in [Path(folder), *Path(folder).parents]:
        if parent.exists():
            if not parent.is_dir():
                return f"{parent} is a file, not a folder"
            break
    return e.strerror or str(e)
