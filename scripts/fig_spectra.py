"""Data versus prediction of COHERENT CsI 2021 and LAr 2020 (CENNS-10 Analysis A), projected on energy and on
arrival time, with the nuisances profiled at the Standard Model point (seed 000:140–200, eq. (10) at 000:1094).

Per experiment: the stacked components (CEvNS and backgrounds) with their fitted nuisances applied — the (1 + η)
normalisations, and for LAr also its shape nuisances (the experiment's ``predict_with_nuisances``) — the data
with Garwood 68 % errors, and the residuals (n − μ)/√μ. Parameters: the defaults (SM, sin²θ_W(0), nuclear-model
radii). Printed: χ² at that point, the fitted nuisances, and predicted vs observed totals per component.
``<name>-data.json`` holds the projected counts shown. No scan: ``--quick`` and ``--n-jobs`` change nothing.

    python scripts/fig_spectra.py [--out DIR]
"""

from __future__ import annotations

import json
import sys
import time

import _figures as F
import numpy as np

NAME = "fig_spectra"
EXPERIMENTS = ("coherent-csi-2021", "coherent-lar-2020")
SEED = "CsI 2021 SM CEvNS 341 ± 11 ± 42 (000:143); χ²_min of the R_n fit 85.2 (000:195)"


def main(argv=None) -> int:
    ap = F.parser(NAME, __doc__)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    out = args.out
    out.mkdir(parents=True, exist_ok=True)

    from cevns.plots import plot_spectrum, spectrum_data, style
    from cevns.scanner.experiments import get_experiment

    print(f"{NAME}: data vs prediction (SM, nuisances profiled)")
    written, summary, data_doc = [], {"experiments": {}}, {}
    with style.context():
        fig = style.new_figure((style.DOUBLE_WIDTH, 6.2))
        gs = fig.add_gridspec(4, 2, height_ratios=(3, 1, 3, 1))
        for row, name in enumerate(EXPERIMENTS):
            exp = get_experiment(name)
            chi2, eta = exp.chi2({})
            sd = spectrum_data(exp, {}, dict(zip(exp.nuisance_names, np.asarray(eta, float))))
            grid = [[None, None], [None, None]]
            for col in range(2):
                grid[0][col] = fig.add_subplot(gs[2 * row, col])
                grid[1][col] = fig.add_subplot(gs[2 * row + 1, col], sharex=grid[0][col])
            plot_spectrum(exp, {}, sd.nuisances, axes=grid)
            totals = {k: float(v.sum()) for k, v in sd.components.items()}
            n_obs = float(sd.observed.sum())
            summary["experiments"][name] = {"chi2": float(chi2), "nuisances": sd.nuisances, "predicted": totals,
                                            "predicted_total": float(sum(totals.values())), "observed": n_obs,
                                            "bins": list(sd.observed.shape)}
            doc = {"nuisances": sd.nuisances}
            for which in ("energy", "time"):
                edges, comps, obs = sd.project(which)
                doc[which] = {"edges": np.asarray(edges).tolist(), "observed": obs.tolist(),
                              "components": {k: v.tolist() for k, v in comps.items()}}
            data_doc[name] = doc
            print(f"  {name}: {sd.observed.size} bins, χ² = {chi2:.1f}; nuisances "
                  + ", ".join(f"{k} = {v:+.3f}" for k, v in sd.nuisances.items()))
            print("    predicted " + ", ".join(f"{k} {v:.1f}" for k, v in totals.items())
                  + f"; total {sum(totals.values()):.1f} vs observed {n_obs:.0f}")
        print(f"  seed: {SEED}")
        written += F.save_figure(fig, out, NAME)
    path = out / f"{NAME}-data.json"
    path.write_text(json.dumps(data_doc, indent=1) + "\n")
    written.append(path)
    F.finish(out, NAME, written, summary, t0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
