"""Reading a corpus folder (``*.txt`` + ``metadata.csv``) into typed records.

Every file is either read or rejected with a reason; nothing is dropped silently.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from afstudy.errors import InputError
from afstudy.paths import METADATA_NAME

METADATA_COLUMNS: tuple[str, ...] = (
    "file",
    "article_id",
    "outlet",
    "outlet_id",
    "outlet_type",
    "headline",
    "published",
    "date_precision",
    "event",
    "event_date",
    "evidence",
)
DATE_PRECISIONS: frozenset[str] = frozenset({"day", "inferred_day", "month", "year", "none"})
# Characters mapped to a plain space (one for one, so offsets into a line are kept).
SPACE_LIKE: dict[int, str] = {ord(c): " " for c in "\u00a0\u2007\u202f\u2009\u200a\u3000"}
BINARY_CONTROL_SHARE = 0.10
SHARED_COLUMNS = frozenset({"outlet", "outlet_id", "outlet_type", "published", "date_precision", "event", "event_date", "evidence"})
CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13))


@dataclass(frozen=True)
class Reject:
    """An input that was not processed, with a machine-readable reason and a message."""

    file: str
    stage: str
    reason: str
    message: str


@dataclass(frozen=True, slots=True)
class Metadata:
    """One validated row of ``metadata.csv``."""

    file: str
    article_id: str
    outlet: str
    outlet_id: str
    outlet_type: str
    headline: str
    published: str
    date_precision: str
    event: str
    event_date: str
    evidence: str


@dataclass(frozen=True)
class RawArticle:
    """A decoded, normalised article file with its metadata."""

    meta: Metadata
    path: Path
    text: str
    encoding: str
    had_bom: bool
    sha256: str

    @property
    def lines(self) -> list[str]:
        """The article's lines (the final newline does not start an extra line)."""
        return split_lines(self.text)


@dataclass
class Corpus:
    """Articles read from a folder, plus every input that was rejected."""

    folder: Path
    articles: list[RawArticle] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)


def split_lines(text: str) -> list[str]:
    """Split normalised text on ``\\n``; a trailing newline does not add an empty line."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def normalise_text(text: str) -> str:
    """Unify newlines, apply Unicode NFC and turn non-breaking spaces into spaces.

    Curly quotes and dashes are kept: they carry meaning for quote extraction.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    for code in SPACE_LIKE:
        if chr(code) in text:  # str.replace per character is much faster than str.translate
            text = text.replace(chr(code), " ")
    return text


def looks_binary(data: bytes) -> bool:
    """True for data with NUL bytes or a high share of control bytes."""
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    controls = len(sample) - len(sample.translate(None, CONTROL_BYTES))
    return controls > BINARY_CONTROL_SHARE * max(len(sample), 1)


def decode_bytes(data: bytes, path: Path) -> tuple[str, str, bool]:
    """Decode as UTF-8 (with or without BOM), else cp1252; return text, encoding, had_bom.

    Raises InputError for empty, binary or undecodable data.
    """
    if not data.strip():
        raise InputError(path, "empty file (no text)", code="empty")
    if looks_binary(data):
        raise InputError(path, "binary file (NUL or control bytes), not plain text", code="binary")
    had_bom = data.startswith(b"\xef\xbb\xbf")
    try:
        return data.decode("utf-8-sig"), "utf-8", had_bom
    except UnicodeDecodeError as utf_error:
        try:
            return data.decode("cp1252"), "cp1252-fallback", False
        except UnicodeDecodeError as exc:
            raise InputError(
                path,
                f"undecodable bytes: not UTF-8 (byte {utf_error.start}) and not cp1252 "
                f"(byte 0x{data[exc.start]:02x} at {exc.start})",
                code="undecodable",
            ) from exc


def _check_date(value: str, column: str, path: Path, line: int) -> str:
    if value == "":
        return value
    try:
        dt.date.fromisoformat(value)
    except ValueError as exc:
        raise InputError(path, f"bad date in column '{column}': {value!r} (want YYYY-MM-DD)", line) from exc
    return value


def read_metadata(path: Path) -> tuple[dict[str, Metadata], list[Reject]]:
    """Read and validate ``metadata.csv``.

    A missing column or an unreadable file raises InputError; a row with a bad value is
    returned as a Reject (so the other articles still run).
    """
    if not path.exists():
        raise InputError(path, "metadata file not found: every corpus folder needs metadata.csv")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not valid UTF-8 ({exc.reason} at byte {exc.start})") from exc
    reader = csv.DictReader(normalise_text(text).splitlines())
    header = reader.fieldnames or []
    missing = [c for c in METADATA_COLUMNS if c not in header]
    if missing:
        raise InputError(path, f"missing column(s): {', '.join(missing)}", 1)
    rows: dict[str, Metadata] = {}
    rejects: list[Reject] = []
    for line, row in enumerate(reader, start=2):
        name = (row.get("file") or "").strip()
        try:
            if not name:
                raise InputError(path, "empty 'file' value", line)
            if name in rows:
                raise InputError(path, f"second row for file {name!r}", line)
            # columns with few distinct values share one string object each (memory on large corpora)
            values = {c: (sys.intern(v) if c in SHARED_COLUMNS else v) for c in METADATA_COLUMNS for v in [(row.get(c) or "").strip()]}
            if not values["article_id"]:
                raise InputError(path, f"empty article_id for {name!r}", line)
            for column in ("published", "event_date"):
                _check_date(values[column], column, path, line)
            if values["date_precision"] not in DATE_PRECISIONS:
                raise InputError(
                    path,
                    f"bad date_precision {values['date_precision']!r} for {name!r} "
                    f"(one of {', '.join(sorted(DATE_PRECISIONS))})",
                    line,
                )
            if bool(values["published"]) == (values["date_precision"] == "none"):
                raise InputError(path, f"published and date_precision disagree for {name!r}", line)
        except InputError as err:
            rejects.append(Reject(name or f"{path.name}:{line}", "metadata", "bad_metadata", str(err)))
            continue
        rows[name] = Metadata(**values)
    repeated = sorted(i for i, n in Counter(m.article_id for m in rows.values()).items() if n > 1)
    if repeated:
        raise InputError(path, f"article_id {repeated[0]!r} is used by more than one row")
    return rows, rejects


def iter_text_files(folder: Path) -> Iterator[Path]:
    """The corpus files of a folder, in a stable (sorted) order."""
    yield from sorted(p for p in folder.glob("*.txt") if p.is_file())


@dataclass
class CorpusPlan:
    """What a corpus folder holds before any article is read: metadata rejects, the
    files to read (names, relative to ``root``) with their metadata rows (or a
    no_metadata reject), in name order, and the metadata rows that have no file."""

    root: Path
    metadata_rejects: list[Reject]
    files: list[tuple[str, Metadata | Reject]]
    missing: list[Reject]

    def to_read(self) -> list[tuple[Path, Metadata]]:
        """The files that have a metadata row, as (path, metadata)."""
        return [(self.root / name, meta) for name, meta in self.files if isinstance(meta, Metadata)]


def plan_corpus(folder: str | Path) -> CorpusPlan:
    """Match the folder's ``*.txt`` files with the rows of its ``metadata.csv``."""
    root = Path(folder)
    if not root.is_dir():
        raise InputError(root, "corpus folder not found")
    meta, rejects = read_metadata(root / METADATA_NAME)
    rejected_names = {r.file for r in rejects}
    files: list[tuple[str, Metadata | Reject]] = []  # names, not Paths: less memory per file
    present: set[str] = set()
    for path in iter_text_files(root):
        present.add(path.name)
        if path.name in rejected_names:
            continue
        if path.name not in meta:
            files.append((path.name, Reject(path.name, "read", "no_metadata", f"{path}: no row in {METADATA_NAME}")))
        else:
            files.append((path.name, meta[path.name]))
    missing = [Reject(name, "read", "missing_file", f"{root / METADATA_NAME}: row for {name!r} but no such file") for name in sorted(set(meta) - present)]
    return CorpusPlan(root, rejects, files, missing)


def read_article(path: Path, meta: Metadata) -> RawArticle | Reject:
    """Read, decode and normalise one article file (empty, binary or undecodable files
    become Rejects)."""
    try:
        text, encoding, had_bom = decode_bytes(path.read_bytes(), path)
    except InputError as err:
        return Reject(path.name, "read", err.code, str(err))
    text = normalise_text(text)
    return RawArticle(meta, path, text, encoding, had_bom, hashlib.sha256(text.encode("utf-8")).hexdigest())


class SeenTexts:
    """The first file of every text seen so far, for duplicate detection in file order."""

    def __init__(self) -> None:
        self.first: dict[str, str] = {}  # sha256 -> file name

    def repeat_reject(self, path: Path, sha256: str) -> Reject | None:
        """A duplicate_text reject when an earlier file had this text; else remember it."""
        first = self.first.setdefault(sha256, path.name)
        return None if first == path.name else Reject(path.name, "read", "duplicate_text", f"{path}: same text as {first}")


def iter_corpus(folder: str | Path) -> Iterator[RawArticle | Reject]:
    """Read a corpus folder lazily: one decoded article or one reject at a time.

    Empty, binary and undecodable files, files without a metadata row, metadata rows
    without a file, and files repeating another file's text are rejected with a reason.
    Order: metadata rejects, then the files in name order, then rows with no file.
    """
    plan = plan_corpus(folder)
    yield from plan.metadata_rejects
    seen = SeenTexts()
    for name, meta in plan.files:
        if isinstance(meta, Reject):
            yield meta
            continue
        item = read_article(plan.root / name, meta)
        yield (seen.repeat_reject(item.path, item.sha256) or item) if isinstance(item, RawArticle) else item
    yield from plan.missing


def read_corpus(folder: str | Path) -> Corpus:
    """Read every ``*.txt`` in ``folder`` against its ``metadata.csv`` (see iter_corpus)."""
    corpus = Corpus(folder=Path(folder))
    for item in iter_corpus(folder):
        if isinstance(item, Reject):
            corpus.rejects.append(item)
        else:
            corpus.articles.append(item)
    return corpus


def reject_rows(rejects: Iterable[Reject]) -> list[dict[str, str]]:
    """Rejects as table rows."""
    return [{"file": r.file, "stage": r.stage, "reason": r.reason, "message": r.message} for r in rejects]
