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
from afstudy.study import Study, make_study
from afstudy.tabular import parse_columns


def _parse(args: argparse.Namespace) -> int:
    from afstudy.tabular import corpus_folder

    with corpus_folder(args.corpus_dir, args.out, parse_columns(args.column)) as folder:
        parsed = parse_corpus(folder, load_profiles(args.outlets))
    written = write_parse_outputs(parsed, args.out)
    n_in = len(parsed.articles) + len({r.file for r in parsed.rejects})
    print(f"afstudy parse: {len(parsed.articles)} articles processed, {len(parsed.rejects)} rejected ({n_in} inputs)")
    for name, path in written.items():
        print(f"  {name}: {path}")
    return 0


def _extract(args: argparse.Namespace) -> int:
    nlp = build_pipeline(args.spacy_model, args.gazetteer)
    settings = {"spacy_model": args.spacy_model, "gazetteer": str(args.gazetteer.resolve()), "frames": str(FRAMES_FILE), "quote_rules": str(args.quote_rules.resolve()), "outlets": str(args.outlets.resolve())}
    from afstudy.tabular import corpus_folder

    with dask_client(args.scheduler, args.workers) as client, corpus_folder(args.corpus_dir, args.out, parse_columns(args.column)) as folder:
        summary = extract_to_dir(
            nlp, folder, args.out, profiles=load_profiles(args.outlets), quote_rules=load_quote_rules(args.quote_rules),
            batch_size=args.batch_size, n_process=args.n_process, client=client, settings=settings,
        )
    rows = ", ".join(f"{n} {name}" for name, n in summary.rows.items())
    print(f"afstudy extract: {summary.files_in} files in = {summary.processed} processed + {summary.rejected} rejected; {rows}")
    if not summary.reconciles:
        raise AfstudyError(f"{args.corpus_dir}: counts do not reconcile ({summary})")
    return 0


def _cooccurrence(args: argparse.Namespace) -> int:
    tables = {name: read_csv(args.actors_dir / f"{name}.csv") for name in ("mentions", "sentences")}
    paragraph_file = args.paragraphs or args.actors_dir / "paragraphs.csv"
    paragraphs = read_csv(paragraph_file) if paragraph_file.exists() else None
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


def _tables(folder: Path, names: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    """Extraction tables of a folder written by ``afstudy extract``; a missing one is an error."""
    missing = [n for n in names if not (folder / f"{n}.csv").is_file()]
    if missing:
        raise AfstudyError(f"{folder}: no {missing[0]}.csv here (give the --out folder of `afstudy extract`)")
    return {n: read_csv(folder / f"{n}.csv") for n in names}


def _written(command: str, paths: dict[str, Path]) -> None:
    print(f"afstudy {command}: {len(paths)} tables written")
    for name, path in paths.items():
        print(f"  {name}: {path}")


def _rates(args: argparse.Namespace) -> int:
    from afstudy.extraction import LABEL_ACTORS
    from afstudy.mentions import label_use, mention_rates

    t = _tables(args.extract_dir, ("articles", "mentions", "actors", "labels"))
    _written("rates", {
        "mention_rates": write_csv(mention_rates(t["mentions"], t["articles"], t["actors"]), args.out / "mention_rates.csv"),
        "label_use": write_csv(label_use(t["labels"], LABEL_ACTORS), args.out / "label_use.csv"),
    })
    return 0


def _sourcing(args: argparse.Namespace) -> int:
    from afstudy.gazetteer import load_gazetteer
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
    from afstudy.framing import load_lexicon
    from afstudy.validation import read_gold_folder, study_report, write_validation

    if not args.gold.is_dir():
        raise AfstudyError(f"{args.gold}: gold folder not found")
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
        if not (args.extract_dir / f"{name}.csv").is_file():
            raise AfstudyError(f"{args.extract_dir / f'{name}.csv'}: not found (curate reads the --out folder of `afstudy extract`)")
    found = stubs(args.extract_dir, load_gazetteer(args.gazetteer), min_mentions=args.min_mentions)
    write_stubs(found, args.out)
    provisional = sum(s.source.startswith("provisional") for s in found)
    print(f"afstudy curate: {len(found)} entries to review ({provisional} provisional actors, {len(found) - provisional} capitalised candidates)")
    print(f"  stubs: {args.out}")
    return 0


def _changes(args: argparse.Namespace) -> int:
    from afstudy.curate import change_summary, mention_changes, write_changes

    for folder in (args.before, args.after):
        if not (folder / "mentions.csv").is_file():
            raise AfstudyError(f"{folder / 'mentions.csv'}: not found (changes compares two --out folders of `afstudy extract`)")
    found = mention_changes(args.before, args.after)
    write_changes(found, args.out)
    print(f"afstudy changes: {change_summary(found)}")
    print(f"  changes: {args.out}")
    return 0


def _study(args: argparse.Namespace) -> Study:
    """The study of the command line (relative paths against the working directory)."""
    return make_study(
        args.corpus, args.out, gold=args.gold, outlets_file=args.outlets, gazetteer_file=args.gazetteer, quote_rules_file=args.quote_rules,
        lexicon_file=args.lexicon, value_sets_file=args.value_sets, spacy_model=args.spacy_model, corpus_options=parse_columns(args.column),
    )


def _build(args: argparse.Namespace) -> int:
    from afstudy.build import build, main_summary

    report = build(_study(args), jobs=args.jobs, cold=args.cold, kernel=args.kernel)
    print(main_summary(report))
    for note in report.notes:
        print(f"  {note}")
    for failure in report.failed:
        print(f"  failed: {failure}", file=sys.stderr)
    return 1 if report.failed else 0


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


def _add_column_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--column", action="append", metavar="OURS=THEIRS", help="single-file corpus: the export's name for one of our columns (repeat), e.g. text=body")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``afstudy`` command."""
    parser = argparse.ArgumentParser(prog="afstudy", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("parse", help="parse a corpus folder into articles, paragraphs, lines and rejects tables")
    p.add_argument("corpus_dir", type=Path, help="folder with *.txt files and metadata.csv, or one .csv/.jsonl/.parquet file with a row per article")
    p.add_argument("--out", type=Path, required=True, help="output folder for the CSV tables")
    p.add_argument("--outlets", type=Path, default=OUTLETS_FILE, help="outlet boilerplate profiles (YAML)")
    _add_column_option(p)
    p.set_defaults(func=_parse)
    e = sub.add_parser("extract", help="parse, then find actor mentions, places and sentences")
    e.add_argument("corpus_dir", type=Path, help="folder with *.txt files and metadata.csv, or one .csv/.jsonl/.parquet file with a row per article")
    _add_column_option(e)
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
    c.add_argument("--paragraphs", type=Path, default=None, help="paragraphs.csv for paragraph evidence text (default: the one beside mentions.csv)")
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
    r = sub.add_parser("rates", help="mentions per actor and outlet per 1,000 body words, and the labels used (from extract's tables)")
    r.add_argument("extract_dir", type=Path, help="the --out folder of `afstudy extract`")
    r.add_argument("--out", type=Path, required=True, help="output folder")
    r.set_defaults(func=_rates)
    so = sub.add_parser("sourcing", help="quotes and quoted words per outlet and speaker side (from extract's tables)")
    so.add_argument("extract_dir", type=Path, help="the --out folder of `afstudy extract`")
    so.add_argument("--out", type=Path, required=True, help="output folder")
    so.add_argument("--gazetteer", type=Path, default=ACTORS_FILE, help="actor gazetteer (YAML; its sides)")
    so.set_defaults(func=_sourcing)
    fr = sub.add_parser("framing", help="frame salience, headline frames, portrayal, attention and the outlet comparison (from extract's tables)")
    fr.add_argument("extract_dir", type=Path, help="the --out folder of `afstudy extract`")
    fr.add_argument("--out", type=Path, required=True, help="output folder")
    fr.add_argument("--lexicon", type=Path, default=FRAMES_FILE, help="frame lexicon (YAML)")
    fr.add_argument("--gazetteer", type=Path, default=ACTORS_FILE, help="actor gazetteer (YAML; its sides)")
    fr.add_argument("--outlet", action="append", help="an outlet to compare (repeat; default: all)")
    fr.add_argument("--n-boot", type=int, default=2000, help="bootstrap resamples")
    fr.add_argument("--seed", type=int, default=2018, help="bootstrap seed")
    fr.set_defaults(func=_framing)
    v = sub.add_parser("validate", help="accuracy of extract's tables against a folder of gold CSVs, with bootstrap intervals over articles")
    v.add_argument("extract_dir", type=Path, help="the --out folder of `afstudy extract`")
    v.add_argument("--gold", type=Path, required=True, help="folder with line_roles.csv, mentions.csv, quotes.csv, frames.csv (any of them)")
    v.add_argument("--out", type=Path, required=True, help="output folder")
    v.add_argument("--lexicon", type=Path, default=FRAMES_FILE, help="frame lexicon (YAML)")
    v.add_argument("--n-boot", type=int, default=2000, help="bootstrap resamples")
    v.add_argument("--seed", type=int, default=7, help="bootstrap seed")
    v.set_defaults(func=_validate)
    cu = sub.add_parser("curate", help="gazetteer entries to review (YAML stubs with evidence) from extract's provisional actors and candidates")
    cu.add_argument("extract_dir", type=Path, help="the --out folder of `afstudy extract` (or <OUT>/data/interim/extract of a build)")
    cu.add_argument("--out", type=Path, required=True, help="YAML file of stubs to write")
    cu.add_argument("--gazetteer", type=Path, default=ACTORS_FILE, help="the gazetteer the extraction used (YAML)")
    cu.add_argument("--min-mentions", type=int, default=2, help="capitalised candidates mentioned fewer times are left out (provisional actors are all listed)")
    cu.set_defaults(func=_curate)
    ch = sub.add_parser("changes", help="mentions added, removed or resolved differently between two extractions (before and after a curation)")
    ch.add_argument("before", type=Path, help="the extraction folder before the change")
    ch.add_argument("after", type=Path, help="the extraction folder after the change")
    ch.add_argument("--out", type=Path, required=True, help="CSV file to write")
    ch.set_defaults(func=_changes)
    b = sub.add_parser("build", help="build every table, figure and executed notebook of a study, incrementally (what `make figures` runs)")
    _add_study_options(b)
    b.add_argument("--jobs", type=int, default=None, help="notebook runs in parallel (default: the number of cores)")
    b.add_argument("--cold", action="store_true", help="start a fresh kernel for every notebook run (no warm start)")
    b.add_argument("--kernel", default="afstudy", help="Jupyter kernel name")
    b.set_defaults(func=_build)
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
