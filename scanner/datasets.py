"""Checksum-verified access to the bundled public data sets.

The data files live in ``scanner/data/<dataset>/`` (installed as ``cevns/scanner/data/<dataset>/``),
one folder per data release, each with a ``PROVENANCE.md`` (source, publication, formats, caveats) and a
``SHA256SUMS`` manifest in ``sha256sum`` format that pins every file of the folder, ``PROVENANCE.md``
included. Every access goes through :func:`data_file`, which checks the file's SHA-256 against the
manifest before handing out its path, so an altered or truncated file can never silently enter a
likelihood.

Alternative data root
---------------------
Setting the environment variable ``CEVNS_DATA`` to a folder makes :func:`data_root` return it, and all
files are then read from ``$CEVNS_DATA/<dataset>/``. Files of a dataset that is bundled with the package
are still verified against the **bundled** manifest, so an alternative root must hold byte-identical
copies (it is meant for relocating the data, e.g. onto a fast local disk, not for changing it); there is
no fallback to the bundled copy when a file is absent there. A dataset that is *not* bundled can be
provided in the alternative root together with its own ``SHA256SUMS`` next to its files; that manifest is
then used.

Verification results are cached per (path, size, modification time in ns), so repeated calls do not
rehash a file; a file rewritten in place with the same size within the file system's timestamp
resolution would not be noticed until the process restarts. Nothing is read at import time.

To change the data deliberately, edit the files and regenerate the manifests with
``python scripts/make_data_manifests.py``.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import os
import re
import threading
from pathlib import Path, PurePosixPath

import numpy as np

from cevns.scanner.errors import DataChecksumError, DataError, DataFileMissing

__all__ = [
    "ENV_VAR",
    "MANIFEST",
    "data_file",
    "data_root",
    "dataset_checksums",
    "datasets",
    "load_table",
    "read_text",
]

#: Environment variable naming an alternative data root.
ENV_VAR = "CEVNS_DATA"
#: File name of the per-dataset manifest.
MANIFEST = "SHA256SUMS"

_MANIFEST_LINE = re.compile(r"^([0-9a-fA-F]{64}) [ *](.+)$")
_HASH_CACHE: dict[tuple[str, int, int], str] = {}
_HASH_LOCK = threading.Lock()


def _bundled_root() -> Path:
    """The ``data`` folder shipped inside the package (editable or normal install)."""
    return Path(__file__).resolve().parent / "data"


def _alt_root() -> Path | None:
    """The folder named by ``$CEVNS_DATA`` (validated), or None when the variable is unset or empty."""
    value = os.environ.get(ENV_VAR, "")
    if not value:
        return None
    root = Path(value).expanduser()
    if not root.is_dir():
        raise DataFileMissing(
            f"{ENV_VAR}={value!r} is not a directory; unset it to use the bundled data in {_bundled_root()}"
        )
    return root.resolve()


def data_root() -> Path:
    """Return the folder that holds the dataset folders.

    Returns
    -------
    pathlib.Path
        ``$CEVNS_DATA`` when that environment variable is set and not empty, otherwise the ``data``
        folder bundled with :mod:`cevns.scanner`.

    Raises
    ------
    DataFileMissing
        If ``$CEVNS_DATA`` is set but does not name a directory.

    Notes
    -----
    Files under an alternative root are still verified against the bundled manifests (see the module
    documentation), so it must hold the same bytes as the bundled copies.
    """
    alt = _alt_root()
    return alt if alt is not None else _bundled_root()


def _manifest_datasets(root: Path) -> set[str]:
    if not root.is_dir():
        return set()
    return {p.name for p in root.iterdir() if (p / MANIFEST).is_file()}


def datasets() -> list[str]:
    """List the known datasets.

    Returns
    -------
    list of str
        Sorted names of the bundled datasets, plus, when ``$CEVNS_DATA`` is set, the folders there that
        carry their own ``SHA256SUMS`` manifest.

    Raises
    ------
    DataFileMissing
        If ``$CEVNS_DATA`` is set but does not name a directory.
    """
    names = _manifest_datasets(_bundled_root())
    alt = _alt_root()
    if alt is not None:
        names |= _manifest_datasets(alt)
    return sorted(names)


@functools.lru_cache(maxsize=64)
def _parse_manifest(path: str, size: int, mtime_ns: int) -> tuple[tuple[str, str], ...]:
    """Parse a ``sha256sum``-format manifest (cached per path, size and mtime)."""
    del size, mtime_ns  # cache key only
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read manifest {path}: {exc}") from exc
    entries = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _MANIFEST_LINE.match(line)
        if match is None:
            raise DataError(f"malformed line {lineno} in manifest {path}: {line[:80]!r}")
        entries.append((PurePosixPath(match.group(2)).as_posix(), match.group(1).lower()))
    return tuple(entries)


def _plain_name(dataset: object) -> bool:
    """True if ``dataset`` can be a single folder name (no separators, not '.' or '..')."""
    return (
        isinstance(dataset, str)
        and dataset not in ("", ".", "..")
        and "/" not in dataset
        and "\\" not in dataset
    )


def _manifest(dataset: str) -> tuple[dict[str, str], Path]:
    """Return (relative path -> sha256, manifest path) for ``dataset``; bundled manifest first."""
    if _plain_name(dataset):
        candidates = [_bundled_root() / dataset / MANIFEST]
        alt = _alt_root()
        if alt is not None:
            candidates.append(alt / dataset / MANIFEST)
        for path in candidates:
            try:
                st = path.stat()
            except OSError:
                continue
            return dict(_parse_manifest(str(path), st.st_size, st.st_mtime_ns)), path
    known = ", ".join(datasets()) or "none"
    raise DataFileMissing(f"unknown dataset {dataset!r}; known datasets: {known}")


def _relative_name(dataset: str, name: str) -> str:
    rel = PurePosixPath(str(name).replace("\\", "/"))
    if not rel.parts or rel.is_absolute() or ".." in rel.parts or rel.as_posix() in (".", MANIFEST):
        raise DataFileMissing(f"{name!r} is not a data file name inside dataset {dataset!r}")
    return rel.as_posix()


def _hash_file(path: Path) -> str:
    """SHA-256 hex digest of a file (uncached)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _cached_sha256(path: Path) -> str:
    """SHA-256 of ``path``, cached per (path, size, mtime_ns)."""
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    with _HASH_LOCK:
        cached = _HASH_CACHE.get(key)
    if cached is not None:
        return cached
    digest = _hash_file(path)
    st_after = path.stat()
    if (st_after.st_size, st_after.st_mtime_ns) == key[1:]:  # unchanged while hashing: safe to cache
        with _HASH_LOCK:
            _HASH_CACHE[key] = digest
    return digest


def _clear_cache() -> None:
    """Forget all cached verification results (for tests)."""
    with _HASH_LOCK:
        _HASH_CACHE.clear()
    _parse_manifest.cache_clear()


def data_file(dataset: str, name: str) -> Path:
    """Return the path of a data file after checking its SHA-256.

    Parameters
    ----------
    dataset : str
        Dataset folder name, e.g. ``"coherent-csi-2021"`` (see :func:`datasets`).
    name : str
        File name relative to the dataset folder, with ``/`` before a subfolder, e.g.
        ``"huber2011/U235-anti-neutrino-flux-250keV.dat"``.

    Returns
    -------
    pathlib.Path
        ``data_root() / dataset / name``, verified against the dataset's manifest.

    Raises
    ------
    DataFileMissing
        If the dataset is unknown (the message lists the known ones), if the file does not exist (the
        message holds its full path), or if ``$CEVNS_DATA`` is set but is not a directory.
    DataChecksumError
        If the file's SHA-256 differs from the manifest (altered or truncated file).
    DataError
        If the file exists but is not listed in the manifest, or the manifest is unreadable.

    Notes
    -----
    A bundled dataset is always verified against its bundled manifest, also when the file is read from
    an alternative root given by ``$CEVNS_DATA``. Results are cached per (path, size, mtime_ns).
    """
    entries, manifest_path = _manifest(dataset)
    rel = _relative_name(dataset, name)
    path = data_root() / dataset / rel
    if not path.is_file():
        hint = difflib.get_close_matches(rel, list(entries), n=1)
        extra = f"; did you mean {hint[0]!r}?" if hint and hint[0] != rel else ""
        raise DataFileMissing(f"data file {path} (dataset {dataset!r}) does not exist{extra}")
    expected = entries.get(rel)
    if expected is None:
        raise DataError(
            f"data file {path} is not listed in the manifest {manifest_path}, so it cannot be verified; "
            "regenerate the manifest with scripts/make_data_manifests.py after a reviewed change"
        )
    try:
        actual = _cached_sha256(path)
    except OSError as exc:
        raise DataError(f"cannot read data file {path}: {exc}") from exc
    if actual != expected:
        raise DataChecksumError(
            f"checksum mismatch for data file {path}: expected sha256 {expected[:16]}..., "
            f"got {actual[:16]}...; the file is altered or truncated (manifest {manifest_path})"
        )
    return path


def load_table(dataset: str, name: str, **kw) -> np.ndarray:
    """Load a numeric table from a verified data file with :func:`numpy.loadtxt`.

    Parameters
    ----------
    dataset : str
        Dataset folder name.
    name : str
        File name relative to the dataset folder.
    **kw
        Passed to :func:`numpy.loadtxt`, e.g. ``delimiter=","``, ``skiprows=1``, ``usecols=(0, 1)``.
        Defaults: ``comments="#"``, ``encoding="utf-8"``.

    Returns
    -------
    numpy.ndarray
        The table as returned by :func:`numpy.loadtxt`.

    Raises
    ------
    DataFileMissing, DataChecksumError
        As :func:`data_file`.
    DataError
        If numpy cannot parse the file; the message names the file and numpy's reason.
    """
    path = data_file(dataset, name)
    kw.setdefault("comments", "#")
    kw.setdefault("encoding", "utf-8")
    try:
        return np.loadtxt(path, **kw)
    except (ValueError, IndexError) as exc:
        reason = " ".join(str(exc).split())
        raise DataError(f"cannot parse data file {path} as a numeric table: {reason}") from exc


def read_text(dataset: str, name: str) -> str:
    """Return the text of a verified data file (YAML, Markdown, README ...).

    Parameters
    ----------
    dataset : str
        Dataset folder name.
    name : str
        File name relative to the dataset folder, e.g. ``"PROVENANCE.md"``.

    Returns
    -------
    str
        The file decoded as UTF-8 (universal newlines).

    Raises
    ------
    DataFileMissing, DataChecksumError
        As :func:`data_file`.
    DataError
        If the file is not valid UTF-8.
    """
    path = data_file(dataset, name)
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"data file {path} is not valid UTF-8 text: {exc}") from exc


def dataset_checksums(dataset: str) -> dict[str, str]:
    """Return the pinned SHA-256 of every file of a dataset, for result metadata.

    Parameters
    ----------
    dataset : str
        Dataset folder name.

    Returns
    -------
    dict of str to str
        Relative file path -> lowercase hex SHA-256, as listed in the manifest the files are verified
        against (a fresh dict; the files themselves are not read).

    Raises
    ------
    DataFileMissing
        If the dataset is unknown.
    """
    entries, _ = _manifest(dataset)
    return dict(sorted(entries.items()))
