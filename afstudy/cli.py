"""Command line: ``afstudy parse CORPUS_DIR --out DIR`` and ``afstudy extract CORPUS_DIR --out DIR``.

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
from afstudy.extraction import extract, write_extraction
from afstudy.gazetteer import ACTORS_FILE
from afstudy.parsing import parse_corpus, write_parse_outputs
from afstudy.paths import OUTLETS_FILE
from afstudy.pipeline import build_pipeline
from afstudy.quotes import QUOTE_RULES_FILE, load_quote_rules


def _parse(args: argparse.Namespace) -> int:
    parsed = parse_corpus(args.corpus_dir, load_profiles(args.outlets))
    written = write_parse_outputs(parsed, args.out)
    n_in = len(parsed.articles) + len({r.file for r in parsed.rejects})
    print(f"afstudy parse: {len(parsed.articles)} articles processed, {len(parsed.rejects)} rejected ({n_in} inputs)")
    for name, path in written.items():
        print(f"  {name}: {path}")
    return 0


def _extract(args: argparse.Namespace) -> int:
    parsed = parse_corpus(args.corpus_dir, load_profiles(args.outlets))
    nlp = build_pipeline(args.spacy_model, args.gazetteer)
    result = extract(nlp, parsed, quote_rules=load_quote_rules(args.quote_rules), batch_size=args.batch_size, n_process=args.n_process)
    written = write_parse_outputs(parsed, args.out)
    written.update(write_extraction(result, args.out))
    unresolved = int((result.mentions["actor_id"] == "").sum())
    print(
        f"afstudy extract: {len(parsed.articles)} articles processed, {len(parsed.rejects)} rejected; "
        f"{len(result.sentences)} sentences, {len(result.mentions)} mentions ({unresolved} unresolved), "
        f"{len(result.places)} places, {len(result.quotes)} quotes, {len(result.candidates)} candidates"
    )
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
    e = sub.add_parser("extract", help="parse, then find actor mentions, places and sentences")
    e.add_argument("corpus_dir", type=Path, help="folder with *.txt files and metadata.csv")
    e.add_argument("--out", type=Path, required=True, help="output folder for the CSV tables")
    e.add_argument("--outlets", type=Path, default=OUTLETS_FILE, help="outlet boilerplate profiles (YAML)")
    e.add_argument("--gazetteer", type=Path, default=ACTORS_FILE, help="actor gazetteer (YAML)")
    e.add_argument("--quote-rules", type=Path, default=QUOTE_RULES_FILE, help="quote cues and source patterns (YAML)")
    e.add_argument("--spacy-model", default=None, help="optional pretrained spaCy pipeline (package name or path)")
    e.add_argument("--batch-size", type=int, default=16, help="articles per nlp.pipe batch")
    e.add_argument("--n-process", type=int, default=1, help="worker processes for nlp.pipe")
    e.set_defaults(func=_extract)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except AfstudyError as err:
        print(f"afstudy: error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
