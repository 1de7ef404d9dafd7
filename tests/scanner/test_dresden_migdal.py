"""Migdal effect (photo-absorption approximation) in Dresden-II: the bundled Ge σ_γ table, the Migdal term vs an
independent scipy quad for one bin, option off = unchanged prediction."""

import math

import numpy as np
import pytest
from scipy import integrate
from scipy.stats import norm

from cevns.kernels.constants import ALPHA_EM, HBARC2_MEV2_CM2, M_ELECTRON
from cevns.kernels.cross_sections import CEVNS_PREFACTOR, e_min, momentum_transfer, t_max
from cevns.kernels.form_factors import helm
from cevns.kernels.reactor import ge_resolution, pl_moments_at
from cevns.scanner import datasets
from cevns.scanner.experiments import get_experiment
from cevns.scanner.experiments.dresden_ii import ETA_KEV, FANO, SIGMA_N_KEV
from cevns.scanner.migdal import DATASET, E_MAX_MEV, TABLE


@pytest.fixture(scope="module")
def pair():
    return get_experiment("dresden-ii:qf=lindhard"), get_experiment("dresden-ii:qf=lindhard,migdal=on")


def test_table_loads_and_verifies():
    d = datasets.load_table(DATASET, TABLE)
    assert d.shape == (658, 3)
    assert d[0, 0] == pytest.approx(9.8608658) and d[-1, 0] == pytest.approx(5051.4242)
    np.testing.assert_allclose(d[:, 2], d[:, 1] * 72.630 / 6.02214076e23 * 1e24, rtol=1e-7)  # PROVENANCE
    assert "ge_photoabsorption_chantler.txt" in datasets.dataset_checksums(DATASET)
    i = np.searchsorted(d[:, 0], 1216.0)  # L3 edge (PROVENANCE: 1.734e5 → 3.656e5 b)
    assert d[i - 1, 2] == pytest.approx(1.734e5, rel=1e-3) and d[i, 2] == pytest.approx(3.656e5, rel=1e-3)


def test_option_off_unchanged(pair):
    off, on = pair
    p0, p1 = off.predict({}), on.predict({})
    np.testing.assert_allclose(p1["cevns"], p0["cevns"], rtol=1e-9, atol=1e-12 * p0["cevns"].max())
    assert off.t_nodes.size == off.n_cevns_nodes < on.t_nodes.size  # off: no extra nodes, same arrays as before
    assert "migdal" not in p0 and np.all(p1["migdal"] > 0)
    assert get_experiment("dresden-ii").options["migdal"] == "off"


def test_migdal_bin_vs_quad(pair):
    """Bin 0.30–0.31 keVee: ∫dT ∫dE_r of 000:508 with scipy quad (σ_γ log–log from the table) vs the node sums."""
    _, exp = pair
    i = 10
    lo, hi = exp.edges[i], exp.edges[i + 1]
    d = datasets.load_table(DATASET, TABLE)
    le, ls = np.log(d[:, 0] * 1e-6), np.log(d[:, 2] * 1e-24)

    def resp(e_kev):  # the experiment's default smearing: the Gaussian cut at 0, renormalised above 0
        s = ge_resolution(e_kev, SIGMA_N_KEV, ETA_KEV, FANO)
        return (norm.cdf((hi - e_kev) / s) - norm.cdf((lo - e_kev) / s)) / norm.sf(-e_kev / s)

    def inner(e_nr_kev):
        f = lambda er: math.exp(np.interp(math.log(er), le, ls)) / HBARC2_MEV2_CM2 / er * resp(1e3 * er + e_nr_kev)  # noqa: E731
        pts = [x for x in (1.2e-4, 1.2167e-3, 1.2485e-3, 1.4143e-3) if x < E_MAX_MEV]
        return integrate.quad(f, d[0, 0] * 1e-6, E_MAX_MEV, points=pts, limit=100, epsrel=1e-4)[0]

    tg = exp.targets
    gp = 0.0382  # g_V^p(ν_e) at the default sin²θ_W (000:49); g_V^n = −0.5117
    tmax = max(t_max(exp.e_nu[-1], m) for m in tg.mass)

    def outer(t):
        acc = 0.0
        for a in range(len(tg.names)):
            m = tg.mass[a]
            if t >= t_max(exp.e_nu[-1], m):
                continue
            mom = pl_moments_at(exp.e_nu, exp.spectrum, np.array([e_min(t, m)]))
            kin = max(mom[0, 0] - 0.5 * m * t * mom[2, 0], 0.0)
            f = helm(momentum_transfer(t, m), tg.rp[a])
            qw = gp * tg.z[a] * f - 0.5117 * tg.n[a] * f
            acc += (tg.count[a] * CEVNS_PREFACTOR * m * kin * qw * qw
                    * M_ELECTRON**2 * t / (2 * math.pi**2 * ALPHA_EM * m))
        return exp.exposure * acc * inner(1e3 * t * exp.quenching(1e3 * t)[0])

    brk = [1e-8, 1e-6, 1e-5, 1e-4, 3e-4, 8e-4, *sorted(t_max(exp.e_nu[-1], m) for m in tg.mass)]
    ref = sum(integrate.quad(outer, a, b, limit=50, epsrel=1e-4)[0] for a, b in zip(brk[:-1], brk[1:]) if b <= tmax)
    got = exp.predict({})["migdal"][i]
    assert got == pytest.approx(ref, rel=1e-3)
