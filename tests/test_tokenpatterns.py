"""The fast token-pattern matcher gives exactly spaCy Matcher's matches."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
import spacy
from spacy.matcher import Matcher
from spacy.tokens import Doc

from afstudy.framing import FRAMES_FILE, FRAMES_KEY, load_lexicon
from afstudy.parsing import ParsedCorpus
from afstudy.pipeline import build_pipeline
from afstudy import tokenpatterns
from afstudy.tokenpatterns import TokenPatternMatcher, supported
from afstudy.units import article_text, article_units

HAND_BUILT: list[list[dict[str, Any]]] = [
    [{"LEMMA": {"IN": ["talk", "meet"]}}, {"LOWER": "very", "OP": "*"}, {"LOWER": {"IN": ["good", "bad"]}, "OP": "+"}],
    [{"LOWER": "peace"}, {"OP": "?"}, {"OP": "?"}, {"LOWER": {"NOT_IN": ["talk", "deal"]}}],
    [{"ORTH": "Moscow"}, {"TEXT": {"REGEX": "^[a-z]+$"}, "OP": "?"}, {"LOWER": "format"}],
    [{"LOWER": {"REGEX": r"^\d+$"}}, {"LOWER": "-", "OP": "?"}, {"LOWER": "strong"}],
]
FILLER = ["the", "a", "Moscow", "moscow", "format", "peace", "talk", "deal", "very", "good", "bad", "meet", "12", "2,000", "-", "strong", "of", "'s"]


def lexicon_words() -> list[str]:
    """Every word the project's frame patterns name, plus some that match their regexes."""
    found: set[str] = set()
    for dim in load_lexicon(FRAMES_FILE):
        for pattern in dim.patterns:
            for spec in pattern:
                for key, value in spec.items():
                    if key == "OP":
                        continue
                    if isinstance(value, str):
                        found.add(value)
                    elif "IN" in value:
                        found.update(value["IN"])
    return sorted(found | {"500", "3,000", "12", "twenty", "$", "the", "of", "and", "some", "x"})


def random_docs(vocab: spacy.vocab.Vocab, words: list[str], n: int, length: int, seed: int) -> list[Doc]:
    rng = random.Random(seed)
    docs = []
    for _ in range(n):
        doc = Doc(vocab, words=[rng.choice(words) for _ in range(length)])
        for token in doc:
            token.lemma_ = token.lower_
        docs.append(doc)
    return docs


def both(patterns: list[list[dict[str, Any]]], docs: list[Doc]) -> tuple[list[set[tuple[str, int, int]]], list[set[tuple[str, int, int]]]]:
    vocab = docs[0].vocab
    reference, fast = Matcher(vocab, validate=True), TokenPatternMatcher(vocab.strings)
    for n, pattern in enumerate(patterns):
        reference.add(f"p{n}", [pattern])
        fast.add(f"p{n}", pattern)
    expected = [{(vocab.strings[m], s, e) for m, s, e in reference(doc)} for doc in docs]
    got = [set(fast(doc)) for doc in docs]
    return expected, got


def test_same_matches_as_spacy_on_random_text_with_the_lexicon_patterns() -> None:
    patterns = [p for dim in load_lexicon(FRAMES_FILE) for p in dim.patterns]
    assert all(supported(p) for p in patterns)
    docs = random_docs(spacy.blank("en").vocab, lexicon_words(), n=400, length=60, seed=7)
    expected, got = both(patterns, docs)
    assert sum(len(e) for e in expected) > 200  # the random text really exercises the patterns
    assert got == expected


def test_the_word_form_cache_stays_bounded_without_changing_matches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokenpatterns, "CACHED_FORMS", 8)
    words = [*FILLER, *(f"w{n}" for n in range(40))]  # more distinct forms than the cache keeps
    docs = random_docs(spacy.blank("en").vocab, words, n=200, length=40, seed=3)
    fast = TokenPatternMatcher(docs[0].vocab.strings)
    for n, pattern in enumerate(HAND_BUILT):
        fast.add(f"p{n}", pattern)
    for doc in docs:
        fast(doc)
        assert all(len(cache) <= 8 for cache in fast._cache.values())
    expected, got = both(HAND_BUILT, docs)
    assert sum(len(e) for e in expected) > 100
    assert got == expected


def test_same_matches_as_spacy_for_lemma_not_in_star_plus_and_wildcards() -> None:
    docs = random_docs(spacy.blank("en").vocab, FILLER, n=400, length=40, seed=11)
    expected, got = both(HAND_BUILT, docs)
    assert sum(len(e) for e in expected) > 200
    assert got == expected


def test_matches_come_sorted_by_start_end_and_pattern_order() -> None:
    nlp = spacy.blank("en")
    fast = TokenPatternMatcher(nlp.vocab.strings)
    fast.add("b", [{"LOWER": "peace"}, {"LOWER": "talks", "OP": "?"}])
    fast.add("a", [{"LOWER": "peace"}])
    assert fast(nlp("peace talks and peace")) == [("b", 0, 1), ("a", 0, 1), ("b", 0, 2), ("b", 3, 4), ("a", 3, 4)]
    assert fast(nlp("")) == []


@pytest.mark.parametrize(
    "pattern",
    [
        [{"POS": "NOUN"}],
        [{"LOWER": "a", "OP": "!"}],
        [{"LOWER": "a", "OP": "?"}, {"LOWER": "b"}],
        [{"LOWER": "a", "LENGTH": 1}],
        [{"LOWER": {"FUZZY": "peace"}}],
        [],
    ],
)
def test_patterns_outside_the_subset_are_refused(pattern: list[dict[str, Any]]) -> None:
    assert not supported(pattern)
    with pytest.raises(ValueError, match="outside the subset"):
        TokenPatternMatcher(spacy.blank("en").vocab.strings).add("x", pattern)


def test_frame_finder_leaves_other_patterns_to_spacy_matcher(tmp_path: Path) -> None:
    path = tmp_path / "frames.yaml"
    path.write_text(
        "schema_version: 1\ndimensions:\n  - id: political\n    name: Political\n"
        "    patterns:\n      - [{LOWER: new, OP: '?'}, {LOWER: talks}]\n      - [{LOWER: peace}, {LOWER: process}]\n"
    )
    nlp = build_pipeline(frames_path=path)
    finder = nlp.get_pipe("afstudy_frames")
    assert (len(finder.fast_patterns), len(finder.patterns)) == (1, 1)
    doc = nlp("New talks restart the peace process.")
    assert [(s.text, s.kb_id_) for s in doc.spans[FRAMES_KEY]] == [("New talks", "pattern1"), ("peace process", "pattern2")]


def test_same_frame_hits_as_spacy_matcher_on_the_seed_articles(seed_corpus: ParsedCorpus) -> None:
    nlp = build_pipeline()
    finder = nlp.get_pipe("afstudy_frames")
    reference = Matcher(nlp.vocab, validate=True)
    for dim in finder.dimensions:
        for n, pattern in enumerate(dim.patterns):
            reference.add(f"{dim.id}|pattern{n + 1}", [pattern])
    total = 0
    for article in seed_corpus.articles:
        doc = nlp(article_text(article_units(article)))
        expected = sorted((nlp.vocab.strings[m], s, e) for m, s, e in reference(doc))
        assert sorted(finder.fast_patterns(doc)) == expected
        total += len(expected)
    assert total >= 20
