"""Shared plumbing of the seed-figure scripts (scripts/fig_*.py): command line, in-memory scans, contour files,
1-D intervals from a grid profile, figure output and the printed summary.

Each figure script runs on its own (``python scripts/fig_X.py [--quick] [--out DIR] [--n-jobs N]``) and writes
into ``--out`` (default ``results/figures/<name>/``): ``<name>.png``, ``<name>.pdf``, one contour file per scanned
result (``<name>-<tag>.json`` and ``.csv``, the formats of :func:`cevns.scanner.contour.write_contours`, readable
by ``cevns plot``) and ``<name>-summary.json`` with the key numbers it prints.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import time
from pathlib import Path

import _cli  # scripts/ is on sys.path when a script runs
import numpy as np

os.environ.setdefault("MPLBACKEND", "Agg")
logging.getLogger("fontTools").setLevel(logging.ERROR)  # PDF font subsetting chatter

from cevns.grids.axes import Axis  # noqa: E402
from cevns.scanner.contour import extract_contours, write_contours  # noqa: E402
from cevns.scanner.registry import make_likelihood  # noqa: E402
from cevns.scanner.scan import run_scan  # noqa: E402

REPO = Path(__file__).resolve().parent.parent

# Δχ² levels used in the summaries (1 dof): 1σ, 90 % CL, 2σ
LEVEL_1DOF = {"1sigma": 1.0, "90": 2.705543454095404, "2sigma": 4.0}


def parser(name: str, doc: str) -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=_cli.description(doc))
    ap.add_argument("--out", type=Path, default=REPO / "results" / "figures" / name,
                    help=f"output folder (default results/figures/{name}/)")
    ap.add_argument("--quick", action="store_true", help="coarse grids (smoke test, seconds)")
    ap.add_argument("--n-jobs", type=int, default=2, help="worker processes of the scans (default 2; -1 all)")
    return ap


def scan(experiments: str, model: str, axes, *, fixed=None, n_jobs: int = 1, label: str | None = None):
    """Profiled-χ² grid of ``experiments`` under ``model`` on ``axes`` (list of Axis), in memory.

    Returns the :class:`~cevns.scanner.results.ScanResult`; prints the grid size and the time it took."""
    lik = make_likelihood(experiments, model, fixed or {}, [a.name for a in axes])
    t = time.perf_counter()
    n = int(np.prod([a.points for a in axes]))
    res = run_scan(lik, list(axes), n_jobs=n_jobs if n >= 4000 else 1, progress=False)
    res.metadata.setdefault("experiments", experiments)
    res.metadata.setdefault("model", model)
    dt = time.perf_counter() - t
    print(f"  scanned {label or experiments} [{model}]: {' × '.join(str(a.points) for a in axes)} = {n} points "
          f"in {dt:.1f} s; χ²_min = {res.chi2_min:.2f} at "
          + ", ".join(f"{k} = {v:.4g}" for k, v in res.best_fit_dict.items()))
    return res


def axis(name, lo, hi, points, spacing="linear") -> Axis:
    return Axis(name, float(lo), float(hi), int(points), spacing)


def write_contour_files(out: Path, stem: str, result, cl, dof: int, source: str) -> list[Path]:
    """``stem.json`` and ``stem.csv`` with the contours of ``result`` at each ``cl`` for ``dof``."""
    contours = extract_contours(result, cl, dof)
    return [
        write_contours(contours, out / f"{stem}.json", source=source),
        write_contours(contours, out / f"{stem}.csv"),
    ]


def intervals(x: np.ndarray, dchi2: np.ndarray, level: float) -> list[tuple[float, float]]:
    """Segments of ``x`` where the (1-D) Δχ² profile lies below ``level``, ends interpolated linearly; a segment
    that reaches the end of the grid keeps the grid end (read it as "at least")."""
    x = np.asarray(x, float)
    d = np.asarray(dchi2, float)
    inside = np.isfinite(d) & (d <= level)
    segs = []
    i = 0
    while i < len(x):
        if not inside[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(x) and inside[j + 1]:
            j += 1
        lo = x[i] if i == 0 else x[i - 1] + (level - d[i - 1]) * (x[i] - x[i - 1]) / (d[i] - d[i - 1])
        hi = x[j] if j == len(x) - 1 else x[j] + (level - d[j]) * (x[j + 1] - x[j]) / (d[j + 1] - d[j])
        segs.append((float(lo), float(hi)))
        i = j + 1
    return segs


def profile_intervals(result, name: str, level: float = LEVEL_1DOF["90"]) -> list[tuple[float, float]]:
    """Allowed segments of parameter ``name`` at Δχ² ≤ ``level`` of the profile over the other axes."""
    from cevns.plots import profile_from_result

    x, d = profile_from_result(result, name)
    return intervals(x, d, level)


def central_interval(result, name: str, level: float) -> tuple[float, float, float]:
    """(best fit, lower, upper) of the profile segment that holds the best fit."""
    k = result.names.index(name)
    best = float(result.best_fit[k])
    for lo, hi in profile_intervals(result, name, level):
        if lo - 1e-12 <= best <= hi + 1e-12:
            return best, lo, hi
    return best, float("nan"), float("nan")


def save_figure(fig, out: Path, stem: str) -> list[Path]:
    from cevns.plots import save

    paths = save(fig, out / stem)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return paths


def finish(out: Path, stem: str, written: list[Path], summary: dict, t0: float) -> None:
    """Write ``stem-summary.json`` and print every file written and the total time."""
    summary = {"figure": stem, "seconds": round(time.perf_counter() - t0, 1), **summary}
    path = out / f"{stem}-summary.json"
    # strict JSON: a NaN (nothing excluded, no interval) is written as null
    path.write_text(json.dumps(_no_nan(summary), indent=1, default=_jsonable, allow_nan=False) + "\n")
    written = [*written, path]
    print(f"wrote {len(written)} files in {out} ({summary['seconds']} s):")
    for p in written:
        print(f"  {p.name}")


def _no_nan(v):
    """``v`` with every float NaN (also inside dicts, lists and numpy arrays) replaced by None."""
    if isinstance(v, dict):
        return {k: _no_nan(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_no_nan(x) for x in v]
    if hasattr(v, "tolist") and not isinstance(v, (str, bytes)):
        return _no_nan(v.tolist())
    if isinstance(v, float) and v != v:
        return None
    return v


def _jsonable(v):
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, np.ndarray):
        return v.tolist()
    raise TypeError(type(v))


def fmt_segments(segs, digits=3) -> str:
    return " ∪ ".join(f"[{lo:.{digits}g}, {hi:.{digits}g}]" for lo, hi in segs) or "(none)"
