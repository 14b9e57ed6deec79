"""Single-file corpora: one CSV, JSONL or Parquet file with one row per article.

News databases export articles as one table (text plus metadata columns). The read stage
turns such a file into the folder form every later stage reads: one ``.txt`` file per row,
holding the row's text verbatim (UTF-8), and ``metadata.csv`` with the metadata columns.
The folder is written under the study's output root (``<out>/data/interim/corpus``), never
beside the source, and is rebuilt from the source whenever the source changes. Because the
rest of the pipeline sees the same files, both forms give identical outputs for the same
articles.

Column names are mapped by options (``--column text=body``: our column ``text`` is the
export's ``body``). ``file`` is optional: without it an article's file name is
``<article_id>.txt``.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from afstudy.corpus import METADATA_COLUMNS
from afstudy.errors import AfstudyError, InputError
from afstudy.paths import METADATA_NAME

TEXT_COLUMN = "text"
FORMATS: dict[str, str] = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\.txt")
SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
Row = dict[str, str]


def is_table_corpus(path: Path) -> bool:
    """Whether ``path`` is a single-file corpus (by its suffix)."""
    return path.suffix.lower() in FORMATS and not path.is_dir()


def parse_columns(pairs: list[str] | None) -> dict[str, str]:
    """``["text=body", "published=date"]`` as a column map (ours -> the export's)."""
    mapping: dict[str, str] = {}
    for pair in pairs or []:
        ours, sep, theirs = pair.partition("=")
        if not sep or not ours or not theirs:
            raise AfstudyError(f"--column {pair!r}: expected OURS=THEIRS, e.g. text=body")
        if ours not in (TEXT_COLUMN, *METADATA_COLUMNS):
            raise AfstudyError(f"--column {pair!r}: {ours!r} is not a corpus column ({', '.join((TEXT_COLUMN, *METADATA_COLUMNS))})")
        mapping[ours] = theirs
    return mapping


def _cell(value: object, path: Path, where: str, column: str) -> str:
    """A cell as text: strings as they are, numbers and booleans as written, nulls empty."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    raise InputError(path, f"{where}: column {column!r} holds a {type(value).__name__}, not text")


def _csv_rows(path: Path) -> Iterator[tuple[str, dict[str, object]]]:
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            for n, row in enumerate(reader, start=1):
                if None in row:
                    raise InputError(path, f"row {n}: more cells than columns")
                yield f"row {n}", dict(row)
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not UTF-8 (byte {exc.start}); export the table as UTF-8") from None
    except csv.Error as exc:
        raise InputError(path, f"not a readable CSV: {exc}") from None


def _jsonl_rows(path: Path) -> Iterator[tuple[str, dict[str, object]]]:
    try:
        with open(path, encoding="utf-8-sig") as handle:
            for n, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    value = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(path, f"line {n}: not JSON ({exc.msg})") from None
                if not isinstance(value, dict):
                    raise InputError(path, f"line {n}: a JSON object per line expected, got {type(value).__name__}")
                yield f"line {n}", value
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not UTF-8 (byte {exc.start})") from None


def _parquet_rows(path: Path) -> Iterator[tuple[str, dict[str, object]]]:
    import pyarrow.parquet as pq

    try:
        handle = pq.ParquetFile(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for a bad file
        raise InputError(path, f"not a readable Parquet file ({exc.__class__.__name__})") from None
    n = 0
    for batch in handle.iter_batches(batch_size=1024):
        for row in batch.to_pylist():
            n += 1
            yield f"row {n}", row


def read_rows(path: Path, columns: Mapping[str, str] | None = None) -> Iterator[tuple[str, Row]]:
    """The rows of a single-file corpus, with our column names, as text."""
    readers = {"csv": _csv_rows, "jsonl": _jsonl_rows, "parquet": _parquet_rows}
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise InputError(path, f"unknown corpus file type (one of {', '.join(sorted(FORMATS))})")
    theirs = {ours: col for ours, col in (columns or {}).items()}
    wanted = [TEXT_COLUMN, *METADATA_COLUMNS]
    for where, raw in readers[kind](path):
        missing = [f"{c}" + (f" (mapped to {theirs[c]!r})" if c in theirs else "") for c in wanted if c != "file" and theirs.get(c, c) not in raw]
        if missing:
            raise InputError(path, f"{where}: missing column(s): {', '.join(missing)}; map the export's names with --column OURS=THEIRS")
        yield where, {c: _cell(raw.get(theirs.get(c, c)), path, where, theirs.get(c, c)) for c in wanted}


def _file_name(row: Row, path: Path, where: str) -> str:
    if row["file"]:
        if not SAFE_NAME.fullmatch(row["file"]):
            raise InputError(path, f"{where}: file {row['file']!r} is not a plain *.txt name (letters, digits, '.', '_', '-')")
        return row["file"]
    if not SAFE_ID.fullmatch(row["article_id"]):
        raise InputError(path, f"{where}: article_id {row['article_id']!r} cannot name a file; add a `file` column")
    return f"{row['article_id']}.txt"


def materialise(source: Path, target: Path, columns: Mapping[str, str] | None = None) -> tuple[Path, int]:
    """Write the folder form of a single-file corpus to ``target`` (replacing it whole, so no
    file of an earlier version stays); return the folder and the number of articles."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        seen: dict[str, str] = {}
        with open(tmp / METADATA_NAME, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(METADATA_COLUMNS)
            for where, row in read_rows(source, columns):
                name = _file_name(row, source, where)
                if name.lower() in seen:
                    raise InputError(source, f"{where}: file {name!r} is also the name of {seen[name.lower()]}")
                seen[name.lower()] = where
                (tmp / name).write_bytes(row[TEXT_COLUMN].encode("utf-8"))
                writer.writerow([name if c == "file" else row[c] for c in METADATA_COLUMNS])
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
            os.replace(target, old / target.name)
            os.replace(tmp, target)
            shutil.rmtree(old)
        else:
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target, len(seen)


@contextmanager
def corpus_folder(corpus: Path, out: Path, columns: Mapping[str, str] | None = None) -> Iterator[Path]:
    """The folder form of ``corpus`` for one command: the folder itself, or a single-file
    corpus written to a temporary folder inside ``out`` and removed afterwards."""
    if not is_table_corpus(corpus):
        yield corpus
        return
    if not corpus.is_file():
        raise InputError(corpus, "corpus file not found")
    out.mkdir(parents=True, exist_ok=True)
    holder = Path(tempfile.mkdtemp(prefix=".corpus-", dir=out))
    try:
        folder, _ = materialise(corpus, holder / "corpus", columns)
        yield folder
    finally:
        shutil.rmtree(holder, ignore_errors=True)
