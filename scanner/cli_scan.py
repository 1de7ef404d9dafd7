"""``cevns scan`` and ``cevns contour``: argparse subcommands, added to the main parser by :func:`register`.

Handlers take the parsed ``args`` and return an exit status; user errors are raised as
:class:`~cevns.scanner.errors.CevnsError` (the main ``cevns`` entry prints them on one line, status 2).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from cevns.scanner.errors import ConfigError

SCAN_HELP = "run (or resume) a 2D/3D parameter scan described by a TOML scan file"
CONTOUR_HELP = "write Δχ² contour polylines (JSON/CSV) of a scan result"


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None


def _n_jobs(text: str) -> int:
    v = _int(text)
    if v < 1 and v != -1:
        raise argparse.ArgumentTypeError(f"expected a positive integer (or -1 for all cores), got {text!r}")
    return v


def _chunk_size(text: str) -> int:
    v = _int(text)
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return v


def register(subparsers) -> None:
    """Add the ``scan`` and ``contour`` subcommands to an argparse ``subparsers`` object."""
    p = subparsers.add_parser("scan", help=SCAN_HELP, description=SCAN_HELP + " (format: docs/scan-files.md)")
    p.add_argument("file", help="scan file (TOML)")
    p.add_argument(
        "--n-jobs",
        type=_n_jobs,
        default=1,
        metavar="N",
        help="worker processes (-1: all cores; dask: concurrent tasks); default 1",
    )
    p.add_argument(
        "--backend",
        choices=("loky", "dask"),
        default=None,
        help="loky: this machine; dask: a dask.distributed cluster (default loky; dask when --scheduler is given)",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="dask scheduler address, e.g. tcp://HOST:8786 (default: a local cluster)",
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="resume from the verified checkpoints in the output folder (a rerun does this anyway)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="discard checkpoints/result of a different scan in the output folder",
    )
    p.add_argument(
        "--adaptive",
        action="store_true",
        help="start coarse and refine only where the contours of the scan's cl run",
    )
    p.add_argument("--chunk-size", type=_chunk_size, metavar="N", help="points per chunk (checkpoint unit)")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.set_defaults(func=cmd_scan)

    c = subparsers.add_parser("contour", help=CONTOUR_HELP, description=CONTOUR_HELP)
    c.add_argument("result", help="result.npz, or the scan's output folder")
    c.add_argument(
        "--cl",
        action="append",
        metavar="CL",
        help="confidence level, 90 or 0.9 (repeatable; default: the scan file's cl)",
    )
    c.add_argument(
        "--dof", type=int, choices=(1, 2, 3), default=2, help="degrees of freedom of the level (default 2)"
    )
    c.add_argument("--format", choices=("json", "csv"), help="default: from --out's suffix, else json")
    c.add_argument(
        "--out",
        metavar="PATH",
        help="output file ('-': standard output); default: contours.<format> beside the result",
    )
    g = c.add_mutually_exclusive_group()
    g.add_argument("--profile", metavar="AXIS", help="3D result: minimise Δχ² over AXIS")
    g.add_argument("--slice", metavar="AXIS=VALUE", help="3D result: the grid plane of AXIS nearest VALUE")
    c.set_defaults(func=cmd_contour)


def _setup_logging() -> None:
    root = logging.getLogger("cevns")
    if not root.handlers:
        h = logging.StreamHandler(sys.stderr)
        h.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S"))
        root.addHandler(h)
        root.setLevel(logging.INFO)


def cmd_scan(args) -> int:
    from cevns.scanner.contour import extract_contours, write_contours
    from cevns.scanner.scan import run_scan
    from cevns.scanner.scanfile import load_scan_file

    _setup_logging()
    backend = args.backend or ("dask" if args.scheduler else "loky")
    if args.scheduler and backend != "dask":
        raise ConfigError("--scheduler names a dask scheduler: it needs --backend dask (or no --backend)")
    spec = load_scan_file(args.file)
    res = run_scan(
        spec,
        n_jobs=args.n_jobs,
        backend=backend,
        scheduler=args.scheduler,
        resume=args.resume,
        force=args.force,
        chunk_size=args.chunk_size,
        progress=not args.quiet,
        adaptive=args.adaptive,
    )
    best = ", ".join(f"{k} = {v:.6g}" for k, v in res.best_fit_dict.items())
    print(f"result: {res.path}")
    print(f"chi2_min = {res.chi2_min:.6g} at {best}")
    if res.ndim == 2:
        path = Path(res.path).parent / "contours.json"
        write_contours(extract_contours(res, list(spec.cl), dof=2), path, "json", source=str(res.path))
        print(f"contours (cl {', '.join(f'{c:g}' for c in spec.cl)}, 2 dof): {path}")
    return 0


def cmd_contour(args) -> int:
    from cevns.scanner.contour import (
        contours_to_csv,
        contours_to_json,
        extract_contours,
        to_plane,
        write_contours,
    )
    from cevns.scanner.results import load_result

    _setup_logging()
    res = load_result(args.result, mmap=True, nuisances=False)
    cls = args.cl or res.metadata.get("cl") or [0.9]
    plane = to_plane(res, profile=args.profile, slice=args.slice)
    contours = extract_contours(plane if res.ndim == 3 else res, cls, args.dof)
    out = args.out
    fmt = args.format or ("csv" if out and out != "-" and out.lower().endswith(".csv") else "json")
    if out == "-":
        text = (
            contours_to_json(contours, source=str(res.path), reduction=plane.reduction)
            if fmt == "json"
            else contours_to_csv(contours)
        )
        sys.stdout.write(text)
        return 0
    path = Path(out) if out else Path(res.path).parent / f"contours.{fmt}"
    kw = {"source": str(res.path), "reduction": plane.reduction} if fmt == "json" else {}
    write_contours(contours, path, fmt, **kw)
    n = sum(len(c.lines) for c in contours)
    print(f"{n} contour line(s) at cl {', '.join(f'{c.cl:g}' for c in contours)} ({args.dof} dof): {path}")
    return 0
