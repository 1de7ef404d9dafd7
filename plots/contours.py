"""Exclusion / allowed-region contours of scan results: several results and CLs on one figure.

:func:`plot_contours` draws each result's Δχ² contours (traced by :func:`cevns.scanner.contour.extract_contours`,
so a log axis is interpolated in log space) with one colour per result and one line style per CL, legend entries
"CsI 2021 — 90 % CL (2 dof)", axis labels with units, log axes where the scan axes are log-spaced, optional
filled regions, the best-fit point, and reference limits read from files (:func:`load_reference`).
"""

from __future__ import annotations

import csv
import io
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from cevns.scanner.contour import Contour, Plane, contour_levels, extract_contours, normalize_cl, to_plane
from cevns.scanner.errors import ConfigError

from . import style

__all__ = ["plot_contours", "load_reference", "result_label", "ContourEntry", "ContourArtists"]

log = logging.getLogger(__name__)

CL_LINESTYLES = ("-", "--", ":", "-.")
REFERENCE_LINESTYLES = ("-.", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 1)), (0, (6, 2)))
REFERENCE_COLOR = "0.25"


@dataclass
class ContourEntry:
    """The artists of one (result, CL) pair; ``label`` is its legend text."""

    label: str
    experiment: str
    cl: float
    dof: int
    lines: list = field(default_factory=list)  # Line2D, one per contour polyline
    fills: list = field(default_factory=list)  # PathPatch / Polygon of the region Δχ² < level


@dataclass
class ContourArtists:
    """What :func:`plot_contours` drew."""

    ax: object
    entries: list[ContourEntry]
    references: list = field(default_factory=list)  # Line2D per reference polyline
    best_fit: list = field(default_factory=list)  # Line2D markers
    legend: object = None

    @property
    def lines(self) -> list:
        """Every contour line (not references or markers)."""
        return [ln for e in self.entries for ln in e.lines]


# ------------------------------------------------------------------------------------------------- inputs


def result_label(result) -> str:
    """Experiment label of a scan result from its metadata (scan file's experiments, else the module of its
    likelihood looked up in the experiment registry), e.g. "CsI 2021"; "scan" when unknown."""
    meta = getattr(result, "metadata", None) or {}
    spec = meta.get("spec") or {}
    if isinstance(spec, dict) and spec.get("experiments"):
        return style.experiment_label(spec["experiments"])
    for key in ("experiments", "experiment"):
        if meta.get(key):
            return style.experiment_label(meta[key])
    lik = str(meta.get("likelihood") or "")
    if lik:
        from cevns.scanner.experiments import EXPERIMENTS

        module = lik.rsplit(".", 2)[-2] if lik.count(".") >= 2 else ""
        hits = [n for n, target in EXPERIMENTS.items() if target.split(":")[0] == module]
        if len(hits) == 1:
            return style.experiment_label(hits[0])
    return "scan"


def _is_contour_list(obj) -> bool:
    return isinstance(obj, (list, tuple)) and len(obj) > 0 and all(isinstance(c, Contour) for c in obj)


def _normalize_items(obj, labels):
    """→ list of (item, label or None); item: ScanResult / Plane / list[Contour] / path."""
    if isinstance(obj, dict):
        if labels is not None:
            raise ConfigError("give labels either as the keys of a dict or as labels=, not both")
        return [(v, str(k)) for k, v in obj.items()]
    if isinstance(obj, Contour):
        items = [[obj]]
    elif _is_contour_list(obj):
        items = [list(obj)]
    elif isinstance(obj, (list, tuple)):
        items = list(obj)
    else:
        items = [obj]
    if not items:
        raise ConfigError("plot_contours: nothing to plot")
    if labels is None:
        labs = [None] * len(items)
    else:
        labs = [labels] if isinstance(labels, str) else list(labels)
        if len(labs) != len(items):
            raise ConfigError(f"{len(labs)} label(s) for {len(items)} result(s)")
    return list(zip(items, labs))


def _load_item(item):
    """Paths: a contour file (.json/.csv) → list[Contour]-like polylines; else a scan result."""
    if isinstance(item, (str, Path)):
        p = Path(item)
        if p.suffix.lower() in (".json", ".csv") and p.is_file():
            return _contour_file(p), p.stem
        from cevns.scanner.results import load_result

        return load_result(p, mmap=True, nuisances=False), None
    return item, None


def _is_contour_csv(header) -> bool:
    """The header of a contour CSV of :func:`cevns.scanner.contour.write_contours`: cl,dof,level,line,<x>,<y>."""
    return header is not None and len(header) == 6 and [h.lower() for h in header[:4]] == ["cl", "dof", "level", "line"]


def _contour_file(path: Path) -> list[Contour]:
    """Contours from a file written by :func:`cevns.scanner.contour.write_contours`."""
    if path.suffix.lower() == ".json":
        try:
            doc = json.loads(path.read_text())
            return [
                Contour(
                    float(c["cl"]),
                    int(c["dof"]),
                    float(c["level"]),
                    tuple(c["names"]),
                    [np.asarray(line, dtype=float).reshape(-1, 2) for line in c["lines"]],
                )
                for c in doc["contours"]
            ]
        except (ValueError, KeyError, TypeError) as e:
            raise ConfigError(f"{path}: not a contour JSON file of cevns contour ({type(e).__name__}: {e})") from None
    rows, header = _csv_rows(path)
    if not _is_contour_csv(header):
        raise ConfigError(f"{path}: not a contour CSV file of cevns contour (header cl,dof,level,line,x,y)")
    out: dict = {}
    for r in rows:
        key = (float(r[0]), int(float(r[1])), float(r[2]))
        out.setdefault(key, {}).setdefault(int(float(r[3])), []).append((float(r[4]), float(r[5])))
    return [
        Contour(cl, dof, level, (header[4], header[5]), [np.array(v) for _, v in sorted(lines.items())])
        for (cl, dof, level), lines in out.items()
    ]


# ------------------------------------------------------------------------------------------------- references


def _csv_rows(path: Path):
    """(rows, header): numeric rows as lists of strings (blank rows kept as []), the header if non-numeric."""
    try:
        text = path.read_text()
    except OSError as e:
        raise ConfigError(f"{path}: cannot read ({e.strerror or e})") from None
    rows, header = [], None
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#"):
            continue
        if not line:
            rows.append([])
            continue
        cells = next(csv.reader(io.StringIO(line))) if "," in line else line.replace(";", " ").split()
        cells = [c.strip() for c in cells if c.strip() != ""]
        try:
            [float(c) for c in cells]
        except ValueError:
            if header is None and not any(rows):
                header = cells
                continue
            raise ConfigError(f"{path}: non-numeric row {raw!r}") from None
        rows.append(cells)
    return rows, header


def load_reference(path) -> list[np.ndarray]:
    """Polylines (m, 2) of a reference limit file (formats: :func:`_read_reference`)."""
    return _read_reference(path)[0]


def _read_reference(path) -> tuple[list[np.ndarray], tuple[str, str] | None]:
    """Polylines (m, 2) of a reference limit file, and the axis names it records (None for a plain x, y file).

    Accepted: the JSON and CSV written by :func:`cevns.scanner.contour.write_contours` (all lines of all CLs);
    a JSON list of polylines ``[[[x, y], …], …]``, ``{"lines": …}`` or ``{"x": […], "y": […]}``; a two-column
    x, y text/CSV file (comma, semicolon or whitespace separated, ``#`` comments, an optional header), where a
    blank line or a NaN row starts a new polyline.
    """
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"{p}: reference file not found")
    if p.suffix.lower() == ".json":
        try:
            doc = json.loads(p.read_text())
        except ValueError as e:
            raise ConfigError(f"{p}: invalid JSON ({e})") from None
        try:
            if isinstance(doc, dict) and "contours" in doc:
                return _contour_lines(_contour_file(p))
            if isinstance(doc, dict) and "x" in doc and "y" in doc:
                return [np.column_stack([np.asarray(doc["x"], float), np.asarray(doc["y"], float)])], None
            lines = doc["lines"] if isinstance(doc, dict) else doc
            out = [np.asarray(line, dtype=float) for line in lines]
            if out and out[0].ndim == 1:  # a single polyline [[x, y], …] read as rows
                out = [np.asarray(lines, dtype=float)]
            for line in out:
                if line.ndim != 2 or line.shape[1] != 2:
                    raise ValueError(f"polyline of shape {line.shape}, expected (m, 2)")
            return out, None
        except (ValueError, KeyError, TypeError) as e:
            raise ConfigError(f"{p}: not a reference polyline file ({e})") from None
    rows, header = _csv_rows(p)
    if _is_contour_csv(header):
        return _contour_lines(_contour_file(p))
    lines, cur = [], []
    for r in rows:
        if not r or any(np.isnan(float(c)) for c in r):
            if cur:
                lines.append(np.array(cur))
            cur = []
            continue
        if len(r) != 2:
            raise ConfigError(f"{p}: expected two columns x, y; got a row with {len(r)}")
        cur.append((float(r[0]), float(r[1])))
    if cur:
        lines.append(np.array(cur))
    if not lines:
        raise ConfigError(f"{p}: no x, y points")
    return lines, None


def _contour_lines(contours: list[Contour]) -> tuple[list[np.ndarray], tuple[str, str] | None]:
    """All lines of all CLs of a contour file, with the axis names it records."""
    return [line for c in contours for line in c.lines], (tuple(contours[0].names) if contours else None)


def _normalize_references(reference):
    if reference is None:
        return []
    if isinstance(reference, dict):
        return [(str(k), v) for k, v in reference.items()]
    if isinstance(reference, (str, Path)):
        reference = [reference]
    out = []
    for r in reference:
        if isinstance(r, tuple) and len(r) == 2:
            out.append((str(r[0]), r[1]))
        else:
            out.append((Path(r).stem, r))
    return out


# ------------------------------------------------------------------------------------------------- drawing


def _auto_log(values: np.ndarray, name: str | None) -> bool:
    """Scale of precomputed contours (no axis spacing known): log for positive values of a parameter usually
    shown on log axes (:data:`style.LOG_PARAMETERS`) or positive values spanning more than two decades."""
    v = values[np.isfinite(values)]
    if v.size < 2 or not np.all(v > 0):
        return False
    return style.is_log_parameter(name) or v.max() / v.min() > 100


def _filled_paths(plane: Plane, level: float):
    """matplotlib Paths of the region Δχ² ≤ level of a plane, traced in index space, mapped to axis coords."""
    import contourpy
    from matplotlib.path import Path as MPath

    z = np.ma.masked_invalid(np.asarray(plane.dchi2, dtype=np.float64).T)
    gen = contourpy.contour_generator(z=z, fill_type=contourpy.FillType.OuterCode)
    lower = min(float(np.nanmin(plane.dchi2)), 0.0) - 1.0
    points, codes = gen.filled(lower, level)
    paths = []
    for pts, cod in zip(points, codes):
        xy = np.empty_like(pts, dtype=float)
        xy[:, 0] = plane.axes[0].from_index(pts[:, 0])
        xy[:, 1] = plane.axes[1].from_index(pts[:, 1])
        paths.append(MPath(xy, cod))
    return paths


def plot_contours(
    results_or_contours,
    cl=(0.9,),
    dof: int = 2,
    labels=None,
    ax=None,
    reference=None,
    *,
    filled: bool = False,
    alpha: float = 0.25,
    colors=None,
    linestyles=CL_LINESTYLES,
    profile: str | None = None,
    slice=None,
    best_fit: bool = True,
    xscale: str = "auto",
    yscale: str = "auto",
    legend: bool = True,
    legend_loc: str = "best",
) -> ContourArtists:
    """Draw Δχ² contours of one or several scan results at one or several confidence levels.

    Parameters
    ----------
    results_or_contours
        A :class:`~cevns.scanner.results.ScanResult`, a :class:`~cevns.scanner.contour.Plane`, a list of
        :class:`~cevns.scanner.contour.Contour` (one result's contours, e.g. read back from a file), a path (of a
        ``result.npz`` / scan folder, or of a contour .json/.csv), or a list of these (one colour each), or a dict
        ``{label: item}``.
    cl, dof
        Confidence level(s) (0.9 or 90) and degrees of freedom of the Δχ² level (``scipy.stats.chi2.ppf``). For
        precomputed contours (lists / contour files) the contours carry their own cl and dof: those at a
        requested cl are drawn, all of them when none matches.
    labels
        Legend label per item (default: the experiment from the result's metadata, or the file name).
    reference
        Reference limit file(s): a path, a list of paths, or ``{label: path}`` (formats: :func:`load_reference`);
        drawn in grey with their own line styles, labelled with the file name or the dict key.
    filled
        Also fill the region Δχ² < level (results only: traced on the grid; precomputed: closed polylines).
    profile, slice
        Reduce 3D results to a plane (see :func:`cevns.scanner.contour.to_plane`).
    best_fit
        Mark each result's best-fit point (a ``+`` in its colour).
    xscale, yscale
        "auto" (log when the scan axis is log-spaced; for precomputed contours when the values are positive and
        the parameter is a coupling/mass/moment (g_zp, m_zp, mu_nu_*) or spans more than two decades), "log" or
        "linear".

    Returns
    -------
    ContourArtists
        ``entries`` (one :class:`ContourEntry` per item and CL, with its Line2D per polyline and its label),
        ``references``, ``best_fit``, ``legend``, ``ax``.
    """
    import matplotlib as mpl
    from matplotlib.patches import PathPatch, Polygon

    items = _normalize_items(results_or_contours, labels)
    cls = [normalize_cl(c) for c in ([cl] if np.ndim(cl) == 0 else list(cl))]
    if not cls:
        raise ConfigError("give at least one confidence level")
    contour_levels(cls[0], dof)  # validates dof
    refs = _normalize_references(reference)
    ref_lines = [(lab, *_read_reference(path)) for lab, path in refs]  # read before drawing: fail early

    with style.context(ax is None):
        ax = style.new_axes(ax)
        palette = list(colors) if colors is not None else mpl.rcParams["axes.prop_cycle"].by_key()["color"]
        out = ContourArtists(ax, [])
        names = None
        spacing = [None, None]
        limits = None
        all_xy = []
        for i, (raw, label) in enumerate(items):
            item, file_label = _load_item(raw)
            color = palette[i % len(palette)]
            plane = None
            if isinstance(item, Contour):
                item = [item]
            if isinstance(item, (list, tuple)):
                contours = [c for c in item if any(abs(c.cl - x) < 1e-9 for x in cls)]
                if not contours or any(c.dof != dof for c in contours):
                    held = sorted({(c.cl, c.dof) for c in item})
                    log.warning("%s: a contour file holds only the lines it was written with (cl, dof) = %s; it "
                                "cannot be recomputed at cl %s, %d dof: drawing what it holds", file_label or raw,
                                held, [float(x) for x in cls], dof)
                    contours = contours or list(item)
                label = label or file_label or "contours"
                these = contours[0].names if contours else None
            else:
                plane = to_plane(item, profile=profile, slice=slice)
                src = plane if getattr(item, "ndim", 2) == 3 else item
                contours = extract_contours(src, cls, dof)
                label = label or result_label(item)
                these = (plane.axes[0].name, plane.axes[1].name)
                if spacing[0] is None:
                    spacing = [plane.axes[0].spacing, plane.axes[1].spacing]
                box = ((plane.axes[0].min, plane.axes[0].max), (plane.axes[1].min, plane.axes[1].max))
                # every result's full range: an overlay is not clipped to the first one's
                limits = box if limits is None else tuple((min(a[0], b[0]), max(a[1], b[1]))
                                                          for a, b in zip(limits, box))
            if names is None:
                names = these
            elif these is not None and tuple(these) != tuple(names):
                raise ConfigError(f"item {i}: axes {list(these)} differ from the first item's {list(names)}")
            for k, c in enumerate(contours):
                cl_index = next((j for j, x in enumerate(cls) if abs(c.cl - x) < 1e-9), k)
                ls = linestyles[cl_index % len(linestyles)]
                text = f"{label} — {style.cl_label(c.cl, c.dof)}"
                entry = ContourEntry(text, label, c.cl, c.dof)
                if filled:
                    if plane is not None:
                        for path in _filled_paths(plane, c.level):
                            patch = PathPatch(path, facecolor=color, edgecolor="none", alpha=alpha, lw=0)
                            ax.add_patch(patch)
                            entry.fills.append(patch)
                    else:
                        for line in c.lines:
                            if len(line) > 2 and np.allclose(line[0], line[-1]):
                                patch = Polygon(line, closed=True, facecolor=color, edgecolor="none", alpha=alpha)
                                ax.add_patch(patch)
                                entry.fills.append(patch)
                for m, line in enumerate(c.lines):
                    (ln,) = ax.plot(line[:, 0], line[:, 1], color=color, ls=ls, label=text if m == 0 else "_nolegend_")
                    entry.lines.append(ln)
                    all_xy.append(line)
                if not c.lines:
                    log.warning("%s: no contour at %s inside the scanned range", label, style.cl_label(c.cl, c.dof))
                out.entries.append(entry)
            if best_fit and plane is not None:
                d = np.asarray(plane.dchi2)
                if np.isfinite(d).any():
                    i0, i1 = np.unravel_index(int(np.nanargmin(d)), d.shape)
                    (mk,) = ax.plot(
                        [plane.axes[0].values[i0]],
                        [plane.axes[1].values[i1]],
                        marker="+",
                        ls="none",
                        color=color,
                        ms=5,
                        label="_nolegend_",
                    )
                    out.best_fit.append(mk)
        for j, (lab, lines, ref_names) in enumerate(ref_lines):
            if ref_names is not None and names is not None and tuple(ref_names) != tuple(names):
                if tuple(ref_names) == tuple(names)[::-1]:  # the same plane with the axes swapped
                    lines = [line[:, ::-1] for line in lines]
                else:
                    raise ConfigError(f"reference {refs[j][1]}: axes {list(ref_names)} differ from the plot's "
                                      f"{list(names)}")
            if limits is not None and lines and not any(
                    np.any((line[:, 0] >= limits[0][0]) & (line[:, 0] <= limits[0][1])
                           & (line[:, 1] >= limits[1][0]) & (line[:, 1] <= limits[1][1])) for line in lines):
                log.warning("reference %s: no point inside the plotted range", lab)
            ls = REFERENCE_LINESTYLES[j % len(REFERENCE_LINESTYLES)]
            for m, line in enumerate(lines):
                (ln,) = ax.plot(
                    line[:, 0], line[:, 1], color=REFERENCE_COLOR, ls=ls, lw=0.9, label=lab if m == 0 else "_nolegend_"
                )
                out.references.append(ln)
                all_xy.append(line)

        for dim, (scale, setter) in enumerate(((xscale, ax.set_xscale), (yscale, ax.set_yscale))):
            if scale == "auto":
                if spacing[dim] is not None:
                    scale = "log" if spacing[dim] == "log" else "linear"
                else:
                    vals = np.concatenate([xy[:, dim] for xy in all_xy]) if all_xy else np.array([])
                    scale = "log" if _auto_log(vals, names[dim] if names else None) else "linear"
            if scale not in ("log", "linear"):
                raise ConfigError(f"scale must be 'auto', 'log' or 'linear', got {scale!r}")
            setter(scale)
        if limits is not None:
            ax.set_xlim(*limits[0])
            ax.set_ylim(*limits[1])
        if names is not None:
            ax.set_xlabel(style.axis_label(names[0]))
            ax.set_ylabel(style.axis_label(names[1]))
        if legend and (out.lines or out.references):
            out.legend = ax.legend(loc=legend_loc)
    return out
