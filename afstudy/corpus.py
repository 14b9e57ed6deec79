"""Reading a corpus folder (``*.txt`` + ``metadata.csv``) into typed records.

Every file is either read or rejected with a reason; nothing is dropped silently.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import os
import sqlite3
import sys
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain
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


def _check_utf8(path: Path) -> None:
    """Raise InputError naming the byte offset if ``path`` is not valid UTF-8 (read in
    blocks, so a large metadata file is never held whole)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with open(path, "rb") as handle:
        for block in chain(iter(lambda: handle.read(1 << 20), b""), [None]):
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(block or b"", final=block is None)
            except UnicodeDecodeError as exc:
                raise InputError(path, f"not valid UTF-8 ({exc.reason} at byte {offset - pending + exc.start})") from exc
            offset += len(block or b"")


def _metadata_values(row: list[str], columns: dict[str, int]) -> dict[str, str]:
    """One CSV row's metadata values, normalised and stripped (empty when the row is short)."""
    return {c: normalise_text(row[i]).strip() if i < len(row) else "" for c in METADATA_COLUMNS for i in [columns[c]]}


def _validate_metadata(values: dict[str, str], name: str, path: Path, line: int) -> None:
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


def _index_db() -> sqlite3.Connection:
    """A private temporary SQLite database: kept in a small page cache, spilled to a
    temporary file beyond it, deleted when closed."""
    db = sqlite3.connect("", isolation_level=None)
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    return db


META_SQL_COLUMNS = ", ".join(METADATA_COLUMNS)


def index_metadata(path: Path, db: sqlite3.Connection) -> list[Reject]:
    """Read and validate ``metadata.csv`` row by row into table ``meta`` of ``db``.

    A missing column or an unreadable file raises InputError; a row with a bad value is
    returned as a Reject (so the other articles still run).
    """
    if not path.exists():
        raise InputError(path, "metadata file not found: every corpus folder needs metadata.csv")
    _check_utf8(path)
    db.execute(f"CREATE TABLE meta ({META_SQL_COLUMNS}, PRIMARY KEY (file)) WITHOUT ROWID")
    rejects: list[Reject] = []
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = [normalise_text(h) for h in next(reader, [])]
        missing = [c for c in METADATA_COLUMNS if c not in header]
        if missing:
            raise InputError(path, f"missing column(s): {', '.join(missing)}", 1)
        columns = {name: i for i, name in enumerate(header)}  # a repeated column: the last one counts
        insert = f"INSERT INTO meta VALUES ({', '.join('?' * len(METADATA_COLUMNS))})"
        for row in reader:
            if not row:
                continue
            line = reader.line_num
            values = _metadata_values(row, columns)
            name = values["file"]
            try:
                if not name:
                    raise InputError(path, "empty 'file' value", line)
                if db.execute("SELECT 1 FROM meta WHERE file = ?", (name,)).fetchone():
                    raise InputError(path, f"second row for file {name!r}", line)
                _validate_metadata(values, name, path, line)
            except InputError as err:
                rejects.append(Reject(name or f"{path.name}:{line}", "metadata", "bad_metadata", str(err)))
                continue
            db.execute(insert, [values[c] for c in METADATA_COLUMNS])
    repeated = db.execute("SELECT article_id FROM meta GROUP BY article_id HAVING COUNT(*) > 1 ORDER BY article_id LIMIT 1").fetchone()
    if repeated:
        raise InputError(path, f"article_id {repeated[0]!r} is used by more than one row")
    return rejects


def _metadata(row: tuple[str, ...]) -> Metadata:
    """A row of the ``meta`` table; columns with few distinct values share one string
    object each (memory with many Metadata objects alive)."""
    return Metadata(*(sys.intern(v) if c in SHARED_COLUMNS else v for c, v in zip(METADATA_COLUMNS, row, strict=True)))


def is_text_file_name(name: str) -> bool:
    """Whether a directory entry's name is a corpus file's: ``*.txt``, not hidden."""
    return name.endswith(".txt") and not name.startswith(".")


class CorpusPlan:
    """What a corpus folder holds before any article is read: metadata rejects, the
    ``*.txt`` files in name order with their metadata rows (or a no_metadata reject), and
    the metadata rows that have no file.

    The metadata rows and the file names are kept in a temporary SQLite database, not in
    memory, so a plan of a million files costs no more memory than one of a thousand.
    Close it (or use it as a context manager) when done.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._db = _index_db()
        try:
            self.metadata_rejects = index_metadata(root / METADATA_NAME, self._db)
            self._db.execute("CREATE TABLE names (name TEXT PRIMARY KEY) WITHOUT ROWID")
            self._odd_names: list[str] = []  # not valid UTF-8, so no metadata row can name them
            with os.scandir(root) as entries:
                self._db.executemany("INSERT INTO names VALUES (?)", ((e.name,) for e in entries if self._usable_text_file(e)))
        except BaseException:
            self._db.close()
            raise
        self._odd_names.sort()
        self._rejected_names = {r.file for r in self.metadata_rejects}
        self.n_files: int = self._db.execute("SELECT COUNT(*) FROM names").fetchone()[0] + len(self._odd_names)
        self.n_planned = self.n_files - sum(1 for name in self._rejected_names if self.listed(name))
        self.missing = [
            Reject(name, "read", "missing_file", f"{root / METADATA_NAME}: row for {name!r} but no such file")
            for (name,) in self._db.execute("SELECT file FROM meta WHERE file NOT IN (SELECT name FROM names) ORDER BY file")
        ]

    def _usable_text_file(self, entry: os.DirEntry[str]) -> bool:
        if not (is_text_file_name(entry.name) and entry.is_file()):
            return False
        try:
            entry.name.encode("utf-8")
        except UnicodeEncodeError:  # named in the outputs with its bytes escaped
            self._odd_names.append(os.fsencode(entry.name).decode("utf-8", "backslashreplace"))
            return False
        return True

    def listed(self, name: str) -> bool:
        """Whether ``name`` is one of the folder's corpus files."""
        return name in self._odd_names or self._db.execute("SELECT 1 FROM names WHERE name = ?", (name,)).fetchone() is not None

    def _no_metadata(self, name: str) -> Reject:
        return Reject(name, "read", "no_metadata", f"{self.root / name}: no row in {METADATA_NAME}")

    def files(self) -> Iterator[tuple[str, Metadata | Reject]]:
        """The corpus files (names, relative to ``root``) in name order, each with its
        metadata row or a no_metadata reject; files whose row was rejected are left out
        (their reject is in ``metadata_rejects``)."""
        query = f"SELECT n.name, {', '.join('m.' + c for c in METADATA_COLUMNS)} FROM names n LEFT JOIN meta m ON m.file = n.name ORDER BY n.name"
        for name in self._odd_names:
            yield name, self._no_metadata(name)
        for name, *row in self._db.execute(query):
            if name in self._rejected_names:
                continue
            if row[0] is None:
                yield name, self._no_metadata(name)
            else:
                yield name, _metadata(tuple(row))

    def to_read(self) -> list[tuple[Path, Metadata]]:
        """The files that have a metadata row, as (path, metadata) (a list: small corpora)."""
        return [(self.root / name, meta) for name, meta in self.files() if isinstance(meta, Metadata)]

    def close(self) -> None:
        """Delete the temporary index."""
        self._db.close()

    def __enter__(self) -> CorpusPlan:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def plan_corpus(folder: str | Path) -> CorpusPlan:
    """Match the folder's ``*.txt`` files with the rows of its ``metadata.csv``."""
    root = Path(folder)
    if not root.is_dir():
        raise InputError(root, "corpus folder not found")
    return CorpusPlan(root)


class SeenTexts:
    """The first file of every text seen so far, for duplicate detection in file order
    (SHA-256 digests in a temporary SQLite database, so memory does not grow with the
    corpus)."""

    def __init__(self) -> None:
        self._db = _index_db()
        self._db.execute("CREATE TABLE seen (digest BLOB PRIMARY KEY, file TEXT) WITHOUT ROWID")

    def repeat_reject(self, path: Path, sha256: str) -> Reject | None:
        """A duplicate_text reject when an earlier file had this text; else remember it."""
        digest = bytes.fromhex(sha256)
        if self._db.execute("INSERT OR IGNORE INTO seen VALUES (?, ?)", (digest, path.name)).rowcount:
            return None
        (first,) = self._db.execute("SELECT file FROM seen WHERE digest = ?", (digest,)).fetchone()
        return None if first == path.name else Reject(path.name, "read", "duplicate_text", f"{path}: same text as {first}")

    def close(self) -> None:
        """Delete the temporary index."""
        self._db.close()


def iter_corpus(folder: str | Path | CorpusPlan) -> Iterator[RawArticle | Reject]:
    """Read a corpus folder (or one already planned) lazily: one decoded article or one
    reject at a time.

    Empty, binary and undecodable files, files without a metadata row, metadata rows
    without a file, and files repeating another file's text are rejected with a reason.
    Order: metadata rejects, then the files in name order, then rows with no file.
    """
    plan = folder if isinstance(folder, CorpusPlan) else plan_corpus(folder)
    seen = SeenTexts()
    try:
        yield from plan.metadata_rejects
        for name, meta in plan.files():
            if isinstance(meta, Reject):
                yield meta
                continue
            item = read_article(plan.root / name, meta)
            yield (seen.repeat_reject(item.path, item.sha256) or item) if isinstance(item, RawArticle) else item
        yield from plan.missing
    finally:
        seen.close()
        if plan is not folder:
            plan.close()


def read_corpus(folder: str | Path) -> Corpus:
    """Read every ``*.txt`` in ``folder`` against its ``metadata.csv`` (see iter_corpus)."""
    corpus = Corpus(folder=Path(folder))
    for item in iter_corpus(folder):
        if isinstance(item, Reject):
            corpus.rejects.append(item)
        else:
            corpus.articles.append(item)
    return corpus


def read_article(path: Path, meta: Metadata) -> RawArticle | Reject:
    """Read, decode and normalise one article file (empty, binary or undecodable files
    become Rejects)."""
    try:
        text, encoding, had_bom = decode_bytes(path.read_bytes(), path)
    except InputError as err:
        return Reject(path.name, "read", err.code, str(err))
    text = normalise_text(text)
    return RawArticle(meta, path, text, encoding, had_bom, hashlib.sha256(text.encode("utf-8")).hexdigest())


def reject_rows(rejects: Iterable[Reject]) -> list[dict[str, str]]:
    """Rejects as table rows."""
    return [{"file": r.file, "stage": r.stage, "reason": r.reason, "message": r.message} for r in rejects]
