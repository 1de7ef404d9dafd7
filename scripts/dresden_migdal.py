"""Migdal (photo-absorption approximation) vs CEvNS with the Lindhard quenching factor in Dresden-II, per bin.

Checks seed 000:512: the Migdal contribution is negligible compared to CEvNS (Lindhard, k = 0.157) for observed
energies below ~0.3 keV. Usage: python scripts/dresden_migdal.py
"""

import _cli  # scripts/ is on sys.path when a script runs

from cevns.scanner.experiments import get_experiment


def main(argv=None):
    _cli.parser(__doc__).parse_args(argv)  # --help; the script takes no options
    exp = get_experiment("dresden-ii:qf=lindhard,migdal=on")
    p = exp.predict({})
    print("E [keVee]   CEvNS [/d/10eV]   Migdal [/d/10eV]   Migdal/CEvNS")
    for e, c, m in zip(exp.e_centres, p["cevns"], p["migdal"]):
        ratio = f"{m / c:12.4e}" if c > 1e-12 else "   (no CEvNS)"
        print(f"{e:8.3f}   {c:14.4e}   {m:14.4e}   {ratio}")
    low = exp.e_centres < 0.3
    print(f"0.2-0.3 keVee: CEvNS {p['cevns'][low].sum():.4f}/d, Migdal {p['migdal'][low].sum():.5f}/d, "
          f"ratio {p['migdal'][low].sum() / p['cevns'][low].sum():.4f}")


if __name__ == "__main__":
    main()
