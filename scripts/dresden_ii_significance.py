"""Dresden-II: preference for CEvNS in the Rx-ON spectrum, per quenching model and reactor flux.

For each option set prints the SM CEvNS rate per day in 0.2–1.5 keVee, the best-fit CEvNS normalisation, and
Δχ² = χ²(background only, cevns_norm = 0) − χ²(background + SM CEvNS, cevns_norm = 1), with ν̄_e–e scattering in
both and every background nuisance profiled. The paper (Colaresi et al., PRL 129, 211802 (2022)) finds
"a very strong preference (p < 1.2e-3) for the presence of CEvNS ... compared to a background-only model"
(Fef-like quenching), i.e. Δχ² ≳ 10.5 for one degree of freedom.

Usage: python scripts/dresden_ii_significance.py [--flux hmve,hmk,efk] [--qf fef,ybe,lindhard] [--json]
"""

from __future__ import annotations

import argparse
import json

import _cli  # scripts/ is on sys.path when a script runs
import numpy as np
from scipy import stats

from cevns.scanner.experiments import get_experiment
from cevns.scanner.fit import fit


def significance(qf: str, flux: str) -> dict:
    name = f"dresden-ii:qf={qf},flux={flux}"
    exp = get_experiment(name)
    lik = exp.likelihood(["cevns_norm"], {})
    chi2, _ = lik.evaluate(np.array([[0.0], [1.0]]))
    res = fit(name, ["cevns_norm"])
    per_day = exp.rate_summary()["counts_per_day"]
    d_sm = float(chi2[0] - chi2[1])
    d_best = float(chi2[0] - res["chi2_min"])
    return {
        "experiment": name,
        "cevns_per_day": per_day["cevns"],
        "es_per_day": per_day["es"],
        "cevns_rx_on_96.4d": per_day["cevns"] * 96.4,
        "chi2_bkg_only": float(chi2[0]),
        "chi2_sm": float(chi2[1]),
        "delta_chi2_bkg_vs_sm": d_sm,
        "best_cevns_norm": res["best"]["cevns_norm"],
        "interval_1sigma": res["interval_1sigma"]["cevns_norm"],
        "chi2_min": res["chi2_min"],
        "delta_chi2_bkg_vs_best": d_best,
        "p_bkg_only_vs_best": float(stats.chi2.sf(max(d_best, 0.0), 1)),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=_cli.description(__doc__))
    ap.add_argument("--flux", default="hmve")
    ap.add_argument("--qf", default="fef,ybe")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    rows = [significance(q, f) for f in args.flux.split(",") for q in args.qf.split(",")]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{'experiment':<36s} {'CEvNS/day':>9s} {'norm (1σ)':>22s} {'χ²(0)':>8s} {'χ²(SM)':>8s} "
          f"{'Δχ²(0−SM)':>10s} {'Δχ²(0−best)':>11s} {'p':>9s}")
    for r in rows:
        lo, hi = r["interval_1sigma"]
        n = r["best_cevns_norm"]
        print(f"{r['experiment']:<36s} {r['cevns_per_day']:9.2f} {n:8.3f} +{hi - n:.2f}/-{n - lo:.2f}     "
              f"{r['chi2_bkg_only']:8.2f} {r['chi2_sm']:8.2f} {r['delta_chi2_bkg_vs_sm']:10.2f} "
              f"{r['delta_chi2_bkg_vs_best']:11.2f} {r['p_bkg_only_vs_best']:9.2e}")
    print("paper: 'very strong preference (p < 1.2e-3)' for CEvNS vs background only (Δχ² ≳ 10.5, 1 dof)")
    return 0


if __name__ == "__main__":
    raise SystemExit(_cli.run(main))
