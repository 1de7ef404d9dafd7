"""Scan files (TOML): parsing and validation into a frozen :class:`ScanSpec`.

The format (documented in docs/scan-files.md and kept stable)::

    [scan]
    experiments = "coherent-csi-2021+coherent-lar-2020"   # one experiment or a "+" combination
    model = "zprime-universal"                            # default "sm"
    output = "results/zp"                                 # folder, relative to the working directory
    cl = [0.9]                                            # default [0.9]
    nuisances = "profiled"                                # or "fixed"; default "profiled"
    chunk_size = 4096                                     # optional

    [scan.fixed]
    rn = 5.5

    [[scan.axes]]
    name = "g_zp"
    min = 1e-6
    max = 1e-3
    points = 200
    spacing = "log"                                       # or "linear" (default)

Every problem raises a one-line :class:`~cevns.scanner.errors.ConfigError` naming the field and the value.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

from cevns.grids.axes import SPACINGS, Axis
from cevns.grids.grid import Grid, check_axes
from cevns.scanner.errors import ConfigError
from cevns.scanner.experiments import split_combination

if sys.version_info >= (3, 11):  # noqa: UP036 (setup.cfg: python >= 3.10)
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

FORMAT_VERSION = 1
TOP_KEYS = ("scan",)
SCAN_KEYS = ("experiments", "model", "output", "cl", "nuisances", "chunk_size", "fixed", "axes")
AXIS_KEYS = ("name", "min", "max", "points", "spacing")
NUISANCE_MODES = ("profiled", "fixed")


@dataclass(frozen=True)
class ScanSpec:
    """A validated scan definition. ``fixed`` is a tuple of (name, value) pairs in file order."""

    experiments: str
    output: str
    axes: tuple[Axis, ...]
    model: str = "sm"
    cl: tuple[float, ...] = (0.9,)
    nuisances: str = "profiled"
    chunk_size: int | None = None
    fixed: tuple[tuple[str, float], ...] = ()
    text: str | None = field(default=None, compare=False, repr=False)
    source: str | None = field(default=None, compare=False, repr=False)

    def __post_init__(self):
        _validate(self)

    @property
    def experiment_list(self) -> list[str]:
        return split_combination(self.experiments)

    @property
    def names(self) -> list[str]:
        return [a.name for a in self.axes]

    @property
    def fixed_dict(self) -> dict[str, float]:
        return dict(self.fixed)

    @property
    def grid(self) -> Grid:
        return Grid(self.axes)

    def canonical(self) -> dict:
        """What determines the χ² grid: experiments, model, nuisances, fixed values, axes (not cl, output,
        chunk_size: those do not change a single χ² value)."""
        return {
            "format": FORMAT_VERSION,
            "experiments": self.experiments,
            "model": self.model,
            "nuisances": self.nuisances,
            "fixed": {k: v for k, v in sorted(self.fixed)},
            "axes": [a.to_dict() for a in self.axes],
        }

    @property
    def hash(self) -> str:
        return canonical_hash(self.canonical())

    def to_toml(self) -> str:
        """The spec written back as a scan file (used when no file text is available)."""
        lines = [
            "[scan]",
            f"experiments = {json.dumps(self.experiments)}",
            f"model = {json.dumps(self.model)}",
            f"output = {json.dumps(self.output)}",
            f"cl = [{', '.join(repr(c) for c in self.cl)}]",
            f"nuisances = {json.dumps(self.nuisances)}",
        ]
        if self.chunk_size is not None:
            lines.append(f"chunk_size = {self.chunk_size}")
        if self.fixed:
            lines += ["", "[scan.fixed]"] + [f"{json.dumps(k)} = {v!r}" for k, v in self.fixed]
        for a in self.axes:
            lines += [
                "",
                "[[scan.axes]]",
                f"name = {json.dumps(a.name)}",
                f"min = {a.min!r}",
                f"max = {a.max!r}",
                f"points = {a.points}",
                f"spacing = {json.dumps(a.spacing)}",
            ]
        return "\n".join(lines) + "\n"


def canonical_hash(obj) -> str:
    """sha256 of the canonical JSON (sorted keys, no whitespace, repr floats) of ``obj``."""
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _unknown(where: str, keys, valid) -> None:
    bad = [k for k in keys if k not in valid]
    if bad:
        raise ConfigError(f"{where}: unknown key(s) {bad}; valid keys: {list(valid)}")


def _string(field_: str, value) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{field_} must be a non-empty string, got {value!r}")
    return value.strip()


def _validate(spec: ScanSpec) -> None:
    exps = _string("[scan] experiments", spec.experiments)
    parts = split_combination(exps)
    if any(not p for p in parts):
        raise ConfigError(f"[scan] experiments: empty name in combination {spec.experiments!r}")
    dup = sorted({p for p in parts if parts.count(p) > 1})
    if dup:
        raise ConfigError(f"[scan] experiments: {dup} appear(s) twice in {spec.experiments!r}")
    object.__setattr__(spec, "experiments", "+".join(parts))
    object.__setattr__(spec, "model", _string("[scan] model", spec.model))
    object.__setattr__(spec, "output", _string("[scan] output", spec.output))

    cl = spec.cl
    if isinstance(cl, (int, float)) and not isinstance(cl, bool):
        cl = (cl,)
    if not isinstance(cl, (list, tuple)) or not cl:
        raise ConfigError(f"[scan] cl must be a non-empty list of numbers in (0, 1), got {spec.cl!r}")
    out = []
    for c in cl:
        if isinstance(c, bool) or not isinstance(c, (int, float)) or not math.isfinite(c) or not 0 < c < 1:
            raise ConfigError(f"[scan] cl: each value must be a number in (0, 1) (0.9 for 90 %), got {c!r}")
        if float(c) in out:
            raise ConfigError(f"[scan] cl: {c!r} appears twice in {list(cl)!r}")
        out.append(float(c))
    object.__setattr__(spec, "cl", tuple(out))

    if spec.nuisances not in NUISANCE_MODES:
        raise ConfigError(f"[scan] nuisances must be one of {list(NUISANCE_MODES)}, got {spec.nuisances!r}")
    cs = spec.chunk_size
    if cs is not None and (isinstance(cs, bool) or not isinstance(cs, int) or cs < 1):
        raise ConfigError(f"[scan] chunk_size must be a positive integer, got {cs!r}")

    fixed = spec.fixed
    if isinstance(fixed, dict):
        fixed = tuple(fixed.items())
    pairs = []
    for k, v in fixed:
        _string("[scan.fixed] parameter name", k)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ConfigError(f"[scan.fixed] {k} must be a finite number, got {v!r}")
        pairs.append((k, float(v)))
    object.__setattr__(spec, "fixed", tuple(pairs))

    axes = check_axes(spec.axes, 2, "scan", "[[scan.axes]]", "[[scan.axes]] name", "an axis table")
    names = [a.name for a in axes]
    both = [n for n in names if n in dict(pairs)]
    if both:
        raise ConfigError(
            f"[[scan.axes]] name: {both} also set in [scan.fixed]; a parameter is scanned or fixed"
        )
    object.__setattr__(spec, "axes", axes)


def _axis_from_table(i: int, t) -> Axis:
    where = f"[[scan.axes]] #{i + 1}"
    if not isinstance(t, dict):
        raise ConfigError(f"{where}: expected a table, got {t!r}")
    _unknown(where, t, AXIS_KEYS)
    missing = [k for k in ("name", "min", "max", "points") if k not in t]
    if missing:
        raise ConfigError(f"{where}: missing key(s) {missing}")
    name = t["name"]
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{where} name must be a non-empty string, got {name!r}")
    spacing = t.get("spacing", "linear")
    if spacing not in SPACINGS:
        raise ConfigError(f"[[scan.axes]] {name!r} spacing must be one of {list(SPACINGS)}, got {spacing!r}")
    try:
        return Axis(name.strip(), t["min"], t["max"], t["points"], spacing)
    except ConfigError as e:
        raise ConfigError(f"[[scan.axes]] {e}") from None


def parse_scan_dict(data: dict, *, text: str | None = None, source: str | None = None) -> ScanSpec:
    """Build a :class:`ScanSpec` from the parsed TOML document ``data``."""
    if not isinstance(data, dict):
        raise ConfigError(f"scan file: expected a TOML document, got {data!r}")
    _unknown("scan file", data, TOP_KEYS)
    if "scan" not in data or not isinstance(data["scan"], dict):
        raise ConfigError("scan file: missing the [scan] table")
    s = data["scan"]
    _unknown("[scan]", s, SCAN_KEYS)
    for key in ("experiments", "output"):
        if key not in s:
            raise ConfigError(f"[scan] {key}: missing (required)")
    fixed = s.get("fixed", {})
    if not isinstance(fixed, dict):
        raise ConfigError(f"[scan.fixed] must be a table of name = value, got {fixed!r}")
    axes = s.get("axes")
    if not isinstance(axes, list):
        raise ConfigError(f"[[scan.axes]]: a scan needs 2 or 3 [[scan.axes]] tables, got {axes!r}")
    axes = tuple(_axis_from_table(i, t) for i, t in enumerate(axes))
    return ScanSpec(
        experiments=s["experiments"],
        output=s["output"],
        axes=axes,
        model=s.get("model", "sm"),
        cl=s.get("cl", (0.9,)),
        nuisances=s.get("nuisances", "profiled"),
        chunk_size=s.get("chunk_size"),
        fixed=tuple(fixed.items()),
        text=text,
        source=source,
    )


def parse_scan_text(text: str, *, source: str = "<string>", check_registry: bool = True) -> ScanSpec:
    """Parse scan-file text. With ``check_registry`` the registry's ``validate(spec)`` hook (if any) runs."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"scan file {source}: invalid TOML: {e}") from None
    spec = parse_scan_dict(data, text=text, source=source)
    if check_registry:
        validate_with_registry(spec)
    return spec


def load_scan_file(path, *, check_registry: bool = True) -> ScanSpec:
    """Read and validate the scan file at ``path``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigError(f"scan file {str(path)!r}: cannot read ({e.strerror or e})") from None
    except UnicodeDecodeError as e:
        raise ConfigError(f"scan file {str(path)!r}: not UTF-8 text (byte {e.start}); a scan file is TOML") from None
    return parse_scan_text(text, source=str(path), check_registry=check_registry)


def validate_with_registry(spec: ScanSpec) -> None:
    """Call ``cevns.scanner.registry.validate(spec)`` when that module and function exist."""
    if importlib.util.find_spec("cevns.scanner.registry") is None:
        return
    from cevns.scanner import registry

    hook = getattr(registry, "validate", None)
    if callable(hook):
        hook(spec)
