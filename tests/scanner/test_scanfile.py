"""Scan files: parsing into ScanSpec, canonical hash, and one-line ConfigErrors naming field and value."""

import math
from pathlib import Path

import pytest

from cevns.scanner.errors import ConfigError
from cevns.scanner.scanfile import ScanSpec, load_scan_file, parse_scan_text

GOOD = """
[scan]
experiments = "coherent-csi-2021+coherent-lar-2020"
model = "zprime-universal"
output = "results/zp"
cl = [0.9, 0.95]
chunk_size = 500

[scan.fixed]
rn = 5.5

[[scan.axes]]
name = "g_zp"
min = 1e-6
max = 1e-3
points = 20
spacing = "log"

[[scan.axes]]
name = "m_zp"
min = 1.0
max = 1e4
points = 30
spacing = "log"
"""


def parse(text):
    return parse_scan_text(text, check_registry=False)


def test_good_file_parses_into_frozen_spec(tmp_path):
    s = parse(GOOD)
    assert s.experiment_list == ["coherent-csi-2021", "coherent-lar-2020"]
    assert s.model == "zprime-universal" and s.output == "results/zp" and s.cl == (0.9, 0.95)
    assert s.nuisances == "profiled" and s.chunk_size == 500 and s.fixed_dict == {"rn": 5.5}
    assert s.names == ["g_zp", "m_zp"] and s.grid.shape == (20, 30)
    assert s.axes[0].spacing == "log" and s.text == GOOD
    with pytest.raises(AttributeError):
        s.model = "sm"
    p = tmp_path / "zp.toml"
    p.write_text(GOOD)
    assert load_scan_file(p, check_registry=False) == s


def test_defaults_and_hash_covers_only_what_changes_chi2():
    base = GOOD.replace('model = "zprime-universal"\n', "").replace("cl = [0.9, 0.95]\n", "")
    s = parse(base)
    assert s.model == "sm" and s.cl == (0.9,) and s.nuisances == "profiled"
    assert len(s.hash) == 64
    assert parse(base.replace("results/zp", "elsewhere")).hash == s.hash
    assert parse(base.replace("chunk_size = 500", "chunk_size = 7")).hash == s.hash
    assert parse(base.replace("[scan.fixed]", "cl = [0.68]\n[scan.fixed]")).hash == s.hash
    assert parse(base.replace("rn = 5.5", "rn = 5.6")).hash != s.hash
    assert parse(base.replace("points = 30", "points = 31")).hash != s.hash
    assert parse(base.replace("[scan.fixed]", 'nuisances = "fixed"\n[scan.fixed]')).hash != s.hash
    # the spec written back as TOML is the same spec
    assert parse(s.to_toml()) == s


def test_spec_hash_is_canonical_for_key_order():
    a = parse(GOOD)
    b = parse(GOOD.replace("[scan.fixed]\nrn = 5.5", "[scan.fixed]\nrn = 5.5\nsin2w = 0.24"))
    c = parse(GOOD.replace("[scan.fixed]\nrn = 5.5", "[scan.fixed]\nsin2w = 0.24\nrn = 5.5"))
    assert b.hash == c.hash != a.hash


BAD = [
    (GOOD.replace("[scan]", "[scan]\nfoo = 1"), "[scan]", "'foo'"),
    (GOOD + "\n[other]\nx = 1\n", "scan file", "'other'"),
    (
        GOOD.replace('spacing = "log"\n\n[[scan.axes]]', 'step = 2\nspacing = "log"\n\n[[scan.axes]]'),
        "[[scan.axes]] #1",
        "'step'",
    ),
    (GOOD.replace("cl = [0.9, 0.95]", "cl = [90]"), "cl", "90"),
    (GOOD.replace("cl = [0.9, 0.95]", "cl = [0.0]"), "cl", "0.0"),
    (GOOD.replace("cl = [0.9, 0.95]", "cl = [1.0]"), "cl", "1.0"),
    (GOOD.replace("cl = [0.9, 0.95]", "cl = []"), "cl", "[]"),
    (
        GOOD.replace("nuisances", "x").replace("[scan.fixed]", 'nuisances = "free"\n[scan.fixed]'),
        "nuisances",
        "'free'",
    ),
    (GOOD.replace("chunk_size = 500", "chunk_size = 0"), "chunk_size", "0"),
    (GOOD.replace("min = 1e-6", "min = nan"), "'g_zp': min", "nan"),
    (GOOD.replace("max = 1e-3", "max = inf"), "'g_zp': max", "inf"),
    (GOOD.replace("max = 1e-3", "max = 1e-7"), "'g_zp': min must be < max", "1e-07"),
    (GOOD.replace("points = 20", "points = 1"), "'g_zp': points", "1"),
    (GOOD.replace("min = 1e-6", "min = 0.0"), "'g_zp': a log axis needs min > 0", "0.0"),
    (GOOD.replace("min = 1e-6", "min = -1.0"), "'g_zp': a log axis needs min > 0", "-1.0"),
    (GOOD.replace('name = "m_zp"', 'name = "g_zp"'), "name", "duplicate axis name(s) ['g_zp']"),
    (GOOD.replace("rn = 5.5", "g_zp = 1e-4"), "[scan.fixed]", "'g_zp'"),
    (GOOD.replace("rn = 5.5", "rn = nan"), "[scan.fixed] rn", "nan"),
    (GOOD.replace("rn = 5.5", 'rn = "big"'), "[scan.fixed] rn", "'big'"),
    (
        GOOD.replace('experiments = "coherent-csi-2021+coherent-lar-2020"', 'experiments = ""'),
        "experiments",
        "''",
    ),
    (GOOD.replace('"coherent-csi-2021+coherent-lar-2020"', '"coherent-csi-2021+"'), "experiments", "+"),
    (GOOD.replace('"coherent-csi-2021+coherent-lar-2020"', '"a+a"'), "experiments", "'a'"),
    (GOOD.replace('output = "results/zp"\n', ""), "output", "missing"),
    (GOOD.replace('spacing = "log"', 'spacing = "lin"', 1), "spacing", "'lin'"),
    (GOOD.split("[[scan.axes]]")[0] + "[[scan.axes]]" + GOOD.split("[[scan.axes]]")[1], "2 or 3 axes", "1"),
    ("[scan\n", "invalid TOML", "scan file"),
]


@pytest.mark.parametrize("text, field, value", BAD)
def test_validation_errors_are_one_line_and_name_field_and_value(text, field, value):
    with pytest.raises(ConfigError) as e:
        parse(text)
    msg = str(e.value)
    assert "\n" not in msg
    assert field in msg and value in msg, msg


def test_unknown_key_message_lists_valid_keys():
    with pytest.raises(ConfigError, match=r"valid keys: \['experiments', 'model', 'output'"):
        parse(GOOD.replace("[scan]", "[scan]\nexperiment = 'x'"))


def test_four_axes_refused():
    extra = '\n[[scan.axes]]\nname = "{n}"\nmin = 0.0\nmax = 1.0\npoints = 2\n'
    with pytest.raises(ConfigError, match="2 or 3 axes, got 4"):
        parse(GOOD + extra.format(n="a") + extra.format(n="b"))


def test_missing_file_is_config_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_scan_file(tmp_path / "nope.toml")


def test_registry_hook_is_called(monkeypatch):
    registry = pytest.importorskip("cevns.scanner.registry")
    seen = []
    monkeypatch.setattr(registry, "validate", lambda spec: seen.append(spec), raising=False)
    s = parse_scan_text(GOOD)
    assert seen == [s]

    def refuse(spec):
        raise ConfigError(f"unknown model {spec.model!r}")

    monkeypatch.setattr(registry, "validate", refuse, raising=False)
    with pytest.raises(ConfigError, match="unknown model 'zprime-universal'"):
        parse_scan_text(GOOD)


def test_direct_construction_validates():
    s = parse(GOOD)
    with pytest.raises(ConfigError, match="nuisances"):
        ScanSpec(experiments="x", output="o", axes=s.axes, nuisances="half")
    assert math.isclose(ScanSpec(experiments="x", output="o", axes=s.axes, cl=0.68).cl[0], 0.68)


EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples" / "scans").glob("*.toml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_scan_files_are_valid(path):
    s = load_scan_file(path, check_registry=False)
    assert 2 <= len(s.axes) and s.output.startswith("results/") and s.grid.size >= 200 * 200


def test_rn_sin2w_example_passes_the_registry():
    pytest.importorskip("cevns.scanner.registry")
    s = load_scan_file(Path(__file__).resolve().parents[2] / "examples" / "scans" / "rn-sin2w.toml")
    assert s.experiments == "coherent-csi-2021" and s.names == ["rn", "sin2w"]
