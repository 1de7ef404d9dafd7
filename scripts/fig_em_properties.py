"""Neutrino electromagnetic properties from COHERENT CsI 2021 + LAr 2020 (and Dresden-II for ν_e): allowed
regions of the effective magnetic moments (μ_νe, μ_νμ) and of the diagonal charge radii (⟨r²_νe⟩, ⟨r²_νμ⟩),
90 % CL for 2 dof (seed 000:400–470, 1374–1447; seed 001:600–641; seed 002:120–240).

Profiled-χ² scans, all nuisances of each detector profiled. Magnetic moments [1e-10 μ_B] enter squared
(CEvNS + ν–e scattering; 000:1374, 1384); the scan covers μ ≥ 0. Dresden-II sees only ν̄_e: in the combination
it constrains μ_νe (and ⟨r²_νe⟩), so it gets its own finer grid in μ_νe. Charge radii [1e-32 cm²] in the
convention of 002:126 (SM: −0.82, −0.48; other radii at their SM values, transition radii 0); the charge radius
shifts g_V^p, so a second allowed island lies where the shift reverses the weak charge (⟨r²⟩ ≈ −50).
Printed: 1-dof 90 % CL intervals (Δχ² = 2.71 of the profile over the other axis) next to the seeds' limits.

    python scripts/fig_em_properties.py [--quick] [--out DIR] [--n-jobs N]
"""

from __future__ import annotations

import sys
import time

import _figures as F

NAME = "fig_em_properties"
COH = "coherent-csi-2021+coherent-lar-2020"
COH_D = "coherent-csi-2021+coherent-lar-2020+dresden-ii"
CL, DOF = 0.9, 2
SM_RCH2 = (-0.82, -0.48)  # 1e-32 cm², 000:1110
SEEDS = {
    "mu_nu_e": "Dresden-II (CEvNS + ES, Fef): |μ_νe| < 2.13 (000:1427); COHERENT 2020 CsI + Ar: < 56 (001:639)",
    "mu_nu_mu": "COHERENT CsI (CEvNS + ES) + Ar: |μ_νμ| < 18 (000:1429); 2020 data: < 41 (001:639)",
    "rch2_ee": "COHERENT: −7.1 < ⟨r²_νe⟩ < 11.2; + Dresden-II: −8.1 < ⟨r²_νe⟩ < 4.3 (000:1402–1403)",
    "rch2_mumu": "COHERENT + Dresden-II: −5.9 < ⟨r²_νμ⟩ < 4.3 (004:809)",
}


def main(argv=None) -> int:
    ap = F.parser(NAME, __doc__)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    q = args.quick
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    n_mu, n_mue_fine, n_r = (21, 25, 25) if q else (201, 161, 241)
    scans = {  # tag → (experiments, axes, label)
        "mu-coherent": (COH, [F.axis("mu_nu_e", 0, 50, n_mu), F.axis("mu_nu_mu", 0, 50, n_mu)],
                        "CsI 2021 + LAr 2020"),
        "mu-coherent-dresden": (COH_D, [F.axis("mu_nu_e", 0, 6, n_mue_fine), F.axis("mu_nu_mu", 0, 50, n_mu)],
                                "CsI + LAr + Dresden-II"),
        "rch2-coherent": (COH, [F.axis("rch2_ee", -80, 40, n_r), F.axis("rch2_mumu", -80, 40, n_r)],
                          "CsI 2021 + LAr 2020"),
        "rch2-coherent-dresden": (COH_D, [F.axis("rch2_ee", -80, 40, n_r), F.axis("rch2_mumu", -80, 40, n_r)],
                                  "CsI + LAr + Dresden-II"),
    }
    print(f"{NAME}: ν magnetic moments and charge radii, {100 * CL:.0f} % CL ({DOF} dof)")
    results, written, summary = {}, [], {"cl": CL, "dof": DOF, "intervals_90_1dof": {}}
    for tag, (exps, axes, label) in scans.items():
        res = F.scan(exps, "sm", axes, n_jobs=args.n_jobs, label=f"{tag} ({exps})")
        results[tag] = res
        written += F.write_contour_files(out, f"{NAME}-{tag}", res, [CL], DOF, source=exps)
        summary["intervals_90_1dof"][tag] = {}
        for name in res.names:
            segs = F.profile_intervals(res, name)
            summary["intervals_90_1dof"][tag][name] = segs
            print(f"    {name}: 90 % CL (1 dof) allowed {F.fmt_segments(segs)}")
    for name, text in SEEDS.items():
        print(f"  seed {name}: {text}")

    from cevns.plots import plot_contours, style

    with style.context():
        fig = style.new_figure((style.DOUBLE_WIDTH, 3.0))
        ax_mu, ax_r = fig.subplots(1, 2)
        plot_contours({lab: results[t] for t, (_, _, lab) in scans.items() if t.startswith("mu-")}, cl=CL, dof=DOF,
                      ax=ax_mu, best_fit=False, legend_loc="upper right")
        ax_mu.set_title("(a) magnetic moments (allowed below the lines)", fontsize=8)
        plot_contours({lab: results[t] for t, (_, _, lab) in scans.items() if t.startswith("rch2-")}, cl=CL,
                      dof=DOF, ax=ax_r, best_fit=False, legend_loc="lower right")
        ax_r.plot(*SM_RCH2, marker="*", color="k", ls="none", ms=6, label="SM")
        ax_r.legend(loc="lower right")
        ax_r.set_title("(b) charge radii (allowed inside)", fontsize=8)
        ax_r.text(-25, -22, "islands at $\\langle r^2\\rangle \\approx -50$:\nthe radius reverses\nthe weak charge",
                  ha="center", va="center", fontsize=6.5, color="0.3")
        mu_unit, r_unit = r" [$10^{-10}\,\mu_B$]", r" [$10^{-32}$ cm$^2$]"
        ax_mu.set_xlabel(r"$\mu_{\nu_e}$" + mu_unit)
        ax_mu.set_ylabel(r"$\mu_{\nu_\mu}$" + mu_unit)
        ax_r.set_xlabel(r"$\langle r^2_{\nu_e}\rangle$" + r_unit)
        ax_r.set_ylabel(r"$\langle r^2_{\nu_\mu}\rangle$" + r_unit)
        written += F.save_figure(fig, out, NAME)
    F.finish(out, NAME, written, summary, t0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
