"""Atomic, deterministic file writing and line-aware YAML loading.

Writing: every output goes to a hidden temporary file beside its target,
``.<name>.<pid>.tmp<suffix>``, renamed onto the target only when complete. A failed
write (full disk, read-only or unwritable folder, a folder where a file should be)
removes the temporary file and raises :class:`~afstudy.errors.OutputError` naming the
target; temporary files left by a killed earlier run (their process no longer exists)
are removed by :func:`remove_stale_temp_files` when the next run starts.

Reading YAML: :func:`load_yaml_document` is a SafeLoader that rejects duplicate keys,
anchors, aliases and merge keys, keeps dates as strings (``2018-09-04`` stays the text
``"2018-09-04"``; the schemas check its format), takes every mapping key as a string, and
records the line of every mapping key and sequence item, so that every error can name
the file, the line and the key path (``data/actors.yaml:214: actors[12].affiliation: …``).
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import yaml

from afstudy.errors import ConfigError, InputError, OutputError

if TYPE_CHECKING:  # pandas loads slowly; a no-op build must not pay for it
    import pandas as pd

FLOAT_FORMAT = "%.6f"
TEMP_NAME = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)(?:-\d+)?\.tmp(?:\.[A-Za-z0-9]+)?$")


# ---- writing -----------------------------------------------------------------------------
def temp_path(target: Path, n: int = 0) -> Path:
    """The hidden temporary file beside ``target`` that this process writes it through."""
    suffix = "-" + str(n) if n else ""
    return target.with_name(f".{target.name}.{os.getpid()}{suffix}.tmp{target.suffix}")


def describe(exc: OSError) -> str:
    """The problem of an OSError in a few words (``No space left on device``)."""
    if isinstance(exc, IsADirectoryError):
        return "is a folder, not a file"
    if isinstance(exc, NotADirectoryError):
        return "a part of the path is a file, not a folder"
    return exc.strerror or str(exc) or exc.__class__.__name__


def ensure_folder(folder: str | Path) -> Path:
    """Create ``folder`` (and its parents) for writing; OutputError when it is a file, or
    cannot be created or written."""
    out = Path(folder)
    if out.exists() and not out.is_dir():
        raise OutputError(out, "exists and is not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(out, f"cannot create the folder: {describe(exc)}") from exc
    if not os.access(out, os.W_OK | os.X_OK):
        raise OutputError(out, "the folder is not writable")
    return out


def create_temp(target: Path) -> tuple[Path, IO[bytes]]:
    """Create and open (binary, exclusive) a new temporary file for ``target``."""
    for n in range(100):
        tmp = temp_path(target, n)
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0), 0o600)
        except FileExistsError:
            continue
        return tmp, os.fdopen(fd, "wb")
    raise OutputError(target, "too many temporary files of this process beside it")


def commit_temp(tmp: Path, target: Path) -> None:
    """Rename a finished temporary file onto ``target`` (mode 0644)."""
    if target.is_dir():
        raise OutputError(target, "is a folder, not a file")
    os.chmod(tmp, 0o644)
    os.replace(tmp, target)


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` only on success.

    Any failure removes the temporary file; an OSError (while the block writes, or while
    renaming) becomes an OutputError naming ``path``.
    """
    target = Path(path)
    tmp: Path | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temp_files(target.parent, name=target.name)  # a killed earlier write of this file
        tmp, handle = create_temp(target)
        handle.close()
        yield tmp
        commit_temp(tmp, target)
    except OSError as exc:
        raise OutputError(target, f"cannot write: {describe(exc)}") from exc
    finally:
        if tmp is not None:
            try:
                tmp.unlink(missing_ok=True)
            except OSError:
                pass


@contextmanager
def atomic_open(path: str | Path, mode: str = "w", **kwargs: Any) -> Iterator[IO[Any]]:
    """Open a temporary file for writing; it replaces ``path`` when the block succeeds."""
    if "b" not in mode:
        kwargs.setdefault("encoding", "utf-8")
        kwargs.setdefault("newline", "")
    with atomic_path(path) as tmp, open(tmp, mode, **kwargs) as handle:
        yield handle


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write a small UTF-8 text file atomically."""
    with atomic_open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
    return Path(path)


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a table as UTF-8 CSV with ``\\n`` line ends and fixed float format, atomically."""
    with atomic_open(path) as handle:
        frame.to_csv(handle, index=False, lineterminator="\n", float_format=FLOAT_FORMAT)
    return Path(path)


class StagedOutputs:
    """The tables of one run, each written to a temporary file in ``folder`` and renamed
    into place together by :meth:`commit` (all or none: a failure before the commit
    leaves the earlier outputs as they were, and no temporary file). Opening it removes
    the stale temporary files of a killed earlier run (:func:`remove_stale_temp_files`)."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = ensure_folder(folder)
        self.removed_temp_files = remove_stale_temp_files(self.folder)
        self._staged: dict[Path, tuple[Path, IO[bytes]]] = {}

    def open(self, name: str) -> IO[bytes]:
        """A new binary handle whose file becomes ``folder/name`` on commit."""
        target = self.folder / name
        if target.is_dir():
            raise OutputError(target, "is a folder, not a file")
        try:
            tmp, handle = create_temp(target)
        except OSError as exc:
            raise OutputError(target, f"cannot write: {describe(exc)}") from exc
        self._staged[target] = (tmp, handle)
        return handle

    def write(self, name: str, handle: IO[bytes], data: bytes) -> None:
        """Append bytes to a staged file (an OSError becomes an OutputError naming it)."""
        try:
            handle.write(data)
        except OSError as exc:
            raise OutputError(self.folder / name, f"cannot write: {describe(exc)}") from exc

    def write_frame(self, name: str, frame: pd.DataFrame) -> Path:
        """Stage a whole table (formatted like :func:`write_csv`)."""
        handle = self.open(name)
        try:
            text = io.TextIOWrapper(handle, encoding="utf-8", newline="")
            frame.to_csv(text, index=False, lineterminator="\n", float_format=FLOAT_FORMAT)
            text.flush()
            text.detach()
            handle.close()
        except OSError as exc:
            raise OutputError(self.folder / name, f"cannot write: {describe(exc)}") from exc
        return self.folder / name

    def commit(self, remove: Iterable[Path] = ()) -> list[Path]:
        """Close every staged file, rename each onto its target, then delete ``remove``
        (stale tables of an earlier run); return the targets."""
        for target, (_, handle) in self._staged.items():
            try:
                handle.close()
            except OSError as exc:
                raise OutputError(target, f"cannot write: {describe(exc)}") from exc
        done = []
        for target, (tmp, _) in self._staged.items():
            try:
                commit_temp(tmp, target)
            except OSError as exc:
                raise OutputError(target, f"cannot write: {describe(exc)}") from exc
            done.append(target)
        self._staged.clear()
        for path in remove:
            try:
                path.unlink(missing_ok=True)
            except OSError as exc:
                raise OutputError(path, f"cannot remove an earlier run's table: {describe(exc)}") from exc
        return done

    def discard(self) -> None:
        """Delete every staged temporary file."""
        for tmp, handle in self._staged.values():
            try:
                handle.close()
            except OSError:
                pass
            try:
                tmp.unlink(missing_ok=True)
            except OSError:
                pass
        self._staged.clear()

    def __enter__(self) -> StagedOutputs:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # this run has not written yet: a file with its pid is an earlier run's
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: a process of another user
        return True
    return True


def remove_stale_temp_files(folder: str | Path, name: str | None = None) -> list[str]:
    """Remove the hidden temporary files (``.<name>.<pid>.tmp…``) that a killed earlier run
    left in ``folder`` (only those of target ``name``, when given), when their process no
    longer runs; return their names."""
    removed = []
    try:
        entries = sorted(os.listdir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = TEMP_NAME.match(entry)
        if match and (name is None or match["name"] == name) and not _alive(int(match["pid"])):
            try:
                (Path(folder) / entry).unlink()
            except IsADirectoryError:
                continue
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise OutputError(Path(folder) / entry, f"cannot remove a stale temporary file: {describe(exc)}") from exc
            removed.append(entry)
    return removed


# ---- reading tables ----------------------------------------------------------------------
def read_csv(path: str | Path, **kwargs: Any) -> pd.DataFrame:
    """Read a CSV the way afstudy writes it: strings stay strings, empty cells stay empty."""
    import pandas as pd

    kwargs.setdefault("keep_default_na", False)
    kwargs.setdefault("dtype", str)
    return pd.read_csv(path, **kwargs)


def read_table(path: str | Path, columns: list[str] | tuple[str, ...] = (), *, what: str = "table") -> pd.DataFrame:
    """Read an afstudy CSV table that a command needs; InputError (naming the file) when
    it is missing, not a file, unreadable, not CSV, or lacks one of ``columns``."""
    p = Path(path)
    if not p.exists():
        raise InputError(p, f"{what} not found")
    if p.is_dir():
        raise InputError(p, "is a folder, not a file")
    try:
        frame = read_csv(p)
    except OSError as exc:
        raise InputError(p, f"cannot read: {describe(exc)}") from exc
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(p, f"not a readable CSV table ({str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__})") from exc
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(p, f"missing column(s): {', '.join(missing)}", 1)
    return frame


# ---- YAML --------------------------------------------------------------------------------
KeyPath = tuple[str | int, ...]
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")


def format_key_path(keys: KeyPath) -> str:
    """``("actors", 12, "affiliation")`` -> ``actors[12].affiliation``; odd keys quoted
    (``side_words['u.s.']``)."""
    out = ""
    for key in keys:
        if isinstance(key, int):
            out += f"[{key}]"
        elif _IDENTIFIER.match(key):
            out += f".{key}" if out else key
        else:
            out += f"[{key!r}]"
    return out


@dataclass
class YamlDocument:
    """A loaded YAML file: plain Python data plus the line of every key and item."""

    path: Path
    data: Any
    lines: dict[KeyPath, int] = field(default_factory=dict)

    def line(self, keys: KeyPath = ()) -> int | None:
        """The line of ``keys`` (or of its nearest recorded parent)."""
        keys = tuple(keys)
        while keys not in self.lines and keys:
            keys = keys[:-1]
        return self.lines.get(keys)

    def error(self, keys: KeyPath, problem: str) -> ConfigError:
        """A ConfigError naming this file, the line of ``keys`` and the key path."""
        return ConfigError(self.path, problem, self.line(keys), key=format_key_path(tuple(keys)))

    def get(self, keys: KeyPath) -> Any:
        """The value at ``keys``."""
        value = self.data
        for key in keys:
            value = value[key]
        return value


TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


class _Refused(yaml.MarkedYAMLError):
    """Valid YAML that afstudy's data files do not use."""


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader without implicit timestamps, refusing anchors and aliases."""

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _Refused(problem="anchors and aliases (&name, *name) are not allowed in afstudy's data files", problem_mark=event.start_mark)
        return super().compose_node(parent, index)


_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != TIMESTAMP_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _yaml_error(path: Path, exc: yaml.YAMLError) -> ConfigError:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        kind = "" if isinstance(exc, _Refused) else "YAML syntax error: "
        return ConfigError(path, f"{kind}{exc.problem or exc.context}", line=line)
    return ConfigError(path, f"YAML error: {exc}")


def _build(loader: _StrictLoader, node: yaml.Node, keys: KeyPath, doc: YamlDocument) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_object(node)
    if isinstance(node, yaml.SequenceNode):
        items = []
        for i, child in enumerate(node.value):
            doc.lines[keys + (i,)] = child.start_mark.line + 1
            items.append(_build(loader, child, keys + (i,), doc))
        return items
    if isinstance(node, yaml.MappingNode):
        mapping: dict[str, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise ConfigError(doc.path, "merge keys (<<) are not allowed in afstudy's data files", line, key=format_key_path(keys))
            if not isinstance(key_node, yaml.ScalarNode):
                raise ConfigError(doc.path, "a mapping key must be a plain string", line, key=format_key_path(keys))
            key = str(key_node.value)  # keys are strings: `on:` or `1:` stay "on" and "1"
            if key in mapping:
                raise ConfigError(doc.path, f"duplicate key {key!r} (first at line {doc.lines[keys + (key,)]})", line, key=format_key_path(keys + (key,)))
            doc.lines[keys + (key,)] = line
            mapping[key] = _build(loader, value_node, keys + (key,), doc)
        return mapping
    raise ConfigError(doc.path, f"unsupported YAML node {node.tag}", node.start_mark.line + 1, key=format_key_path(keys))


def parse_yaml_document(text: str, path: str | Path) -> YamlDocument:
    """Parse YAML text (see :func:`load_yaml_document`)."""
    p = Path(path)
    doc = YamlDocument(p, None)
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            doc.lines[()] = node.start_mark.line + 1
            doc.data = _build(loader, node, (), doc)
    except yaml.YAMLError as exc:
        raise _yaml_error(p, exc) from exc
    except (ValueError, TypeError) as exc:  # a scalar PyYAML cannot construct
        raise ConfigError(p, f"YAML error: {exc}") from exc
    finally:
        loader.dispose()
    return doc


def load_yaml_document(path: str | Path) -> YamlDocument:
    """Load a UTF-8 YAML file strictly, keeping the line of every key and sequence item.

    Raises ConfigError (file, line and key path) for syntax errors, duplicate keys,
    anchors, aliases and merge keys.
    """
    p = Path(path)
    return parse_yaml_document(load_text(p), p)


def load_yaml(path: str | Path) -> Any:
    """Load a YAML file strictly (see :func:`load_yaml_document`); plain data."""
    return load_yaml_document(path).data


class LineDict(dict):  # type: ignore[type-arg]
    """A mapping loaded from YAML that remembers the (1-based) line it started on."""

    line: int = 0


def _line_dicts(value: Any, keys: KeyPath, doc: YamlDocument) -> Any:
    if isinstance(value, dict):
        out = LineDict({k: _line_dicts(v, keys + (k,), doc) for k, v in value.items()})
        out.line = doc.line(keys) or 0
        return out
    if isinstance(value, list):
        return [_line_dicts(v, keys + (i,), doc) for i, v in enumerate(value)]
    return value


def load_yaml_with_lines(path: str | Path) -> Any:
    """Like load_yaml, but every mapping is a LineDict carrying its line number."""
    doc = load_yaml_document(path)
    return _line_dicts(doc.data, (), doc)


def load_text(path: Path) -> str:
    """Read a curated UTF-8 text file; errors name the file."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(path, "file not found") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(path, f"not valid UTF-8 ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise ConfigError(path, f"cannot read: {describe(exc)}") from exc
