"""``cevns validate``: reproduce the published numbers of the validation registry (:mod:`cevns.scanner.validation`).

Added to the main parser by :func:`register`; the handler returns an exit status (0, or 1 with ``--strict`` when
an entry fails). Unknown ``--only`` ids are a :class:`~cevns.scanner.errors.ConfigError` (status 2).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

VALIDATE_HELP = "reproduce the published numbers of the seed talks and compare (table or JSON)"


def register(subparsers) -> None:
    """Add the ``validate`` subcommand to an argparse ``subparsers`` object."""
    p = subparsers.add_parser("validate", help=VALIDATE_HELP, description=VALIDATE_HELP)
    p.add_argument("--json", action="store_true", help="print a JSON list of entries instead of the table")
    p.add_argument("--only", nargs="+", metavar="ID", help="run only these entry ids (slow ones included)")
    p.add_argument("--all", action="store_true",
                   help="also run the entries marked slow (`--list` marks them; none is at present)")
    p.add_argument("--list", action="store_true", help="list the entry ids with quantity and source, run nothing")
    p.add_argument("--write-md", metavar="PATH", help="also write the markdown page (docs/validation.md)")
    p.add_argument("--strict", action="store_true", help="exit with status 1 if an entry fails")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    p.set_defaults(func=cmd_validate)


def cmd_validate(args) -> int:
    import json

    from . import validation as v

    if args.list:
        rows = [{"id": e.id, "experiments": list(e.experiments), "quantity": e.quantity, "source": e.source,
                 "slow": e.slow} for e in v.ENTRIES]
        if args.json:
            print(json.dumps(rows, indent=1, ensure_ascii=False))
        else:
            for r in rows:
                print(f"{r['id']:34s} {r['source']:10s} {'slow ' if r['slow'] else ''}{r['quantity']}")
        return 0
    v.select(args.only, args.all)  # unknown ids raise before anything runs
    if args.write_md:  # an unwritable page is refused before the entries run (minutes), not after
        from .errors import OutputError

        target = Path(args.write_md)
        try:
            if target.is_dir():
                raise IsADirectoryError(21, "is a folder")
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, probe = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)  # what the final write does
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            raise OutputError(f"validate: cannot write {args.write_md}: {exc.strerror or exc}") from None

    def progress(r):
        if not args.quiet:
            print(f"  {r['id']}: {r['status']} ({r['seconds']:.1f} s)", file=sys.stderr, flush=True)

    results = v.run(args.only, include_slow=args.all, progress=progress)
    if args.json:
        print(v.to_json(results))
    else:
        print(v.format_table(results))
    if args.write_md:
        cmd = "cevns validate" + (" --all" if args.all else "") + (f" --only {' '.join(args.only)}" if args.only
                                                                   else "") + f" --write-md {args.write_md}"
        from .checkpoint import atomic_write_text

        atomic_write_text(Path(args.write_md), v.to_markdown(results, command=cmd))
        if not args.quiet:
            print(f"wrote {args.write_md}", file=sys.stderr)
    if args.strict and any(r["status"] in ("fail", "error") for r in results):
        return 1
    return 0
