"""scripts/issue5_published.py runs on its own and prints the registry's verdict for the rows it selects."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "issue5_published.py"


def test_selected_rows_printed_with_tolerance_and_verdict():
    out = subprocess.run([sys.executable, str(SCRIPT), "--only", "xenonnt-", "--json"], capture_output=True,
                         text=True, timeout=600, check=True).stdout
    res = json.loads(out)
    rows = {r["id"]: r for r in res["results"]}
    assert set(rows) == {"xenonnt-mu-eff", "xenonnt-mu-nue"}
    # the same effective moment in two units: 1e-12 vs 1e-10 μ_B
    assert rows["xenonnt-mu-nue"]["ours"] * 100 == pytest.approx(rows["xenonnt-mu-eff"]["ours"], rel=5e-3)
    assert all(r["tolerance"] and r["status"] in ("pass", "fail") for r in rows.values())
    assert res["summary"]["passed"] + res["summary"]["failed"] == 2


def test_unknown_prefix_is_refused():
    p = subprocess.run([sys.executable, str(SCRIPT), "--only", "nothing-like-this"], capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 2 and "no validation entry" in p.stderr
