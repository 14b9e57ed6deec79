"""Command line: ``afstudy parse CORPUS_DIR --out DIR`` and ``afstudy extract CORPUS_DIR --out DIR``.

Bad input ends with a one-line message naming the file and the problem (exit status 2),
never a traceback: every expected error (an AfstudyError, or an OSError of the system)
is caught in :func:`main`; argparse misuse exits 2 with its usage line. ``parse`` and
``extract`` end with a one-line summary: every entry of the corpus folder processed,
rejected or ignored, the warnings by code, and the rows written. A run that processes no
article still writes every table (with its header) and exits 0; its summary says that
nothing was processed.
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import sys
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import yaml

from afstudy.archive import MANIFEST, build_archive, check_manifest, read_manifest, write_manifest
from afstudy.cleaning import load_profiles
from afstudy.cooccurrence import EVIDENCE_COLUMNS, MENTION_FIELDS, SENTENCE_FIELDS, evidence, grid, long_table
from afstudy.corpus import MAX_ARTICLE_CHARS
from afstudy.errors import AfstudyError, InputError, OutputError
from afstudy.gazetteer import ACTORS_FILE
from afstudy.io import StagedOutputs, describe, read_table
from afstudy.parsing import parse_corpus, write_parse_outputs
from afstudy.paths import OUTLETS_FILE
from afstudy.pipeline import build_pipeline
from afstudy.quotes import QUOTE_RULES_FILE, load_quote_rules
from afstudy.framing import FRAMES_FILE
from afstudy.streaming import dask_client, extract_to_dir
from afstudy.valuesets import VALUE_SETS_FILE, load_value_sets

DEFAULT_PARAGRAPHS = Path("data/processed/corpus/paragraphs.csv")


def positive_int(text: str) -> int:
    """An argparse type: an integer of at least 1 (``2.7``, ``0`` and ``-1`` are errors)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def non_negative_int(text: str) -> int:
    """An argparse type: an integer of at least 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    return value


def _check_out(out: Path, corpus_dir: Path) -> None:
    if out.exists() and not out.is_dir():
        raise OutputError(out, "exists and is not a folder (--out names the output folder)")
    if corpus_dir.is_dir() and out.exists() and os.path.samefile(out, corpus_dir):
        raise OutputError(out, "is the corpus folder: write the tables into another folder")


def _parse(args: argparse.Namespace) -> int:
    _check_out(args.out, args.corpus_dir)
    profiles, value_sets = load_profiles(args.outlets), load_value_sets(args.value_sets)
    parsed = parse_corpus(args.corpus_dir, profiles, value_sets=value_sets, max_chars=args.max_chars)
    written = write_parse_outputs(parsed, args.out)
    acc = parsed.accounting
    rows = f"{len(parsed.articles)} articles, {sum(len(a.paragraphs) for a in parsed.articles)} paragraphs, {sum(len(a.lines) for a in parsed.articles)} lines"
    print(f"afstudy parse: {acc.line()}; {rows}")
    for name, path in written.items():
        print(f"  {name}: {path}")
    if not acc.reconciles:
        raise AfstudyError(f"{args.corpus_dir}: counts do not reconcile ({acc})")
    return 0


def _extract(args: argparse.Namespace) -> int:
    _check_out(args.out, args.corpus_dir)
    profiles, quote_rules, value_sets = load_profiles(args.outlets), load_quote_rules(args.quote_rules), load_value_sets(args.value_sets)
    nlp = build_pipeline(args.spacy_model, args.gazetteer)
    nlp.max_length = max(nlp.max_length, args.max_chars)
    settings = {"spacy_model": args.spacy_model, "gazetteer": str(args.gazetteer.resolve()), "frames": str(FRAMES_FILE), "quote_rules": str(args.quote_rules.resolve()), "outlets": str(args.outlets.resolve())}
    with dask_client(args.scheduler, args.workers) as client:
        summary = extract_to_dir(
            nlp, args.corpus_dir, args.out, profiles=profiles, quote_rules=quote_rules,
            batch_size=args.batch_size, n_process=args.n_process, client=client, settings=settings,
            value_sets=value_sets, max_chars=args.max_chars,
        )
    rows = ", ".join(f"{n} {name}" for name, n in summary.rows.items())
    print(f"afstudy extract: {summary.accounting.line()}; {rows}")
    if not summary.reconciles:
        raise AfstudyError(f"{args.corpus_dir}: counts do not reconcile ({summary.accounting})")
    return 0


def _cooccurrence(args: argparse.Namespace) -> int:
    if not args.actors_dir.is_dir():
        raise InputError(args.actors_dir, "folder not found (the output folder of afstudy extract)" if not args.actors_dir.exists() else "is a file, not a folder (the output folder of afstudy extract)")
    if args.out.exists() and not args.out.is_dir():
        raise OutputError(args.out, "exists and is not a folder (--out names the output folder)")
    mentions = read_table(args.actors_dir / "mentions.csv", [*MENTION_FIELDS, "token_end"], what="mentions table (run afstudy extract first)")
    sentences = read_table(args.actors_dir / "sentences.csv", [*SENTENCE_FIELDS, "text"], what="sentences table (run afstudy extract first)")
    paragraphs_path = args.paragraphs if args.paragraphs is not None else (DEFAULT_PARAGRAPHS if DEFAULT_PARAGRAPHS.exists() else None)
    paragraphs = read_table(paragraphs_path, ["paragraph_id", "text"], what="paragraphs table") if paragraphs_path is not None else None
    paragraph_text = paragraphs.set_index("paragraph_id")["text"] if paragraphs is not None else pd.Series(dtype=str)
    outlets = sorted(mentions["outlet_id"].unique())
    specs = grid(outlets, k=args.k)
    long = long_table(mentions, sentences, specs)
    evidence_rows = [evidence(mentions, sentences, paragraph_text, spec) for spec in specs]
    evidence_table = pd.concat(evidence_rows, ignore_index=True) if evidence_rows else pd.DataFrame(columns=EVIDENCE_COLUMNS)
    with StagedOutputs(args.out) as outputs:
        written = {
            "cooccurrence_long": outputs.write_frame("cooccurrence_long.csv", long),
            "cooccurrence_evidence": outputs.write_frame("cooccurrence_evidence.csv", evidence_table),
        }
        outputs.commit()
    print(f"afstudy cooccurrence: {len(specs)} parameter sets, {len(long)} long rows")
    for name, path in written.items():
        print(f"  {name}: {path}")
    return 0


def _notebook(args: argparse.Namespace) -> int:
    from papermill.exceptions import PapermillExecutionError  # papermill and nbformat load slowly: only here

    from afstudy.notebooks import run_notebook

    parameters = {name: yaml.safe_load(value) for name, value in args.parameter}
    try:
        run_notebook(args.source, args.output, parameters, kernel=args.kernel, cwd=args.cwd)
    except PapermillExecutionError as err:
        raise AfstudyError(f"{args.source}: cell {err.exec_count} failed: {err.ename}: {err.evalue}") from err
    return 0


def _project_root(root: Path) -> Path:
    if not root.exists():
        raise InputError(root, "project folder not found")
    if not root.is_dir():
        raise InputError(root, "is a file, not a folder (--root names the project folder)")
    return root.resolve()


def _checksums(args: argparse.Namespace) -> int:
    root = _project_root(args.root)
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
    root = _project_root(args.root)
    n = build_archive(root, args.out, prefix=args.prefix)
    print(f"afstudy archive: {n} files in {args.out}")
    return 0


def _prefix(text: str) -> str:
    if not text or text.startswith(".") or any(c in text for c in "/\\\0") or text != text.strip():
        raise argparse.ArgumentTypeError(f"must be a plain folder name (no '/', not starting with '.'), not {text!r}")
    return text


def _corpus_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--value-sets", type=Path, default=VALUE_SETS_FILE, help="value sets of the metadata columns (YAML; a study's file may extend the package's)")
    command.add_argument("--max-chars", type=positive_int, default=MAX_ARTICLE_CHARS, help=f"longest article read, in characters (longer: rejected too_long; default {MAX_ARTICLE_CHARS:,})")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``afstudy`` command."""
    parser = argparse.ArgumentParser(prog="afstudy", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("parse", help="parse a corpus folder into articles, paragraphs, lines and rejects tables")
    p.add_argument("corpus_dir", type=Path, help="folder with *.txt files and metadata.csv")
    p.add_argument("--out", type=Path, required=True, help="output folder for the CSV tables")
    p.add_argument("--outlets", type=Path, default=OUTLETS_FILE, help="outlet boilerplate profiles (YAML)")
    _corpus_options(p)
    p.set_defaults(func=_parse)
    e = sub.add_parser("extract", help="parse, then find actor mentions, places and sentences")
    e.add_argument("corpus_dir", type=Path, help="folder with *.txt files and metadata.csv")
    e.add_argument("--out", type=Path, required=True, help="output folder for the CSV tables")
    e.add_argument("--outlets", type=Path, default=OUTLETS_FILE, help="outlet boilerplate profiles (YAML)")
    e.add_argument("--gazetteer", type=Path, default=ACTORS_FILE, help="actor gazetteer (YAML)")
    e.add_argument("--quote-rules", type=Path, default=QUOTE_RULES_FILE, help="quote cues and source patterns (YAML)")
    e.add_argument("--spacy-model", default=None, help="optional pretrained spaCy pipeline (package name or path)")
    e.add_argument("--batch-size", type=positive_int, default=64, help="articles per nlp.pipe batch")
    e.add_argument("--n-process", type=positive_int, default=1, help="worker processes for nlp.pipe (local backend)")
    e.add_argument("--scheduler", default=None, help="address of a running dask.distributed scheduler (e.g. tcp://10.0.0.5:8786)")
    e.add_argument("--workers", type=non_negative_int, default=0, help="start a local dask cluster with this many single-threaded workers")
    _corpus_options(e)
    e.set_defaults(func=_extract)
    c = sub.add_parser("cooccurrence", help="co-occurrence long table and evidence for the paper's parameter grid")
    c.add_argument("actors_dir", type=Path, help="folder with mentions.csv and sentences.csv (from extract)")
    c.add_argument("--paragraphs", type=Path, default=None, help=f"paragraphs.csv (for paragraph evidence text; default {DEFAULT_PARAGRAPHS} when it exists)")
    c.add_argument("--out", type=Path, required=True, help="output folder")
    c.add_argument("--k", type=positive_int, default=20, help="window size in tokens for window units")
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
    a.add_argument("--prefix", type=_prefix, default="afstudy", help="top folder inside the archive")
    a.set_defaults(func=_archive)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 done, 1 checksums differ, 2 an
    error or misuse, 130 interrupted)."""
    args = build_parser().parse_args(argv)
    previous = _exit_on_sigterm()
    try:
        return int(args.func(args))
    except AfstudyError as err:
        return _fail(str(err))
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0
    except OSError as err:
        return _fail(f"{err.filename}: {describe(err)}" if err.filename else describe(err))
    except sqlite3.Error as err:  # the temporary indexes (TMPDIR): a full disk, mostly
        return _fail(f"{tempfile.gettempdir()}: temporary index: {err}")
    except KeyboardInterrupt:
        print("afstudy: interrupted", file=sys.stderr)
        return 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _exit_on_sigterm() -> object:
    """Turn SIGTERM into SystemExit(143) while a command runs, so that its temporary files
    are removed on the way out (SIGKILL leaves them: the next run removes them)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def _fail(message: str) -> int:
    print(f"afstudy: error: {' '.join(message.split())}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
