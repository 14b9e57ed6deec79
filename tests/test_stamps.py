"""Build stamps: content digests, and curated YAML files digested by their tokens."""

from __future__ import annotations

from pathlib import Path

from afstudy.stamps import Stamps


def digest_of(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return Stamps(tmp_path / f"stamps-{name}").file_digest(path)


def test_comments_and_blank_lines_in_a_yaml_file_do_not_count(tmp_path: Path) -> None:
    base = "actors:\n  - id: a\n    names: [A]\n"
    same = "# a note\nactors:\n\n  - id: a   # the first\n    names: [A]\n"
    assert digest_of(tmp_path, "a.yaml", base) == digest_of(tmp_path, "b.yaml", same)


def test_every_value_and_a_repeated_key_count(tmp_path: Path) -> None:
    base = digest_of(tmp_path, "a.yaml", "actors:\n  - id: a\n    names: [A]\n")
    assert digest_of(tmp_path, "b.yaml", "actors:\n  - id: a\n    names: [B]\n") != base
    assert digest_of(tmp_path, "c.yaml", "actors:\n  - id: a\n    names: [A]\n    names: [A]\n") != base  # the loader refuses it: it must rerun
    assert digest_of(tmp_path, "d.yaml", "actors:\n  - id: 'a'\n    names: [A]\n") != base  # a quoted scalar may load differently


def test_other_files_and_broken_yaml_count_by_their_bytes(tmp_path: Path) -> None:
    assert digest_of(tmp_path, "a.csv", "x\n1\n") != digest_of(tmp_path, "b.csv", "x\n1\n\n")
    broken = digest_of(tmp_path, "e.yaml", "actors: 'unclosed\n")
    assert not broken.startswith("yaml:") and broken != digest_of(tmp_path, "f.yaml", "actors: 'unclosed\n\n")
