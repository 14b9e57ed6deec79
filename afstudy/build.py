"""Building a study: every table, figure and executed notebook, incrementally.

``afstudy build --corpus C --out O`` (``make figures CORPUS=C OUT=O``) runs, in this order:

1. ``extract``: one streaming pass over the corpus into ``O/data/interim/extract`` (every
   row table), and the same for the package's validation corpus into
   ``O/data/interim/validation`` (with the study's curated files);
2. the notebooks 01, 02, 03, 05 and 06, which read those tables and write the published
   tables, the figures and their executed copies;
3. the co-occurrence grid (notebook 04 once per parameter set, for the outlets found in
   the corpus's metadata), the co-occurrence long and evidence tables, and notebook 07.

A step runs only when the content of something it reads changed (``afstudy.stamps``).
Notebooks run on the warm runner (``afstudy.warm``), in parallel on all cores; ``--cold``
starts a fresh kernel for every run (what ``make verify`` uses to prove the outputs the
same). Nothing is written outside the output root.
"""

from __future__ import annotations

import csv
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from afstudy.errors import AfstudyError
from afstudy.paths import NOTEBOOKS_DIR, PROJ_ROOT
from afstudy.stamps import Stamps, tree_files
from afstudy.study import VALIDATION_DIR, Study

EXTRACT_TABLES: tuple[str, ...] = (
    "articles", "paragraphs", "lines", "rejects", "warnings", "ignored", "sentences", "mentions", "places", "actors", "labels", "candidates", "quotes", "frame_hits",
)
COOC_K = 20
COOC_UNITS: tuple[str, ...] = ("sentence", "paragraph", "article")
COOC_LEVELS: tuple[str, ...] = ("actor", "side")
MEASURES: tuple[str, ...] = ("count", "jaccard", "conditional", "pmi", "npmi")
VALIDATION_VALUE_SETS = VALIDATION_DIR / "value_sets.yaml"


@dataclass
class Step:
    """One unit of work: what it reads, with which parameters, what it writes, and how."""

    name: str
    inputs: list[Path]
    parameters: dict[str, Any]
    outputs: list[Path]
    action: Callable[[], str | None] | None = None  # in-process steps (may return a note for the log)
    notebook: Path | None = None  # notebook steps (run by the notebook runner)
    notebook_output: Path | None = None


@dataclass
class Report:
    """What a build did."""

    ran: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


# What the Makefile exports, so that ``afstudy build`` run without make writes the same bytes:
# fixed hash seeds (set iteration order), timestamps and matplotlib backend in every kernel.
REPRODUCIBLE_ENV: dict[str, str] = {"PYTHONHASHSEED": "0", "SOURCE_DATE_EPOCH": "1700000000", "MPLBACKEND": "agg", "PYDEVD_DISABLE_FILE_VALIDATION": "1", "TQDM_DISABLE": "1"}


def package_sources() -> list[Path]:
    """The package's code and metadata: a change reruns every step."""
    return tree_files(PROJ_ROOT / "afstudy") + [PROJ_ROOT / "pyproject.toml"]


def corpus_inputs(corpus: Path) -> list[Path]:
    """Every entry of a corpus folder (or the single corpus file)."""
    if corpus.is_file():
        return [corpus]
    if not corpus.is_dir():
        raise AfstudyError(f"{corpus}: corpus not found (a folder with *.txt and metadata.csv, or a .csv/.jsonl/.parquet file)")
    return sorted(p for p in corpus.iterdir())


def extract_into(study: Study, corpus: Path, out_dir: Path, *, options: dict[str, str] | None = None) -> None:
    """One streaming extraction of ``corpus`` into ``out_dir`` with the study's curated files
    (a single-file corpus is first written in folder form to ``<out_dir>_corpus``)."""
    from afstudy.cleaning import load_profiles
    from afstudy.pipeline import build_pipeline
    from afstudy.quotes import load_quote_rules
    from afstudy.streaming import extract_to_dir

    from afstudy.tabular import is_table_corpus, materialise

    if is_table_corpus(corpus):
        corpus, _ = materialise(corpus, out_dir.parent / f"{out_dir.name}_corpus", options if options is not None else study.corpus_options)
    from afstudy.valuesets import load_value_sets

    nlp = build_pipeline(study.spacy_model, study.curated.actors, study.curated.frames)
    extract_to_dir(
        nlp, corpus, out_dir, profiles=load_profiles(study.curated.outlets), quote_rules=load_quote_rules(study.curated.quotes),
        settings=study.settings(), value_sets=load_value_sets(value_sets_of(study, corpus)),
    )


def value_sets_of(study: Study, corpus: Path) -> Path:
    """The value sets a corpus's metadata is checked against: the study's, and for the
    package's validation corpus its own file (the package's sets plus its events)."""
    return VALIDATION_VALUE_SETS if corpus == VALIDATION_DIR / "corpus" else study.curated.value_sets


def extract_with_changes(study: Study, corpus: Path, out_dir: Path, changes: Path) -> str | None:
    """Extract, and when an earlier extraction was there, write what changed in the mentions
    to ``changes`` (every mention added, removed or resolved to another actor: what a curator
    looks at after editing the gazetteer)."""
    import shutil
    import tempfile

    from afstudy.curate import change_summary, mention_changes, write_changes

    previous = out_dir / "mentions.csv"
    study.build.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=study.build, prefix=".previous-") as tmp:
        before = None
        if previous.exists():
            before = Path(tmp)
            shutil.copyfile(previous, before / "mentions.csv")
        extract_into(study, corpus, out_dir)
        if before is None:
            return None
        found = mention_changes(before, out_dir)
        write_changes(found, changes)
        return f"{out_dir.name}: mentions {change_summary(found)} since the last extraction (table: {changes})"


def _extract_step(study: Study, name: str, corpus: Path, out_dir: Path) -> Step:
    params = {"spacy_model": study.spacy_model, "corpus_options": dict(study.corpus_options) if corpus == study.corpus else {}}
    inputs = corpus_inputs(corpus) + list(study.curated.files().values()) + [value_sets_of(study, corpus)] + package_sources()
    changes = study.build / "changes" / f"{name}_mentions.csv"
    return Step(name, inputs, params, [out_dir / f"{t}.csv" for t in EXTRACT_TABLES], action=lambda: extract_with_changes(study, corpus, out_dir, changes))


def ensure_extraction(study: Study, *, validation: bool = False) -> Path:
    """The study's extraction folder, extracted now if it is missing or out of date (what a
    notebook run on its own, e.g. in JupyterLab, calls; the build has done it already)."""
    stamps = Stamps(study.build / "stamps")
    step = _extract_step(study, "validation_extract", VALIDATION_DIR / "corpus", study.validation_extract_dir) if validation else _extract_step(study, "extract", study.corpus, study.extract_dir)
    _run_in_process(step, stamps, Report())
    stamps.save()
    return step.outputs[0].parent


def extraction_tables(study: Study, names: Sequence[str], *, validation: bool = False) -> dict[str, Any]:
    """The study's extraction tables as data frames (extracting first when out of date)."""
    from afstudy.io import read_csv

    folder = ensure_extraction(study, validation=validation)
    return {name: read_csv(folder / f"{name}.csv") for name in names}


def publish(study: Study, stage: str, names: Sequence[str]) -> list[Path]:
    """Copy extraction tables, unchanged, to the published tables of ``stage``."""
    from afstudy.io import atomic_path

    folder = ensure_extraction(study)
    written = []
    for name in names:
        target = study.processed(stage) / f"{name}.csv"
        with atomic_path(target) as tmp:
            tmp.write_bytes((folder / f"{name}.csv").read_bytes())
        written.append(target)
    return written


# -- the notebooks -------------------------------------------------------------------------
@dataclass(frozen=True)
class NotebookSpec:
    """A notebook of the study: the extraction tables and gold it reads, what it writes."""

    stem: str
    tables: tuple[str, ...]
    gold: tuple[str, ...]
    outputs: tuple[str, ...]  # relative to the output root
    validation: bool = False  # also reads the validation corpus's extraction


NOTEBOOK_SPECS: tuple[NotebookSpec, ...] = (
    NotebookSpec("01-corpus", ("articles", "paragraphs", "lines", "rejects", "warnings", "ignored"), ("line_roles",),
                 tuple(f"data/processed/corpus/{t}.csv" for t in ("articles", "paragraphs", "lines", "rejects", "warnings", "ignored"))
                 + ("figures/corpus_overview.png", "figures/corpus_overview.svg")),
    NotebookSpec("02-actors", ("articles", "sentences", "mentions", "places", "actors", "labels", "candidates"), ("mentions",),
                 tuple(f"data/processed/actors/{t}.csv" for t in ("sentences", "mentions", "places", "actors", "labels", "candidates", "mention_rates", "label_use"))
                 + ("figures/actor_mentions_heatmap.png", "figures/actor_mentions_heatmap.svg", "figures/actor_labels.png", "figures/actor_labels.svg")),
    NotebookSpec("03-quotes", ("articles", "quotes", "actors"), ("quotes",),
                 ("data/processed/quotes/quotes.csv", "data/processed/quotes/sourcing.csv", "figures/sourcing_balance.png", "figures/sourcing_balance.svg")),
    NotebookSpec("05-framing", ("articles", "sentences", "mentions", "quotes", "frame_hits", "labels", "actors"), ("frames",),
                 tuple(f"data/processed/framing/{t}.csv" for t in ("frame_hits", "sentence_frames", "salience", "headline_frames", "portrayal", "attention", "outlet_comparison"))
                 + ("data/processed/framing/outlet_comparison.tex",)
                 + tuple(f"figures/{f}.{e}" for f in ("framing_salience", "framing_salience_groups", "framing_sourcing", "framing_labels") for e in ("png", "svg"))),
    NotebookSpec("06-validation", EXTRACT_TABLES, ("line_roles", "mentions", "quotes", "frames"),
                 ("data/processed/validation/validation_report.csv", "data/processed/validation/validation_report.tex", "figures/validation.png", "figures/validation.svg"),
                 validation=True),
)
EXPLORER = NotebookSpec("07-explorer", ("articles", "sentences", "mentions", "actors", "quotes"), (), ())


def _notebook_step(study: Study, spec: NotebookSpec, sources: list[Path], extra: dict[str, Any] | None = None, name: str | None = None, outputs: Sequence[str] | None = None) -> Step:
    source = NOTEBOOKS_DIR / f"{spec.stem}.ipynb"
    params = {**study.parameters(), **(extra or {})}
    # the curated files too: a notebook reads them (sides, frame names), not only the extraction
    inputs = [source, *sources, *study.curated.files().values()] + [study.extract_dir / f"{t}.csv" for t in spec.tables]
    if spec.validation:
        inputs += [study.validation_extract_dir / f"{t}.csv" for t in EXTRACT_TABLES] + sorted((VALIDATION_DIR / "gold").glob("*.csv"))
        inputs += sorted((VALIDATION_DIR / "gold_second").glob("*.csv")) + [VALIDATION_DIR / "split.csv"]
    inputs += [p for g in spec.gold if (p := study.gold_table(g)) is not None]
    step_name = name or spec.stem
    output = study.build / "notebooks" / f"{step_name}.ipynb"
    return Step(step_name, inputs, params, [output] + [study.out / o for o in (outputs if outputs is not None else spec.outputs)], notebook=source, notebook_output=output)


def outlets_of(extract_dir: Path) -> list[str]:
    """The outlet ids of the processed articles, from the extraction's articles table."""
    with open(extract_dir / "articles.csv", encoding="utf-8", newline="") as handle:
        return sorted({row["outlet_id"] for row in csv.DictReader(handle)})


def cooc_runs(outlets: list[str], k: int = COOC_K) -> list[tuple[str, dict[str, Any]]]:
    """(slug, notebook parameters) of the co-occurrence grid: every unit x level, pooled
    and per outlet, plus pooled k-token windows."""
    runs = [(f"{s}_{u}_{lv}", {"scope": s, "unit": u, "k": k, "level": lv}) for u in COOC_UNITS for lv in COOC_LEVELS for s in ["pooled", *outlets]]
    runs += [(f"pooled_window{k}_{lv}", {"scope": "pooled", "unit": "window", "k": k, "level": lv}) for lv in COOC_LEVELS]
    return runs


def cooccurrence_tables(study: Study, k: int = COOC_K) -> None:
    """The long table and the evidence table of the whole grid."""
    from afstudy.cooccurrence import write_grid_tables

    write_grid_tables(study.extract_dir, study.processed("cooccurrence"), k=k)


def plan_first(study: Study) -> list[Step]:
    """Steps that need only the corpus and curated files."""
    return [
        _extract_step(study, "extract", study.corpus, study.extract_dir),
        _extract_step(study, "validation_extract", VALIDATION_DIR / "corpus", study.validation_extract_dir),
    ]


def plan_notebooks(study: Study) -> list[Step]:
    """Notebook steps that read the extraction."""
    sources = package_sources()
    return [_notebook_step(study, spec, sources) for spec in NOTEBOOK_SPECS]


def plan_grid(study: Study, k: int = COOC_K) -> list[Step]:
    """The co-occurrence grid (outlets from the corpus), its tables, and the explorer."""
    sources = package_sources()
    cooc = NotebookSpec("04-cooccurrence", ("articles", "sentences", "mentions", "actors", "paragraphs"), (), ())
    steps = []
    for slug, params in cooc_runs(outlets_of(study.extract_dir), k):
        outputs = [f"data/processed/cooccurrence/wide/{slug}_{m}.csv" for m in MEASURES]
        steps.append(_notebook_step(study, cooc, sources, params, name=f"04-cooccurrence/{slug}", outputs=outputs))
    tables = [study.extract_dir / f"{t}.csv" for t in ("mentions", "sentences", "paragraphs", "articles")]
    steps.append(Step("cooccurrence_tables", tables + sources, {"k": k},
                      [study.processed("cooccurrence") / "cooccurrence_long.csv", study.processed("cooccurrence") / "cooccurrence_evidence.csv"],
                      action=lambda: cooccurrence_tables(study, k)))
    steps.append(_notebook_step(study, EXPLORER, sources))
    return steps


def _digest(step: Step, stamps: Stamps) -> str:
    return stamps.digest(step.inputs, {"step": step.name, **step.parameters})


def _run_in_process(step: Step, stamps: Stamps, report: Report) -> None:
    digest = _digest(step, stamps)
    if stamps.is_current(step.name, digest, step.outputs):
        report.skipped.append(step.name)
        return
    stamps.forget(step.name)
    assert step.action is not None
    note = step.action()
    if note:
        report.notes.append(note)
    stamps.record(step.name, _digest(step, stamps))
    report.ran.append(step.name)


def _run_notebooks(steps: list[Step], stamps: Stamps, report: Report, *, runner: Any, log: Callable[[str], None]) -> None:
    todo = []
    for step in steps:
        digest = _digest(step, stamps)
        if stamps.is_current(step.name, digest, step.outputs):
            report.skipped.append(step.name)
        else:
            stamps.forget(step.name)
            todo.append((step, digest))
    if not todo:
        return
    results = _execute(runner.get(), [(s.notebook, s.notebook_output, s.parameters) for s, _ in todo])  # type: ignore[misc]
    for (step, digest), result in zip(todo, results, strict=True):
        if result.ok:
            missing = [p for p in step.outputs if not p.exists()]
            if missing:
                report.failed.append(f"{step.name}: ran but did not write {missing[0]}")
                continue
            stamps.record(step.name, digest)
            report.ran.append(step.name)
        else:
            report.failed.append(f"{step.name}: {result.error}")
    log(f"  {len(todo)} notebook runs")


def _execute(runner: Any, runs: list[tuple[Path, Path, dict[str, Any]]]) -> list[Any]:
    """Run notebooks on the warm runner (kernels in the project folder, as in JupyterLab)."""
    from afstudy.warm import NotebookRun

    return runner.run([NotebookRun(source, output, params, PROJ_ROOT) for source, output, params in runs])


class _LazyRunner:
    """The build's one notebook runner, started at its first notebook run (a build with
    nothing to run never starts a fork server)."""

    def __init__(self, *, jobs: int, warm: bool, kernel: str) -> None:
        self.jobs, self.warm, self.kernel = jobs, warm, kernel
        self._runner: Any = None
        self._starting: threading.Thread | None = None

    def get(self) -> Any:
        self._wait_for_early_start()
        if self._runner is None:
            self._start()
        return self._runner

    def _start(self) -> None:
        from afstudy.warm import WarmRunner

        self._runner = WarmRunner(jobs=self.jobs, kernel=self.kernel, warm=self.warm).__enter__()

    def start_early(self) -> None:
        """Start the runner (the fork server's imports) in a thread, beside the in-process
        steps that come first; ``get`` waits for it."""
        if self._runner is None and self._starting is None:
            self._starting = threading.Thread(target=self._start_quietly, name="afstudy-runner-start", daemon=True)
            self._starting.start()

    def _start_quietly(self) -> None:
        try:
            self._start()
        except Exception:  # noqa: BLE001 - get() in the main thread starts it again and reports the error
            self._runner = None

    def _wait_for_early_start(self) -> None:
        if self._starting is not None:
            self._starting.join()
            self._starting = None

    def close(self) -> None:
        self._wait_for_early_start()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            runner.__exit__(None, None, None)


def remove_stale_grid_outputs(study: Study, slugs: set[str]) -> list[Path]:
    """Delete co-occurrence outputs of parameter sets no longer in the grid (an outlet that
    left the corpus), so the output root holds exactly what this build made."""
    removed = []
    folders = [(study.processed("cooccurrence") / "wide", ".csv"), (study.figures / "cooccurrence", ".png"), (study.figures / "cooccurrence", ".svg"), (study.build / "notebooks" / "04-cooccurrence", ".ipynb")]
    for folder, suffix in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob(f"*{suffix}")):
            stem = path.stem
            slug = next((s for s in slugs if stem == s or stem.startswith(s + "_")), None)
            if slug is None and not stem.startswith(("network_", "outlets_", "russia_pairs_")):
                path.unlink()
                removed.append(path)
    return removed


def build(study: Study, *, jobs: int | None = None, cold: bool = False, kernel: str = "afstudy", log: Callable[[str], None] = print) -> Report:
    """Build every output of ``study`` that is out of date."""
    start = time.perf_counter()
    jobs = jobs or os.cpu_count() or 1
    study.out.mkdir(parents=True, exist_ok=True)
    stamps = Stamps(study.build / "stamps")
    report = Report()
    runner = _LazyRunner(jobs=jobs, warm=not cold, kernel=kernel)
    try:
        first = plan_first(study)
        if not cold and not all(stamps.is_current(s.name, _digest(s, stamps), s.outputs) for s in first):
            runner.start_early()  # the extraction changes, so notebooks will run
        for step in first:
            _run_in_process(step, stamps, report)
        stamps.save()
        grid = plan_grid(study)
        for step in grid:
            if step.action is not None:
                _run_in_process(step, stamps, report)
        # one batch for every notebook that reads only the extraction (the long ones first,
        # so that no core waits at the end), then the explorer, which reads their tables
        notebooks = [*plan_notebooks(study), *(s for s in grid if s.notebook is not None)]
        _run_notebooks([s for s in notebooks if s.name != EXPLORER.stem], stamps, report, runner=runner, log=log)
        _run_notebooks([s for s in notebooks if s.name == EXPLORER.stem], stamps, report, runner=runner, log=log)
        slugs = {s.name.split("/", 1)[1] for s in grid if s.name.startswith("04-cooccurrence/")}
        report.removed = remove_stale_grid_outputs(study, slugs)
    finally:
        runner.close()
        stamps.save()
    report.seconds = time.perf_counter() - start
    return report


def main_summary(report: Report) -> str:
    """The build's one-line summary."""
    text = f"afstudy build: {len(report.ran)} steps run, {len(report.skipped)} up to date"
    if report.removed:
        text += f", {len(report.removed)} stale outputs removed"
    if report.failed:
        text += f", {len(report.failed)} failed"
    return text + f" ({report.seconds:.1f} s)"


if __name__ == "__main__":  # pragma: no cover - use `afstudy build`
    sys.exit("use: afstudy build")
