"""Reading a corpus folder (``*.txt`` + ``metadata.csv``) into typed records.

Accounting: every entry of the corpus folder is processed, rejected with its reason, or
ignored by a rule (:data:`IGNORE_RULES`), so that ``entries = processed + rejected +
ignored``; metadata rows without an entry are rejects too (``missing_file``). An ignored
entry that a metadata row names is rejected with the rule as its reason (a metadata row
for ``notes.md`` gets ``ignored_extension``, never "no such file").

Reading safety: symbolic links are resolved and refused (``outside_corpus``) when they
leave the corpus folder; files are opened without following a link and must be regular
files; a file that cannot be read is one reject (``unreadable``), never the end of the
run. Text is decoded as UTF-8, UTF-16/32 (with a byte-order mark, or UTF-16 recognised by
its NUL bytes), UTF-8 with a few stray bytes decoded as cp1252 (warning
``mixed_encoding``), or cp1252 as a whole (``cp1252-fallback``).

Metadata: every row is checked against the value sets (:mod:`afstudy.valuesets`) and the
formats of docs/codebook.md §5; a bad value rejects that row only, with a one-line
message naming the file, line, column, value and the allowed values.
"""

from __future__ import annotations

import codecs
import csv
import errno
import hashlib
import os
import re
import sqlite3
import stat
import sys
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from itertools import chain
from pathlib import Path

from afstudy.errors import InputError
from afstudy.paths import METADATA_NAME
from afstudy.schemas import did_you_mean, is_iso_date
from afstudy.valuesets import DATE_PRECISIONS as PRECISIONS
from afstudy.valuesets import ValueSets, load_value_sets

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
DATE_PRECISIONS: frozenset[str] = frozenset(PRECISIONS)
# Characters mapped to a plain space (one for one, so offsets into a line are kept).
SPACE_LIKE: dict[int, str] = {ord(c): " " for c in "\u00a0\u2007\u202f\u2009\u200a\u3000"}
BINARY_CONTROL_SHARE = 0.10
SHARED_COLUMNS = frozenset({"outlet", "outlet_id", "outlet_type", "published", "date_precision", "event", "event_date", "evidence"})
CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13))
CONTROL_CHARS = {b: None for b in CONTROL_BYTES}
TEXT_SUFFIX = ".txt"
# The largest article read, in characters: spaCy's max_length is raised to it
# (afstudy.pipeline.build_pipeline); `--max-chars` lowers it. Longer files are rejected
# (too_long). The pipeline has no parser or NER, so memory grows about linearly with the
# text (see README/docs for the measurement).
MAX_ARTICLE_CHARS = 10_000_000
METADATA_FIELD_LIMIT = 16 * 1024 * 1024  # characters in one metadata cell (csv's default is 128 KiB)
BLOCK = 1 << 20
SLUG = re.compile(r"[a-z0-9_]+\Z")
ARTICLE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")
# Near duplicates: a text whose content lines (at least NEAR_MIN_WORDS words) are, for at
# least NEAR_SHARE of them and at least NEAR_MIN_LINES lines, also lines of one earlier
# file. A line found in NEAR_COMMON or more earlier files is page furniture, not content,
# and is left out of the comparison.
NEAR_SHARE = 0.8
NEAR_MIN_LINES = 3
NEAR_MIN_WORDS = 5
NEAR_COMMON = 20

# rule -> what it means (the ignored.csv `rule` column; a metadata row naming such an
# entry makes it a reject with the rule as reason)
IGNORE_RULES: dict[str, str] = {
    "metadata_file": "the corpus's metadata, not an article",
    "hidden": "a hidden entry (its name starts with '.'): never read",
    "outside_corpus": "a symbolic link whose target is outside the corpus folder: never read",
    "dangling_symlink": "a symbolic link whose target does not exist (or loops)",
    "not_a_regular_file": "not a regular file (a folder, FIFO, socket or device)",
    "ignored_extension": "not a *.txt file (the extension is .txt, lowercase)",
}


@dataclass(frozen=True)
class Reject:
    """An input that was not processed, with a machine-readable reason and a message.

    ``entry`` is False for a metadata row that names no entry of the folder."""

    file: str
    stage: str
    reason: str
    message: str
    entry: bool = field(default=True, compare=False)


@dataclass(frozen=True, order=True)
class RunWarning:
    """A questionable but legal input: the file, the stage, a code and a message."""

    file: str
    stage: str
    code: str
    message: str


@dataclass(frozen=True, order=True)
class Ignored:
    """A directory entry that is not an input, with the rule that ignored it."""

    entry: str
    kind: str
    rule: str
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
    """A decoded, normalised article file with its metadata.

    ``dup_digest`` identifies the text up to trailing whitespace and trailing blank lines
    (exact duplicates); ``fingerprint`` holds hashes of its content lines (near
    duplicates); ``warnings`` are the reading's (mixed_encoding)."""

    meta: Metadata
    path: Path
    text: str
    encoding: str
    had_bom: bool
    sha256: str
    warnings: tuple[RunWarning, ...] = ()
    dup_digest: str = ""
    fingerprint: tuple[int, ...] = ()

    @property
    def lines(self) -> list[str]:
        """The article's lines (the final newline does not start an extra line)."""
        return split_lines(self.text)


@dataclass
class Accounting:
    """Where every entry of a corpus folder went."""

    entries: int = 0
    processed: int = 0
    rejected: int = 0
    ignored: int = 0
    rows_without_file: int = 0
    warnings: Counter[str] = field(default_factory=Counter)

    @property
    def reconciles(self) -> bool:
        """True when every entry is processed, rejected or ignored."""
        return self.entries == self.processed + self.rejected + self.ignored

    def line(self) -> str:
        """``7 entries in = 5 processed + 0 rejected + 2 ignored; 1 warning (…)``."""
        text = f"{self.entries} entr{'y' if self.entries == 1 else 'ies'} in = {self.processed} processed + {self.rejected} rejected + {self.ignored} ignored"
        if self.rows_without_file:
            text += f"; {self.rows_without_file} metadata row{'s' if self.rows_without_file > 1 else ''} without a file"
        n = sum(self.warnings.values())
        if n:
            codes = ", ".join(f"{count} {code}" for code, count in sorted(self.warnings.items(), key=lambda kv: (-kv[1], kv[0])))
            text += f"; {n} warning{'s' if n > 1 else ''} ({codes}; see warnings.csv)"
        else:
            text += "; 0 warnings"
        if not self.processed:
            text += "; nothing was processed (see rejects.csv and ignored.csv)"
        return text


@dataclass
class Corpus:
    """Articles read from a folder, plus every input that was rejected or ignored."""

    folder: Path
    articles: list[RawArticle] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    warnings: list[RunWarning] = field(default_factory=list)
    ignored: list[Ignored] = field(default_factory=list)
    accounting: Accounting = field(default_factory=Accounting)


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


# ---- decoding ----------------------------------------------------------------------------
def _blocks(data: bytes) -> Iterator[bytes]:
    view = memoryview(data)
    for start in range(0, len(data), BLOCK):
        yield bytes(view[start : start + BLOCK])


def looks_binary(data: bytes) -> bool:
    """True for data with NUL bytes or a high share of control bytes (the whole data is
    looked at, block by block)."""
    if b"\x00" in data:
        return True
    controls = sum(len(block) - len(block.translate(None, CONTROL_BYTES)) for block in _blocks(data))
    return controls > BINARY_CONTROL_SHARE * max(len(data), 1)


def _text_looks_binary(text: str) -> bool:
    if "\x00" in text:
        return True
    return len(text) - len(text.translate(CONTROL_CHARS)) > BINARY_CONTROL_SHARE * max(len(text), 1)


BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _utf16_without_bom(data: bytes) -> str | None:
    """``utf-16-le`` or ``utf-16-be`` when the NUL bytes sit at every other position, as
    in mostly-Latin UTF-16 text; else None."""
    if len(data) < 4 or len(data) % 2:
        return None
    sample = data[: 1 << 16]
    pairs = len(sample) // 2
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd >= 0.3 * pairs and even <= 0.02 * pairs:
        return "utf-16-le"
    if even >= 0.3 * pairs and odd <= 0.02 * pairs:
        return "utf-16-be"
    return None


_stray = threading.local()


def _cp1252_bytes(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: decode the bytes that are not UTF-8 as cp1252, noting them."""
    assert isinstance(exc, UnicodeDecodeError)
    chunk = exc.object[exc.start : exc.end]
    _stray.found.append((exc.start, bytes(chunk)))
    return chunk.decode("cp1252"), exc.end


codecs.register_error("afstudy-cp1252", _cp1252_bytes)


def _line_of(data: bytes, offset: int) -> int:
    prefix = data[:offset]
    return prefix.count(b"\n") + prefix.count(b"\r") - prefix.count(b"\r\n") + 1


@dataclass(frozen=True)
class Decoded:
    """Decoded text, the encoding found, whether it had a byte-order mark, and the bytes
    that were not UTF-8 in a mixed file (offset, bytes)."""

    text: str
    encoding: str
    had_bom: bool
    stray: tuple[tuple[int, bytes], ...] = ()

    def warning(self, file: str, data: bytes) -> RunWarning | None:
        """The mixed_encoding warning of a mixed file (None otherwise)."""
        if not self.stray:
            return None
        shown = "; ".join(f"byte {offset} (line {_line_of(data, offset)}): 0x{chunk.hex()} as {chunk.decode('cp1252')!r}" for offset, chunk in self.stray[:5])
        more = f"; and {len(self.stray) - 5} more" if len(self.stray) > 5 else ""
        n = sum(len(c) for _, c in self.stray)
        what = "1 byte that is" if n == 1 else f"{n} bytes that are"
        return RunWarning(file, "read", "mixed_encoding", f"UTF-8 with {what} not UTF-8, decoded as cp1252: {shown}{more}")


def decode(data: bytes, path: Path) -> Decoded:
    """Decode article bytes (see the module docstring); InputError for empty (no text but
    white space), binary or undecodable data."""
    found = _decode(data, path)
    if not found.text.strip():
        raise InputError(path, "empty file (no text)", code="empty")
    return found


def _decode(data: bytes, path: Path) -> Decoded:
    if not data.strip():
        raise InputError(path, "empty file (no text)", code="empty")
    for bom, encoding in BOMS:
        if data.startswith(bom):
            if encoding == "utf-8":
                break
            return _decode_wide(data[len(bom) :], encoding, True, path)
    guess = None if data.startswith(codecs.BOM_UTF8) else _utf16_without_bom(data)
    if guess is not None:
        return _decode_wide(data, guess, False, path)
    if looks_binary(data):
        raise InputError(path, "binary file (NUL or control bytes), not plain text", code="binary")
    had_bom = data.startswith(codecs.BOM_UTF8)
    body = data[3:] if had_bom else data
    try:
        return Decoded(body.decode("utf-8"), "utf-8", had_bom)
    except UnicodeDecodeError as utf_error:
        first_bad = utf_error.start + (3 if had_bom else 0)
    _stray.found = []
    try:
        text = body.decode("utf-8", errors="afstudy-cp1252")
        stray = tuple((offset + (3 if had_bom else 0), chunk) for offset, chunk in _stray.found)
    except UnicodeDecodeError:
        text, stray = "", ()
    finally:
        _stray.found = []
    if stray:
        n_stray = sum(len(c) for _, c in stray)
        valid_non_ascii = len(text) - len(text.encode("ascii", "ignore")) - n_stray
        if valid_non_ascii >= n_stray:  # mostly UTF-8: only the stray bytes are cp1252
            return Decoded(text, "utf-8+cp1252", had_bom, stray)
    try:
        return Decoded(data.decode("cp1252"), "cp1252-fallback", False)
    except UnicodeDecodeError as exc:
        raise InputError(
            path,
            f"undecodable bytes: not UTF-8 (byte {first_bad}) and not cp1252 (byte 0x{data[exc.start]:02x} at {exc.start})",
            code="undecodable",
        ) from exc


def _decode_wide(data: bytes, encoding: str, had_bom: bool, path: Path) -> Decoded:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(path, f"binary or broken {encoding.upper()} data ({exc.reason} at byte {exc.start} after the byte-order mark, if any)", code="binary") from exc
    if not text.strip():
        raise InputError(path, "empty file (no text)", code="empty")
    if _text_looks_binary(text):
        raise InputError(path, f"binary file ({encoding.upper()} with NUL or control characters), not plain text", code="binary")
    return Decoded(text, encoding, had_bom)


def decode_bytes(data: bytes, path: Path) -> tuple[str, str, bool]:
    """Decode article bytes; return text, encoding, had_bom (see :func:`decode`)."""
    found = decode(data, path)
    return found.text, found.encoding, found.had_bom


# ---- files -------------------------------------------------------------------------------
def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISLNK, "symlink"), (stat.S_ISREG, "file"), (stat.S_ISDIR, "directory"), (stat.S_ISFIFO, "fifo"),
        (stat.S_ISSOCK, "socket"), (stat.S_ISBLK, "block_device"), (stat.S_ISCHR, "char_device"),
    ):
        if test(mode):
            return name
    return "other"


OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


def read_regular_file(path: Path, max_bytes: int | None = None) -> bytes:
    """The bytes of a regular file, opened without following a symbolic link (a FIFO or
    device never blocks the run). InputError with code ``not_a_regular_file``,
    ``too_long`` or ``unreadable``."""
    try:
        fd = os.open(path, OPEN_FLAGS)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InputError(path, "is a symbolic link (it changed while the corpus was read): not read", code="unreadable") from exc
        raise InputError(path, f"cannot read: {exc.strerror or exc}", code="unreadable") from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputError(path, f"is a {_kind(info.st_mode).replace('_', ' ')}, not a regular file", code="not_a_regular_file")
        if max_bytes is not None and info.st_size > max_bytes:
            raise InputError(path, f"{info.st_size:,} bytes: longer than the longest article read", code="too_long")
        parts, size = [], 0
        while True:
            block = os.read(fd, BLOCK)
            if not block:
                break
            parts.append(block)
            size += len(block)
            if max_bytes is not None and size > max_bytes:
                raise InputError(path, f"more than {max_bytes:,} bytes: longer than the longest article read", code="too_long")
        return b"".join(parts)
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror or exc}", code="unreadable") from exc
    finally:
        os.close(fd)


def _inside(root: str, target: str) -> bool:
    return os.path.commonpath([root, target]) == root


# ---- metadata ----------------------------------------------------------------------------
def _check_date(value: str, column: str, path: Path, line: int) -> str:
    if value and not is_iso_date(value):
        raise InputError(path, f"bad date in column '{column}': {value!r} (want YYYY-MM-DD, e.g. 2018-11-09)", line)
    return value


def _check_utf8(path: Path, fd: int) -> None:
    """Raise InputError naming the byte offset if the open file is not valid UTF-8 (read
    in blocks, so a large metadata file is never held whole)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    handle = os.fdopen(os.dup(fd), "rb")
    with handle:
        for block in chain(iter(lambda: handle.read(BLOCK), b""), [None]):
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(block or b"", final=block is None)
            except UnicodeDecodeError as exc:
                raise InputError(path, f"not valid UTF-8 ({exc.reason} at byte {offset - pending + exc.start})") from exc
            offset += len(block or b"")


def _one_of(column: str, value: str, allowed: Iterable[str], name: str) -> str:
    allowed = sorted(allowed)
    return f"bad {column} {value!r} for {name!r} (one of {', '.join(allowed)}){did_you_mean(value, allowed)}"


def _validate_metadata(values: dict[str, str], name: str, path: Path, line: int, sets: ValueSets) -> list[RunWarning]:
    """Check one row's values (InputError for the first bad one); return its warnings and
    fill in what is inferred (an empty event_date from the event's date)."""
    if "/" in name or "\\" in name or name in (".", "..") or any(unicodedata.category(c) == "Cc" for c in name):
        raise InputError(path, f"bad file {name!r}: a file name in the corpus folder, not a path", line)
    if not ARTICLE_ID.match(values["article_id"]):
        what = "empty article_id" if not values["article_id"] else f"bad article_id {values['article_id']!r}: letters, digits, '.', '_' and '-', starting with a letter or digit,"
        raise InputError(path, f"{what} for {name!r}", line)
    if not values["outlet"]:
        raise InputError(path, f"empty outlet for {name!r} (the outlet's display name)", line)
    if not SLUG.match(values["outlet_id"]):
        what = "empty outlet_id" if not values["outlet_id"] else f"bad outlet_id {values['outlet_id']!r}: lowercase letters, digits and _ only,"
        raise InputError(path, f"{what} for {name!r}", line)
    if values["outlet_type"] not in sets.outlet_types:
        raise InputError(path, _one_of("outlet_type", values["outlet_type"], sets.outlet_types, name), line)
    for column in ("published", "event_date"):
        _check_date(values[column], column, path, line)
    precision, published = values["date_precision"], values["published"]
    if precision not in sets.date_precisions:
        raise InputError(path, _one_of("date_precision", precision, sets.date_precisions, name), line)
    if bool(published) == (precision == "none"):
        raise InputError(path, f"published and date_precision disagree for {name!r} (precision none with a date, or a precision without one)", line)
    if precision == "month" and not published.endswith("-01"):
        raise InputError(path, f"published {published!r} with date_precision 'month' for {name!r}: write the first day of the month (YYYY-MM-01)", line)
    if precision == "year" and not published.endswith("-01-01"):
        raise InputError(path, f"published {published!r} with date_precision 'year' for {name!r}: write the first day of the year (YYYY-01-01)", line)
    event = values["event"]
    warnings = []
    if not event:
        if values["event_date"]:
            raise InputError(path, f"event_date {values['event_date']!r} without an event for {name!r}", line)
    elif event not in sets.events:
        raise InputError(path, _one_of("event", event, sets.events, name) + f"; add new events to a value sets file ({sets.path.name})", line)
    elif not values["event_date"]:
        values["event_date"] = sets.events[event].date
        warnings.append(RunWarning(name, "metadata", "event_date_inferred", f"{METADATA_NAME}:{line}: event_date empty: {sets.events[event].date} taken from event {event!r} ({sets.path.name})"))
    elif values["event_date"] != sets.events[event].date:
        warnings.append(RunWarning(name, "metadata", "event_date_mismatch", f"{METADATA_NAME}:{line}: event_date {values['event_date']} differs from {sets.events[event].date}, the date of event {event!r} ({sets.path.name})"))
    return warnings


def _index_db() -> sqlite3.Connection:
    """A private temporary SQLite database: kept in a small page cache, spilled to a
    temporary file beyond it, deleted when closed."""
    db = sqlite3.connect("", isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    return db


META_SQL_COLUMNS = ", ".join(METADATA_COLUMNS)


class WarningLog:
    """Warnings of a run, kept in a temporary SQLite table (memory does not grow with the
    corpus) and given back sorted (file, stage, code, message), without repeats."""

    def __init__(self, db: sqlite3.Connection | None = None) -> None:
        self._own = db is None
        self._db = db if db is not None else _index_db()
        self._db.execute("CREATE TABLE IF NOT EXISTS warnings (file TEXT, stage TEXT, code TEXT, message TEXT, PRIMARY KEY (file, stage, code, message)) WITHOUT ROWID")

    def add(self, warnings: Iterable[RunWarning]) -> None:
        """Record warnings."""
        self._db.executemany("INSERT OR IGNORE INTO warnings VALUES (?, ?, ?, ?)", ((w.file, w.stage, w.code, w.message) for w in warnings))

    def counts(self) -> Counter[str]:
        """Number of warnings per code."""
        return Counter(dict(self._db.execute("SELECT code, COUNT(*) FROM warnings GROUP BY code").fetchall()))

    def __iter__(self) -> Iterator[RunWarning]:
        for row in self._db.execute("SELECT file, stage, code, message FROM warnings ORDER BY file, stage, code, message"):
            yield RunWarning(*row)

    def close(self) -> None:
        """Delete the table (when the log has its own database)."""
        if self._own:
            self._db.close()


def index_metadata(path: Path, db: sqlite3.Connection, value_sets: ValueSets | None = None, warnings: WarningLog | None = None, *, is_entry: object = None) -> list[Reject]:
    """Read and validate ``metadata.csv`` row by row into table ``meta`` of ``db``.

    A missing column or an unreadable file raises InputError; a row with a bad value is
    returned as a Reject (so the other articles still run). ``is_entry(name)`` says
    whether a file name is an entry of the folder (for the accounting).
    """
    sets = value_sets or load_value_sets()
    log = warnings if warnings is not None else WarningLog(db)
    entry_of = is_entry if callable(is_entry) else (lambda name: True)
    if not os.path.lexists(path):
        raise InputError(path, "metadata file not found: every corpus folder needs metadata.csv")
    try:
        fd = os.open(path, OPEN_FLAGS)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InputError(path, "is a symbolic link: the metadata is read from the corpus folder itself") from exc
        raise InputError(path, f"cannot read: {exc.strerror or exc}") from exc
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise InputError(path, f"is a {_kind(os.fstat(fd).st_mode).replace('_', ' ')}, not a regular file")
        _check_utf8(path, fd)
        os.lseek(fd, 0, os.SEEK_SET)
        handle = open(os.dup(fd), encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror or exc}") from exc
    finally:
        os.close(fd)
    db.execute(f"CREATE TABLE meta ({META_SQL_COLUMNS}, line INTEGER, PRIMARY KEY (file)) WITHOUT ROWID")
    db.execute("CREATE INDEX meta_article_id ON meta (article_id)")
    rejects: list[Reject] = []
    first_reject: dict[str, int] = {}
    limit = csv.field_size_limit()
    csv.field_size_limit(METADATA_FIELD_LIMIT)
    try:
        with handle:
            reader = csv.reader(handle)
            try:
                header = [normalise_text(h).strip() for h in next(reader, [])]
            except csv.Error as exc:
                raise InputError(path, f"unreadable header row: {exc}", 1) from exc
            missing = [c for c in METADATA_COLUMNS if c not in header]
            if missing:
                raise InputError(path, f"missing column(s): {', '.join(missing)}", 1)
            columns = {name: i for i, name in enumerate(header)}  # a repeated column: the last one counts
            for name, count in sorted(Counter(header).items()):
                if count > 1:
                    log.add([RunWarning(METADATA_NAME, "metadata", "repeated_column", f"{METADATA_NAME}:1: column {name!r} appears {count} times; the last one counts")])
            extra = sorted({h for h in header if h not in METADATA_COLUMNS})
            if extra:
                log.add([RunWarning(METADATA_NAME, "metadata", "unknown_column", f"{METADATA_NAME}:1: column{'s' if len(extra) > 1 else ''} {', '.join(map(repr, extra))} not in the metadata schema (not read)")])
            insert = f"INSERT INTO meta VALUES ({', '.join('?' * (len(METADATA_COLUMNS) + 1))})"
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:
                    where = f"{METADATA_NAME}:{reader.line_num}"
                    rejects.append(Reject(where, "metadata", "bad_metadata", f"{METADATA_NAME}:{reader.line_num}: unreadable row ({exc}; a cell may hold at most {METADATA_FIELD_LIMIT:,} characters)", entry=False))
                    continue
                if not row or row == [""]:
                    continue
                line = reader.line_num
                values = {c: normalise_text(row[columns[c]]).strip() if columns[c] < len(row) else "" for c in METADATA_COLUMNS}
                name = values["file"]
                try:
                    if not name:
                        raise InputError(path, "empty 'file' value", line)
                    if len(row) != len(header):
                        raise InputError(path, f"the row has {len(row)} cells, the header {len(header)} (an unquoted comma or quote?)", line)
                    found = db.execute("SELECT line FROM meta WHERE file = ?", (name,)).fetchone()
                    if found:
                        raise InputError(path, f"second row for file {name!r} (first at line {found[0]})", line)
                    row_warnings = _validate_metadata(values, name, path, line, sets)
                    used = db.execute("SELECT file, line FROM meta WHERE article_id = ?", (values["article_id"],)).fetchone()
                    if used:
                        raise InputError(path, f"article_id {values['article_id']!r} of {name!r} is already used by {used[0]!r} (line {used[1]})", line)
                except InputError as err:
                    file = name or f"{METADATA_NAME}:{line}"
                    if name and name in first_reject:  # one reject per file: later rows add to its message
                        i = first_reject[name]
                        rejects[i] = replace(rejects[i], message=f"{rejects[i].message}; also line {line}: {err.problem}")
                        continue
                    if name:
                        first_reject[name] = len(rejects)
                    rejects.append(Reject(file, "metadata", "bad_metadata", err.located(METADATA_NAME), entry=bool(name) and bool(entry_of(name))))
                    continue
                log.add(row_warnings)
                db.execute(insert, [values[c] for c in METADATA_COLUMNS] + [line])
    finally:
        csv.field_size_limit(limit)
    return rejects


def _metadata(row: tuple[str, ...]) -> Metadata:
    """A row of the ``meta`` table; columns with few distinct values share one string
    object each (memory with many Metadata objects alive)."""
    return Metadata(*(sys.intern(v) if c in SHARED_COLUMNS else v for c, v in zip(METADATA_COLUMNS, row, strict=True)))


def is_text_file_name(name: str) -> bool:
    """Whether a directory entry's name is a corpus file's: ``*.txt``, not hidden."""
    return name.endswith(TEXT_SUFFIX) and not name.startswith(".")


def escape_controls(text: str) -> str:
    """``text`` with control characters written as ``\\xNN`` (a lone carriage return
    would end a CSV row: Python's csv module does not quote it), and bytes of a file name
    that are not UTF-8 (surrogate escapes) written the same way."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        try:
            text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        except UnicodeEncodeError:
            text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return CONTROL_ESCAPE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


CONTROL_ESCAPE = re.compile("[\x00-\x1f\x7f-\x9f]")


def display_name(name: str) -> tuple[str, bool]:
    """The name of an entry in the outputs (NFC, as metadata.csv writes it) and whether
    it is odd: not valid UTF-8 on disk, or with control characters; its bytes are then
    escaped (``\\xNN``) and no metadata row can name it."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return escape_controls(name), True
    if CONTROL_ESCAPE.search(name):
        return escape_controls(unicodedata.normalize("NFC", name)), True
    return unicodedata.normalize("NFC", name), False


class CorpusPlan:
    """What a corpus folder holds before any article is read.

    Every directory entry is classified once (:meth:`_classify`): a candidate ``*.txt``
    file (read later), or ignored by a rule of :data:`IGNORE_RULES`. Candidates are
    matched with the rows of ``metadata.csv`` by their NFC name. Entry names, metadata
    rows and ignored entries are kept in a temporary SQLite database, not in memory, so a
    plan of a million files costs no more memory than one of a thousand. Close it (or use
    it as a context manager) when done.
    """

    def __init__(self, root: Path, value_sets: ValueSets | None = None, max_chars: int = MAX_ARTICLE_CHARS) -> None:
        self.root = root
        self.max_chars = max_chars
        self._db = _index_db()
        self.warnings = WarningLog(self._db)
        self.entry_rejects: list[Reject] = []  # entries rejected before reading
        try:
            self._scan()
            self.metadata_rejects = index_metadata(root / METADATA_NAME, self._db, value_sets, self.warnings, is_entry=self._is_entry)
            self._match()
        except BaseException:
            self._db.close()
            raise

    # -- scanning
    def _scan(self) -> None:
        db = self._db
        db.execute("CREATE TABLE disk (name BLOB PRIMARY KEY, odd_form INTEGER) WITHOUT ROWID")
        db.execute("CREATE TABLE names (name TEXT PRIMARY KEY, odd INTEGER, path BLOB) WITHOUT ROWID")
        db.execute("CREATE TABLE ignored (name TEXT, kind TEXT, rule TEXT, message TEXT, named INTEGER DEFAULT 0)")
        db.execute("CREATE INDEX ignored_name ON ignored (name)")
        try:
            with os.scandir(self.root) as entries:
                db.executemany("INSERT INTO disk VALUES (?, ?)", ((os.fsencode(e.name), display_name(e.name)[0] != e.name) for e in entries))
        except OSError as exc:
            raise InputError(self.root, f"cannot list the corpus folder: {exc.strerror or exc}") from exc
        self.n_entries: int = db.execute("SELECT COUNT(*) FROM disk").fetchone()[0]
        root = str(self.root)
        # names already in NFC first, so that of two names equal after NFC the one a metadata
        # row can name exactly is the one read; then byte order (deterministic)
        for (raw,) in db.cursor().execute("SELECT name FROM disk ORDER BY odd_form, name"):
            self._classify(root, os.fsdecode(raw))

    def _ignore(self, display: str, kind: str, rule: str, detail: str = "") -> None:
        message = escape_controls(detail or IGNORE_RULES[rule])  # no folder path: the table is the same wherever the corpus is
        self._db.execute("INSERT INTO ignored (name, kind, rule, message) VALUES (?, ?, ?, ?)", (display, kind, rule, message))

    def _classify(self, root: str, name: str) -> None:
        display, odd = display_name(name)
        full = os.path.join(root, name)
        try:
            info = os.lstat(full)
            kind = _kind(info.st_mode)
        except OSError:
            kind, info = "other", None
        if display == METADATA_NAME and not odd:
            return self._ignore(display, kind, "metadata_file")
        if display.startswith("."):
            return self._ignore(display, kind, "hidden")
        target, target_kind = full, kind
        if kind == "symlink":
            target = os.path.realpath(full)
            if not _inside(root, target):
                return self._ignore(display, kind, "outside_corpus", f"symbolic link to {target}, outside the corpus folder: never read")
            try:
                target_kind = _kind(os.stat(full).st_mode)
            except OSError:
                return self._ignore(display, kind, "dangling_symlink")
        if info is not None and target_kind != "file":
            detail = f"{'a symbolic link to ' if kind == 'symlink' else ''}a {target_kind.replace('_', ' ')}, not a regular file"
            return self._ignore(display, kind, "not_a_regular_file", detail)
        if not display.endswith(TEXT_SUFFIX):
            return self._ignore(display, kind, "ignored_extension")
        if self._db.execute("SELECT 1 FROM names WHERE name = ?", (display,)).fetchone():
            first = self._db.execute("SELECT path FROM names WHERE name = ?", (display,)).fetchone()[0]
            shown = display if odd else name  # the name on disk, unless it must be escaped
            self.entry_rejects.append(Reject(shown, "read", "duplicate_name", f"{self.root / shown}: the same name as {escape_controls(os.fsdecode(first))} after Unicode normalisation (NFC) or escaping: not read"))
            return None
        self._db.execute("INSERT INTO names VALUES (?, ?, ?)", (display, int(odd), os.fsencode(target)))
        if not odd and display != name:
            self.warnings.add([RunWarning(display, "read", "name_normalised", f"the name on disk {ascii(name)} is not in Unicode NFC; matched as {display!r}")])
        return None

    def _is_entry(self, name: str) -> bool:
        return bool(self._db.execute("SELECT 1 FROM names WHERE name = ? AND odd = 0", (name,)).fetchone() or self._db.execute("SELECT 1 FROM ignored WHERE name = ?", (name,)).fetchone())

    # -- matching
    def _named_ignored(self, name: str, line: int | None) -> Reject | None:
        """An ignored entry named by a metadata row becomes a reject with its rule."""
        found = self._db.execute("SELECT rowid, rule, message FROM ignored WHERE name = ? AND named = 0 ORDER BY rowid LIMIT 1", (name,)).fetchone()
        if found is None:
            return None
        rowid, rule, message = found
        self._db.execute("UPDATE ignored SET named = 1 WHERE rowid = ?", (rowid,))
        where = f" (named by {METADATA_NAME}:{line})" if line else ""
        return Reject(name, "read", rule, f"{self.root / name}: {message}{where}")

    def _match(self) -> None:
        self._rejected_names = {r.file for r in self.metadata_rejects}
        for name in sorted(self._rejected_names):
            self._db.execute("UPDATE ignored SET named = 1 WHERE name = ?", (name,))
        self.missing: list[Reject] = []
        for name, line in self._db.execute("SELECT file, line FROM meta WHERE file NOT IN (SELECT name FROM names WHERE odd = 0) ORDER BY file").fetchall():
            if name in self._rejected_names:  # another row for it was rejected: that reject stands for it
                continue
            named = self._named_ignored(name, line)
            self.missing.append(named or Reject(name, "read", "missing_file", f"{self.root / METADATA_NAME}:{line}: row for {name!r} but no such file", entry=False))
        self.n_files: int = self._db.execute("SELECT COUNT(*) FROM names").fetchone()[0]
        self.n_planned = self.n_files - sum(1 for name in self._rejected_names if self._db.execute("SELECT 1 FROM names WHERE name = ? AND odd = 0", (name,)).fetchone())
        self.n_ignored: int = self._db.execute("SELECT COUNT(*) FROM ignored WHERE named = 0").fetchone()[0]

    # -- reading
    def listed(self, name: str) -> bool:
        """Whether ``name`` is one of the folder's corpus files."""
        return self._db.execute("SELECT 1 FROM names WHERE name = ?", (name,)).fetchone() is not None

    def ignored(self) -> Iterator[Ignored]:
        """The ignored entries (not named by a metadata row), sorted."""
        for row in self._db.execute("SELECT name, kind, rule, message FROM ignored WHERE named = 0 ORDER BY name, kind, rule, message"):
            yield Ignored(*row)

    def _no_metadata(self, name: str) -> Reject:
        return Reject(name, "read", "no_metadata", f"{self.root / name}: no row in {METADATA_NAME}")

    def planned(self) -> Iterator[tuple[str, Path, Metadata | Reject]]:
        """The corpus files in name order: (name, path to read, its metadata row or a
        no_metadata reject); files whose row was rejected are left out (their reject is
        in ``metadata_rejects``)."""
        query = f"SELECT n.name, n.odd, n.path, {', '.join('m.' + c for c in METADATA_COLUMNS)} FROM names n LEFT JOIN meta m ON m.file = n.name AND n.odd = 0 ORDER BY n.name"
        for name, odd, path, *row in self._db.execute(query):
            if not odd and name in self._rejected_names:
                continue
            yield name, Path(os.fsdecode(path)), (self._no_metadata(name) if row[0] is None else _metadata(tuple(row)))

    def files(self) -> Iterator[tuple[str, Metadata | Reject]]:
        """Like :meth:`planned`, without the paths."""
        for name, _, meta in self.planned():
            yield name, meta

    def outlets(self) -> dict[str, str]:
        """outlet_id -> outlet name of the accepted metadata rows (the first name, by file,
        when rows disagree): what the extraction adds as media actors when the gazetteer
        lacks them."""
        found: dict[str, str] = {}
        for outlet_id, outlet in self._db.execute("SELECT outlet_id, outlet FROM meta ORDER BY file"):
            found.setdefault(outlet_id, outlet)
        return found

    def to_read(self) -> list[tuple[Path, Metadata]]:
        """The files that have a metadata row, as (path, metadata) (a list: small corpora)."""
        return [(path, meta) for _, path, meta in self.planned() if isinstance(meta, Metadata)]

    def before_reading(self) -> list[Reject]:
        """The rejects known before any file is read (metadata rows, name collisions)."""
        return [*self.metadata_rejects, *self.entry_rejects]

    def accounting(self, processed: int, rejects: Iterable[Reject]) -> Accounting:
        """The accounting of a run over this plan (the same for every command)."""
        rejects = list(rejects)
        return Accounting(
            entries=self.n_entries,
            processed=processed,
            # one entry per file name, except name collisions (each its own entry)
            rejected=len({r.file for r in rejects if r.entry and r.reason != "duplicate_name"}) + sum(1 for r in rejects if r.reason == "duplicate_name"),
            ignored=self.n_ignored,
            rows_without_file=sum(1 for r in rejects if not r.entry),
            warnings=self.warnings.counts(),
        )

    def close(self) -> None:
        """Delete the temporary index."""
        self._db.close()

    def __enter__(self) -> CorpusPlan:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def plan_corpus(folder: str | Path, *, value_sets: ValueSets | None = None, max_chars: int = MAX_ARTICLE_CHARS) -> CorpusPlan:
    """Classify the entries of a corpus folder and match its ``*.txt`` files with the rows
    of its ``metadata.csv``."""
    given = Path(folder)
    if not given.exists():
        raise InputError(given, "corpus folder not found")
    if not given.is_dir():
        raise InputError(given, "is a file, not a folder (the corpus folder holds *.txt files and metadata.csv)")
    return CorpusPlan(Path(os.path.realpath(given)), value_sets, max_chars)


# ---- duplicates --------------------------------------------------------------------------
def duplicate_key(text: str) -> str:
    """SHA-256 of a text up to trailing whitespace on its lines and trailing blank lines."""
    canonical = "\n".join(line.rstrip() for line in text.split("\n")).rstrip()
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def fingerprint(text: str) -> tuple[int, ...]:
    """Hashes of the distinct content lines of a text (lines of at least NEAR_MIN_WORDS
    words, compared case- and space-insensitively), sorted."""
    found = set()
    for line in text.split("\n"):
        parts = line.split()
        if len(parts) >= NEAR_MIN_WORDS:
            found.add(int.from_bytes(hashlib.blake2b(" ".join(parts).casefold().encode("utf-8"), digest_size=8).digest(), "big") >> 1)
    return tuple(sorted(found))


class SeenTexts:
    """The texts seen so far, for duplicate detection in file order: the first file of
    every text (exact duplicates, up to trailing whitespace and blank lines) and the
    content lines of every file (near duplicates), in a temporary SQLite database, so
    memory does not grow with the corpus."""

    def __init__(self) -> None:
        self._db = _index_db()
        self._db.execute("CREATE TABLE seen (digest BLOB PRIMARY KEY, file TEXT) WITHOUT ROWID")
        self._db.execute("CREATE TABLE files (id INTEGER PRIMARY KEY, name TEXT)")
        self._db.execute("CREATE TABLE lines (h INTEGER, f INTEGER, PRIMARY KEY (h, f)) WITHOUT ROWID")
        self._db.execute("CREATE TABLE common (h INTEGER PRIMARY KEY, n INTEGER)")
        self._db.execute("CREATE TEMP TABLE cur (h INTEGER PRIMARY KEY)")

    def check(self, file: str, path: Path, digest: str, lines: tuple[int, ...] = ()) -> Reject | RunWarning | None:
        """A duplicate_text reject when an earlier file had this text, a near_duplicate
        warning when most of its content lines are one earlier file's; else None. The
        text is remembered."""
        key = bytes.fromhex(digest)
        if not self._db.execute("INSERT OR IGNORE INTO seen VALUES (?, ?)", (key, file)).rowcount:
            (first,) = self._db.execute("SELECT file FROM seen WHERE digest = ?", (key,)).fetchone()
            if first != file:
                return Reject(file, "read", "duplicate_text", f"{file}: same text as {first}")
            return None
        warning = self._near(file, path, lines) if len(lines) >= NEAR_MIN_LINES else None
        self._remember(file, lines)
        return warning

    def _near(self, file: str, path: Path, lines: tuple[int, ...]) -> RunWarning | None:
        db = self._db
        db.execute("DELETE FROM cur")
        db.executemany("INSERT OR IGNORE INTO cur VALUES (?)", ((h,) for h in lines))
        db.execute("DELETE FROM cur WHERE h IN (SELECT h FROM common WHERE n >= ?)", (NEAR_COMMON,))
        (n,) = db.execute("SELECT COUNT(*) FROM cur").fetchone()
        if n < NEAR_MIN_LINES:
            return None
        best = db.execute("SELECT f.name, COUNT(*) AS k FROM cur c JOIN lines l ON l.h = c.h JOIN files f ON f.id = l.f GROUP BY l.f ORDER BY k DESC, f.name LIMIT 1").fetchone()
        if best is None or best[1] < NEAR_SHARE * n:
            return None
        first, shared = best
        return RunWarning(file, "read", "near_duplicate", f"{shared} of its {n} content lines ({shared / n:.0%}) are also in {first}")

    def _remember(self, file: str, lines: tuple[int, ...]) -> None:
        db = self._db
        if not lines:
            return
        file_id = db.execute("INSERT INTO files (name) VALUES (?)", (file,)).lastrowid
        db.executemany("INSERT INTO common VALUES (?, 1) ON CONFLICT (h) DO UPDATE SET n = n + 1", ((h,) for h in lines))
        db.executemany("INSERT OR IGNORE INTO lines SELECT ?, ? WHERE (SELECT n FROM common WHERE h = ?) <= ?", ((h, file_id, h, NEAR_COMMON) for h in lines))

    def repeat_reject(self, path: Path, sha256: str) -> Reject | None:
        """A duplicate_text reject when an earlier file had this text; else remember it."""
        found = self.check(path.name, path, sha256)
        return found if isinstance(found, Reject) else None

    def close(self) -> None:
        """Delete the temporary index."""
        self._db.close()


# ---- iteration ---------------------------------------------------------------------------
def iter_corpus(folder: str | Path | CorpusPlan) -> Iterator[RawArticle | Reject]:
    """Read a corpus folder (or one already planned) lazily: one decoded article or one
    reject at a time.

    Order: the rejects known before reading (metadata rows, name collisions), then the
    files in name order, then the metadata rows with no file (or naming an ignored
    entry). Warnings (reading, near duplicates) go to the plan's warning log.
    """
    plan = folder if isinstance(folder, CorpusPlan) else plan_corpus(folder)
    seen = SeenTexts()
    try:
        yield from plan.before_reading()
        for name, path, meta in plan.planned():
            if isinstance(meta, Reject):
                yield meta
                continue
            item = read_article(path, meta, max_chars=plan.max_chars)
            if isinstance(item, RawArticle):
                plan.warnings.add(item.warnings)
                found = seen.check(meta.file, item.path, item.dup_digest, item.fingerprint)
                if isinstance(found, RunWarning):
                    plan.warnings.add([found])
                elif isinstance(found, Reject):
                    item = found  # type: ignore[assignment]
            yield item
        yield from plan.missing
    finally:
        seen.close()
        if plan is not folder:
            plan.close()


def read_corpus(folder: str | Path, *, value_sets: ValueSets | None = None) -> Corpus:
    """Read every ``*.txt`` in ``folder`` against its ``metadata.csv`` (see iter_corpus)."""
    corpus = Corpus(folder=Path(folder))
    with plan_corpus(folder, value_sets=value_sets) as plan:
        for item in iter_corpus(plan):
            (corpus.rejects if isinstance(item, Reject) else corpus.articles).append(item)  # type: ignore[arg-type]
        corpus.warnings = list(plan.warnings)
        corpus.ignored = list(plan.ignored())
        corpus.accounting = plan.accounting(len(corpus.articles), corpus.rejects)
    return corpus


def read_article(path: Path, meta: Metadata, *, max_chars: int = MAX_ARTICLE_CHARS) -> RawArticle | Reject:
    """Read, decode and normalise one article file (unreadable, too long, empty, binary or
    undecodable files become Rejects)."""
    try:
        data = read_regular_file(path, 4 * max_chars + 4)
        found = decode(data, path)
        if len(found.text) > max_chars:
            raise InputError(path, f"{len(found.text):,} characters: over the limit of {max_chars:,} (--max-chars)", code="too_long")
    except InputError as err:
        return Reject(meta.file, "read", err.code, err.located(meta.file))
    text = normalise_text(found.text)
    warning = found.warning(meta.file, data)
    return RawArticle(
        meta, path, text, found.encoding, found.had_bom, hashlib.sha256(text.encode("utf-8")).hexdigest(),
        warnings=(warning,) if warning else (), dup_digest=duplicate_key(text), fingerprint=fingerprint(text),
    )


def reject_rows(rejects: Iterable[Reject]) -> list[dict[str, str]]:
    """Rejects as table rows (control characters escaped: one line per row)."""
    e = escape_controls
    return [{"file": e(r.file), "stage": r.stage, "reason": r.reason, "message": e(r.message)} for r in rejects]


def warning_rows(warnings: Iterable[RunWarning]) -> list[dict[str, str]]:
    """Warnings as table rows (control characters escaped: one line per row)."""
    e = escape_controls
    return [{"file": e(w.file), "stage": w.stage, "code": w.code, "message": e(w.message)} for w in warnings]


def ignored_rows(ignored: Iterable[Ignored]) -> list[dict[str, str]]:
    """Ignored entries as table rows (control characters escaped: one line per row)."""
    e = escape_controls
    return [{"entry": e(i.entry), "kind": i.kind, "rule": i.rule, "message": e(i.message)} for i in ignored]
