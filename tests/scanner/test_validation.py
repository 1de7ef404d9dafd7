"""`cevns validate` registry and runner (scanner/validation.py, scanner/cli_validate.py); fast entries only."""

import argparse
import json
import re

import pytest

from cevns.scanner import validation as v
from cevns.scanner.cli_validate import register
from cevns.scanner.errors import ConfigError


def _cli(*argv):
    p = argparse.ArgumentParser()
    register(p.add_subparsers(dest="command"))
    args = p.parse_args(["validate", *argv])
    return args.func(args)


def test_registry_size_ids_and_sources():
    ids = v.entry_ids()
    assert len(ids) >= 25 and len(set(ids)) == len(ids)
    experiments = {x.split(":")[0] for e in v.ENTRIES for x in e.experiments}
    assert len(experiments) >= 5
    for e in v.ENTRIES:
        assert re.fullmatch(r"00[0-4]:\d+", e.source), e.id  # seed FILE:LINE
        assert e.quantity and e.dataset and e.tolerance_why and e.kind in ("value", "widths", "bounds", "min", "max")
        if e.kind in ("widths", "bounds"):
            assert len(e.published) == 2
    assert len({(e.source, e.quantity) for e in v.ENTRIES}) == len(ids)


def test_only_selects_and_unknown_id_is_refused():
    sel = v.select(["csi2021-rn", "csi2021-sm-events"])
    assert [e.id for e in sel] == ["csi2021-rn", "csi2021-sm-events"]
    with pytest.raises(ConfigError, match="csi2021-sm-events"):
        v.select(["csi2021-sm-event"])  # typo: suggestion in the message
    slow = v.Entry(id="x-slow", experiments=("a",), quantity="q", published=1.0, published_text="1", cl="",
                   dataset="d", source="000:1", tolerance=0.1, tolerance_why="w", compute=lambda: 1.0, slow=True)
    fast = v.Entry(id="x-fast", experiments=("a",), quantity="q", published=1.0, published_text="1", cl="",
                   dataset="d", source="000:2", tolerance=0.1, tolerance_why="w", compute=lambda: 1.0)
    assert [e.id for e in v.select(entries=[slow, fast])] == ["x-fast"]
    assert [e.id for e in v.select(include_slow=True, entries=[slow, fast])] == ["x-slow", "x-fast"]
    assert [e.id for e in v.select(["x-slow"], entries=[slow, fast])] == ["x-slow"]  # --only runs slow ones


def test_sm_rate_entry_computed_and_json_shape(capsys):
    assert _cli("--json", "--quiet", "--only", "csi2021-sm-events") == 0
    out = json.loads(capsys.readouterr().out)
    assert isinstance(out, list) and len(out) == 1
    r = out[0]
    for key in ("id", "experiments", "quantity", "published", "ours", "pass", "tolerance", "source", "note"):
        assert key in r
    assert r["experiments"] == ["coherent-csi-2021"] and r["source"] == "000:143"
    # Our SM prediction (340.7) against the published 341: within the stated 3 %.
    assert r["published"] == 341.0 and abs(r["ours"] / 341.0 - 1) < 0.03 and r["pass"] is True
    assert r["difference"] == pytest.approx(r["ours"] - 341.0)


def test_failing_and_broken_entries_are_reported_not_raised(monkeypatch):
    e = next(x for x in v.ENTRIES if x.id == "csi2021-sm-events")
    bad = v.Entry(**{**e.__dict__, "compute": lambda: 200.0})
    r = v.run_entry(bad)
    assert r["pass"] is False and r["status"] == "fail" and r["ours"] == 200.0

    def boom():
        raise RuntimeError("kaputt")

    r = v.run_entry(v.Entry(**{**e.__dict__, "compute": boom}))
    assert r["pass"] is False and r["status"] == "error" and "kaputt" in r["note"]
    # The same through the runner and the registry: a monkeypatched library function fails one entry only.
    monkeypatch.setattr(v, "sm_events", lambda *a, **k: float("nan"))
    res = v.run(["csi2021-sm-events", "zprime-universal-sm-again"])
    assert res[0]["status"] == "error" and "non-finite" in res[0]["note"]
    assert res[1]["status"] == "pass"


def test_skipped_when_experiment_or_parameter_missing():
    e = v.Entry(id="x", experiments=("no-such-exp",), quantity="q", published=1.0, published_text="1", cl="",
                dataset="d", source="000:1", tolerance=0.1, tolerance_why="w", compute=lambda: 1.0,
                requires=(("no-such-exp", None),))
    r = v.run_entry(e)
    assert r["status"] == "skipped" and r["pass"] is None and "not registered" in r["note"]
    e2 = v.Entry(**{**e.__dict__, "requires": (("coherent-csi-2021", "no_such_param"),)})
    assert "no parameter 'no_such_param'" in v.run_entry(e2)["note"]


def test_comparison_kinds():
    base = dict(id="x", experiments=("a",), quantity="q widths", published_text="", cl="", dataset="d",
                source="000:1", tolerance_why="w")
    w = v.Entry(**base, published=[1.0, 2.0], tolerance=0.2, kind="widths", compute=lambda: [1.1, 2.5])
    assert v.run_entry(w)["pass"] is False  # 2.5 vs 2.0 is 25 %
    w2 = v.Entry(**{**w.__dict__, "compute": lambda: [0.85, 2.3]})
    assert v.run_entry(w2)["pass"] is True
    lo = v.Entry(**base, published=3.0, tolerance=0.0, kind="min", compute=lambda: (3.5, "extra"))
    r = v.run_entry(lo)
    assert r["pass"] is True and r["note"] == "extra"
    rel = v.Entry(**base, published=10.0, tolerance=0.2, tol_rel=True, compute=lambda: 12.1)
    assert v.run_entry(rel)["pass"] is False


def test_markdown_has_header_date_and_failures(tmp_path, capsys):
    path = tmp_path / "validation.md"
    assert _cli("--quiet", "--only", "csi2021-sm-events", "zprime-universal-cancel", "--write-md", str(path)) == 0
    text = path.read_text()
    assert "| id | quantity | experiments | published | ours | difference | tolerance | pass | source |" in text
    assert re.search(r"Generated \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC on ", text)
    assert "`zprime-universal-cancel`" in text.split("## Failures")[1]  # listed with its reason
    assert "1.26" in text.split("## Failures")[1]
    assert "PASS" in capsys.readouterr().out
    assert _cli("--quiet", "--strict", "--only", "zprime-universal-cancel") == 1
