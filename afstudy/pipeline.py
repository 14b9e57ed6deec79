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
from spacy.util import compile_infix_regex

from afstudy.errors import AfstudyError
from afstudy.framing import FRAMES_FILE  # registers afstudy_lemmas and afstudy_frames
from afstudy.gazetteer import ACTORS_FILE, Gazetteer, load_gazetteer

MENTIONS_KEY = "afstudy_mentions"
PLACES_KEY = "afstudy_places"
UNRESOLVED = "unresolved"
SENTENCE_END = frozenset({".", "!", "?", "…"})
CLOSERS = frozenset({"”", "’", '"', "'", ")", "]"})
# Priority when one span matches several kinds of pattern (lower wins).
PRIORITY = {"name": 0, "alias": 1, "metonym": 2, "place": 3, "surname": 4, "descriptor": 5, "label": 6}
CASE_SENSITIVE = frozenset({"name", "alias", "metonym", "place", "surname"})
# An abbreviation's final period followed by a hyphen and a capital: "U.S.-Taliban".
EXTRA_INFIXES = [r"(?<=[A-Z]\.)[-–](?=[A-Za-z])"]


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

    # -- candidates -----------------------------------------------------------------
    def _candidates(self, doc: Doc) -> list[Candidate]:
        found: dict[tuple[int, int], Candidate] = {}
        for matcher in (self.exact, self.lower):
            for match_id, start, end in matcher(doc):
                how, ids = self._keys[doc.vocab.strings[match_id]]
                cand = found.setdefault((start, end), Candidate(start, end))
                cand.kinds.setdefault(how, []).extend(i for i in ids if i not in cand.kinds.get(how, []))
        return sorted(found.values(), key=lambda c: (c.start, -c.size))

    def _is_person_name(self, cand: Candidate) -> bool:
        return any(
            self.gazetteer.actors[i].type == "person"
            for how in ("name", "alias", "surname")
            for i in cand.kinds.get(how, [])
        )

    def _descriptor_is_attached(self, doc: Doc, cand: Candidate, by_start: dict[int, list[Candidate]], by_end: dict[int, list[Candidate]]) -> bool:
        """A descriptor next to a person's name ("Taliban spokesman Mohammad Naeem",
        "Zamir Kabulov, the deputy head", "Zamir Kabulov is Russia's special envoy")
        modifies it and is not a mention itself."""
        owners = cand.kinds["descriptor"]
        if not any(self.gazetteer.actors[i].type == "person" for i in owners):
            return False
        j = cand.end
        while j < len(doc) and j - cand.end < 2 and doc[j].text in {",", "the", "-", "–"}:
            j += 1
        if any(self._is_person_name(c) for c in by_start.get(j, [])):
            return True
        k = cand.start
        while k > 0 and cand.start - k < 2 and doc[k - 1].lower_ in {",", "the", "is", "was"}:
            k -= 1
        return any(self._is_person_name(c) for c in by_end.get(k, []))

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

        In order: a possessive or an agentive compound ("Kabul's stance", "U.S.-led")
        makes it an actor; a state name continuing a place or a list of places ("Doha,
        Qatar"; "to Afghanistan, Pakistan and Qatar"), a location noun with "of" ("the
        Gulf state of Qatar"), a locative preposition or motion verb before it, or an
        attributive noun after it ("the Moscow talks", "Kabul-based") make it a place;
        some prepositions do not after certain words ("ambassador to Russia",
        "officials from Afghanistan").
        """
        gaz = self.gazetteer
        after = self._next_word(doc, cand.end)
        if after in ("'s", "’s", "'", "’") or after in gaz.actor_following:
            return ""
        before = doc[cand.start - 1].lower_ if cand.start > 0 else ""
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
        if before == "of" and cand.start > 1 and doc[cand.start - 2].lower_ in gaz.location_nouns:
            return f"of:{doc[cand.start - 2].lower_}"
        if before in gaz.place_prepositions:
            head = doc[cand.start - 2].lower_ if cand.start > 1 else ""
            if head in gaz.not_place_after.get(before, frozenset()):
                return ""
            return f"preposition:{before}"
        if before in gaz.place_verbs:
            return f"verb:{before}"
        if after in gaz.place_following and ("metonym" in cand.kinds or "place" in cand.kinds):
            return f"following:{after}"
        return ""

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
        for c in cands:
            if "label" in c.kinds and self.label_requires_determiner and len(c.kinds) == 1:
                if c.start == 0 or doc[c.start - 1].lower_ != "the":
                    continue
            if "descriptor" in c.kinds and len(c.kinds) == 1 and self._descriptor_is_attached(doc, c, by_start, by_end):
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
        ancestors = set(self.gazetteer.ancestors(actor_id))
        return max(
            (pos for seen, pos in last_seen.items() if seen == actor_id or seen in ancestors or actor_id in self.gazetteer.ancestors(seen)),
            default=-1,
        )

    def _resolve(self, how: str, ids: list[str], last_seen: dict[str, int]) -> str:
        """Pick one actor for a match: direct for names; by recency for shared forms.

        A shared surname goes to the bearer mentioned last (else unresolved); a shared
        descriptor or label to the candidate whose family (itself, its members, its
        parents; e.g. Kabulov for the Russian Foreign Ministry) was mentioned last.
        """
        if how in ("name", "alias", "metonym") or len(ids) == 1:
            return ids[0]
        seen = [i for i in ids if i in last_seen]
        if seen:
            return max(seen, key=last_seen.__getitem__)
        if how == "surname":
            return UNRESOLVED
        scores = {i: self._family_recency(i, last_seen) for i in ids}
        best = max(scores.values())
        winners = [i for i, s in scores.items() if s == best]
        return winners[0] if best >= 0 and len(winners) == 1 else UNRESOLVED

    def __call__(self, doc: Doc) -> Doc:
        actor_cands, place_cands = self._classify(doc, self._candidates(doc))
        chosen = self._select(actor_cands + [c for c, _ in place_cands])
        place_of = {id(c): cue for c, cue in place_cands}
        last_seen: dict[str, int] = {}
        mentions: list[Span] = []
        places: list[Span] = []
        for c in chosen:
            if id(c) in place_of:
                ids = c.kinds.get("place") or c.kinds.get("name") or c.kinds.get("alias") or c.kinds.get("metonym") or []
                place_id = ids[0] if "place" in c.kinds or "metonym" not in c.kinds else self._place_for(c)
                places.append(Span(doc, c.start, c.end, label=place_id, kb_id=place_of[id(c)]))
                continue
            how = c.best
            actor_id = self._resolve(how, c.kinds[how], last_seen)
            if actor_id != UNRESOLVED:
                last_seen[actor_id] = c.start
            mentions.append(Span(doc, c.start, c.end, label=actor_id, kb_id=how))
        doc.spans[MENTIONS_KEY] = mentions
        doc.spans[PLACES_KEY] = places
        return doc

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
