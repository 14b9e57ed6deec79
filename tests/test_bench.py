"""The benchmark's corpora and its results table (no timings are checked)."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from afstudy.bench import run, synthetic_corpus
from afstudy.benchcorpus import CacheMeter, Substituter, realistic_corpus, sentences, tokenizer_chunks, vocabulary
from afstudy.parsing import parse_corpus

N = 30


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _texts(folder: Path) -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))]


@pytest.fixture(scope="module")
def realistic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("realistic")
    realistic_corpus(folder, N, seed=7)
    return folder


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("synthetic")
    synthetic_corpus(folder, N, seed=7)
    return folder


def test_realistic_corpus_is_deterministic_for_a_seed(realistic: Path, tmp_path: Path) -> None:
    realistic_corpus(tmp_path / "again", N, seed=7)
    realistic_corpus(tmp_path / "other", N, seed=8)
    assert _files(tmp_path / "again") == _files(realistic)
    assert _files(tmp_path / "other") != _files(realistic)


def test_realistic_corpus_has_the_articles_and_reads_without_rejects(realistic: Path) -> None:
    assert len(list(realistic.glob("*.txt"))) == N
    metadata = pd.read_csv(realistic / "metadata.csv", dtype=str)
    assert len(metadata) == N and metadata["file"].is_unique
    parsed = parse_corpus(realistic)
    assert parsed.rejects == []
    assert len(parsed.articles) == N
    assert all(any(p.kind == "paragraph" for p in a.paragraphs) for a in parsed.articles)


def test_realistic_corpus_has_more_new_types_and_fewer_cache_hits_than_the_synthetic(realistic: Path, synthetic: Path) -> None:
    real, synth = vocabulary(_texts(realistic)), vocabulary(_texts(synthetic))
    length = min(real.words, synth.words)
    assert real.novelty(0, length) > 1.5 * synth.novelty(0, length)
    caches = []
    for folder in (realistic, synthetic):
        meter = CacheMeter(set())
        for text in _texts(folder):
            meter.add(text, in_zone=False)
        caches.append(meter.hit_share)
    assert caches[0] < caches[1]


def test_cache_replay_fills_only_outside_zones_and_up_to_its_size() -> None:
    meter = CacheMeter({"don't"}, max_size=2)
    meter.add("a b c a", in_zone=False)  # a, b cached; c not (full); a hit
    meter.add("c don't b", in_zone=True)
    assert meter.cache == {"a", "b"}
    assert (meter.hits, meter.chunks) == (3, 7)
    assert tokenizer_chunks("one  two\n\nthree") == ["one", " ", "two", "\n\n", "three"]


def test_substitution_keeps_common_words_and_maps_names_within_an_article() -> None:
    import random

    sub = Substituter({"Lavrov"}, {"talks"}, random.Random(1), word_share=1.0)
    first, second = sub.article(["He met Zorbal and Lavrov in 2019; Zorbal reported talks with 42 envoys.", "They saw Zorbal."])
    assert "Lavrov" in first and "talks" in first and "Zorbal" not in first
    assert "2019" not in first or "42" not in first
    names = {w for w in first.replace(";", " ").split() if w[0].isupper()} - {"He", "Lavrov"}
    assert len(names) == 1 and second == f"They saw {names.pop()}."
    assert sentences('He said "No. Never." Then he left.') == ['He said "No. Never."', "Then he left."]


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    return run(20, tmp_path_factory.mktemp("bench"), with_dask=False, peer_model="no_such_spacy_pipeline", profile_articles=20, long_sentences=(60, 240))


def test_run_reports_every_measure(results: pd.DataFrame) -> None:
    measures = set(results["measure"])
    expected = {
        "corpus_realistic", "articles", "articles_processed", "words", "tokenizer_words_per_s", "extract_words_per_s",
        "extract_over_tokenizer_ratio", "cooccurrence_over_extract_ratio", "peak_rss_mib_after_extract",
        "peak_rss_mib_after_cooccurrence", "csv_writing_share", "parquet_writing_share", "parquet_conversion_s",
        "validation_novelty_per_1000_words", "novelty_per_1000_words_at_validation_length", "tokenizer_cache_hit_share",
        "peer_words_per_s", "extract_over_peer_ratio", "stage_share_tokenizer", "stage_share_row_builders",
        "cooccurrence_distinct_keys", "long_article_short_s", "long_article_long_s", "long_article_time_ratio",
    }
    assert expected <= measures
    value = dict(zip(results["measure"], results["value"], strict=True))
    assert value["articles"] == value["articles_processed"] == 20 and value["corpus_realistic"] == 1
    assert 0 < value["tokenizer_cache_hit_share"] < 1
    assert 0 < value["csv_writing_share"] < 1 and 0 < value["parquet_writing_share"] < 1
    assert sum(v for m, v in value.items() if m.startswith("stage_share_")) == pytest.approx(1.0)
    assert value["cooccurrence_distinct_keys"] > 0 and value["long_article_time_ratio"] > 0


def test_a_missing_peer_model_gives_not_measured_rows(results: pd.DataFrame, capsys: pytest.CaptureFixture[str]) -> None:
    peer = results[results["measure"].isin(["peer_words_per_s", "extract_over_peer_ratio", "profile_over_peer_ratio"])]
    assert len(peer) == 3
    assert all(math.isnan(v) for v in peer["value"])
    assert all(note.startswith("not measured") and "no_such_spacy_pipeline" in note for note in peer["note"])
