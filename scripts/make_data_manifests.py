"""Regenerate the ``SHA256SUMS`` manifest of every bundled dataset.

Usage::

    python scripts/make_data_manifests.py            # all datasets under scanner/data
    python scripts/make_data_manifests.py NAME ...   # only these datasets
    python scripts/make_data_manifests.py --check    # verify, write nothing; exit 1 on a difference

Each dataset folder ``scanner/data/<name>/`` gets a ``SHA256SUMS`` file in ``sha256sum`` format
(``<hex>  <relative path>``, POSIX separators, sorted), covering every file of the folder and its
subfolders except ``SHA256SUMS`` itself, dot-files and ``__pycache__``. ``sha256sum -c SHA256SUMS``
run inside the folder checks it. Only run this after a deliberate, reviewed change of the data: the
manifests are what :mod:`cevns.scanner.datasets` verifies every data file against.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import _cli  # scripts/ is on sys.path when a script runs

MANIFEST = "SHA256SUMS"
DATA_DIR = Path(__file__).resolve().parent.parent / "scanner" / "data"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _files(folder: Path) -> list[Path]:
    out = []
    for path in folder.rglob("*"):
        rel = path.relative_to(folder)
        if not path.is_file() or rel.as_posix() == MANIFEST:
            continue
        if any(part.startswith(".") or part == "__pycache__" for part in rel.parts):
            continue
        out.append(path)
    return sorted(out, key=lambda p: p.relative_to(folder).as_posix())


def manifest_text(folder: Path) -> str:
    """Return the ``SHA256SUMS`` text for dataset folder ``folder``."""
    lines = []
    for path in _files(folder):
        rel = path.relative_to(folder).as_posix()
        if "\n" in rel or "\\" in rel:
            raise SystemExit(f"unsupported file name in {folder}: {rel!r}")
        lines.append(f"{_sha256(path)}  {rel}\n")
    return "".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=_cli.description(__doc__))
    parser.add_argument("datasets", nargs="*", help="dataset folder names (default: all)")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help=f"default: {DATA_DIR}")
    parser.add_argument("--check", action="store_true", help="compare only, write nothing")
    args = parser.parse_args(argv)

    root = args.data_dir
    names = args.datasets or sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    status = 0
    for name in names:
        folder = root / name
        if not folder.is_dir():
            print(f"error: no dataset folder {folder}", file=sys.stderr)
            return 2
        text = manifest_text(folder)
        target = folder / MANIFEST
        old = target.read_text(encoding="utf-8") if target.is_file() else None
        n = text.count("\n")
        if args.check:
            if old != text:
                print(f"{name}: {MANIFEST} is out of date")
                status = 1
            else:
                print(f"{name}: ok ({n} files)")
        elif old != text:
            target.write_text(text, encoding="utf-8", newline="\n")
            print(f"{name}: wrote {MANIFEST} ({n} files)")
        else:
            print(f"{name}: unchanged ({n} files)")
    return status


if __name__ == "__main__":
    sys.exit(main())
