"""Parquet tables: the same tables as CSV, and every later command reads either."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from afstudy.cli import main
from afstudy.columnar import csv_to_parquet, read_extract
from afstudy.errors import InputError
from afstudy.io import read_csv
from afstudy.paths import SEEDS_DIR


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("formats")
    out = {"csv": base / "csv", "parquet": base / "parquet"}
    for form, folder in out.items():
        assert main(["extract", str(SEEDS_DIR), "--out", str(folder), "--format", form]) == 0
    return out


def test_parquet_holds_the_same_tables(both: dict[str, Path]) -> None:
    names = sorted(p.stem for p in both["csv"].glob("*.csv"))
    assert sorted(p.stem for p in both["parquet"].iterdir()) == names  # no CSV left, nothing else
    for name in names:
        a, b = read_extract(both["csv"], name), read_extract(both["parquet"], name)
        assert list(a.columns) == list(b.columns), name
        assert a.astype(str).equals(b.astype(str)), name


@pytest.mark.parametrize("command", ["rates", "sourcing", "framing", "cooccurrence"])
def test_later_commands_read_either_format(command: str, both: dict[str, Path], tmp_path: Path) -> None:
    results = {}
    for form, folder in both.items():
        out = tmp_path / form
        extra = ["--n-boot", "50"] if command == "framing" else []
        assert main([command, str(folder), "--out", str(out), *extra]) == 0
        results[form] = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
    assert results["csv"] == results["parquet"]


def test_curate_reads_parquet(both: dict[str, Path], tmp_path: Path) -> None:
    for form, folder in both.items():
        assert main(["curate", str(folder), "--out", str(tmp_path / f"{form}.yaml")]) == 0
    assert (tmp_path / "csv.yaml").read_bytes() == (tmp_path / "parquet.yaml").read_bytes()


def test_conversion_keeps_text_exactly(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": ["", "x, y", 'say "hi"', "line\nbreak", "“curly” ünïcode"], "b": ["1", "", "3", "", "5"]})
    source = tmp_path / "t.csv"
    frame.to_csv(source, index=False, lineterminator="\n")
    assert csv_to_parquet(source, tmp_path / "t.parquet") == 5
    (tmp_path / "t.csv").rename(tmp_path / "kept.csv")
    assert read_extract(tmp_path, "t").astype(str).equals(read_csv(tmp_path / "kept.csv"))
    assert [p.name for p in sorted(tmp_path.iterdir())] == ["kept.csv", "t.parquet"]  # no temporary file


def test_a_missing_or_broken_table_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no mentions table here"):
        read_extract(tmp_path, "mentions")
    (tmp_path / "mentions.parquet").write_bytes(b"not parquet")
    with pytest.raises(InputError, match="mentions.parquet: not a readable Parquet table"):
        read_extract(tmp_path, "mentions")
