"""The open-world step: people and news organisations the gazetteer lacks, found the way
news introduces them.

A run of capitalised words that no gazetteer entry covers is a provisional actor when the
text says who it is:

- a person: a title or a role word right before the name ("Mawlavi Abdul Hakim",
  "Foreign Office spokesperson Mumtaz Zahra Baloch", "Indian envoy to Qatar Deepak Mittal"),
  an apposition with a role after it ("Muhammad Faisal, Foreign Ministry spokesman"), a
  speech verb right after it ("Ehsan Tahiri said"), a news organisation's possessive
  ("RT's Maria Finoshina": a journalist), or a byline ("By Jane Doe", "JANE DOE");
- a news organisation: a reporting verb after it ("Deutsche Welle reports", "The Tribune
  has reported"), "as reported by" or a photo credit before it ("(Photo by EPA)"), or a
  byline of one word ("By EUobserver").

Each gets a provisional id (``prov:<name slug>``), a type and a side taken from the words
that introduce it: the side of a gazetteer mention in the introducing phrase ("Pakistan's
special envoy", "State Department deputy spokesman"), else of a side word ("Indian",
"Taliban"), and ``media`` for journalists and news organisations. Its later surname-only
mentions ("Kumar said") get the same id. The cue words are data (the gazetteer's
``provisional`` section); provisional actors are marked in the mentions table and listed
for curation.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from spacy.tokens import Doc, Span

PROVISIONAL_PREFIX = "prov:"
NAME_TOKEN = re.compile(r"^(?:[A-Z][a-z’'`-]+(?:-[A-Z][a-z]+)?|[A-Z]{2,4}|(?:[A-Z]\.){1,3}[A-Z]?\.?|[A-Z][a-z]*[A-Z][a-z]+|al-[A-Z][a-z]+)$")


@dataclass(frozen=True)
class OpenWorldRules:
    """The gazetteer's ``provisional`` section."""

    role_words: frozenset[str] = frozenset()
    journalist_words: frozenset[str] = frozenset()
    speech_verbs: frozenset[str] = frozenset()
    media_verbs: frozenset[str] = frozenset()
    media_before: frozenset[str] = frozenset()
    side_words: dict[str, str] = field(default_factory=dict)
    not_names: frozenset[str] = frozenset()
    enabled: bool = True


@dataclass
class Provisional:
    """A provisional actor: its id, name, type, side and the sentence that introduced it."""

    id: str
    name: str
    type: str
    side: str
    evidence: str
    surname: str = ""
    roles: tuple[str, ...] = ()  # the role words that introduced it ("spokesman", "ambassador")

    def as_dict(self) -> dict[str, str]:
        """A plain mapping (kept in ``doc.user_data``)."""
        return {"id": self.id, "name": self.name, "type": self.type, "side": self.side, "evidence": self.evidence, "roles": " ".join(self.roles)}


def slug(name: str) -> str:
    """The provisional id of a name: ``prov:`` and its ASCII words joined by underscores."""
    words = re.findall(r"[a-z0-9]+", name.lower().replace("’", "").replace("'", ""))
    return PROVISIONAL_PREFIX + "_".join(words)


def is_provisional_id(actor_id: str) -> bool:
    """Whether an actor id is a provisional one."""
    return actor_id.startswith(PROVISIONAL_PREFIX)


class OpenWorld:
    """Finds provisional actors in a Doc whose gazetteer mentions are already chosen."""

    def __init__(
        self, rules: OpenWorldRules, titles: Iterable[str], actor_side: dict[str, str], actor_type: dict[str, str], stop_words: frozenset[str],
        person_names: dict[tuple[str, str], str] | None = None,
    ) -> None:
        """``actor_side`` and ``actor_type`` map gazetteer (and provisional) ids to their side
        on the article's date and their type; ``side_words`` map words to actor ids."""
        self.rules = rules
        self.titles = frozenset(t for t in titles if " " not in t)  # "Mullah", "Dr.", "Minister"
        self.actor_side = actor_side
        self.actor_type = actor_type
        self.stop = stop_words
        self.person_names = person_names or {}  # (first word, last word) of a listed person's two-word name -> its id

    # -- name runs --------------------------------------------------------------------
    def _is_name_token(self, text: str) -> bool:
        lower = text.lower()
        return bool(NAME_TOKEN.match(text)) and lower not in self.stop and lower not in self.rules.not_names and text not in self.titles and lower not in self.rules.role_words and lower not in self.rules.journalist_words

    def _runs(self, doc: Doc, covered: set[int], bylines: set[int]) -> list[tuple[int, int]]:
        """Maximal runs of uncovered name-like tokens (at most four; on a byline, words in
        capitals too: "JANE DOE")."""
        runs, i, n = [], 0, len(doc)

        def name_like(k: int) -> bool:
            text = doc[k].text
            return self._is_name_token(text) or (k in bylines and text.isalpha() and text.isupper() and len(text) > 1)

        while i < n:
            if i in covered or not name_like(i):
                i += 1
                continue
            j = i
            while j < n and j - i < 4 and j not in covered and name_like(j) and (j == i or doc[j - 1].whitespace_):
                j += 1
            runs.append((i, j))
            i = j
        return runs

    # -- cues -------------------------------------------------------------------------
    def _before(self, doc: Doc, start: int, mentions: dict[int, Span]) -> list[int]:
        """Token indices of the introducing phrase before a name (back to punctuation, a
        verb-like word or another person's name, at most eight tokens), nearest first."""
        out, k = [], start - 1
        while k >= 0 and start - k <= 8:
            t = doc[k]
            span = mentions.get(k)
            if span is not None and self.actor_type.get(span.label_) == "person":
                break
            title_and = t.lower_ == "and" and k >= 1 and doc[k - 1].text[:1].isupper() and doc[k + 1].text[:1].isupper()  # "Commerce and Industry Minister"
            if t.is_space or t.text in (".", ";", ":", "!", "?", "(", ")", "“", "”", '"') or t.lower_ in self.rules.speech_verbs or (t.lower_ in ("and", "or", "but", "which", "who", "that", "with", "by", "after", "before", "when", "while") and not title_and):
                break
            out.append(k)
            k -= 1
        return out

    def _apposition(self, doc: Doc, end: int) -> list[int]:
        """Token indices of ", <role phrase>," right after a name (empty when there is none)."""
        if end >= len(doc) or doc[end].text != ",":
            return []
        out, k = [], end + 1
        while k < len(doc) and k - end <= 10 and doc[k].text not in (",", ".", ";", ":") and not doc[k].is_space:
            out.append(k)
            k += 1
        words = {doc[j].lower_ for j in out}
        return out if words & (self.rules.role_words | self.rules.journalist_words) else []

    def _list_neighbour(self, doc: Doc, start: int, end: int, mentions: dict[int, Span]) -> Span | None:
        """A person mention next to the name in a list ("…, Suhail Shaheen, Anas Haqqani and
        Maulvi Attaurahman Saleem"): the name is a person of the same company."""
        left = start - 1
        while left >= 0 and doc[left].text in self.titles:
            left -= 1
        while left >= 1 and doc[left].text in (",", "and") and doc[left - 1].text in (",", "and"):
            left -= 1  # ", and"
        if left >= 1 and doc[left].text in (",", "and"):
            span = mentions.get(left - 1)
            if span is not None and self.actor_type.get(span.label_) == "person":
                return span
        if end < len(doc) and doc[end].text in (",", "and"):
            right = end + 1
            while right < len(doc) and doc[right].text in self.titles:
                right += 1
            span = mentions.get(right)
            if span is not None and self.actor_type.get(span.label_) == "person":
                return span
        return None

    def _kind(self, doc: Doc, start: int, end: int, mentions: dict[int, Span]) -> tuple[str, list[int]] | None:
        """('person' or 'media', the phrase that says so) for a name run, or None."""
        before = self._before(doc, start, mentions)
        prev = doc[start - 1].lower_ if start else ""
        after = doc[end].lower_ if end < len(doc) else ""
        if after in self.rules.role_words:
            return None  # "National Security Advisor", "Foreign Office spokesperson": a modifier, not a name
        after2 = " ".join(t.lower_ for t in doc[end : end + 2])
        if after in self.rules.media_verbs or after2 in self.rules.media_verbs:
            return "media", before
        if prev in self.rules.media_before or " ".join(t.lower_ for t in doc[max(0, start - 2) : start]) in self.rules.media_before:
            if end - start <= 2 and not (start >= 1 and doc[start - 1].text in self.titles):
                return "media", before
        if before and doc[before[0]].text in self.titles:
            return "person", before
        phrase = {doc[k].lower_ for k in before}
        if phrase & (self.rules.role_words | self.rules.journalist_words) and end - start >= 2:
            return "person", before
        if before and doc[before[0]].text in ("'s", "’s") and before[0] - 1 in mentions and self.actor_type.get(mentions[before[0] - 1].label_) == "media":
            return "journalist", before  # "RT's Maria Finoshina": the outlet's journalist
        apposition = self._apposition(doc, end)
        if apposition and end - start >= 2:
            return "person", apposition
        if end - start >= 2 and (after in self.rules.speech_verbs or after2 in self.rules.speech_verbs):
            return "person", before
        neighbour = self._list_neighbour(doc, start, end, mentions)
        if neighbour is not None and end - start >= 2:
            return "person", list(range(neighbour.start, neighbour.end))
        return None

    def _side(self, doc: Doc, phrase: list[int], kind: str, mentions: dict[int, Span], on_byline: bool, head_owner: object) -> str:
        """The side the introducing words give a provisional actor: what modifies the role
        word ("Indian envoy to Qatar", "Foreign Office spokesperson") before what completes
        it, a gazetteer mention before a side word, and ``media`` for journalists and news
        organisations."""
        words = {doc[k].lower_ for k in phrase}
        if kind in ("media", "journalist") or on_byline or words & self.rules.journalist_words:
            return "media"
        roles = [k for k in phrase if doc[k].lower_ in self.rules.role_words]
        pivot = min(roles) if roles else None
        modifier = sorted((k for k in phrase if pivot is None or k < pivot), reverse=True)
        complement = sorted(k for k in phrase if pivot is not None and k > pivot)
        for group in (modifier, complement):
            for k in group:
                span = mentions.get(k)
                if span is not None and span.label_ in self.actor_side and self.actor_type.get(span.label_) != "media":
                    return self.actor_side[span.label_]
            for k in group:
                actor = self.rules.side_words.get(doc[k].lower_)
                if actor in self.actor_side:
                    return self.actor_side[actor]
                owner = head_owner(doc[k].lower_, k)  # a bare head such as "council" refers back to an actor
                if owner in self.actor_side:
                    return self.actor_side[owner]
        return ""

    # -- the pass -----------------------------------------------------------------------
    def find(self, doc: Doc, mentions: list[Span], places: list[Span], byline_tokens: set[int], sentence_text: Callable[[int], str], head_owner: Callable[[str, int], str | None]) -> tuple[list[Span], dict[str, Provisional]]:
        """New provisional mention spans (names, then surname repeats) and their actors.
        ``head_owner(word, token)`` names the actor a bare head word refers back to there."""
        if not self.rules.enabled:
            return [], {}
        covered = {i for span in [*mentions, *places] for i in range(span.start, span.end)}
        by_token = {i: span for span in mentions for i in range(span.start, span.end)}
        found: dict[str, Provisional] = {}
        spans: list[Span] = []
        for start, end in self._runs(doc, covered, byline_tokens):
            on_byline = start in byline_tokens
            if on_byline and any(doc[k].lower_ in self.rules.not_names or doc[k].like_num for k in range(start, end)):
                continue
            kind = self._kind(doc, start, end, by_token) if not on_byline else ("person" if end - start >= 2 else "media", [])
            if kind is None:
                continue
            what, phrase = kind
            known = self.person_names.get((doc[start].text, doc[end - 1].text)) if end - start == 3 else None
            if known is not None and what == "person":  # "Ajit K Doval", "Shavkat Miromonovich Mirziyoyev": a listed person with a middle name or initial
                span = Span(doc, start, end, label=known, kb_id="name")
                spans.append(span)
                covered.update(range(start, end))
                by_token.update({k: span for k in range(start, end)})
                continue
            name = doc[start:end].text
            actor_id = slug(name)
            if actor_id in found and not found[actor_id].side:  # a later introduction may say whose it is
                side = self._side(doc, phrase + self._apposition(doc, end), what, by_token, on_byline, head_owner)
                if side:
                    found[actor_id] = replace(found[actor_id], side=side)
            if actor_id not in found:
                phrase = phrase + self._apposition(doc, end)
                side = self._side(doc, phrase, what, by_token, on_byline, head_owner)
                neighbour = self._list_neighbour(doc, start, end, by_token)
                if not side and neighbour is not None:
                    side = self.actor_side.get(neighbour.label_, "")
                person = what in ("person", "journalist")
                roles = tuple(sorted({doc[k].lower_ for k in phrase if doc[k].lower_ in self.rules.role_words}))
                found[actor_id] = Provisional(actor_id, name, "person" if person else "media", side, sentence_text(start), surname=doc[end - 1].text if person and end - start >= 2 else "", roles=roles)
            span = Span(doc, start, end, label=actor_id, kb_id="name")
            spans.append(span)
            covered.update(range(start, end))
            by_token.update({k: span for k in range(start, end)})
            self.actor_type[actor_id] = found[actor_id].type
            self.actor_side[actor_id] = found[actor_id].side
        surnames = {p.surname: p.id for p in found.values() if len(p.surname) >= 4}
        first_use = {span.label_: span.start for span in spans}
        for i, token in enumerate(doc):
            actor_id = surnames.get(token.text)
            if actor_id and i not in covered and i > first_use[actor_id] and not (i + 1 < len(doc) and self._is_name_token(doc[i + 1].text) and doc[i].whitespace_):
                spans.append(Span(doc, i, i + 1, label=actor_id, kb_id="surname"))
                covered.add(i)
        return sorted(spans, key=lambda s: s.start), found
