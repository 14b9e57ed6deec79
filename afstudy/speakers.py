"""Who a quote is attributed to: a speaker phrase resolved to an actor, a side, or both.

The quote finder (``afstudy.quotes``) hands over the words that name the speaker ("Taliban
spokesman Mohammad Naeem", "he", "a source in the Russian Foreign Ministry", "the
statement"); this module decides what they refer to, from the article's actor mentions
(gazetteer and provisional ones), in reading order:

- a pronoun continues the speaker of the last quote when that speaker is a person (or an
  anonymous person), else the person named earlier in the same sentence, else the last
  person mentioned;
- an unnamed source ("a Taliban commander", "an official of the Afghan foreign ministry",
  "a spokesman for the Russian Foreign Ministry") is anonymous, with the side its words
  state; "the spokesman" later continues that source;
- "the statement", "the document" refer to the issuer of the last statement;
- a phrase naming one person is that person; several actors joined by "and" are a joint
  speaker (no id, no side); otherwise the last actor named;
- dates, weekdays and months are never speakers.

Lookups use sorted positions and ``bisect``, so an article of any length is resolved in
near-linear time.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Mapping
from dataclasses import dataclass

from spacy.tokens import Doc, Span

from afstudy.gazetteer import Gazetteer
from afstudy.pipeline import UNRESOLVED

DATE_WORDS = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday today yesterday tonight january february march april may june july august "
    "september october november december jan feb mar apr jun jul aug sep sept oct nov dec earlier later week month year weekend morning "
    "evening night".split()
)
DOCUMENT_HEADS = frozenset({"statement", "document", "declaration", "communique", "communiqué", "readout", "release", "report"})
INDEFINITE_OPENERS = frozenset({"a", "an", "one", "two", "three", "some", "several", "another", "many", "other", "senior", "unnamed", "unidentified"})


@dataclass
class Speaker:
    """Who a quote is attributed to."""

    text: str = ""
    actor_id: str = ""
    side: str = ""
    is_anonymous: bool = False
    head: str = ""
    is_person: bool = False


class SpeakerResolver:
    """Speaker phrases of one article, resolved against its mentions."""

    def __init__(self, doc: Doc, gazetteer: Gazetteer, rules: object, date: object, provisional: Mapping[str, Mapping[str, str]], places: list[Span]) -> None:
        self.doc = doc
        self.gazetteer = gazetteer
        self.rules = rules
        self.date = date
        self.provisional = provisional
        self.places = places
        self.mentions = [m for m in doc.spans["afstudy_mentions"]]
        self._starts = [m.start for m in self.mentions]
        self._persons = [m for m in self.mentions if self.is_person_id(m.label_)]
        self._person_ends = [m.end for m in self._persons]
        self.anonymous_by_head: dict[str, Speaker] = {}
        self.anonymous_at: dict[str, int] = {}  # head word -> token of its last anonymous speaker
        self.quoted: list[tuple[int, Speaker]] = []  # (token, speaker) of every attributed quote, in token order
        self.outside_quotes = lambda token: True  # set by the quote finder: whether a token is outside quote marks
        self.statements: list[tuple[int, Speaker]] = []  # speakers whose cue was "said in a statement"

    # -- actors ---------------------------------------------------------------------------
    def is_person_id(self, actor_id: str) -> bool:
        """Whether an actor id (gazetteer or provisional) is a person."""
        actor = self.gazetteer.actors.get(actor_id)
        if actor is not None:
            return actor.type == "person"
        return self.provisional.get(actor_id, {}).get("type") == "person"

    def side_of(self, actor_id: str) -> str:
        """The actor's side on the article's date."""
        actor = self.gazetteer.actors.get(actor_id)
        if actor is not None:
            return actor.side_on(self.date)  # type: ignore[arg-type]
        return self.provisional.get(actor_id, {}).get("side", "")

    def actor_speaker(self, text: str, actor_id: str) -> Speaker:
        """A named speaker."""
        return Speaker(text=text, actor_id=actor_id, side=self.side_of(actor_id), is_person=self.is_person_id(actor_id))

    def mentions_in(self, start: int, end: int) -> list[Span]:
        """The mentions lying inside tokens [start, end)."""
        i = bisect_left(self._starts, start)
        out = []
        while i < len(self.mentions) and self.mentions[i].start < end:
            if self.mentions[i].end <= end:
                out.append(self.mentions[i])
            i += 1
        return out

    def last_person_before(self, token: int, floor: int = 0, *, outside: bool = False) -> Span | None:
        """The last person mention that ends before ``token`` (and starts at or after
        ``floor``; with ``outside``, only mentions outside quote marks)."""
        k = bisect_right(self._person_ends, token) - 1
        while k >= 0 and self._persons[k].start >= floor:
            if not outside or self.outside_quotes(self._persons[k].start):
                return self._persons[k]
            k -= 1
        return None

    # -- notes from the quote finder -------------------------------------------------------
    def note(self, token: int, speaker: Speaker, cue: str = "") -> None:
        """Remember an attributed quote's speaker (what pronouns and "the statement" refer back to)."""
        if speaker.actor_id or speaker.is_anonymous:
            insort(self.quoted, (token, speaker), key=lambda t: t[0])
            if any(w in cue.lower() or w in speaker.text.lower() for w in ("statement", "readout")):  # "said in a statement", "according to a statement issued by X"
                insort(self.statements, (token, speaker), key=lambda t: t[0])

    def _last_quoted(self, token: int, *, persons_only: bool) -> Speaker | None:
        k = bisect_left(self.quoted, token, key=lambda t: t[0]) - 1
        while k >= 0:
            speaker = self.quoted[k][1]
            if not persons_only or speaker.is_person or speaker.is_anonymous:
                return speaker
            k -= 1
        return None

    # -- phrases ----------------------------------------------------------------------------
    def from_phrase(self, start: int, end: int, *, sentence_start: int = 0) -> Speaker:
        """Resolve the speaker phrase ``doc[start:end]``."""
        toks = [t for t in self.doc[start:end] if not t.is_space]
        skip = self.rules.speaker_skip  # type: ignore[attr-defined]
        while toks and (toks[-1].lower_ in skip or toks[-1].is_punct or toks[-1].lower_ in DATE_WORDS):
            toks.pop()
        while toks and (toks[0].is_punct or toks[0].lower_ in ("and", "but", "however", "meanwhile", "also") or toks[0].lower_ in DATE_WORDS):
            toks.pop(0)
        if not toks or all(t.lower_ in DATE_WORDS or t.like_num for t in toks):
            return Speaker()
        a, b = toks[0].i, toks[-1].i + 1
        text = self.doc[a:b].text
        lowers = [t.lower_ for t in toks]
        if len(toks) == 1 and lowers[0] in self.rules.pronouns:  # type: ignore[attr-defined]
            return self._pronoun(text, a, sentence_start)
        heads = [w for w in lowers if w in self.rules.anonymous_heads]  # type: ignore[attr-defined]
        resolved = [m for m in self.mentions_in(a, b) if m.label_ != UNRESOLVED]
        if lowers[-1] in DOCUMENT_HEADS and "joint" in lowers:
            return Speaker(text=text)  # "the joint statement": a joint source, no one actor
        if lowers[-1] in DOCUMENT_HEADS and not resolved and self.statements:
            k = bisect_left(self.statements, a, key=lambda t: t[0]) - 1
            if k >= 0:
                issuer = self.statements[k][1]
                return Speaker(text=text, actor_id=issuer.actor_id, side=issuer.side, is_anonymous=issuer.is_anonymous, is_person=issuer.is_person)
        named_person = any(self.is_person_id(m.label_) for m in resolved)
        if heads and (lowers[0] in INDEFINITE_OPENERS or (lowers[0] in self.rules.anonymous_heads or lowers[0] == heads[0]) and not named_person):  # type: ignore[attr-defined]
            return self._anonymous(text, heads[0], toks, resolved)
        if lowers[0] == "the" and not resolved and len(toks) <= 4:
            person = self._role_antecedent(lowers[-1], a)
            if person is not None:  # "The spokesman said", "the ambassador added": the person last introduced as such
                return self.actor_speaker(text, person)
        if heads and lowers[0] == "the" and not any(self.is_person_id(m.label_) for m in resolved) and heads[-1] in self.anonymous_by_head:
            earlier = self.anonymous_by_head[heads[-1]]
            return Speaker(text=text, side=earlier.side, is_anonymous=True, head=heads[-1], is_person=True)
        if len({m.label_ for m in resolved}) > 1 and "and" in lowers and not any(self.is_person_id(m.label_) for m in resolved):
            return Speaker(text=text)  # a joint source: "Washington and Afghanistan have said"
        possessor = self._possessor(resolved, b)
        if possessor is not None:
            return self.actor_speaker(text, possessor)
        head = self._institution_head(resolved, toks)
        if head is not None:
            return self.actor_speaker(text, head)
        people = [m for m in resolved if self.is_person_id(m.label_)]
        pick = people or resolved
        if not pick:
            if heads and lowers[0] == "the":
                return self._anonymous(text, heads[-1], toks, resolved)  # "the source", first met as such
            return Speaker(text=text)
        return self.actor_speaker(text, pick[-1].label_)

    def roles_of(self, actor_id: str) -> frozenset[str]:
        """The role words an actor is known by: those that introduced a provisional person,
        and the role words of a listed person's descriptors."""
        if actor_id in self.provisional:
            return frozenset(self.provisional[actor_id].get("roles", "").split())
        cache = self.gazetteer.__dict__.setdefault("_speaker_roles", {})
        if actor_id not in cache:
            actor = self.gazetteer.actors.get(actor_id)
            words = {w.lower() for d in (actor.descriptors if actor else ()) for w in d.split()}
            cache[actor_id] = frozenset(words & self.gazetteer.open_world.role_words)
        return cache[actor_id]

    def _role_antecedent(self, role: str, token: int) -> str | None:
        """The person last mentioned before ``token`` whom ``role`` describes, unless an
        anonymous speaker of that role was quoted since."""
        if role not in self.gazetteer.open_world.role_words:
            return None
        k = bisect_right(self._person_ends, token) - 1
        while k >= 0:
            person = self._persons[k]
            if role in self.roles_of(person.label_):
                return None if self.anonymous_at.get(role, -1) > person.start else person.label_
            k -= 1
        return None

    def _body_owner(self, toks: list) -> str | None:  # type: ignore[type-arg]
        """The actor a bare body word of the phrase ("ministry", "council") refers back to:
        the one of its owners mentioned last before the phrase, if any."""
        from afstudy.pipeline import head_owners

        owners = self.gazetteer.__dict__.get("_head_owners_map")
        if owners is None:
            owners = self.gazetteer.__dict__["_head_owners_map"] = head_owners(self.gazetteer)
        before = toks[0].i
        for t in toks:
            ids = owners.get(t.lower_)
            if not ids:
                continue
            k = bisect_right(self._starts, before) - 1
            while k >= 0:
                if self.mentions[k].label_ in ids:
                    return self.mentions[k].label_
                k -= 1
        return None

    def _institution_head(self, resolved: list[Span], toks: list) -> str | None:  # type: ignore[type-arg]
        """ "the Ashraf Ghani government", "The government of President Ashraf Ghani": a
        body or state is the head noun, the person only its modifier."""
        if len(resolved) < 2:
            return None
        first, second = resolved[0], resolved[1]
        body = lambda m: not self.is_person_id(m.label_) and m.label_ in self.gazetteer.actors and self.gazetteer.actors[m.label_].type in ("body", "state", "organisation")  # noqa: E731
        if self.is_person_id(first.label_) and body(second) and second.start == first.end:
            return second.label_  # "the Ashraf Ghani government"
        if body(first) and self.is_person_id(second.label_) and first.end < len(self.doc) and self.doc[first.end].lower_ == "of" and toks[0].i <= first.start <= toks[0].i + 1:
            return first.label_  # "The government of President Ashraf Ghani"
        return None

    def _pronoun(self, text: str, token: int, sentence_start: int) -> Speaker:
        """ "he said": the last quoted person (or anonymous person), else the person named
        earlier in the same sentence, else the last person mentioned."""
        in_sentence = self.last_person_before(token, floor=sentence_start, outside=True)
        quoted = self._last_quoted(token, persons_only=True)
        if in_sentence is not None and (quoted is None or quoted.actor_id != in_sentence.label_):
            if quoted is None or not self._quoted_since(in_sentence.start, token):
                return self.actor_speaker(text, in_sentence.label_)
        if quoted is not None:
            return Speaker(text=text, actor_id=quoted.actor_id, side=quoted.side, is_anonymous=quoted.is_anonymous, head=quoted.head, is_person=True)
        person = self.last_person_before(token)
        return self.actor_speaker(text, person.label_) if person is not None else Speaker(text=text)

    def _quoted_since(self, start: int, token: int) -> bool:
        """Whether a quote was attributed between ``start`` and ``token``."""
        k = bisect_left(self.quoted, start, key=lambda t: t[0])
        return k < len(self.quoted) and self.quoted[k][0] < token

    def _possessor(self, resolved: list[Span], end_tok: int) -> str | None:
        """ "President Joe Biden's administration said": the speaker is the person's body
        or state (its nearest ancestor that is not a person), not the person."""
        if not resolved:
            return None
        last = resolved[-1]
        rest = [t.lower_ for t in self.doc[last.end : end_tok]]
        if len(rest) == 2 and rest[0] in ("'s", "’s") and rest[1] in self.rules.possessive_heads and self.is_person_id(last.label_) and last.label_ in self.gazetteer.actors:  # type: ignore[attr-defined]
            for ancestor in self.gazetteer.ancestors(last.label_):
                if self.gazetteer.actors[ancestor].type in ("state", "body"):
                    return ancestor
        return None

    def _anonymous(self, text: str, head: str, toks: list, resolved: list[Span]) -> Speaker:  # type: ignore[type-arg]
        side = ""
        for t in toks:
            side = self.rules.side_words.get(t.lower_, "")  # type: ignore[attr-defined]
            if side in self.gazetteer.actors:
                side = self.side_of(side)  # an actor id: its side on the article's date ("an Afghan official" in 2022)
            if side:
                break
        if not side and resolved:
            side = self.side_of(resolved[-1].label_)
        if not side:
            owner = self._body_owner(toks)
            side = self.side_of(owner) if owner else ""  # "a ministry spokesman": the ministry named before
        side = side or self.rules.anonymous_heads.get(head, "")  # type: ignore[attr-defined]
        if not side:
            inside = [p for p in self.places if p.start >= toks[0].i and p.end <= toks[-1].i + 1]
            for place in inside:
                place_obj = self.gazetteer.places.get(place.label_)
                country = place_obj.country if place_obj else place.label_
                if country in self.gazetteer.actors:
                    side = self.side_of(country)
                    break
        speaker = Speaker(text=text, side=side, is_anonymous=True, head=head, is_person=True)
        self.anonymous_by_head[head] = speaker
        self.anonymous_at[head] = toks[0].i
        return speaker
