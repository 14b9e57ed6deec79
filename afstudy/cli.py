"""Command line: ``afstudy parse CORPUS_DIR --out DIR`` and ``afstudy extract CORPUS_DIR --out DIR``.

Bad input ends with a one-line message naming the file and the problem (exit status 2),
never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import yaml

from afstudy.archive import MANIFEST, build_archive, check_manifest, read_manifest, write_manifest
from afstudy.cleaning import load_profiles
from afstudy.cooccurrence import evidence, grid, long_table
from afstudy.errors import AfstudyError
from afstudy.gazetteer import ACTORS_FILE
from afstudy.io import read_csv, write_csv
from afstudy.parsing import parse_corpus, write_parse_outputs
from afstudy.paths import OUTLETS_FILE
from afstudy.pipeline import build_pipeline
from afstudy.quotes import QUOTE_RULES_FILE, load_quote_rules
from afstudy.framing import FRAMES_FILE
from afstudy.streaming import dask_client, extract_to_dir


def _parse(args: argparse.Namespace) -> int:
    parsed = parse_corpus(args.corpus_dir, load_profiles(args.outlets))
    written = write_parse_outputs(parsed, args.out)
    n_in = len(parsed.articles) + len({r.file for r in parsed.rejects})
    print(f"afstudy parse: {len(parsed.articles)} articles processed, {len(parsed.rejects)} rejected ({n_in} inputs)")
    for name, path in written.items():
        print(f"  {name}: {path}")
    return 0


def _extract(args: argparse.Namespace) -> int:
    nlp = build_pipeline(args.spacy_model, args.gazetteer)
    settings = {"spacy_model": args.spacy_model, "gazetteer": str(args.gazetteer.resolve()), "frames": str(FRAMES_FILE), "quote_rules": str(args.quote_rules.resolve()), "outlets": str(args.outlets.resolve())}
    with dask_client(args.scheduler, args.workers) as client:
        summary = extract_to_dir(
            nlp, args.corpus_dir, args.out, profiles=load_profiles(args.outlets), quote_rules=load_quote_rules(args.quote_rules),
            batch_size=args.batch_size, n_process=args.n_process, client=client, settings=settings,
        )
    rows = ", ".join(f"{n} {name}" for name, n in summary.rows.items())
    print(f"afstudy extract: {summary.files_in} files in = {summary.processed} processed + {summary.rejected} rejected; {rows}")
    if not summary.reconciles:
        raise AfstudyError(f"{args.corpus_dir}: counts do not reconcile ({summary})")
    return 0


def _cooccurrence(args: argparse.Namespace) -> int:
    tables = {name: read_csv(args.actors_dir / f"{name}.csv") for name in ("mentions", "sentences")}
    paragraphs = read_csv(args.paragraphs) if args.paragraphs.exists() else None
    paragraph_text = paragraphs.set_index("paragraph_id")["text"] if paragraphs is not None else None
    outlets = sorted(tables["mentions"]["outlet_id"].unique())
    specs = grid(outlets, k=args.k)
    long = long_table(tables["mentions"], tables["sentences"], specs)
    evidence_rows = [evidence(tables["mentions"], tables["sentences"], paragraph_text if paragraph_text is not None else pd.Series(dtype=str), spec) for spec in specs]
    written = {
        "cooccurrence_long": write_csv(long, args.out / "cooccurrence_long.csv"),
        "cooccurrence_evidence": write_csv(pd.concat(evidence_rows, ignore_index=True), args.out / "cooccurrence_evidence.csv"),
    }
    print(f"afstudy cooccurrence: {len(specs)} parameter sets, {len(long)} long rows")
    for name, path in written.items():
        print(f"  {name}: {path}")
    return 0


def _notebook(args: argparse.Namespace) -> int:
    from afstudy.notebooks import run_notebook  # papermill and nbformat load slowly: only here

    parameters = {name: yaml.safe_load(value) for name, value in args.parameter}
    run_notebook(args.source, args.output, parameters, kernel=args.kernel, cwd=args.cwd)  # a NotebookError is an AfstudyError
    return 0


def _checksums(args: argparse.Namespace) -> int:
    root = args.root.resolve()
    if args.action == "write":
        n = write_manifest(root, args.manifest)
        print(f"afstudy checksums: {n} outputs written to {args.manifest}")
        return 0
    problems = check_manifest(root, args.manifest)
    for problem in problems:
        print(f"  {problem}")
    total = len(read_manifest(args.manifest))
    print(f"afstudy checksums: {total - len([p for p in problems if not p.startswith('not in')])} of {total} outputs identical, {len(problems)} problems")
    return 1 if problems else 0


def _archive(args: argparse.Namespace) -> int:
    n = build_archive(args.root.resolve(), args.out, prefix=args.prefix)
    print(f"afstudy archive: {n} files in {args.out}")
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
    e.add_argument("--batch-size", type=int, default=64, help="articles per nlp.pipe batch")
    e.add_argument("--n-process", type=int, default=1, help="worker processes for nlp.pipe (local backend)")
    e.add_argument("--scheduler", default=None, help="address of a running dask.distributed scheduler (e.g. tcp://10.0.0.5:8786)")
    e.add_argument("--workers", type=int, default=0, help="start a local dask cluster with this many single-threaded workers")
    e.set_defaults(func=_extract)
    c = sub.add_parser("cooccurrence", help="co-occurrence long table and evidence for the paper's parameter grid")
    c.add_argument("actors_dir", type=Path, help="folder with mentions.csv and sentences.csv (from extract)")
    c.add_argument("--paragraphs", type=Path, default=Path("data/processed/corpus/paragraphs.csv"), help="paragraphs.csv (for paragraph evidence text)")
    c.add_argument("--out", type=Path, required=True, help="output folder")
    c.add_argument("--k", type=int, default=20, help="window size in tokens for window units")
    c.set_defaults(func=_cooccurrence)
    n = sub.add_parser("notebook", help="execute a notebook with papermill (parameters as YAML values)")
    n.add_argument("source", type=Path, help="the notebook to run")
    n.add_argument("output", type=Path, help="where to write the executed notebook")
    n.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"), help="a parameter (value parsed as YAML)")
    n.add_argument("--kernel", default="afstudy", help="Jupyter kernel name")
    n.add_argument("--cwd", type=Path, default=None, help="working directory of the kernel")
    n.set_defaults(func=_notebook)
    k = sub.add_parser("checksums", help="write or check the SHA-256 manifest of every output")
    k.add_argument("action", choices=["write", "check"])
    k.add_argument("--root", type=Path, default=Path("."), help="project folder whose outputs to hash")
    k.add_argument("--manifest", type=Path, default=Path(MANIFEST), help="manifest file")
    k.set_defaults(func=_checksums)
    a = sub.add_parser("archive", help="build a deterministic replication archive (.tar.gz) of the project files")
    a.add_argument("--root", type=Path, default=Path("."), help="project folder")
    a.add_argument("--out", type=Path, required=True, help="archive file to write")
    a.add_argument("--prefix", default="afstudy", help="top folder inside the archive")
    a.set_defaults(func=_archive)
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
