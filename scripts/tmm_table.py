"""The 90 % CL |Λ_i| table of seed 003:348–366 (Miranda, Papoulias, Tórtola, Valle, JHEP 07 (2019) 103) next to
ours from the future-setup Asimov experiments (model ``tmm``), with the ratio per cell and pass/fail.

Each cell: the 90 % CL upper limit on |Λ_i| with the other two Λ_j = 0 (phases then irrelevant), from
Δχ² = 2.706 of the one-bin χ² of 003:280–284 (``cevns.scanner.fit.fit(..., model="tmm")["interval_90"]``, upper
end). SNS rows use ``beam=prompt`` (ν_μ) or ``beam=delayed`` (ν_e + ν̄_μ); current / [future] = ``config``.
Main column ("seed" reading, the one the seed's numbers follow): the nuisance a held at 0 (option sys=off) and, for
the SNS rows, the SM CEvNS of all three sources in N_theor and N_meas (option sm=all) with the TMM signal of the
row's beam only. Last columns: the χ² of 003:282 as printed (a profiled with σ_sys), the beam's sources only
(docs/physics/future-setups.md, "Transition magnetic moments").
Thresholds: CONUS, TEXONO (Ge) and CONNIE (Si) read as electron-equivalent and converted with Lindhard (option
thr=ee, the default of those setups); ``--thr nr`` reads them as nuclear-recoil energy (the earlier reading).

    python scripts/tmm_table.py [--tol 0.25] [--rows CsI,LAr,CONUS,TEXONO] [--thr ee|nr] [--json]
"""

from __future__ import annotations

import argparse
import json

import _cli  # scripts/ is on sys.path when a script runs
import numpy as np

from cevns.scanner.experiments.future import SETUPS, tmm_seed_options
from cevns.scanner.fit import fit

# (row label, group, experiment name, beam) → seed 003:348–366 values: ((Λ1, Λ2, Λ3) current, [future]).
SEED_TABLE = [
    ("CsI[Na]", "SNS prompt", "future-coherent-csi", "prompt", (69.2, 70.2, 89.6), (5.0, 5.1, 6.4), 350),
    ("HPGe", "SNS prompt", "future-coherent-hpge", "prompt", (25.9, 26.2, 33.5), (5.1, 5.2, 6.6), 351),
    ("LAr", "SNS prompt", "future-coherent-lar", "prompt", (14.7, 14.9, 19.1), (2.9, 2.9, 3.7), 352),
    ("NaI[Tl]", "SNS prompt", "future-coherent-nai", "prompt", (16.6, 16.8, 21.5), (2.8, 2.8, 3.6), 353),
    ("CsI[Na]", "SNS delayed", "future-coherent-csi", "delayed", (54.5, 48.7, 49.8), (4.2, 3.7, 3.7), 355),
    ("HPGe", "SNS delayed", "future-coherent-hpge", "delayed", (21.3, 18.9, 19.1), (4.2, 3.8, 3.8), 356),
    ("LAr", "SNS delayed", "future-coherent-lar", "delayed", (11.3, 10.1, 10.4), (2.3, 2.1, 2.1), 357),
    ("NaI[Tl]", "SNS delayed", "future-coherent-nai", "delayed", (10.0, 9.1, 9.4), (2.3, 2.0, 2.0), 358),
    ("CONUS", "Reactor", "future-conus", None, (1.9, 1.3, 1.1), (0.37, 0.26, 0.22), 360),
    ("CONNIE", "Reactor", "future-connie", None, (0.90, 0.63, 0.53), (0.13, 0.09, 0.08), 361),
    ("MINER", "Reactor", "future-miner", None, (1.7, 1.2, 1.0), (0.58, 0.41, 0.34), 362),
    ("TEXONO", "Reactor", "future-texono", None, (3.2, 2.3, 1.9), (0.46, 0.32, 0.27), 363),
    ("RED100", "Reactor", "future-red100", None, (1.0, 0.72, 0.61), (0.14, 0.10, 0.08), 364),
]
DEFAULT_TOL = 0.25


def experiment_name(name: str, beam: str | None, config: str, reading: str = "seed", thr: str = "ee") -> str:
    """Registry name with options; reading "seed": nuisance off (sys=off; not for the first-phase CsI χ², whose
    pulls stay profiled) and, for SNS rows, all sources' SM
    CEvNS in N (sm=all); reading "printed": the χ² of 003:282 as printed, the beam's sources only. ``thr="nr"``
    adds thr=nr on the setups whose table threshold is electron-equivalent (CONUS, TEXONO, CONNIE)."""
    opts = [f"config={config}"] + ([f"beam={beam}"] if beam else [])
    if thr == "nr" and SETUPS[name].get("threshold_scale") == "ee":
        opts.append("thr=nr")
    if reading == "seed":
        opts += tmm_seed_options(name, config, beam)
    return f"{name}:{','.join(opts)}"


def tmm_limit(experiment: str, i: int) -> float:
    """90 % CL upper limit on |Λ_i| [1e-10 μ_B] (others zero): upper end of fit(..., model="tmm")["interval_90"]."""
    r = fit(experiment, [f"tmm_l{i}"], model="tmm")
    return r["interval_90"][f"tmm_l{i}"][1]


def table(rows=None, tol=DEFAULT_TOL, printed=True, thr="ee"):
    out = []
    for label, group, name, beam, cur, fut, line in SEED_TABLE:
        if rows and label.split("[")[0] not in rows:
            continue
        for config, seed in (("current", cur), ("future", fut)):
            exp = experiment_name(name, beam, config, thr=thr)
            for i in (1, 2, 3):
                ours = tmm_limit(exp, i)
                cell = {"row": label, "group": group, "config": config, "i": i, "seed": seed[i - 1],
                        "seed_line": line, "experiment": exp, "ours": ours, "ratio": ours / seed[i - 1],
                        "pass": abs(ours / seed[i - 1] - 1.0) <= tol}
                if printed:
                    exp_p = experiment_name(name, beam, config, "printed", thr)
                    cell["ours_printed"] = tmm_limit(exp_p, i)
                    cell["ratio_printed"] = cell["ours_printed"] / seed[i - 1]
                out.append(cell)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=_cli.description(__doc__))
    ap.add_argument("--tol", type=float, default=DEFAULT_TOL, help="relative tolerance per cell (default 0.25)")
    ap.add_argument("--rows", default="", help="comma-separated row labels (CsI,HPGe,LAr,NaI,CONUS,…); default all")
    ap.add_argument("--thr", choices=("ee", "nr"), default="ee",
                    help="CONUS/TEXONO/CONNIE thresholds: ee (Lindhard, default) or nr (read as nuclear recoil)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    rows = [r.strip() for r in args.rows.split(",") if r.strip()] or None
    cells = table(rows, args.tol, thr=args.thr)
    if args.json:
        print(json.dumps(cells, indent=1))
        return 0
    print(f"90 % CL |Λ_i| [1e-10 μ_B], seed 003:348–366 vs ours (χ² of 003:280 with a = 0, SNS: all sources' SM; "
          f"tolerance ±{100 * args.tol:.0f} %); last columns: χ² of 003:282 as printed (a profiled, beam only); "
          f"CONUS/TEXONO/CONNIE thresholds thr={args.thr}")
    print(f"{'group':12} {'row':8} {'config':7} {'i':>1} {'seed':>7} {'ours':>8} {'ratio':>6} {'pass':>4}"
          f" {'printed':>9} {'ratio':>6}")
    for c in cells:
        print(f"{c['group']:12} {c['row']:8} {c['config']:7} {c['i']:>1} {c['seed']:7.3g} {c['ours']:8.3f} "
              f"{c['ratio']:6.2f} {'ok' if c['pass'] else 'FAIL':>4} {c.get('ours_printed', np.nan):9.3f} "
              f"{c.get('ratio_printed', np.nan):6.2f}")
    n_pass = sum(c["pass"] for c in cells)
    print(f"{n_pass}/{len(cells)} cells within ±{100 * args.tol:.0f} %")
    return 0


if __name__ == "__main__":
    raise SystemExit(_cli.run(main))
