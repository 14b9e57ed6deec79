"""Build stamps: a step is up to date when the digest of everything it read (file contents,
parameters) equals the digest recorded when it last succeeded, and its outputs exist.

Digests are of content, not of modification times, so touching a file reruns nothing and a
one-line change to the gazetteer reruns only the steps whose inputs really changed (a
co-occurrence run reruns only if the mention tables it reads changed). File digests are
cached by (size, mtime_ns), so an unchanged tree is checked without reading it again.
A curated YAML file is digested by its tokens, so a comment or a blank line reruns nothing.
Only the standard library is imported at start (PyYAML only when a YAML file changed): a
no-op build must start fast.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from afstudy.io import atomic_write_text


YAML_SUFFIXES = (".yaml", ".yml")


def _yaml_digest(path: Path) -> str | None:
    """SHA-256 of a YAML file's token stream: comments, blank lines and indentation within
    the same structure do not count, everything the loaders read does (a repeated key
    too); None when the file does not scan (its bytes count then)."""
    import yaml  # only when a curated file changed

    try:
        text = path.read_text(encoding="utf-8")
        tokens = [(type(t).__name__, getattr(t, "value", None), getattr(t, "style", None)) for t in yaml.scan(text, Loader=yaml.SafeLoader)]
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    return "yaml:" + hashlib.sha256(json.dumps(tokens, default=str).encode()).hexdigest()


class Stamps:
    """The stamps and the digest cache of one output root (``<out>/build/stamps``)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._cache_path = folder / "digests.json"
        try:
            self._cache: dict[str, list[Any]] = json.loads(self._cache_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self._cache = {}
        self._dirty = False

    def file_digest(self, path: Path) -> str:
        """SHA-256 of a file's content ('missing' when it does not exist)."""
        try:
            st = path.stat()
        except OSError:
            return "missing"
        key = str(path)
        cached = self._cache.get(key)
        if cached and cached[0] == st.st_size and cached[1] == st.st_mtime_ns:
            return str(cached[2])
        value = _yaml_digest(path) if path.suffix in YAML_SUFFIXES else None
        if value is None:
            digest = hashlib.sha256()
            with open(path, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
            value = digest.hexdigest()
        self._cache[key] = [st.st_size, st.st_mtime_ns, value]
        self._dirty = True
        return value

    def digest(self, files: Iterable[Path], parameters: Mapping[str, Any]) -> str:
        """One digest over the contents of ``files`` (in sorted order) and ``parameters``."""
        h = hashlib.sha256(json.dumps(parameters, sort_keys=True, default=str).encode())
        for path in sorted(set(files)):
            h.update(f"{path}\0{self.file_digest(path)}\n".encode())
        return h.hexdigest()

    def _path(self, step: str) -> Path:
        return self.folder / f"{step.replace('/', '__')}.stamp"

    def is_current(self, step: str, digest: str, outputs: Iterable[Path]) -> bool:
        """Whether ``step`` last succeeded with these inputs and its outputs are all there."""
        try:
            recorded = self._path(step).read_text(encoding="utf-8").strip()
        except OSError:
            return False
        return recorded == digest and all(p.exists() for p in outputs)

    def record(self, step: str, digest: str) -> None:
        """Note that ``step`` succeeded with inputs of ``digest``."""
        atomic_write_text(self._path(step), digest + "\n")

    def forget(self, step: str) -> None:
        """Mark ``step`` as not done (before it runs, so a failure never looks like success)."""
        self._path(step).unlink(missing_ok=True)

    def save(self) -> None:
        """Write the digest cache back (when it changed)."""
        if self._dirty:
            atomic_write_text(self._cache_path, json.dumps(self._cache, sort_keys=True))
            self._dirty = False


def tree_files(folder: Path, suffixes: tuple[str, ...] = (".py",)) -> list[Path]:
    """The files with ``suffixes`` under ``folder`` (the package's sources), sorted."""
    out = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__")))
        out += [Path(root) / n for n in sorted(names) if n.endswith(suffixes)]
    return out
