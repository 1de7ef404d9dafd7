"""Figure style, labels and output shared by every plot type.

Defaults are sized for a two-column paper: :data:`COLUMN_WIDTH` = 3.4 in (single column), 8–9 pt fonts,
constrained ("tight") layout. The paper style is applied to figures this package creates (``ax=None``); when the
caller passes an ``ax`` its own rcParams are left alone.

Labels: :func:`axis_label` gives a LaTeX-ish label with the unit from :data:`cevns.scanner.params.PARAMETERS`,
:func:`experiment_label` a short experiment name ("CsI 2021"), :func:`cl_label` "90 % CL (2 dof)".
:func:`save` writes PNG and/or PDF by suffix (both when the path has none).
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path

from cevns.scanner.checkpoint import FILE_MODE, folder_error
from cevns.scanner.errors import ConfigError, OutputError
from cevns.scanner.experiments import split_combination

__all__ = [
    "COLUMN_WIDTH",
    "DOUBLE_WIDTH",
    "RC",
    "context",
    "new_axes",
    "new_figure",
    "axis_label",
    "is_log_parameter",
    "parameter_symbol",
    "experiment_label",
    "cl_label",
    "save",
]

COLUMN_WIDTH = 3.4  # in: single column of a two-column paper (PRD/PRL/JHEP-like)
DOUBLE_WIDTH = 7.0  # in: full page width
DPI = 300  # PNG resolution

RC = {
    "font.size": 8.5,
    "axes.labelsize": 9,
    "axes.titlesize": 9,
    "legend.fontsize": 7.5,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "axes.linewidth": 0.6,
    "lines.linewidth": 1.1,
    "lines.markersize": 3.0,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "xtick.minor.width": 0.4,
    "ytick.minor.width": 0.4,
    "xtick.direction": "in",
    "ytick.direction": "in",
    "xtick.top": True,
    "ytick.right": True,
    "legend.frameon": False,
    "legend.handlelength": 1.8,
    "mathtext.fontset": "dejavuserif",
    "font.family": "serif",
    "font.serif": ["DejaVu Serif"],
    "savefig.dpi": DPI,
    "pdf.fonttype": 42,  # TrueType in PDFs (editable, accepted by journals)
}


def context(enabled: bool = True):
    """A ``matplotlib.rc_context`` with the paper style (a no-op context when ``enabled`` is false)."""
    if not enabled:
        return contextlib.nullcontext()
    import matplotlib

    return matplotlib.rc_context(RC)


def new_figure(figsize=(COLUMN_WIDTH, 2.8)):
    """A pyplot figure in the paper style with constrained layout (call inside :func:`context`)."""
    import matplotlib.pyplot as plt

    return plt.figure(figsize=figsize, layout="constrained")


def new_axes(ax=None, figsize=(COLUMN_WIDTH, 2.8)):
    """``ax`` if given, else the single axes of a new paper-style figure."""
    if ax is not None:
        return ax
    return new_figure(figsize).add_subplot()


# ---------------------------------------------------------------------------------------------------- labels

_NUCLEUS = {"cs": "Cs", "i": "I", "ar": "Ar", "na": "Na", "ge": "Ge", "xe": "Xe"}
_FLAVOUR = {"e": "e", "mu": r"\mu", "tau": r"\tau", "ee": "ee", "mumu": r"\mu\mu", "tautau": r"\tau\tau"}
_UNITS = {
    "fm": "fm",
    "MeV": "MeV",
    "1e-12 mu_B": r"$10^{-12}\,\mu_B$",
    "1e-10 μ_B": r"$10^{-10}\,\mu_B$",
    "1e-32 cm²": r"$10^{-32}\,\mathrm{cm}^2$",
    "1e-8 e": r"$10^{-8}\,e$",
    "rad": "rad",
}


def parameter_symbol(name: str) -> str:
    """A LaTeX-ish (mathtext) symbol of a parameter name; unknown names are returned unchanged."""
    if name == "sin2w":
        return r"$\sin^2\theta_W$"
    if name == "cevns_norm":
        return r"$N_\mathrm{CE\nu NS}/N_\mathrm{SM}$"
    if name == "rn":
        return r"$R_n$"
    m = re.fullmatch(r"rn_([a-z]+)", name)
    if m:
        nuc = _NUCLEUS.get(m.group(1), m.group(1).capitalize())
        return rf"$R_n(\mathrm{{{nuc}}})$"
    if name == "g_zp":
        return r"$g_{Z'}$"
    if name == "m_zp":
        return r"$M_{Z'}$"
    m = re.fullmatch(r"eps_([a-z]+)_([a-z]+)", name)
    if m:
        return rf"$\varepsilon^{{{m.group(1)}V}}_{{{_FLAVOUR.get(m.group(2), m.group(2))}}}$"
    if name == "mu_nu_eff":
        return r"$\mu_\nu^\mathrm{eff}$"
    m = re.fullmatch(r"mu_nu_([a-z]+)", name)
    if m:
        return rf"$\mu_{{\nu_{{{_FLAVOUR.get(m.group(1), m.group(1))}}}}}$"
    m = re.fullmatch(r"q_nu_([a-z]+)", name)  # millicharges
    if m:
        return rf"$q_{{\nu_{{{_FLAVOUR.get(m.group(1), m.group(1))}}}}}$"
    m = re.fullmatch(r"rch2_([a-z]+)", name)  # charge radii ⟨r²⟩ (diagonal ee, mumu, tautau; transition emu, …)
    if m:
        key = m.group(1)
        pair = {"ee": "e", "mumu": "\\mu", "tautau": "\\tau", "emu": "e\\mu", "etau": "e\\tau",
                "mutau": "\\mu\\tau"}.get(key, key)
        return rf"$\langle r^2_{{\nu_{{{pair}}}}}\rangle$"
    m = re.fullmatch(r"tmm_l([123])", name)  # transition magnetic moments |Λ_i|
    if m:
        return rf"$|\Lambda_{m.group(1)}|$"
    m = re.fullmatch(r"tmm_z([123])", name)  # phases of Λ_i
    if m:
        return rf"$\zeta_{m.group(1)}$"
    simple = {"delta_cp": r"$\delta_\mathrm{CP}$", "eps_dark": r"$\varepsilon_d$", "delta_zd": r"$\delta_d$",
              "m_zd": r"$m_{Z_d}$"}
    if name in simple:
        return simple[name]
    if name == "g_phi":
        return r"$g_\phi$"
    if name == "m_phi":
        return r"$M_\phi$"
    return name


LOG_PARAMETERS = ("g_zp", "m_zp", "mu_nu_*", "q_nu_*")  # usually shown on log axes


def is_log_parameter(name: str | None) -> bool:
    """True for parameters usually drawn on a log axis (:data:`LOG_PARAMETERS`; ``*`` matches a suffix)."""
    if not name:
        return False
    return any(name == p or (p.endswith("*") and name.startswith(p[:-1])) for p in LOG_PARAMETERS)


def axis_label(name: str) -> str:
    """Axis label of parameter ``name``: symbol and, when it has one, the unit from the parameter registry,
    e.g. ``$R_n$ [fm]``, ``$M_{Z'}$ [MeV]``, ``$\\sin^2\\theta_W$``."""
    from cevns.scanner.params import PARAMETERS

    sym = parameter_symbol(name)
    p = PARAMETERS.get(name)
    unit = p.unit if p is not None else ""
    if not unit:
        return sym
    return f"{sym} [{_UNITS.get(unit, unit)}]"


_EXPERIMENTS = {
    "coherent-csi-2021": "CsI 2021",
    "coherent-csi-2017": "CsI 2017",
    "coherent-lar-2020": "LAr 2020",
    "dresden-ii": "Dresden-II",
    "xenonnt-er-2022": "XENONnT 2022",
}


def experiment_label(name: str) -> str:
    """Short label of an experiment name or a ``"+"`` combination ("CsI 2021 + LAr 2020"); options dropped."""
    parts = [p.split(":", 1)[0].strip() for p in split_combination(name)]
    out = []
    for p in parts:
        if p in _EXPERIMENTS:
            out.append(_EXPERIMENTS[p])
        elif p.startswith("future-"):
            out.append(p[len("future-") :].replace("-", " ").upper() + " (future)")
        else:
            out.append(p)
    return " + ".join(out)


def cl_label(cl: float, dof: int) -> str:
    """``"90 % CL (2 dof)"`` for cl = 0.9 and dof = 2."""
    pct = 100.0 * float(cl)
    return f"{pct:.4g} % CL ({int(dof)} dof)"


# ---------------------------------------------------------------------------------------------------- output

FORMATS = {".png": "png", ".pdf": "pdf"}


def save(fig, path, *, dpi: int = DPI) -> list[Path]:
    """Write ``fig`` to ``path``: PNG or PDF by suffix, both (``path.png``, ``path.pdf``) when the path has no
    suffix. Missing parent folders are created; each file is written atomically. Returns the paths written.

    Raises :class:`ConfigError` for another suffix and :class:`OutputError` when the location cannot be written.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in FORMATS:
        targets = [path]
    elif suffix == "":
        targets = [path.with_name(path.name + ".png"), path.with_name(path.name + ".pdf")]
    else:
        raise ConfigError(f"{path}: output suffix must be .png or .pdf (or none for both), got {path.suffix!r}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"{path.parent}: cannot create output folder ({folder_error(path.parent, e)})") from None
    written = []
    for t in targets:
        tmp = None
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{t.name}.", suffix=".tmp", dir=t.parent)
            with os.fdopen(fd, "wb") as f:
                fig.savefig(f, format=FORMATS[t.suffix.lower()], dpi=dpi)
            os.chmod(tmp, FILE_MODE)  # mkstemp makes 0600 files
            os.replace(tmp, t)
            tmp = None
        except OSError as e:
            raise OutputError(f"{t}: cannot write figure ({e.strerror or e})") from None
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
        written.append(t)
    return written
