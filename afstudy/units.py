"""Text units: the pieces of an article that go into its spaCy Doc, in reading order.

One Doc per article holds its headline, standfirst, captions and body paragraphs joined by
blank lines. Each unit remembers its raw line and where its text starts in that line, so
every offset found in the Doc maps back to the seed file.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from spacy.tokens import Doc, Span

from afstudy.parsing import Article

UNIT_ROLES = ("headline", "caption", "body")


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


@dataclass
class ArticleDoc:
    """A parsed article with its units and the processed spaCy Doc.

    Sentence lookups are computed once (``Token.sent`` scans the Doc on every call).
    """

    article: Article
    units: list[Unit]
    doc: Doc
    sentences: list[Span] = field(init=False)
    sentence_index: list[int] = field(init=False)  # token -> position in ``sentences``
    sentence_ids: list[tuple[str, int]] = field(init=False)  # (sentence_id, number in unit)

    def __post_init__(self) -> None:
        self.sentences, self.sentence_index, self.sentence_ids = [], [0] * len(self.doc), []
        per_unit: Counter[str] = Counter()
        for sent in self.doc.sents:
            stripped = sent.text.strip()
            if stripped:
                unit = self.unit_at(sent.start_char + (len(sent.text) - len(sent.text.lstrip())))
                per_unit[unit.unit_id] += 1
                self.sentences.append(sent)
                self.sentence_ids.append((f"{unit.unit_id}-s{per_unit[unit.unit_id]:02d}", per_unit[unit.unit_id]))
            for i in range(sent.start, sent.end):
                self.sentence_index[i] = max(len(self.sentences) - 1, 0)

    def unit_at(self, char: int) -> Unit:
        """The unit containing Doc character offset ``char``."""
        for unit in self.units:
            if unit.doc_start <= char < unit.doc_end:
                return unit
        raise ValueError(f"offset {char} is outside every unit of {self.article.article_id}")

    def sentence_id_at(self, token: int) -> str:
        """The id of the sentence holding token ``token``."""
        return self.sentence_ids[self.sentence_index[token]][0] if self.sentence_ids else ""


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
            letter = "h" if lr.role == "headline" else "c"
            counters[letter] += 1
            unit_id = f"{article.article_id}-{letter}{counters[letter]:02d}"
        offset = len(lr.text) - len(lr.text.lstrip()) + len(lr.prefix)
        units.append(Unit(unit_id, part, lr.line_no, offset, start, lr.clean_text))
        start += len(lr.clean_text) + 2
    return units


def article_text(units: list[Unit]) -> str:
    """The Doc text of an article: its units joined by blank lines."""
    return "\n\n".join(u.text for u in units)
