"""Data-vs-prediction figures: panels, stacked components with nuisances, data points, residuals."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cevns.plots import plot_spectrum, save, spectrum_data  # noqa: E402
from cevns.plots.spectra import poisson_errors  # noqa: E402
from cevns.scanner.errors import ConfigError  # noqa: E402
from cevns.scanner.experiments import get_experiment  # noqa: E402
from cevns.scanner.experiments.base import Experiment  # noqa: E402
from cevns.scanner.experiments.coherent_csi_2021 import PE_EDGES, TIME_EDGES  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def csi():
    return get_experiment("coherent-csi-2021")


PARAMS = {"rn": 5.5, "sin2w": 0.24}


def _independent(csi, params):
    """Prediction with (1 + η_z) applied and data, computed here from predict/observed/chi2."""
    pred = csi.predict(params)
    _, eta = csi.chi2(params)
    comps = {k: (1 + eta[i]) * pred[k] for i, k in enumerate(("cevns", "brn", "nin", "ss"))}
    return comps, csi.observed(), eta


def test_csi_spectrum_content(csi, tmp_path):
    art = plot_spectrum(csi, PARAMS)
    fig = art.figure
    assert len(fig.axes) == 4
    comps, obs, eta = _independent(csi, PARAMS)
    assert np.allclose([art.spectrum.nuisances[n] for n in csi.nuisance_names], eta)
    assert abs(eta[0]) > 1e-3  # the fitted nuisances are not all zero: the check below tests their use
    for which, edges, axis in (("energy", PE_EDGES, 1), ("time", TIME_EDGES, 0)):
        ax, rax = art.axes[which]
        width = np.diff(edges)
        # one filled step artist per component, stacked: each top = cumulative sum of (1 + η) N_z per width
        stacks = art.stacks[which]
        assert list(stacks) == ["ss", "nin", "brn", "cevns"]
        assert all(s in ax.patches for s in stacks.values())
        cum = np.zeros(len(width))
        for k in ("ss", "nin", "brn", "cevns"):
            values, e, baseline = stacks[k].get_data()
            assert np.allclose(e, edges) and np.allclose(baseline, cum)
            cum = cum + comps[k].sum(axis=axis) / width
            assert np.allclose(values, cum, rtol=1e-12)
        # data points: one per bin, at the bin centres, counts per width
        n = obs.sum(axis=axis)
        line = art.data[which][0]
        assert len(line.get_xdata()) == len(width) == (9 if which == "energy" else 11)
        assert np.allclose(line.get_xdata(), 0.5 * (edges[1:] + edges[:-1]))
        assert np.allclose(line.get_ydata(), n / width)
        # residuals (n − μ)/√μ, μ with nuisances
        mu = sum(c.sum(axis=axis) for c in comps.values())
        res = (n - mu) / np.sqrt(mu)
        assert np.allclose(art.residuals[which][0].get_ydata(), res, rtol=1e-10)
        assert np.allclose(art.residual_values[which], res, rtol=1e-10)
        assert rax.get_ylabel() == r"$(n-\mu)/\sqrt{\mu}$"
    assert art.axes["energy"][1].get_xlabel() == "Energy [PE]"
    assert art.axes["time"][1].get_xlabel() == r"Time [$\mu$s]"
    assert art.axes["energy"][0].get_ylabel() == "Counts / PE"
    assert [t.get_text() for t in art.legend.get_texts()] == ["Data", r"CE$\nu$NS", "BRN", "NIN", "SS"]
    png, pdf = save(fig, tmp_path / "spectrum")
    assert png.read_bytes()[:4] == b"\x89PNG" and pdf.stat().st_size > 2000


def test_zero_and_given_nuisances(csi):
    pred = csi.predict(PARAMS)
    d0 = spectrum_data(csi, PARAMS, nuisances="zero")
    assert all(np.array_equal(d0.components[k], pred[k]) for k in pred)
    d1 = spectrum_data(csi, PARAMS, nuisances={"eta_cevns": 0.1, "eta_ss": -0.02})
    assert np.allclose(d1.components["cevns"], 1.1 * pred["cevns"])
    assert np.allclose(d1.components["ss"], 0.98 * pred["ss"])
    assert np.array_equal(d1.components["brn"], pred["brn"])
    assert d1.applied == {n: n[4:] for n in csi.nuisance_names}
    d2 = spectrum_data(csi, PARAMS, nuisances=[0.1, 0, 0, -0.02])
    assert np.allclose(d2.prediction, d1.prediction)
    with pytest.raises(ConfigError, match="unknown nuisance"):
        spectrum_data(csi, PARAMS, nuisances={"eta_foo": 1.0})
    with pytest.raises(ConfigError):
        spectrum_data(csi, PARAMS, nuisances=[0.1])
    with pytest.raises(ConfigError):
        spectrum_data(csi, {"g_zp": 1e-4})  # not a parameter of the SM experiment
    # counts per bin instead of per width
    art = plot_spectrum(csi, PARAMS, nuisances="zero", density=False)
    assert np.allclose(art.data["time"][0].get_ydata(), csi.observed().sum(axis=0))


def test_poisson_errors_garwood():
    # Gehrels (1986) Table 1/2 at S = 1: n = 1 → [0.173, 3.300], n = 10 → [6.891, 14.267]; n = 0 → upper 1.841
    lo, hi = poisson_errors([0, 1, 10])
    assert lo == pytest.approx([0.0, 1 - 0.1727, 10 - 6.8914], abs=2e-3)
    assert hi == pytest.approx([1.8410, 3.2996 - 1, 14.267 - 10], abs=2e-3)


class _Toy(Experiment):
    """Energy × F90 × time toy with a shape nuisance and instance bin edges."""

    name = "toy"
    parameters = ("cevns_norm",)
    nuisance_names = ("eta_sig", "delta_shape")

    def __init__(self, time=True):
        rng = np.random.default_rng(1)
        self.energy_edges = np.array([0.0, 10, 20, 40])
        if time:
            self.time_edges = np.array([0.0, 1, 2, 4, 8])
        self.sig = rng.uniform(1, 5, (3, 2, 4))
        self.bkg = rng.uniform(1, 5, (3, 2, 4))
        self.obs = rng.poisson(self.sig + self.bkg).astype(float)

    def predict(self, params=None):
        norm = (params or {}).get("cevns_norm", 1.0)
        return {"sig": norm * self.sig, "bkg": self.bkg.copy()}

    def observed(self):
        return self.obs.copy()


def test_generic_experiment_3d_and_shape_nuisance():
    toy = _Toy()
    art = plot_spectrum(toy, {"cevns_norm": 2.0}, nuisances={"eta_sig": 0.5, "delta_shape": 0.3})
    assert art.spectrum.applied == {"eta_sig": "sig"}  # the shape nuisance is not a normalisation
    assert len(art.figure.axes) == 4
    mu_e = (1.5 * 2.0 * toy.sig + toy.bkg).sum(axis=(1, 2))
    n_e = toy.obs.sum(axis=(1, 2))
    assert np.allclose(art.residual_values["energy"], (n_e - mu_e) / np.sqrt(mu_e))
    assert len(art.data["time"][0].get_xdata()) == 4
    assert list(art.stacks["energy"]) == ["bkg", "sig"]
    assert art.axes["energy"][1].get_xlabel() == "Energy"


def test_experiment_hook_applies_shape_nuisances():
    class Hooked(_Toy):
        def predict_with_nuisances(self, params, eta):
            pred = self.predict(params)
            return {"sig": (1 + eta[0]) * pred["sig"], "bkg": (1 + eta[1]) * pred["bkg"]}

    toy = Hooked()
    d = spectrum_data(toy, nuisances=[0.2, -0.5])
    assert np.allclose(d.components["bkg"], 0.5 * toy.bkg) and np.allclose(d.components["sig"], 1.2 * toy.sig)
    assert d.applied == {"eta_sig": "*", "delta_shape": "*"}


def test_no_time_bins_is_a_clear_error_and_a_1d_spectrum_gets_one_column():
    with pytest.raises(ConfigError, match="no time bins"):
        plot_spectrum(_Toy(time=False), nuisances="zero")

    class OneD(_Toy):
        def observed(self):
            return self.obs.sum(axis=(1, 2))

        def predict(self, params=None):
            return {"sig": self.sig.sum(axis=(1, 2))}

    d = spectrum_data(OneD(), nuisances="zero")
    assert d.projections == ("energy",) and d.time_edges is None
    art = plot_spectrum(OneD(), nuisances="zero")
    assert len(art.figure.axes) == 2 and list(art.axes) == ["energy"]
    with pytest.raises(ConfigError, match="projection"):
        d.project("time")

    class OneBin(OneD):
        def observed(self):
            return self.obs.sum(axis=(1, 2))[:1]

    with pytest.raises(ConfigError, match="1 bin"):
        spectrum_data(OneBin(), nuisances="zero")


def test_dresden_spectrum_is_what_the_chi2_compares():
    """Dresden-II (1-D, released Gaussian errors): the drawn components at the profiled nuisances sum to the model
    of the χ² (Σ ((d − μ)/σ)² plus the a_M and flux priors equals the experiment's profiled χ²), the residuals are
    (d − μ)/σ with the released σ, and the flux nuisance scales the signal."""
    from cevns.kernels.reactor import A_M_SIGMA, FLUX_SIGMA
    from cevns.scanner.experiments import get_experiment

    d2 = get_experiment("dresden-ii")
    art = plot_spectrum(d2, {})
    data = art.spectrum
    eta = data.nuisances
    mu = data.prediction
    priors = ((eta["a_m"] - 1) / A_M_SIGMA) ** 2 + (eta["eta_flux"] / FLUX_SIGMA) ** 2
    chi2 = np.sum(((d2.obs - mu) / d2.err) ** 2) + priors
    assert chi2 == pytest.approx(d2.chi2({})[0], rel=1e-9)
    np.testing.assert_allclose(art.residual_values["energy"], (d2.obs - mu) / d2.err, rtol=1e-12)
    nominal = d2.predict({})
    np.testing.assert_allclose(data.components["cevns"], (1 + eta["eta_flux"]) * nominal["cevns"], rtol=1e-12)
    assert art.axes["energy"][0].get_ylabel() == "Counts / day / keVee"


def test_user_axes(csi):
    fig, axs = plt.subplots(2, 2)
    art = plot_spectrum(csi, PARAMS, axes=axs)
    assert art.figure is fig and art.axes["time"] == (axs[0, 1], axs[1, 1])


def test_spectrum_under_a_model():
    """--spectrum with a mediator model: the components are the model's prediction with the nuisances profiled at
    that point (the CsI CEvNS at a universal Z' of 10 MeV, g = 1e-4, is well below the SM one); an unsupported or
    unknown model is a ConfigError."""
    from cevns.scanner.experiments import get_experiment

    csi = get_experiment("coherent-csi-2021")
    p = {"g_zp": 1e-4, "m_zp": 10.0}
    d = spectrum_data(csi, p, model="zprime-universal")
    lik = csi.likelihood((), fixed=p, model="zprime-universal")
    _, eta = lik.evaluate(np.zeros((1, 0)))
    want = (1 + eta[0][0]) * csi.predict(p, model="zprime-universal")["cevns"]
    np.testing.assert_allclose(d.components["cevns"], want, rtol=1e-12)
    sm = spectrum_data(csi, {})
    assert d.components["cevns"].sum() < 0.9 * sm.components["cevns"].sum()
    with pytest.raises(ConfigError, match="does not support model"):
        spectrum_data(get_experiment("apv-cs"), {}, model="tmm")


def test_backgrounds_are_stacked_below_the_signal_whatever_the_experiment_lists_first():
    art = plot_spectrum("xenonnt-er-2022", {"mu_nu_e": 1.0})  # predict lists b0 before the signal
    order = list(art.stacks["energy"])
    assert order[0] == "b0" and order.index("b0") < order.index("magnetic_moment")
    plt.close(art.figure)
    art = plot_spectrum("coherent-csi-2021", {"rn": 5.5})  # cevns listed first: still on top, backgrounds as before
    assert list(art.stacks["energy"])[-1] == "cevns"
    plt.close(art.figure)
