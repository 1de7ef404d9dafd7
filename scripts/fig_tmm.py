"""Transition magnetic moments: 90 % CL upper limits on |Λ_i| (i = 1, 2, 3; the other two zero) for the current
and future configurations of the SNS and reactor setups of seed 003 (Miranda, Papoulias, Tórtola, Valle, JHEP 07
(2019) 103, table at 003:348–366), ours (filled) next to the seed's (open), log scale.

The limits come from :func:`scripts.tmm_table.table` (the "seed" reading: Asimov one-bin χ² of 003:280 with the
nuisance a = 0 and, for SNS rows, all sources' SM CEvNS; model ``tmm``). Written: the figure, ``<name>.csv`` and
``<name>.json`` (one row per cell: setup, beam, config, i, seed, ours, ratio). ``--quick``: the LAr and CONUS rows
only.

    python scripts/fig_tmm.py [--quick] [--out DIR] [--tol 0.25]
"""

from __future__ import annotations

import csv
import io
import json
import sys
import time

import _figures as F
import numpy as np
from tmm_table import DEFAULT_TOL, table

NAME = "fig_tmm"
QUICK_ROWS = ["LAr", "CONUS"]


def category(c) -> str:
    grp = {"SNS prompt": "prompt", "SNS delayed": "delayed"}.get(c["group"])
    return f"{c['row']} {grp}" if grp else c["row"]


def main(argv=None) -> int:
    ap = F.parser(NAME, __doc__)
    ap.add_argument("--tol", type=float, default=DEFAULT_TOL, help="relative tolerance per cell (default 0.25)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    print(f"{NAME}: 90 % CL |Λ_i| [1e-10 μ_B], ours vs seed 003:348–366")
    cells = table(QUICK_ROWS if args.quick else None, args.tol, printed=False)
    cats = list(dict.fromkeys(category(c) for c in cells))
    for c in cells:
        print(f"  {category(c):16} {c['config']:7} Λ{c['i']}: seed {c['seed']:7.3g}  ours {c['ours']:8.3g}  "
              f"ratio {c['ratio']:5.2f} {'ok' if c['pass'] else 'off'}")
    n_pass = sum(c["pass"] for c in cells)
    print(f"  {n_pass}/{len(cells)} cells within ±{100 * args.tol:.0f} % of the seed")
    ratios = np.array([c["ratio"] for c in cells])
    print(f"  ratio ours/seed: median {np.median(ratios):.2f}, range {ratios.min():.2f}–{ratios.max():.2f}")

    written = []
    keys = ["row", "group", "config", "i", "seed", "ours", "ratio", "pass", "experiment", "seed_line"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(keys)
    for c in cells:
        w.writerow([c[k] for k in keys])
    (out / f"{NAME}.csv").write_text(buf.getvalue())
    (out / f"{NAME}.json").write_text(json.dumps([{k: c[k] for k in keys} for c in cells], indent=1) + "\n")
    written += [out / f"{NAME}.csv", out / f"{NAME}.json"]

    from matplotlib.lines import Line2D

    from cevns.plots import style

    with style.context():
        fig = style.new_figure((style.DOUBLE_WIDTH, 5.0))
        axs = fig.subplots(3, 1, sharex=True)
        x = np.arange(len(cats))
        sty = {"current": ("o", "#1f77b4", -0.15), "future": ("s", "#d62728", 0.15)}
        for i, ax in zip((1, 2, 3), axs):
            for config, (mk, col, dx) in sty.items():
                sel = [c for c in cells if c["i"] == i and c["config"] == config]
                xs = np.array([cats.index(category(c)) for c in sel]) + dx
                ax.plot(xs, [c["seed"] for c in sel], marker=mk, mfc="none", mec="0.35", ls="none", ms=5)
                ax.plot(xs, [c["ours"] for c in sel], marker=mk, color=col, ls="none", ms=3.2)
            ax.set_yscale("log")
            ax.set_ylabel(rf"$|\Lambda_{i}|$ [$10^{{-10}}\,\mu_B$]")
            ax.grid(axis="y", which="major", lw=0.3, color="0.85")
            for k in range(1, len(cats)):
                ax.axvline(k - 0.5, color="0.9", lw=0.4)
        axs[-1].set_xticks(x)
        axs[-1].set_xticklabels(cats, rotation=35, ha="right")
        axs[-1].set_xlim(-0.6, len(cats) - 0.4)
        handles = [
            Line2D([], [], marker="o", color="#1f77b4", ls="none", label="ours, current"),
            Line2D([], [], marker="s", color="#d62728", ls="none", label="ours, future"),
            Line2D([], [], marker="o", mfc="none", mec="0.35", ls="none", ms=5, label="seed 003, current"),
            Line2D([], [], marker="s", mfc="none", mec="0.35", ls="none", ms=5, label="seed 003, future"),
        ]
        axs[0].legend(handles=handles, ncol=4, loc="lower center", bbox_to_anchor=(0.5, 1.0))
        written += F.save_figure(fig, out, NAME)
    F.finish(out, NAME, written, {"cells": len(cells), "pass": n_pass, "tol": args.tol,
                                  "ratio_median": float(np.median(ratios))}, t0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
