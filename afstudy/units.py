"""Text units: the pieces of an article that go into its spaCy Doc, in reading order.

One Doc per article holds its headline, standfirst, captions and body paragraphs joined by
blank lines. Each unit remembers its raw line and where its text starts in that line, so
every offset found in the Doc maps back to the seed file.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field

import numpy
from spacy.attrs import IDX, LOWER, ORTH, SENT_START
from spacy.tokens import Doc, Span

from afstudy.parsing import Article

UNIT_ROLES = ("headline", "byline", "caption", "body")  # bylines and datelines name people and agencies


@dataclass(frozen=True)
class Unit:
    """A text unit of an article (headline, standfirst, caption, paragraph, subheading)."""

    unit_id: str
    part: str
    line_no: int
    raw_offset: int  # where the unit's text starts in its raw line
    doc_start: int  # where it starts in the article's Doc text
    text: str

    @property
    def doc_end(self) -> int:
        """End of the unit in the article's Doc text."""
        return self.doc_start + len(self.text)


@dataclass(frozen=True)
class DocLayout:
    """Token and sentence positions of a Doc, read once through ``Doc.to_array``
    (``Token`` objects, ``Span.text`` and ``Token.sent`` are slow in loops)."""

    text: str
    token_starts: list[int]  # token -> character offset
    texts: list[str]  # token -> text
    lowers: list[str]  # token -> lowercase form
    sentences: list[Span]  # every span of ``doc.sents``, blank ones included
    sent_of: list[int]  # token -> position in ``sentences``

    def span_text(self, span: Span) -> str:
        """``span.text`` without joining the tokens again."""
        return self.text[span.start_char : span.end_char]


def doc_layout(doc: Doc, text: str | None = None) -> DocLayout:
    """The layout of ``doc`` (``text`` = ``doc.text`` when the caller has it already)."""
    n = len(doc)
    strings = doc.vocab.strings
    array = doc.to_array([IDX, ORTH, LOWER, SENT_START]) if n else numpy.zeros((0, 4), dtype=numpy.uint64)
    starts = array[:, 0].tolist()
    texts = [strings[h] for h in array[:, 1].tolist()]
    lowers = [strings[h] for h in array[:, 2].tolist()]
    # Doc.sents: a sentence starts at token 0 and wherever sent_start == 1
    bounds = [0, *(numpy.flatnonzero(array[1:, 3].astype(numpy.int64) == 1) + 1).tolist(), n] if n else [0]
    sentences = [doc[a:b] for a, b in zip(bounds, bounds[1:], strict=False) if b > a]
    sent_of = [0] * n
    for number, (a, b) in enumerate(zip(bounds, bounds[1:], strict=False)):
        sent_of[a:b] = [number] * (b - a)
    return DocLayout(doc.text if text is None else text, starts, texts, lowers, sentences, sent_of)


@dataclass
class ArticleDoc:
    """A parsed article with its units and the processed spaCy Doc.

    Sentence lookups are computed once (``Token.sent`` scans the Doc on every call).
    """

    article: Article
    units: list[Unit]
    doc: Doc
    layout: DocLayout = field(init=False)
    sentences: list[Span] = field(init=False)  # non-blank sentences
    sentence_texts: list[str] = field(init=False)
    sentence_index: list[int] = field(init=False)  # token -> position in ``sentences``
    sentence_ids: list[tuple[str, int]] = field(init=False)  # (sentence_id, number in unit)

    def __post_init__(self) -> None:
        self.layout = doc_layout(self.doc, article_text(self.units))
        self._unit_starts = [u.doc_start for u in self.units]
        self.sentences, self.sentence_texts, self.sentence_index, self.sentence_ids = [], [], [0] * len(self.doc), []
        per_unit: Counter[str] = Counter()
        for sent in self.layout.sentences:
            text = self.layout.span_text(sent)
            stripped = text.strip()
            if stripped:
                unit = self.unit_at(sent.start_char + (len(text) - len(text.lstrip())))
                per_unit[unit.unit_id] += 1
                self.sentences.append(sent)
                self.sentence_texts.append(text)
                self.sentence_ids.append((f"{unit.unit_id}-s{per_unit[unit.unit_id]:02d}", per_unit[unit.unit_id]))
            self.sentence_index[sent.start : sent.end] = [max(len(self.sentences) - 1, 0)] * (sent.end - sent.start)

    @property
    def date(self) -> dt.date | None:
        """The article's date (published, else the event date; None when neither is set)."""
        value = article_date(self.article)
        return dt.date.fromisoformat(value) if value else None

    def unit_at(self, char: int) -> Unit:
        """The unit containing Doc character offset ``char``."""
        k = bisect_right(self._unit_starts, char) - 1
        if k >= 0 and char < self.units[k].doc_end:
            return self.units[k]
        raise ValueError(f"offset {char} is outside every unit of {self.article.article_id}")

    def sentence_id_at(self, token: int) -> str:
        """The id of the sentence holding token ``token``."""
        return self.sentence_ids[self.sentence_index[token]][0] if self.sentence_ids else ""


def article_date(article: Article) -> str:
    """The date that resolves date-restricted identities: ``published``, else ``event_date``
    (ISO strings; '' when the metadata has neither)."""
    return article.raw.meta.published or article.raw.meta.event_date


def article_units(article: Article) -> list[Unit]:
    """The article's text units in reading order, with stable ids."""
    para_ids = {p.line_no: p.paragraph_id for p in article.paragraphs}
    units: list[Unit] = []
    counters: Counter[str] = Counter()
    start = 0
    for lr in article.lines:
        if lr.role not in UNIT_ROLES or not lr.clean_text:
            continue
        part = lr.subrole
        if lr.role == "body":
            unit_id = para_ids[lr.line_no]
        else:
            letter = {"headline": "h", "byline": "b"}.get(lr.role, "c")
            counters[letter] += 1
            unit_id = f"{article.article_id}-{letter}{counters[letter]:02d}"
        offset = len(lr.text) - len(lr.text.lstrip()) + len(lr.prefix)
        units.append(Unit(unit_id, part, lr.line_no, offset, start, lr.clean_text))
        start += len(lr.clean_text) + 2
    return units


def article_text(units: list[Unit]) -> str:
    """The Doc text of an article: its units joined by blank lines."""
    return "\n\n".join(u.text for u in units)
