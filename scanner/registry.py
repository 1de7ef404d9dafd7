"""Registry front door: experiments (single or `+` combinations) and models → a :class:`Likelihood`.

Experiments combine by summing their χ²; a parameter is shared by name among the experiments it applies to,
and each experiment keeps its own nuisances (issue 4). A parameter that applies to none of them is refused.
"""

from __future__ import annotations

import numpy as np

from .errors import ConfigError
from .experiments import get_experiment, parse_experiment, split_combination
from .experiments.base import model_hint
from .likelihood import Likelihood
from .models import MODELS as _MODELS
from .models import check_model, model_parameters
from .params import PARAMETERS, check_value, parameter

__all__ = ["MODELS", "split_experiments", "make_likelihood", "validate", "check_axes", "CombinedLikelihood"]

# Models and their descriptions (cevns.scanner.models); the base parameters are always available.
MODELS = {k: v[0] for k, v in _MODELS.items()}


def split_experiments(experiments: str) -> list[str]:
    """``"a+b"`` → ``["a", "b"]``, each name checked against the registry."""
    if not isinstance(experiments, str) or not experiments.strip():
        raise ConfigError("experiments: give one experiment name or a '+' combination")
    names = split_combination(experiments)
    for n in names:
        parse_experiment(n)  # unknown names or options raise ConfigError with a suggestion
    if len({n.split(":")[0] for n in names}) != len(names):
        raise ConfigError(f"experiments: '{experiments}' names an experiment twice")
    return names


def _check_model(model: str):
    check_model(model)


def _experiment_parameters(exp, model):
    """Parameters of ``exp`` under ``model`` (the model's own only where the experiment supports the model)."""
    extra = model_parameters(model)
    if extra and model in exp.models:
        own = getattr(exp, "model_parameter_names", None)  # an experiment on which only some of them act
        return (*exp.parameters, *(own(model) if own else extra))
    return tuple(exp.parameters)


def _exp_likelihood(exp, names, fixed, model):
    if model == "sm":
        return exp.likelihood(names, fixed)
    if model not in exp.models:
        if exp.model_without_effect(model):  # the model leaves this experiment's χ² as in the SM
            return exp.likelihood(names, fixed)
        exp.check_model(model)
    return exp.likelihood(names, fixed, model=model)


class CombinedLikelihood(Likelihood):
    """Sum of the χ² of several experiments; parameters shared by name, nuisances kept per experiment."""

    def __init__(self, parts, names):
        self.parts = parts  # list of (likelihood, column indices into the combined point)
        self.names = tuple(names)
        self.nuisance_names = tuple(
            f"{lik.experiment_name}:{n}" for lik, _ in parts for n in lik.nuisance_names
        )

    def evaluate(self, points):
        pts = self.points_array(points)
        chi2 = np.zeros(pts.shape[0])
        status = np.zeros(pts.shape[0], dtype=np.int64)  # worst profiler status of the parts (0: converged)
        etas = []
        for lik, cols in self.parts:
            c, e = lik.evaluate(pts[:, cols])
            chi2 += c
            etas.append(e)
            st = getattr(lik, "last_status", None)
            if st is not None and np.size(st) in (1, pts.shape[0]):
                status = np.maximum(status, np.asarray(st, dtype=np.int64).reshape(-1))
        self.last_status = status
        return chi2, np.hstack(etas)

    def data_checksums(self):
        out = {}
        for lik, _ in self.parts:
            for k, v in lik.data_checksums().items():
                out[f"{lik.experiment_name}/{k}"] = v
        return out


def make_likelihood(
    experiments: str, model: str = "sm", fixed: dict | None = None, names=(), nuisances: str = "profiled"
) -> Likelihood:
    """Profiled-χ² likelihood of ``experiments`` with free columns ``names`` and ``fixed`` parameter values.

    ``nuisances = "fixed"`` holds every nuisance at its prior centre (no profiling) instead.
    """
    _check_model(model)
    if nuisances not in ("profiled", "fixed"):
        raise ConfigError(f"nuisances must be 'profiled' or 'fixed', got {nuisances!r}")
    lik = _make(experiments, fixed, names, model)
    if nuisances == "fixed":
        for part in [p for p, _ in lik.parts] if isinstance(lik, CombinedLikelihood) else [lik]:
            if not hasattr(part, "profile"):
                raise ConfigError(f"{part.experiment_name}: nuisances = 'fixed' is not supported")
            part.profile = False
    return lik


def _make(experiments, fixed, names, model):
    fixed = dict(fixed or {})
    names = list(names)
    for n in names:
        parameter(n)
    for n, v in fixed.items():
        fixed[n] = check_value(n, v)
    dup = set(names) & set(fixed)
    if dup:
        raise ConfigError(f"parameter(s) {', '.join(sorted(dup))} both free/scanned and fixed")
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ConfigError(f"parameter(s) {', '.join(twice)} given twice")
    exps = [get_experiment(e) for e in split_experiments(experiments)]
    params = [_experiment_parameters(e, model) for e in exps]
    for n in [*names, *fixed]:
        if not any(n in p for p in params):
            hint = f" with model '{model}'" if model != "sm" else ""
            why = "; ".join(dict.fromkeys(filter(None, (e.parameter_hint(n) for e in exps))))
            if not why and n in model_parameters(model):  # the model's own parameter, on experiments it leaves alone
                inert = [f"{e.name}: {r}" for e in exps if (r := e.model_without_effect(model))]
                why = f"model '{model}' does not act on " + "; ".join(inert) if inert else ""
            why = why or (model_hint(n) if model == "sm" else "")
            hint += f": {why}" if why else ""
            raise ConfigError(
                f"parameter '{n}' does not apply to {experiments}{hint} "
                f"(parameters: {', '.join(sorted({q for p in params for q in p}))})"
            )
    if len(exps) == 1:
        return _exp_likelihood(exps[0], names, fixed, model)
    parts = []
    for e, p in zip(exps, params):
        own = [n for n in names if n in p]
        lik = _exp_likelihood(e, own, {k: v for k, v in fixed.items() if k in p}, model)
        parts.append((lik, [names.index(n) for n in own]))
    return CombinedLikelihood(parts, names)


def check_axes(axes) -> None:
    """Both ends of each axis of a known parameter lie in the parameter's domain (radii > 1.6 fm,
    masses > 0, …; the domain is an interval, so the ends suffice). Raises ConfigError naming axis and value."""
    for a in axes:
        if a.name not in PARAMETERS:
            continue  # unknown names: make_likelihood refuses them with a suggestion
        for end in (a.min, a.max):
            try:
                check_value(a.name, end)
            except ConfigError as e:
                raise ConfigError(f"[[scan.axes]] {a.name!r} (min={a.min!r}, max={a.max!r}): {e}") from None


def validate(spec) -> None:
    """Check a scan spec's experiments, model and parameter names against the registries (raises ConfigError)."""
    check_axes(spec.axes)
    axes = [a.name for a in spec.axes]
    fixed = getattr(spec, "fixed_dict", None) or dict(getattr(spec, "fixed", ()) or ())
    make_likelihood(spec.experiments, getattr(spec, "model", "sm"), fixed, axes,
                    getattr(spec, "nuisances", "profiled"))
