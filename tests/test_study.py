"""End to end: the whole study on a corpus that is not the seeds, as a folder and as one
CSV file, into temporary output roots; the package's own files stay as they were."""

from __future__ import annotations

import csv
import hashlib
import shutil
from pathlib import Path

import pandas as pd
import pytest

from afstudy.build import COOC_K, MEASURES, NOTEBOOK_SPECS, build, cooc_runs
from afstudy.corpus import METADATA_COLUMNS
from afstudy.errors import AfstudyError
from afstudy.paths import PROJ_ROOT
from afstudy.study import VALIDATION_DIR, Study, make_study

FILES = ("val_002.txt", "val_009.txt", "val_013.txt")  # three outlets the package has no profile for
SKIP = {".git", ".venv", "__pycache__", ".pytest_cache", ".hypothesis", ".ipynb_checkpoints", "dist"}


def project_snapshot() -> dict[str, str]:
    """Every file of the project folder (but caches and the environment) with its digest."""
    found = {}
    for path in sorted(PROJ_ROOT.rglob("*")):
        rel = path.relative_to(PROJ_ROOT)
        if path.is_file() and not SKIP & set(rel.parts) and not rel.parts[0].startswith("."):
            found[rel.as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def study_of(corpus: Path, out: Path, options: dict[str, str] | None = None) -> Study:
    """The study of these articles: their events are in the validation corpus's value sets
    (which extend the package's), as a researcher's own events would be in theirs."""
    return make_study(str(corpus), str(out), corpus_options=options, value_sets_file=str(VALIDATION_DIR / "value_sets.yaml"))


def outputs(root: Path) -> dict[str, bytes]:
    """The published tables and figures under an output root."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for folder in ("data/processed", "figures") for p in sorted((root / folder).rglob("*")) if p.is_file()}


def metadata_rows() -> list[dict[str, str]]:
    with open(VALIDATION_DIR / "corpus" / "metadata.csv", encoding="utf-8", newline="") as handle:
        return [{c: r[c] for c in METADATA_COLUMNS} for r in csv.DictReader(handle) if r["file"] in FILES]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The study built from the folder form and from the CSV form of the same articles."""
    base = tmp_path_factory.mktemp("study")
    before = project_snapshot()
    folder = base / "corpus"
    folder.mkdir()
    rows = metadata_rows()
    for row in rows:
        shutil.copyfile(VALIDATION_DIR / "corpus" / row["file"], folder / row["file"])
    pd.DataFrame(rows).to_csv(folder / "metadata.csv", index=False)
    export = base / "export.csv"
    pd.DataFrame([{**r, "body": (folder / r["file"]).read_text(encoding="utf-8")} for r in rows]).to_csv(export, index=False)
    roots = {"folder": base / "out_folder", "csv": base / "out_csv"}
    for form, corpus, options in (("folder", folder, None), ("csv", export, {"text": "body"})):
        report = build(study_of(corpus, roots[form], options), jobs=2, log=lambda _: None)
        assert not report.failed, report.failed
    assert project_snapshot() == before, "the build wrote into the project folder"
    return roots


def expected_outputs(outlets: list[str]) -> list[str]:
    expected = [o for spec in NOTEBOOK_SPECS for o in spec.outputs]
    expected += [f"data/processed/cooccurrence/wide/{slug}_{m}.csv" for slug, _ in cooc_runs(outlets, COOC_K) for m in MEASURES]
    expected += ["data/processed/cooccurrence/cooccurrence_long.csv", "data/processed/cooccurrence/cooccurrence_evidence.csv"]
    return expected


def test_every_output_exists_and_is_not_empty(built: dict[str, Path]) -> None:
    root = built["folder"]
    outlets = sorted({r["outlet_id"] for r in metadata_rows()})
    for rel in expected_outputs(outlets):
        assert (root / rel).is_file() and (root / rel).stat().st_size > 0, rel
    executed = sorted((root / "build" / "notebooks").rglob("*.ipynb"))
    assert len(executed) == len(NOTEBOOK_SPECS) + len(cooc_runs(outlets)) + 1  # and the explorer


def test_folder_and_csv_forms_give_identical_outputs(built: dict[str, Path]) -> None:
    a, b = outputs(built["folder"]), outputs(built["csv"])
    assert sorted(a) == sorted(b)
    assert [k for k in a if a[k] != b[k]] == []


def test_tables_describe_this_corpus_not_the_seeds(built: dict[str, Path]) -> None:
    root = built["folder"]
    articles = pd.read_csv(root / "data/processed/corpus/articles.csv", dtype=str, keep_default_na=False)
    assert sorted(articles["file"]) == sorted(FILES)
    report = pd.read_csv(root / "data/processed/validation/validation_report.csv", dtype=str, keep_default_na=False)
    # no gold for this corpus: the report holds only the package's validation corpus (never the seeds' gold)
    assert "study" not in set(report["corpus"])
    assert {"dev", "dev2", "test", "test2"} <= set(report["corpus"])


def test_a_second_build_does_nothing(built: dict[str, Path]) -> None:
    report = build(study_of(built["folder"].parent / "corpus", built["folder"]), jobs=2, log=lambda _: None)
    assert report.ran == [] and report.failed == []


def test_another_corpus_needs_an_output_root(tmp_path: Path) -> None:
    with pytest.raises(AfstudyError, match="--out, or OUT= with make"):
        make_study(str(tmp_path), None)
