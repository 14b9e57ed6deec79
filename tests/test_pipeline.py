"""The spaCy pipeline: tokenizer fix, sentences, components, serialisation, pretrained option."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import spacy
from spacy.training import Example

from afstudy.errors import AfstudyError
from afstudy.pipeline import MENTIONS_KEY, PLACES_KEY, build_pipeline

MINI_GAZETTEER = """schema_version: 1
sides: {russia: Russia, taliban: Taliban, afghan_government: Afghan government, united_states: United States}
types: [person, organisation, state, body, media]
titles: [President, Mullah]
place_cues:
  prepositions: [in, to, from]
  verbs: [visited]
  following: [talks, -based]
actors:
  - {id: russia, name: Russia, type: state, side: russia, affiliation: null, names: [Russia], aliases: [], surnames: [], descriptors: [Russian side], labels: [], metonyms: [Moscow, Kremlin]}
  - {id: ru_mfa, name: Russian Foreign Ministry, type: organisation, side: russia, affiliation: russia, names: [Russian Foreign Ministry], aliases: [], surnames: [], descriptors: [Foreign Ministry], labels: [], metonyms: []}
  - {id: af_mfa, name: Afghan Foreign Ministry, type: organisation, side: afghan_government, affiliation: afghan_government, names: [Afghan Foreign Ministry], aliases: [], surnames: [], descriptors: [Foreign Ministry], labels: [], metonyms: []}
  - {id: kabulov, name: Zamir Kabulov, type: person, side: russia, affiliation: ru_mfa, names: [Zamir Kabulov], aliases: [], surnames: [Kabulov], descriptors: [Russian diplomat, special envoy], labels: [], metonyms: []}
  - {id: taliban, name: Taliban, type: organisation, side: taliban, affiliation: null, names: [Taliban], aliases: [], surnames: [], descriptors: [], labels: [militant group, group, insurgents], metonyms: []}
  - {id: naeem, name: Mohammad Naeem, type: person, side: taliban, affiliation: taliban, names: [Mohammad Naeem], aliases: [], surnames: [Naeem], descriptors: [Taliban spokesman], labels: [], metonyms: []}
  - {id: shaheen, name: Suhail Shaheen, type: person, side: taliban, affiliation: taliban, names: [Suhail Shaheen, Sohail Shaheen], aliases: [], surnames: [Shaheen], descriptors: [Taliban spokesman], labels: [], metonyms: []}
  - {id: afghanistan, name: Afghanistan, type: state, side: afghan_government, affiliation: null, names: [Afghanistan], aliases: [], surnames: [], descriptors: [], labels: [], metonyms: []}
  - {id: afghan_government, name: Afghan government, type: body, side: afghan_government, affiliation: afghanistan, names: [Afghan government], aliases: [], surnames: [], descriptors: [], labels: [], metonyms: [Kabul]}
  - {id: united_states, name: United States, type: state, side: united_states, affiliation: null, names: [United States], aliases: [U.S., US], surnames: [], descriptors: [], labels: [], metonyms: [Washington]}
places:
  - {id: moscow, name: Moscow, names: [Moscow], country: russia}
  - {id: kabul, name: Kabul, names: [Kabul], country: afghanistan}
  - {id: doha, name: Doha, names: [Doha], country: null}
"""


@pytest.fixture(scope="module")
def mini_nlp(tmp_path_factory: pytest.TempPathFactory) -> spacy.language.Language:
    path = tmp_path_factory.mktemp("gaz") / "actors.yaml"
    path.write_text(MINI_GAZETTEER)
    return build_pipeline(None, path)


def mentions(nlp: spacy.language.Language, text: str) -> list[tuple[str, str, str]]:
    doc = nlp(text)
    return [(s.text, s.label_, s.kb_id_) for s in doc.spans[MENTIONS_KEY]]


def places(nlp: spacy.language.Language, text: str) -> list[tuple[str, str, str]]:
    doc = nlp(text)
    return [(s.text, s.label_, s.kb_id_) for s in doc.spans[PLACES_KEY]]


def test_tokenizer_splits_abbreviation_compounds(mini_nlp: spacy.language.Language) -> None:
    assert [t.text for t in mini_nlp.make_doc("the U.S.-Taliban deal")] == ["the", "U.S.", "-", "Taliban", "deal"]
    assert mentions(mini_nlp, "the U.S.-Taliban deal") == [("U.S.", "united_states", "alias"), ("Taliban", "taliban", "name")]


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("Talks with the U.S. Army began. Officials met.", ["Talks with the U.S. Army began.", "Officials met."]),
        ("Talks on Sept. 4 were planned. Dr. Kochai said no.", ["Talks on Sept. 4 were planned.", "Dr. Kochai said no."]),
        ("“It’s not a negotiation,” Shaheen told reporters. “They came here.”", ["“It’s not a negotiation,” Shaheen told reporters.", "“They came here.”"]),
        ("He called it “positive.” He also denied it.", ["He called it “positive.”", "He also denied it."]),
        ("Headline without a stop\n\nFirst paragraph. second part stays.", ["Headline without a stop", "First paragraph. second part stays."]),
    ],
)
def test_sentence_boundaries(mini_nlp: spacy.language.Language, text: str, sentences: list[str]) -> None:
    assert [s.text.strip() for s in mini_nlp(text).sents] == sentences


def test_longest_match_possessives_and_titles(mini_nlp: spacy.language.Language) -> None:
    got = mentions(mini_nlp, "The Russian Foreign Ministry said Russia’s envoy and Afghan President met.")
    assert got == [("Russian Foreign Ministry", "ru_mfa", "name"), ("Russia", "russia", "name")]


def test_surnames_descriptors_and_labels_resolve_in_context(mini_nlp: spacy.language.Language) -> None:
    text = (
        "Taliban spokesman Mohammad Naeem said the militant group met Zamir Kabulov.\n\n"
        "Naeem said the Russian diplomat agreed. Kabulov smiled. The Taliban spokesman, Shaheen, disagreed. "
        "Later the Taliban spokesman spoke again. Russian insurgents and the insurgents left."
    )
    got = mentions(mini_nlp, text)
    assert got == [
        ("Taliban", "taliban", "name"),
        ("Mohammad Naeem", "naeem", "name"),
        ("militant group", "taliban", "label"),
        ("Zamir Kabulov", "kabulov", "name"),
        ("Naeem", "naeem", "surname"),
        ("Russian diplomat", "kabulov", "descriptor"),
        ("Kabulov", "kabulov", "surname"),
        ("Taliban", "taliban", "name"),
        ("Shaheen", "shaheen", "surname"),
        ("Taliban spokesman", "shaheen", "descriptor"),
        ("insurgents", "taliban", "label"),
    ]


def test_shared_descriptor_uses_the_affiliation_that_was_mentioned_last(mini_nlp: spacy.language.Language) -> None:
    assert mentions(mini_nlp, "Russia sent officials from the Foreign Ministry.")[-1] == ("Foreign Ministry", "ru_mfa", "descriptor")
    assert mentions(mini_nlp, "Nobody from the Foreign Ministry came.") == [("Foreign Ministry", "unresolved", "descriptor")]


def test_metonyms_are_actors_and_locations_are_places(mini_nlp: spacy.language.Language) -> None:
    text = "Moscow has stepped up contacts. The talks in Moscow ended. Kabul's stance shifted in Kabul. A Kabul-based diplomat visited Russia. The Moscow talks failed."
    assert mentions(mini_nlp, text) == [("Moscow", "russia", "metonym"), ("Kabul", "afghan_government", "metonym")]
    assert places(mini_nlp, text) == [
        ("Moscow", "moscow", "preposition:in"),
        ("Kabul", "kabul", "preposition:in"),
        ("Kabul", "kabul", "following:-based"),
        ("Russia", "russia", "verb:visited"),
        ("Moscow", "moscow", "following:talks"),
    ]
    assert places(mini_nlp, "Talks took place at Doha.") == [("Doha", "doha", "place_name")]


def test_pipeline_round_trips_through_disk_and_runs_in_two_processes(mini_nlp: spacy.language.Language, tmp_path: Path) -> None:
    texts = ["Taliban spokesman Mohammad Naeem met Zamir Kabulov in Moscow.", "Kabulov said Washington agreed.", "Naeem left."] * 3
    expected = [[(s.text, s.label_, s.kb_id_) for s in d.spans[MENTIONS_KEY]] for d in mini_nlp.pipe(texts)]
    mini_nlp.to_disk(tmp_path / "pipeline")
    loaded = spacy.load(tmp_path / "pipeline")
    assert loaded.pipe_names == mini_nlp.pipe_names
    assert [[(s.text, s.label_, s.kb_id_) for s in d.spans[MENTIONS_KEY]] for d in loaded.pipe(texts)] == expected
    parallel = [[(s.text, s.label_, s.kb_id_) for s in d.spans[MENTIONS_KEY]] for d in loaded.pipe(texts, n_process=2, batch_size=2)]
    assert parallel == expected


def _train_tiny_ner(path: Path) -> None:
    nlp = spacy.blank("en")
    ner = nlp.add_pipe("ner")
    data = [
        ("Officials from Ruritania met in Zenda.", [(15, 24, "GPE"), (32, 37, "GPE")]),
        ("Ruritania and Zenda signed a deal.", [(0, 9, "GPE"), (14, 19, "GPE")]),
        ("The envoy of Ruritania left Zenda.", [(13, 22, "GPE"), (28, 33, "GPE")]),
    ]
    for _, spans in data:
        for *_, label in spans:
            ner.add_label(label)
    examples = [Example.from_dict(nlp.make_doc(t), {"entities": s}) for t, s in data]
    random.seed(0)
    spacy.util.fix_random_seed(0)
    optimizer = nlp.initialize(lambda: examples)
    for _ in range(30):
        nlp.update(examples, sgd=optimizer, drop=0.0)
    nlp.to_disk(path)


def test_a_pretrained_pipeline_is_loaded_by_name_and_its_entities_become_candidates(tmp_path: Path) -> None:
    _train_tiny_ner(tmp_path / "tiny")
    gaz = tmp_path / "actors.yaml"
    gaz.write_text(MINI_GAZETTEER)
    nlp = build_pipeline(str(tmp_path / "tiny"), gaz)
    assert nlp.pipe_names == ["afstudy_sentences", "ner", "afstudy_actors", "afstudy_lemmas", "afstudy_frames"]
    doc = nlp("Officials from Ruritania met Zamir Kabulov in Zenda.")
    assert [(s.text, s.label_) for s in doc.spans[MENTIONS_KEY]] == [("Zamir Kabulov", "kabulov")]
    assert {e.text for e in doc.ents} & {"Ruritania", "Zenda"}


def test_an_unloadable_model_is_a_clear_error() -> None:
    with pytest.raises(AfstudyError, match=r"'en_core_web_sm' could not be loaded.*spacy download en_core_web_sm"):
        build_pipeline("en_core_web_sm")


def test_a_bare_head_after_a_provisional_person_does_not_crash(make_corpus, tmp_path) -> None:
    """An unresolved or provisional mention before a bare head noun ("The council
    spokesman") once raised KeyError in the family-recency lookup (found by the benchmark)."""
    from afstudy.cli import main

    text = "Talks in Moscow\n\nTaliban spokesman Dazhik Taishou reiterated it. The council spokesman Kehost Nostom said so.\n"
    corpus = make_corpus({"a.txt": text})
    assert main(["extract", str(corpus), "--out", str(tmp_path / "out")]) == 0
    mentions = (tmp_path / "out" / "mentions.csv").read_text(encoding="utf-8")
    assert "prov:dazhik_taishou" in mentions and "prov:kehost_nostom" in mentions
