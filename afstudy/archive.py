"""Replication archive and output checksums.

- ``output_files``: every table and figure that ``make figures`` writes (``data/processed``,
  ``figures``), in a stable order.
- ``write_manifest`` / ``check_manifest``: the committed SHA-256 manifest of those files
  (``data/outputs.sha256``) and the comparison that names each file that differs.
- ``build_archive``: a deterministic ``.tar.gz`` of the project's tracked files (sources,
  seeds, curated data, environment files and lock, outputs, manifest).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import subprocess
import tarfile
from pathlib import Path

from afstudy.errors import AfstudyError, InputError
from afstudy.io import atomic_path, describe

OUTPUT_DIRS: tuple[str, ...] = ("data/processed", "figures")
MANIFEST = "data/outputs.sha256"
SKIP_DIRS: frozenset[str] = frozenset({".git", ".venv", ".venv-tools", "build", "dist", "__pycache__", ".pytest_cache", ".ipynb_checkpoints"})


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def output_files(root: Path) -> list[str]:
    """Relative paths of every output file under ``root``, sorted."""
    found = []
    for folder in OUTPUT_DIRS:
        base = root / folder
        if base.exists():
            found += [p.relative_to(root).as_posix() for p in base.rglob("*") if p.is_file() and not p.name.startswith(".")]
    return sorted(found)


def write_manifest(root: Path, manifest: Path) -> int:
    """Write ``sha256sum``-style lines for every output file; return how many."""
    files = output_files(root)
    with atomic_path(manifest) as tmp:
        tmp.write_text("".join(f"{sha256(root / f)}  {f}\n" for f in files), encoding="utf-8")
    return len(files)


def read_manifest(manifest: Path) -> dict[str, str]:
    """Path -> hash from a manifest file (InputError naming it when it is missing, not a
    file, not UTF-8 or not a manifest)."""
    if not manifest.exists():
        raise InputError(manifest, "manifest not found (write it with `afstudy checksums write`)")
    try:
        text = manifest.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(manifest, f"not valid UTF-8 ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise InputError(manifest, f"cannot read: {describe(exc)}") from exc
    entries = {}
    for n, line in enumerate(text.splitlines(), start=1):
        digest, _, name = line.partition("  ")
        if len(digest) != 64 or not name:
            raise AfstudyError(f"{manifest}:{n}: not a 'sha256  path' line")
        entries[name] = digest
    return entries


def check_manifest(root: Path, manifest: Path) -> list[str]:
    """Problems, one per file: missing, not in the manifest, or different bytes."""
    expected = read_manifest(manifest)
    present = set(output_files(root))
    problems = [f"missing: {f}" for f in sorted(set(expected) - present)]
    problems += [f"not in the manifest: {f}" for f in sorted(present - set(expected))]
    problems += [f"differs: {f}" for f in sorted(present & set(expected)) if sha256(root / f) != expected[f]]
    return problems


def project_files(root: Path) -> list[str]:
    """The files that make up the project: git's tracked files, or (outside a checkout,
    e.g. an unpacked archive) every file outside build and environment folders."""
    if (root / ".git").exists():
        try:
            out = subprocess.run(["git", "-C", str(root), "ls-files", "-z"], capture_output=True, check=True).stdout
        except FileNotFoundError as exc:
            raise AfstudyError(f"{root}: a git checkout, but git is not installed (needed to list the tracked files)") from exc
        except subprocess.CalledProcessError as exc:
            problem = exc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["git ls-files failed"]
            raise AfstudyError(f"{root}: cannot list the tracked files: {problem[0]}") from exc
        return sorted(f for f in out.decode("utf-8", "surrogateescape").split("\0") if f and (root / f).is_file())
    files = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.endswith(".egg-info"))
        files += [(Path(dirpath) / f).relative_to(root).as_posix() for f in filenames]
    return sorted(files)


def build_archive(root: Path, target: Path, *, prefix: str = "afstudy", epoch: int | None = None) -> int:
    """Write a byte-reproducible ``.tar.gz`` of the project files under ``prefix/``.

    Entries are sorted, owned by 0:0, dated SOURCE_DATE_EPOCH, with normalised modes; the
    gzip header carries no name or time. Returns the number of files.
    """
    if not root.is_dir():
        raise AfstudyError(f"{root}: project folder not found")
    try:
        mtime = int(epoch if epoch is not None else os.environ.get("SOURCE_DATE_EPOCH", "0"))
    except ValueError as exc:
        raise AfstudyError(f"SOURCE_DATE_EPOCH must be a whole number of seconds, not {os.environ.get('SOURCE_DATE_EPOCH')!r}") from exc
    files = project_files(root)
    if not files:
        raise AfstudyError(f"{root}: no project files to archive")
    real_root = root.resolve()
    for name in files:
        real = (root / name).resolve()
        if not real.is_relative_to(real_root):
            raise AfstudyError(f"{root / name}: a symbolic link to {real}, outside the project folder: not archived")
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in files:
            path = root / name
            info = tarfile.TarInfo(f"{prefix}/{name}")
            data = path.read_bytes()
            info.size = len(data)
            info.mtime = mtime
            info.mode = 0o755 if os.access(path, os.X_OK) else 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data))
    with atomic_path(target) as tmp, open(tmp, "wb") as handle, gzip.GzipFile(filename="", mode="wb", fileobj=handle, mtime=0) as gz:
        gz.write(raw.getvalue())
    return len(files)
