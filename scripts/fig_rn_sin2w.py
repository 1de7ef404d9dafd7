"""Neutron rms radius of CsI versus the weak mixing angle: COHERENT CsI 2021 alone and combined with atomic parity
violation in ¹³³Cs (APV with the PDG and the 2021 Im E_PNC), contours at 1σ, 90 % and 2σ for 2 dof (seed
000:960–1000; M. Atzori Corona et al., EPJC 83 (2023) 683).

Profiled-χ² scans on (R_n, sin²θ_W), R_n common to Cs and I (``rn``), CsI nuisances profiled; the APV term is the
χ² of 000:920 with the neutron-skin correction. CsI alone gets a wide grid, the combinations a narrow one in
sin²θ_W (their contour is ~0.01 wide); panel (a) shows all, panel (b) zooms on the combinations. Printed: best
fit, 1-dof 1σ intervals from the profile (Δχ² = 1) and χ²_min, next to seed 000:964–980.

    python scripts/fig_rn_sin2w.py [--quick] [--out DIR] [--n-jobs N]
"""

from __future__ import annotations

import sys
import time

import _figures as F

NAME = "fig_rn_sin2w"
CLS, DOF = (0.6827, 0.9, 0.9545), 2
SCANS = {  # tag → (experiments, label, (rn range), (sin2w range))
    "csi": ("coherent-csi-2021", "CsI 2021", (3.0, 14.0), (0.10, 0.65)),
    "csi-apv-pdg": ("coherent-csi-2021+apv-cs", "CsI + APV (PDG)", (3.0, 8.0), (0.215, 0.265)),
    "csi-apv-2021": ("coherent-csi-2021+apv-cs:epnc=2021", "CsI + APV (2021)", (3.0, 8.0), (0.215, 0.265)),
}
SEEDS = {
    "csi": "R_n = 6.6 +1.4/−1.1 fm, sin²θ_W = 0.31 +0.08/−0.07, χ²_min = 83.9 (000:964, 982)",
    "csi-apv-pdg": "R_n = 5.4 +0.5/−0.4 fm, sin²θ_W = 0.2397 +0.0033/−0.0032, χ²_min = 85.2 (000:974)",
    "csi-apv-2021": "R_n = 5.5 ± 0.4 fm, sin²θ_W = 0.2423 +0.0032/−0.0029, χ²_min = 85.1 (000:980)",
}


def main(argv=None) -> int:
    ap = F.parser(NAME, __doc__)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    n = 25 if args.quick else 241
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    print(f"{NAME}: R_n(CsI) vs sin²θ_W, contours at 1σ, 90 %, 2σ ({DOF} dof)")
    results, written, summary = {}, [], {"cl": CLS, "dof": DOF, "fits": {}}
    for tag, (exps, label, rr, sr) in SCANS.items():
        axes = [F.axis("rn", *rr, n), F.axis("sin2w", *sr, n)]
        res = F.scan(exps, "sm", axes, n_jobs=args.n_jobs, label=label)
        results[tag] = res
        written += F.write_contour_files(out, f"{NAME}-{tag}", res, list(CLS), DOF, source=exps)
        fitd = {"chi2_min": res.chi2_min}
        for name in ("rn", "sin2w"):
            best, lo, hi = F.central_interval(res, name, F.LEVEL_1DOF["1sigma"])
            fitd[name] = {"best": best, "minus": best - lo, "plus": hi - best}
        summary["fits"][tag] = fitd
        print(f"    ours: R_n = {fitd['rn']['best']:.2f} +{fitd['rn']['plus']:.2f}/−{fitd['rn']['minus']:.2f} fm, "
              f"sin²θ_W = {fitd['sin2w']['best']:.4f} +{fitd['sin2w']['plus']:.4f}/−{fitd['sin2w']['minus']:.4f}, "
              f"χ²_min = {res.chi2_min:.1f}")
        print(f"    seed: {SEEDS[tag]}")

    from cevns.plots import plot_contours, style

    with style.context():
        fig = style.new_figure((style.DOUBLE_WIDTH, 3.0))
        ax_all, ax_zoom = fig.subplots(1, 2)
        plot_contours({lab: results[t] for t, (_, lab, _, _) in SCANS.items()}, cl=CLS, dof=DOF, ax=ax_all,
                      legend=False)
        combos = {lab: results[t] for t, (_, lab, _, _) in SCANS.items() if t != "csi"}
        art = plot_contours(combos, cl=CLS, dof=DOF, ax=ax_zoom, colors=["#ff7f0e", "#2ca02c"], legend=False)
        ax_zoom.set_xlim(3.5, 7.5)
        ax_zoom.set_ylim(0.228, 0.252)
        # one legend: colours = data sets, line styles = CL
        from matplotlib.lines import Line2D

        colors = ["#1f77b4", "#ff7f0e", "#2ca02c"]
        h = [Line2D([], [], color=c, label=lab) for c, (_, lab, _, _) in zip(colors, SCANS.values())]
        ls = [e.lines[0].get_linestyle() for e in art.entries[: len(CLS)] if e.lines]
        h += [Line2D([], [], color="k", ls=s, label=style.cl_label(c, DOF)) for s, c in zip(ls, CLS)]
        ax_all.legend(handles=h, loc="upper left", fontsize=7)
        ax_all.set_title("(a) CsI 2021 alone and with APV(Cs)", fontsize=8)
        ax_zoom.set_title("(b) CsI 2021 + APV(Cs), zoom", fontsize=8)
        written += F.save_figure(fig, out, NAME)
    F.finish(out, NAME, written, summary, t0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
