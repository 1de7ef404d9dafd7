"""Data versus prediction with the nuisances profiled at the Standard Model point, in two figures:

- ``fig_spectra``: COHERENT CsI 2021 and LAr 2020 (CENNS-10 Analysis A), projected on energy and on arrival time
  (seed 000:140–200, eq. (10) at 000:1094);
- ``fig_spectra_1d``: the 1-D spectra of Dresden-II (reactor ν̄_e on Ge, Fef quenching, HMVE flux; rates per day
  with the released errors, the ⁷¹Ge EC peaks and epithermal-neutron background of the reanalysis plus the flux
  nuisance) and XENONnT ER 2022 (solar ν–e; the B0 normalisation).

Per experiment: the stacked components with their fitted nuisances applied — the (1 + η) normalisations, and the
experiments' own ``predict_with_nuisances`` (LAr shape nuisances, the Dresden-II background model): what the χ²
compares — the data (Garwood 68 % errors for counts, the released σ for Dresden-II), and the residuals.
Parameters: the defaults (SM, sin²θ_W(0), nuclear-model radii). Printed: χ² at that point, the fitted nuisances,
and predicted vs observed totals per component. ``<figure>-data.json`` holds the projected values shown. No scan:
``--quick`` and ``--n-jobs`` change nothing.

    python scripts/fig_spectra.py [--out DIR]
"""

from __future__ import annotations

import json
import sys
import time

import _figures as F
import numpy as np

NAME = "fig_spectra"
FIGURES = {"fig_spectra": ("coherent-csi-2021", "coherent-lar-2020"),
           "fig_spectra_1d": ("dresden-ii", "xenonnt-er-2022")}
SEED = ("CsI 2021 SM CEvNS 341 ± 11 ± 42 (000:143); χ²_min of the R_n fit 85.2 (000:195); Dresden-II: 'a strong "
        "preference for the presence of CEvNS' (000:149)")


def _panel(fig, gs, row0, col0, name, summary, data_doc):
    """Draw experiment ``name`` with its profiled nuisances: main axes at gs[row0, col], residuals at gs[row0 + 1, col]
    for each projection (columns col0, col0 + 1, …); record its numbers in ``summary`` and ``data_doc``."""
    from cevns.plots import plot_spectrum, spectrum_data
    from cevns.scanner.experiments import get_experiment

    exp = get_experiment(name)
    chi2, eta = exp.chi2({})
    sd = spectrum_data(exp, {}, dict(zip(exp.nuisance_names, np.asarray(eta, float))))
    axes = [[], []]
    for col in range(len(sd.projections)):
        ax = fig.add_subplot(gs[row0, col0 + col])
        axes[0].append(ax)
        axes[1].append(fig.add_subplot(gs[row0 + 1, col0 + col], sharex=ax))
    plot_spectrum(exp, {}, sd.nuisances, axes=axes)
    totals = {k: float(v.sum()) for k, v in sd.components.items()}
    n_obs = float(sd.observed.sum())
    summary["experiments"][name] = {"chi2": float(chi2), "nuisances": sd.nuisances, "predicted": totals,
                                    "predicted_total": float(sum(totals.values())), "observed": n_obs,
                                    "bins": list(sd.observed.shape)}
    doc = {"nuisances": sd.nuisances, "errors": None if sd.errors is None else sd.errors.tolist()}
    for which in sd.projections:
        edges, comps, obs = sd.project(which)
        doc[which] = {"edges": np.asarray(edges).tolist(), "observed": obs.tolist(),
                      "components": {k: v.tolist() for k, v in comps.items()}}
    data_doc[name] = doc
    print(f"  {name}: {sd.observed.size} bins, χ² = {chi2:.1f}; nuisances "
          + ", ".join(f"{k} = {v:+.3f}" for k, v in sd.nuisances.items()))
    print("    predicted " + ", ".join(f"{k} {v:.1f}" for k, v in totals.items())
          + f"; total {sum(totals.values()):.1f} vs observed {n_obs:.1f}")


def main(argv=None) -> int:
    ap = F.parser(NAME, __doc__)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    out = args.out
    out.mkdir(parents=True, exist_ok=True)

    from cevns.plots import style

    print(f"{NAME}: data vs prediction (SM, nuisances profiled)")
    written, summary = [], {"experiments": {}}
    with style.context():
        for stem, experiments in FIGURES.items():
            data_doc = {}
            if stem == "fig_spectra":  # energy × time: one row pair per experiment, two projections
                fig = style.new_figure((style.DOUBLE_WIDTH, 6.2))
                gs = fig.add_gridspec(4, 2, height_ratios=(3, 1, 3, 1))
                for row, name in enumerate(experiments):
                    _panel(fig, gs, 2 * row, 0, name, summary, data_doc)
            else:  # 1-D spectra side by side
                fig = style.new_figure((style.DOUBLE_WIDTH, 3.4))
                gs = fig.add_gridspec(2, 2, height_ratios=(3, 1))
                for col, name in enumerate(experiments):
                    _panel(fig, gs, 0, col, name, summary, data_doc)
            written += F.save_figure(fig, out, stem)
            path = out / f"{stem}-data.json"
            path.write_text(json.dumps(data_doc, indent=1) + "\n")
            written.append(path)
        print(f"  seed: {SEED}")
    F.finish(out, NAME, written, summary, t0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
