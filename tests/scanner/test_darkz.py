"""Dark Z model `darkz` on CEvNS (COHERENT CsI 2021) and APV(Cs): SM limit, independent per-node recomputation,
heavy-mass limit, APV at Q = 2.4 MeV, the combined fit."""

import math

import numpy as np
import pytest

from cevns.kernels import apv
from cevns.kernels import darkz as dz
from cevns.kernels.constants import HBARC_MEV_FM, SIN2W_LOW_ENERGY
from cevns.kernels.couplings import gv_neutron, gv_proton
from cevns.scanner.errors import ConfigError
from cevns.scanner.experiments import get_experiment
from cevns.scanner.experiments.sns import SNS_SOURCE_FLAVOUR
from cevns.scanner.fit import fit
from cevns.scanner.registry import make_likelihood

POINT = {"eps_dark": 4e-3, "m_zd": 30.0, "delta_zd": 2e-3}


@pytest.fixture(scope="module")
def csi():
    return get_experiment("coherent-csi-2021")


def test_zero_coupling_is_sm(csi):
    sm = csi.predict({})["cevns"]
    d = csi.predict({"eps_dark": 0.0, "m_zd": 20.0}, model="darkz")["cevns"]
    np.testing.assert_array_equal(d, sm)


def _helm(q_fm, rms, s=0.9):
    r0 = math.sqrt(5.0 / 3.0 * (rms * rms - 3.0 * s * s))
    x = q_fm * r0
    return 3.0 * (np.sin(x) - x * np.cos(x)) / x**3 * np.exp(-0.5 * (q_fm * s) ** 2)


def test_csi_matches_independent_node_sum(csi):
    """Counts from the Z'-slot path = a NumPy recomputation with g_V^p(ν_ℓ; κ_d(q²) sin²θ_W) at every node."""
    s2 = 0.24
    got = csi.predict({**POINT, "sin2w": s2, "rn": 5.5}, model="darkz")["cevns"]
    spec = np.zeros((3, csi.t_nodes.size))
    for a in range(2):
        q2 = (csi.q[a] * HBARC_MEV_FM) ** 2
        fn = _helm(csi.q[a], 5.5)
        s_eff = dz.sin2w_eff(q2, POINT["eps_dark"], POINT["delta_zd"], POINT["m_zd"], s2)
        for s, f in enumerate(SNS_SOURCE_FLAVOUR):
            gp = gv_proton(int(f), SIN2W_LOW_ENERGY) - 2 * 1.00063 * (s_eff - SIN2W_LOW_ENERGY)
            qw = gp * csi.targets.z[a] * csi.fp[a] + gv_neutron() * csi.targets.n[a] * fn
            spec[s] += csi.base[a, s] * qw * qw
    ref = np.einsum("sk,ik,sj->ij", spec, csi.resp, csi.time_frac)
    np.testing.assert_allclose(got, ref, rtol=1e-10)
    sm = csi.predict({"sin2w": s2, "rn": 5.5})["cevns"]
    assert abs(got.sum() / sm.sum() - 1.0) > 1e-3  # the point does move the prediction


def test_heavy_dark_z_is_a_sin2w_shift(csi):
    m = 1e7
    p = {"eps_dark": 5e-3, "delta_zd": 5e-3, "m_zd": m}
    got = csi.predict(p, model="darkz")["cevns"]
    s_eff = float(dz.sin2w_eff(0.0, 5e-3, 5e-3, m, SIN2W_LOW_ENERGY))
    ref = csi.predict({"sin2w": s_eff})["cevns"]
    np.testing.assert_allclose(got, ref, rtol=1e-9)


def test_apv_sees_kappa_at_2p4_mev():
    exp = get_experiment("apv-cs")
    lik = exp.likelihood(["eps_dark"], {"m_zd": 47.0}, model="darkz")
    c = lik.evaluate(np.array([[0.0], [2e-3]]))[0]
    s_eff = float(dz.sin2w_eff(2.4**2, 2e-3, dz.DELTA_DEFAULT, 47.0, SIN2W_LOW_ENERGY))
    ref = exp.likelihood(["sin2w"], {}).evaluate(np.array([[SIN2W_LOW_ENERGY], [s_eff]]))[0]
    np.testing.assert_allclose(c, ref, rtol=1e-12)
    pred = exp.predict({"eps_dark": 2e-3, "m_zd": 47.0}, model="darkz")
    assert float(pred["qw_th"]) == pytest.approx(float(apv.qw_theory(s_eff)), rel=1e-14)


def test_refusals():
    with pytest.raises(ConfigError):
        make_likelihood("apv-cs", "sm", {}, ["eps_dark"])
    with pytest.raises(ConfigError):  # a Z' acts on CsI only; on APV alone its coupling is refused
        make_likelihood("apv-cs", "zprime-b-l", {"m_zp": 10.0}, ["g_zp"])
    with pytest.raises(ConfigError):
        make_likelihood("apv-cs", "darkz", {"m_zd": -1.0}, ["eps_dark"])


def test_combined_fit_follows_apv():
    """CsI+APV(2021) at m_Zd = 47 MeV: APV fixes ε δ; the best fit is where κ_d(2.4 MeV) sin²θ_W equals the APV
    sin²θ_W (CsI is 10× less precise, seed 000:247–249)."""
    r = fit("coherent-csi-2021+apv-cs:epnc=2021", ["eps_dark"], model="darkz", fixed={"m_zd": 47.0})
    exp = get_experiment("apv-cs:epnc=2021")
    s_apv = float(apv.sin2w_from_qw(exp.predict({})["qw_exp"]))
    eps_apv = (1.0 - s_apv / SIN2W_LOW_ENERGY) / (
        dz.DELTA_DEFAULT * dz.M_Z / 47.0 * math.sqrt((1 - SIN2W_LOW_ENERGY) / SIN2W_LOW_ENERGY)
        / (1.0 + 2.4**2 / 47.0**2))
    assert eps_apv < 0  # APV 2021 lies above the SM running (000:249)
    assert r["best"]["eps_dark"] == pytest.approx(eps_apv, rel=0.05)
