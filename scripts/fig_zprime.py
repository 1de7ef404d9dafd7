"""Light vector Z': 90 % CL exclusion in the (M_Z', g_Z') plane for the ten U(1)' models of seed 000:299–330 on
COHERENT CsI 2021 + LAr 2020 (seed 000:300–400; M. Atzori Corona et al., JHEP 05 (2022) 109).

Each model is a profiled-χ² scan (all nuisances of both detectors profiled) on g_Z' ∈ [1e-6, 1e-2] and
M_Z' ∈ [0.1, 1e4] MeV, log axes; the contour is Δχ² = 4.61 (90 % CL, 2 dof) above the scan minimum. The main
figure shows universal, B−L and L_μ−L_τ; ``<name>-all`` has one panel per model. Printed: the smallest excluded
g_Z' at a few masses (first crossing of the level going up in g at that mass; for the universal and B−L models
an allowed band of larger g — the weak charge flipped sign — lies above it).

    python scripts/fig_zprime.py [--quick] [--out DIR] [--n-jobs N] [--models universal,b-l,lmu-ltau]
"""

from __future__ import annotations

import sys
import time

import _figures as F
import numpy as np

NAME = "fig_zprime"
EXPERIMENTS = "coherent-csi-2021+coherent-lar-2020"
MODELS = {  # model suffix → label (charge table 000:321–330)
    "universal": "universal",
    "b-l": r"$B-L$",
    "b-3le": r"$B-3L_e$",
    "b-3lmu": r"$B-3L_\mu$",
    "b-2le-lmu": r"$B-2L_e-L_\mu$",
    "b-le-2lmu": r"$B-L_e-2L_\mu$",
    "by-lmu-ltau": r"$B_y+L_\mu+L_\tau$",
    "le-lmu": r"$L_e-L_\mu$",
    "le-ltau": r"$L_e-L_\tau$",
    "lmu-ltau": r"$L_\mu-L_\tau$",
}
MAIN = ("universal", "b-l", "lmu-ltau")
CL, DOF = 0.9, 2
MASSES = (1.0, 10.0, 20.0, 100.0, 200.0, 1000.0)  # MeV, for the printed limits
# Seed 000 statements on the CsI + Ar analysis (000:341–371): regions of improved constraints.
SEED_REGIONS = {
    "universal": "20 < M < 200 MeV, 2e-5 < g < 1e-4 (000:341)",
    "b-l": "10 < M < 200 MeV, 5e-5 < g < 3e-4 (000:350)",
    "b-2le-lmu": "10 < M < 100 MeV, 5e-5 < g < 2e-4 (000:364)",
    "b-le-2lmu": "20 < M < 200 MeV, 3e-5 < g < 3e-4 (000:370)",
    "lmu-ltau": "CEvNS limits not competitive with (g−2)_μ band (000:385)",
}


def lowest_excluded(result, level: float, mass: float) -> float:
    """Smallest g_Z' with Δχ² ≥ level at the grid mass nearest ``mass`` (log-interpolated); NaN if none."""
    m_ax, g_ax = result.axes
    i = int(np.argmin(np.abs(np.log(m_ax.values) - np.log(mass))))
    d = np.asarray(result.dchi2)[i]
    g = g_ax.values
    above = np.nonzero(d >= level)[0]
    if above.size == 0:
        return float("nan")
    j = int(above[0])
    if j == 0:
        return float(g[0])
    t = (level - d[j - 1]) / (d[j] - d[j - 1])
    return float(np.exp(np.log(g[j - 1]) + t * (np.log(g[j]) - np.log(g[j - 1]))))


def main(argv=None) -> int:
    ap = F.parser(NAME, __doc__)
    ap.add_argument("--models", default="all", help="comma-separated model suffixes (default: all ten)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    models = list(MODELS) if args.models == "all" else [m.strip() for m in args.models.split(",") if m.strip()]
    for m in models:
        if m not in MODELS:
            ap.error(f"unknown model {m!r}; choose from {', '.join(MODELS)}")
    nm, ng = (21, 25) if args.quick else (151, 321)
    axes = [F.axis("m_zp", 1e-1, 1e4, nm, "log"), F.axis("g_zp", 1e-6, 1e-2, ng, "log")]
    out = args.out
    out.mkdir(parents=True, exist_ok=True)

    from cevns.plots import plot_contours, style
    from cevns.scanner.contour import contour_levels

    level = contour_levels(CL, DOF)
    results, written, summary = {}, [], {"experiments": EXPERIMENTS, "cl": CL, "dof": DOF, "level": level,
                                         "grid": [nm, ng], "limits_g_at_mass_MeV": {}}
    print(f"{NAME}: Z' exclusion, {EXPERIMENTS}, {100 * CL:.0f} % CL ({DOF} dof, Δχ² = {level:.3f})")
    for m in models:
        model = f"zprime-{m}"
        res = F.scan(EXPERIMENTS, model, axes, n_jobs=args.n_jobs, label=m)
        results[m] = res
        written += F.write_contour_files(out, f"{NAME}-{m}", res, [CL], DOF, source=f"{EXPERIMENTS} [{model}]")
        lim = {f"{mass:g}": lowest_excluded(res, level, mass) for mass in MASSES}
        summary["limits_g_at_mass_MeV"][m] = lim
        print("    g_Z' excluded above: " + ", ".join(
            (f"{g:.2e}" if g == g else "none in the g range") + f" (M = {k} MeV)" for k, g in lim.items()))
        if m in SEED_REGIONS:
            print(f"    seed: {SEED_REGIONS[m]}")

    with style.context():
        main_models = [m for m in MAIN if m in results] or models[:3]
        fig = style.new_figure((style.COLUMN_WIDTH, 2.9))
        ax = fig.add_subplot()
        plot_contours({MODELS[m]: results[m] for m in main_models}, cl=CL, dof=DOF, ax=ax, best_fit=False,
                      legend_loc="lower right")
        ax.set_title("CsI 2021 + LAr 2020: excluded above the lines", fontsize=8)
        if "universal" in main_models:
            ax.annotate("allowed band:\nweak charge\nflips sign", xy=(3.2e2, 5.8e-4), xytext=(1.5, 2.6e-4),
                        fontsize=6.5, color="#1f77b4", va="center", arrowprops={"arrowstyle": "->", "lw": 0.6,
                                                                                   "color": "#1f77b4"})
        written += F.save_figure(fig, out, NAME)

        n = len(models)
        ncol = min(n, 5)
        nrow = -(-n // ncol)
        fig = style.new_figure((style.DOUBLE_WIDTH, 1.75 * nrow + 0.3))
        axs = fig.subplots(nrow, ncol, sharex=True, sharey=True, squeeze=False)
        for k, m in enumerate(models):
            a = axs.flat[k]
            plot_contours({MODELS[m]: results[m]}, cl=CL, dof=DOF, ax=a, best_fit=False, legend=False)
            a.text(0.05, 0.93, MODELS[m], transform=a.transAxes, va="top", fontsize=8)
            if k % ncol:
                a.set_ylabel("")
            if k < n - ncol:
                a.set_xlabel("")
        for a in list(axs.flat)[n:]:
            a.set_visible(False)
        fig.suptitle(f"CsI 2021 + LAr 2020: excluded above the lines, {style.cl_label(CL, DOF)}", fontsize=8)
        written += F.save_figure(fig, out, f"{NAME}-all")
    F.finish(out, NAME, written, summary, t0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
