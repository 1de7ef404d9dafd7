"""scripts/dresden_mu_background.py: its independent scipy profile reproduces the package's Dresden-II |μ_νe| limit
with all nuisances free, and fixing background freedom can only tighten the limit."""

import importlib.util
import sys
from pathlib import Path

import pytest

from cevns.scanner.experiments import get_experiment
from cevns.scanner.fit import fit

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "dresden_mu_background.py"


@pytest.fixture(scope="module")
def mod():
    if str(SCRIPT.parent) not in sys.path:  # as when the script runs: its folder (scripts/_cli.py) is importable
        sys.path.insert(0, str(SCRIPT.parent))
    spec = importlib.util.spec_from_file_location("dresden_mu_background", SCRIPT)
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m


def test_all_free_matches_the_package_fit(mod):
    exp = get_experiment("dresden-ii")
    ours = mod.limit(exp, range(8))
    res = fit("dresden-ii", ["mu_nu_e"])
    # the fit counts Δχ² from its minimum (at μ = 0 for Fef: the χ² rises monotonically in |μ|)
    assert ours == pytest.approx(res["interval_90"]["mu_nu_e"][1], rel=1e-2)
    limits = [mod.limit(exp, free) for _, free in mod.VARIANTS]
    # fewer free nuisances never give a looser limit: 0 ⊃ 1 and 0 ⊃ 2 ⊃ 3 ⊃ 4 ⊃ 5 (sets of free nuisances)
    for big, small in ((0, 1), (0, 2), (2, 3), (3, 4), (4, 5)):
        assert limits[small] <= limits[big] + 1e-3
    assert limits[3] < 0.75 * limits[0]  # the epithermal exponential is what weakens the limit
