"""``cevns plot``: figures of scan results (contours, Δχ² profiles) and data-vs-prediction spectra.

Added to the main parser by :func:`register`; the handler only parses arguments and calls :mod:`cevns.plots`.
User errors are raised as :class:`~cevns.scanner.errors.CevnsError` (one line, exit status 2 from ``cevns``).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from .errors import ConfigError

__all__ = ["register", "cmd_plot"]

PLOT_HELP = "draw contours / Δχ² profiles of scan results, or an experiment's data-vs-prediction spectrum"
PLOT_EPILOG = """examples:
  cevns plot results/rn-sin2w --cl 68 --cl 90 --out fig/rn-sin2w        (fig/rn-sin2w.png and .pdf)
  cevns plot results/a results/b --label 'CsI 2021' --label 'LAr 2020' --reference ref.csv --filled
  cevns plot results/nsi-3d --profile eps_d_ee --cl 90                   (3D result: profile or --slice)
  cevns plot results/rn-sin2w --profile-1d rn --out rn-profile.pdf       (1D Δχ² profile with 1σ/90 %/2σ)
  cevns plot --spectrum coherent-csi-2021 --set rn=5.5 --out csi.png     (data vs prediction, fitted η)
"""


def register(subparsers) -> None:
    """Add the ``plot`` subcommand to an argparse ``subparsers`` object."""
    import argparse

    p = subparsers.add_parser(
        "plot",
        help=PLOT_HELP,
        description=PLOT_HELP + " (docs/plots.md)",
        epilog=PLOT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "results",
        nargs="*",
        metavar="RESULT",
        help="result.npz, a scan output folder, or a contour .json/.csv (several: one colour each)",
    )
    p.add_argument(
        "--cl",
        action="append",
        metavar="CL",
        help="confidence level, 90 or 0.9 (repeatable; default: the first result's scan cl, else 90)",
    )
    p.add_argument("--dof", type=int, choices=(1, 2, 3), default=2, help="degrees of freedom of the levels (default 2)")
    p.add_argument("--label", action="append", metavar="TEXT", help="legend label per RESULT (default: experiment)")
    p.add_argument(
        "--reference",
        action="append",
        metavar="FILE",
        help="reference limit to overlay: contour JSON/CSV or two-column x,y CSV (repeatable)",
    )
    p.add_argument("--filled", action="store_true", help="fill the allowed regions")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--profile", metavar="AXIS", help="3D result: minimise Δχ² over AXIS")
    g.add_argument("--slice", metavar="AXIS=VALUE", help="3D result: the grid plane of AXIS nearest VALUE")
    g.add_argument("--profile-1d", metavar="AXIS", help="draw the Δχ² profile of AXIS (minimum over the other axes)")
    p.add_argument("--spectrum", metavar="EXPERIMENT", help="data vs prediction of EXPERIMENT instead of a result")
    p.add_argument("--set", action="append", metavar="NAME=VALUE", help="--spectrum: parameter value (repeatable)")
    p.add_argument("--model", default=None, help="--spectrum: mediator model (default sm; see `cevns list`)")
    p.add_argument(
        "--nuisances",
        choices=("fit", "zero"),
        default=None,
        help="--spectrum: profile the nuisances at the parameters (default) or set them to zero",
    )
    p.add_argument(
        "--out",
        metavar="PATH",
        help="output .png or .pdf, or a path without suffix for both (default: beside the first result; "
        "spectrum-EXPERIMENT in the current folder for --spectrum)",
    )
    p.set_defaults(func=cmd_plot)


def _params(pairs) -> dict:
    out = {}
    for item in pairs or []:
        name, eq, value = item.partition("=")
        if not eq:
            raise ConfigError(f"--set '{item}': expected NAME=VALUE")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise ConfigError(f"--set '{item}': value '{value}' is not a number") from None
    return out


def _default_out(first: Path, stem: str) -> Path:
    folder = first if first.is_dir() else first.parent
    return folder / stem


def cmd_plot(args) -> int:
    import matplotlib

    matplotlib.use("Agg")  # files only; never a window
    import matplotlib.pyplot as plt

    from cevns.plots import plot_contours, plot_profile, plot_spectrum, profile_from_result, result_label, save

    if args.spectrum and args.results:
        raise ConfigError("give either RESULT(s) or --spectrum EXPERIMENT, not both")
    if not args.spectrum and not args.results:
        raise ConfigError("nothing to plot: give RESULT(s) or --spectrum EXPERIMENT")
    if args.spectrum:
        extra = [f"--{n}" for n in ("cl", "label", "reference", "profile", "slice", "profile_1d") if getattr(args, n)]
        if extra or args.filled:
            raise ConfigError(f"{', '.join(extra or ['--filled'])}: not used with --spectrum")
        model = args.model or "sm"
        art = plot_spectrum(args.spectrum, _params(args.set), nuisances=args.nuisances or "fit", model=model)
        # the default name carries the options: another analysis of the same experiment gets its own file
        tag = re.sub(r"[^A-Za-z0-9.+-]+", "_", args.spectrum.strip())
        out = Path(args.out) if args.out else Path(f"spectrum-{tag}")
        name = art.spectrum.experiment
        try:
            written = save(art.figure, out)
        finally:
            plt.close(art.figure)
        eta = ", ".join(f"{k}={v:+.3f}" for k, v in art.spectrum.nuisances.items())
        print(f"{name}: data vs prediction" + (f" (nuisances {eta})" if eta else ""))
        print("wrote " + ", ".join(str(p) for p in written))
        return 0
    if args.set or args.model or args.nuisances:
        used = "--set" if args.set else "--model" if args.model else "--nuisances"
        raise ConfigError(f"{used} is used with --spectrum only")

    from cevns.scanner.results import load_result

    labels = args.label
    if labels is not None and len(labels) != len(args.results):
        raise ConfigError(f"{len(labels)} --label for {len(args.results)} result(s)")
    first = Path(args.results[0])
    is_contour_file = [Path(r).suffix.lower() in (".json", ".csv") for r in args.results]
    loaded = [None if c else load_result(r, mmap=True, nuisances=False) for r, c in zip(args.results, is_contour_file)]
    one_d = [r for r in loaded if r is not None and r.ndim == 1]
    if args.profile_1d or (one_d and len(one_d) == len(loaded)):
        if any(is_contour_file):
            raise ConfigError("a Δχ² profile needs scan results, not contour files")
        if args.reference or args.filled:
            raise ConfigError("--reference/--filled apply to contours, not to --profile-1d")
        axis = args.profile_1d or loaded[0].names[0]
        from cevns.plots import style

        with style.context():  # one style for every curve (plot_profile applies it only when it makes the axes)
            import matplotlib as mpl

            palette = mpl.rcParams["axes.prop_cycle"].by_key()["color"]
            ax, lo, hi = None, np.inf, -np.inf
            for i, res in enumerate(loaded):
                x, d = profile_from_result(res, axis)
                lab = labels[i] if labels else (result_label(res) if len(loaded) > 1 else None)
                color = palette[i % len(palette)] if len(loaded) > 1 else None  # one colour per result
                art = plot_profile(x, d, axis, ax=ax, levels=None if i else ("1sigma", "90", "2sigma"), label=lab,
                                   color=color)
                ax = art.ax
                ok = np.isfinite(d)
                if ok.any():
                    lo, hi = min(lo, float(x[ok].min())), max(hi, float(x[ok].max()))
            if lo < hi:
                ax.set_xlim(lo, hi)  # every result's range, not the last one's
            if ax.get_legend() is not None:
                ax.legend()
        fig = ax.figure
        out = Path(args.out) if args.out else _default_out(first, f"profile-{axis}")
        what = f"Δχ² profile of {axis}"
    else:
        cls = args.cl or next((r.metadata.get("cl") for r in loaded if r is not None and r.metadata.get("cl")), None)
        cls = cls or [0.9]
        items = [r if r is not None else p for r, p in zip(loaded, args.results)]
        art = plot_contours(
            items,
            cl=cls,
            dof=args.dof,
            labels=labels,
            reference=args.reference,
            filled=args.filled,
            profile=args.profile,
            slice=args.slice,
        )
        fig = art.ax.figure
        out = Path(args.out) if args.out else _default_out(first, "contours")
        n = len(art.lines)
        what = f"{n} contour line(s): " + "; ".join(e.label for e in art.entries)
    try:
        written = save(fig, out)
    finally:
        plt.close(fig)
    print(what)
    print("wrote " + ", ".join(str(p) for p in written))
    return 0
