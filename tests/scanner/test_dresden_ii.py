"""Dresden-II: loaders against PROVENANCE, reactor spectra, rates against an independent scipy quad, options, fits."""

import math
import pickle

import numpy as np
import pytest
from dresden_quad_helpers import bin_prob as _bin_prob
from dresden_quad_helpers import interp as _interp
from scipy import integrate, special

from cevns.kernels.constants import G_FERMI, HBARC2_MEV2_CM2, HBARC_MEV_FM, M_ELECTRON
from cevns.kernels.couplings import FLAVOUR_E
from cevns.kernels.rates import cevns_source_spectra
from cevns.scanner import datasets
from cevns.scanner import reactor_fluxes as rf
from cevns.scanner.errors import ConfigError
from cevns.scanner.experiments import get_experiment, parse_experiment
from cevns.scanner.experiments.dresden_ii import DresdenII


@pytest.fixture(scope="module")
def fef():
    return get_experiment("dresden-ii")


@pytest.fixture(scope="module")
def ybe():
    return get_experiment("dresden-ii:qf=ybe")


# -- loaders ----------------------------------------------------------------------------------------------------
def test_release_sums_match_provenance():
    d = datasets.load_table("dresden-ii-2022", "data_release.txt")
    assert d.shape == (130, 5)
    assert d[0, 0] == pytest.approx(0.205) and d[-1, 0] == pytest.approx(1.495)
    np.testing.assert_allclose(np.diff(d[:, 0]), 0.01, atol=1e-6)
    assert d[:, 1].sum() == pytest.approx(5106.3, abs=0.05)
    assert d[:, 3].sum() == pytest.approx(4055.3, abs=0.05)
    assert d[np.argmin(abs(d[:, 0] - 1.295)), 1] == pytest.approx(100.9, abs=0.05)
    q = datasets.load_table("dresden-ii-2022", "QF_Fef_YBe.txt")
    assert q.shape == (451, 3)
    for t, f, y in [(0.5, 0.340, 0.248), (1.0, 0.244, 0.194), (4.5, 0.209, 0.219)]:
        row = q[np.argmin(abs(q[:, 0] - t))]
        assert row[1] == pytest.approx(f, abs=5e-4) and row[2] == pytest.approx(y, abs=5e-4)


def test_reactor_tables_match_provenance():
    trap = np.trapezoid
    best = {"U235": (6.07, 1.82), "U238": (7.15, 2.52), "Pu239": (5.49, 1.47), "Pu241": (6.24, 1.92)}
    summ = {"U235": 1.76, "U238": 2.50, "Pu239": 1.41, "Pu241": 1.83}
    for iso in rf.ISOTOPES:
        b = rf.table(f"bestiole2023/bestiole_{iso.lower()}.txt")
        hi = b[:, 0] >= 1.8
        assert trap(b[:, 1], b[:, 0]) == pytest.approx(best[iso][0], abs=0.01)
        assert trap(b[hi, 1], b[hi, 0]) == pytest.approx(best[iso][1], abs=0.01)
        s = rf.estienne_fallot(iso)
        hi = s[:, 0] >= 1.8
        assert trap(s[hi, 1], s[hi, 0]) == pytest.approx(summ[iso], abs=0.01)
    assert rf.huber_mueller("U235")[0, 1] == pytest.approx(1.3166)
    assert rf.table("kopeikin/kopeikin_u238.txt")[-1, 1] == pytest.approx(0.003)  # the stray " n" row
    k = rf.kopeikin_total()
    assert trap(k[:, 1], k[:, 0]) == pytest.approx(6.67, abs=0.01)
    raw = datasets.load_table("dresden-ii-2022", "spectraMeVU238Ncapture.txt")
    assert trap(raw[:, 1], raw[:, 0]) == pytest.approx(1.01, abs=0.01)
    cap = rf.capture_spectrum()
    assert trap(cap[:, 1], cap[:, 0]) == pytest.approx(2.0)  # two ν̄ per capture (²³⁹U, ²³⁹Np)
    assert rf.vogel_engel("U235", 0.0) == pytest.approx(math.exp(0.870))


def test_flux_combinations_per_fission():
    dens = rf.fission_rate_density(2.96e9, 10.39)
    # 2.96 GW / 205.8 MeV / (4π (10.39 m)²)
    assert dens == pytest.approx(2.96e9 / (205.7858 * 1.602176634e-13) / (4 * math.pi * 1039.0**2), rel=1e-6)
    totals = {}
    for flux in rf.FLUXES:
        e, y = rf.reactor_spectrum(flux)
        totals[flux] = np.trapezoid(y, e)
        above2 = np.trapezoid(y[e >= 2.0], e[e >= 2.0])
        assert 1.45 < above2 < 1.7  # ν̄ per fission above 2 MeV (HM 1.61, EF 1.53)
        # total flux within 15 % of the paper's 4.8e13 cm⁻² s⁻¹ (spec page: VE/Kopeikin low-energy parts)
        assert totals[flux] * dens == pytest.approx(4.8e13, rel=0.15)
    # HM above 2 MeV is common to hmve and hmk; VE below 2 MeV is lower than Kopeikin
    assert totals["hmve"] < totals["hmk"]
    e, y = rf.reactor_spectrum("hmve")
    j = np.flatnonzero(e == 2.0)
    assert j.size == 2 and y[j[0]] == pytest.approx(sum(f * rf.vogel_engel(i, 2.0) for i, f in
                                                        rf.DRESDEN_FRACTIONS.items()) + 0.6 * 0.0)
    with pytest.raises(ValueError):
        rf.reactor_spectrum("huber")


# -- options ----------------------------------------------------------------------------------------------------
def test_options_refused_when_unknown():
    assert parse_experiment("dresden-ii:qf=ybe,flux=hmk") == ("dresden-ii", (("flux", "hmk"), ("qf", "ybe")))
    assert parse_experiment("dresden-ii:qf=lindhard,k=0.2")[1] == (("k", 0.2), ("qf", "lindhard"))
    for bad in ["dresden-ii:qf=foo", "dresden-ii:flux=hm", "dresden-ii:kk=1", "dresden-ii:k=abc", "dresden-ii:k=nan"]:
        with pytest.raises(ConfigError):
            parse_experiment(bad)
    with pytest.raises(ConfigError):
        DresdenII(qf="lind")
    with pytest.raises(ConfigError):
        DresdenII(k=-1.0)
    with pytest.raises(ConfigError, match="smearing"):
        parse_experiment("dresden-ii:smearing=gauss")


def test_smearing_option():
    """smearing=renormalised (default, the reanalysis code's 2/(1 + erf(E/√2σ))) vs cut: identical far above the
    noise, more events near threshold where sub-threshold recoils leak in (SM CEvNS 95.4 vs 89.4 per day, Fef)."""
    ren, cut = get_experiment("dresden-ii"), get_experiment("dresden-ii:smearing=cut")
    a, b = ren.predict()["cevns"], cut.predict()["cevns"]
    assert a.sum() == pytest.approx(95.4, abs=0.2) and b.sum() == pytest.approx(89.4, abs=0.2)
    assert np.all(a >= b) and a[0] > 1.05 * b[0]
    hi, far = ren.e_centres > 0.9, ren.te_nodes > 0.9e-3  # bins and true energies far above the noise
    np.testing.assert_allclose(ren.resp_ee[hi][:, far], cut.resp_ee[hi][:, far], rtol=1e-12)


# -- rates against an independent quad -------------------------------------------------------------------------
def _helm(q, rms, s=0.9):
    r0 = math.sqrt(5.0 / 3.0 * (rms * rms - 3 * s * s))
    x = q * r0
    return (3 * special.spherical_jn(1, x) / x if x > 1e-6 else 1.0) * math.exp(-0.5 * q * q * s * s)






def _quad_cevns_bin(exp, i, iso_index):
    """86400 Φ_f n_a ∫_{T_ion}dT P_i(E_ee(T)) ∫dE f(E) (G_F²M/π)(1 − T/E − MT/2E²) Q², Q with Helm F_p = F_n
    (R_n = R_p)."""
    tg = exp.targets
    a = iso_index
    m, z, n, rp = tg.mass[a], tg.z[a], tg.n[a], tg.rp[a]
    e_nu = exp.e_nu
    f = _interp(e_nu, exp.spectrum)
    lo, hi = exp.edges[i], exp.edges[i + 1]
    pref = G_FERMI**2 * HBARC2_MEV2_CM2 / math.pi * m
    qt = exp.qf_table
    col = 1 if exp.qf_model == "fef" else 2
    gvp, gvn = 0.0382, -0.5117

    def inner(t):
        emin = 0.5 * (t + math.sqrt(t * t + 2 * m * t))
        if emin >= e_nu[-1]:
            return 0.0
        pts = [p for p in (2.0,) if emin < p < e_nu[-1]]
        val = integrate.quad(lambda e: f(e) * (1 - t / e - m * t / (2 * e * e)), emin, e_nu[-1],
                             points=pts or None, limit=400, epsrel=1e-6)[0]
        q = math.sqrt(2 * m * t + t * t) / HBARC_MEV_FM
        ff = _helm(q, rp)
        return val * (gvp * z * ff + gvn * n * ff) ** 2

    def outer(t):
        e_ee = 1e3 * t * np.interp(1e3 * t, qt[:, 0], qt[:, col])
        return _bin_prob(e_ee, lo, hi) * inner(t)

    tmax = 2 * e_nu[-1] ** 2 / (m + 2 * e_nu[-1])
    # recoils below one e–h pair of mean ionisation make no charge: the integral starts at T_ion (spec page)
    val = integrate.quad(outer, exp.t_ion, tmax, points=[1e-5, 1e-4, 3e-4, 6e-4, 1e-3], limit=400, epsrel=1e-5)[0]
    return 86400 * exp.fission_density * tg.count[a] * pref * val


def _fast_iso(exp, a):
    """The fast path for isotope a alone (SM couplings, R_n = R_p)."""
    sl = slice(a, a + 1)
    out = cevns_source_spectra(exp.base[sl], exp.fp[sl], exp.q[sl], exp.gauss[sl], exp.targets.z[sl],
                               exp.targets.n[sl], np.array([FLAVOUR_E]), 0.23857, exp.targets.rp[sl], exp.resp_nr)
    return out[0]


@pytest.mark.filterwarnings("ignore::scipy.integrate.IntegrationWarning")
def test_cevns_bins_vs_quad(fef, ybe):
    """Bins of the fast path vs a double scipy quad, per isotope (Ge70, Ge74 with Fef; Ge72 with YBe)."""
    for exp, i, a in [(fef, 0, 0), (fef, 6, 3), (ybe, 2, 1)]:
        assert _fast_iso(exp, a)[i] == pytest.approx(_quad_cevns_bin(exp, i, a), rel=1e-3), (exp.qf_model, i, a)
    total = sum(_fast_iso(fef, a) for a in range(5))
    np.testing.assert_allclose(fef._signal(fef.theta({}), es=False), total, rtol=1e-12)


@pytest.mark.filterwarnings("ignore::scipy.integrate.IntegrationWarning")
def test_es_bins_vs_quad(fef):
    """ES (unquenched, stepped Z_eff) for two bins: independent double quad with the SM ν̄_e couplings."""
    s2 = 0.23857
    gv, ga = 0.5 + 2 * s2, -0.5
    thr = np.array([11.1031, 1.4143, 1.2478, 1.2167, 0.18, 0.1249, 0.1208, 0.0298, 0.015, 0.008]) * 1e-3
    cnt = np.array([2, 2, 2, 4, 2, 2, 4, 10, 2, 2], dtype=float)
    pref = G_FERMI**2 * M_ELECTRON * HBARC2_MEV2_CM2 / (2 * math.pi)
    e_nu = fef.e_nu
    f = _interp(e_nu, fef.spectrum)
    sig = fef._signal(fef.theta({}), norm=0.0)

    def dsig(t):
        emin = 0.5 * (t + math.sqrt(t * t + 2 * M_ELECTRON * t))

        def g(e):
            y = 1 - t / e
            return f(e) * ((gv + ga) ** 2 + (gv - ga) ** 2 * y * y - (gv * gv - ga * ga)
                                            * M_ELECTRON * t / (e * e))
        pts = [p for p in (0.01, 0.05, 0.3, 1.0, 2.0) if p > emin]
        return pref * integrate.quad(g, emin, e_nu[-1], points=pts, limit=400, epsrel=1e-6)[0]

    for i in (40,):
        lo, hi = fef.edges[i], fef.edges[i + 1]
        pts = sorted(t for t in thr if t < 2.5e-3)

        def outer(t, lo=lo, hi=hi):
            return _bin_prob(1e3 * t, lo, hi) * cnt[thr < t].sum() * dsig(t)

        val = integrate.quad(outer, 0.0, 2.5e-3, points=pts, limit=400, epsrel=1e-5)[0]
        ref = 86400 * fef.fission_density * fef.n_ge * val
        assert sig[i] == pytest.approx(ref, rel=1e-3), i


# -- predictions, likelihood, fits -----------------------------------------------------------------------------
def test_prediction_summary_and_qf_ordering(fef, ybe):
    s = fef.rate_summary()
    per_day = s["counts_per_day"]
    assert set(per_day) == {"cevns", "es", "epithermal", "l1", "l2", "m"}
    assert 60 < per_day["cevns"] < 120  # Fef, HMVE: 89.4 per day in 0.2–1.5 keVee (from T_ion)
    assert 0.01 < per_day["es"] < 0.1
    assert s["counts_rx_on"]["cevns"] == pytest.approx(per_day["cevns"] * 96.4)
    assert sum(per_day.values()) == pytest.approx(fef.obs.sum(), rel=0.02)
    lind = get_experiment("dresden-ii:qf=lindhard")
    c_ybe = ybe.predict()["cevns"].sum()
    c_lind = lind.predict()["cevns"].sum()
    assert per_day["cevns"] > c_ybe > c_lind > 0  # Fef enhancement > YBe > Lindhard (000:486)
    big_k = get_experiment("dresden-ii:qf=lindhard,k=0.25").predict()["cevns"].sum()
    assert big_k > c_lind
    # the magnetic-moment arrays are kept, positive, per (μ/μ_B)²
    assert fef.mm_cevns.shape == fef.mm_es.shape == (130,)
    assert np.all(fef.mm_cevns >= 0) and np.all(fef.mm_es > 0)
    assert 1e20 < fef.mm_cevns.sum() < 1e22 and 1e20 < fef.mm_es.sum() < 1e22
    # R_n(Ge) matters little (q R ≲ 0.3): 0.5 fm moves the total by < 0.5 %
    c_rn = fef.predict({"rn_ge": 4.6})["cevns"].sum()
    assert abs(c_rn / per_day["cevns"] - 1) < 5e-3


def test_likelihood_interface(fef):
    lik = fef.likelihood(["cevns_norm", "sin2w"], {"rn_ge": 4.1})
    lik2 = pickle.loads(pickle.dumps(lik))
    pts = np.array([[1.0, 0.238], [0.0, 0.238], [1.5, 0.2]])
    chi2, eta = lik2.evaluate(pts)
    assert chi2.shape == (3,) and eta.shape == (3, len(fef.nuisance_names))
    assert np.all(lik2.last_status == 0)
    # every point starts from the same nuisances: results do not depend on the grouping of points
    c1, _ = lik2.evaluate(pts[1:2])
    assert c1[0] == chi2[1]
    with pytest.raises(ConfigError):
        fef.likelihood(["rn"], {})
    assert any(k.startswith("reactor-antineutrino-fluxes/") for k in lik.data_checksums())


@pytest.mark.parametrize("qf, lo, hi", [("fef", 0.8, 1.7), ("ybe", 1.3, 2.8)])
def test_fit_and_significance(qf, lo, hi):
    from cevns.scanner.fit import fit

    res = fit(f"dresden-ii:qf={qf}", ["cevns_norm"], n_grid=61)
    assert lo < res["best"]["cevns_norm"] < hi
    assert 95 < res["chi2_min"] < 112  # 130 bins − 9 fitted
    exp = get_experiment(f"dresden-ii:qf={qf}")
    lik = exp.likelihood(["cevns_norm"], {})
    c, _ = lik.evaluate(np.array([[0.0], [1.0]]))
    assert c[0] - c[1] > 4.0  # background-only disfavoured against background + SM CEvNS
