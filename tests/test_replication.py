"""Replication package: manifest, archive, citation file, rights statement."""

from __future__ import annotations

import datetime as dt
import re
import tarfile
from pathlib import Path

import yaml

from afstudy.archive import MANIFEST, build_archive, check_manifest, output_files, read_manifest
from afstudy.paths import PROJ_ROOT

SPDX = {"MIT", "Apache-2.0", "BSD-3-Clause", "GPL-3.0-or-later", "CC-BY-4.0"}


def test_the_manifest_lists_every_committed_output_with_its_hash() -> None:
    manifest = PROJ_ROOT / MANIFEST
    assert set(read_manifest(manifest)) == set(output_files(PROJ_ROOT))
    assert check_manifest(PROJ_ROOT, manifest) == []
    assert any(f.endswith(".svg") for f in read_manifest(manifest)) and any(f.endswith(".tex") for f in read_manifest(manifest))


def test_check_manifest_names_each_file_that_differs(tmp_path: Path) -> None:
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "a.png").write_bytes(b"one")
    (tmp_path / "figures" / "b.png").write_bytes(b"two")
    manifest = tmp_path / "m.sha256"
    from afstudy.archive import write_manifest

    assert write_manifest(tmp_path, manifest) == 2
    (tmp_path / "figures" / "a.png").write_bytes(b"changed")
    (tmp_path / "figures" / "b.png").unlink()
    (tmp_path / "figures" / "c.png").write_bytes(b"new")
    assert check_manifest(tmp_path, manifest) == ["missing: figures/b.png", "not in the manifest: figures/c.png", "differs: figures/a.png"]


def test_the_archive_is_deterministic_and_self_contained(tmp_path: Path) -> None:
    first, second = tmp_path / "a.tar.gz", tmp_path / "b.tar.gz"
    n = build_archive(PROJ_ROOT, first)
    build_archive(PROJ_ROOT, second)
    assert first.read_bytes() == second.read_bytes()
    with tarfile.open(first) as tar:
        names = {m.name.removeprefix("afstudy/") for m in tar.getmembers()}
        assert len(names) == n
        assert {m.mtime for m in tar.getmembers()} == {int(__import__("os").environ.get("SOURCE_DATE_EPOCH", "0"))}
    required = {"Makefile", "README.md", "LICENSE", "CITATION.cff", "environment.yml", "requirements.lock", "pyproject.toml", MANIFEST, "seeds/metadata.csv", "data/actors.yaml", "notebooks/01-corpus.ipynb", "afstudy/cli.py", ".ci/run"}
    assert required <= names
    assert set(read_manifest(PROJ_ROOT / MANIFEST)) <= names
    assert not any(n.startswith((".venv/", "build/", "dist/")) for n in names)


def test_citation_cff_is_valid_cff_1_2() -> None:
    cff = yaml.safe_load((PROJ_ROOT / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0"
    for key in ("message", "title", "authors", "type", "version", "date-released", "license", "abstract"):
        assert cff.get(key), key
    assert cff["type"] in {"software", "dataset"}
    assert cff["license"] in SPDX
    dt.date.fromisoformat(str(cff["date-released"]))
    assert all(isinstance(a, dict) and (a.get("name") or a.get("family-names")) for a in cff["authors"])
    allowed = {"cff-version", "message", "title", "authors", "type", "version", "date-released", "license", "keywords", "abstract", "repository-code", "url", "doi", "identifiers", "references", "preferred-citation", "contact", "commit", "license-url", "repository"}
    assert set(cff) <= allowed, set(cff) - allowed
    version = re.search(r'^version = "([^"]+)"', (PROJ_ROOT / "pyproject.toml").read_text(), re.M)
    assert version and cff["version"] == version.group(1)


def test_rights_of_the_seed_texts_are_stated() -> None:
    licence = (PROJ_ROOT / "LICENSE").read_text()
    readme = (PROJ_ROOT / "README.md").read_text()
    assert "seeds/" in licence and "copyright of their publishers" in licence
    assert "## Data availability and provenance" in readme and "publishers" in readme
