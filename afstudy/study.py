"""A study: one corpus, the curated files it uses, its gold annotations (if any), and an
output root. Built once, at the edge (command line, build, notebook parameters), and passed
down explicitly; nothing below reads an environment variable to find a path.

Every output of a study lies under its output root::

    <out>/data/interim/extract/      the extraction tables (one pass over the corpus)
    <out>/data/interim/validation/   the package's validation corpus, extracted with this
                                     study's curated files
    <out>/data/processed/<stage>/    the published tables (corpus, actors, quotes,
                                     cooccurrence, framing, validation)
    <out>/figures/                   the figures (PNG and SVG)
    <out>/build/                     executed notebooks and build stamps

The default study is the package's replication: the seeds, the package's curated files, the
seeds' gold (``data/gold``) and the project folder as output root (the committed outputs).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from afstudy.errors import AfstudyError
from afstudy.paths import ACTORS_FILE, DATA_DIR, FRAMES_FILE, GOLD_DIR, OUTLETS_FILE, PROJ_ROOT, QUOTE_RULES_FILE, SEEDS_DIR, VALUE_SETS_FILE

VALIDATION_DIR: Path = DATA_DIR / "validation"
GOLD_TABLES: tuple[str, ...] = ("line_roles", "mentions", "quotes", "frames", "places")
STAGES: tuple[str, ...] = ("corpus", "actors", "quotes", "cooccurrence", "framing", "validation")


@dataclass(frozen=True)
class Curated:
    """The curated data files a study uses (the package's by default)."""

    outlets: Path = OUTLETS_FILE
    actors: Path = ACTORS_FILE
    quotes: Path = QUOTE_RULES_FILE
    frames: Path = FRAMES_FILE
    value_sets: Path = VALUE_SETS_FILE

    def files(self) -> dict[str, Path]:
        """Role -> path, for stamps and settings."""
        return {"outlets": self.outlets, "actors": self.actors, "quotes": self.quotes, "frames": self.frames, "value_sets": self.value_sets}


@dataclass(frozen=True)
class Study:
    """Everything a run reads and where it writes."""

    corpus: Path
    out: Path
    curated: Curated = field(default_factory=Curated)
    gold: Path | None = None
    corpus_options: Mapping[str, str] = field(default_factory=dict)  # column map of a single-file corpus
    spacy_model: str | None = None

    # -- where things go ---------------------------------------------------------------
    @property
    def interim(self) -> Path:
        """Machine tables, rebuilt from the corpus."""
        return self.out / "data" / "interim"

    @property
    def extract_dir(self) -> Path:
        """The extraction tables of the study's corpus."""
        return self.interim / "extract"

    @property
    def validation_extract_dir(self) -> Path:
        """The extraction tables of the package's validation corpus, with this study's curated files."""
        return self.interim / "validation"

    def processed(self, stage: str) -> Path:
        """The published tables of one stage."""
        if stage not in STAGES:
            raise AfstudyError(f"unknown output stage {stage!r} (one of {', '.join(STAGES)})")
        return self.out / "data" / "processed" / stage

    @property
    def figures(self) -> Path:
        """Figures (PNG and SVG)."""
        return self.out / "figures"

    @property
    def build(self) -> Path:
        """Executed notebooks and stamps."""
        return self.out / "build"

    def inside(self, path: Path) -> Path:
        """``path`` if it lies under the output root; an error otherwise (parameters that
        become paths are checked here)."""
        resolved = path.resolve()
        if not resolved.is_relative_to(self.out.resolve()):
            raise AfstudyError(f"{path}: outside the output root {self.out}")
        return resolved

    def gold_table(self, name: str) -> Path | None:
        """A gold file of the study (None when the study has no gold, or not that table)."""
        if name not in GOLD_TABLES:
            raise AfstudyError(f"unknown gold table {name!r} (one of {', '.join(GOLD_TABLES)})")
        if self.gold is None:
            return None
        path = self.gold / f"{name}.csv"
        return path if path.is_file() else None

    @property
    def is_seeds(self) -> bool:
        """Whether the corpus is the package's five seeds (wherever the outputs go)."""
        return self.corpus == SEEDS_DIR.resolve()

    @property
    def is_default(self) -> bool:
        """Whether this is the package's replication study (seeds into the project folder)."""
        return self == default_study()

    # -- exchange with notebooks -------------------------------------------------------
    def parameters(self) -> dict[str, Any]:
        """The study as papermill parameters (absolute paths; '' for no gold)."""
        return {
            "corpus": str(self.corpus),
            "out_root": str(self.out),
            "gold_dir": str(self.gold) if self.gold else "",
            "outlets_file": str(self.curated.outlets),
            "gazetteer_file": str(self.curated.actors),
            "quote_rules_file": str(self.curated.quotes),
            "lexicon_file": str(self.curated.frames),
            "value_sets_file": str(self.curated.value_sets),
            "corpus_options": dict(self.corpus_options),
            "spacy_model": self.spacy_model,
        }

    def settings(self) -> dict[str, str | None]:
        """The pipeline settings of this study (for worker processes)."""
        return {
            "spacy_model": self.spacy_model,
            "gazetteer": str(self.curated.actors),
            "frames": str(self.curated.frames),
            "quote_rules": str(self.curated.quotes),
            "outlets": str(self.curated.outlets),
        }

    def with_corpus(self, corpus: Path, gold: Path | None) -> Study:
        """The same curated files and output root, another corpus (the validation corpus)."""
        return replace(self, corpus=corpus, gold=gold, corpus_options={})


def _path(value: str | Path | None, base: Path) -> Path | None:
    if value is None or value == "":
        return None
    p = Path(value).expanduser()
    return (p if p.is_absolute() else base / p).resolve()


def make_study(
    corpus: str | Path | None = None,
    out: str | Path | None = None,
    *,
    gold: str | Path | None = None,
    outlets_file: str | Path | None = None,
    gazetteer_file: str | Path | None = None,
    quote_rules_file: str | Path | None = None,
    lexicon_file: str | Path | None = None,
    value_sets_file: str | Path | None = None,
    corpus_options: Mapping[str, str] | None = None,
    spacy_model: str | None = None,
    base: Path | None = None,
) -> Study:
    """Build a study from plain values; relative paths are resolved against ``base`` (the
    caller's working directory on the command line, the project folder in notebooks).

    With no corpus, the corpus is the seeds, and their gold is used unless ``gold`` is
    given; for any other corpus there is no gold unless ``gold`` names a folder.
    """
    base = base or Path.cwd()
    corpus_path = _path(corpus, base) or SEEDS_DIR
    is_seeds = corpus_path == SEEDS_DIR.resolve()
    gold_path = _path(gold, base) if gold not in (None, "") else (GOLD_DIR if is_seeds and gold is None else None)
    if gold_path is not None and not gold_path.is_dir():
        raise AfstudyError(f"{gold_path}: gold folder not found")
    curated = Curated(
        outlets=_path(outlets_file, base) or OUTLETS_FILE,
        actors=_path(gazetteer_file, base) or ACTORS_FILE,
        quotes=_path(quote_rules_file, base) or QUOTE_RULES_FILE,
        frames=_path(lexicon_file, base) or FRAMES_FILE,
        value_sets=_path(value_sets_file, base) or VALUE_SETS_FILE,
    )
    for role, path in curated.files().items():
        if not path.is_file() and not (role == "value_sets" and path == VALUE_SETS_FILE):
            raise AfstudyError(f"{path}: {role} file not found")
    out_path = _path(out, base) or PROJ_ROOT
    if out_path == PROJ_ROOT.resolve() and not is_seeds:
        raise AfstudyError(f"{corpus_path}: give an output root for this corpus (--out, or OUT= with make; the project folder holds the seeds' committed outputs)")
    if out_path.exists() and not out_path.is_dir():
        raise AfstudyError(f"{out_path}: the output root exists and is not a folder")
    return Study(corpus_path, out_path, curated, gold_path, dict(corpus_options or {}), spacy_model or None)


def default_study() -> Study:
    """The package's replication study: the seeds into the project folder."""
    return make_study(base=PROJ_ROOT)


def study_from_parameters(params: Mapping[str, Any]) -> Study:
    """The study of a notebook's parameters (relative paths against the project folder)."""
    return make_study(
        params.get("corpus") or None,
        params.get("out_root") or None,
        gold=params.get("gold_dir"),
        outlets_file=params.get("outlets_file"),
        gazetteer_file=params.get("gazetteer_file"),
        quote_rules_file=params.get("quote_rules_file"),
        lexicon_file=params.get("lexicon_file"),
        value_sets_file=params.get("value_sets_file"),
        corpus_options=params.get("corpus_options") or {},
        spacy_model=params.get("spacy_model"),
        base=PROJ_ROOT,
    )
