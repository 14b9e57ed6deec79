"""Command line: every stage that produces a table, and the whole study (``afstudy build``).

Bad input ends with a one-line message naming the file and the problem (exit status 2),
never a traceback: every expected error (an AfstudyError, or an OSError of the system)
is caught in :func:`main`; argparse misuse exits 2 with its usage line. ``parse`` and
``extract`` end with a one-line summary: every entry of the corpus folder processed,
rejected or ignored, the warnings by code, and the rows written. A run that processes no
article still writes every table (with its header) and exits 0; its summary says that
nothing was processed.

Imports of the heavy libraries (spaCy, pandas, papermill) happen inside the commands, so
that ``afstudy --help`` and a build with nothing to do answer at once.
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
from typing import TYPE_CHECKING, Any

from afstudy.errors import AfstudyError, InputError, OutputError
from afstudy.paths import ACTORS_FILE, FRAMES_FILE, OUTLETS_FILE, QUOTE_RULES_FILE, VALUE_SETS_FILE

if TYPE_CHECKING:
    import pandas as pd

    from afstudy.study import Study

MANIFEST = "data/outputs.sha256"
DEFAULT_MAX_CHARS = 10_000_000  # afstudy.corpus.MAX_ARTICLE_CHARS (a test keeps the two equal)


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
    from afstudy.cleaning import load_profiles
    from afstudy.parsing import parse_corpus, write_parse_outputs
    from afstudy.tabular import corpus_folder, parse_columns
    from afstudy.valuesets import load_value_sets

    _check_out(args.out, args.corpus_dir)
    profiles, value_sets = load_profiles(args.outlets), load_value_sets(args.value_sets)
    with corpus_folder(args.corpus_dir, args.out, parse_columns(args.column)) as folder:
        parsed = parse_corpus(folder, profiles, value_sets=value_sets, max_chars=args.max_chars)
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
    from afstudy.cleaning import load_profiles
    from afstudy.pipeline import build_pipeline
    from afstudy.quotes import load_quote_rules
    from afstudy.streaming import dask_client, extract_to_dir
    from afstudy.tabular import corpus_folder, parse_columns
    from afstudy.valuesets import load_value_sets

    _check_out(args.out, args.corpus_dir)
    profiles, quote_rules, value_sets = load_profiles(args.outlets), load_quote_rules(args.quote_rules), load_value_sets(args.value_sets)
    nlp = build_pipeline(args.spacy_model, args.gazetteer, args.lexicon)
    nlp.max_length = max(nlp.max_length, args.max_chars)
    settings = {
        "spacy_model": args.spacy_model, "gazetteer": str(args.gazetteer.resolve()), "frames": str(args.lexicon.resolve()),
        "quote_rules": str(args.quote_rules.resolve()), "outlets": str(args.outlets.resolve()),
    }
    with dask_client(args.scheduler, args.workers) as client, corpus_folder(args.corpus_dir, args.out, parse_columns(args.column)) as folder:
        summary = extract_to_dir(
            nlp, folder, args.out, profiles=profiles, quote_rules=quote_rules,
            batch_size=args.batch_size, n_process=args.n_process, client=client, settings=settings,
            value_sets=value_sets, max_chars=args.max_chars,
        )
    if args.format == "parquet":
        from afstudy.columnar import convert_folder

        convert_folder(args.out)
    rows = ", ".join(f"{n} {name}" for name, n in summary.rows.items())
    print(f"afstudy extract: {summary.accounting.line()}; {rows}" + (" (Parquet tables)" if args.format == "parquet" else ""))
    if not summary.reconciles:
        raise AfstudyError(f"{args.corpus_dir}: counts do not reconcile ({summary.accounting})")
    return 0


def _cooccurrence(args: argparse.Namespace) -> int:
    import pandas as pd

    from afstudy.cooccurrence import EVIDENCE_COLUMNS, MENTION_FIELDS, SENTENCE_FIELDS, evidence, grid, long_table
    from afstudy.io import StagedOutputs, read_table

    if not args.actors_dir.is_dir():
        raise InputError(args.actors_dir, "folder not found (the output folder of afstudy extract)" if not args.actors_dir.exists() else "is a file, not a folder (the output folder of afstudy extract)")
    if args.out.exists() and not args.out.is_dir():
        raise OutputError(args.out, "exists and is not a folder (--out names the output folder)")
    from afstudy.columnar import has_table, read_extract

    if has_table(args.actors_dir, "mentions") and not (args.actors_dir / "mentions.csv").exists():
        mentions, sentences = read_extract(args.actors_dir, "mentions"), read_extract(args.actors_dir, "sentences")  # Parquet tables
    else:
        mentions = read_table(args.actors_dir / "mentions.csv", [*MENTION_FIELDS, "token_end"], what="mentions table (run afstudy extract first)")
        sentences = read_table(args.actors_dir / "sentences.csv", [*SENTENCE_FIELDS, "text"], what="sentences table (run afstudy extract first)")
    if args.paragraphs is not None:
        paragraphs = read_table(args.paragraphs, ["paragraph_id", "text"], what="paragraphs table")
    else:
        paragraphs = read_extract(args.actors_dir, "paragraphs") if has_table(args.actors_dir, "paragraphs") else None
    paragraph_text = paragraphs.set_index("paragraph_id")["text"] if paragraphs is not None else pd.Series(dtype=str)
    specs = grid(sorted(mentions["outlet_id"].unique()), k=args.k)
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
    import yaml

    from afstudy.notebooks import run_notebook  # papermill and nbformat load slowly: only here

    if not args.source.is_file():
        raise InputError(args.source, "notebook not found" if not args.source.exists() else "is not a file")
    parameters = {name: yaml.safe_load(value) for name, value in args.parameter}
    run_notebook(args.source, args.output, parameters, kernel=args.kernel, cwd=args.cwd)  # a NotebookError is an AfstudyError
    return 0


def _project_root(root: Path) -> Path:
    if not root.exists():
        raise InputError(root, "project folder not found")
    if not root.is_dir():
        raise InputError(root, "is a file, not a folder (--root names the project folder)")
    return root.resolve()


def _checksums(args: argparse.Namespace) -> int:
    from afstudy.archive import check_manifest, read_manifest, write_manifest

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
    from afstudy.archive import build_archive

    root = _project_root(args.root)
    n = build_archive(root, args.out, prefix=args.prefix)
    print(f"afstudy archive: {n} files in {args.out}")
    return 0


def _tables(folder: Path, names: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    """Extraction tables of a folder written by ``afstudy extract``; a missing one is an error."""
    from afstudy.columnar import read_extract

    if not folder.is_dir():
        raise InputError(folder, "folder not found (give the --out folder of `afstudy extract`)")
    return {n: read_extract(folder, n) for n in names}


def _written(command: str, paths: dict[str, Path]) -> None:
    print(f"afstudy {command}: {len(paths)} tables written")
    for name, path in paths.items():
        print(f"  {name}: {path}")


def _rates(args: argparse.Namespace) -> int:
    from afstudy.extraction import LABEL_ACTORS
    from afstudy.io import write_csv
    from afstudy.mentions import label_use, mention_rates

    t = _tables(args.extract_dir, ("articles", "mentions", "actors", "labels"))
    _written("rates", {
        "mention_rates": write_csv(mention_rates(t["mentions"], t["articles"], t["actors"]), args.out / "mention_rates.csv"),
        "label_use": write_csv(label_use(t["labels"], LABEL_ACTORS), args.out / "label_use.csv"),
    })
    return 0


def _sourcing(args: argparse.Namespace) -> int:
    from afstudy.gazetteer import load_gazetteer
    from afstudy.io import write_csv
    from afstudy.quotes import sourcing_table

    t = _tables(args.extract_dir, ("articles", "quotes"))
    sides = list(load_gazetteer(args.gazetteer).sides)
    _written("sourcing", {"sourcing": write_csv(sourcing_table(t["quotes"], sorted(t["articles"]["outlet_id"].unique()), sides), args.out / "sourcing.csv")})
    return 0


def _framing(args: argparse.Namespace) -> int:
    from afstudy.framing import load_lexicon, write_framing
    from afstudy.gazetteer import load_gazetteer

    t = _tables(args.extract_dir, ("articles", "sentences", "mentions", "quotes", "frame_hits", "labels", "actors"))
    frames = [d.id for d in load_lexicon(args.lexicon)]
    write_framing(t, args.out, frames=frames, sides=list(load_gazetteer(args.gazetteer).sides), outlets=args.outlet or [], n_boot=args.n_boot, seed=args.seed)
    _written("framing", {name: args.out / f"{name}.csv" for name in ("frame_hits", "sentence_frames", "salience", "headline_frames", "portrayal", "attention", "outlet_comparison")})
    return 0


def _validate(args: argparse.Namespace) -> int:
    import pandas as pd

    from afstudy.framing import load_lexicon
    from afstudy.validation import read_gold_folder, study_report, write_validation

    if not args.gold.is_dir():
        raise InputError(args.gold, "gold folder not found")
    t = _tables(args.extract_dir, ("articles", "lines", "sentences", "mentions", "quotes", "frame_hits"))
    report = study_report("study", t, read_gold_folder(args.gold), frames=[d.id for d in load_lexicon(args.lexicon)], n_boot=args.n_boot, seed=args.seed)
    write_validation(report, report.iloc[0:0], pd.DataFrame(), args.out)
    print(f"afstudy validate: {len(report)} measures against {args.gold}")
    print(f"  validation_report: {args.out / 'validation_report.csv'}")
    return 0


def _curate(args: argparse.Namespace) -> int:
    from afstudy.curate import stubs, write_stubs
    from afstudy.gazetteer import load_gazetteer

    for name in ("mentions", "sentences"):
        if not (args.extract_dir / f"{name}.csv").is_file() and not (args.extract_dir / f"{name}.parquet").is_file():
            raise InputError(args.extract_dir / f"{name}.csv", "not found (curate reads the --out folder of `afstudy extract`)")
    found = stubs(args.extract_dir, load_gazetteer(args.gazetteer), min_mentions=args.min_mentions)
    write_stubs(found, args.out)
    provisional = sum(s.source.startswith("provisional") for s in found)
    outlets = sum(s.source.startswith("an outlet") for s in found)
    print(f"afstudy curate: {len(found)} entries to review ({provisional} provisional actors, {outlets} outlets of the corpus, {len(found) - provisional - outlets} capitalised candidates)")
    print(f"  stubs: {args.out}")
    return 0


def _changes(args: argparse.Namespace) -> int:
    from afstudy.curate import change_summary, mention_changes, write_changes

    for folder in (args.before, args.after):
        if not (folder / "mentions.csv").is_file() and not (folder / "mentions.parquet").is_file():
            raise InputError(folder / "mentions.csv", "not found (changes compares two --out folders of `afstudy extract`)")
    found = mention_changes(args.before, args.after)
    write_changes(found, args.out)
    print(f"afstudy changes: {change_summary(found)}")
    print(f"  changes: {args.out}")
    return 0


def _study(args: argparse.Namespace) -> Study:
    """The study of the command line (relative paths against the working directory)."""
    from afstudy.study import make_study
    from afstudy.tabular import parse_columns

    return make_study(
        args.corpus, args.out, gold=args.gold, outlets_file=args.outlets, gazetteer_file=args.gazetteer, quote_rules_file=args.quote_rules,
        lexicon_file=args.lexicon, value_sets_file=args.value_sets, spacy_model=args.spacy_model, corpus_options=parse_columns(args.column),
    )


def _build(args: argparse.Namespace) -> int:
    from afstudy.build import REPRODUCIBLE_ENV, build, main_summary

    for key, value in REPRODUCIBLE_ENV.items():  # the Makefile's, for a build run without make
        os.environ.setdefault(key, value)
    report = build(_study(args), jobs=args.jobs, cold=args.cold, kernel=args.kernel)
    print(main_summary(report))
    for note in report.notes:
        print(f"  {note}")
    for failure in report.failed:
        print(f"  failed: {failure}", file=sys.stderr)
    return 1 if report.failed else 0


def _prefix(text: str) -> str:
    if not text or text.startswith(".") or any(c in text for c in "/\\\0") or text != text.strip():
        raise argparse.ArgumentTypeError(f"must be a plain folder name (no '/', not starting with '.'), not {text!r}")
    return text


def _add_column_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--column", action="append", metavar="OURS=THEIRS", help="single-file corpus: the export's name for one of our columns (repeat), e.g. text=body")


def _corpus_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--value-sets", type=Path, default=VALUE_SETS_FILE, help="value sets of the metadata columns (YAML; a study's file may extend the package's)")
    command.add_argument("--max-chars", type=positive_int, default=DEFAULT_MAX_CHARS, help=f"longest article read, in characters (longer: rejected too_long; default {DEFAULT_MAX_CHARS:,})")
    _add_column_option(command)


def _add_study_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--corpus", default=None, help="folder of *.txt with metadata.csv, or one .csv/.jsonl/.parquet file (default: the seeds)")
    p.add_argument("--out", default=None, help="output root: every output goes under it (default: the project folder)")
    p.add_argument("--gold", default=None, help="folder of gold CSVs (default: the seeds' gold for the seeds, none otherwise; '' for none)")
    p.add_argument("--outlets", default=None, help="outlet boilerplate profiles (YAML; default: the package's)")
    p.add_argument("--gazetteer", default=None, help="actor gazetteer (YAML; default: the package's)")
    p.add_argument("--quote-rules", default=None, help="quote cues and source patterns (YAML; default: the package's)")
    p.add_argument("--lexicon", default=None, help="frame lexicon (YAML; default: the package's)")
    p.add_argument("--value-sets", default=None, help="metadata value sets (YAML; default: the package's)")
    p.add_argument("--spacy-model", default=None, help="optional pretrained spaCy pipeline (package name or path)")
    _add_column_option(p)


def _extract_dir_command(sub: Any, name: str, text: str, func: Any) -> argparse.ArgumentParser:
    c = sub.add_parser(name, help=text)
    c.add_argument("extract_dir", type=Path, help="the --out folder of `afstudy extract` (or <OUT>/data/interim/extract of a build)")
    c.add_argument("--out", type=Path, required=True, help="output folder")
    c.set_defaults(func=func)
    return c


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``afstudy`` command."""
    parser = argparse.ArgumentParser(prog="afstudy", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    corpus_help = "folder with *.txt files and metadata.csv, or one .csv/.jsonl/.parquet file with a row per article"
    p = sub.add_parser("parse", help="parse a corpus into articles, paragraphs, lines, rejects, warnings and ignored tables")
    p.add_argument("corpus_dir", type=Path, help=corpus_help)
    p.add_argument("--out", type=Path, required=True, help="output folder for the CSV tables")
    p.add_argument("--outlets", type=Path, default=OUTLETS_FILE, help="outlet boilerplate profiles (YAML)")
    _corpus_options(p)
    p.set_defaults(func=_parse)
    e = sub.add_parser("extract", help="parse, then find sentences, actor mentions, places, quotes and frame hits")
    e.add_argument("corpus_dir", type=Path, help=corpus_help)
    e.add_argument("--out", type=Path, required=True, help="output folder for the CSV tables")
    e.add_argument("--outlets", type=Path, default=OUTLETS_FILE, help="outlet boilerplate profiles (YAML)")
    e.add_argument("--gazetteer", type=Path, default=ACTORS_FILE, help="actor gazetteer (YAML)")
    e.add_argument("--quote-rules", type=Path, default=QUOTE_RULES_FILE, help="quote cues and source patterns (YAML)")
    e.add_argument("--lexicon", type=Path, default=FRAMES_FILE, help="frame lexicon (YAML)")
    e.add_argument("--spacy-model", default=None, help="optional pretrained spaCy pipeline (package name or path)")
    e.add_argument("--batch-size", type=positive_int, default=64, help="articles per nlp.pipe batch")
    e.add_argument("--n-process", type=positive_int, default=1, help="worker processes for nlp.pipe (local backend)")
    e.add_argument("--scheduler", default=None, help="address of a running dask.distributed scheduler (e.g. tcp://10.0.0.5:8786)")
    e.add_argument("--workers", type=non_negative_int, default=0, help="start a local dask cluster with this many single-threaded workers")
    e.add_argument("--format", choices=("csv", "parquet"), default="csv", help="table format (every later command reads either)")
    _corpus_options(e)
    e.set_defaults(func=_extract)
    c = sub.add_parser("cooccurrence", help="co-occurrence long table and evidence for the paper's parameter grid (from extract's tables)")
    c.add_argument("actors_dir", type=Path, help="folder with mentions.csv and sentences.csv (from extract)")
    c.add_argument("--paragraphs", type=Path, default=None, help="paragraphs.csv for paragraph evidence text (default: the one beside mentions.csv)")
    c.add_argument("--out", type=Path, required=True, help="output folder")
    c.add_argument("--k", type=positive_int, default=20, help="window size in tokens for window units")
    c.set_defaults(func=_cooccurrence)
    _extract_dir_command(sub, "rates", "mentions per actor and outlet per 1,000 body words, and the labels used (from extract's tables)", _rates)
    so = _extract_dir_command(sub, "sourcing", "quotes and quoted words per outlet and speaker side (from extract's tables)", _sourcing)
    so.add_argument("--gazetteer", type=Path, default=ACTORS_FILE, help="actor gazetteer (YAML; its sides)")
    fr = _extract_dir_command(sub, "framing", "frame salience, headline frames, portrayal, attention and the outlet comparison (from extract's tables)", _framing)
    fr.add_argument("--lexicon", type=Path, default=FRAMES_FILE, help="frame lexicon (YAML)")
    fr.add_argument("--gazetteer", type=Path, default=ACTORS_FILE, help="actor gazetteer (YAML; its sides)")
    fr.add_argument("--outlet", action="append", help="an outlet to compare (repeat; default: all)")
    fr.add_argument("--n-boot", type=positive_int, default=2000, help="bootstrap resamples")
    fr.add_argument("--seed", type=int, default=2018, help="bootstrap seed")
    v = _extract_dir_command(sub, "validate", "accuracy of extract's tables against a folder of gold CSVs, with bootstrap intervals over articles", _validate)
    v.add_argument("--gold", type=Path, required=True, help="folder with line_roles.csv, mentions.csv, quotes.csv, frames.csv (any of them)")
    v.add_argument("--lexicon", type=Path, default=FRAMES_FILE, help="frame lexicon (YAML)")
    v.add_argument("--n-boot", type=positive_int, default=2000, help="bootstrap resamples")
    v.add_argument("--seed", type=int, default=7, help="bootstrap seed")
    cu = sub.add_parser("curate", help="gazetteer entries to review (YAML stubs with evidence) from extract's provisional actors and candidates")
    cu.add_argument("extract_dir", type=Path, help="the --out folder of `afstudy extract` (or <OUT>/data/interim/extract of a build)")
    cu.add_argument("--out", type=Path, required=True, help="YAML file of stubs to write")
    cu.add_argument("--gazetteer", type=Path, default=ACTORS_FILE, help="the gazetteer the extraction used (YAML)")
    cu.add_argument("--min-mentions", type=positive_int, default=2, help="capitalised candidates mentioned fewer times are left out (provisional actors are all listed)")
    cu.set_defaults(func=_curate)
    ch = sub.add_parser("changes", help="mentions added, removed or resolved differently between two extractions (before and after a curation)")
    ch.add_argument("before", type=Path, help="the extraction folder before the change")
    ch.add_argument("after", type=Path, help="the extraction folder after the change")
    ch.add_argument("--out", type=Path, required=True, help="CSV file to write")
    ch.set_defaults(func=_changes)
    b = sub.add_parser("build", help="build every table, figure and executed notebook of a study, incrementally (what `make figures` runs)")
    _add_study_options(b)
    b.add_argument("--jobs", type=positive_int, default=None, help="notebook runs in parallel (default: the number of cores)")
    b.add_argument("--cold", action="store_true", help="start a fresh kernel for every notebook run (no warm start)")
    b.add_argument("--kernel", default="afstudy", help="Jupyter kernel name")
    b.set_defaults(func=_build)
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
    """Run the command line; return the exit status (0 done, 1 checksums differ or a build
    step failed, 2 an error or misuse, 130 interrupted)."""
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
        from afstudy.io import describe

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
