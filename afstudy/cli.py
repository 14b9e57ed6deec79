"""Command line: ``afstudy parse CORPUS_DIR --out DIR``.

Bad input ends with a one-line message naming the file and the problem (exit status 2),
never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from afstudy.cleaning import load_profiles
from afstudy.errors import AfstudyError
from afstudy.parsing import parse_corpus, write_parse_outputs
from afstudy.paths import OUTLETS_FILE


def _parse(args: argparse.Namespace) -> int:
    parsed = parse_corpus(args.corpus_dir, load_profiles(args.outlets))
    written = write_parse_outputs(parsed, args.out)
    n_in = len(parsed.articles) + len({r.file for r in parsed.rejects})
    print(f"afstudy parse: {len(parsed.articles)} articles processed, {len(parsed.rejects)} rejected ({n_in} inputs)")
    for name, path in written.items():
        print(f"  {name}: {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``afstudy`` command."""
    parser = argparse.ArgumentParser(prog="afstudy", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("parse", help="parse a corpus folder into articles, paragraphs, lines and rejects tables")
    p.add_argument("corpus_dir", type=Path, help="folder with *.txt files and metadata.csv")
    p.add_argument("--out", type=Path, required=True, help="output folder for the CSV tables")
    p.add_argument("--outlets", type=Path, default=OUTLETS_FILE, help="outlet boilerplate profiles (YAML)")
    p.set_defaults(func=_parse)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except AfstudyError as err:
        print(f"afstudy: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
