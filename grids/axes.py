"""Scan axes: a named, validated, linear or logarithmic 1D lattice of parameter values.

An :class:`Axis` maps between *index space* (0 … points−1, fractional indices allowed) and the parameter's own
coordinates. On a log axis index space is linear in log10(value), so interpolation in index space (contours,
adaptive refinement) interpolates in log space.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from cevns.scanner.errors import ConfigError

SPACINGS = ("linear", "log")


def _finite_number(field: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ConfigError(f"{field} must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ConfigError(f"{field} must be finite, got {value!r}")
    return value


@dataclass(frozen=True)
class Axis:
    """One scanned parameter: ``points`` values from ``min`` to ``max`` (both included)."""

    name: str
    min: float
    max: float
    points: int
    spacing: str = "linear"

    def __post_init__(self):
        label = f"axis {self.name!r}" if isinstance(self.name, str) else "axis"
        if not isinstance(self.name, str) or not self.name.strip():
            raise ConfigError(f"axis name must be a non-empty string, got {self.name!r}")
        lo = _finite_number(f"{label}: min", self.min)
        hi = _finite_number(f"{label}: max", self.max)
        if isinstance(self.points, bool) or not isinstance(self.points, (int, np.integer)):
            raise ConfigError(f"{label}: points must be an integer, got {self.points!r}")
        if self.points < 2:
            raise ConfigError(f"{label}: points must be >= 2, got {self.points!r}")
        if self.spacing not in SPACINGS:
            raise ConfigError(f"{label}: spacing must be one of {list(SPACINGS)}, got {self.spacing!r}")
        if not lo < hi:
            raise ConfigError(f"{label}: min must be < max, got min={lo!r}, max={hi!r}")
        if self.spacing == "log" and lo <= 0:
            raise ConfigError(f"{label}: a log axis needs min > 0, got min={lo!r}")
        object.__setattr__(self, "min", lo)
        object.__setattr__(self, "max", hi)
        object.__setattr__(self, "points", int(self.points))

    @property
    def values(self) -> np.ndarray:
        """The ``points`` coordinates, endpoints exact (a fresh array each call)."""
        if self.spacing == "log":
            v = np.geomspace(self.min, self.max, self.points)
        else:
            v = np.linspace(self.min, self.max, self.points)
        v[0], v[-1] = self.min, self.max
        return v

    def _t(self, x):
        x = np.asarray(x, dtype=float)
        return np.log10(x) if self.spacing == "log" else x

    def to_index(self, x) -> np.ndarray:
        """Fractional index of coordinate(s) ``x`` (log axes: linear in log10 x)."""
        lo, hi = self._t(self.min), self._t(self.max)
        return (self._t(x) - lo) / (hi - lo) * (self.points - 1)

    def from_index(self, i) -> np.ndarray:
        """Coordinate(s) at fractional index ``i`` (inverse of :meth:`to_index`)."""
        i = np.asarray(i, dtype=float)
        lo, hi = self._t(self.min), self._t(self.max)
        t = lo + (hi - lo) * i / (self.points - 1)
        return 10.0**t if self.spacing == "log" else t

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "min": self.min,
            "max": self.max,
            "points": self.points,
            "spacing": self.spacing,
        }

    @classmethod
    def from_dict(cls, d: dict) -> Axis:
        return cls(d["name"], d["min"], d["max"], d["points"], d.get("spacing", "linear"))
