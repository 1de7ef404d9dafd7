"""Scan results: the :class:`ScanResult` dataclass and its one-file store ``<output>/result.npz``.

``result.npz`` is an uncompressed zip of ``.npy`` members (readable with plain ``np.load``):

=====================  =====================================================================
axis_names, axis_spacing, axis_min, axis_max, axis_points   the axes; ``axis_<i>`` their values
chi2, dchi2            the χ² and Δχ² = χ² − χ²_min grids, shape = grid shape
eta                    best-fit nuisances per point, shape = grid shape + (k,)
nuisance_names         the k nuisance names
chi2_min, best_fit, best_fit_index, best_fit_nuisances      the global minimum
evaluated              (adaptive scans only) bool mask of points actually evaluated
metadata               JSON text: package version, scan file, spec hash, data checksums, timings, …
=====================  =====================================================================

Large arrays are streamed block by block into the zip (:class:`NpzStreamWriter`) so a 256³ result is written
without holding it in memory, and :func:`load_result` can memory-map them (``mmap=True``).
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from cevns.grids.axes import Axis
from cevns.grids.grid import AxesView
from cevns.scanner.checkpoint import atomic_file
from cevns.scanner.errors import OutputError

from .checkpoint import raw_bytes

RESULT_NAME = "result.npz"


@dataclass
class ScanResult(AxesView):
    """A finished scan. ``dchi2 = chi2 − chi2_min``; ``eta[..., j]`` is nuisance ``nuisance_names[j]``."""

    axes: tuple[Axis, ...]
    chi2: np.ndarray
    dchi2: np.ndarray
    chi2_min: float
    best_fit: np.ndarray
    best_fit_index: tuple[int, ...]
    eta: np.ndarray | None = None
    nuisance_names: tuple[str, ...] = ()
    best_fit_nuisances: np.ndarray | None = None
    evaluated: np.ndarray | None = None
    metadata: dict = field(default_factory=dict)
    path: Path | None = None

    @property
    def values(self) -> tuple[np.ndarray, ...]:
        return tuple(a.values for a in self.axes)

    @property
    def best_fit_dict(self) -> dict[str, float]:
        return {n: float(v) for n, v in zip(self.names, self.best_fit)}

    @property
    def spec_hash(self) -> str | None:
        return self.metadata.get("spec_hash")


class NpzStreamWriter:
    """Write ``.npy`` members into an uncompressed zip, whole or streamed in C-order blocks."""

    def __init__(self, fileobj):
        self.zf = zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_STORED, allowZip64=True)

    def add(self, name: str, array) -> None:
        a = np.asanyarray(array)
        with self.zf.open(name + ".npy", "w", force_zip64=True) as f:
            np.lib.format.write_array(f, a, allow_pickle=False)

    def stream(self, name: str, dtype, shape: tuple[int, ...], blocks: Iterable[np.ndarray]) -> None:
        """Write an array of ``shape`` from ``blocks`` whose C-order concatenation is the array."""
        dtype = np.dtype(dtype)
        header = {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False, "shape": tuple(shape)}
        expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        written = 0
        with self.zf.open(name + ".npy", "w", force_zip64=True) as f:
            np.lib.format.write_array_header_2_0(f, header)
            for b in blocks:
                b = np.ascontiguousarray(b, dtype=dtype)
                f.write(raw_bytes(b))
                written += b.nbytes
        if written != expected:
            raise ValueError(f"{name}: streamed {written} bytes, expected {expected}")

    def close(self) -> None:
        self.zf.close()

    def abort(self) -> None:
        """Forget the zip after a failed write (its file is discarded; nothing more is written to it)."""
        self.zf.fp = None


class result_checksum:  # noqa: N801 (used like hashlib's constructors)
    """sha256 over the float64 C-order bytes of ``chi2`` then ``eta`` (the member ``checksum`` of result.npz),
    fed whole (:meth:`update`) or block by block while streaming (:meth:`blocks`)."""

    def __init__(self):
        self.h = hashlib.sha256()

    def update(self, name: str, a) -> None:
        self.h.update(name.encode())
        a = np.ascontiguousarray(a, dtype=np.float64).reshape(-1)
        for i in range(0, a.size, 1 << 22):  # memory-mapped arrays: 32 MB at a time
            self.h.update(raw_bytes(np.ascontiguousarray(a[i : i + (1 << 22)])))

    def blocks(self, name: str, blocks: Iterable[np.ndarray]):
        self.h.update(name.encode())
        for b in blocks:
            b = np.ascontiguousarray(b, dtype=np.float64)
            self.h.update(raw_bytes(b))
            yield b

    def of(self, chi2, eta) -> str:
        self.update("chi2", chi2)
        self.update("eta", eta)
        return self.hexdigest()

    def hexdigest(self) -> str:
        return self.h.hexdigest()


def verify_result(path) -> bool | None:
    """True when ``result.npz`` matches its stored checksum, False when not (altered, truncated, unreadable),
    None for results written before checksums (nothing to compare)."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as z, zipfile.ZipFile(path) as zf:
            if "checksum" not in z.files:
                return None
            arrays = []
            for name in ("chi2", "eta"):
                m = _mmap_member(path, zf, name + ".npy")
                arrays.append(z[name] if m is None else m)
            return result_checksum().of(*arrays) == str(z["checksum"])
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return False


def axes_arrays(axes) -> dict[str, np.ndarray]:
    out = {
        "axis_names": np.array([a.name for a in axes]),
        "axis_spacing": np.array([a.spacing for a in axes]),
        "axis_min": np.array([a.min for a in axes]),
        "axis_max": np.array([a.max for a in axes]),
        "axis_points": np.array([a.points for a in axes], dtype=np.int64),
    }
    for i, a in enumerate(axes):
        out[f"axis_{i}"] = a.values
    return out


def write_result(path, result: ScanResult) -> Path:
    """Write an in-memory :class:`ScanResult` atomically to ``path`` (``.npz``)."""
    path = Path(path)
    with atomic_file(path) as f:
        w = NpzStreamWriter(f)
        try:
            _write_members(w, result)
        except BaseException:
            w.abort()
            raise
    return path


def _write_members(w: NpzStreamWriter, result: ScanResult) -> None:
    for k, v in axes_arrays(result.axes).items():
        w.add(k, v)
    w.add("chi2", result.chi2)
    w.add("dchi2", result.dchi2)
    k = len(result.nuisance_names)
    eta = result.eta if result.eta is not None else np.zeros(result.shape + (k,))
    w.add("eta", eta)
    w.add("checksum", np.array(result_checksum().of(result.chi2, eta)))
    w.add("nuisance_names", np.array(list(result.nuisance_names), dtype="U64"))
    w.add("chi2_min", np.float64(result.chi2_min))
    w.add("best_fit", np.asarray(result.best_fit, dtype=np.float64))
    w.add("best_fit_index", np.asarray(result.best_fit_index, dtype=np.int64))
    bfn = result.best_fit_nuisances if result.best_fit_nuisances is not None else np.zeros(k)
    w.add("best_fit_nuisances", np.asarray(bfn, dtype=np.float64))
    if result.evaluated is not None:
        w.add("evaluated", np.asarray(result.evaluated, dtype=bool))
    w.add("metadata", np.array(json.dumps(result.metadata, sort_keys=True)))
    w.close()


def _mmap_member(path: Path, zf: zipfile.ZipFile, member: str):
    """Memory-map an uncompressed ``.npy`` member of a zip, or return None when that is not possible."""
    info = zf.getinfo(member)
    if info.compress_type != zipfile.ZIP_STORED:
        return None
    with open(path, "rb") as f:
        f.seek(info.header_offset)
        local = f.read(30)
        if local[:4] != b"PK\x03\x04":
            return None
        n_name = int.from_bytes(local[26:28], "little")
        n_extra = int.from_bytes(local[28:30], "little")
        f.seek(info.header_offset + 30 + n_name + n_extra)
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
        else:
            return None
        offset = f.tell()
    if dtype.hasobject or int(np.prod(shape, dtype=np.int64)) == 0:
        return None
    return np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=shape, order="F" if fortran else "C")


def load_result(path, *, mmap: bool = False, nuisances: bool = True, verify: bool | None = None) -> ScanResult:
    """Load ``result.npz`` (or the folder holding it). ``mmap=True`` memory-maps the large grids read-only;
    ``nuisances=False`` skips the (possibly large) nuisance grid. ``verify`` (default: when not ``mmap``)
    checks the stored checksum and raises :class:`OutputError` on a mismatch."""
    path = Path(path)
    if path.is_dir():
        path = path / RESULT_NAME
    if not path.exists():
        raise OutputError(f"{path}: no scan result here")
    if (not mmap if verify is None else verify) and verify_result(path) is False:
        raise OutputError(f"{path}: checksum mismatch or unreadable (file altered or truncated)")
    try:
        with np.load(path, allow_pickle=False) as z:
            keys = set(z.files)

            def get(name, big=False):
                if name not in keys:
                    return None
                if big and mmap:
                    with zipfile.ZipFile(path) as zf:
                        m = _mmap_member(path, zf, name + ".npy")
                    if m is not None:
                        return m
                return z[name]

            n = len(get("axis_names"))
            axes = tuple(
                Axis(
                    str(get("axis_names")[i]),
                    float(get("axis_min")[i]),
                    float(get("axis_max")[i]),
                    int(get("axis_points")[i]),
                    str(get("axis_spacing")[i]),
                )
                for i in range(n)
            )
            return ScanResult(
                axes=axes,
                chi2=get("chi2", True),
                dchi2=get("dchi2", True),
                chi2_min=float(get("chi2_min")),
                best_fit=get("best_fit"),
                best_fit_index=tuple(int(i) for i in get("best_fit_index")),
                eta=get("eta", True) if nuisances else None,
                nuisance_names=tuple(str(s) for s in get("nuisance_names")),
                best_fit_nuisances=get("best_fit_nuisances"),
                evaluated=get("evaluated", True),
                metadata=json.loads(str(get("metadata"))),
                path=path,
            )
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as e:
        if isinstance(e, OutputError):
            raise
        raise OutputError(f"{path}: unreadable scan result ({type(e).__name__}: {e})") from None
