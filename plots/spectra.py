"""Data versus prediction of a binned experiment: energy × time data projected on energy and on time, or a 1-D
energy spectrum (Dresden-II, XENONnT ER) on its own.

:func:`spectrum_data` collects what the figure shows: the experiment's components (``exp.predict(params)``)
scaled by the fitted normalisation nuisances, (1 + η_z) × N_z for every nuisance named ``eta_<component>``
(seed 000:1094, eq. (10): μ_b = Σ_z (1 + η_z) N_zb), and the observed counts (``exp.observed()``).
:func:`plot_spectrum` draws, per projection, the stacked components, the data with Poisson (Garwood 68.27 %)
error bars, and below it the residuals (n − μ)/√μ.

Generic over experiments: the first array axis is energy, the last is time (middle axes, e.g. F90, are summed);
an experiment with shape nuisances can provide ``predict_with_nuisances(params, eta)``;
the bin edges come from the experiment (attributes ``energy_edges``/``time_edges``, else the module constants
``PE_EDGES``/``E_EDGES``/``ENERGY_EDGES``/``EDGES_KEV`` and ``TIME_EDGES``; ``energy_label`` overrides the axis
label). Data with published Gaussian errors (``observed_errors()``, e.g. Dresden-II's rates per day) get those
errors and residuals (n − μ)/σ; ``count_label`` names the y quantity (default "Counts"). Multi-dimensional data
without time bins, or fewer than two bins, get a :class:`~cevns.scanner.errors.ConfigError`.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field

import numpy as np

from cevns.scanner.errors import ConfigError

from . import style

__all__ = ["SpectrumData", "SpectrumArtists", "spectrum_data", "plot_spectrum", "poisson_errors", "residuals"]

log = logging.getLogger(__name__)

# Components that are the signal (stacked on top of the backgrounds in the spectrum figure).
SIGNAL_COMPONENTS = ("cevns", "es", "migdal", "magnetic_moment", "em_interference")

COMPONENT_LABELS = {
    "cevns": r"CE$\nu$NS",
    "brn": "BRN",
    "nin": "NIN",
    "ss": "SS",
    "delbrn": "BRN (delayed)",
    "es": r"$\nu$–e",
    "b0": r"$B_0$",
    "magnetic_moment": r"$\mu_\nu$",
    "em_interference": r"$\nu$–e shift (EM, mediators)",
    "epithermal": "epithermal neutrons",
    "l1": r"$^{71}$Ge L1 EC",
    "l2": r"$^{71}$Ge L2 EC",
    "m": r"$^{71}$Ge M EC",
    "migdal": "Migdal",
}
COMPONENT_COLORS = {"cevns": "#d62728", "brn": "#1f77b4", "nin": "#2ca02c", "ss": "0.72", "delbrn": "#9467bd"}

# (attribute or module constant, axis label); first match of the right length wins.
ENERGY_EDGES = (
    ("energy_edges", "Energy"),
    ("pe_edges", "Energy [PE]"),
    ("PE_EDGES", "Energy [PE]"),
    ("E_EDGES", "Energy [keVee]"),
    ("ENERGY_EDGES", "Energy"),
    ("EDGES_KEV", "Energy [keV]"),
)
TIME_EDGES = (("time_edges", r"Time [$\mu$s]"), ("TIME_EDGES", r"Time [$\mu$s]"))
# Boolean masks of the energy bins an experiment fits (its predict() keeps only those rows).
ENERGY_MASKS = ("energy_mask", "fit_pe")


@dataclass
class SpectrumData:
    """Binned components (nuisances applied), observed counts and bin edges of one experiment."""

    experiment: str
    components: dict[str, np.ndarray]
    observed: np.ndarray
    energy_edges: np.ndarray
    time_edges: np.ndarray
    energy_label: str
    time_label: str
    params: dict = field(default_factory=dict)
    nuisances: dict[str, float] = field(default_factory=dict)
    applied: dict[str, str] = field(default_factory=dict)  # nuisance name → component it scales
    errors: np.ndarray | None = None  # published 1σ errors of ``observed`` (None: Poisson counts)
    count_label: str = "Counts"

    @property
    def projections(self) -> tuple[str, ...]:
        return ("energy",) if self.time_edges is None else ("energy", "time")

    @property
    def prediction(self) -> np.ndarray:
        return sum(self.components.values())

    def project(self, which: str):
        """(edges, {component: counts}, observed counts) summed onto "energy" (axis 0) or "time" (last axis)."""
        if which not in self.projections:
            raise ConfigError(f"projection must be one of {self.projections}, got {which!r}")
        nd = self.observed.ndim
        keep = 0 if which == "energy" else nd - 1
        other = tuple(i for i in range(nd) if i != keep)
        comps = {k: np.asarray(v, float).sum(axis=other) for k, v in self.components.items()}
        obs = np.asarray(self.observed, float).sum(axis=other)
        return (self.energy_edges if which == "energy" else self.time_edges), comps, obs


@dataclass
class SpectrumArtists:
    """What :func:`plot_spectrum` drew, per projection ("energy", "time")."""

    figure: object
    axes: dict  # projection → (main axes, residual axes)
    stacks: dict  # projection → {component: StepPatch}
    data: dict  # projection → ErrorbarContainer of the data points
    residuals: dict  # projection → ErrorbarContainer of (n − μ)/√μ
    residual_values: dict  # projection → array
    spectrum: SpectrumData
    legend: object = None


def poisson_errors(n) -> tuple[np.ndarray, np.ndarray]:
    """(lower, upper) 68.27 % Garwood errors of Poisson counts ``n`` (lower = 0 at n = 0)."""
    from scipy.stats import chi2

    n = np.asarray(n, dtype=float)
    a = 1.0 - 0.682689492137086
    lo = np.where(n > 0, 0.5 * chi2.ppf(a / 2, 2 * np.maximum(n, 1e-300)), 0.0)
    hi = 0.5 * chi2.ppf(1 - a / 2, 2 * (n + 1))
    return n - lo, hi - n


def residuals(observed, predicted, sigma=None) -> np.ndarray:
    """(n − μ)/σ per bin, σ = √μ for counts unless given (published errors); NaN where σ ≤ 0."""
    n = np.asarray(observed, dtype=float)
    mu = np.asarray(predicted, dtype=float)
    s = np.sqrt(np.maximum(mu, 0.0)) if sigma is None else np.asarray(sigma, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(s > 0, (n - mu) / np.where(s > 0, s, 1.0), np.nan)


def _find_edges(exp, module, table, size):
    tried = []
    for name, label in table:
        for owner in (exp, module):
            e = getattr(owner, name, None)
            if e is None:
                continue
            e = np.asarray(e, dtype=float)
            if e.ndim != 1 or e.size < 2:
                continue
            if e.size - 1 == size:
                return e, label
            for mname in ENERGY_MASKS if table is ENERGY_EDGES else ():
                mask = getattr(exp, mname, None)
                if mask is None:
                    continue
                mask = np.asarray(mask)
                if mask.dtype == bool and mask.size == e.size - 1 and mask.sum() == size:
                    idx = np.flatnonzero(mask)
                    if np.all(np.diff(idx) == 1):
                        return e[idx[0] : idx[-1] + 2], label
            tried.append(f"{name} ({e.size - 1} bins)")
    return None, tried


def _nuisance_values(exp, params, nuisances, model="sm") -> dict[str, float]:
    names = tuple(getattr(exp, "nuisance_names", ()))
    if nuisances is None or (isinstance(nuisances, str) and nuisances == "fit"):
        if not names:
            return {}
        if model == "sm":
            _, eta = exp.chi2(params)
        else:  # the profile at this point of the model: every parameter fixed, nothing scanned
            _, eta = exp.likelihood((), fixed=params, model=model).evaluate(np.zeros((1, 0)))
        eta = np.asarray(eta, dtype=float).reshape(-1)
        return dict(zip(names, (float(v) for v in eta)))
    if isinstance(nuisances, str):
        if nuisances in ("zero", "none"):
            why = getattr(exp, "zero_nuisances_refusal", "")
            if why:
                raise ConfigError(f"experiment '{exp.name}': nuisances 'zero' is not defined: {why}")
            return {n: 0.0 for n in names}
        raise ConfigError(f"nuisances must be 'fit', 'zero', a dict or an array, got {nuisances!r}")
    if isinstance(nuisances, dict):
        bad = [k for k in nuisances if k not in names]
        if bad:
            raise ConfigError(f"unknown nuisance(s) {bad} of '{exp.name}'; its nuisances: {list(names)}")
        return {n: float(nuisances.get(n, 0.0)) for n in names}
    arr = np.asarray(nuisances, dtype=float).reshape(-1)
    if arr.size != len(names):
        raise ConfigError(f"{arr.size} nuisance value(s) for the {len(names)} of '{exp.name}': {list(names)}")
    return dict(zip(names, (float(v) for v in arr)))


def spectrum_data(experiment, params=None, nuisances=None, model: str = "sm") -> SpectrumData:
    """Components with the nuisances applied, data and bin edges of a binned energy × time experiment.

    ``experiment``: a name (``"coherent-csi-2021"``, options as ``NAME:key=value``) or an Experiment.
    ``params``: parameter values (default: the experiment's defaults). ``nuisances``: None or "fit" (profile
    them at ``params`` with ``exp.chi2``), "zero", ``{name: η}`` or an array in ``exp.nuisance_names`` order.
    Nuisances named ``eta_<component>`` scale that component by (1 + η); others (shape nuisances) are not
    applied and logged, unless the experiment defines ``predict_with_nuisances(params, eta) -> {component:
    array}`` (η in ``nuisance_names`` order), which is then used for every component (``applied`` maps each
    nuisance to ``"*"``). ``model``: a mediator model of the experiment (``cevns list``), with its parameters in
    ``params``.
    """
    if isinstance(experiment, str):
        from cevns.scanner.experiments import get_experiment

        exp = get_experiment(experiment)
    else:
        exp = experiment
    why = getattr(exp, "spectrum_refusal", "")
    if why:
        raise ConfigError(f"experiment '{getattr(exp, 'name', exp)}': no spectrum figure: {why}")
    params = dict(params or {})
    if model == "sm":
        exp.check_params(params)
        pred = exp.predict(params)
    else:
        exp.check_model(model)
        exp.check_params(params, model)
        pred = exp.predict(params, model=model)
    obs = np.asarray(exp.observed(), dtype=float)
    name = getattr(exp, "name", type(exp).__name__)
    if obs.ndim < 1 or obs.size < 2:
        raise ConfigError(
            f"experiment '{name}' has {obs.size} bin(s) (observed counts of shape {obs.shape}); the spectrum figure "
            "needs an energy spectrum or energy × time bins"
        )
    comps = {}
    for k, v in pred.items():
        v = np.asarray(v, dtype=float)
        if v.shape != obs.shape:
            raise ConfigError(f"experiment '{name}': component {k!r} has shape {v.shape}, data {obs.shape}")
        comps[k] = v
    module = sys.modules.get(type(exp).__module__)
    e_edges, e_label = _find_edges(exp, module, ENERGY_EDGES, obs.shape[0])
    if e_edges is None:
        raise ConfigError(f"experiment '{name}': no energy bin edges for {obs.shape[0]} bins (tried {e_label})")
    e_label = getattr(exp, "energy_label", e_label)
    if obs.ndim == 1:  # an energy spectrum alone
        t_edges, t_label = None, ""
    else:
        t_edges, t_label = _find_edges(exp, module, TIME_EDGES, obs.shape[-1])
        if t_edges is None:
            raise ConfigError(
                f"experiment '{name}' has no time bins: no time bin edges for {obs.shape[-1]} bins "
                f"(tried {t_label or 'time_edges, TIME_EDGES'}); the spectrum figure needs energy × time bins"
            )
    errs = getattr(exp, "observed_errors", None)
    errors = np.asarray(errs(), dtype=float) if callable(errs) else None
    extra = {"errors": errors, "count_label": getattr(exp, "count_label", "Counts")}
    eta = _nuisance_values(exp, params, nuisances, model)
    hook = getattr(exp, "predict_with_nuisances", None)
    if callable(hook):  # the experiment applies all its nuisances (shape ones too) itself
        x = np.array([eta[n] for n in exp.nuisance_names], dtype=float)
        full = hook(params, x) if model == "sm" else hook(params, x, model=model)
        comps = {k: np.asarray(v, dtype=float) for k, v in full.items()}
        if any(v.shape != obs.shape for v in comps.values()):
            raise ConfigError(f"experiment '{name}': predict_with_nuisances returned arrays not of shape {obs.shape}")
        return SpectrumData(name, comps, obs, e_edges, t_edges, e_label, t_label, params, eta, {n: "*" for n in eta},
                            **extra)
    applied = {}
    for n, v in eta.items():
        comp = n[4:] if n.startswith("eta_") else None
        if comp in comps:
            comps[comp] = (1.0 + v) * comps[comp]
            applied[n] = comp
        elif v != 0.0:
            log.warning("%s: nuisance %s = %.3g is not a normalisation; not applied in the figure", name, n, v)
    return SpectrumData(name, comps, obs, e_edges, t_edges, e_label, t_label, params, eta, applied, **extra)


def _draw_projection(ax, rax, data: SpectrumData, which: str, density: bool, colors):
    edges, comps, obs = data.project(which)
    width = np.diff(edges)
    scale = 1.0 / width if density else np.ones_like(width)
    centres = 0.5 * (edges[:-1] + edges[1:])
    stacks = {}
    base = np.zeros(len(width))
    # backgrounds at the bottom (whatever order the experiment lists them in), the signal components on top
    keys = list(comps)
    order = [*reversed([k for k in keys if k not in SIGNAL_COMPONENTS]),
             *reversed([k for k in keys if k in SIGNAL_COMPONENTS])]
    for k in order:
        if not np.any(comps[k]):  # e.g. a magnetic-moment component at μ = 0: nothing to stack or list
            continue
        top = base + comps[k] * scale
        stacks[k] = ax.stairs(
            top,
            edges,
            baseline=base.copy(),
            fill=True,
            color=colors.get(k),
            alpha=0.85,
            lw=0,
            label=COMPONENT_LABELS.get(k, k),
        )
        base = top
    pred = sum(comps.values())
    if data.errors is not None:  # published Gaussian errors (only for a 1-D spectrum: no projection to sum)
        lo = hi = np.asarray(data.errors, dtype=float)
    else:
        lo, hi = poisson_errors(obs)
    cont = ax.errorbar(
        centres,
        obs * scale,
        yerr=np.vstack([lo, hi]) * scale,
        xerr=0.5 * width,
        fmt="o",
        color="k",
        ms=2.5,
        elinewidth=0.7,
        capsize=0,
        label="Data",
    )
    res = residuals(obs, pred, data.errors)
    if data.errors is not None:
        rerr = np.ones((2, len(res)))
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            rerr = np.vstack([lo, hi]) / np.sqrt(np.where(pred > 0, pred, np.nan))
    rcont = rax.errorbar(
        centres, res, yerr=rerr, xerr=0.5 * width, fmt="o", color="k", ms=2.5, elinewidth=0.7, capsize=0
    )
    rax.axhline(0.0, color="0.4", lw=0.7)
    finite = np.abs(res[np.isfinite(res)])
    lim = max(2.5, 1.15 * float(finite.max())) if finite.size else 3.0
    rax.set_ylim(-lim, lim)
    rax.set_xlim(edges[0], edges[-1])
    ax.set_xlim(edges[0], edges[-1])
    ax.set_ylim(0.0, None)
    label = data.energy_label if which == "energy" else data.time_label
    rax.set_xlabel(label)
    rax.set_ylabel(r"$(n-\mu)/\sigma$" if data.errors is not None else r"$(n-\mu)/\sqrt{\mu}$")
    unit = label[label.find("[") + 1 : label.rfind("]")] if "[" in label else "bin"
    ax.set_ylabel(f"{data.count_label} / {unit}" if density else f"{data.count_label} / bin")
    ax.tick_params(labelbottom=False)
    return stacks, cont, rcont, res


def plot_spectrum(
    experiment,
    params=None,
    nuisances=None,
    axes=None,
    *,
    model: str = "sm",
    density: bool = True,
    figsize=(style.DOUBLE_WIDTH, 3.2),
    title: str | None = None,
) -> SpectrumArtists:
    """Data versus prediction projected on energy (left) and time (right), with residual panels below; a 1-D
    energy spectrum gets the energy column only.

    Parameters
    ----------
    experiment, params, nuisances, model
        As in :func:`spectrum_data` (default: nuisances profiled at ``params``, SM).
    axes
        None (a new figure), or four axes ``[[energy, time], [energy residuals, time residuals]]`` (two,
        ``[energy, energy residuals]``, for a 1-D spectrum).
    density
        Plot counts per unit of the bin variable (per PE, per µs): bins of unequal width stay comparable.
    title
        Text in the time panel (default: the experiment label).

    Returns
    -------
    SpectrumArtists
        ``stacks[proj][component]`` (StepPatch, stacked, nuisances applied), ``data[proj]`` and
        ``residuals[proj]`` (ErrorbarContainer, one point per bin), ``residual_values[proj]``, ``spectrum``.
    """
    data = spectrum_data(experiment, params, nuisances, model)
    palette = iter(["#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"])
    colors = {k: COMPONENT_COLORS.get(k) or next(palette, None) for k in data.components}
    proj = data.projections
    ncol = len(proj)
    with style.context(axes is None):
        if axes is None:
            import matplotlib.pyplot as plt

            if ncol == 1 and figsize == (style.DOUBLE_WIDTH, 3.2):
                figsize = (style.DOUBLE_WIDTH * 0.6, 3.2)
            fig = plt.figure(figsize=figsize, layout="constrained")
            gs = fig.add_gridspec(2, ncol, height_ratios=(3, 1))
            grid = [[None] * ncol, [None] * ncol]
            for col in range(ncol):
                grid[0][col] = fig.add_subplot(gs[0, col])
                grid[1][col] = fig.add_subplot(gs[1, col], sharex=grid[0][col])
        else:
            grid = np.asarray(axes, dtype=object).reshape(2, ncol)
            fig = grid[0][0].figure
        out = SpectrumArtists(fig, {}, {}, {}, {}, {}, data)
        for col, which in enumerate(proj):
            ax, rax = grid[0][col], grid[1][col]
            stacks, cont, rcont, res = _draw_projection(ax, rax, data, which, density, colors)
            out.axes[which] = (ax, rax)
            out.stacks[which] = stacks
            out.data[which] = cont
            out.residuals[which] = rcont
            out.residual_values[which] = res
        ax_e = grid[0][0]
        handles, labels = ax_e.get_legend_handles_labels()
        text = title if title is not None else style.experiment_label(data.experiment)
        if ncol == 1:  # one panel: legend in two columns at the top, the experiment as the title
            out.legend = ax_e.legend(handles[::-1], labels[::-1], loc="upper center", ncols=2, fontsize="small")
            ax_e.set_ylim(0.0, 1.35 * ax_e.get_ylim()[1])
            if text:
                ax_e.set_title(text)
        else:
            out.legend = ax_e.legend(handles[::-1], labels[::-1], loc="upper right")
            if text:
                grid[0][1].text(0.97, 0.95, text, transform=grid[0][1].transAxes, ha="right", va="top")
    return out
