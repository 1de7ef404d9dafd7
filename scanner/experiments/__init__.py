"""Experiment registry: every experiment by its command-line name."""

from __future__ import annotations

import functools

from ..errors import ConfigError

__all__ = ["EXPERIMENTS", "get_experiment"]


def _csi2021():
    from .coherent_csi_2021 import CoherentCsI2021

    return CoherentCsI2021


EXPERIMENTS = {
    "coherent-csi-2021": _csi2021,
}


@functools.cache
def _build(name: str):
    return EXPERIMENTS[name]()()


def get_experiment(name: str):
    """The experiment called ``name`` (built once per process and cached)."""
    if name not in EXPERIMENTS:
        import difflib

        close = difflib.get_close_matches(name, EXPERIMENTS, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise ConfigError(f"unknown experiment '{name}'{hint}; known: {', '.join(EXPERIMENTS)}")
    return _build(name)
