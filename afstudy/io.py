"""Atomic, deterministic file writing and line-aware YAML loading."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import yaml

from afstudy.errors import ConfigError

if TYPE_CHECKING:  # pandas loads slowly; a no-op build must not pay for it
    import pandas as pd

FLOAT_FORMAT = "%.6f"


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` only on success."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=f".tmp{target.suffix}", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


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


def read_csv(path: str | Path, **kwargs: Any) -> pd.DataFrame:
    """Read a CSV the way afstudy writes it: strings stay strings, empty cells stay empty."""
    import pandas as pd

    kwargs.setdefault("keep_default_na", False)
    kwargs.setdefault("dtype", str)
    return pd.read_csv(path, **kwargs)


def load_yaml(path: str | Path) -> Any:
    """Load a YAML file; a syntax error becomes a ConfigError naming the file and line."""
    p = Path(path)
    text = load_text(p)
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise ConfigError(p, f"YAML syntax error: {exc.problem or exc.context}", line=line) from exc
    except yaml.YAMLError as exc:
        raise ConfigError(p, f"YAML error: {exc}") from exc


class LineDict(dict):  # type: ignore[type-arg]
    """A mapping loaded from YAML that remembers the (1-based) line it started on."""

    line: int = 0


class _LineLoader(yaml.SafeLoader):
    """SafeLoader whose mappings are LineDicts."""


def _construct_line_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    mapping = LineDict(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_line_mapping)


def load_yaml_with_lines(path: str | Path) -> Any:
    """Like load_yaml, but every mapping is a LineDict carrying its line number."""
    p = Path(path)
    text = load_text(p)
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise ConfigError(p, f"YAML syntax error: {exc.problem or exc.context}", line=line) from exc


def load_text(path: Path) -> str:
    """Read a curated UTF-8 text file; errors name the file."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(path, "file not found") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(path, f"not valid UTF-8 ({exc.reason} at byte {exc.start})") from exc
