"""Atomic parity violation in caesium, APV(Cs) (seed 000:686–1000; Cadeddu & Dordei, PRD 99, 033010 (2019)).

Closed-form Gaussian χ² = ((Q_W^{Cs n.s.}(R_n) − Q_W^th(sin²θ_W))/σ_APV(R_n))² (000:920) with the neutron-skin
correction of 000:775 as a function of R_n(¹³³Cs). The q_n/q_p integrals are tabulated once (cevns.kernels.apv);
a parameter point costs one interpolation. No nuisances. Spec page: docs/physics/apv-cs.md.

Model ``darkz`` (cevns.kernels.darkz): Q_W^th(κ_d(Q²_APV) sin²θ_W) at Q_APV = 2.4 MeV, parameters eps_dark, m_zd,
delta_zd.

Parameters: ``sin2w``; ``rn_cs`` (R_n of ¹³³Cs) or ``rn`` (sets it too, so that combined with CsI 2021 the common
CsI radius is shared). Option ``epnc``: ``pdg`` (Dzuba et al. 2012, 0.8977(40)) or ``2021`` (Sahoo et al. 2021).
"""

from __future__ import annotations

import functools

import numpy as np

from cevns.kernels import apv
from cevns.kernels.darkz import Q_APV_MEV, sin2w_eff

from ..errors import ConfigError
from ..likelihood import Likelihood
from .base import Experiment

__all__ = ["ApvCs", "ApvLikelihood", "skin_table"]


def _sin2w_seen(sin2w, vals, model):
    """sin²θ_W the APV amplitude sees: κ_d(Q²_APV) sin²θ_W for ``darkz`` (cevns.kernels.darkz), else sin²θ_W."""
    if model != "darkz":
        return sin2w
    from ..params import PARAMETERS

    d = {k: PARAMETERS[k].default for k in ("eps_dark", "delta_zd", "m_zd")}
    return sin2w_eff(Q_APV_MEV**2, vals.get("eps_dark", d["eps_dark"]), vals.get("delta_zd", d["delta_zd"]),
                     vals.get("m_zd", d["m_zd"]), sin2w)


@functools.cache
def skin_table() -> apv.SkinTable:
    """q_n(R_n)/q_p of ¹³³Cs on a fine R_n grid (built once per process, < 1 s)."""
    return apv.SkinTable()


class ApvCs(Experiment):
    """APV(Cs): Q_W(¹³³Cs) from Im(E_PNC/β)_exp, β and Im E_PNC, with the R_n-dependent neutron-skin correction."""

    name = "apv-cs"
    description = "Atomic parity violation in ¹³³Cs (Q_W with neutron-skin correction; 000:686–1000)"
    parameters = ("sin2w", "rn", "rn_cs")
    nuisance_names = ()
    models = ("sm", "darkz")
    OPTIONS: dict = {"epnc": ("pdg", ("pdg", "2021"))}
    rate_heading = "weak charge of ¹³³Cs: prediction (qw_th), measurement (qw_exp) and its 1σ (sigma)"
    rate_is_counts = False

    def __init__(self, epnc: str = "pdg"):
        if epnc not in self.OPTIONS["epnc"][1]:
            raise ConfigError(f"experiment 'apv-cs': epnc={epnc} not one of pdg, 2021")
        self.epnc = epnc
        self.options = {"epnc": epnc}
        self.table = skin_table()

    def model_without_effect(self, model: str) -> str:
        """Why ``model`` leaves Q_W unchanged ('' if it acts or is unknown): the mediators here couple vectorially
        (a Z' or a scalar adds no parity-violating electron–nucleon term) and neutrino moments do not touch an atom.
        In a combination such a model then leaves the APV χ² at its SM form instead of being refused."""
        if model.startswith("zprime-") or model == "scalar-universal":
            return "the mediator couples vectorially (no parity-violating electron coupling)"
        if model == "tmm":
            return "neutrino transition moments do not act on atomic parity violation"
        return ""

    def check_params(self, params: dict, model: str = "sm") -> dict[str, float]:
        from ..models import model_parameters
        from ..params import check_value

        extra = {k: check_value(k, v) for k, v in params.items() if k in model_parameters(model)}
        return {**super().check_params({k: v for k, v in params.items() if k not in extra}), **extra}

    def predict(self, params: dict | None = None, model: str = "sm") -> dict[str, np.ndarray]:
        """{"qw_th": Q_W^th(sin²θ_W), "qw_exp": Q_W^exp(R_n), "sigma": σ_APV(R_n)} as 0-d arrays."""
        self.check_model(model)
        p = self.check_params(params or {}, model)
        if "rn" in p and "rn_cs" in p:
            raise ConfigError("give either 'rn' (common radius) or 'rn_cs', not both")
        d = self.defaults()
        rn = p.get("rn", p.get("rn_cs", d["rn_cs"]))
        qe = apv.qw_exp(self.table.ratio(rn), self.epnc)
        s2 = _sin2w_seen(p.get("sin2w", d["sin2w"]), p, model)
        return {"qw_th": np.asarray(apv.qw_theory(s2)), "qw_exp": np.asarray(qe),
                "sigma": np.asarray(apv.qw_exp_sigma(qe, self.epnc))}

    def observed(self) -> np.ndarray:
        """Measured Q_W without the neutron-skin term (R_n = R_p): N A/E^{w.n.s.} (−72.68 PDG, −73.20 2021)."""
        return np.asarray(apv.qw_exp(1.0, self.epnc))

    def likelihood(self, names=(), fixed=None, model: str = "sm") -> ApvLikelihood:
        return ApvLikelihood(self, names, fixed or {}, model)

    def data_checksums(self):
        return {}


class ApvLikelihood(Likelihood):
    """Vectorised APV χ² over points whose columns are ``names`` (other parameters: ``fixed`` or defaults)."""

    def __init__(self, exp: ApvCs, names, fixed, model="sm"):
        from ..models import model_parameters

        exp.check_model(model)
        for n in (*names, *fixed):
            if n not in (*exp.parameters, *model_parameters(model)):
                raise ConfigError(f"parameter '{n}' does not apply to '{exp.name}' "
                                  f"(its parameters: {', '.join(exp.parameters)})")
        dup = set(names) & set(fixed)
        if dup:
            raise ConfigError(f"parameter(s) {sorted(dup)} both scanned and fixed")
        if "rn" in (*names, *fixed) and "rn_cs" in (*names, *fixed):
            raise ConfigError("give either 'rn' (common radius) or 'rn_cs', not both")
        self.names = tuple(names)
        self.nuisance_names = ()
        self.experiment_name = exp.name
        self.epnc = exp.epnc
        self.model = model
        self.fixed = exp.check_params(dict(fixed), model)
        self.defaults = exp.defaults()
        self.rn_grid = exp.table.rn_grid.copy()
        self.ratio_grid = exp.table.ratio_grid.copy()
        self.last_status = np.zeros(1, dtype=int)

    def data_checksums(self):
        return {}

    def evaluate(self, points):
        pts = self.points_array(points)
        n = pts.shape[0]
        vals = {**self.defaults, **self.fixed, **{k: pts[:, c] for c, k in enumerate(self.names)}}
        rn = vals["rn"] if "rn" in vals else vals["rn_cs"]
        ratio = np.interp(np.broadcast_to(np.asarray(rn, dtype=float), (n,)), self.rn_grid, self.ratio_grid)
        sin2w = np.broadcast_to(np.asarray(_sin2w_seen(vals["sin2w"], vals, self.model), dtype=float), (n,))
        chi2 = apv.apv_chi2(sin2w, ratio, self.epnc)
        self.last_status = np.zeros(n, dtype=int)
        return np.ascontiguousarray(chi2, dtype=float), np.zeros((n, 0))
