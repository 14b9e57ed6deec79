"""From a corpus folder to parsed articles: line roles, paragraphs, headline, accounting."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from afstudy.cleaning import ROLES, LineRole, Profiles, classify_lines, load_profiles, words
from afstudy.corpus import CorpusPlan, RawArticle, Reject, iter_corpus, reject_rows
from afstudy.io import write_csv


@dataclass(frozen=True)
class Paragraph:
    """A body paragraph (or subheading) with a stable id."""

    article_id: str
    paragraph_id: str
    paragraph_no: int
    line_no: int
    kind: str
    text: str
    prefix: str


@dataclass
class Article:
    """A parsed article: its raw record, the role of every line, and its paragraphs."""

    raw: RawArticle
    lines: list[LineRole]
    paragraphs: list[Paragraph] = field(default_factory=list)

    @property
    def article_id(self) -> str:
        """The article's stable slug from metadata.csv."""
        return self.raw.meta.article_id

    @property
    def headline(self) -> str:
        """The headline line's text ('' when none was found)."""
        return next((lr.clean_text for lr in self.lines if lr.subrole == "headline"), "")

    def role_counts(self) -> Counter[str]:
        """Number of lines per role."""
        return Counter(lr.role for lr in self.lines)


@dataclass
class ParsedCorpus:
    """Parsed articles plus every rejected input."""

    folder: Path
    articles: list[Article]
    rejects: list[Reject]


def paragraph_id(article_id: str, number: int) -> str:
    """Stable paragraph id: ``<article_id>-p<NN>``."""
    return f"{article_id}-p{number:02d}"


def parse_article(raw: RawArticle, profiles: Profiles) -> Article:
    """Classify every line of ``raw`` and collect its body paragraphs."""
    lines = classify_lines(raw.lines, profiles.for_outlet(raw.meta.outlet_id))
    article = Article(raw, lines)
    body = [lr for lr in lines if lr.role == "body"]
    for number, lr in enumerate(body, start=1):
        article.paragraphs.append(
            Paragraph(raw.meta.article_id, paragraph_id(raw.meta.article_id, number), number, lr.line_no, lr.subrole, lr.clean_text, lr.prefix)
        )
    return article


def iter_parsed(folder: str | Path | CorpusPlan, profiles: Profiles | None = None) -> Iterator[Article | Reject]:
    """Parse a corpus folder (or one already planned) lazily; an article without body
    becomes a Reject."""
    profiles = profiles or load_profiles()
    for item in iter_corpus(folder):
        if isinstance(item, Reject):
            yield item
            continue
        article = parse_article(item, profiles)
        yield no_body_reject(article) or article


def no_body_reject(article: Article) -> Reject | None:
    """The reject of an article in which no line looks like body text (else None)."""
    if any(p.kind == "paragraph" for p in article.paragraphs):
        return None
    return Reject(article.raw.path.name, "parse", "no_body", f"{article.raw.path}: no line looks like body text")


def parse_corpus(folder: str | Path, profiles: Profiles | None = None) -> ParsedCorpus:
    """Read and parse a corpus folder; articles without body are rejected with a reason."""
    articles: list[Article] = []
    rejects: list[Reject] = []
    for item in iter_parsed(folder, profiles):
        (rejects if isinstance(item, Reject) else articles).append(item)  # type: ignore[arg-type]
    return ParsedCorpus(Path(folder), articles, sorted(rejects, key=lambda r: (r.file, r.stage)))


def _word_count(lines: list[LineRole], role: str) -> int:
    return sum(len(words(lr.clean_text)) for lr in lines if lr.role == role and lr.reason != "blank")


def article_row(a: Article) -> dict[str, object]:
    """The articles-table row of one article: metadata, headline, line/word accounting."""
    m, counts = a.raw.meta, a.role_counts()
    row: dict[str, object] = {
        "article_id": m.article_id,
        "file": m.file,
        "outlet": m.outlet,
        "outlet_id": m.outlet_id,
        "outlet_type": m.outlet_type,
        "published": m.published,
        "date_precision": m.date_precision,
        "event": m.event,
        "event_date": m.event_date,
        "headline": a.headline,
        "is_headline_as_metadata": a.headline == m.headline,
        "encoding": a.raw.encoding,
        "has_bom": a.raw.had_bom,
        "lines_count": len(a.lines),
    }
    row.update({f"{role}_lines_count": counts.get(role, 0) for role in ROLES})
    row["blank_lines_count"] = sum(1 for lr in a.lines if lr.reason == "blank")
    row["paragraphs_count"] = sum(1 for p in a.paragraphs if p.kind == "paragraph")
    row["subheadings_count"] = sum(1 for p in a.paragraphs if p.kind == "subheading")
    for role in ("body", "caption", "removed"):
        row[f"{role}_words_count"] = _word_count(a.lines, role)
    row["sha256"] = a.raw.sha256
    return row


def paragraph_rows(a: Article) -> list[dict[str, object]]:
    """One row per body paragraph or subheading of an article."""
    return [
        {
            "article_id": p.article_id,
            "paragraph_id": p.paragraph_id,
            "paragraph_no": p.paragraph_no,
            "line_no": p.line_no,
            "kind": p.kind,
            "words_count": len(words(p.text)),
            "stripped_prefix": p.prefix,
            "text": p.text,
        }
        for p in a.paragraphs
    ]


def line_rows(a: Article) -> list[dict[str, object]]:
    """One row per raw line of an article."""
    return [
        {"article_id": a.article_id, "file": a.raw.meta.file, "line_no": lr.line_no, "role": lr.role, "subrole": lr.subrole, "reason": lr.reason, "rule": lr.rule, "text": lr.text}
        for lr in a.lines
    ]


PARAGRAPH_COLUMNS = ["article_id", "paragraph_id", "paragraph_no", "line_no", "kind", "words_count", "stripped_prefix", "text"]
LINE_COLUMNS = ["article_id", "file", "line_no", "role", "subrole", "reason", "rule", "text"]
REJECT_COLUMNS = ["file", "stage", "reason", "message"]


def articles_table(parsed: ParsedCorpus) -> pd.DataFrame:
    """One row per processed article."""
    return pd.DataFrame([article_row(a) for a in parsed.articles])


def paragraphs_table(parsed: ParsedCorpus) -> pd.DataFrame:
    """One row per body paragraph or subheading."""
    return pd.DataFrame([r for a in parsed.articles for r in paragraph_rows(a)], columns=PARAGRAPH_COLUMNS)


def lines_table(parsed: ParsedCorpus) -> pd.DataFrame:
    """One row per raw line of every processed article, with its role and reason."""
    return pd.DataFrame([r for a in parsed.articles for r in line_rows(a)], columns=LINE_COLUMNS)


def rejects_table(parsed: ParsedCorpus) -> pd.DataFrame:
    """One row per rejected input."""
    return pd.DataFrame(reject_rows(parsed.rejects), columns=REJECT_COLUMNS)


def write_parse_outputs(parsed: ParsedCorpus, out_dir: str | Path) -> dict[str, Path]:
    """Write the articles, paragraphs, lines and rejects tables as CSV into ``out_dir``."""
    out = Path(out_dir)
    tables = {
        "articles": articles_table(parsed),
        "paragraphs": paragraphs_table(parsed),
        "lines": lines_table(parsed),
        "rejects": rejects_table(parsed),
    }
    return {name: write_csv(frame, out / f"{name}.csv") for name, frame in tables.items()}
