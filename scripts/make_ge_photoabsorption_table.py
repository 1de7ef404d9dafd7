"""Extract the Ge photo-absorption cross section once from xraydb (Chantler tables) into
scanner/data/ge-photoabsorption/ (run once; the package does not depend on xraydb at run time).

    pip install xraydb==4.5.8 && python scripts/make_ge_photoabsorption_table.py
    python scripts/make_data_manifests.py ge-photoabsorption

Writes ge_photoabsorption_chantler.txt: the Chantler (FFAST) energy nodes of Ge between 10 eV and 5 keV with the
photo-electric mass attenuation μ/ρ [cm²/g] and the cross section per atom σ_γ = (μ/ρ) A/N_A [barn].
"""

import sys
from pathlib import Path

import numpy as np

A_GE = 72.630  # g/mol (IUPAC 2021 standard atomic weight of Ge)
N_A = 6.02214076e23
OUT = Path(__file__).resolve().parent.parent / "scanner" / "data" / "ge-photoabsorption"



def main() -> int:
    if any(a in ("-h", "--help") for a in sys.argv[1:]):
        print(__doc__)
        return 0
    try:
        import xraydb
    except ImportError:
        print("make_ge_photoabsorption_table: needs xraydb (pip install xraydb==4.5.8); cevns itself does not need it",
              file=sys.stderr)
        return 2
    e = xraydb.chantler_energies("Ge", 10.0, 5000.0)
    mu = xraydb.mu_chantler("Ge", e, photo=True)
    sigma_barn = mu * A_GE / N_A * 1e24
    header = (f"Ge photo-absorption, Chantler (FFAST) table via xraydb {xraydb.__version__} "
              f"({xraydb.get_xraydb().get_version().split(',')[0]}), mu_chantler(photo=True)\n"
              "energy_eV  mu_photo_cm2_per_g  sigma_gamma_barn_per_atom")
    np.savetxt(OUT / "ge_photoabsorption_chantler.txt", np.column_stack([e, mu, sigma_barn]), fmt="%.8e", header=header)
    print(f"{e.size} nodes, {e[0]:.3f}-{e[-1]:.1f} eV")
    return 0


if __name__ == "__main__":
    sys.exit(main())
