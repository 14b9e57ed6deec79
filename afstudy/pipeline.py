"""The spaCy pipeline: ``spacy.blank("en")`` (or a named pretrained pipeline) plus the
project's rule-based components, registered with ``@Language.factory``.

- ``afstudy_sentences``: sentence boundaries that survive "U.S.", "Sept.", "Dr." and quotes,
  and always start a sentence at a new text unit (units are joined by blank lines).
- ``afstudy_actors``: actor mentions and places from the gazetteer's patterns (kept as data,
  EntityRuler-style), resolved to one actor id within the document (one document = one
  article). Results go to ``doc.spans["afstudy_mentions"]`` (label = actor id or
  ``unresolved``, kb_id = how it was resolved) and ``doc.spans["afstudy_places"]``.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy
import spacy
import srsly
from spacy.attrs import ORTH, SENT_START, SPACY
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.util import compile_infix_regex

from afstudy.errors import AfstudyError
from afstudy.framing import FRAMES_FILE  # registers afstudy_lemmas and afstudy_frames
from afstudy.gazetteer import ACTORS_FILE, Actor, Gazetteer, load_gazetteer
from afstudy.openworld import OpenWorld
from afstudy.quotemarks import quoted_ranges

MENTIONS_KEY = "afstudy_mentions"
DATE_KEY = "afstudy_date"  # doc.user_data key: the article's date (ISO string), set before the pipeline runs
BYLINE_KEY = "afstudy_bylines"  # doc.user_data key: (start, end) characters of byline and dateline units
PROVISIONAL_KEY = "afstudy_provisional"  # doc.user_data key: provisional actors found (id -> id, name, type, side, evidence)
EXCLUSIVE_HOWS = frozenset({"name", "alias", "metonym"})
INDEFINITES = frozenset({"a", "an", "another", "any", "every", "each", "some", "no"})
DEFINITE_STOPS = frozenset({"the", "this", "that", "these", "those", "its", "their", "his", "her", "our", "your", "my", "of", "in", "on", "at", "to", "for", "with", "from", "by", "and", "or", "but", ",", "’s", "'s"})
DATE_WORDS = frozenset("january february march april may june july august september october november december jan feb mar apr jun jul aug sep sept oct nov dec".split())
POSSESSIVE_MARKS = frozenset({"'s", "’s", "'", "’"})
PLACES_KEY = "afstudy_places"
UNRESOLVED = "unresolved"
SENTENCE_END = frozenset({".", "!", "?", "…"})
CLOSERS = frozenset({"”", "’", '"', "'", ")", "]"})
# Priority when one span matches several kinds of pattern (lower wins).
PRIORITY = {"name": 0, "alias": 1, "metonym": 2, "place": 3, "surname": 4, "descriptor": 5, "label": 6}
CASE_SENSITIVE = frozenset({"name", "alias", "metonym", "place", "surname"})
# An abbreviation's final period followed by a hyphen and a capital: "U.S.-Taliban".
EXTRA_INFIXES = [r"(?<=[A-Z]\.)[-–](?=[A-Za-z])"]


def doc_date(doc: Doc) -> dt.date | None:
    """The article date stored in ``doc.user_data`` (None for an undated text)."""
    value = doc.user_data.get(DATE_KEY)
    return dt.date.fromisoformat(value) if value else None


def head_owners(gazetteer: Gazetteer) -> dict[str, list[str]]:
    """One-word labels and descriptors ("council", "ministry") -> the actors that use them."""
    out: dict[str, list[str]] = {}
    for actor in gazetteer.actors.values():
        for form in (*actor.labels, *actor.descriptors):
            if " " not in form:
                out.setdefault(form.lower(), []).append(actor.id)
    return out


def person_name_ends(gazetteer: Gazetteer) -> dict[tuple[str, str], str]:
    """(first word, last word) of every two-word name or alias of a listed person, where
    that pair names one person only (what a name with a middle word or initial resolves to)."""
    owners: dict[tuple[str, str], set[str]] = {}
    for actor in gazetteer.actors.values():
        if actor.type == "person":
            for name in (*actor.names, *actor.aliases):
                words = name.split()
                if len(words) == 2:
                    owners.setdefault((words[0], words[1]), set()).add(actor.id)
    return {key: next(iter(ids)) for key, ids in owners.items() if len(ids) == 1}


def customize_tokenizer(nlp: Language) -> None:
    """Split "U.S.-Taliban" into "U.S.", "-", "Taliban" (spaCy keeps it as one token)."""
    infixes = list(nlp.Defaults.infixes or []) + EXTRA_INFIXES
    nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer


@Language.factory("afstudy_sentences", assigns=["token.is_sent_start"])
def make_sentences(nlp: Language, name: str) -> SentenceSplitter:
    """Factory of the rule-based sentence splitter."""
    return SentenceSplitter()


class SentenceSplitter:
    """Sentence starts after . ! ? … (plus closing quotes), and at every new text unit.

    Abbreviations such as "U.S.", "Sept." and "Dr." are single tokens in spaCy's English
    tokenizer, so they never end a sentence; a lowercase word after the punctuation does
    not start one ("… the U.N. said" stays whole). The boundaries are computed on the
    token strings and written in one ``Doc.from_array`` call.
    """

    def __call__(self, doc: Doc) -> Doc:
        n = len(doc)
        if not n:
            return doc
        strings = doc.vocab.strings
        array = doc.to_array([ORTH, SPACY])
        texts = [strings[h] for h in array[:, 0].tolist()]
        spaces = array[:, 1].astype(bool).tolist()
        starts = numpy.full(n, -1, dtype=numpy.int32)
        starts[0] = 1
        for i in range(1, n):
            prev = texts[i - 1]
            if prev.isspace() and "\n" in prev:
                starts[i] = 1
            elif not texts[i].isspace() and self._ends_before(texts, spaces, i):
                starts[i] = 1
        doc.from_array([SENT_START], starts.astype(numpy.uint64).reshape(-1, 1))
        return doc

    @staticmethod
    def _ends_before(texts: list[str], spaces: list[bool], i: int) -> bool:
        """True when token ``i`` starts a sentence: sentence-final punctuation (and any
        closing quotes after it) precedes it, with a space, and it is not lowercase."""
        j = i - 1
        while j > 0 and texts[j] in CLOSERS:
            j -= 1
        if texts[j] not in SENTENCE_END or not spaces[i - 1]:
            return False
        first = texts[i].lstrip("“\"‘'(")
        return not first or not first[0].islower()


@dataclass
class Candidate:
    """A span that matched one or more gazetteer patterns."""

    start: int
    end: int
    kinds: dict[str, list[str]] = field(default_factory=dict)  # how -> actor or place ids

    @property
    def best(self) -> str:
        """The highest-priority kind of pattern this span matched."""
        return min(self.kinds, key=PRIORITY.__getitem__)

    @property
    def size(self) -> int:
        """Length in tokens."""
        return self.end - self.start


@Language.factory(
    "afstudy_actors",
    assigns=["doc.spans"],
    default_config={"gazetteer_path": None, "label_requires_determiner": True},
)
def make_actor_finder(nlp: Language, name: str, gazetteer_path: str | None, label_requires_determiner: bool) -> ActorFinder:
    """Factory of the gazetteer-driven actor mention finder and resolver."""
    return ActorFinder(nlp, name, load_gazetteer(gazetteer_path or ACTORS_FILE), label_requires_determiner)


class ActorFinder:
    """Find actor mentions and places with PhraseMatchers built from gazetteer patterns."""

    def __init__(self, nlp: Language, name: str, gazetteer: Gazetteer, label_requires_determiner: bool = True) -> None:
        self.nlp = nlp
        self.name = name
        self.gazetteer = gazetteer
        self.label_requires_determiner = label_requires_determiner
        self.patterns = gazetteer.patterns()
        self.open_world = gazetteer.open_world
        self._head_owners = head_owners(gazetteer)
        self._person_names = person_name_ends(gazetteer)
        self._title_words = frozenset(w for t in gazetteer.titles for w in t.split())
        self.exact = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        self._keys: dict[str, tuple[str, list[str]]] = {}
        self._add_patterns(nlp, self.patterns)

    def _add_patterns(self, nlp: Language, patterns: Iterable[dict[str, str]]) -> None:
        grouped: dict[tuple[str, str], list[str]] = {}
        for p in patterns:
            text = p["pattern"] if p["label"] in CASE_SENSITIVE else p["pattern"].lower()
            ids = grouped.setdefault((p["label"], text), [])
            if p["id"] not in ids:
                ids.append(p["id"])
        for (how, text), ids in grouped.items():
            key = f"{how}|{text}"
            self._keys[key] = (how, ids)
            matcher = self.exact if how in CASE_SENSITIVE else self.lower
            matcher.add(key, [nlp.make_doc(text)])

    def add_outlets(self, outlets: dict[str, str]) -> list[str]:
        """Media actors for a corpus's outlets that the gazetteer lacks: id the metadata's
        ``outlet_id``, name its ``outlet`` (matched as a name unless another actor already
        claims that form). Returns the ids added; the caller warns about each."""
        claimed = {n for a in self.gazetteer.actors.values() for n in (*a.names, *a.aliases)}
        added = []
        for outlet_id, name in sorted(outlets.items()):
            if not outlet_id or outlet_id in self.gazetteer.actors:
                continue
            names = (name,) if name and name not in claimed else ()
            self.gazetteer.actors[outlet_id] = Actor(outlet_id, name or outlet_id, "media", "media", None, names, (), (), (), (), ())
            self._add_patterns(self.nlp, [{"label": "name", "pattern": n, "id": outlet_id} for n in names])
            claimed.update(names)
            added.append(outlet_id)
        return added

    # -- candidates -----------------------------------------------------------------
    def _candidates(self, doc: Doc) -> list[Candidate]:
        found: dict[tuple[int, int], Candidate] = {}
        on = doc_date(doc)
        for matcher in (self.exact, self.lower):
            for match_id, start, end in matcher(doc):
                how, ids = self._keys[doc.vocab.strings[match_id]]
                if how != "place":
                    ids = self._ids_on(doc, start, ids, on, exclusive=how in EXCLUSIVE_HOWS)
                    if not ids:
                        continue  # no actor of this form exists on the article's date
                cand = found.setdefault((start, end), Candidate(start, end))
                cand.kinds.setdefault(how, []).extend(i for i in ids if i not in cand.kinds.get(how, []))
        return sorted(found.values(), key=lambda c: (c.start, -c.size))

    def _ids_on(self, doc: Doc, start: int, ids: list[str], on: dt.date | None, *, exclusive: bool) -> list[str]:
        """The claimants of a form on the article's date; after a historical modifier
        ("the former Afghan government"), the claimant whose period ended before it."""
        gaz = self.gazetteer
        if any(gaz.actors[i].is_bounded for i in ids) and self._after_historical_modifier(doc, start):
            earlier = gaz.earlier_ids(ids, on)
            if earlier:
                return earlier
        return gaz.valid_ids(ids, on, exclusive=exclusive)

    def _after_historical_modifier(self, doc: Doc, start: int) -> bool:
        before = doc.text[max(0, doc[start].idx - 24) : doc[start].idx].lower().rstrip()
        words = re.findall(r"[\w.-]+", before)
        return bool(words) and words[-1] in self.gazetteer.historical_modifiers

    def _is_person_name(self, cand: Candidate) -> bool:
        return any(
            self.gazetteer.actors[i].type == "person"
            for how in ("name", "alias", "surname")
            for i in cand.kinds.get(how, [])
        )

    def _descriptor_is_attached(self, doc: Doc, cand: Candidate, by_start: dict[int, list[Candidate]], by_end: dict[int, list[Candidate]]) -> bool:
        """A descriptor next to a person's name modifies it and is not a mention itself:
        before the name ("Taliban spokesman Mohammad Naeem", "Russian Presidential Envoy for
        Afghanistan Zamir Kabulov", "Taliban co-founder and political leader Mullah Abdul
        Ghani Baradar"), in apposition ("Afghanistan's ambassador to Russia, Dr. Abdul Qayyum
        Kochai", "Zamir Kabulov, the deputy head"), or as a copula ("Zamir Kabulov is
        Russia's special envoy"). Between the descriptor and the name may stand titles, a
        prepositional complement of the role ("for Afghanistan") and a coordinated role."""
        owners = cand.kinds["descriptor"]
        if not any(self.gazetteer.actors[i].type == "person" for i in owners):
            return False
        titles = self._title_words
        j, steps = cand.end, 0
        while j < len(doc) and steps < 8:
            word = doc[j].lower_
            if any(self._is_person_name(c) for c in by_start.get(j, [])) or self._starts_new_name(doc, j, by_start):
                return True
            if word in {",", "the", "-", "–", "and", "for", "to", "of", "on", "in"} or doc[j].text in titles or (word.isalpha() and word.islower() and steps < 6 and word not in {"said", "says", "told"}):
                j, steps = j + 1, steps + 1
                continue
            if doc[j].text[:1].isupper() and any(c.start == j for cs in by_start.values() for c in cs):  # a place or state in the complement
                inner = max((c.end for c in by_start.get(j, [])), default=j + 1)
                j, steps = inner, steps + 1
                continue
            break
        k = cand.start
        while k > 0 and cand.start - k < 2 and doc[k - 1].lower_ in {",", "the", "is", "was"}:
            k -= 1
        return any(self._is_person_name(c) for c in by_end.get(k, []))

    def _starts_new_name(self, doc: Doc, j: int, by_start: dict[int, list[Candidate]]) -> bool:
        """Two capitalised words that no gazetteer form covers ("… for Afghanistan, Tariq
        Nadeemzai"): a person's name the open-world step reads, which the role before it
        describes."""
        if j + 1 >= len(doc) or by_start.get(j) or by_start.get(j + 1) or not doc[j].whitespace_:
            return False
        return all(
            doc[k].is_alpha and doc[k].text[:1].isupper() and not doc[k].text.isupper() and doc[k].lower_ not in STOP_WORDS and doc[k].text not in self._title_words
            for k in (j, j + 1)
        )

    def _next_word(self, doc: Doc, end: int) -> str:
        """The word after a span, with a hyphen joined on ("-based", "-led")."""
        if end >= len(doc):
            return ""
        word = doc[end].lower_
        if word in ("-", "–") and end + 1 < len(doc) and doc[end].whitespace_ == "":
            return "-" + doc[end + 1].lower_
        return word

    def _place_cue(self, doc: Doc, cand: Candidate, last_place_end: int | None) -> str:
        """Why a place-capable name is used as a location here ('' when it is an actor).

        In order: "-based" after any name makes it a place ("Qatar-based"); a possessive
        followed by a location noun ("Afghanistan's territory", "Russia's capital") makes it
        a place, any other possessive or an agentive compound ("Kabul's stance", "U.S.-led")
        an actor; a state name continuing a place or a list of places ("Doha, Qatar"; "to
        Afghanistan, Pakistan and Qatar"), a location noun with "of" ("the Gulf state of
        Qatar", "control of Afghanistan"), a location noun right before a city ("the capital
        Moscow"), a locative preposition (perhaps with "the": "in the United States") or a
        motion verb before it, or an attributive noun after it ("the Moscow talks",
        "Kabul-based") make it a place; some prepositions do not after certain words
        ("ambassador to Russia", "officials from Afghanistan", "in addition to Qatar").
        """
        gaz = self.gazetteer
        after = self._next_word(doc, cand.end)
        if after == "-based":
            return "following:-based"
        possessive = after in ("'s", "’s", "'", "’")
        if possessive:  # the possessed noun decides: "Afghanistan's territory", "Moscow's President-Hotel" are places
            for k in range(cand.end + 1, min(cand.end + 5, len(doc))):
                if doc[k].is_punct and doc[k].text not in ("-", "–"):
                    break
                if doc[k].lower_ in gaz.possessive_place_nouns:
                    return f"possessive:{doc[k].lower_}"
            return ""
        if after in gaz.actor_following or self._is_compound_modifier(doc, cand.end):
            return ""
        if after == "," and cand.end + 1 < len(doc) and doc[cand.end + 1].lower_ in DATE_WORDS:
            return "dateline"  # "New Delhi, November 8"
        before_index = cand.start - 1
        skipped = 0
        while before_index > 0 and skipped < 2 and (doc[before_index].lower_ == "the" or (doc[before_index].is_lower and doc[before_index].is_alpha and not doc[before_index].is_stop) or doc[before_index].text in ("-", "–")):
            if doc[before_index - 1].lower_ in gaz.place_prepositions or doc[before_index - 1].text in ("-", "–") or (doc[before_index - 1].is_lower and doc[before_index - 1].is_alpha):
                before_index -= 1  # "in the United States", "in northern Afghanistan", "in war-torn Afghanistan"
                skipped += 1
            else:
                break
        if before_index != cand.start - 1 and doc[before_index].lower_ not in gaz.place_prepositions:
            before_index = cand.start - 1
        before = doc[before_index].lower_ if before_index >= 0 else ""
        if last_place_end is not None and "metonym" not in cand.kinds:
            between: list[str] = []
            for k in range(last_place_end, cand.start):
                word = doc[k].lower_
                if word not in gaz.list_words:
                    between = []
                    break
                between.append(word)
            if between:
                return "list:" + "_".join(between)
        if before == "of" and before_index > 0 and doc[before_index - 1].lower_ in gaz.location_nouns:
            return f"of:{doc[before_index - 1].lower_}"
        if before in gaz.place_nouns_before and ("metonym" in cand.kinds or "place" in cand.kinds):
            return f"noun_before:{before}"
        if before in gaz.place_prepositions:
            head = doc[before_index - 1].lower_ if before_index > 0 else ""
            if head in gaz.not_place_after.get(before, frozenset()):
                return ""
            if before == "to" and head in ("sent", "extended", "issued", "delivered") and any(doc[k].lower_.startswith("invit") for k in range(max(0, before_index - 16), before_index)):
                return ""  # invitations sent to a state: the state is their addressee
            return f"preposition:{before}"
        if before in gaz.place_verbs:
            return f"verb:{before}"
        if after in gaz.place_following and ("metonym" in cand.kinds or "place" in cand.kinds):
            return f"following:{after}"
        return ""

    def _is_given_name(self, token: object) -> bool:
        """A capitalised word right before a surname that is not a title: a given name."""
        text = token.text  # type: ignore[attr-defined]
        return text[:1].isupper() and text.isalpha() and text not in self._title_words and not token.is_sent_start and text.lower() not in STOP_WORDS  # type: ignore[attr-defined]

    @staticmethod
    def _names_more(doc: Doc, end: int) -> bool:
        """ "the Council of Afghan Society": a form followed by "of" and a capitalised word
        is the start of a longer proper name the gazetteer lacks."""
        return end + 1 < len(doc) and doc[end].lower_ == "of" and doc[end + 1].text[:1].isupper() and doc[end + 1].lower_ != "the"

    @staticmethod
    def _after_the(doc: Doc, start: int) -> bool:
        """A label needs "the" right before it, or "the" and one capitalised modifier ("the
        Afghan group")."""
        if start > 0 and doc[start - 1].lower_ == "the":
            return True
        return start > 1 and doc[start - 2].lower_ == "the" and doc[start - 1].text[:1].isupper() and doc[start - 1].is_alpha

    @staticmethod
    def _is_indefinite(doc: Doc, start: int) -> bool:
        """Preceded by an indefinite determiner, perhaps with lowercase modifiers between ("a
        new interim government", "an official spokesperson")."""
        k = start - 1
        while k >= 0 and start - k <= 4:
            word = doc[k].lower_
            if word in INDEFINITES:
                return True
            if word in DEFINITE_STOPS or not (word.isalpha() and word.islower() or word in ("-", "–", "“", '"', "‘")):
                return False  # a definite determiner, a preposition, a name: not an indefinite description
            k -= 1
        return False

    @staticmethod
    def _is_compound_modifier(doc: Doc, end: int) -> bool:
        """ "US-Taliban deal": a name joined by a hyphen to another capitalised word modifies
        a noun as a party, not as a location."""
        return end + 1 < len(doc) and doc[end].text in ("-", "–") and doc[end].whitespace_ == "" and doc[end + 1].text[:1].isupper()

    def _classify(self, doc: Doc, cands: list[Candidate]) -> tuple[list[Candidate], list[tuple[Candidate, str]]]:
        """Split candidates into actor-mention candidates and place uses."""
        by_start: dict[int, list[Candidate]] = {}
        by_end: dict[int, list[Candidate]] = {}
        for c in cands:
            by_start.setdefault(c.start, []).append(c)
            by_end.setdefault(c.end, []).append(c)
        actors: list[Candidate] = []
        places: list[tuple[Candidate, str]] = []
        last_place_end: int | None = None
        by_end_tokens = {c.end - 1 for c in cands if c.kinds.keys() & {"name", "alias"}}
        for c in cands:
            if "label" in c.kinds and len(c.kinds) == 1 and (
                (self.label_requires_determiner and not self._after_the(doc, c.start)) or c.start - 1 in by_end_tokens or self._names_more(doc, c.end)
            ):
                continue  # "the Interfax news agency": a label after a name is its head noun; "the Council of X": a longer name
            if c.kinds.keys() == {"surname"} and c.start > 0 and self._is_given_name(doc[c.start - 1]):
                continue  # "Omar Abdullah": the surname of somebody else's name
            if c.kinds.keys() <= {"descriptor", "label"} and self._is_indefinite(doc, c.start):
                continue  # "an inclusive government", "a Taliban spokesman": not one identified actor
            if c.kinds.keys() == {"descriptor"} and (
                self._descriptor_is_attached(doc, c, by_start, by_end)
                or (c.start > 0 and doc[c.start - 1].lower_ in self.gazetteer.rank_modifiers)  # "the deputy head of …": a lower office
            ):
                continue
            states = [i for i in c.kinds.get("name", []) + c.kinds.get("alias", []) if self.gazetteer.actors[i].type == "state"]
            place_capable = "place" in c.kinds or "metonym" in c.kinds or bool(states)
            cue = self._place_cue(doc, c, last_place_end) if place_capable else ""
            if c.kinds.keys() == {"place"}:
                cue = cue or "place_name"
            if cue:
                places.append((c, cue))
                last_place_end = c.end
            else:
                actors.append(c)
        return actors, places

    @staticmethod
    def _select(cands: list[Candidate]) -> list[Candidate]:
        """Non-overlapping spans: longest first, then earliest (spaCy's filter_spans rule)."""
        taken: set[int] = set()
        chosen = []
        for c in sorted(cands, key=lambda c: (-c.size, c.start)):
            if not taken.intersection(range(c.start, c.end)):
                chosen.append(c)
                taken.update(range(c.start, c.end))
        return sorted(chosen, key=lambda c: c.start)

    # -- resolution -----------------------------------------------------------------
    def _family_recency(self, actor_id: str, last_seen: dict[str, int]) -> int:
        """Most recent position of the actor, an actor under it, or an actor above it."""
        actors = self.gazetteer.actors
        ancestors = set(self.gazetteer.ancestors(actor_id)) if actor_id in actors else set()
        return max(
            (pos for seen, pos in last_seen.items() if seen == actor_id or seen in ancestors or (seen in actors and actor_id in self.gazetteer.ancestors(seen))),
            default=-1,
        )  # provisional ids and the unresolved label have no family

    def _resolve(self, how: str, ids: list[str], last_seen: dict[str, int], possessor: str | None = None) -> str:
        """Pick one actor for a match: direct for names; by recency for shared forms.

        After a possessive ("Russia's foreign ministry", "the Taliban's foreign ministry")
        only the candidates that belong to the possessor count. A shared surname goes to the
        bearer mentioned last, else to the bearer whose family was mentioned last; a shared
        descriptor or label to the candidate whose family (itself, its members, its parents;
        e.g. Kabulov for the Russian Foreign Ministry) was mentioned last.
        """
        if how in ("name", "alias", "metonym") or len(ids) == 1:
            return ids[0]
        if possessor is not None:
            owned = [i for i in ids if i == possessor or possessor in self.gazetteer.ancestors(i)]
            if len(owned) == 1:
                return owned[0]
            ids = owned or ids
        seen = [i for i in ids if i in last_seen]
        if seen:
            return max(seen, key=last_seen.__getitem__)
        scores = {i: self._family_recency(i, last_seen) for i in ids}
        best = max(scores.values())
        winners = [i for i, s in scores.items() if s == best]
        return winners[0] if best >= 0 and len(winners) == 1 else UNRESOLVED

    def __call__(self, doc: Doc) -> Doc:
        cands = self._candidates(doc)
        actor_cands, place_cands = self._classify(doc, self._inside_longer_names(doc, cands))
        chosen = self._select(actor_cands + [c for c, _ in place_cands])
        place_of = {id(c): cue for c, cue in place_cands}
        last_seen: dict[str, int] = {}
        said: dict[str, int] = {}  # last positions outside quote marks: what the report itself has named
        quoted = quoted_ranges(doc.text)
        starts = [a for a, _ in quoted]
        mentions: list[Span] = []
        places: list[Span] = []
        for c in chosen:
            if id(c) in place_of:
                ids = c.kinds.get("place") or c.kinds.get("name") or c.kinds.get("alias") or c.kinds.get("metonym") or []
                place_id = ids[0] if "place" in c.kinds or "metonym" not in c.kinds else self._place_for(c)
                places.append(Span(doc, c.start, c.end, label=place_id, kb_id=place_of[id(c)]))
                continue
            how = c.best
            possessor = mentions[-1].label_ if mentions and mentions[-1].end == c.start - 1 and doc[c.start - 1].text in POSSESSIVE_MARKS else None
            k = bisect_right(starts, doc[c.start].idx) - 1
            inside = k >= 0 and doc[c.start].idx < quoted[k][1]
            actor_id = self._resolve(how, c.kinds[how], last_seen if inside else said, possessor)  # a quote's own words do not steer the report's references
            if actor_id == UNRESOLVED and how == "label":
                continue  # a group word that refers back to none of its owners here
            if actor_id != UNRESOLVED:
                last_seen[actor_id] = c.start
                if not inside:
                    said[actor_id] = c.start
            mentions.append(Span(doc, c.start, c.end, label=actor_id, kb_id=how))
        if self.open_world.enabled:
            mentions = self._add_provisional(doc, mentions, places)
        doc.spans[MENTIONS_KEY] = mentions
        doc.spans[PLACES_KEY] = places
        return doc

    def _inside_longer_names(self, doc: Doc, cands: list[Candidate]) -> list[Candidate]:
        """Leave out a multi-word name that is the tail of a longer proper name the gazetteer
        does not know: "Security Council" in "the CSTO Collective Security Council" (the word
        before it is capitalised, not a title, not sentence-initial and matched by nothing)."""
        covered = {i for c in cands for i in range(c.start, c.end)}
        kept = []
        for c in cands:
            prev = c.start - 1
            if c.size >= 2 and set(c.kinds) <= {"name", "alias"} and prev >= 0 and prev not in covered and not doc[c.start].is_sent_start:
                word = doc[prev]
                if (word.text[:1].isupper() and word.text.isalpha() and not word.is_sent_start and word.text not in self._title_words
                        and word.lower_ not in self.open_world.not_names | self.open_world.role_words and word.lower_ not in STOP_WORDS):
                    continue
            kept.append(c)
        return kept

    def _add_provisional(self, doc: Doc, mentions: list[Span], places: list[Span]) -> list[Span]:
        """People and news organisations the gazetteer lacks (``afstudy.openworld``), kept in
        ``doc.user_data[PROVISIONAL_KEY]`` with their type and side."""
        on = doc_date(doc)
        sides = {a.id: a.side_on(on) for a in self.gazetteer.actors.values()}
        types = {a.id: a.type for a in self.gazetteer.actors.values()}
        finder = OpenWorld(self.open_world, self.gazetteer.titles, sides, types, STOP_WORDS, self._person_names)
        bylines = {i for a, b in doc.user_data.get(BYLINE_KEY, []) for i in range(len(doc)) if a <= doc[i].idx < b}
        text = doc.text

        def sentence_of(token: int) -> str:
            start = text.rfind("\n\n", 0, doc[token].idx)
            stop = text.find("\n\n", doc[token].idx)
            return text[start + 2 if start >= 0 else 0 : stop if stop >= 0 else len(text)][:300]

        heads = self._head_owners

        def head_owner(word: str, token: int) -> str | None:
            owners = heads.get(word)
            if not owners:
                return None
            seen = {m.label_: m.start for m in mentions if m.start < token}
            scores = {i: self._family_recency(i, seen) for i in owners}
            best = max(scores.values())
            winners = [i for i, v in scores.items() if v == best]
            return winners[0] if best >= 0 and len(winners) == 1 else None

        found_spans, found = finder.find(doc, mentions, places, bylines, sentence_of, head_owner)
        if not found_spans:
            return mentions
        doc.user_data[PROVISIONAL_KEY] = {k: v.as_dict() for k, v in sorted(found.items())}
        return sorted([*mentions, *found_spans], key=lambda s: s.start)

    def _place_for(self, cand: Candidate) -> str:
        return (cand.kinds.get("place") or cand.kinds["metonym"])[0]

    # -- serialisation (patterns are data, as in spaCy's EntityRuler) ----------------
    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        """Save the gazetteer file beside the pipeline so it loads without the project."""
        out = Path(path)
        out.mkdir(parents=True, exist_ok=True)
        (out / "actors.yaml").write_bytes(self.gazetteer.path.read_bytes())
        srsly.write_jsonl(out / "patterns.jsonl", self.patterns)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> ActorFinder:
        """Load the gazetteer saved by ``to_disk``."""
        self.gazetteer = load_gazetteer(Path(path) / "actors.yaml")
        self.patterns = self.gazetteer.patterns()
        self.open_world = self.gazetteer.open_world
        self._head_owners = head_owners(self.gazetteer)
        self._title_words = frozenset(w for t in self.gazetteer.titles for w in t.split())
        self.exact = PhraseMatcher(self.nlp.vocab, attr="ORTH")
        self.lower = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self._keys = {}
        self._add_patterns(self.nlp, self.patterns)
        return self


def build_pipeline(spacy_model: str | None = None, gazetteer_path: str | Path | None = None, frames_path: str | Path | None = FRAMES_FILE) -> Language:
    """The default pipeline (``spacy.blank("en")`` + afstudy components) or a named one.

    ``spacy_model`` may be an installed package name or a path to a saved pipeline; its
    named entities that the gazetteer does not cover become curation candidates. With
    ``frames_path`` (default: the project lexicon; None to leave framing out) the
    lookup lemmatizer and the frame matcher are added.
    """
    if spacy_model is None:
        nlp = spacy.blank("en")
    else:
        try:
            nlp = spacy.load(spacy_model)
        except (OSError, ImportError, ValueError) as exc:
            raise AfstudyError(
                f"spaCy pipeline {spacy_model!r} could not be loaded ({exc.__class__.__name__}: {str(exc).splitlines()[0]}). "
                f"Install it into .venv (e.g. `.venv/bin/python -m spacy download {spacy_model}`, which needs network "
                "access) or pass the path of a saved pipeline folder."
            ) from exc
    from afstudy.corpus import MAX_ARTICLE_CHARS  # the longest article read; memory measured in afstudy.corpus

    nlp.max_length = max(nlp.max_length, MAX_ARTICLE_CHARS)
    customize_tokenizer(nlp)
    if not (nlp.has_pipe("parser") or nlp.has_pipe("senter") or nlp.has_pipe("sentencizer")):
        nlp.add_pipe("afstudy_sentences", first=True)
    config: dict[str, Any] = {"gazetteer_path": str(gazetteer_path) if gazetteer_path else None}
    nlp.add_pipe("afstudy_actors", config=config)
    if frames_path is not None:
        nlp.add_pipe("afstudy_lemmas")
        nlp.add_pipe("afstudy_frames", config={"lexicon_path": str(frames_path)})
    return nlp
