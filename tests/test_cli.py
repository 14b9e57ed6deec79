"""The ``afstudy`` command: tables written with documented columns, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from afstudy.cli import main
from afstudy.io import read_csv
from afstudy.paths import SEEDS_DIR
from afstudy.schema import column_problems, load_dictionary


def test_parse_writes_the_six_documented_tables(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", str(SEEDS_DIR), "--out", str(tmp_path)]) == 0
    summary = "afstudy parse: 7 entries in = 5 processed + 0 rejected + 2 ignored; 0 warnings; 5 articles, 93 paragraphs, 261 lines"
    assert capsys.readouterr().out.splitlines()[0] == summary
    dictionary = load_dictionary()
    assert read_csv(tmp_path / "ignored.csv")[["entry", "rule"]].values.tolist() == [["SHA256SUMS", "ignored_extension"], ["metadata.csv", "metadata_file"]]
    for table in ("articles", "paragraphs", "lines", "rejects", "warnings", "ignored"):
        frame = read_csv(tmp_path / f"{table}.csv")
        assert column_problems(frame, dictionary[table]) == [], table
    lines = read_csv(tmp_path / "lines.csv")
    texts = [p.read_text(encoding="utf-8") for p in SEEDS_DIR.glob("*.txt")]
    assert len(lines) == sum(t.count("\n") + (not t.endswith("\n")) for t in texts) == 261
    assert not list(tmp_path.glob(".*.tmp*")), "temporary files left behind"


def test_parse_reports_bad_input_without_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.txt").write_text("Headline\n\nA sentence that is long enough to be a body paragraph here.\n")
    (tmp_path / "metadata.csv").write_text("file,article_id\na.txt,a\n")
    assert main(["parse", str(tmp_path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("afstudy: error: ") and "metadata.csv:1: missing column(s)" in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_every_committed_output_table_matches_the_dictionary() -> None:
    from afstudy.io import load_yaml
    from afstudy.paths import PROJ_ROOT
    from afstudy.schema import Column

    spec = load_yaml(PROJ_ROOT / "data" / "dictionary.yaml")["tables"]
    dictionary = load_dictionary()
    documented: set[Path] = set()
    for name, table in spec.items():
        paths = sorted(PROJ_ROOT.glob(table["path"]))
        assert paths, f"{name}: {table['path']} is documented but was not written"
        dynamic = Column(**table["dynamic_columns"]) if "dynamic_columns" in table else None
        for path in paths:
            assert column_problems(read_csv(path), dictionary[name], dynamic) == [], path
        documented.update(paths)
    written = set((PROJ_ROOT / "data" / "processed").rglob("*.csv"))
    assert written <= documented, f"undocumented tables: {sorted(map(str, written - documented))[:5]}"
