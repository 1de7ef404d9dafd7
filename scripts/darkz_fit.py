"""Dark Z (model darkz) on COHERENT CsI 2021 + APV(Cs), compared with H30 (000:283–285: m_Zd = 47 +61/−16 MeV,
ε = 2.3 +1.1/−0.4 × 10⁻³, Cadeddu et al. PRD 104, 011701, a fit that also uses (g−2)_μ, (g−2)_e and Q_W(p) and
marginalises δ). Usage: python scripts/darkz_fit.py
"""

import math

import _cli  # scripts/ is on sys.path when a script runs

from cevns.kernels import darkz as dz
from cevns.kernels.apv import sin2w_from_qw
from cevns.kernels.constants import SIN2W_LOW_ENERGY as S0
from cevns.scanner.experiments import get_experiment
from cevns.scanner.fit import fit
from cevns.scanner.registry import make_likelihood


def main(argv=None):
    _cli.parser(__doc__).parse_args(argv)  # --help; the script takes no options
    for epnc in ("pdg", "2021"):
        combo = f"coherent-csi-2021+apv-cs:epnc={epnc}"
        r1 = fit(combo, ["eps_dark"], model="darkz", fixed={"m_zd": 47.0})
        print(f"[{epnc}] m_Zd = 47 MeV, δ = {dz.DELTA_DEFAULT}: ε = {r1['best']['eps_dark']:.3e}, "
              f"1σ {r1['interval_1sigma']['eps_dark']}, χ²_min = {r1['chi2_min']:.2f}")
        r2 = fit(combo, ["eps_dark", "m_zd"], model="darkz")
        print(f"[{epnc}] 2-parameter fit: best {r2['best']}, χ²_min = {r2['chi2_min']:.2f}, "
              f"1σ {r2['interval_1sigma']}")
        lik = make_likelihood(combo, "darkz", {"m_zd": 47.0, "delta_zd": dz.DELTA_DEFAULT}, ["eps_dark"])
        c_sm, c_h30 = lik.evaluate([[0.0], [2.3e-3]])[0]
        print(f"[{epnc}] χ²(SM) = {c_sm:.2f}, χ²(H30 ε = 2.3e-3, m = 47 MeV, δ = 1e-3) = {c_h30:.2f}")
        s_apv = float(sin2w_from_qw(get_experiment(f"apv-cs:epnc={epnc}").predict({})["qw_exp"]))
        k0 = (47.0 / dz.M_Z) * math.sqrt(S0 / (1 - S0)) * (1 + 2.4**2 / 47.0**2)
        delta = (1 - s_apv / S0) * k0 / 2.3e-3
        print(f"[{epnc}] APV sin²θ_W = {s_apv:.4f}; at H30's ε, m_Zd the APV value needs δ = {delta:.2e}")
        for q in (2.4, 10.0, 30.0, 50.0, 100.0):
            s_q = float(dz.sin2w_eff(q * q, 2.3e-3, delta, 47.0, S0))
            print(f"    sin²θ_W(q = {q:5.1f} MeV) at H30 with that δ: {s_q:.5f}")


if __name__ == "__main__":
    main()
