"""Data versus prediction of the two 1-D spectra: Dresden-II (reactor ν̄_e on Ge, Fef quenching, HMVE flux; rates
per day with the released errors) and XENONnT ER 2022 (solar ν–e; counts), with the nuisances profiled at the
Standard Model point (Dresden-II: the ⁷¹Ge EC peaks and the epithermal-neutron background of the reanalysis plus
the flux nuisance; XENONnT: the B0 normalisation).

Per experiment: the stacked components at the fitted nuisances (what the χ² compares), the data, and the residuals
((d − μ)/σ with the released σ for Dresden-II, (n − μ)/√μ for XENONnT). Printed: χ² at that point, the fitted
nuisances and the totals per component (Dresden-II SM CEvNS per day in 0.2–1.5 keVee). ``<name>-data.json`` holds
the binned values shown. No scan: ``--quick`` and ``--n-jobs`` change nothing.

    python scripts/fig_spectra_1d.py [--out DIR]
"""

from __future__ import annotations

import json
import sys
import time

import _figures as F
import numpy as np

NAME = "fig_spectra_1d"
EXPERIMENTS = ("dresden-ii", "xenonnt-er-2022")
SEED = "Dresden-II: 'a strong preference for the presence of CEvNS' (000:149); XENONnT: B0 describes the data"


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
        fig = style.new_figure((style.DOUBLE_WIDTH, 3.4))
        gs = fig.add_gridspec(2, 2, height_ratios=(3, 1))
        for col, name in enumerate(EXPERIMENTS):
            exp = get_experiment(name)
            chi2, eta = exp.chi2({})
            sd = spectrum_data(exp, {}, dict(zip(exp.nuisance_names, np.asarray(eta, float))))
            ax = fig.add_subplot(gs[0, col])
            rax = fig.add_subplot(gs[1, col], sharex=ax)
            plot_spectrum(exp, {}, sd.nuisances, axes=[ax, rax])
            totals = {k: float(v.sum()) for k, v in sd.components.items()}
            summary["experiments"][name] = {"chi2": float(chi2), "nuisances": sd.nuisances, "predicted": totals,
                                            "observed": float(sd.observed.sum()), "bins": int(sd.observed.size)}
            edges, comps, obs = sd.project("energy")
            data_doc[name] = {"nuisances": sd.nuisances, "edges": np.asarray(edges).tolist(),
                              "observed": obs.tolist(), "errors": None if sd.errors is None else sd.errors.tolist(),
                              "components": {k: v.tolist() for k, v in comps.items()}}
            print(f"  {name}: {sd.observed.size} bins, χ² = {chi2:.1f}; nuisances "
                  + ", ".join(f"{k} = {v:+.3f}" for k, v in sd.nuisances.items()))
            print("    predicted " + ", ".join(f"{k} {v:.1f}" for k, v in totals.items())
                  + f"; observed {sd.observed.sum():.1f}")
        print(f"  seed: {SEED}")
        written += F.save_figure(fig, out, NAME)
    path = out / f"{NAME}-data.json"
    path.write_text(json.dumps(data_doc, indent=1) + "\n")
    written.append(path)
    F.finish(out, NAME, written, summary, t0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
