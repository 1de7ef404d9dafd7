"""Command-line helpers shared by the scripts: a parser whose --help shows the script's docstring."""

from __future__ import annotations

import argparse


def description(doc: str | None) -> str:
    """The first paragraph of a module docstring, on one line (argparse wraps it)."""
    first = (doc or "").strip().split("\n\n")[0]
    return " ".join(line.strip() for line in first.splitlines())


def parser(doc: str | None) -> argparse.ArgumentParser:
    """An argument parser described by ``doc``'s first paragraph; the rest of ``doc`` is shown after the options."""
    rest = (doc or "").strip().split("\n\n", 1)
    return argparse.ArgumentParser(description=description(doc), epilog=rest[1] if len(rest) > 1 else None,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)


def run(main, argv=None) -> int:
    """``main(argv)`` with a user error (:class:`~cevns.scanner.errors.CevnsError`) printed on one line, status 2."""
    import sys

    from cevns.scanner.errors import CevnsError

    try:
        return main(argv) or 0
    except CevnsError as e:
        print(f"{sys.argv[0].rsplit('/', 1)[-1]}: error: {e}", file=sys.stderr)
        return 2
