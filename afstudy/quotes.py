"""Quotes and their speakers: direct, partial and indirect quotes, and terms.

The rules work on one article Doc at a time (see ``afstudy.extraction``), using its text
units, sentences and actor mentions. Cue words and source patterns are data
(``data/quotes.yaml``). Every quote keeps its raw-line offsets.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from spacy.tokens import Doc, Span

from afstudy.cleaning import words
from afstudy.gazetteer import Gazetteer
from afstudy.paths import DATA_DIR, QUOTE_RULES_FILE
from afstudy.pipeline import MENTIONS_KEY, PLACES_KEY, PROVISIONAL_KEY, UNRESOLVED, doc_date
from afstudy.quotemarks import DASHES, DOUBLE_CLOSE, DOUBLE_OPEN, SINGLE_CLOSE, SINGLE_OPEN, STRAIGHT_DOUBLE, STRAIGHT_SINGLE, find_segments
from afstudy.speakers import DATE_WORDS, Speaker, SpeakerResolver
from afstudy.pipeline import MENTIONS_KEY, PLACES_KEY, UNRESOLVED
from afstudy.schemas import load_checked
from afstudy.units import ArticleDoc, DocLayout, Unit, doc_layout

DASHES = ("- ", "– ", "— ")
ADJUNCT_PREPOSITIONS = frozenset({"to", "on", "in", "at", "during", "after", "before", "from", "with", "for", "about", "ahead", "amid", "while", "when", "via"})
AUXILIARIES = frozenset({"is", "are", "was", "were", "will", "would", "has", "have", "had", "can", "could", "should", "may", "might", "must", "did", "does", "do", "shall", "'s", "’s", "’re", "'re", "’ll", "'ll"})
IRREGULAR_PAST = frozenset("said made took met came went gave told held left sent saw got began became kept brought led ran set put won lost found thought knew stood fell rose paid meant sought felt spoke broke chose drew drove grew hit hurt let read rode rang shook shot shut sang sank sat slept slid spent spread stole stuck struck swore swept swam threw understood woke wore wrote overtook undertook".split())
PRONOUN_SUBJECTS = frozenset({"he", "she", "it", "they", "we", "i", "you", "this", "there"})
ING_NOUNS = frozenset({"nothing", "something", "anything", "everything", "morning", "evening", "meeting", "meetings", "building", "king", "spring", "thing", "wing", "beijing"})
RELATIVE_PRONOUNS = frozenset({"which", "who", "whose", "whom", "that"})
ADVERBS = frozenset({"also", "now", "still", "reportedly", "already", "often", "usually", "never", "always", "just", "only", "even", "soon", "currently", "firmly", "strongly", "fully"})  # a paragraph opening with a dash is a quote ("- We regret … - Lavrov said")
QUOTE_COLUMNS = [
    "quote_id", "article_id", "outlet_id", "unit_id", "part", "file", "line_no", "start", "end_line_no", "end",
    "text", "kind", "cue", "speaker_text", "speaker_actor_id", "speaker_side", "is_anonymous", "is_unbalanced",
]

NOUN_CUES = frozenset({"claim", "claims", "reports", "report"})  # cue words that are also nouns
NOUN_PREPOSITIONS = frozenset({"over", "of", "about", "despite", "amid", "against", "with", "by", "on"})  # a noun cue after these is a noun
DETERMINERS = frozenset({"the", "a", "an", "that", "this", "these", "those", "his", "her", "its", "their", "our", "such", "any", "no", "whose"})


@dataclass(frozen=True)
class QuoteRules:
    """The attribution rules of ``data/quotes.yaml``."""

    cues: frozenset[str]
    object_cues: frozenset[str]
    partial_only_cues: frozenset[str]
    prepositional_cues: tuple[tuple[str, ...], ...]
    continuation_cues: frozenset[str]
    cue_adjuncts: frozenset[str]
    speaker_skip: frozenset[str]
    clause_breaks: frozenset[str]
    speaker_breaks: frozenset[str]
    term_markers: frozenset[str]
    noun_complements: frozenset[str]
    that_cues: frozenset[str]
    pronouns: frozenset[str]
    possessive_heads: frozenset[str]
    anonymous_heads: dict[str, str]
    side_words: dict[str, str]
    min_indirect_words: int
    term_max_words: int


def load_quote_rules(path: str | Path = QUOTE_RULES_FILE) -> QuoteRules:
    """Load ``data/quotes.yaml``, checked against ``data/schemas/quotes.schema.json``
    (errors name the file, line and key)."""
    data = load_checked(path, "quotes").data

    def words_of(key: str) -> frozenset[str]:
        return frozenset(v.lower() for v in data[key])

    def mapping(key: str) -> dict[str, str]:
        return {str(k).lower(): str(v or "") for k, v in data[key].items()}

    return QuoteRules(
        cues=words_of("cues"),
        object_cues=words_of("object_cues"),
        partial_only_cues=words_of("partial_only_cues"),
        prepositional_cues=tuple(tuple(c.split()) for c in sorted(words_of("prepositional_cues"))),
        continuation_cues=words_of("continuation_cues"),
        cue_adjuncts=words_of("cue_adjuncts"),
        speaker_skip=words_of("speaker_skip"),
        clause_breaks=words_of("clause_breaks"),
        speaker_breaks=words_of("speaker_breaks"),
        term_markers=words_of("term_markers"),
        noun_complements=frozenset(v.lower() for v in data.get("noun_complements") or ()),
        that_cues=frozenset(v.lower() for v in data.get("that_cues") or ()),
        pronouns=words_of("pronouns"),
        possessive_heads=words_of("possessive_heads"),
        anonymous_heads=mapping("anonymous_heads"),
        side_words=mapping("side_words"),
        min_indirect_words=data["min_indirect_words"],
        term_max_words=data["term_max_words"],
    )


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


class QuoteFinder:
    """Quotes and speakers of one processed article Doc."""

    def __init__(self, doc: Doc, units: list[Unit], gazetteer: Gazetteer, rules: QuoteRules, layout: DocLayout | None = None) -> None:
        self.doc = doc
        self.units = units
        self.gazetteer = gazetteer
        self.rules = rules
        self.layout = layout or doc_layout(doc)
        self.date = doc_date(doc)
        self.text = self.layout.text  # Doc.text joins every token on each access: read it once
        self.sents: list[Span] = self.layout.sentences
        self.sent_of: list[int] = self.layout.sent_of
        self.token_starts: list[int] = self.layout.token_starts
        self.lowers: list[str] = self.layout.lowers
        self.outside: list[bool] = [True] * len(doc)  # token not inside quote marks (set by find)
        self._unit_starts = [u.doc_start for u in units]
        self.mentions: list[Span] = list(doc.spans[MENTIONS_KEY])
        self.places: list[Span] = list(doc.spans[PLACES_KEY])
        self.segments: list[Segment] = []
        self._segment_starts: list[int] = []
        self.speakers = SpeakerResolver(doc, gazetteer, rules, self.date, doc.user_data.get(PROVISIONAL_KEY, {}), self.places)
        self.speakers.outside_quotes = lambda token: self.outside[token]
        self._directs: list[Quote] = []  # direct quotes so far, in reading order
        self._by_cue: dict[int, Speaker] = {}  # cue token -> the speaker of its first quote

    # -- helpers ----------------------------------------------------------------------
    def _inside_segment(self, char: int) -> Segment | None:
        k = bisect_right(self._segment_starts, char + 1) - 1  # segments do not nest: the last one opening before char
        if k < 0:
            return None
        seg = self.segments[k]
        return seg if seg.start - 1 <= char < seg.end + 1 else None

    def _tokens_text(self, start: int, end: int) -> str:
        """``doc[start:end].text`` from the layout."""
        if start >= end:
            return ""
        return self.text[self.token_starts[start] : self.token_starts[end - 1] + len(self.layout.texts[end - 1])]

    def _unit_index(self, char: int) -> int:
        k = bisect_right(self._unit_starts, char) - 1
        if k < 0 or char > self.units[k].doc_end:
            raise ValueError(f"offset {char} is outside every unit")
        return k

    def _token_at(self, char: int) -> int:
        """Index of the first token starting at or after ``char``."""
        return bisect_left(self.token_starts, char)

    def _mentions_in(self, start_tok: int, end_tok: int) -> list[Span]:
        return self.speakers.mentions_in(start_tok, end_tok)

    def speaker_from_phrase(self, start_tok: int, end_tok: int) -> Speaker:
        """Resolve the speaker phrase ``doc[start_tok:end_tok]`` (see ``afstudy.speakers``)."""
        sent = self.sents[self.sent_of[start_tok]] if start_tok < len(self.doc) else None
        return self.speakers.from_phrase(start_tok, end_tok, sentence_start=sent.start if sent is not None else 0)

    # -- cues -------------------------------------------------------------------------
    def _mark_outside(self) -> None:
        """Flag the tokens inside (or on the marks of) a quoted segment."""
        for seg in self.segments:
            first, stop = bisect_left(self.token_starts, seg.start - 1), bisect_left(self.token_starts, seg.end + 1)
            self.outside[first:stop] = [False] * (stop - first)

    def _cues(self, sent: Span) -> list[tuple[int, int, str]]:
        """Cue tokens of a sentence outside quote marks: (first token, last token + 1, kind)."""
        found = []
        lowers, outside, rules = self.lowers, self.outside, self.rules
        prepositional = [list(c) for c in rules.prepositional_cues]
        openers = {c[0] for c in prepositional}
        i = sent.start
        while i < sent.end:
            lowered = lowers[i]
            if not outside[i]:
                i += 1
                continue
            multi = next((c for c in prepositional if lowers[i : i + len(c)] == c), None) if lowered in openers else None
            if multi:
                found.append((i, i + len(multi), "prepositional"))
                i += len(multi)
                continue
            if lowered in rules.continuation_cues and i > sent.start and self.doc[i - 1].text == ",":
                found.append((i, i + 1, "continuation"))
            elif lowered in rules.cues and not self._is_adjectival(i, sent) and not self._is_subject_noun(i, sent) and self._reports_here(i, sent):
                found.append((i, i + 1, "verb"))
            elif lowered in rules.partial_only_cues and not (i + 1 < sent.end and lowers[i + 1] in ("for", "on", "off", "upon", "up")):
                found.append((i, i + 1, "partial_only"))
            i += 1
        return found

    def _reports_here(self, i: int, sent: Span) -> bool:
        """A cue of ``that_cues`` ("confirmed", "maintained") reports speech only when "that",
        a colon or a quote follows within a few words ("maintained ties with" does not);
        after "if" or "once" ("If confirmed, …") no cue does."""
        if i - 1 >= sent.start and self.lowers[i - 1] in ("if", "once", "unless"):
            return False
        if self.lowers[i] not in self.rules.that_cues:
            return True
        nxt = next((k for k in range(i + 1, sent.end) if not self.doc[k].is_space), sent.end)
        if nxt == sent.end or self.layout.texts[nxt] in (".", "!", "?") or self.lowers[nxt] in PRONOUN_SUBJECTS:
            return True  # "…, the council confirmed."; "confirmed they would attend"
        for k in range(nxt, min(i + 8, sent.end)):
            if self.lowers[k] == "that" or self.layout.texts[k] == ":" or not self.outside[k] or self.lowers[k] in AUXILIARIES:
                return True
            if self.layout.texts[k] in (",", ".", ";"):
                break
        return False

    def _is_subject_noun(self, i: int, sent: Span) -> bool:
        """ "Reports by aid organisations suggest …": a capitalised cue word opening the
        sentence is a noun, not a speech verb."""
        first = next((t.i for t in sent if not t.is_space), sent.start)
        return i == first and self.layout.texts[i][:1].isupper()

    def _is_adjectival(self, i: int, sent: Span) -> bool:
        """ "the officially announced contact": a cue used as an adjective; "denies that
        claim", "its reports": a cue word that is also a noun, after a determiner."""
        j = i - 1
        if j >= sent.start and self.lowers[j].endswith("ly"):
            j -= 1
        if j < sent.start:
            return False
        if self.lowers[j] in ("the", "a", "an"):
            return True
        if self.lowers[i] not in NOUN_CUES:
            return False
        if self.lowers[j] in DETERMINERS or self.lowers[j] in NOUN_PREPOSITIONS:
            return True  # "that claim", "over claims that"
        return j - 1 >= sent.start and self.layout.texts[j].islower() and self.lowers[j - 1] in DETERMINERS  # "the new claims" (not "The Taliban claim")

    def _content_start(self, cue_end: int, sent_end: int, cue_word: str) -> int:
        """First token of the reported clause after a cue (adjuncts and 'that' skipped)."""
        i = cue_end
        if cue_word in ("told", "tells", "tell") or cue_word in self.rules.object_cues:
            that = next((k for k in range(i, min(i + 8, sent_end)) if self.doc[k].lower_ == "that"), None)
            return that + 1 if that is not None else i
        if i < sent_end and self.doc[i].lower_ in ADJUNCT_PREPOSITIONS:  # "stated to reporters on the sidelines of the meeting that …"
            that = next((k for k in range(i, min(i + 16, sent_end)) if self.doc[k].lower_ == "that" or self.doc[k].text in (",", ";", ":")), None)
            if that is not None and self.doc[that].lower_ == "that":
                return that + 1
        while i < sent_end:
            word = self.doc[i].lower_
            if word == "that" or word in self.rules.cue_adjuncts:
                i += 1
                continue
            if word in ("on", "in", "at", "this", "last", "a", "an", "the") and i + 1 < sent_end:
                ahead = [self.doc[k].lower_ for k in range(i + 1, min(i + 3, sent_end))]
                stop = next((n for n, w in enumerate(ahead) if w in self.rules.cue_adjuncts), None)
                if stop is not None:
                    i = i + 1 + stop + 1
                    continue
            break
        return i

    def _is_clause(self, start: int, end: int, *, after_that: bool) -> bool:
        """Whether the words after a cue are a reported proposition (a finite clause), not a
        noun phrase, gerund or infinitive ("stressed the need to …", "denied orchestrating
        the meeting", "vowed to retake …", "at the Moscow talks on Wednesday" are not): an
        auxiliary, a past-tense verb or a verb after its subject, before any relative
        pronoun (the verb of "a government, which has …" belongs to the noun) and before a
        semicolon."""
        lowers = self.lowers[start:end]
        if not lowers:
            return False
        if after_that:
            return True
        first = lowers[0]
        if first in ADJUNCT_PREPOSITIONS or first == "to" or (first.endswith("ing") and first.isalpha() and first not in ING_NOUNS):
            return False
        head = next((n for n, w in enumerate(lowers[:4]) if w in self.rules.noun_complements), None)
        if head is not None and all(w in DETERMINERS or not self.layout.texts[start + n][:1].isalpha() or w.endswith("’s") or w.endswith("'s") or self.layout.texts[start + n][:1].isupper() for n, w in enumerate(lowers[:head])):
            if not (head + 1 < len(lowers) and lowers[head + 1] == "that"):
                return False  # "stressed their commitment to …", "emphasised the importance of …": a noun phrase
        texts = self.layout.texts[start:end]
        for n, (word, text) in enumerate(zip(lowers, texts, strict=True)):
            if not self.outside[start + n] and n:
                return True  # reported words in quote marks ("said the Taliban “… demand that …”")
            if word in RELATIVE_PRONOUNS or (word == ";" and self.outside[start + n]):
                return False
            if word in AUXILIARIES or word in IRREGULAR_PAST or (n and word.endswith("ed") and len(word) > 4 and text.islower() and lowers[n - 1] not in ("the", "a", "an", "to")):
                return True
            if n and word.endswith("s") and text.islower() and len(word) > 3 and (texts[n - 1][:1].isupper() or lowers[n - 1] in PRONOUN_SUBJECTS or lowers[n - 1] in ADVERBS):
                return True  # "Moscow expects", "India supports", "the envoy also plans"
        return False

    def _clause(self, start: int, end: int, other_cues: list[int], *, min_words: int | None = None) -> tuple[int, int] | None:
        """Trim a reported clause [start, end) to its words; None when too short.

        It ends before a comma that introduces a continuation cue or another cue's clause;
        a clause whose core (up to ", but …") is shorter than min_indirect_words is dropped.
        """
        texts, lowers = self.layout.texts, self.lowers
        for k in range(start, end):
            if texts[k] == "," and k + 1 < end and (lowers[k + 1] in self.rules.continuation_cues):
                end = k
                break
            if k + 1 in other_cues or (k + 2 in other_cues and lowers[k + 1] in ("but", "and")):
                if texts[k] == "," or lowers[k] in ("but", "and"):
                    end = k
                    break
        while start < end and (self.doc[start].is_punct and self.doc[start].text not in "“\"‘'"):
            start += 1
        while end > start and self.doc[end - 1].is_space:
            end -= 1
        if start >= end:
            return None
        core_end = end
        for k in range(start, end - 1):
            if texts[k] == "," and lowers[k + 1] in self.rules.clause_breaks:
                core_end = k
                break
        if len(words(self._tokens_text(start, core_end))) < (min_words or self.rules.min_indirect_words):
            return None
        segment = self._inside_segment(self.doc[start].idx + 1)
        if segment is not None and segment.start <= self.doc[start].idx + 1 and segment.end >= self.doc[end - 1].idx - 1:
            return None  # the clause is a direct quote, coded as such
        return start, end

    def _speaker_before(self, sent: Span, cue_start: int) -> Speaker:
        """The speaker phrase read back from a cue ("Taliban spokesman Mohammad Naeem tweeted")."""
        start = sent.start
        for k in range(cue_start - 1, sent.start - 1, -1):
            tok = self.doc[k]
            if tok.lower_ in self.rules.speaker_breaks or tok.text in (";", ":", "”") or (tok.text == '"' and k > sent.start):
                start = k + 1
                break
        window_tokens = [t for t in self.doc[start:cue_start]]
        # Prefer the stretch after the last comma when it names someone ("..., officials in Afghanistan said"),
        # unless it is an indefinite apposition to a person named before it ("Zabihullah Mujahid, an official spokesperson …, said").
        commas = [t.i for t in window_tokens if t.text == ","]
        if commas and commas[-1] + 1 < cue_start:
            tail = self.speaker_from_phrase(commas[-1] + 1, cue_start)
            if tail.is_anonymous and self.lowers[commas[-1] + 1] in ("a", "an"):
                named = self.speaker_from_phrase(start, commas[-1])
                if named.actor_id and named.is_person:
                    return named
            if tail.actor_id or tail.is_anonymous:
                return tail
        return self.speaker_from_phrase(start, cue_start)

    def _speaker_after(self, sent: Span, cue_end: int) -> tuple[Speaker, int]:
        """The speaker after an inverted cue ("…,” said Taliban spokesman Zabihullah Mujahid,")."""
        end = cue_end
        while end < sent.end and self.doc[end].text not in (",", ".", ";", "!", "?") and not self.doc[end].is_space:
            end += 1
        if end < sent.end and self.doc[end].text == "," and end + 1 < sent.end:
            # an apposition continues the speaker: "said Afghanistan's ambassador to Russia, Dr. Abdul Qayyum Kochai."
            nxt = end + 1
            while nxt < sent.end and self.doc[nxt].text not in (",", ".", ";") and not self.doc[nxt].is_space:
                nxt += 1
            if self._mentions_in(end + 1, nxt) and self.doc[end + 1].lower_ not in self.rules.continuation_cues | self.rules.speaker_breaks:
                end = nxt
        return self.speaker_from_phrase(cue_end, end), end

    # -- the pass over an article -------------------------------------------------------
    def _collect_segments(self) -> None:
        """Quoted spans of every unit; a quote left open at the end of a paragraph and
        reopened at the start of the next is one quote across both (not unbalanced)."""
        for index, unit in enumerate(self.units):
            for start, end, open_mark, close_mark, unbalanced in find_segments(unit.text):
                seg = Segment(unit.doc_start + start, unit.doc_start + end, open_mark, close_mark, index, unbalanced)
                prev = self.segments[-1] if self.segments else None
                runs_on = (
                    prev is not None
                    and prev.unit_index == index - 1
                    and not prev.close_mark
                    and prev.end == self.units[index - 1].doc_end
                    and start == len(open_mark)
                    and open_mark not in DASHES
                )
                if runs_on:
                    prev.end, prev.close_mark, prev.is_unbalanced, prev.unit_index = seg.end, seg.close_mark, seg.is_unbalanced, index
                else:
                    self.segments.append(seg)
                    self._segment_starts.append(seg.start)

    def _attribution_after(self, seg: Segment) -> tuple[Speaker, str, int] | None:
        """A speaker and cue right after a closing mark ("…,” Shaheen told reporters)."""
        inside = self.text[seg.start : seg.end].rstrip().rstrip("'’\"”")
        after_mark = seg.end + len(seg.close_mark)
        k = self._token_at(after_mark)
        if k >= len(self.doc) or self.doc[k].is_space or (self.doc[k].is_sent_start and seg.open_mark not in DASHES):
            return None
        comma_after = self.doc[k].text == ","
        if not (inside.endswith((",", ".", "!", "?", "…")) or comma_after or seg.open_mark in DASHES):
            return None
        sent = self.sents[self.sent_of[k]]
        while k < sent.end and self.doc[k].text in (",", "."):
            k += 1
        if k >= sent.end:
            return None
        if self.doc[k].lower_ in self.rules.cues:
            speaker, _ = self._speaker_after(sent, k + 1)
            return speaker, self._cue_text(k, k + 1, sent), k
        commas = 0
        for c in range(k, min(k + 18, sent.end)):
            tok = self.doc[c]
            if tok.lower_ in self.rules.cues:
                return self.speaker_from_phrase(k, c), self._cue_text(c, c + 1, sent), c
            if tok.text == "," and commas < 2 and self._mentions_in(k, c):
                commas += 1  # "…,” Dr. Muhammad Faisal, Foreign Ministry spokesman, said"
                continue
            if tok.text in (",", ";", "“", '"', "”") or tok.is_space or c - k >= 9 and not commas:
                return None
        return None

    def _cue_text(self, start: int, end: int, sent: Span) -> str:
        """The cue as written, with a channel adjunct ("said in a statement", "told reporters")."""
        stop = end
        word = self.doc[start].lower_
        if word in ("told", "tells", "tell"):
            while stop < sent.end and self.doc[stop].text not in (",", ".", ";") and self.doc[stop].lower_ not in ("that", "the", "in", "on", "at") and stop - end < 4:
                stop += 1
            if stop == end and stop < sent.end and self.doc[stop].lower_ == "the":
                stop += 2
        elif stop + 1 < sent.end and self.doc[stop].lower_ in ("in", "on") and self.doc[min(stop + 2, sent.end - 1)].lower_ in ("statement", "readout", "twitter", "interview"):
            stop = stop + 3 if self.doc[stop + 1].lower_ in ("a", "an", "the") else stop + 2
        elif stop < sent.end and self.doc[stop].lower_ == "on" and stop + 1 < sent.end and self.doc[stop + 1].lower_ == "twitter":
            stop += 2
        return self.doc[start:stop].text

    def _quote(self, start_char: int, end_char: int, kind: str, cue: str, speaker: Speaker, unbalanced: bool = False, cue_token: int = -1) -> Quote:
        text = self.text[start_char:end_char]
        lead = len(text) - len(text.lstrip())
        trail = len(text) - len(text.rstrip())
        self._note_speaker(cue_token if cue_token >= 0 else self._token_at(start_char), speaker, cue)
        quote = Quote(start_char + lead, end_char - trail, kind, cue, speaker, unbalanced, cue_token)
        if kind == "direct":
            self._directs.append(quote)
        if cue_token >= 0:
            self._by_cue.setdefault(cue_token, speaker)
        return quote

    def _note_speaker(self, token: int, speaker: Speaker, cue: str = "") -> None:
        self.speakers.note(token, speaker, cue)

    def find(self) -> list[Quote]:
        """All quotes of the article, in reading order."""
        self._collect_segments()
        self._mark_outside()
        quotes: list[Quote] = []
        claimed: set[int] = set()
        seg_quote: dict[int, Quote] = {}
        for sent in self.sents:
            sent_text = self.layout.span_text(sent)
            if not sent_text.strip():
                continue
            unit = self.units[self._unit_index(sent.start_char + (len(sent_text) - len(sent_text.lstrip())))]
            cues = self._cues(sent)
            cue_speakers: dict[int, Speaker] = {}
            sentence_quotes: list[Quote] = []
            # 1. quoted segments that open in this sentence
            lo, hi = bisect_left(self._segment_starts, sent.start_char + 1), bisect_left(self._segment_starts, sent.end_char + 1)
            opening = self.segments[lo:hi]
            for seg in opening:
                quote = self._segment_quote(seg, sent, unit, cues, quotes)
                if quote.cue_token >= 0:
                    claimed.add(quote.cue_token)
                seg_quote[id(seg)] = quote
                sentence_quotes.append(quote)
            # 2. reported speech from cues
            if unit.part == "headline":
                headline = self._headline_claim(sent)
                if headline is not None:
                    sentence_quotes.append(headline)
            cue_starts = [c[0] for c in cues]
            for start, end, kind in cues:
                if start in claimed:
                    cue_speakers[start] = self._by_cue.get(start, Speaker())
                    continue
                sentence_quotes += self._reported(sent, start, end, kind, cues, cue_starts, cue_speakers, min_words=2 if unit.part == "headline" else None)
            sentence_quotes = self._outermost_reports(sentence_quotes)
            # 3. partial quotes take the speaker of the report that contains them, else of the cue that governs them
            reports = [q for q in sentence_quotes if q.kind == "indirect" and q.cue]
            for q in sentence_quotes:
                if q.kind == "partial" and not q.cue:
                    outer = next((r for r in reports if r.start <= q.start - 1 and q.end <= r.end + 1), None)
                    if outer is not None:
                        q.cue, q.speaker, q.cue_token = outer.cue, outer.speaker, outer.cue_token
                    else:
                        q.cue, q.speaker, q.cue_token = self._governing_cue(q, sent, cues, cue_speakers)
                    self._note_speaker(q.cue_token if q.cue_token >= 0 else self._token_at(q.start), q.speaker)
            quotes += sentence_quotes
        return sorted(quotes, key=lambda q: (q.start, -q.end))

    def _segment_quote(self, seg: Segment, sent: Span, unit: Unit, cues: list[tuple[int, int, str]], earlier: list[Quote]) -> Quote:
        text = self.text[seg.start : seg.end]
        before = self.text[unit.doc_start : seg.start - len(seg.open_mark)].rstrip()
        if unit.part in ("headline", "standfirst", "subheading"):
            return self._quote(seg.start, seg.end, "term", "", Speaker(), seg.is_unbalanced)
        last_words = before.lower().split()[-2:]
        if last_words and (last_words[-1] in self.rules.term_markers or " ".join(last_words) in self.rules.term_markers):
            return self._quote(seg.start, seg.end, "term", "", Speaker(), seg.is_unbalanced)
        sent_text = self.layout.span_text(sent)
        sentence_start = sent.start_char + (len(sent_text) - len(sent_text.lstrip()))
        attribution = self._attribution_after(seg)
        if attribution is not None:
            speaker, cue, cue_token = attribution
            return self._quote(seg.start, seg.end, "direct", cue, speaker, seg.is_unbalanced, cue_token)
        if seg.start - len(seg.open_mark) == sentence_start or before.endswith(":"):
            if before.endswith(":"):
                colon_cues = [c for c in cues if self.doc[c[0]].idx < seg.start]
                if colon_cues:
                    c = colon_cues[-1]
                    speaker = self._speaker_before(sent, c[0])
                    return self._quote(seg.start, seg.end, "direct", self.doc[c[0] : c[1]].text, speaker, seg.is_unbalanced, c[0])
            previous = self._directs[-1:]  # the last direct quote: a quote-only paragraph continues it
            reported = [q for q in earlier if q.kind == "indirect" and (q.speaker.actor_id or q.speaker.is_anonymous)][-1:]
            same_unit = sorted((q for q in previous + reported if unit.doc_start <= q.start < unit.doc_end), key=lambda q: q.start)  # "X had said that …. “…”": X's words
            prior_unit = [q for q in previous if q.start < unit.doc_start]
            source = same_unit[-1] if same_unit else (prior_unit[-1] if prior_unit and seg.start - len(seg.open_mark) == unit.doc_start and self._ends_unit(prior_unit[-1]) else None)
            if source is not None:
                return self._quote(seg.start, seg.end, "direct", source.cue, source.speaker, seg.is_unbalanced)
            return self._quote(seg.start, seg.end, "direct", "", Speaker(), seg.is_unbalanced)
        if len(words(text)) <= self.rules.term_max_words and not cues:
            return self._quote(seg.start, seg.end, "term", "", Speaker(), seg.is_unbalanced)
        quoted_words = words(text)
        if 1 <= len(quoted_words) <= 4 and all(w[:1].isupper() for w in quoted_words) and not text.rstrip().endswith((".", ",", "!", "?")):
            return self._quote(seg.start, seg.end, "term", "", Speaker(), seg.is_unbalanced)  # a name in quotes: the “Moscow Format” meeting
        return self._quote(seg.start, seg.end, "partial", "", Speaker(), seg.is_unbalanced)

    def _ends_unit(self, quote: Quote) -> bool:
        """True when a quote belongs to the unit just before the current one (a run-on quote)."""
        index = self._unit_index(quote.start)
        return index + 1 < len(self.units)

    def _headline_claim(self, sent: Span) -> Quote | None:
        """ "Russia: Taliban, US Officials Held …" — a headline claim attributed to an actor;
        also at the end: "Pakistan not to attend … : FO", "Russia welcomes … - Foreign Ministry"."""
        marks = [t.i for t in sent if t.text in (":", "-", "–", "—") and t.whitespace_ and t.i > sent.start and self.doc[t.i - 1].whitespace_ or t.text == ":"]
        if marks:
            last = marks[-1]
            tail = [m for m in self._mentions_in(last + 1, sent.end)]
            if tail and tail[0].start == last + 1 and tail[-1].end >= sent.end - (1 if self.doc[sent.end - 1].is_punct else 0) and last > sent.start + 2:
                speaker = self.speaker_from_phrase(last + 1, sent.end)
                if speaker.actor_id:
                    first = next(t for t in sent if not t.is_space)
                    return self._quote(first.idx, self.doc[last - 1].idx + len(self.doc[last - 1].text), "indirect", self.doc[last].text, speaker, cue_token=last)
        colon = next((t.i for t in sent if t.text == ":"), None)
        if colon is None:
            return None
        mentions = self._mentions_in(sent.start, colon)
        if len(mentions) != 1 or mentions[0].start != sent.start or mentions[0].end != colon:
            return None
        speaker = self.speaker_from_phrase(sent.start, colon)
        if not speaker.actor_id:
            return None
        return self._quote(self.doc[colon + 1].idx, sent.end_char, "indirect", ":", speaker, cue_token=colon)

    def _reported(self, sent: Span, start: int, end: int, kind: str, cues: list[tuple[int, int, str]], cue_starts: list[int], cue_speakers: dict[int, Speaker], *, min_words: int | None = None) -> list[Quote]:
        """Indirect quotes introduced by one cue (a headline's clause may be shorter)."""
        others = [c for c in cue_starts if c != start]
        out: list[Quote] = []
        word = self.doc[start].lower_
        cue = self._cue_text(start, end, sent)

        def clause(a: int, b: int, speaker: Speaker) -> None:
            trimmed = self._clause(a, b, others, min_words=min_words)
            if trimmed is not None and self.layout.texts[trimmed[0]] in ("“", '"') and self._inside_segment(self.doc[trimmed[0]].idx + 1) is not None and start > trimmed[0] and any(q.kind == "direct" and q.cue for q in self._directs if q.start == self.doc[trimmed[0]].idx + 1):
                return  # "“…,” X said, according to Y": the direct quote is coded, not a report of it
            if trimmed is not None:
                out.append(self._quote(self.doc[trimmed[0]].idx, self.doc[trimmed[1] - 1].idx + len(self.doc[trimmed[1] - 1].text), "indirect", cue, speaker, cue_token=start))

        sentence_start = next((t.i for t in sent if not t.is_space), sent.start)
        if kind == "partial_only":
            speaker = self._speaker_before(sent, start)
            if not (speaker.actor_id or speaker.is_anonymous):
                earlier = [c for c in cue_starts if c < start and c in cue_speakers]
                speaker = cue_speakers[earlier[-1]] if earlier else speaker  # "He called … and described it as “…”"
            cue_speakers[start] = speaker
            return out
        if kind == "continuation":
            earlier = [c for c in cue_starts if c < start and c in cue_speakers]
            speaker = cue_speakers[earlier[-1]] if earlier else self._subject(sent, start)
            cue_speakers[start] = speaker
            clause(self._content_start(end, sent.end, word), sent.end, speaker)
            return out
        if kind == "prepositional":
            comma = next((t.i for t in self.doc[end : sent.end] if t.text in (",", ".")), sent.end)
            speaker = self.speaker_from_phrase(end, comma)
            cue_speakers[start] = speaker
            if start > sentence_start and self.doc[start - 1].text == ",":
                clause(sentence_start, start - 1, speaker)
            else:
                clause(comma + 1, sent.end, speaker)
            return out
        prev = self.doc[start - 1] if start > sent.start else None
        following = self.doc[end].lower_ if end < sent.end else ""
        nxt = self._content_start(end, sent.end, word)
        after_that = nxt > end and self.lowers[nxt - 1] == "that"
        after_clause = self._is_clause(nxt, sent.end, after_that=after_that)
        cited = self._cited_speaker(sent, start)
        if cited is not None:  # "Tass cited X as saying …", "X was quoted as saying …"
            cue_speakers[start] = cited
            passive = self.lowers[start - 2] in ("quoted", "cited") and start - 3 >= sent.start and self.lowers[start - 3] in ("was", "were", "is", "been")
            commas = [t.i for t in self.doc[sentence_start:start] if t.text == "," and self.outside[t.i]]
            if passive and commas and not after_clause:
                clause(sentence_start, commas[-1], cited)
            elif after_clause:
                clause(nxt, sent.end, cited)
            return out
        inverted = (
            prev is not None
            and prev.text in (",", "”", '"')
            and word not in self.rules.object_cues
            and following not in self.rules.pronouns | {"it", "they", "we", "i", "that"}
            and not (after_clause and prev.text == ",")
        )
        if inverted:
            speaker, speaker_end = self._speaker_after(sent, end)
            if speaker.actor_id or speaker.is_anonymous or speaker.text:
                cue_speakers[start] = speaker
                stop = start - 1 if prev.text == "," else start
                clause(sentence_start, stop, speaker)
                return out
        commas = [t.i for t in self.doc[sentence_start:start] if t.text == "," and self.outside[t.i]]
        after = self.doc[nxt].text if nxt < sent.end else "."
        if after in (",", ".", "!", "?") or not after_clause:
            found = self._comma_speaker(commas, start, sentence_start)
            if found is not None:  # "…, X said (on Wednesday)." and "…, the Kremlin's envoy, Zamir Kabulov, said Thursday."
                speaker, comma = found
                cue_speakers[start] = speaker
                clause(sentence_start, comma, speaker)
                if after == "," and self._is_clause(nxt + 1, sent.end, after_that=False):
                    clause(nxt + 1, sent.end, speaker)
                return out
        earlier = [c for c in cue_starts if c < start and c in cue_speakers]
        if earlier and self.lowers[start - 1] in ("and", "but") and (cue_speakers[earlier[-1]].actor_id or cue_speakers[earlier[-1]].is_anonymous):
            speaker = cue_speakers[earlier[-1]]  # "Trump revealed … and announced that …": one subject, two verbs
        else:
            speaker = self._speaker_before(sent, start)
            if not speaker.text:
                speaker = cue_speakers[earlier[-1]] if earlier else speaker
        cue_speakers[start] = speaker
        if after_clause:
            clause(nxt, sent.end, speaker)
        return out

    def _comma_speaker(self, commas: list[int], cue: int, sentence_start: int) -> tuple[Speaker, int] | None:
        """For "<clause>, X said": the speaker phrase between a comma and the cue (trying
        the last comma, then earlier ones for an apposition "…, the envoy, X, said"), and
        the comma that ends the clause; None unless what precedes is a clause and the phrase
        names a speaker."""
        end = cue - 1 if commas and commas[-1] == cue - 1 else cue
        for comma in reversed([c for c in commas if c < end][-3:]):
            if end - comma > 14 or self.lowers[comma + 1] in self.rules.speaker_breaks | self.rules.clause_breaks:
                break
            speaker = self.speaker_from_phrase(comma + 1, end)
            if (speaker.actor_id or speaker.is_anonymous or speaker.text.lower() in self.rules.pronouns) and self._is_clause(sentence_start, comma, after_that=False):
                return speaker, comma
        return None

    def _subject(self, sent: Span, before: int) -> Speaker:
        """ "Senior Taliban officials … met …, saying they …": the sentence's subject, the
        words before its first verb."""
        first = next((t.i for t in sent if not t.is_space), sent.start)
        for k in range(first + 1, before):
            word, text = self.lowers[k], self.layout.texts[k]
            if word in AUXILIARIES or word in IRREGULAR_PAST or (word.endswith("ed") and len(word) > 4 and text.islower()):
                return self.speaker_from_phrase(first, k)
        return Speaker()

    def _cited_speaker(self, sent: Span, cue: int) -> Speaker | None:
        """ "Tass cited X as saying", "It quotes X as saying": the speaker is X, not the agency; "X was quoted as
        saying (by Y)": the speaker is X."""
        if cue - 1 < sent.start or self.lowers[cue - 1] != "as":
            return None
        for k in range(cue - 2, max(sent.start, cue - 16) - 1, -1):
            word = self.lowers[k]
            if word in ("cited", "quoted", "citing", "quoting", "quotes", "cites"):
                if k - 1 >= sent.start and self.lowers[k - 1] in ("was", "were", "is", "been"):
                    return self._speaker_before(sent, k - 1)  # "…, X was quoted as saying by Y."
                speaker = self.speaker_from_phrase(k + 1, cue - 1)
                return speaker if speaker.text else None
        return None

    def _outermost_reports(self, quotes: list[Quote]) -> list[Quote]:
        """A report inside another report's content is the outer speaker's words (a
        ministry's statement that "Kabulov urged …"): only the outer one is coded."""
        reports = [q for q in quotes if q.kind == "indirect" and q.cue_token >= 0]
        inner = {id(q) for q in reports for r in reports if r is not q and r.start <= self.doc[q.cue_token].idx < r.end and r.cue_token < q.cue_token}
        return [q for q in quotes if id(q) not in inner]

    def _governing_cue(self, q: Quote, sent: Span, cues: list[tuple[int, int, str]], cue_speakers: dict[int, Speaker]) -> tuple[str, Speaker, int]:
        before = [c for c in cues if self.doc[c[0]].idx < q.start]
        after = [c for c in cues if self.doc[c[0]].idx > q.end]
        chosen = before[-1] if before else (after[0] if after else None)
        if chosen is None:
            return "", Speaker(), -1
        speaker = cue_speakers.get(chosen[0]) or self._speaker_before(sent, chosen[0])
        return self._cue_text(chosen[0], chosen[1], sent), speaker, chosen[0]


def quote_rows(ad: ArticleDoc, gazetteer: Gazetteer, rules: QuoteRules) -> list[dict[str, object]]:
    """One row per quote of an article, with raw-line offsets."""
    rows = []
    finder = QuoteFinder(ad.doc, ad.units, gazetteer, rules, ad.layout)
    text = finder.text
    for n, q in enumerate(finder.find(), start=1):
        first, last = ad.unit_at(q.start), ad.unit_at(max(q.start, q.end - 1))
        rows.append(
            {
                "quote_id": f"{ad.article.article_id}-q{n:02d}",
                "article_id": ad.article.article_id,
                "outlet_id": ad.article.raw.meta.outlet_id,
                "unit_id": first.unit_id,
                "part": first.part,
                "file": ad.article.raw.meta.file,
                "line_no": first.line_no,
                "start": q.start - first.doc_start + first.raw_offset,
                "end_line_no": last.line_no,
                "end": q.end - last.doc_start + last.raw_offset,
                "text": re.sub(r"\n\n[“\"‘']?", "\n", text[q.start : q.end]),
                "kind": q.kind,
                "cue": q.cue,
                "speaker_text": q.speaker.text,
                "speaker_actor_id": q.speaker.actor_id,
                "speaker_side": q.speaker.side,
                "is_anonymous": q.speaker.is_anonymous,
                "is_unbalanced": q.is_unbalanced,
            }
        )
    return rows


def sourcing_table(quotes: pd.DataFrame, outlets: list[str], sides: list[str]) -> pd.DataFrame:
    """Per outlet and speaker side: quotes, quoted words, share of the outlet's quotes and
    words, and the anonymous share. Terms are not quotes; unknown sides are 'unknown'."""
    q = quotes[quotes["kind"] != "term"].copy()
    q["side"] = q["speaker_side"].replace("", "unknown")
    q["words"] = q["text"].map(lambda t: len(words(t)))
    q["anonymous"] = q["is_anonymous"].astype(str).eq("True")
    rows = []
    for outlet in outlets:
        mine = q[q["outlet_id"] == outlet]
        for side in [*sides, "unknown"]:
            part = mine[mine["side"] == side]
            rows.append(
                {
                    "outlet_id": outlet,
                    "side": side,
                    "quotes_count": len(part),
                    "quoted_words_count": int(part["words"].sum()),
                    "quotes_share": len(part) / len(mine) if len(mine) else 0.0,
                    "quoted_words_share": part["words"].sum() / mine["words"].sum() if mine["words"].sum() else 0.0,
                    "anonymous_share": part["anonymous"].mean() if len(part) else 0.0,
                }
            )
    return pd.DataFrame(rows)
