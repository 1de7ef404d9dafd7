"""Experiment registry: every experiment by its command-line name, with options as ``NAME:key=value,…``.

Each experiment class declares ``OPTIONS = {key: (default, allowed)}`` where ``allowed`` is a tuple of valid
strings or a type (``float``/``int``); unknown keys or values are refused with the list of valid ones.
"""

from __future__ import annotations

import functools
import importlib

from ..errors import ConfigError

__all__ = ["EXPERIMENTS", "get_experiment", "experiment_class", "parse_experiment", "split_combination"]

# name -> "module:Class" (imported lazily: building an experiment loads its data)
EXPERIMENTS = {
    "coherent-csi-2021": "coherent_csi_2021:CoherentCsI2021",
    "coherent-lar-2020": "coherent_lar_2020:CoherentLAr2020",
    "coherent-csi-2017": "coherent_csi_2017:CoherentCsI2017",
    "xenonnt-er-2022": "xenonnt_er_2022:XenonNTER2022",
    "dresden-ii": "dresden_ii:DresdenII",
    "future-coherent-csi": "future:FutureCoherentCsi",
    "future-coherent-hpge": "future:FutureCoherentHpge",
    "future-coherent-lar": "future:FutureCoherentLar",
    "future-coherent-nai": "future:FutureCoherentNai",
    "future-conus": "future:FutureConus",
    "future-connie": "future:FutureConnie",
    "future-miner": "future:FutureMiner",
    "future-texono": "future:FutureTexono",
    "future-red100": "future:FutureRed100",
    "future-coh-cryocsi": "future:FutureCohCryocsi",
    "future-coh-ar-750": "future:FutureCohAr750",
    "future-ess": "future:FutureEss",
    "apv-cs": "apv_cs:ApvCs",
}


def split_combination(text: str) -> list[str]:
    """``"a:opt=x+b"`` → ``["a:opt=x", "b"]`` (stripped; not validated). An option value may hold a '+'
    (``channels=cevns+es``): a piece that does not start with an experiment name continues the previous one's
    options."""
    names: list[str] = []
    for piece in (n.strip() for n in str(text).split("+")):
        if names and ":" in names[-1] and piece.partition(":")[0].strip() not in EXPERIMENTS:
            names[-1] += "+" + piece
        else:
            names.append(piece)
    return names


def _suggest(name, choices):
    import difflib

    close = difflib.get_close_matches(str(name), list(choices), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def experiment_class(name: str):
    """The class registered under ``name`` (no options)."""
    if name not in EXPERIMENTS:
        raise ConfigError(
            f"unknown experiment '{name}'{_suggest(name, EXPERIMENTS)}; known: {', '.join(EXPERIMENTS)}"
        )
    module, cls = EXPERIMENTS[name].split(":")
    return getattr(importlib.import_module(f"{__name__}.{module}"), cls)


def parse_experiment(text: str) -> tuple[str, tuple]:
    """``"dresden-ii:qf=ybe,flux=hmk"`` → ("dresden-ii", (("flux", "hmk"), ("qf", "ybe"))), validated."""
    text = str(text).strip()
    name, _, opts = text.partition(":")
    cls = experiment_class(name)
    allowed = getattr(cls, "OPTIONS", {})
    out = {}
    for item in filter(None, (s.strip() for s in opts.split(","))):
        key, eq, value = item.partition("=")
        if not eq or not value:
            raise ConfigError(f"experiment '{name}': option '{item}' must be key=value")
        if key in out:
            raise ConfigError(f"experiment '{name}': option '{key}' given twice")
        if key not in allowed:
            valid = ", ".join(allowed) or "none"
            raise ConfigError(f"experiment '{name}': unknown option '{key}'{_suggest(key, allowed)}; valid: {valid}")
        default, kind = allowed[key]
        if isinstance(kind, tuple):
            if value not in kind:
                raise ConfigError(f"experiment '{name}': option {key}={value} not one of {', '.join(kind)}")
        else:
            try:
                value = kind(value)
            except ValueError:
                raise ConfigError(f"experiment '{name}': option {key}={value} is not a {kind.__name__}") from None
            if isinstance(value, float) and not value == value:
                raise ConfigError(f"experiment '{name}': option {key}={value} is not finite")
        out[key] = value
    return name, tuple(sorted(out.items()))


@functools.cache
def _build(name: str, options: tuple):
    return experiment_class(name)(**dict(options))


def get_experiment(text: str):
    """The experiment ``NAME`` or ``NAME:key=value,…`` (built once per process per option set and cached)."""
    name, options = parse_experiment(text)
    return _build(name, options)
