"""Shared fixtures: the outlet profiles, the parsed seed corpus, and a corpus builder."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest

from afstudy.cleaning import Profiles, load_profiles
from afstudy.corpus import METADATA_COLUMNS
from afstudy.extraction import Extraction, extract
from afstudy.parsing import ParsedCorpus, parse_corpus
from afstudy.pipeline import build_pipeline
from afstudy.paths import SEEDS_DIR

CorpusBuilder = Callable[..., Path]


@pytest.fixture(scope="session")
def profiles() -> Profiles:
    return load_profiles()


@pytest.fixture(scope="session")
def seed_corpus(profiles: Profiles) -> ParsedCorpus:
    return parse_corpus(SEEDS_DIR, profiles)


def metadata_row(file: str, **overrides: str) -> dict[str, str]:
    """A valid metadata row for a hand-built test article."""
    stem = Path(file).stem
    row = {
        "file": file,
        "article_id": f"test-{stem}",
        "outlet": "Test Outlet",
        "outlet_id": "test_outlet",
        "outlet_type": "independent",
        "headline": "",
        "published": "2019-02-05",
        "date_precision": "day",
        "event": "intra_afghan_moscow_2019",  # a value-set event (data/value_sets.yaml) dated 2019-02-05
        "event_date": "2019-02-05",
        "evidence": "hand-built test case",
    }
    row.update(overrides)
    return row


@pytest.fixture(scope="session")
def extraction(seed_corpus: ParsedCorpus) -> Extraction:
    """The default pipeline's extraction of the seeds (shared by the test modules)."""
    return extract(build_pipeline(), seed_corpus)


@pytest.fixture
def make_corpus(tmp_path: Path) -> CorpusBuilder:
    """Build a corpus folder: ``make_corpus({"a.txt": "text" or b"bytes"}, rows=[...])``."""

    def build(files: dict[str, str | bytes], rows: list[dict[str, str]] | None = None, columns: tuple[str, ...] = METADATA_COLUMNS) -> Path:
        folder = tmp_path / "corpus"
        folder.mkdir(exist_ok=True)
        for name, content in files.items():
            data = content.encode("utf-8") if isinstance(content, str) else content
            (folder / name).write_bytes(data)
        if rows is None:
            rows = [metadata_row(name) for name in files]
        with open(folder / "metadata.csv", "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
        return folder

    return build


ARTICLE = """Skip to main content
Log In

Officials Meet In Capital To Discuss Peace Plan

By Jane Doe and John Roe
November 9, 2018

MOSCOW (Reuters) - Delegates from eleven countries met in the capital on Friday to discuss a peace plan for the region.

Photo: AFP
FILE - Delegates arrive for the meeting in Moscow, Nov. 9, 2018.
FILE - Delegates arrive for the meeting in Moscow, Nov. 9, 2018.

“We came here to listen,” one delegate said. “Nothing more.”

Next steps

The talks will resume next month, officials said in a statement released after the meeting.

Related: Earlier talks collapsed in August
Advertisement
Share on Facebook

Before you go, we have a small favour to ask.
Please support independent journalism today.
Donate
"""
