"""Single-file corpora (CSV, JSONL, Parquet): the same outputs as the folder form."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest

from afstudy.cli import main
from afstudy.corpus import METADATA_COLUMNS
from afstudy.errors import AfstudyError, InputError
from afstudy.paths import SEEDS_DIR
from afstudy.tabular import corpus_folder, materialise, parse_columns, read_rows

SEED_FILES = tuple(sorted(p.name for p in SEEDS_DIR.glob("*.txt"))[1:3])


def seed_rows(files: tuple[str, ...] = SEED_FILES) -> list[dict[str, str]]:
    """Two seed articles as export rows: metadata plus the text under the export's name ``body``."""
    with open(SEEDS_DIR / "metadata.csv", encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["file"] in files]
    for row in rows:
        row["body"] = (SEEDS_DIR / row["file"]).read_bytes().decode("utf-8")
    return rows


def write_export(rows: list[dict[str, str]], path: Path) -> Path:
    frame = pd.DataFrame(rows)
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    elif path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    else:
        frame.to_parquet(path)
    return path


@pytest.fixture(scope="module")
def folder_tables(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder form of the two articles, extracted."""
    base = tmp_path_factory.mktemp("folder")
    corpus = base / "corpus"
    corpus.mkdir()
    rows = seed_rows()
    for row in rows:
        (corpus / row["file"]).write_bytes((SEEDS_DIR / row["file"]).read_bytes())
    with open(corpus / "metadata.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(METADATA_COLUMNS), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    assert main(["extract", str(corpus), "--out", str(base / "out")]) == 0
    return base / "out"


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_single_file_gives_identical_tables(suffix: str, tmp_path: Path, folder_tables: Path) -> None:
    export = write_export(seed_rows(), tmp_path / f"articles{suffix}")
    out = tmp_path / "out"
    assert main(["extract", str(export), "--column", "text=body", "--out", str(out)]) == 0
    names = sorted(p.name for p in folder_tables.iterdir())
    assert sorted(p.name for p in out.iterdir()) == names  # no temporary corpus folder left behind
    for name in names:
        assert (out / name).read_bytes() == (folder_tables / name).read_bytes(), name


def test_file_names_from_article_ids_without_a_file_column(tmp_path: Path) -> None:
    rows = [{k: v for k, v in r.items() if k != "file"} for r in seed_rows()]
    folder, n = materialise(write_export(rows, tmp_path / "a.jsonl"), tmp_path / "corpus", {"text": "body"})
    assert n == 2
    assert sorted(p.name for p in folder.iterdir()) == sorted([f"{r['article_id']}.txt" for r in rows] + ["metadata.csv"])


def test_materialise_replaces_the_whole_folder(tmp_path: Path) -> None:
    rows = seed_rows()
    materialise(write_export(rows, tmp_path / "a.csv"), tmp_path / "corpus", {"text": "body"})
    folder, _ = materialise(write_export(rows[:1], tmp_path / "b.csv"), tmp_path / "corpus", {"text": "body"})
    assert sorted(p.name for p in folder.iterdir()) == sorted([rows[0]["file"], "metadata.csv"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "b.csv", "corpus"]


def test_text_is_kept_verbatim(tmp_path: Path) -> None:
    row = {**seed_rows()[0], "body": "Line one\r\nLine “two”\u00a0ends\n\n\tIndented\n"}
    folder, _ = materialise(write_export([row], tmp_path / "a.parquet"), tmp_path / "corpus", {"text": "body"})
    assert (folder / row["file"]).read_bytes() == row["body"].encode("utf-8")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r.pop("outlet_id"), "missing column(s): outlet_id"),
        (lambda r: r.update(file="../../etc/passwd.txt"), "is not a plain *.txt name"),
        (lambda r: r.update(file="a/b.txt"), "is not a plain *.txt name"),
        (lambda r: r.update(file="notes.md"), "is not a plain *.txt name"),
    ],
)
def test_bad_rows_name_the_file_and_row(change, message: str, tmp_path: Path) -> None:
    rows = seed_rows()
    change(rows[1])
    export = write_export(rows, tmp_path / "a.jsonl")
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)").replace("*", r"\*")) as err:
        materialise(export, tmp_path / "corpus", {"text": "body"})
    assert str(export) in str(err.value)
    assert not (tmp_path / "corpus").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jsonl"]  # no temporary folder left


def test_duplicate_file_names_are_refused(tmp_path: Path) -> None:
    rows = seed_rows()
    rows[1]["file"] = rows[0]["file"].upper().replace(".TXT", ".txt")
    with pytest.raises(InputError, match="row 2: file .* is also the name of row 1"):
        materialise(write_export(rows, tmp_path / "a.csv"), tmp_path / "corpus", {"text": "body"})


def test_unreadable_exports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "latin1.csv").write_bytes("file,text\na.txt,caf\xe9\n".encode("latin-1"))
    (tmp_path / "list.jsonl").write_text(json.dumps(seed_rows()[0]) + "\n[1, 2]\n", encoding="utf-8")
    (tmp_path / "broken.jsonl").write_text('{"text": "a"\n', encoding="utf-8")
    (tmp_path / "nested.jsonl").write_text(json.dumps({**seed_rows()[0], "body": {"p": 1}}) + "\n", encoding="utf-8")
    (tmp_path / "fake.parquet").write_bytes(b"not parquet at all")
    expected = {
        "latin1.csv": "not UTF-8", "list.jsonl": "line 2: a JSON object per line expected", "broken.jsonl": "line 1: not JSON",
        "nested.jsonl": "column 'body' holds a dict", "fake.parquet": "not a readable Parquet file",
    }
    for name, message in expected.items():
        assert main(["extract", str(tmp_path / name), "--column", "text=body", "--out", str(tmp_path / "out")]) == 2
        err = capsys.readouterr().err
        assert message in err and name in err and "Traceback" not in err
    assert [p.name for p in (tmp_path / "out").iterdir()] == []  # the temporary corpus folder is gone


def test_cells_become_text(tmp_path: Path) -> None:
    row = {**seed_rows()[0], "event_date": None, "evidence": 3, "headline": True}
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    [(where, got)] = list(read_rows(path, {"text": "body"}))
    assert where == "line 1"
    assert (got["event_date"], got["evidence"], got["headline"]) == ("", "3", "true")


def test_column_options() -> None:
    assert parse_columns(["text=body", "published=date"]) == {"text": "body", "published": "date"}
    with pytest.raises(AfstudyError, match="expected OURS=THEIRS"):
        parse_columns(["text"])
    with pytest.raises(AfstudyError, match="'body' is not a corpus column"):
        parse_columns(["body=text"])


def test_a_folder_is_used_as_it_is(tmp_path: Path) -> None:
    with corpus_folder(SEEDS_DIR, tmp_path) as folder:
        assert folder == SEEDS_DIR
    assert list(tmp_path.iterdir()) == []


def test_rejects_are_the_same_in_both_forms_and_name_no_folder(tmp_path: Path) -> None:
    """A bad metadata value and a duplicate text give the same reject rows from a folder and
    from an export (the messages name the row inside the corpus, never a temporary folder)."""
    rows = seed_rows()
    rows[0] = dict(rows[0], event="no_such_event")
    rows.append(dict(rows[1], file="copy.txt", article_id="copy-of-second"))
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for row in rows:
        (corpus / row["file"]).write_text(row["body"], encoding="utf-8")
    pd.DataFrame(rows)[list(METADATA_COLUMNS)].to_csv(corpus / "metadata.csv", index=False)
    export = write_export(rows, tmp_path / "export.csv")
    assert main(["parse", str(corpus), "--out", str(tmp_path / "a")]) == 0
    assert main(["parse", str(export), "--column", "text=body", "--out", str(tmp_path / "b")]) == 0
    folder_rejects = (tmp_path / "a" / "rejects.csv").read_text(encoding="utf-8")
    assert folder_rejects == (tmp_path / "b" / "rejects.csv").read_text(encoding="utf-8")
    assert "metadata.csv:2: bad event 'no_such_event'" in folder_rejects and "copy.txt: same text as" in folder_rejects
    assert str(tmp_path) not in folder_rejects
