"""Actor extraction on the seeds: accuracy against the gold, tables, determinism."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from afstudy.cli import main
from afstudy.extraction import ARTICLES_LISTED, CandidateTally, Extraction, article_units, extract
from afstudy.io import read_csv
from afstudy.mentions import label_use, mention_rates
from afstudy.parsing import ParsedCorpus, articles_table
from afstudy.paths import SEEDS_DIR
from afstudy.pipeline import build_pipeline
from afstudy.schema import column_problems, load_dictionary
from afstudy.validation import mention_errors, mention_scores, place_scores, read_gold_mentions, read_gold_places


def test_mentions_reach_f1_095_against_the_gold(extraction: Extraction) -> None:
    scores = mention_scores(extraction.mentions, read_gold_mentions()).set_index("measure")
    assert scores.loc["span_and_actor", "f1"] >= 0.95, scores
    assert scores.loc["span_and_actor", "n_gold"] == len(read_gold_mentions())


def test_places_are_recorded_separately_from_actors(extraction: Extraction) -> None:
    score = place_scores(extraction.places, read_gold_places())
    assert score.precision >= 0.9 and score.recall >= 0.9, score
    mention_keys = set(extraction.mentions[["file", "line_no", "start"]].itertuples(index=False, name=None))
    place_keys = set(extraction.places[["file", "line_no", "start"]].itertuples(index=False, name=None))
    assert not mention_keys & place_keys


def test_every_mention_and_place_offset_points_at_its_text_in_the_raw_line(extraction: Extraction) -> None:
    raw = {p.name: p.read_text(encoding="utf-8").split("\n") for p in SEEDS_DIR.glob("*.txt")}
    for table in (extraction.mentions, extraction.places):
        assert len(table)
        for row in table.itertuples():
            line = raw[row.file][row.line_no - 1].replace("\u00a0", " ")
            assert line[row.start : row.end] == row.text, row


def test_sentences_tile_each_unit_and_map_to_raw_lines(seed_corpus: ParsedCorpus, extraction: Extraction) -> None:
    s = extraction.sentences
    for article in seed_corpus.articles:
        units = article_units(article)
        mine = s[s["article_id"] == article.article_id]
        assert set(mine["unit_id"]) == {u.unit_id for u in units}
        lines = {lr.line_no: lr.text for lr in article.lines}
        for row in mine.itertuples():
            assert lines[row.line_no][row.start : row.end] == row.text
    assert s["sentence_id"].is_unique


def test_mention_errors_name_every_disagreement() -> None:
    def row(start: int, end: int, text: str, actor: str) -> dict[str, object]:
        return {"file": "f.txt", "line_no": 1, "start": start, "end": end, "text": text, "actor_id": actor, "how": "name"}

    gold = pd.DataFrame([row(0, 6, "Russia", "russia"), row(10, 17, "Taliban", "taliban"), row(30, 35, "Kabul", "afghan_government")])
    pred = pd.DataFrame([row(0, 6, "Russia", "russia"), row(10, 17, "Taliban", "russia"), row(30, 41, "Kabul stance", "afghan_government"), row(50, 54, "Iran", "iran")])
    errors = mention_errors(pred, gold)
    got = sorted(zip(errors["side"], errors["kind"], errors["text"], strict=True))
    assert got == [
        ("gold", "boundary", "Kabul"),
        ("gold", "wrong_actor", "Taliban"),
        ("predicted", "boundary", "Kabul stance"),
        ("predicted", "spurious", "Iran"),
        ("predicted", "wrong_actor", "Taliban"),
    ]
    scores = mention_scores(pred, gold).set_index("measure")
    assert scores.loc["span_and_actor", "precision"] == pytest.approx(1 / 4)
    assert scores.loc["span_and_actor", "recall"] == pytest.approx(1 / 3)
    assert scores.loc["span_only", "recall"] == pytest.approx(2 / 3)


def test_labels_and_rates(seed_corpus: ParsedCorpus, extraction: Extraction) -> None:
    use = label_use(extraction.labels, ("taliban", "afghan_government"))
    taliban = set(use[(use["actor_id"] == "taliban") & (use["mentions_count"] > 0)]["label"])
    assert {"Taliban", "militant group", "insurgents"} <= taliban
    rates = mention_rates(extraction.mentions, articles_table(seed_corpus), extraction.actors)
    assert (rates.groupby("outlet_id")["body_words_count"].nunique() == 1).all()
    row = rates[(rates["outlet_id"] == "voa") & (rates["actor_id"] == "zamir_kabulov")].iloc[0]
    assert row["mentions_per_1000_words"] == pytest.approx(1000 * row["mentions_count"] / row["body_words_count"])
    assert row["mentions_count"] >= 8


def test_extract_writes_every_documented_table(tmp_path: Path) -> None:
    assert main(["extract", str(SEEDS_DIR), "--out", str(tmp_path)]) == 0
    dictionary = load_dictionary()
    for table in ("sentences", "mentions", "places", "actors", "labels", "candidates", "quotes"):
        assert column_problems(read_csv(tmp_path / f"{table}.csv"), dictionary[table]) == [], table


def test_extraction_is_identical_across_batch_sizes_and_processes(seed_corpus: ParsedCorpus, extraction: Extraction) -> None:
    other = extract(build_pipeline(), seed_corpus, batch_size=2, n_process=2)
    for name, frame in extraction.tables().items():
        pd.testing.assert_frame_equal(frame, other.tables()[name], obj=name)


def test_candidate_tally_counts_every_article_but_lists_the_first_twenty() -> None:
    tally = CandidateTally()
    for n in reversed(range(25)):  # articles arrive out of id order
        tally.add_article(f"a{n:02d}", [("Kabul Times", "capitalised"), ("Kabul Times", "capitalised")] + ([("Doha", "ner:GPE")] if n == 3 else []))
    table = tally.table().set_index("text")
    assert table.loc["Kabul Times", ["mentions_count", "articles_count"]].tolist() == [50, 25]
    assert table.loc["Kabul Times", "articles"] == "; ".join(f"a{n:02d}" for n in range(ARTICLES_LISTED))
    assert table.loc["Doha"].tolist() == ["ner:GPE", 1, 1, "a03"]
    assert list(table.index) == ["Kabul Times", "Doha"]
