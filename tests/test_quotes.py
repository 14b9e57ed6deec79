"""Quotes and speakers: the seeds against the gold, and hand-built cases of other styles."""

from __future__ import annotations

import pandas as pd
import pytest
import spacy

from afstudy.extraction import Extraction
from afstudy.gazetteer import Gazetteer
from afstudy.pipeline import build_pipeline
from afstudy.quotes import QuoteFinder, find_segments, load_quote_rules, sourcing_table
from afstudy.units import Unit
from afstudy.validation import quote_scores, read_gold_quotes


def test_quotes_reach_the_required_f1_and_speaker_accuracy(extraction: Extraction) -> None:
    scores = quote_scores(extraction.quotes, read_gold_quotes()).set_index("measure")
    assert scores.loc["quotes_overlap", "value"] >= 0.90, scores
    assert scores.loc["speaker_accuracy", "value"] >= 0.90, scores
    assert scores.loc["quotes_overlap", "n"] == (read_gold_quotes()["kind"] != "term").sum()


def test_quote_scores_count_overlap_exact_and_speakers() -> None:
    def g(start: int, end: int, speaker: str, kind: str = "direct") -> dict[str, object]:
        return {"file": "f", "start_line": 1, "start": start, "end_line": 1, "end": end, "text": "x" * (end - start), "kind": kind, "speaker_text": "X", "speaker_actor_id": speaker, "speaker_side": "s", "is_anonymous": "false"}

    def p(start: int, end: int, speaker: str, kind: str = "direct") -> dict[str, object]:
        return {"file": "f", "line_no": 1, "start": start, "end_line_no": 1, "end": end, "kind": kind, "speaker_actor_id": speaker, "speaker_side": "s"}

    gold = pd.DataFrame([g(0, 10, "a"), g(20, 40, "b"), g(50, 60, "c")])
    pred = pd.DataFrame([p(0, 10, "a"), p(25, 40, "x"), p(55, 58, "c"), p(70, 80, "d")])
    s = quote_scores(pred, gold).set_index("measure")
    assert s.loc["quotes_overlap", "precision"] == pytest.approx(2 / 4)
    assert s.loc["quotes_overlap", "recall"] == pytest.approx(2 / 3)
    assert s.loc["quotes_exact", "recall"] == pytest.approx(1 / 3)
    assert s.loc["speaker_accuracy", "value"] == pytest.approx(1 / 2)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("“It’s not a negotiation,” he said.", [("It’s not a negotiation,", "“", "”", False)]),
        ("He said it was “positive.”", [("positive.", "“", "”", False)]),
        ("The Taliban’s office and the U.S.’ position", []),
        ("Russia: Taliban Held '10 Secret' Meetings", [("10 Secret", "'", "'", False)]),
        ("He called it “a bridge\" to Asia.", [("a bridge", "“", '"', True)]),
        ("“We will go, he said, and never", [("We will go, he said, and never", "“", "", True)]),
        ("- We regret this decision - Lavrov said.", [("We regret this decision", "- ", " -", False)]),
        ("“Like, ‘How are you?’ next time,” she added.", [("Like, ‘How are you?’ next time,", "“", "”", False)]),
    ],
)
def test_quote_marks_pair_without_crashing(text: str, expected: list[tuple[str, str, str, bool]]) -> None:
    got = [(text[s:e], o, c, u) for s, e, o, c, u in find_segments(text)]
    assert got == expected


GAZ = """schema_version: 1
sides: {russia: Russia, taliban: Taliban, afghan_government: Afghan government, united_states: United States, international: International}
types: [person, organisation, state, body, media]
titles: [President]
place_cues: {prepositions: [in], verbs: [], following: []}
actors:
  - {id: russia, name: Russia, type: state, side: russia, affiliation: null, names: [Russia], aliases: [], surnames: [], descriptors: [], labels: [], metonyms: [Moscow]}
  - {id: mfa, name: Russian Foreign Ministry, type: organisation, side: russia, affiliation: russia, names: [Russian Foreign Ministry], aliases: [], surnames: [], descriptors: [], labels: [], metonyms: []}
  - {id: lavrov, name: Sergei Lavrov, type: person, side: russia, affiliation: mfa, names: [Sergei Lavrov], aliases: [], surnames: [Lavrov], descriptors: [foreign minister], labels: [], metonyms: []}
  - {id: taliban, name: Taliban, type: organisation, side: taliban, affiliation: null, names: [Taliban], aliases: [], surnames: [], descriptors: [], labels: [group], metonyms: []}
  - {id: mujahid, name: Zabihullah Mujahid, type: person, side: taliban, affiliation: taliban, names: [Zabihullah Mujahid], aliases: [], surnames: [Mujahid], descriptors: [Taliban spokesman], labels: [], metonyms: []}
  - {id: us, name: United States, type: state, side: united_states, affiliation: null, names: [United States], aliases: [U.S.], surnames: [], descriptors: [], labels: [], metonyms: [Washington]}
  - {id: blinken, name: Antony Blinken, type: person, side: united_states, affiliation: us, names: [Antony Blinken], aliases: [], surnames: [Blinken], descriptors: [], labels: [], metonyms: []}
places: []
"""


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[spacy.language.Language, Gazetteer]:
    path = tmp_path_factory.mktemp("q") / "actors.yaml"
    path.write_text(GAZ)
    nlp = build_pipeline(None, path)
    return nlp, nlp.get_pipe("afstudy_actors").gazetteer


def quotes_of(small: tuple[spacy.language.Language, Gazetteer], paragraphs: list[str]) -> list[tuple[str, str, str, str, bool, bool]]:
    nlp, gaz = small
    units, start = [], 0
    for n, text in enumerate(paragraphs, start=1):
        units.append(Unit(f"t-p{n:02d}", "paragraph", n, 0, start, text))
        start += len(text) + 2
    doc = nlp("\n\n".join(paragraphs))
    found = QuoteFinder(doc, units, gaz, load_quote_rules()).find()
    return [(doc.text[q.start : q.end], q.kind, q.speaker.actor_id or q.speaker.side, q.cue, q.speaker.is_anonymous, q.is_unbalanced) for q in found]


def test_dash_quotes_and_inverted_attribution(small: tuple[spacy.language.Language, Gazetteer]) -> None:
    got = quotes_of(small, ["- We regret this decision by Washington - Sergei Lavrov said.", "“We will not attend,” said Taliban spokesman Zabihullah Mujahid."])
    assert got == [
        ("We regret this decision by Washington", "direct", "lavrov", "said", False, False),
        ("We will not attend,", "direct", "mujahid", "said", False, False),
    ]


def test_a_quote_running_on_across_paragraphs_is_one_quote(small: tuple[spacy.language.Language, Gazetteer]) -> None:
    got = quotes_of(small, ["Lavrov spoke at length. “We have always supported the talks.", "“We will go on doing so,” he said."])
    assert got == [("We have always supported the talks.\n\n“We will go on doing so,", "direct", "lavrov", "said", False, False)]


def test_unclosed_quote_is_closed_at_paragraph_end_and_flagged(small: tuple[spacy.language.Language, Gazetteer]) -> None:
    got = quotes_of(small, ["Blinken said the deal was “under review and nothing more", "The Taliban said it would go."])
    assert ("under review and nothing more", "partial", "blinken", "said", False, True) in got
    assert ("it would go.", "indirect", "taliban", "said", False, False) in got


def test_indirect_forms_according_to_statements_and_anonymous_sources(small: tuple[spacy.language.Language, Gazetteer]) -> None:
    got = quotes_of(
        small,
        [
            "According to a senior Western diplomat, Moscow has stepped up its contacts with the group.",
            "The talks had stalled for months, the Russian Foreign Ministry said in a statement on Friday.",
            "Washington was reviewing the deal, Blinken added, and would decide soon.",
            "An official of the Taliban said the delegation would arrive on Monday.",
            "The “so-called” peace plan and the “Moscow format” were discussed.",
        ],
    )
    assert ("Moscow has stepped up its contacts with the group.", "indirect", "international", "According to", True, False) in got
    assert ("The talks had stalled for months", "indirect", "mfa", "said in a statement", False, False) in got
    assert ("Washington was reviewing the deal", "indirect", "blinken", "added", False, False) in got
    assert ("and would decide soon.", "indirect", "blinken", "added", False, False) in got
    assert ("the delegation would arrive on Monday.", "indirect", "taliban", "said", True, False) in got
    assert [g[1] for g in got if g[0] in ("so-called", "Moscow format")] == ["term", "term"]


def test_pronoun_speakers_follow_the_last_person_quoted(small: tuple[spacy.language.Language, Gazetteer]) -> None:
    got = quotes_of(small, ["Blinken met Lavrov, and Lavrov said Russia backs the talks.", "He added that Moscow would host them again."])
    assert got[-1][:3] == ("Moscow would host them again.", "indirect", "lavrov")
    assert quotes_of(small, ["He said nothing would change."])[0][2] == ""


def test_sourcing_table_shares_add_up(extraction: Extraction) -> None:
    table = sourcing_table(extraction.quotes, sorted(extraction.quotes["outlet_id"].unique()), ["russia", "taliban", "united_states", "afghan_government", "international"])
    for _, part in table.groupby("outlet_id"):
        assert part["quotes_share"].sum() == pytest.approx(1.0)
        assert part["quoted_words_share"].sum() == pytest.approx(1.0)
    voa = table[(table["outlet_id"] == "voa") & (table["side"] == "russia")].iloc[0]
    assert voa["quotes_count"] >= 15
