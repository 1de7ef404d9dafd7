"""The published beyond-SM and electromagnetic numbers of issue 5 next to ours, with tolerance and verdict.

Every row is an entry of the validation registry (:mod:`cevns.scanner.validation`, `cevns validate`), so the
published value, its source line in the seeds, the tolerance and the reason for it live in one place; this script
only selects the issue's rows and prints them:

- |μ_νe| of Dresden-II (CEvNS + ES, Fef; and the YBe/EFK variants of 002:240),
- |μ_νμ| of COHERENT CsI + Ar (000:1429),
- the neutrino charge-radius ranges of 004 and 000 (COHERENT + Dresden-II, with and without transition radii),
- the APV + CsI rows of the sin²θ_W table of 000 and the APV inputs,
- the transition-magnetic-moment |Λ_i| table of 003 (every setup; the issue asks for at least CsI, LAr, CONUS
  and TEXONO),
- the XENONnT magnetic-moment limit (collaboration 6.3e-12 μ_B; `mu_nu_eff` and `mu_nu_e`).

    python scripts/issue5_published.py [--only PREFIX,...] [--json]

Prints one line per number and a summary; exit status 0 (a comparison, not a test: the failures and their
reasons are in docs/validation.md).
"""

from __future__ import annotations

import argparse
import json
import sys

import _cli  # scripts/ is on sys.path when a script runs

from cevns.scanner import validation

PREFIXES = ("dresden-mu-", "coherent-mu-numu", "coherent-rch2-", "cr-", "apv-", "csi-apv", "tmm-", "xenonnt-")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=_cli.description(__doc__))
    ap.add_argument("--only", default="", help="comma-separated id prefixes (default: all of the issue's rows)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    prefixes = tuple(p for p in args.only.split(",") if p) or PREFIXES
    ids = [i for i in validation.entry_ids() if i.startswith(prefixes)]
    if not ids:
        print(f"no validation entry starts with {', '.join(prefixes)}", file=sys.stderr)
        return 2

    def fmt(x):
        return "[" + ", ".join(fmt(v) for v in x) + "]" if isinstance(x, list) else f"{x:.4g}"

    def show(r):
        if not args.json:
            ours = fmt(r["ours"]) if r["ours"] is not None else r["note"]
            print(f"{r['status'].upper():5s} {r['id']:32s} published {r['published_text']} {r['unit']}  "
                  f"ours {ours}  tolerance {r['tolerance']}  ({r['source']})", flush=True)

    results = validation.run(only=ids, include_slow=True, progress=show)
    summ = validation.summary(results)
    if args.json:
        print(json.dumps({"results": results, "summary": summ}, indent=1))
    else:
        print(f"\n{summ['passed']} of {summ['passed'] + summ['failed']} within tolerance ({summ['failed']} outside, "
              f"{summ['skipped']} skipped); reasons for each miss: docs/validation.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(_cli.run(main))
