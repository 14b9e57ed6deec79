"""Quotes and their speakers: direct, partial and indirect quotes, and terms.

The rules work on one article Doc at a time (see ``afstudy.extraction``), using its text
units, sentences and actor mentions. Cue words and source patterns are data
(``data/quotes.yaml``). Every quote keeps its raw-line offsets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from spacy.tokens import Doc, Span

from afstudy.cleaning import words
from afstudy.errors import ConfigError
from afstudy.gazetteer import Gazetteer
from afstudy.io import load_yaml_with_lines
from afstudy.paths import DATA_DIR
from afstudy.pipeline import MENTIONS_KEY, PLACES_KEY, UNRESOLVED

QUOTE_RULES_FILE: Path = DATA_DIR / "quotes.yaml"
DOUBLE_OPEN, DOUBLE_CLOSE, STRAIGHT_DOUBLE = "“", "”", '"'
SINGLE_OPEN, SINGLE_CLOSE, STRAIGHT_SINGLE = "‘", "’", "'"
QUOTE_COLUMNS = [
    "quote_id", "article_id", "outlet_id", "unit_id", "part", "file", "line_no", "start", "end_line_no", "end",
    "text", "kind", "cue", "speaker_text", "speaker_actor_id", "speaker_side", "is_anonymous", "is_unbalanced",
]


@dataclass(frozen=True)
class QuoteRules:
    """The attribution rules of ``data/quotes.yaml``."""

    cues: frozenset[str]
    partial_only_cues: frozenset[str]
    prepositional_cues: tuple[tuple[str, ...], ...]
    continuation_cues: frozenset[str]
    skip_after_cue: frozenset[str]
    speaker_skip: frozenset[str]
    clause_breaks: frozenset[str]
    speaker_breaks: frozenset[str]
    term_markers: frozenset[str]
    pronouns: frozenset[str]
    anonymous_heads: dict[str, str]
    side_words: dict[str, str]
    min_indirect_words: int
    term_max_words: int


def load_quote_rules(path: str | Path = QUOTE_RULES_FILE) -> QuoteRules:
    """Load and check ``data/quotes.yaml``."""
    p = Path(path)
    data = load_yaml_with_lines(p)
    if not isinstance(data, dict) or data.get("schema_version") != 1:
        raise ConfigError(p, "expected a mapping with schema_version: 1")

    def words_of(key: str) -> frozenset[str]:
        value = data.get(key)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(p, f"'{key}' must be a list of strings")
        return frozenset(v.lower() for v in value)

    def mapping(key: str) -> dict[str, str]:
        value = data.get(key)
        if not isinstance(value, dict):
            raise ConfigError(p, f"'{key}' must be a mapping")
        return {str(k).lower(): str(v or "") for k, v in value.items()}

    numbers = {}
    for key in ("min_indirect_words", "term_max_words"):
        if not isinstance(data.get(key), int) or data[key] < 0:
            raise ConfigError(p, f"'{key}' must be a non-negative integer")
        numbers[key] = data[key]
    return QuoteRules(
        cues=words_of("cues"),
        partial_only_cues=words_of("partial_only_cues"),
        prepositional_cues=tuple(tuple(c.split()) for c in sorted(words_of("prepositional_cues"))),
        continuation_cues=words_of("continuation_cues"),
        skip_after_cue=words_of("skip_after_cue"),
        speaker_skip=words_of("speaker_skip"),
        clause_breaks=words_of("clause_breaks"),
        speaker_breaks=words_of("speaker_breaks"),
        term_markers=words_of("term_markers"),
        pronouns=words_of("pronouns"),
        anonymous_heads=mapping("anonymous_heads"),
        side_words=mapping("side_words"),
        **numbers,
    )


@dataclass
class Speaker:
    """Who a quote is attributed to."""

    text: str = ""
    actor_id: str = ""
    side: str = ""
    is_anonymous: bool = False
    head: str = ""


@dataclass
class Quote:
    """A quote with Doc character offsets (converted to raw-line offsets on output)."""

    start: int
    end: int
    kind: str
    cue: str = ""
    speaker: Speaker = field(default_factory=Speaker)
    is_unbalanced: bool = False
    cue_token: int = -1


@dataclass
class Segment:
    """Text inside a pair of quote marks (Doc character offsets, marks excluded)."""

    start: int
    end: int
    open_mark: str
    close_mark: str
    unit_index: int
    is_unbalanced: bool = False


def _is_opening(text: str, i: int) -> bool:
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return (before.isspace() or before in "([—–-/:") and not after.isspace()


def _is_closing(text: str, i: int) -> bool:
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return not before.isspace() and (after.isspace() or after in ".,;:!?)]—–-")


def find_segments(unit_text: str) -> list[tuple[int, int, str, str, bool]]:
    """Quoted spans of one unit: (start, end, open mark, close mark, is_unbalanced).

    Double quotes (curly or straight) pair at the top level; single quotes pair only
    outside double quotes and never at an apostrophe ("It’s", "Taliban’s"). A quote
    still open at the end of the unit is closed there and flagged unbalanced; a pair of
    different styles (“… ") is flagged too.
    """
    out = []
    i, n = 0, len(unit_text)
    while i < n:
        ch = unit_text[i]
        if ch in (DOUBLE_OPEN, STRAIGHT_DOUBLE) and _is_opening(unit_text, i):
            j = i + 1
            while j < n and not (unit_text[j] in (DOUBLE_CLOSE, STRAIGHT_DOUBLE) and _is_closing(unit_text, j)):
                if unit_text[j] == DOUBLE_OPEN and _is_opening(unit_text, j):
                    break
                j += 1
            if j < n and unit_text[j] in (DOUBLE_CLOSE, STRAIGHT_DOUBLE):
                mismatch = (ch == DOUBLE_OPEN) != (unit_text[j] == DOUBLE_CLOSE)
                out.append((i + 1, j, ch, unit_text[j], mismatch))
                i = j + 1
            else:
                out.append((i + 1, j, ch, "", True))
                i = j
            continue
        if ch in (SINGLE_OPEN, STRAIGHT_SINGLE) and _is_opening(unit_text, i) and unit_text[i + 1 : i + 2].isalnum():
            j = i + 1
            while j < n and not (unit_text[j] in (SINGLE_CLOSE, STRAIGHT_SINGLE) and _is_closing(unit_text, j)):
                j += 1
            if j < n:
                out.append((i + 1, j, ch, unit_text[j], (ch == SINGLE_OPEN) != (unit_text[j] == SINGLE_CLOSE)))
                i = j + 1
                continue
        i += 1
    return out


class QuoteFinder:
    """Quotes and speakers of one processed article Doc."""

    def __init__(self, doc: Doc, units: list[tuple[int, int, str]], gazetteer: Gazetteer, rules: QuoteRules) -> None:
        self.doc = doc
        self.units = units  # (doc_start, doc_end, part) per text unit
        self.gazetteer = gazetteer
        self.rules = rules
        self.mentions: list[Span] = list(doc.spans[MENTIONS_KEY])
        self.places: list[Span] = list(doc.spans[PLACES_KEY])
        self.segments: list[Segment] = []
        self.anonymous_by_head: dict[str, Speaker] = {}

    # -- helpers ----------------------------------------------------------------------
    def _inside_segment(self, char: int) -> Segment | None:
        return next((s for s in self.segments if s.start - 1 <= char < s.end + 1), None)

    def _unit_index(self, char: int) -> int:
        return next(i for i, (a, b, _) in enumerate(self.units) if a <= char <= b)

    def _token_at(self, char: int) -> int:
        span = self.doc.char_span(char, char + 1, alignment_mode="expand")
        return span.start if span is not None else 0

    def _mentions_in(self, start_tok: int, end_tok: int) -> list[Span]:
        return [m for m in self.mentions if m.start >= start_tok and m.end <= end_tok]

    def _last_person_before(self, token: int) -> Span | None:
        people = [
            m for m in self.mentions
            if m.end <= token and m.label_ in self.gazetteer.actors and self.gazetteer.actors[m.label_].type == "person"
        ]
        return people[-1] if people else None

    # -- speakers ---------------------------------------------------------------------
    def speaker_from_phrase(self, start_tok: int, end_tok: int, *, prefer_last: bool = True) -> Speaker:
        """Resolve the speaker phrase ``doc[start_tok:end_tok]``."""
        toks = [t for t in self.doc[start_tok:end_tok] if not t.is_space]
        while toks and (toks[-1].lower_ in self.rules.speaker_skip or toks[-1].is_punct):
            toks.pop()
        while toks and (toks[0].is_punct or toks[0].lower_ in ("and", "but")):
            toks.pop(0)
        if not toks:
            return Speaker()
        a, b = toks[0].i, toks[-1].i + 1
        text = self.doc[a:b].text
        lowers = [t.lower_ for t in toks]
        if len(toks) == 1 and lowers[0] in self.rules.pronouns:
            person = self._last_person_before(a)
            if person is None:
                return Speaker(text=text)
            return self._actor_speaker(text, person.label_)
        heads = [w for w in lowers if w in self.rules.anonymous_heads]
        mentions = self._mentions_in(a, b)
        resolved = [m for m in mentions if m.label_ != UNRESOLVED]
        if heads and (lowers[0] in ("a", "an", "one", "two", "some", "several") or lowers[0] in self.rules.anonymous_heads or lowers[0] == heads[0]):
            return self._anonymous(text, heads[0], toks, resolved)
        if heads and lowers[0] == "the" and not resolved and heads[-1] in self.anonymous_by_head:
            earlier = self.anonymous_by_head[heads[-1]]
            return Speaker(text=text, side=earlier.side, is_anonymous=True, head=heads[-1])
        if len({m.label_ for m in resolved}) > 1 and "and" in lowers and not any(self._is_person(m) for m in resolved):
            return Speaker(text=text)  # a joint source: "Washington and Afghanistan have said"
        people = [m for m in resolved if self._is_person(m)]
        pick = people or resolved
        if not pick:
            return Speaker(text=text)
        chosen = pick[-1] if prefer_last else pick[0]
        return self._actor_speaker(text, chosen.label_)

    def _is_person(self, mention: Span) -> bool:
        actor = self.gazetteer.actors.get(mention.label_)
        return actor is not None and actor.type == "person"

    def _actor_speaker(self, text: str, actor_id: str) -> Speaker:
        actor = self.gazetteer.actors.get(actor_id)
        return Speaker(text=text, actor_id=actor_id, side=actor.side if actor else "")

    def _anonymous(self, text: str, head: str, toks: list, resolved: list[Span]) -> Speaker:
        side = ""
        for t in toks:
            side = self.rules.side_words.get(t.lower_, "")
            if side:
                break
        if not side and resolved:
            side = self._actor_speaker("", resolved[-1].label_).side
        side = side or self.rules.anonymous_heads.get(head, "")
        if not side:
            inside = [p for p in self.places if p.start >= toks[0].i and p.end <= toks[-1].i + 1]
            for place in inside:
                place_obj = self.gazetteer.places.get(place.label_)
                country = place_obj.country if place_obj else place.label_
                if country in self.gazetteer.actors:
                    side = self.gazetteer.actors[country].side
                    break
        speaker = Speaker(text=text, side=side, is_anonymous=True, head=head)
        self.anonymous_by_head[head] = speaker
        return speaker
