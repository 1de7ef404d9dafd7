"""Experiment base classes: plain data (response arrays, observed counts, priors) plus kernels.

An :class:`Experiment` knows its parameters, predicts binned counts for a parameter dictionary and builds a
picklable :class:`~cevns.scanner.likelihood.Likelihood` for fits and scans.
"""

from __future__ import annotations

import numpy as np

from ..errors import ConfigError
from ..likelihood import Likelihood
from ..params import check_value, parameter

__all__ = ["Experiment", "ModelExperiment", "ModelLikelihood"]


def model_hint(name: str) -> str:
    """'' or the models a parameter belongs to (g_zp without --model is the common slip)."""
    from ..models import MODELS

    owners = [m for m, (_, params) in MODELS.items() if name in params]
    if not owners:
        return ""
    shown = ", ".join(owners[:3]) + (", …" if len(owners) > 3 else "")
    return f"it belongs to a model ({shown}): choose one with --model (scan files: model = \"…\")"


class Experiment:
    """Base class. Subclasses set ``name``, ``parameters`` (names that apply), ``nuisance_names``."""

    name: str = ""
    description: str = ""
    parameters: tuple[str, ...] = ()
    nuisance_names: tuple[str, ...] = ()
    options: dict = {}
    models: tuple[str, ...] = ("sm",)  # the mediator models the experiment evaluates (cevns list)

    # -- parameters ---------------------------------------------------------------------------------------------
    def defaults(self) -> dict[str, float]:
        """Default (SM) values of every applicable parameter."""
        return {p: parameter(p).default for p in self.parameters if parameter(p).default is not None}

    def check_params(self, params: dict) -> dict[str, float]:
        """Validate names and values of ``params`` for this experiment; return them as floats."""
        out = {}
        for k, v in params.items():
            parameter(k)  # unknown names: ConfigError with suggestion
            if k not in self.parameters:
                why = self.parameter_hint(k) or model_hint(k)
                raise ConfigError(
                    f"parameter '{k}' does not apply to experiment '{self.name}'{': ' + why if why else ''} "
                    f"(its parameters: {', '.join(self.parameters)})"
                )
            out[k] = check_value(k, v)
        per_isotope = sorted(k for k in out if k.startswith("rn_")) if "rn" in out else []
        if per_isotope:  # rn sets every isotope's radius: with a per-isotope one as well, one would be ignored
            raise ConfigError(f"give either 'rn' (common radius) or {'/'.join(repr(k) for k in per_isotope)}, "
                              "not both")
        return out

    def model_without_effect(self, model: str) -> str:
        """Why an unsupported ``model`` leaves this experiment's χ² as in the SM ('' if that is not so); a
        combination then keeps this experiment at its SM χ² instead of refusing the model."""
        return ""

    def check_model(self, model: str) -> None:
        """Refuse an unknown model (with a suggestion) or one this experiment does not evaluate."""
        from ..models import check_model

        check_model(model)
        if model not in self.models:
            raise ConfigError(f"experiment '{self.name}' does not support model '{model}' "
                              f"(its models: {', '.join(self.models)})")

    # -- interface for subclasses -------------------------------------------------------------------------------
    # Neutrino flavours (0 e, 1 μ, 2 τ) the source delivers and its name, for the reason a flavour-labelled
    # parameter is refused (:func:`cevns.scanner.models.flavour_hint`); subclasses set them.
    source_flavours: tuple[int, ...] = ()
    source_label: str = "source"
    # What `cevns rate` prints: the heading of the predicted values, and whether they are counts that add up to a
    # total to compare with the observed sum.
    rate_heading: str = "expected counts in the analysis region"
    rate_is_counts: bool = True

    def parameter_hint(self, name: str) -> str:
        """Why the known parameter ``name`` does not apply here, when there is more to say than the list ('' if not)."""
        from ..models import flavour_hint

        return flavour_hint(name, self.source_flavours, self.source_label) if self.source_flavours else ""

    def predict(self, params: dict | None = None) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def observed(self) -> np.ndarray:
        raise NotImplementedError

    def likelihood(self, names=(), fixed=None) -> Likelihood:
        raise NotImplementedError

    def data_checksums(self) -> dict[str, str]:
        return {}

    # -- conveniences -------------------------------------------------------------------------------------------
    def chi2(self, params: dict | None = None) -> tuple[float, np.ndarray]:
        """Profiled χ² and best-fit nuisances at one parameter point."""
        params = self.check_params(params or {})
        names = list(params)
        lik = self.likelihood(names=names, fixed={})
        chi2, eta = lik.evaluate(np.array([[params[n] for n in names]], dtype=float))
        return float(chi2[0]), eta[0]


class ModelExperiment(Experiment):
    """An experiment whose CEvNS prediction goes through the common BSM kernel
    (:func:`cevns.kernels.rates.cevns_source_spectra_bsm`): model-aware parameter checks and Z' node arrays.

    Subclasses provide ``isotopes``, ``t_nodes`` (recoil nodes) and ``q2`` (n_iso, n_T) |q|² [MeV²]; for
    :meth:`theta_row` also ``theta(params)`` (the kernel row of the base parameters) and ``coupling_sources``.
    """

    def check_params(self, params: dict, model: str = "sm") -> dict[str, float]:
        """As :meth:`Experiment.check_params`, also accepting the parameters of ``model`` (e.g. g_zp, m_zp)."""
        from ..models import model_parameters

        extra = {k: v for k, v in params.items() if k in model_parameters(model)}
        out = super().check_params({k: v for k, v in params.items() if k not in extra})
        out.update({k: check_value(k, v) for k, v in extra.items()})
        return out

    def check_likelihood_names(self, names, fixed, model: str) -> None:
        """Refuse an unsupported model, a parameter that does not apply, or one both scanned and fixed."""
        from ..models import model_parameters

        self.check_model(model)
        allowed = (*self.parameters, *model_parameters(model))
        for nm in (*names, *fixed):
            if nm not in allowed:
                parameter(nm)  # an unknown name gets its own message (with a suggestion)
                raise ConfigError(f"parameter '{nm}' does not apply to '{self.name}' with model '{model}'")
        dup = set(names) & set(fixed)
        if dup:
            raise ConfigError(f"parameter(s) {sorted(dup)} both scanned and fixed")
        twice = sorted({n for n in names if list(names).count(n) > 1})
        if twice:
            raise ConfigError(f"parameter(s) {twice} given twice")

    def theta_row(self, params: dict | None = None, model: str = "sm") -> np.ndarray:
        """Kernel row [:meth:`theta` of the base parameters, coupling vector (N_COUPLINGS)] of one parameter point.

        The couplings are projected on the sources ``coupling_sources`` ((flavour, antineutrino) per source, for
        the models that act per source, e.g. tmm).
        """
        from ..models import coupling_columns, model_parameters

        params = dict(params or {})
        self.check_model(model)
        values = self.check_params(params, model)
        th = self.theta({k: v for k, v in values.items() if k not in model_parameters(model)})
        return np.concatenate([th, coupling_columns(model, values, 1, sources=self.coupling_sources)[0]])

    def zprime_arrays(self, model: str):
        """(zp_cp (n_iso, 3, n_T), zp_cn (3,)) of a Z' model; zeros for models without a Z'."""
        from cevns.kernels.mediators import zprime_coefficients

        from ..models import zprime_name

        self.check_model(model)
        key = zprime_name(model)
        if key is None:
            return np.zeros((len(self.isotopes), 3, self.t_nodes.size)), np.zeros(3)
        cp, cn = zprime_coefficients(key, np.sqrt(self.q2))  # cp: (3, n_iso, n_T)
        return np.ascontiguousarray(np.moveaxis(cp, 0, 1)), cn


class ModelLikelihood(Likelihood):
    """A likelihood of a :class:`ModelExperiment`: :meth:`bind` checks the names and keeps what every such
    likelihood carries (names, model, fixed values, defaults, data checksums)."""

    def bind(self, exp: ModelExperiment, names, fixed, model: str) -> None:
        """Check ``names``/``fixed`` for ``model`` (then :meth:`check_names`) and keep them with ``exp``'s defaults."""
        exp.check_likelihood_names(names, fixed, model)
        self.check_names(names, fixed)
        self.names = tuple(names)
        self.model = model
        self.nuisance_names = exp.nuisance_names
        self.experiment_name = exp.name
        self.fixed = exp.check_params(dict(fixed), model)
        self.defaults = exp.defaults()
        self._checksums = exp.data_checksums()

    def check_names(self, names, fixed) -> None:
        """Experiment-specific checks of the scanned and fixed names (none by default)."""

    def data_checksums(self):
        return dict(self._checksums)
