"""Physics models: a model name → its parameters and the map from parameters to the kernels' coupling columns.

The base parameters (SM inputs, radii, sin²θ_W, NSI ε's) are always available and default to the SM; a mediator
model adds its coupling and mass. The kernels take, per point, the columns of
:data:`cevns.kernels.binned.N_BSM_COLUMNS`: δg^p (3 flavours), δg^n (3), g_Z'², M_Z'² [MeV²].
"""

from __future__ import annotations

import numpy as np

from cevns.kernels.mediators import ZPRIME_CHARGES

from .errors import ConfigError

__all__ = ["MODELS", "NSI_PARAMETERS", "model_parameters", "check_model", "bsm_columns", "zprime_name"]

FLAVOURS = ("ee", "mumu", "tautau")
NSI_PARAMETERS = tuple(f"eps_{q}_{f}" for q in ("u", "d") for f in FLAVOURS)

MODELS = {"sm": ("Standard Model couplings; base parameters (sin2w, radii, normalisation, NSI ε) free", ())}
for _key in ZPRIME_CHARGES:
    _loop = _key.startswith("l")
    MODELS[f"zprime-{_key}"] = (
        f"light vector Z' of the {_key.upper().replace('-', '−')} model"
        + (" (quark coupling through one-loop kinetic mixing, 000:1051)" if _loop else " (000:299)")
        + ", full interference with the SM; charges 000:321–330",
        ("g_zp", "m_zp"),
    )


def zprime_name(model: str) -> str | None:
    """The ZPRIME_CHARGES key of a Z' model name, or None."""
    return model[len("zprime-"):] if model.startswith("zprime-") else None


def check_model(model: str) -> None:
    if model not in MODELS:
        import difflib

        close = difflib.get_close_matches(str(model), MODELS, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise ConfigError(f"unknown model '{model}'{hint}; known: {', '.join(MODELS)}")


def model_parameters(model: str) -> tuple[str, ...]:
    """Parameters the model adds to the base set."""
    check_model(model)
    return MODELS[model][1]


def bsm_columns(model: str, values: dict, n: int) -> np.ndarray:
    """(n, 8) coupling columns from parameter arrays/scalars in ``values`` (missing names: SM)."""
    out = np.zeros((n, 8))

    def get(name):
        return np.broadcast_to(np.asarray(values.get(name, 0.0), dtype=float), (n,))

    for f, fl in enumerate(FLAVOURS):
        eu, ed = get(f"eps_u_{fl}"), get(f"eps_d_{fl}")
        out[:, f] = 2.0 * eu + ed  # proton = uud
        out[:, 3 + f] = eu + 2.0 * ed  # neutron = udd
    if zprime_name(model) is not None:
        out[:, 6] = get("g_zp") ** 2
        out[:, 7] = get("m_zp") ** 2
    else:
        out[:, 7] = 1.0  # no Z': g² = 0, any M² > 0 avoids 0/0
    return out
